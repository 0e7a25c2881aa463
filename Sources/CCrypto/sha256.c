// Thin wrapper over OpenSSL's EVP digest interface (see ccrypto.h).
#include <openssl/evp.h>
#include "ccrypto.h"

struct wp_sha256 { EVP_MD_CTX *context; };

wp_sha256 *wp_sha256_new(void) {
    wp_sha256 *hash = OPENSSL_malloc(sizeof *hash);
    if (!hash) return NULL;
    hash->context = EVP_MD_CTX_new();
    if (!hash->context || EVP_DigestInit_ex(hash->context, EVP_sha256(), NULL) != 1) {
        wp_sha256_free(hash);
        return NULL;
    }
    return hash;
}

int wp_sha256_update(wp_sha256 *hash, const void *p, size_t n) {
    return EVP_DigestUpdate(hash->context, p, n) == 1 ? 0 : -1;
}

int wp_sha256_final(wp_sha256 *hash, unsigned char digest[32]) {
    unsigned int length = 0;
    return EVP_DigestFinal_ex(hash->context, digest, &length) == 1 && length == 32 ? 0 : -1;
}

void wp_sha256_free(wp_sha256 *hash) {
    if (!hash) return;
    EVP_MD_CTX_free(hash->context);
    OPENSSL_free(hash);
}

// Thin wrapper over OpenSSL's EVP digest interface (see ccrypto.h). libcrypto is loaded with
// dlopen when the first digest starts: linked, it cost every command ~0.5 ms at start-up
// (loading and relocating a 4 MB library that only `export` uses).
#include <dlfcn.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "ccrypto.h"
#include "clibraryloader.h"

static struct {
    __typeof__(EVP_MD_CTX_new) *md_ctx_new;
    __typeof__(EVP_MD_CTX_free) *md_ctx_free;
    __typeof__(EVP_sha256) *sha256;
    __typeof__(EVP_DigestInit_ex) *init;
    __typeof__(EVP_DigestUpdate) *update;
    __typeof__(EVP_DigestFinal_ex) *final;
} api;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[384];

static void load(void) {
    static const char *const names[] = { "libcrypto.so.3", "libcrypto.so" };
    void *library = wp_open_first_library(names, sizeof names / sizeof names[0], "libcrypto", "libssl3",
                                          load_error, sizeof load_error);
    if (library == NULL) return;
    api.md_ctx_new = (__typeof__(api.md_ctx_new))dlsym(library, "EVP_MD_CTX_new");
    api.md_ctx_free = (__typeof__(api.md_ctx_free))dlsym(library, "EVP_MD_CTX_free");
    api.sha256 = (__typeof__(api.sha256))dlsym(library, "EVP_sha256");
    api.init = (__typeof__(api.init))dlsym(library, "EVP_DigestInit_ex");
    api.update = (__typeof__(api.update))dlsym(library, "EVP_DigestUpdate");
    api.final = (__typeof__(api.final))dlsym(library, "EVP_DigestFinal_ex");
    if (!api.md_ctx_new || !api.md_ctx_free || !api.sha256 || !api.init || !api.update || !api.final) {
        snprintf(load_error, sizeof load_error, "the loaded libcrypto lacks the EVP digest functions");
        return;
    }
    loaded = 1;
}

const char *wp_crypto_load_error(void) {
    pthread_once(&once, load);
    return load_error;
}

struct wp_sha256 { EVP_MD_CTX *context; };

wp_sha256 *wp_sha256_new(void) {
    pthread_once(&once, load);
    if (!loaded) return NULL;
    wp_sha256 *hash = malloc(sizeof *hash);
    if (!hash) return NULL;
    hash->context = api.md_ctx_new();
    if (!hash->context || api.init(hash->context, api.sha256(), NULL) != 1) {
        wp_sha256_free(hash);
        return NULL;
    }
    return hash;
}

int wp_sha256_update(wp_sha256 *hash, const void *p, size_t n) {
    return api.update(hash->context, p, n) == 1 ? 0 : -1;
}

int wp_sha256_final(wp_sha256 *hash, unsigned char digest[32]) {
    unsigned int length = 0;
    return api.final(hash->context, digest, &length) == 1 && length == 32 ? 0 : -1;
}

void wp_sha256_free(wp_sha256 *hash) {
    if (!hash) return;
    if (hash->context) api.md_ctx_free(hash->context);
    free(hash);
}

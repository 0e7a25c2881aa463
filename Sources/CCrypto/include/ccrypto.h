#ifndef CCRYPTO_H
#define CCRYPTO_H
// SHA-256 from the system's libcrypto (OpenSSL), the one digest WeightPort computes (a bundle's
// source checksum). openssl/evp.h stays out of this header: Swift sees only these functions.
// libcrypto is not linked: it is loaded with dlopen on first use (see sha256.c).
#include <stddef.h>

/// An incremental SHA-256 computation (an OpenSSL EVP digest context).
typedef struct wp_sha256 wp_sha256;

/// Loads libcrypto if needed; "" when it is loaded, else why it cannot be.
const char *wp_crypto_load_error(void);

/// A new computation, or NULL when libcrypto cannot be loaded (wp_crypto_load_error says why)
/// or cannot allocate one.
wp_sha256 *wp_sha256_new(void);

/// Adds p[0..<n]; returns 0, or -1 on failure.
int wp_sha256_update(wp_sha256 *hash, const void *p, size_t n);

/// Writes the 32-byte digest of everything added; returns 0, or -1 on failure. Call once.
int wp_sha256_final(wp_sha256 *hash, unsigned char digest[32]);

/// Releases the computation (NULL is allowed).
void wp_sha256_free(wp_sha256 *hash);
#endif

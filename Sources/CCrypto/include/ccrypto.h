#ifndef CCRYPTO_H
#define CCRYPTO_H
// SHA-256 from the system's libcrypto (OpenSSL), the one digest WeightPort computes (a bundle's
// source checksum). openssl/evp.h stays out of this header: Swift sees only these functions.
#include <stddef.h>

/// An incremental SHA-256 computation (an OpenSSL EVP digest context).
typedef struct wp_sha256 wp_sha256;

/// A new computation, or NULL when libcrypto cannot allocate one.
wp_sha256 *wp_sha256_new(void);

/// Adds p[0..<n]; returns 0, or -1 on failure.
int wp_sha256_update(wp_sha256 *hash, const void *p, size_t n);

/// Writes the 32-byte digest of everything added; returns 0, or -1 on failure. Call once.
int wp_sha256_final(wp_sha256 *hash, unsigned char digest[32]);

/// Releases the computation (NULL is allowed).
void wp_sha256_free(wp_sha256 *hash);
#endif

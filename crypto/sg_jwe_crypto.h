/*
 * The cryptography of encrypted profiles (JWE, RFC 7516/7518), on mbedTLS:
 * AES-256-GCM content decryption, AES-256 key unwrap (RFC 3394), ECDH on
 * P-256 with the Concat KDF of RFC 7518 §4.6, and RFC 7638 thumbprints.
 * Only what stagegate accepts: "dir" or "ECDH-ES+A256KW" with "A256GCM".
 *
 * Private to stagegate (agent/src/jwe.c parses the JWE and calls these).
 * Every function starts from a failure value and wipes its secrets.
 *
 * Built only where the mbedTLS configuration has AES, GCM and NIST KW
 * (SG_HAVE_JWE); the Cortex-M budget image leaves them out.
 */
#ifndef SG_JWE_CRYPTO_H
#define SG_JWE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/keystore.h"

#if !defined(SG_NO_JWE)
#define SG_HAVE_JWE 1
#else
#define SG_HAVE_JWE 0
#endif

#define SG_A256GCM_IV_LEN 12
#define SG_A256GCM_TAG_LEN 16
#define SG_A256KW_WRAPPED_LEN 40 /* a 32-byte key wrapped: 8 bytes longer */

/*
 * AES-256-GCM: decrypt ct[0..len) into out (out may equal ct) and check
 * the tag over aad. SG_OK, SG_ERR_DECRYPT_FAILED (tag mismatch: `out` is
 * wiped), or SG_ERR_NO_MEMORY.
 */
int sg_a256gcm_decrypt(const uint8_t key[32], const uint8_t iv[SG_A256GCM_IV_LEN],
                       const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len,
                       const uint8_t tag[SG_A256GCM_TAG_LEN], uint8_t *out);

/* RFC 3394 unwrap of a 32-byte key: SG_OK or SG_ERR_DECRYPT_FAILED. */
int sg_a256kw_unwrap(const uint8_t kek[32], const uint8_t wrapped[SG_A256KW_WRAPPED_LEN],
                     uint8_t cek[32]);

/*
 * RFC 7518 §4.6.2 Concat KDF with SHA-256 for a 256-bit key:
 * SHA-256(00000001 || Z || AlgorithmID || PartyUInfo || PartyVInfo || 256),
 * each info a 32-bit big-endian length and its bytes.
 */
void sg_concat_kdf_256(const uint8_t z[32], const char *alg, size_t alg_len,
                       const uint8_t *apu, size_t apu_len, const uint8_t *apv,
                       size_t apv_len, uint8_t out[32]);

/*
 * Blinding randomness for the ECDH multiplication (mbedTLS requires it).
 * NULL f_rng: a deterministic generator keyed by SHA-256 of the private
 * scalar and the peer point. It keeps the scalar blinded from anyone who
 * does not know it, but the same peer point gives the same blinding, so a
 * port with a real random source should pass it (the POSIX port does).
 */
typedef int (*sg_rng_fn)(void *p_rng, unsigned char *out, size_t len);

/*
 * Z = x-coordinate of d * peer on P-256. The peer point (x || y) is checked
 * to be on the curve first (an invalid-curve point would leak d).
 * SG_OK, SG_ERR_DECRYPT_FAILED (bad point or scalar), SG_ERR_NO_MEMORY.
 */
int sg_p256_ecdh(const uint8_t d[32], const uint8_t peer[64], sg_rng_fn f_rng, void *p_rng,
                 uint8_t z[32]);

/* The public point d * G (x || y). SG_OK, SG_ERR_ARG (d not a valid
 * scalar) or SG_ERR_NO_MEMORY. */
int sg_p256_public(const uint8_t d[32], uint8_t pub[64]);

/*
 * The P-256 private scalar of a PEM or DER key (SEC1 or unencrypted
 * PKCS#8); PEM must include its terminating NUL in `len`. SG_OK, SG_ERR_ARG
 * (not a P-256 private key) or SG_ERR_NO_MEMORY. For host-side key files.
 */
int sg_p256_private_from_key_file(const uint8_t *buf, size_t len, sg_rng_fn f_rng, void *p_rng,
                                  uint8_t d[32]);

/* RFC 7638 thumbprints (base64url of SHA-256 of the canonical JWK). */
void sg_jwk_thumbprint_ec(const uint8_t pub[64], char kid[SG_KID_LEN]);
void sg_jwk_thumbprint_oct(const uint8_t k[32], char kid[SG_KID_LEN]);

/* Base64url without padding of in[0..len) into out (4*len/3 rounded up
 * characters; no NUL). Returns the number of characters written. */
size_t sg_b64url_encode(const uint8_t *in, size_t len, char *out);

#endif

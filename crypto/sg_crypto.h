/*
 * crypto/ — everything in stagegate that touches mbedTLS: the
 * mbedTLS-level functions, for crypto/ itself, the tests and the tools.
 * The agent core sees only sg_crypto_api.h (no mbedTLS types).
 *
 * Private to stagegate (not installed). Functions return SG_ACCEPTED for a
 * positive security decision and a negative sg_err otherwise; every one
 * starts from a failure value.
 */
#ifndef SG_CRYPTO_H
#define SG_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "sg_mbedtls_check.h" /* first: what stagegate needs of the configuration */

#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"
#include "mbedtls/x509_crt.h"
#include "sg_crypto_api.h"

/* Which optional algorithms this mbedTLS configuration can verify. */
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED) && defined(MBEDTLS_SHA384_C)
#define SG_HAVE_ES384 1
#else
#define SG_HAVE_ES384 0
#endif
#if defined(MBEDTLS_PKCS1_V21)
#define SG_HAVE_PS256 1
#else
#define SG_HAVE_PS256 0
#endif

/* Smallest RSA modulus accepted, in bits (DESIGN.md: reject < 2048). */
#define SG_RSA_MIN_BITS 2048u


/*
 * Parse one certificate and append it to `chain` (initialised by the
 * caller with mbedtls_x509_crt_init). DER, or PEM — PEM input must include
 * its terminating NUL in `len`, as mbedTLS requires. The DER is copied.
 * Exactly one certificate: DER whose outer SEQUENCE does not end at the
 * last byte, or PEM with anything but whitespace after its END line (a
 * second certificate, a key), is refused.
 * Returns SG_OK, SG_ERR_CERT_FORMAT or SG_ERR_NO_MEMORY.
 */
int sg_cert_parse(mbedtls_x509_crt *chain, const uint8_t *buf, size_t len);

/*
 * Is this public key acceptable for `alg`? ES256 needs a P-256 key, ES384
 * P-384, PS256/RS256 RSA of at least SG_RSA_MIN_BITS. Returns SG_OK,
 * SG_ERR_WEAK_KEY (RSA too short) or SG_ERR_ALG (key type does not match).
 */
int sg_key_check(const mbedtls_pk_context *pk, sg_alg alg);

/*
 * Verify a JWS signature over msg (RFC 7515 signing input) with `pk`.
 * The signature is in JWS form (RFC 7518 §3): ECDSA as the fixed-size
 * concatenation R || S, RSA as the k-byte signature. PS256 requires MGF1
 * with SHA-256 and a 32-byte salt. The key is checked with sg_key_check.
 * Returns SG_ACCEPTED, or SG_ERR_BAD_SIGNATURE / SG_ERR_WEAK_KEY /
 * SG_ERR_ALG / SG_ERR_NO_MEMORY.
 */
int sg_verify(mbedtls_pk_context *pk, sg_alg alg, const uint8_t *msg, size_t msg_len,
              const uint8_t *sig, size_t sig_len);

/*
 * sg_verify over a JWS signing input given in two parts,
 * ASCII(protected_b64) || '.' || ASCII(payload_b64), hashed without
 * copying them together (RFC 7515 §5.2).
 */
int sg_verify_jws(mbedtls_pk_context *pk, sg_alg alg, const char *protected_b64,
                  size_t protected_len, const char *payload_b64, size_t payload_len,
                  const uint8_t *sig, size_t sig_len);

/* Certificate validity at Unix time `now` (notBefore <= now <= notAfter).
 * Returns SG_OK, SG_ERR_CERT_NOT_YET_VALID or SG_ERR_CERT_EXPIRED. */
int sg_cert_check_time(const mbedtls_x509_crt *crt, int64_t now);

/* Unix time of an X.509 time (UTC); -1 if out of range. */
int64_t sg_x509_time_to_unix(const mbedtls_x509_time *t);

/*
 * Does `chain` (leaf first, then intermediates, as in a JWS x5c) chain to
 * the CA certificate `anchor`? Checks signatures (RSA >= 2048, P-256/384,
 * SHA-256/384/512), CA flag and keyCertSign on every issuer, path length,
 * digitalSignature on the leaf (when key usage is present), and validity
 * of every certificate on the path at `now`.
 * Returns SG_ACCEPTED, or SG_ERR_CHAIN / SG_ERR_WEAK_KEY /
 * SG_ERR_CERT_EXPIRED / SG_ERR_CERT_NOT_YET_VALID / SG_ERR_CERT_USAGE.
 */
int sg_chain_verify(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchor, int64_t now);

/* Like sg_cert_parse, DER only, without copying: `der` must outlive chain.
 * Like every certificate parse here, `der` must be exactly one DER
 * certificate: bytes after its outer SEQUENCE are SG_ERR_CERT_FORMAT. */
int sg_cert_parse_der_nocopy(mbedtls_x509_crt *chain, const uint8_t *der, size_t len);

/* Is this mbedTLS error code, or its low-level cause, an allocation failure? */
int sg_mbedtls_is_oom(int rc);

/* The opaque certificate of sg_crypto_api.h is this (crypto/ only). */
struct sg_cert {
  mbedtls_x509_crt crt;
};

#endif /* SG_CRYPTO_H */

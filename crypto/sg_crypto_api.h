/*
 * crypto/ as the agent core sees it: no mbedTLS type, header or field.
 *
 * agent/src includes this header only (tests/unit/layering.sh checks it);
 * sg_crypto.h adds the mbedTLS-level functions for crypto/ itself, the
 * tests and the tools. Everything here returns SG_ACCEPTED for a positive
 * security decision, SG_OK for a completed step, a negative sg_err
 * otherwise; every function starts from a failure value.
 */
#ifndef SG_CRYPTO_API_H
#define SG_CRYPTO_API_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/trust.h"

/* JWS "alg" values the agent accepts. Anything else never maps to one. */
typedef enum {
  SG_ALG_INVALID = 0,
  SG_ALG_ES256 = 0x1e5256,
  SG_ALG_ES384 = 0x1e5384,
  SG_ALG_PS256 = 0x1a5256,
  SG_ALG_RS256 = 0x1b5256,
} sg_alg;

/*
 * Map a JWS "alg" string (not NUL-terminated: name/len) to sg_alg.
 * "none", every HS*, and algorithms this build leaves out give SG_ERR_ALG.
 */
int sg_alg_parse(const char *name, size_t len, sg_alg *alg);
/* "ES256" etc.; "invalid" for anything else. */
const char *sg_alg_name(sg_alg alg);

/* ---- hashing, compares, memory ------------------------------------------ */

/* SHA-256 of a buffer (certificate fingerprints, chunk set ids). */
void sg_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/*
 * Streaming SHA-256, for data that is never whole in RAM (the trust slot
 * hashes records as it reads them from flash). Caller-allocated storage,
 * opaque (crypto/util.c checks at compile time that mbedTLS' context
 * fits); start, any number of updates, finish. finish wipes the context.
 */
typedef struct {
  uint64_t opaque[20];
} sg_sha256_ctx;
void sg_sha256_start(sg_sha256_ctx *c);
void sg_sha256_update(sg_sha256_ctx *c, const uint8_t *data, size_t len);
void sg_sha256_finish(sg_sha256_ctx *c, uint8_t out[32]);

/* Constant-time equality: 1 if equal, 0 otherwise. */
int sg_ct_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* Overwrite a secret or sensitive buffer (mbedtls_platform_zeroize). */
void sg_wipe(void *buf, size_t len);

/* The allocator mbedTLS uses (the static pool on Cortex-M): cJSON is
 * pointed at it during a decision. Zeroed memory or NULL. */
void *sg_crypto_calloc(size_t n, size_t size);
void sg_crypto_free(void *p);

/* ---- certificates, opaque ----------------------------------------------- */

/*
 * One parsed X.509 certificate, or a chain (leaf first) built by
 * sg_cert_load_append. Two ways to hold one:
 *  - caller storage of sg_cert_sizeof() bytes, aligned to 8 (the agent
 *    takes it from its per-decision arena): sg_cert_load, sg_cert_release;
 *  - from the mbedTLS allocator: sg_cert_open, sg_cert_close (the agent's
 *    anchor cache, kept between decisions).
 * The DER is NOT copied: it must outlive the sg_cert. sg_cert_release and
 * sg_cert_close are safe on a certificate whose load failed.
 */
typedef struct sg_cert sg_cert;

size_t sg_cert_sizeof(void);
/* Returns SG_OK, SG_ERR_CERT_FORMAT, SG_ERR_NO_MEMORY or SG_ERR_ARG. */
int sg_cert_load(sg_cert *c, const uint8_t *der, size_t len);
/* Parse one more certificate onto the chain `c` (after sg_cert_load). */
int sg_cert_load_append(sg_cert *c, const uint8_t *der, size_t len);
void sg_cert_release(sg_cert *c);
/* *out NULL on failure. Same codes as sg_cert_load. */
int sg_cert_open(const uint8_t *der, size_t len, sg_cert **out);
void sg_cert_close(sg_cert *c);

/* Validity of the (first) certificate at Unix time `now` (notBefore <= now
 * <= notAfter): SG_OK, SG_ERR_CERT_NOT_YET_VALID, SG_ERR_CERT_EXPIRED, or
 * SG_ERR_CERT_FORMAT for a time outside 1950..9999. */
int sg_cert_check_validity(const sg_cert *c, int64_t now);
/* notAfter as Unix seconds, or -1. */
int64_t sg_cert_not_after(const sg_cert *c);

/*
 * Fit to be a trust anchor of `mode`: PINNED needs digitalSignature in key
 * usage (when present); CA needs basicConstraints CA and keyCertSign.
 * Returns SG_OK or SG_ERR_CERT_USAGE.
 */
int sg_cert_fit_for_anchor(const sg_cert *c, sg_anchor_mode mode);

/* Extended key usage and the other facts the screening before signature
 * math needs (key id, key checks, validity): sg_certinfo.h. */

/* Do the two certificates hold the same public key (SubjectPublicKeyInfo)?
 * 1 or 0. */
int sg_cert_same_key(const sg_cert *a, const sg_cert *b);

/* SHA-256 of the certificate's SubjectPublicKeyInfo (the key's identity,
 * whatever certificate carries it). SG_OK or SG_ERR_CERT_FORMAT. */
int sg_cert_key_sha256(const sg_cert *c, uint8_t out[32]);

/*
 * Verify a JWS signature with the certificate's key over the signing input
 * ASCII(protected_b64) || '.' || ASCII(payload_b64) (RFC 7515 §5.2),
 * hashed without copying. ECDSA signatures as R || S, RSA as k bytes,
 * PS256 with MGF1-SHA-256 and a 32-byte salt; the key must fit `alg`
 * (P-256 / P-384 / RSA >= 2048). Non-const: mbedTLS caches RSA's
 * Montgomery constant in the key on first use, which is what keeping a
 * parsed anchor between decisions saves.
 * Returns SG_ACCEPTED, SG_ERR_BAD_SIGNATURE, SG_ERR_WEAK_KEY, SG_ERR_ALG,
 * SG_ERR_NO_MEMORY or SG_ERR_ARG.
 */
int sg_cert_verify_jws(sg_cert *c, sg_alg alg, const char *protected_b64, size_t protected_len,
                       const char *payload_b64, size_t payload_len, const uint8_t *sig,
                       size_t sig_len);

/*
 * Does `chain` (leaf first, then intermediates, as in a JWS x5c) chain to
 * the CA certificate `anchor`, every certificate valid at `now`?
 * Returns SG_ACCEPTED, or SG_ERR_CHAIN / SG_ERR_WEAK_KEY /
 * SG_ERR_CERT_EXPIRED / SG_ERR_CERT_NOT_YET_VALID / SG_ERR_CERT_USAGE /
 * SG_ERR_NO_MEMORY (see sg_chain_verify in sg_crypto.h).
 */
int sg_cert_chain_to(sg_cert *chain, sg_cert *anchor, int64_t now);

/* Is der[0..len) one DER SEQUENCE (tag and length) that ends exactly at
 * der + len? 1 or 0. Structure only: says nothing about the contents. */
int sg_der_is_one_sequence(const uint8_t *der, size_t len);

/* Does der[0..len) parse as exactly one certificate? Parses into a
 * temporary context and frees it (for callers outside crypto/ that must
 * not hold mbedTLS types). SG_OK, SG_ERR_CERT_FORMAT or SG_ERR_NO_MEMORY. */
int sg_cert_check_der(const uint8_t *der, size_t len);

#endif /* SG_CRYPTO_API_H */

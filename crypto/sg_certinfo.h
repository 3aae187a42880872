/*
 * What the trust policy needs to know about a certificate, without
 * mbedTLS types (agent/src includes no mbedTLS header; issue 9). Each call
 * parses the DER once, reads what it needs and frees the parse: cheap next
 * to any signature check, so the policy can refuse a signer before doing
 * signature math.
 */
#ifndef SG_CERTINFO_H
#define SG_CERTINFO_H

#include <stddef.h>
#include <stdint.h>

/* Largest RSA public exponent accepted: below 2^32. A verify costs one
 * squaring per exponent bit; 65537 takes 17, this cap at most 32, so a
 * stranger's key cannot make one check cost more than about twice a
 * normal one (a 4096-bit exponent made it ~47 times). Exponents between
 * 2^17 and 2^32 are rare but valid (FIPS 186-5 allows up to 2^256), and
 * this cap still refuses every expensive one. */
#define SG_RSA_MAX_EXPONENT_BITS 32u

/* DER content octets of id-kp-documentSigning (RFC 9336): 1.3.6.1.5.5.7.3.36 */
#define SG_OID_KP_DOCUMENT_SIGNING "\x2b\x06\x01\x05\x05\x07\x03\x24"

typedef struct {
  uint8_t key_id[32]; /* SHA-256 of the SubjectPublicKeyInfo: the key's identity */
  int64_t not_before; /* Unix seconds; -1 if not representable */
  int64_t not_after;
  int key_check;      /* SG_OK, SG_ERR_WEAK_KEY (RSA < 2048 bits, curve not P-256/P-384),
                         SG_ERR_KEY_PARAMS (RSA exponent >= 2^32) */
  int staging_eku;    /* SG_ACCEPTED: an EKU extension lists id-kp-documentSigning
                         or SG_STAGING_EKU_OID; SG_ERR_CERT_USAGE otherwise */
} sg_cert_facts;

/*
 * Parse one DER certificate and fill `out`. Returns SG_OK,
 * SG_ERR_CERT_FORMAT or SG_ERR_NO_MEMORY (then `out` is zeroed, with
 * key_check and staging_eku set to failures).
 */
int sg_cert_facts_get(const uint8_t *der, size_t len, sg_cert_facts *out);

/*
 * Does the certificate's extended key usage list the OID `oid` (content
 * octets, oid_len > 0)? A certificate without the extension lists none
 * (unlike mbedtls_x509_crt_check_extended_key_usage, which then allows
 * all), and anyExtendedKeyUsage does not count. SG_ACCEPTED,
 * SG_ERR_CERT_USAGE, SG_ERR_CERT_FORMAT or SG_ERR_NO_MEMORY.
 */
int sg_cert_has_eku(const uint8_t *der, size_t len, const uint8_t *oid, size_t oid_len);

#endif

/*
 * stagegate — compile-time limits. Override any of them on the compiler
 * command line, or put overrides in a header named by SG_CONFIG_FILE.
 * Every buffer the agent uses is sized from these: no hidden growth.
 */
#ifndef STAGEGATE_CONFIG_H
#define STAGEGATE_CONFIG_H

#if defined(SG_CONFIG_FILE)
#include SG_CONFIG_FILE
#endif

/* Most barcode symbols one profile may span. */
#ifndef SG_MAX_CHUNKS
#define SG_MAX_CHUNKS 16
#endif

/* Largest reassembled profile text (bare JSON or JWS), in bytes. */
#ifndef SG_MAX_PROFILE
#define SG_MAX_PROFILE 8192
#endif

/* Largest certificate (DER) the trust slot holds, anchor or pending. */
#ifndef SG_MAX_CERT
#define SG_MAX_CERT 2048
#endif

/* Most certificates in a JWS x5c header (leaf + intermediates). */
#ifndef SG_MAX_X5C
#define SG_MAX_X5C 4
#endif

/* Most firmware action handlers (CSPs) an agent can register. */
#ifndef SG_MAX_HANDLERS
#define SG_MAX_HANDLERS 16
#endif

/* How far a profile's iat may lie ahead of the device's effective time. */
#ifndef SG_IAT_SKEW_SECONDS
#define SG_IAT_SKEW_SECONDS 300
#endif

/* Former anchors whose replay floors the trust slot keeps after TurnOff,
 * rotation or recovery (40 bytes each on flash): re-enrolling one of these
 * keys starts from its old floor, so its old TurnOff stays a replay; the
 * least recently retired is forgotten first. */
#ifndef SG_MAX_FORMER_ANCHORS
#define SG_MAX_FORMER_ANCHORS 4
#endif

/* Longest life of a trust-changing barcode (TurnOff, Rotate): its exp may
 * lie at most this long after its iat, and it must carry exp at all. */
#ifndef SG_TRUST_CHANGE_LIFETIME
#define SG_TRUST_CHANGE_LIFETIME (7 * 86400)
#endif

/* From how long before the anchor's notAfter `status` warns. */
#ifndef SG_ANCHOR_EXPIRY_WARNING
#define SG_ANCHOR_EXPIRY_WARNING (30 * 86400)
#endif

/*
 * Under a "ca" anchor a signer must carry the extended key usage
 * id-kp-documentSigning (RFC 9336, 1.3.6.1.5.5.7.3.36) or this staging
 * EKU, given as the DER content octets of its OID in a C string (the
 * MBEDTLS_OID_* style), e.g. 1.3.6.1.4.1.55555.1 is
 * "\x2b\x06\x01\x04\x01\x83\xb2\x03\x01". Empty: documentSigning only.
 */
#ifndef SG_STAGING_EKU_OID
#define SG_STAGING_EKU_OID ""
#endif

#if SG_MAX_CHUNKS < 1 || SG_MAX_CHUNKS > 99
#error "SG_MAX_CHUNKS must be 1..99"
#endif
#if SG_MAX_PROFILE < 256 || SG_MAX_PROFILE > 65535
#error "SG_MAX_PROFILE must be 256..65535 (chunk offsets are 16-bit)"
#endif
#if SG_MAX_CERT < 256 || SG_MAX_CERT > 16384
#error "SG_MAX_CERT must be 256..16384"
#endif

#if SG_MAX_FORMER_ANCHORS < 1 || SG_MAX_FORMER_ANCHORS > 16
#error "SG_MAX_FORMER_ANCHORS must be 1..16"
#endif
#if SG_TRUST_CHANGE_LIFETIME < 60
#error "SG_TRUST_CHANGE_LIFETIME must be at least 60 seconds"
#endif

#endif /* STAGEGATE_CONFIG_H */

/*
 * What stagegate needs from mbedTLS, checked at compile time against the
 * configuration it is built with — the bundled one (config/
 * sg_mbedtls_device.h) or a firmware's own (STAGEGATE_MBEDTLS=package or
 * target, docs/INTEGRATION.md). Each missing piece is one #error naming the
 * macro to enable, so a firmware engineer sees what to add to their
 * mbedtls_config.h instead of a link error or, worse, an algorithm that
 * quietly fails. Optional algorithms (ES384, PS256) follow the
 * configuration instead: see SG_HAVE_ES384 / SG_HAVE_PS256 in sg_crypto.h.
 */
#ifndef SG_MBEDTLS_CHECK_H
#define SG_MBEDTLS_CHECK_H

#include "mbedtls/build_info.h"

#if !defined(MBEDTLS_VERSION_NUMBER) || MBEDTLS_VERSION_NUMBER < 0x03060000 || \
    MBEDTLS_VERSION_NUMBER >= 0x03070000
#error "stagegate needs mbedTLS 3.6.x (MBEDTLS_VERSION_NUMBER 0x0306xxxx)"
#endif

/* Certificates: the trust anchor, x5c chains. */
#if !defined(MBEDTLS_X509_CRT_PARSE_C)
#error "stagegate needs MBEDTLS_X509_CRT_PARSE_C in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_X509_USE_C)
#error "stagegate needs MBEDTLS_X509_USE_C in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_ASN1_PARSE_C)
#error "stagegate needs MBEDTLS_ASN1_PARSE_C in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_OID_C)
#error "stagegate needs MBEDTLS_OID_C in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_PK_C) || !defined(MBEDTLS_PK_PARSE_C)
#error "stagegate needs MBEDTLS_PK_C and MBEDTLS_PK_PARSE_C in the mbedTLS configuration"
#endif

/* Digests: SHA-256 everywhere (x5t#S256, chunk set ids, the trust slot). */
#if !defined(MBEDTLS_MD_C)
#error "stagegate needs MBEDTLS_MD_C in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_SHA256_C)
#error "stagegate needs MBEDTLS_SHA256_C in the mbedTLS configuration"
#endif

/* ES256: ECDSA on P-256 (always); RS256: RSA PKCS#1 v1.5 (always). */
#if !defined(MBEDTLS_ECDSA_C) || !defined(MBEDTLS_ECP_C)
#error "stagegate needs MBEDTLS_ECDSA_C and MBEDTLS_ECP_C (ES256) in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_ASN1_WRITE_C)
#error "stagegate needs MBEDTLS_ASN1_WRITE_C (ECDSA signature encoding) in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
#error "stagegate needs MBEDTLS_ECP_DP_SECP256R1_ENABLED (ES256, P-256) in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_RSA_C) || !defined(MBEDTLS_BIGNUM_C)
#error "stagegate needs MBEDTLS_RSA_C and MBEDTLS_BIGNUM_C (RS256) in the mbedTLS configuration"
#endif
#if !defined(MBEDTLS_PKCS1_V15)
#error "stagegate needs MBEDTLS_PKCS1_V15 (RS256) in the mbedTLS configuration"
#endif
#if defined(MBEDTLS_MPI_MAX_SIZE) && MBEDTLS_MPI_MAX_SIZE < 256
#error "stagegate needs MBEDTLS_MPI_MAX_SIZE >= 256 (RSA-2048) in the mbedTLS configuration"
#endif

/* Encrypted profiles (JWE: A256GCM, A256KW, ECDH on P-256); build with
 * SG_NO_JWE to leave them out (a JWE is then refused as SG_ERR_JWE_ALG). */
#if !defined(SG_NO_JWE)
#if !defined(MBEDTLS_CIPHER_C) || !defined(MBEDTLS_AES_C)
#error "stagegate needs MBEDTLS_CIPHER_C and MBEDTLS_AES_C (encrypted profiles) in the mbedTLS configuration, or SG_NO_JWE"
#endif
#if !defined(MBEDTLS_GCM_C)
#error "stagegate needs MBEDTLS_GCM_C (encrypted profiles, A256GCM) in the mbedTLS configuration, or SG_NO_JWE"
#endif
#if !defined(MBEDTLS_NIST_KW_C)
#error "stagegate needs MBEDTLS_NIST_KW_C (encrypted profiles, A256KW) in the mbedTLS configuration, or SG_NO_JWE"
#endif
#endif

#endif /* SG_MBEDTLS_CHECK_H */

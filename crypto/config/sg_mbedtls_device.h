/*
 * mbedTLS configuration for the device (libstagegate on every target).
 *
 * Verify-only: X.509 parsing, public keys, RSA PKCS#1 v1.5 and PSS, ECDSA
 * on P-256 and P-384, SHA-256/384, base64/PEM. No PSA, no RNG, no private
 * keys, no ciphers, no TLS. Selected with
 *   -DMBEDTLS_CONFIG_FILE="sg_mbedtls_device.h"
 * by crypto/CMakeLists.txt; the host tools use sg_mbedtls_tools.h, which
 * includes this file and adds to it.
 *
 * Size/speed knobs a port may override on the compiler command line are
 * wrapped in #ifndef (see platform/cortex-m for the values used there).
 *
 * Algorithm set: all four JWS algorithms unless a port drops some to save
 * flash (the Cortex-M budget image does; platform/cortex-m/firmware):
 *   SG_NO_ES384  no P-384, SHA-384 or SHA-512 (ES384 then reads as an
 *                unknown alg; certificates signed with SHA-384/512 fail)
 *   SG_NO_PS256  no PKCS#1 v2.1 (PS256, and RSA-PSS-signed certificates)
 * crypto/ follows these through the MBEDTLS_* macros they leave unset.
 */
#ifndef SG_MBEDTLS_DEVICE_H
#define SG_MBEDTLS_DEVICE_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY         /* lets a port route calloc/free to a static pool */
#define MBEDTLS_DEPRECATED_REMOVED
#define MBEDTLS_NO_PLATFORM_ENTROPY     /* verify needs no randomness */

/* Static pool allocator: the Cortex-M port turns it on (no heap there). */
#if defined(SG_MBEDTLS_STATIC_POOL)
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#if !defined(SG_MBEDTLS_NO_MEMORY_DEBUG)
/* Peak-use accounting for the tests; an image that leaves it out (for its
 * code) still measures the pool by painting (platform/cortex-m/board.c). */
#define MBEDTLS_MEMORY_DEBUG
#endif
#endif

/* Encoding */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C            /* required by ECDSA (signature re-encoding) */
#define MBEDTLS_BASE64_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C

/* Digests */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#if !defined(SG_NO_ES384)
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C                /* SHA-384 is computed by the SHA-512 module */
#endif

/* Public-key algorithms */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#if !defined(SG_NO_PS256)
#define MBEDTLS_PKCS1_V21
#endif
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#if !defined(SG_NO_ES384)
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#endif
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

/* Encrypted profiles (JWE: A256GCM content, A256KW key wrap, ECDH on
 * P-256 through the ECP module above). SG_NO_JWE leaves them out (the
 * Cortex-M budget image). */
#if !defined(SG_NO_JWE)
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#define MBEDTLS_NIST_KW_C
#endif

/* X.509 */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#if !defined(SG_NO_PS256)
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT /* certificates signed with RSA-PSS */
#endif

/* Tunables (cost in speed is measured in tests/bench) */
#ifndef MBEDTLS_MPI_MAX_SIZE
#define MBEDTLS_MPI_MAX_SIZE 512        /* bytes: RSA up to 4096 bits */
#endif
#ifndef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 4
#endif
#ifndef MBEDTLS_ECP_FIXED_POINT_OPTIM
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* verify multiplies arbitrary points too; saves flash */
#endif
#if !defined(SG_NO_ECP_NIST_OPTIM)
#define MBEDTLS_ECP_NIST_OPTIM          /* fast reduction for P-256/P-384 */
#endif

#endif /* SG_MBEDTLS_DEVICE_H */

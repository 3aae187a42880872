/*
 * mbedTLS configuration for the host tools (stagegate-sign): everything the
 * device has, plus what signing and reading an administrator's key needs:
 * private keys (PEM/DER, encrypted PKCS#8), PKCS#12 and PKCS#5 password
 * based encryption (.pfx files), a DRBG for signatures, SHA-1/MD5 for the
 * fingerprints `inspect` prints, and error strings.
 *
 * Never linked into libstagegate: the device build cannot sign.
 */
#ifndef SG_MBEDTLS_TOOLS_H
#define SG_MBEDTLS_TOOLS_H

#if defined(SG_MBEDTLS_STATIC_POOL)
#error "host tools never use the device's static pool"
#endif

#include "sg_mbedtls_device.h"

#undef MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_GENPRIME
#define MBEDTLS_FS_IO

#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_PEM_WRITE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C

#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C                   /* the device's JWE code, linked for inspect */
#define MBEDTLS_NIST_KW_C
#define MBEDTLS_DES_C
#define MBEDTLS_PKCS5_C
#define MBEDTLS_PKCS12_C

#define MBEDTLS_SHA1_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_ERROR_C
#define MBEDTLS_VERSION_C

#endif /* SG_MBEDTLS_TOOLS_H */

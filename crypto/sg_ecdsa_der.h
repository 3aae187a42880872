/*
 * ECDSA signatures in the two forms they travel in: JWS's fixed-size R||S
 * (RFC 7518 §3.4) and X.509/mbedTLS's DER Ecdsa-Sig-Value. Plain C, no
 * mbedTLS: compiled into the device crypto library and into the host
 * signer alike (they use different mbedTLS builds and cannot share one).
 */
#ifndef SG_ECDSA_DER_H
#define SG_ECDSA_DER_H

#include <stddef.h>
#include <stdint.h>

/* Largest DER signature for P-384. */
#define SG_ECDSA_DER_MAX (2u + 2u * (3u + 48u))

/* DER -> R||S, each `coord` (32 or 48) bytes. Strict: minimal INTEGERs,
 * no trailing bytes. 0 on success, -1 otherwise. */
int sg_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t coord, uint8_t *raw);

/* R||S -> DER into der[0..der_size); *der_len is its length. 0 or -1. */
int sg_ecdsa_raw_to_der(const uint8_t *raw, size_t coord, uint8_t *der, size_t der_size,
                        size_t *der_len);

#endif

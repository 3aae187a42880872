/* Fuzz-only keyed-hash signatures (fast_signatures.c says why and how). */
#ifndef SG_FAST_SIGNATURES_H
#define SG_FAST_SIGNATURES_H

#include <stddef.h>
#include <stdint.h>

#include "mbedtls/pk.h"

/* A fuzz signature by `key` over the SHA-256 `hash`: the modulus length
 * for RSA, raw r || s (64 bytes) for P-256. 0 or -1. */
int sg_fz_fast_sign(mbedtls_pk_context *key, const uint8_t hash[32], uint8_t *sig, size_t cap,
                    size_t *sig_len);

#endif

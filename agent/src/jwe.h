/*
 * Encrypted profiles: JWE compact serialization (RFC 7516) opened before
 * the signed envelope is looked at (docs/DESIGN.md "Encrypted profiles").
 *
 *   BASE64URL(protected) . BASE64URL(encrypted key) . BASE64URL(iv)
 *     . BASE64URL(ciphertext) . BASE64URL(tag)
 *
 * Accepted, and nothing else: "alg" "ECDH-ES+A256KW" (P-256 "epk") or
 * "dir"; "enc" "A256GCM"; "kid" the key's RFC 7638 thumbprint; optional
 * "cty" (stagegate-profile+jws or stagegate-profile+json), "apu", "apv". "zip", "crit" and
 * every other header parameter are refused (SG_ERR_JWE_ALG): a member we
 * do not act on is one an attacker could use. Encryption adds secrecy,
 * never trust: the plaintext goes through the same signature checks as an
 * unencrypted profile. A plaintext that is itself a JWE is refused.
 */
#ifndef SG_JWE_H
#define SG_JWE_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/keystore.h"

/* Is this complete profile text a JWE (compact: five parts)? */
int sg_jwe_is_compact(const uint8_t *text, size_t len);

/*
 * If `text` is a JWE, decrypt it with a key from `ks` into out[0..cap)
 * and set *encrypted; otherwise leave it (refused with
 * SG_ERR_ENCRYPTION_REQUIRED when `require`). On success *body and *body_len
 * point at what the policy should decide on: the plaintext in `out`, or
 * `text` itself. Returns SG_OK or the reason: SG_ERR_JWE_FORMAT,
 * SG_ERR_JWE_ALG, SG_ERR_UNKNOWN_KEY, SG_ERR_DECRYPT_FAILED,
 * SG_ERR_ENCRYPTION_REQUIRED, SG_ERR_NO_MEMORY. `out` holds plaintext
 * only on SG_OK with *encrypted; the caller wipes it after the decision.
 */
int sg_jwe_open(const sg_keystore *ks, int require, const uint8_t *text, size_t len,
                uint8_t *out, size_t cap, const uint8_t **body, size_t *body_len,
                int *encrypted);

#endif

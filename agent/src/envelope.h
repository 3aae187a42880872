/*
 * The signed envelope: JWS (RFC 7515) in compact serialization (one
 * signature) or General JSON serialization (up to two: rotation), or a bare
 * unsigned profile. Parsing only: no signature is verified here.
 *
 * Header rules (DESIGN.md): an allowlist, each member with its type:
 * alg (string) in {ES256, ES384, PS256, RS256}; typ = "stagegate-profile+jws";
 * x5t#S256 (base64url of 32 bytes) always; kid optional (1..128 printable
 * ASCII characters, screened for key material); x5c optional (standard
 * base64, leaf first), every entry exactly one DER certificate that
 * parses (and is screened for key material). Rejected: crit, jku, jwk,
 * x5u, any member not listed, unprotected headers, duplicate members,
 * anything that is not I-JSON (ijson.h) or does not parse.
 */
#ifndef SG_ENVELOPE_H
#define SG_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "sg_crypto_api.h"
#include "stagegate/config.h"

#define SG_MAX_SIGNATURES 2

typedef struct {
  sg_alg alg;
  uint8_t x5t[32];                   /* SHA-256 of the signer certificate */
  const uint8_t *x5c[SG_MAX_X5C];    /* DER, in the arena */
  size_t x5c_len[SG_MAX_X5C];
  unsigned x5c_count;
  const char *protected_b64;         /* signing input, part 1 */
  size_t protected_len;
  const uint8_t *sig;                /* decoded signature */
  size_t sig_len;
} sg_jws_signature;

typedef struct {
  int is_signed;                     /* 0: bare JSON profile in payload */
  unsigned nsig;
  sg_jws_signature sigs[SG_MAX_SIGNATURES];
  const char *payload_b64;           /* signing input, part 2 */
  size_t payload_b64_len;
  const char *payload;               /* profile JSON text, NUL-terminated */
  size_t payload_len;
} sg_envelope;

/*
 * Parse text[0..len) into env; decoded parts go to `arena`. Returns SG_OK,
 * SG_ERR_FORMAT, SG_ERR_HEADER, SG_ERR_ALG, SG_ERR_TOO_LARGE,
 * SG_ERR_PRIVATE_KEY, SG_ERR_CERT_FORMAT or SG_ERR_NO_MEMORY.
 */
int sg_envelope_parse(const uint8_t *text, size_t len, sg_arena *arena, sg_envelope *env);

#endif

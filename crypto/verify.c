/*
 * JWS signature verification (RFC 7515/7518) over mbedTLS primitives.
 */
#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/rsa.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"
#include "sg_certinfo.h"
#include "sg_crypto.h"
#include "sg_ecdsa_der.h"
#include "stagegate/errors.h"

/* RSA public exponent below 2^32 (sg_certinfo.h says why). Read in
 * place: no copy, no allocation on every verify. */
static int sg_rsa_exponent_check(const mbedtls_rsa_context *rsa) {
  return mbedtls_mpi_bitlen(&rsa->MBEDTLS_PRIVATE(E)) <= SG_RSA_MAX_EXPONENT_BITS ? SG_OK
                                                                                 : SG_ERR_KEY_PARAMS;
}

int sg_key_check(const mbedtls_pk_context *pk, sg_alg alg) {
  int ret = SG_ERR_ALG;
  if (pk == NULL) {
    return SG_ERR_ARG;
  }
  const mbedtls_pk_type_t type = mbedtls_pk_get_type(pk);
  const size_t bits = mbedtls_pk_get_bitlen(pk);
  switch (alg) {
    case SG_ALG_ES256:
    case SG_ALG_ES384:
      if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
        const mbedtls_ecp_group_id want =
            alg == SG_ALG_ES256 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_SECP384R1;
        if (mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk)) == want) {
          ret = SG_OK;
        }
      }
      break;
    case SG_ALG_PS256:
    case SG_ALG_RS256:
      if (type == MBEDTLS_PK_RSA) {
        ret = bits >= SG_RSA_MIN_BITS ? sg_rsa_exponent_check(mbedtls_pk_rsa(*pk)) : SG_ERR_WEAK_KEY;
      }
      break;
    case SG_ALG_INVALID:
    default:
      break;
  }
  return ret;
}

static int sg_verify_ecdsa(mbedtls_pk_context *pk, mbedtls_md_type_t md, const uint8_t *hash,
                           size_t hash_len, size_t coord, const uint8_t *sig, size_t sig_len) {
  int ret = SG_ERR_BAD_SIGNATURE;
  uint8_t der[SG_ECDSA_DER_MAX];
  size_t der_len = 0;
  if (sig_len != 2 * coord || sg_ecdsa_raw_to_der(sig, coord, der, sizeof der, &der_len) != 0) {
    return SG_ERR_BAD_SIGNATURE;
  }
  const int rc = mbedtls_pk_verify(pk, md, hash, hash_len, der, der_len);
  if (rc == 0) {
    ret = SG_ACCEPTED;
  } else if (sg_mbedtls_is_oom(rc)) {
    ret = SG_ERR_NO_MEMORY;
  }
  return ret;
}

static int sg_verify_rsa(mbedtls_pk_context *pk, sg_alg alg, const uint8_t *hash,
                         const uint8_t *sig, size_t sig_len) {
  int ret = SG_ERR_BAD_SIGNATURE;
  mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
  /* mbedTLS reads exactly k bytes: a short or long signature is simply bad. */
  if (sig_len != mbedtls_rsa_get_len(rsa)) {
    return SG_ERR_BAD_SIGNATURE;
  }
  int rc = -1;
  if (alg == SG_ALG_RS256) {
    rc = mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, MBEDTLS_MD_SHA256, 32, hash, sig);
  }
#if SG_HAVE_PS256
  else if (alg == SG_ALG_PS256) {
    /* RFC 7518 §3.5: MGF1 with SHA-256, salt as long as the hash. */
    rc = mbedtls_rsa_rsassa_pss_verify_ext(rsa, MBEDTLS_MD_SHA256, 32, hash, MBEDTLS_MD_SHA256,
                                           32, sig);
  }
#endif
  if (rc == 0) {
    ret = SG_ACCEPTED;
  } else if (sg_mbedtls_is_oom(rc)) {
    ret = SG_ERR_NO_MEMORY;
  }
  return ret;
}

/* A message in up to three parts, hashed as their concatenation. */
typedef struct {
  const uint8_t *p[3];
  size_t n[3];
} sg_parts;

static void sg_hash_parts(sg_alg alg, const sg_parts *m, uint8_t hash[48]) {
  (void)alg; /* SHA-256 only when ES384 is left out */
#if SG_HAVE_ES384
  if (alg == SG_ALG_ES384) {
    mbedtls_sha512_context c;
    mbedtls_sha512_init(&c);
    (void)mbedtls_sha512_starts(&c, 1);
    for (size_t i = 0; i < 3; i++) {
      (void)mbedtls_sha512_update(&c, m->p[i], m->n[i]);
    }
    (void)mbedtls_sha512_finish(&c, hash);
    mbedtls_sha512_free(&c);
    return;
  }
#endif
  {
    mbedtls_sha256_context c;
    mbedtls_sha256_init(&c);
    (void)mbedtls_sha256_starts(&c, 0);
    for (size_t i = 0; i < 3; i++) {
      (void)mbedtls_sha256_update(&c, m->p[i], m->n[i]);
    }
    (void)mbedtls_sha256_finish(&c, hash);
    mbedtls_sha256_free(&c);
  }
}

static int sg_verify_parts(mbedtls_pk_context *pk, sg_alg alg, const sg_parts *m,
                           const uint8_t *sig, size_t sig_len) {
  int ret = SG_ERR_BAD_SIGNATURE;
  uint8_t hash[48];
  /* Left out of this build (sg_alg_parse never yields them then). */
  if ((alg == SG_ALG_ES384 && !SG_HAVE_ES384) || (alg == SG_ALG_PS256 && !SG_HAVE_PS256)) {
    return SG_ERR_ALG;
  }
  ret = sg_key_check(pk, alg);
  if (ret != SG_OK) {
    return ret;
  }
  ret = SG_ERR_BAD_SIGNATURE;
  sg_hash_parts(alg, m, hash);
  switch (alg) {
    case SG_ALG_ES256:
      ret = sg_verify_ecdsa(pk, MBEDTLS_MD_SHA256, hash, 32, 32, sig, sig_len);
      break;
    case SG_ALG_ES384:
      ret = sg_verify_ecdsa(pk, MBEDTLS_MD_SHA384, hash, 48, 48, sig, sig_len);
      break;
    case SG_ALG_PS256:
    case SG_ALG_RS256:
      ret = sg_verify_rsa(pk, alg, hash, sig, sig_len);
      break;
    case SG_ALG_INVALID:
    default:
      ret = SG_ERR_ALG;
      break;
  }
  return ret;
}

int sg_verify(mbedtls_pk_context *pk, sg_alg alg, const uint8_t *msg, size_t msg_len,
              const uint8_t *sig, size_t sig_len) {
  if (pk == NULL || (msg == NULL && msg_len != 0) || sig == NULL) {
    return SG_ERR_ARG;
  }
  const sg_parts m = {{msg, NULL, NULL}, {msg_len, 0, 0}};
  return sg_verify_parts(pk, alg, &m, sig, sig_len);
}

int sg_verify_jws(mbedtls_pk_context *pk, sg_alg alg, const char *protected_b64,
                  size_t protected_len, const char *payload_b64, size_t payload_len,
                  const uint8_t *sig, size_t sig_len) {
  if (pk == NULL || protected_b64 == NULL || payload_b64 == NULL || sig == NULL) {
    return SG_ERR_ARG;
  }
  const sg_parts m = {{(const uint8_t *)protected_b64, (const uint8_t *)".",
                       (const uint8_t *)payload_b64},
                      {protected_len, 1, payload_len}};
  return sg_verify_parts(pk, alg, &m, sig, sig_len);
}

/*
 * JWS signing (RFC 7515) with the algorithms stagegate accepts (RFC 7518
 * §3): ES256/ES384 as fixed-size R || S, PS256 with MGF1-SHA-256 and a
 * 32-byte salt, RS256 as PKCS#1 v1.5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/rsa.h"
#include "sg_sign.h"

#define SG_EC_DER_MAX (2u + 2u * (3u + 48u)) /* SEQUENCE of two INTEGERs, P-384 */
/* Verification is the device's (crypto/verify.c); this file only signs. */

const char *sg_jws_alg_name(sg_jws_alg alg) { return sg_alg_name(alg); }

sg_jws_alg sg_jws_alg_parse(const char *name) {
  sg_alg alg = SG_ALG_INVALID;
  if (name == NULL || sg_alg_parse(name, strlen(name), &alg) != SG_OK) {
    return SG_JWS_NONE;
  }
  return alg;
}

/* The algorithm a key signs with by default; SG_JWS_NONE if unusable. */
static sg_jws_alg sg_key_natural_alg(const mbedtls_pk_context *pk, char *desc, size_t size) {
  sg_jws_alg alg = SG_JWS_NONE;
  const mbedtls_pk_type_t type = mbedtls_pk_get_type(pk);
  if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
    const mbedtls_ecp_group_id id = mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk));
    if (id == MBEDTLS_ECP_DP_SECP256R1) {
      alg = SG_JWS_ES256;
      (void)snprintf(desc, size, "P-256");
    } else if (id == MBEDTLS_ECP_DP_SECP384R1) {
      alg = SG_JWS_ES384;
      (void)snprintf(desc, size, "P-384");
    } else {
      (void)snprintf(desc, size, "EC key on an unsupported curve");
    }
  } else if (type == MBEDTLS_PK_RSA) {
    alg = SG_JWS_PS256;
    (void)snprintf(desc, size, "RSA-%zu", mbedtls_pk_get_bitlen(pk));
  } else {
    (void)snprintf(desc, size, "%s key", mbedtls_pk_get_name(pk));
  }
  return alg;
}

int sg_jws_pick_alg(const mbedtls_pk_context *pk, const char *requested, const char *label,
                    sg_jws_alg *alg) {
  int ret = SG_EXIT_FAIL;
  char desc[64];
  *alg = SG_JWS_NONE;
  const sg_jws_alg natural = sg_key_natural_alg(pk, desc, sizeof desc);
  if (natural == SG_JWS_NONE) {
    return sg_fail("%s: %s: stagegate signs with P-256, P-384 or RSA (2048 bits or more)", label,
                   desc);
  }
  if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(pk) < SG_RSA_MIN_BITS) {
    return sg_fail("%s: RSA key of %zu bits refused: stagegate requires at least %u", label,
                   mbedtls_pk_get_bitlen(pk), SG_RSA_MIN_BITS);
  }
  sg_jws_alg want = natural;
  if (requested != NULL) {
    want = sg_jws_alg_parse(requested);
    if (want == SG_JWS_NONE) {
      return sg_usage("--alg %s: must be ES256, ES384, PS256 or RS256", requested);
    }
    const int rsa_ok = natural == SG_JWS_PS256 && (want == SG_JWS_PS256 || want == SG_JWS_RS256);
    if (want != natural && !rsa_ok) {
      return sg_fail("--alg %s does not fit the %s key in %s (use %s)", requested, desc, label,
                     sg_jws_alg_name(natural));
    }
  }
  *alg = want;
  ret = SG_EXIT_OK;
  return ret;
}


/* Hash for alg; returns the hash length or 0. */
static size_t sg_jws_hash(sg_jws_alg alg, const uint8_t *in, size_t len, uint8_t out[48],
                          mbedtls_md_type_t *md) {
  *md = alg == SG_JWS_ES384 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256;
  const mbedtls_md_info_t *info = mbedtls_md_info_from_type(*md);
  if (info == NULL || mbedtls_md(info, in, len, out) != 0) {
    return 0;
  }
  return mbedtls_md_get_size(info);
}

int sg_jws_verify(mbedtls_pk_context *pk, sg_jws_alg alg, const uint8_t *input, size_t input_len,
                  const uint8_t *sig, size_t sig_len) {
  return sg_verify(pk, alg, input, input_len, sig, sig_len) == SG_ACCEPTED ? 0 : -1;
}

int sg_jws_sign(sg_signer *s, sg_jws_alg alg, const uint8_t *input, size_t input_len, uint8_t *sig,
                size_t *sig_len, sg_rng *rng) {
  int ret = SG_EXIT_FAIL;
  uint8_t hash[48], der[SG_EC_DER_MAX];
  mbedtls_md_type_t md;
  char m[128];
  int rc = -1;
  const size_t hlen = sg_jws_hash(alg, input, input_len, hash, &md);
  if (hlen == 0) {
    return sg_fail("cannot hash the signing input");
  }
  if (alg == SG_JWS_ES256 || alg == SG_JWS_ES384) {
    const size_t coord = alg == SG_JWS_ES256 ? 32 : 48;
    size_t der_len = 0;
    rc = mbedtls_pk_sign(&s->key, md, hash, hlen, der, sizeof der, &der_len,
                         mbedtls_ctr_drbg_random, &rng->drbg);
    if (rc == 0 && sg_ecdsa_der_to_raw(der, der_len, coord, sig) != 0) {
      return sg_fail("%s: ECDSA signature has an unexpected form", s->label);
    }
    *sig_len = 2 * coord;
  } else if (alg == SG_JWS_PS256 || alg == SG_JWS_RS256) {
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(s->key);
    if (mbedtls_rsa_get_len(rsa) > SG_JWS_SIG_MAX) {
      return sg_fail("%s: RSA key larger than %u bits", s->label, SG_JWS_SIG_MAX * 8);
    }
    if (alg == SG_JWS_PS256) {
      rc = mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);
      rc = rc != 0 ? rc
                   : mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, &rng->drbg, md,
                                                     (unsigned)hlen, hash, 32, sig);
    } else {
      rc = mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, md);
      rc = rc != 0 ? rc
                   : mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_ctr_drbg_random, &rng->drbg,
                                                       md, (unsigned)hlen, hash, sig);
    }
    *sig_len = mbedtls_rsa_get_len(rsa);
  } else {
    return sg_fail("internal: no algorithm chosen");
  }
  if (rc != 0) {
    return sg_fail("%s: signing failed: %s", s->label, sg_mbedtls_msg(rc, m, sizeof m));
  }
  /* Check our own signature with the certificate's key before anyone
   * prints it: catches a faulty computation and a key/cert mix-up. */
  if (sg_jws_verify(&s->leaf.pk, alg, input, input_len, sig, *sig_len) != 0) {
    return sg_fail("%s: the new signature does not verify with the certificate", s->label);
  }
  ret = SG_EXIT_OK;
  return ret;
}

char *sg_cert_b64(const mbedtls_x509_crt *crt) {
  return sg_b64_encode_alloc(crt->raw.p, crt->raw.len, 0);
}

int sg_jws_header(const sg_signer *s, sg_jws_alg alg, int with_x5c, char **out) {
  int ret = SG_EXIT_FAIL;
  uint8_t thumb[32];
  char thumb64[48];
  *out = NULL;
  const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  if (mbedtls_md(sha256, s->leaf.raw.p, s->leaf.raw.len, thumb) != 0 ||
      sg_b64_encode(SG_B64_URL, thumb, sizeof thumb, thumb64, sizeof thumb64) != SG_OK) {
    return sg_fail("cannot hash the certificate");
  }
  /* Built by hand: the members and their order are part of the format. */
  size_t size = 128 + strlen(thumb64);
  if (with_x5c) {
    size += sg_b64_len(s->leaf.raw.len, 0) + 4;
    for (const mbedtls_x509_crt *c = s->has_chain ? &s->chain : NULL; c != NULL; c = c->next) {
      size += sg_b64_len(c->raw.len, 0) + 4;
    }
  }
  char *h = malloc(size);
  if (h == NULL) {
    return sg_fail("out of memory");
  }
  int n = snprintf(h, size, "{\"alg\":\"%s\",\"typ\":\"stagegate-profile+jws\",\"x5t#S256\":\"%s\"",
                   sg_jws_alg_name(alg), thumb64);
  size_t used = n > 0 ? (size_t)n : size;
  if (with_x5c && used < size) {
    used += (size_t)snprintf(h + used, size - used, ",\"x5c\":[");
    const mbedtls_x509_crt *c = &s->leaf;
    int first = 1;
    while (c != NULL && used < size) {
      if (!first) {
        h[used++] = ',';
      }
      first = 0;
      h[used++] = '"';
      if (sg_b64_encode(SG_B64_STD, c->raw.p, c->raw.len, h + used, size - used) != SG_OK) {
        free(h);
        return sg_fail("internal: header buffer too small");
      }
      used += strlen(h + used);
      h[used++] = '"';
      c = c == &s->leaf ? (s->has_chain ? &s->chain : NULL) : c->next;
    }
    used += (size_t)snprintf(h + used, size - used, "]");
  }
  if (used + 2 > size) {
    free(h);
    return sg_fail("internal: header buffer too small");
  }
  h[used++] = '}';
  h[used] = '\0';
  *out = h;
  ret = SG_EXIT_OK;
  return ret;
}

char *sg_jws_signing_input(const char *header, const char *payload) {
  const size_t hl = strlen(header), pl = strlen(payload);
  const size_t size = sg_b64_len(hl, 1) + 1 + sg_b64_len(pl, 1) + 1;
  char *out = malloc(size);
  if (out == NULL) {
    return NULL;
  }
  const size_t h64 = sg_b64_len(hl, 1);
  if (sg_b64_encode(SG_B64_URL, (const uint8_t *)header, hl, out, size) != SG_OK) {
    free(out);
    return NULL;
  }
  out[h64] = '.';
  if (sg_b64_encode(SG_B64_URL, (const uint8_t *)payload, pl, out + h64 + 1, size - h64 - 1) !=
      SG_OK) {
    free(out);
    return NULL;
  }
  return out;
}

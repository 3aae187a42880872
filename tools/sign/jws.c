/*
 * JWS signing (RFC 7515) with the algorithms stagegate accepts (RFC 7518
 * §3): ES256/ES384 as fixed-size R || S, PS256 with MGF1-SHA-256 and a
 * 32-byte salt, RS256 as PKCS#1 v1.5. Signing uses the signer's OpenSSL
 * key (EVP); verification (our own result, and `inspect`) uses mbedTLS,
 * the device's library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/rsa.h"
#include <openssl/err.h>
#include <openssl/rsa.h>
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


/* The same for the signer's OpenSSL key. */
static sg_jws_alg sg_evp_natural_alg(const EVP_PKEY *pk, char *desc, size_t size) {
  sg_jws_alg alg = SG_JWS_NONE;
  if (EVP_PKEY_is_a(pk, "EC")) {
    char group[64] = "";
    size_t glen = 0;
    (void)EVP_PKEY_get_group_name(pk, group, sizeof group, &glen);
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
      alg = SG_JWS_ES256;
      (void)snprintf(desc, size, "P-256");
    } else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) {
      alg = SG_JWS_ES384;
      (void)snprintf(desc, size, "P-384");
    } else {
      (void)snprintf(desc, size, "EC key on an unsupported curve (%.40s)", group);
    }
  } else if (EVP_PKEY_is_a(pk, "RSA")) {
    alg = SG_JWS_PS256;
    (void)snprintf(desc, size, "RSA-%d", EVP_PKEY_get_bits(pk));
  } else {
    (void)snprintf(desc, size, "%s key", EVP_PKEY_get0_type_name(pk));
  }
  return alg;
}

int sg_jws_pick_alg(const EVP_PKEY *pk, const char *requested, const char *label,
                    sg_jws_alg *alg) {
  int ret = SG_EXIT_FAIL;
  char desc[96];
  *alg = SG_JWS_NONE;
  const sg_jws_alg natural = sg_evp_natural_alg(pk, desc, sizeof desc);
  if (natural == SG_JWS_NONE) {
    return sg_fail("%s: %s: stagegate signs with P-256, P-384 or RSA (2048 bits or more)", label,
                   desc);
  }
  if (natural == SG_JWS_PS256 && EVP_PKEY_get_bits(pk) < (int)SG_RSA_MIN_BITS) {
    return sg_fail("%s: RSA key of %d bits refused: stagegate requires at least %u", label,
                   EVP_PKEY_get_bits(pk), SG_RSA_MIN_BITS);
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



int sg_jws_verify(mbedtls_pk_context *pk, sg_jws_alg alg, const uint8_t *input, size_t input_len,
                  const uint8_t *sig, size_t sig_len) {
  return sg_verify(pk, alg, input, input_len, sig, sig_len) == SG_ACCEPTED ? 0 : -1;
}

int sg_jws_sign(sg_signer *s, sg_jws_alg alg, const uint8_t *input, size_t input_len, uint8_t *sig,
                size_t *sig_len) {
  int ret = SG_EXIT_FAIL;
  uint8_t der[SG_JWS_SIG_MAX + 16];
  size_t der_len = sizeof der;
  const int ec = alg == SG_JWS_ES256 || alg == SG_JWS_ES384;
  if (!ec && alg != SG_JWS_PS256 && alg != SG_JWS_RS256) {
    return sg_fail("internal: no algorithm chosen");
  }
  if (!ec && (size_t)EVP_PKEY_get_size(s->key) > SG_JWS_SIG_MAX) {
    return sg_fail("%s: RSA key larger than %u bits", s->label, SG_JWS_SIG_MAX * 8);
  }
  ERR_clear_error();
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = NULL; /* owned by md */
  int ok = md != NULL && EVP_DigestSignInit_ex(md, &pctx, alg == SG_JWS_ES384 ? "SHA384" : "SHA256",
                                               NULL, NULL, s->key, NULL) == 1;
  if (ok && alg == SG_JWS_PS256) { /* RFC 7518 §3.5: MGF1 with SHA-256, 32-byte salt */
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1;
  } else if (ok && alg == SG_JWS_RS256) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_DigestSign(md, der, &der_len, input, input_len) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) {
    const unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    return sg_fail("%s: signing failed: %s", s->label,
                   e != 0 && ERR_reason_error_string(e) != NULL ? ERR_reason_error_string(e)
                                                                : "OpenSSL error");
  }
  if (ec) {
    /* OpenSSL writes an ECDSA-Sig-Value (DER); JWS wants R || S (RFC 7518 §3.4). */
    const size_t coord = alg == SG_JWS_ES256 ? 32 : 48;
    if (sg_ecdsa_der_to_raw(der, der_len, coord, sig) != 0) {
      return sg_fail("%s: ECDSA signature has an unexpected form", s->label);
    }
    *sig_len = 2 * coord;
  } else {
    memcpy(sig, der, der_len);
    *sig_len = der_len;
  }
  /* Check our own signature with the certificate's key, through mbedTLS
   * as the device will, before anyone prints it. */
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
    for (const mbedtls_x509_crt *c = s->has_chain && s->x5c_chain ? &s->chain : NULL; c != NULL;
         c = c->next) {
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
      c = c == &s->leaf ? (s->has_chain && s->x5c_chain ? &s->chain : NULL) : c->next;
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

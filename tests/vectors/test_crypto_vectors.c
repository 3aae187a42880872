/*
 * First crypto slice: certificates parsed from DER and PEM, JWS-form
 * signatures verified for ES256, ES384, PS256 and RS256, and the ways a
 * signature must fail. Vectors come from test-vectors/crypto (openssl CLI),
 * embedded at build time so the same binary runs on every target.
 */
#include <string.h>

#include "sg_blob.h"
#include "sg_board.h"
#include "sg_crypto.h"
#include "sg_test.h"
#include "stagegate/errors.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

static const sg_blob *vec(const char *name) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  if (b == NULL) {
    sg_test_printf("    missing vector %s\n", name);
  }
  return b;
}

/* Parse `cert` (PEM blobs are passed with their NUL) into `crt`. */
static int load_cert(mbedtls_x509_crt *crt, const char *cert) {
  const sg_blob *c = vec(cert);
  if (c == NULL) {
    return SG_ERR_ARG;
  }
  const int is_pem = strstr(cert, ".pem") != NULL;
  return sg_cert_parse(crt, c->data, c->len + (is_pem ? 1u : 0u));
}

/* Verify `sig` over message.txt with `cert`'s key; `mutate` edits a copy
 * of the signature first and may change its length. */
static int verify_with(const char *cert, const char *alg_name, const char *sig,
                       void (*mutate)(unsigned char *s, size_t *len, size_t arg), size_t arg) {
  int ret = SG_ERR_INTERNAL;
  mbedtls_x509_crt crt;
  unsigned char s[600];
  sg_alg alg;
  mbedtls_x509_crt_init(&crt);
  const sg_blob *m = vec("message.txt");
  const sg_blob *g = vec(sig);
  if (m == NULL || g == NULL || g->len + 1 > sizeof s) {
    goto out;
  }
  ret = load_cert(&crt, cert);
  if (ret != SG_OK) {
    goto out;
  }
  ret = sg_alg_parse(alg_name, strlen(alg_name), &alg);
  if (ret != SG_OK) {
    goto out;
  }
  memcpy(s, g->data, g->len);
  size_t len = g->len;
  if (mutate != NULL) {
    mutate(s, &len, arg);
  }
  ret = sg_verify(&crt.pk, alg, m->data, m->len, s, len);
out:
  mbedtls_x509_crt_free(&crt);
  return ret;
}

static void flip_byte(unsigned char *s, size_t *len, size_t i) {
  (void)len;
  s[i] ^= 0x01;
}
static void truncate_by(unsigned char *s, size_t *len, size_t n) {
  (void)s;
  *len -= n;
}
static void append_garbage(unsigned char *s, size_t *len, size_t n) {
  memset(s + *len, 0, n);
  *len += n;
}

typedef struct {
  const char *cert;
  const char *alg;
  const char *sig;
  size_t sig_len;
} valid_case;

static const valid_case valid_cases[] = {
    {"es256.crt.der", "ES256", "es256.sig", 64},
    {"es256.crt.pem", "ES256", "es256.sig", 64},
    {"es384.crt.der", "ES384", "es384.sig", 96},
    {"rsa2048.crt.der", "PS256", "ps256.sig", 256},
    {"rsa2048.crt.pem", "RS256", "rs256.sig", 256},
};
#define N_VALID (sizeof valid_cases / sizeof valid_cases[0])

static void test_valid_signatures_accepted(void) {
  for (size_t i = 0; i < N_VALID; i++) {
    const valid_case *c = &valid_cases[i];
    sg_board_pool_reset_peak();
    sg_board_stack_paint();
    const int ret = verify_with(c->cert, c->alg, c->sig, NULL, 0);
    const size_t stack = sg_board_stack_peak();
    SG_CHECK_CODE(ret, SG_ACCEPTED);
    if (sg_board_pool_size() != 0) {
      sg_test_printf("    %s with %-16s pool peak %5u B of %u, stack peak %5u B\n", c->alg,
                     c->cert, (unsigned)sg_board_pool_peak(), (unsigned)sg_board_pool_size(),
                     (unsigned)stack);
    }
  }
}

/* Monocypher's forgery test: every single-bit edit of every byte fails. */
static void test_every_flipped_signature_byte_rejected(void) {
  for (size_t i = 0; i < N_VALID; i += 2) { /* DER and PEM share keys: once each */
    const valid_case *c = &valid_cases[i];
    unsigned accepted = 0;
    for (size_t b = 0; b < c->sig_len; b++) {
      if (verify_with(c->cert, c->alg, c->sig, flip_byte, b) != SG_ERR_BAD_SIGNATURE) {
        accepted++;
      }
    }
    SG_CHECK(accepted == 0);
  }
  /* ...and the RS256 signature, skipped by the stride above. */
  for (size_t b = 0; b < 256; b += 17) {
    SG_CHECK_CODE(verify_with("rsa2048.crt.der", "RS256", "rs256.sig", flip_byte, b),
                  SG_ERR_BAD_SIGNATURE);
  }
}

static void test_truncated_and_trailing_garbage_rejected(void) {
  for (size_t i = 0; i < N_VALID; i++) {
    const valid_case *c = &valid_cases[i];
    SG_CHECK_CODE(verify_with(c->cert, c->alg, c->sig, truncate_by, 1), SG_ERR_BAD_SIGNATURE);
    SG_CHECK_CODE(verify_with(c->cert, c->alg, c->sig, truncate_by, c->sig_len),
                  SG_ERR_BAD_SIGNATURE);
    SG_CHECK_CODE(verify_with(c->cert, c->alg, c->sig, append_garbage, 1), SG_ERR_BAD_SIGNATURE);
  }
}

static void test_wrong_key_rejected(void) {
  SG_CHECK_CODE(verify_with("es256-other.crt.der", "ES256", "es256.sig", NULL, 0),
                SG_ERR_BAD_SIGNATURE);
  /* Right family, wrong curve: ES256 signature against a P-384 key. */
  SG_CHECK_CODE(verify_with("es384.crt.der", "ES256", "es256.sig", NULL, 0), SG_ERR_ALG);
  SG_CHECK_CODE(verify_with("es256.crt.der", "ES384", "es384.sig", NULL, 0), SG_ERR_ALG);
}

static void test_alg_confusion_rejected(void) {
  /* PKCS#1 v1.5 signature presented as PSS and the other way round. */
  SG_CHECK_CODE(verify_with("rsa2048.crt.der", "PS256", "rs256.sig", NULL, 0),
                SG_ERR_BAD_SIGNATURE);
  SG_CHECK_CODE(verify_with("rsa2048.crt.der", "RS256", "ps256.sig", NULL, 0),
                SG_ERR_BAD_SIGNATURE);
  /* EC algorithm with an RSA key, RSA algorithm with an EC key. */
  SG_CHECK_CODE(verify_with("rsa2048.crt.der", "ES256", "es256.sig", NULL, 0), SG_ERR_ALG);
  SG_CHECK_CODE(verify_with("es256.crt.der", "RS256", "rs256.sig", NULL, 0), SG_ERR_ALG);
  /* Names outside the allow-list never parse. */
  static const char *const bad[] = {"none", "HS256", "HS384", "RS384", "ES512", "es256",
                                    "ES256 ", "", "ES2560"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sg_alg alg = SG_ALG_ES256;
    SG_CHECK_CODE(sg_alg_parse(bad[i], strlen(bad[i]), &alg), SG_ERR_ALG);
    SG_CHECK(alg == SG_ALG_INVALID);
  }
  SG_CHECK_CODE(verify_with("es256.crt.der", "none", "es256.sig", NULL, 0), SG_ERR_ALG);
}

static void test_rsa_1024_rejected_as_weak(void) {
  /* The signature is valid; the key is what StageNow's own recipe makes. */
  SG_CHECK_CODE(verify_with("rsa1024.crt.der", "RS256", "rs256-1024.sig", NULL, 0),
                SG_ERR_WEAK_KEY);
  SG_CHECK_CODE(verify_with("rsa1024.crt.pem", "PS256", "rs256-1024.sig", NULL, 0),
                SG_ERR_WEAK_KEY);
}

static void test_bad_certificates_rejected(void) {
  mbedtls_x509_crt crt;
  const sg_blob *der = vec("es256.crt.der");
  const sg_blob *pem = vec("es256.crt.pem");
  SG_CHECK(der != NULL && pem != NULL);
  if (der == NULL || pem == NULL) {
    return;
  }
  mbedtls_x509_crt_init(&crt);
  SG_CHECK_CODE(sg_cert_parse(&crt, der->data, der->len - 1), SG_ERR_CERT_FORMAT);
  SG_CHECK_CODE(sg_cert_parse(&crt, der->data, der->len / 2), SG_ERR_CERT_FORMAT);
  /* PEM without its NUL, and PEM cut short. */
  SG_CHECK_CODE(sg_cert_parse(&crt, pem->data, pem->len), SG_ERR_CERT_FORMAT);
  SG_CHECK_CODE(sg_cert_parse(&crt, pem->data, pem->len / 2), SG_ERR_CERT_FORMAT);
  static const unsigned char junk[] = "not a certificate";
  SG_CHECK_CODE(sg_cert_parse(&crt, junk, sizeof junk), SG_ERR_CERT_FORMAT);
  SG_CHECK_CODE(sg_cert_parse(&crt, der->data, 0), SG_ERR_ARG);
  SG_CHECK_CODE(sg_cert_parse(&crt, der->data, der->len), SG_OK);
  mbedtls_x509_crt_free(&crt);
}

static void test_tampered_message_rejected(void) {
  mbedtls_x509_crt crt;
  unsigned char msg[128];
  const sg_blob *m = vec("message.txt");
  const sg_blob *s = vec("es256.sig");
  SG_CHECK(m != NULL && s != NULL && m->len <= sizeof msg);
  if (m == NULL || s == NULL || m->len > sizeof msg) {
    return;
  }
  mbedtls_x509_crt_init(&crt);
  SG_CHECK_CODE(load_cert(&crt, "es256.crt.der"), SG_OK);
  memcpy(msg, m->data, m->len);
  msg[m->len - 1] ^= 0x20;
  SG_CHECK_CODE(sg_verify(&crt.pk, SG_ALG_ES256, msg, m->len, s->data, s->len),
                SG_ERR_BAD_SIGNATURE);
  SG_CHECK_CODE(sg_verify(&crt.pk, SG_ALG_ES256, msg, m->len - 1, s->data, s->len),
                SG_ERR_BAD_SIGNATURE);
  mbedtls_x509_crt_free(&crt);
}

int main(void) {
  sg_test_begin("crypto_vectors");
  SG_RUN(test_valid_signatures_accepted);
  SG_RUN(test_every_flipped_signature_byte_rejected);
  SG_RUN(test_truncated_and_trailing_garbage_rejected);
  SG_RUN(test_wrong_key_rejected);
  SG_RUN(test_alg_confusion_rejected);
  SG_RUN(test_rsa_1024_rejected_as_weak);
  SG_RUN(test_bad_certificates_rejected);
  SG_RUN(test_tampered_message_rejected);
  return sg_test_end();
}

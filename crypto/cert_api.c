/*
 * The opaque certificate API of sg_crypto_api.h over mbedtls_x509_crt:
 * what the trust policy asks of a certificate, so that agent/ never reads
 * an mbedTLS structure (or one of its MBEDTLS_PRIVATE fields) itself.
 */
#include <string.h>

#include "mbedtls/oid.h"
#include "mbedtls/platform.h"
#include "mbedtls/x509_crt.h"
#include "sg_crypto.h"
#include "stagegate/errors.h"

size_t sg_cert_sizeof(void) { return sizeof(struct sg_cert); }

int sg_cert_load(sg_cert *c, const uint8_t *der, size_t len) {
  if (c == NULL) {
    return SG_ERR_ARG;
  }
  mbedtls_x509_crt_init(&c->crt);
  return sg_cert_parse_der_nocopy(&c->crt, der, len);
}

int sg_cert_load_append(sg_cert *c, const uint8_t *der, size_t len) {
  if (c == NULL) {
    return SG_ERR_ARG;
  }
  return sg_cert_parse_der_nocopy(&c->crt, der, len);
}

void sg_cert_release(sg_cert *c) {
  if (c != NULL) {
    mbedtls_x509_crt_free(&c->crt);
  }
}

int sg_cert_open(const uint8_t *der, size_t len, sg_cert **out) {
  int ret = SG_ERR_NO_MEMORY;
  if (out == NULL) {
    return SG_ERR_ARG;
  }
  *out = NULL;
  sg_cert *c = mbedtls_calloc(1, sizeof *c);
  if (c == NULL) {
    return SG_ERR_NO_MEMORY;
  }
  ret = sg_cert_load(c, der, len);
  if (ret == SG_OK) {
    *out = c;
  } else {
    sg_cert_close(c);
  }
  return ret;
}

void sg_cert_close(sg_cert *c) {
  if (c != NULL) {
    sg_cert_release(c);
    mbedtls_free(c);
  }
}

int sg_cert_check_validity(const sg_cert *c, int64_t now) {
  if (c == NULL) {
    return SG_ERR_ARG;
  }
  return sg_cert_check_time(&c->crt, now);
}

int64_t sg_cert_not_after(const sg_cert *c) {
  return c != NULL ? sg_x509_time_to_unix(&c->crt.valid_to) : -1;
}

int sg_cert_fit_for_anchor(const sg_cert *c, sg_anchor_mode mode) {
  int ret = SG_ERR_CERT_USAGE;
  if (c == NULL) {
    return SG_ERR_ARG;
  }
  if (mode == SG_ANCHOR_CA) {
    ret = c->crt.MBEDTLS_PRIVATE(ca_istrue) &&
                  mbedtls_x509_crt_check_key_usage(&c->crt, MBEDTLS_X509_KU_KEY_CERT_SIGN) == 0
              ? SG_OK
              : SG_ERR_CERT_USAGE;
  } else if (mode == SG_ANCHOR_PINNED) {
    ret = mbedtls_x509_crt_check_key_usage(&c->crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0
              ? SG_OK
              : SG_ERR_CERT_USAGE;
  }
  return ret;
}

int sg_cert_same_key(const sg_cert *a, const sg_cert *b) {
  if (a == NULL || b == NULL || a->crt.pk_raw.p == NULL || b->crt.pk_raw.p == NULL ||
      a->crt.pk_raw.len != b->crt.pk_raw.len) {
    return 0;
  }
  return sg_ct_equal(a->crt.pk_raw.p, b->crt.pk_raw.p, a->crt.pk_raw.len);
}

int sg_cert_key_sha256(const sg_cert *c, uint8_t out[32]) {
  if (c == NULL || c->crt.pk_raw.p == NULL || c->crt.pk_raw.len == 0) {
    return SG_ERR_CERT_FORMAT;
  }
  sg_sha256(c->crt.pk_raw.p, c->crt.pk_raw.len, out);
  return SG_OK;
}

int sg_cert_verify_jws(sg_cert *c, sg_alg alg, const char *protected_b64, size_t protected_len,
                       const char *payload_b64, size_t payload_len, const uint8_t *sig,
                       size_t sig_len) {
  if (c == NULL) {
    return SG_ERR_ARG;
  }
  return sg_verify_jws(&c->crt.pk, alg, protected_b64, protected_len, payload_b64, payload_len,
                       sig, sig_len);
}

int sg_cert_chain_to(sg_cert *chain, sg_cert *anchor, int64_t now) {
  if (chain == NULL || anchor == NULL) {
    return SG_ERR_ARG;
  }
  return sg_chain_verify(&chain->crt, &anchor->crt, now);
}

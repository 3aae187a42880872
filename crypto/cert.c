/*
 * Certificate parsing, strict about what surrounds the certificate.
 *
 * mbedtls_x509_crt_parse_der() reads the outer SEQUENCE and ignores any
 * bytes after it, so "a certificate followed by a PKCS#8 private key"
 * parses as the certificate. Everything stagegate stores, hashes or shows
 * as a certificate must be exactly one DER certificate, so every parse
 * here first checks that the outer SEQUENCE covers the buffer to the
 * last byte (issue 9, defect 3); fingerprints are then over exactly the
 * certificate's bytes.
 */
#include <string.h>

#include "mbedtls/asn1.h"
#include "mbedtls/pem.h"
#include "sg_crypto.h"
#include "stagegate/errors.h"

static const char sg_pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char sg_pem_end[] = "-----END CERTIFICATE-----";

static int sg_cert_error(int rc) {
  return sg_mbedtls_is_oom(rc) ? SG_ERR_NO_MEMORY : SG_ERR_CERT_FORMAT;
}

int sg_der_is_one_sequence(const uint8_t *der, size_t len) {
  unsigned char *p = (unsigned char *)(uintptr_t)der; /* mbedtls_asn1_get_tag only reads */
  size_t n = 0;
  if (der == NULL || len == 0) {
    return 0;
  }
  const unsigned char *end = der + len;
  if (mbedtls_asn1_get_tag(&p, end, &n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
    return 0;
  }
  return n == (size_t)(end - p);
}

int sg_cert_parse_der_nocopy(mbedtls_x509_crt *chain, const uint8_t *der, size_t len) {
  int ret = SG_ERR_CERT_FORMAT;
  if (chain == NULL || der == NULL || len == 0) {
    return SG_ERR_ARG;
  }
  if (!sg_der_is_one_sequence(der, len)) {
    return SG_ERR_CERT_FORMAT; /* trailing (or missing) bytes */
  }
  const int rc = mbedtls_x509_crt_parse_der_nocopy(chain, der, len);
  ret = rc == 0 ? SG_OK : sg_cert_error(rc);
  return ret;
}

/* Exactly one PEM certificate block, nothing but whitespace around it. */
static int sg_cert_parse_pem(mbedtls_x509_crt *chain, const uint8_t *buf, size_t len) {
  int ret = SG_ERR_CERT_FORMAT;
  mbedtls_pem_context pem;
  size_t used = 0;
  mbedtls_pem_init(&pem);
  const int rc = mbedtls_pem_read_buffer(&pem, sg_pem_begin, sg_pem_end, buf, NULL, 0, &used);
  if (rc == 0) {
    for (size_t i = used; i < len; i++) {
      const uint8_t c = buf[i];
      if (!(c == ' ' || c == '\t' || c == '\r' || c == '\n' || (c == '\0' && i + 1 == len))) {
        used = 0; /* a second block or anything else after the certificate */
        break;
      }
    }
    size_t der_len = 0;
    const unsigned char *der = mbedtls_pem_get_buffer(&pem, &der_len);
    if (used != 0 && sg_der_is_one_sequence(der, der_len)) {
      const int prc = mbedtls_x509_crt_parse_der(chain, der, der_len);
      ret = prc == 0 ? SG_OK : sg_cert_error(prc);
    }
  } else if (sg_mbedtls_is_oom(rc)) {
    ret = SG_ERR_NO_MEMORY;
  }
  mbedtls_pem_free(&pem);
  return ret;
}

int sg_cert_parse(mbedtls_x509_crt *chain, const uint8_t *buf, size_t len) {
  int ret = SG_ERR_CERT_FORMAT;
  if (chain == NULL || buf == NULL || len == 0) {
    return SG_ERR_ARG;
  }
  if (buf[0] == 0x30) { /* DER: SEQUENCE */
    if (!sg_der_is_one_sequence(buf, len)) {
      return SG_ERR_CERT_FORMAT;
    }
    const int rc = mbedtls_x509_crt_parse_der(chain, buf, len);
    ret = rc == 0 ? SG_OK : sg_cert_error(rc);
  } else if (len > sizeof sg_pem_begin && buf[len - 1] == '\0' &&
             memcmp(buf, sg_pem_begin, sizeof sg_pem_begin - 1) == 0) {
    /* PEM input includes its terminating NUL, as mbedTLS requires. */
    ret = sg_cert_parse_pem(chain, buf, len);
  }
  return ret;
}

int sg_cert_check_der(const uint8_t *der, size_t len) {
  int ret = SG_ERR_CERT_FORMAT;
  mbedtls_x509_crt crt;
  if (der == NULL || len == 0) {
    return SG_ERR_CERT_FORMAT;
  }
  mbedtls_x509_crt_init(&crt);
  ret = sg_cert_parse_der_nocopy(&crt, der, len);
  mbedtls_x509_crt_free(&crt);
  return ret;
}

#include <string.h>

#include "sg_crypto.h"
#include "stagegate/errors.h"

static const char sg_pem_begin[] = "-----BEGIN CERTIFICATE-----";

static int sg_cert_error(int rc) {
  return sg_mbedtls_is_oom(rc) ? SG_ERR_NO_MEMORY : SG_ERR_CERT_FORMAT;
}

int sg_cert_parse(mbedtls_x509_crt *chain, const uint8_t *buf, size_t len) {
  int ret = SG_ERR_CERT_FORMAT;
  if (chain == NULL || buf == NULL || len == 0) {
    return SG_ERR_ARG;
  }
  if (buf[0] == 0x30) { /* DER: SEQUENCE */
    const int rc = mbedtls_x509_crt_parse_der(chain, buf, len);
    ret = rc == 0 ? SG_OK : sg_cert_error(rc);
  } else if (len > sizeof sg_pem_begin && buf[len - 1] == '\0' &&
             memcmp(buf, sg_pem_begin, sizeof sg_pem_begin - 1) == 0) {
    /* Exactly one PEM certificate: mbedtls_x509_crt_parse would also accept
     * a bundle and return a positive "some failed" count; neither is ours. */
    const int rc = mbedtls_x509_crt_parse(chain, buf, len);
    ret = rc == 0 ? SG_OK : sg_cert_error(rc);
  }
  return ret;
}

int sg_cert_parse_der_nocopy(mbedtls_x509_crt *chain, const uint8_t *der, size_t len) {
  int ret = SG_ERR_CERT_FORMAT;
  if (chain == NULL || der == NULL || len == 0) {
    return SG_ERR_ARG;
  }
  const int rc = mbedtls_x509_crt_parse_der_nocopy(chain, der, len);
  ret = rc == 0 ? SG_OK : sg_cert_error(rc);
  return ret;
}

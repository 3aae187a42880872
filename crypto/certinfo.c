/* Certificate facts for the trust policy: see sg_certinfo.h. */
#include "sg_certinfo.h"

#include <string.h>

#include "mbedtls/bignum.h"
#include "mbedtls/oid.h"
#include "mbedtls/ecp.h"
#include "mbedtls/rsa.h"
#include "mbedtls/x509_crt.h"
#include "sg_crypto.h"
#include "stagegate/config.h"
#include "stagegate/errors.h"

static const char sg_staging_eku[] = SG_STAGING_EKU_OID;

static int sg_eku_listed(const mbedtls_x509_crt *crt, const uint8_t *oid, size_t oid_len) {
  if (oid_len == 0 || !mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE)) {
    return 0;
  }
  for (const mbedtls_x509_sequence *s = &crt->ext_key_usage; s != NULL; s = s->next) {
    if (s->buf.len == oid_len && memcmp(s->buf.p, oid, oid_len) == 0) {
      return 1;
    }
  }
  return 0;
}

/* The key, before it is ever used: cheap checks only. */
static int sg_key_screen(const mbedtls_pk_context *pk) {
  int ret = SG_ERR_WEAK_KEY;
  const mbedtls_pk_type_t type = mbedtls_pk_get_type(pk);
  if (type == MBEDTLS_PK_RSA) {
    const mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
    if (mbedtls_pk_get_bitlen(pk) < SG_RSA_MIN_BITS) {
      ret = SG_ERR_WEAK_KEY;
    } else if (mbedtls_mpi_bitlen(&rsa->MBEDTLS_PRIVATE(E)) > SG_RSA_MAX_EXPONENT_BITS) {
      ret = SG_ERR_KEY_PARAMS;
    } else {
      ret = SG_OK;
    }
  } else if (type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA) {
    const mbedtls_ecp_group_id id = mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk));
    ret = id == MBEDTLS_ECP_DP_SECP256R1 || id == MBEDTLS_ECP_DP_SECP384R1 ? SG_OK : SG_ERR_WEAK_KEY;
  }
  return ret;
}

static int sg_parse(mbedtls_x509_crt *crt, const uint8_t *der, size_t len) {
  mbedtls_x509_crt_init(crt);
  if (der == NULL || len == 0) {
    return SG_ERR_CERT_FORMAT;
  }
  return sg_cert_parse_der_nocopy(crt, der, len);
}

int sg_cert_facts_get(const uint8_t *der, size_t len, sg_cert_facts *out) {
  int ret = SG_ERR_CERT_FORMAT;
  mbedtls_x509_crt crt;
  memset(out, 0, sizeof *out);
  out->key_check = SG_ERR_CERT_FORMAT;
  out->staging_eku = SG_ERR_CERT_USAGE;
  ret = sg_parse(&crt, der, len);
  if (ret == SG_OK) {
    sg_sha256(crt.pk_raw.p, crt.pk_raw.len, out->key_id);
    out->not_before = sg_x509_time_to_unix(&crt.valid_from);
    out->not_after = sg_x509_time_to_unix(&crt.valid_to);
    out->key_check = sg_key_screen(&crt.pk);
    out->staging_eku =
        sg_eku_listed(&crt, (const uint8_t *)SG_OID_KP_DOCUMENT_SIGNING,
                      sizeof SG_OID_KP_DOCUMENT_SIGNING - 1) ||
                sg_eku_listed(&crt, (const uint8_t *)sg_staging_eku, sizeof sg_staging_eku - 1)
            ? SG_ACCEPTED
            : SG_ERR_CERT_USAGE;
  }
  mbedtls_x509_crt_free(&crt);
  return ret;
}

int sg_cert_has_eku(const uint8_t *der, size_t len, const uint8_t *oid, size_t oid_len) {
  int ret = SG_ERR_CERT_FORMAT;
  mbedtls_x509_crt crt;
  ret = sg_parse(&crt, der, len);
  if (ret == SG_OK) {
    ret = oid != NULL && sg_eku_listed(&crt, oid, oid_len) ? SG_ACCEPTED : SG_ERR_CERT_USAGE;
  }
  mbedtls_x509_crt_free(&crt);
  return ret;
}

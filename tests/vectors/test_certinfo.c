/*
 * Certificate facts the trust policy decides on before any signature math
 * (crypto/certinfo.c, issue 9 defects 2 and 6): the document-signing and
 * staging EKUs, the key screen (RSA size and exponent), the key id and the
 * validity window, on the test PKI's certificates.
 */
#include <string.h>

#include "sg_blob.h"
#include "sg_certinfo.h"
#include "sg_crypto.h"
#include "sg_test.h"
#include "stagegate/config.h"
#include "stagegate/errors.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

/* 1.3.6.1.4.1.55555.1, the test PKI's staging EKU (leaf_staging) */
static const uint8_t staging_oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb2, 0x03, 0x01};
/* id-kp-serverAuth 1.3.6.1.5.5.7.3.1 */
static const uint8_t server_auth_oid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};

static const sg_blob *vec(const char *name) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  SG_CHECK(b != NULL);
  return b;
}

static int facts(const char *name, sg_cert_facts *f) {
  const sg_blob *b = vec(name);
  return b == NULL ? SG_ERR_ARG : sg_cert_facts_get(b->data, b->len, f);
}

static void test_document_signing_eku(void) {
  sg_cert_facts f;
  SG_CHECK_CODE(facts("signer.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.staging_eku, SG_ACCEPTED);
  SG_CHECK_CODE(f.key_check, SG_OK);
  /* A TLS server certificate of the same CA, a leaf without any EKU, the
   * CA itself: none may sign under a "ca" anchor. */
  SG_CHECK_CODE(facts("tls.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.staging_eku, SG_ERR_CERT_USAGE);
  SG_CHECK_CODE(facts("admin.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.staging_eku, SG_ERR_CERT_USAGE);
  SG_CHECK_CODE(facts("root.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.staging_eku, SG_ERR_CERT_USAGE);
  /* The staging OID of this build: none configured by default. */
  SG_CHECK_CODE(facts("staging.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.staging_eku, sizeof SG_STAGING_EKU_OID > 1 ? SG_ACCEPTED : SG_ERR_CERT_USAGE);
}

static void test_has_eku(void) {
  const sg_blob *st = vec("staging.crt.der");
  const sg_blob *tls = vec("tls.crt.der");
  const sg_blob *admin = vec("admin.crt.der");
  if (st == NULL || tls == NULL || admin == NULL) {
    return;
  }
  SG_CHECK_CODE(sg_cert_has_eku(st->data, st->len, staging_oid, sizeof staging_oid), SG_ACCEPTED);
  SG_CHECK_CODE(sg_cert_has_eku(tls->data, tls->len, staging_oid, sizeof staging_oid), SG_ERR_CERT_USAGE);
  SG_CHECK_CODE(sg_cert_has_eku(tls->data, tls->len, server_auth_oid, sizeof server_auth_oid),
                SG_ACCEPTED);
  /* No EKU extension: lists nothing (mbedTLS would allow everything). */
  SG_CHECK_CODE(sg_cert_has_eku(admin->data, admin->len, server_auth_oid, sizeof server_auth_oid),
                SG_ERR_CERT_USAGE);
  /* A prefix of an OID is not that OID. */
  SG_CHECK_CODE(sg_cert_has_eku(st->data, st->len, staging_oid, sizeof staging_oid - 1),
                SG_ERR_CERT_USAGE);
  SG_CHECK_CODE(sg_cert_has_eku(st->data, st->len, staging_oid, 0), SG_ERR_CERT_USAGE);
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
  SG_CHECK_CODE(sg_cert_has_eku(junk, sizeof junk, staging_oid, sizeof staging_oid), SG_ERR_CERT_FORMAT);
}

static void test_key_screen(void) {
  sg_cert_facts f;
  SG_CHECK_CODE(facts("hugee.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.key_check, SG_ERR_KEY_PARAMS); /* RSA-4096, 4000-bit exponent */
  SG_CHECK_CODE(facts("weak.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.key_check, SG_ERR_WEAK_KEY); /* RSA-1024 */
  SG_CHECK_CODE(facts("rsa.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.key_check, SG_OK); /* RSA-2048, e = 65537 */
  SG_CHECK_CODE(facts("es384.crt.der", &f), SG_OK);
  SG_CHECK_CODE(f.key_check, SG_OK);
}

static void test_key_id_and_validity(void) {
  sg_cert_facts a, b;
  SG_CHECK_CODE(facts("admin.crt.der", &a), SG_OK);
  SG_CHECK_CODE(facts("admin2.crt.der", &b), SG_OK);
  SG_CHECK(memcmp(a.key_id, b.key_id, 32) != 0);
  /* The key id is the hash of the key, not of the certificate. */
  const sg_blob *admin = vec("admin.crt.der");
  uint8_t cert_hash[32];
  sg_sha256(admin->data, admin->len, cert_hash);
  SG_CHECK(memcmp(a.key_id, cert_hash, 32) != 0);
  SG_CHECK_CODE(facts("expiring.crt.der", &a), SG_OK);
  SG_CHECK(a.not_before == 1735689600 && a.not_after == 1780272000);
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
  SG_CHECK_CODE(sg_cert_facts_get(junk, sizeof junk, &a), SG_ERR_CERT_FORMAT);
  SG_CHECK(a.key_check != SG_OK && a.staging_eku != SG_ACCEPTED);
  SG_CHECK_CODE(sg_cert_facts_get(NULL, 0, &a), SG_ERR_CERT_FORMAT);
}

int main(void) {
  sg_test_begin("certinfo");
  SG_RUN(test_document_signing_eku);
  SG_RUN(test_has_eku);
  SG_RUN(test_key_screen);
  SG_RUN(test_key_id_and_validity);
  return sg_test_end();
}

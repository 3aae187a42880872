/*
 * Unit tests of stagegate-sign's building blocks: base64/base64url, barcode
 * chunk planning, ECDSA raw <-> DER conversion, and preflight's refusals
 * that the command line cannot reach. (PKCS#12 and RC2 are
 * OpenSSL's now: tests/tools/pfx.sh covers them end to end.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "mbedtls/sha256.h"
#include "sg_sign.h"
#include "sg_test.h"

/* base64 is the device's own (agent/src/b64.c): tested in tests/unit/test_b64.c. */

/* ---- PKCS#12 KDF and passphrase ----------------------------------------- */

/* ---- chunks ------------------------------------------------------------- */

static char text_buf[8192];

static size_t make_text(size_t len) {
  for (size_t i = 0; i < len; i++) {
    text_buf[i] = (char)('!' + (i * 31 + i / 7) % 90); /* printable, includes ':' */
  }
  return len;
}

/* Plan, render every chunk, check its shape, reassemble; returns n or 0. */
static unsigned split_and_check(const char *text, size_t len, size_t cap) {
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  char set[13];
  if (sg_split_plan((const uint8_t *)text, len, cap, chunks, &n, set) != SG_SPLIT_OK) {
    return 0;
  }
  /* set = first 6 bytes of SHA-256 of the whole text, lowercase hex */
  uint8_t h[32];
  char want[13];
  (void)mbedtls_sha256((const uint8_t *)text, len, h, 0);
  for (int i = 0; i < 6; i++) {
    (void)snprintf(want + 2 * i, 3, "%02x", h[i]);
  }
  SG_CHECK(strcmp(set, want) == 0);
  static char joined[8192];
  size_t jl = 0;
  for (unsigned i = 0; i < n; i++) {
    char hdr[48], expect[48];
    const size_t hl = sg_split_header(i + 1, n, set, hdr, sizeof hdr);
    (void)snprintf(expect, sizeof expect, "SG1:%u/%u:%s:", i + 1, n, want);
    SG_CHECK(strcmp(hdr, expect) == 0);
    SG_CHECK(chunks[i].len >= 1);
    SG_CHECK(hl + chunks[i].len <= cap);
    SG_CHECK(chunks[i].off == jl); /* contiguous, in order */
    memcpy(joined + jl, text + chunks[i].off, chunks[i].len);
    jl += chunks[i].len;
  }
  SG_CHECK(jl == len && memcmp(joined, text, len) == 0);
  return n;
}

static void test_split_reassembles(void) {
  const size_t len = make_text(3000);
  SG_CHECK(split_and_check(text_buf, len, 400) == 8);
  SG_CHECK(split_and_check(text_buf, len, 3000) == 2); /* header does not fit with it */
  SG_CHECK(split_and_check(text_buf, len, 3000 + 22) == 1);
  SG_CHECK(split_and_check(text_buf, 1, 22) == 1); /* smallest: header + 1 byte */
}

static void test_split_boundaries(void) {
  /* One chunk of capacity C holds C - 21 bytes ("SG1:1/1:<12 hex>:" is 21). */
  const size_t cap = 100;
  make_text(2000);
  SG_CHECK(split_and_check(text_buf, cap - 21, cap) == 1);
  SG_CHECK(split_and_check(text_buf, cap - 20, cap) == 2);
  /* Nine chunks at 21-byte headers: 9 * 79 = 711; the tenth chunk makes
   * every header 2 bytes longer ("i/10"), first nine 1 byte longer. */
  SG_CHECK(split_and_check(text_buf, 9 * 79, cap) == 9);
  SG_CHECK(split_and_check(text_buf, 9 * 79 + 1, cap) == 10);
  /* Sixteen chunks: 9 * 78 + 7 * 77 = 1241 bytes is the most. */
  SG_CHECK(split_and_check(text_buf, 1241, cap) == 16);
  SG_CHECK(split_and_check(text_buf, 1242, cap) == 0);
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  char set[13];
  SG_CHECK_CODE(sg_split_plan((const uint8_t *)text_buf, 1242, cap, chunks, &n, set),
                SG_SPLIT_TOO_MANY);
  SG_CHECK(sg_split_min_capacity((const uint8_t *)text_buf, 1242) == 101);
  SG_CHECK_CODE(sg_split_plan((const uint8_t *)text_buf, 10, 21, chunks, &n, set),
                SG_SPLIT_TOO_SMALL);
  SG_CHECK_CODE(sg_split_plan((const uint8_t *)text_buf, 0, 100, chunks, &n, set),
                SG_SPLIT_EMPTY);
}

static void test_split_keeps_utf8(void) {
  /* "ä" is two bytes: a cut between them would make invalid chunk text. */
  char t[200];
  size_t len = 0;
  while (len + 2 <= 150) {
    t[len++] = '\xc3';
    t[len++] = '\xa4';
  }
  t[len++] = 'x';
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  char set[13];
  /* Capacity 48: 27 data bytes per chunk, an odd number. */
  SG_CHECK(sg_split_plan((const uint8_t *)t, len, 48, chunks, &n, set) == SG_SPLIT_OK);
  for (unsigned i = 0; i < n; i++) {
    SG_CHECK(((uint8_t)t[chunks[i].off] & 0xc0u) != 0x80u);
  }
  SG_CHECK(n > 1 && split_and_check(t, len, 48) == n);
}

/* ---- ECDSA -------------------------------------------------------------- */

static void test_ecdsa_raw_der(void) {
  uint8_t raw[96], back[96], der[120];
  size_t der_len = 0;
  for (size_t coord = 32; coord <= 48; coord += 16) {
    /* R with its top bit set (needs a 00 pad), S with leading zero bytes. */
    for (size_t i = 0; i < 2 * coord; i++) {
      raw[i] = (uint8_t)(0x80 + i);
    }
    raw[coord] = 0;
    raw[coord + 1] = 0;
    raw[coord + 2] = 0x05;
    SG_CHECK(sg_ecdsa_raw_to_der(raw, coord, der, sizeof der, &der_len) == 0);
    SG_CHECK(der[0] == 0x30 && der[1] == der_len - 2);
    SG_CHECK(der[2] == 0x02 && der[3] == coord + 1 && der[4] == 0x00); /* padded R */
    SG_CHECK(der[5 + coord] == 0x02 && der[6 + coord] == coord - 2); /* minimal S */
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len, coord, back) == 0);
    SG_CHECK(memcmp(raw, back, 2 * coord) == 0);
    /* Trailing garbage, truncation, and the wrong curve size fail. */
    der[der_len] = 0;
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len + 1, coord, back) == -1);
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len - 1, coord, back) == -1);
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len, coord == 32 ? 48 : 32, back) == (coord == 32 ? 0 : -1));
  }
  /* Non-minimal INTEGER (00 before a low byte) and a negative one. */
  static const uint8_t nonmin[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01};
  static const uint8_t neg[] = {0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01};
  static const uint8_t ok[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
  SG_CHECK(sg_ecdsa_der_to_raw(nonmin, sizeof nonmin, 32, back) == -1);
  SG_CHECK(sg_ecdsa_der_to_raw(neg, sizeof neg, 32, back) == -1);
  SG_CHECK(sg_ecdsa_der_to_raw(ok, sizeof ok, 32, back) == 0);
  SG_CHECK(back[31] == 1 && back[63] == 2 && back[0] == 0 && back[32] == 0);
  SG_CHECK(sg_ecdsa_raw_to_der(raw, 33, der, sizeof der, &der_len) == -1);
  SG_CHECK(sg_ecdsa_raw_to_der(raw, 32, der, 10, &der_len) == -1);
}

static void test_alg_names(void) {
  SG_CHECK(sg_jws_alg_parse("ES256") == SG_JWS_ES256);
  SG_CHECK(sg_jws_alg_parse("PS256") == SG_JWS_PS256);
  SG_CHECK(sg_jws_alg_parse("none") == SG_JWS_NONE);
  SG_CHECK(sg_jws_alg_parse("HS256") == SG_JWS_NONE);
  SG_CHECK(sg_jws_alg_parse("es256") == SG_JWS_NONE);
}

/* ---- preflight: the device's own decision ------------------------------ */

/* A P-256 key and a self-signed certificate for it, made in memory. */
static int make_signer(sg_signer *s) {
  int ok = 0;
  unsigned char *der = NULL;
  X509 *x = X509_new();
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509_NAME *n = x != NULL ? X509_get_subject_name(x) : NULL;
  if (k != NULL && n != NULL && X509_set_version(x, 2) &&
      ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
      X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
      X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL && X509_set_pubkey(x, k) &&
      X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit signer", -1,
                                 -1, 0) &&
      X509_set_issuer_name(x, n) && X509_sign(x, k, EVP_sha256()) > 0) {
    const int len = i2d_X509(x, &der);
    ok = len > 0 && mbedtls_x509_crt_parse_der(&s->leaf, der, (size_t)len) == 0;
  }
  OPENSSL_free(der);
  X509_free(x);
  s->key = k;
  return ok;
}

/* Sign `text` with s and run preflight for devices trusting s. */
static int preflight_text(sg_signer *s, const char *text) {
  char *jws = NULL;
  cJSON *p = cJSON_Parse(text);
  const sg_signer *one[1] = {s};
  const sg_preflight_opts o = {SG_PREFLIGHT_TRUSTED, NULL, 0};
  int ret = -1;
  sg_error_clear();
  if (p != NULL && sg_sign_compact(s, SG_JWS_ES256, 0, p, &jws) == SG_EXIT_OK) {
    ret = sg_preflight(jws, p, one, 1, 0, &o);
  }
  free(jws);
  cJSON_Delete(p);
  return ret;
}

/*
 * Trust changes carry exp, at most 7 days after iat. `sign` always sets
 * exp for them (iat + 7 days by default), so the refusal of a profile
 * without one is reached here: the signed text goes to the device code,
 * which answers EXP_REQUIRED / EXP_TOO_LONG.
 */
static void test_preflight_exp(void) {
  static const char *const actions[] = {"TurnOffTrustedMode", "RecoverTrust"};
  sg_signer s;
  sg_signer_init(&s);
  SG_CHECK(make_signer(&s));
  const long long iat = (long long)time(NULL);
  for (size_t i = 0; i < 2; i++) {
    char text[512];
    static const char fmt[] = "{\"stagegate\":1,\"name\":\"t\",\"seq\":%lld,\"iat\":%lld%s,"
                              "\"actions\":[{\"csp\":\"Batch\",\"action\":\"%s\"}]}";
    char exp[48] = "";
    (void)snprintf(text, sizeof text, fmt, 5LL, iat, exp, actions[i]);
    SG_CHECK(preflight_text(&s, text) == SG_EXIT_FAIL);
    SG_CHECK(strstr(sg_error(), "without \"exp\": devices refuse it (EXP_REQUIRED). Give --exp") !=
             NULL);
    (void)snprintf(exp, sizeof exp, ",\"exp\":%lld", iat + 7 * 86400 + 1); /* one second over */
    (void)snprintf(text, sizeof text, fmt, 5LL, iat, exp, actions[i]);
    SG_CHECK(preflight_text(&s, text) == SG_EXIT_FAIL);
    SG_CHECK(strstr(sg_error(), "devices accept at most 7 (EXP_TOO_LONG)") != NULL);
    (void)snprintf(exp, sizeof exp, ",\"exp\":%lld", iat + 7 * 86400); /* exactly 7 days */
    (void)snprintf(text, sizeof text, fmt, 5LL, iat, exp, actions[i]);
    SG_CHECK(preflight_text(&s, text) == SG_EXIT_OK);
  }
  /* A profile without a trust change needs no exp. */
  char text[256];
  (void)snprintf(text, sizeof text,
                 "{\"stagegate\":1,\"name\":\"w\",\"seq\":5,\"iat\":%lld,"
                 "\"actions\":[{\"csp\":\"Wifi\"}]}",
                 iat);
  SG_CHECK(preflight_text(&s, text) == SG_EXIT_OK);
  sg_signer_free(&s);
  sg_error_clear();
}

/* ---- one Batch table: the device's, with the signer's descriptions ----- */

/* Every row and argument of the device's table has a description, and
 * every description names a row (and an argument) the table has. */
static void test_action_texts(void) {
  SG_CHECK(sg_batch_count() >= 4);
  for (size_t i = 0; i < sg_batch_count(); i++) {
    const sg_batch_row *row = sg_batch_at(i);
    SG_CHECK(row != NULL && sg_action_describe(row->name, NULL) != NULL);
    for (unsigned k = 0; row != NULL && k < row->nargs; k++) {
      if (sg_action_describe(row->name, row->args[k].name) == NULL) {
        sg_test_printf("      no description for %s.%s", row->name, row->args[k].name);
        SG_CHECK(0);
      }
    }
  }
  size_t n = 0;
  const sg_action_text *t = sg_action_texts(&n);
  SG_CHECK(n > 0);
  for (size_t i = 0; i < n; i++) {
    const sg_batch_row *row = sg_batch_find(t[i].action);
    const int known = row != NULL && (t[i].arg == NULL || sg_batch_arg_find(row, t[i].arg) != NULL);
    if (!known) {
      sg_test_printf("      orphaned description %s.%s", t[i].action, t[i].arg ? t[i].arg : "");
    }
    SG_CHECK(known && t[i].text != NULL && t[i].text[0] != '\0');
  }
  SG_CHECK(sg_action_describe("Reboot", NULL) == NULL);
  SG_CHECK(sg_action_describe("TurnOffTrustedMode", "anchor") == NULL);
  /* The skeletons name rows of the table, and take their arguments from it. */
  static const char *const kinds[] = {"turn-on-pinned", "turn-on-ca", "turn-off", "rotate"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    cJSON *root = sg_skeleton_build(kinds[i], "a.pem", NULL, NULL, NULL);
    const cJSON *a = root != NULL ? cJSON_GetArrayItem(cJSON_GetObjectItem(root, "actions"), 0) : NULL;
    const cJSON *name = cJSON_GetObjectItem(a, "action");
    const sg_batch_row *row = cJSON_IsString(name) ? sg_batch_find(name->valuestring) : NULL;
    SG_CHECK(row != NULL);
    for (const cJSON *m = a != NULL ? a->child : NULL; row != NULL && m != NULL; m = m->next) {
      SG_CHECK(strcmp(m->string, "csp") == 0 || strcmp(m->string, "action") == 0 ||
               sg_batch_arg_find(row, m->string) != NULL);
    }
    cJSON_Delete(root);
  }
}

/* ---- times as people write them ----------------------------------------- */

static void test_parse_time(void) {
  double v = 0;
  SG_CHECK(sg_parse_time("2027-01-01", 0, "--exp", &v) == SG_EXIT_OK && v == 1798761600.0);
  SG_CHECK(sg_parse_time("2027-01-01T12:00Z", 0, "--exp", &v) == SG_EXIT_OK && v == 1798804800.0);
  SG_CHECK(sg_parse_time("2027-01-01T12:00:30-01:30", 0, "--exp", &v) == SG_EXIT_OK &&
           v == 1798804800.0 + 30 + 5400);
  SG_CHECK(sg_parse_time("+30d", 1000, "--exp", &v) == SG_EXIT_OK && v == 1000.0 + 30 * 86400);
  SG_CHECK(sg_parse_time("+1w", 0, "--exp", &v) == SG_EXIT_OK && v == 7.0 * 86400);
  SG_CHECK(sg_parse_time("1900000000", 0, "--exp", &v) == SG_EXIT_OK && v == 1900000000.0);
  static const char *const bad[] = {"2027-02-29", "2027-00-10", "2027-01-32", "2027-01-01T12:00",
                                    "2027-01-01T12:60Z", "1969-12-31", "+", "+5", "+5y", "5d",
                                    "", "2027-01-01Z", "9007199254740992"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sg_error_clear();
    SG_CHECK(sg_parse_time(bad[i], 0, "--exp", &v) == SG_EXIT_USAGE);
  }
  SG_CHECK(sg_parse_time("2028-02-29", 0, "--exp", &v) == SG_EXIT_OK); /* leap year */
  sg_error_clear();
}

int main(void) {
  sg_test_begin("stagegate-sign units");
  SG_RUN(test_split_reassembles);
  SG_RUN(test_split_boundaries);
  SG_RUN(test_split_keeps_utf8);
  SG_RUN(test_ecdsa_raw_der);
  SG_RUN(test_alg_names);
  SG_RUN(test_preflight_exp);
  SG_RUN(test_action_texts);
  SG_RUN(test_parse_time);
  return sg_test_end();
}

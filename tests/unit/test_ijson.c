/*
 * I-JSON in strict RFC 8259 grammar (issue 9, defect 5), as a table: each
 * row a text and the verdict, in the manner of Mbed TLS's .data suites.
 * Rows that cJSON alone accepted are marked "cJSON took it": they are the
 * ways two readers of one signed profile could disagree. The last tests
 * check the checker is in front of every parse that matters: profiles,
 * JWS headers (an "alg" of "ES256\u0000") and the integer members.
 */
#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "envelope.h"
#include "ijson.h"
#include "json.h"
#include "profile.h"
#include "sg_test.h"
#include "stagegate/errors.h"

typedef struct {
  const char *text;
  size_t len; /* 0: strlen(text) */
  sg_ijson_result want;
} ijson_row;

#define ROW(t, w) {t, 0, w}
#define ROWN(t, w) {t, sizeof t - 1, w} /* contains a NUL byte */

static const ijson_row rows[] = {
    ROW("{}", SG_IJSON_OK),
    ROW(" {\"a\":[1,-2,3.5,1e9,-0.0e-1,true,false,null,\"x\",{}]} \n", SG_IJSON_OK),
    ROW("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud83d\\ude00\"}", SG_IJSON_OK),
    ROW("{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", SG_IJSON_OK),
    ROW("{\"n\":123456789012345678901234567890}", SG_IJSON_OK), /* opaque numbers: grammar only */
    /* numbers (cJSON took each of these) */
    ROW("{\"n\":007}", SG_IJSON_SYNTAX),
    ROW("{\"n\":-01}", SG_IJSON_SYNTAX),
    ROW("{\"n\":5.}", SG_IJSON_SYNTAX),
    ROW("{\"n\":.5}", SG_IJSON_SYNTAX),
    ROW("{\"n\":+1}", SG_IJSON_SYNTAX),
    ROW("{\"n\":1e}", SG_IJSON_SYNTAX),
    ROW("{\"n\":0x10}", SG_IJSON_SYNTAX),
    ROW("{\"n\":-}", SG_IJSON_SYNTAX),
    ROW("{\"n\":Infinity}", SG_IJSON_SYNTAX),
    ROW("{\"n\":NaN}", SG_IJSON_SYNTAX),
    /* strings */
    ROW("{\"a\":\"tab\there\"}", SG_IJSON_CONTROL),
    ROW("{\"a\":\"nl\nhere\"}", SG_IJSON_CONTROL),
    ROW("{\"a\":\"esc\x1b[31m\"}", SG_IJSON_CONTROL),
    ROWN("{\"a\":\"nul\0here\"}", SG_IJSON_CONTROL),
    ROW("{\"a\":\"Good\\u0000Evil\"}", SG_IJSON_NUL),
    ROW("{\"a\\u0000\":1}", SG_IJSON_NUL),
    ROW("{\"a\":\"\\ud800\"}", SG_IJSON_SURROGATE),
    ROW("{\"a\":\"\\ud800x\"}", SG_IJSON_SURROGATE),
    ROW("{\"a\":\"\\ud800\\u0041\"}", SG_IJSON_SURROGATE),
    ROW("{\"a\":\"\\udc00\\ud800\"}", SG_IJSON_SURROGATE),
    ROW("{\"a\":\"\\uffff\"}", SG_IJSON_NONCHAR),
    ROW("{\"a\":\"\\ufdd0\"}", SG_IJSON_NONCHAR),
    ROW("{\"a\":\"\xef\xbf\xbe\"}", SG_IJSON_NONCHAR),
    ROW("{\"a\":\"\\ud83f\\udfff\"}", SG_IJSON_NONCHAR), /* U+1FFFF */
    ROW("{\"a\":\"\\x41\"}", SG_IJSON_SYNTAX),
    ROW("{\"a\":\"\\u12\"}", SG_IJSON_SYNTAX),
    ROW("{\"a\":'single'}", SG_IJSON_SYNTAX),
    ROW("{\"a\":\"unterminated}", SG_IJSON_SYNTAX),
    /* UTF-8 */
    ROW("{\"a\":\"\xc0\xaf\"}", SG_IJSON_UTF8),             /* overlong '/' */
    ROW("{\"a\":\"\xe0\x80\xaf\"}", SG_IJSON_UTF8),         /* overlong, 3 bytes */
    ROW("{\"a\":\"\xf0\x80\x80\xaf\"}", SG_IJSON_UTF8),     /* overlong, 4 bytes */
    ROW("{\"a\":\"\xed\xa0\x80\"}", SG_IJSON_UTF8),         /* a surrogate in UTF-8 */
    ROW("{\"a\":\"\xf4\x90\x80\x80\"}", SG_IJSON_UTF8),     /* over U+10FFFF */
    ROW("{\"a\":\"\x80\"}", SG_IJSON_UTF8),                 /* lone continuation */
    ROW("{\"a\":\"\xc3\"}", SG_IJSON_UTF8),                 /* cut short */
    ROW("{\"a\":\"\xff\"}", SG_IJSON_UTF8),
    ROW("{\"\xc3\x28\":1}", SG_IJSON_UTF8),                 /* in a name */
    /* structure */
    ROW("{\"a\":1,}", SG_IJSON_SYNTAX),
    ROW("{\"a\":[1,]}", SG_IJSON_SYNTAX),
    ROW("{a:1}", SG_IJSON_SYNTAX),
    ROW("{\"a\" 1}", SG_IJSON_SYNTAX),
    ROW("{\"a\":1 /* c */}", SG_IJSON_SYNTAX),
    ROW("{\"a\":tru}", SG_IJSON_SYNTAX),
    ROW("{\"a\":1}x", SG_IJSON_TOP),
    ROW("{\"a\":1}{}", SG_IJSON_TOP),
    ROW("[1]", SG_IJSON_TOP),
    ROW("\"s\"", SG_IJSON_TOP),
    ROW("", SG_IJSON_SYNTAX),
    ROW("\xef\xbb\xbf{}", SG_IJSON_SYNTAX), /* a byte-order mark */
    ROW("{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}", SG_IJSON_DEPTH),
    ROW("{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}", SG_IJSON_OK),
};

static const sg_ijson_int_path ints[] = {
    {{"seq"}, 1},
    {{"actions", "[]", "activate_at"}, 3},
};

static const ijson_row int_rows[] = {
    ROW("{\"seq\":0}", SG_IJSON_OK),
    ROW("{\"seq\":9007199254740991}", SG_IJSON_OK),
    ROW("{\"seq\":9007199254740992}", SG_IJSON_INTEGER),
    ROW("{\"seq\":12345678901234567890}", SG_IJSON_INTEGER),
    ROW("{\"seq\":5.0}", SG_IJSON_INTEGER),
    ROW("{\"seq\":4503599627370495.5}", SG_IJSON_INTEGER), /* a double rounds it to an integer */
    ROW("{\"seq\":1e3}", SG_IJSON_INTEGER),
    ROW("{\"seq\":-1}", SG_IJSON_INTEGER),
    ROW("{\"seq\":-0}", SG_IJSON_INTEGER),
    ROW("{\"seq\":\"5\"}", SG_IJSON_INTEGER),
    ROW("{\"seq\":true}", SG_IJSON_INTEGER),
    ROW("{\"seq\":[5]}", SG_IJSON_INTEGER),
    ROW("{\"s\\u0065q\":5.5}", SG_IJSON_INTEGER), /* the name is compared unescaped */
    ROW("{\"x\":{\"seq\":5.5}}", SG_IJSON_OK),    /* only the top-level seq */
    ROW("{\"actions\":[{\"activate_at\":1.5}]}", SG_IJSON_INTEGER),
    ROW("{\"actions\":[{},{\"activate_at\":17}]}", SG_IJSON_OK),
    ROW("{\"actions\":[{\"x\":{\"activate_at\":1.5}}]}", SG_IJSON_OK),
};

static void run_rows(const ijson_row *t, size_t n, const sg_ijson_int_path *ip, size_t nip) {
  for (size_t i = 0; i < n; i++) {
    const size_t len = t[i].len != 0 ? t[i].len : strlen(t[i].text);
    const sg_ijson_result got = sg_ijson_check(t[i].text, len, ip, nip);
    if (got != t[i].want) {
      sg_test_printf("    row %u: got %s, want %s\n", (unsigned)i, sg_ijson_result_name(got),
                     sg_ijson_result_name(t[i].want));
    }
    SG_CHECK(got == t[i].want);
  }
}

static void test_grammar_table(void) { run_rows(rows, sizeof rows / sizeof rows[0], NULL, 0); }

static void test_integer_members_table(void) {
  run_rows(int_rows, sizeof int_rows / sizeof int_rows[0], ints, sizeof ints / sizeof ints[0]);
}

/* sg_json_parse refuses every row the checker refuses (cJSON never sees
 * them) and accepts the good ones. */
static void test_json_parse_is_behind_the_checker(void) {
  sg_json_use_agent_allocator();
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    cJSON *root = NULL;
    const size_t len = rows[i].len != 0 ? rows[i].len : strlen(rows[i].text);
    const int ret = sg_json_parse(rows[i].text, len, SG_ERR_PROFILE_FORMAT, &root);
    SG_CHECK_CODE(ret, rows[i].want == SG_IJSON_OK ? SG_OK : SG_ERR_PROFILE_FORMAT);
    cJSON_Delete(root);
  }
  sg_json_restore_default_allocator();
}

static uint8_t arena_buf[8192];

static int profile(const char *json) {
  sg_arena a;
  sg_profile p;
  sg_arena_init(&a, arena_buf, sizeof arena_buf);
  sg_json_use_agent_allocator();
  const int ret = sg_profile_parse(json, strlen(json), &a, &p);
  if (ret == SG_OK) {
    sg_profile_free(&p);
  }
  sg_json_restore_default_allocator();
  return ret;
}

static void test_profiles(void) {
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"Good\",\"seq\":7,\"actions\":[{\"csp\":\"Wifi\"}]}"), SG_OK);
  /* "Good\u0000Evil" was cut to "Good" */
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"Good\\u0000Evil\",\"actions\":[{\"csp\":\"Wifi\"}]}"),
                SG_ERR_PROFILE_FORMAT);
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"n\",\"seq\":007,\"actions\":[{\"csp\":\"Wifi\"}]}"),
                SG_ERR_PROFILE_FORMAT);
  SG_CHECK_CODE(profile("{\"stagegate\":1.0,\"name\":\"n\",\"actions\":[{\"csp\":\"Wifi\"}]}"),
                SG_ERR_PROFILE_FORMAT);
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"n\",\"iat\":1e9,\"actions\":[{\"csp\":\"Wifi\"}]}"),
                SG_ERR_PROFILE_FORMAT);
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"n\",\"actions\":[{\"csp\":\"Wifi\",\"s\":\"\xc0\xaf\"}]}"),
                SG_ERR_PROFILE_FORMAT);
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"n\",\"actions\":[{\"csp\":\"Wi\\u0000fi\"}]}"),
                SG_ERR_PROFILE_FORMAT);
  /* duplicate names: still refused */
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"a\",\"name\":\"b\",\"actions\":[{\"csp\":\"Wifi\"}]}"),
                SG_ERR_PROFILE_FORMAT);
  SG_CHECK_CODE(profile("{\"stagegate\":1,\"name\":\"a\",\"n\\u0061me\":\"b\",\"actions\":[{\"csp\":\"Wifi\"}]}"),
                SG_ERR_PROFILE_FORMAT);
}

/* base64url of `s` (no padding) into out. */
static void b64url(const char *s, char *out) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const size_t n = strlen(s);
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    const unsigned v = (unsigned)(unsigned char)s[i] << 16 |
                       (i + 1 < n ? (unsigned)(unsigned char)s[i + 1] << 8 : 0) |
                       (i + 2 < n ? (unsigned char)s[i + 2] : 0);
    const size_t chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;
    for (size_t k = 0; k < chars; k++) {
      out[o++] = a[(v >> (18 - 6 * k)) & 63];
    }
  }
  out[o] = '\0';
}

static int header(const char *h) {
  static char jws[1024];
  static char hb[512];
  sg_arena a;
  sg_envelope env;
  b64url(h, hb);
  /* payload {"stagegate":1}; a dummy signature: only parsing is tested */
  const int n = snprintf(jws, sizeof jws, "%s.eyJzdGFnZWdhdGUiOjF9.AAAA", hb);
  sg_arena_init(&a, arena_buf, sizeof arena_buf);
  sg_json_use_agent_allocator();
  const int ret = sg_envelope_parse((const uint8_t *)jws, (size_t)n, &a, &env);
  sg_json_restore_default_allocator();
  return ret;
}

#define X5T "\"x5t#S256\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\""
#define TYP "\"typ\":\"stagegate-profile+jws\""

static void test_headers(void) {
  SG_CHECK_CODE(header("{\"alg\":\"ES256\"," TYP "," X5T "}"), SG_OK);
  SG_CHECK_CODE(header("{\"alg\":\"ES256\\u0000\"," TYP "," X5T "}"), SG_ERR_HEADER); /* read as ES256 before */
  SG_CHECK_CODE(header("{\"alg\":\"ES256\"," TYP "," X5T ",\"kid\":\"k\\u0000x\"}"), SG_ERR_HEADER);
  SG_CHECK_CODE(header("{\"alg\":\"ES256\"," TYP "," X5T ",\"kid\":\"admin-2026\"}"), SG_OK);
  SG_CHECK_CODE(header("{\"alg\":\"ES256\"," TYP "," X5T ",\"kid\":\"\\u001b[2J\"}"), SG_ERR_HEADER);
  SG_CHECK_CODE(header("{\"alg\":\"ES256\"," TYP "," X5T ",\"kid\":7}"), SG_ERR_HEADER);
  SG_CHECK_CODE(header("{\"alg\":\"ES256\"," TYP "," X5T ",\"x5c\":[\"AAAA\"]}"), SG_ERR_CERT_FORMAT);
  SG_CHECK_CODE(header("{\"alg\":\"ES256\",\"typ\":\"stagegate-profile+jws\\ud800\"," X5T "}"), SG_ERR_HEADER);
}

int main(void) {
  sg_test_begin("ijson");
  SG_RUN(test_grammar_table);
  SG_RUN(test_integer_members_table);
  SG_RUN(test_json_parse_is_behind_the_checker);
  SG_RUN(test_profiles);
  SG_RUN(test_headers);
  return sg_test_end();
}

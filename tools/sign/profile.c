/*
 * The profile to sign: read the administrator's JSON, check it against the
 * wire format (DESIGN.md), fill in seq/iat/exp from the command line,
 * replace "certificate": "@file" with the file's base64 DER, and refuse
 * anything that carries a private key. The device checks all of this
 * again; checking here turns a rejected barcode into an error on the PC.
 * The schema itself is the device's: the completed profile goes through
 * the device's parser (agent/src/profile.c), so the two cannot disagree.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "keyscreen.h"
#include "mbedtls/pk.h"
#include "profile.h"
#include "sg_sign.h"
#include "stagegate/errors.h"

#define SG_UINT53_MAX 9007199254740991.0 /* 2^53 - 1: exact in a double */

static const char *const sg_top_keys[] = {"stagegate", "name", "seq",     "iat",
                                          "exp",       "target", "actions"};

int sg_parse_uint53(const char *text, int allow_now, const char *what, double *out) {
  if (allow_now && strcmp(text, "now") == 0) {
    *out = (double)time(NULL);
    return SG_EXIT_OK;
  }
  double v = 0;
  size_t n = 0;
  for (; text[n] != '\0'; n++) {
    if (text[n] < '0' || text[n] > '9' || n >= 16) {
      return sg_usage("%s '%s': expected an unsigned integer below 2^53%s", what, text,
                      allow_now ? " (Unix seconds) or 'now'" : "");
    }
    v = v * 10 + (text[n] - '0');
  }
  if (n == 0 || v > SG_UINT53_MAX) {
    return sg_usage("%s '%s': expected an unsigned integer below 2^53", what, text);
  }
  *out = v;
  return SG_EXIT_OK;
}

long long sg_days_from_civil(long long y, long long m, long long d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* n digits at *p into *v; advances *p. 0 or -1. */
static int sg_digits(const char **p, int n, long long *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    const char c = (*p)[i];
    if (c < '0' || c > '9') {
      return -1;
    }
    *v = *v * 10 + (c - '0');
  }
  *p += n;
  return 0;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)"; 0 or -1. */
static int sg_parse_date(const char *t, double *out) {
  long long y, mo, d, h = 0, mi = 0, sec = 0;
  const char *p = t;
  if (sg_digits(&p, 4, &y) != 0 || *p++ != '-' || sg_digits(&p, 2, &mo) != 0 || *p++ != '-' ||
      sg_digits(&p, 2, &d) != 0) {
    return -1;
  }
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)) {
    return -1;
  }
  long long offset = 0;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    p++;
    if (sg_digits(&p, 2, &h) != 0 || *p++ != ':' || sg_digits(&p, 2, &mi) != 0) {
      return -1;
    }
    if (*p == ':') {
      p++;
      if (sg_digits(&p, 2, &sec) != 0) {
        return -1;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) {
      return -1;
    }
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      const int sign = *p++ == '+' ? 1 : -1;
      long long oh, om;
      if (sg_digits(&p, 2, &oh) != 0 || *p++ != ':' || sg_digits(&p, 2, &om) != 0 || oh > 23 ||
          om > 59) {
        return -1;
      }
      offset = sign * (oh * 3600 + om * 60);
    } else {
      return -1; /* a time without a zone means different instants to different people */
    }
  }
  if (*p != '\0') {
    return -1;
  }
  const long long v = sg_days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + sec - offset;
  if (v < 0) {
    return -1;
  }
  *out = (double)v;
  return 0;
}

int sg_parse_time(const char *text, double base, const char *what, double *out) {
  static const char expected[] =
      "expected a date (2027-01-01, 2027-01-01T12:00Z), a delay after iat (+30d, +12h, +90m) "
      "or Unix seconds";
  if (strcmp(text, "now") == 0) {
    *out = (double)time(NULL);
    return SG_EXIT_OK;
  }
  if (text[0] == '+') {
    const char *p = text + 1;
    double n = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 12; p++, digits++) {
      n = n * 10 + (*p - '0');
    }
    static const struct {
      char unit;
      double seconds;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
    for (size_t i = 0; digits > 0 && p[0] != '\0' && p[1] == '\0' && i < sizeof units / sizeof units[0]; i++) {
      if (p[0] == units[i].unit && base + n * units[i].seconds <= SG_UINT53_MAX) {
        *out = base + n * units[i].seconds;
        return SG_EXIT_OK;
      }
    }
    return sg_usage("%s '%s': %s", what, text, expected);
  }
  if (strchr(text, '-') != NULL) {
    if (sg_parse_date(text, out) == 0) {
      return SG_EXIT_OK;
    }
    return sg_usage("%s '%s': not a valid date; %s", what, text, expected);
  }
  double v = 0;
  size_t n = 0;
  for (; text[n] != '\0'; n++) {
    if (text[n] < '0' || text[n] > '9' || n >= 16) {
      return sg_usage("%s '%s': %s", what, text, expected);
    }
    v = v * 10 + (text[n] - '0');
  }
  if (n == 0 || v > SG_UINT53_MAX) {
    return sg_usage("%s '%s': %s", what, text, expected);
  }
  *out = v;
  return SG_EXIT_OK;
}

static int sg_is_uint53(const cJSON *item) {
  return cJSON_IsNumber(item) && item->valuedouble >= 0 &&
         item->valuedouble <= SG_UINT53_MAX && floor(item->valuedouble) == item->valuedouble;
}

int sg_profile_read(const char *path, cJSON **root) {
  int ret = SG_EXIT_FAIL;
  uint8_t *buf = NULL;
  size_t len = 0;
  *root = NULL;
  ret = sg_read_file(path, &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (strlen((const char *)buf) != len) {
    ret = sg_fail("%s: contains NUL bytes: not a JSON profile", path);
    goto out;
  }
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithOpts((const char *)buf, &end, 1);
  if (j == NULL) {
    /* cJSON reports where it stopped: turn that into line:column. */
    size_t line = 1, col = 1;
    for (const char *c = (const char *)buf; end != NULL && c < end && *c != '\0'; c++) {
      if (*c == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    ret = sg_fail("%s:%zu:%zu: not valid JSON", path, line, col);
    goto out;
  }
  if (!cJSON_IsObject(j)) {
    cJSON_Delete(j);
    ret = sg_fail("%s: the profile must be a JSON object", path);
    goto out;
  }
  *root = j;
  ret = SG_EXIT_OK;
out:
  sg_free_buf(buf);
  return ret;
}

/* Duplicate member names read differently in different parsers: refuse. */
static int sg_check_duplicates(const cJSON *item, const char *where) {
  if (cJSON_IsObject(item)) {
    for (const cJSON *a = item->child; a != NULL; a = a->next) {
      for (const cJSON *b = a->next; b != NULL; b = b->next) {
        if (strcmp(a->string, b->string) == 0) {
          return sg_fail("%s: member \"%s\" appears twice", where, a->string);
        }
      }
    }
  }
  for (const cJSON *c = item->child; c != NULL; c = c->next) {
    const int ret = sg_check_duplicates(c, where);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  return SG_EXIT_OK;
}

/* Does this string hold a private key (PEM, or base64 of a DER key)? */
static int sg_string_is_key(const char *s) {
  if (strstr(s, "PRIVATE KEY-----") != NULL) {
    return 1; /* PKCS#8, encrypted PKCS#8, PKCS#1 and SEC1 PEM blocks */
  }
  const size_t n = strlen(s);
  if (n < 40) {
    return 0; /* shorter than any DER key */
  }
  uint8_t *der = NULL;
  size_t der_len = 0;
  int is_key = 0;
  for (int url = 0; url <= 1 && !is_key; url++) {
    if (sg_b64_decode_alloc(s, n, url, &der, &der_len) != 0) {
      continue;
    }
    /* Any DER the key parser accepts, or one it wants a password for. */
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    sg_rng rng;
    if (sg_rng_init(&rng) == SG_EXIT_OK) {
      const int rc = mbedtls_pk_parse_key(&pk, der, der_len, NULL, 0, mbedtls_ctr_drbg_random,
                                          &rng.drbg);
      is_key = rc == 0 || rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED;
    }
    sg_rng_free(&rng);
    mbedtls_pk_free(&pk);
    sg_free_secret(der, der_len);
    der = NULL;
  }
  return is_key;
}

static int sg_check_no_keys_walk(const cJSON *item) {
  if (cJSON_IsString(item) && sg_string_is_key(item->valuestring)) {
    return sg_fail("the profile carries private-key material%s%s: keys never go to devices",
                   item->string != NULL ? " in \"" : "",
                   item->string != NULL ? item->string : "");
  }
  /* A JWK with a private part ("d"). */
  if (cJSON_IsObject(item) && cJSON_GetObjectItemCaseSensitive(item, "kty") != NULL &&
      cJSON_GetObjectItemCaseSensitive(item, "d") != NULL) {
    return sg_fail("the profile carries a private JWK: keys never go to devices");
  }
  for (const cJSON *c = item->child; c != NULL; c = c->next) {
    const int ret = sg_check_no_keys_walk(c);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  return SG_EXIT_OK;
}

int sg_profile_check_no_keys(const cJSON *item) {
  /* The device's own screen first (agent/src/keyscreen.c, compiled in):
   * the signer refuses everything a device would refuse as a key. */
  const int ret = sg_keyscreen_json(item);
  if (ret == SG_ERR_PRIVATE_KEY) {
    return sg_fail("the profile carries private-key material (PEM, base64, hex, a key container or "
                   "a private JWK): keys never go to devices");
  }
  if (ret != SG_OK) {
    return sg_fail("the profile is nested deeper than devices accept");
  }
  return sg_check_no_keys_walk(item);
}

/* Set (or check) an unsigned integer member from a command-line value. */
/* Set (or check) an unsigned integer member from a command-line value:
 * a time (sg_parse_time, relative to `base`) when is_time, else a plain
 * integer. */
static int sg_fill_uint(cJSON *root, const char *key, const char *cli, const char *opt,
                        int is_time, double base, int required) {
  cJSON *item = cJSON_GetObjectItemCaseSensitive(root, key);
  if (item != NULL && !sg_is_uint53(item)) {
    return sg_fail("\"%s\" must be an unsigned integer below 2^53", key);
  }
  if (cli == NULL) {
    if (item == NULL && required) {
      return sg_usage("the profile has no \"%s\": add it or give %s", key, opt);
    }
    return SG_EXIT_OK;
  }
  double v = 0;
  const int ret = is_time ? sg_parse_time(cli, base, opt, &v) : sg_parse_uint53(cli, 0, opt, &v);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (item != NULL) {
    if (item->valuedouble != v) {
      return sg_usage("\"%s\" is %.0f in the profile but %s gives %.0f: keep one", key,
                      item->valuedouble, opt, v);
    }
    return SG_EXIT_OK;
  }
  return cJSON_AddNumberToObject(root, key, v) != NULL ? SG_EXIT_OK : sg_fail("out of memory");
}

/* Parse exactly one certificate from base64 DER; 0 or -1. */
static int sg_b64_cert_ok(const char *b64) {
  uint8_t *der = NULL;
  size_t len = 0;
  if (sg_b64_decode_alloc(b64, strlen(b64), 0, &der, &len) != 0) {
    return -1;
  }
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  const int rc = mbedtls_x509_crt_parse_der(&crt, der, len);
  mbedtls_x509_crt_free(&crt);
  free(der);
  return rc == 0 ? 0 : -1;
}

/* "@path" -> standard base64 of the certificate's DER (PEM or DER file). */
static int sg_substitute_cert(cJSON *action, cJSON *cert, const char *base_dir, unsigned index) {
  int ret = SG_EXIT_FAIL;
  const char *ref = cert->valuestring + 1;
  char path[4096];
  if (ref[0] == '\0') {
    return sg_fail("actions[%u].certificate: \"@\" needs a file name", index);
  }
  const int n = ref[0] == '/' || base_dir == NULL || base_dir[0] == '\0'
                    ? snprintf(path, sizeof path, "%s", ref)
                    : snprintf(path, sizeof path, "%s/%s", base_dir, ref);
  if (n < 0 || (size_t)n >= sizeof path) {
    return sg_fail("actions[%u].certificate: path too long", index);
  }
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  ret = sg_cert_load_file(&crt, path);
  if (ret == SG_EXIT_OK && crt.next != NULL) {
    ret = sg_fail("%s: holds more than one certificate; \"@\" needs exactly one", path);
  }
  if (ret == SG_EXIT_OK) {
    char *b64 = sg_cert_b64(&crt);
    if (b64 == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(action, "certificate",
                                                               cJSON_CreateString(b64))) {
      ret = sg_fail("out of memory");
    }
    free(b64);
  }
  mbedtls_x509_crt_free(&crt);
  return ret;
}

static int sg_check_action(cJSON *action, const sg_profile_opts *opts, unsigned i) {
  int ret = SG_EXIT_FAIL;
  if (!cJSON_IsObject(action)) {
    return sg_fail("actions[%u] must be an object", i);
  }
  const cJSON *csp = cJSON_GetObjectItemCaseSensitive(action, "csp");
  if (!cJSON_IsString(csp) || csp->valuestring[0] == '\0') {
    return sg_fail("actions[%u] needs a \"csp\" name", i);
  }
  cJSON *cert = cJSON_GetObjectItemCaseSensitive(action, "certificate");
  if (cert != NULL) {
    if (!cJSON_IsString(cert)) {
      return sg_fail("actions[%u].certificate must be a string", i);
    }
    if (cert->valuestring[0] == '@') {
      ret = sg_substitute_cert(action, cert, opts->base_dir, i);
      if (ret != SG_EXIT_OK) {
        return ret;
      }
      cert = cJSON_GetObjectItemCaseSensitive(action, "certificate");
    } else if (sg_b64_cert_ok(cert->valuestring) != 0) {
      return sg_fail("actions[%u].certificate is not a base64 DER certificate (or \"@file\")",
                     i);
    }
  }
  /* Batch's arguments are checked here for a message that names the fix;
   * the device's own parser checks the whole profile at the end of
   * sg_profile_prepare (sg_profile_device_check). */
  if (strcmp(csp->valuestring, "Batch") != 0) {
    return SG_EXIT_OK; /* other CSPs belong to the firmware's handlers */
  }
  /* Batch: exactly the arguments the table (the device's schema) defines. */
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(action, "action");
  const char *a = cJSON_IsString(name) ? name->valuestring : "";
  const sg_batch_row *row = sg_batch_find(a);
  if (row == NULL) {
    char names[256] = "";
    for (size_t k = 0; k < sg_batch_count(); k++) {
      (void)snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                     sg_batch_at(k)->name);
    }
    return sg_fail("actions[%u]: unknown Batch action \"%s\" (%s; see `stagegate-sign "
                   "actions`)",
                   i, a, names);
  }
  for (const cJSON *m = action->child; m != NULL; m = m->next) {
    if (strcmp(m->string, "csp") == 0 || strcmp(m->string, "action") == 0) {
      continue;
    }
    const sg_batch_arg *arg = sg_batch_arg_find(row, m->string);
    if (arg == NULL) {
      return sg_fail("actions[%u]: %s takes no \"%s\" (devices refuse it; see "
                     "`stagegate-sign actions`)",
                     i, a, m->string);
    }
    if (arg->type == SG_ARG_ANCHOR_MODE &&
        (!cJSON_IsString(m) || sg_batch_anchor_mode(m->valuestring) == SG_ANCHOR_NONE)) {
      return sg_fail("actions[%u]: %s needs \"anchor\": \"pinned\" or \"ca\"", i, a);
    }
    if (arg->type == SG_ARG_UNIX_TIME && !sg_is_uint53(m)) {
      return sg_fail("actions[%u].%s must be an unsigned integer (Unix seconds)", i, m->string);
    }
  }
  for (unsigned k = 0; k < row->nargs; k++) {
    const sg_batch_arg *arg = &row->args[k];
    if (arg->presence == SG_ARG_REQUIRED &&
        cJSON_GetObjectItemCaseSensitive(action, arg->name) == NULL) {
      const char *what = sg_action_describe(row->name, arg->name);
      return sg_fail("actions[%u]: %s needs \"%s\" (%s)", i, a, arg->name,
                     what != NULL ? what : sg_batch_arg_type_name(arg->type));
    }
  }
  return SG_EXIT_OK;
}

/* The device's answer on the completed profile (agent/src/profile.c): the
 * same schema, Batch actions included, so a profile the tool signs is one
 * the device parses. */
static int sg_profile_device_check(const cJSON *root) {
  int ret = SG_EXIT_FAIL;
  char *text = cJSON_PrintUnformatted(root);
  uint8_t *arena_buf = malloc(2u * SG_MAX_PROFILE);
  if (text == NULL || arena_buf == NULL) {
    ret = sg_fail("out of memory");
  } else {
    sg_arena arena;
    sg_profile prof;
    sg_arena_init(&arena, arena_buf, 2u * SG_MAX_PROFILE);
    const int rc = sg_profile_parse(text, strlen(text), &arena, &prof);
    if (rc == SG_OK) {
      sg_profile_free(&prof);
      ret = SG_EXIT_OK;
    } else {
      ret = sg_fail("the device would refuse this profile: %s (%s)", sg_strerror_name(rc),
                    sg_strerror(rc));
    }
  }
  free(arena_buf);
  cJSON_free(text);
  return ret;
}

/* The profile's Batch row in the device's table, or NULL if it has none. */
static const sg_batch_row *sg_profile_batch(const cJSON *root) {
  const cJSON *a;
  cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(root, "actions")) {
    const cJSON *csp = cJSON_GetObjectItemCaseSensitive(a, "csp");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "action");
    if (cJSON_IsString(csp) && strcmp(csp->valuestring, "Batch") == 0 && cJSON_IsString(name)) {
      return sg_batch_find(name->valuestring);
    }
  }
  return NULL;
}

int sg_profile_is_turn_on(const cJSON *root) {
  const sg_batch_row *row = sg_profile_batch(root);
  return row != NULL && row->kind == SG_BATCH_TURN_ON;
}

int sg_profile_prepare(cJSON *root, const sg_profile_opts *opts) {
  int ret = SG_EXIT_FAIL;
  if (!cJSON_IsObject(root)) {
    return sg_fail("the profile must be a JSON object");
  }
  ret = sg_check_duplicates(root, "profile");
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "stagegate");
  if (!cJSON_IsNumber(version) || version->valuedouble != 1.0) {
    return sg_fail("\"stagegate\" must be 1 (the profile format version)");
  }
  for (const cJSON *c = root->child; c != NULL; c = c->next) {
    int known = 0;
    for (size_t k = 0; k < sizeof sg_top_keys / sizeof sg_top_keys[0]; k++) {
      known |= strcmp(c->string, sg_top_keys[k]) == 0;
    }
    if (!known) {
      return sg_fail("unknown member \"%s\" (devices reject it)", c->string);
    }
  }
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
  const cJSON *target = cJSON_GetObjectItemCaseSensitive(root, "target");
  if (target != NULL && !cJSON_IsObject(target)) {
    return sg_fail("\"target\" must be an object");
  }
  /*
   * iat defaults to now, unless the file already has one. seq defaults to
   * the signing time in milliseconds: it only grows, whoever signs, so every
   * new profile passes the device's replay floor (seq must exceed the last
   * accepted one) without anyone keeping a counter.
   */
  const double now = (double)time(NULL);
  const char *iat_cli = opts->iat;
  if (iat_cli == NULL && cJSON_GetObjectItemCaseSensitive(root, "iat") == NULL) {
    iat_cli = "now";
  }
  /* Milliseconds, not seconds: two profiles signed in the same second (a
   * script signing a Wi-Fi profile and then a Turn Off) must not share a
   * seq, or the device takes the second for a replay. */
  struct timespec ts;
  (void)clock_gettime(CLOCK_REALTIME, &ts);
  char now_text[24];
  (void)snprintf(now_text, sizeof now_text, "%lld",
                 (long long)ts.tv_sec * 1000LL + (long long)(ts.tv_nsec / 1000000L));
  const char *seq_cli = opts->seq;
  if (seq_cli == NULL && cJSON_GetObjectItemCaseSensitive(root, "seq") == NULL) {
    seq_cli = now_text;
  }
  if ((ret = sg_fill_uint(root, "seq", seq_cli, "--seq", 0, 0, 1)) != SG_EXIT_OK ||
      (ret = sg_fill_uint(root, "iat", iat_cli, "--iat", 1, now, 1)) != SG_EXIT_OK) {
    return ret;
  }
  const cJSON *iat = cJSON_GetObjectItemCaseSensitive(root, "iat");
  /* Trust changes expire by default: a lost sheet stops working in a week. */
  const sg_batch_row *batch = sg_profile_batch(root);
  char exp_text[24];
  const char *exp_cli = opts->exp;
  if (exp_cli == NULL && batch != NULL && batch->needs_exp &&
      cJSON_GetObjectItemCaseSensitive(root, "exp") == NULL) {
    (void)snprintf(exp_text, sizeof exp_text, "%.0f", iat->valuedouble + SG_TRUST_EXP_DEFAULT);
    exp_cli = exp_text;
  }
  if ((ret = sg_fill_uint(root, "exp", exp_cli, "--exp", 1, iat->valuedouble, 0)) != SG_EXIT_OK) {
    return ret;
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "exp");
  if (exp != NULL && exp->valuedouble <= iat->valuedouble) {
    return sg_fail("\"exp\" (%.0f) must be after \"iat\" (%.0f)", exp->valuedouble,
                   iat->valuedouble);
  }
  cJSON *actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
  if (!cJSON_IsArray(actions) || cJSON_GetArraySize(actions) == 0) {
    return sg_fail("\"actions\" must be a non-empty array");
  }
  unsigned i = 0;
  for (cJSON *a = actions->child; a != NULL; a = a->next, i++) {
    ret = sg_check_action(a, opts, i);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  if (!cJSON_IsString(name) || name->valuestring[0] == '\0') {
    return sg_fail("\"name\" is required: a non-empty string (devices show and log it)");
  }
  ret = sg_profile_check_no_keys(root);
  return ret != SG_EXIT_OK ? ret : sg_profile_device_check(root);
}

/*
 * The profile to sign: read the administrator's JSON, check it against the
 * wire format (DESIGN.md), fill in seq/iat/exp from the command line,
 * replace "certificate": "@file" with the file's base64 DER, and refuse
 * anything that carries a private key. The device checks all of this
 * again; checking here turns a rejected barcode into an error on the PC.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/pk.h"
#include "batch_actions.h"
#include "sg_sign.h"
#include "stagegate/config.h"

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

int sg_profile_check_no_keys(const cJSON *item) {
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
    const int ret = sg_profile_check_no_keys(c);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  return SG_EXIT_OK;
}

/* Set (or check) an unsigned integer member from a command-line value. */
static int sg_fill_uint(cJSON *root, const char *key, const char *cli, const char *opt,
                        int allow_now, int required) {
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
  const int ret = sg_parse_uint53(cli, allow_now, opt, &v);
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

/* "TurnOnTrustedMode, TurnOffTrustedMode, ..." from the Batch table. */
static void sg_batch_names(char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (size_t k = 0; k < sg_batch_count(); k++) {
    const int w = snprintf(out + n, cap - n, "%s%s", k > 0 ? ", " : "", sg_batch_at(k)->name);
    if (w < 0 || (size_t)w >= cap - n) {
      break;
    }
    n += (size_t)w;
  }
}

/*
 * A Batch action against the device's own Batch table
 * (agent/src/batch_actions.c, compiled in): a known action, only the
 * arguments its row lists, each present when required and of its type.
 * Arguments the device defaults are still asked for when the row says the
 * administrator must state them (SG_ARG_STATED: the anchor mode).
 */
static int sg_check_batch(const cJSON *action, unsigned i) {
  char names[256];
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(action, "action");
  const char *a = cJSON_IsString(name) ? name->valuestring : "";
  const sg_batch_row *row = sg_batch_find(a);
  if (row == NULL) {
    sg_batch_names(names, sizeof names);
    return sg_fail("actions[%u]: unknown Batch action \"%s\" (%s)", i, a, names);
  }
  for (const cJSON *m = action->child; m != NULL; m = m->next) {
    if (strcmp(m->string, "csp") != 0 && strcmp(m->string, "action") != 0 &&
        sg_batch_arg_find(row, m->string) == NULL) {
      return sg_fail("actions[%u]: %s takes no \"%s\" (devices reject it)", i, row->name,
                     m->string);
    }
  }
  for (unsigned k = 0; k < row->nargs; k++) {
    const sg_batch_arg *arg = &row->args[k];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(action, arg->name);
    if (v == NULL) {
      if (arg->presence != SG_ARG_OPTIONAL) {
        return sg_fail("actions[%u]: %s needs \"%s\": %s", i, row->name, arg->name,
                       sg_batch_arg_type_name(arg->type));
      }
      continue;
    }
    int ok = 0;
    switch (arg->type) {
      case SG_ARG_CERTIFICATE:
        ok = cJSON_IsString(v); /* its content was checked (or substituted) above */
        break;
      case SG_ARG_ANCHOR_MODE:
        ok = cJSON_IsString(v) && sg_batch_anchor_mode(v->valuestring) != SG_ANCHOR_NONE;
        break;
      case SG_ARG_UNIX_TIME:
        ok = sg_is_uint53(v);
        break;
    }
    if (!ok) {
      return sg_fail("actions[%u].%s: expected %s", i, arg->name,
                     sg_batch_arg_type_name(arg->type));
    }
  }
  return SG_EXIT_OK;
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
  if (strcmp(csp->valuestring, "Batch") != 0) {
    return SG_EXIT_OK; /* other CSPs belong to the firmware's handlers */
  }
  return sg_check_batch(action, i);
}

/* Issue 9, defect 8: devices refuse the Batch actions whose row says
 * needs_exp (TurnOff, Rotate, RecoverTrust) without "exp", or with one
 * more than SG_TRUST_CHANGE_LIFETIME (7 days) after "iat". The signer sets
 * it to iat + that lifetime when missing. */
static int sg_trust_change_exp(cJSON *root, double iat) {
  const cJSON *actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
  int change = 0;
  const cJSON *a;
  cJSON_ArrayForEach(a, actions) {
    const cJSON *csp = cJSON_GetObjectItemCaseSensitive(a, "csp");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "action");
    const sg_batch_row *row =
        cJSON_IsString(csp) && strcmp(csp->valuestring, "Batch") == 0 && cJSON_IsString(name)
            ? sg_batch_find(name->valuestring)
            : NULL;
    if (row != NULL && row->needs_exp) {
      change = 1;
    }
  }
  if (!change) {
    return SG_EXIT_OK;
  }
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(root, "exp");
  if (exp == NULL) {
    return cJSON_AddNumberToObject(root, "exp", iat + (double)SG_TRUST_CHANGE_LIFETIME) != NULL
               ? SG_EXIT_OK
               : sg_fail("out of memory");
  }
  if (exp->valuedouble > iat + (double)SG_TRUST_CHANGE_LIFETIME) {
    return sg_fail("\"exp\" is more than %u days after \"iat\": devices refuse trust changes "
                   "that live that long (SG_TRUST_CHANGE_LIFETIME)",
                   (unsigned)(SG_TRUST_CHANGE_LIFETIME / 86400));
  }
  return SG_EXIT_OK;
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
  if (name != NULL && !cJSON_IsString(name)) {
    return sg_fail("\"name\" must be a string");
  }
  const cJSON *target = cJSON_GetObjectItemCaseSensitive(root, "target");
  if (target != NULL && !cJSON_IsObject(target)) {
    return sg_fail("\"target\" must be an object");
  }
  /* iat defaults to now, unless the file already has one. */
  const char *iat_cli = opts->iat;
  if (iat_cli == NULL && cJSON_GetObjectItemCaseSensitive(root, "iat") == NULL) {
    iat_cli = "now";
  }
  if ((ret = sg_fill_uint(root, "seq", opts->seq, "--seq", 0, 1)) != SG_EXIT_OK ||
      (ret = sg_fill_uint(root, "iat", iat_cli, "--iat", 1, 1)) != SG_EXIT_OK ||
      (ret = sg_fill_uint(root, "exp", opts->exp, "--exp", 0, 0)) != SG_EXIT_OK) {
    return ret;
  }
  const cJSON *iat = cJSON_GetObjectItemCaseSensitive(root, "iat");
  ret = sg_trust_change_exp(root, iat->valuedouble);
  if (ret != SG_EXIT_OK) {
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
  return sg_profile_check_no_keys(root);
}

/*
 * What a profile says, in words a person checks before scanning it: the
 * header of every printed page. From the profile text itself (JWS compact,
 * JWS General JSON or bare JSON), so the sheet can only show what the
 * barcodes carry.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/md.h"
#include "mbedtls/x509.h"
#include "sg_sign.h"

static void sg_facts_time(const cJSON *v, char *out, size_t size) {
  if (!cJSON_IsNumber(v)) {
    (void)snprintf(out, size, "none");
    return;
  }
  const time_t t = (time_t)v->valuedouble;
  struct tm tm;
  if (gmtime_r(&t, &tm) == NULL) {
    (void)snprintf(out, size, "%.0f", v->valuedouble);
    return;
  }
  (void)strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
}

static char *sg_b64u_text(const char *b64, size_t n) {
  uint8_t *raw = NULL;
  size_t len = 0;
  if (sg_b64_decode_alloc(b64, n, 1, &raw, &len) != 0) {
    return NULL;
  }
  char *s = realloc(raw, len + 1);
  if (s == NULL) {
    free(raw);
    return NULL;
  }
  s[len] = '\0';
  return s;
}

/* One signer from a protected header (base64url). */
static void sg_facts_signer(const char *h64, size_t n, const mbedtls_x509_crt *given,
                            sg_signer_facts *f) {
  char *htext = sg_b64u_text(h64, n);
  cJSON *h = htext != NULL ? cJSON_Parse(htext) : NULL;
  free(htext);
  const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
  const cJSON *x5t = cJSON_GetObjectItemCaseSensitive(h, "x5t#S256");
  const cJSON *x5c = cJSON_GetObjectItemCaseSensitive(h, "x5c");
  (void)snprintf(f->alg, sizeof f->alg, "%s", cJSON_IsString(alg) ? alg->valuestring : "?");
  (void)snprintf(f->subject, sizeof f->subject, "(not in the profile: no x5c)");
  f->fingerprint[0] = '\0';
  uint8_t t[32];
  size_t tl = 0;
  if (cJSON_IsString(x5t) &&
      sg_b64_decode(SG_B64_URL, x5t->valuestring, strlen(x5t->valuestring), t, sizeof t, &tl,
                    SG_ERR_HEADER) == SG_OK &&
      tl == 32) {
    for (size_t i = 0; i < 32; i++) {
      (void)snprintf(f->fingerprint + 3 * i, 4, i == 31 ? "%02X" : "%02X:", t[i]);
    }
  }
  /* The subject: x5c[0], or the certificate given, if its hash is x5t#S256. */
  mbedtls_x509_crt first;
  mbedtls_x509_crt_init(&first);
  const mbedtls_x509_crt *c = NULL;
  const cJSON *c0 = cJSON_GetArrayItem(x5c, 0);
  uint8_t *der = NULL;
  size_t der_len = 0;
  if (cJSON_IsString(c0) &&
      sg_b64_decode_alloc(c0->valuestring, strlen(c0->valuestring), 0, &der, &der_len) == 0 &&
      mbedtls_x509_crt_parse_der(&first, der, der_len) == 0) {
    c = &first;
  } else if (given != NULL) {
    c = given;
  }
  uint8_t hash[32];
  if (c != NULL && tl == 32 &&
      mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), c->raw.p, c->raw.len, hash) == 0 &&
      memcmp(hash, t, 32) == 0) {
    if (mbedtls_x509_dn_gets(f->subject, sizeof f->subject, &c->subject) < 0) {
      (void)snprintf(f->subject, sizeof f->subject, "(unprintable)");
    }
  }
  free(der);
  mbedtls_x509_crt_free(&first);
  cJSON_Delete(h);
}

/* "TurnOnTrustedMode (ca), Wifi" and "models TC52; serials 1, 2". */
static void sg_facts_actions(const cJSON *p, sg_facts *f) {
  const cJSON *a;
  size_t used = 0;
  f->does[0] = '\0';
  cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(p, "actions")) {
    const cJSON *csp = cJSON_GetObjectItemCaseSensitive(a, "csp");
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(a, "action");
    const cJSON *anchor = cJSON_GetObjectItemCaseSensitive(a, "anchor");
    char one[160];
    if (cJSON_IsString(csp) && strcmp(csp->valuestring, "Batch") == 0) {
      (void)snprintf(one, sizeof one, "%s%s%s%s", cJSON_IsString(act) ? act->valuestring : "?",
                     cJSON_IsString(anchor) ? " (" : "",
                     cJSON_IsString(anchor) ? anchor->valuestring : "",
                     cJSON_IsString(anchor) ? ")" : "");
    } else {
      (void)snprintf(one, sizeof one, "%s", cJSON_IsString(csp) ? csp->valuestring : "?");
    }
    const int n = snprintf(f->does + used, sizeof f->does - used, "%s%s", used ? ", " : "", one);
    if (n < 0 || (size_t)n >= sizeof f->does - used) {
      break;
    }
    used += (size_t)n;
  }
  const cJSON *target = cJSON_GetObjectItemCaseSensitive(p, "target");
  used = 0;
  (void)snprintf(f->target, sizeof f->target, "every device");
  const cJSON *list;
  cJSON_ArrayForEach(list, target) {
    int n = snprintf(f->target + used, sizeof f->target - used, "%s%s ", used ? "; " : "",
                     list->string);
    const cJSON *v;
    int k = 0;
    cJSON_ArrayForEach(v, list) {
      if (n < 0 || (size_t)n >= sizeof f->target - used) {
        break;
      }
      used += (size_t)n;
      n = snprintf(f->target + used, sizeof f->target - used, "%s%s", k++ ? ", " : "",
                   cJSON_IsString(v) ? v->valuestring : "?");
    }
    if (n < 0 || (size_t)n >= sizeof f->target - used) {
      break;
    }
    used += (size_t)n;
  }
}

int sg_profile_facts(const uint8_t *text, size_t len, const mbedtls_x509_crt *given,
                     sg_facts *f) {
  memset(f, 0, sizeof *f);
  size_t dots = 0;
  for (size_t i = 0; i < len; i++) {
    dots += text[i] == '.';
  }
  if (len > 0 && text[0] != '{' && dots == 4) {
    /* An encrypted profile: what it does is the secret; say only that. */
    f->encrypted = 1;
    (void)snprintf(f->name, sizeof f->name, "Encrypted profile");
    (void)snprintf(f->does, sizeof f->does, "(encrypted)");
    (void)snprintf(f->target, sizeof f->target, "devices holding the fleet key");
    (void)snprintf(f->seq, sizeof f->seq, "-");
    (void)snprintf(f->iat, sizeof f->iat, "-");
    (void)snprintf(f->exp, sizeof f->exp, "-");
    return SG_EXIT_OK;
  }
  cJSON *root = NULL, *payload = NULL;
  char *ptext = NULL;
  if (len > 0 && text[0] == '{') {
    root = cJSON_ParseWithLength((const char *)text, len);
    const cJSON *p64 = cJSON_GetObjectItemCaseSensitive(root, "payload");
    const cJSON *sigs = cJSON_GetObjectItemCaseSensitive(root, "signatures");
    if (cJSON_IsString(p64) && cJSON_IsArray(sigs)) {
      ptext = sg_b64u_text(p64->valuestring, strlen(p64->valuestring));
      payload = ptext != NULL ? cJSON_Parse(ptext) : NULL;
      const cJSON *s;
      cJSON_ArrayForEach(s, sigs) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(s, "protected");
        if (cJSON_IsString(h) && f->n_signers < 2) {
          sg_facts_signer(h->valuestring, strlen(h->valuestring), given,
                          &f->signers[f->n_signers++]);
        }
      }
    } else {
      payload = root;
      root = NULL;
    }
  } else {
    const uint8_t *d1 = memchr(text, '.', len);
    const uint8_t *d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - text)) : NULL;
    if (d2 != NULL) {
      sg_facts_signer((const char *)text, (size_t)(d1 - text), given, &f->signers[0]);
      f->n_signers = 1;
      ptext = sg_b64u_text((const char *)d1 + 1, (size_t)(d2 - d1 - 1));
      payload = ptext != NULL ? cJSON_Parse(ptext) : NULL;
    }
  }
  int ret = SG_EXIT_OK;
  if (!cJSON_IsObject(payload)) {
    ret = sg_fail("not a profile: no JSON payload");
  } else {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(payload, "name");
    (void)snprintf(f->name, sizeof f->name, "%s",
                   cJSON_IsString(name) ? name->valuestring : "(no name)");
    sg_facts_actions(payload, f);
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(payload, "seq");
    if (cJSON_IsNumber(seq)) {
      (void)snprintf(f->seq, sizeof f->seq, "%.0f", seq->valuedouble);
    } else {
      (void)snprintf(f->seq, sizeof f->seq, "none");
    }
    sg_facts_time(cJSON_GetObjectItemCaseSensitive(payload, "iat"), f->iat, sizeof f->iat);
    sg_facts_time(cJSON_GetObjectItemCaseSensitive(payload, "exp"), f->exp, sizeof f->exp);
  }
  cJSON_Delete(root);
  cJSON_Delete(payload);
  free(ptext);
  return ret;
}

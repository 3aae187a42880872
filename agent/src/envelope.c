#include "envelope.h"

#include <string.h>

#include "b64.h"
#include "json.h"
#include "keyscreen.h"
#include "stagegate/errors.h"

static const char sg_typ[] = "stagegate-profile+jws";

/* Copy s[0..n) into the arena with a NUL. */
static const char *sg_arena_strdup(sg_arena *a, const char *s, size_t n) {
  char *d = (char *)sg_arena_alloc(a, n + 1);
  if (d != NULL) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

/* base64(url) text -> bytes in the arena. */
static int sg_decode_to_arena(sg_arena *a, sg_b64_alphabet alph, const char *in, size_t n,
                              int fmt_err, const uint8_t **out, size_t *out_len) {
  const size_t cap = SG_B64_DECODED_MAX(n);
  uint8_t *buf = sg_arena_alloc(a, cap + 1);
  if (buf == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  const int ret = sg_b64_decode(alph, in, n, buf, cap, out_len, fmt_err);
  if (ret == SG_OK) {
    buf[*out_len] = 0;
    a->used -= cap - *out_len; /* give back what the decoding did not need */
    *out = buf;
  }
  return ret;
}

/* "kid" is free text in RFC 7515; here a short printable hint (it is
 * shown in logs), screened for key material like everything else. */
#define SG_MAX_KID 128
static int sg_header_kid(const cJSON *m) {
  if (!cJSON_IsString(m)) {
    return SG_ERR_HEADER;
  }
  const size_t n = strlen(m->valuestring);
  const int screened = sg_keyscreen_text(m->valuestring, n, NULL, 0);
  if (screened != SG_OK) {
    return screened; /* a key says so, whatever else is wrong */
  }
  if (n == 0 || n > SG_MAX_KID) {
    return SG_ERR_HEADER;
  }
  for (size_t i = 0; i < n; i++) {
    const unsigned char c = (unsigned char)m->valuestring[i];
    if (c < 0x20 || c > 0x7e) {
      return SG_ERR_HEADER;
    }
  }
  return SG_OK;
}

static int sg_header_x5c(const cJSON *v, sg_arena *a, sg_jws_signature *s) {
  const int n = cJSON_GetArraySize(v);
  if (!cJSON_IsArray(v) || n < 1) {
    return SG_ERR_HEADER;
  }
  if (n > SG_MAX_X5C) {
    return SG_ERR_TOO_LARGE;
  }
  unsigned i = 0;
  for (const cJSON *c = v->child; c != NULL; c = c->next, i++) {
    if (!cJSON_IsString(c)) {
      return SG_ERR_HEADER;
    }
    int ret = sg_decode_to_arena(a, SG_B64_STD, c->valuestring, strlen(c->valuestring),
                                 SG_ERR_HEADER, &s->x5c[i], &s->x5c_len[i]);
    /* Every entry, not only the leaf the signer uses, must be exactly one
     * certificate: nothing the agent accepts carries what it never read. */
    if (ret == SG_OK) {
      ret = sg_keyscreen_bytes(s->x5c[i], s->x5c_len[i]);
    }
    if (ret == SG_OK) {
      ret = sg_cert_check_der(s->x5c[i], s->x5c_len[i]);
    }
    if (ret != SG_OK) {
      return ret;
    }
  }
  s->x5c_count = i;
  return SG_OK;
}

/* Decode and check one protected header. */
static int sg_header_parse(const char *b64, size_t n, sg_arena *a, sg_jws_signature *s) {
  int ret = SG_ERR_HEADER;
  const uint8_t *json = NULL;
  size_t json_len = 0;
  cJSON *h = NULL;
  ret = sg_decode_to_arena(a, SG_B64_URL, b64, n, SG_ERR_HEADER, &json, &json_len);
  if (ret != SG_OK) {
    return ret;
  }
  ret = sg_json_parse((const char *)json, json_len, SG_ERR_HEADER, &h);
  if (ret != SG_OK) {
    return ret;
  }
  /* alg first: "none" or HS256 must read as an algorithm refusal. */
  const cJSON *alg = sg_json_member(h, "alg");
  if (!cJSON_IsString(alg)) {
    ret = SG_ERR_HEADER;
    goto out;
  }
  ret = sg_alg_parse(alg->valuestring, strlen(alg->valuestring), &s->alg);
  if (ret != SG_OK) {
    goto out;
  }
  ret = SG_ERR_HEADER;
  int have_typ = 0;
  int have_x5t = 0;
  for (const cJSON *m = h->child; m != NULL; m = m->next) {
    if (strcmp(m->string, "alg") == 0) {
      if (!cJSON_IsString(m)) {
        goto out;
      }
    } else if (strcmp(m->string, "kid") == 0) {
      const int rc = sg_header_kid(m);
      if (rc != SG_OK) {
        ret = rc;
        goto out;
      }
    } else if (strcmp(m->string, "typ") == 0) {
      if (!cJSON_IsString(m) || strcmp(m->valuestring, sg_typ) != 0) {
        goto out;
      }
      have_typ = 1;
    } else if (strcmp(m->string, "x5t#S256") == 0) {
      size_t got = 0;
      if (!cJSON_IsString(m) ||
          sg_b64_decode(SG_B64_URL, m->valuestring, strlen(m->valuestring), s->x5t,
                        sizeof s->x5t, &got, SG_ERR_HEADER) != SG_OK ||
          got != sizeof s->x5t) {
        goto out;
      }
      have_x5t = 1;
    } else if (strcmp(m->string, "x5c") == 0) {
      const int rc = sg_header_x5c(m, a, s);
      if (rc != SG_OK) {
        ret = rc;
        goto out;
      }
    } else {
      /* crit, jku, jwk, x5u, b64, and anything we do not know. */
      goto out;
    }
  }
  if (have_typ && have_x5t) {
    ret = SG_OK;
  }
out:
  cJSON_Delete(h);
  return ret;
}

static int sg_signature_decode(sg_arena *a, const char *b64, size_t n, sg_jws_signature *s) {
  if (n == 0) {
    return SG_ERR_FORMAT;
  }
  return sg_decode_to_arena(a, SG_B64_URL, b64, n, SG_ERR_FORMAT, &s->sig, &s->sig_len);
}

static int sg_payload_decode(sg_arena *a, sg_envelope *env) {
  const uint8_t *p = NULL;
  if (env->payload_b64_len == 0) {
    return SG_ERR_FORMAT;
  }
  const int ret = sg_decode_to_arena(a, SG_B64_URL, env->payload_b64, env->payload_b64_len,
                                     SG_ERR_FORMAT, &p, &env->payload_len);
  env->payload = (const char *)p;
  return ret;
}

/* header.payload.signature */
static int sg_parse_compact(const char *t, size_t len, sg_arena *a, sg_envelope *env) {
  int ret = SG_ERR_FORMAT;
  const char *dot1 = memchr(t, '.', len);
  if (dot1 == NULL) {
    return SG_ERR_FORMAT;
  }
  const char *rest = dot1 + 1;
  const char *dot2 = memchr(rest, '.', len - (size_t)(rest - t));
  if (dot2 == NULL) {
    return SG_ERR_FORMAT;
  }
  const char *sig = dot2 + 1;
  const size_t sig_n = len - (size_t)(sig - t);
  if (memchr(sig, '.', sig_n) != NULL) {
    return SG_ERR_FORMAT; /* JWE (five parts) or junk */
  }
  sg_jws_signature *s = &env->sigs[0];
  s->protected_b64 = t;
  s->protected_len = (size_t)(dot1 - t);
  env->payload_b64 = rest;
  env->payload_b64_len = (size_t)(dot2 - rest);
  env->nsig = 1;
  ret = sg_header_parse(s->protected_b64, s->protected_len, a, s);
  if (ret == SG_OK) {
    ret = sg_signature_decode(a, sig, sig_n, s);
  }
  if (ret == SG_OK) {
    ret = sg_payload_decode(a, env);
  }
  return ret;
}

/* {"payload": "...", "signatures": [{"protected": "...", "signature": "..."}]} */
static int sg_parse_general(cJSON *root, sg_arena *a, sg_envelope *env) {
  int ret = SG_ERR_FORMAT;
  const cJSON *payload = sg_json_member(root, "payload");
  const cJSON *sigs = sg_json_member(root, "signatures");
  if (!cJSON_IsString(payload) || !cJSON_IsArray(sigs) || cJSON_GetArraySize(root) != 2) {
    return SG_ERR_FORMAT;
  }
  const int n = cJSON_GetArraySize(sigs);
  if (n < 1 || n > SG_MAX_SIGNATURES) {
    return SG_ERR_FORMAT;
  }
  env->payload_b64_len = strlen(payload->valuestring);
  env->payload_b64 = sg_arena_strdup(a, payload->valuestring, env->payload_b64_len);
  if (env->payload_b64 == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  unsigned i = 0;
  for (const cJSON *e = sigs->child; e != NULL; e = e->next, i++) {
    sg_jws_signature *s = &env->sigs[i];
    const cJSON *prot = sg_json_member(e, "protected");
    const cJSON *sig = sg_json_member(e, "signature");
    if (!cJSON_IsObject(e)) {
      return SG_ERR_FORMAT;
    }
    if (sg_json_member(e, "header") != NULL) {
      return SG_ERR_HEADER; /* unprotected parameters are not signed: refuse */
    }
    if (!cJSON_IsString(prot) || !cJSON_IsString(sig) || cJSON_GetArraySize(e) != 2) {
      return SG_ERR_FORMAT;
    }
    s->protected_len = strlen(prot->valuestring);
    s->protected_b64 = sg_arena_strdup(a, prot->valuestring, s->protected_len);
    if (s->protected_b64 == NULL) {
      return SG_ERR_TOO_LARGE;
    }
    ret = sg_header_parse(s->protected_b64, s->protected_len, a, s);
    if (ret == SG_OK) {
      ret = sg_signature_decode(a, sig->valuestring, strlen(sig->valuestring), s);
    }
    if (ret != SG_OK) {
      return ret;
    }
  }
  env->nsig = i;
  return sg_payload_decode(a, env);
}

int sg_envelope_parse(const uint8_t *text, size_t len, sg_arena *arena, sg_envelope *env) {
  int ret = SG_ERR_FORMAT;
  if (text == NULL || arena == NULL || env == NULL) {
    return SG_ERR_ARG;
  }
  memset(env, 0, sizeof *env);
  if (len == 0) {
    return SG_ERR_FORMAT;
  }
  const char *t = (const char *)text;
  if (t[0] != '{') {
    env->is_signed = 1;
    return sg_parse_compact(t, len, arena, env);
  }
  /* JSON: a General-serialization JWS, or a bare (unsigned) profile. */
  cJSON *root = NULL;
  ret = sg_json_parse(t, len, SG_ERR_PROFILE_FORMAT, &root);
  if (ret != SG_OK) {
    return ret;
  }
  if (sg_json_member(root, "signatures") != NULL || sg_json_member(root, "payload") != NULL) {
    env->is_signed = 1;
    ret = sg_parse_general(root, arena, env);
  } else {
    env->payload = sg_arena_strdup(arena, t, len);
    env->payload_len = len;
    ret = env->payload != NULL ? SG_OK : SG_ERR_TOO_LARGE;
  }
  cJSON_Delete(root);
  return ret;
}

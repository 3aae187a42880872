#include "profile.h"

#include <string.h>

#include "b64.h"
#include "stagegate/config.h"
#include "stagegate/errors.h"

/* Top-level members the format defines; anything else is rejected. */
static const char *const sg_profile_keys[] = {"stagegate", "name", "seq", "iat",
                                              "exp", "target", "actions"};

static int sg_key_allowed(const char *k, const char *const *allowed, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(k, allowed[i]) == 0) {
      return 1;
    }
  }
  return 0;
}

/* DER length at p (short or long form, up to 3 length bytes). */
static int sg_der_len(const uint8_t **p, const uint8_t *end, size_t *len) {
  if (*p >= end) {
    return 0;
  }
  size_t n = *(*p)++;
  if (n & 0x80u) {
    const size_t k = n & 0x7fu;
    if (k == 0 || k > 3 || (size_t)(end - *p) < k) {
      return 0;
    }
    n = 0;
    for (size_t i = 0; i < k; i++) {
      n = (n << 8) | *(*p)++;
    }
  }
  *len = n;
  return 1;
}

int sg_der_is_private_key(const uint8_t *der, size_t len) {
  const uint8_t *p = der;
  const uint8_t *end = der + len;
  size_t n = 0;
  /* SEQUENCE { INTEGER 0|1, (SEQUENCE | INTEGER | OCTET STRING) ... }:
   * PKCS#8 PrivateKeyInfo, PKCS#1 RSAPrivateKey, SEC1 ECPrivateKey. A
   * certificate starts SEQUENCE { SEQUENCE ... } and never matches. */
  if (len < 8 || *p++ != 0x30 || !sg_der_len(&p, end, &n)) {
    return 0;
  }
  if ((size_t)(end - p) < 5 || p[0] != 0x02 || p[1] != 0x01 || p[2] > 1) {
    return 0;
  }
  p += 3;
  return *p == 0x30 || *p == 0x02 || *p == 0x04;
}

/* Keys never travel to devices: a PEM key block anywhere, or any base64
 * string that decodes to a private key, rejects the whole profile. */
static int sg_scan_private_keys(const cJSON *node, sg_arena *a) {
  for (const cJSON *c = node->child; c != NULL; c = c->next) {
    if (cJSON_IsString(c)) {
      const char *s = c->valuestring;
      const size_t n = strlen(s);
      if (strstr(s, "PRIVATE KEY") != NULL) {
        return SG_ERR_PRIVATE_KEY;
      }
      if (n >= 64) {
        const size_t mark = a->used;
        const size_t cap = SG_B64_DECODED_MAX(n);
        uint8_t *buf = sg_arena_alloc(a, cap);
        size_t got = 0;
        const int is_key = buf != NULL &&
                           sg_b64_decode(SG_B64_STD, s, n, buf, cap, &got, SG_ERR_FORMAT) == SG_OK &&
                           sg_der_is_private_key(buf, got);
        a->used = mark;
        if (is_key) {
          return SG_ERR_PRIVATE_KEY;
        }
      }
    } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
      const int ret = sg_scan_private_keys(c, a);
      if (ret != SG_OK) {
        return ret;
      }
    }
  }
  return SG_OK;
}

static int sg_string_list_ok(const cJSON *v) {
  const int n = cJSON_GetArraySize(v);
  if (!cJSON_IsArray(v) || n < 1 || n > SG_MAX_TARGETS) {
    return 0;
  }
  for (const cJSON *c = v->child; c != NULL; c = c->next) {
    if (!cJSON_IsString(c) || c->valuestring[0] == '\0') {
      return 0;
    }
  }
  return 1;
}

static int sg_target_ok(const cJSON *t) {
  if (!cJSON_IsObject(t) || t->child == NULL) {
    return 0;
  }
  for (const cJSON *m = t->child; m != NULL; m = m->next) {
    if ((strcmp(m->string, "models") != 0 && strcmp(m->string, "serials") != 0) ||
        !sg_string_list_ok(m)) {
      return 0;
    }
  }
  return 1;
}

static int sg_anchor_mode_parse(const cJSON *v, sg_anchor_mode *mode) {
  if (v == NULL) {
    *mode = SG_ANCHOR_PINNED; /* the safer default */
    return 1;
  }
  if (!cJSON_IsString(v)) {
    return 0;
  }
  if (strcmp(v->valuestring, "pinned") == 0) {
    *mode = SG_ANCHOR_PINNED;
  } else if (strcmp(v->valuestring, "ca") == 0) {
    *mode = SG_ANCHOR_CA;
  } else {
    return 0;
  }
  return 1;
}

/* A Batch action: the agent's own. Exactly the members each one defines. */
static int sg_batch_action(const cJSON *act, sg_arena *a, sg_profile *p) {
  static const char *const on_keys[] = {"csp", "action", "certificate", "anchor"};
  static const char *const off_keys[] = {"csp", "action"};
  static const char *const rot_keys[] = {"csp", "action", "certificate", "activate_at", "anchor"};
  const cJSON *name = sg_json_member(act, "action");
  const char *const *keys = NULL;
  size_t nkeys = 0;
  sg_trust_action kind = SG_TRUST_ACTION_NONE;
  if (!cJSON_IsString(name)) {
    return SG_ERR_ACTION_ARGS;
  }
  if (strcmp(name->valuestring, "TurnOnTrustedMode") == 0) {
    kind = SG_TRUST_ACTION_TURN_ON;
    keys = on_keys;
    nkeys = sizeof on_keys / sizeof on_keys[0];
  } else if (strcmp(name->valuestring, "TurnOffTrustedMode") == 0) {
    kind = SG_TRUST_ACTION_TURN_OFF;
    keys = off_keys;
    nkeys = sizeof off_keys / sizeof off_keys[0];
  } else if (strcmp(name->valuestring, "RecoverTrust") == 0) {
    kind = SG_TRUST_ACTION_RECOVER; /* same members as TurnOff */
    keys = off_keys;
    nkeys = sizeof off_keys / sizeof off_keys[0];
  } else if (strcmp(name->valuestring, "RotateTrustedCertificate") == 0) {
    kind = SG_TRUST_ACTION_ROTATE;
    keys = rot_keys;
    nkeys = sizeof rot_keys / sizeof rot_keys[0];
  } else {
    return SG_ERR_UNSUPPORTED_ACTION;
  }
  if (p->trust_action != SG_TRUST_ACTION_NONE) {
    return SG_ERR_ACTION_ARGS; /* one trust change per profile */
  }
  for (const cJSON *m = act->child; m != NULL; m = m->next) {
    if (!sg_key_allowed(m->string, keys, nkeys)) {
      return SG_ERR_ACTION_ARGS;
    }
  }
  p->trust_action = kind;
  if (kind == SG_TRUST_ACTION_TURN_OFF || kind == SG_TRUST_ACTION_RECOVER) {
    return SG_OK;
  }
  const cJSON *cert = sg_json_member(act, "certificate");
  if (!cJSON_IsString(cert) || !sg_anchor_mode_parse(sg_json_member(act, "anchor"), &p->anchor_mode)) {
    return SG_ERR_ACTION_ARGS;
  }
  const size_t n = strlen(cert->valuestring);
  const size_t cap = SG_B64_DECODED_MAX(n);
  uint8_t *der = sg_arena_alloc(a, cap);
  if (der == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  int ret = sg_b64_decode(SG_B64_STD, cert->valuestring, n, der, cap, &p->cert_len, SG_ERR_ACTION_ARGS);
  if (ret != SG_OK) {
    return ret;
  }
  if (sg_der_is_private_key(der, p->cert_len)) {
    return SG_ERR_PRIVATE_KEY;
  }
  if (p->cert_len == 0 || p->cert_len > SG_MAX_CERT) {
    return p->cert_len == 0 ? SG_ERR_ACTION_ARGS : SG_ERR_TOO_LARGE;
  }
  p->cert = der;
  if (kind == SG_TRUST_ACTION_ROTATE && !sg_json_uint53(sg_json_member(act, "activate_at"), &p->activate_at)) {
    return SG_ERR_ACTION_ARGS;
  }
  return SG_OK;
}

static int sg_actions_parse(const cJSON *actions, sg_arena *a, sg_profile *p) {
  const int n = cJSON_GetArraySize(actions);
  if (!cJSON_IsArray(actions) || n < 1 || n > SG_MAX_ACTIONS) {
    return SG_ERR_PROFILE_FORMAT;
  }
  for (const cJSON *act = actions->child; act != NULL; act = act->next) {
    const cJSON *csp = sg_json_member(act, "csp");
    if (!cJSON_IsObject(act) || !cJSON_IsString(csp) || csp->valuestring[0] == '\0') {
      return SG_ERR_PROFILE_FORMAT;
    }
    if (strcmp(csp->valuestring, "Batch") == 0) {
      const int ret = sg_batch_action(act, a, p);
      if (ret != SG_OK) {
        return ret;
      }
    }
  }
  return SG_OK;
}

static int sg_profile_fields(sg_profile *p, sg_arena *a) {
  const cJSON *root = p->root;
  for (const cJSON *m = root->child; m != NULL; m = m->next) {
    if (!sg_key_allowed(m->string, sg_profile_keys, sizeof sg_profile_keys / sizeof sg_profile_keys[0])) {
      return SG_ERR_PROFILE_FORMAT;
    }
  }
  const cJSON *ver = sg_json_member(root, "stagegate");
  if (!cJSON_IsNumber(ver)) {
    return SG_ERR_PROFILE_FORMAT;
  }
  if (ver->valuedouble != 1.0) {
    return SG_ERR_PROFILE_VERSION;
  }
  const cJSON *name = sg_json_member(root, "name");
  if (!cJSON_IsString(name) || name->valuestring[0] == '\0' || strlen(name->valuestring) > SG_MAX_NAME) {
    return SG_ERR_PROFILE_FORMAT;
  }
  for (const char *c = name->valuestring; *c != '\0'; c++) {
    if ((unsigned char)*c < 0x20 || *c == 0x7f) {
      return SG_ERR_PROFILE_FORMAT; /* it is printed in logs and on screens */
    }
  }
  p->name = name->valuestring;
  const cJSON *v;
  if ((v = sg_json_member(root, "seq")) != NULL && !(p->has_seq = sg_json_uint53(v, &p->seq))) {
    return SG_ERR_PROFILE_FORMAT;
  }
  if ((v = sg_json_member(root, "iat")) != NULL && !(p->has_iat = sg_json_uint53(v, &p->iat))) {
    return SG_ERR_PROFILE_FORMAT;
  }
  if ((v = sg_json_member(root, "exp")) != NULL && !(p->has_exp = sg_json_uint53(v, &p->exp))) {
    return SG_ERR_PROFILE_FORMAT;
  }
  if ((v = sg_json_member(root, "target")) != NULL && !sg_target_ok(v)) {
    return SG_ERR_PROFILE_FORMAT;
  }
  p->target = v;
  p->actions = sg_json_member(root, "actions");
  int ret = sg_scan_private_keys(root, a);
  if (ret == SG_OK) {
    ret = sg_actions_parse(p->actions, a, p);
  }
  return ret;
}

int sg_profile_parse(const char *json, size_t len, sg_arena *arena, sg_profile *p) {
  int ret = SG_ERR_PROFILE_FORMAT;
  if (json == NULL || arena == NULL || p == NULL) {
    return SG_ERR_ARG;
  }
  memset(p, 0, sizeof *p);
  ret = sg_json_parse(json, len, SG_ERR_PROFILE_FORMAT, &p->root);
  if (ret != SG_OK) {
    return ret;
  }
  ret = sg_profile_fields(p, arena);
  if (ret != SG_OK) {
    sg_profile_free(p);
  }
  return ret;
}

void sg_profile_free(sg_profile *p) {
  if (p != NULL) {
    cJSON_Delete(p->root);
    memset(p, 0, sizeof *p);
  }
}

static int sg_list_has(const cJSON *list, const char *s) {
  if (list == NULL) {
    return 1; /* no constraint of this kind */
  }
  if (s == NULL) {
    return 0;
  }
  for (const cJSON *c = list->child; c != NULL; c = c->next) {
    if (strcmp(c->valuestring, s) == 0) {
      return 1;
    }
  }
  return 0;
}

int sg_profile_check_target(const sg_profile *p, const sg_identity *id) {
  if (p->target == NULL) {
    return SG_OK;
  }
  const sg_identity none = {NULL, NULL};
  const sg_identity *me = id != NULL ? id : &none;
  if (sg_list_has(sg_json_member(p->target, "models"), me->model) &&
      sg_list_has(sg_json_member(p->target, "serials"), me->serial)) {
    return SG_OK;
  }
  return SG_ERR_NOT_FOR_DEVICE;
}

#include "profile.h"

#include <string.h>

#include "b64.h"
#include "keyscreen.h"
#include "sg_crypto_api.h"
#include "stagegate/config.h"
#include "stagegate/errors.h"

/* Top-level members the format defines; anything else is rejected. */
static const char *const sg_profile_keys[] = {"stagegate", "name", "seq", "iat",
                                              "exp", "target", "actions"};

/* Members the agent reads as integers: integer literals only (ijson.h). */
static const sg_ijson_int_path sg_profile_ints[] = {
    {{"stagegate"}, 1}, {{"seq"}, 1}, {{"iat"}, 1}, {{"exp"}, 1},
    {{"actions", "[]", "activate_at"}, 3},
};

static int sg_key_allowed(const char *k, const char *const *allowed, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(k, allowed[i]) == 0) {
      return 1;
    }
  }
  return 0;
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

/* One argument of a Batch action, read as its table type says. */
static int sg_batch_arg_read(const sg_batch_arg *arg, const cJSON *v, sg_arena *a, sg_profile *p) {
  switch (arg->type) {
    case SG_ARG_ANCHOR_MODE:
      p->anchor_mode = cJSON_IsString(v) ? sg_batch_anchor_mode(v->valuestring) : SG_ANCHOR_NONE;
      return p->anchor_mode != SG_ANCHOR_NONE ? SG_OK : SG_ERR_ACTION_ARGS;
    case SG_ARG_UNIX_TIME:
      return sg_json_uint53(v, &p->activate_at) ? SG_OK : SG_ERR_ACTION_ARGS;
    case SG_ARG_CERTIFICATE: {
      if (!cJSON_IsString(v)) {
        return SG_ERR_ACTION_ARGS;
      }
      const size_t n = strlen(v->valuestring);
      const size_t cap = SG_B64_DECODED_MAX(n);
      uint8_t *der = sg_arena_alloc(a, cap);
      if (der == NULL) {
        return SG_ERR_TOO_LARGE;
      }
      int ret =
          sg_b64_decode(SG_B64_STD, v->valuestring, n, der, cap, &p->cert_len, SG_ERR_ACTION_ARGS);
      if (ret != SG_OK) {
        return ret;
      }
      ret = sg_keyscreen_bytes(der, p->cert_len); /* fails closed (keyscreen.c) */
      if (ret != SG_OK) {
        return ret;
      }
      if (p->cert_len == 0 || p->cert_len > SG_MAX_CERT) {
        return p->cert_len == 0 ? SG_ERR_ACTION_ARGS : SG_ERR_TOO_LARGE;
      }
      if (!sg_der_is_one_sequence(der, p->cert_len)) {
        return SG_ERR_CERT_FORMAT; /* exactly one DER certificate: nothing after it */
      }
      p->cert = der;
      return SG_OK;
    }
  }
  return SG_ERR_ACTION_ARGS;
}

/* A Batch action: the agent's own. Exactly the members its row of the
 * Batch table defines ("csp", "action" and the arguments), each of its type. */
static int sg_batch_action(const cJSON *act, sg_arena *a, sg_profile *p) {
  const cJSON *name = sg_json_member(act, "action");
  if (!cJSON_IsString(name)) {
    return SG_ERR_ACTION_ARGS;
  }
  const sg_batch_row *row = sg_batch_find(name->valuestring);
  if (row == NULL) {
    return SG_ERR_UNSUPPORTED_ACTION;
  }
  if (p->trust_action != SG_BATCH_NONE) {
    return SG_ERR_ACTION_ARGS; /* one trust change per profile */
  }
  for (const cJSON *m = act->child; m != NULL; m = m->next) {
    if (strcmp(m->string, "csp") != 0 && strcmp(m->string, "action") != 0 &&
        sg_batch_arg_find(row, m->string) == NULL) {
      return SG_ERR_ACTION_ARGS;
    }
  }
  p->trust_action = row->kind;
  p->batch = row;
  p->anchor_mode = SG_ANCHOR_PINNED; /* the safer default, when "anchor" is left out */
  /* Shape first (every required argument there), then each value: a
   * missing argument reads the same whatever the others hold. */
  for (unsigned i = 0; i < row->nargs; i++) {
    if (row->args[i].presence == SG_ARG_REQUIRED && sg_json_member(act, row->args[i].name) == NULL) {
      return SG_ERR_ACTION_ARGS;
    }
  }
  for (unsigned i = 0; i < row->nargs; i++) {
    const cJSON *v = sg_json_member(act, row->args[i].name);
    if (v == NULL) {
      continue;
    }
    const int ret = sg_batch_arg_read(&row->args[i], v, a, p);
    if (ret != SG_OK) {
      return ret;
    }
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
  p->batch = sg_batch_of(SG_BATCH_NONE);
  int ret = sg_keyscreen_json(root);
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
  ret = sg_json_parse_ints(json, len, sg_profile_ints, sizeof sg_profile_ints / sizeof sg_profile_ints[0],
                           SG_ERR_PROFILE_FORMAT, &p->root);
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

void sg_detail_no_handler(char *out, size_t cap, const char *csp) {
  static const char prefix[] = "no handler for CSP \"";
  size_t n = sizeof prefix - 1;
  if (cap < sizeof prefix + 5) {
    if (cap > 0) {
      out[0] = '\0';
    }
    return;
  }
  memcpy(out, prefix, n);
  const size_t room = cap - n - 2; /* closing quote and NUL */
  size_t len = strlen(csp);
  if (len > room) {
    len = room - 3;
    while (len > 0 && ((unsigned char)csp[len] & 0xC0u) == 0x80u) {
      len--; /* never cut a UTF-8 character in two */
    }
    memcpy(out + n, csp, len);
    memcpy(out + n + len, "...", 3);
    len += 3;
  } else {
    memcpy(out + n, csp, len);
  }
  n += len;
  out[n++] = '"';
  out[n] = '\0';
}

#include "json.h"

#include <string.h>

#include "ijson.h"

#include "sg_crypto_api.h"
#include "stagegate/errors.h"

/* Allocation failures seen by cJSON, so a parse that failed for want of
 * memory reads SG_ERR_NO_MEMORY rather than "malformed". Process-wide, like
 * the hooks themselves; the agent is single-threaded. */
static unsigned sg_json_alloc_failures;

static void *sg_json_malloc(size_t size) {
  void *p = sg_crypto_calloc(1, size);
  if (p == NULL) {
    sg_json_alloc_failures++;
  }
  return p;
}
static void sg_json_free(void *p) { sg_crypto_free(p); }

void sg_json_use_agent_allocator(void) {
  cJSON_Hooks hooks = {sg_json_malloc, sg_json_free};
  cJSON_InitHooks(&hooks);
}

void sg_json_restore_default_allocator(void) { cJSON_InitHooks(NULL); }

static int sg_json_is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* No duplicate member names in any object, at any depth. */
static int sg_json_unique_members(const cJSON *node) {
  for (const cJSON *c = node->child; c != NULL; c = c->next) {
    if (cJSON_IsObject(node)) {
      for (const cJSON *d = c->next; d != NULL; d = d->next) {
        if (strcmp(c->string, d->string) == 0) {
          return 0;
        }
      }
    }
    if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && !sg_json_unique_members(c)) {
      return 0;
    }
  }
  return 1;
}

int sg_json_parse_ints(const char *text, size_t len, const sg_ijson_int_path *ints, size_t count,
                       int fmt_err, cJSON **out) {
  int ret = fmt_err;
  const char *end = NULL;
  if (text == NULL || out == NULL) {
    return SG_ERR_ARG;
  }
  *out = NULL;
  /* I-JSON first: cJSON never sees a text two readers could disagree on. */
  if (sg_ijson_check(text, len, ints, count) != SG_IJSON_OK) {
    return fmt_err;
  }
  const unsigned failures_before = sg_json_alloc_failures;
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  if (root == NULL) {
    return sg_json_alloc_failures != failures_before ? SG_ERR_NO_MEMORY : fmt_err;
  }
  while (end != NULL && end < text + len && sg_json_is_ws(*end)) {
    end++;
  }
  if (end == text + len && cJSON_IsObject(root) && sg_json_unique_members(root)) {
    *out = root;
    ret = SG_OK;
  } else {
    cJSON_Delete(root);
  }
  return ret;
}

int sg_json_parse(const char *text, size_t len, int fmt_err, cJSON **out) {
  return sg_json_parse_ints(text, len, NULL, 0, fmt_err, out);
}

const cJSON *sg_json_member(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

int sg_json_uint53(const cJSON *v, uint64_t *out) {
  if (!cJSON_IsNumber(v)) {
    return 0;
  }
  const double d = v->valuedouble;
  if (!(d >= 0.0 && d < 9007199254740992.0)) { /* also false for NaN */
    return 0;
  }
  const uint64_t u = (uint64_t)d;
  if ((double)u != d) {
    return 0;
  }
  *out = u;
  return 1;
}

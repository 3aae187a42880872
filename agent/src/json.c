#include "json.h"

#include <string.h>

#include "ijson.h"

#include "sg_crypto_api.h"
#include "stagegate/errors.h"

/* Allocation failures seen by cJSON, so a parse that failed for want of
 * memory reads SG_ERR_NO_MEMORY rather than "malformed". Process-wide, like
 * the hooks themselves; the agent is single-threaded. */
static unsigned sg_json_alloc_failures;

/*
 * cJSON allocates once per node and once per string: a 2 KB profile makes
 * about 230 small allocations, and freeing them one by one cost about a
 * fifth of a decision's overhead over the bare signature check (issue 9's
 * bench), and 32 bytes of pool header each on Cortex-M. So within the
 * span, cJSON's allocations are carved from chunks of the crypto allocator
 * (bump, never freed one by one) and all chunks go at the end of the span.
 * A request that does not fit a chunk, or a chunk the pool cannot give,
 * falls back to one allocation of its own; free() tells the two apart by
 * address. Out of memory still reads as out of memory.
 */
#define SG_JSON_CHUNK 1024u

/* Under AddressSanitizer every carved object gets a poisoned redzone after
 * it, so an overrun is caught as it would be between heap objects. */
#if defined(__SANITIZE_ADDRESS__)
#define SG_JSON_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SG_JSON_ASAN 1
#endif
#endif
#ifdef SG_JSON_ASAN
#include <sanitizer/asan_interface.h>
#define SG_JSON_REDZONE 16u
#define SG_JSON_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define SG_JSON_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SG_JSON_REDZONE 0u
#define SG_JSON_POISON(p, n) ((void)(p), (void)(n))
#define SG_JSON_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

typedef struct sg_json_chunk {
  struct sg_json_chunk *next;
  size_t used;
  size_t cap;
  size_t pad; /* a header of 16 (32-bit) or 32 bytes: objects carved at multiples
               * of 16 from it keep the allocator's own alignment */
} sg_json_chunk;

static sg_json_chunk *sg_json_chunks; /* the span's chunks, newest first */
static unsigned sg_json_span_depth;   /* spans nest (an inner one frees nothing) */

static uint8_t *sg_json_chunk_data(sg_json_chunk *c) { return (uint8_t *)(c + 1); }

static void *sg_json_malloc(size_t size) {
  const size_t want = ((size + 15u) & ~(size_t)15u) + SG_JSON_REDZONE;
  sg_json_chunk *c = sg_json_chunks;
  void *p = NULL;
  if (want >= size && want <= SG_JSON_CHUNK / 4u) { /* small: from a chunk */
    if (c == NULL || c->cap - c->used < want) {
      sg_json_chunk *n = sg_crypto_calloc(1, sizeof *n + SG_JSON_CHUNK);
      if (n != NULL) {
        n->cap = SG_JSON_CHUNK;
        n->next = c;
        SG_JSON_POISON(sg_json_chunk_data(n), SG_JSON_CHUNK);
        sg_json_chunks = n;
        c = n;
      }
    }
    if (c != NULL && c->cap - c->used >= want) {
      p = sg_json_chunk_data(c) + c->used;
      c->used += want;
      SG_JSON_UNPOISON(p, size); /* zero already: chunks are calloc'd, never reused */
      return p;
    }
  }
  p = sg_crypto_calloc(1, size);
  if (p == NULL) {
    sg_json_alloc_failures++;
  }
  return p;
}

static void sg_json_free(void *p) {
  const uintptr_t a = (uintptr_t)p;
  for (sg_json_chunk *c = sg_json_chunks; c != NULL; c = c->next) {
    const uintptr_t start = (uintptr_t)sg_json_chunk_data(c);
    if (a >= start && a < start + c->cap) {
      return; /* goes with its chunk at the end of the span */
    }
  }
  sg_crypto_free(p);
}

void sg_json_use_agent_allocator(void) {
  cJSON_Hooks hooks = {sg_json_malloc, sg_json_free};
  cJSON_InitHooks(&hooks);
  sg_json_span_depth++;
}

void sg_json_restore_default_allocator(void) {
  if (sg_json_span_depth > 0 && --sg_json_span_depth > 0) {
    return;
  }
  while (sg_json_chunks != NULL) {
    sg_json_chunk *next = sg_json_chunks->next;
    SG_JSON_UNPOISON(sg_json_chunk_data(sg_json_chunks), sg_json_chunks->cap);
    sg_crypto_free(sg_json_chunks);
    sg_json_chunks = next;
  }
  cJSON_InitHooks(NULL);
}

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

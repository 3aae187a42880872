/*
 * The tap (see sg_agent_session.h): a scanner over another scanner that
 * remembers the symbol it last handed out and, given a seen-set, skips
 * symbols already read in this run. Used by `scan`, where one run is one
 * look at a pile of images: a `stagegate-sign render` folder holds each
 * symbol twice (its own PNG and the sheet), and feeding a complete set
 * twice would apply the profile twice.
 */
#include <stdlib.h>
#include <string.h>

#include "sg_agent_session.h"
#include "sg_crypto.h"

/* 1 if `d` was seen before; else remembers it (when memory allows) and 0. */
static int sg_seen_check(sg_seen *s, const uint8_t d[32]) {
  for (size_t i = 0; i < s->n; i++) {
    if (memcmp(s->digest[i], d, 32) == 0) {
      return 1;
    }
  }
  if (s->n == s->cap) {
    const size_t cap = s->cap == 0 ? 64 : s->cap * 2;
    uint8_t(*grown)[32] = realloc(s->digest, cap * sizeof *grown);
    if (grown == NULL) {
      return 0; /* not remembered: the symbol is fed, the agent decides */
    }
    s->digest = grown;
    s->cap = cap;
  }
  memcpy(s->digest[s->n++], d, 32);
  return 0;
}

void sg_seen_free(sg_seen *s) {
  free(s->digest);
  memset(s, 0, sizeof *s);
}

static void sg_tap_skipped(const sg_tap *t) {
  if (t->r->json) {
    fputs("{\"event\":\"duplicate\",\"source\":", t->r->out);
    sg_report_json_str(t->r->out, t->source);
    fputs("}\n", t->r->out);
  } else {
    fprintf(t->r->out, "%s: a barcode already read in this run: ignored\n", t->source);
  }
}

static int sg_tap_next(void *ctx, sg_symbol *out) {
  sg_tap *t = ctx;
  for (;;) {
    const int ret = t->inner->next(t->inner->ctx, out);
    t->sym = ret == SG_OK ? out->data : NULL;
    t->len = ret == SG_OK ? out->len : 0;
    if (ret != SG_OK || t->seen == NULL) {
      return ret;
    }
    uint8_t d[32];
    sg_sha256(out->data, out->len, d);
    if (!sg_seen_check(t->seen, d)) {
      return ret;
    }
    sg_tap_skipped(t);
  }
}

static void sg_tap_reset(void *ctx) {
  sg_tap *t = ctx;
  if (t->inner->reset != NULL) {
    t->inner->reset(t->inner->ctx);
  }
  t->sym = NULL;
  t->len = 0;
}

void sg_tap_init(sg_tap *t, const sg_scanner *inner, sg_seen *seen, const sg_report *r,
                 const char *source, sg_scanner *ops) {
  memset(t, 0, sizeof *t);
  t->inner = inner;
  t->seen = seen;
  t->r = r;
  t->source = source;
  ops->ctx = t;
  ops->next = sg_tap_next;
  ops->reset = sg_tap_reset;
}

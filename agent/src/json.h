/*
 * cJSON, made strict and routed through the agent's allocator.
 *
 * cJSON's allocation hooks are process-wide (the one global STYLE.md warns
 * about). The agent points them at the crypto allocator (sg_crypto_calloc) — the
 * static pool on Cortex-M — only for the span of one decision, and puts
 * cJSON's defaults back before returning, so nothing is left behind for
 * firmware that uses cJSON itself. Every cJSON tree the agent builds is
 * freed inside that span (a tree must be freed by the allocator that made
 * it): within the span small allocations are carved from 1 KiB chunks that
 * all go back when the span ends (json.c says why), so a tree used after
 * its span is a use after free. Spans nest; only the outermost frees.
 */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "ijson.h"

void sg_json_use_agent_allocator(void);
void sg_json_restore_default_allocator(void);

/*
 * Parse text[0..len) as one JSON object. I-JSON (RFC 7493) in strict
 * RFC 8259 grammar, checked on the text before cJSON parses it (ijson.h).
 * Strict beyond cJSON: nothing but
 * whitespace after the value, the top level is an object, and no object
 * anywhere has a duplicate member name (RFC 8259 leaves that undefined;
 * two readers could disagree on which value counts). Returns SG_OK with
 * *out set (free with cJSON_Delete), or `fmt_err`.
 */
int sg_json_parse(const char *text, size_t len, int fmt_err, cJSON **out);

/* The same, with the text first checked as I-JSON in strict RFC 8259
 * grammar (ijson.h) — sg_json_parse does that too, with no integer
 * members — and the members named in `ints` required to be integer
 * literals in [0, 2^53). */
int sg_json_parse_ints(const char *text, size_t len, const sg_ijson_int_path *ints, size_t count,
                       int fmt_err, cJSON **out);

/* Member `key` of object `obj` (exact case), or NULL. */
const cJSON *sg_json_member(const cJSON *obj, const char *key);

/* Is v an integral JSON number in [0, 2^53)? Stores it in *out. */
int sg_json_uint53(const cJSON *v, uint64_t *out);

#endif

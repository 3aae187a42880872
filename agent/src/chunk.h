/*
 * Barcode chunk reassembly (DESIGN.md "Barcode chunks").
 *
 *   SG1:<i>/<n>:<set>:<data>
 *
 * Chunks arrive in any order; a repeat of a held chunk is ignored; a chunk
 * of another set while one is open drops the partial profile and starts
 * the new one (reported); the whole text must hash to <set>. A symbol
 * without the SG1: header is a whole profile on its own (bare JSON/JWS).
 * All memory is inside sg_chunk_asm (SG_MAX_PROFILE bytes + a small table).
 */
#ifndef SG_CHUNK_H
#define SG_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/agent_state.h"

/* sg_chunk_asm is defined in stagegate/agent_state.h (the caller allocates it
 * inside struct sg_agent). */

typedef struct {
  unsigned have;  /* chunks held after this feed */
  unsigned total; /* chunks in the set (1 for a bare profile) */
  unsigned index; /* this symbol's index, 1-based */
  int restarted;  /* a partial profile of another set was dropped */
  int duplicate;  /* this chunk was already held */
} sg_chunk_progress;

void sg_chunk_init(sg_chunk_asm *a);

/*
 * Feed one symbol. Returns SG_NEED_MORE (held, more to come), SG_ACCEPTED
 * (complete: sg_chunk_text gives the profile, and the assembler is ready
 * for the next), SG_ERR_CHUNK_FORMAT, SG_ERR_CHUNK_HASH (complete but the
 * hash does not match: everything dropped) or SG_ERR_TOO_LARGE.
 * A malformed symbol leaves an open set untouched.
 */
int sg_chunk_feed(sg_chunk_asm *a, const uint8_t *sym, size_t len, sg_chunk_progress *p);

/* The last completed text (valid until the next feed). */
const uint8_t *sg_chunk_text(const sg_chunk_asm *a, size_t *len);

/* Once a text is complete, the arrival-order buffer is free until the next
 * feed: room for one decrypted profile (never more than the text) without
 * a second SG_MAX_PROFILE buffer in the agent. The caller wipes it. */
uint8_t *sg_chunk_scratch(sg_chunk_asm *a, size_t *cap);

#endif

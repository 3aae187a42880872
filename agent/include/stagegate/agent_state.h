/*
 * Types inside struct sg_agent (stagegate/agent.h). PRIVATE: they are in
 * a public header only so the caller can allocate an agent (statically on
 * a microcontroller); names and layout change without notice.
 */
#ifndef STAGEGATE_AGENT_STATE_H
#define STAGEGATE_AGENT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/config.h"
#include "stagegate/trust.h"

#define SG_CHUNK_SET_BYTES 6

/* Barcode chunk reassembly (agent/src/chunk.c). */
typedef struct {
  uint8_t set[SG_CHUNK_SET_BYTES]; /* id of the open set */
  unsigned total;                  /* n of the open set; 0 = none open */
  unsigned have;                   /* chunks held */
  uint16_t off[SG_MAX_CHUNKS];     /* where chunk i's data sits in data[] */
  uint16_t len[SG_MAX_CHUNKS];
  uint8_t held[SG_MAX_CHUNKS];
  size_t used;                     /* bytes of data[] used */
  uint8_t data[SG_MAX_PROFILE];    /* chunk data in arrival order */
  uint8_t text[SG_MAX_PROFILE];    /* the reassembled text, in order */
  size_t text_len;
} sg_chunk_asm;

/* A former anchor's replay floor (agent/src/floors.c). */
typedef struct {
  uint8_t key_id[32];                  /* SHA-256 of its SubjectPublicKeyInfo */
  uint64_t seq_floor;
} sg_former_anchor;

/* Everything the trust slot persists (agent/src/trustslot.c). */
typedef struct {
  sg_trust_state state;
  sg_anchor_mode mode;                 /* valid when TRUSTED */
  uint8_t anchor[SG_MAX_CERT];         /* DER */
  uint32_t anchor_len;
  sg_anchor_mode pending_mode;         /* rotation; pending_len 0 = none */
  uint8_t pending[SG_MAX_CERT];
  uint32_t pending_len;
  uint64_t activate_at;                /* Unix seconds */
  uint64_t seq_floor;                  /* TRUSTED: highest seq the anchor's key signed;
                                          UNTRUSTED: 0, or a format-1 record's floor */
  uint64_t time_floor;                 /* highest iat the anchor authorized */
  sg_former_anchor former[SG_MAX_FORMER_ANCHORS]; /* most recently retired first */
  uint32_t former_count;
  uint32_t generation;                 /* record generation last loaded/stored */
} sg_trust_record;


#endif

/*
 * Helpers for trust-slot tests (unit, power-cut, fuzz): record builders,
 * content comparison, and a hand-written encoder of the on-flash layout
 * documented at the top of agent/src/trustslot.c -- written from that
 * comment, not from the code, so a test that loads what it builds checks
 * the two against each other.
 */
#ifndef SG_SLOT_FIXTURE_H
#define SG_SLOT_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "sg_crypto.h"
#include "trustslot.h"

/* Same persisted content (everything but the generation). */
static inline int sg_fx_same(const sg_trust_record *a, const sg_trust_record *b) {
  return a->state == b->state && a->mode == b->mode && a->anchor_len == b->anchor_len &&
         memcmp(a->anchor, b->anchor, a->anchor_len) == 0 && a->pending_mode == b->pending_mode &&
         a->pending_len == b->pending_len && memcmp(a->pending, b->pending, a->pending_len) == 0 &&
         a->activate_at == b->activate_at && a->seq_floor == b->seq_floor &&
         a->time_floor == b->time_floor && a->former_count == b->former_count &&
         memcmp(a->former, b->former, sizeof a->former) == 0;
}

/* A certificate-sized blob that starts like DER (SEQUENCE, 2-byte length). */
static inline void sg_fx_blob(uint8_t *out, uint32_t len, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1u;
  for (uint32_t i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = (uint8_t)x;
  }
  if (len >= 4) {
    out[0] = 0x30;
    out[1] = 0x82;
    out[2] = (uint8_t)((len - 4) >> 8);
    out[3] = (uint8_t)(len - 4);
  }
}

static inline void sg_fx_trusted(sg_trust_record *r, const uint8_t *cert, uint32_t len,
                                 sg_anchor_mode mode) {
  sg_trust_record_factory(r);
  r->state = SG_STATE_TRUSTED;
  r->mode = mode;
  memcpy(r->anchor, cert, len);
  r->anchor_len = len;
}

static inline void sg_fx_pending(sg_trust_record *r, const uint8_t *cert, uint32_t len,
                                 sg_anchor_mode mode, uint64_t activate_at) {
  memcpy(r->pending, cert, len);
  r->pending_len = len;
  r->pending_mode = mode;
  r->activate_at = activate_at;
}

/* ---- the layout, by hand ---- */

static inline void sg_fx_le(uint8_t *p, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; i++) {
    p[i] = (uint8_t)(v >> (8u * i));
  }
}

/* Append a TLV; returns bytes written. */
static inline uint32_t sg_fx_tlv(uint8_t *p, uint32_t tag, const void *val, uint32_t len) {
  sg_fx_le(p, tag, 2);
  sg_fx_le(p + 2, len, 2);
  if (len > 0) {
    memcpy(p + 4, val, len);
  }
  return 4u + len;
}

static inline uint32_t sg_fx_tlv_u(uint8_t *p, uint32_t tag, uint64_t v, uint32_t width) {
  uint8_t b[8];
  sg_fx_le(b, v, width);
  return sg_fx_tlv(p, tag, b, width);
}

/* Digest over [0, B) of a record whose header says payload length L. */
static inline void sg_fx_reseal(uint8_t *rec, uint32_t payload_len) {
  const uint32_t b = (16u + payload_len + 31u) & ~31u;
  sg_sha256(rec, b, rec + b);
}

/* Header (format `version`) + payload + zero padding + digest into out
 * (cap >= size); the record's size. */
static inline uint32_t sg_fx_record_v(uint8_t *out, uint32_t version, uint32_t gen,
                                      const uint8_t *payload, uint32_t len) {
  const uint32_t b = (16u + len + 31u) & ~31u;
  memset(out, 0, b);
  out[0] = 'S';
  out[1] = 'G';
  out[2] = 'T';
  out[3] = 'S';
  sg_fx_le(out + 4, version, 2);
  sg_fx_le(out + 8, gen, 4);
  sg_fx_le(out + 12, len, 4);
  memcpy(out + 16, payload, len);
  sg_fx_reseal(out, len);
  return b + 32u;
}

/* A format-1 record, as the first firmware wrote them (and the genesis). */
static inline uint32_t sg_fx_record(uint8_t *out, uint32_t gen, const uint8_t *payload,
                                    uint32_t len) {
  return sg_fx_record_v(out, 1, gen, payload, len);
}

/* The minimal valid payload: STATE, MODE, SEQ_FLOOR, TIME_FLOOR. */
static inline uint32_t sg_fx_untrusted_payload(uint8_t *p, uint64_t seq, uint64_t time) {
  uint32_t n = 0;
  n += sg_fx_tlv_u(p + n, 1, SG_STATE_UNTRUSTED, 2);
  n += sg_fx_tlv_u(p + n, 2, SG_ANCHOR_NONE, 2);
  n += sg_fx_tlv_u(p + n, 7, seq, 8);
  n += sg_fx_tlv_u(p + n, 8, time, 8);
  return n;
}

/* The genesis record (factory state, generation 1): 96 bytes. */
static inline uint32_t sg_fx_genesis(uint8_t out[96]) {
  uint8_t payload[64];
  const uint32_t n = sg_fx_untrusted_payload(payload, 0, 0);
  return sg_fx_record(out, 1, payload, n);
}

#endif /* SG_SLOT_FIXTURE_H */

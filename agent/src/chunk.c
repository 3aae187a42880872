#include "chunk.h"

#include <string.h>

#include "sg_crypto_api.h"
#include "stagegate/errors.h"

static const char sg_chunk_magic[] = "SG1:";

void sg_chunk_init(sg_chunk_asm *a) {
  memset(a, 0, sizeof *a);
}

static void sg_chunk_drop(sg_chunk_asm *a) {
  a->total = 0;
  a->have = 0;
  a->used = 0;
  memset(a->held, 0, sizeof a->held);
}

/* Decimal 1..99 without leading zeros, ending at `stop`. */
static int sg_parse_small(const uint8_t **p, const uint8_t *end, uint8_t stop, unsigned *out) {
  const uint8_t *s = *p;
  unsigned v = 0;
  size_t digits = 0;
  while (s < end && *s >= '0' && *s <= '9') {
    if (digits == 0 && *s == '0') {
      return SG_ERR_CHUNK_FORMAT;
    }
    v = v * 10u + (unsigned)(*s - '0');
    digits++;
    s++;
    if (digits > 2) {
      return SG_ERR_CHUNK_FORMAT;
    }
  }
  if (digits == 0 || s >= end || *s != stop) {
    return SG_ERR_CHUNK_FORMAT;
  }
  *out = v;
  *p = s + 1;
  return SG_OK;
}

static int sg_hex_nibble(uint8_t c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1; /* upper case is not canonical */
}

typedef struct {
  unsigned index, total;
  uint8_t set[SG_CHUNK_SET_BYTES];
  const uint8_t *data;
  size_t data_len;
} sg_chunk_hdr;

static int sg_chunk_parse(const uint8_t *sym, size_t len, sg_chunk_hdr *h) {
  const uint8_t *p = sym + (sizeof sg_chunk_magic - 1);
  const uint8_t *end = sym + len;
  if (sg_parse_small(&p, end, '/', &h->index) != SG_OK ||
      sg_parse_small(&p, end, ':', &h->total) != SG_OK) {
    return SG_ERR_CHUNK_FORMAT;
  }
  if (h->index < 1 || h->index > h->total) {
    return SG_ERR_CHUNK_FORMAT;
  }
  if ((size_t)(end - p) < 2 * SG_CHUNK_SET_BYTES + 1) {
    return SG_ERR_CHUNK_FORMAT;
  }
  for (size_t i = 0; i < SG_CHUNK_SET_BYTES; i++) {
    const int hi = sg_hex_nibble(p[2 * i]);
    const int lo = sg_hex_nibble(p[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return SG_ERR_CHUNK_FORMAT;
    }
    h->set[i] = (uint8_t)(hi << 4 | lo);
  }
  p += 2 * SG_CHUNK_SET_BYTES;
  if (*p != ':') {
    return SG_ERR_CHUNK_FORMAT;
  }
  p++;
  h->data = p;
  h->data_len = (size_t)(end - p);
  if (h->data_len == 0) {
    return SG_ERR_CHUNK_FORMAT;
  }
  if (h->total > SG_MAX_CHUNKS) {
    return SG_ERR_TOO_LARGE;
  }
  return SG_OK;
}

/* All chunks held: put them in order and check the set id. */
static int sg_chunk_complete(sg_chunk_asm *a) {
  int ret = SG_ERR_CHUNK_HASH;
  uint8_t digest[32];
  size_t n = 0;
  for (unsigned i = 0; i < a->total; i++) {
    memcpy(a->text + n, a->data + a->off[i], a->len[i]);
    n += a->len[i];
  }
  a->text_len = n;
  sg_sha256(a->text, n, digest);
  if (sg_ct_equal(digest, a->set, SG_CHUNK_SET_BYTES)) {
    ret = SG_ACCEPTED;
  } else {
    a->text_len = 0;
  }
  sg_chunk_drop(a);
  return ret;
}

int sg_chunk_feed(sg_chunk_asm *a, const uint8_t *sym, size_t len, sg_chunk_progress *p) {
  int ret = SG_ERR_CHUNK_FORMAT;
  sg_chunk_hdr h;
  if (a == NULL || p == NULL || (sym == NULL && len != 0)) {
    return SG_ERR_ARG;
  }
  memset(p, 0, sizeof *p);
  p->have = a->have;
  p->total = a->total;
  if (len == 0) {
    return SG_ERR_CHUNK_FORMAT;
  }
  if (len < sizeof sg_chunk_magic - 1 || memcmp(sym, sg_chunk_magic, sizeof sg_chunk_magic - 1) != 0) {
    /* A whole profile in one symbol, without header. An open set stays. */
    if (len > sizeof a->text) {
      return SG_ERR_TOO_LARGE;
    }
    memcpy(a->text, sym, len);
    a->text_len = len;
    p->index = p->total = p->have = 1;
    return SG_ACCEPTED;
  }
  ret = sg_chunk_parse(sym, len, &h);
  if (ret != SG_OK) {
    return ret;
  }
  if (a->total != 0 && (a->total != h.total || memcmp(a->set, h.set, sizeof a->set) != 0)) {
    sg_chunk_drop(a);
    p->restarted = 1;
  }
  if (a->total == 0) {
    memcpy(a->set, h.set, sizeof a->set);
    a->total = h.total;
  }
  p->index = h.index;
  p->total = a->total;
  if (a->held[h.index - 1]) {
    p->duplicate = 1;
    p->have = a->have;
    return SG_NEED_MORE;
  }
  if (h.data_len > sizeof a->data - a->used) {
    sg_chunk_drop(a);
    p->have = 0;
    return SG_ERR_TOO_LARGE;
  }
  memcpy(a->data + a->used, h.data, h.data_len);
  a->off[h.index - 1] = (uint16_t)a->used;
  a->len[h.index - 1] = (uint16_t)h.data_len;
  a->held[h.index - 1] = 1;
  a->used += h.data_len;
  a->have++;
  p->have = a->have;
  if (a->have < a->total) {
    return SG_NEED_MORE;
  }
  return sg_chunk_complete(a);
}

const uint8_t *sg_chunk_text(const sg_chunk_asm *a, size_t *len) {
  *len = a->text_len;
  return a->text;
}

uint8_t *sg_chunk_scratch(sg_chunk_asm *a, size_t *cap) {
  *cap = sizeof a->data;
  return a->data;
}

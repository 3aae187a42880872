/*
 * The trust slot: two copies of one record on a NOR-like block device.
 *
 * On-flash record, all fields little endian, offsets from the start of
 * the copy (copy A = first half of the sectors, copy B = second half):
 *
 *   off  size  field
 *   0    4     magic 53 47 54 53 ("SGTS")
 *   4    2     format version, 02 00 (01 00: format 1, still read; see below)
 *   6    2     reserved, 00 00
 *   8    4     generation, 1..0xFFFFFFFE (0 and 0xFFFFFFFF never valid)
 *   12   4     payload length L, in bytes
 *   16   L     payload: TLVs, tags strictly ascending, see below
 *   16+L P     zero bytes up to B = the next multiple of 32 (P = 0..31)
 *   B    32    SHA-256 over bytes [0, B)
 *   total: B + 32 bytes (sg_trustslot_record_size()); bytes after it are
 *   ignored (a shorter record leaves the rest of its half as it was).
 *
 *   TLV: tag (2 bytes), length (2 bytes), value. Tags:
 *     01 STATE        2  sg_trust_state: UNTRUSTED 0x5A0F | TRUSTED 0x3C96
 *     02 MODE         2  sg_anchor_mode: NONE 0 | PINNED 0x6E11 | CA 0x6EC4
 *     03 ANCHOR       n  anchor certificate DER, 1..SG_MAX_CERT
 *     04 PENDING      n  pending certificate DER, 1..SG_MAX_CERT
 *     05 PENDING_MODE 2  PINNED | CA
 *     06 ACTIVATE_AT  8  Unix seconds the pending certificate takes over
 *     07 SEQ_FLOOR    8  highest seq accepted
 *     08 TIME_FLOOR   8  highest iat the anchor authorized
 *     09 FORMER       40n  former anchors, n = 1..SG_MAX_FORMER_ANCHORS, most
 *                          recently retired first, each: SHA-256 of the key's
 *                          SubjectPublicKeyInfo (32), its seq floor (8)
 *   STATE, MODE, SEQ_FLOOR, TIME_FLOOR always; FORMER when the table is not
 *   empty, in any state (format 2 only); ANCHOR exactly when
 *   TRUSTED; PENDING, PENDING_MODE, ACTIVATE_AT together or not at all,
 *   only when TRUSTED. UNTRUSTED has MODE NONE. Anything else -- unknown
 *   or repeated or out-of-order tags, a length past the payload end, bytes
 *   left over, non-zero padding or reserved bytes, invalid values -- makes
 *   the copy invalid, as does a digest mismatch: an invalid copy is never
 *   interpreted.
 *
 * Formats. Format 2 (this code) adds FORMER and changes what the floors
 * mean: SEQ_FLOOR is the current anchor key's floor (0 when UNTRUSTED),
 * and floors move only with profiles the anchor authorized (agent/src/
 * floors.h). Format 1 records are read as they are (no FORMER; the floor
 * of an UNTRUSTED format-1 record still binds every enrolment), so a
 * firmware update keeps the device's state; every store writes format 2.
 * The genesis record stays format 1, byte for byte, so that factory
 * detection of a torn genesis is unchanged. Footprint: FORMER adds at most
 * 4 + 40 * SG_MAX_FORMER_ANCHORS bytes (164 with the default 4) to a copy.
 *
 * The body is padded to 32 bytes so that the digest is one aligned
 * program of its own (prog_size <= 32), and the format does not depend on
 * the device.
 *
 * Commit point. A store programs the body first and the digest last, in a
 * separate program operation, into the copy that does not hold the current
 * record (generation g+1); the copy becomes valid when the last byte of
 * the digest lands. Any earlier cut leaves a copy whose digest does not
 * match (a torn digest is not the SHA-256 of the body), and the other
 * copy, untouched, still loads. Only the copy being written is ever erased.
 *
 * Mirror. Once committed (and the counter raised to g+1), the store writes
 * the same record into the other copy as generation g+2. Both copies then
 * hold the current state, so corrupting either one can never bring back
 * the previous state -- after TurnOn that would be UNTRUSTED. A cut during
 * the mirror leaves the committed copy loading: still the new state.
 *
 * First store. Fully erased storage means "factory", but a first record
 * torn by a power cut would look like neither erased nor valid, and a
 * trusted device must not read corruption as factory. So the first store
 * on factory storage first programs the genesis record -- the factory
 * state as generation 1, 96 bytes fixed in advance -- into copy B, then
 * commits the new record into copy A as generation 2 and mirrors it into
 * B as generation 3. Storage counts as factory when each copy is either
 * erased or bit-consistent with a torn genesis: every bit the genesis
 * record has at 1 is 1, and every byte past it is 0xFF (NOR programming
 * only clears bits, so every prefix or torn word of the genesis looks like
 * that). Genesis content is the factory state, so reading a damaged one as
 * factory costs nothing. The factory phase never erases (an interrupted
 * erase leaves garbage, which would be LOCKED): a torn genesis is completed
 * by programming the same bytes over it, which NOR flash tolerates (a
 * flash with per-word ECC that forbids re-programming would report a read
 * error there -- LOCKED, fail closed -- but only after two cuts during the
 * device's very first store). Anything else that is neither valid nor
 * factory is LOCKED -- including one stray byte in erased storage, unless
 * it happens to fit the genesis pattern at its position.
 *
 * Generations. Load takes the higher of two valid generations; two valid
 * copies with the same generation are LOCKED (ambiguous, never written by
 * us). Generations do not wrap: a store that would pass 0xFFFFFFFE fails
 * with SG_ERR_STORAGE_FULL, so an older record can never outrank a newer
 * one, nor slip under the monotonic counter by wrapping. At one store per
 * profile this is far beyond any flash endurance.
 *
 * Rollback. With a monotonic counter (raised to the committed generation
 * g+1 of each store) a restored older image loads LOCKED, and so does
 * erased storage once the counter is above 0. Restoring one old copy alone
 * does nothing: the other copy holds the current record at a higher
 * generation. Without a counter, a restored older image (both copies) is
 * indistinguishable from the real history and loads as that older record:
 * the known limit of a counter-less device.
 *
 * Memory: records are streamed through a 128-byte buffer and hashed on
 * the fly; nothing the size of a record is ever on the stack.
 */
#include "trustslot.h"

#include <string.h>

#include "sg_crypto_api.h"
#include "stagegate/errors.h"

#define SG_SLOT_MAGIC0 0x53u /* 'S' 'G' 'T' 'S' */
#define SG_SLOT_MAGIC1 0x47u
#define SG_SLOT_MAGIC2 0x54u
#define SG_SLOT_MAGIC3 0x53u
#define SG_SLOT_VERSION 2u
#define SG_SLOT_VERSION_1 1u /* read; written only as the genesis record */
#define SG_SLOT_FORMER_ENTRY 40u
#define SG_SLOT_HEADER 16u
#define SG_SLOT_ALIGN 32u
#define SG_SLOT_DIGEST 32u
#define SG_SLOT_GEN_MAX 0xFFFFFFFEu
#define SG_SLOT_GENESIS_GEN 1u
#define SG_SLOT_CHUNK 128u /* streaming buffer; a multiple of SG_SLOT_ALIGN */
#define SG_SLOT_TLV_HEADER 4u
/* Largest payload we write: every TLV, both certificates at the maximum. */
#define SG_SLOT_PAYLOAD_MAX \
  (6u + 6u + 4u + SG_MAX_CERT + 4u + SG_MAX_CERT + 6u + 12u + 12u + 12u + 4u + \
   SG_SLOT_FORMER_ENTRY * SG_MAX_FORMER_ANCHORS)
/* The genesis record: header, STATE, MODE, SEQ_FLOOR, TIME_FLOOR. */
#define SG_SLOT_GENESIS_SIZE \
  ((((SG_SLOT_HEADER + 6u + 6u + 12u + 12u) + SG_SLOT_ALIGN - 1u) & ~(SG_SLOT_ALIGN - 1u)) + SG_SLOT_DIGEST)

/* A copy that is not a valid record. Internal only; mapped to SG_ERR_LOCKED
 * so that a leak still fails closed. */
#define SG_SLOT_INVALID SG_ERR_LOCKED

enum {
  SG_TAG_STATE = 1,
  SG_TAG_MODE = 2,
  SG_TAG_ANCHOR = 3,
  SG_TAG_PENDING = 4,
  SG_TAG_PENDING_MODE = 5,
  SG_TAG_ACTIVATE_AT = 6,
  SG_TAG_SEQ_FLOOR = 7,
  SG_TAG_TIME_FLOOR = 8,
  SG_TAG_FORMER = 9,
};

enum { SG_COPY_A = 0, SG_COPY_B = 1 };

typedef struct {
  uint32_t sector_size;
  uint32_t half_sectors; /* sectors per copy */
  uint32_t half_bytes;   /* bytes per copy */
} sg_slot_geo;

/* The persisted fields, with certificates by reference: what a record
 * serializes from and parses into. */
typedef struct {
  uint32_t state;
  uint32_t mode;
  uint32_t pending_mode;
  const uint8_t *anchor;
  uint32_t anchor_len;
  const uint8_t *pending;
  uint32_t pending_len;
  uint64_t activate_at;
  uint64_t seq_floor;
  uint64_t time_floor;
  const sg_former_anchor *former;
  uint32_t former_count;
} sg_slot_view;

/* ---- little-endian helpers ------------------------------------------------ */

static uint32_t sg_le16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }

static uint32_t sg_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t sg_le64(const uint8_t *p) {
  return (uint64_t)sg_le32(p) | ((uint64_t)sg_le32(p + 4) << 32);
}

static void sg_put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void sg_put32(uint8_t *p, uint32_t v) {
  sg_put16(p, v);
  sg_put16(p + 2, v >> 16);
}

static void sg_put64(uint8_t *p, uint64_t v) {
  sg_put32(p, (uint32_t)v);
  sg_put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t sg_align32(uint32_t n) { return (n + SG_SLOT_ALIGN - 1u) & ~(SG_SLOT_ALIGN - 1u); }

/* ---- record contents ------------------------------------------------------- */

static int sg_mode_is_anchor(uint32_t m) { return m == SG_ANCHOR_PINNED || m == SG_ANCHOR_CA; }

/* The one definition of a self-consistent record, for what we store and
 * what we load alike. 1 if consistent. */
static int sg_slot_view_ok(const sg_slot_view *v) {
  if (v->anchor_len > SG_MAX_CERT || v->pending_len > SG_MAX_CERT ||
      v->former_count > SG_MAX_FORMER_ANCHORS) {
    return 0;
  }
  if (v->pending_len == 0) {
    if (v->pending_mode != SG_ANCHOR_NONE || v->activate_at != 0) {
      return 0;
    }
  } else if (!sg_mode_is_anchor(v->pending_mode)) {
    return 0;
  }
  if (v->state == SG_STATE_TRUSTED) {
    return sg_mode_is_anchor(v->mode) && v->anchor_len > 0;
  }
  if (v->state == SG_STATE_UNTRUSTED) {
    return v->mode == SG_ANCHOR_NONE && v->anchor_len == 0 && v->pending_len == 0;
  }
  return 0;
}

static uint32_t sg_slot_payload_len(uint32_t anchor_len, uint32_t pending_len,
                                    uint32_t former_count) {
  uint32_t n = 6u + 6u + 12u + 12u; /* STATE, MODE, SEQ_FLOOR, TIME_FLOOR */
  if (former_count > 0) {
    n += SG_SLOT_TLV_HEADER + SG_SLOT_FORMER_ENTRY * former_count;
  }
  if (anchor_len > 0) {
    n += SG_SLOT_TLV_HEADER + anchor_len;
  }
  if (pending_len > 0) {
    n += SG_SLOT_TLV_HEADER + pending_len + 6u + 12u;
  }
  return n;
}

static uint32_t sg_slot_size(uint32_t payload_len) {
  return sg_align32(SG_SLOT_HEADER + payload_len) + SG_SLOT_DIGEST;
}

size_t sg_trustslot_record_size(size_t anchor_len, size_t pending_len) {
  if (anchor_len > SG_MAX_CERT || pending_len > SG_MAX_CERT) {
    return SIZE_MAX;
  }
  return sg_slot_size(sg_slot_payload_len((uint32_t)anchor_len, (uint32_t)pending_len, 0));
}

size_t sg_trustslot_footprint(uint32_t sector_size) {
  if (sector_size == 0) {
    return 0;
  }
  const size_t sectors = ((size_t)SG_TRUSTSLOT_RECORD_MAX + sector_size - 1u) / sector_size;
  return 2u * sectors * sector_size;
}

void sg_trust_record_factory(sg_trust_record *rec) {
  if (rec == NULL) {
    return;
  }
  memset(rec, 0, sizeof *rec);
  rec->state = SG_STATE_UNTRUSTED;
  rec->mode = SG_ANCHOR_NONE;
  rec->pending_mode = SG_ANCHOR_NONE;
}

/* What a failed load leaves: LOCKED, no certificate bytes. */
static void sg_trust_record_locked(sg_trust_record *rec) {
  sg_trust_record_factory(rec);
  rec->state = SG_STATE_LOCKED;
}

static void sg_slot_view_factory(sg_slot_view *v) {
  memset(v, 0, sizeof *v);
  v->state = SG_STATE_UNTRUSTED;
}

static void sg_slot_view_from(const sg_trust_record *rec, sg_slot_view *v) {
  v->state = (uint32_t)rec->state;
  v->mode = (uint32_t)rec->mode;
  v->pending_mode = (uint32_t)rec->pending_mode;
  v->anchor = rec->anchor;
  v->anchor_len = rec->anchor_len;
  v->pending = rec->pending;
  v->pending_len = rec->pending_len;
  v->activate_at = rec->activate_at;
  v->seq_floor = rec->seq_floor;
  v->time_floor = rec->time_floor;
  v->former = rec->former;
  v->former_count = rec->former_count;
}

/* ---- geometry -------------------------------------------------------------- */

static int sg_slot_geometry(const sg_blockdev *bd, sg_slot_geo *g) {
  if (bd == NULL || bd->read == NULL || bd->prog == NULL || bd->erase == NULL) {
    return SG_ERR_ARG;
  }
  if ((bd->counter_read == NULL) != (bd->counter_raise == NULL)) {
    return SG_ERR_ARG;
  }
  const uint32_t p = bd->prog_size;
  if (p == 0 || p > SG_SLOT_ALIGN || (p & (p - 1u)) != 0) {
    return SG_ERR_ARG;
  }
  if (bd->sector_size == 0 || bd->sector_size % SG_SLOT_ALIGN != 0) {
    return SG_ERR_ARG;
  }
  if (bd->sector_count < 2 || bd->sector_count % 2 != 0) {
    return SG_ERR_ARG;
  }
  g->sector_size = bd->sector_size;
  g->half_sectors = bd->sector_count / 2u;
  if (g->half_sectors > UINT32_MAX / g->sector_size) {
    return SG_ERR_ARG;
  }
  g->half_bytes = g->half_sectors * g->sector_size;
  return SG_OK;
}

/* ---- raw access to one copy ------------------------------------------------- */

/* Read len bytes at offset `off` of copy `copy`, across sectors. */
static int sg_slot_read(const sg_blockdev *bd, const sg_slot_geo *g, unsigned copy, uint32_t off,
                        uint8_t *buf, uint32_t len) {
  while (len > 0) {
    const uint32_t sector = copy * g->half_sectors + off / g->sector_size;
    const uint32_t in = off % g->sector_size;
    uint32_t n = g->sector_size - in;
    if (n > len) {
      n = len;
    }
    if (bd->read(bd->ctx, sector, in, buf, n) != 0) {
      return SG_ERR_STORAGE;
    }
    off += n;
    buf += n;
    len -= n;
  }
  return SG_OK;
}

static int sg_slot_prog(const sg_blockdev *bd, const sg_slot_geo *g, unsigned copy, uint32_t off,
                        const uint8_t *buf, uint32_t len) {
  while (len > 0) {
    const uint32_t sector = copy * g->half_sectors + off / g->sector_size;
    const uint32_t in = off % g->sector_size;
    uint32_t n = g->sector_size - in;
    if (n > len) {
      n = len;
    }
    if (bd->prog(bd->ctx, sector, in, buf, n) != 0) {
      return SG_ERR_STORAGE;
    }
    off += n;
    buf += n;
    len -= n;
  }
  return SG_OK;
}

/* ---- streaming reader: reads a copy front to back, hashing as it goes ------- */

typedef struct {
  const sg_blockdev *bd;
  const sg_slot_geo *g;
  unsigned copy;
  uint32_t pos;
  sg_sha256_ctx sha;
} sg_slot_reader;

/* Next n bytes into dst (NULL: hash and discard). SG_OK, SG_ERR_STORAGE,
 * or SG_SLOT_INVALID past the end of the copy. */
static int sg_rd(sg_slot_reader *r, uint8_t *dst, uint32_t n) {
  uint8_t tmp[SG_SLOT_CHUNK];
  if (n > r->g->half_bytes || r->pos > r->g->half_bytes - n) {
    return SG_SLOT_INVALID;
  }
  while (n > 0) {
    const uint32_t k = dst != NULL ? n : (n < sizeof tmp ? n : (uint32_t)sizeof tmp);
    uint8_t *const out = dst != NULL ? dst : tmp;
    if (sg_slot_read(r->bd, r->g, r->copy, r->pos, out, k) != SG_OK) {
      return SG_ERR_STORAGE;
    }
    sg_sha256_update(&r->sha, out, k);
    r->pos += k;
    n -= k;
    if (dst != NULL) {
      dst += k;
    }
  }
  return SG_OK;
}

/*
 * Parse and check copy `copy` front to back: header, TLVs, padding, digest.
 * Certificates are copied into rec->anchor / rec->pending when rec is not
 * NULL (even if the copy later proves invalid: the caller discards rec
 * then). On SG_OK *v, *gen and digest describe a valid copy; otherwise
 * SG_SLOT_INVALID or SG_ERR_STORAGE.
 */
static int sg_slot_scan(const sg_blockdev *bd, const sg_slot_geo *g, unsigned copy,
                        sg_trust_record *rec, sg_slot_view *v, uint32_t *gen,
                        uint8_t digest[SG_SLOT_DIGEST]) {
  int ret = SG_SLOT_INVALID;
  uint8_t hdr[SG_SLOT_HEADER];
  uint8_t val[SG_SLOT_ALIGN];
  uint8_t stored[SG_SLOT_DIGEST];
  sg_slot_reader r;
  uint32_t seen = 0; /* bit per tag */
  uint32_t last = 0;

  memset(v, 0, sizeof *v);
  memset(&r, 0, sizeof r);
  r.bd = bd;
  r.g = g;
  r.copy = copy;
  sg_sha256_start(&r.sha);
  ret = sg_rd(&r, hdr, sizeof hdr);
  if (ret != SG_OK) {
    goto out;
  }
  ret = SG_SLOT_INVALID;
  if (hdr[0] != SG_SLOT_MAGIC0 || hdr[1] != SG_SLOT_MAGIC1 || hdr[2] != SG_SLOT_MAGIC2 ||
      hdr[3] != SG_SLOT_MAGIC3 || sg_le16(hdr + 6) != 0) {
    goto out;
  }
  const uint32_t version = sg_le16(hdr + 4);
  if (version != SG_SLOT_VERSION && version != SG_SLOT_VERSION_1) {
    goto out;
  }
  const uint32_t last_tag = version == SG_SLOT_VERSION_1 ? SG_TAG_TIME_FLOOR : SG_TAG_FORMER;
  const uint32_t g_no = sg_le32(hdr + 8);
  const uint32_t len = sg_le32(hdr + 12);
  /* Bound the length before any arithmetic with it. */
  if (g_no == 0 || g_no > SG_SLOT_GEN_MAX || len > SG_SLOT_PAYLOAD_MAX ||
      sg_slot_size(len) > g->half_bytes) {
    goto out;
  }

  const uint32_t end = SG_SLOT_HEADER + len;
  while (r.pos < end) {
    if (end - r.pos < SG_SLOT_TLV_HEADER) {
      goto out;
    }
    ret = sg_rd(&r, val, SG_SLOT_TLV_HEADER);
    if (ret != SG_OK) {
      goto out;
    }
    ret = SG_SLOT_INVALID;
    const uint32_t tag = sg_le16(val);
    const uint32_t tlen = sg_le16(val + 2);
    /* Strictly ascending: no repeats, one canonical form. */
    if (tag <= last || tag > last_tag || tlen > end - r.pos) {
      goto out;
    }
    last = tag;
    seen |= 1u << tag;
    uint8_t *cert = NULL;
    switch (tag) {
    case SG_TAG_FORMER:
      if (tlen == 0 || tlen % SG_SLOT_FORMER_ENTRY != 0 ||
          tlen / SG_SLOT_FORMER_ENTRY > SG_MAX_FORMER_ANCHORS) {
        goto out;
      }
      v->former_count = tlen / SG_SLOT_FORMER_ENTRY;
      for (uint32_t i = 0; i < v->former_count; i++) {
        uint8_t entry[SG_SLOT_FORMER_ENTRY];
        ret = sg_rd(&r, entry, sizeof entry);
        if (ret != SG_OK) {
          goto out;
        }
        if (rec != NULL) {
          memcpy(rec->former[i].key_id, entry, 32);
          rec->former[i].seq_floor = sg_le64(entry + 32);
        }
      }
      ret = SG_SLOT_INVALID;
      break;
    case SG_TAG_ANCHOR:
    case SG_TAG_PENDING:
      if (tlen == 0 || tlen > SG_MAX_CERT) {
        goto out;
      }
      if (rec != NULL) {
        cert = tag == SG_TAG_ANCHOR ? rec->anchor : rec->pending;
      }
      ret = sg_rd(&r, cert, tlen);
      if (ret != SG_OK) {
        goto out;
      }
      ret = SG_SLOT_INVALID;
      if (tag == SG_TAG_ANCHOR) {
        v->anchor_len = tlen;
      } else {
        v->pending_len = tlen;
      }
      break;
    case SG_TAG_STATE:
    case SG_TAG_MODE:
    case SG_TAG_PENDING_MODE:
      if (tlen != 2) {
        goto out;
      }
      ret = sg_rd(&r, val, 2);
      if (ret != SG_OK) {
        goto out;
      }
      ret = SG_SLOT_INVALID;
      if (tag == SG_TAG_STATE) {
        v->state = sg_le16(val);
      } else if (tag == SG_TAG_MODE) {
        v->mode = sg_le16(val);
      } else {
        v->pending_mode = sg_le16(val);
      }
      break;
    default: /* ACTIVATE_AT, SEQ_FLOOR, TIME_FLOOR; tag range checked above */
      if (tlen != 8) {
        goto out;
      }
      ret = sg_rd(&r, val, 8);
      if (ret != SG_OK) {
        goto out;
      }
      ret = SG_SLOT_INVALID;
      if (tag == SG_TAG_ACTIVATE_AT) {
        v->activate_at = sg_le64(val);
      } else if (tag == SG_TAG_SEQ_FLOOR) {
        v->seq_floor = sg_le64(val);
      } else {
        v->time_floor = sg_le64(val);
      }
      break;
    }
  }

  /* Padding: zero up to the digest (fewer than SG_SLOT_ALIGN bytes). */
  const uint32_t pad = sg_align32(end) - end;
  ret = sg_rd(&r, val, pad);
  if (ret != SG_OK) {
    goto out;
  }
  ret = SG_SLOT_INVALID;
  for (uint32_t i = 0; i < pad; i++) {
    if (val[i] != 0) {
      goto out;
    }
  }
  sg_sha256_finish(&r.sha, digest);
  ret = sg_slot_read(bd, g, copy, r.pos, stored, sizeof stored);
  if (ret != SG_OK) {
    return ret;
  }
  ret = SG_SLOT_INVALID;

  const uint32_t required = (1u << SG_TAG_STATE) | (1u << SG_TAG_MODE) |
                            (1u << SG_TAG_SEQ_FLOOR) | (1u << SG_TAG_TIME_FLOOR);
  const uint32_t rotation =
      (1u << SG_TAG_PENDING) | (1u << SG_TAG_PENDING_MODE) | (1u << SG_TAG_ACTIVATE_AT);
  if ((seen & required) != required) {
    return SG_SLOT_INVALID;
  }
  if ((seen & rotation) != 0 && (seen & rotation) != rotation) {
    return SG_SLOT_INVALID;
  }
  if (!sg_slot_view_ok(v) || !sg_ct_equal(stored, digest, SG_SLOT_DIGEST)) {
    return SG_SLOT_INVALID;
  }
  *gen = g_no;
  return SG_OK;

out:
  /* Finish to release the context; the digest is not used. */
  sg_sha256_finish(&r.sha, digest);
  return ret;
}

/* ---- streaming writer ------------------------------------------------------ */

/* Serializes a record into memory (mem != NULL) or onto a copy. */
typedef struct {
  const sg_blockdev *bd;
  const sg_slot_geo *g;
  unsigned copy;
  uint8_t *mem;
  uint32_t cap;
  uint32_t flushed; /* bytes already programmed / stored */
  uint32_t fill;    /* bytes in buf */
  int err;
  sg_sha256_ctx sha;
  uint8_t buf[SG_SLOT_CHUNK];
} sg_slot_writer;

static void sg_wr_flush(sg_slot_writer *w) {
  if (w->err == SG_OK && w->fill > 0) {
    if (w->mem != NULL) {
      if (w->fill > w->cap - w->flushed) {
        w->err = SG_ERR_INTERNAL;
      } else {
        memcpy(w->mem + w->flushed, w->buf, w->fill);
      }
    } else {
      w->err = sg_slot_prog(w->bd, w->g, w->copy, w->flushed, w->buf, w->fill);
    }
  }
  w->flushed += w->fill;
  w->fill = 0;
}

static void sg_wr(sg_slot_writer *w, const uint8_t *p, uint32_t n) {
  sg_sha256_update(&w->sha, p, n);
  while (n > 0) {
    uint32_t k = (uint32_t)sizeof w->buf - w->fill;
    if (k > n) {
      k = n;
    }
    memcpy(w->buf + w->fill, p, k);
    w->fill += k;
    p += k;
    n -= k;
    if (w->fill == sizeof w->buf) {
      sg_wr_flush(w);
    }
  }
}

static void sg_wr_tlv(sg_slot_writer *w, uint32_t tag, const uint8_t *p, uint32_t n) {
  uint8_t th[SG_SLOT_TLV_HEADER];
  sg_put16(th, tag);
  sg_put16(th + 2, n);
  sg_wr(w, th, sizeof th);
  sg_wr(w, p, n);
}

static void sg_wr_tlv16(sg_slot_writer *w, uint32_t tag, uint32_t value) {
  uint8_t b[2];
  sg_put16(b, value);
  sg_wr_tlv(w, tag, b, sizeof b);
}

static void sg_wr_tlv64(sg_slot_writer *w, uint32_t tag, uint64_t value) {
  uint8_t b[8];
  sg_put64(b, value);
  sg_wr_tlv(w, tag, b, sizeof b);
}

/*
 * Serialize `v` as generation `gen`: body (programmed in chunks), then the
 * digest as a separate, final write -- the commit point. The digest is
 * returned for the read-back check. SG_OK, SG_ERR_STORAGE or
 * SG_ERR_INTERNAL (memory sink too small).
 */
static int sg_slot_emit(sg_slot_writer *w, const sg_slot_view *v, uint32_t gen, uint32_t version,
                        uint8_t digest[SG_SLOT_DIGEST]) {
  static const uint8_t zeros[SG_SLOT_ALIGN] = {0};
  uint8_t hdr[SG_SLOT_HEADER];
  const uint32_t len = sg_slot_payload_len(v->anchor_len, v->pending_len, v->former_count);

  hdr[0] = SG_SLOT_MAGIC0;
  hdr[1] = SG_SLOT_MAGIC1;
  hdr[2] = SG_SLOT_MAGIC2;
  hdr[3] = SG_SLOT_MAGIC3;
  sg_put16(hdr + 4, version);
  sg_put16(hdr + 6, 0);
  sg_put32(hdr + 8, gen);
  sg_put32(hdr + 12, len);

  w->err = SG_OK;
  w->flushed = 0;
  w->fill = 0;
  sg_sha256_start(&w->sha);
  sg_wr(w, hdr, sizeof hdr);
  sg_wr_tlv16(w, SG_TAG_STATE, v->state);
  sg_wr_tlv16(w, SG_TAG_MODE, v->mode);
  if (v->anchor_len > 0) {
    sg_wr_tlv(w, SG_TAG_ANCHOR, v->anchor, v->anchor_len);
  }
  if (v->pending_len > 0) {
    sg_wr_tlv(w, SG_TAG_PENDING, v->pending, v->pending_len);
    sg_wr_tlv16(w, SG_TAG_PENDING_MODE, v->pending_mode);
    sg_wr_tlv64(w, SG_TAG_ACTIVATE_AT, v->activate_at);
  }
  sg_wr_tlv64(w, SG_TAG_SEQ_FLOOR, v->seq_floor);
  sg_wr_tlv64(w, SG_TAG_TIME_FLOOR, v->time_floor);
  if (v->former_count > 0) {
    uint8_t th[SG_SLOT_TLV_HEADER];
    sg_put16(th, SG_TAG_FORMER);
    sg_put16(th + 2, SG_SLOT_FORMER_ENTRY * v->former_count);
    sg_wr(w, th, sizeof th);
    for (uint32_t i = 0; i < v->former_count; i++) {
      uint8_t floor[8];
      sg_put64(floor, v->former[i].seq_floor);
      sg_wr(w, v->former[i].key_id, 32);
      sg_wr(w, floor, sizeof floor);
    }
  }
  sg_wr(w, zeros, sg_align32(SG_SLOT_HEADER + len) - (SG_SLOT_HEADER + len));
  sg_sha256_finish(&w->sha, digest);
  sg_wr_flush(w); /* the body is complete before the digest starts */
  if (w->err == SG_OK) {
    memcpy(w->buf, digest, SG_SLOT_DIGEST);
    w->fill = SG_SLOT_DIGEST;
    sg_wr_flush(w);
  }
  return w->err;
}

/* The genesis record's bytes (the factory state, generation 1). */
static int sg_slot_genesis(uint8_t img[SG_SLOT_GENESIS_SIZE]) {
  sg_slot_writer w;
  sg_slot_view v;
  uint8_t digest[SG_SLOT_DIGEST];
  memset(&w, 0, sizeof w);
  sg_slot_view_factory(&v);
  w.mem = img;
  w.cap = SG_SLOT_GENESIS_SIZE;
  return sg_slot_emit(&w, &v, SG_SLOT_GENESIS_GEN, SG_SLOT_VERSION_1, digest);
}

/*
 * Write `v` as generation `gen` into `copy` and read it back. `erase`: erase
 * the sectors the record covers first (always, except when programming the
 * genesis over erased or torn-genesis bytes).
 */
static int sg_slot_write(const sg_blockdev *bd, const sg_slot_geo *g, unsigned copy,
                         const sg_slot_view *v, uint32_t gen, int erase) {
  /* The genesis record (generation 1, programmed without erase) keeps
   * format 1: factory detection compares against its exact bytes. */
  const uint32_t version = gen == SG_SLOT_GENESIS_GEN && !erase ? SG_SLOT_VERSION_1 : SG_SLOT_VERSION;
  int ret = SG_ERR_INTERNAL;
  sg_slot_writer w;
  sg_slot_view back;
  uint32_t back_gen = 0;
  uint8_t digest[SG_SLOT_DIGEST];
  uint8_t back_digest[SG_SLOT_DIGEST];
  const uint32_t size =
      sg_slot_size(sg_slot_payload_len(v->anchor_len, v->pending_len, v->former_count));

  if (erase) {
    const uint32_t sectors = (size + g->sector_size - 1u) / g->sector_size;
    for (uint32_t s = 0; s < sectors; s++) {
      if (bd->erase(bd->ctx, copy * g->half_sectors + s) != 0) {
        return SG_ERR_STORAGE;
      }
    }
  }
  memset(&w, 0, sizeof w);
  w.bd = bd;
  w.g = g;
  w.copy = copy;
  ret = sg_slot_emit(&w, v, gen, version, digest);
  if (ret != SG_OK) {
    return SG_ERR_STORAGE;
  }
  /* Read back: the whole record must parse, hash to the digest we wrote
   * and carry our generation. Anything else is a failed write. */
  ret = sg_slot_scan(bd, g, copy, NULL, &back, &back_gen, back_digest);
  if (ret != SG_OK || back_gen != gen || !sg_ct_equal(digest, back_digest, SG_SLOT_DIGEST)) {
    return SG_ERR_STORAGE;
  }
  return SG_OK;
}

/* ---- survey: what the storage holds ----------------------------------------- */

typedef struct {
  int valid[2];
  uint32_t gen[2];
  uint8_t digest[2][SG_SLOT_DIGEST];
  int best;    /* copy to load, or -1 */
  int factory; /* no valid copy, every copy erased or a torn genesis */
  uint32_t counter;
} sg_slot_survey;

/* 1 if `copy` is erased or bit-consistent with a (torn) genesis record. */
static int sg_slot_factory_like(const sg_blockdev *bd, const sg_slot_geo *g, unsigned copy,
                                const uint8_t genesis[SG_SLOT_GENESIS_SIZE], int *like) {
  uint8_t buf[SG_SLOT_CHUNK];
  *like = 0;
  for (uint32_t off = 0; off < g->half_bytes; off += (uint32_t)sizeof buf) {
    uint32_t n = g->half_bytes - off;
    if (n > sizeof buf) {
      n = sizeof buf;
    }
    if (sg_slot_read(bd, g, copy, off, buf, n) != SG_OK) {
      return SG_ERR_STORAGE;
    }
    for (uint32_t i = 0; i < n; i++) {
      const uint32_t at = off + i;
      const uint8_t want = at < SG_SLOT_GENESIS_SIZE ? genesis[at] : 0xFFu;
      if ((buf[i] & want) != want) {
        return SG_OK;
      }
    }
  }
  *like = 1;
  return SG_OK;
}

static int sg_slot_survey_run(const sg_blockdev *bd, const sg_slot_geo *g, sg_slot_survey *s) {
  int ret = SG_ERR_INTERNAL;
  sg_slot_view v;
  memset(s, 0, sizeof *s);
  s->best = -1;
  for (unsigned c = 0; c < 2; c++) {
    ret = sg_slot_scan(bd, g, c, NULL, &v, &s->gen[c], s->digest[c]);
    if (ret == SG_ERR_STORAGE) {
      return ret;
    }
    s->valid[c] = ret == SG_OK;
  }
  if (bd->counter_read != NULL && bd->counter_read(bd->ctx, &s->counter) != 0) {
    return SG_ERR_STORAGE;
  }
  if (s->valid[0] && s->valid[1]) {
    /* Equal generations: ambiguous, never written by us -> neither. */
    if (s->gen[0] != s->gen[1]) {
      s->best = s->gen[0] > s->gen[1] ? SG_COPY_A : SG_COPY_B;
    }
    return SG_OK;
  }
  if (s->valid[0] || s->valid[1]) {
    s->best = s->valid[0] ? SG_COPY_A : SG_COPY_B;
    return SG_OK;
  }
  uint8_t genesis[SG_SLOT_GENESIS_SIZE];
  int like_a = 0;
  int like_b = 0;
  ret = sg_slot_genesis(genesis);
  if (ret != SG_OK) {
    return ret;
  }
  ret = sg_slot_factory_like(bd, g, SG_COPY_A, genesis, &like_a);
  if (ret != SG_OK) {
    return ret;
  }
  ret = sg_slot_factory_like(bd, g, SG_COPY_B, genesis, &like_b);
  if (ret != SG_OK) {
    return ret;
  }
  s->factory = like_a && like_b;
  return SG_OK;
}

/* ---- the contract ----------------------------------------------------------- */

int sg_trustslot_load(const sg_blockdev *bd, sg_trust_record *rec) {
  int ret = SG_ERR_INTERNAL;
  sg_slot_geo g;
  sg_slot_survey s;
  sg_slot_view v;
  uint32_t gen = 0;
  uint8_t digest[SG_SLOT_DIGEST];

  if (rec == NULL) {
    return SG_ERR_ARG;
  }
  sg_trust_record_locked(rec);
  ret = sg_slot_geometry(bd, &g);
  if (ret != SG_OK) {
    return ret;
  }
  ret = sg_slot_survey_run(bd, &g, &s);
  if (ret != SG_OK) {
    return ret;
  }
  ret = SG_ERR_LOCKED;
  if (s.best < 0) {
    if (s.factory && s.counter == 0) {
      sg_trust_record_factory(rec);
      ret = SG_OK;
    }
    return ret;
  }
  const unsigned best = (unsigned)s.best;
  if (s.gen[best] < s.counter) {
    return SG_ERR_LOCKED; /* rolled back */
  }
  /* Second pass, into rec. It must read back the very record the survey
   * chose: a flaky read between the two passes is LOCKED, not a mix. */
  ret = sg_slot_scan(bd, &g, best, rec, &v, &gen, digest);
  if (ret != SG_OK || gen != s.gen[best] ||
      !sg_ct_equal(digest, s.digest[best], SG_SLOT_DIGEST)) {
    sg_trust_record_locked(rec);
    return ret == SG_ERR_STORAGE ? SG_ERR_STORAGE : SG_ERR_LOCKED;
  }
  rec->state = (sg_trust_state)v.state;
  rec->mode = (sg_anchor_mode)v.mode;
  rec->pending_mode = (sg_anchor_mode)v.pending_mode;
  rec->anchor_len = v.anchor_len;
  rec->pending_len = v.pending_len;
  rec->activate_at = v.activate_at;
  rec->seq_floor = v.seq_floor;
  rec->time_floor = v.time_floor;
  rec->former_count = v.former_count; /* entries were read into rec->former */
  rec->generation = gen;
  /* Bytes past the certificates stay zero (set by sg_trust_record_locked). */
  return SG_OK;
}

static int sg_slot_commit(const sg_blockdev *bd, const sg_slot_geo *gp, unsigned target,
                          const sg_slot_view *vp, uint32_t gen, sg_trust_record *rec);

int sg_trustslot_store(const sg_blockdev *bd, sg_trust_record *rec) {
  int ret = SG_ERR_INTERNAL;
  sg_slot_geo g;
  sg_slot_survey s;
  sg_slot_view v;
  unsigned target = SG_COPY_A;
  uint32_t gen = 0;

  if (rec == NULL) {
    return SG_ERR_ARG;
  }
  ret = sg_slot_geometry(bd, &g);
  if (ret != SG_OK) {
    return ret;
  }
  /* Everything that can be decided without touching flash, first. */
  sg_slot_view_from(rec, &v);
  if (!sg_slot_view_ok(&v)) {
    return SG_ERR_ARG;
  }
  if (sg_slot_size(sg_slot_payload_len(v.anchor_len, v.pending_len, v.former_count)) > g.half_bytes ||
      rec->generation > SG_SLOT_GEN_MAX - 2u) {
    return SG_ERR_STORAGE_FULL;
  }
  ret = sg_slot_survey_run(bd, &g, &s);
  if (ret != SG_OK) {
    return ret;
  }
  if (s.best >= 0) {
    if (s.gen[s.best] != rec->generation || s.gen[s.best] < s.counter) {
      return SG_ERR_LOCKED;
    }
    target = s.best == SG_COPY_A ? SG_COPY_B : SG_COPY_A;
    gen = rec->generation + 1u;
  } else if (s.factory && s.counter == 0 && rec->generation == 0) {
    sg_slot_view fv;
    sg_slot_view_factory(&fv);
    ret = sg_slot_write(bd, &g, SG_COPY_B, &fv, SG_SLOT_GENESIS_GEN, 0);
    if (ret != SG_OK) {
      return ret;
    }
    target = SG_COPY_A;
    gen = SG_SLOT_GENESIS_GEN + 1u;
  } else {
    return SG_ERR_LOCKED;
  }
  return sg_slot_commit(bd, &g, target, &v, gen, rec);
}

/* Write `v` into `target` as generation `gen` (the commit point), raise
 * the counter, mirror into the other copy as gen + 1. */
static int sg_slot_commit(const sg_blockdev *bd, const sg_slot_geo *gp, unsigned target,
                          const sg_slot_view *vp, uint32_t gen, sg_trust_record *rec) {
  int ret = SG_ERR_INTERNAL;
  const sg_slot_geo g = *gp;
  const sg_slot_view v = *vp;
  /* The commit: until this write's digest lands, the other copy (current
   * record, or genesis) is what loads. */
  ret = sg_slot_write(bd, &g, target, &v, gen, 1);
  if (ret != SG_OK) {
    return ret;
  }
  rec->generation = gen;
  /* From here the new record is durable; failures leave it loading. */
  if (bd->counter_raise != NULL && bd->counter_raise(bd->ctx, gen) != 0) {
    return SG_ERR_STORAGE;
  }
  /* Mirror: the other copy still holds the previous record (after TurnOn,
   * UNTRUSTED). Overwrite it with the new one, so that corrupting either
   * copy later can only ever give back the current state. The counter stays
   * at `gen`, so a damaged mirror does not look like a rollback. */
  ret = sg_slot_write(bd, &g, target == SG_COPY_A ? SG_COPY_B : SG_COPY_A, &v, gen + 1u, 1);
  if (ret != SG_OK) {
    return ret;
  }
  rec->generation = gen + 1u;
  return SG_OK;
}

int sg_trustslot_store_recovery(const sg_blockdev *bd, sg_trust_record *rec) {
  int ret = SG_ERR_INTERNAL;
  sg_slot_geo g;
  sg_slot_survey s;
  sg_slot_view v;
  if (rec == NULL) {
    return SG_ERR_ARG;
  }
  ret = sg_slot_geometry(bd, &g);
  if (ret != SG_OK) {
    return ret;
  }
  sg_slot_view_from(rec, &v);
  if (!sg_slot_view_ok(&v)) {
    return SG_ERR_ARG;
  }
  if (sg_slot_size(sg_slot_payload_len(v.anchor_len, v.pending_len, v.former_count)) > g.half_bytes) {
    return SG_ERR_STORAGE_FULL;
  }
  ret = sg_slot_survey_run(bd, &g, &s);
  if (ret != SG_OK) {
    return ret;
  }
  if (s.best < 0 && s.factory && s.counter == 0) {
    rec->generation = 0; /* factory storage: the ordinary first store */
    return sg_trustslot_store(bd, rec);
  }
  /* Above everything the storage or the counter has seen. */
  uint32_t base = s.counter;
  for (unsigned c = SG_COPY_A; c <= SG_COPY_B; c++) {
    if (s.valid[c] && s.gen[c] > base) {
      base = s.gen[c];
    }
  }
  if (base > SG_SLOT_GEN_MAX - 2u) {
    return SG_ERR_STORAGE_FULL;
  }
  const unsigned target = s.best == SG_COPY_A ? SG_COPY_B : SG_COPY_A;
  return sg_slot_commit(bd, &g, target, &v, base + 1u, rec);
}

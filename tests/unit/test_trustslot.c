/*
 * Trust slot: round trips, the on-flash layout, and fail-closed behaviour
 * under corruption (bit flips, stray bytes, crafted records, rollback,
 * read/program/erase failures, stuck bits, records too large).
 * Power loss is in tests/powercut.
 */
#include <string.h>

#include "sg_blob.h"
#include "sg_board.h"
#include "sg_flash_sim.h"
#include "sg_slot_fixture.h"
#include "sg_test.h"
#include "stagegate/errors.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

#define SECTOR 4096u
#define SECTORS 4u
#define HALF (SECTOR * SECTORS / 2u)
#define PROG 8u

static uint8_t chip[SECTOR * SECTORS];
static uint8_t snap[SECTOR * SECTORS];
static uint8_t snap2[SECTOR * SECTORS];
static sg_flash_sim sim;
static sg_blockdev bd;
static sg_trust_record rec, want, got;
static uint8_t raw[SG_TRUSTSLOT_RECORD_MAX + 64];
static uint8_t payload[SG_TRUSTSLOT_RECORD_MAX];

static const sg_blob *vec(const char *name) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  SG_CHECK(b != NULL);
  return b;
}

static void fresh(unsigned flags) {
  SG_CHECK(sg_flash_sim_init(&sim, chip, sizeof chip, SECTOR, SECTORS, PROG, flags) == 0);
  sg_flash_sim_blockdev(&sim, &bd);
}

static uint32_t changes(void) {
  sg_flash_sim_stats st;
  sg_flash_sim_stats_get(&sim, &st);
  return st.progs + st.erases + st.counter_raises;
}

/* TRUSTED, pinned rsa2048, pending es256 (CA): both certificate TLVs. */
static void make_rotating(sg_trust_record *r) {
  const sg_blob *a = vec("rsa2048.crt.der");
  const sg_blob *p = vec("es256.crt.der");
  sg_fx_trusted(r, a->data, (uint32_t)a->len, SG_ANCHOR_PINNED);
  sg_fx_pending(r, p->data, (uint32_t)p->len, SG_ANCHOR_CA, 1764000000u);
  r->seq_floor = 42;
  r->time_floor = 1763900000u;
}

/* Store `r` on a fresh chip; leaves the stored record in `rec`. */
static void provision(const sg_trust_record *r, unsigned flags) {
  fresh(flags);
  memcpy(&rec, r, sizeof rec);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
}

static void test_factory_is_untrusted(void) {
  fresh(0);
  memset(&got, 0xA5, sizeof got);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  sg_trust_record_factory(&want);
  SG_CHECK(sg_fx_same(&got, &want));
  SG_CHECK(got.generation == 0);
  SG_CHECK(got.state == SG_STATE_UNTRUSTED);
  SG_CHECK(changes() == 0); /* load never writes */
}

static void test_round_trip_every_state(void) {
  const sg_blob *rsa = vec("rsa2048.crt.der");
  const sg_blob *es256 = vec("es256.crt.der");
  const sg_blob *es384 = vec("es384.crt.der");
  fresh(SG_FLASH_SIM_STRICT);
  sg_trust_record_factory(&rec);
  uint32_t gen = 0;
  for (int step = 0; step < 7; step++) {
    switch (step) {
    case 0: /* TurnOn pinned */
      sg_fx_trusted(&rec, rsa->data, (uint32_t)rsa->len, SG_ANCHOR_PINNED);
      rec.seq_floor = 1;
      rec.time_floor = 1763900000u;
      break;
    case 1: /* rotation pending */
      sg_fx_pending(&rec, es256->data, (uint32_t)es256->len, SG_ANCHOR_CA, 1764000000u);
      rec.seq_floor = 2;
      break;
    case 2: /* rotation activated */
      memcpy(rec.anchor, rec.pending, rec.pending_len);
      rec.anchor_len = rec.pending_len;
      rec.mode = rec.pending_mode;
      memset(rec.pending, 0, sizeof rec.pending);
      rec.pending_len = 0;
      rec.pending_mode = SG_ANCHOR_NONE;
      rec.activate_at = 0;
      break;
    case 3:
      rec.seq_floor = (1ull << 53) - 1u;
      break;
    case 4:
      rec.time_floor = 0xFFFFFFFFFFull;
      break;
    case 5: { /* TurnOff: the anchor's floor moves to the former anchors */
      const uint64_t s = rec.seq_floor;
      const uint64_t t = rec.time_floor;
      const uint32_t g = rec.generation;
      sg_trust_record_factory(&rec);
      rec.time_floor = t;
      rec.generation = g;
      for (uint32_t k = 0; k < SG_MAX_FORMER_ANCHORS; k++) {
        memset(rec.former[k].key_id, (int)(0x41 + k), 32);
        rec.former[k].seq_floor = s + k;
      }
      rec.former_count = SG_MAX_FORMER_ANCHORS;
      break;
    }
    default: /* TurnOn again, CA anchor */
      sg_fx_trusted(&rec, es384->data, (uint32_t)es384->len, SG_ANCHOR_CA);
      rec.generation = gen;
      rec.seq_floor = 7;
      break;
    }
    memcpy(&want, &rec, sizeof want);
    SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
    /* First store: genesis 1, commit 2, mirror 3; then +2 each. */
    SG_CHECK(rec.generation == (gen == 0 ? 3u : gen + 2u));
    gen = rec.generation;
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
    SG_CHECK(sg_fx_same(&got, &want));
    SG_CHECK(got.generation == gen);
    /* Both copies hold the state: wipe either and it still loads. */
    memcpy(snap, chip, sizeof chip);
    for (unsigned c = 0; c < 2; c++) {
      memset(chip + c * HALF, 0xFF, HALF);
      SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
      SG_CHECK(sg_fx_same(&got, &want));
      memcpy(chip, snap, sizeof chip);
    }
    rec.generation = gen;
  }
}

static void test_layout_matches_documentation(void) {
  /* A record built by hand from the comment in trustslot.c loads... */
  uint32_t n = 0;
  uint8_t cert[300];
  sg_fx_blob(cert, sizeof cert, 9);
  n += sg_fx_tlv_u(payload + n, 1, SG_STATE_TRUSTED, 2);
  n += sg_fx_tlv_u(payload + n, 2, SG_ANCHOR_CA, 2);
  n += sg_fx_tlv(payload + n, 3, cert, sizeof cert);
  n += sg_fx_tlv(payload + n, 4, cert, 100);
  n += sg_fx_tlv_u(payload + n, 5, SG_ANCHOR_PINNED, 2);
  n += sg_fx_tlv_u(payload + n, 6, 0x0102030405060708ull, 8);
  n += sg_fx_tlv_u(payload + n, 7, 77, 8);
  n += sg_fx_tlv_u(payload + n, 8, 88, 8);
  const uint32_t size = sg_fx_record(raw, 41, payload, n);
  SG_CHECK(size == sg_trustslot_record_size(sizeof cert, 100));
  fresh(0);
  memcpy(chip + HALF, raw, size);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(got.state == SG_STATE_TRUSTED && got.mode == SG_ANCHOR_CA);
  SG_CHECK(got.anchor_len == sizeof cert && memcmp(got.anchor, cert, sizeof cert) == 0);
  SG_CHECK(got.pending_len == 100 && memcmp(got.pending, cert, 100) == 0);
  SG_CHECK(got.pending_mode == SG_ANCHOR_PINNED && got.activate_at == 0x0102030405060708ull);
  SG_CHECK(got.seq_floor == 77 && got.time_floor == 88 && got.generation == 41);
  /* ...and what the slot writes is byte for byte the same thing. */
  memcpy(&rec, &got, sizeof rec);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
  SG_CHECK(rec.generation == 43);
  raw[4] = 2; /* every store writes format 2 */
  sg_fx_le(raw + 8, 42, 4);
  sg_fx_reseal(raw, n);
  SG_CHECK(memcmp(chip, raw, size) == 0);
  sg_fx_le(raw + 8, 43, 4);
  sg_fx_reseal(raw, n);
  SG_CHECK(memcmp(chip + HALF, raw, size) == 0);
}

/* Format 2: the table of former anchors (tag 9), byte for byte. */
static void test_former_anchors_layout(void) {
  uint32_t n = sg_fx_untrusted_payload(payload, 0, 88);
  uint8_t entries[2 * 40];
  for (unsigned k = 0; k < 2; k++) {
    memset(entries + 40 * k, 0xA0 + (int)k, 32);
    sg_fx_le(entries + 40 * k + 32, 1000u + k, 8);
  }
  n += sg_fx_tlv(payload + n, 9, entries, sizeof entries);
  uint32_t size = sg_fx_record_v(raw, 2, 41, payload, n);
  fresh(0);
  memcpy(chip + HALF, raw, size);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(got.state == SG_STATE_UNTRUSTED && got.former_count == 2);
  SG_CHECK(got.former[0].key_id[0] == 0xA0 && got.former[0].seq_floor == 1000);
  SG_CHECK(got.former[1].key_id[31] == 0xA1 && got.former[1].seq_floor == 1001);
  SG_CHECK(got.seq_floor == 0 && got.time_floor == 88);
  memcpy(&rec, &got, sizeof rec);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
  sg_fx_le(raw + 8, 42, 4);
  sg_fx_reseal(raw, n);
  SG_CHECK(memcmp(chip, raw, size) == 0);
  /* Refused: the table in a format-1 record, a length not a multiple of
   * 40, an empty or over-full table, an unknown tag 10. */
  for (int i = 0; i < 5; i++) {
    uint32_t m = sg_fx_untrusted_payload(payload, 0, 88);
    uint32_t version = 2;
    static uint8_t big[40 * (SG_MAX_FORMER_ANCHORS + 1)];
    switch (i) {
    case 0: m += sg_fx_tlv(payload + m, 9, entries, 40); version = 1; break;
    case 1: m += sg_fx_tlv(payload + m, 9, entries, 41); break;
    case 2: m += sg_fx_tlv(payload + m, 9, entries, 0); break;
    case 3: m += sg_fx_tlv(payload + m, 9, big, sizeof big); break;
    default: m += sg_fx_tlv(payload + m, 10, entries, 40); break;
    }
    size = sg_fx_record_v(raw, version, 9, payload, m);
    fresh(0);
    memcpy(chip, raw, size);
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
    if (got.state != SG_STATE_LOCKED) {
      sg_test_printf("    former case %d\n", i);
    }
  }
}

/* Recovery writes over a locked slot, above the counter; factory storage
 * takes the ordinary first store. */
static void test_store_recovery(void) {
  const sg_blob *es384 = vec("es384.crt.der");
  make_rotating(&rec);
  provision(&rec, SG_FLASH_SIM_COUNTER);
  memcpy(snap, chip, sizeof chip);
  sg_trust_record_factory(&want);
  want.generation = rec.generation;
  want.seq_floor = 0;
  SG_CHECK_CODE(sg_trustslot_store(&bd, &want), SG_OK);
  memcpy(chip, snap, sizeof chip); /* rolled back: LOCKED */
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
  sg_trust_record_factory(&rec);
  rec.time_floor = 1777000000u;
  rec.former_count = 1;
  memset(rec.former[0].key_id, 0x5C, 32);
  rec.former[0].seq_floor = 9;
  memcpy(&want, &rec, sizeof want);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_LOCKED);
  SG_CHECK_CODE(sg_trustslot_store_recovery(&bd, &rec), SG_OK);
  SG_CHECK(rec.generation > sg_flash_sim_counter(&sim));
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want) && got.generation == rec.generation);
  /* Both copies garbage: recovered too. */
  memset(chip, 0x00, sizeof chip);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
  SG_CHECK_CODE(sg_trustslot_store_recovery(&bd, &rec), SG_OK);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want));
  /* Factory storage: genesis, commit, mirror as usual. */
  fresh(0);
  sg_fx_trusted(&rec, es384->data, (uint32_t)es384->len, SG_ANCHOR_PINNED);
  rec.generation = 77; /* ignored on factory storage */
  SG_CHECK_CODE(sg_trustslot_store_recovery(&bd, &rec), SG_OK);
  SG_CHECK(rec.generation == 3);
  /* An inconsistent record is refused before anything is written. */
  rec.mode = SG_ANCHOR_NONE;
  memcpy(snap, chip, sizeof chip);
  SG_CHECK_CODE(sg_trustslot_store_recovery(&bd, &rec), SG_ERR_ARG);
  SG_CHECK(memcmp(snap, chip, sizeof chip) == 0);
}

static void test_sizes(void) {
  uint8_t g[96];
  SG_CHECK(sg_fx_genesis(g) == 96);
  SG_CHECK(sg_trustslot_record_size(0, 0) == 96);
  /* The largest record has both certificates and a full former table. */
  const size_t table = 4u + 40u * SG_MAX_FORMER_ANCHORS;
  SG_CHECK(SG_TRUSTSLOT_RECORD_MAX + 31u >= sg_trustslot_record_size(SG_MAX_CERT, SG_MAX_CERT) + table);
  SG_CHECK(SG_TRUSTSLOT_RECORD_MAX < sg_trustslot_record_size(SG_MAX_CERT, SG_MAX_CERT) + table + 32u);
  SG_CHECK(sg_trustslot_record_size(SG_MAX_CERT + 1u, 0) == SIZE_MAX);
  SG_CHECK(sg_trustslot_record_size(0, SG_MAX_CERT + 1u) == SIZE_MAX);
  SG_CHECK(sg_trustslot_footprint(SECTOR) == 4u * SECTOR);
  SG_CHECK(sg_trustslot_footprint(0) == 0);
  sg_test_printf("    record: %u..%u bytes; footprint with %u-byte sectors: %u bytes\n",
                 (unsigned)sg_trustslot_record_size(0, 0), (unsigned)SG_TRUSTSLOT_RECORD_MAX,
                 SECTOR, (unsigned)sg_trustslot_footprint(SECTOR));
}

static void test_geometry_checked(void) {
  static const struct {
    uint32_t sector_size, sector_count, prog_size;
  } bad[] = {
      {4096, 3, 8}, {4096, 0, 8}, {4096, 4, 3}, {4096, 4, 64}, {4096, 4, 0}, {48, 4, 8}, {0, 4, 8},
  };
  fresh(0);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sg_blockdev b = bd;
    b.sector_size = bad[i].sector_size;
    b.sector_count = bad[i].sector_count;
    b.prog_size = bad[i].prog_size;
    SG_CHECK_CODE(sg_trustslot_load(&b, &got), SG_ERR_ARG);
    SG_CHECK(got.state == SG_STATE_LOCKED);
    sg_trust_record_factory(&rec);
    SG_CHECK_CODE(sg_trustslot_store(&b, &rec), SG_ERR_ARG);
  }
  fresh(SG_FLASH_SIM_COUNTER);
  sg_blockdev half = bd;
  half.counter_raise = NULL;
  SG_CHECK_CODE(sg_trustslot_load(&half, &got), SG_ERR_ARG);
  SG_CHECK_CODE(sg_trustslot_load(NULL, &got), SG_ERR_ARG);
  SG_CHECK_CODE(sg_trustslot_load(&bd, NULL), SG_ERR_ARG);
  SG_CHECK_CODE(sg_trustslot_store(&bd, NULL), SG_ERR_ARG);
  SG_CHECK(changes() == 0);
}

static void test_store_rejects_inconsistent_records(void) {
  const sg_blob *c = vec("es256.crt.der");
  fresh(0);
  for (int i = 0; i < 11; i++) {
    sg_fx_trusted(&rec, c->data, (uint32_t)c->len, SG_ANCHOR_PINNED);
    switch (i) {
    case 0: rec.state = SG_STATE_LOCKED; break;
    case 1: rec.state = (sg_trust_state)0; break;
    case 2: rec.mode = SG_ANCHOR_NONE; break;
    case 3: rec.anchor_len = 0; break;
    case 4: rec.anchor_len = SG_MAX_CERT + 1u; break;
    case 5: rec.pending_len = 10; rec.pending_mode = SG_ANCHOR_NONE; break;
    case 6: rec.activate_at = 5; break; /* activate_at without a pending cert */
    case 7: rec.pending_mode = SG_ANCHOR_CA; break;
    case 8: sg_trust_record_factory(&rec); rec.mode = SG_ANCHOR_PINNED; break;
    case 9: sg_trust_record_factory(&rec); rec.anchor_len = 5; break;
    default: rec.mode = (sg_anchor_mode)0x6E12; break;
    }
    SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_ARG);
  }
  SG_CHECK(changes() == 0);
}

static void test_too_large_touches_nothing(void) {
  static uint8_t big[SG_MAX_CERT];
  sg_fx_blob(big, sizeof big, 3);
  /* 512-byte sectors, 2+2: halves of 1 KiB. */
  SG_CHECK(sg_flash_sim_init(&sim, chip, sizeof chip, 512, 4, PROG, 0) == 0);
  sg_flash_sim_blockdev(&sim, &bd);
  sg_fx_trusted(&rec, big, 600, SG_ANCHOR_PINNED);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
  memcpy(&want, &rec, sizeof want);
  memcpy(snap, chip, sizeof chip);
  sg_flash_sim_stats_reset(&sim);
  sg_fx_pending(&rec, big, sizeof big, SG_ANCHOR_CA, 1);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_STORAGE_FULL);
  SG_CHECK(changes() == 0);
  SG_CHECK(memcmp(chip, snap, sizeof chip) == 0);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want));
  /* A maximal record fits the default geometry. */
  sg_fx_trusted(&rec, big, sizeof big, SG_ANCHOR_PINNED);
  sg_fx_pending(&rec, big, sizeof big, SG_ANCHOR_CA, 1);
  provision(&rec, 0);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &rec));
}

/* Flip bits of one copy; every flip must load the same state. */
static unsigned flip_sweep(unsigned copy, uint32_t size, uint32_t stride) {
  unsigned flips = 0;
  for (uint32_t off = 0; off < size; off++) {
    /* Header, TLV headers and digest: every bit; the body: a sample. */
    const int dense = off < 32u || off >= size - 40u;
    if (!dense && off % stride != 0) {
      continue;
    }
    for (unsigned bit = 0; bit < 8; bit++) {
      const uint32_t addr = copy * HALF + off;
      sg_flash_sim_flip_bit(&sim, addr, bit);
      memset(&got, 0, sizeof got);
      const int ret = sg_trustslot_load(&bd, &got);
      SG_CHECK_CODE(ret, SG_OK);
      if (ret != SG_OK || !sg_fx_same(&got, &want)) {
        SG_CHECK(sg_fx_same(&got, &want));
        sg_test_printf("    copy %u byte %u bit %u\n", copy, (unsigned)off, bit);
        sg_flash_sim_flip_bit(&sim, addr, bit);
        return flips;
      }
      sg_flash_sim_flip_bit(&sim, addr, bit);
      flips++;
    }
  }
  return flips;
}

static void test_single_bit_flips(void) {
  unsigned flips = 0;
  for (unsigned counter = 0; counter < 2; counter++) {
    make_rotating(&want);
    provision(&want, counter ? SG_FLASH_SIM_COUNTER : 0);
    const uint32_t size = (uint32_t)sg_trustslot_record_size(want.anchor_len, want.pending_len);
    for (unsigned copy = 0; copy < 2; copy++) {
      /* Every bit without a counter; a sample with one. */
      flips += flip_sweep(copy, size, counter ? 7u : 1u);
    }
  }
  sg_test_printf("    %u single-bit flips, each loaded the same state\n", flips);
}

static void test_both_copies_corrupt_is_locked(void) {
  make_rotating(&want);
  provision(&want, 0);
  sg_flash_sim_flip_bit(&sim, 100, 3);
  sg_flash_sim_flip_bit(&sim, HALF + 700, 0);
  memcpy(snap, chip, sizeof chip);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
  SG_CHECK(got.state == SG_STATE_LOCKED && got.anchor_len == 0 && got.pending_len == 0);
  /* A locked slot is never overwritten. */
  sg_flash_sim_stats_reset(&sim);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_LOCKED);
  sg_trust_record_factory(&rec);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_LOCKED);
  SG_CHECK(changes() == 0 && memcmp(snap, chip, sizeof chip) == 0);
  /* Erasing one copy does not make the other one factory. */
  memset(chip, 0xFF, HALF);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
}

static void test_stray_byte_in_erased_storage(void) {
  uint8_t g[96];
  sg_fx_genesis(g);
  unsigned locked = 0;
  unsigned genesis_like = 0;
  fresh(0);
  for (uint32_t addr = 0; addr < sizeof chip; addr += (addr % HALF) < 128u ? 1u : 61u) {
    for (unsigned v = 0; v < 2; v++) {
      const uint8_t byte = v ? 0xFEu : 0x00u;
      chip[addr] = byte;
      const uint32_t off = addr % HALF;
      /* Fits a torn genesis at that spot: reads as factory (documented). */
      const int fits = off < sizeof g && (byte & g[off]) == g[off];
      const int ret = sg_trustslot_load(&bd, &got);
      if (fits) {
        SG_CHECK_CODE(ret, SG_OK);
        SG_CHECK(got.state == SG_STATE_UNTRUSTED && got.generation == 0);
        genesis_like++;
      } else {
        SG_CHECK_CODE(ret, SG_ERR_LOCKED);
        SG_CHECK(got.state == SG_STATE_LOCKED);
        locked++;
      }
      chip[addr] = 0xFF;
    }
  }
  sg_test_printf("    %u stray bytes LOCKED, %u fit the genesis pattern (factory)\n", locked,
                 genesis_like);
  SG_CHECK(locked > 300);
}

static void test_torn_genesis_is_factory(void) {
  uint8_t g[96];
  sg_fx_genesis(g);
  for (uint32_t cut = 0; cut <= sizeof g; cut += 5) {
    fresh(SG_FLASH_SIM_STRICT);
    memcpy(chip + HALF, g, cut);
    if (cut < sizeof g) {
      chip[HALF + cut] = (uint8_t)(g[cut] | 0x5Au); /* a half-programmed byte */
    }
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
    SG_CHECK(got.state == SG_STATE_UNTRUSTED);
    make_rotating(&rec);
    memcpy(&want, &rec, sizeof want);
    rec.generation = got.generation;
    SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
    SG_CHECK(sg_fx_same(&got, &want));
  }
}

/* Crafted payloads with valid digests: each must be refused as a copy. */
static uint32_t craft(int i) {
  uint8_t cert[64];
  uint32_t n = 0;
  uint8_t *p = payload;
  sg_fx_blob(cert, sizeof cert, 5);
  const uint32_t st = i == 4 ? 0x1234u : i == 5 ? (uint32_t)SG_STATE_LOCKED : SG_STATE_TRUSTED;
  if (i == 2) { /* out of order: MODE before STATE */
    n += sg_fx_tlv_u(p + n, 2, SG_ANCHOR_PINNED, 2);
    n += sg_fx_tlv_u(p + n, 1, st, 2);
  } else {
    n += sg_fx_tlv_u(p + n, 1, st, i == 8 ? 3u : 2u);
    if (i == 1) {
      n += sg_fx_tlv_u(p + n, 1, st, 2); /* duplicate */
    }
    if (i != 10) {
      n += sg_fx_tlv_u(p + n, 2, i == 6 ? SG_ANCHOR_NONE : SG_ANCHOR_PINNED, 2);
    }
  }
  if (i != 7) {
    n += sg_fx_tlv(p + n, 3, cert, i == 9 ? 0u : (uint32_t)sizeof cert);
  }
  if (i == 11 || i == 12) { /* a pending cert without its mode / without activate_at */
    n += sg_fx_tlv(p + n, 4, cert, sizeof cert);
    n += sg_fx_tlv_u(p + n, i == 11 ? 6u : 5u, i == 11 ? 1u : SG_ANCHOR_CA, i == 11 ? 8u : 2u);
  }
  if (i == 13) {
    n += sg_fx_tlv_u(p + n, 5, SG_ANCHOR_NONE, 2);
  }
  n += sg_fx_tlv_u(p + n, 7, 1, 8);
  if (i != 14) {
    n += sg_fx_tlv_u(p + n, 8, 2, 8);
  }
  if (i == 3) {
    n += sg_fx_tlv_u(p + n, 9, 0, 2); /* unknown tag */
  }
  if (i == 15) {
    p[n++] = 0; /* a trailing byte too short for a TLV header */
  }
  if (i == 16) {
    n += sg_fx_tlv_u(p + n, 8, 2, 8); /* a repeated last tag */
  }
  if (i == 17) {
    sg_fx_le(p + n - 10, 200, 2); /* last TLV's length past the end */
  }
  return n;
}

static void test_crafted_records_refused(void) {
  for (int i = 0; i <= 24; i++) {
    uint32_t n = craft(i >= 18 ? 0 : i);
    uint32_t size = sg_fx_record(raw, 9, payload, n);
    switch (i) {
    case 18: raw[4] = 3; sg_fx_reseal(raw, n); break;              /* version */
    case 19: raw[6] = 1; sg_fx_reseal(raw, n); break;              /* reserved */
    case 20: sg_fx_le(raw + 8, 0, 4); sg_fx_reseal(raw, n); break; /* generation 0 */
    case 21: sg_fx_le(raw + 8, 0xFFFFFFFFu, 4); sg_fx_reseal(raw, n); break;
    case 22: raw[16 + n] = 1; sg_fx_reseal(raw, n); break;         /* padding */
    case 23: raw[0] = 's'; sg_fx_reseal(raw, n); break;            /* magic */
    case 24: sg_fx_le(raw + 12, HALF, 4); break;                   /* length */
    default: break;
    }
    fresh(0);
    memcpy(chip, raw, size);
    const int ret = sg_trustslot_load(&bd, &got);
    if (i == 0) {
      SG_CHECK_CODE(ret, SG_OK); /* the control: valid */
      SG_CHECK(got.state == SG_STATE_TRUSTED && got.generation == 9);
    } else {
      SG_CHECK_CODE(ret, SG_ERR_LOCKED);
      if (ret != SG_ERR_LOCKED) {
        sg_test_printf("    crafted case %d\n", i);
      }
      SG_CHECK(got.state == SG_STATE_LOCKED && got.anchor_len == 0);
      /* An invalid copy beside a valid one is ignored, even if newer. */
      n = craft(0);
      size = sg_fx_record(chip + HALF, 8, payload, n);
      SG_CHECK(size < HALF);
      SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
      SG_CHECK(got.generation == 8);
    }
  }
}

static void test_equal_generations_locked(void) {
  const uint32_t n = sg_fx_untrusted_payload(payload, 5, 6);
  fresh(0);
  sg_fx_record(chip, 7, payload, n);
  sg_fx_record(chip + HALF, 7, payload, n);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
}

static void test_rollback(void) {
  const sg_blob *es384 = vec("es384.crt.der");
  for (unsigned counter = 0; counter < 2; counter++) {
    make_rotating(&rec);
    provision(&rec, counter ? SG_FLASH_SIM_COUNTER : 0);
    memcpy(snap, chip, sizeof chip); /* the attacker's old image */
    memcpy(&want, &rec, sizeof want);
    /* Move on: TurnOff, then TurnOn with another certificate. */
    uint32_t g = rec.generation;
    sg_trust_record_factory(&rec);
    rec.generation = g;
    rec.seq_floor = 50;
    SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
    g = rec.generation;
    sg_fx_trusted(&rec, es384->data, (uint32_t)es384->len, SG_ANCHOR_PINNED);
    rec.generation = g;
    rec.seq_floor = 60;
    SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
    memcpy(&want, &rec, sizeof want);
    SG_CHECK(!counter || sg_flash_sim_counter(&sim) == rec.generation - 1u);
    memcpy(snap2, chip, sizeof chip);

    /* One old copy restored: the other copy is newer and wins. */
    for (unsigned c = 0; c < 2; c++) {
      memcpy(chip + c * HALF, snap + c * HALF, HALF);
      SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
      SG_CHECK(sg_fx_same(&got, &want));
      memcpy(chip, snap2, sizeof chip);
    }
    /* The whole old image restored: the counter catches it; without one it
     * loads the old record (the known limit). */
    memcpy(chip, snap, sizeof chip);
    const int ret = sg_trustslot_load(&bd, &got);
    if (counter) {
      SG_CHECK_CODE(ret, SG_ERR_LOCKED);
      SG_CHECK(got.state == SG_STATE_LOCKED);
      SG_CHECK_CODE(sg_trustslot_store(&bd, &want), SG_ERR_LOCKED);
    } else {
      SG_CHECK_CODE(ret, SG_OK);
      make_rotating(&rec);
      SG_CHECK(sg_fx_same(&got, &rec));
    }
    /* Erased storage after use: LOCKED with a counter, factory without. */
    memset(chip, 0xFF, sizeof chip);
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), counter ? SG_ERR_LOCKED : SG_OK);
  }
}

static void test_read_errors_locked(void) {
  make_rotating(&want);
  provision(&want, 0);
  sg_flash_sim_fail(&sim, SG_FLASH_SIM_FAIL_READ);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_STORAGE);
  SG_CHECK(got.state == SG_STATE_LOCKED && got.anchor_len == 0);
  sg_flash_sim_stats_reset(&sim);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_STORAGE);
  SG_CHECK(changes() == 0);
  /* Erase / program failures: error, and the old state still loads. */
  const unsigned kinds[2] = {SG_FLASH_SIM_FAIL_ERASE, SG_FLASH_SIM_FAIL_PROG};
  for (int k = 0; k < 2; k++) {
    sg_flash_sim_fail(&sim, kinds[k]);
    rec.seq_floor++;
    const uint32_t g = rec.generation;
    SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_STORAGE);
    SG_CHECK(rec.generation == g);
    sg_flash_sim_fail(&sim, 0);
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
    SG_CHECK(sg_fx_same(&got, &want));
    rec.seq_floor--;
  }
}

static void test_stuck_bit_fails_verify(void) {
  make_rotating(&want);
  provision(&want, SG_FLASH_SIM_COUNTER);
  /* rec.generation 3 lives in B; the next commit goes to A. A bit stuck
   * at 1 in A's generation field breaks both the old A and the new one. */
  SG_CHECK(sg_flash_sim_stick_bit(&sim, 8, 7, 1) == 0);
  memcpy(&rec, &want, sizeof rec);
  rec.generation = 3;
  rec.seq_floor = 43;
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_STORAGE);
  SG_CHECK(rec.generation == 3);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want) && got.generation == 3);
  SG_CHECK(sg_flash_sim_counter(&sim) == 2);
  /* Stuck in the mirror's copy instead: the commit succeeded, so the new
   * state is durable though the store reports the error. Bit 1 of B's
   * generation: 1 in generation 3 (B stays valid), must be 0 in 5. */
  sg_flash_sim_unstick(&sim);
  provision(&want, SG_FLASH_SIM_COUNTER);
  memcpy(&rec, &want, sizeof rec);
  rec.generation = 3;
  rec.seq_floor = 44;
  SG_CHECK(sg_flash_sim_stick_bit(&sim, HALF + 8, 1, 1) == 0);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(got.generation == 3);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_STORAGE);
  SG_CHECK(rec.generation == 4);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(got.seq_floor == 44 && got.generation == 4);
  sg_flash_sim_unstick(&sim);
  memcpy(&want, &got, sizeof want);
  SG_CHECK_CODE(sg_trustslot_store(&bd, &got), SG_OK);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, &want) && got.generation == 6);
}

static void test_stale_generation_refused(void) {
  make_rotating(&want);
  provision(&want, 0);
  const uint32_t g = rec.generation;
  memcpy(snap, chip, sizeof chip);
  sg_flash_sim_stats_reset(&sim);
  for (int d = -1; d <= 1; d += 2) {
    memcpy(&rec, &want, sizeof rec);
    rec.generation = (uint32_t)((int)g + d);
    SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_LOCKED);
  }
  SG_CHECK(changes() == 0 && memcmp(snap, chip, sizeof chip) == 0);
}

static void test_generation_exhaustion(void) {
  const uint32_t n = sg_fx_untrusted_payload(payload, 1, 2);
  fresh(0);
  sg_fx_record(chip, 0xFFFFFFFCu, payload, n);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &rec), SG_OK);
  rec.seq_floor = 3;
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
  SG_CHECK(rec.generation == 0xFFFFFFFEu);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(got.seq_floor == 3 && got.generation == 0xFFFFFFFEu);
  memcpy(snap, chip, sizeof chip);
  rec.seq_floor = 4;
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_ERR_STORAGE_FULL);
  SG_CHECK(memcmp(snap, chip, sizeof chip) == 0);
}

/* Records stream through small buffers: the slot's stack stays small. */
static void test_stack_use(void) {
  static uint8_t big[SG_MAX_CERT];
  sg_fx_blob(big, sizeof big, 4);
  sg_fx_trusted(&want, big, sizeof big, SG_ANCHOR_PINNED);
  sg_fx_pending(&want, big, sizeof big, SG_ANCHOR_CA, 1);
  fresh(SG_FLASH_SIM_COUNTER);
  memcpy(&rec, &want, sizeof rec);
  sg_board_stack_paint();
  SG_CHECK_CODE(sg_trustslot_store(&bd, &rec), SG_OK);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  const size_t peak = sg_board_stack_peak(); /* 0 where unsupported */
  SG_CHECK(sg_fx_same(&got, &want));
  SG_CHECK(peak < 4096u);
  sg_test_printf("    stack peak (whole test program) for store + load of the largest record: "
                 "%u bytes\n",
                 (unsigned)peak);
}

static void test_names(void) {
  SG_CHECK(strcmp(sg_trust_state_name(SG_STATE_UNTRUSTED), "UNTRUSTED") == 0);
  SG_CHECK(strcmp(sg_trust_state_name(SG_STATE_TRUSTED), "TRUSTED") == 0);
  SG_CHECK(strcmp(sg_trust_state_name(SG_STATE_LOCKED), "LOCKED") == 0);
  SG_CHECK(strcmp(sg_trust_state_name((sg_trust_state)1), "INVALID") == 0);
  SG_CHECK(strcmp(sg_anchor_mode_name(SG_ANCHOR_NONE), "none") == 0);
  SG_CHECK(strcmp(sg_anchor_mode_name(SG_ANCHOR_PINNED), "pinned") == 0);
  SG_CHECK(strcmp(sg_anchor_mode_name(SG_ANCHOR_CA), "ca") == 0);
  SG_CHECK(strcmp(sg_anchor_mode_name((sg_anchor_mode)1), "invalid") == 0);
}

int main(void) {
  sg_test_begin("trustslot");
  SG_RUN(test_factory_is_untrusted);
  SG_RUN(test_round_trip_every_state);
  SG_RUN(test_layout_matches_documentation);
  SG_RUN(test_former_anchors_layout);
  SG_RUN(test_store_recovery);
  SG_RUN(test_sizes);
  SG_RUN(test_geometry_checked);
  SG_RUN(test_store_rejects_inconsistent_records);
  SG_RUN(test_too_large_touches_nothing);
  SG_RUN(test_single_bit_flips);
  SG_RUN(test_both_copies_corrupt_is_locked);
  SG_RUN(test_stray_byte_in_erased_storage);
  SG_RUN(test_torn_genesis_is_factory);
  SG_RUN(test_crafted_records_refused);
  SG_RUN(test_equal_generations_locked);
  SG_RUN(test_rollback);
  SG_RUN(test_read_errors_locked);
  SG_RUN(test_stuck_bit_fails_verify);
  SG_RUN(test_stale_generation_refused);
  SG_RUN(test_generation_exhaustion);
  SG_RUN(test_stack_use);
  SG_RUN(test_names);
  return sg_test_end();
}

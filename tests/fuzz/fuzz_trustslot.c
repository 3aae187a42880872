/*
 * libFuzzer target: arbitrary bytes as the trust-slot flash, through
 * sg_trustslot_load (and, when it loads, sg_trustslot_store). Must never
 * crash, and every result must be self-consistent.
 *
 * Input: flags (1 byte), n (2 bytes LE), n bytes laid at the start of copy
 * A, the rest at the start of copy B; unset bytes stay erased (0xFF).
 * Flags: bit 0 / bit 1: give copy A / B a correct SHA-256 for the length
 * its header claims (so the fuzzer reaches the TLV parser without forging
 * digests); bit 2: the chip has a monotonic counter, valued flags >> 4.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sg_crypto.h"
#include "sg_flash_sim.h"
#include "stagegate/errors.h"
#include "trustslot.h"

#define SECTOR 1024u
#define SECTORS 10u
#define HALF (SECTOR * SECTORS / 2u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t chip[SECTOR * SECTORS];
static uint8_t image[SECTOR * SECTORS];
static uint8_t scratch[SECTOR * SECTORS];
static sg_trust_record rec, again, back;

#define REQUIRE(c)       \
  do {                   \
    if (!(c)) {          \
      __builtin_trap();  \
    }                    \
  } while (0)

static void fix_digest(uint8_t *copy) {
  const uint32_t len = (uint32_t)copy[12] | ((uint32_t)copy[13] << 8) |
                       ((uint32_t)copy[14] << 16) | ((uint32_t)copy[15] << 24);
  if (len > HALF) {
    return;
  }
  const uint32_t body = (16u + len + 31u) & ~31u;
  if (body + 32u <= HALF) {
    sg_sha256(copy, body, copy + body);
  }
}

static int mode_ok(sg_anchor_mode m) { return m == SG_ANCHOR_PINNED || m == SG_ANCHOR_CA; }

/* What a loaded record must look like. */
static void check_loaded(int ret, const sg_trust_record *r) {
  if (ret != SG_OK) {
    REQUIRE(ret == SG_ERR_LOCKED || ret == SG_ERR_STORAGE);
    REQUIRE(r->state == SG_STATE_LOCKED && r->anchor_len == 0 && r->pending_len == 0);
    return;
  }
  REQUIRE(r->anchor_len <= SG_MAX_CERT && r->pending_len <= SG_MAX_CERT);
  if (r->state == SG_STATE_UNTRUSTED) {
    REQUIRE(r->mode == SG_ANCHOR_NONE && r->anchor_len == 0 && r->pending_len == 0);
    REQUIRE(r->pending_mode == SG_ANCHOR_NONE && r->activate_at == 0);
    if (r->generation == 0) { /* factory */
      REQUIRE(r->seq_floor == 0 && r->time_floor == 0);
    }
  } else {
    REQUIRE(r->state == SG_STATE_TRUSTED);
    REQUIRE(mode_ok(r->mode) && r->anchor_len > 0 && r->generation > 0);
    if (r->pending_len > 0) {
      REQUIRE(mode_ok(r->pending_mode));
    } else {
      REQUIRE(r->pending_mode == SG_ANCHOR_NONE && r->activate_at == 0);
    }
  }
}

static int same_content(const sg_trust_record *a, const sg_trust_record *b) {
  return a->state == b->state && a->mode == b->mode && a->anchor_len == b->anchor_len &&
         memcmp(a->anchor, b->anchor, a->anchor_len) == 0 && a->pending_mode == b->pending_mode &&
         a->pending_len == b->pending_len && memcmp(a->pending, b->pending, a->pending_len) == 0 &&
         a->activate_at == b->activate_at && a->seq_floor == b->seq_floor &&
         a->time_floor == b->time_floor;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sg_flash_sim sim;
  sg_blockdev bd;
  if (size < 3) {
    return 0;
  }
  const unsigned flags = data[0];
  size_t n_a = (size_t)data[1] | ((size_t)data[2] << 8);
  data += 3;
  size -= 3;
  if (n_a > size) {
    n_a = size;
  }
  const size_t n_b = size - n_a;
  memset(image, 0xFF, sizeof image);
  memcpy(image, data, n_a < HALF ? n_a : HALF);
  memcpy(image + HALF, data + n_a, n_b < HALF ? n_b : HALF);
  if (flags & 1u) {
    fix_digest(image);
  }
  if (flags & 2u) {
    fix_digest(image + HALF);
  }
  const unsigned sim_flags = (flags & 4u) ? SG_FLASH_SIM_COUNTER : 0u;

  REQUIRE(sg_flash_sim_init(&sim, chip, sizeof chip, SECTOR, SECTORS, 8, sim_flags) == 0);
  memcpy(chip, image, sizeof chip);
  sg_flash_sim_counter_set(&sim, flags >> 4);
  sg_flash_sim_blockdev(&sim, &bd);

  const int ret = sg_trustslot_load(&bd, &rec);
  check_loaded(ret, &rec);
  REQUIRE(memcmp(chip, image, sizeof chip) == 0); /* load never writes */
  /* Deterministic. */
  const int ret2 = sg_trustslot_load(&bd, &again);
  REQUIRE(ret2 == ret && memcmp(&rec, &again, sizeof rec) == 0);
  if (ret != SG_OK) {
    /* A locked slot is never overwritten, whatever the caller passes. */
    sg_trust_record_factory(&again);
    const int sret = sg_trustslot_store(&bd, &again);
    REQUIRE(sret == SG_ERR_LOCKED || sret == SG_ERR_STORAGE);
    REQUIRE(memcmp(chip, image, sizeof chip) == 0);
    return 0;
  }
  /* Erased storage is factory, and nothing else loads as generation 0. */
  int erased = 1;
  for (size_t i = 0; i < sizeof image && erased; i++) {
    erased = image[i] == 0xFF;
  }
  if (erased && sim_flags == 0) {
    REQUIRE(rec.state == SG_STATE_UNTRUSTED && rec.generation == 0);
  }

  /* Whatever loads can be stored over, and reloads as stored. */
  memcpy(&again, &rec, sizeof again);
  int sret = sg_trustslot_store(&bd, &again);
  if (rec.generation > 0xFFFFFFFCu) {
    REQUIRE(sret == SG_ERR_STORAGE_FULL);
    REQUIRE(memcmp(chip, image, sizeof chip) == 0);
  } else {
    REQUIRE(sret == SG_OK);
    REQUIRE(sg_trustslot_load(&bd, &back) == SG_OK);
    REQUIRE(same_content(&back, &rec) && back.generation == again.generation);
    REQUIRE(back.generation > rec.generation);
  }

  /* And on fresh storage too. */
  sg_flash_sim fresh;
  sg_blockdev fbd;
  REQUIRE(sg_flash_sim_init(&fresh, scratch, sizeof scratch, SECTOR, SECTORS, 8,
                            SG_FLASH_SIM_STRICT) == 0);
  sg_flash_sim_blockdev(&fresh, &fbd);
  memcpy(&again, &rec, sizeof again);
  again.generation = 0;
  REQUIRE(sg_trustslot_store(&fbd, &again) == SG_OK);
  REQUIRE(sg_trustslot_load(&fbd, &back) == SG_OK);
  REQUIRE(same_content(&back, &rec));
  return 0;
}

/*
 * The TPM 2.0 NV counter (platform/posix/tpm_counter.c) against a real
 * software TPM (swtpm, started by tests/tpm/with-swtpm, which sets
 * SG_TEST_TCTI): definition on first use and only then, what existing
 * indices must look like, calibration (a TPM counter starts at the highest
 * value any counter ever held), raises that never lower, and the trust
 * slot over it -- an older image restored after TurnOff, a rotation or a
 * floor raise loads LOCKED, hundreds of stores stay current.
 *
 * `test_tpm_counter disappear`: the TPM goes away mid-use (swtpm killed):
 * every later load or store fails, none gives back an older state.
 *
 * Each case uses its own pair of NV indices, so cases do not depend on
 * each other's counters.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "sg_flash_sim.h"
#include "sg_slot_fixture.h"
#include "sg_test.h"
#include "sg_tpm_counter.h"
#include "stagegate/errors.h"

#define SECTOR 4096u
#define SECTORS 4u
#define PROG 8u

static const char *tcti;
static uint8_t chip[SECTOR * SECTORS];
static sg_flash_sim sim;
static sg_blockdev flash_bd, bd;
static sg_tpm_counter tpm;
static sg_trust_record rec, got;

/* ---- raw ESYS, for what only an attacker or a factory would do --------- */

static ESYS_CONTEXT *raw_esys;
static TSS2_TCTI_CONTEXT *raw_tcti;

static void raw_open(void) {
  SG_CHECK(Tss2_TctiLdr_Initialize(tcti, &raw_tcti) == TSS2_RC_SUCCESS);
  SG_CHECK(Esys_Initialize(&raw_esys, raw_tcti, NULL) == TSS2_RC_SUCCESS);
}

static void raw_close(void) {
  Esys_Finalize(&raw_esys);
  Tss2_TctiLdr_Finalize(&raw_tcti);
}

static TSS2_RC raw_define(uint32_t index, TPMA_NV attrs, uint16_t size) {
  TPM2B_AUTH auth;
  TPM2B_NV_PUBLIC pub;
  ESYS_TR tr = ESYS_TR_NONE;
  memset(&auth, 0, sizeof auth);
  memset(&pub, 0, sizeof pub);
  pub.nvPublic.nvIndex = index;
  pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
  pub.nvPublic.attributes = attrs;
  pub.nvPublic.dataSize = size;
  const TSS2_RC rc = Esys_NV_DefineSpace(raw_esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                         ESYS_TR_NONE, &auth, &pub, &tr);
  if (rc == TSS2_RC_SUCCESS) {
    (void)Esys_TR_Close(raw_esys, &tr);
  }
  return rc;
}

static TSS2_RC raw_write_u64(uint32_t index, uint64_t v) {
  ESYS_TR tr = ESYS_TR_NONE;
  TPM2B_MAX_NV_BUFFER data;
  memset(&data, 0, sizeof data);
  data.size = 8;
  for (unsigned i = 0; i < 8; i++) {
    data.buffer[i] = (uint8_t)(v >> (56u - 8u * i));
  }
  TSS2_RC rc = Esys_TR_FromTPMPublic(raw_esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
  if (rc == TSS2_RC_SUCCESS) {
    rc = Esys_NV_Write(raw_esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
    (void)Esys_TR_Close(raw_esys, &tr);
  }
  return rc;
}

static TSS2_RC raw_writelock(uint32_t index) {
  ESYS_TR tr = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(raw_esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
  if (rc == TSS2_RC_SUCCESS) {
    rc = Esys_NV_WriteLock(raw_esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
    (void)Esys_TR_Close(raw_esys, &tr);
  }
  return rc;
}

static TSS2_RC raw_increment(uint32_t index) {
  ESYS_TR tr = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(raw_esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
  if (rc == TSS2_RC_SUCCESS) {
    rc = Esys_NV_Increment(raw_esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
    (void)Esys_TR_Close(raw_esys, &tr);
  }
  return rc;
}

static uint64_t raw_value(uint32_t index) {
  ESYS_TR tr = ESYS_TR_NONE;
  TPM2B_MAX_NV_BUFFER *data = NULL;
  uint64_t v = 0;
  SG_CHECK(Esys_TR_FromTPMPublic(raw_esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr) ==
           TSS2_RC_SUCCESS);
  if (Esys_NV_Read(raw_esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, 8, 0, &data) ==
      TSS2_RC_SUCCESS) {
    for (unsigned i = 0; i < 8 && i < data->size; i++) {
      v = (v << 8) | data->buffer[i];
    }
    Esys_Free(data);
  }
  (void)Esys_TR_Close(raw_esys, &tr);
  return v;
}

#define COUNTER_ATTRS                                                              \
  (TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA |                          \
   (TPMA_NV)((TPMA_NV)TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT))
#define BASE_ATTRS (TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA | TPMA_NV_WRITEDEFINE)

/* ---- the counter itself ------------------------------------------------ */

static void test_defined_on_first_use_only(void) {
  const uint32_t idx = 0x01005400u;
  uint32_t v = 99;
  sg_tpm_counter_init(&tpm);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, idx, 0), SG_ERR_STORAGE);
  SG_CHECK(strstr(sg_tpm_counter_error(&tpm), "missing") != NULL);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) != 0); /* a failed open fails closed */
  SG_CHECK(sg_tpm_counter_raise(&tpm, 1) != 0);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, idx, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 0);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 5) == 0);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 5);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 3) == 0); /* "at least": never lowers */
  SG_CHECK(sg_tpm_counter_raise(&tpm, 5) == 0);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 5);
  sg_tpm_counter_close(&tpm);
  /* A new process finds it, without defining anything. */
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, idx, 0), SG_OK);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 5);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 7) == 0);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 7);
  /* Removed (decommissioning): gone for the next open. */
  SG_CHECK(sg_tpm_counter_remove(&tpm) == 0);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) != 0);
  sg_tpm_counter_close(&tpm);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, idx, 0), SG_ERR_STORAGE);
  sg_tpm_counter_close(&tpm);
}

/* A TPM counter starts at the highest value any counter ever held; the
 * slot's counter still starts at 0. */
static void test_calibration(void) {
  const uint32_t hi = 0x01005410u;
  const uint32_t idx = 0x01005420u;
  uint32_t v = 99;
  sg_tpm_counter_init(&tpm);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, hi, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 300) == 0);
  raw_open();
  const uint64_t hi_raw = raw_value(hi);
  SG_CHECK(hi_raw >= 300);
  /* Deleting a counter makes the TPM remember its value: every counter
   * defined later starts above it. */
  SG_CHECK(sg_tpm_counter_remove(&tpm) == 0);
  sg_tpm_counter_close(&tpm);

  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, idx, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 0);
  /* Cut after the calibration increment, before the base write (and an
   * intruder's increments on top): still 0, and the next raise calibrates. */
  SG_CHECK(raw_increment(idx) == TSS2_RC_SUCCESS);
  SG_CHECK(raw_increment(idx) == TSS2_RC_SUCCESS);
  SG_CHECK(raw_value(idx) > hi_raw);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 0);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 2) == 0);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 2);
  SG_CHECK(raw_value(idx) == raw_value(idx + 1u) + 2u); /* raw = base + 2 */
  SG_CHECK(raw_write_u64(idx + 1u, 0) != TSS2_RC_SUCCESS); /* the base is final */
  /* Increments by anyone else only ever raise it (the device locks). */
  SG_CHECK(raw_increment(idx) == TSS2_RC_SUCCESS);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 3);
  /* Too large a step in one raise is refused, and changes nothing. */
  SG_CHECK(sg_tpm_counter_raise(&tpm, 3u + SG_TPM_MAX_STEP + 1u) != 0);
  SG_CHECK(strstr(sg_tpm_counter_error(&tpm), "refused") != NULL);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 3);
  sg_tpm_counter_close(&tpm);

  /* Cut between the base write and its lock: the base is used as written,
   * and locked by the next raise before any increment. */
  const uint32_t cut = 0x01005460u;
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, cut, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(raw_increment(cut) == TSS2_RC_SUCCESS);
  const uint64_t at_calibration = raw_value(cut);
  SG_CHECK(raw_write_u64(cut + 1u, at_calibration) == TSS2_RC_SUCCESS);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 0);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 2) == 0);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v == 2);
  SG_CHECK(raw_value(cut + 1u) == at_calibration);
  SG_CHECK(raw_write_u64(cut + 1u, 0) != TSS2_RC_SUCCESS);
  raw_close();
  sg_tpm_counter_close(&tpm);
}

/* Someone with TPM access writes or locks the base before the first raise
 * does. Above the counter: every read fails, the slot is LOCKED. Below
 * it: the counter starts above 0, which can only lock the device (a
 * denial of service, never an older state). Locked unwritten: the counter
 * could never be calibrated, so it is refused rather than read as 0. Once
 * a raise has calibrated it, the base is locked for good. */
static void test_base_tampered_before_calibration(void) {
  const uint32_t hi_idx = 0x01005430u;
  const uint32_t lo_idx = 0x01005440u;
  const uint32_t lk_idx = 0x01005450u;
  uint32_t v = 0;
  raw_open();
  sg_tpm_counter_init(&tpm);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, hi_idx, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(raw_write_u64(hi_idx + 1u, UINT64_C(1) << 60) == TSS2_RC_SUCCESS);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 2) != 0);
  SG_CHECK(strstr(sg_tpm_counter_error(&tpm), "out of range") != NULL);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) != 0);

  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, lo_idx, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(raw_write_u64(lo_idx + 1u, 0) == TSS2_RC_SUCCESS);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 1) == 0);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0 && v >= 1u);
  SG_CHECK(v == raw_value(lo_idx)); /* raw - 0 */
  SG_CHECK(raw_write_u64(lo_idx + 1u, 5) != TSS2_RC_SUCCESS); /* locked by the raise */
  SG_CHECK(raw_value(lo_idx + 1u) == 0);

  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, lk_idx, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(raw_writelock(lk_idx + 1u) == TSS2_RC_SUCCESS);
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) != 0);
  SG_CHECK(sg_tpm_counter_raise(&tpm, 2) != 0);
  SG_CHECK(strstr(sg_tpm_counter_error(&tpm), "never written") != NULL);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, lk_idx, 0), SG_ERR_STORAGE);
  sg_tpm_counter_close(&tpm);
  raw_close();
}

/* Indices that are not ours, or not safe, are refused (table). */
static void test_foreign_indices_refused(void) {
  static const struct {
    const char *what;
    TPMA_NV counter_attrs, base_attrs;
    uint16_t counter_size, base_size;
  } cases[] = {
      {"ordinary index as the counter",
       TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_NO_DA, BASE_ATTRS, 8, 8},
      {"orderly counter (may jump after a power loss)", COUNTER_ATTRS | TPMA_NV_ORDERLY,
       BASE_ATTRS, 8, 8},
      {"counter only owner-writable", (COUNTER_ATTRS & ~TPMA_NV_AUTHWRITE) | TPMA_NV_OWNERWRITE,
       BASE_ATTRS, 8, 8},
      {"base lock that would not last", COUNTER_ATTRS, BASE_ATTRS & ~TPMA_NV_WRITEDEFINE, 8, 8},
      {"base lock undone by a reboot", COUNTER_ATTRS, BASE_ATTRS | TPMA_NV_WRITE_STCLEAR, 8, 8},
      {"counter that can be write-locked", COUNTER_ATTRS | TPMA_NV_WRITEDEFINE, BASE_ATTRS, 8, 8},
      {"counter that a reboot-long lock stops", COUNTER_ATTRS | TPMA_NV_WRITE_STCLEAR, BASE_ATTRS,
       8, 8},
      {"counter under the global lock", COUNTER_ATTRS | TPMA_NV_GLOBALLOCK, BASE_ATTRS, 8, 8},
      {"base of 4 bytes", COUNTER_ATTRS, BASE_ATTRS, 8, 4},
      {"orderly base", COUNTER_ATTRS, BASE_ATTRS | TPMA_NV_ORDERLY, 8, 8},
      {"base is a counter", COUNTER_ATTRS, COUNTER_ATTRS, 8, 8},
  };
  raw_open();
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const uint32_t idx = 0x01005500u + 2u * i;
    SG_CHECK(raw_define(idx, cases[i].counter_attrs, cases[i].counter_size) == TSS2_RC_SUCCESS);
    SG_CHECK(raw_define(idx + 1u, cases[i].base_attrs, cases[i].base_size) == TSS2_RC_SUCCESS);
    sg_tpm_counter_init(&tpm);
    const int ret = sg_tpm_counter_open(&tpm, tcti, idx, 0);
    if (ret != SG_ERR_STORAGE || strstr(sg_tpm_counter_error(&tpm), "not a stagegate") == NULL) {
      sg_test_printf("    %s: open gave %s (%s)\n", cases[i].what, sg_strerror_name(ret),
                     sg_tpm_counter_error(&tpm));
    }
    SG_CHECK_CODE(ret, SG_ERR_STORAGE);
    SG_CHECK(strstr(sg_tpm_counter_error(&tpm), "not a stagegate") != NULL);
    sg_tpm_counter_close(&tpm);
  }
  raw_close();
}

static void test_bad_arguments(void) {
  sg_tpm_counter_init(&tpm);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, 0x81000001u, SG_TPM_DEFINE), SG_ERR_ARG);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, 0x01FFFFFFu, SG_TPM_DEFINE), SG_ERR_ARG);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, "swtpm:host=127.0.0.1,port=1", 0, SG_TPM_DEFINE),
                SG_ERR_STORAGE);
  SG_CHECK(strstr(sg_tpm_counter_error(&tpm), "TCTI") != NULL);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, "no-such-tcti", 0, SG_TPM_DEFINE), SG_ERR_STORAGE);
  sg_tpm_counter_close(&tpm);
  sg_tpm_counter_close(&tpm); /* twice: safe */
}

/* ---- the trust slot over it ---------------------------------------------- */

static void slot_fresh(uint32_t idx) {
  SG_CHECK(sg_flash_sim_init(&sim, chip, sizeof chip, SECTOR, SECTORS, PROG, SG_FLASH_SIM_STRICT) ==
           0);
  sg_flash_sim_blockdev(&sim, &flash_bd);
  sg_tpm_counter_init(&tpm);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, idx, SG_TPM_DEFINE), SG_OK);
  sg_tpm_counter_blockdev(&tpm, &flash_bd, &bd);
}

static int slot_store(const sg_trust_record *to) {
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  memcpy(&rec, to, sizeof rec);
  rec.generation = got.generation;
  return sg_trustslot_store(&bd, &rec);
}

/* The restore attack: an image saved before `after` is put back once
 * `after` is stored; it must load LOCKED (and the current image still
 * loads). */
static void restore_attack(const char *what, const sg_trust_record *before,
                           const sg_trust_record *after) {
  static uint8_t old_img[sizeof chip], cur_img[sizeof chip];
  SG_CHECK_CODE(slot_store(before), SG_OK);
  memcpy(old_img, chip, sizeof chip);
  SG_CHECK_CODE(slot_store(after), SG_OK);
  memcpy(cur_img, chip, sizeof chip);
  memcpy(chip, old_img, sizeof chip);
  const int ret = sg_trustslot_load(&bd, &got);
  if (ret != SG_ERR_LOCKED) {
    sg_test_printf("    %s: restored image loads %s\n", what, sg_strerror_name(ret));
  }
  SG_CHECK_CODE(ret, SG_ERR_LOCKED);
  SG_CHECK(got.state == SG_STATE_LOCKED);
  /* Nor can a store proceed from it. */
  memcpy(&rec, after, sizeof rec);
  rec.generation = 0;
  SG_CHECK(sg_trustslot_store(&bd, &rec) != SG_OK);
  /* Erasing the slot altogether does not give a factory device either. */
  memset(chip, 0xFF, sizeof chip);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_ERR_LOCKED);
  memcpy(chip, cur_img, sizeof chip);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(sg_fx_same(&got, after));
}

static void test_restored_slot_is_locked(void) {
  static uint8_t cert_a[700], cert_b[900];
  static sg_trust_record on, rotating, rotated, floor_up, off;
  sg_fx_blob(cert_a, sizeof cert_a, 1);
  sg_fx_blob(cert_b, sizeof cert_b, 2);
  sg_fx_trusted(&on, cert_a, sizeof cert_a, SG_ANCHOR_PINNED);
  on.seq_floor = 10;
  on.time_floor = 1763900000u;
  rotating = on;
  sg_fx_pending(&rotating, cert_b, sizeof cert_b, SG_ANCHOR_CA, 1764500000u);
  sg_fx_trusted(&rotated, cert_b, sizeof cert_b, SG_ANCHOR_CA);
  rotated.seq_floor = 11;
  rotated.time_floor = 1764500000u;
  floor_up = rotated;
  floor_up.seq_floor = 12;
  floor_up.time_floor = 1764600000u;
  sg_trust_record_factory(&off);
  off.seq_floor = 13;
  off.time_floor = 1764600000u;

  slot_fresh(0x01005600u);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK); /* factory, counter 0 */
  restore_attack("after a rotation (old anchor back)", &rotating, &rotated);
  restore_attack("after a floor raise (replay window back)", &rotated, &floor_up);
  restore_attack("after TurnOff (trusted again)", &floor_up, &off);
  uint32_t v = 0;
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0);
  SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
  SG_CHECK(v + 1u == got.generation); /* raised to the commit, mirror one above */
  sg_tpm_counter_close(&tpm);
}

static void test_hundreds_of_stores(void) {
  static uint8_t cert[800];
  static sg_trust_record s;
  const unsigned n = 300;
  unsigned good = 0;
  sg_fx_blob(cert, sizeof cert, 3);
  slot_fresh(0x01005610u);
  for (unsigned i = 0; i < n; i++) {
    sg_fx_trusted(&s, cert, sizeof cert, SG_ANCHOR_PINNED);
    s.seq_floor = 100u + i;
    s.time_floor = 1763900000u + i;
    if (slot_store(&s) == SG_OK && sg_trustslot_load(&bd, &got) == SG_OK &&
        got.state == SG_STATE_TRUSTED && sg_fx_same(&got, &s)) {
      good++;
    }
  }
  uint32_t v = 0;
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0);
  sg_test_printf("    %u of %u stores loaded back TRUSTED; generation %u, counter %u\n", good, n,
                 (unsigned)got.generation, (unsigned)v);
  SG_CHECK(good == n);
  SG_CHECK(v + 1u == got.generation);
  sg_tpm_counter_close(&tpm);
}

/* ---- the TPM disappears ---------------------------------------------------- */

static void test_tpm_disappears(void) {
  static uint8_t cert[600], before_img[sizeof chip];
  static sg_trust_record a, b;
  const char *pid = getenv("SG_SWTPM_PID");
  SG_CHECK(pid != NULL);
  if (pid == NULL) {
    return;
  }
  sg_fx_blob(cert, sizeof cert, 4);
  sg_fx_trusted(&a, cert, sizeof cert, SG_ANCHOR_PINNED);
  a.seq_floor = 20;
  b = a;
  b.seq_floor = 21;
  slot_fresh(0x01005620u);
  SG_CHECK_CODE(slot_store(&a), SG_OK);
  memcpy(before_img, chip, sizeof chip);
  SG_CHECK_CODE(slot_store(&b), SG_OK);
  SG_CHECK(kill((pid_t)atol(pid), SIGKILL) == 0);
  /* Every operation now fails: no load at all, and neither the current
   * nor (restored) the previous image loads. */
  int ret = sg_trustslot_load(&bd, &got);
  SG_CHECK(ret == SG_ERR_STORAGE || ret == SG_ERR_LOCKED);
  SG_CHECK(got.state == SG_STATE_LOCKED);
  memcpy(&rec, &a, sizeof rec);
  rec.generation = 7; /* any: it must not be written */
  SG_CHECK(sg_trustslot_store(&bd, &rec) != SG_OK);
  memcpy(chip, before_img, sizeof chip);
  ret = sg_trustslot_load(&bd, &got);
  SG_CHECK(ret == SG_ERR_STORAGE || ret == SG_ERR_LOCKED);
  SG_CHECK(got.state == SG_STATE_LOCKED);
  sg_test_printf("    after the TPM died: load gives %s, error \"%s\"\n", sg_strerror_name(ret),
                 sg_tpm_counter_error(&tpm));
  sg_tpm_counter_close(&tpm);
  /* Reconnecting fails too. */
  sg_tpm_counter_init(&tpm);
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, 0x01005620u, 0), SG_ERR_STORAGE);
  sg_tpm_counter_close(&tpm);
}

int main(int argc, char **argv) {
  sg_test_begin("tpm_counter");
  tcti = getenv("SG_TEST_TCTI");
  SG_CHECK(tcti != NULL); /* run me through tests/tpm/with-swtpm */
  if (tcti == NULL) {
    return sg_test_end();
  }
  if (argc > 1 && strcmp(argv[1], "disappear") == 0) {
    SG_RUN(test_tpm_disappears);
    return sg_test_end();
  }
  SG_RUN(test_defined_on_first_use_only);
  SG_RUN(test_calibration);
  SG_RUN(test_base_tampered_before_calibration);
  SG_RUN(test_foreign_indices_refused);
  SG_RUN(test_bad_arguments);
  SG_RUN(test_restored_slot_is_locked);
  SG_RUN(test_hundreds_of_stores);
  return sg_test_end();
}

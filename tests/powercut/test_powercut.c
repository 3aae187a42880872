/*
 * Power-cut suite, in the manner of MCUboot's simulator and littlefs'
 * power-loss runner: for every trust-slot transition, cut power during
 * every state-changing flash operation N (several ways each: nothing
 * written, a prefix with a torn unit, all written but unacknowledged; for
 * erases, partly erased or garbage), reboot, and require that the slot
 * loads exactly the old or exactly the new record -- never LOCKED, never a
 * mix -- and that storing again then works. Each transition is also swept
 * again from the torn states a previous cut left behind, and once more
 * with a monotonic counter (whose raise can be cut too).
 *
 * Built a second time as test_powercut_tpm (SG_POWERCUT_TPM, tests/tpm):
 * the counter cases then run with the counter in a real TPM 2.0 (swtpm,
 * through sg_tpm_counter) and power cut during the slot write before the
 * raise, before the increments, between them, after them, and right after.
 * A TPM counter cannot be set back, so "restoring the chip" there means a
 * fresh NV index raised to the saved value.
 */
#include <string.h>

#include "sg_blob.h"
#include "sg_flash_sim.h"
#include "sg_slot_fixture.h"
#include "sg_test.h"
#include "stagegate/errors.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

#define SECTOR 4096u
#define SECTORS 4u
#define PROG 8u
#define SEEDS 3u         /* ways to tear each operation */
#define STATES 10

static uint8_t chip[SECTOR * SECTORS];
static uint8_t chain_img[SECTOR * SECTORS]; /* storage holding states[i-1] */
static uint8_t base_img[SECTOR * SECTORS];  /* starting point of one sweep */
static uint32_t chain_counter, base_counter; /* the counter is part of the chip */
static sg_flash_sim sim;
static sg_blockdev bd;
static sg_trust_record states[STATES];
static sg_trust_record base_rec, rec, got;
static const char *names[STATES];

static unsigned total_cuts;
static unsigned loaded_old, loaded_new;
static unsigned total_failures;

/* ---- the monotonic counter: the chip's, or a TPM's -------------------------- */
#ifdef SG_POWERCUT_TPM
#include <stdlib.h>

#include "sg_tpm_counter.h"

#define PC_TPM_INDEX 0x01005800u
static sg_tpm_counter tpm;
static const char *tcti;
static sg_blockdev sim_bd;
static uint32_t raise_cut_mode; /* how a cut raise ends: seed % 3 */
static uint32_t raise_op_seen;  /* operation number of the last raise */
static uint32_t dry_raise_op;   /* ... in the uninterrupted store */
static unsigned raise_cuts[3];  /* cut raises, by how they ended */

static int pc_counter_read(void *ctx, uint32_t *value) {
  (void)ctx;
  return sg_flash_sim_is_off(&sim) ? -1 : sg_tpm_counter_read(&tpm, value);
}

/* The chip counts the raise as one operation and decides whether power is
 * lost during it; then the TPM is raised fully, partly or not at all. */
static int pc_counter_raise(void *ctx, uint32_t value) {
  (void)ctx;
  const int was_off = sg_flash_sim_is_off(&sim);
  const int ret = sim_bd.counter_raise(sim_bd.ctx, value);
  raise_op_seen = sg_flash_sim_ops(&sim);
  if (ret == 0) {
    return sg_tpm_counter_raise(&tpm, value);
  }
  if (!was_off) {
    raise_cuts[raise_cut_mode]++;
  }
  if (!was_off && raise_cut_mode == 1) {
    (void)sg_tpm_counter_raise(&tpm, value); /* cut after the increments */
  } else if (!was_off && raise_cut_mode == 2 && value > 1u) {
    (void)sg_tpm_counter_raise(&tpm, value - 1u); /* cut between them */
  }
  return -1; /* seed % 3 == 0: cut before the first increment */
}

static void counter_set(uint32_t value) {
  uint32_t cur = 0;
  if (sg_tpm_counter_read(&tpm, &cur) == 0 && cur == value) {
    return;
  }
  if (sg_tpm_counter_open(&tpm, tcti, PC_TPM_INDEX, SG_TPM_DEFINE) == SG_OK) {
    (void)sg_tpm_counter_remove(&tpm);
  }
  SG_CHECK_CODE(sg_tpm_counter_open(&tpm, tcti, PC_TPM_INDEX, SG_TPM_DEFINE), SG_OK);
  SG_CHECK(sg_tpm_counter_raise(&tpm, value) == 0);
}

static uint32_t counter_get(void) {
  uint32_t v = 0;
  SG_CHECK(sg_tpm_counter_read(&tpm, &v) == 0);
  return v;
}

static void power_cut(uint32_t n, uint32_t seed) {
  raise_cut_mode = seed % 3u;
  sg_flash_sim_power_cut(&sim, n, seed);
}

/* Cut points with the TPM: every operation up to the raise (the slot write
 * before the increment), the raise every way (before, between and after
 * the increments), and the first operation after it. The later mirror
 * writes meet a counter that is already raised, exactly as in the
 * chip-counter run, which sweeps them; and each TPM "restore" costs NV
 * defines and increments. Flash operations are torn one way here (the
 * chip-counter run tears them every way). */
static uint32_t seeds_for(uint32_t n) {
  return n == dry_raise_op ? SEEDS : n <= dry_raise_op + 1u ? 1u : 0u;
}
static void dry_run_done(void) { dry_raise_op = raise_op_seen; }

static void use_counter_backend(void) {
  sg_flash_sim_blockdev(&sim, &sim_bd);
  bd = sim_bd;
  bd.counter_read = pc_counter_read;
  bd.counter_raise = pc_counter_raise;
  counter_set(0);
}
#else
static void counter_set(uint32_t value) { sg_flash_sim_counter_set(&sim, value); }
static uint32_t counter_get(void) { return sg_flash_sim_counter(&sim); }
static void power_cut(uint32_t n, uint32_t seed) { sg_flash_sim_power_cut(&sim, n, seed); }
static void use_counter_backend(void) {}
static uint32_t seeds_for(uint32_t n) {
  (void)n;
  return SEEDS;
}
static void dry_run_done(void) {}
#endif

typedef struct {
  uint32_t ops, erases, progs, raises;
} op_count;

static void build_states(void) {
  static uint8_t big[SG_MAX_CERT];
  const sg_blob *rsa = sg_blob_find(sg_vectors, sg_vectors_count, "rsa2048.crt.der");
  const sg_blob *es256 = sg_blob_find(sg_vectors, sg_vectors_count, "es256.crt.der");
  SG_CHECK(rsa != NULL && es256 != NULL);
  if (rsa == NULL || es256 == NULL) {
    return;
  }
  sg_trust_record *s = states;
  sg_trust_record_factory(&s[0]);
  names[0] = "factory";

  names[1] = "factory -> TurnOn (pinned)";
  sg_fx_trusted(&s[1], rsa->data, (uint32_t)rsa->len, SG_ANCHOR_PINNED);
  s[1].seq_floor = 10;
  s[1].time_floor = 1763900000u;

  names[2] = "rotation pending";
  s[2] = s[1];
  sg_fx_pending(&s[2], es256->data, (uint32_t)es256->len, SG_ANCHOR_CA, 1764500000u);
  s[2].seq_floor = 11;
  s[2].time_floor = 1763900100u;

  names[3] = "rotation activated";
  s[3] = s[2];
  memcpy(s[3].anchor, s[2].pending, s[2].pending_len);
  s[3].anchor_len = s[2].pending_len;
  s[3].mode = s[2].pending_mode;
  memset(s[3].pending, 0, sizeof s[3].pending);
  s[3].pending_len = 0;
  s[3].pending_mode = SG_ANCHOR_NONE;
  s[3].activate_at = 0;

  names[4] = "seq floor raised";
  s[4] = s[3];
  s[4].seq_floor = 12;

  names[5] = "time floor raised";
  s[5] = s[4];
  s[5].time_floor = 1764600000u;

  names[6] = "TurnOff (floor kept for the former anchor)";
  sg_trust_record_factory(&s[6]);
  s[6].time_floor = 1764600000u;
  memset(s[6].former[0].key_id, 0xE5, 32);
  s[6].former[0].seq_floor = 13;
  s[6].former_count = 1;

  names[7] = "TurnOn again (ca, 2000 B)";
  sg_fx_blob(big, 2000, 77);
  sg_fx_trusted(&s[7], big, 2000, SG_ANCHOR_CA);
  s[7].seq_floor = 14;
  s[7].time_floor = 1764700000u;
  s[7].former[0] = s[6].former[0];
  s[7].former_count = 1;

  names[8] = "rotation pending (max size)";
  s[8] = s[7];
  sg_fx_blob(big, SG_MAX_CERT, 78);
  memcpy(s[8].anchor, big, SG_MAX_CERT);
  s[8].anchor_len = SG_MAX_CERT;
  sg_fx_blob(big, SG_MAX_CERT, 79);
  sg_fx_pending(&s[8], big, SG_MAX_CERT, SG_ANCHOR_PINNED, 1764800000u);
  s[8].seq_floor = 15;
  for (uint32_t k = 0; k < SG_MAX_FORMER_ANCHORS; k++) { /* the largest record */
    memset(s[8].former[k].key_id, (int)(0x70 + k), 32);
    s[8].former[k].seq_floor = 100u + k;
  }
  s[8].former_count = SG_MAX_FORMER_ANCHORS;

  names[9] = "rotation activated (max)";
  s[9] = s[8];
  memcpy(s[9].anchor, s[8].pending, s[8].pending_len);
  s[9].mode = SG_ANCHOR_PINNED;
  memset(s[9].pending, 0, sizeof s[9].pending);
  s[9].pending_len = 0;
  s[9].pending_mode = SG_ANCHOR_NONE;
  s[9].activate_at = 0;
  s[9].seq_floor = 16;
}

static void fresh(unsigned flags) {
  SG_CHECK(sg_flash_sim_init(&sim, chip, sizeof chip, SECTOR, SECTORS, PROG,
                             flags | SG_FLASH_SIM_STRICT) == 0);
  sg_flash_sim_blockdev(&sim, &bd);
  if ((flags & SG_FLASH_SIM_COUNTER) != 0) {
    use_counter_backend();
  }
}

/* Store `to` over what `from_gen` names; rec ends as the stored record. */
static int store(const sg_trust_record *to, uint32_t from_gen) {
  memcpy(&rec, to, sizeof rec);
  rec.generation = from_gen;
  return sg_trustslot_store(&bd, &rec);
}

/* Uninterrupted store from the base image: how many operations it takes. */
static op_count dry_run(const sg_trust_record *to) {
  op_count c = {0, 0, 0, 0};
  sg_flash_sim_stats st;
  memcpy(chip, base_img, sizeof chip);
  counter_set(base_counter);
  sg_flash_sim_reboot(&sim);
  sg_flash_sim_stats_reset(&sim);
  SG_CHECK_CODE(store(to, base_rec.generation), SG_OK);
  sg_flash_sim_stats_get(&sim, &st);
  dry_run_done();
  c.ops = sg_flash_sim_ops(&sim);
  c.erases = st.erases;
  c.progs = st.progs;
  c.raises = st.counter_raises;
  SG_CHECK(c.ops == c.erases + c.progs + c.raises);
  return c;
}

/*
 * One cut: from base_img (holding base_rec), store `to` with power lost
 * during operation n; reboot; the slot must hold base_rec or `to`
 * exactly; then a store of `to` must work. 1 if all held.
 */
static int cut_once(const sg_trust_record *to, uint32_t n, uint32_t seed) {
  memcpy(chip, base_img, sizeof chip);
  counter_set(base_counter);
  sg_flash_sim_reboot(&sim);
  power_cut(n, seed);
  const int ret = store(to, base_rec.generation);
  const int cut = sg_flash_sim_is_off(&sim);
  sg_flash_sim_reboot(&sim);
  if (!cut || ret == SG_OK) {
    sg_test_printf("    op %u seed %u: cut=%d ret=%s\n", (unsigned)n, (unsigned)seed, cut,
                   sg_strerror_name(ret));
    return 0;
  }
  const int lret = sg_trustslot_load(&bd, &got);
  const int is_old = lret == SG_OK && sg_fx_same(&got, &base_rec);
  const int is_new = lret == SG_OK && sg_fx_same(&got, to);
  /* Generations: the old record's (or 0/1 for factory/genesis), or newer. */
  const int gen_ok = (is_new && got.generation > base_rec.generation) ||
                     (is_old && (got.generation == base_rec.generation ||
                                 (base_rec.generation == 0 && got.generation == 1)));
  if (!(is_old || is_new) || !gen_ok) {
    sg_test_printf("    op %u seed %u: load %s, state %s, gen %u (old gen %u), old %d new %d\n",
                   (unsigned)n, (unsigned)seed, sg_strerror_name(lret),
                   sg_trust_state_name(got.state), (unsigned)got.generation,
                   (unsigned)base_rec.generation, is_old, is_new);
    return 0;
  }
  if (is_new) {
    loaded_new++;
  } else {
    loaded_old++;
  }
  /* Resume: the next store from whatever loaded works and loads. */
  if (store(to, got.generation) != SG_OK || sg_trustslot_load(&bd, &got) != SG_OK ||
      !sg_fx_same(&got, to)) {
    sg_test_printf("    op %u seed %u: resume failed\n", (unsigned)n, (unsigned)seed);
    return 0;
  }
  return 1;
}

/* Every operation, SEEDS ways; returns cut points tried. */
static unsigned sweep(const sg_trust_record *to, uint32_t ops) {
  unsigned tried = 0;
  for (uint32_t n = 1; n <= ops; n++) {
    for (uint32_t seed = 0; seed < seeds_for(n); seed++) {
      tried++;
      if (!cut_once(to, n, seed)) {
        total_failures++;
        SG_CHECK(0 && "power cut left neither the old nor the new record");
        return tried;
      }
    }
  }
  return tried;
}

/* Make base_img / base_rec the chain image after storing the transition's
 * old state, optionally torn by a previous cut at op `pre`. */
static void set_base(uint32_t pre, const sg_trust_record *to, uint32_t seed) {
  memcpy(chip, chain_img, sizeof chip);
  counter_set(chain_counter);
  sg_flash_sim_reboot(&sim);
  if (pre > 0) {
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
    power_cut(pre, seed);
    (void)store(to, got.generation);
    sg_flash_sim_reboot(&sim);
  }
  SG_CHECK_CODE(sg_trustslot_load(&bd, &base_rec), SG_OK);
  memcpy(base_img, chip, sizeof chip);
  base_counter = counter_get();
}

static void run_chain(unsigned flags, int with_precuts) {
  op_count worst = {0, 0, 0, 0};
  unsigned cuts = 0;
  fresh(flags);
  memcpy(chain_img, chip, sizeof chip);
  chain_counter = 0;
  for (int i = 1; i < STATES; i++) {
    const sg_trust_record *to = &states[i];
    set_base(0, to, 0);
    SG_CHECK(sg_fx_same(&base_rec, &states[i - 1]));
    const op_count c = dry_run(to);
    unsigned tried = sweep(to, c.ops);
    /* Again, from what earlier cuts left: torn first op, torn middle,
     * torn last op. */
    if (with_precuts) {
      const uint32_t pre[3] = {1, (c.ops + 1u) / 2u, c.ops};
      for (unsigned k = 0; k < 3; k++) {
        set_base(pre[k], to, 11u + k);
        const op_count c2 = dry_run(to);
        tried += sweep(to, c2.ops);
      }
    }
    sg_test_printf("    %-28s %2u ops (%u erase, %2u prog, %u counter), %4u cut points\n",
                   names[i], (unsigned)c.ops, (unsigned)c.erases, (unsigned)c.progs,
                   (unsigned)c.raises, tried);
    cuts += tried;
    if (c.ops > worst.ops) {
      worst = c;
    }
    /* Advance the chain: the new state stored without interruption. */
    memcpy(chip, chain_img, sizeof chip);
    counter_set(chain_counter);
    sg_flash_sim_reboot(&sim);
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
    SG_CHECK_CODE(store(to, got.generation), SG_OK);
    memcpy(chain_img, chip, sizeof chip);
    chain_counter = counter_get();
  }
  sg_test_printf("    worst case: %u ops (%u erase, %u prog, %u counter); %u cut points\n",
                 (unsigned)worst.ops, (unsigned)worst.erases, (unsigned)worst.progs,
                 (unsigned)worst.raises, cuts);
  total_cuts += cuts;
}

#ifndef SG_POWERCUT_TPM
static void test_every_transition_every_cut(void) { run_chain(0, 1); }
#endif

static void test_every_transition_with_counter(void) { run_chain(SG_FLASH_SIM_COUNTER, 0); }

/* Cuts during cuts: keep cutting the same store at increasing points
 * until it completes; every reboot in between must load old or new. */
static void test_repeated_cuts(void) {
  unsigned reboots = 0;
  fresh(SG_FLASH_SIM_COUNTER);
  memcpy(chain_img, chip, sizeof chip);
  for (int i = 1; i < STATES; i++) {
    const sg_trust_record *to = &states[i];
    const sg_trust_record *from = &states[i - 1];
    memcpy(chip, chain_img, sizeof chip);
    for (uint32_t n = 1;; n++) {
      sg_flash_sim_reboot(&sim);
      const int lret = sg_trustslot_load(&bd, &got);
      SG_CHECK_CODE(lret, SG_OK);
      SG_CHECK(sg_fx_same(&got, from) || sg_fx_same(&got, to));
      if (lret != SG_OK) {
        return;
      }
      power_cut(n, n * 7u + (uint32_t)i);
      reboots++;
      if (store(to, got.generation) == SG_OK) {
        break;
      }
    }
    sg_flash_sim_reboot(&sim);
    SG_CHECK_CODE(sg_trustslot_load(&bd, &got), SG_OK);
    SG_CHECK(sg_fx_same(&got, to));
    memcpy(chain_img, chip, sizeof chip);
  }
  sg_test_printf("    %u reboots, each old or new\n", reboots);
  total_cuts += reboots;
}

int main(void) {
#ifdef SG_POWERCUT_TPM
  sg_test_begin("powercut_tpm");
  tcti = getenv("SG_TEST_TCTI");
  SG_CHECK(tcti != NULL); /* run me through tests/tpm/with-swtpm */
  if (tcti == NULL) {
    return sg_test_end();
  }
  build_states();
#else
  sg_test_begin("powercut");
  build_states();
  SG_RUN(test_every_transition_every_cut);
#endif
  SG_RUN(test_every_transition_with_counter);
  SG_RUN(test_repeated_cuts);
  sg_test_printf("powercut: %u cut points tried (%u reloaded the old record, %u the new), "
                 "%u left a bad state\n",
                 total_cuts, loaded_old, loaded_new, total_failures);
#ifdef SG_POWERCUT_TPM
  sg_tpm_counter_close(&tpm);
  sg_test_printf("powercut_tpm: raises cut before the increments %u, between them %u, after them %u\n",
                 raise_cuts[0], raise_cuts[2], raise_cuts[1]);
  SG_CHECK(raise_cuts[0] > 0 && raise_cuts[1] > 0 && raise_cuts[2] > 0);
#endif
  return sg_test_end();
}

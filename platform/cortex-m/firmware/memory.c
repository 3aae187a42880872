/*
 * Memory and time per signature algorithm: for each, a factory device is
 * enrolled with a TurnOn signed by that algorithm's key, then verifies and
 * applies a ~2 KB signed profile (the same payload under every algorithm).
 * Per step: static-pool peak, stack peak (painting), instructions.
 *
 * Pool figures: "high-water" is the painted mark since the pool was
 * re-initialised for this algorithm (agent init + TurnOn + profile,
 * fragmentation included: the pool size this run needs). "peak" is
 * mbedTLS' own max-in-use of the step (MBEDTLS_MEMORY_DEBUG images only).
 * Stack: deepest use from the stack's top, firmware frames included.
 */

/* The memory report names the parts of sg_agent: private fields, read as
 * the library does (SG_PRIVATE, stagegate/agent.h). */
#define SG_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <string.h>

#include "fw.h"
#include "mbedtls/build_info.h"
#include "sg_board.h"

typedef struct {
  const char *alg;
  const char *turnon;
  const char *profile;
  int expect;  /* this image's answer to the TurnOn */
  int budget;  /* held to the pool and stack budgets */
} sg_fw_alg;

#if defined(SG_FW_BUDGET)
/* Left out of this image: refused cleanly, never crashes. A 3072-bit
 * modulus exceeds MBEDTLS_MPI_MAX_SIZE, so its certificate does not parse
 * (and with SG_MAX_CERT 1024 its 1091-byte DER would be SG_ERR_TOO_LARGE
 * before that). */
#define SG_FW_WITHOUT_ES384 SG_ERR_ALG
#define SG_FW_WITHOUT_PS256 SG_ERR_ALG
#define SG_FW_WITHOUT_RSA3072 SG_ERR_CERT_FORMAT
#else
#define SG_FW_WITHOUT_ES384 SG_ACCEPTED
#define SG_FW_WITHOUT_PS256 SG_ACCEPTED
#define SG_FW_WITHOUT_RSA3072 SG_ACCEPTED
#endif

static const sg_fw_alg sg_fw_algs[] = {
    {"ES256", "turnon-admin.jws", "bench-es256.jws", SG_ACCEPTED, 1},
    {"ES384", "turnon-es384.jws", "bench-es384.jws", SG_FW_WITHOUT_ES384, 0},
    {"PS256-2048", "turnon-rsa-ps256.jws", "bench-ps256.jws", SG_FW_WITHOUT_PS256, 0},
    {"RS256-2048", "turnon-rsa-rs256.jws", "bench-rs256.jws", SG_ACCEPTED, 1},
    {"RS256-3072", "turnon-rsa3072-rs256.jws", "bench-rs256-3072.jws", SG_FW_WITHOUT_RSA3072, 0},
};

/* Budgets of issue 6 for the Cortex-M4 image (ES256 and RS256-2048). */
#define SG_FW_POOL_BUDGET (16u * 1024u)
#define SG_FW_STACK_BUDGET (4u * 1024u)

void sg_fw_measure_feed(sg_fw *fw, const char *name, sg_fw_measure *m) {
  const sg_blob *b = sg_fw_vector(name);
  unsigned symbols = 0;
  memset(m, 0, sizeof *m);
  m->result = SG_ERR_ARG;
  if (b == NULL) {
    return;
  }
  sg_board_pool_reset_peak();
  sg_board_stack_paint();
  const uint32_t t0 = sg_fw_timer_ticks();
  m->result = sg_fw_feed(fw, b, &symbols);
  const uint32_t t1 = sg_fw_timer_ticks();
  m->stack = sg_board_stack_peak();
#if defined(MBEDTLS_MEMORY_DEBUG)
  m->pool_peak = sg_board_pool_peak();
#endif
  m->high_water = sg_board_pool_high_water();
  m->ticks = t1 - t0;
}

static void sg_fw_print_row(const char *alg, const char *step, const sg_fw_measure *m) {
  char peak[16] = "-";
  if (m->pool_peak != 0) {
    (void)snprintf(peak, sizeof peak, "%u", (unsigned)m->pool_peak);
  }
  const unsigned long insn = (unsigned long)m->ticks * SG_FW_INSN_PER_TICK;
  sg_board_printf("   %-10s %-7s %-22s %7s %8u %7u %10lu\n", alg, step, sg_strerror_name(m->result),
               peak, (unsigned)m->high_water, (unsigned)m->stack, insn);
}

void sg_fw_memory(sg_fw *fw) {
  const sg_agent *a = &fw->agent;
  sg_board_printf("-- static RAM: sizeof(sg_agent) %u B = chunk assembly %u + decode arena %u + "
               "trust record %u + %u\n",
               (unsigned)sizeof *a, (unsigned)sizeof a->chunks, (unsigned)sizeof a->arena,
               (unsigned)sizeof a->trust,
               (unsigned)(sizeof *a - sizeof a->chunks - sizeof a->arena - sizeof a->trust));
  sg_board_printf("   limits: SG_MAX_PROFILE %u, SG_MAX_CERT %u, SG_MAX_CHUNKS %u "
               "(agent ~ 4 x SG_MAX_PROFILE + 2 x SG_MAX_CERT)\n",
               (unsigned)SG_MAX_PROFILE, (unsigned)SG_MAX_CERT, (unsigned)SG_MAX_CHUNKS);
  sg_board_printf("-- memory and time per algorithm: TurnOn, then a ~2 KB signed profile\n");
  sg_board_printf("   (pool: peak = mbedTLS max in use during the step, high-water = painted\n"
               "    mark since agent init; stack from the top, firmware frames included;\n"
               "    instructions valid under qemu -icount shift=0)\n");
  sg_board_printf("   %-10s %-7s %-22s %7s %8s %7s %10s\n", "alg", "step", "result", "pool pk",
               "pool hw", "stack", "insns");
  const unsigned n = (unsigned)(sizeof sg_fw_algs / sizeof sg_fw_algs[0]);
  for (unsigned i = 0; i < n; i++) {
    const sg_fw_alg *al = &sg_fw_algs[i];
    /* A factory device and an empty pool for each algorithm. */
    sg_agent_free(&fw->agent);
    sg_cm_flash_format(&fw->flash);
    sg_board_pool_restart();
    if (sg_fw_boot(fw) != SG_OK) {
      sg_board_printf("   %s: boot failed\n", al->alg);
      fw->failures++;
      continue;
    }
    sg_fw_measure on, prof;
    sg_fw_measure_feed(fw, al->turnon, &on);
    sg_fw_print_row(al->alg, "TurnOn", &on);
    int ok = on.result == al->expect;
    size_t hw = on.high_water;
    size_t stack = on.stack;
    if (on.result == SG_ACCEPTED) {
      sg_fw_measure_feed(fw, al->profile, &prof);
      sg_fw_print_row(al->alg, "2KB", &prof);
      ok = ok && prof.result == SG_ACCEPTED;
      hw = prof.high_water;
      stack = prof.stack > stack ? prof.stack : stack;
    }
    if (!ok) {
      sg_board_printf("   %s: unexpected result (this image expects the TurnOn to give %s)\n",
                   al->alg, sg_strerror_name(al->expect));
      fw->failures++;
    }
#if defined(SG_FW_BUDGET)
    if (al->budget) {
      const int within = hw < SG_FW_POOL_BUDGET && stack < SG_FW_STACK_BUDGET;
      sg_board_printf("   %s budget: pool %u < %u, stack %u < %u: %s\n", al->alg, (unsigned)hw,
                   SG_FW_POOL_BUDGET, (unsigned)stack, SG_FW_STACK_BUDGET,
                   within ? "met" : "EXCEEDED");
      fw->failures += within ? 0u : 1u;
    }
#else
    (void)hw;
    (void)stack;
#endif
  }
}

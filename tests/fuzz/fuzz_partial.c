/*
 * libFuzzer target: the agent's partial-scan file (tools/agent/partial.c),
 * parsed and re-fed to a real agent on an emulated flash chip. It must
 * never crash, and whatever it resumes must be one incomplete chunk set
 * that the agent holds exactly as the file says.
 *
 * Input: a flag byte, then the file. Flag bit 0: append the file's correct
 * SHA-256, so the fuzzer reaches the parser and the re-feed without
 * forging digests.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sg_agent_session.h"
#include "sg_agent_tool.h"
#include "sg_crypto.h"
#include "sg_flash_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* report.c asks main.c for the TPM description; this harness has no TPM. */
const char *sg_rollback_protection(void) { return NULL; }

#define REQUIRE(c)      \
  do {                  \
    if (!(c)) {         \
      __builtin_trap(); \
    }                   \
  } while (0)

static uint8_t chip[4096 * 4];
static sg_flash_sim sim;
static sg_blockdev bd;
static sg_agent agent;
static sg_partial partial;
static uint8_t file[SG_PARTIAL_DATA_MAX + 1024];
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (devnull == NULL) {
    devnull = fopen("/dev/null", "w");
    REQUIRE(sg_flash_sim_init(&sim, chip, sizeof chip, 4096, 4, 8, 0) == 0);
    sg_flash_sim_blockdev(&sim, &bd);
    sg_agent_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.storage = &bd;
    cfg.build_time = 1700000000u;
    REQUIRE(sg_agent_init(&agent, &cfg) == SG_OK);
  }
  if (size < 1 || size - 1 + 32 > sizeof file) {
    return 0;
  }
  size_t n = size - 1;
  memcpy(file, data + 1, n);
  if (data[0] & 1) {
    sg_sha256(file, n, file + n);
    n += 32;
  }
  const sg_report r = {(data[0] & 2) != 0, devnull};
  sg_partial_init(&partial, NULL, "TC52 1", 1000000000);
  const unsigned got = sg_partial_resume_bytes(&partial, &agent, file, n, 2000000000, &r);
  REQUIRE(got == partial.count);
  if (got != 0) {
    REQUIRE(partial.count < partial.total && partial.total <= SG_MAX_CHUNKS && !partial.desync);
    /* The agent holds exactly those chunks: re-feeding one changes nothing. */
    sg_feed_result res;
    const sg_partial_sym *s = &partial.sym[0];
    REQUIRE(sg_agent_feed(&agent, partial.data + s->off, s->len, &res) == SG_NEED_MORE);
    REQUIRE(res.have == partial.count && res.total == partial.total && !res.restarted);
  }
  sg_agent_reset_scan(&agent);
  return 0;
}

/*
 * stagegate-fw: the Cortex-M4 (mps2-an386) firmware image. It links the
 * agent, mbedTLS on the static pool, cJSON and the Cortex-M flash and
 * clock ports, takes its barcode texts from a table in flash made at build
 * time from test-vectors/, runs the trust-policy story, then measures pool,
 * stack and time per signature algorithm. Private to the firmware.
 */
#ifndef SG_FW_H
#define SG_FW_H

#include <stddef.h>
#include <stdint.h>

#include "sg_blob.h"
#include "sg_board.h"
#include "sg_cm_port.h"
#include "stagegate/agent.h"

/* test-vectors/profiles/manifest.json "defaults": the scenarios' device. */
#define SG_FW_CLOCK 1780000000
#define SG_FW_BUILD_TIME 1700000000u

/* The device: one agent on the emulated NOR region, as a product has. */
typedef struct {
  sg_agent agent;
  sg_cm_flash flash;
  sg_blockdev bd;
  sg_cm_clock clock;
  sg_clock clock_ops;
  sg_event_sink sink;
  sg_identity identity;
  sg_agent_config cfg;
  unsigned events;     /* decisions reported by the agent */
  int last_event;      /* result of the last one */
  unsigned wifi_runs;  /* times the Wi-Fi handler applied a profile */
  unsigned failures;   /* checks that did not hold */
} sg_fw;

/* Console output is sg_board_printf (semihosting); it is never called
 * inside a feed, so the stack measured for a decision is the agent's, not
 * vsnprintf's. */

/* The embedded vector called `name` (test-vectors/profiles), or NULL. */
const sg_blob *sg_fw_vector(const char *name);

/* Set up ports and config once; (re)boot = sg_agent_init from the flash
 * region as it stands. Returns sg_agent_init's code. */
void sg_fw_setup(sg_fw *fw);
int sg_fw_boot(sg_fw *fw);

/* Feed a vector: one symbol per line (.chunks), else the whole text as
 * one symbol. Returns the answer to the last symbol; *symbols counts them. */
int sg_fw_feed(sg_fw *fw, const sg_blob *b, unsigned *symbols);

/* SHA-256 of the whole trust-slot region, to show a rejection wrote nothing. */
void sg_fw_flash_digest(const sg_fw *fw, uint8_t out[32]);

/* The parts of the run; each counts its failed checks in fw->failures.
 * sg_fw_encrypted (encrypted profiles) is in the full image only. */
void sg_fw_story(sg_fw *fw);
void sg_fw_memory(sg_fw *fw);
void sg_fw_encrypted(sg_fw *fw);

/* One vector fed with its costs measured (memory.c). */
typedef struct {
  int result;
  size_t pool_peak;   /* mbedTLS max in use during the step (0: not kept) */
  size_t high_water;  /* painted pool mark so far */
  size_t stack;       /* stack peak during the step */
  uint32_t ticks;
} sg_fw_measure;
void sg_fw_measure_feed(sg_fw *fw, const char *name, sg_fw_measure *m);

/* A free-running count of the CMSDK APB timer 0 (25 MHz PCLK on QEMU's
 * mps2-an386). Under `-icount shift=0` QEMU's virtual clock advances 1 ns
 * per guest instruction, so one tick is exactly 40 instructions. */
void sg_fw_timer_start(void);
uint32_t sg_fw_timer_ticks(void);
#define SG_FW_INSN_PER_TICK 40u

#endif /* SG_FW_H */

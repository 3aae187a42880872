/*
 * stagegate-fw entry point and the device's plumbing: ports, agent
 * configuration, the Wi-Fi handler, feeding vectors symbol by symbol.
 * Exit status (through semihosting): 0 when every check held.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "fw.h"
#include "sg_board.h"
#include "sg_crypto.h"

/* Made at build time from test-vectors/ (cmake/Embed.cmake): in flash. */
extern const sg_blob sg_fw_vectors[];
extern const unsigned sg_fw_vectors_count;


/* Static: the agent is tens of KiB and the stack is measured. */
static sg_fw sg_fw_device;

const sg_blob *sg_fw_vector(const char *name) {
  for (unsigned i = 0; i < sg_fw_vectors_count; i++) {
    if (strcmp(sg_fw_vectors[i].name, name) == 0) {
      return &sg_fw_vectors[i];
    }
  }
  return NULL;
}

/* Record only: printing here would put vsnprintf's frame into the stack
 * figure of every decision. */
static void sg_fw_on_event(void *ctx, const sg_event *ev) {
  sg_fw *fw = ctx;
  fw->events++;
  fw->last_event = ev->result;
}

static int sg_fw_wifi_run(void *ctx, const cJSON *action) {
  sg_fw *fw = ctx;
  (void)action;
  fw->wifi_runs++;
  return 0;
}

static sg_action_handler sg_fw_handlers[1];

void sg_fw_setup(sg_fw *fw) {
  sg_cm_flash_init(&fw->flash);
  sg_cm_flash_format(&fw->flash); /* QEMU's RAM starts as zeroes: the factory step */
  sg_cm_flash_blockdev(&fw->flash, &fw->bd);
  sg_cm_clock_init(&fw->clock);
  sg_cm_clock_set(&fw->clock, SG_FW_CLOCK);
  sg_cm_clock_get(&fw->clock, &fw->clock_ops);
  fw->sink.ctx = fw;
  fw->sink.emit = sg_fw_on_event;
  fw->identity.model = "TC52";
  fw->identity.serial = "21345522501234";
  sg_fw_handlers[0].csp = "Wifi";
  sg_fw_handlers[0].ctx = fw;
  sg_fw_handlers[0].check = NULL;
  sg_fw_handlers[0].apply = sg_fw_wifi_run;
  sg_fw_handlers[0].rollback = NULL;
  memset(&fw->cfg, 0, sizeof fw->cfg);
  fw->cfg.storage = &fw->bd;
  fw->cfg.clock = &fw->clock_ops;
  fw->cfg.identity = &fw->identity;
  fw->cfg.events = &fw->sink;
  fw->cfg.handlers = sg_fw_handlers;
  fw->cfg.handler_count = 1;
  fw->cfg.build_time = SG_FW_BUILD_TIME;
}

int sg_fw_boot(sg_fw *fw) {
  sg_agent_free(&fw->agent);
  return sg_agent_init(&fw->agent, &fw->cfg);
}

int sg_fw_feed(sg_fw *fw, const sg_blob *b, unsigned *symbols) {
  int ret = SG_ERR_ARG;
  *symbols = 0;
  const size_t n = strlen(b->name);
  if (n < 7 || strcmp(b->name + n - 7, ".chunks") != 0) {
    *symbols = 1;
    return sg_agent_feed(&fw->agent, b->data, b->len, NULL);
  }
  const unsigned char *p = b->data;
  const unsigned char *const end = b->data + b->len;
  while (p < end) {
    const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
    const size_t len = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
    ret = sg_agent_feed(&fw->agent, p, len, NULL);
    (*symbols)++;
    p += len + (eol != NULL ? 1u : 0u);
  }
  return ret;
}

void sg_fw_flash_digest(const sg_fw *fw, uint8_t out[32]) {
  sg_sha256(fw->flash.base, (size_t)fw->flash.sector_size * fw->flash.sector_count, out);
}

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern const uint8_t sg_vector_table[];

int main(void) {
  sg_fw *fw = &sg_fw_device;
  sg_fw_timer_start();
#if defined(SG_FW_BUDGET)
  sg_board_printf("== stagegate-fw-budget: Cortex-M4 mps2-an386, ES256 + RS256-2048 only\n");
#else
  sg_board_printf("== stagegate-fw: Cortex-M4 mps2-an386, ES256 ES384 PS256 RS256\n");
#endif
  sg_board_printf("   image: %u B code+rodata+data in flash, %u B .data, %u B .bss; pool %u B\n",
               (unsigned)((uintptr_t)_sidata - (uintptr_t)sg_vector_table) +
                   (unsigned)((uintptr_t)_edata - (uintptr_t)_sdata),
               (unsigned)((uintptr_t)_edata - (uintptr_t)_sdata),
               (unsigned)((uintptr_t)_ebss - (uintptr_t)_sbss), (unsigned)sg_board_pool_size());
  sg_fw_setup(fw);
  sg_fw_story(fw);
  sg_fw_memory(fw);
  sg_fw_encrypted(fw);
  sg_agent_free(&fw->agent);
  sg_board_printf("== stagegate-fw: %s (%u failed checks)\n", fw->failures == 0 ? "PASS" : "FAIL",
               fw->failures);
  return fw->failures == 0 ? 0 : 1;
}

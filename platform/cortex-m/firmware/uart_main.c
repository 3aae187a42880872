/*
 * stagegate-fw-uart: the Cortex-M4 (mps2-an386) image whose symbols come
 * only from a scan engine on UART0 (the CMSDK APB UART that QEMU's first
 * -serial drives), through the UART scanner backend (scanner/uart) and the
 * agent's scanner hook. It answers each symbol on its console
 * (semihosting), so a host harness can write decoded barcode texts into
 * the UART and check every decision (tests/uart/run-uart-scenarios).
 *
 * Lines that begin with '~' are the harness's, not a scan engine's (no
 * stagegate symbol begins with '~': chunks start "SG1:", profiles "{" or a
 * JWS's base64url). They stand for what a test bench does to a device:
 *   ~reset BUILD_TIME MODEL SERIAL   factory state: erase the trust-slot
 *                                    region, boot the agent with that build
 *                                    time and identity
 *   ~clock UNIX                      set the device clock
 *   ~status                          print the trust state
 *   ~quit                            print the tally and exit (semihosting)
 *
 * Console lines (one per input line):
 *   answer <SG_NAME> <have>/<total> flash <untouched|changed>
 *   input <SG_NAME>             a line that gave no symbol (too long, bytes lost)
 *   reset <SG_NAME> | clock <N> | status <STATE> | bad-command
 * Exit status: 0 after ~quit. A UART has no end of input: without ~quit
 * the image waits for the next symbol for ever (the harness has a timeout).
 */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "sg_board.h"
#include "sg_cm_port.h"
#include "sg_crypto.h"
#include "sg_scan_uart.h"
#include "stagegate/agent.h"

#define SG_UART_BAUD 115200u

typedef struct {
  sg_agent agent;
  sg_cm_flash flash;
  sg_blockdev bd;
  sg_cm_clock clock;
  sg_clock clock_ops;
  sg_identity identity;
  char model[32], serial[32];
  sg_agent_config cfg;
  /* the control filter over the UART scanner */
  const sg_scanner *uart;
  uint8_t flash_before[32];
  int quit;
  unsigned symbols, commands;
} sg_fwu;

static sg_fwu sg_dev; /* static: the agent is tens of KiB */
static uint8_t sg_line_buf[SG_MAX_PROFILE];

/* The handlers the manifest's scenarios expect (as stagegate-agent's
 * --test-handlers): Wifi applies, Picky refuses an action with "bad",
 * Fail fails when run. */
static int sg_fwu_ok(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return 0;
}
static int sg_fwu_picky(void *ctx, const cJSON *action) {
  (void)ctx;
  return cJSON_GetObjectItemCaseSensitive(action, "bad") != NULL ? -1 : 0;
}
static int sg_fwu_fail(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return -1;
}
static const sg_action_handler sg_fwu_handlers[] = {
    {"Wifi", NULL, NULL, sg_fwu_ok, NULL},
    {"Picky", NULL, sg_fwu_picky, sg_fwu_ok, NULL},
    {"Fail", NULL, NULL, sg_fwu_fail, NULL},
};

static void sg_fwu_digest(const sg_fwu *d, uint8_t out[32]) {
  sg_sha256(d->flash.base, (size_t)d->flash.sector_size * d->flash.sector_count, out);
}

/* Split "~cmd a b c" in place: up to 4 words. */
static unsigned sg_fwu_words(char *s, char *w[4]) {
  unsigned n = 0;
  while (*s != '\0' && n < 4) {
    while (*s == ' ') *s++ = '\0';
    if (*s == '\0') break;
    w[n++] = s;
    while (*s != '\0' && *s != ' ') s++;
  }
  return n;
}

static int sg_fwu_number(const char *s, int64_t *out) {
  int64_t v = 0;
  if (*s == '\0') return 0;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10) return 0;
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return 1;
}

static void sg_fwu_command(sg_fwu *d, const uint8_t *data, size_t len) {
  char line[96];
  char *w[4] = {NULL, NULL, NULL, NULL};
  int64_t num = 0;
  d->commands++;
  if (len >= sizeof line) {
    sg_board_printf("bad-command\n");
    return;
  }
  memcpy(line, data, len);
  line[len] = '\0';
  const unsigned n = sg_fwu_words(line + 1, w);
  if (n == 4 && strcmp(w[0], "reset") == 0 && sg_fwu_number(w[1], &num) &&
      strlen(w[2]) < sizeof d->model && strlen(w[3]) < sizeof d->serial) {
    strcpy(d->model, w[2]);
    strcpy(d->serial, w[3]);
    sg_agent_free(&d->agent);
    sg_cm_flash_format(&d->flash); /* the factory step */
    d->cfg.build_time = (uint64_t)num;
    const int rc = sg_agent_init(&d->agent, &d->cfg);
    sg_board_printf("reset %s\n", sg_strerror_name(rc));
  } else if (n == 2 && strcmp(w[0], "clock") == 0 && sg_fwu_number(w[1], &num)) {
    sg_cm_clock_set(&d->clock, num);
    sg_board_printf("clock %lu\n", (unsigned long)num);
  } else if (n == 1 && strcmp(w[0], "status") == 0) {
    sg_status st;
    const int rc = sg_agent_status(&d->agent, &st);
    sg_board_printf("status %s\n", rc == SG_OK ? sg_trust_state_name(st.state) : "?");
  } else if (n == 1 && strcmp(w[0], "quit") == 0) {
    d->quit = 1;
  } else {
    sg_board_printf("bad-command\n");
  }
}

/* The scanner the agent reads: UART symbols, minus the harness's lines. */
static int sg_fwu_next(void *ctx, sg_symbol *out) {
  sg_fwu *d = ctx;
  for (;;) {
    if (d->quit) {
      sg_symbol_clear(out);
      return SG_ERR_SCAN_END;
    }
    const int rc = d->uart->next(d->uart->ctx, out);
    if (rc != SG_OK || out->len == 0 || out->data[0] != '~') {
      if (rc == SG_OK) {
        d->symbols++;
        sg_fwu_digest(d, d->flash_before);
      }
      return rc;
    }
    sg_fwu_command(d, out->data, out->len);
  }
}

int main(void) {
  sg_fwu *d = &sg_dev;
  static sg_scan_uart uart;
  sg_scanner uart_ops, ops;
  sg_board_printf("== stagegate-fw-uart: symbols from UART0 (CMSDK APB UART, %u baud), answers here\n",
                  (unsigned)SG_UART_BAUD);
  sg_cm_flash_init(&d->flash);
  sg_cm_flash_format(&d->flash);
  sg_cm_flash_blockdev(&d->flash, &d->bd);
  sg_cm_clock_init(&d->clock);
  sg_cm_clock_get(&d->clock, &d->clock_ops);
  d->identity.model = d->model;
  d->identity.serial = d->serial;
  memset(&d->cfg, 0, sizeof d->cfg);
  d->cfg.storage = &d->bd;
  d->cfg.clock = &d->clock_ops;
  d->cfg.identity = &d->identity;
  d->cfg.handlers = sg_fwu_handlers;
  d->cfg.handler_count = sizeof sg_fwu_handlers / sizeof sg_fwu_handlers[0];

  sg_cmsdk_uart *regs = (sg_cmsdk_uart *)SG_MPS2_UART0_BASE;
  sg_cmsdk_uart_setup(regs, SG_MPS2_PCLK_HZ / SG_UART_BAUD);
  if (sg_scan_uart_init(&uart, sg_cmsdk_uart_getc, regs, sg_line_buf, sizeof sg_line_buf, SG_LINE_ANY) !=
      SG_OK) {
    return 1;
  }
  sg_scan_uart_scanner(&uart, &uart_ops);
  d->uart = &uart_ops;
  ops.ctx = d;
  ops.next = sg_fwu_next;
  ops.reset = NULL;
  /* Until the harness's first ~reset: a factory device, build time 0. */
  if (sg_agent_init(&d->agent, &d->cfg) != SG_OK) {
    return 1;
  }
  sg_board_printf("ready\n");
  for (;;) {
    sg_feed_result res;
    memset(&res, 0, sizeof res);
    const int rc = sg_agent_scan(&d->agent, &ops, &res);
    if (rc == SG_ERR_SCAN_END) {
      break;
    }
    if (rc == SG_NEED_MORE || rc == SG_ACCEPTED || rc > -100) {
      uint8_t after[32];
      sg_fwu_digest(d, after);
      sg_board_printf("answer %s %u/%u flash %s\n", sg_strerror_name(rc), res.have, res.total,
                      memcmp(after, d->flash_before, sizeof after) == 0 ? "untouched" : "changed");
    } else {
      sg_board_printf("input %s\n", sg_strerror_name(rc));
    }
  }
  sg_agent_free(&d->agent);
  sg_board_printf("== stagegate-fw-uart: %u symbols, %u commands, %lu overruns; %s\n", d->symbols,
                  d->commands, (unsigned long)uart.overruns, d->quit ? "quit" : "input ended");
  return d->quit ? 0 : 1;
}

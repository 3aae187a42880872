/* The UART scanner backend (see sg_scan_uart.h). */
#include "sg_scan_uart.h"

#include <string.h>

#include "stagegate/errors.h"

void sg_cmsdk_uart_setup(sg_cmsdk_uart *regs, uint32_t bauddiv) {
  if (bauddiv != 0) {
    regs->bauddiv = bauddiv;
  }
  regs->state = SG_CMSDK_UART_STATE_RXOVR | SG_CMSDK_UART_STATE_TXOVR; /* clear stale overruns */
  regs->ctrl |= SG_CMSDK_UART_CTRL_RXEN | SG_CMSDK_UART_CTRL_TXEN;
}

int sg_cmsdk_uart_getc(void *ctx, uint8_t *c) {
  sg_cmsdk_uart *regs = ctx;
  const uint32_t state = regs->state;
  if (state & SG_CMSDK_UART_STATE_RXOVR) {
    regs->state = SG_CMSDK_UART_STATE_RXOVR; /* write 1 to clear */
    return SG_ERR_SCAN_IO;
  }
  if (!(state & SG_CMSDK_UART_STATE_RXFULL)) {
    return 0;
  }
  *c = (uint8_t)(regs->data & 0xFFu); /* reading DATA empties the receive buffer */
  return 1;
}

int sg_scan_uart_init(sg_scan_uart *u, sg_uart_getc_fn getc, void *getc_ctx, uint8_t *buf,
                      size_t cap, sg_line_term term) {
  if (u == NULL || getc == NULL) {
    return SG_ERR_ARG;
  }
  memset(u, 0, sizeof *u);
  u->getc = getc;
  u->getc_ctx = getc_ctx;
  return sg_line_init(&u->line, buf, cap, term);
}

void sg_scan_uart_set_idle(sg_scan_uart *u, sg_uart_idle_fn idle, void *ctx) {
  u->idle = idle;
  u->idle_ctx = ctx;
}

/* A framing result (1 symbol, or an error) into the hook's answer. */
static int sg_uart_emit(sg_scan_uart *u, int rc, sg_symbol *out) {
  if (u->lost) {
    u->lost = 0;
    return SG_ERR_SCAN_IO; /* the symbol lost bytes: never hand it out */
  }
  if (rc == 1) {
    out->data = sg_line_symbol(&u->line, &out->len);
    return SG_OK;
  }
  return rc;
}

static int sg_scan_uart_next(void *ctx, sg_symbol *out) {
  sg_scan_uart *u = ctx;
  if (out == NULL) {
    return SG_ERR_ARG;
  }
  sg_symbol_clear(out);
  if (u == NULL || u->getc == NULL) {
    return SG_ERR_ARG;
  }
  while (!u->ended) {
    uint8_t c = 0;
    const int got = u->getc(u->getc_ctx, &c);
    if (got == 1) {
      const int rc = sg_line_push(&u->line, c);
      if (rc != 0) {
        return sg_uart_emit(u, rc, out);
      }
    } else if (got == SG_ERR_SCAN_IO) {
      u->overruns++;
      sg_line_spoil(&u->line); /* drop the rest of this symbol too */
      u->lost = 1;
    } else if (got == SG_ERR_SCAN_END || (got == 0 && u->idle != NULL && u->idle(u->idle_ctx))) {
      u->ended = 1;
      const int rc = sg_line_flush(&u->line);
      if (rc != 0) {
        return sg_uart_emit(u, rc, out);
      }
    }
  }
  return SG_ERR_SCAN_END;
}

static void sg_scan_uart_reset(void *ctx) {
  sg_scan_uart *u = ctx;
  if (u != NULL) {
    sg_line_reset(&u->line);
    u->lost = 0;
  }
}

void sg_scan_uart_scanner(sg_scan_uart *u, sg_scanner *ops) {
  if (ops != NULL) {
    ops->ctx = u;
    ops->next = sg_scan_uart_next;
    ops->reset = sg_scan_uart_reset;
  }
}

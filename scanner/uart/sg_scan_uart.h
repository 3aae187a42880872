/*
 * The UART scanner backend: a scan engine (a decoder module) wired to a
 * microcontroller's UART sends each decoded symbol followed by a
 * terminator; this backend turns the bytes into symbols for the agent
 * (stagegate/scanner.h). No heap; the caller lends the symbol buffer.
 *
 * Two layers, so that both can be tested on a host:
 *  - a byte source: a getc callback. sg_cmsdk_uart_getc is the one for
 *    ARM's CMSDK APB UART (the mps2-an386's UART0..4, polled);
 *  - framing: scanner/serial's sg_line (terminator any|cr|lf|crlf, the
 *    buffer's size is the longest symbol; a longer one is reported once as
 *    SG_ERR_SYMBOL_TOO_LARGE and skipped).
 *
 * next() polls the byte source. While no byte waits it calls the idle hook
 * (optional: e.g. kick a watchdog, sleep until an interrupt, or, in tests,
 * say the input is over); a non-zero answer ends the input: what has
 * arrived counts as a last symbol, then SG_ERR_SCAN_END. Without a hook it
 * waits for ever, as a scan engine's host does.
 *
 * A receive overrun (a byte was lost because the firmware read too late)
 * makes the symbol it hit unreliable: it is dropped up to its terminator
 * and reported once as SG_ERR_SCAN_IO; framing goes on with the next.
 */
#ifndef SG_SCAN_UART_H
#define SG_SCAN_UART_H

#include <stddef.h>
#include <stdint.h>

#include "sg_line.h"
#include "stagegate/scanner.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CMSDK APB UART registers (ARM DDI 0479, Cortex-M System Design Kit). */
typedef struct {
  volatile uint32_t data;      /* 0x00: RX byte (read) / TX byte (write) */
  volatile uint32_t state;     /* 0x04: TX full, RX full, TX overrun, RX overrun (write 1 clears) */
  volatile uint32_t ctrl;      /* 0x08: TX enable, RX enable, interrupt enables */
  volatile uint32_t intstatus; /* 0x0C: interrupt status (write 1 clears) */
  volatile uint32_t bauddiv;   /* 0x10: PCLK / baud, at least 16 */
} sg_cmsdk_uart;

#define SG_CMSDK_UART_STATE_TXFULL 0x1u
#define SG_CMSDK_UART_STATE_RXFULL 0x2u
#define SG_CMSDK_UART_STATE_TXOVR 0x4u
#define SG_CMSDK_UART_STATE_RXOVR 0x8u
#define SG_CMSDK_UART_CTRL_TXEN 0x1u
#define SG_CMSDK_UART_CTRL_RXEN 0x2u

/* mps2-an386 (AN386 / QEMU): UART0, the one QEMU's first -serial drives. */
#define SG_MPS2_UART0_BASE 0x40004000u
#define SG_MPS2_PCLK_HZ 25000000u

/* Enable receive and transmit at PCLK/bauddiv (bauddiv 0: leave it). */
void sg_cmsdk_uart_setup(sg_cmsdk_uart *regs, uint32_t bauddiv);

/* Byte source over a CMSDK UART (ctx: its registers). 1: *c read; 0: no
 * byte waiting; SG_ERR_SCAN_IO: a receive overrun (cleared; bytes lost). */
int sg_cmsdk_uart_getc(void *ctx, uint8_t *c);

/* A byte source: 1 = *c read, 0 = nothing yet, SG_ERR_SCAN_IO = bytes
 * lost, SG_ERR_SCAN_END = no more input. */
typedef int (*sg_uart_getc_fn)(void *ctx, uint8_t *c);
/* Idle hook: 0 = keep waiting, non-zero = the input is over. */
typedef int (*sg_uart_idle_fn)(void *ctx);

/* Caller-allocated; fields private. */
typedef struct {
  sg_uart_getc_fn getc;
  void *getc_ctx;
  sg_uart_idle_fn idle;
  void *idle_ctx;
  sg_line line;
  int lost;          /* bytes of the current symbol were lost */
  int ended;
  uint32_t overruns; /* receive overruns seen */
} sg_scan_uart;

/* SG_OK or SG_ERR_ARG. buf/cap: the caller's symbol buffer. */
int sg_scan_uart_init(sg_scan_uart *u, sg_uart_getc_fn getc, void *getc_ctx, uint8_t *buf,
                      size_t cap, sg_line_term term);
void sg_scan_uart_set_idle(sg_scan_uart *u, sg_uart_idle_fn idle, void *ctx);
void sg_scan_uart_scanner(sg_scan_uart *u, sg_scanner *ops);

#ifdef __cplusplus
}
#endif
#endif /* SG_SCAN_UART_H */

/*
 * Serial line framing for scan engines: bytes in, one symbol per
 * terminator. Shared by the Cortex-M UART backend (scanner/uart) and the
 * Linux tty backend (scanner/tty); plain C, no heap, every target.
 *
 * Terminators (what the scan engine is configured to send after a symbol):
 *   SG_LINE_ANY   CR, LF or CR LF all end a symbol (the default)
 *   SG_LINE_CR    CR only; an LF is part of the symbol
 *   SG_LINE_LF    LF only; a CR is part of the symbol
 *   SG_LINE_CRLF  the pair CR LF; a lone CR or LF is part of the symbol
 * The terminator is never part of the symbol; empty symbols are skipped.
 *
 * The caller lends the buffer; its size is the longest symbol accepted. A
 * longer one is dropped up to its terminator and reported once, then
 * framing goes on with the next symbol (SG_ERR_SYMBOL_TOO_LARGE).
 */
#ifndef SG_LINE_H
#define SG_LINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SG_LINE_ANY = 0, SG_LINE_CR = 1, SG_LINE_LF = 2, SG_LINE_CRLF = 3 } sg_line_term;

/* Caller-allocated; fields private. */
typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len;
  sg_line_term term;
  int pending_cr; /* CRLF: a CR that may start the terminator */
  int overflow;   /* the current symbol outgrew buf: dropped up to its end */
  int done;       /* buf[0..len) is a complete symbol, handed out */
} sg_line;

/* SG_OK, or SG_ERR_ARG (no buffer, unknown terminator). */
int sg_line_init(sg_line *l, uint8_t *buf, size_t cap, sg_line_term term);

/*
 * Push one byte. Returns 0 while the symbol goes on, 1 when `c` ended a
 * symbol (its bytes: sg_line_symbol, valid until the next push/flush/reset),
 * or SG_ERR_SYMBOL_TOO_LARGE when `c` ended a symbol too long for the buffer.
 */
int sg_line_push(sg_line *l, uint8_t c);

/* End of input or a timeout: what has arrived counts as a symbol (1), was
 * too long (SG_ERR_SYMBOL_TOO_LARGE), or there is nothing (0). A CR
 * waiting for its LF is taken as the terminator. */
int sg_line_flush(sg_line *l);

/* The symbol just completed. */
const uint8_t *sg_line_symbol(const sg_line *l, size_t *len);

/* Bytes of an unfinished symbol are buffered (a timeout would end it). */
int sg_line_busy(const sg_line *l);

/* The current symbol lost bytes: drop it up to its terminator, which is
 * then answered like an over-long one (SG_ERR_SYMBOL_TOO_LARGE). */
void sg_line_spoil(sg_line *l);

/* Forget any partial symbol. */
void sg_line_reset(sg_line *l);

/* "any", "cr", "lf", "crlf" -> *out; 1 if known. */
int sg_line_term_parse(const char *name, sg_line_term *out);

#ifdef __cplusplus
}
#endif
#endif /* SG_LINE_H */

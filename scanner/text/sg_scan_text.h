/*
 * The text scanner backend: for scan engines that decode barcodes
 * themselves and deliver text, so firmware without ZXing feeds the agent
 * through the same hook (stagegate/scanner.h). Plain C11, no heap, every
 * target including Cortex-M.
 *
 * Input, in the order next() consumes it:
 *  1. one symbol handed over per call (sg_scan_text_push), e.g. from a
 *     scan engine's decode callback;
 *  2. a stream of lines: a memory buffer (a file's contents) or a read
 *     callback (UART, a file). One symbol per line; "\n" or "\r\n" ends a
 *     line, the terminator is not part of the symbol, empty lines are
 *     skipped, a last line without terminator counts.
 *
 * Optional AIM symbology identifiers ("]Q1", "]L2", "]d1", "]z0", as many
 * engines prefix them): with strip_aim set, a leading one is removed and
 * sets the symbol's symbology; otherwise the symbology is the one given.
 *
 * Storage: the caller gives a line buffer (its size is the longest symbol
 * accepted); a longer line is reported once as SG_ERR_SYMBOL_TOO_LARGE and
 * skipped. A symbol's bytes are valid until the next call of next, reset
 * or push on this scanner.
 */
#ifndef SG_SCAN_TEXT_H
#define SG_SCAN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/scanner.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stream callback: read up to `cap` bytes into `buf`; return the count
 * read, 0 at end of stream, or a negative value on error. */
typedef long (*sg_scan_text_read_fn)(void *ctx, uint8_t *buf, size_t cap);

#define SG_SCAN_TEXT_CHUNK 64 /* bytes read from a stream per callback */

/* Caller-allocated; fields private. */
typedef struct sg_scan_text {
  uint8_t *line;
  size_t line_cap;
  size_t line_len;
  int pushed;                 /* line holds one symbol from sg_scan_text_push */
  sg_symbology pushed_sym;
  sg_symbology default_sym;
  int strip_aim;
  /* memory source */
  const uint8_t *mem;
  size_t mem_len;
  size_t mem_pos;
  /* stream source */
  sg_scan_text_read_fn read;
  void *read_ctx;
  uint8_t chunk[SG_SCAN_TEXT_CHUNK];
  size_t chunk_len;
  size_t chunk_pos;
  int eof;
  int stream_error;
} sg_scan_text;

/* line/line_cap: caller storage (outlives the scanner). default_sym: the
 * symbology reported for lines without an AIM prefix. SG_OK or SG_ERR_ARG. */
int sg_scan_text_init(sg_scan_text *st, uint8_t *line, size_t line_cap, sg_symbology default_sym,
                      int strip_aim);

/* Lines from a memory buffer (borrowed, must outlive the scanner). */
int sg_scan_text_set_buffer(sg_scan_text *st, const uint8_t *data, size_t len);

/* Lines from a stream. A read error is reported once as SG_ERR_SCAN_IO,
 * then the stream counts as ended. */
int sg_scan_text_set_stream(sg_scan_text *st, sg_scan_text_read_fn read, void *ctx);

/* Hand over one decoded symbol (copied; may contain any byte). It is
 * returned by the next call of next(), before any line. SG_OK, SG_ERR_ARG
 * or SG_ERR_SYMBOL_TOO_LARGE. `sym` is used unless strip_aim finds a
 * prefix. */
int sg_scan_text_push(sg_scan_text *st, const uint8_t *data, size_t len, sg_symbology sym);

/* The scanner hook over `st`. */
void sg_scan_text_scanner(sg_scan_text *st, sg_scanner *ops);

#ifdef __cplusplus
}
#endif
#endif /* SG_SCAN_TEXT_H */

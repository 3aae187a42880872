/*
 * stagegate — the scanner hook.
 *
 * A scanner backend hands the agent one decoded barcode symbol at a time.
 * Backends are a const ops struct plus `void *ctx`, in the manner of
 * littlefs' lfs_config, so the agent needs no change to swap them:
 *  - scanner/zxing: images in (files, encoded bytes, camera frames),
 *    decoded with ZXing-C++ (Linux targets only);
 *  - scanner/text: a scan engine that already delivers decoded text, one
 *    symbol per line of a stream or one per call (every target).
 *  - scanner/uart: a scan engine on a microcontroller's UART (CMSDK APB
 *    UART or any getc), one symbol per CR/LF/CRLF (every target);
 *  - scanner/tty: the same on a Linux serial port, in raw mode.
 *
 * This header carries no ZXing or stb types: it is all the agent sees.
 */
#ifndef STAGEGATE_SCANNER_H
#define STAGEGATE_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbologies stagegate reads. Values are stable (they are also bit
 * positions in format masks, see SG_SYMBOLOGY_BIT). */
typedef enum {
  SG_SYMBOLOGY_UNKNOWN = 0, /* a text backend that was not told */
  SG_SYMBOLOGY_PDF417 = 1,
  SG_SYMBOLOGY_QR = 2,
  SG_SYMBOLOGY_DATAMATRIX = 3,
  SG_SYMBOLOGY_AZTEC = 4
} sg_symbology;

#define SG_SYMBOLOGY_BIT(s) (1u << (unsigned)(s))

/* Stable short name ("PDF417", "QR", "DataMatrix", "Aztec", "unknown"). */
const char *sg_symbology_name(sg_symbology s);

/* Pixel layouts an image backend accepts: 8 bits per sample. */
typedef enum {
  SG_PIXELS_GREY8 = 1, /* one byte per pixel, 0 = black */
  SG_PIXELS_RGB24 = 3  /* R, G, B bytes per pixel */
} sg_pixel_format;

/* Longest structured-append id kept, including the NUL. */
#define SG_SYMBOL_SA_ID_MAX 48

/*
 * One decoded symbol. `data`/`len` are the symbol's raw bytes (not
 * re-encoded text; may contain NUL). `data` is borrowed: it points into
 * storage owned by whoever filled the struct, and each filler documents
 * how long it stays valid (for sg_scanner.next: until the next call of
 * next/reset on that scanner).
 *
 * Structured append (the symbology's own multi-symbol mechanism, not the
 * stagegate "SG1:i/n" chunk header): sa_index is 0-based, -1 when the
 * symbol carries none; sa_count is the total, 0 when the symbol does not
 * say (PDF417 without segment count), -1 when none; sa_id identifies the
 * sequence ("" when none).
 */
typedef struct sg_symbol {
  const uint8_t *data;
  size_t len;
  sg_symbology symbology;
  int sa_index;
  int sa_count;
  char sa_id[SG_SYMBOL_SA_ID_MAX];
  int reader_init; /* reader-initialisation / programming symbol flag */
} sg_symbol;

/* Reset *s to "no symbol": data NULL, len 0, no structured append. */
void sg_symbol_clear(sg_symbol *s);

/*
 * A scanner backend.
 *
 * next: fill *out with the next symbol and return SG_OK; return
 *   SG_ERR_SCAN_END when the input is exhausted (and on every later call);
 *   any other negative sg_err reports one input that yielded no symbol
 *   (an unreadable image, no barcode found, a line too long, ...): the
 *   backend has already moved past it, so calling next again continues
 *   with the following input. *out is cleared on every non-SG_OK return.
 * reset: optional (may be NULL): drop symbols already decoded but not yet
 *   returned, e.g. when the user aborts a staging session.
 *
 * The caller owns the struct and the context and keeps both alive while
 * the scanner is in use; one scanner is used by one thread at a time.
 */
typedef struct sg_scanner {
  void *ctx;
  int (*next)(void *ctx, sg_symbol *out);
  void (*reset)(void *ctx);
} sg_scanner;

#ifdef __cplusplus
}
#endif
#endif /* STAGEGATE_SCANNER_H */

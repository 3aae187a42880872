/*
 * sg_zxing — a C interface to ZXing-C++ 1.4 (Debian's libzxing-dev), Linux
 * targets only. No C++ type crosses this header and no exception crosses
 * it either: the shim catches everything (bad_alloc -> SG_ERR_NO_MEMORY,
 * anything else -> SG_ERR_INTERNAL or, while encoding, SG_ERR_ENCODE).
 *
 * Reading: an 8-bit grey or RGB image in, every PDF417 / QR / DataMatrix /
 * Aztec symbol found out, as raw bytes, into caller-provided storage.
 * Writing: bytes in, one symbol rendered as an 8-bit grey image with its
 * quiet zone, into a caller buffer or a buffer the shim allocates.
 *
 * Functions are reentrant: no global state of ours (ZXing 1.4 keeps none
 * that matters here).
 */
#ifndef SG_ZXING_H
#define SG_ZXING_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/scanner.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Caller storage for decoded symbols.                                 */

/*
 * A bounded list: up to `cap` symbols whose bytes are copied into the
 * caller's `arena` (arena_cap bytes). The list never allocates; the
 * symbols' `data` point into the arena and stay valid until the list is
 * cleared or re-initialised or the arena is released. Fields are
 * read-only for the caller except through these functions.
 */
typedef struct sg_symbol_list {
  sg_symbol *items;
  size_t cap;
  size_t count;
  uint8_t *arena;
  size_t arena_cap;
  size_t arena_used;
} sg_symbol_list;

/* Point the list at the caller's storage, empty. SG_OK or SG_ERR_ARG
 * (NULL list, cap 0 or NULL items, NULL arena with arena_cap != 0). */
int sg_symbol_list_init(sg_symbol_list *list, sg_symbol *items, size_t cap, uint8_t *arena,
                        size_t arena_cap);
/* Forget every symbol (storage kept). */
void sg_symbol_list_clear(sg_symbol_list *list);
/* Append a copy of `sym` (its bytes go into the arena). SG_OK,
 * SG_ERR_SYMBOL_OVERFLOW (list full) or SG_ERR_SYMBOL_TOO_LARGE (arena
 * full); the list is unchanged on failure. */
int sg_symbol_list_push(sg_symbol_list *list, const sg_symbol *sym);

/* ------------------------------------------------------------------ */
/* Reading.                                                            */

/*
 * Decode tactics: after the plain pass (ZXing's defaults, as set below),
 * sg_zx_read tries these in this order, and stops at the first pass after
 * which the symbols read so far form a whole set (at least one symbol, and
 * every structured-append sequence among them complete). A clean image is
 * read by the plain pass and costs nothing more. The order is by frames
 * read per instruction on the tactics corpus (tests/images/tactics-corpus,
 * 360 frames): deskew 30 frames, upscale 35, second binarizer 31,
 * downscale 3.
 *   DESKEW_PDF417     when four or more PDF417 start patterns line up at a
 *                     tilt of 1.25 to ~17 degrees (refined by least squares
 *                     over the patterns on that line): the busy crop
 *                     straightened by that tilt and read for PDF417; a
 *                     pattern search (~4M instructions) where it does not
 *                     apply
 *   UPSCALED          the busy part of the frame at twice the size (small
 *                     symbols, 1-2 px modules); only when that crop holds no
 *                     more pixels than max(frame, 1280x720)
 *   GLOBAL_HISTOGRAM  ZXing's second binarizer (uneven light, low contrast),
 *                     for QR, DataMatrix and Aztec (ZXing's PDF417 reader
 *                     costs 4-7x a pass over such a frame)
 *   DOWNSCALED        a half-size copy, each pixel the mean of 2x2
 *                     (noise, screen moire, blur); frames of 320x160 and up
 *   INVERTED          light modules on a dark ground (a screen in dark
 *                     mode); only when most of the frame is dark
 * Cost, in instructions (callgrind) on the corpus's 1280x720 frames: a
 * frame the plain pass reads costs what the plain pass alone costs (the
 * table is not entered; 1.0000x over 158 frames); a frame a tactic reads
 * 1.2x-2.2x the plain pass on it (1.4x over 100 frames); a frame nothing
 * reads 1.2x-2.5x the plain pass on average per class and symbology (1.7x
 * over 102 frames; budget 3x, held by ctest test_tactics_corpus). Single
 * frames go up to 3.2x, where ZXing 1.4's PDF417 decoder finds a symbol in
 * a later pass and spends long failing to decode it (a screen photo's
 * downscaled copy): ZXing cannot be stopped mid-pass, and the pass reads
 * other frames.
 */
#define SG_ZX_TACTIC_DOWNSCALED       0x01u
#define SG_ZX_TACTIC_GLOBAL_HISTOGRAM 0x02u
#define SG_ZX_TACTIC_UPSCALED         0x04u
#define SG_ZX_TACTIC_DESKEW_PDF417    0x08u
#define SG_ZX_TACTIC_INVERTED         0x10u
#define SG_ZX_TACTICS_ALL             0x1fu

/* Options: start from sg_zx_read_opts_default() (or pass NULL). */
typedef struct sg_zx_read_opts {
  unsigned formats;    /* SG_SYMBOLOGY_BIT()s; 0 = PDF417 | QR | DataMatrix | Aztec */
  int try_harder;      /* ZXing DecodeHints::tryHarder (default 1) */
  int try_rotate;      /* DecodeHints::tryRotate: also 90/180/270 degrees (default 1) */
  int try_downscale;   /* DecodeHints::tryDownscale: large images also scanned smaller (default 1) */
  int is_pure;         /* the image is a clean render (e.g. a signer reading back what it drew):
                          the plain pass alone, no tactics. It never selects ZXing 1.4's
                          pure-image mode, whose PDF417 reader writes past its buffer and aborts
                          on some images (default 0) */
  int try_invert;      /* run the inverted pass on every frame that the earlier passes did not
                          read, also when `tactics` leaves INVERTED out (default 0) */
  unsigned tactics;    /* SG_ZX_TACTIC_* bits (default SG_ZX_TACTICS_ALL); 0 = the plain pass
                          only, which is what this shim did before the tactics */
} sg_zx_read_opts;

void sg_zx_read_opts_default(sg_zx_read_opts *opts);

/*
 * Find every symbol in the image and append it to `out` (not cleared
 * first). `pixels` holds `len` bytes: `height` rows of `stride` bytes, each
 * row `width` pixels of `format`. Only symbols that decoded without error
 * are returned, each once (a symbol read again by a later pass is not
 * appended twice).
 *
 * Returns SG_OK (at least one symbol appended), SG_ERR_NO_SYMBOL,
 * SG_ERR_SYMBOL_OVERFLOW or SG_ERR_SYMBOL_TOO_LARGE (the symbols that fit
 * were appended, in ZXing's order), SG_ERR_ARG (including an image over
 * SG_ZX_MAX_SIDE or a buffer too short for the geometry),
 * SG_ERR_NO_MEMORY or SG_ERR_INTERNAL.
 */
int sg_zx_read(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height, size_t stride,
               sg_pixel_format format, const sg_zx_read_opts *opts, sg_symbol_list *out);

/* What sg_zx_read_traced did: the passes that ran (static names: "plain",
 * "downscaled", "global-histogram", "upscaled", "deskew-pdf417",
 * "inverted"), and the one after which the set was whole (NULL if none). */
#define SG_ZX_MAX_PASSES 8
typedef struct sg_zx_trace {
  const char *pass[SG_ZX_MAX_PASSES];
  unsigned passes;
  const char *decoded_by;
} sg_zx_trace;

/* sg_zx_read, also filling *trace (may be NULL) — for tests and benches. */
int sg_zx_read_traced(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                      size_t stride, sg_pixel_format format, const sg_zx_read_opts *opts,
                      sg_symbol_list *out, sg_zx_trace *trace);

#define SG_ZX_MAX_SIDE 16384u

/* ------------------------------------------------------------------ */
/* Writing.                                                            */

/*
 * ec_level, per symbology (-1 = default):
 *   QR:         0..3 = L, M, Q, H (default M, 15 % recovery);
 *   PDF417:     0..8, 2^(level+1) error-correction codewords (default 4);
 *   DataMatrix: ECC 200 has one fixed level; only -1 is accepted.
 * Structured append cannot be written: ZXing 1.4's writers have no API
 * for it (the reader does report it).
 */
typedef struct sg_zx_write_opts {
  sg_symbology symbology; /* PDF417, QR or DATAMATRIX */
  int ec_level;
  unsigned module_px;     /* pixels per module (PDF417: per module width; rows are
                             4 modules high), 1..SG_ZX_MAX_MODULE_PX; 0 = 4 */
  unsigned quiet_modules; /* quiet zone on each side, in modules; 0 = the symbology's
                             minimum (QR 4, PDF417 2, DataMatrix 1) */
} sg_zx_write_opts;

#define SG_ZX_MAX_MODULE_PX 32u
#define SG_ZX_MAX_PAYLOAD 4096u /* longer input is SG_ERR_ENCODE without trying */

/* Fill *opts with the defaults for `symbology`. */
void sg_zx_write_opts_default(sg_zx_write_opts *opts, sg_symbology symbology);

/*
 * Render `len` bytes (binary-safe: each byte is one ISO 8859-1 character,
 * so the reader gives back exactly these bytes) as one symbol, black on
 * white, into the caller's `out` (out_cap bytes, rows packed: stride =
 * width). *width and *height are set whenever the symbol could be encoded,
 * also when SG_ERR_OUTPUT_TOO_SMALL is returned, so a caller may ask for
 * the size with out = NULL, out_cap = 0.
 *
 * Returns SG_OK, SG_ERR_ARG, SG_ERR_ENCODE (empty payload is SG_ERR_ARG;
 * too long for the symbology at this EC level is SG_ERR_ENCODE),
 * SG_ERR_OUTPUT_TOO_SMALL, SG_ERR_NO_MEMORY or SG_ERR_INTERNAL.
 */
int sg_zx_write(const uint8_t *data, size_t len, const sg_zx_write_opts *opts, uint8_t *out,
                size_t out_cap, uint32_t *width, uint32_t *height);

/*
 * As sg_zx_write, into a buffer the shim allocates: on SG_OK *out holds
 * width * height bytes owned by the caller, released with sg_zx_free.
 * On failure *out is NULL.
 */
int sg_zx_write_alloc(const uint8_t *data, size_t len, const sg_zx_write_opts *opts, uint8_t **out,
                      uint32_t *width, uint32_t *height);

/* Release a buffer from sg_zx_write_alloc; NULL is a no-op. */
void sg_zx_free(uint8_t *pixels);

/* ZXing-C++ version the shim was built against ("1.4.0"). */
const char *sg_zx_version(void);

#ifdef __cplusplus
}
#endif
#endif /* SG_ZXING_H */

/*
 * stagegate-sign render — private declarations of the barcode renderer:
 * the built-in caption font (font.c) and the printable sheet (sheet.c).
 *
 * Images here are 8-bit grey, rows packed (stride = width), 0 = black ink,
 * 255 = white paper, owned by whoever allocated them (plain malloc/free).
 */
#ifndef SG_RENDER_H
#define SG_RENDER_H

#include <stddef.h>
#include <stdint.h>

/* ---- font (font.c) ------------------------------------------------------ */

#define SG_FONT_W 5       /* glyph cell, in font pixels */
#define SG_FONT_H 7
#define SG_FONT_ADVANCE 6 /* glyph plus one column of space */

/*
 * Printable-ASCII version of UTF-8 text, for captions: non-ASCII characters
 * become look-alikes (dashes '-', quotes, Latin-1 letters without accents,
 * "..." for an ellipsis), anything else '?', control characters a space.
 * Writes at most out_size-1 characters and a NUL (never half a
 * substitute); returns the length written.
 */
size_t sg_font_ascii(const uint8_t *utf8, size_t len, char *out, size_t out_size);

/* Width in image pixels of `chars` characters at `scale`. */
uint32_t sg_font_width(size_t chars, unsigned scale);

/* Draw ASCII text with its top-left corner at (x, y), each font pixel a
 * scale x scale square of `ink`; clipped to the w x h image. */
void sg_font_draw(uint8_t *px, uint32_t w, uint32_t h, uint32_t x, uint32_t y, const char *ascii,
                  unsigned scale, uint8_t ink);

/* ---- sheet (sheet.c) ---------------------------------------------------- */

/* One rendered symbol (borrowed) and its caption (printable ASCII). */
typedef struct {
  const uint8_t *px;
  uint32_t w, h;
  const char *caption;
} sg_sheet_item;

#define SG_SHEET_MAX_WIDTH 2480u /* A4 width at 300 dpi: wider sheets wrap to rows */

/*
 * Lay the symbols out in a grid, reading order, each with its caption
 * under it (see tools/sign/README.md for the exact geometry), and return a
 * new image in *out (free()d by the caller). font_scale >= 1. 0 or -1
 * (out of memory, or a sheet over 16384 pixels on a side).
 */
int sg_sheet_compose(const sg_sheet_item *items, unsigned n, unsigned font_scale, uint8_t **out,
                     uint32_t *w, uint32_t *h, unsigned *cols, unsigned *rows);

/* ---- command (render.c) ------------------------------------------------- */

int sg_cmd_render(int argc, char **argv);

#endif /* SG_RENDER_H */

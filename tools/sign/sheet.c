/*
 * The printable sheet of `render`: every symbol of a profile in one image,
 * each captioned "k of n - name", so the administrator prints one page and
 * the person staging can see that every symbol has been scanned.
 *
 * Geometry (fs = font scale; all in pixels):
 *   margin  = 12 fs, around the sheet and between cells
 *   caption = 7 fs high, 3 fs under its symbol, centred
 *   cell    = max symbol width (at least as wide as the widest caption,
 *             captions capped at 40 characters) x
 *             (max symbol height + 3 fs + 7 fs)
 *   columns = as many cells as fit in SG_SHEET_MAX_WIDTH, at most n, at least 1
 *   sheet   = margin + cols (cell w + margin)  x  margin + rows (cell h + margin)
 * Symbols are centred horizontally in their cell, top aligned.
 */
#include <stdlib.h>
#include <string.h>

#include "sg_render.h"

#define SG_SHEET_CAPTION_MAX 40u /* characters before a caption is cut with "..." */
#define SG_SHEET_MAX_SIDE 16384u

static uint32_t sg_max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

int sg_sheet_compose(const sg_sheet_item *items, unsigned n, unsigned font_scale, uint8_t **out,
                     uint32_t *w, uint32_t *h, unsigned *cols, unsigned *rows) {
  const uint32_t fs = font_scale == 0 ? 1 : font_scale;
  const uint32_t margin = 12 * fs, gap = 3 * fs, cap_h = SG_FONT_H * fs;
  uint32_t sym_w = 0, sym_h = 0, cap_w = 0;
  *out = NULL;
  if (items == NULL || n == 0) {
    return -1;
  }
  for (unsigned i = 0; i < n; i++) {
    size_t chars = strlen(items[i].caption);
    if (chars > SG_SHEET_CAPTION_MAX) {
      chars = SG_SHEET_CAPTION_MAX;
    }
    sym_w = sg_max_u32(sym_w, items[i].w);
    sym_h = sg_max_u32(sym_h, items[i].h);
    cap_w = sg_max_u32(cap_w, sg_font_width(chars, fs));
  }
  const uint32_t cell_w = sg_max_u32(sym_w, cap_w), cell_h = sym_h + gap + cap_h;
  if (cell_w > SG_SHEET_MAX_SIDE || cell_h > SG_SHEET_MAX_SIDE) {
    return -1;
  }
  uint32_t c = (SG_SHEET_MAX_WIDTH - margin) / (cell_w + margin);
  c = c < 1 ? 1 : (c > n ? n : c);
  const uint32_t r = (n + c - 1) / c;
  const uint64_t sw = margin + (uint64_t)c * (cell_w + margin);
  const uint64_t sh = margin + (uint64_t)r * (cell_h + margin);
  if (sw > SG_SHEET_MAX_SIDE || sh > SG_SHEET_MAX_SIDE) {
    return -1;
  }
  uint8_t *px = malloc((size_t)(sw * sh));
  if (px == NULL) {
    return -1;
  }
  memset(px, 255, (size_t)(sw * sh));
  for (unsigned i = 0; i < n; i++) {
    const sg_sheet_item *it = &items[i];
    const uint32_t x0 = margin + (i % c) * (cell_w + margin);
    const uint32_t y0 = margin + (i / c) * (cell_h + margin);
    const uint32_t sx = x0 + (cell_w - it->w) / 2;
    for (uint32_t y = 0; y < it->h; y++) {
      memcpy(px + (size_t)(y0 + y) * sw + sx, it->px + (size_t)y * it->w, it->w);
    }
    /* Caption, cut to fit the cell: "..." marks the cut. */
    char cap[SG_SHEET_CAPTION_MAX + 1];
    size_t len = strlen(it->caption);
    const size_t fit = cell_w / (SG_FONT_ADVANCE * fs);
    const size_t max_chars = fit < SG_SHEET_CAPTION_MAX ? fit : SG_SHEET_CAPTION_MAX;
    if (len > max_chars) {
      len = max_chars;
      memcpy(cap, it->caption, len);
      for (size_t k = len >= 3 ? len - 3 : 0; k < len; k++) {
        cap[k] = '.';
      }
    } else {
      memcpy(cap, it->caption, len);
    }
    cap[len] = '\0';
    const uint32_t tw = sg_font_width(len, fs);
    sg_font_draw(px, (uint32_t)sw, (uint32_t)sh, x0 + (cell_w - tw) / 2, y0 + it->h + gap, cap,
                 fs, 0);
  }
  *out = px;
  *w = (uint32_t)sw;
  *h = (uint32_t)sh;
  *cols = c;
  *rows = r;
  return 0;
}

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

#include "sg_sign.h"

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

/* ---- symbols (symbol.c, libzint) ---------------------------------------- */

typedef enum { SG_SYM_PDF417 = 0, SG_SYM_QR, SG_SYM_DATAMATRIX } sg_sym;

typedef struct {
  sg_sym sym;
  int ec; /* -1 default: PDF417 level 4, QR M; DataMatrix has one level */
} sg_sym_opts;

/* Structured append: symbol `index` (1-based) of `count`; ids from the set. */
typedef struct {
  unsigned index, count;
  uint8_t set[6];    /* the SG1 set id's 6 bytes */
  uint8_t qr_parity; /* XOR of every byte of every symbol's text (QR) */
} sg_sa;

/* A symbol as modules: cells[y * w + x], 0 dark, 255 light, quiet zone
 * included, square modules (a PDF417 row is SG_PDF417_ROW_MODULES tall). */
typedef struct {
  uint8_t *cells;
  uint32_t w, h;
  uint32_t sym_w, sym_rows; /* zint's symbol size, without quiet zone */
} sg_grid;

/*
 * Reliable-reading limits: what a handheld imager reads at 0.25-0.33 mm
 * modules on a printed page without aiming at one corner, not what the
 * standards allow. PDF417 10 data columns (239 modules wide) and at most
 * 70 rows of 3 modules; QR up to version 25 (117 x 117); DataMatrix up to
 * 104 x 104 (the 120-144 sizes interleave differently across readers, and
 * ZXing 1.4 cannot read its own 144 x 144).
 */
#define SG_PDF417_COLUMNS 10
#define SG_PDF417_ROW_MODULES 3u
#define SG_PDF417_MAX_ROWS 70
#define SG_QR_MAX_SIDE 117
#define SG_DM_MAX_SIDE 104
#define SG_SYM_MAX_TEXT 4096u

const char *sg_sym_name(sg_sym sym);
/*
 * Encode text[0..len) (bytes, no conversion) as one symbol; sa NULL or
 * count < 2: no structured append. SG_OK, SG_ERR_ENCODE (does not fit
 * within the limits above), SG_ERR_NO_MEMORY. g->cells freed with
 * sg_grid_free.
 */
int sg_sym_encode(const sg_sym_opts *o, const uint8_t *text, size_t len, const sg_sa *sa,
                  sg_grid *g);
void sg_grid_free(sg_grid *g);
/* The grid as 8-bit grey pixels, px_per_module pixels a module (free()). */
int sg_grid_raster(const sg_grid *g, unsigned px_per_module, uint8_t **px, uint32_t *w,
                   uint32_t *h);

/* ---- PDF sheet (pdf.c, cairo) ------------------------------------------- */

typedef struct {
  double module_mm; /* exact module size on paper */
  int letter;       /* US Letter instead of A4 */
} sg_pdf_opts;

/*
 * Write the sheet: symbols (grids) flowed onto A4/Letter pages, each page
 * with the header of `f`, "k of n, any order" under each symbol. *pages
 * receives the page count. SG_EXIT_OK or a recorded failure.
 */
int sg_pdf_write(const char *path, const sg_pdf_opts *o, const sg_facts *f, const sg_grid *grids,
                 unsigned n, unsigned *pages);

/* At exit, after every PDF is closed: free cairo's and fontconfig's caches. */
void sg_pdf_library_cleanup(void);

/* Several profiles in one PDF (batch: a page or more per device). */
typedef struct sg_pdf_doc sg_pdf_doc;
int sg_pdf_open(const char *path, const sg_pdf_opts *o, const char *title, sg_pdf_doc **d);
/* Add one profile on fresh page(s); *pages (may be NULL) its page count. */
int sg_pdf_add(sg_pdf_doc *d, const sg_facts *f, const sg_grid *grids, unsigned n,
               unsigned *pages);
/* Finish and free (safe on NULL); *pages (may be NULL) the total. */
int sg_pdf_close(sg_pdf_doc *d, unsigned *pages);

/* ---- reading sheets back (sheetread.c) ---------------------------------- */

typedef enum { SG_SHEET_NONE = 0, SG_SHEET_IMAGE, SG_SHEET_PDF } sg_sheet_kind;

/* By magic bytes: PNG, JPEG, PGM/PPM -> IMAGE; "%PDF" -> PDF. */
sg_sheet_kind sg_sheet_kind_of(const uint8_t *buf, size_t len);
/*
 * Decode every barcode in an image file or a PDF's pages (pdftoppm, 300
 * dpi) and reassemble the profile text as a device would (one SG1 set,
 * all chunks, set id = SHA-256 prefix; or one bare symbol). *text is a
 * NUL-terminated heap string (free()); *symbols the barcodes found.
 */
int sg_sheet_read(const char *path, int is_pdf, char **text, size_t *len, unsigned *symbols);

/* ---- command (render.c) ------------------------------------------------- */

/*
 * One profile text as symbols of `sym` at the default error correction,
 * split and read back exactly as `render` does: grids[0..*n) to draw
 * (each freed by the caller with sg_grid_free). `label` names it.
 */
int sg_render_grids(const char *label, const uint8_t *text, size_t len, sg_sym sym,
                    sg_grid grids[SG_SPLIT_MAX_CHUNKS], unsigned *n);

/* 1 if ZXing, at the device's settings, reads exactly text[0..len) from
 * the w x h grey image (one symbol) with the structured append `sa`
 * (NULL: none); 0 otherwise. */
int sg_render_reads_back(const uint8_t *px, uint32_t w, uint32_t h, const uint8_t *text,
                         size_t len, const sg_sa *sa);

int sg_cmd_render(int argc, char **argv);

#endif /* SG_RENDER_H */

/*
 * The printable sheet as PDF (cairo): A4 or Letter, every module drawn as
 * vector rectangles of exactly the size asked for in millimetres (no print
 * dialog scaling can blur a pixel grid), symbols flowed onto as many pages
 * as needed, and on every page a header a person checks before scanning:
 * the profile's name, what it does and for which devices, signed or not,
 * the signer's subject and SHA-256 fingerprint, seq, issued and expiry.
 * Under each symbol: "k of n, any order".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "sg_render.h"
#include "sg_sign.h"

#define SG_PT_PER_MM (72.0 / 25.4)
#define SG_PDF_MARGIN_MM 12.0
#define SG_PDF_GAP_MM 8.0
#define SG_PDF_CAPTION_MM 6.0
#define SG_PDF_LINE_MM 5.2

typedef struct {
  double x, y; /* top-left of the symbol, mm */
  unsigned page;
} sg_pdf_place;

/* Show text at (x, y) mm (baseline), shrinking the font to fit max_w mm. */
static void sg_pdf_text(cairo_t *cr, double x, double y, double max_w, double size_pt, int bold,
                        int mono, const char *text) {
  cairo_select_font_face(cr, mono ? "DejaVu Sans Mono" : "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  double size = size_pt;
  cairo_text_extents_t ext;
  for (;;) {
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, text, &ext);
    if (ext.x_advance <= max_w * SG_PT_PER_MM || size <= 4.0) {
      break;
    }
    size *= 0.92; /* never cut: a smaller font still says everything */
  }
  cairo_move_to(cr, x * SG_PT_PER_MM, y * SG_PT_PER_MM);
  cairo_show_text(cr, text);
}

/* The header block; returns its height in mm. */
static double sg_pdf_header(cairo_t *cr, const sg_facts *f, const sg_pdf_opts *o, unsigned n,
                            unsigned page, unsigned pages, double width_mm) {
  const double x = SG_PDF_MARGIN_MM;
  double y = SG_PDF_MARGIN_MM + 5.0;
  char line[1024];
  cairo_set_source_rgb(cr, 0, 0, 0);
  sg_pdf_text(cr, x, y, width_mm, 15, 1, 0, f->name);
  y += SG_PDF_LINE_MM + 1.5;
  (void)snprintf(line, sizeof line, "Does: %s   For: %s", f->does, f->target);
  sg_pdf_text(cr, x, y, width_mm, 10, 0, 0, line);
  y += SG_PDF_LINE_MM;
  if (f->not_a_profile) {
    sg_pdf_text(cr, x, y, width_mm, 10, 1, 0, "Symbol texts rendered as given: not checked here");
    y += SG_PDF_LINE_MM;
  } else if (f->encrypted) {
    sg_pdf_text(cr, x, y, width_mm, 10, 1, 0,
                "ENCRYPTED (JWE): only devices holding the fleet key can read it");
    y += SG_PDF_LINE_MM;
  } else if (f->n_signers == 0) {
    sg_pdf_text(cr, x, y, width_mm, 10, 1, 0,
                "UNSIGNED: devices in Trusted Mode refuse it");
    y += SG_PDF_LINE_MM;
  }
  for (unsigned i = 0; i < f->n_signers; i++) {
    (void)snprintf(line, sizeof line, "SIGNED (%s) by %s", f->signers[i].alg,
                   f->signers[i].subject);
    sg_pdf_text(cr, x, y, width_mm, 10, 1, 0, line);
    y += SG_PDF_LINE_MM;
    (void)snprintf(line, sizeof line, "SHA-256 %s",
                   f->signers[i].fingerprint[0] != '\0' ? f->signers[i].fingerprint
                                                        : "(none in the header)");
    sg_pdf_text(cr, x + 4, y, width_mm - 4, 8, 0, 1, line);
    y += SG_PDF_LINE_MM;
  }
  (void)snprintf(line, sizeof line, "seq %s   issued %s   expires %s", f->seq, f->iat, f->exp);
  sg_pdf_text(cr, x, y, width_mm, 10, 0, 0, line);
  y += SG_PDF_LINE_MM;
  (void)snprintf(line, sizeof line,
                 "%u barcode%s: scan %s, in any order   module %.2f mm   page %u of %u", n,
                 n == 1 ? "" : "s", n == 1 ? "it" : "all of them", o->module_mm, page + 1, pages);
  sg_pdf_text(cr, x, y, width_mm, 9, 0, 0, line);
  y += 2.5;
  cairo_set_line_width(cr, 0.3 * SG_PT_PER_MM);
  cairo_move_to(cr, x * SG_PT_PER_MM, y * SG_PT_PER_MM);
  cairo_line_to(cr, (x + width_mm) * SG_PT_PER_MM, y * SG_PT_PER_MM);
  cairo_stroke(cr);
  return y + 4.0 - SG_PDF_MARGIN_MM;
}

/* Height of the header in mm for these facts (same arithmetic as above). */
static double sg_pdf_header_height(const sg_facts *f) {
  const unsigned signer_lines = f->n_signers == 0 ? 1 : 2 * f->n_signers;
  return 5.0 + SG_PDF_LINE_MM + 1.5 + SG_PDF_LINE_MM * (2 + signer_lines) + 2.5 + 4.0;
}

/* Modules as rectangles: one per run of dark cells in a band of identical
 * rows (a PDF417 row is SG_PDF417_ROW_MODULES grid rows: one rectangle). */
static void sg_pdf_symbol(cairo_t *cr, const sg_grid *g, double x_mm, double y_mm, double m_mm) {
  /* Drawn in module units (small integers in the PDF), scaled once. */
  cairo_save(cr);
  cairo_translate(cr, x_mm * SG_PT_PER_MM, y_mm * SG_PT_PER_MM);
  cairo_scale(cr, m_mm * SG_PT_PER_MM, m_mm * SG_PT_PER_MM);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (uint32_t r = 0, band = 1; r < g->h; r += band) {
    const uint8_t *row = g->cells + (size_t)r * g->w;
    band = 1;
    while (r + band < g->h && memcmp(row, row + (size_t)band * g->w, g->w) == 0) {
      band++;
    }
    for (uint32_t c = 0; c < g->w;) {
      if (row[c] != 0) {
        c++;
        continue;
      }
      uint32_t e = c;
      while (e < g->w && row[e] == 0) {
        e++;
      }
      cairo_rectangle(cr, c, r, e - c, band);
      c = e;
    }
  }
  cairo_fill(cr);
  cairo_restore(cr);
}

struct sg_pdf_doc {
  cairo_surface_t *surf;
  cairo_t *cr;
  sg_pdf_opts o;
  char path[4096];
  unsigned pages;
};

int sg_pdf_open(const char *path, const sg_pdf_opts *o, const char *title, sg_pdf_doc **out) {
  *out = NULL;
  sg_pdf_doc *d = calloc(1, sizeof *d);
  if (d == NULL) {
    return sg_fail("out of memory");
  }
  d->o = *o;
  (void)snprintf(d->path, sizeof d->path, "%s", path);
  const double page_w = o->letter ? 215.9 : 210.0, page_h = o->letter ? 279.4 : 297.0;
  d->surf = cairo_pdf_surface_create(path, page_w * SG_PT_PER_MM, page_h * SG_PT_PER_MM);
  d->cr = cairo_create(d->surf);
  if (cairo_surface_status(d->surf) != CAIRO_STATUS_SUCCESS) {
    const int ret = sg_fail("%s: cannot create the PDF: %s", path,
                            cairo_status_to_string(cairo_surface_status(d->surf)));
    cairo_destroy(d->cr);
    cairo_surface_destroy(d->surf);
    free(d);
    return ret;
  }
  cairo_pdf_surface_set_metadata(d->surf, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata(d->surf, CAIRO_PDF_METADATA_CREATOR, "stagegate-sign");
  *out = d;
  return SG_EXIT_OK;
}

int sg_pdf_add(sg_pdf_doc *d, const sg_facts *f, const sg_grid *grids, unsigned n,
               unsigned *pages_out) {
  const sg_pdf_opts *o = &d->o;
  const char *path = d->path;
  cairo_t *cr = d->cr;
  const double page_w = o->letter ? 215.9 : 210.0, page_h = o->letter ? 279.4 : 297.0;
  const double width = page_w - 2 * SG_PDF_MARGIN_MM;
  const double top = SG_PDF_MARGIN_MM + sg_pdf_header_height(f);
  const double bottom = page_h - SG_PDF_MARGIN_MM;
  sg_pdf_place place[SG_SPLIT_MAX_CHUNKS * 4];
  if (n == 0 || n > sizeof place / sizeof place[0]) {
    return sg_fail("%s: nothing to print", path);
  }
  /* Flow: left to right, then down, then a new page. */
  double x = SG_PDF_MARGIN_MM, y = top, row_h = 0;
  unsigned page = 0;
  for (unsigned i = 0; i < n; i++) {
    const double w = grids[i].w * o->module_mm, h = grids[i].h * o->module_mm + SG_PDF_CAPTION_MM;
    if (w > width || h > bottom - top) {
      return sg_fail("%s: symbol %u is %.0f x %.0f mm at %.2f mm a module: larger than the "
                     "printable area (%.0f x %.0f mm): use a smaller --module-mm",
                     path, i + 1, w, h, o->module_mm, width, bottom - top);
    }
    if (x > SG_PDF_MARGIN_MM && x + w > SG_PDF_MARGIN_MM + width) {
      x = SG_PDF_MARGIN_MM;
      y += row_h + SG_PDF_GAP_MM;
      row_h = 0;
    }
    if (y + h > bottom) {
      page++;
      x = SG_PDF_MARGIN_MM;
      y = top;
      row_h = 0;
    }
    place[i].x = x;
    place[i].y = y;
    place[i].page = page;
    x += w + SG_PDF_GAP_MM;
    row_h = h > row_h ? h : row_h;
  }
  const unsigned pages = page + 1;
  unsigned i = 0;
  for (unsigned p = 0; p < pages; p++) {
    (void)sg_pdf_header(cr, f, o, n, p, pages, width);
    for (; i < n && place[i].page == p; i++) {
      sg_pdf_symbol(cr, &grids[i], place[i].x, place[i].y, o->module_mm);
      char caption[64];
      (void)snprintf(caption, sizeof caption, n == 1 ? "1 of 1" : "%u of %u, any order", i + 1,
                     n);
      sg_pdf_text(cr, place[i].x + grids[i].w * o->module_mm / 2 - 12,
                  place[i].y + grids[i].h * o->module_mm + 4.2, grids[i].w * o->module_mm, 9, 1,
                  0, caption);
    }
    cairo_show_page(cr);
  }
  d->pages += pages;
  if (pages_out != NULL) {
    *pages_out = pages;
  }
  return SG_EXIT_OK;
}

int sg_pdf_close(sg_pdf_doc *d, unsigned *pages) {
  if (d == NULL) {
    return SG_EXIT_OK;
  }
  cairo_destroy(d->cr);
  cairo_surface_finish(d->surf);
  const cairo_status_t st = cairo_surface_status(d->surf);
  cairo_surface_destroy(d->surf);
  int ret = SG_EXIT_OK;
  if (st != CAIRO_STATUS_SUCCESS) {
    ret = sg_fail("%s: cannot write the PDF: %s", d->path, cairo_status_to_string(st));
  }
  if (pages != NULL) {
    *pages = d->pages;
  }
  free(d);
  return ret;
}

void sg_pdf_library_cleanup(void) {
  /* cairo's and fontconfig's process-wide caches (fonts found for the
   * header): released so leak checkers see only our own allocations. */
  cairo_debug_reset_static_data();
  FcFini();
}

int sg_pdf_write(const char *path, const sg_pdf_opts *o, const sg_facts *f, const sg_grid *grids,
                 unsigned n, unsigned *pages_out) {
  sg_pdf_doc *d = NULL;
  int ret = sg_pdf_open(path, o, f->name, &d);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  ret = sg_pdf_add(d, f, grids, n, NULL);
  const int closed = sg_pdf_close(d, pages_out);
  return ret != SG_EXIT_OK ? ret : closed;
}

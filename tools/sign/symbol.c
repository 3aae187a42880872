/*
 * One barcode symbol as a grid of modules, encoded by libzint (Debian's
 * libzint-dev, 2.11): PDF417, QR and DataMatrix, with the symbology's own
 * structured append when a profile takes several symbols (Macro PDF417,
 * QR Structured Append, DataMatrix Structured Append) in addition to the
 * SG1 header every chunk carries.
 *
 * Symbol sizes are capped for reliable reading on handheld imagers, not
 * at what the standards allow (see SG_SYM_LIMITS in sg_render.h and the
 * README): the largest symbols are the ones scanners miss.
 *
 * The grid is what both outputs draw: PNG scales it by whole pixels per
 * module, the PDF draws each run of dark modules as a rectangle of the
 * exact module size in millimetres.
 */
#include <stdlib.h>
#include <string.h>

#include <zint.h>

#include "sg_render.h"
#include "stagegate/errors.h"

/* zint's module bit (its own module_is_set macro is not in the public header). */
static int sg_zint_dark(const struct zint_symbol *z, int row, int col) {
  return (z->encoded_data[row][col >> 3] >> (col & 7)) & 1;
}

const char *sg_sym_name(sg_sym sym) {
  switch (sym) {
    case SG_SYM_QR:
      return "qr";
    case SG_SYM_DATAMATRIX:
      return "datamatrix";
    case SG_SYM_PDF417:
    default:
      return "pdf417";
  }
}

/* Structured append ID in each symbology's own form, from the set id. */
static void sg_sa_id(sg_sym sym, const sg_sa *sa, char id[32]) {
  if (sym == SG_SYM_PDF417) {
    /* Macro PDF417 file ID: base-900 digits written as triplets 000..899;
     * one triplet per set byte. */
    for (unsigned i = 0; i < 6; i++) {
      id[3 * i] = (char)('0' + sa->set[i] / 100);
      id[3 * i + 1] = (char)('0' + sa->set[i] / 10 % 10);
      id[3 * i + 2] = (char)('0' + sa->set[i] % 10);
    }
    id[18] = '\0';
  } else if (sym == SG_SYM_QR) {
    /* QR: the parity byte, XOR of every data byte of the whole message. */
    unsigned p = sa->qr_parity;
    id[0] = (char)('0' + p / 100);
    id[1] = (char)('0' + p / 10 % 10);
    id[2] = (char)('0' + p % 10);
    id[3] = '\0';
  } else {
    /* DataMatrix: two file identification numbers, 001..254 each. */
    const unsigned a = sa->set[0] % 254u + 1u, b = sa->set[1] % 254u + 1u;
    id[0] = (char)('0' + a / 100);
    id[1] = (char)('0' + a / 10 % 10);
    id[2] = (char)('0' + a % 10);
    id[3] = (char)('0' + b / 100);
    id[4] = (char)('0' + b / 10 % 10);
    id[5] = (char)('0' + b % 10);
    id[6] = '\0';
  }
}

int sg_sym_encode(const sg_sym_opts *o, const uint8_t *text, size_t len, const sg_sa *sa,
                  sg_grid *g) {
  int ret = SG_ERR_ENCODE;
  memset(g, 0, sizeof *g);
  if (len == 0 || len > SG_SYM_MAX_TEXT) {
    return SG_ERR_ENCODE;
  }
  struct zint_symbol *z = ZBarcode_Create();
  if (z == NULL) {
    return SG_ERR_NO_MEMORY;
  }
  z->input_mode = DATA_MODE; /* bytes as they are: no ECI, no conversion */
  unsigned quiet = 0, row_h = 1;
  switch (o->sym) {
    case SG_SYM_QR:
      z->symbology = BARCODE_QRCODE;
      z->option_1 = (o->ec >= 0 ? o->ec : 1) + 1; /* zint: 1 L, 2 M, 3 Q, 4 H */
      quiet = 4;
      break;
    case SG_SYM_DATAMATRIX:
      z->symbology = BARCODE_DATAMATRIX;
      z->option_3 = DM_SQUARE;
      quiet = 4; /* ISO asks for 1; ZXing misses it next to the caption with less */
      break;
    case SG_SYM_PDF417:
    default:
      z->symbology = BARCODE_PDF417;
      z->option_1 = o->ec >= 0 ? o->ec : 4;
      z->option_2 = SG_PDF417_COLUMNS;
      quiet = 4;
      row_h = SG_PDF417_ROW_MODULES;
      break;
  }
  if (sa != NULL && sa->count >= 2) {
    z->structapp.index = (int)sa->index;
    z->structapp.count = (int)sa->count;
    sg_sa_id(o->sym, sa, z->structapp.id);
  }
  const int rc = ZBarcode_Encode(z, text, (int)len);
  if (rc >= ZINT_ERROR) {
    ret = rc == ZINT_ERROR_MEMORY ? SG_ERR_NO_MEMORY : SG_ERR_ENCODE;
    goto out;
  }
  /* Reliable-reading limits (see sg_render.h). */
  const int too_big = (o->sym == SG_SYM_PDF417 && z->rows > SG_PDF417_MAX_ROWS) ||
                      (o->sym == SG_SYM_QR && z->width > SG_QR_MAX_SIDE) ||
                      (o->sym == SG_SYM_DATAMATRIX && z->width > SG_DM_MAX_SIDE);
  if (too_big) {
    ret = SG_ERR_ENCODE;
    goto out;
  }
  g->w = (uint32_t)z->width + 2 * quiet;
  g->h = (uint32_t)z->rows * row_h + 2 * quiet;
  g->sym_w = (uint32_t)z->width;
  g->sym_rows = (uint32_t)z->rows;
  g->cells = malloc((size_t)g->w * g->h);
  if (g->cells == NULL) {
    ret = SG_ERR_NO_MEMORY;
    goto out;
  }
  memset(g->cells, 255, (size_t)g->w * g->h);
  for (int r = 0; r < z->rows; r++) {
    for (unsigned k = 0; k < row_h; k++) {
      uint8_t *line = g->cells + (size_t)(quiet + (unsigned)r * row_h + k) * g->w + quiet;
      for (int c = 0; c < z->width; c++) {
        if (sg_zint_dark(z, r, c)) {
          line[c] = 0;
        }
      }
    }
  }
  ret = SG_OK;
out:
  ZBarcode_Delete(z);
  return ret;
}

void sg_grid_free(sg_grid *g) {
  free(g->cells);
  memset(g, 0, sizeof *g);
}

int sg_grid_raster(const sg_grid *g, unsigned px_per_module, uint8_t **px, uint32_t *w,
                   uint32_t *h) {
  *px = NULL;
  if (px_per_module == 0 || (size_t)g->w * px_per_module > 16384u ||
      (size_t)g->h * px_per_module > 16384u) {
    return SG_ERR_OUTPUT_TOO_SMALL;
  }
  *w = g->w * px_per_module;
  *h = g->h * px_per_module;
  uint8_t *out = malloc((size_t)*w * *h);
  if (out == NULL) {
    return SG_ERR_NO_MEMORY;
  }
  for (uint32_t y = 0; y < *h; y++) {
    const uint8_t *src = g->cells + (size_t)(y / px_per_module) * g->w;
    uint8_t *dst = out + (size_t)y * *w;
    for (uint32_t x = 0; x < *w; x++) {
      dst[x] = src[x / px_per_module];
    }
  }
  *px = out;
  return SG_OK;
}

/* The image scanner backend (see sg_scan_zxing.h). */
#include "sg_scan_zxing.h"

#include <string.h>

#include "stagegate/errors.h"

int sg_scan_zxing_init(sg_scan_zxing *sc, sg_symbol *items, size_t cap, uint8_t *arena,
                       size_t arena_cap, const sg_zx_read_opts *opts, const sg_image_limits *limits) {
  int ret = SG_ERR_ARG;
  if (sc == NULL) {
    return SG_ERR_ARG;
  }
  memset(sc, 0, sizeof *sc);
  ret = sg_symbol_list_init(&sc->list, items, cap, arena, arena_cap);
  if (ret != SG_OK) {
    return ret;
  }
  if (opts != NULL) {
    sc->opts = *opts;
  } else {
    sg_zx_read_opts_default(&sc->opts);
  }
  if (limits != NULL) {
    sc->limits = *limits;
  }
  return SG_OK;
}

int sg_scan_zxing_set_paths(sg_scan_zxing *sc, const char *const *paths, size_t count) {
  if (sc == NULL || (paths == NULL && count != 0)) {
    return SG_ERR_ARG;
  }
  sc->paths = paths;
  sc->path_count = count;
  sc->next_path = 0;
  return SG_OK;
}

static void sg_scan_zxing_drop(sg_scan_zxing *sc) {
  sg_symbol_list_clear(&sc->list);
  sc->next_item = 0;
}

/* Decode into the (emptied) queue. A partial result (overflow) keeps the
 * symbols that fit: they are real. push_* return the overflow code; next()
 * hands out the symbols that fit without reporting it (size the list for
 * the most symbols one image may hold). */
static int sg_scan_zxing_decode(sg_scan_zxing *sc, const sg_image *img) {
  sg_scan_zxing_drop(sc);
  return sg_zx_read(img->pixels, img->stride * img->height, img->width, img->height, img->stride,
                    img->format, &sc->opts, &sc->list);
}

int sg_scan_zxing_push_encoded(sg_scan_zxing *sc, const uint8_t *data, size_t len) {
  int ret = SG_ERR_INTERNAL;
  sg_image img;
  if (sc == NULL || sc->list.items == NULL) {
    return SG_ERR_ARG;
  }
  sg_image_init(&img);
  sg_scan_zxing_drop(sc);
  ret = sg_image_load_mem(data, len, SG_PIXELS_GREY8, &sc->limits, &img);
  if (ret == SG_OK) {
    ret = sg_scan_zxing_decode(sc, &img);
  }
  sg_image_free(&img);
  return ret;
}

int sg_scan_zxing_push_pixels(sg_scan_zxing *sc, const uint8_t *pixels, size_t len, uint32_t width,
                              uint32_t height, size_t stride, sg_pixel_format format) {
  if (sc == NULL || sc->list.items == NULL) {
    return SG_ERR_ARG;
  }
  sg_scan_zxing_drop(sc);
  return sg_zx_read(pixels, len, width, height, stride, format, &sc->opts, &sc->list);
}

static int sg_scan_zxing_next(void *ctx, sg_symbol *out) {
  int ret = SG_ERR_SCAN_END;
  sg_scan_zxing *sc = ctx;
  if (out == NULL) {
    return SG_ERR_ARG;
  }
  sg_symbol_clear(out);
  if (sc == NULL || sc->list.items == NULL) {
    return SG_ERR_ARG;
  }
  if (sc->next_item >= sc->list.count && sc->next_path < sc->path_count) {
    sg_image img;
    sg_image_init(&img);
    const char *path = sc->paths[sc->next_path++];
    sg_scan_zxing_drop(sc);
    ret = sg_image_load_path(path, SG_PIXELS_GREY8, &sc->limits, &img);
    if (ret == SG_OK) {
      ret = sg_scan_zxing_decode(sc, &img);
    }
    sg_image_free(&img);
    if (ret != SG_OK && sc->list.count == 0) {
      return ret; /* this file gave nothing; the next call moves on */
    }
  }
  if (sc->next_item < sc->list.count) {
    *out = sc->list.items[sc->next_item++];
    return SG_OK;
  }
  return SG_ERR_SCAN_END;
}

static void sg_scan_zxing_reset(void *ctx) {
  sg_scan_zxing *sc = ctx;
  if (sc != NULL) {
    sg_scan_zxing_drop(sc);
  }
}

void sg_scan_zxing_scanner(sg_scan_zxing *sc, sg_scanner *ops) {
  if (ops != NULL) {
    ops->ctx = sc;
    ops->next = sg_scan_zxing_next;
    ops->reset = sg_scan_zxing_reset;
  }
}

/*
 * The image scanner backend: images in, symbols out through the scanner
 * hook (stagegate/scanner.h), using sg_image (PNG/JPEG/PGM) and sg_zxing.
 * Linux targets only.
 *
 *   sg_symbol items[16]; uint8_t arena[16384];
 *   sg_scan_zxing sc; sg_scanner ops;
 *   sg_scan_zxing_init(&sc, items, 16, arena, sizeof arena, NULL, NULL);
 *   sg_scan_zxing_set_paths(&sc, paths, n);     // many images, read lazily
 *   sg_scan_zxing_scanner(&sc, &ops);
 *   while ((ret = ops.next(ops.ctx, &sym)) != SG_ERR_SCAN_END) { ... }
 *
 * Sources, consumed in this order by next(): symbols already queued (by
 * sg_scan_zxing_push_*), then the files in `paths`, one image per call
 * when the queue is empty. Each image's symbols are queued in ZXing's
 * order. A symbol's bytes live in the caller's arena and stay valid until
 * the next call of next/reset/push on this scanner.
 */
#ifndef SG_SCAN_ZXING_H
#define SG_SCAN_ZXING_H

#include <stddef.h>
#include <stdint.h>

#include "sg_image.h"
#include "sg_zxing.h"
#include "stagegate/scanner.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Caller-allocated; fields private. */
typedef struct sg_scan_zxing {
  sg_symbol_list list;
  size_t next_item;
  const char *const *paths;
  size_t path_count;
  size_t next_path;
  sg_zx_read_opts opts;
  sg_image_limits limits;
} sg_scan_zxing;

/* Storage: `items` (cap symbols) and `arena` (arena_cap bytes) belong to
 * the caller and must outlive the scanner. opts/limits are copied; NULL =
 * defaults. SG_OK or SG_ERR_ARG. */
int sg_scan_zxing_init(sg_scan_zxing *sc, sg_symbol *items, size_t cap, uint8_t *arena,
                       size_t arena_cap, const sg_zx_read_opts *opts, const sg_image_limits *limits);

/* Image files to read, in order (the array and strings are borrowed and
 * must outlive the scanner). Replaces any earlier list. */
int sg_scan_zxing_set_paths(sg_scan_zxing *sc, const char *const *paths, size_t count);

/* Decode one encoded image (PNG/JPEG/PGM bytes) now and queue its symbols,
 * dropping symbols not yet returned. Returns SG_OK or the sg_image /
 * sg_zx_read error (nothing queued then). */
int sg_scan_zxing_push_encoded(sg_scan_zxing *sc, const uint8_t *data, size_t len);

/* Same for a raw frame (e.g. from a camera driver), see sg_zx_read. */
int sg_scan_zxing_push_pixels(sg_scan_zxing *sc, const uint8_t *pixels, size_t len, uint32_t width,
                              uint32_t height, size_t stride, sg_pixel_format format);

/* The scanner hook over `sc` (next and reset). */
void sg_scan_zxing_scanner(sg_scan_zxing *sc, sg_scanner *ops);

#ifdef __cplusplus
}
#endif
#endif /* SG_SCAN_ZXING_H */

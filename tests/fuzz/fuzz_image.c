/*
 * libFuzzer harness: untrusted image bytes -> sg_image (PNG via libpng,
 * JPEG via libjpeg-turbo, PGM/PPM via our own parser, after the size and
 * magic checks; dimensions checked before any pixel allocation) ->
 * sg_zx_read (ZXing-C++ through the C shim). Any crash, sanitizer report
 * or exception escaping the shim is a bug. Limits are kept small so the
 * fuzzer explores parsers rather than waiting on huge decodes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sg_image.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static sg_symbol items[4];
  static uint8_t arena[4096];
  const sg_image_limits limits = {1u << 20, 1024u * 1024u, 2048u};
  sg_image img;
  sg_symbol_list list;
  sg_image_init(&img);
  /* The first byte picks grey or RGB, so both conversions are exercised. */
  const sg_pixel_format fmt = size > 0 && (data[0] & 1u) ? SG_PIXELS_RGB24 : SG_PIXELS_GREY8;
  if (sg_image_load_mem(data, size, fmt, &limits, &img) == SG_OK) {
    (void)sg_symbol_list_init(&list, items, 4, arena, sizeof arena);
    sg_zx_read_opts o;
    sg_zx_read_opts_default(&o);
    o.try_invert = 1;
    const int ret = sg_zx_read(img.pixels, img.stride * img.height, img.width, img.height,
                               img.stride, img.format, &o, &list);
    if (ret == SG_OK) {
      /* Touch every returned byte: they must lie in the arena. */
      volatile uint8_t sink = 0;
      for (size_t i = 0; i < list.count; i++)
        for (size_t k = 0; k < list.items[i].len; k++) sink ^= list.items[i].data[k];
      (void)sink;
    }
  }
  sg_image_free(&img);
  return 0;
}

/*
 * sg_render_tool — render a payload file as one barcode PNG through the
 * sg_zxing writer (used by tests/images/make-images).
 *
 *   sg_render_tool <pdf417|qr|datamatrix> <ec|-> <module-px> <payload-file> <out.png>
 *   sg_render_tool payload <i> <n> <length> <seed> <out.txt>
 *   sg_render_tool decode <image>...
 *
 * The second form writes a deterministic stagegate-like chunk text
 * ("SG1:i/n:<set>:<base64url...>", `length` bytes, no newline).
 *
 * The third form reads each image (PNG/JPEG/PGM) with the device's decoder
 * settings (sg_zx_read defaults) and prints every symbol's bytes followed by
 * a newline, images in argument order, symbols in ZXing's order; an image
 * with no symbol is reported on stderr and makes the exit status 1. (Used
 * by the render and profile-image tests; symbol texts there have no
 * newlines.)
 *
 * Prints "<width> <height>" on success; exits 1 with the sg_err name on
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_payload.h"
#include "sg_image.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

static int sg_parse_symbology(const char *s, sg_symbology *out) {
  if (strcmp(s, "pdf417") == 0) *out = SG_SYMBOLOGY_PDF417;
  else if (strcmp(s, "qr") == 0) *out = SG_SYMBOLOGY_QR;
  else if (strcmp(s, "datamatrix") == 0) *out = SG_SYMBOLOGY_DATAMATRIX;
  else return 0;
  return 1;
}

static int sg_write_payload(char **argv) {
  const long len = atol(argv[4]);
  if (len < 32 || len > (long)SG_ZX_MAX_PAYLOAD) {
    fprintf(stderr, "sg_render_tool: payload length must be 32..%u\n", SG_ZX_MAX_PAYLOAD);
    return 2;
  }
  static char buf[SG_ZX_MAX_PAYLOAD + 1];
  sg_payload_chunk(buf, (size_t)len, (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]),
                   (uint32_t)strtoul(argv[5], NULL, 10));
  const int ret = sg_image_write_file(argv[6], (const uint8_t *)buf, (size_t)len);
  if (ret != SG_OK) fprintf(stderr, "sg_render_tool: %s: %s\n", argv[6], sg_strerror_name(ret));
  return ret == SG_OK ? 0 : 1;
}

#define SG_DECODE_MAX_SYMBOLS 64u

static int sg_decode(int argc, char **argv) {
  static sg_symbol items[SG_DECODE_MAX_SYMBOLS];
  static uint8_t arena[SG_DECODE_MAX_SYMBOLS * SG_ZX_MAX_PAYLOAD];
  int status = 0;
  for (int i = 2; i < argc; i++) {
    sg_image img;
    sg_symbol_list list;
    sg_image_init(&img);
    int ret = sg_symbol_list_init(&list, items, SG_DECODE_MAX_SYMBOLS, arena, sizeof arena);
    if (ret == SG_OK) ret = sg_image_load_path(argv[i], SG_PIXELS_GREY8, NULL, &img);
    if (ret == SG_OK)
      ret = sg_zx_read(img.pixels, img.stride * img.height, img.width, img.height, img.stride,
                       img.format, NULL, &list);
    for (size_t k = 0; k < list.count; k++) {
      fwrite(items[k].data, 1, items[k].len, stdout);
      fputc('\n', stdout);
    }
    if (ret != SG_OK) {
      fprintf(stderr, "sg_render_tool: %s: %s\n", argv[i], sg_strerror_name(ret));
      status = 1;
    }
    sg_image_free(&img);
  }
  return status;
}

int main(int argc, char **argv) {
  sg_symbology sym = SG_SYMBOLOGY_UNKNOWN;
  if (argc == 7 && strcmp(argv[1], "payload") == 0) {
    return sg_write_payload(argv);
  }
  if (argc >= 3 && strcmp(argv[1], "decode") == 0) {
    return sg_decode(argc, argv);
  }
  if (argc != 6 || !sg_parse_symbology(argv[1], &sym)) {
    fprintf(stderr, "usage: %s <pdf417|qr|datamatrix> <ec|-> <module-px> <payload-file> <out.png>\n",
            argv[0]);
    return 2;
  }
  sg_zx_write_opts w;
  sg_zx_write_opts_default(&w, sym);
  if (strcmp(argv[2], "-") != 0) w.ec_level = atoi(argv[2]);
  w.module_px = (unsigned)atoi(argv[3]);

  uint8_t *payload = NULL, *px = NULL, *png = NULL;
  size_t payload_len = 0, png_len = 0;
  uint32_t width = 0, height = 0;
  int ret = sg_image_read_file(argv[4], SG_ZX_MAX_PAYLOAD, &payload, &payload_len);
  if (ret == SG_OK) ret = sg_zx_write_alloc(payload, payload_len, &w, &px, &width, &height);
  if (ret == SG_OK)
    ret = sg_image_encode_png(px, (size_t)width * height, width, height, width, SG_PIXELS_GREY8,
                              &png, &png_len);
  if (ret == SG_OK) ret = sg_image_write_file(argv[5], png, png_len);
  if (ret == SG_OK) printf("%u %u\n", (unsigned)width, (unsigned)height);
  else fprintf(stderr, "sg_render_tool: %s: %s\n", argv[5], sg_strerror_name(ret));
  sg_image_free_bytes(payload);
  sg_image_free_bytes(png);
  sg_zx_free(px);
  return ret == SG_OK ? 0 : 1;
}

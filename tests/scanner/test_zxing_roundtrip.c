/*
 * sg_zxing: render -> decode round trips for each symbology, EC level and
 * several payload sizes (exact bytes back, binary included), plus the
 * shim's error paths: bad options, payload too large, caller buffers too
 * small, list and arena overflow, inverted images.
 */
#include <stdlib.h>
#include <string.h>

#include "scan_payload.h"
#include "sg_test.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

static sg_symbol items[8];
static uint8_t arena[16384];

/* Render `data`, read it back, and require exactly one symbol with exactly
 * these bytes and this symbology. */
static int roundtrip(sg_symbology sym, int ec, unsigned module, const uint8_t *data, size_t len) {
  sg_zx_write_opts w;
  sg_zx_write_opts_default(&w, sym);
  w.ec_level = ec;
  w.module_px = module;
  uint8_t *px = NULL;
  uint32_t width = 0, height = 0;
  int ret = sg_zx_write_alloc(data, len, &w, &px, &width, &height);
  if (ret != SG_OK) {
    sg_test_printf("    write %s ec %d len %zu: %s\n", sg_symbology_name(sym), ec, len,
                   sg_strerror_name(ret));
    return 0;
  }
  sg_symbol_list list;
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 8, arena, sizeof arena), SG_OK);
  ret = sg_zx_read(px, (size_t)width * height, width, height, width, SG_PIXELS_GREY8, NULL, &list);
  sg_zx_free(px);
  const int ok = ret == SG_OK && list.count == 1 && items[0].symbology == sym &&
                 items[0].len == len && memcmp(items[0].data, data, len) == 0 &&
                 items[0].sa_index == -1 && items[0].sa_count == -1 && items[0].reader_init == 0;
  if (!ok) {
    sg_test_printf("    read %s ec %d len %zu: %s, %zu symbols\n", sg_symbology_name(sym), ec, len,
                   sg_strerror_name(ret), list.count);
  }
  return ok;
}

static const sg_symbology all_syms[] = {SG_SYMBOLOGY_PDF417, SG_SYMBOLOGY_QR,
                                        SG_SYMBOLOGY_DATAMATRIX};

static void test_chunk_text_sizes(void) {
  static char text[1201];
  static const size_t sizes[] = {32, 120, 300, 600, 1000};
  for (size_t s = 0; s < 3; s++) {
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      sg_payload_chunk(text, sizes[k], 1, 3, (uint32_t)(k + 1));
      SG_CHECK(roundtrip(all_syms[s], -1, 3, (const uint8_t *)text, sizes[k]));
    }
  }
}

static void test_binary_exact(void) {
  static uint8_t bin[700];
  static const size_t sizes[] = {1, 2, 17, 256, 700};
  for (size_t s = 0; s < 3; s++) {
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      sg_payload_binary(bin, sizes[k], (uint32_t)(100 + k));
      SG_CHECK(roundtrip(all_syms[s], -1, 3, bin, sizes[k]));
    }
    uint8_t every[256];
    for (unsigned v = 0; v < 256; v++) {
      every[v] = (uint8_t)v;
    }
    SG_CHECK(roundtrip(all_syms[s], -1, 3, every, sizeof every));
  }
}

static void test_ec_levels(void) {
  static char text[401];
  sg_payload_chunk(text, 400, 2, 2, 9);
  for (int ec = 0; ec <= 3; ec++) {
    SG_CHECK(roundtrip(SG_SYMBOLOGY_QR, ec, 2, (const uint8_t *)text, 400));
  }
  for (int ec = 0; ec <= 8; ec++) {
    SG_CHECK(roundtrip(SG_SYMBOLOGY_PDF417, ec, 2, (const uint8_t *)text, 400));
  }
  /* Module sizes. One pixel per module reads for QR and PDF417 but not for
   * DataMatrix (ZXing 1.4's detector needs at least 2): report it. */
  for (unsigned m = 1; m <= 6; m++) {
    SG_CHECK(roundtrip(SG_SYMBOLOGY_QR, -1, m, (const uint8_t *)text, 400));
    SG_CHECK(roundtrip(SG_SYMBOLOGY_PDF417, -1, m, (const uint8_t *)text, 400));
    if (m >= 2) {
      SG_CHECK(roundtrip(SG_SYMBOLOGY_DATAMATRIX, -1, m, (const uint8_t *)text, 400));
    }
  }
}

static void test_write_errors(void) {
  sg_zx_write_opts w;
  uint32_t width = 7, height = 7;
  uint8_t *px = (uint8_t *)&width; /* must be reset to NULL on failure */
  const uint8_t one = 'x';
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_QR);
  SG_CHECK_CODE(sg_zx_write_alloc(NULL, 1, &w, &px, &width, &height), SG_ERR_ARG);
  SG_CHECK(px == NULL && width == 0 && height == 0);
  SG_CHECK_CODE(sg_zx_write_alloc(&one, 0, &w, &px, &width, &height), SG_ERR_ARG);
  SG_CHECK_CODE(sg_zx_write_alloc(&one, 1, NULL, &px, &width, &height), SG_ERR_ARG);
  w.ec_level = 4;
  SG_CHECK_CODE(sg_zx_write_alloc(&one, 1, &w, &px, &width, &height), SG_ERR_ARG);
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_DATAMATRIX);
  w.ec_level = 0; /* ECC 200 has no levels */
  SG_CHECK_CODE(sg_zx_write_alloc(&one, 1, &w, &px, &width, &height), SG_ERR_ARG);
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_AZTEC);
  SG_CHECK_CODE(sg_zx_write_alloc(&one, 1, &w, &px, &width, &height), SG_ERR_ARG);
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_QR);
  w.module_px = SG_ZX_MAX_MODULE_PX + 1;
  SG_CHECK_CODE(sg_zx_write_alloc(&one, 1, &w, &px, &width, &height), SG_ERR_ARG);

  /* Too large for any symbol of the symbology: a clean SG_ERR_ENCODE. */
  static uint8_t big[SG_ZX_MAX_PAYLOAD + 1];
  sg_payload_binary(big, sizeof big, 3);
  for (size_t s = 0; s < 3; s++) {
    sg_zx_write_opts_default(&w, all_syms[s]);
    SG_CHECK_CODE(sg_zx_write_alloc(big, 3500, &w, &px, &width, &height), SG_ERR_ENCODE);
    SG_CHECK(px == NULL);
    SG_CHECK_CODE(sg_zx_write_alloc(big, sizeof big, &w, &px, &width, &height), SG_ERR_ENCODE);
  }
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_QR);
  w.ec_level = 3; /* H: 1273 bytes at most */
  SG_CHECK_CODE(sg_zx_write_alloc(big, 1300, &w, &px, &width, &height), SG_ERR_ENCODE);
}

static void test_caller_buffer(void) {
  sg_zx_write_opts w;
  uint32_t width = 0, height = 0, w2 = 0, h2 = 0;
  const uint8_t msg[] = "SG1:1/1:0123456789ab:hello";
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_QR);
  w.module_px = 2;
  /* Size query: NULL buffer, the dimensions come back. */
  SG_CHECK_CODE(sg_zx_write(msg, sizeof msg - 1, &w, NULL, 0, &width, &height),
                SG_ERR_OUTPUT_TOO_SMALL);
  SG_CHECK(width == (25u + 8u) * 2u && height == width); /* 26 bytes at M: version 2 */
  uint8_t *buf = malloc((size_t)width * height);
  SG_CHECK(buf != NULL);
  if (buf == NULL) return;
  SG_CHECK_CODE(sg_zx_write(msg, sizeof msg - 1, &w, buf, (size_t)width * height - 1, &w2, &h2),
                SG_ERR_OUTPUT_TOO_SMALL);
  SG_CHECK_CODE(sg_zx_write(msg, sizeof msg - 1, &w, buf, (size_t)width * height, &w2, &h2), SG_OK);
  SG_CHECK(w2 == width && h2 == height);
  /* Quiet zone: the outer 4 modules are white; the finder's corner is black. */
  SG_CHECK(buf[0] == 0xff && buf[(size_t)8 * width + 7] == 0xff && buf[(size_t)8 * width + 8] == 0);
  SG_CHECK_CODE(sg_zx_write(msg, sizeof msg - 1, &w, buf, 10, NULL, &h2), SG_ERR_ARG);
  free(buf);
}

/* Two symbols side by side on one canvas. */
static uint8_t *two_symbols(uint32_t *cw, uint32_t *ch) {
  sg_zx_write_opts w;
  uint8_t *a = NULL, *b = NULL;
  uint32_t aw = 0, ah = 0, bw = 0, bh = 0;
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_QR);
  if (sg_zx_write_alloc((const uint8_t *)"SG1:1/2:0123456789ab:left", 25, &w, &a, &aw, &ah) != SG_OK) return NULL;
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_DATAMATRIX);
  if (sg_zx_write_alloc((const uint8_t *)"SG1:2/2:0123456789ab:right", 26, &w, &b, &bw, &bh) != SG_OK) {
    sg_zx_free(a);
    return NULL;
  }
  *cw = aw + bw + 40;
  *ch = (ah > bh ? ah : bh) + 40;
  uint8_t *c = malloc((size_t)*cw * *ch);
  if (c != NULL) {
    memset(c, 0xff, (size_t)*cw * *ch);
    for (uint32_t y = 0; y < ah; y++) memcpy(c + (size_t)(y + 20) * *cw + 10, a + (size_t)y * aw, aw);
    for (uint32_t y = 0; y < bh; y++) memcpy(c + (size_t)(y + 20) * *cw + 30 + aw, b + (size_t)y * bw, bw);
  }
  sg_zx_free(a);
  sg_zx_free(b);
  return c;
}

static void test_many_and_overflow(void) {
  uint32_t cw = 0, ch = 0;
  uint8_t *c = two_symbols(&cw, &ch);
  SG_CHECK(c != NULL);
  if (c == NULL) return;
  sg_symbol_list list;
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 8, arena, sizeof arena), SG_OK);
  SG_CHECK_CODE(sg_zx_read(c, (size_t)cw * ch, cw, ch, cw, SG_PIXELS_GREY8, NULL, &list), SG_OK);
  SG_CHECK(list.count == 2);
  int seen_qr = 0, seen_dm = 0;
  for (size_t i = 0; i < list.count; i++) {
    seen_qr |= items[i].symbology == SG_SYMBOLOGY_QR && items[i].len == 25 &&
               memcmp(items[i].data, "SG1:1/2:0123456789ab:left", 25) == 0;
    seen_dm |= items[i].symbology == SG_SYMBOLOGY_DATAMATRIX && items[i].len == 26 &&
               memcmp(items[i].data, "SG1:2/2:0123456789ab:right", 26) == 0;
  }
  SG_CHECK(seen_qr && seen_dm);

  /* Room for one symbol: the one that fits is kept, the overflow reported. */
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 1, arena, sizeof arena), SG_OK);
  SG_CHECK_CODE(sg_zx_read(c, (size_t)cw * ch, cw, ch, cw, SG_PIXELS_GREY8, NULL, &list),
                SG_ERR_SYMBOL_OVERFLOW);
  SG_CHECK(list.count == 1);
  /* An arena too small for the bytes. */
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 8, arena, 10), SG_OK);
  SG_CHECK_CODE(sg_zx_read(c, (size_t)cw * ch, cw, ch, cw, SG_PIXELS_GREY8, NULL, &list),
                SG_ERR_SYMBOL_TOO_LARGE);
  SG_CHECK(list.count == 0 && list.arena_used == 0);
  /* Restricting formats finds only that symbology. */
  sg_zx_read_opts o;
  sg_zx_read_opts_default(&o);
  o.formats = SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_DATAMATRIX);
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 8, arena, sizeof arena), SG_OK);
  SG_CHECK_CODE(sg_zx_read(c, (size_t)cw * ch, cw, ch, cw, SG_PIXELS_GREY8, &o, &list), SG_OK);
  SG_CHECK(list.count == 1 && items[0].symbology == SG_SYMBOLOGY_DATAMATRIX);
  free(c);
}

static void test_read_args_and_layouts(void) {
  static const uint8_t msg[] = "SG1:1/1:0123456789ab:layouts";
  sg_zx_write_opts w;
  uint8_t *px = NULL;
  uint32_t width = 0, height = 0;
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_QR);
  SG_CHECK_CODE(sg_zx_write_alloc(msg, sizeof msg - 1, &w, &px, &width, &height), SG_OK);
  if (px == NULL) return;
  const size_t n = (size_t)width * height;
  sg_symbol_list list;
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 8, arena, sizeof arena), SG_OK);

  /* Bounds first: geometry that does not fit the buffer is refused. */
  SG_CHECK_CODE(sg_zx_read(px, n - 1, width, height, width, SG_PIXELS_GREY8, NULL, &list), SG_ERR_ARG);
  SG_CHECK_CODE(sg_zx_read(px, n, width, height, width - 1, SG_PIXELS_GREY8, NULL, &list), SG_ERR_ARG);
  SG_CHECK_CODE(sg_zx_read(px, n, 0, height, width, SG_PIXELS_GREY8, NULL, &list), SG_ERR_ARG);
  SG_CHECK_CODE(sg_zx_read(px, n, width, height, width, (sg_pixel_format)2, NULL, &list), SG_ERR_ARG);
  SG_CHECK_CODE(sg_zx_read(NULL, n, width, height, width, SG_PIXELS_GREY8, NULL, &list), SG_ERR_ARG);
  SG_CHECK_CODE(sg_zx_read(px, n, width, height, width, SG_PIXELS_GREY8, NULL, NULL), SG_ERR_ARG);
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 0, arena, sizeof arena), SG_ERR_ARG);
  SG_CHECK_CODE(sg_symbol_list_init(&list, items, 8, arena, sizeof arena), SG_OK);

  /* Padded rows (stride > width) and RGB. */
  const size_t stride = (size_t)width * 3u + 5u;
  uint8_t *rgb = malloc(stride * height);
  uint8_t *neg = malloc(n);
  SG_CHECK(rgb != NULL && neg != NULL);
  if (rgb != NULL && neg != NULL) {
    memset(rgb, 0x55, stride * height);
    for (uint32_t y = 0; y < height; y++) {
      for (uint32_t x = 0; x < width; x++) {
        const uint8_t v = px[(size_t)y * width + x];
        rgb[y * stride + 3u * x] = v;
        rgb[y * stride + 3u * x + 1] = v;
        rgb[y * stride + 3u * x + 2] = v;
        neg[(size_t)y * width + x] = (uint8_t)(255u - v);
      }
    }
    SG_CHECK_CODE(sg_zx_read(rgb, stride * height, width, height, stride, SG_PIXELS_RGB24, NULL, &list), SG_OK);
    SG_CHECK(list.count == 1 && list.items[0].len == sizeof msg - 1 &&
             memcmp(list.items[0].data, msg, sizeof msg - 1) == 0);

    /* Light on dark: ZXing 1.4 alone misses it; the shim's try_invert reads it. */
    sg_zx_read_opts o;
    sg_zx_read_opts_default(&o);
    sg_symbol_list_clear(&list);
    const int plain = sg_zx_read(neg, n, width, height, width, SG_PIXELS_GREY8, &o, &list);
    sg_test_printf("    inverted QR without try_invert: %s\n", sg_strerror_name(plain));
    sg_symbol_list_clear(&list);
    o.try_invert = 1;
    SG_CHECK_CODE(sg_zx_read(neg, n, width, height, width, SG_PIXELS_GREY8, &o, &list), SG_OK);
    SG_CHECK(list.count >= 1 && list.items[0].len == sizeof msg - 1);

    /* A blank image has nothing. */
    memset(neg, 0xff, n);
    sg_symbol_list_clear(&list);
    SG_CHECK_CODE(sg_zx_read(neg, n, width, height, width, SG_PIXELS_GREY8, &o, &list), SG_ERR_NO_SYMBOL);
    SG_CHECK(list.count == 0);
  }
  free(rgb);
  free(neg);
  sg_zx_free(px);
  SG_CHECK(strcmp(sg_zx_version(), "1.4.0") == 0);
}

int main(void) {
  sg_test_begin("zxing round trip");
  SG_RUN(test_chunk_text_sizes);
  SG_RUN(test_binary_exact);
  SG_RUN(test_ec_levels);
  SG_RUN(test_write_errors);
  SG_RUN(test_caller_buffer);
  SG_RUN(test_many_and_overflow);
  SG_RUN(test_read_args_and_layouts);
  return sg_test_end();
}

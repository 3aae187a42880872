/*
 * sg_zxing decode tactics: the pass table's order and its stop rule, the
 * budget rules that skip a pass, rescues by the tactics of committed
 * degraded images the plain pass cannot read, duplicates, and is_pure:
 * ZXing 1.4's pure-image PDF417 reader writes 4 bytes past a buffer in
 * Pdf417::ReadCodeWords (valgrind) and glibc aborts ("munmap_chunk():
 * invalid pointer") on pdf417-short-blur.png with its top 4 rows cut off;
 * the shim's is_pure must never reach it, so that image reads cleanly here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_image.h"
#include "sg_test.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

static sg_symbol items[8];
static uint8_t arena[32768];

typedef struct {
  int ret;
  size_t count;
  sg_zx_trace trace;
} outcome;

static outcome read_px(const uint8_t *px, uint32_t w, uint32_t h, size_t stride, unsigned tactics,
                       int is_pure) {
  outcome o;
  sg_symbol_list list;
  sg_zx_read_opts opts;
  sg_zx_read_opts_default(&opts);
  opts.tactics = tactics;
  opts.is_pure = is_pure;
  (void)sg_symbol_list_init(&list, items, 8, arena, sizeof arena);
  o.ret = sg_zx_read_traced(px, stride * h, w, h, stride, SG_PIXELS_GREY8, &opts, &list, &o.trace);
  o.count = list.count;
  return o;
}

static int load(const char *name, sg_image *img) {
  char path[512];
  sg_image_init(img);
  snprintf(path, sizeof path, "%s/%s", SG_IMAGES_DIR, name);
  const int ret = sg_image_load_path(path, SG_PIXELS_GREY8, NULL, img);
  SG_CHECK_CODE(ret, SG_OK);
  if (ret != SG_OK) sg_test_printf("    %s\n", path);
  return ret == SG_OK;
}

static int same_trace(const sg_zx_trace *t, const char *const *want, unsigned n) {
  if (t->passes != n) return 0;
  for (unsigned i = 0; i < n; i++)
    if (strcmp(t->pass[i], want[i]) != 0) return 0;
  return 1;
}

static void test_is_pure_is_safe(void) {
  sg_image img;
  if (!load("pdf417-short-blur.png", &img)) return;
  outcome full = read_px(img.pixels, img.width, img.height, img.stride, SG_ZX_TACTICS_ALL, 0);
  SG_CHECK_CODE(full.ret, SG_OK);
  const size_t len = items[0].len;
  uint8_t *want = malloc(len);
  if (want != NULL) memcpy(want, items[0].data, len);
  /* The crop that makes ZXing's pure PDF417 reader corrupt the heap. */
  outcome cut = read_px(img.pixels + 4 * img.stride, img.width, img.height - 4, img.stride,
                        SG_ZX_TACTICS_ALL, 1);
  SG_CHECK_CODE(cut.ret, SG_OK);
  SG_CHECK(cut.count == 1 && want != NULL && items[0].len == len && memcmp(items[0].data, want, len) == 0);
  /* is_pure = the plain pass alone, also when nothing is found. */
  static const char *const plain[] = {"plain"};
  SG_CHECK(same_trace(&cut.trace, plain, 1));
  static uint8_t white[400 * 200];
  memset(white, 255, sizeof white);
  outcome none = read_px(white, 400, 200, 400, SG_ZX_TACTICS_ALL, 1);
  SG_CHECK_CODE(none.ret, SG_ERR_NO_SYMBOL);
  SG_CHECK(same_trace(&none.trace, plain, 1));
  free(want);
  sg_image_free(&img);
}

/* Clean images are read by the first pass and cost nothing more. */
static void test_clean_exits_after_plain(void) {
  static const char *const names[] = {"pdf417-short-clean.png", "qr-long-clean.png",
                                      "datamatrix-short-clean.png", "pdf417-long-clean.png"};
  static const char *const plain[] = {"plain"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    sg_image img;
    if (!load(names[i], &img)) continue;
    outcome o = read_px(img.pixels, img.width, img.height, img.stride, SG_ZX_TACTICS_ALL, 0);
    SG_CHECK_CODE(o.ret, SG_OK);
    SG_CHECK(same_trace(&o.trace, plain, 1) && o.trace.decoded_by != NULL &&
             strcmp(o.trace.decoded_by, "plain") == 0);
    sg_image_free(&img);
  }
}

/* A blank frame runs the table in order; the upscale (nothing busy), the
 * deskew (no PDF417 pattern) and, on white paper, the inverted pass do
 * not apply. tactics 0 = plain only; try_invert forces the inverted pass. */
static void test_table_order(void) {
  static uint8_t white[640 * 360];
  for (size_t i = 0; i < sizeof white; i++) white[i] = (uint8_t)(i < 640 * 100 ? 20 : 250);
  outcome o = read_px(white, 640, 360, 640, SG_ZX_TACTICS_ALL, 0);
  SG_CHECK_CODE(o.ret, SG_ERR_NO_SYMBOL);
  static const char *const paper[] = {"plain", "global-histogram", "downscaled"};
  SG_CHECK(same_trace(&o.trace, paper, 3) && o.trace.decoded_by == NULL);
  /* Mostly dark: the inverted pass runs. */
  for (size_t i = 0; i < sizeof white; i++) white[i] = (uint8_t)(i < 640 * 100 ? 250 : 20);
  o = read_px(white, 640, 360, 640, SG_ZX_TACTICS_ALL, 0);
  static const char *const all[] = {"plain", "global-histogram", "downscaled", "inverted"};
  SG_CHECK(same_trace(&o.trace, all, 4));
  memset(white, 250, sizeof white);
  o = read_px(white, 640, 360, 640, 0, 0);
  static const char *const plain[] = {"plain"};
  SG_CHECK(same_trace(&o.trace, plain, 1));
  /* Under 320 x 160 the downscale does not apply. */
  o = read_px(white, 300, 150, 640, SG_ZX_TACTIC_DOWNSCALED | SG_ZX_TACTIC_GLOBAL_HISTOGRAM, 0);
  static const char *const small[] = {"plain", "global-histogram"};
  SG_CHECK(same_trace(&o.trace, small, 2));
  static const char *const inverted[] = {"plain", "inverted"};
  sg_symbol_list list;
  sg_zx_read_opts opts;
  sg_zx_read_opts_default(&opts);
  opts.tactics = 0;
  opts.try_invert = 1;
  sg_zx_trace t;
  (void)sg_symbol_list_init(&list, items, 8, arena, sizeof arena);
  SG_CHECK_CODE(sg_zx_read_traced(white, sizeof white, 640, 360, 640, SG_PIXELS_GREY8, &opts, &list, &t),
                SG_ERR_NO_SYMBOL);
  SG_CHECK(same_trace(&t, inverted, 2));
}

/* Committed degraded images the plain pass cannot read, read by the named
 * tactic to exactly the clean image's bytes. */
typedef struct {
  const char *degraded, *clean, *tactic;
} rescue_case;

static const rescue_case rescues[] = {
    {"pdf417-short-rot7.png", "pdf417-short-clean.png", "deskew-pdf417"},
    {"pdf417-long-rot7.png", "pdf417-long-clean.png", "deskew-pdf417"},
    {"datamatrix-short-scale60.png", "datamatrix-short-clean.png", "upscaled"},
    {"qr-short-skew.png", "qr-short-clean.png", "upscaled"},
};

static void test_rescues(void) {
  for (size_t i = 0; i < sizeof rescues / sizeof rescues[0]; i++) {
    const rescue_case *c = &rescues[i];
    sg_image clean, bad;
    if (!load(c->clean, &clean)) continue;
    if (!load(c->degraded, &bad)) {
      sg_image_free(&clean);
      continue;
    }
    outcome o = read_px(clean.pixels, clean.width, clean.height, clean.stride, SG_ZX_TACTICS_ALL, 0);
    SG_CHECK_CODE(o.ret, SG_OK);
    const size_t len = items[0].len;
    uint8_t *want = malloc(len);
    if (want != NULL) memcpy(want, items[0].data, len);
    o = read_px(bad.pixels, bad.width, bad.height, bad.stride, 0, 0);
    if (o.ret != SG_ERR_NO_SYMBOL) sg_test_printf("    %s (plain)\n", c->degraded);
    SG_CHECK_CODE(o.ret, SG_ERR_NO_SYMBOL);
    o = read_px(bad.pixels, bad.width, bad.height, bad.stride, SG_ZX_TACTICS_ALL, 0);
    const int ok = o.ret == SG_OK && o.count == 1 && want != NULL && items[0].len == len &&
                   memcmp(items[0].data, want, len) == 0 && o.trace.decoded_by != NULL &&
                   strcmp(o.trace.decoded_by, c->tactic) == 0;
    if (!ok) {
      sg_test_printf("    %s: %s, %zu symbols, by %s\n", c->degraded, sg_strerror_name(o.ret), o.count,
                     o.trace.decoded_by != NULL ? o.trace.decoded_by : "-");
    }
    SG_CHECK(ok);
    free(want);
    sg_image_free(&clean);
    sg_image_free(&bad);
  }
}

/* One symbol drawn twice in a frame is one symbol. */
static void test_duplicates_once(void) {
  sg_zx_write_opts w;
  sg_zx_write_opts_default(&w, SG_SYMBOLOGY_QR);
  uint8_t *px = NULL;
  uint32_t sw = 0, sh = 0;
  static const char text[] = "SG1:1/2:0123456789ab:twice";
  SG_CHECK_CODE(sg_zx_write_alloc((const uint8_t *)text, sizeof text - 1, &w, &px, &sw, &sh), SG_OK);
  if (px == NULL) return;
  const uint32_t fw = 2 * sw + 40, fh = sh + 20;
  uint8_t *frame = malloc((size_t)fw * fh);
  if (frame != NULL) {
    memset(frame, 255, (size_t)fw * fh);
    for (uint32_t y = 0; y < sh; y++) {
      memcpy(frame + (size_t)(y + 10) * fw + 10, px + (size_t)y * sw, sw);
      memcpy(frame + (size_t)(y + 10) * fw + 30 + sw, px + (size_t)y * sw, sw);
    }
    outcome o = read_px(frame, fw, fh, fw, SG_ZX_TACTICS_ALL, 0);
    SG_CHECK_CODE(o.ret, SG_OK);
    SG_CHECK(o.count == 1 && items[0].len == sizeof text - 1);
    free(frame);
  }
  sg_zx_free(px);
}

/* The tactics read grey frames in place through their stride: tiny, odd
 * and padded frames (noise with bars, so the busy-box, pattern-search,
 * upscale and downscale paths run) give a clean "no symbol", never an
 * error or an out-of-bounds read (host-asan), dark or light. */
static void test_odd_frames(void) {
  static const uint32_t sides[] = {1, 2, 3, 16, 17, 24, 25, 48, 49, 50, 161, 330};
  const size_t n = sizeof sides / sizeof sides[0];
  uint32_t rng = 0x1234567u;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j += 3) {
      const uint32_t w = sides[i], h = sides[j], stride = w + 7;
      uint8_t *px = malloc((size_t)stride * h);
      if (px == NULL) continue;
      for (int dark = 0; dark < 2; dark++) {
        for (uint32_t y = 0; y < h; y++) {
          for (uint32_t x = 0; x < stride; x++) {
            rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
            const int bar = (x / 3) % 2 == 0 && x < w;
            const uint8_t v = (uint8_t)((bar ? 40 : 215) + (int)(rng % 31) - 15);
            px[(size_t)y * stride + x] = dark ? (uint8_t)(255 - v) : v;
          }
        }
        sg_symbol_list list;
        sg_zx_read_opts opts;
        sg_zx_trace t;
        sg_zx_read_opts_default(&opts);
        opts.try_invert = 1;
        (void)sg_symbol_list_init(&list, items, 8, arena, sizeof arena);
        const int ret = sg_zx_read_traced(px, (size_t)stride * h, w, h, stride, SG_PIXELS_GREY8, &opts,
                                          &list, &t);
        if (ret != SG_ERR_NO_SYMBOL) sg_test_printf("    %ux%u stride %u: %s\n", w, h, stride, sg_strerror_name(ret));
        SG_CHECK_CODE(ret, SG_ERR_NO_SYMBOL);
        SG_CHECK(t.passes >= 2 && strcmp(t.pass[t.passes - 1], "inverted") == 0);
      }
      free(px);
    }
  }
}

int main(void) {
  sg_test_begin("zxing tactics");
  SG_RUN(test_is_pure_is_safe);
  SG_RUN(test_clean_exits_after_plain);
  SG_RUN(test_table_order);
  SG_RUN(test_rescues);
  SG_RUN(test_duplicates_once);
  SG_RUN(test_odd_frames);
  return sg_test_end();
}

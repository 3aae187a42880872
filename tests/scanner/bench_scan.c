/*
 * bench_scan — numbers for the signer and for QA, printed, never asserted:
 *  1. capacity: the longest stagegate chunk text and the longest binary
 *     payload one symbol holds, per symbology and EC level;
 *  2. decode time: mean sg_zx_read time per image size (a QR chunk pasted
 *     into a noisy 300x300, 800x600 and 1600x1200 frame).
 * (Decode rates over the degraded images are printed by test_scan_images.)
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan_payload.h"
#include "sg_image.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

static int fits(sg_symbology sym, int ec, const uint8_t *data, size_t len, uint32_t *w, uint32_t *h) {
  sg_zx_write_opts o;
  sg_zx_write_opts_default(&o, sym);
  o.ec_level = ec;
  o.module_px = 1;
  return sg_zx_write(data, len, &o, NULL, 0, w, h) == SG_ERR_OUTPUT_TOO_SMALL;
}

/* Largest len in [1, SG_ZX_MAX_PAYLOAD] that encodes (binary search; the
 * encodable lengths are a prefix). */
static size_t capacity(sg_symbology sym, int ec, int binary, uint32_t *w, uint32_t *h) {
  static char text[SG_ZX_MAX_PAYLOAD + 1];
  static uint8_t bin[SG_ZX_MAX_PAYLOAD];
  sg_payload_chunk(text, SG_ZX_MAX_PAYLOAD, 1, 9, 5);
  sg_payload_binary(bin, SG_ZX_MAX_PAYLOAD, 5);
  const uint8_t *d = binary ? bin : (const uint8_t *)text;
  size_t lo = 0, hi = SG_ZX_MAX_PAYLOAD;
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    uint32_t a, b;
    if (fits(sym, ec, d, mid, &a, &b)) lo = mid;
    else hi = mid - 1;
  }
  *w = *h = 0;
  if (lo > 0) (void)fits(sym, ec, d, lo, w, h);
  return lo;
}

static void bench_capacity(void) {
  static const struct { sg_symbology sym; int lo, hi; const char *ec_names; } rows[] = {
      {SG_SYMBOLOGY_QR, 0, 3, "LMQH"},
      {SG_SYMBOLOGY_PDF417, 2, 6, NULL},
      {SG_SYMBOLOGY_DATAMATRIX, -1, -1, NULL},
  };
  printf("capacity of one symbol (modules incl. quiet zone at 1 px/module)\n");
  printf("  %-11s %-4s %12s %16s %12s\n", "symbology", "EC", "chunk text", "modules", "binary");
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    for (int ec = rows[r].lo; ec <= rows[r].hi; ec++) {
      uint32_t w = 0, h = 0, bw = 0, bh = 0;
      const size_t t = capacity(rows[r].sym, ec, 0, &w, &h);
      const size_t b = capacity(rows[r].sym, ec, 1, &bw, &bh);
      char ecs[16];
      if (ec < 0) snprintf(ecs, sizeof ecs, "200");
      else if (rows[r].ec_names != NULL) snprintf(ecs, sizeof ecs, "%c", rows[r].ec_names[ec]);
      else snprintf(ecs, sizeof ecs, "%d", ec);
      printf("  %-11s %-4s %12zu %9ux%-6u %12zu\n", sg_symbology_name(rows[r].sym), ecs, t,
             (unsigned)w, (unsigned)h, b);
    }
  }
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench_decode_time(void) {
  static const struct { uint32_t w, h; } sizes[] = {{300, 300}, {800, 600}, {1600, 1200}};
  static const sg_symbology syms[] = {SG_SYMBOLOGY_PDF417, SG_SYMBOLOGY_QR, SG_SYMBOLOGY_DATAMATRIX};
  static char text[401];
  sg_payload_chunk(text, 400, 1, 3, 42);
  printf("decode time, 400-byte chunk, default options (try harder, rotate, downscale)\n");
  printf("  %-11s %10s %10s %10s\n", "symbology", "300x300", "800x600", "1600x1200");
  for (size_t s = 0; s < 3; s++) {
    printf("  %-11s", sg_symbology_name(syms[s]));
    for (size_t z = 0; z < 3; z++) {
      const uint32_t W = sizes[z].w, H = sizes[z].h;
      /* The symbol fills about 80 % of the frame's smaller side. */
      uint32_t w = 0, h = 0;
      unsigned m = 1;
      for (unsigned tm = 1; tm <= 16; tm++) {
        sg_zx_write_opts o;
        sg_zx_write_opts_default(&o, syms[s]);
        o.module_px = tm;
        if (sg_zx_write((const uint8_t *)text, 400, &o, NULL, 0, &w, &h) != SG_ERR_OUTPUT_TOO_SMALL) break;
        if (w > W * 9 / 10 || h > H * 9 / 10) break;
        m = tm;
      }
      sg_zx_write_opts o;
      sg_zx_write_opts_default(&o, syms[s]);
      o.module_px = m;
      uint8_t *sym = NULL;
      uint8_t *frame = malloc((size_t)W * H);
      if (frame == NULL || sg_zx_write_alloc((const uint8_t *)text, 400, &o, &sym, &w, &h) != SG_OK ||
          w > W || h > H) {
        printf(" %10s", "too big");
        free(frame);
        sg_zx_free(sym);
        continue;
      }
      /* Paper-grey noisy background, symbol pasted in the middle. */
      uint8_t noise[256];
      sg_payload_binary(noise, sizeof noise, 9);
      for (size_t i = 0; i < (size_t)W * H; i++) frame[i] = (uint8_t)(200u + (noise[i & 255u] & 31u));
      const uint32_t ox = (W - w) / 2, oy = (H - h) / 2;
      for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
          frame[(size_t)(oy + y) * W + ox + x] = sym[(size_t)y * w + x] != 0 ? 225 : 30;
      sg_symbol items[2];
      static uint8_t arena[4096];
      sg_symbol_list list;
      const int runs = z == 2 ? 5 : 10;
      int okc = 0;
      const double t0 = now_s();
      for (int r = 0; r < runs; r++) {
        sg_symbol_list_init(&list, items, 2, arena, sizeof arena);
        okc += sg_zx_read(frame, (size_t)W * H, W, H, W, SG_PIXELS_GREY8, NULL, &list) == SG_OK &&
               list.count == 1 && items[0].len == 400;
      }
      const double ms = (now_s() - t0) * 1000.0 / runs;
      printf(" %7.1f ms%s", ms, okc == runs ? "" : "!");
      free(frame);
      sg_zx_free(sym);
    }
    printf("\n");
  }
  printf("  (! = not every run decoded)\n");
}

int main(void) {
  printf("bench_scan: ZXing-C++ %s\n", sg_zx_version());
  bench_capacity();
  bench_decode_time();
  return 0;
}

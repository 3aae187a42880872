/*
 * sg_tactics_bench — read camera frames (made by `sg_degrade frame`) once
 * with the plain pass only (the shim before the decode tactics) and once
 * with every tactic, and print one line per frame:
 *
 *   class symbology before after before_us after_us decoded_by
 *
 * before/after: 1 when exactly the clean image's symbol was read. Times are
 * wall-clock microseconds of sg_zx_read alone (a figure, not a test).
 * Input lines on stdin: class \t symbology \t frame.png \t clean.png
 *
 *   sg_tactics_bench [before|after|both]   (default both)
 *
 * Instructions: run under `valgrind --tool=callgrind` (tactics-corpus
 * --instructions does), each sg_zx_read is bracketed by callgrind client
 * requests: statistics zeroed before it and dumped after it with the label
 * "sg-read LINE SIDE" (LINE counts input lines from 1, SIDE is before or
 * after), so each dump holds exactly that read's instructions, which do
 * not move with the machine's load. Outside valgrind the requests are a
 * few no-op instructions.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "sg_image.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

static sg_symbol items[16];
static uint8_t arena[65536];

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Read `img`; 1 when exactly one symbol equal to want/want_len came out
 * (the plain pass alone may return one symbol twice: ZXing 1.4 finds some
 * twice, and the shim before the tactics passed both on; a repeat of the
 * wanted symbol counts as read). */
static int read_frame(const sg_image *img, unsigned tactics, const uint8_t *want, size_t want_len,
                      const char *label, double *us, const char **by) {
  sg_symbol_list list;
  sg_zx_read_opts o;
  sg_zx_trace trace;
  sg_zx_read_opts_default(&o);
  o.tactics = tactics;
  (void)sg_symbol_list_init(&list, items, 16, arena, sizeof arena);
  const double t0 = now_us();
  CALLGRIND_ZERO_STATS;
  const int ret = sg_zx_read_traced(img->pixels, img->stride * img->height, img->width, img->height,
                                    img->stride, img->format, &o, &list, &trace);
  CALLGRIND_DUMP_STATS_AT(label);
  *us = now_us() - t0;
  *by = trace.decoded_by != NULL ? trace.decoded_by : "-";
  int ok = ret == SG_OK && list.count >= 1;
  for (size_t i = 0; ok && i < list.count; i++) {
    ok = list.items[i].len == want_len && memcmp(list.items[i].data, want, want_len) == 0;
  }
  return ok;
}

int main(int argc, char **argv) {
  const char *side = argc > 1 ? argv[1] : "both";
  const int do_before = strcmp(side, "after") != 0, do_after = strcmp(side, "before") != 0;
  char line[4096];
  static uint8_t want[65536];
  unsigned long lineno = 0;
  char label_b[64], label_a[64];
  while (fgets(line, sizeof line, stdin) != NULL) {
    lineno++;
    snprintf(label_b, sizeof label_b, "sg-read %lu before", lineno);
    snprintf(label_a, sizeof label_a, "sg-read %lu after", lineno);
    line[strcspn(line, "\r\n")] = '\0';
    char *cls = strtok(line, "\t"), *sym = strtok(NULL, "\t"), *frame = strtok(NULL, "\t"),
         *clean = strtok(NULL, "\t");
    if (cls == NULL || sym == NULL || frame == NULL || clean == NULL) {
      fprintf(stderr, "sg_tactics_bench: bad input line\n");
      return 2;
    }
    sg_image img;
    sg_image_init(&img);
    /* What the frame should give: the clean image's one symbol. */
    int ret = sg_image_load_path(clean, SG_PIXELS_GREY8, NULL, &img);
    sg_symbol_list list;
    (void)sg_symbol_list_init(&list, items, 16, arena, sizeof arena);
    if (ret == SG_OK) {
      ret = sg_zx_read(img.pixels, img.stride * img.height, img.width, img.height, img.stride,
                       img.format, NULL, &list);
    }
    sg_image_free(&img);
    if (ret != SG_OK || list.count != 1 || list.items[0].len > sizeof want) {
      fprintf(stderr, "sg_tactics_bench: %s: the clean image does not give one symbol\n", clean);
      return 1;
    }
    const size_t want_len = list.items[0].len;
    memcpy(want, list.items[0].data, want_len);
    ret = sg_image_load_path(frame, SG_PIXELS_GREY8, NULL, &img);
    if (ret != SG_OK) {
      fprintf(stderr, "sg_tactics_bench: %s: %s\n", frame, sg_strerror_name(ret));
      return 1;
    }
    double us_b = 0, us_a = 0;
    const char *by_b = "-", *by_a = "-";
    const int ok_b = do_before ? read_frame(&img, 0, want, want_len, label_b, &us_b, &by_b) : 0;
    const int ok_a =
        do_after ? read_frame(&img, SG_ZX_TACTICS_ALL, want, want_len, label_a, &us_a, &by_a) : 0;
    sg_image_free(&img);
    printf("%s\t%s\t%d\t%d\t%.0f\t%.0f\t%s\n", cls, sym, ok_b, ok_a, us_b, us_a, ok_a ? by_a : "-");
    fflush(stdout);
  }
  return 0;
}

/*
 * The text scanner backend through the scanner hook: lines from memory and
 * from a stream (cut into awkward pieces), CRLF, empty lines, a line
 * exactly the buffer size and one byte over, AIM prefixes, pushed symbols
 * with binary bytes, stream errors, end of input. Runs on every target.
 */
#include <string.h>

#include "sg_scan_text.h"
#include "sg_test.h"
#include "stagegate/errors.h"
#include "stagegate/scanner.h"

static uint8_t line[16];

/* Expect the next symbol to be `want` (len bytes) with symbology `sym`. */
static int next_is(const sg_scanner *sc, const char *want, sg_symbology sym) {
  sg_symbol s;
  const int ret = sc->next(sc->ctx, &s);
  const size_t len = strlen(want);
  const int ok = ret == SG_OK && s.len == len && memcmp(s.data, want, len) == 0 &&
                 s.symbology == sym && s.sa_index == -1 && s.sa_count == -1 && s.sa_id[0] == '\0';
  if (!ok) {
    sg_test_printf("    want \"%s\", got %s len %u\n", want, sg_strerror_name(ret), (unsigned)s.len);
  }
  return ok;
}

static int next_code(const sg_scanner *sc) {
  sg_symbol s;
  const int ret = sc->next(sc->ctx, &s);
  return ret == SG_OK || (s.data == NULL && s.len == 0) ? ret : SG_ERR_INTERNAL;
}

static const char lines_text[] =
    "SG1:1/2:0123456789ab:AAAA\n"
    "\n"
    "SG1:2/2:0123456789ab:B\r\n"
    "\r\n"
    "exactly16bytes!!\n"     /* line_cap bytes: fits */
    "exactly16bytes!!\r\n"   /* the same with CRLF */
    "seventeen bytes!!\n"    /* one over: reported, skipped */
    "]Q1qr-with-aim\n"
    "]L2pdf\n"
    "]X9not-aim\n"
    "last-no-newline";

static void run_lines(const sg_scanner *sc) {
  /* line is 16 bytes: the chunk lines are too long for it on purpose. */
  SG_CHECK_CODE(next_code(sc), SG_ERR_SYMBOL_TOO_LARGE);
  SG_CHECK_CODE(next_code(sc), SG_ERR_SYMBOL_TOO_LARGE);
  SG_CHECK(next_is(sc, "exactly16bytes!!", SG_SYMBOLOGY_UNKNOWN));
  SG_CHECK(next_is(sc, "exactly16bytes!!", SG_SYMBOLOGY_UNKNOWN));
  SG_CHECK_CODE(next_code(sc), SG_ERR_SYMBOL_TOO_LARGE);
  SG_CHECK(next_is(sc, "qr-with-aim", SG_SYMBOLOGY_QR));
  SG_CHECK(next_is(sc, "pdf", SG_SYMBOLOGY_PDF417));
  SG_CHECK(next_is(sc, "]X9not-aim", SG_SYMBOLOGY_UNKNOWN));
  SG_CHECK(next_is(sc, "last-no-newline", SG_SYMBOLOGY_UNKNOWN));
}

static void test_memory_lines(void) {
  sg_scan_text st;
  sg_scanner sc;
  SG_CHECK_CODE(sg_scan_text_init(&st, line, sizeof line, SG_SYMBOLOGY_UNKNOWN, 1), SG_OK);
  SG_CHECK_CODE(sg_scan_text_set_buffer(&st, (const uint8_t *)lines_text, sizeof lines_text - 1), SG_OK);
  sg_scan_text_scanner(&st, &sc);
  run_lines(&sc);
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END);
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END);
}

/* A stream that hands out `step` bytes per call, then optionally fails. */
typedef struct {
  const uint8_t *data;
  size_t len, pos, step;
  int fail_at_end;
} stream;

static long stream_read(void *ctx, uint8_t *buf, size_t cap) {
  stream *s = ctx;
  if (s->pos >= s->len) {
    return s->fail_at_end ? -5 : 0;
  }
  size_t n = s->len - s->pos;
  if (n > s->step) n = s->step;
  if (n > cap) n = cap;
  memcpy(buf, s->data + s->pos, n);
  s->pos += n;
  return (long)n;
}

static void test_stream_lines(void) {
  static const size_t steps[] = {1, 3, 7, 64, 1000};
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
    stream in = {(const uint8_t *)lines_text, sizeof lines_text - 1, 0, steps[k], 0};
    sg_scan_text st;
    sg_scanner sc;
    SG_CHECK_CODE(sg_scan_text_init(&st, line, sizeof line, SG_SYMBOLOGY_UNKNOWN, 1), SG_OK);
    SG_CHECK_CODE(sg_scan_text_set_stream(&st, stream_read, &in), SG_OK);
    sg_scan_text_scanner(&st, &sc);
    run_lines(&sc);
    SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END);
  }
}

static void test_stream_error(void) {
  static const char text[] = "one\ntwo";
  stream in = {(const uint8_t *)text, sizeof text - 1, 0, 2, 1};
  sg_scan_text st;
  sg_scanner sc;
  SG_CHECK_CODE(sg_scan_text_init(&st, line, sizeof line, SG_SYMBOLOGY_QR, 0), SG_OK);
  SG_CHECK_CODE(sg_scan_text_set_stream(&st, stream_read, &in), SG_OK);
  sg_scan_text_scanner(&st, &sc);
  SG_CHECK(next_is(&sc, "one", SG_SYMBOLOGY_QR));
  /* "two" was being read when the stream failed: the error wins, once. */
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_IO);
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END);
}

static void test_no_aim_stripping(void) {
  static const char text[] = "]Q1kept\n";
  sg_scan_text st;
  sg_scanner sc;
  SG_CHECK_CODE(sg_scan_text_init(&st, line, sizeof line, SG_SYMBOLOGY_DATAMATRIX, 0), SG_OK);
  SG_CHECK_CODE(sg_scan_text_set_buffer(&st, (const uint8_t *)text, sizeof text - 1), SG_OK);
  sg_scan_text_scanner(&st, &sc);
  SG_CHECK(next_is(&sc, "]Q1kept", SG_SYMBOLOGY_DATAMATRIX));
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END);
}

static void test_push_one_per_call(void) {
  static const uint8_t bin[] = {0x00, 'S', 'G', 0x0a, 0xff, 0x0d};
  sg_scan_text st;
  sg_scanner sc;
  sg_symbol s;
  SG_CHECK_CODE(sg_scan_text_init(&st, line, sizeof line, SG_SYMBOLOGY_UNKNOWN, 1), SG_OK);
  sg_scan_text_scanner(&st, &sc);
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END); /* nothing yet */
  SG_CHECK_CODE(sg_scan_text_push(&st, bin, sizeof bin, SG_SYMBOLOGY_PDF417), SG_OK);
  SG_CHECK_CODE(sc.next(sc.ctx, &s), SG_OK);
  /* Binary-safe: newline and NUL bytes are content when pushed. */
  SG_CHECK(s.len == sizeof bin && memcmp(s.data, bin, sizeof bin) == 0 &&
           s.symbology == SG_SYMBOLOGY_PDF417);
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END);
  SG_CHECK_CODE(sg_scan_text_push(&st, (const uint8_t *)"]d1dm", 5, SG_SYMBOLOGY_UNKNOWN), SG_OK);
  SG_CHECK(next_is(&sc, "dm", SG_SYMBOLOGY_DATAMATRIX));
  /* Pushed symbols come before remaining lines; reset drops a pending one. */
  SG_CHECK_CODE(sg_scan_text_set_buffer(&st, (const uint8_t *)"line\n", 5), SG_OK);
  SG_CHECK_CODE(sg_scan_text_push(&st, (const uint8_t *)"first", 5, SG_SYMBOLOGY_QR), SG_OK);
  SG_CHECK(next_is(&sc, "first", SG_SYMBOLOGY_QR));
  SG_CHECK_CODE(sg_scan_text_push(&st, (const uint8_t *)"dropped", 7, SG_SYMBOLOGY_QR), SG_OK);
  sc.reset(sc.ctx);
  SG_CHECK(next_is(&sc, "line", SG_SYMBOLOGY_UNKNOWN));
  SG_CHECK_CODE(next_code(&sc), SG_ERR_SCAN_END);
  /* Too large for the line buffer; bad arguments. */
  uint8_t big[sizeof line + 1];
  memset(big, 'x', sizeof big);
  SG_CHECK_CODE(sg_scan_text_push(&st, big, sizeof big, SG_SYMBOLOGY_QR), SG_ERR_SYMBOL_TOO_LARGE);
  SG_CHECK_CODE(sg_scan_text_push(&st, big, sizeof line, SG_SYMBOLOGY_QR), SG_OK);
  SG_CHECK_CODE(sg_scan_text_push(&st, NULL, 1, SG_SYMBOLOGY_QR), SG_ERR_ARG);
  SG_CHECK_CODE(sg_scan_text_init(&st, NULL, 4, SG_SYMBOLOGY_QR, 0), SG_ERR_ARG);
  SG_CHECK_CODE(sg_scan_text_init(&st, line, 0, SG_SYMBOLOGY_QR, 0), SG_ERR_ARG);
  SG_CHECK_CODE(sg_scan_text_set_stream(&st, NULL, NULL), SG_ERR_ARG);
  SG_CHECK_CODE(sc.next(sc.ctx, NULL), SG_ERR_ARG);
}

static void test_symbol_helpers(void) {
  sg_symbol s;
  memset(&s, 0x5a, sizeof s);
  sg_symbol_clear(&s);
  SG_CHECK(s.data == NULL && s.len == 0 && s.sa_index == -1 && s.sa_count == -1 &&
           s.sa_id[0] == '\0' && s.reader_init == 0 && s.symbology == SG_SYMBOLOGY_UNKNOWN);
  SG_CHECK(strcmp(sg_symbology_name(SG_SYMBOLOGY_PDF417), "PDF417") == 0);
  SG_CHECK(strcmp(sg_symbology_name(SG_SYMBOLOGY_QR), "QR") == 0);
  SG_CHECK(strcmp(sg_symbology_name(SG_SYMBOLOGY_DATAMATRIX), "DataMatrix") == 0);
  SG_CHECK(strcmp(sg_symbology_name(SG_SYMBOLOGY_AZTEC), "Aztec") == 0);
  SG_CHECK(strcmp(sg_symbology_name((sg_symbology)99), "unknown") == 0);
}

int main(void) {
  sg_test_begin("scan text");
  SG_RUN(test_memory_lines);
  SG_RUN(test_stream_lines);
  SG_RUN(test_stream_error);
  SG_RUN(test_no_aim_stripping);
  SG_RUN(test_push_one_per_call);
  SG_RUN(test_symbol_helpers);
  return sg_test_end();
}

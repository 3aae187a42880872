/*
 * Serial scan engines: the line framing (scanner/serial/sg_line) for each
 * terminator, as a table of byte streams and the symbols and errors they
 * must give (empty symbols, a lone CR or LF inside CRLF framing, a symbol
 * of exactly the buffer's size and one byte over, a terminator cut at the
 * end of input); then the UART backend (scanner/uart) through the scanner
 * hook, fed by a scripted byte source with receive overruns and an idle
 * hook that ends the input; and the CMSDK APB UART byte source over a fake
 * register block (RX full, empty, overrun cleared by writing 1). Runs on
 * every target, the Cortex-M4 included.
 */
#include <string.h>

#include "sg_line.h"
#include "sg_scan_uart.h"
#include "sg_test.h"
#include "stagegate/errors.h"

/* Expected events, '|'-separated: a symbol's text, "#L" too large,
 * "#I" bytes lost (SG_ERR_SCAN_IO). */
typedef struct {
  const char *name;
  sg_line_term term;
  size_t cap;
  const char *in;
  const char *want;
} sg_frame_case;

static const sg_frame_case frame_cases[] = {
    {"any: LF", SG_LINE_ANY, 8, "ab\ncd\n", "ab|cd"},
    {"any: CR", SG_LINE_ANY, 8, "ab\rcd\r", "ab|cd"},
    {"any: CRLF, no empty symbol", SG_LINE_ANY, 8, "ab\r\ncd\r\n", "ab|cd"},
    {"any: empty lines skipped", SG_LINE_ANY, 8, "\n\r\n\rab\n\n", "ab"},
    {"any: last symbol without terminator", SG_LINE_ANY, 8, "ab\ncd", "ab|cd"},
    {"cr: LF is data", SG_LINE_CR, 8, "a\nb\rc\r", "a\nb|c"},
    {"lf: CR is data", SG_LINE_LF, 8, "a\rb\nc\n", "a\rb|c"},
    {"crlf: the pair ends", SG_LINE_CRLF, 8, "ab\r\ncd\r\n", "ab|cd"},
    {"crlf: lone CR and LF are data", SG_LINE_CRLF, 8, "a\rb\nc\r\n", "a\rb\nc"},
    {"crlf: CR CR LF", SG_LINE_CRLF, 8, "a\r\r\nb\r\n", "a\r|b"},
    {"crlf: CR cut at end of input", SG_LINE_CRLF, 8, "ab\r", "ab"},
    {"exactly the buffer", SG_LINE_ANY, 4, "abcd\nef\n", "abcd|ef"},
    {"one byte over, then on", SG_LINE_ANY, 4, "abcde\nef\n", "#L|ef"},
    {"over-long CRLF symbol reported once", SG_LINE_ANY, 4, "abcdefgh\r\nxy\r\n", "#L|xy"},
    {"crlf: exactly the buffer before CR LF", SG_LINE_CRLF, 4, "abcd\r\nz\r\n", "abcd|z"},
    {"crlf: a data CR past the buffer", SG_LINE_CRLF, 4, "abcd\rx\r\nz\r\n", "#L|z"},
    {"over-long at end of input", SG_LINE_LF, 2, "abc", "#L"},
    {"binary bytes kept", SG_LINE_LF, 8, "a\x01\x7f\xff" "b\n", "a\x01\x7f\xff" "b"},
};

/* Append one event to `got` in the table's notation. */
static void record(char *got, size_t cap, int rc, const uint8_t *sym, size_t len) {
  size_t n = strlen(got);
  if (n != 0 && n + 1 < cap) got[n++] = '|';
  if (rc == SG_ERR_SYMBOL_TOO_LARGE || rc == SG_ERR_SCAN_IO) {
    const char *t = rc == SG_ERR_SCAN_IO ? "#I" : "#L";
    if (n + 2 < cap) memcpy(got + n, t, 2), n += 2;
  } else if (rc == 1 || rc == SG_OK) {
    for (size_t i = 0; i < len && n + 1 < cap; i++) got[n++] = (char)sym[i];
  } else {
    if (n + 2 < cap) memcpy(got + n, "#?", 2), n += 2;
  }
  got[n] = '\0';
}

static void test_framing_table(void) {
  for (size_t k = 0; k < sizeof frame_cases / sizeof frame_cases[0]; k++) {
    const sg_frame_case *fc = &frame_cases[k];
    uint8_t buf[16];
    char got[64] = "";
    sg_line l;
    SG_CHECK_CODE(sg_line_init(&l, buf, fc->cap, fc->term), SG_OK);
    for (const char *p = fc->in; *p != '\0'; p++) {
      const int rc = sg_line_push(&l, (uint8_t)*p);
      size_t len = 0;
      const uint8_t *s = sg_line_symbol(&l, &len);
      if (rc != 0) record(got, sizeof got, rc, s, len);
      if (rc == 0) SG_CHECK(len == 0);
    }
    const int rc = sg_line_flush(&l);
    size_t len = 0;
    const uint8_t *s = sg_line_symbol(&l, &len);
    if (rc != 0) record(got, sizeof got, rc, s, len);
    SG_CHECK_CODE(sg_line_flush(&l), 0); /* nothing left after the end */
    const int ok = strcmp(got, fc->want) == 0;
    if (!ok) sg_test_printf("    %s: got \"%s\"\n", fc->name, got);
    SG_CHECK(ok);
  }
}

static void test_framing_args(void) {
  uint8_t buf[4];
  sg_line l;
  sg_line_term t = SG_LINE_ANY;
  SG_CHECK_CODE(sg_line_init(&l, NULL, 4, SG_LINE_ANY), SG_ERR_ARG);
  SG_CHECK_CODE(sg_line_init(&l, buf, 0, SG_LINE_ANY), SG_ERR_ARG);
  SG_CHECK_CODE(sg_line_init(&l, buf, 4, (sg_line_term)7), SG_ERR_ARG);
  SG_CHECK(sg_line_term_parse("crlf", &t) && t == SG_LINE_CRLF);
  SG_CHECK(sg_line_term_parse("cr", &t) && t == SG_LINE_CR);
  SG_CHECK(!sg_line_term_parse("CRLF", &t));
  /* busy: only while a symbol is half received */
  SG_CHECK_CODE(sg_line_init(&l, buf, 4, SG_LINE_CRLF), SG_OK);
  SG_CHECK(!sg_line_busy(&l));
  (void)sg_line_push(&l, 'a');
  SG_CHECK(sg_line_busy(&l));
  (void)sg_line_push(&l, '\r');
  SG_CHECK(sg_line_busy(&l));
  SG_CHECK_CODE(sg_line_push(&l, '\n'), 1);
  SG_CHECK(!sg_line_busy(&l));
}

/* --- the UART backend over a scripted byte source ------------------------- */

/* Script bytes; '~' stands for a receive overrun at that point, '.' for a
 * poll that finds nothing waiting. */
typedef struct {
  const char *script;
  size_t pos;
  unsigned idle_calls;
  unsigned idle_limit; /* idle answers "over" from this call on */
} sg_fake_source;

static int fake_getc(void *ctx, uint8_t *c) {
  sg_fake_source *f = ctx;
  const char ch = f->script[f->pos];
  if (ch == '\0') return 0;
  f->pos++;
  if (ch == '~') return SG_ERR_SCAN_IO;
  if (ch == '.') return 0;
  *c = (uint8_t)ch;
  return 1;
}

static int fake_idle(void *ctx) {
  sg_fake_source *f = ctx;
  f->idle_calls++;
  return f->script[f->pos] == '\0' && f->idle_calls >= f->idle_limit;
}

static void uart_run(const char *script, sg_line_term term, size_t cap, const char *want) {
  uint8_t buf[16];
  sg_fake_source f = {script, 0, 0, 1};
  sg_scan_uart u;
  sg_scanner sc;
  char got[96] = "";
  SG_CHECK_CODE(sg_scan_uart_init(&u, fake_getc, &f, buf, cap, term), SG_OK);
  sg_scan_uart_set_idle(&u, fake_idle, &f);
  sg_scan_uart_scanner(&u, &sc);
  for (int i = 0; i < 20; i++) {
    sg_symbol s;
    const int rc = sc.next(sc.ctx, &s);
    if (rc == SG_ERR_SCAN_END) break;
    if (rc != SG_OK) SG_CHECK(s.data == NULL && s.len == 0);
    record(got, sizeof got, rc, s.data, s.len);
  }
  sg_symbol s;
  SG_CHECK_CODE(sc.next(sc.ctx, &s), SG_ERR_SCAN_END); /* and on every later call */
  const int ok = strcmp(got, want) == 0;
  if (!ok) sg_test_printf("    script \"%s\": got \"%s\", want \"%s\"\n", script, got, want);
  SG_CHECK(ok);
}

static void test_uart_backend(void) {
  uart_run("SG1:1/2:x\r\n..SG1:2/2:y\r\n", SG_LINE_ANY, 16, "SG1:1/2:x|SG1:2/2:y");
  uart_run("ab\r.cd\r", SG_LINE_CR, 16, "ab|cd");
  uart_run("abc\n", SG_LINE_LF, 2, "#L");
  /* An overrun spoils its symbol only, even when the terminator follows it. */
  uart_run("ab~cd\r\nef\r\n", SG_LINE_CRLF, 16, "#I|ef");
  uart_run("ab~\r\nef\r\n", SG_LINE_ANY, 16, "#I|ef");
  uart_run("~ab\n", SG_LINE_LF, 16, "#I");
  /* The idle hook ends the input; a symbol without terminator still counts. */
  uart_run("last", SG_LINE_ANY, 16, "last");
  uart_run("", SG_LINE_ANY, 16, "");
}

static void test_uart_reset_and_args(void) {
  uint8_t buf[8];
  sg_fake_source f = {"abc\ndef\n", 0, 0, 1};
  sg_scan_uart u;
  sg_scanner sc;
  sg_symbol s;
  SG_CHECK_CODE(sg_scan_uart_init(&u, NULL, &f, buf, sizeof buf, SG_LINE_ANY), SG_ERR_ARG);
  SG_CHECK_CODE(sg_scan_uart_init(&u, fake_getc, &f, buf, 0, SG_LINE_ANY), SG_ERR_ARG);
  SG_CHECK_CODE(sg_scan_uart_init(&u, fake_getc, &f, buf, sizeof buf, SG_LINE_ANY), SG_OK);
  sg_scan_uart_set_idle(&u, fake_idle, &f);
  sg_scan_uart_scanner(&u, &sc);
  SG_CHECK_CODE(sc.next(sc.ctx, NULL), SG_ERR_ARG);
  SG_CHECK_CODE(sc.next(sc.ctx, &s), SG_OK);
  SG_CHECK(s.len == 3 && memcmp(s.data, "abc", 3) == 0 && s.symbology == SG_SYMBOLOGY_UNKNOWN);
  /* reset drops a half-received symbol */
  f.script = "xy";
  f.pos = 0;
  uint8_t c;
  while (fake_getc(&f, &c) == 1) (void)sg_line_push(&u.line, c);
  sc.reset(sc.ctx);
  f.script = "zz\n";
  f.pos = 0;
  SG_CHECK_CODE(sc.next(sc.ctx, &s), SG_OK);
  SG_CHECK(s.len == 2 && memcmp(s.data, "zz", 2) == 0);
}

/* --- the CMSDK APB UART byte source over a fake register block ------------ */

static void test_cmsdk_registers(void) {
  static sg_cmsdk_uart regs; /* plain memory standing in for the peripheral */
  uint8_t c = 0;
  memset((void *)&regs, 0, sizeof regs);
  sg_cmsdk_uart_setup(&regs, 217);
  SG_CHECK(regs.bauddiv == 217);
  SG_CHECK((regs.ctrl & (SG_CMSDK_UART_CTRL_RXEN | SG_CMSDK_UART_CTRL_TXEN)) ==
           (SG_CMSDK_UART_CTRL_RXEN | SG_CMSDK_UART_CTRL_TXEN));
  regs.state = 0;
  SG_CHECK_CODE(sg_cmsdk_uart_getc(&regs, &c), 0); /* RX empty */
  regs.data = 0x100u | 'Q';                        /* only the low byte is data */
  regs.state = SG_CMSDK_UART_STATE_RXFULL;
  SG_CHECK_CODE(sg_cmsdk_uart_getc(&regs, &c), 1);
  SG_CHECK(c == 'Q');
  regs.state = SG_CMSDK_UART_STATE_RXFULL | SG_CMSDK_UART_STATE_RXOVR;
  SG_CHECK_CODE(sg_cmsdk_uart_getc(&regs, &c), SG_ERR_SCAN_IO);
  SG_CHECK(regs.state == SG_CMSDK_UART_STATE_RXOVR); /* the write-1-to-clear of the flag */
  regs.state = SG_CMSDK_UART_STATE_TXFULL;            /* TX flags do not look like input */
  SG_CHECK_CODE(sg_cmsdk_uart_getc(&regs, &c), 0);
}

int main(void) {
  sg_test_begin("scan_serial");
  SG_RUN(test_framing_table);
  SG_RUN(test_framing_args);
  SG_RUN(test_uart_backend);
  SG_RUN(test_uart_reset_and_args);
  SG_RUN(test_cmsdk_registers);
  return sg_test_end();
}

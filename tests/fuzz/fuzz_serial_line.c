/*
 * libFuzzer target: serial line framing (scanner/serial/sg_line), the
 * code every UART and tty byte goes through. Input: terminator (byte 0),
 * buffer size 1..64 (byte 1), then the bytes. A symbol handed out is never
 * empty, never over the buffer, and never holds its terminator.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sg_line.h"
#include "stagegate/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)      \
  do {                  \
    if (!(c)) {         \
      __builtin_trap(); \
    }                   \
  } while (0)

static void check_symbol(const sg_line *l, sg_line_term term, size_t cap) {
  size_t len = 0;
  const uint8_t *s = sg_line_symbol(l, &len);
  REQUIRE(len != 0 && len <= cap);
  for (size_t i = 0; i < len; i++) {
    if (term == SG_LINE_ANY) REQUIRE(s[i] != '\r' && s[i] != '\n');
    if (term == SG_LINE_CR) REQUIRE(s[i] != '\r');
    if (term == SG_LINE_LF) REQUIRE(s[i] != '\n');
    if (term == SG_LINE_CRLF && i + 1 < len) REQUIRE(!(s[i] == '\r' && s[i + 1] == '\n'));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t buf[64];
  sg_line l;
  if (size < 2) {
    return 0;
  }
  const sg_line_term term = (sg_line_term)(data[0] & 3);
  const size_t cap = 1u + data[1] % sizeof buf;
  REQUIRE(sg_line_init(&l, buf, cap, term) == SG_OK);
  for (size_t i = 2; i < size; i++) {
    const int rc = sg_line_push(&l, data[i]);
    REQUIRE(rc == 0 || rc == 1 || rc == SG_ERR_SYMBOL_TOO_LARGE);
    if (rc == 1) check_symbol(&l, term, cap);
  }
  const int rc = sg_line_flush(&l);
  REQUIRE(rc == 0 || rc == 1 || rc == SG_ERR_SYMBOL_TOO_LARGE);
  if (rc == 1) check_symbol(&l, term, cap);
  REQUIRE(sg_line_flush(&l) == 0);
  return 0;
}

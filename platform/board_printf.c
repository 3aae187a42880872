/* Formatted console output for every port, over sg_board_write. No heap:
 * one line is formatted on the stack and cut at 255 bytes. */
#include <stdarg.h>
#include <stdio.h>

#include "sg_board.h"

void sg_board_vprintf(const char *fmt, va_list ap) {
  char buf[256];
  const int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n > 0) {
    sg_board_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
  }
}

void sg_board_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sg_board_vprintf(fmt, ap);
  va_end(ap);
}

/* POSIX board services: console is stdout; no stack or pool measurement
 * (the C heap is used and the stack is the OS's). */
#include <stdio.h>

#include "sg_board.h"

void sg_board_write(const char *s, size_t n) {
  (void)fwrite(s, 1, n, stdout);
  (void)fflush(stdout);
}

void sg_board_stack_paint(void) {}
size_t sg_board_stack_peak(void) { return 0; }
size_t sg_board_pool_peak(void) { return 0; }
size_t sg_board_pool_size(void) { return 0; }
void sg_board_pool_reset_peak(void) {}

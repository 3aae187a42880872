/*
 * The few board services tests, benchmarks and tools need, implemented by
 * each port (platform/posix/board.c, platform/cortex-m/board.c). Private:
 * libstagegate itself never calls these.
 */
#ifndef SG_BOARD_H
#define SG_BOARD_H

#include <stdarg.h>
#include <stddef.h>

/* Write n bytes to the console (stdout; semihosting on Cortex-M). */
void sg_board_write(const char *s, size_t n);

/* printf to the console (platform/board_printf.c), one line of at most
 * 255 bytes at a time. */
void sg_board_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sg_board_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Start a stack high-water measurement (paints the unused stack). */
void sg_board_stack_paint(void);
/* Deepest stack use since the last paint, in bytes; 0 where unsupported. */
size_t sg_board_stack_peak(void);

/* mbedTLS static pool: bytes in use at the peak since the last reset, and
 * the pool's size; both 0 where mbedTLS uses the C heap. */
size_t sg_board_pool_peak(void);
size_t sg_board_pool_size(void);
void sg_board_pool_reset_peak(void);

/* Cortex-M only (platform/cortex-m/board.c), for the firmware's report.
 * restart: re-initialise the allocator on the whole pool and paint it;
 * only while nothing is allocated from it. high_water: bytes from the
 * pool's start to the highest byte written since the restart, i.e. the
 * smallest pool the allocations since then would have fitted in. */
void sg_board_pool_restart(void);
size_t sg_board_pool_high_water(void);

#endif /* SG_BOARD_H */

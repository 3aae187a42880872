/*
 * Minimal test support that runs the same on Linux and bare-metal
 * Cortex-M: no file system, no heap, output through sg_board_write.
 * Each executable ends with `return sg_test_end();`, which prints the
 * closing "N passed, N failed" line and returns the process status.
 */
#ifndef SG_TEST_H
#define SG_TEST_H

#include <stddef.h>

void sg_test_begin(const char *suite);
int sg_test_end(void);
void sg_test_run(const char *name, void (*fn)(void));
void sg_test_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void sg_test_check(int ok, const char *expr, const char *file, int line);
void sg_test_check_code(int got, int want, const char *expr, const char *file, int line);
/* Checks failed so far in the running test case (to name a failing table row). */
unsigned sg_test_failures(void);

#define SG_RUN(fn) sg_test_run(#fn, fn)
#define SG_CHECK(cond) sg_test_check((cond) != 0, #cond, __FILE__, __LINE__)
/* Compare result codes; a mismatch prints both codes by name. */
#define SG_CHECK_CODE(got, want) sg_test_check_code((got), (want), #got, __FILE__, __LINE__)

#endif

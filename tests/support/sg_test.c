#include "sg_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sg_blob.h"
#include "sg_board.h"
#include "stagegate/errors.h"

static const char *sg_suite = "tests";
static unsigned sg_passed, sg_failed, sg_case_failures;

void sg_test_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sg_board_vprintf(fmt, ap);
  va_end(ap);
}

void sg_test_begin(const char *suite) {
  sg_suite = suite;
  sg_passed = 0;
  sg_failed = 0;
  sg_test_printf("== %s\n", suite);
}

void sg_test_run(const char *name, void (*fn)(void)) {
  sg_case_failures = 0;
  fn();
  if (sg_case_failures == 0) {
    sg_passed++;
    sg_test_printf("  ok   %s\n", name);
  } else {
    sg_failed++;
    sg_test_printf("  FAIL %s (%u checks failed)\n", name, sg_case_failures);
  }
}

void sg_test_check(int ok, const char *expr, const char *file, int line) {
  if (!ok) {
    sg_case_failures++;
    sg_test_printf("    %s:%d: check failed: %s\n", file, line, expr);
  }
}

void sg_test_check_code(int got, int want, const char *expr, const char *file, int line) {
  if (got != want) {
    sg_case_failures++;
    sg_test_printf("    %s:%d: %s = %s (%d), want %s (%d)\n", file, line, expr,
                   sg_strerror_name(got), got, sg_strerror_name(want), want);
  }
}

unsigned sg_test_failures(void) { return sg_case_failures; }

int sg_test_end(void) {
  sg_test_printf("%s: %u passed, %u failed\n", sg_suite, sg_passed, sg_failed);
  return sg_failed == 0 && sg_passed > 0 ? 0 : 1;
}

const sg_blob *sg_blob_find(const sg_blob *table, unsigned count, const char *name) {
  for (unsigned i = 0; i < count; i++) {
    if (strcmp(table[i].name, name) == 0) {
      return &table[i];
    }
  }
  return NULL;
}

/* The error table: every code named, messages present, names unique, and
 * the hardened results far from every error and from 0/1. */
#include <string.h>

#include "sg_test.h"
#include "stagegate/errors.h"

static const int all_codes[] = {
#define SG_X_CODE(name, value, msg) name,
    SG_ERROR_TABLE(SG_X_CODE)
#undef SG_X_CODE
};
#define N_CODES (sizeof all_codes / sizeof all_codes[0])

static void test_every_code_has_name_and_message(void) {
  for (size_t i = 0; i < N_CODES; i++) {
    SG_CHECK(strcmp(sg_strerror_name(all_codes[i]), "SG_UNKNOWN") != 0);
    SG_CHECK(strcmp(sg_strerror(all_codes[i]), "unknown error code") != 0);
    SG_CHECK(all_codes[i] <= 0);
  }
}

static void test_codes_and_names_unique(void) {
  for (size_t i = 0; i < N_CODES; i++) {
    for (size_t j = i + 1; j < N_CODES; j++) {
      SG_CHECK(all_codes[i] != all_codes[j]);
      SG_CHECK(strcmp(sg_strerror_name(all_codes[i]), sg_strerror_name(all_codes[j])) != 0);
    }
  }
}

static void test_hardened_results(void) {
  SG_CHECK(SG_ACCEPTED != SG_OK && SG_ACCEPTED != 1 && SG_ACCEPTED > 0xffff);
  SG_CHECK(SG_NEED_MORE != SG_ACCEPTED && SG_NEED_MORE > 0xffff);
  SG_CHECK(strcmp(sg_strerror_name(SG_ACCEPTED), "SG_ACCEPTED") == 0);
  SG_CHECK(strcmp(sg_strerror_name(12345), "SG_UNKNOWN") == 0);
  SG_CHECK(strcmp(sg_strerror(-9999), "unknown error code") == 0);
}

int main(void) {
  sg_test_begin("errors");
  SG_RUN(test_every_code_has_name_and_message);
  SG_RUN(test_codes_and_names_unique);
  SG_RUN(test_hardened_results);
  return sg_test_end();
}

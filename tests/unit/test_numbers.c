/*
 * Numbers in profiles are parsed by cJSON with the C library's strtod,
 * whose exact-rounding path needs big integers — on Cortex-M those come
 * from the static pool (platform/cortex-m/syscalls.c). Each case is a
 * decimal whose correctly rounded double is known; a strtod that could not
 * get its memory would return a nearby, wrong value.
 */
#include <string.h>

#include "json.h"
#include "sg_test.h"
#include "stagegate/errors.h"

typedef struct {
  const char *json;
  double want;
} number_case;

static const number_case cases[] = {
    /* halfway cases and long mantissas: only bignum comparison rounds them right */
    {"{\"n\":9007199254740993}", 9007199254740992.0},
    {"{\"n\":9007199254740993.0000000000000000001}", 9007199254740994.0},
    {"{\"n\":0.1000000000000000055511151231257827021181583404541015625}", 0.1},
    {"{\"n\":2.2250738585072011e-308}", 2.225073858507201e-308},
    {"{\"n\":1.000000000000000000000000000000000000001e-300}", 1e-300},
    {"{\"n\":123456789012345678901234567890}", 1.2345678901234568e29},
    {"{\"n\":7.038531e-26}", 7.038531e-26},
};

static void test_long_numbers_round_correctly(void) {
  sg_json_use_agent_allocator();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *root = NULL;
    SG_CHECK_CODE(sg_json_parse(cases[i].json, strlen(cases[i].json), SG_ERR_PROFILE_FORMAT, &root),
                  SG_OK);
    const cJSON *n = sg_json_member(root, "n");
    SG_CHECK(n != NULL && cJSON_IsNumber(n));
    if (n != NULL && n->valuedouble != cases[i].want) {
      sg_test_printf("    case %u: parsed a different double\n", (unsigned)i);
      SG_CHECK(0);
    }
    cJSON_Delete(root);
  }
  sg_json_restore_default_allocator();
}

static void test_overlong_number_refused(void) {
  /* cJSON copies a number into 64 bytes: longer ones are malformed. */
  static char json[128];
  memcpy(json, "{\"n\":", 5);
  memset(json + 5, '7', 70);
  memcpy(json + 75, "}", 2);
  cJSON *root = NULL;
  sg_json_use_agent_allocator();
  SG_CHECK_CODE(sg_json_parse(json, strlen(json), SG_ERR_PROFILE_FORMAT, &root), SG_ERR_PROFILE_FORMAT);
  sg_json_restore_default_allocator();
}

int main(void) {
  sg_test_begin("numbers");
  SG_RUN(test_long_numbers_round_correctly);
  SG_RUN(test_overlong_number_refused);
  return sg_test_end();
}

/*
 * sg_agent_init's checks on what the caller hands it: the caller's sg_agent
 * must be the library's (same size, same limits), and the block device
 * must hold the trust slot (sg_trustslot_footprint, stagegate/platform.h).
 * Both refusals leave the caller's struct and the storage untouched.
 */
#include <string.h>

#include "agent_other_limits.h"
#if defined(SG_BARE_METAL_TEST)
#include "sg_board.h"
#endif
#include "sg_test.h"
#include "sg_test_flash.h"
#include "stagegate/agent.h"

static sg_agent agent;
static sg_test_flash flash;

static sg_agent_config config(void) {
  sg_agent_config c;
  memset(&c, 0, sizeof c);
  c.storage = &flash.bd;
  c.build_time = 1700000000;
  return c;
}

static void test_same_limits_accepted(void) {
  sg_test_flash_init(&flash, 0, 0);
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  sg_agent_free(&agent);
}

static void test_other_limits_refused(void) {
  sg_test_flash_init(&flash, 0, 0);
  size_t size = 0;
  int untouched = 0;
  SG_CHECK_CODE(sg_other_limits_init(&flash.bd, &size, &untouched), SG_ERR_CONFIG_MISMATCH);
  SG_CHECK(size != sizeof(sg_agent));
  SG_CHECK(untouched);
}

/* The same size with other limits (a limit that does not change the
 * struct), and another size with the same limits: each refused. */
static void test_size_and_id_each_checked(void) {
  sg_test_flash_init(&flash, 0, 0);
  const sg_agent_config c = config();
  memset(&agent, 0x5A, sizeof agent);
  SG_CHECK_CODE(sg_agent_init_checked(&agent, &c, sizeof agent, SG_CONFIG_ID ^ 1u),
                SG_ERR_CONFIG_MISMATCH);
  SG_CHECK_CODE(sg_agent_init_checked(&agent, &c, sizeof agent - 8u, SG_CONFIG_ID),
                SG_ERR_CONFIG_MISMATCH);
  const uint8_t *p = (const uint8_t *)&agent;
  int untouched = 1;
  for (size_t i = 0; i < sizeof agent; i++) {
    untouched &= p[i] == 0x5A;
  }
  SG_CHECK(untouched);
  memset(&agent, 0, sizeof agent);
}

static void test_small_slot_refused(void) {
  uint8_t before[sizeof flash.mem];
  sg_test_flash_init(&flash, 512, 2);
  memcpy(before, flash.mem, sizeof before);
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_ERR_STORAGE_FULL);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  SG_CHECK(sg_trustslot_footprint(512) > 2u * 512u);
  SG_CHECK(sg_trustslot_footprint(0) == 0);
#if SG_MAX_CERT == 2048
  /* The table in docs/INTEGRATION.md ("Storage"), default limits. */
  SG_CHECK(sg_trustslot_footprint(4096) == 16384u);
  SG_CHECK(sg_trustslot_footprint(2048) == 12288u);
  SG_CHECK(sg_trustslot_footprint(512) == 9216u);
#endif
  /* A NULL storage is an argument error, not a size one. */
  sg_agent_config none = config();
  none.storage = NULL;
  SG_CHECK_CODE(sg_agent_init(&agent, &none), SG_ERR_ARG);
}

/* sg_pool_init: refused without a pool allocator (Linux: the C heap) or a
 * usable buffer; on the Cortex-M build it moves mbedTLS onto the given
 * pool, and an agent then works from it. */
static uint8_t pool[24 * 1024] __attribute__((aligned(8)));
static void test_pool_init(void) {
  SG_CHECK_CODE(sg_pool_init(NULL, sizeof pool), SG_ERR_ARG);
  SG_CHECK_CODE(sg_pool_init(pool, 100), SG_ERR_ARG);
#if defined(SG_BARE_METAL_TEST)
  SG_CHECK_CODE(sg_pool_init(pool, sizeof pool), SG_OK);
  sg_test_flash_init(&flash, 0, 0);
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  sg_agent_free(&agent);
  int used = 0;
  for (size_t i = 0; i < sizeof pool; i++) {
    used |= pool[i] != 0; /* the allocator's header went into our pool */
  }
  SG_CHECK(used);
  sg_board_pool_restart(); /* back to the board's pool for the other tests */
#else
  SG_CHECK_CODE(sg_pool_init(pool, sizeof pool), SG_ERR_ARG); /* the C heap */
#endif
}

int main(void) {
  sg_test_begin("agent_abi");
  SG_RUN(test_same_limits_accepted);
  SG_RUN(test_other_limits_refused);
  SG_RUN(test_size_and_id_each_checked);
  SG_RUN(test_small_slot_refused);
  SG_RUN(test_pool_init);
  return sg_test_end();
}

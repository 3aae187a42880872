/*
 * A caller compiled with other limits than the library (SG_MAX_PROFILE is
 * set on this file's command line by tests/unit/CMakeLists.txt): its
 * sg_agent is another size. test_agent_abi.c hands it to sg_agent_init.
 */
#include <string.h>

#include "agent_other_limits.h"
#include "stagegate/agent.h"

#if SG_MAX_PROFILE == 8192
#error "this file must be built with other limits than the library's defaults"
#endif

static sg_agent sg_other_agent;

int sg_other_limits_init(const sg_blockdev *bd, size_t *agent_size, int *untouched) {
  sg_agent_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.storage = bd;
  memset(&sg_other_agent, 0xA5, sizeof sg_other_agent);
  const int ret = sg_agent_init(&sg_other_agent, &cfg);
  const uint8_t *p = (const uint8_t *)&sg_other_agent;
  *untouched = 1;
  for (size_t i = 0; i < sizeof sg_other_agent; i++) {
    *untouched &= p[i] == 0xA5;
  }
  *agent_size = sizeof sg_other_agent;
  return ret;
}

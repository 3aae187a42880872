/*
 * sg_agent_init's checks before anything is written: that the caller's
 * sg_agent is the library's (same size, same limits: see SG_CONFIG_ID in
 * stagegate/agent.h), and that the block device can hold the trust slot.
 * Both are mistakes made once, when a firmware is put together; both are
 * refused at init with their own code rather than found later (a wrong
 * struct would be overrun; a small slot would fail the first TurnOn with
 * SG_ERR_STORAGE_FULL).
 */
#include "stagegate/agent.h"
#include "stagegate/platform.h"

int sg_agent_init_checked(sg_agent *agent, const sg_agent_config *config, size_t agent_size,
                          uint64_t config_id) {
  int ret = SG_ERR_CONFIG_MISMATCH;
  if (agent_size != sizeof(sg_agent) || config_id != SG_CONFIG_ID) {
    return ret; /* never touch a struct of another size */
  }
  if (agent == NULL || config == NULL || config->storage == NULL) {
    return SG_ERR_ARG;
  }
  const sg_blockdev *bd = config->storage;
  const size_t need = sg_trustslot_footprint(bd->sector_size);
  if (need != 0 && (uint64_t)bd->sector_count * bd->sector_size < need) {
    return SG_ERR_STORAGE_FULL;
  }
  /* Other bad geometry (sector_size 0, odd counts...) is the trust slot's
   * to refuse: the agent then comes up LOCKED with SG_ERR_ARG. */
  ret = sg_agent_init(agent, config); /* sg_agent_init_unchecked, agent.c */
  return ret;
}

/* Private to libstagegate: what agent.c shares with the tests. */
#ifndef SG_AGENT_PRIV_H
#define SG_AGENT_PRIV_H

#include "stagegate/agent.h"

#define SG_AGENT_READY 0x5A6E7421u

/* max(platform clock, time floor, build time) — never goes backwards. */
int64_t sg_agent_effective_time(const sg_agent *a);

#endif

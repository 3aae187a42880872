/* See agent_other_limits.c: sg_agent_init from a caller built with other limits. */
#ifndef SG_AGENT_OTHER_LIMITS_H
#define SG_AGENT_OTHER_LIMITS_H

#include <stddef.h>

#include "stagegate/platform.h"

/* Returns what sg_agent_init said; *untouched: the caller's struct was not written. */
int sg_other_limits_init(const sg_blockdev *bd, size_t *agent_size, int *untouched);

#endif

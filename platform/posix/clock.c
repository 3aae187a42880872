/* sg_posix_clock: time(). A clock the OS never set still counts from 1970;
 * the agent's time floor covers that case. */
#include <time.h>

#include "sg_posix.h"

static int64_t sg_posix_now(void *ctx) {
  (void)ctx;
  const time_t t = time(NULL);
  return t == (time_t)-1 ? -1 : (int64_t)t;
}

void sg_posix_clock(sg_clock *out) {
  out->ctx = NULL;
  out->now = sg_posix_now;
}

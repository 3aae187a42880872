/* sg_cm_clock: a settable seconds counter (see sg_cm_port.h). */
#include "sg_cm_port.h"

static int64_t sg_cm_clock_now(void *ctx) {
  const sg_cm_clock *c = ctx;
  return c->set ? c->now : -1;
}

void sg_cm_clock_init(sg_cm_clock *c) {
  c->now = 0;
  c->set = 0;
}

void sg_cm_clock_set(sg_cm_clock *c, int64_t unix_seconds) {
  c->now = unix_seconds;
  c->set = unix_seconds >= 0;
}

void sg_cm_clock_advance(sg_cm_clock *c, uint32_t seconds) {
  if (c->set) {
    c->now += seconds;
  }
}

void sg_cm_clock_get(sg_cm_clock *c, sg_clock *out) {
  out->ctx = c;
  out->now = sg_cm_clock_now;
}

/* Names of trust states and anchor modes, for logs and tools. */
#include "stagegate/trust.h"

const char *sg_trust_state_name(sg_trust_state s) {
  switch (s) {
  case SG_STATE_UNTRUSTED:
    return "UNTRUSTED";
  case SG_STATE_TRUSTED:
    return "TRUSTED";
  case SG_STATE_LOCKED:
    return "LOCKED";
  }
  /* A value outside the enum is a corrupted variable, never a state. */
  return "INVALID";
}

const char *sg_anchor_mode_name(sg_anchor_mode m) {
  switch (m) {
  case SG_ANCHOR_NONE:
    return "none";
  case SG_ANCHOR_PINNED:
    return "pinned";
  case SG_ANCHOR_CA:
    return "ca";
  }
  return "invalid";
}

/* libFuzzer: the JWS envelope parser (compact and General JSON) and its
 * header rules. Any input: no crash, no leak, bounded arena use, and a
 * successful parse yields consistent pointers. */
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "json.h"
#include "stagegate/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t arena_buf[2 * SG_MAX_PROFILE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sg_arena arena;
  sg_envelope env;
  if (size > SG_MAX_PROFILE) {
    return 0;
  }
  sg_json_use_agent_allocator();
  sg_arena_init(&arena, arena_buf, sizeof arena_buf);
  if (sg_envelope_parse(data, size, &arena, &env) == SG_OK) {
    if (env.payload == NULL || arena.used > arena.cap ||
        (env.is_signed && (env.nsig < 1 || env.nsig > SG_MAX_SIGNATURES))) {
      __builtin_trap();
    }
    for (unsigned i = 0; i < env.nsig; i++) {
      if (env.sigs[i].alg == SG_ALG_INVALID || env.sigs[i].sig == NULL ||
          env.sigs[i].x5c_count > SG_MAX_X5C) {
        __builtin_trap();
      }
    }
  }
  return 0;
}

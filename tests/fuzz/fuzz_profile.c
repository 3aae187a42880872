/* libFuzzer: the profile schema (strict JSON, private-key scan, Batch
 * actions, target matching). */
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "stagegate/config.h"
#include "stagegate/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t arena_buf[2 * SG_MAX_PROFILE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sg_arena arena;
  sg_profile p;
  const sg_identity id = {"TC52", "21345522501234"};
  if (size > SG_MAX_PROFILE) {
    return 0;
  }
  sg_json_use_agent_allocator();
  sg_arena_init(&arena, arena_buf, sizeof arena_buf);
  if (sg_profile_parse((const char *)data, size, &arena, &p) == SG_OK) {
    if (p.name == NULL || p.actions == NULL || (p.cert != NULL && p.cert_len > SG_MAX_CERT)) {
      __builtin_trap();
    }
    (void)sg_profile_check_target(&p, &id);
    (void)sg_profile_check_target(&p, NULL);
    sg_profile_free(&p);
  }
  return 0;
}

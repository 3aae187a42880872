/* libFuzzer: opening encrypted profiles (agent/src/jwe.c): the JWE compact
 * parser, its header table, key lookup, ECDH on fuzzed ephemeral points
 * (which must be refused unless on P-256) and AES key unwrap. The keystore
 * holds the committed test fleet keys (tests/jwe/vectors), so seeds made
 * for them reach the key agreement. Any input: no crash, no leak; success
 * only with a plaintext no longer than the input, never a nested JWE. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jwe.h"
#include "stagegate/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[SG_MAX_PROFILE];
static sg_ram_key keys[2];
static sg_ram_keystore ram;
static sg_keystore port;
static int ready;

/* tests/jwe/vectors/fleet-ec.d.hex and fleet-oct.k.hex */
static const char ec_hex[] = SG_FUZZ_JWE_EC_HEX;
static const char oct_hex[] = SG_FUZZ_JWE_OCT_HEX;

static void from_hex(const char *h, uint8_t out32[32]) {
  for (int i = 0; i < 32; i++) {
    unsigned v = 0;
    for (int j = 0; j < 2; j++) {
      const char c = h[2 * i + j];
      v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    out32[i] = (uint8_t)v;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) {
    uint8_t k[32];
    sg_ram_keystore_init(&ram, keys, 2, NULL, NULL);
    from_hex(ec_hex, k);
    if (sg_ram_keystore_add(&ram, SG_FLEET_KEY_EC_P256, k, NULL) != SG_OK) {
      __builtin_trap();
    }
    from_hex(oct_hex, k);
    if (sg_ram_keystore_add(&ram, SG_FLEET_KEY_AES256, k, NULL) != SG_OK) {
      __builtin_trap();
    }
    port = sg_ram_keystore_port(&ram);
    ready = 1;
  }
  if (size > SG_MAX_PROFILE) {
    return 0;
  }
  const uint8_t *body = NULL;
  size_t body_len = 0;
  int encrypted = 0;
  const int ret = sg_jwe_open(&port, (int)(size & 1), data, size, out, sizeof out, &body,
                              &body_len, &encrypted);
  if (ret == SG_OK) {
    if (encrypted && (body != out || body_len >= size || sg_jwe_is_compact(body, body_len))) {
      __builtin_trap();
    }
    if (!encrypted && (body != data || body_len != size)) {
      __builtin_trap();
    }
  } else if (encrypted) {
    __builtin_trap(); /* a refusal never hands out plaintext */
  }
  return 0;
}

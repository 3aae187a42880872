/*
 * Encrypted profiles on the device (full image only; the budget image is
 * built without them, SG_NO_JWE). A factory device whose fleet key is a
 * const array in flash and which requires encryption: the jose-made JWEs
 * of tests/jwe/vectors are scanned, checked like the story's steps, and
 * the cost of opening one (pool peak, stack, instructions) is measured
 * against the same profile in plaintext.
 */
#include <string.h>

#include "fw.h"
#include "sg_crypto.h"

#if defined(SG_NO_JWE)
void sg_fw_encrypted(sg_fw *fw) { (void)fw; }
#else

/* The fleet key, as a product would keep it: in flash, never in .data.
 * Test key from tests/jwe/vectors/fleet-ec.d.hex (made by jose). */
static const char sg_fw_fleet_hex[] = SG_FW_FLEET_EC_HEX;

static sg_ram_key sg_fw_keys[1];
static sg_ram_keystore sg_fw_ram;
static sg_keystore sg_fw_keystore;

static int sg_fw_fleet_key(void) {
  uint8_t d[32];
  for (unsigned i = 0; i < 32; i++) {
    unsigned v = 0;
    for (unsigned j = 0; j < 2; j++) {
      const char c = sg_fw_fleet_hex[2 * i + j];
      v = v * 16u + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    d[i] = (uint8_t)v;
  }
  sg_ram_keystore_init(&sg_fw_ram, sg_fw_keys, 1, NULL, NULL);
  const int rc = sg_ram_keystore_add(&sg_fw_ram, SG_FLEET_KEY_EC_P256, d, NULL);
  sg_wipe(d, sizeof d);
  sg_fw_keystore = sg_ram_keystore_port(&sg_fw_ram);
  return rc;
}

typedef struct {
  const char *what;
  const char *feed;
  int expect;
  sg_trust_state state;
} sg_fw_enc_step;

static const sg_fw_enc_step sg_fw_enc_steps[] = {
    {"encrypted unsigned Wi-Fi (ECDH-ES+A256KW, jose)", "wifi.ecdh.jwe", SG_ACCEPTED,
     SG_STATE_UNTRUSTED},
    {"the same Wi-Fi in plaintext", "wifi.json", SG_ERR_ENCRYPTION_REQUIRED,
     SG_STATE_UNTRUSTED},
    {"Wi-Fi encrypted for another fleet", "wifi.stranger.jwe", SG_ERR_UNKNOWN_KEY,
     SG_STATE_UNTRUSTED},
    {"encrypted TurnOn signed by admin", "turnon-admin.ecdh.jwe", SG_ACCEPTED, SG_STATE_TRUSTED},
    {"encrypted but unsigned Wi-Fi on the trusted device", "wifi.ecdh.jwe",
     SG_ERR_UNSIGNED_ON_TRUSTED, SG_STATE_TRUSTED},
};

void sg_fw_encrypted(sg_fw *fw) {
  sg_board_printf("-- encrypted profiles (fleet key in flash, encryption required)\n");
  if (sg_fw_fleet_key() != SG_OK) {
    sg_board_printf("   fleet key refused\n");
    fw->failures++;
    return;
  }
  sg_cm_flash_format(&fw->flash);
  fw->cfg.keystore = &sg_fw_keystore;
  fw->cfg.require_encrypted = 1;
  if (sg_fw_boot(fw) != SG_OK) {
    fw->failures++;
    return;
  }
  const unsigned n = (unsigned)(sizeof sg_fw_enc_steps / sizeof sg_fw_enc_steps[0]);
  unsigned passed = 0;
  for (unsigned i = 0; i < n; i++) {
    const sg_fw_enc_step *st = &sg_fw_enc_steps[i];
    uint8_t before[32], after[32];
    sg_status s;
    sg_fw_measure m;
    sg_fw_flash_digest(fw, before);
    sg_fw_measure_feed(fw, st->feed, &m);
    sg_fw_flash_digest(fw, after);
    const int untouched = memcmp(before, after, sizeof before) == 0;
    const int ok = m.result == st->expect && sg_agent_status(&fw->agent, &s) == SG_OK &&
                   s.state == st->state && (m.result == SG_ACCEPTED || untouched);
    sg_board_printf("   [%u] %s\n         %s -> %s, %s%s, pool peak %u B, stack %u B, %lu insns: %s\n",
                    i + 1, st->what, st->feed, sg_strerror_name(m.result),
                    sg_trust_state_name(s.state),
                    m.result != SG_ACCEPTED ? (untouched ? ", flash untouched" : ", FLASH CHANGED") : "",
                    (unsigned)m.pool_peak, (unsigned)m.stack,
                    (unsigned long)m.ticks * SG_FW_INSN_PER_TICK, ok ? "ok" : "FAILED");
    passed += ok ? 1u : 0u;
    fw->failures += ok ? 0u : 1u;
  }
  /* The cost of opening: the same unsigned profile, encrypted and not, on
   * a factory device that accepts both. */
  sg_fw_measure plain, enc;
  fw->cfg.require_encrypted = 0;
  sg_cm_flash_format(&fw->flash);
  (void)sg_fw_boot(fw);
  sg_fw_measure_feed(fw, "wifi.json", &plain);
  sg_fw_measure_feed(fw, "wifi.ecdh.jwe", &enc);
  const unsigned long pi = (unsigned long)plain.ticks * SG_FW_INSN_PER_TICK;
  const unsigned long ei = (unsigned long)enc.ticks * SG_FW_INSN_PER_TICK;
  sg_board_printf("   opening a JWE (ECDH-ES+A256KW, A256GCM): %lu insns (%lu encrypted vs %lu "
                  "plaintext), pool peak %u B vs %u B, stack %u B vs %u B\n",
                  ei > pi ? ei - pi : 0ul, ei, pi, (unsigned)enc.pool_peak,
                  (unsigned)plain.pool_peak, (unsigned)enc.stack, (unsigned)plain.stack);
  if (plain.result != SG_ACCEPTED || enc.result != SG_ACCEPTED) {
    fw->failures++;
  }
  fw->cfg.keystore = NULL;
  sg_ram_keystore_wipe(&sg_fw_ram);
  sg_board_printf("-- encrypted: %u of %u steps as expected\n", passed, n);
}
#endif

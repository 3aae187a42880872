/*
 * The trust-policy story of the staging demo, minus the barcode images:
 * each step feeds the texts an administrator would scan, then checks the
 * agent's answer, the trust state, that a rejection left the flash region
 * untouched, and (on a reboot step) that the state survived re-init from
 * the same region.
 */
#include <string.h>

#include "fw.h"

typedef struct {
  const char *what;   /* what the administrator does */
  const char *feed;   /* vector in test-vectors/profiles; NULL = reboot */
  int expect;
  sg_trust_state state;
} sg_fw_step;

static const sg_fw_step sg_fw_steps[] = {
    {"factory device, unsigned Wi-Fi profile", "wifi.json", SG_ACCEPTED, SG_STATE_UNTRUSTED},
    {"TurnOn signed by admin, 3 chunks out of order + a repeat", "turnon-admin-shuffled.chunks",
     SG_ACCEPTED, SG_STATE_TRUSTED},
    {"unsigned Wi-Fi profile on a trusted device", "wifi.json", SG_ERR_UNSIGNED_ON_TRUSTED,
     SG_STATE_TRUSTED},
    {"Wi-Fi signed by another key (admin2, cert in x5c)", "wifi-admin2-x5c.jws",
     SG_ERR_UNKNOWN_SIGNER, SG_STATE_TRUSTED},
    {"power cycle", NULL, SG_OK, SG_STATE_TRUSTED},
    {"Wi-Fi seq 5 signed by admin, 2 chunks", "wifi-admin-5.chunks", SG_ACCEPTED,
     SG_STATE_TRUSTED},
    {"its older version, seq 4", "wifi-admin-4.jws", SG_ERR_REPLAY, SG_STATE_TRUSTED},
    {"TurnOff seq 10 signed by admin", "turnoff-admin-10.jws", SG_ACCEPTED, SG_STATE_UNTRUSTED},
    {"re-enrol: TurnOn seq 11 signed by admin", "turnon-admin-11.jws", SG_ACCEPTED,
     SG_STATE_TRUSTED},
    {"power cycle", NULL, SG_OK, SG_STATE_TRUSTED},
    {"the old TurnOff (seq 10) scanned again", "turnoff-admin-10.jws", SG_ERR_REPLAY,
     SG_STATE_TRUSTED},
};

/* Everything that must survive a reboot, compared field by field. */
static int sg_fw_same_status(const sg_status *a, const sg_status *b) {
  return a->state == b->state && a->mode == b->mode && a->anchor_len == b->anchor_len &&
         memcmp(a->anchor_sha256, b->anchor_sha256, sizeof a->anchor_sha256) == 0 &&
         a->seq_floor == b->seq_floor && a->time_floor == b->time_floor &&
         a->pending_len == b->pending_len;
}

static int sg_fw_reboot(sg_fw *fw, const sg_fw_step *st) {
  sg_status before, after;
  int ok = sg_agent_status(&fw->agent, &before) == SG_OK;
  const int rc = sg_fw_boot(fw);
  ok = ok && rc == SG_OK && sg_agent_status(&fw->agent, &after) == SG_OK &&
       sg_fw_same_status(&before, &after) && after.state == st->state;
  sg_board_printf("         re-init from the flash region: %s, %s, seq floor %u, time floor %u -> %s\n",
               sg_strerror_name(rc), sg_trust_state_name(after.state), (unsigned)after.seq_floor,
               (unsigned)after.time_floor, ok ? "state kept" : "STATE LOST");
  return ok;
}

static int sg_fw_step_feed(sg_fw *fw, const sg_fw_step *st) {
  const sg_blob *b = sg_fw_vector(st->feed);
  if (b == NULL) {
    sg_board_printf("         missing vector %s\n", st->feed);
    return 0;
  }
  uint8_t before[32], after[32];
  sg_fw_flash_digest(fw, before);
  const unsigned events = fw->events;
  const unsigned runs = fw->wifi_runs;
  unsigned symbols = 0;
  const int got = sg_fw_feed(fw, b, &symbols);
  sg_fw_flash_digest(fw, after);
  sg_status s;
  const int status_ok = sg_agent_status(&fw->agent, &s) == SG_OK;
  const int untouched = memcmp(before, after, sizeof before) == 0;
  const int ok = got == st->expect && status_ok && s.state == st->state &&
                 fw->events >= events + symbols && fw->last_event == got &&
                 (got == SG_ACCEPTED || untouched);
  sg_board_printf("         %s, %u symbol%s -> %s, %s%s%s%s\n", st->feed, symbols,
               symbols == 1 ? "" : "s", sg_strerror_name(got), sg_trust_state_name(s.state),
               got != SG_ACCEPTED ? (untouched ? ", flash untouched" : ", FLASH CHANGED") : "",
               fw->wifi_runs != runs ? ", Wi-Fi applied" : "",
               got != st->expect ? " (EXPECTED " : "");
  if (got != st->expect) {
    sg_board_printf("%s)\n", sg_strerror_name(st->expect));
  }
  return ok;
}

void sg_fw_story(sg_fw *fw) {
  sg_board_printf("-- trust-policy story (clock %d, build time %u)\n", (int)SG_FW_CLOCK,
               (unsigned)fw->cfg.build_time);
  const int rc = sg_fw_boot(fw);
  if (rc != SG_OK) {
    sg_board_printf("   boot on a fresh flash region: %s\n", sg_strerror_name(rc));
    fw->failures++;
    return;
  }
  const unsigned n = (unsigned)(sizeof sg_fw_steps / sizeof sg_fw_steps[0]);
  unsigned passed = 0;
  for (unsigned i = 0; i < n; i++) {
    const sg_fw_step *st = &sg_fw_steps[i];
    sg_board_printf("   [%2u] %s\n", i + 1, st->what);
    const int ok = st->feed == NULL ? sg_fw_reboot(fw, st) : sg_fw_step_feed(fw, st);
    sg_board_printf("         %s\n", ok ? "ok" : "FAILED");
    passed += ok ? 1u : 0u;
    fw->failures += ok ? 0u : 1u;
  }
  sg_board_printf("-- story: %u of %u steps as expected\n", passed, n);
}

/*
 * The smallest complete stagegate firmware: what docs/INTEGRATION.md shows
 * and what tests/consumer builds against an installed stagegate, on Linux
 * and on a Cortex-M4. It enrols the device with a Turn On Trusted Mode
 * profile, then applies a signed Wi-Fi profile through its handler.
 *
 * Storage is the NOR-flash emulator (stagegate::flash_sim) so the example
 * runs anywhere; a device passes its flash driver as the sg_blockdev.
 * The profiles are test-vectors/profiles/turnon-admin.jws, wifi-admin-5.jws
 * and wifi-admin-4.jws (seq 4: refused as a replay), which the build
 * embeds (profiles.c).
 */
#include <stdint.h>
#include <string.h>

#include "cJSON.h"
#include "sg_flash_sim.h"
#include "stagegate/agent.h"

#if defined(CONSUMER_BARE_METAL)
#include "sg_board.h" /* stagegate::board_mps2: semihosting console */
#define say sg_board_printf
#else
#include <stdio.h>
#define say printf
#endif

extern const unsigned char consumer_turnon[], consumer_wifi[], consumer_older[];
extern const size_t consumer_turnon_len, consumer_wifi_len, consumer_older_len;

/* The trust slot's flash: 4 KiB sectors, as many as the library asks for. */
#define SECTOR 4096u
static uint8_t flash_mem[4 * SECTOR];
static sg_flash_sim flash;
static sg_blockdev storage;

/* The wall clock (an RTC on a device): a fixed time for the example. */
static int64_t clock_now(void *ctx) {
  (void)ctx;
  return 1780000000; /* 2026-05-28 */
}
static const sg_clock clock_src = {NULL, clock_now};

/* The Wi-Fi handler, a transaction: check the action before anything runs,
 * apply it, and undo it if a later action or the trust-slot write fails. */
static char applied_ssid[33];
static char previous_ssid[33];
static int wifi_check(void *ctx, const struct cJSON *action) {
  (void)ctx;
  const cJSON *settings = cJSON_GetObjectItemCaseSensitive(action, "settings");
  const cJSON *ssid = cJSON_GetObjectItemCaseSensitive(settings, "ssid");
  return cJSON_IsString(ssid) && strlen(ssid->valuestring) < sizeof applied_ssid ? 0 : -1;
}
static int wifi_apply(void *ctx, const struct cJSON *action) {
  (void)ctx;
  const cJSON *ssid =
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(action, "settings"), "ssid");
  strcpy(previous_ssid, applied_ssid);
  strcpy(applied_ssid, ssid->valuestring); /* length checked by wifi_check */
  return 0;
}
static int wifi_rollback(void *ctx, const struct cJSON *action) {
  (void)ctx;
  (void)action;
  strcpy(applied_ssid, previous_ssid);
  return 0;
}
static const sg_action_handler handlers[] = {{"Wifi", NULL, wifi_check, wifi_apply, wifi_rollback}};

static sg_agent agent; /* ~37 KiB: static, not on the stack */

static int feed(const char *what, const unsigned char *text, size_t len) {
  sg_feed_result r;
  const int rc = sg_agent_feed(&agent, text, len, &r);
  say("%s: %s (%s)\n", what, sg_strerror_name(rc), r.profile_name);
  return rc;
}

int main(void) {
  int failed = 0;
  if (sg_flash_sim_init(&flash, flash_mem, sizeof flash_mem, SECTOR, 4, 8, 0) != 0 ||
      sizeof flash_mem < sg_trustslot_footprint(SECTOR)) {
    say("flash set-up failed\n");
    return 1;
  }
  sg_flash_sim_blockdev(&flash, &storage);

  sg_agent_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.storage = &storage;
  cfg.clock = &clock_src;
  cfg.handlers = handlers;
  cfg.handler_count = sizeof handlers / sizeof handlers[0];
  cfg.build_time = 1700000000; /* the firmware's build date: the lowest time floor */
  int rc = sg_agent_init(&agent, &cfg);
  say("init: %s\n", sg_strerror_name(rc));
  failed |= rc != SG_OK;

  failed |= feed("Turn On Trusted Mode", consumer_turnon, consumer_turnon_len) != SG_ACCEPTED;
  failed |= feed("Wi-Fi profile", consumer_wifi, consumer_wifi_len) != SG_ACCEPTED;
  failed |= feed("an older profile", consumer_older, consumer_older_len) != SG_ERR_REPLAY;

  sg_status st;
  failed |= sg_agent_status(&agent, &st) != SG_OK || st.state != SG_STATE_TRUSTED;
  failed |= strcmp(applied_ssid, "wh-1") != 0;
  say("state %s, ssid \"%s\", sizeof(sg_agent) %u: %s\n", sg_trust_state_name(st.state),
      applied_ssid, (unsigned)sizeof agent, failed ? "FAILED" : "ok");
  sg_agent_free(&agent);
  return failed;
}

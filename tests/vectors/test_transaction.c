/*
 * Defect 7 (issue 9): an accepted profile's actions and its slot write are
 * one transaction. check() for every action before any apply(); apply() in
 * order; on a failing later handler or a failing slot write, rollback() in
 * reverse order; the result says whether the rollback was complete; the
 * floors and trust stay as they were, so the profile is not left
 * half-applied and can be scanned again. A slot write that fails after
 * its commit point leaves the profile in force, handlers kept.
 */
#include <string.h>

#include "cJSON.h"
#include "sg_blob.h"
#include "sg_test_flash.h"
#include "sg_test.h"
#include "stagegate/agent.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

static sg_agent agent, rebooted;
static sg_test_flash flash;
static uint8_t before[sizeof flash.mem];

static int64_t clock_now = 1780000000;
static int64_t test_clock(void *ctx) {
  (void)ctx;
  return clock_now;
}

/* A device setting the "Wifi" handler changes: the number of applies in force. */
static int wifi_in_force, wifi_applies, wifi_rollbacks, fail_checks;
static int wifi_apply(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  wifi_applies++;
  wifi_in_force++;
  return 0;
}
static int wifi_rollback(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  wifi_rollbacks++;
  wifi_in_force--;
  return 0;
}
static int fail_apply(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return -1;
}
static int refuse_check(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  fail_checks++;
  return -1;
}
static int rollback_fails(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  wifi_rollbacks++;
  return -1;
}

static const sg_clock clk = {NULL, test_clock};
static const sg_identity id = {"TC52", "21345522501234"};

/* Storage that fails every change from the k-th on (reads still work):
 * the slot write breaks at each of its steps in turn. */
static sg_blockdev failing_bd;
static uint32_t changes, fail_from;
static int fb_read(void *ctx, uint32_t s, uint32_t off, void *buf, uint32_t len) {
  return flash.bd.read(ctx, s, off, buf, len);
}
static int fb_prog(void *ctx, uint32_t s, uint32_t off, const void *buf, uint32_t len) {
  if (fail_from != 0 && ++changes >= fail_from) {
    return -1;
  }
  return flash.bd.prog(ctx, s, off, buf, len);
}
static int fb_erase(void *ctx, uint32_t s) {
  if (fail_from != 0 && ++changes >= fail_from) {
    return -1;
  }
  return flash.bd.erase(ctx, s);
}

static sg_agent_config config(const sg_action_handler *h, size_t n) {
  sg_agent_config c;
  memset(&c, 0, sizeof c);
  failing_bd = flash.bd;
  failing_bd.read = fb_read;
  failing_bd.prog = fb_prog;
  failing_bd.erase = fb_erase;
  c.storage = &failing_bd;
  c.clock = &clk;
  c.identity = &id;
  c.handlers = h;
  c.handler_count = n;
  c.build_time = 1700000000;
  return c;
}

static int feed(sg_agent *a, const char *name, sg_feed_result *r) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  SG_CHECK(b != NULL);
  return b != NULL ? sg_agent_feed(a, b->data, b->len, r) : SG_ERR_ARG;
}

static sg_status status_of(const sg_agent *a) {
  sg_status s;
  SG_CHECK_CODE(sg_agent_status(a, &s), SG_OK);
  return s;
}

/* A device trusting admin (seq floor 1), handlers `h`, counters reset. */
static void trusted(const sg_action_handler *h, size_t n) {
  sg_test_flash_init(&flash, 0, 0);
  fail_from = 0;
  const sg_agent_config c = config(h, n);
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  SG_CHECK_CODE(feed(&agent, "turnon-admin.jws", NULL), SG_ACCEPTED);
  SG_CHECK(status_of(&agent).seq_floor == 1);
  wifi_in_force = wifi_applies = wifi_rollbacks = fail_checks = 0;
}

static void test_failing_later_handler_rolls_back_earlier(void) {
  static const sg_action_handler h[] = {{"Wifi", NULL, NULL, wifi_apply, wifi_rollback},
                                        {"Fail", NULL, NULL, fail_apply, NULL}};
  trusted(h, 2);
  sg_feed_result r;
  memcpy(before, flash.mem, sizeof before);
  /* [Wifi, Fail], seq 5: Wifi applied, Fail fails, Wifi rolled back. */
  SG_CHECK_CODE(feed(&agent, "wifi-admin-fail.jws", &r), SG_ERR_HANDLER_FAILED);
  SG_CHECK(r.rollback == SG_ROLLBACK_COMPLETE);
  SG_CHECK(wifi_applies == 1 && wifi_rollbacks == 1 && wifi_in_force == 0);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0); /* floors, trust: as they were */
  SG_CHECK(status_of(&agent).seq_floor == 1);
  /* Not replayable-as-half-applied: the same profile is decided afresh... */
  SG_CHECK_CODE(feed(&agent, "wifi-admin-fail.jws", &r), SG_ERR_HANDLER_FAILED);
  SG_CHECK(wifi_in_force == 0 && r.rollback == SG_ROLLBACK_COMPLETE);
  /* ...and seq 5 never reached the floor: seq 4 is still accepted. */
  SG_CHECK_CODE(feed(&agent, "wifi-admin-4.jws", &r), SG_ACCEPTED);
  SG_CHECK(wifi_in_force == 1 && r.rollback == SG_ROLLBACK_NONE);
  SG_CHECK(status_of(&agent).seq_floor == 4);
  sg_agent_free(&agent);
}

static void test_rollback_incomplete_is_reported(void) {
  /* Wifi cannot be undone (no rollback), then one whose rollback fails. */
  static const sg_action_handler none[] = {{"Wifi", NULL, NULL, wifi_apply, NULL},
                                           {"Fail", NULL, NULL, fail_apply, NULL}};
  static const sg_action_handler broken[] = {{"Wifi", NULL, NULL, wifi_apply, rollback_fails},
                                             {"Fail", NULL, NULL, fail_apply, NULL}};
  sg_feed_result r;
  trusted(none, 2);
  memcpy(before, flash.mem, sizeof before);
  SG_CHECK_CODE(feed(&agent, "wifi-admin-fail.jws", &r), SG_ERR_HANDLER_FAILED);
  SG_CHECK(r.rollback == SG_ROLLBACK_INCOMPLETE);
  SG_CHECK(wifi_in_force == 1); /* the truth: it stayed applied */
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  sg_agent_free(&agent);
  trusted(broken, 2);
  SG_CHECK_CODE(feed(&agent, "wifi-admin-fail.jws", &r), SG_ERR_HANDLER_FAILED);
  SG_CHECK(r.rollback == SG_ROLLBACK_INCOMPLETE && wifi_rollbacks == 1);
  sg_agent_free(&agent);
}

static void test_every_check_before_any_apply(void) {
  /* [Wifi, Fail] where Fail's check refuses: Wifi is never applied. */
  static const sg_action_handler h[] = {{"Wifi", NULL, NULL, wifi_apply, wifi_rollback},
                                        {"Fail", NULL, refuse_check, fail_apply, NULL}};
  static const sg_action_handler wifi_only[] = {{"Wifi", NULL, NULL, wifi_apply, wifi_rollback}};
  sg_feed_result r;
  trusted(h, 2);
  SG_CHECK_CODE(feed(&agent, "wifi-admin-fail.jws", &r), SG_ERR_ACTION_ARGS);
  SG_CHECK(fail_checks == 1 && wifi_applies == 0 && r.rollback == SG_ROLLBACK_NONE);
  sg_agent_free(&agent);
  /* No handler for Fail: refused before Wifi is applied. */
  trusted(wifi_only, 1);
  SG_CHECK_CODE(feed(&agent, "wifi-admin-fail.jws", &r), SG_ERR_UNSUPPORTED_ACTION);
  SG_CHECK(wifi_applies == 0 && r.rollback == SG_ROLLBACK_NONE);
  sg_agent_free(&agent);
}

/*
 * The slot write failing at each of its steps in turn: either the write
 * failed before its commit point (an error, Wifi rolled back, the old
 * record on flash) or after it (SG_ACCEPTED, Wifi kept, the new record on
 * flash). Never a mix: the handlers always agree with what a reboot reads.
 */
static void test_failing_slot_write_rolls_back(void) {
  static const sg_action_handler h[] = {{"Wifi", NULL, NULL, wifi_apply, wifi_rollback}};
  unsigned rolled_back = 0, kept = 0;
  for (uint32_t k = 1; k < 64; k++) {
    trusted(h, 1);
    changes = 0;
    fail_from = k;
    sg_feed_result r;
    const int got = feed(&agent, "wifi-admin-5.jws", &r);
    const int hit = changes >= k; /* did the failure happen at all? */
    fail_from = 0;
    const sg_agent_config c = config(h, 1);
    SG_CHECK_CODE(sg_agent_init(&rebooted, &c), SG_OK);
    const sg_status now = status_of(&agent), boot = status_of(&rebooted);
    SG_CHECK(now.seq_floor == boot.seq_floor && now.state == boot.state);
    if (got == SG_ACCEPTED) {
      SG_CHECK(wifi_in_force == 1 && boot.seq_floor == 5 && r.rollback == SG_ROLLBACK_NONE);
      kept += hit;
    } else {
      SG_CHECK_CODE(got, SG_ERR_STORAGE);
      SG_CHECK(wifi_in_force == 0 && r.rollback == SG_ROLLBACK_COMPLETE);
      SG_CHECK(boot.seq_floor == 1 && boot.state == SG_STATE_TRUSTED);
      rolled_back++;
    }
    sg_agent_free(&rebooted);
    sg_agent_free(&agent);
    if (!hit) {
      break; /* past the last change of the write */
    }
  }
  sg_test_printf("    slot write cut at each step: %u rolled back, %u kept after the commit point\n",
                 rolled_back, kept);
  SG_CHECK(rolled_back > 0 && kept > 0); /* both sides of the commit point were reached */
}

static void test_failing_turnoff_write_keeps_trust(void) {
  static const sg_action_handler h[] = {{"Wifi", NULL, NULL, wifi_apply, wifi_rollback}};
  trusted(h, 1);
  memcpy(before, flash.mem, sizeof before);
  changes = 0;
  fail_from = 1;
  SG_CHECK_CODE(feed(&agent, "turnoff-admin-10.jws", NULL), SG_ERR_STORAGE);
  fail_from = 0;
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  const sg_status s = status_of(&agent);
  SG_CHECK(s.state == SG_STATE_TRUSTED && s.seq_floor == 1);
  SG_CHECK_CODE(feed(&agent, "turnoff-admin-10.jws", NULL), SG_ACCEPTED); /* not a replay */
  sg_agent_free(&agent);
}

int main(void) {
  sg_test_begin("transaction");
  SG_RUN(test_failing_later_handler_rolls_back_earlier);
  SG_RUN(test_rollback_incomplete_is_reported);
  SG_RUN(test_every_check_before_any_apply);
  SG_RUN(test_failing_slot_write_rolls_back);
  SG_RUN(test_failing_turnoff_write_keeps_trust);
  return sg_test_end();
}

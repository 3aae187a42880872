/*
 * Every scenario of test-vectors/profiles/manifest.json, on a real agent
 * with real storage: each step's answer, the trust state after it, that a
 * rejected profile leaves the persisted bytes untouched, that a reboot
 * (a second agent loaded from the same storage) sees what the live agent
 * sees, and that every decision was reported as an event.
 */
#include <string.h>

#include "cJSON.h"
#include "sg_blob.h"
#include "sg_board.h"
#include "sg_manifest.h"
#include "sg_test_flash.h"
#include "sg_test.h"
#include "stagegate/agent.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

/* Static: the agents and the flash are large, and Cortex-M stacks small. */
static sg_agent agent, rebooted;
static sg_test_flash flash;
static uint8_t before[sizeof flash.mem];

static int64_t test_clock_value;
static int64_t test_clock(void *ctx) {
  (void)ctx;
  return test_clock_value;
}

static int handler_ok(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return 0;
}
static int handler_fail(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return -1;
}
static int picky_check(void *ctx, const cJSON *action) {
  (void)ctx;
  return cJSON_GetObjectItemCaseSensitive(action, "bad") != NULL ? -1 : 0;
}

static unsigned events_seen;
static int last_event_result;
static void on_event(void *ctx, const sg_event *ev) {
  (void)ctx;
  events_seen++;
  last_event_result = ev->result;
}

static const sg_action_handler handlers[] = {
    {"Wifi", NULL, NULL, handler_ok, NULL},
    {"Picky", NULL, picky_check, handler_ok, NULL},
    {"Fail", NULL, NULL, handler_fail, NULL},
};
static const sg_clock clock_ops = {NULL, test_clock};
static const sg_event_sink sink = {NULL, on_event};
static sg_identity identity;

static sg_agent_config make_config(const sg_manifest_scenario *sc) {
  sg_agent_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.storage = &flash.bd;
  cfg.clock = &clock_ops;
  cfg.identity = &identity;
  cfg.events = &sink;
  cfg.handlers = handlers;
  cfg.handler_count = sizeof handlers / sizeof handlers[0];
  cfg.build_time = sg_manifest_defaults_v.build_time;
  if (sc->recovery != NULL) {
    const sg_blob *r = sg_blob_find(sg_vectors, sg_vectors_count, sc->recovery);
    SG_CHECK(r != NULL);
    if (r != NULL) {
      cfg.recovery_cert = r->data;
      cfg.recovery_cert_len = r->len;
    }
  }
  return cfg;
}

/* Feed each line of a .chunks file, or the whole file as one symbol. */
static int feed_file(const sg_blob *b, unsigned *symbols, int *intermediate_ok) {
  int ret = SG_ERR_INTERNAL;
  *symbols = 0;
  *intermediate_ok = 1;
  const size_t n = strlen(b->name);
  if (n < 7 || strcmp(b->name + n - 7, ".chunks") != 0) {
    *symbols = 1;
    return sg_agent_feed(&agent, b->data, b->len, NULL);
  }
  const unsigned char *p = b->data;
  const unsigned char *end = b->data + b->len;
  while (p < end) {
    const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
    const size_t len = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
    if (*symbols > 0 && ret != SG_NEED_MORE) {
      *intermediate_ok = 0; /* only the last symbol may decide */
    }
    ret = sg_agent_feed(&agent, p, len, NULL);
    (*symbols)++;
    p += len + (eol != NULL ? 1 : 0);
  }
  return ret;
}

static int same_status(void) {
  sg_status a, b;
  if (sg_agent_status(&agent, &a) != SG_OK || sg_agent_status(&rebooted, &b) != SG_OK) {
    return 0;
  }
  return a.state == b.state && a.mode == b.mode && a.anchor_len == b.anchor_len &&
         (a.anchor_len == 0 || memcmp(a.anchor, b.anchor, a.anchor_len) == 0) &&
         a.pending_len == b.pending_len && a.activate_at == b.activate_at &&
         a.seq_floor == b.seq_floor && a.time_floor == b.time_floor;
}

static unsigned steps_run, codes_seen_mask_lo;

static void run_scenario(const sg_manifest_scenario *sc) {
  sg_test_printf("    scenario: %s\n", sc->name);
  sg_test_flash_init(&flash, 0, 0);
  test_clock_value = sg_manifest_defaults_v.clock;
  const sg_agent_config cfg = make_config(sc);
  SG_CHECK_CODE(sg_agent_init(&agent, &cfg), SG_OK);
  for (unsigned k = 0; k < sc->count; k++) {
    const sg_manifest_step *st = &sg_manifest_steps[sc->first + k];
    const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, st->feed);
    SG_CHECK(b != NULL);
    if (b == NULL) {
      sg_test_printf("      missing vector %s\n", st->feed);
      continue;
    }
    if (st->clock >= 0) {
      test_clock_value = st->clock;
    }
    memcpy(before, flash.mem, sizeof before);
    const unsigned events_before = events_seen;
    unsigned symbols = 0;
    int intermediate_ok = 0;
    const int got = feed_file(b, &symbols, &intermediate_ok);
    steps_run++;
    if (got != st->expect || !intermediate_ok) {
      sg_test_printf("      step %u (%s):\n", k + 1, st->feed);
    }
    SG_CHECK_CODE(got, st->expect);
    SG_CHECK(intermediate_ok);
    SG_CHECK(events_seen >= events_before + symbols && last_event_result == got);
    if (got != SG_ACCEPTED) {
      SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0); /* rejection persists nothing */
    }
    if (st->state != 0) {
      sg_status s;
      SG_CHECK_CODE(sg_agent_status(&agent, &s), SG_OK);
      SG_CHECK(s.state == (sg_trust_state)st->state);
    }
    /* Reboot: a fresh agent on the same storage agrees with the live one. */
    SG_CHECK_CODE(sg_agent_init(&rebooted, &cfg), SG_OK);
    SG_CHECK(same_status());
    sg_agent_free(&rebooted);
  }
  sg_agent_free(&agent);
}

static void test_manifest_scenarios(void) {
  identity.model = sg_manifest_defaults_v.model;
  identity.serial = sg_manifest_defaults_v.serial;
  for (unsigned i = 0; i < sg_manifest_scenario_count; i++) {
    sg_board_pool_reset_peak();
    run_scenario(&sg_manifest_scenarios[i]);
    if (sg_board_pool_size() != 0) {
      sg_test_printf("      pool peak %u B\n", (unsigned)sg_board_pool_peak());
    }
  }
  sg_test_printf("    %u steps in %u scenarios\n", steps_run, sg_manifest_scenario_count);
  (void)codes_seen_mask_lo;
}

int main(void) {
  sg_test_begin("profile_vectors");
  SG_RUN(test_manifest_scenarios);
  return sg_test_end();
}

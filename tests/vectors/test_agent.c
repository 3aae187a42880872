/*
 * What the manifest cannot say: every byte of a signed profile changed in
 * turn, truncation, trailing garbage, storage that fails or is corrupt,
 * memory that runs out, a corrupted agent, API misuse and the restart
 * event. After every rejection the persisted bytes must be unchanged.
 */
#include <string.h>

/* One test injects a fault into the agent's state: it reaches the private
 * fields as the library does (SG_PRIVATE, stagegate/agent.h). */
#define SG_ALLOW_PRIVATE_ACCESS

#include "cJSON.h"
#include "mbedtls/platform.h"
#include "sg_blob.h"
#include "sg_test_flash.h"
#include "sg_test.h"
#include "stagegate/agent.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

static sg_agent agent;
static sg_test_flash flash;
static uint8_t before[sizeof flash.mem];
static uint8_t text[4096];

static int64_t clock_now = 1780000000;
static int64_t test_clock(void *ctx) {
  (void)ctx;
  return clock_now;
}
static int wifi_ok(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return 0;
}
static int events[8];
static unsigned nevents;
static void on_event(void *ctx, const sg_event *ev) {
  (void)ctx;
  events[nevents++ % 8] = ev->result;
}

static const sg_clock clk = {NULL, test_clock};
static const sg_action_handler handlers[] = {{"Wifi", NULL, NULL, wifi_ok, NULL}};
static const sg_event_sink sink = {NULL, on_event};
static const sg_identity id = {"TC52", "21345522501234"};

static sg_agent_config config(void) {
  sg_agent_config c;
  memset(&c, 0, sizeof c);
  c.storage = &flash.bd;
  c.clock = &clk;
  c.identity = &id;
  c.events = &sink;
  c.handlers = handlers;
  c.handler_count = 1;
  c.build_time = 1700000000;
  return c;
}

static const sg_blob *vec(const char *name) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  SG_CHECK(b != NULL);
  return b;
}

static int feed_blob(const sg_blob *b) { return sg_agent_feed(&agent, b->data, b->len, NULL); }

/* A device trusting the admin certificate. */
static void trusted_device(void) {
  sg_test_flash_init(&flash, 0, 0);
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  SG_CHECK_CODE(feed_blob(vec("turnon-admin.jws")), SG_ACCEPTED);
}

static sg_trust_state state(void) {
  sg_status s;
  SG_CHECK_CODE(sg_agent_status(&agent, &s), SG_OK);
  return s.state;
}

/* The next base64url character: a different, still-valid symbol. */
static uint8_t next_char(uint8_t c) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char *p = memchr(alphabet, c, 64);
  return p == NULL ? (uint8_t)'A' : (uint8_t)alphabet[(p - alphabet + 1) % 64];
}

static void test_every_changed_byte_rejected(void) {
  const sg_blob *b = vec("wifi-admin-5.jws");
  trusted_device();
  SG_CHECK(b != NULL && b->len <= sizeof text);
  if (b == NULL || b->len > sizeof text) {
    return;
  }
  memcpy(before, flash.mem, sizeof before);
  unsigned accepted = 0;
  unsigned reasons[3] = {0, 0, 0}; /* format/header, bad signature, other */
  for (size_t i = 0; i < b->len; i++) {
    memcpy(text, b->data, b->len);
    text[i] = next_char(text[i]);
    const int ret = sg_agent_feed(&agent, text, b->len, NULL);
    if (ret == SG_ACCEPTED) {
      accepted++;
      sg_test_printf("    byte %u changed and still accepted\n", (unsigned)i);
    }
    reasons[ret == SG_ERR_BAD_SIGNATURE ? 1 : (ret == SG_ERR_FORMAT || ret == SG_ERR_HEADER) ? 0 : 2]++;
  }
  SG_CHECK(accepted == 0);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  SG_CHECK(state() == SG_STATE_TRUSTED);
  sg_test_printf("    %u mutations: %u format/header, %u bad signature, %u other\n", (unsigned)b->len,
                 reasons[0], reasons[1], reasons[2]);
  /* and the untouched profile still goes through */
  SG_CHECK_CODE(feed_blob(b), SG_ACCEPTED);
  sg_agent_free(&agent);
}

/* The same on a factory device, where the signer is the certificate the
 * TurnOn deploys (proof of possession): no change may enrol anyone. */
static void test_every_changed_byte_of_a_turnon_rejected(void) {
  const sg_blob *b = vec("turnon-admin.jws");
  sg_test_flash_init(&flash, 0, 0);
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  SG_CHECK(b != NULL && b->len <= sizeof text);
  if (b == NULL || b->len > sizeof text) {
    return;
  }
  memcpy(before, flash.mem, sizeof before);
  unsigned accepted = 0;
  for (size_t i = 0; i < b->len; i++) {
    memcpy(text, b->data, b->len);
    text[i] = next_char(text[i]);
    if (sg_agent_feed(&agent, text, b->len, NULL) == SG_ACCEPTED) {
      accepted++;
      sg_test_printf("    byte %u changed and the TurnOn still accepted\n", (unsigned)i);
    }
  }
  SG_CHECK(accepted == 0);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0); /* still factory-fresh */
  SG_CHECK(state() == SG_STATE_UNTRUSTED);
  SG_CHECK_CODE(feed_blob(b), SG_ACCEPTED);
  sg_agent_free(&agent);
}

static void test_truncated_and_trailing_garbage(void) {
  static const char *const tails[] = {"A", ".", "=", "\n", " ", ".AAAA", "\0"};
  const sg_blob *b = vec("wifi-admin-5.jws");
  trusted_device();
  if (b == NULL) {
    return;
  }
  memcpy(before, flash.mem, sizeof before);
  for (size_t n = 0; n < b->len; n += 13) {
    SG_CHECK(sg_agent_feed(&agent, b->data, n, NULL) != SG_ACCEPTED);
  }
  SG_CHECK(sg_agent_feed(&agent, b->data, b->len - 1, NULL) != SG_ACCEPTED);
  for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
    const size_t tl = t + 1 == sizeof tails / sizeof tails[0] ? 1 : strlen(tails[t]);
    memcpy(text, b->data, b->len);
    memcpy(text + b->len, tails[t], tl);
    SG_CHECK(sg_agent_feed(&agent, text, b->len + tl, NULL) != SG_ACCEPTED);
  }
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  /* a compact JWS without its signature part, and with too many parts (five
   * parts are a JWE's shape: an encrypted profile, malformed) */
  SG_CHECK_CODE(sg_agent_feed(&agent, (const uint8_t *)"eyJh.eyJz", 9, NULL), SG_ERR_FORMAT);
  SG_CHECK_CODE(sg_agent_feed(&agent, (const uint8_t *)"a.b.c.d.e.f", 11, NULL), SG_ERR_FORMAT);
  SG_CHECK_CODE(sg_agent_feed(&agent, (const uint8_t *)"a.b.c.d.e", 9, NULL), SG_ERR_JWE_FORMAT);
  sg_agent_free(&agent);
}

static void test_storage_failure_changes_nothing(void) {
  sg_test_flash_init(&flash, 0, 0);
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  sg_flash_sim_fail(&flash.sim, SG_FLASH_SIM_FAIL_PROG | SG_FLASH_SIM_FAIL_ERASE);
  SG_CHECK_CODE(feed_blob(vec("turnon-admin.jws")), SG_ERR_STORAGE);
  SG_CHECK(state() == SG_STATE_UNTRUSTED); /* memory agrees with flash */
  sg_flash_sim_fail(&flash.sim, 0);
  SG_CHECK_CODE(feed_blob(vec("turnon-admin.jws")), SG_ACCEPTED);
  SG_CHECK(state() == SG_STATE_TRUSTED);
  sg_agent_free(&agent);
}

static void test_slot_too_small(void) {
  /* Two 512-byte halves: no room for a certificate. Refused at init, with
   * the code a TurnOn would have met, before anything is read or written. */
  sg_test_flash_init(&flash, 512, 2);
  const sg_agent_config c = config();
  memcpy(before, flash.mem, sizeof before);
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_ERR_STORAGE_FULL);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0); /* nothing erased */
  SG_CHECK_CODE(feed_blob(vec("wifi.json")), SG_ERR_ARG);  /* the agent is not usable */
  /* The sizing function is the boundary: one sector less than it asks is
   * refused, what it asks is accepted. */
  const uint32_t sector = 1024;
  const uint32_t need = (uint32_t)(sg_trustslot_footprint(sector) / sector);
  SG_CHECK(need % 2u == 0 && need * sector <= sizeof flash.mem);
  sg_test_flash_init(&flash, sector, need - 2u);
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_ERR_STORAGE_FULL);
  sg_test_flash_init(&flash, sector, need);
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  SG_CHECK_CODE(feed_blob(vec("turnon-admin.jws")), SG_ACCEPTED);
  SG_CHECK(state() == SG_STATE_TRUSTED);
  sg_agent_free(&agent);
}

static void test_corrupt_storage_locks(void) {
  trusted_device();
  sg_agent_free(&agent);
  for (size_t i = 0; i < sizeof flash.mem; i += SG_TEST_FLASH_SECTOR) {
    flash.mem[i + 40] ^= 0x10; /* the same byte of every sector: both copies hit */
  }
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_ERR_LOCKED);
  SG_CHECK(state() == SG_STATE_LOCKED);
  memcpy(before, flash.mem, sizeof before);
  SG_CHECK_CODE(feed_blob(vec("wifi.json")), SG_ERR_LOCKED);
  SG_CHECK_CODE(feed_blob(vec("wifi-admin-5.jws")), SG_ERR_LOCKED);
  SG_CHECK_CODE(feed_blob(vec("turnon-admin.jws")), SG_ERR_LOCKED);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  sg_agent_free(&agent);
}

/* Issue 9, defect 10: a LOCKED device comes back to UNTRUSTED only with
 * a RecoverTrust signed by the recovery certificate the firmware was built
 * with; without one configured, LOCKED stays LOCKED. */
static void test_recovery_from_locked(void) {
  const sg_blob *rc = vec("recovery-cert.der");
  for (int configured = 0; configured < 2; configured++) {
    trusted_device();
    sg_agent_free(&agent);
    for (size_t i = 0; i < sizeof flash.mem; i += SG_TEST_FLASH_SECTOR) {
      flash.mem[i + 40] ^= 0x10; /* both copies corrupt: LOCKED */
    }
    sg_agent_config c = config();
    if (configured) {
      c.recovery_cert = rc->data;
      c.recovery_cert_len = rc->len;
    }
    SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_ERR_LOCKED);
    memcpy(before, flash.mem, sizeof before);
    SG_CHECK_CODE(feed_blob(vec("wifi.json")), SG_ERR_LOCKED);
    SG_CHECK_CODE(feed_blob(vec("turnon-admin.jws")), SG_ERR_LOCKED);
    SG_CHECK_CODE(feed_blob(vec("recover-by-admin.jws")),
                  configured ? SG_ERR_UNKNOWN_SIGNER : SG_ERR_LOCKED);
    SG_CHECK_CODE(feed_blob(vec("recover-noexp.jws")), configured ? SG_ERR_EXP_REQUIRED : SG_ERR_LOCKED);
    SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
    SG_CHECK_CODE(feed_blob(vec("recover-by-recovery.jws")), configured ? SG_ACCEPTED : SG_ERR_LOCKED);
    SG_CHECK(state() == (configured ? SG_STATE_UNTRUSTED : SG_STATE_LOCKED));
    sg_agent_free(&agent);
    /* After a reboot: what the flash holds. */
    SG_CHECK_CODE(sg_agent_init(&agent, &c), configured ? SG_OK : SG_ERR_LOCKED);
    SG_CHECK(state() == (configured ? SG_STATE_UNTRUSTED : SG_STATE_LOCKED));
    if (configured) {
      SG_CHECK_CODE(feed_blob(vec("recover-by-recovery.jws")), SG_ERR_NOT_TRUSTED);
      SG_CHECK_CODE(feed_blob(vec("turnon-admin.jws")), SG_ACCEPTED);
      SG_CHECK_CODE(feed_blob(vec("recover-by-recovery.jws")), SG_ERR_REPLAY); /* its floor was kept */
      SG_CHECK(state() == SG_STATE_TRUSTED);
    }
    sg_agent_free(&agent);
  }
}

static void test_corrupted_agent_state_refuses(void) {
  trusted_device();
  agent.trust.state = (sg_trust_state)0; /* fault injection: a zeroed variable */
  SG_CHECK_CODE(feed_blob(vec("wifi-admin-5.jws")), SG_ERR_INTERNAL);
  sg_agent_free(&agent);
}

static void test_restart_is_reported(void) {
  const sg_blob *b = vec("mixed-sets.chunks");
  trusted_device();
  if (b == NULL) {
    return;
  }
  const unsigned char *nl = memchr(b->data, '\n', b->len);
  sg_feed_result r;
  nevents = 0;
  SG_CHECK_CODE(sg_agent_feed(&agent, b->data, (size_t)(nl - b->data), &r), SG_NEED_MORE);
  SG_CHECK(r.have == 1 && r.total == 3 && !r.restarted);
  const unsigned char *second = nl + 1;
  const unsigned char *nl2 = memchr(second, '\n', b->len - (size_t)(second - b->data));
  SG_CHECK_CODE(sg_agent_feed(&agent, second, (size_t)(nl2 - second), &r), SG_NEED_MORE);
  SG_CHECK(r.restarted && r.have == 1 && r.total == 2);
  SG_CHECK(nevents == 3);
  SG_CHECK_CODE(events[1], SG_ERR_CHUNK_RESTARTED);
  SG_CHECK_CODE(events[2], SG_NEED_MORE);
  sg_agent_free(&agent);
}

static void test_api_misuse(void) {
  sg_agent_config c = config();
  sg_status st;
  static const sg_action_handler batch[] = {{"Batch", NULL, NULL, wifi_ok, NULL}};
  sg_test_flash_init(&flash, 0, 0);
  SG_CHECK_CODE(sg_agent_init(NULL, &c), SG_ERR_ARG);
  SG_CHECK_CODE(sg_agent_init(&agent, NULL), SG_ERR_ARG);
  c.storage = NULL;
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_ERR_ARG);
  c = config();
  c.handlers = batch; /* Batch belongs to the agent */
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_ERR_ARG);
  memset(&agent, 0, sizeof agent);
  SG_CHECK_CODE(sg_agent_feed(&agent, (const uint8_t *)"{}", 2, NULL), SG_ERR_ARG);
  SG_CHECK_CODE(sg_agent_status(&agent, &st), SG_ERR_ARG);
  sg_agent_free(&agent); /* safe on a never-initialised agent */
  c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  SG_CHECK_CODE(sg_agent_feed(&agent, NULL, 5, NULL), SG_ERR_ARG);
  sg_agent_free(&agent);
  sg_agent_free(&agent); /* and twice */
}

#if !defined(SG_BARE_METAL_TEST)
/* Out of memory at every allocation in turn: never accepted half-way,
 * never a crash, and the reason says so. (Linux only: on Cortex-M the
 * static pool is the allocator and cannot be wrapped.) */
static unsigned alloc_budget, allocs;
static void *failing_calloc(size_t n, size_t size) {
  if (allocs++ >= alloc_budget) {
    return NULL;
  }
  return calloc(n, size);
}
/* One TurnOn with `budget` successful allocations before they fail. */
static int feed_with_budget(unsigned budget, unsigned *used) {
  sg_test_flash_init(&flash, 0, 0);
  const sg_agent_config c = config();
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  alloc_budget = budget;
  allocs = 0;
  mbedtls_platform_set_calloc_free(failing_calloc, free);
  const int ret = feed_blob(vec("turnon-admin.jws"));
  mbedtls_platform_set_calloc_free(calloc, free);
  *used = allocs;
  if (ret != SG_ACCEPTED) {
    SG_CHECK(state() == SG_STATE_UNTRUSTED);
  }
  sg_agent_free(&agent);
  return ret;
}

static void test_out_of_memory_everywhere(void) {
  unsigned total = 0;
  unsigned no_memory = 0;
  unsigned tried = 0;
  SG_CHECK_CODE(feed_with_budget(~0u, &total), SG_ACCEPTED);
  const unsigned stride = total / 200u + 1u;
  for (unsigned budget = 0; budget < total; budget += stride) {
    unsigned used = 0;
    const int ret = feed_with_budget(budget, &used);
    tried++;
    no_memory += ret == SG_ERR_NO_MEMORY;
    SG_CHECK_CODE(ret, SG_ERR_NO_MEMORY); /* never accepted half-way, never another reason */
  }
  sg_test_printf("    a TurnOn makes %u allocations; failing at %u points: %u x SG_ERR_NO_MEMORY\n",
                 total, tried, no_memory);
  SG_CHECK(tried > 0 && no_memory == tried);
}

/* cJSON's hooks are the agent's only during a decision: afterwards the
 * firmware's own cJSON use allocates with cJSON's defaults again. */
static void test_cjson_hooks_not_left_behind(void) {
  trusted_device();
  allocs = 0;
  alloc_budget = ~0u;
  mbedtls_platform_set_calloc_free(failing_calloc, free);
  SG_CHECK_CODE(feed_blob(vec("wifi-admin-5.jws")), SG_ACCEPTED);
  const unsigned during = allocs;
  cJSON *j = cJSON_Parse("{\"firmware\":[1,2,3]}");
  cJSON_Delete(j);
  mbedtls_platform_set_calloc_free(calloc, free);
  SG_CHECK(j != NULL);
  SG_CHECK(during > 0 && allocs == during); /* nothing more went through the agent's allocator */
  sg_agent_free(&agent);
}
#endif

int main(void) {
  sg_test_begin("agent");
  SG_RUN(test_every_changed_byte_rejected);
  SG_RUN(test_every_changed_byte_of_a_turnon_rejected);
  SG_RUN(test_truncated_and_trailing_garbage);
  SG_RUN(test_storage_failure_changes_nothing);
  SG_RUN(test_slot_too_small);
  SG_RUN(test_corrupt_storage_locks);
  SG_RUN(test_recovery_from_locked);
  SG_RUN(test_corrupted_agent_state_refuses);
  SG_RUN(test_restart_is_reported);
  SG_RUN(test_api_misuse);
#if !defined(SG_BARE_METAL_TEST)
  SG_RUN(test_out_of_memory_everywhere);
  SG_RUN(test_cjson_hooks_not_left_behind);
#endif
  return sg_test_end();
}

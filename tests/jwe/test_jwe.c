/*
 * Encrypted profiles on every target: JWEs made by the independent `jose`
 * CLI (tests/jwe/make-vectors) opened by the agent with a RAM keystore,
 * and one test per rejection reason. After every rejection the persisted
 * bytes are unchanged; after every decision the plaintext is wiped.
 */
/* check_wiped looks inside the agent (the chunk buffer the plaintext used). */
#define SG_ALLOW_PRIVATE_ACCESS
#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "chunk.h"
#include "sg_blob.h"
#include "sg_jwe_crypto.h"
#include "sg_test.h"
#include "sg_test_flash.h"
#include "stagegate/agent.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

static sg_agent agent;
static sg_test_flash flash;
static uint8_t before[sizeof flash.mem];
static uint8_t buf[4096];

static int64_t test_clock(void *ctx) {
  (void)ctx;
  return 1780000000;
}
static int wifi_runs;
static int wifi_ok(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  wifi_runs++;
  return 0;
}
static const sg_clock clk = {NULL, test_clock};
static const sg_action_handler handlers[] = {{"Wifi", NULL, NULL, wifi_ok, NULL}};
static const sg_identity id = {"TC52", "21345522501234"};

static sg_ram_key keys[2];
static sg_ram_keystore ram;
static sg_keystore port;

static const sg_blob *vec(const char *name) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  SG_CHECK(b != NULL);
  return b;
}

static void hex32(const char *name, uint8_t out[32]) {
  const sg_blob *b = vec(name);
  SG_CHECK(b->len >= 64);
  for (int i = 0; i < 32; i++) {
    unsigned v = 0;
    SG_CHECK(sscanf((const char *)b->data + 2 * i, "%2x", &v) == 1);
    out[i] = (uint8_t)v;
  }
}

/* A factory device holding the fleet keys; `require`: encryption required. */
static void device(int require, int with_keys) {
  uint8_t d[32], k[32];
  char kid[SG_KID_LEN];
  sg_test_flash_init(&flash, 0, 0);
  sg_ram_keystore_init(&ram, keys, 2, NULL, NULL);
  hex32("fleet-ec.d.hex", d);
  hex32("fleet-oct.k.hex", k);
  SG_CHECK_CODE(sg_ram_keystore_add(&ram, SG_FLEET_KEY_EC_P256, d, kid), SG_OK);
  /* our thumbprint is jose's */
  SG_CHECK(memcmp(kid, vec("fleet-ec.kid")->data, SG_KID_LEN) == 0);
  SG_CHECK_CODE(sg_ram_keystore_add(&ram, SG_FLEET_KEY_AES256, k, kid), SG_OK);
  SG_CHECK(memcmp(kid, vec("fleet-oct.kid")->data, SG_KID_LEN) == 0);
  port = sg_ram_keystore_port(&ram);
  sg_agent_config c;
  memset(&c, 0, sizeof c);
  c.storage = &flash.bd;
  c.clock = &clk;
  c.identity = &id;
  c.handlers = handlers;
  c.handler_count = 1;
  c.build_time = 1700000000;
  c.keystore = with_keys ? &port : NULL;
  c.require_encrypted = require;
  SG_CHECK_CODE(sg_agent_init(&agent, &c), SG_OK);
  memcpy(before, flash.mem, sizeof before);
  wifi_runs = 0;
}

static int feed(const uint8_t *t, size_t n, sg_feed_result *r) {
  return sg_agent_feed(&agent, t, n, r);
}

/* The scratch buffer (where plaintext lived) holds no trace of it. */
static void check_wiped(void) {
  size_t cap = 0;
  const uint8_t *s = sg_chunk_scratch(&agent.chunks, &cap);
  const sg_blob *pt = vec("wifi.json");
  int found = 0;
  for (size_t i = 0; i + 16 <= cap; i++) {
    if (memcmp(s + i, pt->data, 16) == 0) {
      found = 1;
    }
  }
  SG_CHECK(!found);
}

static void expect(const char *name, int want) {
  const sg_blob *b = vec(name);
  sg_feed_result r;
  const int got = feed(b->data, b->len, &r);
  if (got != want) {
    sg_test_printf("  %s\n", name);
  }
  SG_CHECK_CODE(got, want);
  if (want != SG_ACCEPTED) {
    SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
    SG_CHECK_CODE(wifi_runs, 0);
    /* refused before or while opening: nothing was decrypted */
    SG_CHECK(r.encrypted == (want > SG_ERR_JWE_FORMAT || want < SG_ERR_ENCRYPTION_REQUIRED));
  }
  check_wiped();
}

static void test_jose_ecdh_es_a256kw_accepted(void) {
  device(0, 1);
  sg_feed_result r;
  const sg_blob *b = vec("wifi.ecdh.jwe");
  SG_CHECK_CODE(feed(b->data, b->len, &r), SG_ACCEPTED);
  SG_CHECK(r.encrypted);
  SG_CHECK_CODE(wifi_runs, 1);
  SG_CHECK(strcmp(r.profile_name, "") != 0);
  check_wiped();
}

static void test_jose_dir_accepted(void) {
  device(1, 1);
  sg_feed_result r;
  const sg_blob *b = vec("wifi.dir.jwe");
  SG_CHECK_CODE(feed(b->data, b->len, &r), SG_ACCEPTED);
  SG_CHECK(r.encrypted);
  SG_CHECK_CODE(wifi_runs, 1);
  check_wiped();
}

static void test_plaintext_when_required(void) {
  device(1, 1);
  expect("wifi.json", SG_ERR_ENCRYPTION_REQUIRED);
  device(0, 1); /* not required: the same plaintext is fine */
  expect("wifi.json", SG_ACCEPTED);
}

static void test_unknown_keys(void) {
  device(0, 1);
  expect("wifi.stranger.jwe", SG_ERR_UNKNOWN_KEY); /* kid of a key we lack */
  const sg_blob *nokid = vec("wifi.nokid.jwe");     /* kid is required */
  SG_CHECK_CODE(feed(nokid->data, nokid->len, NULL), SG_ERR_JWE_FORMAT);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  device(0, 0);                                    /* a device with no keystore */
  expect("wifi.ecdh.jwe", SG_ERR_UNKNOWN_KEY);
}

static void test_wrong_key(void) {
  device(0, 1);
  /* encrypted to a stranger, labelled with our kid: the label buys nothing */
  expect("wifi.wrongkey.jwe", SG_ERR_DECRYPT_FAILED);
}

static void test_unsupported(void) {
  device(0, 1);
  expect("wifi.a128gcm.jwe", SG_ERR_JWE_ALG);
  expect("wifi.cbc.jwe", SG_ERR_JWE_ALG);
  expect("wifi.a128kw.jwe", SG_ERR_JWE_ALG);
  expect("wifi.rsa1_5.jwe", SG_ERR_JWE_ALG);
  expect("wifi.zip.jwe", SG_ERR_JWE_ALG);
  expect("wifi.typ.jwe", SG_ERR_JWE_ALG);
}

static void test_not_a_profile(void) {
  device(0, 1);
  expect("hello.ecdh.jwe", SG_ERR_FORMAT); /* opened, then not a profile */
  expect("nested.jwe", SG_ERR_JWE_FORMAT);
}

/* Change one character of part `part` (0 header .. 4 tag) of the ECDH JWE. */
static size_t tampered(int part, size_t at) {
  const sg_blob *b = vec("wifi.ecdh.jwe");
  memcpy(buf, b->data, b->len);
  size_t i = 0;
  for (int dots = 0; i < b->len && dots < part; i++) {
    dots += buf[i] == '.';
  }
  buf[i + at] = buf[i + at] == 'A' ? 'B' : 'A';
  return b->len;
}

static void expect_buf(size_t n, int want) {
  sg_feed_result r;
  SG_CHECK_CODE(feed(buf, n, &r), want);
  SG_CHECK(memcmp(before, flash.mem, sizeof before) == 0);
  SG_CHECK_CODE(wifi_runs, 0);
  check_wiped();
}

static void test_tampered(void) {
  device(0, 1);
  expect_buf(tampered(1, 5), SG_ERR_DECRYPT_FAILED); /* encrypted key */
  expect_buf(tampered(2, 3), SG_ERR_DECRYPT_FAILED); /* iv */
  expect_buf(tampered(3, 7), SG_ERR_DECRYPT_FAILED); /* ciphertext */
  expect_buf(tampered(4, 2), SG_ERR_DECRYPT_FAILED); /* tag */
  /* the protected header is the AAD: re-encode it with one more space */
  const sg_blob *b = vec("wifi.ecdh.jwe");
  const char *dot = memchr(b->data, '.', b->len);
  SG_CHECK(dot != NULL);
  const size_t hlen = (size_t)(dot - (const char *)b->data);
  uint8_t hjson[512];
  size_t hj = 0;
  /* decode, add a space after '{', encode again */
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < hlen; i++) {
    acc = acc << 6 | (uint32_t)(strchr(abc, b->data[i]) - abc);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      hjson[hj++] = (uint8_t)(acc >> bits);
    }
  }
  memmove(hjson + 2, hjson + 1, hj - 1);
  hjson[1] = ' ';
  hj++;
  char enc[700];
  const size_t elen = sg_b64url_encode(hjson, hj, enc);
  memcpy(buf, enc, elen);
  memcpy(buf + elen, dot, b->len - hlen);
  expect_buf(elen + b->len - hlen, SG_ERR_DECRYPT_FAILED);
}

static void test_truncated(void) {
  device(0, 1);
  const sg_blob *b = vec("wifi.ecdh.jwe");
  memcpy(buf, b->data, b->len);
  expect_buf(b->len - 3, SG_ERR_JWE_FORMAT); /* tag too short */
  const char *last = strrchr((const char *)b->data, '.');
  SG_CHECK(last != NULL);
  expect_buf((size_t)(last - (const char *)b->data) + 1, SG_ERR_JWE_FORMAT); /* no tag */
  memcpy(buf, "e30....", 7);
  expect_buf(7, SG_ERR_JWE_FORMAT); /* five parts, all but the header empty */
  memcpy(buf, "....", 4);
  expect_buf(4, SG_ERR_JWE_FORMAT); /* five empty parts */
}

static void test_ecdh_refuses_points_off_the_curve(void) {
  uint8_t d[32], z[32], pub[64];
  hex32("fleet-ec.d.hex", d);
  SG_CHECK_CODE(sg_p256_public(d, pub), SG_OK);
  SG_CHECK_CODE(sg_p256_ecdh(d, pub, NULL, NULL, z), SG_OK);
  pub[63] ^= 1; /* y changed: no longer on P-256 */
  SG_CHECK_CODE(sg_p256_ecdh(d, pub, NULL, NULL, z), SG_ERR_DECRYPT_FAILED);
  memset(pub, 0, sizeof pub); /* the point at infinity's encoding is refused too */
  SG_CHECK_CODE(sg_p256_ecdh(d, pub, NULL, NULL, z), SG_ERR_DECRYPT_FAILED);
}

static void test_keystore_refuses_bad_keys(void) {
  uint8_t zero[32];
  memset(zero, 0, sizeof zero);
  sg_ram_keystore_init(&ram, keys, 1, NULL, NULL);
  SG_CHECK_CODE(sg_ram_keystore_add(&ram, SG_FLEET_KEY_EC_P256, zero, NULL), SG_ERR_ARG);
  SG_CHECK_CODE(sg_ram_keystore_add(&ram, (sg_fleet_key_type)7, zero, NULL), SG_ERR_ARG);
  SG_CHECK_CODE(sg_ram_keystore_add(&ram, SG_FLEET_KEY_AES256, zero, NULL), SG_OK);
  SG_CHECK_CODE(sg_ram_keystore_add(&ram, SG_FLEET_KEY_AES256, zero, NULL), SG_ERR_TOO_LARGE);
  sg_ram_keystore_wipe(&ram);
  SG_CHECK(ram.count == 0);
}

int main(void) {
  sg_test_begin("jwe");
  SG_RUN(test_jose_ecdh_es_a256kw_accepted);
  SG_RUN(test_jose_dir_accepted);
  SG_RUN(test_plaintext_when_required);
  SG_RUN(test_unknown_keys);
  SG_RUN(test_wrong_key);
  SG_RUN(test_unsupported);
  SG_RUN(test_not_a_profile);
  SG_RUN(test_tampered);
  SG_RUN(test_truncated);
  SG_RUN(test_ecdh_refuses_points_off_the_curve);
  SG_RUN(test_keystore_refuses_bad_keys);
  return sg_test_end();
}

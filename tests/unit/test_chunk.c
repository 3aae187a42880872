/* Chunk reassembly: order, repeats, restarts, hash, bounds, bad headers. */
#include <stdio.h>
#include <string.h>

#include "chunk.h"
#include "sg_crypto.h"
#include "sg_test.h"
#include "stagegate/errors.h"

static sg_chunk_asm asm_;
static const char text[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdGFnZWdhdGUiOjF9.c2lnbmF0dXJl:with:colons";

/* Chunk i of n of `t` into buf (the same split as stagegate-sign). */
static size_t make_chunk(char *buf, size_t cap, const char *t, unsigned i, unsigned n) {
  uint8_t h[32];
  const size_t len = strlen(t);
  const size_t size = (len + n - 1) / n;
  const size_t start = (i - 1) * size;
  const size_t part = start >= len ? 0 : (len - start < size ? len - start : size);
  sg_sha256((const uint8_t *)t, len, h);
  const int w = snprintf(buf, cap, "SG1:%u/%u:%02x%02x%02x%02x%02x%02x:%.*s", i, n, h[0], h[1], h[2],
                         h[3], h[4], h[5], (int)part, t + start);
  return w > 0 ? (size_t)w : 0;
}

static int feed(const char *s, sg_chunk_progress *p) {
  return sg_chunk_feed(&asm_, (const uint8_t *)s, strlen(s), p);
}

static void check_text(void) {
  size_t n = 0;
  const uint8_t *t = sg_chunk_text(&asm_, &n);
  SG_CHECK(n == strlen(text) && memcmp(t, text, n) == 0);
}

static void test_any_order_and_repeats(void) {
  static const unsigned orders[][4] = {{1, 2, 3, 4}, {4, 3, 2, 1}, {2, 4, 1, 3}, {3, 1, 4, 2}};
  char c[256];
  sg_chunk_progress p;
  for (size_t o = 0; o < 4; o++) {
    sg_chunk_init(&asm_);
    for (size_t k = 0; k < 4; k++) {
      make_chunk(c, sizeof c, text, orders[o][k], 4);
      const int ret = feed(c, &p);
      SG_CHECK_CODE(ret, k < 3 ? SG_NEED_MORE : SG_ACCEPTED);
      SG_CHECK(p.have == k + 1 && p.total == 4);
      if (k == 0) { /* a repeat is ignored, not counted */
        SG_CHECK_CODE(feed(c, &p), SG_NEED_MORE);
        SG_CHECK(p.duplicate && p.have == 1);
      }
    }
    check_text();
  }
}

static void test_single_chunk_and_bare(void) {
  char c[256];
  sg_chunk_progress p;
  sg_chunk_init(&asm_);
  make_chunk(c, sizeof c, text, 1, 1);
  SG_CHECK_CODE(feed(c, &p), SG_ACCEPTED);
  check_text();
  SG_CHECK_CODE(feed(text, &p), SG_ACCEPTED); /* bare: no header */
  check_text();
}

static void test_other_set_restarts(void) {
  static const char other[] = "{\"stagegate\":1,\"name\":\"another profile\",\"actions\":[]}";
  char c[256];
  sg_chunk_progress p;
  sg_chunk_init(&asm_);
  make_chunk(c, sizeof c, other, 1, 2);
  SG_CHECK_CODE(feed(c, &p), SG_NEED_MORE);
  make_chunk(c, sizeof c, text, 2, 3);
  SG_CHECK_CODE(feed(c, &p), SG_NEED_MORE);
  SG_CHECK(p.restarted && p.have == 1 && p.total == 3);
  make_chunk(c, sizeof c, text, 1, 3);
  SG_CHECK_CODE(feed(c, &p), SG_NEED_MORE);
  SG_CHECK(!p.restarted);
  make_chunk(c, sizeof c, text, 3, 3);
  SG_CHECK_CODE(feed(c, &p), SG_ACCEPTED);
  check_text();
}

static void test_hash_mismatch(void) {
  char c[256];
  sg_chunk_progress p;
  sg_chunk_init(&asm_);
  make_chunk(c, sizeof c, text, 1, 2);
  SG_CHECK_CODE(feed(c, &p), SG_NEED_MORE);
  make_chunk(c, sizeof c, text, 2, 2);
  c[strlen(c) - 1] ^= 0x01; /* one changed byte in the data */
  SG_CHECK_CODE(feed(c, &p), SG_ERR_CHUNK_HASH);
  make_chunk(c, sizeof c, text, 1, 2); /* and the assembler starts afresh */
  SG_CHECK_CODE(feed(c, &p), SG_NEED_MORE);
  SG_CHECK(p.have == 1);
}

static void test_bad_headers(void) {
  static const char *const bad[] = {
      "SG1:", "SG1:1/2", "SG1:1/2:", "SG1:1/2:0123456789ab", "SG1:1/2:0123456789ab:",
      "SG1:0/2:0123456789ab:x", "SG1:3/2:0123456789ab:x", "SG1:01/2:0123456789ab:x",
      "SG1:1/02:0123456789ab:x", "SG1:1/2:0123456789AB:x", "SG1:1/2:0123456789a:x",
      "SG1:1/2:0123456789abc:x", "SG1:-1/2:0123456789ab:x", "SG1:1/100:0123456789ab:x",
      "SG1:1:2:0123456789ab:x", "SG1:1/2;0123456789ab:x",
  };
  sg_chunk_progress p;
  char c[256];
  sg_chunk_init(&asm_);
  make_chunk(c, sizeof c, text, 1, 2);
  SG_CHECK_CODE(feed(c, &p), SG_NEED_MORE);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    SG_CHECK_CODE(feed(bad[i], &p), SG_ERR_CHUNK_FORMAT);
  }
  SG_CHECK_CODE(sg_chunk_feed(&asm_, (const uint8_t *)"", 0, &p), SG_ERR_CHUNK_FORMAT);
  /* the open set survived all of that */
  make_chunk(c, sizeof c, text, 2, 2);
  SG_CHECK_CODE(feed(c, &p), SG_ACCEPTED);
  check_text();
}

static void test_bounds(void) {
  static uint8_t big[SG_MAX_PROFILE + 64];
  sg_chunk_progress p;
  sg_chunk_init(&asm_);
  SG_CHECK_CODE(feed("SG1:1/17:0123456789ab:x", &p), SG_ERR_TOO_LARGE); /* > SG_MAX_CHUNKS */
  memset(big, 'A', sizeof big);
  SG_CHECK_CODE(sg_chunk_feed(&asm_, big, SG_MAX_PROFILE + 1, &p), SG_ERR_TOO_LARGE);
  SG_CHECK_CODE(sg_chunk_feed(&asm_, big, SG_MAX_PROFILE, &p), SG_ACCEPTED);
  /* chunks whose data adds up past SG_MAX_PROFILE */
  memcpy(big, "SG1:1/2:0123456789ab:", 21);
  SG_CHECK_CODE(sg_chunk_feed(&asm_, big, 21 + SG_MAX_PROFILE / 2 + 8, &p), SG_NEED_MORE);
  big[4] = '2';
  SG_CHECK_CODE(sg_chunk_feed(&asm_, big, 21 + SG_MAX_PROFILE / 2 + 8, &p), SG_ERR_TOO_LARGE);
  SG_CHECK_CODE(sg_chunk_feed(NULL, big, 1, &p), SG_ERR_ARG);
}

int main(void) {
  sg_test_begin("chunk");
  SG_RUN(test_any_order_and_repeats);
  SG_RUN(test_single_chunk_and_bare);
  SG_RUN(test_other_set_restarts);
  SG_RUN(test_hash_mismatch);
  SG_RUN(test_bad_headers);
  SG_RUN(test_bounds);
  return sg_test_end();
}

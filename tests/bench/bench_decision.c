/*
 * How much does stagegate add on top of the signature check itself?
 *
 * For a ~2 KB profile signed with ES256 and one signed with RS256 (RSA-2048)
 * on a trusted device, it times:
 *   - the full path: sg_agent_feed -> decision (as one symbol, and as three
 *     SG1 chunks), i.e. chunks, base64, JSON, X.509, policy, handlers,
 *     storage in RAM;
 *   - a bare mbedtls_pk_verify of the same signature (hash precomputed,
 *     key parsed once) — the floor no verifier can go under;
 * and prints the ratio, the time per step and the peak heap of a decision.
 * Then the refused stranger (issue 9, defect 6): a profile whose x5c leaf
 * is an RSA-4096 key with a 4000-bit public exponent, fed to a device
 * pinned to another key and to a factory device, against what one bare
 * verify with that key costs (what checking it first used to cost).
 * A benchmark that prints figures, not a timed test: it only fails if a
 * decision is wrong.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cJSON.h"
#include "mbedtls/platform.h"
#include "mbedtls/sha256.h"
#include "mbedtls/x509_crt.h"
#include "sg_blob.h"
#include "sg_crypto.h"
#include "sg_test_flash.h"
#include "stagegate/agent.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

static sg_agent agent;
static sg_test_flash flash;

static int64_t bench_clock(void *ctx) {
  (void)ctx;
  return 1780000000;
}
static int wifi(void *ctx, const cJSON *a) {
  (void)ctx;
  (void)a;
  return 0;
}

/* Peak heap: a size-prefixed wrapper around calloc. */
static size_t heap_now, heap_peak;
static void *count_calloc(size_t n, size_t size) {
  if (size != 0 && n > ((size_t)-1 - 16) / size) {
    return NULL;
  }
  unsigned char *p = calloc(1, n * size + 16);
  if (p == NULL) {
    return NULL;
  }
  memcpy(p, &(size_t){n * size}, sizeof(size_t));
  heap_now += n * size;
  if (heap_now > heap_peak) {
    heap_peak = heap_now;
  }
  return p + 16;
}
static void count_free(void *q) {
  if (q != NULL) {
    unsigned char *p = (unsigned char *)q - 16;
    size_t s;
    memcpy(&s, p, sizeof s);
    heap_now -= s;
    free(p);
  }
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static const sg_blob *vec(const char *name) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  if (b == NULL) {
    fprintf(stderr, "bench: missing vector %s\n", name);
    exit(2);
  }
  return b;
}

static size_t b64u_decode(const char *in, size_t n, unsigned char *out) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned acc = 0, bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 6) | (unsigned)(strchr(a, in[i]) - a);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
    }
  }
  return o;
}

/* The bare verify: same key, same signature, hash of the same input. */
static double bare_verify_us(const char *cert, const sg_blob *jws, int is_ec, unsigned iters) {
  mbedtls_x509_crt crt;
  unsigned char sig[512], der[128], hash[32];
  mbedtls_x509_crt_init(&crt);
  if (mbedtls_x509_crt_parse_der(&crt, vec(cert)->data, vec(cert)->len) != 0) {
    exit(2);
  }
  const char *t = (const char *)jws->data;
  const char *last = strrchr(t, '.');
  const size_t sig_len = b64u_decode(last + 1, jws->len - (size_t)(last + 1 - t), sig);
  (void)mbedtls_sha256(jws->data, (size_t)(last - t), hash, 0);
  const unsigned char *s = sig;
  size_t s_len = sig_len;
  if (is_ec) { /* JWS R||S -> DER, once, outside the loop */
    size_t n = 0;
    der[n++] = 0x30;
    der[n++] = 0;
    for (int k = 0; k < 2; k++) {
      const unsigned char *v = sig + 32 * k;
      size_t len = 32;
      while (len > 1 && *v == 0) {
        v++;
        len--;
      }
      const size_t pad = (*v & 0x80) ? 1 : 0;
      der[n++] = 0x02;
      der[n++] = (unsigned char)(len + pad);
      if (pad) {
        der[n++] = 0;
      }
      memcpy(der + n, v, len);
      n += len;
    }
    der[1] = (unsigned char)(n - 2);
    s = der;
    s_len = n;
  }
  double t0 = now_us();
  for (unsigned i = 0; i < iters; i++) {
    if (mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, hash, 32, s, s_len) != 0) {
      fprintf(stderr, "bench: bare verify failed\n");
      exit(1);
    }
  }
  const double us = (now_us() - t0) / iters;
  mbedtls_x509_crt_free(&crt);
  return us;
}

/* Split `text` into three SG1 chunk texts in `out`. */
static void make_chunks(const sg_blob *b, char out[3][2048], size_t lens[3]) {
  unsigned char h[32];
  (void)mbedtls_sha256(b->data, b->len, h, 0);
  const size_t size = (b->len + 2) / 3;
  for (size_t i = 0; i < 3; i++) {
    const size_t start = i * size;
    const size_t part = start + size > b->len ? b->len - start : size;
    const int w = snprintf(out[i], 2048, "SG1:%u/3:%02x%02x%02x%02x%02x%02x:%.*s", (unsigned)i + 1,
                           h[0], h[1], h[2], h[3], h[4], h[5], (int)part, (const char *)b->data + start);
    lens[i] = (size_t)w;
  }
}

static int enrol_factory(void);

/* A fresh device trusting the signer of the TurnOn vector `turnon`. */
static int enrol(const char *turnon) {
  static const sg_action_handler handlers[] = {{"Wifi", NULL, NULL, wifi, NULL}};
  static const sg_clock clk = {NULL, bench_clock};
  sg_agent_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.storage = &flash.bd;
  cfg.clock = &clk;
  cfg.handlers = handlers;
  cfg.handler_count = 1;
  cfg.build_time = 1700000000;
  sg_test_flash_init(&flash, 0, 0);
  return sg_agent_init(&agent, &cfg) == SG_OK &&
         (turnon == NULL || sg_agent_feed(&agent, vec(turnon)->data, vec(turnon)->len, NULL) == SG_ACCEPTED);
}

static int enrol_factory(void) { return enrol(NULL); }

static void bench(const char *label, const char *turnon, const char *cert, const char *profile,
                  int is_ec, unsigned iters) {
  static char chunks[3][2048];
  size_t chunk_len[3];
  const sg_blob *p = vec(profile);
  if (!enrol(turnon)) {
    fprintf(stderr, "bench: could not enrol %s\n", turnon);
    exit(1);
  }
  /* First feed raises the floors (one slot write); time it on its own. The
   * peak heap of a decision includes what the agent keeps between them. */
  heap_peak = heap_now;
  double t0 = now_us();
  int ret = sg_agent_feed(&agent, p->data, p->len, NULL);
  const double first_us = now_us() - t0;
  const size_t peak = heap_peak;
  if (ret != SG_ACCEPTED) {
    fprintf(stderr, "bench: %s rejected: %s\n", profile, sg_strerror_name(ret));
    exit(1);
  }
  t0 = now_us();
  for (unsigned i = 0; i < iters; i++) {
    if (sg_agent_feed(&agent, p->data, p->len, NULL) != SG_ACCEPTED) {
      exit(1);
    }
  }
  const double full_us = (now_us() - t0) / iters;
  make_chunks(p, chunks, chunk_len);
  t0 = now_us();
  for (unsigned i = 0; i < iters; i++) {
    for (int k = 0; k < 3; k++) {
      ret = sg_agent_feed(&agent, (const uint8_t *)chunks[k], chunk_len[k], NULL);
    }
    if (ret != SG_ACCEPTED) {
      exit(1);
    }
  }
  const double chunked_us = (now_us() - t0) / iters;
  const double bare_us = bare_verify_us(cert, p, is_ec, iters);
  printf("%-12s profile %4u B | bare mbedtls_pk_verify %7.1f us | full decision %7.1f us "
         "(ratio %.3f, overhead %5.1f us) | as 3 chunks %7.1f us (ratio %.3f) | "
         "first decision incl. slot write %7.1f us | peak heap %u B\n",
         label, (unsigned)p->len, bare_us, full_us, full_us / bare_us, full_us - bare_us, chunked_us,
         chunked_us / bare_us, first_us, (unsigned)peak);
  sg_agent_free(&agent);
}

/* A stranger's profile refused with `want`, iters times: microseconds each. */
static double refuse_us(const char *turnon, const char *profile, int want, unsigned iters) {
  const sg_blob *p = vec(profile);
  if (turnon != NULL ? !enrol(turnon) : !enrol_factory()) {
    exit(1);
  }
  const double t0 = now_us();
  for (unsigned i = 0; i < iters; i++) {
    const int ret = sg_agent_feed(&agent, p->data, p->len, NULL);
    if (ret != want) {
      fprintf(stderr, "bench: %s gave %s, want %s\n", profile, sg_strerror_name(ret),
              sg_strerror_name(want));
      exit(1);
    }
  }
  const double us = (now_us() - t0) / iters;
  sg_agent_free(&agent);
  return us;
}

static void bench_stranger(unsigned iters) {
  const double pinned = refuse_us("turnon-admin.jws", "wifi-hugee.jws", SG_ERR_UNKNOWN_SIGNER, iters);
  const double factory = refuse_us(NULL, "wifi-hugee.jws", SG_ERR_KEY_PARAMS, iters);
  const double bare = bare_verify_us("hugee.crt.der", vec("wifi-hugee.jws"), 0, iters / 10u + 1u);
  const double es = bare_verify_us("admin.crt.der", vec("bench-es256.jws"), 1, iters);
  printf("stranger     RSA-4096, 4000-bit e | refused on a pinned device %7.1f us, on a factory "
         "device %7.1f us | one bare verify with that key %9.1f us (%.1f x an ES256 verify)\n",
         pinned, factory, bare, bare / es);
}

/* `bench_decision N only PATH`: run one path N times and nothing else, so
 * instruction counts (valgrind --tool=callgrind) of two N can be diffed:
 * PATH is es-full, es-bare, rs-full or rs-bare; st-full (the stranger
 * refused on a pinned device) or st-bare (one verify with its key). */
static int only(const char *path, unsigned n) {
  if (strcmp(path, "st-full") == 0) {
    (void)refuse_us("turnon-admin.jws", "wifi-hugee.jws", SG_ERR_UNKNOWN_SIGNER, n);
    return 0;
  }
  if (strcmp(path, "st-bare") == 0) {
    (void)bare_verify_us("hugee.crt.der", vec("wifi-hugee.jws"), 0, n);
    return 0;
  }
  const int es = path[0] == 'e';
  const char *turnon = es ? "turnon-admin.jws" : "turnon-rsa-rs256.jws";
  const sg_blob *p = vec(es ? "bench-es256.jws" : "bench-rs256.jws");
  if (strcmp(path + 2, "-bare") == 0) {
    (void)bare_verify_us(es ? "admin.crt.der" : "rsa.crt.der", p, es, n);
    return 0;
  }
  if (!enrol(turnon) || sg_agent_feed(&agent, p->data, p->len, NULL) != SG_ACCEPTED) {
    return 1;
  }
  for (unsigned i = 0; i < n; i++) {
    if (sg_agent_feed(&agent, p->data, p->len, NULL) != SG_ACCEPTED) {
      return 1;
    }
  }
  sg_agent_free(&agent);
  return 0;
}

int main(int argc, char **argv) {
  const unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 1000u;
  /* One allocator for the whole run: the agent keeps its parsed anchor. */
  mbedtls_platform_set_calloc_free(count_calloc, count_free);
  if (argc > 3 && strcmp(argv[2], "only") == 0) {
    return only(argv[3], iters);
  }
  printf("bench_decision: %u iterations each, sizeof(sg_agent) = %u B\n", iters,
         (unsigned)sizeof(sg_agent));
  bench("ES256", "turnon-admin.jws", "admin.crt.der", "bench-es256.jws", 1, iters);
  bench("RS256-2048", "turnon-rsa-rs256.jws", "rsa.crt.der", "bench-rs256.jws", 0, iters * 4);
  bench_stranger(iters);
  return 0;
}

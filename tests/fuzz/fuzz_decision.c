/*
 * libFuzzer: the whole decision, past the signature. Today's other fuzzers
 * stop at the parsers because an unsigned mutation never passes a
 * signature; this harness signs each mutated profile in-process with test
 * keys (test-vectors/profiles/pki, test only) and feeds it to a real agent
 * on the flash emulator (platform/sim), in one of several trust states.
 *
 * Input: 3 choice bytes, then the profile JSON.
 *   byte 0  trust state: factory, untrusted after a TurnOff (the RSA key's floor 10),
 *           trusted RSA pinned, the same with a pending rotation to
 *           RSA-3072, trusted CA (test root), LOCKED (corrupt slot)
 *   byte 1  signing: unsigned, RSA (x5t), RSA (x5c), RSA-3072, RSA +
 *           RSA-3072 and the reverse (General JSON), the CA's ES256 leaf
 *           with its chain in x5c, the admin ES256 key or (bit 3) the
 *           recovery key, which the agent is configured with
 *   byte 2  the clock (around the pending activation, the floors, cert expiry, unset)
 * "@rsa", "@rsa3072", "@root", "@admin" as a JSON string become that
 * certificate's base64 DER (so mutations keep real certificates).
 *
 * Invariants (a violation traps): no crash (ASan/UBSan); a refusal leaves
 * the flash bytes unchanged; the time floor never goes down, nor the seq
 * floor of any key (the anchor's, or a former anchor's in the slot's
 * table); the anchor changes only through TurnOn (from UNTRUSTED), TurnOff,
 * a Rotate or RecoverTrust; a reboot reads what the live agent holds.
 *
 * Cost: signing is the expensive part (an RSA-2048 private op), so only
 * inputs that are valid JSON get signatures, and those are signed for real
 * only when the pure decision, run first with placeholder signatures,
 * reaches signature math (every earlier refusal is independent of the
 * signature bytes); anything else is fed as it is (the unsigned path).
 * Anchors are RSA, whose verify is ~17x cheaper than ES256's here.
 *
 * fuzz_decision_fast is this harness built with SG_FUZZ_FAST_SIGNATURES:
 * the JWS signatures are keyed hashes (fast_signatures.c: a signature by
 * key A over H verifies only under A and only for H; certificates in
 * chains are still verified for real), so every input is signed and it
 * runs the millions of inputs issue 9 asks for.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "mbedtls/base64.h"
#include "mbedtls/pk.h"
#include "mbedtls/rsa.h"
#include "mbedtls/x509_crt.h"
#include "sg_blob.h"
#include "sg_crypto.h"
#include "sg_ecdsa_der.h"
#include "sg_slot_fixture.h"
#include "sg_test_flash.h"
#include "stagegate/agent.h"
#include "json.h"
#include "policy.h"
#include "sg_certinfo.h"
#include "trustslot.h"
#ifdef SG_FUZZ_FAST_SIGNATURES
#include "fast_signatures.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const sg_blob sg_fuzz_files[];
extern const unsigned sg_fuzz_files_count;

#define SG_STATES 6
#define SG_TRAP(cond)      \
  do {                     \
    if (!(cond)) {         \
      __builtin_trap();    \
    }                      \
  } while (0)

typedef struct {
  const char *name; /* placeholder and file stem */
  const sg_blob *der;
  mbedtls_pk_context key;
  int have_key;
  int is_ec;
  char x5t[64];     /* base64url SHA-256 of the DER */
  char b64[4096];   /* standard base64 of the DER */
} sg_fz_cert;

enum { FZ_RSA, FZ_RSA3072, FZ_ROOT, FZ_INTER, FZ_SIGNER, FZ_ADMIN, FZ_RECOVERY, FZ_NCERTS };
static sg_fz_cert certs[FZ_NCERTS] = {
    {"rsa", NULL, {0}, 0, 0, "", ""},    {"rsa3072", NULL, {0}, 0, 0, "", ""},
    {"root", NULL, {0}, 0, 0, "", ""},   {"inter", NULL, {0}, 0, 0, "", ""},
    {"signer", NULL, {0}, 0, 0, "", ""}, {"admin", NULL, {0}, 0, 0, "", ""},
    {"recovery", NULL, {0}, 0, 0, "", ""},
};

static sg_test_flash flash;
static uint8_t images[SG_STATES][sizeof flash.mem];
static uint8_t before[sizeof flash.mem];
static sg_agent agent, rebooted;
static sg_trust_record rec;
static char text[4 * SG_MAX_PROFILE];
static char out[6 * SG_MAX_PROFILE];
static char last_detail[48];

static const int64_t clocks[8] = {1780000000, 1780000099, 1780000100, 1777000000,
                                  1790000000, 2100000000, -1,         1700000000};
static int64_t clock_now;
static int64_t fz_clock(void *ctx) {
  (void)ctx;
  return clock_now;
}
static uint32_t rng_state = 0x9E3779B9u;
static int fz_rng(void *ctx, unsigned char *buf, size_t len) { /* test-only: xorshift */
  (void)ctx;
  for (size_t i = 0; i < len; i++) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    buf[i] = (unsigned char)rng_state;
  }
  return 0;
}
static int fz_apply(void *ctx, const cJSON *a) {
  (void)ctx;
  (void)a;
  return 0;
}
static int fz_fail(void *ctx, const cJSON *a) {
  (void)ctx;
  (void)a;
  return -1;
}
static int fz_picky(void *ctx, const cJSON *a) {
  (void)ctx;
  return cJSON_GetObjectItemCaseSensitive(a, "bad") != NULL ? -1 : 0;
}
static void fz_event(void *ctx, const sg_event *ev) {
  (void)ctx;
  snprintf(last_detail, sizeof last_detail, "%s", ev->detail);
}
static const sg_action_handler handlers[] = {{"Wifi", NULL, NULL, fz_apply, fz_apply},
                                             {"Picky", NULL, fz_picky, fz_apply, fz_apply},
                                             {"Fail", NULL, NULL, fz_fail, NULL}};
static const sg_clock clk = {NULL, fz_clock};
static const sg_identity ident = {"TC52", "21345522501234"};
static const sg_event_sink sink = {NULL, fz_event};

static sg_agent_config config(void) {
  sg_agent_config c;
  memset(&c, 0, sizeof c);
  c.storage = &flash.bd;
  c.clock = &clk;
  c.identity = &ident;
  c.events = &sink;
  c.handlers = handlers;
  c.handler_count = 3;
  c.build_time = 1700000000;
  c.recovery_cert = certs[FZ_RECOVERY].der->data; /* RecoverTrust reachable (defect 10) */
  c.recovery_cert_len = certs[FZ_RECOVERY].der->len;
  return c;
}

static const sg_blob *file(const char *stem, const char *ext) {
  char name[64];
  snprintf(name, sizeof name, "%s%s", stem, ext);
  const sg_blob *b = sg_blob_find(sg_fuzz_files, sg_fuzz_files_count, name);
  SG_TRAP(b != NULL);
  return b;
}

static size_t b64url(const uint8_t *in, size_t n, char *dst, size_t cap) {
  size_t len = 0;
  SG_TRAP(mbedtls_base64_encode((unsigned char *)dst, cap, &len, in, n) == 0);
  while (len > 0 && dst[len - 1] == '=') {
    len--;
  }
  for (size_t i = 0; i < len; i++) {
    dst[i] = dst[i] == '+' ? '-' : dst[i] == '/' ? '_' : dst[i];
  }
  dst[len] = '\0';
  return len;
}

static void store_image(int state, const sg_trust_record *r) {
  sg_test_flash_init(&flash, 0, 0);
  if (r != NULL) {
    sg_trust_record copy = *r;
    SG_TRAP(sg_trustslot_store(&flash.bd, &copy) == SG_OK);
  }
  memcpy(images[state], flash.mem, sizeof flash.mem);
}

#ifdef SG_FUZZ_FAST_SIGNATURES
static void fast_signatures_selfcheck(void);
#endif

static void setup(void) {
  for (int i = 0; i < FZ_NCERTS; i++) {
    sg_fz_cert *c = &certs[i];
    uint8_t h[32];
    size_t len = 0;
    c->der = file(c->name, ".crt.der");
    sg_sha256(c->der->data, c->der->len, h);
    b64url(h, sizeof h, c->x5t, sizeof c->x5t);
    SG_TRAP(mbedtls_base64_encode((unsigned char *)c->b64, sizeof c->b64, &len, c->der->data,
                                  c->der->len) == 0);
    c->b64[len] = '\0';
    if (i != FZ_ROOT && i != FZ_INTER) {
      const sg_blob *k = file(c->name, ".key.pem");
      mbedtls_pk_init(&c->key);
      SG_TRAP(mbedtls_pk_parse_key(&c->key, k->data, k->len + 1, NULL, 0, fz_rng, NULL) == 0);
      c->have_key = 1;
      c->is_ec = mbedtls_pk_get_type(&c->key) == MBEDTLS_PK_ECKEY;
    }
  }
  const sg_fz_cert *rsa = &certs[FZ_RSA];
  store_image(0, NULL); /* factory */
  sg_trust_record_factory(&rec);
  rec.state = SG_STATE_UNTRUSTED;
  rec.time_floor = 1777000000;
  sg_cert_facts facts;
  SG_TRAP(sg_cert_facts_get(rsa->der->data, rsa->der->len, &facts) == SG_OK);
  memcpy(rec.former[0].key_id, facts.key_id, 32); /* after a TurnOff: the key's floor kept */
  rec.former[0].seq_floor = 10;
  rec.former_count = 1;
  store_image(1, &rec);
  sg_fx_trusted(&rec, rsa->der->data, (uint32_t)rsa->der->len, SG_ANCHOR_PINNED);
  rec.seq_floor = 5;
  rec.time_floor = 1777000000;
  store_image(2, &rec);
  sg_fx_pending(&rec, certs[FZ_RSA3072].der->data, (uint32_t)certs[FZ_RSA3072].der->len,
                SG_ANCHOR_PINNED, 1780000100);
  rec.seq_floor = 20;
  store_image(3, &rec);
  sg_fx_trusted(&rec, certs[FZ_ROOT].der->data, (uint32_t)certs[FZ_ROOT].der->len, SG_ANCHOR_CA);
  rec.seq_floor = 1;
  rec.time_floor = 1777000000;
  store_image(4, &rec);
  memcpy(flash.mem, images[2], sizeof flash.mem);
  for (size_t i = 0; i < sizeof flash.mem; i += SG_TEST_FLASH_SECTOR) {
    flash.mem[i + 40] ^= 0x10; /* both copies corrupt: LOCKED */
  }
  memcpy(images[5], flash.mem, sizeof flash.mem);
#ifdef SG_FUZZ_FAST_SIGNATURES
  fast_signatures_selfcheck();
#endif
}

#ifdef SG_FUZZ_FAST_SIGNATURES
/* Does a fuzz signature by `signer` over `signed_hash` (one byte changed
 * when `flip`) verify under `verifier`'s certificate for `hash`? Through
 * the same wrapped mbedTLS calls crypto/verify.c makes. */
static int fast_verifies(sg_fz_cert *signer, const sg_fz_cert *verifier, const uint8_t signed_hash[32],
                         const uint8_t hash[32], int flip) {
  uint8_t sig[600], der[SG_ECDSA_DER_MAX];
  size_t len = 0, der_len = 0;
  int rc = -1;
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  SG_TRAP(mbedtls_x509_crt_parse_der(&crt, verifier->der->data, verifier->der->len) == 0);
  memset(sig, 0, sizeof sig);
  SG_TRAP(sg_fz_fast_sign(&signer->key, signed_hash, sig, sizeof sig, &len) == 0);
  sig[20] ^= (uint8_t)(flip != 0);
  if (mbedtls_pk_get_type(&crt.pk) == MBEDTLS_PK_RSA) {
    rc = mbedtls_rsa_rsassa_pkcs1_v15_verify(mbedtls_pk_rsa(crt.pk), MBEDTLS_MD_SHA256, 32, hash, sig);
  } else if (sg_ecdsa_raw_to_der(sig, 32, der, sizeof der, &der_len) == 0) {
    rc = mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, hash, 32, der, der_len);
  }
  mbedtls_x509_crt_free(&crt);
  return rc == 0;
}

/* The fuzz signatures must keep what the decision relies on, or a
 * campaign proves nothing: checked once, before the first input. */
static void fast_signatures_selfcheck(void) {
  uint8_t h1[32], h2[32], sig[600], der[SG_ECDSA_DER_MAX];
  size_t len = 0;
  memset(h1, 0x31, sizeof h1);
  memset(h2, 0x32, sizeof h2);
  sg_fz_cert *rsa = &certs[FZ_RSA], *admin = &certs[FZ_ADMIN];
  SG_TRAP(fast_verifies(rsa, rsa, h1, h1, 0));
  SG_TRAP(!fast_verifies(rsa, rsa, h1, h2, 0));              /* another hash */
  SG_TRAP(!fast_verifies(rsa, rsa, h1, h1, 1));              /* a changed byte */
  SG_TRAP(!fast_verifies(rsa, &certs[FZ_RSA3072], h1, h1, 0)); /* another key */
  SG_TRAP(fast_verifies(admin, admin, h1, h1, 0));
  SG_TRAP(!fast_verifies(admin, admin, h1, h2, 0));
  SG_TRAP(!fast_verifies(admin, admin, h1, h1, 1));
  SG_TRAP(!fast_verifies(admin, &certs[FZ_SIGNER], h1, h1, 0));
  SG_TRAP(!fast_verifies(admin, &certs[FZ_RECOVERY], h1, h1, 0));
  /* Real signatures still go to mbedTLS: a real one verifies, a changed one does not. */
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  SG_TRAP(mbedtls_x509_crt_parse_der(&crt, rsa->der->data, rsa->der->len) == 0);
  SG_TRAP(mbedtls_pk_sign(&rsa->key, MBEDTLS_MD_SHA256, h1, 32, sig, sizeof sig, &len, fz_rng, NULL) == 0);
  SG_TRAP(mbedtls_rsa_rsassa_pkcs1_v15_verify(mbedtls_pk_rsa(crt.pk), MBEDTLS_MD_SHA256, 32, h1, sig) == 0);
  sig[7] ^= 1;
  SG_TRAP(mbedtls_rsa_rsassa_pkcs1_v15_verify(mbedtls_pk_rsa(crt.pk), MBEDTLS_MD_SHA256, 32, h1, sig) != 0);
  mbedtls_x509_crt_free(&crt);
  mbedtls_x509_crt_init(&crt);
  SG_TRAP(mbedtls_x509_crt_parse_der(&crt, admin->der->data, admin->der->len) == 0);
  SG_TRAP(mbedtls_pk_sign(&admin->key, MBEDTLS_MD_SHA256, h1, 32, der, sizeof der, &len, fz_rng, NULL) == 0);
  SG_TRAP(mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, h1, 32, der, len) == 0);
  SG_TRAP(mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, h2, 32, der, len) != 0);
  mbedtls_x509_crt_free(&crt);
}
#endif

/* Replace "@name" string values by the certificate's base64. */
static size_t substitute(const uint8_t *in, size_t n, char *dst, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    int done = 0;
    if (in[i] == '"' && i + 1 < n && in[i + 1] == '@') {
      for (int c = FZ_NCERTS - 1; c >= 0 && !done; c--) {
        const size_t l = strlen(certs[c].name);
        if (i + 2 + l < n && memcmp(in + i + 2, certs[c].name, l) == 0 && in[i + 2 + l] == '"') {
          const size_t bl = strlen(certs[c].b64);
          if (k + bl + 2 >= cap) {
            return 0;
          }
          dst[k++] = '"';
          memcpy(dst + k, certs[c].b64, bl);
          k += bl;
          dst[k++] = '"';
          i += 3 + l;
          done = 1;
        }
      }
    }
    if (!done) {
      if (k + 1 >= cap) {
        return 0;
      }
      dst[k++] = (char)in[i++];
    }
  }
  dst[k] = '\0';
  return k;
}

/* One protected header + signature over `payload_b64`: "hdr.sig" parts. */
#ifndef SG_FUZZ_FAST_SIGNATURES
static int dummy_signatures; /* 1: placeholder signature bytes instead of signing */
#endif

static int sign_one(sg_fz_cert *c, int with_x5c, const char *payload_b64, char *hdr_b64,
                    size_t hcap, char *sig_b64, size_t scap) {
  char hdr[6000];
  uint8_t hash[32], sig[600], raw[96];
  size_t sig_len = 0;
  int n = with_x5c && c == &certs[FZ_SIGNER]
              ? snprintf(hdr, sizeof hdr,
                         "{\"alg\":\"ES256\",\"typ\":\"stagegate-profile+jws\",\"x5t#S256\":\"%s\","
                         "\"x5c\":[\"%s\",\"%s\"]}",
                         c->x5t, c->b64, certs[FZ_INTER].b64)
          : with_x5c ? snprintf(hdr, sizeof hdr,
                                "{\"alg\":\"%s\",\"typ\":\"stagegate-profile+jws\",\"x5t#S256\":\"%s\","
                                "\"x5c\":[\"%s\"]}",
                                c->is_ec ? "ES256" : "RS256", c->x5t, c->b64)
                     : snprintf(hdr, sizeof hdr,
                                "{\"alg\":\"%s\",\"typ\":\"stagegate-profile+jws\",\"x5t#S256\":\"%s\"}",
                                c->is_ec ? "ES256" : "RS256", c->x5t);
  if (n < 0 || (size_t)n >= sizeof hdr) {
    return -1;
  }
  b64url((const uint8_t *)hdr, (size_t)n, hdr_b64, hcap);
  sg_sha256_ctx h;
  sg_sha256_start(&h);
  sg_sha256_update(&h, (const uint8_t *)hdr_b64, strlen(hdr_b64));
  sg_sha256_update(&h, (const uint8_t *)".", 1);
  sg_sha256_update(&h, (const uint8_t *)payload_b64, strlen(payload_b64));
  sg_sha256_finish(&h, hash);
#ifdef SG_FUZZ_FAST_SIGNATURES
  (void)raw;
  if (sg_fz_fast_sign(&c->key, hash, sig, sizeof sig, &sig_len) != 0) {
    return -1;
  }
  b64url(sig, sig_len, sig_b64, scap); /* raw r || s already for ES256 */
  return 0;
#else
  if (dummy_signatures) {
    memset(raw, 0x5A, sizeof raw);
    memset(sig, 0x5A, sizeof sig);
    if (c->is_ec) {
      b64url(raw, 64, sig_b64, scap);
    } else {
      b64url(sig, mbedtls_pk_get_len(&c->key), sig_b64, scap);
    }
    return 0;
  }
  if (mbedtls_pk_sign(&c->key, MBEDTLS_MD_SHA256, hash, 32, sig, sizeof sig,
                      &sig_len, fz_rng, NULL) != 0) {
    return -1;
  }
  if (c->is_ec) {
    SG_TRAP(sg_ecdsa_der_to_raw(sig, sig_len, 32, raw) == 0);
    b64url(raw, 64, sig_b64, scap);
  } else {
    b64url(sig, sig_len, sig_b64, scap);
  }
  return 0;
#endif
}

static char payload_b64[2 * SG_MAX_PROFILE], h1[8192], s1[1024], h2[8192], s2[1024];

/* The envelope for signer choice `how` into out[]; its length or 0. */
static size_t envelope(unsigned how, const char *json, size_t n) {
  if (n > SG_MAX_PROFILE) {
    return 0; /* "@name" substitutions made it longer than any profile a device reads */
  }
  b64url((const uint8_t *)json, n, payload_b64, sizeof payload_b64);
  sg_fz_cert *a = NULL, *b = NULL;
  int x5c = 0;
  switch (how % 8) {
    case 1: a = &certs[FZ_RSA]; break;
    case 2: a = &certs[FZ_RSA]; x5c = 1; break;
    case 3: a = &certs[FZ_RSA3072]; break;
    case 4: a = &certs[FZ_RSA]; b = &certs[FZ_RSA3072]; break;
    case 5: a = &certs[FZ_RSA3072]; b = &certs[FZ_RSA]; break;
    case 6: a = &certs[FZ_SIGNER]; x5c = 1; break;
    default: a = how & 8 ? &certs[FZ_RECOVERY] : &certs[FZ_ADMIN]; break;
  }
  if (sign_one(a, x5c, payload_b64, h1, sizeof h1, s1, sizeof s1) != 0 ||
      (b != NULL && sign_one(b, 0, payload_b64, h2, sizeof h2, s2, sizeof s2) != 0)) {
    return 0;
  }
  const int w = b == NULL ? snprintf(out, sizeof out, "%s.%s.%s", h1, payload_b64, s1)
                          : snprintf(out, sizeof out,
                                     "{\"payload\":\"%s\",\"signatures\":[{\"protected\":\"%s\","
                                     "\"signature\":\"%s\"},{\"protected\":\"%s\",\"signature\":\"%s\"}]}",
                                     payload_b64, h1, s1, h2, s2);
  return w > 0 && (size_t)w < sizeof out ? (size_t)w : 0;
}

/* The replay floors the slot holds, per key (issue 9, defect 1): the
 * anchor key's seq_floor and each former anchor's. */
typedef struct {
  uint8_t key[SG_MAX_FORMER_ANCHORS + 1][32];
  uint64_t floor[SG_MAX_FORMER_ANCHORS + 1];
  unsigned n;
  uint64_t time_floor;
  int ok;
} sg_fz_floors;

static void floors_of(sg_fz_floors *f) {
  static sg_trust_record r;
  memset(f, 0, sizeof *f);
  if (sg_trustslot_load(&flash.bd, &r) != SG_OK) {
    return; /* LOCKED: no floors to compare */
  }
  f->ok = 1;
  f->time_floor = r.time_floor;
  sg_cert_facts facts;
  if (r.state == SG_STATE_TRUSTED && sg_cert_facts_get(r.anchor, r.anchor_len, &facts) == SG_OK) {
    memcpy(f->key[f->n], facts.key_id, 32);
    f->floor[f->n++] = r.seq_floor;
  }
  for (uint32_t i = 0; i < r.former_count && i < SG_MAX_FORMER_ANCHORS; i++) {
    memcpy(f->key[f->n], r.former[i].key_id, 32);
    f->floor[f->n++] = r.former[i].seq_floor;
  }
}

/* No key's floor went down, and no key was forgotten while the table had room. */
static void floors_kept(const sg_fz_floors *before_f, const sg_fz_floors *after_f) {
  if (!before_f->ok || !after_f->ok) {
    return;
  }
  SG_TRAP(after_f->time_floor >= before_f->time_floor);
  for (unsigned i = 0; i < before_f->n; i++) {
    for (unsigned j = 0; j < after_f->n; j++) {
      if (memcmp(before_f->key[i], after_f->key[j], 32) == 0) {
        SG_TRAP(after_f->floor[j] >= before_f->floor[i]);
      }
    }
  }
}

/* How deep the inputs went: printed at exit when SG_FUZZ_STATS is set, so a
 * campaign's report says how many inputs were signed and how many of those
 * the agent accepted (changing the flash or not). */
static unsigned long signed_inputs, accepted_inputs, flash_changed_inputs;

static void report_depth(void) {
  if (getenv("SG_FUZZ_STATS") != NULL) {
    fprintf(stderr, "fuzz_decision: %lu inputs signed, %lu accepted, %lu changed the flash\n",
            signed_inputs, accepted_inputs, flash_changed_inputs);
  }
}

#ifndef SG_FUZZ_FAST_SIGNATURES
/* Would the pure decision on this state's record reach signature math? */
static int reaches_signature(unsigned state, const uint8_t *env, size_t len) {
  static sg_trust_record r, next;
  static uint8_t arena[2 * SG_MAX_PROFILE];
  sg_test_flash_init(&flash, 0, 0);
  memcpy(flash.mem, images[state], sizeof flash.mem);
  if (sg_trustslot_load(&flash.bd, &r) != SG_OK) {
    r.state = SG_STATE_LOCKED;
  }
  int64_t now = 1700000000;
  if ((int64_t)r.time_floor > now) {
    now = (int64_t)r.time_floor;
  }
  if (clock_now > now) {
    now = clock_now;
  }
  sg_policy_work w;
  sg_verdict v;
  const sg_policy_input in = {&r, now, &ident, NULL, NULL, certs[FZ_RECOVERY].der->data,
                              certs[FZ_RECOVERY].der->len};
  v.next = &next;
  sg_json_use_agent_allocator();
  sg_policy_work_init(&w, arena, sizeof arena);
  const int got = sg_policy_decide(&in, env, len, &w, &v);
  sg_policy_work_free(&w);
  sg_json_restore_default_allocator();
  SG_TRAP(got != SG_ACCEPTED); /* placeholder signatures never verify */
  return got == SG_ERR_BAD_SIGNATURE;
}
#endif

static int valid_json(const char *s, size_t n) {
  cJSON *j = cJSON_ParseWithLength(s, n);
  const int ok = cJSON_IsObject(j);
  cJSON_Delete(j);
  return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    setup();
    (void)atexit(report_depth);
    ready = 1;
  }
  if (size < 3 || size > SG_MAX_PROFILE) {
    return 0;
  }
  const unsigned state = data[0] % SG_STATES, how = data[1];
  clock_now = clocks[data[2] % 8];
  const size_t n = substitute(data + 3, size - 3, text, sizeof text);
  if (n == 0) {
    return 0;
  }
  const char *feed = text;
  size_t feed_len = n;
  if (how % 8 != 0 && valid_json(text, n)) {
#ifdef SG_FUZZ_FAST_SIGNATURES
    const int sign_now = 1; /* signing is cheap: sign every input */
#else
    /* Signing is the cost (an RSA-2048 private op under ASan). The policy
     * refuses everything it can before any signature math, and such a
     * refusal does not depend on the signature bytes: decide first with
     * placeholder signatures (the pure decision, no flash), and sign for
     * real only when that decision reached a signature. */
    dummy_signatures = 1;
    feed_len = envelope(how, text, n);
    dummy_signatures = 0;
    const int sign_now = feed_len != 0 && reaches_signature(state, (const uint8_t *)out, feed_len);
#endif
    if (sign_now) {
      feed_len = envelope(how, text, n);
      signed_inputs++;
    }
    feed = out;
    if (feed_len == 0) {
      return 0;
    }
  }
  /* The device: the state's flash image, booted at this clock (a due
   * rotation activates at boot, before anything is compared). */
  sg_test_flash_init(&flash, 0, 0);
  memcpy(flash.mem, images[state], sizeof flash.mem);
  const sg_agent_config cfg = config();
  (void)sg_agent_init(&agent, &cfg);
  sg_status s0, s1s;
  SG_TRAP(sg_agent_status(&agent, &s0) == SG_OK);
  static uint8_t anchor0[SG_MAX_CERT];
  const size_t anchor0_len = s0.anchor_len;
  if (s0.anchor != NULL) {
    memcpy(anchor0, s0.anchor, s0.anchor_len);
  }
  memcpy(before, flash.mem, sizeof before);
  /* The floors before: read once per state and clock (booting the same
   * image at the same clock is deterministic, a due rotation included;
   * reading a slot hashes it, the harness's main cost under coverage). */
  static sg_fz_floors state_floors[SG_STATES][8];
  static int have_floors[SG_STATES][8];
  const unsigned clock_i = data[2] % 8u;
  if (!have_floors[state][clock_i]) {
    floors_of(&state_floors[state][clock_i]);
    have_floors[state][clock_i] = 1;
  }
  const sg_fz_floors f0 = state_floors[state][clock_i];
  sg_fz_floors f1;
  sg_feed_result res;
  last_detail[0] = '\0';
  const int got = sg_agent_feed(&agent, (const uint8_t *)feed, feed_len, &res);
  SG_TRAP(sg_agent_status(&agent, &s1s) == SG_OK);
  const int flash_changed = memcmp(before, flash.mem, sizeof before) != 0;
  if (got != SG_ACCEPTED) {
    SG_TRAP(got < 0 || got == SG_NEED_MORE);
    SG_TRAP(!flash_changed); /* a refusal persists nothing; its status is checked below */
  }
  if (flash_changed) {
    floors_of(&f1); /* else the same as f0 */
    floors_kept(&f0, &f1);
  }
  accepted_inputs += got == SG_ACCEPTED;
  flash_changed_inputs += flash_changed;
  const int anchor_changed = s1s.state != s0.state || s1s.anchor_len != anchor0_len ||
                             (s1s.anchor != NULL && memcmp(s1s.anchor, anchor0, anchor0_len) != 0);
  if (anchor_changed) {
    SG_TRAP(got == SG_ACCEPTED);
    const int on = strcmp(last_detail, "TurnOnTrustedMode") == 0 &&
                   s0.state == SG_STATE_UNTRUSTED && s1s.state == SG_STATE_TRUSTED;
    const int off = strcmp(last_detail, "TurnOffTrustedMode") == 0 &&
                    s1s.state == SG_STATE_UNTRUSTED;
    const int rot = strcmp(last_detail, "RotateTrustedCertificate") == 0 &&
                    s0.state == SG_STATE_TRUSTED && s1s.state == SG_STATE_TRUSTED;
    const int recover = strcmp(last_detail, "RecoverTrust") == 0 &&
                        s0.state != SG_STATE_UNTRUSTED && s1s.state == SG_STATE_UNTRUSTED;
    SG_TRAP(on || off || rot || recover);
  }
  /* A reboot reads what the live agent holds. (Flash untouched, every
   * refusal included: the reboot would read the image the live agent
   * booted from, so the status must be the boot status s0; skipping the
   * reboot doubles the rate on refusals.) */
  if (!flash_changed) {
    SG_TRAP(s1s.state == s0.state && s1s.seq_floor == s0.seq_floor &&
            s1s.time_floor == s0.time_floor && !anchor_changed &&
            s1s.pending_len == s0.pending_len);
    sg_agent_free(&agent);
    return 0;
  }
  (void)sg_agent_init(&rebooted, &cfg);
  sg_status sr;
  SG_TRAP(sg_agent_status(&rebooted, &sr) == SG_OK);
  SG_TRAP(sr.state == s1s.state && sr.seq_floor == s1s.seq_floor &&
          sr.time_floor == s1s.time_floor && sr.anchor_len == s1s.anchor_len &&
          sr.pending_len == s1s.pending_len);
  sg_agent_free(&rebooted);
  sg_agent_free(&agent);
  return 0;
}

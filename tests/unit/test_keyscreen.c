/*
 * The private-key screen, certificates that must be exactly one DER
 * certificate, and chain errors that name the real reason (issue 9,
 * defects 3, 4, 12). Real keys made by openssl (tests/unit/keyscreen/
 * make-fixtures), embedded so the same binary runs on every target. Each
 * key is tried in every encoding the screen promises to catch, inside a
 * profile as a firmware handler would receive it; certificates in the
 * same encodings must never be mistaken for keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyscreen.h"
#include "mbedtls/platform.h"
#include "profile.h"
#include "sg_blob.h"
#include "sg_crypto.h"
#include "sg_test.h"
#include "sg_test_flash.h"
#include "stagegate/agent.h"
#include "stagegate/errors.h"
#include "trustslot.h"

extern const sg_blob sg_vectors[];
extern const unsigned sg_vectors_count;

static const sg_blob *vec(const char *name) {
  const sg_blob *b = sg_blob_find(sg_vectors, sg_vectors_count, name);
  if (b == NULL) {
    sg_test_printf("    missing fixture %s\n", name);
  }
  SG_CHECK(b != NULL);
  return b;
}

static const char *const keys[] = {
    "key-rsa-pkcs1.der",         "key-rsa-pkcs8.der",     "key-rsa-pkcs8-enc.der",
    "key-ec-pkcs8.der",          "key-ec-sec1.der",       "key-ec-sec1-nopub.der",
    "key-ec384-sec1.der",        "key-ed25519-pkcs8.der", "key-ec-pkcs8-enc-pbe1.der",
    "key-ec.p12",                "nokey-ec.p12",
};
static const char *const certs[] = {"cert-ec.der", "cert-rsa.der", "chain-root.der", "chain-deep-01.der",
                                    "chain-deep-05.der"};

/* --- encoders ------------------------------------------------------------ */
static char text[8192];
static char text2[8192];
static char json[20000];
static uint8_t bytes[4096];
static uint8_t arena_buf[16384];

typedef enum {
  ENC_B64,         /* one line, padded */
  ENC_B64_LINES,   /* PEM body without armour: 64-character lines */
  ENC_PEM,         /* with armour */
  ENC_B64URL,      /* unpadded */
  ENC_HEX,
  ENC_HEX_COLONS,  /* 30:82:04:A4 */
  ENC_B64_PREFIX,  /* "id=" + base64 text: any alignment */
  ENC_COUNT
} encoding;
static const char *const enc_names[] = {"base64", "base64 lines", "PEM", "base64url", "hex", "hex:colons",
                                        "prefixed base64"};

static size_t b64(const uint8_t *in, size_t n, char *out, int url, int lines) {
  const char *alpha = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  size_t col = 0;
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                       (i + 2 < n ? in[i + 2] : 0);
    const size_t chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;
    for (size_t k = 0; k < 4; k++) {
      if (k < chars) {
        out[o++] = alpha[(v >> (18 - 6 * k)) & 63];
      } else if (!url) {
        out[o++] = '=';
      }
      if (lines && ++col == 64) {
        out[o++] = '\n';
        col = 0;
      }
    }
  }
  out[o] = '\0';
  return o;
}

static size_t encode(const uint8_t *in, size_t n, encoding e, char *out) {
  static const char hexd[] = "0123456789abcdef";
  static const char hexu[] = "0123456789ABCDEF";
  size_t o = 0;
  switch (e) {
    case ENC_B64:
      return b64(in, n, out, 0, 0);
    case ENC_B64_LINES:
      return b64(in, n, out, 0, 1);
    case ENC_PEM:
      o = (size_t)sprintf(out, "-----BEGIN PRIVATE KEY-----\n");
      o += b64(in, n, out + o, 0, 1);
      o += (size_t)sprintf(out + o, "\n-----END PRIVATE KEY-----\n");
      return o;
    case ENC_B64URL:
      return b64(in, n, out, 1, 0);
    case ENC_HEX:
    case ENC_HEX_COLONS:
      for (size_t i = 0; i < n; i++) {
        const char *h = e == ENC_HEX ? hexd : hexu;
        out[o++] = h[in[i] >> 4];
        out[o++] = h[in[i] & 15];
        if (e == ENC_HEX_COLONS && i + 1 < n) {
          out[o++] = ':';
        }
      }
      out[o] = '\0';
      return o;
    case ENC_B64_PREFIX:
    case ENC_COUNT:
    default:
      memcpy(out, "id=xy", 5);
      return 5 + b64(in, n, out + 5, 0, 0);
  }
}

/* JSON string body: newlines become \n. */
static void json_escape(const char *in, char *out) {
  size_t o = 0;
  for (; *in != '\0'; in++) {
    if (*in == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else {
      out[o++] = *in;
    }
  }
  out[o] = '\0';
}

static char esc1[9000], esc2[9000];

/* A Wifi action whose opaque settings carry `a` (and `b`, when not NULL,
 * in the next member). */
static int parse_settings(const char *a, const char *b) {
  sg_arena arena;
  sg_profile p;
  json_escape(a, esc1);
  if (b != NULL) {
    json_escape(b, esc2);
    snprintf(json, sizeof json,
             "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"settings\":"
             "{\"ssid\":\"wh\",\"part1\":\"%s\",\"part2\":\"%s\"}}]}",
             esc1, esc2);
  } else {
    snprintf(json, sizeof json,
             "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"settings\":"
             "{\"ssid\":\"wh\",\"blob\":\"%s\"}}]}",
             esc1);
  }
  sg_arena_init(&arena, arena_buf, sizeof arena_buf);
  const int ret = sg_profile_parse(json, strlen(json), &arena, &p);
  if (ret == SG_OK) {
    sg_profile_free(&p);
  }
  return ret;
}

static int parse_json(const char *j) {
  sg_arena arena;
  sg_profile p;
  sg_arena_init(&arena, arena_buf, sizeof arena_buf);
  const int ret = sg_profile_parse(j, strlen(j), &arena, &p);
  if (ret == SG_OK) {
    sg_profile_free(&p);
  }
  return ret;
}

/* --- the screen ---------------------------------------------------------- */

static void test_every_key_in_every_encoding_refused(void) {
  unsigned tried = 0;
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    const sg_blob *key = vec(keys[k]);
    if (key == NULL) {
      continue;
    }
    SG_CHECK_CODE(sg_keyscreen_bytes(key->data, key->len), SG_ERR_PRIVATE_KEY);
    for (int e = 0; e < ENC_COUNT; e++) {
      const size_t n = encode(key->data, key->len, (encoding)e, text);
      const int direct = sg_keyscreen_text(text, n, NULL, 0);
      const int in_profile = parse_settings(text, NULL);
      if (direct != SG_ERR_PRIVATE_KEY || in_profile != SG_ERR_PRIVATE_KEY) {
        sg_test_printf("    %s as %s passed the screen\n", keys[k], enc_names[e]);
      }
      SG_CHECK_CODE(direct, SG_ERR_PRIVATE_KEY);
      SG_CHECK_CODE(in_profile, SG_ERR_PRIVATE_KEY);
      tried++;
    }
  }
  sg_test_printf("    %u keys x encodings refused\n", tried);
}

/* A key cut in two neighbouring strings, at every point of its encoding
 * where the first part is at least 4 characters (shorter first parts are
 * the second part's problem: it then holds nearly the whole key). */
static void test_key_split_over_two_members_refused(void) {
  static const char *const some[] = {"key-rsa-pkcs8.der", "key-ec-sec1.der", "key-ed25519-pkcs8.der",
                                     "key-rsa-pkcs8-enc.der"};
  unsigned cuts = 0;
  for (size_t k = 0; k < sizeof some / sizeof some[0]; k++) {
    const sg_blob *key = vec(some[k]);
    if (key == NULL) {
      continue;
    }
    const size_t n = encode(key->data, key->len, ENC_B64URL, text);
    for (size_t cut = 1; cut < 48 && cut < n; cut += 1) {
      memcpy(text2, text, cut);
      text2[cut] = '\0';
      const int ret = sg_keyscreen_text(text2, cut, text + cut, n - cut);
      SG_CHECK_CODE(ret, SG_ERR_PRIVATE_KEY);
      if (cut % 7 == 0) {
        SG_CHECK_CODE(parse_settings(text2, text + cut), SG_ERR_PRIVATE_KEY);
      }
      cuts++;
    }
  }
  sg_test_printf("    %u cuts refused\n", cuts);
}

static void test_key_in_a_member_name_or_byte_array_refused(void) {
  const sg_blob *key = vec("key-ec-sec1.der");
  if (key == NULL) {
    return;
  }
  encode(key->data, key->len, ENC_B64, text);
  snprintf(json, sizeof json,
           "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"settings\":{\"%s\":1}}]}", text);
  SG_CHECK_CODE(parse_json(json), SG_ERR_PRIVATE_KEY);
  size_t o = (size_t)sprintf(json, "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"bytes\":[");
  for (size_t i = 0; i < key->len; i++) {
    o += (size_t)sprintf(json + o, i ? ",%u" : "%u", key->data[i]);
  }
  sprintf(json + o, "]}]}");
  SG_CHECK_CODE(parse_json(json), SG_ERR_PRIVATE_KEY);
}

static void test_jwk_private_members_refused(void) {
  const sg_blob *priv = vec("key-ec.jwk");
  const sg_blob *pub = vec("pub-ec.jwk");
  if (priv == NULL || pub == NULL) {
    return;
  }
  snprintf(json, sizeof json, "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"key\":%s}]}",
           (const char *)priv->data);
  SG_CHECK_CODE(parse_json(json), SG_ERR_PRIVATE_KEY);
  snprintf(json, sizeof json, "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"key\":%s}]}",
           (const char *)pub->data);
  SG_CHECK_CODE(parse_json(json), SG_OK); /* a public JWK is not a secret */
  /* "d" alone, without "kty": the scalar of the fixture key */
  const char *d = strstr((const char *)priv->data, "\"d\":\"");
  SG_CHECK(d != NULL);
  if (d != NULL) {
    snprintf(json, sizeof json, "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"x\":{%.49s}}]}", d);
    SG_CHECK_CODE(parse_json(json), SG_ERR_PRIVATE_KEY);
  }
  static const char *const members[] = {"p", "q", "dp", "dq", "qi", "k"};
  for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
    snprintf(json, sizeof json,
             "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"jwk\":{\"kty\":\"RSA\",\"%s\":\"AQAB\"}}]}",
             members[i]);
    SG_CHECK_CODE(parse_json(json), SG_ERR_PRIVATE_KEY);
  }
}

static void test_certificates_are_not_keys(void) {
  unsigned tried = 0;
  for (size_t c = 0; c < sizeof certs / sizeof certs[0]; c++) {
    const sg_blob *cert = vec(certs[c]);
    if (cert == NULL) {
      continue;
    }
    SG_CHECK_CODE(sg_keyscreen_bytes(cert->data, cert->len), SG_OK);
    for (int e = 0; e < ENC_COUNT; e++) {
      if (e == ENC_PEM) {
        continue; /* our PEM encoder writes PRIVATE KEY armour */
      }
      const size_t n = encode(cert->data, cert->len, (encoding)e, text);
      SG_CHECK_CODE(sg_keyscreen_text(text, n, NULL, 0), SG_OK);
      SG_CHECK_CODE(parse_settings(text, NULL), SG_OK);
      tried++;
    }
  }
  sg_test_printf("    %u certificate encodings passed\n", tried);
}

/* The screen needs no memory: with no arena at all it still finds a key
 * (it used to decode into the arena and count a failed allocation as
 * "no key"), and a profile that needs the arena is refused, never passed. */
static void test_screen_fails_closed_without_memory(void) {
  const sg_blob *key = vec("key-rsa-pkcs8.der");
  const sg_blob *cert = vec("cert-ec.der");
  sg_arena arena;
  sg_profile p;
  if (key == NULL || cert == NULL) {
    return;
  }
  json_escape("", esc1);
  encode(key->data, key->len, ENC_B64, text);
  snprintf(json, sizeof json,
           "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Wifi\",\"s\":\"%s\"}]}", text);
  sg_arena_init(&arena, arena_buf, 0);
  SG_CHECK_CODE(sg_profile_parse(json, strlen(json), &arena, &p), SG_ERR_PRIVATE_KEY);
  encode(cert->data, cert->len, ENC_B64, text);
  snprintf(json, sizeof json,
           "{\"stagegate\":1,\"name\":\"k\",\"actions\":[{\"csp\":\"Batch\",\"action\":\"TurnOnTrustedMode\","
           "\"certificate\":\"%s\"}]}",
           text);
  for (size_t cap = 0; cap < cert->len; cap += 32) {
    sg_arena_init(&arena, arena_buf, cap);
    const int ret = sg_profile_parse(json, strlen(json), &arena, &p);
    SG_CHECK(ret != SG_OK);
    if (ret == SG_OK) {
      sg_profile_free(&p);
    }
  }
}

/* --- exactly one certificate ---------------------------------------------- */

static void test_certificate_with_trailing_bytes_refused(void) {
  const sg_blob *cert = vec("cert-ec.der");
  const sg_blob *key = vec("key-ec-pkcs8.der");
  mbedtls_x509_crt crt;
  if (cert == NULL || key == NULL) {
    return;
  }
  SG_CHECK_CODE(sg_cert_check_der(cert->data, cert->len), SG_OK);
  SG_CHECK(sg_der_is_one_sequence(cert->data, cert->len));
  /* certificate + PKCS#8 key: mbedTLS alone parses the certificate and ignores the key */
  memcpy(bytes, cert->data, cert->len);
  memcpy(bytes + cert->len, key->data, key->len);
  mbedtls_x509_crt_init(&crt);
  SG_CHECK(mbedtls_x509_crt_parse_der(&crt, bytes, cert->len + key->len) == 0);
  mbedtls_x509_crt_free(&crt);
  SG_CHECK(!sg_der_is_one_sequence(bytes, cert->len + key->len));
  SG_CHECK_CODE(sg_cert_check_der(bytes, cert->len + key->len), SG_ERR_CERT_FORMAT);
  mbedtls_x509_crt_init(&crt);
  SG_CHECK_CODE(sg_cert_parse(&crt, bytes, cert->len + key->len), SG_ERR_CERT_FORMAT);
  SG_CHECK_CODE(sg_cert_parse_der_nocopy(&crt, bytes, cert->len + key->len), SG_ERR_CERT_FORMAT);
  mbedtls_x509_crt_free(&crt);
  SG_CHECK_CODE(sg_keyscreen_bytes(bytes, cert->len + key->len), SG_ERR_PRIVATE_KEY);
  /* one trailing zero byte, and one byte short */
  bytes[cert->len] = 0;
  SG_CHECK_CODE(sg_cert_check_der(bytes, cert->len + 1), SG_ERR_CERT_FORMAT);
  SG_CHECK_CODE(sg_cert_check_der(bytes, cert->len - 1), SG_ERR_CERT_FORMAT);
  /* the same in a TurnOn: key -> PRIVATE_KEY, anything else -> CERT_FORMAT */
  static const char turnon[] = "{\"stagegate\":1,\"name\":\"On\",\"seq\":1,\"iat\":1,\"actions\":[{\"csp\":"
                               "\"Batch\",\"action\":\"TurnOnTrustedMode\",\"certificate\":\"%s\"}]}";
  memcpy(bytes + cert->len, key->data, key->len);
  encode(bytes, cert->len + key->len, ENC_B64, text);
  snprintf(json, sizeof json, turnon, text);
  SG_CHECK_CODE(parse_json(json), SG_ERR_PRIVATE_KEY);
  static const uint8_t tail[4] = {0x04, 0x02, 'a', 'b'};
  memcpy(bytes + cert->len, tail, sizeof tail);
  encode(bytes, cert->len + 4, ENC_B64, text);
  snprintf(json, sizeof json, turnon, text);
  SG_CHECK_CODE(parse_json(json), SG_ERR_CERT_FORMAT);
  encode(cert->data, cert->len, ENC_B64, text);
  snprintf(json, sizeof json, turnon, text);
  SG_CHECK_CODE(parse_json(json), SG_OK);
}

/* PEM: exactly one block, nothing but whitespace after it. */
static void test_pem_bundle_refused(void) {
  const sg_blob *cert = vec("cert-ec.der");
  mbedtls_x509_crt crt;
  if (cert == NULL) {
    return;
  }
  size_t o = (size_t)sprintf(text, "-----BEGIN CERTIFICATE-----\n");
  o += b64(cert->data, cert->len, text + o, 0, 1);
  o += (size_t)sprintf(text + o, "\n-----END CERTIFICATE-----\n");
  mbedtls_x509_crt_init(&crt);
  SG_CHECK_CODE(sg_cert_parse(&crt, (const uint8_t *)text, o + 1), SG_OK);
  mbedtls_x509_crt_free(&crt);
  memcpy(text2, text, o);
  memcpy(text2 + o, text, o + 1); /* two blocks */
  mbedtls_x509_crt_init(&crt);
  SG_CHECK_CODE(sg_cert_parse(&crt, (const uint8_t *)text2, 2 * o + 1), SG_ERR_CERT_FORMAT);
  mbedtls_x509_crt_free(&crt);
}

/* The anchor read back from the slot must be exactly one certificate too:
 * a record whose anchor has bytes after the certificate (written by
 * someone else, or by the old code from a TurnOn with a key appended)
 * locks the device instead of being used and fingerprinted. */
static sg_test_flash flash;
static sg_agent agent;
static sg_trust_record rec;

static int boot_with_anchor(const uint8_t *der, size_t len) {
  sg_agent_config c;
  sg_test_flash_init(&flash, 0, 0);
  memset(&rec, 0, sizeof rec);
  rec.state = SG_STATE_TRUSTED;
  rec.mode = SG_ANCHOR_PINNED;
  memcpy(rec.anchor, der, len);
  rec.anchor_len = (uint32_t)len;
  rec.seq_floor = 3;
  rec.time_floor = 1700000000;
  SG_CHECK_CODE(sg_trustslot_store(&flash.bd, &rec), SG_OK);
  memset(&c, 0, sizeof c);
  c.storage = &flash.bd;
  c.build_time = 1700000000;
  const int ret = sg_agent_init(&agent, &c);
  sg_status st;
  SG_CHECK_CODE(sg_agent_status(&agent, &st), SG_OK);
  SG_CHECK(ret == SG_OK ? st.state == SG_STATE_TRUSTED : st.state == SG_STATE_LOCKED);
  sg_agent_free(&agent);
  return ret;
}

static void test_slot_anchor_with_trailing_bytes_locks(void) {
  const sg_blob *cert = vec("cert-ec.der");
  const sg_blob *key = vec("key-ec-pkcs8.der");
  if (cert == NULL || key == NULL) {
    return;
  }
  SG_CHECK_CODE(boot_with_anchor(cert->data, cert->len), SG_OK);
  memcpy(bytes, cert->data, cert->len);
  memcpy(bytes + cert->len, key->data, key->len);
  SG_CHECK_CODE(boot_with_anchor(bytes, cert->len + key->len), SG_ERR_LOCKED);
  bytes[cert->len] = 0;
  SG_CHECK_CODE(boot_with_anchor(bytes, cert->len + 1), SG_ERR_LOCKED);
}

/* --- chain reasons --------------------------------------------------------- */

/* chain-deep-01 is the leaf ("Deep 10"), -02 its issuer, ... -10 "Deep 1",
 * issued by chain-root. mbedTLS allows 8 intermediates. */
static int verify_deep(unsigned first_anchor) {
  mbedtls_x509_crt chain, anchor;
  char name[32];
  int ret = SG_ERR_INTERNAL;
  mbedtls_x509_crt_init(&chain);
  mbedtls_x509_crt_init(&anchor);
  for (unsigned i = 1; i < first_anchor; i++) {
    snprintf(name, sizeof name, "chain-deep-%02u.der", i);
    const sg_blob *b = vec(name);
    if (b == NULL || sg_cert_parse(&chain, b->data, b->len) != SG_OK) {
      goto out;
    }
  }
  if (first_anchor <= 10) {
    snprintf(name, sizeof name, "chain-deep-%02u.der", first_anchor);
  } else {
    snprintf(name, sizeof name, "chain-root.der");
  }
  const sg_blob *a = vec(name);
  if (a == NULL || sg_cert_parse(&anchor, a->data, a->len) != SG_OK) {
    goto out;
  }
  ret = sg_chain_verify(&chain, &anchor, sg_x509_time_to_unix(&chain.valid_from) + 86400);
out:
  mbedtls_x509_crt_free(&chain);
  mbedtls_x509_crt_free(&anchor);
  return ret;
}

static void test_too_long_chain_is_chain_not_weak_key(void) {
  SG_CHECK_CODE(verify_deep(8), SG_ACCEPTED);     /* leaf + 6 intermediates */
  SG_CHECK_CODE(verify_deep(10), SG_ACCEPTED);    /* leaf + 8: mbedTLS's limit */
  SG_CHECK_CODE(verify_deep(11), SG_ERR_CHAIN);   /* leaf + 9: over it; was SG_ERR_WEAK_KEY */
}

#if !defined(SG_BARE_METAL_TEST)
/* Out of memory at allocations spread over a whole chain check: never
 * accepted. (mbedTLS reports an allocation failure inside a signature
 * check of the path as an untrusted path, so the reason is SG_ERR_CHAIN
 * or SG_ERR_NO_MEMORY, never acceptance.) Linux only: on Cortex-M the
 * static pool is the allocator and cannot be wrapped. */
static unsigned alloc_budget, allocs;
static void *failing_calloc(size_t n, size_t size) {
  if (allocs++ >= alloc_budget) {
    return NULL;
  }
  return calloc(n, size);
}

static void test_chain_out_of_memory_never_accepted(void) {
  mbedtls_x509_crt chain, anchor;
  const sg_blob *leaf = vec("chain-deep-01.der");
  const sg_blob *ca = vec("chain-deep-02.der");
  if (leaf == NULL || ca == NULL) {
    return;
  }
  mbedtls_x509_crt_init(&chain);
  mbedtls_x509_crt_init(&anchor);
  SG_CHECK_CODE(sg_cert_parse(&chain, leaf->data, leaf->len), SG_OK);
  SG_CHECK_CODE(sg_cert_parse(&anchor, ca->data, ca->len), SG_OK);
  const int64_t now = sg_x509_time_to_unix(&chain.valid_from) + 86400;
  alloc_budget = ~0u;
  allocs = 0;
  mbedtls_platform_set_calloc_free(failing_calloc, free);
  SG_CHECK_CODE(sg_chain_verify(&chain, &anchor, now), SG_ACCEPTED);
  const unsigned total = allocs;
  unsigned refused = 0;
  unsigned tried = 0;
  const unsigned stride = total / 150u + 1u; /* ~150 failure points: each costs a verify (slow under QEMU) */
  for (unsigned budget = 0; budget < total; budget += stride, tried++) {
    alloc_budget = budget;
    allocs = 0;
    const int ret = sg_chain_verify(&chain, &anchor, now);
    SG_CHECK(ret == SG_ERR_CHAIN || ret == SG_ERR_NO_MEMORY);
    refused += ret != SG_ACCEPTED;
  }
  mbedtls_platform_set_calloc_free(calloc, free);
  sg_test_printf("    a chain check makes %u allocations; failing at %u points: %u refusals\n", total, tried,
                 refused);
  SG_CHECK(total > 0 && tried > 0 && refused == tried);
  mbedtls_x509_crt_free(&chain);
  mbedtls_x509_crt_free(&anchor);
}
#endif

/* Short settings (under 64 characters) take the screen's fast path: the
 * armour markers are still found anywhere in them, across the join with
 * the string before, and a short text with bytes outside printable ASCII
 * still gets the Latin-1 reading (a PKCS#8 start as code points). */
static void test_short_texts(void) {
  static const char latin1_pkcs8[] = "0\xc2\x82\x04\xc2\xbd\x02\x01\x00" "0\x0d\x06\x09*\xc2\x86H\xc2\x86\xc3\xb7\x0d\x01\x01\x01\x05\x00\x04";
  SG_CHECK_CODE(sg_keyscreen_text("x PRIVATE KEY y", 15, NULL, 0), SG_ERR_PRIVATE_KEY);
  SG_CHECK_CODE(sg_keyscreen_text("PRIVATE KEY", 11, NULL, 0), SG_ERR_PRIVATE_KEY);
  SG_CHECK_CODE(sg_keyscreen_text("PuTTY-User-Key-File-3: ssh-rsa", 30, NULL, 0), SG_ERR_PRIVATE_KEY);
  SG_CHECK_CODE(sg_keyscreen_text("PPRIVATE KEY", 12, NULL, 0), SG_ERR_PRIVATE_KEY);
  SG_CHECK_CODE(sg_keyscreen_text("PRIVATE", 7, " KEY", 4), SG_ERR_PRIVATE_KEY); /* across the join */
  SG_CHECK_CODE(sg_keyscreen_text("PRIVATE KE", 10, NULL, 0), SG_OK);
  SG_CHECK_CODE(sg_keyscreen_text("Private key of the AP", 21, NULL, 0), SG_OK);
  SG_CHECK_CODE(sg_keyscreen_text("correct-horse-battery-staple", 28, NULL, 0), SG_OK);
  SG_CHECK_CODE(sg_keyscreen_text(latin1_pkcs8, sizeof latin1_pkcs8 - 1, NULL, 0), SG_ERR_PRIVATE_KEY);
}

int main(void) {
  sg_test_begin("keyscreen");
  SG_RUN(test_every_key_in_every_encoding_refused);
  SG_RUN(test_key_split_over_two_members_refused);
  SG_RUN(test_key_in_a_member_name_or_byte_array_refused);
  SG_RUN(test_jwk_private_members_refused);
  SG_RUN(test_certificates_are_not_keys);
  SG_RUN(test_screen_fails_closed_without_memory);
  SG_RUN(test_certificate_with_trailing_bytes_refused);
  SG_RUN(test_pem_bundle_refused);
  SG_RUN(test_slot_anchor_with_trailing_bytes_locks);
  SG_RUN(test_too_long_chain_is_chain_not_weak_key);
  SG_RUN(test_short_texts);
#if !defined(SG_BARE_METAL_TEST)
  SG_RUN(test_chain_out_of_memory_never_accepted);
#endif
  return sg_test_end();
}

/*
 * Unit tests of stagegate-sign's building blocks: RC2 (RFC 2268 vectors),
 * base64/base64url, the PKCS#12 KDF and passphrase encoding, barcode chunk
 * planning, and ECDSA raw <-> DER conversion.
 */
#include <stdio.h>
#include <string.h>

#include "mbedtls/pkcs12.h"
#include "mbedtls/sha256.h"
#include "sg_sign.h"
#include "sg_test.h"

static size_t unhex(const char *h, uint8_t *out, size_t size) {
  size_t n = 0;
  for (; h[0] != '\0' && h[1] != '\0' && n < size; h += 2) {
    unsigned v = 0;
    (void)sscanf(h, "%2x", &v);
    out[n++] = (uint8_t)v;
  }
  return n;
}

/* ---- RC2 ---------------------------------------------------------------- */

/* RFC 2268 §5: key, effective key bits, plaintext, ciphertext. */
static const struct {
  const char *key;
  unsigned bits;
  const char *pt, *ct;
} rc2_vectors[] = {
    {"0000000000000000", 63, "0000000000000000", "ebb773f993278eff"},
    {"ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"},
    {"3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"},
    {"88", 64, "0000000000000000", "61a8a244adacccf0"},
    {"88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"},
    {"88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"},
    {"88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"},
    {"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129,
     "0000000000000000", "5b78d3a43dfff1f1"},
};

static void test_rc2_rfc2268_vectors(void) {
  for (size_t i = 0; i < sizeof rc2_vectors / sizeof rc2_vectors[0]; i++) {
    uint8_t key[64], pt[8], ct[8], out[8], back[8];
    const size_t kl = unhex(rc2_vectors[i].key, key, sizeof key);
    unhex(rc2_vectors[i].pt, pt, sizeof pt);
    unhex(rc2_vectors[i].ct, ct, sizeof ct);
    sg_rc2 ctx;
    SG_CHECK(sg_rc2_setkey(&ctx, key, kl, rc2_vectors[i].bits) == 0);
    sg_rc2_encrypt_block(&ctx, pt, out);
    SG_CHECK(memcmp(out, ct, 8) == 0);
    sg_rc2_decrypt_block(&ctx, ct, back);
    SG_CHECK(memcmp(back, pt, 8) == 0);
    sg_rc2_free(&ctx);
  }
}

static void test_rc2_cbc_and_bounds(void) {
  /* CBC decrypt of a chained encryption, in place, three blocks. */
  static const uint8_t key[5] = {1, 2, 3, 4, 5}; /* 40-bit, as in PKCS#12 */
  uint8_t iv[8] = {9, 8, 7, 6, 5, 4, 3, 2}, iv2[8];
  uint8_t pt[24], ct[24];
  sg_rc2 ctx;
  SG_CHECK(sg_rc2_setkey(&ctx, key, sizeof key, 40) == 0);
  for (size_t i = 0; i < sizeof pt; i++) {
    pt[i] = (uint8_t)(i * 7);
  }
  memcpy(iv2, iv, 8);
  uint8_t chain[8];
  memcpy(chain, iv, 8);
  for (size_t off = 0; off < sizeof pt; off += 8) {
    uint8_t x[8];
    for (unsigned k = 0; k < 8; k++) {
      x[k] = (uint8_t)(pt[off + k] ^ chain[k]);
    }
    sg_rc2_encrypt_block(&ctx, x, ct + off);
    memcpy(chain, ct + off, 8);
  }
  SG_CHECK(sg_rc2_cbc_decrypt(&ctx, iv2, ct, sizeof ct, ct) == 0);
  SG_CHECK(memcmp(ct, pt, sizeof pt) == 0);
  SG_CHECK(sg_rc2_cbc_decrypt(&ctx, iv2, ct, 7, ct) == -1); /* not a block multiple */
  SG_CHECK(sg_rc2_setkey(&ctx, key, 0, 40) == -1);
  SG_CHECK(sg_rc2_setkey(&ctx, key, 5, 0) == -1);
  SG_CHECK(sg_rc2_setkey(&ctx, key, 5, 1025) == -1);
  sg_rc2_free(&ctx);
}

/* ---- PKCS#12 KDF and passphrase ----------------------------------------- */

static void test_pkcs12_kdf_matches_mbedtls(void) {
  uint8_t *bmp = NULL;
  size_t bmp_len = 0;
  static const uint8_t salt[8] = {0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f};
  SG_CHECK(sg_pkcs12_bmp("smeg", 4, 0, &bmp, &bmp_len) == 0);
  SG_CHECK(bmp_len == 10 && bmp[1] == 's' && bmp[8] == 0 && bmp[9] == 0);
  static const mbedtls_md_type_t mds[] = {MBEDTLS_MD_SHA1, MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA512};
  for (size_t m = 0; m < sizeof mds / sizeof mds[0]; m++) {
    for (int id = 1; id <= 3; id++) {
      uint8_t ours[100], theirs[100];
      SG_CHECK(sg_pkcs12_kdf(mds[m], bmp, bmp_len, salt, sizeof salt, id, 1000, ours,
                             sizeof ours) == 0);
      SG_CHECK(mbedtls_pkcs12_derivation(theirs, sizeof theirs, bmp, bmp_len, salt, sizeof salt,
                                         mds[m], id, 1000) == 0);
      SG_CHECK(memcmp(ours, theirs, sizeof ours) == 0);
    }
  }
  sg_free_secret(bmp, bmp_len);
  /* Longer than mbedTLS's 31-character limit: ours still derives. */
  const char *longpass = "correct horse battery staple, and then some more words";
  uint8_t key[24];
  SG_CHECK(sg_pkcs12_bmp(longpass, strlen(longpass), 0, &bmp, &bmp_len) == 0);
  SG_CHECK(sg_pkcs12_kdf(MBEDTLS_MD_SHA1, bmp, bmp_len, salt, sizeof salt, 1, 2048, key,
                         sizeof key) == 0);
  sg_free_secret(bmp, bmp_len);
  SG_CHECK(sg_pkcs12_kdf(MBEDTLS_MD_SHA1, NULL, 0, salt, sizeof salt, 4, 1, key, 8) == -1);
  SG_CHECK(sg_pkcs12_kdf(MBEDTLS_MD_SHA1, NULL, 0, salt, sizeof salt, 1, 0, key, 8) == -1);
}

static void test_pkcs12_bmp_utf8(void) {
  uint8_t *b = NULL;
  size_t n = 0;
  /* "ä" (U+00E4) and U+1F600 (a surrogate pair) */
  SG_CHECK(sg_pkcs12_bmp("\xc3\xa4\xf0\x9f\x98\x80", 6, 0, &b, &n) == 0);
  static const uint8_t want[] = {0x00, 0xe4, 0xd8, 0x3d, 0xde, 0x00, 0x00, 0x00};
  SG_CHECK(n == sizeof want && memcmp(b, want, n) == 0);
  sg_free_secret(b, n);
  /* The byte-wise (Latin-1) form of the same bytes. */
  SG_CHECK(sg_pkcs12_bmp("\xc3\xa4", 2, 1, &b, &n) == 0);
  static const uint8_t want1[] = {0x00, 0xc3, 0x00, 0xa4, 0x00, 0x00};
  SG_CHECK(n == sizeof want1 && memcmp(b, want1, n) == 0);
  sg_free_secret(b, n);
  /* Not UTF-8: truncated, overlong, surrogate. */
  SG_CHECK(sg_pkcs12_bmp("\xc3", 1, 0, &b, &n) == -1);
  SG_CHECK(sg_pkcs12_bmp("\xc0\xaf", 2, 0, &b, &n) == -1);
  SG_CHECK(sg_pkcs12_bmp("\xed\xa0\x80", 3, 0, &b, &n) == -1);
  /* Empty passphrase: just the terminator. */
  SG_CHECK(sg_pkcs12_bmp("", 0, 0, &b, &n) == 0 && n == 2 && b[0] == 0 && b[1] == 0);
  sg_free_secret(b, n);
}

/* ---- chunks ------------------------------------------------------------- */

static char text_buf[8192];

static size_t make_text(size_t len) {
  for (size_t i = 0; i < len; i++) {
    text_buf[i] = (char)('!' + (i * 31 + i / 7) % 90); /* printable, includes ':' */
  }
  return len;
}

/* Plan, render every chunk, check its shape, reassemble; returns n or 0. */
static unsigned split_and_check(const char *text, size_t len, size_t cap) {
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  char set[13];
  if (sg_split_plan((const uint8_t *)text, len, cap, chunks, &n, set) != SG_SPLIT_OK) {
    return 0;
  }
  /* set = first 6 bytes of SHA-256 of the whole text, lowercase hex */
  uint8_t h[32];
  char want[13];
  (void)mbedtls_sha256((const uint8_t *)text, len, h, 0);
  for (int i = 0; i < 6; i++) {
    (void)snprintf(want + 2 * i, 3, "%02x", h[i]);
  }
  SG_CHECK(strcmp(set, want) == 0);
  static char joined[8192];
  size_t jl = 0;
  for (unsigned i = 0; i < n; i++) {
    char hdr[48], expect[48];
    const size_t hl = sg_split_header(i + 1, n, set, hdr, sizeof hdr);
    (void)snprintf(expect, sizeof expect, "SG1:%u/%u:%s:", i + 1, n, want);
    SG_CHECK(strcmp(hdr, expect) == 0);
    SG_CHECK(chunks[i].len >= 1);
    SG_CHECK(hl + chunks[i].len <= cap);
    SG_CHECK(chunks[i].off == jl); /* contiguous, in order */
    memcpy(joined + jl, text + chunks[i].off, chunks[i].len);
    jl += chunks[i].len;
  }
  SG_CHECK(jl == len && memcmp(joined, text, len) == 0);
  return n;
}

static void test_split_reassembles(void) {
  const size_t len = make_text(3000);
  SG_CHECK(split_and_check(text_buf, len, 400) == 8);
  SG_CHECK(split_and_check(text_buf, len, 3000) == 2); /* header does not fit with it */
  SG_CHECK(split_and_check(text_buf, len, 3000 + 22) == 1);
  SG_CHECK(split_and_check(text_buf, 1, 22) == 1); /* smallest: header + 1 byte */
}

static void test_split_boundaries(void) {
  /* One chunk of capacity C holds C - 21 bytes ("SG1:1/1:<12 hex>:" is 21). */
  const size_t cap = 100;
  make_text(2000);
  SG_CHECK(split_and_check(text_buf, cap - 21, cap) == 1);
  SG_CHECK(split_and_check(text_buf, cap - 20, cap) == 2);
  /* Nine chunks at 21-byte headers: 9 * 79 = 711; the tenth chunk makes
   * every header 2 bytes longer ("i/10"), first nine 1 byte longer. */
  SG_CHECK(split_and_check(text_buf, 9 * 79, cap) == 9);
  SG_CHECK(split_and_check(text_buf, 9 * 79 + 1, cap) == 10);
  /* Sixteen chunks: 9 * 78 + 7 * 77 = 1241 bytes is the most. */
  SG_CHECK(split_and_check(text_buf, 1241, cap) == 16);
  SG_CHECK(split_and_check(text_buf, 1242, cap) == 0);
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  char set[13];
  SG_CHECK_CODE(sg_split_plan((const uint8_t *)text_buf, 1242, cap, chunks, &n, set),
                SG_SPLIT_TOO_MANY);
  SG_CHECK(sg_split_min_capacity((const uint8_t *)text_buf, 1242) == 101);
  SG_CHECK_CODE(sg_split_plan((const uint8_t *)text_buf, 10, 21, chunks, &n, set),
                SG_SPLIT_TOO_SMALL);
  SG_CHECK_CODE(sg_split_plan((const uint8_t *)text_buf, 0, 100, chunks, &n, set),
                SG_SPLIT_EMPTY);
}

static void test_split_keeps_utf8(void) {
  /* "ä" is two bytes: a cut between them would make invalid chunk text. */
  char t[200];
  size_t len = 0;
  while (len + 2 <= 150) {
    t[len++] = '\xc3';
    t[len++] = '\xa4';
  }
  t[len++] = 'x';
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  char set[13];
  /* Capacity 48: 27 data bytes per chunk, an odd number. */
  SG_CHECK(sg_split_plan((const uint8_t *)t, len, 48, chunks, &n, set) == SG_SPLIT_OK);
  for (unsigned i = 0; i < n; i++) {
    SG_CHECK(((uint8_t)t[chunks[i].off] & 0xc0u) != 0x80u);
  }
  SG_CHECK(n > 1 && split_and_check(t, len, 48) == n);
}

/* ---- ECDSA -------------------------------------------------------------- */

static void test_ecdsa_raw_der(void) {
  uint8_t raw[96], back[96], der[120];
  size_t der_len = 0;
  for (size_t coord = 32; coord <= 48; coord += 16) {
    /* R with its top bit set (needs a 00 pad), S with leading zero bytes. */
    for (size_t i = 0; i < 2 * coord; i++) {
      raw[i] = (uint8_t)(0x80 + i);
    }
    raw[coord] = 0;
    raw[coord + 1] = 0;
    raw[coord + 2] = 0x05;
    SG_CHECK(sg_ecdsa_raw_to_der(raw, coord, der, sizeof der, &der_len) == 0);
    SG_CHECK(der[0] == 0x30 && der[1] == der_len - 2);
    SG_CHECK(der[2] == 0x02 && der[3] == coord + 1 && der[4] == 0x00); /* padded R */
    SG_CHECK(der[5 + coord] == 0x02 && der[6 + coord] == coord - 2); /* minimal S */
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len, coord, back) == 0);
    SG_CHECK(memcmp(raw, back, 2 * coord) == 0);
    /* Trailing garbage, truncation, and the wrong curve size fail. */
    der[der_len] = 0;
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len + 1, coord, back) == -1);
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len - 1, coord, back) == -1);
    SG_CHECK(sg_ecdsa_der_to_raw(der, der_len, coord == 32 ? 48 : 32, back) == (coord == 32 ? 0 : -1));
  }
  /* Non-minimal INTEGER (00 before a low byte) and a negative one. */
  static const uint8_t nonmin[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01};
  static const uint8_t neg[] = {0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01};
  static const uint8_t ok[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
  SG_CHECK(sg_ecdsa_der_to_raw(nonmin, sizeof nonmin, 32, back) == -1);
  SG_CHECK(sg_ecdsa_der_to_raw(neg, sizeof neg, 32, back) == -1);
  SG_CHECK(sg_ecdsa_der_to_raw(ok, sizeof ok, 32, back) == 0);
  SG_CHECK(back[31] == 1 && back[63] == 2 && back[0] == 0 && back[32] == 0);
  SG_CHECK(sg_ecdsa_raw_to_der(raw, 33, der, sizeof der, &der_len) == -1);
  SG_CHECK(sg_ecdsa_raw_to_der(raw, 32, der, 10, &der_len) == -1);
}

static void test_alg_names(void) {
  SG_CHECK(sg_jws_alg_parse("ES256") == SG_JWS_ES256);
  SG_CHECK(sg_jws_alg_parse("PS256") == SG_JWS_PS256);
  SG_CHECK(sg_jws_alg_parse("none") == SG_JWS_NONE);
  SG_CHECK(sg_jws_alg_parse("HS256") == SG_JWS_NONE);
  SG_CHECK(sg_jws_alg_parse("es256") == SG_JWS_NONE);
}

int main(void) {
  sg_test_begin("stagegate-sign units");
  SG_RUN(test_rc2_rfc2268_vectors);
  SG_RUN(test_rc2_cbc_and_bounds);
  SG_RUN(test_pkcs12_kdf_matches_mbedtls);
  SG_RUN(test_pkcs12_bmp_utf8);
  SG_RUN(test_split_reassembles);
  SG_RUN(test_split_boundaries);
  SG_RUN(test_split_keeps_utf8);
  SG_RUN(test_ecdsa_raw_der);
  SG_RUN(test_alg_names);
  return sg_test_end();
}

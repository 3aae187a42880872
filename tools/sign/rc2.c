/*
 * RC2 (RFC 2268), decryption side of pbeWithSHAAnd40BitRC2-CBC, the cipher
 * `openssl pkcs12 -export -legacy` (and older Windows exports) wrap the
 * certificates of a .pfx in. mbedTLS dropped RC2, so it lives here. Only
 * ever used to read an administrator's own file: never to protect data.
 */
#include <string.h>

#include "mbedtls/platform_util.h"
#include "sg_sign.h"

/* RFC 2268 §2: PITABLE, a permutation of 0..255 from the digits of pi. */
static const uint8_t sg_rc2_pitable[256] = {
    0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
    0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
    0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
    0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
    0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
    0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
    0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
    0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
    0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
    0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
    0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
    0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
    0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
    0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
    0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
    0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
};

int sg_rc2_setkey(sg_rc2 *ctx, const uint8_t *key, size_t key_len, unsigned effective_bits) {
  int ret = -1;
  uint8_t l[128];
  if (ctx == NULL || key == NULL || key_len < 1 || key_len > sizeof l || effective_bits < 1 ||
      effective_bits > 1024) {
    return -1;
  }
  /* RFC 2268 §2: spread the key over 128 bytes ... */
  memcpy(l, key, key_len);
  for (size_t i = key_len; i < 128; i++) {
    l[i] = sg_rc2_pitable[(uint8_t)(l[i - 1] + l[i - key_len])];
  }
  /* ... then cut it down to the effective key length T1: T8 bytes, the
   * top one masked to the remaining bits, and everything before them
   * rederived from those bytes only. */
  const size_t t8 = (effective_bits + 7u) / 8u;
  const uint8_t tm = (uint8_t)(0xffu >> (8u * t8 - effective_bits));
  l[128 - t8] = sg_rc2_pitable[l[128 - t8] & tm];
  for (size_t i = 128 - t8; i-- > 0;) {
    l[i] = sg_rc2_pitable[l[i + 1] ^ l[i + t8]];
  }
  for (size_t i = 0; i < 64; i++) {
    ctx->k[i] = (uint16_t)(l[2 * i] | (l[2 * i + 1] << 8));
  }
  mbedtls_platform_zeroize(l, sizeof l);
  ret = 0;
  return ret;
}

static uint16_t sg_rol16(uint16_t x, unsigned s) {
  return (uint16_t)((x << s) | (x >> (16u - s)));
}

static uint16_t sg_ror16(uint16_t x, unsigned s) {
  return (uint16_t)((x >> s) | (x << (16u - s)));
}

static const unsigned sg_rc2_shift[4] = {1, 2, 3, 5};

static void sg_rc2_load(const uint8_t in[8], uint16_t r[4]) {
  for (unsigned i = 0; i < 4; i++) {
    r[i] = (uint16_t)(in[2 * i] | (in[2 * i + 1] << 8)); /* little endian words */
  }
}

static void sg_rc2_store(const uint16_t r[4], uint8_t out[8]) {
  for (unsigned i = 0; i < 4; i++) {
    out[2 * i] = (uint8_t)(r[i] & 0xffu);
    out[2 * i + 1] = (uint8_t)(r[i] >> 8);
  }
}

/* RFC 2268 §3.1-3.2: one MIX round (four MIX steps) uses four key words. */
static void sg_rc2_mix(const sg_rc2 *ctx, uint16_t r[4], unsigned *j) {
  for (unsigned i = 0; i < 4; i++) {
    const uint16_t a = r[(i + 3) & 3], b = r[(i + 2) & 3], c = r[(i + 1) & 3];
    r[i] = (uint16_t)(r[i] + ctx->k[*j] + (a & b) + ((uint16_t)~a & c));
    (*j)++;
    r[i] = sg_rol16(r[i], sg_rc2_shift[i]);
  }
}

static void sg_rc2_mash(const sg_rc2 *ctx, uint16_t r[4]) {
  for (unsigned i = 0; i < 4; i++) {
    r[i] = (uint16_t)(r[i] + ctx->k[r[(i + 3) & 3] & 63u]);
  }
}

/* RFC 2268 §4.1: R-MIX undoes MIX, walking the key words downwards. */
static void sg_rc2_rmix(const sg_rc2 *ctx, uint16_t r[4], unsigned *j) {
  for (unsigned i = 4; i-- > 0;) {
    r[i] = sg_ror16(r[i], sg_rc2_shift[i]);
    const uint16_t a = r[(i + 3) & 3], b = r[(i + 2) & 3], c = r[(i + 1) & 3];
    r[i] = (uint16_t)(r[i] - ctx->k[*j] - (a & b) - ((uint16_t)~a & c));
    (*j)--;
  }
}

static void sg_rc2_rmash(const sg_rc2 *ctx, uint16_t r[4]) {
  for (unsigned i = 4; i-- > 0;) {
    r[i] = (uint16_t)(r[i] - ctx->k[r[(i + 3) & 3] & 63u]);
  }
}

void sg_rc2_encrypt_block(const sg_rc2 *ctx, const uint8_t in[8], uint8_t out[8]) {
  uint16_t r[4];
  unsigned j = 0;
  sg_rc2_load(in, r);
  /* 5 mixing rounds, mash, 6 mixing, mash, 5 mixing (§3.3). */
  for (unsigned round = 0; round < 16; round++) {
    sg_rc2_mix(ctx, r, &j);
    if (round == 4 || round == 10) {
      sg_rc2_mash(ctx, r);
    }
  }
  sg_rc2_store(r, out);
}

void sg_rc2_decrypt_block(const sg_rc2 *ctx, const uint8_t in[8], uint8_t out[8]) {
  uint16_t r[4];
  unsigned j = 63;
  sg_rc2_load(in, r);
  for (unsigned round = 0; round < 16; round++) {
    sg_rc2_rmix(ctx, r, &j);
    if (round == 4 || round == 10) {
      sg_rc2_rmash(ctx, r);
    }
  }
  sg_rc2_store(r, out);
}

int sg_rc2_cbc_decrypt(const sg_rc2 *ctx, uint8_t iv[8], const uint8_t *in, size_t len,
                       uint8_t *out) {
  int ret = -1;
  uint8_t block[8], next_iv[8];
  if (ctx == NULL || iv == NULL || (len != 0 && (in == NULL || out == NULL)) || len % 8 != 0) {
    return -1;
  }
  for (size_t off = 0; off < len; off += 8) {
    memcpy(next_iv, in + off, 8); /* before out overwrites it when in == out */
    sg_rc2_decrypt_block(ctx, in + off, block);
    for (unsigned i = 0; i < 8; i++) {
      out[off + i] = (uint8_t)(block[i] ^ iv[i]);
    }
    memcpy(iv, next_iv, 8);
  }
  mbedtls_platform_zeroize(block, sizeof block);
  ret = 0;
  return ret;
}

void sg_rc2_free(sg_rc2 *ctx) {
  if (ctx != NULL) {
    mbedtls_platform_zeroize(ctx, sizeof *ctx);
  }
}

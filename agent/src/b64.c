#include "b64.h"

#include "stagegate/errors.h"

static const char sg_b64_std_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char sg_b64_url_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t sg_b64_encoded_len(sg_b64_alphabet alphabet, size_t n) {
  if (alphabet == SG_B64_URL) {
    return (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
  }
  return ((n + 2) / 3) * 4;
}

int sg_b64_encode(sg_b64_alphabet alphabet, const uint8_t *in, size_t n, char *out,
                  size_t out_cap) {
  int ret = SG_ERR_ARG;
  const char *chars = alphabet == SG_B64_URL ? sg_b64_url_chars : sg_b64_std_chars;
  if ((in == NULL && n != 0) || out == NULL || n > SIZE_MAX / 2u) {
    return ret;
  }
  if (out_cap < sg_b64_encoded_len(alphabet, n) + 1u) {
    return SG_ERR_TOO_LARGE;
  }
  size_t o = 0;
  size_t i = 0;
  for (; i + 3u <= n; i += 3u) {
    const uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1u] << 8) | in[i + 2u];
    out[o++] = chars[(v >> 18) & 63u];
    out[o++] = chars[(v >> 12) & 63u];
    out[o++] = chars[(v >> 6) & 63u];
    out[o++] = chars[v & 63u];
  }
  const size_t rest = n - i;
  if (rest != 0) {
    const uint32_t v = ((uint32_t)in[i] << 16) | (rest == 2u ? (uint32_t)in[i + 1u] << 8 : 0u);
    out[o++] = chars[(v >> 18) & 63u];
    out[o++] = chars[(v >> 12) & 63u];
    if (rest == 2u) {
      out[o++] = chars[(v >> 6) & 63u];
    }
    while (alphabet == SG_B64_STD && o % 4u != 0) {
      out[o++] = '=';
    }
  }
  out[o] = '\0';
  ret = SG_OK;
  return ret;
}

/*
 * Decoding table: the value (0..63) in the low six bits; 0x80 marks a
 * character base64url does not have ('+', '/'), 0x40 one standard base64
 * does not have ('-', '_'); everything else has both bits. One table for
 * both alphabets, ASCII only (bytes from 0x80 are refused before the
 * lookup), keeps the device's flash small; decoding four characters
 * at a time with one check per group is what makes it cheap (the payload
 * of every profile passes through here).
 */
static const uint8_t sg_b64_decode_table[128] = {
    0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0,
    0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0,
    0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xBE, 0xC0, 0x7E, 0xC0, 0xBF,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0,
    0xC0, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
    0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0xC0, 0xC0, 0xC0, 0xC0, 0x7F,
    0xC0, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x33, 0xC0, 0xC0, 0xC0, 0xC0, 0xC0,
};

/* The bits that make a table entry invalid in `alphabet`. */
static uint32_t sg_b64_bad_bits(sg_b64_alphabet alphabet) {
  return alphabet == SG_B64_URL ? 0x80u : 0x40u;
}

int sg_b64_decode(sg_b64_alphabet alphabet, const char *in, size_t in_len, uint8_t *out,
                  size_t out_cap, size_t *out_len, int fmt_err) {
  int ret = fmt_err;
  if (in == NULL || out_len == NULL || (out == NULL && out_cap != 0)) {
    return SG_ERR_ARG;
  }
  *out_len = 0;
  size_t n = in_len;
  if (alphabet == SG_B64_STD) {
    /* Canonical padding: total length a multiple of 4, at most two '='. */
    if (n % 4 != 0) {
      return fmt_err;
    }
    if (n > 0 && in[n - 1] == '=') {
      n--;
      if (in[n - 1] == '=') {
        n--;
      }
    }
  }
  if (n % 4 == 1) {
    return fmt_err;
  }
  const size_t need = (n / 4) * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
  if (need > out_cap) {
    return SG_ERR_TOO_LARGE;
  }
  const uint32_t bad = sg_b64_bad_bits(alphabet);
  const unsigned char *u = (const unsigned char *)in;
  size_t o = 0;
  size_t i = 0;
  for (; i + 4u <= n; i += 4u) {
    if (((u[i] | u[i + 1u] | u[i + 2u] | u[i + 3u]) & 0x80u) != 0) {
      return fmt_err;
    }
    const uint32_t a = sg_b64_decode_table[u[i]], b = sg_b64_decode_table[u[i + 1u]],
                   c = sg_b64_decode_table[u[i + 2u]], d = sg_b64_decode_table[u[i + 3u]];
    if (((a | b | c | d) & bad) != 0) {
      return fmt_err;
    }
    const uint32_t v = ((a & 63u) << 18) | ((b & 63u) << 12) | ((c & 63u) << 6) | (d & 63u);
    out[o++] = (uint8_t)(v >> 16);
    out[o++] = (uint8_t)(v >> 8);
    out[o++] = (uint8_t)v;
  }
  uint32_t acc = 0;
  unsigned bits = 0;
  for (; i < n; i++) { /* the last 2 or 3 characters */
    const uint32_t v = u[i] < 0x80u ? sg_b64_decode_table[u[i]] : 0xC0u;
    if ((v & bad) != 0) {
      return fmt_err;
    }
    acc = (acc << 6) | (v & 63u);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1u;
    }
  }
  if (acc != 0) { /* leftover bits must be zero: one text, one meaning */
    return fmt_err;
  }
  *out_len = o;
  ret = SG_OK;
  return ret;
}

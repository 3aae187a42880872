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

/* 0..63, or -1 for a character outside the alphabet. */
static int sg_b64_value(sg_b64_alphabet alphabet, char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (alphabet == SG_B64_URL) {
    return c == '-' ? 62 : c == '_' ? 63 : -1;
  }
  return c == '+' ? 62 : c == '/' ? 63 : -1;
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
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    const int v = sg_b64_value(alphabet, in[i]);
    if (v < 0) {
      return fmt_err;
    }
    acc = (acc << 6) | (uint32_t)v;
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

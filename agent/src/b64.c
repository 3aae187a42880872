#include "b64.h"

#include "stagegate/errors.h"

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

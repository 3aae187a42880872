/*
 * Base64 in the two forms stagegate uses: base64url without padding for
 * every JWS part (RFC 7515 §2), standard base64 with padding for DER
 * certificates inside profiles and in x5c (RFC 7515 §4.1.6).
 */
#include <stdlib.h>
#include <string.h>

#include "sg_sign.h"

static const char sg_b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char sg_b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t sg_b64_len(size_t n, int url) {
  if (url) {
    return (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
  }
  return ((n + 2) / 3) * 4;
}

int sg_b64_encode(const uint8_t *in, size_t n, int url, char *out, size_t out_size) {
  int ret = -1;
  const char *alpha = url ? sg_b64_url : sg_b64_std;
  if ((in == NULL && n != 0) || out == NULL || n > (SIZE_MAX / 4) - 4 ||
      out_size < sg_b64_len(n, url) + 1) {
    return -1;
  }
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
    out[o++] = alpha[(v >> 18) & 63u];
    out[o++] = alpha[(v >> 12) & 63u];
    out[o++] = alpha[(v >> 6) & 63u];
    out[o++] = alpha[v & 63u];
  }
  const size_t rest = n - i;
  if (rest != 0) {
    const uint32_t v = ((uint32_t)in[i] << 16) | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0u);
    out[o++] = alpha[(v >> 18) & 63u];
    out[o++] = alpha[(v >> 12) & 63u];
    if (rest == 2) {
      out[o++] = alpha[(v >> 6) & 63u];
    } else if (!url) {
      out[o++] = '=';
    }
    if (!url) {
      out[o++] = '=';
    }
  }
  out[o] = '\0';
  ret = 0;
  return ret;
}

char *sg_b64_encode_alloc(const uint8_t *in, size_t n, int url) {
  const size_t size = sg_b64_len(n, url) + 1;
  char *out = malloc(size);
  if (out != NULL && sg_b64_encode(in, n, url, out, size) != 0) {
    free(out);
    out = NULL;
  }
  return out;
}

static int sg_b64_value(char c, int url) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == (url ? '-' : '+')) {
    return 62;
  }
  if (c == (url ? '_' : '/')) {
    return 63;
  }
  return -1;
}

int sg_b64_decode(const char *in, size_t n, int url, uint8_t *out, size_t out_size,
                  size_t *out_len) {
  int ret = -1;
  if ((in == NULL && n != 0) || out_len == NULL || (out == NULL && out_size != 0)) {
    return -1;
  }
  size_t data = n;
  if (!url) {
    if (n % 4 != 0) {
      return -1;
    }
    while (data > 0 && n - data < 2 && in[data - 1] == '=') {
      data--;
    }
  }
  if (data % 4 == 1) {
    return -1; /* one leftover character cannot carry a byte */
  }
  const size_t need = (data / 4) * 3 + (data % 4 == 0 ? 0 : data % 4 - 1);
  if (need > out_size) {
    return -1;
  }
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < data; i++) {
    const int v = sg_b64_value(in[i], url);
    if (v < 0) {
      return -1;
    }
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (uint8_t)((acc >> bits) & 0xffu);
    }
  }
  /* Canonical encodings only: leftover bits must be zero. */
  if ((acc & ((1u << bits) - 1u)) != 0) {
    return -1;
  }
  *out_len = o;
  ret = 0;
  return ret;
}

int sg_b64_decode_alloc(const char *in, size_t n, int url, uint8_t **out, size_t *out_len) {
  int ret = -1;
  if (out == NULL || out_len == NULL) {
    return -1;
  }
  *out = NULL;
  const size_t size = (n / 4) * 3 + 3;
  uint8_t *buf = malloc(size);
  if (buf == NULL) {
    return -1;
  }
  ret = sg_b64_decode(in, n, url, buf, size, out_len);
  if (ret != 0) {
    free(buf);
    return ret;
  }
  *out = buf;
  return ret;
}

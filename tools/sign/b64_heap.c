/*
 * Heap conveniences over the device's base64 (agent/src/b64.c): the tool
 * encodes and decodes with the same code the device decodes with, so a
 * text it writes is one the device reads, and a text it accepts is one the
 * device accepts.
 */
#include <stdlib.h>

#include "sg_sign.h"

static sg_b64_alphabet sg_alphabet(int url) { return url ? SG_B64_URL : SG_B64_STD; }

size_t sg_b64_len(size_t n, int url) { return sg_b64_encoded_len(sg_alphabet(url), n); }

char *sg_b64_encode_alloc(const uint8_t *in, size_t n, int url) {
  const size_t size = sg_b64_len(n, url) + 1;
  char *out = malloc(size);
  if (out != NULL && sg_b64_encode(sg_alphabet(url), in, n, out, size) != SG_OK) {
    free(out);
    out = NULL;
  }
  return out;
}

int sg_b64_decode_alloc(const char *in, size_t n, int url, uint8_t **out, size_t *out_len) {
  int ret = -1;
  if (in == NULL || out == NULL || out_len == NULL) {
    return -1;
  }
  *out = NULL;
  const size_t size = SG_B64_DECODED_MAX(n);
  uint8_t *buf = malloc(size);
  if (buf == NULL) {
    return -1;
  }
  if (sg_b64_decode(sg_alphabet(url), in, n, buf, size, out_len, SG_ERR_FORMAT) != SG_OK) {
    free(buf);
    return -1;
  }
  *out = buf;
  ret = 0;
  return ret;
}

#include "scan_payload.h"

#include <stdio.h>
#include <string.h>

static uint32_t sg_xorshift(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

void sg_payload_chunk(char *buf, size_t len, unsigned i, unsigned n, uint32_t seed) {
  static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static const char hex[] = "0123456789abcdef";
  uint32_t s = seed * 2654435761u + 1u;
  char head[40];
  char set[13];
  for (int k = 0; k < 12; k++) {
    set[k] = hex[sg_xorshift(&s) & 15u];
  }
  set[12] = '\0';
  int h = snprintf(head, sizeof head, "SG1:%u/%u:%s:", i, n, set);
  size_t pos = 0;
  for (; pos < (size_t)h && pos < len; pos++) {
    buf[pos] = head[pos];
  }
  for (; pos < len; pos++) {
    buf[pos] = b64u[sg_xorshift(&s) & 63u];
  }
  buf[len] = '\0';
}

void sg_payload_binary(uint8_t *buf, size_t len, uint32_t seed) {
  uint32_t s = seed * 2246822519u + 7u;
  for (size_t k = 0; k < len; k++) {
    buf[k] = (uint8_t)(sg_xorshift(&s) >> 11);
  }
  if (len > 2) {
    buf[0] = 0x00; /* make sure NUL and 0xFF are in every payload */
    buf[len - 1] = 0xff;
  }
}

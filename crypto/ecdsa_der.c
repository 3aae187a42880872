#include "sg_ecdsa_der.h"

#include <string.h>

/*
 * ECDSA signatures: mbedTLS produces DER (Ecdsa-Sig-Value), JWS wants the
 * fixed-size R || S (RFC 7518 §3.4). mbedTLS's own converters need its PSA
 * layer, which this build leaves out, so both directions are here. DER is
 * read strictly: short-form lengths (the values fit), minimal positive
 * INTEGERs, nothing trailing.
 */
static int sg_der_get_uint(const uint8_t **p, const uint8_t *end, size_t coord, uint8_t *out) {
  const uint8_t *c = *p;
  if (end - c < 3 || c[0] != 0x02 || c[1] == 0 || c[1] > coord + 1 || (size_t)(end - c - 2) < c[1]) {
    return -1;
  }
  size_t len = c[1];
  const uint8_t *v = c + 2;
  *p = v + len;
  if ((v[0] & 0x80u) != 0 || (len > 1 && v[0] == 0 && (v[1] & 0x80u) == 0)) {
    return -1; /* negative, or not minimal */
  }
  if (v[0] == 0 && len > 1) {
    v++;
    len--;
  }
  if (len > coord) {
    return -1;
  }
  memset(out, 0, coord - len);
  memcpy(out + coord - len, v, len);
  return 0;
}

int sg_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t coord, uint8_t *raw) {
  if (der == NULL || raw == NULL || (coord != 32 && coord != 48) || der_len < 2 ||
      der[0] != 0x30 || der[1] >= 0x80 || der[1] != der_len - 2) {
    return -1;
  }
  const uint8_t *p = der + 2, *end = der + der_len;
  if (sg_der_get_uint(&p, end, coord, raw) != 0 ||
      sg_der_get_uint(&p, end, coord, raw + coord) != 0 || p != end) {
    return -1;
  }
  return 0;
}

/* Append one minimal DER INTEGER for the unsigned big-endian v[0..n). */
static size_t sg_der_put_uint(uint8_t *out, const uint8_t *v, size_t n) {
  while (n > 1 && v[0] == 0) {
    v++;
    n--;
  }
  const size_t pad = (v[0] & 0x80u) != 0 ? 1u : 0u;
  out[0] = 0x02;
  out[1] = (uint8_t)(n + pad);
  out[2] = 0;
  memcpy(out + 2 + pad, v, n);
  return 2 + pad + n;
}

int sg_ecdsa_raw_to_der(const uint8_t *raw, size_t coord, uint8_t *der, size_t der_size,
                        size_t *der_len) {
  if (raw == NULL || der == NULL || der_len == NULL || (coord != 32 && coord != 48) ||
      der_size < 2 + 2 * (3 + coord)) {
    return -1;
  }
  size_t n = 2;
  n += sg_der_put_uint(der + n, raw, coord);
  n += sg_der_put_uint(der + n, raw + coord, coord);
  der[0] = 0x30;
  der[1] = (uint8_t)(n - 2); /* at most 102 for P-384: short form */
  *der_len = n;
  return 0;
}

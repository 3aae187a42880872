#include "mbedtls/constant_time.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"
#include "sg_crypto.h"

void sg_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  /* Cannot fail with the software implementation and a valid pointer. */
  (void)mbedtls_sha256(data, len, out, 0);
}

int sg_ct_equal(const uint8_t *a, const uint8_t *b, size_t len) {
  return mbedtls_ct_memcmp(a, b, len) == 0;
}

void sg_wipe(void *buf, size_t len) { mbedtls_platform_zeroize(buf, len); }

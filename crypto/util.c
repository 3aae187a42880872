#include "mbedtls/constant_time.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"
#include "sg_crypto.h"

void sg_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  /* Cannot fail with the software implementation and a valid pointer. */
  (void)mbedtls_sha256(data, len, out, 0);
}

/* The software SHA-256 cannot fail on valid pointers, so the streaming
 * calls return nothing; a NULL-free caller is the contract. */
void sg_sha256_start(sg_sha256_ctx *c) {
  mbedtls_sha256_init(&c->ctx);
  (void)mbedtls_sha256_starts(&c->ctx, 0);
}

void sg_sha256_update(sg_sha256_ctx *c, const uint8_t *data, size_t len) {
  (void)mbedtls_sha256_update(&c->ctx, data, len);
}

void sg_sha256_finish(sg_sha256_ctx *c, uint8_t out[32]) {
  (void)mbedtls_sha256_finish(&c->ctx, out);
  mbedtls_sha256_free(&c->ctx);
}

int sg_ct_equal(const uint8_t *a, const uint8_t *b, size_t len) {
  return mbedtls_ct_memcmp(a, b, len) == 0;
}

void sg_wipe(void *buf, size_t len) { mbedtls_platform_zeroize(buf, len); }

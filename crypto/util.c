#include "mbedtls/asn1.h"
#include "mbedtls/bignum.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pem.h"
#include "mbedtls/x509.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"
#include "sg_crypto.h"

void sg_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  /* Cannot fail with the software implementation and a valid pointer. */
  (void)mbedtls_sha256(data, len, out, 0);
}

/* The software SHA-256 cannot fail on valid pointers, so the streaming
 * calls return nothing; a NULL-free caller is the contract. */
_Static_assert(sizeof(mbedtls_sha256_context) <= sizeof(sg_sha256_ctx),
               "sg_sha256_ctx (sg_crypto_api.h) too small for mbedtls_sha256_context");
_Static_assert(_Alignof(mbedtls_sha256_context) <= _Alignof(sg_sha256_ctx),
               "sg_sha256_ctx under-aligned for mbedtls_sha256_context");

/* The caller's opaque storage holds mbedTLS' context. */
static mbedtls_sha256_context *sg_sha256_of(sg_sha256_ctx *c) {
  return (mbedtls_sha256_context *)(void *)c->opaque;
}

void sg_sha256_start(sg_sha256_ctx *c) {
  mbedtls_sha256_init(sg_sha256_of(c));
  (void)mbedtls_sha256_starts(sg_sha256_of(c), 0);
}

void sg_sha256_update(sg_sha256_ctx *c, const uint8_t *data, size_t len) {
  (void)mbedtls_sha256_update(sg_sha256_of(c), data, len);
}

void sg_sha256_finish(sg_sha256_ctx *c, uint8_t out[32]) {
  (void)mbedtls_sha256_finish(sg_sha256_of(c), out);
  mbedtls_sha256_free(sg_sha256_of(c));
}

void *sg_crypto_calloc(size_t n, size_t size) { return mbedtls_calloc(n, size); }

void sg_crypto_free(void *p) { mbedtls_free(p); }

int sg_ct_equal(const uint8_t *a, const uint8_t *b, size_t len) {
  return mbedtls_ct_memcmp(a, b, len) == 0;
}

void sg_wipe(void *buf, size_t len) { mbedtls_platform_zeroize(buf, len); }

/* mbedTLS codes are a high-level part (module, 0x7F80 bits) plus an
 * optional low-level cause (0x007F bits); either may say "out of memory". */
int sg_mbedtls_is_oom(int rc) {
  if (rc >= 0) {
    return 0;
  }
  const int high = -((-rc) & 0x7F80);
  const int low = -((-rc) & 0x007F);
  return high == MBEDTLS_ERR_X509_ALLOC_FAILED || high == MBEDTLS_ERR_PK_ALLOC_FAILED ||
         high == MBEDTLS_ERR_ECP_ALLOC_FAILED || high == MBEDTLS_ERR_PEM_ALLOC_FAILED ||
         low == MBEDTLS_ERR_MPI_ALLOC_FAILED || low == MBEDTLS_ERR_ASN1_ALLOC_FAILED;
}

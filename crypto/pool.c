/*
 * sg_pool_init (stagegate/platform.h): hand stagegate's mbedTLS a static
 * pool. A firmware cannot call mbedtls_memory_buffer_alloc_init itself for
 * an installed stagegate with the bundled mbedTLS, whose symbols are
 * renamed (cmake/PrivateMbedtls.cmake): this is the name that stays.
 * The one configuration switch lives here, at the port edge, not in the
 * core's logic.
 */
#include "sg_crypto.h"
#include "stagegate/errors.h"
#include "stagegate/platform.h"

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include "mbedtls/memory_buffer_alloc.h"
#endif

int sg_pool_init(void *buf, size_t len) {
  int ret = SG_ERR_ARG;
  if (buf == NULL || len < 1024u) {
    return ret;
  }
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
  mbedtls_memory_buffer_alloc_init(buf, len);
  ret = SG_OK;
#endif
  return ret;
}

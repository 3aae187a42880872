/*
 * No heap on the device: one static pool (board.c) serves mbedTLS, cJSON
 * and the C library alike. newlib allocates behind the caller's back —
 * strtod, which cJSON uses for numbers, needs bignums for long numbers —
 * so its allocator entry points are routed to the pool here instead of to
 * a heap grown with _sbrk; a pool that is full makes strtod fail (cJSON then
 * reports a malformed number) rather than grow into the stack.
 *
 * Each block carries its size in front, because realloc needs it and the
 * pool allocator (mbedTLS' buffer allocator) does not expose it.
 */
#include <errno.h>
#include <reent.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/platform.h"

#define SG_LIBC_HEADER 8u /* keeps 8-byte alignment for the caller */

static void *sg_libc_alloc(size_t n) {
  if (n > SIZE_MAX - SG_LIBC_HEADER) {
    return NULL;
  }
  uint8_t *p = mbedtls_calloc(1, n + SG_LIBC_HEADER);
  if (p == NULL) {
    return NULL;
  }
  memcpy(p, &n, sizeof n);
  return p + SG_LIBC_HEADER;
}

static void sg_libc_free(void *q) {
  if (q != NULL) {
    mbedtls_free((uint8_t *)q - SG_LIBC_HEADER);
  }
}

static size_t sg_libc_size(const void *q) {
  size_t n;
  memcpy(&n, (const uint8_t *)q - SG_LIBC_HEADER, sizeof n);
  return n;
}

static void *sg_libc_realloc(void *q, size_t n) {
  if (q == NULL) {
    return sg_libc_alloc(n);
  }
  if (n == 0) {
    sg_libc_free(q);
    return NULL;
  }
  void *r = sg_libc_alloc(n);
  if (r != NULL) {
    const size_t old = sg_libc_size(q);
    memcpy(r, q, old < n ? old : n);
    sg_libc_free(q);
  }
  return r;
}

static void *sg_libc_calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) {
    return NULL;
  }
  return sg_libc_alloc(count * size); /* mbedtls_calloc zeroes */
}

/* newlib's reentrant entry points (what its internals call) ... */
void *_malloc_r(struct _reent *r, size_t n);
void _free_r(struct _reent *r, void *p);
void *_calloc_r(struct _reent *r, size_t count, size_t size);
void *_realloc_r(struct _reent *r, void *p, size_t n);
void *_malloc_r(struct _reent *r, size_t n) {
  (void)r;
  return sg_libc_alloc(n);
}
void _free_r(struct _reent *r, void *p) {
  (void)r;
  sg_libc_free(p);
}
void *_calloc_r(struct _reent *r, size_t count, size_t size) {
  (void)r;
  return sg_libc_calloc(count, size);
}
void *_realloc_r(struct _reent *r, void *p, size_t n) {
  (void)r;
  return sg_libc_realloc(p, n);
}

/* ... and the standard ones, so no newlib allocator object is linked. */
void *malloc(size_t n) { return sg_libc_alloc(n); }
void free(void *p) { sg_libc_free(p); }
void *calloc(size_t count, size_t size) { return sg_libc_calloc(count, size); }
void *realloc(void *p, size_t n) { return sg_libc_realloc(p, n); }

/* Nothing may grow a heap: a link-time guard for anything that still tries. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr) {
  (void)incr;
  errno = ENOMEM;
  return (void *)-1;
}

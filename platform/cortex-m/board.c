/*
 * Cortex-M board services: console over semihosting, stack high-water mark
 * by painting, and the static pool that is mbedTLS' only memory.
 *
 * The pool is painted too. mbedTLS' allocator is first-fit from the low
 * end and calloc zeroes every block it hands out, so the highest byte no
 * longer holding the paint is the smallest pool this run would have fitted
 * in, fragmentation included. That needs no MBEDTLS_MEMORY_DEBUG, so an
 * image built without it (to save its code) still reports an honest peak.
 */
#include <stdint.h>

#include "mbedtls/memory_buffer_alloc.h"
#include "sg_board.h"
#include "semihost.h"

#ifndef SG_POOL_SIZE
#define SG_POOL_SIZE (48u * 1024u)
#endif

#define SG_STACK_PAINT 0xA5C3A5C3u
#define SG_POOL_PAINT 0x5AC35AC3u
/* The allocator's first block header sits at the pool's start: leave it. */
#define SG_POOL_HEADER_ROOM 64u

extern uint32_t _sstack[], _estack[];

static unsigned char sg_pool[SG_POOL_SIZE] __attribute__((aligned(8)));

void sg_board_init(void);
void sg_board_init(void) { sg_board_pool_restart(); }

void sg_board_pool_restart(void) {
  mbedtls_memory_buffer_alloc_init(sg_pool, sizeof sg_pool); /* zeroes the pool */
  uint32_t *p = (uint32_t *)(void *)(sg_pool + SG_POOL_HEADER_ROOM);
  uint32_t *const end = (uint32_t *)(void *)(sg_pool + sizeof sg_pool);
  while (p < end) {
    *p++ = SG_POOL_PAINT;
  }
}

size_t sg_board_pool_high_water(void) {
  const uint32_t *const start = (const uint32_t *)(const void *)(sg_pool + SG_POOL_HEADER_ROOM);
  const uint32_t *p = (const uint32_t *)(const void *)(sg_pool + sizeof sg_pool);
  while (p > start && p[-1] == SG_POOL_PAINT) {
    p--;
  }
  return (size_t)((const unsigned char *)p - sg_pool);
}

void sg_board_write(const char *s, size_t n) { sg_semihost_write(s, n); }

static uintptr_t sg_current_sp(void) {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

void sg_board_stack_paint(void) {
  /* Paint from the stack's low end up to a little below our own frame. */
  uint32_t *p = _sstack;
  uint32_t *const stop = (uint32_t *)(sg_current_sp() - 64u);
  while (p < stop) {
    *p++ = SG_STACK_PAINT;
  }
}

size_t sg_board_stack_peak(void) {
  const uint32_t *p = _sstack;
  while (p < _estack && *p == SG_STACK_PAINT) {
    p++;
  }
  return (size_t)((uintptr_t)_estack - (uintptr_t)p);
}

#if defined(MBEDTLS_MEMORY_DEBUG)
size_t sg_board_pool_peak(void) {
  size_t max_used = 0;
  size_t max_blocks = 0;
  mbedtls_memory_buffer_alloc_max_get(&max_used, &max_blocks);
  return max_used;
}

void sg_board_pool_reset_peak(void) { mbedtls_memory_buffer_alloc_max_reset(); }
#else
/* Without the allocator's statistics the peak is the painted high-water
 * mark since the last sg_board_pool_restart(); it cannot be reset while
 * blocks are live. */
size_t sg_board_pool_peak(void) { return sg_board_pool_high_water(); }

void sg_board_pool_reset_peak(void) {}
#endif

size_t sg_board_pool_size(void) { return sizeof sg_pool; }

/*
 * Cortex-M board services: console over semihosting, stack high-water mark
 * by painting, and the static pool that is mbedTLS' only memory.
 */
#include <stdint.h>

#include "mbedtls/memory_buffer_alloc.h"
#include "sg_board.h"
#include "semihost.h"

#ifndef SG_POOL_SIZE
#define SG_POOL_SIZE (48u * 1024u)
#endif

#define SG_STACK_PAINT 0xA5C3A5C3u

extern uint32_t _sstack[], _estack[];

static unsigned char sg_pool[SG_POOL_SIZE] __attribute__((aligned(8)));

void sg_board_init(void);
void sg_board_init(void) { mbedtls_memory_buffer_alloc_init(sg_pool, sizeof sg_pool); }

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

size_t sg_board_pool_peak(void) {
  size_t max_used = 0;
  size_t max_blocks = 0;
  mbedtls_memory_buffer_alloc_max_get(&max_used, &max_blocks);
  return max_used;
}

size_t sg_board_pool_size(void) { return sizeof sg_pool; }

void sg_board_pool_reset_peak(void) { mbedtls_memory_buffer_alloc_max_reset(); }

/* A bump allocator over a caller buffer: decoded headers, payloads and
 * signatures of one profile live here and vanish together. */
#ifndef SG_ARENA_H
#define SG_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t used;
} sg_arena;

static inline void sg_arena_init(sg_arena *a, uint8_t *buf, size_t cap) {
  a->buf = buf;
  a->cap = cap;
  a->used = 0;
}

/* n bytes aligned to 8 (any object fits), or NULL when the arena is full. */
static inline void *sg_arena_alloc(sg_arena *a, size_t n) {
  const size_t start = (a->used + 7u) & ~(size_t)7u;
  if (start > a->cap || n > a->cap - start) {
    return NULL;
  }
  a->used = start + n;
  return a->buf + start;
}

#endif

/*
 * No heap on the device: mbedTLS and cJSON get memory only from the static
 * pool. If anything in libc asks for heap, it gets nothing and the caller
 * sees an allocation failure rather than silently growing into the stack.
 */
#include <errno.h>
#include <stddef.h>

void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr) {
  (void)incr;
  errno = ENOMEM;
  return (void *)-1;
}

#include "semihost.h"

#include <stdint.h>

enum {
  SYS_OPEN = 0x01,
  SYS_WRITE = 0x05,
  SYS_EXIT = 0x18,
  ADP_STOPPED_APPLICATION_EXIT = 0x20026,
  ADP_STOPPED_RUNTIME_ERROR = 0x20023,
};

static uintptr_t sg_semihost_call(uintptr_t op, const void *arg) {
  register uintptr_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static int sg_console_handle = -1;

void sg_semihost_write(const char *s, size_t n) {
  if (sg_console_handle < 0) {
    /* ":tt" opened for writing (mode 4) is the debugger's console. */
    const uintptr_t open_args[3] = {(uintptr_t) ":tt", 4, 3};
    sg_console_handle = (int)sg_semihost_call(SYS_OPEN, open_args);
  }
  const uintptr_t write_args[3] = {(uintptr_t)sg_console_handle, (uintptr_t)s, n};
  (void)sg_semihost_call(SYS_WRITE, write_args);
}

void sg_semihost_exit(int status) {
  /* AArch32 SYS_EXIT takes the reason itself in r1, not a pointer. */
  const uintptr_t reason = status == 0 ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUNTIME_ERROR;
  register uintptr_t r0 __asm__("r0") = SYS_EXIT;
  register uintptr_t r1 __asm__("r1") = reason;
  __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
  for (;;) {
  }
}

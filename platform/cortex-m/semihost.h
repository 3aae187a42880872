/* ARM semihosting (QEMU -semihosting-config enable=on,target=native). */
#ifndef SG_SEMIHOST_H
#define SG_SEMIHOST_H

#include <stddef.h>

void sg_semihost_write(const char *s, size_t n);
/* Ends the QEMU run: status 0 exits QEMU with 0, anything else with 1. */
__attribute__((noreturn)) void sg_semihost_exit(int status);

#endif

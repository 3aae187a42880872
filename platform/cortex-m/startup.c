/*
 * mps2-an386 (Cortex-M4) start-up: vector table, .data/.bss set-up, the
 * static pool for mbedTLS, then main(); its return value leaves QEMU
 * through semihosting (0 = pass).
 */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);
void sg_board_init(void);
void Reset_Handler(void);
void sg_fault_handler(void);

__attribute__((noreturn)) void Reset_Handler(void) {
  memcpy(_sdata, _sidata, (size_t)((uintptr_t)_edata - (uintptr_t)_sdata));
  memset(_sbss, 0, (size_t)((uintptr_t)_ebss - (uintptr_t)_sbss));
  sg_board_init();
  sg_semihost_exit(main());
}

void sg_fault_handler(void) {
  static const char msg[] = "\n*** Cortex-M fault (HardFault/MemManage/BusFault/UsageFault)\n";
  sg_semihost_write(msg, sizeof msg - 1);
  sg_semihost_exit(1);
}

typedef void (*sg_vector)(void);

/* Initial SP, reset, then the system exceptions; no peripheral IRQs used. */
__attribute__((section(".isr_vector"), used)) const sg_vector sg_vector_table[16] = {
    (sg_vector)(uintptr_t)_estack,
    Reset_Handler,
    sg_fault_handler, /* NMI */
    sg_fault_handler, /* HardFault */
    sg_fault_handler, /* MemManage */
    sg_fault_handler, /* BusFault */
    sg_fault_handler, /* UsageFault */
};

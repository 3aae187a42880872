/*
 * Timing without SysTick: the CMSDK APB timer 0 of the MPS2 FPGA image,
 * run as a free 32-bit down-counter. QEMU derives it from its virtual
 * clock, which `-icount shift=0` ties to the instruction count, so the
 * figures are instruction counts, repeatable to the tick. (A cycle count of
 * a real Cortex-M4 differs: multiplies, loads and taken branches cost more
 * than one cycle, flash wait states add more.)
 */
#include <stdint.h>

#include "fw.h"

#define SG_CMSDK_TIMER0 0x40000000u

typedef struct {
  volatile uint32_t ctrl;   /* bit 0: enable */
  volatile uint32_t value;  /* current count, counts down at PCLK */
  volatile uint32_t reload; /* loaded when value reaches 0 */
  volatile uint32_t intstatus;
} sg_cmsdk_timer;

static sg_cmsdk_timer *sg_timer(void) { return (sg_cmsdk_timer *)SG_CMSDK_TIMER0; }

void sg_fw_timer_start(void) {
  sg_cmsdk_timer *t = sg_timer();
  t->ctrl = 0;
  t->reload = 0xFFFFFFFFu;
  t->value = 0xFFFFFFFFu;
  t->ctrl = 1u;
}

/* Ticks since start; wraps after 2^32 ticks (171 s of virtual time). */
uint32_t sg_fw_timer_ticks(void) { return 0xFFFFFFFFu - sg_timer()->value; }

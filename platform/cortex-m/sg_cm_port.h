/*
 * Cortex-M (mps2-an386) port: the trust-slot flash region and a settable
 * clock.
 *
 * sg_cm_flash: QEMU's mps2-an386 has no programmable flash, so the region
 * is RAM -- the .sg_flash section in PSRAM at 0x21000000 (see
 * mps2-an386.ld) -- with NOR semantics emulated in software: erase writes
 * 0xFF, programming ANDs (only clears bits), prog_size alignment enforced.
 * On real hardware this file is where the MCU's flash controller driver
 * goes; the trust slot above it does not change. QEMU starts RAM at 0, not
 * erased, so a first boot formats the region (the factory step of a real
 * line); RAM does not survive a QEMU restart.
 *
 * sg_cm_clock: Unix seconds held in a counter that the firmware sets (from
 * an RTC, GNSS or host) and advances from its tick; unset until set.
 */
#ifndef SG_CM_PORT_H
#define SG_CM_PORT_H

#include <stdint.h>

#include "stagegate/platform.h"

#define SG_CM_FLASH_SECTOR_SIZE 4096u
#define SG_CM_FLASH_SECTORS 4u /* two copies of two sectors: 16 KiB */
#define SG_CM_FLASH_PROG_SIZE 8u

typedef struct {
  uint8_t *base;
  uint32_t sector_size, sector_count, prog_size;
} sg_cm_flash;

/* Point `f` at the region. Leaves its contents alone. */
void sg_cm_flash_init(sg_cm_flash *f);
/* Erase the whole region (factory programming / a first QEMU boot). */
void sg_cm_flash_format(sg_cm_flash *f);
void sg_cm_flash_blockdev(sg_cm_flash *f, sg_blockdev *bd);

typedef struct {
  int64_t now;
  int set;
} sg_cm_clock;

void sg_cm_clock_init(sg_cm_clock *c); /* unset: now() reports -1 */
void sg_cm_clock_set(sg_cm_clock *c, int64_t unix_seconds);
void sg_cm_clock_advance(sg_cm_clock *c, uint32_t seconds); /* no-op while unset */
void sg_cm_clock_get(sg_cm_clock *c, sg_clock *out);

#endif /* SG_CM_PORT_H */

/*
 * A plain RAM block device with NOR rules (erase to 0xFF, program clears
 * bits), for tests that need storage but not power cuts. Failure switches
 * let a test make the next program/erase fail.
 */
#ifndef SG_RAM_NOR_H
#define SG_RAM_NOR_H

#include <stdint.h>

#include "stagegate/platform.h"

#define SG_RAM_NOR_SECTOR 4096u
#define SG_RAM_NOR_SECTORS 4u

typedef struct {
  uint8_t mem[SG_RAM_NOR_SECTORS * SG_RAM_NOR_SECTOR];
  int fail_writes; /* non-zero: program and erase fail */
  unsigned programs, erases;
} sg_ram_nor;

/* Erase everything and fill in `bd` to use it. */
void sg_ram_nor_init(sg_ram_nor *nor, sg_blockdev *bd);

#endif

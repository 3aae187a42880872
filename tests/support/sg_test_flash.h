/* A factory-fresh NOR chip (platform/sim) sized for one trust slot, for
 * tests that need storage. Four 4 KiB sectors: two per copy. */
#ifndef SG_TEST_FLASH_H
#define SG_TEST_FLASH_H

#include <stdint.h>

#include "sg_flash_sim.h"
#include "stagegate/platform.h"

#define SG_TEST_FLASH_SECTOR 4096u
#define SG_TEST_FLASH_SECTORS 4u

typedef struct {
  sg_flash_sim sim;
  sg_blockdev bd;
  uint8_t mem[SG_TEST_FLASH_SECTOR * SG_TEST_FLASH_SECTORS];
} sg_test_flash;

/* Erased chip with `sector_count` sectors of `sector_size` bytes (0, 0 for
 * the default geometry); f->bd is ready to hand to the agent. */
void sg_test_flash_init(sg_test_flash *f, uint32_t sector_size, uint32_t sector_count);

#endif

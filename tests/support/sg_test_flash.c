#include "sg_test_flash.h"

void sg_test_flash_init(sg_test_flash *f, uint32_t sector_size, uint32_t sector_count) {
  if (sector_size == 0 || (uint64_t)sector_size * sector_count > sizeof f->mem) {
    sector_size = SG_TEST_FLASH_SECTOR;
    sector_count = SG_TEST_FLASH_SECTORS;
  }
  (void)sg_flash_sim_init(&f->sim, f->mem, sizeof f->mem, sector_size, sector_count, 4, 0);
  sg_flash_sim_blockdev(&f->sim, &f->bd);
}

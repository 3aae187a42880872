#include "sg_ram_nor.h"

#include <string.h>

static int sg_ram_nor_read(void *ctx, uint32_t sector, uint32_t off, void *buf, uint32_t len) {
  sg_ram_nor *n = ctx;
  if (sector >= SG_RAM_NOR_SECTORS || off > SG_RAM_NOR_SECTOR || len > SG_RAM_NOR_SECTOR - off) {
    return -1;
  }
  memcpy(buf, n->mem + sector * SG_RAM_NOR_SECTOR + off, len);
  return 0;
}

static int sg_ram_nor_prog(void *ctx, uint32_t sector, uint32_t off, const void *buf, uint32_t len) {
  sg_ram_nor *n = ctx;
  if (n->fail_writes || sector >= SG_RAM_NOR_SECTORS || off > SG_RAM_NOR_SECTOR ||
      len > SG_RAM_NOR_SECTOR - off) {
    return -1;
  }
  uint8_t *dst = n->mem + sector * SG_RAM_NOR_SECTOR + off;
  const uint8_t *src = buf;
  for (uint32_t i = 0; i < len; i++) {
    dst[i] &= src[i]; /* NOR: programming only clears bits */
  }
  n->programs++;
  return 0;
}

static int sg_ram_nor_erase(void *ctx, uint32_t sector) {
  sg_ram_nor *n = ctx;
  if (n->fail_writes || sector >= SG_RAM_NOR_SECTORS) {
    return -1;
  }
  memset(n->mem + sector * SG_RAM_NOR_SECTOR, 0xFF, SG_RAM_NOR_SECTOR);
  n->erases++;
  return 0;
}

void sg_ram_nor_init(sg_ram_nor *nor, sg_blockdev *bd) {
  memset(nor, 0, sizeof *nor);
  memset(nor->mem, 0xFF, sizeof nor->mem);
  memset(bd, 0, sizeof *bd);
  bd->ctx = nor;
  bd->read = sg_ram_nor_read;
  bd->prog = sg_ram_nor_prog;
  bd->erase = sg_ram_nor_erase;
  bd->sector_size = SG_RAM_NOR_SECTOR;
  bd->prog_size = 1;
  bd->sector_count = SG_RAM_NOR_SECTORS;
}

/* sg_cm_flash: the trust-slot region in PSRAM with NOR semantics
 * (see sg_cm_port.h). */
#include <string.h>

#include "sg_cm_port.h"

/* The region itself: placed by the linker script at the start of PSRAM,
 * never loaded or zeroed by start-up (NOLOAD), like a flash part. */
static uint8_t sg_cm_flash_region[SG_CM_FLASH_SECTOR_SIZE * SG_CM_FLASH_SECTORS]
    __attribute__((section(".sg_flash"), aligned(8)));

static int sg_cm_range_ok(const sg_cm_flash *f, uint32_t sector, uint32_t off, uint32_t len) {
  return sector < f->sector_count && off <= f->sector_size && len <= f->sector_size - off;
}

static int sg_cm_read(void *ctx, uint32_t sector, uint32_t off, void *buf, uint32_t len) {
  const sg_cm_flash *f = ctx;
  if (!sg_cm_range_ok(f, sector, off, len)) {
    return -2;
  }
  memcpy(buf, f->base + sector * f->sector_size + off, len);
  return 0;
}

static int sg_cm_prog(void *ctx, uint32_t sector, uint32_t off, const void *buf, uint32_t len) {
  const sg_cm_flash *f = ctx;
  const uint8_t *src = buf;
  if (!sg_cm_range_ok(f, sector, off, len) || off % f->prog_size != 0 || len % f->prog_size != 0) {
    return -2;
  }
  uint8_t *dst = f->base + sector * f->sector_size + off;
  for (uint32_t i = 0; i < len; i++) {
    dst[i] &= src[i];
  }
  return 0;
}

static int sg_cm_erase(void *ctx, uint32_t sector) {
  const sg_cm_flash *f = ctx;
  if (sector >= f->sector_count) {
    return -2;
  }
  memset(f->base + sector * f->sector_size, 0xFF, f->sector_size);
  return 0;
}

void sg_cm_flash_init(sg_cm_flash *f) {
  f->base = sg_cm_flash_region;
  f->sector_size = SG_CM_FLASH_SECTOR_SIZE;
  f->sector_count = SG_CM_FLASH_SECTORS;
  f->prog_size = SG_CM_FLASH_PROG_SIZE;
}

void sg_cm_flash_format(sg_cm_flash *f) {
  for (uint32_t s = 0; s < f->sector_count; s++) {
    (void)sg_cm_erase(f, s);
  }
}

void sg_cm_flash_blockdev(sg_cm_flash *f, sg_blockdev *bd) {
  memset(bd, 0, sizeof *bd);
  bd->ctx = f;
  bd->read = sg_cm_read;
  bd->prog = sg_cm_prog;
  bd->erase = sg_cm_erase;
  bd->sector_size = f->sector_size;
  bd->prog_size = f->prog_size;
  bd->sector_count = f->sector_count;
}

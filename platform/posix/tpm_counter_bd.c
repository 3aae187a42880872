/*
 * The block device of sg_tpm_counter.h: the inner storage's read, prog and
 * erase, plus the counter hooks, which go to sg_tpm_counter_read/raise.
 * One file for both builds: with the TPM (tpm_counter.c) and without it
 * (tpm_counter_none.c, whose counter always fails, so the slot fails closed).
 */
#include <string.h>

#include "sg_tpm_counter.h"

static int sg_tpm_bd_read(void *ctx, uint32_t sector, uint32_t off, void *buf, uint32_t len) {
  const sg_tpm_counter *t = ctx;
  return t->inner.read(t->inner.ctx, sector, off, buf, len);
}

static int sg_tpm_bd_prog(void *ctx, uint32_t sector, uint32_t off, const void *buf,
                          uint32_t len) {
  const sg_tpm_counter *t = ctx;
  return t->inner.prog(t->inner.ctx, sector, off, buf, len);
}

static int sg_tpm_bd_erase(void *ctx, uint32_t sector) {
  const sg_tpm_counter *t = ctx;
  return t->inner.erase(t->inner.ctx, sector);
}

static int sg_tpm_bd_counter_read(void *ctx, uint32_t *value) {
  return sg_tpm_counter_read(ctx, value);
}

static int sg_tpm_bd_counter_raise(void *ctx, uint32_t value) {
  return sg_tpm_counter_raise(ctx, value);
}

void sg_tpm_counter_blockdev(sg_tpm_counter *t, const sg_blockdev *inner, sg_blockdev *out) {
  t->inner = *inner;
  memset(out, 0, sizeof *out);
  out->ctx = t;
  out->read = sg_tpm_bd_read;
  out->prog = sg_tpm_bd_prog;
  out->erase = sg_tpm_bd_erase;
  out->sector_size = inner->sector_size;
  out->prog_size = inner->prog_size;
  out->sector_count = inner->sector_count;
  out->counter_read = sg_tpm_bd_counter_read;
  out->counter_raise = sg_tpm_bd_counter_raise;
}

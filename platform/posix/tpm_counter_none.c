/* sg_tpm_counter when built without STAGEGATE_WITH_TPM (no tss2-esys):
 * every call fails, so `--tpm` on such a build is an error and a slot
 * wired to these hooks never loads (fail closed). */
#include <stdio.h>
#include <string.h>

#include "sg_tpm_counter.h"
#include "stagegate/errors.h"

static const char sg_tpm_none[] =
    "built without TPM support (STAGEGATE_WITH_TPM=OFF: install libtss2-dev and reconfigure)";

void sg_tpm_counter_init(sg_tpm_counter *t) { memset(t, 0, sizeof *t); }

int sg_tpm_counter_open(sg_tpm_counter *t, const char *tcti, uint32_t index, unsigned flags) {
  (void)tcti;
  (void)flags;
  if (t == NULL) {
    return SG_ERR_ARG;
  }
  t->index = index == 0 ? SG_TPM_INDEX_DEFAULT : index;
  (void)snprintf(t->error, sizeof t->error, "%s", sg_tpm_none);
  return SG_ERR_STORAGE;
}

int sg_tpm_counter_read(sg_tpm_counter *t, uint32_t *value) {
  (void)t;
  (void)value;
  return -1;
}

int sg_tpm_counter_raise(sg_tpm_counter *t, uint32_t value) {
  (void)t;
  (void)value;
  return -1;
}

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

int sg_tpm_counter_remove(sg_tpm_counter *t) {
  (void)t;
  return -1;
}

const char *sg_tpm_counter_error(const sg_tpm_counter *t) { return t == NULL ? "" : t->error; }

void sg_tpm_counter_close(sg_tpm_counter *t) { (void)t; }

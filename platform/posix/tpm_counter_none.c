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

int sg_tpm_counter_remove(sg_tpm_counter *t) {
  (void)t;
  return -1;
}

const char *sg_tpm_counter_error(const sg_tpm_counter *t) { return t == NULL ? "" : t->error; }

void sg_tpm_counter_close(sg_tpm_counter *t) { (void)t; }

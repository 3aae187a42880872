/* sg_tpm_counter on tss2-esys (see sg_tpm_counter.h for the design). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "sg_tpm_counter.h"
#include "stagegate/errors.h"

#define SG_TPM_VALUE_SIZE 8u
#define SG_TPM_NV_FIRST 0x01000000u
#define SG_TPM_NV_LAST 0x01FFFFFFu

/* What each index must and must not have (checked on every open). */
typedef struct {
  const char *what;
  TPM2_NT type;
  TPMA_NV required;
  TPMA_NV forbidden;
} sg_tpm_index_rule;

/* Never: deletable by policy (restarts the counter); ORDERLY (may jump
 * ahead after a power loss). Counter also never write-lockable: a counter
 * that still reads but can no longer be raised would let the slot's
 * generations run ahead of it unseen. Base: its lock must last. */
static const sg_tpm_index_rule sg_tpm_counter_rule = {
    "counter", TPM2_NT_COUNTER, TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE,
    TPMA_NV_POLICY_DELETE | TPMA_NV_ORDERLY | TPMA_NV_WRITEDEFINE | TPMA_NV_WRITE_STCLEAR |
        TPMA_NV_GLOBALLOCK};
static const sg_tpm_index_rule sg_tpm_base_rule = {
    "base", TPM2_NT_ORDINARY, TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_WRITEDEFINE,
    TPMA_NV_POLICY_DELETE | TPMA_NV_ORDERLY | TPMA_NV_CLEAR_STCLEAR | TPMA_NV_WRITE_STCLEAR};

/* Attributes we define with: the rule's required bits plus NO_DA (empty
 * auth cannot be guessed, and must not feed the lockout counter). */
static TPMA_NV sg_tpm_define_attrs(const sg_tpm_index_rule *rule) {
  return rule->required | TPMA_NV_NO_DA |
         (TPMA_NV)((TPMA_NV)rule->type << TPMA_NV_TPM2_NT_SHIFT);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int sg_tpm_fail(sg_tpm_counter *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(t->error, sizeof t->error, fmt, ap);
  va_end(ap);
  return -1;
}

static int sg_tpm_fail_rc(sg_tpm_counter *t, const char *what, TSS2_RC rc) {
  return sg_tpm_fail(t, "TPM %s of NV index 0x%08x: %s", what, (unsigned)t->index,
                     Tss2_RC_Decode(rc));
}

static uint64_t sg_be64(const uint8_t *b) {
  uint64_t v = 0;
  for (unsigned i = 0; i < SG_TPM_VALUE_SIZE; i++) {
    v = (v << 8) | b[i];
  }
  return v;
}

/* ---- index discovery, definition and checks ------------------------------- */

static int sg_tpm_exists(sg_tpm_counter *t, uint32_t handle, int *exists) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA *cap = NULL;
  const TSS2_RC rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                        TPM2_CAP_HANDLES, handle, 1, &more, &cap);
  if (rc != TSS2_RC_SUCCESS) {
    return sg_tpm_fail_rc(t, "GetCapability", rc);
  }
  *exists = cap->data.handles.count >= 1 && cap->data.handles.handle[0] == handle;
  Esys_Free(cap);
  return 0;
}

static int sg_tpm_define(sg_tpm_counter *t, uint32_t handle, const sg_tpm_index_rule *rule) {
  TPM2B_AUTH auth;
  TPM2B_NV_PUBLIC pub;
  ESYS_TR tr = ESYS_TR_NONE;
  memset(&auth, 0, sizeof auth);
  memset(&pub, 0, sizeof pub);
  pub.nvPublic.nvIndex = handle;
  pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
  pub.nvPublic.attributes = sg_tpm_define_attrs(rule);
  pub.nvPublic.dataSize = SG_TPM_VALUE_SIZE;
  const TSS2_RC rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                         ESYS_TR_NONE, &auth, &pub, &tr);
  if (rc != TSS2_RC_SUCCESS) {
    return sg_tpm_fail(t,
                       "TPM NV_DefineSpace of the %s index 0x%08x: %s (owner auth set? then "
                       "define it at provisioning, see docs)",
                       rule->what, (unsigned)handle, Tss2_RC_Decode(rc));
  }
  (void)Esys_TR_Close(t->esys, &tr);
  return 0;
}

/* Find (or, with SG_TPM_DEFINE, define) `handle`, check it, return its TR. */
static int sg_tpm_attach(sg_tpm_counter *t, uint32_t handle, const sg_tpm_index_rule *rule,
                         unsigned flags, uint32_t *tr_out) {
  int exists = 0;
  ESYS_TR tr = ESYS_TR_NONE;
  TPM2B_NV_PUBLIC *pub = NULL;
  if (sg_tpm_exists(t, handle, &exists) != 0) {
    return -1;
  }
  if (!exists) {
    if ((flags & SG_TPM_DEFINE) == 0) {
      return sg_tpm_fail(t,
                         "TPM NV %s index 0x%08x is missing, but the trust slot holds state: "
                         "the TPM was cleared or the index deleted (refusing to restart the "
                         "counter at 0; see docs on provisioning)",
                         rule->what, (unsigned)handle);
    }
    if (sg_tpm_define(t, handle, rule) != 0) {
      return -1;
    }
  }
  TSS2_RC rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
  if (rc != TSS2_RC_SUCCESS) {
    return sg_tpm_fail_rc(t, "TR_FromTPMPublic", rc);
  }
  rc = Esys_NV_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
  if (rc != TSS2_RC_SUCCESS) {
    (void)Esys_TR_Close(t->esys, &tr);
    return sg_tpm_fail_rc(t, "NV_ReadPublic", rc);
  }
  const TPMA_NV attrs = pub->nvPublic.attributes;
  const TPM2_NT type = (TPM2_NT)((attrs & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT);
  const int ok = type == rule->type && pub->nvPublic.dataSize == SG_TPM_VALUE_SIZE &&
                 (attrs & rule->required) == rule->required && (attrs & rule->forbidden) == 0;
  Esys_Free(pub);
  if (!ok) {
    (void)Esys_TR_Close(t->esys, &tr);
    return sg_tpm_fail(t,
                       "TPM NV index 0x%08x is not a stagegate %s index (attributes 0x%08x: "
                       "want type %u, 8 bytes, 0x%08x set, 0x%08x clear)",
                       (unsigned)handle, rule->what, (unsigned)attrs, (unsigned)rule->type,
                       (unsigned)rule->required, (unsigned)rule->forbidden);
  }
  *tr_out = tr;
  return 0;
}

/* ---- raw values ------------------------------------------------------------ */

/* What an index holds: its 8-byte value (0 until written) and state. */
typedef struct {
  uint64_t value;
  int written; /* TPMA_NV_WRITTEN */
  int locked;  /* TPMA_NV_WRITELOCKED */
} sg_tpm_nv;

/* Read `tr`. The public area is asked first, so that an unwritten index is
 * not read (the TSS would log the expected NV_UNINITIALIZED as an error). */
static int sg_tpm_nv_get(sg_tpm_counter *t, uint32_t tr, sg_tpm_nv *nv) {
  TPM2B_MAX_NV_BUFFER *data = NULL;
  TPM2B_NV_PUBLIC *pub = NULL;
  memset(nv, 0, sizeof *nv);
  TSS2_RC rc = Esys_NV_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
  if (rc != TSS2_RC_SUCCESS) {
    return sg_tpm_fail_rc(t, "NV_ReadPublic", rc);
  }
  nv->written = (pub->nvPublic.attributes & TPMA_NV_WRITTEN) != 0;
  nv->locked = (pub->nvPublic.attributes & TPMA_NV_WRITELOCKED) != 0;
  Esys_Free(pub);
  if (!nv->written) {
    return 0;
  }
  rc = Esys_NV_Read(t->esys, tr, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                    SG_TPM_VALUE_SIZE, 0, &data);
  if (rc != TSS2_RC_SUCCESS) {
    return sg_tpm_fail_rc(t, "NV_Read", rc);
  }
  const unsigned got = data->size;
  if (got == SG_TPM_VALUE_SIZE) {
    nv->value = sg_be64(data->buffer);
  }
  Esys_Free(data);
  return got == SG_TPM_VALUE_SIZE ? 0 : sg_tpm_fail(t, "TPM NV_Read returned %u bytes", got);
}

/* The base index. Final once written and write-locked (WRITEDEFINE: the
 * lock holds until the index is deleted), then cached. Locked but never
 * written can never be calibrated: an error, not a counter stuck at 0. */
static int sg_tpm_base_get(sg_tpm_counter *t, sg_tpm_nv *nv) {
  if (t->have_base) {
    nv->value = t->base;
    nv->written = 1;
    nv->locked = 1;
    return 0;
  }
  if (sg_tpm_nv_get(t, t->base_tr, nv) != 0) {
    return -1;
  }
  if (!nv->written && nv->locked) {
    return sg_tpm_fail(t,
                       "TPM base index 0x%08x is write-locked but was never written: the "
                       "counter cannot be calibrated (undefine and define both indices)",
                       (unsigned)(t->index + 1u));
  }
  if (nv->written && nv->locked) {
    t->base = nv->value;
    t->have_base = 1;
  }
  return 0;
}

static int sg_tpm_increment(sg_tpm_counter *t) {
  const TSS2_RC rc = Esys_NV_Increment(t->esys, t->counter_tr, t->counter_tr, ESYS_TR_PASSWORD,
                                       ESYS_TR_NONE, ESYS_TR_NONE);
  return rc == TSS2_RC_SUCCESS ? 0 : sg_tpm_fail_rc(t, "NV_Increment", rc);
}

/*
 * Calibration: base := the counter's raw value after its first increment,
 * then write-locked for good. Until the lock, nobody has raised the
 * counter past calibration (sg_tpm_counter_raise does not increment before
 * this returns), so whatever the base then holds -- ours, or a value
 * someone else wrote first -- can only make the counter read higher (the
 * device locks) or out of range (an error), never lower than a generation
 * it was raised to.
 */
static int sg_tpm_calibrate(sg_tpm_counter *t) {
  sg_tpm_nv base;
  sg_tpm_nv counter;
  TSS2_RC rc = TSS2_RC_SUCCESS;
  if (sg_tpm_base_get(t, &base) != 0) {
    return -1;
  }
  if (!base.written) {
    if (sg_tpm_nv_get(t, t->counter_tr, &counter) != 0) {
      return -1;
    }
    if (!counter.written) {
      return sg_tpm_fail(t, "TPM counter unwritten after NV_Increment");
    }
    TPM2B_MAX_NV_BUFFER data;
    memset(&data, 0, sizeof data);
    data.size = SG_TPM_VALUE_SIZE;
    for (unsigned i = 0; i < SG_TPM_VALUE_SIZE; i++) {
      data.buffer[i] = (uint8_t)(counter.value >> (8u * (SG_TPM_VALUE_SIZE - 1u - i)));
    }
    rc = Esys_NV_Write(t->esys, t->base_tr, t->base_tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                       ESYS_TR_NONE, &data, 0);
    if (rc != TSS2_RC_SUCCESS) {
      return sg_tpm_fail_rc(t, "NV_Write (base)", rc);
    }
  }
  if (!base.locked) {
    rc = Esys_NV_WriteLock(t->esys, t->base_tr, t->base_tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE);
    if (rc != TSS2_RC_SUCCESS) {
      return sg_tpm_fail_rc(t, "NV_WriteLock (base)", rc);
    }
  }
  if (sg_tpm_base_get(t, &base) != 0) {
    return -1;
  }
  return t->have_base ? 0 : sg_tpm_fail(t, "TPM base index 0x%08x not final after calibration",
                                        (unsigned)(t->index + 1u));
}

/* ---- the counter ------------------------------------------------------------ */

/* raw - base (0 before calibration); *counter_written: incremented ever. */
static int sg_tpm_value(sg_tpm_counter *t, uint32_t *value, int *counter_written) {
  sg_tpm_nv counter;
  sg_tpm_nv base;
  *value = 0;
  *counter_written = 0;
  if (!t->open) {
    return sg_tpm_fail(t, "TPM counter not open");
  }
  if (sg_tpm_nv_get(t, t->counter_tr, &counter) != 0 || sg_tpm_base_get(t, &base) != 0) {
    return -1;
  }
  *counter_written = counter.written;
  if (!counter.written || !base.written) {
    return 0; /* never raised, or calibration cut short before any raise */
  }
  if (counter.value < base.value || counter.value - base.value > UINT32_MAX) {
    return sg_tpm_fail(t, "TPM counter 0x%08x out of range (raw %llu, base %llu)",
                       (unsigned)t->index, (unsigned long long)counter.value,
                       (unsigned long long)base.value);
  }
  *value = (uint32_t)(counter.value - base.value);
  return 0;
}

int sg_tpm_counter_read(sg_tpm_counter *t, uint32_t *value) {
  int written = 0;
  if (t == NULL || value == NULL) {
    return -1;
  }
  return sg_tpm_value(t, value, &written);
}

int sg_tpm_counter_raise(sg_tpm_counter *t, uint32_t value) {
  uint32_t cur = 0;
  int written = 0;
  if (t == NULL || sg_tpm_value(t, &cur, &written) != 0) {
    return -1;
  }
  if (cur >= value) {
    return 0;
  }
  if (value - cur > SG_TPM_MAX_STEP) {
    return sg_tpm_fail(t, "TPM counter raise by %u refused (more than %u increments)",
                       (unsigned)(value - cur), SG_TPM_MAX_STEP);
  }
  if (!written && sg_tpm_increment(t) != 0) { /* first write: the TPM picks the start */
    return -1;
  }
  /* Never an increment past calibration before the base is final. */
  if (!t->have_base && (sg_tpm_calibrate(t) != 0 || sg_tpm_value(t, &cur, &written) != 0)) {
    return -1;
  }
  for (; cur < value; cur++) {
    if (sg_tpm_increment(t) != 0) {
      return -1;
    }
  }
  /* Read back: the TPM, not our arithmetic, says where the counter is. */
  if (sg_tpm_value(t, &cur, &written) != 0) {
    return -1;
  }
  return cur >= value ? 0 : sg_tpm_fail(t, "TPM counter at %u after raising to %u",
                                        (unsigned)cur, (unsigned)value);
}

/* ---- lifecycle -------------------------------------------------------------- */

void sg_tpm_counter_init(sg_tpm_counter *t) {
  memset(t, 0, sizeof *t);
  t->counter_tr = ESYS_TR_NONE;
  t->base_tr = ESYS_TR_NONE;
}

int sg_tpm_counter_open(sg_tpm_counter *t, const char *tcti, uint32_t index, unsigned flags) {
  sg_tpm_nv base;
  if (t == NULL) {
    return SG_ERR_ARG;
  }
  sg_tpm_counter_close(t);
  t->index = index == 0 ? SG_TPM_INDEX_DEFAULT : index;
  if (t->index < SG_TPM_NV_FIRST || t->index >= SG_TPM_NV_LAST) {
    (void)sg_tpm_fail(t, "NV index 0x%08x (and the next) must lie in 0x%08x..0x%08x",
                      (unsigned)t->index, SG_TPM_NV_FIRST, SG_TPM_NV_LAST);
    return SG_ERR_ARG;
  }
  const char *conf = tcti == NULL ? SG_TPM_TCTI_DEFAULT : tcti;
  TSS2_TCTI_CONTEXT *tc = NULL;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(conf, &tc);
  if (rc != TSS2_RC_SUCCESS) {
    (void)sg_tpm_fail(t, "TPM: cannot open TCTI \"%s\": %s", conf, Tss2_RC_Decode(rc));
    return SG_ERR_STORAGE;
  }
  t->tcti = tc;
  rc = Esys_Initialize(&t->esys, tc, NULL);
  if (rc != TSS2_RC_SUCCESS) {
    t->esys = NULL;
    (void)sg_tpm_fail(t, "TPM: Esys_Initialize over \"%s\": %s", conf, Tss2_RC_Decode(rc));
    sg_tpm_counter_close(t);
    return SG_ERR_STORAGE;
  }
  /* Counter first: a cut between the two defines leaves the base missing,
   * which the next open (still on a factory slot) completes. */
  if (sg_tpm_attach(t, t->index, &sg_tpm_counter_rule, flags, &t->counter_tr) != 0 ||
      sg_tpm_attach(t, t->index + 1u, &sg_tpm_base_rule, flags, &t->base_tr) != 0 ||
      sg_tpm_base_get(t, &base) != 0) {
    char keep[sizeof t->error];
    memcpy(keep, t->error, sizeof keep);
    sg_tpm_counter_close(t);
    memcpy(t->error, keep, sizeof keep);
    return SG_ERR_STORAGE;
  }
  t->open = 1;
  t->error[0] = '\0';
  return SG_OK;
}

int sg_tpm_counter_remove(sg_tpm_counter *t) {
  int ret = 0;
  if (t == NULL || t->esys == NULL) {
    return -1;
  }
  uint32_t *trs[2] = {&t->counter_tr, &t->base_tr};
  for (unsigned i = 0; i < 2; i++) {
    if (*trs[i] == ESYS_TR_NONE) {
      continue;
    }
    const TSS2_RC rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, *trs[i], ESYS_TR_PASSWORD,
                                             ESYS_TR_NONE, ESYS_TR_NONE);
    if (rc == TSS2_RC_SUCCESS) {
      *trs[i] = ESYS_TR_NONE; /* the TR is gone with the index */
    } else {
      ret = sg_tpm_fail_rc(t, "NV_UndefineSpace", rc);
    }
  }
  t->open = 0;
  t->have_base = 0;
  return ret;
}

const char *sg_tpm_counter_error(const sg_tpm_counter *t) { return t == NULL ? "" : t->error; }

void sg_tpm_counter_close(sg_tpm_counter *t) {
  if (t == NULL) {
    return;
  }
  if (t->esys != NULL) {
    Esys_Finalize(&t->esys); /* closes every TR */
  }
  if (t->tcti != NULL) {
    TSS2_TCTI_CONTEXT *tc = t->tcti;
    Tss2_TctiLdr_Finalize(&tc);
  }
  const sg_blockdev inner = t->inner;
  sg_tpm_counter_init(t);
  t->inner = inner;
}

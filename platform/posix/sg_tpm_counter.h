/*
 * sg_tpm_counter: the trust slot's monotonic counter in a TPM 2.0, for the
 * POSIX port (ARM Linux handhelds and gateways with a discrete or firmware
 * TPM). Without it a file-backed slot cannot tell a restored old
 * trustslot.bin from the real history (see agent/src/trustslot.c,
 * "Rollback"); with it the restored copy loads LOCKED.
 *
 * Two NV indices, both owner-hierarchy, name algorithm SHA-256, empty
 * authValue, TPMA_NV_NO_DA:
 *  - `index`     TPM_NT_COUNTER, 8 bytes, AUTHREAD | AUTHWRITE. Read with
 *                TPM2_NV_Read, raised with TPM2_NV_Increment (only ever +1).
 *  - `index + 1` the base: TPM_NT_ORDINARY, 8 bytes, AUTHREAD | AUTHWRITE |
 *                WRITEDEFINE, holding the counter's raw value at
 *                calibration; write-locked (TPM2_NV_WriteLock) right after
 *                that write, and WRITEDEFINE makes the lock last until the
 *                index is deleted.
 * A TPM counter does not start at 0: its first increment sets it to the
 * highest value any counter on that TPM ever held, plus one. The value the
 * trust slot sees is therefore raw - base. Until calibration it is 0:
 *  - counter never incremented                       -> 0
 *  - counter incremented, base not written yet (a cut
 *    between the calibration increment and the write) -> 0; the next
 *    raise writes base = raw and locks it first. No increment beyond
 *    calibration ever happens before the base is written and locked, so
 *    a base written by anyone else meanwhile can only make the value
 *    higher (LOCKED) or out of range (an error), never lower.
 *  - base locked but never written (someone locked it first) -> error.
 *  - both written                                     -> raw - base.
 * Raising to v increments v - current times (two per trust-slot store);
 * a cut between increments leaves a value below v, which the slot
 * tolerates (it only needs counter <= committed generation).
 *
 * Why this authorization: the value needs no secret (reading it reveals
 * nothing), and an increment can only ever lock the device, never unlock
 * an old state -- so whoever can open the TPM device (root or the `tss`
 * group) may read and increment (empty authValue, no dictionary-attack
 * accounting). What must be guarded is deletion and re-definition (which
 * would restart the counter at 0): that takes owner authorization, and
 * TPMA_NV_POLICY_DELETE is refused. Set the owner and lockout auth at
 * provisioning so that root on the device cannot undefine or clear; then
 * define the indices at the factory (docs/incoming/tpm.md), since the agent
 * can only define them itself while owner auth is empty.
 * Not ORDERLY: an orderly (RAM-cached) counter may jump ahead after a
 * power loss, which the slot would read as a rollback (LOCKED).
 *
 * Existing indices are checked before use (type, size, required
 * attributes; never POLICY_DELETE or ORDERLY; a counter that cannot be
 * write-locked, a base whose lock lasts); anything else is refused.
 * Every TPM failure is a negative return: the trust slot turns it into
 * SG_ERR_STORAGE or LOCKED, never into an older state.
 *
 * Caller-allocated context; not thread-safe; the TSS allocates on the heap
 * (this is a Linux-only port).
 */
#ifndef SG_TPM_COUNTER_H
#define SG_TPM_COUNTER_H

#include <stdint.h>

#include "stagegate/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Owner range of the TCG handle registry ("SG" = 0x53 0x47); the base
 * index is the next handle. */
#define SG_TPM_INDEX_DEFAULT 0x01005347u
#define SG_TPM_TCTI_DEFAULT "device:/dev/tpmrm0"
/* Largest raise done in one call (increments), so that a migrating slot
 * at a high generation is possible but a runaway loop is not. */
#define SG_TPM_MAX_STEP 65536u

/* Flags for sg_tpm_counter_open. */
#define SG_TPM_DEFINE 0x1u /* define missing indices (needs empty owner auth) */

struct ESYS_CONTEXT;
struct TSS2_TCTI_OPAQUE_CONTEXT_BLOB;

/* Fields are private: use the functions. */
typedef struct {
  struct ESYS_CONTEXT *esys;
  struct TSS2_TCTI_OPAQUE_CONTEXT_BLOB *tcti;
  uint32_t index;
  uint32_t counter_tr, base_tr; /* ESYS_TR handles */
  uint64_t base;
  int have_base;
  int open;
  sg_blockdev inner;
  char error[192];
} sg_tpm_counter;

/* Make `t` safe to close without opening it. */
void sg_tpm_counter_init(sg_tpm_counter *t);

/*
 * Connect through `tcti` (tss2-tctildr syntax: "device:/dev/tpmrm0",
 * "swtpm:host=127.0.0.1,port=2321", "tabrmd", ...; NULL: the default) and
 * find the indices `index` and `index + 1` (0: SG_TPM_INDEX_DEFAULT).
 * Missing indices are defined only with SG_TPM_DEFINE; the caller passes it
 * only for a factory-fresh slot, so that a TPM that was cleared under a
 * slot holding state fails closed instead of restarting at 0.
 * Returns SG_OK; SG_ERR_ARG (index outside the NV range); SG_ERR_STORAGE
 * (no TPM, missing index without SG_TPM_DEFINE, wrong attributes, define
 * refused, or built without STAGEGATE_WITH_TPM); sg_tpm_counter_error()
 * says which. After a failure the hooks still fail closed.
 */
int sg_tpm_counter_open(sg_tpm_counter *t, const char *tcti, uint32_t index, unsigned flags);

/* The counter as the trust slot sees it (raw - base). 0 or -1. */
int sg_tpm_counter_read(sg_tpm_counter *t, uint32_t *value);
/* Raise to at least `value` (never lowers). 0 or -1. */
int sg_tpm_counter_raise(sg_tpm_counter *t, uint32_t value);

/*
 * Fill `out` with `inner`'s storage hooks and geometry plus this counter's
 * hooks (`inner`, e.g. from sg_file_bd_blockdev, is copied; its context
 * must outlive `t`). Safe before a successful open: the counter hooks then
 * fail, so the slot cannot load (fail closed).
 */
void sg_tpm_counter_blockdev(sg_tpm_counter *t, const sg_blockdev *inner, sg_blockdev *out);

/* Undefine both indices with empty owner auth: decommissioning and tests.
 * 0 or -1 (either index may already be gone). */
int sg_tpm_counter_remove(sg_tpm_counter *t);

/* The last failure, for people ("" if none). */
const char *sg_tpm_counter_error(const sg_tpm_counter *t);

/* Disconnect; safe on an initialised, never-opened or closed `t`. */
void sg_tpm_counter_close(sg_tpm_counter *t);

#ifdef __cplusplus
}
#endif
#endif /* SG_TPM_COUNTER_H */

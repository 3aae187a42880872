/*
 * The trust slot: the device's persisted trust state, two copies A/B on a
 * block device, power-loss safe (DESIGN.md "Trust slot").
 * Private to libstagegate.
 */
#ifndef SG_TRUSTSLOT_H
#define SG_TRUSTSLOT_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/config.h"
#include "stagegate/platform.h"
#include "stagegate/agent_state.h"
#include "stagegate/trust.h"

/* sg_trust_record (everything persisted) is defined in
 * stagegate/agent_state.h, inside the caller-allocated struct sg_agent. */

/* Reset to the factory state (UNTRUSTED, floors 0, generation 0). */
void sg_trust_record_factory(sg_trust_record *rec);

/*
 * Load the trust record: the valid copy with the highest generation.
 * Fully erased storage gives the factory state and SG_OK. Storage that is
 * not erased but holds no valid copy, or whose generation is below the
 * platform monotonic counter, gives state LOCKED and SG_ERR_LOCKED.
 * A read failure gives LOCKED and SG_ERR_STORAGE. Never writes.
 */
int sg_trustslot_load(const sg_blockdev *bd, sg_trust_record *rec);

/*
 * Persist `rec` with generation rec->generation + 1 into the copy that
 * does not hold the current record (erase, program, read back and verify),
 * then raise the monotonic counter if there is one. On success
 * rec->generation is updated. A record too large for half the device is
 * SG_ERR_STORAGE_FULL before anything is erased. Storage errors:
 * SG_ERR_STORAGE (the previous copy is untouched, so a reload still sees
 * the old state).
 */
int sg_trustslot_store(const sg_blockdev *bd, sg_trust_record *rec);

/* Bytes a record with these certificate sizes occupies (for sizing). */
size_t sg_trustslot_record_size(size_t anchor_len, size_t pending_len);

#endif /* SG_TRUSTSLOT_H */

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
 * Geometry the slot accepts (anything else is SG_ERR_ARG): read, prog and
 * erase hooks set; counter hooks both set or both NULL; sector_count even
 * and >= 2; prog_size a power of two <= 32; sector_size a multiple of 32.
 * Copy A is sectors [0, n/2), copy B sectors [n/2, n).
 */

/* Largest record (both certificates SG_MAX_CERT bytes, a full table of
 * former anchors), in bytes on flash;
 * each half of the device must hold at least this many bytes for every
 * state the agent can reach. See trustslot.c for the layout. */
#define SG_TRUSTSLOT_RECORD_MAX                                                   \
  ((((16u + 6u + 6u + 4u + SG_MAX_CERT + 4u + SG_MAX_CERT + 6u + 12u + 12u + 12u  \
      + 4u + 40u * SG_MAX_FORMER_ANCHORS) + 31u) & ~31u) + 32u)

/* Bytes of flash the slot needs with this sector size: two copies, each
 * SG_TRUSTSLOT_RECORD_MAX rounded up to whole sectors; 0 if sector_size
 * is 0. */
size_t sg_trustslot_footprint(uint32_t sector_size);

/*
 * Load the trust record: the valid copy with the highest generation.
 * Fully erased storage gives the factory state (generation 0) and SG_OK;
 * so does a torn write of the genesis record (see sg_trustslot_store), which
 * is the only way a first store interrupted by power loss can look.
 * Storage that holds no valid copy otherwise, two valid copies with the
 * same generation, a best generation below the platform monotonic counter,
 * or factory-looking storage while that counter is above 0 (erased after
 * use) gives state LOCKED and SG_ERR_LOCKED. A read failure gives LOCKED
 * and SG_ERR_STORAGE; bad geometry LOCKED and SG_ERR_ARG. Never writes.
 * On any error `rec` holds no certificate bytes.
 */
int sg_trustslot_load(const sg_blockdev *bd, sg_trust_record *rec);

/*
 * Persist `rec` into the copy that does not hold the current record as
 * generation rec->generation + 1 (erase, program the body, program the
 * digest last, read back and verify: the commit point), raise the
 * monotonic counter to that generation if there is one, then mirror the
 * record into the other copy as generation + 2, so both copies hold the
 * new state. The first store on factory storage first programs the genesis
 * record (the factory state, generation 1) into copy B, then commits
 * `rec` into copy A as generation 2 and mirrors it as 3, so that power
 * lost at any point leaves either the factory state or the new one.
 * On success rec->generation is the mirror's generation.
 *
 * Checked before anything is erased or programmed:
 *  - `rec` is self-consistent (SG_ERR_ARG): UNTRUSTED has mode NONE and no
 *    certificates; TRUSTED has mode PINNED or CA and an anchor of 1..
 *    SG_MAX_CERT bytes; a pending certificate needs mode PINNED or CA, and
 *    without one pending_mode is NONE and activate_at 0; LOCKED is never
 *    stored;
 *  - the record fits half the device and rec->generation + 2 does not
 *    pass the largest generation 0xFFFFFFFE (SG_ERR_STORAGE_FULL);
 *  - the storage holds exactly the record `rec` was loaded from: its best
 *    generation equals rec->generation (0: factory storage) and is not
 *    below the counter, otherwise SG_ERR_LOCKED (storage changed behind
 *    the caller's back, or is locked).
 * Storage errors and a failed read-back before the commit point:
 * SG_ERR_STORAGE, the previous record untouched (a reload sees the old
 * state). If the counter raise or the mirror fails, the new record is
 * already durable: rec->generation is the committed generation and
 * SG_ERR_STORAGE is returned. Either way, after an error treat the outcome
 * as unknown and reload, as after a power cut.
 */
int sg_trustslot_store(const sg_blockdev *bd, sg_trust_record *rec);

/*
 * Recovery (issue 9, defect 10): persist `rec` whatever the storage holds
 * -- a locked, rolled-back or ambiguous slot included -- as a generation
 * above every valid copy and the monotonic counter, into the copy that is
 * not the best valid one, then mirror it. Power lost before the commit
 * point leaves the storage as it was (still locked: scan again). Factory
 * storage takes the ordinary first store. Only the agent's RecoverTrust
 * path calls this, after the recovery certificate's signature checked out.
 */
int sg_trustslot_store_recovery(const sg_blockdev *bd, sg_trust_record *rec);

/* Bytes a record with these certificate sizes and no former anchors
 * occupies on flash (each former anchor adds 40, the table 4 more) (exact:
 * the layout does not depend on the device); SIZE_MAX if a length is
 * above SG_MAX_CERT. */
size_t sg_trustslot_record_size(size_t anchor_len, size_t pending_len);

#endif /* SG_TRUSTSLOT_H */

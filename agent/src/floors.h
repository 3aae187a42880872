/*
 * Replay floors per anchor key (issue 9, defect 1).
 *
 * A floor belongs to the authority that signed: the trust record's
 * seq_floor is the current anchor key's; when an anchor is retired
 * (TurnOff, a rotation taking effect, recovery) its floor moves into a
 * small table of former anchors, keyed by the SHA-256 of the key's
 * SubjectPublicKeyInfo. Re-enrolling that key starts from its old floor
 * (its old TurnOff stays a replay); a new owner's key starts clean.
 * Nothing here touches flash or crypto: pure functions on the record.
 * Private to libstagegate.
 */
#ifndef SG_FLOORS_H
#define SG_FLOORS_H

#include <stdint.h>

#include "stagegate/agent_state.h"

/* The floor a former anchor with this key left behind; 0 if none. */
uint64_t sg_floors_former(const sg_trust_record *t, const uint8_t key_id[32]);

/*
 * The seq floor a TurnOn by this key must respect on an UNTRUSTED device:
 * the key's former floor, and the floor a format-1 record carried
 * (seq_floor of an UNTRUSTED record; 0 on records written by this code).
 */
uint64_t sg_floors_enrol_base(const sg_trust_record *t, const uint8_t key_id[32]);

/* Retire the current anchor key: remember `seq_floor` for it (the larger
 * of this and any floor already held), most recent first; when the table
 * is full the least recently retired entry is forgotten. */
void sg_floors_retire(sg_trust_record *t, const uint8_t key_id[32], uint64_t seq_floor);

/* The key becomes the anchor again: its entry leaves the table (its floor
 * is carried by seq_floor from now on). Returns the floor it held. */
uint64_t sg_floors_take(sg_trust_record *t, const uint8_t key_id[32]);

#endif

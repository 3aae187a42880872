/* Replay floors per anchor key: see floors.h. */
#include "floors.h"

#include <string.h>

static int sg_floors_find(const sg_trust_record *t, const uint8_t key_id[32]) {
  const uint32_t n = t->former_count <= SG_MAX_FORMER_ANCHORS ? t->former_count : 0;
  for (uint32_t i = 0; i < n; i++) {
    if (memcmp(t->former[i].key_id, key_id, 32) == 0) { /* public key hashes: no secret */
      return (int)i;
    }
  }
  return -1;
}

uint64_t sg_floors_former(const sg_trust_record *t, const uint8_t key_id[32]) {
  const int i = sg_floors_find(t, key_id);
  return i >= 0 ? t->former[i].seq_floor : 0;
}

uint64_t sg_floors_enrol_base(const sg_trust_record *t, const uint8_t key_id[32]) {
  const uint64_t former = sg_floors_former(t, key_id);
  return former > t->seq_floor ? former : t->seq_floor;
}

uint64_t sg_floors_take(sg_trust_record *t, const uint8_t key_id[32]) {
  const int i = sg_floors_find(t, key_id);
  if (i < 0) {
    return 0;
  }
  const uint64_t floor = t->former[i].seq_floor;
  memmove(&t->former[i], &t->former[i + 1], (t->former_count - (uint32_t)i - 1u) * sizeof t->former[0]);
  t->former_count--;
  memset(&t->former[t->former_count], 0, sizeof t->former[0]);
  return floor;
}

void sg_floors_retire(sg_trust_record *t, const uint8_t key_id[32], uint64_t seq_floor) {
  if (t->former_count > SG_MAX_FORMER_ANCHORS) {
    t->former_count = SG_MAX_FORMER_ANCHORS; /* never: the slot bounds it */
  }
  const uint64_t old = sg_floors_take(t, key_id);
  if (old > seq_floor) {
    seq_floor = old;
  }
  if (t->former_count == SG_MAX_FORMER_ANCHORS) {
    t->former_count--; /* forget the least recently retired */
  }
  memmove(&t->former[1], &t->former[0], t->former_count * sizeof t->former[0]);
  memcpy(t->former[0].key_id, key_id, 32);
  t->former[0].seq_floor = seq_floor;
  t->former_count++;
}

/*
 * Replay floors per anchor key (agent/src/floors.c, issue 9 defect 1):
 * retiring, taking back, the bounded table and its eviction order.
 */
#include <string.h>

#include "floors.h"
#include "sg_test.h"
#include "trustslot.h"

static sg_trust_record t;

static const uint8_t *key(unsigned n) {
  static uint8_t k[32];
  memset(k, (int)n, sizeof k);
  return k;
}

static void test_unknown_key_has_no_floor(void) {
  sg_trust_record_factory(&t);
  SG_CHECK(sg_floors_former(&t, key(1)) == 0);
  SG_CHECK(sg_floors_enrol_base(&t, key(1)) == 0);
  SG_CHECK(sg_floors_take(&t, key(1)) == 0 && t.former_count == 0);
}

static void test_retire_then_take(void) {
  sg_trust_record_factory(&t);
  sg_floors_retire(&t, key(1), 10);
  SG_CHECK(t.former_count == 1 && sg_floors_former(&t, key(1)) == 10);
  SG_CHECK(sg_floors_former(&t, key(2)) == 0); /* another owner starts clean */
  /* Retiring again never lowers a floor. */
  sg_floors_retire(&t, key(1), 4);
  SG_CHECK(t.former_count == 1 && sg_floors_former(&t, key(1)) == 10);
  sg_floors_retire(&t, key(1), 12);
  SG_CHECK(sg_floors_former(&t, key(1)) == 12);
  SG_CHECK(sg_floors_take(&t, key(1)) == 12 && t.former_count == 0);
  SG_CHECK(sg_floors_former(&t, key(1)) == 0);
}

static void test_format1_floor_binds_enrolment(void) {
  sg_trust_record_factory(&t);
  t.seq_floor = 50; /* an UNTRUSTED format-1 record's floor */
  sg_floors_retire(&t, key(1), 70);
  SG_CHECK(sg_floors_enrol_base(&t, key(1)) == 70);
  SG_CHECK(sg_floors_enrol_base(&t, key(2)) == 50);
}

static void test_table_bounded_least_recent_forgotten(void) {
  sg_trust_record_factory(&t);
  for (unsigned k = 1; k <= SG_MAX_FORMER_ANCHORS + 2; k++) {
    sg_floors_retire(&t, key(k), 100 + k);
    SG_CHECK(t.former_count <= SG_MAX_FORMER_ANCHORS);
  }
  SG_CHECK(t.former_count == SG_MAX_FORMER_ANCHORS);
  SG_CHECK(sg_floors_former(&t, key(1)) == 0 && sg_floors_former(&t, key(2)) == 0);
  SG_CHECK(sg_floors_former(&t, key(3)) == 103);
  SG_CHECK(sg_floors_former(&t, key(SG_MAX_FORMER_ANCHORS + 2)) == 100 + SG_MAX_FORMER_ANCHORS + 2);
  SG_CHECK(t.former[0].key_id[0] == SG_MAX_FORMER_ANCHORS + 2); /* most recent first */
  /* Retiring a key already held moves it to the front, evicting nobody. */
  sg_floors_retire(&t, key(3), 1);
  SG_CHECK(t.former_count == SG_MAX_FORMER_ANCHORS && t.former[0].key_id[0] == 3);
  SG_CHECK(sg_floors_former(&t, key(3)) == 103);
  /* Taking from the middle keeps the order of the rest. */
  SG_CHECK(sg_floors_take(&t, key(5)) == 105);
  SG_CHECK(t.former_count == SG_MAX_FORMER_ANCHORS - 1);
  for (uint32_t i = 0; i < t.former_count; i++) {
    SG_CHECK(t.former[i].key_id[0] != 5);
  }
  SG_CHECK(t.former[t.former_count].key_id[0] == 0); /* the freed entry is cleared */
}

int main(void) {
  sg_test_begin("floors");
  SG_RUN(test_unknown_key_has_no_floor);
  SG_RUN(test_retire_then_take);
  SG_RUN(test_format1_floor_binds_enrolment);
  SG_RUN(test_table_bounded_least_recent_forgotten);
  return sg_test_end();
}

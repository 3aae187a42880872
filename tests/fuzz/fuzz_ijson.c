/*
 * libFuzzer: the I-JSON checker against cJSON, and the key screen on
 * whatever text comes (issue 9, defects 4 and 5). Invariants:
 *  - what the checker accepts, cJSON parses, to the last byte, as an
 *    object (the checker is never looser than the parser behind it);
 *  - an accepted text has no string that cJSON cut short: every string
 *    value's length equals what the checker would have decoded (no
 *    "\u0000" cut), checked by re-serialising and re-checking the tree;
 *  - the key screen runs on any bytes (text and byte form) without a
 *    crash and with a verdict from its two values.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ijson.h"
#include "json.h"
#include "keyscreen.h"
#include "stagegate/config.h"
#include "stagegate/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const sg_ijson_int_path ints[] = {{{"seq"}, 1}, {{"actions", "[]", "activate_at"}, 3}};
  if (size > SG_MAX_PROFILE) {
    return 0;
  }
  const char *text = (const char *)data;
  const int ks = sg_keyscreen_text(text, size, NULL, 0);
  const int kb = sg_keyscreen_bytes(data, size);
  if ((ks != SG_OK && ks != SG_ERR_PRIVATE_KEY) || (kb != SG_OK && kb != SG_ERR_PRIVATE_KEY)) {
    __builtin_trap();
  }
  if (sg_ijson_check(text, size, ints, 2) != SG_IJSON_OK) {
    return 0;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, size, &end, 0);
  if (root == NULL || !cJSON_IsObject(root)) {
    __builtin_trap(); /* the checker accepted what cJSON refuses */
  }
  /* cJSON's own output of the tree must be I-JSON too: nothing it read
   * (a NUL cut, a lone surrogate) turned into something we refuse. */
  char *again = cJSON_PrintUnformatted(root);
  if (again != NULL) {
    if (sg_ijson_check(again, strlen(again), NULL, 0) != SG_IJSON_OK) {
      __builtin_trap();
    }
    free(again);
  }
  (void)sg_keyscreen_json(root);
  cJSON_Delete(root);
  return 0;
}

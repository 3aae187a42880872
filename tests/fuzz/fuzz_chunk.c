/* libFuzzer: chunk reassembly. The input is split at '\n' into symbols fed
 * in order; the assembler must never read or write out of bounds, and a
 * completed text must hash to its set id (checked inside). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chunk.h"
#include "stagegate/errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sg_chunk_asm asm_;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sg_chunk_progress p;
  sg_chunk_init(&asm_);
  const uint8_t *end = data + size;
  while (data < end) {
    const uint8_t *nl = memchr(data, '\n', (size_t)(end - data));
    const size_t n = nl != NULL ? (size_t)(nl - data) : (size_t)(end - data);
    const int ret = sg_chunk_feed(&asm_, data, n, &p);
    if (ret == SG_ACCEPTED) {
      size_t len = 0;
      const uint8_t *t = sg_chunk_text(&asm_, &len);
      if (len > SG_MAX_PROFILE || t == NULL) {
        __builtin_trap();
      }
    } else if (ret == SG_NEED_MORE && (p.have == 0 || p.have > p.total || p.total > SG_MAX_CHUNKS)) {
      __builtin_trap();
    }
    data += n + (nl != NULL ? 1 : 0);
  }
  return 0;
}

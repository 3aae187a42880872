/* Deterministic payloads shaped like stagegate chunk texts, shared by the
 * scanner tests, the bench and the image tools. */
#ifndef SG_SCAN_PAYLOAD_H
#define SG_SCAN_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf[0..len) with "SG1:<i>/<n>:<12 hex>:" followed by base64url
 * characters from a fixed-seed generator; NUL-terminated (buf holds len+1).
 * len must be at least 32. */
void sg_payload_chunk(char *buf, size_t len, unsigned i, unsigned n, uint32_t seed);

/* Fill buf[0..len) with pseudo-random bytes (every value, NUL included). */
void sg_payload_binary(uint8_t *buf, size_t len, uint32_t seed);

#endif

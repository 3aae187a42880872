/*
 * stagegate — what a platform port provides.
 *
 * Backends that tests swap (storage, clock, identity, events) are const
 * ops structs with a `void *ctx`, in the manner of littlefs' lfs_config.
 * The caller owns every struct and context and keeps them alive for as
 * long as the agent that uses them.
 */
#ifndef STAGEGATE_PLATFORM_H
#define STAGEGATE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Block device holding the trust slot.
 *
 * Geometry: `sector_count` sectors of `sector_size` bytes. The trust slot
 * uses the first half of the sectors for copy A and the second half for
 * copy B, so sector_count must be even and >= 2, and each half must hold
 * the largest record: sector_count * sector_size >= sg_trustslot_footprint(
 * sector_size), which sg_agent_init checks (SG_ERR_STORAGE_FULL).
 *
 * Rules a port must keep (NOR-flash semantics, which RAM and file ports
 * emulate so that the same code is tested everywhere):
 *  - erase(s) sets every byte of sector s to 0xFF (the erased value);
 *  - prog() may only clear bits (1 -> 0) of erased bytes; `off` and `len`
 *    are multiples of `prog_size`, and a range is programmed at most once
 *    between erases;
 *  - read() returns what is stored, including partial results of an
 *    interrupted prog/erase: the trust slot never trusts data it has not
 *    verified;
 *  - a call that returns 0 is durable (the POSIX port fsyncs);
 *  - every call returns 0 on success, a negative value on failure.
 * The optional monotonic counter (OTP, RPMB, a fuse bank) only ever grows;
 * leave both hooks NULL if the device has none.
 * `rollback_protection` tells a deployer what stops an old copy of the
 * slot being written back (shown by status tools): e.g. "TPM NV counter",
 * or "none (...)". NULL reads as "none" when there is no counter hook.
 */
typedef struct sg_blockdev {
  void *ctx;
  int (*read)(void *ctx, uint32_t sector, uint32_t off, void *buf, uint32_t len);
  int (*prog)(void *ctx, uint32_t sector, uint32_t off, const void *buf, uint32_t len);
  int (*erase)(void *ctx, uint32_t sector);
  uint32_t sector_size;
  uint32_t prog_size;
  uint32_t sector_count;
  int (*counter_read)(void *ctx, uint32_t *value);
  int (*counter_raise)(void *ctx, uint32_t value); /* to at least `value` */
  const char *rollback_protection;                  /* a description; see above */
} sg_blockdev;

/*
 * Bytes of storage the trust slot needs with this sector size: two copies
 * (A and B), each the largest record the library's limits allow (both
 * certificates SG_MAX_CERT bytes) rounded up to whole sectors; 0 if
 * sector_size is 0. With the default limits and 4 KiB sectors: 16 KiB
 * (4 sectors). The library's limits count, not the caller's: call it, do
 * not compute it.
 */
size_t sg_trustslot_footprint(uint32_t sector_size);

/*
 * Memory without a heap: give the mbedTLS stagegate was built with (and so
 * cJSON, which allocates through it) a static pool of `len` bytes, before
 * sg_agent_init and while nothing is allocated from an earlier pool. The
 * pool must outlive every agent. Returns SG_OK, or SG_ERR_ARG when `buf`
 * is NULL, `len` is under 1 KiB, or this mbedTLS has no pool allocator
 * (MBEDTLS_MEMORY_BUFFER_ALLOC_C: the bundled Cortex-M build has it; Linux
 * builds use the C heap). Sizes: docs/INTEGRATION.md, "Cortex-M".
 */
int sg_pool_init(void *buf, size_t len);

/* Wall clock: Unix seconds, or a negative value if the clock is not set
 * (the agent then relies on its secure time floor). */
typedef struct sg_clock {
  void *ctx;
  int64_t (*now)(void *ctx);
} sg_clock;

/* What this device is, matched against a profile's "target". */
typedef struct sg_identity {
  const char *model;  /* e.g. "TC52" */
  const char *serial; /* e.g. "21345522501234" */
} sg_identity;

#ifdef __cplusplus
}
#endif
#endif /* STAGEGATE_PLATFORM_H */

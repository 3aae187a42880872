/*
 * NOR-flash emulator behind sg_blockdev, for tests, fuzzing and the power-
 * cut suite: the trust slot runs against it exactly as against a device.
 *
 * Memory is the caller's (a RAM buffer of sector_size * sector_count
 * bytes; no heap), so the same code runs on Linux and bare-metal Cortex-M.
 * A test copies that buffer to snapshot or restore a whole "chip".
 *
 * Semantics, as real NOR flash:
 *  - erase(s) sets the sector to 0xFF;
 *  - prog ANDs the new bytes into what is stored: it can only clear bits,
 *    a 0 -> 1 request silently stays 0 (SG_FLASH_SIM_STRICT makes such a
 *    request an error that changes nothing, to catch callers that rely on
 *    programming over data they did not erase);
 *  - prog needs off and len multiples of prog_size, in one sector;
 *  - read returns what is stored, faults included.
 *
 * Faults:
 *  - power cut: sg_flash_sim_power_cut(n, seed) makes the n-th operation
 *    that changes the chip (prog, erase, counter raise; counted from the
 *    call) lose power midway. A cut prog stores a prefix of its bytes, the
 *    unit after it torn (some of its bits cleared, some not), or all of
 *    them (power lost before the call returned); a cut erase leaves the
 *    sector partly erased, partly pre-programmed to 0, or with bits
 *    randomly drifted towards 1 -- garbage; a cut counter raise does not
 *    raise. The seed picks which, deterministically. The cut call and every
 *    call after it fail until sg_flash_sim_reboot().
 *  - bit flips (persistent corruption) and stuck bits (a cell that always
 *    reads 0 or 1, whatever is programmed or erased);
 *  - failing reads, programs or erases (SG_FLASH_SIM_FAIL_*).
 *
 * Every call on the blockdev returns 0 or a negative value.
 */
#ifndef SG_FLASH_SIM_H
#define SG_FLASH_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SG_FLASH_SIM_MAX_STUCK 8

/* Flags for sg_flash_sim_init. */
#define SG_FLASH_SIM_STRICT 0x1u  /* programming a 0 bit to 1 is an error */
#define SG_FLASH_SIM_COUNTER 0x2u /* offer a monotonic counter */

/* Faults for sg_flash_sim_fail: every such operation fails, changing nothing. */
#define SG_FLASH_SIM_FAIL_READ 0x1u
#define SG_FLASH_SIM_FAIL_PROG 0x2u
#define SG_FLASH_SIM_FAIL_ERASE 0x4u

typedef struct {
  uint32_t reads, progs, erases, counter_raises; /* calls, including failed ones */
  uint32_t bytes_read, bytes_programmed;
} sg_flash_sim_stats;

/* Caller-allocated; fields are private (use the functions). */
typedef struct sg_flash_sim {
  uint8_t *mem;
  uint32_t sector_size, sector_count, prog_size;
  unsigned flags;
  unsigned fail;
  sg_flash_sim_stats stats;
  uint32_t ops;    /* state-changing operations since power-on / arming */
  uint32_t cut_at; /* 0: no cut armed */
  uint32_t cut_seed;
  int off;         /* power lost: everything fails until reboot */
  uint32_t counter;
  struct {
    uint32_t addr;
    uint8_t mask, value;
  } stuck[SG_FLASH_SIM_MAX_STUCK];
  unsigned stuck_count;
} sg_flash_sim;

/*
 * Set up a chip over `mem` (mem_size >= sector_size * sector_count) and
 * erase it all (a factory-fresh part). prog_size must divide sector_size.
 * Returns 0, or -1 on bad arguments. `mem` must outlive the sim.
 */
int sg_flash_sim_init(sg_flash_sim *sim, void *mem, size_t mem_size, uint32_t sector_size,
                      uint32_t sector_count, uint32_t prog_size, unsigned flags);

/* Fill `bd` with this chip's hooks (and counter hooks if
 * SG_FLASH_SIM_COUNTER). `sim` must outlive `bd`. */
void sg_flash_sim_blockdev(sg_flash_sim *sim, sg_blockdev *bd);

/* Arm a power cut during the n-th state-changing operation from now
 * (n >= 1); n = 0 disarms. */
void sg_flash_sim_power_cut(sg_flash_sim *sim, uint32_t n, uint32_t seed);
/* Power back on: disarm, clear the operation count. Memory keeps whatever
 * the cut left. */
void sg_flash_sim_reboot(sg_flash_sim *sim);
/* 1 if power has been cut (since the last reboot). */
int sg_flash_sim_is_off(const sg_flash_sim *sim);
/* State-changing operations since the last reboot / arming. */
uint32_t sg_flash_sim_ops(const sg_flash_sim *sim);

void sg_flash_sim_stats_get(const sg_flash_sim *sim, sg_flash_sim_stats *out);
void sg_flash_sim_stats_reset(sg_flash_sim *sim);

/* Flip bit `bit` (0..7) of byte `addr` (chip offset), as corruption would. */
int sg_flash_sim_flip_bit(sg_flash_sim *sim, uint32_t addr, unsigned bit);
/* Make bit `bit` of byte `addr` read `value` (0/1) from now on, whatever is
 * programmed or erased. At most SG_FLASH_SIM_MAX_STUCK. Returns 0 or -1. */
int sg_flash_sim_stick_bit(sg_flash_sim *sim, uint32_t addr, unsigned bit, int value);
/* Remove every stuck bit (the cells keep their current value). */
void sg_flash_sim_unstick(sg_flash_sim *sim);
/* Make operations of the SG_FLASH_SIM_FAIL_* kinds fail (0: none). */
void sg_flash_sim_fail(sg_flash_sim *sim, unsigned kinds);

/* The monotonic counter's value, and a way to set it (a test playing
 * attacker or factory). */
uint32_t sg_flash_sim_counter(const sg_flash_sim *sim);
void sg_flash_sim_counter_set(sg_flash_sim *sim, uint32_t value);

#ifdef __cplusplus
}
#endif
#endif /* SG_FLASH_SIM_H */

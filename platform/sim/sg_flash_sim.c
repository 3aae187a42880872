/* NOR-flash emulator: see sg_flash_sim.h for the semantics. */
#include "sg_flash_sim.h"

#include <string.h>

/* xorshift32: small, portable, deterministic per seed. */
static uint32_t sg_sim_rand(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

static uint32_t sg_sim_seed(const sg_flash_sim *sim) {
  uint32_t s = sim->cut_seed * 2654435761u ^ (sim->cut_at * 40503u) ^ 0x9E3779B9u;
  return s != 0 ? s : 0x1234567u;
}

/* Stuck cells win over whatever was just stored. */
static void sg_sim_apply_stuck(sg_flash_sim *sim, uint32_t lo, uint32_t hi) {
  for (unsigned i = 0; i < sim->stuck_count; i++) {
    const uint32_t a = sim->stuck[i].addr;
    if (a >= lo && a < hi) {
      sim->mem[a] = (uint8_t)((sim->mem[a] & (uint8_t)~sim->stuck[i].mask) |
                              (sim->stuck[i].value & sim->stuck[i].mask));
    }
  }
}

/* Counts one state-changing operation; 1 if power fails during it. */
static int sg_sim_cut_now(sg_flash_sim *sim) {
  sim->ops++;
  if (sim->cut_at != 0 && sim->ops == sim->cut_at) {
    sim->off = 1;
    return 1;
  }
  return 0;
}

static int sg_sim_read(void *ctx, uint32_t sector, uint32_t off, void *buf, uint32_t len) {
  sg_flash_sim *sim = ctx;
  sim->stats.reads++;
  if (sim->off || (sim->fail & SG_FLASH_SIM_FAIL_READ) != 0) {
    return -1;
  }
  if (sector >= sim->sector_count || off > sim->sector_size || len > sim->sector_size - off) {
    return -2;
  }
  memcpy(buf, sim->mem + (size_t)sector * sim->sector_size + off, len);
  sim->stats.bytes_read += len;
  return 0;
}

static int sg_sim_prog(void *ctx, uint32_t sector, uint32_t off, const void *buf, uint32_t len) {
  sg_flash_sim *sim = ctx;
  const uint8_t *src = buf;
  sim->stats.progs++;
  if (sim->off || (sim->fail & SG_FLASH_SIM_FAIL_PROG) != 0) {
    return -1;
  }
  if (sector >= sim->sector_count || off > sim->sector_size || len > sim->sector_size - off ||
      off % sim->prog_size != 0 || len % sim->prog_size != 0) {
    return -2;
  }
  uint8_t *dst = sim->mem + (size_t)sector * sim->sector_size + off;
  const uint32_t base = sector * sim->sector_size + off;
  if ((sim->flags & SG_FLASH_SIM_STRICT) != 0) {
    for (uint32_t i = 0; i < len; i++) {
      if ((src[i] & (uint8_t)~dst[i]) != 0) {
        return -3; /* would need a 0 -> 1 transition: caller forgot to erase */
      }
    }
  }
  uint32_t n = len;
  const int cut = sg_sim_cut_now(sim);
  uint32_t rng = sg_sim_seed(sim);
  if (cut) {
    /* n in [0, len]: len means the data landed but power failed before
     * the call returned. */
    n = sg_sim_rand(&rng) % (len + 1u);
  }
  for (uint32_t i = 0; i < n; i++) {
    dst[i] &= src[i];
  }
  if (cut && n < len) {
    /* The unit being programmed when power failed: some of its bits made
     * it, some did not. Bits only ever go 1 -> 0. */
    const uint32_t unit = sim->prog_size < 4u ? 4u : sim->prog_size;
    const uint32_t end = n + unit < len ? n + unit : len;
    for (uint32_t i = n; i < end; i++) {
      dst[i] &= (uint8_t)(src[i] | (uint8_t)sg_sim_rand(&rng));
    }
    n = end;
  }
  sim->stats.bytes_programmed += n;
  sg_sim_apply_stuck(sim, base, base + len);
  return cut ? -1 : 0;
}

static int sg_sim_erase(void *ctx, uint32_t sector) {
  sg_flash_sim *sim = ctx;
  sim->stats.erases++;
  if (sim->off || (sim->fail & SG_FLASH_SIM_FAIL_ERASE) != 0) {
    return -1;
  }
  if (sector >= sim->sector_count) {
    return -2;
  }
  uint8_t *dst = sim->mem + (size_t)sector * sim->sector_size;
  const uint32_t base = sector * sim->sector_size;
  if (!sg_sim_cut_now(sim)) {
    memset(dst, 0xFF, sim->sector_size);
    sg_sim_apply_stuck(sim, base, base + sim->sector_size);
    return 0;
  }
  uint32_t rng = sg_sim_seed(sim);
  const uint32_t k = sg_sim_rand(&rng) % (sim->sector_size + 1u);
  switch (sg_sim_rand(&rng) % 3u) {
  case 0: /* erase progressed through part of the sector */
    memset(dst, 0xFF, k);
    break;
  case 1: /* pre-program phase: part of the sector driven to 0 first */
    memset(dst, 0x00, k);
    break;
  default: /* erase pulse cut short: bits drifted towards 1, unevenly */
    for (uint32_t i = 0; i < sim->sector_size; i++) {
      dst[i] |= (uint8_t)(sg_sim_rand(&rng) & sg_sim_rand(&rng));
    }
    break;
  }
  sg_sim_apply_stuck(sim, base, base + sim->sector_size);
  return -1;
}

static int sg_sim_counter_read(void *ctx, uint32_t *value) {
  sg_flash_sim *sim = ctx;
  if (sim->off) {
    return -1;
  }
  *value = sim->counter;
  return 0;
}

static int sg_sim_counter_raise(void *ctx, uint32_t value) {
  sg_flash_sim *sim = ctx;
  sim->stats.counter_raises++;
  if (sim->off) {
    return -1;
  }
  if (sg_sim_cut_now(sim)) {
    return -1; /* an OTP/RPMB write is atomic: cut means not raised */
  }
  if (value > sim->counter) {
    sim->counter = value;
  }
  return 0;
}

int sg_flash_sim_init(sg_flash_sim *sim, void *mem, size_t mem_size, uint32_t sector_size,
                      uint32_t sector_count, uint32_t prog_size, unsigned flags) {
  if (sim == NULL || mem == NULL || sector_size == 0 || sector_count == 0 || prog_size == 0 ||
      sector_size % prog_size != 0 || sector_count > UINT32_MAX / sector_size ||
      mem_size < (size_t)sector_size * sector_count) {
    return -1;
  }
  memset(sim, 0, sizeof *sim);
  sim->mem = mem;
  sim->sector_size = sector_size;
  sim->sector_count = sector_count;
  sim->prog_size = prog_size;
  sim->flags = flags;
  memset(mem, 0xFF, (size_t)sector_size * sector_count);
  return 0;
}

void sg_flash_sim_blockdev(sg_flash_sim *sim, sg_blockdev *bd) {
  memset(bd, 0, sizeof *bd);
  bd->ctx = sim;
  bd->read = sg_sim_read;
  bd->prog = sg_sim_prog;
  bd->erase = sg_sim_erase;
  bd->sector_size = sim->sector_size;
  bd->prog_size = sim->prog_size;
  bd->sector_count = sim->sector_count;
  if ((sim->flags & SG_FLASH_SIM_COUNTER) != 0) {
    bd->counter_read = sg_sim_counter_read;
    bd->counter_raise = sg_sim_counter_raise;
  }
}

void sg_flash_sim_power_cut(sg_flash_sim *sim, uint32_t n, uint32_t seed) {
  sim->ops = 0;
  sim->cut_at = n;
  sim->cut_seed = seed;
}

void sg_flash_sim_reboot(sg_flash_sim *sim) {
  sim->off = 0;
  sim->ops = 0;
  sim->cut_at = 0;
}

int sg_flash_sim_is_off(const sg_flash_sim *sim) { return sim->off; }

uint32_t sg_flash_sim_ops(const sg_flash_sim *sim) { return sim->ops; }

void sg_flash_sim_stats_get(const sg_flash_sim *sim, sg_flash_sim_stats *out) { *out = sim->stats; }

void sg_flash_sim_stats_reset(sg_flash_sim *sim) { memset(&sim->stats, 0, sizeof sim->stats); }

int sg_flash_sim_flip_bit(sg_flash_sim *sim, uint32_t addr, unsigned bit) {
  if (addr / sim->sector_size >= sim->sector_count || bit > 7) {
    return -1;
  }
  sim->mem[addr] ^= (uint8_t)(1u << bit);
  return 0;
}

int sg_flash_sim_stick_bit(sg_flash_sim *sim, uint32_t addr, unsigned bit, int value) {
  if (addr / sim->sector_size >= sim->sector_count || bit > 7 ||
      sim->stuck_count >= SG_FLASH_SIM_MAX_STUCK) {
    return -1;
  }
  sim->stuck[sim->stuck_count].addr = addr;
  sim->stuck[sim->stuck_count].mask = (uint8_t)(1u << bit);
  sim->stuck[sim->stuck_count].value = (uint8_t)(value ? 1u << bit : 0u);
  sim->stuck_count++;
  sg_sim_apply_stuck(sim, addr, addr + 1u);
  return 0;
}

void sg_flash_sim_unstick(sg_flash_sim *sim) { sim->stuck_count = 0; }

void sg_flash_sim_fail(sg_flash_sim *sim, unsigned kinds) { sim->fail = kinds; }

uint32_t sg_flash_sim_counter(const sg_flash_sim *sim) { return sim->counter; }

void sg_flash_sim_counter_set(sg_flash_sim *sim, uint32_t value) { sim->counter = value; }

/*
 * Partial scans across one-shot runs (see sg_agent_session.h).
 *
 * The state file (SG_PARTIAL_FILE in the state directory), little endian:
 *
 *   "SGPARTL\0"  magic, 8 bytes
 *   u32          version (1)
 *   u32          count: chunks held, 1 .. SG_MAX_CHUNKS - 1
 *   i64          saved at (device clock, Unix seconds)
 *   u32 + bytes  the device identity it belongs to ("model serial", may be empty)
 *   count x (u32 + bytes)   the chunks' symbol texts, as scanned
 *   32 bytes     SHA-256 of everything before
 *
 * It holds raw symbol texts only. Loading checks the digest, the bounds,
 * that every text is an "SG1:" chunk of one set with distinct indices and
 * fewer than the set's total; then the texts are fed to the agent, which
 * must answer SG_NEED_MORE to each. The agent re-parses and re-hashes the
 * set and verifies the signature of the whole profile as always: a forged
 * file can at most make the device wait for chunks that do not fit.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg_agent_session.h"
#include "sg_crypto.h"

static const uint8_t sg_partial_magic[8] = {'S', 'G', 'P', 'A', 'R', 'T', 'L', 0};
#define SG_PARTIAL_VERSION 1u
#define SG_PARTIAL_FILE_MAX (8u + 4u + 4u + 8u + 4u + SG_PARTIAL_ID_MAX + \
                             4u * SG_MAX_CHUNKS + SG_PARTIAL_DATA_MAX + 32u)

/* --- the SG1 header, as far as bookkeeping needs it ---------------------- */

/* "SG1:<i>/<n>:<set>:..." -> i, n and the set text. Looser than the agent's
 * parser on purpose: it only files texts the agent already took. */
static int sg_partial_header(const uint8_t *s, size_t len, unsigned *index, unsigned *total,
                             char set[16]) {
  size_t p = 4;
  unsigned v[2] = {0, 0};
  if (len < 4 || memcmp(s, "SG1:", 4) != 0) {
    return 0;
  }
  for (int k = 0; k < 2; k++) {
    size_t digits = 0;
    while (p < len && s[p] >= '0' && s[p] <= '9' && digits < 4) {
      v[k] = v[k] * 10u + (unsigned)(s[p++] - '0');
      digits++;
    }
    if (digits == 0 || p >= len || s[p] != (k == 0 ? '/' : ':')) {
      return 0;
    }
    p++;
  }
  size_t n = 0;
  while (p < len && s[p] != ':' && n < 15) {
    set[n++] = (char)s[p++];
  }
  set[n] = '\0';
  if (p >= len || s[p] != ':' || n == 0) {
    return 0;
  }
  *index = v[0];
  *total = v[1];
  return 1;
}

static int sg_partial_holds(const sg_partial *p, unsigned index) {
  for (unsigned i = 0; i < p->count; i++) {
    if (p->sym[i].index == index) {
      return 1;
    }
  }
  return 0;
}

static void sg_partial_clear(sg_partial *p) {
  p->total = 0;
  p->set[0] = '\0';
  p->count = 0;
  p->used = 0;
  p->desync = 0;
}

void sg_partial_init(sg_partial *p, const char *state_dir, const char *identity, int64_t idle_limit) {
  memset(p, 0, sizeof *p);
  if (state_dir != NULL) {
    snprintf(p->path, sizeof p->path, "%s/%s", state_dir, SG_PARTIAL_FILE);
  }
  snprintf(p->id, sizeof p->id, "%s", identity != NULL ? identity : "");
  p->idle_limit = idle_limit;
}

static int sg_partial_add(sg_partial *p, const uint8_t *sym, size_t len, unsigned index) {
  if (p->count >= SG_MAX_CHUNKS || len > sizeof p->data - p->used) {
    return 0;
  }
  memcpy(p->data + p->used, sym, len);
  p->sym[p->count].index = index;
  p->sym[p->count].off = p->used;
  p->sym[p->count].len = len;
  p->count++;
  p->used += len;
  return 1;
}

void sg_partial_track(sg_partial *p, const uint8_t *sym, size_t len, int ret,
                      const sg_feed_result *res) {
  unsigned index = 0, total = 0;
  char set[16];
  const int chunk = sym != NULL && sg_partial_header(sym, len, &index, &total, set);
  if (ret != SG_NEED_MORE) {
    /* A bare profile, or a chunk the agent could not parse, leaves the open
     * set alone; so does a chunk refused for naming too many chunks (it is
     * refused before the set is looked at). Any other chunk answered with a
     * decision completed, restarted-and-completed or overflowed the set. */
    if (chunk && ret != SG_ERR_CHUNK_FORMAT && !(ret == SG_ERR_TOO_LARGE && total > SG_MAX_CHUNKS)) {
      sg_partial_clear(p);
    }
    return;
  }
  if (!chunk) {
    p->desync = 1; /* the agent holds a chunk we cannot file: do not save */
    return;
  }
  if (res->restarted || p->total != total || strcmp(p->set, set) != 0) {
    sg_partial_clear(p);
    p->total = total;
    memcpy(p->set, set, sizeof p->set);
  }
  if (!sg_partial_holds(p, index) && !sg_partial_add(p, sym, len, index)) {
    p->desync = 1;
  }
  if (res->have != p->count || res->total != p->total) {
    p->desync = 1;
  }
}

void sg_partial_missing(const sg_partial *p, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (unsigned i = 1; i <= p->total && n + 8 < cap; i++) {
    if (!sg_partial_holds(p, i)) {
      n += (size_t)snprintf(out + n, cap - n, "%s%u", n == 0 ? "" : ", ", i);
    }
  }
}

/* --- the file ------------------------------------------------------------ */

static void sg_put32(uint8_t *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t sg_get32(const uint8_t *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void sg_partial_message(const sg_report *r, const char *what, const char *why) {
  if (r->json) {
    fprintf(r->out, "{\"event\":\"partial\",\"action\":\"%s\",\"reason\":", what);
    sg_report_json_str(r->out, why);
    fputs("}\n", r->out);
  } else {
    fprintf(r->out, "partial scan %s: %s\n", what, why);
  }
}

/* Parse and check a file image into p (which is clear). NULL when good,
 * else why not. */
static const char *sg_partial_parse(sg_partial *p, const uint8_t *b, size_t n, int64_t now) {
  uint8_t digest[32];
  if (n < 8 + 4 + 4 + 8 + 4 + 32 || memcmp(b, sg_partial_magic, 8) != 0) {
    return "not a stagegate partial-scan file";
  }
  sg_sha256(b, n - 32, digest);
  if (!sg_ct_equal(digest, b + n - 32, 32)) {
    return "corrupt (digest mismatch)";
  }
  if (sg_get32(b + 8) != SG_PARTIAL_VERSION) {
    return "unknown version";
  }
  const uint32_t count = sg_get32(b + 12);
  uint64_t saved = 0;
  for (int i = 7; i >= 0; i--) saved = saved << 8 | b[16 + i];
  const int64_t saved_at = (int64_t)saved;
  size_t off = 24;
  const size_t end = n - 32;
  const uint32_t id_len = sg_get32(b + off);
  off += 4;
  if (id_len > end - off || id_len != strlen(p->id) || memcmp(b + off, p->id, id_len) != 0) {
    return "belongs to another device identity";
  }
  off += id_len;
  if (count == 0 || count >= SG_MAX_CHUNKS) {
    return "chunk count out of range";
  }
  if (saved_at < 0) {
    return "dated before 1970";
  }
  if (saved_at > now) { /* (now - saved_at below cannot overflow) */
    return "saved later than the device's clock says it is now";
  }
  if (p->idle_limit <= 0) {
    return "partial scans are not kept between runs (--partial-idle 0)";
  }
  if (now - saved_at > p->idle_limit) {
    return "idle for longer than the limit";
  }
  for (uint32_t i = 0; i < count; i++) {
    unsigned index = 0, total = 0;
    char set[16];
    if (end - off < 4) {
      return "truncated";
    }
    const uint32_t len = sg_get32(b + off);
    off += 4;
    if (len > end - off) {
      return "truncated";
    }
    if (!sg_partial_header(b + off, len, &index, &total, set)) {
      return "holds a text that is not a chunk";
    }
    if (i == 0) {
      p->total = total;
      memcpy(p->set, set, sizeof p->set);
    }
    if (total != p->total || strcmp(set, p->set) != 0 || index < 1 || index > total ||
        total > SG_MAX_CHUNKS || count >= total || sg_partial_holds(p, index)) {
      return "chunks that are not one incomplete set";
    }
    if (!sg_partial_add(p, b + off, len, index)) {
      return "over the size limit";
    }
    off += len;
  }
  return off == end ? NULL : "trailing bytes";
}

static void sg_partial_discard(sg_partial *p, sg_agent *agent, const sg_report *r, const char *why) {
  sg_partial_message(r, "discarded", why);
  sg_agent_reset_scan(agent);
  sg_partial_clear(p);
  if (p->path[0] != '\0' && unlink(p->path) != 0 && errno != ENOENT) {
    fprintf(stderr, "stagegate-agent: cannot remove %s: %s\n", p->path, strerror(errno));
  }
}

unsigned sg_partial_resume(sg_partial *p, sg_agent *agent, int64_t now, const sg_report *r) {
  static uint8_t buf[SG_PARTIAL_FILE_MAX + 1];
  sg_partial_clear(p);
  if (p->path[0] == '\0') {
    return 0;
  }
  const int fd = open(p->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno != ENOENT) {
      sg_partial_discard(p, agent, r, strerror(errno));
    }
    return 0;
  }
  size_t n = 0;
  ssize_t got = 0;
  while (n < sizeof buf && (got = read(fd, buf + n, sizeof buf - n)) > 0) {
    n += (size_t)got;
  }
  (void)close(fd);
  if (got < 0) {
    sg_partial_discard(p, agent, r, "unreadable");
    return 0;
  }
  return sg_partial_resume_bytes(p, agent, buf, n, now, r);
}

unsigned sg_partial_resume_bytes(sg_partial *p, sg_agent *agent, const uint8_t *buf, size_t n,
                                 int64_t now, const sg_report *r) {
  static sg_partial_sym syms[SG_MAX_CHUNKS];
  static uint8_t copy[SG_PARTIAL_DATA_MAX];
  sg_partial_clear(p);
  const char *why = n > SG_PARTIAL_FILE_MAX ? "larger than any partial scan can be"
                                            : sg_partial_parse(p, buf, n, now);
  if (why != NULL) {
    sg_partial_discard(p, agent, r, why);
    return 0;
  }
  /* Re-feed: each chunk must leave the set open, as when it was saved. */
  const unsigned count = p->count;
  memcpy(syms, p->sym, sizeof syms);
  memcpy(copy, p->data, p->used);
  sg_agent_reset_scan(agent);
  sg_partial_clear(p);
  sg_feed_result res;
  for (unsigned i = 0; i < count; i++) {
    const int ret = sg_agent_feed(agent, copy + syms[i].off, syms[i].len, &res);
    sg_partial_track(p, copy + syms[i].off, syms[i].len, ret, &res);
    if (ret != SG_NEED_MORE || p->desync) {
      sg_partial_discard(p, agent, r, "the agent did not take its chunks as one incomplete set");
      return 0;
    }
  }
  if (r->json) {
    fprintf(r->out, "{\"event\":\"partial\",\"action\":\"resumed\",\"have\":%u,\"total\":%u}\n",
            p->count, p->total);
  } else {
    fprintf(r->out, "resumed a partial scan: %u of %u barcodes read in earlier runs\n", p->count,
            p->total);
  }
  return p->count;
}

static int sg_write_all(int fd, const uint8_t *b, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

int sg_partial_save(sg_partial *p, int64_t now) {
  static uint8_t buf[SG_PARTIAL_FILE_MAX];
  if (p->path[0] == '\0') {
    return 0;
  }
  if (p->count == 0 || p->desync || p->idle_limit <= 0) {
    if (unlink(p->path) != 0 && errno != ENOENT) {
      fprintf(stderr, "stagegate-agent: cannot remove %s: %s\n", p->path, strerror(errno));
      return -1;
    }
    return 0;
  }
  size_t n = 0;
  memcpy(buf, sg_partial_magic, 8);
  sg_put32(buf + 8, SG_PARTIAL_VERSION);
  sg_put32(buf + 12, p->count);
  for (int i = 0; i < 8; i++) buf[16 + i] = (uint8_t)((uint64_t)now >> (8 * i));
  n = 24;
  const size_t id_len = strlen(p->id);
  sg_put32(buf + n, (uint32_t)id_len);
  memcpy(buf + n + 4, p->id, id_len);
  n += 4 + id_len;
  for (unsigned i = 0; i < p->count; i++) {
    sg_put32(buf + n, (uint32_t)p->sym[i].len);
    memcpy(buf + n + 4, p->data + p->sym[i].off, p->sym[i].len);
    n += 4 + p->sym[i].len;
  }
  sg_sha256(buf, n, buf + n);
  n += 32;
  char tmp[sizeof p->path + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", p->path);
  const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  int ok = fd >= 0 && sg_write_all(fd, buf, n) == 0 && fsync(fd) == 0;
  if (fd >= 0 && close(fd) != 0) ok = 0;
  ok = ok && rename(tmp, p->path) == 0;
  if (!ok) {
    fprintf(stderr, "stagegate-agent: cannot save the partial scan to %s: %s\n", p->path,
            strerror(errno));
    (void)unlink(tmp);
    return -1;
  }
  /* The rename itself durable: fsync the directory. */
  char dir[sizeof p->path];
  snprintf(dir, sizeof dir, "%s", p->path);
  char *slash = strrchr(dir, '/');
  if (slash != NULL) {
    *slash = '\0';
    const int dfd = open(dir, O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)fsync(dfd);
      (void)close(dfd);
    }
  }
  return 0;
}

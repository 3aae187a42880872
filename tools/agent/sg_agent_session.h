/*
 * stagegate-agent (tools/agent): what a scanning session keeps between
 * symbols. Private to the tool.
 *
 *  - sg_partial: the chunks of the set the agent holds open, as the raw
 *    symbol texts, so that one-shot runs (`scan`/`feed` once per barcode)
 *    can carry a partial profile over in the state directory, and `listen`
 *    can say which chunks are missing. The texts are only ever re-fed to
 *    the agent, which parses, reassembles and verifies everything again:
 *    the file is trusted for nothing but reassembly.
 *  - sg_tap: a scanner that wraps another one, remembers the symbol it last
 *    handed out (for sg_partial_track) and, when asked, skips symbols
 *    already read in this run (a `render` folder holds every symbol twice:
 *    alone and on the sheet).
 *  - listen: the long-running serial mode (listen.c).
 */
#ifndef SG_AGENT_SESSION_H
#define SG_AGENT_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "sg_agent_tool.h"
#include "stagegate/agent.h"
#include "stagegate/scanner.h"

/* --- partial scans ------------------------------------------------------ */

#define SG_PARTIAL_FILE "partial.bin"
/* Idle time after which a saved partial scan is dropped (--partial-idle). */
#define SG_PARTIAL_IDLE_DEFAULT 900
/* Room for the symbol texts of one set: the agent caps the chunks' data at
 * SG_MAX_PROFILE; each header ("SG1:16/16:<12 hex>:") adds under 32 bytes. */
#define SG_PARTIAL_DATA_MAX (SG_MAX_PROFILE + 32u * SG_MAX_CHUNKS)
#define SG_PARTIAL_ID_MAX 160

typedef struct {
  unsigned index; /* i of SG1:i/n (1-based) */
  size_t off, len;
} sg_partial_sym;

/* Caller-allocated (it is ~9 KiB: static); fields private to partial.c. */
typedef struct {
  char path[4096];       /* the state file; "" = not persisted (listen) */
  char id[SG_PARTIAL_ID_MAX]; /* the device identity the file is bound to */
  int64_t idle_limit;    /* seconds; 0 = do not keep partial scans between runs */
  unsigned total;        /* n of the open set; 0 = none */
  char set[16];          /* the set id (hex) of the open set */
  unsigned count;
  sg_partial_sym sym[SG_MAX_CHUNKS];
  uint8_t data[SG_PARTIAL_DATA_MAX];
  size_t used;
  int desync;            /* our copy disagrees with the agent's: never saved */
} sg_partial;

/* state_dir NULL: memory only (listen). identity: "model serial" or "". */
void sg_partial_init(sg_partial *p, const char *state_dir, const char *identity, int64_t idle_limit);

/*
 * Load the saved partial scan, if any, and re-feed its symbols to `agent`.
 * A file that is corrupt, of another format or device, idle for longer than
 * the limit or dated in the future, or whose symbols the agent does not
 * hold as one incomplete set, is removed with a message (the agent's scan
 * is reset), never used. Returns the number of chunks resumed (0 if none).
 */
unsigned sg_partial_resume(sg_partial *p, sg_agent *agent, int64_t now, const sg_report *r);

/* The same from the file's bytes (the fuzzer's way in). */
unsigned sg_partial_resume_bytes(sg_partial *p, sg_agent *agent, const uint8_t *buf, size_t n,
                                 int64_t now, const sg_report *r);

/* After each sg_agent_feed/scan: keep our copy of the open set in step
 * with the agent's (chunk.h's rules: a chunk that completes, restarts or
 * overflows a set changes it; a bare profile or a malformed chunk leaves
 * it as it was). */
void sg_partial_track(sg_partial *p, const uint8_t *sym, size_t len, int ret,
                      const sg_feed_result *res);

/* Write the open set to the state file atomically (temp file, fsync,
 * rename), or remove the file when nothing is open. 0, or -1 with a
 * message on stderr. A no-op for a memory-only session. */
int sg_partial_save(sg_partial *p, int64_t now);

/* "3, 5": the missing chunk numbers of the open set, into out. */
void sg_partial_missing(const sg_partial *p, char *out, size_t cap);

/* --- the tap ------------------------------------------------------------ */

typedef struct {
  uint8_t (*digest)[32];
  size_t n, cap;
} sg_seen;

typedef struct {
  const sg_scanner *inner;
  sg_seen *seen;          /* NULL: no skipping */
  const sg_report *r;
  const char *source;
  const uint8_t *sym;     /* the symbol last handed out, valid until the next call */
  size_t len;
} sg_tap;

/* `ops` becomes a scanner that reads through `inner`. */
void sg_tap_init(sg_tap *t, const sg_scanner *inner, sg_seen *seen, const sg_report *r,
                 const char *source, sg_scanner *ops);
void sg_seen_free(sg_seen *s);

/* --- listen ------------------------------------------------------------- */

/*
 * stagegate-agent listen --serial DEV [--terminator any|cr|lf|crlf]
 *   [--timeout MS] [--baud N]: read symbols from a serial scan engine (the
 * tty in raw mode) and feed each to `agent`, printing progress ("2 of 3
 * scanned, missing: 3") and every decision, until SIGINT/SIGTERM, end of
 * input (hang-up) or a read error. The signals are blocked while a symbol
 * is fed, so the trust slot is never left mid-write; they end the loop
 * between symbols. `partial` tracks the open set in memory.
 */
int sg_cmd_listen(sg_agent *agent, sg_partial *partial, int argc, char **argv, const sg_report *r);

#endif

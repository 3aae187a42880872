/*
 * POSIX port (Linux): a file as the trust-slot block device, the system
 * clock, and device identity from a config file or the environment.
 * Caller-allocated contexts, as everywhere in stagegate; each must outlive
 * the sg_blockdev / sg_clock / sg_identity filled from it.
 */
#ifndef SG_POSIX_H
#define SG_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/agent.h"
#include "stagegate/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * sg_file_bd: one file holds sector_count sectors of sector_size bytes,
 * with NOR semantics (erase writes 0xFF; prog ANDs, so it only clears
 * bits). Only a missing file is a factory part: it is created fully
 * erased (under a temporary name, renamed into place once complete). An
 * existing file must have exactly the geometry's size — a zero-length or
 * short file (what a crash leaves on some file systems) is not read as
 * factory-fresh but refused (SG_ERR_LOCKED), and never truncated, grown or
 * rewritten. Every prog and erase is followed by fsync(), so a call that
 * returns 0 is durable. No monotonic counter: a file can always be copied
 * back, and the blockdev says so (rollback_protection "none ..."); sg_tpm_counter.h
 * wraps this block device with one kept in a TPM 2.0.
 */
typedef struct {
  int fd;
  uint32_t sector_size, sector_count, prog_size;
  long long found_size; /* after SG_ERR_LOCKED: the size the file had */
} sg_file_bd;

/* Make `f` safe to close without opening it. */
void sg_file_bd_init(sg_file_bd *f);
/* Open or create `path` (the caller picks it, e.g. /var/lib/stagegate/slot).
 * Returns SG_OK, SG_ERR_ARG (bad geometry), SG_ERR_LOCKED (an existing
 * file of the wrong size, zero included: f->found_size says which) or
 * SG_ERR_STORAGE (I/O). */
int sg_file_bd_open(sg_file_bd *f, const char *path, uint32_t sector_size, uint32_t sector_count,
                    uint32_t prog_size);
/* Fill `bd` with this file's hooks. */
void sg_file_bd_blockdev(sg_file_bd *f, sg_blockdev *bd);
/* Close the file; safe on an initialised, never-opened or closed `f`. */
void sg_file_bd_close(sg_file_bd *f);

/* Wall clock from time(): Unix seconds, negative if the OS has none. */
void sg_posix_clock(sg_clock *out);

/*
 * Identity. Sources, in order of precedence: the environment variables
 * STAGEGATE_MODEL and STAGEGATE_SERIAL, then the file at `path` (NULL:
 * none) with lines `model=...` and `serial=...` (blank lines and lines
 * starting with '#' ignored, spaces around keys and values trimmed, other
 * keys ignored). Values are copied into `pi`; `out` points into it.
 * Returns SG_OK when both are known; SG_ERR_ARG if either is missing, empty
 * or longer than SG_POSIX_ID_MAX - 1 bytes; SG_ERR_STORAGE if the file is
 * needed but unreadable.
 */
#define SG_POSIX_ID_MAX 64
typedef struct {
  char model[SG_POSIX_ID_MAX];
  char serial[SG_POSIX_ID_MAX];
} sg_posix_identity;
int sg_posix_identity_load(sg_posix_identity *pi, const char *path, sg_identity *out);

/*
 * Event sink: one JSON object per line appended to a log file (audit trail):
 *   {"time":1780000000,"result":"SG_ERR_REPLAY","code":-45,
 *    "profile":"Wi-Fi 4","seq":4,"signer":"<sha256 hex>","detail":"signed profile"}
 * Each line is written with one write() and the file is opened O_APPEND,
 * so concurrent readers never see half a line. Errors are ignored: an
 * audit log that cannot be written must not change a decision.
 */
typedef struct {
  int fd;
  const sg_clock *clock; /* for "time"; NULL: omitted */
} sg_posix_event_log;

/*
 * Untrusted text (profile and CSP names, SSIDs, certificate subjects, file
 * names) made safe to print. Both decode UTF-8 strictly and escape what a
 * terminal would act on or that reorders text: C0 controls, DEL, C1
 * controls, bidirectional controls, U+2028/2029, U+FEFF, and the backslash.
 *  - json: a JSON string body (no quotes): \" \\ \u00XX; an invalid
 *    UTF-8 byte becomes \ufffd, so the result is always valid JSON;
 *  - text: \xNN for C0/DEL/C1 and invalid bytes, \uXXXX for the others.
 * Write at most cap - 1 bytes and a NUL (cap > 0), never splitting an
 * escape or a character; return the length written.
 */
size_t sg_posix_escape_json(char *out, size_t cap, const char *s);
size_t sg_posix_escape_text(char *out, size_t cap, const char *s);
int sg_posix_event_log_open(sg_posix_event_log *log, const char *path, const sg_clock *clock);
void sg_posix_event_log_sink(sg_posix_event_log *log, sg_event_sink *out);
void sg_posix_event_log_close(sg_posix_event_log *log);

/*
 * Fleet keys (encrypted profiles) from files: see fleet_keys.c for the
 * formats. Adds the key to `ks` and gives its kid. SG_OK, SG_ERR_STORAGE
 * (unreadable), SG_ERR_ARG (not a key stagegate can use), SG_ERR_TOO_LARGE
 * (file over 8 KiB, or the keystore is full), SG_ERR_NO_MEMORY.
 */
int sg_posix_fleet_key_load(sg_ram_keystore *ks, const char *path, char kid[SG_KID_LEN]);
/* getrandom(): a random source for sg_ram_keystore_init's rng. */
int sg_posix_random(void *ctx, unsigned char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* SG_POSIX_H */

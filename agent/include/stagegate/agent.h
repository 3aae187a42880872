/*
 * stagegate — the agent.
 *
 * Feed it the text of each scanned barcode symbol; it reassembles the
 * profile, verifies it against the trust slot, runs the profile's actions
 * through the handlers the firmware registered, and persists trust changes
 * — or rejects the profile with one specific reason and changes nothing.
 *
 *   sg_agent agent;                       // caller-allocated (static on MCUs)
 *   sg_agent_init(&agent, &config);       // loads the trust slot
 *   sg_agent_feed(&agent, text, len, &r); // once per scanned symbol
 *   sg_agent_free(&agent);
 *
 * Not thread-safe: one agent is used by one thread at a time.
 * Memory: the agent struct holds every buffer (sized by stagegate/config.h);
 * mbedTLS and cJSON allocate through mbedtls_calloc/mbedtls_free, which the
 * Cortex-M port points at a static pool. cJSON's (process-wide) hooks point
 * there only while sg_agent_feed runs; cJSON's defaults are put back after.
 */
#ifndef STAGEGATE_AGENT_H
#define STAGEGATE_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/config.h"
#include "stagegate/errors.h"
#include "stagegate/keystore.h"
#include "stagegate/platform.h"
#include "stagegate/trust.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* One decision, reported to the platform (audit log, beep, LED). */
typedef struct sg_event {
  int result;                /* SG_ACCEPTED, SG_NEED_MORE or a negative sg_err */
  const char *profile_name;  /* "" when not known (e.g. before parsing) */
  uint64_t seq;              /* valid when has_seq */
  int has_seq;
  uint8_t signer_sha256[32]; /* valid when has_signer */
  int has_signer;
  const char *detail;        /* short context ("TurnOnTrustedMode", "chunk 2/3"), never NULL */
} sg_event;

typedef struct sg_event_sink {
  void *ctx;
  void (*emit)(void *ctx, const sg_event *ev); /* pointers valid during the call only */
} sg_event_sink;

/*
 * A firmware handler for one CSP ("Wifi", "Clock", ...). Batch belongs to
 * the agent and cannot be registered. An accepted profile's actions run as
 * one transaction with the trust-slot write (DESIGN.md "Handlers as a
 * transaction"):
 *   1. `check` (optional) for every action of the profile, before anything
 *      is applied: non-zero refuses the profile with SG_ERR_ACTION_ARGS;
 *   2. `apply` (required) for each action, in profile order: non-zero
 *      stops, rolls back the actions already applied and refuses the
 *      profile with SG_ERR_HANDLER_FAILED;
 *   3. the one slot write (floors, trust change): if it fails, every
 *      applied action is rolled back;
 *   4. `rollback` (optional), in reverse order, undoes one `apply` that
 *      succeeded; 0 = undone. A handler without `rollback`, or one that
 *      returns non-zero, makes the rollback incomplete: sg_feed_result's
 *      `rollback` says SG_ROLLBACK_INCOMPLETE and the device may hold
 *      that action's effect without the profile having been accepted.
 * All three return 0 on success. `action` is the action's JSON object,
 * valid during the call.
 */
typedef struct sg_action_handler {
  const char *csp;
  void *ctx;
  int (*check)(void *ctx, const struct cJSON *action);
  int (*apply)(void *ctx, const struct cJSON *action);
  int (*rollback)(void *ctx, const struct cJSON *action);
} sg_action_handler;

/* What became of the actions applied before a failure (sg_feed_result). */
typedef enum {
  SG_ROLLBACK_NONE = 0,            /* nothing was applied and then undone */
  SG_ROLLBACK_COMPLETE = 0x2B0C,   /* every applied action was rolled back */
  SG_ROLLBACK_INCOMPLETE = 0x2B1F, /* some applied action could not be rolled back */
} sg_rollback;

typedef struct sg_agent_config {
  const sg_blockdev *storage;          /* required */
  const sg_clock *clock;               /* optional: NULL = clock never set */
  const sg_identity *identity;         /* optional: NULL matches no "target" */
  const sg_event_sink *events;         /* optional */
  const sg_action_handler *handlers;   /* optional, handler_count entries */
  size_t handler_count;
  uint64_t build_time;                 /* Unix seconds: the lowest time floor */
  /* Encrypted profiles (JWE; stagegate/keystore.h). NULL: none can be
   * opened. require_encrypted: refuse every plaintext profile. */
  const sg_keystore *keystore;
  int require_encrypted;
  /* Optional recovery certificate (DER), compiled into the firmware; NULL
   * = none. A profile it signs with the Batch action RecoverTrust returns
   * a LOCKED or TRUSTED device to UNTRUSTED, keeping the replay floors.
   * Must outlive the agent. */
  const uint8_t *recovery_cert;
  size_t recovery_cert_len;
} sg_agent_config;

/* Result of feeding one symbol. */
typedef struct sg_feed_result {
  int code;              /* as returned */
  unsigned have;         /* chunks held of the current profile */
  unsigned total;        /* chunks it has (0 = not known yet) */
  int restarted;         /* this chunk belonged to another profile: the partial one was dropped */
  char profile_name[64]; /* "" when not known */
  uint64_t seq;          /* valid when has_seq */
  int has_seq;
  int trust_changed;     /* the accepted profile changed the trust slot */
  int encrypted;         /* the profile came encrypted (JWE) and was opened */
  char detail[64];       /* what the code alone does not say, e.g. "no handler for CSP \"Clock\""
                            (the CSP name as the profile has it: escape it before printing);
                            "" when there is nothing to add */
  sg_rollback rollback;  /* on a refusal after handlers applied actions: were they undone? */
} sg_feed_result;

/* What sg_agent_status reports. Pointers into the agent: valid until the
 * next call that feeds or frees it. */
typedef struct sg_status {
  sg_trust_state state;
  sg_anchor_mode mode;
  const uint8_t *anchor;      /* DER; NULL when not TRUSTED */
  size_t anchor_len;
  uint8_t anchor_sha256[32];
  const uint8_t *pending;     /* rotation waiting for activate_at; NULL if none */
  size_t pending_len;
  sg_anchor_mode pending_mode;
  uint64_t activate_at;
  uint64_t seq_floor;
  uint64_t time_floor;
  int64_t effective_time;     /* max(clock, time floor) */
  const char *rollback_protection; /* the storage port's description; "none" if it has none */
  int64_t anchor_not_after;   /* the anchor's notAfter, Unix seconds; 0 when not TRUSTED */
} sg_status;

#include "stagegate/agent_state.h"

/*
 * Private fields. SG_PRIVATE(x) renames field x unless the file defines
 * SG_ALLOW_PRIVATE_ACCESS (libstagegate's own sources do, through
 * SG_LIBRARY_BUILD), in the manner of mbedTLS' MBEDTLS_PRIVATE: code
 * outside the library that names a field does not compile. The fields are
 * in this header only so that the caller can allocate the struct.
 */
#if defined(SG_LIBRARY_BUILD) && !defined(SG_ALLOW_PRIVATE_ACCESS)
#define SG_ALLOW_PRIVATE_ACCESS
#endif
#if defined(SG_ALLOW_PRIVATE_ACCESS)
#define SG_PRIVATE(member) member
#else
#define SG_PRIVATE(member) private_##member
#endif

/*
 * One agent: caller-allocated (statically on a microcontroller). Use the
 * functions below. Size: about 4*SG_MAX_PROFILE + 2*SG_MAX_CERT bytes,
 * 37 KiB with the defaults (sizeof is checked by sg_agent_init).
 */
typedef struct sg_agent {
  uint32_t SG_PRIVATE(ready);                    /* SG_AGENT_READY once initialised */
  sg_agent_config SG_PRIVATE(cfg);
  sg_trust_record SG_PRIVATE(trust);             /* as persisted */
  uint8_t SG_PRIVATE(anchor_sha256)[32];         /* of trust.anchor, for x5t#S256 look-ups */
  void *SG_PRIVATE(anchor_cache);                /* parsed anchor (sg_cert from the pool), or NULL */
  sg_trust_record SG_PRIVATE(next);              /* the verdict's record until it is committed */
  sg_chunk_asm SG_PRIVATE(chunks);
  uint8_t SG_PRIVATE(arena)[2 * SG_MAX_PROFILE]; /* decoded parts of the profile being checked */
} sg_agent;

/*
 * The limits that shape sg_agent and the agent's tables, as one number:
 * the caller's (from stagegate/config.h as it compiled) travels with every
 * sg_agent_init and must equal the library's. Layout: format 1 in the top
 * byte, then SG_MAX_PROFILE (16 bits), SG_MAX_CERT (16), SG_MAX_CHUNKS,
 * SG_MAX_X5C, SG_MAX_HANDLERS (8 each).
 */
#define SG_CONFIG_ID                                                                       \
  (((uint64_t)1u << 56) | ((uint64_t)(SG_MAX_PROFILE & 0xFFFF) << 40) |                     \
   ((uint64_t)(SG_MAX_CERT & 0xFFFF) << 24) | ((uint64_t)(SG_MAX_CHUNKS & 0xFF) << 16) |    \
   ((uint64_t)(SG_MAX_X5C & 0xFF) << 8) | (uint64_t)(SG_MAX_HANDLERS & 0xFF))

/*
 * Initialise `agent` with `config` (copied; the structs it points to must
 * outlive the agent) and load the trust slot. Returns SG_OK, or
 * SG_ERR_LOCKED / SG_ERR_STORAGE with the agent usable but LOCKED (every
 * profile is refused), or, with the agent left untouched and unusable:
 *  - SG_ERR_ARG: agent or config NULL, no storage;
 *  - SG_ERR_STORAGE_FULL: the block device cannot hold two copies of the
 *    largest trust record (size it with sg_trustslot_footprint(),
 *    stagegate/platform.h);
 *  - SG_ERR_CONFIG_MISMATCH: the caller compiled stagegate/agent.h with
 *    other limits (SG_MAX_*) or another ABI than the library was built
 *    with, so the two disagree on what an sg_agent is.
 * sg_agent_init is a macro that passes the caller's sizeof(sg_agent) and
 * SG_CONFIG_ID to sg_agent_init_checked; call it, not the function.
 */
int sg_agent_init_checked(sg_agent *agent, const sg_agent_config *config, size_t agent_size,
                          uint64_t config_id);
#if defined(SG_LIBRARY_BUILD)
/* Inside the library: the initialisation proper, behind the checks. */
#define sg_agent_init sg_agent_init_unchecked
int sg_agent_init(sg_agent *agent, const sg_agent_config *config);
#else
#define sg_agent_init(agent, config) \
  sg_agent_init_checked((agent), (config), sizeof(sg_agent), SG_CONFIG_ID)
#endif

/* Wipe the agent; safe on a zeroed or already-freed agent. */
void sg_agent_free(sg_agent *agent);

/*
 * Feed the bytes of one scanned symbol (an SG1: chunk, or a whole profile
 * as bare JSON or JWS). Returns SG_NEED_MORE while chunks are missing,
 * SG_ACCEPTED when a complete profile was verified, its actions applied
 * and its trust record committed, or a negative sg_err saying why it was
 * rejected: the persisted record is then the old one and any action
 * applied was rolled back (result->rollback says whether completely).
 * A slot write that fails after its commit point (the mirror copy or the
 * monotonic counter) leaves the new record durable: the agent reads the
 * slot back, keeps the actions and returns SG_ACCEPTED; one that fails
 * before it leaves the old record, and the actions are rolled back.
 * Before deciding, a pending rotation whose time has come is activated and
 * persisted (a write even when the profile is then refused). `result` may
 * be NULL.
 */
int sg_agent_feed(sg_agent *agent, const uint8_t *symbol, size_t len, sg_feed_result *result);

struct sg_scanner;

/*
 * The scanner hook: take the next symbol from any backend (ZXing images,
 * a text scan engine, ...; see stagegate/scanner.h) and feed it. Returns
 * what sg_agent_feed returned for it; the backend's own error for an input
 * that yielded no symbol (call again to go on); or SG_ERR_SCAN_END when
 * the backend has nothing more. Swapping backends needs no agent change.
 */
int sg_agent_scan(sg_agent *agent, const struct sg_scanner *scanner, sg_feed_result *result);

/* Drop any partially scanned profile. */
void sg_agent_reset_scan(sg_agent *agent);

/* Current trust state. Returns SG_OK or SG_ERR_ARG. */
int sg_agent_status(const sg_agent *agent, sg_status *status);

#ifdef __cplusplus
}
#endif
#endif /* STAGEGATE_AGENT_H */

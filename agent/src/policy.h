/*
 * The trust policy as a pure decision (DESIGN.md "Trust policy").
 *
 * sg_policy_decide reads a profile text and the facts it is judged by —
 * the trust record, the effective time, the device identity, the parsed
 * anchor — and returns a verdict: SG_ACCEPTED with the trust record the
 * device must hold afterwards, or one reason. It writes no storage, calls
 * nothing in agent.c and runs no handler; agent.c acts on the verdict
 * (handlers as a transaction, then the one slot write). The rules come
 * from the Batch table (batch_actions.h).
 *
 * "Pure" with two stated exceptions, neither visible in a verdict: the
 * arena and cJSON's allocator are used for scratch, and the cached anchor's
 * key may store mbedTLS' RSA Montgomery constant on first use.
 */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "envelope.h"
#include "profile.h"
#include "sg_certinfo.h"
#include "sg_crypto_api.h"
#include "stagegate/agent_state.h"
#include "stagegate/errors.h"
#include "stagegate/platform.h"

/* The facts a decision is judged by. All borrowed for the call. */
typedef struct {
  const sg_trust_record *trust; /* as persisted (a due rotation counts as activated) */
  int64_t now;                  /* effective time: max(clock, time floor, build time) */
  const sg_identity *identity;  /* NULL matches no "target" */
  sg_cert *anchor;              /* trust->anchor parsed, or NULL (parsed per decision then) */
  const uint8_t *anchor_sha256; /* SHA-256 of trust->anchor, or NULL (hashed per decision then) */
  const uint8_t *recovery_cert; /* the firmware's recovery certificate (DER), or NULL */
  size_t recovery_cert_len;
} sg_policy_input;

/* Which certificate signed one signature. */
typedef enum {
  SG_SIGNER_UNRESOLVED = 0,
  SG_SIGNER_X5C = 0x51,     /* leaf of the header's x5c */
  SG_SIGNER_ANCHOR = 0x52,  /* the trust record's anchor */
  SG_SIGNER_PENDING = 0x53, /* the pending rotation certificate */
  SG_SIGNER_PROFILE = 0x54, /* the certificate the profile deploys */
  SG_SIGNER_RECOVERY = 0x55, /* the firmware's recovery certificate */
} sg_signer_src;

typedef struct {
  sg_signer_src src;
  const uint8_t *der;
  size_t der_len;
  int verified; /* SG_ACCEPTED once the signature checked out */
  int time_ret; /* the certificate's validity at the effective time (SG_OK or why not) */
} sg_signer;

/*
 * Scratch of one decision, lent by the caller: the arena the envelope and
 * profile are decoded into, and what was parsed. The profile (and its
 * cJSON actions) stays valid until sg_policy_work_free, so the agent can
 * hand the actions to the handlers after the verdict.
 */
typedef struct {
  sg_arena arena;
  sg_envelope env;
  sg_profile prof;
  sg_signer signers[SG_MAX_SIGNATURES];
} sg_policy_work;

/* The verdict. */
typedef struct {
  int code;                 /* SG_ACCEPTED or the reason (negative sg_err) */
  sg_trust_record *next;    /* lent by the caller: with persist, the record to persist */
  int persist;              /* 1: accepted, and *next (differing from the input record) must
                               be persisted; 0: the input record stands (next not written) */
  int trust_changed;        /* 1: state, anchor or pending rotation changed */
  int recovery;             /* 1: a RecoverTrust: persist whatever the slot holds (it may be
                               LOCKED: the agent then uses the trust slot's recovery store) */
  const char *detail;       /* the Batch action's name, or "signed/unsigned profile" */
  uint8_t signer_sha256[32];/* first identified signer's certificate hash */
  int has_signer;
} sg_verdict;

/* Start a decision: `arena` (cap bytes) becomes the work's arena. */
void sg_policy_work_init(sg_policy_work *w, uint8_t *arena, size_t cap);
/* Free what the decision parsed (the profile's cJSON tree). */
void sg_policy_work_free(sg_policy_work *w);

/*
 * Decide on one complete profile text (bare JSON or JWS). Returns v->code.
 * v->next must point to a record the caller lends; it means something only
 * when the verdict is SG_ACCEPTED with persist set (the new record is then
 * *v->next; without persist, it is the input record itself).
 */
int sg_policy_decide(const sg_policy_input *in, const uint8_t *text, size_t len,
                     sg_policy_work *w, sg_verdict *v);

/*
 * The record as of `now`: a pending rotation whose activate_at has come is
 * activated (anchor := pending; the old key's seq floor goes to the table
 * of former anchors, the new key carries on from the higher of that floor
 * and its own former one). Pure: rec is edited in place, nothing is
 * written. Returns 1 if it activated one, 0 if none was due, or
 * SG_ERR_NO_MEMORY / SG_ERR_CERT_FORMAT if a key could not be read (rec
 * unchanged).
 */
int sg_trust_activate_due(sg_trust_record *rec, int64_t now);
/* Would sg_trust_activate_due activate one? */
int sg_trust_activate_due_at(const sg_trust_record *rec, int64_t now);

#endif

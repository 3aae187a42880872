/*
 * The Batch actions — the agent's own CSP, the actions that change trust —
 * as ONE table (batch_actions.c). Per action: its arguments and their
 * types, who must have signed it in each trust state, how many
 * signatures, replay strictness, whether it must expire, and what it
 * changes. The profile parser (profile.c) checks arguments against it, the
 * policy (policy.c) decides from it, and the host signer (tools/sign)
 * checks the administrator's profile against it: the schema is written
 * once (stagegate-sign reads it through this header and adds only
 * descriptions for people). A reviewer checks the trust rules against this
 * table.
 *
 * Dependency-free (no mbedTLS, no cJSON) so that stagegate-sign, which
 * links a different mbedTLS build, can compile batch_actions.c in.
 */
#ifndef SG_BATCH_ACTIONS_H
#define SG_BATCH_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/trust.h"

/* What a profile does to trust. Hardened values (never 0 for an action). */
typedef enum {
  SG_BATCH_NONE = 0,           /* no Batch action: an ordinary profile */
  SG_BATCH_TURN_ON = 0x7101,   /* TurnOnTrustedMode */
  SG_BATCH_TURN_OFF = 0x7102,  /* TurnOffTrustedMode */
  SG_BATCH_ROTATE = 0x7103,    /* RotateTrustedCertificate */
  SG_BATCH_RECOVER = 0x7104,   /* RecoverTrust: only the firmware's recovery certificate */
} sg_batch_kind;

/* Argument types (the JSON value and how it is read). */
typedef enum {
  SG_ARG_CERTIFICATE = 1, /* string: standard base64 of one DER certificate */
  SG_ARG_ANCHOR_MODE,     /* string: "pinned" | "ca" */
  SG_ARG_UNIX_TIME,       /* integer in [0, 2^53): Unix seconds */
} sg_batch_arg_type;

typedef enum {
  SG_ARG_REQUIRED = 1, /* the device refuses the action without it */
  SG_ARG_OPTIONAL,     /* the device has a default (see the row) */
  SG_ARG_STATED,       /* device default, written out by the signer's skeletons (`new`) */
} sg_batch_arg_presence;

typedef struct {
  const char *name;             /* JSON member of the action object */
  sg_batch_arg_type type;
  sg_batch_arg_presence presence;
} sg_batch_arg;

#define SG_BATCH_MAX_ARGS 3

/*
 * Who must have signed, in one trust state. Settled as far as possible
 * from the certificates before any signature math (a signer no rule could
 * accept is refused at once), and again after every signature verified.
 * Floors move only with a signer of authority: SG_RULE_ANYONE moves none.
 */
typedef enum {
  SG_RULE_REFUSE = 1,     /* refused in this state with the row's refusal code */
  SG_RULE_ANYONE,         /* unsigned, or signed by any certificate that verifies */
  SG_RULE_POSSESSION,     /* signed by the certificate the action deploys (proof of possession) */
  SG_RULE_ANCHOR,         /* signed by the anchor (pinned) or a signer chaining to it (ca) */
  SG_RULE_SAME_ANCHOR,    /* only re-deploying the anchor as it is, signed as SG_RULE_ANCHOR;
                             any other certificate: SG_ERR_ALREADY_TRUSTED */
  SG_RULE_ANCHOR_AND_NEW, /* one signature as SG_RULE_ANCHOR and one by the deployed certificate */
  SG_RULE_RECOVERY,       /* signed by the recovery certificate compiled into the firmware */
} sg_batch_rule;

/* Who may sign for the anchor when it is a "ca" anchor. */
typedef enum {
  SG_CA_STAGING_LEAF = 1, /* the CA's key, or a leaf with the staging EKU chaining to it */
  SG_CA_OWN_KEY,          /* only the CA's own key (SG_ERR_ANCHOR_KEY_REQUIRED) */
} sg_batch_ca_signer;

/* Replay: how seq compares with the replay floor. */
typedef enum {
  SG_REPLAY_SAME_OK = 1, /* seq >= floor: the same profile may be scanned again (idempotent) */
  SG_REPLAY_STRICT,      /* seq > floor: a trust change happens once */
} sg_batch_replay;

/* What an accepted action does to the trust record. */
typedef enum {
  SG_EFFECT_NONE = 1,    /* floors only */
  SG_EFFECT_ENROL,       /* UNTRUSTED -> TRUSTED with the deployed anchor (a no-op when TRUSTED) */
  SG_EFFECT_UNENROL,     /* TRUSTED -> UNTRUSTED, anchor and pending rotation wiped */
  SG_EFFECT_PEND,        /* pending rotation set (activated at activate_at, or at once if past) */
  SG_EFFECT_RECOVER,     /* TRUSTED or LOCKED -> UNTRUSTED, floors kept */
} sg_batch_effect;

typedef struct {
  sg_batch_kind kind;
  const char *name;          /* "action" value; "(none)" for the ordinary-profile row */
  sg_batch_arg args[SG_BATCH_MAX_ARGS];
  unsigned nargs;
  sg_batch_rule untrusted;   /* rule on an UNTRUSTED device */
  sg_batch_rule trusted;     /* rule on a TRUSTED device */
  sg_batch_rule locked;      /* rule on a LOCKED device */
  int refused;               /* code for SG_RULE_REFUSE on an UNTRUSTED or TRUSTED device
                                (LOCKED: SG_ERR_LOCKED) */
  unsigned signatures;       /* signatures a signed profile must carry */
  int wrong_count;           /* code when it carries another number */
  sg_batch_ca_signer ca_signer;
  sg_batch_replay replay;
  int needs_exp;             /* 1: "exp" required, at most SG_TRUST_CHANGE_LIFETIME after "iat" */
  int after_anchor_expiry;   /* 1: the anchor's own key may still sign it after its notAfter */
  sg_batch_effect effect;
} sg_batch_row;

/* The rows with a name (the actions a profile can name), in table order. */
size_t sg_batch_count(void);
const sg_batch_row *sg_batch_at(size_t i); /* NULL past the end */
/* The row of an "action" name, or NULL for an unknown one. */
const sg_batch_row *sg_batch_find(const char *name);
/* The row of a kind; SG_BATCH_NONE gives the ordinary-profile row. Never
 * NULL for a kind the table defines; NULL for anything else. */
const sg_batch_row *sg_batch_of(sg_batch_kind kind);
/* The row's argument `name`, or NULL. */
const sg_batch_arg *sg_batch_arg_find(const sg_batch_row *row, const char *name);
/* "certificate", "anchor mode", "Unix time". */
const char *sg_batch_arg_type_name(sg_batch_arg_type type);
/* Values of an SG_ARG_ANCHOR_MODE argument: "pinned" -> SG_ANCHOR_PINNED,
 * "ca" -> SG_ANCHOR_CA; SG_ANCHOR_NONE for anything else. */
sg_anchor_mode sg_batch_anchor_mode(const char *value);
/* The rule that applies to `row` in `state` (any other state: SG_RULE_REFUSE). */
sg_batch_rule sg_batch_rule_in(const sg_batch_row *row, sg_trust_state state);

#endif

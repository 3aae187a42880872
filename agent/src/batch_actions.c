/*
 * The Batch action table (batch_actions.h): the trust rules of stagegate
 * in one place. Read a row left to right: the action, its arguments, who
 * must sign it on an UNTRUSTED and on a TRUSTED device (a LOCKED device
 * refuses everything), how many signatures, replay strictness, whether it
 * must carry "exp", and what it changes.
 */
#include "batch_actions.h"

#include <string.h>

#include "stagegate/errors.h"

#define SG_CERT_ARG {"certificate", SG_ARG_CERTIFICATE, SG_ARG_REQUIRED}

/* Row 0 is the ordinary profile (no Batch action); the others are named. */
static const sg_batch_row sg_batch_table[] = {
    /* kind, name, args, nargs,
     *   untrusted, trusted, locked, refused, signatures, wrong_count,
     *   ca_signer, replay, needs_exp, after_anchor_expiry, effect */
    {SG_BATCH_NONE, "(none)", {{0}}, 0,
     SG_RULE_ANYONE, SG_RULE_ANCHOR, SG_RULE_REFUSE, SG_ERR_INTERNAL, 1, SG_ERR_FORMAT,
     SG_CA_STAGING_LEAF, SG_REPLAY_SAME_OK, 0, 0, SG_EFFECT_NONE},
    {SG_BATCH_TURN_ON, "TurnOnTrustedMode",
     {SG_CERT_ARG, {"anchor", SG_ARG_ANCHOR_MODE, SG_ARG_STATED}}, 2,
     SG_RULE_POSSESSION, SG_RULE_SAME_ANCHOR, SG_RULE_REFUSE, SG_ERR_INTERNAL, 1, SG_ERR_FORMAT,
     SG_CA_STAGING_LEAF, SG_REPLAY_SAME_OK, 0, 0, SG_EFFECT_ENROL},
    {SG_BATCH_TURN_OFF, "TurnOffTrustedMode", {{0}}, 0,
     SG_RULE_REFUSE, SG_RULE_ANCHOR, SG_RULE_REFUSE, SG_ERR_NOT_TRUSTED, 1, SG_ERR_FORMAT,
     SG_CA_OWN_KEY, SG_REPLAY_STRICT, 1, 1, SG_EFFECT_UNENROL},
    {SG_BATCH_ROTATE, "RotateTrustedCertificate",
     {SG_CERT_ARG, {"activate_at", SG_ARG_UNIX_TIME, SG_ARG_REQUIRED},
      {"anchor", SG_ARG_ANCHOR_MODE, SG_ARG_OPTIONAL}}, 3,
     SG_RULE_REFUSE, SG_RULE_ANCHOR_AND_NEW, SG_RULE_REFUSE, SG_ERR_NOT_TRUSTED, 2, SG_ERR_ROTATION,
     SG_CA_OWN_KEY, SG_REPLAY_STRICT, 1, 1, SG_EFFECT_PEND},
    {SG_BATCH_RECOVER, "RecoverTrust", {{0}}, 0,
     SG_RULE_REFUSE, SG_RULE_RECOVERY, SG_RULE_RECOVERY, SG_ERR_NOT_TRUSTED, 1, SG_ERR_FORMAT,
     SG_CA_OWN_KEY, SG_REPLAY_STRICT, 1, 0, SG_EFFECT_RECOVER},
};

#define SG_BATCH_ROWS (sizeof sg_batch_table / sizeof sg_batch_table[0])

size_t sg_batch_count(void) { return SG_BATCH_ROWS - 1; }

const sg_batch_row *sg_batch_at(size_t i) {
  return i < SG_BATCH_ROWS - 1 ? &sg_batch_table[i + 1] : NULL;
}

const sg_batch_row *sg_batch_find(const char *name) {
  for (size_t i = 1; name != NULL && i < SG_BATCH_ROWS; i++) {
    if (strcmp(sg_batch_table[i].name, name) == 0) {
      return &sg_batch_table[i];
    }
  }
  return NULL;
}

const sg_batch_row *sg_batch_of(sg_batch_kind kind) {
  for (size_t i = 0; i < SG_BATCH_ROWS; i++) {
    if (sg_batch_table[i].kind == kind) {
      return &sg_batch_table[i];
    }
  }
  return NULL;
}

const sg_batch_arg *sg_batch_arg_find(const sg_batch_row *row, const char *name) {
  for (unsigned i = 0; row != NULL && name != NULL && i < row->nargs; i++) {
    if (strcmp(row->args[i].name, name) == 0) {
      return &row->args[i];
    }
  }
  return NULL;
}

const char *sg_batch_arg_type_name(sg_batch_arg_type type) {
  switch (type) {
    case SG_ARG_CERTIFICATE:
      return "certificate (base64 DER)";
    case SG_ARG_ANCHOR_MODE:
      return "anchor mode (\"pinned\" or \"ca\")";
    case SG_ARG_UNIX_TIME:
      return "Unix time (integer below 2^53)";
  }
  return "invalid";
}

sg_anchor_mode sg_batch_anchor_mode(const char *value) {
  if (value != NULL && strcmp(value, "pinned") == 0) {
    return SG_ANCHOR_PINNED;
  }
  if (value != NULL && strcmp(value, "ca") == 0) {
    return SG_ANCHOR_CA;
  }
  return SG_ANCHOR_NONE;
}

sg_batch_rule sg_batch_rule_in(const sg_batch_row *row, sg_trust_state state) {
  if (row == NULL) {
    return SG_RULE_REFUSE;
  }
  switch (state) {
    case SG_STATE_UNTRUSTED:
      return row->untrusted;
    case SG_STATE_TRUSTED:
      return row->trusted;
    case SG_STATE_LOCKED:
      return row->locked;
  }
  return SG_RULE_REFUSE;
}

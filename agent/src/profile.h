/*
 * The profile (DESIGN.md "Wire format"): strict schema over cJSON.
 * Unknown top-level keys, wrong types and out-of-range numbers are
 * rejected with a specific error. Batch (the agent's own CSP) actions are
 * checked here against the Batch table (batch_actions.h); other CSPs are
 * checked by the firmware's handlers.
 */
#ifndef SG_PROFILE_H
#define SG_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "batch_actions.h"
#include "json.h"
#include "stagegate/platform.h"
#include "stagegate/trust.h"

#define SG_MAX_ACTIONS 32
#define SG_MAX_NAME 63
#define SG_MAX_TARGETS 32


typedef struct {
  cJSON *root;           /* owned; sg_profile_free releases it */
  const char *name;
  uint64_t seq, iat, exp;
  int has_seq, has_iat, has_exp;
  const cJSON *target;   /* NULL = any device */
  const cJSON *actions;  /* array, 1..SG_MAX_ACTIONS objects with "csp" */
  sg_batch_kind trust_action; /* at most one Batch action per profile */
  const sg_batch_row *batch;  /* its row (batch_actions.c); the "(none)" row if none */
  const uint8_t *cert;   /* TurnOn / Rotate certificate DER, in the arena */
  size_t cert_len;
  sg_anchor_mode anchor_mode;
  uint64_t activate_at;
} sg_profile;

/*
 * Parse and check the profile JSON. Returns SG_OK, SG_ERR_PROFILE_FORMAT,
 * SG_ERR_PROFILE_VERSION, SG_ERR_PRIVATE_KEY (keyscreen.h), SG_ERR_UNSUPPORTED_ACTION
 * (unknown Batch action), SG_ERR_ACTION_ARGS, SG_ERR_CERT_FORMAT (a
 * certificate field that is not exactly one DER SEQUENCE) or SG_ERR_TOO_LARGE.
 * The text must be I-JSON (ijson.h); seq, iat, exp, stagegate and
 * activate_at must be integer literals.
 * On failure nothing needs freeing; on success call sg_profile_free.
 */
int sg_profile_parse(const char *json, size_t len, sg_arena *arena, sg_profile *p);

void sg_profile_free(sg_profile *p);

/* Is this device among the profile's targets? SG_OK or SG_ERR_NOT_FOR_DEVICE. */
int sg_profile_check_target(const sg_profile *p, const sg_identity *id);

/* "no handler for CSP \"<csp>\"" into out[0..cap), the name cut (at a
 * character boundary, with "...") to fit. */
void sg_detail_no_handler(char *out, size_t cap, const char *csp);

#endif

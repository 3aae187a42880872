/*
 * The handlers of one accepted profile as a transaction (agent.h,
 * sg_action_handler): find a handler for every action and `check` them
 * all, `apply` in order, `rollback` in reverse order what was applied when
 * anything later fails — a handler or the slot write. Batch actions are
 * the agent's own (the trust record) and are skipped here.
 */
#ifndef SG_TRANSACTION_H
#define SG_TRANSACTION_H

#include <stddef.h>

#include "cJSON.h"
#include "profile.h"
#include "stagegate/agent.h"

typedef struct {
  const sg_action_handler *handler[SG_MAX_ACTIONS];
  const cJSON *action[SG_MAX_ACTIONS];
  unsigned count;   /* non-Batch actions */
  unsigned applied; /* how many `apply` succeeded, in order */
  const char *unhandled_csp; /* SG_ERR_UNSUPPORTED_ACTION: the CSP no handler takes */
} sg_txn;

/*
 * Steps 1-2: every non-Batch action of `actions` has a handler among
 * `handlers` (else SG_ERR_UNSUPPORTED_ACTION) and passes its `check`
 * (else SG_ERR_ACTION_ARGS); then apply them in order. A failing apply
 * rolls back the earlier ones at once and gives SG_ERR_HANDLER_FAILED,
 * with *rollback saying how that went. Returns SG_OK when all applied.
 */
int sg_txn_apply(sg_txn *t, const sg_action_handler *handlers, size_t handler_count,
                 const cJSON *actions, sg_rollback *rollback);

/* Undo every applied action, last first. Returns SG_ROLLBACK_NONE if
 * nothing was applied, else COMPLETE or INCOMPLETE. */
sg_rollback sg_txn_rollback(sg_txn *t);

#endif

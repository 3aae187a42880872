/* Handlers as a transaction: see transaction.h. */
#include "transaction.h"

#include <string.h>

#include "json.h"
#include "stagegate/errors.h"

static const sg_action_handler *sg_find_handler(const sg_action_handler *handlers, size_t n,
                                                const char *csp) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(handlers[i].csp, csp) == 0) {
      return &handlers[i];
    }
  }
  return NULL;
}

sg_rollback sg_txn_rollback(sg_txn *t) {
  if (t->applied == 0) {
    return SG_ROLLBACK_NONE;
  }
  sg_rollback r = SG_ROLLBACK_COMPLETE;
  while (t->applied > 0) {
    t->applied--;
    const sg_action_handler *h = t->handler[t->applied];
    if (h->rollback == NULL || h->rollback(h->ctx, t->action[t->applied]) != 0) {
      r = SG_ROLLBACK_INCOMPLETE; /* go on: undo what can be undone */
    }
  }
  return r;
}

int sg_txn_apply(sg_txn *t, const sg_action_handler *handlers, size_t handler_count,
                 const cJSON *actions, sg_rollback *rollback) {
  const cJSON *act;
  memset(t, 0, sizeof *t);
  *rollback = SG_ROLLBACK_NONE;
  /* 1. A handler for every action, and every check, before anything is applied. */
  cJSON_ArrayForEach(act, actions) {
    const char *csp = sg_json_member(act, "csp")->valuestring; /* checked by the profile parser */
    if (strcmp(csp, "Batch") == 0) {
      continue;
    }
    const sg_action_handler *h = sg_find_handler(handlers, handler_count, csp);
    if (h == NULL || h->apply == NULL || t->count >= SG_MAX_ACTIONS) {
      t->unhandled_csp = csp;
      return SG_ERR_UNSUPPORTED_ACTION;
    }
    t->handler[t->count] = h;
    t->action[t->count] = act;
    t->count++;
  }
  for (unsigned i = 0; i < t->count; i++) {
    const sg_action_handler *h = t->handler[i];
    if (h->check != NULL && h->check(h->ctx, t->action[i]) != 0) {
      return SG_ERR_ACTION_ARGS;
    }
  }
  /* 2. Apply in order; on a failure undo the earlier ones. */
  for (unsigned i = 0; i < t->count; i++) {
    const sg_action_handler *h = t->handler[i];
    if (h->apply(h->ctx, t->action[i]) != 0) {
      *rollback = sg_txn_rollback(t);
      return SG_ERR_HANDLER_FAILED;
    }
    t->applied++;
  }
  return SG_OK;
}

/*
 * The agent: initialisation, feeding symbols, status — and the acts.
 * policy.c decides (a pure verdict); this file acts on it: it activates a
 * rotation whose time has come, runs the handlers as a transaction and
 * makes the one slot write (DESIGN.md "Decide, then act").
 */
#include <string.h>

#include "agent_priv.h"
#include "jwe.h"
#include "chunk.h"
#include "json.h"
#include "policy.h"
#include "sg_certinfo.h"
#include "sg_crypto_api.h"
#include "stagegate/scanner.h"
#include "transaction.h"
#include "trustslot.h"

int64_t sg_agent_effective_time(const sg_agent *a) {
  int64_t eff = (int64_t)a->cfg.build_time;
  if ((int64_t)a->trust.time_floor > eff) {
    eff = (int64_t)a->trust.time_floor;
  }
  if (a->cfg.clock != NULL && a->cfg.clock->now != NULL) {
    const int64_t now = a->cfg.clock->now(a->cfg.clock->ctx);
    if (now > eff) { /* an unset (negative) or wound-back clock never lowers it */
      eff = now;
    }
  }
  return eff;
}

static void sg_anchor_cache_drop(sg_agent *a) {
  sg_cert_close(a->anchor_cache);
  a->anchor_cache = NULL;
}

/*
 * The anchor certificate parsed, kept between decisions so its key (and,
 * for RSA, mbedTLS' cached Montgomery constant) is not rebuilt for every
 * profile. Parsed on first use from the pool; NULL when the device is not
 * TRUSTED or memory is short (the policy then parses a temporary copy).
 * Dropped whenever the trust record changes and by sg_agent_free.
 */
static sg_cert *sg_agent_anchor(sg_agent *a) {
  if (a->anchor_cache == NULL && a->trust.state == SG_STATE_TRUSTED && a->trust.anchor_len > 0) {
    sg_cert *c = NULL;
    if (sg_cert_open(a->trust.anchor, a->trust.anchor_len, &c) == SG_OK) {
      a->anchor_cache = c;
    }
  }
  return a->anchor_cache;
}

/* Re-derive what is cached from a->trust (the anchor's hash and parse). */
static void sg_agent_trust_changed(sg_agent *a) {
  sg_anchor_cache_drop(a);
  memset(a->anchor_sha256, 0, sizeof a->anchor_sha256);
  if (a->trust.state == SG_STATE_TRUSTED) {
    sg_sha256(a->trust.anchor, a->trust.anchor_len, a->anchor_sha256);
  }
}

static int sg_agent_load(sg_agent *a) {
  int ret = sg_trustslot_load(a->cfg.storage, &a->trust);
  /* issue 9 / defect 3: the anchor (and a pending rotation) read back must
   * be exactly one DER certificate, as it was when it was accepted;
   * anything after it means the slot was not written by us. */
  const sg_trust_record *t = &a->trust;
  if (ret == SG_OK && ((t->anchor_len > 0 && !sg_der_is_one_sequence(t->anchor, t->anchor_len)) ||
                       (t->pending_len > 0 && !sg_der_is_one_sequence(t->pending, t->pending_len)))) {
    ret = SG_ERR_LOCKED;
  }
  if (ret != SG_OK) {
    a->trust.state = SG_STATE_LOCKED;
  }
  sg_agent_trust_changed(a);
  return ret;
}

/*
 * The one slot write: persist `next` as the trust record. On success the
 * agent holds it. On failure the slot is read back, so memory never claims
 * what the flash does not hold; *durable says whether the read-back record
 * is the new one (the write failed after its commit point) or not.
 */
static int sg_agent_commit(sg_agent *a, sg_trust_record *next, int recovery, int *durable) {
  const uint32_t before = a->trust.generation;
  const int was_locked = a->trust.state == SG_STATE_LOCKED;
  *durable = 0;
  /* RecoverTrust writes whatever the slot holds (it may be unreadable). */
  int ret = recovery ? sg_trustslot_store_recovery(a->cfg.storage, next)
                     : sg_trustslot_store(a->cfg.storage, next);
  if (ret == SG_OK) {
    memcpy(&a->trust, next, sizeof a->trust);
    sg_agent_trust_changed(a);
    *durable = 1;
    return SG_OK;
  }
  ret = ret == SG_ERR_STORAGE_FULL ? SG_ERR_STORAGE_FULL : SG_ERR_STORAGE;
  if (sg_agent_load(a) == SG_OK && (a->trust.generation > before || was_locked)) {
    *durable = 1; /* the new record is what the slot holds */
  }
  return ret;
}

/* The act of activating a rotation whose time has come (one commit). */
static int sg_agent_activate_due(sg_agent *a, int64_t eff) {
  int durable = 0;
  if (!sg_trust_activate_due_at(&a->trust, eff)) {
    return SG_OK; /* nothing due: no copy of the record on the common path */
  }
  memcpy(&a->next, &a->trust, sizeof a->next);
  const int due = sg_trust_activate_due(&a->next, eff);
  if (due <= 0) {
    return due; /* 0: nothing; < 0: a key could not be read (nothing written) */
  }
  const int ret = sg_agent_commit(a, &a->next, 0, &durable);
  return durable ? SG_OK : ret;
}

int sg_agent_init(sg_agent *agent, const sg_agent_config *config) {
  int ret = SG_ERR_ARG;
  if (agent == NULL || config == NULL || config->storage == NULL ||
      (config->handlers == NULL && config->handler_count != 0) ||
      config->handler_count > SG_MAX_HANDLERS) {
    return SG_ERR_ARG;
  }
  for (size_t i = 0; i < config->handler_count; i++) {
    const sg_action_handler *h = &config->handlers[i];
    if (h->csp == NULL || h->apply == NULL || strcmp(h->csp, "Batch") == 0) {
      return SG_ERR_ARG; /* Batch belongs to the agent */
    }
  }
  memset(agent, 0, sizeof *agent);
  agent->cfg = *config;
  sg_chunk_init(&agent->chunks);
  agent->ready = SG_AGENT_READY;
  ret = sg_agent_load(agent);
  if (ret == SG_OK) {
    ret = sg_agent_activate_due(agent, sg_agent_effective_time(agent));
  }
  return ret;
}

void sg_agent_free(sg_agent *agent) {
  if (agent == NULL || agent->ready != SG_AGENT_READY) {
    return;
  }
  sg_anchor_cache_drop(agent);
  sg_wipe(agent, sizeof *agent);
}

void sg_agent_reset_scan(sg_agent *agent) {
  if (agent != NULL && agent->ready == SG_AGENT_READY) {
    sg_chunk_init(&agent->chunks);
  }
}

/*
 * Act on an accepted verdict: the handlers as a transaction, then the one
 * slot write; a failing write rolls the handlers back unless the new
 * record is what the slot holds after all.
 */
static int sg_agent_act(sg_agent *a, const sg_policy_work *w, const sg_verdict *v,
                        sg_feed_result *res) {
  sg_txn txn;
  int ret = sg_txn_apply(&txn, a->cfg.handlers, a->cfg.handler_count, w->prof.actions,
                         &res->rollback);
  if (ret == SG_ERR_UNSUPPORTED_ACTION && txn.unhandled_csp != NULL) {
    sg_detail_no_handler(res->detail, sizeof res->detail, txn.unhandled_csp); /* defect 12 */
  }
  if (ret != SG_OK || !v->persist) {
    return ret == SG_OK ? SG_ACCEPTED : ret;
  }
  int durable = 0;
  ret = sg_agent_commit(a, v->next, v->recovery, &durable);
  if (durable) {
    res->trust_changed = v->trust_changed;
    return SG_ACCEPTED;
  }
  res->rollback = sg_txn_rollback(&txn);
  return ret;
}

/* One complete profile text: activate what is due, decide, act. */
static int sg_agent_decide(sg_agent *a, const uint8_t *text, size_t len, sg_feed_result *res,
                           sg_event *ev) {
  int ret = SG_ERR_INTERNAL;
  sg_policy_work w;
  sg_verdict v;
  if (a->trust.state == SG_STATE_LOCKED && a->cfg.recovery_cert == NULL) {
    return SG_ERR_LOCKED; /* only a recovery profile is even read */
  }
  sg_json_use_agent_allocator(); /* until the end of this decision only */
  sg_policy_work_init(&w, a->arena, sizeof a->arena);
  const int64_t eff = sg_agent_effective_time(a);
  ret = sg_agent_activate_due(a, eff);
  if (ret == SG_OK) {
    const sg_policy_input in = {&a->trust,
                                eff,
                                a->cfg.identity,
                                sg_agent_anchor(a),
                                a->trust.state == SG_STATE_TRUSTED ? a->anchor_sha256 : NULL,
                                a->cfg.recovery_cert,
                                a->cfg.recovery_cert_len};
    v.next = &a->next;
    ret = sg_policy_decide(&in, text, len, &w, &v);
    if (ret == SG_ACCEPTED) {
      ret = sg_agent_act(a, &w, &v, res);
    }
    if (v.has_signer) {
      memcpy(ev->signer_sha256, v.signer_sha256, sizeof ev->signer_sha256);
      ev->has_signer = 1;
    }
    ev->detail = res->detail[0] != '\0' ? res->detail : v.detail;
  }
  if (w.prof.name != NULL) {
    const size_t n = strlen(w.prof.name);
    memcpy(res->profile_name, w.prof.name, n + 1); /* n <= SG_MAX_NAME < 64 */
  }
  res->seq = w.prof.seq;
  res->has_seq = w.prof.has_seq;
  ev->seq = res->seq;
  ev->has_seq = res->has_seq;
  ev->profile_name = res->profile_name;
  sg_policy_work_free(&w);
  sg_json_restore_default_allocator();
  return ret;
}

static void sg_emit(const sg_agent *a, const sg_event *ev) {
  const sg_event_sink *sink = a->cfg.events;
  if (sink != NULL && sink->emit != NULL) {
    sink->emit(sink->ctx, ev);
  }
}

int sg_agent_feed(sg_agent *agent, const uint8_t *symbol, size_t len, sg_feed_result *result) {
  int ret = SG_ERR_INTERNAL;
  sg_feed_result local;
  sg_feed_result *res = result != NULL ? result : &local;
  sg_chunk_progress prog;
  sg_event ev;
  char detail[32];
  memset(res, 0, sizeof *res);
  memset(&ev, 0, sizeof ev);
  ev.profile_name = "";
  if (agent == NULL || agent->ready != SG_AGENT_READY || (symbol == NULL && len != 0)) {
    return SG_ERR_ARG;
  }
  ret = sg_chunk_feed(&agent->chunks, symbol, len, &prog);
  res->have = prog.have;
  res->total = prog.total;
  res->restarted = prog.restarted;
  if (prog.restarted) {
    ev.result = SG_ERR_CHUNK_RESTARTED;
    ev.detail = "partial profile dropped";
    sg_emit(agent, &ev);
  }
  if (ret == SG_ACCEPTED) {
    size_t text_len = 0;
    const uint8_t *text = sg_chunk_text(&agent->chunks, &text_len);
    /* An encrypted profile is opened first (jwe.c), into the chunk
     * assembler's free buffer; the decision is on the plaintext. */
    size_t cap = 0;
    uint8_t *plain = sg_chunk_scratch(&agent->chunks, &cap);
    const uint8_t *body = NULL;
    size_t body_len = 0;
    ret = sg_jwe_open(agent->cfg.keystore, agent->cfg.require_encrypted, text, text_len, plain,
                      cap, &body, &body_len, &res->encrypted);
    if (ret == SG_OK) {
      ret = sg_agent_decide(agent, body, body_len, res, &ev);
    } else {
      ev.detail = "encrypted profile";
    }
    if (res->encrypted) {
      sg_wipe(plain, cap); /* the plaintext lives for this decision only */
    }
  } else {
    ev.detail = "chunk";
    if (ret == SG_NEED_MORE) {
      /* "chunk 2/3": short, for a log line or a scanner display */
      static const char digits[] = "0123456789";
      size_t n = 0;
      memcpy(detail, "chunk ", 6);
      n = 6;
      if (prog.index >= 10) {
        detail[n++] = digits[prog.index / 10 % 10];
      }
      detail[n++] = digits[prog.index % 10];
      detail[n++] = '/';
      if (prog.total >= 10) {
        detail[n++] = digits[prog.total / 10 % 10];
      }
      detail[n++] = digits[prog.total % 10];
      detail[n] = '\0';
      ev.detail = detail;
    }
  }
  res->code = ret;
  ev.result = ret;
  if (ev.detail == NULL) {
    ev.detail = "";
  }
  sg_emit(agent, &ev);
  return ret;
}

int sg_agent_scan(sg_agent *agent, const sg_scanner *scanner, sg_feed_result *result) {
  sg_symbol sym;
  if (agent == NULL || scanner == NULL || scanner->next == NULL) {
    return SG_ERR_ARG;
  }
  const int got = scanner->next(scanner->ctx, &sym);
  if (got != SG_OK) {
    return got; /* SG_ERR_SCAN_END, or an input the backend could not read */
  }
  return sg_agent_feed(agent, sym.data, sym.len, result);
}

int sg_agent_status(const sg_agent *agent, sg_status *st) {
  if (agent == NULL || st == NULL || agent->ready != SG_AGENT_READY) {
    return SG_ERR_ARG;
  }
  const sg_trust_record *t = &agent->trust;
  memset(st, 0, sizeof *st);
  st->state = t->state;
  st->seq_floor = t->seq_floor;
  st->time_floor = t->time_floor;
  st->effective_time = sg_agent_effective_time(agent);
  /* issue 9 / defect 11 (wip-parse): what the port says stops a rollback. */
  const sg_blockdev *bd = agent->cfg.storage;
  st->rollback_protection = bd->rollback_protection != NULL ? bd->rollback_protection
                            : bd->counter_read != NULL     ? "monotonic counter"
                                                           : "none";
  if (t->state == SG_STATE_TRUSTED) {
    st->mode = t->mode;
    st->anchor = t->anchor;
    st->anchor_len = t->anchor_len;
    memcpy(st->anchor_sha256, agent->anchor_sha256, sizeof st->anchor_sha256);
    sg_cert_facts f;
    if (sg_cert_facts_get(t->anchor, t->anchor_len, &f) == SG_OK && f.not_after > 0) {
      st->anchor_not_after = f.not_after;
    }
    if (t->pending_len > 0) {
      st->pending = t->pending;
      st->pending_len = t->pending_len;
      st->pending_mode = t->pending_mode;
      st->activate_at = t->activate_at;
    }
  }
  return SG_OK;
}

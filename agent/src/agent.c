/*
 * The agent's public face: initialisation, feeding symbols, status.
 * The decision itself lives in policy.c.
 */
#include <string.h>

#include "agent_priv.h"
#include "chunk.h"
#include "mbedtls/platform.h"
#include "mbedtls/x509_crt.h"
#include "floors.h"
#include "json.h"
#include "sg_certinfo.h"
#include "sg_crypto.h"
#include "stagegate/scanner.h"
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
  if (a->anchor_cache != NULL) {
    mbedtls_x509_crt_free(a->anchor_cache);
    mbedtls_free(a->anchor_cache);
    a->anchor_cache = NULL;
  }
}

mbedtls_x509_crt *sg_agent_anchor(sg_agent *a) {
  if (a->anchor_cache == NULL && a->trust.state == SG_STATE_TRUSTED && a->trust.anchor_len > 0) {
    mbedtls_x509_crt *crt = mbedtls_calloc(1, sizeof *crt);
    if (crt != NULL) {
      mbedtls_x509_crt_init(crt);
      if (sg_cert_parse_der_nocopy(crt, a->trust.anchor, a->trust.anchor_len) == SG_OK) {
        a->anchor_cache = crt;
      } else {
        mbedtls_x509_crt_free(crt);
        mbedtls_free(crt);
      }
    }
  }
  return a->anchor_cache;
}

int sg_agent_trust_changed(sg_agent *a) {
  sg_anchor_cache_drop(a);
  memset(a->anchor_sha256, 0, sizeof a->anchor_sha256);
  if (a->trust.state == SG_STATE_TRUSTED) {
    sg_sha256(a->trust.anchor, a->trust.anchor_len, a->anchor_sha256);
  }
  return SG_OK;
}

static int sg_agent_load(sg_agent *a) {
  int ret = sg_trustslot_load(a->cfg.storage, &a->trust);
  if (ret == SG_OK) {
    ret = sg_agent_trust_changed(a);
  } else {
    a->trust.state = SG_STATE_LOCKED;
    (void)sg_agent_trust_changed(a);
  }
  return ret;
}

int sg_agent_commit(sg_agent *a) {
  int ret = sg_trustslot_store(a->cfg.storage, &a->trust);
  if (ret != SG_OK) {
    /* Memory must not claim what flash does not hold: reread it. */
    (void)sg_agent_load(a);
    ret = ret == SG_ERR_STORAGE_FULL ? SG_ERR_STORAGE_FULL : SG_ERR_STORAGE;
  }
  return ret;
}

int sg_agent_reload(sg_agent *a) { return sg_agent_load(a); }

int sg_agent_commit_recovery(sg_agent *a) {
  int ret = sg_trustslot_store_recovery(a->cfg.storage, &a->trust);
  if (ret != SG_OK) {
    (void)sg_agent_load(a);
    ret = ret == SG_ERR_STORAGE_FULL ? SG_ERR_STORAGE_FULL : SG_ERR_STORAGE;
  }
  return ret;
}

int sg_agent_activate_due(sg_agent *a, int64_t eff) {
  sg_trust_record *t = &a->trust;
  sg_cert_facts old_key, new_key;
  if (t->state != SG_STATE_TRUSTED || t->pending_len == 0 || (uint64_t)eff < t->activate_at) {
    return SG_OK;
  }
  /* Floors per key (issue 9, defect 1): the old key's floor is kept for
   * it; the new key carries on from the old floor, or from its own
   * former one if higher. */
  if (sg_cert_facts_get(t->anchor, t->anchor_len, &old_key) != SG_OK ||
      sg_cert_facts_get(t->pending, t->pending_len, &new_key) != SG_OK) {
    return SG_ERR_NO_MEMORY; /* both parsed when they were accepted */
  }
  sg_floors_retire(t, old_key.key_id, t->seq_floor);
  const uint64_t former = sg_floors_take(t, new_key.key_id);
  if (former > t->seq_floor) {
    t->seq_floor = former;
  }
  memcpy(t->anchor, t->pending, t->pending_len);
  t->anchor_len = t->pending_len;
  t->mode = t->pending_mode;
  sg_wipe(t->pending, sizeof t->pending);
  t->pending_len = 0;
  t->pending_mode = SG_ANCHOR_NONE;
  t->activate_at = 0;
  int ret = sg_agent_commit(a);
  if (ret == SG_OK) {
    ret = sg_agent_trust_changed(a);
  }
  return ret;
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
    if (h->csp == NULL || h->run == NULL || strcmp(h->csp, "Batch") == 0) {
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
    ret = sg_policy_decide(agent, text, text_len, res, &ev);
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

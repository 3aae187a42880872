/*
 * The trust policy (DESIGN.md "Trust policy"): a pure decision, see
 * policy.h. In the order of work:
 *   parse envelope -> verify the signatures whose signer the header and
 *   the record name -> parse profile -> verify the signers the profile
 *   names (the certificate it deploys) -> authorize by the rule of the
 *   profile's Batch row in this state -> claims (replay, expiry, issue
 *   time) and target -> the next trust record.
 * Every step starts from a failure value; nothing here writes storage,
 * calls agent.c or runs a handler.
 */
#include "policy.h"

#include <string.h>

#include "json.h"

typedef struct {
  const sg_policy_input *in;
  sg_policy_work *w;
  sg_verdict *v;
  const sg_trust_record *t; /* the record as of now: v->next, before this profile's edits */
  sg_cert *anchor;          /* t->anchor parsed (the caller's cache), or NULL */
  uint8_t anchor_sha256[32];
} sg_decision;

static int sg_der_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  return a != NULL && b != NULL && alen == blen && sg_ct_equal(a, b, alen);
}

static int sg_x5t_matches(const uint8_t x5t[32], const uint8_t *der, size_t len) {
  uint8_t h[32];
  if (der == NULL || len == 0) {
    return 0;
  }
  sg_sha256(der, len, h);
  return sg_ct_equal(h, x5t, sizeof h);
}

/* Which certificate signed `s`? Without the profile (prof NULL) only the
 * header and the trust record are consulted. */
static int sg_signer_resolve(const sg_decision *d, const sg_jws_signature *s,
                             const sg_profile *prof, sg_signer *out) {
  const sg_trust_record *t = d->t;
  if (s->x5c_count > 0) {
    if (!sg_x5t_matches(s->x5t, s->x5c[0], s->x5c_len[0])) {
      return SG_ERR_HEADER; /* x5t#S256 must name the x5c leaf */
    }
    *out = (sg_signer){SG_SIGNER_X5C, s->x5c[0], s->x5c_len[0], 0};
  } else if (t->state == SG_STATE_TRUSTED && sg_ct_equal(s->x5t, d->anchor_sha256, 32)) {
    *out = (sg_signer){SG_SIGNER_ANCHOR, t->anchor, t->anchor_len, 0};
  } else if (t->pending_len > 0 && sg_x5t_matches(s->x5t, t->pending, t->pending_len)) {
    *out = (sg_signer){SG_SIGNER_PENDING, t->pending, t->pending_len, 0};
  } else if (prof != NULL && sg_x5t_matches(s->x5t, prof->cert, prof->cert_len)) {
    *out = (sg_signer){SG_SIGNER_PROFILE, prof->cert, prof->cert_len, 0};
  } else {
    return SG_ERR_UNKNOWN_SIGNER;
  }
  return SG_OK;
}

/* A certificate parsed into the arena (released with sg_cert_release). */
static int sg_cert_in_arena(sg_decision *d, const uint8_t *der, size_t len, sg_cert **out) {
  *out = sg_arena_alloc(&d->w->arena, sg_cert_sizeof());
  if (*out == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  const int ret = sg_cert_load(*out, der, len);
  if (ret != SG_OK) {
    sg_cert_release(*out);
    *out = NULL;
  }
  return ret;
}

/* Verify one signature with its signer's key; the signer's certificate
 * must be valid at the effective time. */
static int sg_signer_verify(sg_decision *d, const sg_jws_signature *s, sg_signer *sg) {
  int ret = SG_ERR_BAD_SIGNATURE;
  sg_cert *cached = sg->src == SG_SIGNER_ANCHOR ? d->anchor : NULL;
  sg_cert *crt = cached;
  if (crt == NULL) {
    ret = sg_cert_in_arena(d, sg->der, sg->der_len, &crt);
    if (ret != SG_OK) {
      return ret;
    }
  }
  ret = sg_cert_verify_jws(crt, s->alg, s->protected_b64, s->protected_len, d->w->env.payload_b64,
                           d->w->env.payload_b64_len, s->sig, s->sig_len);
  if (ret == SG_ACCEPTED) {
    ret = sg_cert_check_validity(crt, d->in->now);
    if (ret == SG_OK) {
      ret = SG_ACCEPTED;
      sg->verified = SG_ACCEPTED;
    }
  }
  if (crt != cached) {
    sg_cert_release(crt);
  }
  return ret;
}

/* Is this (verified) signer the anchor, or does it chain to a CA anchor? */
static int sg_authorized_by_anchor(sg_decision *d, unsigned i) {
  int ret = SG_ERR_UNKNOWN_SIGNER;
  const sg_trust_record *t = d->t;
  const sg_signer *sg = &d->w->signers[i];
  const sg_jws_signature *s = &d->w->env.sigs[i];
  if (sg->verified != SG_ACCEPTED) {
    return SG_ERR_BAD_SIGNATURE;
  }
  if (sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
    return SG_ACCEPTED;
  }
  if (t->mode != SG_ANCHOR_CA) {
    return SG_ERR_UNKNOWN_SIGNER; /* pinned: only the anchor itself */
  }
  if (sg->src != SG_SIGNER_X5C) {
    return SG_ERR_CHAIN;
  }
  sg_cert *anchor = d->anchor;
  sg_cert *chain = NULL;
  ret = anchor != NULL ? SG_OK : sg_cert_in_arena(d, t->anchor, t->anchor_len, &anchor);
  if (ret == SG_OK) {
    ret = sg_cert_in_arena(d, s->x5c[0], s->x5c_len[0], &chain);
  }
  for (unsigned k = 1; k < s->x5c_count && ret == SG_OK; k++) {
    ret = sg_cert_load_append(chain, s->x5c[k], s->x5c_len[k]);
  }
  if (ret == SG_OK) {
    ret = sg_cert_chain_to(chain, anchor, d->in->now);
  }
  sg_cert_release(chain);
  if (anchor != d->anchor) {
    sg_cert_release(anchor);
  }
  return ret;
}

/* A certificate about to become an anchor must be fit for its mode. */
static int sg_anchor_fit(sg_decision *d, const uint8_t *der, size_t len, sg_anchor_mode mode) {
  sg_cert *crt = NULL;
  int ret = sg_cert_in_arena(d, der, len, &crt);
  if (ret == SG_OK) {
    ret = sg_cert_fit_for_anchor(crt, mode);
  }
  sg_cert_release(crt);
  return ret == SG_OK ? SG_ACCEPTED : ret;
}

static int sg_signed_by_deployed(const sg_decision *d, unsigned i) {
  const sg_signer *sg = &d->w->signers[i];
  const sg_profile *p = &d->w->prof;
  return sg->verified == SG_ACCEPTED && sg_der_equal(sg->der, sg->der_len, p->cert, p->cert_len);
}

/* Who signed, against the rule of the profile's Batch row in this state. */
static int sg_authorize(sg_decision *d, sg_batch_rule rule) {
  const sg_profile *p = &d->w->prof;
  const sg_batch_row *row = p->batch;
  const sg_trust_record *t = d->t;
  const unsigned nsig = d->w->env.nsig;
  if (nsig != row->signatures) {
    return row->wrong_count;
  }
  switch (rule) {
    case SG_RULE_ANYONE:
      return d->w->signers[0].verified == SG_ACCEPTED ? SG_ACCEPTED : SG_ERR_BAD_SIGNATURE;
    case SG_RULE_POSSESSION:
      if (!sg_signed_by_deployed(d, 0)) {
        return SG_ERR_NO_POSSESSION;
      }
      return sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
    case SG_RULE_SAME_ANCHOR:
      if (!(sg_der_equal(p->cert, p->cert_len, t->anchor, t->anchor_len) &&
            p->anchor_mode == t->mode)) {
        return SG_ERR_ALREADY_TRUSTED; /* only re-deploying the same anchor is a (no-op) success */
      }
      return sg_authorized_by_anchor(d, 0);
    case SG_RULE_ANCHOR:
      return sg_authorized_by_anchor(d, 0);
    case SG_RULE_ANCHOR_AND_NEW: {
      if (sg_der_equal(p->cert, p->cert_len, t->anchor, t->anchor_len)) {
        return SG_ERR_ACTION_ARGS; /* rotating to the same certificate */
      }
      int by_anchor = 0;
      int by_new = 0;
      for (unsigned i = 0; i < nsig; i++) {
        if (d->w->signers[i].verified != SG_ACCEPTED) {
          return SG_ERR_BAD_SIGNATURE;
        }
        if (sg_signed_by_deployed(d, i)) {
          by_new = 1;
        } else if (sg_authorized_by_anchor(d, i) == SG_ACCEPTED) {
          by_anchor = 1;
        }
      }
      if (!by_anchor || !by_new) {
        return SG_ERR_ROTATION;
      }
      return sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
    }
    case SG_RULE_REFUSE:
      return row->refused;
  }
  return SG_ERR_INTERNAL;
}

/* Claims every signed profile must satisfy; replay strictness by row. */
static int sg_check_claims(const sg_decision *d) {
  const sg_profile *p = &d->w->prof;
  const sg_trust_record *t = d->t;
  if (!p->has_seq || !p->has_iat || (p->batch->needs_exp && !p->has_exp)) {
    return SG_ERR_PROFILE_FORMAT;
  }
  const int strict = p->batch->replay == SG_REPLAY_STRICT;
  if (strict ? p->seq <= t->seq_floor : p->seq < t->seq_floor) {
    return SG_ERR_REPLAY;
  }
  if (p->has_exp && (uint64_t)d->in->now >= p->exp) {
    return SG_ERR_PROFILE_EXPIRED;
  }
  if (p->iat > (uint64_t)d->in->now + SG_IAT_SKEW_SECONDS) {
    return SG_ERR_PROFILE_FUTURE;
  }
  return SG_OK;
}

int sg_trust_activate_due_at(const sg_trust_record *t, int64_t now) {
  return t->state == SG_STATE_TRUSTED && t->pending_len > 0 && now >= 0 &&
         (uint64_t)now >= t->activate_at;
}

int sg_trust_activate_due(sg_trust_record *t, int64_t now) {
  if (!sg_trust_activate_due_at(t, now)) {
    return 0;
  }
  memcpy(t->anchor, t->pending, t->pending_len);
  if (t->pending_len < sizeof t->anchor) {
    memset(t->anchor + t->pending_len, 0, sizeof t->anchor - t->pending_len);
  }
  t->anchor_len = t->pending_len;
  t->mode = t->pending_mode;
  sg_wipe(t->pending, sizeof t->pending);
  t->pending_len = 0;
  t->pending_mode = SG_ANCHOR_NONE;
  t->activate_at = 0;
  return 1;
}

/* Does the accepted profile change the record as of now (`t`)? */
static int sg_edits_record(const sg_profile *p, const sg_trust_record *t) {
  switch (p->batch->effect) {
    case SG_EFFECT_ENROL:
      if (t->state != SG_STATE_TRUSTED) {
        return 1;
      }
      break;
    case SG_EFFECT_UNENROL:
    case SG_EFFECT_PEND:
      return 1;
    case SG_EFFECT_NONE:
      break;
  }
  return p->seq > t->seq_floor || p->iat > t->time_floor;
}

/* The accepted profile's edits to the record: its row's effect, then the
 * floors. Returns 1 if state, anchor or pending rotation changed. */
static int sg_next_record(const sg_decision *d, sg_trust_record *t) {
  const sg_profile *p = &d->w->prof;
  int changed = 0;
  switch (p->batch->effect) {
    case SG_EFFECT_ENROL:
      if (t->state != SG_STATE_TRUSTED) {
        t->state = SG_STATE_TRUSTED;
        t->mode = p->anchor_mode;
        memset(t->anchor, 0, sizeof t->anchor);
        memcpy(t->anchor, p->cert, p->cert_len);
        t->anchor_len = (uint32_t)p->cert_len;
        t->pending_len = 0;
        changed = 1;
      }
      break;
    case SG_EFFECT_UNENROL:
      t->state = SG_STATE_UNTRUSTED;
      t->mode = SG_ANCHOR_NONE;
      sg_wipe(t->anchor, sizeof t->anchor);
      t->anchor_len = 0;
      sg_wipe(t->pending, sizeof t->pending);
      t->pending_len = 0;
      t->pending_mode = SG_ANCHOR_NONE;
      t->activate_at = 0;
      changed = 1;
      break;
    case SG_EFFECT_PEND:
      memset(t->pending, 0, sizeof t->pending);
      memcpy(t->pending, p->cert, p->cert_len);
      t->pending_len = (uint32_t)p->cert_len;
      t->pending_mode = p->anchor_mode;
      t->activate_at = p->activate_at;
      (void)sg_trust_activate_due(t, d->in->now); /* activate_at may already be past */
      changed = 1;
      break;
    case SG_EFFECT_NONE:
      break;
  }
  if (p->seq > t->seq_floor) {
    t->seq_floor = p->seq;
  }
  if (p->iat > t->time_floor) {
    t->time_floor = p->iat;
  }
  return changed;
}

static int sg_decide_unsigned(sg_decision *d) {
  int ret = SG_ERR_INTERNAL;
  const sg_profile *p = &d->w->prof;
  if (d->t->state == SG_STATE_TRUSTED) {
    return SG_ERR_UNSIGNED_ON_TRUSTED;
  }
  switch (sg_batch_rule_in(p->batch, d->t->state)) {
    case SG_RULE_ANYONE:
      break;
    case SG_RULE_POSSESSION:
      return SG_ERR_NO_POSSESSION; /* a certificate is only deployed with proof */
    case SG_RULE_REFUSE:
      return p->batch->refused;
    case SG_RULE_ANCHOR:
    case SG_RULE_SAME_ANCHOR:
    case SG_RULE_ANCHOR_AND_NEW:
    default:
      return SG_ERR_NOT_TRUSTED;
  }
  if (p->has_exp && (uint64_t)d->in->now >= p->exp) {
    return SG_ERR_PROFILE_EXPIRED;
  }
  ret = sg_profile_check_target(p, d->in->identity);
  return ret == SG_OK ? SG_ACCEPTED : ret; /* unsigned: no floor moves */
}

static int sg_decide_signed(sg_decision *d) {
  int ret = SG_ERR_INTERNAL;
  int unresolved = 0;
  sg_policy_work *w = d->w;
  /* 1. Signers known without reading the payload: verify them first. */
  for (unsigned i = 0; i < w->env.nsig; i++) {
    ret = sg_signer_resolve(d, &w->env.sigs[i], NULL, &w->signers[i]);
    if (ret == SG_ERR_UNKNOWN_SIGNER) {
      unresolved++;
      continue;
    }
    if (ret == SG_OK) {
      ret = sg_signer_verify(d, &w->env.sigs[i], &w->signers[i]);
    }
    if (ret != SG_ACCEPTED) {
      return ret;
    }
  }
  /* 2. The profile itself. */
  ret = sg_profile_parse(w->env.payload, w->env.payload_len, &w->arena, &w->prof);
  if (ret != SG_OK) {
    return ret;
  }
  /* Refused in this state whoever signed (nothing to turn off or rotate
   * on an untrusted device). */
  const sg_batch_rule rule = sg_batch_rule_in(w->prof.batch, d->t->state);
  if (rule == SG_RULE_REFUSE) {
    return w->prof.batch->refused;
  }
  /* 3. A signer that is the certificate the profile deploys (TurnOn's
   *    proof of possession, the new key of a rotation). */
  for (unsigned i = 0; unresolved > 0 && i < w->env.nsig; i++) {
    if (w->signers[i].src != SG_SIGNER_UNRESOLVED) {
      continue;
    }
    ret = sg_signer_resolve(d, &w->env.sigs[i], &w->prof, &w->signers[i]);
    if (ret == SG_OK) {
      ret = sg_signer_verify(d, &w->env.sigs[i], &w->signers[i]);
    }
    if (ret != SG_ACCEPTED) {
      return ret;
    }
  }
  /* 4. Is that signer allowed to do this, in this state? */
  ret = sg_authorize(d, rule);
  if (ret != SG_ACCEPTED) {
    return ret;
  }
  /* 5. Claims and target; then the next record. */
  ret = sg_check_claims(d);
  if (ret == SG_OK) {
    ret = sg_profile_check_target(&w->prof, d->in->identity);
  }
  if (ret == SG_OK && sg_edits_record(&w->prof, d->t)) {
    /* The record is copied only when it changes (the common accepted
     * profile moves nothing: no 4 KiB copy on the fast path). */
    if (d->t != d->v->next) {
      memcpy(d->v->next, d->t, sizeof *d->v->next);
      d->t = d->v->next;
    }
    d->v->trust_changed = sg_next_record(d, d->v->next);
    d->v->persist = 1;
  }
  return ret == SG_OK ? SG_ACCEPTED : ret;
}

static void sg_describe(const sg_decision *d) {
  const sg_policy_work *w = d->w;
  sg_verdict *v = d->v;
  /* The first identified signer. Its x5t#S256 was checked against its
   * certificate when the signer was resolved, so it is the SHA-256 we want. */
  for (unsigned i = 0; i < w->env.nsig; i++) {
    if (w->signers[i].src != SG_SIGNER_UNRESOLVED) {
      memcpy(v->signer_sha256, w->env.sigs[i].x5t, sizeof v->signer_sha256);
      v->has_signer = 1;
      break;
    }
  }
  if (w->prof.batch != NULL && w->prof.trust_action != SG_BATCH_NONE) {
    v->detail = w->prof.batch->name;
  } else {
    v->detail = w->env.is_signed ? "signed profile" : "unsigned profile";
  }
}

void sg_policy_work_init(sg_policy_work *w, uint8_t *arena, size_t cap) {
  memset(w, 0, sizeof *w);
  sg_arena_init(&w->arena, arena, cap);
}

void sg_policy_work_free(sg_policy_work *w) {
  if (w != NULL) {
    sg_profile_free(&w->prof);
  }
}

int sg_policy_decide(const sg_policy_input *in, const uint8_t *text, size_t len,
                     sg_policy_work *w, sg_verdict *v) {
  int ret = SG_ERR_INTERNAL;
  sg_decision d;
  sg_trust_record *next = v->next;
  memset(v, 0, sizeof *v);
  v->next = next;
  v->code = SG_ERR_INTERNAL;
  v->detail = "";
  if (in == NULL || in->trust == NULL || next == NULL || w == NULL) {
    return v->code = SG_ERR_ARG;
  }
  if (in->trust->state == SG_STATE_LOCKED) {
    return v->code = SG_ERR_LOCKED;
  }
  if (len > SG_MAX_PROFILE) {
    return v->code = SG_ERR_TOO_LARGE; /* the arena is sized for SG_MAX_PROFILE */
  }
  if (in->trust->state != SG_STATE_TRUSTED && in->trust->state != SG_STATE_UNTRUSTED) {
    return v->code = SG_ERR_INTERNAL; /* not a state we ever set: memory fault, refuse */
  }
  memset(&d, 0, sizeof d);
  d.in = in;
  d.w = w;
  d.v = v;
  d.t = in->trust;
  int activated = 0;
  if (sg_trust_activate_due_at(in->trust, in->now)) {
    /* As of now the pending rotation is the anchor: decide on that record. */
    memcpy(next, in->trust, sizeof *next);
    activated = sg_trust_activate_due(next, in->now);
    d.t = next;
  }
  /* The caller's parsed anchor and its hash are of in->trust's anchor:
   * after an activation here the anchor is another one. */
  d.anchor = activated ? NULL : in->anchor;
  if (!activated && in->anchor_sha256 != NULL) {
    memcpy(d.anchor_sha256, in->anchor_sha256, sizeof d.anchor_sha256);
  } else if (d.t->state == SG_STATE_TRUSTED) {
    sg_sha256(d.t->anchor, d.t->anchor_len, d.anchor_sha256);
  }
  ret = sg_envelope_parse(text, len, &w->arena, &w->env);
  if (ret == SG_OK) {
    if (w->env.is_signed) {
      ret = sg_decide_signed(&d);
    } else {
      ret = sg_profile_parse(w->env.payload, w->env.payload_len, &w->arena, &w->prof);
      if (ret == SG_OK) {
        ret = sg_decide_unsigned(&d);
      }
    }
  }
  sg_describe(&d);
  v->trust_changed = ret == SG_ACCEPTED && (v->trust_changed || activated);
  v->persist = ret == SG_ACCEPTED && (v->persist || activated);
  v->code = ret;
  return ret;
}

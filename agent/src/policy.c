/*
 * The trust policy (DESIGN.md "Trust policy"): a pure decision, see
 * policy.h; the rules per Batch action are the table in batch_actions.c.
 * In the order of work:
 *   parse envelope -> verify the anchor's own signatures (admissible
 *   whatever the profile asks; keeps the JSON tree and the signature math
 *   apart in the pool) -> parse profile -> refusals the row and the state
 *   settle (count of signatures, state, the same anchor) -> who signed,
 *   and could that signer be allowed at all (from certificates alone,
 *   before any signature math: issue 9 defect 6) -> signature math and
 *   validity (the anchor's own key may outlive its notAfter for the rows
 *   that say so: defect 9) -> authorize by the row's rule -> claims
 *   (exp, replay against the floor of the authority that signed: defects
 *   1 and 8; expiry, issue time) and target -> the next trust record.
 * Every step starts from a failure value; nothing here writes storage,
 * calls agent.c or runs a handler.
 */
#include "policy.h"

#include <string.h>

#include "floors.h"
#include "json.h"
#include "stagegate/config.h"

typedef struct {
  const sg_policy_input *in;
  sg_policy_work *w;
  sg_verdict *v;
  const sg_trust_record *t; /* the record as of now: in->trust, or v->next once edited */
  sg_cert *anchor;          /* t->anchor parsed (the caller's cache), or NULL */
  uint8_t anchor_sha256[32];
} sg_decision;

/* Certificates are public: a plain memcmp, not a constant-time one (which
 * cost about 20,000 instructions per decision for nothing). */
static int sg_der_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  return a != NULL && b != NULL && alen == blen && (a == b || memcmp(a, b, alen) == 0);
}

static int sg_x5t_matches(const uint8_t x5t[32], const uint8_t *der, size_t len) {
  uint8_t h[32];
  if (der == NULL || len == 0) {
    return 0;
  }
  sg_sha256(der, len, h);
  return sg_ct_equal(h, x5t, sizeof h);
}

/* The key id (SHA-256 of the SubjectPublicKeyInfo) of a certificate. */
static int sg_key_id(const uint8_t *der, size_t len, uint8_t out[32]) {
  sg_cert_facts f;
  const int ret = sg_cert_facts_get(der, len, &f);
  memcpy(out, f.key_id, 32);
  return ret;
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
    *out = (sg_signer){SG_SIGNER_X5C, s->x5c[0], s->x5c_len[0], 0, SG_ERR_INTERNAL};
  } else if (t->state == SG_STATE_TRUSTED && sg_ct_equal(s->x5t, d->anchor_sha256, 32)) {
    *out = (sg_signer){SG_SIGNER_ANCHOR, t->anchor, t->anchor_len, 0, SG_ERR_INTERNAL};
  } else if (t->pending_len > 0 && sg_x5t_matches(s->x5t, t->pending, t->pending_len)) {
    *out = (sg_signer){SG_SIGNER_PENDING, t->pending, t->pending_len, 0, SG_ERR_INTERNAL};
  } else if (prof != NULL && sg_x5t_matches(s->x5t, prof->cert, prof->cert_len)) {
    *out = (sg_signer){SG_SIGNER_PROFILE, prof->cert, prof->cert_len, 0, SG_ERR_INTERNAL};
  } else if (prof != NULL &&
             sg_x5t_matches(s->x5t, d->in->recovery_cert, d->in->recovery_cert_len)) {
    *out = (sg_signer){SG_SIGNER_RECOVERY, d->in->recovery_cert, d->in->recovery_cert_len, 0,
                       SG_ERR_INTERNAL};
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

/* Verify one signature with its signer's key; the certificate's validity
 * at the effective time is recorded for sg_signer_time_ok. */
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
    sg->verified = SG_ACCEPTED;
    sg->time_ret = sg_cert_check_validity(crt, d->in->now); /* judged by sg_signer_time_ok */
  }
  if (crt != cached) {
    sg_cert_release(crt);
  }
  return ret;
}

/* Does signer i's x5c chain to the CA certificate ca_der (the anchor, or
 * at TurnOn the CA being deployed)? `cached`: ca_der parsed, or NULL. */
static int sg_chains_to(sg_decision *d, unsigned i, const uint8_t *ca_der, size_t ca_len,
                        sg_cert *cached) {
  int ret = SG_ERR_CHAIN;
  const sg_signer *sg = &d->w->signers[i];
  const sg_jws_signature *s = &d->w->env.sigs[i];
  if (sg->src != SG_SIGNER_X5C) {
    return SG_ERR_CHAIN;
  }
  sg_cert *anchor = cached;
  sg_cert *chain = NULL;
  ret = anchor != NULL ? SG_OK : sg_cert_in_arena(d, ca_der, ca_len, &anchor);
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
  if (anchor != cached) {
    sg_cert_release(anchor);
  }
  return ret;
}

/* Is this (verified) signer the anchor, or does it chain to a CA anchor?
 * (sg_signer_screen has already required the staging EKU of a leaf.) */
static int sg_authorized_by_anchor(sg_decision *d, unsigned i) {
  const sg_trust_record *t = d->t;
  const sg_signer *sg = &d->w->signers[i];
  if (sg->verified != SG_ACCEPTED) {
    return SG_ERR_BAD_SIGNATURE;
  }
  if (sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
    return SG_ACCEPTED;
  }
  if (t->mode != SG_ANCHOR_CA) {
    return SG_ERR_UNKNOWN_SIGNER; /* pinned: only the anchor itself */
  }
  return sg_chains_to(d, i, t->anchor, t->anchor_len, d->anchor);
}

/* A certificate about to become an anchor must be fit for its mode. */
static int sg_anchor_fit(sg_decision *d, const uint8_t *der, size_t len, sg_anchor_mode mode) {
  sg_cert *crt = NULL;
  int ret = sg_cert_in_arena(d, der, len, &crt);
  if (ret == SG_OK) {
    ret = sg_cert_fit_for_anchor(crt, mode);
  }
  sg_cert_release(crt);
  return ret;
}

/* SG_ACCEPTED (a positive check) as SG_OK; any refusal as it is. */
static int sg_ok_if(int check) { return check == SG_ACCEPTED ? SG_OK : check; }

/*
 * Could signer i be authorized at all, by the rule of the profile's row?
 * Decided from its certificate alone, before any signature is verified: a
 * signer that no rule could accept is refused at once -- on a pinned
 * device anything but the anchor (and the new key of a Rotate); under a
 * "ca" anchor a leaf without the staging EKU, and for the rows that need
 * the CA's own key anything but that key.
 */
static int sg_signer_admissible(const sg_decision *d, unsigned i, const sg_cert_facts *leaf,
                                sg_batch_rule rule) {
  const sg_trust_record *t = d->t;
  const sg_profile *p = &d->w->prof;
  const sg_signer *sg = &d->w->signers[i];
  const int is_anchor =
      t->state == SG_STATE_TRUSTED && sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len);
  const int is_deployed = sg_der_equal(sg->der, sg->der_len, p->cert, p->cert_len);
  switch (rule) {
    case SG_RULE_RECOVERY:
      return sg_der_equal(sg->der, sg->der_len, d->in->recovery_cert, d->in->recovery_cert_len)
                 ? SG_OK
                 : SG_ERR_UNKNOWN_SIGNER;
    case SG_RULE_ANYONE:
      return SG_OK; /* ordinary profiles on an untrusted device: no authority is claimed */
    case SG_RULE_POSSESSION:
      if (is_deployed) {
        return SG_OK;
      }
      return p->anchor_mode == SG_ANCHOR_CA && sg->src == SG_SIGNER_X5C
                 ? sg_ok_if(leaf->staging_eku)
                 : SG_ERR_NO_POSSESSION;
    case SG_RULE_ANCHOR:
    case SG_RULE_SAME_ANCHOR:
    case SG_RULE_ANCHOR_AND_NEW:
      if (is_anchor || (rule == SG_RULE_ANCHOR_AND_NEW && is_deployed)) {
        return SG_OK;
      }
      if (t->mode != SG_ANCHOR_CA) {
        return SG_ERR_UNKNOWN_SIGNER;
      }
      if (p->batch->ca_signer == SG_CA_OWN_KEY) {
        return SG_ERR_ANCHOR_KEY_REQUIRED;
      }
      return sg->src == SG_SIGNER_X5C ? sg_ok_if(leaf->staging_eku) : SG_ERR_CHAIN;
    case SG_RULE_REFUSE:
      break;
  }
  return p->batch->refused;
}

/* Admissible (above), and every key it brings screened (RSA size and
 * exponent, curve): SG_OK or why not. */
static int sg_signer_screen(sg_decision *d, unsigned i, sg_batch_rule rule) {
  int ret = SG_ERR_CERT_FORMAT;
  const sg_trust_record *t = d->t;
  const sg_signer *sg = &d->w->signers[i];
  const sg_jws_signature *s = &d->w->env.sigs[i];
  sg_cert_facts leaf;
  if (rule != SG_RULE_RECOVERY && rule != SG_RULE_ANYONE && s->x5c_count <= 1 &&
      t->state == SG_STATE_TRUSTED && sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
    return SG_OK; /* the anchor itself: admissible; its key is checked before every verify */
  }
  ret = sg_cert_facts_get(sg->der, sg->der_len, &leaf);
  if (ret == SG_OK) {
    ret = sg_signer_admissible(d, i, &leaf, rule);
  }
  if (ret == SG_OK) {
    ret = leaf.key_check;
  }
  for (unsigned k = 1; k < s->x5c_count && ret == SG_OK; k++) {
    sg_cert_facts f;
    ret = sg_cert_facts_get(s->x5c[k], s->x5c_len[k], &f);
    if (ret == SG_OK) {
      ret = f.key_check;
    }
  }
  return ret;
}

/* Defect 9 (TUF's root-rotation rule): once the anchor has expired, its
 * own key may still sign the rows that say so (TurnOff, Rotate); nothing
 * else. */
static int sg_signer_time_ok(const sg_decision *d, unsigned i) {
  const sg_signer *sg = &d->w->signers[i];
  const sg_trust_record *t = d->t;
  if (sg->time_ret == SG_ERR_CERT_EXPIRED && t->state == SG_STATE_TRUSTED &&
      d->w->prof.batch->after_anchor_expiry &&
      sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
    return SG_OK;
  }
  return sg->time_ret;
}

static int sg_signed_by_deployed(const sg_decision *d, unsigned i) {
  const sg_signer *sg = &d->w->signers[i];
  const sg_profile *p = &d->w->prof;
  return sg->verified == SG_ACCEPTED && sg_der_equal(sg->der, sg->der_len, p->cert, p->cert_len);
}

/* Who signed, against the rule of the profile's Batch row in this state
 * (every signature has verified). */
static int sg_authorize(sg_decision *d, sg_batch_rule rule) {
  int ret = SG_ERR_INTERNAL;
  const sg_profile *p = &d->w->prof;
  const sg_trust_record *t = d->t;
  switch (rule) {
    case SG_RULE_ANYONE:
    case SG_RULE_RECOVERY:
      return d->w->signers[0].verified == SG_ACCEPTED ? SG_ACCEPTED : SG_ERR_BAD_SIGNATURE;
    case SG_RULE_POSSESSION:
      /* Signed by the key of the certificate deployed, or, for a "ca"
       * anchor, by a leaf with the staging EKU (sg_signer_screen) that
       * chains to it. */
      if (sg_signed_by_deployed(d, 0)) {
        ret = sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
        return ret == SG_OK ? SG_ACCEPTED : ret;
      }
      if (p->anchor_mode != SG_ANCHOR_CA || d->w->signers[0].verified != SG_ACCEPTED) {
        return SG_ERR_NO_POSSESSION;
      }
      ret = sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
      return ret == SG_OK ? sg_chains_to(d, 0, p->cert, p->cert_len, NULL) : ret;
    case SG_RULE_SAME_ANCHOR: /* the certificate was compared before any signature math */
    case SG_RULE_ANCHOR:
      return sg_authorized_by_anchor(d, 0);
    case SG_RULE_ANCHOR_AND_NEW: {
      if (sg_der_equal(p->cert, p->cert_len, t->anchor, t->anchor_len)) {
        return SG_ERR_ACTION_ARGS; /* rotating to the same certificate */
      }
      int by_anchor = 0;
      int by_new = 0;
      for (unsigned i = 0; i < d->w->env.nsig; i++) {
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
      ret = sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
      return ret == SG_OK ? SG_ACCEPTED : ret;
    }
    case SG_RULE_REFUSE:
      return p->batch->refused;
  }
  return SG_ERR_INTERNAL;
}

/* Claims every signed profile must satisfy: exp per row (defect 8), the
 * replay floor of the authority that signed (defect 1), expiry, issue time. */
static int sg_check_claims(const sg_decision *d, sg_batch_rule rule) {
  int ret = SG_ERR_INTERNAL;
  const sg_profile *p = &d->w->prof;
  const sg_trust_record *t = d->t;
  if (!p->has_seq || !p->has_iat) {
    return SG_ERR_PROFILE_FORMAT;
  }
  if (p->batch->needs_exp && !p->has_exp) {
    return SG_ERR_EXP_REQUIRED; /* trust changes do not live for ever */
  }
  if (p->batch->needs_exp && (p->exp < p->iat || p->exp - p->iat > SG_TRUST_CHANGE_LIFETIME)) {
    return SG_ERR_EXP_TOO_LONG;
  }
  /* Whose floor: the anchor's; at enrolment, what the new key left behind;
   * for recovery, the recovery key's; none for a signer the device does
   * not trust. */
  uint64_t floor = 0;
  uint8_t key[32];
  if (rule == SG_RULE_RECOVERY) {
    ret = sg_key_id(d->in->recovery_cert, d->in->recovery_cert_len, key);
    floor = sg_floors_former(t, key);
  } else if (t->state == SG_STATE_TRUSTED) {
    ret = SG_OK;
    floor = t->seq_floor;
  } else if (rule == SG_RULE_POSSESSION) {
    ret = sg_key_id(p->cert, p->cert_len, key);
    floor = sg_floors_enrol_base(t, key);
  } else {
    ret = SG_OK;
  }
  if (ret != SG_OK) {
    return ret;
  }
  const int strict = p->batch->replay == SG_REPLAY_STRICT;
  if (strict ? p->seq <= floor : p->seq < floor) {
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
  uint8_t old_key[32], new_key[32];
  if (!sg_trust_activate_due_at(t, now)) {
    return 0;
  }
  /* Floors per key: the old key's floor is kept for it; the new key
   * carries on from the old floor, or from its own former one if higher. */
  int ret = sg_key_id(t->anchor, t->anchor_len, old_key);
  if (ret == SG_OK) {
    ret = sg_key_id(t->pending, t->pending_len, new_key);
  }
  if (ret != SG_OK) {
    return ret == SG_ERR_NO_MEMORY ? SG_ERR_NO_MEMORY : SG_ERR_CERT_FORMAT;
  }
  sg_floors_retire(t, old_key, t->seq_floor);
  const uint64_t former = sg_floors_take(t, new_key);
  if (former > t->seq_floor) {
    t->seq_floor = former;
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

/* Does the accepted profile change the record as of now (`t`)? Floors
 * move only with a signer of authority (not SG_RULE_ANYONE). */
static int sg_edits_record(const sg_profile *p, const sg_trust_record *t, sg_batch_rule rule) {
  switch (p->batch->effect) {
    case SG_EFFECT_ENROL:
      if (t->state != SG_STATE_TRUSTED) {
        return 1;
      }
      break;
    case SG_EFFECT_UNENROL:
    case SG_EFFECT_PEND:
    case SG_EFFECT_RECOVER:
      return 1;
    case SG_EFFECT_NONE:
      break;
  }
  if (rule == SG_RULE_ANYONE) {
    return 0;
  }
  return (t->state == SG_STATE_TRUSTED && p->seq > t->seq_floor) || p->iat > t->time_floor;
}

/* The anchor's key leaves: its floor goes to the table of former anchors,
 * and the record returns to UNTRUSTED (TurnOff, recovery). */
static int sg_untrust(sg_trust_record *t) {
  uint8_t key[32];
  if (t->state == SG_STATE_TRUSTED) {
    const int ret = sg_key_id(t->anchor, t->anchor_len, key);
    if (ret != SG_OK) {
      return ret;
    }
    sg_floors_retire(t, key, t->seq_floor);
  }
  t->seq_floor = 0;
  t->state = SG_STATE_UNTRUSTED;
  t->mode = SG_ANCHOR_NONE;
  sg_wipe(t->anchor, sizeof t->anchor);
  t->anchor_len = 0;
  sg_wipe(t->pending, sizeof t->pending);
  t->pending_len = 0;
  t->pending_mode = SG_ANCHOR_NONE;
  t->activate_at = 0;
  return SG_OK;
}

/*
 * The accepted profile's edits to the record (a copy: in->trust is never
 * written): the floors of the authority that signed, then its row's
 * effect. Returns SG_OK (and *changed: state, anchor or pending rotation
 * changed) or why a key could not be read.
 */
static int sg_next_record(const sg_decision *d, sg_trust_record *t, sg_batch_rule rule,
                          int *changed) {
  int ret = SG_OK;
  const sg_profile *p = &d->w->prof;
  uint8_t key[32];
  *changed = 0;
  if (rule != SG_RULE_ANYONE && p->iat > t->time_floor) {
    t->time_floor = p->iat;
  }
  if (t->state == SG_STATE_TRUSTED && rule != SG_RULE_RECOVERY && p->seq > t->seq_floor) {
    t->seq_floor = p->seq; /* the anchor's floor; a recovery's seq is the recovery key's */
  }
  switch (p->batch->effect) {
    case SG_EFFECT_ENROL:
      if (t->state != SG_STATE_TRUSTED) {
        ret = sg_key_id(p->cert, p->cert_len, key);
        if (ret != SG_OK) {
          return ret;
        }
        const uint64_t base = sg_floors_enrol_base(t, key);
        (void)sg_floors_take(t, key);
        t->seq_floor = p->seq > base ? p->seq : base;
        t->state = SG_STATE_TRUSTED;
        t->mode = p->anchor_mode;
        memset(t->anchor, 0, sizeof t->anchor);
        memcpy(t->anchor, p->cert, p->cert_len);
        t->anchor_len = (uint32_t)p->cert_len;
        t->pending_len = 0;
        *changed = 1;
      }
      break;
    case SG_EFFECT_UNENROL:
      ret = sg_untrust(t);
      *changed = 1;
      break;
    case SG_EFFECT_RECOVER:
      ret = sg_untrust(t);
      if (ret == SG_OK) {
        ret = sg_key_id(d->in->recovery_cert, d->in->recovery_cert_len, key);
      }
      if (ret == SG_OK) {
        sg_floors_retire(t, key, p->seq); /* the recovery sheet is not replayable */
      }
      *changed = 1;
      break;
    case SG_EFFECT_PEND:
      memset(t->pending, 0, sizeof t->pending);
      memcpy(t->pending, p->cert, p->cert_len);
      t->pending_len = (uint32_t)p->cert_len;
      t->pending_mode = p->anchor_mode;
      t->activate_at = p->activate_at;
      ret = sg_trust_activate_due(t, d->in->now); /* activate_at may already be past */
      ret = ret < 0 ? ret : SG_OK;
      *changed = 1;
      break;
    case SG_EFFECT_NONE:
      break;
  }
  return ret;
}

static int sg_decide_unsigned(sg_decision *d) {
  int ret = SG_ERR_INTERNAL;
  const sg_profile *p = &d->w->prof;
  if (d->t->state == SG_STATE_LOCKED) {
    return SG_ERR_LOCKED;
  }
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
    case SG_RULE_RECOVERY:
    default:
      return SG_ERR_NOT_TRUSTED;
  }
  if (p->has_exp && (uint64_t)d->in->now >= p->exp) {
    return SG_ERR_PROFILE_EXPIRED;
  }
  ret = sg_profile_check_target(p, d->in->identity);
  return ret == SG_OK ? SG_ACCEPTED : ret; /* unsigned: no floor moves */
}

/* Refusals the row and the state settle before anyone's signature is read. */
static int sg_row_admits(const sg_decision *d, sg_batch_rule rule) {
  const sg_profile *p = &d->w->prof;
  const sg_trust_record *t = d->t;
  if (p->batch->effect == SG_EFFECT_RECOVER &&
      (d->in->recovery_cert == NULL || d->in->recovery_cert_len == 0)) {
    return SG_ERR_NO_RECOVERY;
  }
  if (rule == SG_RULE_REFUSE) {
    return t->state == SG_STATE_LOCKED ? SG_ERR_LOCKED : p->batch->refused;
  }
  if (d->w->env.nsig != p->batch->signatures) {
    return p->batch->wrong_count;
  }
  if (rule == SG_RULE_SAME_ANCHOR &&
      !(sg_der_equal(p->cert, p->cert_len, t->anchor, t->anchor_len) && p->anchor_mode == t->mode)) {
    return SG_ERR_ALREADY_TRUSTED; /* only re-deploying the same anchor is a (no-op) success */
  }
  return SG_OK;
}

static int sg_decide_signed(sg_decision *d) {
  int ret = SG_ERR_INTERNAL;
  sg_policy_work *w = d->w;
  const sg_trust_record *t = d->t;
  /* 0. The anchor's own signatures are admissible whatever the profile
   *    asks: verify them before the profile is parsed, so that the JSON
   *    tree and the signature math never share the pool on the common
   *    path (its peak memory stays what it was). */
  for (unsigned i = 0; i < w->env.nsig && t->state == SG_STATE_TRUSTED; i++) {
    sg_signer *sg = &w->signers[i];
    if (w->env.sigs[i].x5c_count <= 1 && sg_signer_resolve(d, &w->env.sigs[i], NULL, sg) == SG_OK &&
        sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
      ret = sg_signer_verify(d, &w->env.sigs[i], sg);
      if (ret != SG_ACCEPTED) {
        return ret;
      }
    } else {
      memset(sg, 0, sizeof *sg); /* resolved again below, with the profile */
    }
  }
  /* 1. The profile: what it asks decides who else may sign it, and that
   *    is settled before any other signature math. */
  ret = sg_profile_parse(w->env.payload, w->env.payload_len, &w->arena, &w->prof);
  if (ret != SG_OK) {
    return ret;
  }
  const sg_batch_rule rule = sg_batch_rule_in(w->prof.batch, d->t->state);
  ret = sg_row_admits(d, rule);
  if (ret != SG_OK) {
    return ret;
  }
  /* 2. Who signed, and could that signer be allowed this at all? */
  for (unsigned i = 0; i < w->env.nsig; i++) {
    /* The anchor, verified in step 0, is screened all the same: some
     * actions (RecoverTrust) it may not sign. */
    ret = w->signers[i].verified == SG_ACCEPTED
              ? SG_OK
              : sg_signer_resolve(d, &w->env.sigs[i], &w->prof, &w->signers[i]);
    if (ret == SG_OK) {
      ret = sg_signer_screen(d, i, rule);
    }
    if (ret != SG_OK) {
      return ret;
    }
  }
  /* 3. Signature math, then the certificates' validity. */
  for (unsigned i = 0; i < w->env.nsig; i++) {
    ret = w->signers[i].verified == SG_ACCEPTED
              ? SG_ACCEPTED
              : sg_signer_verify(d, &w->env.sigs[i], &w->signers[i]);
    if (ret != SG_ACCEPTED) {
      return ret;
    }
    ret = sg_signer_time_ok(d, i);
    if (ret != SG_OK) {
      return ret;
    }
  }
  /* 4. Is that signer allowed to do this, in this state? */
  ret = sg_authorize(d, rule);
  if (ret != SG_ACCEPTED) {
    return ret;
  }
  /* 5. Claims and target; then the next record. */
  ret = sg_check_claims(d, rule);
  if (ret == SG_OK) {
    ret = sg_profile_check_target(&w->prof, d->in->identity);
  }
  if (ret == SG_OK && sg_edits_record(&w->prof, d->t, rule)) {
    /* The record is copied only when it changes (the common accepted
     * profile moves nothing: no 4 KiB copy on the fast path). */
    if (d->t != d->v->next) {
      memcpy(d->v->next, d->t, sizeof *d->v->next);
      d->t = d->v->next;
    }
    ret = sg_next_record(d, d->v->next, rule, &d->v->trust_changed);
    d->v->persist = 1;
    d->v->recovery = w->prof.batch->effect == SG_EFFECT_RECOVER;
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
  const sg_trust_state state = in->trust->state;
  if (state == SG_STATE_LOCKED && in->recovery_cert == NULL) {
    return v->code = SG_ERR_LOCKED; /* only a recovery profile is even read (defect 10) */
  }
  if (state != SG_STATE_TRUSTED && state != SG_STATE_UNTRUSTED && state != SG_STATE_LOCKED) {
    return v->code = SG_ERR_INTERNAL; /* not a state we ever set: memory fault, refuse */
  }
  if (len > SG_MAX_PROFILE) {
    return v->code = SG_ERR_TOO_LARGE; /* the arena is sized for SG_MAX_PROFILE */
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
    if (activated < 0) {
      return v->code = activated;
    }
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
  v->recovery = ret == SG_ACCEPTED && v->recovery;
  v->code = ret;
  return ret;
}

/*
 * The trust policy (DESIGN.md "Trust policy"), in the order of work:
 * parse envelope -> verify signature(s) and signer -> parse profile ->
 * check claims, actions and handlers -> run handlers -> commit trust
 * change and floors in one slot write. Nothing runs unless everything
 * checked; every step starts from a failure value.
 */
#include <string.h>

#include "agent_priv.h"
#include "envelope.h"
#include "floors.h"
#include "json.h"
#include "profile.h"
#include "sg_certinfo.h"
#include "sg_crypto.h"

typedef enum {
  SG_SIGNER_UNRESOLVED = 0,
  SG_SIGNER_X5C = 0x51,     /* leaf of the header's x5c */
  SG_SIGNER_ANCHOR = 0x52,  /* the trust slot's anchor */
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

typedef struct {
  sg_agent *a;
  sg_arena arena;
  sg_envelope env;
  sg_profile prof;
  sg_signer signers[SG_MAX_SIGNATURES];
  int64_t eff;
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
 * header and the trust slot are consulted. */
static int sg_signer_resolve(const sg_decision *d, const sg_jws_signature *s,
                             const sg_profile *prof, sg_signer *out) {
  const sg_trust_record *t = &d->a->trust;
  if (s->x5c_count > 0) {
    if (!sg_x5t_matches(s->x5t, s->x5c[0], s->x5c_len[0])) {
      return SG_ERR_HEADER; /* x5t#S256 must name the x5c leaf */
    }
    *out = (sg_signer){SG_SIGNER_X5C, s->x5c[0], s->x5c_len[0], 0, SG_ERR_INTERNAL};
  } else if (t->state == SG_STATE_TRUSTED && sg_ct_equal(s->x5t, d->a->anchor_sha256, 32)) {
    *out = (sg_signer){SG_SIGNER_ANCHOR, t->anchor, t->anchor_len, 0, SG_ERR_INTERNAL};
  } else if (t->pending_len > 0 && sg_x5t_matches(s->x5t, t->pending, t->pending_len)) {
    *out = (sg_signer){SG_SIGNER_PENDING, t->pending, t->pending_len, 0, SG_ERR_INTERNAL};
  } else if (prof != NULL && sg_x5t_matches(s->x5t, prof->cert, prof->cert_len)) {
    *out = (sg_signer){SG_SIGNER_PROFILE, prof->cert, prof->cert_len, 0, SG_ERR_INTERNAL};
  } else if (sg_x5t_matches(s->x5t, d->a->cfg.recovery_cert, d->a->cfg.recovery_cert_len)) {
    *out = (sg_signer){SG_SIGNER_RECOVERY, d->a->cfg.recovery_cert, d->a->cfg.recovery_cert_len, 0,
                       SG_ERR_INTERNAL};
  } else {
    return SG_ERR_UNKNOWN_SIGNER;
  }
  return SG_OK;
}

/* Parse a certificate into an mbedtls_x509_crt living in the arena. */
static mbedtls_x509_crt *sg_crt_new(sg_decision *d) {
  mbedtls_x509_crt *crt = sg_arena_alloc(&d->arena, sizeof *crt);
  if (crt != NULL) {
    mbedtls_x509_crt_init(crt);
  }
  return crt;
}

/* Verify one signature with its signer's key; the certificate's validity
 * at the effective time is recorded for sg_signer_time_ok. */
static int sg_signer_verify(sg_decision *d, const sg_jws_signature *s, sg_signer *sg) {
  int ret = SG_ERR_BAD_SIGNATURE;
  mbedtls_x509_crt *cached = sg->src == SG_SIGNER_ANCHOR ? sg_agent_anchor(d->a) : NULL;
  mbedtls_x509_crt *crt = cached != NULL ? cached : sg_crt_new(d);
  if (crt == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  ret = cached != NULL ? SG_OK : sg_cert_parse_der_nocopy(crt, sg->der, sg->der_len);
  if (ret == SG_OK) {
    ret = sg_verify_jws(&crt->pk, s->alg, s->protected_b64, s->protected_len, d->env.payload_b64,
                        d->env.payload_b64_len, s->sig, s->sig_len);
  }
  if (ret == SG_ACCEPTED) {
    sg->verified = SG_ACCEPTED;
    sg->time_ret = sg_cert_check_time(crt, d->eff); /* judged by sg_signer_time_ok */
  }
  if (crt != cached) {
    mbedtls_x509_crt_free(crt);
  }
  return ret;
}

/* Does signer i's x5c chain to the CA certificate ca_der (the anchor, or
 * at TurnOn the CA being deployed)? `cached`: ca_der parsed, or NULL. */
static int sg_chains_to(sg_decision *d, unsigned i, const uint8_t *ca_der, size_t ca_len,
                        mbedtls_x509_crt *cached) {
  int ret = SG_ERR_CHAIN;
  const sg_signer *sg = &d->signers[i];
  const sg_jws_signature *s = &d->env.sigs[i];
  if (sg->src != SG_SIGNER_X5C) {
    return SG_ERR_CHAIN;
  }
  mbedtls_x509_crt *anchor = cached != NULL ? cached : sg_crt_new(d);
  mbedtls_x509_crt *chain = sg_crt_new(d);
  if (chain == NULL || anchor == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  ret = cached != NULL ? SG_OK : sg_cert_parse_der_nocopy(anchor, ca_der, ca_len);
  for (unsigned k = 0; k < s->x5c_count && ret == SG_OK; k++) {
    ret = sg_cert_parse_der_nocopy(chain, s->x5c[k], s->x5c_len[k]);
  }
  if (ret == SG_OK) {
    ret = sg_chain_verify(chain, anchor, d->eff);
  }
  mbedtls_x509_crt_free(chain);
  if (anchor != cached) {
    mbedtls_x509_crt_free(anchor);
  }
  return ret;
}

/* Is this (verified) signer the anchor, or does it chain to a CA anchor?
 * (sg_signer_screen has already required the staging EKU of a leaf.) */
static int sg_authorized_by_anchor(sg_decision *d, unsigned i) {
  const sg_trust_record *t = &d->a->trust;
  const sg_signer *sg = &d->signers[i];
  if (sg->verified != SG_ACCEPTED) {
    return SG_ERR_BAD_SIGNATURE;
  }
  if (sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
    return SG_ACCEPTED;
  }
  if (t->mode != SG_ANCHOR_CA) {
    return SG_ERR_UNKNOWN_SIGNER; /* pinned: only the anchor itself */
  }
  return sg_chains_to(d, i, t->anchor, t->anchor_len, sg_agent_anchor(d->a));
}

/* A certificate about to become an anchor must be fit for its mode. */
static int sg_anchor_fit(sg_decision *d, const uint8_t *der, size_t len, sg_anchor_mode mode) {
  int ret = SG_ERR_CERT_USAGE;
  mbedtls_x509_crt *crt = sg_crt_new(d);
  if (crt == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  ret = sg_cert_parse_der_nocopy(crt, der, len);
  if (ret == SG_OK) {
    if (mode == SG_ANCHOR_CA) {
      ret = crt->MBEDTLS_PRIVATE(ca_istrue) &&
                    mbedtls_x509_crt_check_key_usage(crt, MBEDTLS_X509_KU_KEY_CERT_SIGN) == 0
                ? SG_OK
                : SG_ERR_CERT_USAGE;
    } else {
      ret = mbedtls_x509_crt_check_key_usage(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0
                ? SG_OK
                : SG_ERR_CERT_USAGE;
    }
  }
  mbedtls_x509_crt_free(crt);
  return ret;
}

/* ---- issue 9: refusals that need no signature math (defects 2, 6) ------ */

/* SG_ACCEPTED (a positive check) as SG_OK; any refusal as it is. */
static int sg_ok_if(int check) { return check == SG_ACCEPTED ? SG_OK : check; }

static int sg_is_trust_change(const sg_profile *p) {
  return p->trust_action == SG_TRUST_ACTION_TURN_OFF || p->trust_action == SG_TRUST_ACTION_ROTATE ||
         p->trust_action == SG_TRUST_ACTION_RECOVER;
}

/* The rules of sg_signer_screen, on the signer's certificate facts. */
static int sg_signer_admissible(const sg_decision *d, unsigned i, const sg_cert_facts *leaf) {
  const sg_trust_record *t = &d->a->trust;
  const sg_profile *p = &d->prof;
  const sg_signer *sg = &d->signers[i];
  const int is_anchor = t->state == SG_STATE_TRUSTED && sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len);
  const int is_deployed = sg_der_equal(sg->der, sg->der_len, p->cert, p->cert_len);
  if (p->trust_action == SG_TRUST_ACTION_RECOVER) {
    return sg_der_equal(sg->der, sg->der_len, d->a->cfg.recovery_cert, d->a->cfg.recovery_cert_len)
               ? SG_OK
               : SG_ERR_UNKNOWN_SIGNER;
  }
  if (t->state != SG_STATE_TRUSTED) {
    if (p->trust_action != SG_TRUST_ACTION_TURN_ON || is_deployed) {
      return SG_OK; /* ordinary profiles: no authority is claimed */
    }
    return p->anchor_mode == SG_ANCHOR_CA && sg->src == SG_SIGNER_X5C ? sg_ok_if(leaf->staging_eku)
                                                                       : SG_ERR_NO_POSSESSION;
  }
  if (is_anchor || (p->trust_action == SG_TRUST_ACTION_ROTATE && is_deployed)) {
    return SG_OK;
  }
  if (t->mode != SG_ANCHOR_CA) {
    return SG_ERR_UNKNOWN_SIGNER;
  }
  if (sg_is_trust_change(p)) {
    return SG_ERR_ANCHOR_KEY_REQUIRED;
  }
  return sg->src == SG_SIGNER_X5C ? sg_ok_if(leaf->staging_eku) : SG_ERR_CHAIN;
}

/*
 * Could signer i be authorized at all? Decided from certificates alone,
 * before any signature is verified: a signer that no rule could accept is
 * refused at once -- on a pinned device anything but the anchor (and the
 * new key of a Rotate); under a "ca" anchor a leaf without the staging EKU,
 * and for TurnOff and Rotate anything but the CA's own key; for
 * RecoverTrust anything but the recovery certificate -- and every key it
 * brings (leaf and intermediates) is screened: RSA size and exponent, curve.
 */
static int sg_signer_screen(sg_decision *d, unsigned i) {
  int ret = SG_ERR_CERT_FORMAT;
  const sg_signer *sg = &d->signers[i];
  const sg_jws_signature *s = &d->env.sigs[i];
  sg_cert_facts leaf;
  const sg_trust_record *t = &d->a->trust;
  if (d->prof.trust_action != SG_TRUST_ACTION_RECOVER && s->x5c_count <= 1 &&
      t->state == SG_STATE_TRUSTED && sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
    return SG_OK; /* the anchor itself: admissible; its key is checked before every verify */
  }
  ret = sg_cert_facts_get(sg->der, sg->der_len, &leaf);
  if (ret == SG_OK) {
    ret = sg_signer_admissible(d, i, &leaf);
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
 * own key may still turn trusted mode off or rotate; nothing else. */
static int sg_signer_time_ok(const sg_decision *d, unsigned i) {
  const sg_signer *sg = &d->signers[i];
  const sg_trust_record *t = &d->a->trust;
  if (sg->time_ret == SG_ERR_CERT_EXPIRED && t->state == SG_STATE_TRUSTED &&
      (d->prof.trust_action == SG_TRUST_ACTION_TURN_OFF ||
       d->prof.trust_action == SG_TRUST_ACTION_ROTATE) &&
      sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
    return SG_OK;
  }
  return sg->time_ret;
}

/* The key id (SHA-256 of the SubjectPublicKeyInfo) of a certificate. */
static int sg_key_id(const uint8_t *der, size_t len, uint8_t out[32]) {
  sg_cert_facts f;
  const int ret = sg_cert_facts_get(der, len, &f);
  memcpy(out, f.key_id, 32);
  return ret;
}

static int sg_authorize_untrusted(sg_decision *d) {
  const sg_profile *p = &d->prof;
  if (p->trust_action == SG_TRUST_ACTION_TURN_OFF || p->trust_action == SG_TRUST_ACTION_ROTATE) {
    return SG_ERR_NOT_TRUSTED;
  }
  if (d->env.nsig != 1) {
    return SG_ERR_FORMAT;
  }
  if (p->trust_action == SG_TRUST_ACTION_TURN_ON) {
    /* Proof of possession: signed by the key of the certificate deployed,
     * or, for a "ca" anchor, by a leaf with the staging EKU (checked by
     * sg_signer_screen) that chains to it. */
    if (!sg_der_equal(d->signers[0].der, d->signers[0].der_len, p->cert, p->cert_len)) {
      if (p->anchor_mode != SG_ANCHOR_CA || d->signers[0].verified != SG_ACCEPTED) {
        return SG_ERR_NO_POSSESSION;
      }
      const int fit = sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
      if (fit != SG_OK) {
        return fit;
      }
      const int chain = sg_chains_to(d, 0, p->cert, p->cert_len, NULL);
      return chain;
    }
    const int fit = sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
    return fit == SG_OK ? SG_ACCEPTED : fit;
  }
  return d->signers[0].verified == SG_ACCEPTED ? SG_ACCEPTED : SG_ERR_BAD_SIGNATURE;
}

static int sg_authorize_rotation(sg_decision *d) {
  const sg_profile *p = &d->prof;
  const sg_trust_record *t = &d->a->trust;
  if (d->env.nsig != 2) {
    return SG_ERR_ROTATION;
  }
  if (sg_der_equal(p->cert, p->cert_len, t->anchor, t->anchor_len)) {
    return SG_ERR_ACTION_ARGS; /* rotating to the same certificate */
  }
  int by_anchor = 0;
  int by_new = 0;
  for (unsigned i = 0; i < 2; i++) {
    if (d->signers[i].verified != SG_ACCEPTED) {
      return SG_ERR_BAD_SIGNATURE;
    }
    if (sg_der_equal(d->signers[i].der, d->signers[i].der_len, p->cert, p->cert_len)) {
      by_new = 1;
    } else if (sg_authorized_by_anchor(d, i) == SG_ACCEPTED) {
      by_anchor = 1;
    }
  }
  if (!by_anchor || !by_new) {
    return SG_ERR_ROTATION;
  }
  const int fit = sg_anchor_fit(d, p->cert, p->cert_len, p->anchor_mode);
  return fit == SG_OK ? SG_ACCEPTED : fit;
}

static int sg_authorize_trusted(sg_decision *d) {
  const sg_profile *p = &d->prof;
  const sg_trust_record *t = &d->a->trust;
  if (p->trust_action == SG_TRUST_ACTION_ROTATE) {
    return sg_authorize_rotation(d);
  }
  if (d->env.nsig != 1) {
    return SG_ERR_FORMAT;
  }
  if (p->trust_action == SG_TRUST_ACTION_TURN_ON &&
      !(sg_der_equal(p->cert, p->cert_len, t->anchor, t->anchor_len) && p->anchor_mode == t->mode)) {
    return SG_ERR_ALREADY_TRUSTED; /* only re-deploying the same anchor is a (no-op) success */
  }
  return sg_authorized_by_anchor(d, 0);
}

/* Claims every signed profile must satisfy. */
static int sg_check_claims(const sg_decision *d) {
  int ret = SG_ERR_INTERNAL;
  const sg_profile *p = &d->prof;
  const sg_trust_record *t = &d->a->trust;
  if (!p->has_seq || !p->has_iat) {
    return SG_ERR_PROFILE_FORMAT;
  }
  const int strict = sg_is_trust_change(p);
  if (strict && !p->has_exp) {
    return SG_ERR_EXP_REQUIRED; /* defect 8: trust changes do not live for ever */
  }
  if (strict && (p->exp < p->iat || p->exp - p->iat > SG_TRUST_CHANGE_LIFETIME)) {
    return SG_ERR_EXP_TOO_LONG;
  }
  /* Whose floor (defect 1): the anchor's; at enrolment, what the new key
   * left behind; for recovery, the recovery key's; none for a signer the
   * device does not trust. */
  uint64_t floor = 0;
  uint8_t key[32];
  if (p->trust_action == SG_TRUST_ACTION_RECOVER) {
    ret = sg_key_id(d->a->cfg.recovery_cert, d->a->cfg.recovery_cert_len, key);
    floor = sg_floors_former(t, key);
  } else if (t->state == SG_STATE_TRUSTED) {
    ret = SG_OK;
    floor = t->seq_floor;
  } else if (p->trust_action == SG_TRUST_ACTION_TURN_ON) {
    ret = sg_key_id(p->cert, p->cert_len, key);
    floor = sg_floors_enrol_base(t, key);
  } else {
    ret = SG_OK;
  }
  if (ret != SG_OK) {
    return ret;
  }
  if (strict ? p->seq <= floor : p->seq < floor) {
    return SG_ERR_REPLAY;
  }
  if (p->has_exp && (uint64_t)d->eff >= p->exp) {
    return SG_ERR_PROFILE_EXPIRED;
  }
  if (p->iat > (uint64_t)d->eff + SG_IAT_SKEW_SECONDS) {
    return SG_ERR_PROFILE_FUTURE;
  }
  return SG_OK;
}

static const sg_action_handler *sg_find_handler(const sg_agent *a, const char *csp) {
  for (size_t i = 0; i < a->cfg.handler_count; i++) {
    if (strcmp(a->cfg.handlers[i].csp, csp) == 0) {
      return &a->cfg.handlers[i];
    }
  }
  return NULL;
}

/* Every action has a handler and valid arguments; only then run them. */
static int sg_handlers(const sg_decision *d) {
  const cJSON *act;
  cJSON_ArrayForEach(act, d->prof.actions) {
    const char *csp = sg_json_member(act, "csp")->valuestring;
    if (strcmp(csp, "Batch") == 0) {
      continue;
    }
    const sg_action_handler *h = sg_find_handler(d->a, csp);
    if (h == NULL || h->run == NULL) {
      return SG_ERR_UNSUPPORTED_ACTION;
    }
    if (h->check != NULL && h->check(h->ctx, act) != 0) {
      return SG_ERR_ACTION_ARGS;
    }
  }
  cJSON_ArrayForEach(act, d->prof.actions) {
    const char *csp = sg_json_member(act, "csp")->valuestring;
    if (strcmp(csp, "Batch") != 0) {
      const sg_action_handler *h = sg_find_handler(d->a, csp);
      if (h == NULL || h->run(h->ctx, act) != 0) { /* h was checked above; belt and braces */
        return SG_ERR_HANDLER_FAILED;
      }
    }
  }
  return SG_OK;
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

/* Apply the profile's trust change and floors to the record, then commit.
 * Floors move only with what the anchor authorized, an enrolment with
 * proof of possession, or recovery (defect 1). */
static int sg_apply(sg_decision *d, int *changed) {
  int ret = SG_OK;
  sg_trust_record *t = &d->a->trust;
  const sg_profile *p = &d->prof;
  const uint64_t seq_floor_before = t->seq_floor;
  const uint64_t time_floor_before = t->time_floor;
  uint8_t key[32];
  *changed = 0;
  const int authorized = t->state == SG_STATE_TRUSTED || p->trust_action == SG_TRUST_ACTION_TURN_ON ||
                         p->trust_action == SG_TRUST_ACTION_RECOVER;
  if (authorized && p->iat > t->time_floor) {
    t->time_floor = p->iat;
  }
  if (t->state == SG_STATE_TRUSTED && p->trust_action != SG_TRUST_ACTION_RECOVER &&
      p->seq > t->seq_floor) {
    t->seq_floor = p->seq; /* the anchor's floor; a recovery's seq is the recovery key's */
  }
  switch (p->trust_action) {
    case SG_TRUST_ACTION_TURN_ON:
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
        memcpy(t->anchor, p->cert, p->cert_len);
        t->anchor_len = (uint32_t)p->cert_len;
        t->pending_len = 0;
        *changed = 1;
      }
      break;
    case SG_TRUST_ACTION_TURN_OFF:
      ret = sg_untrust(t);
      *changed = 1;
      break;
    case SG_TRUST_ACTION_RECOVER:
      ret = sg_untrust(t);
      if (ret == SG_OK) {
        ret = sg_key_id(d->a->cfg.recovery_cert, d->a->cfg.recovery_cert_len, key);
      }
      if (ret == SG_OK) {
        sg_floors_retire(t, key, p->seq); /* the recovery sheet is not replayable */
      }
      *changed = 1;
      break;
    case SG_TRUST_ACTION_ROTATE:
      memcpy(t->pending, p->cert, p->cert_len);
      t->pending_len = (uint32_t)p->cert_len;
      t->pending_mode = p->anchor_mode;
      t->activate_at = p->activate_at;
      *changed = 1;
      break;
    case SG_TRUST_ACTION_NONE:
    default:
      break;
  }
  if (ret != SG_OK) {
    (void)sg_agent_reload(d->a); /* memory must not run ahead of flash */
    return ret;
  }
  const int dirty =
      *changed || t->seq_floor != seq_floor_before || t->time_floor != time_floor_before;
  if (!dirty) {
    return SG_OK;
  }
  ret = p->trust_action == SG_TRUST_ACTION_RECOVER ? sg_agent_commit_recovery(d->a)
                                                   : sg_agent_commit(d->a);
  if (ret == SG_OK && *changed) {
    ret = sg_agent_trust_changed(d->a);
    if (ret == SG_OK && p->trust_action == SG_TRUST_ACTION_ROTATE) {
      ret = sg_agent_activate_due(d->a, d->eff); /* activate_at may already be past */
    }
  }
  return ret;
}

static int sg_decide_unsigned(sg_decision *d) {
  int ret = SG_ERR_INTERNAL;
  const sg_profile *p = &d->prof;
  if (d->a->trust.state == SG_STATE_LOCKED) {
    return SG_ERR_LOCKED;
  }
  if (d->a->trust.state == SG_STATE_TRUSTED) {
    return SG_ERR_UNSIGNED_ON_TRUSTED;
  }
  if (p->trust_action == SG_TRUST_ACTION_TURN_ON) {
    return SG_ERR_NO_POSSESSION; /* a certificate is only deployed with proof */
  }
  if (p->trust_action != SG_TRUST_ACTION_NONE) {
    return SG_ERR_NOT_TRUSTED;
  }
  if (p->has_exp && (uint64_t)d->eff >= p->exp) {
    return SG_ERR_PROFILE_EXPIRED;
  }
  ret = sg_profile_check_target(p, d->a->cfg.identity);
  if (ret == SG_OK) {
    ret = sg_handlers(d);
  }
  return ret == SG_OK ? SG_ACCEPTED : ret;
}

static int sg_decide_signed(sg_decision *d, sg_feed_result *res) {
  int ret = SG_ERR_INTERNAL;
  const sg_trust_record *t = &d->a->trust;
  const sg_profile *p = &d->prof;
  /* 0. The anchor's own signatures are admissible whatever the profile
   *    asks: verify them before the profile is parsed, so that the JSON
   *    tree and the signature math never share the pool on the common
   *    path (its peak memory stays what it was). */
  for (unsigned i = 0; i < d->env.nsig && t->state == SG_STATE_TRUSTED; i++) {
    sg_signer *sg = &d->signers[i];
    if (d->env.sigs[i].x5c_count <= 1 && sg_signer_resolve(d, &d->env.sigs[i], NULL, sg) == SG_OK &&
        sg_der_equal(sg->der, sg->der_len, t->anchor, t->anchor_len)) {
      ret = sg_signer_verify(d, &d->env.sigs[i], sg);
      if (ret != SG_ACCEPTED) {
        return ret;
      }
    } else {
      memset(sg, 0, sizeof *sg); /* resolved again below, with the profile */
    }
  }
  /* 1. The profile: what it asks decides who else may sign it, and that
   *    is settled before any other signature math (defect 6). */
  ret = sg_profile_parse(d->env.payload, d->env.payload_len, &d->arena, &d->prof);
  if (ret != SG_OK) {
    return ret;
  }
  if (p->trust_action == SG_TRUST_ACTION_RECOVER) {
    if (d->a->cfg.recovery_cert == NULL || d->a->cfg.recovery_cert_len == 0) {
      return SG_ERR_NO_RECOVERY;
    }
    if (t->state == SG_STATE_UNTRUSTED) {
      return SG_ERR_NOT_TRUSTED; /* nothing to recover from */
    }
    if (d->env.nsig != 1) {
      return SG_ERR_FORMAT;
    }
  } else if (t->state == SG_STATE_LOCKED) {
    return SG_ERR_LOCKED;
  }
  /* Nothing to turn off or rotate on an untrusted device, whoever signed. */
  if (t->state != SG_STATE_TRUSTED && (p->trust_action == SG_TRUST_ACTION_TURN_OFF ||
                                       p->trust_action == SG_TRUST_ACTION_ROTATE)) {
    return SG_ERR_NOT_TRUSTED;
  }
  if (t->state == SG_STATE_TRUSTED && p->trust_action == SG_TRUST_ACTION_TURN_ON &&
      !(sg_der_equal(p->cert, p->cert_len, t->anchor, t->anchor_len) && p->anchor_mode == t->mode)) {
    return SG_ERR_ALREADY_TRUSTED; /* only re-deploying the same anchor is a (no-op) success */
  }
  /* 2. Who signed, and could that signer be allowed this at all? */
  for (unsigned i = 0; i < d->env.nsig; i++) {
    /* The anchor, verified in step 0, is screened all the same: some
     * actions (RecoverTrust) it may not sign. */
    ret = d->signers[i].verified == SG_ACCEPTED
              ? SG_OK
              : sg_signer_resolve(d, &d->env.sigs[i], p, &d->signers[i]);
    if (ret == SG_OK) {
      ret = sg_signer_screen(d, i);
    }
    if (ret != SG_OK) {
      return ret;
    }
  }
  /* 3. Signature math, then the certificates' validity. */
  for (unsigned i = 0; i < d->env.nsig; i++) {
    ret = d->signers[i].verified == SG_ACCEPTED
              ? SG_ACCEPTED
              : sg_signer_verify(d, &d->env.sigs[i], &d->signers[i]);
    if (ret != SG_ACCEPTED) {
      return ret;
    }
    ret = sg_signer_time_ok(d, i);
    if (ret != SG_OK) {
      return ret;
    }
  }
  /* 4. Is that signer allowed to do this, in this state? */
  if (p->trust_action == SG_TRUST_ACTION_RECOVER) {
    ret = d->signers[0].verified == SG_ACCEPTED ? SG_ACCEPTED : SG_ERR_BAD_SIGNATURE;
  } else {
    ret = t->state == SG_STATE_TRUSTED ? sg_authorize_trusted(d) : sg_authorize_untrusted(d);
  }
  if (ret != SG_ACCEPTED) {
    return ret;
  }
  /* 5. Claims, target, actions, handlers; then one commit. */
  ret = sg_check_claims(d);
  if (ret == SG_OK) {
    ret = sg_profile_check_target(&d->prof, d->a->cfg.identity);
  }
  if (ret == SG_OK) {
    ret = sg_handlers(d);
  }
  if (ret == SG_OK) {
    ret = sg_apply(d, &res->trust_changed);
  }
  return ret == SG_OK ? SG_ACCEPTED : ret;
}

static void sg_report(const sg_decision *d, sg_feed_result *res, sg_event *ev) {
  if (d->prof.name != NULL) {
    const size_t n = strlen(d->prof.name);
    memcpy(res->profile_name, d->prof.name, n + 1); /* n <= SG_MAX_NAME < 64 */
  }
  res->seq = d->prof.seq;
  res->has_seq = d->prof.has_seq;
  ev->seq = res->seq;
  ev->has_seq = res->has_seq;
  /* The first identified signer. Its x5t#S256 was checked against its
   * certificate when the signer was resolved, so it is the SHA-256 we want. */
  for (unsigned i = 0; i < d->env.nsig; i++) {
    if (d->signers[i].src != SG_SIGNER_UNRESOLVED) {
      memcpy(ev->signer_sha256, d->env.sigs[i].x5t, sizeof ev->signer_sha256);
      ev->has_signer = 1;
      break;
    }
  }
  if (d->prof.trust_action == SG_TRUST_ACTION_TURN_ON) {
    ev->detail = "TurnOnTrustedMode";
  } else if (d->prof.trust_action == SG_TRUST_ACTION_TURN_OFF) {
    ev->detail = "TurnOffTrustedMode";
  } else if (d->prof.trust_action == SG_TRUST_ACTION_ROTATE) {
    ev->detail = "RotateTrustedCertificate";
  } else if (d->prof.trust_action == SG_TRUST_ACTION_RECOVER) {
    ev->detail = "RecoverTrust";
  } else {
    ev->detail = d->env.is_signed ? "signed profile" : "unsigned profile";
  }
}

int sg_policy_decide(sg_agent *a, const uint8_t *text, size_t len, sg_feed_result *res,
                     sg_event *ev) {
  int ret = SG_ERR_INTERNAL;
  sg_decision d;
  memset(&d, 0, sizeof d);
  d.a = a;
  if (a->trust.state == SG_STATE_LOCKED && a->cfg.recovery_cert == NULL) {
    return SG_ERR_LOCKED; /* only a recovery profile is even read (defect 10) */
  }
  if (a->trust.state != SG_STATE_TRUSTED && a->trust.state != SG_STATE_UNTRUSTED &&
      a->trust.state != SG_STATE_LOCKED) {
    return SG_ERR_INTERNAL; /* not a state we ever set: memory fault, refuse */
  }
  sg_arena_init(&d.arena, a->arena, sizeof a->arena);
  sg_json_use_agent_allocator(); /* until the end of this decision only */
  d.eff = sg_agent_effective_time(a);
  ret = sg_agent_activate_due(a, d.eff);
  if (ret == SG_OK) {
    ret = sg_envelope_parse(text, len, &d.arena, &d.env);
  }
  if (ret == SG_OK) {
    if (d.env.is_signed) {
      ret = sg_decide_signed(&d, res);
    } else {
      ret = sg_profile_parse(d.env.payload, d.env.payload_len, &d.arena, &d.prof);
      if (ret == SG_OK) {
        ret = sg_decide_unsigned(&d);
      }
    }
  }
  sg_report(&d, res, ev);
  ev->profile_name = res->profile_name;
  sg_profile_free(&d.prof);
  sg_json_restore_default_allocator();
  return ret;
}

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
#include "json.h"
#include "profile.h"
#include "sg_crypto.h"

typedef enum {
  SG_SIGNER_UNRESOLVED = 0,
  SG_SIGNER_X5C = 0x51,     /* leaf of the header's x5c */
  SG_SIGNER_ANCHOR = 0x52,  /* the trust slot's anchor */
  SG_SIGNER_PENDING = 0x53, /* the pending rotation certificate */
  SG_SIGNER_PROFILE = 0x54, /* the certificate the profile deploys */
} sg_signer_src;

typedef struct {
  sg_signer_src src;
  const uint8_t *der;
  size_t der_len;
  int verified; /* SG_ACCEPTED once the signature checked out */
} sg_signer;

typedef struct {
  sg_agent *a;
  sg_arena arena;
  sg_envelope env;
  sg_profile prof;
  sg_signer signers[SG_MAX_SIGNATURES];
  int64_t eff;
  const char *unhandled_csp; /* issue 9 / defect 12 (wip-parse): named in the result */
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
    *out = (sg_signer){SG_SIGNER_X5C, s->x5c[0], s->x5c_len[0], 0};
  } else if (t->state == SG_STATE_TRUSTED && sg_ct_equal(s->x5t, d->a->anchor_sha256, 32)) {
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

/* Parse a certificate into an mbedtls_x509_crt living in the arena. */
static mbedtls_x509_crt *sg_crt_new(sg_decision *d) {
  mbedtls_x509_crt *crt = sg_arena_alloc(&d->arena, sizeof *crt);
  if (crt != NULL) {
    mbedtls_x509_crt_init(crt);
  }
  return crt;
}

/* Verify one signature with its signer's key; the signer's certificate
 * must be valid at the effective time. */
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
    ret = sg_cert_check_time(crt, d->eff);
    if (ret == SG_OK) {
      ret = SG_ACCEPTED;
      sg->verified = SG_ACCEPTED;
    }
  }
  if (crt != cached) {
    mbedtls_x509_crt_free(crt);
  }
  return ret;
}

/* Is this (verified) signer the anchor, or does it chain to a CA anchor? */
static int sg_authorized_by_anchor(sg_decision *d, unsigned i) {
  int ret = SG_ERR_UNKNOWN_SIGNER;
  const sg_trust_record *t = &d->a->trust;
  const sg_signer *sg = &d->signers[i];
  const sg_jws_signature *s = &d->env.sigs[i];
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
  mbedtls_x509_crt *cached = sg_agent_anchor(d->a);
  mbedtls_x509_crt *anchor = cached != NULL ? cached : sg_crt_new(d);
  mbedtls_x509_crt *chain = sg_crt_new(d);
  if (chain == NULL || anchor == NULL) {
    return SG_ERR_TOO_LARGE;
  }
  ret = cached != NULL ? SG_OK : sg_cert_parse_der_nocopy(anchor, t->anchor, t->anchor_len);
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

static int sg_authorize_untrusted(sg_decision *d) {
  const sg_profile *p = &d->prof;
  if (p->trust_action == SG_TRUST_ACTION_TURN_OFF || p->trust_action == SG_TRUST_ACTION_ROTATE) {
    return SG_ERR_NOT_TRUSTED;
  }
  if (d->env.nsig != 1) {
    return SG_ERR_FORMAT;
  }
  if (p->trust_action == SG_TRUST_ACTION_TURN_ON) {
    /* Proof of possession: signed by the key of the certificate deployed. */
    if (!sg_der_equal(d->signers[0].der, d->signers[0].der_len, p->cert, p->cert_len)) {
      return SG_ERR_NO_POSSESSION;
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
  const sg_profile *p = &d->prof;
  const sg_trust_record *t = &d->a->trust;
  if (!p->has_seq || !p->has_iat) {
    return SG_ERR_PROFILE_FORMAT;
  }
  const int strict = p->trust_action == SG_TRUST_ACTION_TURN_OFF ||
                     p->trust_action == SG_TRUST_ACTION_ROTATE;
  if (strict ? p->seq <= t->seq_floor : p->seq < t->seq_floor) {
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
static int sg_handlers(sg_decision *d) {
  const cJSON *act;
  cJSON_ArrayForEach(act, d->prof.actions) {
    const char *csp = sg_json_member(act, "csp")->valuestring;
    if (strcmp(csp, "Batch") == 0) {
      continue;
    }
    const sg_action_handler *h = sg_find_handler(d->a, csp);
    if (h == NULL || h->run == NULL) {
      d->unhandled_csp = csp; /* issue 9 / defect 12 (wip-parse) */
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

/* Apply the profile's trust change and floors to the record, then commit. */
static int sg_apply(sg_decision *d, int *changed) {
  sg_trust_record *t = &d->a->trust;
  const sg_profile *p = &d->prof;
  const uint64_t seq_floor_before = t->seq_floor;
  const uint64_t time_floor_before = t->time_floor;
  *changed = 0;
  switch (p->trust_action) {
    case SG_TRUST_ACTION_TURN_ON:
      if (t->state != SG_STATE_TRUSTED) {
        t->state = SG_STATE_TRUSTED;
        t->mode = p->anchor_mode;
        memcpy(t->anchor, p->cert, p->cert_len);
        t->anchor_len = (uint32_t)p->cert_len;
        t->pending_len = 0;
        *changed = 1;
      }
      break;
    case SG_TRUST_ACTION_TURN_OFF:
      t->state = SG_STATE_UNTRUSTED;
      t->mode = SG_ANCHOR_NONE;
      sg_wipe(t->anchor, sizeof t->anchor);
      t->anchor_len = 0;
      sg_wipe(t->pending, sizeof t->pending);
      t->pending_len = 0;
      t->activate_at = 0;
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
  if (p->seq > t->seq_floor) {
    t->seq_floor = p->seq;
  }
  if (p->iat > t->time_floor) {
    t->time_floor = p->iat;
  }
  const int dirty =
      *changed || t->seq_floor != seq_floor_before || t->time_floor != time_floor_before;
  if (!dirty) {
    return SG_OK;
  }
  int ret = sg_agent_commit(d->a);
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
  int unresolved = 0;
  /* 1. Signers known without reading the payload: verify them first. */
  for (unsigned i = 0; i < d->env.nsig; i++) {
    ret = sg_signer_resolve(d, &d->env.sigs[i], NULL, &d->signers[i]);
    if (ret == SG_ERR_UNKNOWN_SIGNER) {
      unresolved++;
      continue;
    }
    if (ret == SG_OK) {
      ret = sg_signer_verify(d, &d->env.sigs[i], &d->signers[i]);
    }
    if (ret != SG_ACCEPTED) {
      return ret;
    }
  }
  /* 2. The profile itself. */
  ret = sg_profile_parse(d->env.payload, d->env.payload_len, &d->arena, &d->prof);
  if (ret != SG_OK) {
    return ret;
  }
  /* Nothing to turn off or rotate on an untrusted device, whoever signed. */
  if (d->a->trust.state != SG_STATE_TRUSTED &&
      (d->prof.trust_action == SG_TRUST_ACTION_TURN_OFF ||
       d->prof.trust_action == SG_TRUST_ACTION_ROTATE)) {
    return SG_ERR_NOT_TRUSTED;
  }
  /* 3. A signer that is the certificate the profile deploys (TurnOn's
   *    proof of possession, the new key of a rotation). */
  for (unsigned i = 0; unresolved > 0 && i < d->env.nsig; i++) {
    if (d->signers[i].src != SG_SIGNER_UNRESOLVED) {
      continue;
    }
    ret = sg_signer_resolve(d, &d->env.sigs[i], &d->prof, &d->signers[i]);
    if (ret == SG_OK) {
      ret = sg_signer_verify(d, &d->env.sigs[i], &d->signers[i]);
    }
    if (ret != SG_ACCEPTED) {
      return ret;
    }
  }
  /* 4. Is that signer allowed to do this, in this state? */
  ret = d->a->trust.state == SG_STATE_TRUSTED ? sg_authorize_trusted(d) : sg_authorize_untrusted(d);
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
  } else {
    ev->detail = d->env.is_signed ? "signed profile" : "unsigned profile";
  }
  /* issue 9 / defect 12 (wip-parse): "no handler" names the CSP. */
  if (d->unhandled_csp != NULL) {
    sg_detail_no_handler(res->detail, sizeof res->detail, d->unhandled_csp);
    ev->detail = res->detail;
  }
}

int sg_policy_decide(sg_agent *a, const uint8_t *text, size_t len, sg_feed_result *res,
                     sg_event *ev) {
  int ret = SG_ERR_INTERNAL;
  sg_decision d;
  memset(&d, 0, sizeof d);
  d.a = a;
  if (a->trust.state == SG_STATE_LOCKED) {
    return SG_ERR_LOCKED;
  }
  if (a->trust.state != SG_STATE_TRUSTED && a->trust.state != SG_STATE_UNTRUSTED) {
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

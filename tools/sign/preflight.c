/*
 * Preflight: after a profile is signed in memory and before anything is
 * written, refuse what the devices it is for would refuse, with the fix in
 * the message. There is no --force: a sheet every device refuses helps
 * nobody, and for trust changes a sheet some devices accept by accident is
 * worse.
 *
 * The decision is the device's own: the signed text is fed to a real
 * sg_agent (sg_device.h) in the state `--for` names -- a factory device,
 * or a device trusted with the anchor (sg_pf_anchor says which) -- and its
 * sg_err is mapped to a message for the administrator (sg_pf_explain).
 * Only what a device does not refuse but the signer should stays a signer
 * rule here: x5c never carries a self-signed root (devices hold their
 * anchor; shipping it only makes more barcodes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/x509.h"
#include "sg_device.h"
#include "sg_sign.h"

/* Subject of a certificate, for messages. */
static const char *sg_pf_subject(const mbedtls_x509_crt *c, char *buf, size_t size) {
  if (c == NULL || c->raw.p == NULL || mbedtls_x509_dn_gets(buf, size, &c->subject) < 0) {
    (void)snprintf(buf, size, "(unknown)");
  }
  return buf;
}

/* Subject of a DER certificate, for messages. */
static const char *sg_pf_der_subject(const uint8_t *der, size_t len, char *buf, size_t size) {
  mbedtls_x509_crt c;
  mbedtls_x509_crt_init(&c);
  if (der == NULL || mbedtls_x509_crt_parse_der(&c, der, len) != 0) {
    (void)snprintf(buf, size, "(unknown)");
  } else {
    (void)sg_pf_subject(&c, buf, size);
  }
  mbedtls_x509_crt_free(&c);
  return buf;
}

static int sg_pf_self_signed(const mbedtls_x509_crt *c) {
  return c->issuer_raw.len == c->subject_raw.len &&
         memcmp(c->issuer_raw.p, c->subject_raw.p, c->subject_raw.len) == 0;
}

static int sg_pf_same(const mbedtls_x509_crt *a, const uint8_t *der, size_t len) {
  return a->raw.p != NULL && a->raw.len == len && memcmp(a->raw.p, der, len) == 0;
}

/* Did `ca` (DER) issue the signer's certificate or one of its chain?
 * Names only, to guess what the administrator means; the device checks
 * the signatures. */
static int sg_pf_issued_by(const sg_signer *s, const uint8_t *der, size_t len) {
  int found = 0;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt_init(&ca);
  if (der != NULL && mbedtls_x509_crt_parse_der(&ca, der, len) == 0) {
    for (const mbedtls_x509_crt *c = &s->leaf; c != NULL && c->raw.p != NULL && !found;
         c = c == &s->leaf ? (s->has_chain ? &s->chain : NULL) : c->next) {
      found = c->issuer_raw.len == ca.subject_raw.len &&
              memcmp(c->issuer_raw.p, ca.subject_raw.p, ca.subject_raw.len) == 0;
    }
  }
  mbedtls_x509_crt_free(&ca);
  return found;
}

/* What the profile asks, read once from the prepared payload. */
typedef struct {
  const char *action;       /* the Batch action's name, or NULL */
  const sg_batch_row *row;  /* its row in the device's table, or NULL */
  sg_anchor_mode turn_on;   /* TurnOn: its anchor mode; SG_ANCHOR_NONE otherwise */
  uint8_t *deployed;        /* TurnOn/Rotate: the certificate (DER, heap), or NULL */
  size_t deployed_len;
  const char *csps[SG_MAX_HANDLERS + 1];
  size_t n_csps;
  const char *model, *serial; /* first of the target's lists, NULL when absent */
  double iat, exp;
  int has_exp;
} sg_pf_profile;

static int sg_pf_read(const cJSON *payload, sg_pf_profile *p) {
  const cJSON *a;
  memset(p, 0, sizeof *p);
  cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(payload, "actions")) {
    const cJSON *csp = cJSON_GetObjectItemCaseSensitive(a, "csp");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "action");
    if (!cJSON_IsString(csp)) {
      continue; /* sg_profile_prepare refused it already */
    }
    if (strcmp(csp->valuestring, "Batch") == 0) {
      const cJSON *cert = cJSON_GetObjectItemCaseSensitive(a, "certificate");
      const cJSON *mode = cJSON_GetObjectItemCaseSensitive(a, "anchor");
      p->action = cJSON_IsString(name) ? name->valuestring : NULL;
      if (cJSON_IsString(cert) && p->deployed == NULL &&
          sg_b64_decode_alloc(cert->valuestring, strlen(cert->valuestring), 0, &p->deployed,
                              &p->deployed_len) != 0) {
        return sg_fail("preflight: the Batch action's certificate is not base64");
      }
      p->row = sg_batch_find(p->action);
      if (p->row != NULL && p->row->kind == SG_BATCH_TURN_ON) {
        p->turn_on = cJSON_IsString(mode) && strcmp(mode->valuestring, "ca") == 0
                         ? SG_ANCHOR_CA
                         : SG_ANCHOR_PINNED;
      }
      continue;
    }
    int seen = 0;
    for (size_t i = 0; i < p->n_csps && !seen; i++) {
      seen = strcmp(p->csps[i], csp->valuestring) == 0;
    }
    if (!seen && p->n_csps <= SG_MAX_HANDLERS) {
      p->csps[p->n_csps++] = csp->valuestring; /* one past the limit: sg_device_decide says */
    }
  }
  const cJSON *target = cJSON_GetObjectItemCaseSensitive(payload, "target");
  const cJSON *models = cJSON_GetObjectItemCaseSensitive(target, "models");
  const cJSON *serials = cJSON_GetObjectItemCaseSensitive(target, "serials");
  if (cJSON_IsArray(models) && cJSON_IsString(models->child)) {
    p->model = models->child->valuestring;
  }
  if (cJSON_IsArray(serials) && cJSON_IsString(serials->child)) {
    p->serial = serials->child->valuestring;
  }
  const cJSON *iat = cJSON_GetObjectItemCaseSensitive(payload, "iat");
  const cJSON *exp = cJSON_GetObjectItemCaseSensitive(payload, "exp");
  p->iat = cJSON_IsNumber(iat) ? iat->valuedouble : 0;
  p->has_exp = cJSON_IsNumber(exp);
  p->exp = p->has_exp ? exp->valuedouble : 0;
  return SG_EXIT_OK;
}

/*
 * The anchor of "a device trusted with this anchor" (README "Preflight"):
 *  1. --anchor FILE: that certificate; "ca" if it issued the signer's
 *     certificate (or one of its chain), pinned otherwise;
 *  2. a TurnOn: the certificate it deploys, in its mode (a device already
 *     trusting it scans it again);
 *  3. a signer that is not a CA and brings its CA (a .p12 chain or
 *     --chain): "ca", the top certificate of that chain;
 *  4. otherwise the signer's own certificate, pinned.
 */
static void sg_pf_anchor(const sg_pf_profile *p, const sg_signer *s,
                         const mbedtls_x509_crt *given, sg_device_setup *d) {
  d->state = SG_STATE_TRUSTED;
  if (given != NULL && given->raw.p != NULL) {
    d->anchor = given->raw.p;
    d->anchor_len = given->raw.len;
    d->mode = !sg_pf_same(&s->leaf, given->raw.p, given->raw.len) &&
                      sg_pf_issued_by(s, given->raw.p, given->raw.len)
                  ? SG_ANCHOR_CA
                  : SG_ANCHOR_PINNED;
    return;
  }
  if (p->turn_on != SG_ANCHOR_NONE && p->deployed != NULL) {
    d->anchor = p->deployed;
    d->anchor_len = p->deployed_len;
    d->mode = p->turn_on;
    return;
  }
  const mbedtls_x509_crt *top = NULL;
  for (const mbedtls_x509_crt *c = s->has_chain ? &s->chain : NULL; c != NULL && c->raw.p != NULL;
       c = c->next) {
    top = c;
  }
  if (top != NULL && !s->leaf.MBEDTLS_PRIVATE(ca_istrue)) {
    d->anchor = top->raw.p;
    d->anchor_len = top->raw.len;
    d->mode = SG_ANCHOR_CA;
    return;
  }
  d->anchor = s->leaf.raw.p;
  d->anchor_len = s->leaf.raw.len;
  d->mode = SG_ANCHOR_PINNED;
}

/* What the administrator reads: the device's reason, and the fix. */
static int sg_pf_explain(int code, const sg_device_answer *ans, const sg_pf_profile *p,
                         const sg_signer *s, const sg_device_setup *d, int with_x5c,
                         sg_preflight_for audience) {
  char who[256], dep[256], anc[256];
  const char *name = sg_strerror_name(code);
  const char *reason = strncmp(name, "SG_ERR_", 7) == 0 ? name + 7 : name;
  const int factory = audience == SG_PREFLIGHT_FACTORY;
  const char *action = p->action != NULL ? p->action : "this profile";
  const int by_deployed = p->deployed != NULL && sg_pf_same(&s->leaf, p->deployed, p->deployed_len);
  (void)sg_pf_subject(&s->leaf, who, sizeof who);
  (void)sg_pf_der_subject(p->deployed, p->deployed_len, dep, sizeof dep);
  (void)sg_pf_der_subject(d->anchor, d->anchor_len, anc, sizeof anc);
  const char *devices = factory ? "factory devices" : "devices trusting";
  char trusting[300];
  (void)snprintf(trusting, sizeof trusting, "%s%s%s%s", devices, factory ? "" : " \"",
                 factory ? "" : anc, factory ? "" : "\"");
  /* A TurnOn signed by a key that has nothing to do with what it deploys
   * (under "ca": not issued by that CA, whatever the device tripped on). */
  const int stranger = p->turn_on != SG_ANCHOR_CA ||
                       !sg_pf_issued_by(s, p->deployed, p->deployed_len);
  if (p->turn_on != SG_ANCHOR_NONE && !by_deployed &&
      (code == SG_ERR_NO_POSSESSION || (code == SG_ERR_CERT_USAGE && stranger) ||
       (code == SG_ERR_UNKNOWN_SIGNER && (stranger || with_x5c)))) {
    return sg_fail("preflight: this TurnOn deploys \"%s\" but is signed by \"%s\": every device "
                   "refuses it (%s). Sign it with the key of the certificate it deploys%s",
                   dep, who, reason,
                   p->turn_on == SG_ANCHOR_CA
                       ? " (anchor \"ca\": the CA's own key, e.g. the CA's .p12, or a leaf the "
                         "CA issued with the document-signing EKU, with --x5c)"
                       : " (its .pfx, or --key/--cert of that certificate)");
  }
  switch (code) {
    case SG_ERR_UNKNOWN_SIGNER:
      if (p->turn_on == SG_ANCHOR_CA) {
        return sg_fail("preflight: this TurnOn (anchor \"ca\") is signed by \"%s\" without x5c: "
                       "a factory device cannot see that it chains to \"%s\" (%s). Add --x5c",
                       who, dep, reason);
      }
      if (factory) {
        return sg_fail("preflight: signed for factory devices without x5c: a device not in "
                       "Trusted Mode does not know \"%s\" (%s). Add --x5c, or leave the "
                       "profile unsigned",
                       who, reason);
      }
      if (d->mode == SG_ANCHOR_CA) {
        return sg_fail("preflight: devices trusting the CA \"%s\" know the signer \"%s\" only "
                       "from x5c (%s). Add --x5c",
                       anc, who, reason);
      }
      return sg_fail("preflight: signed by \"%s\", but devices trusting \"%s\" (anchor pinned) "
                     "accept only that certificate's key (%s). Sign with it, or give --anchor "
                     "FILE with the certificate the devices trust",
                     who, anc, reason);
    case SG_ERR_CERT_USAGE:
      if (by_deployed && p->turn_on == SG_ANCHOR_CA) {
        return sg_fail("preflight: anchor \"ca\" needs a CA certificate (basicConstraints "
                       "CA:TRUE, keyCertSign); \"%s\" is not one: devices refuse it (%s). Use "
                       "anchor \"pinned\" for a single signer's certificate",
                       dep, reason);
      }
      if (by_deployed) {
        return sg_fail("preflight: anchor \"pinned\" needs a certificate allowed to sign "
                       "(keyUsage digitalSignature); \"%s\" is not: devices refuse it (%s)",
                       dep, reason);
      }
      return sg_fail("preflight: \"%s\" has no document-signing EKU (id-kp-documentSigning, "
                     "1.3.6.1.5.5.7.3.36): %s \"%s\" refuse its signature (%s). Sign with the "
                     "CA's own key, or with a certificate the CA issued with extendedKeyUsage = "
                     "1.3.6.1.5.5.7.3.36%s",
                     who, p->turn_on == SG_ANCHOR_CA ? "devices enrolling the CA" : "devices under",
                     p->turn_on == SG_ANCHOR_CA ? dep : anc, reason,
                     p->turn_on == SG_ANCHOR_CA ? ""
                                                : " (devices pinned to this very certificate: "
                                                  "give --anchor with it)");
    case SG_ERR_CHAIN:
      return sg_fail("preflight: \"%s\" does not chain to \"%s\" with the x5c it carries: %s "
                     "refuse it (%s). Sign with a certificate that CA issued, give its "
                     "intermediates with --chain, or --anchor FILE with the CA the devices trust",
                     who, p->turn_on == SG_ANCHOR_CA ? dep : anc,
                     p->turn_on == SG_ANCHOR_CA ? "factory devices" : "devices", reason);
    case SG_ERR_ANCHOR_KEY_REQUIRED:
      return sg_fail("preflight: %s under the CA anchor \"%s\" must be signed by the CA's own "
                     "key, not by \"%s\" (%s). Sign it with the CA's .p12 (or --key/--cert of "
                     "the CA)",
                     action, anc, who, reason);
    case SG_ERR_NOT_TRUSTED:
      return sg_fail("preflight: %s for factory devices: they are not in Trusted Mode and "
                     "refuse it (%s). Drop --for factory",
                     action, reason);
    case SG_ERR_ALREADY_TRUSTED:
      return sg_fail("preflight: %s already trust \"%s\" and refuse a TurnOn of \"%s\" (%s). "
                     "Turn Trusted Mode off first, or rotate (stagegate-sign rotate)",
                     trusting, anc, dep, reason);
    case SG_ERR_EXP_REQUIRED:
      return sg_fail("preflight: %s without \"exp\": devices refuse it (%s). Give --exp (at "
                     "most +7d; the default is +7d)",
                     action, reason);
    case SG_ERR_EXP_TOO_LONG:
      return sg_fail("preflight: %s expires %.0f days after iat: devices accept at most 7 (%s). "
                     "Give --exp +7d or less",
                     action, (p->exp - p->iat) / 86400.0, reason);
    case SG_ERR_PROFILE_EXPIRED:
      return sg_fail("preflight: \"exp\" has passed: devices refuse it (%s). Give a later --exp",
                     reason);
    case SG_ERR_PROFILE_FUTURE:
      return sg_fail("preflight: \"iat\" is more than %u s ahead of this computer's clock: "
                     "devices refuse it until then (%s). Leave --iat out, or check the clock",
                     (unsigned)SG_IAT_SKEW_SECONDS, reason);
    case SG_ERR_CERT_EXPIRED:
    case SG_ERR_CERT_NOT_YET_VALID:
      return sg_fail("preflight: \"%s\" or a certificate of its chain is %s: devices refuse it "
                     "(%s). Sign with a certificate valid today",
                     who, code == SG_ERR_CERT_EXPIRED ? "expired" : "not yet valid", reason);
    case SG_ERR_WEAK_KEY:
    case SG_ERR_KEY_PARAMS:
      return sg_fail("preflight: a key of \"%s\" or its chain is refused by devices (%s: %s). "
                     "Use RSA of 2048 bits or more with exponent 65537, or EC P-256/P-384",
                     who, reason, sg_strerror(code));
    case SG_ERR_NOT_FOR_DEVICE:
      return sg_fail("preflight: the profile's \"target\" matches no device (%s): give both "
                     "lists at least one entry, or no target",
                     reason);
    default:
      break;
  }
  return sg_fail("preflight: %s refuse it: %s (%s)%s%s", trusting, reason, sg_strerror(code),
                 ans->detail[0] != '\0' ? ": " : "", ans->detail);
}

int sg_preflight(const char *text, const cJSON *payload, const sg_signer *const *signers,
                 unsigned n_signers, int with_x5c, const sg_preflight_opts *o) {
  int ret = SG_EXIT_FAIL;
  char subj[256];
  /* A signer rule (devices do not refuse it): x5c = the leaf, then the
   * chain, never a self-signed root after it. */
  for (unsigned k = 0; k < n_signers; k++) {
    const sg_signer *s = signers[k];
    for (const mbedtls_x509_crt *c = with_x5c && s->has_chain && s->x5c_chain ? &s->chain : NULL;
         c != NULL && c->raw.p != NULL; c = c->next) {
      if (sg_pf_self_signed(c)) {
        return sg_fail("preflight: x5c would carry the root \"%s\": devices hold their anchor "
                       "and never need it (it only adds barcodes). Give --chain FILE with the "
                       "intermediates only (--chain none when there are none)",
                       sg_pf_subject(c, subj, sizeof subj));
      }
    }
  }
  if (n_signers == 0) {
    return sg_fail("preflight: nothing signed");
  }
  sg_pf_profile p;
  sg_device_setup d;
  sg_device_answer ans;
  memset(&d, 0, sizeof d);
  if ((ret = sg_pf_read(payload, &p)) != SG_EXIT_OK) {
    goto out;
  }
  d.state = SG_STATE_UNTRUSTED;
  if (o->audience == SG_PREFLIGHT_TRUSTED) {
    sg_pf_anchor(&p, signers[0], o->anchor, &d);
  }
  /* A RecoverTrust is for devices whose firmware compiled in its signer. */
  if (p.row != NULL && p.row->kind == SG_BATCH_RECOVER) {
    d.recovery_cert = signers[0]->leaf.raw.p;
    d.recovery_cert_len = signers[0]->leaf.raw.len;
  }
  d.now = o->now != 0 ? o->now : (int64_t)time(NULL);
  d.model = p.model;
  d.serial = p.serial;
  d.csps = p.csps;
  d.n_csps = p.n_csps;
  ret = sg_device_decide(&d, (const uint8_t *)text, strlen(text), &ans);
  if (ret == SG_EXIT_OK && ans.code != SG_ACCEPTED) {
    ret = sg_pf_explain(ans.code, &ans, &p, signers[0], &d, with_x5c, o->audience);
  }
out:
  sg_free_buf(p.deployed);
  return ret;
}

sg_preflight_for sg_preflight_default_for(const cJSON *profile) {
  return sg_profile_is_turn_on(profile) ? SG_PREFLIGHT_FACTORY : SG_PREFLIGHT_TRUSTED;
}

int sg_preflight_opts_parse(const char *for_opt, sg_preflight_for dflt, const char *anchor_file,
                            mbedtls_x509_crt *anchor, sg_preflight_opts *o) {
  memset(o, 0, sizeof *o);
  mbedtls_x509_crt_init(anchor);
  o->audience = dflt;
  if (for_opt != NULL && strcmp(for_opt, "factory") == 0) {
    o->audience = SG_PREFLIGHT_FACTORY;
  } else if (for_opt != NULL && strcmp(for_opt, "trusted") == 0) {
    o->audience = SG_PREFLIGHT_TRUSTED;
  } else if (for_opt != NULL) {
    return sg_usage("--for '%s': use factory or trusted", for_opt);
  }
  if (anchor_file == NULL) {
    return SG_EXIT_OK;
  }
  if (o->audience == SG_PREFLIGHT_FACTORY) {
    return sg_usage("--anchor names what devices in Trusted Mode hold: not with --for factory");
  }
  const int ret = sg_cert_load_file(anchor, anchor_file);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (anchor->next != NULL && anchor->next->raw.p != NULL) {
    return sg_fail("%s: --anchor takes one certificate, the one devices trust", anchor_file);
  }
  o->anchor = anchor;
  return SG_EXIT_OK;
}

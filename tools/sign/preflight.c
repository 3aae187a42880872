/*
 * Preflight: before a profile is signed and written, refuse what every
 * device would refuse, with the fix in the message. There is no --force:
 * a sheet every device refuses helps nobody, and for trust changes a
 * sheet some devices accept by accident is worse.
 *
 * These are the device's rules (agent/src/policy.c) restated for the
 * signer: a TurnOn is signed by the key of the certificate it deploys
 * (NO_POSSESSION), and that certificate is fit for its anchor mode
 * (CERT_USAGE); a device not in Trusted Mode knows a signer only from x5c
 * (UNKNOWN_SIGNER); TurnOff and Rotate carry exp, at most 7 days after
 * iat; x5c never carries a self-signed root (devices hold the anchor;
 * shipping it only makes more barcodes). When the device library links
 * into the host tools, sg_preflight() is the one function to route
 * through the device's own decision instead (see tools/sign/README.md).
 */
#include <stdio.h>
#include <string.h>

#include "mbedtls/x509.h"
#include "sg_sign.h"

#define SG_TRUST_EXP_MAX (7.0 * 86400.0)

/* Subject of a certificate, for messages. */
static const char *sg_pf_subject(const mbedtls_x509_crt *c, char *buf, size_t size) {
  if (c == NULL || c->raw.p == NULL || mbedtls_x509_dn_gets(buf, size, &c->subject) < 0) {
    (void)snprintf(buf, size, "(unknown)");
  }
  return buf;
}

static int sg_pf_self_signed(const mbedtls_x509_crt *c) {
  return c->issuer_raw.len == c->subject_raw.len &&
         memcmp(c->issuer_raw.p, c->subject_raw.p, c->subject_raw.len) == 0;
}

/* The first Batch action of the payload and its spec, or NULL. */
static const cJSON *sg_pf_batch(const cJSON *payload, const sg_batch_action **spec) {
  const cJSON *a;
  *spec = NULL;
  cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(payload, "actions")) {
    const cJSON *csp = cJSON_GetObjectItemCaseSensitive(a, "csp");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "action");
    if (cJSON_IsString(csp) && strcmp(csp->valuestring, "Batch") == 0 && cJSON_IsString(name)) {
      *spec = sg_batch_action_find(name->valuestring);
      return a;
    }
  }
  return NULL;
}

/* TurnOn: possession and fitness of the deployed certificate. */
static int sg_pf_turn_on(const cJSON *action, const sg_signer *s) {
  int ret = SG_EXIT_FAIL;
  const cJSON *cert = cJSON_GetObjectItemCaseSensitive(action, "certificate");
  const cJSON *anchor = cJSON_GetObjectItemCaseSensitive(action, "anchor");
  const int ca = cJSON_IsString(anchor) && strcmp(anchor->valuestring, "ca") == 0;
  uint8_t *der = NULL;
  size_t len = 0;
  mbedtls_x509_crt deployed;
  mbedtls_x509_crt_init(&deployed);
  char a[256], b[256];
  if (!cJSON_IsString(cert) ||
      sg_b64_decode_alloc(cert->valuestring, strlen(cert->valuestring), 0, &der, &len) != 0 ||
      mbedtls_x509_crt_parse_der(&deployed, der, len) != 0) {
    ret = sg_fail("preflight: the TurnOn's certificate does not parse");
  } else if (len != s->leaf.raw.len || memcmp(der, s->leaf.raw.p, len) != 0) {
    ret = sg_fail("preflight: this TurnOn deploys \"%s\" but is signed by \"%s\": every device "
                  "refuses it (NO_POSSESSION). Sign it with the key of the certificate it "
                  "deploys%s",
                  sg_pf_subject(&deployed, a, sizeof a), sg_pf_subject(&s->leaf, b, sizeof b),
                  ca ? " (anchor \"ca\": the CA's own key, e.g. the CA's .p12)"
                     : " (its .pfx, or --key/--cert of that certificate)");
  } else if (ca && (!deployed.MBEDTLS_PRIVATE(ca_istrue) ||
                    mbedtls_x509_crt_check_key_usage(&deployed, MBEDTLS_X509_KU_KEY_CERT_SIGN) !=
                        0)) {
    ret = sg_fail("preflight: anchor \"ca\" needs a CA certificate (basicConstraints CA:TRUE, "
                  "keyCertSign); \"%s\" is not one: devices refuse it (CERT_USAGE). Use anchor "
                  "\"pinned\" for a single signer's certificate",
                  sg_pf_subject(&deployed, a, sizeof a));
  } else if (!ca &&
             mbedtls_x509_crt_check_key_usage(&deployed, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) {
    ret = sg_fail("preflight: anchor \"pinned\" needs a certificate allowed to sign "
                  "(keyUsage digitalSignature); \"%s\" is not: devices refuse it (CERT_USAGE)",
                  sg_pf_subject(&deployed, a, sizeof a));
  } else {
    ret = SG_EXIT_OK;
  }
  sg_free_buf(der);
  mbedtls_x509_crt_free(&deployed);
  return ret;
}

int sg_preflight(const cJSON *payload, const sg_signer *const *signers, unsigned n_signers,
                 int with_x5c, sg_preflight_for audience) {
  int ret = SG_EXIT_FAIL;
  char subj[256];
  const sg_batch_action *spec = NULL;
  const cJSON *batch = sg_pf_batch(payload, &spec);
  const int turn_on = spec != NULL && strcmp(spec->name, "TurnOnTrustedMode") == 0;
  /* Trust changes carry exp, at most 7 days after iat. */
  if (spec != NULL && spec->default_exp) {
    const cJSON *iat = cJSON_GetObjectItemCaseSensitive(payload, "iat");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(payload, "exp");
    if (!cJSON_IsNumber(exp)) {
      return sg_fail("preflight: %s without \"exp\": devices refuse it. Give --exp (at most "
                     "+7d; the default is +7d)",
                     spec->name);
    }
    if (cJSON_IsNumber(iat) && exp->valuedouble - iat->valuedouble > SG_TRUST_EXP_MAX) {
      return sg_fail("preflight: %s expires %.0f days after iat: devices accept at most 7. "
                     "Give --exp +7d or less",
                     spec->name, (exp->valuedouble - iat->valuedouble) / 86400.0);
    }
  }
  for (unsigned k = 0; k < n_signers; k++) {
    const sg_signer *s = signers[k];
    /* x5c = the leaf, then the chain: never a self-signed root after it. */
    for (const mbedtls_x509_crt *c = with_x5c && s->has_chain ? &s->chain : NULL;
         c != NULL && c->raw.p != NULL; c = c->next) {
      if (sg_pf_self_signed(c)) {
        return sg_fail("preflight: x5c would carry the root \"%s\": devices hold their anchor "
                       "and never need it (it only adds barcodes). Give --chain FILE with the "
                       "intermediates only",
                       sg_pf_subject(c, subj, sizeof subj));
      }
    }
  }
  if (turn_on && n_signers == 1) {
    ret = sg_pf_turn_on(batch, signers[0]);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
  }
  if (audience == SG_PREFLIGHT_FACTORY && spec != NULL && !turn_on) {
    return sg_fail("preflight: %s for factory devices: they are not in Trusted Mode and refuse "
                   "it (NOT_TRUSTED). Drop --for factory",
                   spec->name);
  }
  /* A device not in Trusted Mode knows the signer of anything but a
   * TurnOn (whose certificate names it) only from x5c. */
  if (audience == SG_PREFLIGHT_FACTORY && !turn_on && n_signers > 0 && !with_x5c) {
    return sg_fail("preflight: signed for factory devices without x5c: a device not in "
                   "Trusted Mode does not know \"%s\" (UNKNOWN_SIGNER). Add --x5c, or leave "
                   "the profile unsigned",
                   sg_pf_subject(&signers[0]->leaf, subj, sizeof subj));
  }
  ret = SG_EXIT_OK;
  return ret;
}

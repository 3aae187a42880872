/*
 * `sign` (one signature, JWS compact) and `rotate` (current anchor + new
 * certificate, JWS General JSON serialization).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mbedtls/platform_util.h"
#include "sg_sign.h"

static const char sg_sign_help[] =
    "usage: stagegate-sign sign [options] PROFILE.json\n"
    "\n"
    "Sign a profile; prints the JWS compact serialization\n"
    "b64u(header).b64u(payload).b64u(signature) (or writes it to --out).\n"
    "\n"
    "signing key (one of):\n"
    "  --key FILE --cert FILE   private key and its certificate, PEM or DER; --cert may\n"
    "                           hold the chain after the signer's certificate\n"
    "  --pfx FILE               PKCS#12 (.pfx/.p12) with key and certificate(s)\n"
    "passphrase of --pfx or of an encrypted --key (one of):\n"
    "  --pass-env VAR           from an environment variable (preferred)\n"
    "  --pass-file FILE         first line of a file\n"
    "  --pass TEXT              on the command line (visible to other users!)\n"
    "                           none of these: asked at the terminal (no echo); never\n"
    "                           asked when stdin is not a terminal\n"
    "options:\n"
    "  --alg ALG                ES256, ES384, PS256 or RS256; default from the key\n"
    "                           (P-256 ES256, P-384 ES384, RSA PS256)\n"
    "  --x5c                    put the certificate chain (x5c) in the header: needed\n"
    "                           when devices trust a CA rather than this certificate\n"
    "  --chain FILE             intermediates for x5c (default: the .pfx's other certs);\n"
    "                           --chain none: x5c is the signer's certificate alone\n"
    "  --seq N                  the profile's seq, if the file has none (default: the\n"
    "                           signing time in milliseconds, which only grows)\n"
    "  --iat T                  issued-at (default: the file's, or now)\n"
    "  --exp T                  expiry (default: none; iat + 7 days for TurnOff and\n"
    "                           Rotate)\n"
    "  times T: 2027-01-01, 2027-01-01T12:00Z, +30d / +12h / +90m (after iat), 'now'\n"
    "           or Unix seconds\n"
    "  --out FILE               write the signed profile here instead of stdout\n"
    "  --for WHO                the devices it is for: trusted (in Trusted Mode; the\n"
    "                           default) or factory (not in Trusted Mode; the default\n"
    "                           for TurnOn)\n"
    "  --anchor FILE            the certificate trusted devices hold (default: the\n"
    "                           TurnOn's certificate, the CA of the .pfx/--chain for a\n"
    "                           leaf, else the signer's own); a CA that issued the\n"
    "                           signer means anchor \"ca\", anything else \"pinned\"\n"
    "\n"
    "Preflight: the signed profile is fed, before anything is written, to the\n"
    "device library's own agent in the state --for names (a factory device, or\n"
    "one trusted with the anchor, its clock this computer's) and whatever it\n"
    "refuses is refused here with the reason and the fix (a TurnOn not signed by\n"
    "the key of the certificate it deploys, TurnOff/Rotate beyond 7 days, a\n"
    "signed profile for factory devices without x5c, ...); x5c carrying a root\n"
    "is refused too. It cannot be overridden.\n"
    "\n"
    "In the profile, \"certificate\": \"@cert.pem\" in an action is replaced by that\n"
    "certificate's DER in base64 (path relative to the profile's directory).\n";

static const char sg_rotate_help[] =
    "usage: stagegate-sign rotate [options] PROFILE.json\n"
    "\n"
    "Sign a certificate rotation with the current anchor key and the new key;\n"
    "prints the JWS General JSON serialization\n"
    "{\"payload\":...,\"signatures\":[{current anchor},{new certificate}]}.\n"
    "\n"
    "keys: --old-key/--old-cert or --old-pfx, and --new-key/--new-cert or --new-pfx;\n"
    "      passphrases with --old-pass-env/--old-pass-file/--old-pass and the --new-\n"
    "      equivalents; --old-alg/--new-alg, --old-chain/--new-chain as for `sign`.\n"
    "options:\n"
    "  --activate-at T          when the new certificate takes over (a time as for\n"
    "                           `sign`, e.g. +7d), if the profile's action has none\n"
    "  --seq N, --iat T, --exp T, --x5c, --out FILE   as for `sign`\n"
    "  --anchor FILE            as for `sign`, the old certificate standing for the signer\n"
    "\n"
    "Preflight as for `sign`, on devices in Trusted Mode.\n"
    "\n"
    "The profile's Batch RotateTrustedCertificate action is added if missing; its\n"
    "certificate is filled with the new certificate and must be it if present.\n";

char *sg_dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  const size_t n = slash == NULL || strcmp(path, "-") == 0 ? 0 : (size_t)(slash - path);
  char *d = malloc(n + 2);
  if (d != NULL) {
    memcpy(d, path, n);
    d[n] = '\0';
    if (slash == path) { /* "/x.json" */
      d[0] = '/';
      d[1] = '\0';
    }
  }
  return d;
}

/* One signature over header + payload: fills *protected64 and *sig64. */
static int sg_sign_one(sg_signer *s, sg_jws_alg alg, int x5c, const char *payload,
                       char **protected64, char **sig64) {
  int ret = SG_EXIT_FAIL;
  char *header = NULL, *input = NULL;
  uint8_t sig[SG_JWS_SIG_MAX];
  size_t sig_len = 0;
  *protected64 = NULL;
  *sig64 = NULL;
  ret = sg_jws_header(s, alg, x5c, &header);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  input = sg_jws_signing_input(header, payload);
  if (input == NULL) {
    ret = sg_fail("out of memory");
    goto out;
  }
  ret = sg_jws_sign(s, alg, (const uint8_t *)input, strlen(input), sig, &sig_len);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  *sig64 = sg_b64_encode_alloc(sig, sig_len, 1);
  *protected64 = sg_b64_encode_alloc((const uint8_t *)header, strlen(header), 1);
  if (*sig64 == NULL || *protected64 == NULL) {
    free(*sig64);
    free(*protected64);
    *sig64 = *protected64 = NULL;
    ret = sg_fail("out of memory");
  }
out:
  free(header);
  free(input);
  return ret;
}

int sg_sign_compact(sg_signer *s, sg_jws_alg alg, int x5c, const cJSON *root, char **jws) {
  int ret = SG_EXIT_FAIL;
  char *h64 = NULL, *sig64 = NULL, *p64 = NULL;
  char *payload = cJSON_PrintUnformatted(root);
  *jws = NULL;
  if (payload == NULL) {
    return sg_fail("out of memory");
  }
  ret = sg_sign_one(s, alg, x5c, payload, &h64, &sig64);
  if (ret == SG_EXIT_OK) {
    p64 = sg_b64_encode_alloc((const uint8_t *)payload, strlen(payload), 1);
    const size_t size = (p64 != NULL ? strlen(p64) : 0) + strlen(h64) + strlen(sig64) + 3;
    *jws = p64 != NULL ? malloc(size) : NULL;
    if (*jws == NULL) {
      ret = sg_fail("out of memory");
    } else {
      (void)snprintf(*jws, size, "%s.%s.%s", h64, p64, sig64);
    }
  }
  free(p64);
  free(h64);
  free(sig64);
  cJSON_free(payload);
  return ret;
}

static int sg_emit(const char *out_path, const char *text) {
  const size_t n = strlen(text);
  char *line = malloc(n + 2);
  if (line == NULL) {
    return sg_fail("out of memory");
  }
  memcpy(line, text, n);
  line[n] = '\n';
  line[n + 1] = '\0';
  const int ret = sg_write_file(out_path != NULL ? out_path : "-", line, n + 1);
  free(line);
  return ret;
}

int sg_cmd_sign(int argc, char **argv) {
  int ret = SG_EXIT_USAGE;
  sg_key_source src = {0};
  const char *alg_opt = NULL, *x5c = NULL, *out = NULL, *for_opt = NULL, *anchor_opt = NULL;
  sg_profile_opts po = {0};
  const sg_opt opts[] = {
      {"key", 1, &src.key},       {"cert", 1, &src.cert},
      {"pfx", 1, &src.pfx},       {"chain", 1, &src.chain},
      {"pass", 1, &src.pass},     {"pass-env", 1, &src.pass_env},
      {"pass-file", 1, &src.pass_file}, {"alg", 1, &alg_opt},
      {"x5c", 0, &x5c},           {"seq", 1, &po.seq},
      {"iat", 1, &po.iat},        {"exp", 1, &po.exp},
      {"out", 1, &out},           {"for", 1, &for_opt},
      {"anchor", 1, &anchor_opt}, {NULL, 0, NULL},
  };
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  src.what = "";
  ret = sg_opts_parse(argc, argv, opts, pos, 1, &n_pos, &help);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    fputs(sg_sign_help, stdout);
    return SG_EXIT_OK;
  }
  if (n_pos != 1) {
    return sg_usage("sign needs one profile file (see sign --help)");
  }
  sg_signer s;
  cJSON *root = NULL;
  char *dir = NULL, *jws = NULL;
  sg_preflight_opts pf;
  mbedtls_x509_crt anchor;
  mbedtls_x509_crt_init(&anchor);
  sg_signer_init(&s);
  sg_jws_alg alg = SG_JWS_NONE;
  if ((ret = sg_signer_load(&s, &src)) != SG_EXIT_OK ||
      (ret = sg_jws_pick_alg(s.key, alg_opt, s.label, &alg)) != SG_EXIT_OK ||
      (ret = sg_profile_read(pos[0], &root)) != SG_EXIT_OK) {
    goto out;
  }
  dir = sg_dirname(pos[0]);
  po.base_dir = dir;
  if (dir == NULL) {
    ret = sg_fail("out of memory");
    goto out;
  }
  ret = sg_profile_prepare(root, &po);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  ret = sg_preflight_opts_parse(for_opt, sg_preflight_default_for(root), anchor_opt, &anchor, &pf);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  /* Signed in memory, then judged by the device's own code, then written. */
  ret = sg_sign_compact(&s, alg, x5c != NULL, root, &jws);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  {
    const sg_signer *one[1] = {&s};
    ret = sg_preflight(jws, root, one, 1, x5c != NULL, &pf);
    if (ret != SG_EXIT_OK) {
      goto out;
    }
  }
  ret = sg_emit(out, jws);
out:
  free(jws);
  free(dir);
  cJSON_Delete(root);
  sg_signer_free(&s);
  mbedtls_x509_crt_free(&anchor);
  return ret;
}

static int sg_is_rotate(const cJSON *a) {
  const cJSON *csp = cJSON_GetObjectItemCaseSensitive(a, "csp");
  const cJSON *act = cJSON_GetObjectItemCaseSensitive(a, "action");
  return cJSON_IsString(csp) && strcmp(csp->valuestring, "Batch") == 0 && cJSON_IsString(act) &&
         strcmp(act->valuestring, "RotateTrustedCertificate") == 0;
}

/* Find (or add) the one RotateTrustedCertificate action and complete it. */
static int sg_rotate_action(cJSON *root, const char *new_b64, const char *activate_at,
                            const char *iat_cli, cJSON **found) {
  cJSON *actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
  *found = NULL;
  if (actions == NULL) {
    actions = cJSON_AddArrayToObject(root, "actions");
  }
  if (!cJSON_IsArray(actions)) {
    return sg_fail("\"actions\" must be an array");
  }
  unsigned count = 0;
  cJSON *rot = NULL;
  for (cJSON *a = actions->child; a != NULL; a = a->next) {
    if (sg_is_rotate(a)) {
      rot = a;
      count++;
    }
  }
  if (count > 1) {
    return sg_fail("the profile has %u RotateTrustedCertificate actions; one is allowed", count);
  }
  if (rot == NULL) {
    rot = cJSON_CreateObject();
    if (rot == NULL || cJSON_AddStringToObject(rot, "csp", "Batch") == NULL ||
        cJSON_AddStringToObject(rot, "action", "RotateTrustedCertificate") == NULL ||
        !cJSON_AddItemToArray(actions, rot)) {
      cJSON_Delete(rot);
      return sg_fail("out of memory");
    }
  }
  if (cJSON_GetObjectItemCaseSensitive(rot, "certificate") == NULL &&
      cJSON_AddStringToObject(rot, "certificate", new_b64) == NULL) {
    return sg_fail("out of memory");
  }
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(rot, "activate_at");
  if (activate_at != NULL) {
    /* "+7d" counts from iat: the file's, --iat, or now. */
    double base = (double)time(NULL), v = 0;
    const cJSON *iat = cJSON_GetObjectItemCaseSensitive(root, "iat");
    int ret = SG_EXIT_OK;
    if (cJSON_IsNumber(iat)) {
      base = iat->valuedouble;
    } else if (iat_cli != NULL) {
      ret = sg_parse_time(iat_cli, base, "--iat", &base);
    }
    ret = ret != SG_EXIT_OK ? ret : sg_parse_time(activate_at, base, "--activate-at", &v);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
    if (at != NULL && (!cJSON_IsNumber(at) || at->valuedouble != v)) {
      return sg_usage("activate_at is in the profile and differs from --activate-at: keep one");
    }
    if (at == NULL && cJSON_AddNumberToObject(rot, "activate_at", v) == NULL) {
      return sg_fail("out of memory");
    }
  } else if (at == NULL) {
    return sg_usage("the rotation has no activate_at: add it or give --activate-at T");
  }
  *found = rot;
  return SG_EXIT_OK;
}

int sg_cmd_rotate(int argc, char **argv) {
  int ret = SG_EXIT_USAGE;
  sg_key_source src[2] = {{0}, {0}};
  const char *alg_opt[2] = {NULL, NULL};
  const char *x5c = NULL, *out = NULL, *anchor_opt = NULL;
  sg_profile_opts po = {0};
  const sg_opt opts[] = {
      {"old-key", 1, &src[0].key},
      {"old-cert", 1, &src[0].cert},
      {"old-pfx", 1, &src[0].pfx},
      {"old-chain", 1, &src[0].chain},
      {"old-pass", 1, &src[0].pass},
      {"old-pass-env", 1, &src[0].pass_env},
      {"old-pass-file", 1, &src[0].pass_file},
      {"old-alg", 1, &alg_opt[0]},
      {"new-key", 1, &src[1].key},
      {"new-cert", 1, &src[1].cert},
      {"new-pfx", 1, &src[1].pfx},
      {"new-chain", 1, &src[1].chain},
      {"new-pass", 1, &src[1].pass},
      {"new-pass-env", 1, &src[1].pass_env},
      {"new-pass-file", 1, &src[1].pass_file},
      {"new-alg", 1, &alg_opt[1]},
      {"x5c", 0, &x5c},
      {"seq", 1, &po.seq},
      {"iat", 1, &po.iat},
      {"exp", 1, &po.exp},
      {"activate-at", 1, &po.activate_at},
      {"out", 1, &out},
      {"anchor", 1, &anchor_opt},
      {NULL, 0, NULL},
  };
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  src[0].what = "old-";
  src[1].what = "new-";
  ret = sg_opts_parse(argc, argv, opts, pos, 1, &n_pos, &help);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    fputs(sg_rotate_help, stdout);
    return SG_EXIT_OK;
  }
  if (n_pos != 1) {
    return sg_usage("rotate needs one profile file (see rotate --help)");
  }
  sg_signer s[2];
  sg_jws_alg alg[2] = {SG_JWS_NONE, SG_JWS_NONE};
  cJSON *root = NULL, *rot = NULL;
  char *payload = NULL, *p64 = NULL, *dir = NULL, *new_b64 = NULL, *doc = NULL;
  char *h64[2] = {NULL, NULL}, *sig64[2] = {NULL, NULL};
  sg_preflight_opts pf;
  mbedtls_x509_crt anchor;
  mbedtls_x509_crt_init(&anchor);
  sg_signer_init(&s[0]);
  sg_signer_init(&s[1]);
  ret = SG_EXIT_OK;
  for (int k = 0; k < 2 && ret == SG_EXIT_OK; k++) {
    ret = sg_signer_load(&s[k], &src[k]);
    if (ret == SG_EXIT_OK) {
      ret = sg_jws_pick_alg(s[k].key, alg_opt[k], s[k].label, &alg[k]);
    }
  }
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  if (s[0].leaf.raw.len == s[1].leaf.raw.len &&
      memcmp(s[0].leaf.raw.p, s[1].leaf.raw.p, s[0].leaf.raw.len) == 0) {
    ret = sg_fail("the old and the new certificate are the same: nothing to rotate");
    goto out;
  }
  new_b64 = sg_cert_b64(&s[1].leaf);
  dir = sg_dirname(pos[0]);
  if (new_b64 == NULL || dir == NULL) {
    ret = sg_fail("out of memory");
    goto out;
  }
  po.base_dir = dir;
  if ((ret = sg_profile_read(pos[0], &root)) != SG_EXIT_OK ||
      (ret = sg_rotate_action(root, new_b64, po.activate_at, po.iat, &rot)) != SG_EXIT_OK ||
      (ret = sg_profile_prepare(root, &po)) != SG_EXIT_OK) {
    goto out;
  }
  if ((ret = sg_preflight_opts_parse(NULL, SG_PREFLIGHT_TRUSTED, anchor_opt, &anchor, &pf)) !=
      SG_EXIT_OK) {
    goto out;
  }
  /* After "@file" substitution the action must name the new certificate. */
  const cJSON *cert = cJSON_GetObjectItemCaseSensitive(rot, "certificate");
  if (!cJSON_IsString(cert) || strcmp(cert->valuestring, new_b64) != 0) {
    ret = sg_fail("RotateTrustedCertificate.certificate is not the new certificate (%s)",
                  s[1].label);
    goto out;
  }
  payload = cJSON_PrintUnformatted(root);
  p64 = payload != NULL ? sg_b64_encode_alloc((const uint8_t *)payload, strlen(payload), 1)
                        : NULL;
  if (p64 == NULL) {
    ret = sg_fail("out of memory");
    goto out;
  }
  for (int k = 0; k < 2 && ret == SG_EXIT_OK; k++) {
    ret = sg_sign_one(&s[k], alg[k], x5c != NULL, payload, &h64[k], &sig64[k]);
  }
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  /* Built by hand: member order is part of the format. */
  const size_t size = strlen(p64) + strlen(h64[0]) + strlen(h64[1]) + strlen(sig64[0]) +
                      strlen(sig64[1]) + 128;
  doc = malloc(size);
  if (doc == NULL) {
    ret = sg_fail("out of memory");
    goto out;
  }
  (void)snprintf(doc, size,
                 "{\"payload\":\"%s\",\"signatures\":[{\"protected\":\"%s\",\"signature\":\"%s\"},"
                 "{\"protected\":\"%s\",\"signature\":\"%s\"}]}",
                 p64, h64[0], sig64[0], h64[1], sig64[1]);
  {
    /* Judged by the device's own code before anything is written. */
    const sg_signer *both[2] = {&s[0], &s[1]};
    ret = sg_preflight(doc, root, both, 2, x5c != NULL, &pf);
  }
  if (ret == SG_EXIT_OK) {
    ret = sg_emit(out, doc);
  }
out:
  for (int k = 0; k < 2; k++) {
    free(h64[k]);
    free(sig64[k]);
    sg_signer_free(&s[k]);
  }
  free(doc);
  free(p64);
  free(new_b64);
  free(dir);
  cJSON_free(payload);
  cJSON_Delete(root);
  mbedtls_x509_crt_free(&anchor);
  return ret;
}

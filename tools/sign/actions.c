/*
 * The Batch actions (csp "Batch": the agent's own, not a firmware
 * handler's) and their arguments, as one table: `stagegate-sign actions`
 * prints it, `new` builds skeletons from it and profile.c checks actions
 * against it, so the three cannot disagree.
 *
 * The device's schema is its own table (agent/src/batch_actions.c); this
 * one adds what an administrator reads (what each action does, each
 * argument's meaning). Every profile the signer writes is also parsed by
 * the device's own code before it is signed (profile.c,
 * sg_profile_device_check), so the two cannot let through different
 * profiles; test_sign_new checks that both list the same actions.
 */
#include <stdio.h>
#include <string.h>

#include "sg_sign.h"

static const sg_action_arg sg_turn_on_args[] = {
    {"certificate", SG_ARG_CERT, 1,
     "the certificate devices will trust: base64 DER, or \"@file.pem\" (PEM or DER)"},
    {"anchor", SG_ARG_ANCHOR, 0,
     "\"pinned\" (default, as devices take it): trust exactly this certificate; \"ca\": trust "
     "certificates it issued"},
};

static const sg_action_arg sg_rotate_args[] = {
    {"certificate", SG_ARG_CERT, 1, "the new certificate (filled in by `rotate` from --new-*)"},
    {"activate_at", SG_ARG_TIME, 1,
     "when the new certificate takes over: Unix seconds (`rotate --activate-at +7d`)"},
    {"anchor", SG_ARG_ANCHOR, 0, "\"pinned\" (default) or \"ca\", as for TurnOnTrustedMode"},
};

static const sg_batch_action sg_batch_table[] = {
    {"TurnOnTrustedMode",
     "enter Trusted Mode: from now on the device runs only profiles signed under this "
     "certificate; signed by that certificate's own key (proof of possession)",
     1, 0, sg_turn_on_args, sizeof sg_turn_on_args / sizeof sg_turn_on_args[0]},
    {"TurnOffTrustedMode",
     "leave Trusted Mode: forget the trusted certificate; signed under the current one. "
     "Gets \"exp\" (iat + 7 days) unless given",
     1, 1, NULL, 0},
    {"RotateTrustedCertificate",
     "replace the trusted certificate at activate_at; signed by the current and the new key "
     "(`stagegate-sign rotate`). Gets \"exp\" (iat + 7 days) unless given",
     1, 1, sg_rotate_args, sizeof sg_rotate_args / sizeof sg_rotate_args[0]},
    {"RecoverTrust",
     "return a LOCKED or TRUSTED device to UNTRUSTED, keeping its replay floors; signed by the "
     "recovery certificate the firmware compiled in. Gets \"exp\" (iat + 7 days) unless given",
     1, 1, NULL, 0},
};

const sg_batch_action *sg_batch_actions(size_t *count) {
  *count = sizeof sg_batch_table / sizeof sg_batch_table[0];
  return sg_batch_table;
}

const sg_batch_action *sg_batch_action_find(const char *name) {
  size_t n = 0;
  const sg_batch_action *t = sg_batch_actions(&n);
  for (size_t i = 0; name != NULL && i < n; i++) {
    if (strcmp(t[i].name, name) == 0) {
      return &t[i];
    }
  }
  return NULL;
}

const sg_action_arg *sg_batch_action_arg(const sg_batch_action *a, const char *member) {
  for (size_t i = 0; member != NULL && i < a->n_args; i++) {
    if (strcmp(a->args[i].name, member) == 0) {
      return &a->args[i];
    }
  }
  return NULL;
}

static const char sg_actions_help[] =
    "usage: stagegate-sign actions\n"
    "\n"
    "List the Batch actions (csp \"Batch\", run by stagegate itself) and their\n"
    "arguments. Any other \"csp\" (Wifi, ...) goes to the firmware's handlers.\n";

int sg_cmd_actions(int argc, char **argv) {
  const sg_opt opts[] = {{NULL, 0, NULL}};
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  int ret = sg_opts_parse(argc, argv, opts, pos, 0, &n_pos, &help);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    fputs(sg_actions_help, stdout);
    return SG_EXIT_OK;
  }
  size_t n = 0;
  const sg_batch_action *t = sg_batch_actions(&n);
  printf("Batch actions ({\"csp\": \"Batch\", \"action\": NAME, ...}); one per profile:\n");
  for (size_t i = 0; i < n; i++) {
    printf("\n%s\n  %s\n", t[i].name, t[i].what);
    if (t[i].n_args == 0) {
      printf("  arguments: none\n");
    }
    for (size_t k = 0; k < t[i].n_args; k++) {
      printf("  %-12s %-9s %s\n", t[i].args[k].name,
             t[i].args[k].required ? "required" : "optional", t[i].args[k].what);
    }
  }
  printf("\nOther CSPs (\"csp\": \"Wifi\", ...) are run by the firmware's handlers; their\n"
         "arguments are the firmware's. `stagegate-sign new --help` lists skeletons.\n");
  return SG_EXIT_OK;
}

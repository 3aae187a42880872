/*
 * The Batch actions (csp "Batch": the agent's own, not a firmware
 * handler's) for people. The schema -- names, arguments, their types,
 * which are required, which actions must carry "exp", how many signatures
 * -- is the device's own table (agent/src/batch_actions.c, read through
 * batch_actions.h): `stagegate-sign actions` prints it, `new` builds
 * skeletons from it and profile.c checks actions against it. This file
 * adds only what an administrator reads: a description per action and per
 * argument, keyed by their names. test_sign_units checks that every row
 * and argument of the device's table has one and that none is orphaned.
 */
#include <stdio.h>
#include <string.h>

#include "sg_sign.h"

static const sg_action_text sg_texts[] = {
    {"TurnOnTrustedMode", NULL,
     "enter Trusted Mode: from now on the device runs only profiles signed under this "
     "certificate; signed by that certificate's own key (proof of possession), or, for anchor "
     "\"ca\", by a leaf the CA issued with the document-signing EKU (with --x5c)"},
    {"TurnOnTrustedMode", "certificate",
     "the certificate devices will trust; in the file you sign also \"@file.pem\" (PEM or DER)"},
    {"TurnOnTrustedMode", "anchor",
     "\"pinned\" (default, as devices take it): trust exactly this certificate; \"ca\": trust "
     "certificates it issued with the document-signing EKU"},
    {"TurnOffTrustedMode", NULL,
     "leave Trusted Mode: forget the trusted certificate; signed under the current one (a CA "
     "anchor: the CA's own key)"},
    {"RotateTrustedCertificate", NULL,
     "replace the trusted certificate at activate_at; signed by the current and the new key "
     "(`stagegate-sign rotate`)"},
    {"RotateTrustedCertificate", "certificate",
     "the new certificate (filled in by `rotate` from --new-*)"},
    {"RotateTrustedCertificate", "activate_at",
     "when the new certificate takes over (`rotate --activate-at +7d`)"},
    {"RotateTrustedCertificate", "anchor",
     "\"pinned\" (default) or \"ca\", as for TurnOnTrustedMode"},
    {"RecoverTrust", NULL,
     "return a LOCKED or TRUSTED device to UNTRUSTED, keeping its replay floors; signed by the "
     "recovery certificate the firmware compiled in"},
};

const sg_action_text *sg_action_texts(size_t *count) {
  *count = sizeof sg_texts / sizeof sg_texts[0];
  return sg_texts;
}

const char *sg_action_describe(const char *action, const char *arg) {
  for (size_t i = 0; action != NULL && i < sizeof sg_texts / sizeof sg_texts[0]; i++) {
    const sg_action_text *t = &sg_texts[i];
    if (strcmp(t->action, action) == 0 &&
        (arg == NULL ? t->arg == NULL : t->arg != NULL && strcmp(t->arg, arg) == 0)) {
      return t->text;
    }
  }
  return NULL;
}

const char *sg_action_presence(sg_batch_arg_presence presence) {
  return presence == SG_ARG_REQUIRED ? "required" : "optional";
}

static const char sg_actions_help[] =
    "usage: stagegate-sign actions\n"
    "\n"
    "List the Batch actions (csp \"Batch\", run by stagegate itself) and their\n"
    "arguments, from the device's own table. Any other \"csp\" (Wifi, ...) goes\n"
    "to the firmware's handlers.\n";

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
  printf("Batch actions ({\"csp\": \"Batch\", \"action\": NAME, ...}); one per profile:\n");
  for (size_t i = 0; i < sg_batch_count(); i++) {
    const sg_batch_row *row = sg_batch_at(i);
    const char *what = sg_action_describe(row->name, NULL);
    printf("\n%s\n  %s\n", row->name, what != NULL ? what : "");
    if (row->signatures > 1) {
      printf("  signatures: %u\n", row->signatures);
    }
    if (row->needs_exp) {
      printf("  must carry \"exp\", at most %u days after \"iat\" (`sign` sets iat + 7 days "
             "unless --exp)\n",
             (unsigned)(SG_TRUST_CHANGE_LIFETIME / 86400));
    }
    if (row->nargs == 0) {
      printf("  arguments: none\n");
    }
    for (unsigned k = 0; k < row->nargs; k++) {
      const sg_batch_arg *a = &row->args[k];
      const char *arg_what = sg_action_describe(row->name, a->name);
      printf("  %-12s %-9s %s: %s\n", a->name, sg_action_presence(a->presence),
             sg_batch_arg_type_name(a->type), arg_what != NULL ? arg_what : "");
    }
  }
  printf("\nOther CSPs (\"csp\": \"Wifi\", ...) are run by the firmware's handlers; their\n"
         "arguments are the firmware's. `stagegate-sign new --help` lists skeletons.\n");
  return SG_EXIT_OK;
}

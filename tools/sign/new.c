/*
 * `new`: write a profile skeleton to start from, one per common job. Each
 * is valid as written: `stagegate-sign sign` accepts it once the
 * certificate file it names exists (seq, iat and, for trust changes, exp
 * are filled in at signing). The README explains every member.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_sign.h"

typedef struct {
  const char *name;    /* what the administrator types */
  const char *what;    /* one line for --help */
  const char *title;   /* the profile's "name" */
  const char *batch;   /* Batch action (a row of the device's table), or NULL: a CSP example */
  const char *anchor;  /* TurnOn/Rotate: "pinned" or "ca" */
  int has_cert;        /* TurnOn: "certificate": "@<cert>" */
} sg_skeleton;

static const sg_skeleton sg_skeletons[] = {
    {"turn-on-pinned", "Turn On Trusted Mode, trusting exactly one certificate",
     "Turn On Trusted Mode", "TurnOnTrustedMode", "pinned", 1},
    {"turn-on-ca", "Turn On Trusted Mode, trusting certificates a CA issues (sign with the CA key)",
     "Turn On Trusted Mode (CA)", "TurnOnTrustedMode", "ca", 1},
    {"turn-off", "Turn Off Trusted Mode (signed under the trusted certificate)",
     "Turn Off Trusted Mode", "TurnOffTrustedMode", NULL, 0},
    {"rotate", "Rotate the trusted certificate (sign with `stagegate-sign rotate`)",
     "Rotate the staging certificate", "RotateTrustedCertificate", "pinned", 0},
    {"wifi", "A Wi-Fi profile for the firmware's Wifi handler (CSP example)", "Warehouse Wi-Fi",
     NULL, NULL, 0},
};

static void sg_new_usage(FILE *f) {
  fputs("usage: stagegate-sign new [--cert FILE] [--name TEXT] [--model M --serial S]\n"
        "                          [--out FILE] KIND\n"
        "\n"
        "Write a profile skeleton (JSON) to start from. KIND is one of:\n",
        f);
  for (size_t i = 0; i < sizeof sg_skeletons / sizeof sg_skeletons[0]; i++) {
    fprintf(f, "  %-15s %s\n", sg_skeletons[i].name, sg_skeletons[i].what);
  }
  fputs("\n"
        "  --cert FILE    the certificate a TurnOn deploys, as \"@FILE\" (default admin.pem)\n"
        "  --name TEXT    the profile's name, shown on the printed sheet\n"
        "  --model M, --serial S   target one device model / serial (both optional)\n"
        "  --out FILE     write here instead of stdout (never over an existing file)\n"
        "\n"
        "seq and iat are filled in when signing; TurnOff and Rotate get exp = iat + 7\n"
        "days unless --exp is given. `stagegate-sign actions` lists the Batch actions.\n",
        f);
}

static const sg_skeleton *sg_skeleton_find(const char *name) {
  for (size_t i = 0; i < sizeof sg_skeletons / sizeof sg_skeletons[0]; i++) {
    if (strcmp(sg_skeletons[i].name, name) == 0) {
      return &sg_skeletons[i];
    }
  }
  return NULL;
}

/* The skeleton as a cJSON object (NULL when out of memory). */
cJSON *sg_skeleton_build(const char *kind, const char *cert, const char *name, const char *model,
                         const char *serial) {
  const sg_skeleton *k = sg_skeleton_find(kind);
  if (k == NULL) {
    return NULL;
  }
  cJSON *root = cJSON_CreateObject();
  int bad = root == NULL || cJSON_AddNumberToObject(root, "stagegate", 1) == NULL ||
            cJSON_AddStringToObject(root, "name", name != NULL ? name : k->title) == NULL;
  if (!bad && (model != NULL || serial != NULL)) {
    cJSON *target = cJSON_AddObjectToObject(root, "target");
    cJSON *models = model != NULL ? cJSON_AddArrayToObject(target, "models") : NULL;
    cJSON *serials = serial != NULL ? cJSON_AddArrayToObject(target, "serials") : NULL;
    bad |= target == NULL || (model != NULL && (models == NULL || !cJSON_AddItemToArray(
                                                    models, cJSON_CreateString(model))));
    bad |= serial != NULL &&
           (serials == NULL || !cJSON_AddItemToArray(serials, cJSON_CreateString(serial)));
  }
  cJSON *actions = bad ? NULL : cJSON_AddArrayToObject(root, "actions");
  cJSON *a = cJSON_CreateObject();
  bad |= actions == NULL || a == NULL || !cJSON_AddItemToArray(actions, a);
  if (bad) {
    if (a != NULL && actions == NULL) {
      cJSON_Delete(a);
    }
    cJSON_Delete(root);
    return NULL;
  }
  if (k->batch != NULL) {
    /* The arguments the device's table lists, in its order: a certificate
     * as "@file" (a Rotate's is filled in by `rotate`), the anchor mode;
     * times (a Rotate's activate_at) come from the command line. */
    const sg_batch_row *row = sg_batch_find(k->batch);
    bad |= row == NULL || cJSON_AddStringToObject(a, "csp", "Batch") == NULL ||
           cJSON_AddStringToObject(a, "action", row->name) == NULL;
    for (unsigned i = 0; !bad && i < row->nargs; i++) {
      const sg_batch_arg *arg = &row->args[i];
      if (arg->type == SG_ARG_CERTIFICATE && k->has_cert) {
        char ref[4200];
        (void)snprintf(ref, sizeof ref, "@%s", cert != NULL ? cert : "admin.pem");
        bad |= cJSON_AddStringToObject(a, arg->name, ref) == NULL;
      } else if (arg->type == SG_ARG_ANCHOR_MODE && k->anchor != NULL) {
        bad |= cJSON_AddStringToObject(a, arg->name, k->anchor) == NULL;
      }
    }
  } else {
    cJSON *settings = NULL;
    bad |= cJSON_AddStringToObject(a, "csp", "Wifi") == NULL ||
           (settings = cJSON_AddObjectToObject(a, "settings")) == NULL ||
           cJSON_AddStringToObject(settings, "ssid", "warehouse") == NULL ||
           cJSON_AddStringToObject(settings, "security", "wpa2-psk") == NULL ||
           cJSON_AddStringToObject(settings, "passphrase", "change me") == NULL;
  }
  if (bad) {
    cJSON_Delete(root);
    root = NULL;
  }
  return root;
}

int sg_cmd_new(int argc, char **argv) {
  const char *cert = NULL, *name = NULL, *model = NULL, *serial = NULL, *out = NULL;
  const sg_opt opts[] = {{"cert", 1, &cert},     {"name", 1, &name}, {"model", 1, &model},
                         {"serial", 1, &serial}, {"out", 1, &out},   {NULL, 0, NULL}};
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  int ret = sg_opts_parse(argc, argv, opts, pos, 1, &n_pos, &help);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    sg_new_usage(stdout);
    return SG_EXIT_OK;
  }
  if (n_pos != 1 || sg_skeleton_find(pos[0]) == NULL) {
    return sg_usage("new needs a KIND: turn-on-pinned, turn-on-ca, turn-off, rotate or wifi%s%s",
                    n_pos == 1 ? "; not " : "", n_pos == 1 ? pos[0] : "");
  }
  const sg_skeleton *k = sg_skeleton_find(pos[0]);
  if (cert != NULL && !k->has_cert) {
    return sg_usage("--cert is for turn-on-pinned and turn-on-ca");
  }
  if (out != NULL && strcmp(out, "-") != 0) {
    FILE *f = fopen(out, "rb");
    if (f != NULL) {
      fclose(f);
      return sg_fail("%s: exists; not overwritten (remove it or choose another --out)", out);
    }
  }
  cJSON *root = sg_skeleton_build(pos[0], cert, name, model, serial);
  char *text = root != NULL ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (text == NULL) {
    return sg_fail("out of memory");
  }
  /* cJSON indents with tabs and writes "key":<tab>value; raw tabs are only
   * layout (tabs inside strings are escaped), so respace for people. */
  const size_t n = strlen(text);
  char *line = malloc(2 * n + 2);
  if (line == NULL) {
    cJSON_free(text);
    return sg_fail("out of memory");
  }
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (text[i] == '\t') {
      const int after_colon = i > 0 && text[i - 1] == ':';
      line[o++] = ' ';
      if (!after_colon) {
        line[o++] = ' ';
      }
    } else {
      line[o++] = text[i];
    }
  }
  line[o++] = '\n';
  ret = sg_write_file(out != NULL ? out : "-", line, o);
  free(line);
  cJSON_free(text);
  return ret;
}

/*
 * stagegate-sign — the administrator's host tool: build and sign profiles,
 * sign key rotations with both keys, split profiles into barcode chunks,
 * render them as barcode images and inspect profiles and certificates.
 *
 * Exit codes: 0 success, 1 usage error, 2 input or crypto error, each
 * failure with one line on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "sg_jwe_sign.h"
#include "sg_render.h"
#include "sg_sign.h"

static const char sg_help[] =
    "usage: stagegate-sign <command> [options]\n"
    "\n"
    "Build, sign, split, render and inspect stagegate staging profiles.\n"
    "\n"
    "commands:\n"
    "  new       write a profile skeleton to start from (turn-on-pinned, turn-on-ca,\n"
    "            turn-off, rotate, wifi)\n"
    "  actions   list the Batch actions and their arguments\n"
    "  sign      sign a profile (JSON) with one key: JWS compact serialization\n"
    "  rotate    sign a certificate rotation with the current and the new key:\n"
    "            JWS General JSON serialization\n"
    "  split     cut a signed or unsigned profile into barcode chunk texts\n"
    "  render    draw a profile as barcode PNGs (PDF417, QR, DataMatrix) and a\n"
    "            printable sheet\n"
    "  inspect   show a profile (JWS or JSON) or a certificate (PEM/DER)\n"
    "  encrypt   encrypt a (signed) profile for the fleet: JWE, A256GCM\n"
    "  keygen    make a fleet key for encrypted profiles (P-256 or AES-256)\n"
    "  inspect   show a profile (JWS, JSON, or a printed PDF/PNG sheet), certificates\n"
    "            (PEM/DER, bundles) or a .pfx\n"
    "  batch     sign and print one targeted profile per device of a fleet list\n"
    "\n"
    "`stagegate-sign <command> --help` describes each command.\n"
    "exit status: 0 success, 1 usage error, 2 input or crypto error.\n";

int main(int argc, char **argv) {
  int ret = SG_EXIT_USAGE;
  if (argc < 2) {
    fputs(sg_help, stderr);
    return SG_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(sg_help, stdout);
    return SG_EXIT_OK;
  }
  if (strcmp(cmd, "sign") == 0) {
    ret = sg_cmd_sign(argc - 1, argv + 1);
  } else if (strcmp(cmd, "rotate") == 0) {
    ret = sg_cmd_rotate(argc - 1, argv + 1);
  } else if (strcmp(cmd, "split") == 0) {
    ret = sg_cmd_split(argc - 1, argv + 1);
  } else if (strcmp(cmd, "render") == 0) {
    ret = sg_cmd_render(argc - 1, argv + 1);
  } else if (strcmp(cmd, "inspect") == 0) {
    ret = sg_cmd_inspect(argc - 1, argv + 1);
  } else if (strcmp(cmd, "encrypt") == 0) {
    ret = sg_cmd_encrypt(argc - 1, argv + 1);
  } else if (strcmp(cmd, "keygen") == 0) {
    ret = sg_cmd_keygen(argc - 1, argv + 1);
  } else if (strcmp(cmd, "new") == 0) {
    ret = sg_cmd_new(argc - 1, argv + 1);
  } else if (strcmp(cmd, "actions") == 0) {
    ret = sg_cmd_actions(argc - 1, argv + 1);
  } else if (strcmp(cmd, "batch") == 0) {
    ret = sg_cmd_batch(argc - 1, argv + 1);
  } else {
    ret = sg_usage("unknown command '%s' (commands: new, actions, sign, rotate, split, render, "
                   "inspect, batch, encrypt, keygen)", cmd);
  }
  sg_pdf_library_cleanup();
  if (ret != SG_EXIT_OK) {
    const char *msg = sg_error();
    fprintf(stderr, "stagegate-sign: %s\n", msg[0] != '\0' ? msg : "failed");
    if (ret != SG_EXIT_USAGE && ret != SG_EXIT_FAIL) {
      ret = SG_EXIT_FAIL;
    }
  }
  return ret;
}

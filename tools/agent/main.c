/*
 * stagegate-agent — the device agent for Linux (and the host harness).
 *
 * Keeps the trust slot in a state directory, feeds scanned symbols — text
 * lines (from a scan engine, files or standard input) or barcode images
 * decoded with ZXing — through libstagegate, and prints progress and every
 * decision with its reason. Two scanner backends, one agent.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cJSON.h"
#include "sg_agent_session.h"
#include "sg_agent_tool.h"
#include "sg_posix.h"
#include "sg_scan_text.h"
#include "sg_scan_zxing.h"
#include "sg_tpm_counter.h"
#include "stagegate/scanner.h"

#ifndef SG_BUILD_TIME
#define SG_BUILD_TIME 0
#endif

#define SG_SLOT_SECTOR 4096u
#define SG_SLOT_SECTORS 4u
#define SG_MAX_IMAGE_SYMBOLS 32u
#define SG_MAX_PATHS 4096u
#define SG_MAX_FLEET_KEYS 8u

static const char usage[] =
    "usage: stagegate-agent --state DIR [options] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  feed [FILE...]   each line of each FILE (or of standard input) is one scanned symbol\n"
    "  scan PATH...     decode barcode images (PNG, JPEG, PGM), or every image in a directory\n"
    "                   (sorted by name), and feed every symbol found, in order\n"
    "  status           trust state, the anchor certificate's details, replay and time floors\n"
    "  listen --serial DEV [--terminator any|cr|lf|crlf] [--timeout MS] [--baud N]\n"
    "                   read symbols from a serial scanner until SIGINT/SIGTERM (see README)\n"
    "\n"
    "options:\n"
    "  --state DIR       where the trust slot (trustslot.bin), the audit log (events.jsonl)\n"
    "                    and the optional identity file (device.conf: model=, serial=) live\n"
    "  --json            one JSON object per line instead of text\n"
    "  --clock UNIX      use this time instead of the system clock (tests, demos)\n"
    "  --build-time UNIX the lowest time floor (default: this build's time)\n"
    "  --model M --serial S   device identity (else STAGEGATE_MODEL/SERIAL, else device.conf)\n"
    "  --test-handlers   also register the handlers the test vectors expect (Picky, Fail)\n"
    "  --fleet-key FILE  a key that opens encrypted profiles (PEM P-256 private key, or a JWK\n"
    "                    with kty EC or oct); repeatable, up to 8\n"
    "  --require-encrypted  refuse every profile that does not come encrypted\n"
    "  --tpm [TCTI]      rollback protection: the trust slot's counter in a TPM 2.0 NV index\n"
    "                    (TCTI: device:/dev/tpmrm0 (default) or a device path, tabrmd:,\n"
    "                    swtpm:host=127.0.0.1,port=2321, ...; also --tpm=TCTI)\n"
    "  --tpm-index HEX   its NV index (default 0x01005347; the next one holds its base)\n"
    "  --partial-idle S  feed/scan keep the chunks of an unfinished profile in the state\n"
    "                    directory for the next run, for S seconds (default 900; 0: do not)\n"
    "  --recovery-cert FILE  the recovery certificate (DER) firmware would compile in: a\n"
    "                    RecoverTrust profile it signs returns the device to UNTRUSTED\n"
    "\n"
    "exit status: 0 last decision accepted (status: ok), 3 rejected, 4 still waiting for\n"
    "barcodes, 2 input or storage error, 1 usage.\n";

typedef struct {
  const char *state_dir;
  int json;
  int have_clock;
  int64_t clock;
  uint64_t build_time;
  const char *model, *serial;
  int test_handlers;
  const char *fleet_keys[SG_MAX_FLEET_KEYS];
  size_t fleet_key_count;
  int require_encrypted;
  int tpm;
  const char *tpm_tcti;
  uint32_t tpm_index;
  int64_t partial_idle;
  const char *recovery_cert; /* file, or NULL */
} sg_options;

static int64_t sg_fixed_clock(void *ctx) { return *(const int64_t *)ctx; }

/* --- action handlers: what this Linux agent does with a profile's CSPs --- */
static FILE *sg_handler_out;

static int sg_wifi_run(void *ctx, const cJSON *action) {
  (void)ctx;
  const cJSON *settings = cJSON_GetObjectItemCaseSensitive(action, "settings");
  const cJSON *ssid = cJSON_GetObjectItemCaseSensitive(settings, "ssid");
  const cJSON *nets = cJSON_GetObjectItemCaseSensitive(action, "networks");
  if (cJSON_IsString(ssid)) {
    char esc[512];
    fprintf(sg_handler_out, "  Wifi: joining \"%s\"\n", sg_report_text(esc, sizeof esc, ssid->valuestring));
  } else if (cJSON_IsArray(nets)) {
    fprintf(sg_handler_out, "  Wifi: %d networks configured\n", cJSON_GetArraySize(nets));
  } else {
    fprintf(sg_handler_out, "  Wifi: applied\n");
  }
  return 0;
}
/* The demo's Wifi changes nothing real; undoing it says so. */
static int sg_wifi_rollback(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  fprintf(sg_handler_out, "  Wifi: rolled back\n");
  return 0;
}
static int sg_picky_check(void *ctx, const cJSON *action) {
  (void)ctx;
  return cJSON_GetObjectItemCaseSensitive(action, "bad") != NULL ? -1 : 0;
}
static int sg_ok_run(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return 0;
}
static int sg_fail_run(void *ctx, const cJSON *action) {
  (void)ctx;
  (void)action;
  return -1;
}

static const sg_action_handler sg_handlers[] = {
    {"Wifi", NULL, NULL, sg_wifi_run, sg_wifi_rollback},
    {"Picky", NULL, sg_picky_check, sg_ok_run, NULL}, /* --test-handlers only */
    {"Fail", NULL, NULL, sg_fail_run, NULL},          /* --test-handlers only */
};

/* --- the device: storage, clock, identity, events, agent --------------- */
typedef struct {
  sg_file_bd file;
  sg_blockdev file_bd; /* the file alone */
  sg_tpm_counter tpm;
  int use_tpm;
  sg_blockdev bd; /* what the agent uses: the file, plus the TPM counter with --tpm */
  char rollback[240];
  sg_clock clock;
  int64_t fixed_now;
  sg_posix_identity ident_store;
  sg_identity identity;
  int have_identity;
  sg_posix_event_log log;
  sg_event_sink sink;
  sg_ram_key keys[SG_MAX_FLEET_KEYS];
  sg_ram_keystore keyring;
  sg_keystore keystore;
  sg_agent agent;
} sg_device;

static sg_device dev; /* large (the agent holds every buffer): not on the stack */
static uint8_t sg_recovery_der[SG_MAX_CERT];

/* The recovery certificate, as firmware would compile it in (DER). */
static int sg_recovery_load(const char *file, size_t *len) {
  FILE *f = fopen(file, "rb");
  if (f == NULL) {
    fprintf(stderr, "stagegate-agent: cannot open recovery certificate %s: %s\n", file, strerror(errno));
    return SG_EXIT_IO;
  }
  *len = fread(sg_recovery_der, 1, sizeof sg_recovery_der, f);
  const int more = fgetc(f) != EOF;
  fclose(f);
  if (*len == 0 || more) {
    fprintf(stderr, "stagegate-agent: recovery certificate %s: empty or over %u bytes\n", file,
            (unsigned)SG_MAX_CERT);
    return SG_EXIT_IO;
  }
  return SG_EXIT_ACCEPTED;
}

/* 1 if the slot file is fully erased (new): only then may the TPM indices be
 * defined, so that a TPM cleared under a slot holding state fails closed. */
static int sg_slot_erased(const sg_blockdev *bd) {
  uint8_t buf[512];
  for (uint32_t s = 0; s < bd->sector_count; s++) {
    for (uint32_t off = 0; off < bd->sector_size; off += (uint32_t)sizeof buf) {
      const uint32_t left = bd->sector_size - off;
      const uint32_t n = left < sizeof buf ? left : (uint32_t)sizeof buf;
      if (bd->read(bd->ctx, s, off, buf, n) != 0) {
        return 0;
      }
      for (uint32_t i = 0; i < n; i++) {
        if (buf[i] != 0xFFu) {
          return 0;
        }
      }
    }
  }
  return 1;
}

/* --tpm: the trust slot's counter in the TPM. A TPM that cannot be used
 * leaves the counter hooks failing: the slot then loads LOCKED (fail closed). */
static void sg_device_attach_tpm(const sg_options *o) {
  sg_tpm_counter_init(&dev.tpm);
  const int ret = sg_tpm_counter_open(&dev.tpm, o->tpm_tcti, o->tpm_index,
                                      sg_slot_erased(&dev.file_bd) ? SG_TPM_DEFINE : 0);
  dev.use_tpm = 1;
  if (ret != SG_OK) {
    fprintf(stderr, "stagegate-agent: %s\n", sg_tpm_counter_error(&dev.tpm));
  }
  snprintf(dev.rollback, sizeof dev.rollback, "TPM NV counter 0x%08x%s%s%s",
           (unsigned)(o->tpm_index == 0 ? SG_TPM_INDEX_DEFAULT : o->tpm_index),
           ret == SG_OK ? "" : " (unavailable: ", ret == SG_OK ? "" : sg_tpm_counter_error(&dev.tpm),
           ret == SG_OK ? "" : ")");
  sg_tpm_counter_blockdev(&dev.tpm, &dev.file_bd, &dev.bd);
}

const char *sg_rollback_protection(void) { return dev.use_tpm ? dev.rollback : NULL; }

static int sg_device_open(const sg_options *o, const sg_report *r) {
  char path[4096];
  if (mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "stagegate-agent: cannot create %s: %s\n", o->state_dir, strerror(errno));
    return SG_EXIT_IO;
  }
  snprintf(path, sizeof path, "%s/trustslot.bin", o->state_dir);
  sg_file_bd_init(&dev.file);
  const int opened = sg_file_bd_open(&dev.file, path, SG_SLOT_SECTOR, SG_SLOT_SECTORS, 8);
  if (opened == SG_ERR_LOCKED) {
    /* Only a missing file is a factory part (issue 9, defect 11). */
    fprintf(stderr,
            "stagegate-agent: trust slot %s is %lld bytes, not %u: empty, cut short or another "
            "device's; it is not read as a factory part and is left as it is. The device is locked "
            "(%s) until it is restored or removed on purpose.\n",
            path, dev.file.found_size, SG_SLOT_SECTOR * SG_SLOT_SECTORS, sg_strerror_name(SG_ERR_LOCKED));
    return SG_EXIT_IO;
  }
  if (opened != SG_OK) {
    fprintf(stderr, "stagegate-agent: cannot open trust slot %s\n", path);
    return SG_EXIT_IO;
  }
  sg_file_bd_blockdev(&dev.file, &dev.file_bd);
  dev.bd = dev.file_bd;
  if (o->tpm) {
    sg_device_attach_tpm(o);
  }
  if (o->have_clock) {
    dev.fixed_now = o->clock;
    dev.clock.ctx = &dev.fixed_now;
    dev.clock.now = sg_fixed_clock;
  } else {
    sg_posix_clock(&dev.clock);
  }
  if (o->model != NULL && o->serial != NULL && strlen(o->model) < SG_POSIX_ID_MAX &&
      strlen(o->serial) < SG_POSIX_ID_MAX) {
    strcpy(dev.ident_store.model, o->model);
    strcpy(dev.ident_store.serial, o->serial);
    dev.identity.model = dev.ident_store.model;
    dev.identity.serial = dev.ident_store.serial;
    dev.have_identity = 1;
  } else {
    snprintf(path, sizeof path, "%s/device.conf", o->state_dir);
    struct stat sb;
    dev.have_identity = sg_posix_identity_load(&dev.ident_store, stat(path, &sb) == 0 ? path : NULL,
                                               &dev.identity) == SG_OK;
  }
  snprintf(path, sizeof path, "%s/events.jsonl", o->state_dir);
  dev.log.fd = -1;
  if (sg_posix_event_log_open(&dev.log, path, &dev.clock) != SG_OK) {
    fprintf(stderr, "stagegate-agent: cannot open audit log %s (continuing)\n", path);
  }
  sg_posix_event_log_sink(&dev.log, &dev.sink);
  sg_agent_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.storage = &dev.bd;
  cfg.clock = &dev.clock;
  cfg.identity = dev.have_identity ? &dev.identity : NULL;
  cfg.events = &dev.sink;
  cfg.handlers = sg_handlers;
  cfg.handler_count = o->test_handlers ? 3 : 1;
  cfg.build_time = o->build_time;
  sg_ram_keystore_init(&dev.keyring, dev.keys, SG_MAX_FLEET_KEYS, sg_posix_random, NULL);
  for (size_t k = 0; k < o->fleet_key_count; k++) {
    char kid[SG_KID_LEN];
    const int kr = sg_posix_fleet_key_load(&dev.keyring, o->fleet_keys[k], kid);
    if (kr != SG_OK) {
      fprintf(stderr, "stagegate-agent: fleet key %s: %s (%s)\n", o->fleet_keys[k],
              kr == SG_ERR_ARG ? "not a P-256 private key or a JWK of kty EC or oct"
                               : sg_strerror(kr),
              sg_strerror_name(kr));
      return SG_EXIT_IO;
    }
  }
  dev.keystore = sg_ram_keystore_port(&dev.keyring);
  cfg.keystore = &dev.keystore;
  cfg.require_encrypted = o->require_encrypted;
  if (o->recovery_cert != NULL) {
    size_t len = 0;
    const int rc = sg_recovery_load(o->recovery_cert, &len);
    if (rc != SG_EXIT_ACCEPTED) {
      return rc;
    }
    cfg.recovery_cert = sg_recovery_der;
    cfg.recovery_cert_len = len;
  }
  sg_handler_out = r->out;
  const int ret = sg_agent_init(&dev.agent, &cfg);
  if (ret != SG_OK && !r->json) {
    fprintf(r->out, "warning: %s (%s): every profile will be refused\n", sg_strerror(ret),
            sg_strerror_name(ret));
  }
  return ret == SG_ERR_ARG ? SG_EXIT_IO : SG_EXIT_ACCEPTED;
}

static void sg_device_close(void) {
  sg_agent_free(&dev.agent);
  sg_ram_keystore_wipe(&dev.keyring);
  sg_posix_event_log_close(&dev.log);
  sg_tpm_counter_close(&dev.tpm);
  sg_file_bd_close(&dev.file);
}

/* --- feeding: pull every symbol from a backend through the agent ------- */
typedef struct {
  int last;       /* last decision, SG_NEED_MORE while waiting, 0 = none yet */
  int input_errs; /* inputs that yielded no symbol */
  sg_partial *partial; /* the open chunk set, carried between runs */
  sg_seen *seen;  /* scan: symbols already read in this run, or NULL */
} sg_run;

static void sg_drain(const sg_scanner *inner, const char *source, const sg_report *r, sg_run *run) {
  sg_tap tap;
  sg_scanner sc;
  sg_tap_init(&tap, inner, run->seen, r, source, &sc);
  for (;;) {
    sg_feed_result res;
    const int ret = sg_agent_scan(&dev.agent, &sc, &res);
    if (ret == SG_ERR_SCAN_END) {
      return;
    }
    if (ret == SG_NEED_MORE || ret == SG_ACCEPTED || ret > -100) {
      sg_report_feed(r, source, ret, &res);
      sg_partial_track(run->partial, tap.sym, tap.len, ret, &res);
      run->last = ret;
    } else { /* scanner/image errors (-100..): this input gave no symbol */
      sg_report_input_error(r, source, ret);
      run->input_errs++;
    }
  }
}

static long sg_read_file(void *ctx, uint8_t *buf, size_t cap) {
  FILE *f = ctx;
  const size_t n = fread(buf, 1, cap, f);
  return n == 0 && ferror(f) ? -1 : (long)n;
}

static int sg_cmd_feed(int argc, char **argv, const sg_report *r, sg_run *run) {
  static uint8_t line[SG_MAX_PROFILE + 1];
  sg_scan_text st;
  sg_scanner ops;
  for (int i = 0; i < (argc == 0 ? 1 : argc); i++) {
    const char *name = argc == 0 ? "-" : argv[i];
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    if (f == NULL) {
      fprintf(stderr, "stagegate-agent: cannot read %s: %s\n", name, strerror(errno));
      return SG_EXIT_IO;
    }
    (void)sg_scan_text_init(&st, line, sizeof line, SG_SYMBOLOGY_UNKNOWN, 1);
    (void)sg_scan_text_set_stream(&st, sg_read_file, f);
    sg_scan_text_scanner(&st, &ops);
    sg_drain(&ops, name, r, run);
    if (f != stdin) {
      fclose(f);
    }
  }
  return SG_EXIT_ACCEPTED;
}

static int sg_cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The images to scan: files as given, directories expanded in name order. */
static int sg_collect(int argc, char **argv, char **paths, size_t *n) {
  *n = 0;
  for (int i = 0; i < argc; i++) {
    struct stat sb;
    if (stat(argv[i], &sb) != 0) {
      fprintf(stderr, "stagegate-agent: %s: %s\n", argv[i], strerror(errno));
      return SG_EXIT_IO;
    }
    if (!S_ISDIR(sb.st_mode)) {
      if (*n >= SG_MAX_PATHS) {
        return SG_EXIT_USAGE;
      }
      paths[(*n)++] = strdup(argv[i]);
      continue;
    }
    DIR *d = opendir(argv[i]);
    const size_t first = *n;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
      if (e->d_name[0] == '.' || *n >= SG_MAX_PATHS) {
        continue;
      }
      const size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
      paths[*n] = malloc(len);
      if (paths[*n] != NULL) {
        snprintf(paths[*n], len, "%s/%s", argv[i], e->d_name);
        (*n)++;
      }
    }
    if (d != NULL) {
      closedir(d);
    }
    qsort(paths + first, *n - first, sizeof paths[0], sg_cmp_str);
  }
  return SG_EXIT_ACCEPTED;
}

static int sg_cmd_scan(int argc, char **argv, const sg_report *r, sg_run *run) {
  static char *paths[SG_MAX_PATHS];
  static sg_symbol items[SG_MAX_IMAGE_SYMBOLS];
  static uint8_t arena[SG_MAX_IMAGE_SYMBOLS * 2048u];
  sg_scan_zxing sz;
  sg_scanner ops;
  size_t n = 0;
  if (argc == 0) {
    fputs(usage, stderr);
    return SG_EXIT_USAGE;
  }
  int ret = sg_collect(argc, argv, paths, &n);
  for (size_t i = 0; ret == SG_EXIT_ACCEPTED && i < n; i++) {
    /* One image at a time, so each line of output names its image. */
    (void)sg_scan_zxing_init(&sz, items, SG_MAX_IMAGE_SYMBOLS, arena, sizeof arena, NULL, NULL);
    (void)sg_scan_zxing_set_paths(&sz, (const char *const *)&paths[i], 1);
    sg_scan_zxing_scanner(&sz, &ops);
    sg_drain(&ops, paths[i], r, run);
  }
  for (size_t i = 0; i < n; i++) {
    free(paths[i]);
  }
  return ret;
}

static int sg_parse_i64(const char *s, int64_t *out) {
  char *end = NULL;
  errno = 0;
  const long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 0) {
    return 0;
  }
  *out = v;
  return 1;
}

static int sg_parse_index(const char *s, uint32_t *out) {
  char *end = NULL;
  errno = 0;
  const unsigned long v = strtoul(s, &end, 16);
  if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 0xFFFFFFFFul) {
    return 0;
  }
  *out = (uint32_t)v;
  return 1;
}

int main(int argc, char **argv) {
  sg_options o;
  memset(&o, 0, sizeof o);
  o.build_time = SG_BUILD_TIME;
  o.partial_idle = SG_PARTIAL_IDLE_DEFAULT;
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int64_t num = 0;
    if (strcmp(a, "--json") == 0) {
      o.json = 1;
    } else if (strcmp(a, "--test-handlers") == 0) {
      o.test_handlers = 1;
    } else if (strcmp(a, "--require-encrypted") == 0) {
      o.require_encrypted = 1;
    } else if (strcmp(a, "--tpm") == 0 || strncmp(a, "--tpm=", 6) == 0) {
      /* The TCTI is optional: --tpm=TCTI, or a next argument that looks like
       * one (has a ':' or is a device path), so that `--tpm status` works. */
      const char *t = a[5] == '=' ? a + 6 : v;
      o.tpm = 1;
      if (t != NULL && strncmp(t, "--", 2) != 0 && (strchr(t, ':') != NULL || t[0] == '/')) {
        static char tcti[512];
        if (snprintf(tcti, sizeof tcti, "%s%s", t[0] == '/' ? "device:" : "", t) >= (int)sizeof tcti) {
          fprintf(stderr, "stagegate-agent: --tpm: TCTI too long\n");
          return SG_EXIT_USAGE;
        }
        o.tpm_tcti = tcti;
        i += t == v;
      } else if (a[5] == '=') {
        fprintf(stderr, "stagegate-agent: --tpm=%s: want a TCTI such as device:/dev/tpmrm0\n", t);
        return SG_EXIT_USAGE;
      }
    } else if (strcmp(a, "--help") == 0) {
      fputs(usage, stdout);
      return 0;
    } else if (v == NULL) {
      fprintf(stderr, "stagegate-agent: %s needs a value\n", a);
      return SG_EXIT_USAGE;
    } else if (strcmp(a, "--state") == 0) {
      o.state_dir = v, i++;
    } else if (strcmp(a, "--fleet-key") == 0 && o.fleet_key_count < SG_MAX_FLEET_KEYS) {
      o.fleet_keys[o.fleet_key_count++] = v, i++;
    } else if (strcmp(a, "--tpm-index") == 0 && sg_parse_index(v, &o.tpm_index)) {
      i++;
    } else if (strcmp(a, "--partial-idle") == 0 && sg_parse_i64(v, &num)) {
      o.partial_idle = num, i++;
    } else if (strcmp(a, "--model") == 0) {
      o.model = v, i++;
    } else if (strcmp(a, "--serial") == 0) {
      o.serial = v, i++;
    } else if (strcmp(a, "--recovery-cert") == 0) {
      o.recovery_cert = v, i++;
    } else if ((strcmp(a, "--clock") == 0 || strcmp(a, "--build-time") == 0) && sg_parse_i64(v, &num)) {
      if (a[2] == 'c') {
        o.clock = num;
        o.have_clock = 1;
      } else {
        o.build_time = (uint64_t)num;
      }
      i++;
    } else {
      fprintf(stderr, "stagegate-agent: bad option %s %s\n%s", a, v, usage);
      return SG_EXIT_USAGE;
    }
  }
  if (o.state_dir == NULL || i >= argc) {
    fputs(usage, stderr);
    return SG_EXIT_USAGE;
  }
  const char *cmd = argv[i++];
  const sg_report r = {o.json, stdout};
  if (strcmp(cmd, "feed") != 0 && strcmp(cmd, "scan") != 0 && strcmp(cmd, "status") != 0 &&
      strcmp(cmd, "listen") != 0) {
    fprintf(stderr, "stagegate-agent: unknown command %s\n%s", cmd, usage);
    return SG_EXIT_USAGE;
  }
  int ret = sg_device_open(&o, &r);
  if (ret != SG_EXIT_ACCEPTED) {
    return ret;
  }
  static sg_partial partial;
  sg_seen seen = {NULL, 0, 0};
  sg_run run = {0, 0, &partial, NULL};
  char id[SG_PARTIAL_ID_MAX] = "";
  if (dev.have_identity) {
    snprintf(id, sizeof id, "%s %s", dev.identity.model, dev.identity.serial);
  }
  if (strcmp(cmd, "status") == 0) {
    ret = sg_report_status(&r, &dev.agent);
  } else if (strcmp(cmd, "listen") == 0) {
    /* In memory only: a listening device keeps its partial scan itself. */
    sg_partial_init(&partial, NULL, id, 0);
    ret = sg_cmd_listen(&dev.agent, &partial, argc - i, argv + i, &r);
  } else {
    /* One-shot runs carry an unfinished chunk set over in the state directory. */
    const int64_t now = dev.clock.now(dev.clock.ctx);
    sg_partial_init(&partial, o.state_dir, id, o.partial_idle);
    if (sg_partial_resume(&partial, &dev.agent, now, &r) > 0) {
      run.last = SG_NEED_MORE;
    }
    run.seen = strcmp(cmd, "scan") == 0 ? &seen : NULL;
    ret = strcmp(cmd, "feed") == 0 ? sg_cmd_feed(argc - i, argv + i, &r, &run)
                                   : sg_cmd_scan(argc - i, argv + i, &r, &run);
    if (sg_partial_save(&partial, now) != 0 && ret == SG_EXIT_ACCEPTED) {
      ret = SG_EXIT_IO;
    }
    sg_seen_free(&seen);
    if (ret == SG_EXIT_ACCEPTED) {
      ret = run.last == SG_ACCEPTED   ? SG_EXIT_ACCEPTED
            : run.last == SG_NEED_MORE ? SG_EXIT_WAITING
            : run.last < 0             ? SG_EXIT_REJECTED
                                       : SG_EXIT_IO; /* nothing decoded at all */
      if (run.last == SG_NEED_MORE && !r.json) {
        fputs("still waiting for barcodes: scan the rest to finish this profile\n", r.out);
      }
    }
  }
  sg_device_close();
  return ret;
}

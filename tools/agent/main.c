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
#include "sg_agent_tool.h"
#include "sg_posix.h"
#include "sg_scan_text.h"
#include "sg_scan_zxing.h"
#include "stagegate/scanner.h"

#ifndef SG_BUILD_TIME
#define SG_BUILD_TIME 0
#endif

#define SG_SLOT_SECTOR 4096u
#define SG_SLOT_SECTORS 4u
#define SG_MAX_IMAGE_SYMBOLS 32u
#define SG_MAX_PATHS 4096u

static const char usage[] =
    "usage: stagegate-agent --state DIR [options] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  feed [FILE...]   each line of each FILE (or of standard input) is one scanned symbol\n"
    "  scan PATH...     decode barcode images (PNG, JPEG, PGM), or every image in a directory\n"
    "                   (sorted by name), and feed every symbol found, in order\n"
    "  status           trust state, the anchor certificate's details, replay and time floors\n"
    "\n"
    "options:\n"
    "  --state DIR       where the trust slot (trustslot.bin), the audit log (events.jsonl)\n"
    "                    and the optional identity file (device.conf: model=, serial=) live\n"
    "  --json            one JSON object per line instead of text\n"
    "  --clock UNIX      use this time instead of the system clock (tests, demos)\n"
    "  --build-time UNIX the lowest time floor (default: this build's time)\n"
    "  --model M --serial S   device identity (else STAGEGATE_MODEL/SERIAL, else device.conf)\n"
    "  --test-handlers   also register the handlers the test vectors expect (Picky, Fail)\n"
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
    fprintf(sg_handler_out, "  Wifi: joining \"%s\"\n", ssid->valuestring);
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
  sg_blockdev bd;
  sg_clock clock;
  int64_t fixed_now;
  sg_posix_identity ident_store;
  sg_identity identity;
  int have_identity;
  sg_posix_event_log log;
  sg_event_sink sink;
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

static int sg_device_open(const sg_options *o, const sg_report *r) {
  char path[4096];
  if (mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "stagegate-agent: cannot create %s: %s\n", o->state_dir, strerror(errno));
    return SG_EXIT_IO;
  }
  snprintf(path, sizeof path, "%s/trustslot.bin", o->state_dir);
  sg_file_bd_init(&dev.file);
  if (sg_file_bd_open(&dev.file, path, SG_SLOT_SECTOR, SG_SLOT_SECTORS, 8) != SG_OK) {
    fprintf(stderr, "stagegate-agent: cannot open trust slot %s\n", path);
    return SG_EXIT_IO;
  }
  sg_file_bd_blockdev(&dev.file, &dev.bd);
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
  sg_posix_event_log_close(&dev.log);
  sg_file_bd_close(&dev.file);
}

/* --- feeding: pull every symbol from a backend through the agent ------- */
typedef struct {
  int last;       /* last decision, SG_NEED_MORE while waiting, 0 = none yet */
  int input_errs; /* inputs that yielded no symbol */
} sg_run;

static void sg_drain(const sg_scanner *sc, const char *source, const sg_report *r, sg_run *run) {
  for (;;) {
    sg_feed_result res;
    const int ret = sg_agent_scan(&dev.agent, sc, &res);
    if (ret == SG_ERR_SCAN_END) {
      return;
    }
    if (ret == SG_NEED_MORE || ret == SG_ACCEPTED || ret > -100) {
      sg_report_feed(r, source, ret, &res);
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

int main(int argc, char **argv) {
  sg_options o;
  memset(&o, 0, sizeof o);
  o.build_time = SG_BUILD_TIME;
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    int64_t num = 0;
    if (strcmp(a, "--json") == 0) {
      o.json = 1;
    } else if (strcmp(a, "--test-handlers") == 0) {
      o.test_handlers = 1;
    } else if (strcmp(a, "--help") == 0) {
      fputs(usage, stdout);
      return 0;
    } else if (v == NULL) {
      fprintf(stderr, "stagegate-agent: %s needs a value\n", a);
      return SG_EXIT_USAGE;
    } else if (strcmp(a, "--state") == 0) {
      o.state_dir = v, i++;
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
  if (strcmp(cmd, "feed") != 0 && strcmp(cmd, "scan") != 0 && strcmp(cmd, "status") != 0) {
    fprintf(stderr, "stagegate-agent: unknown command %s\n%s", cmd, usage);
    return SG_EXIT_USAGE;
  }
  int ret = sg_device_open(&o, &r);
  if (ret != SG_EXIT_ACCEPTED) {
    return ret;
  }
  sg_run run = {0, 0};
  if (strcmp(cmd, "status") == 0) {
    ret = sg_report_status(&r, &dev.agent);
  } else {
    ret = strcmp(cmd, "feed") == 0 ? sg_cmd_feed(argc - i, argv + i, &r, &run)
                                   : sg_cmd_scan(argc - i, argv + i, &r, &run);
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

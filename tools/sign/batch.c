/*
 * `batch`: one targeted profile per device of a fleet list. Each device
 * gets the profile with "target": {"models": [M], "serials": [S]}, signed
 * (after the same preflight as `sign`), written as DIR/<model>-<serial>.jws
 * and printed as DIR/<model>-<serial>.pdf, or as one PDF with a page (or
 * more) per device. A sheet meant for one device is refused by every
 * other, so a lost page enrols nobody else.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sg_render.h"
#include "sg_sign.h"

#define SG_BATCH_MAX_DEVICES 100000u
#define SG_BATCH_FIELD_MAX 64u

static const char sg_batch_help[] =
    "usage: stagegate-sign batch --profile FILE --out-dir DIR [key options] [options]\n"
    "                            DEVICES.csv\n"
    "\n"
    "Sign one profile per device, targeted at that device only, and print it.\n"
    "DEVICES.csv: one device per line, \"model,serial\" (a first line\n"
    "\"model,serial\" is a header; blank lines and lines starting with # are\n"
    "skipped). Per device: DIR/<model>-<serial>.jws and DIR/<model>-<serial>.pdf,\n"
    "or with --one-pdf FILE one PDF with a page (or more) per device.\n"
    "\n"
    "  --profile FILE    the profile (JSON) every device gets; it must not have\n"
    "                    a \"target\" of its own\n"
    "  --out-dir DIR     where the files go (created if missing)\n"
    "  --one-pdf FILE    one PDF for the whole fleet instead of one per device\n"
    "  --symbology S     pdf417 (default), qr or datamatrix\n"
    "  --paper P, --module-mm MM   as for `render`\n"
    "key and profile options as for `sign`: --key/--cert or --pfx, --pass-env /\n"
    "--pass-file / --pass (or typed at a terminal), --chain, --alg, --x5c, --seq,\n"
    "--iat, --exp, --for, --anchor.\n"
    "\n"
    "Prints one line per device and a summary with the time taken.\n";

/* Trim spaces; refuse characters that have no place in a file name. */
static int sg_batch_field(char *f, const char *what, const char *file, unsigned line) {
  size_t n = strlen(f);
  while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t' || f[n - 1] == '\r')) {
    f[--n] = '\0';
  }
  size_t start = 0;
  while (f[start] == ' ' || f[start] == '\t') {
    start++;
  }
  memmove(f, f + start, n - start + 1);
  if (f[0] == '\0') {
    return sg_fail("%s:%u: empty %s", file, line, what);
  }
  for (const char *c = f; *c != '\0'; c++) {
    const int ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                   (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
    if (!ok || (c == f && *c == '.')) {
      return sg_fail("%s:%u: %s '%s': letters, digits, '-', '_' and '.' only", file, line, what,
                     f);
    }
  }
  if (strlen(f) >= SG_BATCH_FIELD_MAX) {
    return sg_fail("%s:%u: %s longer than %u characters", file, line, what,
                   SG_BATCH_FIELD_MAX - 1);
  }
  return SG_EXIT_OK;
}

typedef struct {
  char model[SG_BATCH_FIELD_MAX], serial[SG_BATCH_FIELD_MAX];
} sg_device;

/* Parse the device list (all of it first: a bad line stops everything). */
static int sg_batch_devices(const char *path, sg_device **out, unsigned *count) {
  uint8_t *buf = NULL;
  size_t len = 0;
  *out = NULL;
  *count = 0;
  int ret = sg_read_file(path, &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  size_t cap = 0;
  sg_device *d = NULL;
  unsigned line = 0;
  for (char *p = (char *)buf; ret == SG_EXIT_OK && p < (char *)buf + len;) {
    char *nl = strchr(p, '\n');
    if (nl != NULL) {
      *nl = '\0';
    }
    line++;
    char *next = nl != NULL ? nl + 1 : (char *)buf + len;
    char *comma = strchr(p, ',');
    const int blank = strspn(p, " \t\r") == strlen(p);
    if (blank || p[0] == '#') {
      p = next;
      continue;
    }
    if (comma == NULL || strchr(comma + 1, ',') != NULL) {
      ret = sg_fail("%s:%u: expected \"model,serial\"", path, line);
      break;
    }
    *comma = '\0';
    char model[256], serial[256];
    (void)snprintf(model, sizeof model, "%s", p);
    (void)snprintf(serial, sizeof serial, "%s", comma + 1);
    if (*count == 0 && line == 1 && strstr(model, "model") != NULL &&
        strstr(serial, "serial") != NULL) {
      p = next; /* header */
      continue;
    }
    if ((ret = sg_batch_field(model, "model", path, line)) != SG_EXIT_OK ||
        (ret = sg_batch_field(serial, "serial", path, line)) != SG_EXIT_OK) {
      break;
    }
    for (unsigned k = 0; k < *count; k++) {
      if (strcmp(d[k].model, model) == 0 && strcmp(d[k].serial, serial) == 0) {
        ret = sg_fail("%s:%u: %s,%s is listed twice", path, line, model, serial);
        break;
      }
    }
    if (ret != SG_EXIT_OK) {
      break;
    }
    if (*count == SG_BATCH_MAX_DEVICES) {
      ret = sg_fail("%s: more than %u devices", path, SG_BATCH_MAX_DEVICES);
      break;
    }
    if (*count == cap) {
      cap = cap == 0 ? 64 : cap * 2;
      sg_device *nd = realloc(d, cap * sizeof *d);
      if (nd == NULL) {
        ret = sg_fail("out of memory");
        break;
      }
      d = nd;
    }
    memcpy(d[*count].model, model, strlen(model) + 1); /* < SG_BATCH_FIELD_MAX, checked */
    memcpy(d[*count].serial, serial, strlen(serial) + 1);
    (*count)++;
    p = next;
  }
  sg_free_buf(buf);
  if (ret == SG_EXIT_OK && *count == 0) {
    ret = sg_fail("%s: no devices", path);
  }
  if (ret != SG_EXIT_OK) {
    free(d);
    *count = 0;
    return ret;
  }
  *out = d;
  return SG_EXIT_OK;
}

/* One device: targeted copy, prepared, preflighted, signed, rendered. */
static int sg_batch_one(const cJSON *base, const sg_device *dev, sg_signer *s, sg_jws_alg alg,
                        int x5c, const sg_profile_opts *po, const sg_preflight_opts *pf, sg_sym sym,
                        const char *dir, sg_pdf_doc *one_pdf, const sg_pdf_opts *pdf,
                        unsigned *symbols) {
  int ret = SG_EXIT_FAIL;
  char *jws = NULL;
  char path[4096];
  sg_grid grids[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  memset(grids, 0, sizeof grids);
  cJSON *root = cJSON_Duplicate(base, 1);
  cJSON *target = root != NULL ? cJSON_AddObjectToObject(root, "target") : NULL;
  cJSON *models = target != NULL ? cJSON_AddArrayToObject(target, "models") : NULL;
  cJSON *serials = target != NULL ? cJSON_AddArrayToObject(target, "serials") : NULL;
  if (models == NULL || serials == NULL ||
      !cJSON_AddItemToArray(models, cJSON_CreateString(dev->model)) ||
      !cJSON_AddItemToArray(serials, cJSON_CreateString(dev->serial))) {
    cJSON_Delete(root);
    return sg_fail("out of memory");
  }
  if ((ret = sg_profile_prepare(root, po)) != SG_EXIT_OK ||
      (ret = sg_sign_compact(s, alg, x5c, root, &jws)) != SG_EXIT_OK ||
      (ret = sg_preflight(jws, root, (const sg_signer *const[]){s}, 1, x5c, pf)) != SG_EXIT_OK) {
    goto out;
  }
  (void)snprintf(path, sizeof path, "%s/%s-%s.jws", dir, dev->model, dev->serial);
  const size_t jl = strlen(jws);
  if ((ret = sg_write_file(path, jws, jl)) != SG_EXIT_OK ||
      (ret = sg_render_grids(path, (const uint8_t *)jws, jl, sym, grids, &n)) != SG_EXIT_OK) {
    goto out;
  }
  sg_facts facts;
  if ((ret = sg_profile_facts((const uint8_t *)jws, jl, NULL, &facts)) != SG_EXIT_OK) {
    goto out;
  }
  if (one_pdf != NULL) {
    ret = sg_pdf_add(one_pdf, &facts, grids, n, NULL);
  } else {
    (void)snprintf(path, sizeof path, "%s/%s-%s.pdf", dir, dev->model, dev->serial);
    ret = sg_pdf_write(path, pdf, &facts, grids, n, NULL);
  }
  *symbols = n;
out:
  for (unsigned i = 0; i < SG_SPLIT_MAX_CHUNKS; i++) {
    sg_grid_free(&grids[i]);
  }
  free(jws);
  cJSON_Delete(root);
  return ret;
}

int sg_cmd_batch(int argc, char **argv) {
  int ret = SG_EXIT_USAGE;
  sg_key_source src = {0};
  sg_profile_opts po = {0};
  const char *alg_opt = NULL, *x5c = NULL, *profile = NULL, *dir = NULL, *one = NULL;
  const char *sym_opt = NULL, *paper = NULL, *module_mm = NULL, *for_opt = NULL;
  const char *anchor_opt = NULL;
  const sg_opt opts[] = {
      {"key", 1, &src.key},         {"cert", 1, &src.cert},
      {"pfx", 1, &src.pfx},         {"chain", 1, &src.chain},
      {"pass", 1, &src.pass},       {"pass-env", 1, &src.pass_env},
      {"pass-file", 1, &src.pass_file}, {"alg", 1, &alg_opt},
      {"x5c", 0, &x5c},             {"seq", 1, &po.seq},
      {"iat", 1, &po.iat},          {"exp", 1, &po.exp},
      {"profile", 1, &profile},     {"out-dir", 1, &dir},
      {"one-pdf", 1, &one},         {"symbology", 1, &sym_opt},
      {"paper", 1, &paper},         {"module-mm", 1, &module_mm},
      {"for", 1, &for_opt},         {"anchor", 1, &anchor_opt},
      {NULL, 0, NULL},
  };
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  src.what = "";
  if ((ret = sg_opts_parse(argc, argv, opts, pos, 1, &n_pos, &help)) != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    fputs(sg_batch_help, stdout);
    return SG_EXIT_OK;
  }
  if (n_pos != 1 || profile == NULL || dir == NULL) {
    return sg_usage("batch needs --profile FILE, --out-dir DIR and a device list (see batch "
                    "--help)");
  }
  sg_sym sym = SG_SYM_PDF417;
  if (sym_opt != NULL && strcmp(sym_opt, "qr") == 0) {
    sym = SG_SYM_QR;
  } else if (sym_opt != NULL && strcmp(sym_opt, "datamatrix") == 0) {
    sym = SG_SYM_DATAMATRIX;
  } else if (sym_opt != NULL && strcmp(sym_opt, "pdf417") != 0) {
    return sg_usage("--symbology '%s': use pdf417, qr or datamatrix", sym_opt);
  }
  sg_pdf_opts pdf = {0.33, 0};
  if (paper != NULL && strcmp(paper, "letter") == 0) {
    pdf.letter = 1;
  } else if (paper != NULL && strcmp(paper, "a4") != 0) {
    return sg_usage("--paper '%s': use a4 or letter", paper);
  }
  if (module_mm != NULL) {
    char *end = NULL;
    pdf.module_mm = strtod(module_mm, &end);
    if (end == module_mm || *end != '\0' || !(pdf.module_mm >= 0.19 && pdf.module_mm <= 1.0)) {
      return sg_usage("--module-mm '%s': a module is 0.19..1.00 mm", module_mm);
    }
  }
  if (for_opt != NULL && strcmp(for_opt, "factory") != 0 && strcmp(for_opt, "trusted") != 0) {
    return sg_usage("--for '%s': use factory or trusted", for_opt);
  }
  sg_device *devs = NULL;
  unsigned count = 0;
  sg_signer s;
  cJSON *root = NULL;
  char *pdir = NULL;
  sg_pdf_doc *doc = NULL;
  sg_preflight_opts pf;
  mbedtls_x509_crt anchor;
  mbedtls_x509_crt_init(&anchor);
  sg_signer_init(&s);
  sg_jws_alg alg = SG_JWS_NONE;
  if ((ret = sg_batch_devices(pos[0], &devs, &count)) != SG_EXIT_OK ||
      (ret = sg_profile_read(profile, &root)) != SG_EXIT_OK) {
    goto out;
  }
  if (cJSON_GetObjectItemCaseSensitive(root, "target") != NULL) {
    ret = sg_fail("%s: has a \"target\" already: batch sets one per device", profile);
    goto out;
  }
  ret = sg_preflight_opts_parse(for_opt, sg_preflight_default_for(root), anchor_opt, &anchor, &pf);
  if (ret != SG_EXIT_OK) {
    goto out;
  }
  if ((ret = sg_signer_load(&s, &src)) != SG_EXIT_OK ||
      (ret = sg_jws_pick_alg(s.key, alg_opt, s.label, &alg)) != SG_EXIT_OK) {
    goto out;
  }
  pdir = sg_dirname(profile);
  if (pdir == NULL) {
    ret = sg_fail("out of memory");
    goto out;
  }
  po.base_dir = pdir;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    ret = sg_fail("%s: cannot create directory: %s", dir, strerror(errno));
    goto out;
  }
  if (one != NULL && (ret = sg_pdf_open(one, &pdf, "stagegate fleet batch", &doc)) != SG_EXIT_OK) {
    goto out;
  }
  /* One signing time for the batch: every device's seq and iat. */
  char now[24];
  (void)snprintf(now, sizeof now, "%lld", (long long)time(NULL));
  if (po.iat == NULL) {
    po.iat = now;
  }
  struct timespec t0, t1;
  (void)clock_gettime(CLOCK_MONOTONIC, &t0);
  const clock_t c0 = clock();
  unsigned symbols_total = 0;
  for (unsigned i = 0; i < count && ret == SG_EXIT_OK; i++) {
    unsigned symbols = 0;
    ret = sg_batch_one(root, &devs[i], &s, alg, x5c != NULL, &po, &pf, sym, dir, doc, &pdf,
                       &symbols);
    if (ret == SG_EXIT_OK) {
      symbols_total += symbols;
      printf("%s,%s: %u symbol%s\n", devs[i].model, devs[i].serial, symbols,
             symbols == 1 ? "" : "s");
    }
  }
  unsigned pages = 0;
  const int closed = sg_pdf_close(doc, &pages);
  doc = NULL;
  ret = ret != SG_EXIT_OK ? ret : closed;
  (void)clock_gettime(CLOCK_MONOTONIC, &t1);
  if (ret == SG_EXIT_OK) {
    const double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (one != NULL) {
      printf("%s: %u devices, %u pages\n", one, count, pages);
    }
    const double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    printf("batch: %u devices, %u symbols, %.1f s (%.1f ms a device; CPU %.1f s, %.1f ms a "
           "device)\n",
           count, symbols_total, secs, 1000.0 * secs / count, cpu, 1000.0 * cpu / count);
  }
out:
  if (doc != NULL) {
    (void)sg_pdf_close(doc, NULL);
  }
  free(devs);
  free(pdir);
  cJSON_Delete(root);
  sg_signer_free(&s);
  mbedtls_x509_crt_free(&anchor);
  return ret;
}

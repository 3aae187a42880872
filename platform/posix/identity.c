/* sg_posix_identity: model and serial from the environment or a small
 * key=value file (see sg_posix.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_posix.h"
#include "stagegate/errors.h"

static int sg_is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Trim [*b, *e) in place. */
static void sg_trim(const char **b, const char **e) {
  while (*b < *e && sg_is_space(**b)) {
    (*b)++;
  }
  while (*e > *b && sg_is_space((*e)[-1])) {
    (*e)--;
  }
}

/* Copy a value; SG_ERR_ARG if empty or too long. */
static int sg_id_copy(char dst[SG_POSIX_ID_MAX], const char *b, const char *e) {
  const size_t n = (size_t)(e - b);
  if (n == 0 || n >= SG_POSIX_ID_MAX) {
    return SG_ERR_ARG;
  }
  memcpy(dst, b, n);
  dst[n] = '\0';
  return SG_OK;
}

static int sg_id_from_env(char dst[SG_POSIX_ID_MAX], const char *name) {
  const char *v = getenv(name);
  if (v == NULL) {
    return 1; /* not set */
  }
  return sg_id_copy(dst, v, v + strlen(v));
}

static int sg_id_from_file(sg_posix_identity *pi, const char *path, int want_model,
                           int want_serial) {
  int ret = SG_ERR_STORAGE;
  char line[256];
  FILE *fp = fopen(path, "r");
  if (fp == NULL) {
    return SG_ERR_STORAGE;
  }
  ret = SG_OK;
  while (ret == SG_OK && fgets(line, sizeof line, fp) != NULL) {
    const char *b = line;
    const char *e = line + strlen(line);
    if (e > b && e[-1] != '\n' && !feof(fp)) {
      ret = SG_ERR_ARG; /* a line longer than any sane entry */
      break;
    }
    sg_trim(&b, &e);
    if (b == e || *b == '#') {
      continue;
    }
    const char *eq = memchr(b, '=', (size_t)(e - b));
    if (eq == NULL) {
      continue;
    }
    const char *kb = b;
    const char *ke = eq;
    const char *vb = eq + 1;
    const char *ve = e;
    sg_trim(&kb, &ke);
    sg_trim(&vb, &ve);
    const size_t kn = (size_t)(ke - kb);
    if (want_model && kn == 5 && memcmp(kb, "model", 5) == 0) {
      ret = sg_id_copy(pi->model, vb, ve);
    } else if (want_serial && kn == 6 && memcmp(kb, "serial", 6) == 0) {
      ret = sg_id_copy(pi->serial, vb, ve);
    }
  }
  if (ferror(fp)) {
    ret = SG_ERR_STORAGE;
  }
  (void)fclose(fp);
  return ret;
}

int sg_posix_identity_load(sg_posix_identity *pi, const char *path, sg_identity *out) {
  int ret = SG_ERR_ARG;
  if (pi == NULL || out == NULL) {
    return SG_ERR_ARG;
  }
  memset(pi, 0, sizeof *pi);
  out->model = NULL;
  out->serial = NULL;
  const int env_model = sg_id_from_env(pi->model, "STAGEGATE_MODEL");
  const int env_serial = sg_id_from_env(pi->serial, "STAGEGATE_SERIAL");
  if (env_model < 0 || env_serial < 0) {
    return SG_ERR_ARG;
  }
  if ((env_model != SG_OK || env_serial != SG_OK) && path != NULL) {
    ret = sg_id_from_file(pi, path, env_model != SG_OK, env_serial != SG_OK);
    if (ret != SG_OK) {
      return ret;
    }
  }
  if (pi->model[0] == '\0' || pi->serial[0] == '\0') {
    return SG_ERR_ARG;
  }
  out->model = pi->model;
  out->serial = pi->serial;
  return SG_OK;
}

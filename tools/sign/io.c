/*
 * Shared plumbing: the one-line error record, option parsing and files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/error.h"
#include "mbedtls/platform_util.h"
#include "sg_sign.h"

static char sg_err_msg[1024];

__attribute__((format(printf, 2, 0))) static int sg_record(int code, const char *fmt, va_list ap) {
  if (sg_err_msg[0] == '\0') { /* the innermost (first) reason wins */
    (void)vsnprintf(sg_err_msg, sizeof sg_err_msg, fmt, ap);
  }
  return code;
}

int sg_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int ret = sg_record(SG_EXIT_FAIL, fmt, ap);
  va_end(ap);
  return ret;
}

int sg_usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int ret = sg_record(SG_EXIT_USAGE, fmt, ap);
  va_end(ap);
  return ret;
}

const char *sg_error(void) {
  return sg_err_msg;
}

void sg_error_clear(void) {
  sg_err_msg[0] = '\0';
}

const char *sg_mbedtls_msg(int code, char *buf, size_t size) {
  mbedtls_strerror(code, buf, size);
  return buf;
}

int sg_opts_parse(int argc, char **argv, const sg_opt *opts, const char **positional,
                  unsigned max_pos, unsigned *n_pos, int *help) {
  int ret = SG_EXIT_USAGE;
  *n_pos = 0;
  *help = 0;
  int only_pos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_pos || a[0] != '-' || a[1] == '\0') { /* "-" alone is stdin/stdout */
      if (*n_pos >= max_pos) {
        return sg_usage("unexpected argument '%s' (see --help)", a);
      }
      positional[(*n_pos)++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_pos = 1;
      continue;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      *help = 1;
      continue;
    }
    if (a[1] != '-') {
      return sg_usage("unknown option '%s' (options are long: --name; see --help)", a);
    }
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    const size_t name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
    const sg_opt *o = NULL;
    for (const sg_opt *p = opts; p->name != NULL; p++) {
      if (strlen(p->name) == name_len && strncmp(p->name, name, name_len) == 0) {
        o = p;
        break;
      }
    }
    if (o == NULL) {
      return sg_usage("unknown option '--%.*s' (see --help)", (int)name_len, name);
    }
    if (o->has_arg) {
      if (eq != NULL) {
        *o->value = eq + 1;
      } else if (i + 1 < argc) {
        *o->value = argv[++i];
      } else {
        return sg_usage("option '--%s' needs a value", o->name);
      }
    } else {
      if (eq != NULL) {
        return sg_usage("option '--%s' takes no value", o->name);
      }
      *o->value = "1";
    }
  }
  ret = SG_EXIT_OK;
  return ret;
}

#define SG_FILE_MAX (16u * 1024u * 1024u)

int sg_read_file(const char *path, uint8_t **buf, size_t *len) {
  int ret = SG_EXIT_FAIL;
  FILE *f = NULL;
  uint8_t *data = NULL;
  size_t size = 0, used = 0;
  if (path == NULL || buf == NULL || len == NULL) {
    return sg_fail("internal: no file name");
  }
  *buf = NULL;
  *len = 0;
  const int is_stdin = strcmp(path, "-") == 0;
  f = is_stdin ? stdin : fopen(path, "rb");
  if (f == NULL) {
    return sg_fail("%s: cannot open: %s", path, strerror(errno));
  }
  for (;;) {
    if (used + 1 >= size) {
      const size_t grow = size == 0 ? 4096 : size * 2;
      if (grow > SG_FILE_MAX + 1) {
        ret = sg_fail("%s: larger than %u bytes: not a profile, key or certificate", path,
                      SG_FILE_MAX);
        goto out;
      }
      uint8_t *p = realloc(data, grow);
      if (p == NULL) {
        ret = sg_fail("%s: out of memory", path);
        goto out;
      }
      data = p;
      size = grow;
    }
    const size_t got = fread(data + used, 1, size - used - 1, f);
    used += got;
    if (got == 0) {
      break;
    }
  }
  if (ferror(f)) {
    ret = sg_fail("%s: read error", path);
    goto out;
  }
  data[used] = 0;
  *buf = data;
  *len = used;
  data = NULL;
  ret = SG_EXIT_OK;
out:
  if (data != NULL) {
    /* may have held part of a key */
    mbedtls_platform_zeroize(data, size);
    free(data);
  }
  if (f != NULL && !is_stdin) {
    fclose(f);
  }
  return ret;
}

int sg_write_file(const char *path, const void *buf, size_t len) {
  int ret = SG_EXIT_FAIL;
  const int is_stdout = strcmp(path, "-") == 0;
  FILE *f = is_stdout ? stdout : fopen(path, "wb");
  if (f == NULL) {
    return sg_fail("%s: cannot create: %s", path, strerror(errno));
  }
  const size_t put = len != 0 ? fwrite(buf, 1, len, f) : 0;
  const int flushed = fflush(f);
  const int closed = is_stdout ? 0 : fclose(f);
  if (put != len || flushed != 0 || closed != 0) {
    return sg_fail("%s: write error: %s", path, strerror(errno));
  }
  ret = SG_EXIT_OK;
  return ret;
}

void sg_free_buf(void *buf) {
  free(buf);
}

void sg_free_secret(void *buf, size_t len) {
  if (buf != NULL) {
    mbedtls_platform_zeroize(buf, len);
    free(buf);
  }
}

int sg_is_pem(const uint8_t *buf, size_t len, const char *label) {
  char marker[96];
  const int n = snprintf(marker, sizeof marker, "-----BEGIN %s", label);
  if (buf == NULL || n <= 0 || (size_t)n >= sizeof marker || len < (size_t)n) {
    return 0;
  }
  for (size_t i = 0; i + (size_t)n <= len; i++) {
    if (memcmp(buf + i, marker, (size_t)n) == 0) {
      return 1;
    }
  }
  return 0;
}

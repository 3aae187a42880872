/*
 * Read a printed sheet back: the barcodes in PNG/JPEG/PGM images or in a
 * PDF's pages (rasterised at 300 dpi by poppler's pdftoppm, which
 * toolchain/setup installs), decoded with the device's ZXing settings and
 * reassembled from their SG1 chunks exactly as a device would: every
 * chunk of one set, indices 1..n, the set id the SHA-256 of the whole.
 * `inspect` then shows the profile as if it had been given the text.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, posix_spawnp */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mbedtls/sha256.h"
#include "sg_image.h"
#include "sg_render.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

extern char **environ;

#define SG_READ_MAX_SYMBOLS 64u

typedef struct {
  uint8_t *text[SG_READ_MAX_SYMBOLS];
  size_t len[SG_READ_MAX_SYMBOLS];
  unsigned n;
} sg_read_set;

static void sg_read_set_free(sg_read_set *r) {
  for (unsigned i = 0; i < r->n; i++) {
    free(r->text[i]);
  }
  memset(r, 0, sizeof *r);
}

/* Every symbol in one image file. */
static int sg_read_image(const char *path, sg_read_set *r) {
  sg_image img;
  sg_image_init(&img);
  int rc = sg_image_load_path(path, SG_PIXELS_GREY8, NULL, &img);
  if (rc != SG_OK) {
    return sg_fail("%s: %s", path, sg_strerror(rc));
  }
  sg_symbol items[SG_READ_MAX_SYMBOLS];
  sg_symbol_list list;
  sg_zx_read_opts ro;
  const size_t arena_len = SG_READ_MAX_SYMBOLS * 2048u;
  uint8_t *arena = malloc(arena_len);
  int ret = SG_EXIT_FAIL;
  sg_zx_read_opts_default(&ro);
  if (arena == NULL) {
    ret = sg_fail("out of memory");
  } else if ((rc = sg_symbol_list_init(&list, items, SG_READ_MAX_SYMBOLS, arena, arena_len)) !=
                 SG_OK ||
             (rc = sg_zx_read(img.pixels, img.stride * img.height, img.width, img.height,
                              img.stride, SG_PIXELS_GREY8, &ro, &list)) != SG_OK) {
    ret = sg_fail("%s: %s", path, sg_strerror(rc));
  } else {
    ret = SG_EXIT_OK;
    for (size_t i = 0; i < list.count && ret == SG_EXIT_OK; i++) {
      if (r->n == SG_READ_MAX_SYMBOLS) {
        ret = sg_fail("%s: more than %u barcodes", path, SG_READ_MAX_SYMBOLS);
        break;
      }
      r->text[r->n] = malloc(items[i].len + 1);
      if (r->text[r->n] == NULL) {
        ret = sg_fail("out of memory");
        break;
      }
      memcpy(r->text[r->n], items[i].data, items[i].len);
      r->text[r->n][items[i].len] = '\0';
      r->len[r->n++] = items[i].len;
    }
  }
  free(arena);
  sg_image_free(&img);
  return ret;
}

/* pdftoppm -r 300 -gray PDF DIR/page; then every page image. */
static int sg_read_pdf(const char *path, sg_read_set *r) {
  char dir[] = "/tmp/stagegate-sheet-XXXXXX";
  if (mkdtemp(dir) == NULL) {
    return sg_fail("cannot make a temporary directory: %s", strerror(errno));
  }
  char prefix[64], a0[] = "pdftoppm", a1[] = "-r", a2[] = "300", a3[] = "-gray", file_arg[4096];
  (void)snprintf(prefix, sizeof prefix, "%s/page", dir);
  (void)snprintf(file_arg, sizeof file_arg, "%s", path);
  char *argv[] = {a0, a1, a2, a3, file_arg, prefix, NULL};
  pid_t pid;
  int status = 0, ret = SG_EXIT_FAIL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const int sp = posix_spawnp(&pid, "pdftoppm", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (sp != 0) {
    ret = sg_fail("%s: reading a PDF needs pdftoppm (Debian package poppler-utils): %s", path,
                  strerror(sp));
  } else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ret = sg_fail("%s: pdftoppm cannot read it: not a PDF, or a damaged one", path);
  } else {
    ret = SG_EXIT_OK;
  }
  /* Page files, in page order (pdftoppm pads the numbers). */
  struct dirent **names = NULL;
  const int n = scandir(dir, &names, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    char file[512];
    (void)snprintf(file, sizeof file, "%s/%s", dir, names[i]->d_name);
    if (names[i]->d_name[0] != '.') {
      if (ret == SG_EXIT_OK) {
        ret = sg_read_image(file, r);
      }
      (void)unlink(file);
    }
    free(names[i]);
  }
  free(names);
  (void)rmdir(dir);
  return ret;
}

/* "SG1:<i>/<n>:<12 hex>:" -> i, n, set; header length or 0. */
static size_t sg_read_header(const uint8_t *t, size_t len, unsigned *i, unsigned *n, char set[13]) {
  unsigned a = 0, b = 0;
  size_t p = 4;
  if (len < 4 || memcmp(t, "SG1:", 4) != 0) {
    return 0;
  }
  for (; p < len && t[p] >= '0' && t[p] <= '9' && a < 100; p++) {
    a = a * 10 + (unsigned)(t[p] - '0');
  }
  if (p >= len || t[p++] != '/') {
    return 0;
  }
  for (; p < len && t[p] >= '0' && t[p] <= '9' && b < 100; p++) {
    b = b * 10 + (unsigned)(t[p] - '0');
  }
  if (p + 14 > len || t[p] != ':' || t[p + 13] != ':' || a == 0 || b == 0 || a > b) {
    return 0;
  }
  memcpy(set, t + p + 1, 12);
  set[12] = '\0';
  *i = a;
  *n = b;
  return p + 14;
}

sg_sheet_kind sg_sheet_kind_of(const uint8_t *buf, size_t len) {
  if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0) {
    return SG_SHEET_IMAGE;
  }
  if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff) {
    return SG_SHEET_IMAGE;
  }
  if (len >= 3 && buf[0] == 'P' && (buf[1] == '5' || buf[1] == '6') &&
      (buf[2] == '\n' || buf[2] == ' ' || buf[2] == '\r' || buf[2] == '\t')) {
    return SG_SHEET_IMAGE;
  }
  if (len >= 5 && memcmp(buf, "%PDF-", 5) == 0) {
    return SG_SHEET_PDF;
  }
  return SG_SHEET_NONE;
}

int sg_sheet_read(const char *path, int is_pdf, char **text, size_t *len, unsigned *symbols) {
  sg_read_set r;
  memset(&r, 0, sizeof r);
  *text = NULL;
  *len = 0;
  int ret = is_pdf ? sg_read_pdf(path, &r) : sg_read_image(path, &r);
  if (ret != SG_EXIT_OK) {
    sg_read_set_free(&r);
    return ret;
  }
  *symbols = r.n;
  if (r.n == 0) {
    sg_read_set_free(&r);
    return sg_fail("%s: no barcode found", path);
  }
  unsigned idx = 0, count = 0;
  char set[13], first_set[13] = "";
  if (r.n == 1 && sg_read_header(r.text[0], r.len[0], &idx, &count, set) == 0) {
    *text = (char *)r.text[0]; /* a bare profile */
    *len = r.len[0];
    r.text[0] = NULL;
    sg_read_set_free(&r);
    return SG_EXIT_OK;
  }
  /* Chunks: one set, each index once, all present. */
  const uint8_t *data[SG_SPLIT_MAX_CHUNKS] = {NULL};
  size_t dlen[SG_SPLIT_MAX_CHUNKS] = {0};
  size_t total = 0;
  unsigned want = 0;
  ret = SG_EXIT_OK;
  for (unsigned k = 0; k < r.n && ret == SG_EXIT_OK; k++) {
    const size_t h = sg_read_header(r.text[k], r.len[k], &idx, &count, set);
    if (h == 0 || count > SG_SPLIT_MAX_CHUNKS) {
      ret = sg_fail("%s: barcode %u is not a stagegate chunk", path, k + 1);
    } else if (first_set[0] != '\0' && (strcmp(set, first_set) != 0 || count != want)) {
      ret = sg_fail("%s: barcodes of more than one profile (sets %s and %s)", path, first_set,
                    set);
    } else if (data[idx - 1] != NULL) {
      ret = sg_fail("%s: chunk %u of %u appears twice", path, idx, count);
    } else {
      memcpy(first_set, set, sizeof set);
      want = count;
      data[idx - 1] = r.text[k] + h;
      dlen[idx - 1] = r.len[k] - h;
      total += r.len[k] - h;
    }
  }
  for (unsigned k = 0; ret == SG_EXIT_OK && k < want; k++) {
    if (data[k] == NULL) {
      ret = sg_fail("%s: chunk %u of %u is missing", path, k + 1, want);
    }
  }
  char *out = ret == SG_EXIT_OK ? malloc(total + 1) : NULL;
  if (ret == SG_EXIT_OK && out == NULL) {
    ret = sg_fail("out of memory");
  }
  if (ret == SG_EXIT_OK) {
    size_t o = 0;
    for (unsigned k = 0; k < want; k++) {
      memcpy(out + o, data[k], dlen[k]);
      o += dlen[k];
    }
    out[o] = '\0';
    uint8_t hash[32];
    char hex[13];
    (void)mbedtls_sha256((const uint8_t *)out, o, hash, 0);
    for (unsigned k = 0; k < 6; k++) {
      (void)snprintf(hex + 2 * k, 3, "%02x", hash[k]);
    }
    if (strcmp(hex, first_set) != 0) {
      free(out);
      out = NULL;
      ret = sg_fail("%s: the chunks do not reassemble to their set id (damaged or mixed)", path);
    }
  }
  *text = out;
  *len = out != NULL ? strlen(out) : 0;
  sg_read_set_free(&r);
  return ret;
}

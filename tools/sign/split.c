/*
 * `split`: cut a profile text into barcode chunk texts
 * "SG1:<i>/<n>:<set>:<data>" (DESIGN.md, Barcode chunks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/sha256.h"
#include "sg_sign.h"

#define SG_DEFAULT_MAX_PROFILE 8192u /* the agent's SG_MAX_PROFILE default */

static const char sg_split_help[] =
    "usage: stagegate-sign split --capacity BYTES [options] PROFILE\n"
    "\n"
    "Cut a signed (JWS) or unsigned (JSON) profile into barcode texts\n"
    "SG1:<i>/<n>:<set>:<data>, at most 16, each at most BYTES long (header\n"
    "included). <set> is the first 6 bytes of SHA-256 of the whole text, in hex.\n"
    "Leading and trailing white space of the file (its final newline) is dropped.\n"
    "\n"
    "options:\n"
    "  --capacity BYTES   what one symbol holds (e.g. QR version 25-L byte mode: 1273)\n"
    "  --out-prefix P     write P-1.txt ... P-n.txt (no final newline: feed each to the\n"
    "                     barcode generator as is); default: one chunk per line on stdout\n"
    "  --bare             a profile that fits one symbol is written without header\n"
    "  --max-profile N    refuse texts over N bytes (default 8192, the agent's\n"
    "                     SG_MAX_PROFILE)\n";

static size_t sg_digits(unsigned v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

size_t sg_split_header(unsigned i, unsigned n, const char set[13], char *buf, size_t size) {
  const int len = snprintf(buf, size, "SG1:%u/%u:%s:", i, n, set);
  return len > 0 && (size_t)len < size ? (size_t)len : 0;
}

/* "SG1:" + i + "/" + n + ":" + 12 hex + ":" */
static size_t sg_header_len(unsigned i, unsigned n) {
  return 4 + sg_digits(i) + 1 + sg_digits(n) + 1 + SG_SPLIT_SET_HEX + 1;
}

/* Try exactly n chunks; 1 if the text fits, 0 if not. */
static int sg_split_try(const uint8_t *text, size_t len, size_t capacity, unsigned n,
                        sg_chunk chunks[SG_SPLIT_MAX_CHUNKS]) {
  size_t off = 0;
  for (unsigned i = 1; i <= n; i++) {
    const size_t hdr = sg_header_len(i, n);
    if (capacity <= hdr || off >= len) {
      return 0; /* no room for data, or fewer chunks would do */
    }
    size_t take = capacity - hdr;
    if (take >= len - off) {
      take = len - off;
    } else {
      /* Never cut a UTF-8 sequence: each chunk stays valid text. */
      size_t end = off + take;
      while (end > off && (text[end] & 0xc0u) == 0x80u) {
        end--;
      }
      if (end > off) {
        take = end - off;
      }
    }
    chunks[i - 1].off = off;
    chunks[i - 1].len = take;
    off += take;
  }
  return off == len;
}

int sg_split_plan(const uint8_t *text, size_t len, size_t capacity,
                  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS], unsigned *n, char set[13]) {
  int ret = SG_SPLIT_TOO_MANY;
  uint8_t hash[32];
  *n = 0;
  if (text == NULL || len == 0) {
    return SG_SPLIT_EMPTY;
  }
  if (capacity < sg_header_len(1, 1) + 1) {
    return SG_SPLIT_TOO_SMALL;
  }
  (void)mbedtls_sha256(text, len, hash, 0);
  for (unsigned i = 0; i < SG_SPLIT_SET_HEX / 2; i++) {
    (void)snprintf(set + 2 * i, 3, "%02x", hash[i]);
  }
  set[SG_SPLIT_SET_HEX] = '\0';
  /* The fewest chunks: each extra one costs a header and a scan. */
  for (unsigned k = 1; k <= SG_SPLIT_MAX_CHUNKS; k++) {
    if (sg_split_try(text, len, capacity, k, chunks)) {
      *n = k;
      ret = SG_SPLIT_OK;
      break;
    }
  }
  return ret;
}

size_t sg_split_min_capacity(const uint8_t *text, size_t len) {
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  size_t cap = sg_header_len(1, 1) + 1;
  for (; cap < len + sg_header_len(1, 1) + 1; cap++) {
    unsigned k = 0;
    for (k = 1; k <= SG_SPLIT_MAX_CHUNKS && !sg_split_try(text, len, cap, k, chunks); k++) {
    }
    if (k <= SG_SPLIT_MAX_CHUNKS) {
      break;
    }
  }
  return cap;
}

/* A profile text: bare JSON, JWS (compact: three base64url parts) or an
 * encrypted profile (JWE compact: five parts, `stagegate-sign encrypt`). */
static int sg_looks_like_profile(const uint8_t *t, size_t len) {
  if (t[0] == '{') {
    return 1;
  }
  unsigned dots = 0;
  for (size_t i = 0; i < len; i++) {
    const uint8_t c = t[i];
    if (c == '.') {
      dots++;
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_')) {
      return 0;
    }
  }
  return dots == 2 || dots == 4;
}

static int sg_is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int sg_cmd_split(int argc, char **argv) {
  int ret = SG_EXIT_USAGE;
  const char *cap_opt = NULL, *prefix = NULL, *bare = NULL, *max_opt = NULL;
  const sg_opt opts[] = {
      {"capacity", 1, &cap_opt}, {"out-prefix", 1, &prefix}, {"bare", 0, &bare},
      {"max-profile", 1, &max_opt}, {NULL, 0, NULL},
  };
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  ret = sg_opts_parse(argc, argv, opts, pos, 1, &n_pos, &help);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    fputs(sg_split_help, stdout);
    return SG_EXIT_OK;
  }
  if (n_pos != 1) {
    return sg_usage("split needs one profile file (see split --help)");
  }
  if (cap_opt == NULL) {
    return sg_usage("split needs --capacity BYTES (what one barcode symbol holds)");
  }
  double cap_d = 0, max_d = SG_DEFAULT_MAX_PROFILE;
  if ((ret = sg_parse_uint53(cap_opt, 0, "--capacity", &cap_d)) != SG_EXIT_OK ||
      (max_opt != NULL &&
       (ret = sg_parse_uint53(max_opt, 0, "--max-profile", &max_d)) != SG_EXIT_OK)) {
    return ret;
  }
  const size_t capacity = (size_t)cap_d;
  uint8_t *buf = NULL;
  size_t len = 0;
  ret = sg_read_file(pos[0], &buf, &len);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  size_t start = 0;
  while (start < len && sg_is_space(buf[start])) {
    start++;
  }
  while (len > start && sg_is_space(buf[len - 1])) {
    len--;
  }
  const uint8_t *text = buf + start;
  len -= start;
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  unsigned n = 0;
  char set[13];
  char header[48];
  if (len == 0) {
    ret = sg_fail("%s: empty: nothing to split", pos[0]);
    goto out;
  }
  if (!sg_looks_like_profile(text, len)) {
    ret = sg_fail("%s: not a profile (JSON object, JWS or JWE compact serialization)", pos[0]);
    goto out;
  }
  if ((double)len > max_d) {
    ret = sg_fail("%s: %zu bytes, more than devices accept (%.0f; see --max-profile)", pos[0], len,
                  max_d);
    goto out;
  }
  if (prefix == NULL && (memchr(text, '\n', len) != NULL || memchr(text, '\r', len) != NULL)) {
    ret = sg_fail("%s: the text has line breaks: use --out-prefix (stdout holds one chunk per "
                  "line)",
                  pos[0]);
    goto out;
  }
  if (bare != NULL && len <= capacity) {
    n = 1;
    chunks[0].off = 0;
    chunks[0].len = len;
    set[0] = '\0';
  } else {
    bare = NULL;
    const int rc = sg_split_plan(text, len, capacity, chunks, &n, set);
    if (rc == SG_SPLIT_TOO_SMALL) {
      ret = sg_fail("--capacity %zu is too small for the chunk header: a chunk needs at least "
                    "%zu bytes",
                    capacity, sg_header_len(1, 1) + 1);
      goto out;
    }
    if (rc != SG_SPLIT_OK) {
      ret = sg_fail("%s: %zu bytes need more than %u barcodes of %zu bytes: use symbols of at "
                    "least %zu bytes",
                    pos[0], len, SG_SPLIT_MAX_CHUNKS, capacity, sg_split_min_capacity(text, len));
      goto out;
    }
  }
  ret = SG_EXIT_OK;
  for (unsigned i = 0; i < n && ret == SG_EXIT_OK; i++) {
    const size_t hl = bare != NULL ? 0 : sg_split_header(i + 1, n, set, header, sizeof header);
    const size_t total = hl + chunks[i].len;
    char *chunk = malloc(total + 1);
    if (chunk == NULL) {
      ret = sg_fail("out of memory");
      break;
    }
    memcpy(chunk, header, hl);
    memcpy(chunk + hl, text + chunks[i].off, chunks[i].len);
    if (prefix != NULL) {
      char path[4096];
      const int pn = snprintf(path, sizeof path, "%s-%u.txt", prefix, i + 1);
      ret = pn > 0 && (size_t)pn < sizeof path ? sg_write_file(path, chunk, total)
                                               : sg_fail("--out-prefix too long");
    } else {
      chunk[total] = '\n';
      ret = sg_write_file("-", chunk, total + 1);
    }
    free(chunk);
  }
out:
  sg_free_buf(buf);
  return ret;
}

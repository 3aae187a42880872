/*
 * `render`: a profile text -> one barcode PNG per symbol plus one printable
 * sheet. Splits with split.c's plan (SG1:<i>/<n>:<set>:<data>) at the
 * largest size the chosen symbology really holds for this text, found by
 * encoding rather than from a table: capacity depends on the content
 * (PDF417 and QR pick their compaction modes per text) and on the EC level.
 *
 * Symbols are encoded by libzint (symbol.c), with the symbology's own
 * structured append, and every one is read back before anything is
 * written with scanner/zxing (ZXing-C++), the decoder devices use, at the
 * device's settings. Neither links mbedTLS, so both sit beside the tool's
 * own mbedTLS build without a clash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sg_image.h"
#include "sg_render.h"
#include "sg_sign.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

#define SG_RENDER_MAX_LINES 64u /* --lines: symbols per sheet */
#define SG_RENDER_MAX_PROFILE 8192u
#define SG_RENDER_HDR_MAX 23u /* "SG1:16/16:<12 hex>:" */
#define SG_RENDER_UNREADABLE 1 /* a rendered symbol did not read back (not an sg_err) */
#define SG_RENDER_MAX_MODULE_PX 32u

static const char sg_render_help[] =
    "usage: stagegate-sign render --out-dir DIR [options] PROFILE\n"
    "\n"
    "Render a signed (JWS) or unsigned (JSON) profile as barcodes: one PNG per\n"
    "symbol, DIR/<base>-1.png ... DIR/<base>-n.png, and a printable sheet,\n"
    "DIR/<base>-sheet.pdf (A4 or Letter, every page headed with the profile's name,\n"
    "what it does, signer, SHA-256, seq, issued and expiry; \"k of n, any order\"\n"
    "under each symbol). The text is split like `split` (SG1:<i>/<n>:<set>:<data>,\n"
    "at most 16 symbols) at the largest size one symbol of the chosen kind holds\n"
    "reliably; a profile that fits one symbol is rendered bare (no header) unless\n"
    "--header is given.\n"
    "\n"
    "options:\n"
    "  --out-dir DIR        where the files go (created if missing)\n"
    "  --base NAME          file name base (default: PROFILE's name without extension)\n"
    "  --symbology S        pdf417 (default), qr or datamatrix\n"
    "  --ec LEVEL           error correction: QR L, M (default), Q, H or 0..3;\n"
    "                       PDF417 0..8 (default 4); DataMatrix has one fixed level\n"
    "  --sheet KIND         pdf (default), png (the symbols on one image) or none\n"
    "  --paper P            a4 (default) or letter, for the PDF\n"
    "  --module-mm MM       module size on the PDF, 0.19..1.00 mm (default 0.33)\n"
    "  --module PX          PNG pixels per module, 1..32 (default 4)\n"
    "  --dpi N              the PNGs' resolution, recorded in them (pHYs; default\n"
    "                       300): a module prints as PX/N inches\n"
    "  --cert FILE          the signer's certificate, to name its subject on the\n"
    "                       sheet when the profile has no x5c\n"
    "  --capacity BYTES     at most BYTES per symbol, header included (smaller\n"
    "                       symbols scan more easily; default: what the symbol holds)\n"
    "  --header             always use chunk headers, also for a single symbol\n"
    "  --lines              every line of PROFILE is already one symbol's text (e.g.\n"
    "                       `split` output): render each as is, in order\n"
    "  --max-profile N      refuse texts over N bytes (default 8192, the agent's\n"
    "                       SG_MAX_PROFILE)\n"
    "  --no-sheet           the same as --sheet none\n"
    "\n"
    "Symbols are written by libzint. When a profile takes several, each also\n"
    "carries the symbology's own Structured append (Macro PDF417, QR Structured\n"
    "Append, DataMatrix Structured Append), beside the SG1 header devices use.\n"
    "Sizes stay within what handheld imagers read reliably: PDF417 10 columns,\n"
    "at most 70 rows of 3 modules; QR up to version 25; DataMatrix up to 104x104.\n"
    "Every symbol is read back with the device's decoder before anything is written.\n"
    "\n"
    "Prints one line per file written: PATH WIDTHxHEIGHT and what it holds, e.g.\n"
    "  out/p-1.png 988x860 symbol 1 of 3, 798 bytes, caption \"1 of 3 - Enrol\"\n"
    "  out/p-sheet.pdf A4 sheet of 3, 2 page(s), module 0.33 mm\n"
    "Exit status: 0 success, 1 usage error, 2 input error (too large, more than 16\n"
    "symbols needed, unreadable file, I/O).\n";

typedef struct {
  sg_sym_opts so;
  unsigned module_px; /* PNG pixels per module */
  const char *sym_name;
} sg_render_cfg;

/* One symbol to draw: its text (owned), its modules and its pixels. */
typedef struct {
  uint8_t *text;
  size_t len;
  sg_grid grid;
  uint8_t *px;
  uint32_t w, h;
} sg_render_sym;

static void sg_render_syms_free(sg_render_sym *s, unsigned n) {
  for (unsigned i = 0; i < n; i++) {
    free(s[i].text);
    sg_grid_free(&s[i].grid);
    free(s[i].px);
    memset(&s[i], 0, sizeof s[i]);
  }
}

static int sg_render_parse_cfg(const char *sym, const char *ec, const char *module,
                               sg_render_cfg *cfg) {
  sg_sym s = SG_SYM_PDF417;
  if (sym == NULL || strcmp(sym, "pdf417") == 0) {
    s = SG_SYM_PDF417;
  } else if (strcmp(sym, "qr") == 0) {
    s = SG_SYM_QR;
  } else if (strcmp(sym, "datamatrix") == 0) {
    s = SG_SYM_DATAMATRIX;
  } else {
    return sg_usage("--symbology '%s': use pdf417, qr or datamatrix", sym);
  }
  cfg->so.sym = s;
  cfg->so.ec = -1;
  cfg->sym_name = sg_sym_name(s);
  if (ec != NULL) {
    static const char qr_levels[] = "LMQH";
    const char *q = strchr(qr_levels, ec[0] >= 'a' ? ec[0] - 'a' + 'A' : ec[0]);
    if (s == SG_SYM_DATAMATRIX) {
      return sg_usage("--ec: DataMatrix (ECC 200) has one fixed error correction level");
    }
    if (s == SG_SYM_QR && ec[0] != '\0' && ec[1] == '\0' && q != NULL && *q != '\0') {
      cfg->so.ec = (int)(q - qr_levels);
    } else if (ec[0] >= '0' && ec[0] <= '9' && ec[1] == '\0' &&
               ec[0] - '0' <= (s == SG_SYM_QR ? 3 : 8)) {
      cfg->so.ec = ec[0] - '0';
    } else {
      return sg_usage("--ec '%s': %s", ec,
                      s == SG_SYM_QR ? "QR levels are L, M, Q, H (or 0..3)"
                                     : "PDF417 levels are 0..8");
    }
  }
  cfg->module_px = 4;
  if (module != NULL) {
    double m = 0;
    const int ret = sg_parse_uint53(module, 0, "--module", &m);
    if (ret != SG_EXIT_OK) {
      return ret;
    }
    if (m < 1 || m > SG_RENDER_MAX_MODULE_PX) {
      return sg_usage("--module %s: pixels per module must be 1..%u", module,
                      SG_RENDER_MAX_MODULE_PX);
    }
    cfg->module_px = (unsigned)m;
  }
  return SG_EXIT_OK;
}

/* Does text[0..len) fit one symbol (with the widest structured append when
 * sa)? 1 yes, 0 no, -1 another error (*zret). */
static int sg_render_fits(const sg_render_cfg *cfg, const uint8_t *text, size_t len, int sa,
                          int *zret) {
  const sg_sa widest = {SG_SPLIT_MAX_CHUNKS, SG_SPLIT_MAX_CHUNKS, {255, 255, 255, 255, 255, 255},
                        255};
  sg_grid g;
  const int rc = sg_sym_encode(&cfg->so, text, len, sa ? &widest : NULL, &g);
  sg_grid_free(&g);
  if (rc == SG_OK) {
    return 1;
  }
  *zret = rc;
  return rc == SG_ERR_ENCODE ? 0 : -1;
}

/*
 * The largest chunk (header included) of this text that fits one symbol,
 * at most `limit`: a binary search over "SG1:16/16:<set>:" + a prefix of
 * the text, the widest header there is.
 */
static int sg_render_probe(const sg_render_cfg *cfg, const uint8_t *text, size_t len, size_t limit,
                           size_t *cap) {
  uint8_t *buf = malloc(SG_SYM_MAX_TEXT);
  size_t lo = SG_RENDER_HDR_MAX + 1, hi = limit < SG_SYM_MAX_TEXT ? limit : SG_SYM_MAX_TEXT;
  int zret = SG_OK;
  if (buf == NULL) {
    return sg_fail("out of memory");
  }
  memcpy(buf, "SG1:16/16:000000000000:", SG_RENDER_HDR_MAX);
  *cap = 0;
  if (hi > SG_RENDER_HDR_MAX + len) {
    hi = SG_RENDER_HDR_MAX + len;
  }
  while (lo <= hi) {
    const size_t mid = lo + (hi - lo) / 2;
    memcpy(buf + SG_RENDER_HDR_MAX, text, mid - SG_RENDER_HDR_MAX);
    const int f = sg_render_fits(cfg, buf, mid, 1, &zret);
    if (f < 0) {
      free(buf);
      return sg_fail("rendering %s: %s", cfg->sym_name, sg_strerror(zret));
    }
    if (f) {
      *cap = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  free(buf);
  return SG_EXIT_OK;
}

/* Read pixels back with the decoder devices use: 1 if they give exactly
 * the text again. Nothing is printed that the reader cannot read. */
int sg_render_reads_back(const uint8_t *px, uint32_t w, uint32_t h, const uint8_t *text,
                         size_t len, const sg_sa *sa) {
  sg_symbol items[2];
  sg_symbol_list list;
  sg_zx_read_opts ro;
  uint8_t *arena = malloc(2 * SG_ZX_MAX_PAYLOAD);
  int ok = 0;
  if (arena == NULL) {
    return 0;
  }
  /* The device's settings exactly (sg_scan_zxing's defaults). */
  sg_zx_read_opts_default(&ro);
  if (sg_symbol_list_init(&list, items, 2, arena, 2 * SG_ZX_MAX_PAYLOAD) == SG_OK &&
      sg_zx_read(px, (size_t)w * h, w, h, w, SG_PIXELS_GREY8, &ro, &list) == SG_OK) {
    ok = list.count == 1 && items[0].len == len && memcmp(items[0].data, text, len) == 0;
    /* The symbology's own structured append reads back as written
     * (PDF417 may leave the count out: 0). */
    if (sa != NULL) {
      ok = ok && items[0].sa_index == (int)sa->index - 1 &&
           (items[0].sa_count == (int)sa->count ||
            (items[0].sa_count == 0 && items[0].symbology == SG_SYMBOLOGY_PDF417));
    } else {
      ok = ok && items[0].sa_index == -1;
    }
  }
  free(arena);
  return ok;
}

/* Structured append of symbol i of n: the set id from the SG1 header. */
static void sg_render_sa(const sg_render_sym *s, unsigned n, unsigned i, sg_sa *sa) {
  memset(sa, 0, sizeof *sa);
  sa->index = i + 1;
  sa->count = n;
  /* "SG1:<i>/<n>:<12 hex>:" */
  const uint8_t *c1 = memchr(s[i].text + 4, ':', s[i].len - 4);
  for (unsigned k = 0; c1 != NULL && k < 6 && (size_t)(c1 + 1 + 2 * k + 1 - s[i].text) < s[i].len;
       k++) {
    unsigned v = 0;
    for (unsigned d = 0; d < 2; d++) {
      const uint8_t ch = c1[1 + 2 * k + d];
      v = v * 16u + (ch >= 'a' ? (unsigned)(ch - 'a') + 10u : (unsigned)(ch - '0'));
    }
    sa->set[k] = (uint8_t)v;
  }
  for (unsigned j = 0; j < n; j++) {
    for (size_t b = 0; b < s[j].len; b++) {
      sa->qr_parity ^= s[j].text[b];
    }
  }
}

/* Encode every symbol's text (structured append when with_sa and n > 1),
 * rasterise and read it back; on failure *bad is the symbol that did not
 * fit (SG_ERR_ENCODE) or did not read back (SG_RENDER_UNREADABLE). */
static int sg_render_draw(const sg_render_cfg *cfg, sg_render_sym *s, unsigned n, int with_sa,
                          unsigned *bad) {
  for (unsigned i = 0; i < n; i++) {
    sg_sa sa;
    sg_render_sa(s, n, i, &sa);
    const sg_sa *use = with_sa && n > 1 ? &sa : NULL;
    int rc = sg_sym_encode(&cfg->so, s[i].text, s[i].len, use, &s[i].grid);
    if (rc == SG_OK) {
      rc = sg_grid_raster(&s[i].grid, cfg->module_px, &s[i].px, &s[i].w, &s[i].h);
    }
    if (rc == SG_OK && !sg_render_reads_back(s[i].px, s[i].w, s[i].h, s[i].text, s[i].len, use)) {
      rc = SG_RENDER_UNREADABLE;
    }
    if (rc != SG_OK) {
      *bad = i;
      return rc;
    }
  }
  return SG_OK;
}

/* Chunk texts for `capacity` into s[]; returns the split.c result. */
static int sg_render_plan(const uint8_t *text, size_t len, size_t capacity, sg_render_sym *s,
                          unsigned *n) {
  sg_chunk chunks[SG_SPLIT_MAX_CHUNKS];
  char set[13], hdr[48];
  const int rc = sg_split_plan(text, len, capacity, chunks, n, set);
  if (rc != SG_SPLIT_OK) {
    return rc;
  }
  for (unsigned i = 0; i < *n; i++) {
    const size_t hl = sg_split_header(i + 1, *n, set, hdr, sizeof hdr);
    s[i].len = hl + chunks[i].len;
    s[i].text = malloc(s[i].len);
    if (s[i].text == NULL) {
      return SG_SPLIT_EMPTY;
    }
    memcpy(s[i].text, hdr, hl);
    memcpy(s[i].text + hl, text + chunks[i].off, chunks[i].len);
  }
  return SG_SPLIT_OK;
}

static int sg_render_draw_fail(const sg_render_cfg *cfg, const char *file, int zret, unsigned bad) {
  if (zret == SG_RENDER_UNREADABLE) {
    return sg_fail("%s: %s symbol %u does not read back with ZXing: try another --module or "
                   "symbology",
                   file, cfg->sym_name, bad + 1);
  }
  return sg_fail("rendering %s: %s", cfg->sym_name, sg_strerror(zret));
}

/* Split a profile text into symbols that all render. */
static int sg_render_split(const sg_render_cfg *cfg, const char *file, const uint8_t *text,
                           size_t len, size_t limit, int header, sg_render_sym *s, unsigned *n) {
  int ret = SG_EXIT_FAIL, zret = SG_OK;
  unsigned bad = 0;
  *n = 0;
  if (!header && len <= limit) {
    const int f = sg_render_fits(cfg, text, len, 0, &zret);
    if (f < 0) {
      return sg_fail("rendering %s: %s", cfg->sym_name, sg_strerror(zret));
    }
    if (f) { /* bare: the whole profile is the symbol */
      s[0].text = malloc(len);
      if (s[0].text == NULL) {
        return sg_fail("out of memory");
      }
      memcpy(s[0].text, text, len);
      s[0].len = len;
      *n = 1;
      zret = sg_render_draw(cfg, s, 1, 0, &bad);
      if (zret == SG_OK) {
        return SG_EXIT_OK;
      }
      if (zret != SG_RENDER_UNREADABLE) {
        return sg_render_draw_fail(cfg, file, zret, bad);
      }
      sg_render_syms_free(s, 1); /* try again in smaller chunks */
      *n = 0;
    }
  }
  size_t cap = 0;
  if ((ret = sg_render_probe(cfg, text, len, limit, &cap)) != SG_EXIT_OK) {
    return ret;
  }
  if (cap == 0) {
    return sg_fail("%s: not even a chunk header fits one %s symbol with these options", file,
                   cfg->sym_name);
  }
  /* The probe used the text's first bytes; a later chunk may compact worse
   * (PDF417/QR modes depend on content): shrink until every chunk renders. */
  for (;;) {
    const int rc = sg_render_plan(text, len, cap, s, n);
    if (rc == SG_SPLIT_TOO_MANY) {
      return sg_fail("%s: %zu bytes need more than %u %s symbols of at most %zu bytes: use a "
                     "larger symbol (lower --ec, no --capacity) or another symbology",
                     file, len, SG_SPLIT_MAX_CHUNKS, cfg->sym_name, cap);
    }
    if (rc != SG_SPLIT_OK) {
      sg_render_syms_free(s, SG_SPLIT_MAX_CHUNKS);
      return rc == SG_SPLIT_TOO_SMALL ? sg_fail("%s: symbols too small for a chunk", file)
                                      : sg_fail("out of memory");
    }
    zret = sg_render_draw(cfg, s, *n, 1, &bad);
    if (zret == SG_OK) {
      return SG_EXIT_OK;
    }
    const size_t bad_len = s[bad].len;
    sg_render_syms_free(s, *n);
    *n = 0;
    if ((zret != SG_ERR_ENCODE && zret != SG_RENDER_UNREADABLE) ||
        bad_len <= SG_RENDER_HDR_MAX + 1) {
      return sg_render_draw_fail(cfg, file, zret, bad);
    }
    cap = bad_len - 1 - bad_len / 64;
  }
}

int sg_render_grids(const char *label, const uint8_t *text, size_t len, sg_sym sym,
                    sg_grid grids[SG_SPLIT_MAX_CHUNKS], unsigned *n) {
  sg_render_cfg cfg = {{sym, -1}, 2, sg_sym_name(sym)}; /* read back at 2 px a module */
  sg_render_sym s[SG_SPLIT_MAX_CHUNKS];
  memset(s, 0, sizeof s);
  *n = 0;
  const int ret = sg_render_split(&cfg, label, text, len, SG_SYM_MAX_TEXT, 0, s, n);
  if (ret == SG_EXIT_OK) {
    for (unsigned i = 0; i < *n; i++) {
      grids[i] = s[i].grid; /* moved out */
      memset(&s[i].grid, 0, sizeof s[i].grid);
    }
  }
  sg_render_syms_free(s, SG_SPLIT_MAX_CHUNKS);
  return ret;
}

/* --lines: every non-empty line is one symbol's text, as is. */
static int sg_render_lines(const sg_render_cfg *cfg, const char *file, const uint8_t *buf,
                           size_t len, sg_render_sym *s, unsigned *n) {
  int zret = SG_OK;
  unsigned bad = 0;
  *n = 0;
  for (size_t i = 0; i < len;) {
    const uint8_t *nl = memchr(buf + i, '\n', len - i);
    size_t end = nl != NULL ? (size_t)(nl - buf) : len, next = end + 1;
    if (end > i && buf[end - 1] == '\r') {
      end--;
    }
    if (end > i) {
      if (*n == SG_RENDER_MAX_LINES) {
        return sg_fail("%s: more than %u lines", file, SG_RENDER_MAX_LINES);
      }
      s[*n].len = end - i;
      s[*n].text = malloc(end - i);
      if (s[*n].text == NULL) {
        return sg_fail("out of memory");
      }
      memcpy(s[*n].text, buf + i, end - i);
      (*n)++;
    }
    i = next;
  }
  if (*n == 0) {
    return sg_fail("%s: no lines to render", file);
  }
  zret = sg_render_draw(cfg, s, *n, 0, &bad);
  if (zret == SG_ERR_ENCODE) {
    return sg_fail("%s: line %u (%zu bytes) does not fit one %s symbol with these options", file,
                   bad + 1, s[bad].len, cfg->sym_name);
  }
  return zret == SG_OK ? SG_EXIT_OK : sg_render_draw_fail(cfg, file, zret, bad);
}

/* The profile's "name", also from inside a JWS payload; NULL if none. */
static char *sg_render_profile_name(const uint8_t *text, size_t len) {
  cJSON *root = NULL, *payload_json = NULL;
  uint8_t *payload = NULL;
  size_t payload_len = 0;
  char *name = NULL;
  const cJSON *obj = NULL;
  const uint8_t *dot1 = memchr(text, '.', len);
  if (text[0] == '{') {
    root = cJSON_ParseWithLength((const char *)text, len);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "payload");
    if (cJSON_IsString(p) && cJSON_GetObjectItemCaseSensitive(root, "signatures") != NULL) {
      /* JWS General JSON serialization (rotation) */
      if (sg_b64_decode_alloc(p->valuestring, strlen(p->valuestring), 1, &payload,
                              &payload_len) == 0) {
        payload_json = cJSON_ParseWithLength((const char *)payload, payload_len);
        obj = payload_json;
      }
    } else {
      obj = root;
    }
  } else if (dot1 != NULL) {
    const uint8_t *p0 = dot1 + 1;
    const uint8_t *dot2 = memchr(p0, '.', len - (size_t)(p0 - text));
    if (dot2 != NULL && sg_b64_decode_alloc((const char *)p0, (size_t)(dot2 - p0), 1, &payload,
                                            &payload_len) == 0) {
      payload_json = cJSON_ParseWithLength((const char *)payload, payload_len);
      obj = payload_json;
    }
  }
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, "name");
  if (cJSON_IsString(n) && n->valuestring[0] != '\0') {
    const size_t nl = strlen(n->valuestring) + 1;
    name = malloc(nl);
    if (name != NULL) {
      memcpy(name, n->valuestring, nl);
    }
  }
  cJSON_Delete(root);
  cJSON_Delete(payload_json);
  free(payload);
  return name;
}

/* mkdir -p: create DIR and any missing parents. */
static int sg_render_mkdir(const char *dir) {
  char path[4096];
  struct stat st;
  const size_t len = strlen(dir);
  if (len == 0 || len >= sizeof path) {
    return sg_fail("--out-dir: bad directory name");
  }
  memcpy(path, dir, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (path[i] != '/' && path[i] != '\0') {
      continue;
    }
    const char c = path[i];
    path[i] = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
      return sg_fail("%s: cannot create directory: %s", path, strerror(errno));
    }
    path[i] = c;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return sg_fail("%s: not a directory", dir);
  }
  return SG_EXIT_OK;
}

static uint32_t sg_crc32(const uint8_t *b, size_t n, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= b[i];
    for (int k = 0; k < 8; k++) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

static void sg_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* PNG with its resolution recorded (a pHYs chunk right after IHDR), so a
 * print dialog at "actual size" prints the module size chosen. */
static int sg_render_png(const char *path, const uint8_t *px, uint32_t w, uint32_t h,
                         unsigned dpi) {
  uint8_t *png = NULL;
  size_t png_len = 0;
  int ret = sg_image_encode_png(px, (size_t)w * h, w, h, w, SG_PIXELS_GREY8, &png, &png_len);
  if (ret != SG_OK) {
    return sg_fail("%s: PNG encoding failed: %s", path, sg_strerror(ret));
  }
  static const size_t ihdr_end = 8 + 4 + 4 + 13 + 4;
  if (png_len < ihdr_end || memcmp(png + 12, "IHDR", 4) != 0) {
    sg_image_free_bytes(png);
    return sg_fail("%s: PNG encoder wrote no IHDR first", path);
  }
  uint8_t *out = malloc(png_len + 21);
  if (out == NULL) {
    sg_image_free_bytes(png);
    return sg_fail("out of memory");
  }
  memcpy(out, png, ihdr_end);
  uint8_t *c = out + ihdr_end;
  const uint32_t ppm = (uint32_t)((double)dpi / 0.0254 + 0.5);
  sg_be32(c, 9);
  memcpy(c + 4, "pHYs", 4);
  sg_be32(c + 8, ppm);
  sg_be32(c + 12, ppm);
  c[16] = 1; /* unit: metre */
  sg_be32(c + 17, sg_crc32(c + 4, 13, 0));
  memcpy(c + 21, png + ihdr_end, png_len - ihdr_end);
  ret = sg_write_file(path, out, png_len + 21);
  free(out);
  sg_image_free_bytes(png);
  return ret;
}

/* "dir/x/p.jws" -> "p" (the last extension dropped). */
static void sg_render_base(const char *file, char *out, size_t size) {
  const char *b = strrchr(file, '/');
  b = b != NULL ? b + 1 : file;
  if (strcmp(file, "-") == 0 || b[0] == '\0') {
    b = "profile";
  }
  (void)snprintf(out, size, "%s", b);
  char *dot = strrchr(out, '.');
  if (dot != NULL && dot != out) {
    *dot = '\0';
  }
}

static int sg_is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

typedef struct {
  const char *dir, *base;
  unsigned font_scale, dpi;
  int sheet; /* 0 none, 1 pdf, 2 png */
  sg_pdf_opts pdf;
} sg_render_out;

static int sg_render_write_all(const sg_render_out *o, const sg_render_sym *s, unsigned n,
                               const char *name, const sg_facts *facts) {
  int ret = SG_EXIT_OK;
  char path[4096];
  sg_sheet_item items[SG_RENDER_MAX_LINES];
  char captions[SG_RENDER_MAX_LINES][64];
  for (unsigned i = 0; i < n && ret == SG_EXIT_OK; i++) {
    const int pn = snprintf(path, sizeof path, "%s/%s-%u.png", o->dir, o->base, i + 1);
    if (pn <= 0 || (size_t)pn >= sizeof path) {
      return sg_fail("--out-dir/--base too long");
    }
    /* "k of n — name", UTF-8, then ASCII for the built-in font. */
    char utf8[256];
    (void)snprintf(utf8, sizeof utf8, "%u of %u \xe2\x80\x94 %.200s", i + 1, n, name);
    (void)sg_font_ascii((const uint8_t *)utf8, strlen(utf8), captions[i], sizeof captions[i]);
    ret = sg_render_png(path, s[i].px, s[i].w, s[i].h, o->dpi);
    if (ret == SG_EXIT_OK) {
      printf("%s %ux%u symbol %u of %u, %zu bytes, caption \"%s\"\n", path, (unsigned)s[i].w,
             (unsigned)s[i].h, i + 1, n, s[i].len, captions[i]);
    }
    items[i].px = s[i].px;
    items[i].w = s[i].w;
    items[i].h = s[i].h;
    items[i].caption = captions[i];
  }
  if (ret != SG_EXIT_OK || o->sheet == 0) {
    return ret;
  }
  if (o->sheet == 1) {
    sg_grid grids[SG_RENDER_MAX_LINES];
    for (unsigned i = 0; i < n; i++) {
      grids[i] = s[i].grid;
    }
    unsigned pages = 0;
    const int pn = snprintf(path, sizeof path, "%s/%s-sheet.pdf", o->dir, o->base);
    ret = pn > 0 && (size_t)pn < sizeof path ? sg_pdf_write(path, &o->pdf, facts, grids, n, &pages)
                                             : sg_fail("--out-dir/--base too long");
    if (ret == SG_EXIT_OK) {
      printf("%s %s sheet of %u, %u page(s), module %.2f mm\n", path,
             o->pdf.letter ? "Letter" : "A4", n, pages, o->pdf.module_mm);
    }
    return ret;
  }
  uint8_t *px = NULL;
  uint32_t w = 0, h = 0;
  unsigned cols = 0, rows = 0;
  if (sg_sheet_compose(items, n, o->font_scale, &px, &w, &h, &cols, &rows) != 0) {
    return sg_fail("the sheet would be too large (over 16384 pixels): use a smaller --module");
  }
  const int pn = snprintf(path, sizeof path, "%s/%s-sheet.png", o->dir, o->base);
  ret = pn > 0 && (size_t)pn < sizeof path ? sg_render_png(path, px, w, h, o->dpi)
                                           : sg_fail("--out-dir/--base too long");
  if (ret == SG_EXIT_OK) {
    printf("%s %ux%u sheet of %u, %u x %u\n", path, (unsigned)w, (unsigned)h, n, cols, rows);
  }
  free(px);
  return ret;
}

int sg_cmd_render(int argc, char **argv) {
  int ret = SG_EXIT_USAGE;
  const char *dir = NULL, *base_opt = NULL, *sym = NULL, *ec = NULL, *module = NULL;
  const char *cap_opt = NULL, *header = NULL, *lines = NULL, *max_opt = NULL, *no_sheet = NULL;
  const char *sheet_opt = NULL, *paper = NULL, *module_mm = NULL, *dpi_opt = NULL;
  const char *cert_path = NULL;
  const sg_opt opts[] = {
      {"out-dir", 1, &dir},       {"base", 1, &base_opt},     {"symbology", 1, &sym},
      {"ec", 1, &ec},             {"module", 1, &module},     {"capacity", 1, &cap_opt},
      {"header", 0, &header},     {"lines", 0, &lines},       {"max-profile", 1, &max_opt},
      {"no-sheet", 0, &no_sheet}, {"sheet", 1, &sheet_opt},   {"paper", 1, &paper},
      {"module-mm", 1, &module_mm}, {"dpi", 1, &dpi_opt},     {"cert", 1, &cert_path},
      {NULL, 0, NULL},
  };
  const char *pos[1];
  unsigned n_pos = 0;
  int help = 0;
  sg_render_cfg cfg;
  ret = sg_opts_parse(argc, argv, opts, pos, 1, &n_pos, &help);
  if (ret != SG_EXIT_OK) {
    return ret;
  }
  if (help) {
    fputs(sg_render_help, stdout);
    return SG_EXIT_OK;
  }
  if (n_pos != 1) {
    return sg_usage("render needs one profile file (see render --help)");
  }
  if (dir == NULL) {
    return sg_usage("render needs --out-dir DIR (where the PNGs go)");
  }
  if ((ret = sg_render_parse_cfg(sym, ec, module, &cfg)) != SG_EXIT_OK) {
    return ret;
  }
  double cap_d = SG_SYM_MAX_TEXT, max_d = SG_RENDER_MAX_PROFILE;
  if ((cap_opt != NULL &&
       (ret = sg_parse_uint53(cap_opt, 0, "--capacity", &cap_d)) != SG_EXIT_OK) ||
      (max_opt != NULL &&
       (ret = sg_parse_uint53(max_opt, 0, "--max-profile", &max_d)) != SG_EXIT_OK)) {
    return ret;
  }
  if (cap_d <= SG_RENDER_HDR_MAX) {
    return sg_usage("--capacity %s is too small: a chunk needs more than %u bytes", cap_opt,
                    SG_RENDER_HDR_MAX);
  }
  if (lines != NULL && header != NULL) {
    return sg_usage("--lines renders each line as is: --header does not apply");
  }
  sg_render_out ro = {dir, NULL, 2, 300, 1, {0.33, 0}};
  if (no_sheet != NULL || (sheet_opt != NULL && strcmp(sheet_opt, "none") == 0)) {
    ro.sheet = 0;
  } else if (sheet_opt != NULL && strcmp(sheet_opt, "png") == 0) {
    ro.sheet = 2;
  } else if (sheet_opt != NULL && strcmp(sheet_opt, "pdf") != 0) {
    return sg_usage("--sheet '%s': use pdf, png or none", sheet_opt);
  }
  if (paper != NULL && strcmp(paper, "letter") == 0) {
    ro.pdf.letter = 1;
  } else if (paper != NULL && strcmp(paper, "a4") != 0) {
    return sg_usage("--paper '%s': use a4 or letter", paper);
  }
  if (module_mm != NULL) {
    char *end = NULL;
    const double mm = strtod(module_mm, &end);
    if (end == module_mm || *end != '\0' || !(mm >= 0.19 && mm <= 1.0)) {
      return sg_usage("--module-mm '%s': a module is 0.19..1.00 mm", module_mm);
    }
    ro.pdf.module_mm = mm;
  }
  if (dpi_opt != NULL) {
    double d = 0;
    if ((ret = sg_parse_uint53(dpi_opt, 0, "--dpi", &d)) != SG_EXIT_OK) {
      return ret;
    }
    if (d < 72 || d > 4800) {
      return sg_usage("--dpi %s: 72..4800", dpi_opt);
    }
    ro.dpi = (unsigned)d;
  }
  char base[256];
  if (base_opt != NULL) {
    if (base_opt[0] == '\0' || strchr(base_opt, '/') != NULL || strlen(base_opt) >= sizeof base) {
      return sg_usage("--base '%s': a plain file name is needed", base_opt);
    }
    (void)snprintf(base, sizeof base, "%s", base_opt);
  } else {
    sg_render_base(pos[0], base, sizeof base);
  }

  uint8_t *buf = NULL;
  size_t len = 0;
  sg_render_sym syms[SG_RENDER_MAX_LINES];
  unsigned n = 0;
  char *name = NULL;
  memset(syms, 0, sizeof syms);
  if ((ret = sg_read_file(pos[0], &buf, &len)) != SG_EXIT_OK) {
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
  if (len == 0) {
    ret = sg_fail("%s: empty: nothing to render", pos[0]);
    goto out;
  }
  if (lines != NULL) {
    ret = sg_render_lines(&cfg, pos[0], text, len, syms, &n);
  } else if ((double)len > max_d) {
    ret = sg_fail("%s: %zu bytes, more than devices accept (%.0f; see --max-profile)", pos[0], len,
                  max_d);
  } else if (text[0] != '{' && memchr(text, '.', len) == NULL) {
    ret = sg_fail("%s: not a profile (JSON object or JWS)", pos[0]);
  } else {
    ret = sg_render_split(&cfg, pos[0], text, len, (size_t)cap_d, header != NULL, syms, &n);
  }
  if (ret != SG_EXIT_OK || (ret = sg_render_mkdir(dir)) != SG_EXIT_OK) {
    goto out;
  }
  name = lines != NULL ? NULL : sg_render_profile_name(text, len);
  {
    sg_facts facts;
    mbedtls_x509_crt given;
    mbedtls_x509_crt_init(&given);
    if (cert_path != NULL) {
      ret = sg_cert_load_file(&given, cert_path);
    }
    if (ret == SG_EXIT_OK && lines != NULL) {
      memset(&facts, 0, sizeof facts);
      (void)snprintf(facts.name, sizeof facts.name, "%s", base);
      (void)snprintf(facts.does, sizeof facts.does, "the lines of %s, one symbol each", pos[0]);
      (void)snprintf(facts.target, sizeof facts.target, "?");
      (void)snprintf(facts.seq, sizeof facts.seq, "?");
      (void)snprintf(facts.iat, sizeof facts.iat, "?");
      (void)snprintf(facts.exp, sizeof facts.exp, "?");
      facts.not_a_profile = 1;
    } else if (ret == SG_EXIT_OK) {
      ret = sg_profile_facts(text, len, cert_path != NULL ? &given : NULL, &facts);
    }
    mbedtls_x509_crt_free(&given);
    ro.base = base;
    ro.font_scale = cfg.module_px < 2 ? 2 : (cfg.module_px > 6 ? 6 : cfg.module_px);
    if (ret == SG_EXIT_OK) {
      ret = sg_render_write_all(&ro, syms, n, name != NULL ? name : base, &facts);
    }
  }
out:
  sg_render_syms_free(syms, SG_RENDER_MAX_LINES);
  free(name);
  sg_free_buf(buf);
  return ret;
}

/*
 * Image loading and writing over stb_image. The stb decoders are trusted
 * only with input that already passed our own checks: size, magic,
 * completeness and header dimensions (see sg_image.h), so the errors a
 * person sees are specific and no allocation is sized by a hostile header.
 */
#define _POSIX_C_SOURCE 200809L /* fstat, fileno: only a regular file is an image */

#include "sg_image.h"

#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STBI_NO_STDIO
#include <stb_image.h>
#define STBI_WRITE_NO_STDIO
#include <stb_image_write.h>

#include "stagegate/errors.h"

typedef enum { SG_KIND_PNG, SG_KIND_JPEG, SG_KIND_PNM } sg_kind;

static const uint8_t sg_png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const uint8_t sg_jpeg_sig[3] = {0xff, 0xd8, 0xff};

void sg_image_init(sg_image *img) {
  if (img != NULL) {
    memset(img, 0, sizeof *img);
  }
}

void sg_image_free(sg_image *img) {
  if (img != NULL) {
    stbi_image_free(img->pixels);
    memset(img, 0, sizeof *img);
  }
}

void sg_image_free_bytes(uint8_t *bytes) { free(bytes); }

static void sg_limits_resolve(const sg_image_limits *in, sg_image_limits *out) {
  out->max_file_bytes = SG_IMAGE_DEFAULT_MAX_FILE;
  out->max_pixels = SG_IMAGE_DEFAULT_MAX_PIXELS;
  out->max_side = SG_IMAGE_DEFAULT_MAX_SIDE;
  if (in != NULL) {
    if (in->max_file_bytes != 0) out->max_file_bytes = in->max_file_bytes;
    if (in->max_pixels != 0) out->max_pixels = in->max_pixels;
    if (in->max_side != 0) out->max_side = in->max_side;
  }
  /* stb takes int lengths and dimensions; never let a limit exceed them. */
  if (out->max_file_bytes > (size_t)INT_MAX) out->max_file_bytes = (size_t)INT_MAX;
  if (out->max_side > 16384u) out->max_side = 16384u; /* = STBI_MAX_DIMENSIONS in sg_stb.c */
}

/* A prefix of `sig` (the file stops inside the signature) reads as truncated. */
static int sg_sniff(const uint8_t *d, size_t n, sg_kind *kind) {
  if (n == 0) {
    return SG_ERR_IMAGE_EMPTY;
  }
  if (memcmp(d, sg_png_sig, n < 8 ? n : 8) == 0) {
    *kind = SG_KIND_PNG;
    return n < 8 ? SG_ERR_IMAGE_TRUNCATED : SG_OK;
  }
  if (memcmp(d, sg_jpeg_sig, n < 3 ? n : 3) == 0) {
    *kind = SG_KIND_JPEG;
    return n < 3 ? SG_ERR_IMAGE_TRUNCATED : SG_OK;
  }
  if (d[0] == 'P') {
    if (n < 2) {
      return SG_ERR_IMAGE_TRUNCATED;
    }
    if (d[1] == '5' || d[1] == '6') {
      *kind = SG_KIND_PNM;
      return SG_OK;
    }
  }
  return SG_ERR_IMAGE_FORMAT;
}

static uint32_t sg_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Walk the chunks to IEND: a PNG cut anywhere is caught here, before zlib
 * sees it. Also reads the IHDR dimensions. */
static int sg_png_check(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h) {
  size_t pos = 8;
  int first = 1;
  for (;;) {
    if (n - pos < 8) {
      return SG_ERR_IMAGE_TRUNCATED;
    }
    const uint32_t clen = sg_be32(d + pos);
    const uint8_t *type = d + pos + 4;
    if (clen > 0x7fffffffu) {
      return SG_ERR_IMAGE_CORRUPT;
    }
    if (first) {
      if (memcmp(type, "IHDR", 4) != 0 || clen != 13) {
        return SG_ERR_IMAGE_CORRUPT;
      }
      if (n - pos - 8 < 8) {
        return SG_ERR_IMAGE_TRUNCATED;
      }
      *w = sg_be32(d + pos + 8);
      *h = sg_be32(d + pos + 12);
      first = 0;
    }
    if (n - pos - 8 < (size_t)clen + 4u) { /* data + CRC */
      return SG_ERR_IMAGE_TRUNCATED;
    }
    pos += 12u + (size_t)clen;
    if (memcmp(type, "IEND", 4) == 0) {
      return SG_OK;
    }
  }
}

/* Baseline/progressive JPEG ends with EOI (FF D9). stb_image decodes a cut
 * JPEG without complaint (grey fill), so look for EOI near the end; only
 * the tail is searched so an embedded EXIF thumbnail's EOI does not count. */
static int sg_jpeg_check(const uint8_t *d, size_t n) {
  const size_t tail = n < 1024u ? n : 1024u;
  for (size_t i = n - 1; i > n - tail; i--) {
    if (d[i - 1] == 0xff && d[i] == 0xd9) {
      return SG_OK;
    }
  }
  return SG_ERR_IMAGE_TRUNCATED;
}

/*
 * Walk the JPEG's marker segments and check every Huffman table (DHT)
 * before stb sees the file: Debian's stb_image (2022-09) trusts a table's
 * 16 code counts and builds up to 16 x 255 codes into 257-entry arrays —
 * a heap overflow found by tests/fuzz/fuzz_image (upstream later added the
 * "n > 256" check). A table may hold at most 256 symbols and must fit its
 * segment. Entropy-coded data after SOS is skipped to the next marker.
 */
static int sg_jpeg_tables_check(const uint8_t *d, size_t n) {
  size_t p = 2; /* after SOI */
  while (p + 1 < n) {
    if (d[p] != 0xff) {
      return SG_ERR_IMAGE_CORRUPT; /* a marker was due here */
    }
    while (p + 1 < n && d[p + 1] == 0xff) {
      p++; /* fill bytes */
    }
    if (p + 1 >= n) {
      break;
    }
    const uint8_t m = d[p + 1];
    p += 2;
    if (m == 0xd9) {
      return SG_OK; /* EOI */
    }
    if (m == 0x01 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7)) {
      continue; /* markers without a length */
    }
    /* sg_jpeg_check found EOI at the end already: a segment that runs past
     * it is corrupt, not truncated. */
    if (p + 2 > n) {
      return SG_ERR_IMAGE_CORRUPT;
    }
    const size_t len = (size_t)d[p] << 8 | d[p + 1];
    if (len < 2 || p + len > n) {
      return SG_ERR_IMAGE_CORRUPT;
    }
    if (m == 0xc4) {
      size_t t = p + 2;
      while (t < p + len) {
        if (t + 17 > p + len) {
          return SG_ERR_IMAGE_CORRUPT;
        }
        size_t symbols = 0;
        for (size_t i = 1; i <= 16; i++) {
          symbols += d[t + i];
        }
        if (symbols > 256 || t + 17 + symbols > p + len) {
          return SG_ERR_IMAGE_CORRUPT;
        }
        t += 17 + symbols;
      }
    }
    p += len;
    if (m == 0xda) { /* SOS: entropy-coded data up to the next real marker */
      while (p + 1 < n && !(d[p] == 0xff && d[p + 1] != 0x00 && !(d[p + 1] >= 0xd0 && d[p + 1] <= 0xd7))) {
        p++;
      }
    }
  }
  return SG_OK; /* no EOI marker reached: left to stb (sg_jpeg_check saw FF D9 at the end) */
}

/* One header field of a binary PNM: skip whitespace and # comments, then
 * a decimal number of at most 5 digits, followed by whitespace. Comments
 * end at CR or LF, exactly as stb_image reads them: if the two parsers
 * disagreed, stb would read a header this check never saw (fuzz_image
 * found one whose unbounded digit run overflows stb's int). */
static int sg_pnm_field(const uint8_t *d, size_t n, size_t *pos, uint32_t *value) {
  size_t p = *pos;
  for (;;) {
    if (p >= n) return SG_ERR_IMAGE_TRUNCATED;
    if (d[p] == '#') {
      while (p < n && d[p] != '\n' && d[p] != '\r') p++;
    } else if (d[p] == ' ' || d[p] == '\t' || d[p] == '\r' || d[p] == '\n') {
      p++;
    } else {
      break;
    }
  }
  uint32_t v = 0;
  unsigned digits = 0;
  while (p < n && d[p] >= '0' && d[p] <= '9') {
    if (++digits > 5) return SG_ERR_IMAGE_CORRUPT;
    v = v * 10u + (uint32_t)(d[p] - '0');
    p++;
  }
  if (digits == 0) return SG_ERR_IMAGE_CORRUPT;
  if (p >= n) return SG_ERR_IMAGE_TRUNCATED;
  if (!(d[p] == ' ' || d[p] == '\t' || d[p] == '\r' || d[p] == '\n')) return SG_ERR_IMAGE_CORRUPT;
  *pos = p;
  *value = v;
  return SG_OK;
}

/* Dimensions are checked against the limits before the sample count, so a
 * header claiming a huge image reads as too large, not as truncated. */
static int sg_pnm_check(const uint8_t *d, size_t n, const sg_image_limits *lim, uint32_t *w,
                        uint32_t *h) {
  size_t pos = 2;
  uint32_t maxval = 0;
  int ret = sg_pnm_field(d, n, &pos, w);
  if (ret == SG_OK) ret = sg_pnm_field(d, n, &pos, h);
  if (ret == SG_OK) ret = sg_pnm_field(d, n, &pos, &maxval);
  if (ret != SG_OK) return ret;
  if (*w == 0 || *h == 0 || maxval == 0 || maxval > 65535u) {
    return SG_ERR_IMAGE_CORRUPT;
  }
  /* 16-bit samples: Debian's stb_image (2022-09) converts a 16-bit P6 to
   * grey with its 8-bit routine and then overruns the buffer converting
   * 16 to 8 bits (heap overflow found by tests/fuzz/fuzz_image). Scan
   * engines deliver 8-bit frames; refuse the rest rather than trust stb. */
  if (maxval > 255u) {
    return SG_ERR_IMAGE_FORMAT;
  }
  if (*w > lim->max_side || *h > lim->max_side || (uint64_t)*w * *h > lim->max_pixels) {
    return SG_ERR_IMAGE_TOO_LARGE;
  }
  pos++; /* the single whitespace byte before the samples */
  const uint64_t channels = d[1] == '6' ? 3u : 1u;
  const uint64_t need = (uint64_t)*w * *h * channels;
  if ((uint64_t)(n - pos) < need) {
    return SG_ERR_IMAGE_TRUNCATED;
  }
  return SG_OK;
}

int sg_image_load_mem(const uint8_t *data, size_t len, sg_pixel_format want,
                      const sg_image_limits *limits, sg_image *img) {
  int ret = SG_ERR_INTERNAL;
  sg_image_limits lim;
  sg_kind kind = SG_KIND_PNG;
  uint32_t w = 0, h = 0;

  if (img == NULL || (data == NULL && len != 0) ||
      (want != SG_PIXELS_GREY8 && want != SG_PIXELS_RGB24)) {
    return SG_ERR_ARG;
  }
  sg_image_init(img);
  sg_limits_resolve(limits, &lim);
  if (len > lim.max_file_bytes) {
    return SG_ERR_IMAGE_TOO_LARGE;
  }
  ret = sg_sniff(data, len, &kind);
  if (ret != SG_OK) {
    return ret;
  }
  switch (kind) {
    case SG_KIND_PNG: ret = sg_png_check(data, len, &w, &h); break;
    case SG_KIND_JPEG:
      ret = sg_jpeg_check(data, len);
      if (ret == SG_OK) {
        ret = sg_jpeg_tables_check(data, len);
      }
      break;
    case SG_KIND_PNM: ret = sg_pnm_check(data, len, &lim, &w, &h); break;
  }
  if (ret != SG_OK) {
    return ret;
  }
  if (kind == SG_KIND_JPEG) {
    int iw = 0, ih = 0, comp = 0;
    if (!stbi_info_from_memory(data, (int)len, &iw, &ih, &comp)) {
      const char *why = stbi_failure_reason();
      return why != NULL && strcmp(why, "too large") == 0 ? SG_ERR_IMAGE_TOO_LARGE
                                                          : SG_ERR_IMAGE_CORRUPT;
    }
    w = (uint32_t)iw;
    h = (uint32_t)ih;
  }
  if (w == 0 || h == 0) {
    return SG_ERR_IMAGE_CORRUPT;
  }
  if (w > lim.max_side || h > lim.max_side || (uint64_t)w * h > lim.max_pixels) {
    return SG_ERR_IMAGE_TOO_LARGE;
  }

  const int channels = want == SG_PIXELS_GREY8 ? 1 : 3;
  int iw = 0, ih = 0, comp = 0;
  uint8_t *px = stbi_load_from_memory(data, (int)len, &iw, &ih, &comp, channels);
  if (px == NULL) {
    const char *why = stbi_failure_reason();
    return why != NULL && strcmp(why, "outofmem") == 0 ? SG_ERR_NO_MEMORY : SG_ERR_IMAGE_CORRUPT;
  }
  if ((uint32_t)iw != w || (uint32_t)ih != h) {
    stbi_image_free(px); /* the decoder disagrees with the header we checked */
    return SG_ERR_IMAGE_CORRUPT;
  }
  img->pixels = px;
  img->width = w;
  img->height = h;
  img->stride = (size_t)w * (size_t)channels;
  img->format = want;
  return SG_OK;
}

int sg_image_read_file(const char *path, size_t max_len, uint8_t **out, size_t *out_len) {
  int ret = SG_ERR_IMAGE_IO;
  if (path == NULL || out == NULL || out_len == NULL) {
    return SG_ERR_ARG;
  }
  *out = NULL;
  *out_len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return SG_ERR_IMAGE_IO;
  }
  uint8_t *buf = NULL;
  struct stat st;
  long size = -1;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && fseek(f, 0, SEEK_END) == 0) {
    size = ftell(f);
  }
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
    ret = SG_ERR_IMAGE_IO;
  } else if ((unsigned long)size > max_len) {
    ret = SG_ERR_IMAGE_TOO_LARGE;
  } else if ((buf = malloc((size_t)size + 1u)) == NULL) {
    ret = SG_ERR_NO_MEMORY;
  } else if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
    ret = SG_ERR_IMAGE_IO;
  } else {
    *out = buf;
    *out_len = (size_t)size;
    buf = NULL;
    ret = SG_OK;
  }
  free(buf);
  (void)fclose(f);
  return ret;
}

int sg_image_load_path(const char *path, sg_pixel_format want, const sg_image_limits *limits,
                       sg_image *img) {
  int ret = SG_ERR_INTERNAL;
  sg_image_limits lim;
  uint8_t *bytes = NULL;
  size_t len = 0;
  if (path == NULL || img == NULL) {
    return SG_ERR_ARG;
  }
  sg_image_init(img);
  sg_limits_resolve(limits, &lim);
  ret = sg_image_read_file(path, lim.max_file_bytes, &bytes, &len);
  if (ret == SG_OK) {
    ret = sg_image_load_mem(bytes, len, want, &lim, img);
  }
  sg_image_free_bytes(bytes);
  return ret;
}

/* stb_image_write's output callback appends to a growing buffer. */
typedef struct {
  uint8_t *buf;
  size_t len, cap;
  int failed;
} sg_membuf;

static void sg_membuf_put(void *ctx, void *data, int size) {
  sg_membuf *m = ctx;
  if (m->failed || size <= 0) {
    return;
  }
  if ((size_t)size > m->cap - m->len) {
    size_t cap = m->cap != 0 ? m->cap : 4096u;
    while ((size_t)size > cap - m->len) {
      if (cap > SIZE_MAX / 2u) {
        m->failed = 1;
        return;
      }
      cap *= 2u;
    }
    uint8_t *nb = realloc(m->buf, cap);
    if (nb == NULL) {
      m->failed = 1;
      return;
    }
    m->buf = nb;
    m->cap = cap;
  }
  memcpy(m->buf + m->len, data, (size_t)size);
  m->len += (size_t)size;
}

static int sg_check_pixels(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                           size_t stride, sg_pixel_format format) {
  if (pixels == NULL || width == 0 || height == 0 || width > 16384u || height > 16384u ||
      (format != SG_PIXELS_GREY8 && format != SG_PIXELS_RGB24)) {
    return SG_ERR_ARG;
  }
  const size_t row = (size_t)width * (size_t)format;
  if (stride < row || stride > (size_t)INT_MAX || len < row ||
      (len - row) / stride < (size_t)(height - 1u)) {
    return SG_ERR_ARG;
  }
  return SG_OK;
}

int sg_image_encode_png(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                        size_t stride, sg_pixel_format format, uint8_t **out, size_t *out_len) {
  int ret = SG_ERR_INTERNAL;
  sg_membuf m = {NULL, 0, 0, 0};
  if (out == NULL || out_len == NULL) {
    return SG_ERR_ARG;
  }
  *out = NULL;
  *out_len = 0;
  ret = sg_check_pixels(pixels, len, width, height, stride, format);
  if (ret != SG_OK) {
    return ret;
  }
  if (!stbi_write_png_to_func(sg_membuf_put, &m, (int)width, (int)height, (int)format, pixels,
                              (int)stride) ||
      m.failed) {
    free(m.buf);
    return SG_ERR_NO_MEMORY;
  }
  *out = m.buf;
  *out_len = m.len;
  return SG_OK;
}

int sg_image_encode_jpeg(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                         size_t stride, sg_pixel_format format, int quality, uint8_t **out,
                         size_t *out_len) {
  int ret = SG_ERR_INTERNAL;
  sg_membuf m = {NULL, 0, 0, 0};
  if (out == NULL || out_len == NULL || quality < 1 || quality > 100) {
    return SG_ERR_ARG;
  }
  *out = NULL;
  *out_len = 0;
  ret = sg_check_pixels(pixels, len, width, height, stride, format);
  if (ret != SG_OK) {
    return ret;
  }
  /* stb's JPEG writer has no stride parameter: rows must be packed. */
  if (stride != (size_t)width * (size_t)format) {
    return SG_ERR_ARG;
  }
  if (!stbi_write_jpg_to_func(sg_membuf_put, &m, (int)width, (int)height, (int)format, pixels,
                              quality) ||
      m.failed) {
    free(m.buf);
    return SG_ERR_NO_MEMORY;
  }
  *out = m.buf;
  *out_len = m.len;
  return SG_OK;
}

int sg_image_write_file(const char *path, const uint8_t *data, size_t len) {
  if (path == NULL || (data == NULL && len != 0)) {
    return SG_ERR_ARG;
  }
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return SG_ERR_IMAGE_IO;
  }
  int ok = fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  return ok ? SG_OK : SG_ERR_IMAGE_IO;
}

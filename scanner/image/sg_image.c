/*
 * Image loading and writing: the entry points, limits and format sniffing.
 * The decoding itself is done by maintained libraries — libpng (sg_png.c)
 * and libjpeg-turbo (sg_jpeg.c) — and by a small strict parser of our own
 * for binary PGM/PPM (sg_pnm.c). Each decoder reads the header, checks its
 * dimensions against the caller's limits and only then allocates pixels,
 * so no allocation is sized by a hostile header beyond those limits.
 */
#define _POSIX_C_SOURCE 200809L /* fstat, fileno: only a regular file is an image */

#include "sg_image_priv.h"

#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    free(img->pixels);
    memset(img, 0, sizeof *img);
  }
}

void sg_image_free_bytes(uint8_t *bytes) { free(bytes); }

int sg_image_check_size(uint32_t w, uint32_t h, const sg_image_limits *lim) {
  if (w == 0 || h == 0) {
    return SG_ERR_IMAGE_CORRUPT;
  }
  if (w > lim->max_side || h > lim->max_side || (uint64_t)w * h > lim->max_pixels) {
    return SG_ERR_IMAGE_TOO_LARGE;
  }
  return SG_OK;
}

uint8_t *sg_image_alloc_pixels(uint32_t w, uint32_t h, unsigned channels) {
  const uint64_t n = (uint64_t)w * h * channels;
  if (n == 0 || n > (uint64_t)SIZE_MAX) {
    return NULL;
  }
  return malloc((size_t)n);
}

void sg_image_adopt(sg_image *img, uint8_t *pixels, uint32_t w, uint32_t h, sg_pixel_format fmt) {
  img->pixels = pixels;
  img->width = w;
  img->height = h;
  img->stride = (size_t)w * (size_t)fmt;
  img->format = fmt;
}

static void sg_limits_resolve(const sg_image_limits *in, sg_image_limits *out) {
  out->max_file_bytes = SG_IMAGE_DEFAULT_MAX_FILE;
  out->max_pixels = SG_IMAGE_DEFAULT_MAX_PIXELS;
  out->max_side = SG_IMAGE_DEFAULT_MAX_SIDE;
  if (in != NULL) {
    if (in->max_file_bytes != 0) out->max_file_bytes = in->max_file_bytes;
    if (in->max_pixels != 0) out->max_pixels = in->max_pixels;
    if (in->max_side != 0) out->max_side = in->max_side;
  }
  /* libjpeg takes an unsigned long length; the ZXing shim takes no side
   * over SG_IMAGE_DEFAULT_MAX_SIDE (= SG_ZX_MAX_SIDE). */
  if (out->max_file_bytes > (size_t)INT_MAX) out->max_file_bytes = (size_t)INT_MAX;
  if (out->max_side > SG_IMAGE_DEFAULT_MAX_SIDE) out->max_side = SG_IMAGE_DEFAULT_MAX_SIDE;
}

/* A prefix of a signature (the file stops inside it) reads as truncated. */
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

int sg_image_load_mem(const uint8_t *data, size_t len, sg_pixel_format want,
                      const sg_image_limits *limits, sg_image *img) {
  int ret = SG_ERR_INTERNAL;
  sg_image_limits lim;
  sg_kind kind = SG_KIND_PNG;

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
    case SG_KIND_PNG: ret = sg_png_load(data, len, want, &lim, img); break;
    case SG_KIND_JPEG: ret = sg_jpeg_load(data, len, want, &lim, img); break;
    case SG_KIND_PNM: ret = sg_pnm_load(data, len, want, &lim, img); break;
    default: ret = SG_ERR_INTERNAL; break;
  }
  if (ret != SG_OK) {
    sg_image_free(img); /* a decoder leaves it empty; make sure */
  }
  return ret;
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

static int sg_check_pixels(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                           size_t stride, sg_pixel_format format) {
  if (pixels == NULL || width == 0 || height == 0 || width > SG_IMAGE_DEFAULT_MAX_SIDE ||
      height > SG_IMAGE_DEFAULT_MAX_SIDE ||
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
  if (out == NULL || out_len == NULL) {
    return SG_ERR_ARG;
  }
  *out = NULL;
  *out_len = 0;
  ret = sg_check_pixels(pixels, len, width, height, stride, format);
  if (ret != SG_OK) {
    return ret;
  }
  return sg_png_encode(pixels, width, height, stride, format, out, out_len);
}

int sg_image_encode_jpeg(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                         size_t stride, sg_pixel_format format, int quality, uint8_t **out,
                         size_t *out_len) {
  int ret = SG_ERR_INTERNAL;
  if (out == NULL || out_len == NULL || quality < 1 || quality > 100) {
    return SG_ERR_ARG;
  }
  *out = NULL;
  *out_len = 0;
  ret = sg_check_pixels(pixels, len, width, height, stride, format);
  if (ret != SG_OK) {
    return ret;
  }
  return sg_jpeg_encode(pixels, width, height, stride, format, quality, out, out_len);
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

/*
 * PNG through libpng 1.6 (Debian's libpng16). libpng reports errors by
 * longjmp: every libpng call sits in a function that set the jump buffer
 * and keeps its state in a struct behind a pointer, so nothing it needs
 * after the jump lives in a clobberable local.
 *
 * Reading: ancillary chunks are ignored (no text, ICC or other side
 * decoders run on hostile input); palette, low bit depths, 16 bits and
 * transparency are converted to 8-bit grey or RGB, transparent pixels
 * composited onto white paper. The decoder's own data source tells a
 * file that ends too early (SG_ERR_IMAGE_TRUNCATED) from one whose bytes
 * are wrong (CRC, zlib, header: SG_ERR_IMAGE_CORRUPT).
 */
#include "sg_image_priv.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "stagegate/errors.h"

typedef struct {
  const uint8_t *data;
  size_t len, pos;
  int truncated; /* libpng asked for bytes past the end */
  int no_memory; /* an allocation failed */
  uint8_t *pixels;
  png_bytep *rows;
  uint32_t width, height;
} sg_png_in;

static void sg_png_error(png_structp png, png_const_charp msg) {
  (void)msg;
  png_longjmp(png, 1);
}

static void sg_png_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg; /* ancillary trouble: nothing to report to the device */
}

static png_voidp sg_png_malloc(png_structp png, png_alloc_size_t n) {
  void *p = malloc(n);
  if (p == NULL) {
    sg_png_in *in = png_get_mem_ptr(png);
    if (in != NULL) in->no_memory = 1;
  }
  return p;
}

static void sg_png_free(png_structp png, png_voidp p) {
  (void)png;
  free(p);
}

static void sg_png_read(png_structp png, png_bytep out, png_size_t n) {
  sg_png_in *in = png_get_io_ptr(png);
  if (n > in->len - in->pos) {
    in->truncated = 1;
    png_error(png, "truncated");
  }
  memcpy(out, in->data + in->pos, n);
  in->pos += n;
}

/* Everything between the jump buffer and the last libpng call. */
static int sg_png_decode(png_structp png, png_infop info, sg_png_in *in, sg_pixel_format want,
                         const sg_image_limits *lim) {
  if (setjmp(png_jmpbuf(png))) {
    return in->truncated ? SG_ERR_IMAGE_TRUNCATED
           : in->no_memory ? SG_ERR_NO_MEMORY
                           : SG_ERR_IMAGE_CORRUPT;
  }
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1); /* all ancillary */
  png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu); /* ours are checked below */
  png_set_read_fn(png, in, sg_png_read);
  png_read_info(png, info);

  in->width = png_get_image_width(png, info);
  in->height = png_get_image_height(png, info);
  const int ret = sg_image_check_size(in->width, in->height, lim);
  if (ret != SG_OK) {
    return ret;
  }
  const int color = png_get_color_type(png, info);
  png_set_expand(png); /* palette -> RGB, 1/2/4-bit grey -> 8, tRNS -> alpha */
  png_set_strip_16(png);
  if ((color & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS) != 0) {
    png_color_16 white;
    memset(&white, 0, sizeof white);
    white.red = white.green = white.blue = white.gray = 255;
    png_set_background_fixed(png, &white, PNG_BACKGROUND_GAMMA_SCREEN, 0, PNG_FP_1);
  }
  const int is_color = (color & PNG_COLOR_MASK_COLOR) != 0;
  if (want == SG_PIXELS_GREY8 && is_color) {
    png_set_rgb_to_gray_fixed(png, PNG_ERROR_ACTION_NONE, 29900, 58700); /* 0.299, 0.587 */
  } else if (want == SG_PIXELS_RGB24 && !is_color) {
    png_set_gray_to_rgb(png);
  }
  (void)png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_bit_depth(png, info) != 8 || png_get_channels(png, info) != (png_byte)want ||
      png_get_rowbytes(png, info) != (size_t)in->width * (size_t)want) {
    return SG_ERR_IMAGE_CORRUPT; /* a combination the transforms above do not cover */
  }
  in->pixels = sg_image_alloc_pixels(in->width, in->height, (unsigned)want);
  in->rows = malloc(sizeof(png_bytep) * in->height);
  if (in->pixels == NULL || in->rows == NULL) {
    return SG_ERR_NO_MEMORY;
  }
  for (uint32_t y = 0; y < in->height; y++) {
    in->rows[y] = in->pixels + (size_t)y * in->width * (size_t)want;
  }
  png_read_image(png, in->rows);
  png_read_end(png, NULL); /* the chunks after the image, through IEND */
  return SG_OK;
}

int sg_png_load(const uint8_t *data, size_t len, sg_pixel_format want, const sg_image_limits *lim,
                sg_image *img) {
  int ret = SG_ERR_NO_MEMORY;
  sg_png_in in;
  memset(&in, 0, sizeof in);
  in.data = data;
  in.len = len;
  png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &in, sg_png_error,
                                             sg_png_warning, &in, sg_png_malloc, sg_png_free);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  if (info != NULL) {
    ret = sg_png_decode(png, info, &in, want, lim);
  }
  png_destroy_read_struct(png != NULL ? &png : NULL, info != NULL ? &info : NULL, NULL);
  free(in.rows);
  if (ret == SG_OK) {
    sg_image_adopt(img, in.pixels, in.width, in.height, want);
  } else {
    free(in.pixels);
  }
  return ret;
}

/* Writing: a growing buffer behind libpng's write callback. */
typedef struct {
  uint8_t *buf;
  size_t len, cap;
  int no_memory;
} sg_png_out;

static void sg_png_write(png_structp png, png_bytep data, png_size_t n) {
  sg_png_out *m = png_get_io_ptr(png);
  if (n > m->cap - m->len) {
    size_t cap = m->cap != 0 ? m->cap : 4096u;
    while (n > cap - m->len) {
      if (cap > SIZE_MAX / 2u) {
        cap = 0;
        break;
      }
      cap *= 2u;
    }
    uint8_t *nb = cap != 0 ? realloc(m->buf, cap) : NULL;
    if (nb == NULL) {
      m->no_memory = 1;
      png_error(png, "out of memory");
    }
    m->buf = nb;
    m->cap = cap;
  }
  memcpy(m->buf + m->len, data, n);
  m->len += n;
}

static void sg_png_flush(png_structp png) { (void)png; }

static int sg_png_encode_run(png_structp png, png_infop info, sg_png_out *m, const uint8_t *pixels,
                             uint32_t width, uint32_t height, size_t stride,
                             sg_pixel_format format) {
  if (setjmp(png_jmpbuf(png))) {
    return m->no_memory ? SG_ERR_NO_MEMORY : SG_ERR_INTERNAL;
  }
  png_set_write_fn(png, m, sg_png_write, sg_png_flush);
  png_set_IHDR(png, info, width, height, 8,
               format == SG_PIXELS_GREY8 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (uint32_t y = 0; y < height; y++) {
    png_write_row(png, pixels + (size_t)y * stride);
  }
  png_write_end(png, NULL);
  return SG_OK;
}

int sg_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                  sg_pixel_format format, uint8_t **out, size_t *out_len) {
  int ret = SG_ERR_NO_MEMORY;
  sg_png_out m;
  memset(&m, 0, sizeof m);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, sg_png_error, sg_png_warning);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  if (info != NULL) {
    ret = sg_png_encode_run(png, info, &m, pixels, width, height, stride, format);
  }
  png_destroy_write_struct(png != NULL ? &png : NULL, info != NULL ? &info : NULL);
  if (ret != SG_OK) {
    free(m.buf);
    return ret;
  }
  *out = m.buf;
  *out_len = m.len;
  return SG_OK;
}

/*
 * JPEG through libjpeg-turbo (Debian's libjpeg62-turbo). Errors arrive by
 * longjmp from our error manager; as in sg_png.c every libjpeg call sits
 * in one function that set the jump buffer, with its state behind a
 * pointer.
 *
 * Strict on purpose: libjpeg's warnings (corrupt entropy data, a file that
 * ends early and would be padded with grey) are errors here, because a
 * staging barcode from a damaged frame is not worth guessing at. A file
 * that ends too early is SG_ERR_IMAGE_TRUNCATED; CMYK/YCCK (no barcode
 * camera writes them, and libjpeg cannot make grey of them) is
 * SG_ERR_IMAGE_FORMAT; progressive files are capped at SG_JPEG_MAX_SCANS
 * scans (each scan re-walks the whole coefficient buffer: a small hostile
 * file with thousands of scans would pin the CPU).
 */
#include "sg_image_priv.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t first */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "stagegate/errors.h"

#define SG_JPEG_MAX_SCANS 256

typedef struct {
  struct jpeg_error_mgr mgr; /* first: libjpeg hands us a pointer to it */
  struct jpeg_progress_mgr progress;
  jmp_buf jump;
  int ret; /* the sg_err that made it jump */
  uint8_t *pixels;
  uint32_t width, height;
} sg_jpeg_state;

static int sg_jpeg_code(int msg_code) {
  switch (msg_code) {
    case JWRN_JPEG_EOF:
    case JERR_INPUT_EOF: return SG_ERR_IMAGE_TRUNCATED;
    case JERR_OUT_OF_MEMORY: return SG_ERR_NO_MEMORY;
    case JERR_CONVERSION_NOTIMPL: return SG_ERR_IMAGE_FORMAT;
    case JERR_IMAGE_TOO_BIG: return SG_ERR_IMAGE_TOO_LARGE;
    default: return SG_ERR_IMAGE_CORRUPT;
  }
}

static void sg_jpeg_error_exit(j_common_ptr cinfo) {
  sg_jpeg_state *st = (sg_jpeg_state *)(void *)cinfo->err;
  st->ret = sg_jpeg_code(cinfo->err->msg_code);
  longjmp(st->jump, 1);
}

/* level < 0: a warning, fatal here; level >= 0: trace output, ignored. */
static void sg_jpeg_emit(j_common_ptr cinfo, int level) {
  if (level < 0) {
    sg_jpeg_error_exit(cinfo);
  }
}

static void sg_jpeg_output(j_common_ptr cinfo) { (void)cinfo; }

static void sg_jpeg_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor &&
      ((j_decompress_ptr)(void *)cinfo)->input_scan_number > SG_JPEG_MAX_SCANS) {
    sg_jpeg_state *st = (sg_jpeg_state *)(void *)cinfo->err;
    st->ret = SG_ERR_IMAGE_CORRUPT;
    longjmp(st->jump, 1);
  }
}

static struct jpeg_error_mgr *sg_jpeg_errors(sg_jpeg_state *st) {
  struct jpeg_error_mgr *e = jpeg_std_error(&st->mgr);
  e->error_exit = sg_jpeg_error_exit;
  e->emit_message = sg_jpeg_emit;
  e->output_message = sg_jpeg_output;
  return e;
}

static int sg_jpeg_decode(struct jpeg_decompress_struct *cinfo, sg_jpeg_state *st,
                          const uint8_t *data, size_t len, sg_pixel_format want,
                          const sg_image_limits *lim) {
  if (setjmp(st->jump)) {
    return st->ret;
  }
  jpeg_create_decompress(cinfo);
  st->progress.progress_monitor = sg_jpeg_progress;
  cinfo->progress = &st->progress;
  jpeg_mem_src(cinfo, data, (unsigned long)len);
  if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
    return SG_ERR_IMAGE_CORRUPT; /* tables only, no image */
  }
  const int ret = sg_image_check_size(cinfo->image_width, cinfo->image_height, lim);
  if (ret != SG_OK) {
    return ret;
  }
  if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
    return SG_ERR_IMAGE_FORMAT;
  }
  cinfo->out_color_space = want == SG_PIXELS_GREY8 ? JCS_GRAYSCALE : JCS_RGB;
  (void)jpeg_start_decompress(cinfo);
  if (cinfo->output_width != cinfo->image_width || cinfo->output_height != cinfo->image_height ||
      cinfo->output_components != (int)want) {
    return SG_ERR_IMAGE_CORRUPT;
  }
  st->width = cinfo->output_width;
  st->height = cinfo->output_height;
  st->pixels = sg_image_alloc_pixels(st->width, st->height, (unsigned)want);
  if (st->pixels == NULL) {
    return SG_ERR_NO_MEMORY;
  }
  const size_t row = (size_t)st->width * (size_t)want;
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW r = st->pixels + (size_t)cinfo->output_scanline * row;
    if (jpeg_read_scanlines(cinfo, &r, 1) != 1) {
      return SG_ERR_IMAGE_TRUNCATED; /* cannot happen with a memory source */
    }
  }
  (void)jpeg_finish_decompress(cinfo); /* reads on to EOI */
  return SG_OK;
}

int sg_jpeg_load(const uint8_t *data, size_t len, sg_pixel_format want, const sg_image_limits *lim,
                 sg_image *img) {
  int ret = SG_ERR_INTERNAL;
  struct jpeg_decompress_struct cinfo;
  sg_jpeg_state st;
  memset(&cinfo, 0, sizeof cinfo);
  memset(&st, 0, sizeof st);
  cinfo.err = sg_jpeg_errors(&st);
  ret = sg_jpeg_decode(&cinfo, &st, data, len, want, lim);
  jpeg_destroy_decompress(&cinfo);
  if (ret == SG_OK) {
    sg_image_adopt(img, st.pixels, st.width, st.height, want);
  } else {
    free(st.pixels);
  }
  return ret;
}

static int sg_jpeg_encode_run(struct jpeg_compress_struct *cinfo, sg_jpeg_state *st,
                              const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                              sg_pixel_format format, int quality, unsigned char **buf,
                              unsigned long *size) {
  if (setjmp(st->jump)) {
    return st->ret == SG_ERR_NO_MEMORY ? SG_ERR_NO_MEMORY : SG_ERR_INTERNAL;
  }
  jpeg_create_compress(cinfo);
  jpeg_mem_dest(cinfo, buf, size); /* libjpeg mallocs *buf */
  cinfo->image_width = width;
  cinfo->image_height = height;
  cinfo->input_components = (int)format;
  cinfo->in_color_space = format == SG_PIXELS_GREY8 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(cinfo);
  jpeg_set_quality(cinfo, quality, TRUE);
  jpeg_start_compress(cinfo, TRUE);
  while (cinfo->next_scanline < cinfo->image_height) {
    /* libjpeg's row type is not const; it only reads the rows. */
    JSAMPROW r = (JSAMPROW)(uintptr_t)(pixels + (size_t)cinfo->next_scanline * stride);
    (void)jpeg_write_scanlines(cinfo, &r, 1);
  }
  jpeg_finish_compress(cinfo);
  return SG_OK;
}

int sg_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                   sg_pixel_format format, int quality, uint8_t **out, size_t *out_len) {
  int ret = SG_ERR_INTERNAL;
  struct jpeg_compress_struct cinfo;
  sg_jpeg_state st;
  unsigned char *buf = NULL;
  unsigned long size = 0;
  memset(&cinfo, 0, sizeof cinfo);
  memset(&st, 0, sizeof st);
  cinfo.err = sg_jpeg_errors(&st);
  ret = sg_jpeg_encode_run(&cinfo, &st, pixels, width, height, stride, format, quality, &buf, &size);
  jpeg_destroy_compress(&cinfo);
  if (ret != SG_OK) {
    free(buf);
    return ret;
  }
  *out = buf;
  *out_len = (size_t)size;
  return SG_OK;
}

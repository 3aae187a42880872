/*
 * sg_image — PNG, JPEG and binary PGM/PPM images in, PNG or JPEG out
 * (Linux targets only). PNG is decoded by libpng, JPEG by libjpeg-turbo
 * (Debian's maintained libraries), PGM/PPM by a small strict parser of
 * our own (sg_pnm.c).
 *
 * Every load checks the file size against limits->max_file_bytes and the
 * format from its magic bytes first; the decoder then reads the header and
 * checks its dimensions against limits->max_pixels / max_side before any
 * pixel buffer is allocated. A file that ends early is
 * SG_ERR_IMAGE_TRUNCATED (the decoder itself ran out of bytes), one whose
 * bytes are wrong SG_ERR_IMAGE_CORRUPT. Reentrant: no global state.
 */
#ifndef SG_IMAGE_H
#define SG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "stagegate/scanner.h" /* sg_pixel_format */

#ifdef __cplusplus
extern "C" {
#endif

/* A decoded image. Fields are read-only for the caller. Pixels are owned
 * by the image (allocated by the loader) and released by sg_image_free. */
typedef struct sg_image {
  uint8_t *pixels;
  uint32_t width;
  uint32_t height;
  size_t stride; /* bytes per row (= width * channels for loaded images) */
  sg_pixel_format format;
} sg_image;

/* Caps. Zero a field (or pass NULL for the struct) for the default. */
typedef struct sg_image_limits {
  size_t max_file_bytes; /* default SG_IMAGE_DEFAULT_MAX_FILE */
  uint32_t max_pixels;   /* width * height; default SG_IMAGE_DEFAULT_MAX_PIXELS */
  uint32_t max_side;     /* width and height each; default SG_IMAGE_DEFAULT_MAX_SIDE */
} sg_image_limits;

#define SG_IMAGE_DEFAULT_MAX_FILE   (32u * 1024u * 1024u)
#define SG_IMAGE_DEFAULT_MAX_PIXELS (24u * 1024u * 1024u)
#define SG_IMAGE_DEFAULT_MAX_SIDE   16384u

/* Set *img to the empty image (safe to free). */
void sg_image_init(sg_image *img);
/* Release the pixels; safe on an initialised, empty or already-freed image. */
void sg_image_free(sg_image *img);

/*
 * Decode `len` bytes of PNG, JPEG or binary PGM/PPM (P5/P6) into *img as
 * `want` (GREY8 or RGB24, converted as needed). Copies: `data` may be
 * released after the call. *img must be initialised; on failure it is left
 * empty. Returns SG_OK, SG_ERR_ARG, SG_ERR_IMAGE_EMPTY, _FORMAT,
 * _TRUNCATED, _TOO_LARGE, _CORRUPT or SG_ERR_NO_MEMORY.
 */
int sg_image_load_mem(const uint8_t *data, size_t len, sg_pixel_format want,
                      const sg_image_limits *limits, sg_image *img);

/* As sg_image_load_mem, reading the file at `path` first (its size is
 * checked before it is read). Adds SG_ERR_IMAGE_IO. */
int sg_image_load_path(const char *path, sg_pixel_format want,
                       const sg_image_limits *limits, sg_image *img);

/*
 * Read at most `max_len` bytes of the file at `path` into a new buffer
 * (*out, *out_len; release with sg_image_free_bytes). Returns SG_OK,
 * SG_ERR_ARG, SG_ERR_IMAGE_IO, SG_ERR_IMAGE_TOO_LARGE or SG_ERR_NO_MEMORY.
 */
int sg_image_read_file(const char *path, size_t max_len, uint8_t **out, size_t *out_len);
void sg_image_free_bytes(uint8_t *bytes);

/*
 * Encode pixels (GREY8 or RGB24, `stride` bytes per row, `len` bytes in
 * all) as PNG into a new buffer: *out (release with sg_image_free_bytes),
 * *out_len. Returns SG_OK, SG_ERR_ARG or SG_ERR_NO_MEMORY.
 */
int sg_image_encode_png(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                        size_t stride, sg_pixel_format format, uint8_t **out, size_t *out_len);

/* Encode as JPEG at `quality` 1..100 (used to make lossy test images). */
int sg_image_encode_jpeg(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                         size_t stride, sg_pixel_format format, int quality,
                         uint8_t **out, size_t *out_len);

/* Write `len` bytes to `path` (created or truncated). SG_OK or SG_ERR_IMAGE_IO. */
int sg_image_write_file(const char *path, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* SG_IMAGE_H */

/*
 * Private to scanner/image: the per-format decoders and encoders behind
 * sg_image.h. sg_image.c checks the arguments, resolves the limits and
 * sniffs the format; each decoder then owns its format's errors (the
 * decoder itself tells truncated from corrupt) and checks the header's
 * dimensions with sg_image_check_size before it allocates a pixel.
 */
#ifndef SG_IMAGE_PRIV_H
#define SG_IMAGE_PRIV_H

#include "sg_image.h"

/* SG_OK, or SG_ERR_IMAGE_CORRUPT for a zero side, SG_ERR_IMAGE_TOO_LARGE
 * for a side or an area over the (resolved) limits. */
int sg_image_check_size(uint32_t w, uint32_t h, const sg_image_limits *lim);

/* A new pixel buffer of w * h * channels bytes (malloc; sg_image_free
 * releases it), or NULL. Sizes are already checked against the limits. */
uint8_t *sg_image_alloc_pixels(uint32_t w, uint32_t h, unsigned channels);

/* Fill *img with a decoded buffer it takes over. */
void sg_image_adopt(sg_image *img, uint8_t *pixels, uint32_t w, uint32_t h, sg_pixel_format fmt);

/* Decoders: `lim` is resolved (no zero fields); *img is empty on entry and
 * stays empty on failure. */
int sg_png_load(const uint8_t *data, size_t len, sg_pixel_format want, const sg_image_limits *lim,
                sg_image *img);
int sg_jpeg_load(const uint8_t *data, size_t len, sg_pixel_format want, const sg_image_limits *lim,
                 sg_image *img);
int sg_pnm_load(const uint8_t *data, size_t len, sg_pixel_format want, const sg_image_limits *lim,
                sg_image *img);

/* Encoders: arguments already checked (sg_image.c). *out is a malloc'd
 * buffer on SG_OK, NULL otherwise. */
int sg_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                  sg_pixel_format format, uint8_t **out, size_t *out_len);
int sg_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                   sg_pixel_format format, int quality, uint8_t **out, size_t *out_len);

/* Luminance of an RGB pixel, the weights ZXing uses for RGB input
 * (ZXing::RGBToLum), so grey from any decoder matches. */
static inline uint8_t sg_rgb_to_lum(uint8_t r, uint8_t g, uint8_t b) {
  return (uint8_t)((306u * r + 601u * g + 117u * b + 0x200u) >> 10);
}

#endif /* SG_IMAGE_PRIV_H */

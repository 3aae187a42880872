/*
 * Binary PGM / PPM (P5 / P6): a small strict parser of our own, for raw
 * frames dumped by camera tools. The header is "P5" or "P6", then width,
 * height and maxval as decimal numbers of at most 5 digits, separated by
 * whitespace and "#" comments (to the end of the line), then exactly one
 * whitespace byte and width * height * channels samples. Samples are one
 * byte (maxval 1..255, scaled to 0..255; a sample over maxval is corrupt);
 * 16-bit files (maxval over 255) are refused as SG_ERR_IMAGE_FORMAT: scan
 * engines deliver 8-bit frames. Bytes after the samples are ignored, as
 * after a PNG's IEND.
 */
#include "sg_image_priv.h"

#include <stdlib.h>

#include "stagegate/errors.h"

static int sg_pnm_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* One header number: whitespace and comments first, then the digits, which
 * must end in whitespace (the file may not stop there). */
static int sg_pnm_field(const uint8_t *d, size_t n, size_t *pos, uint32_t *value) {
  size_t p = *pos;
  for (;;) {
    if (p >= n) return SG_ERR_IMAGE_TRUNCATED;
    if (d[p] == '#') {
      while (p < n && d[p] != '\n' && d[p] != '\r') p++;
    } else if (sg_pnm_space(d[p])) {
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
  if (!sg_pnm_space(d[p])) return SG_ERR_IMAGE_CORRUPT;
  *pos = p;
  *value = v;
  return SG_OK;
}

int sg_pnm_load(const uint8_t *data, size_t len, sg_pixel_format want, const sg_image_limits *lim,
                sg_image *img) {
  size_t pos = 2; /* after "P5" / "P6", checked by the caller */
  uint32_t w = 0, h = 0, maxval = 0;
  int ret = sg_pnm_field(data, len, &pos, &w);
  if (ret == SG_OK) ret = sg_pnm_field(data, len, &pos, &h);
  if (ret == SG_OK) ret = sg_pnm_field(data, len, &pos, &maxval);
  if (ret != SG_OK) return ret;
  if (maxval == 0 || maxval > 65535u) return SG_ERR_IMAGE_CORRUPT;
  if (maxval > 255u) return SG_ERR_IMAGE_FORMAT;
  /* Dimensions before the sample count, so a header claiming a huge image
   * reads as too large, not as truncated. */
  ret = sg_image_check_size(w, h, lim);
  if (ret != SG_OK) return ret;
  pos++; /* the single whitespace byte before the samples */
  const unsigned in_ch = data[1] == '6' ? 3u : 1u;
  const uint64_t count = (uint64_t)w * h;
  if ((uint64_t)(len - pos) / in_ch < count) return SG_ERR_IMAGE_TRUNCATED;

  uint8_t *px = sg_image_alloc_pixels(w, h, (unsigned)want);
  if (px == NULL) return SG_ERR_NO_MEMORY;
  const uint8_t *s = data + pos;
  for (size_t i = 0; i < (size_t)count; i++) {
    uint8_t v[3];
    for (unsigned c = 0; c < in_ch; c++) {
      const uint32_t x = s[i * in_ch + c];
      if (x > maxval) {
        free(px);
        return SG_ERR_IMAGE_CORRUPT;
      }
      v[c] = (uint8_t)((x * 255u + maxval / 2u) / maxval);
    }
    if (in_ch == 1) v[1] = v[2] = v[0];
    if (want == SG_PIXELS_GREY8) {
      px[i] = in_ch == 1 ? v[0] : sg_rgb_to_lum(v[0], v[1], v[2]);
    } else {
      px[3 * i] = v[0], px[3 * i + 1] = v[1], px[3 * i + 2] = v[2];
    }
  }
  sg_image_adopt(img, px, w, h, want);
  return SG_OK;
}

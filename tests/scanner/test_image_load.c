/*
 * sg_image: a table of malformed inputs, each rejected with its specific
 * code (truncated PNG and JPEG at every length, empty file, huge header
 * dimensions before any pixel is allocated, CRC and entropy damage, random
 * bytes, bad PGM headers, ...), plus good PNG/JPEG/PGM/PPM loads, alpha,
 * 16-bit and palette PNGs, the limits, and PNG/JPEG write -> load round trips.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "scan_payload.h"
#include "sg_image.h"
#include "sg_test.h"
#include "sg_zxing.h"
#include "stagegate/errors.h"

static int load(const void *data, size_t len, const sg_image_limits *lim) {
  sg_image img;
  sg_image_init(&img);
  const int ret = sg_image_load_mem(data, len, SG_PIXELS_GREY8, lim, &img);
  /* On failure the image is left empty, on success it has pixels. */
  if ((ret == SG_OK) != (img.pixels != NULL)) return SG_ERR_INTERNAL;
  sg_image_free(&img);
  return ret;
}

/* A small valid PNG made by our writer. */
static uint8_t *make_png(size_t *len, uint32_t w, uint32_t h) {
  uint8_t *px = malloc((size_t)w * h), *png = NULL;
  if (px == NULL) return NULL;
  for (size_t i = 0; i < (size_t)w * h; i++) px[i] = (uint8_t)(i * 7u);
  if (sg_image_encode_png(px, (size_t)w * h, w, h, w, SG_PIXELS_GREY8, &png, len) != SG_OK) png = NULL;
  free(px);
  return png;
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Recompute the CRC of the IHDR chunk (bytes 12..28 type+data, CRC at 29)
 * after editing it, so the edit itself is what the decoder sees. */
static void fix_ihdr_crc(uint8_t *p) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 12; i < 29; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  put_be32(p + 29, c ^ 0xffffffffu);
}

typedef struct {
  const char *name;
  const char *data;
  size_t len;
  int want;
} pnm_case;

#define S(x) x, sizeof(x) - 1

static const pnm_case pnm_cases[] = {
    {"good P5", S("P5 2 2 255\n\x00\x10\x20\x30"), SG_OK},
    {"comment", S("P5\n# made by hand\n2 2\n255\n\x00\x10\x20\x30"), SG_OK},
    {"good P6", S("P6 1 1 255\n\x10\x20\x30"), SG_OK},
    {"16-bit P5 (refused: 8-bit frames only)", S("P5 1 1 65535\n\x12\x34"), SG_ERR_IMAGE_FORMAT},
    {"maxval 15", S("P5 2 1 15\n\x00\x0f"), SG_OK},
    {"sample over maxval", S("P5 2 1 15\n\x00\x10"), SG_ERR_IMAGE_CORRUPT},
    {"no whitespace after maxval", S("P5 1 1 255"), SG_ERR_IMAGE_TRUNCATED},
    {"samples short", S("P5 2 2 255\n\x00\x10\x20"), SG_ERR_IMAGE_TRUNCATED},
    {"16-bit short", S("P5 2 1 1000\n\x00\x10\x20"), SG_ERR_IMAGE_FORMAT},
    {"header cut", S("P5 2 2"), SG_ERR_IMAGE_TRUNCATED},
    {"comment ends at CR, then a long number", S("P52\n2\r\r#2\r\r#2\r\r5555555555555\n\x00"), SG_ERR_IMAGE_CORRUPT},
    {"magic only", S("P5"), SG_ERR_IMAGE_TRUNCATED},
    {"letter in width", S("P5 2x 2 255\n\x00\x10\x20\x30"), SG_ERR_IMAGE_CORRUPT},
    {"negative", S("P5 -2 2 255\n\x00\x10\x20\x30"), SG_ERR_IMAGE_CORRUPT},
    {"zero width", S("P5 0 2 255\n\x00"), SG_ERR_IMAGE_CORRUPT},
    {"maxval 0", S("P5 1 1 0\n\x00"), SG_ERR_IMAGE_CORRUPT},
    {"maxval 70000", S("P5 1 1 70000\n\x00\x00"), SG_ERR_IMAGE_CORRUPT},
    {"six digits", S("P5 100000 1 255\n"), SG_ERR_IMAGE_CORRUPT},
    {"huge dims", S("P5 99999 99999 255\n\x00"), SG_ERR_IMAGE_TOO_LARGE},
    {"ASCII P2", S("P2 1 1 255\n0\n"), SG_ERR_IMAGE_FORMAT},
    {"P only", S("P"), SG_ERR_IMAGE_TRUNCATED},
};

static void test_pnm_table(void) {
  for (size_t i = 0; i < sizeof pnm_cases / sizeof pnm_cases[0]; i++) {
    const pnm_case *c = &pnm_cases[i];
    const int got = load(c->data, c->len, NULL);
    if (got != c->want) sg_test_printf("    case \"%s\"\n", c->name);
    SG_CHECK_CODE(got, c->want);
  }
  /* Dimensions over the caller's limit, with all samples present. */
  static char big[64 + 300 * 200];
  const int h = snprintf(big, 64, "P5 300 200 255\n");
  memset(big + h, 0x80, 300 * 200);
  const sg_image_limits small = {0, 300u * 200u - 1u, 0};
  SG_CHECK_CODE(load(big, (size_t)h + 300u * 200u, &small), SG_ERR_IMAGE_TOO_LARGE);
  const sg_image_limits side = {0, 0, 299};
  SG_CHECK_CODE(load(big, (size_t)h + 300u * 200u, &side), SG_ERR_IMAGE_TOO_LARGE);
  SG_CHECK_CODE(load(big, (size_t)h + 300u * 200u, NULL), SG_OK);
}

static void test_png_truncated_everywhere(void) {
  size_t len = 0;
  uint8_t *png = make_png(&len, 40, 30);
  SG_CHECK(png != NULL);
  if (png == NULL) return;
  SG_CHECK_CODE(load(png, len, NULL), SG_OK);
  SG_CHECK_CODE(load(png, 0, NULL), SG_ERR_IMAGE_EMPTY);
  /* Every strict prefix is truncated: caught by the chunk walk. */
  int all = 1;
  for (size_t n = 1; n < len; n++) {
    const int got = load(png, n, NULL);
    if (got != SG_ERR_IMAGE_TRUNCATED) {
      sg_test_printf("    prefix %zu of %zu: %s\n", n, len, sg_strerror_name(got));
      all = 0;
    }
  }
  SG_CHECK(all);
  /* Trailing garbage after IEND is tolerated (as every viewer does). */
  uint8_t *longer = malloc(len + 5);
  if (longer != NULL) {
    memcpy(longer, png, len);
    memcpy(longer + len, "junk!", 5);
    SG_CHECK_CODE(load(longer, len + 5, NULL), SG_OK);
    free(longer);
  }
  free(png);
}

static void test_png_header_lies(void) {
  size_t len = 0;
  uint8_t *png = make_png(&len, 16, 16);
  SG_CHECK(png != NULL);
  if (png == NULL) return;
  uint8_t *p = malloc(len);
  if (p == NULL) { free(png); return; }
  /* IHDR says 100000 x 100000 (valid CRC): refused on the header, nothing
   * allocated. */
  memcpy(p, png, len);
  put_be32(p + 16, 100000);
  put_be32(p + 20, 100000);
  fix_ihdr_crc(p);
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_TOO_LARGE);
  /* 16000 x 16000 is under the side limit but over the pixel count. */
  put_be32(p + 16, 16000);
  put_be32(p + 20, 16000);
  fix_ihdr_crc(p);
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_TOO_LARGE);
  /* Claims 17 x 16 but holds 16 x 16 data: libpng runs out of image data. */
  put_be32(p + 16, 17);
  put_be32(p + 20, 16);
  fix_ihdr_crc(p);
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_CORRUPT);
  /* Zero width. */
  put_be32(p + 16, 0);
  fix_ihdr_crc(p);
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_CORRUPT);
  /* A plausible size with the CRC left stale: libpng checks it. */
  put_be32(p + 16, 16);
  put_be32(p + 20, 17);
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_CORRUPT);
  /* First chunk not IHDR. */
  memcpy(p, png, len);
  memcpy(p + 12, "IHDX", 4);
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_CORRUPT);
  /* A chunk length beyond the file. */
  memcpy(p, png, len);
  put_be32(p + 33, 0x00ffffffu);
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_TRUNCATED);
  /* IDAT bytes flipped: the CRC (or zlib) fails: corrupt. */
  memcpy(p, png, len);
  for (size_t i = 41; i < len - 12; i++) p[i] ^= 0x5a;
  SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_CORRUPT);
  free(p);
  free(png);
}

static void test_random_and_oddities(void) {
  uint8_t junk[4096];
  sg_payload_binary(junk, sizeof junk, 77);
  junk[0] = 0x42; /* not a magic of ours */
  SG_CHECK_CODE(load(junk, sizeof junk, NULL), SG_ERR_IMAGE_FORMAT);
  SG_CHECK_CODE(load("GIF89a....", 10, NULL), SG_ERR_IMAGE_FORMAT);
  SG_CHECK_CODE(load("BM", 2, NULL), SG_ERR_IMAGE_FORMAT);
  SG_CHECK_CODE(load("\x89PN", 3, NULL), SG_ERR_IMAGE_TRUNCATED);
  SG_CHECK_CODE(load("\xff\xd8", 2, NULL), SG_ERR_IMAGE_TRUNCATED);
  /* A JPEG start followed by random bytes: no marker segment parses, with
   * or without an EOI tacked on: corrupt. */
  junk[0] = 0xff; junk[1] = 0xd8; junk[2] = 0xff;
  for (size_t i = 3; i < sizeof junk; i++) if (junk[i] == 0xff) junk[i] = 0;
  SG_CHECK_CODE(load(junk, sizeof junk, NULL), SG_ERR_IMAGE_CORRUPT);
  junk[sizeof junk - 2] = 0xff;
  junk[sizeof junk - 1] = 0xd9;
  SG_CHECK_CODE(load(junk, sizeof junk, NULL), SG_ERR_IMAGE_CORRUPT);
  /* File size over the limit. */
  const sg_image_limits tiny = {100, 0, 0};
  SG_CHECK_CODE(load(junk, 101, &tiny), SG_ERR_IMAGE_TOO_LARGE);
  /* Arguments. */
  sg_image img;
  sg_image_init(&img);
  SG_CHECK_CODE(sg_image_load_mem(NULL, 5, SG_PIXELS_GREY8, NULL, &img), SG_ERR_ARG);
  SG_CHECK_CODE(sg_image_load_mem(junk, 5, (sg_pixel_format)2, NULL, &img), SG_ERR_ARG);
  SG_CHECK_CODE(sg_image_load_mem(junk, 5, SG_PIXELS_GREY8, NULL, NULL), SG_ERR_ARG);
  sg_image_free(&img);
  sg_image_free(&img); /* twice is safe */
  sg_image_free(NULL);
}

/* Found by fuzz_image in the stb_image days: a DHT table claiming more
 * than 256 symbols (stb wrote past its 257-entry Huffman arrays). libjpeg
 * refuses such tables itself; so are tables that run past their segment. */
static void test_jpeg_huffman_table_overflow(void) {
  static const uint8_t overflow[] = {
      0xff, 0xd8, 0xff, 0xff, 0xff, 0xc4, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0xc4, 0xc4, 0xc4, 0xc4, 0xc4, 0xc4, 0xc4, 0xc4, 0xc4,
      0xc4, 0xc4, 0xc4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xd9};
  SG_CHECK_CODE(load(overflow, sizeof overflow, NULL), SG_ERR_IMAGE_CORRUPT);
  /* A well-formed DHT segment whose 16 counts add up to 257. */
  static uint8_t dht[2 + 4 + 17 + 257 + 2];
  size_t n = 0;
  dht[n++] = 0xff, dht[n++] = 0xd8;
  dht[n++] = 0xff, dht[n++] = 0xc4;
  dht[n++] = (uint8_t)((2 + 17 + 257) >> 8), dht[n++] = (uint8_t)((2 + 17 + 257) & 0xff);
  dht[n++] = 0x00; /* DC table 0 */
  for (int i = 0; i < 16; i++) {
    dht[n++] = i == 15 ? 17 : 16; /* 15 x 16 + 17 = 257 */
  }
  n += 257;
  dht[n++] = 0xff, dht[n++] = 0xd9;
  SG_CHECK_CODE(load(dht, n, NULL), SG_ERR_IMAGE_CORRUPT);
  dht[2 + 4 + 16] = 16; /* 256 symbols: a legal table (the JPEG is still incomplete) */
  SG_CHECK(load(dht, n, NULL) != SG_OK);
}

/* 16-bit PNM is refused (stb's 16-bit P6-to-grey path overran its buffer,
 * found by fuzz_image; our parser takes 8-bit frames only). */
static void test_pnm_16_bit_refused(void) {
  static uint8_t ppm[64 + 3 * 33 * 3 * 2];
  const int hdr = snprintf((char *)ppm, 64, "P6 3 33 1516\n");
  memset(ppm + hdr, 0x33, 3 * 33 * 3 * 2);
  SG_CHECK_CODE(load(ppm, (size_t)hdr + 3 * 33 * 3 * 2, NULL), SG_ERR_IMAGE_FORMAT);
  const int hdr2 = snprintf((char *)ppm, 64, "P5 3 33 65535\n");
  memset(ppm + hdr2, 0x33, 3 * 33 * 2);
  SG_CHECK_CODE(load(ppm, (size_t)hdr2 + 3 * 33 * 2, NULL), SG_ERR_IMAGE_FORMAT);
}

static void test_files(void) {
  sg_image img;
  sg_image_init(&img);
  SG_CHECK_CODE(sg_image_load_path(SG_IMAGES_DIR "/does-not-exist.png", SG_PIXELS_GREY8, NULL, &img),
                SG_ERR_IMAGE_IO);
  SG_CHECK_CODE(sg_image_load_path(SG_IMAGES_DIR, SG_PIXELS_GREY8, NULL, &img), SG_ERR_IMAGE_IO);
  /* A zero-size file on disk. */
  char path[] = "/tmp/sg_image_empty_XXXXXX";
  FILE *f = fopen(path, "wb");
  if (f != NULL) {
    fclose(f);
    SG_CHECK_CODE(sg_image_load_path(path, SG_PIXELS_GREY8, NULL, &img), SG_ERR_IMAGE_EMPTY);
    remove(path);
  }
  /* A committed JPEG and PNG, as grey and as RGB. */
  SG_CHECK_CODE(sg_image_load_path(SG_IMAGES_DIR "/qr-short-jpeg.jpg", SG_PIXELS_GREY8, NULL, &img), SG_OK);
  SG_CHECK(img.format == SG_PIXELS_GREY8 && img.stride == img.width && img.width > 100);
  sg_image_free(&img);
  SG_CHECK_CODE(sg_image_load_path(SG_IMAGES_DIR "/qr-short-clean.png", SG_PIXELS_RGB24, NULL, &img), SG_OK);
  SG_CHECK(img.format == SG_PIXELS_RGB24 && img.stride == 3u * img.width);
  sg_image_free(&img);
  /* zint writes 1-bit palette PNGs: converted to grey. */
  SG_CHECK_CODE(sg_image_load_path(SG_IMAGES_DIR "/qr-sa1.png", SG_PIXELS_GREY8, NULL, &img), SG_OK);
  sg_image_free(&img);
  /* The file-size cap applies before reading. */
  const sg_image_limits tiny = {1000, 0, 0};
  SG_CHECK_CODE(sg_image_load_path(SG_IMAGES_DIR "/qr-short-jpeg.jpg", SG_PIXELS_GREY8, &tiny, &img),
                SG_ERR_IMAGE_TOO_LARGE);
}

static void test_png_write_roundtrip(void) {
  uint8_t px[3 * 5 * 4];
  for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 13u);
  uint8_t *png = NULL;
  size_t len = 0;
  /* RGB, 5 x 4, stride 15. */
  SG_CHECK_CODE(sg_image_encode_png(px, sizeof px, 5, 4, 15, SG_PIXELS_RGB24, &png, &len), SG_OK);
  sg_image img;
  sg_image_init(&img);
  SG_CHECK_CODE(sg_image_load_mem(png, len, SG_PIXELS_RGB24, NULL, &img), SG_OK);
  SG_CHECK(img.width == 5 && img.height == 4 && img.pixels != NULL &&
           memcmp(img.pixels, px, sizeof px) == 0);
  sg_image_free(&img);
  sg_image_free_bytes(png);
  /* Geometry that overruns the buffer is refused. */
  SG_CHECK_CODE(sg_image_encode_png(px, sizeof px - 1, 5, 4, 15, SG_PIXELS_RGB24, &png, &len), SG_ERR_ARG);
  SG_CHECK_CODE(sg_image_encode_png(px, sizeof px, 5, 4, 14, SG_PIXELS_RGB24, &png, &len), SG_ERR_ARG);
  SG_CHECK_CODE(sg_image_encode_png(px, sizeof px, 0, 4, 15, SG_PIXELS_RGB24, &png, &len), SG_ERR_ARG);
  SG_CHECK_CODE(sg_image_encode_jpeg(px, sizeof px, 5, 4, 15, SG_PIXELS_RGB24, 0, &png, &len), SG_ERR_ARG);
  SG_CHECK_CODE(sg_image_encode_jpeg(px, sizeof px, 5, 4, 15, SG_PIXELS_RGB24, 90, &png, &len), SG_OK);
  SG_CHECK_CODE(sg_image_load_mem(png, len, SG_PIXELS_GREY8, NULL, &img), SG_OK);
  SG_CHECK(img.width == 5 && img.height == 4);
  sg_image_free(&img);
  sg_image_free_bytes(png);
}

/* A real JPEG cut at every length is truncated (libjpeg ran out of bytes,
 * never a grey-padded image); entropy data damaged is corrupt. */
static void test_jpeg_truncated_everywhere(void) {
  uint8_t px[48 * 40];
  for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)((i % 48) < 24 ? 20 : 230);
  uint8_t *jpg = NULL;
  size_t len = 0;
  SG_CHECK_CODE(sg_image_encode_jpeg(px, sizeof px, 48, 40, 48, SG_PIXELS_GREY8, 90, &jpg, &len), SG_OK);
  if (jpg == NULL) return;
  SG_CHECK_CODE(load(jpg, len, NULL), SG_OK);
  int all = 1;
  for (size_t n = 1; n < len; n++) {
    const int got = load(jpg, n, NULL);
    if (got != SG_ERR_IMAGE_TRUNCATED) {
      sg_test_printf("    prefix %zu of %zu: %s\n", n, len, sg_strerror_name(got));
      all = 0;
    }
  }
  SG_CHECK(all);
  /* The frame header claims 60000 x 60000: refused before decoding. */
  uint8_t *p = malloc(len);
  if (p != NULL) {
    memcpy(p, jpg, len);
    for (size_t i = 2; i + 9 < len; i++) {
      if (p[i] == 0xff && p[i + 1] == 0xc0) { /* SOF0: FF C0 len(2) prec(1) h(2) w(2) */
        p[i + 5] = 0xea, p[i + 6] = 0x60, p[i + 7] = 0xea, p[i + 8] = 0x60;
        break;
      }
    }
    SG_CHECK_CODE(load(p, len, NULL), SG_ERR_IMAGE_TOO_LARGE);
    free(p);
  }
  free(jpg);
}

/* libjpeg cannot make grey or RGB of CMYK: a format error, not corrupt. */
static void test_jpeg_cmyk_refused(void) {
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr e;
  unsigned char *buf = NULL;
  unsigned long size = 0;
  uint8_t row[8 * 4];
  memset(row, 0x40, sizeof row);
  c.err = jpeg_std_error(&e);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = 8;
  c.image_height = 8;
  c.input_components = 4;
  c.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&c);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < 8) {
    JSAMPROW r = row;
    (void)jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  SG_CHECK_CODE(load(buf, size, NULL), SG_ERR_IMAGE_FORMAT);
  free(buf);
}

/* Write a PNG with libpng directly (16-bit, alpha) to check conversions. */
typedef struct { uint8_t buf[8192]; size_t len; } mem_png;
static void mem_write(png_structp png, png_bytep d, png_size_t n) {
  mem_png *m = png_get_io_ptr(png);
  if (n > sizeof m->buf - m->len) png_error(png, "full");
  memcpy(m->buf + m->len, d, n);
  m->len += n;
}
static void mem_flush(png_structp png) { (void)png; }
static int write_png(mem_png *m, int color, int depth, const uint8_t *rows, size_t row_bytes,
                     uint32_t w, uint32_t h) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  m->len = 0;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return 0;
  }
  png_set_write_fn(png, m, mem_write, mem_flush);
  png_set_IHDR(png, info, w, h, depth, color, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (uint32_t y = 0; y < h; y++) png_write_row(png, rows + y * row_bytes);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return 1;
}

static void test_png_alpha_and_16_bit(void) {
  static mem_png m;
  sg_image img;
  /* Grey + alpha, 2 x 1: black opaque, black fully transparent. A
   * transparent pixel is paper (white), not the colour under it. */
  const uint8_t ga[4] = {0, 255, 0, 0};
  SG_CHECK(write_png(&m, PNG_COLOR_TYPE_GRAY_ALPHA, 8, ga, 4, 2, 1));
  sg_image_init(&img);
  SG_CHECK_CODE(sg_image_load_mem(m.buf, m.len, SG_PIXELS_GREY8, NULL, &img), SG_OK);
  SG_CHECK(img.pixels != NULL && img.pixels[0] == 0 && img.pixels[1] == 255);
  sg_image_free(&img);
  /* RGBA as RGB: the same. */
  const uint8_t rgba[8] = {10, 20, 30, 255, 0, 0, 0, 0};
  SG_CHECK(write_png(&m, PNG_COLOR_TYPE_RGB_ALPHA, 8, rgba, 8, 2, 1));
  SG_CHECK_CODE(sg_image_load_mem(m.buf, m.len, SG_PIXELS_RGB24, NULL, &img), SG_OK);
  SG_CHECK(img.pixels != NULL && img.pixels[0] == 10 && img.pixels[2] == 30 && img.pixels[3] == 255 &&
           img.pixels[5] == 255);
  sg_image_free(&img);
  /* 16-bit grey: high byte kept. */
  const uint8_t g16[4] = {0x12, 0x34, 0xfe, 0xff};
  SG_CHECK(write_png(&m, PNG_COLOR_TYPE_GRAY, 16, g16, 4, 2, 1));
  SG_CHECK_CODE(sg_image_load_mem(m.buf, m.len, SG_PIXELS_GREY8, NULL, &img), SG_OK);
  SG_CHECK(img.pixels != NULL && img.pixels[0] == 0x12 && img.pixels[1] == 0xfe);
  sg_image_free(&img);
  /* RGB to grey uses ZXing's weights: pure green is 601/1024 of white. */
  const uint8_t green[3] = {0, 255, 0};
  SG_CHECK(write_png(&m, PNG_COLOR_TYPE_RGB, 8, green, 3, 1, 1));
  SG_CHECK_CODE(sg_image_load_mem(m.buf, m.len, SG_PIXELS_GREY8, NULL, &img), SG_OK);
  SG_CHECK(img.pixels != NULL && img.pixels[0] >= 148 && img.pixels[0] <= 151);
  sg_image_free(&img);
}

int main(void) {
  sg_test_begin("image load");
  SG_RUN(test_pnm_table);
  SG_RUN(test_png_truncated_everywhere);
  SG_RUN(test_png_header_lies);
  SG_RUN(test_random_and_oddities);
  SG_RUN(test_jpeg_huffman_table_overflow);
  SG_RUN(test_pnm_16_bit_refused);
  SG_RUN(test_jpeg_truncated_everywhere);
  SG_RUN(test_jpeg_cmyk_refused);
  SG_RUN(test_png_alpha_and_16_bit);
  SG_RUN(test_files);
  SG_RUN(test_png_write_roundtrip);
  return sg_test_end();
}

/*
 * sg_degrade — write a degraded copy of a clean barcode image, the way a
 * handheld camera or a cheap print would see it. Deterministic: fixed
 * seeds and no floating-point rounding that depends on the platform beyond
 * IEEE double, so make-images reproduces the committed files.
 *
 *   sg_degrade <op> <in.png> <out.png|out.jpg>
 *   sg_degrade frame <class> <seed> <in.png> <out.png>
 *
 * ops: rot7 rot90 scale60 scale170 blur noise lowcontrast skew jpeg photo
 * (jpeg and photo write JPEG: quality 30 and 70; the rest PNG), and
 * scale80 blur08: the milder scale and blur for images drawn at 2 px per
 * module (make-profile-images), where scale60 and blur put a module below
 * what any reader resolves (1.2 px; a blur wider than the module)
 *
 * `frame` makes a 1280x720 camera frame instead (the decode-tactics corpus,
 * tests/images/tactics-corpus): the symbol drawn at 3 px per module (less
 * when it would not fit), placed at a seeded spot on white paper, then the
 * class's degradation; every frame also gets mild sensor noise. Classes:
 * clean rot3 rot7 rot15 persp blur noise scale40 scale60 lowcontrast
 * uneven screen (a photo of a phone screen: raised black, gamma, pixel-grid
 * moire and sub-pixel stripes, slight blur). `seed` picks the position, the
 * rotation's sign and the noise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_image.h"
#include "stagegate/errors.h"

typedef struct {
  uint32_t w, h;
  double *v; /* grey 0..255, row-major */
} fimg;

static int fimg_new(fimg *f, uint32_t w, uint32_t h, double fill) {
  f->w = w;
  f->h = h;
  f->v = malloc(sizeof(double) * w * h);
  if (f->v == NULL) return 0;
  for (size_t i = 0; i < (size_t)w * h; i++) f->v[i] = fill;
  return 1;
}

/* Bilinear sample; outside the image is white paper. */
static double fimg_at(const fimg *f, double x, double y) {
  const double fx = floor(x), fy = floor(y);
  const long x0 = (long)fx, y0 = (long)fy;
  const double ax = x - fx, ay = y - fy;
  double p[4];
  for (int k = 0; k < 4; k++) {
    const long xx = x0 + (k & 1), yy = y0 + (k >> 1);
    p[k] = (xx < 0 || yy < 0 || xx >= (long)f->w || yy >= (long)f->h) ? 255.0
                                                                    : f->v[(size_t)yy * f->w + (size_t)xx];
  }
  return (p[0] * (1 - ax) + p[1] * ax) * (1 - ay) + (p[2] * (1 - ax) + p[3] * ax) * ay;
}

static uint32_t rng_state = 0x5eed1234u;
static double rng_uniform(void) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_state = x;
  return (double)x / 4294967296.0;
}
/* Approximately normal (Irwin-Hall, 12 terms), mean 0, sd 1. */
static double rng_normal(void) {
  double s = 0;
  for (int i = 0; i < 12; i++) s += rng_uniform();
  return s - 6.0;
}

static int op_rotate(const fimg *in, fimg *out, double deg) {
  const double a = deg * 3.14159265358979323846 / 180.0, c = cos(a), s = sin(a);
  const uint32_t w = (uint32_t)ceil(fabs(in->w * c) + fabs(in->h * s));
  const uint32_t h = (uint32_t)ceil(fabs(in->w * s) + fabs(in->h * c));
  if (!fimg_new(out, w, h, 255)) return 0;
  const double cx = in->w / 2.0, cy = in->h / 2.0, ox = w / 2.0, oy = h / 2.0;
  for (uint32_t y = 0; y < h; y++) {
    for (uint32_t x = 0; x < w; x++) {
      const double dx = x + 0.5 - ox, dy = y + 0.5 - oy;
      out->v[(size_t)y * w + x] = fimg_at(in, c * dx + s * dy + cx - 0.5, -s * dx + c * dy + cy - 0.5);
    }
  }
  return 1;
}

static int op_rot90(const fimg *in, fimg *out) {
  if (!fimg_new(out, in->h, in->w, 255)) return 0;
  for (uint32_t y = 0; y < out->h; y++)
    for (uint32_t x = 0; x < out->w; x++)
      out->v[(size_t)y * out->w + x] = in->v[(size_t)(in->h - 1 - x) * in->w + y];
  return 1;
}

/* Area-ish resampling: 4x4 bilinear supersamples per output pixel. */
static int op_scale(const fimg *in, fimg *out, double f) {
  const uint32_t w = (uint32_t)lround(in->w * f), h = (uint32_t)lround(in->h * f);
  if (!fimg_new(out, w, h, 255)) return 0;
  for (uint32_t y = 0; y < h; y++) {
    for (uint32_t x = 0; x < w; x++) {
      double acc = 0;
      for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++)
          acc += fimg_at(in, (x + (i + 0.5) / 4.0) / f - 0.5, (y + (j + 0.5) / 4.0) / f - 0.5);
      out->v[(size_t)y * w + x] = acc / 16.0;
    }
  }
  return 1;
}

static int op_blur(const fimg *in, fimg *out, double sigma) {
  const int r = (int)ceil(3 * sigma);
  double k[64];
  double sum = 0;
  if (r >= 32) return 0;
  for (int i = -r; i <= r; i++) sum += k[i + r] = exp(-(i * i) / (2 * sigma * sigma));
  for (int i = 0; i <= 2 * r; i++) k[i] /= sum;
  fimg tmp;
  if (!fimg_new(&tmp, in->w, in->h, 255) || !fimg_new(out, in->w, in->h, 255)) return 0;
  for (uint32_t y = 0; y < in->h; y++)
    for (uint32_t x = 0; x < in->w; x++) {
      double a = 0;
      for (int i = -r; i <= r; i++) a += k[i + r] * fimg_at(in, (double)x + i, y);
      tmp.v[(size_t)y * in->w + x] = a;
    }
  for (uint32_t y = 0; y < in->h; y++)
    for (uint32_t x = 0; x < in->w; x++) {
      double a = 0;
      for (int i = -r; i <= r; i++) a += k[i + r] * fimg_at(&tmp, x, (double)y + i);
      out->v[(size_t)y * in->w + x] = a;
    }
  free(tmp.v);
  return 1;
}

static int op_noise(const fimg *in, fimg *out, double sd) {
  if (!fimg_new(out, in->w, in->h, 255)) return 0;
  for (size_t i = 0; i < (size_t)in->w * in->h; i++) out->v[i] = in->v[i] + sd * rng_normal();
  return 1;
}

/* Grey ink on grey paper, lit unevenly from the left. */
static int op_lowcontrast(const fimg *in, fimg *out) {
  if (!fimg_new(out, in->w, in->h, 255)) return 0;
  for (uint32_t y = 0; y < in->h; y++)
    for (uint32_t x = 0; x < in->w; x++) {
      const double light = 1.0 - 0.25 * (double)x / in->w;
      out->v[(size_t)y * in->w + x] = (105.0 + in->v[(size_t)y * in->w + x] * 60.0 / 255.0) * light;
    }
  return 1;
}

/* Solve the 8x8 system for the homography taking dst[i] to src[i]. */
static int homography(const double dst[4][2], const double src[4][2], double hm[9]) {
  double a[8][9];
  for (int i = 0; i < 4; i++) {
    const double x = dst[i][0], y = dst[i][1], u = src[i][0], v = src[i][1];
    const double r0[9] = {x, y, 1, 0, 0, 0, -u * x, -u * y, u};
    const double r1[9] = {0, 0, 0, x, y, 1, -v * x, -v * y, v};
    memcpy(a[2 * i], r0, sizeof r0);
    memcpy(a[2 * i + 1], r1, sizeof r1);
  }
  for (int c = 0; c < 8; c++) {
    int p = c;
    for (int r = c + 1; r < 8; r++)
      if (fabs(a[r][c]) > fabs(a[p][c])) p = r;
    if (fabs(a[p][c]) < 1e-12) return 0;
    for (int k = 0; k < 9; k++) {
      const double t = a[c][k];
      a[c][k] = a[p][k];
      a[p][k] = t;
    }
    for (int r = 0; r < 8; r++) {
      if (r == c) continue;
      const double f = a[r][c] / a[c][c];
      for (int k = c; k < 9; k++) a[r][k] -= f * a[c][k];
    }
  }
  for (int i = 0; i < 8; i++) hm[i] = a[i][8] / a[i][i];
  hm[8] = 1;
  return 1;
}

/* Keystone: the top edge 22 % narrower and shifted, as when the scanner is
 * tilted back; the canvas grows by a margin of white. */
static int op_skew(const fimg *in, fimg *out) {
  const double w = in->w, h = in->h, m = 0.08 * (w > h ? w : h);
  const double src[4][2] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  const double dst[4][2] = {{m + 0.16 * w, m}, {m + 0.94 * w, m + 0.04 * h}, {m + w, m + h}, {m, m + 0.97 * h}};
  double hm[9];
  if (!homography(dst, src, hm)) return 0;
  if (!fimg_new(out, (uint32_t)(w + 2 * m), (uint32_t)(h + 2 * m), 255)) return 0;
  for (uint32_t y = 0; y < out->h; y++)
    for (uint32_t x = 0; x < out->w; x++) {
      const double X = x + 0.5, Y = y + 0.5, d = hm[6] * X + hm[7] * Y + hm[8];
      const double u = (hm[0] * X + hm[1] * Y + hm[2]) / d, v = (hm[3] * X + hm[4] * Y + hm[5]) / d;
      out->v[(size_t)y * out->w + x] = fimg_at(in, u - 0.5, v - 0.5);
    }
  return 1;
}

static uint8_t *fimg_to_bytes(const fimg *f) {
  uint8_t *b = malloc((size_t)f->w * f->h);
  if (b == NULL) return NULL;
  for (size_t i = 0; i < (size_t)f->w * f->h; i++) {
    const double v = f->v[i] + 0.5;
    b[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
  return b;
}


/* ---- camera frames (the decode-tactics corpus) ---- */

#define FRAME_W 1280u
#define FRAME_H 720u

typedef struct {
  const char *name;
  double degrees;  /* rotation (sign from the seed) */
  double scale;    /* times the nominal 3 px per module */
  int persp;       /* keystone */
  double blur;     /* Gaussian sigma, px (0: none) */
  double noise;    /* sd (the 2.5 of every frame added to it) */
  double ink, paper; /* grey levels of black and white */
  int uneven;      /* light falling off across the frame, plus a shadow */
  int screen;      /* photo of a screen */
} frame_class;

static const frame_class frame_classes[] = {
    {"clean", 0, 1, 0, 0, 0, 10, 245, 0, 0},
    {"rot3", 3, 1, 0, 0, 0, 10, 245, 0, 0},
    {"rot7", 7, 1, 0, 0, 0, 10, 245, 0, 0},
    {"rot15", 15, 1, 0, 0, 0, 10, 245, 0, 0},
    {"persp", 0, 1, 1, 0, 0, 10, 245, 0, 0},
    {"blur", 0, 1, 0, 1.5, 0, 10, 245, 0, 0},
    {"noise", 0, 1, 0, 0, 40, 10, 245, 0, 0},
    {"scale40", 0, 0.4, 0, 0, 0, 10, 245, 0, 0},
    {"scale60", 0, 0.6, 0, 0, 0, 10, 245, 0, 0},
    {"lowcontrast", 0, 1, 0, 0, 0, 105, 160, 0, 0},
    {"uneven", 0, 1, 0, 0, 0, 10, 245, 1, 0},
    {"screen", 0, 1, 0, 0.7, 4, 45, 215, 0, 1},
};

/* Map frame pixel (X, Y) to source coordinates: inverse of "scale by k,
 * rotate by a, move the centre to (cx, cy)", then (persp) a homography. */
typedef struct {
  double k, c, s, cx, cy, sw, sh;
  int persp;
  double hm[9];
} frame_map;

static void frame_to_src(const frame_map *m, double X, double Y, double *u, double *v) {
  if (m->persp) {
    const double d = m->hm[6] * X + m->hm[7] * Y + m->hm[8];
    const double x = (m->hm[0] * X + m->hm[1] * Y + m->hm[2]) / d;
    const double y = (m->hm[3] * X + m->hm[4] * Y + m->hm[5]) / d;
    X = x, Y = y;
  }
  const double dx = X - m->cx, dy = Y - m->cy;
  *u = (m->c * dx + m->s * dy) / m->k + m->sw / 2.0;
  *v = (-m->s * dx + m->c * dy) / m->k + m->sh / 2.0;
}

static int op_frame(const fimg *in, fimg *out, const frame_class *fc, uint32_t seed) {
  rng_state = 0x9e3779b9u ^ (seed * 2654435761u);
  if (rng_state == 0) rng_state = 1;
  const double sign = rng_uniform() < 0.5 ? -1.0 : 1.0;
  const double a = sign * fc->degrees * 3.14159265358979323846 / 180.0;
  frame_map m = {0};
  m.c = cos(a), m.s = sin(a), m.sw = in->w, m.sh = in->h, m.persp = fc->persp;
  /* Nominal 3 px per module = 1.5 x the 2 px images; smaller to fit. */
  const double bw = fabs(in->w * m.c) + fabs(in->h * m.s), bh = fabs(in->w * m.s) + fabs(in->h * m.c);
  double k = 1.5;
  if (k * bw > 0.8 * FRAME_W) k = 0.8 * FRAME_W / bw;
  if (k * bh > 0.8 * FRAME_H) k = 0.8 * FRAME_H / bh;
  k *= fc->scale;
  m.k = k;
  const double free_x = FRAME_W - k * bw, free_y = FRAME_H - k * bh;
  m.cx = FRAME_W / 2.0 + (rng_uniform() - 0.5) * 0.8 * free_x;
  m.cy = FRAME_H / 2.0 + (rng_uniform() - 0.5) * 0.8 * free_y;
  if (fc->persp) {
    /* Keystone about the symbol's box: top edge 18 % narrower, tilted. */
    const double x0 = m.cx - k * bw / 2, x1 = m.cx + k * bw / 2, y0 = m.cy - k * bh / 2, y1 = m.cy + k * bh / 2;
    const double w = x1 - x0, h = y1 - y0;
    const double flat[4][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
    const double seen[4][2] = {{x0 + 0.12 * w, y0 + 0.03 * h}, {x1 - 0.06 * w, y0 - 0.02 * h}, {x1, y1}, {x0, y1 + 0.01 * h}};
    if (!homography(seen, flat, m.hm)) return 0;
  }
  fimg geo;
  if (!fimg_new(&geo, FRAME_W, FRAME_H, 255)) return 0;
  const int ss = k < 1.0 ? 3 : 1; /* supersample when shrinking */
  for (uint32_t y = 0; y < FRAME_H; y++)
    for (uint32_t x = 0; x < FRAME_W; x++) {
      double acc = 0;
      for (int j = 0; j < ss; j++)
        for (int i = 0; i < ss; i++) {
          double u, v;
          frame_to_src(&m, x + (i + 0.5) / ss, y + (j + 0.5) / ss, &u, &v);
          acc += fimg_at(in, u - 0.5, v - 0.5);
        }
      geo.v[(size_t)y * FRAME_W + x] = acc / (ss * ss);
    }
  fimg cur = geo, tmp;
  if (fc->blur > 0) {
    if (!op_blur(&cur, &tmp, fc->blur)) return 0;
    free(cur.v);
    cur = tmp;
  }
  /* Photometry: map 0..255 to ink..paper, light, screen effects, noise. */
  if (!fimg_new(out, FRAME_W, FRAME_H, 255)) return 0;
  const double ph = rng_uniform() * 6.283, tilt = 0.05 + 0.03 * rng_uniform();
  for (uint32_t y = 0; y < FRAME_H; y++)
    for (uint32_t x = 0; x < FRAME_W; x++) {
      double t = cur.v[(size_t)y * FRAME_W + x] / 255.0; /* 0 ink .. 1 paper */
      if (fc->screen) {
        /* The display's pixel grid beating against the camera's (moire),
         * its RGB stripes, and the screen's gamma. */
        const double gx = x * cos(tilt) + y * sin(tilt), gy = y * cos(tilt) - x * sin(tilt);
        const double grid = 0.82 + 0.18 * cos(6.2832 * gx / 2.87 + ph) * cos(6.2832 * gy / 2.93);
        const double stripes = 0.93 + 0.07 * cos(6.2832 * gx / 0.97);
        t = pow(t, 1.0 / 2.2) * grid * stripes;
      }
      double v = fc->ink + (fc->paper - fc->ink) * t;
      if (fc->uneven) {
        const double fx = (double)x / FRAME_W, fy = (double)y / FRAME_H;
        double light = 1.0 - 0.55 * fx * fx - 0.25 * fy;
        if (fx + 0.5 * fy > 0.55 && fx + 0.5 * fy < 0.75) light *= 0.6; /* a hand's shadow */
        v *= light;
      }
      out->v[(size_t)y * FRAME_W + x] = v + (fc->noise + 2.5) * rng_normal();
    }
  free(cur.v);
  return 1;
}

static int frame_main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s frame <class> <seed> <in.png> <out.png>\n", argv[0]);
    return 2;
  }
  const frame_class *fc = NULL;
  for (size_t i = 0; i < sizeof frame_classes / sizeof frame_classes[0]; i++)
    if (strcmp(frame_classes[i].name, argv[2]) == 0) fc = &frame_classes[i];
  if (fc == NULL) {
    fprintf(stderr, "sg_degrade: unknown frame class %s\n", argv[2]);
    return 2;
  }
  sg_image img;
  sg_image_init(&img);
  int ret = sg_image_load_path(argv[4], SG_PIXELS_GREY8, NULL, &img);
  if (ret != SG_OK) {
    fprintf(stderr, "sg_degrade: %s: %s\n", argv[4], sg_strerror_name(ret));
    return 1;
  }
  fimg in, out = {0, 0, NULL};
  if (!fimg_new(&in, img.width, img.height, 255)) return 1;
  for (size_t i = 0; i < (size_t)img.width * img.height; i++) in.v[i] = img.pixels[i];
  sg_image_free(&img);
  if (!op_frame(&in, &out, fc, (uint32_t)strtoul(argv[3], NULL, 10))) {
    fprintf(stderr, "sg_degrade: frame %s failed\n", fc->name);
    return 1;
  }
  uint8_t *px = fimg_to_bytes(&out), *file = NULL;
  size_t file_len = 0;
  ret = px == NULL ? SG_ERR_NO_MEMORY
                   : sg_image_encode_png(px, (size_t)out.w * out.h, out.w, out.h, out.w, SG_PIXELS_GREY8, &file, &file_len);
  if (ret == SG_OK) ret = sg_image_write_file(argv[5], file, file_len);
  if (ret != SG_OK) fprintf(stderr, "sg_degrade: %s: %s\n", argv[5], sg_strerror_name(ret));
  free(px);
  sg_image_free_bytes(file);
  free(in.v);
  free(out.v);
  return ret == SG_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "frame") == 0) return frame_main(argc, argv);
  if (argc != 4) {
    fprintf(stderr, "usage: %s <rot7|rot90|scale60|scale80|scale170|blur|blur08|noise|lowcontrast|skew|jpeg|photo> <in.png> <out>\n", argv[0]);
    return 2;
  }
  const char *op = argv[1];
  sg_image img;
  sg_image_init(&img);
  int ret = sg_image_load_path(argv[2], SG_PIXELS_GREY8, NULL, &img);
  if (ret != SG_OK) {
    fprintf(stderr, "sg_degrade: %s: %s\n", argv[2], sg_strerror_name(ret));
    return 1;
  }
  fimg in, a = {0, 0, NULL}, b = {0, 0, NULL}, out = {0, 0, NULL};
  if (!fimg_new(&in, img.width, img.height, 255)) return 1;
  for (size_t i = 0; i < (size_t)img.width * img.height; i++) in.v[i] = img.pixels[i];
  sg_image_free(&img);

  int ok = 0, jpeg = 0; /* JPEG quality, 0 = write PNG */
  if (strcmp(op, "rot7") == 0) ok = op_rotate(&in, &out, 7.0);
  else if (strcmp(op, "rot90") == 0) ok = op_rot90(&in, &out);
  else if (strcmp(op, "scale60") == 0) ok = op_scale(&in, &out, 0.6);
  else if (strcmp(op, "scale80") == 0) ok = op_scale(&in, &out, 0.8);
  else if (strcmp(op, "scale170") == 0) ok = op_scale(&in, &out, 1.7);
  else if (strcmp(op, "blur") == 0) ok = op_blur(&in, &out, 1.4);
  else if (strcmp(op, "blur08") == 0) ok = op_blur(&in, &out, 0.8);
  else if (strcmp(op, "noise") == 0) ok = op_noise(&in, &out, 45.0);
  else if (strcmp(op, "lowcontrast") == 0) ok = op_lowcontrast(&in, &out);
  else if (strcmp(op, "skew") == 0) ok = op_skew(&in, &out);
  else if (strcmp(op, "jpeg") == 0) { ok = op_blur(&in, &out, 0.6); jpeg = 30; }
  else if (strcmp(op, "photo") == 0) {
    /* Everything a quick phone snapshot adds at once, mildly. */
    ok = op_rotate(&in, &a, -4.0) && op_blur(&a, &b, 1.0) && (free(a.v), a.v = NULL, op_lowcontrast(&b, &a)) &&
         op_noise(&a, &out, 12.0);
    jpeg = 70; /* as a phone camera stores it */
  } else {
    fprintf(stderr, "sg_degrade: unknown op %s\n", op);
    return 2;
  }
  if (!ok) {
    fprintf(stderr, "sg_degrade: %s failed\n", op);
    return 1;
  }
  uint8_t *px = fimg_to_bytes(&out), *file = NULL;
  size_t file_len = 0;
  ret = px == NULL ? SG_ERR_NO_MEMORY
        : jpeg ? sg_image_encode_jpeg(px, (size_t)out.w * out.h, out.w, out.h, out.w, SG_PIXELS_GREY8, jpeg, &file, &file_len)
               : sg_image_encode_png(px, (size_t)out.w * out.h, out.w, out.h, out.w, SG_PIXELS_GREY8, &file, &file_len);
  if (ret == SG_OK) ret = sg_image_write_file(argv[3], file, file_len);
  if (ret != SG_OK) fprintf(stderr, "sg_degrade: %s: %s\n", argv[3], sg_strerror_name(ret));
  free(px);
  sg_image_free_bytes(file);
  free(in.v);
  free(a.v);
  free(b.v);
  free(out.v);
  return ret == SG_OK ? 0 : 1;
}

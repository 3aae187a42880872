// Grey-image operations for the decode tactics (see sg_zx_frames.h).
#include "sg_zx_frames.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace sg {

namespace {

constexpr double kPi = 3.14159265358979323846;

uint8_t Lum(const uint8_t *p) {
  // ZXing::RGBToLum's weights.
  return (uint8_t)((306u * p[0] + 601u * p[1] + 117u * p[2] + 0x200u) >> 10);
}

double Bilinear(const Grey &g, double x, double y) {
  const double fx = std::floor(x), fy = std::floor(y);
  const int x0 = (int)fx, y0 = (int)fy;
  const double ax = x - fx, ay = y - fy;
  auto at = [&](int xx, int yy) -> double {
    if (xx < 0 || yy < 0 || xx >= g.width || yy >= g.height) return 255.0;
    return g.px[(size_t)yy * (size_t)g.width + (size_t)xx];
  };
  return (at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax) * (1 - ay) +
         (at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax) * ay;
}

uint8_t Clamp(double v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5); }

Box Clip(Box b, int w, int h) {
  const int x1 = std::min(w, b.x + b.w), y1 = std::min(h, b.y + b.h);
  b.x = std::max(0, b.x);
  b.y = std::max(0, b.y);
  b.w = std::max(0, x1 - b.x);
  b.h = std::max(0, y1 - b.y);
  return b;
}

// Pattern widths in modules, bar first.
constexpr int kStart[8] = {8, 1, 1, 1, 1, 1, 1, 3};
constexpr int kStop[9] = {7, 1, 1, 3, 1, 1, 1, 2, 1};

// Does runs[0..n) match `pattern` (n runs, bar first) in proportion?
bool Matches(const int *runs, const int *pattern, int n, int modules, double *module) {
  int total = 0;
  for (int i = 0; i < n; i++) total += runs[i];
  const double m = (double)total / modules;
  if (m < 0.8) return false;
  for (int i = 0; i < n; i++) {
    if (std::fabs(runs[i] - pattern[i] * m) > 0.5 * m + 0.75) return false;
  }
  *module = m;
  return true;
}

struct Hit {
  double x, y, m;
};

} // namespace

void ToGrey(const uint8_t *pixels, int width, int height, size_t stride, int bpp, Grey *out) {
  out->width = width;
  out->height = height;
  out->px.resize((size_t)width * (size_t)height);
  for (int y = 0; y < height; y++) {
    const uint8_t *src = pixels + (size_t)y * stride;
    uint8_t *dst = out->px.data() + (size_t)y * (size_t)width;
    for (int x = 0; x < width; x++) dst[x] = bpp == 1 ? src[x] : Lum(src + 3 * x);
  }
}

void Invert(const Grey &in, Grey *out) {
  out->width = in.width;
  out->height = in.height;
  out->px.resize(in.px.size());
  for (size_t i = 0; i < in.px.size(); i++) out->px[i] = (uint8_t)(255u - in.px[i]);
}

void Downscale2(const Grey &in, Grey *out) {
  out->width = in.width / 2;
  out->height = in.height / 2;
  out->px.resize((size_t)out->width * (size_t)out->height);
  for (int y = 0; y < out->height; y++) {
    const uint8_t *a = in.row(2 * y), *b = in.row(2 * y + 1);
    uint8_t *dst = out->px.data() + (size_t)y * (size_t)out->width;
    for (int x = 0; x < out->width; x++) {
      dst[x] = (uint8_t)((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2u) >> 2);
    }
  }
}

void Upscale2(const Grey &in, const Box &box, Grey *out) {
  out->width = 2 * box.w;
  out->height = 2 * box.h;
  out->px.resize((size_t)out->width * (size_t)out->height);
  for (int y = 0; y < out->height; y++) {
    uint8_t *dst = out->px.data() + (size_t)y * (size_t)out->width;
    const double sy = box.y + (y + 0.5) / 2.0 - 0.5;
    for (int x = 0; x < out->width; x++) {
      dst[x] = Clamp(Bilinear(in, box.x + (x + 0.5) / 2.0 - 0.5, sy));
    }
  }
}

void RotateCrop(const Grey &in, const Box &box, double degrees, Grey *out) {
  const double a = degrees * kPi / 180.0, c = std::cos(a), s = std::sin(a);
  const int w = (int)std::ceil(std::fabs(box.w * c) + std::fabs(box.h * s));
  const int h = (int)std::ceil(std::fabs(box.w * s) + std::fabs(box.h * c));
  out->width = w;
  out->height = h;
  out->px.resize((size_t)w * (size_t)h);
  const double cx = box.x + box.w / 2.0, cy = box.y + box.h / 2.0, ox = w / 2.0, oy = h / 2.0;
  for (int y = 0; y < h; y++) {
    uint8_t *dst = out->px.data() + (size_t)y * (size_t)w;
    const double dy = y + 0.5 - oy;
    for (int x = 0; x < w; x++) {
      const double dx = x + 0.5 - ox;
      dst[x] = Clamp(Bilinear(in, c * dx - s * dy + cx - 0.5, s * dx + c * dy + cy - 0.5));
    }
  }
}

bool DarkGround(const Grey &in) {
  size_t hist[256] = {0}, n = 0;
  for (size_t i = 0; i < in.px.size(); i += 5) hist[in.px[i]]++, n++;
  int lo = 0, hi = 255, med = 0;
  for (size_t acc = 0; lo < 255 && (acc += hist[lo]) < n / 50;) lo++;
  for (size_t acc = 0; hi > 0 && (acc += hist[hi]) < n / 50;) hi--;
  for (size_t acc = 0; med < 255 && (acc += hist[med]) < n / 2;) med++;
  return med < (lo + hi) / 2;
}

Box BusyBox(const Grey &in) {
  constexpr int kTile = 16;
  const int tw = in.width / kTile, th = in.height / kTile;
  if (tw < 1 || th < 1) return Box{};
  // Edge threshold from the frame's dynamic range (2nd to 98th percentile).
  size_t hist[256] = {0};
  for (size_t i = 0; i < in.px.size(); i += 7) hist[in.px[i]]++;
  size_t n = 0;
  for (size_t v : hist) n += v;
  int lo = 0, hi = 255;
  for (size_t acc = 0; lo < 255 && (acc += hist[lo]) < n / 50;) lo++;
  for (size_t acc = 0; hi > 0 && (acc += hist[hi]) < n / 50;) hi--;
  const int thr = std::max(16, (hi - lo) / 4);
  std::vector<uint8_t> busy((size_t)tw * (size_t)th, 0);
  for (int ty = 0; ty < th; ty++) {
    for (int tx = 0; tx < tw; tx++) {
      int edges = 0;
      for (int y = ty * kTile; y < ty * kTile + kTile; y += 2) {
        const uint8_t *r = in.row(y);
        for (int x = tx * kTile; x < tx * kTile + kTile && x + 2 < in.width; x++) {
          edges += std::abs((int)r[x + 2] - (int)r[x]) > thr;
        }
      }
      busy[(size_t)ty * (size_t)tw + (size_t)tx] = edges >= 12;
    }
  }
  int x0 = tw, y0 = th, x1 = -1, y1 = -1;
  for (int ty = 0; ty < th; ty++) {
    for (int tx = 0; tx < tw; tx++) {
      if (!busy[(size_t)ty * (size_t)tw + (size_t)tx]) continue;
      int near = 0; // an isolated busy tile is texture, not a symbol
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          const int xx = tx + dx, yy = ty + dy;
          if ((dx || dy) && xx >= 0 && yy >= 0 && xx < tw && yy < th)
            near += busy[(size_t)yy * (size_t)tw + (size_t)xx];
        }
      if (near < 2) continue;
      x0 = std::min(x0, tx), y0 = std::min(y0, ty), x1 = std::max(x1, tx), y1 = std::max(y1, ty);
    }
  }
  if (x1 < 0) return Box{};
  Box b{(x0 - 2) * kTile, (y0 - 2) * kTile, (x1 - x0 + 5) * kTile, (y1 - y0 + 5) * kTile};
  return Clip(b, in.width, in.height);
}

Pdf417Hint FindPdf417Patterns(const Grey &in) {
  Pdf417Hint hint;
  std::vector<Hit> starts, all;
  const int step = std::max(3, in.height / 160);
  constexpr int kWin = 24;   // half-window of the local mean threshold
  constexpr int kMargin = 12; // grey levels under that mean to count as black
  std::vector<int> sum((size_t)in.width + 1), runs;
  std::vector<int> run_x;
  for (int y = step / 2; y < in.height; y += step) {
    const uint8_t *r = in.row(y);
    sum[0] = 0;
    for (int x = 0; x < in.width; x++) sum[(size_t)x + 1] = sum[(size_t)x] + r[x];
    runs.clear();
    run_x.clear();
    int prev = -1;
    for (int x = 0; x < in.width; x++) {
      const int a = std::max(0, x - kWin), b = std::min(in.width, x + kWin + 1);
      // Black: clearly under the local mean (sensor noise on paper is not).
      const int black = (r[x] + kMargin) * (b - a) < sum[(size_t)b] - sum[(size_t)a] ? 1 : 0;
      if (black != prev) {
        runs.push_back(0);
        run_x.push_back(x);
        prev = black;
      }
      runs.back()++;
    }
    // Runs alternate; find bar runs that start a pattern.
    const int b0 = std::min(in.width, kWin + 1);
    const bool first_black = (r[0] + kMargin) * b0 < sum[(size_t)b0];
    for (size_t i = first_black ? 0 : 1; i + 9 <= runs.size(); i += 2) {
      double m = 0;
      if (Matches(&runs[i], kStart, 8, 17, &m)) {
        starts.push_back(Hit{(double)run_x[i], (double)y, m});
        all.push_back(starts.back());
      } else if (Matches(&runs[i], kStop, 9, 18, &m)) {
        all.push_back(Hit{(double)run_x[i], (double)y, m});
      }
    }
  }
  hint.found = (int)all.size();
  if (all.empty()) return hint;
  double x0 = in.width, y0 = in.height, x1 = 0, y1 = 0, msum = 0;
  for (const Hit &h : all) {
    x0 = std::min(x0, h.x), y0 = std::min(y0, h.y), x1 = std::max(x1, h.x), y1 = std::max(y1, h.y);
    msum += h.m;
  }
  const double m = msum / (double)all.size();
  // Grow by the symbol's likely extent: rows above and below, columns to
  // the right of a start pattern (or left of a stop pattern).
  const int gx = (int)std::max(40.0 * m, 0.25 * in.width), gy = (int)(12.0 * m) + 2 * step;
  hint.box = Clip(Box{(int)x0 - gx, (int)y0 - gy, (int)(x1 - x0) + 2 * gx, (int)(y1 - y0) + 2 * gy},
                  in.width, in.height);
  // The left edge: the line through the most start patterns (pairs tried,
  // at most 48 hits sampled evenly).
  std::vector<Hit> s;
  const size_t stride = starts.size() / 48 + 1;
  for (size_t i = 0; i < starts.size(); i += stride) s.push_back(starts[i]);
  int best = 0;
  double best_a = 0;
  for (size_t i = 0; i < s.size(); i++) {
    for (size_t j = i + 1; j < s.size(); j++) {
      if (std::fabs(s[j].y - s[i].y) < 4.0 * step) continue;
      const double a = (s[j].x - s[i].x) / (s[j].y - s[i].y);
      if (std::fabs(a) > 0.3) continue; // over ~17 degrees: not ours to fix
      int inliers = 0;
      for (const Hit &h : s) inliers += std::fabs(h.x - (s[i].x + a * (h.y - s[i].y))) <= 1.5 * h.m + 1;
      if (inliers > best) best = inliers, best_a = a;
    }
  }
  if (best >= 4) {
    hint.have_angle = true;
    hint.degrees = std::atan(best_a) * 180.0 / kPi;
  }
  return hint;
}

} // namespace sg

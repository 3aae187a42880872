// Grey-image operations for the decode tactics (see sg_zx_frames.h).
#include "sg_zx_frames.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace sg {

namespace {

constexpr double kPi = 3.14159265358979323846;

uint8_t Lum(const uint8_t *p) {
  // ZXing::RGBToLum's weights.
  return (uint8_t)((306u * p[0] + 601u * p[1] + 117u * p[2] + 0x200u) >> 10);
}

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

// Call f(pixel) for the pixels a packed frame would hold at indices 0,
// step, 2 * step, ... (the same samples whatever the view's stride).
template <typename F>
void Sample(const GreyView &in, size_t step, F f) {
  const size_t w = (size_t)in.width;
  size_t x = 0;
  for (int y = 0; y < in.height; y++, x -= w) {
    const uint8_t *r = in.row(y);
    for (; x < w; x += step) f(r[x]);
  }
}

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

void Invert(const GreyView &in, Grey *out) {
  out->width = in.width;
  out->height = in.height;
  out->px.resize((size_t)in.width * (size_t)in.height);
  for (int y = 0; y < in.height; y++) {
    const uint8_t *src = in.row(y);
    uint8_t *dst = out->px.data() + (size_t)y * (size_t)in.width;
    for (int x = 0; x < in.width; x++) dst[x] = (uint8_t)(255u - src[x]);
  }
}

void Downscale2(const GreyView &in, Grey *out) {
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

// Output pixel 2k samples the source at k - 1/4 (weights 1:3 of source
// pixels k-1 and k), pixel 2k+1 at k + 1/4 (3:1 of k and k+1), in both
// directions: the bilinear interpolation at those points, exactly, rounded
// half up.
void Upscale2(const GreyView &in, const Box &box, Grey *out) {
  out->width = 2 * box.w;
  out->height = 2 * box.h;
  out->px.resize((size_t)out->width * (size_t)out->height);
  // The box with a 1-pixel border (source rows and columns box.y-1 ..
  // box.y+box.h, box.x-1 .. box.x+box.w), white outside the frame.
  const size_t n = (size_t)box.w + 2;
  std::vector<uint8_t> pad(n * ((size_t)box.h + 2), 255);
  for (int sy = std::max(0, box.y - 1); sy < std::min(in.height, box.y + box.h + 1); sy++) {
    const int sx0 = std::max(0, box.x - 1), sx1 = std::min(in.width, box.x + box.w + 1);
    std::memcpy(&pad[(size_t)(sy - box.y + 1) * n + (size_t)(sx0 - box.x + 1)], in.row(sy) + sx0,
                (size_t)(sx1 - sx0));
  }
  for (int y = 0; y < out->height; y++) {
    const int j = y / 2;
    const int y0 = (y & 1) ? j + 1 : j; // upper source row, in pad
    const unsigned wy0 = (y & 1) ? 3u : 1u, wy1 = 4u - wy0;
    const uint8_t *p0 = &pad[(size_t)y0 * n], *p1 = p0 + n;
    uint8_t *dst = out->px.data() + (size_t)y * (size_t)out->width;
    for (int k = 0; k < box.w; k++) {
      const unsigned a = p0[k], b = p0[k + 1], c = p0[k + 2];
      const unsigned d = p1[k], e = p1[k + 1], f = p1[k + 2];
      dst[2 * k] = (uint8_t)(((a + 3u * b) * wy0 + (d + 3u * e) * wy1 + 8u) >> 4);
      dst[2 * k + 1] = (uint8_t)(((3u * b + c) * wy0 + (3u * e + f) * wy1 + 8u) >> 4);
    }
  }
}

// Source coordinates step along each output row in 16.16 fixed point
// (offset by kBias so that they stay positive: shifts are floors), and the
// bilinear weights are 8-bit: at most 1/100 pixel and 1/256 grey level
// from the exact rotation, for a fifth of its instructions.
void RotateCrop(const GreyView &in, const Box &box, double degrees, Grey *out) {
  const double a = degrees * kPi / 180.0, c = std::cos(a), s = std::sin(a);
  const int w = (int)std::ceil(std::fabs(box.w * c) + std::fabs(box.h * s));
  const int h = (int)std::ceil(std::fabs(box.w * s) + std::fabs(box.h * c));
  out->width = w;
  out->height = h;
  out->px.resize((size_t)w * (size_t)h);
  const double cx = box.x + box.w / 2.0, cy = box.y + box.h / 2.0, ox = w / 2.0, oy = h / 2.0;
  constexpr int64_t kOne = 65536, kBias = (int64_t)1 << 20; // in pixels, beyond any frame side
  const int64_t step_x = std::llround(c * kOne), step_y = std::llround(s * kOne);
  auto at = [&](int xx, int yy) -> unsigned {
    if (xx < 0 || yy < 0 || xx >= in.width || yy >= in.height) return 255;
    return in.row(yy)[xx];
  };
  for (int y = 0; y < h; y++) {
    uint8_t *dst = out->px.data() + (size_t)y * (size_t)w;
    const double dy = y + 0.5 - oy, dx = 0.5 - ox;
    int64_t fx = std::llround((c * dx - s * dy + cx - 0.5 + (double)kBias) * kOne);
    int64_t fy = std::llround((s * dx + c * dy + cy - 0.5 + (double)kBias) * kOne);
    for (int x = 0; x < w; x++, fx += step_x, fy += step_y) {
      const int x0 = (int)((fx >> 16) - kBias), y0 = (int)((fy >> 16) - kBias);
      const unsigned wx = (unsigned)(fx >> 8) & 0xffu, wy = (unsigned)(fy >> 8) & 0xffu;
      unsigned p00, p01, p10, p11;
      if ((unsigned)x0 < (unsigned)in.width - 1u && (unsigned)y0 < (unsigned)in.height - 1u) {
        const uint8_t *r0 = in.row(y0) + x0, *r1 = in.row(y0 + 1) + x0;
        p00 = r0[0], p01 = r0[1], p10 = r1[0], p11 = r1[1];
      } else {
        p00 = at(x0, y0), p01 = at(x0 + 1, y0), p10 = at(x0, y0 + 1), p11 = at(x0 + 1, y0 + 1);
      }
      const unsigned top = p00 * (256u - wx) + p01 * wx, bottom = p10 * (256u - wx) + p11 * wx;
      dst[x] = (uint8_t)((top * (256u - wy) + bottom * wy + 32768u) >> 16);
    }
  }
}

bool DarkGround(const GreyView &in) {
  size_t hist[256] = {0}, n = 0;
  Sample(in, 5, [&](uint8_t v) { hist[v]++, n++; });
  int lo = 0, hi = 255, med = 0;
  for (size_t acc = 0; lo < 255 && (acc += hist[lo]) < n / 50;) lo++;
  for (size_t acc = 0; hi > 0 && (acc += hist[hi]) < n / 50;) hi--;
  for (size_t acc = 0; med < 255 && (acc += hist[med]) < n / 2;) med++;
  return med < (lo + hi) / 2;
}

Box BusyBox(const GreyView &in) {
  constexpr int kTile = 16;
  const int tw = in.width / kTile, th = in.height / kTile;
  if (tw < 1 || th < 1) return Box{};
  // Edge threshold from the frame's dynamic range (2nd to 98th percentile).
  size_t hist[256] = {0};
  Sample(in, 7, [&](uint8_t v) { hist[v]++; });
  size_t n = 0;
  for (size_t v : hist) n += v;
  int lo = 0, hi = 255;
  for (size_t acc = 0; lo < 255 && (acc += hist[lo]) < n / 50;) lo++;
  for (size_t acc = 0; hi > 0 && (acc += hist[hi]) < n / 50;) hi--;
  const int thr = std::max(16, (hi - lo) / 4);
  // A tile is busy when 12 or more of its 8 x 16 samples (every other
  // row) differ from the pixel two to the right by more than thr.
  std::vector<uint8_t> busy((size_t)tw * (size_t)th, 0), edge((size_t)tw * kTile, 0);
  std::vector<int> edges((size_t)tw);
  const int xn = std::min(tw * kTile, in.width - 2); // x + 2 < width
  for (int ty = 0; ty < th; ty++) {
    std::fill(edges.begin(), edges.end(), 0);
    for (int y = ty * kTile; y < ty * kTile + kTile; y += 2) {
      const uint8_t *r = in.row(y);
      for (int x = 0; x < xn; x++) edge[(size_t)x] = std::abs((int)r[x + 2] - (int)r[x]) > thr;
      for (int tx = 0; tx < tw; tx++) {
        const int x0 = tx * kTile, x1 = std::min(x0 + kTile, xn);
        int e = 0;
        for (int x = x0; x < x1; x++) e += edge[(size_t)x];
        edges[(size_t)tx] += e;
      }
    }
    for (int tx = 0; tx < tw; tx++) busy[(size_t)ty * (size_t)tw + (size_t)tx] = edges[(size_t)tx] >= 12;
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

Pdf417Hint FindPdf417Patterns(const GreyView &in) {
  Pdf417Hint hint;
  std::vector<Hit> starts, all;
  const int step = std::max(3, in.height / 160);
  constexpr int kWin = 24;   // half-window of the local mean threshold
  constexpr int kMargin = 12; // grey levels under that mean to count as black
  std::vector<int> sum((size_t)in.width + 1), runs;
  std::vector<uint8_t> black((size_t)in.width);
  std::vector<int> run_x;
  for (int y = step / 2; y < in.height; y += step) {
    const uint8_t *r = in.row(y);
    sum[0] = 0;
    for (int x = 0; x < in.width; x++) sum[(size_t)x + 1] = sum[(size_t)x] + r[x];
    // Black: clearly under the local mean over [x - kWin, x + kWin]
    // (clipped to the row; sensor noise on paper is not).
    const int w = in.width, lo = std::min(w, kWin), hi = std::max(lo, w - kWin - 1);
    const int *sm = sum.data();
    uint8_t *bk = black.data();
    for (int x = 0; x < lo; x++) {
      const int a = 0, b = std::min(w, x + kWin + 1);
      bk[x] = (r[x] + kMargin) * (b - a) < sm[b] - sm[a];
    }
    for (int x = lo; x < hi; x++) { // the unclipped middle: vectorizes
      bk[x] = (r[x] + kMargin) * (2 * kWin + 1) < sm[x + kWin + 1] - sm[x - kWin];
    }
    for (int x = hi; x < w; x++) {
      const int a = std::max(0, x - kWin), b = w;
      bk[x] = (r[x] + kMargin) * (b - a) < sm[b] - sm[a];
    }
    runs.clear();
    run_x.clear();
    for (int x = 0; x < w;) {
      const int x0 = x;
      for (x++; x < w && bk[x] == bk[x0];) x++;
      runs.push_back(x - x0);
      run_x.push_back(x0);
    }
    // Runs alternate; find bar runs that start a pattern.
    const int b0 = std::min(in.width, kWin + 1);
    const bool first_black = (r[0] + kMargin) * b0 < sum[(size_t)b0];
    for (size_t i = first_black ? 0 : 1; i + 9 <= runs.size(); i += 2) {
      // Both patterns open with a wide bar and then a 1-module space: a
      // space wider than 3/13 of the bar can match neither (a necessary
      // condition of Matches, with slack), which skips most runs cheaply.
      if (3 * runs[i] + 13 < 13 * runs[i + 1]) continue;
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
  Hit best_p{0, 0, 0};
  auto on_line = [](const Hit &h, const Hit &p, double a) {
    return std::fabs(h.x - (p.x + a * (h.y - p.y))) <= 1.5 * h.m + 1;
  };
  for (size_t i = 0; i < s.size(); i++) {
    for (size_t j = i + 1; j < s.size(); j++) {
      if (std::fabs(s[j].y - s[i].y) < 4.0 * step) continue;
      const double a = (s[j].x - s[i].x) / (s[j].y - s[i].y);
      if (std::fabs(a) > 0.3) continue; // over ~17 degrees: not ours to fix
      int inliers = 0;
      for (const Hit &h : s) inliers += on_line(h, s[i], a);
      if (inliers > best) best = inliers, best_a = a, best_p = s[i];
    }
  }
  if (best < 4) return hint;
  // The pair's slope is coarse (pattern starts are whole pixels, rows a
  // few apart: 15 degrees read as 14.0 or 15.7); refine it by least squares
  // over every start pattern on that line.
  double n = 0, my = 0, mx = 0;
  for (const Hit &h : starts) {
    if (on_line(h, best_p, best_a)) n++, my += h.y, mx += h.x;
  }
  my /= n, mx /= n;
  double syy = 0, sxy = 0;
  for (const Hit &h : starts) {
    if (on_line(h, best_p, best_a)) syy += (h.y - my) * (h.y - my), sxy += (h.y - my) * (h.x - mx);
  }
  if (syy > 0 && std::fabs(sxy / syy) <= 0.3) best_a = sxy / syy;
  hint.have_angle = true;
  hint.degrees = std::atan(best_a) * 180.0 / kPi;
  return hint;
}

} // namespace sg

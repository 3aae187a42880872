// Private to scanner/zxing (C++ only): the grey-image operations the decode
// tactics of sg_zxing.cpp run before handing a frame to ZXing again. They
// read 8-bit grey frames through a GreyView (the caller's own pixels when
// the frame is grey already: no copy) and write packed Grey frames in
// std::vector storage; none throws except std::bad_alloc, which the shim's
// entry points catch. They run on every frame the plain pass cannot read,
// so they count against the tactics' budget: integer arithmetic, loops the
// vectorizer can take, no per-pixel bounds checks where a border will do.
#ifndef SG_ZX_FRAMES_H
#define SG_ZX_FRAMES_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sg {

// Read-only grey pixels: `height` rows of `stride` bytes, `width` used.
struct GreyView {
  const uint8_t *px = nullptr;
  int width = 0, height = 0;
  size_t stride = 0;
  const uint8_t *row(int y) const { return px + (size_t)y * stride; }
};

// A packed grey frame the tactics made (stride = width).
struct Grey {
  std::vector<uint8_t> px;
  int width = 0, height = 0;
  const uint8_t *row(int y) const { return px.data() + (size_t)y * (size_t)width; }
  GreyView view() const { return GreyView{px.data(), width, height, (size_t)width}; }
};

// A rectangle of a frame, in pixels.
struct Box {
  int x = 0, y = 0, w = 0, h = 0;
  long long area() const { return (long long)w * h; }
};

// Copy (converting RGB to luminance with ZXing's weights) into a packed
// grey frame.
void ToGrey(const uint8_t *pixels, int width, int height, size_t stride, int bpp, Grey *out);

// 255 - v for every pixel.
void Invert(const GreyView &in, Grey *out);

// Half size, each output pixel the mean of a 2x2 block: averages away
// noise and screen moire that ZXing's own (pixel-skipping) downscale keeps.
void Downscale2(const GreyView &in, Grey *out);

// Twice the size of `box` of `in`, bilinear (each output pixel 9:3:3:1 of
// its four nearest, in integers; outside the frame is white): modules of
// 1-2 pixels become 2-4, which ZXing's detectors need.
void Upscale2(const GreyView &in, const Box &box, Grey *out);

// `box` of `in` rotated by `degrees` about its centre (bilinear in fixed
// point: within 1/100 pixel and 1/256 grey level of the exact rotation),
// on a canvas large enough for the whole rotated box; outside is white.
void RotateCrop(const GreyView &in, const Box &box, double degrees, Grey *out);

// The bounding box of the "busy" part of the frame: 16 x 16 tiles with
// many strong edges (a barcode), grown by a margin. Empty (w == 0) when no
// tile is busy.
Box BusyBox(const GreyView &in);

// Is most of the frame dark (its median under the middle of its range)?
// Light modules on a dark ground look so; paper does not.
bool DarkGround(const GreyView &in);

// PDF417 start (8 1 1 1 1 1 1 3) or stop (7 1 1 3 1 1 1 2 1) patterns on
// scan lines every few rows. `found` is how many were seen; when four or
// more start patterns lie on one straight edge, *degrees is that edge's tilt from the
// vertical (the symbol's rotation) and *have_angle true. *box covers every
// pattern seen, grown by the symbol's likely extent.
struct Pdf417Hint {
  int found = 0;
  bool have_angle = false;
  double degrees = 0;
  Box box;
};
Pdf417Hint FindPdf417Patterns(const GreyView &in);

} // namespace sg

#endif // SG_ZX_FRAMES_H

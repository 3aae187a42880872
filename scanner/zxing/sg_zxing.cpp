// The C shim over ZXing-C++ 1.4 (see sg_zxing.h). The only C++ in
// stagegate: every entry point is noexcept and catches everything, because
// an exception unwinding into C code is undefined behaviour.
#define ZX_USE_UTF8 1 // Result::text() as UTF-8; we use bytes() anyway

#include "sg_zxing.h"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/ZXVersion.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "sg_zx_frames.h"
#include "stagegate/errors.h"

namespace {

using ZXing::BarcodeFormat;

constexpr unsigned kAllFormats = SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_PDF417) |
                                 SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_QR) |
                                 SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_DATAMATRIX) |
                                 SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_AZTEC);

sg_symbology FromZx(BarcodeFormat f) {
  switch (f) {
    case BarcodeFormat::PDF417: return SG_SYMBOLOGY_PDF417;
    case BarcodeFormat::QRCode: return SG_SYMBOLOGY_QR;
    case BarcodeFormat::DataMatrix: return SG_SYMBOLOGY_DATAMATRIX;
    case BarcodeFormat::Aztec: return SG_SYMBOLOGY_AZTEC;
    default: return SG_SYMBOLOGY_UNKNOWN;
  }
}

ZXing::BarcodeFormats ToZxFormats(unsigned mask) {
  ZXing::BarcodeFormats f;
  if (mask & SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_PDF417)) f |= BarcodeFormat::PDF417;
  if (mask & SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_QR)) f |= BarcodeFormat::QRCode;
  if (mask & SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_DATAMATRIX)) f |= BarcodeFormat::DataMatrix;
  if (mask & SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_AZTEC)) f |= BarcodeFormat::Aztec;
  return f;
}

// Append the valid results; stop at the first that does not fit.
int AppendResults(const ZXing::Results &results, sg_symbol_list *out, bool *any) {
  for (const auto &r : results) {
    if (!r.isValid()) {
      continue;
    }
    const sg_symbology sym = FromZx(r.format());
    if (sym == SG_SYMBOLOGY_UNKNOWN) {
      continue; // cannot happen: formats are restricted to ours
    }
    const ZXing::ByteArray &bytes = r.bytes(); // raw content, no charset conversion
    sg_symbol s;
    sg_symbol_clear(&s);
    s.data = bytes.data();
    s.len = bytes.size();
    s.symbology = sym;
    s.reader_init = r.readerInit() ? 1 : 0;
    if (r.isPartOfSequence()) {
      const std::string id = r.sequenceId();
      if (id.size() >= sizeof s.sa_id) {
        return SG_ERR_SYMBOL_TOO_LARGE; // a cut id could merge two sequences
      }
      s.sa_index = r.sequenceIndex();
      s.sa_count = r.sequenceSize();
      std::memcpy(s.sa_id, id.c_str(), id.size() + 1);
    }
    const int ret = sg_symbol_list_push(out, &s);
    if (ret != SG_OK) {
      return ret;
    }
    *any = true;
  }
  return SG_OK;
}

bool SameSymbol(const sg_symbol &a, const sg_symbol &b) {
  return a.symbology == b.symbology && a.len == b.len && a.sa_index == b.sa_index &&
         (a.len == 0 || std::memcmp(a.data, b.data, a.len) == 0);
}

// Append the valid results not already in out[first..] (nor twice from one
// pass); stop at the first that does not fit.
int AppendNew(const ZXing::Results &results, sg_symbol_list *out, size_t first, bool *any) {
  ZXing::Results fresh;
  for (const auto &r : results) {
    if (!r.isValid()) continue;
    const ZXing::ByteArray &bytes = r.bytes();
    sg_symbol probe;
    sg_symbol_clear(&probe);
    probe.data = bytes.data();
    probe.len = bytes.size();
    probe.symbology = FromZx(r.format());
    probe.sa_index = r.isPartOfSequence() ? r.sequenceIndex() : -1;
    bool seen = false;
    for (size_t i = first; i < out->count && !seen; i++) seen = SameSymbol(out->items[i], probe);
    for (const auto &f : fresh) { // ZXing 1.4 may find one symbol twice in one pass
      if (seen) break;
      seen = f.format() == r.format() && f.bytes() == bytes &&
             (f.isPartOfSequence() ? f.sequenceIndex() : -1) == probe.sa_index;
    }
    if (!seen) fresh.push_back(r);
  }
  return AppendResults(fresh, out, any);
}

// "The symbol set reassembles": something was read, and every structured-
// append sequence among what was read has all its members (a sequence
// that does not say its size counts as whole: nothing more can be known).
bool Complete(const sg_symbol_list *out, size_t first) {
  if (out->count == first) return false;
  for (size_t i = first; i < out->count; i++) {
    const sg_symbol &s = out->items[i];
    if (s.sa_index < 0 || s.sa_count <= 0) continue;
    for (int k = 0; k < s.sa_count; k++) {
      bool have = false;
      for (size_t j = first; j < out->count && !have; j++) {
        const sg_symbol &t = out->items[j];
        have = t.sa_index == k && std::strcmp(t.sa_id, s.sa_id) == 0;
      }
      if (!have) return false;
    }
  }
  return true;
}

// One decode attempt over a frame the tactic prepared.
struct Attempt {
  const sg_zx_read_opts *opts;
  unsigned mask;
  size_t room;
  sg_symbol_list *out;
  size_t first;
  bool force_invert;
  bool any = false;

  // The later passes: no ZXing rotations (the plain pass did those) and no
  // ZXing downscaling (the tactics scale themselves), to keep an
  // unreadable frame's cost near the budget.
  ZXing::DecodeHints Later() const { return Hints().setTryRotate(false).setTryDownscale(false); }

  ZXing::DecodeHints Hints() const {
    ZXing::DecodeHints h;
    h.setFormats(ToZxFormats(mask))
        .setTryHarder(opts->try_harder != 0)
        .setTryRotate(opts->try_rotate != 0)
        .setTryDownscale(opts->try_downscale != 0)
        .setIsPure(false) // never: ZXing 1.4's pure PDF417 reader writes past its buffer
        .setMaxNumberOfSymbols(static_cast<uint8_t>(room + 1 < 255 ? room + 1 : 255));
    return h;
  }
  int Read(const ZXing::ImageView &view, const ZXing::DecodeHints &h) {
    return AppendNew(ZXing::ReadBarcodes(view, h), out, first, &any);
  }
  int Read(const sg::Grey &g, const ZXing::DecodeHints &h) {
    return Read(ZXing::ImageView(g.px.data(), g.width, g.height, ZXing::ImageFormat::Lum), h);
  }
};

// The input frame, as given and as grey: the caller's pixels themselves
// when they are grey, else a luminance copy made on first use.
struct Frame {
  Frame(const ZXing::ImageView &v, const uint8_t *p, size_t s, int b)
      : view(v), pixels(p), stride(s), bpp(b) {}
  ZXing::ImageView view;
  const uint8_t *pixels;
  size_t stride;
  int bpp;
  sg::Grey copy;
  bool have_busy = false, have_pdf417 = false;
  sg::Box busy;
  sg::Pdf417Hint pdf417;
  sg::GreyView Grey() {
    if (bpp == 1) return sg::GreyView{pixels, view.width(), view.height(), stride};
    if (copy.px.empty()) sg::ToGrey(pixels, view.width(), view.height(), stride, bpp, &copy);
    return copy.view();
  }
  const sg::Box &Busy() {
    if (!have_busy) busy = sg::BusyBox(Grey()), have_busy = true;
    return busy;
  }
  const sg::Pdf417Hint &Pdf417() {
    if (!have_pdf417) pdf417 = sg::FindPdf417Patterns(Grey()), have_pdf417 = true;
    return pdf417;
  }
};

// The tactics. Each returns SG_OK (whether or not it read anything),
// SG_ERR_NO_SYMBOL when it does not apply to this frame, or a list error.
// They run in kTactics' order (below), not in the order written here.
int PassPlain(Frame &f, Attempt &a) { return a.Read(f.view, a.Hints()); }

int PassDownscaled(Frame &f, Attempt &a) {
  if (f.view.width() < 320 || f.view.height() < 160) return SG_ERR_NO_SYMBOL;
  sg::Grey half;
  sg::Downscale2(f.Grey(), &half);
  return a.Read(half, a.Later());
}

// The matrix symbologies only: ZXing 1.4's PDF417 reader over a globally
// thresholded frame cost 4-7x a plain pass (measured on the tactics
// corpus, even on the busy crop without tryHarder), for 2 of 144 frames.
int PassGlobalHistogram(Frame &f, Attempt &a) {
  const unsigned matrix = a.mask & ~SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_PDF417);
  if (matrix == 0) return SG_ERR_NO_SYMBOL;
  return a.Read(f.view, a.Later()
                            .setFormats(ToZxFormats(matrix))
                            .setBinarizer(ZXing::Binarizer::GlobalHistogram));
}

// Budget: the upscaled crop may not hold more pixels than a 1280x720 frame
// or the frame itself, whichever is more, so it costs at most one pass.
int PassUpscaled(Frame &f, Attempt &a) {
  const sg::GreyView g = f.Grey();
  const sg::Box box = f.Busy();
  const long long budget = std::max(1280LL * 720LL, (long long)g.width * g.height);
  if (box.w == 0 || 4 * box.area() > budget) return SG_ERR_NO_SYMBOL;
  sg::Grey big;
  sg::Upscale2(g, box, &big);
  return a.Read(big, a.Later());
}

// PDF417 only, and only when its start patterns are on the frame: the
// symbol's tilt is measured from the start patterns when four or more line
// up (up to about 17 degrees either way), and the crop is straightened by
// it and read for PDF417 alone, without ZXing's own rotations or
// downscaling.
int PassDeskewPdf417(Frame &f, Attempt &a) {
  if ((a.mask & SG_SYMBOLOGY_BIT(SG_SYMBOLOGY_PDF417)) == 0) return SG_ERR_NO_SYMBOL;
  const sg::GreyView g = f.Grey();
  const sg::Pdf417Hint &hint = f.Pdf417();
  if (hint.found == 0 || hint.box.w == 0) return SG_ERR_NO_SYMBOL;
  // The crop: the busy part of the frame (the patterns' own box when
  // nothing looks busy), straightened by the measured tilt: one read, as
  // each costs about a plain pass (ZXing's PDF417 reader dominates). No
  // read when the tilt is under 1.25 degrees (the plain pass saw that), or
  // when it could not be measured (stray pattern-like runs in a QR code or
  // in noise): a blind sweep of every 2.5 degrees to 15 cost 4-13 plain
  // passes on such frames.
  if (!hint.have_angle || std::fabs(hint.degrees) < 1.25) return SG_ERR_NO_SYMBOL;
  sg::Box box = f.Busy();
  if (box.w == 0) box = hint.box;
  const double angles[] = {-hint.degrees};
  ZXing::DecodeHints h = a.Later();
  h.setFormats(BarcodeFormat::PDF417);
  for (double deg : angles) {
    sg::Grey straight;
    sg::RotateCrop(g, box, deg, &straight);
    const int ret = a.Read(straight, h);
    if (ret != SG_OK || a.any) return ret;
  }
  return SG_OK;
}

// Only for frames that are mostly dark (a screen in dark mode), unless the
// caller asked for it (try_invert): on paper it cost a full pass for nothing.
int PassInverted(Frame &f, Attempt &a) {
  if (!a.force_invert && !sg::DarkGround(f.Grey())) return SG_ERR_NO_SYMBOL;
  sg::Grey neg;
  sg::Invert(f.Grey(), &neg);
  return a.Read(neg, a.Later());
}

struct Tactic {
  unsigned bit; // SG_ZX_TACTIC_*; 0 = always
  const char *name;
  int (*run)(Frame &, Attempt &);
};

// Ordered by frames read per instruction on the tactics corpus (see
// sg_zxing.h): an unreadable frame pays for every pass whatever the order,
// a readable one only up to the pass that reads it. The inverted pass last:
// paper is rarely negative.
constexpr Tactic kTactics[] = {
    {0, "plain", PassPlain},
    {SG_ZX_TACTIC_DESKEW_PDF417, "deskew-pdf417", PassDeskewPdf417},
    {SG_ZX_TACTIC_UPSCALED, "upscaled", PassUpscaled},
    {SG_ZX_TACTIC_GLOBAL_HISTOGRAM, "global-histogram", PassGlobalHistogram},
    {SG_ZX_TACTIC_DOWNSCALED, "downscaled", PassDownscaled},
    {SG_ZX_TACTIC_INVERTED, "inverted", PassInverted},
};
static_assert(sizeof kTactics / sizeof kTactics[0] <= SG_ZX_MAX_PASSES, "trace too small");

int ReadImpl(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height, size_t stride,
             sg_pixel_format format, const sg_zx_read_opts *opts, sg_symbol_list *out,
             sg_zx_trace *trace) {
  const size_t bpp = format == SG_PIXELS_RGB24 ? 3u : 1u;
  if (trace != nullptr) std::memset(trace, 0, sizeof *trace);
  if (pixels == nullptr || out == nullptr || out->items == nullptr ||
      (format != SG_PIXELS_GREY8 && format != SG_PIXELS_RGB24) || width == 0 || height == 0 ||
      width > SG_ZX_MAX_SIDE || height > SG_ZX_MAX_SIDE) {
    return SG_ERR_ARG;
  }
  const size_t row = width * bpp;
  if (stride < row || stride > (size_t)0x7fffffff || len < row ||
      (len - row) / stride < (size_t)(height - 1u)) {
    return SG_ERR_ARG;
  }
  sg_zx_read_opts o;
  if (opts != nullptr) {
    o = *opts;
  } else {
    sg_zx_read_opts_default(&o);
  }
  const unsigned mask = o.formats == 0 ? kAllFormats : (o.formats & kAllFormats);
  if (mask == 0) {
    return SG_ERR_ARG; // only formats we do not read
  }
  // is_pure: a clean render; read it with the plain pass alone. ZXing's
  // own pure-image mode is never used (see sg_zxing.h).
  unsigned tactics = o.is_pure != 0 ? 0u : o.tactics;
  if (o.try_invert != 0 && o.is_pure == 0) tactics |= SG_ZX_TACTIC_INVERTED;

  const ZXing::ImageFormat zf =
      format == SG_PIXELS_RGB24 ? ZXing::ImageFormat::RGB : ZXing::ImageFormat::Lum;
  Frame frame(ZXing::ImageView(pixels, (int)width, (int)height, zf, (int)stride), pixels, stride,
              (int)bpp);
  // One more than fits, so an overflow is seen rather than silently cut.
  Attempt attempt{&o, mask, out->cap - out->count, out, out->count, o.try_invert != 0};
  for (const Tactic &t : kTactics) {
    if (t.bit != 0 && (tactics & t.bit) == 0) continue;
    const int ret = t.run(frame, attempt);
    if (ret == SG_ERR_NO_SYMBOL) continue; // not for this frame
    if (trace != nullptr) {
      trace->pass[trace->passes++] = t.name;
    }
    if (ret != SG_OK) return ret;
    if (Complete(out, attempt.first)) {
      if (trace != nullptr) trace->decoded_by = t.name;
      return SG_OK;
    }
  }
  return attempt.any ? SG_OK : SG_ERR_NO_SYMBOL;
}

struct Rendered {
  std::vector<uint8_t> pixels;
  uint32_t width = 0, height = 0;
};

int WriteImpl(const uint8_t *data, size_t len, const sg_zx_write_opts *opts, Rendered *img) {
  if (data == nullptr || len == 0 || opts == nullptr) {
    return SG_ERR_ARG;
  }
  const unsigned module = opts->module_px == 0 ? 4u : opts->module_px;
  if (module > SG_ZX_MAX_MODULE_PX || opts->quiet_modules > 64u) {
    return SG_ERR_ARG;
  }
  BarcodeFormat fmt = BarcodeFormat::None;
  int zx_ec = -1;
  unsigned quiet = 0;
  switch (opts->symbology) {
    case SG_SYMBOLOGY_QR: {
      // MultiFormatWriter maps 0..8 onto L/M/Q/H as (level - 1) / 2.
      static const int kQr[4] = {1, 3, 5, 7};
      const int ec = opts->ec_level < 0 ? 1 : opts->ec_level;
      if (ec > 3) return SG_ERR_ARG;
      fmt = BarcodeFormat::QRCode;
      zx_ec = kQr[ec];
      quiet = 4;
      break;
    }
    case SG_SYMBOLOGY_PDF417:
      if (opts->ec_level > 8) return SG_ERR_ARG;
      fmt = BarcodeFormat::PDF417;
      zx_ec = opts->ec_level < 0 ? 4 : opts->ec_level;
      quiet = 2;
      break;
    case SG_SYMBOLOGY_DATAMATRIX:
      if (opts->ec_level != -1) return SG_ERR_ARG; // ECC 200: nothing to choose
      fmt = BarcodeFormat::DataMatrix;
      quiet = 1;
      break;
    case SG_SYMBOLOGY_UNKNOWN:
    case SG_SYMBOLOGY_AZTEC:
    default:
      return SG_ERR_ARG;
  }
  if (opts->quiet_modules != 0) {
    quiet = opts->quiet_modules;
  }
  if (len > SG_ZX_MAX_PAYLOAD) {
    return SG_ERR_ENCODE;
  }
  // Bytes as ISO 8859-1 code points: the writers' default character set
  // for QR/PDF417 (no ECI emitted) and DataMatrix's byte values, so the
  // reader's raw bytes() are exactly the input.
  std::wstring text(len, L'\0');
  for (size_t i = 0; i < len; i++) {
    text[i] = static_cast<wchar_t>(data[i]);
  }
  ZXing::MultiFormatWriter writer(fmt);
  writer.setMargin(0); // our own quiet zone, in modules, below
  if (zx_ec >= 0) {
    writer.setEccLevel(zx_ec);
  }
  ZXing::BitMatrix m;
  try {
    m = writer.encode(text, 0, 0); // 0 x 0: one pixel per module
  } catch (const std::bad_alloc &) {
    throw;
  } catch (...) {
    return SG_ERR_ENCODE; // ZXing throws for data too big for any symbol size
  }
  if (m.width() <= 0 || m.height() <= 0) {
    return SG_ERR_ENCODE;
  }
  const uint64_t w = ((uint64_t)m.width() + 2u * quiet) * module;
  const uint64_t h = ((uint64_t)m.height() + 2u * quiet) * module;
  if (w > SG_ZX_MAX_SIDE || h > SG_ZX_MAX_SIDE) {
    return SG_ERR_ENCODE;
  }
  img->width = (uint32_t)w;
  img->height = (uint32_t)h;
  img->pixels.assign((size_t)(w * h), 0xff);
  const size_t off = (size_t)quiet * module;
  for (int y = 0; y < m.height(); y++) {
    for (int x = 0; x < m.width(); x++) {
      if (!m.get(x, y)) continue;
      for (unsigned dy = 0; dy < module; dy++) {
        uint8_t *row = &img->pixels[(off + (size_t)y * module + dy) * (size_t)w + off];
        std::memset(row + (size_t)x * module, 0, module);
      }
    }
  }
  return SG_OK;
}

} // namespace

extern "C" {

void sg_zx_read_opts_default(sg_zx_read_opts *opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof *opts);
  opts->formats = 0;
  opts->try_harder = 1;
  opts->try_rotate = 1;
  opts->try_downscale = 1;
  opts->is_pure = 0;
  opts->try_invert = 0;
  opts->tactics = SG_ZX_TACTICS_ALL;
}

int sg_zx_read(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height, size_t stride,
               sg_pixel_format format, const sg_zx_read_opts *opts, sg_symbol_list *out) {
  return sg_zx_read_traced(pixels, len, width, height, stride, format, opts, out, nullptr);
}

int sg_zx_read_traced(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height,
                      size_t stride, sg_pixel_format format, const sg_zx_read_opts *opts,
                      sg_symbol_list *out, sg_zx_trace *trace) {
  int ret = SG_ERR_INTERNAL;
  try {
    ret = ReadImpl(pixels, len, width, height, stride, format, opts, out, trace);
  } catch (const std::bad_alloc &) {
    ret = SG_ERR_NO_MEMORY;
  } catch (...) {
    ret = SG_ERR_INTERNAL;
  }
  return ret;
}

void sg_zx_write_opts_default(sg_zx_write_opts *opts, sg_symbology symbology) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof *opts);
  opts->symbology = symbology;
  opts->ec_level = -1;
  opts->module_px = 4;
  opts->quiet_modules = 0;
}

int sg_zx_write(const uint8_t *data, size_t len, const sg_zx_write_opts *opts, uint8_t *out,
                size_t out_cap, uint32_t *width, uint32_t *height) {
  int ret = SG_ERR_INTERNAL;
  if (width == nullptr || height == nullptr || (out == nullptr && out_cap != 0)) {
    return SG_ERR_ARG;
  }
  *width = 0;
  *height = 0;
  try {
    Rendered img;
    ret = WriteImpl(data, len, opts, &img);
    if (ret == SG_OK) {
      *width = img.width;
      *height = img.height;
      if (img.pixels.size() > out_cap) {
        ret = SG_ERR_OUTPUT_TOO_SMALL;
      } else {
        std::memcpy(out, img.pixels.data(), img.pixels.size());
      }
    }
  } catch (const std::bad_alloc &) {
    ret = SG_ERR_NO_MEMORY;
  } catch (...) {
    ret = SG_ERR_INTERNAL;
  }
  return ret;
}

int sg_zx_write_alloc(const uint8_t *data, size_t len, const sg_zx_write_opts *opts, uint8_t **out,
                      uint32_t *width, uint32_t *height) {
  int ret = SG_ERR_INTERNAL;
  if (out == nullptr || width == nullptr || height == nullptr) {
    return SG_ERR_ARG;
  }
  *out = nullptr;
  *width = 0;
  *height = 0;
  try {
    Rendered img;
    ret = WriteImpl(data, len, opts, &img);
    if (ret == SG_OK) {
      // malloc, not new[]: the buffer is released by C code via sg_zx_free.
      uint8_t *buf = static_cast<uint8_t *>(std::malloc(img.pixels.size()));
      if (buf == nullptr) {
        ret = SG_ERR_NO_MEMORY;
      } else {
        std::memcpy(buf, img.pixels.data(), img.pixels.size());
        *out = buf;
        *width = img.width;
        *height = img.height;
      }
    }
  } catch (const std::bad_alloc &) {
    ret = SG_ERR_NO_MEMORY;
  } catch (...) {
    ret = SG_ERR_INTERNAL;
  }
  return ret;
}

void sg_zx_free(uint8_t *pixels) { std::free(pixels); }

const char *sg_zx_version(void) {
#define SG_STR2(x) #x
#define SG_STR(x) SG_STR2(x)
  return SG_STR(ZXING_VERSION_MAJOR) "." SG_STR(ZXING_VERSION_MINOR) "." SG_STR(ZXING_VERSION_PATCH);
}

} // extern "C"

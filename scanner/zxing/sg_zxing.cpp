// The C shim over ZXing-C++ 1.4 (see sg_zxing.h). The only C++ in
// stagegate: every entry point is noexcept and catches everything, because
// an exception unwinding into C code is undefined behaviour.
#define ZX_USE_UTF8 1 // Result::text() as UTF-8; we use bytes() anyway

#include "sg_zxing.h"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <ZXing/ReadBarcode.h>
#include <ZXing/ZXVersion.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

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

int ReadImpl(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height, size_t stride,
             sg_pixel_format format, const sg_zx_read_opts *opts, sg_symbol_list *out) {
  const size_t bpp = format == SG_PIXELS_RGB24 ? 3u : 1u;
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

  // One more than fits, so an overflow is seen rather than silently cut.
  const size_t room = out->cap - out->count;
  ZXing::DecodeHints hints;
  hints.setFormats(ToZxFormats(mask))
      .setTryHarder(o.try_harder != 0)
      .setTryRotate(o.try_rotate != 0)
      .setTryDownscale(o.try_downscale != 0)
      .setIsPure(o.is_pure != 0)
      .setMaxNumberOfSymbols(static_cast<uint8_t>(room + 1 < 255 ? room + 1 : 255));

  const ZXing::ImageFormat zf =
      format == SG_PIXELS_RGB24 ? ZXing::ImageFormat::RGB : ZXing::ImageFormat::Lum;
  const ZXing::ImageView view(pixels, (int)width, (int)height, zf, (int)stride);
  bool any = false;
  int ret = AppendResults(ZXing::ReadBarcodes(view, hints), out, &any);
  if (ret != SG_OK) {
    return ret;
  }
  if (!any && o.try_invert != 0) {
    // Light modules on a dark ground: read a negative (as grey) copy.
    std::vector<uint8_t> neg((size_t)width * height);
    for (uint32_t y = 0; y < height; y++) {
      const uint8_t *src = pixels + (size_t)y * stride;
      for (uint32_t x = 0; x < width; x++) {
        const uint8_t v = bpp == 1 ? src[x]
                                   : ZXing::RGBToLum(src[3 * x], src[3 * x + 1], src[3 * x + 2]);
        neg[(size_t)y * width + x] = (uint8_t)(255u - v);
      }
    }
    const ZXing::ImageView nview(neg.data(), (int)width, (int)height, ZXing::ImageFormat::Lum);
    ret = AppendResults(ZXing::ReadBarcodes(nview, hints), out, &any);
    if (ret != SG_OK) {
      return ret;
    }
  }
  return any ? SG_OK : SG_ERR_NO_SYMBOL;
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
}

int sg_zx_read(const uint8_t *pixels, size_t len, uint32_t width, uint32_t height, size_t stride,
               sg_pixel_format format, const sg_zx_read_opts *opts, sg_symbol_list *out) {
  int ret = SG_ERR_INTERNAL;
  try {
    ret = ReadImpl(pixels, len, width, height, stride, format, opts, out);
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

#include "billing/qr_image.hpp"

#include <qrencode.h>
#include <zlib.h>

#include <cerrno>
#include <memory>

#include "core/error.hpp"

namespace opora::billing {
namespace {

QRecLevel qrencode_level(QrEcc ecc) {
  switch (ecc) {
    case QrEcc::L:
      return QR_ECLEVEL_L;
    case QrEcc::M:
      return QR_ECLEVEL_M;
    case QrEcc::Q:
      return QR_ECLEVEL_Q;
    case QrEcc::H:
      return QR_ECLEVEL_H;
  }
  return QR_ECLEVEL_M;
}

void put_u32(std::string& out, uint32_t v) {
  out += static_cast<char>((v >> 24) & 0xFF);
  out += static_cast<char>((v >> 16) & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}

// length, type, data, CRC-32 of type and data (PNG §5.3)
void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.append(type, 4);
  out += data;
  const auto* p = reinterpret_cast<const Bytef*>(out.data() + start);
  put_u32(out, static_cast<uint32_t>(crc32(0L, p, static_cast<uInt>(out.size() - start))));
}

}  // namespace

int qr_capacity(QrEcc ecc) noexcept {
  // ISO/IEC 18004 table 7, version 40, byte mode.
  switch (ecc) {
    case QrEcc::L:
      return 2953;
    case QrEcc::M:
      return 2331;
    case QrEcc::Q:
      return 1663;
    case QrEcc::H:
      return 1273;
  }
  return 0;
}

QrSymbol encode_qr(std::string_view bytes, QrEcc ecc, const std::string& field) {
  if (bytes.empty()) fail_field(ErrorCode::invalid, field, "required", "nothing to encode");
  const auto too_long = [&] {
    fail_field(ErrorCode::invalid, field, "qr_capacity",
               std::to_string(bytes.size()) +
                   " bytes do not fit a QR code; at this error "
                   "correction level it holds at most " +
                   std::to_string(qr_capacity(ecc)) + " (a lower level, ecc L, holds up to 2953)");
  };
  // libqrencode takes an int size; anything near that limit is far too long.
  if (bytes.size() > static_cast<size_t>(qr_capacity(QrEcc::L))) too_long();
  errno = 0;
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeData(static_cast<int>(bytes.size()),
                        reinterpret_cast<const unsigned char*>(bytes.data()), 0,
                        qrencode_level(ecc)),
      QRcode_free);
  if (!code) {
    if (errno == ERANGE) too_long();
    if (errno == ENOMEM) throw Error(ErrorCode::no_memory, "out of memory encoding a QR code");
    throw Error(ErrorCode::internal, "libqrencode failed to encode " +
                                         std::to_string(bytes.size()) + " bytes (errno " +
                                         std::to_string(errno) + ")");
  }
  QrSymbol s;
  s.version = code->version;
  s.size = code->width;
  const size_t n = static_cast<size_t>(s.size) * static_cast<size_t>(s.size);
  s.dark.resize(n);
  for (size_t i = 0; i < n; ++i) s.dark[i] = (code->data[i] & 1) != 0;  // bit 0: dark
  return s;
}

std::string qr_svg(const QrSymbol& symbol, int margin, int pixels_per_module) {
  const int side = symbol.size + 2 * margin;
  const std::string n = std::to_string(side);
  std::string out = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                    "\n"
                    R"(<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 )" +
                    n + " " + n + "\"";
  if (pixels_per_module > 0) {
    const std::string px = std::to_string(side * pixels_per_module);
    out += " width=\"" + px + "\" height=\"" + px + "\"";
  }
  out += R"( shape-rendering="crispEdges">)"
         "\n"
         R"(<rect width=")" +
         n + "\" height=\"" + n +
         R"(" fill="#ffffff"/>)"
         "\n"
         R"(<path fill="#000000" d=")";
  // One subpath per horizontal run of dark modules: M x y h run v 1 h -run z.
  bool first = true;
  for (int y = 0; y < symbol.size; ++y) {
    for (int x = 0; x < symbol.size;) {
      if (!symbol.at(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < symbol.size && symbol.at(x + run, y)) ++run;
      if (!first) out += ' ';
      first = false;
      const std::string r = std::to_string(run);
      out += "M" + std::to_string(x + margin) + " " + std::to_string(y + margin) + "h" + r +
             "v1h-" + r + "z";
      x += run;
    }
  }
  out += "\"/>\n</svg>\n";
  return out;
}

std::string qr_png(const QrSymbol& symbol, int scale, int margin) {
  const int side = (symbol.size + 2 * margin) * scale;
  const size_t stride = (static_cast<size_t>(side) + 7) / 8;
  std::vector<uint8_t> rows(stride * static_cast<size_t>(side), 0xFF);  // white
  for (int y = 0; y < symbol.size; ++y) {
    for (int x = 0; x < symbol.size; ++x) {
      if (!symbol.at(x, y)) continue;
      for (int dy = 0; dy < scale; ++dy) {
        const size_t row = static_cast<size_t>((y + margin) * scale + dy) * stride;
        for (int dx = 0; dx < scale; ++dx) {
          const size_t px = static_cast<size_t>((x + margin) * scale + dx);
          rows[row + px / 8] &= static_cast<uint8_t>(~(0x80u >> (px % 8)));
        }
      }
    }
  }
  return png_gray1(static_cast<uint32_t>(side), static_cast<uint32_t>(side), rows);
}

std::string png_gray1(uint32_t width, uint32_t height, const std::vector<uint8_t>& rows) {
  const size_t stride = (static_cast<size_t>(width) + 7) / 8;
  if (width == 0 || height == 0 || rows.size() != stride * height)
    throw Error(ErrorCode::internal, "png_gray1: rows do not match the image size");
  std::string raw;
  raw.reserve((stride + 1) * height);
  for (size_t y = 0; y < height; ++y) {
    raw += '\0';  // filter type 0 (None): the rows of a QR code compress well as they are
    raw.append(reinterpret_cast<const char*>(rows.data() + y * stride), stride);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                           reinterpret_cast<const Bytef*>(raw.data()),
                           static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  if (rc == Z_MEM_ERROR) throw Error(ErrorCode::no_memory, "out of memory compressing a PNG");
  if (rc != Z_OK) throw Error(ErrorCode::internal, "zlib compress2 failed: " + std::to_string(rc));
  packed.resize(packed_size);

  std::string ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr += '\x01';  // bit depth 1
  ihdr += '\x00';  // colour type 0: grayscale
  ihdr += '\x00';  // compression: deflate
  ihdr += '\x00';  // filter method 0
  ihdr += '\x00';  // no interlace

  std::string out("\x89PNG\r\n\x1a\n", 8);
  put_chunk(out, "IHDR", ihdr);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", "");
  return out;
}

}  // namespace opora::billing

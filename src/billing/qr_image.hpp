// QR symbols as images: the bytes of a payment QR (billing/qr.hpp) or of any
// link drawn as SVG text or a PNG file, for a tablet's screen or a printed
// invoice.
//
// The symbol comes from libqrencode in 8-bit mode: exactly the bytes given
// are encoded, so a windows-1251 GOST payload stays windows-1251 (a reader
// hands the bytes to the bank app, which reads "ST00011" and decodes them).
// Rendering is ours: one SVG <path> of the dark modules, and a 1-bit
// grayscale PNG written with zlib (a PNG is five fixed fields, a filter byte
// per row and CRC-32ed chunks; libpng would add a dependency and its setjmp
// error handling for none of its features).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opora::billing {

// Error correction: the share of the symbol that may be lost (L 7 %, M 15 %,
// Q 25 %, H 30 %); higher levels hold fewer bytes.
enum class QrEcc { L, M, Q, H };

// One QR symbol, without the quiet zone: size × size modules, row by row,
// true for a dark module.
struct QrSymbol {
  int version = 0;  // 1..40
  int size = 0;     // modules on a side: 17 + 4 × version
  std::vector<bool> dark;
  bool at(int x, int y) const { return dark[static_cast<size_t>(y * size + x)]; }
};

// The most bytes a symbol holds in 8-bit mode at `ecc` (version 40).
int qr_capacity(QrEcc ecc) noexcept;

// Encodes `bytes` in 8-bit mode in the smallest version that holds them.
// Throws Error(invalid) for `field`: rule "required" when `bytes` is empty,
// "qr_capacity" when they do not fit a version-40 symbol at `ecc`.
QrSymbol encode_qr(std::string_view bytes, QrEcc ecc, const std::string& field);

// SVG 1.1 text: viewBox in modules (symbol plus `margin` modules of quiet
// zone on every side), a white background and one black <path> of the dark
// modules, shape-rendering crispEdges. `pixels_per_module` > 0 adds width and
// height attributes in pixels; 0 leaves the size to the page.
std::string qr_svg(const QrSymbol& symbol, int margin, int pixels_per_module);

// A PNG file: 1-bit grayscale, `scale` pixels per module, `margin` modules
// of quiet zone. The caller keeps the side within reason (see png_gray1).
std::string qr_png(const QrSymbol& symbol, int scale, int margin);

// The PNG container for a 1-bit grayscale image: signature, IHDR, one IDAT
// (zlib, filter type 0 on every row), IEND. `rows` holds height rows of
// (width + 7) / 8 bytes each, the most significant bit first, 1 = white.
std::string png_gray1(uint32_t width, uint32_t height, const std::vector<uint8_t>& rows);

}  // namespace opora::billing

#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "billing/qr_image.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using opora::test::field_error_of;

namespace {

using opora::billing::encode_qr;
using opora::billing::png_gray1;
using opora::billing::qr_png;
using opora::billing::qr_svg;
using opora::billing::QrEcc;
using opora::billing::QrSymbol;

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t{static_cast<unsigned char>(s[at])} << 24) |
         (uint32_t{static_cast<unsigned char>(s[at + 1])} << 16) |
         (uint32_t{static_cast<unsigned char>(s[at + 2])} << 8) |
         uint32_t{static_cast<unsigned char>(s[at + 3])};
}

// CRC-32 bit by bit (ISO 3309, reflected polynomial 0xEDB88320), independent
// of the zlib table the library uses.
uint32_t crc32_bitwise(const std::string& s) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char ch : s) {
    crc ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

struct Chunk {
  std::string type, data;
  uint32_t crc = 0;
};

std::vector<Chunk> chunks_of(const std::string& png) {
  REQUIRE(png.size() >= 8);
  REQUIRE(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
  std::vector<Chunk> out;
  for (size_t at = 8; at < png.size();) {
    REQUIRE(at + 12 <= png.size());
    const uint32_t length = be32(png, at);
    REQUIRE(at + 12 + length <= png.size());
    Chunk c{png.substr(at + 4, 4), png.substr(at + 8, length), be32(png, at + 8 + length)};
    CHECK(c.crc == crc32_bitwise(c.type + c.data));
    out.push_back(std::move(c));
    at += 12 + length;
  }
  return out;
}

std::string inflate(const std::string& packed, size_t expected) {
  std::string raw(expected + 1, '\0');  // one spare byte: a longer stream shows
  uLongf size = static_cast<uLongf>(raw.size());
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(raw.data()), &size,
                     reinterpret_cast<const Bytef*>(packed.data()),
                     static_cast<uLong>(packed.size())) == Z_OK);
  raw.resize(size);
  return raw;
}

bool white(const std::string& raw, size_t stride, size_t x, size_t y) {
  const auto byte = static_cast<unsigned char>(raw[y * (stride + 1) + 1 + x / 8]);
  return ((byte >> (7 - x % 8)) & 1) != 0;
}

}  // namespace

TEST_CASE("The CRC of a PNG's IEND chunk is the one every PNG file ends with") {
  // Known vector: every PNG ends 00 00 00 00 'IEND' AE 42 60 82 (PNG spec §11.2.5).
  const std::string png = png_gray1(1, 1, {0x80});
  CHECK(png.substr(png.size() - 12) == std::string("\0\0\0\0IEND\xAE\x42\x60\x82", 12));
  CHECK(crc32_bitwise("IEND") == 0xAE426082u);
}

TEST_CASE("png_gray1 writes signature, IHDR, IDAT and IEND with the rows it was given") {
  // 10 × 2 pixels: two bytes a row, the 6 unused bits of each row's last byte padding.
  const std::vector<uint8_t> rows = {0xA5, 0xC0, 0x0F, 0x40};
  const auto chunks = chunks_of(png_gray1(10, 2, rows));
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].type == "IHDR");
  REQUIRE(chunks[0].data.size() == 13);
  CHECK(be32(chunks[0].data, 0) == 10);
  CHECK(be32(chunks[0].data, 4) == 2);
  CHECK(chunks[0].data.substr(8) == std::string("\x01\x00\x00\x00\x00", 5));  // 1 bit, gray
  CHECK(chunks[1].type == "IDAT");
  CHECK(inflate(chunks[1].data, 6) == std::string("\x00\xA5\xC0\x00\x0F\x40", 6));
  CHECK(chunks[2].type == "IEND");
  CHECK(chunks[2].data.empty());
}

TEST_CASE("png_gray1 refuses rows that do not match the size") {
  CHECK_THROWS_AS(png_gray1(10, 2, {0x00, 0x00, 0x00}), opora::Error);
  CHECK_THROWS_AS(png_gray1(0, 0, {}), opora::Error);
}

TEST_CASE("A short text is a version 1 symbol with its three finder patterns") {
  const QrSymbol s = encode_qr("HELLO", QrEcc::M, "text");
  CHECK(s.version == 1);
  REQUIRE(s.size == 21);
  // Finder pattern: a dark 7×7 ring, a light ring inside, a dark 3×3 core.
  for (const auto& [ox, oy] : {std::pair{0, 0}, std::pair{14, 0}, std::pair{0, 14}}) {
    CHECK(s.at(ox, oy));
    CHECK(s.at(ox + 6, oy + 6));
    CHECK_FALSE(s.at(ox + 1, oy + 1));
    CHECK(s.at(ox + 3, oy + 3));
  }
  CHECK_FALSE(s.at(7, 7));  // the separator around the top-left finder
}

TEST_CASE("The PNG of a symbol draws each module as scale × scale pixels inside the margin") {
  const QrSymbol s = encode_qr("https://pay.example.ru/1", QrEcc::M, "text");
  const int scale = 3, margin = 4;
  const size_t side = static_cast<size_t>((s.size + 2 * margin) * scale);
  const auto chunks = chunks_of(qr_png(s, scale, margin));
  REQUIRE(chunks.size() == 3);
  CHECK(be32(chunks[0].data, 0) == side);
  CHECK(be32(chunks[0].data, 4) == side);
  const size_t stride = (side + 7) / 8;
  const std::string raw = inflate(chunks[1].data, (stride + 1) * side);
  REQUIRE(raw.size() == (stride + 1) * side);
  for (size_t y = 0; y < side; ++y) CHECK(raw[y * (stride + 1)] == '\0');  // filter None
  for (size_t y = 0; y < side; ++y) {
    for (size_t x = 0; x < side; ++x) {
      const int mx = static_cast<int>(x) / scale - margin;
      const int my = static_cast<int>(y) / scale - margin;
      const bool dark = mx >= 0 && my >= 0 && mx < s.size && my < s.size && s.at(mx, my);
      if (white(raw, stride, x, y) == dark) {
        FAIL_CHECK("pixel " << x << "," << y << " is not module " << mx << "," << my);
        return;
      }
    }
  }
}

TEST_CASE("The SVG is one path of the dark modules in a viewBox with the quiet zone") {
  const QrSymbol s = encode_qr("HELLO", QrEcc::M, "text");
  const std::string svg = qr_svg(s, 4, 0);
  CHECK(svg.find(R"(viewBox="0 0 29 29")") != std::string::npos);
  CHECK(svg.find(R"(shape-rendering="crispEdges")") != std::string::npos);
  const size_t open = svg.find("<svg");
  const std::string tag = svg.substr(open, svg.find('>', open) - open);
  CHECK(tag.find("width=") == std::string::npos);
  CHECK(svg.find("<path") == svg.rfind("<path"));
  CHECK(svg.find("M4 4h7v1h-7z") != std::string::npos);  // the top row of the finder
  CHECK(qr_svg(s, 2, 10).find(R"(viewBox="0 0 25 25" width="250" height="250")") !=
        std::string::npos);
}

TEST_CASE("Bytes go into the symbol as they are: NUL and windows-1251 bytes encode") {
  // 13 characters, three windows-1251 "О", a NUL and one more: 18 bytes.
  const std::string cp1251("ST00011|Name=\xCE\xCE\xCE\0x", 18);
  const QrSymbol a = encode_qr(cp1251, QrEcc::M, "payload_base64");
  const QrSymbol b = encode_qr(cp1251.substr(0, 16), QrEcc::M, "payload_base64");
  CHECK(a.size > 0);
  CHECK(a.dark != b.dark);  // the NUL and what follows it are encoded, not cut off
}

TEST_CASE("Text that is empty or does not fit a version 40 symbol is refused naming the field") {
  auto e = field_error_of([] { encode_qr("", QrEcc::M, "text"); });
  CHECK(e.field == "text");
  CHECK(e.rule == "required");
  // ISO/IEC 18004 table 7: version 40 holds 2331 bytes at M, 1273 at H, 2953 at L.
  CHECK(encode_qr(std::string(2331, 'x'), QrEcc::M, "text").version == 40);
  e = field_error_of([] { encode_qr(std::string(2332, 'x'), QrEcc::M, "text"); });
  CHECK(e.field == "text");
  CHECK(e.rule == "qr_capacity");
  CHECK(encode_qr(std::string(1273, 'x'), QrEcc::H, "text").version == 40);
  e = field_error_of([] { encode_qr(std::string(1274, 'x'), QrEcc::H, "payload_base64"); });
  CHECK(e.field == "payload_base64");
  CHECK(e.rule == "qr_capacity");
  CHECK(encode_qr(std::string(2953, 'x'), QrEcc::L, "text").version == 40);
  e = field_error_of([] { encode_qr(std::string(100000, 'x'), QrEcc::L, "text"); });
  CHECK(e.rule == "qr_capacity");
}

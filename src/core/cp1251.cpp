#include "core/cp1251.hpp"

#include <array>
#include <cstdint>

namespace opora {
namespace {

constexpr char32_t kNotUtf8 = 0xFFFFFFFF;
constexpr char32_t kUndefined = 0;  // marks 0x98, the one hole in windows-1251

// windows-1251 0x80..0xBF. 0xC0..0xFF are А..я in order (U+0410..U+044F) and
// are computed, so only the irregular quarter is spelt out.
constexpr std::array<char32_t, 64> kCp1251High = {
    0x0402,     0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,  // 80
    0x20AC,     0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,  // 88
    0x0452,     0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90
    kUndefined, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,  // 98
    0x00A0,     0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,  // A0
    0x0401,     0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,  // A8
    0x00B0,     0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,  // B0
    0x0451,     0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,  // B8
};

// cp866 0xB0..0xDF: pseudographics. 0x80..0xAF are А..п and 0xE0..0xEF р..я.
constexpr std::array<char32_t, 48> kCp866Box = {
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,  // B0
    0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,  // B8
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,  // C0
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,  // C8
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,  // D0
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,  // D8
};

// cp866 0xF0..0xFF: Ё ё, Ukrainian and Belarusian letters, a few symbols.
constexpr std::array<char32_t, 16> kCp866Tail = {
    0x0401, 0x0451, 0x0404, 0x0454, 0x0407, 0x0457, 0x040E, 0x045E,  // F0
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x2116, 0x00A4, 0x25A0, 0x00A0,  // F8
};

inline unsigned byte_at(std::string_view s, size_t i) noexcept {
  return static_cast<unsigned char>(s[i]);
}

// Decodes the code point starting at `pos` and moves `pos` past it; returns
// kNotUtf8 (leaving `pos` unspecified) for anything but the shortest form of a
// scalar value, per RFC 3629 §4.
char32_t next_code_point(std::string_view s, size_t& pos) noexcept {
  const unsigned lead = byte_at(s, pos++);
  if (lead < 0x80) return lead;
  size_t extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    extra = 1;
    cp = lead & 0x1Fu;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    extra = 2;
    cp = lead & 0x0Fu;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    extra = 3;
    cp = lead & 0x07u;
    min = 0x10000;
  } else {
    return kNotUtf8;  // continuation byte, C0/C1 overlong leads, F5..FF
  }
  if (extra > s.size() - pos) return kNotUtf8;
  for (size_t i = 0; i < extra; ++i) {
    const unsigned b = byte_at(s, pos++);
    if ((b & 0xC0u) != 0x80u) return kNotUtf8;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kNotUtf8;
  return cp;
}

char32_t cp1251_decode(unsigned b) noexcept {
  if (b < 0x80) return b;
  if (b >= 0xC0) return 0x0410 + (b - 0xC0);
  return kCp1251High[b - 0x80];
}

// The windows-1251 byte for `cp`, or -1 when the code page has none.
int cp1251_encode(char32_t cp) noexcept {
  if (cp < 0x80) return static_cast<int>(cp);
  if (cp >= 0x0410 && cp <= 0x044F) return static_cast<int>(0xC0 + (cp - 0x0410));
  for (size_t i = 0; i < kCp1251High.size(); ++i) {
    if (kCp1251High[i] == cp && cp != kUndefined) return static_cast<int>(0x80 + i);
  }
  return -1;
}

char32_t cp866_decode(unsigned b) noexcept {
  if (b < 0x80) return b;
  if (b < 0xB0) return 0x0410 + (b - 0x80);  // А..Я а..п
  if (b < 0xE0) return kCp866Box[b - 0xB0];
  if (b < 0xF0) return 0x0440 + (b - 0xE0);  // р..я
  return kCp866Tail[b - 0xF0];
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<size_t> utf8_length(std::string_view text) noexcept {
  size_t count = 0;
  for (size_t pos = 0; pos < text.size(); ++count) {
    if (next_code_point(text, pos) == kNotUtf8) return std::nullopt;
  }
  return count;
}

bool fits_cp1251(std::string_view utf8, size_t* bad_offset) noexcept {
  for (size_t pos = 0; pos < utf8.size();) {
    if (static_cast<unsigned char>(utf8[pos]) < 0x80) {  // ASCII, the usual case
      ++pos;
      continue;
    }
    const size_t start = pos;
    const char32_t cp = next_code_point(utf8, pos);
    if (cp == kNotUtf8 || cp1251_encode(cp) < 0) {
      if (bad_offset != nullptr) *bad_offset = start;
      return false;
    }
  }
  return true;
}

std::optional<std::string> utf8_to_cp1251(std::string_view utf8, size_t* bad_offset) {
  // Never longer than the input: written in place, cut to length at the end.
  std::string out(utf8.size(), '\0');
  size_t n = 0;
  for (size_t pos = 0; pos < utf8.size();) {
    if (static_cast<unsigned char>(utf8[pos]) < 0x80) {  // ASCII, the usual case
      out[n++] = utf8[pos++];
      continue;
    }
    const size_t start = pos;
    const char32_t cp = next_code_point(utf8, pos);
    const int b = cp == kNotUtf8 ? -1 : cp1251_encode(cp);
    if (b < 0) {
      if (bad_offset != nullptr) *bad_offset = start;
      return std::nullopt;
    }
    out[n++] = static_cast<char>(b);
  }
  out.resize(n);
  return out;
}

std::optional<std::string> cp1251_to_utf8(std::string_view bytes, size_t* bad_offset) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char32_t cp = cp1251_decode(byte_at(bytes, i));
    if (cp == kUndefined && bytes[i] != '\0') {
      if (bad_offset != nullptr) *bad_offset = i;
      return std::nullopt;
    }
    append_utf8(out, cp);
  }
  return out;
}

std::string cp866_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) append_utf8(out, cp866_decode(byte_at(bytes, i)));
  return out;
}

}  // namespace opora

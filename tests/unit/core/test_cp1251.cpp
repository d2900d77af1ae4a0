#include <doctest/doctest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/cp1251.hpp"

namespace {

using opora::cp1251_to_utf8;
using opora::cp866_to_utf8;
using opora::utf8_length;
using opora::utf8_to_cp1251;

// Bytes first..last in order, skipping `hole` (pass -1 for none).
std::string byte_range(int first, int last, int hole = -1) {
  std::string out;
  for (int b = first; b <= last; ++b) {
    if (b != hole) out += static_cast<char>(b);
  }
  return out;
}

// Source: Python 3 `bytes(range(0x80, 0x100)).decode("cp1251")`, which
// follows unicode.org MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1251.TXT. NBSP (0xA0)
// and the soft hyphen (0xAD) are escaped because they are invisible.
constexpr std::string_view kCp1251_80_BF =
    "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—™љ›њќћџ\u00A0ЎўЈ¤Ґ¦§Ё©Є«¬\u00AD®Ї°±Ііґµ¶·ё№є»јЅѕї";
constexpr std::string_view kCp1251_C0_FF =
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя";

// Source: Python 3 `bytes(range(0x80, 0x100)).decode("cp866")` (unicode.org
// MAPPINGS/VENDORS/MICSFT/PC/CP866.TXT).
constexpr std::string_view kCp866_80_BF =
    "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмноп░▒▓│┤╡╢╖╕╣║╗╝╜╛┐";
constexpr std::string_view kCp866_C0_FF =
    "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀рстуфхцчшщъыьэюяЁёЄєЇїЎў°∙·√№¤■\u00A0";

// UTF-8 of one code point, written independently of the library.
std::string utf8_of(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

}  // namespace

TEST_CASE("cp1251 decodes every defined byte as the unicode.org table says") {
  CHECK(cp1251_to_utf8(byte_range(0x00, 0x7F)) == byte_range(0x00, 0x7F));
  CHECK(cp1251_to_utf8(byte_range(0x80, 0xBF, 0x98)) == std::string(kCp1251_80_BF));
  CHECK(cp1251_to_utf8(byte_range(0xC0, 0xFF)) == std::string(kCp1251_C0_FF));
}

TEST_CASE("cp1251 encodes the well-known bytes of Russian text") {
  CHECK(utf8_to_cp1251("Ё") == std::string("\xA8"));
  CHECK(utf8_to_cp1251("ё") == std::string("\xB8"));
  CHECK(utf8_to_cp1251("№") == std::string("\xB9"));
  CHECK(utf8_to_cp1251("А") == std::string("\xC0"));
  CHECK(utf8_to_cp1251("я") == std::string("\xFF"));
  CHECK(utf8_to_cp1251("€") == std::string("\x88"));
  CHECK(utf8_to_cp1251("«»") == std::string("\xAB\xBB"));
  CHECK(utf8_to_cp1251("—–") == std::string("\x97\x96"));
  CHECK(utf8_to_cp1251("„“”‘’") == std::string("\x84\x93\x94\x91\x92"));
  CHECK(utf8_to_cp1251("‰™") == std::string("\x89\x99"));
  CHECK(utf8_to_cp1251("\u00A0") == std::string("\xA0"));
  CHECK(utf8_to_cp1251("ООО «Ромашка» №1") ==
        std::string("\xCE\xCE\xCE \xAB\xD0\xEE\xEC\xE0\xF8\xEA\xE0\xBB \xB9"
                    "1"));
  CHECK(utf8_to_cp1251("") == std::string());
}

TEST_CASE("cp1251 round-trips every mappable code point and nothing else maps") {
  int mapped = 0;
  for (int b = 0; b <= 0xFF; ++b) {
    const std::string byte(1, static_cast<char>(b));
    const auto text = cp1251_to_utf8(byte);
    if (b == 0x98) {
      CHECK_FALSE(text.has_value());
      continue;
    }
    REQUIRE(text.has_value());
    CHECK(utf8_to_cp1251(*text) == byte);
  }
  // Walk all of Unicode: exactly the 255 code points above encode.
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (utf8_to_cp1251(utf8_of(cp)).has_value()) ++mapped;
  }
  CHECK(mapped == 255);
}

TEST_CASE("cp1251 refuses a character it cannot hold and says where it is") {
  size_t offset = 99;
  CHECK_FALSE(utf8_to_cp1251("ab😀", &offset).has_value());
  CHECK(offset == 2);
  CHECK_FALSE(utf8_to_cp1251("Привет, ā", &offset).has_value());
  CHECK(offset == std::string_view("Привет, ").size());           // 14: Cyrillic takes 2 bytes
  CHECK_FALSE(utf8_to_cp1251("x\xE2\x80", &offset).has_value());  // truncated UTF-8
  CHECK(offset == 1);
  CHECK_FALSE(utf8_to_cp1251("\xC0\x80").has_value());      // overlong NUL
  CHECK_FALSE(utf8_to_cp1251("\xED\xA0\x80").has_value());  // UTF-16 surrogate
  CHECK_FALSE(utf8_to_cp1251("\xD0").has_value());
}

TEST_CASE("cp1251 decoding refuses the undefined byte 0x98 with its offset") {
  size_t offset = 99;
  CHECK_FALSE(cp1251_to_utf8(std::string("\xC0\xC1\x98", 3), &offset).has_value());
  CHECK(offset == 2);
}

TEST_CASE("cp866 decodes every byte as the unicode.org table says") {
  CHECK(cp866_to_utf8(byte_range(0x00, 0x7F)) == byte_range(0x00, 0x7F));
  CHECK(cp866_to_utf8(byte_range(0x80, 0xBF)) == std::string(kCp866_80_BF));
  CHECK(cp866_to_utf8(byte_range(0xC0, 0xFF)) == std::string(kCp866_C0_FF));
  // "Кодировка=DOS" as a DOS bank file spells it.
  CHECK(cp866_to_utf8("\x8A\xAE\xA4\xA8\xE0\xAE\xA2\xAA\xA0=DOS") == "Кодировка=DOS");
}

TEST_CASE("utf8_length counts code points and rejects malformed UTF-8") {
  CHECK(utf8_length("") == size_t{0});
  CHECK(utf8_length("abc") == size_t{3});
  CHECK(utf8_length("Ёж€😀") == size_t{4});
  CHECK_FALSE(utf8_length("\x80").has_value());
  CHECK_FALSE(utf8_length("\xF4\x90\x80\x80").has_value());  // above U+10FFFF
  CHECK_FALSE(utf8_length("\xE0\x80\xAF").has_value());      // overlong '/'
  CHECK_FALSE(utf8_length("\xFF").has_value());
  CHECK(opora::is_valid_utf8("Привет"));
}

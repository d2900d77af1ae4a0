#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using opora::test::code_of;
using opora::test::field_error_of;

using opora::test::lcg_bytes;

namespace {

using opora::base64_decode;
using opora::base64_decode_field;
using opora::base64_encode;
using opora::ErrorCode;

bool rejected(std::string_view text) {
  return !base64_decode(text).has_value();
}

std::string message_for(const std::string& text) {
  return field_error_of([&] { base64_decode_field(text, "file.content"); }).message;
}

}  // namespace

TEST_CASE("base64_encode matches the RFC 4648 test vectors") {
  // RFC 4648 §10.
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64_decode matches the RFC 4648 test vectors") {
  // RFC 4648 §10.
  CHECK(base64_decode("") == std::string(""));
  CHECK(base64_decode("Zg==") == std::string("f"));
  CHECK(base64_decode("Zm8=") == std::string("fo"));
  CHECK(base64_decode("Zm9v") == std::string("foo"));
  CHECK(base64_decode("Zm9vYg==") == std::string("foob"));
  CHECK(base64_decode("Zm9vYmE=") == std::string("fooba"));
  CHECK(base64_decode("Zm9vYmFy") == std::string("foobar"));
}

TEST_CASE("base64 uses the standard alphabet including '+' and '/'") {
  // Bytes chosen so that the sextets are 62 and 63 (RFC 4648 §4, Table 1).
  CHECK(base64_encode(std::string("\xfb\xff\xbf", 3)) == "+/+/");
  CHECK(base64_decode("+/+/") == std::string("\xfb\xff\xbf", 3));
  CHECK(base64_encode(std::string("\x00\x00\x00", 3)) == "AAAA");
}

TEST_CASE("base64 round trips every byte value at every length remainder") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); ++n) {
    CAPTURE(n);
    const std::string data = all.substr(0, n);
    const std::string text = base64_encode(data);
    CHECK(text.size() == (n + 2) / 3 * 4);
    CHECK(base64_decode(text) == data);
    CHECK(base64_decode_field(text, "f") == data);
  }
}

TEST_CASE("base64 round trips deterministic pseudo-random data") {
  const size_t lengths[] = {1, 2, 3, 4, 5, 6, 7, 100, 1000, 4097, 65536, 1000001};
  for (const size_t n : lengths) {
    CAPTURE(n);
    const std::string data = lcg_bytes(n, static_cast<uint32_t>(n));
    const auto decoded = base64_decode(base64_encode(data));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == data);
  }
}

TEST_CASE("base64_decode accepts exactly one spelling for every one- and two-byte group") {
  // Canonical decoding (RFC 4648 §3.5): of the 64*64 "XY==" and 64*64*64
  // "XYZ=" groups, only those whose unused bits are zero may decode, one per
  // byte value.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int one_byte = 0;
  for (const char x : alphabet)
    for (const char y : alphabet) {
      const std::string text = std::string{x, y} + "==";
      if (const auto d = base64_decode(text)) {
        ++one_byte;
        CHECK(base64_encode(*d) == text);
      }
    }
  CHECK(one_byte == 256);
  int two_byte = 0;
  for (const char x : alphabet)
    for (const char y : alphabet)
      for (const char z : alphabet) {
        const std::string text = std::string{x, y, z} + "=";
        if (const auto d = base64_decode(text)) {
          ++two_byte;
          if (base64_encode(*d) != text) FAIL_CHECK(text);
        }
      }
  CHECK(two_byte == 65536);
}

TEST_CASE("base64_decode rejects a length that is not a multiple of 4") {
  CHECK(rejected("Z"));
  CHECK(rejected("Zg"));
  CHECK(rejected("Zg="));
  CHECK(rejected("Zm9vY"));
  CHECK(rejected("Zm9vYmFy="));
  CHECK(message_for("Zm9vY") == "length 5 is not a multiple of 4");
}

TEST_CASE("base64_decode rejects characters outside the alphabet") {
  CHECK(rejected("Zm9 "));
  CHECK(rejected("Zm9v\nYmFy"));
  CHECK(rejected("Zm9vYmF\r"));
  CHECK(rejected("Zm9-"));  // URL-safe alphabet (RFC 4648 §5) is not accepted
  CHECK(rejected("Zm9_"));
  CHECK(rejected("Zm9."));
  CHECK(rejected(std::string("Zm9\0", 4)));
  CHECK(rejected("Zm9\xc3"));
  CHECK(rejected("Z\xc3\xa9="));
  CHECK(message_for("Zm9vYmFyZm9vYmFy*m9v") == "character 17 is not in the base64 alphabet");
  CHECK(message_for("Zm9vYmFyZm9vYmFyZ!==") == "character 18 is not in the base64 alphabet");
}

TEST_CASE("base64_decode rejects padding anywhere but the end") {
  CHECK(rejected("===="));
  CHECK(rejected("Z==="));
  CHECK(rejected("=Zm9"));
  CHECK(rejected("Z=m9"));
  CHECK(rejected("Zm=9"));
  CHECK(rejected("Zg==Zm9v"));
  CHECK(rejected("Zm8=Zm9v"));
  CHECK(rejected("Zm9vYg===="));  // also wrong length, but must not slip through
  CHECK(rejected("Zm9v===="));
  CHECK(message_for("Zm=9") == "padding '=' at character 3 is only allowed at the end");
  CHECK(message_for("Zg==Zm9v") == "padding '=' at character 3 is only allowed at the end");
  CHECK(message_for("Z===") == "padding '=' at character 2 is only allowed at the end");
  CHECK(message_for("====") == "padding '=' at character 1 is only allowed at the end");
}

TEST_CASE("base64_decode rejects non-zero bits in the final padding group") {
  // "f" is "Zg=="; "Zh==" carries a stray low bit (RFC 4648 §3.5).
  CHECK(rejected("Zh=="));
  CHECK(rejected("Zv=="));
  // "fo" is "Zm8="; "Zm9=" carries a stray low bit.
  CHECK(rejected("Zm9="));
  CHECK(rejected("Zm9vZm/="));
  CHECK(message_for("Zh==") == "character 2 has non-zero bits after the last encoded byte");
  CHECK(message_for("Zm9vZm9=") == "character 7 has non-zero bits after the last encoded byte");
}

TEST_CASE("base64_decode_field reports the field and the base64 rule") {
  const auto fe = field_error_of([] { base64_decode_field("Zg=", "attachment.data"); });
  CHECK(fe.field == "attachment.data");
  CHECK(fe.rule == "base64");
  CHECK(code_of([] { base64_decode_field("Zm9v!", "x"); }) == ErrorCode::invalid);
  CHECK(code_of([] { base64_decode_field("Zm9vYmFy", "x"); }) == ErrorCode::ok);
}

TEST_CASE("base64_decode_field returns the decoded bytes") {
  CHECK(base64_decode_field("Zm9vYmFy", "x") == "foobar");
  CHECK(base64_decode_field("", "x").empty());
  CHECK(base64_decode_field("AA==", "x") == std::string(1, '\0'));
}

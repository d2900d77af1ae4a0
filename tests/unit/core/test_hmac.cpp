// HMAC-SHA256 against the test vectors of RFC 4231, section 4.
#include <doctest/doctest.h>

#include <string>

#include "core/hmac.hpp"

namespace {

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 1 (a 20-byte key)") {
  CHECK(opora::hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2 (a key shorter than the output)") {
  CHECK(opora::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 3 (50 bytes of 0xdd)") {
  CHECK(opora::hmac_sha256_hex(std::string(20, '\xaa'), std::string(50, '\xdd')) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 6 (a key longer than the block is hashed)") {
  CHECK(opora::hmac_sha256_hex(std::string(131, '\xaa'),
                               "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 4 (a 25-byte counting key)") {
  CHECK(opora::hmac_sha256_hex(from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                               std::string(50, '\xcd')) ==
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST_CASE("a signature comparison needs every character equal") {
  CHECK(opora::equal_in_constant_time("abc", "abc"));
  CHECK_FALSE(opora::equal_in_constant_time("abc", "abd"));
  CHECK_FALSE(opora::equal_in_constant_time("abc", "abcd"));
  CHECK(opora::equal_in_constant_time("", ""));
}

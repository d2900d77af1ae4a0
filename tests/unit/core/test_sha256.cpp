#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/sha256.hpp"
#include "test_support.hpp"

using opora::test::lcg_bytes;

namespace {

using opora::Sha256;
using opora::sha256_hex;

std::string to_hex(const std::array<uint8_t, 32>& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const uint8_t b : digest) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

// Hashes `data` by feeding it in pieces of `chunk` bytes.
std::string chunked_hex(const std::string& data, size_t chunk) {
  Sha256 h;
  for (size_t i = 0; i < data.size(); i += chunk) {
    const size_t n = std::min(chunk, data.size() - i);
    h.update(data.data() + i, n);
  }
  return to_hex(h.finish());
}

}  // namespace

TEST_CASE("SHA-256 of \"abc\" matches the FIPS 180-2 one-block example") {
  // FIPS 180-2 Appendix B.1 (also NIST "SHA256.pdf" example).
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("SHA-256 of the empty string matches the NIST CAVP zero-length vector") {
  // NIST CAVP SHA256ShortMsg.rsp, Len = 0.
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update(nullptr, 0);
  CHECK(to_hex(h.finish()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("SHA-256 of the 448-bit message matches the FIPS 180-2 two-block example") {
  // FIPS 180-2 Appendix B.2: 56 bytes, so the padding spills into a second block.
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("SHA-256 of the 896-bit message matches the published two-block example") {
  // The 896-bit message of FIPS 180-2 Appendix C.2 (there hashed with
  // SHA-512); the SHA-256 value is the one in NIST's example set and agrees
  // with Python hashlib. 112 bytes: a full block plus a padded second one.
  CHECK(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklm"
                   "nopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST_CASE("SHA-256 of one million 'a' matches the FIPS 180-2 long-message example") {
  // FIPS 180-2 Appendix B.3.
  const std::string expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  const std::string million(1000000, 'a');
  CHECK(sha256_hex(million) == expected);
  // Fed in odd-sized pieces, as a stream would deliver it.
  CHECK(chunked_hex(million, 997) == expected);
}

TEST_CASE("SHA-256 is correct at the lengths where padding changes shape") {
  // 55 bytes is the longest message whose padding fits in its own block, 56
  // the shortest that needs an extra block; 63/64/65 straddle a block edge.
  // Expected values from an independent implementation (Python hashlib).
  struct Case {
    size_t length;
    const char* hex;
  };
  const Case cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
      {127, "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a"},
      {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.length);
    const std::string data(c.length, 'a');
    CHECK(sha256_hex(data) == c.hex);
    for (size_t chunk = 1; chunk <= c.length; ++chunk) {
      CAPTURE(chunk);
      CHECK(chunked_hex(data, chunk) == c.hex);
    }
  }
}

TEST_CASE("SHA-256 of all 256 byte values in order matches a reference digest") {
  // Exercises bytes with the high bit set; value from Python hashlib.
  std::string data;
  for (int i = 0; i < 256; ++i) data += static_cast<char>(i);
  CHECK(sha256_hex(data) == "40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880");
}

TEST_CASE("SHA-256 streaming in irregular chunks equals one-shot hashing") {
  const std::string data = lcg_bytes(5000, 12345);
  const std::string one_shot = sha256_hex(data);
  const size_t chunks[] = {1, 2, 3, 7, 31, 63, 64, 65, 100, 127, 128, 129, 4096, 5000, 9999};
  for (const size_t chunk : chunks) {
    CAPTURE(chunk);
    CHECK(chunked_hex(data, chunk) == one_shot);
  }
  // Chunk sizes that change on every call, including empty updates.
  Sha256 h;
  size_t pos = 0;
  uint32_t seed = 7;
  while (pos < data.size()) {
    seed = seed * 1664525U + 1013904223U;
    const size_t n = std::min<size_t>(seed >> 25, data.size() - pos);  // 0..127
    h.update(data.data() + pos, n);
    pos += n;
  }
  CHECK(to_hex(h.finish()) == one_shot);
}

TEST_CASE("Sha256 finish resets the hasher for the next message") {
  Sha256 h;
  h.update(std::string_view("some earlier message"));
  (void)h.finish();
  h.update(std::string_view("abc"));
  CHECK(to_hex(h.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(h.finish()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("Sha256 reset discards input fed so far") {
  Sha256 h;
  h.update(std::string_view("discarded"));
  h.reset();
  h.update(std::string_view("abc"));
  CHECK(to_hex(h.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("sha256_hex gives 64 lower-case hex digits") {
  const std::string hex = sha256_hex(lcg_bytes(100, 1));
  REQUIRE(hex.size() == 64);
  for (const char c : hex) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
}

TEST_CASE("SHA-256 on the CPU's SHA extensions gives the portable code's state on every input") {
  using opora::detail::sha256_accelerated_blocks;
  using opora::detail::sha256_portable_blocks;
  const auto fast = sha256_accelerated_blocks();
  if (fast == nullptr) {
    MESSAGE("this CPU has no SHA extensions: only the portable code runs here");
    CHECK(sha256_hex("abc").size() == 64);
    return;
  }
  const auto slow = sha256_portable_blocks();
  for (size_t blocks : {1U, 2U, 3U, 7U, 64U}) {
    const std::string data = lcg_bytes(blocks * Sha256::block_size, static_cast<uint32_t>(blocks));
    // From the initial state and from a state already mixed by other input.
    std::array<uint32_t, 8> a = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::array<uint32_t, 8> b = a;
    for (int round = 0; round < 2; ++round) {
      fast(a.data(), reinterpret_cast<const uint8_t*>(data.data()), blocks);
      slow(b.data(), reinterpret_cast<const uint8_t*>(data.data()), blocks);
      CHECK(a == b);
    }
  }
}

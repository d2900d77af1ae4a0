#include "core/hmac.hpp"

#include <array>
#include <cstdint>

#include "core/sha256.hpp"

namespace opora {

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<uint8_t, Sha256::block_size> block{};
  Sha256 h;
  if (key.size() > Sha256::block_size) {
    h.update(key);
    const auto digest = h.finish();
    for (size_t i = 0; i < digest.size(); ++i) block[i] = digest[i];
  } else {
    for (size_t i = 0; i < key.size(); ++i) block[i] = static_cast<uint8_t>(key[i]);
  }
  std::array<uint8_t, Sha256::block_size> pad{};
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<uint8_t>(block[i] ^ 0x36);
  h.update(pad.data(), pad.size());
  h.update(message);
  const auto inner = h.finish();
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<uint8_t>(block[i] ^ 0x5c);
  h.update(pad.data(), pad.size());
  h.update(inner.data(), inner.size());
  const auto outer = h.finish();
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(outer.size() * 2);
  for (const uint8_t b : outer) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |=
        static_cast<unsigned>(static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  return diff == 0;
}

}  // namespace opora

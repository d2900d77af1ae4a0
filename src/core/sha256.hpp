// SHA-256 (FIPS 180-4), for storing file content once per digest.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace opora {

class Sha256 {
 public:
  Sha256() noexcept;
  void update(const void* data, size_t n) noexcept;
  std::array<uint8_t, 32> finish() noexcept;

 private:
  void block(const uint8_t* p) noexcept;
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buffered_ = 0;
  uint64_t total_ = 0;
};

// Lower-case hex digest of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace opora

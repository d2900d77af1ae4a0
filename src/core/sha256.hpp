// SHA-256 (FIPS 180-4), used to fingerprint stored files and payloads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace opora {

// Incremental hasher: feed bytes with update() in any chunk sizes, then call
// finish(). The digest does not depend on how the input was split.
class Sha256 {
 public:
  static constexpr size_t digest_size = 32;
  static constexpr size_t block_size = 64;

  Sha256() noexcept { reset(); }

  // `data` may be null when `n` is 0.
  void update(const void* data, size_t n) noexcept;
  void update(std::string_view bytes) noexcept { update(bytes.data(), bytes.size()); }

  // Returns the digest of everything fed so far and resets the hasher, so the
  // same object can hash the next message without stale state leaking in.
  std::array<uint8_t, digest_size> finish() noexcept;

  // Forgets all input fed so far.
  void reset() noexcept;

 private:
  // Applies the compression function to `blocks` whole blocks at `p`.
  void compress(const uint8_t* p, size_t blocks) noexcept;

  std::array<uint32_t, 8> state_{};
  std::array<uint8_t, block_size> buffer_{};
  size_t buffered_ = 0;  // bytes waiting in buffer_, always < block_size
  uint64_t total_ = 0;   // message length in bytes, for the length field
};

// SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

namespace detail {

// The compression function over whole blocks, as two implementations: the
// portable one and one using the x86 SHA extensions (null where the CPU or
// the build lacks them). Sha256 picks the second when it exists; the tests
// hold the two to the same results.
using Sha256Blocks = void (*)(uint32_t* state, const uint8_t* p, size_t blocks) noexcept;
Sha256Blocks sha256_portable_blocks() noexcept;
Sha256Blocks sha256_accelerated_blocks() noexcept;

}  // namespace detail

}  // namespace opora

#include "engine/id_source.hpp"

#include <pthread.h>

#include <array>
#include <atomic>
#include <cstring>
#include <exception>
#include <random>

#include "core/error.hpp"

namespace opora::engine {

namespace {

// splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
// generators", 2014): a full-period sequence from any seed, for tests only.
uint64_t next(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Forks of this process so far, counted in each child: a pool drawn before
// the count moved is the parent's, and a child must not hand out its ids
// again. Reading a counter costs nothing beside asking the kernel for the
// process id before every id (a system call, a twentieth of a registry
// write).
std::atomic<uint64_t> id_source_forks{0};
const int id_source_fork_handler = pthread_atfork(
    nullptr, nullptr, [] { id_source_forks.fetch_add(1, std::memory_order_relaxed); });

}  // namespace

void IdSource::refill() {
  try {
    std::random_device device;  // the OS's source (getrandom, /dev/urandom)
    for (size_t i = 0; i < pool_.size(); i += 4) {
      const auto v = static_cast<uint32_t>(device());
      for (size_t k = 0; k < 4; ++k) pool_[i + k] = static_cast<uint8_t>(v >> (8 * k));
    }
  } catch (const std::exception& e) {
    throw Error(ErrorCode::internal, std::string("no system randomness for an id: ") + e.what());
  }
  (void)id_source_fork_handler;  // registered when the library loads
  pool_used_ = 0;
  pool_forks_ = id_source_forks.load(std::memory_order_relaxed);
}

std::string IdSource::uuid() {
  std::array<uint8_t, 16> bytes{};
  if (state_) {
    for (size_t i = 0; i < bytes.size(); i += 8) {
      const uint64_t v = next(*state_);
      for (size_t k = 0; k < 8; ++k) bytes[i + k] = static_cast<uint8_t>(v >> (8 * k));
    }
  } else {
    if (pool_used_ + bytes.size() > pool_.size() ||
        pool_forks_ != id_source_forks.load(std::memory_order_relaxed))
      refill();
    std::memcpy(bytes.data(), pool_.data() + pool_used_, bytes.size());
    pool_used_ += bytes.size();
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0F];
  }
  return out;
}

}  // namespace opora::engine

// 128-bit intermediates for exact Decimal and Money arithmetic: a product of
// an int64 amount and an int64 factor, or of a coefficient and 10^9, needs
// more than 64 bits before it is divided or checked back down.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace opora::detail {

__extension__ typedef __int128 Wide;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Decimal scales are at most 9, so 10^9 is the largest power needed.
constexpr std::array<int64_t, 10> kPow10 = {1,      10,      100,      1000,      10000,
                                            100000, 1000000, 10000000, 100000000, 1000000000};

inline int64_t pow10(int n) noexcept {
  return kPow10[static_cast<size_t>(n)];
}

// opora's amounts use the symmetric range [-INT64_MAX, INT64_MAX], so negation
// can never overflow.
inline bool fits(Wide v) noexcept {
  return v >= -static_cast<Wide>(kInt64Max) && v <= kInt64Max;
}

}  // namespace opora::detail

// Small helpers for strict, locale-free parsing of fixed-width text.
#pragma once

#include <cstddef>
#include <string_view>

namespace opora::detail {

inline bool is_ascii_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` ASCII digits at `pos` (n <= 9); false if any is missing
// or not a digit.
inline bool read_digits(std::string_view s, size_t pos, size_t n, int& out) noexcept {
  if (pos > s.size() || n > s.size() - pos) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_ascii_digit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace opora::detail

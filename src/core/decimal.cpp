#include "core/decimal.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/wide.hpp"

namespace opora {
namespace {

using detail::fits;
using detail::pow10;
using detail::Wide;

using detail::is_ascii_digit;

// Sheds trailing zeros only while the value does not fit, so results keep
// their natural scale whenever possible.
struct Reduced {
  Wide coefficient;
  int scale;
};

std::optional<Reduced> reduce_to_fit(Wide coefficient, int scale) noexcept {
  while ((scale > Decimal::kMaxScale || !fits(coefficient)) && scale > 0 && coefficient % 10 == 0) {
    coefficient /= 10;
    --scale;
  }
  if (scale > Decimal::kMaxScale || !fits(coefficient)) return std::nullopt;
  return Reduced{coefficient, scale};
}

Decimal checked_result(Wide coefficient, int scale, const char* what) {
  auto r = reduce_to_fit(coefficient, scale);
  if (!r)
    throw Error(ErrorCode::overflow, std::string("decimal ") + what +
                                         " out of range (coefficient beyond 64 bits or more "
                                         "than 9 decimal places)");
  return Decimal(static_cast<int64_t>(r->coefficient), r->scale);
}

Wide rescaled(const Decimal& d, int scale) noexcept {
  return static_cast<Wide>(d.coefficient()) * pow10(scale - d.scale());
}

std::string places_text(int n) {
  return std::to_string(n) + (n == 1 ? " decimal place" : " decimal places");
}

}  // namespace

std::optional<Rounding> parse_rounding(std::string_view name) noexcept {
  if (name == "half_up") return Rounding::half_up;
  if (name == "half_even") return Rounding::half_even;
  if (name == "down") return Rounding::down;
  return std::nullopt;
}

const char* rounding_name(Rounding r) noexcept {
  switch (r) {
    case Rounding::half_up:
      return "half_up";
    case Rounding::half_even:
      return "half_even";
    case Rounding::down:
      return "down";
  }
  return "unknown";
}

Decimal::Decimal(int64_t coefficient, int scale) : coefficient_(coefficient), scale_(scale) {
  if (scale < 0 || scale > kMaxScale)
    throw Error(ErrorCode::invalid, "decimal scale must be 0..9, got " + std::to_string(scale));
  if (coefficient == std::numeric_limits<int64_t>::min())
    throw Error(ErrorCode::overflow, "decimal coefficient out of range");
}

std::optional<Decimal> Decimal::parse(std::string_view text, int max_scale) noexcept {
  max_scale = std::clamp(max_scale, 0, kMaxScale);
  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;

  // Accumulating as unsigned against detail::kInt64Max rejects INT64_MIN as well, which
  // keeps the symmetric range promised in the header.
  uint64_t value = 0;
  auto take_digit = [&value](char c) noexcept {
    const auto d = static_cast<uint64_t>(c - '0');
    if (value > (static_cast<uint64_t>(detail::kInt64Max) - d) / 10) return false;
    value = value * 10 + d;
    return true;
  };

  const size_t int_start = pos;
  while (pos < text.size() && is_ascii_digit(text[pos]))
    if (!take_digit(text[pos++])) return std::nullopt;
  if (pos == int_start) return std::nullopt;

  int scale = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t frac_start = pos;
    while (pos < text.size() && is_ascii_digit(text[pos])) {
      if (scale == max_scale) return std::nullopt;
      if (!take_digit(text[pos++])) return std::nullopt;
      ++scale;
    }
    if (pos == frac_start) return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  const auto signed_value = static_cast<int64_t>(value);
  return Decimal(negative ? -signed_value : signed_value, scale, Unchecked{});
}

Decimal Decimal::parse_field(std::string_view text, const std::string& field, int max_scale) {
  if (auto d = parse(text, max_scale)) return *d;
  fail_field(ErrorCode::invalid, field, "decimal",
             "expected a decimal number like \"-12.5\" with at most " +
                 places_text(std::clamp(max_scale, 0, kMaxScale)) + ", got \"" + std::string(text) +
                 "\"");
}

Decimal Decimal::normalized() const noexcept {
  int64_t c = coefficient_;
  int s = scale_;
  while (s > 0 && c % 10 == 0) {
    c /= 10;
    --s;
  }
  return Decimal(c, s, Unchecked{});
}

std::string Decimal::to_string() const {
  const Decimal n = normalized();
  const uint64_t magnitude = n.coefficient_ < 0 ? 0 - static_cast<uint64_t>(n.coefficient_)
                                                : static_cast<uint64_t>(n.coefficient_);
  std::string digits = std::to_string(magnitude);
  const auto scale = static_cast<size_t>(n.scale_);
  if (scale > 0) {
    if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    digits.insert(digits.size() - scale, 1, '.');
  }
  if (n.coefficient_ < 0) digits.insert(0, 1, '-');
  return digits;
}

Decimal operator+(const Decimal& a, const Decimal& b) {
  const int s = std::max(a.scale_, b.scale_);
  return checked_result(rescaled(a, s) + rescaled(b, s), s, "sum");
}

Decimal operator-(const Decimal& a, const Decimal& b) {
  const int s = std::max(a.scale_, b.scale_);
  return checked_result(rescaled(a, s) - rescaled(b, s), s, "difference");
}

Decimal operator*(const Decimal& a, const Decimal& b) {
  return checked_result(static_cast<Wide>(a.coefficient_) * b.coefficient_, a.scale_ + b.scale_,
                        "product");
}

int Decimal::compare(const Decimal& a, const Decimal& b) noexcept {
  const int s = std::max(a.scale_, b.scale_);
  const Wide x = rescaled(a, s);
  const Wide y = rescaled(b, s);
  return x < y ? -1 : (x > y ? 1 : 0);
}

std::optional<Decimal> parse_quantity(std::string_view text) noexcept {
  return Decimal::parse(text, kQuantityMaxScale);
}

Decimal parse_quantity_field(std::string_view text, const std::string& field) {
  return Decimal::parse_field(text, field, kQuantityMaxScale);
}

std::optional<Decimal> parse_rate(std::string_view text) noexcept {
  auto d = Decimal::parse(text, kRateMaxScale);
  if (!d || d->is_negative() || *d > Decimal(100)) return std::nullopt;
  return d;
}

Decimal parse_rate_field(std::string_view text, const std::string& field) {
  if (auto d = parse_rate(text)) return *d;
  fail_field(ErrorCode::invalid, field, "rate",
             "expected a percentage from 0 to 100 with at most " + places_text(kRateMaxScale) +
                 " (like \"22\" or \"0.5\"), got \"" + std::string(text) + "\"");
}

}  // namespace opora

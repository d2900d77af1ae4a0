// Exact decimal numbers for quantities, rates and other money factors.
// Money itself lives in money.hpp; nothing here uses floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opora {

// How an exact value is brought to fewer fractional digits.
enum class Rounding {
  half_up,    // ties away from zero (2.5 -> 3, -2.5 -> -3); the usual Russian rule
  half_even,  // ties to the even neighbour (2.5 -> 2, 3.5 -> 4), "banker's rounding"
  down,       // toward zero (2.9 -> 2, -2.9 -> -2)
};

// "half_up", "half_even", "down"; nullopt for anything else.
std::optional<Rounding> parse_rounding(std::string_view name) noexcept;
const char* rounding_name(Rounding r) noexcept;  // never null

// coefficient * 10^-scale. The scale is kept as written ("1.250" has scale 3),
// but comparisons are by value, so 1.5 == 1.50.
//
// The coefficient never equals INT64_MIN: keeping the range symmetric means
// negation cannot overflow.
class Decimal {
 public:
  static constexpr int kMaxScale = 9;

  Decimal() noexcept = default;  // zero
  // Throws Error(invalid) for a scale outside 0..kMaxScale and
  // Error(overflow) for coefficient == INT64_MIN.
  explicit Decimal(int64_t coefficient, int scale = 0);

  // Accepts exactly -?[0-9]+(\.[0-9]+)? with at most `max_scale` fractional
  // digits (clamped to 0..kMaxScale). No '+', exponent, spaces or ','.
  // Trailing zeros count as digits: "1.500" needs max_scale >= 3.
  static std::optional<Decimal> parse(std::string_view text, int max_scale = kMaxScale) noexcept;
  // Like parse(), but throws Error(invalid) for `field` with rule "decimal".
  static Decimal parse_field(std::string_view text, const std::string& field,
                             int max_scale = kMaxScale);

  int64_t coefficient() const noexcept { return coefficient_; }
  int scale() const noexcept { return scale_; }
  bool is_zero() const noexcept { return coefficient_ == 0; }
  bool is_negative() const noexcept { return coefficient_ < 0; }

  // Same value with trailing fractional zeros dropped (1.500 -> 1.5, 2.0 -> 2).
  Decimal normalized() const noexcept;
  // Canonical text: normalized, so "1.500" -> "1.5" and "-0.0" -> "0".
  std::string to_string() const;

  // Exact arithmetic. The result keeps the larger scale (sum) or the sum of
  // scales (product) and sheds trailing zeros only when it must to fit.
  // Throws Error(overflow) when the exact result is not representable.
  friend Decimal operator+(const Decimal& a, const Decimal& b);
  friend Decimal operator-(const Decimal& a, const Decimal& b);
  friend Decimal operator*(const Decimal& a, const Decimal& b);
  Decimal operator-() const noexcept { return Decimal(-coefficient_, scale_, Unchecked{}); }
  Decimal& operator+=(const Decimal& b) { return *this = *this + b; }
  Decimal& operator-=(const Decimal& b) { return *this = *this - b; }
  Decimal& operator*=(const Decimal& b) { return *this = *this * b; }

  // Three-way comparison by value: negative, zero or positive.
  static int compare(const Decimal& a, const Decimal& b) noexcept;

  friend bool operator==(const Decimal& a, const Decimal& b) noexcept { return compare(a, b) == 0; }
  friend bool operator!=(const Decimal& a, const Decimal& b) noexcept { return compare(a, b) != 0; }
  friend bool operator<(const Decimal& a, const Decimal& b) noexcept { return compare(a, b) < 0; }
  friend bool operator>(const Decimal& a, const Decimal& b) noexcept { return compare(a, b) > 0; }
  friend bool operator<=(const Decimal& a, const Decimal& b) noexcept { return compare(a, b) <= 0; }
  friend bool operator>=(const Decimal& a, const Decimal& b) noexcept { return compare(a, b) >= 0; }

 private:
  struct Unchecked {};
  Decimal(int64_t coefficient, int scale, Unchecked) noexcept
      : coefficient_(coefficient), scale_(scale) {}

  int64_t coefficient_ = 0;
  int scale_ = 0;
};

// Quantities of goods or services: up to 3 fractional digits ("1.333").
// Sign is not restricted, so corrections may carry negative quantities.
constexpr int kQuantityMaxScale = 3;
std::optional<Decimal> parse_quantity(std::string_view text) noexcept;
// Throws Error(invalid) for `field` with rule "decimal".
Decimal parse_quantity_field(std::string_view text, const std::string& field);

// Percentages such as VAT: "22", "16", "0.5", "10"; up to 4 fractional
// digits and within 0..100 inclusive.
constexpr int kRateMaxScale = 4;
std::optional<Decimal> parse_rate(std::string_view text) noexcept;
// Throws Error(invalid) for `field` with rule "rate" (bad shape or range).
Decimal parse_rate_field(std::string_view text, const std::string& field);

}  // namespace opora

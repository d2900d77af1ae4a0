// Amounts of money as integer minor units (kopecks, tiyn, cents).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/decimal.hpp"

namespace opora {

// An ISO 4217 currency from opora's built-in table. Only find() and
// parse_field() make one, so every Currency value is known and valid.
class Currency {
 public:
  // Exact upper-case alpha code ("RUB", "KZT"); nullopt when not in the table.
  static std::optional<Currency> find(std::string_view code) noexcept;
  // Like find(), but throws Error(invalid) for `field` with rule "currency".
  static Currency parse_field(std::string_view text, const std::string& field);

  std::string_view code() const noexcept { return code_; }
  int minor_digits() const noexcept { return minor_digits_; }

  friend bool operator==(const Currency& a, const Currency& b) noexcept {
    return a.code() == b.code();
  }
  friend bool operator!=(const Currency& a, const Currency& b) noexcept { return !(a == b); }

 private:
  Currency(const char* code, int minor_digits) noexcept
      : code_(code), minor_digits_(minor_digits) {}

  const char* code_;  // points into the static table
  int minor_digits_;
};

// A signed amount in minor units of one currency. Like Decimal, the range is
// symmetric (INT64_MIN is never held), so negation and mirroring cannot overflow.
//
// Arithmetic is checked: mixing currencies throws Error(invalid) and leaving
// the range throws Error(overflow). Every operation that divides rounds once,
// from the exact result.
class Money {
 public:
  // Throws Error(overflow) for INT64_MIN.
  Money(int64_t minor_units, Currency currency);
  static Money zero(Currency currency) noexcept { return Money(0, currency, Unchecked{}); }

  // Accepts -?[0-9]+(\.[0-9]+)? in major units with at most
  // currency.minor_digits() fractional digits ("1234.56", "-0.05", "100",
  // "0.5"). Trailing zeros count: "1.500" is rejected for RUB.
  static std::optional<Money> parse(std::string_view text, Currency currency) noexcept;
  // Like parse(), but throws Error(invalid) for `field`: rule "money_scale"
  // for too many fractional digits, "money" for a bad shape or out of range.
  static Money parse_field(std::string_view text, Currency currency, const std::string& field);

  int64_t minor_units() const noexcept { return minor_units_; }
  const Currency& currency() const noexcept { return currency_; }
  bool is_zero() const noexcept { return minor_units_ == 0; }
  bool is_negative() const noexcept { return minor_units_ < 0; }

  // Always exactly minor_digits() fractional digits, no currency code:
  // "1234.56", "-0.05", "100.00"; JPY "100".
  std::string to_string() const;

  friend Money operator+(const Money& a, const Money& b);
  friend Money operator-(const Money& a, const Money& b);
  Money operator-() const noexcept { return Money(-minor_units_, currency_, Unchecked{}); }
  Money& operator+=(const Money& b) { return *this = *this + b; }
  Money& operator-=(const Money& b) { return *this = *this - b; }

  // amount * factor rounded once to minor units: price 99.99 * quantity 1.333
  // = 133.28667 -> 133.29 with half_up.
  Money multiply(const Decimal& factor, Rounding rounding = Rounding::half_up) const;
  // amount * num / den from a 128-bit intermediate, rounded once. Covers VAT
  // included in a gross amount (gross * 22 / 122) and proration
  // (fee * days / days_in_month). Throws Error(invalid) when den <= 0.
  Money mul_div(int64_t num, int64_t den, Rounding rounding = Rounding::half_up) const;

  // `parts` amounts differing by at most one minor unit and summing exactly
  // to this one. The leftover units go to the first parts, so 100.00 / 3 =
  // 33.34, 33.33, 33.33 and -100.00 / 3 = -33.34, -33.33, -33.33.
  // Throws Error(invalid) when parts == 0.
  std::vector<Money> split(size_t parts) const;

  // Proportional shares by the largest-remainder method: each part gets the
  // floor of its exact share, then the leftover units go one each to the
  // parts with the largest remainders, earlier parts winning ties. The sum is
  // exact, zero weights get zero, a negative amount is the mirror of the
  // positive one. Throws Error(invalid) for no weights, all-zero weights or
  // any negative weight.
  std::vector<Money> allocate(const std::vector<int64_t>& weights) const;
  // Decimal weights are brought to a common scale first; throws
  // Error(overflow) if a weight then no longer fits in 64 bits.
  std::vector<Money> allocate(const std::vector<Decimal>& weights) const;

  // Equality includes the currency: 100 RUB != 100 USD, without throwing.
  friend bool operator==(const Money& a, const Money& b) noexcept {
    return a.currency_ == b.currency_ && a.minor_units_ == b.minor_units_;
  }
  friend bool operator!=(const Money& a, const Money& b) noexcept { return !(a == b); }
  // Ordering amounts of different currencies is meaningless: Error(invalid).
  friend bool operator<(const Money& a, const Money& b);
  friend bool operator>(const Money& a, const Money& b) { return b < a; }
  friend bool operator<=(const Money& a, const Money& b) { return !(b < a); }
  friend bool operator>=(const Money& a, const Money& b) { return !(a < b); }

 private:
  struct Unchecked {};
  Money(int64_t minor_units, Currency currency, Unchecked) noexcept
      : minor_units_(minor_units), currency_(currency) {}

  int64_t minor_units_;
  Currency currency_;
};

}  // namespace opora

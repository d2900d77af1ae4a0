#include "core/money.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/wide.hpp"

namespace opora {
namespace {

using detail::fits;
using detail::pow10;
using detail::Wide;

struct CurrencyEntry {
  const char* code;
  int minor_digits;
};

// Minor digits as in ISO 4217. The CIS currencies come first because they are
// what integrators bill in; the rest covers common foreign settlements.
constexpr std::array<CurrencyEntry, 32> kCurrencies = {{
    {"RUB", 2}, {"KZT", 2}, {"BYN", 2}, {"UZS", 2}, {"KGS", 2}, {"AMD", 2}, {"AZN", 2}, {"GEL", 2},
    {"TJS", 2}, {"TMT", 2}, {"MDL", 2}, {"UAH", 2}, {"USD", 2}, {"EUR", 2}, {"CNY", 2}, {"GBP", 2},
    {"CHF", 2}, {"TRY", 2}, {"AED", 2}, {"INR", 2}, {"HKD", 2}, {"CAD", 2}, {"PLN", 2}, {"CZK", 2},
    {"MNT", 2}, {"JPY", 0}, {"KRW", 0}, {"VND", 0}, {"KWD", 3}, {"BHD", 3}, {"OMR", 3}, {"JOD", 3},
}};

enum class ParseStatus { ok, shape, scale, range };

// Checks the shape separately from the value so that parse_field can tell a
// malformed number from one with too many places or one out of range.
ParseStatus parse_minor(std::string_view text, int digits, int64_t& out) noexcept {
  size_t pos = text.empty() || text[0] != '-' ? 0 : 1;
  auto digit_run = [&text, &pos]() noexcept {
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    return pos - start;
  };
  if (digit_run() == 0) return ParseStatus::shape;
  size_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    fraction = digit_run();
    if (fraction == 0) return ParseStatus::shape;
  }
  if (pos != text.size()) return ParseStatus::shape;
  if (fraction > static_cast<size_t>(digits)) return ParseStatus::scale;

  const auto d = Decimal::parse(text, digits);
  if (!d) return ParseStatus::range;
  const Wide minor = static_cast<Wide>(d->coefficient()) * pow10(digits - d->scale());
  if (!fits(minor)) return ParseStatus::range;
  out = static_cast<int64_t>(minor);
  return ParseStatus::ok;
}

// Rounds num / den (den > 0) once, from the exact quotient.
Wide divide_rounded(Wide num, Wide den, Rounding rounding) noexcept {
  const Wide q = num / den;
  const Wide rem = num % den;
  if (rem == 0 || rounding == Rounding::down) return q;
  // |rem| < den <= INT64_MAX * 10^9, so doubling it cannot overflow.
  const Wide twice = (rem < 0 ? -rem : rem) * 2;
  const bool away = twice > den || (twice == den && (rounding == Rounding::half_up || q % 2 != 0));
  if (!away) return q;
  return num < 0 ? q - 1 : q + 1;
}

Money checked_money(Wide minor, const Currency& currency, const char* what) {
  if (!fits(minor))
    throw Error(ErrorCode::overflow,
                std::string("money ") + what + " out of range for " + std::string(currency.code()));
  return Money(static_cast<int64_t>(minor), currency);
}

void require_same_currency(const Money& a, const Money& b, const char* action) {
  if (a.currency() != b.currency())
    throw Error(ErrorCode::invalid, std::string("currency mismatch: cannot ") + action + " " +
                                        std::string(a.currency().code()) + " and " +
                                        std::string(b.currency().code()) + " amounts");
}

uint64_t magnitude(int64_t v) noexcept {
  return v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
}

}  // namespace

std::optional<Currency> Currency::find(std::string_view code) noexcept {
  for (const auto& e : kCurrencies)
    if (code == e.code) return Currency(e.code, e.minor_digits);
  return std::nullopt;
}

Currency Currency::parse_field(std::string_view text, const std::string& field) {
  if (auto c = find(text)) return *c;
  fail_field(ErrorCode::invalid, field, "currency",
             "expected a supported ISO 4217 currency code like \"RUB\" or \"KZT\", got \"" +
                 std::string(text) + "\"");
}

Money::Money(int64_t minor_units, Currency currency)
    : minor_units_(minor_units), currency_(currency) {
  if (minor_units == std::numeric_limits<int64_t>::min())
    throw Error(ErrorCode::overflow, "money amount out of range");
}

std::optional<Money> Money::parse(std::string_view text, Currency currency) noexcept {
  int64_t minor = 0;
  if (parse_minor(text, currency.minor_digits(), minor) != ParseStatus::ok) return std::nullopt;
  return Money(minor, currency, Unchecked{});
}

Money Money::parse_field(std::string_view text, Currency currency, const std::string& field) {
  int64_t minor = 0;
  const int digits = currency.minor_digits();
  const ParseStatus status = parse_minor(text, digits, minor);
  if (status == ParseStatus::ok) return Money(minor, currency, Unchecked{});
  const std::string got = ", got \"" + std::string(text) + "\"";
  const std::string code(currency.code());
  if (status == ParseStatus::scale)
    fail_field(
        ErrorCode::invalid, field, "money_scale",
        code + " amounts have at most " + std::to_string(digits) + " fractional digits" + got);
  if (status == ParseStatus::range)
    fail_field(ErrorCode::invalid, field, "money", code + " amount out of range" + got);
  fail_field(ErrorCode::invalid, field, "money",
             "expected an amount like \"1234.56\" or \"-0.05\" (no '+', spaces or ',')" + got);
}

std::string Money::to_string() const {
  std::string text = std::to_string(magnitude(minor_units_));
  const auto digits = static_cast<size_t>(currency_.minor_digits());
  if (digits > 0) {
    if (text.size() <= digits) text.insert(0, digits + 1 - text.size(), '0');
    text.insert(text.size() - digits, 1, '.');
  }
  if (minor_units_ < 0) text.insert(0, 1, '-');
  return text;
}

Money operator+(const Money& a, const Money& b) {
  require_same_currency(a, b, "add");
  return checked_money(static_cast<Wide>(a.minor_units_) + b.minor_units_, a.currency_, "sum");
}

Money operator-(const Money& a, const Money& b) {
  require_same_currency(a, b, "subtract");
  return checked_money(static_cast<Wide>(a.minor_units_) - b.minor_units_, a.currency_,
                       "difference");
}

bool operator<(const Money& a, const Money& b) {
  require_same_currency(a, b, "compare");
  return a.minor_units_ < b.minor_units_;
}

Money Money::multiply(const Decimal& factor, Rounding rounding) const {
  const Wide exact = static_cast<Wide>(minor_units_) * factor.coefficient();
  return checked_money(divide_rounded(exact, pow10(factor.scale()), rounding), currency_,
                       "product");
}

Money Money::mul_div(int64_t num, int64_t den, Rounding rounding) const {
  if (den <= 0)
    throw Error(ErrorCode::invalid,
                "money mul_div needs a positive denominator, got " + std::to_string(den));
  const Wide exact = static_cast<Wide>(minor_units_) * num;
  return checked_money(divide_rounded(exact, den, rounding), currency_, "mul_div result");
}

std::vector<Money> Money::split(size_t parts) const {
  if (parts == 0) throw Error(ErrorCode::invalid, "money split needs at least one part");
  const uint64_t total = magnitude(minor_units_);
  const uint64_t n = parts;
  const uint64_t base = total / n;
  const uint64_t extra = total % n;
  std::vector<Money> out;
  out.reserve(parts);
  for (uint64_t i = 0; i < n; ++i) {
    // base + 1 <= total whenever extra > 0, so the part stays in range.
    const auto v = static_cast<int64_t>(base + (i < extra ? 1 : 0));
    out.push_back(Money(minor_units_ < 0 ? -v : v, currency_, Unchecked{}));
  }
  return out;
}

std::vector<Money> Money::allocate(const std::vector<int64_t>& weights) const {
  if (weights.empty()) throw Error(ErrorCode::invalid, "money allocate needs at least one weight");
  // Fewer than 2^64 weights of at most 2^63 each cannot overflow 128 bits.
  Wide total = 0;
  for (const int64_t w : weights) {
    if (w < 0)
      throw Error(ErrorCode::invalid,
                  "money allocate weights must not be negative, got " + std::to_string(w));
    total += w;
  }
  if (total == 0) throw Error(ErrorCode::invalid, "money allocate weights are all zero");

  const Wide amount = magnitude(minor_units_);
  std::vector<int64_t> shares(weights.size());
  std::vector<Wide> remainders(weights.size());
  Wide assigned = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Wide exact = amount * weights[i];  // < 2^126
    shares[i] = static_cast<int64_t>(exact / total);
    remainders[i] = exact % total;
    assigned += shares[i];
  }

  // The remainders sum to leftover * total with each below total, so more
  // than `leftover` parts have a non-zero remainder: zero weights never win.
  const auto leftover = static_cast<size_t>(amount - assigned);
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&remainders](size_t x, size_t y) { return remainders[x] > remainders[y]; });
  for (size_t k = 0; k < leftover; ++k) ++shares[order[k]];

  std::vector<Money> out;
  out.reserve(weights.size());
  for (const int64_t s : shares)
    out.push_back(Money(minor_units_ < 0 ? -s : s, currency_, Unchecked{}));
  return out;
}

std::vector<Money> Money::allocate(const std::vector<Decimal>& weights) const {
  int scale = 0;
  for (const Decimal& w : weights) scale = std::max(scale, w.normalized().scale());
  std::vector<int64_t> scaled;
  scaled.reserve(weights.size());
  for (const Decimal& w : weights) {
    const Decimal n = w.normalized();
    const Wide v = static_cast<Wide>(n.coefficient()) * pow10(scale - n.scale());
    if (!fits(v))
      throw Error(ErrorCode::overflow, "money allocate weight " + w.to_string() +
                                           " out of range at scale " + std::to_string(scale));
    scaled.push_back(static_cast<int64_t>(v));
  }
  return allocate(scaled);
}

}  // namespace opora

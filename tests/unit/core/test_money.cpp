#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/money.hpp"
#include "test_support.hpp"

using opora::Currency;
using opora::Decimal;
using opora::ErrorCode;
using opora::Money;
using opora::Rounding;

using opora::test::code_of;
using opora::test::error_of;
using opora::test::field_error_of;

namespace {

__extension__ typedef __int128 Wide;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Currency cur(const char* code) {
  auto c = Currency::find(code);
  REQUIRE_MESSAGE(c.has_value(), std::string(code));
  return *c;
}

Money rub(const char* text) {
  auto m = Money::parse(text, cur("RUB"));
  REQUIRE_MESSAGE(m.has_value(), std::string(text));
  return *m;
}

Money rub_minor(int64_t minor) {
  return Money(minor, cur("RUB"));
}

Decimal dec(const char* text) {
  auto d = Decimal::parse(text);
  REQUIRE_MESSAGE(d.has_value(), std::string(text));
  return *d;
}

std::vector<std::string> texts(const std::vector<Money>& parts) {
  std::vector<std::string> out;
  for (const Money& m : parts) out.push_back(m.to_string());
  return out;
}

Wide sum_minor(const std::vector<Money>& parts) {
  Wide s = 0;
  for (const Money& m : parts) s += m.minor_units();
  return s;
}

// Deterministic 64-bit LCG (Knuth's MMIX constants) so failures reproduce.
struct Lcg {
  uint64_t state;
  uint64_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  }
  int64_t in(int64_t lo, int64_t hi) {  // inclusive, hi - lo < 2^53
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
};

}  // namespace

TEST_CASE("Currency table knows the required codes and their minor digits") {
  const std::pair<const char*, int> expected[] = {{"RUB", 2}, {"KZT", 2}, {"USD", 2}, {"EUR", 2},
                                                  {"CNY", 2}, {"BYN", 2}, {"UZS", 2}, {"KGS", 2},
                                                  {"AMD", 2}, {"GBP", 2}, {"JPY", 0}, {"KWD", 3}};
  for (const auto& [code, digits] : expected) {
    CHECK(cur(code).code() == code);
    CHECK(cur(code).minor_digits() == digits);
  }
}

TEST_CASE("Currency find accepts only exact upper-case known codes") {
  for (const char* bad : {"rub", "Rub", "XXX", "", "RUBL", " RUB", "RU"})
    CHECK_MESSAGE(!Currency::find(bad).has_value(), std::string(bad));
  CHECK(cur("RUB") == cur("RUB"));
  CHECK(cur("RUB") != cur("KZT"));
}

TEST_CASE("Currency parse_field throws invalid with rule currency") {
  CHECK(Currency::parse_field("KZT", "currency").code() == "KZT");
  const auto e = field_error_of([] { Currency::parse_field("rur", "invoice.currency"); });
  CHECK(e.field == "invoice.currency");
  CHECK(e.rule == "currency");
  CHECK(e.message.find("rur") != std::string::npos);
}

TEST_CASE("Money parses major units and prints exactly the minor digits") {
  CHECK(rub("1234.56").minor_units() == 123456);
  CHECK(rub("1234.56").to_string() == "1234.56");
  CHECK(rub("-0.05").minor_units() == -5);
  CHECK(rub("-0.05").to_string() == "-0.05");
  CHECK(rub("100").to_string() == "100.00");
  CHECK(rub("0.5").to_string() == "0.50");
  CHECK(rub("-0").to_string() == "0.00");
  CHECK(rub("0").is_zero());
  CHECK(rub("-1").is_negative());
  CHECK(Money::parse("100", cur("JPY"))->to_string() == "100");
  CHECK(Money::parse("-7", cur("JPY"))->minor_units() == -7);
  CHECK(Money::parse("1.5", cur("KWD"))->to_string() == "1.500");
  CHECK(Money::parse("0.001", cur("KWD"))->minor_units() == 1);
  CHECK(rub("0.01").currency() == cur("RUB"));
}

TEST_CASE("Money text round trips through parse and to_string") {
  for (const char* text : {"0.00", "0.01", "-0.01", "1234.56", "-1234.56", "100.00",
                           "92233720368547758.07", "-92233720368547758.07"})
    CHECK(rub(text).to_string() == text);
  for (int64_t minor :
       {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{99}, int64_t{-100}, kMax, -kMax})
    CHECK(rub(rub_minor(minor).to_string().c_str()).minor_units() == minor);
}

TEST_CASE("Money rejects more places than the currency has with rule money_scale") {
  CHECK(!Money::parse("1.234", cur("RUB")).has_value());
  CHECK(!Money::parse("1.500", cur("RUB")).has_value());
  CHECK(!Money::parse("1.0", cur("JPY")).has_value());
  CHECK(!Money::parse("0.0001", cur("KWD")).has_value());
  const auto e =
      field_error_of([] { Money::parse_field("10.999", *Currency::find("KZT"), "sum"); });
  CHECK(e.field == "sum");
  CHECK(e.rule == "money_scale");
  CHECK(e.message.find("KZT") != std::string::npos);
  CHECK(field_error_of([] {
          Money::parse_field("1.0000000000001", *Currency::find("RUB"), "a");
        }).rule == "money_scale");
}

TEST_CASE("Money rejects malformed amounts with rule money") {
  for (const char* bad :
       {"", "-", "1.", ".5", "+1", "1e3", " 1", "1 ", "1,5", "--1", "1.2.3", "1 000.00", "RUB 1"}) {
    CHECK_MESSAGE(!Money::parse(bad, cur("RUB")).has_value(), std::string(bad));
    const auto e = field_error_of([&] { Money::parse_field(bad, cur("RUB"), "amount"); });
    CHECK(e.rule == "money");
    CHECK(e.field == "amount");
  }
}

TEST_CASE("Money rejects amounts beyond the int64 range of minor units") {
  CHECK(rub("92233720368547758.07").minor_units() == kMax);
  CHECK(rub("-92233720368547758.07").minor_units() == -kMax);
  CHECK(!Money::parse("92233720368547758.08", cur("RUB")).has_value());
  CHECK(!Money::parse("-92233720368547758.08", cur("RUB")).has_value());
  CHECK(!Money::parse("92233720368547759", cur("RUB")).has_value());
  CHECK(!Money::parse("99999999999999999999", cur("RUB")).has_value());
  CHECK(Money::parse("9223372036854775807", cur("JPY"))->minor_units() == kMax);
  CHECK(!Money::parse("9223372036854775808", cur("JPY")).has_value());
  CHECK(Money::parse("9223372036854775.807", cur("KWD"))->minor_units() == kMax);
  const auto e = field_error_of([] { Money::parse_field("1e30", *Currency::find("RUB"), "a"); });
  CHECK(e.rule == "money");
  CHECK(field_error_of([] {
          Money::parse_field("100000000000000000", *Currency::find("RUB"), "a");
        }).rule == "money");
  CHECK(code_of([] { Money(std::numeric_limits<int64_t>::min(), *Currency::find("RUB")); }) ==
        ErrorCode::overflow);
}

TEST_CASE("Money addition, subtraction and negation are exact") {
  CHECK(rub("0.10") + rub("0.20") == rub("0.30"));
  CHECK(rub("1.00") - rub("1.01") == rub("-0.01"));
  CHECK(-rub("5.50") == rub("-5.50"));
  CHECK(-rub_minor(-kMax) == rub_minor(kMax));
  Money acc = Money::zero(cur("RUB"));
  acc += rub("10");
  acc -= rub("2.50");
  CHECK(acc.to_string() == "7.50");
}

TEST_CASE("Money arithmetic throws overflow at the int64 limits") {
  CHECK(code_of([] { (void)(rub_minor(kMax) + rub_minor(1)); }) == ErrorCode::overflow);
  CHECK(code_of([] { (void)(rub_minor(-kMax) - rub_minor(1)); }) == ErrorCode::overflow);
  CHECK(code_of([] { (void)(rub_minor(-kMax) + rub_minor(-kMax)); }) == ErrorCode::overflow);
  CHECK((rub_minor(kMax) + rub_minor(-kMax)).is_zero());
  CHECK(rub_minor(kMax - 1) + rub_minor(1) == rub_minor(kMax));
}

TEST_CASE("Money comparisons order amounts of one currency") {
  CHECK(rub("1.00") < rub("1.01"));
  CHECK(rub("-1.00") < rub("0"));
  CHECK(rub("2") > rub("1.99"));
  CHECK(rub("2") >= rub("2.00"));
  CHECK(rub("2") <= rub("2.00"));
  CHECK(rub("2") == rub("2.00"));
  CHECK(rub("2") != rub("2.01"));
}

TEST_CASE("Money mixing currencies throws invalid but equality is simply false") {
  const Money r = rub("100");
  const Money k = *Money::parse("100", cur("KZT"));
  for (auto op : {+[](const Money&a, const Money&b) { (void)(a + b); },
                  +[](const Money&a, const Money&b) { (void)(a - b); },
                  +[](const Money&a, const Money&b) { (void)(a < b); },
                  +[](const Money&a, const Money&b) { (void)(a >= b); }}) {
    try {
      op(r, k);
      FAIL("expected a currency mismatch");
    } catch (const opora::Error& e) {
      CHECK(e.code() == ErrorCode::invalid);
      CHECK(std::string(e.what()).find("RUB") != std::string::npos);
      CHECK(std::string(e.what()).find("KZT") != std::string::npos);
    }
  }
  CHECK(r != k);
  CHECK(!(r == k));
}

TEST_CASE("Rounding half_up goes away from zero and half_even to even on exact halves") {
  const Decimal tenth = dec("0.1");
  // 25 kopecks * 0.1 = 2.5 kopecks.
  CHECK(rub_minor(25).multiply(tenth, Rounding::half_up).minor_units() == 3);
  CHECK(rub_minor(25).multiply(tenth, Rounding::half_even).minor_units() == 2);
  CHECK(rub_minor(25).multiply(tenth, Rounding::down).minor_units() == 2);
  CHECK(rub_minor(-25).multiply(tenth, Rounding::half_up).minor_units() == -3);
  CHECK(rub_minor(-25).multiply(tenth, Rounding::half_even).minor_units() == -2);
  CHECK(rub_minor(-25).multiply(tenth, Rounding::down).minor_units() == -2);
  CHECK(rub_minor(35).multiply(tenth, Rounding::half_even).minor_units() == 4);
  CHECK(rub_minor(-35).multiply(tenth, Rounding::half_even).minor_units() == -4);
  CHECK(rub_minor(5).mul_div(1, 2, Rounding::half_up).minor_units() == 3);
  CHECK(rub_minor(5).mul_div(1, 2, Rounding::half_even).minor_units() == 2);
  CHECK(rub_minor(-5).mul_div(1, 2, Rounding::half_up).minor_units() == -3);
  CHECK(rub_minor(-5).mul_div(1, 2, Rounding::half_even).minor_units() == -2);
}

TEST_CASE("Rounding of 0.125 multiples depends on the mode only at exact halves") {
  const Decimal eighth = dec("0.125");
  // 1.00 * 0.125 = 12.5 kopecks; 3.00 * 0.125 = 37.5; 2.00 * 0.125 = 25 exactly.
  CHECK(rub("1.00").multiply(eighth, Rounding::half_up).to_string() == "0.13");
  CHECK(rub("1.00").multiply(eighth, Rounding::half_even).to_string() == "0.12");
  CHECK(rub("3.00").multiply(eighth, Rounding::half_up).to_string() == "0.38");
  CHECK(rub("3.00").multiply(eighth, Rounding::half_even).to_string() == "0.38");
  CHECK(rub("2.00").multiply(eighth, Rounding::half_even).to_string() == "0.25");
  CHECK(rub("-1.00").multiply(eighth, Rounding::half_up).to_string() == "-0.13");
  CHECK(rub("-1.00").multiply(eighth, Rounding::half_even).to_string() == "-0.12");
  // Just above a half is never a tie.
  CHECK(rub_minor(1251).multiply(dec("0.01"), Rounding::half_even).minor_units() == 13);
}

TEST_CASE("Rounding down truncates toward zero") {
  CHECK(rub_minor(29).multiply(dec("0.1"), Rounding::down).minor_units() == 2);
  CHECK(rub_minor(-29).multiply(dec("0.1"), Rounding::down).minor_units() == -2);
  CHECK(rub_minor(29).multiply(dec("0.1"), Rounding::half_even).minor_units() == 3);
}

TEST_CASE("Money multiply rounds the exact product once") {
  CHECK(rub("99.99").multiply(dec("1.333")).to_string() == "133.29");
  CHECK(rub("99.99").multiply(dec("1.333"), Rounding::down).to_string() == "133.28");
  CHECK(rub("10.00").multiply(dec("3")).to_string() == "30.00");
  CHECK(rub("10.00").multiply(dec("-0.5")).to_string() == "-5.00");
  CHECK(rub("10.00").multiply(dec("0")).is_zero());
  CHECK(Money::parse("100", cur("JPY"))->multiply(dec("0.005")).to_string() == "1");
  CHECK(rub_minor(kMax).multiply(dec("1.000000000")).minor_units() == kMax);
  CHECK(rub_minor(kMax).multiply(dec("0.5")).minor_units() == kMax / 2 + 1);
  CHECK(code_of([] { (void)rub_minor(kMax).multiply(Decimal(15, 1)); }) == ErrorCode::overflow);
}

TEST_CASE("Money mul_div extracts VAT included in a gross amount") {
  CHECK(rub("1220.00").mul_div(22, 122).to_string() == "220.00");
  CHECK(rub("100.00").mul_div(22, 122).to_string() == "18.03");
  CHECK(rub("120.00").mul_div(20, 120).to_string() == "20.00");
  CHECK(rub("-100.00").mul_div(22, 122).to_string() == "-18.03");
}

TEST_CASE("Money mul_div prorates a monthly fee by days") {
  CHECK(rub("1000.00").mul_div(10, 31).to_string() == "322.58");
  CHECK(rub("1000.00").mul_div(14, 28).to_string() == "500.00");
  CHECK(rub("1000.00").mul_div(0, 30).is_zero());
  CHECK(rub("1000.00").mul_div(31, 31) == rub("1000.00"));
}

TEST_CASE("Money mul_div keeps a 128-bit intermediate and checks the result") {
  CHECK(rub_minor(kMax).mul_div(kMax, kMax).minor_units() == kMax);
  CHECK(rub_minor(kMax).mul_div(-kMax, kMax).minor_units() == -kMax);
  CHECK(rub_minor(kMax).mul_div(1, kMax).minor_units() == 1);
  CHECK(code_of([] { (void)rub_minor(kMax).mul_div(2, 1); }) == ErrorCode::overflow);
  CHECK(code_of([] { (void)rub("1").mul_div(1, 0); }) == ErrorCode::invalid);
  CHECK(code_of([] { (void)rub("1").mul_div(1, -5); }) == ErrorCode::invalid);
}

TEST_CASE("Money split gives the leftover units to the first parts") {
  CHECK(texts(rub("100.00").split(3)) == std::vector<std::string>{"33.34", "33.33", "33.33"});
  CHECK(texts(rub("-100.00").split(3)) == std::vector<std::string>{"-33.34", "-33.33", "-33.33"});
  CHECK(texts(rub("0.05").split(3)) == std::vector<std::string>{"0.02", "0.02", "0.01"});
  CHECK(texts(rub("0.02").split(3)) == std::vector<std::string>{"0.01", "0.01", "0.00"});
  CHECK(texts(rub("7.00").split(1)) == std::vector<std::string>{"7.00"});
  CHECK(sum_minor(rub_minor(kMax).split(2)) == kMax);
  CHECK(sum_minor(rub_minor(-kMax).split(7)) == -kMax);
  CHECK(code_of([] { (void)rub("1").split(0); }) == ErrorCode::invalid);
}

TEST_CASE("Money allocate uses largest remainders with ties to the earlier part") {
  // Exact shares of 100 kopecks by 3:2:1 are 50, 33.33 and 16.67.
  CHECK(texts(rub("1.00").allocate(std::vector<int64_t>{3, 2, 1})) ==
        std::vector<std::string>{"0.50", "0.33", "0.17"});
  CHECK(texts(rub("-1.00").allocate(std::vector<int64_t>{3, 2, 1})) ==
        std::vector<std::string>{"-0.50", "-0.33", "-0.17"});
  CHECK(texts(rub("0.05").allocate(std::vector<int64_t>{1, 1})) ==
        std::vector<std::string>{"0.03", "0.02"});
  CHECK(texts(rub("100.00").allocate(std::vector<int64_t>{1, 1, 1})) ==
        std::vector<std::string>{"33.34", "33.33", "33.33"});
  CHECK(texts(rub("100.00").allocate(std::vector<int64_t>{70, 20, 10})) ==
        std::vector<std::string>{"70.00", "20.00", "10.00"});
}

TEST_CASE("Money allocate gives zero weights nothing") {
  CHECK(texts(rub("0.01").allocate(std::vector<int64_t>{0, 1, 0, 1})) ==
        std::vector<std::string>{"0.00", "0.01", "0.00", "0.00"});
  CHECK(texts(rub("10.00").allocate(std::vector<int64_t>{0, 5})) ==
        std::vector<std::string>{"0.00", "10.00"});
}

TEST_CASE("Money allocate rejects empty, all-zero and negative weights") {
  CHECK(code_of([] { (void)rub("1").allocate(std::vector<int64_t>{}); }) == ErrorCode::invalid);
  CHECK(code_of([] { (void)rub("1").allocate(std::vector<int64_t>{0, 0}); }) == ErrorCode::invalid);
  CHECK(code_of([] {
          (void)rub("1").allocate(std::vector<int64_t>{5, -1});
        }) == ErrorCode::invalid);
  CHECK(code_of([] { (void)rub("1").allocate(std::vector<Decimal>{}); }) == ErrorCode::invalid);
  CHECK(code_of([] {
          (void)rub("1").allocate(std::vector<Decimal>{Decimal(1), Decimal(-1, 2)});
        }) == ErrorCode::invalid);
}

TEST_CASE("Money allocate by decimal weights brings them to one scale") {
  CHECK(texts(rub("1.00").allocate({dec("0.5"), dec("0.25"), dec("0.250")})) ==
        std::vector<std::string>{"0.50", "0.25", "0.25"});
  CHECK(texts(rub("10.00").allocate({dec("1.5"), dec("1")})) ==
        std::vector<std::string>{"6.00", "4.00"});
  CHECK(texts(rub("1.00").allocate({dec("0.000000001"), dec("0")})) ==
        std::vector<std::string>{"1.00", "0.00"});
  CHECK(code_of([] {
          (void)rub("1").allocate(std::vector<Decimal>{Decimal(kMax), Decimal(1, 9)});
        }) == ErrorCode::overflow);
}

TEST_CASE("Money allocate handles extreme amounts and weights") {
  const auto parts = rub_minor(kMax).allocate(std::vector<int64_t>{kMax, kMax, 1});
  CHECK(sum_minor(parts) == kMax);
  CHECK(parts[0].minor_units() - parts[1].minor_units() <= 1);
  CHECK(parts[2].minor_units() <= 1);
}

TEST_CASE("Money split and allocate always sum exactly over many inputs") {
  Lcg rng{20260301};
  const Currency rub_currency = cur("RUB");
  for (int iteration = 0; iteration < 3000; ++iteration) {
    int64_t amount = 0;
    switch (iteration % 4) {
      case 0:
        amount = rng.in(-1000, 1000);
        break;
      case 1:
        amount = rng.in(-100000000000, 100000000000);
        break;
      case 2:
        amount = kMax - rng.in(0, 1000);
        break;
      default:
        amount = -kMax + rng.in(0, 1000);
    }
    const Money m(amount, rub_currency);

    const auto parts = static_cast<size_t>(rng.in(1, 17));
    const auto split = m.split(parts);
    REQUIRE(split.size() == parts);
    CHECK(sum_minor(split) == amount);
    for (size_t i = 1; i < parts; ++i) {
      const int64_t d = split[i - 1].minor_units() - split[i].minor_units();
      CHECK((amount >= 0 ? d : -d) >= 0);  // leftover units sit at the front
      CHECK((d == 0 || d == 1 || d == -1));
    }

    std::vector<int64_t> weights(static_cast<size_t>(rng.in(1, 12)));
    Wide total = 0;
    for (auto& w : weights) {
      w = rng.in(0, 3) == 0 ? 0 : rng.in(1, iteration % 3 == 0 ? 1000000 : 7);
      total += w;
    }
    if (total == 0) {
      weights.back() = 1;
      total = 1;
    }
    const auto shares = m.allocate(weights);
    REQUIRE(shares.size() == weights.size());
    CHECK(sum_minor(shares) == amount);
    for (size_t i = 0; i < weights.size(); ++i) {
      const Wide got = shares[i].minor_units();
      const Wide exact = static_cast<Wide>(amount) * weights[i];  // share * total
      const Wide diff = got * total - exact;
      // Each share is the floor or the ceiling of its exact value.
      CHECK((diff > -total && diff < total));
      if (weights[i] == 0) CHECK(shares[i].is_zero());
      if (amount != 0 && !shares[i].is_zero()) CHECK(shares[i].is_negative() == (amount < 0));
    }
  }
}

TEST_CASE("Money multiply by a decimal agrees with mul_div by its power of ten") {
  Lcg rng{42};
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const Money m = rub_minor(rng.in(-10000000000, 10000000000));
    const int scale = static_cast<int>(rng.in(0, 9));
    const Decimal factor(rng.in(-100000000, 100000000), scale);
    int64_t den = 1;
    for (int i = 0; i < scale; ++i) den *= 10;
    for (Rounding r : {Rounding::half_up, Rounding::half_even, Rounding::down})
      CHECK(m.multiply(factor, r) == m.mul_div(factor.coefficient(), den, r));
  }
}

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/decimal.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using opora::Decimal;
using opora::ErrorCode;
using opora::Rounding;

using opora::test::code_of;
using opora::test::error_of;
using opora::test::field_error_of;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Decimal dec(const char* text) {
  auto d = Decimal::parse(text);
  REQUIRE_MESSAGE(d.has_value(), std::string(text));
  return *d;
}

}  // namespace

TEST_CASE("Decimal parses integers, fractions and negatives keeping the written scale") {
  CHECK(dec("22").coefficient() == 22);
  CHECK(dec("22").scale() == 0);
  CHECK(dec("0.5").coefficient() == 5);
  CHECK(dec("0.5").scale() == 1);
  CHECK(dec("-1.250").coefficient() == -1250);
  CHECK(dec("-1.250").scale() == 3);
  CHECK(dec("16").coefficient() == 16);
  CHECK(dec("0").is_zero());
  CHECK(dec("0.000000001").coefficient() == 1);
  CHECK(dec("0.000000001").scale() == 9);
}

TEST_CASE("Decimal rejects anything but plain digits with an optional minus and point") {
  for (const char* bad : {"", "-", "1.", ".5", "-.5", "+1", "1e3", " 1", "1 ", "1,5", "--1",
                          "1.2.3", "0x10", "1_000", "- 1", "1-", "."})
    CHECK_MESSAGE(!Decimal::parse(bad).has_value(), std::string(bad));
}

TEST_CASE("Decimal rejects more fractional digits than max_scale") {
  CHECK(Decimal::parse("1.234", 3).has_value());
  CHECK(!Decimal::parse("1.2345", 3).has_value());
  CHECK(!Decimal::parse("1.500", 2).has_value());
  CHECK(!Decimal::parse("1.0", 0).has_value());
  CHECK(Decimal::parse("10", 0).has_value());
  CHECK(!Decimal::parse("0.0000000001").has_value());
}

TEST_CASE("Decimal parse clamps max_scale to the supported range") {
  CHECK(Decimal::parse("0.123456789", 20).has_value());
  CHECK(!Decimal::parse("0.1234567890", 20).has_value());
  CHECK(!Decimal::parse("0.5", -3).has_value());
  CHECK(Decimal::parse("5", -3).has_value());
}

TEST_CASE("Decimal rejects coefficients beyond the int64 range") {
  CHECK(dec("9223372036854775807").coefficient() == kMax);
  CHECK(dec("-9223372036854775807").coefficient() == -kMax);
  CHECK(!Decimal::parse("9223372036854775808").has_value());
  CHECK(!Decimal::parse("-9223372036854775808").has_value());
  CHECK(!Decimal::parse("99999999999999999999").has_value());
  CHECK(dec("9223372036.854775807").coefficient() == kMax);
  CHECK(!Decimal::parse("9223372036.854775808").has_value());
  CHECK(!Decimal::parse("922337203685477580.8").has_value());
}

TEST_CASE("Decimal to_string is canonical without trailing fractional zeros") {
  CHECK(dec("1.500").to_string() == "1.5");
  CHECK(dec("2.0").to_string() == "2");
  CHECK(dec("-0.0").to_string() == "0");
  CHECK(dec("0.05").to_string() == "0.05");
  CHECK(dec("-0.05").to_string() == "-0.05");
  CHECK(dec("100").to_string() == "100");
  CHECK(dec("100.000").to_string() == "100");
  CHECK(dec("0.000000001").to_string() == "0.000000001");
  CHECK(dec("-9223372036854775807").to_string() == "-9223372036854775807");
  CHECK(dec("9223372036.854775807").to_string() == "9223372036.854775807");
}

TEST_CASE("Decimal canonical text parses back to the same text") {
  for (const char* text : {"0", "1", "-1", "0.5", "-0.5", "22", "16", "0.001", "123456.789",
                           "-0.000000001", "9223372036854775807", "10.01"}) {
    CHECK(dec(text).to_string() == text);
    CHECK(dec(dec(text).to_string().c_str()) == dec(text));
  }
}

TEST_CASE("Decimal normalized drops trailing zeros but keeps the value") {
  const Decimal d = dec("-12.3400").normalized();
  CHECK(d.coefficient() == -1234);
  CHECK(d.scale() == 2);
  CHECK(dec("0.000").normalized().scale() == 0);
  CHECK(dec("1200").normalized().coefficient() == 1200);
}

TEST_CASE("Decimal comparisons are by value across scales") {
  CHECK(dec("1.5") == dec("1.50"));
  CHECK(dec("1.5") != dec("1.51"));
  CHECK(dec("-0.0") == dec("0"));
  CHECK(dec("2") > dec("1.999999999"));
  CHECK(dec("-2") < dec("-1.999999999"));
  CHECK(dec("0.1") <= dec("0.10"));
  CHECK(dec("0.1") >= dec("0.10"));
  CHECK(dec("9223372036854775807") > dec("9223372036.854775807"));
  CHECK(Decimal::compare(dec("3"), dec("3.000")) == 0);
}

TEST_CASE("Decimal is_zero and is_negative ignore the scale and negative zero") {
  CHECK(dec("-0.000").is_zero());
  CHECK(!dec("-0.000").is_negative());
  CHECK(dec("-0.001").is_negative());
  CHECK(!dec("0.001").is_negative());
  CHECK(Decimal().is_zero());
}

TEST_CASE("Decimal constructor rejects a bad scale and INT64_MIN") {
  CHECK(Decimal(125, 3) == dec("0.125"));
  CHECK(code_of([] { Decimal(1, 10); }) == ErrorCode::invalid);
  CHECK(code_of([] { Decimal(1, -1); }) == ErrorCode::invalid);
  CHECK(code_of([] { Decimal(kMin, 0); }) == ErrorCode::overflow);
  CHECK((-Decimal(-kMax, 0)).coefficient() == kMax);
}

TEST_CASE("Decimal addition and subtraction are exact and keep the larger scale") {
  const Decimal sum = dec("1.25") + dec("0.5");
  CHECK(sum == dec("1.75"));
  CHECK(sum.scale() == 2);
  CHECK(dec("0.1") + dec("0.2") == dec("0.3"));
  CHECK(dec("1") - dec("1.001") == dec("-0.001"));
  CHECK((dec("1.50") + dec("1")).to_string() == "2.5");
  Decimal acc = dec("10");
  acc += dec("0.5");
  acc -= dec("3");
  CHECK(acc == dec("7.5"));
}

TEST_CASE("Decimal multiplication is exact with the sum of scales") {
  const Decimal p = dec("99.99") * dec("1.333");
  CHECK(p == dec("133.28667"));
  CHECK(p.scale() == 5);
  CHECK(dec("-2.5") * dec("4") == dec("-10"));
  CHECK(dec("0.00010") * dec("0.00010") == dec("0.00000001"));
  Decimal acc = dec("1.5");
  acc *= dec("-2");
  CHECK(acc == dec("-3"));
}

TEST_CASE("Decimal arithmetic throws overflow at the int64 limits") {
  const Decimal max(kMax, 0);
  CHECK(code_of([&] { (void)(max + Decimal(1)); }) == ErrorCode::overflow);
  CHECK(code_of([&] { (void)(-max - Decimal(1)); }) == ErrorCode::overflow);
  CHECK(code_of([&] { (void)(max * Decimal(2)); }) == ErrorCode::overflow);
  CHECK(code_of([&] { (void)(max + dec("0.5")); }) == ErrorCode::overflow);
  CHECK((max + -max).is_zero());
  CHECK(max - Decimal(1) == Decimal(kMax - 1));
}

TEST_CASE("Decimal product needing more than 9 places throws overflow") {
  CHECK(code_of([] { (void)(dec("0.00001") * dec("0.00001")); }) == ErrorCode::overflow);
  CHECK(code_of([] { (void)(dec("0.000000001") * dec("0.5")); }) == ErrorCode::overflow);
}

TEST_CASE("Decimal results shed trailing zeros rather than overflow when exact") {
  // At the common scale 1 the coefficient would be 9223372036854775810.
  const Decimal sum = Decimal(922337203685477581) + dec("0.0");
  CHECK(sum == Decimal(922337203685477581));
  CHECK(sum.scale() == 0);
  const Decimal product = dec("0.00002") * dec("0.00005");
  CHECK(product == dec("0.000000001"));
  CHECK(product.scale() == 9);
}

TEST_CASE("Decimal parse_field names the field, rule, format and places") {
  CHECK(Decimal::parse_field("1.25", "price", 2) == dec("1.25"));
  const auto e = field_error_of([] { Decimal::parse_field("1.234", "items[0].price", 2); });
  CHECK(e.field == "items[0].price");
  CHECK(e.rule == "decimal");
  CHECK(e.message.find("2 decimal places") != std::string::npos);
  CHECK(e.message.find("1.234") != std::string::npos);
  CHECK(field_error_of([] { Decimal::parse_field("abc", "x"); }).rule == "decimal");
}

TEST_CASE("Quantities take up to three decimal places") {
  CHECK(opora::parse_quantity("1.333") == dec("1.333"));
  CHECK(opora::parse_quantity("-2") == dec("-2"));
  CHECK(!opora::parse_quantity("1.3333").has_value());
  CHECK(opora::parse_quantity_field("12.5", "qty") == dec("12.5"));
  const auto e = field_error_of([] { opora::parse_quantity_field("0.0001", "items[1].qty"); });
  CHECK(e.field == "items[1].qty");
  CHECK(e.rule == "decimal");
  CHECK(e.message.find("3 decimal places") != std::string::npos);
}

TEST_CASE("Rates are percentages from 0 to 100 with up to four places") {
  for (const char* ok : {"22", "16", "0.5", "10", "0", "100", "100.0000", "12.3456"})
    CHECK_MESSAGE(opora::parse_rate(ok).has_value(), std::string(ok));
  for (const char* bad : {"-1", "-0.0001", "100.0001", "101", "0.00001", "22%", "", "1e1"})
    CHECK_MESSAGE(!opora::parse_rate(bad).has_value(), std::string(bad));
  CHECK(opora::parse_rate("-0") == dec("0"));
  CHECK(opora::parse_rate_field("22", "vat_rate") == dec("22"));
  const auto e = field_error_of([] { opora::parse_rate_field("120", "vat_rate"); });
  CHECK(e.field == "vat_rate");
  CHECK(e.rule == "rate");
  CHECK(e.message.find("0 to 100") != std::string::npos);
  CHECK(field_error_of([] { opora::parse_rate_field("x", "r"); }).rule == "rate");
}

TEST_CASE("Rounding names round trip and unknown names are rejected") {
  for (Rounding r : {Rounding::half_up, Rounding::half_even, Rounding::down})
    CHECK(opora::parse_rounding(opora::rounding_name(r)) == r);
  CHECK(std::string(opora::rounding_name(Rounding::half_up)) == "half_up");
  CHECK(std::string(opora::rounding_name(Rounding::half_even)) == "half_even");
  CHECK(std::string(opora::rounding_name(Rounding::down)) == "down");
  CHECK(!opora::parse_rounding("HALF_UP").has_value());
  CHECK(!opora::parse_rounding("up").has_value());
  CHECK(!opora::parse_rounding("").has_value());
}

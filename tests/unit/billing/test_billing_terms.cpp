// The pure arithmetic of billing (src/billing/terms.hpp): proration by the
// cumulative method, VAT included or on top, and the lines one subscription
// earns in a month. The same rules are tested again through billing.run in
// the other test_billing_*.cpp files. Vectors T1..T17 are from
// /work/shared/research/billing.md §3.3, where each names its origin.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "billing/terms.hpp"
#include "core/error.hpp"
#include "core/money.hpp"
#include "test_support.hpp"

using opora::Currency;
using opora::Date;
using opora::Decimal;
using opora::Error;
using opora::ErrorCode;
using opora::Money;
using opora::Rounding;
using opora::billing::accrue_subscription;
using opora::billing::Discount;
using opora::billing::FreezeSpan;
using opora::billing::LineDraft;
using opora::billing::Period;
using opora::billing::prorate;
using opora::billing::Span;
using opora::billing::split_vat;
using opora::billing::Tariff;
using opora::billing::TariffSpan;
using opora::billing::TaxRate;
using opora::billing::TaxResolver;
using opora::billing::VatMode;
using opora::billing::VatSplit;
using opora::test::error_of;

namespace {

Money rub(const char* amount) {
  return *Money::parse(amount, *Currency::find("RUB"));
}
Money kzt(const char* amount) {
  return *Money::parse(amount, *Currency::find("KZT"));
}
TaxRate rate(const char* percent) {
  return TaxRate{"test", Decimal::parse(percent)};
}
Date date(const char* text) {
  return *Date::parse(text);
}

// RU VAT as the law sets it: 20% to 2025-12-31, 22% from 2026-01-01
// (425-FZ of 28.11.2025); "none" is без НДС; anything else has no rate.
class RuVat : public TaxResolver {
 public:
  TaxRate resolve(const std::string& code, const Date& supply_date) const override {
    if (code == "none") return TaxRate{code, std::nullopt};
    if (code != "ru_vat")
      throw Error(ErrorCode::validation, "no rate for " + code + " on " + supply_date.to_string());
    return TaxRate{code, Decimal(supply_date < Date(2026, 1, 1) ? 20 : 22)};
  }
};

Tariff monthly(const char* fee, const char* name = "Интернет") {
  Tariff t;
  t.code = name;
  t.name = name;
  t.fee = rub(fee);
  return t;
}

Span span(const char* from, const char* to = nullptr) {
  Span s{date(from), std::nullopt};
  if (to != nullptr) s.to = date(to);
  return s;
}

std::vector<LineDraft> accrue(const Period& p, const std::vector<TariffSpan>& tariffs,
                              const std::vector<FreezeSpan>& freezes = {},
                              const std::vector<Discount>& discounts = {}) {
  return accrue_subscription(p, tariffs, freezes, discounts, RuVat());
}

Money total(const std::vector<LineDraft>& lines) {
  Money s = Money::zero(*Currency::find("RUB"));
  for (const auto& l : lines) s += l.amount;
  return s;
}

}  // namespace

// --- prorate: the cumulative method -----------------------------------------

TEST_CASE("prorate gives the old plan's share before an upgrade on Jan 15 as 45.16") {
  // T1 [S:LAGO-UPG]: plan A 100.00/month, Jan 1-14 = 14 of 31 days.
  CHECK(prorate(rub("100.00"), 1, 14, 31) == rub("45.16"));
}

TEST_CASE("prorate gives the new plan's remainder from Jan 15 as 109.68") {
  // T2 [C]: plan B 200.00/month, Jan 15-31 = 17 of 31 days.
  CHECK(prorate(rub("200.00"), 15, 31, 31) == rub("109.68"));
}

TEST_CASE("prorate of a 1000.00 connection on Jan 15 is 548.39") {
  // T5 [C]: 17/31 of 1000.00 = 548.387...
  CHECK(prorate(rub("1000.00"), 15, 31, 31) == rub("548.39"));
}

TEST_CASE("prorate rounds the total once and never the daily rate first") {
  // T6 [C]: 499.00 from Jan 15 = 17/31 -> 273.65; the daily rate rounded first
  // (16.10 x 17 = 273.70) drifts by 5 kopecks.
  const Money share = prorate(rub("499.00"), 15, 31, 31);
  CHECK(share == rub("273.65"));
  const Money daily_first = rub("499.00").mul_div(1, 31).multiply(Decimal(17));
  CHECK(daily_first == rub("273.70"));
  CHECK(share != daily_first);
}

TEST_CASE("prorate of a disconnection on Feb 10 2026 bills 10 of 28 days as 178.21") {
  // T7 [C]: February 2026 has 28 days; service Feb 1-10 inclusive.
  CHECK(Date::days_in_month(2026, 2) == 28);
  CHECK(prorate(rub("499.00"), 1, 10, 28) == rub("178.21"));
}

TEST_CASE("daily charges of 499.00 over February 2026 add up to exactly the fee") {
  // T8 [C]: naive 17.82/day gives 498.96; charge_k = round(T*k/n) -
  // round(T*(k-1)/n) gives 17.82 or 17.83 and sums to 499.00.
  const Money fee = rub("499.00");
  Money sum = Money::zero(fee.currency());
  for (int k = 1; k <= 28; ++k) {
    const Money day = prorate(fee, k, k, 28);
    CAPTURE(k);
    CHECK((day == rub("17.82") || day == rub("17.83")));
    sum += day;
  }
  CHECK(sum == fee);
  CHECK(rub("17.82").multiply(Decimal(28)) == rub("498.96"));
}

TEST_CASE("daily charges of 499.00 over a 31-day month add up to exactly the fee") {
  // T9 [C]: naive 16.10/day gives 499.10; the cumulative method gives 16.09
  // or 16.10 and 499.00 in total.
  const Money fee = rub("499.00");
  Money sum = Money::zero(fee.currency());
  for (int k = 1; k <= 31; ++k) {
    const Money day = prorate(fee, k, k, 31);
    CAPTURE(k);
    CHECK((day == rub("16.09") || day == rub("16.10")));
    sum += day;
  }
  CHECK(sum == fee);
  CHECK(rub("16.10").multiply(Decimal(31)) == rub("499.10"));
}

TEST_CASE("consecutive prorated spans add up to the span over the same days") {
  for (const char* fee : {"499.00", "100.00", "0.01", "12345.67", "999.99"})
    for (int n : {28, 29, 30, 31})
      for (int split = 1; split < n; ++split) {
        CAPTURE(fee);
        CAPTURE(n);
        CAPTURE(split);
        const Money f = rub(fee);
        CHECK(prorate(f, 1, split, n) + prorate(f, split + 1, n, n) == f);
        CHECK(prorate(f, 1, n, n) == f);
      }
}

TEST_CASE("prorate refuses a day range outside the period") {
  CHECK(error_of([] { prorate(rub("100.00"), 0, 3, 30); }).code() == ErrorCode::internal);
  CHECK(error_of([] { prorate(rub("100.00"), 5, 4, 30); }).code() == ErrorCode::internal);
  CHECK(error_of([] { prorate(rub("100.00"), 1, 31, 30); }).code() == ErrorCode::internal);
}

// --- split_vat ----------------------------------------------------------------

TEST_CASE("VAT 22% on top of 1000.00 is 220.00, gross 1220.00") {
  // T11 [C]
  const VatSplit v = split_vat(rub("1000.00"), rate("22"), VatMode::on_top);
  CHECK(v.vat == rub("220.00"));
  CHECK(v.gross == rub("1220.00"));
}

TEST_CASE("VAT 22% included in 1000.00 is 180.33, net 819.67") {
  // T12 [C]: 1000 x 22/122 = 180.3279
  const VatSplit v = split_vat(rub("1000.00"), rate("22"), VatMode::included);
  CHECK(v.vat == rub("180.33"));
  CHECK(v.gross == rub("1000.00"));
  CHECK(v.gross - v.vat == rub("819.67"));
}

TEST_CASE("VAT per line and per document differ by a kopeck on three 499.00 lines") {
  // T13 [C]: per line 89.98 x 3 = 269.94; per document 1497 x 22/122 = 269.95.
  const VatSplit line = split_vat(rub("499.00"), rate("22"), VatMode::included);
  CHECK(line.vat == rub("89.98"));
  CHECK(line.vat + line.vat + line.vat == rub("269.94"));
  CHECK(split_vat(rub("1497.00"), rate("22"), VatMode::included).vat == rub("269.95"));
}

TEST_CASE("VAT rounds half up, not half to even") {
  // T15 [C]: 10.75 x 22% = 2.365 -> 2.37 half up (2.36 half even);
  // 0.75 x 22% = 0.165 -> 0.17 (0.16).
  CHECK(split_vat(rub("10.75"), rate("22"), VatMode::on_top).vat == rub("2.37"));
  CHECK(split_vat(rub("0.75"), rate("22"), VatMode::on_top).vat == rub("0.17"));
  CHECK(rub("10.75").mul_div(22, 100, Rounding::half_even) == rub("2.36"));
  CHECK(rub("0.75").mul_div(22, 100, Rounding::half_even) == rub("0.16"));
}

TEST_CASE("KZ VAT extracted from 5000 KZT is 689.66 at 16% and 535.71 at 12%") {
  // T16 [C]: 5000 x 16/116 and 5000 x 12/112.
  CHECK(split_vat(kzt("5000.00"), rate("16"), VatMode::included).vat == kzt("689.66"));
  CHECK(split_vat(kzt("5000.00"), rate("12"), VatMode::included).vat == kzt("535.71"));
}

TEST_CASE("USN reduced VAT extracted from 499.00 is 23.76 at 5%, 32.64 at 7%, 45.36 at 10%") {
  // T17 [C]: 5/105, 7/107, 10/110.
  CHECK(split_vat(rub("499.00"), rate("5"), VatMode::included).vat == rub("23.76"));
  CHECK(split_vat(rub("499.00"), rate("7"), VatMode::included).vat == rub("32.64"));
  CHECK(split_vat(rub("499.00"), rate("10"), VatMode::included).vat == rub("45.36"));
}

TEST_CASE("a fractional rate keeps its decimals: 12.5% on top of 1000.00 is 125.00") {
  CHECK(split_vat(rub("1000.00"), rate("12.5"), VatMode::on_top).vat == rub("125.00"));
  CHECK(split_vat(rub("1125.00"), rate("12.5"), VatMode::included).vat == rub("125.00"));
}

TEST_CASE("без НДС and 0% leave the amount whole with no VAT, in either mode") {
  const TaxRate none{"none", std::nullopt};
  for (VatMode mode : {VatMode::included, VatMode::on_top}) {
    CHECK(split_vat(rub("499.00"), none, mode).vat == rub("0.00"));
    CHECK(split_vat(rub("499.00"), none, mode).gross == rub("499.00"));
    CHECK(split_vat(rub("499.00"), rate("0"), mode).vat == rub("0.00"));
    CHECK(split_vat(rub("499.00"), rate("0"), mode).gross == rub("499.00"));
  }
  CHECK(none.text() == "none");
  CHECK(rate("22").text() == "22");
}

// --- Period -------------------------------------------------------------------

TEST_CASE("a period is a YYYY-MM month with its first and last day") {
  const Period p = Period::parse_field("2026-02", "period");
  CHECK(p.to_string() == "2026-02");
  CHECK(p.first() == Date(2026, 2, 1));
  CHECK(p.last() == Date(2026, 2, 28));
  CHECK(Period::parse_field("2024-02", "period").days() == 29);
  CHECK(Period::of(Date(2026, 12, 31)).to_string() == "2026-12");
}

TEST_CASE("a period that is not YYYY-MM is refused naming the field and rule period") {
  for (const char* bad : {"2026-13", "2026-00", "2026/11", "11-2026", "2026-1", "", "abcd-ef"}) {
    CAPTURE(bad);
    const Error e = error_of([&] { Period::parse_field(bad, "period"); });
    CHECK(e.code() == ErrorCode::invalid);
    REQUIRE(e.field_errors().size() == 1);
    CHECK(e.field_errors()[0].field == "period");
    CHECK(e.field_errors()[0].rule == "period");
  }
}

// --- accrue_subscription --------------------------------------------------------

TEST_CASE("a whole month on one tariff is one line of the full fee") {
  const Tariff t = monthly("499.00");
  const auto lines = accrue(Period(2026, 11), {{span("2026-01-01"), &t}});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].kind == "fee");
  CHECK(lines[0].from == Date(2026, 11, 1));
  CHECK(lines[0].to == Date(2026, 11, 30));
  CHECK(lines[0].days == 30);
  CHECK(lines[0].period_days == 30);
  CHECK(lines[0].base == rub("499.00"));
  CHECK(lines[0].amount == rub("499.00"));
  CHECK(lines[0].vat == rub("89.98"));  // 499 x 22/122
  CHECK(lines[0].rate.text() == "22");
}

TEST_CASE("a connection on Jan 15 earns 17/31 of the fee") {
  // T5, T6 [C]
  const Tariff t = monthly("1000.00");
  const auto lines = accrue(Period(2026, 1), {{span("2026-01-15"), &t}});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].from == Date(2026, 1, 15));
  CHECK(lines[0].days == 17);
  CHECK(lines[0].amount == rub("548.39"));
  const Tariff isp = monthly("499.00");
  CHECK(total(accrue(Period(2026, 1), {{span("2026-01-15"), &isp}})) == rub("273.65"));
}

TEST_CASE("a tariff change on Jan 15 splits the month into 45.16 and 109.68") {
  // T1 [S:LAGO-UPG], T2 [C]
  const Tariff a = monthly("100.00", "A");
  const Tariff b = monthly("200.00", "B");
  const auto lines =
      accrue(Period(2026, 1), {{span("2026-01-01", "2026-01-14"), &a}, {span("2026-01-15"), &b}});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].name == "A");
  CHECK(lines[0].days == 14);
  CHECK(lines[0].amount == rub("45.16"));
  CHECK(lines[1].name == "B");
  CHECK(lines[1].days == 17);
  CHECK(lines[1].amount == rub("109.68"));
}

TEST_CASE("a disconnection on Feb 10 2026 earns 10/28 of the fee") {
  // T7 [C]
  const Tariff t = monthly("499.00");
  const auto lines = accrue(Period(2026, 2), {{span("2025-06-01", "2026-02-10"), &t}});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].to == Date(2026, 2, 10));
  CHECK(lines[0].amount == rub("178.21"));
}

TEST_CASE("a subscription outside the period earns nothing") {
  const Tariff t = monthly("499.00");
  CHECK(accrue(Period(2026, 3), {{span("2026-01-01", "2026-02-28"), &t}}).empty());
  CHECK(accrue(Period(2026, 3), {{span("2026-04-01"), &t}}).empty());
}

TEST_CASE("VAT is taken on the supply date: December 2025 at 20%, January 2026 at 22%") {
  // §4 [S:RU-VAT]: the rate of the date of supply, not of the contract.
  const Tariff t = monthly("1000.00");
  const auto dec = accrue(Period(2025, 12), {{span("2025-01-01"), &t}});
  const auto jan = accrue(Period(2026, 1), {{span("2025-01-01"), &t}});
  REQUIRE(dec.size() == 1);
  REQUIRE(jan.size() == 1);
  CHECK(dec[0].rate.text() == "20");
  CHECK(dec[0].vat == rub("166.67"));  // 1000 x 20/120
  CHECK(jan[0].rate.text() == "22");
  CHECK(jan[0].vat == rub("180.33"));  // 1000 x 22/122
}

TEST_CASE("VAT on top is added to the prorated fee") {
  Tariff t = monthly("1000.00");
  t.vat_mode = VatMode::on_top;
  const auto lines = accrue(Period(2026, 11), {{span("2026-01-01"), &t}});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].base == rub("1000.00"));
  CHECK(lines[0].vat == rub("220.00"));
  CHECK(lines[0].amount == rub("1220.00"));
}

TEST_CASE("a daily fee is the fee times the active days") {
  Tariff t = monthly("20.00");
  t.fee_period = opora::billing::FeePeriod::day;
  CHECK(total(accrue(Period(2026, 11), {{span("2026-01-01"), &t}})) == rub("600.00"));
  CHECK(total(accrue(Period(2026, 11), {{span("2026-11-11"), &t}})) == rub("400.00"));
  CHECK(total(accrue(Period(2026, 12), {{span("2026-01-01"), &t}})) == rub("620.00"));
}

TEST_CASE("a tariff without proration charges the full fee for any active day") {
  Tariff t = monthly("499.00");
  t.proration = opora::billing::Proration::none;
  CHECK(total(accrue(Period(2026, 1), {{span("2026-01-31"), &t}})) == rub("499.00"));
  CHECK(total(accrue(Period(2026, 1), {{span("2025-01-31", "2026-01-01"), &t}})) == rub("499.00"));
}

TEST_CASE("a freeze with a reduced fee is its own line, prorated by the cumulative method") {
  // Nov 2026: fee days 1-10 and 21-30, frozen 11-20 at 100.00/month.
  const Tariff t = monthly("600.00");
  const auto lines = accrue(Period(2026, 11), {{span("2026-01-01"), &t}},
                            {{span("2026-11-11", "2026-11-20"), rub("100.00")}});
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].kind == "fee");
  CHECK(lines[0].amount == rub("200.00"));
  CHECK(lines[1].kind == "freeze");
  CHECK(lines[1].from == Date(2026, 11, 11));
  CHECK(lines[1].to == Date(2026, 11, 20));
  CHECK(lines[1].amount == rub("33.34"));  // round(100*20/30) - round(100*10/30)
  CHECK(lines[2].kind == "fee");
  CHECK(lines[2].amount == rub("200.00"));
}

TEST_CASE("a freeze without a fee earns nothing, and the tariff's freeze fee applies otherwise") {
  Tariff t = monthly("600.00");
  const std::vector<FreezeSpan> freeze = {{span("2026-11-11", "2026-11-20"), std::nullopt}};
  const auto free = accrue(Period(2026, 11), {{span("2026-01-01"), &t}}, freeze);
  REQUIRE(free.size() == 2);
  CHECK(total(free) == rub("400.00"));
  t.freeze_fee = rub("60.00");
  const auto reduced = accrue(Period(2026, 11), {{span("2026-01-01"), &t}}, freeze);
  REQUIRE(reduced.size() == 3);
  CHECK(reduced[1].kind == "freeze");
  CHECK(reduced[1].amount == rub("20.00"));
}

TEST_CASE("a time-limited percent discount splits the month at its end") {
  const Tariff t = monthly("600.00");
  Discount d;
  d.name = "Акция";
  d.percent = Decimal(10);
  d.span = span("2026-10-01", "2026-11-15");
  const auto lines = accrue(Period(2026, 11), {{span("2026-01-01"), &t}}, {}, {d});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].base == rub("300.00"));
  CHECK(lines[0].discount == rub("30.00"));
  CHECK(lines[0].amount == rub("270.00"));
  CHECK(lines[1].discount == rub("0.00"));
  CHECK(lines[1].amount == rub("300.00"));
}

TEST_CASE("a fixed discount is prorated like the fee and never exceeds it") {
  const Tariff t = monthly("600.00");
  Discount fixed;
  fixed.name = "Скидка 150";
  fixed.fixed = rub("150.00");
  fixed.span = span("2026-11-16");
  const auto lines = accrue(Period(2026, 11), {{span("2026-01-01"), &t}}, {}, {fixed});
  REQUIRE(lines.size() == 2);
  CHECK(lines[1].discount == rub("75.00"));
  CHECK(total(lines) == rub("525.00"));

  Discount huge = fixed;
  huge.fixed = rub("10000.00");
  huge.span = span("2026-01-01");
  const auto capped = accrue(Period(2026, 11), {{span("2026-01-01"), &t}}, {}, {huge});
  REQUIRE(capped.size() == 1);
  CHECK(capped[0].discount == rub("600.00"));
  CHECK(capped[0].amount == rub("0.00"));
  CHECK(capped[0].vat == rub("0.00"));
}

TEST_CASE("lines split by changes add up to exactly the monthly fee") {
  // Zero discounts change nothing but cut the month into pieces; the pieces
  // still sum to the fee (the cumulative method, T8/T9).
  const Tariff t = monthly("499.00");
  std::vector<Discount> cuts;
  for (const char* from : {"2026-01-04", "2026-01-09", "2026-01-17", "2026-01-23"}) {
    Discount d;
    d.name = "0%";
    d.percent = Decimal(0);
    d.span = span(from, from);
    cuts.push_back(d);
  }
  const auto lines = accrue(Period(2026, 1), {{span("2025-01-01"), &t}}, {}, cuts);
  CHECK(lines.size() == 9);
  CHECK(total(lines) == rub("499.00"));
}

TEST_CASE("a missing tax rate on the supply date stops the accrual with the resolver's error") {
  Tariff t = monthly("499.00");
  t.tax_code = "usn_5";
  const Error e = error_of([&] { accrue(Period(2026, 11), {{span("2026-01-01"), &t}}); });
  CHECK(e.code() == ErrorCode::validation);
}

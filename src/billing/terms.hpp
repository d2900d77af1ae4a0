// The terms billing computes with: periods, tariffs, discounts, freezes and
// the accrual lines they produce. Pure values and pure functions, no SQL, so
// every rounding rule is tested on its own (tests/unit/billing/test_billing_terms.cpp)
// and again through billing.run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/decimal.hpp"
#include "core/money.hpp"

namespace opora::billing {

// A calendar month, the billing period: "2026-11".
class Period {
 public:
  Period(int year, int month);
  // Throws Error(invalid) naming `field` (rule "period") unless text is YYYY-MM.
  static Period parse_field(const std::string& text, const std::string& field);
  static Period of(const Date& d) { return Period(d.year(), d.month()); }

  int year() const noexcept { return year_; }
  int month() const noexcept { return month_; }
  Date first() const { return Date(year_, month_, 1); }
  Date last() const { return Date(year_, month_, days()); }
  int days() const noexcept { return Date::days_in_month(year_, month_); }
  std::string to_string() const;

 private:
  int year_;
  int month_;
};

enum class FeePeriod { month, day };
enum class Timing { advance, arrears };  // accrued on the first or on the last day
enum class Proration { actual, none };   // none: the whole fee for any active day
enum class VatMode { included, on_top };

const char* to_string(FeePeriod v) noexcept;
const char* to_string(Timing v) noexcept;
const char* to_string(Proration v) noexcept;
const char* to_string(VatMode v) noexcept;

struct Tariff {
  std::string code;
  std::string name;
  Money fee{0, *Currency::find("RUB")};  // per month or per day
  FeePeriod fee_period = FeePeriod::month;
  std::string tax_code = "ru_vat";
  VatMode vat_mode = VatMode::included;
  Timing timing = Timing::advance;
  Proration proration = Proration::actual;
  std::optional<Money> freeze_fee;  // monthly fee while frozen; none: nothing is charged
  int payment_term_days = 10;       // due date = accrual date + this
};

// A rate resolved for a supply date: a percentage, or none for "без НДС".
struct TaxRate {
  std::string code;
  std::optional<Decimal> percent;
  std::string text() const { return percent ? percent->to_string() : "none"; }
};

// VAT of one line, rounded once (half-up). `amount` is the price after
// discount: the gross for included VAT (vat = gross * r / (100 + r)), the net
// for VAT on top (vat = net * r / 100, gross = net + vat).
struct VatSplit {
  Money gross;
  Money vat;
};
VatSplit split_vat(const Money& amount, const TaxRate& rate, VatMode mode);

// `date` plus a payment term, clamped to the last date opora knows
// (2999-12-31), so a term never makes a valid line unrepresentable.
Date due_date(const Date& date, int64_t days);

// Amounts opora accepts for one fee, charge, discount or payment: up to
// 1,000,000,000.00 in major units. Sums of a ledger stay far inside 64 bits.
constexpr int64_t kMaxAmountMinor = 100000000000;

// The share of a period fee for days first..last (1-based, inclusive) of an
// n-day period, by the cumulative method: round(fee*last/n) -
// round(fee*(first-1)/n). Consecutive spans therefore add up to exactly what
// one span over the same days would give, and a full period to the fee: no
// daily rate is rounded first (research T6, T8, T9).
Money prorate(const Money& fee, int first, int last, int n);

// Inclusive span of dates; `to` absent means open-ended.
struct Span {
  Date from{2000, 1, 1};
  std::optional<Date> to;
  bool covers(const Date& d) const { return from <= d && (!to || d <= *to); }
};

struct TariffSpan {
  Span span;
  const Tariff* tariff;
};

struct FreezeSpan {
  Span span;
  std::optional<Money> fee;  // overrides the tariff's freeze fee
};

struct Discount {
  int64_t id = 0;
  std::string name;
  std::optional<Decimal> percent;  // percent off, or
  std::optional<Money> fixed;      // an amount off per month, see accrue_subscription
  Span span;
};

// One accrual line as computed, before it is stored.
struct LineDraft {
  std::string kind;  // "fee" | "freeze"
  std::string name;
  const Tariff* tariff = nullptr;
  Date from{2000, 1, 1};
  Date to{2000, 1, 1};
  int days = 0;
  int period_days = 0;
  Money base{0, *Currency::find("RUB")};      // prorated fee before discount
  Money discount{0, *Currency::find("RUB")};  // never more than base
  Money amount{0, *Currency::find("RUB")};    // what the holder owes (gross)
  Money vat{0, *Currency::find("RUB")};
  TaxRate rate;
  VatMode vat_mode = VatMode::included;
};

// Looks up the rate of a tax code on a supply date; throws
// Error(validation) when no rate covers the date.
class TaxResolver {
 public:
  virtual ~TaxResolver() = default;
  virtual TaxRate resolve(const std::string& code, const Date& supply_date) const = 0;
};

// The days of `period` (1-based, index 0 unused) on which a subscription
// owes something before discounts: a tariff applies and the day's fee (the
// freeze fee while frozen) is not zero. An account-wide fixed discount goes
// with the oldest subscription billed each day.
std::vector<bool> billed_days(const Period& period, const std::vector<TariffSpan>& tariffs,
                              const std::vector<FreezeSpan>& freezes);

// The lines one subscription earns in `period`: the period is cut at every
// change (tariff, freeze, discount, start, end), each piece becomes a line,
// VAT is taken at the rate of the piece's last day (the supply date).
// A fixed discount is prorated by days of the month on a prorated tariff; on
// a tariff without proration it is shared over the subscription's days of
// service in the month, so a change between such tariffs takes it once.
std::vector<LineDraft> accrue_subscription(const Period& period,
                                           const std::vector<TariffSpan>& tariffs,
                                           const std::vector<FreezeSpan>& freezes,
                                           const std::vector<Discount>& discounts,
                                           const TaxResolver& taxes);

}  // namespace opora::billing

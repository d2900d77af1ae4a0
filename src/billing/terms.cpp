#include "billing/terms.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/error.hpp"

namespace opora::billing {

Period::Period(int year, int month) : year_(year), month_(month) {
  if (month < 1 || month > 12 || year < Date::min_year || year > Date::max_year)
    throw Error(ErrorCode::invalid,
                "not a billing period: " + std::to_string(year) + "-" + std::to_string(month));
}

Period Period::parse_field(const std::string& text, const std::string& field) {
  auto digits = [&](size_t from, size_t n) {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() == 7 && text[4] == '-') {
    const int y = digits(0, 4);
    const int m = digits(5, 2);
    if (y >= Date::min_year && y <= Date::max_year && m >= 1 && m <= 12) return Period(y, m);
  }
  fail_field(ErrorCode::invalid, field, "period",
             "expected a month as YYYY-MM, got \"" + text + "\"");
}

std::string Period::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year_, month_);
  return buf;
}

const char* to_string(FeePeriod v) noexcept {
  return v == FeePeriod::month ? "month" : "day";
}
const char* to_string(Timing v) noexcept {
  return v == Timing::advance ? "advance" : "arrears";
}
const char* to_string(Proration v) noexcept {
  return v == Proration::actual ? "actual" : "none";
}
const char* to_string(VatMode v) noexcept {
  return v == VatMode::included ? "included" : "on_top";
}

VatSplit split_vat(const Money& amount, const TaxRate& rate, VatMode mode) {
  if (!rate.percent || rate.percent->is_zero()) return {amount, Money::zero(amount.currency())};
  // rate = coefficient / 10^scale percent; keep it integral by scaling 100 too.
  int64_t hundred = 100;
  for (int i = 0; i < rate.percent->scale(); ++i) hundred *= 10;
  const int64_t r = rate.percent->coefficient();
  if (mode == VatMode::on_top) {
    const Money vat = amount.mul_div(r, hundred);
    return {amount + vat, vat};
  }
  return {amount, amount.mul_div(r, hundred + r)};
}

Date due_date(const Date& date, int64_t days) {
  const Date last(Date::max_year, 12, 31);
  if (date.days_until(last) <= days) return last;
  return date.add_days(days);
}

Money prorate(const Money& fee, int first, int last, int n) {
  if (first < 1 || last < first || last > n)
    throw Error(ErrorCode::internal, "prorate: bad day range");
  return fee.mul_div(last, n) - fee.mul_div(first - 1, n);
}

namespace {

// What applies on one day of the period; consecutive equal days form a line.
struct DayState {
  int tariff = -1;  // index into tariffs, -1: not subscribed
  int freeze = -1;  // index into freezes, -1: not frozen
  std::vector<int> discounts;
  bool operator==(const DayState& o) const {
    return tariff == o.tariff && freeze == o.freeze && discounts == o.discounts;
  }
};

// A span as day numbers of the period (1..n); empty (first > last) when
// outside it.
std::pair<int, int> days_of(const Period& period, const Span& s) {
  const int n = period.days();
  const Date start = period.first();
  const int64_t from = std::max<int64_t>(1, start.days_until(s.from) + 1);
  const int64_t to = s.to ? std::min<int64_t>(n, start.days_until(*s.to) + 1) : n;
  return {static_cast<int>(std::min<int64_t>(from, n + 1)),
          static_cast<int>(std::max<int64_t>(to, 0))};
}

bool in(const std::pair<int, int>& r, int d) {
  return r.first <= d && d <= r.second;
}

// The tariff span and freeze of every day (index 0 unused).
std::vector<DayState> tariff_and_freeze_days(const Period& period,
                                             const std::vector<TariffSpan>& tariffs,
                                             const std::vector<FreezeSpan>& freezes) {
  const int n = period.days();
  std::vector<std::pair<int, int>> tariff_days, freeze_days;
  for (const auto& t : tariffs) tariff_days.push_back(days_of(period, t.span));
  for (const auto& f : freezes) freeze_days.push_back(days_of(period, f.span));
  std::vector<DayState> days(static_cast<size_t>(n) + 1);
  for (int d = 1; d <= n; ++d) {
    DayState& s = days[static_cast<size_t>(d)];
    for (size_t i = 0; i < tariffs.size(); ++i)
      if (in(tariff_days[i], d)) s.tariff = static_cast<int>(i);
    if (s.tariff < 0) continue;
    for (size_t i = 0; i < freezes.size(); ++i)
      if (in(freeze_days[i], d)) s.freeze = static_cast<int>(i);
  }
  return days;
}

// The fee of a day in this state (the freeze fee while frozen); none when
// nothing is charged.
std::optional<Money> day_fee(const DayState& state, const std::vector<TariffSpan>& tariffs,
                             const std::vector<FreezeSpan>& freezes) {
  const Tariff& t = *tariffs[static_cast<size_t>(state.tariff)].tariff;
  if (state.freeze < 0) return t.fee;
  const auto& f = freezes[static_cast<size_t>(state.freeze)];
  return f.fee ? f.fee : t.freeze_fee;
}

}  // namespace

std::vector<bool> billed_days(const Period& period, const std::vector<TariffSpan>& tariffs,
                              const std::vector<FreezeSpan>& freezes) {
  const std::vector<DayState> days = tariff_and_freeze_days(period, tariffs, freezes);
  std::vector<bool> out(days.size(), false);
  for (size_t d = 1; d < days.size(); ++d) {
    if (days[d].tariff < 0) continue;
    const std::optional<Money> fee = day_fee(days[d], tariffs, freezes);
    out[d] = fee && !fee->is_zero();
  }
  return out;
}

std::vector<LineDraft> accrue_subscription(const Period& period,
                                           const std::vector<TariffSpan>& tariffs,
                                           const std::vector<FreezeSpan>& freezes,
                                           const std::vector<Discount>& discounts,
                                           const TaxResolver& taxes) {
  const int n = period.days();
  std::vector<DayState> days = tariff_and_freeze_days(period, tariffs, freezes);
  std::vector<std::pair<int, int>> discount_days;
  for (const auto& d : discounts) discount_days.push_back(days_of(period, d.span));
  // Day numbers for tariffs billed without proration. rank[d]: the day's
  // position among the days with the same tariff (code), whose count is that
  // tariff's period: spans of one tariff share a count, so a -> b -> a in a
  // month bills a once. service_rank[d]: the position among all the days of
  // service (any tariff), over which a fixed discount on such a tariff is
  // shared, so that it is taken once a month however often the tariff
  // changes.
  std::vector<size_t> same(tariffs.size());
  for (size_t i = 0; i < tariffs.size(); ++i) {
    same[i] = i;
    for (size_t j = 0; j < i; ++j)
      if (tariffs[j].tariff->code == tariffs[i].tariff->code) {
        same[i] = same[j];
        break;
      }
  }
  std::vector<int> active_of_tariff(tariffs.size(), 0);
  std::vector<int> rank(static_cast<size_t>(n) + 1, 0);
  std::vector<int> service_rank(static_cast<size_t>(n) + 1, 0);
  int service_days = 0;
  for (int d = 1; d <= n; ++d) {
    DayState& s = days[static_cast<size_t>(d)];
    if (s.tariff < 0) continue;
    rank[static_cast<size_t>(d)] = ++active_of_tariff[same[static_cast<size_t>(s.tariff)]];
    service_rank[static_cast<size_t>(d)] = ++service_days;
    for (size_t i = 0; i < discounts.size(); ++i)
      if (in(discount_days[i], d)) s.discounts.push_back(static_cast<int>(i));
  }

  std::vector<LineDraft> lines;
  for (int s = 1; s <= n;) {
    const DayState& state = days[static_cast<size_t>(s)];
    int e = s;
    while (e < n && days[static_cast<size_t>(e) + 1] == state) ++e;
    if (state.tariff >= 0) {
      const Tariff& t = *tariffs[static_cast<size_t>(state.tariff)].tariff;
      const bool frozen = state.freeze >= 0;
      const std::optional<Money> fee = day_fee(state, tariffs, freezes);
      // The day numbers the cumulative method runs over: days of the month,
      // or for an unprorated tariff its own active days (the fee) and the
      // days of service (a fixed discount).
      const bool whole = t.proration == Proration::none;
      const int first = whole ? rank[static_cast<size_t>(s)] : s;
      const int last = whole ? rank[static_cast<size_t>(e)] : e;
      const int of = whole ? active_of_tariff[same[static_cast<size_t>(state.tariff)]] : n;
      const int off_first = whole ? service_rank[static_cast<size_t>(s)] : s;
      const int off_last = whole ? service_rank[static_cast<size_t>(e)] : e;
      const int off_of = whole ? service_days : n;
      if (fee && !fee->is_zero()) {
        LineDraft line;
        line.kind = frozen ? "freeze" : "fee";
        line.name = t.name;
        line.tariff = &t;
        line.from = Date(period.year(), period.month(), s);
        line.to = Date(period.year(), period.month(), e);
        line.days = e - s + 1;
        line.period_days = n;
        if (t.fee_period == FeePeriod::day && !frozen)
          line.base = fee->multiply(Decimal(line.days));
        else
          line.base = prorate(*fee, first, last, of);
        Money off = Money::zero(fee->currency());
        for (int i : state.discounts) {
          const Discount& dsc = discounts[static_cast<size_t>(i)];
          if (dsc.percent) off += line.base.multiply(*dsc.percent * Decimal(1, 2));
          if (dsc.fixed) off += prorate(*dsc.fixed, off_first, off_last, off_of);
        }
        line.discount = off < line.base ? off : line.base;
        line.rate = taxes.resolve(t.tax_code, line.to);
        line.vat_mode = t.vat_mode;
        const VatSplit v = split_vat(line.base - line.discount, line.rate, t.vat_mode);
        line.amount = v.gross;
        line.vat = v.vat;
        lines.push_back(std::move(line));
      }
    }
    s = e + 1;
  }
  return lines;
}

}  // namespace opora::billing

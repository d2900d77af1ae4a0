#include "core/date.hpp"

#include <array>

#include "core/error.hpp"
#include "core/text.hpp"

namespace opora {
namespace {

using detail::read_digits;

// Civil date <-> day count via 400-year eras (146097 days each), so leap
// rules need no tables and no loops.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) noexcept {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

bool valid_triple(int64_t y, int64_t m, int64_t d) noexcept {
  return y >= Date::min_year && y <= Date::max_year && m >= 1 && m <= 12 && d >= 1 &&
         d <= Date::days_in_month(static_cast<int>(y), static_cast<int>(m));
}

constexpr std::array<const char*, 7> kWeekdayNames = {"mon", "tue", "wed", "thu",
                                                      "fri", "sat", "sun"};

}  // namespace

Date::Date(int year, int month, int day) : year_(year), month_(month), day_(day) {
  if (!valid_triple(year, month, day))
    throw Error(ErrorCode::invalid,
                "not a valid date in years 1900..2999: " + std::to_string(year) + "-" +
                    std::to_string(month) + "-" + std::to_string(day));
}

std::optional<Date> Date::parse(std::string_view s) noexcept {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (!read_digits(s, 0, 4, y) || !read_digits(s, 5, 2, m) || !read_digits(s, 8, 2, d))
    return std::nullopt;
  if (!valid_triple(y, m, d)) return std::nullopt;
  return Date(y, m, d, Unchecked{});
}

Date Date::parse_field(std::string_view text, const std::string& field) {
  if (auto d = parse(text)) return *d;
  fail_field(ErrorCode::invalid, field, "date",
             "expected an existing date \"YYYY-MM-DD\" in years 1900..2999, got \"" +
                 std::string(text) + "\"");
}

Date Date::from_days(int64_t days) {
  // Far outside 1900..2999 either way; bounding first keeps the arithmetic
  // below free of overflow for any input.
  constexpr int64_t limit = 2000LL * 366;
  if (days > limit || days < -limit)
    throw Error(ErrorCode::invalid,
                "date out of range 1900..2999 (" + std::to_string(days) + " days from 1970-01-01)");
  int64_t y = 0, m = 0, d = 0;
  civil_from_days(days, y, m, d);
  if (!valid_triple(y, m, d))
    throw Error(ErrorCode::invalid, "date out of range 1900..2999 (" + std::to_string(y) + ")");
  return Date(static_cast<int>(y), static_cast<int>(m), static_cast<int>(d), Unchecked{});
}

int64_t Date::days_since_epoch() const noexcept {
  return days_from_civil(year_, month_, day_);
}

Weekday Date::weekday() const noexcept {
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  const int64_t z = days_since_epoch();
  const int64_t idx = ((z % 7) + 7 + 3) % 7;
  return static_cast<Weekday>(idx);
}

std::string Date::to_string() const {
  char buf[11];
  buf[0] = static_cast<char>('0' + year_ / 1000);
  buf[1] = static_cast<char>('0' + year_ / 100 % 10);
  buf[2] = static_cast<char>('0' + year_ / 10 % 10);
  buf[3] = static_cast<char>('0' + year_ % 10);
  buf[4] = '-';
  buf[5] = static_cast<char>('0' + month_ / 10);
  buf[6] = static_cast<char>('0' + month_ % 10);
  buf[7] = '-';
  buf[8] = static_cast<char>('0' + day_ / 10);
  buf[9] = static_cast<char>('0' + day_ % 10);
  buf[10] = '\0';
  return std::string(buf, 10);
}

Date Date::add_days(int64_t days) const {
  // Bound the addend first so the sum cannot overflow; from_days checks the range.
  constexpr int64_t span = 366LL * (max_year - min_year + 1);
  if (days > span || days < -span)
    throw Error(ErrorCode::invalid,
                "date arithmetic out of range: " + std::to_string(days) + " days");
  return from_days(days_since_epoch() + days);
}

Date Date::add_months(int64_t months) const {
  constexpr int64_t span = 12LL * (max_year - min_year + 1);
  if (months > span || months < -span)
    throw Error(ErrorCode::invalid,
                "date arithmetic out of range: " + std::to_string(months) + " months");
  const int64_t index = static_cast<int64_t>(year_) * 12 + (month_ - 1) + months;
  const int64_t y = index >= 0 ? index / 12 : (index - 11) / 12;
  const int64_t m = index - y * 12 + 1;
  if (y < min_year || y > max_year)
    throw Error(ErrorCode::invalid, "date out of range 1900..2999 (" + std::to_string(y) + ")");
  const int dim = days_in_month(static_cast<int>(y), static_cast<int>(m));
  return Date(static_cast<int>(y), static_cast<int>(m), day_ < dim ? day_ : dim);
}

bool Date::is_leap_year(int year) noexcept {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int Date::days_in_month(int year, int month) noexcept {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[static_cast<size_t>(month - 1)];
}

const char* weekday_name(Weekday w) noexcept {
  return kWeekdayNames[static_cast<size_t>(w)];
}

std::optional<Weekday> parse_weekday(std::string_view name) noexcept {
  for (size_t i = 0; i < kWeekdayNames.size(); ++i)
    if (name == kWeekdayNames[i]) return static_cast<Weekday>(i);
  return std::nullopt;
}

}  // namespace opora

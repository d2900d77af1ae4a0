// A civil (proleptic Gregorian) date with no time zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opora {

enum class Weekday { monday = 0, tuesday, wednesday, thursday, friday, saturday, sunday };

class Date {
 public:
  static constexpr int min_year = 1900;
  static constexpr int max_year = 2999;

  // Throws Error(invalid) when the triple is not a real date or the year is
  // outside [min_year, max_year].
  Date(int year, int month, int day);

  // Parses "YYYY-MM-DD" strictly (no time part, no surrounding spaces).
  // Returns nullopt for anything else, including "2026-02-30".
  static std::optional<Date> parse(std::string_view text) noexcept;
  // Like parse(), but throws Error(invalid) naming `field`.
  static Date parse_field(std::string_view text, const std::string& field);
  // Days since 1970-01-01 (negative before) back to a date.
  static Date from_days(int64_t days);

  int year() const noexcept { return year_; }
  int month() const noexcept { return month_; }
  int day() const noexcept { return day_; }

  int64_t days_since_epoch() const noexcept;
  Weekday weekday() const noexcept;
  std::string to_string() const;  // "YYYY-MM-DD"

  Date add_days(int64_t days) const;
  // Adds calendar months, clamping to the last day of the target month
  // (2026-01-31 + 1 month = 2026-02-28).
  Date add_months(int64_t months) const;
  // Signed number of days from `this` to `other`.
  int64_t days_until(const Date& other) const noexcept {
    return other.days_since_epoch() - days_since_epoch();
  }

  static bool is_leap_year(int year) noexcept;
  static int days_in_month(int year, int month) noexcept;

  friend bool operator==(const Date& a, const Date& b) noexcept {
    return a.year_ == b.year_ && a.month_ == b.month_ && a.day_ == b.day_;
  }
  friend bool operator!=(const Date& a, const Date& b) noexcept { return !(a == b); }
  friend bool operator<(const Date& a, const Date& b) noexcept { return a.key() < b.key(); }
  friend bool operator>(const Date& a, const Date& b) noexcept { return b < a; }
  friend bool operator<=(const Date& a, const Date& b) noexcept { return !(b < a); }
  friend bool operator>=(const Date& a, const Date& b) noexcept { return !(a < b); }

 private:
  struct Unchecked {};
  Date(int year, int month, int day, Unchecked) noexcept : year_(year), month_(month), day_(day) {}
  int key() const noexcept { return year_ * 10000 + month_ * 100 + day_; }

  int year_;
  int month_;
  int day_;
};

const char* weekday_name(Weekday w) noexcept;  // "mon".."sun"
std::optional<Weekday> parse_weekday(std::string_view name) noexcept;

}  // namespace opora

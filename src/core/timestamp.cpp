#include "core/timestamp.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "core/text.hpp"

namespace opora {
namespace {

using detail::read_digits;

constexpr int64_t kDay = 86400;

bool in_range(int64_t secs) {
  static const int64_t lo = Date(Date::min_year, 1, 1).days_since_epoch() * kDay;
  static const int64_t hi = (Date(Date::max_year, 12, 31).days_since_epoch() + 1) * kDay;
  return secs >= lo && secs < hi;
}

}  // namespace

std::optional<int> parse_utc_offset(std::string_view s) noexcept {
  if (s == "Z") return 0;
  int h = 0, m = 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !read_digits(s, 1, 2, h) ||
      !read_digits(s, 4, 2, m) || h > 18 || m > 59 || (h == 18 && m != 0))
    return std::nullopt;
  const int total = h * 60 + m;
  return s[0] == '-' ? -total : total;
}

std::string format_utc_offset(int minutes) {
  const int a = minutes < 0 ? -minutes : minutes;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60 % 100, a % 60);
  return buf;
}

std::optional<Timestamp> Timestamp::parse(std::string_view s) noexcept {
  const auto date = Date::parse(s.substr(0, 10));
  if (!date) return std::nullopt;
  int64_t secs = date->days_since_epoch() * kDay;
  if (s.size() == 10) return Timestamp(secs);
  int hh = 0, mm = 0, ss = 0;
  if (s.size() < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || !read_digits(s, 11, 2, hh) ||
      !read_digits(s, 14, 2, mm) || !read_digits(s, 17, 2, ss) || hh > 23 || mm > 59 || ss > 59)
    return std::nullopt;
  const auto offset = parse_utc_offset(s.substr(19));
  if (!offset) return std::nullopt;
  secs += hh * 3600 + mm * 60 + ss - static_cast<int64_t>(*offset) * 60;
  // "1900-01-01T00:00:00+03:00" is 1899 in UTC: keep every instant's UTC
  // date inside the range Date covers, so formatting it can never fail.
  if (!in_range(secs)) return std::nullopt;
  return Timestamp(secs);
}

Timestamp Timestamp::parse_field(std::string_view text, const std::string& field) {
  if (auto t = parse(text)) return *t;
  fail_field(ErrorCode::invalid, field, "date-time",
             "expected \"YYYY-MM-DDTHH:MM:SSZ\", an offset like \"+03:00\" instead of Z, or "
             "\"YYYY-MM-DD\", within 1900..2999 in UTC, got \"" +
                 std::string(text) + "\"");
}

std::string Timestamp::to_string() const {
  int64_t days = seconds_ / kDay;
  int64_t rem = seconds_ % kDay;
  if (rem < 0) {
    rem += kDay;
    --days;
  }
  const Date d = Date::from_days(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", d.to_string().c_str(),
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                static_cast<int>(rem % 60));
  return buf;
}

Date Timestamp::date_at(int offset_minutes) const {
  const int64_t local = seconds_ + static_cast<int64_t>(offset_minutes) * 60;
  int64_t days = local / kDay;
  if (local % kDay < 0) --days;
  return Date::from_days(days);
}

}  // namespace opora

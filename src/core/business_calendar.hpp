// Production (working-days) calendars: which dates are working, how many hours
// they have, and "N working days after" arithmetic for SLAs and workflow timers.
//
// A calendar is a weekly pattern (weekend days, hours per day) plus, per year,
// the dates that deviate from it: public holidays, days off moved by decree,
// weekend days made working, shortened pre-holiday days. The data format is
// described in data/calendars/README.md; the same JSON is what hosts pass to
// calendar.load, so from_json() validates every field and reports all problems
// at once.
//
// Years without data are an error by default: a silent fallback to "Sat/Sun
// off" would move deadlines by the holidays it ignores, which is exactly the
// bug an SLA engine must not have. MissingYear::weekends opts into it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "core/date.hpp"
#include "core/error.hpp"

namespace opora {

enum class DayKind {
  working,      // an ordinary working day of the weekly pattern
  weekend,      // an ordinary weekend day of the weekly pattern
  holiday,      // a non-working public holiday
  day_off,      // a non-working day by transfer, law or decree
  working_day,  // a weekend day made working
  shortened,    // a working day with fewer hours (may be a working Saturday)
};

// "working", "weekend", "holiday", "day_off", "working_day", "shortened".
const char* day_kind_name(DayKind kind) noexcept;

// What to do with a date in a year the calendar has no data for.
enum class MissingYear {
  error,     // throw Error(not_found), rule "calendar_year"
  weekends,  // assume the weekly pattern only (no holidays)
};

// Which year data a lookup may use. Built implicitly from MissingYear.
// A provisional year (data compiled from the law before the yearly transfer
// decree exists) counts as missing unless allow_provisional is set; with the
// weekends fallback its data is used (its holidays beat the bare pattern).
struct YearPolicy {
  YearPolicy(MissingYear m = MissingYear::error, bool provisional = false)  // NOLINT: implicit
      : missing(m), allow_provisional(provisional) {}
  MissingYear missing;
  bool allow_provisional;
};

struct DayInfo {
  Date date;
  bool working;
  DayKind kind;
  int hours;         // 0 on non-working days
  std::string note;  // from the data; empty for pattern days
};

class BusinessCalendar {
 public:
  // A calendar shipped inside the library ("ru", "kz"). Throws
  // Error(not_found) for an unknown id.
  static BusinessCalendar builtin(std::string_view id);
  static std::vector<std::string> builtin_ids();

  // A full calendar document: the calendar.json object plus "years": [year
  // objects]. Throws Error(invalid) listing every field error, with paths such
  // as "weekend[1]" or "years[0].days[3].date".
  static BusinessCalendar from_json(const boost::json::value& doc);

  // Adds or replaces one year from a year object. Field paths in errors are
  // prefixed with `path_prefix` (e.g. "years[2]" or a file name). Nothing
  // changes if the object is invalid.
  void merge_year_json(const boost::json::value& year_doc, const std::string& path_prefix);

  // Takes every year of `other`, replacing ours where both have it. `other`
  // must describe the same calendar (id, weekend, hours per day), otherwise the
  // meaning of its days would silently change; Error(invalid) if not.
  void overlay(const BusinessCalendar& other);

  const std::string& id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }
  int hours_per_day() const noexcept { return hours_per_day_; }
  bool is_weekend(Weekday w) const noexcept { return weekend_[static_cast<size_t>(w)]; }
  std::vector<int> years() const;
  bool has_year(int year) const { return years_.count(year) != 0; }
  // Years whose data was compiled before the yearly transfer decree.
  std::vector<int> provisional_years() const;
  // The legal basis of a year's data; Error(not_found) if the year is absent.
  std::string source(int year) const;

  // `field` names the argument in a missing-year error.
  DayInfo day(Date d, YearPolicy policy = {}, const std::string& field = "date") const;
  bool is_working_day(Date d, YearPolicy policy = {}, const std::string& field = "date") const;

  // n > 0: the n-th working day strictly after d; n < 0: the |n|-th working
  // day strictly before d; n == 0: d itself, working or not, with no data
  // needed. |n| > 100000 is Error(invalid, field "days", rule "range"). A walk
  // into a year without data is Error(not_found) on field "date".
  Date add_working_days(Date d, int64_t n, YearPolicy policy = {}) const;

  // Working days in [from, to], both ends included. from > to is
  // Error(invalid, field "to", rule "range"). A missing year is reported on
  // "from" when it is from's own year, otherwise on "to".
  int64_t working_days_between(Date from, Date to, YearPolicy policy = {}) const;
  // Sum of working hours in [from, to], same rules.
  int64_t working_hours_between(Date from, Date to, YearPolicy policy = {}) const;

  // The full document; from_json(to_json()) gives an equal calendar.
  boost::json::value to_json() const;

 private:
  // One deviation from the weekly pattern. `kind` is never working/weekend.
  struct Override {
    Date date;
    DayKind kind;
    std::optional<int> hours;  // as written; nullopt means "the default"
    std::string note;
  };
  struct Year {
    int year = 0;
    std::string source;
    bool provisional = false;    // compiled before its decree; used only on request
    std::vector<Override> days;  // sorted by date
    // Index into `days` by day of year (0-based), -1 when the date follows the
    // weekly pattern: one array read per lookup in the hot loops.
    std::vector<int16_t> by_day;
    int64_t first_day = 0;  // days_since_epoch() of 1 January
  };
  // The year of the previous lookup in a walk over consecutive dates: the
  // walk then works on day numbers and touches the year map and the civil
  // date conversion once per year instead of once per day.
  struct Cursor {
    const Year* data = nullptr;
    int64_t first = 1;  // day numbers of 1 Jan and 31 Dec; empty until used
    int64_t last = 0;
    size_t first_weekday = 0;  // Weekday of 1 Jan as an index
  };

  BusinessCalendar() = default;

  // Validates a year object; on success fills `out`. Errors go to `errors`.
  // `hours_per_day` is 0 when the document's own value is invalid, which
  // skips the checks that depend on it.
  bool parse_year(const boost::json::value& v, const std::string& prefix, int hours_per_day,
                  Year& out, FieldErrors& errors) const;
  // Validates one entry of "days"; `year` and `hours_per_day` are 0 when
  // unknown. `seen` collects the dates so far to catch duplicates.
  static std::optional<Override> parse_day(const boost::json::object& d, const std::string& dp,
                                           int year, int hours_per_day, std::set<int64_t>& seen,
                                           FieldErrors& errors);
  const Year* find_year(int year) const;
  const Year* find_year(int year, const YearPolicy& policy) const;
  const Year& require_year(int year, const std::string& field) const;
  [[noreturn]] void fail_missing_year(int year, const std::string& field) const;
  DayInfo pattern_day(Date d) const;
  DayInfo resolve(const Year& y, Date d) const;
  int override_hours(const Override& o) const noexcept;
  // Working hours of the day numbered `day` (days since 1970-01-01), 0 when
  // it is not a working day.
  int hours_at(int64_t day, Cursor& cursor, const YearPolicy& policy,
               const std::string& field) const;
  int64_t sum_between(Date from, Date to, const YearPolicy& policy, bool hours) const;

  std::string id_;
  std::string name_;
  std::array<bool, 7> weekend_{};
  int hours_per_day_ = 8;
  std::map<int, Year> years_;
};

}  // namespace opora

#include "core/business_calendar.hpp"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include <boost/json.hpp>

#include "core/embedded_files.hpp"
#include "core/suggest.hpp"

namespace opora {
namespace {

namespace json = boost::json;

constexpr int64_t kMaxWorkingDays = 100000;
constexpr size_t kMaxIdLength = 64;

std::string join(const std::string& prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  std::string out = prefix;
  out += '.';
  out += key;
  return out;
}

std::string index_path(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

// Boost.JSON stores small non-negative numbers as int64 or uint64 depending on
// how they were produced; both are integers to a user. Doubles are not, even
// 8.0, because a calendar written by hand never needs them.
std::optional<int64_t> as_integer(const json::value& v) noexcept {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(v.get_uint64());
  return std::nullopt;
}

// Reports every key of `obj` that is not in `known`: a misspelt optional key
// ("hours_per_days") would otherwise be ignored and its default used silently.
void check_keys(const json::object& obj, std::initializer_list<std::string_view> known,
                const std::string& prefix, FieldErrors& errors) {
  for (const auto& kv : obj) {
    const std::string_view key(kv.key().data(), kv.key().size());
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    errors.add(join(prefix, key), "unknown_field",
               unknown_field_message(key, std::vector<std::string>(known.begin(), known.end())));
  }
}

std::optional<DayKind> parse_override_kind(std::string_view s) noexcept {
  if (s == "holiday") return DayKind::holiday;
  if (s == "day_off") return DayKind::day_off;
  if (s == "working_day") return DayKind::working_day;
  if (s == "shortened") return DayKind::shortened;
  return std::nullopt;
}

std::string list_years(const std::vector<int>& years) {
  if (years.empty()) return "no years";
  std::string out;
  for (int y : years) {
    if (!out.empty()) out += ", ";
    out += std::to_string(y);
  }
  return out;
}

}  // namespace

const char* day_kind_name(DayKind kind) noexcept {
  switch (kind) {
    case DayKind::working:
      return "working";
    case DayKind::weekend:
      return "weekend";
    case DayKind::holiday:
      return "holiday";
    case DayKind::day_off:
      return "day_off";
    case DayKind::working_day:
      return "working_day";
    case DayKind::shortened:
      return "shortened";
  }
  return "working";
}

// ---------------------------------------------------------------------------
// Parsing and validation

std::optional<BusinessCalendar::Override> BusinessCalendar::parse_day(const json::object& d,
                                                                      const std::string& dp,
                                                                      int year, int hours_per_day,
                                                                      std::set<int64_t>& seen,
                                                                      FieldErrors& errors) {
  check_keys(d, {"date", "kind", "hours", "note"}, dp, errors);
  bool ok = true;

  std::optional<Date> date;
  if (const json::value* dv = d.if_contains("date")) {
    if (!dv->is_string()) {
      errors.add(join(dp, "date"), "type", "expected a date string \"YYYY-MM-DD\"");
      ok = false;
    } else {
      const std::string_view text(dv->get_string().data(), dv->get_string().size());
      date = Date::parse(text);
      if (!date) {
        errors.add(join(dp, "date"), "date",
                   "expected an existing date \"YYYY-MM-DD\", got \"" + std::string(text) + "\"");
        ok = false;
      } else if (year != 0 && date->year() != year) {
        errors.add(join(dp, "date"), "year_mismatch",
                   date->to_string() + " is not in year " + std::to_string(year));
        ok = false;
      } else if (!seen.insert(date->days_since_epoch()).second) {
        errors.add(join(dp, "date"), "duplicate", date->to_string() + " is listed more than once");
        ok = false;
      }
    }
  } else {
    errors.add(join(dp, "date"), "required", "the date is required");
    ok = false;
  }

  std::optional<DayKind> kind;
  if (const json::value* kv = d.if_contains("kind")) {
    if (!kv->is_string()) {
      errors.add(join(dp, "kind"), "type", "expected a string");
      ok = false;
    } else {
      kind = parse_override_kind(std::string_view(kv->get_string()));
      if (!kind) {
        errors.add(join(dp, "kind"), "enum",
                   "expected one of holiday, day_off, working_day, shortened; got \"" +
                       std::string(kv->get_string()) + "\"");
        ok = false;
      }
    }
  } else {
    errors.add(join(dp, "kind"), "required", "the kind of day is required");
    ok = false;
  }

  std::optional<int> hours;
  if (const json::value* hv = d.if_contains("hours")) {
    const auto n = as_integer(*hv);
    if (!n) {
      errors.add(join(dp, "hours"), "type", "expected an integer number of hours");
      ok = false;
    } else if (kind && *kind != DayKind::working_day && *kind != DayKind::shortened) {
      errors.add(join(dp, "hours"), "range", "hours apply only to working_day and shortened days");
      ok = false;
    } else if (kind && *kind == DayKind::shortened && hours_per_day != 0 &&
               (*n < 1 || *n >= hours_per_day)) {
      errors.add(join(dp, "hours"), "range",
                 "a shortened day has 1.." + std::to_string(hours_per_day - 1) +
                     " hours (hours_per_day is " + std::to_string(hours_per_day) + ")");
      ok = false;
    } else if (*n < 1 || *n > 24) {
      errors.add(join(dp, "hours"), "range", "hours must be within 1..24");
      ok = false;
    } else {
      hours = static_cast<int>(*n);
    }
  } else if (kind && *kind == DayKind::shortened && hours_per_day == 1) {
    errors.add(join(dp, "hours"), "required",
               "with hours_per_day 1 a shortened day needs explicit hours");
    ok = false;
  }

  std::string note;
  if (const json::value* nv = d.if_contains("note")) {
    if (!nv->is_string()) {
      errors.add(join(dp, "note"), "type", "expected a string");
      ok = false;
    } else {
      note = std::string(nv->get_string());
    }
  }

  if (!ok || !date || !kind) return std::nullopt;
  return Override{*date, *kind, hours, std::move(note)};
}

bool BusinessCalendar::parse_year(const json::value& v, const std::string& prefix,
                                  int hours_per_day, Year& out, FieldErrors& errors) const {
  if (!v.is_object()) {
    errors.add(prefix, "type", "expected a year object");
    return false;
  }
  const json::object& obj = v.get_object();
  const size_t errors_before = errors.list().size();
  check_keys(obj, {"calendar", "year", "source", "provisional", "days"}, prefix, errors);

  if (const json::value* c = obj.if_contains("calendar")) {
    if (!c->is_string())
      errors.add(join(prefix, "calendar"), "type", "expected a string (the calendar id)");
    else if (!id_.empty() && std::string_view(c->get_string()) != id_)
      errors.add(
          join(prefix, "calendar"), "calendar_mismatch",
          "year belongs to calendar \"" + std::string(c->get_string()) + "\", not \"" + id_ + "\"");
  }

  int year = 0;  // 0 = unknown, which skips the checks that need it
  if (const json::value* y = obj.if_contains("year")) {
    const auto n = as_integer(*y);
    if (!n)
      errors.add(join(prefix, "year"), "type", "expected an integer year");
    else if (*n < Date::min_year || *n > Date::max_year)
      errors.add(join(prefix, "year"), "range",
                 "year must be within " + std::to_string(Date::min_year) + ".." +
                     std::to_string(Date::max_year));
    else
      year = static_cast<int>(*n);
  } else {
    errors.add(join(prefix, "year"), "required", "the year number is required");
  }

  std::string source;
  if (const json::value* s = obj.if_contains("source")) {
    if (!s->is_string())
      errors.add(join(prefix, "source"), "type", "expected a string (the legal basis)");
    else
      source = std::string(s->get_string());
  }

  bool provisional = false;
  if (const json::value* pv = obj.if_contains("provisional")) {
    if (!pv->is_bool())
      errors.add(join(prefix, "provisional"), "type", "expected a boolean");
    else
      provisional = pv->get_bool();
  }

  std::vector<Override> days;
  const json::value* days_value = obj.if_contains("days");
  if (!days_value) {
    errors.add(join(prefix, "days"), "required",
               "the list of days that deviate from the weekly pattern is required (may be empty)");
  } else if (!days_value->is_array()) {
    errors.add(join(prefix, "days"), "type", "expected an array of day objects");
  } else {
    const json::array& arr = days_value->get_array();
    std::set<int64_t> seen;
    for (size_t i = 0; i < arr.size(); ++i) {
      const std::string dp = index_path(join(prefix, "days"), i);
      if (!arr[i].is_object()) {
        errors.add(dp, "type", "expected a day object");
        continue;
      }
      if (auto day = parse_day(arr[i].get_object(), dp, year, hours_per_day, seen, errors))
        days.push_back(std::move(*day));
    }
  }

  if (errors.list().size() != errors_before) return false;

  std::sort(days.begin(), days.end(),
            [](const Override& a, const Override& b) { return a.date < b.date; });
  out.year = year;
  out.provisional = provisional;
  out.source = std::move(source);
  out.first_day = Date(year, 1, 1).days_since_epoch();
  out.by_day.assign(Date::is_leap_year(year) ? 366 : 365, -1);
  for (size_t i = 0; i < days.size(); ++i) {
    const auto doy = static_cast<size_t>(days[i].date.days_since_epoch() - out.first_day);
    out.by_day[doy] = static_cast<int16_t>(i);
  }
  out.days = std::move(days);
  return true;
}

BusinessCalendar BusinessCalendar::from_json(const json::value& doc) {
  FieldErrors errors;
  if (!doc.is_object()) {
    errors.add("", "type", "expected a calendar object");
    errors.throw_if_any(ErrorCode::invalid);
  }
  const json::object& obj = doc.get_object();
  check_keys(obj, {"id", "name", "weekend", "hours_per_day", "years"}, "", errors);

  BusinessCalendar cal;
  if (const json::value* v = obj.if_contains("id")) {
    if (!v->is_string())
      errors.add("id", "type", "expected a string");
    else if (v->get_string().empty())
      errors.add("id", "required", "the calendar id must not be empty");
    else if (v->get_string().size() > kMaxIdLength)
      errors.add("id", "range", "the calendar id is longer than 64 characters");
    else
      cal.id_ = std::string(v->get_string());
  } else {
    errors.add("id", "required", "the calendar id is required");
  }

  if (const json::value* v = obj.if_contains("name")) {
    if (!v->is_string())
      errors.add("name", "type", "expected a string");
    else
      cal.name_ = std::string(v->get_string());
  }
  if (cal.name_.empty()) cal.name_ = cal.id_;

  // Saturday and Sunday unless told otherwise: the five-day week is the norm
  // in both countries shipped here.
  cal.weekend_[static_cast<size_t>(Weekday::saturday)] = true;
  cal.weekend_[static_cast<size_t>(Weekday::sunday)] = true;
  if (const json::value* v = obj.if_contains("weekend")) {
    if (!v->is_array()) {
      errors.add("weekend", "type", "expected an array of weekday names (\"sat\", \"sun\")");
    } else {
      std::array<bool, 7> wk{};
      const json::array& arr = v->get_array();
      bool ok = true;
      for (size_t i = 0; i < arr.size(); ++i) {
        const std::string p = index_path("weekend", i);
        if (!arr[i].is_string()) {
          errors.add(p, "type", "expected a weekday name");
          ok = false;
          continue;
        }
        const auto w = parse_weekday(std::string_view(arr[i].get_string()));
        if (!w) {
          errors.add(p, "enum", "expected one of mon, tue, wed, thu, fri, sat, sun");
          ok = false;
        } else if (wk[static_cast<size_t>(*w)]) {
          errors.add(p, "duplicate", std::string(weekday_name(*w)) + " is listed twice");
          ok = false;
        } else {
          wk[static_cast<size_t>(*w)] = true;
        }
      }
      // A week with no working day would make add_working_days search forever
      // in years that follow the weekly pattern.
      if (ok && std::all_of(wk.begin(), wk.end(), [](bool b) { return b; })) {
        errors.add("weekend", "range", "at least one day of the week must be working");
        ok = false;
      }
      if (ok) cal.weekend_ = wk;
    }
  }

  int hpd_for_years = cal.hours_per_day_;
  if (const json::value* v = obj.if_contains("hours_per_day")) {
    const auto n = as_integer(*v);
    if (!n) {
      errors.add("hours_per_day", "type", "expected an integer");
      hpd_for_years = 0;
    } else if (*n < 1 || *n > 24) {
      errors.add("hours_per_day", "range", "hours_per_day must be within 1..24");
      hpd_for_years = 0;
    } else {
      cal.hours_per_day_ = static_cast<int>(*n);
      hpd_for_years = cal.hours_per_day_;
    }
  }

  if (const json::value* v = obj.if_contains("years")) {
    if (!v->is_array()) {
      errors.add("years", "type", "expected an array of year objects");
    } else {
      const json::array& arr = v->get_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        const std::string p = index_path("years", i);
        Year y;
        if (!cal.parse_year(arr[i], p, hpd_for_years, y, errors)) continue;
        if (cal.years_.count(y.year) != 0) {
          errors.add(join(p, "year"), "duplicate",
                     "year " + std::to_string(y.year) + " is listed more than once");
          continue;
        }
        cal.years_.emplace(y.year, std::move(y));
      }
    }
  }

  errors.throw_if_any(ErrorCode::invalid);
  return cal;
}

void BusinessCalendar::merge_year_json(const json::value& year_doc,
                                       const std::string& path_prefix) {
  FieldErrors errors;
  Year y;
  parse_year(year_doc, path_prefix, hours_per_day_, y, errors);
  errors.throw_if_any(ErrorCode::invalid);
  years_[y.year] = std::move(y);
}

void BusinessCalendar::overlay(const BusinessCalendar& other) {
  FieldErrors errors;
  if (other.id_ != id_)
    errors.add("id", "calendar_mismatch",
               "cannot overlay calendar \"" + other.id_ + "\" on \"" + id_ + "\"");
  if (other.weekend_ != weekend_)
    errors.add("weekend", "calendar_mismatch",
               "the overlay's weekend differs from calendar \"" + id_ + "\"");
  // Shortened days without explicit hours mean hours_per_day - 1; taking them
  // into a calendar with another day length would change their hours.
  if (other.hours_per_day_ != hours_per_day_)
    errors.add("hours_per_day", "calendar_mismatch",
               "the overlay's hours_per_day is " + std::to_string(other.hours_per_day_) +
                   ", calendar \"" + id_ + "\" has " + std::to_string(hours_per_day_));
  errors.throw_if_any(ErrorCode::invalid);
  for (const auto& kv : other.years_) years_[kv.first] = kv.second;
}

// ---------------------------------------------------------------------------
// Built-in calendars

namespace {

json::value parse_embedded(const detail::EmbeddedFile& f) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(f.data, f.size), ec);
  if (ec)
    throw Error(ErrorCode::internal, std::string("embedded calendar data/calendars/") + f.name +
                                         " is not valid JSON: " + ec.message());
  return v;
}

}  // namespace

BusinessCalendar BusinessCalendar::builtin(std::string_view id) {
  // Parsed once per process: the data is constant and callers copy the result.
  static const std::map<std::string, BusinessCalendar, std::less<>> cache = [] {
    std::map<std::string, BusinessCalendar, std::less<>> out;
    for (const std::string& cid : builtin_ids()) {
      const std::string header_name = cid + "/calendar.json";
      BusinessCalendar cal;
      bool have_header = false;
      for (const detail::EmbeddedFile* f = detail::kEmbeddedCalendars; f->name; ++f) {
        if (header_name == f->name) {
          try {
            cal = from_json(parse_embedded(*f));
          } catch (const Error& e) {
            throw Error(ErrorCode::internal, "embedded calendar data/calendars/" + header_name +
                                                 " is invalid: " + e.what());
          }
          have_header = true;
        }
      }
      if (!have_header || cal.id_ != cid)
        throw Error(ErrorCode::internal, "embedded calendar " + header_name + " is inconsistent");
      for (const detail::EmbeddedFile* f = detail::kEmbeddedCalendars; f->name; ++f) {
        const std::string name = f->name;
        if (name.rfind(cid + "/", 0) != 0 || name == header_name) continue;
        const json::value v = parse_embedded(*f);
        try {
          cal.merge_year_json(v, name);
        } catch (const Error& e) {
          throw Error(ErrorCode::internal,
                      "embedded calendar data/calendars/" + name + " is invalid: " + e.what());
        }
        // A shipped year file must name its calendar and sit under its year,
        // so that a copy-paste mistake between files is caught at first use.
        const json::object& o = v.get_object();
        const std::string expected =
            cid + "/" + std::to_string(o.at("year").to_number<int>()) + ".json";
        if (!o.contains("calendar") || name != expected)
          throw Error(ErrorCode::internal, "embedded calendar data/calendars/" + name +
                                               " must be named " + expected +
                                               " and name its calendar");
      }
      out.emplace(cid, std::move(cal));
    }
    return out;
  }();

  const auto it = cache.find(id);
  if (it == cache.end()) {
    std::string known;
    for (const auto& kv : cache) known += (known.empty() ? "" : ", ") + kv.first;
    fail_field(ErrorCode::not_found, "id", "not_found",
               "no built-in calendar \"" + std::string(id) + "\"; built-in calendars: " + known);
  }
  return it->second;
}

std::vector<std::string> BusinessCalendar::builtin_ids() {
  static const std::string kHeader = "/calendar.json";
  std::vector<std::string> ids;
  for (const detail::EmbeddedFile* f = detail::kEmbeddedCalendars; f->name; ++f) {
    const std::string name = f->name;
    if (name.size() > kHeader.size() &&
        name.compare(name.size() - kHeader.size(), kHeader.size(), kHeader) == 0)
      ids.push_back(name.substr(0, name.size() - kHeader.size()));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// ---------------------------------------------------------------------------
// Queries

std::vector<int> BusinessCalendar::years() const {
  std::vector<int> out;
  out.reserve(years_.size());
  for (const auto& kv : years_) out.push_back(kv.first);
  return out;
}

std::vector<int> BusinessCalendar::provisional_years() const {
  std::vector<int> out;
  for (const auto& kv : years_)
    if (kv.second.provisional) out.push_back(kv.first);
  return out;
}

std::string BusinessCalendar::source(int year) const {
  return require_year(year, "year").source;
}

const BusinessCalendar::Year* BusinessCalendar::find_year(int year) const {
  const auto it = years_.find(year);
  return it == years_.end() ? nullptr : &it->second;
}

const BusinessCalendar::Year* BusinessCalendar::find_year(int year, const YearPolicy& p) const {
  const Year* y = find_year(year);
  // A provisional year is refused unless allowed, but where the caller asked
  // for a fallback it is the better guess: its holidays beat bare weekends.
  const bool refused =
      y != nullptr && y->provisional && !p.allow_provisional && p.missing == MissingYear::error;
  return refused ? nullptr : y;
}

const BusinessCalendar::Year& BusinessCalendar::require_year(int year,
                                                             const std::string& field) const {
  if (const Year* y = find_year(year)) return *y;
  fail_missing_year(year, field);
}

void BusinessCalendar::fail_missing_year(int year, const std::string& field) const {
  if (const Year* y = find_year(year); y != nullptr && y->provisional)
    fail_field(ErrorCode::not_found, field, "calendar_year_provisional",
               "calendar \"" + id_ + "\" has only provisional data for " + std::to_string(year) +
                   " (compiled from the law before the yearly transfer decree); pass " +
                   "allow_provisional true to use it, or load the year from the decree with " +
                   "calendar.load");
  // Names the way out as the host API spells it (calendar.load, "fallback"),
  // since this text reaches integrators through the C boundary unchanged.
  fail_field(ErrorCode::not_found, field, "calendar_year",
             "calendar \"" + id_ + "\" has no data for " + std::to_string(year) + " (it has " +
                 list_years(years()) + "); load the year with calendar.load, or pass " +
                 "fallback \"weekends\" to assume the weekly pattern without holidays");
}

int BusinessCalendar::override_hours(const Override& o) const noexcept {
  switch (o.kind) {
    case DayKind::working_day:
      return o.hours.value_or(hours_per_day_);
    case DayKind::shortened:
      return o.hours.value_or(hours_per_day_ - 1);
    default:
      return 0;
  }
}

DayInfo BusinessCalendar::pattern_day(Date d) const {
  const bool off = is_weekend(d.weekday());
  return {d, !off, off ? DayKind::weekend : DayKind::working, off ? 0 : hours_per_day_, {}};
}

DayInfo BusinessCalendar::resolve(const Year& y, Date d) const {
  const auto doy = static_cast<size_t>(d.days_since_epoch() - y.first_day);
  const int16_t idx = y.by_day[doy];
  if (idx < 0) return pattern_day(d);
  const Override& o = y.days[static_cast<size_t>(idx)];
  const int hours = override_hours(o);
  return {d, hours > 0, o.kind, hours, o.note};
}

DayInfo BusinessCalendar::day(Date d, YearPolicy policy, const std::string& field) const {
  if (const Year* y = find_year(d.year(), policy)) return resolve(*y, d);
  if (policy.missing == MissingYear::error) fail_missing_year(d.year(), field);
  return pattern_day(d);
}

bool BusinessCalendar::is_working_day(Date d, YearPolicy policy, const std::string& field) const {
  Cursor c;
  return hours_at(d.days_since_epoch(), c, policy, field) > 0;
}

int BusinessCalendar::hours_at(int64_t day, Cursor& cursor, const YearPolicy& policy,
                               const std::string& field) const {
  if (day < cursor.first || day > cursor.last) {
    const int year = Date::from_days(day).year();
    const Date jan1(year, 1, 1);
    cursor.data = find_year(year, policy);
    if (!cursor.data && policy.missing == MissingYear::error) fail_missing_year(year, field);
    cursor.first = jan1.days_since_epoch();
    cursor.last = Date(year, 12, 31).days_since_epoch();
    cursor.first_weekday = static_cast<size_t>(jan1.weekday());
  }
  const auto doy = static_cast<size_t>(day - cursor.first);
  if (cursor.data) {
    const int16_t idx = cursor.data->by_day[doy];
    if (idx >= 0) return override_hours(cursor.data->days[static_cast<size_t>(idx)]);
  }
  return weekend_[(cursor.first_weekday + doy) % 7] ? 0 : hours_per_day_;
}

Date BusinessCalendar::add_working_days(Date d, int64_t n, YearPolicy policy) const {
  if (n > kMaxWorkingDays || n < -kMaxWorkingDays)
    fail_field(ErrorCode::invalid, "days", "range",
               "working days must be within -100000..100000, got " + std::to_string(n));
  static const std::string kField = "date";
  const int64_t step = n > 0 ? 1 : -1;
  int64_t left = n > 0 ? n : -n;
  int64_t day = d.days_since_epoch();
  Cursor c;
  while (left > 0) {
    day += step;
    if (hours_at(day, c, policy, kField) > 0) --left;
  }
  return Date::from_days(day);
}

int64_t BusinessCalendar::sum_between(Date from, Date to, const YearPolicy& policy,
                                      bool hours) const {
  if (from > to)
    fail_field(
        ErrorCode::invalid, "to", "range",
        "the range ends (" + to.to_string() + ") before it starts (" + from.to_string() + ")");
  // Checked up front so that the error names the argument whose year is
  // missing: from's own year on "from", any later one on "to".
  if (policy.missing == MissingYear::error)
    for (int y = from.year(); y <= to.year(); ++y)
      if (!find_year(y, policy)) fail_missing_year(y, y == from.year() ? "from" : "to");
  static const std::string kUnused;
  int64_t total = 0;
  Cursor c;
  const int64_t last = to.days_since_epoch();
  for (int64_t day = from.days_since_epoch(); day <= last; ++day) {
    const int h = hours_at(day, c, policy, kUnused);
    if (h > 0) total += hours ? h : 1;
  }
  return total;
}

int64_t BusinessCalendar::working_days_between(Date from, Date to, YearPolicy policy) const {
  return sum_between(from, to, policy, false);
}

int64_t BusinessCalendar::working_hours_between(Date from, Date to, YearPolicy policy) const {
  return sum_between(from, to, policy, true);
}

// ---------------------------------------------------------------------------
// Serialisation

json::value BusinessCalendar::to_json() const {
  json::object doc;
  doc["id"] = id_;
  doc["name"] = name_;
  json::array weekend;
  for (size_t i = 0; i < weekend_.size(); ++i)
    if (weekend_[i]) weekend.emplace_back(weekday_name(static_cast<Weekday>(i)));
  doc["weekend"] = std::move(weekend);
  doc["hours_per_day"] = hours_per_day_;
  json::array years;
  for (const auto& kv : years_) {
    const Year& y = kv.second;
    json::object yo;
    yo["calendar"] = id_;
    yo["year"] = y.year;
    yo["source"] = y.source;
    if (y.provisional) yo["provisional"] = true;
    json::array days;
    for (const Override& o : y.days) {
      json::object d;
      d["date"] = o.date.to_string();
      d["kind"] = day_kind_name(o.kind);
      if (o.hours) d["hours"] = *o.hours;
      if (!o.note.empty()) d["note"] = o.note;
      days.emplace_back(std::move(d));
    }
    yo["days"] = std::move(days);
    years.emplace_back(std::move(yo));
  }
  doc["years"] = std::move(years);
  return doc;
}

}  // namespace opora

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/date.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using opora::Date;
using opora::ErrorCode;
using opora::Weekday;

using opora::test::code_of;
using opora::test::error_of;
using opora::test::field_error_of;

namespace {

Date date(const char* text) {
  auto d = Date::parse(text);
  REQUIRE_MESSAGE(d.has_value(), std::string(text));
  return *d;
}

}  // namespace

TEST_CASE("Date parse accepts real dates in years 1900 to 2999") {
  CHECK(date("2024-02-29") == Date(2024, 2, 29));
  CHECK(date("2000-02-29") == Date(2000, 2, 29));
  CHECK(date("1900-01-01").year() == 1900);
  CHECK(date("2999-12-31").day() == 31);
  const Date d = date("2026-11-23");
  CHECK(d.year() == 2026);
  CHECK(d.month() == 11);
  CHECK(d.day() == 23);
}

TEST_CASE("Date parse is strict about shape and existence") {
  for (const char* bad :
       {"2026-02-29",       "1900-02-29", "2026-1-01",  "2026-01-1",  "1899-12-31",  "3000-01-01",
        "2026-13-01",       "2026-00-10", "2026-04-31", "2026-01-00", " 2026-01-01", "2026-01-01 ",
        "2026-01-01T00:00", "2026/01/01", "20260101",   "+026-01-01", "2026-+1-01",  "",
        "0000-01-01",       "2026-01-32"})
    CHECK_MESSAGE(!Date::parse(bad).has_value(), std::string(bad));
}

TEST_CASE("Date parse_field throws invalid naming the field and rule date") {
  CHECK(Date::parse_field("2026-01-15", "due") == Date(2026, 1, 15));
  try {
    Date::parse_field("2026-02-29", "invoice.due");
    FAIL("expected opora::Error");
  } catch (const opora::Error& e) {
    CHECK(e.code() == ErrorCode::invalid);
    REQUIRE(e.field_errors().size() == 1);
    CHECK(e.field_errors()[0].field == "invoice.due");
    CHECK(e.field_errors()[0].rule == "date");
    CHECK(e.field_errors()[0].message.find("2026-02-29") != std::string::npos);
  }
}

TEST_CASE("Date constructor throws invalid for impossible dates and out-of-range years") {
  CHECK(code_of([] { Date(2026, 2, 29); }) == ErrorCode::invalid);
  CHECK(code_of([] { Date(1899, 12, 31); }) == ErrorCode::invalid);
  CHECK(code_of([] { Date(3000, 1, 1); }) == ErrorCode::invalid);
  CHECK(code_of([] { Date(2026, 0, 1); }) == ErrorCode::invalid);
  CHECK(code_of([] { Date(2026, 13, 1); }) == ErrorCode::invalid);
  CHECK(code_of([] { Date(2026, 6, 31); }) == ErrorCode::invalid);
  CHECK(code_of([] { Date(2026, 6, 0); }) == ErrorCode::invalid);
  CHECK(code_of([] { Date(2024, 2, 29); }) == ErrorCode::ok);
}

TEST_CASE("Date to_string pads to YYYY-MM-DD and round trips") {
  CHECK(Date(1900, 1, 5).to_string() == "1900-01-05");
  CHECK(Date(2026, 11, 23).to_string() == "2026-11-23");
  CHECK(Date(2999, 12, 31).to_string() == "2999-12-31");
  for (const char* text : {"2024-02-29", "1970-01-01", "2000-10-09"})
    CHECK(date(text).to_string() == text);
}

TEST_CASE("Date weekday matches known calendar days") {
  CHECK(date("2026-11-23").weekday() == Weekday::monday);
  CHECK(date("2024-01-01").weekday() == Weekday::monday);
  CHECK(date("2000-02-29").weekday() == Weekday::tuesday);
  CHECK(date("1970-01-01").weekday() == Weekday::thursday);
  CHECK(date("1900-01-01").weekday() == Weekday::monday);
  CHECK(date("1969-12-31").weekday() == Weekday::wednesday);
  CHECK(date("2026-03-08").weekday() == Weekday::sunday);
  CHECK(date("2999-12-31").weekday() == Weekday::tuesday);
}

TEST_CASE("Weekday names round trip and unknown names are rejected") {
  for (int i = 0; i < 7; ++i) {
    const auto w = static_cast<Weekday>(i);
    CHECK(opora::parse_weekday(opora::weekday_name(w)) == w);
  }
  CHECK(std::string(opora::weekday_name(Weekday::monday)) == "mon");
  CHECK(std::string(opora::weekday_name(Weekday::sunday)) == "sun");
  CHECK(!opora::parse_weekday("Mon").has_value());
  CHECK(!opora::parse_weekday("monday").has_value());
}

TEST_CASE("Date days_since_epoch and from_days are inverse around 1970") {
  CHECK(date("1970-01-01").days_since_epoch() == 0);
  CHECK(date("1969-12-31").days_since_epoch() == -1);
  CHECK(date("2000-01-01").days_since_epoch() == 10957);
  CHECK(Date::from_days(0) == date("1970-01-01"));
  CHECK(Date::from_days(-1) == date("1969-12-31"));
  CHECK(Date::from_days(date("1900-01-01").days_since_epoch()) == date("1900-01-01"));
  CHECK(code_of([] { Date::from_days(date("1900-01-01").days_since_epoch() - 1); }) ==
        ErrorCode::invalid);
  CHECK(code_of([] { Date::from_days(date("2999-12-31").days_since_epoch() + 1); }) ==
        ErrorCode::invalid);
}

TEST_CASE("Date add_days crosses month, leap-day and year boundaries") {
  CHECK(date("2025-12-31").add_days(1) == date("2026-01-01"));
  CHECK(date("2026-01-01").add_days(-1) == date("2025-12-31"));
  CHECK(date("2024-02-28").add_days(1) == date("2024-02-29"));
  CHECK(date("2024-03-01").add_days(-1) == date("2024-02-29"));
  CHECK(date("2026-02-28").add_days(1) == date("2026-03-01"));
  CHECK(date("2024-01-01").add_days(366) == date("2025-01-01"));
  CHECK(date("2026-01-01").add_days(365) == date("2027-01-01"));
  CHECK(date("2026-06-15").add_days(-1000) == date("2023-09-19"));
  CHECK(date("2026-06-15").add_days(0) == date("2026-06-15"));
}

TEST_CASE("Date add_months clamps to the last day of the target month") {
  CHECK(date("2026-01-31").add_months(1) == date("2026-02-28"));
  CHECK(date("2024-01-31").add_months(1) == date("2024-02-29"));
  CHECK(date("2026-03-31").add_months(-1) == date("2026-02-28"));
  CHECK(date("2026-05-31").add_months(1) == date("2026-06-30"));
  CHECK(date("2026-01-31").add_months(12) == date("2027-01-31"));
  CHECK(date("2026-03-31").add_months(-13) == date("2025-02-28"));
  CHECK(date("2024-02-29").add_months(12) == date("2025-02-28"));
  CHECK(date("2024-02-29").add_months(48) == date("2028-02-29"));
  CHECK(date("2026-12-15").add_months(1) == date("2027-01-15"));
  CHECK(date("2026-01-15").add_months(-1) == date("2025-12-15"));
  CHECK(date("2026-01-15").add_months(-25) == date("2023-12-15"));
  CHECK(date("2026-01-15").add_months(0) == date("2026-01-15"));
}

TEST_CASE("Date days_in_month knows every month and leap Februaries") {
  const int expected[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) CHECK(Date::days_in_month(2026, m) == expected[m - 1]);
  CHECK(Date::days_in_month(2024, 2) == 29);
  CHECK(Date::days_in_month(1900, 2) == 28);
  CHECK(Date::days_in_month(2000, 2) == 29);
  CHECK(Date::days_in_month(2026, 0) == 0);
  CHECK(Date::days_in_month(2026, 13) == 0);
}

TEST_CASE("Leap years follow the Gregorian century rule") {
  CHECK(!Date::is_leap_year(1900));
  CHECK(Date::is_leap_year(2000));
  CHECK(Date::is_leap_year(2024));
  CHECK(!Date::is_leap_year(2026));
  CHECK(!Date::is_leap_year(2100));
  CHECK(Date::is_leap_year(2400));
}

TEST_CASE("Date days_until is signed") {
  CHECK(date("2026-01-01").days_until(date("2027-01-01")) == 365);
  CHECK(date("2024-01-01").days_until(date("2025-01-01")) == 366);
  CHECK(date("2027-01-01").days_until(date("2026-01-01")) == -365);
  CHECK(date("2026-05-05").days_until(date("2026-05-05")) == 0);
  CHECK(date("1900-01-01").days_until(date("2999-12-31")) == 401766);
}

TEST_CASE("Date arithmetic out of range throws invalid") {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  CHECK(code_of([] { (void)date("2999-12-31").add_days(1); }) == ErrorCode::invalid);
  CHECK(code_of([] { (void)date("1900-01-01").add_days(-1); }) == ErrorCode::invalid);
  CHECK(code_of([] { (void)date("2999-12-15").add_months(1); }) == ErrorCode::invalid);
  CHECK(code_of([] { (void)date("1900-01-15").add_months(-1); }) == ErrorCode::invalid);
  CHECK(code_of([&] { (void)date("2026-01-01").add_days(kMax); }) == ErrorCode::invalid);
  CHECK(code_of([&] { (void)date("2026-01-01").add_days(kMin); }) == ErrorCode::invalid);
  CHECK(code_of([&] { (void)date("2026-01-01").add_months(kMax); }) == ErrorCode::invalid);
  CHECK(code_of([&] { (void)date("2026-01-01").add_months(kMin); }) == ErrorCode::invalid);
  CHECK(date("1900-01-01").add_days(401766) == date("2999-12-31"));
  CHECK(date("2999-12-31").add_months(-13199) == date("1900-01-31"));
}

TEST_CASE("Date comparisons follow the calendar") {
  CHECK(date("2026-01-31") < date("2026-02-01"));
  CHECK(date("2025-12-31") < date("2026-01-01"));
  CHECK(date("2026-02-01") > date("2026-01-31"));
  CHECK(date("2026-02-01") >= date("2026-02-01"));
  CHECK(date("2026-02-01") <= date("2026-02-01"));
  CHECK(date("2026-02-01") != date("2026-02-02"));
}

TEST_CASE("Every day from 1900 to 2999 follows its predecessor consistently") {
  Date d = date("1900-01-01");
  int64_t serial = d.days_since_epoch();
  int weekday = static_cast<int>(d.weekday());
  const Date last = date("2999-12-31");
  int64_t count = 0;
  while (d != last) {
    const Date next = d.add_days(1);
    ++serial;
    weekday = (weekday + 1) % 7;
    const bool same_month = next.year() == d.year() && next.month() == d.month();
    if (same_month) {
      if (next.day() != d.day() + 1) FAIL(d.to_string());
    } else {
      if (d.day() != Date::days_in_month(d.year(), d.month()) || next.day() != 1)
        FAIL(d.to_string());
    }
    if (next.days_since_epoch() != serial || static_cast<int>(next.weekday()) != weekday ||
        Date::from_days(serial) != next || Date::parse(next.to_string()) != next ||
        d.days_until(next) != 1 || !(d < next))
      FAIL(next.to_string());
    d = next;
    ++count;
  }
  CHECK(count == 401766);
}

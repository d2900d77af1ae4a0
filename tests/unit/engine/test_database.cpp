#include <doctest/doctest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "test_support.hpp"

namespace json = boost::json;
using opora::Error;
using opora::ErrorCode;
using opora::engine::Database;
using opora::engine::OpenOptions;

using opora::test::code_of;
using opora::test::error_of;
using opora::test::field_error_of;

namespace {

OpenOptions manual(const char* now) {
  return OpenOptions::parse(
      json::parse(std::string(R"({"clock":"manual","now":")") + now + "\"}").as_object());
}

json::object call(Database& db, const char* method, const char* params) {
  return db.call(method, json::parse(params).as_object());
}

}  // namespace

TEST_CASE("every method has a summary and object schemas, sorted and unique") {
  const auto& all = opora::engine::method_table().all();
  REQUIRE(all.size() >= 10);
  for (size_t i = 0; i < all.size(); ++i) {
    CAPTURE(all[i].name);
    CHECK(!all[i].summary.empty());
    CHECK(all[i].params.at("type") == "object");
    CHECK(all[i].result.at("type") == "object");
    CHECK(all[i].name.find('.') != std::string::npos);
    if (i > 0) CHECK(all[i - 1].name < all[i].name);
  }
}

TEST_CASE("open options are checked and unknown ones refused") {
  auto e =
      error_of([] { OpenOptions::parse(json::parse(R"({"synchronus":"full"})").as_object()); });
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(e.field_errors().at(0).field == "synchronus");
  e = error_of([] { OpenOptions::parse(json::parse(R"({"now":"2026-01-01"})").as_object()); });
  CHECK(e.field_errors().at(0).rule == "manual_clock_only");
  e = error_of([] { OpenOptions::parse(json::parse(R"({"utc_offset":"+3"})").as_object()); });
  CHECK(e.field_errors().at(0).field == "utc_offset");
}

TEST_CASE("the manual clock gives today at the configured offset") {
  auto o = manual("2026-12-31T22:30:00Z");
  o.utc_offset_minutes = 180;
  Database db(":memory:", o);
  auto r = call(db, "clock.get", "{}");
  CHECK(r.at("now") == "2026-12-31T22:30:00Z");
  CHECK(r.at("today") == "2027-01-01");
  CHECK(r.at("utc_offset") == "+03:00");
  r = call(db, "clock.set", R"({"now":"2027-01-02"})");
  CHECK(r.at("today") == "2027-01-02");
}

TEST_CASE("clock.set on the system clock is refused") {
  Database db(":memory:", {});
  CHECK(error_of([&] { call(db, "clock.set", R"({"now":"2027-01-02"})"); }).code() ==
        ErrorCode::state);
}

TEST_CASE("unknown methods and bad params fail before anything runs") {
  Database db(":memory:", manual("2026-01-01"));
  CHECK(error_of([&] { call(db, "nope.nothing", "{}"); }).code() == ErrorCode::no_method);
  const auto e = error_of([&] { call(db, "calendar.add_working_days", R"({"days":"x"})"); });
  CHECK(e.code() == ErrorCode::invalid);
  REQUIRE(e.field_errors().size() == 3);
  CHECK(e.field_errors()[0].field == "calendar");
  CHECK(e.field_errors()[1].field == "date");
  CHECK(e.field_errors()[2].field == "days");
}

TEST_CASE("a calendar loaded into a file is there after reopening") {
  const char* path = "/tmp/opora-unit-calendar.db";
  std::remove(path);
  const char* doc = R"({"calendar": {"id": "acme", "name": "ACME shifts", "weekend": ["sun"],
      "years": [{"year": 2026, "source": "company order 1", "days": [
        {"date": "2026-03-02", "kind": "holiday", "note": "founders day"}]}]}})";
  {
    Database db(path, manual("2026-01-01"));
    auto r = call(db, "calendar.load", doc);
    CHECK(r.at("id") == "acme");
  }
  Database db(path, manual("2026-01-01"));
  auto r = call(db, "calendar.is_working_day", R"({"calendar":"acme","date":"2026-03-07"})");
  CHECK(r.at("working") == true);  // Saturday works in this calendar
  r = call(db, "calendar.is_working_day", R"({"calendar":"acme","date":"2026-03-02"})");
  CHECK(r.at("working") == false);
  CHECK(r.at("kind") == "holiday");
  bool listed = false;
  const auto list = call(db, "calendar.list", "{}");
  for (const auto& c : list.at("calendars").as_array())
    if (c.at("id") == "acme") listed = c.at("user_data").as_bool();
  CHECK(listed);
  std::remove(path);
}

TEST_CASE("a failed mutating call leaves nothing behind") {
  Database db(":memory:", manual("2026-01-01"));
  const auto e = error_of([&] {
    call(
        db, "calendar.load",
        R"({"calendar": {"id": "bad", "years": [{"year": 2026, "days": [{"date": "2027-01-01", "kind": "holiday"}]}]}})");
  });
  CHECK(e.code() == ErrorCode::invalid);
  const auto list = call(db, "calendar.list", "{}");
  for (const auto& c : list.at("calendars").as_array()) CHECK(c.at("id") != "bad");
}

TEST_CASE("a calendar loaded by another connection is seen without reopening") {
  const char* path = "/tmp/opora-unit-calendar2.db";
  std::remove(path);
  Database a(path, manual("2026-01-01"));
  Database b(path, manual("2026-01-01"));
  call(b, "calendar.list", "{}");  // warm b's cache
  call(
      a, "calendar.load",
      R"({"calendar": {"id": "shop", "weekend": ["sat", "sun"], "years": [{"year": 2026, "days": []}]}})");
  auto r =
      call(b, "calendar.add_working_days", R"({"calendar":"shop","date":"2026-01-02","days":1})");
  CHECK(r.at("date") == "2026-01-05");
  std::remove(path);
}

TEST_CASE("threads sharing one handle get correct answers") {
  Database db(":memory:", manual("2026-01-01"));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&db, &wrong] {
      for (int i = 0; i < 200; ++i) {
        const auto r = call(db, "calendar.add_working_days",
                            R"({"calendar":"ru","date":"2025-12-30","days":1})");
        if (r.at("date") != "2026-01-12") ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
}

TEST_CASE("two handles on one file both commit their writes") {
  const char* path = "/tmp/opora-unit-two-writers.db";
  std::remove(path);
  { Database init(path, manual("2026-01-01")); }
  auto writer = [path](const char* prefix) {
    Database db(path, manual("2026-01-01"));
    for (int i = 0; i < 20; ++i) {
      const std::string doc = std::string(R"({"calendar": {"id": ")") + prefix + std::to_string(i) +
                              R"(", "years": [{"year": 2026, "days": []}]}})";
      db.call("calendar.load", json::parse(doc).as_object());
    }
  };
  std::thread a(writer, "a");
  std::thread b(writer, "b");
  a.join();
  b.join();
  Database db(path, manual("2026-01-01"));
  const auto list = call(db, "calendar.list", "{}");
  int loaded = 0;
  for (const auto& c : list.at("calendars").as_array())
    if (c.at("user_data").as_bool()) ++loaded;
  CHECK(loaded == 40);
  std::remove(path);
}

TEST_CASE("a document over a built-in calendar must keep its weekly pattern") {
  Database db(":memory:", manual("2026-01-01"));
  auto e = error_of([&] {
    call(
        db, "calendar.load",
        R"({"calendar": {"id": "ru", "weekend": ["sun"], "years": [{"year": 2028, "days": []}]}})");
  });
  CHECK(e.code() == ErrorCode::invalid);
  REQUIRE(!e.field_errors().empty());
  CHECK(e.field_errors()[0].field == "calendar.weekend");
  e = error_of([&] {
    call(
        db, "calendar.load",
        R"({"calendar": {"id": "ru", "hours_per_day": 7, "years": [{"year": 2028, "days": []}]}})");
  });
  CHECK(e.field_errors().at(0).field == "calendar.hours_per_day");
  // Nothing was stored by the refused loads; a fitting one adds 2028.
  auto r = call(
      db, "calendar.load",
      R"({"calendar": {"id": "ru", "years": [{"year": 2028, "source": "test", "days": []}]}})");
  CHECK(r.at("years").as_array().back() == 2028);
  r = call(db, "calendar.is_working_day", R"({"calendar":"ru","date":"2026-01-09"})");
  CHECK(r.at("kind") == "day_off");  // built-in years stay underneath
}

TEST_CASE("field errors in a loaded document name the path from the parameter") {
  Database db(":memory:", manual("2026-01-01"));
  const auto e = error_of([&] {
    call(
        db, "calendar.load",
        R"({"calendar": {"id": "x", "years": [{"year": 2026, "days": [{"date": "2026-13-01", "kind": "feast"}]}]}})");
  });
  REQUIRE(e.field_errors().size() == 2);
  CHECK(e.field_errors()[0].field == "calendar.years[0].days[0].date");
  CHECK(e.field_errors()[1].field == "calendar.years[0].days[0].kind");
}

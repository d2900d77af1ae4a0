#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "calendar/calendar_store.hpp"
#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

namespace json = boost::json;
using opora::ErrorCode;
using opora::calendar::CalendarStore;
using opora::test::code_of;

namespace {

const char* kGhost =
    R"({"id": "ghost", "years": [{"year": 2026, "days": [{"date": "2026-03-02", "kind": "holiday"}]}]})";

}  // namespace

TEST_CASE("a calendar loaded in a transaction that rolls back is not served afterwards") {
  const auto db = opora::store::open(":memory:", {});
  opora::store::Connection& conn = *db;
  opora::store::migrate(conn, {&opora::calendar::schema()}, false);
  CalendarStore store(conn);
  {
    opora::store::Transaction tx(conn);
    store.load(json::parse(kGhost).as_object(), "2026-01-01T00:00:00Z");
    // Inside the transaction the new calendar is visible...
    CHECK_FALSE(store.get("ghost", "calendar")->is_working_day(opora::Date(2026, 3, 2)));
  }  // ...and the rollback takes it away.
  CHECK(code_of([&] { store.get("ghost", "calendar"); }) == ErrorCode::not_found);
  for (const auto& e : store.list()) CHECK(e.id != "ghost");
}

TEST_CASE("a calendar held by a caller outlives a refresh of the cache") {
  const auto db = opora::store::open(":memory:", {});
  opora::store::Connection& conn = *db;
  opora::store::migrate(conn, {&opora::calendar::schema()}, false);
  CalendarStore store(conn);
  const auto ru = store.get("ru", "calendar");
  {
    opora::store::Transaction tx(conn);
    store.load(json::parse(kGhost).as_object(), "2026-01-01T00:00:00Z");
  }  // rollback: the cache is dropped on the next lookup
  store.get("kz", "calendar");
  CHECK(ru->id() == "ru");
  CHECK(ru->has_year(2026));
}

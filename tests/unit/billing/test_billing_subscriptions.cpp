// Subscriptions through Database::call: connections, disconnections,
// tariff changes now, from a date or from the next period, freezes with and
// without a fee, each checked by what billing.run posts. Vectors T1..T7 are
// from /work/shared/research/billing.md §3.3, where each names its origin.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "billing/billing_fixture.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

// --- subscriptions: connect, disconnect, change, freeze ---------------------------------

TEST_CASE("a connection on Jan 15 2026 is billed 17/31 of the fee") {
  // T5, T6 [C]
  BillingDb b;
  b.monthly("big", "1000.00");
  b.monthly("isp", "499.00");
  b.account("100001");
  b.account("100002");
  const json::object s = b.call("billing.subscription.connect",
                                R"({"account": "100001", "tariff": "big", "date": "2026-01-15"})");
  CHECK(s.at("service") == "internet");
  CHECK(s.at("from") == "2026-01-15");
  b.connect("100002", "isp", "2026-01-15");
  b.run("2026-01");
  CHECK(only_line(b, "100001").amount == minor("548.39"));
  CHECK(only_line(b, "100002").amount == minor("273.65"));
}

TEST_CASE("a connection without a date starts today") {
  BillingDb b;
  b.set_clock("2026-11-11");
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net");
  b.run("2026-11");
  CHECK(only_line(b, "100001").amount == minor("400.00"));
}

TEST_CASE("a disconnection on Feb 10 2026 bills Feb 1-10 as 178.21") {
  // T7 [C]: the date given is the last day billed.
  BillingDb b;
  b.monthly("isp", "499.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "isp", "2026-01-01");
  const json::object d = b.call("billing.subscription.disconnect",
                                json::object{{"subscription", sub}, {"date", "2026-02-10"}});
  CHECK(d.at("last_day") == "2026-02-10");
  b.run("2026-02");
  b.run("2026-03");
  CHECK(only_line(b, "100001").amount == minor("178.21"));
}

TEST_CASE("a tariff change on Jan 15 bills 45.16 on the old plan and 109.68 on the new") {
  // T1 [S:LAGO-UPG], T2 [C]
  BillingDb b;
  b.monthly("a", "100.00");
  b.monthly("b", "200.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "a", "2026-01-01");
  const json::object c =
      b.call("billing.subscription.change_tariff",
             json::object{
                 {"subscription", sub}, {"tariff", "b"}, {"when", "date"}, {"date", "2026-01-15"}});
  CHECK(c.at("from") == "2026-01-15");
  b.run("2026-01");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("amount") == "45.16");
  CHECK(lines[1].at("amount") == "109.68");
}

TEST_CASE("a tariff change now takes effect today, from the next period on the 1st") {
  BillingDb b;
  b.set_clock("2026-11-16");
  b.monthly("a", "600.00");
  b.monthly("b", "900.00");
  b.account("100001");
  b.account("100002");
  const int64_t now = b.connect("100001", "a", "2026-01-01");
  const int64_t next = b.connect("100002", "a", "2026-01-01");
  CHECK(b.call("billing.subscription.change_tariff",
               json::object{{"subscription", now}, {"tariff", "b"}, {"when", "now"}})
            .at("from") == "2026-11-16");
  CHECK(b.call("billing.subscription.change_tariff",
               json::object{{"subscription", next}, {"tariff", "b"}, {"when", "next_period"}})
            .at("from") == "2026-12-01");
  b.run("2026-11");
  b.run("2026-12");
  // Nov 1-15 at 600 (300.00) + Nov 16-30 at 900 (450.00), December 900.
  CHECK(BillingDb::sum(b.accruals("100001")) == minor("1650.00"));
  // November wholly at 600, December at 900.
  CHECK(BillingDb::sum(b.accruals("100002")) == minor("1500.00"));
}

TEST_CASE("a tariff change replaces a change planned after it") {
  BillingDb b;
  b.set_clock("2026-11-16");
  b.monthly("a", "600.00");
  b.monthly("b", "900.00");
  b.monthly("c", "300.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "a", "2026-01-01");
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "b"}, {"when", "next_period"}});
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "c"}, {"when", "now"}});
  const json::array tariffs = b.call("billing.subscription.list", R"({"account": "100001"})")
                                  .at("subscriptions")
                                  .as_array()[0]
                                  .at("tariffs")
                                  .as_array();
  REQUIRE(tariffs.size() == 2);
  CHECK(tariffs[1].at("from") == "2026-11-16");
  CHECK(tariffs[1].at("tariff") == "c");
  b.run("2026-12");
  CHECK(only_line(b, "100001").amount == minor("300.00"));
}

TEST_CASE("a freeze with a reduced fee bills the frozen days at that fee") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  const json::object f = b.call(
      "billing.subscription.freeze",
      json::object{
          {"subscription", sub}, {"from", "2026-11-11"}, {"to", "2026-11-20"}, {"fee", "100.00"}});
  CHECK(f.at("fee") == "100.00");
  b.run("2026-11");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].at("kind") == "freeze");
  CHECK(lines[1].at("amount") == "33.34");
  CHECK(BillingDb::sum(lines) == minor("433.34"));
}

TEST_CASE("a freeze without a fee is free, and unfreeze resumes billing that day") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  b.call("billing.subscription.freeze",
         json::object{{"subscription", sub}, {"from", "2026-11-11"}});
  const json::object u = b.call("billing.subscription.unfreeze",
                                json::object{{"subscription", sub}, {"date", "2026-11-21"}});
  CHECK(u.at("to") == "2026-11-20");
  b.run("2026-11");
  CHECK(BillingDb::sum(b.accruals("100001")) == minor("400.00"));
  const json::array freezes = b.call("billing.subscription.list", R"({"account": "100001"})")
                                  .at("subscriptions")
                                  .as_array()[0]
                                  .at("freezes")
                                  .as_array();
  REQUIRE(freezes.size() == 1);
  CHECK(freezes[0].at("to") == "2026-11-20");
}

TEST_CASE("the tariff's freeze fee applies when a freeze names none") {
  BillingDb b;
  b.tariff(R"({"code": "net", "name": "Сеть", "fee": "600.00", "freeze_fee": "60.00"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  b.call("billing.subscription.freeze",
         json::object{{"subscription", sub}, {"from", "2026-11-01"}});
  b.run("2026-11");
  const json::array lines = b.accruals("100001");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].at("kind") == "freeze");
  CHECK(lines[0].at("amount") == "60.00");
}

TEST_CASE("subscription changes that make no sense are refused with a reason") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.tariff(R"({"code": "kz", "name": "KZ", "fee": "5000.00", "currency": "KZT"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-06-01");
  // The same service twice.
  Error e = b.error("billing.subscription.connect",
                    R"({"account": "100001", "tariff": "net", "date": "2026-07-01"})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "service", "already_connected"));
  // A tariff in another currency.
  e = b.error("billing.subscription.connect",
              R"({"account": "100001", "tariff": "kz", "service": "tv"})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "tariff", "currency"));
  // Disconnecting before the start.
  e = b.error("billing.subscription.disconnect",
              json::object{{"subscription", sub}, {"date", "2026-05-31"}});
  CHECK(has_error(e, "date", "before_start"));
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-10-31"}});
  // Changing the tariff or disconnecting after the end.
  e = b.error("billing.subscription.change_tariff",
              json::object{{"subscription", sub}, {"tariff", "net"}, {"when", "now"}});
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "subscription", "ended"));
  e = b.error("billing.subscription.disconnect",
              json::object{{"subscription", sub}, {"date", "2026-11-30"}});
  CHECK(e.code() == ErrorCode::state);
  // Unfreezing what is not frozen, overlapping freezes.
  e = b.error("billing.subscription.unfreeze", json::object{{"subscription", sub}});
  CHECK(has_error(e, "subscription", "not_frozen"));
  b.call("billing.subscription.freeze",
         json::object{{"subscription", sub}, {"from", "2026-07-01"}, {"to", "2026-07-31"}});
  e = b.error("billing.subscription.freeze",
              json::object{{"subscription", sub}, {"from", "2026-07-15"}});
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "from", "overlaps"));
  // An unknown subscription or tariff.
  e = b.error("billing.subscription.disconnect", R"({"subscription": 999})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "subscription", "unknown_subscription"));
  e = b.error("billing.subscription.connect",
              R"({"account": "100001", "tariff": "nope", "service": "tv"})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "tariff", "unknown_tariff"));
}

TEST_CASE("a disconnected account takes no new connections until it is active again") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  const json::object a =
      b.call("billing.account.put", R"({"account": "100001", "status": "disconnected"})");
  CHECK(a.at("status") == "disconnected");
  const Error e =
      b.error("billing.subscription.connect", R"({"account": "100001", "tariff": "net"})");
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "account", "disconnected"));
  b.call("billing.account.put", R"({"account": "100001", "status": "active"})");
  CHECK(b.connect("100001", "net") >= 1);
}

// Issue 13 §2. Was: billing.account.put set an account "disconnected" with
// its subscriptions live, and every later run went on billing them. An
// account is disconnected once its subscriptions have ended: the status
// change is refused (OPORA_ESTATE) while one is billed after today.
TEST_CASE("an account cannot be set disconnected while a subscription is still billed") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  Error e = b.error("billing.account.put", R"({"account": "100001", "status": "disconnected"})");
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "status", "live_subscriptions"));
  // A last day ahead (the 20th) is still service to bill.
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-20"}});
  e = b.error("billing.account.put", R"({"account": "100001", "status": "disconnected"})");
  CHECK(has_error(e, "status", "live_subscriptions"));
  CHECK(std::string(e.what()).find("2026-11-20") != std::string::npos);
  CHECK(b.call("billing.account.get", R"({"account": "100001"})").at("status") == "active");
  // Once the last day has passed, the account is disconnected and accrues
  // nothing after it.
  b.set_clock("2026-11-20");
  b.call("billing.account.put", R"({"account": "100001", "status": "disconnected"})");
  b.run("2026-11");
  b.run("2026-12");
  CHECK(money_text(BillingDb::sum(b.accruals("100001"))) == "400.00");  // Nov 1-20
  CHECK(b.accruals("100001").size() == 1);
}

TEST_CASE("a disconnected service can be connected again after its last day") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-10"}});
  b.connect("100001", "net", "2026-11-21");
  b.run("2026-11");
  // Nov 1-10 and Nov 21-30: two thirds of the fee.
  CHECK(BillingDb::sum(b.accruals("100001")) == minor("400.00"));
  CHECK(b.call("billing.subscription.list", R"({"account": "100001"})")
            .at("subscriptions")
            .as_array()
            .size() == 2);
}

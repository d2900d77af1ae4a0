// Discounts through billing.run: a percent off every line, a fixed amount
// off a month, prorated like the fee and taken once a month whatever the
// tariff changes; an account's fixed amount goes, each day, with the oldest
// subscription billed that day.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "billing/billing_fixture.hpp"

using namespace opora::test::bill;

// Issue 13 (b). Was: accrue_subscription prorated a fixed discount over the
// same day numbers as the fee; on a tariff without proration those are the
// tariff's own days, so a change between two such tariffs mid-month took the
// whole monthly discount with each tariff: 100.00 off twice. A fixed
// discount is an amount per month: on such tariffs it is now shared over the
// subscription's days of service.
TEST_CASE("a fixed monthly discount is taken once when an unprorated tariff changes mid-month") {
  BillingDb b;
  b.tariff(R"({"code": "flat", "name": "Безлимит", "fee": "600.00", "proration": "none"})");
  b.tariff(R"({"code": "flat2", "name": "Безлимит+", "fee": "900.00", "proration": "none"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "flat", "2026-01-01");
  b.call("billing.discount.add", json::object{{"account", "100001"},
                                              {"subscription", sub},
                                              {"name", "Скидка"},
                                              {"amount", "100.00"},
                                              {"from", "2026-01-01"}});
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "flat2"}, {"date", "2026-11-16"}});
  b.run("2026-11");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  REQUIRE(lines.size() == 2);
  CHECK(BillingDb::sum(lines, "discount") == minor("100.00"));  // 50.00 + 50.00
  CHECK(money_text(BillingDb::sum(lines)) == "1400.00");        // 600 + 900 - 100
}

TEST_CASE(
    "a fixed discount on an unprorated tariff is whole for a subscriber who joined mid-month") {
  BillingDb b;
  b.tariff(R"({"code": "flat", "name": "Безлимит", "fee": "600.00", "proration": "none"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "flat", "2026-11-10");
  b.call("billing.discount.add", json::object{{"account", "100001"},
                                              {"subscription", sub},
                                              {"name", "Скидка"},
                                              {"amount", "100.00"},
                                              {"from", "2026-11-01"}});
  b.run("2026-11");
  CHECK(money_text(BillingDb::sum(b.accruals("100001"))) == "500.00");
}

// An account's fixed discount goes, day by day, with the oldest subscription
// billed that day. Was: it went whole with the first subscription of the
// month, so one that ended on the 10th took only its ten days' share and the
// rest was lost (466.67 instead of 400.00 below).
TEST_CASE("an account's fixed discount follows the oldest subscription billed each day") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.monthly("tv", "300.00");
  b.account("100001");
  const int64_t net = b.connect("100001", "net", "2026-01-01", "internet");
  b.connect("100001", "tv", "2026-01-01", "tv");
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", net}, {"date", "2026-11-10"}});
  b.call("billing.discount.add", R"({"account": "100001", "name": "Лояльность",
    "amount": "100.00", "from": "2026-11-01"})");
  b.run("2026-11");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  // net Nov 1-10: 200.00 - 33.33; tv Nov 1-10 full price, Nov 11-30 with
  // the remaining 66.67.
  CHECK(BillingDb::sum(lines, "discount") == minor("100.00"));
  CHECK(money_text(BillingDb::sum(lines)) == "400.00");
}

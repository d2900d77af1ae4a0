// Regression tests of bugs once found in src/billing/run.cpp, each with the
// cause it had, and the property test that found them: every run
// cancellable, accrual documents on. Also a payment an agent dated ahead of
// our today, which must count at once.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "billing/billing_fixture.hpp"
#include "billing/billing_simulation.hpp"

using opora::ErrorCode;
using namespace opora::test::bill;

// Was: Billing::cancel_run dated every storno line ctx.today, even when the
// line it reverses is dated later (an arrears line on the period's last day,
// an advance line of a month still ahead). Between the storno's date and the
// original's, billing.turnover counts the storno alone (-600.00) while
// billing.balance counts neither, so the statement no longer reconciles. The
// payment storno already uses max(today, date of the payment); the accrual
// storno needs the same: max(today, the original line's date).
TEST_CASE("a cancelled run's storno is never dated before the line it reverses") {
  BillingDb b;
  b.tariff(R"({"code": "arr", "name": "Постоплата", "fee": "600.00", "billing": "arrears"})");
  b.monthly("net", "600.00");
  b.account("100001");
  b.account("100002");
  const int64_t sub = b.connect("100001", "arr", "2026-01-01");  // November line dated 11-30
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-30"}});
  b.connect("100002", "net", "2026-12-01");  // December line dated 2026-12-01
  const int64_t nov = b.run("2026-11").at("run").as_int64();
  const int64_t dec = b.run("2026-12").at("run").as_int64();
  b.cancel(nov);
  b.cancel(dec);
  for (const char* n : {"100001", "100002"}) {
    CAPTURE(std::string(n));
    const json::array fee = b.accruals(n, "fee");
    const json::array storno = b.accruals(n, "storno");
    REQUIRE(fee.size() == 1);
    REQUIRE(storno.size() == 1);
    CHECK(text(storno[0].at("date")) >= text(fee[0].at("date")));
  }
  check_turnover_reconciles(b, "2026-11-01", "2026-11-15");
  check_turnover_reconciles(b, "2026-11-01", "2026-11-30");
  check_turnover_reconciles(b, "2026-11-20", "2026-12-31");
}

// Was: Runner::next_accounts and Runner::load only looked at subscriptions
// whose dates touch the period. A subscription disconnected (or moved) out of
// a period that was already billed is no longer seen, so the second run posts
// no adjustment and the December fee stays owed for a service that ended in
// November. The run must also visit subscriptions that have live lines in
// the period (and post their whole amount back).
TEST_CASE("a disconnection before an already billed month takes that month's fee back") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  b.run("2026-12");  // billed in advance on 2026-11-01
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-20"}});
  const json::object again = b.run("2026-12", false);
  CHECK(again.at("new_lines") == 1);
  CHECK(BillingDb::sum(b.accruals("100001")) == 0);
  CHECK(b.balance_of("100001", "2026-12-31") == 0);
}

// Was: accrual_document() in run.cpp put a negative adjustment into the
// accrual document as an item with a negative price, which the registry
// refuses ("documents[0].items[0].price: must not be negative"). With
// documents on (the default) any run that has to lower an amount already
// billed fails as a whole, so a disconnection, discount or freeze after a run
// can never be billed. The document needs another shape for a credit (a
// separate correction document, or a positive price with the line marked as
// a reduction).
TEST_CASE("a second run that lowers an amount writes its adjustment document") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  b.run("2026-11");
  b.set_clock("2026-11-16");
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-15"}});
  const ErrorCode code = outcome([&] { b.run("2026-11"); });
  REQUIRE(code == ErrorCode::ok);
  // The month reversed (-600.00) and its first half billed again (300.00),
  // each in its correction document beside the first accrual document.
  const json::array adj = b.accruals("100001", "adjustment");
  REQUIRE(adj.size() == 2);
  CHECK(BillingDb::sum(adj) == -minor("300.00"));
  CHECK(adj[0].at("document").is_int64());
  CHECK(adj[1].at("document").is_int64());
  CHECK(adj[0].at("document") != adj[1].at("document"));
  CHECK(b.documents() == 3);
}

// The property test with every run cancellable and documents written: it
// meets the three bugs above and reports them as failed reconciliations and
// refused runs.
TEST_CASE(
    "after random operations with any run cancellable and documents on, the ledger reconciles") {
  BillingDb b;
  SimulationOptions o;
  o.cancel_any_run = true;
  o.documents = true;
  Simulation sim(b, o);
  const SimulationReport r = sim.run();
  sim.check_runs_are_idempotent();
  CHECK(r.internal_errors == 0);
  CHECK(r.refused_runs == 0);
}

// A payment an agent dates in its own time zone can be ahead of our date (an
// agent in UTC+5 at 03:00 while it is 22:00 UTC here): it counts at once, so
// the payer is not asked for the same money again.
TEST_CASE("a payment dated ahead of our today counts in billing.check at once") {
  BillingDb b;
  b.monthly("net", "1000.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.run("2026-11");
  b.call("billing.pay", json::object{{"channel", "kaspi"},
                                     {"txn_id", "77"},
                                     {"account", "100001"},
                                     {"amount", "400.00"},
                                     {"txn_date", "2026-11-02T03:00:00"}});
  const json::object c = b.call("billing.check", R"({"channel": "kaspi", "account": "100001"})");
  CHECK(c.at("amount_due") == "600.00");
  CHECK(c.at("balance") == "-600.00");
  // The balance on a date still follows the dates: on 2026-11-01 nothing was paid.
  CHECK(b.balance_of("100001", "2026-11-01") == -100000);
}

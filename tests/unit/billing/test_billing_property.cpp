// Property test: thousands of deterministic pseudo-random operations over
// twenty accounts (billing_simulation.hpp), after which the ledger still
// agrees with itself: turnover totals are the sums of their rows, each row
// opens at the balance of the day before and closes at the balance of its
// last day, open items add up to the debt, repeats of payments post nothing
// and a second run of any period posts nothing.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "billing/billing_fixture.hpp"
#include "billing/billing_simulation.hpp"

using namespace opora::test::bill;

namespace {

std::string summary(const SimulationReport& r) {
  std::string s =
      r.first_day + " .. " + r.last_day + ", periods " + std::to_string(r.periods.size()) + "\n";
  for (const auto& [op, n] : r.done) {
    const auto refused = r.refused.find(op);
    s += "  " + op + ": " + std::to_string(n) + " done, " +
         std::to_string(refused == r.refused.end() ? 0 : refused->second) + " refused\n";
  }
  return s;
}

}  // namespace

TEST_CASE("after 3000 random operations over 20 accounts the ledger reconciles on every range") {
  // Three seeds, about a second each in a Debug build.
  for (const uint32_t seed : {20261101U, 7U, 424242U}) {
    CAPTURE(seed);
    const auto started = std::chrono::steady_clock::now();
    BillingDb b;
    // The dunning process rides along on billing's events: no operation may
    // fail because of it, and it never outlives the debt it chases.
    b.call("workflow.install", R"({"definition": "dunning"})");
    SimulationOptions o;
    o.seed = seed;
    Simulation sim(b, o);
    const SimulationReport r = sim.run();
    sim.check_payments_replay();
    sim.check_runs_are_idempotent();
    sim.check_everything();
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    INFO(summary(r) << "took " << seconds << " s");
    CHECK(r.internal_errors == 0);
    CHECK(r.refused_runs == 0);
    // The simulation really did each kind of thing, and crossed 2026-01-01.
    for (const char* op :
         {"connect", "disconnect", "change_tariff", "freeze", "unfreeze", "discount", "charge",
          "run", "cancel", "pay", "repeat_pay", "storno", "dunning", "clock"}) {
      CAPTURE(op);
      CHECK(r.done.count(op) == 1);
    }
    CHECK(r.periods.count("2025-12") == 1);
    CHECK(r.periods.count("2026-01") == 1);
    const json::object live =
        b.call("workflow.instances", R"({"definition": "dunning", "limit": 1000})");
    const json::object done = b.call(
        "workflow.instances", R"({"definition": "dunning", "status": "done", "limit": 1000})");
    CHECK(!live.at("instances").as_array().empty());
    CHECK(!done.at("instances").as_array().empty());
    for (const auto& i : live.at("instances").as_array()) {
      const std::string account = text(i.at("key")).substr(std::string("billing:account:").size());
      CAPTURE(account);
      CHECK(minor(b.balance(account, "2999-12-31").at("debt")) > 0);
    }
  }
}

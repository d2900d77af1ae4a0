// Dunning through Database::call: a ladder of stages by days overdue and
// minimum debt, each effect emitted exactly once per case (one episode of
// overdue debt), the case closed by a payment that clears the overdue debt
// or by a dunning run that finds nothing overdue.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "billing/billing_fixture.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// SMS the day after the due date, a call after 10 days from 300.00, a
// disconnection task after 30 days from 100.00.
const char* const kLadder = R"({"stages": [
    {"code": "disconnect", "days": 30, "min_amount": "100.00", "effect": {"type": "disconnect"}},
    {"code": "sms", "days": 1, "effect": {"type": "sms", "text": "Пополните счёт"}},
    {"code": "call", "days": 10, "min_amount": "300.00", "effect": {"type": "task", "queue": "calls"}}]})";

// An account owing 600.00 for November 2026, due 2026-11-11.
void setup(BillingDb& b) {
  b.call("billing.dunning.define", kLadder);
  b.monthly("net", "600.00");
  b.account("100001");
  b.call("billing.account.put", R"({"number": "100001", "phone": "+79990000001"})");
  b.connect("100001", "net", "2026-01-01");
  b.run("2026-11");
}

// The stage codes a dunning run on `date` emitted.
std::vector<std::string> dun(BillingDb& b, const char* date) {
  b.set_clock(date);
  std::vector<std::string> out;
  const json::object r = b.call("billing.dunning.run", "{}");
  for (const auto& e : r.at("effects").as_array()) out.push_back(text(e.at("stage")));
  return out;
}

using Stages = std::vector<std::string>;

json::array cases(BillingDb& b, bool open_only = true) {
  return b.call("billing.dunning.cases", json::object{{"open_only", open_only}})
      .at("cases")
      .as_array();
}

}  // namespace

TEST_CASE("the dunning ladder is stored sorted by days") {
  BillingDb b;
  const json::array stages = b.call("billing.dunning.define", kLadder).at("stages").as_array();
  REQUIRE(stages.size() == 3);
  CHECK(stages[0].at("code") == "sms");
  CHECK(stages[1].at("code") == "call");
  CHECK(stages[1].at("min_amount") == "300.00");
  CHECK(stages[2].at("code") == "disconnect");
}

TEST_CASE("each stage is emitted once per debt, on the day it falls due") {
  BillingDb b;
  setup(b);
  CHECK(dun(b, "2026-11-11").empty());  // due today: not overdue yet
  CHECK(dun(b, "2026-11-12") == Stages{"sms"});
  CHECK(dun(b, "2026-11-12").empty());  // a second run the same day
  CHECK(dun(b, "2026-11-13").empty());
  CHECK(dun(b, "2026-11-20").empty());
  CHECK(dun(b, "2026-11-21") == Stages{"call"});
  CHECK(dun(b, "2026-11-25").empty());
  CHECK(dun(b, "2026-12-11") == Stages{"disconnect"});
  CHECK(dun(b, "2026-12-20").empty());
  const json::array open = cases(b);
  REQUIRE(open.size() == 1);
  CHECK(open[0].at("account") == "100001");
  CHECK(open[0].at("opened_on") == "2026-11-12");
  CHECK(open[0].at("closed_on").is_null());
  CHECK(open[0].at("actions").as_array().size() == 3);
}

TEST_CASE("an effect carries what the host needs to carry it out") {
  BillingDb b;
  setup(b);
  b.set_clock("2026-11-14");
  const json::object r = b.call("billing.dunning.run", "{}");
  CHECK(r.at("date") == "2026-11-14");
  CHECK(r.at("cases_opened") == 1);
  const json::array effects = r.at("effects").as_array();
  REQUIRE(effects.size() == 1);
  const json::value& e = effects[0];
  CHECK(e.at("type") == "sms");
  CHECK(e.at("text") == "Пополните счёт");
  CHECK(e.at("stage") == "sms");
  CHECK(e.at("account") == "100001");
  CHECK(e.at("phone") == "+79990000001");
  CHECK(e.at("currency") == "RUB");
  CHECK(e.at("debt") == "600.00");
  CHECK(e.at("overdue") == "600.00");
  CHECK(e.at("days_overdue") == 3);
  CHECK(e.at("case") == cases(b)[0].at("case"));
}

TEST_CASE("a late dunning run carries out only the furthest stage due and skips the others") {
  BillingDb b;
  setup(b);
  CHECK(dun(b, "2026-12-15") == Stages{"disconnect"});
  CHECK(dun(b, "2026-12-16").empty());
  const json::array actions = cases(b)[0].at("actions").as_array();
  REQUIRE(actions.size() == 3);
  for (const auto& a : actions) {
    CAPTURE(text(a.at("stage")));
    CHECK(a.at("emitted_on") == "2026-12-15");
    CHECK(a.at("effect").as_object().contains("skipped") == (a.at("stage") != "disconnect"));
  }
}

TEST_CASE("a stage waits until the overdue debt reaches its minimum") {
  BillingDb b;
  setup(b);
  b.pay("100001", "400.00", "p1");  // 200.00 left
  CHECK(dun(b, "2026-11-12") == Stages{"sms"});
  CHECK(dun(b, "2026-11-25").empty());  // call needs 300.00
  b.charge("100001", "Выезд мастера", "150.00", "2026-11-01", 0);
  CHECK(dun(b, "2026-11-26") == Stages{"call"});  // 350.00 overdue now
  CHECK(dun(b, "2026-11-27").empty());
}

TEST_CASE("a payment that clears the overdue debt closes the case") {
  BillingDb b;
  setup(b);
  CHECK(dun(b, "2026-11-12") == Stages{"sms"});
  b.pay("100001", "500.00", "p1");  // 100.00 still overdue
  CHECK(cases(b).size() == 1);
  b.set_clock("2026-11-20");
  b.pay("100001", "100.00", "p2");
  CHECK(cases(b).empty());
  const json::array all = cases(b, false);
  REQUIRE(all.size() == 1);
  CHECK(all[0].at("closed_on") == "2026-11-20");
  CHECK(dun(b, "2026-11-21").empty());
}

TEST_CASE("a payment of the overdue part closes the case while debt not yet due remains") {
  BillingDb b;
  setup(b);
  b.run("2026-12");                               // 600.00 more, due 2026-12-11
  CHECK(dun(b, "2026-12-05") == Stages{"call"});  // sms skipped: the call supersedes it
  b.pay("100001", "600.00", "p1");                // settles November first
  CHECK(cases(b).empty());
  CHECK(b.balance("100001").at("debt") == "600.00");
  CHECK(b.balance("100001").at("overdue") == "0.00");
}

TEST_CASE("a new debt after a closed case opens a new case and the ladder starts again") {
  BillingDb b;
  setup(b);
  CHECK(dun(b, "2026-11-12") == Stages{"sms"});
  b.pay("100001", "600.00", "p1");
  CHECK(cases(b).empty());
  b.run("2026-12");
  CHECK(dun(b, "2026-12-11").empty());
  CHECK(dun(b, "2026-12-12") == Stages{"sms"});
  const json::array all = cases(b, false);
  REQUIRE(all.size() == 2);
  CHECK(all[0].at("closed_on") == "2026-11-12");
  CHECK(all[1].at("opened_on") == "2026-12-12");
  CHECK(all[1].at("closed_on").is_null());
}

TEST_CASE("a dunning run closes a case whose overdue debt went away without a payment") {
  BillingDb b;
  setup(b);
  b.set_clock("2026-11-12");
  const int64_t run =
      b.call("billing.run.list", "{}").at("runs").as_array()[0].at("run").as_int64();
  CHECK(dun(b, "2026-11-12") == Stages{"sms"});
  b.cancel(run);
  b.set_clock("2026-11-13");
  const json::object r = b.call("billing.dunning.run", "{}");
  CHECK(r.at("cases_closed") == 1);
  CHECK(r.at("effects").as_array().empty());
  CHECK(cases(b).empty());
}

TEST_CASE("dunning cases can be listed for one account") {
  BillingDb b;
  setup(b);
  b.account("100002");
  b.charge("100002", "Монтаж", "100.00", "2026-10-01", 0);
  dun(b, "2026-11-12");
  CHECK(cases(b).size() == 2);
  const json::array one =
      b.call("billing.dunning.cases", R"({"account": "100002"})").at("cases").as_array();
  REQUIRE(one.size() == 1);
  CHECK(one[0].at("account") == "100002");
}

TEST_CASE("a bad dunning ladder is refused whole") {
  BillingDb b;
  b.call("billing.dunning.define", kLadder);
  const Error shape =
      b.error("billing.dunning.define",
              R"({"stages": [{"code": "sms", "days": -1, "effect": {"type": "sms"}}]})");
  CHECK(shape.code() == ErrorCode::invalid);
  CHECK(has_error(shape, "stages[0].days", "range"));
  const Error untyped =
      b.error("billing.dunning.define",
              R"({"stages": [{"code": "x", "days": 5, "effect": {"no_type": true}}]})");
  CHECK(untyped.code() == ErrorCode::invalid);
  CHECK(has_error(untyped, "stages[0].effect.type", "required"));
  const Error e = b.error("billing.dunning.define", R"({"stages": [
      {"code": "sms", "days": 1, "effect": {"type": "sms"}},
      {"code": "sms", "days": 2, "effect": {"type": "sms"}},
      {"code": "y", "days": 5, "min_amount": "-1.00", "effect": {"type": "sms"}}]})");
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(e.field_errors().size() == 2);
  CHECK(has_error(e, "stages[1].code", "duplicate"));
  CHECK(has_error(e, "stages[2].min_amount", "negative"));
  // The old ladder stands.
  b.account("100001");
  b.charge("100001", "Монтаж", "1000.00", "2026-10-01", 0);
  CHECK(dun(b, "2026-11-01") == Stages{"disconnect"});
}

// Balances on any date, the account ledger, debt ageing, the turnover
// statement and the debtors list, through Database::call. All of them are
// read from the ledger, so they must agree with each other on every date.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "billing/billing_fixture.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// Charges due on dates 0, 5, 30, 31, 60, 61, 90 and 91 days before
// 2026-11-01 and two not yet due; amounts are powers of two so that every
// bucket's sum names its members.
void ageing_ladder(BillingDb& b, const char* account = "100001") {
  struct Item {
    const char* date;
    int term;
    const char* amount;
  };
  const Item items[] = {
      {"2026-10-26", 10, "1.00"}, {"2026-11-01", 0, "2.00"},   {"2026-10-27", 0, "4.00"},
      {"2026-10-02", 0, "8.00"},  {"2026-10-01", 0, "16.00"},  {"2026-09-02", 0, "32.00"},
      {"2026-09-01", 0, "64.00"}, {"2026-08-03", 0, "128.00"}, {"2026-08-02", 0, "256.00"},
  };
  int n = 0;
  for (const Item& it : items)
    b.charge(account, "Услуга " + std::to_string(++n), it.amount, it.date, it.term);
}

json::object ageing_of(const json::object& result, const char* currency) {
  for (const auto& a : result.at("ageing").as_array())
    if (a.at("currency") == currency) return a.as_object();
  FAIL("no ageing for " << currency);
  return {};
}

}  // namespace

TEST_CASE("the balance on any date counts what was posted up to that date") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.run("2026-11");
  const json::object p = b.pay("100001", "200.00", "p1", "kaspi", "2026-11-05");
  b.charge("100001", "Выезд мастера", "100.00", "2026-11-10");
  b.set_clock("2026-11-12");
  b.call("billing.payment.storno", json::object{{"receipt", p.at("receipt")}});
  CHECK(b.balance_of("100001", "2026-10-31") == 0);
  CHECK(b.balance_of("100001", "2026-11-01") == -minor("600.00"));
  CHECK(b.balance_of("100001", "2026-11-05") == -minor("400.00"));
  CHECK(b.balance_of("100001", "2026-11-10") == -minor("500.00"));
  CHECK(b.balance_of("100001", "2026-11-11") == -minor("500.00"));
  CHECK(b.balance_of("100001", "2026-11-12") == -minor("700.00"));
  CHECK(b.balance_of("100001") == -minor("700.00"));  // today
  for (const char* d : {"2026-11-01", "2026-11-05", "2026-11-10", "2026-11-12"})
    check_position(b, "100001", d);
  // Overdue from the day after the due date (the fee is due 11-11, the
  // charge 11-20).
  CHECK(b.balance("100001", "2026-11-11").at("overdue") == "0.00");
  CHECK(b.balance("100001", "2026-11-12").at("overdue") == "600.00");
  CHECK(b.balance("100001", "2026-11-21").at("overdue") == "700.00");
}

TEST_CASE("billing.ledger lists accruals and payments between two dates") {
  BillingDb b;
  b.account("100001");
  b.charge("100001", "Монтаж", "1000.00", "2026-10-10");
  b.pay("100001", "400.00", "p1", "bank", "2026-10-20");
  b.charge("100001", "Роутер", "1500.00", "2026-11-05");
  const json::array all = b.ledger("100001");
  REQUIRE(all.size() == 3);
  CHECK(all[0].at("entry") == "accrual");
  CHECK(all[1].at("entry") == "payment");
  CHECK(all[1].at("kind") == "payment");
  CHECK(all[1].at("text") == "bank p1");
  const json::array oct =
      b.call("billing.ledger", R"({"account": "100001", "from": "2026-10-15", "to": "2026-10-31"})")
          .at("entries")
          .as_array();
  REQUIRE(oct.size() == 1);
  CHECK(oct[0].at("amount") == "400.00");
}

TEST_CASE("ageing puts open debt into buckets by days past the due date") {
  BillingDb b;
  b.account("100001");
  ageing_ladder(b);
  const json::object a = ageing_of(b.call("billing.ageing", R"({"date": "2026-11-01"})"), "RUB");
  CHECK(a.at("accounts") == 1);
  const json::object& buckets = a.at("buckets").as_object();
  CHECK(buckets.at("not_due") == "3.00");  // due today or later
  CHECK(buckets.at("0-30") == "12.00");    // 5 and 30 days
  CHECK(buckets.at("31-60") == "48.00");   // 31 and 60 days
  CHECK(buckets.at("61-90") == "192.00");  // 61 and 90 days
  CHECK(buckets.at("90+") == "256.00");    // 91 days
  CHECK(a.at("total") == "511.00");
}

TEST_CASE("a partial payment empties the oldest ageing buckets first") {
  BillingDb b;
  b.account("100001");
  ageing_ladder(b);
  b.pay("100001", "300.00", "p1", "bank", "2026-11-01");
  const json::object a = ageing_of(b.call("billing.ageing", R"({"date": "2026-11-01"})"), "RUB");
  const json::object& buckets = a.at("buckets").as_object();
  CHECK(buckets.at("90+") == "0.00");
  CHECK(buckets.at("61-90") == "148.00");  // 64 + (128 - 44)
  CHECK(buckets.at("31-60") == "48.00");
  CHECK(buckets.at("0-30") == "12.00");
  CHECK(buckets.at("not_due") == "3.00");
  CHECK(a.at("total") == "211.00");
}

TEST_CASE("ageing is kept per currency and can be asked for one account") {
  BillingDb b;
  b.account("100001");
  b.account("100002");
  b.account("200001", "KZT");
  b.charge("100001", "Монтаж", "100.00", "2026-10-01", 0);
  b.charge("100002", "Монтаж", "50.00", "2026-10-01", 0);
  b.charge("200001", "Монтаж", "5000.00", "2026-10-01", 0);
  const json::object all = b.call("billing.ageing", R"({"date": "2026-11-01"})");
  CHECK(all.at("ageing").as_array().size() == 2);
  CHECK(ageing_of(all, "RUB").at("accounts") == 2);
  CHECK(ageing_of(all, "RUB").at("total") == "150.00");
  CHECK(ageing_of(all, "KZT").at("total") == "5000.00");
  CHECK(ageing_of(all, "KZT").at("buckets").at("31-60") == "5000.00");
  const json::object one =
      b.call("billing.ageing", R"({"date": "2026-11-01", "account": "100002"})");
  REQUIRE(one.at("ageing").as_array().size() == 1);
  CHECK(ageing_of(one, "RUB").at("total") == "50.00");
}

TEST_CASE("the turnover statement reconciles with balances for any range") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.tariff(R"({"code": "kz", "name": "KZ", "fee": "5000.00", "currency": "KZT"})");
  b.account("100001");
  b.account("100002");
  b.account("200001", "KZT");
  b.account("100003");  // only ever pays
  b.set_clock("2026-09-01");
  b.connect("100001", "net", "2026-09-01");
  b.connect("100002", "net", "2026-09-15");
  b.connect("200001", "kz", "2026-09-01");
  b.run("2026-09");
  b.pay("100001", "1000.00", "a1");
  b.pay("100003", "150.00", "c1");
  b.set_clock("2026-10-01");
  const int64_t oct = b.run("2026-10").at("run").as_int64();
  const json::object p = b.pay("100002", "300.00", "b1", "kaspi", "2026-10-03");
  b.pay("200001", "2500.00", "k1", "kaspi", "2026-10-04");
  b.set_clock("2026-10-07");
  b.cancel(oct);
  b.call("billing.payment.storno", json::object{{"receipt", p.at("receipt")}});
  b.charge("100002", "Роутер", "1500.00", "2026-10-08");
  b.set_clock("2026-10-20");
  b.run("2026-10");
  b.set_clock("2026-11-01");
  b.run("2026-11");
  b.pay("100002", "2000.00", "b2");

  for (const auto& [from, to] :
       std::vector<std::pair<const char*, const char*>>{{"2026-09-01", "2026-09-30"},
                                                        {"2026-10-01", "2026-10-31"},
                                                        {"2026-10-05", "2026-10-07"},
                                                        {"2026-10-07", "2026-10-07"},
                                                        {"2026-08-01", "2026-12-31"},
                                                        {"2026-11-02", "2026-11-30"}}) {
    CAPTURE(from);
    CAPTURE(to);
    check_turnover_reconciles(b, from, to);
  }
  const json::object t =
      b.call("billing.turnover", R"({"from": "2026-09-01", "to": "2026-11-30"})");
  CHECK(t.at("accounts").as_array().size() == 4);
  CHECK(t.at("totals").as_array().size() == 2);
  for (const char* n : {"100001", "100002", "100003", "200001"})
    for (const char* d : {"2026-09-15", "2026-10-05", "2026-10-07", "2026-11-01"})
      check_position(b, n, d);
}

TEST_CASE("the turnover statement can be asked for one account or without rows") {
  BillingDb b;
  b.account("100001");
  b.account("100002");
  b.charge("100001", "Монтаж", "100.00", "2026-11-01");
  b.charge("100002", "Монтаж", "200.00", "2026-11-01");
  const json::object one = b.call(
      "billing.turnover", R"({"from": "2026-11-01", "to": "2026-11-30", "account": "100002"})");
  REQUIRE(one.at("accounts").as_array().size() == 1);
  CHECK(one.at("accounts").as_array()[0].at("accrued") == "200.00");
  CHECK(one.at("totals").as_array()[0].at("closing") == "-200.00");
  const json::object bare = b.call(
      "billing.turnover", R"({"from": "2026-11-01", "to": "2026-11-30", "accounts": false})");
  CHECK(bare.at("accounts").as_array().empty());
  CHECK(bare.at("totals").as_array()[0].at("accrued") == "300.00");
  const Error e = b.error("billing.turnover", R"({"from": "2026-11-30", "to": "2026-11-01"})");
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "to", "before_from"));
}

TEST_CASE("debtors are the accounts overdue by at least min_days and min_amount") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001", "RUB", R"({"type": "person", "name": "Петров Пётр"})");
  b.account("100002");
  b.account("100003");
  b.call("billing.account.put", R"({"account": "100001", "phone": "+79990000001"})");
  for (const char* n : {"100001", "100002", "100003"}) b.connect(n, "net", "2026-01-01");
  b.run("2026-11");  // 600.00 each, due 2026-11-11
  b.pay("100002", "550.00", "p2");
  b.pay("100003", "600.00", "p3");
  b.set_clock("2026-12-01");

  json::object d = b.call("billing.debtors", "{}");
  CHECK(d.at("date") == "2026-12-01");
  CHECK(d.at("count") == 2);
  json::array list = d.at("debtors").as_array();
  REQUIRE(list.size() == 2);
  CHECK(list[0].at("account") == "100001");
  CHECK(list[0].at("holder") == "Петров Пётр");
  CHECK(list[0].at("phone") == "+79990000001");
  CHECK(list[0].at("overdue") == "600.00");
  CHECK(list[0].at("debt") == "600.00");
  CHECK(list[0].at("days_overdue") == 20);
  CHECK(list[0].at("oldest_due") == "2026-11-11");
  CHECK(list[1].at("account") == "100002");
  CHECK(list[1].at("overdue") == "50.00");

  d = b.call("billing.debtors", R"({"min_amount": "100.00"})");
  CHECK(d.at("count") == 1);
  CHECK(d.at("debtors").as_array()[0].at("account") == "100001");
  CHECK(b.call("billing.debtors", R"({"min_days": 20})").at("count") == 2);
  CHECK(b.call("billing.debtors", R"({"min_days": 21})").at("count") == 0);
  CHECK(b.call("billing.debtors", R"({"date": "2026-11-11"})").at("count") == 0);
  CHECK(b.call("billing.debtors", R"({"date": "2026-11-12"})").at("count") == 2);
  d = b.call("billing.debtors", R"({"limit": 1})");
  CHECK(d.at("count") == 2);
  CHECK(d.at("debtors").as_array().size() == 1);
}

TEST_CASE("billing.account.get counts lines posted by today and measures overdue today") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.run("2026-11");  // due 2026-11-11
  b.run("2026-12");  // dated 2026-12-01, due 2026-12-11
  b.pay("100001", "100.00", "p1");
  json::object a = b.call("billing.account.get", R"({"account": "100001"})");
  CHECK(a.at("balance") == "-500.00");  // December's line counts from 2026-12-01
  CHECK(a.at("debt") == "500.00");
  CHECK(a.at("overdue") == "0.00");
  CHECK(a.at("subscriptions").as_array().size() == 1);
  b.set_clock("2026-11-12");
  a = b.call("billing.account.get", R"({"account": "100001"})");
  CHECK(a.at("overdue") == "500.00");  // November less the payment; December not due
}

// billing.pay, billing.payment.storno, billing.check and the OSMP gateway
// through Database::call: idempotency by (channel, txn_id), conflicts,
// first-in-first-out settlement, advances and reversals. T21 and T22 are from
// /work/shared/research/billing.md §3.3.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "billing/billing_fixture.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// An account owing 600.00 for November 2026 (due 2026-11-11).
void owing(BillingDb& b, const char* number = "100001") {
  b.monthly("net", "600.00");
  b.account(number);
  b.connect(number, "net", "2026-01-01");
  b.run("2026-11");
}

}  // namespace

TEST_CASE("a payment is posted once with a receipt and the balance after it") {
  BillingDb b;
  owing(b);
  const json::object p = b.pay("100001", "500.00", "42", "osmp", "2026-11-01T12:01:33");
  CHECK(p.at("replayed") == false);
  CHECK(!text(p.at("receipt")).empty());
  CHECK(p.at("channel") == "osmp");
  CHECK(p.at("txn_id") == "42");
  CHECK(p.at("account") == "100001");
  CHECK(p.at("amount") == "500.00");
  CHECK(p.at("currency") == "RUB");
  CHECK(p.at("txn_date") == "2026-11-01T12:01:33");
  CHECK(p.at("date") == "2026-11-01");
  CHECK(p.at("received_at") == "2026-11-01T09:00:00Z");
  CHECK(p.at("balance") == "-100.00");
  CHECK(p.at("debt") == "100.00");
  CHECK(b.payments("100001").size() == 1);
}

TEST_CASE("a repeated payment returns the first answer and credits once") {
  // T22 [S:ABILLS-OSMP-T]: pay txn_id=42 sum=500.00 twice -> the same
  // prv_txn both times, the balance +500.00 once.
  BillingDb b;
  owing(b);
  json::object first = b.pay("100001", "500.00", "42", "osmp");
  b.set_clock("2026-11-02");
  json::object again = b.pay("100001", "500.00", "42", "osmp");
  CHECK(again.at("replayed") == true);
  CHECK(again.at("receipt") == first.at("receipt"));
  CHECK(again.at("balance") == "-100.00");  // as answered the first time
  first.erase("replayed");
  again.erase("replayed");
  CHECK(again == first);
  CHECK(b.payments("100001").size() == 1);
  CHECK(b.balance_of("100001") == -minor("100.00"));
}

TEST_CASE("the OSMP gateway answers a repeated pay with the same prv_txn and result 0") {
  // T22 [S:ABILLS-OSMP-T], §2.1: a repeat must not credit again.
  BillingDb b;
  owing(b);
  const json::object q{{"command", "pay"},
                       {"txn_id", "42"},
                       {"account", "100001"},
                       {"sum", "500.00"},
                       {"txn_date", "20261101120133"}};
  const json::object first =
      b.call("billing.gateway", json::object{{"protocol", "osmp"}, {"query", q}});
  const json::object again =
      b.call("billing.gateway", json::object{{"protocol", "osmp"}, {"query", q}});
  CHECK(first.at("result") == 0);
  CHECK(again.at("result") == 0);
  const std::string body = text(first.at("body"));
  const auto prv =
      body.substr(body.find("<prv_txn>"), body.find("</prv_txn>") - body.find("<prv_txn>"));
  CHECK(prv.size() > 9);
  CHECK(text(again.at("body")).find(prv) != std::string::npos);
  CHECK(b.payments("100001").size() == 1);
  CHECK(b.balance_of("100001") == -minor("100.00"));
}

TEST_CASE("the same txn_id in another channel is another payment") {
  BillingDb b;
  owing(b);
  const json::object kaspi = b.pay("100001", "300.00", "42", "kaspi");
  const json::object osmp = b.pay("100001", "300.00", "42", "osmp");
  CHECK(osmp.at("replayed") == false);
  CHECK(osmp.at("receipt") != kaspi.at("receipt"));
  CHECK(b.balance_of("100001") == 0);
}

TEST_CASE("a txn_id reused with another amount is a conflict and posts nothing") {
  BillingDb b;
  owing(b);
  b.pay("100001", "500.00", "42");
  const Error e = b.error("billing.pay", R"({"channel": "kaspi", "txn_id": "42",
                                            "account": "100001", "amount": "501.00"})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "txn_id", "txn_reused"));
  CHECK(b.payments("100001").size() == 1);
  CHECK(b.balance_of("100001") == -minor("100.00"));
}

TEST_CASE("a txn_id reused for another account is a conflict and posts nothing") {
  BillingDb b;
  owing(b, "100001");
  b.account("100002");
  b.pay("100001", "500.00", "42");
  const Error e = b.error("billing.pay", R"({"channel": "kaspi", "txn_id": "42",
                                            "account": "100002", "amount": "500.00"})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "txn_id", "txn_reused"));
  CHECK(b.payments("100002").empty());
  CHECK(b.balance_of("100002") == 0);
  CHECK(b.payments("100001").size() == 1);
}

TEST_CASE("a payment settles the oldest accruals first and leaves the rest open") {
  // T21 [I]: Jan fee 499.00 due 01-10, Feb fee 499.00 due 02-10, router
  // 1500.00 due 02-15; a payment of 1000.00 closes both fees and leaves
  // 1498.00 of the router open.
  BillingDb b;
  b.tariff(R"({"code": "isp", "name": "Интернет", "fee": "499.00", "payment_term_days": 9})");
  b.account("100001");
  b.connect("100001", "isp", "2026-01-01");
  b.call("billing.subscription.disconnect", R"({"subscription": 1, "date": "2026-02-28"})");
  b.run("2026-01");
  b.run("2026-02");
  b.charge("100001", "Роутер", "1500.00", "2026-02-05", 10);
  b.pay("100001", "1000.00", "t21", "bank", "2026-02-20");
  const json::object bal = b.balance("100001", "2026-02-20");
  CHECK(bal.at("accrued") == "2498.00");
  CHECK(bal.at("paid") == "1000.00");
  CHECK(bal.at("balance") == "-1498.00");
  CHECK(bal.at("debt") == "1498.00");
  CHECK(bal.at("overdue") == "1498.00");
  CHECK(bal.at("oldest_overdue_due") == "2026-02-15");
  const json::array open = bal.at("open_items").as_array();
  REQUIRE(open.size() == 1);
  CHECK(open[0].at("due_date") == "2026-02-15");
  CHECK(open[0].at("open") == "1498.00");
  CHECK(open[0].at("days_overdue") == 5);
}

TEST_CASE("settlement follows the due date, not the posting order") {
  BillingDb b;
  b.account("100001");
  // Posted first but due last.
  b.charge("100001", "Рассрочка", "300.00", "2026-10-01", 60);  // due 11-30
  b.charge("100001", "Монтаж", "200.00", "2026-10-05", 10);     // due 10-15
  b.pay("100001", "200.00", "p1");
  const json::array open = b.balance("100001").at("open_items").as_array();
  REQUIRE(open.size() == 1);
  CHECK(open[0].at("due_date") == "2026-11-30");
  CHECK(open[0].at("open") == "300.00");
  CHECK(b.balance("100001").at("overdue") == "0.00");
}

TEST_CASE("an overpayment stays as an advance and pays the next accrual") {
  BillingDb b;
  owing(b);
  const json::object p = b.pay("100001", "1000.00", "p1");
  CHECK(p.at("balance") == "400.00");
  CHECK(p.at("debt") == "0.00");
  json::object bal = b.balance("100001");
  CHECK(bal.at("advance") == "400.00");
  CHECK(bal.at("open_items").as_array().empty());
  b.run("2026-12");
  bal = b.balance("100001", "2026-12-01");
  CHECK(bal.at("balance") == "-200.00");
  CHECK(bal.at("advance") == "0.00");
  CHECK(bal.at("debt") == "200.00");
  const json::array open = bal.at("open_items").as_array();
  REQUIRE(open.size() == 1);
  CHECK(open[0].at("due_date") == "2026-12-11");
  CHECK(open[0].at("open") == "200.00");
}

TEST_CASE("a payment into an account without accruals is all advance") {
  BillingDb b;
  b.account("100001");
  b.pay("100001", "250.00", "p1");
  const json::object bal = b.balance("100001");
  CHECK(bal.at("balance") == "250.00");
  CHECK(bal.at("advance") == "250.00");
  CHECK(bal.at("debt") == "0.00");
}

TEST_CASE("a payment storno takes the money back from the storno's date") {
  BillingDb b;
  owing(b);
  const json::object p = b.pay("100001", "600.00", "p1");
  CHECK(b.balance_of("100001") == 0);
  b.set_clock("2026-11-05");
  const json::object s =
      b.call("billing.payment.storno", json::object{{"receipt", p.at("receipt")}});
  CHECK(s.at("receipt") == p.at("receipt"));
  CHECK(s.at("amount") == "-600.00");
  CHECK(s.at("date") == "2026-11-05");
  CHECK(s.at("balance") == "-600.00");
  // Before the storno the payment still counts.
  CHECK(b.balance_of("100001", "2026-11-04") == 0);
  CHECK(b.balance_of("100001", "2026-11-05") == -minor("600.00"));
  const json::array pays = b.payments("100001");
  REQUIRE(pays.size() == 2);
  CHECK(pays[1].at("kind") == "storno");
  CHECK(pays[1].at("reverses") == pays[0].at("id"));
}

TEST_CASE("a repeat of a reversed payment is answered as before and credits nothing") {
  BillingDb b;
  owing(b);
  const json::object p = b.pay("100001", "600.00", "p1");
  b.call("billing.payment.storno", json::object{{"receipt", p.at("receipt")}});
  const json::object again = b.pay("100001", "600.00", "p1");
  CHECK(again.at("replayed") == true);
  CHECK(again.at("receipt") == p.at("receipt"));
  CHECK(b.balance_of("100001") == -minor("600.00"));
}

TEST_CASE("a payment can be reversed once, a storno never, an unknown receipt not at all") {
  BillingDb b;
  owing(b);
  const json::object p = b.pay("100001", "600.00", "p1");
  const json::object s =
      b.call("billing.payment.storno", json::object{{"receipt", p.at("receipt")}});
  Error e = b.error("billing.payment.storno", json::object{{"receipt", p.at("receipt")}});
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "receipt", "already_reversed"));
  e = b.error("billing.payment.storno", json::object{{"receipt", s.at("storno")}});
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "receipt", "is_storno"));
  e = b.error("billing.payment.storno", R"({"receipt": "999"})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "receipt", "unknown_receipt"));
  e = b.error("billing.payment.storno", R"({"receipt": "12a"})");
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "receipt", "receipt"));
  CHECK(b.payments("100001").size() == 2);
}

TEST_CASE("a payment counts from its business date, taken from txn_date") {
  BillingDb b;
  owing(b);
  b.pay("100001", "600.00", "p1", "osmp", "2026-11-20T23:59:59");
  CHECK(b.balance_of("100001", "2026-11-19") == -minor("600.00"));
  CHECK(b.balance_of("100001", "2026-11-20") == 0);
  b.pay("100001", "100.00", "p2", "osmp", "2026-11-25");
  CHECK(b.balance_of("100001", "2026-11-25") == minor("100.00"));
}

TEST_CASE("billing.check tells the amount due with a masked name and changes nothing") {
  BillingDb b;
  owing(b);
  const json::array before = b.ledger("100001");
  const json::object c = b.call("billing.check", R"({"channel": "kaspi", "account": "100001"})");
  CHECK(c.at("account") == "100001");
  CHECK(c.at("status") == "active");
  CHECK(c.at("holder") == "Иван Иванович И.");
  CHECK(c.at("currency") == "RUB");
  CHECK(c.at("amount_due") == "600.00");
  CHECK(c.at("balance") == "-600.00");
  CHECK(c.at("overdue") == "0.00");
  CHECK(b.ledger("100001") == before);
}

TEST_CASE("a payment may name the holder's IIN when one account has it") {
  BillingDb b;
  b.account("200001", "KZT",
            R"({"type": "person", "name": "Сейткали Айгерим", "iin": "061211600012"})");
  const json::object p = b.pay("061211600012", "5000.00", "k1");
  CHECK(p.at("account") == "200001");
  CHECK(p.at("currency") == "KZT");
  CHECK(b.balance_of("200001") == minor("5000.00"));
}

TEST_CASE("a holder IIN shared by two accounts is ambiguous and posts nothing") {
  BillingDb b;
  const char* holder = R"({"type": "person", "name": "Сейткали Айгерим", "iin": "061211600012"})";
  b.account("200001", "KZT", holder);
  b.account("200002", "KZT", holder);
  const Error e = b.error("billing.pay", R"({"channel": "kaspi", "txn_id": "k1",
                                            "account": "061211600012", "amount": "5000.00"})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "account", "ambiguous"));
  CHECK(b.payments("200001").empty());
  CHECK(b.payments("200002").empty());
}

TEST_CASE("a payment that clears the debt leaves nothing open") {
  BillingDb b;
  owing(b);
  b.pay("100001", "250.00", "p1");
  b.pay("100001", "350.00", "p2");
  const json::object bal = b.balance("100001");
  CHECK(bal.at("balance") == "0.00");
  CHECK(bal.at("debt") == "0.00");
  CHECK(bal.at("open_items").as_array().empty());
  CHECK(b.call("billing.account.get", R"({"account": "100001"})").at("debt") == "0.00");
}

TEST_CASE("billing.check and a payment's answer count lines posted by today, overdue of today") {
  // December is billed early, on 2026-11-01, but dated 2026-12-01: until then
  // the payer is asked for November only; an extra payment stays an advance.
  BillingDb b;
  owing(b);
  b.run("2026-12");
  const json::object c = b.call("billing.check", R"({"channel": "kaspi", "account": "100001"})");
  CHECK(c.at("amount_due") == "600.00");
  CHECK(c.at("overdue") == "0.00");
  const json::object p = b.pay("100001", "600.00", "p1");
  CHECK(p.at("balance") == "0.00");
  CHECK(p.at("debt") == "0.00");
  b.pay("100001", "600.00", "p2");
  CHECK(b.call("billing.check", R"({"channel": "kaspi", "account": "100001"})").at("balance") ==
        "600.00");
  b.set_clock("2026-11-12");
  const json::object s =
      b.call("billing.payment.storno", json::object{{"receipt", p.at("receipt")}});
  CHECK(s.at("balance") == "0.00");
  // FIFO: the remaining payment covers November, December is not due yet.
  CHECK(b.call("billing.check", R"({"channel": "kaspi", "account": "100001"})").at("overdue") ==
        "0.00");
}

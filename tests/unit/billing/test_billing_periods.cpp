// Closed periods through Database::call: billing.period.close locks every day
// up to a date, so that payments, charges, runs, stornos and subscription
// changes dated on or before it are refused with the field and the closed
// date named (OPORA_EVALIDATION, rule "period_closed"), while a payment
// dated today and a recalculation of a closed month (dated today) still go
// through; billing.period.reopen moves the date back with a reason, and both
// are journalled.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "billing/billing_fixture.hpp"
#include "core/base64.hpp"
#include "core/cp1251.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// An account on 600.00 in advance since January, October and November
// billed, the clock on 2026-11-10 and October closed.
void closed_october(BillingDb& b) {
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.run("2026-10");
  b.run("2026-11");
  b.set_clock("2026-11-10");
  b.call("billing.period.close", R"({"until": "2026-10-31"})");
}

// The error a call raises is a closed-period refusal of `field` naming the
// closed day.
void check_closed(BillingDb& b, std::string_view method, const json::object& params,
                  std::string_view field) {
  const Error e = b.error(method, params);
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, field, "period_closed"));
  CHECK(std::string(e.what()).find("2026-10-31") != std::string::npos);
}

}  // namespace

// Issue 13 §2. Was: nothing stopped a posting into a finished period; a
// payment dated 2000-01-01 was accepted and moved every balance since 2000.
TEST_CASE("a payment dated inside a closed period is refused; dated today it is taken") {
  BillingDb b;
  closed_october(b);
  const json::array before = b.ledger("100001");
  for (const char* date : {"2000-01-01", "2026-10-31", "2026-10-31T23:59:59"})
    check_closed(b, "billing.pay",
                 json::object{{"channel", "kaspi"},
                              {"txn_id", std::string("t-") + date},
                              {"account", "100001"},
                              {"amount", "600.00"},
                              {"txn_date", date}},
                 "txn_date");
  CHECK(b.ledger("100001") == before);
  // The same money for October's debt, dated by the bank today: taken.
  CHECK(b.pay("100001", "600.00", "t-today").at("date") == "2026-11-10");
  CHECK(b.pay("100001", "600.00", "t-nov", "kaspi", "2026-11-01").at("date") == "2026-11-01");
}

TEST_CASE("a payment dated 2000-01-01 on a database with nothing closed is posted sanely") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.pay("100001", "100.00", "old", "kaspi", "2000-01-01");
  b.run("2026-11");
  CHECK(money_text(b.balance_of("100001", "2000-01-01")) == "100.00");
  CHECK(money_text(b.balance_of("100001", "2026-11-01")) == "-500.00");
  check_position(b, "100001", "2026-11-01");
  check_turnover_reconciles(b, "2000-01-01", "2026-11-30");
}

TEST_CASE("a repeated payment is answered as the first even after its day was closed") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  const json::object first = b.pay("100001", "600.00", "42", "kaspi", "2026-10-15");
  b.set_clock("2026-11-10");
  b.call("billing.period.close", R"({"until": "2026-10-31"})");
  const json::object again = b.pay("100001", "600.00", "42", "kaspi", "2026-10-15");
  CHECK(again.at("replayed") == true);
  CHECK(again.at("receipt") == first.at("receipt"));
}

TEST_CASE("a gateway pay dated in a closed period gets a final refusal and posts nothing") {
  BillingDb b;
  closed_october(b);
  const json::object r = b.call(
      "billing.gateway",
      json::object{
          {"protocol", "osmp"},
          {"query", "command=pay&txn_id=77&account=100001&sum=600.00&txn_date=20261031235900"}});
  CHECK(r.at("result") == 7);  // payment forbidden by provider: final
  CHECK(text(r.at("body")).find("2026-10-31") != std::string::npos);
  CHECK(b.payments("100001").empty());
}

TEST_CASE("a bank statement with a document received on a closed day is refused whole") {
  BillingDb b;
  b.call("billing.organization.put", R"({"type": "company", "name": "ООО Связь",
    "inn": "7707083893", "kpp": "773601001", "bank": {"account": "40702810138250123017",
    "name": "ПАО Сбербанк", "bic": "044525225", "corr_account": "30101810400000000225"}})");
  closed_october(b);
  std::vector<std::string> lines = {"1CClientBankExchange", "ВерсияФормата=1.03",
                                    "Кодировка=Windows",    "ДатаНачала=30.10.2026",
                                    "ДатаКонца=02.11.2026", "РасчСчет=40702810138250123017"};
  const auto document = [&](const char* number, const char* date) {
    for (std::string l :
         {std::string("СекцияДокумент=Платежное поручение"), std::string("Номер=") + number,
          std::string("Дата=") + date, std::string("Сумма=100.00"),
          std::string("ПлательщикСчет=40702810900000012345"), std::string("Плательщик=Иванов И.И."),
          std::string("ПолучательСчет=40702810138250123017"), std::string("ДатаПоступило=") + date,
          std::string("НазначениеПлатежа=Оплата по л/с 100001"), std::string("КонецДокумента")})
      lines.push_back(l);
  };
  document("1", "02.11.2026");
  document("2", "30.10.2026");
  lines.emplace_back("КонецФайла");
  std::string content;
  for (const auto& l : lines) content += l + "\r\n";
  const json::object params{
      {"content_base64", opora::base64_encode(*opora::utf8_to_cp1251(content))}};
  const Error e = b.error("billing.statement.import", params);
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(std::string(e.what()).find("2026-10-31") != std::string::npos);
  // The refusal names the document in the file, not a parameter the host never sent.
  CHECK(has_error(e, "content_base64", "period_closed"));
  CHECK(std::string(e.what()).find("statement document № 2 of 2026-10-30") != std::string::npos);
  CHECK(b.payments("100001").empty());  // the November document is not posted either
}

TEST_CASE("charges, subscription changes and tax rates dated into a closed period are refused") {
  BillingDb b;
  closed_october(b);
  b.monthly("fast", "900.00");
  check_closed(b, "billing.charge",
               obj(R"({"account": "100001", "name": "Роутер", "amount": "1500.00",
                       "date": "2026-10-20"})"),
               "date");
  check_closed(b, "billing.subscription.change_tariff",
               obj(R"({"subscription": 1, "tariff": "fast", "when": "date",
                       "date": "2026-10-15"})"),
               "date");
  check_closed(b, "billing.subscription.disconnect",
               obj(R"({"subscription": 1, "date": "2026-10-20"})"), "date");
  check_closed(b, "billing.subscription.freeze",
               obj(R"({"subscription": 1, "from": "2026-10-25", "to": "2026-11-20"})"), "from");
  check_closed(b, "billing.discount.add",
               obj(R"({"account": "100001", "name": "Скидка", "percent": "10",
                       "from": "2026-10-01"})"),
               "from");
  check_closed(b, "billing.subscription.connect",
               obj(R"({"account": "100001", "tariff": "fast", "service": "tv",
                       "date": "2026-10-01"})"),
               "date");
  check_closed(b, "billing.tax.define",
               obj(R"({"code": "ru_vat", "rate": "25", "valid_from": "2026-10-01"})"),
               "valid_from");
  // The same changes from the first open day go through; a disconnection on
  // the last closed day changes no closed day.
  b.call("billing.charge", R"({"account": "100001", "name": "Роутер", "amount": "1500.00",
    "date": "2026-11-01"})");
  b.call("billing.subscription.freeze",
         R"({"subscription": 1, "from": "2026-11-01", "to": "2026-11-05"})");
  b.call("billing.subscription.disconnect", R"({"subscription": 1, "date": "2026-10-31"})");
}

TEST_CASE("an unfreeze dated into a closed period is refused") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.call("billing.subscription.freeze", R"({"subscription": 1, "from": "2026-10-01"})");
  b.set_clock("2026-11-10");
  b.call("billing.period.close", R"({"until": "2026-10-31"})");
  check_closed(b, "billing.subscription.unfreeze",
               obj(R"({"subscription": 1, "date": "2026-10-20"})"), "date");
  b.call("billing.subscription.unfreeze", R"({"subscription": 1, "date": "2026-11-11"})");
}

TEST_CASE("a run that would post lines on a closed day is refused whole") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.account("100002");
  b.connect("100001", "net", "2026-01-01");
  b.set_clock("2026-11-10");
  b.call("billing.period.close", R"({"until": "2026-10-31"})");
  // October was never billed: its lines would be dated 2026-10-01.
  const Error e = b.error("billing.run", R"({"period": "2026-10", "chunk_size": 1})");
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "period", "period_closed"));
  CHECK(b.accruals("100001").empty());
  CHECK(b.call("billing.run.list", "{}").at("runs").as_array().empty());
}

TEST_CASE(
    "a closed month is still recalculated, dated today, and its closed days keep their balance") {
  BillingDb b;
  closed_october(b);
  const int64_t closed_balance = b.balance_of("100001", "2026-10-31");
  // A price correction after the close: October's re-run posts its
  // recalculation on 2026-11-10, in the open period.
  b.monthly("net", "540.00");
  b.run("2026-10");
  const json::array adj = b.accruals("100001", "adjustment");
  REQUIRE(adj.size() == 2);
  for (const auto& l : adj) CHECK(l.at("date") == "2026-11-10");
  CHECK(BillingDb::sum(adj) == -minor("60.00"));
  CHECK(b.balance_of("100001", "2026-10-31") == closed_balance);
  // Cancelling October's runs stornos them today as well.
  const json::array runs =
      b.call("billing.run.list", R"({"period": "2026-10"})").at("runs").as_array();
  REQUIRE(runs.size() == 2);
  b.cancel(runs[1].at("run").as_int64());
  b.cancel(runs[0].at("run").as_int64());
  CHECK(b.balance_of("100001", "2026-10-31") == closed_balance);
  for (const auto& l : b.accruals("100001", "storno")) CHECK(text(l.at("date")) >= "2026-11-10");
}

TEST_CASE("a storno of a payment from a closed day is dated today and leaves the closed days") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  const json::object paid = b.pay("100001", "600.00", "1", "kaspi", "2026-10-15");
  b.set_clock("2026-11-10");
  b.call("billing.period.close", R"({"until": "2026-10-31"})");
  const json::object s =
      b.call("billing.payment.storno", json::object{{"receipt", paid.at("receipt")}});
  CHECK(s.at("date") == "2026-11-10");
  CHECK(money_text(b.balance_of("100001", "2026-10-31")) == "600.00");
}

TEST_CASE("only days that have passed can be closed, and the closed date moves forward only") {
  BillingDb b;
  b.set_clock("2026-11-10");
  const Error future = b.error("billing.period.close", R"({"until": "2026-11-10"})");
  CHECK(future.code() == ErrorCode::validation);
  CHECK(has_error(future, "until", "not_past"));
  json::object r = b.call("billing.period.close", R"({"until": "2026-10-31"})");
  CHECK(r.at("closed_until") == "2026-10-31");
  CHECK(r.at("previous").is_null());
  CHECK(r.at("changed") == true);
  r = b.call("billing.period.close", R"({"until": "2026-10-31"})");  // a repeat
  CHECK(r.at("changed") == false);
  const Error back = b.error("billing.period.close", R"({"until": "2026-09-30"})");
  CHECK(back.code() == ErrorCode::state);
  CHECK(has_error(back, "until", "already_closed"));
  r = b.call("billing.period.close", R"({"until": "2026-11-09"})");
  CHECK(r.at("previous") == "2026-10-31");
}

TEST_CASE("a period cannot be closed under a run stopped half-way") {
  BillingDb b;
  b.monthly("net", "600.00");
  for (const char* n : {"100001", "100002"}) {
    b.account(n);
    b.connect(n, "net", "2026-01-01");
  }
  b.db().set_progress([](std::string_view, int64_t, int64_t) { return false; });
  CHECK(b.call("billing.run", R"({"period": "2026-10", "chunk_size": 1})").at("complete") == false);
  b.db().set_progress(nullptr);
  b.set_clock("2026-11-10");
  const Error e = b.error("billing.period.close", R"({"until": "2026-10-31"})");
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "until", "run_running"));
  b.run("2026-10");  // finished
  b.call("billing.period.close", R"({"until": "2026-10-31"})");
}

TEST_CASE("a reopen needs a reason, moves the closed date back and is journalled") {
  BillingDb b;
  closed_october(b);
  const Error no_reason = b.error("billing.period.reopen", R"({"from": "2026-10-01"})");
  CHECK(no_reason.code() == ErrorCode::invalid);
  CHECK(has_error(no_reason, "reason", "required"));
  const json::object r = b.call("billing.period.reopen", R"({"from": "2026-10-01",
    "actor": "Бухгалтер Петрова", "reason": "поздняя выписка банка"})");
  CHECK(r.at("closed_until") == "2026-09-30");
  b.pay("100001", "600.00", "late", "bank", "2026-10-30");
  const Error not_closed =
      b.error("billing.period.reopen", R"({"from": "2026-10-01", "reason": "again"})");
  CHECK(not_closed.code() == ErrorCode::state);
  const json::object list = b.call("billing.period.list", "{}");
  CHECK(list.at("closed_until") == "2026-09-30");
  const json::array& h = list.at("history").as_array();
  REQUIRE(h.size() == 2);
  CHECK(h[0].at("action") == "close");
  CHECK(h[0].at("until") == "2026-10-31");
  CHECK(h[1].at("action") == "reopen");
  CHECK(h[1].at("actor") == "Бухгалтер Петрова");
  CHECK(h[1].at("reason") == "поздняя выписка банка");
}

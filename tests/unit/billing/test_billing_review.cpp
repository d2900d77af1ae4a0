// Bugs an independent review of the billing module found, now fixed. Each
// TEST_CASE was confirmed failing through Database::call before the fix: the
// name states what a user expects, the comment the cause it had (file,
// function, why), so a regression names its own reason.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "billing/billing_fixture.hpp"
#include "core/base64.hpp"
#include "core/cp1251.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// One of our organisations with valid bank details (Sberbank's INN, BIK and
// the QRCoder test account), so QR codes and statement imports can run.
constexpr const char* kOrg = R"({"type": "company", "name": "ООО Связь", "inn": "7707083893",
  "kpp": "773601001", "bank": {"account": "40702810138250123017", "name": "ПАО Сбербанк",
  "bic": "044525225", "corr_account": "30101810400000000225"}})";
constexpr const char* kOurAccount = "40702810138250123017";

// A 1CClientBankExchange file (lines joined with CRLF, windows-1251) as the
// params of billing.statement.import.
json::object statement_params(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\r\n";
  const auto bytes = opora::utf8_to_cp1251(text);
  REQUIRE(bytes.has_value());
  return json::object{{"content_base64", json::string(opora::base64_encode(*bytes))}};
}

std::vector<std::string> statement_with_balance(const std::string& opening,
                                                const std::string& incoming,
                                                const std::string& outgoing,
                                                const std::string& closing) {
  return {"1CClientBankExchange",
          "ВерсияФормата=1.03",
          "Кодировка=Windows",
          "ДатаНачала=11.01.2026",
          "ДатаКонца=11.01.2026",
          std::string("РасчСчет=") + kOurAccount,
          "СекцияРасчСчет",  // line 7
          "ДатаНачала=11.01.2026",
          "ДатаКонца=11.01.2026",
          std::string("РасчСчет=") + kOurAccount,
          "НачальныйОстаток=" + opening,
          "ВсегоПоступило=" + incoming,
          "ВсегоСписано=" + outgoing,
          "КонечныйОстаток=" + closing,  // line 14
          "КонецРасчСчет",
          "КонецФайла"};
}

}  // namespace

// Cause: src/billing/run.cpp, Runner::account_lines, gives every
// subscription of an account a copy of each account-level discount
// (`if (!sub || *sub == s.id)`), and accrue_subscription prorates a fixed
// discount per subscription. A fixed amount "per month, for an account"
// (docs/billing.md) is therefore given once per subscription: 100.00 off
// becomes 200.00 off for an account with internet and TV. Fix: spread an
// account's fixed discount once over the account's lines (e.g. apply it to
// the first subscription, or allocate it across lines), keep percent
// discounts per line.
TEST_CASE("a fixed account discount is taken off once a month and not once per subscription") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.monthly("tv", "300.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01", "internet");
  b.connect("100001", "tv", "2026-01-01", "tv");
  b.call("billing.discount.add", R"({"account": "100001", "name": "Лояльность",
    "amount": "100.00", "from": "2026-01-01"})");
  b.run("2026-11");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  CHECK(money_text(BillingDb::sum(lines)) == "800.00");
}

// Cause: src/billing/run.cpp, Runner::account_lines, ends each tariff span
// the day before the next tariff row (`sp.to = next.first - 1`) and so
// overwrites the subscription's end date for every span but the last. A
// tariff change planned for the 20th followed by a disconnection on the 10th
// bills the old tariff to the 19th: nine days of service after the last day
// billed. (billing.subscription.disconnect leaves the planned change row in
// place.) Fix: sp.to = min(next.first - 1, s.span.to) when the subscription
// has an end; or delete tariff rows after the last day on disconnect.
TEST_CASE("a disconnection before a planned tariff change ends billing on the last day") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.monthly("fast", "900.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  b.call("billing.subscription.change_tariff",
         json::object{
             {"subscription", sub}, {"tariff", "fast"}, {"when", "date"}, {"date", "2026-11-20"}});
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-10"}});
  b.run("2026-11");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  CHECK(money_text(BillingDb::sum(lines)) == "200.00");  // 600.00 x 10/30
  for (const auto& l : lines) CHECK(text(l.at("date")) <= "2026-11-10");
}

// Cause: src/billing/run.cpp, Runner::post_difference, dates an adjustment
// max(today, first day of the period). For an arrears tariff the line it
// corrects is dated the period's last day, so a recalculation made during
// the month (disconnection after an early run) credits the subscriber weeks
// before the fee itself is posted: from 2026-11-01 to 2026-11-29 the account
// shows an advance of 300.00 for a month nothing was charged for yet. (The
// branch meant to move the date to the period's end can never be taken: it
// needs l.date > period.last() and today <= period.last() at once.) Fix:
// date the adjustment no earlier than the latest posted line it corrects,
// as cancel_run does for its storno lines.
TEST_CASE("a recalculation of an arrears month is never dated before the fee it corrects") {
  BillingDb b;
  b.tariff(R"({"code": "arr", "name": "Постоплата", "fee": "600.00", "billing": "arrears"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "arr", "2026-01-01");
  b.run("2026-11");  // one line dated 2026-11-30
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-15"}});
  b.run("2026-11");  // -600.00 and 300.00
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  REQUIRE(lines.size() == 3);
  for (const auto& l : lines) CHECK(text(l.at("date")) >= "2026-11-30");
  CHECK(money_text(b.balance_of("100001", "2026-11-10")) == "0.00");
  CHECK(money_text(b.balance_of("100001", "2026-11-30")) == "-300.00");
}

// Cause: src/billing/subscribers.cpp, Billing::define_tariff, replaces a tariff
// whatever its currency, while only connect/change_tariff compare the
// tariff's currency with the account's. Redefining a tariff in use in another
// currency makes billing.run post the KZT fee as minor units of the RUB
// account (5000.00 "RUB" for a 600.00 RUB tariff); with a fixed discount the
// run instead dies on a currency mismatch. Fix: refuse a currency change of
// a tariff that any subscription uses (field "currency", e.g. rule
// "immutable"), as put_account does for accounts.
TEST_CASE("a tariff in use cannot be redefined in another currency") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  const ErrorCode redefined = outcome([&] {
    b.tariff(R"({"code": "net", "name": "Интернет", "fee": "5000.00", "currency": "KZT"})");
  });
  CHECK(redefined != ErrorCode::ok);
  if (redefined == ErrorCode::ok) {
    b.run("2026-11");
    const json::array lines = b.accruals("100001");
    INFO(lines_text(lines));
    CHECK(money_text(BillingDb::sum(lines)) != "5000.00");
  }
}

// Cause: src/billing/subscribers.cpp, parse_tariff, accepts any fee Money can
// hold (up to 92233720368547758.07); src/billing/terms.cpp, split_vat, then
// throws Error(overflow) for net + VAT of an on_top tariff inside billing.run.
// The error aborts the chunk, and as every run of the period reaches the
// same account, the period can never be billed for anyone in its chunk
// (10000 accounts by default). Fix: bound a tariff's fee (and freeze fee) at
// definition so that a month of it with VAT fits, field "fee", rule "range";
// the same bound serves daily fees x 31.
TEST_CASE("a tariff too large to bill is refused when defined and never breaks the run") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-11-01");
  const ErrorCode defined = outcome([&] {
    b.tariff(R"({"code": "huge", "name": "Огромный", "fee": "92233720368547758.07",
                 "vat_mode": "on_top"})");
  });
  if (defined == ErrorCode::ok) {
    b.account("100002");
    b.connect("100002", "huge", "2026-11-01");
  } else {
    const Error e = b.error("billing.tariff.define", R"({"tariff": "huge", "name": "Огромный",
      "fee": "92233720368547758.07", "vat_mode": "on_top"})");
    CAPTURE(describe(e));
    CHECK(e.field_errors().size() == 1);
  }
  CHECK(outcome([&] { b.run("2026-11"); }) == ErrorCode::ok);
  CHECK(b.accruals("100001").size() == 1);
}

// Cause: src/billing/payments.cpp, Billing::pay, accepts any positive amount
// Money can hold, and post_payment adds it to the balance in int64
// (`before.balance() + amount`) without a check: the second payment of
// 92233720368547758.07 overflows (undefined behaviour; the sanitizer build
// aborts here, a release build answers a wrapped balance of -0.02 and posts
// the row). From then on SQLite's SUM over the account's payments raises
// "integer overflow", so billing.balance/check/get fail for the account
// with OPORA_ERROR. Fix: a maximum payment amount (the gateway already stops
// at 15 integer digits), field "amount", rule "range", and checked
// additions (Money) wherever balances are summed.
TEST_CASE(
    "payments too large for the ledger to add up are refused and the account stays readable") {
  BillingDb b;
  b.account("100001");
  const ErrorCode first = outcome([&] { b.pay("100001", "92233720368547758.07", "1"); });
  const ErrorCode second = outcome([&] { b.pay("100001", "92233720368547758.07", "2"); });
  CHECK((first != ErrorCode::ok || second != ErrorCode::ok));
  CHECK(outcome([&] { b.balance("100001"); }) == ErrorCode::ok);
  CHECK(outcome([&] { b.call("billing.check", R"({"channel": "kaspi", "account": "100001"})"); }) ==
        ErrorCode::ok);
}

// Cause: src/billing/bank_statement.cpp, read_balance, checks
// `*opening + *incoming - *outgoing != *closing` in int64: amounts near the
// top of the range overflow (undefined behaviour; the sanitizer build aborts
// on this input) and in practice wrap, so a balance section whose invariant
// plainly fails (92233720368547758.07 + 0.02 = -92233720368547758.07) is
// accepted. Fix: compare in 128 bits or with checked Money arithmetic.
TEST_CASE("a statement whose balance line does not add up is refused whatever the amounts") {
  BillingDb b;
  b.call("billing.organization.put", kOrg);
  const Error e = b.error("billing.statement.import",
                          statement_params(statement_with_balance(
                              "92233720368547758.07", "0.02", "0.00", "-92233720368547758.07")));
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "lines[14].КонечныйОстаток", "balance_invariant"));
}

// Cause: src/billing/qr_statement.cpp, Billing::qr, builds the QR for any
// document of kind "accrual" from its totals.gross. A correction document
// ("custom.correction": "decrease", written by run.cpp for a negative
// recalculation) shows the reduction with positive prices, so its QR asks
// the subscriber to pay the 600.00 he was credited; a run's document
// reversed by billing.run.cancel still yields a QR for money no longer
// owed. Fix: refuse (validation, field "document") a correction document and
// a document whose status is "reversed".
TEST_CASE("a payment QR is only built for an accrual document that is still owed") {
  BillingDb b;
  b.call("billing.organization.put", kOrg);
  b.monthly("net", "600.00");
  b.call("billing.account.put", json::object{{"account", "100001"},
                                             {"holder", json::parse(kPerson)},
                                             {"organization", "7707083893"}});
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  const int64_t dec = b.run("2026-12").at("run").as_int64();  // advance, dated 2026-12-01
  b.call("billing.subscription.disconnect",
         json::object{{"subscription", sub}, {"date", "2026-11-20"}});
  const int64_t fix = b.run("2026-12").at("run").as_int64();  // -600.00 in a correction document
  const json::array adj = b.accruals("100001", "adjustment");
  REQUIRE(adj.size() == 1);
  REQUIRE(adj[0].at("document").is_int64());
  const ErrorCode correction = outcome([&] {
    b.call("billing.qr", json::object{{"document", adj[0].at("document").as_int64()}});
  });
  CHECK(correction == ErrorCode::validation);

  b.cancel(fix);  // runs of a period are cancelled newest first
  b.cancel(dec);
  const json::array fee = b.accruals("100001", "fee");
  REQUIRE(fee.size() == 1);
  const ErrorCode reversed = outcome([&] {
    b.call("billing.qr", json::object{{"document", fee[0].at("document").as_int64()}});
  });
  CHECK(reversed == ErrorCode::validation);
}

// Cause: src/billing/terms.cpp, accrue_subscription, counts the active days
// of an unprorated tariff (proration "none") per tariff *span*
// (active_of_tariff is indexed by the span), so a subscriber who leaves a
// tariff and comes back to it within a month pays that tariff's whole fee
// twice: once for each span. "The whole fee for any day of service" is one
// fee per tariff per month. Fix: key the rank/active-day counts by the tariff
// (code), not by the span index.
TEST_CASE("an unprorated tariff is billed once a month even when the subscriber returns to it") {
  BillingDb b;
  b.tariff(R"({"code": "flat", "name": "Безлимит", "fee": "600.00", "proration": "none"})");
  b.tariff(R"({"code": "flat2", "name": "Безлимит+", "fee": "900.00", "proration": "none"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "flat", "2026-01-01");
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "flat2"}, {"date", "2026-11-10"}});
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "flat"}, {"date", "2026-11-20"}});
  b.run("2026-11");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  CHECK(money_text(BillingDb::sum(lines)) == "1500.00");  // flat once, flat2 once
}

// Cause: src/billing/charges.cpp, Billing::add_charge, computes the due date
// with on.add_days(term); for a charge dated near the end of the supported
// range (2999-12-31 plus the default 10 days) Date::add_days throws
// Error(invalid) "date out of range 1900..2999 (3000)" with no field
// errors, so the host cannot tell which input to fix. (run.cpp's
// post_difference has the same problem for an arrears tariff in period
// 2999-12: the run fails for the whole chunk with the same anonymous
// error.) Fix: check the due date up front and report it against "date"
// (or "payment_term_days") with a rule such as "range".
TEST_CASE("a charge near the end of the calendar is due on its last day, not refused") {
  // Fixed: due dates are clamped to 2999-12-31 (billing::due_date), so a
  // valid line never becomes unrepresentable, in charges and in runs.
  BillingDb b;
  b.account("100001");
  const json::object c = b.call("billing.charge", R"({"account": "100001", "name": "Роутер",
    "amount": "1500.00", "date": "2999-12-31"})");
  CHECK(c.at("due_date") == "2999-12-31");
}

// Cause: src/billing/payments.cpp, Billing::storno_payment, books the storno
// row in the same (channel, txn_id) namespace as real payments, with txn_id
// "storno:" + the original txn_id, and billing_payment_txn is unique over
// every row. A payment whose agent id happens to be "storno:5" makes the
// storno of payment "5" fail with the raw "UNIQUE constraint failed"
// (OPORA_ECONFLICT, no field), and after a storno of "5" a genuine payment
// "storno:5" is refused as a reused txn_id of -20.00. Fix: keep storno rows
// out of the idempotency key (partial unique index WHERE storno_of IS NULL,
// or a NULL/separate txn_id for storno rows).
TEST_CASE("a payment storno never collides with the idempotency key of another payment") {
  BillingDb b;
  b.account("100001");
  b.pay("100001", "10.00", "storno:5", "cash");
  const std::string receipt = text(b.pay("100001", "20.00", "5", "cash").at("receipt"));
  CHECK(outcome([&] {
          b.call("billing.payment.storno", json::object{{"receipt", receipt}});
        }) == ErrorCode::ok);

  BillingDb c;
  c.account("100001");
  const std::string first = text(c.pay("100001", "20.00", "6", "cash").at("receipt"));
  c.call("billing.payment.storno", json::object{{"receipt", first}});
  CHECK(outcome([&] { c.pay("100001", "20.00", "storno:6", "cash"); }) == ErrorCode::ok);
}

// Cause: src/billing/qr_statement.cpp, Billing::import_statement, posts
// every matched incoming document through post_payment, which (unlike
// Billing::pay, rule "positive") never checks the amount, and
// bank_statement.cpp's Reader::amount accepts 0.00 for Сумма. A document of
// 0.00 becomes a payment row of 0.00 with a receipt, and closes nothing.
// Fix: refuse Сумма <= 0 in read_document (rule "amount") or leave such a
// line unmatched.
TEST_CASE("a statement document of 0.00 is not posted as a payment") {
  BillingDb b;
  b.call("billing.organization.put", kOrg);
  b.account("100001");
  std::vector<std::string> lines = statement_with_balance("100.00", "0.00", "0.00", "100.00");
  lines.pop_back();  // КонецФайла
  for (const char* l : {"СекцияДокумент=Платежное поручение", "Номер=99", "Дата=10.01.2026",
                        "Сумма=0.00", "ПлательщикСчет=40702810900000012345",
                        "ПлательщикИНН=7707083893", "Плательщик=Иванов И.И."})
    lines.emplace_back(l);
  lines.push_back(std::string("ПолучательСчет=") + kOurAccount);
  for (const char* l :
       {"ДатаПоступило=11.01.2026", "НазначениеПлатежа=Оплата по л/с 100001 за интернет",
        "КонецДокумента", "КонецФайла"})
    lines.emplace_back(l);
  const ErrorCode imported =
      outcome([&] { b.call("billing.statement.import", statement_params(lines)); });
  CAPTURE(static_cast<int>(imported));
  CHECK(b.payments("100001").empty());
}

// Found while documenting requisites: billing.organization.put checked the
// settlement account's key against the BIK but not the correspondent account's,
// which edo.party.put refuses for the same value.
TEST_CASE("an organization's correspondent account is checked against its BIK") {
  BillingDb b;
  const Error e = b.error("billing.organization.put", R"({"type": "company", "name": "ООО Связь",
    "inn": "7707083893", "kpp": "773601001", "bank": {"account": "40702810138250123017",
    "name": "ПАО Сбербанк", "bic": "044525225", "corr_account": "30101810999999999999"}})");
  CHECK(e.code() == ErrorCode::validation);
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "bank.corr_account");
  b.call("billing.organization.put", kOrg);  // the right key passes
}

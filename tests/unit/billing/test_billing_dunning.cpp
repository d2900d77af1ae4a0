// Dunning as docs/billing.md tells a host to run it: the shipped `dunning`
// workflow installed once, billing's own domain events starting and ending it
// (an accrual that leaves a debt, payments, the debt cleared, the account
// disconnected), working days on the calendar of the account's organisation,
// and every SMS and task handed to the host through effects.fetch/effects.ack.
// Nothing is posted by hand: each test only does what a host does.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "billing/billing_fixture.hpp"

using opora::Date;
using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// A Kazakh operator (BIN, so the kz calendar) and a Russian one (INN, ru).
const char* const kKzOperator =
    R"({"type": "company", "name": "ТОО «Алем-Телеком»", "bin": "940140000385"})";
const char* const kRuOperator =
    R"({"type": "company", "name": "ООО «Связь-Регион»", "inn": "7707083893", "kpp": "773601001"})";
const char* const kKzHolder =
    R"({"type": "person", "name": "Сидорова Айгуль", "iin": "900101300017"})";

// Everything the host is handed now, each acknowledged as done.
struct Effect {
  std::string type;
  json::object payload;
  std::string key;
};

std::vector<Effect> outbox(BillingDb& b) {
  std::vector<Effect> out;
  const json::object f = b.call("effects.fetch", R"({"limit": 1000})");
  for (const auto& e : f.at("effects").as_array()) {
    out.push_back({text(e.at("type")), e.at("payload").as_object(), text(e.at("idempotency_key"))});
    b.call("effects.ack", json::object{{"effect", e.at("id")}, {"result", "done"}});
  }
  return out;
}

std::string say(const Effect& e, const char* member = "text") {
  return text(e.payload.at(member));
}

json::array cases(BillingDb& b, const char* account, bool open_only = true) {
  return b
      .call("billing.dunning.cases", json::object{{"account", account}, {"open_only", open_only}})
      .at("cases")
      .as_array();
}

// The one dunning process of an account (its workflow instance).
json::object process(BillingDb& b, const char* account) {
  const json::array c = cases(b, account, false);
  REQUIRE(c.size() == 1);
  return b.call("workflow.get", json::object{{"instance", c[0].at("case")}});
}

std::string state(BillingDb& b, const char* account) {
  const json::object p = process(b, account);
  REQUIRE(p.at("states").as_array().size() == 1);
  return text(p.at("states").as_array()[0]);
}

// A subscriber of `org` on `tariff` from 1 March 2026, with a phone.
void subscriber(BillingDb& b, const char* number, const char* org_tax_id, const char* currency,
                const char* holder, const char* tariff) {
  b.call("billing.account.put", json::object{{"account", number},
                                             {"organization", org_tax_id},
                                             {"currency", currency},
                                             {"phone", std::string("+7700") + number},
                                             {"holder", json::parse(holder)}});
  b.connect(number, tariff, "2026-03-01");
}

// The Kazakh subscriber 200001 (4500.00 ₸ a month) and the Russian 100001
// (600.00 руб.), billed for March 2026 on Monday 2 March, due on Friday 20
// March (Nauryz in Kazakhstan: 21-25 March off).
void two_operators(BillingDb& b) {
  b.call("workflow.install", R"({"definition": "dunning"})");
  b.call("billing.organization.put", kKzOperator);
  b.call("billing.organization.put", kRuOperator);
  b.call("billing.tariff.define", R"({"tariff": "kz", "name": "Домашний", "fee": "4500.00",
                                      "currency": "KZT", "payment_term_days": 19})");
  b.call("billing.tariff.define", R"({"tariff": "ru", "name": "Домашний", "fee": "600.00",
                                      "payment_term_days": 19})");
  subscriber(b, "200001", "940140000385", "KZT", kKzHolder, "kz");
  subscriber(b, "100001", "7707083893", "RUB", kPerson, "ru");
  b.set_clock("2026-03-02T05:00:00Z");
  b.run("2026-03");
}

// The host's daily job, each day from `from` to `to`.
void daily(BillingDb& b, const char* from, const char* to) {
  for (Date d = *Date::parse(from); d <= *Date::parse(to); d = d.add_days(1))
    b.call("billing.dunning.run", json::object{{"date", d.to_string()}});
}

constexpr const char* kKz = R"({"clock": "manual", "now": "2026-03-01T04:00:00Z",
                                "utc_offset": "+05:00"})";

}  // namespace

TEST_CASE("an accrual that leaves a debt starts dunning, and its SMS reaches the host once") {
  BillingDb b(kKz);
  two_operators(b);
  std::vector<Effect> fx = outbox(b);
  REQUIRE(fx.size() == 2);
  CHECK(fx[0].type == "sms");
  CHECK(say(fx[0], "to") == "+7700200001");
  CHECK(say(fx[0]) ==
        "Сидорова Айгуль, начислено 4500.00 ₸ за 2026-03. К оплате 4500.00 ₸ до 2026-03-20: в "
        "приложении банка по ИИН 900101300017.");
  CHECK(say(fx[1], "to") == "+7700100001");
  CHECK(say(fx[1]) ==
        "Иванов Иван Иванович, начислено 600.00 руб. за 2026-03. К оплате 600.00 руб. до "
        "2026-03-20: в приложении банка по лицевому счёту 100001.");
  CHECK(fx[0].key != fx[1].key);
  // acknowledged, they are not offered again; the same run again posts nothing new
  CHECK(outbox(b).empty());
  CHECK(b.run("2026-03").at("new_lines") == 0);
  CHECK(outbox(b).empty());
  const json::array c = cases(b, "200001");
  REQUIRE(c.size() == 1);
  CHECK(c[0].at("account") == "200001");
  CHECK(c[0].at("opened_on") == "2026-03-02");
  CHECK(c[0].at("states") == json::array{"unpaid", "notified"});
  REQUIRE(c[0].at("actions").as_array().size() == 1);
  CHECK(c[0].at("actions").as_array()[0].at("type") == "sms");
}

TEST_CASE("an accrual covered by an advance starts no dunning") {
  BillingDb b;
  b.call("workflow.install", R"({"definition": "dunning"})");
  b.monthly("net", "600.00");
  b.account("100001");
  b.call("billing.account.put", R"({"account": "100001", "phone": "+79990000001"})");
  b.connect("100001", "net", "2026-11-01");
  b.pay("100001", "1000.00", "advance-1");
  b.run("2026-11");
  CHECK(outbox(b).empty());
  CHECK(cases(b, "100001", false).empty());
  // December's 600.00 exceeds the 400.00 left: now there is a debt to chase
  b.set_clock("2026-12-01");
  b.run("2026-12");
  const std::vector<Effect> fx = outbox(b);
  REQUIRE(fx.size() == 1);
  CHECK(say(fx[0]).find("К оплате 200.00 руб.") != std::string::npos);
}

TEST_CASE("the reminders count working days on the calendar of the account's organisation") {
  BillingDb b(kKz);
  two_operators(b);
  outbox(b);
  // Due Friday 20 March; the reminder comes the next working day: in
  // Kazakhstan Nauryz (21-23 March) and its transfers (24, 25) put it on 26
  // March, in Russia on Monday 23 March (at local midnight, UTC+5 here).
  const json::array kz = process(b, "200001").at("timers").as_array();
  const json::array ru = process(b, "100001").at("timers").as_array();
  REQUIRE(kz.size() == 1);
  REQUIRE(ru.size() == 1);
  CHECK(kz[0].at("due") == "2026-03-25T19:00:00Z");
  CHECK(ru[0].at("due") == "2026-03-22T19:00:00Z");
  CHECK(process(b, "200001").at("context").at("calendar") == "kz");

  // billing.dunning.run advances the processes to the end of a day; its
  // effects are in the outbox, not in its answer
  json::object r = b.call("billing.dunning.run", R"({"date": "2026-03-25"})");
  CHECK(r.at("fired") == 1);
  CHECK(r.at("effects") == 1);
  std::vector<Effect> fx = outbox(b);
  REQUIRE(fx.size() == 1);
  CHECK(say(fx[0]) ==
        "Иванов Иван Иванович, срок оплаты 2026-03-20 прошёл: к оплате 600.00 руб. по лицевому "
        "счёту 100001.");
  CHECK(b.call("billing.dunning.run", R"({"date": "2026-03-25"})").at("fired") == 0);
  r = b.call("billing.dunning.run", R"({"date": "2026-03-26"})");
  CHECK(r.at("fired") == 1);
  fx = outbox(b);
  REQUIRE(fx.size() == 1);
  CHECK(say(fx[0]) ==
        "Сидорова Айгуль, срок оплаты 2026-03-20 прошёл: к оплате 4500.00 ₸ по лицевому счёту "
        "200001.");
  CHECK(state(b, "200001") == "reminded");
  // the final warning 5 working days on names the day of the disconnection
  daily(b, "2026-03-27", "2026-04-02");
  fx = outbox(b);
  REQUIRE(fx.size() == 2);
  CHECK(say(fx[0]) ==
        "Иванов Иван Иванович, задолженность 600.00 руб., без оплаты услуга будет отключена "
        "2026-04-06.");
  CHECK(say(fx[1]) ==
        "Сидорова Айгуль, задолженность 4500.00 ₸, без оплаты услуга будет отключена "
        "2026-04-07.");
}

TEST_CASE("an organisation's own calendar wins over its country's") {
  BillingDb b(kKz);
  b.call("workflow.install", R"({"definition": "dunning"})");
  json::object org = obj(kKzOperator);
  org["calendar"] = "ru";
  b.call("billing.organization.put", org);
  b.call("billing.tariff.define", R"({"tariff": "kz", "name": "Домашний", "fee": "4500.00",
                                      "currency": "KZT", "payment_term_days": 19})");
  subscriber(b, "200001", "940140000385", "KZT", kKzHolder, "kz");
  b.run("2026-03");
  CHECK(process(b, "200001").at("timers").as_array()[0].at("due") == "2026-03-22T19:00:00Z");
  const Error e = b.error("billing.organization.put",
                          R"({"type": "company", "name": "ТОО", "bin": "940140000385",
                              "calendar": "mars"})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "calendar", "calendar"));
}

TEST_CASE("part payments lower the debt the SMS name; paying the rest cancels the disconnection") {
  BillingDb b(kKz);
  two_operators(b);
  daily(b, "2026-03-02", "2026-03-26");  // both reminded
  outbox(b);
  // 1500.00 ₸ through the bank app: Kaspi finds the account by the IIN
  b.set_clock("2026-03-27T06:00:00Z");
  const json::object paid = b.call("billing.gateway", R"({"protocol": "kaspi", "query":
        "command=pay&txn_id=8801&account=900101300017&sum=1500.00&txn_date=20260327110000"})");
  CHECK(paid.at("result") == 0);
  CHECK(outbox(b).empty());  // a part payment is no news for the subscriber
  CHECK(process(b, "200001").at("context").at("debt") == "3000.00");
  daily(b, "2026-03-27", "2026-04-02");
  // the Russian subscriber is a working day ahead (no Nauryz): warned and
  // already due for disconnection; the Kazakh one warned of 3000.00 ₸ left
  std::vector<Effect> fx = outbox(b);
  REQUIRE(fx.size() == 3);
  CHECK(say(fx[0], "to") == "+7700100001");
  CHECK(fx[1].type == "sms");
  CHECK(say(fx[1]) ==
        "Сидорова Айгуль, задолженность 3000.00 ₸, без оплаты услуга будет отключена 2026-04-07.");
  CHECK(fx[2].type == "disconnect_task");
  CHECK(say(fx[2], "account") == "100001");
  daily(b, "2026-04-03", "2026-04-07");
  fx = outbox(b);
  REQUIRE(fx.size() == 1);
  const Effect& task = fx[0];
  CHECK(task.type == "disconnect_task");
  CHECK(say(task, "account") == "200001");
  CHECK(say(task, "debt") == "3000.00");
  CHECK(say(task, "address").empty());  // optional: the account has none
  CHECK(say(task, "title") ==
        "Отключить абонента Сидорова Айгуль (л/с 200001) за неуплату: долг 3000.00 ₸");
  // the rest arrives: the task is called off and the subscriber thanked
  b.set_clock("2026-04-07T09:00:00Z");
  b.pay("200001", "3000.00", "8802");
  fx = outbox(b);
  REQUIRE(fx.size() == 2);
  CHECK(fx[0].type == "disconnect_cancel");
  CHECK(say(fx[0], "account") == "200001");
  CHECK(say(fx[1]) ==
        "Сидорова Айгуль, оплата получена, задолженность по лицевому счёту 200001 погашена. "
        "Спасибо!");
  CHECK(state(b, "200001") == "paid");
  CHECK(cases(b, "200001").empty());
  CHECK(cases(b, "200001", false)[0].at("closed_on") == "2026-04-07");
  CHECK(b.call("billing.dunning.run", R"({"date": "2026-12-31"})").at("fired") == 0);
}

TEST_CASE("disconnecting the account ends its dunning with a last SMS") {
  BillingDb b(kKz);
  two_operators(b);
  daily(b, "2026-03-02", "2026-04-30");
  std::vector<Effect> fx = outbox(b);
  CHECK(fx.size() == 8);  // each subscriber: the bill, a reminder, a warning, a task
  CHECK(state(b, "100001") == "disconnecting");
  // The installers cut the line on 30 April: its last day billed, then the account disconnected.
  b.set_clock("2026-04-30T10:00:00Z");
  const auto subs = b.call("billing.subscription.list", R"({"account": "100001"})");
  for (const auto& s : subs.at("subscriptions").as_array())
    b.call("billing.subscription.disconnect",
           json::object{{"subscription", s.at("subscription")}, {"date", "2026-04-30"}});
  CHECK(outbox(b).empty());  // a subscription's last day says nothing to the subscriber
  b.call("billing.account.put", R"({"account": "100001", "status": "disconnected"})");
  fx = outbox(b);
  REQUIRE(fx.size() == 1);
  CHECK(say(fx[0]) ==
        "Иванов Иван Иванович, услуга приостановлена за неуплату. Задолженность 600.00 руб.; "
        "после оплаты подайте заявку на подключение.");
  CHECK(state(b, "100001") == "disconnected");
  // suspending another account is not disconnecting it
  b.call("billing.account.put", R"({"account": "200001", "status": "suspended"})");
  CHECK(state(b, "200001") == "disconnecting");
  // a disconnected account billed again is not chased by SMS; a live
  // process hears of the new accrual
  b.set_clock("2026-05-01T05:00:00Z");
  b.run("2026-05");
  fx = outbox(b);
  REQUIRE(fx.size() == 1);
  CHECK(say(fx[0], "to") == "+7700200001");
  CHECK(say(fx[0]) ==
        "Сидорова Айгуль, начислено 4500.00 ₸ за 2026-05. Всего к оплате 9000.00 ₸.");  // March and
                                                                                        // May
  CHECK(cases(b, "100001", false).size() == 1);
}

TEST_CASE("a debt that goes away without a payment ends dunning without thanks") {
  BillingDb b;
  b.call("workflow.install", R"({"definition": "dunning"})");
  b.monthly("net", "600.00");
  b.account("100001");
  b.call("billing.account.put", R"({"account": "100001", "phone": "+79990000001"})");
  b.connect("100001", "net", "2026-11-01");
  const int64_t run = b.run("2026-11").at("run").as_int64();
  CHECK(outbox(b).size() == 1);
  b.cancel(run);
  CHECK(outbox(b).empty());
  CHECK(state(b, "100001") == "closed");
}

// The retired ladder read positions with only the payments dated up to the
// run's day, so a payer whose agent stamped tomorrow's date was chased again
// the same day. The process now ends on billing.debt_cleared, which counts
// every payment received, as billing.check does.
TEST_CASE("a payer whose agent dated the payment tomorrow is not chased today") {
  BillingDb b;
  b.call("workflow.install", R"({"definition": "dunning"})");
  b.monthly("net", "600.00");
  b.account("100001");
  b.call("billing.account.put", R"({"account": "100001", "phone": "+79990000001"})");
  b.connect("100001", "net", "2026-09-01");
  b.run("2026-09");  // dated 2026-09-01, due 2026-09-11; today is 2026-11-01
  outbox(b);
  b.pay("100001", "600.00", "7001", "kaspi", "2026-11-02T00:30:00");  // agent in UTC+5
  CHECK(state(b, "100001") == "paid");
  CHECK(outbox(b).size() == 1);  // the thanks, once
  CHECK(b.call("billing.dunning.run", "{}").at("fired") == 0);
  CHECK(outbox(b).empty());
}

TEST_CASE("an account without a phone gets no SMS to nobody: an incident instead") {
  BillingDb b;
  b.call("workflow.install", R"({"definition": "dunning"})");
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-11-01");
  b.run("2026-11");
  CHECK(outbox(b).empty());
  const json::array incidents = b.call("workflow.incidents", "{}").at("incidents").as_array();
  REQUIRE(incidents.size() == 1);
  CHECK(incidents[0].at("kind") == "effect");
  CHECK(text(incidents[0].at("message")) == "effect sms not sent: to came out empty");
}

TEST_CASE("billing works the same with no dunning installed, and nothing is kept of its events") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-11-01");
  b.run("2026-11");
  b.pay("100001", "600.00", "p-1");
  CHECK(outbox(b).empty());
  CHECK(b.call("billing.dunning.cases", R"({"open_only": false})").at("cases").as_array().empty());
  CHECK(b.call("billing.dunning.run", "{}").at("fired") == 0);
  CHECK(b.error("billing.dunning.cases", R"({"account": "nobody"})").code() ==
        ErrorCode::not_found);
}

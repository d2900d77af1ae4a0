// The definitions shipped in data/workflows, each installed with
// workflow.install and walked end to end through Database::call: domain
// events, human tasks and approvals, timers on the Russian calendar and the
// effects the host would carry out. Working-day dates follow the production
// calendar in data/calendars/ru (2025-12-31 and 2026-01-01..11 are days off).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "workflow/workflow_fixture.hpp"

namespace {

using namespace opora::test::wf;
using opora::Error;
using opora::ErrorCode;
using opora::test::error_of;

std::string text(const json::object& effect, const char* member = "text") {
  return std::string(effect.at("payload").at(member).as_string());
}

using Types = std::vector<std::string>;

}  // namespace

TEST_CASE("every shipped definition is listed, compiles on install and installs once") {
  Flow f;
  const auto list = f.call("workflow.shipped", R"({})").at("definitions").as_array();
  std::vector<std::string> ids;
  for (const auto& d : list) {
    ids.emplace_back(d.at("id").as_string());
    CHECK(!d.at("title").as_string().empty());
    CHECK(!d.at("description").as_string().empty());
    CHECK(d.at("states").as_int64() >= 3);
  }
  CHECK(ids == Types{"act_signing", "dunning", "planned_outage_notice", "service_control",
                     "subscriber_connect", "subscriber_disconnect"});
  for (const auto& id : ids) {
    CAPTURE(id);
    const auto first = f.call("workflow.install", json::object{{"definition", id}});
    CHECK(first.at("created") == true);
    CHECK(first.at("version") == 1);
    const auto again = f.call("workflow.install", json::object{{"definition", id}});
    CHECK(again.at("created") == false);
    CHECK(again.at("version") == 1);
  }
  CHECK(f.call("workflow.definitions", R"({})").at("definitions").as_array().size() == 6);
  const Error unknown =
      error_of([&] { f.call("workflow.install", R"({"definition": "payroll"})"); });
  CHECK(unknown.code() == ErrorCode::not_found);
  REQUIRE(unknown.field_errors().size() == 1);
  CHECK(unknown.field_errors()[0].field == "definition");
}

TEST_CASE("service_control: deal paid, employee chosen, documents rejected once, deal won") {
  Flow f;
  f.install("service_control");
  const json::object deal{{"stage", "PAID"},
                          {"deal_id", 42},
                          {"deal_title", "Монтаж видеонаблюдения"},
                          {"manager", "ivanov"},
                          {"head", "petrova"},
                          {"company", "ООО Ромашка"},
                          {"contact", "Сергей"},
                          {"comment", "Склад, въезд со двора"},
                          {"customer_email", "client@romashka.ru"}};
  CHECK(f.post("deal.stage_changed", "bitrix24:deal:42", json::object{{"stage", "NEW"}})
            .at("started")
            .as_array()
            .empty());
  const int64_t id = f.started(f.post("deal.stage_changed", "bitrix24:deal:42", deal));
  // editing the paid deal again does not start a second process
  const auto again = f.post("deal.stage_changed", "bitrix24:deal:42", deal);
  CHECK(again.at("started").as_array()[0].at("existing") == true);

  auto choose = f.task(id);
  CHECK(choose.at("assignee") == "petrova");
  CHECK(choose.at("title") == "Выбрать сотрудника для осмотра объекта по сделке 42");
  CHECK(choose.at("description") ==
        "Сделка: Монтаж видеонаблюдения. Компания: ООО Ромашка. Контакт: Сергей. Комментарий: "
        "Склад, въезд со двора");
  // completed without choosing anybody: the question is asked again
  f.complete(choose, "done");
  choose = f.task(id);
  CHECK(choose.at("iteration") == 2);
  f.complete(choose, "done", "", json::object{{"employee", "sidorov"}});
  CHECK(f.states(id) == json::array{"listing_documents"});
  auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "deal_stage");
  CHECK(fx[0].at("payload").at("stage") == "EXECUTING");
  CHECK(text(fx[0], "deal") == "42");
  CHECK(text(fx[0], "comment") == "В обработке: на объект выезжает sidorov");

  // the documents list is made on Friday: two working days end on Tuesday
  f.at("2026-11-27T09:00:00+03:00");
  f.complete(f.task(id), "done", "", json::object{{"documents", "договор, акт осмотра"}});
  const auto collect = f.task(id);
  CHECK(collect.at("assignee") == "sidorov");
  CHECK(collect.at("group") == "sales");
  CHECK(collect.at("due") == "2026-12-01T06:00:00Z");
  CHECK(collect.at("title") == "Забрать документы у заказчика по сделке 42");
  CHECK(f.tick("2026-12-01T05:59:59Z") == 0);
  CHECK(f.tick("2026-12-01T06:00:00Z") == 1);
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "notify");
  CHECK(text(fx[0], "to") == "ivanov");
  CHECK(text(fx[0]) == "Сотрудник sidorov не забрал документы по сделке 42 в срок");
  f.at("2026-12-01T12:00:00+03:00");
  f.complete(collect, "done");

  // the manager rejects with a comment: back to the employee, then approved
  auto review = f.task(id);
  CHECK(review.at("approval") == true);
  CHECK(review.at("assignee") == "ivanov");
  CHECK(review.at("title") == "Утвердить документы по сделке 42");
  CHECK(error_of([&] { f.complete(review, "reject"); }).field_errors()[0].field == "comment");
  f.complete(review, "reject", "нет подписи заказчика на акте осмотра");
  const auto fix = f.task(id);
  CHECK(fix.at("assignee") == "sidorov");
  CHECK(fix.at("title") ==
        "Забрать документы на заполнение по сделке 42: нет подписи заказчика на акте осмотра");
  f.complete(fix, "done");
  review = f.task(id);
  CHECK(review.at("iteration") == 2);
  f.complete(review, "approve");
  CHECK(f.states(id) == json::array{"reporting"});
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "crm_task");
  CHECK(text(fx[0], "responsible") == "ivanov");
  CHECK(text(fx[0], "title") == "Передать акт заказчику по сделке 42");
  CHECK(text(fx[0], "deadline") == "2026-12-03");

  const auto report = f.task(id);
  CHECK(report.at("assignee") == "petrova");
  const auto done = f.complete(report, "done");
  CHECK(done.at("status") == "done");
  CHECK(done.at("states") == json::array{"won"});
  fx = f.effects();
  CHECK(f.types(fx) == Types{"email", "deal_stage"});
  CHECK(text(fx[0], "to") == "client@romashka.ru");
  CHECK(text(fx[0], "subject") == "Работы по сделке 42 завершены");
  CHECK(fx[1].at("payload").at("stage") == "WON");
  // the stage the process set itself starts nothing and reaches nobody
  const auto won = f.post("deal.stage_changed", "bitrix24:deal:42", json::object{{"stage", "WON"}});
  CHECK(won.at("started").as_array().empty());
  CHECK(won.at("delivered").as_array().empty());
}

TEST_CASE("service_control: a deal rolled back from Paid cancels the process and its tasks") {
  Flow f;
  f.install("service_control");
  const int64_t id = f.started(f.post(
      "deal.stage_changed", "bitrix24:deal:7",
      json::object{{"stage", "PAID"}, {"deal_id", 7}, {"manager", "ivanov"}, {"head", "petrova"}}));
  CHECK(f.open_tasks(id).size() == 1);
  f.post("deal.stage_changed", "bitrix24:deal:7", json::object{{"stage", "NEW"}});
  CHECK(f.status(id) == "done");
  CHECK(f.states(id) == json::array{"cancelled"});
  CHECK(f.open_tasks(id).empty());
  const auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]) ==
        "Сделка 7 ушла из стадии «Оплачено» (NEW): контроль оказания услуги остановлен");
  // paid again: a new run of the process
  const int64_t second = f.started(f.post("deal.stage_changed", "bitrix24:deal:7",
                                          json::object{{"stage", "PAID"}, {"deal_id", 7}}));
  CHECK(second != id);
}

TEST_CASE("act_signing: a paper act unsigned for 5 working days over New Year ends refused") {
  Flow f;
  f.install("act_signing");
  f.at("2025-12-22T10:00:00+03:00");
  const int64_t id = f.started(f.post("deal.stage_changed", "bitrix24:deal:100",
                                      json::object{{"stage", "COMMISSION_APPROVED"},
                                                   {"deal_id", 100},
                                                   {"manager", "orlova"},
                                                   {"counterparty", "ИП Кузнецов"},
                                                   {"counterparty_email", "kuz@example.ru"},
                                                   {"form_url", "https://crm.example.ru/form/7"}}));
  auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "email");
  CHECK(text(fx[0], "to") == "kuz@example.ru");
  CHECK(text(fx[0]) ==
        "Здравствуйте! Укажите, пожалуйста, как вам удобнее подписывать акты выполненных работ — "
        "на бумаге или через ЭДО: https://crm.example.ru/form/7");
  // no answer for 3 days: the manager is reminded, once
  CHECK(f.tick("2025-12-25T06:59:59Z") == 0);
  CHECK(f.tick("2025-12-25T07:00:00Z") == 1);
  CHECK(f.tick("2025-12-30T07:00:00Z") == 0);
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "notify");
  CHECK(text(fx[0]) ==
        "Контрагент ИП Кузнецов 3 дня не заполняет форму по сделке 100: "
        "свяжитесь с ним и уточните данные по актам");

  f.at("2025-12-25T15:00:00+03:00");
  f.post("crm.form_filled", "bitrix24:deal:100",
         json::object{{"method", "paper"}, {"counterparty_type", "ip"}});
  CHECK(f.states(id) == json::array{"preparing"});
  CHECK(f.get(id).at("context").at("act_type") == "paper_ip");
  fx = f.effects();
  CHECK(f.types(fx) == Types{"deal_fields", "notify"});
  CHECK(text(fx[1]) == "Получен ответ от заявителя по сделке 100: акт paper_ip");
  // a paper act is sent only after we sign it
  f.post("act.status_changed", "bitrix24:deal:100",
         json::object{{"status", "SENT"}, {"act_id", "A-9"}, {"number", "17"}});
  CHECK(f.states(id) == json::array{"preparing"});
  f.post("act.status_changed", "bitrix24:deal:100",
         json::object{{"status", "SIGNED_BY_US"}, {"act_id", "A-9"}, {"number", "17"}});
  CHECK(f.states(id) == json::array{"signed_by_us"});
  f.at("2025-12-26T10:00:00+03:00");  // Friday
  f.post("act.status_changed", "bitrix24:deal:100", json::object{{"status", "SENT"}});
  const auto sent = f.get(id);
  CHECK(sent.at("states") == json::array{"awaiting_signature"});
  // 29, 30 December, then the holidays until 11 January: 12, 13, 14 January
  REQUIRE(sent.at("timers").as_array().size() == 1);
  CHECK(sent.at("timers").as_array()[0].at("due") == "2026-01-14T07:00:00Z");
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("payload").at("stage") == "ACT_SENT");
  CHECK(text(fx[0], "comment") == "Акт № 17 направлен заявителю");

  CHECK(f.tick("2026-01-13T07:00:00Z") == 0);
  CHECK(f.tick("2026-01-14T07:00:00Z") == 1);
  const auto check = f.task(id);
  CHECK(check.at("title") == "Указать статус акта № 17 по сделке 100");
  CHECK(check.at("assignee") == "orlova");
  CHECK(check.at("group") == "acts");
  CHECK(error_of([&] { f.complete(check, "refused"); }).field_errors()[0].field == "comment");
  const auto done = f.complete(check, "refused", "не согласны с объёмом работ");
  CHECK(done.at("status") == "done");
  CHECK(done.at("states") == json::array{"refused"});
  fx = f.effects();
  CHECK(f.types(fx) == Types{"act_status", "deal_stage"});
  CHECK(text(fx[0], "act") == "A-9");
  CHECK(text(fx[0], "status") == "REFUSED");
  CHECK(text(fx[0], "comment") == "Отказ от подписания: не согласны с объёмом работ");
  CHECK(text(fx[1], "stage") == "SERVICE_RENDERED_REMARKS");
}

TEST_CASE("act_signing: an electronic exchange needs the EDO id before the act is prepared") {
  Flow f;
  f.install("act_signing");
  const int64_t id = f.started(f.post("deal.stage_changed", "bitrix24:deal:200",
                                      json::object{{"stage", "COMMISSION_APPROVED"},
                                                   {"deal_id", 200},
                                                   {"manager", "orlova"},
                                                   {"counterparty_email", "buh@romashka.ru"}}));
  f.effects();
  // electronic without the EDO identifier: the manager is told, the process waits
  f.post("crm.form_filled", "bitrix24:deal:200",
         json::object{{"method", "electronic"}, {"edo_operator", "СБИС"}});
  CHECK(f.states(id) == json::array{"awaiting_form"});
  auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]) ==
        "Форма по сделке 200 заполнена не полностью: уточните способ обмена и "
        "данные ЭДО");
  f.post("crm.form_filled", "bitrix24:deal:200",
         json::object{
             {"method", "electronic"}, {"edo_operator", "СБИС"}, {"edo_id", "2BE1234567890"}});
  CHECK(f.states(id) == json::array{"preparing"});
  CHECK(f.get(id).at("context").at("act_type") == "electronic_company");
  fx = f.effects();
  CHECK(f.types(fx) == Types{"deal_fields", "notify"});
  CHECK(text(fx[0], "edo_id") == "2BE1234567890");
  // the act then travels through EDO in the order docs/edo.md gives; that
  // seam is tested in tests/unit/edo/test_edo_act_signing.cpp
}

TEST_CASE("subscriber_connect: equipment bought and paid in parallel, one failed install") {
  Flow f;
  f.install("subscriber_connect");
  const int64_t id = f.started(f.post("subscriber.connect_requested", "subscriber:1001",
                                      json::object{{"request_id", "ЗП-000123"},
                                                   {"account", "1001"},
                                                   {"subscriber_name", "Иванов И.И."},
                                                   {"phone", "+77010000001"},
                                                   {"address", "ул. Абая, 10, кв. 5"},
                                                   {"tariff", "Домашний 100"},
                                                   {"connection_fee", "5000.00"}}));
  auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "sms");
  CHECK(text(fx[0]) ==
        "Иванов И.И., для подключения оплатите 5000.00 руб. по лицевому счёту 1001.");
  CHECK(f.states(id) == json::array{"equipment_check", "awaiting_payment"});
  const auto check = f.task(id);
  CHECK(check.at("group") == "warehouse");
  CHECK(check.at("title") ==
        "Определить необходимость закупа оборудования: ул. Абая, 10, кв. 5, тариф «Домашний 100»");
  f.complete(check, "purchase", "нет ONT-терминала на складе");
  const auto purchase = f.task(id);
  CHECK(purchase.at("group") == "procurement");
  CHECK(purchase.at("title") ==
        "Закупить оборудование для подключения по заявке № ЗП-000123: нет ONT-терминала на складе");
  // a partial payment is counted, the rest completes the payment region
  f.post("billing.payment_posted", "subscriber:1001", json::object{{"amount", "2000.50"}});
  CHECK(f.states(id) == json::array{"purchasing", "awaiting_payment"});
  f.post("billing.payment_posted", "subscriber:1001", json::object{{"amount", "2999.50"}});
  CHECK(f.states(id) == json::array{"purchasing", "payment_received"});
  CHECK(f.get(id).at("context").at("paid") == 5000);
  f.complete(purchase, "done");
  CHECK(f.states(id) == json::array{"dispatching"});

  const auto dispatch = f.task(id);
  CHECK(dispatch.at("group") == "dispatch");
  f.complete(dispatch, "done", "", json::object{{"team", "brigade-3"}});
  auto install = f.task(id);
  CHECK(install.at("assignee") == "brigade-3");
  CHECK(install.at("group") == "installers");
  CHECK(install.at("title") ==
        "Монтаж и подписание акта передачи оборудования: ул. Абая, 10, кв. 5, Иванов И.И.");
  f.complete(install, "failed", "абонента нет дома");
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]) ==
        "Бригада brigade-3 не выполнила монтаж по заявке № ЗП-000123: абонента нет "
        "дома");
  f.complete(f.task(id), "done", "", json::object{{"team", "brigade-5"}});
  install = f.task(id);
  CHECK(install.at("assignee") == "brigade-5");
  CHECK(install.at("iteration") == 2);
  const auto done = f.complete(install, "done");
  CHECK(done.at("status") == "done");
  CHECK(done.at("states") == json::array{"connected"});
  fx = f.effects();
  CHECK(f.types(fx) == Types{"request_close", "sms"});
  CHECK(text(fx[0], "request") == "ЗП-000123");
  CHECK(text(fx[0], "result") == "connected");
  CHECK(text(fx[1], "to") == "+77010000001");
  CHECK(text(fx[1]) ==
        "Иванов И.И., вы подключены к сервису по тарифу «Домашний 100». Спасибо, что выбрали нас!");
}

TEST_CASE("subscriber_connect: a free connection does not wait for payment") {
  Flow f;
  f.install("subscriber_connect");
  const int64_t id =
      f.started(f.post("subscriber.connect_requested", "subscriber:1002",
                       json::object{{"request_id", "ЗП-000124"}, {"connection_fee", 0}}));
  CHECK(f.states(id) == json::array{"equipment_check", "payment_received"});
  CHECK(f.effects().empty());
  f.complete(f.task(id), "in_stock");
  CHECK(f.states(id) == json::array{"dispatching"});
}

TEST_CASE("subscriber_disconnect: a debt holds the request until paid, then the team dismantles") {
  Flow f;
  f.install("subscriber_disconnect");
  const int64_t id = f.started(f.post("subscriber.disconnect_requested", "subscriber:2001",
                                      json::object{{"request_id", "ЗО-000045"},
                                                   {"account", "2001"},
                                                   {"subscriber_name", "Петров П.П."},
                                                   {"phone", "+77010000002"},
                                                   {"address", "пр. Достык, 5"}}));
  auto check = f.task(id);
  CHECK(check.at("group") == "accounting");
  CHECK(check.at("title") ==
        "Проверить задолженность абонента Петров П.П., л/с 2001 (заявка № ЗО-000045)");
  f.complete(check, "debt", "", json::object{{"debt", "1200.00"}});
  CHECK(f.states(id) == json::array{"awaiting_debt"});
  auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]) ==
        "Петров П.П., по лицевому счёту 2001 задолженность 1200.00 руб., заявка № "
        "ЗО-000045 будет выполнена после оплаты.");
  f.post("billing.payment_posted", "subscriber:2001", json::object{{"amount", "1200.00"}});
  check = f.task(id);
  CHECK(check.at("name") == "check_debt");
  CHECK(check.at("iteration") == 2);
  f.complete(check, "no_debt");
  f.complete(f.task(id), "done", "", json::object{{"team", "brigade-1"}});
  const auto dismantle = f.task(id);
  CHECK(dismantle.at("assignee") == "brigade-1");
  CHECK(dismantle.at("title") ==
        "Демонтаж оборудования и подписание документов: пр. Достык, 5, Петров П.П.");
  f.at("2026-11-25T14:00:00+03:00");
  CHECK(f.complete(dismantle, "done").at("states") == json::array{"disconnected"});
  fx = f.effects();
  CHECK(f.types(fx) == Types{"service_stop", "request_close", "sms"});
  CHECK(text(fx[0], "account") == "2001");
  CHECK(text(fx[0], "date") == "2026-11-25");
  CHECK(text(fx[1], "result") == "disconnected");
  CHECK(text(fx[2]) ==
        "Петров П.П., услуга отключена по вашей заявке № ЗО-000045 с 2026-11-25. "
        "Спасибо, что были с нами!");
}

TEST_CASE("subscriber_disconnect: a tariff change skips the teams; an unpaid debt cancels") {
  Flow f;
  f.install("subscriber_disconnect");
  const int64_t tariff = f.started(f.post("subscriber.disconnect_requested", "subscriber:2002",
                                          json::object{{"request_id", "ЗО-000046"},
                                                       {"account", "2002"},
                                                       {"phone", "+77010000004"},
                                                       {"kind", "tariff_change"},
                                                       {"new_tariff", "Домашний 300"}}));
  CHECK(f.complete(f.task(tariff), "no_debt").at("states") == json::array{"tariff_changed"});
  auto fx = f.effects();
  CHECK(f.types(fx) == Types{"tariff_change", "request_close", "sms"});
  CHECK(text(fx[0], "tariff") == "Домашний 300");
  CHECK(text(fx[0], "date") == "2026-11-23");

  // Monday 23 November + 10 working days = Monday 7 December
  const int64_t unpaid = f.started(f.post("subscriber.disconnect_requested", "subscriber:2003",
                                          json::object{{"request_id", "ЗО-000047"}}));
  f.complete(f.task(unpaid), "debt", "", json::object{{"debt", 800}});
  CHECK(f.get(unpaid).at("timers").as_array()[0].at("due") == "2026-12-07T06:00:00Z");
  f.effects();
  CHECK(f.tick("2026-12-07T06:00:00Z") == 1);
  CHECK(f.states(unpaid) == json::array{"cancelled"});
  // the request named no phone: its SMS is not sent to nobody, an operator
  // sees an incident instead
  fx = f.effects();
  CHECK(f.types(fx) == Types{"request_close"});
  const auto incidents =
      f.call("workflow.incidents", json::object{{"instance", unpaid}}).at("incidents").as_array();
  REQUIRE(incidents.size() == 2);  // the debt SMS earlier, the cancellation SMS now
  CHECK(incidents[1].at("message") == "effect sms not sent: to came out empty");
  CHECK(text(fx[0], "result") == "cancelled_debt");
}

// dunning runs on billing's own events: its tests are in
// tests/unit/billing/test_billing_dunning.cpp, through billing as a host uses it.

TEST_CASE(
    "planned_outage_notice: the affected lines are told, reminded, rescheduled and "
    "restored") {
  Flow f;
  f.install("planned_outage_notice");
  const int64_t id = f.started(f.post("outage.planned", "outage:15",
                                      json::object{{"outage_id", 15},
                                                   {"lines", json::array{"L-12", "L-14"}},
                                                   {"area", "ул. Абая, 1–40"},
                                                   {"starts_at", "2026-11-26T10:00:00+03:00"},
                                                   {"ends_at", "2026-11-26T16:00:00+03:00"},
                                                   {"period_text", "26.11 с 10:00 до 16:00"}}));
  auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "sms_broadcast");
  CHECK(text(fx[0], "lines") == R"(["L-12","L-14"])");
  CHECK(text(fx[0]) ==
        "Уважаемый абонент! 26.11 с 10:00 до 16:00 на линии (ул. Абая, 1–40) "
        "пройдут плановые ремонтные работы, связь может отсутствовать. Приносим "
        "извинения.");
  // moved by a day: announced again, timers follow
  f.post("outage.rescheduled", "outage:15",
         json::object{{"starts_at", "2026-11-27T10:00:00+03:00"},
                      {"ends_at", "2026-11-27T16:00:00+03:00"},
                      {"period_text", "27.11 с 10:00 до 16:00"}});
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]).find("27.11 с 10:00 до 16:00") != std::string::npos);
  std::vector<std::string> due;
  const auto rescheduled = f.get(id);
  for (const auto& t : rescheduled.at("timers").as_array())
    due.emplace_back(t.at("due").as_string());
  CHECK(due == Types{"2026-11-26T07:00:00Z", "2026-11-27T07:00:00Z"});
  CHECK(f.tick("2026-11-26T07:00:00Z") == 1);
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]) ==
        "Напоминаем: завтра, 27.11 с 10:00 до 16:00, плановые работы на линии (ул. "
        "Абая, 1–40), связь может отсутствовать.");
  CHECK(f.tick("2026-11-27T07:00:00Z") == 1);
  CHECK(f.states(id) == json::array{"in_progress"});
  CHECK(f.tick("2026-11-27T13:00:00Z") == 1);  // not closed by the planned end
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0], "to") == "network");
  f.post("outage.finished", "outage:15", json::object{});
  CHECK(f.status(id) == "done");
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]) ==
        "Плановые работы на линии (ул. Абая, 1–40) завершены, связь "
        "восстановлена. Спасибо за терпение!");
}

TEST_CASE("planned_outage_notice: a cancelled outage is announced as cancelled") {
  Flow f;
  f.install("planned_outage_notice");
  const int64_t id = f.started(f.post("outage.planned", "outage:16",
                                      json::object{{"lines", json::array{"L-3"}},
                                                   {"area", "мкр. Самал"},
                                                   {"starts_at", "2026-12-01T09:00:00+03:00"},
                                                   {"ends_at", "2026-12-01T12:00:00+03:00"}}));
  f.effects();
  f.post("outage.cancelled", "outage:16", json::object{});
  CHECK(f.states(id) == json::array{"cancelled"});
  const auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(text(fx[0]) ==
        "Плановые работы на линии (мкр. Самал), 2026-12-01T09:00:00+03:00, "
        "отменены. Связь будет работать в обычном режиме.");
  CHECK(f.tick("2027-01-01T00:00:00Z") == 0);
}

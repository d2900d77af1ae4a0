// Domain events as a definition author meets them: every event billing and
// EDO publish reaches the workflows in the transaction of the change, with
// the data meta.events promises, once per fact; a reaction that fails undoes
// the change; an event nobody listens to leaves nothing behind.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>

#include "edo/edo_fixture.hpp"
#include "engine/schema.hpp"

using namespace opora::test::edo;
using opora::Error;
using opora::ErrorCode;
using opora::FieldErrors;

namespace {

// A definition that starts an instance for every event of `type`: its
// context is the event's data.
json::object spy(const std::string& id, const json::array& types) {
  json::array triggers;
  for (const auto& t : types) triggers.push_back({{"event", t}, {"start", true}});
  return {{"definition",
           {{"id", id},
            {"multiple_instances", true},
            {"triggers", std::move(triggers)},
            {"initial", "seen"},
            {"states", {{"seen", json::object{}}}}}}};
}

json::array instances(EdoDb& db, const std::string& definition) {
  return db
      .call("workflow.instances",
            json::object{{"definition", definition}, {"status", "active"}, {"limit", 10000}})
      .at("instances")
      .as_array();
}

// Billing and EDO doing everything that publishes: an account billed,
// charged, paid in part and in full, a payment reversed, a run cancelled,
// the account suspended; an act sent, signed and revoked, another refused.
void everything(EdoDb& db) {
  db.call(
      "billing.organization.put",
      R"({"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"})");
  db.call("billing.tariff.define", R"({"tariff": "net", "name": "Интернет", "fee": "600.00"})");
  db.call("billing.account.put", R"({"account": "LS-1", "organization": "6663003127",
    "phone": "+79990000001", "address": "ул. Мира, 1",
    "holder": {"type": "person", "name": "Иванов Иван", "inn": "500100732259"}})");
  db.call("billing.subscription.connect",
          R"({"account": "LS-1", "tariff": "net", "date": "2026-10-01"})");
  db.call("billing.run", R"({"period": "2026-10"})");
  const int64_t november = db.call("billing.run", R"({"period": "2026-11"})").at("run").as_int64();
  db.call("billing.charge", R"({"account": "LS-1", "name": "Роутер", "amount": "2500.00"})");
  db.call("billing.pay",
          R"({"channel": "bank", "txn_id": "t1", "account": "LS-1", "amount": "100.00"})");
  const json::object paid =
      db.call("billing.pay",
              R"({"channel": "bank", "txn_id": "t2", "account": "LS-1", "amount": "3600.00"})");
  db.call("billing.payment.storno", json::object{{"receipt", paid.at("receipt")}});
  db.call("billing.pay",
          R"({"channel": "bank", "txn_id": "t3", "account": "LS-1", "amount": "3000.00"})");
  db.call("billing.run.cancel", json::object{{"run", november}});
  db.call("billing.account.put", R"({"account": "LS-1", "status": "suspended"})");

  const int64_t act = db.act("2026-11-20");
  json::object built =
      db.call("edo.packet.build", R"({"ref": "bitrix24:deal:42", "operator": "diadoc"})");
  db.call("edo.packet.mark",
          json::object{{"packet", built.at("packet")},
                       {"status", "sent"},
                       {"documents", json::array{json::object{{"document", act},
                                                              {"operator_document_id", "a-1"}}}}});
  db.event(obj(R"({"operator": "diadoc", "event_id": "e1", "operator_document_id": "a-1",
                   "status": "countersigned"})"));
  db.event(obj(R"({"operator": "diadoc", "event_id": "e2", "operator_document_id": "a-1",
                   "status": "revoked"})"));
  const int64_t second = db.act("2026-11-21");
  built = db.call("edo.packet.build", R"({"ref": "bitrix24:deal:42", "operator": "diadoc"})");
  db.call("edo.packet.mark",
          json::object{{"packet", built.at("packet")},
                       {"status", "sent"},
                       {"documents", json::array{json::object{{"document", second},
                                                              {"operator_document_id", "a-2"}}}}});
  db.event(obj(R"({"operator": "diadoc", "event_id": "e3", "operator_document_id": "a-2",
                   "status": "refused"})"));
}

}  // namespace

TEST_CASE("every event billing and EDO publish has the data meta.events gives for it") {
  EdoDb db;
  // The exchange's event (exchange.conflict) is tested through the exchange.
  const json::object events = db.call("meta.events", "{}");
  json::array catalog;
  for (const auto& e : events.at("events").as_array())
    if (e.at("module") != "exchange") catalog.push_back(e);
  REQUIRE(catalog.size() == 10);
  std::map<std::string, json::object> schemas;
  for (size_t i = 0; i < catalog.size(); ++i) {
    const std::string type(catalog[i].at("type").as_string());
    schemas[type] = catalog[i].at("data").as_object();
    db.call("workflow.define", spy("spy_" + std::to_string(i), json::array{json::value(type)}));
  }
  // and one that hears every event of both modules, catalogued or not
  db.call("workflow.define", spy("spy_all", json::array{"billing", "edo"}));
  everything(db);

  size_t seen = 0;
  for (size_t i = 0; i < catalog.size(); ++i) {
    const std::string type(catalog[i].at("type").as_string());
    CAPTURE(type);
    const json::array got = instances(db, "spy_" + std::to_string(i));
    CHECK(!got.empty());  // the scenario publishes every catalogued event
    seen += got.size();
    for (const auto& inst : got) {
      const json::object data =
          db.call("workflow.get", json::object{{"instance", inst.at("instance")}})
              .at("context")
              .as_object();
      FieldErrors errors;
      opora::engine::validate(schemas[type], data, "", errors);
      for (const auto& e : errors.list()) FAIL_CHECK(e.field << ": " << e.rule);
      const auto& properties = schemas[type].at("properties").as_object();
      for (const auto& kv : data) {
        CAPTURE(std::string(kv.key()));
        CHECK(properties.contains(kv.key()));  // nothing published that is not documented
      }
      const std::string key(inst.at("key").as_string());
      CHECK(key == (type.rfind("billing.", 0) == 0 ? "billing:account:LS-1" : "bitrix24:deal:42"));
    }
  }
  CHECK(instances(db, "spy_all").size() == seen);
}

TEST_CASE("a reaction that fails never refuses the fact: an incident keeps the event to retry") {
  EdoDb db;
  db.call("billing.tariff.define", R"({"tariff": "net", "name": "Интернет", "fee": "600.00"})");
  db.call("billing.account.put",
          R"({"number": "LS-1", "holder": {"type": "person", "name": "Иванов Иван"}})");
  // a process whose start never settles (an eventless loop)
  db.call("workflow.define", obj(R"({"definition": {"id": "thanks", "initial": "a",
    "triggers": [{"event": "billing.payment_posted", "start": true}],
    "states": {"a": {"always": "b"}, "b": {"always": "a"}}}})"));
  db.call("billing.pay",
          R"({"channel": "bank", "txn_id": "t1", "account": "LS-1", "amount": "100.00"})");
  // the payment stands
  CHECK(db.call("billing.balance", R"({"account": "LS-1"})").at("paid") == "100.00");
  CHECK(db.call("workflow.instances", R"({"definition": "thanks"})")
            .at("instances")
            .as_array()
            .empty());
  const json::array open = db.call("workflow.incidents", "{}").at("incidents").as_array();
  REQUIRE(open.size() == 1);
  CHECK(open[0].at("kind") == "event");
  CHECK(open[0].at("instance").is_null());
  const json::object& event = open[0].at("event").as_object();
  CHECK(event.at("type") == "billing.payment_posted");
  CHECK(event.at("key") == "billing:account:LS-1");
  CHECK(event.at("definition") == "thanks");
  CHECK(event.at("data").at("amount") == "100.00");
  // retried while the definition is still broken: the call fails, the incident stays
  const Error again = opora::test::error_of([&] {
    db.call("workflow.incident.retry", json::object{{"incident", open[0].at("incident")}});
  });
  CHECK(again.code() != ErrorCode::ok);
  CHECK(db.call("workflow.incidents", "{}").at("incidents").as_array().size() == 1);
  // fixed in a new version, the retry delivers the event it kept
  db.call("workflow.define", obj(R"({"definition": {"id": "thanks", "initial": "a",
    "triggers": [{"event": "billing.payment_posted", "start": true}],
    "states": {"a": {"entry": [{"emit": {"type": "sms", "text": "Спасибо за {{ context.amount }}"}}]}}}})"));
  db.call("workflow.incident.retry", json::object{{"incident", open[0].at("incident")}});
  CHECK(db.call("workflow.incidents", "{}").at("incidents").as_array().empty());
  const json::array fx = db.call("effects.fetch", "{}").at("effects").as_array();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("payload").at("text") == "Спасибо за 100.00");
}

TEST_CASE("a fact published again is delivered once") {
  EdoDb db;
  db.call("workflow.define", spy("payments", json::array{"billing.payment_posted"}));
  db.call("workflow.define", spy("accruals", json::array{"billing.accrual_posted"}));
  db.call("billing.tariff.define", R"({"tariff": "net", "name": "Интернет", "fee": "600.00"})");
  db.call("billing.account.put",
          R"({"number": "LS-1", "holder": {"type": "person", "name": "Иванов Иван"}})");
  db.call("billing.subscription.connect",
          R"({"account": "LS-1", "tariff": "net", "date": "2026-11-01"})");
  db.call("billing.run", R"({"period": "2026-11"})");
  db.call("billing.run", R"({"period": "2026-11"})");  // nothing new to bill
  const char* pay = R"({"protocol": "osmp", "query":
    "command=pay&txn_id=77&account=LS-1&sum=600.00&txn_date=20261123100000"})";
  db.call("billing.gateway", pay);
  db.call("billing.gateway", pay);  // the agent retries: the same receipt, nothing posted
  CHECK(instances(db, "accruals").size() == 1);
  CHECK(instances(db, "payments").size() == 1);
}

TEST_CASE("an event no definition listens to leaves nothing behind") {
  EdoDb db;
  const char* post = R"({"type": "crm.lead_created", "key": "bitrix24:lead:5", "event_id": "l-5"})";
  const json::object first = db.call("events.post", post);
  CHECK(first.at("routed") == false);
  CHECK(first.at("duplicate") == false);
  // nothing was kept: once a definition listens, the same event id is news
  db.call("workflow.define", spy("leads", json::array{"crm"}));
  const json::object second = db.call("events.post", post);
  CHECK(second.at("routed") == true);
  CHECK(second.at("duplicate") == false);
  CHECK(second.at("started").as_array().size() == 1);
  CHECK(db.call("events.post", post).at("duplicate") == true);
}

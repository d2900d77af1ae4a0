// The seam between EDO and the shipped act_signing process, walked in the
// order docs/edo.md gives a host: the deal's documents built into a packet
// (edo.packet.build), the packet marked sent after the host signed and sent
// it (edo.packet.mark), the operator's events applied (edo.event.apply). The
// process learns the act's id and number from EDO's own domain events; no
// effect it hands out has an empty recipient, id or document.
//
// The story of the bug: act_signing read the act's id from `act_id`, which
// EDO's events never carried, and then asked the host to send (edo_send) an
// act EDO had already sent, with an empty document id.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "edo/edo_fixture.hpp"

using namespace opora::test::edo;

namespace {

struct Effect {
  std::string type;
  json::object payload;
};

std::vector<Effect> outbox(EdoDb& db) {
  std::vector<Effect> out;
  const json::object f = db.call("effects.fetch", R"({"limit": 100})");
  for (const auto& e : f.at("effects").as_array()) {
    out.push_back({std::string(e.at("type").as_string()), e.at("payload").as_object()});
    db.call("effects.ack", json::object{{"effect", e.at("id")}, {"result", "done"}});
  }
  return out;
}

// Nothing the host is handed may have an empty member.
void no_empty_members(const std::vector<Effect>& fx) {
  for (const auto& e : fx)
    for (const auto& kv : e.payload) {
      CAPTURE(e.type);
      CAPTURE(std::string(kv.key()));
      CHECK(!(kv.value().is_string() && kv.value().get_string().empty()));
    }
}

std::string member(const Effect& e, const char* name) {
  return std::string(e.payload.at(name).as_string());
}

struct Deal {
  EdoDb db;
  int64_t process = 0;
  int64_t act = 0;
  int64_t invoice = 0;
  std::string act_number;

  // Deal 42: the commission approved it, the counterparty chose Diadoc on
  // the form, the act and the invoice for the work are in the registry.
  Deal() {
    db.call("workflow.install", R"({"definition": "act_signing"})");
    const json::object started = db.call("events.post", R"({"type": "deal.stage_changed",
      "key": "bitrix24:deal:42", "event_id": "b24-1",
      "data": {"stage": "COMMISSION_APPROVED", "deal_id": 42, "manager": "orlova",
               "counterparty": "ООО «Ромашка»", "counterparty_email": "buh@romashka.ru",
               "form_url": "https://crm.example.ru/form/42"}})");
    process = started.at("started").as_array()[0].at("instance").as_int64();
    db.call("events.post", R"({"type": "crm.form_filled", "key": "bitrix24:deal:42",
      "event_id": "b24-2", "data": {"method": "electronic", "edo_operator": "diadoc",
      "edo_id": "2BM-7707083893-773601001-201911151206271234567"}})");
    act = db.act("2026-11-20");
    act_number = std::string(
        db.call("registry.get", json::object{{"document", act}}).at("number").as_string());
    // the invoice for the same work travels in the same packet, as a file
    json::object inv = opora::test::reg::act("2026-11-20");
    inv["kind"] = "invoice";
    invoice = db.put(inv);
    db.call(
        "registry.file.attach",
        json::object{{"id", invoice}, {"name", "invoice.pdf"}, {"content_base64", "JVBERi0xLjQK"}});
  }
  json::array states() {
    return db.call("workflow.get", json::object{{"instance", process}}).at("states").as_array();
  }
  json::object context() {
    return db.call("workflow.get", json::object{{"instance", process}}).at("context").as_object();
  }
  // edo.packet.build, then the host signs, sends and marks the packet sent.
  int64_t send() {
    const json::object built =
        db.call("edo.packet.build", R"({"ref": "bitrix24:deal:42", "operator": "diadoc"})");
    INFO(json::serialize(built.at("problems")));
    REQUIRE(built.at("valid") == true);
    const int64_t packet = built.at("packet").as_int64();
    db.call(
        "edo.packet.mark",
        json::object{
            {"packet", packet},
            {"status", "sent"},
            {"message_id", "msg-42"},
            {"documents",
             json::array{
                 json::object{{"document", act}, {"operator_document_id", "doc-act-42"}},
                 json::object{{"document", invoice}, {"operator_document_id", "doc-inv-42"}}}}});
    return packet;
  }
};

}  // namespace

TEST_CASE("act_signing follows EDO in the documented order: built, sent, signed, filed") {
  Deal d;
  std::vector<Effect> fx = outbox(d.db);
  CHECK(d.states() == json::array{"preparing"});
  no_empty_members(fx);

  d.send();
  CHECK(d.states() == json::array{"awaiting_signature"});
  // the act's id and number came with edo.document_sent; the invoice's
  // sending is not the act's
  const json::object ctx = d.context();
  CHECK(ctx.at("act_id") == d.act);
  CHECK(ctx.at("act_number") == d.act_number.c_str());
  fx = outbox(d.db);
  no_empty_members(fx);
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].type == "deal_stage");
  CHECK(member(fx[0], "deal") == "42");
  CHECK(member(fx[0], "stage") == "ACT_SENT");
  CHECK(member(fx[0], "comment") == "Акт № " + d.act_number + " направлен заявителю");

  // Diadoc reports delivery, then the counterparty's signature with the file
  d.db.event(obj(R"({"operator": "diadoc", "event_id": "ev-1", "operator_document_id": "doc-act-42",
                     "raw": {"Delivered": true, "RecipientResponseStatus": "WaitingForRecipientSignature"}})"));
  CHECK(outbox(d.db).empty());
  const json::object signed_ = d.db.event(obj(R"({"operator": "diadoc", "event_id": "ev-2",
      "operator_document_id": "doc-act-42", "raw": {"RecipientResponseStatus": "WithRecipientSignature"},
      "signed_file": {"name": "act-42.sig", "content_base64": "U0lHTkVE"}})"));
  CHECK(signed_.at("registry_status") == "signed");
  CHECK(d.states() == json::array{"signed"});
  fx = outbox(d.db);
  no_empty_members(fx);
  REQUIRE(fx.size() == 1);
  CHECK(member(fx[0], "stage") == "SERVICE_RENDERED");
  CHECK(member(fx[0], "comment") == "Акт получен и подписан");
  // filed: the act is signed in the registry with the signed copy beside the UPD as sent
  const json::object act = d.db.call("registry.get", json::object{{"document", d.act}});
  CHECK(act.at("status") == "signed");
  std::vector<std::string> roles;
  const json::object files = d.db.call("registry.files", json::object{{"document", d.act}});
  for (const auto& f : files.at("files").as_array()) roles.emplace_back(f.at("role").as_string());
  CHECK(std::count(roles.begin(), roles.end(), "signed_copy") == 1);
  CHECK(std::count(roles.begin(), roles.end(), "original") == 1);
  CHECK(d.db.call("workflow.incidents", "{}").at("incidents").as_array().empty());
}

TEST_CASE("an act unsigned through EDO for 5 working days asks the manager for its status") {
  Deal d;
  outbox(d.db);
  d.send();  // Monday 23 November
  outbox(d.db);
  // 24-27, 30 November: the fifth working day
  CHECK(d.db.call("workflow.tick", R"({"now": "2026-11-30T05:59:59Z"})").at("fired") == 0);
  CHECK(d.db.call("workflow.tick", R"({"now": "2026-11-30T06:00:00Z"})").at("fired") == 1);
  const json::array tasks =
      d.db.call("workflow.tasks", json::object{{"instance", d.process}}).at("tasks").as_array();
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].at("title") ==
        ("Указать статус акта № " + d.act_number + " по сделке 42").c_str());
  d.db.call("workflow.task.complete",
            json::object{{"task", tasks[0].at("task")}, {"outcome", "accepted_unsigned"}});
  const std::vector<Effect> fx = outbox(d.db);
  no_empty_members(fx);
  REQUIRE(fx.size() == 2);
  CHECK(fx[0].type == "act_status");
  CHECK(member(fx[0], "act") == std::to_string(d.act));
  CHECK(member(fx[1], "stage") == "SERVICE_RENDERED");
}

TEST_CASE("a refusal through EDO ends the act's process with the remarks stage") {
  Deal d;
  outbox(d.db);
  d.send();
  outbox(d.db);
  d.db.event(obj(R"({"operator": "diadoc", "event_id": "ev-9", "operator_document_id": "doc-act-42",
                     "status": "refused"})"));
  CHECK(d.states() == json::array{"refused"});
  const std::vector<Effect> fx = outbox(d.db);
  REQUIRE(fx.size() == 1);
  CHECK(member(fx[0], "stage") == "SERVICE_RENDERED_REMARKS");
}

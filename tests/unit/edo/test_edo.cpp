// edo.* through Database::call: parties, packets, validation with every
// problem listed, rendering (the UPD checked by the official XSD), the
// operator request bodies, and operator events folded back.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "core/base64.hpp"
#include "core/cp1251.hpp"
#include "edo/edo_fixture.hpp"

namespace {

using namespace opora::test::edo;
using opora::ErrorCode;
using opora::test::reg::has_error;

// A packet of one act, validated and rendered.
struct Rendered {
  EdoDb db;
  int64_t act = db.act();
  int64_t packet = packet_id(db.packet(json::array{act}));
  json::object validated = db.validate(packet);
  json::object out = db.render(packet);
};

}  // namespace

TEST_CASE("a party is refused with every problem of its requisites") {
  EdoDb db;
  const auto e = db.error("edo.party.put", obj(R"({
    "party": "ip", "role": "counterparty", "type": "sole_trader", "inn": "500100732250",
    "kpp": "773601001", "ogrn": "304500116000158", "participant_id": "2BM Петров",
    "signer": {"poa_number": "123"},
    "bank": {"account": "40602810800000000025", "bik": "049805746"}})"));
  // The МЧД number's length is a form problem, so the request is malformed
  // (OPORA_EINVAL); every problem of the party is still listed.
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "inn", "inn_checksum"));
  CHECK(has_error(e, "kpp", "kpp_for_sole_trader"));
  CHECK(has_error(e, "ogrn", "ogrnip_checksum"));
  CHECK(has_error(e, "participant_id", "participant_id"));
  CHECK(has_error(e, "last_name", "required"));
  CHECK(has_error(e, "signer.poa_number", "length"));
  CHECK(has_error(e, "bank.account", "account_key"));
  CAPTURE(opora::test::reg::describe(e));
  CHECK(db.call("edo.parties", R"({"role": "counterparty"})").at("parties").as_array().size() == 1);
}

TEST_CASE("bank details without a BIK or an account say so, null being absent") {
  EdoDb db;
  const auto e = db.error("edo.party.put", obj(R"({
    "code": "z", "role": "counterparty", "type": "company", "name": "Z",
    "inn": "7736207543", "kpp": "773601001", "bank": {"bik": null}})"));
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "bank.bik", "required"));
  CHECK(has_error(e, "bank.account", "required"));
  CHECK(e.field_errors().size() == 2);  // not also "must have 9 digits, got 0"
}

TEST_CASE("a party is stored by code, its operator read from the participant id prefix") {
  EdoDb db;
  const auto p = db.call("edo.party.get", R"({"party": "bitrix24:company:7"})");
  CHECK(p.at("operator") == "diadoc");
  CHECK(p.at("exchange") == "electronic");
  auto changed = obj(kRomashka);
  changed["participant_id"] = "2BE-7707083893-773601001";
  db.call("edo.party.put", changed);
  CHECK(db.call("edo.party.get", R"({"party": "bitrix24:company:7"})").at("operator") == "sbis");
  CHECK(db.error("edo.party.get", R"({"party": "nobody"})").code() == ErrorCode::not_found);
}

TEST_CASE("a packet takes registry documents; a document is in one live packet at a time") {
  EdoDb db;
  const int64_t act = db.act();
  const auto packet = db.packet(json::array{act});
  CHECK(packet.at("status") == "draft");
  const auto& doc = packet.at("documents").as_array().at(0);
  CHECK(doc.at("form") == "upd");
  CHECK(doc.at("function") == "ДОП");
  CHECK(doc.at("two_sided") == true);
  CHECK(std::string(doc.at("custom_document_id").as_string()) ==
        "opora:" + std::to_string(packet_id(packet)) + ":" + std::to_string(act));
  const auto again = db.error("edo.packet.create", json::object{{"documents", json::array{act}},
                                                                {"sender", "our"},
                                                                {"recipient", "bitrix24:company:7"},
                                                                {"operator", "diadoc"}});
  CHECK(again.code() == ErrorCode::conflict);
  CHECK(has_error(again, "documents[0]", "in_packet"));
  db.call("edo.packet.cancel", json::object{{"packet", packet_id(packet)}});
  CHECK(db.packet(json::array{act}).at("status") == "draft");
}

TEST_CASE("a packet names what it cannot take") {
  EdoDb db;
  const int64_t order =
      db.put(obj(R"({"kind": "order", "date": "2026-11-20", "items": [{"name": "Роутер",
        "quantity": "1", "price": "5000.00", "vat_rate": "22"}]})"));
  const auto e = db.error(
      "edo.packet.create",
      json::object{{"documents", json::array{order, 999, json::object{{"document", order}}}},
                   {"sender", "bitrix24:company:7"},
                   {"recipient", "our"},
                   {"operator", "diadoc"}});
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "sender", "role"));
  CHECK(has_error(e, "recipient", "role"));
  CHECK(has_error(e, "documents[0]", "unsupported_kind"));
  CHECK(has_error(e, "documents[1]", "unknown_document"));
  CHECK(has_error(e, "documents[2]", "duplicate"));
  CHECK(db.error("edo.packet.create", json::object{{"documents", json::array{order}},
                                                   {"sender", "ghost"},
                                                   {"recipient", "bitrix24:company:7"},
                                                   {"operator", "diadoc"}})
            .code() == ErrorCode::not_found);
}

TEST_CASE("a valid packet validates; rendering refuses one not validated") {
  EdoDb db;
  const int64_t packet = packet_id(db.packet(json::array{db.act()}));
  CHECK(db.error("edo.packet.render", json::object{{"packet", packet}}).code() == ErrorCode::state);
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == true);
  CHECK(v.at("status") == "validated");
}

TEST_CASE("validation lists every problem of parties and documents at once") {
  EdoDb db;
  // The counterparty now exchanges on paper, through another operator.
  auto paper = obj(kRomashka);
  paper["exchange"] = "paper";
  paper["participant_id"] = "2BE-7707083893-773601001";
  db.call("edo.party.put", paper);
  // Our signer has no position.
  auto vector = obj(kVector);
  vector["signer"].as_object().erase("position");
  db.call("edo.party.put", vector);
  // An act dated in the future, one at 20 % in 2026 with a wrong VAT, one for
  // somebody else, a contract without its file.
  const int64_t future = db.act("2026-12-01");
  auto at20 = opora::test::reg::act("2026-11-20");
  at20["items"].as_array()[0].as_object()["vat_rate"] = "20";
  const int64_t wrong_rate = db.put(at20);
  auto other = opora::test::reg::act("2026-11-20");
  other["counterparty"] = obj(opora::test::reg::kSoleTrader);
  const int64_t someone_else = db.put(other);
  const int64_t contract = db.put(opora::test::reg::contract());
  const int64_t packet =
      packet_id(db.packet(json::array{future, wrong_rate, someone_else, contract}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(v.at("status") == "draft");
  CHECK(has_problem(v, "recipient.participant_id", "operator_prefix"));
  CHECK(has_problem(v, "recipient.exchange", "exchange"));
  CHECK(has_problem(v, "sender.signer.position", "required"));
  CHECK(has_problem(v, "documents[0].date", "future_date"));
  CHECK(has_problem(v, "documents[1].items[0].vat_rate", "vat_rate_date"));
  CHECK(has_problem(v, "documents[2].counterparty.inn", "party_mismatch"));
  CHECK(has_problem(v, "documents[3].files", "file_required"));
  // Problems are kept on the packet: the list of packets to fix shows it.
  const auto fix = db.call("edo.packets", R"({"with_errors": true})");
  REQUIRE(fix.at("packets").as_array().size() == 1);
  CHECK(fix.at("packets").as_array()[0].at("problems").as_array().size() ==
        v.at("problems").as_array().size());
}

TEST_CASE("a Diadoc message holds at most 40 documents") {
  EdoDb db;
  json::array docs;
  for (int i = 0; i < 41; ++i) docs.push_back(db.act());
  const auto v = db.validate(packet_id(db.packet(docs)));
  CHECK(has_problem(v, "documents", "operator_limit"));
}

TEST_CASE("a rendered UPD passes the official 5.03 schema, in windows-1251, named by its ИдФайл") {
  Rendered r;
  CAPTURE(problems_text(r.validated));
  REQUIRE(r.out.at("status") == "prepared");
  const auto& files = r.out.at("files").as_array();
  REQUIRE(files.size() == 1);
  const auto& f = files[0].as_object();
  const std::string name(f.at("name").as_string());
  CHECK(name.rfind("ON_NSCHFDOPPR_2BM-7707083893-773601001-201911151206271234567_2BM-6663003127-"
                   "666301001-202207281004154081709_20261123_",
                   0) == 0);
  CHECK(name.size() > 4);
  CHECK(name.substr(name.size() - 4) == ".xml");
  CHECK(f.at("encoding") == "windows-1251");
  const std::string bytes = opora::base64_decode_field(f.at("content_base64").as_string(), "f");
  const auto text = opora::cp1251_to_utf8(bytes);
  REQUIRE(text.has_value());
  CHECK(text->find("ИдФайл=\"" + name.substr(0, name.size() - 4) + "\"") != std::string::npos);
  CHECK(text->find("Сопровождение &lt;24/7&gt; &amp; обучение") != std::string::npos);
  CHECK(text->find("НалСт=\"22%\"") != std::string::npos);
  CHECK(xmllint_upd(name, bytes) == 0);
  // Once sent, the XML is kept with the document in the registry, byte for byte.
  CHECK(r.db.call("registry.files", json::object{{"document", r.act}})
            .at("files")
            .as_array()
            .empty());
  r.db.call("edo.packet.mark", json::object{{"packet", r.packet}, {"status", "sent"}});
  const auto kept = r.db.call("registry.files", json::object{{"document", r.act}});
  bool found = false;
  for (const auto& k : kept.at("files").as_array())
    found = found || (k.at("name") == name.c_str() && k.at("sha256") == f.at("sha256"));
  CHECK(found);
}

TEST_CASE("rendering again gives the same bytes and the same operation id") {
  Rendered r;
  r.db.call("clock.set", R"({"now": "2026-11-23T15:00:00+03:00"})");
  const auto again = r.db.render(r.packet);
  CHECK(again.at("operation_id") == r.out.at("operation_id"));
  CHECK(again.at("files") == r.out.at("files"));
}

TEST_CASE("the Diadoc request carries the type triple, our ids and the lock mode") {
  Rendered r;
  const auto& req = r.out.at("request").as_object();
  CHECK(req.at("operator") == "diadoc");
  CHECK(std::string(req.at("path").as_string()) ==
        "/V3/PostMessage?operationId=" + std::string(r.out.at("operation_id").as_string()));
  const auto& body = req.at("body").as_object();
  CHECK(body.at("FromBoxId") == "a1b2c3d4@diadoc.ru");
  CHECK(body.at("ToBoxId") == "e5f6a7b8@diadoc.ru");
  CHECK(body.at("LockMode") == "None");
  const auto& doc = body.at("DocumentAttachments").as_array()[0].as_object();
  CHECK(doc.at("TypeNamedId") == "UniversalTransferDocument");
  CHECK(doc.at("Function") == "ДОП");
  CHECK(doc.at("Version") == "utd970_05_03_01");
  CHECK(doc.at("NeedRecipientSignature") == true);
  CHECK(std::string(doc.at("CustomDocumentId").as_string()) ==
        "opora:" + std::to_string(r.packet) + ":" + std::to_string(r.act));
  CHECK(doc.at("SignedContent").at("Content") ==
        r.out.at("files").as_array()[0].at("content_base64"));
}

TEST_CASE("an SBIS packet is one Документ with an attachment per document") {
  EdoDb db;
  auto ours = obj(kVector);
  ours["code"] = "our_sbis";
  ours["participant_id"] = "2BE-6663003127-666301001";
  db.call("edo.party.put", ours);
  auto them = obj(kRomashka);
  them["roaming"] = true;  // a Diadoc box reached from SBIS through roaming
  db.call("edo.party.put", them);
  const int64_t act = db.act();
  auto contract = opora::test::reg::contract();
  const int64_t contract_id = db.put(contract);
  db.call("registry.file.attach",
          json::object{{"id", contract_id},
                       {"name", "Договор ДГ-2026-0001.pdf"},
                       {"mime", "application/pdf"},
                       {"content_base64", opora::base64_encode("%PDF-1.4 договор")}});
  const int64_t packet = packet_id(
      db.call("edo.packet.create", json::object{{"documents", json::array{act, contract_id}},
                                                {"sender", "our_sbis"},
                                                {"recipient", "bitrix24:company:7"},
                                                {"operator", "sbis"}}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  REQUIRE(v.at("valid") == true);
  const auto out = db.render(packet);
  const auto& body = out.at("request").at("body").as_object();
  CHECK(body.at("method") == "СБИС.ЗаписатьДокумент");
  const auto& doc = body.at("params").at("Документ").as_object();
  CHECK(doc.at("НашаОрганизация").at("СвЮЛ").at("ИНН") == "6663003127");
  CHECK(doc.at("Контрагент").at("СвЮЛ").at("КПП") == "773601001");
  const auto& attachments = doc.at("Вложение").as_array();
  REQUIRE(attachments.size() == 2);
  CHECK(attachments[1].at("Файл").at("Имя") == "Договор ДГ-2026-0001.pdf");
  CHECK(out.at("files").as_array()[1].at("form") == "attachment");
}

TEST_CASE("sent, then countersigned: the registry follows, the signed file is kept") {
  Rendered r;
  r.db.call(
      "edo.packet.mark",
      json::object{{"packet", r.packet},
                   {"status", "sent"},
                   {"message_id", "msg-1"},
                   {"documents", json::array{json::object{{"document", r.act},
                                                          {"operator_document_id", "doc-1"}}}}});
  CHECK(r.db.call("registry.get", json::object{{"document", r.act}}).at("status") == "sent");
  const auto e = r.db.event({{"operator", "diadoc"},
                             {"event_id", "ev-1"},
                             {"cursor", "637412345678901234"},
                             {"operator_document_id", "doc-1"},
                             {"raw", {{"RecipientResponseStatus", "WithRecipientSignature"}}},
                             {"signed_file",
                              {{"name", "act-signed.sig"},
                               {"content_base64", opora::base64_encode("signature bytes")}}}});
  CHECK(e.at("matched") == true);
  CHECK(e.at("status") == "countersigned");
  CHECK(e.at("done") == true);
  CHECK(e.at("registry_status") == "signed");
  CHECK(r.db.call("registry.get", json::object{{"document", r.act}}).at("status") == "signed");
  const auto posted = e.at("posted").as_array();
  REQUIRE(posted.size() == 1);
  CHECK(posted[0].at("type") == "edo.document_signed");
  CHECK(posted[0].at("key") == "bitrix24:deal:42");
  CHECK(r.db.call("edo.cursor", R"({"operator": "diadoc"})").at("cursor") == "637412345678901234");
  const auto files = r.db.call("registry.files", json::object{{"document", r.act}});
  bool signed_copy = false;
  for (const auto& f : files.at("files").as_array())
    signed_copy = signed_copy || f.at("role") == "signed_copy";
  CHECK(signed_copy);
  // The same event again: the first answer, nothing new.
  const auto again = r.db.event({{"operator", "diadoc"},
                                 {"event_id", "ev-1"},
                                 {"operator_document_id", "doc-1"},
                                 {"status", "refused"}});
  CHECK(again.at("duplicate") == true);
  CHECK(again.at("status") == "countersigned");
}

TEST_CASE("events out of order end in the state of events in order") {
  auto run = [](bool in_order) {
    Rendered r;
    r.db.call("edo.packet.mark", json::object{{"packet", r.packet}, {"status", "sent"}});
    json::object delivered{{"operator", "diadoc"},
                           {"event_id", "a"},
                           {"document", r.act},
                           {"raw", {{"Delivered", true}}}};
    json::object signed_{{"operator", "diadoc"},
                         {"event_id", "b"},
                         {"document", r.act},
                         {"raw", {{"RecipientResponseStatus", "WithRecipientSignature"}}}};
    r.db.event(in_order ? delivered : signed_);
    r.db.event(in_order ? signed_ : delivered);
    const auto p = r.db.call("edo.packet.get", json::object{{"packet", r.packet}});
    const auto& d = p.at("documents").as_array()[0];
    return std::make_tuple(
        std::string(d.at("status").as_string()), d.at("done").as_bool(),
        json::value(d.at("raw")),  // equal members, in any order
        std::string(
            r.db.call("registry.get", json::object{{"document", r.act}}).at("status").as_string()));
  };
  CHECK(run(true) == run(false));
  CHECK(std::get<0>(run(false)) == "countersigned");
}

TEST_CASE("a refusal moves the act to refused and tells the workflows") {
  Rendered r;
  r.db.call("edo.packet.mark", json::object{{"packet", r.packet}, {"status", "sent"}});
  const auto e =
      r.db.event({{"operator", "diadoc"},
                  {"event_id", "r1"},
                  {"document", r.act},
                  {"raw", {{"RecipientResponseStatus", "RecipientSignatureRequestRejected"}}}});
  CHECK(e.at("status") == "refused");
  CHECK(e.at("registry_status") == "refused");
  CHECK(e.at("posted").as_array()[0].at("type") == "edo.document_refused");
}

TEST_CASE("an event for no known document is kept as unmatched") {
  EdoDb db;
  const auto e = db.event({{"operator", "sbis"},
                           {"event_id", "x-1"},
                           {"operator_document_id", "unknown"},
                           {"raw", {{"Событие", "Утверждение"}}}});
  CHECK(e.at("matched") == false);
  const auto u = db.call("edo.events.unmatched", R"({})").at("events").as_array();
  REQUIRE(u.size() == 1);
  CHECK(u[0].at("event_id") == "x-1");
  CHECK(u[0].at("event").at("raw").at("Событие") == "Утверждение");
}

TEST_CASE("documents waiting for the counterparty's signature more than 5 working days") {
  Rendered r;
  // Sent on Monday 2026-11-23: five working days later is Monday 2026-11-30.
  r.db.call("edo.packet.mark", json::object{{"packet", r.packet}, {"status", "sent"}});
  r.db.call("clock.set", R"({"now": "2026-11-30T18:00:00+03:00"})");
  CHECK(r.db.call("edo.awaiting", R"({})").at("documents").as_array().empty());
  r.db.call("clock.set", R"({"now": "2026-12-01T09:00:00+03:00"})");
  const auto late = r.db.call("edo.awaiting", R"({"working_days": 5})");
  REQUIRE(late.at("documents").as_array().size() == 1);
  CHECK(late.at("documents").as_array()[0].at("document") == r.act);
  r.db.event({{"operator", "diadoc"},
              {"event_id", "s"},
              {"document", r.act},
              {"status", "countersigned"}});
  CHECK(r.db.call("edo.awaiting", R"({})").at("documents").as_array().empty());
}

TEST_CASE("what the UPD format refuses is reported by validation, before rendering") {
  EdoDb db;
  auto vector = obj(kVector);
  vector["signer"].as_object()["poa_number"] = "8f3c1a2e-5b7d-4e9a-9c1f-2d3e4f5a6b7c";
  vector["signer"].as_object()["poa_date"] = "2026-01-10";
  db.call("edo.party.put", vector);  // no poa_system: where the МЧД is kept
  auto doc = opora::test::reg::act("2026-11-20");
  doc["items"].as_array()[0].as_object()["name"] = "Монтаж 🚀 оборудования";
  const int64_t packet = packet_id(db.packet(json::array{db.put(doc)}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(has_problem(v, "documents[0].items[0].name", "cp1251"));
  CHECK(has_problem(v, "sender.signer.poa_system", "required"));
}

TEST_CASE("a document changed after validation is not rendered until validated again") {
  EdoDb db;
  const int64_t act = db.act();
  const int64_t packet = packet_id(db.packet(json::array{act}));
  REQUIRE(db.validate(packet).at("valid") == true);
  auto doc = db.call("registry.get", json::object{{"document", act}});
  db.call("registry.put", json::object{{"id", act},
                                       {"expected_version", doc.at("version")},
                                       {"kind", "act"},
                                       {"date", "2026-11-21"},
                                       {"organization", doc.at("organization")},
                                       {"counterparty", doc.at("counterparty")},
                                       {"refs", doc.at("refs")},
                                       {"items", json::parse(R"([{"name": "Другое", "quantity": "1",
                                           "price": "100.00", "vat_rate": "22"}])")}});
  const auto e = db.error("edo.packet.render", json::object{{"packet", packet}});
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "packet", "changed"));
  REQUIRE(db.validate(packet).at("valid") == true);
  CHECK(db.render(packet).at("status") == "prepared");
}

// An independent review of the EDO module against its requirements, through
// Database::call: bad input (nulls, missing ids, empty packets), validation
// holes, rendering and sending, operator events in any order. Each case that
// found a bug stays as its regression test.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <exception>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/base64.hpp"
#include "core/cp1251.hpp"
#include "core/error.hpp"
#include "edo/edo_fixture.hpp"

namespace {

using namespace opora::test::edo;
using opora::ErrorCode;
using opora::test::reg::has_error;

// What a C ABI host would see: the opora::Error, or an internal error for any
// other exception (a crash on bad input).
template <typename F>
opora::Error caught(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const opora::Error& e) {
    return e;
  } catch (const std::exception& e) {
    MESSAGE("non-opora exception: " << std::string(e.what()));
    return opora::Error(ErrorCode::internal, e.what());
  }
  return opora::Error(ErrorCode::ok, "no error");
}

bool has_field_problem(const json::object& validated, const std::string& field) {
  for (const auto& p : validated.at("problems").as_array())
    if (p.at("field") == field.c_str()) return true;
  return false;
}

// Any problem whose field is `prefix` or lies under it.
bool has_problem_under(const json::object& validated, const std::string& prefix) {
  for (const auto& p : validated.at("problems").as_array()) {
    const std::string f(p.at("field").as_string());
    if (f == prefix || f.rfind(prefix + ".", 0) == 0 || f.rfind(prefix + "[", 0) == 0) return true;
  }
  return false;
}

json::object create_params(const json::array& documents, const char* op = "diadoc") {
  return json::object{{"documents", documents},
                      {"sender", "our"},
                      {"recipient", "bitrix24:company:7"},
                      {"operator", op}};
}

std::string registry_status(EdoDb& db, int64_t id) {
  return std::string(
      db.call("registry.get", json::object{{"document", id}}).at("status").as_string());
}

json::object packet_doc(EdoDb& db, int64_t packet, size_t i = 0) {
  return db.call("edo.packet.get", json::object{{"packet", packet}})
      .at("documents")
      .as_array()
      .at(i)
      .as_object();
}

std::string file_text(const json::object& rendered, size_t i = 0) {
  const auto& f = rendered.at("files").as_array().at(i).as_object();
  const std::string bytes = opora::base64_decode_field(f.at("content_base64").as_string(), "f");
  return opora::cp1251_to_utf8(bytes).value_or("");
}

// A packet of one act, validated and rendered.
struct Prepared {
  EdoDb db;
  int64_t act = db.act();
  int64_t packet = packet_id(db.packet(json::array{act}));
  json::object validated = db.validate(packet);
  json::object out = db.render(packet);

  void mark_sent(const char* operator_document_id = nullptr) {
    json::object p{{"packet", packet}, {"status", "sent"}, {"message_id", "msg-1"}};
    if (operator_document_id != nullptr)
      p["documents"] = json::array{
          json::object{{"document", act}, {"operator_document_id", operator_document_id}}};
    db.call("edo.packet.mark", p);
  }
  json::object event(const char* id, json::object raw) {
    return db.event(
        {{"operator", "diadoc"},
         {"event_id", id},
         {"custom_document_id", "opora:" + std::to_string(packet) + ":" + std::to_string(act)},
         {"raw", std::move(raw)}});
  }
};

}  // namespace

// ---------------------------------------------------------------------------
// Bad input: refused with the field named, never a crash.

TEST_CASE("a packet document given as an object without its id is refused") {
  EdoDb db;
  db.act();
  for (const json::object& item :
       {json::object{{"function", "ДОП"}}, json::object{{"document", nullptr}}}) {
    CAPTURE(json::serialize(item));
    const auto e = caught([&] { db.call("edo.packet.create", create_params(json::array{item})); });
    CHECK(e.code() != ErrorCode::internal);
    CHECK(e.code() != ErrorCode::ok);
    CHECK(has_error(e, "documents[0].document"));
  }
}

TEST_CASE("a null lock_mode is refused or means none, not a crash at render") {
  EdoDb db;
  const int64_t act = db.act();
  auto params = create_params(json::array{act});
  params["lock_mode"] = nullptr;
  int64_t packet = 0;
  const auto created = caught([&] { packet = packet_id(db.call("edo.packet.create", params)); });
  REQUIRE(created.code() != ErrorCode::internal);
  if (created.code() != ErrorCode::ok) {
    CHECK(has_error(created, "lock_mode"));
    return;
  }
  REQUIRE(db.validate(packet).at("valid") == true);
  json::object out;
  const auto rendered = caught([&] { out = db.render(packet); });
  CHECK(rendered.code() == ErrorCode::ok);
  if (rendered.code() == ErrorCode::ok)
    CHECK(out.at("request").at("body").at("LockMode") == "None");
}

TEST_CASE("edo.packet.build with a null lock_mode does not crash") {
  EdoDb db;
  db.act();
  const auto e = caught([&] {
    db.call(
        "edo.packet.build",
        json::object{{"ref", "bitrix24:deal:42"}, {"operator", "diadoc"}, {"lock_mode", nullptr}});
  });
  CHECK(e.code() != ErrorCode::internal);
}

TEST_CASE("null optional numbers in queries are not a crash") {
  EdoDb db;
  CHECK(caught([&] { db.call("edo.packets", R"({"limit": null})"); }).code() !=
        ErrorCode::internal);
  CHECK(caught([&] { db.call("edo.events.unmatched", R"({"limit": null})"); }).code() !=
        ErrorCode::internal);
  CHECK(caught([&] { db.call("edo.awaiting", R"({"working_days": null})"); }).code() !=
        ErrorCode::internal);
}

TEST_CASE("an event with a null document id is not a crash") {
  EdoDb db;
  const auto e = caught([&] {
    db.event({{"operator", "diadoc"}, {"event_id", "n-1"}, {"document", nullptr}});
  });
  CHECK(e.code() != ErrorCode::internal);
}

TEST_CASE("an event with a null cursor does not wipe the saved cursor") {
  EdoDb db;
  db.event({{"operator", "diadoc"}, {"event_id", "c-1"}, {"cursor", "637412345678901234"}});
  const auto e = caught([&] {
    db.event({{"operator", "diadoc"}, {"event_id", "c-2"}, {"cursor", nullptr}});
  });
  CHECK(e.code() != ErrorCode::internal);
  CHECK(db.call("edo.cursor", R"({"operator": "diadoc"})").at("cursor") == "637412345678901234");
}

TEST_CASE("a signed file with bad base64 names signed_file.content_base64") {
  Prepared r;
  r.mark_sent();
  const auto e = caught([&] {
    r.db.event({{"operator", "diadoc"},
                {"event_id", "bad-file"},
                {"document", r.act},
                {"status", "countersigned"},
                {"signed_file", {{"name", "act.sig"}, {"content_base64", "%%% not base64 %%%"}}}});
  });
  CHECK(e.code() != ErrorCode::ok);
  CHECK(e.code() != ErrorCode::internal);
  CAPTURE(opora::test::reg::describe(e));
  CHECK(has_error(e, "signed_file.content_base64"));
  // Nothing half-applied.
  CHECK(packet_doc(r.db, r.packet).at("status") == "sent");
  CHECK(registry_status(r.db, r.act) == "sent");
}

TEST_CASE("marking operator ids of a document not in the packet is refused") {
  Prepared r;
  const int64_t stranger = r.db.act();
  const auto e = caught([&] {
    r.db.call(
        "edo.packet.mark",
        json::object{{"packet", r.packet},
                     {"status", "sent"},
                     {"documents", json::array{json::object{{"document", stranger},
                                                            {"operator_document_id", "doc-x"}}}}});
  });
  CHECK(e.code() != ErrorCode::ok);
  CHECK(e.code() != ErrorCode::internal);
  CHECK(has_error(e, "documents[0].document"));
}

TEST_CASE(
    "a packet document asked as a UPD that can only be an attachment is "
    "refused") {
  EdoDb db;
  const int64_t contract = db.put(opora::test::reg::contract());
  const auto e = caught([&] {
    db.call("edo.packet.create",
            create_params(json::array{json::object{{"document", contract}, {"form", "upd"}}}));
  });
  // A contract has no items: asked for as a formalised UPD it cannot be one.
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "documents[0].form"));
}

TEST_CASE("bad packet input is refused with field and rule, nothing stored") {
  EdoDb db;
  const int64_t act = db.act();
  auto bad_function = create_params(json::array{json::object{{"document", act}}});
  bad_function["documents"].as_array()[0].as_object()["function"] = "КСЧФ";
  const auto e = caught([&] { db.call("edo.packet.create", bad_function); });
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "documents[0].function"));
  const auto unknown_op =
      caught([&] { db.call("edo.packet.create", create_params(json::array{act}, "taxcom")); });
  CHECK(unknown_op.code() == ErrorCode::invalid);
  CHECK(has_error(unknown_op, "operator"));
  CHECK(db.call("edo.packets", R"({})").at("packets").as_array().empty());
  // The act is still free.
  CHECK(db.packet(json::array{act}).at("status") == "draft");
}

TEST_CASE("a packet of no documents is refused") {
  EdoDb db;
  int64_t packet = 0;
  const auto e = caught(
      [&] { packet = packet_id(db.call("edo.packet.create", create_params(json::array{}))); });
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "documents"));
  if (e.code() == ErrorCode::ok) {
    // Created anyway: at least it must not validate and render an empty message.
    const auto v = db.validate(packet);
    CHECK(v.at("valid") == false);
  }
}

TEST_CASE("an unknown normalised status is refused with the field and nothing kept") {
  Prepared r;
  const auto e = caught([&] {
    r.db.event({{"operator", "diadoc"},
                {"event_id", "s-1"},
                {"document", r.act},
                {"cursor", "42"},
                {"status", "approved"}});
  });
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "status", "enum"));
  CHECK(r.db.call("edo.cursor", R"({"operator": "diadoc"})").at("cursor").is_null());
  // The event id is not burnt: the corrected event applies.
  const auto ok = r.db.event(
      {{"operator", "diadoc"}, {"event_id", "s-1"}, {"document", r.act}, {"status", "delivered"}});
  CHECK(ok.at("duplicate") == false);
  CHECK(ok.at("status") == "delivered");
}

// ---------------------------------------------------------------------------
// Parties.

TEST_CASE("a participant id is at most 46 characters; a company needs a KPP") {
  EdoDb db;
  auto romashka = obj(kRomashka);
  romashka["participant_id"] = "2BM-7707083893-773601001-2019111512062712345678";  // 47
  auto e = db.error("edo.party.put", romashka);
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "participant_id", "participant_id"));
  romashka["participant_id"] = "2BM-7707083893-773601001-201911151206271234567";  // 46
  CHECK(db.call("edo.party.put", romashka).at("operator") == "diadoc");
  romashka.erase("kpp");
  e = db.error("edo.party.put", romashka);
  CHECK(has_error(e, "kpp", "required"));
  auto ip = obj(R"({"code": "ip", "role": "counterparty", "type": "sole_trader",
    "inn": "500100732259", "last_name": "Петров", "first_name": "Иван",
    "ogrn": "304500116000157", "participant_id": "2BE-500100732259"})");
  const auto stored = db.call("edo.party.put", ip);
  CHECK(stored.at("name") == "ИП Петров Иван");
  CHECK(stored.at("operator") == "sbis");
  CHECK(stored.at("exchange") == "electronic");
}

TEST_CASE(
    "a participant id the UPD file name cannot carry is named as the "
    "party's field") {
  EdoDb db;
  auto romashka = obj(kRomashka);
  romashka["participant_id"] = "2BM-7707083893.773601001@diadoc";
  const auto put = caught([&] { db.call("edo.party.put", romashka); });
  if (put.code() != ErrorCode::ok) {
    // Refused up front: fine, as long as the field is named.
    CHECK(has_error(put, "participant_id"));
    return;
  }
  const auto v = db.validate(packet_id(db.packet(json::array{db.act()})));
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(has_field_problem(v, "recipient.participant_id"));
}

TEST_CASE("a Diadoc packet needs the boxes PostMessage is sent between") {
  EdoDb db;
  auto vector = obj(kVector);
  vector.erase("box_id");
  db.call("edo.party.put", vector);
  auto romashka = obj(kRomashka);
  romashka.erase("box_id");
  db.call("edo.party.put", romashka);
  const auto v = db.validate(packet_id(db.packet(json::array{db.act()})));
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(has_field_problem(v, "sender.box_id"));
  CHECK(has_field_problem(v, "recipient.box_id"));
}

TEST_CASE("a sender that is no longer our organisation fails validation") {
  EdoDb db;
  const int64_t packet = packet_id(db.packet(json::array{db.act()}));
  auto vector = obj(kVector);
  vector["role"] = "counterparty";
  db.call("edo.party.put", vector);
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(has_problem_under(v, "sender"));
}

// ---------------------------------------------------------------------------
// Validation.

TEST_CASE("the general VAT rate follows the supply date: 20 % to 2025, 22 % from 2026") {
  EdoDb db;
  auto at = [&](const char* date, const char* rate) {
    auto doc = opora::test::reg::act(date);
    doc["items"].as_array()[0].as_object()["vat_rate"] = rate;
    return db.put(doc);
  };
  const int64_t ok20 = at("2025-12-31", "20");
  const int64_t bad22 = at("2025-12-31", "22");
  const int64_t ok22 = at("2026-01-01", "22");
  const int64_t bad20 = at("2026-01-01", "20");
  const int64_t ok10 = at("2026-01-01", "10");
  const auto v = db.validate(packet_id(db.packet(json::array{ok20, bad22, ok22, bad20, ok10})));
  CAPTURE(problems_text(v));
  CHECK_FALSE(has_field_problem(v, "documents[0].items[0].vat_rate"));
  CHECK(has_problem(v, "documents[1].items[0].vat_rate", "vat_rate_date"));
  CHECK_FALSE(has_field_problem(v, "documents[2].items[0].vat_rate"));
  CHECK(has_problem(v, "documents[3].items[0].vat_rate", "vat_rate_date"));
  CHECK_FALSE(has_field_problem(v, "documents[4].items[0].vat_rate"));
}

TEST_CASE("a rate written 22.00 in the registry is the general rate") {
  EdoDb db;
  auto doc = opora::test::reg::act("2026-11-20");
  doc["items"].as_array()[0].as_object()["vat_rate"] = "22.00";
  const auto v = db.validate(packet_id(db.packet(json::array{db.put(doc)})));
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == true);
}

TEST_CASE("text windows-1251 cannot hold is named in the parties' fields") {
  EdoDb db;
  auto romashka = obj(kRomashka);
  romashka["name"] = "ООО «Ромашка» ✓";
  db.call("edo.party.put", romashka);
  const auto v = db.validate(packet_id(db.packet(json::array{db.act()})));
  CAPTURE(problems_text(v));
  CHECK(has_problem(v, "recipient.name", "cp1251"));
}

TEST_CASE("a packet through SBIS from a Diadoc sender is refused by prefix") {
  EdoDb db;
  const auto v = db.validate(packet_id(db.packet(json::array{db.act()}, "sbis")));
  CAPTURE(problems_text(v));
  CHECK(has_problem(v, "sender.participant_id", "operator_prefix"));
  CHECK(has_problem(v, "recipient.participant_id", "operator_prefix"));
}

TEST_CASE("a document for another branch (KPP) of the recipient is refused") {
  EdoDb db;
  auto doc = opora::test::reg::act("2026-11-20");
  doc["counterparty"].as_object()["kpp"] = "773643001";  // same INN, another KPP
  const auto v = db.validate(packet_id(db.packet(json::array{db.put(doc)})));
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(has_problem(v, "documents[0].counterparty.kpp", "party_mismatch"));
}

TEST_CASE("a cancelled registry document does not validate") {
  EdoDb db;
  const int64_t act = db.act();
  db.call("registry.set_status", json::object{{"document", act}, {"status", "cancelled"}});
  const auto v = db.validate(packet_id(db.packet(json::array{act})));
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(has_problem_under(v, "documents[0]"));
}

TEST_CASE("a superseded (not final) registry document does not validate") {
  EdoDb db;
  const int64_t old_version = db.act();
  auto next = opora::test::reg::act("2026-11-21");
  next["supersedes"] = old_version;
  db.put(next);
  REQUIRE(db.call("registry.get", json::object{{"document", old_version}}).at("is_final") == false);
  const auto v = db.validate(packet_id(db.packet(json::array{old_version})));
  CAPTURE(problems_text(v));
  CHECK(v.at("valid") == false);
  CHECK(has_problem_under(v, "documents[0]"));
}

TEST_CASE("a document in pounds is not written as roubles") {
  EdoDb db;
  auto doc = opora::test::reg::act("2026-11-20");
  doc["currency"] = "GBP";
  const int64_t packet = packet_id(db.packet(json::array{db.put(doc)}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  if (v.at("valid") == false) {
    // Refusing a currency the renderer cannot name is fine too.
    CHECK(has_problem_under(v, "documents[0].currency"));
    return;
  }
  const auto out = db.render(packet);
  const std::string text = file_text(out);
  CHECK(text.find("КодОКВ=\"643\"") == std::string::npos);
  CHECK(text.find("КодОКВ=\"826\"") != std::string::npos);
}

TEST_CASE("a packet over the Diadoc limit still lists every other problem") {
  EdoDb db;
  json::array docs;
  for (int i = 0; i < 40; ++i) docs.push_back(db.act());
  docs.push_back(db.act("2026-12-24"));  // the 41st is dated in the future
  const auto v = db.validate(packet_id(db.packet(docs)));
  CHECK(has_problem(v, "documents", "operator_limit"));
  CHECK(has_problem(v, "documents[40].date", "future_date"));
  // 40 are fine.
  EdoDb db2;
  json::array forty;
  for (int i = 0; i < 40; ++i) forty.push_back(db2.act());
  CHECK(db2.validate(packet_id(db2.packet(forty))).at("valid") == true);
}

// ---------------------------------------------------------------------------
// Rendering: real-shaped UPDs through the official XSD.

TEST_CASE("a СЧФДОП of goods to a sole trader passes the FNS schema") {
  EdoDb db;
  db.call("edo.party.put", R"({"party": "ip", "role": "counterparty", "type": "sole_trader",
    "inn": "500100732259", "last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
    "ogrn": "304500116000157", "address": "141400, Московская обл., г. Химки, ул. Ленина, д. 1",
    "participant_id": "2BM-500100732259-201911151206271234567", "box_id": "ip@diadoc.ru"})");
  auto doc = obj(std::string(R"({"kind": "upd", "date": "2026-11-20", "organization": )") +
                 opora::test::reg::kOurOrg + R"(, "counterparty": )" +
                 opora::test::reg::kSoleTrader + R"(, "refs": ["bitrix24:deal:43"],
    "items": [{"name": "Роутер \"Keenetic\" & блок питания", "unit": "шт", "quantity": "3",
               "price": "5000.00", "vat_rate": "22"},
              {"name": "Кабель витая пара, м", "unit": "м", "quantity": "12.5",
               "price": "40.00", "vat_rate": "22", "discount": "10.00"},
              {"name": "Доставка", "unit": "усл. ед.", "quantity": "1", "price": "500.00",
               "vat_rate": "none"}]})");
  const int64_t upd = db.put(doc);
  const int64_t packet =
      packet_id(db.call("edo.packet.create", json::object{{"documents", json::array{upd}},
                                                          {"sender", "our"},
                                                          {"recipient", "ip"},
                                                          {"operator", "diadoc"}}));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  REQUIRE(v.at("valid") == true);
  const auto out = db.render(packet);
  const auto& f = out.at("files").as_array()[0].as_object();
  const std::string name(f.at("name").as_string());
  const std::string bytes = opora::base64_decode_field(f.at("content_base64").as_string(), "f");
  CHECK(xmllint_upd(name, bytes) == 0);
  const std::string text = file_text(out);
  CHECK(text.find("Функция=\"СЧФДОП\"") != std::string::npos);
  CHECK(text.find("<СвИП") != std::string::npos);
  CHECK(text.find("&quot;Keenetic&quot; &amp; блок") != std::string::npos);
  CHECK(out.at("request").at("body").at("DocumentAttachments").at(0).at("NeedRecipientSignature") ==
        true);
}

TEST_CASE("a СЧФ of an act on a contract, signed by МЧД, passes the FNS schema") {
  EdoDb db;
  auto vector = obj(kVector);
  auto& signer = vector["signer"].as_object();
  signer["poa_number"] = "8f3c1a2e-5b7d-4e9a-9c1f-2d3e4f5a6b7c";
  signer["poa_date"] = "2026-01-10";
  signer["poa_system"] = "https://m4d.nalog.gov.ru/emchd/check-status";
  signer["poa_issuer_inn"] = "6663003127";
  signer["authority"] = 3;
  db.call("edo.party.put", vector);
  const int64_t contract = db.put(opora::test::reg::contract());
  auto doc = opora::test::reg::act("2026-11-20");
  doc["basis_id"] = contract;
  const int64_t act = db.put(doc);
  const int64_t packet = packet_id(
      db.packet(json::array{json::object{{"document", act}, {"function", "СЧФ"}}}, "diadoc"));
  const auto v = db.validate(packet);
  CAPTURE(problems_text(v));
  REQUIRE(v.at("valid") == true);
  const auto out = db.render(packet);
  const auto& f = out.at("files").as_array()[0].as_object();
  const std::string bytes = opora::base64_decode_field(f.at("content_base64").as_string(), "f");
  CHECK(xmllint_upd(std::string(f.at("name").as_string()), bytes) == 0);
  const std::string text = file_text(out);
  CHECK(text.find("<СвДоверЭл") != std::string::npos);
  CHECK(text.find("<ДокПодтвОтгрНом") != std::string::npos);
  CHECK(out.at("request").at("body").at("DocumentAttachments").at(0).at("NeedRecipientSignature") ==
        false);
  CHECK(packet_doc(db, packet).at("two_sided") == false);
}

TEST_CASE("a ДОП on a contract writes ОснПер and passes the FNS schema") {
  EdoDb db;
  const int64_t contract = db.put(opora::test::reg::contract());
  auto doc = opora::test::reg::act("2026-11-20");
  doc["basis_id"] = contract;
  const int64_t packet = packet_id(db.packet(json::array{db.put(doc)}));
  REQUIRE(db.validate(packet).at("valid") == true);
  const auto out = db.render(packet);
  const auto& f = out.at("files").as_array()[0].as_object();
  const std::string bytes = opora::base64_decode_field(f.at("content_base64").as_string(), "f");
  CHECK(xmllint_upd(std::string(f.at("name").as_string()), bytes) == 0);
  CHECK(file_text(out).find("<ОснПер") != std::string::npos);
}

TEST_CASE("the operation id changes when the request sent changes") {
  Prepared r;
  const std::string first(r.out.at("operation_id").as_string());
  r.db.call("edo.packet.mark",
            json::object{
                {"packet", r.packet}, {"status", "failed"}, {"error", "ToBoxId: box not found"}});
  auto romashka = obj(kRomashka);
  romashka["box_id"] = "0f0f0f0f@diadoc.ru";  // the right box
  r.db.call("edo.party.put", romashka);
  REQUIRE(r.db.validate(r.packet).at("valid") == true);
  const auto again = r.db.render(r.packet);
  CHECK(again.at("request").at("body").at("ToBoxId") == "0f0f0f0f@diadoc.ru");
  // Diadoc answers a known operationId with the first (failed) send's result.
  CHECK(again.at("operation_id") != first.c_str());
}

TEST_CASE("the XML kept in the registry is the one rendered last, as sent") {
  Prepared r;
  // The act is corrected after the first render, before sending.
  auto items = json::parse(R"([{"name": "Внедрение интеграции Битрикс24 и 1С", "unit": "усл. ед.",
      "quantity": "1", "price": "130000.00", "vat_rate": "22"}])");
  r.db.call("registry.put", json::object{{"id", r.act}, {"items", items}});
  const auto v = r.db.validate(r.packet);
  CAPTURE(problems_text(v));
  REQUIRE(v.at("valid") == true);
  const auto again = r.db.render(r.packet);
  const std::string sha(again.at("files").as_array()[0].at("sha256").as_string());
  CHECK(sha != std::string(r.out.at("files").as_array()[0].at("sha256").as_string()));
  r.db.call("edo.packet.mark", json::object{{"packet", r.packet}, {"status", "sent"}});
  bool kept = false;
  const auto files = r.db.call("registry.files", json::object{{"document", r.act}});
  for (const auto& f : files.at("files").as_array()) kept = kept || f.at("sha256") == sha.c_str();
  CHECK(kept);
}

// ---------------------------------------------------------------------------
// Sending.

TEST_CASE("marking sent again with the operator's ids keeps them") {
  Prepared r;
  r.db.call("edo.packet.mark", json::object{{"packet", r.packet}, {"status", "sent"}});
  const auto again = r.db.call(
      "edo.packet.mark",
      json::object{{"packet", r.packet},
                   {"status", "sent"},
                   {"message_id", "msg-1"},
                   {"documents", json::array{json::object{{"document", r.act},
                                                          {"operator_document_id", "doc-1"}}}}});
  CHECK(again.at("message_id") == "msg-1");
  CHECK(again.at("documents").as_array()[0].at("operator_document_id") == "doc-1");
}

TEST_CASE("marking failed twice is a repeat, not a state error") {
  Prepared r;
  const json::object failed{{"packet", r.packet}, {"status", "failed"}, {"error", "timeout"}};
  r.db.call("edo.packet.mark", failed);
  const auto e = caught([&] { r.db.call("edo.packet.mark", failed); });
  CHECK(e.code() == ErrorCode::ok);
}

TEST_CASE("packet statuses do not go backwards once sent") {
  Prepared r;
  r.mark_sent("doc-1");
  for (const char* to : {"sending", "failed"}) {
    CAPTURE(to);
    const auto e = caught([&] {
      r.db.call("edo.packet.mark",
                json::object{{"packet", r.packet}, {"status", to}, {"error", "x"}});
    });
    CHECK(e.code() == ErrorCode::state);
  }
  CHECK(caught([&] { r.db.validate(r.packet); }).code() == ErrorCode::state);
  CHECK(caught([&] { r.db.render(r.packet); }).code() == ErrorCode::state);
  CHECK(caught([&] {
          r.db.call("edo.packet.cancel", json::object{{"packet", r.packet}});
        }).code() == ErrorCode::state);
  CHECK(r.db.call("edo.packet.get", json::object{{"packet", r.packet}}).at("status") == "sent");
  // A document of a sent packet cannot go into another one.
  const auto e = caught([&] { r.db.packet(json::array{r.act}); });
  CHECK(e.code() == ErrorCode::conflict);
}

TEST_CASE("packets with errors leave out cancelled ones") {
  EdoDb db;
  const int64_t packet = packet_id(db.packet(json::array{db.act("2026-12-24")}));
  REQUIRE(db.validate(packet).at("valid") == false);
  db.call("edo.packet.cancel", json::object{{"packet", packet}});
  CHECK(db.call("edo.packets", R"({"with_errors": true})").at("packets").as_array().empty());
}

TEST_CASE("building again adds the ref's new documents to the reused packet") {
  EdoDb db;
  const int64_t first = db.act();
  const auto built =
      db.call("edo.packet.build", R"({"ref": "bitrix24:deal:42", "operator": "diadoc"})");
  CAPTURE(json::serialize(built));
  REQUIRE(built.at("valid") == true);
  const int64_t second = db.act();
  const auto again =
      db.call("edo.packet.build", R"({"ref": "bitrix24:deal:42", "operator": "diadoc"})");
  CHECK(again.at("reused") == true);
  const auto packet = db.call("edo.packet.get", json::object{{"packet", again.at("packet")}});
  std::vector<int64_t> ids;
  for (const auto& d : packet.at("documents").as_array())
    ids.push_back(d.at("document").as_int64());
  CHECK(ids == std::vector<int64_t>{first, second});
  CHECK(again.at("files").as_array().size() == 2);
}

// ---------------------------------------------------------------------------
// Operator events.

TEST_CASE("an event applied twice changes nothing the second time") {
  Prepared r;
  r.mark_sent("doc-1");
  const json::object e{{"operator", "diadoc"},
                       {"event_id", "twice"},
                       {"cursor", "10"},
                       {"operator_document_id", "doc-1"},
                       {"raw", {{"RecipientResponseStatus", "WithRecipientSignature"}}}};
  const auto first = r.db.event(e);
  CHECK(first.at("status") == "countersigned");
  CHECK(first.at("posted").as_array().size() == 1);
  auto second_event = e;
  second_event["cursor"] = "11";
  const auto second = r.db.event(second_event);
  CHECK(second.at("duplicate") == true);
  CHECK(second.at("posted") == first.at("posted"));
  const auto history = r.db.call("registry.history", json::object{{"document", r.act}});
  size_t signed_changes = 0;
  for (const auto& h : history.at("entries").as_array()) {
    const auto& now = h.at("new");
    if (h.at("action") == "status_changed" && now.is_string() &&
        std::string(now.get_string()).find("\"signed\"") != std::string::npos)
      ++signed_changes;
    if (h.at("action") == "status_changed" && now == "signed") ++signed_changes;
  }
  CHECK(signed_changes == 1);
}

TEST_CASE("a one-sided document is done when delivered") {
  EdoDb db;
  const int64_t act = db.act();
  const int64_t packet =
      packet_id(db.packet(json::array{json::object{{"document", act}, {"function", "СЧФ"}}}));
  REQUIRE(db.validate(packet).at("valid") == true);
  db.render(packet);
  db.call("edo.packet.mark", json::object{{"packet", packet}, {"status", "sent"}});
  const auto e = db.event({{"operator", "diadoc"},
                           {"event_id", "d"},
                           {"document", act},
                           {"raw", {{"Delivered", true}}}});
  CHECK(e.at("status") == "delivered");
  CHECK(e.at("done") == true);
  db.call("clock.set", R"({"now": "2026-12-20T09:00:00+03:00"})");
  CHECK(db.call("edo.awaiting", R"({})").at("documents").as_array().empty());
}

TEST_CASE("a revocation request seen before the signature ends as in order") {
  auto run = [](bool in_order) {
    Prepared r;
    r.mark_sent();
    const json::object signed_{{"RecipientResponseStatus", "WithRecipientSignature"}};
    const json::object revocation{{"RevocationStatus", "RequestsMyRevocation"}};
    std::vector<std::string> posted;
    for (int i = 0; i < 2; ++i) {
      const bool sign_now = (i == 0) == in_order;
      const auto out = r.event(sign_now ? "sign" : "revoke", sign_now ? signed_ : revocation);
      for (const auto& p : out.at("posted").as_array())
        posted.emplace_back(p.at("type").as_string());
    }
    std::sort(posted.begin(), posted.end());
    const auto d = packet_doc(r.db, r.packet);
    return std::make_tuple(std::string(d.at("status").as_string()), registry_status(r.db, r.act),
                           posted);
  };
  const auto in_order = run(true);
  const auto out_of_order = run(false);
  CHECK(std::get<0>(in_order) == std::get<0>(out_of_order));
  CHECK(std::get<1>(in_order) == std::get<1>(out_of_order));
  CHECK(std::get<2>(in_order) == std::get<2>(out_of_order));
}

TEST_CASE("the raw operator fields end the same whatever the event order") {
  auto run = [](bool in_order) {
    Prepared r;
    r.mark_sent();
    // Diadoc reports every facet in each event: the later one overrides.
    const json::object delivered{{"Delivered", true},
                                 {"RecipientResponseStatus", "WaitingForRecipientSignature"}};
    const json::object signed_{{"Delivered", true},
                               {"RecipientResponseStatus", "WithRecipientSignature"}};
    r.event(in_order ? "a" : "b", in_order ? delivered : signed_);
    r.event(in_order ? "b" : "a", in_order ? signed_ : delivered);
    return json::value(packet_doc(r.db, r.packet).at("raw"));
  };
  const auto in_order = run(true);
  const auto out_of_order = run(false);
  CAPTURE(json::serialize(in_order));
  CAPTURE(json::serialize(out_of_order));
  CHECK(in_order.at("RecipientResponseStatus") == "WithRecipientSignature");
  CHECK(in_order == out_of_order);
}

TEST_CASE("a signed document with a revocation request is not awaiting signature") {
  Prepared r;
  r.mark_sent();
  r.event("sign", {{"RecipientResponseStatus", "WithRecipientSignature"}});
  REQUIRE(packet_doc(r.db, r.packet).at("done") == true);
  r.event("revoke", {{"RevocationStatus", "RequestsMyRevocation"}});
  // Still signed by both sides until the revocation is accepted.
  CHECK(packet_doc(r.db, r.packet).at("done") == true);
  r.db.call("clock.set", R"({"now": "2026-12-20T09:00:00+03:00"})");
  const auto awaiting = r.db.call("edo.awaiting", R"({})").at("documents").as_array();
  CHECK(awaiting.empty());
}

TEST_CASE("an unmatched event keeps its signed file") {
  EdoDb db;
  const std::string content = opora::base64_encode("signature bytes");
  db.event({{"operator", "diadoc"},
            {"event_id", "u-1"},
            {"operator_document_id", "unknown"},
            {"status", "countersigned"},
            {"signed_file", {{"name", "act.sig"}, {"content_base64", content}}}});
  const auto u = db.call("edo.events.unmatched", R"({})").at("events").as_array();
  REQUIRE(u.size() == 1);
  const auto& file = u[0].at("event").at("signed_file").as_object();
  CHECK(file.contains("content_base64"));
}

TEST_CASE("an event that came before the send was marked is matched later") {
  auto run = [](bool event_first) {
    Prepared r;
    const json::object e{{"operator", "diadoc"},
                         {"event_id", "early"},
                         {"operator_document_id", "doc-1"},
                         {"raw", {{"RecipientResponseStatus", "WithRecipientSignature"}}}};
    if (event_first) r.db.event(e);
    r.mark_sent("doc-1");
    r.db.event(e);  // the host replays it once the ids are known
    return std::string(packet_doc(r.db, r.packet).at("status").as_string());
  };
  CHECK(run(false) == "countersigned");
  CHECK(run(true) == "countersigned");
}

TEST_CASE("an event for a document deleted from the registry is kept") {
  Prepared r;
  r.mark_sent("doc-1");
  r.db.call("registry.delete", json::object{{"document", r.act}});
  const auto e = caught([&] {
    r.db.event({{"operator", "diadoc"},
                {"event_id", "after-delete"},
                {"cursor", "99"},
                {"operator_document_id", "doc-1"},
                {"raw", {{"RecipientResponseStatus", "WithRecipientSignature"}}}});
  });
  CAPTURE(opora::test::reg::describe(e));
  CHECK(e.code() == ErrorCode::ok);
  // Polling can move on: the cursor is saved with the event.
  CHECK(r.db.call("edo.cursor", R"({"operator": "diadoc"})").at("cursor") == "99");
}

TEST_CASE("events for an unknown document are kept and the cursor moves") {
  EdoDb db;
  db.event({{"operator", "diadoc"},
            {"event_id", "x"},
            {"cursor", "5"},
            {"custom_document_id", "opora:999:999"}});
  db.event({{"operator", "diadoc"},
            {"event_id", "y"},
            {"cursor", "6"},
            {"custom_document_id", "opora:not:a-number"}});
  db.event({{"operator", "sbis"}, {"event_id", "x"}, {"document", 12345}});
  CHECK(db.call("edo.cursor", R"({"operator": "diadoc"})").at("cursor") == "6");
  CHECK(
      db.call("edo.events.unmatched", R"({"operator": "diadoc"})").at("events").as_array().size() ==
      2);
  CHECK(db.call("edo.events.unmatched", R"({})").at("events").as_array().size() == 3);
}

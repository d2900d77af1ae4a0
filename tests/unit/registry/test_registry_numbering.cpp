// Numbering (per kind and year, optionally per organisation; given numbers;
// never issued twice; registry.number.next) and host-defined kinds
// (registry.kind.define: statuses, transitions, items, pattern).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <set>
#include <string>

#include "registry/registry_fixture.hpp"

namespace json = boost::json;
using opora::Error;
using opora::ErrorCode;
using namespace opora::test::reg;

namespace {

// A host's waybill kind (ТН): numbered per organisation, with line items.
const char* const kWaybillKind = R"({"kind": {
    "id": "waybill", "title": "Товарная накладная",
    "statuses": ["draft", "shipped", "received", "cancelled"],
    "transitions": {"draft": ["shipped", "cancelled"], "shipped": ["received"]},
    "has_items": true, "number_pattern": "ТН-{yy}-{seq:05}", "number_per_organization": true}})";

// A host's application kind (заявка) without items, numbered per year.
const char* const kApplicationKind = R"({"kind": {
    "id": "application", "title": "Заявка на подключение",
    "statuses": ["new", "approved", "rejected"], "initial": "new",
    "transitions": {"new": ["approved", "rejected"]},
    "number_pattern": "ЗВ/{yy}{mm}{dd}/{seq}"}})";

json::object waybill(std::string_view organization, std::string_view date = "2026-11-20") {
  json::object o = obj(std::string(R"({"kind": "waybill", "organization": )") +
                       std::string(organization) + R"(, "counterparty": )" + kRomashka + R"(,
      "items": [{"name": "Бумага А4", "unit": "пач", "quantity": "10", "price": "450.00",
                 "vat_rate": "22"}]})");
  o["date"] = json::string(date);
  return o;
}

std::string number_of(const json::object& doc) {
  return text(doc.at("number"));
}

}  // namespace

// --- automatic numbers ------------------------------------------------------

TEST_CASE("acts are numbered АКТ-2026-000001, then АКТ-2026-000002") {
  RegistryDb r;
  CHECK(number_of(r.put(act())) == "АКТ-2026-000001");
  CHECK(number_of(r.put(act())) == "АКТ-2026-000002");
  CHECK(number_of(r.put(act("2026-12-31"))) == "АКТ-2026-000003");
}

TEST_CASE("each kind has its own pattern and its own sequence") {
  RegistryDb r;
  CHECK(number_of(r.put(act())) == "АКТ-2026-000001");
  CHECK(number_of(r.put(contract())) == "ДГ-2026-0001");
  auto invoice = act();
  invoice["kind"] = "invoice";
  CHECK(number_of(r.put(invoice)) == "СЧ-2026-000001");
  auto letter = contract();
  letter["kind"] = "letter";
  letter.erase("totals");
  letter.erase("valid_from");
  letter.erase("valid_to");
  CHECK(number_of(r.put(letter)) == "ПИС-2026-00001");
  CHECK(number_of(r.put(act())) == "АКТ-2026-000002");
}

TEST_CASE("numbering restarts at 1 in a new year and each year continues its own sequence") {
  RegistryDb r;
  CHECK(number_of(r.put(act("2026-12-30"))) == "АКТ-2026-000001");
  CHECK(number_of(r.put(act("2026-12-31"))) == "АКТ-2026-000002");
  CHECK(number_of(r.put(act("2027-01-09"))) == "АКТ-2027-000001");
  CHECK(number_of(r.put(act("2026-12-31"))) == "АКТ-2026-000003");  // a late 2026 act
  CHECK(number_of(r.put(act("2027-01-10"))) == "АКТ-2027-000002");
}

TEST_CASE("a kind numbered per organisation keeps a sequence for each organisation") {
  RegistryDb r;
  r.call("registry.kind.define", kWaybillKind);
  CHECK(number_of(r.put(waybill(kOurOrg))) == "ТН-26-00001");
  CHECK(number_of(r.put(waybill(kOurOrg))) == "ТН-26-00002");
  CHECK(number_of(r.put(waybill(kOurSecondOrg))) == "ТН-26-00001");
  CHECK(number_of(r.put(waybill(kOurOrg, "2027-01-11"))) == "ТН-27-00001");
  CHECK(number_of(r.put(waybill(kOurSecondOrg))) == "ТН-26-00002");
}

TEST_CASE("the same number in two organisations of a per-organisation kind is no duplicate") {
  RegistryDb r;
  r.call("registry.kind.define", kWaybillKind);
  r.put(with(waybill(kOurOrg), "number", R"("ТН-26-00100")"));
  CHECK(number_of(r.put(with(waybill(kOurSecondOrg), "number", R"("ТН-26-00100")"))) ==
        "ТН-26-00100");
  const auto e = r.error("registry.put", with(waybill(kOurOrg), "number", R"("ТН-26-00100")"));
  CHECK(has_error(e, "number", "duplicate_number"));
}

TEST_CASE("a document of a per-organisation kind needs its organisation to be numbered") {
  RegistryDb r;
  r.call("registry.kind.define", kWaybillKind);
  auto doc = waybill(kOurOrg);
  doc.erase("organization");
  const auto e = r.error("registry.put", doc);
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "organization", "required"));
}

TEST_CASE("a defined pattern can use the year, month and day of the document") {
  RegistryDb r;
  r.call("registry.kind.define", kApplicationKind);
  auto doc = obj(std::string(R"({"kind": "application", "date": "2026-03-05", "counterparty": )") +
                 kSoleTrader + "}");
  CHECK(number_of(r.put(doc)) == "ЗВ/260305/1");
  CHECK(number_of(r.put(doc)) == "ЗВ/260305/2");
}

// --- given numbers ----------------------------------------------------------

TEST_CASE("a number given by hand is kept and does not advance the sequence") {
  RegistryDb r;
  CHECK(number_of(r.put(with(act(), "number", R"("17/11-2026")"))) == "17/11-2026");
  CHECK(number_of(r.put(act())) == "АКТ-2026-000001");
}

TEST_CASE("a number already used by the kind in that year is refused as duplicate_number") {
  RegistryDb r;
  const int64_t first = id_of(r.put(act()));
  const auto e = r.error("registry.put", with(act(), "number", R"("АКТ-2026-000001")"));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "number", "duplicate_number"));
  CHECK(ids_of(r.find(R"({"kind": "act"})")) == std::vector<int64_t>{first});
}

TEST_CASE("the same number is no duplicate in another kind, but is in another year") {
  RegistryDb r;
  r.put(with(act(), "number", R"("17")"));
  auto invoice = with(act(), "number", R"("17")");
  invoice["kind"] = "invoice";
  CHECK(number_of(r.put(invoice)) == "17");
  // A number is unique within its kind whatever the year: otherwise a
  // document moved to another year, or a hand number in next year's
  // format, would let one number be issued twice.
  const auto e = r.error("registry.put", with(act("2027-02-01"), "number", R"("17")"));
  CHECK(has_error(e, "number", "duplicate_number"));
}

TEST_CASE("a hand number in next year's format is skipped by next year's sequence") {
  RegistryDb r;
  r.put(with(act("2026-12-31"), "number", R"("АКТ-2027-000001")"));
  CHECK(number_of(r.put(act("2027-01-05"))) == "АКТ-2027-000002");
}

TEST_CASE("moving a document to another year keeps its number taken") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act("2026-03-01")));
  r.put(json::object{{"id", id}, {"date", "2027-01-10"}});
  const auto e = r.error("registry.put", with(act("2026-05-01"), "number", R"("АКТ-2026-000001")"));
  CHECK(has_error(e, "number", "duplicate_number"));
}

TEST_CASE("a pattern without the year runs one sequence across years") {
  RegistryDb r;
  r.call("registry.kind.define",
         R"({"kind": {"id": "memo", "statuses": ["new"], "number_pattern": "M-{seq:03}"}})");
  CHECK(number_of(r.put(R"({"kind": "memo", "date": "2025-12-31"})")) == "M-001");
  CHECK(number_of(r.put(R"({"kind": "memo", "date": "2026-01-01"})")) == "M-002");
}

TEST_CASE("renumbering a document to a number in use is refused") {
  RegistryDb r;
  r.put(act());
  const int64_t second = id_of(r.put(act()));
  const auto e =
      r.error("registry.put", json::object{{"id", second}, {"number", "АКТ-2026-000001"}});
  CHECK(has_error(e, "number", "duplicate_number"));
  CHECK(r.get(second).at("number") == "АКТ-2026-000002");
  CHECK(r.put(json::object{{"id", second}, {"number", "АКТ-2026-000002/1"}}).at("number") ==
        "АКТ-2026-000002/1");
}

TEST_CASE("a superseding version may keep its predecessor's number") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  auto doc = with(act(), "number", R"("АКТ-2026-000001")");
  doc["supersedes"] = v1;
  const auto v2 = r.put(doc);
  CHECK(number_of(v2) == "АКТ-2026-000001");
  // A third version of the same chain may keep it as well; an unrelated act may not.
  auto v3doc = with(act(), "number", R"("АКТ-2026-000001")");
  v3doc["supersedes"] = id_of(v2);
  CHECK(number_of(r.put(v3doc)) == "АКТ-2026-000001");
  const auto e = r.error("registry.put", with(act(), "number", R"("АКТ-2026-000001")"));
  CHECK(has_error(e, "number", "duplicate_number"));
}

TEST_CASE("a version that kept its predecessor's number can still be edited and moved on") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  auto doc = with(act(), "number", R"("АКТ-2026-000001")");
  doc["supersedes"] = v1;
  const int64_t v2 = id_of(r.put(doc));
  const ErrorCode edited = outcome([&] {
    r.put(json::object{{"id", v2}, {"notes", "подписан клиентом"}});
  });
  CHECK(edited == ErrorCode::ok);
  const ErrorCode moved = outcome([&] {
    r.call("registry.set_status", json::object{{"document", v2}, {"status", "sent"}});
  });
  CHECK(moved == ErrorCode::ok);
  CHECK(r.get(v2).at("status") == "sent");
  // The replaced version too: it shares the number with its successor.
  CHECK(outcome([&] { r.put(json::object{{"id", v1}, {"notes", "архив"}}); }) == ErrorCode::ok);
}

TEST_CASE("a superseding version without a number gets the next one") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  CHECK(number_of(r.put(with(act(), "supersedes", std::to_string(v1)))) == "АКТ-2026-000002");
}

TEST_CASE("the automatic sequence skips a number given by hand and never issues it twice") {
  RegistryDb r;
  r.put(with(act(), "number", R"("АКТ-2026-000002")"));
  r.put(with(act(), "number", R"("АКТ-2026-000003")"));
  CHECK(number_of(r.put(act())) == "АКТ-2026-000001");
  CHECK(number_of(r.put(act())) == "АКТ-2026-000004");
  CHECK(number_of(r.put(act())) == "АКТ-2026-000005");
  std::set<std::string> seen;
  for (const auto& n : numbers_of(r.find(R"({"kind": "act"})"))) CHECK(seen.insert(n).second);
}

TEST_CASE("a deleted document keeps its number: it is neither reissued nor reusable") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  r.call("registry.delete", json::object{{"document", id}});
  CHECK(number_of(r.put(act())) == "АКТ-2026-000002");
  const auto e = r.error("registry.put", with(act(), "number", R"("АКТ-2026-000001")"));
  CHECK(has_error(e, "number", "duplicate_number"));
}

TEST_CASE("a refused document takes no number") {
  RegistryDb r;
  auto bad = act();
  bad["counterparty"].as_object()["inn"] = "7707083890";
  CHECK(r.error("registry.put", bad).code() == ErrorCode::validation);
  CHECK(number_of(r.put(act())) == "АКТ-2026-000001");
}

TEST_CASE("a given number must be non-empty text without control characters") {
  RegistryDb r;
  for (const char* n : {R"("")", R"("АКТ\n1")", R"("\u0000")"}) {
    INFO(std::string(n));
    CHECK(has_error(r.error("registry.put", with(act(), "number", n)), "number", "number"));
  }
}

// --- registry.number.next ---------------------------------------------------

TEST_CASE("registry.number.next previews the next number without taking it") {
  RegistryDb r;
  const auto preview = r.call("registry.number.next", R"({"kind": "act"})");
  CHECK(preview.at("number") == "АКТ-2026-000001");
  CHECK(preview.at("kind") == "act");
  CHECK(preview.at("scope") == "act|2026");
  CHECK(r.next_number(R"({"kind": "act"})") == "АКТ-2026-000001");
  CHECK(number_of(r.put(act())) == "АКТ-2026-000001");
  CHECK(r.next_number(R"({"kind": "act"})") == "АКТ-2026-000002");
}

TEST_CASE("registry.number.next uses today's date unless given one") {
  RegistryDb r;
  r.put(act());
  CHECK(r.next_number(R"({"kind": "act", "date": "2027-03-01"})") == "АКТ-2027-000001");
  r.set_clock("2027-01-01T00:00:01Z");
  CHECK(r.next_number(R"({"kind": "act"})") == "АКТ-2027-000001");
}

TEST_CASE("registry.number.next skips numbers given by hand") {
  RegistryDb r;
  r.put(with(act(), "number", R"("АКТ-2026-000001")"));
  CHECK(r.next_number(R"({"kind": "act"})") == "АКТ-2026-000002");
  CHECK(number_of(r.put(act())) == "АКТ-2026-000002");
}

TEST_CASE("registry.number.next of a per-organisation kind needs the organisation's INN") {
  RegistryDb r;
  r.call("registry.kind.define", kWaybillKind);
  r.put(waybill(kOurOrg));
  CHECK(r.next_number(R"({"kind": "waybill", "organization_inn": "6663003127"})") == "ТН-26-00002");
  CHECK(r.next_number(R"({"kind": "waybill", "organization_inn": "7830002293"})") == "ТН-26-00001");
  const auto e = r.error("registry.number.next", R"({"kind": "waybill"})");
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "organization", "required"));
}

TEST_CASE("registry.number.next of an unknown kind is refused") {
  RegistryDb r;
  const auto e = r.error("registry.number.next", R"({"kind": "waybill"})");
  CHECK(has_error(e, "kind", "unknown_kind"));
  CHECK(r.error("registry.number.next", R"({"kind": "act", "date": "2026-02-30"})").code() ==
        ErrorCode::invalid);
}

// --- registry.kind.define ---------------------------------------------------

TEST_CASE("a defined kind gets its statuses, initial status, transitions and numbers") {
  RegistryDb r;
  const auto defined = r.call("registry.kind.define", kApplicationKind);
  CHECK(defined.at("id") == "application");
  CHECK(defined.at("statuses") == json::array{"new", "approved", "rejected"});
  bool listed = false;
  for (const auto& k : r.kinds())
    if (k.at("id") == "application") {
      listed = true;
      CHECK(k.at("builtin") == false);
      CHECK(k.at("initial") == "new");
      CHECK(k.at("number_pattern") == "ЗВ/{yy}{mm}{dd}/{seq}");
    }
  CHECK(listed);
  const auto doc = r.put(obj(std::string(R"({"kind": "application", "date": "2026-11-23",
      "counterparty": )") + kRomashka +
                             "}"));
  CHECK(doc.at("status") == "new");
  const int64_t id = id_of(doc);
  CHECK(r.call("registry.set_status", json::object{{"document", id}, {"status", "approved"}})
            .at("status") == "approved");
  const auto e =
      r.error("registry.set_status", json::object{{"document", id}, {"status", "rejected"}});
  CHECK(has_error(e, "status", "transition"));
}

TEST_CASE("a defined kind without items refuses them and one with items computes totals") {
  RegistryDb r;
  r.call("registry.kind.define", kApplicationKind);
  r.call("registry.kind.define", kWaybillKind);
  const auto e =
      r.error("registry.put",
              obj(std::string(R"({"kind": "application", "date": "2026-11-23", "counterparty": )") +
                  kRomashka + R"(, "items": [{"name": "x", "quantity": "1", "price": "1.00",
          "vat_rate": "22"}]})"));
  CHECK(has_error(e, "items", "no_items"));
  CHECK(r.put(waybill(kOurOrg)).at("totals").at("gross") == "4500.00");
}

TEST_CASE("a bad kind definition is refused listing every error") {
  RegistryDb r;
  const auto e = r.error("registry.kind.define", R"({"kind": {
      "id": "Заявка", "statuses": ["new", "new", "Bad Status"], "initial": "open",
      "transitions": {"closed": ["new"], "new": ["gone"]},
      "number_pattern": "ЗВ-{yyyy}"}})");
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "kind.id", "identifier"));
  CHECK(has_error(e, "kind.statuses[1]", "duplicate"));
  CHECK(has_error(e, "kind.statuses[2]", "identifier"));
  CHECK(has_error(e, "kind.initial", "status"));
  CHECK(has_error(e, "kind.transitions.closed", "status"));
  CHECK(has_error(e, "kind.transitions.new[0]", "status"));
  CHECK(has_error(e, "kind.number_pattern", "number_pattern"));
  CHECK(e.field_errors().size() == 7);
  for (const auto& k : r.kinds()) CHECK(k.at("id") != "Заявка");
}

TEST_CASE("a kind definition with wrongly typed members is refused as invalid") {
  RegistryDb r;
  for (const char* def :
       {R"({"kind": {"id": "memo", "statuses": ["open"], "has_items": "yes"}})",
        R"({"kind": {"id": "memo", "statuses": "open"}})",
        R"({"kind": {"id": "memo", "statuses": ["open", 5]}})",
        R"({"kind": {"id": "memo", "statuses": ["open"], "transitions": {"open": "closed"}}})",
        R"({"kind": {"id": 7, "statuses": ["open"]}})", R"({"kind": "memo"})", "{}"}) {
    INFO(std::string(def));
    const ErrorCode code = outcome([&] { r.call("registry.kind.define", def); });
    CHECK(code == ErrorCode::invalid);
  }
  for (const auto& k : r.kinds()) CHECK(k.at("builtin") == true);
}

TEST_CASE("a kind needs an id and at least one status") {
  RegistryDb r;
  const auto e = r.error("registry.kind.define", R"({"kind": {"statuses": []}})");
  CHECK(has_error(e, "kind.id", "identifier"));
  CHECK(has_error(e, "kind.statuses", "required"));
}

TEST_CASE("a number pattern needs a sequence and known placeholders") {
  RegistryDb r;
  for (const char* pattern :
       {"ЗВ-{yyyy}", "ЗВ-{seq", "ЗВ-{week}-{seq}", "ЗВ-{seq:0}", "ЗВ-{seq:13}", "ЗВ-{seq:x}"}) {
    INFO(std::string(pattern));
    auto def = obj(R"({"kind": {"id": "application", "statuses": ["new"]}})");
    def["kind"].as_object()["number_pattern"] = pattern;
    CHECK(has_error(r.error("registry.kind.define", def), "kind.number_pattern", "number_pattern"));
  }
}

TEST_CASE("a kind without a pattern is numbered with a six-digit sequence") {
  RegistryDb r;
  r.call("registry.kind.define", R"({"kind": {"id": "memo", "statuses": ["open", "closed"]}})");
  CHECK(number_of(r.put(R"({"kind": "memo", "date": "2026-11-23"})")) == "000001");
}

TEST_CASE("a built-in kind cannot be redefined") {
  RegistryDb r;
  const auto e = r.error("registry.kind.define", R"({"kind": {"id": "act",
      "statuses": ["draft", "done"], "number_pattern": "A-{seq}"}})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "kind.id", "builtin_kind"));
  CHECK(number_of(r.put(act())) == "АКТ-2026-000001");
}

TEST_CASE("a redefinition that keeps the statuses in use replaces the kind") {
  RegistryDb r;
  r.call("registry.kind.define", kApplicationKind);
  const auto doc = r.put(obj(R"({"kind": "application", "date": "2026-11-23"})"));
  r.call("registry.kind.define", R"({"kind": {"id": "application",
      "statuses": ["new", "approved", "rejected", "archived"],
      "transitions": {"new": ["approved", "rejected", "archived"]},
      "number_pattern": "ЗВ/{yy}{mm}{dd}/{seq}"}})");
  CHECK(number_of(r.put(obj(R"({"kind": "application", "date": "2026-11-23"})"))) ==
        "ЗВ/261123/2");  // the sequence of the kind and year goes on
  CHECK(
      r.call("registry.set_status", json::object{{"document", id_of(doc)}, {"status", "archived"}})
          .at("status") == "archived");
}

TEST_CASE("a redefinition that drops a status documents are in is refused") {
  RegistryDb r;
  r.call("registry.kind.define", kApplicationKind);
  const int64_t id = id_of(r.put(obj(R"({"kind": "application", "date": "2026-11-23"})")));
  r.call("registry.set_status", json::object{{"document", id}, {"status", "approved"}});
  const auto e = r.error("registry.kind.define", R"({"kind": {"id": "application",
      "statuses": ["new", "rejected"], "number_pattern": "ЗВ-{seq}"}})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "kind.statuses", "status_in_use"));
  // The old definition stands.
  CHECK(number_of(r.put(obj(R"({"kind": "application", "date": "2026-11-23"})"))) == "ЗВ/261123/2");
}

TEST_CASE("a defined kind may say its documents need a countersignature") {
  RegistryDb r;
  r.call("registry.kind.define", R"({"kind": {"id": "power_of_attorney",
      "statuses": ["issued", "revoked"], "requires_countersign": true}})");
  const auto doc = r.put(R"({"kind": "power_of_attorney", "date": "2026-11-23"})");
  CHECK(doc.at("requires_countersign") == true);
  CHECK(doc.at("status") == "issued");
}

TEST_CASE("a kind defined through another handle on the same file is seen without reopening") {
  const std::string path = "/tmp/opora-unit-registry-kinds.db";
  const auto remove_files = [&path] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::remove((path + suffix).c_str());
  };
  remove_files();
  {
    RegistryDb a(RegistryDb::kDefaultOptions, path);
    RegistryDb b(RegistryDb::kDefaultOptions, path);
    CHECK(b.kinds().size() == 8);  // b has read the kinds
    a.call("registry.kind.define", kApplicationKind);
    const auto doc = b.put(R"({"kind": "application", "date": "2026-11-23"})");
    CHECK(number_of(doc) == "ЗВ/261123/1");
    CHECK(number_of(a.put(R"({"kind": "application", "date": "2026-11-23"})")) == "ЗВ/261123/2");
    // Numbering cannot change under documents that were numbered by it.
    const auto e = b.error("registry.kind.define", R"({"kind": {"id": "application",
        "statuses": ["new", "approved", "rejected"], "number_pattern": "З-{seq:03}"}})");
    CHECK(has_error(e, "kind.number_pattern", "numbering_in_use"));
    CHECK(b.next_number(R"({"kind": "application"})") == "ЗВ/261123/3");
  }
  remove_files();
}

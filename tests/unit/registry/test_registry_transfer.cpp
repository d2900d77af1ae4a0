// registry.put_many (bulk, all or nothing, every problem listed) and
// registry.export / registry.import (JSON lines that reproduce a registry).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/base64.hpp"
#include "registry/registry_fixture.hpp"

namespace json = boost::json;
using opora::Error;
using opora::ErrorCode;
using namespace opora::test::reg;

namespace {

json::object put_many(RegistryDb& r, json::array documents) {
  return r.call("registry.put_many", json::object{{"documents", std::move(documents)}});
}

Error put_many_error(RegistryDb& r, json::array documents) {
  return r.error("registry.put_many", json::object{{"documents", std::move(documents)}});
}

json::object bad_inn_act() {
  json::object doc = act();
  doc["counterparty"].as_object()["inn"] = "7707083890";
  return doc;
}

std::string export_text(RegistryDb& r) {
  return text(r.call("registry.export", "{}").at("jsonl"));
}

std::vector<json::object> lines_of(const std::string& jsonl) {
  std::vector<json::object> out;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line).as_object());
  return out;
}

json::object import_text(RegistryDb& r, const std::string& jsonl) {
  return r.call("registry.import", json::object{{"jsonl", jsonl}});
}

const char* const kWaybillKind = R"({"kind": {
    "id": "waybill", "title": "Товарная накладная",
    "statuses": ["draft", "shipped", "received"], "transitions": {"draft": ["shipped"],
    "shipped": ["received"]}, "has_items": true, "number_pattern": "ТН-{yy}-{seq:05}",
    "number_per_organization": true}})";

// A registry with something of everything: a defined kind, items, versions,
// a deleted document, custom fields, files (one blob twice, a path), links,
// status changes and edits in the journal.
struct Source {
  RegistryDb r;
  std::vector<int64_t> files;

  Source() {
    r.call("registry.kind.define", kWaybillKind);
    auto a = act();
    a["custom"] = obj(R"({"manager": "Иванова", "stage": 3, "urgent": true})");
    a["actor"] = "bitrix24:user:7";
    a["reason"] = "сделка закрыта";
    const int64_t act_id = id_of(r.put(a));
    const int64_t contract_id = id_of(r.put(contract()));
    r.set_clock("2026-11-23T10:00:00Z");
    r.call(
        "registry.set_status",
        json::object{
            {"id", act_id}, {"status", "sent"}, {"actor", "edo"}, {"reason", "отправлен в ЭДО"}});
    r.put(json::object{{"id", act_id}, {"notes", "Оригинал отправлен почтой"}});
    // A draft act replaced by a final version with the same number.
    const int64_t v1 = id_of(r.put(act("2026-11-21")));
    auto v2 = with(act("2026-11-21"), "number", R"("АКТ-2026-000002")");
    v2["supersedes"] = v1;
    v2["items"] = json::parse(R"([
        {"name": "Доработка отчётов", "unit": "ч", "quantity": "12.5", "price": "3500.00",
         "discount": "750.00", "vat_rate": "22", "vat_mode": "on_top"},
        {"name": "Госпошлина", "quantity": "1", "price": "4000.00", "vat_rate": "none"}])");
    const int64_t v2_id = id_of(r.put(v2));
    auto dup = with(act(), "counterparty", kSoleTrader);
    dup["refs"] = json::array{"bitrix24:deal:99"};
    const int64_t gone = id_of(r.put(dup));
    r.call("registry.delete", json::object{{"document", gone}, {"reason", "дубль"}});
    r.put(obj(std::string(R"({"kind": "waybill", "date": "2026-11-22", "organization": )") +
              kOurOrg + R"(, "counterparty": {"type": "company", "name": "ТОО «Алатау»",
        "bin": "940140000385"}, "currency": "KZT", "refs": ["1c:waybill:ТН-000045"],
        "items": [{"name": "Бумага А4", "quantity": "10", "price": "2450.00",
                   "vat_rate": "12"}]})"));
    r.put(obj(std::string(R"({"kind": "letter", "date": "2026-11-23", "counterparty": )") +
              kRomashka + R"(, "notes": "Акт сверки за 3 квартал"})"));
    const std::string pdf("%PDF-1.7\n\0\xff", 11);
    for (int64_t id : {act_id, v2_id})
      files.push_back(r.call("registry.file.attach",
                             json::object{{"id", id},
                                          {"name", "act.pdf"},
                                          {"mime", "application/pdf"},
                                          {"content_base64", opora::base64_encode(pdf)}})
                          .at("file_id")
                          .as_int64());
    files.push_back(
        r.call("registry.file.attach", json::object{{"document", contract_id},
                                                    {"name", "договор.tiff"},
                                                    {"role", "scan"},
                                                    {"path", "/srv/scans/dg-2026-0001.tiff"},
                                                    {"size", 204800}})
            .at("file_id")
            .as_int64());
    r.call("registry.link", json::object{{"from", act_id},
                                         {"to", contract_id},
                                         {"type", "basis"},
                                         {"actor", "manager:ivanova"}});
    r.call("registry.link", json::object{{"from", v2_id}, {"to", contract_id}, {"type", "basis"}});
    r.call("registry.link",
           json::object{{"from", v2_id}, {"to", act_id}, {"type", "part_of_packet"}});
  }
};

std::vector<int64_t> all_ids(RegistryDb& r) {
  return ids_of(r.find(R"({"include_deleted": true, "sort": "id", "limit": 1000})"));
}

}  // namespace

// --- registry.put_many ------------------------------------------------------

TEST_CASE("put_many creates every document in one call and numbers them in order") {
  RegistryDb r;
  const auto result = put_many(r, json::array{act(), act(), contract(), act()});
  CHECK(result.at("count") == 4);
  const auto& docs = result.at("documents").as_array();
  REQUIRE(docs.size() == 4);
  CHECK(docs[0].at("number") == "АКТ-2026-000001");
  CHECK(docs[1].at("number") == "АКТ-2026-000002");
  CHECK(docs[2].at("number") == "ДГ-2026-0001");
  CHECK(docs[3].at("number") == "АКТ-2026-000003");
  for (const auto& d : docs) CHECK(r.get(d.at("id").as_int64()).at("number") == d.at("number"));
  CHECK(r.next_number(R"({"kind": "act"})") == "АКТ-2026-000004");
}

TEST_CASE("put_many with one bad document among valid ones writes nothing") {
  RegistryDb r;
  const auto e = put_many_error(r, json::array{act(), bad_inn_act(), act()});
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "documents[1].counterparty.inn", "inn_checksum"));
  CHECK(e.field_errors().size() == 1);
  CHECK(r.find(R"({"include_deleted": true})").at("documents").as_array().empty());
  CHECK(r.next_number(R"({"kind": "act"})") == "АКТ-2026-000001");
  CHECK(id_of(r.put(act())) == 1);
}

TEST_CASE("put_many lists every problem of every bad document with its path") {
  RegistryDb r;
  auto unknown = act();
  unknown["kind"] = "akt";
  auto mismatch = with(act(), "totals", R"({"gross": "1.00"})");
  auto several = act();
  several["refs"] = json::array{"deal 42"};
  several["valid_from"] = "2026-12-31";
  several["valid_to"] = "2026-12-01";
  const auto e =
      put_many_error(r, json::array{act(), bad_inn_act(), unknown, mismatch, act(), several});
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "documents[1].counterparty.inn", "inn_checksum"));
  CHECK(has_error(e, "documents[2].kind", "unknown_kind"));
  CHECK(has_error(e, "documents[3].totals.gross", "totals_mismatch"));
  CHECK(has_error(e, "documents[5].refs[0]", "ref"));
  CHECK(has_error(e, "documents[5].valid_to", "before_from"));
  for (const auto& f : e.field_errors()) {
    CHECK(f.field.rfind("documents[0]", 0) == std::string::npos);
    CHECK(f.field.rfind("documents[4]", 0) == std::string::npos);
  }
  CHECK(r.find(R"({"include_deleted": true})").at("documents").as_array().empty());
}

TEST_CASE("put_many lists every form problem of every malformed document with its path") {
  RegistryDb r;
  auto several = act();
  several["date"] = "2026-11-31";
  several["items"].at(0).as_object()["vat_rate"] = "18%";
  several["items"].at(0).as_object()["qty"] = "1";
  auto typo = act();
  typo["dat"] = "2026-12-31";
  const auto e = put_many_error(r, json::array{act(), several, typo});
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(e.field_errors().size() == 4);
  CHECK(has_error(e, "documents[1].date", "date"));
  CHECK(has_error(e, "documents[1].items[0].vat_rate", "vat_rate"));
  CHECK(has_error(e, "documents[1].items[0].qty", "unknown_field"));
  CHECK(has_error(e, "documents[2].dat", "unknown_field"));
  CHECK(r.find(R"({"include_deleted": true})").at("documents").as_array().empty());
}

TEST_CASE("put_many refuses entries that are not objects") {
  RegistryDb r;
  const auto e = r.error("registry.put_many",
                         json::object{{"documents", json::array{act(), 42, "act", nullptr}}});
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "documents[1]", "type"));
  CHECK(has_error(e, "documents[2]", "type"));
  CHECK(r.find("{}").at("documents").as_array().empty());
  CHECK(r.error("registry.put_many", R"({"documents": {}})").code() == ErrorCode::invalid);
  CHECK(r.error("registry.put_many", "{}").code() == ErrorCode::invalid);
}

TEST_CASE("put_many of an empty list writes nothing and succeeds") {
  RegistryDb r;
  const auto result = put_many(r, json::array{});
  CHECK(result.at("count") == 0);
  CHECK(result.at("documents") == json::array{});
}

TEST_CASE("put_many refuses a number used twice in the batch") {
  RegistryDb r;
  const auto e = put_many_error(r, json::array{with(act(), "number", R"("АКТ-17")"), act(),
                                               with(act(), "number", R"("АКТ-17")")});
  CHECK(has_error(e, "documents[2].number", "duplicate_number"));
  CHECK(r.find("{}").at("documents").as_array().empty());
}

TEST_CASE("put_many numbers around a number given by hand earlier in the batch") {
  RegistryDb r;
  const auto result =
      put_many(r, json::array{with(act(), "number", R"("АКТ-2026-000001")"), act(), act()});
  CHECK(numbers_of(result) ==
        std::vector<std::string>{"АКТ-2026-000001", "АКТ-2026-000002", "АКТ-2026-000003"});
}

TEST_CASE("put_many mixes updates and creations and journals them with actor and reason") {
  RegistryDb r;
  const int64_t existing = id_of(r.put(act()));
  const auto result = r.call(
      "registry.put_many",
      json::object{{"documents",
                    json::array{json::object{{"id", existing}, {"status", "sent"}}, contract()}},
                   {"actor", "1c:exchange"},
                   {"reason", "ночной обмен"}});
  CHECK(result.at("count") == 2);
  CHECK(result.at("documents").at(0).at("id") == existing);
  CHECK(r.get(existing).at("status") == "sent");
  const auto changed = r.entries(existing).back();
  CHECK(changed.at("action") == "status_changed");
  CHECK(changed.at("actor") == "1c:exchange");
  CHECK(changed.at("reason") == "ночной обмен");
  const auto created = r.entries(result.at("documents").at(1).at("id").as_int64()).at(0);
  CHECK(created.at("action") == "created");
  CHECK(created.at("actor") == "1c:exchange");
}

TEST_CASE("put_many with an update that fails undoes the documents before it") {
  RegistryDb r;
  const int64_t existing = id_of(r.put(act()));
  r.put(json::object{{"id", existing}, {"notes", "правка"}});  // now at version 2
  auto code = outcome([&] {
    put_many(r,
             json::array{contract(),
                         json::object{{"id", existing}, {"notes", "x"}, {"expected_version", 1}}});
  });
  CHECK(code == ErrorCode::conflict);
  code = outcome([&] {
    put_many(r, json::array{contract(), json::object{{"id", 999}, {"notes", "x"}}});
  });
  CHECK(code == ErrorCode::not_found);
  CHECK(ids_of(r.find("{}")) == std::vector<int64_t>{existing});
  CHECK(r.get(existing).at("notes") == "правка");
  CHECK(r.next_number(R"({"kind": "contract"})") == "ДГ-2026-0001");
}

// --- registry.export / registry.import --------------------------------------

TEST_CASE("an export starts with a header and has a line per kind, document, file and link") {
  Source s;
  const auto result = s.r.call("registry.export", "{}");
  const auto lines = lines_of(text(result.at("jsonl")));
  CHECK(result.at("lines") == static_cast<int64_t>(lines.size()));
  REQUIRE(!lines.empty());
  CHECK(lines[0] == obj(R"({"type": "opora.registry", "format": 1})"));
  std::map<std::string, int> counts;
  for (const auto& l : lines) ++counts[text(l.at("type"))];
  CHECK(counts["kind"] == 1);
  CHECK(counts["document"] == 7);
  CHECK(counts["blob"] == 1);
  CHECK(counts["file"] == 3);
  CHECK(counts["link"] == 3);
  CHECK(counts["journal"] > 7);
}

TEST_CASE("an import into a fresh database reproduces documents, history, files and links") {
  Source s;
  const std::string jsonl = export_text(s.r);
  RegistryDb copy(R"({"clock": "manual", "now": "2027-02-01T12:00:00Z"})");
  const auto imported = import_text(copy, jsonl);
  CHECK(imported.at("lines") == static_cast<int64_t>(lines_of(jsonl).size()));
  CHECK(imported.at("counts").at("document") == 7);

  const auto ids = all_ids(s.r);
  REQUIRE(ids.size() == 7);
  CHECK(all_ids(copy) == ids);
  for (int64_t id : ids) {
    CAPTURE(id);
    const json::object p{{"id", id}, {"include_deleted", true}};
    CHECK(copy.call("registry.get", p) == s.r.call("registry.get", p));
    CHECK(copy.history(id) == s.r.history(id));
  }
  for (int64_t f : s.files) {
    CAPTURE(f);
    const json::object p{{"file_id", f}};
    CHECK(copy.call("registry.file.get", p) == s.r.call("registry.file.get", p));
  }
  CHECK(copy.kinds() == s.r.kinds());
  // The export of the copy is the export of the original, line for line.
  CHECK(export_text(copy) == jsonl);
}

TEST_CASE("queries over an imported registry answer as over the original") {
  Source s;
  RegistryDb copy;
  import_text(copy, export_text(s.r));
  for (const char* q :
       {"{}", R"({"ref": "bitrix24:deal:42"})", R"({"counterparty_inn": "7707083893"})",
        R"({"kind": "act", "is_final": true, "sort": "-gross"})",
        R"({"custom": {"manager": "Иванова", "urgent": true}})",
        R"({"valid_on": "2026-06-01", "kind": "contract"})", R"({"include_deleted": true})",
        R"({"amount_min": "24500.00", "currency": "KZT"})", R"({"status": "sent"})"}) {
    INFO(std::string(q));
    CHECK(copy.find(q) == s.r.find(q));
  }
  for (const char* q :
       {R"({"query": "ромашка"})", R"({"query": "акт"})",
        R"({"query": "бумага", "kind": "waybill"})", R"({"query": "госпошлина"})"}) {
    INFO(std::string(q));
    CHECK(copy.search(q) == s.r.search(q));
  }
  for (const char* missing : {R"({"having_kind": "contract", "lacking_kind": "upd"})",
                              R"({"having_kind": "act", "lacking_kind": "contract"})"}) {
    INFO(std::string(missing));
    // The deleted act of deal 99 counts in neither registry.
    CHECK(copy.call("registry.missing", missing) == s.r.call("registry.missing", missing));
  }
  CHECK(ids_of(copy.find(R"({"ref": "bitrix24:deal:99"})")).empty());
  const char* expiring = R"({"within_days": 60})";
  CHECK(copy.call("registry.expiring", expiring) == s.r.call("registry.expiring", expiring));
}

TEST_CASE("numbering in an imported registry continues from the same sequence") {
  Source s;
  RegistryDb copy;
  import_text(copy, export_text(s.r));
  for (const char* q :
       {R"({"kind": "act"})", R"({"kind": "contract"})", R"({"kind": "letter"})",
        R"({"kind": "waybill", "organization_inn": "6663003127"})", R"({"kind": "invoice"})"}) {
    INFO(std::string(q));
    CHECK(copy.next_number(q) == s.r.next_number(q));
  }
  CHECK(copy.next_number(R"({"kind": "act"})") == "АКТ-2026-000004");
  CHECK(text(copy.put(act()).at("number")) == text(s.r.put(act()).at("number")));
  // A deleted document's number stays taken, and a version chain carries on.
  CHECK(copy.error("registry.put", with(act(), "number", R"("АКТ-2026-000003")")).code() ==
        ErrorCode::validation);
  auto v3 = with(act("2026-11-21"), "number", R"("АКТ-2026-000002")");
  v3["supersedes"] = 4;  // the current version of the АКТ-2026-000002 chain
  CHECK(text(copy.put(v3).at("number")) == "АКТ-2026-000002");
}

TEST_CASE("an export without the journal leaves the history out") {
  Source s;
  const auto result = s.r.call("registry.export", R"({"include_journal": false})");
  const auto lines = lines_of(text(result.at("jsonl")));
  for (const auto& l : lines) CHECK(l.at("type") != "journal");
  RegistryDb copy;
  import_text(copy, text(result.at("jsonl")));
  CHECK(copy.entries(1).empty());
  CHECK(copy.get(1).at("number") == "АКТ-2026-000001");
}

TEST_CASE("an export written to a file imports from that file") {
  const std::string path = "/tmp/opora-unit-registry-export.jsonl";
  std::remove(path.c_str());
  Source s;
  const auto written = s.r.call("registry.export", json::object{{"path", path}});
  CHECK(written.at("path") == json::string(path));
  CHECK_FALSE(written.contains("jsonl"));
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  CHECK(content.str() == export_text(s.r));
  CHECK(written.at("lines") == static_cast<int64_t>(lines_of(content.str()).size()));
  RegistryDb copy;
  copy.call("registry.import", json::object{{"path", path}});
  CHECK(export_text(copy) == content.str());
  std::remove(path.c_str());
}

TEST_CASE("an import into a registry that has documents or kinds is refused as a conflict") {
  Source s;
  const std::string jsonl = export_text(s.r);
  RegistryDb with_document;
  const int64_t id = id_of(with_document.put(act()));
  auto e = with_document.error("registry.import", json::object{{"jsonl", jsonl}});
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(ids_of(with_document.find(R"({"include_deleted": true})")) == std::vector<int64_t>{id});
  RegistryDb with_kind;
  with_kind.call("registry.kind.define", kWaybillKind);
  e = with_kind.error("registry.import", json::object{{"jsonl", jsonl}});
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(with_kind.find(R"({"include_deleted": true})").at("documents").as_array().empty());
}

TEST_CASE("an import with malformed lines is refused naming each line, and writes nothing") {
  Source s;
  auto lines = lines_of(export_text(s.r));
  std::string jsonl;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == 3) jsonl += "{not json\n";
    if (i == 5)
      jsonl += R"({"type": "gadget"})"
               "\n";
    if (i == 6)
      jsonl += R"({"type": "document", "document": {"kind": "act"}})"
               "\n";
    jsonl += json::serialize(lines[i]) + "\n";
  }
  RegistryDb copy;
  const auto e = copy.error("registry.import", json::object{{"jsonl", jsonl}});
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "line[4]", "jsonl"));
  CHECK(has_error(e, "line[7].type", "enum"));
  bool document_line = false;
  for (const auto& f : e.field_errors()) document_line |= f.field.rfind("line[9]", 0) == 0;
  CHECK(document_line);
  CHECK(copy.find(R"({"include_deleted": true})").at("documents").as_array().empty());
  CHECK(copy.error("registry.file.get", R"({"file": 1})").code() == ErrorCode::not_found);
  // Nothing was left behind, so the whole export imports cleanly afterwards.
  import_text(copy, export_text(s.r));
  CHECK(all_ids(copy) == all_ids(s.r));
}

TEST_CASE("a failed import leaves no defined kind behind") {
  RegistryDb r;
  CHECK(r.kinds().size() == 8);  // the handle has read the kinds before the import
  const std::string jsonl = std::string(R"({"type": "opora.registry", "format": 1})") + "\n" +
                            R"({"type": "kind", "kind": )" +
                            json::serialize(obj(kWaybillKind).at("kind")) + "}\n" +
                            R"({"type": "sequence"})" + "\n";
  CHECK(r.error("registry.import", json::object{{"jsonl", jsonl}}).code() == ErrorCode::validation);
  for (const auto& k : r.kinds()) CHECK(k.at("id") != "waybill");
  const auto e =
      r.error("registry.put",
              obj(std::string(R"({"kind": "waybill", "date": "2026-11-23", "organization": )") +
                  kOurOrg + "}"));
  CHECK(has_error(e, "kind", "unknown_kind"));
}

TEST_CASE("an import of another format version is refused") {
  RegistryDb r;
  const auto e =
      r.error("registry.import", R"({"jsonl": "{\"type\": \"opora.registry\", \"format\": 2}\n"})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "line[1].format", "format"));
}

TEST_CASE("an import needs a file or text, and a file that can be read") {
  RegistryDb r;
  CHECK(r.error("registry.import", "{}").code() == ErrorCode::invalid);
  CHECK(r.error("registry.import", R"({"path": "/nonexistent/opora/export.jsonl"})").code() ==
        ErrorCode::io);
  CHECK(r.error("registry.export", R"({"path": "/nonexistent/opora/export.jsonl"})").code() ==
        ErrorCode::io);
  // An empty text is an empty registry.
  CHECK(r.call("registry.import", R"({"jsonl": ""})").at("lines") == 0);
}

TEST_CASE("an import of garbage is refused, not a crash") {
  RegistryDb r;
  for (const std::string& jsonl :
       {std::string("[]\n"), std::string("42\n"), std::string(R"({"type": 5})"),
        std::string(R"({"type": "document"})"),
        std::string(R"({"type": "document", "document": 5})"),
        std::string(R"({"type": "blob", "sha256": "00", "content_base64": "%%%"})"),
        std::string(R"({"type": "file", "file_id": "x"})"),
        std::string(R"({"type": "link", "from": 1, "to": 2, "link_type": "basis"})"),
        std::string(R"({"type": "journal", "id": 1})"),
        std::string(R"({"type": "sequence", "scope": "act|2026", "last": "many"})"),
        std::string(R"({"type": "kind", "kind": {"id": "act", "statuses": ["x"]}})"),
        std::string("\xff\xfe\n")}) {
    INFO(jsonl);
    const ErrorCode code = outcome([&] { import_text(r, jsonl); });
    CHECK((code == ErrorCode::validation || code == ErrorCode::invalid ||
           code == ErrorCode::conflict));
  }
  CHECK(r.find(R"({"include_deleted": true})").at("documents").as_array().empty());
}

TEST_CASE("put_many journals each document with its own actor and reason when it gives them") {
  RegistryDb r;
  const auto out = r.call("registry.put_many", R"({"actor": "import", "documents": [
      {"kind": "letter", "date": "2026-11-20"},
      {"kind": "letter", "date": "2026-11-21", "actor": "ivanova", "reason": "исправление"}]})");
  const auto& docs = out.at("documents").as_array();
  const auto first = r.call("registry.history", json::object{{"document", docs[0].at("id")}});
  const auto second = r.call("registry.history", json::object{{"document", docs[1].at("id")}});
  CHECK(first.at("entries").at(0).at("actor") == "import");
  CHECK(second.at("entries").at(0).at("actor") == "ivanova");
  CHECK(second.at("entries").at(0).at("reason") == "исправление");
  // One sequence for the whole call: the numbers follow each other.
  CHECK(docs[0].at("number") == "ПИС-2026-00001");
  CHECK(docs[1].at("number") == "ПИС-2026-00002");
}

TEST_CASE("an edited export with one number on two documents is refused on import") {
  RegistryDb source;
  source.put(act());
  source.put(act());
  std::string lines(source.call("registry.export", "{}").at("jsonl").as_string());
  const auto pos = lines.find("АКТ-2026-000002");
  REQUIRE(pos != std::string::npos);
  lines.replace(pos, std::string("АКТ-2026-000002").size(), "АКТ-2026-000001");
  RegistryDb target;
  const auto e = target.error("registry.import", json::object{{"jsonl", lines}});
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "jsonl", "duplicate_number"));
  CHECK(target.find("{}").at("documents").as_array().empty());
}

TEST_CASE("put_many stops listing problems after a readable hundred") {
  RegistryDb r;
  json::array docs;
  for (int i = 0; i < 150; ++i) docs.push_back(json::object{{"kind", "act"}});
  const auto e = r.error("registry.put_many", json::object{{"documents", docs}});
  CHECK(e.code() == ErrorCode::validation);
  CHECK(e.field_errors().size() <= 101);
  CHECK(has_error(e, "documents", "too_many_errors"));
}

TEST_CASE("the same malformed field in 150 documents is listed ten times and counted") {
  RegistryDb r;
  json::array docs;
  for (int i = 0; i < 150; ++i)
    docs.push_back(json::object{{"kind", "act"}, {"date", "2026-13-01"}});
  const auto e = r.error("registry.put_many", json::object{{"documents", docs}});
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(e.field_errors().size() == 10);
  CHECK(has_error(e, "documents[9].date", "date"));
  CHECK(std::string(e.what()).find("and 140 more problems not listed") != std::string::npos);
}

TEST_CASE("a deeply nested custom field is stored, found, exported and imported") {
  RegistryDb r;
  json::value v = "x";
  for (int i = 0; i < 50; ++i) v = json::object{{"a", v}};
  auto doc = act();
  doc["custom"] = json::object{{"deep", v}};
  r.call("registry.put_many", json::object{{"documents", json::array{doc}}});
  CHECK(r.find("{}").at("documents").as_array().size() == 1);
  const auto lines = r.call("registry.export", "{}").at("jsonl");
  RegistryDb copy;
  copy.call("registry.import", json::object{{"jsonl", lines}});
  CHECK(copy.find("{}").at("documents").at(0).at("custom") == doc["custom"]);
}

// The files a packet renders, through Database::call: each UPD's name and
// ИдФайл (the 970 grammar, checked for every rendering by xmllint_upd), its
// GUID (random, kept while the content stands), its formation time, and the
// bytes kept once sent. Issue 13 (a)-(c).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "edo/edo_fixture.hpp"

namespace {

using namespace opora::test::edo;

// A fresh database with one act in a validated, rendered packet.
struct Rendered {
  explicit Rendered(std::string_view options = EdoDb::kOptions) : db(options) {
    act = db.act();
    packet = packet_id(db.packet(json::array{act}));
    REQUIRE(db.validate(packet).at("valid") == true);
    out = db.render(packet);
  }
  EdoDb db;
  int64_t act = 0, packet = 0;
  json::object out;
};

std::string guid_of(const std::string& name) {
  // …_YYYYMMDD_<GUID>_0_0_0_0_0_00.xml
  const size_t end = name.size() - std::string("_0_0_0_0_0_00.xml").size();
  return name.substr(end - 36, 36);
}

std::string attr(const std::string& text, const std::string& name) {
  const size_t at = text.find(name + "=\"");
  REQUIRE(at != std::string::npos);
  const size_t from = at + name.size() + 2;
  return text.substr(from, text.find('"', from) - from);
}

const char* const kChangedItems = R"([{"name": "Внедрение интеграции Битрикс24 и 1С",
    "unit": "усл. ед.", "quantity": "1", "price": "130000.00", "vat_rate": "22"}])";

}  // namespace

// Issue 13 (a): the name and ИдФайл stopped at the GUID. A 970 name carries
// the indicator groups after it ("_0_0_0_0_0_00" without traceable or marked
// goods), as Diadoc's generator and published 5.03 samples name files.
TEST_CASE("a rendered UPD is named by the 970 grammar with its indicator groups") {
  Rendered r;
  const File f = file_of(r.out);
  CHECK(f.name.size() > 17);
  CHECK(f.name.substr(f.name.size() - 17) == "_0_0_0_0_0_00.xml");
  CHECK(upd_file_name_problem(f.name, f.bytes) == "");
  CHECK(attr(f.text, "ИдФайл") + ".xml" == f.name);
  CHECK(xmllint_upd(f.name, f.bytes) == 0);
}

// Issue 13 (b): the GUID was a name-based UUID over database-local ids
// (packet 1, document 1), so every installation named its first UPD alike
// and an operator took the second for a resend of the first.
TEST_CASE("two installations never name their first UPD alike; a seed makes names replayable") {
  Rendered a, b;
  const std::string first = file_of(a.out).name, second = file_of(b.out).name;
  CHECK(a.packet == b.packet);  // the same local ids
  CHECK(a.act == b.act);
  CHECK(guid_of(first) != guid_of(second));
  CHECK(guid_of(first)[14] == '4');  // a random (version 4) UUID
  // Tests and simulations can ask for a replayable sequence.
  const std::string seeded = R"({"clock": "manual", "now": "2026-11-23T09:00:00+03:00",
      "utc_offset": "+03:00", "id_seed": 42})";
  Rendered c(seeded), d(seeded);
  CHECK(file_of(c.out).name == file_of(d.out).name);
  CHECK(file_of(c.out).bytes == file_of(d.out).bytes);
  CHECK(guid_of(file_of(c.out).name) != guid_of(first));
}

// Issue 13 (c): a document changed after a failed send and rendered again
// kept the first file's ИдФайл, ДатаИнфПр and ВремИнфПр: two different files
// under one name and one formation time.
TEST_CASE("changed content after a failed send is a new file: a new GUID and its own time") {
  Rendered r;
  const File first = file_of(r.out);
  CHECK(attr(first.text, "ДатаИнфПр") == "23.11.2026");
  CHECK(attr(first.text, "ВремИнфПр") == "09.00.00");
  r.db.call("edo.packet.mark",
            json::object{{"packet", r.packet}, {"status", "failed"}, {"error", "timeout"}});

  // Unchanged content rendered again later: the same file, byte for byte.
  r.db.call("clock.set", R"({"now": "2026-11-24T10:00:00+03:00"})");
  REQUIRE(r.db.validate(r.packet).at("valid") == true);
  const json::object same = r.db.render(r.packet);
  CHECK(file_of(same).bytes == first.bytes);
  CHECK(same.at("operation_id") == r.out.at("operation_id"));

  // The act corrected, then rendered: a new file formed now.
  r.db.call("clock.set", R"({"now": "2026-11-24T11:22:33+03:00"})");
  r.db.call("registry.put", json::object{{"id", r.act}, {"items", json::parse(kChangedItems)}});
  REQUIRE(r.db.validate(r.packet).at("valid") == true);
  const json::object changed = r.db.render(r.packet);
  const File second = file_of(changed);
  CHECK(second.bytes != first.bytes);
  CHECK(guid_of(second.name) != guid_of(first.name));
  CHECK(second.name.find("_20261124_") != std::string::npos);
  CHECK(attr(second.text, "ДатаИнфПр") == "24.11.2026");
  CHECK(attr(second.text, "ВремИнфПр") == "11.22.33");
  CHECK(attr(second.text, "ИдФайл") + ".xml" == second.name);
  CHECK(changed.at("operation_id") != r.out.at("operation_id"));
  CHECK(xmllint_upd(second.name, second.bytes) == 0);
  CHECK(r.db.call("edo.packet.get", json::object{{"packet", r.packet}})
            .at("documents")
            .at(0)
            .at("file_name") == second.name.c_str());

  // That file stands in turn: rendered again later, the same bytes.
  r.db.call("clock.set", R"({"now": "2026-11-25T08:00:00+03:00"})");
  REQUIRE(r.db.validate(r.packet).at("valid") == true);
  CHECK(file_of(r.db.render(r.packet)).bytes == second.bytes);

  // Sent: the registry keeps the file as sent, not the first one.
  r.db.call("edo.packet.mark", json::object{{"packet", r.packet}, {"status", "sent"}});
  bool kept_second = false, kept_first = false;
  const json::object files = r.db.call("registry.files", json::object{{"document", r.act}});
  for (const auto& f : files.at("files").as_array()) {
    kept_second = kept_second || f.at("name") == second.name.c_str();
    kept_first = kept_first || f.at("name") == first.name.c_str();
  }
  CHECK(kept_second);
  CHECK_FALSE(kept_first);
}

// A change outside the UPD (the counterparty's Diadoc box) changes the
// request, not the file: the same GUID, a new operation.
TEST_CASE("a change the UPD does not show keeps the file and changes the operation") {
  Rendered r;
  r.db.call("edo.packet.mark",
            json::object{{"packet", r.packet}, {"status", "failed"}, {"error", "box not found"}});
  auto romashka = obj(kRomashka);
  romashka["box_id"] = "0f0f0f0f@diadoc.ru";
  r.db.call("clock.set", R"({"now": "2026-11-24T10:00:00+03:00"})");
  r.db.call("edo.party.put", romashka);
  REQUIRE(r.db.validate(r.packet).at("valid") == true);
  const json::object again = r.db.render(r.packet);
  CHECK(file_of(again).name == file_of(r.out).name);
  CHECK(file_of(again).bytes == file_of(r.out).bytes);
  CHECK(again.at("operation_id") != r.out.at("operation_id"));
}

// The SBIS document id was derived from the packet's local id too: a second
// installation's packet 1 would write into the first one's SBIS document.
TEST_CASE("an SBIS packet's document id is random and kept across renders") {
  auto sbis = [](EdoDb& db) {
    auto ours = obj(kVector);
    ours["code"] = "our_sbis";
    ours["participant_id"] = "2BE-6663003127-666301001";
    db.call("edo.party.put", ours);
    auto them = obj(kRomashka);
    them["roaming"] = true;
    db.call("edo.party.put", them);
    const int64_t packet =
        packet_id(db.call("edo.packet.create", json::object{{"documents", json::array{db.act()}},
                                                            {"sender", "our_sbis"},
                                                            {"recipient", "bitrix24:company:7"},
                                                            {"operator", "sbis"}}));
    REQUIRE(db.validate(packet).at("valid") == true);
    return std::make_pair(packet, db.render(packet));
  };
  auto document_id = [](const json::object& out) {
    return std::string(
        out.at("request").at("body").at("params").at("Документ").at("Идентификатор").as_string());
  };
  EdoDb a, b;
  const auto [packet, first] = sbis(a);
  const auto second = sbis(b).second;
  CHECK(document_id(first) != document_id(second));
  CHECK(document_id(first).size() == 36);
  a.call("clock.set", R"({"now": "2026-11-24T10:00:00+03:00"})");
  REQUIRE(a.validate(packet).at("valid") == true);
  CHECK(document_id(a.render(packet)) == document_id(first));
  // The attachment's own id is the file's GUID.
  const auto& attachment =
      first.at("request").at("body").at("params").at("Документ").at("Вложение").at(0);
  CHECK(guid_of(file_of(first).name) == attachment.at("Идентификатор").as_string().c_str());
}

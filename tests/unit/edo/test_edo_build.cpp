// edo.packet.build through Database::call: it takes only the ref's documents
// that belong in a packet for the operator (the kinds it carries, or the
// ones asked; for the packet's parties; not sent, not in another operator's
// packet) and never silently reuses a packet whose send failed. Issue 13 §2.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "core/base64.hpp"
#include "edo/edo_fixture.hpp"

namespace {

using namespace opora::test::edo;
using opora::ErrorCode;
using opora::test::reg::has_error;

json::object build(EdoDb& db, const char* extra = "") {
  return db.call(
      "edo.packet.build",
      obj(std::string(R"({"ref": "bitrix24:deal:42", "operator": "diadoc")") + extra + "}"));
}

std::set<int64_t> documents_of(EdoDb& db, int64_t packet) {
  const json::object got = db.call("edo.packet.get", json::object{{"packet", packet}});
  std::set<int64_t> ids;
  for (const auto& d : got.at("documents").as_array()) ids.insert(d.at("document").as_int64());
  return ids;
}

int64_t contract_with_file(EdoDb& db) {
  const int64_t id = db.put(opora::test::reg::contract());
  db.call("registry.file.attach",
          json::object{{"id", id},
                       {"name", "Договор.pdf"},
                       {"mime", "application/pdf"},
                       {"content_base64", opora::base64_encode("%PDF-1.4 договор")}});
  return id;
}

std::string skip_reason(const json::object& built, int64_t document) {
  for (const auto& s : built.at("skipped").as_array())
    if (s.at("document") == document) return std::string(s.at("reason").as_string());
  return "";
}

}  // namespace

TEST_CASE("a build of the kinds asked takes only those kinds") {
  EdoDb db;
  const int64_t act = db.act();
  const int64_t contract = contract_with_file(db);
  const auto acts = build(db, R"(, "kinds": ["act"])");
  CAPTURE(json::serialize(acts));
  REQUIRE(acts.at("valid") == true);
  CHECK(documents_of(db, acts.at("packet").as_int64()) == std::set<int64_t>{act});
  CHECK(acts.at("files").as_array().size() == 1);
  // The rest of the ref joins the packet being prepared.
  const auto all = build(db);
  CHECK(all.at("reused") == true);
  CHECK(documents_of(db, all.at("packet").as_int64()) == std::set<int64_t>{act, contract});
  // Asking for the acts now: the live packet also holds the contract, which
  // this build would not take; it is not rendered as if it were the acts'.
  const auto e = db.error("edo.packet.build",
                          R"({"ref": "bitrix24:deal:42", "operator": "diadoc", "kinds": ["act"]})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "ref", "in_packet"));
  // A kind the operator does not carry is a wrong request, not an empty one.
  const auto kinds = db.error("edo.packet.build",
                              R"({"ref": "bitrix24:deal:42", "operator": "diadoc",
                                  "kinds": ["act", "order"]})");
  CHECK(kinds.code() == ErrorCode::invalid);
  CHECK(has_error(kinds, "kinds[1]", "unsupported_kind"));
}

TEST_CASE("a build leaves out the ref's documents for another counterparty or organisation") {
  EdoDb db;
  const int64_t act = db.act();
  auto other = opora::test::reg::act("2026-11-20");
  other["counterparty"] = obj(opora::test::reg::kSoleTrader);  // a subcontractor in the deal
  const int64_t theirs = db.put(other);
  auto branch = opora::test::reg::act("2026-11-20");
  branch["organization"] = obj(opora::test::reg::kOurSecondOrg);
  const int64_t ours_elsewhere = db.put(branch);
  const auto built = build(db);
  CAPTURE(json::serialize(built));
  REQUIRE(built.at("valid") == true);
  CHECK(documents_of(db, built.at("packet").as_int64()) == std::set<int64_t>{act});
  CHECK(skip_reason(built, theirs) == "other_counterparty");
  CHECK(skip_reason(built, ours_elsewhere) == "other_organization");
}

TEST_CASE("a build skips documents sent or in another operator's packet") {
  EdoDb db;
  const int64_t act = db.act();
  auto sbis_party = obj(kVector);
  sbis_party["code"] = "our_sbis";
  sbis_party["participant_id"] = "2BE-6663003127-666301001";
  db.call("edo.party.put", sbis_party);
  db.call("edo.packet.create", json::object{{"documents", json::array{act}},
                                            {"sender", "our_sbis"},
                                            {"recipient", "bitrix24:company:7"},
                                            {"operator", "sbis"}});
  const int64_t second = db.act();
  const auto built = build(db);
  CHECK(documents_of(db, built.at("packet").as_int64()) == std::set<int64_t>{second});
  CHECK(skip_reason(built, act) == "other_operator");
  db.call("edo.packet.mark", json::object{{"packet", built.at("packet")}, {"status", "sent"}});
  const auto e =
      db.error("edo.packet.build", R"({"ref": "bitrix24:deal:42", "operator": "diadoc"})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "ref", "no_documents"));
}

// A packet whose send failed was reused by the next build and rendered
// again: whether to resend it (the same operation) or start anew is the
// host's decision, so the build says so instead.
TEST_CASE("a build after a failed send never silently reuses the failed packet") {
  EdoDb db;
  const int64_t act = db.act();
  const auto first = build(db);
  REQUIRE(first.at("valid") == true);
  const int64_t failed = first.at("packet").as_int64();
  db.call(
      "edo.packet.mark",
      json::object{{"packet", failed}, {"status", "failed"}, {"error", "ToBoxId: box not found"}});
  auto romashka = obj(kRomashka);
  romashka["box_id"] = "0f0f0f0f@diadoc.ru";  // the problem fixed
  db.call("edo.party.put", romashka);
  const auto e =
      db.error("edo.packet.build", R"({"ref": "bitrix24:deal:42", "operator": "diadoc"})");
  CAPTURE(opora::test::reg::describe(e));
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "ref", "failed_packet"));
  CHECK(std::string(e.what()).find("box not found") != std::string::npos);
  CHECK(db.call("edo.packet.get", json::object{{"packet", failed}}).at("status") == "failed");
  // Cancelled by the host, the next build is a new packet with a new file.
  db.call("edo.packet.cancel", json::object{{"packet", failed}});
  const auto again = build(db);
  REQUIRE(again.at("valid") == true);
  CHECK(again.at("reused") == false);
  CHECK(again.at("packet").as_int64() != failed);
  CHECK(documents_of(db, again.at("packet").as_int64()) == std::set<int64_t>{act});
  CHECK(file_of(again).name != file_of(first).name);
  CHECK(again.at("request").at("body").at("ToBoxId") == "0f0f0f0f@diadoc.ru");
}

TEST_CASE("a prepared packet whose document changed is validated again by the next build") {
  EdoDb db;
  const int64_t act = db.act();
  REQUIRE(build(db).at("valid") == true);
  auto doc = opora::test::reg::act("2026-12-05");  // now dated after today
  doc["id"] = act;
  db.call("registry.put", doc);
  const auto again = build(db);
  CHECK(again.at("valid") == false);
  CHECK(has_problem(again, "documents[0].date", "future_date"));
}

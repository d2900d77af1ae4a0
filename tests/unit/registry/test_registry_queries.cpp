// registry.find (filters, sorting, cursor pagination), registry.missing,
// registry.expiring and registry.search (FTS5, Cyrillic).
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/base64.hpp"
#include "registry/registry_fixture.hpp"

namespace json = boost::json;
using opora::Error;
using opora::ErrorCode;
using namespace opora::test::reg;

namespace {

// An act of one line at `price` (VAT 22 % included) for deal `deal`.
json::object priced_act(std::string_view price, std::string_view date = "2026-11-20",
                        int deal = 42) {
  json::object doc = act(date);
  doc["items"].at(0).as_object()["price"] = json::string(price);
  doc["refs"] = json::array{json::string("bitrix24:deal:" + std::to_string(deal))};
  return doc;
}

// A contract for deal `deal`, valid from `from` to `to`.
json::object deal_contract(int deal, std::string_view from = "2026-01-01",
                           std::string_view to = "2026-12-31") {
  json::object doc = contract(from);
  doc["refs"] = json::array{json::string("bitrix24:deal:" + std::to_string(deal))};
  doc["valid_from"] = json::string(from);
  doc["valid_to"] = json::string(to);
  return doc;
}

json::object find(RegistryDb& r, const json::object& params) {
  return r.call("registry.find", params);
}

std::vector<std::string> refs_of(const json::object& result) {
  std::vector<std::string> out;
  for (const auto& v : result.at("refs").as_array()) out.emplace_back(v.as_string());
  return out;
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Every page of a find, following next_cursor; `between` runs after each page.
template <typename Between>
std::vector<int64_t> all_pages(RegistryDb& r, json::object params, Between&& between) {
  std::vector<int64_t> out;
  for (int page = 0; page < 100; ++page) {
    const auto result = find(r, params);
    for (int64_t id : ids_of(result)) out.push_back(id);
    if (result.at("next_cursor").is_null()) return out;
    params["cursor"] = result.at("next_cursor");
    between(page);
  }
  FAIL("pagination did not end");
  return out;
}

}  // namespace

// --- registry.find filters --------------------------------------------------

TEST_CASE("find by kind returns only documents of that kind") {
  RegistryDb r;
  const int64_t a1 = id_of(r.put(act()));
  r.put(contract());
  const int64_t a2 = id_of(r.put(act()));
  CHECK(ids_of(r.find(R"({"kind": "act"})")) == std::vector<int64_t>{a1, a2});
  CHECK(ids_of(r.find(R"({"kind": "upd"})")).empty());
}

TEST_CASE("find by status returns documents in that status") {
  RegistryDb r;
  const int64_t sent = id_of(r.put(act()));
  r.put(act());
  r.call("registry.set_status", json::object{{"document", sent}, {"status", "sent"}});
  CHECK(ids_of(r.find(R"({"status": "sent"})")) == std::vector<int64_t>{sent});
}

TEST_CASE("find by counterparty INN returns all documents of that company") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  const int64_t ip = id_of(r.put(with(act(), "counterparty", kSoleTrader)));
  const int64_t kz = id_of(r.put(with(act(), "counterparty", R"({"type": "company",
      "name": "ТОО «Алатау»", "bin": "940140000385"})")));
  CHECK(sorted(ids_of(r.find(R"({"counterparty_inn": "7707083893"})"))) ==
        std::vector<int64_t>{a, c});
  CHECK(ids_of(r.find(R"({"counterparty_inn": "500100732259"})")) == std::vector<int64_t>{ip});
  CHECK(ids_of(r.find(R"({"counterparty_inn": "940140000385"})")) == std::vector<int64_t>{kz});
  CHECK(ids_of(r.find(R"({"counterparty_inn": "6663003127"})")).empty());  // our own INN
}

TEST_CASE("find by external ref returns the documents that carry it") {
  RegistryDb r;
  const int64_t a = id_of(r.put(priced_act("1000.00", "2026-11-20", 42)));
  r.put(priced_act("1000.00", "2026-11-20", 43));
  const int64_t c = id_of(r.put(contract()));  // refs 1c:contract:00-000123 and deal 42
  CHECK(ids_of(r.find(R"({"ref": "bitrix24:deal:42", "sort": "id"})")) ==
        std::vector<int64_t>{a, c});
  CHECK(ids_of(r.find(R"({"ref": "1c:contract:00-000123"})")) == std::vector<int64_t>{c});
  CHECK(ids_of(r.find(R"({"ref": "bitrix24:deal:4"})")).empty());  // no prefix match
}

TEST_CASE("find and missing with odd refs or prefixes return nothing rather than fail") {
  RegistryDb r;
  r.put(act());
  r.put(deal_contract(42));
  for (const std::string& ref : {std::string(""), std::string(":"), std::string("%"),
                                 std::string("bitrix24:deal:%"), std::string("' OR 1=1 --"),
                                 std::string(5000, 'x'), std::string("bitrix24:deal:42\0", 17)}) {
    INFO(ref);
    if (ref.find('\0') != std::string::npos &&
        r.db().connection().engine() == opora::store::Engine::postgresql) {
      // PostgreSQL text cannot hold NUL: the engine refuses the value (docs/postgresql.md).
      CHECK(opora::test::code_of([&] {
              find(r, json::object{{"ref", json::string(ref)}});
            }) == ErrorCode::invalid);
      continue;
    }
    CHECK(ids_of(find(r, json::object{{"ref", json::string(ref)}})).empty());
    const auto m = r.call("registry.missing", json::object{{"having_kind", "contract"},
                                                           {"lacking_kind", "act"},
                                                           {"ref_prefix", json::string(ref)},
                                                           {"after", json::string(ref)}});
    CHECK(m.at("refs").is_array());
  }
  const auto all = r.call(
      "registry.missing",
      json::object{{"having_kind", "act"}, {"lacking_kind", "contract"}, {"ref_prefix", ""}});
  CHECK(refs_of(all).empty());  // deal 42 has both
  // Past the last byte (not UTF-8: the C ABI refuses such text before it gets here; PostgreSQL
  // refuses it too) and past characters whose next one takes another byte.
  const json::object high{{"having_kind", "contract"},
                          {"lacking_kind", "upd"},
                          {"ref_prefix", "bitrix24:deal:\xff\xff"}};
  if (r.db().connection().engine() == opora::store::Engine::postgresql)
    CHECK(opora::test::code_of([&] { r.call("registry.missing", high); }) == ErrorCode::invalid);
  else
    CHECK(refs_of(r.call("registry.missing", high)).empty());
  for (const char* prefix :
       {"bitrix24:deal:\u00bf", "\u07ff", "\uffff", "\U0010ffff", "\U0010ffff\U0010ffff"})
    CHECK(refs_of(r.call("registry.missing", json::object{{"having_kind", "contract"},
                                                          {"lacking_kind", "upd"},
                                                          {"ref_prefix", prefix}}))
              .empty());
  const auto deals = r.call("registry.missing", json::object{{"having_kind", "contract"},
                                                             {"lacking_kind", "upd"},
                                                             {"ref_prefix", "bitrix24:dea"}});
  CHECK(refs_of(deals).size() == 1);  // deal 42: a prefix still finds what starts with it
}

TEST_CASE("find by date range includes both ends") {
  RegistryDb r;
  r.put(act("2026-10-31"));
  const int64_t first = id_of(r.put(act("2026-11-01")));
  const int64_t last = id_of(r.put(act("2026-11-30")));
  r.put(act("2026-12-01"));
  CHECK(ids_of(r.find(R"({"date_from": "2026-11-01", "date_to": "2026-11-30"})")) ==
        std::vector<int64_t>{first, last});
  CHECK(ids_of(r.find(R"({"date_from": "2026-12-01"})")).size() == 1);
  CHECK(ids_of(r.find(R"({"date_to": "2026-10-31"})")).size() == 1);
}

TEST_CASE("find by amount range compares the gross total in the currency") {
  RegistryDb r;
  r.put(priced_act("999.99"));
  const int64_t low = id_of(r.put(priced_act("1000.00")));
  const int64_t high = id_of(r.put(priced_act("5000.00")));
  r.put(priced_act("5000.01"));
  auto kzt = priced_act("3000.00");
  kzt["currency"] = "KZT";
  const int64_t tenge = id_of(r.put(kzt));
  CHECK(ids_of(r.find(R"({"amount_min": "1000.00", "amount_max": "5000.00"})")) ==
        std::vector<int64_t>{low, high});
  CHECK(ids_of(r.find(R"({"amount_min": "1000", "amount_max": "5000", "currency": "KZT"})")) ==
        std::vector<int64_t>{tenge});
  CHECK(ids_of(r.find(R"({"amount_min": "5000.01"})")).size() == 1);
  CHECK(r.error("registry.find", R"({"min_amount": "1", "currency": "RUR"})").code() ==
        ErrorCode::invalid);
  CHECK(r.error("registry.find", R"({"min_amount": "1.001"})").code() == ErrorCode::invalid);
  CHECK(r.error("registry.find", R"({"min_amount": "сто"})").code() == ErrorCode::invalid);
}

TEST_CASE("find valid on a date returns the contracts active that day") {
  RegistryDb r;
  const int64_t h1 = id_of(r.put(deal_contract(42, "2026-01-01", "2026-06-30")));
  const int64_t h2 = id_of(r.put(deal_contract(43, "2026-07-01", "2026-12-31")));
  CHECK(ids_of(r.find(R"({"kind": "contract", "valid_on": "2026-11-23"})")) ==
        std::vector<int64_t>{h2});
  CHECK(ids_of(r.find(R"({"kind": "contract", "valid_on": "2026-06-30"})")) ==
        std::vector<int64_t>{h1});
  CHECK(ids_of(r.find(R"({"kind": "contract", "valid_on": "2026-07-01"})")) ==
        std::vector<int64_t>{h2});
  CHECK(ids_of(r.find(R"({"kind": "contract", "valid_on": "2027-01-01"})")).empty());
}

TEST_CASE("find by is_final separates current versions from replaced ones") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  const int64_t v2 = id_of(r.put(with(act(), "supersedes", std::to_string(v1))));
  const int64_t draft = id_of(r.put(with(act(), "is_final", "false")));
  CHECK(ids_of(r.find(R"({"is_final": true})")) == std::vector<int64_t>{v2});
  CHECK(ids_of(r.find(R"({"is_final": false})")) == std::vector<int64_t>{v1, draft});
}

TEST_CASE("find by custom field matches strings, integers and booleans exactly") {
  RegistryDb r;
  const int64_t a = id_of(r.put(
      with(act(), "custom", R"({"manager": "Иванова", "stage": 3, "urgent": true, "code": "3"})")));
  const int64_t b =
      id_of(r.put(with(act(), "custom", R"({"manager": "Петров", "stage": 4, "urgent": false})")));
  r.put(act());  // no custom fields
  CHECK(ids_of(r.find(R"({"custom": {"manager": "Иванова"}})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.find(R"({"custom": {"stage": 4}})")) == std::vector<int64_t>{b});
  CHECK(ids_of(r.find(R"({"custom": {"urgent": true}})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.find(R"({"custom": {"urgent": false}})")) == std::vector<int64_t>{b});
  CHECK(ids_of(r.find(R"({"custom": {"stage": "3"}})")).empty());  // a string is not 3
  CHECK(ids_of(r.find(R"({"custom": {"code": 3}})")).empty());     // and 3 is not "3"
  CHECK(ids_of(r.find(R"({"custom": {"manager": "Иванова", "stage": 4}})")).empty());
  CHECK(ids_of(r.find(R"({"custom": {"manager": "Петров", "stage": 4}})")) ==
        std::vector<int64_t>{b});
  CHECK(ids_of(r.find(R"({"custom": {"manager": "иванова"}})")).empty());
}

TEST_CASE("find by custom field with a float, array or bad name is refused") {
  RegistryDb r;
  r.put(with(act(), "custom", R"({"rate": 1.5})"));
  for (const char* p : {R"({"custom": {"rate": 1.5}})", R"({"custom": {"tags": ["a"]}})",
                        R"({"custom": {"": "x"}})", R"({"custom": {"a\"b": "x"}})"}) {
    INFO(std::string(p));
    CHECK(r.error("registry.find", p).code() == ErrorCode::invalid);
  }
  // Odd but legal names are just names.
  CHECK(ids_of(r.find(R"({"custom": {"a.b": "x", "$[0]": "y", "name with space": "z"}})")).empty());
}

TEST_CASE("find combines every filter given") {
  RegistryDb r;
  const int64_t hit = id_of(r.put(priced_act("2000.00", "2026-11-10", 42)));
  r.put(priced_act("2000.00", "2026-11-10", 43));  // other deal
  r.put(priced_act("200.00", "2026-11-10", 42));   // too small
  r.put(priced_act("2000.00", "2026-09-10", 42));  // too early
  r.put(with(priced_act("2000.00", "2026-11-10", 42), "counterparty", kSoleTrader));
  CHECK(ids_of(r.find(R"({"kind": "act", "status": "draft", "ref": "bitrix24:deal:42",
      "counterparty_inn": "7707083893", "date_from": "2026-11-01", "amount_min": "1000.00",
      "is_final": true})")) == std::vector<int64_t>{hit});
}

// --- sorting and pagination -------------------------------------------------

TEST_CASE("find sorts by date by default, then by id") {
  RegistryDb r;
  const int64_t late = id_of(r.put(act("2026-11-20")));
  const int64_t early = id_of(r.put(act("2026-11-01")));
  const int64_t late2 = id_of(r.put(act("2026-11-20")));
  CHECK(ids_of(r.find("{}")) == std::vector<int64_t>{early, late, late2});
  CHECK(ids_of(r.find(R"({"sort": "-date"})")) == std::vector<int64_t>{late2, late, early});
}

TEST_CASE("find sorts by number and by gross in both directions") {
  RegistryDb r;
  const int64_t b = id_of(r.put(with(priced_act("300.00"), "number", R"("Б-2")")));
  const int64_t a = id_of(r.put(with(priced_act("100.00"), "number", R"("А-1")")));
  const int64_t c = id_of(r.put(with(priced_act("200.00"), "number", R"("В-3")")));
  const int64_t none = id_of(r.put(with(contract(), "totals", "null")));  // no amount at all
  CHECK(ids_of(r.find(R"({"kind": "act", "sort": "number"})")) == std::vector<int64_t>{a, b, c});
  CHECK(ids_of(r.find(R"({"kind": "act", "sort": "-number"})")) == std::vector<int64_t>{c, b, a});
  CHECK(ids_of(r.find(R"({"sort": "gross"})")) == std::vector<int64_t>{none, a, c, b});
  CHECK(ids_of(r.find(R"({"sort": "-gross"})")) == std::vector<int64_t>{b, c, a, none});
  CHECK(ids_of(r.find(R"({"sort": "-id"})")) == std::vector<int64_t>{none, c, a, b});
}

TEST_CASE("find sorts by the time of the last change") {
  RegistryDb r;
  const int64_t first = id_of(r.put(act()));
  r.set_clock("2026-11-23T10:00:00Z");
  const int64_t second = id_of(r.put(act()));
  r.set_clock("2026-11-23T11:00:00Z");
  r.put(json::object{{"id", first}, {"notes", "исправлено"}});
  CHECK(ids_of(r.find(R"({"sort": "updated_at"})")) == std::vector<int64_t>{second, first});
  CHECK(ids_of(r.find(R"({"sort": "-updated_at"})")) == std::vector<int64_t>{first, second});
}

TEST_CASE("find pages with a cursor until next_cursor is null") {
  RegistryDb r;
  std::vector<int64_t> all;
  for (int day = 1; day <= 7; ++day)
    all.push_back(id_of(r.put(act("2026-11-0" + std::to_string(day)))));
  auto page = r.find(R"({"limit": 3})");
  CHECK(ids_of(page) == std::vector<int64_t>{all[0], all[1], all[2]});
  REQUIRE(page.at("next_cursor").is_string());
  page = find(r, json::object{{"limit", 3}, {"cursor", page.at("next_cursor")}});
  CHECK(ids_of(page) == std::vector<int64_t>{all[3], all[4], all[5]});
  page = find(r, json::object{{"limit", 3}, {"cursor", page.at("next_cursor")}});
  CHECK(ids_of(page) == std::vector<int64_t>{all[6]});
  CHECK(page.at("next_cursor").is_null());
  // Exactly a page's worth leaves no cursor behind.
  CHECK(r.find(R"({"limit": 7})").at("next_cursor").is_null());
}

TEST_CASE("a cursor stays correct while documents are added between pages") {
  for (const char* sort : {"date", "-date", "number", "gross", "-gross", "id", "-updated_at"}) {
    INFO(std::string(sort));
    RegistryDb r;
    std::vector<int64_t> old;
    for (int i = 0; i < 12; ++i) {
      // Dates and amounts repeat, so ties are broken by id.
      const std::string date = "2026-11-" + std::to_string(10 + i % 4);
      old.push_back(id_of(r.put(priced_act(std::to_string(100 * (1 + i % 3)) + ".00", date))));
    }
    int added = 0;
    const auto seen = all_pages(r, json::object{{"sort", sort}, {"limit", 5}}, [&](int) {
      // Before, between and after the rows already read, including ties.
      for (const char* date : {"2026-11-01", "2026-11-11", "2026-11-30"}) {
        r.set_clock("2026-11-23T1" + std::to_string(added % 10) + ":00:00Z");
        r.put(priced_act("200.00", date));
        ++added;
      }
    });
    const std::set<int64_t> unique(seen.begin(), seen.end());
    CHECK(unique.size() == seen.size());                  // no document twice
    for (int64_t id : old) CHECK(unique.count(id) == 1);  // none of the old ones skipped
  }
}

TEST_CASE("a cursor from a query with another sort is refused") {
  RegistryDb r;
  for (int i = 0; i < 3; ++i) r.put(act());
  const auto page = r.find(R"({"limit": 1, "sort": "date"})");
  const auto e =
      r.error("registry.find",
              json::object{{"limit", 1}, {"sort", "-date"}, {"cursor", page.at("next_cursor")}});
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "after", "cursor"));
  CHECK(
      r.error("registry.find", json::object{{"sort", "number"}, {"after", page.at("next_cursor")}})
          .code() == ErrorCode::invalid);
}

TEST_CASE("a malformed or forged cursor is refused as invalid, not a crash") {
  RegistryDb r;
  for (int i = 0; i < 3; ++i) r.put(act());
  // {sort, cursor}: not base64, not JSON, not an object, members missing or
  // of the wrong type for the sort key.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"date", "not a cursor"},
      {"date", ""},
      {"date", "!!!!"},
      {"date", opora::base64_encode("[]")},
      {"date", opora::base64_encode("{")},
      {"date", opora::base64_encode(R"({"s": "date"})")},
      {"date", opora::base64_encode(R"({"s": "date", "v": "2026-11-20"})")},
      {"date", opora::base64_encode(R"({"s": "date", "id": 1})")},
      {"date", opora::base64_encode(R"({"s": "date", "v": 5, "id": 1})")},
      {"date", opora::base64_encode(R"({"s": "date", "v": null, "id": 1})")},
      {"date", opora::base64_encode(R"({"s": "date", "v": "2026-11-20", "id": "1"})")},
      {"gross", opora::base64_encode(R"({"s": "gross", "v": "100.00", "id": 1})")},
      {"id", opora::base64_encode(R"({"s": "id", "v": 1.5, "id": 1})")},
  };
  for (const auto& [sort, cursor] : cases) {
    const std::string shown = sort + " " + cursor;
    INFO(shown);
    const ErrorCode code = outcome([&, &sort = sort, &cursor = cursor] {
      find(r, json::object{{"sort", json::string(sort)}, {"cursor", json::string(cursor)}});
    });
    CHECK(code == ErrorCode::invalid);
  }
}

TEST_CASE("find refuses a limit or sort outside the schema") {
  RegistryDb r;
  for (const char* p : {R"({"limit": 0})", R"({"limit": 1001})", R"({"sort": "amount"})",
                        R"({"kind": 5})", R"({"date_from": "01.11.2026"})",
                        R"({"is_final": "true"})", R"({"custom": "manager=Иванова"})"}) {
    INFO(std::string(p));
    CHECK(r.error("registry.find", p).code() == ErrorCode::invalid);
  }
}

// --- registry.missing -------------------------------------------------------

TEST_CASE("registry.missing finds deals that have a contract and no act") {
  RegistryDb r;
  r.put(deal_contract(41));
  r.put(priced_act("1000.00", "2026-11-20", 41));
  r.put(deal_contract(42));
  r.put(priced_act("1000.00", "2026-11-20", 43));  // an act without a contract
  r.put(deal_contract(44));
  r.put(deal_contract(44));  // two contracts, one ref
  const auto result =
      r.call("registry.missing", R"({"having_kind": "contract", "lacking_kind": "act"})");
  CHECK(refs_of(result) == std::vector<std::string>{"bitrix24:deal:42", "bitrix24:deal:44"});
  CHECK(result.at("next_after").is_null());
  CHECK(refs_of(
            r.call("registry.missing", R"({"having_kind": "act", "lacking_kind": "contract"})")) ==
        std::vector<std::string>{"bitrix24:deal:43"});
}

TEST_CASE("registry.missing keeps to refs under ref_prefix") {
  RegistryDb r;
  r.put(contract());  // 1c:contract:00-000123 and bitrix24:deal:42
  r.put(deal_contract(7));
  auto ya = deal_contract(8);
  ya["refs"] = json::array{"bitrix24:lead:8"};
  r.put(ya);
  CHECK(refs_of(
            r.call("registry.missing", R"({"having_kind": "contract", "lacking_kind": "act"})")) ==
        std::vector<std::string>{"1c:contract:00-000123", "bitrix24:deal:42", "bitrix24:deal:7",
                                 "bitrix24:lead:8"});
  CHECK(refs_of(r.call("registry.missing", R"({"having_kind": "contract", "lacking_kind": "act",
      "ref_prefix": "bitrix24:deal:"})")) ==
        std::vector<std::string>{"bitrix24:deal:42", "bitrix24:deal:7"});
  CHECK(refs_of(r.call("registry.missing", R"({"having_kind": "contract", "lacking_kind": "act",
      "ref_prefix": "1c:"})")) == std::vector<std::string>{"1c:contract:00-000123"});
  CHECK(refs_of(r.call("registry.missing", R"({"having_kind": "contract", "lacking_kind": "act",
      "ref_prefix": "amo:"})"))
            .empty());
}

TEST_CASE("registry.missing pages with after and limit") {
  RegistryDb r;
  for (int deal = 100; deal < 107; ++deal) r.put(deal_contract(deal));
  std::vector<std::string> all;
  json::object params = obj(R"({"having_kind": "contract", "lacking_kind": "act",
      "ref_prefix": "bitrix24:deal:", "limit": 3})");
  int pages = 0;
  for (;; ++pages) {
    REQUIRE(pages < 10);
    const auto result = r.call("registry.missing", params);
    for (const auto& ref : refs_of(result)) all.push_back(ref);
    if (result.at("next_after").is_null()) break;
    CHECK(refs_of(result).size() == 3);
    CHECK(result.at("next_after") == json::string(all.back()));
    params["after"] = result.at("next_after");
  }
  CHECK(pages == 2);
  CHECK(all.size() == 7);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == 7);
  CHECK(all.front() == "bitrix24:deal:100");
  CHECK(all.back() == "bitrix24:deal:106");
}

TEST_CASE("registry.missing does not count deleted documents") {
  RegistryDb r;
  r.put(deal_contract(42));
  const int64_t act42 = id_of(r.put(priced_act("1000.00", "2026-11-20", 42)));
  const int64_t contract43 = id_of(r.put(deal_contract(43)));
  const char* q = R"({"having_kind": "contract", "lacking_kind": "act"})";
  CHECK(refs_of(r.call("registry.missing", q)) == std::vector<std::string>{"bitrix24:deal:43"});
  r.call("registry.delete", json::object{{"document", act42}});
  r.call("registry.delete", json::object{{"document", contract43}});
  CHECK(refs_of(r.call("registry.missing", q)) == std::vector<std::string>{"bitrix24:deal:42"});
}

TEST_CASE("registry.missing counts a restored document again") {
  RegistryDb r;
  r.put(deal_contract(42));
  const int64_t act42 = id_of(r.put(priced_act("1000.00", "2026-11-20", 42)));
  const char* q = R"({"having_kind": "contract", "lacking_kind": "act"})";
  r.call("registry.delete", json::object{{"document", act42}});
  CHECK(refs_of(r.call("registry.missing", q)) == std::vector<std::string>{"bitrix24:deal:42"});
  r.call("registry.restore", json::object{{"document", act42}});
  CHECK(refs_of(r.call("registry.missing", q)).empty());
  // An edit of the refs keeps them counted.
  r.put(json::object{{"id", act42}, {"refs", json::array{"bitrix24:deal:42", "1c:act:17"}}});
  CHECK(refs_of(r.call("registry.missing", q)).empty());
}

TEST_CASE("registry.missing with an unknown kind is refused") {
  RegistryDb r;
  const auto e =
      r.error("registry.missing", R"({"having_kind": "contract", "lacking_kind": "akt"})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "lacking_kind", "unknown_kind"));
  CHECK(r.error("registry.missing", R"({"having_kind": "contract"})").code() == ErrorCode::invalid);
}

// --- registry.expiring ------------------------------------------------------

TEST_CASE("registry.expiring lists contracts ending within N days with days left") {
  RegistryDb r;  // today is 2026-11-23
  const int64_t week = id_of(r.put(deal_contract(1, "2026-01-01", "2026-11-30")));
  const int64_t today = id_of(r.put(deal_contract(2, "2026-01-01", "2026-11-23")));
  const int64_t later = id_of(r.put(deal_contract(3, "2026-01-01", "2026-12-31")));
  r.put(deal_contract(4, "2026-01-01", "2026-11-22"));  // already over
  r.put(deal_contract(5, "2026-01-01", "2027-06-30"));  // far away
  auto result = r.call("registry.expiring", R"({"within_days": 30})");
  CHECK(result.at("on") == "2026-11-23");
  CHECK(result.at("until") == "2026-12-23");
  CHECK(ids_of(result) == std::vector<int64_t>{today, week});
  CHECK(result.at("documents").at(0).at("days_left") == 0);
  CHECK(result.at("documents").at(1).at("days_left") == 7);
  result = r.call("registry.expiring", R"({"within_days": 38})");
  CHECK(ids_of(result) == std::vector<int64_t>{today, week, later});
  CHECK(result.at("documents").at(2).at("days_left") == 38);
  CHECK(ids_of(r.call("registry.expiring", R"({"within_days": 0})")) ==
        std::vector<int64_t>{today});
}

TEST_CASE("registry.expiring leaves out replaced and deleted contracts") {
  RegistryDb r;
  const int64_t old = id_of(r.put(deal_contract(1, "2026-01-01", "2026-11-30")));
  auto next = deal_contract(1, "2026-01-01", "2026-12-10");
  next["supersedes"] = old;
  const int64_t current = id_of(r.put(next));
  const int64_t gone = id_of(r.put(deal_contract(2, "2026-01-01", "2026-11-25")));
  r.call("registry.delete", json::object{{"document", gone}});
  CHECK(ids_of(r.call("registry.expiring", R"({"within_days": 30})")) ==
        std::vector<int64_t>{current});
}

TEST_CASE("registry.expiring counts from a given day and for a given kind") {
  RegistryDb r;
  const int64_t c = id_of(r.put(deal_contract(1, "2026-01-01", "2026-03-31")));
  auto act_doc = with(act(), "valid_to", R"("2026-03-15")");
  const int64_t a = id_of(r.put(act_doc));
  auto result = r.call("registry.expiring", R"({"within_days": 31, "date": "2026-03-01"})");
  CHECK(ids_of(result) == std::vector<int64_t>{c});
  CHECK(result.at("documents").at(0).at("days_left") == 30);
  result =
      r.call("registry.expiring", R"({"within_days": 31, "date": "2026-03-01", "kind": "act"})");
  CHECK(ids_of(result) == std::vector<int64_t>{a});
  CHECK(r.error("registry.expiring", R"({"within_days": -1})").code() == ErrorCode::invalid);
  CHECK(r.error("registry.expiring", R"({"within_days": 3, "kind": "dogovor"})").code() ==
        ErrorCode::validation);
}

// --- registry.search --------------------------------------------------------

TEST_CASE("search is case-insensitive for Cyrillic: акт finds АКТ-2026-000001 and Акт") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  auto letter = obj(std::string(R"({"kind": "letter", "date": "2026-11-21", "counterparty": )") +
                    kRomashka + R"(, "notes": "Акт сверки направлен почтой"})");
  const int64_t l = id_of(r.put(letter));
  r.put(with(contract(), "basis_text", "null"));
  CHECK(sorted(ids_of(r.search(R"({"query": "акт"})"))) == std::vector<int64_t>{a, l});
  CHECK(sorted(ids_of(r.search(R"({"query": "АКТ"})"))) == std::vector<int64_t>{a, l});
  CHECK(ids_of(r.search(R"({"query": "АКТ-2026-000001"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "акт-2026-000001"})")) == std::vector<int64_t>{a});
}

TEST_CASE("search finds the counterparty by name and INN") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  r.put(with(act(), "counterparty", kSoleTrader));
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "РОМАШКА"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "ООО Ромашка"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "7707083893"})")) == std::vector<int64_t>{a});
}

TEST_CASE("search finds item names, notes and the basis text") {
  RegistryDb r;
  const int64_t a = id_of(r.put(with(act(), "notes", R"("Оригинал передан курьером СДЭК")")));
  const int64_t c = id_of(r.put(contract()));
  CHECK(ids_of(r.search(R"({"query": "интеграции"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "битрикс24"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "курьером"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "сдэк"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "коммерческое предложение"})")) == std::vector<int64_t>{c});
}

TEST_CASE("search needs every word and takes word* as a prefix") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  CHECK(ids_of(r.search(R"({"query": "ромашка внедрение"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "ромашка поставка"})")).empty());
  CHECK(ids_of(r.search(R"({"query": "Ромаш*"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "внедр* интегр*"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "Ромаш"})")).empty());
}

TEST_CASE("quotes and FTS5 operators in the query are just text") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  CHECK(ids_of(r.search(R"({"query": "\"ромашка\""})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "ромашка\""})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "\"ромашка"})")) == std::vector<int64_t>{a});
  for (const char* q :
       {R"({"query": "ромашка OR поставка"})", R"~({"query": "NEAR(ромашка акт)"})~",
        R"({"query": "-ромашка"})", R"({"query": "ромашка AND"})", R"({"query": "NOT акт"})",
        R"({"query": "number:акт"})", R"({"query": "^акт"})", R"~({"query": "акт)"})~",
        R"({"query": "{number counterparty}: акт"})", R"({"query": "a\"b\"c*d"})",
        R"({"query": "'; DROP TABLE document; --"})", R"({"query": "**"})", R"({"query": "«»"})",
        R"({"query": "\u0000акт"})"}) {
    INFO(std::string(q));
    const ErrorCode code = outcome([&] { r.search(q); });
    CHECK((code == ErrorCode::ok || code == ErrorCode::invalid));
  }
  CHECK(ids_of(r.find("{}")) == std::vector<int64_t>{a});
}

TEST_CASE("a query with no words is refused") {
  RegistryDb r;
  for (const char* q :
       {R"({"query": "\"\""})", R"({"query": "*"})", R"({"query": "   "})", R"({"query": ""})"}) {
    INFO(std::string(q));
    CHECK(r.error("registry.search", q).code() == ErrorCode::invalid);
  }
}

TEST_CASE("search leaves out deleted documents") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  const int64_t b = id_of(r.put(act()));
  r.call("registry.delete", json::object{{"document", a}});
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{b});
}

TEST_CASE("search filters by kind, limits and orders newest first") {
  RegistryDb r;
  const int64_t a1 = id_of(r.put(act()));
  const int64_t c = id_of(r.put(contract()));
  const int64_t a2 = id_of(r.put(act()));
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{a2, c, a1});
  CHECK(ids_of(r.search(R"({"query": "ромашка", "kind": "act"})")) == std::vector<int64_t>{a2, a1});
  CHECK(ids_of(r.search(R"({"query": "ромашка", "kind": "contract"})")) == std::vector<int64_t>{c});
  CHECK(ids_of(r.search(R"({"query": "ромашка", "limit": 1})")) == std::vector<int64_t>{a2});
  CHECK(sorted(ids_of(r.search(R"({"query": "ромашка", "order": "relevance"})"))) ==
        std::vector<int64_t>{a1, c, a2});
}

TEST_CASE("search marks the matching text in a snippet") {
  RegistryDb r;
  r.put(act());
  const auto found = r.search(R"({"query": "ромашка"})");
  REQUIRE(found.at("documents").as_array().size() == 1);
  const std::string snippet = text(found.at("documents").at(0).at("snippet"));
  CHECK(snippet.find("[Ромашка]") != std::string::npos);
}

TEST_CASE("search follows updates: old words are gone and new ones found") {
  RegistryDb r;
  const int64_t a = id_of(r.put(with(act(), "notes", R"("ждём оригинал")")));
  r.put(json::object{{"id", a}, {"notes", "оригинал получен"}});
  CHECK(ids_of(r.search(R"({"query": "ждём"})")).empty());
  CHECK(ids_of(r.search(R"({"query": "получен"})")) == std::vector<int64_t>{a});
  r.put(json::object{{"id", a}, {"counterparty", obj(kSoleTrader)}});
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")).empty());
  CHECK(ids_of(r.search(R"({"query": "петров"})")) == std::vector<int64_t>{a});
}

TEST_CASE("search treats ё as е both ways") {
  RegistryDb r;
  auto doc = act();
  doc["notes"] = "установка ёлки в офисе";
  const int64_t id = id_of(r.put(doc));
  CHECK(ids_of(r.search(R"({"query": "елки"})")) == std::vector<int64_t>{id});
  CHECK(ids_of(r.search(R"({"query": "ЁЛКИ"})")) == std::vector<int64_t>{id});
}

TEST_CASE("expiring can ask for documents in one status only") {
  RegistryDb r;
  auto c = contract();
  const int64_t signed_one = id_of(r.put(c));
  const int64_t cancelled = id_of(r.put(c));
  r.call("registry.set_status", json::object{{"document", signed_one}, {"status", "signed"}});
  r.call("registry.set_status", json::object{{"document", cancelled}, {"status", "cancelled"}});
  const auto all = r.call("registry.expiring", R"({"within_days": 3660, "date": "2026-01-01"})");
  CHECK(ids_of(all).size() == 2);
  const auto in_force = r.call("registry.expiring",
                               R"({"within_days": 3660, "on": "2026-01-01", "status": "signed"})");
  CHECK(ids_of(in_force) == std::vector<int64_t>{signed_one});
  const auto e = r.error("registry.expiring", R"({"within_days": 3660, "date": "2999-12-01"})");
  CHECK(has_error(e, "within_days", "range"));
}

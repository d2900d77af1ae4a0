// Registry::create_many, the lean bulk path for documents the library builds
// itself (billing's accrual documents), stores exactly what registry.put_many
// stores for the same documents written as JSON: two files with the same
// clock and id seed, one written each way, hold the same rows in every table
// (document, refs, journal, index queue, sequences, the full-text index once
// flushed, the exchange's registrations) and answer get, history, find and
// search alike.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "registry/document.hpp"
#include "registry/registry.hpp"
#include "registry/registry_fixture.hpp"
#include "store/sqlite.hpp"
#include "table_rows.hpp"

namespace json = boost::json;
using namespace opora::test::reg;
using opora::Currency;
using opora::Date;
using opora::Decimal;
using opora::ErrorCode;
using opora::Money;
using opora::registry::Document;
using opora::registry::Item;
using opora::registry::Party;

namespace {

constexpr const char* kOptions =
    R"({"clock": "manual", "now": "2026-11-23T09:00:00Z", "id_seed": 15})";

// A kind numbered per organisation without the year (its sequence runs on).
const char* const kWaybillKind = R"({"kind": {
    "id": "waybill", "title": "Товарная накладная",
    "statuses": ["draft", "shipped"], "transitions": {"draft": ["shipped"]},
    "has_items": true, "number_pattern": "ТН-{seq:05}", "number_per_organization": true,
    "requires_countersign": true}})";

Money rub(const char* text) {
  return *Money::parse(text, *Currency::find("RUB"));
}

Item item(const char* name, const char* quantity, const char* price, const char* rate,
          const char* mode = "included", const char* discount = "0.00") {
  Item it;
  it.name = name;
  it.quantity = *Decimal::parse(quantity, 3);
  it.price = rub(price);
  it.discount = rub(discount);
  it.vat_rate = rate;
  it.vat_mode = mode;
  return it;
}

Party person(const std::string& name) {
  return Party{"person", name, "", "", ""};
}
const Party kVector{"company", "ООО «Вектор»", "inn", "6663003127", "666301001"};
const Party kRomashka{"company", "ООО \"Ромашка\" \\ филиал\tСевер", "inn", "7707083893",
                      "773601001"};
const Party kSoleTrader{"sole_trader", "ИП Петров Иван Сергеевич", "inn", "500100732259", ""};

// An accrual document as billing builds one for account `n`.
Document accrual(int n, const char* date = "2026-11-01") {
  Document d;
  d.kind = "accrual";
  d.date = *Date::parse(date);
  d.counterparty = person("Абонент " + std::to_string(n));
  d.refs = {"billing:account:LS-" + std::to_string(n)};
  d.items.push_back(item("Домашний 100", "1", "499.00", "22"));
  if (n % 3 == 0) d.items.push_back(item("ТВ «Базовый»", "1", "150.00", "22", "included", "15.50"));
  if (n % 4 == 0) d.items.push_back(item("Аренда роутера", "1", "100.00", "none"));
  d.custom = obj(R"({"account": "LS-)" + std::to_string(n) +
                 R"(", "period": "2026-11", "run": 1,
                 "lines": [{"from": "2026-11-01", "to": "2026-11-30", "subscription": )" +
                 std::to_string(n) + "}]}");
  return d;
}

// Documents of every shape a built document may take.
std::vector<Document> mixed() {
  std::vector<Document> out;
  out.push_back(accrual(1));
  Document act;
  act.kind = "act";
  act.date = *Date::parse("2026-11-20");
  act.organization = kVector;
  act.counterparty = kRomashka;
  act.refs = {"bitrix24:deal:42", "1c:doc:x", "bitrix24:deal:42"};  // kept once
  act.vat_mode = "on_top";
  Item a = item("Внедрение", "1.5", "120000.00", "22.00", "on_top");  // stored as "22"
  a.unit = "усл";
  a.code = "A-1";
  act.items.push_back(a);
  act.items.push_back(item("Лицензия", "3", "100.10", "10", "included", "0.30"));
  act.items.push_back(item("Доставка", "1", "500.00", "0"));
  act.items.push_back(item("Консультация", "2", "999.99", "none"));
  act.basis_text = "Договор № 1\r\nот 10.01.2026";
  act.custom = obj(R"({"flag": false, "nested": {"a": [1, "б", null]}, "quote": "\"\\/\u0001"})");
  act.notes = "Оригинал передан курьером «СДЭК»";
  out.push_back(act);
  Document contract;
  contract.kind = "contract";
  contract.date = *Date::parse("2026-01-15");
  contract.organization = kVector;
  contract.counterparty = kSoleTrader;
  contract.refs = {"1c:contract:00-000123"};
  contract.valid_from = *Date::parse("2026-01-15");
  contract.valid_to = *Date::parse("2026-12-31");
  opora::registry::Totals t;
  t.gross = rub("1464000.00");
  t.vat = rub("264000.00");
  t.net = rub("1200000.00");
  contract.totals = t;
  out.push_back(contract);
  Document letter;
  letter.kind = "letter";
  letter.date = *Date::parse("2027-01-11");  // another year: another sequence
  letter.counterparty = Party{"company", "ТОО «Алтын»", "bin", "990740002243", ""};
  out.push_back(letter);
  Document waybill;
  waybill.kind = "waybill";
  waybill.date = *Date::parse("2026-11-21");
  waybill.organization = kVector;
  waybill.items.push_back(item("Роутер", "2", "1000.00", "10", "on_top"));
  out.push_back(waybill);
  out.push_back(accrual(2, "2026-12-01"));
  return out;
}

// The document as a host writes it for registry.put_many: what create_many is given.
json::object host_json(const Document& d) {
  json::object o;
  o["kind"] = d.kind;
  o["date"] = d.date.to_string();
  if (d.organization) o["organization"] = opora::registry::party_json(*d.organization);
  if (d.counterparty) o["counterparty"] = opora::registry::party_json(*d.counterparty);
  o["refs"] = json::array(d.refs.begin(), d.refs.end());
  o["currency"] = std::string(d.currency.code());
  o["vat_mode"] = d.vat_mode;
  json::array items;
  for (const auto& it : d.items) {
    json::object i{{"name", it.name},
                   {"quantity", it.quantity.to_string()},
                   {"price", it.price.to_string()},
                   {"vat_rate", it.vat_rate},
                   {"vat_mode", it.vat_mode}};
    if (!it.discount.is_zero()) i["discount"] = it.discount.to_string();
    if (!it.unit.empty()) i["unit"] = it.unit;
    if (!it.code.empty()) i["code"] = it.code;
    items.push_back(std::move(i));
  }
  if (!items.empty()) o["items"] = std::move(items);
  if (d.items.empty() && d.totals)
    o["totals"] = {{"gross", d.totals->gross.to_string()}, {"vat", d.totals->vat.to_string()}};
  if (d.basis_text) o["basis_text"] = *d.basis_text;
  if (d.valid_from) o["valid_from"] = d.valid_from->to_string();
  if (d.valid_to) o["valid_to"] = d.valid_to->to_string();
  if (!d.custom.empty()) o["custom"] = d.custom;
  if (d.notes) o["notes"] = *d.notes;
  return o;
}

// Two files alike: a document written before (so ids and numbers continue),
// a hand-given number where the accrual sequence goes next (it is skipped),
// the waybill kind, and an exchange node that takes the "crm" stream (so
// every changed act, contract and letter is registered for it).
void prepare(RegistryDb& r) {
  r.call("registry.kind.define", kWaybillKind);
  r.call("exchange.setup", R"({"node": "centre", "role": "centre"})");
  r.call("exchange.node.put", R"({"node": "tablet-1", "kind": "tablet", "streams": ["crm"]})");
  r.put(act("2026-11-02"));
  json::object taken = host_json(accrual(99));
  taken["number"] = "НЧ-2026-00000001";
  r.call("registry.put", taken);
  r.set_clock("2026-11-23T10:00:00Z");
}

opora::registry::Context context_of(RegistryDb& r) {
  opora::registry::Context ctx;
  ctx.now = r.db().clock().now();
  ctx.today = r.db().clock().today();
  ctx.actor = "billing";
  return ctx;
}

// Written as the engine writes a call: one transaction, changes reported
// before it commits.
std::vector<Document> create_many(RegistryDb& r, std::vector<Document> docs) {
  opora::store::Transaction tx(r.db().connection());
  r.db().registry().create_many(docs, context_of(r));
  r.db().registry().flush_changes();
  tx.commit();
  return docs;
}

json::object put_many(RegistryDb& r, const std::vector<Document>& docs) {
  json::array arr;
  for (const auto& d : docs) arr.push_back(host_json(d));
  return r.call("registry.put_many",
                json::object{{"documents", std::move(arr)}, {"actor", "billing"}});
}

// Every row of every table of the file, as SQL literals (byte-exact), table
// by table in a stable order.
std::map<std::string, std::vector<std::string>> every_row(RegistryDb& r) {
  return opora::test::table_rows(r.db().connection());
}

void check_same_files(RegistryDb& a, RegistryDb& b) {
  const auto rows_a = every_row(a);
  const auto rows_b = every_row(b);
  REQUIRE(rows_a.size() == rows_b.size());
  for (const auto& [table, rows] : rows_a) {
    INFO("table " << table);
    REQUIRE(rows_b.count(table) == 1);
    CHECK(rows == rows_b.at(table));
  }
}

}  // namespace

TEST_CASE("create_many stores exactly what put_many stores for the same documents") {
  RegistryDb generic(kOptions);
  RegistryDb lean(kOptions);
  prepare(generic);
  prepare(lean);
  const std::vector<Document> docs = mixed();

  const json::object put = put_many(generic, docs);
  const std::vector<Document> created = create_many(lean, docs);
  const json::array& written = put.at("documents").as_array();
  REQUIRE(written.size() == created.size());
  for (size_t i = 0; i < created.size(); ++i) {
    CHECK(written[i].at("id").as_int64() == created[i].id);
    CHECK(text(written[i].at("number")) == created[i].number);
  }
  // The accrual sequence skipped the number given by hand.
  CHECK(created[0].number == "НЧ-2026-00000002");
  CHECK(created[4].number == "ТН-00001");
  check_same_files(generic, lean);

  // A second write continues every sequence alike.
  const json::object again = put_many(generic, {accrual(3), accrual(4), mixed()[4]});
  const std::vector<Document> again_lean = create_many(lean, {accrual(3), accrual(4), mixed()[4]});
  CHECK(text(again.at("documents").as_array()[2].at("number")) == "ТН-00002");
  CHECK(again_lean[2].number == "ТН-00002");
  check_same_files(generic, lean);

  // What hosts read answers alike, and the full-text index, once flushed,
  // holds the same rows.
  for (int64_t id = 1; id <= again_lean.back().id; ++id) {
    CAPTURE(id);
    CHECK(json::serialize(generic.get(id)) == json::serialize(lean.get(id)));
    CHECK(json::serialize(generic.history(id)) == json::serialize(lean.history(id)));
  }
  for (const char* q : {R"({"ref": "billing:account:LS-3"})", R"({"kind": "accrual"})",
                        R"({"counterparty_inn": "7707083893"})"})
    CHECK(json::serialize(generic.find(q)) == json::serialize(lean.find(q)));
  for (const char* q :
       {R"({"query": "Абонент"})", R"({"query": "Ромашка"})", R"({"query": "Роутер"})"})
    CHECK(json::serialize(generic.search(q)) == json::serialize(lean.search(q)));
  check_same_files(generic, lean);
  // Every document in the full-text index (FTS5's content table on SQLite, the table with a
  // tsvector on PostgreSQL).
  auto& conn = lean.db().connection();
  auto indexed = conn.cached("SELECT count(*) FROM document_fts");
  REQUIRE(indexed->step());
  CHECK(indexed->int64(0) == again_lean.back().id);
}

TEST_CASE("create_many writes hundreds of documents many to a statement as put_many does") {
  RegistryDb generic(kOptions);
  RegistryDb lean(kOptions);
  prepare(generic);
  prepare(lean);
  // More than one statement's worth, and a remainder written one by one.
  std::vector<Document> docs;
  for (int n = 1; n <= 203; ++n) docs.push_back(accrual(n));
  put_many(generic, docs);
  const std::vector<Document> created = create_many(lean, docs);
  CHECK(created.back().number == "НЧ-2026-00000204");
  check_same_files(generic, lean);
}

TEST_CASE("create_many refuses a document only the registry may complete, and writes nothing") {
  RegistryDb r(kOptions);
  const auto refused = [&](auto change) {
    std::vector<Document> docs{accrual(1), accrual(2)};
    change(docs[1]);
    return outcome([&] { create_many(r, docs); });
  };
  CHECK(refused([](Document& d) { d.number = "НЧ-1"; }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.id = 5; }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.status = "reversed"; }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.supersedes = 1; }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.refs.push_back("Not a ref"); }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.items[0].vat_rate = "twenty"; }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.items[0].discount = rub("500.00"); }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.kind = "letter"; }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.vat_mode = "sometimes"; }) == ErrorCode::internal);
  CHECK(refused([](Document& d) {
          d.valid_from = *Date::parse("2026-12-01");
          d.valid_to = *Date::parse("2026-11-01");
        }) == ErrorCode::internal);
  CHECK(refused([](Document& d) { d.kind = "nonesuch"; }) == ErrorCode::validation);
  CHECK(r.find(R"({"kind": "accrual"})").at("documents").as_array().empty());
}

TEST_CASE("create_many skips numbers given by hand, however the kind's numbers sort") {
  // Unpadded numbers do not sort as their sequence: "З-1" .. "З-4" spans
  // "З-10" .. "З-39" and "З-100" .. "З-399", more than the one read takes,
  // so the held ones are found one by one.
  const char* const kTicketKind = R"({"kind": {
      "id": "ticket", "title": "Заявка", "statuses": ["new"], "has_items": false,
      "number_pattern": "З-{seq}"}})";
  RegistryDb generic(kOptions);
  RegistryDb lean(kOptions);
  const auto ticket = [](int n) {
    Document d;
    d.kind = "ticket";
    d.date = *Date::parse("2026-11-20");
    d.notes = "заявка " + std::to_string(n);
    return d;
  };
  for (RegistryDb* r : {&generic, &lean}) {
    prepare(*r);
    r->call("registry.kind.define", kTicketKind);
    json::array given;
    for (int n : {2, 3}) {
      json::object o = host_json(ticket(0));
      o["number"] = "З-" + std::to_string(n);
      given.push_back(o);
    }
    for (int n = 10; n < 400; ++n) {
      if (n == 40) n = 100;
      json::object o = host_json(ticket(n));
      o["number"] = "З-" + std::to_string(n);
      given.push_back(o);
    }
    r->call("registry.put_many", json::object{{"documents", std::move(given)}});
  }
  const std::vector<Document> docs{ticket(1), ticket(2), ticket(3), ticket(4)};
  const json::object put = put_many(generic, docs);
  const std::vector<Document> created = create_many(lean, docs);
  CHECK(numbers_of(put) == std::vector<std::string>{"З-1", "З-4", "З-5", "З-6"});
  for (size_t i = 0; i < created.size(); ++i) CHECK(created[i].number == numbers_of(put)[i]);
  check_same_files(generic, lean);

  // Padded numbers sort as their sequence: one read finds the held ones.
  for (RegistryDb* r : {&generic, &lean}) {
    json::object o = host_json(accrual(7));
    o["number"] = "НЧ-2026-00000003";
    r->call("registry.put", o);
  }
  const json::object more = put_many(generic, {accrual(8), accrual(9), accrual(10)});
  const std::vector<Document> more_lean = create_many(lean, {accrual(8), accrual(9), accrual(10)});
  CHECK(numbers_of(more) ==
        std::vector<std::string>{"НЧ-2026-00000002", "НЧ-2026-00000004", "НЧ-2026-00000005"});
  CHECK(more_lean[1].number == "НЧ-2026-00000004");
  check_same_files(generic, lean);
}

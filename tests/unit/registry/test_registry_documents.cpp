// registry.put / get / set_status / delete / restore / history: documents,
// line items and VAT, counterparties, statuses, updates, versions, the
// journal, soft delete, and bad input — through Database::call.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "registry/registry_fixture.hpp"

namespace json = boost::json;
using opora::Error;
using opora::ErrorCode;
using opora::test::error_of;
using namespace opora::test::reg;

namespace {

// An act with the given items (a JSON array) and nothing else changed.
json::object act_with_items(std::string_view items) {
  return with(act(), "items", items);
}

// The one entry of `entries` with this action and field (field may be null).
json::object entry(const json::array& entries, std::string_view action,
                   const json::value& field = nullptr) {
  for (const auto& e : entries)
    if (text(e.at("action")) == action && e.at("field") == field) return e.as_object();
  FAIL("no journal entry " << action << " " << json::serialize(field));
  return {};
}

}  // namespace

// --- creating and reading ---------------------------------------------------

TEST_CASE("a created act comes back with its id, number, parties, refs and defaults") {
  RegistryDb r;
  const auto doc = r.put(act());
  CHECK(doc.at("id").as_int64() >= 1);
  CHECK(doc.at("kind") == "act");
  CHECK(doc.at("number") == "АКТ-2026-000001");
  CHECK(doc.at("date") == "2026-11-20");
  CHECK(doc.at("organization") == obj(kOurOrg));
  CHECK(doc.at("counterparty") == obj(kRomashka));
  CHECK(doc.at("refs") == json::array{"bitrix24:deal:42"});
  CHECK(doc.at("currency") == "RUB");
  CHECK(doc.at("status") == "draft");  // the act's initial status
  CHECK(doc.at("is_final") == true);
  CHECK(doc.at("requires_countersign") == true);  // an act needs the customer's signature
  CHECK(doc.at("supersedes").is_null());
  CHECK(doc.at("superseded_by").is_null());
  CHECK(doc.at("deleted") == false);
  CHECK(doc.at("version") == 1);
  CHECK(doc.at("created_at") == "2026-11-23T09:00:00Z");
  CHECK(doc.at("updated_at") == "2026-11-23T09:00:00Z");
}

TEST_CASE("registry.get returns the stored document with its files and links") {
  RegistryDb r;
  const auto put = r.put(act());
  auto got = r.get(id_of(put));
  CHECK(got.at("files") == json::array{});
  CHECK(got.at("links") == json::array{});
  got.erase("files");
  got.erase("links");
  CHECK(got == put);
}

TEST_CASE("registry.get of an id that does not exist is not found") {
  RegistryDb r;
  const auto e = r.error("registry.get", R"({"document": 999})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "document", "not_found"));
}

TEST_CASE("registry.kinds lists the eight built-in kinds with their patterns") {
  RegistryDb r;
  const auto kinds = r.kinds();
  std::vector<std::string> ids;
  for (const auto& k : kinds) {
    ids.push_back(text(k.at("id")));
    CHECK(k.at("builtin") == true);
  }
  CHECK(ids == std::vector<std::string>{"invoice", "act", "contract", "upd", "order", "accrual",
                                        "payment", "letter"});
  CHECK(kinds[1].at("number_pattern") == "АКТ-{yyyy}-{seq:06}");
  CHECK(kinds[1].at("has_items") == true);
  CHECK(kinds[2].at("has_items") == false);
}

TEST_CASE("an unknown kind is refused with rule unknown_kind") {
  RegistryDb r;
  const auto e = r.error("registry.put", with(act(), "kind", R"("waybill")"));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "kind", "unknown_kind"));
  CHECK(r.find("{}").at("documents").as_array().empty());
}

TEST_CASE("a document without kind or date is refused as missing a required field") {
  RegistryDb r;
  auto doc = act();
  doc.erase("kind");
  // Required to create, not to change: the registry's rule, not the schema's.
  auto e = r.error("registry.put", doc);
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "kind", "required"));
  doc = act();
  doc.erase("date");
  e = r.error("registry.put", doc);
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "date", "required"));
}

TEST_CASE("a malformed document lists every form problem with its field, as invalid") {
  RegistryDb r;
  auto doc = act();
  doc["date"] = "2026-02-30";
  doc["currency"] = "RUR";
  doc["items"] = json::parse(R"([{"name": "Работы", "quantity": "1.0005", "price": "10.00",
                                  "vat_rate": "122", "qty": "1"}])");
  const auto e = r.error("registry.put", doc);
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(e.field_errors().size() == 5);
  CHECK(has_error(e, "date", "date"));
  CHECK(has_error(e, "currency", "currency"));
  CHECK(has_error(e, "items[0].quantity", "quantity"));
  CHECK(has_error(e, "items[0].vat_rate", "vat_rate"));
  CHECK(has_error(e, "items[0].qty", "unknown_field"));
  CHECK(r.find("{}").at("documents").as_array().empty());
}

TEST_CASE("a well-formed document lists every business problem with its field") {
  RegistryDb r;
  auto doc = act();
  doc["counterparty"] = obj(R"({"type": "company", "name": "ООО «Ромашка»", "inn": "7707083890"})");
  doc["refs"] = json::array{"bitrix24:deal:42", "Bitrix24 deal 42"};
  doc["valid_from"] = "2026-12-31";
  doc["valid_to"] = "2026-01-01";
  const auto e = r.error("registry.put", doc);
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "counterparty.inn", "inn_checksum"));
  CHECK(has_error(e, "counterparty.kpp", "kpp_required"));
  CHECK(has_error(e, "refs[1]", "ref"));
  CHECK(has_error(e, "valid_to", "before_from"));
  CHECK(r.find("{}").at("documents").as_array().empty());
}

TEST_CASE("an amount with more places than its currency has is a malformed request") {
  // The schema cannot know the currency; the registry finds it, and the code
  // is the same as for any malformed amount.
  RegistryDb r;
  auto doc = act();
  doc["items"] = json::parse(R"([{"name": "Работы", "quantity": "1", "price": "10.001",
                                  "vat_rate": "22"}])");
  const auto e = r.error("registry.put", doc);
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "items[0].price", "money_scale"));
}

// --- line items, VAT and totals ---------------------------------------------

TEST_CASE("VAT included in the price is extracted per line as gross x 22 / 122") {
  RegistryDb r;
  const auto doc = r.put(act());
  const auto& item = doc.at("items").at(0);
  CHECK(item.at("quantity") == "1");
  CHECK(item.at("price") == "120000.00");
  CHECK(item.at("discount") == "0.00");
  CHECK(item.at("vat_rate") == "22");
  CHECK(item.at("vat_mode") == "included");
  CHECK(item.at("gross") == "120000.00");
  CHECK(item.at("vat") == "21639.34");  // 120000 * 22 / 122 = 21639.344...
  CHECK(item.at("net") == "98360.66");
  CHECK(doc.at("totals").at("net") == "98360.66");
  CHECK(doc.at("totals").at("vat") == "21639.34");
  CHECK(doc.at("totals").at("gross") == "120000.00");
}

TEST_CASE("VAT on top of the price is added per line as net x 22 / 100") {
  RegistryDb r;
  const auto doc = r.put(act_with_items(
      R"([{"name": "Сопровождение 1С:Бухгалтерия", "unit": "мес", "quantity": "2",
           "price": "15000.00", "vat_rate": "22", "vat_mode": "on_top"}])"));
  const auto& item = doc.at("items").at(0);
  CHECK(item.at("vat_mode") == "on_top");
  CHECK(item.at("net") == "30000.00");
  CHECK(item.at("vat") == "6600.00");
  CHECK(item.at("gross") == "36600.00");
  CHECK(doc.at("totals").at("gross") == "36600.00");
}

TEST_CASE("the document's vat_mode applies to the items that do not state their own") {
  RegistryDb r;
  auto doc = act_with_items(R"([
      {"name": "Консультация", "quantity": "1", "price": "1000.00", "vat_rate": "22"},
      {"name": "Выезд специалиста", "quantity": "1", "price": "1000.00", "vat_rate": "22",
       "vat_mode": "included"}])");
  doc["vat_mode"] = "on_top";
  const auto out = r.put(doc);
  CHECK(out.at("vat_mode") == "on_top");
  CHECK(out.at("items").at(0).at("vat_mode") == "on_top");
  CHECK(out.at("items").at(0).at("gross") == "1220.00");
  CHECK(out.at("items").at(1).at("vat_mode") == "included");
  CHECK(out.at("items").at(1).at("gross") == "1000.00");
  CHECK(out.at("items").at(1).at("vat") == "180.33");
}

TEST_CASE("a line without VAT (rate none) has no VAT and equal net and gross") {
  RegistryDb r;
  const auto doc = r.put(act_with_items(
      R"([{"name": "Услуги ИП по упрощённой системе", "quantity": "3", "price": "2500.00",
           "vat_rate": "none"}])"));
  const auto& item = doc.at("items").at(0);
  CHECK(item.at("vat_rate") == "none");
  CHECK(item.at("net") == "7500.00");
  CHECK(item.at("vat") == "0.00");
  CHECK(item.at("gross") == "7500.00");
  CHECK(doc.at("totals").at("vat") == "0.00");
}

TEST_CASE("quantities take up to three decimal places and the line rounds once") {
  RegistryDb r;
  const auto doc = r.put(act_with_items(
      R"([{"name": "Бумага офисная", "unit": "кг", "quantity": "1.333", "price": "99.99",
           "vat_rate": "22"}])"));
  const auto& item = doc.at("items").at(0);
  CHECK(item.at("quantity") == "1.333");
  CHECK(item.at("gross") == "133.29");  // 99.99 * 1.333 = 133.28667
  CHECK(item.at("vat") == "24.04");     // 133.29 * 22 / 122 = 24.0359...
  CHECK(item.at("net") == "109.25");
}

TEST_CASE("a quantity with four places, zero or negative is refused") {
  RegistryDb r;
  for (const char* q : {"1.3333", "0", "-1", "abc", ""}) {
    INFO(std::string(q));
    auto items =
        json::parse(R"([{"name": "Бумага", "quantity": "", "price": "10.00", "vat_rate": "22"}])");
    items.at(0).as_object()["quantity"] = q;
    const auto e = r.error("registry.put", with(act(), "items", json::serialize(items)));
    CHECK(e.code() == ErrorCode::invalid);
    CHECK(has_error(e, "items[0].quantity", "quantity"));
  }
}

TEST_CASE("a discount comes off the line before VAT") {
  RegistryDb r;
  const auto doc = r.put(act_with_items(
      R"([{"name": "Лицензия 1С:УНФ", "unit": "шт", "quantity": "3", "price": "1000.00",
           "discount": "300.00", "vat_rate": "22", "vat_mode": "on_top"}])"));
  const auto& item = doc.at("items").at(0);
  CHECK(item.at("discount") == "300.00");
  CHECK(item.at("net") == "2700.00");
  CHECK(item.at("vat") == "594.00");
  CHECK(item.at("gross") == "3294.00");
}

TEST_CASE("a discount larger than the line or negative is refused") {
  RegistryDb r;
  auto e = r.error("registry.put",
                   act_with_items(R"([{"name": "Лицензия", "quantity": "1", "price": "100.00",
                                       "discount": "100.01", "vat_rate": "22"}])"));
  CHECK(e.code() == ErrorCode::validation);  // the line and its discount disagree
  CHECK(has_error(e, "items[0].discount", "discount_exceeds_line"));
  e = r.error("registry.put", act_with_items(R"([{"name": "Лицензия", "quantity": "1",
      "price": "100.00", "discount": "-1.00", "vat_rate": "22"}])"));
  CHECK(e.code() == ErrorCode::invalid);  // a negative amount is out of range as written
  CHECK(has_error(e, "items[0].discount", "range"));
}

TEST_CASE("totals sum the lines and vat_by_rate groups net and VAT per rate") {
  RegistryDb r;
  const auto doc = r.put(act_with_items(R"([
      {"name": "Разработка", "quantity": "1", "price": "10000.00", "vat_rate": "22"},
      {"name": "Книги", "quantity": "2", "price": "500.00", "vat_rate": "10"},
      {"name": "Госпошлина", "quantity": "1", "price": "150.00", "vat_rate": "none"},
      {"name": "Доработка", "quantity": "1", "price": "2000.00", "vat_rate": "22"}])"));
  const auto& t = doc.at("totals");
  // 22 %: 10000 -> vat 1803.28, 2000 -> vat 360.66; 10 %: 1000 -> vat 90.91
  CHECK(t.at("gross") == "13150.00");
  CHECK(t.at("vat") == "2254.85");
  CHECK(t.at("net") == "10895.15");
  CHECK(t.at("vat_by_rate") == json::parse(R"([
      {"rate": "10", "net": "909.09", "vat": "90.91"},
      {"rate": "22", "net": "9836.06", "vat": "2163.94"},
      {"rate": "none", "net": "150.00", "vat": "0.00"}])"));
}

TEST_CASE("a 0 % line and a line without VAT are different rates in vat_by_rate") {
  RegistryDb r;
  const auto doc = r.put(act_with_items(R"([
      {"name": "Экспортная поставка", "quantity": "1", "price": "1000.00", "vat_rate": "0"},
      {"name": "Услуги нерезиденту", "quantity": "1", "price": "500.00", "vat_rate": "none"}])"));
  CHECK(doc.at("totals").at("vat_by_rate") == json::parse(R"([
      {"rate": "0", "net": "1000.00", "vat": "0.00"},
      {"rate": "none", "net": "500.00", "vat": "0.00"}])"));
}

TEST_CASE("vat_by_rate has one line per rate however the rate is written") {
  RegistryDb r;
  const auto doc = r.put(act_with_items(R"([
      {"name": "Разработка", "quantity": "1", "price": "1220.00", "vat_rate": "22"},
      {"name": "Доработка", "quantity": "1", "price": "1220.00", "vat_rate": "22.0"},
      {"name": "Поддержка", "quantity": "1", "price": "1220.00", "vat_rate": "22.00"}])"));
  const auto& rates = doc.at("totals").at("vat_by_rate").as_array();
  CHECK(rates.size() == 1);
  CHECK(rates.at(0).at("vat") == "660.00");
  CHECK(doc.at("totals").at("vat") == "660.00");
}

TEST_CASE("VAT is rounded per line, not on the document total") {
  RegistryDb r;
  // Each 0.10 line has 0.018 VAT -> 0.02; on the 0.30 total it would be 0.05.
  const auto doc = r.put(act_with_items(R"([
      {"name": "Скрепка", "quantity": "1", "price": "0.10", "vat_rate": "22"},
      {"name": "Скрепка", "quantity": "1", "price": "0.10", "vat_rate": "22"},
      {"name": "Скрепка", "quantity": "1", "price": "0.10", "vat_rate": "22"}])"));
  CHECK(doc.at("totals").at("vat") == "0.06");
  CHECK(doc.at("totals").at("net") == "0.24");
}

TEST_CASE("stated totals that agree with the items are accepted") {
  RegistryDb r;
  const auto doc = r.put(
      with(act(), "totals", R"({"net": "98360.66", "vat": "21639.34", "gross": "120000.00"})"));
  CHECK(doc.at("totals").at("gross") == "120000.00");
}

TEST_CASE("stated totals that disagree with the items are refused with totals_mismatch") {
  RegistryDb r;
  const auto e = r.error(
      "registry.put",
      with(act(), "totals", R"({"net": "98360.66", "vat": "21639.00", "gross": "120000.01"})"));
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "totals.vat", "totals_mismatch"));
  CHECK(has_error(e, "totals.gross", "totals_mismatch"));
  CHECK_FALSE(has_error(e, "totals.net", "totals_mismatch"));
  CHECK(r.find("{}").at("documents").as_array().empty());
}

TEST_CASE("a stated line amount that disagrees with the computed one is refused") {
  RegistryDb r;
  const auto e = r.error("registry.put", act_with_items(R"([{"name": "Работы", "quantity": "1",
      "price": "1000.00", "vat_rate": "22", "vat": "180.00"}])"));
  CHECK(has_error(e, "items[0].vat", "totals_mismatch"));
}

TEST_CASE("a document without items keeps its stated totals, which must add up") {
  RegistryDb r;
  const auto doc = r.put(contract());
  CHECK(doc.at("totals").at("gross") == "1464000.00");
  CHECK(doc.at("totals").at("vat") == "264000.00");
  CHECK(doc.at("totals").at("net") == "1200000.00");  // gross - vat
  const auto e = r.error(
      "registry.put",
      with(contract(), "totals", R"({"net": "1000.00", "vat": "220.00", "gross": "1200.00"})"));
  CHECK(has_error(e, "totals.gross", "totals_sum"));
}

TEST_CASE("clearing a document's items takes their totals; stated ones may come with it") {
  RegistryDb r;
  const auto doc = r.put(act());
  const auto id = doc.at("id").as_int64();
  REQUIRE(!doc.at("totals").is_null());
  // Was: refused naming totals.vat_by_rate, a member the caller never sent.
  const auto cleared = r.put(boost::json::object{{"id", id}, {"items", nullptr}});
  CHECK(cleared.at("items").as_array().empty());
  CHECK(cleared.at("totals").is_null());
  const auto stated = r.put(boost::json::object{
      {"id", id},
      {"totals", boost::json::object{{"net", "100.00"}, {"vat", "22.00"}, {"gross", "122.00"}}}});
  CHECK(stated.at("totals").at("gross") == "122.00");
  // New items bring their own totals again, the stated ones go.
  const auto again = r.put(boost::json::object{{"id", id}, {"items", doc.at("items")}});
  CHECK(again.at("totals") == doc.at("totals"));
}

TEST_CASE("line items on a kind without items are refused") {
  RegistryDb r;
  const auto e =
      r.error("registry.put",
              with(contract(), "items",
                   R"([{"name": "Работы", "quantity": "1", "price": "1.00", "vat_rate": "22"}])"));
  CHECK(has_error(e, "items", "no_items"));
}

TEST_CASE("an item needs a name, quantity, price and VAT rate") {
  RegistryDb r;
  const auto e = r.error("registry.put", act_with_items(R"([{"unit": "шт"}])"));
  CAPTURE(describe(e));
  CHECK(has_error(e, "items[0].name", "required"));
  CHECK(has_error(e, "items[0].quantity", "required"));
  CHECK(has_error(e, "items[0].price", "required"));
  CHECK(has_error(e, "items[0].vat_rate", "required"));
}

TEST_CASE("amounts follow the document currency's minor units") {
  RegistryDb r;
  auto doc = act_with_items(
      R"([{"name": "Услуги в Алматы", "quantity": "1", "price": "50000.00", "vat_rate": "12",
           "vat_mode": "on_top"}])");
  doc["currency"] = "KZT";
  const auto out = r.put(doc);
  CHECK(out.at("currency") == "KZT");
  CHECK(out.at("totals").at("vat") == "6000.00");
  CHECK(out.at("totals").at("gross") == "56000.00");
}

// --- counterparty and organisation requisites -------------------------------

TEST_CASE("a company counterparty needs a 10-digit INN and a KPP") {
  RegistryDb r;
  auto e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ООО «Ромашка»", "inn": "7707083893"})"));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "counterparty.kpp", "kpp_required"));
  e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ООО «Ромашка»", "inn": "500100732259", "kpp": "773601001"})"));
  CHECK(has_error(e, "counterparty.inn", "inn_format"));
  e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ООО «Ромашка»", "kpp": "773601001"})"));
  CHECK(has_error(e, "counterparty.inn", "required"));
  e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "77360100"})"));
  CHECK(has_error(e, "counterparty.kpp", "kpp_format"));
}

TEST_CASE("a company counterparty needs a name") {
  RegistryDb r;
  const auto e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "inn": "7707083893", "kpp": "773601001"})"));
  CHECK(has_error(e, "counterparty.name", "required"));
}

TEST_CASE("an INN with a wrong check digit is refused with inn_checksum") {
  RegistryDb r;
  auto e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ООО «Ромашка»", "inn": "7707083890", "kpp": "773601001"})"));
  CHECK(has_error(e, "counterparty.inn", "inn_checksum"));
  e = r.error("registry.put", with(act(), "organization", R"({"type": "sole_trader",
      "name": "ИП Петров", "inn": "500100732250"})"));
  CHECK(has_error(e, "organization.inn", "inn_checksum"));
}

TEST_CASE("a sole trader has a 12-digit INN and no KPP") {
  RegistryDb r;
  const auto doc = r.put(with(act(), "counterparty", kSoleTrader));
  CHECK(doc.at("counterparty") == obj(kSoleTrader));
  auto e = r.error("registry.put", with(act(), "counterparty", R"({"type": "sole_trader",
      "name": "ИП Петров", "inn": "500100732259", "kpp": "773601001"})"));
  CHECK(has_error(e, "counterparty.kpp", "kpp_forbidden"));
  e = r.error("registry.put", with(act(), "counterparty", R"({"type": "sole_trader",
      "name": "ИП Петров", "inn": "7707083893"})"));
  CHECK(has_error(e, "counterparty.inn", "inn_format"));
}

TEST_CASE("a counterparty's type follows its INN when not stated") {
  RegistryDb r;
  const auto doc = r.put(with(act(), "counterparty",
                              R"({"name": "ИП Петров Иван Сергеевич", "inn": "500100732259"})"));
  CHECK(doc.at("counterparty").at("type") == "sole_trader");
  const auto e = r.error("registry.put", with(act(), "counterparty", R"({"name": "Кто-то"})"));
  CHECK(has_error(e, "counterparty.type", "required"));
}

TEST_CASE("a person may have no INN and never a KPP") {
  RegistryDb r;
  const auto doc =
      r.put(with(act(), "counterparty", R"({"type": "person", "name": "Сидорова Анна"})"));
  CHECK(doc.at("counterparty") == obj(R"({"type": "person", "name": "Сидорова Анна"})"));
  const auto e = r.error("registry.put", with(act(), "counterparty", R"({"type": "person",
      "name": "Сидорова Анна", "inn": "500100732259", "kpp": "773601001"})"));
  CHECK(has_error(e, "counterparty.kpp", "kpp_forbidden"));
}

TEST_CASE("Kazakh parties use a BIN for a company and an IIN for a person") {
  RegistryDb r;
  auto doc = r.put(with(act(), "counterparty",
                        R"({"type": "company", "name": "ТОО «Алатау»", "bin": "940140000385"})"));
  CHECK(doc.at("counterparty").at("bin") == "940140000385");
  doc = r.put(with(act(), "counterparty",
                   R"({"type": "person", "name": "Нурланов Ерлан", "iin": "900101300017"})"));
  CHECK(doc.at("counterparty").at("iin") == "900101300017");
  auto e = r.error("registry.put", with(act(), "counterparty", R"({"type": "sole_trader",
      "name": "ИП Нурланов", "bin": "940140000385"})"));
  CHECK(has_error(e, "counterparty.bin", "tax_id_kind"));
  e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ТОО «Алатау»", "iin": "900101300017"})"));
  CHECK(has_error(e, "counterparty.iin", "tax_id_kind"));
  e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ТОО «Алатау»", "bin": "940140000386"})"));
  CHECK(has_error(e, "counterparty.bin", "bin_checksum"));
  e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ТОО «Алатау»", "bin": "940140000385", "kpp": "773601001"})"));
  CHECK(has_error(e, "counterparty.kpp", "kpp_forbidden"));
}

TEST_CASE("a party with both an INN and a BIN is refused") {
  RegistryDb r;
  const auto e = r.error("registry.put", with(act(), "counterparty", R"({"type": "company",
      "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001", "bin": "940140000385"})"));
  CHECK(has_error(e, "counterparty.inn", "one_tax_id"));
}

TEST_CASE("external refs are kept in order without duplicates and malformed ones are refused") {
  RegistryDb r;
  const auto doc = r.put(with(
      act(), "refs",
      R"(["bitrix24:deal:42", "1c:contract:00-000123", "bitrix24:deal:42", "edo:doc:Ab/12 x"])"));
  CHECK(doc.at("refs") ==
        json::parse(R"(["bitrix24:deal:42", "1c:contract:00-000123", "edo:doc:Ab/12 x"])"));
  const auto e = r.error("registry.put", with(act(), "refs",
                                              R"(["", "bitrix24", "bitrix24:deal", "bitrix24:deal:",
          ":deal:42", "bitrix24::42", "Bitrix24:deal:42", "bitrix24:Deal:42",
          "bitrix24:deal:4\n2", "битрикс:сделка:42"])"));
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(e.field_errors().size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(has_error(e, "refs[" + std::to_string(i) + "]", "ref"));
}

// --- statuses ---------------------------------------------------------------

TEST_CASE("an act moves draft to sent to signed") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  auto doc = r.call("registry.set_status", json::object{{"document", id}, {"status", "sent"}});
  CHECK(doc.at("status") == "sent");
  CHECK(doc.at("version") == 2);
  doc = r.call("registry.set_status", json::object{{"document", id}, {"status", "signed"}});
  CHECK(doc.at("status") == "signed");
  CHECK(r.get(id).at("status") == "signed");
}

TEST_CASE("a status change the kind does not allow is refused") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  r.call("registry.set_status", json::object{{"document", id}, {"status", "sent"}});
  auto e = r.error("registry.set_status", json::object{{"document", id}, {"status", "draft"}});
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "status", "transition"));
  // The same rule holds for a status changed through registry.put.
  e = r.error("registry.put", json::object{{"id", id}, {"status", "draft"}});
  CHECK(has_error(e, "status", "transition"));
  CHECK(r.get(id).at("status") == "sent");
}

TEST_CASE("a status the kind does not have is refused") {
  RegistryDb r;
  auto e = r.error("registry.put", with(act(), "status", R"("paid")"));
  CHECK(has_error(e, "status", "status"));
  const int64_t id = id_of(r.put(act()));
  e = r.error("registry.set_status", json::object{{"document", id}, {"status", "paid"}});
  CHECK(has_error(e, "status", "status"));
}

TEST_CASE("a document may be created in any status of its kind") {
  RegistryDb r;
  const auto doc = r.put(with(act(), "status", R"("signed")"));
  CHECK(doc.at("status") == "signed");
}

TEST_CASE("setting the status a document already has changes nothing") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto doc =
      r.call("registry.set_status", json::object{{"document", id}, {"status", "draft"}});
  CHECK(doc.at("version") == 1);
  CHECK(r.entries(id).size() == 1);
}

// --- updates ----------------------------------------------------------------

TEST_CASE("an update changes only the fields it gives") {
  RegistryDb r;
  const auto before = r.put(act());
  const int64_t id = id_of(before);
  r.set_clock("2026-11-24T10:30:00Z");
  const auto after = r.put(json::object{{"id", id}, {"notes", "Подписать до 30.11"}});
  CHECK(after.at("notes") == "Подписать до 30.11");
  CHECK(after.at("version") == 2);
  CHECK(after.at("updated_at") == "2026-11-24T10:30:00Z");
  CHECK(after.at("created_at") == "2026-11-23T09:00:00Z");
  for (const char* f : {"kind", "number", "date", "organization", "counterparty", "refs", "items",
                        "totals", "status", "is_final", "requires_countersign", "custom"}) {
    INFO(std::string(f));
    CHECK(after.at(f) == before.at(f));
  }
}

TEST_CASE("an update of other fields keeps the stated totals of an act without items") {
  RegistryDb r;
  auto doc = act();
  doc.erase("items");
  doc["totals"] = obj(R"({"gross": "120000.00", "vat": "21639.34"})");
  const auto before = r.put(doc);
  REQUIRE(before.at("totals").is_object());
  const auto after = r.put(json::object{{"id", id_of(before)}, {"notes", "Сканы у менеджера"}});
  CHECK(after.at("totals") == before.at("totals"));
}

TEST_CASE("an update with null clears a field") {
  RegistryDb r;
  const int64_t id = id_of(r.put(with(act(), "notes", R"("Черновик")")));
  const auto doc = r.put(json::object{{"id", id}, {"notes", nullptr}, {"refs", nullptr}});
  CHECK(doc.at("notes").is_null());
  CHECK(doc.at("refs") == json::array{});
  CHECK(r.find(R"({"ref": "bitrix24:deal:42"})").at("documents").as_array().empty());
}

TEST_CASE("an update of the items recomputes the totals") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto doc = r.put(json::object{
      {"id", id},
      {"items", json::parse(R"([{"name": "Внедрение", "quantity": "2", "price": "50000.00",
                                 "vat_rate": "22", "vat_mode": "on_top"}])")}});
  CHECK(doc.at("totals").at("net") == "100000.00");
  CHECK(doc.at("totals").at("vat") == "22000.00");
  CHECK(doc.at("totals").at("gross") == "122000.00");
}

TEST_CASE("an update with stated totals that disagree with the stored items is refused") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto e =
      r.error("registry.put", json::object{{"id", id}, {"totals", obj(R"({"gross": "1.00"})")}});
  CHECK(has_error(e, "totals.gross", "totals_mismatch"));
  CHECK(
      r.put(json::object{{"id", id}, {"totals", obj(R"({"gross": "120000.00"})")}}).at("version") ==
      1);
}

TEST_CASE("the kind of a document cannot be changed") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const auto e = r.error("registry.put", json::object{{"id", id}, {"kind", "upd"}});
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "kind", "immutable"));
  CHECK(r.get(id).at("kind") == "act");
  // Restating the same kind is fine.
  CHECK(r.put(json::object{{"id", id}, {"kind", "act"}}).at("version") == 1);
}

TEST_CASE("an update at a stale expected_version fails with OPORA_ECONFLICT") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  r.put(json::object{{"id", id}, {"notes", "первая правка"}, {"expected_version", 1}});
  const auto e = r.error("registry.put",
                         json::object{{"id", id}, {"notes", "вторая"}, {"expected_version", 1}});
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(static_cast<int>(e.code()) == -5);
  CHECK(has_error(e, "expected_version", "version"));
  CHECK(r.get(id).at("notes") == "первая правка");
  const auto s = r.error("registry.set_status",
                         json::object{{"id", id}, {"status", "sent"}, {"expected_version", 1}});
  CHECK(s.code() == ErrorCode::conflict);
  CHECK(r.call("registry.set_status",
               json::object{{"id", id}, {"status", "sent"}, {"expected_version", 2}})
            .at("version") == 3);
}

TEST_CASE("an update of a document that does not exist is not found") {
  RegistryDb r;
  const auto e = r.error("registry.put", R"({"id": 4242, "notes": "x"})");
  CHECK(e.code() == ErrorCode::not_found);
}

TEST_CASE("an update that changes nothing keeps the version and writes no journal") {
  RegistryDb r;
  const auto before = r.put(with(act(), "notes", R"("Без изменений")"));
  const int64_t id = id_of(before);
  const auto after = r.put(json::object{{"id", id}, {"notes", "Без изменений"}});
  CHECK(after.at("version") == 1);
  CHECK(r.entries(id).size() == 1);
}

// --- versions (supersedes) --------------------------------------------------

TEST_CASE("a new version supersedes the old one, which stays readable and is no longer final") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  auto v2doc = act();
  v2doc["supersedes"] = v1;
  v2doc["notes"] = "Исправлена сумма";
  const auto v2 = r.put(v2doc);
  CHECK(v2.at("supersedes") == v1);
  CHECK(v2.at("is_final") == true);
  const auto old = r.get(v1);
  CHECK(old.at("is_final") == false);
  CHECK(old.at("superseded_by") == v2.at("id"));
  CHECK(old.at("deleted") == false);
  CHECK(old.at("items") == v2.at("items"));  // its content is untouched
  CHECK(old.at("version") == 2);
  CHECK(ids_of(r.find(R"({"kind": "act", "is_final": true})")) == std::vector<int64_t>{id_of(v2)});
  CHECK(ids_of(r.find(R"({"kind": "act", "is_final": false})")) == std::vector<int64_t>{v1});
}

TEST_CASE("a replaced version cannot be made final again") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  const int64_t v2 = id_of(r.put(with(act(), "supersedes", std::to_string(v1))));
  const ErrorCode code = outcome([&] { r.put(json::object{{"id", v1}, {"is_final", true}}); });
  CHECK(code == ErrorCode::validation);
  CHECK(ids_of(r.find(R"({"kind": "act", "is_final": true})")) == std::vector<int64_t>{v2});
  // Other edits of the old version keep it not final.
  CHECK(r.put(json::object{{"id", v1}, {"notes", "архив"}}).at("is_final") == false);
}

TEST_CASE("a document cannot be superseded twice") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  r.put(with(act(), "supersedes", std::to_string(v1)));
  const auto e = r.error("registry.put", with(act(), "supersedes", std::to_string(v1)));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "supersedes", "already_superseded"));
}

TEST_CASE("a version of another kind cannot supersede a document") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  auto upd = act();
  upd["kind"] = "upd";
  upd["supersedes"] = v1;
  const auto e = r.error("registry.put", upd);
  CHECK(has_error(e, "supersedes", "kind_mismatch"));
  CHECK(r.get(v1).at("is_final") == true);
}

TEST_CASE("superseding a missing or deleted document is refused") {
  RegistryDb r;
  auto e = r.error("registry.put", with(act(), "supersedes", "777"));
  CHECK(has_error(e, "supersedes", "not_found"));
  const int64_t v1 = id_of(r.put(act()));
  r.call("registry.delete", json::object{{"document", v1}});
  e = r.error("registry.put", with(act(), "supersedes", std::to_string(v1)));
  CHECK(has_error(e, "supersedes", "deleted"));
}

TEST_CASE("the document a version supersedes cannot be changed by an update") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  const int64_t v2 = id_of(r.put(with(act(), "supersedes", std::to_string(v1))));
  const int64_t other = id_of(r.put(act()));
  const auto e = r.error("registry.put", json::object{{"id", v2}, {"supersedes", other}});
  CHECK(has_error(e, "supersedes", "immutable"));
}

TEST_CASE("a basis document must exist") {
  RegistryDb r;
  const int64_t contract_id = id_of(r.put(contract()));
  const auto doc = r.put(with(act(), "basis_id", std::to_string(contract_id)));
  CHECK(doc.at("basis_id") == contract_id);
  const auto e = r.error("registry.put", with(act(), "basis_id", "999"));
  CHECK(has_error(e, "basis_id", "not_found"));
}

// --- the journal ------------------------------------------------------------

TEST_CASE("the journal records the creation with time, actor and reason") {
  RegistryDb r;
  auto doc = act();
  doc["actor"] = "manager:ivanova";
  doc["reason"] = "сделка bitrix24:deal:42 закрыта";
  const int64_t id = id_of(r.put(doc));
  const auto entries = r.entries(id);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0] == json::parse(R"({"at": "2026-11-23T09:00:00Z", "actor": "manager:ivanova",
      "action": "created", "field": null, "old": null, "new": "АКТ-2026-000001",
      "reason": "сделка bitrix24:deal:42 закрыта", "origin_node": null, "origin_msg_no": null})"));
}

TEST_CASE("the journal records each changed field with its old and new value") {
  RegistryDb r;
  const int64_t id = id_of(r.put(with(act(), "notes", R"("старое примечание")")));
  r.set_clock("2026-11-24T12:00:00Z");
  r.put(json::object{{"id", id},
                     {"notes", "новое примечание"},
                     {"date", "2026-11-21"},
                     {"custom", json::parse(R"({"manager": "Иванова"})")},
                     {"actor", "1c:exchange"},
                     {"reason", "обмен с 1С"}});
  const auto entries = r.entries(id);
  REQUIRE(entries.size() == 4);
  const auto notes = entry(entries, "changed", "notes");
  CHECK(notes.at("old") == "старое примечание");
  CHECK(notes.at("new") == "новое примечание");
  CHECK(notes.at("actor") == "1c:exchange");
  CHECK(notes.at("reason") == "обмен с 1С");
  CHECK(notes.at("at") == "2026-11-24T12:00:00Z");
  const auto date = entry(entries, "changed", "date");
  CHECK(date.at("old") == "2026-11-20");
  CHECK(date.at("new") == "2026-11-21");
  const auto custom = entry(entries, "changed", "custom");  // non-strings as JSON text
  CHECK(json::parse(custom.at("old").as_string()) == json::object{});
  CHECK(json::parse(custom.at("new").as_string()) == obj(R"({"manager": "Иванова"})"));
}

TEST_CASE("the journal records a cleared field with a null new value") {
  RegistryDb r;
  const int64_t id = id_of(r.put(with(act(), "notes", R"("удалить")")));
  r.put(json::object{{"id", id}, {"notes", nullptr}});
  const auto e = entry(r.entries(id), "changed", "notes");
  CHECK(e.at("old") == "удалить");
  CHECK(e.at("new").is_null());
}

TEST_CASE("the journal records a status change as status_changed") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  r.call("registry.set_status",
         json::object{{"id", id}, {"status", "sent"}, {"actor", "edo"}, {"reason", "отправлен"}});
  const auto e = entry(r.entries(id), "status_changed", "status");
  CHECK(e.at("old") == "draft");
  CHECK(e.at("new") == "sent");
  CHECK(e.at("actor") == "edo");
  CHECK(e.at("reason") == "отправлен");
}

TEST_CASE("the journal of a superseded document records the version that replaced it") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  auto doc = with(act(), "supersedes", std::to_string(v1));
  doc["actor"] = "manager:ivanova";
  doc["reason"] = "исправлена цена";
  const int64_t v2 = id_of(r.put(doc));
  const auto e = entry(r.entries(v1), "superseded", "superseded_by");
  CHECK(text(e.at("new")) == std::to_string(v2));
  CHECK(e.at("actor") == "manager:ivanova");
  CHECK(e.at("reason") == "исправлена цена");
}

TEST_CASE("the journal records attached files and added links") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const int64_t contract_id = id_of(r.put(contract()));
  r.call("registry.file.attach", json::object{{"document", id},
                                              {"name", "act.pdf"},
                                              {"content_base64", "JVBERi0xLjcK"},
                                              {"actor", "manager:ivanova"},
                                              {"reason", "скан от клиента"}});
  r.call("registry.link",
         json::object{
             {"from", id}, {"to", contract_id}, {"type", "basis"}, {"actor", "manager:ivanova"}});
  const auto entries = r.entries(id);
  const auto file = entry(entries, "file_attached", "files");
  CHECK(file.at("new") == "act.pdf");
  CHECK(file.at("actor") == "manager:ivanova");
  CHECK(file.at("reason") == "скан от клиента");
  const auto link = entry(entries, "link_added", "basis");
  CHECK(text(link.at("new")) == std::to_string(contract_id));
  CHECK(link.at("actor") == "manager:ivanova");
}

TEST_CASE("the journal records deletion and restoration") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  r.call("registry.delete",
         json::object{{"document", id}, {"actor", "admin"}, {"reason", "дубль"}});
  r.set_clock("2026-11-25T08:00:00Z");
  r.call("registry.restore",
         json::object{{"document", id}, {"actor", "admin"}, {"reason", "ошибка"}});
  const auto entries = r.entries(id);
  REQUIRE(entries.size() == 3);
  CHECK(entries[1].at("action") == "deleted");
  CHECK(entries[1].at("reason") == "дубль");
  CHECK(entries[2].at("action") == "restored");
  CHECK(entries[2].at("reason") == "ошибка");
  CHECK(entries[2].at("at") == "2026-11-25T08:00:00Z");
}

TEST_CASE("registry.history of an unknown document is not found") {
  RegistryDb r;
  CHECK(r.error("registry.history", R"({"document": 5})").code() == ErrorCode::not_found);
}

// --- soft delete and restore ------------------------------------------------

TEST_CASE("a deleted document leaves find, search and get unless deleted ones are asked for") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  const int64_t kept = id_of(r.put(act()));
  const auto deleted = r.call("registry.delete", json::object{{"document", id}});
  CHECK(deleted.at("deleted") == true);
  CHECK(deleted.at("version") == 2);
  CHECK(ids_of(r.find(R"({"kind": "act"})")) == std::vector<int64_t>{kept});
  CHECK(ids_of(r.find(R"({"kind": "act", "include_deleted": true})")) ==
        std::vector<int64_t>{id, kept});
  CHECK(ids_of(r.search(R"({"query": "АКТ-2026-000001"})")).empty());
  CHECK(r.error("registry.get", json::object{{"document", id}}).code() == ErrorCode::not_found);
  CHECK(r.call("registry.get", json::object{{"document", id}, {"include_deleted", true}})
            .at("deleted") == true);
}

TEST_CASE("a restored document is back in find and search") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  r.call("registry.delete", json::object{{"document", id}});
  const auto doc = r.call("registry.restore", json::object{{"document", id}});
  CHECK(doc.at("deleted") == false);
  CHECK(ids_of(r.find(R"({"kind": "act"})")) == std::vector<int64_t>{id});
  CHECK(ids_of(r.search(R"({"query": "АКТ-2026-000001"})")) == std::vector<int64_t>{id});
}

TEST_CASE("a deleted document cannot be changed until it is restored") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  r.call("registry.delete", json::object{{"document", id}});
  auto e = r.error("registry.put", json::object{{"id", id}, {"notes", "правка"}});
  CHECK(e.code() == ErrorCode::state);
  e = r.error("registry.set_status", json::object{{"document", id}, {"status", "sent"}});
  CHECK(e.code() == ErrorCode::state);
  e = r.error("registry.delete", json::object{{"document", id}});
  CHECK(e.code() == ErrorCode::state);
  r.call("registry.restore", json::object{{"document", id}});
  CHECK(r.put(json::object{{"id", id}, {"notes", "правка"}}).at("notes") == "правка");
}

TEST_CASE("restoring a document that is not deleted is refused") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  CHECK(r.error("registry.restore", json::object{{"document", id}}).code() == ErrorCode::state);
  CHECK(r.error("registry.delete", R"({"document": 9999})").code() == ErrorCode::not_found);
}

// --- custom fields and other optional fields --------------------------------

TEST_CASE("custom fields, notes, basis, validity and countersign are stored as given") {
  RegistryDb r;
  auto doc = act();
  doc["custom"] = obj(R"({"manager": "Иванова", "deal_stage": 3, "urgent": true,
                          "nested": {"tags": ["a", "b"]}})");
  doc["notes"] = "Оригинал отправлен почтой";
  doc["basis_text"] = "Договор № ДГ-2026-0001 от 15.01.2026";
  doc["valid_from"] = "2026-11-20";
  doc["valid_to"] = "2026-12-20";
  doc["requires_countersign"] = false;
  const auto out = r.put(doc);
  for (const char* f :
       {"custom", "notes", "basis_text", "valid_from", "valid_to", "requires_countersign"}) {
    INFO(std::string(f));
    CHECK(out.at(f) == doc.at(f));
  }
}

TEST_CASE("a validity period that ends before it starts is refused") {
  RegistryDb r;
  const auto e = r.error("registry.put", with(contract(), "valid_to", R"("2026-01-14")"));
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "valid_to", "before_from"));
}

// --- bad input --------------------------------------------------------------

TEST_CASE("wrongly typed fields are refused as invalid, not crashes") {
  RegistryDb r;
  for (const char* patch :
       {R"({"kind": 5})", R"({"date": 20261120})", R"({"items": "много"})", R"({"items": [1, 2]})",
        R"({"counterparty": "ООО «Ромашка»"})", R"({"refs": "bitrix24:deal:42"})",
        R"({"refs": [42]})", R"({"custom": [1]})", R"({"is_final": "yes"})",
        R"({"supersedes": "1"})", R"({"basis_id": -3})", R"({"totals": [1]})",
        R"({"items": [{"name": "x", "quantity": true, "price": "1.5", "vat_rate": "22"}]})",
        R"({"counterparty": {"type": "company", "inn": 7707083893}})",
        R"({"counterparty": {"type": "corporation", "name": "X"}})",
        R"({"notes": {"text": "x"}})"}) {
    INFO(std::string(patch));
    auto doc = act();
    for (const auto& kv : obj(patch)) doc[kv.key()] = kv.value();
    const ErrorCode code = outcome([&] { r.put(doc); });
    CHECK(code == ErrorCode::invalid);
  }
  CHECK(r.find("{}").at("documents").as_array().empty());
}

TEST_CASE("huge strings are refused with a length error") {
  RegistryDb r;
  const std::string big(200000, 'x');
  for (const char* field : {"notes", "basis_text", "number"}) {
    INFO(std::string(field));
    auto doc = act();
    doc[field] = big;
    const auto e = r.error("registry.put", doc);
    CHECK(e.code() == ErrorCode::invalid);
    CHECK(has_error(e, field, "length"));
  }
  auto doc = act();
  doc["counterparty"].as_object()["name"] = big;
  CHECK(has_error(r.error("registry.put", doc), "counterparty.name", "length"));
  doc = act();
  doc["items"].at(0).as_object()["name"] = big;
  CHECK(has_error(r.error("registry.put", doc), "items[0].name", "length"));
  doc = act();
  doc["refs"] = json::array{"bitrix24:deal:" + std::string(1000, '4')};
  CHECK(has_error(r.error("registry.put", doc), "refs[0]", "ref"));
}

TEST_CASE("numbers and amounts beyond range are refused, not crashes") {
  RegistryDb r;
  const char* items[] = {
      R"([{"name": "x", "quantity": "99999999999999999999", "price": "1.00", "vat_rate": "22"}])",
      R"([{"name": "x", "quantity": "1", "price": "999999999999999999999.00", "vat_rate": "22"}])",
      R"([{"name": "x", "quantity": "999999", "price": "90000000000000.00", "vat_rate": "22"}])",
      R"([{"name": "x", "quantity": "1", "price": "90000000000000000.00", "vat_rate": "22",
           "vat_mode": "on_top"}])",
      R"([{"name": "x", "quantity": "1", "price": "90000000000000000.00", "vat_rate": "none"},
          {"name": "y", "quantity": "1", "price": "90000000000000000.00", "vat_rate": "none"}])",
  };
  // Out of range as written (a quantity or price no amount can hold) is a
  // malformed request; a line total that overflows is a business problem.
  const ErrorCode expected[] = {ErrorCode::invalid, ErrorCode::invalid, ErrorCode::validation,
                                ErrorCode::validation, ErrorCode::validation};
  for (size_t i = 0; i < std::size(items); ++i) {
    INFO(std::string(items[i]));
    const ErrorCode code = outcome([&] { r.put(act_with_items(items[i])); });
    CHECK(code == expected[i]);
  }
  CHECK(r.find("{}").at("documents").as_array().empty());
}

TEST_CASE("ids out of range are refused by every method that takes one, not crashes") {
  RegistryDb r;
  const int64_t id = id_of(r.put(act()));
  for (const char* method : {"registry.get", "registry.history", "registry.delete",
                             "registry.restore", "registry.links", "registry.files"}) {
    for (const char* bad : {R"({"id": 0})", R"({"id": -1})", R"({"id": "1"})",
                            R"({"id": 18446744073709551615})", R"({"id": 1.5})", "{}"}) {
      INFO(std::string(method));
      INFO(std::string(bad));
      const ErrorCode code = outcome([&] { r.call(method, bad); });
      CHECK((code == ErrorCode::invalid || code == ErrorCode::not_found));
    }
  }
  const ErrorCode huge = outcome([&] {
    r.put(json::object{{"id", json::value(static_cast<uint64_t>(18446744073709551615ULL))},
                       {"notes", "x"}});
  });
  CHECK((huge == ErrorCode::invalid || huge == ErrorCode::validation));
  CHECK(outcome([&] {
          r.put(json::object{{"id", id}, {"expected_version", "1"}, {"notes", "x"}});
        }) == ErrorCode::invalid);
  CHECK(r.get(id).at("version") == 1);
}

TEST_CASE("dates outside the calendar are refused") {
  RegistryDb r;
  for (const char* d : {"2026-13-01", "2026-11-31", "20.11.2026", "2026-11-20T10:00:00Z", "",
                        "1899-12-31", "3000-01-01"}) {
    INFO(std::string(d));
    auto doc = act();
    doc["date"] = d;
    const auto e = r.error("registry.put", doc);
    CHECK(e.code() == ErrorCode::invalid);
    CHECK(has_error(e, "date", "date"));
  }
}

TEST_CASE(
    "deleting the final version reinstates the one it replaced, and restoring replaces it again") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  auto next = act();
  next["supersedes"] = v1;
  const int64_t v2 = id_of(r.put(next));
  r.call("registry.delete", json::object{{"document", v2}, {"actor", "ivanova"}});
  auto first = r.get(v1);
  CHECK(first.at("is_final") == true);
  CHECK(first.at("superseded_by").is_null());
  const auto history = r.call("registry.history", json::object{{"document", v1}});
  CHECK(history.at("entries").as_array().back().at("action") == "reinstated");
  r.call("registry.restore", json::object{{"document", v2}});
  first = r.get(v1);
  CHECK(first.at("is_final") == false);
  CHECK(first.at("superseded_by") == v2);
}

TEST_CASE("a deleted version cannot come back once its predecessor was replaced again") {
  RegistryDb r;
  const int64_t v1 = id_of(r.put(act()));
  auto next = act();
  next["supersedes"] = v1;
  const int64_t v2 = id_of(r.put(next));
  r.call("registry.delete", json::object{{"document", v2}});
  const int64_t v3 = id_of(r.put(next));  // supersedes v1 again
  const auto e = r.error("registry.restore", json::object{{"document", v2}});
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "document", "chain_moved_on"));
  CHECK(r.get(v1).at("superseded_by") == v3);
}

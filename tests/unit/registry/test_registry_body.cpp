// The stored body written straight from the Document (registry/body_text.cpp)
// is byte for byte what serialising the JSON tree of to_json() gives, so
// documents written before and after it read, compare and export alike.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "core/error.hpp"
#include "registry/document.hpp"
#include "registry/kinds.hpp"
#include "registry/registry_fixture.hpp"
#include "registry/storage.hpp"

namespace json = boost::json;
using namespace opora::registry;
using opora::test::reg::obj;

namespace {

const Kind& builtin(const std::string& id) {
  for (const auto& k : builtin_kinds())
    if (k.id == id) return k;
  FAIL("no built-in kind " << id);
  return builtin_kinds().front();
}

Document parsed(const std::string& kind, const std::string& text) {
  opora::FieldErrors errors;
  Document d = parse_document(obj(text), builtin(kind), "", errors, nullptr);
  std::string problems;
  for (const auto& e : errors.list()) problems += e.field + ": " + e.rule + "; ";
  INFO(problems);
  REQUIRE(errors.empty());
  return d;
}

}  // namespace

TEST_CASE("the body written directly equals the serialised JSON of the document") {
  const std::vector<std::pair<std::string, std::string>> docs = {
      {"act", R"({"kind": "act", "date": "2026-11-20",
        "organization": {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"},
        "counterparty": {"type": "company", "name": "ООО \"Ромашка\" \\ филиал\tСевер\n", "inn": "7707083893", "kpp": "773601001"},
        "refs": ["bitrix24:deal:42", "1c:doc:x"],
        "items": [{"name": "Внедрение", "unit": "усл", "code": "A-1", "quantity": "1.5", "price": "120000.00", "vat_rate": "22"},
                  {"name": "Лицензия", "quantity": "3", "price": "100.10", "discount": "0.30", "vat_rate": "none"}],
        "basis_id": 7, "basis_text": "Договор № 1\r\nот 10.01.2026\b\f", "supersedes": 3,
        "requires_countersign": true,
        "custom": {"account": "7-001", "n": 5, "flag": false, "nested": {"a": [1, "б", null]}},
        "notes": "Оригинал передан курьером\u001f «СДЭК» /path"})"},
      {"contract", R"({"kind": "contract", "date": "2026-01-15",
        "counterparty": {"type": "person", "name": "Иванов Иван"},
        "valid_from": "2026-01-15", "valid_to": "2026-12-31",
        "totals": {"gross": "1464000.00", "vat": "264000.00"}})"},
      {"letter", R"({"kind": "letter", "date": "2026-11-21",
        "counterparty": {"type": "company", "name": "ТОО «Алтын»", "bin": "990740002243"},
        "notes": null})"},
      {"order", R"({"kind": "order", "date": "2026-11-21", "price_type": "Розничная",
        "items": [{"name": "Роутер", "product": "R-1", "variant": "белый", "quantity": "2", "price": "1000.00", "vat_rate": "10", "vat_mode": "on_top"}]})"},
  };
  for (const auto& [kind, text] : docs) {
    const Document d = parsed(kind, text);
    CAPTURE(kind);
    CHECK(body_text(d) == json::serialize(to_json(d, false)));
  }
}

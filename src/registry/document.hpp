// A registry document as opora holds it: typed values, computed totals, and
// the canonical JSON every host sees.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/decimal.hpp"
#include "core/error.hpp"
#include "core/field_reader.hpp"
#include "core/money.hpp"
#include "registry/kinds.hpp"

namespace opora::registry {

// Placeholder for amounts not yet computed; replaced before use.
inline Money zero_rub() {
  return Money::zero(*Currency::find("RUB"));
}

// Our organisation or the counterparty. `tax_key` names which identifier the
// party has: "inn" (RU), "bin" or "iin" (KZ), or "" for a person without one.
struct Party {
  std::string type;  // company, sole_trader, person
  std::string name;
  std::string tax_key;
  std::string tax_id;
  std::string kpp;
};

struct Item {
  std::string name, code, unit;
  std::string product, variant;  // an order's catalogue codes ("" when none)
  Decimal quantity;
  Money price = zero_rub(), discount = zero_rub();
  std::string vat_rate;  // "22", "10", "0", or "none" (без НДС)
  std::string vat_mode;  // included, on_top
  Money net = zero_rub(), vat = zero_rub(), gross = zero_rub();
};

struct VatLine {
  std::string rate;
  Money net = zero_rub(), vat = zero_rub();
};

struct Totals {
  Money net = zero_rub(), vat = zero_rub(), gross = zero_rub();
  std::vector<VatLine> by_rate;
};

struct Document {
  int64_t id = 0;
  std::string kind;
  std::string number;  // empty until numbered
  Date date{2000, 1, 1};
  std::optional<Party> organization, counterparty;
  std::vector<std::string> refs;  // "system:type:id"
  Currency currency = *Currency::find("RUB");
  std::string vat_mode = "included";
  std::vector<Item> items;
  std::optional<Totals> totals;
  std::optional<int64_t> basis_id;
  std::optional<std::string> basis_text;
  std::optional<Date> valid_from, valid_to;
  std::string status;
  bool is_final = true;
  std::optional<int64_t> supersedes, superseded_by;
  bool requires_countersign = false;
  boost::json::object custom;
  std::optional<std::string> notes;
  // An order's price type: the catalogue prices its items on `date` by it.
  std::optional<std::string> price_type;
  bool deleted = false;
  int64_t version = 0;
  std::string created_at, updated_at;

  // Where a number must be unique: the kind, and the organisation for kinds
  // numbered per organisation ("act", "po|7707083893"). Years do not
  // separate numbers: "АКТ-2027-000001" given by hand in 2026 still blocks
  // the automatic number of 2027.
  std::string number_key(const Kind& kind) const;
  // The sequence a new number is drawn from: the number key, plus the year
  // when the kind's pattern shows the year ("act|2026").
  std::string sequence_scope(const Kind& kind) const;
};

// An order item that names a catalogue product, as the registry asks the
// catalogue about it (ItemResolver).
struct ItemQuery {
  std::string product;
  std::optional<std::string> variant;
  std::optional<std::string> price_type;  // the document's
  std::string price_type_field;           // its path, for errors ("documents[2].price_type")
  Date date{2000, 1, 1};                  // the document's date
  Currency currency = *Currency::find("RUB");
  bool need_price = false;  // the item gives no price of its own
};

// What the catalogue says of such an item: it replaces the item's name,
// unit and VAT rate, and gives the price when the item has none.
struct CatalogItem {
  std::string name;
  std::string unit;                     // "шт" (from the product's OKEI code)
  std::optional<std::string> vat_rate;  // none: the item must give one
  std::optional<Money> price;           // with need_price
};

// Implemented outside the registry (the catalogue) and wired by the engine,
// so the registry depends on no other module: it asks while it parses, with
// the document's kind, date, price type and currency already known (also
// for a change merged with the stored document), and every problem lands in
// the same list as the document's own.
class ItemResolver {
 public:
  virtual ~ItemResolver() = default;
  // Adds problems under `path` ("items[2].product", ".variant", ".price") or
  // at query.price_type_field; nullopt when there was one.
  virtual std::optional<CatalogItem> resolve_item(const ItemQuery& query, const std::string& path,
                                                  FieldErrors& errors) = 0;
};

// The amounts of one line from its price, quantity, discount, rate and mode
// (net, VAT, gross), VAT rounded once per line, half up, through
// Money::mul_div: the one place VAT is computed, for the registry and every
// module that checks a document's amounts. `rate` is in percent; a "none"
// rate or zero gives no VAT.
void compute_line(Item& it, const Decimal& rate, const Currency& c);

// Completes the amounts of a document the library built itself, as
// parse_document computes them from the same JSON: each item's VAT rate in
// the form put_many stores ("22.00" is "22"), its net, VAT and gross
// (compute_line), and, when there are items, the totals with VAT per rate
// (rates in text order). Throws Error(internal) for a rate that is none of
// the forms put_many takes, a negative amount or a discount above its line
// (the library's own mistake, never a host's).
void compute_amounts(Document& d);

// Fields the host writes. Everything else in a document (id, version,
// superseded_by, deleted, created_at, updated_at, computed amounts) is
// opora's and is ignored on input.
const std::vector<const char*>& writable_fields();

// Builds a document from host JSON. Every problem is added to `errors` with
// its path under `path` ("documents[3].counterparty.kpp"); the returned
// document is meaningful only when no error was added. Items of an order
// that name a `product` are completed by `resolver`; without one they are
// read as they are (a stored order read back, its items already complete).
Document parse_document(const boost::json::object& in, const Kind& kind, const std::string& path,
                        FieldErrors& errors, ItemResolver* resolver = nullptr);

// With `with_columns` false, leaves out what the document table keeps in
// columns (id, number, status, is_final, superseded_by, deleted, version,
// created_at, updated_at): that is the stored body.
boost::json::object to_json(const Document& d, bool with_columns = true);
boost::json::object party_json(const Party& p);
// Reads a party with the rules above, adding every problem to the reader's
// errors; nullopt when there was one. Billing reads account holders with it.
std::optional<Party> parse_party(const FieldReader& r, bool is_organization);

// "system:type:id" with a lower-case system and type (bitrix24:deal:42).
bool is_valid_ref(std::string_view ref);

}  // namespace opora::registry

// What the catalogue's files share: the objects as typed values with their
// canonical JSON, the row lookups, the writes every path goes through (a
// method or the exchange's apply), and the change reports.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/field_reader.hpp"

namespace opora::store {
class Connection;
}
namespace opora::registry {
class Registry;
}
namespace opora {
class ObjectChangeListener;
}

namespace opora::catalog::detail {

struct Picture {
  std::string sha256, role, mime;
};

struct Variant {
  std::string uid, code, name;
  std::vector<Picture> pictures;
};

struct Product {
  std::string uid, code;
  std::optional<std::string> article;
  std::string name, unit = "796";
  std::optional<std::string> group, vat_rate, description;
  int64_t recommended = 0;
  std::vector<Picture> pictures;
  std::vector<Variant> variants;
};

struct PriceType {
  int64_t id = 0;
  std::string uid, code, name, currency = "RUB";
  bool removed = false;
};

struct Warehouse {
  int64_t id = 0;
  std::string uid, code, name;
  bool removed = false;
};

// A product, or one of its variants, as prices and stock name it.
struct ItemRef {
  int64_t product_id = 0, variant_id = 0;  // variant_id 0: the product itself
  std::string product_uid, product_code, variant_uid, variant_code;
  bool removed = false;
  // The uid the item's prices and stock derive theirs from.
  const std::string& uid() const { return variant_id != 0 ? variant_uid : product_uid; }
};

// --- canonical JSON and its rules (product_json.cpp) --------------------------
boost::json::object to_json(const Product& p);
boost::json::object to_json(const PriceType& t);
boost::json::object to_json(const Warehouse& w);
// Reads a product's canonical JSON with every rule, each problem under
// `path`; meaningful only when no problem was added.
Product parse_product(const boost::json::object& body, const std::string& path,
                      FieldErrors& errors);
// "22", "10", "0" (at most 2 places, 0..100) or "none", canonical ("22.00" is "22").
std::optional<std::string> canonical_vat_rate(std::string_view text);
// A UUID 8-4-4-4-12 in hex, lower-cased; nullopt when it is not one.
std::optional<std::string> canonical_uuid(std::string_view text);
// A code (product, variant, price type, warehouse): 1..100 characters, no control characters.
bool is_valid_code(std::string_view code);
// Case-folded (ASCII and Cyrillic, ё as е) for substring search.
std::string fold(std::string_view text);
// A short unit name for an OKEI code ("796" -> "шт"); the code itself when unknown.
std::string unit_name(std::string_view okei);
// Reads a uid member: required, a UUID; added to errors otherwise.
std::optional<std::string> read_uid(const FieldReader& r, const char* key = "uid");
// Reads a code member (required) with is_valid_code.
std::optional<std::string> read_code(const FieldReader& r, const char* key);

// The shared store of the Catalog facade.
struct Store {
  Store(store::Connection& c, registry::Registry& r, std::function<std::string()> ids,
        ObjectChangeListener* l)
      : conn(c), registry(r), new_uuid(std::move(ids)), listener(l) {}

  store::Connection& conn;
  registry::Registry& registry;
  std::function<std::string()> new_uuid;
  ObjectChangeListener* listener;

  void report(std::string_view type, std::string_view uid, const boost::json::object* body);
  std::string uuid();

  // --- products (products.cpp) ---
  struct ProductRow {
    int64_t id = 0;
    std::string uid, code, body;
    bool removed = false;
  };
  std::optional<ProductRow> product_by_code(std::string_view code);
  std::optional<ProductRow> product_by_uid(std::string_view uid);
  // Writes a validated product (upsert by uid, revives a removed one), its
  // variants and pictures; reports it. False when nothing changed. A code
  // or variant uid another product holds is added to `errors`.
  bool write_product(const Product& p, const std::string& path, FieldErrors& errors);
  // Marks a product removed; its prices and stock go, each reported.
  bool remove_product(const ProductRow& row);
  // The prices and stock of a product (variant_id < 0: all its rows) or a
  // variant, deleted and reported as removed.
  void drop_item_rows(int64_t product_id, int64_t variant_id);

  // A product or variant by codes; problems at `path` + ".product"/".variant".
  std::optional<ItemRef> item(std::string_view product, std::string_view variant,
                              const std::string& path, FieldErrors& errors);

  // --- price types and prices (prices.cpp) ---
  std::optional<PriceType> price_type_by_code(std::string_view code);
  std::optional<PriceType> price_type_by_uid(std::string_view uid);
  std::optional<PriceType> price_type_by_id(int64_t id);
  bool write_price_type(const PriceType& t, const std::string& path, FieldErrors& errors);
  // The price object's canonical JSON; nullopt when it has no rows.
  std::optional<boost::json::object> price_object(std::string_view uid);
  // (from, price) rows replacing (replace) or merged into a price object.
  bool write_prices(const PriceType& t, const ItemRef& item,
                    const std::vector<std::pair<std::string, std::string>>& rows, bool replace);
  // The price in force on `date` ("YYYY-MM-DD"): (from, price).
  std::optional<std::pair<std::string, std::string>> price_on(std::string_view uid,
                                                              std::string_view date);
  void drop_rows_where(const char* table, const char* column, int64_t id);

  // --- warehouses and stock (stock.cpp) ---
  std::optional<Warehouse> warehouse_by_code(std::string_view code);
  std::optional<Warehouse> warehouse_by_uid(std::string_view uid);
  std::optional<Warehouse> warehouse_by_id(int64_t id);
  bool write_warehouse(const Warehouse& w, const std::string& path, FieldErrors& errors);
  std::optional<boost::json::object> stock_object(std::string_view uid);
  bool write_stock(const Warehouse& w, const ItemRef& item, const std::string& quantity);

  // Codes of a product and variant by ids (objects' bodies name codes).
  std::pair<std::string, std::string> codes_of(int64_t product_id, int64_t variant_id);
};

}  // namespace opora::catalog::detail

// The product catalogue (номенклатура) of a field-sales showroom: products
// with their variants (характеристики) and pictures, price types and prices
// by date, warehouses and stock, and the rank that puts recommended products
// first in an agent's list.
//
// Two faces over one store: the methods (catalog.*), which take host JSON
// already checked against the method schemas and key everything by the
// host's codes; and the exchange's object API (object/objects/apply/remove),
// which speaks each object's canonical JSON keyed by its global uid. Both
// write through the same paths, so a change is validated alike and reported
// once to the ObjectChangeListener, inside the caller's transaction.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "registry/document.hpp"

namespace opora::store {
class Connection;
struct SchemaModule;
}  // namespace opora::store

namespace opora::registry {
class Registry;
}

namespace opora {
class ObjectChangeListener;
}

namespace opora::catalog {

const store::SchemaModule& schema();

namespace detail {
struct Store;
}

class Catalog : public registry::ItemResolver {
 public:
  // `new_uuid` draws a uid for what this node creates (the handle's id
  // source, so a seeded handle replays them); `registry` keeps the pictures'
  // bytes, once per SHA-256, with the documents' files.
  Catalog(store::Connection& conn, registry::Registry& registry,
          std::function<std::string()> new_uuid, ObjectChangeListener* listener = nullptr);
  ~Catalog() override;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Who hears of every change (the exchange); null: nobody.
  void set_listener(ObjectChangeListener* listener) noexcept;

  // --- methods (products.cpp) ----------------------------------------------
  // Creates a product or changes the members given (null clears); pictures
  // as content_base64 (stored once per SHA-256) or as a known sha256.
  boost::json::object put_product(const boost::json::object& params);
  // The product's canonical JSON plus "removed"; Error(not_found) naming
  // `product` when there is none.
  boost::json::object get_product(const std::string& code);
  // Products not removed: recommended first (rank 1 before 2), then the
  // others, each group by name; filtered by group (with its subgroups) and
  // text (name, article, code, case-insensitive); a keyset page.
  boost::json::object list_products(const boost::json::object& params);
  boost::json::object remove_product(const std::string& code);
  // A picture's bytes and type by its SHA-256.
  boost::json::object picture(const std::string& sha256);

  // --- prices.cpp ------------------------------------------------------------
  boost::json::object put_price_type(const boost::json::object& params);
  boost::json::object price_types();
  // Many rows {product, variant?, from, price} of one price type; all or none.
  boost::json::object set_prices(const boost::json::object& params);
  // The price in force on `date` (the row with the latest from <= date); a
  // variant without prices of its own has its product's.
  boost::json::object get_price(const boost::json::object& params, const Date& today);

  // --- stock.cpp -------------------------------------------------------------
  boost::json::object put_warehouse(const boost::json::object& params);
  boost::json::object warehouses();
  boost::json::object set_stock(const boost::json::object& params);
  boost::json::object get_stock(const boost::json::object& params);

  // --- the exchange's object API (objects.cpp) -------------------------------
  // Types: "product", "price_type", "warehouse", "price", "stock".
  // Canonical JSON of one object; nullopt when unknown or removed.
  std::optional<boost::json::object> object(std::string_view type, std::string_view uid);
  // Objects of a type by uid after `after` (exclusive; "" from the start), at
  // most `limit`: a snapshot's pages.
  std::vector<boost::json::object> objects(std::string_view type, std::string_view after,
                                           int64_t limit);
  // Upserts an object received from another node by its uid, validated as
  // the methods validate (Error(validation) naming each bad member); a
  // body equal to the stored one changes and reports nothing.
  void apply(std::string_view type, const boost::json::object& body);
  // Removes an object by uid (a product is marked removed and its prices and
  // stock go); an unknown uid changes nothing.
  void remove(std::string_view type, std::string_view uid);
  // SHA-256 of every picture the catalogue names (the exchange asks which
  // of them it still lacks).
  std::vector<std::string> picture_hashes();

  // --- registry::ItemResolver (resolver.cpp): order items from the catalogue
  std::optional<registry::CatalogItem> resolve_item(const registry::ItemQuery& query,
                                                    const std::string& path,
                                                    FieldErrors& errors) override;

 private:
  std::unique_ptr<detail::Store> s_;
};

}  // namespace opora::catalog

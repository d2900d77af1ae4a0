// catalog.*: products with variants and pictures, price types and prices by
// date, warehouses and stock — the showroom an agent's tablet browses and
// orders from.
#include <boost/json.hpp>

#include "catalog/catalog.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "engine/schema.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

std::string catalog_object(const std::string& properties, const char* required = "[]") {
  return std::string(R"~({"type": "object", "required": )~") + required + R"~(, "properties": {)~" +
         properties + "}}";
}

const std::string kProductKey =
    R"~("product": {"type": "string", "minLength": 1, "maxLength": 100, "description": "the product's code (host key)"})~";
const std::string kVariantKey =
    R"~("variant": {"type": "string", "minLength": 1, "maxLength": 100, "description": "a variant's code within the product (характеристика)"})~";
const std::string kPriceTypeKey =
    R"~("price_type": {"type": "string", "minLength": 1, "maxLength": 100, "description": "the price type's code"})~";
const std::string kWarehouseKey =
    R"~("warehouse": {"type": "string", "minLength": 1, "maxLength": 100, "description": "the warehouse's code"})~";
const std::string kUidParam =
    R"~("uid": {"type": "string", "description": "the global id (UUID) for a new one, e.g. 1C's GUID; default: a new UUID; must match an existing one's"})~";

const std::string kPictureInput =
    R"~({"type": "object", "required": ["role", "mime"], "properties": {
  "role": {"type": "string", "enum": ["thumb", "full"], "description": "thumb: small, for lists; full: for viewing"},
  "mime": {"type": "string", "minLength": 7, "maxLength": 100, "description": "image/jpeg, image/png, ..."},
  "content_base64": {"type": "string", "description": "the bytes; stored once per SHA-256"},
  "sha256": {"type": "string", "minLength": 64, "maxLength": 64, "description": "instead of content: a picture already stored"}}})~";

const std::string kPicture = R"~({"type": "object", "properties": {
  "sha256": {"type": "string", "description": "catalog.picture.get gives the bytes"},
  "role": {"type": "string", "enum": ["thumb", "full"]}, "mime": {"type": "string"}}})~";

const std::string kProduct = R"~({"type": "object", "properties": {
  "uid": {"type": "string", "description": "global id (UUID)"},
  "product": {"type": "string", "description": "code"},
  "article": {"type": "string"}, "name": {"type": "string"},
  "unit": {"type": "string", "description": "OKEI code (796 = шт)"},
  "group": {"type": "string", "description": "path, e.g. Гробы/Элит"},
  "vat_rate": {"type": "string", "format": "rate", "description": "percent or \"none\""},
  "description": {"type": "string"},
  "recommended": {"type": "integer", "description": "rank, 1 first; 0: not recommended"},
  "pictures": {"type": "array", "items": )~" +
                             kPicture + R"~(},
  "variants": {"type": "array", "items": {"type": "object", "properties": {
    "uid": {"type": "string"}, "variant": {"type": "string"}, "name": {"type": "string"},
    "pictures": {"type": "array", "items": )~" +
                             kPicture + R"~(}}}},
  "removed": {"type": "boolean", "description": "catalog.product.get and .put"},
  "changed": {"type": "boolean", "description": "catalog.product.put: false when it was already so"}}})~";

const std::string kPriceType = R"~({"type": "object", "properties": {
  "uid": {"type": "string"}, "price_type": {"type": "string"}, "name": {"type": "string"},
  "currency": {"type": "string"},
  "changed": {"type": "boolean", "description": "catalog.price_type.put only"}}})~";

const std::string kWarehouse = R"~({"type": "object", "properties": {
  "uid": {"type": "string"}, "warehouse": {"type": "string"}, "name": {"type": "string"},
  "changed": {"type": "boolean", "description": "catalog.warehouse.put only"}}})~";

const std::string kRowsWritten = R"~(
  "rows": {"type": "integer", "description": "rows given"},
  "changed": {"type": "integer", "description": "objects whose content changed"})~";

}  // namespace

void register_catalog_methods(MethodTable& t) {
  t.add("catalog.product.put",
        "Creates a product or changes the members given (null clears); pictures stored once "
        "per SHA-256; variants keep their uids by code.",
        catalog_object(kProductKey + "," + kUidParam + R"~(,
          "article": {"type": ["string", "null"], "maxLength": 100},
          "name": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "required for a new product"},
          "unit": {"type": ["string", "null"], "minLength": 3, "maxLength": 3, "description": "OKEI code, default 796 (шт)"},
          "group": {"type": ["string", "null"], "maxLength": 500, "description": "path of names: Гробы/Элит"},
          "vat_rate": {"type": ["string", "null"], "format": "vat_rate", "description": "\"22\", \"10\", \"0\" or \"none\"; orders take it"},
          "description": {"type": ["string", "null"], "maxLength": 100000},
          "recommended": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000000, "description": "rank: recommended products come first in lists, 1 before 2; 0 or null: not recommended"},
          "pictures": {"type": ["array", "null"], "maxItems": 100, "items": )~" +
                           kPictureInput + R"~(},
          "variants": {"type": ["array", "null"], "maxItems": 10000, "description": "the whole list: a variant left out goes, with its prices and stock", "items": {"type": "object", "required": ["variant", "name"], "properties": {)~" +
                           kVariantKey + "," + kUidParam + R"~(,
            "name": {"type": "string", "minLength": 1, "maxLength": 1000},
            "pictures": {"type": "array", "maxItems": 100, "items": )~" +
                           kPictureInput + "}}}}",
                       R"~(["product"])~"),
        kProduct, true,
        [](Database& db, const Params& p) { return db.catalog().put_product(p.object()); });

  t.add("catalog.product.get", "A product by its code, removed ones included (removed: true).",
        catalog_object(kProductKey, R"~(["product"])~"), kProduct, false,
        [](Database& db, const Params& p) { return db.catalog().get_product(p.str("product")); });

  t.add(
      "catalog.product.list",
      "Products not removed: recommended first (by rank), then by name; by group (with its "
      "subgroups) and text in name, article or code; a page at a time.",
      catalog_object(R"~(
          "group": {"type": "string", "minLength": 1, "description": "this group and its subgroups"},
          "query": {"type": "string", "minLength": 1, "maxLength": 200, "description": "text in the name, article or code, any case"},
          "after": {"type": "string", "description": "next_after of the previous page"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "default 100"})~"),
      R"~({"type": "object", "properties": {"products": {"type": "array", "items": )~" + kProduct +
          R"~(}, "next_after": {"type": ["string", "null"], "description": "pass as after for the next page; null at the end"}}})~",
      false, [](Database& db, const Params& p) { return db.catalog().list_products(p.object()); });

  t.add(
      "catalog.product.remove",
      "Removes a product: no longer listed or orderable, kept for the orders that name it; its "
      "prices and stock go.",
      catalog_object(kProductKey, R"~(["product"])~"),
      R"~({"type": "object", "properties": {"product": {"type": "string"}, "uid": {"type": "string"},
          "removed": {"type": "boolean"}, "changed": {"type": "boolean", "description": "false: it was removed already"}}})~",
      true,
      [](Database& db, const Params& p) { return db.catalog().remove_product(p.str("product")); });

  t.add(
      "catalog.picture.get", "A catalogue picture's bytes (content_base64) by its SHA-256.",
      catalog_object(
          R"~("sha256": {"type": "string", "minLength": 64, "maxLength": 64, "description": "as a product's pictures name it"})~",
          R"~(["sha256"])~"),
      R"~({"type": "object", "properties": {"sha256": {"type": "string"}, "mime": {"type": "string"},
            "size": {"type": "integer"}, "content_base64": {"type": "string"}}})~",
      false, [](Database& db, const Params& p) { return db.catalog().picture(p.str("sha256")); });

  t.add("catalog.price_type.put", "Creates a price type (вид цен) or renames one.",
        catalog_object(kPriceTypeKey + "," + kUidParam + R"~(,
          "name": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "required for a new one"},
          "currency": {"type": "string", "format": "currency", "description": "ISO 4217, default RUB; fixed once it has prices"})~",
                       R"~(["price_type"])~"),
        kPriceType, true,
        [](Database& db, const Params& p) { return db.catalog().put_price_type(p.object()); });

  t.add("catalog.price_type.list", "Every price type, by code.", catalog_object(""),
        R"~({"type": "object", "properties": {"price_types": {"type": "array", "items": )~" +
            kPriceType + "}}}",
        false, [](Database& db, const Params&) { return db.catalog().price_types(); });

  t.add("catalog.price.set",
        "Sets prices of one price type from dates, many rows at once: all or none, every "
        "problem listed.",
        catalog_object(kPriceTypeKey + R"~(,
          "rows": {"type": "array", "minItems": 1, "maxItems": 100000, "items": {"type": "object", "required": ["product", "from", "price"], "properties": {)~" +
                           kProductKey + "," + kVariantKey + R"~(,
            "from": {"type": "string", "format": "date", "description": "the price holds from this date until a later row's"},
            "price": {"type": "string", "format": "money", "description": "per unit, in the price type's currency"}}}})~",
                       R"~(["price_type", "rows"])~"),
        R"~({"type": "object", "properties": {"price_type": {"type": "string"},)~" + kRowsWritten +
            "}}",
        true, [](Database& db, const Params& p) { return db.catalog().set_prices(p.object()); });

  t.add(
      "catalog.price.get",
      "The price of a product or variant on a date (default today); a variant without prices "
      "of its own has its product's.",
      catalog_object(
          kPriceTypeKey + "," + kProductKey + "," + kVariantKey +
              R"~(, "date": {"type": "string", "format": "date", "description": "default: today"})~",
          R"~(["price_type", "product"])~"),
      R"~({"type": "object", "properties": {"price_type": {"type": "string"}, "product": {"type": "string"},
            "variant": {"type": ["string", "null"]}, "date": {"type": "string", "format": "date"},
            "currency": {"type": "string"},
            "price": {"type": ["string", "null"], "format": "money", "description": "null: no price on that date"},
            "from": {"type": ["string", "null"], "format": "date", "description": "the date the price holds from"}}})~",
      false, [](Database& db, const Params& p) {
        return db.catalog().get_price(p.object(), db.clock().today());
      });

  t.add(
      "catalog.warehouse.put", "Creates a warehouse or renames one.",
      catalog_object(
          kWarehouseKey + "," + kUidParam +
              R"~(, "name": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "required for a new one"})~",
          R"~(["warehouse"])~"),
      kWarehouse, true,
      [](Database& db, const Params& p) { return db.catalog().put_warehouse(p.object()); });

  t.add("catalog.warehouse.list", "Every warehouse, by code.", catalog_object(""),
        R"~({"type": "object", "properties": {"warehouses": {"type": "array", "items": )~" +
            kWarehouse + "}}}",
        false, [](Database& db, const Params&) { return db.catalog().warehouses(); });

  t.add("catalog.stock.set",
        "Sets the stock (остатки) of one warehouse, many rows at once: all or none, every "
        "problem listed.",
        catalog_object(kWarehouseKey + R"~(,
          "rows": {"type": "array", "minItems": 1, "maxItems": 100000, "items": {"type": "object", "required": ["product", "quantity"], "properties": {)~" +
                           kProductKey + "," + kVariantKey + R"~(,
            "quantity": {"type": "string", "format": "decimal", "description": "at most 3 places; negative where the books allow it"}}}})~",
                       R"~(["warehouse", "rows"])~"),
        R"~({"type": "object", "properties": {"warehouse": {"type": "string"},)~" + kRowsWritten +
            "}}",
        true, [](Database& db, const Params& p) { return db.catalog().set_stock(p.object()); });

  t.add(
      "catalog.stock.get",
      "Stock of a product (every variant, or one) in every warehouse or one, with the total.",
      catalog_object(kProductKey + "," + kVariantKey + "," + kWarehouseKey, R"~(["product"])~"),
      R"~({"type": "object", "properties": {"product": {"type": "string"}, "variant": {"type": ["string", "null"]},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
              "warehouse": {"type": "string"}, "variant": {"type": ["string", "null"]},
              "quantity": {"type": "string", "format": "decimal"}}}},
            "total": {"type": "string", "format": "decimal"}}})~",
      false, [](Database& db, const Params& p) { return db.catalog().get_stock(p.object()); });
}

}  // namespace opora::engine

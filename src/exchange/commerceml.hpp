// CommerceML 2 (1C's XML for catalogues, offers and orders, spoken by 1C:УНФ/УТ and 1C-Bitrix
// shops) as a pure adapter: opora's canonical JSON in, XML bytes out, and back. No I/O, no
// clock, no database: every date comes from the caller. The mapping of each member, what is
// supported and what is not, is docs/commerceml.md.
//
// Written files follow the CommerceML 2.08 schema (tests/reference/commerceml, checked with
// xmllint in the unit tests): UTF-8 without a byte-order mark, the schema's namespace, element
// order as the schema has it. Read files may be any 2.0x the samples show (2.03 to 2.10): the
// reader does not depend on element order or the namespace and takes UTF-8 or windows-1251.
//
// Conventions shared with 1C and Bitrix:
// - a variant (характеристика) is an offer whose Ид is "<product uid>#<variant uid>";
// - a picture is a path relative to the exchange directory, here
//   import_files/<sha256[0:2]>/<sha256>.<ext>, with its role in ЗначенияРеквизитов
//   "ОписаниеФайла" = "<path>#thumb" or "<path>#full" (1C's "path#description" form).
//
// Errors: bad input JSON throws Error(invalid) listing every problem (field paths such as
// "products[2].name"); malformed XML throws Error(invalid) naming line and column; XML that
// is well-formed but lacks what CommerceML requires throws Error(invalid) naming the element
// path ("Документ[2]/Дата").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace opora::exchange::cml {

inline constexpr const char* kSchemaVersion = "2.08";
inline constexpr const char* kNamespace = "urn:1C.ru:commerceml_2";

// Our organisation as the owner (Владелец) of a catalogue or offers package.
struct Organization {
  std::string name;
  std::string inn;  // "" when unknown
  std::string kpp;  // "" when unknown
};

// What every package carries in its header.
struct PackageHeader {
  std::string catalogue_id;  // Ид of Классификатор and Каталог, ИдКаталога of offers; <= 40 chars
  std::string catalogue_name = "Каталог товаров";
  std::optional<Organization> owner;  // absent: an owner with an empty name
  std::string generated_at;           // ДатаФормирования, "YYYY-MM-DDTHH:MM:SS"
  bool changes_only = false;          // СодержитТолькоИзменения
};

// import.xml: Классификатор (groups from the products' `group` paths) and Каталог (goods).
struct CatalogueExport {
  PackageHeader header;
  std::vector<boost::json::object> products;  // canonical product JSON (catalog-spec.md)
  std::vector<std::string> removed;  // uids of removed products: <Товар Статус="Удален">
};
std::string import_xml(const CatalogueExport& in);

// offers.xml: ПакетПредложений with price types, warehouses and one offer per sellable unit
// of each product given (each variant of a product that has variants, else the product), with
// the price of each price type in force on `on` (a variant without its own price takes the
// product's) and the stock per warehouse. An offer without any price on `on` is left out: the
// schema requires Цены. Количество is the sum of the offer's stock objects given (absent when
// none is given), so send all warehouses of an offer whose stock changed.
// References in prices and stock (price_type, warehouse, product, variant) may be uids or codes.
struct OffersExport {
  PackageHeader header;
  std::string on;                                // "YYYY-MM-DD"
  std::vector<boost::json::object> products;     // canonical product JSON
  std::vector<boost::json::object> price_types;  // {"uid","price_type","name","currency"}
  std::vector<boost::json::object> warehouses;   // {"uid","warehouse","name"}
  std::vector<boost::json::object>
      prices;  // {"uid","price_type","product","variant"?,"prices":[{"from","price"}]}
  std::vector<boost::json::object> stock;  // {"uid","warehouse","product","variant"?,"quantity"}
};
std::string offers_xml(const OffersExport& in);

// orders.xml: one Документ "Заказ товара" per registry order (registry.get's result shape).
// The Ид is the site's order id when the document has a ref "<ref_system>:order:<id>",
// else "opora-<id>". `status_ids` maps an opora status to the site's status id sent as
// "Статус заказа ИД"; a status not listed sends none.
struct OrdersExport {
  std::string generated_at;  // "YYYY-MM-DDTHH:MM:SS"
  std::string ref_system = "site";
  std::map<std::string, std::string> status_ids{{"new", "N"}, {"completed", "F"}};
  std::vector<boost::json::object> documents;
};
std::string orders_xml(const OrdersExport& in);

// Orders from a site (Bitrix sale export) or status answers from 1C: each Документ with
// ХозОперация "Заказ товара" as registry.put parameters for a new order:
//   {"kind":"order","number","date","refs":["<ref_system>:order:<Ид>"],"currency",
//    "vat_mode":"included","counterparty"?,"items":[{"name","code","unit","quantity","price",
//    "discount"?,"vat_rate","vat_mode"?}],"status"?: "cancelled","notes"?,
//    "custom":{"commerceml":{...}}}
// The ref makes a re-sent file idempotent (find by ref, then update). The requisites
// (ЗначенияРеквизитов) land in custom.commerceml, see docs/commerceml.md. Other documents are
// skipped.
boost::json::array parse_orders(std::string_view xml, std::string_view ref_system = "site");

// import.xml from a 1C centre:
//   {"catalogue_id","changes_only","owner"?:{"name","inn","kpp"},
//    "groups":[{"uid","name","path"}],"price_types":[...],"products":[canonical product],
//    "removed":[uid]}
// A good whose Ид is "p#v" becomes variant v of product p. A picture's "sha256" is known only
// when its file name is one; every picture also carries "path" (relative to the exchange
// directory) for the caller to read, hash and store, then drop.
boost::json::object parse_import(std::string_view xml);

// offers.xml (ПакетПредложений, or ИзмененияПакетаПредложений):
//   {"catalogue_id","changes_only","price_types":[...],"warehouses":[...],
//    "variants":[{"product", canonical variant members...}],"prices":[...],"stock":[...],
//    "quantities":[{"product","variant"?,"quantity"}]}
// Prices take effect from the package's ДействительноС, else from `from` ("YYYY-MM-DD").
// Stock is read from both forms: <Склад ИдСклада КоличествоНаСкладе> (2.08) and
// <Остатки><Остаток><Склад><Ид/><Количество/> (2.10); a bare Количество goes to quantities.
boost::json::object parse_offers(std::string_view xml, std::string_view from);

// The Ид of a group path ("Гробы/Элит"): a UUID-shaped digest of the path, stable across runs.
std::string group_id(std::string_view path);
// import_files/<sha256[0:2]>/<sha256>.<ext>, the extension from the mime type.
std::string picture_path(std::string_view sha256, std::string_view mime);

}  // namespace opora::exchange::cml

// Order items from the catalogue: the registry asks, while it parses an
// order, what an item that names a product is (registry::ItemResolver).
#include <boost/json.hpp>

#include "catalog/catalog.hpp"
#include "catalog/impl.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"

namespace opora::catalog {
namespace json = boost::json;

std::optional<registry::CatalogItem> Catalog::resolve_item(const registry::ItemQuery& q,
                                                           const std::string& path,
                                                           FieldErrors& errors) {
  detail::Store& s = *s_;
  const size_t before = errors.list().size();
  const auto item = s.item(q.product, q.variant.value_or(""), path, errors);
  if (!item) return std::nullopt;
  const auto row = s.product_by_code(q.product);
  const json::object body = parse_stored(row->body).as_object();
  registry::CatalogItem out;
  out.name = text_of(body, "name");
  if (item->variant_id != 0) {
    for (const auto& v : body.at("variants").as_array())
      if (text_of(v.as_object(), "variant") == item->variant_code)
        out.name += " (" + text_of(v.as_object(), "name") + ")";
  }
  out.unit = detail::unit_name(text_of(body, "unit"));
  if (const auto* rate = present(body, "vat_rate")) out.vat_rate = std::string(rate->as_string());
  if (!q.need_price) return out;

  if (!q.price_type) {
    errors.add(q.price_type_field, "required",
               "an order item without a price is priced from the catalogue by the order's "
               "price_type; give one (or the item's price)");
    return std::nullopt;
  }
  const auto type = s.price_type_by_code(*q.price_type);
  if (!type || type->removed) {
    errors.add(q.price_type_field, "unknown_price_type",
               "no price type \"" + *q.price_type + "\" in the catalogue");
    return std::nullopt;
  }
  if (type->currency != q.currency.code()) {
    errors.add(q.price_type_field, "currency_mismatch",
               "price type \"" + type->code + "\" is in " + type->currency + ", the order in " +
                   std::string(q.currency.code()));
    return std::nullopt;
  }
  const std::string date = q.date.to_string();
  auto found = s.price_on(type->uid + "/" + item->uid(), date);
  if (!found && item->variant_id != 0)
    found = s.price_on(type->uid + "/" + item->product_uid, date);
  if (!found) {
    errors.add(path + ".price", "no_price",
               "product \"" + q.product + "\" has no " + type->code + " price on " + date +
                   "; give the item's price");
    return std::nullopt;
  }
  out.price = Money::parse_field(found->second, q.currency, path + ".price");
  if (errors.list().size() != before) return std::nullopt;
  return out;
}

}  // namespace opora::catalog

// Price types (виды цен) and prices by date: one price object per (price
// type, product or variant), its rows the dates a price starts on.
#include <boost/json.hpp>
#include <map>

#include "catalog/catalog.hpp"
#include "catalog/impl.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"
#include "store/store.hpp"

namespace opora::catalog {
namespace json = boost::json;
using detail::ItemRef;
using detail::PriceType;
using detail::Store;

namespace detail {

namespace {
std::optional<PriceType> price_type_row(store::Statement& st) {
  if (!st.step()) return std::nullopt;
  PriceType t;
  t.id = st.int64(0);
  t.uid = st.text(1);
  t.code = st.text(2);
  t.name = st.text(3);
  t.currency = st.text(4);
  t.removed = st.int64(5) != 0;
  return t;
}
constexpr const char* kPriceTypeColumns =
    "SELECT id, uid, code, name, currency, removed FROM catalog_price_type WHERE ";
}  // namespace

std::optional<PriceType> Store::price_type_by_code(std::string_view code) {
  auto st = conn.cached(std::string(kPriceTypeColumns) + "code = ?1");
  st->bind(1, code);
  return price_type_row(*st);
}

std::optional<PriceType> Store::price_type_by_uid(std::string_view uid) {
  auto st = conn.cached(std::string(kPriceTypeColumns) + "uid = ?1");
  st->bind(1, uid);
  return price_type_row(*st);
}

std::optional<PriceType> Store::price_type_by_id(int64_t id) {
  auto st = conn.cached(std::string(kPriceTypeColumns) + "id = ?1");
  st->bind(1, id);
  return price_type_row(*st);
}

bool Store::write_price_type(const PriceType& t, const std::string& path, FieldErrors& errors) {
  const std::string at_code = path.empty() ? "price_type" : path + ".price_type";
  if (auto old = price_type_by_uid(t.uid); old && old->currency != t.currency) {
    auto st = conn.cached("SELECT 1 FROM catalog_price WHERE price_type_id = ?1 LIMIT 1");
    st->bind(1, old->id);
    if (st->step()) {
      errors.add(path.empty() ? "currency" : path + ".currency", "has_prices",
                 "price type \"" + old->code + "\" has prices in " + old->currency +
                     "; its currency cannot change");
      return false;
    }
  }
  try {
    auto st = conn.cached(
        "INSERT INTO catalog_price_type (uid, code, name, currency) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (uid) DO UPDATE SET code = excluded.code, name = excluded.name, "
        "currency = excluded.currency, removed = 0 WHERE code IS NOT excluded.code OR "
        "name IS NOT excluded.name OR currency IS NOT excluded.currency OR removed <> 0 "
        "RETURNING id");
    st->bind(1, t.uid).bind(2, t.code).bind(3, t.name).bind(4, t.currency);
    if (!st->step()) return false;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::conflict) throw;
    errors.add(at_code, "duplicate",
               "price type code \"" + t.code + "\" belongs to another price type (another uid)");
    return false;
  }
  const json::object body = to_json(t);
  report("price_type", t.uid, &body);
  return true;
}

std::optional<json::object> Store::price_object(std::string_view uid) {
  auto st = conn.cached(
      "SELECT valid_from, price, price_type_id, product_id, variant_id FROM catalog_price "
      "WHERE uid = ?1 ORDER BY valid_from");
  st->bind(1, uid);
  json::array prices;
  int64_t type_id = 0, product_id = 0, variant_id = 0;
  while (st->step()) {
    prices.push_back(json::object{{"from", st->text(0)}, {"price", st->text(1)}});
    type_id = st->int64(2);
    product_id = st->int64(3);
    variant_id = st->int64(4);
  }
  if (prices.empty()) return std::nullopt;
  const auto type = price_type_by_id(type_id);
  const auto [product, variant] = codes_of(product_id, variant_id);
  json::object o;
  o.reserve(5);
  o.emplace("uid", uid);
  o.emplace("price_type", type ? type->code : std::string());
  o.emplace("product", product);
  if (variant_id != 0) o.emplace("variant", variant);
  o.emplace("prices", std::move(prices));
  return o;
}

bool Store::write_prices(const PriceType& t, const ItemRef& item,
                         const std::vector<std::pair<std::string, std::string>>& rows,
                         bool replace) {
  const std::string uid = t.uid + "/" + item.uid();
  bool changed = false;
  if (replace) {
    std::vector<std::pair<std::string, std::string>> old;
    {
      auto st = conn.cached(
          "SELECT valid_from, price FROM catalog_price WHERE uid = ?1 ORDER BY valid_from");
      st->bind(1, uid);
      while (st->step()) old.emplace_back(st->text(0), st->text(1));
    }
    if (old == rows) return false;
    auto del = conn.cached("DELETE FROM catalog_price WHERE uid = ?1");
    del->bind(1, uid).run();
    changed = true;
  }
  for (const auto& [from, price] : rows) {
    auto st = conn.cached(
        "INSERT INTO catalog_price (uid, valid_from, price, price_type_id, product_id, "
        "variant_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (uid, valid_from) DO UPDATE "
        "SET price = excluded.price WHERE price IS NOT excluded.price");
    st->bind_static(1, uid).bind_static(2, from).bind_static(3, price).bind(4, t.id);
    st->bind(5, item.product_id).bind(6, item.variant_id).run();
    if (conn.changes() > 0) changed = true;
  }
  if (!changed) return false;
  if (listener == nullptr) return true;  // nobody to build the body for
  if (auto body = price_object(uid))
    report("price", uid, &*body);
  else
    report("price", uid, nullptr);
  return true;
}

std::optional<std::pair<std::string, std::string>> Store::price_on(std::string_view uid,
                                                                   std::string_view date) {
  auto st = conn.cached(
      "SELECT valid_from, price FROM catalog_price WHERE uid = ?1 AND valid_from <= ?2 "
      "ORDER BY valid_from DESC LIMIT 1");
  st->bind(1, uid).bind(2, date);
  if (!st->step()) return std::nullopt;
  return std::make_pair(st->text(0), st->text(1));
}

void Store::drop_rows_where(const char* table, const char* column, int64_t id) {
  const std::string where = std::string(" FROM ") + table + " WHERE " + column + " = ?1";
  std::vector<std::string> uids;
  {
    auto st = conn.cached("SELECT DISTINCT uid" + where);
    st->bind(1, id);
    while (st->step()) uids.push_back(st->text(0));
  }
  auto del = conn.cached("DELETE" + where);
  del->bind(1, id).run();
  const char* type = std::string_view(table) == "catalog_price" ? "price" : "stock";
  for (const auto& uid : uids) report(type, uid, nullptr);
}

}  // namespace detail

json::object Catalog::put_price_type(const json::object& p) {
  FieldErrors errors;
  PriceType t;
  t.code = std::string(p.at("price_type").as_string());
  const auto old = s_->price_type_by_code(t.code);
  if (old) t = *old;
  if (const auto* u = present(p, "uid")) {
    const auto uid = detail::canonical_uuid(u->as_string());
    if (!uid)
      errors.add("uid", "uuid", "expected a UUID (8-4-4-4-12 hex digits)");
    else if (old && *uid != old->uid)
      errors.add("uid", "immutable", "price type \"" + t.code + "\" has uid " + old->uid);
    else if (!old && s_->price_type_by_uid(*uid))
      errors.add("uid", "duplicate", "another price type has uid " + *uid);
    else
      t.uid = *uid;
  }
  if (const auto* n = present(p, "name")) t.name = std::string(n->as_string());
  if (t.name.empty()) errors.add("name", "required", "a new price type needs a name");
  if (const auto* c = present(p, "currency")) t.currency = std::string(c->as_string());
  if (!detail::is_valid_code(t.code))
    errors.add("price_type", "code", "must be text without control characters");
  errors.throw_if_any(ErrorCode::validation);
  if (t.uid.empty()) t.uid = s_->uuid();
  const bool changed = s_->write_price_type(t, "", errors);
  errors.throw_if_any(ErrorCode::validation);
  json::object out = detail::to_json(t);
  out["changed"] = changed;
  return out;
}

json::object Catalog::price_types() {
  json::array out;
  auto st = s_->conn.cached(
      "SELECT uid, code, name, currency FROM catalog_price_type WHERE removed = 0 ORDER BY code");
  while (st->step())
    out.push_back(json::object{{"uid", st->text(0)},
                               {"price_type", st->text(1)},
                               {"name", st->text(2)},
                               {"currency", st->text(3)}});
  return {{"price_types", std::move(out)}};
}

namespace {

PriceType known_price_type(Store& s, const std::string& code, ErrorCode code_if_unknown) {
  auto t = s.price_type_by_code(code);
  if (!t || t->removed)
    fail_field(code_if_unknown, "price_type", "unknown_price_type",
               "no price type \"" + code + "\"; define it with catalog.price_type.put");
  return *t;
}

}  // namespace

json::object Catalog::set_prices(const json::object& p) {
  const PriceType t =
      known_price_type(*s_, std::string(p.at("price_type").as_string()), ErrorCode::validation);
  const Currency currency = *Currency::find(t.currency);
  FieldErrors errors;
  const auto& rows = p.at("rows").as_array();
  struct Group {
    ItemRef item;
    std::map<std::string, std::string> prices;  // from -> price
  };
  std::map<std::string, Group> groups;   // item uid -> its rows
  std::map<std::string, ItemRef> known;  // product \0 variant -> item
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i].as_object();
    const std::string at = "rows[" + std::to_string(i) + "]";
    const std::string product = text_of(row, "product");
    const std::string variant = text_of(row, "variant");
    const std::string key = product + '\0' + variant;
    std::optional<ItemRef> item;
    if (auto it = known.find(key); it != known.end())
      item = it->second;
    else if ((item = s_->item(product, variant, at, errors)))
      known.emplace(key, *item);
    std::optional<Money> price;
    try {
      price = Money::parse_field(text_of(row, "price"), currency, at + ".price");
      if (price->is_negative()) {
        errors.add(at + ".price", "range", "must not be negative");
        price.reset();
      }
    } catch (const Error& e) {
      for (const auto& f : e.field_errors()) errors.add(f.field, f.rule, f.message);
    }
    if (!item || !price) continue;
    auto& g = groups[item->uid()];
    g.item = *item;
    if (!g.prices.emplace(text_of(row, "from"), price->to_string()).second)
      errors.add(at + ".from", "duplicate",
                 "another row gives this product's price from the same date");
  }
  errors.throw_if_any(ErrorCode::validation);
  int64_t changed = 0;
  for (const auto& [uid, g] : groups) {
    const std::vector<std::pair<std::string, std::string>> list(g.prices.begin(), g.prices.end());
    if (s_->write_prices(t, g.item, list, false)) ++changed;
  }
  return {
      {"price_type", t.code}, {"rows", static_cast<int64_t>(rows.size())}, {"changed", changed}};
}

json::object Catalog::get_price(const json::object& p, const Date& today) {
  const PriceType t =
      known_price_type(*s_, std::string(p.at("price_type").as_string()), ErrorCode::not_found);
  FieldErrors errors;
  const std::string variant = text_or(p, "variant", "");
  const auto item = s_->item(text_of(p, "product"), variant, "", errors);
  errors.throw_if_any(ErrorCode::not_found);
  const std::string date = text_or(p, "date", today.to_string());
  auto found = s_->price_on(t.uid + "/" + item->uid(), date);
  if (!found && item->variant_id != 0) found = s_->price_on(t.uid + "/" + item->product_uid, date);
  return {{"price_type", t.code},
          {"product", item->product_code},
          {"variant", variant.empty() ? json::value(nullptr) : json::value(variant)},
          {"date", date},
          {"currency", t.currency},
          {"price", found ? json::value(found->second) : json::value(nullptr)},
          {"from", found ? json::value(found->first) : json::value(nullptr)}};
}

}  // namespace opora::catalog

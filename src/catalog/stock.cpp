// Warehouses and stock (остатки): one stock object per (warehouse, product or
// variant), its quantity a decimal.
#include <boost/json.hpp>
#include <map>

#include "catalog/catalog.hpp"
#include "catalog/impl.hpp"
#include "core/decimal.hpp"
#include "core/json_text.hpp"
#include "store/store.hpp"

namespace opora::catalog {
namespace json = boost::json;
using detail::ItemRef;
using detail::Store;
using detail::Warehouse;

namespace detail {

namespace {
std::optional<Warehouse> warehouse_row(store::Statement& st) {
  if (!st.step()) return std::nullopt;
  Warehouse w;
  w.id = st.int64(0);
  w.uid = st.text(1);
  w.code = st.text(2);
  w.name = st.text(3);
  w.removed = st.int64(4) != 0;
  return w;
}
constexpr const char* kWarehouseColumns =
    "SELECT id, uid, code, name, removed FROM catalog_warehouse WHERE ";
}  // namespace

std::optional<Warehouse> Store::warehouse_by_code(std::string_view code) {
  auto st = conn.cached(std::string(kWarehouseColumns) + "code = ?1");
  st->bind(1, code);
  return warehouse_row(*st);
}

std::optional<Warehouse> Store::warehouse_by_uid(std::string_view uid) {
  auto st = conn.cached(std::string(kWarehouseColumns) + "uid = ?1");
  st->bind(1, uid);
  return warehouse_row(*st);
}

std::optional<Warehouse> Store::warehouse_by_id(int64_t id) {
  auto st = conn.cached(std::string(kWarehouseColumns) + "id = ?1");
  st->bind(1, id);
  return warehouse_row(*st);
}

bool Store::write_warehouse(const Warehouse& w, const std::string& path, FieldErrors& errors) {
  try {
    auto st = conn.cached(
        "INSERT INTO catalog_warehouse (uid, code, name) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (uid) DO UPDATE SET code = excluded.code, name = excluded.name, "
        "removed = 0 WHERE code IS NOT excluded.code OR name IS NOT excluded.name OR "
        "removed <> 0 RETURNING id");
    st->bind(1, w.uid).bind(2, w.code).bind(3, w.name);
    if (!st->step()) return false;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::conflict) throw;
    errors.add(path.empty() ? "warehouse" : path + ".warehouse", "duplicate",
               "warehouse code \"" + w.code + "\" belongs to another warehouse (another uid)");
    return false;
  }
  const json::object body = to_json(w);
  report("warehouse", w.uid, &body);
  return true;
}

std::optional<json::object> Store::stock_object(std::string_view uid) {
  auto st = conn.cached(
      "SELECT warehouse_id, product_id, variant_id, quantity FROM catalog_stock WHERE uid = ?1");
  st->bind(1, uid);
  if (!st->step()) return std::nullopt;
  const auto w = warehouse_by_id(st->int64(0));
  const int64_t variant_id = st->int64(2);
  const auto [product, variant] = codes_of(st->int64(1), variant_id);
  json::object o;
  o.reserve(5);
  o.emplace("uid", uid);
  o.emplace("warehouse", w ? w->code : std::string());
  o.emplace("product", product);
  if (variant_id != 0) o.emplace("variant", variant);
  o.emplace("quantity", st->text(3));
  return o;
}

bool Store::write_stock(const Warehouse& w, const ItemRef& item, const std::string& quantity) {
  const std::string uid = w.uid + "/" + item.uid();
  auto st = conn.cached(
      "INSERT INTO catalog_stock (uid, warehouse_id, product_id, variant_id, quantity) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (uid) DO UPDATE SET quantity = excluded.quantity "
      "WHERE quantity IS NOT excluded.quantity");
  st->bind_static(1, uid).bind(2, w.id).bind(3, item.product_id).bind(4, item.variant_id);
  st->bind_static(5, quantity).run();
  if (conn.changes() == 0) return false;
  if (listener == nullptr) return true;  // nobody to build the body for
  json::object body;
  body.reserve(5);
  body.emplace("uid", uid);
  body.emplace("warehouse", w.code);
  body.emplace("product", item.product_code);
  if (item.variant_id != 0) body.emplace("variant", item.variant_code);
  body.emplace("quantity", quantity);
  report("stock", uid, &body);
  return true;
}

}  // namespace detail

json::object Catalog::put_warehouse(const json::object& p) {
  FieldErrors errors;
  Warehouse w;
  w.code = std::string(p.at("warehouse").as_string());
  const auto old = s_->warehouse_by_code(w.code);
  if (old) w = *old;
  if (const auto* u = present(p, "uid")) {
    const auto uid = detail::canonical_uuid(u->as_string());
    if (!uid)
      errors.add("uid", "uuid", "expected a UUID (8-4-4-4-12 hex digits)");
    else if (old && *uid != old->uid)
      errors.add("uid", "immutable", "warehouse \"" + w.code + "\" has uid " + old->uid);
    else if (!old && s_->warehouse_by_uid(*uid))
      errors.add("uid", "duplicate", "another warehouse has uid " + *uid);
    else
      w.uid = *uid;
  }
  if (const auto* n = present(p, "name")) w.name = std::string(n->as_string());
  if (w.name.empty()) errors.add("name", "required", "a new warehouse needs a name");
  if (!detail::is_valid_code(w.code))
    errors.add("warehouse", "code", "must be text without control characters");
  errors.throw_if_any(ErrorCode::validation);
  if (w.uid.empty()) w.uid = s_->uuid();
  const bool changed = s_->write_warehouse(w, "", errors);
  errors.throw_if_any(ErrorCode::validation);
  json::object out = detail::to_json(w);
  out["changed"] = changed;
  return out;
}

json::object Catalog::warehouses() {
  json::array out;
  auto st = s_->conn.cached(
      "SELECT uid, code, name FROM catalog_warehouse WHERE removed = 0 ORDER BY code");
  while (st->step())
    out.push_back(
        json::object{{"uid", st->text(0)}, {"warehouse", st->text(1)}, {"name", st->text(2)}});
  return {{"warehouses", std::move(out)}};
}

namespace {

Warehouse known_warehouse(Store& s, const std::string& code, ErrorCode code_if_unknown) {
  auto w = s.warehouse_by_code(code);
  if (!w || w->removed)
    fail_field(code_if_unknown, "warehouse", "unknown_warehouse",
               "no warehouse \"" + code + "\"; define it with catalog.warehouse.put");
  return *w;
}

}  // namespace

json::object Catalog::set_stock(const json::object& p) {
  const Warehouse w =
      known_warehouse(*s_, std::string(p.at("warehouse").as_string()), ErrorCode::validation);
  FieldErrors errors;
  const auto& rows = p.at("rows").as_array();
  std::map<std::string, ItemRef> known;                               // product \0 variant -> item
  std::map<std::string, std::pair<ItemRef, std::string>> quantities;  // item uid -> quantity
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
    const auto quantity = Decimal::parse(text_of(row, "quantity"), 3);
    if (!quantity)
      errors.add(at + ".quantity", "quantity", "expected a decimal with at most 3 places");
    if (!item || !quantity) continue;
    if (!quantities.emplace(item->uid(), std::make_pair(*item, quantity->to_string())).second)
      errors.add(at + ".product", "duplicate", "another row gives this product's stock");
  }
  errors.throw_if_any(ErrorCode::validation);
  int64_t changed = 0;
  for (const auto& [uid, q] : quantities)
    if (s_->write_stock(w, q.first, q.second)) ++changed;
  return {{"warehouse", w.code}, {"rows", static_cast<int64_t>(rows.size())}, {"changed", changed}};
}

json::object Catalog::get_stock(const json::object& p) {
  FieldErrors errors;
  const std::string variant = text_or(p, "variant", "");
  const auto item = s_->item(text_of(p, "product"), variant, "", errors);
  errors.throw_if_any(ErrorCode::not_found);
  std::optional<Warehouse> only;
  if (const auto* w = present(p, "warehouse"))
    only = known_warehouse(*s_, std::string(w->as_string()), ErrorCode::not_found);
  auto st = s_->conn.cached(
      "SELECT w.code, s.variant_id, s.quantity FROM catalog_stock s "
      "JOIN catalog_warehouse w ON w.id = s.warehouse_id "
      "WHERE s.product_id = ?1 AND (?2 < 0 OR s.variant_id = ?2) AND (?3 = 0 OR w.id = ?3) "
      "ORDER BY w.code, s.variant_id");
  st->bind(1, item->product_id).bind(2, variant.empty() ? int64_t{-1} : item->variant_id);
  st->bind(3, only ? only->id : int64_t{0});
  json::array out;
  Decimal total;
  std::map<int64_t, std::string> variant_codes;
  while (st->step()) {
    const int64_t vid = st->int64(1);
    json::value vcode = nullptr;
    if (vid != 0) {
      auto it = variant_codes.find(vid);
      if (it == variant_codes.end())
        it = variant_codes.emplace(vid, s_->codes_of(item->product_id, vid).second).first;
      vcode = it->second;
    }
    const std::string q = st->text(2);
    total += Decimal::parse(q, 3).value_or(Decimal());
    out.push_back(json::object{{"warehouse", st->text(0)}, {"variant", vcode}, {"quantity", q}});
  }
  return {{"product", item->product_code},
          {"variant", variant.empty() ? json::value(nullptr) : json::value(variant)},
          {"rows", std::move(out)},
          {"total", total.to_string()}};
}

}  // namespace opora::catalog

// The exchange's face of the catalogue: objects by uid as canonical JSON,
// snapshot pages by uid, and apply/remove of what another node sent, through
// the same writes (and checks, and change reports) as the methods.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "catalog/catalog.hpp"
#include "catalog/impl.hpp"
#include "core/decimal.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"
#include "store/store.hpp"

namespace opora::catalog {
namespace json = boost::json;
using detail::ItemRef;
using detail::PriceType;
using detail::Store;
using detail::Warehouse;

namespace {

enum class ObjectType { product, price_type, warehouse, price, stock };

ObjectType object_type(std::string_view type) {
  if (type == "product") return ObjectType::product;
  if (type == "price_type") return ObjectType::price_type;
  if (type == "warehouse") return ObjectType::warehouse;
  if (type == "price") return ObjectType::price;
  if (type == "stock") return ObjectType::stock;
  fail_field(ErrorCode::invalid, "type", "enum",
             "\"" + std::string(type) +
                 "\" is not a catalogue object (product, price_type, warehouse, price, stock)");
}

void refuse_unknown_members(const FieldReader& r, std::initializer_list<std::string_view> known,
                            const char* what) {
  for (const auto& kv : r.object())
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      r.errors().add(r.at(kv.key()), "unknown_field", std::string("is not a member of ") + what);
}

// The uid of an object that belongs to others is "<owner uid>/<item uid>";
// what the body names must be that.
void check_derived_uid(const FieldReader& r, const std::string& expected) {
  const auto given = r.str("uid", true, 80);
  if (given && *given != expected)
    r.errors().add(r.at("uid"), "derived_uid",
                   "expected \"" + expected + "\" (owner uid / product or variant uid)");
}

void apply_price(Store& s, const json::object& body) {
  FieldErrors errors;
  const FieldReader r(body, "", errors);
  refuse_unknown_members(r, {"uid", "price_type", "product", "variant", "prices"}, "a price");
  std::optional<PriceType> type;
  if (auto code = detail::read_code(r, "price_type")) {
    type = s.price_type_by_code(*code);
    if (!type || type->removed) {
      errors.add("price_type", "unknown_price_type", "no price type \"" + *code + "\"");
      type.reset();
    }
  }
  const auto product = detail::read_code(r, "product");
  const auto variant = r.str("variant", false, 100);
  std::optional<ItemRef> item;
  if (product) item = s.item(*product, variant.value_or(""), "", errors);
  if (type && item) check_derived_uid(r, type->uid + "/" + item->uid());
  std::vector<std::pair<std::string, std::string>> rows;
  const Currency currency = type ? Currency::find(type->currency).value_or(*Currency::find("RUB"))
                                 : *Currency::find("RUB");
  std::set<std::string> dates;
  r.each_object("prices", [&](const FieldReader& pr, size_t) {
    refuse_unknown_members(pr, {"from", "price"}, "a price row");
    const auto from = pr.date("from", true);
    const auto price = pr.money("price", currency, true);
    if (price && price->is_negative()) errors.add(pr.at("price"), "range", "must not be negative");
    if (from && !dates.insert(from->to_string()).second)
      errors.add(pr.at("from"), "duplicate", "another row starts on the same date");
    if (from && price) rows.emplace_back(from->to_string(), price->to_string());
  });
  if (r.get("prices") == nullptr ||
      (r.get("prices")->is_array() && r.get("prices")->get_array().empty()))
    errors.add("prices", "required", "a price object has at least one row");
  errors.throw_if_any(ErrorCode::validation);
  std::sort(rows.begin(), rows.end());
  s.write_prices(*type, *item, rows, true);
}

void apply_stock(Store& s, const json::object& body) {
  FieldErrors errors;
  const FieldReader r(body, "", errors);
  refuse_unknown_members(r, {"uid", "warehouse", "product", "variant", "quantity"}, "stock");
  std::optional<Warehouse> w;
  if (auto code = detail::read_code(r, "warehouse")) {
    w = s.warehouse_by_code(*code);
    if (!w || w->removed) {
      errors.add("warehouse", "unknown_warehouse", "no warehouse \"" + *code + "\"");
      w.reset();
    }
  }
  const auto product = detail::read_code(r, "product");
  const auto variant = r.str("variant", false, 100);
  std::optional<ItemRef> item;
  if (product) item = s.item(*product, variant.value_or(""), "", errors);
  if (w && item) check_derived_uid(r, w->uid + "/" + item->uid());
  std::optional<Decimal> quantity;
  if (auto q = r.str("quantity", true, 40)) {
    quantity = Decimal::parse(*q, 3);
    if (!quantity) errors.add("quantity", "quantity", "expected a decimal with at most 3 places");
  }
  errors.throw_if_any(ErrorCode::validation);
  s.write_stock(*w, *item, quantity->to_string());
}

void apply_price_type(Store& s, const json::object& body) {
  FieldErrors errors;
  const FieldReader r(body, "", errors);
  refuse_unknown_members(r, {"uid", "price_type", "name", "currency"}, "a price type");
  PriceType t;
  if (auto u = detail::read_uid(r)) t.uid = *u;
  if (auto c = detail::read_code(r, "price_type")) t.code = *c;
  if (auto n = r.str("name", true, 1000)) t.name = *n;
  if (auto c = r.str("currency", false, 3)) {
    if (!Currency::find(*c))
      errors.add("currency", "currency", "unknown ISO 4217 code \"" + *c + "\"");
    t.currency = *c;
  }
  errors.throw_if_any(ErrorCode::validation);
  s.write_price_type(t, "", errors);
  errors.throw_if_any(ErrorCode::validation);
}

void apply_warehouse(Store& s, const json::object& body) {
  FieldErrors errors;
  const FieldReader r(body, "", errors);
  refuse_unknown_members(r, {"uid", "warehouse", "name"}, "a warehouse");
  Warehouse w;
  if (auto u = detail::read_uid(r)) w.uid = *u;
  if (auto c = detail::read_code(r, "warehouse")) w.code = *c;
  if (auto n = r.str("name", true, 1000)) w.name = *n;
  errors.throw_if_any(ErrorCode::validation);
  s.write_warehouse(w, "", errors);
  errors.throw_if_any(ErrorCode::validation);
}

}  // namespace

void Catalog::apply(std::string_view type, const json::object& body) {
  switch (object_type(type)) {
    case ObjectType::product: {
      FieldErrors errors;
      const detail::Product p = detail::parse_product(body, "", errors);
      errors.throw_if_any(ErrorCode::validation);
      s_->write_product(p, "", errors);
      errors.throw_if_any(ErrorCode::validation);
      return;
    }
    case ObjectType::price_type:
      return apply_price_type(*s_, body);
    case ObjectType::warehouse:
      return apply_warehouse(*s_, body);
    case ObjectType::price:
      return apply_price(*s_, body);
    case ObjectType::stock:
      return apply_stock(*s_, body);
  }
}

void Catalog::remove(std::string_view type, std::string_view uid) {
  Store& s = *s_;
  switch (object_type(type)) {
    case ObjectType::product:
      if (auto row = s.product_by_uid(uid)) s.remove_product(*row);
      return;
    case ObjectType::price_type:
    case ObjectType::warehouse: {
      const bool prices = object_type(type) == ObjectType::price_type;
      std::optional<int64_t> id;
      if (prices) {
        if (auto t = s.price_type_by_uid(uid); t && !t->removed) id = t->id;
      } else if (auto w = s.warehouse_by_uid(uid); w && !w->removed) {
        id = w->id;
      }
      if (!id) return;
      auto st = s.conn.cached(prices ? "UPDATE catalog_price_type SET removed = 1 WHERE id = ?1"
                                     : "UPDATE catalog_warehouse SET removed = 1 WHERE id = ?1");
      st->bind(1, *id).run();
      if (prices)
        s.drop_rows_where("catalog_price", "price_type_id", *id);
      else
        s.drop_rows_where("catalog_stock", "warehouse_id", *id);
      s.report(type, uid, nullptr);
      return;
    }
    case ObjectType::price:
    case ObjectType::stock: {
      auto st = s.conn.cached(object_type(type) == ObjectType::price
                                  ? "DELETE FROM catalog_price WHERE uid = ?1"
                                  : "DELETE FROM catalog_stock WHERE uid = ?1");
      st->bind(1, uid).run();
      if (s.conn.changes() > 0) s.report(type, uid, nullptr);
      return;
    }
  }
}

std::optional<json::object> Catalog::object(std::string_view type, std::string_view uid) {
  Store& s = *s_;
  switch (object_type(type)) {
    case ObjectType::product: {
      auto row = s.product_by_uid(uid);
      if (!row || row->removed) return std::nullopt;
      return parse_stored(row->body).as_object();
    }
    case ObjectType::price_type: {
      auto t = s.price_type_by_uid(uid);
      if (!t || t->removed) return std::nullopt;
      return detail::to_json(*t);
    }
    case ObjectType::warehouse: {
      auto w = s.warehouse_by_uid(uid);
      if (!w || w->removed) return std::nullopt;
      return detail::to_json(*w);
    }
    case ObjectType::price:
      return s.price_object(uid);
    case ObjectType::stock:
      return s.stock_object(uid);
  }
  return std::nullopt;
}

std::vector<json::object> Catalog::objects(std::string_view type, std::string_view after,
                                           int64_t limit) {
  Store& s = *s_;
  std::vector<json::object> out;
  if (limit <= 0) return out;
  // Codes by id, looked up once per page.
  std::map<int64_t, std::string> type_codes, warehouse_codes;
  std::map<std::pair<int64_t, int64_t>, std::pair<std::string, std::string>> item_codes;
  const auto codes = [&](int64_t product_id, int64_t variant_id) {
    auto it = item_codes.find({product_id, variant_id});
    if (it == item_codes.end())
      it = item_codes
               .emplace(std::make_pair(product_id, variant_id), s.codes_of(product_id, variant_id))
               .first;
    return it->second;
  };
  switch (object_type(type)) {
    case ObjectType::product: {
      // +removed: by the uid index, not by catalog_product_list (removed
      // first), which sorted every product for each page.
      auto st = s.conn.cached(
          "SELECT body FROM catalog_product WHERE uid > ?1 AND +removed = 0 ORDER BY uid LIMIT "
          "?2");
      st->bind(1, after).bind(2, limit);
      while (st->step()) out.push_back(parse_stored(st->text(0)).as_object());
      break;
    }
    case ObjectType::price_type: {
      auto st = s.conn.cached(
          "SELECT uid, code, name, currency FROM catalog_price_type WHERE uid > ?1 AND "
          "removed = 0 ORDER BY uid LIMIT ?2");
      st->bind(1, after).bind(2, limit);
      while (st->step()) {
        PriceType t;
        t.uid = st->text(0);
        t.code = st->text(1);
        t.name = st->text(2);
        t.currency = st->text(3);
        out.push_back(detail::to_json(t));
      }
      break;
    }
    case ObjectType::warehouse: {
      auto st = s.conn.cached(
          "SELECT uid, code, name FROM catalog_warehouse WHERE uid > ?1 AND removed = 0 "
          "ORDER BY uid LIMIT ?2");
      st->bind(1, after).bind(2, limit);
      while (st->step()) {
        Warehouse w;
        w.uid = st->text(0);
        w.code = st->text(1);
        w.name = st->text(2);
        out.push_back(detail::to_json(w));
      }
      break;
    }
    case ObjectType::price: {
      auto st = s.conn.cached(
          "SELECT uid, valid_from, price, price_type_id, product_id, variant_id FROM "
          "catalog_price WHERE uid > ?1 ORDER BY uid, valid_from");
      st->bind(1, after);
      std::string current;
      while (st->step()) {
        std::string uid = st->text(0);
        if (uid != current) {
          if (static_cast<int64_t>(out.size()) == limit) break;
          current = uid;
          const int64_t type_id = st->int64(3), variant_id = st->int64(5);
          auto tc = type_codes.find(type_id);
          if (tc == type_codes.end()) {
            const auto t = s.price_type_by_id(type_id);
            tc = type_codes.emplace(type_id, t ? t->code : std::string()).first;
          }
          const auto [product, variant] = codes(st->int64(4), variant_id);
          json::object o;
          o.reserve(5);
          o.emplace("uid", std::move(uid));
          o.emplace("price_type", tc->second);
          o.emplace("product", product);
          if (variant_id != 0) o.emplace("variant", variant);
          o.emplace("prices", json::array());
          out.push_back(std::move(o));
        }
        out.back()["prices"].as_array().push_back(
            json::object{{"from", st->text(1)}, {"price", st->text(2)}});
      }
      break;
    }
    case ObjectType::stock: {
      auto st = s.conn.cached(
          "SELECT uid, warehouse_id, product_id, variant_id, quantity FROM catalog_stock "
          "WHERE uid > ?1 ORDER BY uid LIMIT ?2");
      st->bind(1, after).bind(2, limit);
      while (st->step()) {
        const int64_t warehouse_id = st->int64(1), variant_id = st->int64(3);
        auto wc = warehouse_codes.find(warehouse_id);
        if (wc == warehouse_codes.end()) {
          const auto w = s.warehouse_by_id(warehouse_id);
          wc = warehouse_codes.emplace(warehouse_id, w ? w->code : std::string()).first;
        }
        const auto [product, variant] = codes(st->int64(2), variant_id);
        json::object o;
        o.reserve(5);
        o.emplace("uid", st->text(0));
        o.emplace("warehouse", wc->second);
        o.emplace("product", product);
        if (variant_id != 0) o.emplace("variant", variant);
        o.emplace("quantity", st->text(4));
        out.push_back(std::move(o));
      }
      break;
    }
  }
  return out;
}

}  // namespace opora::catalog

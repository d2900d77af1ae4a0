// Products, their variants and pictures: the stored rows, the write every
// path shares, and the catalog.product.* and catalog.picture.get methods.
#include <boost/json.hpp>
#include <map>
#include <set>

#include "catalog/catalog.hpp"
#include "catalog/impl.hpp"
#include "core/base64.hpp"
#include "core/json_text.hpp"
#include "core/object_changes.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::catalog {
namespace json = boost::json;
using detail::Product;
using detail::Store;

namespace {

// A picture sent to catalog.product.put, at most this large.
constexpr size_t kMaxPictureBytes = 16 * 1024 * 1024;
constexpr int64_t kNotRecommended = INT64_MAX;

std::string field_at(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// put's pictures [{role, mime, content_base64 | sha256}] as canonical ones:
// new bytes stored once per SHA-256 through the registry.
json::array canonical_pictures(Store& s, const json::array& given, const std::string& path,
                               FieldErrors& errors) {
  json::array out;
  for (size_t i = 0; i < given.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    const json::object& g = given[i].as_object();
    const auto* content = present(g, "content_base64");
    const auto* sha = present(g, "sha256");
    json::object pic;
    if ((content == nullptr) == (sha == nullptr)) {
      errors.add(at + ".content_base64", "content_or_sha256",
                 "give exactly one of content_base64 (the bytes) or sha256 (a stored picture)");
      continue;
    }
    if (content != nullptr) {
      const auto& text = content->as_string();
      if (text.size() / 4 * 3 > kMaxPictureBytes + 2) {
        errors.add(at + ".content_base64", "file_too_large",
                   "a picture is at most " + std::to_string(kMaxPictureBytes) + " bytes");
        continue;
      }
      try {
        pic["sha256"] = s.registry.store_blob(base64_decode_field(text, at + ".content_base64"));
      } catch (const Error& e) {
        for (const auto& f : e.field_errors()) errors.add(f.field, f.rule, f.message);
        continue;
      }
    } else {
      const std::string hash(sha->as_string());
      if (!s.registry.has_blob(hash)) {
        errors.add(at + ".sha256", "unknown_picture",
                   "no stored picture has this SHA-256; send its content_base64");
        continue;
      }
      pic["sha256"] = hash;
    }
    pic["role"] = g.at("role");
    pic["mime"] = g.at("mime");
    out.push_back(std::move(pic));
  }
  return out;
}

}  // namespace

namespace detail {

std::string Store::uuid() {
  if (!new_uuid) throw Error(ErrorCode::internal, "catalog: no id source");
  return new_uuid();
}

void Store::report(std::string_view type, std::string_view uid, const json::object* body) {
  if (listener != nullptr) listener->object_changed({type, uid, body});
}

namespace {
std::optional<Store::ProductRow> product_row(store::Statement& st) {
  if (!st.step()) return std::nullopt;
  return Store::ProductRow{st.int64(0), st.text(1), st.text(2), st.text(3), st.int64(4) != 0};
}
}  // namespace

std::optional<Store::ProductRow> Store::product_by_code(std::string_view code) {
  auto st = conn.cached("SELECT id, uid, code, body, removed FROM catalog_product WHERE code = ?1");
  st->bind(1, code);
  return product_row(*st);
}

std::optional<Store::ProductRow> Store::product_by_uid(std::string_view uid) {
  auto st = conn.cached("SELECT id, uid, code, body, removed FROM catalog_product WHERE uid = ?1");
  st->bind(1, uid);
  return product_row(*st);
}

bool Store::write_product(const Product& p, const std::string& path, FieldErrors& errors) {
  const json::object body = to_json(p);
  const std::string text = json::serialize(body);
  std::string search = p.name + "\n" + p.code;
  if (p.article) search += "\n" + *p.article;
  int64_t id = 0, version = 0;
  try {
    // One statement decides: a new uid inserts (version 1), a changed body
    // or a removed product updates (version > 1), an equal one returns no row.
    auto st = conn.cached(
        "INSERT INTO catalog_product (uid, code, name, grp, list_rank, search, body) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (uid) DO UPDATE SET "
        "code = excluded.code, name = excluded.name, grp = excluded.grp, "
        "list_rank = excluded.list_rank, search = excluded.search, body = excluded.body, "
        "removed = 0, version = version + 1 "
        "WHERE body IS NOT excluded.body OR removed <> 0 RETURNING id, version");
    st->bind_static(1, p.uid).bind_static(2, p.code).bind_static(3, p.name);
    if (p.group)
      st->bind_static(4, *p.group);
    else
      st->bind_null(4);
    st->bind(5, p.recommended > 0 ? p.recommended : kNotRecommended);
    st->bind(6, fold(search)).bind_static(7, text);
    if (!st->step()) return false;
    id = st->int64(0);
    version = st->int64(1);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::conflict) throw;
    errors.add(field_at(path, "product"), "duplicate",
               "product code \"" + p.code + "\" belongs to another product (another uid)");
    return false;
  }

  // Variants: uids and codes as rows, so prices and stock find them.
  std::map<std::string, std::pair<int64_t, std::string>> old;  // uid -> (id, code)
  if (version > 1) {
    auto st = conn.cached("SELECT uid, id, code FROM catalog_variant WHERE product_id = ?1");
    st->bind(1, id);
    while (st->step()) old.emplace(st->text(0), std::make_pair(st->int64(1), st->text(2)));
    std::set<std::string> keep;
    for (const auto& v : p.variants) keep.insert(v.uid);
    for (auto it = old.begin(); it != old.end();) {
      if (keep.count(it->first) != 0) {
        ++it;
        continue;
      }
      drop_item_rows(id, it->second.first);
      auto del = conn.cached("DELETE FROM catalog_variant WHERE id = ?1");
      del->bind(1, it->second.first).run();
      it = old.erase(it);
    }
    // Codes may move between variants: park the changed ones first.
    for (const auto& v : p.variants) {
      auto it = old.find(v.uid);
      if (it == old.end() || it->second.second == v.code) continue;
      auto up = conn.cached("UPDATE catalog_variant SET code = char(1) || uid WHERE id = ?1");
      up->bind(1, it->second.first).run();
    }
  }
  for (size_t i = 0; i < p.variants.size(); ++i) {
    const auto& v = p.variants[i];
    auto it = old.find(v.uid);
    if (it != old.end()) {
      if (it->second.second == v.code) continue;
      auto up = conn.cached("UPDATE catalog_variant SET code = ?2 WHERE id = ?1");
      up->bind(1, it->second.first).bind_static(2, v.code).run();
      continue;
    }
    try {
      auto ins =
          conn.cached("INSERT INTO catalog_variant (uid, product_id, code) VALUES (?1, ?2, ?3)");
      ins->bind_static(1, v.uid).bind(2, id).bind_static(3, v.code).run();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::conflict) throw;
      errors.add(field_at(path, "variants[" + std::to_string(i) + "].uid"), "duplicate",
                 "variant uid " + v.uid + " belongs to another product's variant");
      return false;
    }
  }
  const auto note = [&](const std::vector<detail::Picture>& pictures) {
    for (const auto& pic : pictures) {
      auto st = conn.cached(
          "INSERT INTO catalog_picture (sha256, mime) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
      st->bind_static(1, pic.sha256).bind_static(2, pic.mime).run();
    }
  };
  note(p.pictures);
  for (const auto& v : p.variants) note(v.pictures);
  report("product", p.uid, &body);
  return true;
}

bool Store::remove_product(const ProductRow& row) {
  auto st = conn.cached(
      "UPDATE catalog_product SET removed = 1, version = version + 1 WHERE id = ?1 AND "
      "removed = 0");
  st->bind(1, row.id).run();
  if (conn.changes() == 0) return false;
  drop_item_rows(row.id, -1);
  report("product", row.uid, nullptr);
  return true;
}

void Store::drop_item_rows(int64_t product_id, int64_t variant_id) {
  for (const auto& [table, type] :
       {std::make_pair("catalog_price", "price"), std::make_pair("catalog_stock", "stock")}) {
    const std::string where =
        std::string(" FROM ") + table + " WHERE product_id = ?1 AND (?2 < 0 OR variant_id = ?2)";
    std::vector<std::string> uids;
    {
      auto st = conn.cached("SELECT DISTINCT uid" + where);
      st->bind(1, product_id).bind(2, variant_id);
      while (st->step()) uids.push_back(st->text(0));
    }
    if (uids.empty()) continue;
    auto del = conn.cached("DELETE" + where);
    del->bind(1, product_id).bind(2, variant_id).run();
    for (const auto& uid : uids) report(type, uid, nullptr);
  }
}

std::optional<ItemRef> Store::item(std::string_view product, std::string_view variant,
                                   const std::string& path, FieldErrors& errors) {
  ItemRef ref;
  {
    auto st = conn.cached("SELECT id, uid, removed FROM catalog_product WHERE code = ?1");
    st->bind(1, product);
    if (!st->step()) {
      errors.add(field_at(path, "product"), "unknown_product",
                 "no product with code \"" + std::string(product) + "\" in the catalogue");
      return std::nullopt;
    }
    ref.product_id = st->int64(0);
    ref.product_uid = st->text(1);
    ref.removed = st->int64(2) != 0;
  }
  ref.product_code = std::string(product);
  if (ref.removed) {
    errors.add(field_at(path, "product"), "removed",
               "product \"" + std::string(product) + "\" was removed from the catalogue");
    return std::nullopt;
  }
  if (variant.empty()) return ref;
  auto st = conn.cached("SELECT id, uid FROM catalog_variant WHERE product_id = ?1 AND code = ?2");
  st->bind(1, ref.product_id).bind(2, variant);
  if (!st->step()) {
    errors.add(
        field_at(path, "variant"), "unknown_variant",
        "product \"" + std::string(product) + "\" has no variant \"" + std::string(variant) + "\"");
    return std::nullopt;
  }
  ref.variant_id = st->int64(0);
  ref.variant_uid = st->text(1);
  ref.variant_code = std::string(variant);
  return ref;
}

std::pair<std::string, std::string> Store::codes_of(int64_t product_id, int64_t variant_id) {
  std::pair<std::string, std::string> out;
  {
    auto st = conn.cached("SELECT code FROM catalog_product WHERE id = ?1");
    st->bind(1, product_id);
    if (st->step()) out.first = st->text(0);
  }
  if (variant_id != 0) {
    auto st = conn.cached("SELECT code FROM catalog_variant WHERE id = ?1");
    st->bind(1, variant_id);
    if (st->step()) out.second = st->text(0);
  }
  return out;
}

}  // namespace detail

Catalog::Catalog(store::Connection& conn, registry::Registry& registry,
                 std::function<std::string()> new_uuid, ObjectChangeListener* listener)
    : s_(std::make_unique<Store>(conn, registry, std::move(new_uuid), listener)) {}

Catalog::~Catalog() = default;

void Catalog::set_listener(ObjectChangeListener* listener) noexcept {
  s_->listener = listener;
}

json::object Catalog::put_product(const json::object& p) {
  FieldErrors errors;
  const std::string code(p.at("product").as_string());
  const auto row = s_->product_by_code(code);
  json::object body;
  if (row) body = parse_stored(row->body).as_object();
  if (const auto* u = present(p, "uid")) {
    const auto uid = detail::canonical_uuid(u->as_string());
    if (!uid)
      errors.add("uid", "uuid", "expected a UUID (8-4-4-4-12 hex digits)");
    else if (row && *uid != row->uid)
      errors.add("uid", "immutable", "product \"" + code + "\" has uid " + row->uid);
    else if (!row && s_->product_by_uid(*uid))
      errors.add("uid", "duplicate", "another product has uid " + *uid);
    else
      body["uid"] = *uid;
  }
  if (!body.contains("uid")) body["uid"] = s_->uuid();
  body["product"] = code;
  for (const char* key : {"article", "name", "unit", "group", "vat_rate", "description"}) {
    const auto* v = p.if_contains(key);
    if (v == nullptr) continue;
    if (v->is_null())
      body.erase(key);
    else
      body[key] = *v;
  }
  if (const auto* v = p.if_contains("recommended"))
    body["recommended"] = v->is_null() ? 0 : v->as_int64();
  if (const auto* v = p.if_contains("pictures"))
    body["pictures"] =
        v->is_null() ? json::array() : canonical_pictures(*s_, v->as_array(), "pictures", errors);
  if (const auto* v = p.if_contains("variants")) {
    // A variant keeps its uid by its code; a new one gets a uid.
    std::map<std::string, std::string> uid_of;  // code -> uid
    if (const auto* old = body.if_contains("variants"))
      for (const auto& ov : old->as_array())
        uid_of[text_of(ov.as_object(), "variant")] = text_of(ov.as_object(), "uid");
    json::array variants;
    if (!v->is_null()) {
      const auto& given = v->as_array();
      for (size_t i = 0; i < given.size(); ++i) {
        const auto& g = given[i].as_object();
        const std::string at = "variants[" + std::to_string(i) + "]";
        const std::string vcode = text_of(g, "variant");
        json::object out{{"variant", vcode}, {"name", g.at("name")}};
        std::string uid;
        if (const auto* u = present(g, "uid")) {
          auto c = detail::canonical_uuid(u->as_string());
          auto known = uid_of.find(vcode);
          if (!c)
            errors.add(at + ".uid", "uuid", "expected a UUID (8-4-4-4-12 hex digits)");
          else if (known != uid_of.end() && known->second != *c)
            errors.add(at + ".uid", "immutable",
                       "variant \"" + vcode + "\" has uid " + known->second);
          else
            uid = *c;
        } else if (auto known = uid_of.find(vcode); known != uid_of.end()) {
          uid = known->second;
        }
        out["uid"] = uid.empty() ? s_->uuid() : uid;
        out["pictures"] =
            present(g, "pictures") != nullptr
                ? canonical_pictures(*s_, g.at("pictures").as_array(), at + ".pictures", errors)
                : json::array();
        variants.push_back(std::move(out));
      }
    }
    body["variants"] = std::move(variants);
  }
  if (!errors.empty()) errors.throw_if_any(ErrorCode::validation);
  Product product = detail::parse_product(body, "", errors);
  errors.throw_if_any(ErrorCode::validation);
  const bool changed = s_->write_product(product, "", errors);
  errors.throw_if_any(ErrorCode::validation);
  json::object out = detail::to_json(product);
  out["removed"] = false;
  out["changed"] = changed;
  return out;
}

json::object Catalog::get_product(const std::string& code) {
  const auto row = s_->product_by_code(code);
  if (!row)
    fail_field(ErrorCode::not_found, "product", "not_found",
               "no product with code \"" + code + "\" in the catalogue");
  json::object out = parse_stored(row->body).as_object();
  out["removed"] = row->removed;
  return out;
}

json::object Catalog::remove_product(const std::string& code) {
  const auto row = s_->product_by_code(code);
  if (!row)
    fail_field(ErrorCode::not_found, "product", "not_found",
               "no product with code \"" + code + "\" in the catalogue");
  const bool changed = s_->remove_product(*row);
  return {{"product", code}, {"uid", row->uid}, {"removed", true}, {"changed", changed}};
}

json::object Catalog::list_products(const json::object& p) {
  const auto* group = present(p, "group");
  const auto* query = present(p, "query");
  const auto* after = present(p, "after");
  const int64_t limit = int_or(p, "limit", 100);
  int64_t after_rank = 0;
  std::string after_name, after_code;
  if (after != nullptr) {
    // The cursor is [rank, name, code] of the last product of a page.
    bool ok = false;
    try {
      const json::value v = json::parse(after->as_string());
      const json::array* a = v.if_array();
      ok = a != nullptr && a->size() == 3 && (*a)[0].is_int64() && (*a)[1].is_string() &&
           (*a)[2].is_string();
      if (ok) {
        after_rank = (*a)[0].get_int64();
        after_name = std::string((*a)[1].get_string());
        after_code = std::string((*a)[2].get_string());
      }
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok)
      fail_field(ErrorCode::invalid, "after", "cursor",
                 "expected next_after of the previous page, as it came");
  }
  std::string sql = "SELECT body, list_rank, name, code FROM catalog_product WHERE removed = 0";
  if (group != nullptr) sql += " AND (grp = ?1 OR substr(grp, 1, length(?1) + 1) = ?1 || '/')";
  if (query != nullptr) sql += " AND instr(search, ?2) > 0";
  if (after != nullptr) sql += " AND (list_rank, name, code) > (?3, ?4, ?5)";
  sql += " ORDER BY list_rank, name, code LIMIT ?6";
  auto st = s_->conn.cached(sql);
  if (group != nullptr) st->bind(1, std::string(group->as_string()));
  if (query != nullptr) st->bind(2, detail::fold(query->as_string()));
  if (after != nullptr) st->bind(3, after_rank).bind(4, after_name).bind(5, after_code);
  st->bind(6, limit + 1);
  json::array products;
  json::value next = nullptr;
  while (st->step()) {
    if (static_cast<int64_t>(products.size()) == limit) {
      const json::object& last = products.back().as_object();
      const int64_t rank = last.at("recommended").as_int64();
      next = json::serialize(
          json::array{rank > 0 ? rank : kNotRecommended, last.at("name"), last.at("product")});
      break;
    }
    products.push_back(parse_stored(st->text(0)));
  }
  return {{"products", std::move(products)}, {"next_after", std::move(next)}};
}

json::object Catalog::picture(const std::string& sha256) {
  std::string mime;
  {
    auto st = s_->conn.cached("SELECT mime FROM catalog_picture WHERE sha256 = ?1");
    st->bind(1, sha256);
    if (!st->step())
      fail_field(ErrorCode::not_found, "sha256", "not_found",
                 "no catalogue picture has SHA-256 " + sha256);
    mime = st->text(0);
  }
  const auto bytes = s_->registry.blob(sha256);
  if (!bytes)
    fail_field(ErrorCode::not_found, "sha256", "missing",
               "the picture's bytes have not been received yet");
  return {{"sha256", sha256},
          {"mime", mime},
          {"size", static_cast<int64_t>(bytes->size())},
          {"content_base64", base64_encode(*bytes)}};
}

std::vector<std::string> Catalog::picture_hashes() {
  std::vector<std::string> out;
  auto st = s_->conn.cached("SELECT sha256 FROM catalog_picture ORDER BY sha256");
  while (st->step()) out.push_back(st->text(0));
  return out;
}

}  // namespace opora::catalog

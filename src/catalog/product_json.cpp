// The catalogue's objects as canonical JSON (members in a fixed order,
// absent optional members left out) and the rules a product obeys, read the
// same for a method's put and for the exchange's apply. Pure: no storage.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "catalog/impl.hpp"
#include "core/decimal.hpp"

namespace opora::catalog::detail {
namespace json = boost::json;

namespace {

bool is_hex_lower(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

json::array pictures_json(const std::vector<Picture>& pictures) {
  json::array out;
  out.reserve(pictures.size());
  for (const auto& p : pictures)
    out.push_back(json::object{{"sha256", p.sha256}, {"role", p.role}, {"mime", p.mime}});
  return out;
}

std::vector<Picture> read_pictures(const FieldReader& r) {
  std::vector<Picture> out;
  r.each_object("pictures", [&](const FieldReader& pr, size_t) {
    Picture p;
    const size_t before = pr.errors().list().size();
    if (auto sha = pr.str("sha256", true, 64)) {
      if (sha->size() != 64 || !std::all_of(sha->begin(), sha->end(), is_hex_lower))
        pr.errors().add(pr.at("sha256"), "sha256", "expected 64 lower-case hex digits");
      p.sha256 = *sha;
    }
    if (auto role = pr.str("role", true, 10)) {
      if (*role != "thumb" && *role != "full")
        pr.errors().add(pr.at("role"), "enum", "expected thumb or full");
      p.role = *role;
    }
    if (auto mime = pr.str("mime", true, 100)) {
      if (mime->compare(0, 6, "image/") != 0 || mime->size() == 6)
        pr.errors().add(pr.at("mime"), "mime", "expected an image type such as image/jpeg");
      p.mime = *mime;
    }
    for (const auto& kv : pr.object())
      if (kv.key() != "sha256" && kv.key() != "role" && kv.key() != "mime")
        pr.errors().add(pr.at(kv.key()), "unknown_field", "is not a member of a picture");
    if (pr.errors().list().size() == before) out.push_back(std::move(p));
  });
  return out;
}

}  // namespace

std::optional<std::string> canonical_vat_rate(std::string_view text) {
  if (text == "none") return std::string(text);
  auto d = Decimal::parse(text, 2);
  if (!d || d->is_negative() || *d > Decimal(100)) return std::nullopt;
  return d->to_string();
}

std::optional<std::string> canonical_uuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string out(text);
  for (size_t i = 0; i < out.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (out[i] != '-') return std::nullopt;
      continue;
    }
    if (out[i] >= 'A' && out[i] <= 'F') out[i] = static_cast<char>(out[i] - 'A' + 'a');
    if (!is_hex_lower(out[i])) return std::nullopt;
  }
  return out;
}

bool is_valid_code(std::string_view code) {
  return !code.empty() && std::none_of(code.begin(), code.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

std::string fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c == 0xD0 || c == 0xD1) && i + 1 < text.size()) {
      const auto n = static_cast<unsigned char>(text[i + 1]);
      ++i;
      if (c == 0xD0 && n >= 0x90 && n <= 0x9F) {  // А..П -> а..п
        out += '\xD0';
        out += static_cast<char>(n + 0x20);
      } else if (c == 0xD0 && n >= 0xA0 && n <= 0xAF) {  // Р..Я -> р..я
        out += '\xD1';
        out += static_cast<char>(n - 0x20);
      } else if ((c == 0xD0 && n == 0x81) || (c == 0xD1 && n == 0x91)) {  // Ё, ё -> е
        out += "\xD0\xB5";
      } else if (c == 0xD0 && n >= 0x80 && n <= 0x8F) {  // Ѐ..Џ -> ѐ..џ
        out += '\xD1';
        out += static_cast<char>(n + 0x10);
      } else {
        out += static_cast<char>(c);
        out += static_cast<char>(n);
      }
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string unit_name(std::string_view okei) {
  // ОКЕИ (ОК 015-94) codes met in trade catalogues and their short names, as
  // documents print them.
  static const std::pair<const char*, const char*> kUnits[] = {
      {"796", "шт"},   {"876", "усл. ед."}, {"362", "мес"}, {"356", "ч"},
      {"166", "кг"},   {"163", "г"},        {"168", "т"},   {"006", "м"},
      {"055", "м2"},   {"113", "м3"},       {"112", "л"},   {"839", "компл"},
      {"778", "упак"}, {"704", "набор"},    {"715", "пар"}, {"736", "рул"}};
  for (const auto& [code, name] : kUnits)
    if (okei == code) return name;
  return std::string(okei);
}

std::optional<std::string> read_uid(const FieldReader& r, const char* key) {
  auto s = r.str(key, true, 36);
  if (!s) return std::nullopt;
  auto u = canonical_uuid(*s);
  if (!u) r.errors().add(r.at(key), "uuid", "expected a UUID (8-4-4-4-12 hex digits)");
  return u;
}

std::optional<std::string> read_code(const FieldReader& r, const char* key) {
  auto s = r.str(key, true, 100);
  if (!s) return std::nullopt;
  if (!is_valid_code(*s)) {
    r.errors().add(r.at(key), "code", "must be text without control characters");
    return std::nullopt;
  }
  return s;
}

json::object to_json(const Product& p) {
  json::object o;
  o.reserve(12);
  o.emplace("uid", p.uid);
  o.emplace("product", p.code);
  if (p.article) o.emplace("article", *p.article);
  o.emplace("name", p.name);
  o.emplace("unit", p.unit);
  if (p.group) o.emplace("group", *p.group);
  if (p.vat_rate) o.emplace("vat_rate", *p.vat_rate);
  if (p.description) o.emplace("description", *p.description);
  o.emplace("recommended", p.recommended);
  o.emplace("pictures", pictures_json(p.pictures));
  json::array variants;
  variants.reserve(p.variants.size());
  for (const auto& v : p.variants)
    variants.push_back(json::object{{"uid", v.uid},
                                    {"variant", v.code},
                                    {"name", v.name},
                                    {"pictures", pictures_json(v.pictures)}});
  o.emplace("variants", std::move(variants));
  return o;
}

json::object to_json(const PriceType& t) {
  return {{"uid", t.uid}, {"price_type", t.code}, {"name", t.name}, {"currency", t.currency}};
}

json::object to_json(const Warehouse& w) {
  return {{"uid", w.uid}, {"warehouse", w.code}, {"name", w.name}};
}

Product parse_product(const json::object& body, const std::string& path, FieldErrors& errors) {
  static const std::set<std::string_view> kMembers = {
      "uid",      "product",     "article",     "name",     "unit",    "group",
      "vat_rate", "description", "recommended", "pictures", "variants"};
  const FieldReader r(body, path, errors);
  Product p;
  for (const auto& kv : body)
    if (kMembers.count(kv.key()) == 0)
      errors.add(r.at(kv.key()), "unknown_field", "is not a member of a product");
  if (auto u = read_uid(r)) p.uid = *u;
  if (auto c = read_code(r, "product")) p.code = *c;
  p.article = r.str("article", false, 100);
  if (auto n = r.str("name", true, 1000)) p.name = *n;
  if (auto u = r.str("unit", false, 3)) {
    if (u->size() != 3 ||
        !std::all_of(u->begin(), u->end(), [](char c) { return c >= '0' && c <= '9'; }))
      errors.add(r.at("unit"), "okei", "expected an OKEI code of 3 digits (796 = шт)");
    p.unit = *u;
  }
  if (auto g = r.str("group", false, 500)) {
    // A path of non-empty names: "Гробы/Элит".
    bool ok = !g->empty() && g->front() != '/' && g->back() != '/' &&
              g->find("//") == std::string::npos && is_valid_code(*g);
    if (!ok)
      errors.add(r.at("group"), "group",
                 "expected a path of non-empty names separated by /, such as \"Гробы/Элит\"");
    p.group = *g;
  }
  if (auto v = r.str("vat_rate", false, 10)) {
    p.vat_rate = canonical_vat_rate(*v);
    if (!p.vat_rate)
      errors.add(r.at("vat_rate"), "vat_rate",
                 "expected a percentage 0..100 such as \"22\" or \"10\", or \"none\" (без НДС)");
  }
  p.description = r.str("description", false, 100000);
  if (const auto* v = r.get("recommended")) {
    if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > 1000000)
      errors.add(r.at("recommended"), "range", "expected a rank 0..1000000 (0: not recommended)");
    else
      p.recommended = v->get_int64();
  }
  p.pictures = read_pictures(r);
  std::set<std::string> codes, uids;
  r.each_object("variants", [&](const FieldReader& vr, size_t) {
    Variant v;
    for (const auto& kv : vr.object())
      if (kv.key() != "uid" && kv.key() != "variant" && kv.key() != "name" &&
          kv.key() != "pictures")
        errors.add(vr.at(kv.key()), "unknown_field", "is not a member of a variant");
    if (auto u = read_uid(vr)) {
      v.uid = *u;
      if (!uids.insert(*u).second || *u == p.uid)
        errors.add(vr.at("uid"), "duplicate", "another variant or the product has this uid");
    }
    if (auto c = read_code(vr, "variant")) {
      v.code = *c;
      if (!codes.insert(*c).second)
        errors.add(vr.at("variant"), "duplicate",
                   "another variant of the product has code \"" + *c + "\"");
    }
    if (auto n = vr.str("name", true, 1000)) v.name = *n;
    v.pictures = read_pictures(vr);
    p.variants.push_back(std::move(v));
  });
  return p;
}

}  // namespace opora::catalog::detail

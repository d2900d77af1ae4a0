// CommerceML 2 writing and reading: opora's canonical JSON and the schema's elements.
#include "exchange/commerceml.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <boost/json/value.hpp>

#include "core/date.hpp"
#include "core/decimal.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "exchange/xml_reader.hpp"

namespace opora::exchange::cml {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------- shared facts

struct OkeiUnit {
  const char* code;
  const char* short_name;
  const char* full_name;
  const char* international;
};
// The units a showroom sells in; others are sent by code alone.
constexpr OkeiUnit kOkeiUnits[] = {
    {"796", "шт", "Штука", "PCE"},
    {"166", "кг", "Килограмм", "KGM"},
    {"163", "г", "Грамм", "GRM"},
    {"006", "м", "Метр", "MTR"},
    {"055", "м2", "Квадратный метр", "MTK"},
    {"113", "м3", "Кубический метр", "MTQ"},
    {"112", "л", "Литр", "LTR"},
    {"778", "упак", "Упаковка", "NMP"},
    {"839", "компл", "Комплект", "SET"},
    {"704", "набор", "Набор", "SET"},
    {"356", "ч", "Час", "HUR"},
};

const OkeiUnit* okei_by_code(std::string_view code) {
  for (const auto& u : kOkeiUnits)
    if (code == u.code) return &u;
  return nullptr;
}
const OkeiUnit* okei_by_name(std::string_view name) {
  for (const auto& u : kOkeiUnits)
    if (name == u.short_name || name == u.full_name) return &u;
  return nullptr;
}

struct MimeExt {
  const char* mime;
  const char* ext;
};
constexpr MimeExt kMimeExts[] = {{"image/jpeg", "jpg"},
                                 {"image/png", "png"},
                                 {"image/webp", "webp"},
                                 {"image/gif", "gif"},
                                 {"image/svg+xml", "svg"}};

std::string mime_of_path(std::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string ext(path.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (ext == "jpeg") return "image/jpeg";
  for (const auto& m : kMimeExts)
    if (ext == m.ext) return m.mime;
  return "application/octet-stream";
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// ---------------------------------------------------------------- JSON access

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
const json::array* arr(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}
const json::object* obj(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

std::string at(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

// A string member that must be there and non-empty (at most `max` bytes when max > 0).
std::string need(const json::object& o, std::string_view key, const std::string& path,
                 FieldErrors& errors, size_t max = 0) {
  std::string v = str(o, key);
  if (v.empty())
    errors.add(path + "." + std::string(key), "required", "expected a non-empty string");
  else if (max > 0 && v.size() > max)
    errors.add(path + "." + std::string(key), "max_length",
               "CommerceML identifiers hold at most " + std::to_string(max) + " characters");
  return v;
}

// Money text for СуммаТип: a decimal with at most two places, written with two.
std::string money_text(std::string_view text, const std::string& field, FieldErrors& errors) {
  const auto d = Decimal::parse(text);
  if (!d || d->normalized().scale() > 2) {
    errors.add(field, "money", "expected an amount with at most two decimal places");
    return "0.00";
  }
  const Decimal n = d->normalized();
  std::string s = n.to_string();
  if (n.scale() == 0) return s + ".00";
  if (n.scale() == 1) return s + "0";
  return s;
}

bool valid_timestamp(std::string_view t) {
  return t.size() == 19 && t[10] == 'T' && Date::parse(t.substr(0, 10)) && t[13] == ':' &&
         t[16] == ':' && std::all_of(t.begin() + 11, t.end(), [](char c) {
           return c == ':' || (c >= '0' && c <= '9');
         });
}

// ---------------------------------------------------------------- XML writer

// Appends indented XML; every text and attribute value is escaped and checked for the
// control characters XML 1.0 cannot carry.
class XmlOut {
 public:
  XmlOut() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

  XmlOut& open(std::string_view name,
               std::initializer_list<std::pair<std::string_view, std::string_view>> attrs = {}) {
    indent();
    out_ += '<';
    out_ += name;
    for (const auto& [k, v] : attrs) attribute(k, v);
    out_ += ">\n";
    names_.emplace_back(name);
    return *this;
  }
  XmlOut& close() {
    std::string name = std::move(names_.back());
    names_.pop_back();
    indent();
    out_ += "</" + name + ">\n";
    return *this;
  }
  XmlOut& leaf(std::string_view name, std::string_view text,
               std::initializer_list<std::pair<std::string_view, std::string_view>> attrs = {}) {
    indent();
    out_ += '<';
    out_ += name;
    for (const auto& [k, v] : attrs) attribute(k, v);
    out_ += '>';
    escape(text, false, name);
    out_ += "</";
    out_ += name;
    out_ += ">\n";
    return *this;
  }
  // Element with attributes only: <Склад ИдСклада="..." КоличествоНаСкладе="..."/>
  XmlOut& empty(std::string_view name,
                std::initializer_list<std::pair<std::string_view, std::string_view>> attrs) {
    indent();
    out_ += '<';
    out_ += name;
    for (const auto& [k, v] : attrs) attribute(k, v);
    out_ += "/>\n";
    return *this;
  }
  XmlOut& requisite(std::string_view name, std::string_view value) {
    open("ЗначениеРеквизита");
    leaf("Наименование", name);
    leaf("Значение", value);
    return close();
  }
  std::string take() { return std::move(out_); }

 private:
  void indent() { out_.append(names_.size(), '\t'); }
  void attribute(std::string_view k, std::string_view v) {
    out_ += ' ';
    out_ += k;
    out_ += "=\"";
    escape(v, true, k);
    out_ += '"';
  }
  void escape(std::string_view text, bool in_attribute, std::string_view where) {
    for (char c : text) {
      const auto u = static_cast<unsigned char>(c);
      switch (c) {
        case '&':
          out_ += "&amp;";
          break;
        case '<':
          out_ += "&lt;";
          break;
        case '>':
          out_ += "&gt;";
          break;
        case '"':
          out_ += in_attribute ? "&quot;" : "\"";
          break;
        case '\t':
          out_ += in_attribute ? "&#9;" : "\t";
          break;
        case '\n':
          out_ += in_attribute ? "&#10;" : "\n";
          break;
        case '\r':
          out_ += "&#13;";
          break;
        default:
          if (u < 0x20)
            throw Error(ErrorCode::invalid,
                        "the text of " + std::string(where) +
                            " holds a control character XML 1.0 cannot carry",
                        {{std::string(where), "xml_char",
                          "control characters other than tab and line breaks cannot be sent"}});
          out_ += c;
      }
    }
  }

  std::string out_;
  std::vector<std::string> names_;
};

void write_root_open(XmlOut& x, const std::string& generated_at) {
  x.open("КоммерческаяИнформация", {{"xmlns", kNamespace},
                                    {"xmlns:xs", "http://www.w3.org/2001/XMLSchema"},
                                    {"xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"},
                                    {"ВерсияСхемы", kSchemaVersion},
                                    {"ДатаФормирования", generated_at}});
}

void write_owner(XmlOut& x, const std::optional<Organization>& owner) {
  x.open("Владелец");
  if (owner && !owner->name.empty()) x.leaf("Наименование", owner->name);
  x.leaf("ОфициальноеНаименование", owner ? owner->name : "");
  if (owner && !owner->inn.empty()) x.leaf("ИНН", owner->inn);
  if (owner && !owner->kpp.empty()) x.leaf("КПП", owner->kpp);
  x.close();
}

void check_header(const PackageHeader& h, FieldErrors& errors) {
  if (h.catalogue_id.empty() || h.catalogue_id.size() > 40)
    errors.add("catalogue_id", "required", "expected an id of 1 to 40 characters");
  if (!valid_timestamp(h.generated_at))
    errors.add("generated_at", "date-time", "expected YYYY-MM-DDTHH:MM:SS");
  if (h.owner && !h.owner->inn.empty() && h.owner->inn.size() != 10 && h.owner->inn.size() != 12)
    errors.add("owner.inn", "inn", "expected 10 or 12 digits");
  if (h.owner && !h.owner->kpp.empty() && h.owner->kpp.size() != 9)
    errors.add("owner.kpp", "kpp", "expected 9 characters");
}

void write_unit(XmlOut& x, const std::string& unit) {
  const std::string code = unit.empty() ? "796" : unit;
  if (const OkeiUnit* u = okei_by_code(code))
    x.leaf("БазоваяЕдиница", u->short_name,
           {{"Код", u->code},
            {"НаименованиеПолное", u->full_name},
            {"МеждународноеСокращение", u->international}});
  else
    x.leaf("БазоваяЕдиница", code, {{"Код", code}});
}

// Картинка elements (in the place the schema gives them); their roles go to requisites.
std::vector<std::pair<std::string, std::string>> write_pictures(XmlOut& x,
                                                                const json::object& owner,
                                                                const std::string& path,
                                                                FieldErrors& errors) {
  std::vector<std::pair<std::string, std::string>> roles;
  const json::array* pics = arr(owner, "pictures");
  if (!pics) return roles;
  for (size_t i = 0; i < pics->size(); ++i) {
    const std::string p = at(path + ".pictures", i);
    if (!(*pics)[i].is_object()) {
      errors.add(p, "type", "expected an object");
      continue;
    }
    const auto& pic = (*pics)[i].get_object();
    const std::string sha = str(pic, "sha256");
    if (!is_sha256_hex(sha)) {
      errors.add(p + ".sha256", "sha256", "expected 64 lower-case hex digits");
      continue;
    }
    const std::string file = picture_path(sha, str(pic, "mime"));
    x.leaf("Картинка", file);
    roles.emplace_back(file, str(pic, "role").empty() ? "full" : str(pic, "role"));
  }
  return roles;
}

std::string vat_text(const std::string& rate) {
  return rate == "none" ? "Без налога" : rate;
}

// ---------------------------------------------------------------- import.xml

struct GroupNode {
  std::string name;
  std::string path;
  std::map<std::string, GroupNode> children;
};

void write_groups(XmlOut& x, const std::map<std::string, GroupNode>& groups) {
  x.open("Группы");
  for (const auto& [name, g] : groups) {
    x.open("Группа");
    x.leaf("Ид", group_id(g.path));
    x.leaf("Наименование", g.name);
    if (!g.children.empty()) write_groups(x, g.children);
    x.close();
  }
  x.close();
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string join_path(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

}  // namespace

std::string group_id(std::string_view path) {
  std::string h = sha256_hex(std::string("opora:commerceml:group:") + std::string(path));
  h[12] = '5';  // shaped like a name-based UUID
  h[16] = "89ab"[h[16] % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string picture_path(std::string_view sha256, std::string_view mime) {
  std::string ext = "bin";
  for (const auto& m : kMimeExts)
    if (mime == m.mime) ext = m.ext;
  return "import_files/" + std::string(sha256.substr(0, 2)) + "/" + std::string(sha256) + "." + ext;
}

std::string import_xml(const CatalogueExport& in) {
  FieldErrors errors;
  check_header(in.header, errors);

  std::map<std::string, GroupNode> groups;
  for (size_t i = 0; i < in.products.size(); ++i) {
    const auto parts = split_path(str(in.products[i], "group"));
    std::map<std::string, GroupNode>* level = &groups;
    std::vector<std::string> so_far;
    for (const auto& part : parts) {
      so_far.push_back(part);
      GroupNode& node = (*level)[part];
      node.name = part;
      node.path = join_path(so_far);
      level = &node.children;
    }
  }

  XmlOut x;
  write_root_open(x, in.header.generated_at);
  x.open("Классификатор");
  x.leaf("Ид", in.header.catalogue_id);
  x.leaf("Наименование", "Классификатор (" + in.header.catalogue_name + ")");
  write_owner(x, in.header.owner);
  if (!groups.empty()) write_groups(x, groups);
  x.close();

  if (!in.products.empty() || !in.removed.empty()) {
    x.open("Каталог", {{"СодержитТолькоИзменения", in.header.changes_only ? "true" : "false"}});
    x.leaf("Ид", in.header.catalogue_id);
    x.leaf("ИдКлассификатора", in.header.catalogue_id);
    x.leaf("Наименование", in.header.catalogue_name);
    write_owner(x, in.header.owner);
    x.open("Товары");
    for (size_t i = 0; i < in.products.size(); ++i) {
      const auto& p = in.products[i];
      const std::string path = at("products", i);
      const std::string uid = need(p, "uid", path, errors, 36);
      const std::string code = need(p, "product", path, errors);
      const std::string name = need(p, "name", path, errors);
      x.open("Товар");
      x.leaf("Ид", uid);
      if (!str(p, "article").empty()) x.leaf("Артикул", str(p, "article"));
      x.leaf("Наименование", name);
      write_unit(x, str(p, "unit"));
      if (!str(p, "group").empty()) {
        x.open("Группы");
        x.leaf("Ид", group_id(join_path(split_path(str(p, "group")))));
        x.close();
      }
      if (!str(p, "description").empty()) x.leaf("Описание", str(p, "description"));
      const auto roles = write_pictures(x, p, path, errors);
      if (!str(p, "vat_rate").empty()) {
        x.open("СтавкиНалогов").open("СтавкаНалога");
        x.leaf("Наименование", "НДС").leaf("Ставка", vat_text(str(p, "vat_rate")));
        x.close().close();
      }
      x.open("ЗначенияРеквизитов");
      x.requisite("ВидНоменклатуры", "Товар");
      x.requisite("Код", code);
      const auto* rec = p.if_contains("recommended");
      const int64_t rank = rec && rec->is_int64() ? rec->get_int64() : 0;
      x.requisite("Рекомендуемый", std::to_string(rank));
      for (const auto& [file, role] : roles) x.requisite("ОписаниеФайла", file + "#" + role);
      x.close();
      x.close();
    }
    for (const auto& uid : in.removed) {
      x.open("Товар", {{"Статус", "Удален"}});
      x.leaf("Ид", uid);
      x.leaf("Наименование", "");
      x.leaf("БазоваяЕдиница", "");
      x.close();
    }
    x.close();
    x.close();
  }
  x.close();
  errors.throw_if_any(ErrorCode::invalid);
  return x.take();
}

// ---------------------------------------------------------------- offers.xml

namespace {

// Finds an object by uid, else by its code member.
template <typename Vec>
const json::object* find_ref(const Vec& objects, const std::string& ref,
                             std::string_view code_key) {
  for (const auto& o : objects)
    if (str(o, "uid") == ref) return &o;
  for (const auto& o : objects)
    if (str(o, code_key) == ref) return &o;
  return nullptr;
}

const json::object* find_variant(const json::object& product, const std::string& ref) {
  const json::array* vs = arr(product, "variants");
  if (!vs) return nullptr;
  for (const auto& v : *vs)
    if (v.is_object() && str(v.get_object(), "uid") == ref) return &v.get_object();
  for (const auto& v : *vs)
    if (v.is_object() && str(v.get_object(), "variant") == ref) return &v.get_object();
  return nullptr;
}

// The offer key of a price or stock object: (product uid, variant uid or "").
std::optional<std::pair<std::string, std::string>> offer_key(
    const json::object& o, const std::vector<json::object>& products, const std::string& path,
    FieldErrors& errors) {
  const json::object* product = find_ref(products, str(o, "product"), "product");
  if (!product) {
    errors.add(path + ".product", "unknown",
               "the product \"" + str(o, "product") + "\" is not among the products given");
    return std::nullopt;
  }
  std::string variant;
  if (!str(o, "variant").empty()) {
    const json::object* v = find_variant(*product, str(o, "variant"));
    if (!v) {
      errors.add(path + ".variant", "unknown",
                 "the product has no variant \"" + str(o, "variant") + "\"");
      return std::nullopt;
    }
    variant = str(*v, "uid");
  }
  return std::make_pair(str(*product, "uid"), variant);
}

}  // namespace

std::string offers_xml(const OffersExport& in) {
  FieldErrors errors;
  check_header(in.header, errors);
  if (!Date::parse(in.on)) errors.add("on", "date", "expected YYYY-MM-DD");

  using Key = std::pair<std::string, std::string>;
  // price type uid -> offer key -> price text in force on `on`
  std::map<Key, std::map<std::string, std::string>> prices;  // key -> (price type uid -> price)
  for (size_t i = 0; i < in.prices.size(); ++i) {
    const auto& p = in.prices[i];
    const std::string path = at("prices", i);
    const json::object* pt = find_ref(in.price_types, str(p, "price_type"), "price_type");
    if (!pt) {
      errors.add(
          path + ".price_type", "unknown",
          "the price type \"" + str(p, "price_type") + "\" is not among the price types given");
      continue;
    }
    const auto key = offer_key(p, in.products, path, errors);
    if (!key) continue;
    const json::array* history = arr(p, "prices");
    std::string best_from;
    std::string best_price;
    for (size_t j = 0; history && j < history->size(); ++j) {
      if (!(*history)[j].is_object()) continue;
      const auto& h = (*history)[j].get_object();
      const std::string from = str(h, "from");
      if (!Date::parse(from)) {
        errors.add(at(path + ".prices", j) + ".from", "date", "expected YYYY-MM-DD");
        continue;
      }
      if (from <= in.on && from >= best_from) {
        best_from = from;
        best_price = money_text(str(h, "price"), at(path + ".prices", j) + ".price", errors);
      }
    }
    if (!best_price.empty()) prices[*key][str(*pt, "uid")] = best_price;
  }

  std::map<Key, std::vector<std::pair<std::string, std::string>>> stock;  // -> (warehouse uid, qty)
  for (size_t i = 0; i < in.stock.size(); ++i) {
    const auto& s = in.stock[i];
    const std::string path = at("stock", i);
    const json::object* wh = find_ref(in.warehouses, str(s, "warehouse"), "warehouse");
    if (!wh) {
      errors.add(path + ".warehouse", "unknown",
                 "the warehouse \"" + str(s, "warehouse") + "\" is not among the warehouses given");
      continue;
    }
    const auto key = offer_key(s, in.products, path, errors);
    if (!key) continue;
    const auto q = Decimal::parse(str(s, "quantity"));
    if (!q) {
      errors.add(path + ".quantity", "decimal", "expected a decimal quantity");
      continue;
    }
    stock[*key].emplace_back(str(*wh, "uid"), q->normalized().to_string());
  }

  for (size_t i = 0; i < in.price_types.size(); ++i)
    need(in.price_types[i], "uid", at("price_types", i), errors, 40);
  for (size_t i = 0; i < in.warehouses.size(); ++i)
    need(in.warehouses[i], "uid", at("warehouses", i), errors, 40);
  if (in.price_types.empty())
    errors.add("price_types", "required", "the schema requires at least one price type");
  errors.throw_if_any(ErrorCode::invalid);

  XmlOut x;
  write_root_open(x, in.header.generated_at);
  x.open("ПакетПредложений",
         {{"СодержитТолькоИзменения", in.header.changes_only ? "true" : "false"}});
  x.leaf("Ид", in.header.catalogue_id);
  x.leaf("Наименование", "Пакет предложений (" + in.header.catalogue_name + ")");
  x.leaf("ИдКаталога", in.header.catalogue_id);
  x.leaf("ИдКлассификатора", in.header.catalogue_id);
  write_owner(x, in.header.owner);
  x.open("ТипыЦен");
  for (const auto& pt : in.price_types) {
    x.open("ТипЦены");
    x.leaf("Ид", str(pt, "uid"));
    x.leaf("Наименование", str(pt, "name"));
    x.leaf("Валюта", str(pt, "currency").empty() ? "RUB" : str(pt, "currency"));
    x.close();
  }
  x.close();
  if (!in.warehouses.empty()) {
    x.open("Склады");
    for (const auto& w : in.warehouses) {
      x.open("Склад");
      x.leaf("Ид", str(w, "uid"));
      x.leaf("Наименование", str(w, "name"));
      x.close();
    }
    x.close();
  }
  x.open("Предложения");
  size_t offers = 0;
  const auto write_offer = [&](const json::object& product, const json::object* variant) {
    const Key key{str(product, "uid"), variant ? str(*variant, "uid") : ""};
    std::map<std::string, std::string> own;
    if (auto it = prices.find(key); it != prices.end()) own = it->second;
    if (variant)
      if (auto it = prices.find(Key{key.first, ""}); it != prices.end())
        for (const auto& [pt, price] : it->second) own.emplace(pt, price);
    if (own.empty()) return;
    ++offers;
    x.open("Предложение");
    x.leaf("Ид", variant ? key.first + "#" + key.second : key.first);
    if (!str(product, "article").empty()) x.leaf("Артикул", str(product, "article"));
    x.leaf("Наименование", variant ? str(product, "name") + " (" + str(*variant, "name") + ")"
                                   : str(product, "name"));
    write_unit(x, str(product, "unit"));
    std::vector<std::pair<std::string, std::string>> roles;
    if (variant) {
      roles = write_pictures(x, *variant, "variant", errors);
      x.open("ХарактеристикиТовара").open("ХарактеристикаТовара");
      x.leaf("Наименование", "Характеристика").leaf("Значение", str(*variant, "name"));
      x.close().close();
      x.open("ЗначенияРеквизитов");
      x.requisite("Код", str(*variant, "variant"));
      for (const auto& [file, role] : roles) x.requisite("ОписаниеФайла", file + "#" + role);
      x.close();
    }
    x.open("Цены");
    for (const auto& pt : in.price_types) {
      const auto it = own.find(str(pt, "uid"));
      if (it == own.end()) continue;
      x.open("Цена");
      x.leaf("ИдТипаЦены", it->first);
      x.leaf("ЦенаЗаЕдиницу", it->second);
      x.leaf("Валюта", str(pt, "currency").empty() ? "RUB" : str(pt, "currency"));
      x.close();
    }
    x.close();
    if (auto st = stock.find(key); st != stock.end()) {
      Decimal total;
      for (const auto& [wh, q] : st->second) total = total + *Decimal::parse(q);
      x.leaf("Количество", total.normalized().to_string());
      for (const auto& [wh, q] : st->second)
        x.empty("Склад", {{"ИдСклада", wh}, {"КоличествоНаСкладе", q}});
    }
    x.close();
  };
  for (const auto& product : in.products) {
    const json::array* vs = arr(product, "variants");
    if (vs && !vs->empty()) {
      for (const auto& v : *vs)
        if (v.is_object()) write_offer(product, &v.get_object());
    } else {
      write_offer(product, nullptr);
    }
  }
  x.close();
  x.close();
  x.close();
  errors.throw_if_any(ErrorCode::invalid);
  if (offers == 0)
    throw Error(ErrorCode::invalid, "no offer has a price on " + in.on,
                {{"prices", "required",
                  "the schema requires at least one offer, and an offer requires a price"}});
  return x.take();
}

// ---------------------------------------------------------------- orders.xml

namespace {

std::string site_order_id(const json::object& doc, const std::string& system) {
  const std::string prefix = system + ":order:";
  if (const json::array* refs = arr(doc, "refs"))
    for (const auto& r : *refs)
      if (r.is_string() && r.get_string().size() > prefix.size() &&
          std::string_view(r.get_string()).substr(0, prefix.size()) == prefix)
        return std::string(r.get_string()).substr(prefix.size());
  const auto* id = doc.if_contains("id");
  return "opora-" + (id && id->is_int64() ? std::to_string(id->get_int64()) : std::string("0"));
}

void write_counterparty(XmlOut& x, const json::object* party) {
  x.open("Контрагенты").open("Контрагент");
  const std::string name = party ? str(*party, "name") : "";
  const std::string type = party ? str(*party, "type") : "person";
  if (!name.empty()) x.leaf("Наименование", name);
  if (type == "company") {
    x.leaf("ОфициальноеНаименование", name);
    if (!str(*party, "inn").empty()) x.leaf("ИНН", str(*party, "inn"));
    if (!str(*party, "kpp").empty()) x.leaf("КПП", str(*party, "kpp"));
  } else {
    x.leaf("ПолноеНаименование", name);
    if (party && !str(*party, "inn").empty()) x.leaf("ИНН", str(*party, "inn"));
  }
  x.leaf("Роль", "Покупатель");
  x.close().close();
}

}  // namespace

std::string orders_xml(const OrdersExport& in) {
  FieldErrors errors;
  if (!valid_timestamp(in.generated_at))
    errors.add("generated_at", "date-time", "expected YYYY-MM-DDTHH:MM:SS");
  XmlOut x;
  write_root_open(x, in.generated_at);
  for (size_t i = 0; i < in.documents.size(); ++i) {
    const auto& d = in.documents[i];
    const std::string path = at("documents", i);
    const std::string id = site_order_id(d, in.ref_system);
    if (id.size() > 40)
      errors.add(path + ".refs", "max_length", "the order id exceeds 40 characters");
    const std::string date = str(d, "date");
    if (!Date::parse(date)) errors.add(path + ".date", "date", "expected YYYY-MM-DD");
    const json::object* totals = obj(d, "totals");
    const json::object* custom = obj(d, "custom");
    const json::object* cml = custom ? obj(*custom, "commerceml") : nullptr;
    const bool included = str(d, "vat_mode") != "on_top";

    x.open("Документ");
    x.leaf("Ид", id);
    x.leaf("Номер", str(d, "number"));
    x.leaf("Дата", date);
    x.leaf("ХозОперация", "Заказ товара");
    x.leaf("Роль", "Продавец");
    x.leaf("Валюта", str(d, "currency").empty() ? "RUB" : str(d, "currency"));
    x.leaf("Курс", "1");
    x.leaf("Сумма",
           money_text(totals ? str(*totals, "gross") : "0", path + ".totals.gross", errors));
    write_counterparty(x, obj(d, "counterparty"));
    if (cml && !str(*cml, "time").empty()) x.leaf("Время", str(*cml, "time"));
    if (!str(d, "notes").empty()) x.leaf("Комментарий", str(d, "notes"));
    if (totals && Decimal::parse(str(*totals, "vat")) &&
        !Decimal::parse(str(*totals, "vat"))->is_zero()) {
      x.open("Налоги").open("Налог");
      x.leaf("Наименование", "НДС").leaf("УчтеноВСумме", included ? "true" : "false");
      x.leaf("Сумма", money_text(str(*totals, "vat"), path + ".totals.vat", errors));
      x.close().close();
    }
    const json::array* items = arr(d, "items");
    if (items && !items->empty()) {
      x.open("Товары");
      for (size_t j = 0; j < items->size(); ++j) {
        if (!(*items)[j].is_object()) continue;
        const auto& it = (*items)[j].get_object();
        const std::string ip = at(path + ".items", j);
        x.open("Товар");
        if (!str(it, "code").empty()) x.leaf("Ид", str(it, "code"));
        x.leaf("Наименование", str(it, "name"));
        write_unit(x, str(it, "unit"));
        x.leaf("ЦенаЗаЕдиницу", money_text(str(it, "price"), ip + ".price", errors));
        x.leaf("Количество", Decimal::parse(str(it, "quantity"))
                                 ? Decimal::parse(str(it, "quantity"))->normalized().to_string()
                                 : "0");
        x.leaf("Сумма", money_text(str(it, "gross"), ip + ".gross", errors));
        const std::string rate = str(it, "vat_rate");
        if (!rate.empty() && rate != "none") {
          x.open("Налоги").open("Налог");
          const bool line_included =
              str(it, "vat_mode").empty() ? included : str(it, "vat_mode") != "on_top";
          x.leaf("Наименование", "НДС").leaf("УчтеноВСумме", line_included ? "true" : "false");
          x.leaf("Сумма", money_text(str(it, "vat"), ip + ".vat", errors));
          x.leaf("Ставка", rate);
          x.close().close();
        }
        if (Decimal::parse(str(it, "discount")) &&
            !Decimal::parse(str(it, "discount"))->is_zero()) {
          x.open("Скидки").open("Скидка");
          x.leaf("Наименование", "Скидка");
          x.leaf("Сумма", money_text(str(it, "discount"), ip + ".discount", errors));
          x.leaf("УчтеноВСумме", "true");
          x.close().close();
        }
        x.close();
      }
      x.close();
    }
    const std::string status = str(d, "status");
    x.open("ЗначенияРеквизитов");
    x.requisite("Номер по 1С", str(d, "number"));
    x.requisite("Дата по 1С", date);
    if (auto s = in.status_ids.find(status); s != in.status_ids.end())
      x.requisite("Статус заказа ИД", s->second);
    x.requisite("Отменен", status == "cancelled" ? "true" : "false");
    x.requisite("Финальный статус", status == "completed" ? "true" : "false");
    const auto* deleted = d.if_contains("deleted");
    x.requisite("ПометкаУдаления",
                deleted && deleted->is_bool() && deleted->get_bool() ? "true" : "false");
    if (cml) {
      if (const auto* paid = cml->if_contains("paid"); paid && paid->is_bool())
        x.requisite("Заказ оплачен", paid->get_bool() ? "true" : "false");
      if (!str(*cml, "payment_number").empty())
        x.requisite("Номер оплаты", str(*cml, "payment_number"));
      if (!str(*cml, "payment_date").empty()) x.requisite("Дата оплаты", str(*cml, "payment_date"));
    }
    x.close();
    x.close();
  }
  x.close();
  errors.throw_if_any(ErrorCode::invalid);
  return x.take();
}

// ---------------------------------------------------------------- reading

namespace {

[[noreturn]] void cml_fail(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::invalid, where + ": " + what, {{where, "commerceml", what}});
}

const XmlElement& root_of(const XmlDocument& doc) {
  if (doc.root.name != "КоммерческаяИнформация")
    cml_fail(doc.root.name, "expected КоммерческаяИнформация as the root element");
  return doc.root;
}

bool truthy(const std::string& v) {
  return v == "true" || v == "1" || v == "да" || v == "Да";
}

std::string currency_code(const std::string& v) {
  if (v.empty() || v == "руб" || v == "руб." || v == "RUR" || v == "643") return "RUB";
  return v;
}

std::string decimal_text(const std::string& v) {
  const auto d = Decimal::parse(v);
  return d ? d->normalized().to_string() : v;
}

// Money read back: normalized, then at least two places ("7" -> "7.00", "231.7400" -> "231.74").
std::string money_read(const std::string& v) {
  const auto d = Decimal::parse(v);
  if (!d) return v;
  const Decimal n = d->normalized();
  std::string s = n.to_string();
  if (n.scale() == 0) return s + ".00";
  if (n.scale() == 1) return s + "0";
  return s;
}

std::string vat_rate_read(std::string v) {
  if (v.empty()) return {};
  std::string low = v;
  if (low.find("Без") != std::string::npos || low.find("без") != std::string::npos) return "none";
  if (!low.empty() && low.back() == '%') low.pop_back();
  const auto d = Decimal::parse(low);
  return d ? d->normalized().to_string() : v;
}

// ЗначенияРеквизитов as (name, value) pairs in document order (the first Значение of each).
std::vector<std::pair<std::string, std::string>> requisites(const XmlElement& e) {
  std::vector<std::pair<std::string, std::string>> out;
  if (const XmlElement* rs = e.child("ЗначенияРеквизитов"))
    for (const XmlElement* r : rs->children_named("ЗначениеРеквизита"))
      out.emplace_back(r->child_text("Наименование"), r->child_text("Значение"));
  return out;
}
std::string requisite(const std::vector<std::pair<std::string, std::string>>& rs,
                      std::string_view name) {
  for (const auto& [n, v] : rs)
    if (n == name) return v;
  return {};
}

std::string unit_read(const XmlElement* unit) {
  if (!unit) return "796";
  if (const std::string* code = unit->attribute("Код"); code && !code->empty()) return *code;
  if (const OkeiUnit* u = okei_by_name(unit->trimmed_text())) return u->code;
  return unit->trimmed_text().empty() ? "796" : unit->trimmed_text();
}

json::array pictures_read(const XmlElement& e,
                          const std::vector<std::pair<std::string, std::string>>& rs) {
  json::array out;
  for (const XmlElement* pic : e.children_named("Картинка")) {
    const std::string path = pic->trimmed_text();
    if (path.empty()) continue;
    std::string role = "full";
    for (const auto& [n, v] : rs)
      if (n == "ОписаниеФайла" && v.size() > path.size() && v.compare(0, path.size(), path) == 0 &&
          v[path.size()] == '#')
        role = v.substr(path.size() + 1) == "thumb" ? "thumb" : "full";
    const size_t slash = path.rfind('/');
    const std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::string stem = file.substr(0, file.rfind('.'));
    json::object p;
    if (is_sha256_hex(stem)) p["sha256"] = stem;
    p["role"] = role;
    p["mime"] = mime_of_path(path);
    p["path"] = path;
    out.push_back(std::move(p));
  }
  return out;
}

void read_groups(const XmlElement& parent, const std::string& prefix,
                 std::map<std::string, std::string>& paths, json::array& out) {
  const XmlElement* gs = parent.child("Группы");
  if (!gs) return;
  for (const XmlElement* g : gs->children_named("Группа")) {
    const std::string id = g->child_text("Ид");
    const std::string name = g->child_text("Наименование");
    const std::string path = prefix.empty() ? name : prefix + "/" + name;
    paths[id] = path;
    out.push_back(json::object{{"uid", id}, {"name", name}, {"path", path}});
    read_groups(*g, path, paths, out);
  }
}

json::object price_type_read(const XmlElement& t) {
  const std::string id = t.child_text("Ид");
  return json::object{{"uid", id},
                      {"price_type", id},
                      {"name", t.child_text("Наименование")},
                      {"currency", currency_code(t.child_text("Валюта"))}};
}

std::pair<std::string, std::string> split_offer_id(const std::string& id) {
  const size_t hash = id.find('#');
  if (hash == std::string::npos) return {id, ""};
  return {id.substr(0, hash), id.substr(hash + 1)};
}

std::string variant_name(const XmlElement& e) {
  std::string name;
  if (const XmlElement* cs = e.child("ХарактеристикиТовара"))
    for (const XmlElement* c : cs->children_named("ХарактеристикаТовара"))
      name += (name.empty() ? "" : ", ") + c->child_text("Значение");
  return name.empty() ? e.child_text("Наименование") : name;
}

}  // namespace

boost::json::object parse_import(std::string_view xml) {
  const XmlDocument doc = parse_xml(xml);
  const XmlElement& root = root_of(doc);
  json::object out;
  const XmlElement* classifier = root.child("Классификатор");
  const XmlElement* catalogue = root.child("Каталог");
  out["catalogue_id"] =
      catalogue ? catalogue->child_text("Ид") : (classifier ? classifier->child_text("Ид") : "");
  const std::string* changes =
      catalogue ? catalogue->attribute("СодержитТолькоИзменения") : nullptr;
  out["changes_only"] = changes && truthy(*changes);
  const XmlElement* owner_el = classifier ? classifier->child("Владелец")
                                          : (catalogue ? catalogue->child("Владелец") : nullptr);
  if (owner_el) {
    std::string name = owner_el->child_text("ОфициальноеНаименование");
    if (name.empty()) name = owner_el->child_text("Наименование");
    out["owner"] = json::object{
        {"name", name}, {"inn", owner_el->child_text("ИНН")}, {"kpp", owner_el->child_text("КПП")}};
  }
  std::map<std::string, std::string> group_paths;
  json::array groups;
  if (classifier) read_groups(*classifier, "", group_paths, groups);
  out["groups"] = std::move(groups);
  json::array price_types;
  if (classifier)
    if (const XmlElement* ts = classifier->child("ТипыЦен"))
      for (const XmlElement* t : ts->children_named("ТипЦены"))
        price_types.push_back(price_type_read(*t));
  out["price_types"] = std::move(price_types);

  std::vector<json::object> products;
  std::map<std::string, size_t> index;
  json::array removed;
  if (catalogue)
    if (const XmlElement* goods = catalogue->child("Товары")) {
      const auto list = goods->children_named("Товар");
      for (size_t i = 0; i < list.size(); ++i) {
        const XmlElement& g = *list[i];
        const std::string id = g.child_text("Ид");
        if (id.empty())
          cml_fail("Каталог/Товары/Товар[" + std::to_string(i + 1) + "]", "expected Ид");
        const auto rs = requisites(g);
        const std::string* status = g.attribute("Статус");
        if ((status && *status == "Удален") || truthy(g.child_text("ПометкаУдаления")) ||
            truthy(requisite(rs, "ПометкаУдаления"))) {
          removed.push_back(json::string(id));
          continue;
        }
        const auto [puid, vuid] = split_offer_id(id);
        auto it = index.find(puid);
        if (it == index.end()) {
          json::object p;
          p["uid"] = puid;
          const std::string code = requisite(rs, "Код");
          p["product"] = code.empty() || !vuid.empty() ? puid : code;
          if (!g.child_text("Артикул").empty()) p["article"] = g.child_text("Артикул");
          p["name"] = g.child_text("Наименование");
          p["unit"] = unit_read(g.child("БазоваяЕдиница"));
          if (const XmlElement* gs = g.child("Группы"))
            if (auto gp = group_paths.find(gs->child_text("Ид")); gp != group_paths.end())
              p["group"] = gp->second;
          if (const XmlElement* rates = g.child("СтавкиНалогов"))
            for (const XmlElement* r : rates->children_named("СтавкаНалога"))
              if (r->child_text("Наименование") == "НДС")
                p["vat_rate"] = vat_rate_read(r->child_text("Ставка"));
          if (!g.child_text("Описание").empty()) p["description"] = g.child_text("Описание");
          const auto rank = Decimal::parse(requisite(rs, "Рекомендуемый"), 0);
          p["recommended"] = rank ? rank->coefficient() : 0;
          p["pictures"] = vuid.empty() ? pictures_read(g, rs) : json::array();
          p["variants"] = json::array();
          index[puid] = products.size();
          products.push_back(std::move(p));
          it = index.find(puid);
        }
        if (!vuid.empty()) {
          const std::string vcode = requisite(rs, "Код");
          products[it->second]["variants"].as_array().push_back(
              json::object{{"uid", vuid},
                           {"variant", vcode.empty() ? vuid : vcode},
                           {"name", variant_name(g)},
                           {"pictures", pictures_read(g, rs)}});
        }
      }
    }
  json::array ps;
  for (auto& p : products) ps.push_back(std::move(p));
  out["products"] = std::move(ps);
  out["removed"] = std::move(removed);
  return out;
}

boost::json::object parse_offers(std::string_view xml, std::string_view from) {
  if (!Date::parse(from)) cml_fail("from", "expected YYYY-MM-DD");
  const XmlDocument doc = parse_xml(xml);
  const XmlElement& root = root_of(doc);
  const XmlElement* pack = root.child("ПакетПредложений");
  if (!pack) pack = root.child("ИзмененияПакетаПредложений");
  if (!pack)
    cml_fail("КоммерческаяИнформация", "expected ПакетПредложений or ИзмененияПакетаПредложений");
  json::object out;
  out["catalogue_id"] = pack->child_text("ИдКаталога");
  const std::string* changes = pack->attribute("СодержитТолькоИзменения");
  out["changes_only"] = (changes && truthy(*changes)) || pack->name == "ИзмененияПакетаПредложений";
  const std::string valid_from = Date::parse(pack->child_text("ДействительноС"))
                                     ? pack->child_text("ДействительноС")
                                     : std::string(from);

  json::array price_types;
  std::map<std::string, std::string> currency_of;
  if (const XmlElement* ts = pack->child("ТипыЦен"))
    for (const XmlElement* t : ts->children_named("ТипЦены")) {
      auto pt = price_type_read(*t);
      currency_of[str(pt, "uid")] = str(pt, "currency");
      price_types.push_back(std::move(pt));
    }
  out["price_types"] = std::move(price_types);
  json::array warehouses;
  if (const XmlElement* ws = pack->child("Склады"))
    for (const XmlElement* w : ws->children_named("Склад")) {
      const std::string id = w->child_text("Ид");
      warehouses.push_back(
          json::object{{"uid", id}, {"warehouse", id}, {"name", w->child_text("Наименование")}});
    }
  out["warehouses"] = std::move(warehouses);

  json::array variants, prices, stock, quantities;
  const XmlElement* list = pack->child("Предложения");
  const auto offers = list ? list->children_named("Предложение") : std::vector<const XmlElement*>{};
  for (size_t i = 0; i < offers.size(); ++i) {
    const XmlElement& o = *offers[i];
    const std::string where = "Предложения/Предложение[" + std::to_string(i + 1) + "]";
    // Plain names, not a structured binding: the lambda below captures them
    // (C++17 does not let a lambda capture a structured binding).
    const auto offer_ids = split_offer_id(o.child_text("Ид"));
    const std::string puid = offer_ids.first;
    std::string vuid = offer_ids.second;
    if (vuid.empty()) vuid = o.child_text("ИдХарактеристики");
    if (puid.empty()) cml_fail(where, "expected Ид");
    const std::string target = vuid.empty() ? puid : vuid;
    // Members in canonical order: uid, the type's own reference, product, variant, the rest.
    const auto keyed = [&](std::string uid, std::string_view ref_key, const std::string& ref) {
      json::object k;
      if (!uid.empty()) k["uid"] = std::move(uid);
      if (!ref_key.empty()) k[ref_key] = ref;
      k["product"] = puid;
      if (!vuid.empty()) k["variant"] = vuid;
      return k;
    };
    if (!vuid.empty() && o.child("Наименование")) {
      const auto rs = requisites(o);
      const std::string code = requisite(rs, "Код");
      variants.push_back(json::object{{"product", puid},
                                      {"uid", vuid},
                                      {"variant", code.empty() ? vuid : code},
                                      {"name", variant_name(o)},
                                      {"pictures", pictures_read(o, rs)}});
    }
    if (const XmlElement* ps = o.child("Цены"))
      for (const XmlElement* p : ps->children_named("Цена")) {
        const std::string pt = p->child_text("ИдТипаЦены");
        if (pt.empty()) cml_fail(where + "/Цены/Цена", "expected ИдТипаЦены");
        json::object price = keyed(pt + "/" + target, "price_type", pt);
        price["prices"] = json::array{json::object{
            {"from", valid_from}, {"price", money_read(p->child_text("ЦенаЗаЕдиницу"))}}};
        prices.push_back(std::move(price));
      }
    const auto add_stock = [&](const std::string& wh, const std::string& q) {
      if (wh.empty()) return;
      json::object s = keyed(wh + "/" + target, "warehouse", wh);
      s["quantity"] = decimal_text(q.empty() ? "0" : q);
      stock.push_back(std::move(s));
    };
    const auto add_total = [&](const std::string& q) {
      json::object t = keyed("", "", "");
      t["quantity"] = decimal_text(q);
      quantities.push_back(std::move(t));
    };
    for (const auto& c : o.children) {
      if (c.name == "Склад" || c.name == "Склады") {
        const std::string* wh = c.attribute("ИдСклада");
        const std::string* q = c.attribute("КоличествоНаСкладе");
        if (wh) add_stock(*wh, q ? *q : "0");
      } else if (c.name == "Остатки") {
        for (const XmlElement* rest : c.children_named("Остаток")) {
          if (const XmlElement* wh = rest->child("Склад"))
            add_stock(wh->child_text("Ид"), wh->child_text("Количество"));
          else if (!rest->child_text("Количество").empty())
            add_total(rest->child_text("Количество"));
        }
      }
    }
    if (!o.child_text("Количество").empty()) add_total(o.child_text("Количество"));
  }
  out["variants"] = std::move(variants);
  out["prices"] = std::move(prices);
  out["stock"] = std::move(stock);
  out["quantities"] = std::move(quantities);
  return out;
}

boost::json::array parse_orders(std::string_view xml, std::string_view ref_system) {
  const XmlDocument doc = parse_xml(xml);
  const XmlElement& root = root_of(doc);
  json::array out;
  const auto docs = root.children_named("Документ");
  for (size_t i = 0; i < docs.size(); ++i) {
    const XmlElement& d = *docs[i];
    const std::string where = "Документ[" + std::to_string(i + 1) + "]";
    if (d.child_text("ХозОперация") != "Заказ товара") continue;
    const std::string id = d.child_text("Ид");
    if (id.empty()) cml_fail(where + "/Ид", "expected the order's Ид");
    const std::string date = d.child_text("Дата").substr(0, 10);
    if (!Date::parse(date)) cml_fail(where + "/Дата", "expected a date YYYY-MM-DD");
    json::object o;
    o["kind"] = "order";
    o["number"] = d.child_text("Номер").empty() ? id : d.child_text("Номер");
    o["date"] = date;
    o["refs"] = json::array{json::string(std::string(ref_system) + ":order:" + id)};
    o["currency"] = currency_code(d.child_text("Валюта"));
    o["vat_mode"] = "included";
    std::string buyer_id;
    if (const XmlElement* cs = d.child("Контрагенты"))
      for (const XmlElement* c : cs->children_named("Контрагент")) {
        if (c->child_text("Роль") != "Покупатель" && !c->child_text("Роль").empty()) continue;
        buyer_id = c->child_text("Ид");
        const std::string official = c->child_text("ОфициальноеНаименование");
        std::string name = official.empty() ? c->child_text("ПолноеНаименование") : official;
        if (name.empty()) name = c->child_text("Наименование");
        if (name.empty()) break;
        json::object party;
        party["type"] = official.empty() ? "person" : "company";
        party["name"] = name;
        if (!c->child_text("ИНН").empty()) party["inn"] = c->child_text("ИНН");
        if (!official.empty() && !c->child_text("КПП").empty()) party["kpp"] = c->child_text("КПП");
        o["counterparty"] = std::move(party);
        break;
      }
    json::array items;
    if (const XmlElement* goods = d.child("Товары")) {
      const auto list = goods->children_named("Товар");
      for (size_t j = 0; j < list.size(); ++j) {
        const XmlElement& g = *list[j];
        json::object it;
        const std::string name = g.child_text("Наименование");
        it["name"] = name.empty() ? g.child_text("Ид") : name;
        if (!g.child_text("Ид").empty()) it["code"] = g.child_text("Ид");
        it["unit"] = unit_read(g.child("БазоваяЕдиница"));
        it["quantity"] = decimal_text(g.child_text("Количество"));
        it["price"] = money_read(g.child_text("ЦенаЗаЕдиницу"));
        Decimal discount;
        if (const XmlElement* ds = g.child("Скидки"))
          for (const XmlElement* s : ds->children_named("Скидка"))
            if (auto v = Decimal::parse(s->child_text("Сумма"))) discount = discount + *v;
        if (!discount.is_zero()) it["discount"] = money_read(discount.to_string());
        std::string rate;
        std::string mode;
        if (const XmlElement* taxes = g.child("Налоги"))
          for (const XmlElement* t : taxes->children_named("Налог"))
            if (t->child_text("Наименование") == "НДС") {
              rate = vat_rate_read(t->child_text("Ставка"));
              if (t->child_text("УчтеноВСумме") == "false") mode = "on_top";
            }
        if (rate.empty())
          if (const XmlElement* rates = g.child("СтавкиНалогов"))
            for (const XmlElement* r : rates->children_named("СтавкаНалога"))
              if (r->child_text("Наименование") == "НДС")
                rate = vat_rate_read(r->child_text("Ставка"));
        it["vat_rate"] = rate.empty() ? "none" : rate;
        if (!mode.empty()) it["vat_mode"] = mode;
        items.push_back(std::move(it));
      }
    }
    o["items"] = std::move(items);
    const auto rs = requisites(d);
    const auto flag = [&](std::initializer_list<std::string_view> names) -> std::optional<bool> {
      for (auto n : names) {
        for (const auto& [k, v] : rs)
          if (k == n) return truthy(v);
      }
      return std::nullopt;
    };
    const auto text = [&](std::initializer_list<std::string_view> names) -> std::string {
      for (auto n : names) {
        const std::string v = requisite(rs, n);
        if (!v.empty()) return v;
      }
      return {};
    };
    if (flag({"Отменен"}).value_or(false)) o["status"] = "cancelled";
    if (!d.child_text("Комментарий").empty()) o["notes"] = d.child_text("Комментарий");

    json::object cml;
    cml["id"] = id;
    if (!d.child_text("Время").empty()) cml["time"] = d.child_text("Время");
    if (!d.child_text("Сумма").empty()) cml["amount"] = money_read(d.child_text("Сумма"));
    if (!buyer_id.empty()) cml["buyer_id"] = buyer_id;
    if (auto v = text({"Статус заказа"}); !v.empty()) cml["status"] = v;
    if (auto v = text({"Статус заказа ИД", "Статуса заказа ИД"}); !v.empty()) cml["status_id"] = v;
    if (auto v = flag({"Заказ оплачен", "Оплачен"})) cml["paid"] = *v;
    if (auto v = text({"Номер оплаты", "Номер оплаты по 1С"}); !v.empty())
      cml["payment_number"] = v;
    if (auto v = text({"Дата оплаты", "Дата оплаты по 1С"}); !v.empty()) cml["payment_date"] = v;
    if (auto v = flag({"Отменен"})) cml["cancelled"] = *v;
    if (auto v = flag({"Финальный статус"})) cml["final"] = *v;
    if (auto v = flag({"ПометкаУдаления"})) cml["deletion_mark"] = *v;
    if (auto v = flag({"Проведен"})) cml["posted"] = *v;
    if (auto v = text({"Номер по 1С"}); !v.empty()) cml["number_1c"] = v;
    if (auto v = text({"Метод оплаты"}); !v.empty()) cml["payment_method"] = v;
    if (auto v = text({"Способ доставки"}); !v.empty()) cml["delivery_method"] = v;
    if (auto v = text({"Комментарии покупателя"}); !v.empty()) cml["buyer_comment"] = v;
    if (auto v = text({"Сайт"}); !v.empty()) cml["site"] = v;
    json::object all;
    for (const auto& [k, v] : rs)
      if (!k.empty() && !all.contains(k)) all[k] = v;
    cml["requisites"] = std::move(all);
    o["custom"] = json::object{{"commerceml", std::move(cml)}};
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace opora::exchange::cml

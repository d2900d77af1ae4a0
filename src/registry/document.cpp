#include "registry/document.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "core/field_reader.hpp"
#include "core/requisites.hpp"
#include "core/wide.hpp"

namespace opora::registry {
namespace json = boost::json;
using Reader = FieldReader;

// Party rules (seed 003's pre-validation and edo.md §2.2): a company has a
// 10-digit INN and a KPP, a sole trader a 12-digit INN and no KPP, a person
// at most a 12-digit INN; Kazakh parties use BIN (company) or IIN.
std::optional<Party> parse_party(const FieldReader& r, bool is_organization) {
  Party p;
  FieldErrors& errors = r.errors();
  const size_t before = errors.list().size();
  const auto inn = r.str("inn", false, 20);
  const auto bin = r.str("bin", false, 20);
  const auto iin = r.str("iin", false, 20);
  const auto kpp = r.str("kpp", false, 20);
  const int ids = (inn ? 1 : 0) + (bin ? 1 : 0) + (iin ? 1 : 0);
  if (ids > 1) errors.add(r.at("inn"), "one_tax_id", "give one of inn, bin, iin");

  if (auto t = r.str("type", false, 20)) {
    p.type = *t;
  } else if (is_organization || inn || bin) {
    // Infer what the identifier says; a counterparty without one must say.
    if (inn)
      p.type = inn->size() == 12 ? "sole_trader" : "company";
    else if (bin)
      p.type = "company";
    else if (iin)
      p.type = "sole_trader";
  }
  const char* types = is_organization ? "company or sole_trader" : "company, sole_trader or person";
  if (p.type.empty()) {
    errors.add(r.at("type"), "required",
               is_organization
                   ? std::string("is required: give the organisation's inn, bin or iin, or its "
                                 "type (") +
                         types + ")"
                   : std::string("is required: ") + types);
  } else if (p.type != "company" && p.type != "sole_trader" &&
             (is_organization || p.type != "person")) {
    errors.add(r.at("type"), "enum", std::string("expected ") + types);
  }
  if (auto n = r.str("name", p.type != "person", 1000)) p.name = *n;

  if (inn) {
    p.tax_key = "inn";
    p.tax_id = *inn;
    if (p.type == "company")
      requisites::check_inn10(*inn, r.at("inn"), errors);
    else if (p.type == "sole_trader" || p.type == "person")
      requisites::check_inn12(*inn, r.at("inn"), errors);
  } else if (bin) {
    p.tax_key = "bin";
    p.tax_id = *bin;
    requisites::check_kz_bin(*bin, r.at("bin"), errors);
    if (p.type != "company")
      errors.add(r.at("bin"), "tax_id_kind", "a BIN belongs to a company; use iin for a person");
  } else if (iin) {
    p.tax_key = "iin";
    p.tax_id = *iin;
    requisites::check_kz_iin(*iin, r.at("iin"), errors);
    if (p.type == "company")
      errors.add(r.at("iin"), "tax_id_kind", "an IIN belongs to a person; use bin for a company");
  } else if (p.type == "company" || p.type == "sole_trader") {
    errors.add(r.at("inn"), "required", "a " + p.type + " needs an inn (or bin/iin in Kazakhstan)");
  }

  if (kpp) {
    if (p.type != "company" || p.tax_key != "inn")
      errors.add(r.at("kpp"), "kpp_forbidden",
                 "only a Russian company has a KPP; a sole trader or person has none");
    else if (requisites::check_kpp(*kpp, r.at("kpp"), errors))
      p.kpp = *kpp;
  } else if (p.type == "company" && p.tax_key == "inn") {
    errors.add(r.at("kpp"), "kpp_required", "a Russian company needs its KPP");
  }
  if (errors.list().size() != before) return std::nullopt;
  return p;
}

namespace {

// "22", "10", "0", "5", "7", "0.5" (0..100, at most 2 places) or "none".
bool parse_vat_rate(const std::string& text, Decimal& rate) {
  if (text == "none") {
    rate = Decimal();
    return true;
  }
  auto d = Decimal::parse(text, 2);
  if (!d || d->is_negative() || *d > Decimal(100)) return false;
  rate = *d;
  return true;
}

}  // namespace

// VAT of one line, rounded once (half up) per line as the Tax Code's
// invoice rules require: on top = net × r / 100, included = gross × r / (100 + r).
void compute_line(Item& it, const Decimal& rate, const Currency& c) {
  const Money line = it.price.multiply(it.quantity) - it.discount;
  // rate = c / 10^s percent, so r/100 = c / (100 * 10^s) with integers only.
  const int64_t num = rate.coefficient();
  const int64_t hundred = 100 * opora::detail::pow10(rate.scale());
  if (it.vat_rate == "none" || rate.is_zero()) {
    it.net = line;
    it.vat = Money::zero(c);
    it.gross = line;
  } else if (it.vat_mode == "on_top") {
    it.net = line;
    it.vat = line.mul_div(num, hundred);
    it.gross = it.net + it.vat;
  } else {
    it.gross = line;
    it.vat = line.mul_div(num, hundred + num);
    it.net = it.gross - it.vat;
  }
}

void compute_amounts(Document& d) {
  std::map<std::string, VatLine> by_rate;
  for (Item& it : d.items) {
    Decimal rate;
    if (!parse_vat_rate(it.vat_rate, rate))
      throw Error(ErrorCode::internal, "a built document's item has VAT rate \"" + it.vat_rate +
                                           "\", not one put_many takes");
    if (it.vat_rate != "none") it.vat_rate = rate.to_string();
    if (it.quantity.is_negative() || it.quantity.is_zero() || it.price.is_negative() ||
        it.discount.is_negative() || it.discount > it.price.multiply(it.quantity) ||
        (it.vat_mode != "included" && it.vat_mode != "on_top"))
      throw Error(ErrorCode::internal,
                  "a built document's item \"" + it.name + "\" breaks a rule put_many checks");
    compute_line(it, rate, d.currency);
    auto& line = by_rate.try_emplace(it.vat_rate).first->second;
    if (line.rate.empty()) {
      line.rate = it.vat_rate;
      line.net = Money::zero(d.currency);
      line.vat = Money::zero(d.currency);
    }
    line.net = line.net + it.net;
    line.vat = line.vat + it.vat;
  }
  if (d.items.empty()) return;
  Totals t;
  t.net = t.vat = t.gross = Money::zero(d.currency);
  for (const auto& it : d.items) {
    t.net = t.net + it.net;
    t.vat = t.vat + it.vat;
    t.gross = t.gross + it.gross;
  }
  for (auto& [rate, line] : by_rate) t.by_rate.push_back(std::move(line));
  d.totals = std::move(t);
}

namespace {

json::value opt(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}
json::value opt(const std::optional<Date>& d) {
  return d ? json::value(d->to_string()) : json::value(nullptr);
}
json::value opt(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

// vat_by_rate given back with a document (a registry.get result put back as
// it came) must be the one computed from its items.
void check_stated_rates(const Reader& t, const std::vector<VatLine>& computed, const Currency& c) {
  const auto* v = t.get("vat_by_rate");
  if (v == nullptr) return;
  const json::array* given = v->if_array();
  bool same = given != nullptr && given->size() == computed.size();
  for (size_t i = 0; same && i < computed.size(); ++i) {
    const json::object* line = (*given)[i].if_object();
    if (line == nullptr) {
      same = false;
      break;
    }
    const std::string rate = text_of(*line, "rate");
    Decimal r;
    const auto net = Money::parse(text_of(*line, "net"), c);
    const auto vat = Money::parse(text_of(*line, "vat"), c);
    same = parse_vat_rate(rate, r) &&
           (rate == "none" ? "none" : r.to_string()) == computed[i].rate && net &&
           *net == computed[i].net && vat && *vat == computed[i].vat;
  }
  if (!same)
    t.errors().add(
        t.at("vat_by_rate"), "totals_mismatch",
        "is computed from the items; leave it out or give it as registry.get returns it");
}

void check_stated(const Reader& t, const char* key, const Money& computed, const Currency& c) {
  if (auto stated = t.money(key, c); stated && *stated != computed)
    t.errors().add(
        t.at(key), "totals_mismatch",
        "stated " + stated->to_string() + ", computed from the items " + computed.to_string());
}

}  // namespace

const std::vector<const char*>& writable_fields() {
  static const std::vector<const char*> fields = {
      "kind",       "number",   "date",      "organization", "counterparty", "refs",
      "currency",   "vat_mode", "items",     "totals",       "basis_id",     "basis_text",
      "valid_from", "valid_to", "status",    "is_final",     "supersedes",   "requires_countersign",
      "custom",     "notes",    "price_type"};
  return fields;
}

bool is_valid_ref(std::string_view ref) {
  const size_t a = ref.find(':');
  if (a == std::string_view::npos || a == 0) return false;
  const size_t b = ref.find(':', a + 1);
  if (b == std::string_view::npos || b == a + 1 || b + 1 >= ref.size()) return false;
  const auto simple = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    });
  };
  if (!simple(ref.substr(0, a)) || !simple(ref.substr(a + 1, b - a - 1))) return false;
  return std::none_of(ref.begin() + static_cast<std::ptrdiff_t>(b) + 1, ref.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

std::string Document::number_key(const Kind& k) const {
  std::string key = kind;
  if (k.number_per_organization) key += "|" + (organization ? organization->tax_id : "");
  return key;
}

std::string Document::sequence_scope(const Kind& k) const {
  std::string scope = number_key(k);
  if (k.number_uses_year) scope += "|" + std::to_string(date.year());
  return scope;
}
Document parse_document(const json::object& in, const Kind& kind, const std::string& path,
                        FieldErrors& errors, ItemResolver* resolver) {
  const Reader r(in, path, errors);
  Document d;
  d.kind = kind.id;
  if (auto n = r.str("number", false, 100)) {
    if (n->empty() || std::any_of(n->begin(), n->end(),
                                  [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
      errors.add(r.at("number"), "number", "must be non-empty text without control characters");
    else
      d.number = *n;
  }
  if (auto date = r.date("date", true)) d.date = *date;
  if (auto code = r.str("currency", false, 3)) {
    if (auto c = Currency::find(*code))
      d.currency = *c;
    else
      errors.add(r.at("currency"), "currency", "unknown ISO 4217 code \"" + *code + "\"");
  }
  if (const auto* v = r.get("organization")) {
    if (!v->is_object())
      errors.add(r.at("organization"), "type", "expected an object");
    else
      d.organization = parse_party(Reader(v->get_object(), r.at("organization"), errors), true);
  }
  if (const auto* v = r.get("counterparty")) {
    if (!v->is_object())
      errors.add(r.at("counterparty"), "type", "expected an object");
    else
      d.counterparty = parse_party(Reader(v->get_object(), r.at("counterparty"), errors), false);
  }
  if (const auto* v = r.get("refs")) {
    if (!v->is_array()) {
      errors.add(r.at("refs"), "type", "expected an array of \"system:type:id\" strings");
    } else {
      const auto& arr = v->get_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        const std::string p = r.at("refs") + "[" + std::to_string(i) + "]";
        if (!arr[i].is_string() || arr[i].get_string().size() > 200 ||
            !is_valid_ref(arr[i].get_string())) {
          errors.add(p, "ref",
                     "expected \"system:type:id\" with a lower-case system and type, such as "
                     "\"bitrix24:deal:42\" or \"1c:contract:00-000123\"");
          continue;
        }
        std::string ref(arr[i].get_string());
        if (std::find(d.refs.begin(), d.refs.end(), ref) == d.refs.end())
          d.refs.push_back(std::move(ref));
      }
    }
  }
  if (auto mode = r.str("vat_mode", false, 20)) {
    if (*mode != "included" && *mode != "on_top")
      errors.add(r.at("vat_mode"), "enum", "expected included or on_top");
    else
      d.vat_mode = *mode;
  }

  if (auto pt = r.str("price_type", false, 100)) {
    if (pt->empty())
      errors.add(r.at("price_type"), "required", "must not be empty");
    else
      d.price_type = *pt;
  }

  // Line items, each computed with VAT per line.
  const auto* items_value = r.get("items");
  if (items_value != nullptr && !kind.has_items &&
      !(items_value->is_array() && items_value->get_array().empty()))
    errors.add(r.at("items"), "no_items", "a " + kind.id + " has no line items");
  std::map<std::string, VatLine> by_rate;
  bool items_ok = true;
  if (kind.has_items) {
    const size_t before = errors.list().size();
    r.each_object("items", [&](const Reader& given, size_t) {
      // An order item naming a product takes its name, unit and VAT rate
      // (and its price, when it gives none) from the catalogue; the rest of
      // the line is read as any other.
      json::object completed;
      std::optional<Reader> from_catalog;
      std::string product, variant;
      if (given.get("product") != nullptr || given.get("variant") != nullptr) {
        const size_t mark = errors.list().size();
        product = given.str("product", true, 100).value_or("");
        variant = given.str("variant", false, 100).value_or("");
        if (kind.id != "order")
          errors.add(given.at("product"), "order_only",
                     "only an order's items name catalogue products; give name, price and "
                     "vat_rate");
        if (errors.list().size() != mark) return;
      }
      if (!product.empty() && resolver != nullptr) {
        ItemQuery q;
        q.product = product;
        if (!variant.empty()) q.variant = variant;
        q.price_type = d.price_type;
        q.price_type_field = r.at("price_type");
        q.date = d.date;
        q.currency = d.currency;
        q.need_price = given.get("price") == nullptr;
        std::string item_path = given.at("product");
        item_path.resize(item_path.size() - std::string_view(".product").size());
        const auto found = resolver->resolve_item(q, item_path, errors);
        if (!found) return;
        completed = given.object();
        completed["name"] = found->name;
        if (found->unit.empty())
          completed.erase("unit");
        else
          completed["unit"] = found->unit;
        if (found->vat_rate) completed["vat_rate"] = *found->vat_rate;
        if (found->price) completed["price"] = found->price->to_string();
        from_catalog.emplace(completed, item_path, errors);
      }
      const Reader& ir = from_catalog ? *from_catalog : given;
      Item it;
      it.product = std::move(product);
      it.variant = std::move(variant);
      if (auto n = ir.str("name", true, 1000)) it.name = *n;
      if (auto s = ir.str("code", false, 100)) it.code = *s;
      if (auto s = ir.str("unit", false, 50)) it.unit = *s;
      if (auto q = ir.str("quantity", true, 30)) {
        auto dec = Decimal::parse(*q, 3);
        if (!dec || dec->is_negative() || dec->is_zero())
          errors.add(ir.at("quantity"), "quantity",
                     "expected a positive decimal with at most 3 places, got \"" + *q + "\"");
        else
          it.quantity = *dec;
      }
      if (auto p = ir.money("price", d.currency, true)) {
        if (p->is_negative()) errors.add(ir.at("price"), "range", "must not be negative");
        it.price = *p;
      }
      it.discount = Money::zero(d.currency);
      if (auto disc = ir.money("discount", d.currency)) {
        if (disc->is_negative()) errors.add(ir.at("discount"), "range", "must not be negative");
        it.discount = *disc;
      }
      Decimal rate;
      it.vat_rate = ir.str("vat_rate", true, 10).value_or("");
      if (!it.vat_rate.empty() && !parse_vat_rate(it.vat_rate, rate))
        errors.add(ir.at("vat_rate"), "vat_rate",
                   "expected a percentage 0..100 such as \"22\" or \"10\", or \"none\" (без НДС)");
      else if (it.vat_rate != "none")
        it.vat_rate = rate.to_string();  // "22.00" and "22" are one rate
      it.vat_mode = ir.str("vat_mode", false, 20).value_or(d.vat_mode);
      if (it.vat_mode != "included" && it.vat_mode != "on_top")
        errors.add(ir.at("vat_mode"), "enum", "expected included or on_top");
      if (errors.list().size() != before) return;
      try {
        if (it.discount > it.price.multiply(it.quantity)) {
          errors.add(ir.at("discount"), "discount_exceeds_line", "is larger than quantity × price");
          return;
        }
        compute_line(it, rate, d.currency);
      } catch (const Error& e) {
        errors.add(ir.at("price"), "overflow", e.what());
        return;
      }
      check_stated(ir, "net", it.net, d.currency);
      check_stated(ir, "vat", it.vat, d.currency);
      check_stated(ir, "gross", it.gross, d.currency);
      auto& line = by_rate.try_emplace(it.vat_rate).first->second;
      if (line.rate.empty()) {
        line.rate = it.vat_rate;
        line.net = Money::zero(d.currency);
        line.vat = Money::zero(d.currency);
      }
      try {
        line.net = line.net + it.net;
        line.vat = line.vat + it.vat;
      } catch (const Error& e) {
        errors.add(ir.at("price"), "overflow", e.what());
        return;
      }
      d.items.push_back(std::move(it));
    });
    items_ok = errors.list().size() == before;
  }

  // Totals: computed from the items when there are any (a stated total must
  // agree, seed 002), otherwise as stated.
  const auto* totals_value = r.get("totals");
  if (totals_value != nullptr && !totals_value->is_object()) {
    errors.add(r.at("totals"), "type", "expected an object {net, vat, gross}");
  } else if (!d.items.empty() && items_ok) {
    Totals t;
    t.net = t.vat = t.gross = Money::zero(d.currency);
    try {
      for (const auto& it : d.items) {
        t.net = t.net + it.net;
        t.vat = t.vat + it.vat;
        t.gross = t.gross + it.gross;
      }
      for (auto& [rate, line] : by_rate) t.by_rate.push_back(line);
      if (totals_value != nullptr) {
        const Reader tr(totals_value->get_object(), r.at("totals"), errors);
        check_stated(tr, "net", t.net, d.currency);
        check_stated(tr, "vat", t.vat, d.currency);
        check_stated(tr, "gross", t.gross, d.currency);
        check_stated_rates(tr, t.by_rate, d.currency);
      }
      d.totals = std::move(t);
    } catch (const Error& e) {
      errors.add(r.at("totals"), "overflow", e.what());
    }
  } else if (totals_value != nullptr && items_ok) {
    const Reader tr(totals_value->get_object(), r.at("totals"), errors);
    check_stated_rates(tr, {}, d.currency);
    const auto gross = tr.money("gross", d.currency, true);
    const auto vat = tr.money("vat", d.currency);
    const auto net = tr.money("net", d.currency);
    if (gross) {
      Totals t;
      t.gross = *gross;
      t.vat = vat.value_or(Money::zero(d.currency));
      t.net = net.value_or(t.gross - t.vat);
      if (t.net + t.vat != t.gross)
        errors.add(tr.at("gross"), "totals_sum",
                   "net " + t.net.to_string() + " + vat " + t.vat.to_string() + " is not gross " +
                       t.gross.to_string());
      d.totals = std::move(t);
    }
  }

  d.basis_id = r.id("basis_id");
  d.basis_text = r.str("basis_text", false, 2000);
  d.valid_from = r.date("valid_from");
  d.valid_to = r.date("valid_to");
  if (d.valid_from && d.valid_to && *d.valid_to < *d.valid_from)
    errors.add(r.at("valid_to"), "before_from", "is before valid_from");
  d.status = r.str("status", false, 64).value_or(kind.initial);
  if (!kind.has_status(d.status))
    errors.add(
        r.at("status"),
        "status", "\"" + d.status + "\" is not a status of " + kind.id + " (" + [&] {
          std::string s;
          for (const auto& st : kind.statuses) s += (s.empty() ? "" : ", ") + st;
          return s;
        }() + ")");
  d.is_final = r.boolean("is_final").value_or(true);
  d.supersedes = r.id("supersedes");
  d.requires_countersign = r.boolean("requires_countersign").value_or(kind.requires_countersign);
  if (const auto* v = r.get("custom")) {
    if (!v->is_object())
      errors.add(r.at("custom"), "type", "expected a JSON object");
    else
      d.custom = v->get_object();
  }
  d.notes = r.str("notes", false, 100000);
  return d;
}

json::object party_json(const Party& p) {
  json::object o{{"type", p.type}, {"name", p.name}};
  if (!p.tax_key.empty()) o[p.tax_key] = p.tax_id;
  if (!p.kpp.empty()) o["kpp"] = p.kpp;
  return o;
}

json::object to_json(const Document& d, bool with_columns) {
  json::array items;
  for (const auto& it : d.items) {
    json::object o{{"name", it.name}};
    if (!it.product.empty()) o["product"] = it.product;
    if (!it.variant.empty()) o["variant"] = it.variant;
    if (!it.code.empty()) o["code"] = it.code;
    if (!it.unit.empty()) o["unit"] = it.unit;
    o["quantity"] = it.quantity.to_string();
    o["price"] = it.price.to_string();
    o["discount"] = it.discount.to_string();
    o["vat_rate"] = it.vat_rate;
    o["vat_mode"] = it.vat_mode;
    o["net"] = it.net.to_string();
    o["vat"] = it.vat.to_string();
    o["gross"] = it.gross.to_string();
    items.push_back(std::move(o));
  }
  json::value totals = nullptr;
  if (d.totals) {
    json::array rates;
    for (const auto& l : d.totals->by_rate)
      rates.push_back(
          json::object{{"rate", l.rate}, {"net", l.net.to_string()}, {"vat", l.vat.to_string()}});
    totals = json::object{{"net", d.totals->net.to_string()},
                          {"vat", d.totals->vat.to_string()},
                          {"gross", d.totals->gross.to_string()},
                          {"vat_by_rate", std::move(rates)}};
  }
  json::object o;
  o.reserve(26);
  if (with_columns) o.emplace("id", d.id);
  o.emplace("kind", d.kind);
  if (with_columns) o.emplace("number", d.number);
  o.emplace("date", d.date.to_string());
  o.emplace("organization", d.organization ? json::value(party_json(*d.organization)) : nullptr);
  o.emplace("counterparty", d.counterparty ? json::value(party_json(*d.counterparty)) : nullptr);
  o.emplace("refs", json::array(d.refs.begin(), d.refs.end()));
  o.emplace("currency", std::string(d.currency.code()));
  o.emplace("vat_mode", d.vat_mode);
  o.emplace("items", std::move(items));
  o.emplace("totals", std::move(totals));
  o.emplace("basis_id", opt(d.basis_id));
  o.emplace("basis_text", opt(d.basis_text));
  o.emplace("valid_from", opt(d.valid_from));
  o.emplace("valid_to", opt(d.valid_to));
  if (with_columns) {
    o.emplace("status", d.status);
    o.emplace("is_final", d.is_final);
  }
  o.emplace("supersedes", opt(d.supersedes));
  if (with_columns) o.emplace("superseded_by", opt(d.superseded_by));
  o.emplace("requires_countersign", d.requires_countersign);
  o.emplace("custom", d.custom);
  o.emplace("notes", opt(d.notes));
  if (d.price_type) o.emplace("price_type", *d.price_type);
  if (with_columns) {
    o.emplace("deleted", d.deleted);
    o.emplace("version", d.version);
    o.emplace("created_at", d.created_at);
    o.emplace("updated_at", d.updated_at);
  }
  return o;
}

}  // namespace opora::registry

// The stored body written straight from the Document: the bytes
// json::serialize(to_json(d, false)) gives, without building the JSON tree
// first (one allocation per field and item less on every write; a bulk load
// spent a tenth of its time there). A test holds the two equal.
#include <boost/json.hpp>

#include "registry/storage.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace body_detail {

// Appends `text` as a JSON string, escaped as Boost.JSON's serializer does.
void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0x0F];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

// Writes one object: key() before each member takes care of the commas.
class BodyWriter {
 public:
  explicit BodyWriter(std::string& out) : out_(out) {}
  void open() {
    out_ += '{';
    first_ = true;
  }
  void close() {
    out_ += '}';
    first_ = false;
  }
  void key(const char* name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }
  void str(const char* name, std::string_view v) {
    key(name);
    append_string(out_, v);
  }
  void null(const char* name) {
    key(name);
    out_ += "null";
  }
  void boolean(const char* name, bool v) {
    key(name);
    out_ += v ? "true" : "false";
  }
  void opt(const char* name, const std::optional<std::string>& v) {
    if (v)
      str(name, *v);
    else
      null(name);
  }
  void opt(const char* name, const std::optional<Date>& v) {
    if (v)
      str(name, v->to_string());
    else
      null(name);
  }
  void opt(const char* name, const std::optional<int64_t>& v) {
    key(name);
    out_ += v ? std::to_string(*v) : "null";
  }
  void party(const char* name, const std::optional<Party>& p) {
    if (!p) {
      null(name);
      return;
    }
    key(name);
    open();
    str("type", p->type);
    str("name", p->name);
    if (!p->tax_key.empty()) {
      // A tax key is one of the party's own member names (inn, bin, iin).
      key(p->tax_key.c_str());
      append_string(out_, p->tax_id);
    }
    if (!p->kpp.empty()) str("kpp", p->kpp);
    close();
  }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace body_detail

std::string body_text(const Document& d) {
  std::string out;
  out.reserve(512 + 256 * d.items.size());
  body_detail::BodyWriter w(out);
  w.open();
  w.str("kind", d.kind);
  w.str("date", d.date.to_string());
  w.party("organization", d.organization);
  w.party("counterparty", d.counterparty);
  w.key("refs");
  out += '[';
  for (size_t i = 0; i < d.refs.size(); ++i) {
    if (i > 0) out += ',';
    body_detail::append_string(out, d.refs[i]);
  }
  out += ']';
  w.str("currency", d.currency.code());
  w.str("vat_mode", d.vat_mode);
  w.key("items");
  out += '[';
  for (size_t i = 0; i < d.items.size(); ++i) {
    const Item& it = d.items[i];
    if (i > 0) out += ',';
    body_detail::BodyWriter o(out);
    o.open();
    o.str("name", it.name);
    if (!it.product.empty()) o.str("product", it.product);
    if (!it.variant.empty()) o.str("variant", it.variant);
    if (!it.code.empty()) o.str("code", it.code);
    if (!it.unit.empty()) o.str("unit", it.unit);
    o.str("quantity", it.quantity.to_string());
    o.str("price", it.price.to_string());
    o.str("discount", it.discount.to_string());
    o.str("vat_rate", it.vat_rate);
    o.str("vat_mode", it.vat_mode);
    o.str("net", it.net.to_string());
    o.str("vat", it.vat.to_string());
    o.str("gross", it.gross.to_string());
    o.close();
  }
  out += ']';
  if (d.totals) {
    w.key("totals");
    body_detail::BodyWriter t(out);
    t.open();
    t.str("net", d.totals->net.to_string());
    t.str("vat", d.totals->vat.to_string());
    t.str("gross", d.totals->gross.to_string());
    t.key("vat_by_rate");
    out += '[';
    for (size_t i = 0; i < d.totals->by_rate.size(); ++i) {
      const VatLine& l = d.totals->by_rate[i];
      if (i > 0) out += ',';
      body_detail::BodyWriter r(out);
      r.open();
      r.str("rate", l.rate);
      r.str("net", l.net.to_string());
      r.str("vat", l.vat.to_string());
      r.close();
    }
    out += ']';
    t.close();
  } else {
    w.null("totals");
  }
  w.opt("basis_id", d.basis_id);
  w.opt("basis_text", d.basis_text);
  w.opt("valid_from", d.valid_from);
  w.opt("valid_to", d.valid_to);
  w.opt("supersedes", d.supersedes);
  w.boolean("requires_countersign", d.requires_countersign);
  w.key("custom");
  out += json::serialize(d.custom);
  w.opt("notes", d.notes);
  if (d.price_type) w.str("price_type", *d.price_type);
  w.close();
  return out;
}

}  // namespace opora::registry

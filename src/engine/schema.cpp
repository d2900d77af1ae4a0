#include "engine/schema.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <vector>

#include "core/date.hpp"
#include "core/decimal.hpp"
#include "core/money.hpp"
#include "core/suggest.hpp"
#include "core/timestamp.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

const char* json_kind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      // 5.0 or 1e30: a number the parser could not keep as an integer.
      return std::trunc(v.get_double()) == v.get_double() ? "a number" : "a number with a fraction";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// Characters as JSON Schema counts them: Unicode code points. Boost.JSON
// has checked the text is UTF-8, so every byte that does not continue a
// sequence starts one.
int64_t char_count(std::string_view s) {
  int64_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// A value quoted in a message, cut short: a message names the problem, it
// does not echo a megabyte back.
std::string quoted(std::string_view s) {
  constexpr size_t kShown = 60;
  size_t end = 0;
  size_t chars = 0;
  while (end < s.size() && chars < kShown) {
    ++end;
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
    ++chars;
  }
  return "\"" + std::string(s.substr(0, end)) + (end < s.size() ? "...\"" : "\"");
}

std::string shown(const json::value& v) {
  if (v.is_string()) return quoted(v.get_string());
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return json::serialize(v);
}

// "-12", "0.05", "1234.56": optional minus, digits, optional fraction.
bool is_decimal_text(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == int_start) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  const size_t frac_start = ++i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i == s.size() && i > frac_start;
}

// A UUID as opora writes them: 36 characters, lower-case hex and dashes.
bool is_uuid_text(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// A percentage 0..100 with at most `places` decimal places.
bool is_percent(std::string_view s, int places) {
  const auto d = Decimal::parse(s, places);
  return d && !d->is_negative() && !(Decimal(100) < *d);
}

void check_format(std::string_view format, std::string_view s, const std::string& path,
                  FieldErrors& out) {
  if (format == "date") {
    if (!Date::parse(s))
      out.add(path, "date",
              "expected an existing date \"YYYY-MM-DD\" in years 1900..2999, got " + quoted(s));
  } else if (format == "date-time") {
    if (!Timestamp::parse(s))
      out.add(path, "date-time",
              "expected \"YYYY-MM-DDTHH:MM:SSZ\" (or an offset like +03:00, or a bare date), got " +
                  quoted(s));
  } else if (format == "money" || format == "decimal") {
    if (!is_decimal_text(s))
      out.add(
          path, std::string(format),
          "expected a decimal number as text such as \"1234.56\" or \"-0.05\", got " + quoted(s));
  } else if (format == "quantity") {
    const auto d = Decimal::parse(s, 3);
    if (!d || d->is_negative() || d->is_zero())
      out.add(path, "quantity",
              "expected a positive decimal with at most 3 places such as \"1\" or \"2.5\", got " +
                  quoted(s));
  } else if (format == "vat_rate") {
    if (s != "none" && !is_percent(s, 2))
      out.add(path, "vat_rate",
              "expected a percentage 0..100 with at most 2 places such as \"22\" or \"10\", or "
              "\"none\" (без НДС), got " +
                  quoted(s));
  } else if (format == "percent") {
    if (!is_percent(s, 4))
      out.add(
          path, "percent",
          "expected a percentage 0..100 with at most 4 places such as \"15\", got " + quoted(s));
  } else if (format == "uuid") {
    if (!is_uuid_text(s))
      out.add(path, "uuid",
              "expected a UUID in lower case, 8-4-4-4-12 hex digits such as "
              "\"0192f1c4-7b1a-7c3e-9a1b-2f3d4e5f6a7b\", got " +
                  quoted(s));
  } else if (format == "currency") {
    if (!Currency::find(s))
      out.add(path, "currency",
              "expected an ISO 4217 code opora knows, in capitals, such as \"RUB\" or \"KZT\", "
              "got " +
                  quoted(s));
  }
}

bool type_matches(std::string_view type, const json::value& v) {
  return (type == "object" && v.is_object()) || (type == "string" && v.is_string()) ||
         (type == "integer" && (v.is_int64() || v.is_uint64())) ||
         (type == "boolean" && v.is_bool()) || (type == "array" && v.is_array()) ||
         (type == "null" && v.is_null());
}

std::string type_name(std::string_view type) {
  return type == "integer"   ? "an integer"
         : type == "object"  ? "an object"
         : type == "array"   ? "an array"
         : type == "boolean" ? "a boolean"
         : type == "null"    ? "null"
                             : "a string";
}

// False (and the problem added) when `v` has none of the schema's types.
bool check_types(const json::object& schema, const json::value& v, const std::string& path,
                 FieldErrors& out) {
  const auto* type = schema.if_contains("type");
  if (type == nullptr) return true;
  std::vector<std::string_view> types;
  if (type->is_string())
    types.push_back(type->get_string());
  else
    for (const auto& t : type->as_array()) types.push_back(t.as_string());
  std::string names;
  bool wants_integer = false;
  for (auto t : types) {
    if (type_matches(t, v)) return true;
    wants_integer = wants_integer || t == "integer";
    names += (names.empty() ? "" : " or ") + type_name(t);
  }
  // JSON integers beyond 64 bits arrive as doubles: name the real problem.
  if (wants_integer && v.is_double() && std::fabs(v.get_double()) >= 9.2233720368547758e18)
    out.add(path, "range", "must fit in a signed 64-bit integer, got " + json::serialize(v));
  else
    out.add(path, "type", "expected " + names + ", got " + json_kind(v));
  return false;
}

void check_integer_range(const json::object& schema, const json::value& v, const std::string& path,
                         FieldErrors& out) {
  if (v.is_uint64() && v.get_uint64() > static_cast<uint64_t>(INT64_MAX)) {
    out.add(path, "range", "must fit in a signed 64-bit integer, got " + json::serialize(v));
    return;
  }
  const auto* lo = schema.if_contains("minimum");
  const auto* hi = schema.if_contains("maximum");
  const int64_t n = v.to_number<int64_t>();
  if ((lo != nullptr && n < lo->to_number<int64_t>()) ||
      (hi != nullptr && n > hi->to_number<int64_t>())) {
    std::string range = "must be";
    if (lo != nullptr) range += " at least " + std::to_string(lo->to_number<int64_t>());
    if (lo != nullptr && hi != nullptr) range += " and";
    if (hi != nullptr) range += " at most " + std::to_string(hi->to_number<int64_t>());
    out.add(path, "range", range + ", got " + json::serialize(v));
  }
}

void check_string(const json::object& schema, std::string_view s, const std::string& path,
                  FieldErrors& out) {
  if (const auto* f = schema.if_contains("format")) check_format(f->as_string(), s, path, out);
  const auto* min_len = schema.if_contains("minLength");
  const auto* max_len = schema.if_contains("maxLength");
  const int64_t n = char_count(s);
  if (min_len != nullptr && n < min_len->to_number<int64_t>())
    out.add(path, "length",
            "must be at least " + std::to_string(min_len->to_number<int64_t>()) +
                (min_len->to_number<int64_t>() == 1 ? " character" : " characters") + " long");
  if (max_len != nullptr && n > max_len->to_number<int64_t>())
    out.add(path, "length",
            "must be at most " + std::to_string(max_len->to_number<int64_t>()) +
                " characters long, got " + std::to_string(n));
}

void check_array(const json::object& schema, const json::array& arr, const std::string& path,
                 FieldErrors& out) {
  const auto size = static_cast<int64_t>(arr.size());
  const auto* min_items = schema.if_contains("minItems");
  const auto* max_items = schema.if_contains("maxItems");
  if (min_items != nullptr && size < min_items->to_number<int64_t>())
    out.add(path, "length",
            "must have at least " + std::to_string(min_items->to_number<int64_t>()) +
                (min_items->to_number<int64_t>() == 1 ? " item" : " items"));
  if (max_items != nullptr && size > max_items->to_number<int64_t>())
    out.add(path, "length",
            "must have at most " + std::to_string(max_items->to_number<int64_t>()) +
                " items, got " + std::to_string(size));
  if (const auto* items = schema.if_contains("items"))
    for (size_t i = 0; i < arr.size(); ++i)
      validate(*items, arr[i], path + "[" + std::to_string(i) + "]", out);
}

void check_object(const json::object& schema, const json::object& obj, const std::string& path,
                  FieldErrors& out) {
  static const json::object kNoProperties;
  const auto* props_value = schema.if_contains("properties");
  const json::object& props = props_value != nullptr ? props_value->as_object() : kNoProperties;
  if (const auto* required = schema.if_contains("required")) {
    for (const auto& name : required->as_array()) {
      const auto* field = obj.if_contains(name.as_string());
      if (field == nullptr || field->is_null())
        out.add(member_path(path, name.as_string()), "required", "is required");
    }
  }
  // {"product": ["name", "price"]}: without a product, name and price are required.
  if (const auto* unless = schema.if_contains("x-required-unless")) {
    for (const auto& [key, names] : unless->as_object()) {
      if (const auto* v = obj.if_contains(key); v != nullptr && !v->is_null()) continue;
      for (const auto& name : names.as_array()) {
        const auto* field = obj.if_contains(name.as_string());
        if (field == nullptr || field->is_null())
          out.add(member_path(path, name.as_string()), "required",
                  "is required (unless " + std::string(key) + " is given)");
      }
    }
  }
  const auto* extra = schema.if_contains("additionalProperties");
  std::vector<std::string> known;  // filled when a member is unknown
  for (const auto& kv : obj) {
    const json::value* sub = props.if_contains(kv.key());
    if (sub == nullptr && extra != nullptr && extra->is_object()) sub = extra;
    if (sub != nullptr) {
      if (!kv.value().is_null()) validate(*sub, kv.value(), member_path(path, kv.key()), out);
      continue;
    }
    if (extra != nullptr && extra->is_bool() && extra->get_bool()) continue;
    if (known.empty())
      for (const auto& p : props)
        if (p.value().as_object().if_contains("x-alias-of") == nullptr) known.emplace_back(p.key());
    // A name is a name: one of a megabyte is shown cut short.
    const std::string_view key = kv.key();
    const std::string shown_key =
        key.size() > 64 ? std::string(key.substr(0, 60)) + "..." : std::string(key);
    out.add(member_path(path, shown_key), "unknown_field", unknown_field_message(key, known));
  }
}

}  // namespace

std::string_view schema_format(const json::object& schema) noexcept {
  const auto* f = schema.if_contains("format");
  return f != nullptr && f->is_string() ? std::string_view(f->get_string()) : std::string_view();
}

bool schema_names_type(const json::object& schema, std::string_view type) noexcept {
  const auto* t = schema.if_contains("type");
  if (t == nullptr) return false;
  if (t->is_string()) return t->get_string() == type;
  if (t->is_array())
    for (const auto& one : t->get_array())
      if (one.is_string() && one.get_string() == type) return true;
  return false;
}

std::string member_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool is_decimal_format(std::string_view format) noexcept {
  return format == "money" || format == "decimal" || format == "quantity" || format == "vat_rate" ||
         format == "percent";
}

void validate(const json::value& schema_value, const json::value& v, const std::string& path,
              FieldErrors& out) {
  const auto& schema = schema_value.as_object();
  if (!check_types(schema, v, path, out)) return;
  if (v.is_null()) return;
  // The method itself checks the members of this value, reporting every
  // problem with its path; the schema documents it and checks its type.
  if (const auto* own = schema.if_contains("x-validated-by-method");
      own && own->is_bool() && own->get_bool())
    return;
  if (const auto* e = schema.if_contains("enum")) {
    bool found = false;
    std::string allowed;
    for (const auto& option : e->as_array()) {
      if (option == v) found = true;
      if (!allowed.empty()) allowed += ", ";
      allowed += json::serialize(option);
    }
    if (!found) out.add(path, "enum", "expected one of " + allowed + ", got " + shown(v));
  }
  if (v.is_string()) check_string(schema, v.get_string(), path, out);
  if (v.is_int64() || v.is_uint64()) check_integer_range(schema, v, path, out);
  if (v.is_array()) check_array(schema, v.get_array(), path, out);
  if (v.is_object()) check_object(schema, v.get_object(), path, out);
}

namespace {

bool is_object_schema(const json::object& schema) {
  if (schema.contains("properties")) return true;
  const auto* type = schema.if_contains("type");
  if (type == nullptr) return false;
  if (type->is_string()) return type->get_string() == "object";
  for (const auto& t : type->as_array())
    if (t == "object") return true;
  return false;
}

void seal_value(json::object& schema) {
  const bool own = schema.contains("x-validated-by-method");
  if (is_object_schema(schema) && !own && !schema.contains("additionalProperties"))
    schema["additionalProperties"] = false;
  if (auto* props = schema.if_contains("properties")) {
    auto& p = props->as_object();
    for (auto& kv : p) {
      auto& sub = kv.value().as_object();
      if (const auto* canonical = sub.if_contains("x-alias-of")) {
        const std::string name(canonical->as_string());
        const auto* target = p.if_contains(name);
        if (target == nullptr || target->as_object().contains("x-alias-of"))
          throw Error(ErrorCode::internal, "schema: \"" + std::string(kv.key()) +
                                               "\" is an alias of \"" + name +
                                               "\", which is not a property");
        sub["deprecated"] = true;
        if (!sub.contains("description"))
          sub["description"] = "deprecated: the old name of \"" + name + "\"; send \"" + name +
                               "\" instead (giving both is an error)";
      }
      seal_value(sub);
    }
  }
  if (auto* items = schema.if_contains("items")) seal_value(items->as_object());
  if (auto* extra = schema.if_contains("additionalProperties"); extra && extra->is_object())
    seal_value(extra->as_object());
}

}  // namespace

void seal_schema(json::object& schema) {
  seal_value(schema);
}

json::object parse_schema(const char* text) {
  return json::parse(text).as_object();
}

json::object parse_params_schema(const char* text) {
  json::object schema = parse_schema(text);
  seal_schema(schema);
  return schema;
}

}  // namespace opora::engine

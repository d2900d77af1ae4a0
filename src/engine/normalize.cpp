#include "engine/normalize.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "engine/schema.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

// Whether the schema's "type" admits `type` (no "type": anything goes).
bool allows(const json::object& schema, std::string_view type) {
  return !schema.contains("type") || schema_names_type(schema, type);
}

// "object" is one of the schema's types and "array" is not.
bool wants_object_only(const json::object& schema) {
  return schema.contains("type") && allows(schema, "object") && !allows(schema, "array");
}

// Largest magnitude below which every integer is exact in a double.
constexpr double kExactIntegers = 9007199254740992.0;  // 2^53

// Digits of the shortest round-trip text of `d`, leading zeros aside
// (4.9999e+02 -> 5). A decimal of at most 15 significant digits survives
// the trip through a double and back unchanged; one of more may not.
int significant_digits(double d) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  int n = 0;
  for (const char* p = buf; p != r.ptr && *p != 'e'; ++p)
    if (*p >= '0' && *p <= '9') ++n;
  return n;
}

// The shortest text that reads back as `d`, in plain decimal notation
// (1e+20 -> "100000000000000000000", -0.0 -> "0").
std::string plain_text(double d) {
  if (d == 0) return "0";
  std::string buf(400, '\0');  // the longest fixed form of a double is ~330 characters
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed);
  buf.resize(static_cast<size_t>(r.ptr - buf.data()));
  return buf;
}

// The shortest text that reads back as `d`, as the host most likely wrote it.
std::string shortest_text(double d) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// The same value rounded to 15 significant digits, as a host most likely
// meant it (0.30000000000000004 -> 0.3).
std::string rounded_text(double d) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general, 15);
  return std::string(buf, r.ptr);
}

void number_to_text(const json::object& schema, json::value& v, const std::string& path,
                    FieldErrors& out) {
  if (v.is_int64()) {
    v = std::to_string(v.get_int64());
  } else if (v.is_uint64()) {
    v = std::to_string(v.get_uint64());
  } else if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d)) return;  // the C ABI refuses these; validate() names the type
    // No amount, quantity or rate opora keeps comes near 10^18 (money is held in
    // 64-bit minor units): say so rather than how long its 300-digit text is.
    if (std::fabs(d) >= 1e18) {
      out.add(path, "range",
              "got the JSON number " + shortest_text(d) + ", far beyond any amount opora keeps");
      return;
    }
    const int digits = significant_digits(d);
    if (digits > 15) {
      out.add(path, "inexact_number",
              "got the JSON number " + shortest_text(d) + ", which is not an exact decimal: " +
                  "a number with a fraction arrives as binary floating point, and this one needs " +
                  std::to_string(digits) +
                  " significant digits (at most 15 are exact), as a sum like 0.1 + 0.2 computed "
                  "in floating point does; round it to the places the field takes before "
                  "sending, or send the text, such as \"" +
                  rounded_text(d) + "\"" +
                  (schema_format(schema) == "money" ? " (money is exact to the minor unit)" : ""));
      return;
    }
    v = plain_text(d);
  }
}

bool digits_at(std::string_view s, size_t from, size_t count) {
  if (from + count > s.size()) return false;
  for (size_t i = from; i < from + count; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// "YYYY-MM-DDT00:00:00", optionally ".000" and "Z" or "+03:00": the date.
void date_time_to_date(json::value& v, const std::string& path, FieldErrors& out) {
  const std::string_view s = v.get_string();
  if (s.size() < 19 || s[10] != 'T' || !Date::parse(s.substr(0, 10))) return;
  if (s[13] != ':' || s[16] != ':' || !digits_at(s, 11, 2) || !digits_at(s, 14, 2) ||
      !digits_at(s, 17, 2))
    return;
  size_t i = 19;
  bool fraction_zero = true;
  if (i < s.size() && s[i] == '.') {
    const size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      fraction_zero = fraction_zero && s[i++] == '0';
    if (i == start) return;
  }
  const std::string_view zone = s.substr(i);
  if (!(zone.empty() || zone == "Z" ||
        (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits_at(zone, 1, 2) &&
         zone[3] == ':' && digits_at(zone, 4, 2))))
    return;
  if (s.substr(11, 8) == "00:00:00" && fraction_zero) {
    v = std::string(s.substr(0, 10));
    return;
  }
  out.add(path, "date",
          "a date has no time of day: send \"" + std::string(s.substr(0, 10)) + "\" (midnight, \"" +
              std::string(s.substr(0, 10)) +
              "T00:00:00\" as 1C writes a Дата, is read as that date), got \"" + std::string(s) +
              "\"");
}

// Removes `key`, keeping the order of the other members (json::object::erase
// moves the last member into the gap; a host's order stays as it came).
void erase_in_order(json::object& obj, std::string_view key) {
  if (!obj.contains(key)) return;
  json::object kept(obj.storage());
  kept.reserve(obj.size());
  for (auto& kv : obj)
    if (kv.key() != key) kept.emplace(kv.key(), std::move(kv.value()));
  obj = std::move(kept);
}

void normalize_object(const json::object& schema, json::object& obj, const std::string& path,
                      FieldErrors& out) {
  static const json::object kNoProperties;
  const auto* props_value = schema.if_contains("properties");
  const json::object& props = props_value != nullptr ? props_value->as_object() : kNoProperties;
  // Aliases first, so the canonical name is what every later step sees.
  for (const auto& p : props) {
    const auto* canonical = p.value().as_object().if_contains("x-alias-of");
    if (canonical == nullptr) continue;
    auto* alias = obj.if_contains(p.key());
    if (alias == nullptr) continue;
    const std::string name(canonical->as_string());
    auto* current = obj.if_contains(name);
    if (alias->is_null()) {
      erase_in_order(obj, p.key());
    } else if (current != nullptr && !current->is_null()) {
      out.add(
          member_path(path, p.key()), "alias_conflict",
          "is the old name of \"" + name + "\", which is given too: send only \"" + name + "\"");
    } else {
      json::value moved = std::move(*alias);
      erase_in_order(obj, p.key());
      obj[name] = std::move(moved);
    }
  }
  const auto* extra = schema.if_contains("additionalProperties");
  const json::object* extra_schema =
      extra != nullptr && extra->is_object() ? &extra->get_object() : nullptr;
  std::vector<std::string> absent;
  for (auto& kv : obj) {
    const json::value* sub = props.if_contains(kv.key());
    const json::object* sub_schema = sub != nullptr ? &sub->as_object() : extra_schema;
    if (sub_schema == nullptr) continue;  // unknown, or any value goes
    if (kv.value().is_null()) {
      if (!allows(*sub_schema, "null")) absent.emplace_back(kv.key());
      continue;
    }
    normalize(*sub_schema, kv.value(), member_path(path, kv.key()), out);
  }
  if (absent.empty()) return;
  json::object kept(obj.storage());
  kept.reserve(obj.size());
  for (auto& kv : obj)
    if (std::find(absent.begin(), absent.end(), kv.key()) == absent.end())
      kept.emplace(kv.key(), std::move(kv.value()));
  obj = std::move(kept);
}

}  // namespace

void normalize(const json::object& schema, json::value& v, const std::string& path,
               FieldErrors& out) {
  if (v.is_array() && v.get_array().empty() && wants_object_only(schema)) {
    v = json::object(v.storage());
    return;
  }
  if (v.is_double() && allows(schema, "integer") && !allows(schema, "string")) {
    const double d = v.get_double();
    if (std::trunc(d) == d && std::fabs(d) <= kExactIntegers) v = static_cast<int64_t>(d);
    return;
  }
  const std::string_view format = schema_format(schema);
  if (v.is_number() && is_decimal_format(format) && allows(schema, "string") &&
      !allows(schema, "integer")) {
    number_to_text(schema, v, path, out);
    return;
  }
  if (v.is_string() && format == "date") {
    date_time_to_date(v, path, out);
    return;
  }
  if (const auto* own = schema.if_contains("x-validated-by-method");
      own && own->is_bool() && own->get_bool())
    return;
  if (auto* arr = v.if_array()) {
    if (const auto* items = schema.if_contains("items"); items && items->is_object())
      for (size_t i = 0; i < arr->size(); ++i)
        normalize(items->get_object(), (*arr)[i], path + "[" + std::to_string(i) + "]", out);
  } else if (auto* obj = v.if_object()) {
    normalize_object(schema, *obj, path, out);
  }
}

void normalize_params(const json::object& schema, json::object& params, FieldErrors& out) {
  normalize_object(schema, params, "", out);
}

}  // namespace opora::engine

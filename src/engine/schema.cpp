#include "engine/schema.hpp"

#include <boost/json.hpp>
#include <cmath>

#include "core/date.hpp"
#include "core/timestamp.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

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
      return "a number with a fraction";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
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

void check_format(std::string_view format, std::string_view s, const std::string& path,
                  FieldErrors& out) {
  if (format == "date") {
    if (!Date::parse(s))
      out.add(path, "date",
              "expected an existing date \"YYYY-MM-DD\" in years 1900..2999, got \"" +
                  std::string(s) + "\"");
  } else if (format == "date-time") {
    if (!Timestamp::parse(s))
      out.add(path, "date-time",
              "expected \"YYYY-MM-DDTHH:MM:SSZ\" (or an offset like +03:00, or a bare date), got "
              "\"" +
                  std::string(s) + "\"");
  } else if (format == "money" || format == "decimal") {
    if (!is_decimal_text(s))
      out.add(path, std::string(format),
              "expected a decimal number as text such as \"1234.56\" or \"-0.05\", got \"" +
                  std::string(s) + "\"");
  }
}

void check_type(std::string_view type, const json::value& v, const std::string& path,
                FieldErrors& out, bool& ok) {
  ok = (type == "object" && v.is_object()) || (type == "string" && v.is_string()) ||
       (type == "integer" && (v.is_int64() || v.is_uint64())) ||
       (type == "boolean" && v.is_bool()) || (type == "array" && v.is_array());
  if (!ok && type == "integer" && v.is_double() &&
      std::fabs(v.get_double()) >= 9.2233720368547758e18) {
    // JSON integers beyond 64 bits arrive as doubles: name the real problem.
    out.add(path, "range", "must fit in a signed 64-bit integer, got " + json::serialize(v));
    return;
  }
  if (!ok) {
    std::string expected = type == "integer"   ? "an integer"
                           : type == "object"  ? "an object"
                           : type == "array"   ? "an array"
                           : type == "boolean" ? "a boolean"
                                               : "a string";
    out.add(path, "type", "expected " + expected + ", got " + json_kind(v));
  }
}

}  // namespace

void validate(const json::value& schema_value, const json::value& v, const std::string& path,
              FieldErrors& out) {
  const auto& schema = schema_value.as_object();
  // The method itself checks these fields, reporting shape and rule
  // problems together with OPORA_EVALIDATION; the schema only documents them.
  if (const auto* own = schema.if_contains("x-validated-by-method");
      own && own->is_bool() && own->get_bool())
    return;
  bool ok = true;
  if (const auto* type = schema.if_contains("type")) {
    if (type->is_array()) {
      // ["string", "null"]: any one of the types will do.
      bool any = false;
      std::string names;
      for (const auto& t : type->get_array()) {
        FieldErrors scratch;
        bool one = true;
        check_type(t.as_string(), v, path, scratch, one);
        any = any || one;
        names += (names.empty() ? "" : " or ") + std::string(t.as_string());
      }
      if (!any) out.add(path, "type", "expected " + names);
      if (!any || v.is_null()) return;
    } else {
      check_type(type->as_string(), v, path, out, ok);
      if (!ok) return;
    }
  }
  if (const auto* e = schema.if_contains("enum")) {
    bool found = false;
    std::string allowed;
    for (const auto& option : e->as_array()) {
      if (option == v) found = true;
      if (!allowed.empty()) allowed += ", ";
      allowed += json::serialize(option);
    }
    if (!found) out.add(path, "enum", "expected one of " + allowed + ", got " + json::serialize(v));
  }
  if (v.is_string()) {
    const auto& s = v.get_string();
    if (const auto* f = schema.if_contains("format")) check_format(f->as_string(), s, path, out);
    const auto* min_len = schema.if_contains("minLength");
    const auto* max_len = schema.if_contains("maxLength");
    if (min_len != nullptr && static_cast<int64_t>(s.size()) < min_len->to_number<int64_t>())
      out.add(path, "length",
              "must be at least " + std::to_string(min_len->to_number<int64_t>()) + " bytes long");
    if (max_len != nullptr && static_cast<int64_t>(s.size()) > max_len->to_number<int64_t>())
      out.add(path, "length",
              "must be at most " + std::to_string(max_len->to_number<int64_t>()) + " bytes long");
  }
  if (v.is_uint64() && v.get_uint64() > static_cast<uint64_t>(INT64_MAX)) {
    out.add(path, "range", "must fit in a signed 64-bit integer, got " + json::serialize(v));
  } else if (v.is_int64() || v.is_uint64()) {
    const auto* lo = schema.if_contains("minimum");
    const auto* hi = schema.if_contains("maximum");
    const bool huge = v.is_uint64() && v.get_uint64() > static_cast<uint64_t>(INT64_MAX);
    const int64_t n = huge ? INT64_MAX : v.to_number<int64_t>();
    if ((lo != nullptr && n < lo->to_number<int64_t>()) ||
        (hi != nullptr && (huge || n > hi->to_number<int64_t>()))) {
      std::string range = "must be";
      if (lo != nullptr) range += " at least " + std::to_string(lo->to_number<int64_t>());
      if (lo != nullptr && hi != nullptr) range += " and";
      if (hi != nullptr) range += " at most " + std::to_string(hi->to_number<int64_t>());
      out.add(path, "range", range + ", got " + json::serialize(v));
    }
  }
  if (v.is_array()) {
    const auto size = static_cast<int64_t>(v.get_array().size());
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
    if (const auto* items = schema.if_contains("items")) {
      const auto& arr = v.get_array();
      for (size_t i = 0; i < arr.size(); ++i)
        validate(*items, arr[i], path + "[" + std::to_string(i) + "]", out);
    }
  }
  if (v.is_object()) {
    const auto& obj = v.get_object();
    const auto* props = schema.if_contains("properties");
    if (const auto* required = schema.if_contains("required")) {
      for (const auto& name : required->as_array()) {
        const auto* field = obj.if_contains(name.as_string());
        if (field == nullptr || field->is_null())
          out.add(join(path, name.as_string()), "required", "is required");
      }
    }
    if (props != nullptr) {
      for (const auto& [key, sub] : props->as_object()) {
        const auto* field = obj.if_contains(key);
        if (field != nullptr && !field->is_null()) validate(sub, *field, join(path, key), out);
      }
    }
  }
}

namespace {

// "object" is one of the schema's types and "array" is not.
bool wants_object_only(const json::object& schema) {
  const auto* type = schema.if_contains("type");
  if (type == nullptr) return false;
  if (type->is_string()) return type->get_string() == "object";
  bool object = false;
  for (const auto& t : type->as_array()) {
    if (t == "array") return false;
    object = object || t == "object";
  }
  return object;
}

}  // namespace

namespace {

void empty_arrays_in_object(const json::object& schema, json::object& obj);

void empty_arrays_in_value(const json::object& schema, json::value& v) {
  if (v.is_array() && v.get_array().empty() && wants_object_only(schema)) {
    v = json::object();
  } else if (auto* arr = v.if_array()) {
    if (const auto* items = schema.if_contains("items"))
      for (auto& item : *arr) empty_arrays_in_value(items->as_object(), item);
  } else if (auto* obj = v.if_object()) {
    empty_arrays_in_object(schema, *obj);
  }
}

void empty_arrays_in_object(const json::object& schema, json::object& obj) {
  if (const auto* props = schema.if_contains("properties"))
    for (const auto& [key, sub] : props->as_object())
      if (auto* field = obj.if_contains(key)) empty_arrays_in_value(sub.as_object(), *field);
}

}  // namespace

void empty_arrays_as_objects(const json::object& schema, json::object& params) {
  empty_arrays_in_object(schema, params);
}

json::object parse_schema(const char* text) {
  return json::parse(text).as_object();
}

}  // namespace opora::engine

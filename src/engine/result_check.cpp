// The result contract: results checked against their declared schemas.
#include "engine/result_check.hpp"

#include <boost/json.hpp>
#include <string_view>

#include "core/date.hpp"
#include "core/timestamp.hpp"
#include "engine/method_table.hpp"
#include "engine/schema.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (s == n) return true;
  return false;
}

// A name that says "a point in time": it must travel as ISO 8601 text.
bool time_like_name(std::string_view key) {
  return one_of(key, {"at", "now", "time", "timestamp", "ts", "due", "deadline", "until", "expires",
                      "date"}) ||
         ends_with(key, "_at") || ends_with(key, "_time") || ends_with(key, "_timestamp") ||
         ends_with(key, "_until") || ends_with(key, "_date") || ends_with(key, "_on");
}

// A name that says "a calendar date".
bool date_like_name(std::string_view key) {
  return one_of(key, {"date", "valid_from", "valid_to"}) || ends_with(key, "_date");
}

// A name that says "an amount of money".
bool money_like_name(std::string_view key) {
  return one_of(key, {"amount", "fee", "price", "debt", "balance", "paid", "accrued", "net", "vat",
                      "gross", "overdue", "opening", "closing", "advance", "discount", "amount_due",
                      "credit_limit", "open"}) ||
         ends_with(key, "_amount") || ends_with(key, "_fee") || ends_with(key, "_price") ||
         ends_with(key, "_debt") || ends_with(key, "_balance");
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "2026-11-01", digits and dashes in the date's places (not necessarily a real date).
bool date_shaped(std::string_view s) {
  if (s.size() < 10) return false;
  for (size_t i = 0; i < 10; ++i)
    if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i])) return false;
  return true;
}

// "2026-11-01T10:00" or "2026-11-01 10:00", with anything after.
bool date_time_shaped(std::string_view s) {
  return s.size() >= 16 && date_shaped(s) && (s[10] == 'T' || s[10] == ' ') && is_digit(s[11]) &&
         is_digit(s[12]) && s[13] == ':' && is_digit(s[14]) && is_digit(s[15]);
}

// "-12.50", "0.05": digits with a fraction (an integer in text is an id or a code).
bool fraction_shaped(std::string_view s) {
  size_t i = s.empty() || s[0] != '-' ? 0 : 1;
  const size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == start || i == s.size() || s[i] != '.') return false;
  const size_t frac = ++i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i == s.size() && i > frac;
}

bool decimal_text(std::string_view s) {
  size_t i = s.empty() || s[0] != '-' ? 0 : 1;
  const size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == start) return false;
  if (i == s.size()) return true;
  return fraction_shaped(s);
}

// Full ISO 8601 date-time with a zone: "2026-11-01T09:00:00Z" or "+03:00".
bool iso_date_time(std::string_view s) {
  return s.size() >= 20 && s[10] == 'T' && Timestamp::parse(s).has_value();
}

// 2000-01-01 .. 2100-01-01 in seconds, and the same in milliseconds.
bool epoch_like(int64_t n) {
  constexpr int64_t lo = 946684800;
  constexpr int64_t hi = 4102444800;
  return (n >= lo && n < hi) || (n >= lo * 1000 && n < hi * 1000);
}

// Sizes in bytes may be of any magnitude.
bool size_like_name(std::string_view key) {
  return one_of(key, {"size", "bytes"}) || ends_with(key, "_size") || ends_with(key, "_bytes");
}

std::string at_key(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool has_type(const json::object& schema, std::string_view type) {
  const auto* t = schema.if_contains("type");
  if (t == nullptr) return false;
  if (t->is_string()) return t->get_string() == type;
  if (t->is_array())
    for (const auto& one : t->get_array())
      if (one.is_string() && one.get_string() == type) return true;
  return false;
}

bool matches(const json::object& schema, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return has_type(schema, "null");
    case json::kind::bool_:
      return has_type(schema, "boolean");
    case json::kind::int64:
    case json::kind::uint64:
      return has_type(schema, "integer") || has_type(schema, "number");
    case json::kind::double_:
      return has_type(schema, "number");
    case json::kind::string:
      return has_type(schema, "string");
    case json::kind::array:
      return has_type(schema, "array");
    case json::kind::object:
      return has_type(schema, "object");
  }
  return false;
}

std::string type_text(const json::object& schema) {
  const auto* t = schema.if_contains("type");
  return t == nullptr ? std::string("(no type)") : json::serialize(*t);
}

// How far a subtree is looked into.
struct Scope {
  bool text_shapes;  // strings without a format must not look like dates or decimals
  bool host_data;    // under x-host-data: formats are how opora fills it, not a promise
};

bool flag(const json::object& schema, std::string_view key) {
  const auto* v = schema.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

void check_string(const json::object& schema, std::string_view s, const std::string& path,
                  Scope scope, FieldErrors& out) {
  const std::string_view format = format_of(schema);
  const std::string quoted = "\"" + std::string(s) + "\"";
  if (scope.host_data && !format.empty()) return;
  if (format == "date") {
    if (!Date::parse(s)) out.add(path, "date", "declared a date, got " + quoted);
  } else if (format == "date-time") {
    if (!iso_date_time(s))
      out.add(path, "date-time",
              "declared a date-time (ISO 8601 with Z or an offset), got " + quoted);
  } else if (format == "money" || format == "decimal") {
    if (!decimal_text(s))
      out.add(path, std::string(format),
              "declared " + std::string(format) + " text, got " + quoted);
  } else if (!format.empty() || !scope.text_shapes || scope.host_data) {
    return;
  } else if (date_time_shaped(s)) {
    out.add(path, "undeclared_date_time",
            quoted + " looks like a date-time but the schema gives no format date-time");
  } else if (date_shaped(s) && s.size() == 10) {
    out.add(path, "undeclared_date",
            quoted + " looks like a date but the schema gives no format date");
  } else if (fraction_shaped(s)) {
    out.add(path, "undeclared_decimal",
            quoted + " looks like a decimal but the schema gives no format money or decimal");
  }
}

void check_node(const json::object& schema, const json::value& v, const std::string& path,
                std::string_view key, Scope scope, FieldErrors& out) {
  if (!matches(schema, v)) {
    out.add(
        path, "type",
        "declared " + type_text(schema) + ", got " + std::string(json::serialize(v)).substr(0, 80));
    return;
  }
  // A value handed back as it was given (a field's old value, an expression's
  // result): its type is all there is to check.
  if (flag(schema, "x-verbatim")) return;
  if (flag(schema, "x-host-data")) scope.host_data = true;
  if (const auto* e = schema.if_contains("enum"); e != nullptr && e->is_array() && !v.is_null()) {
    bool found = false;
    for (const auto& option : e->get_array()) found = found || option == v;
    if (!found) out.add(path, "enum", json::serialize(v) + " is not one of " + json::serialize(*e));
  }
  switch (v.kind()) {
    case json::kind::string:
      check_string(schema, v.get_string(), path, scope, out);
      break;
    case json::kind::int64:
    case json::kind::uint64: {
      const bool huge = v.is_uint64() && v.get_uint64() > static_cast<uint64_t>(INT64_MAX);
      const int64_t n = huge ? INT64_MAX : v.to_number<int64_t>();
      if (time_like_name(key))
        out.add(path, "numeric_timestamp",
                "a point in time travels as ISO 8601 text, got the number " + json::serialize(v));
      else if (scope.text_shapes && !scope.host_data && epoch_like(n) && !size_like_name(key))
        out.add(path, "numeric_timestamp",
                json::serialize(v) + " looks like seconds or milliseconds since 1970");
      break;
    }
    case json::kind::array: {
      const auto& arr = v.get_array();
      const auto* items = schema.if_contains("items");
      if (items == nullptr || !items->is_object()) {
        if (!arr.empty()) out.add(path, "undeclared_items", "the schema gives no item schema");
        break;
      }
      for (size_t i = 0; i < arr.size(); ++i)
        check_node(items->get_object(), arr[i], path + "[" + std::to_string(i) + "]", key, scope,
                   out);
      break;
    }
    case json::kind::object: {
      const auto* props = schema.if_contains("properties");
      const auto* more = schema.if_contains("additionalProperties");
      const bool open = more != nullptr && more->is_bool() && more->get_bool();
      const json::object* more_schema =
          more != nullptr && more->is_object() ? &more->get_object() : nullptr;
      for (const auto& [k, field] : v.get_object()) {
        const json::value* sub =
            props != nullptr && props->is_object() ? props->get_object().if_contains(k) : nullptr;
        if (sub != nullptr && sub->is_object())
          check_node(sub->get_object(), field, at_key(path, k), k, scope, out);
        else if (more_schema != nullptr)
          check_node(*more_schema, field, at_key(path, k), key, scope, out);
        else if (!open)
          out.add(at_key(path, k), "undeclared", "the result schema does not declare this field");
      }
      break;
    }
    default:
      break;
  }
}

void check_schema_node(const json::value& node, const std::string& path, std::string_view key,
                       FieldErrors& out) {
  if (!node.is_object()) {
    out.add(path, "schema", "a schema must be an object");
    return;
  }
  const auto& schema = node.get_object();
  if (!schema.contains("type")) {
    out.add(path, "untyped", "gives no type");
    return;
  }
  if (flag(schema, "x-verbatim")) return;
  const std::string_view format = format_of(schema);
  if (!key.empty() && time_like_name(key)) {
    if (has_type(schema, "integer") || has_type(schema, "number"))
      out.add(path, "numeric_timestamp", "a point in time must be ISO 8601 text, not a number");
    else if (has_type(schema, "string") && format != "date-time" && format != "date")
      out.add(path, "time_format", "a point in time needs format date-time (or date)");
  }
  if (!key.empty() && date_like_name(key) && has_type(schema, "string") && format != "date" &&
      format != "date-time")
    out.add(path, "date_format", "a date needs format date");
  if (!key.empty() && money_like_name(key) && has_type(schema, "string") && format != "money" &&
      format != "decimal")
    out.add(path, "money_format", "an amount needs format money (or decimal)");
  if (has_type(schema, "object")) {
    const auto* props = schema.if_contains("properties");
    const auto* more = schema.if_contains("additionalProperties");
    const bool has_props = props != nullptr && props->is_object() && !props->get_object().empty();
    const bool has_more =
        more != nullptr && (more->is_object() || (more->is_bool() && more->get_bool()));
    if (!has_props && !has_more)
      out.add(path, "open_object",
              "an object must list its properties or declare additionalProperties");
    if (props != nullptr && props->is_object())
      for (const auto& [k, sub] : props->get_object())
        check_schema_node(sub, path + "." + std::string(k), k, out);
    if (more != nullptr && more->is_object()) check_schema_node(*more, path + ".*", key, out);
  }
  if (has_type(schema, "array")) {
    const auto* items = schema.if_contains("items");
    if (items == nullptr)
      out.add(path, "untyped_items", "an array must give its item schema");
    else
      check_schema_node(*items, path + "[]", key, out);
  }
}

}  // namespace

void check_result_schema(const json::object& schema, FieldErrors& out) {
  const auto* props = schema.if_contains("properties");
  if (!has_type(schema, "object") || props == nullptr || !props->is_object() ||
      props->get_object().empty()) {
    out.add("result", "trivial", "the result schema must be an object with properties");
    return;
  }
  check_schema_node(schema, "result", "", out);
}

void check_result(const json::object& schema, const json::value& result, bool text_shapes,
                  FieldErrors& out) {
  check_node(schema, result, "", "", Scope{text_shapes, false}, out);
}

void enforce_result_contract([[maybe_unused]] const Method& method,
                             [[maybe_unused]] const json::object& result) {
#ifdef OPORA_CHECK_RESULTS
  FieldErrors problems;
  check_result(method.result, result, false, problems);
  if (problems.empty()) return;
  std::string message = method.name + ": the result breaks its declared schema:";
  for (const auto& p : problems.list())
    message += " " + p.field + " (" + p.rule + "): " + p.message + ";";
  throw Error(ErrorCode::internal, message, problems.list());
#endif
}

}  // namespace opora::engine

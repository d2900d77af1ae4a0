// The result contract (engine/result_check.hpp): every method declares a
// result schema a host can build on, and the checker catches each way a
// result can break it.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "engine/method_table.hpp"
#include "engine/result_check.hpp"
#include "engine/schema.hpp"

namespace json = boost::json;
using opora::FieldErrors;
using opora::engine::check_result;
using opora::engine::check_result_schema;
using opora::engine::method_table;

namespace {

std::string describe(const FieldErrors& errors) {
  std::string out;
  for (const auto& e : errors.list()) out += "\n  " + e.field + " (" + e.rule + "): " + e.message;
  return out;
}

// The rules of the problems check_result finds in `result` under `schema`.
std::string rules_of(const char* schema, const char* result, bool text_shapes = true) {
  FieldErrors errors;
  check_result(json::parse(schema).as_object(), json::parse(result), text_shapes, errors);
  std::string rules;
  for (const auto& e : errors.list()) rules += (rules.empty() ? "" : ",") + e.field + ":" + e.rule;
  return rules;
}

std::string schema_rules_of(const char* schema) {
  FieldErrors errors;
  check_result_schema(json::parse(schema).as_object(), errors);
  std::string rules;
  for (const auto& e : errors.list()) rules += (rules.empty() ? "" : ",") + e.field + ":" + e.rule;
  return rules;
}

}  // namespace

TEST_CASE("every method declares a complete result schema") {
  REQUIRE(method_table().all().size() >= 100);
  for (const auto& m : method_table().all()) {
    FieldErrors errors;
    check_result_schema(m.result, errors);
    INFO(m.name << describe(errors));
    CHECK(errors.empty());
  }
}

TEST_CASE("a result schema without properties, item schemas or formats is refused") {
  CHECK(schema_rules_of(R"({"type": "object"})") == "result:trivial");
  CHECK(schema_rules_of(R"({"type": "object", "properties": {}})") == "result:trivial");
  CHECK(schema_rules_of(R"({"type": "object", "properties": {"rows": {"type": "array"}}})") ==
        "result.rows:untyped_items");
  CHECK(schema_rules_of(R"({"type": "object", "properties": {"holder": {"type": "object"}}})") ==
        "result.holder:open_object");
  CHECK(schema_rules_of(R"({"type": "object", "properties": {"x": {"description": "?"}}})") ==
        "result.x:untyped");
  // Named as money, a date or a point in time: the format must say so.
  CHECK(schema_rules_of(R"({"type": "object", "properties": {"rows": {"type": "array", "items":
          {"type": "object", "properties": {"debt": {"type": "string"}}}}}})") ==
        "result.rows[].debt:money_format");
  CHECK(schema_rules_of(R"({"type": "object", "properties": {"due_date": {"type": "string"}}})") ==
        "result.due_date:time_format,result.due_date:date_format");
  CHECK(schema_rules_of(
            R"({"type": "object", "properties": {"rendered_at": {"type": "integer"}}})") ==
        "result.rendered_at:numeric_timestamp");
  // Open on purpose, and said so.
  CHECK(schema_rules_of(R"({"type": "object", "properties": {
          "custom": {"type": "object", "additionalProperties": true},
          "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
          "sent_at": {"type": ["string", "null"], "format": "date-time"},
          "amount": {"type": "string", "format": "money"}}})")
            .empty());
}

TEST_CASE("a result field the schema does not declare is reported with its path") {
  const char* schema = R"({"type": "object", "properties": {"rows": {"type": "array", "items":
      {"type": "object", "properties": {"id": {"type": "integer"}}}},
      "custom": {"type": "object", "additionalProperties": true},
      "counts": {"type": "object", "additionalProperties": {"type": "integer"}}}})";
  CHECK(rules_of(schema, R"({"rows": [{"id": 1}, {"id": 2, "extra": 3}]})") ==
        "rows[1].extra:undeclared");
  CHECK(rules_of(schema, R"({"custom": {"anything": {"at": "all"}}, "counts": {"a": 1}})").empty());
  CHECK(rules_of(schema, R"({"counts": {"a": "one"}})") == "counts.a:type");
  CHECK(rules_of(schema, R"({"rows": null})") == "rows:type");
}

TEST_CASE("declared formats are checked, and a timestamp is never a number") {
  const char* schema = R"({"type": "object", "properties": {
      "date": {"type": "string", "format": "date"},
      "at": {"type": ["string", "null"], "format": "date-time"},
      "amount": {"type": "string", "format": "money"},
      "created_at": {"type": "integer"}}})";
  CHECK(rules_of(schema, R"({"date": "2026-11-01", "at": "2026-11-01T09:00:00Z",
                             "amount": "-12.50"})")
            .empty());
  CHECK(rules_of(schema, R"({"at": null})").empty());
  CHECK(rules_of(schema, R"({"date": "01.11.2026"})") == "date:date");
  CHECK(rules_of(schema, R"({"at": "2026-11-01"})") == "at:date-time");
  CHECK(rules_of(schema, R"({"at": "2026-11-01T09:00:00"})") == "at:date-time");
  CHECK(rules_of(schema, R"({"amount": "12,50"})") == "amount:money");
  CHECK(rules_of(schema, R"({"amount": 12.5})") == "amount:type");
  CHECK(rules_of(schema, R"({"created_at": 1790000000})", false) == "created_at:numeric_timestamp");
}

TEST_CASE("text that looks like a date, a time or a decimal needs its format declared") {
  const char* schema = R"({"type": "object", "properties": {
      "text": {"type": "string"}, "n": {"type": "integer"}, "size": {"type": "integer"},
      "echo": {"type": "string", "x-verbatim": true},
      "payload": {"type": "object", "x-host-data": true, "additionalProperties": true,
                  "properties": {"debt": {"type": "string", "format": "money"}}}}})";
  CHECK(rules_of(schema, R"({"text": "2026-11-01"})") == "text:undeclared_date");
  CHECK(rules_of(schema, R"({"text": "2026-11-01T10:00:00"})") == "text:undeclared_date_time");
  CHECK(rules_of(schema, R"({"text": "1234.56"})") == "text:undeclared_decimal");
  CHECK(rules_of(schema, R"({"n": 1790000000})") == "n:numeric_timestamp");
  CHECK(rules_of(schema, R"({"n": 1790000000000})") == "n:numeric_timestamp");
  CHECK(rules_of(schema, R"({"text": "2026-11", "n": 42, "size": 1790000000})").empty());
  // Echoed text and the host's own payloads are not judged by their look.
  CHECK(
      rules_of(schema, R"({"echo": "2026-11-01T10:00:00", "payload": {"debt": "много"}})").empty());
  // Without text_shapes (the check every call runs in checked builds) only the
  // declared contract counts: a host may name a document "2026-11-01".
  CHECK(rules_of(schema, R"({"text": "2026-11-01", "n": 1790000000})", false).empty());
}

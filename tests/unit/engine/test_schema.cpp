#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "engine/schema.hpp"

namespace json = boost::json;
using opora::FieldErrors;

namespace {

FieldErrors check(const char* schema, const char* value) {
  FieldErrors errors;
  opora::engine::validate(opora::engine::parse_schema(schema), json::parse(value), "", errors);
  return errors;
}

const char* kSchema = R"~({"type": "object", "required": ["date", "days"], "properties": {
  "date": {"type": "string", "format": "date"},
  "days": {"type": "integer", "minimum": -10, "maximum": 10},
  "mode": {"type": "string", "enum": ["a", "b"]},
  "amount": {"type": "string", "format": "money"},
  "items": {"type": "array", "items": {"type": "object", "required": ["qty"],
            "properties": {"qty": {"type": "string", "format": "decimal"}}}}
}})~";

}  // namespace

TEST_CASE("a valid object passes and unknown fields are ignored") {
  CHECK(check(kSchema, R"({"date": "2026-01-09", "days": 3, "extra": [1]})").empty());
}

TEST_CASE("every problem is reported at once with its path and rule") {
  const auto e = check(kSchema, R"({"days": 11, "mode": "c", "amount": "12,50",
                                     "items": [{"qty": "1.5"}, {"qty": "x"}, {}]})");
  REQUIRE(e.list().size() == 6);
  CHECK(e.list()[0].field == "date");
  CHECK(e.list()[0].rule == "required");
  CHECK(e.list()[1].field == "days");
  CHECK(e.list()[1].rule == "range");
  CHECK(e.list()[2].field == "mode");
  CHECK(e.list()[2].rule == "enum");
  CHECK(e.list()[3].field == "amount");
  CHECK(e.list()[3].rule == "money");
  CHECK(e.list()[4].field == "items[1].qty");
  CHECK(e.list()[4].rule == "decimal");
  CHECK(e.list()[5].field == "items[2].qty");
  CHECK(e.list()[5].rule == "required");
}

TEST_CASE("wrong types are named, and a fraction is not an integer") {
  const auto e = check(kSchema, R"({"date": 20260109, "days": 1.0})");
  REQUIRE(e.list().size() == 2);
  CHECK(e.list()[0].rule == "type");
  CHECK(e.list()[0].message == "expected a string, got an integer");
  CHECK(e.list()[1].message == "expected an integer, got a number with a fraction");
}

TEST_CASE("null counts as absent") {
  const auto e = check(kSchema, R"({"date": null, "days": 0, "mode": null})");
  REQUIRE(e.list().size() == 1);
  CHECK(e.list()[0].field == "date");
  CHECK(e.list()[0].rule == "required");
}

TEST_CASE("an integer beyond 64 bits is a range error, not a fraction") {
  const auto e = check(kSchema, R"({"date": "2026-01-01", "days": 99999999999999999999})");
  REQUIRE(e.list().size() == 1);
  CHECK(e.list()[0].field == "days");
  CHECK(e.list()[0].rule == "range");
}

TEST_CASE("impossible dates and huge integers are rejected") {
  const auto e = check(kSchema, R"({"date": "2026-02-29", "days": 18446744073709551615})");
  REQUIRE(e.list().size() == 2);
  CHECK(e.list()[0].rule == "date");
  CHECK(e.list()[1].rule == "range");
}

TEST_CASE("an empty array where only an object fits becomes an empty object (PHP's [])") {
  const auto schema = opora::engine::parse_schema(R"~({"type": "object", "properties": {
    "custom": {"type": "object"},
    "either": {"type": ["object", "string"]},
    "list_or_map": {"type": ["array", "object"]},
    "refs": {"type": "array", "items": {"type": "string"}},
    "parties": {"type": "array", "items": {"type": "object", "properties": {
        "bank": {"type": "object"}}}},
    "nested": {"type": "object", "properties": {"data": {"type": "object"}}}
  }})~");
  auto params = json::parse(R"({"custom": [], "either": [], "list_or_map": [], "refs": [],
    "parties": [[], {"bank": []}], "nested": {"data": []}, "unknown": [],
    "custom_full": [1]})")
                    .as_object();
  opora::engine::empty_arrays_as_objects(schema, params);
  CHECK(params == json::parse(R"({"custom": {}, "either": {}, "list_or_map": [], "refs": [],
    "parties": [{}, {"bank": {}}], "nested": {"data": {}}, "unknown": [],
    "custom_full": [1]})"));
  // A non-empty array where an object belongs is still refused by validate().
  auto wrong = json::parse(R"({"custom": [1]})").as_object();
  opora::engine::empty_arrays_as_objects(schema, wrong);
  FieldErrors errors;
  opora::engine::validate(schema, wrong, "", errors);
  REQUIRE(errors.list().size() == 1);
  CHECK(errors.list()[0].field == "custom");
  CHECK(errors.list()[0].rule == "type");
}

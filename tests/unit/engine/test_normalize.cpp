// engine::normalize: what hosts naturally write becomes what the schema asks
// for, before validation; tested here as a mechanism, and through
// Database::call for every method in test_database.cpp and the host suites.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "engine/normalize.hpp"
#include "engine/schema.hpp"

namespace json = boost::json;
using opora::FieldErrors;

namespace {

const char* kSchema = R"~({"type": "object", "properties": {
  "date": {"type": "string", "format": "date"},
  "dat": {"x-alias-of": "date"},
  "when": {"type": "string", "format": "date-time"},
  "limit": {"type": "integer", "minimum": 1},
  "price": {"type": "string", "format": "money"},
  "quantity": {"type": "string", "format": "quantity"},
  "rate": {"type": "string", "format": "vat_rate"},
  "percent": {"type": "string", "format": "percent"},
  "ratio": {"type": "string", "format": "decimal"},
  "name": {"type": "string"},
  "phone": {"type": ["string", "null"]},
  "custom": {"type": "object", "additionalProperties": true},
  "either": {"type": ["object", "string"]},
  "list_or_map": {"type": ["array", "object"]},
  "map": {"type": "object", "additionalProperties": {"type": "string", "format": "money"}},
  "items": {"type": "array", "items": {"type": "object", "properties": {
    "price": {"type": "string", "format": "money"}, "note": {"type": "string"},
    "bank": {"type": "object"}}}}
}})~";

struct Result {
  json::object params;
  FieldErrors errors;
};

Result normalized(const char* params) {
  static const json::object schema = opora::engine::parse_params_schema(kSchema);
  Result r{json::parse(params).as_object(), {}};
  opora::engine::normalize_params(schema, r.params, r.errors);
  return r;
}

}  // namespace

TEST_CASE("null for a property that does not take null means absent, at any depth") {
  const auto r = normalized(
      R"({"limit": null, "name": null, "phone": null, "items": [{"price": null, "note": "x"}]})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"phone": null, "items": [{"note": "x"}]})"));
}

TEST_CASE("null inside a free-form object is data, kept as sent") {
  const auto r = normalized(R"({"custom": {"a": null, "b": [null]}})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"custom": {"a": null, "b": [null]}})"));
}

TEST_CASE("an unknown member is left for the validator to name") {
  const auto r = normalized(R"({"colour": null, "price": 5})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"colour": null, "price": "5"})"));
}

TEST_CASE("a JSON integer becomes the money, quantity, rate or decimal text it stands for") {
  const auto r = normalized(
      R"({"price": 1500, "quantity": 3, "rate": 22, "percent": 15, "ratio": -7,
          "map": {"a": 100}, "items": [{"price": 9007199254740993}]})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"price": "1500", "quantity": "3", "rate": "22",
      "percent": "15", "ratio": "-7", "map": {"a": "100"},
      "items": [{"price": "9007199254740993"}]})"));
}

TEST_CASE("a number with a fraction becomes its shortest round-trip decimal text") {
  const auto r = normalized(
      R"({"price": 499.99, "quantity": 2.5, "rate": 12.5, "percent": 0.0001, "ratio": 1e-7,
          "items": [{"price": 1e17}, {"price": -0.0}, {"price": 123456789012.345}]})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"price": "499.99", "quantity": "2.5", "rate": "12.5",
      "percent": "0.0001", "ratio": "0.0000001",
      "items": [{"price": "100000000000000000"}, {"price": "0"}, {"price": "123456789012.345"}]})"));
}

TEST_CASE("a floating-point result that is not an exact decimal is refused, saying why") {
  // 0.1 + 0.2 in binary floating point.
  const auto r = normalized(R"({"price": 0.30000000000000004, "quantity": 0.7999999999999999})");
  REQUIRE(r.errors.list().size() == 2);
  CHECK(r.errors.list()[0].field == "price");
  CHECK(r.errors.list()[0].rule == "inexact_number");
  const std::string& why = r.errors.list()[0].message;
  CHECK(why.find("0.30000000000000004") != std::string::npos);
  CHECK(why.find("17 significant digits") != std::string::npos);
  CHECK(why.find("\"0.3\"") != std::string::npos);
  CHECK(r.errors.list()[1].field == "quantity");
  CHECK(r.errors.list()[1].message.find("\"0.8\"") != std::string::npos);
}

TEST_CASE("a number far beyond any amount is out of range, not a 309-character text") {
  // Was: rule "length", "must be at most 40 characters, got 309".
  const auto r = normalized(R"({"price": 1e308, "ratio": -1e20, "quantity": 1e17})");
  REQUIRE(r.errors.list().size() == 2);
  CHECK(r.errors.list()[0].field == "price");
  CHECK(r.errors.list()[0].rule == "range");
  CHECK(r.errors.list()[0].message.find("1e+308") != std::string::npos);
  CHECK(r.errors.list()[1].field == "ratio");
  CHECK(r.params.at("quantity") == "100000000000000000");  // exact, left to the field's own limits
}

TEST_CASE("a whole number written with a fraction is an integer, as JSON Schema counts it") {
  const auto r = normalized(R"({"limit": 5.0})");
  CHECK(r.errors.empty());
  REQUIRE(r.params.at("limit").is_int64());
  CHECK(r.params.at("limit").get_int64() == 5);
  // A real fraction, or a value beyond 2^53, stays for the validator to refuse.
  CHECK(normalized(R"({"limit": 5.5})").params.at("limit").is_double());
  CHECK(normalized(R"({"limit": 1e300})").params.at("limit").is_double());
}

TEST_CASE("numbers are not text where the field is plain text or a date") {
  const auto r = normalized(R"({"name": 5, "date": 20261231})");
  CHECK(r.errors.empty());
  CHECK(r.params.at("name").is_int64());
  CHECK(r.params.at("date").is_int64());
}

TEST_CASE("a midnight date-time is a date; any other time of day is refused for a date") {
  for (const char* midnight : {"2026-12-31T00:00:00", "2026-12-31T00:00:00Z",
                               "2026-12-31T00:00:00+03:00", "2026-12-31T00:00:00.000"}) {
    CAPTURE(midnight);
    const auto r = normalized(("{\"date\": \"" + std::string(midnight) + "\"}").c_str());
    CHECK(r.errors.empty());
    CHECK(r.params.at("date") == "2026-12-31");
  }
  for (const char* timed :
       {"2026-12-31T10:00:00", "2026-12-31T00:00:01", "2026-12-31T00:00:00.5Z"}) {
    CAPTURE(timed);
    const auto r = normalized(("{\"date\": \"" + std::string(timed) + "\"}").c_str());
    REQUIRE(r.errors.list().size() == 1);
    CHECK(r.errors.list()[0].field == "date");
    CHECK(r.errors.list()[0].rule == "date");
    CHECK(r.errors.list()[0].message.find("a date has no time of day") == 0);
  }
  // Not a date-time at all: left for the validator's "date" rule.
  const auto r = normalized(R"({"date": "2026-12-31T25:00", "when": "2026-12-31T00:00:00Z"})");
  CHECK(r.errors.empty());
  CHECK(r.params.at("date") == "2026-12-31T25:00");
  CHECK(r.params.at("when") == "2026-12-31T00:00:00Z");  // a date-time field keeps its time
}

TEST_CASE("an alias moves to its property; both given is refused") {
  auto r = normalized(R"({"dat": "2026-12-31T00:00:00"})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"date": "2026-12-31"})"));
  r = normalized(R"({"dat": null, "date": "2026-01-01"})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"date": "2026-01-01"})"));
  r = normalized(R"({"dat": "2026-12-31", "date": null})");
  CHECK(r.params == json::parse(R"({"date": "2026-12-31"})"));
  r = normalized(R"({"dat": "2026-12-31", "date": "2026-01-01"})");
  REQUIRE(r.errors.list().size() == 1);
  CHECK(r.errors.list()[0].field == "dat");
  CHECK(r.errors.list()[0].rule == "alias_conflict");
}

TEST_CASE("an alias is documented as deprecated and does not count as a known name") {
  const auto schema = opora::engine::parse_params_schema(kSchema);
  const auto& alias = schema.at("properties").at("dat").as_object();
  CHECK(alias.at("deprecated") == true);
  CHECK(alias.at("description").as_string().find("\"date\"") != json::string::npos);
  // An unknown name close to an alias is pointed at the property itself.
  FieldErrors errors;
  opora::engine::validate(schema, json::parse(R"({"datr": "2026-01-01"})"), "", errors);
  REQUIRE(errors.list().size() == 1);
  CHECK(errors.list()[0].message == "is not a known field; did you mean \"date\"?");
}

TEST_CASE("an empty array where only an object fits becomes an empty object (PHP's [])") {
  const auto r = normalized(R"({"custom": [], "either": [], "list_or_map": [],
    "items": [{"bank": []}], "map": []})");
  CHECK(r.errors.empty());
  CHECK(r.params == json::parse(R"({"custom": {}, "either": {}, "list_or_map": [],
    "items": [{"bank": {}}], "map": {}})"));
  // A non-empty array where an object belongs is still refused by validate().
  auto wrong = normalized(R"({"custom": [1]})");
  FieldErrors errors;
  opora::engine::validate(opora::engine::parse_params_schema(kSchema), wrong.params, "", errors);
  REQUIRE(errors.list().size() == 1);
  CHECK(errors.list()[0].field == "custom");
  CHECK(errors.list()[0].rule == "type");
}

TEST_CASE("removing nulls and moving an alias keep the order of the other members") {
  const auto r = normalized(R"({"name": "a", "limit": null, "price": "1", "phone": null,
                                "dat": "2026-01-01", "ratio": "2"})");
  std::vector<std::string> keys;
  for (const auto& kv : r.params) keys.emplace_back(kv.key());
  CHECK(keys == std::vector<std::string>{"name", "price", "phone", "ratio", "date"});
}

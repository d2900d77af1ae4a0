#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "engine/schema.hpp"

namespace json = boost::json;
using opora::FieldErrors;

namespace {

FieldErrors check(const char* schema, const char* value) {
  FieldErrors errors;
  opora::engine::validate(opora::engine::parse_params_schema(schema), json::parse(value), "",
                          errors);
  return errors;
}

const char* kSchema = R"~({"type": "object", "required": ["date", "days"], "properties": {
  "date": {"type": "string", "format": "date"},
  "days": {"type": "integer", "minimum": -10, "maximum": 10},
  "mode": {"type": "string", "enum": ["a", "b"]},
  "amount": {"type": "string", "format": "money"},
  "items": {"type": "array", "items": {"type": "object", "required": ["qty"],
            "properties": {"qty": {"type": "string", "format": "decimal"},
                           "quantity": {"type": "string", "format": "quantity"}}}}
}})~";

}  // namespace

TEST_CASE("a valid object passes") {
  CHECK(check(kSchema, R"({"date": "2026-01-09", "days": 3, "items": [{"qty": "1"}]})").empty());
}

TEST_CASE("an unknown field is refused at any depth, with the name it most likely meant") {
  const auto e = check(kSchema, R"({"date": "2026-01-09", "days": 3, "dat": "2026-12-31",
                                     "items": [{"qty": "1", "qnt": "2"}, {"qty": "1", "colour": 1}]})");
  REQUIRE(e.list().size() == 3);
  CHECK(e.list()[0].field == "dat");
  CHECK(e.list()[0].rule == "unknown_field");
  CHECK(e.list()[0].message == "is not a known field; did you mean \"date\"?");
  CHECK(e.list()[1].field == "items[0].qnt");
  CHECK(e.list()[1].message == "is not a known field; did you mean \"quantity\"?");
  // Nothing close: the message lists what the object takes.
  CHECK(e.list()[2].field == "items[1].colour");
  CHECK(e.list()[2].message == "is not a known field (known: qty, quantity)");
}

TEST_CASE("an unknown field given null is still refused: the name is the mistake") {
  const auto e = check(kSchema, R"({"date": "2026-01-09", "days": 3, "moed": null})");
  REQUIRE(e.list().size() == 1);
  CHECK(e.list()[0].rule == "unknown_field");
  CHECK(e.list()[0].message == "is not a known field; did you mean \"mode\"?");
}

TEST_CASE("additionalProperties true takes any member, a schema checks every member") {
  const char* schema = R"~({"type": "object", "properties": {
    "custom": {"type": "object", "additionalProperties": true},
    "map": {"type": "object", "additionalProperties": {"type": "string"}}}})~";
  CHECK(check(schema, R"({"custom": {"any": [1, {"x": null}]}, "map": {"a": "b"}})").empty());
  const auto e = check(schema, R"({"map": {"a": "b", "c": 1}})");
  REQUIRE(e.list().size() == 1);
  CHECK(e.list()[0].field == "map.c");
  CHECK(e.list()[0].rule == "type");
}

TEST_CASE("sealing closes every object schema and says so, leaving open ones open") {
  auto schema = opora::engine::parse_params_schema(R"~({"type": "object", "properties": {
    "party": {"type": ["object", "null"], "properties": {"name": {"type": "string"}}},
    "list": {"type": "array", "items": {"type": "object", "properties": {}}},
    "custom": {"type": "object", "additionalProperties": true},
    "own": {"type": "object", "x-validated-by-method": true}}})~");
  CHECK(schema.at("additionalProperties") == false);
  const auto& props = schema.at("properties").as_object();
  CHECK(props.at("party").at("additionalProperties") == false);
  CHECK(props.at("list").at("items").at("additionalProperties") == false);
  CHECK(props.at("custom").at("additionalProperties") == true);
  CHECK_FALSE(props.at("own").as_object().contains("additionalProperties"));
}

TEST_CASE("a value the method checks itself still has its type checked") {
  const char* schema = R"~({"type": "object", "properties": {
    "definition": {"type": "object", "x-validated-by-method": true}}})~";
  CHECK(check(schema, R"({"definition": {"anything": 1}})").empty());
  const auto e = check(schema, R"({"definition": 0})");
  REQUIRE(e.list().size() == 1);
  CHECK(e.list()[0].field == "definition");
  CHECK(e.list()[0].rule == "type");
  CHECK(e.list()[0].message == "expected an object, got an integer");
}

TEST_CASE("every problem is reported at once with its path and rule") {
  const auto e = check(kSchema, R"({"days": 11, "mode": "c", "amount": "12,50",
                                     "items": [{"qty": "1.5"}, {"qty": "x"}, {}, {"qty": "1", "quantity": "0"}]})");
  REQUIRE(e.list().size() == 7);
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
  CHECK(e.list()[6].field == "items[3].quantity");
  CHECK(e.list()[6].rule == "quantity");
}

TEST_CASE("wrong types are named, and a fraction is not an integer") {
  const auto e = check(kSchema, R"({"date": 20260109, "days": 1.5})");
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

TEST_CASE("string lengths are counted in characters, not bytes") {
  const char* schema = R"~({"type": "object", "properties": {
    "name": {"type": "string", "minLength": 2, "maxLength": 5}}})~";
  // Five Cyrillic letters are ten bytes of UTF-8 and five characters.
  CHECK(check(schema, R"({"name": "Жёлуд"})").empty());
  CHECK(check(schema, R"({"name": "ЖЖ"})").empty());
  const auto longer = check(schema, R"({"name": "Жёлуди"})");
  REQUIRE(longer.list().size() == 1);
  CHECK(longer.list()[0].rule == "length");
  CHECK(longer.list()[0].message == "must be at most 5 characters long, got 6");
  // A 4-byte character (an emoji) is one character too.
  const auto shorter = check(schema, R"({"name": "😀"})");
  REQUIRE(shorter.list().size() == 1);
  CHECK(shorter.list()[0].message == "must be at least 2 characters long");
}

TEST_CASE("the decimal formats say what they take") {
  const char* schema = R"~({"type": "object", "properties": {
    "rate": {"type": "string", "format": "vat_rate"}, "percent": {"type": "string", "format": "percent"},
    "currency": {"type": "string", "format": "currency"}}})~";
  CHECK(check(schema, R"({"rate": "none", "percent": "12.5", "currency": "KZT"})").empty());
  CHECK(check(schema, R"({"rate": "22", "percent": "0.0001", "currency": "RUB"})").empty());
  const auto e = check(schema, R"({"rate": "22.001", "percent": "101", "currency": "rub"})");
  REQUIRE(e.list().size() == 3);
  CHECK(e.list()[0].rule == "vat_rate");
  CHECK(e.list()[1].rule == "percent");
  CHECK(e.list()[2].rule == "currency");
}

TEST_CASE("a message quotes at most 60 characters of the value it refuses") {
  const std::string huge(100000, 'x');
  const auto e = check(kSchema, ("{\"date\": \"" + huge + "\", \"days\": 1}").c_str());
  REQUIRE(e.list().size() == 1);
  CHECK(e.list()[0].message.size() < 200);
  CHECK(e.list()[0].message.find(std::string(60, 'x') + "...") != std::string::npos);
}

TEST_CASE("an alias of a property that does not exist is a bug in the method table") {
  CHECK_THROWS_AS(opora::engine::parse_params_schema(R"~({"type": "object", "properties": {
    "dt": {"x-alias-of": "date"}}})~"),
                  opora::Error);
}

TEST_CASE("thousands of unknown members are answered quickly, with names cut short") {
  std::string params = "{";
  for (int i = 0; i < 20000; ++i)
    params += "\"" + std::string(80, 'k') + std::to_string(i) + "\": 1, ";
  params += "\"items\": [";
  for (int i = 0; i < 20000; ++i) params += (i ? ", " : "") + std::string("{\"nmae\": 1}");
  params += "]}";
  const auto e = check(R"~({"type": "object", "properties": {"items": {"type": "array",
      "items": {"type": "object", "properties": {"name": {"type": "string"}}}}}})~",
                       params.c_str());
  REQUIRE(e.list().size() == 40000);
  CHECK(e.list()[0].field == std::string(60, 'k') + "...");
  CHECK(e.list()[0].rule == "unknown_field");
  CHECK(e.list()[0].message == "is not a known field (known: items)");
  // The same misspelling gets the same message however many times, so an
  // error lists it once per place, ten places at most.
  CHECK(e.list()[20000].message == "is not a known field; did you mean \"name\"?");
  CHECK(e.list()[39999].message == e.list()[20000].message);
}

TEST_CASE("members required unless another is given are required only without it") {
  const char* schema = R"~({"type": "object", "x-required-unless": {"product": ["name", "price"]},
    "properties": {"product": {"type": "string"}, "name": {"type": "string"},
                   "price": {"type": "string"}}})~";
  CHECK(check(schema, R"({"product": "G-1"})").empty());
  CHECK(check(schema, R"({"name": "x", "price": "1"})").empty());
  const auto e = check(schema, R"({"name": "x"})");
  REQUIRE(e.list().size() == 1);
  CHECK(e.list()[0].field == "price");
  CHECK(e.list()[0].rule == "required");
}

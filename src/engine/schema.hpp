// A JSON-Schema subset that is both the documentation of a method's
// parameters (meta.methods) and the validator run before the method does.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace opora::engine {

// Supported keywords: type (object, string, integer, boolean, array, null, or
// a list of them), properties, required, additionalProperties (false, true or
// a schema for every other member), items, enum, minimum, maximum, minLength
// and maxLength (in characters: Unicode code points, not bytes), minItems,
// maxItems, format, description, deprecated. Formats: date, date-time, money,
// decimal, quantity, vat_rate, percent, currency (format_rule() has their
// texts). Extensions:
//   "x-validated-by-method": true  the method checks this value's members
//                                  itself (a workflow definition); only its
//                                  type is checked here
//   "x-required-unless": {"m": ["a", "b"]}
//                                  members a and b are required when member
//                                  m is absent (an order item names a
//                                  catalogue product or spells itself out)
//   "x-alias-of": "name"           a deprecated name of property "name";
//                                  normalize() moves it (normalize.hpp)
//
// Objects are closed: a member not in "properties" is refused (rule
// unknown_field, with "did you mean" when a known name is close) unless the
// schema says "additionalProperties". A null value of a property counts as
// absent (normalize() has already removed those the schema does not allow).
//
// Every problem is appended to `out` with its path ("calendar.years[0].year")
// and a rule: required, unknown_field, type, enum, range, length, or the
// format's rule (date, date-time, money, decimal, quantity, vat_rate, percent,
// currency).
void validate(const boost::json::value& schema, const boost::json::value& value,
              const std::string& path, FieldErrors& out);

// Makes a schema written in a method table say what validate() does: every
// object schema without "additionalProperties" gets "additionalProperties":
// false, and every alias is marked "deprecated" with a description naming its
// property. Throws Error(internal) for an alias of a property that does not
// exist (a bug in a method table).
void seal_schema(boost::json::object& schema);

// Parses schema text written in the method tables; a bad schema is a bug.
boost::json::object parse_schema(const char* text);

// Parses and seals (seal_schema) a parameter schema.
boost::json::object parse_params_schema(const char* text);

// A schema's "format" ("" when it has none).
std::string_view schema_format(const boost::json::object& schema) noexcept;

// Whether a schema's "type" names `type` (as the one type or in the list);
// false when it has no "type".
bool schema_names_type(const boost::json::object& schema, std::string_view type) noexcept;

// The path of a member as errors name it: "items[0].price" + "vat" gives
// "items[0].price.vat"; the empty path + "vat" gives "vat".
std::string member_path(const std::string& path, std::string_view key);

// Formats whose string holds an exact decimal number (money, decimal,
// quantity, vat_rate, percent): normalize() accepts a JSON number for them.
bool is_decimal_format(std::string_view format) noexcept;

// Schema fragments the method tables share.
inline const std::string kMoney = R"~({"type": "string", "format": "money"})~";
inline const std::string kDate = R"~({"type": "string", "format": "date"})~";
// An effect's payload: what a definition put there, with the fields opora
// fills and the money and dates the shipped definitions emit declared, so a
// host converts them (effects.fetch, billing.dunning.cases alike).
inline const std::string kEffectPayload =
    R"~({"type": "object", "additionalProperties": true, "x-host-data": true, "properties": {
  "debt": {"type": "string", "format": "money"}, "overdue": {"type": "string", "format": "money"},
  "amount": {"type": "string", "format": "money"}, "paid": {"type": "string", "format": "money"},
  "date": {"type": "string", "format": "date"}, "deadline": {"type": "string", "format": "date"}}})~";
// The journal's who and why, as properties of a method's parameters.
inline const std::string kWho = R"~(
  "actor": {"type": "string", "description": "who acts (recorded in the journal)"},
  "reason": {"type": "string", "description": "why (recorded in the journal)"})~";

}  // namespace opora::engine

// A JSON-Schema subset that is both the documentation of a method's
// parameters (meta.methods) and the validator run before the method does.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/error.hpp"

namespace opora::engine {

// Supported keywords: type (object, string, integer, boolean, array),
// properties, required, items, enum, minimum, maximum, minLength, maxLength,
// format (date, date-time, money, decimal, rounding), description.
// A null value counts as absent. Unknown properties are ignored (forward
// compatibility: a newer host may send fields an older library lacks).
//
// Every problem is appended to `out` with its path ("calendar.years[0].year")
// and a rule: required, type, enum, range, length, date, date-time, money,
// decimal. A schema with "x-validated-by-method": true is documentation only:
// the method checks those values itself.
void validate(const boost::json::value& schema, const boost::json::value& value,
              const std::string& path, FieldErrors& out);

// Hosts whose arrays cannot tell an empty list from an empty map (PHP, Lua)
// send `[]` for an empty object. Replaces every empty array in `params` that
// stands where the method's `schema` expects an object and never an array
// (`{}` then), following properties and items; anything else is left for
// validate() to judge.
void empty_arrays_as_objects(const boost::json::object& schema, boost::json::object& params);

// Parses schema text written in the method tables; a bad schema is a bug.
boost::json::object parse_schema(const char* text);

// Schema fragments the method tables share.
inline const std::string kMoney = R"~({"type": "string", "format": "money"})~";
inline const std::string kDate = R"~({"type": "string", "format": "date"})~";
// The journal's who and why, as properties of a method's parameters.
inline const std::string kWho = R"~(
  "actor": {"type": "string", "description": "who acts (recorded in the journal)"},
  "reason": {"type": "string", "description": "why (recorded in the journal)"})~";

}  // namespace opora::engine

// The one step that turns what hosts naturally write into what a method's
// schema asks for, before validate() judges it and the handler reads it.
// Driven by the schema alone, so every method and every host gets the same
// rules:
//
//   - an alias ("x-alias-of") is moved to its property's name; both given is
//     refused (rule alias_conflict);
//   - null for a property whose type does not include "null" is removed:
//     null means absent (PHP, 1C and JavaScript send null for unset fields);
//   - an empty array where only an object fits becomes {} (PHP encodes an
//     empty map as []);
//   - a JSON number where a decimal string is expected (formats money,
//     decimal, quantity, vat_rate, percent) becomes its exact text: an
//     integer as written, a number with a fraction as its shortest round-trip
//     decimal text (499.99 -> "499.99"); a number whose text needs more than
//     15 significant digits is not exact and is refused (rule inexact_number):
//     0.1 + 0.2 arrives as 0.30000000000000004;
//   - a number with no fraction where an integer is expected (5.0) becomes
//     the integer, as JSON Schema counts it;
//   - a date given as "YYYY-MM-DDT00:00:00" (1C's ЗаписатьJSON of a Дата),
//     with or without fractional zeros and a zone, becomes "YYYY-MM-DD"; any
//     other time of day is refused for a date (rule date).
//
// Anything else is left as it came for validate() to judge.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/error.hpp"

namespace opora::engine {

// Normalises `value` in place against `schema`; problems go to `out` with
// their paths, as validate() reports them.
void normalize(const boost::json::object& schema, boost::json::value& value,
               const std::string& path, FieldErrors& out);

// The same for a method's params object.
void normalize_params(const boost::json::object& schema, boost::json::object& params,
                      FieldErrors& out);

}  // namespace opora::engine

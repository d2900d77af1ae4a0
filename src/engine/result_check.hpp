// The result contract: every method's result matches the result schema it
// declares in meta.methods, because hosts build on that schema (Python turns
// each field of format money/decimal into Decimal, date into datetime.date,
// date-time into datetime.datetime; docs/API.md lists the fields).
//
// Pure: no I/O. Checked builds (OPORA_CHECK_RESULTS, on in Debug builds of the
// project itself) run check_result() on every call, so every test of every
// suite checks the contract of whatever it calls; tests also call both
// functions directly.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/error.hpp"

namespace opora::engine {

struct Method;

// A result schema is complete when a host can rely on it:
// - the root is an object with properties;
// - every node has a type; every object lists its properties or says what its
//   other keys hold (additionalProperties: a schema, or true for the host's own
//   data, such as a document's custom fields or a workflow's context);
// - every array has an item schema;
// - a field named as a point in time (at, *_at, due, *_until, now...) is a
//   string of format date-time (or date), never an integer; a field named as a
//   date (date, *_date, valid_from...) has format date or date-time; a field
//   named as money (amount, balance, debt, vat, *_amount...) has format money
//   or decimal.
// Each problem goes to `out` with its schema path and a rule.
void check_result_schema(const boost::json::object& schema, FieldErrors& out);

// A result conforms to its schema when:
// - every value has one of its declared types (null only where "null" is one);
// - every key of every object is declared (in properties, or by
//   additionalProperties); keys under additionalProperties: true are the
//   host's own data and are not looked into;
// - a string of format date, date-time, money or decimal is in that format
//   (date-time: full ISO 8601 with Z or an offset);
// - no integer under a time-like name (at, *_at, due, ...): a point in time
//   travels as ISO 8601 text;
// - a value of an enum is one of it.
// With `text_shapes` (tests, on data they chose), also:
// - a string without a format does not look like a date, a date-time or a
//   decimal with a fraction (it would reach Python as str);
// - no integer is a count of seconds or milliseconds since 1970 between 2000
//   and 2100.
// Those two look at values, so they are not for results that echo whatever
// text a host sent (a document numbered "2026-01-15").
//
// Two marks relax the check where the data is not opora's: "x-verbatim": true
// (a value handed back as given: only its type is checked) and
// "x-host-data": true (an object the host's own definitions fill, such as an
// effect's payload: its declared formats are how opora's producers fill it and
// how Python converts a value that fits; a value that does not fit stays text).
// Each problem goes to `out` with the result path and a rule.
void check_result(const boost::json::object& schema, const boost::json::value& result,
                  bool text_shapes, FieldErrors& out);

// Throws ErrorCode::internal listing every way `result` breaks the method's
// result schema (check_result without text_shapes). Does nothing unless built
// with OPORA_CHECK_RESULTS.
void enforce_result_contract(const Method& method, const boost::json::object& result);

}  // namespace opora::engine

// Method results for people: a list as an aligned table.
#ifndef OPORA_CLI_RESULT_TABLE_HPP
#define OPORA_CLI_RESULT_TABLE_HPP

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace opora_cli {

// The result as a table when it is one list and a few scalars: exactly one
// field is an array of objects (or, when none is, of strings) and every other
// field is a scalar or an array of scalars. The table shows the scalar columns
// of the list in schema order (at most 8; nested objects are left out, arrays
// of scalars joined with ", "), with long cells cut to keep lines within 120
// code points; then "key: value" for each other field. `result_schema` is the
// method's result schema. nullopt when the result is not of that shape.
std::optional<std::string> format_result_table(const boost::json::value& result,
                                               const boost::json::object& result_schema);

}  // namespace opora_cli

#endif  // OPORA_CLI_RESULT_TABLE_HPP

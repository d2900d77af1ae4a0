// Parsing and re-printing the JSON text the library returns.
#ifndef OPORA_CLI_JSON_FORMAT_HPP
#define OPORA_CLI_JSON_FORMAT_HPP

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace opora_cli {

// Parses JSON text (UTF-8 checked, nesting up to 1024); nullopt if it is not JSON.
std::optional<boost::json::value> parse_json(std::string_view text);

enum class JsonStyle {
  kPretty,   // for people: 2-space indent, "key": value, short scalar arrays on one line
  kCompact,  // for programs: one line, no spaces
};

// Prints a value. Object keys keep their order, UTF-8 text is written as is
// (only '"', '\\' and control characters are escaped), integers exactly.
std::string format_json(const boost::json::value& value, JsonStyle style);

// Re-prints JSON text in the given style; text that does not parse is
// returned unchanged.
std::string reformat_json(std::string_view text, JsonStyle style);

// The string member `key` of an object, or "" when it is absent or not a string.
std::string_view string_member(const boost::json::object& object, std::string_view key);

}  // namespace opora_cli

#endif  // OPORA_CLI_JSON_FORMAT_HPP

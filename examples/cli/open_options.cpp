#include "open_options.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace opora_cli {
namespace {

boost::json::value option_value(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  const bool digits = !text.empty() && text.find_first_not_of("-0123456789") == text.npos &&
                      text.find('-', 1) == text.npos && text != "-";
  if (digits) {
    std::int64_t number = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec == std::errc() && ptr == end) return number;
  }
  return boost::json::string(text);  // too large for an integer stays text
}

}  // namespace

std::string open_options_json(const std::vector<OpenOption>& options) {
  if (options.empty()) return {};
  boost::json::object object;
  for (const auto& [key, text] : options) object[key] = option_value(text);
  return boost::json::serialize(object);
}

}  // namespace opora_cli

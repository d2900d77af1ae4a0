#include "core/json_text.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"

namespace opora {

boost::json::value parse_stored(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxStoredDepth;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, {}, options);
  if (ec) throw Error(ErrorCode::corrupt, "stored JSON cannot be read: " + ec.message());
  return v;
}

}  // namespace opora

// Parsing JSON text opora wrote itself (document bodies, stored calendars,
// export lines). They nest a little deeper than what a host may send, so
// they are read with room to spare: a document that was accepted can always
// be read back.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

namespace opora {

// Deepest nesting accepted in a host's params (the C ABI refuses deeper).
constexpr std::size_t kMaxParamsDepth = 64;
// Deepest nesting of text opora stores or exports (params plus wrappers).
constexpr std::size_t kMaxStoredDepth = 128;

// Throws Error(corrupt) if the stored text does not parse.
boost::json::value parse_stored(std::string_view text);

}  // namespace opora

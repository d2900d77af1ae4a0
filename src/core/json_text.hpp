// Parsing JSON text opora wrote itself (document bodies, stored calendars,
// export lines). They nest a little deeper than what a host may send, so
// they are read with room to spare: a document that was accepted can always
// be read back.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace opora {

// Deepest nesting accepted in a host's params (the C ABI refuses deeper).
constexpr std::size_t kMaxParamsDepth = 64;
// Deepest nesting of text opora stores or exports (params plus wrappers).
constexpr std::size_t kMaxStoredDepth = 128;

// A string member of an object, or "" when it is absent, null or not a string
// (for params the method schemas have already checked).
inline std::string text_of(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A member that is there and not null (the engine treats null as absent).
inline const boost::json::value* present(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && !v->is_null() ? v : nullptr;
}

// An optional integer parameter: its value, or `fallback` when it is absent
// or null (hosts send null for unset fields). For params the method schemas
// have already checked, as every read of an optional parameter should be:
// `contains(x) ? at(x).as_int64() : fallback` failed on null.
inline int64_t int_or(const boost::json::object& o, std::string_view key, int64_t fallback) {
  const auto* v = present(o, key);
  return v != nullptr && v->is_int64() ? v->get_int64() : fallback;
}

// An optional string parameter: its value, or `fallback` when it is absent or null.
inline std::string text_or(const boost::json::object& o, std::string_view key,
                           std::string fallback) {
  const auto* v = present(o, key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::move(fallback);
}

// Throws Error(corrupt) if the stored text does not parse.
boost::json::value parse_stored(std::string_view text);

}  // namespace opora

#include "engine/params.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"

namespace opora::engine {

bool Params::has(std::string_view name) const {
  const auto* v = object_.if_contains(name);
  return v != nullptr && !v->is_null();
}

const boost::json::value& Params::at(std::string_view name) const {
  const auto* v = object_.if_contains(name);
  if (v == nullptr || v->is_null())
    fail_field(ErrorCode::invalid, std::string(name), "required", "is required");
  return *v;
}

std::string Params::str(std::string_view name) const {
  const auto& v = at(name);
  if (!v.is_string())
    fail_field(ErrorCode::invalid, std::string(name), "type", "expected a string");
  return std::string(v.get_string());
}

std::optional<std::string> Params::opt_str(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return str(name);
}

int64_t Params::int64(std::string_view name) const {
  const auto& v = at(name);
  if (v.is_int64()) return v.get_int64();
  fail_field(ErrorCode::invalid, std::string(name), "type", "expected a 64-bit signed integer");
}

std::optional<int64_t> Params::opt_int64(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return int64(name);
}

bool Params::boolean(std::string_view name, bool fallback) const {
  if (!has(name)) return fallback;
  const auto& v = at(name);
  if (!v.is_bool()) fail_field(ErrorCode::invalid, std::string(name), "type", "expected a boolean");
  return v.get_bool();
}

Date Params::date(std::string_view name) const {
  return Date::parse_field(str(name), std::string(name));
}

}  // namespace opora::engine

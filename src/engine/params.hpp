// Typed access to a method's parameters after engine::validate() has
// accepted them, so handlers read values without re-checking shapes.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/date.hpp"

namespace opora::engine {

class Params {
 public:
  explicit Params(const boost::json::object& object) : object_(object) {}

  const boost::json::object& object() const noexcept { return object_; }
  // Present and not null.
  bool has(std::string_view name) const;
  const boost::json::value& at(std::string_view name) const;

  std::string str(std::string_view name) const;
  std::optional<std::string> opt_str(std::string_view name) const;
  int64_t int64(std::string_view name) const;
  std::optional<int64_t> opt_int64(std::string_view name) const;
  bool boolean(std::string_view name, bool fallback) const;
  Date date(std::string_view name) const;

 private:
  const boost::json::object& object_;
};

}  // namespace opora::engine

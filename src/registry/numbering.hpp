// Number patterns such as "АКТ-{yyyy}-{seq:06}".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/date.hpp"

namespace opora::registry {

// Placeholders: {yyyy} year, {yy} two-digit year, {mm} month, {dd} day,
// {seq} the sequence number, {seq:N} zero-padded to N digits (1..12).
// Everything else is literal text. The pattern must contain {seq}.
class NumberPattern {
 public:
  // Throws Error(invalid) naming `field` for an unknown placeholder, an
  // unclosed brace or a missing {seq}.
  NumberPattern(std::string_view pattern, const std::string& field);
  std::string format(const Date& date, int64_t seq) const;
  // Whether numbers carry the year ({yyyy} or {yy}): then the sequence
  // restarts each year, otherwise it runs on across years.
  bool uses_year() const;

 private:
  std::string pattern_;
};

}  // namespace opora::registry

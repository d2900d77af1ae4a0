// An instant in UTC with one-second resolution, as opora's clock hands it out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/date.hpp"

namespace opora {

class Timestamp {
 public:
  explicit Timestamp(int64_t seconds_since_epoch) : seconds_(seconds_since_epoch) {}

  // Accepts "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DDTHH:MM:SS+03:00" (any offset
  // within ±18:00) and "YYYY-MM-DD" (midnight UTC). Nothing else.
  static std::optional<Timestamp> parse(std::string_view text) noexcept;
  static Timestamp parse_field(std::string_view text, const std::string& field);

  int64_t seconds() const noexcept { return seconds_; }
  std::string to_string() const;  // "YYYY-MM-DDTHH:MM:SSZ"
  // The civil date at a fixed UTC offset (minutes east of Greenwich).
  Date date_at(int offset_minutes) const;

  friend bool operator==(Timestamp a, Timestamp b) noexcept { return a.seconds_ == b.seconds_; }
  friend bool operator<(Timestamp a, Timestamp b) noexcept { return a.seconds_ < b.seconds_; }

 private:
  int64_t seconds_;
};

// "+03:00" / "-05:30" / "Z" to minutes east; nullopt for anything else.
std::optional<int> parse_utc_offset(std::string_view text) noexcept;
std::string format_utc_offset(int minutes);

}  // namespace opora

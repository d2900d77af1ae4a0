// The handle's clock. Nothing else in src/ reads the wall clock, so a run
// with a manual clock can be replayed exactly.
#pragma once

#include <string>
#include "core/date.hpp"

#include "core/timestamp.hpp"

namespace opora::engine {

enum class ClockMode { system, manual };

class Clock {
 public:
  Clock(ClockMode mode, Timestamp manual_start, int utc_offset_minutes)
      : mode_(mode), manual_now_(manual_start), offset_(utc_offset_minutes) {}

  ClockMode mode() const noexcept { return mode_; }
  int utc_offset_minutes() const noexcept { return offset_; }
  Timestamp now() const;
  Date today() const { return now().date_at(offset_); }
  // Manual clocks only; ErrorCode::state otherwise. An instant whose local
  // date (at the UTC offset) leaves 1900..2999 is refused, naming `field`.
  void set(Timestamp t, const std::string& field = "now");
  // Throws Error(invalid) naming `field` unless today() would work at `t`.
  void check(Timestamp t, const std::string& field) const;

 private:
  ClockMode mode_;
  Timestamp manual_now_;
  int offset_;
};

}  // namespace opora::engine

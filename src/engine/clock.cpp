#include "engine/clock.hpp"

#include <chrono>

#include "core/error.hpp"

namespace opora::engine {

Timestamp Clock::now() const {
  if (mode_ == ClockMode::manual) return manual_now_;
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp(std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count());
}

void Clock::check(Timestamp t, const std::string& field) const {
  try {
    (void)t.date_at(offset_);
  } catch (const Error&) {
    fail_field(ErrorCode::invalid, field, "range",
               "the local date at " + format_utc_offset(offset_) + " leaves 1900..2999");
  }
}

void Clock::set(Timestamp t, const std::string& field) {
  if (mode_ != ClockMode::manual)
    throw Error(ErrorCode::state,
                "clock.set needs a manual clock: open the database with {\"clock\": \"manual\"}");
  check(t, field);
  manual_now_ = t;
}

}  // namespace opora::engine

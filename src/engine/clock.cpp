#include "engine/clock.hpp"

#include <chrono>

#include "core/error.hpp"

namespace opora::engine {

Timestamp Clock::now() const {
  if (mode_ == ClockMode::manual) return manual_now_;
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp(std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count());
}

void Clock::set(Timestamp t) {
  if (mode_ != ClockMode::manual)
    throw Error(ErrorCode::state,
                "clock.set needs a manual clock: open the database with {\"clock\": \"manual\"}");
  manual_now_ = t;
}

}  // namespace opora::engine

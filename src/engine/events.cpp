#include "engine/events.hpp"

#include <boost/json.hpp>

#include "engine/clock.hpp"
#include "workflow/workflow.hpp"

namespace opora::engine {
namespace json = boost::json;

bool EventRouter::listens(const std::string& type) {
  return workflow_.listens(type);
}

json::object EventRouter::publish(const DomainEvent& event) {
  if (!workflow_.listens(event.type))
    return {{"type", event.type},         {"key", event.key}, {"started", json::array{}},
            {"delivered", json::array{}}, {"buffered", 0},    {"failed", json::array{}},
            {"duplicate", false},         {"routed", false}};
  json::object params{{"type", event.type}, {"key", event.key}, {"data", event.data}};
  if (!event.event_id.empty()) params["event_id"] = event.event_id;
  workflow::Clocks clocks;
  clocks.now = clock_.now();
  clocks.today = clock_.today();
  clocks.utc_offset_minutes = clock_.utc_offset_minutes();
  json::object out = workflow_.post_event(params, clocks);
  out["routed"] = true;
  return out;
}

}  // namespace opora::engine

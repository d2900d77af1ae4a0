// The engine's side of domain events: every module publishes through this
// router, and so does a host with events.post. It hands an event to the
// workflows whose triggers match, in the caller's transaction, at the
// handle's clock; an event no definition listens to costs a set look-up and
// leaves nothing behind.
#pragma once

#include <boost/json/object.hpp>

#include "core/domain_events.hpp"

namespace opora::workflow {
class Workflow;
}

namespace opora::engine {

class Clock;

class EventRouter final : public EventPublisher {
 public:
  EventRouter(workflow::Workflow& workflow, const Clock& clock)
      : workflow_(workflow), clock_(clock) {}
  bool listens(const std::string& type) override;
  boost::json::object publish(const DomainEvent& event) override;

 private:
  workflow::Workflow& workflow_;
  const Clock& clock_;
};

}  // namespace opora::engine

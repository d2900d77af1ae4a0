// Domain events: the one path by which a module tells the rest of opora what
// happened to it ("billing.payment_posted", "edo.document_signed"). A module
// publishes inside the transaction of the change; the engine routes the event
// to the workflows whose triggers match, in that same transaction, so the
// change and every reaction to it commit or roll back together.
//
// The interface lives in core so that no module depends on the workflow
// module, or on the engine, to publish.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace opora {

struct DomainEvent {
  std::string type;  // "billing.payment_posted": module, then what happened
  std::string key;   // the business key it concerns: "billing:account:LS-0001"
  boost::json::object data;
  std::string event_id;  // stable: the same fact published again is delivered once
};

class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Whether anything listens to `type` now: a module may skip computing an
  // event's data (a position from the ledger, say) that nobody would read.
  virtual bool listens(const std::string& type) = 0;
  // Routes `event` in the caller's transaction and returns what it did:
  // {type, key, started, delivered, buffered, duplicate, routed}. An event no
  // workflow listens to does nothing and is not stored ("routed": false).
  // Throws what the reaction throws (the caller's transaction then rolls back).
  virtual boost::json::object publish(const DomainEvent& event) = 0;
};

}  // namespace opora

// EDO (электронный документооборот) packet builder: our organisations and
// counterparties with their operator ids and signers, packets of registry
// documents checked offline before anything leaves, the UPD XML and the
// operator's request body rendered for the host to sign and send, and the
// operator's status events folded back into the registry and workflows.
//
// opora never talks to Diadoc or SBIS and never signs: the host does.
// Methods take JSON already checked against the method schemas and throw
// opora::Error; the engine runs each mutating call in one transaction.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/date.hpp"
#include "core/timestamp.hpp"

namespace opora::store {
class Connection;
struct SchemaModule;
}  // namespace opora::store

namespace opora::registry {
class Registry;
struct Context;
}  // namespace opora::registry

namespace opora {
class EventPublisher;
}

namespace opora::calendar {
class CalendarStore;
}

namespace opora::edo {

const store::SchemaModule& schema();

// Who acts and when, and the two things EDO takes from outside the module.
struct Context {
  Timestamp now{0};
  Date today{2000, 1, 1};
  int utc_offset_minutes = 0;
  std::string actor;
  // A new random UUID (a UPD file's GUID, an SBIS document id), from the
  // handle's id source.
  std::function<std::string()> new_uuid;
  // The tax-rate data (billing.tax.list: code, rate, valid_from, valid_to),
  // the one place that says which VAT rate is in force on a date.
  std::function<boost::json::array()> tax_rates;
};

class Edo {
 public:
  Edo(store::Connection& conn, registry::Registry& registry, EventPublisher& events,
      calendar::CalendarStore& calendars)
      : conn_(conn), registry_(registry), events_(events), calendars_(calendars) {}

  // parties.cpp
  boost::json::object put_party(const boost::json::object& p, const Context& ctx);
  boost::json::object get_party(const std::string& code);
  boost::json::object parties(const boost::json::object& p);

  // packets.cpp
  boost::json::object create_packet(const boost::json::object& p, const Context& ctx);
  boost::json::object validate_packet(const boost::json::object& p, const Context& ctx);
  boost::json::object render_packet(const boost::json::object& p, const Context& ctx);
  boost::json::object mark_packet(const boost::json::object& p, const Context& ctx);
  boost::json::object cancel_packet(const boost::json::object& p, const Context& ctx);
  // build.cpp: the documents of a ref through an operator, in one call.
  boost::json::object build_packet(const boost::json::object& p, const Context& ctx);
  // More documents for a packet not sent yet (it goes back to draft).
  boost::json::object add_documents(int64_t packet, const boost::json::array& docs,
                                    const Context& ctx);
  boost::json::object get_packet(int64_t id);
  boost::json::object packets(const boost::json::object& p);
  boost::json::object awaiting(const boost::json::object& p, const Context& ctx);
  boost::json::object operator_types();

  // events.cpp
  boost::json::object apply_event(const boost::json::object& p, const Context& ctx);
  boost::json::object cursor(const std::string& op);
  boost::json::object unmatched(const boost::json::object& p);

 private:
  boost::json::object load_packet(int64_t id, const std::string& field);
  boost::json::object party_row(const std::string& code, const std::string& field);
  std::string party_for(const boost::json::object& side, const std::string& role,
                        const std::string& field);
  // Every problem of a packet, each with its field path and rule.
  boost::json::array problems(const boost::json::object& packet, const Context& ctx);
  void set_packet_status(int64_t id, const std::string& status, const Context& ctx);
  std::string fingerprint(const boost::json::object& packet);
  void keep_sent_files(const boost::json::object& packet, const Context& ctx);
  std::string packet_document_guid(int64_t packet, const Context& ctx);
  // events.cpp: moves one document of a packet forward (never back) and
  // carries the registry status, the domain event and the answer with it.
  boost::json::object advance_document(int64_t packet, int64_t document, const std::string& status,
                                       const boost::json::object& raw, const Context& ctx);
  std::string follow_registry(int64_t document, const std::string& target, const Context& ctx);

  store::Connection& conn_;
  registry::Registry& registry_;
  EventPublisher& events_;  // domain events for workflows (edo.document_signed, ...)
  calendar::CalendarStore& calendars_;
};

}  // namespace opora::edo

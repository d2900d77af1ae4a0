// The workflow module: definitions stored by version, instances by business
// key, events deduplicated by id, timers stored with absolute due times, an
// effects outbox for the host, and an append-only history. Every macrostep
// is one transaction together with its timers, effects and history.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/timestamp.hpp"
#include "workflow/definition.hpp"
#include "workflow/machine.hpp"

namespace opora::store {
class Connection;
struct SchemaModule;
}  // namespace opora::store

namespace opora::calendar {
class CalendarStore;
}

namespace opora::workflow {

const store::SchemaModule& schema();

class Workflow {
 public:
  Workflow(store::Connection& conn, calendar::CalendarStore& calendars)
      : conn_(conn), calendars_(calendars) {}

  boost::json::object define(const boost::json::object& p, const Clocks& clocks);
  boost::json::object definitions();
  boost::json::object start(const boost::json::object& p, const Clocks& clocks);
  boost::json::object send(const boost::json::object& p, const Clocks& clocks);
  boost::json::object send_many(const boost::json::object& p, const Clocks& clocks);
  boost::json::object get(int64_t instance);
  boost::json::object history(const boost::json::object& p);
  boost::json::object tick(const boost::json::object& p, const Clocks& clocks);
  // While set, every history record appended is also collected here (the
  // engine hands them to a host's watch callback once the step commits).
  void collect_history(std::vector<boost::json::object>* sink) { watch_ = sink; }

  boost::json::object export_definition(const boost::json::object& p);
  // Routes a domain event to the definitions whose triggers match (engine:
  // the EventPublisher every module and events.post go through).
  boost::json::object post_event(const boost::json::object& p, const Clocks& clocks);
  // Whether the latest version of some definition has a trigger for `type`
  // (the trigger's event or a dotted ancestor of it): an event nobody listens
  // to costs one look-up in a cached set.
  bool listens(const std::string& type);
  boost::json::object tasks(const boost::json::object& p, const Clocks& clocks);
  boost::json::object complete_task(const boost::json::object& p, const Clocks& clocks);
  boost::json::object fetch_effects(const boost::json::object& p, const Clocks& clocks);
  boost::json::object ack_effect(const boost::json::object& p, const Clocks& clocks);

  // Operating running instances (operate.cpp): list them, move one to another
  // version of its definition, and deal with incidents.
  boost::json::object instances(const boost::json::object& p);
  boost::json::object migrate(const boost::json::object& p, const Clocks& clocks);
  boost::json::object incidents(const boost::json::object& p);
  boost::json::object retry_incident(const boost::json::object& p, const Clocks& clocks);
  boost::json::object resolve_incident(const boost::json::object& p, const Clocks& clocks);

 private:
  struct Instance {
    int64_t id = 0;
    std::string definition;
    int64_t version = 0;
    std::string key;
    std::string status;
    int64_t seq = 0;
    std::shared_ptr<const Definition> def;
    Snapshot snapshot;
  };
  const Definition& definition(const std::string& id, int64_t version, const std::string& field);
  Instance load(int64_t id, const std::string& field);
  boost::json::object step(Instance& in, const std::optional<Event>& event, const Clocks& clocks);
  boost::json::object step_once(Instance& in, const std::optional<Event>& event,
                                const Clocks& clocks);
  boost::json::object persist(Instance& in, const StepResult& r, const Clocks& clocks);
  void drain_buffer(Instance& in, const Clocks& clocks, boost::json::object& out);
  boost::json::object describe(const Instance& in);
  void save_tasks(const Instance& in, const StepResult& r, const Clocks& clocks);
  void drop_deadline(int64_t instance, const std::string& task);
  int64_t insert_history(int64_t instance, int64_t seq,
                         const std::vector<boost::json::object>& records, const Clocks& clocks);
  void append_history(int64_t instance, int64_t seq,
                      const std::vector<boost::json::object>& records, const Clocks& clocks);
  void append_history(int64_t instance, int64_t seq, const boost::json::object& record,
                      const Clocks& clocks);
  EvalEnv env();
  bool buffers(const std::string& id);
  // The latest version of every definition and the trigger events they name,
  // cached until a definition is stored here or the file changes elsewhere.
  struct Routes {
    std::vector<std::pair<std::string, int64_t>> latest;
    std::set<std::string> events;
  };
  const Routes& routes();
  // Records a failure an operator must look at: in workflow_incident and in
  // the instance's history. `subject` names what failed ({effect} or {timer, state}).
  int64_t open_incident(int64_t instance, const std::string& kind,
                        const boost::json::object& subject, const std::string& message,
                        const Clocks& clocks);
  int64_t current_seq(int64_t instance);

  store::Connection& conn_;
  calendar::CalendarStore& calendars_;
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<const Definition>> compiled_;
  std::vector<boost::json::object>* watch_ = nullptr;
  const std::string& now_text(const Clocks& clocks);
  template <class Apply>
  bool all_or_nothing(Apply&& apply);
  int64_t now_text_at_ = 0;
  std::string now_text_;
  std::map<std::string, bool> buffering_;  // definition id: some version buffers events
  Routes routes_;
  int64_t routes_version_ = -1;  // data_version the routes were read at; -1: stale
  int64_t routes_rollbacks_ = -1;
  bool quiet_ = false;  // steps return no description (a tick)
};

}  // namespace opora::workflow

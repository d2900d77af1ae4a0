// The interpreter: SCXML 1.0's run-to-completion semantics (Appendix D,
// "Algorithm for SCXML Interpretation") over a compiled Definition; where
// opora departs from it is listed in docs/workflow.md. Pure: it changes a
// Snapshot and returns what should happen (effects for the host, timers to arm
// and drop, history records); the workflow module stores all of it in one
// transaction.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/timestamp.hpp"
#include "workflow/definition.hpp"
#include "workflow/expr.hpp"

namespace opora::workflow {

// An instance between macrosteps: never persisted mid-step.
struct Snapshot {
  std::vector<int> active;  // state indices, ancestors included, in document order
  boost::json::object context;
  bool done = false;
};

struct Event {
  std::string name;
  boost::json::value data;  // object or null
};

struct TimerArm {
  std::string state;  // owning state id: dropped when it is exited
  std::string event;  // "after:<state>:<n>"
  Timestamp due{0};
};

// A human task an action opened, with its templates rendered.
struct TaskOpen {
  std::string state;  // owning state: the task is cancelled when it is left
  std::string name, title, description, assignee, group;
  std::optional<Timestamp> due;
  std::vector<std::string> outcomes, comment_required;
  boost::json::object form;
  bool approval = false;
};

struct StepResult {
  bool accepted = false;                     // the external event took at least one transition
  std::vector<boost::json::object> effects;  // {type, payload}
  std::vector<TimerArm> armed;
  std::vector<std::string> exited;  // state ids whose timers and tasks are dropped
  std::vector<TaskOpen> tasks_opened;
  std::vector<std::string> tasks_cancelled;  // by name, open tasks of the instance
  std::vector<boost::json::object> history;
};

struct Clocks {
  Timestamp now{0};
  Date today{2000, 1, 1};
  int utc_offset_minutes = 0;
};

class Machine {
 public:
  // A macrostep (the external event's own microstep, then eventless
  // transitions and internal events) may take at most kMaxMicrosteps
  // microsteps and dequeue at most kMaxInternalEvents internal events; the
  // next one throws Error(state) instead of hanging on a loop (SCXML would run
  // forever), and the caller undoes the whole step.
  static constexpr int kMaxMicrosteps = 1000;
  static constexpr int kMaxInternalEvents = 1000;

  Machine(const Definition& d, const EvalEnv& env, const Clocks& clocks, std::string key)
      : d_(d), env_(env), clocks_(clocks), key_(std::move(key)) {}

  // Enters the initial configuration and runs to completion.
  StepResult start(Snapshot& s, const boost::json::object& context);
  // Runs one external event to completion.
  StepResult send(Snapshot& s, const Event& e);
  // Arms the timers of `states` from now, without running entry actions: for
  // states an instance was moved into by a migration.
  StepResult arm(Snapshot& s, const std::vector<int>& states);

 private:
  struct Run;
  const Definition& d_;
  const EvalEnv& env_;
  Clocks clocks_;
  std::string key_;
  // `now` and `today` as expressions see them, formatted on first use.
  mutable std::string now_text_, today_text_;
  const std::string& now_text() const;
  const std::string& today_text() const;
};

}  // namespace opora::workflow

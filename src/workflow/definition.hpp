// A workflow definition compiled from JSON: a statechart (atomic, compound,
// parallel and final states), its transitions with guards and actions, and
// the timers of each state. Compiled once, checked with every mistake listed,
// then run many times by the interpreter (machine.hpp).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "workflow/expr.hpp"

namespace opora::workflow {

// A timer of a state: armed on entry with an absolute due time, removed on exit.
struct Timer {
  std::optional<int64_t> seconds;       // ISO 8601 duration in calendar time
  std::optional<int64_t> working_days;  // on the definition's (or its own) calendar
  std::string calendar;
  // A calendar written as a template ("{{ context.calendar }}"): the id is
  // rendered when the timer is armed, so an instance runs on its own calendar.
  std::optional<Template> calendar_from;
  std::optional<Expression> at;  // a date or date-time from context
};

// A human task opened by an action: it belongs to the state that opened it
// (cancelled when the state is left); completing it sends
// "task.<name>.<outcome>" to the instance, and its deadline sends
// "task.<name>.overdue".
struct TaskSpec {
  std::string name;
  std::optional<Template> title, description, assignee;
  std::string group;
  std::optional<Timer> deadline;
  std::vector<std::string> outcomes;          // allowed results
  std::vector<std::string> comment_required;  // outcomes that need a comment
  boost::json::object form;                   // fields the result carries, for the host's UI
  bool approval = false;                      // approve / reject, comment on reject
};

// What an action does; actions run in document order and only produce data
// (context changes, effects, internal events, tasks): nothing here talks to
// the world.
struct Action {
  enum class Kind { assign, emit, raise, task, cancel_task };
  Kind kind = Kind::assign;
  // assign: context path -> expression
  std::vector<std::pair<std::string, Expression>> assignments;
  // emit: effect type and payload; string members are templates
  std::string effect_type;
  boost::json::object payload;                        // as written
  std::map<std::string, Template> payload_templates;  // member path -> template
  // Members that must not render empty: every template member with a
  // placeholder, unless the emit lists it in "optional". An effect with an
  // empty required member becomes an incident instead of going to the host.
  std::vector<std::string> required;
  // raise: an internal event; cancel_task: the task name
  std::string event;
  // task / approval
  std::optional<TaskSpec> task;
};

struct Transition {
  int source = -1;
  std::vector<std::string> events;  // SCXML descriptors as written; empty: eventless or a timer
  std::optional<int> target;        // state index; none: targetless
  std::optional<Expression> guard;
  std::vector<Action> actions;
  bool reenter = false;
  std::optional<Timer> timer;  // set for an `after` transition
  std::string timer_event;     // the event a firing timer sends ("after:<state>:<n>")
};

struct State {
  enum class Type { atomic, compound, parallel, final };
  std::string id;  // unique in the definition
  Type type = Type::atomic;
  int parent = -1;  // -1 for the root
  std::vector<int> children;
  int initial = -1;  // compound: the child entered by default
  std::vector<Action> entry, exit;
  std::vector<Transition> transitions;  // document order: on, always, after
  int depth = 0;
  bool has_timers() const;  // an `after` transition
};

// A domain event the definition reacts to (events.post): it may start an
// instance for the event's key, or be routed to the live instance of that
// key as an event; an event that finds no instance ready for it may wait in
// a buffer for `buffer_seconds`.
struct Trigger {
  std::string event;               // the domain event type, e.g. "deal.stage_changed"
  std::optional<Expression> when;  // over {event: {name, data}, key}
  bool start = false;              // start an instance (at most one live per key)
  std::string send_as;             // route: the event name the instance receives
  int64_t buffer_seconds = 0;
};

struct Definition {
  std::string id;
  int64_t version = 1;
  std::string title;
  std::string calendar = "ru";
  std::optional<Template> calendar_from;  // see Timer::calendar_from
  bool multiple_instances = false;        // more than one live instance per business key
  std::vector<Trigger> triggers;
  boost::json::object context;       // defaults
  std::vector<State> states;         // index 0 is the synthetic root; document order
  std::map<std::string, int> index;  // state id -> index
  bool opens_tasks = false;          // some action opens a human task
  bool arms_timers = false;          // some state has an `after` timer, or tasks (deadlines)

  // Compiles `json`; throws Error(validation) listing every mistake, each
  // with its path ("states.review.on.approve[0].target").
  static Definition compile(const boost::json::object& json);

  bool is_descendant(int s, int ancestor) const;  // strictly below
  const State& state(int i) const { return states[static_cast<size_t>(i)]; }
};

}  // namespace opora::workflow

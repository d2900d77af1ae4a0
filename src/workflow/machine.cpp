#include "workflow/machine.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <deque>
#include <optional>
#include <string_view>

#include "core/business_calendar.hpp"
#include "core/error.hpp"

namespace opora::workflow {
namespace json = boost::json;

struct Machine::Run {
  const Machine& m;
  const Definition& d;
  Snapshot& s;
  StepResult& out;
  std::deque<Event> internal;
  Event current;
  int microsteps = 0;       // of this macrostep, the external event's own included
  int internal_events = 0;  // dequeued in this macrostep

  bool active(int i) const { return std::binary_search(s.active.begin(), s.active.end(), i); }
  const State& st(int i) const { return d.state(i); }

  // The roots of the expressions evaluated now: the context in place, the
  // event as {"name", "data"} (data {} when it has none), now, today and the
  // instance's key. Built on first read, the event again when it changes.
  class Roots final : public Scope {
   public:
    explicit Roots(const Run& r) : r_(r) {}
    Root root(std::string_view name) const override {
      if (name == "context") return {nullptr, &r_.s.context};
      if (name == "event") {
        if (!r_.event_root) {
          json::object ev{{"name", r_.current.name}};
          ev["data"] = r_.current.data.is_null() ? json::value(json::object{}) : r_.current.data;
          r_.event_root = json::value(std::move(ev));
        }
        return {&*r_.event_root, nullptr};
      }
      if (name == "now") return {&text_root(r_.now_root, r_.m.now_text()), nullptr};
      if (name == "today") return {&text_root(r_.today_root, r_.m.today_text()), nullptr};
      if (name == "key") return {&text_root(r_.key_root, r_.m.key_), nullptr};
      return {};
    }

   private:
    static const json::value& text_root(std::optional<json::value>& slot, const std::string& text) {
      if (!slot) slot = json::value(text);
      return *slot;
    }
    const Run& r_;
  };
  mutable std::optional<json::value> event_root{};
  mutable std::optional<json::value> now_root{};
  mutable std::optional<json::value> today_root{};
  mutable std::optional<json::value> key_root{};

  Roots scope() const { return Roots(*this); }

  void record(const char* kind, json::object detail) {
    detail["kind"] = kind;
    out.history.push_back(std::move(detail));
  }

  // SCXML 1.0 §3.12.1: a descriptor matches an event name when its tokens are
  // the name's tokens or a prefix of them; "deal", "deal." and "deal.*" are the
  // same descriptor, and "*" matches every name.
  static bool name_match(std::string_view descriptor, std::string_view name) {
    if (descriptor == "*") return true;
    if (descriptor.size() >= 2 && descriptor.substr(descriptor.size() - 2) == ".*")
      descriptor.remove_suffix(2);
    else if (!descriptor.empty() && descriptor.back() == '.')
      descriptor.remove_suffix(1);
    return name.compare(0, descriptor.size(), descriptor) == 0 &&
           (name.size() == descriptor.size() || name[descriptor.size()] == '.');
  }

  static bool matches(const Transition& t, const Event* e) {
    if (e == nullptr) return t.events.empty() && !t.timer;
    if (t.timer) return e->name == t.timer_event;
    for (const auto& desc : t.events)
      if (name_match(desc, e->name)) return true;
    return false;
  }

  bool guard_ok(const Transition& t) {
    if (!t.guard) return true;
    try {
      return t.guard->evaluate_bool(scope(), m.env_);
    } catch (const Error& e) {
      // SCXML §5.9: a condition that cannot be evaluated is false, and
      // error.execution goes on the internal queue; the history says why.
      record("guard_error",
             {{"state", st(t.source).id}, {"guard", t.guard->text()}, {"message", e.what()}});
      internal.push_back(Event{"error.execution",
                               json::object{{"state", st(t.source).id}, {"message", e.what()}}});
      return false;
    }
  }

  // Leaves no state: targetless, or to its own state without `reenter`. The
  // latter is opora's departure from SCXML, where a transition to its own
  // state always exits and re-enters it: here it only runs its actions.
  static bool stays(const Transition& t) {
    return !t.target || (*t.target == t.source && !t.reenter);
  }

  // getTransitionDomain: a transition without `reenter` from a compound state
  // to one of its descendants is SCXML's type="internal" and exits nothing
  // above its target; any other is type="external".
  int domain(const Transition& t) const {
    const int target = *t.target;
    if (!t.reenter && st(t.source).type == State::Type::compound &&
        d.is_descendant(target, t.source))
      return t.source;
    return lcca(t.source, target);
  }

  // findLCCA([source, target]): the nearest proper ancestor of the source that
  // is compound (or the root) and holds the target.
  int lcca(int source, int target) const {
    for (int a = st(source).parent; a > 0; a = st(a).parent)
      if (st(a).type == State::Type::compound && d.is_descendant(target, a)) return a;
    return 0;
  }

  // computeExitSet: the active descendants of each transition's domain.
  std::vector<int> exit_set(const std::vector<const Transition*>& ts) const {
    std::vector<int> out_set;
    for (const Transition* t : ts) {
      if (stays(*t)) continue;
      const int dom = domain(*t);
      for (int a : s.active)
        if (d.is_descendant(a, dom) &&
            std::find(out_set.begin(), out_set.end(), a) == out_set.end())
          out_set.push_back(a);
    }
    return out_set;
  }

  // selectTransitions / selectEventlessTransitions (e == nullptr): for each
  // active atomic state in document order, the first enabled transition of the
  // state or its nearest ancestor; then removeConflictingTransitions.
  std::vector<const Transition*> select(const Event* e) {
    std::vector<const Transition*> enabled;
    for (int a : s.active) {
      const State& atomic = st(a);
      if (atomic.type != State::Type::atomic && atomic.type != State::Type::final) continue;
      bool found = false;
      for (int x = a; x > 0 && !found; x = st(x).parent)
        for (const auto& t : st(x).transitions)
          if (matches(t, e) && guard_ok(t)) {
            if (std::find(enabled.begin(), enabled.end(), &t) == enabled.end())
              enabled.push_back(&t);
            found = true;
            break;
          }
    }
    return remove_conflicting(enabled);
  }

  // Two transitions conflict when their exit sets meet: a descendant source
  // wins, otherwise the one selected first.
  std::vector<const Transition*> remove_conflicting(const std::vector<const Transition*>& enabled) {
    std::vector<const Transition*> kept;
    for (const Transition* t1 : enabled) {
      const std::vector<int> x1 = exit_set({t1});
      bool preempted = false;
      std::vector<const Transition*> drop;
      for (const Transition* t2 : kept) {
        const std::vector<int> x2 = exit_set({t2});
        const bool meet = std::any_of(x1.begin(), x1.end(), [&](int v) {
          return std::find(x2.begin(), x2.end(), v) != x2.end();
        });
        if (!meet) continue;
        if (d.is_descendant(t1->source, t2->source)) {
          drop.push_back(t2);
        } else {
          preempted = true;
          break;
        }
      }
      if (preempted) continue;
      kept.erase(std::remove_if(kept.begin(), kept.end(),
                                [&](const Transition* t) {
                                  return std::find(drop.begin(), drop.end(), t) != drop.end();
                                }),
                 kept.end());
      kept.push_back(t1);
    }
    return kept;
  }

  void run_actions(const std::vector<Action>& actions, const std::string& where) {
    for (const Action& a : actions) {
      switch (a.kind) {
        case Action::Kind::assign:
          for (const auto& [path, expr] : a.assignments) {
            json::value v = expr.evaluate(scope(), m.env_);
            assign(path, v);
            record("assign", {{"state", where}, {"path", path}, {"value", v}});
          }
          break;
        case Action::Kind::emit: {
          json::object payload = a.payload;
          const Roots sc = scope();
          for (const auto& [k, tpl] : a.payload_templates) payload[k] = tpl.render(sc, m.env_);
          json::object effect{{"type", a.effect_type}, {"payload", payload}, {"state", where}};
          // A required member that came out empty (a phone, a document id
          // the process never learnt) must not reach the host as a message:
          // the workflow module turns such an effect into an incident.
          json::array missing;
          for (const auto& k : a.required) {
            const auto& v = payload.at(k).as_string();
            if (std::string_view(v).find_first_not_of(" \t\r\n") == std::string_view::npos)
              missing.push_back(json::value(k));
          }
          if (!missing.empty()) effect["missing"] = std::move(missing);
          record("effect", effect);
          out.effects.push_back(std::move(effect));
          break;
        }
        case Action::Kind::raise:
          internal.push_back(Event{a.event, nullptr});
          record("raise", {{"state", where}, {"event", a.event}});
          break;
        case Action::Kind::task: {
          const TaskSpec& t = *a.task;
          const Roots sc = scope();
          TaskOpen open;
          open.state = where;
          open.name = t.name;
          open.title = t.title ? t.title->render(sc, m.env_) : t.name;
          if (t.description) open.description = t.description->render(sc, m.env_);
          if (t.assignee) open.assignee = t.assignee->render(sc, m.env_);
          open.group = t.group;
          open.outcomes = t.outcomes;
          open.comment_required = t.comment_required;
          open.form = t.form;
          open.approval = t.approval;
          if (t.deadline) {
            open.due = due_of(*t.deadline, where);
            out.armed.push_back(TimerArm{where, "task." + t.name + ".overdue", *open.due});
          }
          json::object rec{{"state", where},
                           {"task", t.name},
                           {"title", open.title},
                           {"assignee", open.assignee}};
          rec["due"] = open.due ? json::value(open.due->to_string()) : json::value(nullptr);
          record("task_opened", std::move(rec));
          out.tasks_opened.push_back(std::move(open));
          break;
        }
        case Action::Kind::cancel_task:
          // A task opened earlier in this same step is not stored yet: it
          // goes here, with its deadline; a stored one is cancelled by name.
          out.tasks_opened.erase(
              std::remove_if(out.tasks_opened.begin(), out.tasks_opened.end(),
                             [&](const TaskOpen& t) { return t.name == a.event; }),
              out.tasks_opened.end());
          out.armed.erase(std::remove_if(out.armed.begin(), out.armed.end(),
                                         [&](const TimerArm& t) {
                                           return t.event == "task." + a.event + ".overdue";
                                         }),
                          out.armed.end());
          out.tasks_cancelled.push_back(a.event);
          record("task_cancelled", {{"state", where}, {"task", a.event}});
          break;
      }
    }
  }

  void assign(std::string path, const json::value& v) {
    if (path.rfind("context.", 0) == 0) path = path.substr(8);
    json::object* o = &s.context;
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      const std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
      if (dot == std::string::npos) {
        (*o)[part] = v;
        return;
      }
      json::value& next = (*o)[part];
      if (!next.is_object()) next = json::object{};
      o = &next.get_object();
      start = dot + 1;
    }
  }

  // addDescendantStatesToEnter: the state and its default entry below it.
  void add_descendants(int x, std::vector<int>& enter) const {
    if (std::find(enter.begin(), enter.end(), x) == enter.end()) enter.push_back(x);
    const State& state = st(x);
    if (state.type == State::Type::compound) {
      add_descendants(state.initial, enter);
      add_ancestors(state.initial, x, enter);
    } else if (state.type == State::Type::parallel) {
      add_missing_regions(x, enter);
    }
  }

  // addAncestorStatesToEnter: the proper ancestors of x below `ancestor`,
  // with the regions of a parallel one that nothing enters yet.
  void add_ancestors(int x, int ancestor, std::vector<int>& enter) const {
    for (int a = st(x).parent; a >= 0 && a != ancestor; a = st(a).parent) {
      if (std::find(enter.begin(), enter.end(), a) == enter.end()) enter.push_back(a);
      if (st(a).type == State::Type::parallel) add_missing_regions(a, enter);
    }
  }

  void add_missing_regions(int parallel, std::vector<int>& enter) const {
    for (int c : st(parallel).children) {
      const bool covered =
          std::any_of(enter.begin(), enter.end(), [&](int e) { return d.is_descendant(e, c); });
      if (!covered) add_descendants(c, enter);
    }
  }

  // microstep: exitStates, executeTransitionContent, enterStates.
  void microstep(const std::vector<const Transition*>& ts) {
    if (++microsteps > kMaxMicrosteps)
      throw Error(ErrorCode::state, "workflow " + d.id + ": more than " +
                                        std::to_string(kMaxMicrosteps) +
                                        " microsteps in one step (an eventless loop?)");
    std::vector<int> exit = exit_set(ts);
    std::sort(exit.begin(), exit.end(), std::greater<int>());  // reverse document order
    for (int x : exit) {
      const std::string& id = st(x).id;
      run_actions(st(x).exit, id);
      s.active.erase(std::remove(s.active.begin(), s.active.end(), x), s.active.end());
      out.exited.push_back(id);
      // What the state armed or opened since it was entered in this same step
      // goes with it (the stored ones are dropped through `exited`): SCXML's
      // <cancel> in <onexit> of a <send> from <onentry>.
      out.armed.erase(std::remove_if(out.armed.begin(), out.armed.end(),
                                     [&](const TimerArm& a) { return a.state == id; }),
                      out.armed.end());
      out.tasks_opened.erase(std::remove_if(out.tasks_opened.begin(), out.tasks_opened.end(),
                                            [&](const TaskOpen& t) { return t.state == id; }),
                             out.tasks_opened.end());
      record("exit", {{"state", id}});
    }
    for (const Transition* t : ts) {
      json::object rec{{"from", st(t->source).id}, {"event", current.name}};
      rec["to"] = t->target ? json::value(st(*t->target).id) : json::value(nullptr);
      record("transition", std::move(rec));
      const size_t tasks_before = out.tasks_opened.size();
      const size_t armed_before = out.armed.size();
      run_actions(t->actions, st(t->source).id);
      // A task a transition opens belongs to the state the transition stays
      // within (its domain; the instance itself at the root), not to the
      // source it has just left: it lives until that state is left.
      if (!stays(*t)) {
        const std::string& owner = st(domain(*t)).id;
        for (size_t i = tasks_before; i < out.tasks_opened.size(); ++i)
          out.tasks_opened[i].state = owner;
        for (size_t i = armed_before; i < out.armed.size(); ++i) out.armed[i].state = owner;
      }
    }
    // computeEntrySet
    std::vector<int> enter;
    for (const Transition* t : ts) {
      if (stays(*t)) continue;
      add_descendants(*t->target, enter);
      add_ancestors(*t->target, domain(*t), enter);
    }
    enter_states(enter);
  }

  // enterStates, in document order: entry actions, timers, and the done
  // events of final states (done.state.<parent>, and done.state.<grandparent>
  // when that is a parallel state whose every region is now final).
  void enter_states(std::vector<int> enter) {
    std::sort(enter.begin(), enter.end());
    for (int x : enter) {
      if (!active(x)) s.active.insert(std::upper_bound(s.active.begin(), s.active.end(), x), x);
      record("enter", {{"state", st(x).id}});
      run_actions(st(x).entry, st(x).id);
      arm_timers(x);
      if (st(x).type != State::Type::final) continue;
      const int parent = st(x).parent;
      if (parent == 0) {
        s.done = true;
        record("done", {{"state", st(x).id}});
        continue;
      }
      internal.push_back(Event{"done.state." + st(parent).id, nullptr});
      const int grand = st(parent).parent;
      if (grand > 0 && st(grand).type == State::Type::parallel && in_final(grand))
        internal.push_back(Event{"done.state." + st(grand).id, nullptr});
    }
  }

  // isInFinalState
  bool in_final(int x) const {
    const State& state = st(x);
    if (state.type == State::Type::compound) {
      for (int c : state.children)
        if (active(c) && st(c).type == State::Type::final) return true;
      return false;
    }
    if (state.type == State::Type::parallel) {
      for (int c : state.children)
        if (!in_final(c)) return false;
      return true;
    }
    return false;
  }

  void arm_timers(int x) {
    for (const auto& t : st(x).transitions) {
      if (!t.timer) continue;
      const Timestamp due = due_of(*t.timer, st(x).id);
      out.armed.push_back(TimerArm{st(x).id, t.timer_event, due});
      record("timer_armed",
             {{"state", st(x).id}, {"timer", t.timer_event}, {"due", due.to_string()}});
    }
  }

  // The absolute due time of a timer or deadline, from now.
  Timestamp due_of(const Timer& tm, const std::string& where) {
    const Clocks& c = m.clocks_;
    Timestamp due = c.now;
    {
      if (tm.seconds) {
        due = Timestamp(c.now.seconds() + *tm.seconds);
      } else if (tm.working_days) {
        const std::string id =
            tm.calendar_from ? tm.calendar_from->render(scope(), m.env_) : tm.calendar;
        const auto cal = m.env_.calendar ? m.env_.calendar(id) : nullptr;
        if (!cal)
          throw Error(ErrorCode::validation,
                      "state " + where + ": no calendar \"" + id + "\" for a working-day timer");
        // A deadline in a year whose decree is not out yet uses the provisional
        // calendar: a timer late by a transferred day beats a process that
        // cannot move.
        const Date target =
            cal->add_working_days(c.today, *tm.working_days, YearPolicy(MissingYear::error, true));
        due = Timestamp(c.now.seconds() + c.today.days_until(target) * 86400);
      } else if (tm.at) {
        const json::value v = tm.at->evaluate(scope(), m.env_);
        const std::string text = v.is_string() ? std::string(v.get_string()) : "";
        if (auto day = Date::parse(text)) {
          due = Timestamp(day->days_since_epoch() * 86400 - int64_t{c.utc_offset_minutes} * 60);
        } else if (auto ts = Timestamp::parse(text)) {
          due = *ts;
        } else {
          throw Error(ErrorCode::validation,
                      "state " + where + ": the timer's `at` gave \"" + json::serialize(v) +
                          "\", not a date or date-time",
                      {{"at", "timer_at", "expected YYYY-MM-DD or an ISO date-time"}});
        }
      }
    }
    return due;
  }

  // The rest of mainEventLoop's macrostep: eventless transitions while any is
  // enabled (re-selected after every microstep, whether or not it changed the
  // configuration), then the next internal event, until neither is left or
  // the instance is done. A loop ends at kMaxMicrosteps or kMaxInternalEvents.
  void settle() {
    while (!s.done) {
      std::vector<const Transition*> ts = select(nullptr);
      if (ts.empty()) {
        if (internal.empty()) break;
        // A guard that keeps failing raises error.execution on every
        // selection without any microstep: this bound ends that loop too.
        if (++internal_events > kMaxInternalEvents)
          throw Error(ErrorCode::state, "workflow " + d.id + ": more than " +
                                            std::to_string(kMaxInternalEvents) +
                                            " internal events in one step (a loop of raised "
                                            "events or failing guards?)");
        current = std::move(internal.front());
        event_root.reset();
        internal.pop_front();
        ts = select(&current);
      }
      if (!ts.empty()) microstep(ts);
    }
  }
};

StepResult Machine::start(Snapshot& s, const json::object& context) {
  StepResult out;
  s = Snapshot{};
  s.context = d_.context;
  for (const auto& kv : context) s.context[kv.key()] = kv.value();
  Run run{*this, d_, s, out, {}, Event{"(start)", nullptr}};
  // interpret(): the root is active from the start; enterStates with its
  // initial transition (which raises done events like any other entry), then
  // the first macrostep.
  s.active.push_back(0);
  std::vector<int> enter;
  run.add_descendants(d_.state(0).initial, enter);
  run.add_ancestors(d_.state(0).initial, 0, enter);
  run.enter_states(std::move(enter));
  run.settle();
  out.accepted = true;
  return out;
}

StepResult Machine::send(Snapshot& s, const Event& e) {
  StepResult out;
  Run run{*this, d_, s, out, {}, e};
  if (s.done) {
    run.record("ignored", {{"event", e.name}, {"reason", "the instance is done"}});
    return out;
  }
  run.record("event", {{"event", e.name}, {"data", e.data}});
  const auto ts = run.select(&e);
  if (ts.empty()) {
    run.record("ignored", {{"event", e.name}, {"reason", "no transition accepts it here"}});
  } else {
    out.accepted = true;
    run.microstep(ts);
  }
  // As in SCXML, the macrostep goes on even when the event took no
  // transition: a guard error it caused is an internal event, and eventless
  // guards that read the event (or the time) are evaluated again.
  run.settle();
  return out;
}

StepResult Machine::arm(Snapshot& s, const std::vector<int>& states) {
  StepResult out;
  Run run{*this, d_, s, out, {}, Event{"(migrate)", nullptr}};
  for (int x : states) run.arm_timers(x);
  return out;
}

const std::string& Machine::now_text() const {
  if (now_text_.empty()) now_text_ = clocks_.now.to_string();
  return now_text_;
}

const std::string& Machine::today_text() const {
  if (today_text_.empty()) today_text_ = clocks_.today.to_string();
  return today_text_;
}

}  // namespace opora::workflow

#include "workflow/definition.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <set>
#include <string_view>

#include "core/error.hpp"
#include "core/suggest.hpp"

namespace opora::workflow {
namespace json = boost::json;

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '.'))
      return false;
  return true;
}

// "P3D", "PT2H", "P1DT30M", "P2W": days, hours, minutes, seconds. Years and
// months are refused: their length depends on when they start.
std::optional<int64_t> parse_duration(std::string_view s) {
  if (s.size() < 3 || s[0] != 'P') return std::nullopt;
  int64_t total = 0;
  bool time = false;
  bool any = false;
  int64_t n = -1;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      n = (n < 0 ? 0 : n) * 10 + (c - '0');
      if (n > 100000000) return std::nullopt;
      continue;
    }
    if (c == 'T') {
      if (time || n >= 0) return std::nullopt;
      time = true;
      continue;
    }
    if (n < 0) return std::nullopt;
    int64_t unit = 0;
    if (!time && c == 'W')
      unit = 7 * 86400;
    else if (!time && c == 'D')
      unit = 86400;
    else if (time && c == 'H')
      unit = 3600;
    else if (time && c == 'M')
      unit = 60;
    else if (time && c == 'S')
      unit = 1;
    else
      return std::nullopt;
    total += n * unit;
    n = -1;
    any = true;
  }
  if (!any || n >= 0 || total <= 0) return std::nullopt;
  return total;
}

class Compiler {
 public:
  explicit Compiler(Definition& d) : d_(d) {}

  void compile(const json::object& j) {
    for (const auto& kv : j) {
      static const std::set<std::string> known = {
          "id",      "version", "title",  "calendar", "multiple_instances",
          "context", "initial", "states", "triggers", "description"};
      if (known.count(std::string(kv.key())) == 0)
        unknown_field(std::string(kv.key()), kv.key(), known);
    }
    if (const auto* id = j.if_contains("id");
        id != nullptr && id->is_string() && is_identifier(id->get_string()))
      d_.id = std::string(id->get_string());
    else
      errors_.add("id", "required", "an identifier: letters, digits, _ - . (at most 64)");
    if (const auto* v = j.if_contains("version")) {
      if (!v->is_int64() || v->get_int64() < 1)
        errors_.add("version", "type", "a positive integer");
      else
        d_.version = v->get_int64();
    }
    if (const auto* t = j.if_contains("title"); t != nullptr && t->is_string())
      d_.title = std::string(t->get_string());
    if (const auto* c = j.if_contains("calendar")) {
      if (!c->is_string())
        errors_.add("calendar", "type", "a calendar id such as ru or kz");
      else
        calendar(c->get_string(), "calendar", d_.calendar, d_.calendar_from);
    }
    if (const auto* m = j.if_contains("multiple_instances")) {
      if (!m->is_bool())
        errors_.add("multiple_instances", "type", "true or false");
      else
        d_.multiple_instances = m->get_bool();
    }
    if (const auto* c = j.if_contains("context")) {
      if (!c->is_object())
        errors_.add("context", "type", "an object of defaults");
      else
        d_.context = c->get_object();
    }
    if (const auto* tr = j.if_contains("triggers")) {
      if (!tr->is_array()) {
        errors_.add("triggers", "type", "an array of {event, when, start | send_as, buffer}");
      } else {
        size_t n = 0;
        for (const auto& t : tr->get_array()) trigger(t, "triggers[" + std::to_string(n++) + "]");
      }
    }
    State root;
    root.id = "(root)";
    root.type = State::Type::compound;
    d_.states.push_back(root);
    const auto* states = j.if_contains("states");
    if (states == nullptr || !states->is_object() || states->get_object().empty()) {
      errors_.add("states", "required", "an object of states, at least one");
    } else {
      for (const auto& kv : states->get_object())
        add_state(std::string(kv.key()), kv.value(), 0, "states." + std::string(kv.key()));
    }
    pending_initial_.push_back({0, j.if_contains("initial"), "initial"});
    resolve();
    errors_.throw_if_any(ErrorCode::validation);
  }

 private:
  struct PendingTarget {
    int state;
    size_t transition;
    std::string target;
    std::string path;
  };
  struct PendingInitial {
    int state;
    const json::value* initial;
    std::string path;
  };

  void add_state(const std::string& id, const json::value& v, int parent, const std::string& path) {
    if (!is_identifier(id)) errors_.add(path, "state_id", "a state id: letters, digits, _ - .");
    if (d_.index.count(id) != 0)
      errors_.add(path, "duplicate", "state \"" + id + "\" is defined twice; ids are unique");
    const int index = static_cast<int>(d_.states.size());
    {
      State s;
      s.id = id;
      s.parent = parent;
      s.depth = d_.states[static_cast<size_t>(parent)].depth + 1;
      d_.states.push_back(std::move(s));
    }
    d_.index.emplace(id, index);
    d_.states[static_cast<size_t>(parent)].children.push_back(index);
    if (!v.is_object()) {
      errors_.add(path, "type", "a state is an object ({} for a plain state)");
      return;
    }
    const json::object& o = v.get_object();
    for (const auto& kv : o) {
      static const std::set<std::string> known = {
          "type", "initial", "states", "on", "always", "after", "entry", "exit", "description"};
      if (known.count(std::string(kv.key())) == 0)
        unknown_field(path + "." + std::string(kv.key()), kv.key(), known);
    }
    State::Type type = o.contains("states") ? State::Type::compound : State::Type::atomic;
    if (const auto* t = o.if_contains("type")) {
      const std::string name = t->is_string() ? std::string(t->get_string()) : "";
      if (name == "atomic")
        type = State::Type::atomic;
      else if (name == "compound")
        type = State::Type::compound;
      else if (name == "parallel")
        type = State::Type::parallel;
      else if (name == "final")
        type = State::Type::final;
      else
        errors_.add(path + ".type", "enum", "atomic, compound, parallel or final");
    }
    d_.states[static_cast<size_t>(index)].type = type;
    // SCXML allows <final> only in <state> and <scxml>: every child of a
    // parallel state is a region, and a region that is final at once would
    // make the parallel state's done event meaningless.
    if (type == State::Type::final &&
        d_.states[static_cast<size_t>(parent)].type == State::Type::parallel)
      errors_.add(path + ".type", "final_in_parallel",
                  "a parallel state's children are regions; put the final state inside a "
                  "compound region");
    const bool has_children = o.contains("states");
    if ((type == State::Type::compound || type == State::Type::parallel) && !has_children)
      errors_.add(path + ".states", "required", "a compound or parallel state has child states");
    if ((type == State::Type::atomic || type == State::Type::final) && has_children)
      errors_.add(path + ".states", "not_allowed", "only compound and parallel states nest");
    // Every region of a parallel state is entered, and an atomic state has no
    // children: an `initial` there would be silently ignored.
    if (type != State::Type::compound && o.contains("initial"))
      errors_.add(path + ".initial", "not_allowed", "only a compound state has an initial child");
    if (type == State::Type::final) {
      for (const char* k : {"on", "always", "after", "exit"})
        if (o.contains(k))
          errors_.add(path + "." + k, "not_allowed", "a final state has no way out");
    }
    actions(o, "entry", path, d_.states[static_cast<size_t>(index)].entry);
    actions(o, "exit", path, d_.states[static_cast<size_t>(index)].exit);
    if (const auto* on = o.if_contains("on")) {
      if (!on->is_object()) {
        errors_.add(path + ".on", "type", "an object: event -> transition(s)");
      } else {
        for (const auto& kv : on->get_object()) {
          const std::string event(kv.key());
          const std::string p = path + ".on." + event;
          const std::vector<std::string> descriptors = event_descriptors(event, p);
          each_transition(kv.value(), p, [&](const json::value& t, const std::string& tp) {
            Transition tr;
            tr.events = descriptors;
            transition(index, t, tp, std::move(tr));
          });
        }
      }
    }
    if (const auto* al = o.if_contains("always"))
      each_transition(*al, path + ".always", [&](const json::value& t, const std::string& tp) {
        transition(index, t, tp, Transition{});
      });
    if (const auto* af = o.if_contains("after")) {
      if (!af->is_array()) {
        errors_.add(path + ".after", "type", "an array of timers");
      } else {
        size_t n = 0;
        for (const auto& t : af->get_array()) {
          const std::string tp = path + ".after[" + std::to_string(n) + "]";
          Transition tr;
          tr.timer = timer(t, tp);
          tr.timer_event = "after:" + id + ":" + std::to_string(n);
          transition(index, t, tp, std::move(tr));
          ++n;
        }
      }
    }
    if (has_children) {
      const auto& children = o.at("states");
      if (!children.is_object() || children.get_object().empty()) {
        errors_.add(path + ".states", "type", "an object of states, at least one");
      } else {
        for (const auto& kv : children.get_object())
          add_state(std::string(kv.key()), kv.value(), index,
                    path + ".states." + std::string(kv.key()));
        if (type == State::Type::compound)
          pending_initial_.push_back({index, o.if_contains("initial"), path + ".initial"});
      }
    }
  }

  // The event descriptors of an `on` key: separated by spaces (SCXML
  // §3.12.1), each "*" or dot-separated tokens, optionally ending in ".*" or
  // "." (the same as without). A descriptor that could never match ("de*",
  // "a..b") is refused rather than silently dead.
  std::vector<std::string> event_descriptors(const std::string& key, const std::string& path) {
    std::vector<std::string> out;
    if (key.empty() || key.size() > 128) {
      errors_.add(path, "event", "an event name (at most 128 characters)");
      return out;
    }
    size_t i = 0;
    while (i < key.size()) {
      if (key[i] == ' ' || key[i] == '\t') {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < key.size() && key[j] != ' ' && key[j] != '\t') ++j;
      out.push_back(key.substr(i, j - i));
      i = j;
    }
    if (out.empty()) errors_.add(path, "event", "an event name (at most 128 characters)");
    for (const auto& desc : out) {
      if (desc == "*") continue;
      std::string_view body(desc);
      if (body.size() >= 2 && body.substr(body.size() - 2) == ".*")
        body.remove_suffix(2);
      else if (body.back() == '.')
        body.remove_suffix(1);
      const bool ok = !body.empty() && body.front() != '.' && body.back() != '.' &&
                      body.find("..") == std::string_view::npos &&
                      body.find('*') == std::string_view::npos;
      if (!ok)
        errors_.add(path, "event_descriptor",
                    "\"" + desc +
                        "\" is not an event descriptor: name tokens separated by dots, "
                        "optionally ending in .* (deal, deal.paid, deal.*), or * for any event");
    }
    return out;
  }

  template <typename F>
  void each_transition(const json::value& v, const std::string& path, F&& f) {
    if (v.is_array()) {
      size_t n = 0;
      for (const auto& t : v.get_array()) f(t, path + "[" + std::to_string(n++) + "]");
    } else {
      f(v, path);
    }
  }

  void transition(int source, const json::value& v, const std::string& path, Transition tr) {
    tr.source = source;
    std::string target;
    if (v.is_string()) {
      target = std::string(v.get_string());
    } else if (v.is_object()) {
      const json::object& o = v.get_object();
      for (const auto& kv : o) {
        static const std::set<std::string> known = {"target",   "guard", "actions",
                                                    "reenter",  "delay", "working_days",
                                                    "calendar", "at",    "description"};
        if (known.count(std::string(kv.key())) == 0 ||
            (!tr.timer && (kv.key() == "delay" || kv.key() == "working_days" ||
                           kv.key() == "calendar" || kv.key() == "at")))
          unknown_field(path + "." + std::string(kv.key()), kv.key(),
                        tr.timer ? known
                                 : std::set<std::string>{"target", "guard", "actions", "reenter",
                                                         "description"});
      }
      if (const auto* t = o.if_contains("target")) {
        if (!t->is_string())
          errors_.add(path + ".target", "type", "a state id");
        else
          target = std::string(t->get_string());
      }
      if (const auto* g = o.if_contains("guard")) {
        if (!g->is_string())
          errors_.add(path + ".guard", "type", "an expression");
        else
          expression(g->get_string(), path + ".guard", tr.guard);
      }
      if (const auto* r = o.if_contains("reenter")) {
        if (!r->is_bool())
          errors_.add(path + ".reenter", "type", "true or false");
        else
          tr.reenter = r->get_bool();
      }
      actions(o, "actions", path, tr.actions);
    } else {
      errors_.add(path, "type", "a target state id or an object {target, guard, actions}");
    }
    auto& list = d_.states[static_cast<size_t>(source)].transitions;
    if (!target.empty())
      pending_targets_.push_back({source, list.size(), target, path + ".target"});
    list.push_back(std::move(tr));
  }

  std::optional<Timer> timer(const json::value& v, const std::string& path) {
    Timer t;
    t.calendar = d_.calendar;
    t.calendar_from = d_.calendar_from;
    if (!v.is_object()) {
      errors_.add(path, "type", "a timer {delay | working_days | at, target, actions}");
      return t;
    }
    const json::object& o = v.get_object();
    int kinds = 0;
    if (const auto* d = o.if_contains("delay")) {
      ++kinds;
      if (!d->is_string() || !(t.seconds = parse_duration(d->get_string())))
        errors_.add(path + ".delay", "duration",
                    "an ISO 8601 duration in days, hours, minutes or seconds: P3D, PT2H, P1DT30M");
    }
    if (const auto* w = o.if_contains("working_days")) {
      ++kinds;
      if (!w->is_int64() || w->get_int64() < 0 || w->get_int64() > 3650)
        errors_.add(path + ".working_days", "range", "0..3650 working days");
      else
        t.working_days = w->get_int64();
    }
    if (const auto* c = o.if_contains("calendar")) {
      if (!c->is_string())
        errors_.add(path + ".calendar", "type", "a calendar id");
      else
        calendar(c->get_string(), path + ".calendar", t.calendar, t.calendar_from);
    }
    if (const auto* a = o.if_contains("at")) {
      ++kinds;
      if (!a->is_string())
        errors_.add(path + ".at", "type", "an expression giving a date or date-time");
      else
        expression(a->get_string(), path + ".at", t.at);
    }
    if (kinds != 1) errors_.add(path, "timer", "give exactly one of delay, working_days or at");
    return t;
  }

  // A member a definition does not have: refused like an unknown parameter.
  void unknown_field(const std::string& path, std::string_view key,
                     const std::set<std::string>& known) {
    errors_.add(
        path, "unknown_field",
        opora::unknown_field_message(key, std::vector<std::string>(known.begin(), known.end())));
  }

  // A calendar id ("kz"), or a template giving one when a timer is armed
  // ("{{ context.calendar }}").
  void calendar(std::string_view text, const std::string& path, std::string& id,
                std::optional<Template>& from) {
    id = std::string(text);
    from.reset();
    if (text.find("{{") == std::string_view::npos) return;
    try {
      from = Template::parse(text, path);
    } catch (const Error& err) {
      add_all(err, path, "template");
    }
  }

  void expression(std::string_view text, const std::string& path, std::optional<Expression>& out) {
    try {
      out = Expression::parse(text, path);
    } catch (const Error& e) {
      add_all(e, path, "expression");
    }
  }

  void add_all(const Error& e, const std::string& path, const char* rule) {
    if (e.field_errors().empty())
      errors_.add(path, rule, e.what());
    else
      for (const auto& f : e.field_errors()) errors_.add(f.field, f.rule, f.message);
  }

  void actions(const json::object& o, const char* key, const std::string& path,
               std::vector<Action>& out) {
    const auto* v = o.if_contains(key);
    if (v == nullptr) return;
    const std::string base = path + "." + key;
    if (!v->is_array()) {
      errors_.add(base, "type", "an array of actions");
      return;
    }
    size_t n = 0;
    for (const auto& a : v->get_array()) {
      const std::string p = base + "[" + std::to_string(n++) + "]";
      if (!a.is_object() || a.get_object().size() != 1) {
        errors_.add(p, "action",
                    "an object with one of: assign, emit, raise, task, approval, cancel_task");
        continue;
      }
      const auto& kv = *a.get_object().begin();
      Action act;
      if (kv.key() == "assign") {
        act.kind = Action::Kind::assign;
        if (!kv.value().is_object() || kv.value().get_object().empty()) {
          errors_.add(p + ".assign", "type", "an object: context path -> expression");
          continue;
        }
        for (const auto& f : kv.value().get_object()) {
          const std::string fp = p + ".assign." + std::string(f.key());
          if (!f.value().is_string()) {
            errors_.add(fp, "type", "an expression (quote text: \"'text'\")");
            continue;
          }
          std::optional<Expression> e;
          expression(f.value().get_string(), fp, e);
          if (e) act.assignments.emplace_back(std::string(f.key()), std::move(*e));
        }
      } else if (kv.key() == "emit") {
        act.kind = Action::Kind::emit;
        const auto* e = kv.value().if_object();
        const json::value* type = e != nullptr ? e->if_contains("type") : nullptr;
        if (type == nullptr || !type->is_string() || type->get_string().empty()) {
          errors_.add(p + ".emit.type", "required", "the effect type: sms, email, task, ...");
          continue;
        }
        act.effect_type = std::string(type->get_string());
        std::set<std::string> optional;
        if (const auto* opt = e->if_contains("optional")) {
          const auto* list = opt->if_array();
          for (size_t i = 0; list != nullptr && i < list->size(); ++i) {
            const auto& m = (*list)[i];
            if (m.is_string() && e->contains(m.get_string()) && m.get_string() != "type" &&
                m.get_string() != "optional")
              optional.insert(std::string(m.get_string()));
            else
              errors_.add(p + ".emit.optional[" + std::to_string(i) + "]", "optional",
                          "the name of a member of this emit");
          }
          if (list == nullptr)
            errors_.add(p + ".emit.optional", "type", "an array of member names");
        }
        for (const auto& f : *e) {
          if (f.key() == "type" || f.key() == "optional") continue;
          act.payload[f.key()] = f.value();
          if (f.value().is_string()) {
            try {
              Template t =
                  Template::parse(f.value().get_string(), p + ".emit." + std::string(f.key()));
              if (t.has_placeholders() && optional.count(std::string(f.key())) == 0)
                act.required.emplace_back(f.key());
              act.payload_templates.emplace(std::string(f.key()), std::move(t));
            } catch (const Error& err) {
              add_all(err, p + ".emit." + std::string(f.key()), "template");
            }
          }
        }
      } else if (kv.key() == "task" || kv.key() == "approval") {
        act.kind = Action::Kind::task;
        act.task = task_spec(kv.value(), p + "." + std::string(kv.key()), kv.key() == "approval");
        if (!act.task) continue;
      } else if (kv.key() == "cancel_task") {
        act.kind = Action::Kind::cancel_task;
        if (!kv.value().is_string() || !is_identifier(kv.value().get_string())) {
          errors_.add(p + ".cancel_task", "type", "the name of a task");
          continue;
        }
        act.event = std::string(kv.value().get_string());
      } else if (kv.key() == "raise") {
        act.kind = Action::Kind::raise;
        if (!kv.value().is_string() || kv.value().get_string().empty()) {
          errors_.add(p + ".raise", "type", "an event name");
          continue;
        }
        act.event = std::string(kv.value().get_string());
      } else {
        unknown_field(p + "." + std::string(kv.key()), kv.key(),
                      {"assign", "emit", "raise", "task", "approval", "cancel_task"});
        continue;
      }
      out.push_back(std::move(act));
    }
  }

  void trigger(const json::value& v, const std::string& path) {
    if (!v.is_object()) {
      errors_.add(path, "type", "an object {event, when, start | send_as, buffer}");
      return;
    }
    const json::object& o = v.get_object();
    Trigger t;
    for (const auto& kv : o) {
      static const std::set<std::string> known = {"event", "when", "start", "send_as", "buffer"};
      if (known.count(std::string(kv.key())) == 0)
        unknown_field(path + "." + std::string(kv.key()), kv.key(), known);
    }
    if (const auto* e = o.if_contains("event");
        e != nullptr && e->is_string() && !e->get_string().empty())
      t.event = std::string(e->get_string());
    else
      errors_.add(path + ".event", "required", "the domain event type");
    if (const auto* w = o.if_contains("when")) {
      if (!w->is_string())
        errors_.add(path + ".when", "type", "an expression");
      else
        expression(w->get_string(), path + ".when", t.when);
    }
    if (const auto* s = o.if_contains("start")) {
      if (!s->is_bool())
        errors_.add(path + ".start", "type", "true or false");
      else
        t.start = s->get_bool();
    }
    if (const auto* s = o.if_contains("send_as")) {
      if (!s->is_string() || s->get_string().empty())
        errors_.add(path + ".send_as", "type", "an event name");
      else
        t.send_as = std::string(s->get_string());
    }
    if (t.start == !t.send_as.empty())
      errors_.add(path, "trigger", "give either \"start\": true or \"send_as\"");
    if (const auto* b = o.if_contains("buffer")) {
      std::optional<int64_t> secs;
      if (!b->is_string() || !(secs = parse_duration(b->get_string())))
        errors_.add(path + ".buffer", "duration", "an ISO 8601 duration such as PT1H or P1D");
      else
        t.buffer_seconds = *secs;
    }
    d_.triggers.push_back(std::move(t));
  }

  std::optional<TaskSpec> task_spec(const json::value& v, const std::string& path, bool approval) {
    if (!v.is_object()) {
      errors_.add(path, "type", "an object {name, title, assignee, deadline, ...}");
      return std::nullopt;
    }
    const json::object& o = v.get_object();
    TaskSpec t;
    t.approval = approval;
    const size_t before = errors_.list().size();
    for (const auto& kv : o) {
      static const std::set<std::string> known = {
          "name",     "title",    "description",      "assignee", "group",
          "deadline", "outcomes", "comment_required", "form"};
      if (known.count(std::string(kv.key())) == 0)
        unknown_field(path + "." + std::string(kv.key()), kv.key(), known);
    }
    if (const auto* n = o.if_contains("name");
        n != nullptr && n->is_string() && is_identifier(n->get_string()))
      t.name = std::string(n->get_string());
    else
      errors_.add(path + ".name", "required", "the task's name: letters, digits, _ - .");
    auto tpl = [&](const char* key, std::optional<Template>& out, bool required) {
      const auto* x = o.if_contains(key);
      if (x == nullptr) {
        if (required) errors_.add(path + "." + key, "required", "is required");
        return;
      }
      if (!x->is_string()) {
        errors_.add(path + "." + key, "type", "a text template");
        return;
      }
      try {
        out = Template::parse(x->get_string(), path + "." + key);
      } catch (const Error& e) {
        add_all(e, path + "." + key, "template");
      }
    };
    tpl("title", t.title, true);
    tpl("description", t.description, false);
    tpl("assignee", t.assignee, false);
    if (const auto* g = o.if_contains("group")) {
      if (!g->is_string())
        errors_.add(path + ".group", "type", "a candidate group name");
      else
        t.group = std::string(g->get_string());
    }
    if (const auto* d = o.if_contains("deadline")) t.deadline = timer(*d, path + ".deadline");
    auto names = [&](const char* key, std::vector<std::string>& out) {
      const auto* x = o.if_contains(key);
      if (x == nullptr) return;
      if (!x->is_array()) {
        errors_.add(path + "." + key, "type", "an array of names");
        return;
      }
      for (const auto& n : x->get_array())
        if (n.is_string() && is_identifier(n.get_string()))
          out.emplace_back(n.get_string());
        else
          errors_.add(path + "." + key, "type", "names: letters, digits, _ - .");
    };
    names("outcomes", t.outcomes);
    names("comment_required", t.comment_required);
    if (approval) {
      if (t.outcomes.empty()) t.outcomes = {"approve", "reject"};
      if (!o.contains("comment_required")) t.comment_required = {"reject"};
    } else if (t.outcomes.empty()) {
      t.outcomes = {"done"};
    }
    for (const auto& c : t.comment_required)
      if (std::find(t.outcomes.begin(), t.outcomes.end(), c) == t.outcomes.end())
        errors_.add(path + ".comment_required", "unknown_outcome",
                    "\"" + c + "\" is not one of the outcomes");
    if (const auto* f = o.if_contains("form")) {
      if (!f->is_object())
        errors_.add(path + ".form", "type", "an object describing the result's fields");
      else
        t.form = f->get_object();
    }
    if (errors_.list().size() != before) return std::nullopt;
    return t;
  }

  void resolve() {
    for (const auto& p : pending_targets_) {
      auto it = d_.index.find(p.target);
      if (it == d_.index.end()) {
        errors_.add(p.path, "unknown_state", "no state \"" + p.target + "\"");
        continue;
      }
      d_.states[static_cast<size_t>(p.state)].transitions[p.transition].target = it->second;
    }
    for (const auto& p : pending_initial_) {
      State& s = d_.states[static_cast<size_t>(p.state)];
      if (s.children.empty()) continue;
      if (p.initial == nullptr) {
        s.initial = s.children.front();  // the first child, as written
        continue;
      }
      if (!p.initial->is_string()) {
        errors_.add(p.path, "type", "a child state id");
        continue;
      }
      auto it = d_.index.find(std::string(p.initial->get_string()));
      if (it == d_.index.end() || d_.states[static_cast<size_t>(it->second)].parent != p.state) {
        errors_.add(p.path, "initial",
                    "\"" + std::string(p.initial->get_string()) + "\" is not a child state here");
        continue;
      }
      s.initial = it->second;
    }
    // Every state must be reachable from the start (checked even when other
    // mistakes were found, so they are all listed at once).
    std::vector<bool> seen(d_.states.size(), false);
    std::vector<int> stack{0};
    while (!stack.empty()) {
      const int s = stack.back();
      stack.pop_back();
      if (seen[static_cast<size_t>(s)]) continue;
      seen[static_cast<size_t>(s)] = true;
      const State& st = d_.states[static_cast<size_t>(s)];
      if (st.type == State::Type::parallel)
        for (int c : st.children) stack.push_back(c);
      if (st.initial >= 0) stack.push_back(st.initial);
      for (const auto& t : st.transitions)
        if (t.target) {
          // entering a target enters its ancestors too
          for (int a = *t.target; a >= 0; a = d_.states[static_cast<size_t>(a)].parent)
            stack.push_back(a);
        }
    }
    for (size_t i = 1; i < d_.states.size(); ++i)
      if (!seen[i])
        errors_.add("states." + d_.states[i].id, "unreachable",
                    "no transition or initial state leads to \"" + d_.states[i].id + "\"");
  }

  Definition& d_;
  FieldErrors errors_;
  std::vector<PendingTarget> pending_targets_;
  std::vector<PendingInitial> pending_initial_;
};

}  // namespace

Definition Definition::compile(const json::object& j) {
  Definition d;
  Compiler(d).compile(j);
  auto opens = [](const std::vector<Action>& actions) {
    for (const auto& a : actions)
      if (a.kind == Action::Kind::task) return true;
    return false;
  };
  for (const auto& st : d.states) {
    d.opens_tasks = d.opens_tasks || opens(st.entry) || opens(st.exit);
    for (const auto& t : st.transitions) d.opens_tasks = d.opens_tasks || opens(t.actions);
    d.arms_timers = d.arms_timers || st.has_timers();
  }
  // A task's deadline is a timer of the state that opened it.
  d.arms_timers = d.arms_timers || d.opens_tasks;
  return d;
}

bool State::has_timers() const {
  for (const auto& t : transitions)
    if (t.timer) return true;
  return false;
}

bool Definition::is_descendant(int s, int ancestor) const {
  for (int p = state(s).parent; p >= 0; p = state(p).parent)
    if (p == ancestor) return true;
  return false;
}

}  // namespace opora::workflow

// Operating running instances: listing them, moving one to another version of
// its definition, and the incidents an operator retries or resolves.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "store/store.hpp"
#include "workflow/workflow.hpp"

namespace opora::workflow {
namespace json = boost::json;

namespace {

bool is_leaf(const State& s) {
  return s.type == State::Type::atomic || s.type == State::Type::final;
}

// Leaf state ids of a snapshot, in document order.
std::vector<std::string> leaves(const Definition& d, const Snapshot& s) {
  std::vector<std::string> out;
  for (int i : s.active)
    if (i != 0 && is_leaf(d.state(i))) out.push_back(d.state(i).id);
  return out;
}

}  // namespace

int64_t Workflow::current_seq(int64_t instance) {
  auto q = conn_.cached("SELECT seq FROM workflow_instance WHERE id = ?1");
  q->bind(1, instance);
  return q->step() ? q->int64(0) : 0;
}

int64_t Workflow::open_incident(int64_t instance, const std::string& kind,
                                const json::object& subject, const std::string& message,
                                const Clocks& clocks) {
  auto ins = conn_.cached(
      "INSERT INTO workflow_incident (instance_id, kind, effect_id, state, event, message, "
      "status, created_at, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8)");
  if (instance != 0)
    ins->bind(1, instance);
  else
    ins->bind_null(1);
  ins->bind(2, kind);
  if (const auto* e = subject.if_contains("effect"); e != nullptr && e->is_int64())
    ins->bind(3, e->get_int64());
  else
    ins->bind_null(3);
  if (const auto* s = subject.if_contains("state"); s != nullptr && s->is_string())
    ins->bind(4, s->get_string());
  else
    ins->bind_null(4);
  if (const auto* t = subject.if_contains("timer"); t != nullptr && t->is_string())
    ins->bind(5, t->get_string());
  else
    ins->bind_null(5);
  ins->bind(6, message).bind(7, clocks.now.to_string());
  if (const auto* e = subject.if_contains("event"); e != nullptr && e->is_object())
    ins->bind(8, json::serialize(*e));
  else
    ins->bind_null(8);
  ins->run();
  const int64_t id = conn_.last_insert_rowid();
  if (instance != 0) {
    json::object record = subject;
    record["kind"] = "incident";
    record["incident"] = id;
    record["message"] = message;
    append_history(instance, current_seq(instance), record, clocks);
  }
  return id;
}

json::object Workflow::instances(const json::object& p) {
  const int64_t limit = int_or(p, "limit", 100);
  const int64_t after = int_or(p, "after", 0);
  auto st = conn_.cached(
      "SELECT id, definition, version, key, status, state, seq, started_at, updated_at FROM "
      "workflow_instance i WHERE id > ?1 AND (?2 IS NULL OR definition = ?2) AND (?3 IS NULL OR "
      "version = ?3) AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR key = ?5) AND (?6 IS "
      "NULL OR EXISTS (SELECT 1 FROM json_each(i.state) s WHERE s.value = ?6)) ORDER BY id "
      "LIMIT ?7");
  st->bind(1, after);
  auto opt = [&](int i, const char* k) {
    if (const auto* v = p.if_contains(k); v != nullptr && v->is_string())
      st->bind(i, v->get_string());
    else
      st->bind_null(i);
  };
  opt(2, "definition");
  if (const auto* v = p.if_contains("version"); v != nullptr && v->is_int64())
    st->bind(3, v->get_int64());
  else
    st->bind_null(3);
  if (p.contains("status"))
    opt(4, "status");
  else
    st->bind(4, "active");
  opt(5, "key");
  opt(6, "state");
  st->bind(7, limit);
  json::array out;
  while (st->step())
    out.push_back({{"instance", st->int64(0)},
                   {"definition", st->text(1)},
                   {"version", st->int64(2)},
                   {"key", st->text(3)},
                   {"status", st->text(4)},
                   {"states", parse_stored(st->text(5))},
                   {"seq", st->int64(6)},
                   {"started_at", st->text(7)},
                   {"updated_at", st->text(8)}});
  return {{"instances", std::move(out)}};
}

// Moves a live instance to another version of its definition. Nothing runs:
// no exit or entry actions, no eventless transitions; the instance is where
// the state map puts it, timers of states it stays in keep their due times,
// states it newly stands in arm theirs from now, tasks of states it left are
// cancelled. Journalled in its history.
json::object Workflow::migrate(const json::object& p, const Clocks& clocks) {
  Instance in = load(p.at("instance").as_int64(), "instance");
  const int64_t to = p.at("to_version").as_int64();
  if (in.status != "active")
    fail_field(ErrorCode::state, "instance", "not_active",
               "instance " + std::to_string(in.id) + " is " + in.status +
                   "; only a live instance is migrated");
  if (to == in.version)
    fail_field(
        ErrorCode::invalid, "to_version", "same_version",
        "instance " + std::to_string(in.id) + " is already on version " + std::to_string(to));
  const Definition& from = *in.def;
  const Definition& target = definition(in.definition, to, "to_version");
  json::object state_map;
  if (const auto* m = p.if_contains("state_map"); m != nullptr && m->is_object())
    state_map = m->get_object();

  FieldErrors errors;
  for (const auto& kv : state_map) {
    const std::string key(kv.key());
    if (from.index.find(key) == from.index.end())
      errors.add("state_map." + key, "unknown_state",
                 "\"" + key + "\" is not a state of version " + std::to_string(in.version));
    if (!kv.value().is_string())
      errors.add("state_map." + key, "type", "expected the id of a state of the new version");
  }
  const std::vector<std::string> before = leaves(from, in.snapshot);
  std::set<int> wanted;
  for (const auto& leaf : before) {
    const auto* mapped = state_map.if_contains(leaf);
    const std::string to_id =
        mapped != nullptr && mapped->is_string() ? std::string(mapped->get_string()) : leaf;
    auto it = target.index.find(to_id);
    if (it == target.index.end()) {
      errors.add("state_map." + leaf, mapped != nullptr ? "unknown_state" : "required",
                 mapped != nullptr
                     ? "\"" + to_id + "\" is not a state of version " + std::to_string(to)
                     : "the instance is in \"" + leaf + "\", which version " + std::to_string(to) +
                           " has not; map it to one of its states");
      continue;
    }
    if (!is_leaf(target.state(it->second))) {
      errors.add("state_map." + leaf, "leaf",
                 "\"" + to_id + "\" is a compound or parallel state; map to an atomic one");
      continue;
    }
    for (int x = it->second; x > 0; x = target.state(x).parent) wanted.insert(x);
  }
  errors.throw_if_any(ErrorCode::validation);

  // The new configuration must be one the statechart could be in: one child
  // of every active compound state, every region of an active parallel one.
  for (int x : wanted) {
    const State& s = target.state(x);
    int children = 0;
    for (int c : s.children) children += wanted.count(c) != 0 ? 1 : 0;
    if (s.type == State::Type::compound && children != 1)
      errors.add("state_map", "configuration",
                 "compound state \"" + s.id + "\" would have " + std::to_string(children) +
                     " active children; exactly one is needed");
    if (s.type == State::Type::parallel && children != static_cast<int>(s.children.size()))
      errors.add("state_map", "configuration",
                 "parallel state \"" + s.id + "\" needs a state in each of its " +
                     std::to_string(s.children.size()) + " regions");
  }
  {
    int top = 0;
    for (int c : target.state(0).children) top += wanted.count(c) != 0 ? 1 : 0;
    if (top != 1)
      errors.add("state_map", "configuration",
                 "the new states must lie under exactly one top-level state");
  }
  errors.throw_if_any(ErrorCode::validation);

  std::set<std::string> old_ids;
  for (int i : in.snapshot.active)
    if (i != 0) old_ids.insert(from.state(i).id);
  Snapshot next;
  next.active.push_back(0);
  next.active.insert(next.active.end(), wanted.begin(), wanted.end());
  next.context = in.snapshot.context;
  // Fields the new version adds come with their defaults; `context` sets more.
  for (const auto& kv : target.context)
    if (!next.context.contains(kv.key())) next.context[kv.key()] = kv.value();
  if (const auto* c = p.if_contains("context"); c != nullptr && c->is_object())
    for (const auto& kv : c->get_object()) next.context[kv.key()] = kv.value();

  // Timers: kept for states the instance stays in when the new version still
  // has that timer; dropped otherwise; armed from now for newly entered states.
  std::vector<int> entered;
  std::set<std::string> new_ids;
  for (int x : wanted) {
    new_ids.insert(target.state(x).id);
    if (old_ids.count(target.state(x).id) == 0) entered.push_back(x);
  }
  {
    std::vector<std::pair<int64_t, bool>> timers;  // id, keep
    auto st = conn_.cached("SELECT id, state, event FROM workflow_timer WHERE instance_id = ?1");
    st->bind(1, in.id);
    while (st->step()) {
      const std::string state = st->text(1);
      const std::string event = st->text(2);
      bool keep = false;
      if (auto it = target.index.find(state); it != target.index.end() && new_ids.count(state)) {
        for (const auto& t : target.state(it->second).transitions)
          keep = keep || (t.timer && t.timer_event == event);
        // A task's deadline timer stays with its open task.
        keep = keep || (target.opens_tasks && event.rfind("task.", 0) == 0);
      }
      timers.emplace_back(st->int64(0), keep);
    }
    for (const auto& [id, keep] : timers) {
      if (keep) continue;
      auto del = conn_.cached("DELETE FROM workflow_timer WHERE id = ?1");
      del->bind(1, id);
      del->run();
    }
  }
  {
    auto cancel = conn_.cached(
        "UPDATE workflow_task SET status = 'cancelled', closed_at = ?3 WHERE instance_id = ?1 AND "
        "state = ?2 AND status = 'open'");
    // A version without tasks keeps none open.
    for (const auto& s : old_ids) {
      if (new_ids.count(s) != 0 && target.opens_tasks) continue;
      cancel->bind(1, in.id).bind(2, s).bind(3, clocks.now.to_string());
      cancel->run();
      cancel->reset();
    }
  }

  const EvalEnv e = env();
  Machine machine(target, e, clocks, in.key);
  StepResult r = machine.arm(next, entered);
  json::object mapped_to;
  for (const auto& kv : state_map) mapped_to[kv.key()] = kv.value();
  json::array before_json, after_json;
  for (const auto& s : before) before_json.push_back(json::value(s));
  for (const auto& s : leaves(target, next)) after_json.push_back(json::value(s));
  r.history.insert(r.history.begin(), json::object{{"kind", "migrated"},
                                                   {"from_version", in.version},
                                                   {"to_version", to},
                                                   {"state_map", mapped_to},
                                                   {"states_before", before_json},
                                                   {"states_after", after_json},
                                                   {"actor", text_of(p, "actor")},
                                                   {"reason", text_of(p, "reason")}});
  r.accepted = true;
  const int64_t from_version = in.version;
  in.version = target.version;
  in.def = compiled_.at({in.definition, target.version});
  in.snapshot = std::move(next);
  {
    auto up = conn_.cached("UPDATE workflow_instance SET version = ?2 WHERE id = ?1");
    up->bind(1, in.id).bind(2, to);
    up->run();
  }
  json::object out = persist(in, r, clocks);
  out["migrated"] = json::object{{"from_version", from_version}, {"to_version", to}};
  return out;
}

namespace {

json::object incident_json(store::Statement& st) {
  // id, instance_id, kind, effect_id, state, event, message, status, created_at, closed_at,
  // actor, comment
  json::object o{{"incident", st.int64(0)},
                 {"kind", st.text(2)},
                 {"message", st.text(6)},
                 {"status", st.text(7)},
                 {"created_at", st.text(8)}};
  auto nullable_int = [&](int i) {
    return st.is_null(i) ? json::value() : json::value(st.int64(i));
  };
  auto nullable_text = [&](int i) {
    return st.is_null(i) ? json::value() : json::value(st.text(i));
  };
  o["instance"] = nullable_int(1);
  o["effect"] = nullable_int(3);
  o["state"] = nullable_text(4);
  o["timer"] = nullable_text(5);
  o["closed_at"] = nullable_text(9);
  o["actor"] = nullable_text(10);
  o["comment"] = nullable_text(11);
  // An event incident keeps the domain event it could not deliver.
  if (!st.is_null(12)) o["event"] = parse_stored(st.text(12));
  return o;
}

constexpr const char* kIncidentColumns =
    "SELECT id, instance_id, kind, effect_id, state, event, message, status, created_at, "
    "closed_at, actor, comment, detail FROM workflow_incident ";

}  // namespace

json::object Workflow::incidents(const json::object& p) {
  const int64_t limit = int_or(p, "limit", 100);
  auto st = conn_.cached(std::string(kIncidentColumns) +
                         "WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR instance_id = ?2) "
                         "ORDER BY id LIMIT ?3");
  if (p.contains("status"))
    st->bind(1, text_of(p, "status"));
  else
    st->bind(1, "open");
  if (const auto* v = p.if_contains("instance"); v != nullptr && v->is_int64())
    st->bind(2, v->get_int64());
  else
    st->bind_null(2);
  st->bind(3, limit);
  json::array out;
  while (st->step()) out.push_back(incident_json(*st));
  return {{"incidents", std::move(out)}};
}

namespace {

json::object open_incident_row(store::Connection& conn, int64_t id) {
  auto st = conn.cached(std::string(kIncidentColumns) + "WHERE id = ?1");
  st->bind(1, id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "incident", "unknown_incident",
               "no incident " + std::to_string(id));
  json::object o = incident_json(*st);
  st->reset();
  if (o.at("status") != "open")
    fail_field(ErrorCode::state, "incident", "not_open",
               "incident " + std::to_string(id) + " is " + std::string(o.at("status").as_string()));
  return o;
}

void close_incident(store::Connection& conn, int64_t id, const char* status, const json::object& p,
                    const Clocks& clocks) {
  auto up = conn.cached(
      "UPDATE workflow_incident SET status = ?2, closed_at = ?3, actor = ?4, comment = ?5 WHERE "
      "id = ?1");
  up->bind(1, id).bind(2, status).bind(3, clocks.now.to_string());
  up->bind(4, text_of(p, "actor")).bind(5, text_of(p, "comment"));
  up->run();
}

}  // namespace

// An effect incident goes back to the outbox (the host is offered it again
// with the same idempotency key); a timer incident fires its timer's event
// again now, if the instance still stands in the timer's state. If that step
// fails again, the call fails and the incident stays open.
json::object Workflow::retry_incident(const json::object& p, const Clocks& clocks) {
  const int64_t id = p.at("incident").as_int64();
  const json::object inc = open_incident_row(conn_, id);
  json::object out{{"incident", id}, {"status", "retried"}};
  if (inc.at("kind") == "effect") {
    auto st = conn_.cached("SELECT status FROM effect WHERE id = ?1");
    st->bind(1, inc.at("effect").as_int64());
    if (st->step() && st->text(0) == "incomplete")
      fail_field(ErrorCode::state, "incident", "incomplete",
                 "effect " + std::to_string(inc.at("effect").as_int64()) +
                     " was never sent: a required member came out empty; fix the data and "
                     "resolve the incident (the process's history shows what was missing)");
    st->reset();
    auto up = conn_.cached(
        "UPDATE effect SET status = 'pending', lease_until = NULL, acked_at = NULL WHERE id = ?1");
    up->bind(1, inc.at("effect").as_int64());
    up->run();
    out["effect"] = inc.at("effect");
  } else if (inc.at("kind") == "event") {
    // The domain event again, to the definition (and instance) that could
    // not take it; failing again fails the call.
    const json::object& ev = inc.at("event").as_object();
    const std::string trigger(ev.at("trigger").as_string());
    if (ev.at("stage") == "when")
      fail_field(ErrorCode::state, "incident", "condition",
                 "the trigger's condition could not be evaluated; correct the definition and "
                 "resolve the incident");
    if (trigger == "start") {
      json::object params{{"definition", ev.at("definition")}, {"key", ev.at("key")}};
      if (ev.at("data").is_object()) params["context"] = ev.at("data");
      out["step"] = start(params, clocks);
    } else {
      Instance in = load(inc.at("instance").as_int64(), "incident");
      if (in.status != "active")
        fail_field(ErrorCode::state, "incident", "stale",
                   "instance " + std::to_string(in.id) + " has finished; resolve the incident");
      out["step"] = step(in, Event{trigger, ev.at("data")}, clocks);
    }
  } else {
    Instance in = load(inc.at("instance").as_int64(), "incident");
    const std::string state(inc.at("state").is_string() ? inc.at("state").get_string() : "");
    const auto it = in.def->index.find(state);
    if (in.status != "active" || it == in.def->index.end() ||
        !std::binary_search(in.snapshot.active.begin(), in.snapshot.active.end(), it->second))
      fail_field(ErrorCode::state, "incident", "stale",
                 "instance " + std::to_string(in.id) + " no longer stands in \"" + state +
                     "\"; resolve the incident instead");
    const std::string timer(inc.at("timer").as_string());
    out["step"] = step(in, Event{timer, json::object{{"timer", timer}, {"retry", id}}}, clocks);
  }
  close_incident(conn_, id, "retried", p, clocks);
  if (!inc.at("instance").is_null()) {
    const int64_t instance = inc.at("instance").as_int64();
    append_history(
        instance, current_seq(instance),
        json::object{
            {"kind", "incident_retried"}, {"incident", id}, {"actor", text_of(p, "actor")}},
        clocks);
  }
  return out;
}

json::object Workflow::resolve_incident(const json::object& p, const Clocks& clocks) {
  const int64_t id = p.at("incident").as_int64();
  const json::object inc = open_incident_row(conn_, id);
  if (text_of(p, "comment").find_first_not_of(" \t\r\n") == std::string::npos)
    fail_field(ErrorCode::validation, "comment", "required", "say how the incident was resolved");
  close_incident(conn_, id, "resolved", p, clocks);
  if (!inc.at("instance").is_null()) {
    const int64_t instance = inc.at("instance").as_int64();
    append_history(instance, current_seq(instance),
                   json::object{{"kind", "incident_resolved"},
                                {"incident", id},
                                {"actor", text_of(p, "actor")},
                                {"comment", text_of(p, "comment")}},
                   clocks);
  }
  return {{"incident", id}, {"status", "resolved"}};
}

}  // namespace opora::workflow

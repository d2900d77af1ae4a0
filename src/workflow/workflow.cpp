#include "workflow/workflow.hpp"

#include <boost/json.hpp>

#include "calendar/calendar_store.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/sha256.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"
#include "workflow/export.hpp"

namespace opora::workflow {
namespace json = boost::json;

const store::SchemaModule& schema() {
  static const store::SchemaModule module{"workflow",
                                          {{1, R"sql(
        -- Definitions are immutable versions; an instance stays on the
        -- version it started with.
        CREATE TABLE workflow_definition (
          id         TEXT NOT NULL,
          version    INTEGER NOT NULL,
          checksum   TEXT NOT NULL,
          body       TEXT NOT NULL,
          defined_at TEXT NOT NULL,
          PRIMARY KEY (id, version)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE workflow_instance (
          id         INTEGER PRIMARY KEY,
          definition TEXT NOT NULL,
          version    INTEGER NOT NULL,
          key        TEXT NOT NULL,
          single     INTEGER NOT NULL,  -- at most one live instance per (definition, key)
          status     TEXT NOT NULL,     -- active | done
          state      TEXT NOT NULL,     -- JSON array of active state ids
          context    TEXT NOT NULL,
          seq        INTEGER NOT NULL,  -- the instance's version, one per macrostep
          started_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX workflow_instance_live ON workflow_instance (definition, key)
          WHERE status = 'active' AND single = 1;
        CREATE INDEX workflow_instance_key ON workflow_instance (key, definition);
        -- An event id is accepted once per instance.
        CREATE TABLE workflow_event (
          instance_id INTEGER NOT NULL REFERENCES workflow_instance(id),
          event_id    TEXT NOT NULL,
          event       TEXT NOT NULL,
          answer      TEXT NOT NULL,
          received_at TEXT NOT NULL,
          PRIMARY KEY (instance_id, event_id)
        ) STRICT, WITHOUT ROWID;
        -- Timers with absolute due times, removed with the state that owns them.
        CREATE TABLE workflow_timer (
          id          INTEGER PRIMARY KEY,
          instance_id INTEGER NOT NULL REFERENCES workflow_instance(id),
          state       TEXT NOT NULL,
          event       TEXT NOT NULL,
          due_at      INTEGER NOT NULL  -- seconds since the epoch, UTC
        ) STRICT;
        CREATE INDEX workflow_timer_due ON workflow_timer (due_at, id);
        CREATE INDEX workflow_timer_instance ON workflow_timer (instance_id, state);
        -- The outbox: what the host must do, written with the step that
        -- decided it; delivered at least once, each with a stable key.
        CREATE TABLE effect (
          id          INTEGER PRIMARY KEY,
          instance_id INTEGER REFERENCES workflow_instance(id),
          type        TEXT NOT NULL,
          payload     TEXT NOT NULL,
          idempotency_key TEXT NOT NULL UNIQUE,
          status      TEXT NOT NULL,      -- pending | done | failed
          attempts    INTEGER NOT NULL,
          lease_until INTEGER,            -- a fetch hides it from other fetches until then
          created_at  TEXT NOT NULL,
          acked_at    TEXT,
          result      TEXT
        ) STRICT;
        CREATE INDEX effect_pending ON effect (id) WHERE status = 'pending';
        CREATE TABLE workflow_history (
          id          INTEGER PRIMARY KEY,
          instance_id INTEGER NOT NULL REFERENCES workflow_instance(id),
          seq         INTEGER NOT NULL,
          at          TEXT NOT NULL,
          record      TEXT NOT NULL
        ) STRICT;
        CREATE INDEX workflow_history_instance ON workflow_history (instance_id, id);
        -- Human tasks: open while their state is active; completing one sends
        -- "task.<name>.<outcome>" to the instance.
        CREATE TABLE workflow_task (
          id               INTEGER PRIMARY KEY,
          instance_id      INTEGER NOT NULL REFERENCES workflow_instance(id),
          name             TEXT NOT NULL,
          state            TEXT NOT NULL,
          title            TEXT NOT NULL,
          description      TEXT NOT NULL,
          assignee         TEXT NOT NULL,
          grp              TEXT NOT NULL,
          due_at           INTEGER,
          outcomes         TEXT NOT NULL,
          comment_required TEXT NOT NULL,
          form             TEXT NOT NULL,
          approval         INTEGER NOT NULL,
          iteration        INTEGER NOT NULL,
          status           TEXT NOT NULL,  -- open | completed | cancelled
          outcome          TEXT,
          comment          TEXT,
          actor            TEXT,
          result           TEXT,
          created_at       TEXT NOT NULL,
          closed_at        TEXT
        ) STRICT;
        CREATE INDEX workflow_task_open ON workflow_task (assignee, due_at) WHERE status = 'open';
        -- Domain events posted by hosts and modules, once per event id.
        CREATE TABLE workflow_domain_event (
          event_id  TEXT PRIMARY KEY,
          type      TEXT NOT NULL,
          key       TEXT NOT NULL,
          answer    TEXT NOT NULL,
          posted_at TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        -- Events that arrived before an instance was ready for them, kept
        -- until they are accepted or expire.
        CREATE TABLE workflow_buffer (
          id         INTEGER PRIMARY KEY,
          definition TEXT NOT NULL,
          key        TEXT NOT NULL,
          event      TEXT NOT NULL,
          data       TEXT NOT NULL,
          expires_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX workflow_buffer_key ON workflow_buffer (definition, key, id);
        CREATE INDEX workflow_task_instance ON workflow_task (instance_id, name);
      )sql"},
                                           {2, R"sql(
        -- What failed and waits for an operator: an effect the host could not
        -- carry out, a timer whose step failed. Retried or resolved, never deleted.
        CREATE TABLE workflow_incident (
          id          INTEGER PRIMARY KEY,
          instance_id INTEGER REFERENCES workflow_instance(id),
          kind        TEXT NOT NULL,     -- effect | timer | event (schema v3)
          effect_id   INTEGER REFERENCES effect(id),
          state       TEXT,              -- timer: the state that owned it
          event       TEXT,              -- timer: its event
          message     TEXT NOT NULL,
          status      TEXT NOT NULL,     -- open | retried | resolved
          created_at  TEXT NOT NULL,
          closed_at   TEXT,
          actor       TEXT,
          comment     TEXT
        ) STRICT;
        CREATE INDEX workflow_incident_open ON workflow_incident (instance_id, id)
          WHERE status = 'open';
      )sql"},
                                           {3, R"sql(
        -- A domain event a definition could not take (its start or step
        -- failed): the event itself, so a retry can deliver it again.
        ALTER TABLE workflow_incident ADD COLUMN detail TEXT;
      )sql"},
                                           {4, R"sql(
        -- History as a per-instance log: each step's row names the instance's
        -- previous row and the instance its latest, so appending a step writes
        -- the row at the table's end and no index; workflow.history walks the
        -- chain back from the instance.
        ALTER TABLE workflow_history ADD COLUMN prev INTEGER;
        ALTER TABLE workflow_instance ADD COLUMN history_tail INTEGER;
        UPDATE workflow_history SET prev = (
          SELECT max(h.id) FROM workflow_history h
          WHERE h.instance_id = workflow_history.instance_id AND h.id < workflow_history.id);
        UPDATE workflow_instance SET history_tail = (
          SELECT max(h.id) FROM workflow_history h WHERE h.instance_id = workflow_instance.id);
        DROP INDEX workflow_history_instance;
      )sql"},
                                           {5, R"sql(
        -- Effects keyed by integers: an effect's idempotency key is its
        -- instance, the step (the instance's seq after it) and its place in
        -- the step, kept as integers and spelled out when it is read, instead
        -- of a unique text index written with every effect. Keys stored
        -- before schema v5 are kept as they were.
        CREATE TABLE effect_v5 (
          id          INTEGER PRIMARY KEY,
          instance_id INTEGER REFERENCES workflow_instance(id),
          type        TEXT NOT NULL,
          payload     TEXT NOT NULL,
          step_seq    INTEGER,
          step_n      INTEGER,
          stored_key  TEXT,
          status      TEXT NOT NULL,      -- pending | done | failed | incomplete
          attempts    INTEGER NOT NULL,
          lease_until INTEGER,
          created_at  TEXT NOT NULL,
          acked_at    TEXT,
          result      TEXT
        ) STRICT;
        INSERT INTO effect_v5 (id, instance_id, type, payload, stored_key, status, attempts,
                               lease_until, created_at, acked_at, result)
          SELECT id, instance_id, type, payload, idempotency_key, status, attempts, lease_until,
                 created_at, acked_at, result FROM effect;
        DROP TABLE effect;
        ALTER TABLE effect_v5 RENAME TO effect;
        CREATE INDEX effect_pending ON effect (id) WHERE status = 'pending';
      )sql",
                                            true,
                                            // PostgreSQL keeps the table that incidents refer
                                            // to and changes its columns in place.
                                            R"sql(
        ALTER TABLE effect RENAME COLUMN idempotency_key TO stored_key;
        ALTER TABLE effect ALTER COLUMN stored_key DROP NOT NULL;
        ALTER TABLE effect DROP CONSTRAINT effect_idempotency_key_key;
        ALTER TABLE effect ADD COLUMN step_seq BIGINT, ADD COLUMN step_n BIGINT;
      )sql"}}};
  return module;
}

namespace {}  // namespace

EvalEnv Workflow::env() {
  EvalEnv e;
  e.calendar = [this](const std::string& id) -> std::shared_ptr<const BusinessCalendar> {
    try {
      return calendars_.get(id, "calendar");
    } catch (const Error&) {
      return nullptr;
    }
  };
  return e;
}

json::object Workflow::define(const json::object& p, const Clocks& clocks) {
  const json::object& body = p.at("definition").as_object();
  json::object with_version = body;
  // Without a version, the next one; an identical body is the same version.
  const std::string id = text_of(body, "id");
  int64_t latest = 0;
  std::string latest_sum;
  {
    auto st = conn_.cached(
        "SELECT version, checksum FROM workflow_definition WHERE id = ?1 ORDER BY version DESC "
        "LIMIT 1");
    st->bind(1, id);
    if (st->step()) {
      latest = st->int64(0);
      latest_sum = st->text(1);
    }
  }
  if (!body.contains("version")) with_version["version"] = latest == 0 ? 1 : latest + 1;
  json::object unversioned = body;
  unversioned.erase("version");
  const std::string sum = sha256_hex(json::serialize(unversioned));
  if (!body.contains("version") && latest > 0 && sum == latest_sum)
    return {{"id", id}, {"version", latest}, {"created", false}};
  const Definition d = Definition::compile(with_version);
  {
    auto st =
        conn_.cached("SELECT checksum FROM workflow_definition WHERE id = ?1 AND version = ?2");
    st->bind(1, d.id).bind(2, d.version);
    if (st->step()) {
      if (st->text(0) == sum) return {{"id", d.id}, {"version", d.version}, {"created", false}};
      fail_field(ErrorCode::conflict, "definition.version", "immutable",
                 "version " + std::to_string(d.version) + " of \"" + d.id +
                     "\" exists with other content; versions never change, give a new one");
    }
  }
  auto st = conn_.cached(
      "INSERT INTO workflow_definition (id, version, checksum, body, defined_at) VALUES (?1, ?2, "
      "?3, ?4, ?5)");
  st->bind(1, d.id).bind(2, d.version).bind(3, sum).bind(4, json::serialize(with_version));
  st->bind(5, clocks.now.to_string());
  st->run();
  buffering_.erase(d.id);
  routes_version_ = -1;
  return {{"id", d.id},
          {"version", d.version},
          {"created", true},
          {"states", static_cast<int64_t>(d.states.size() - 1)}};
}

json::object Workflow::definitions() {
  json::array out;
  auto st = conn_.cached(
      "SELECT id, MAX(version), COUNT(*) FROM workflow_definition GROUP BY id ORDER BY id");
  while (st->step())
    out.push_back({{"id", st->text(0)}, {"version", st->int64(1)}, {"versions", st->int64(2)}});
  return {{"definitions", std::move(out)}};
}

const Definition& Workflow::definition(const std::string& id, int64_t version,
                                       const std::string& field) {
  int64_t v = version;
  if (v <= 0) {
    auto st = conn_.cached("SELECT MAX(version) FROM workflow_definition WHERE id = ?1");
    st->bind(1, id);
    st->step();
    if (st->is_null(0))
      fail_field(ErrorCode::not_found, field, "unknown_definition",
                 "no workflow definition \"" + id + "\"; add it with workflow.define");
    v = st->int64(0);
  }
  auto it = compiled_.find({id, v});
  if (it != compiled_.end()) return *it->second;
  auto st = conn_.cached("SELECT body FROM workflow_definition WHERE id = ?1 AND version = ?2");
  st->bind(1, id).bind(2, v);
  if (!st->step())
    fail_field(ErrorCode::not_found, field, "unknown_definition",
               "no version " + std::to_string(v) + " of workflow \"" + id + "\"");
  auto d = std::make_shared<const Definition>(
      Definition::compile(parse_stored(st->text(0)).as_object()));
  return *compiled_.emplace(std::make_pair(id, v), d).first->second;
}

// Whether any version of a definition buffers early events: only then can
// its instances have buffered events to take.
bool Workflow::buffers(const std::string& id) {
  if (auto it = buffering_.find(id); it != buffering_.end()) return it->second;
  std::vector<int64_t> versions;
  {
    auto st = conn_.cached("SELECT version FROM workflow_definition WHERE id = ?1");
    st->bind(1, id);
    while (st->step()) versions.push_back(st->int64(0));
  }
  bool any = false;
  for (int64_t v : versions)
    for (const Trigger& t : definition(id, v, "definition").triggers)
      any = any || (!t.start && t.buffer_seconds > 0);
  // Cached until a new version is defined on this connection; another
  // connection's new version is seen when this one reopens.
  buffering_[id] = any;
  return any;
}

Workflow::Instance Workflow::load(int64_t id, const std::string& field) {
  auto st = conn_.cached(
      "SELECT id, definition, version, key, status, seq, state, context FROM workflow_instance "
      "WHERE id = ?1");
  st->bind(1, id);
  if (!st->step())
    fail_field(ErrorCode::not_found, field, "unknown_instance",
               "no workflow instance " + std::to_string(id));
  Instance in;
  in.id = st->int64(0);
  in.definition = st->text(1);
  in.version = st->int64(2);
  in.key = st->text(3);
  in.status = st->text(4);
  in.seq = st->int64(5);
  const json::value state = parse_stored(st->text(6));
  in.snapshot.context = parse_stored(st->text(7)).as_object();
  st->reset();
  const Definition& d = definition(in.definition, in.version, field);
  in.def = compiled_.at({in.definition, in.version});
  for (const auto& s : state.as_array()) {
    auto it = d.index.find(std::string(s.as_string()));
    if (it == d.index.end())
      throw Error(ErrorCode::corrupt, "instance " + std::to_string(id) + " is in state \"" +
                                          std::string(s.as_string()) + "\", unknown to " +
                                          in.definition + " v" + std::to_string(in.version));
    in.snapshot.active.push_back(it->second);
  }
  in.snapshot.active.push_back(0);
  std::sort(in.snapshot.active.begin(), in.snapshot.active.end());
  in.snapshot.done = in.status == "done";
  return in;
}

json::object Workflow::describe(const Instance& in) {
  json::array states;
  for (int s : in.snapshot.active) {
    const State& st = in.def->state(s);
    if (s != 0 && (st.type == State::Type::atomic || st.type == State::Type::final))
      states.push_back(json::value(st.id));
  }
  json::array timers;
  // An instance of a version that arms no timers has none (migrating to such
  // a version drops the timers it does not know).
  if (in.def->arms_timers) {
    auto t = conn_.cached(
        "SELECT state, event, due_at FROM workflow_timer WHERE instance_id = ?1 ORDER BY due_at, "
        "id");
    t->bind(1, in.id);
    while (t->step())
      timers.push_back({{"state", t->text(0)},
                        {"timer", t->text(1)},
                        {"due", Timestamp(t->int64(2)).to_string()}});
  }
  return {{"instance", in.id},
          {"definition", in.definition},
          {"version", in.version},
          {"key", in.key},
          {"status", in.status},
          {"states", std::move(states)},
          {"context", in.snapshot.context},
          {"seq", in.seq},
          {"timers", std::move(timers)}};
}

// Stores what a macrostep decided, in the caller's transaction.
json::object Workflow::step(Instance& in, const std::optional<Event>& event, const Clocks& clocks) {
  json::object out = step_once(in, event, clocks);
  drain_buffer(in, clocks, out);
  return out;
}

// Buffered events for the instance's key, oldest first: each accepted one is
// delivered and removed, expired ones are dropped (and recorded).
void Workflow::drain_buffer(Instance& in, const Clocks& clocks, json::object& out) {
  if (!buffers(in.definition)) return;
  for (int round = 0; round < 100 && in.status == "active"; ++round) {
    std::vector<std::tuple<int64_t, std::string, std::string, int64_t>> pending;
    {
      auto st = conn_.cached(
          "SELECT id, event, data, expires_at FROM workflow_buffer WHERE definition = ?1 AND key = "
          "?2 ORDER BY id");
      st->bind(1, in.definition).bind(2, in.key);
      while (st->step()) pending.emplace_back(st->int64(0), st->text(1), st->text(2), st->int64(3));
    }
    bool delivered = false;
    for (const auto& [id, event, data, expires] : pending) {
      if (expires <= clocks.now.seconds()) {
        auto del = conn_.cached("DELETE FROM workflow_buffer WHERE id = ?1");
        del->bind(1, id);
        del->run();
        continue;
      }
      Snapshot before = in.snapshot;
      // Try it: a buffered event that is still not accepted stays buffered.
      const Definition& d = *in.def;
      const EvalEnv e = env();
      Machine probe(d, e, clocks, in.key);
      StepResult r = probe.send(before, Event{event, parse_stored(data)});
      if (!r.accepted) continue;
      auto del = conn_.cached("DELETE FROM workflow_buffer WHERE id = ?1");
      del->bind(1, id);
      del->run();
      out = step_once(in, Event{event, parse_stored(data)}, clocks);
      delivered = true;
      break;  // the instance moved: look at the buffer again
    }
    if (!delivered) return;
  }
}

// The step's time as stored text, formatted once per second rather than for
// every row a step writes.
const std::string& Workflow::now_text(const Clocks& clocks) {
  if (clocks.now.seconds() != now_text_at_ || now_text_.empty()) {
    now_text_ = clocks.now.to_string();
    now_text_at_ = clocks.now.seconds();
  }
  return now_text_;
}

// Stores what a step decided, in the caller's transaction: the instance's
// states and context, timers dropped and armed, tasks, effects, history.
json::object Workflow::persist(Instance& in, const StepResult& r, const Clocks& clocks) {
  ++in.seq;
  const bool status_changed = in.status != (in.snapshot.done ? "done" : "active");
  in.status = in.snapshot.done ? "done" : "active";
  json::array state;
  for (int s : in.snapshot.active)
    if (s != 0) state.push_back(json::value(in.def->state(s).id));
  const int64_t history = insert_history(in.id, in.seq, r.history, clocks);
  // `status` is only set when it changes: the live-instance index depends on
  // it, and SQLite rewrites an index entry whenever its columns are set.
  auto up = conn_.cached(
      status_changed
          ? "UPDATE workflow_instance SET status = ?2, state = ?3, context = ?4, seq = ?5, "
            "updated_at = ?6, history_tail = coalesce(?7, history_tail) WHERE id = ?1"
          : "UPDATE workflow_instance SET state = ?3, context = ?4, seq = ?5, updated_at = ?6, "
            "history_tail = coalesce(?7, history_tail) WHERE id = ?1 AND status = ?2");
  up->bind(1, in.id).bind(2, in.status).bind(3, json::serialize(state));
  up->bind(4, json::serialize(in.snapshot.context)).bind(5, in.seq).bind(6, now_text(clocks));
  if (history != 0)
    up->bind(7, history);
  else
    up->bind_null(7);
  up->run();
  if (conn_.changes() != 1)
    throw Error(ErrorCode::internal,
                "workflow instance " + std::to_string(in.id) + " changed while a step was stored");
  for (const auto& s : r.exited) {
    // Only a state with timers, or a definition with tasks (whose deadlines
    // are timers of the state that opened them), has rows to remove.
    if (!in.def->opens_tasks) {
      auto it = in.def->index.find(s);
      if (it != in.def->index.end() && !in.def->state(it->second).has_timers()) continue;
    }
    auto del = conn_.cached("DELETE FROM workflow_timer WHERE instance_id = ?1 AND state = ?2");
    del->bind(1, in.id).bind(2, s);
    del->run();
    if (!in.def->opens_tasks) continue;  // a version without tasks keeps none open
    auto cancel = conn_.cached(
        "UPDATE workflow_task SET status = 'cancelled', closed_at = ?3 WHERE instance_id = ?1 AND "
        "state = ?2 AND status = 'open'");
    cancel->bind(1, in.id).bind(2, s).bind(3, clocks.now.to_string());
    cancel->run();
  }
  save_tasks(in, r, clocks);
  if (in.snapshot.done) {
    auto del = conn_.cached("DELETE FROM workflow_timer WHERE instance_id = ?1");
    del->bind(1, in.id);
    del->run();
    // A finished process has nothing left for anyone to do.
    auto cancel = conn_.cached(
        "UPDATE workflow_task SET status = 'cancelled', closed_at = ?2 WHERE instance_id = ?1 AND "
        "status = 'open'");
    cancel->bind(1, in.id).bind(2, clocks.now.to_string());
    cancel->run();
  }
  for (const auto& t : r.armed) {
    if (in.snapshot.done) break;
    auto ins = conn_.cached(
        "INSERT INTO workflow_timer (instance_id, state, event, due_at) VALUES (?1, ?2, ?3, ?4)");
    ins->bind(1, in.id).bind(2, t.state).bind(3, t.event).bind(4, t.due.seconds());
    ins->run();
  }
  int64_t n = 0;
  // An effect with an empty required member is kept as `incomplete`, never
  // offered to the host, and is an incident for an operator.
  std::vector<std::pair<int64_t, const json::object*>> incomplete;
  int64_t sent = 0;
  for (const auto& eff : r.effects) {
    const bool complete = !eff.contains("missing");
    auto ins = conn_.cached(
        "INSERT INTO effect (instance_id, type, payload, step_seq, step_n, status, attempts, "
        "created_at) VALUES (?1, ?2, ?3, ?4, ?7, ?6, 0, ?5)");
    ins->bind(1, in.id).bind(2, eff.at("type").as_string());
    ins->bind(3, json::serialize(eff.at("payload")));
    ins->bind(4, in.seq).bind(7, n++);
    ins->bind(5, now_text(clocks)).bind(6, complete ? "pending" : "incomplete");
    ins->run();
    if (complete)
      ++sent;
    else
      incomplete.emplace_back(conn_.last_insert_rowid(), &eff);
  }
  for (const auto& [id, eff] : incomplete) {
    std::string members;
    for (const auto& m : eff->at("missing").as_array())
      members += (members.empty() ? "" : ", ") + std::string(m.as_string());
    open_incident(
        in.id, "effect",
        json::object{{"effect", id}, {"state", eff->at("state")}, {"missing", eff->at("missing")}},
        "effect " + std::string(eff->at("type").as_string()) + " not sent: " + members +
            " came out empty",
        clocks);
  }
  // A tick's steps answer nobody: describing them would only cost a query.
  json::object out =
      quiet_ ? json::object{{"instance", in.id}, {"status", in.status}} : describe(in);
  out["accepted"] = r.accepted;
  out["effects"] = sent;
  if (!incomplete.empty()) out["incidents"] = static_cast<int64_t>(incomplete.size());
  return out;
}

json::object Workflow::step_once(Instance& in, const std::optional<Event>& event,
                                 const Clocks& clocks) {
  const EvalEnv e = env();
  Machine machine(*in.def, e, clocks, in.key);
  const StepResult r = event ? machine.send(in.snapshot, *event) : StepResult{};
  return persist(in, r, clocks);
}

json::object Workflow::start(const json::object& p, const Clocks& clocks) {
  const std::string def_id = text_of(p, "definition");
  const std::string key = text_of(p, "key");
  const int64_t version = int_or(p, "version", 0);
  const Definition& d = definition(def_id, version, "definition");
  if (!d.multiple_instances) {
    auto st = conn_.cached(
        "SELECT id FROM workflow_instance WHERE definition = ?1 AND key = ?2 AND status = "
        "'active' AND single = 1");
    st->bind(1, d.id).bind(2, key);
    if (st->step()) {
      // One live instance per business key: a repeated start finds it.
      const int64_t existing = st->int64(0);
      st->reset();
      json::object out = describe(load(existing, "instance"));
      out["existing"] = true;
      return out;
    }
  }
  json::object context;
  if (const auto* c = p.if_contains("context"); c != nullptr && c->is_object())
    context = c->get_object();
  auto ins = conn_.cached(
      "INSERT INTO workflow_instance (definition, version, key, single, status, state, context, "
      "seq, started_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'active', '[]', '{}', 0, ?5, ?5)");
  ins->bind(1, d.id).bind(2, d.version).bind(3, key).bind(4, int64_t{d.multiple_instances ? 0 : 1});
  ins->bind(5, clocks.now.to_string());
  ins->run();
  Instance in;
  in.id = conn_.last_insert_rowid();
  in.definition = d.id;
  in.version = d.version;
  in.key = key;
  in.def = compiled_.at({d.id, d.version});
  const EvalEnv e = env();
  Machine machine(d, e, clocks, key);
  StepResult r = machine.start(in.snapshot, context);
  r.history.insert(r.history.begin(), json::object{{"kind", "start"}, {"key", key}});
  json::object out = persist(in, r, clocks);
  drain_buffer(in, clocks, out);
  out["existing"] = false;
  return out;
}

json::object Workflow::send(const json::object& p, const Clocks& clocks) {
  int64_t id = 0;
  if (const auto* i = p.if_contains("instance"); i != nullptr && i->is_int64()) {
    id = i->get_int64();
  } else {
    const std::string def_id = text_of(p, "definition");
    const std::string key = text_of(p, "key");
    if (key.empty())
      fail_field(ErrorCode::invalid, "instance", "required",
                 "give the instance, or the definition and business key");
    auto st = conn_.cached(
        "SELECT id FROM workflow_instance WHERE key = ?1 AND (?2 = '' OR definition = ?2) AND "
        "status = 'active' ORDER BY id DESC LIMIT 2");
    st->bind(1, key).bind(2, def_id);
    std::vector<int64_t> ids;
    while (st->step()) ids.push_back(st->int64(0));
    st->reset();
    if (ids.empty())
      fail_field(ErrorCode::not_found, "key", "no_instance",
                 "no live workflow instance for \"" + key + "\"");
    if (ids.size() > 1)
      fail_field(ErrorCode::conflict, "key", "ambiguous",
                 "several live instances for \"" + key + "\"; give the definition or instance");
    id = ids.front();
  }
  const std::string event_id = text_of(p, "event_id");
  if (!event_id.empty()) {
    auto st =
        conn_.cached("SELECT answer FROM workflow_event WHERE instance_id = ?1 AND event_id = ?2");
    st->bind(1, id).bind(2, event_id);
    if (st->step()) {
      json::object out = parse_stored(st->text(0)).as_object();
      out["duplicate"] = true;
      return out;
    }
  }
  Instance in = load(id, "instance");
  if (const auto* ev = p.if_contains("expected_seq");
      ev != nullptr && ev->is_int64() && ev->get_int64() != in.seq)
    fail_field(ErrorCode::conflict, "expected_seq", "version",
               "instance " + std::to_string(id) + " is at " + std::to_string(in.seq));
  Event e{text_of(p, "event"), present(p, "data") ? p.at("data") : json::value(nullptr)};
  if (e.name.empty()) fail_field(ErrorCode::invalid, "event", "required", "an event name");
  json::object out = step(in, e, clocks);
  out["duplicate"] = false;
  if (!event_id.empty()) {
    auto st = conn_.cached(
        "INSERT INTO workflow_event (instance_id, event_id, event, answer, received_at) VALUES "
        "(?1, ?2, ?3, ?4, ?5)");
    st->bind(1, id).bind(2, event_id).bind(3, e.name).bind(4, json::serialize(out));
    st->bind(5, clocks.now.to_string());
    st->run();
  }
  return out;
}

// Many events in the caller's one transaction, each in its own savepoint:
// one that fails is undone alone and answered with its error; the rest apply.
// Runs `apply` in one savepoint: true when it all committed; false when an
// Error undid it (the watched records it produced are dropped with it), and
// the caller applies the items again one savepoint each. A savepoint per item
// makes SQLite copy every page an item touches into the statement journal.
template <class Apply>
bool Workflow::all_or_nothing(Apply&& apply) {
  const size_t watched = watch_ != nullptr ? watch_->size() : 0;
  store::Transaction all(conn_);
  try {
    apply();
    all.commit();
    return true;
  } catch (const Error&) {
    if (watch_ != nullptr) watch_->resize(watched);  // nothing of it was committed
    return false;
  }
}

json::object Workflow::send_many(const json::object& p, const Clocks& clocks) {
  json::array results;
  int64_t accepted = 0, failed = 0, duplicates = 0;
  const auto& events = p.at("events").as_array();
  results.reserve(events.size());
  auto apply = [&](const json::value& e) {
    json::object r = send(e.as_object(), clocks);
    accepted += r.at("accepted").as_bool() ? 1 : 0;
    duplicates += r.at("duplicate").as_bool() ? 1 : 0;
    results.push_back({{"instance", r.at("instance")},
                       {"accepted", r.at("accepted")},
                       {"duplicate", r.at("duplicate")},
                       {"states", r.at("states")},
                       {"seq", r.at("seq")}});
  };
  // All events in one savepoint first (a savepoint each copies every page an
  // event touches); should one fail, that is undone and the batch is applied
  // again with a savepoint per event, so only the failing one is left out.
  if (all_or_nothing([&] {
        for (const auto& e : events) apply(e);
      }))
    return {{"results", std::move(results)},
            {"accepted", accepted},
            {"duplicates", duplicates},
            {"failed", failed}};
  results.clear();
  accepted = duplicates = 0;
  for (const auto& e : events) {
    const size_t watched = watch_ != nullptr ? watch_->size() : 0;
    store::Transaction one(conn_);
    try {
      apply(e);
      one.commit();
    } catch (const Error& err) {
      ++failed;
      if (watch_ != nullptr) watch_->resize(watched);  // nothing of it was committed
      json::array fields;
      for (const auto& f : err.field_errors())
        fields.push_back({{"field", f.field}, {"rule", f.rule}, {"message", f.message}});
      results.push_back(json::object{{"error", json::object{{"code", static_cast<int>(err.code())},
                                                            {"message", err.what()},
                                                            {"errors", std::move(fields)}}}});
    }
  }
  return {{"results", std::move(results)},
          {"accepted", accepted},
          {"duplicates", duplicates},
          {"failed", failed}};
}

// A task that is no longer open has no deadline to fire: its
// task.<name>.overdue timer goes with it (a later task of the same name arms
// its own, after this, in the same step).
void Workflow::drop_deadline(int64_t instance, const std::string& task) {
  auto del = conn_.cached("DELETE FROM workflow_timer WHERE instance_id = ?1 AND event = ?2");
  del->bind(1, instance).bind(2, "task." + task + ".overdue");
  del->run();
}

void Workflow::save_tasks(const Instance& in, const StepResult& r, const Clocks& clocks) {
  for (const auto& name : r.tasks_cancelled) {
    auto cancel = conn_.cached(
        "UPDATE workflow_task SET status = 'cancelled', closed_at = ?3 WHERE instance_id = ?1 AND "
        "name = ?2 AND status = 'open'");
    cancel->bind(1, in.id).bind(2, name).bind(3, clocks.now.to_string());
    cancel->run();
    if (conn_.changes() > 0) drop_deadline(in.id, name);
  }
  for (const auto& t : r.tasks_opened) {
    int64_t iteration = 1;
    {
      auto n =
          conn_.cached("SELECT COUNT(*) FROM workflow_task WHERE instance_id = ?1 AND name = ?2");
      n->bind(1, in.id).bind(2, t.name);
      n->step();
      iteration = n->int64(0) + 1;
    }
    json::array outcomes, comment;
    for (const auto& o : t.outcomes) outcomes.push_back(json::value(o));
    for (const auto& o : t.comment_required) comment.push_back(json::value(o));
    auto ins = conn_.cached(
        "INSERT INTO workflow_task (instance_id, name, state, title, description, assignee, grp, "
        "due_at, outcomes, comment_required, form, approval, iteration, status, created_at) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'open', ?14)");
    ins->bind(1, in.id).bind(2, t.name).bind(3, t.state).bind(4, t.title).bind(5, t.description);
    ins->bind(6, t.assignee).bind(7, t.group);
    if (t.due)
      ins->bind(8, t.due->seconds());
    else
      ins->bind_null(8);
    ins->bind(9, json::serialize(outcomes)).bind(10, json::serialize(comment));
    ins->bind(11, json::serialize(t.form)).bind(12, int64_t{t.approval ? 1 : 0});
    ins->bind(13, iteration).bind(14, clocks.now.to_string());
    ins->run();
  }
}

namespace {

json::object task_json(store::Statement& st, int64_t now) {
  // columns: id, instance_id, name, state, title, description, assignee, grp, due_at, outcomes,
  // comment_required, form, approval, iteration, status, outcome, comment, actor, created_at
  json::object t{{"task", st.int64(0)},
                 {"instance", st.int64(1)},
                 {"name", st.text(2)},
                 {"state", st.text(3)},
                 {"title", st.text(4)},
                 {"description", st.text(5)},
                 {"assignee", st.text(6)},
                 {"group", st.text(7)},
                 {"outcomes", parse_stored(st.text(9))},
                 {"comment_required", parse_stored(st.text(10))},
                 {"form", parse_stored(st.text(11))},
                 {"approval", st.int64(12) != 0},
                 {"iteration", st.int64(13)},
                 {"status", st.text(14)},
                 {"created_at", st.text(18)}};
  t["due"] = st.is_null(8) ? json::value(nullptr) : json::value(Timestamp(st.int64(8)).to_string());
  t["overdue"] = !st.is_null(8) && st.int64(8) <= now && st.text(14) == "open";
  t["outcome"] = st.is_null(15) ? json::value(nullptr) : json::value(st.text(15));
  t["comment"] = st.is_null(16) ? json::value(nullptr) : json::value(st.text(16));
  t["actor"] = st.is_null(17) ? json::value(nullptr) : json::value(st.text(17));
  return t;
}

constexpr const char* kTaskColumns =
    "SELECT id, instance_id, name, state, title, description, assignee, grp, due_at, outcomes, "
    "comment_required, form, approval, iteration, status, outcome, comment, actor, created_at "
    "FROM workflow_task ";

}  // namespace

json::object Workflow::tasks(const json::object& p, const Clocks& clocks) {
  const int64_t limit = int_or(p, "limit", 100);
  auto st = conn_.cached(
      std::string(kTaskColumns) +
      "WHERE status = 'open' AND (CAST(?1 AS TEXT) IS NULL OR assignee = ?1) AND "
      "(CAST(?2 AS TEXT) IS NULL OR grp = ?2) AND (CAST(?3 AS BIGINT) IS NULL OR instance_id = ?3) "
      "ORDER BY CASE WHEN due_at <= ?4 THEN 0 ELSE 1 END, "
      "due_at IS NULL, due_at, id LIMIT ?5");
  auto opt = [&](int i, const char* k) {
    if (const auto* v = p.if_contains(k); v != nullptr && v->is_string())
      st->bind(i, v->get_string());
    else
      st->bind_null(i);
  };
  opt(1, "assignee");
  opt(2, "group");
  if (const auto* v = p.if_contains("instance"); v != nullptr && v->is_int64())
    st->bind(3, v->get_int64());
  else
    st->bind_null(3);
  st->bind(4, clocks.now.seconds()).bind(5, limit);
  json::array out;
  while (st->step()) out.push_back(task_json(*st, clocks.now.seconds()));
  return {{"tasks", std::move(out)}};
}

json::object Workflow::complete_task(const json::object& p, const Clocks& clocks) {
  const int64_t id = p.at("task").as_int64();
  auto st = conn_.cached(std::string(kTaskColumns) + "WHERE id = ?1");
  st->bind(1, id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "task", "unknown_task", "no task " + std::to_string(id));
  const json::object task = task_json(*st, clocks.now.seconds());
  st->reset();
  if (task.at("status") != "open")
    fail_field(ErrorCode::state, "task", "not_open",
               "task " + std::to_string(id) + " is " + std::string(task.at("status").as_string()) +
                   (task.at("status") == "completed"
                        ? " (outcome " + std::string(task.at("outcome").as_string()) + ")"
                        : std::string()));
  const std::string outcome = text_of(p, "outcome");
  const std::string comment = text_of(p, "comment");
  bool allowed = false;
  std::string list;
  for (const auto& o : task.at("outcomes").as_array()) {
    allowed = allowed || o.as_string() == outcome;
    list += (list.empty() ? "" : ", ") + std::string(o.as_string());
  }
  if (!allowed)
    fail_field(ErrorCode::validation, "outcome", "outcome",
               "\"" + outcome + "\" is not an outcome of this task (allowed: " + list + ")");
  for (const auto& o : task.at("comment_required").as_array())
    if (o.as_string() == outcome && comment.find_first_not_of(" \t\r\n") == std::string::npos)
      fail_field(ErrorCode::validation, "comment", "required",
                 "a comment is required for \"" + outcome + "\"");
  json::object result{
      {"task", id},         {"name", task.at("name")},      {"outcome", outcome},
      {"comment", comment}, {"actor", text_of(p, "actor")}, {"iteration", task.at("iteration")}};
  if (const auto* d = p.if_contains("data"); d != nullptr && d->is_object()) result["data"] = *d;
  auto up = conn_.cached(
      "UPDATE workflow_task SET status = 'completed', outcome = ?2, comment = ?3, actor = ?4, "
      "result = ?5, closed_at = ?6 WHERE id = ?1");
  up->bind(1, id).bind(2, outcome).bind(3, comment).bind(4, text_of(p, "actor"));
  up->bind(5, json::serialize(result)).bind(6, clocks.now.to_string());
  up->run();
  drop_deadline(task.at("instance").as_int64(), std::string(task.at("name").as_string()));
  Instance in = load(task.at("instance").as_int64(), "task");
  // The last result of each task is in the context: guards and templates
  // read context.tasks.<name>.outcome, .comment, .iteration.
  json::value& tasks = in.snapshot.context["tasks"];
  if (!tasks.is_object()) tasks = json::object{};
  tasks.as_object()[std::string(task.at("name").as_string())] = result;
  json::object out =
      step(in, Event{"task." + std::string(task.at("name").as_string()) + "." + outcome, result},
           clocks);
  out["task"] = result;
  return out;
}

const Workflow::Routes& Workflow::routes() {
  const int64_t version = conn_.data_version();
  if (routes_version_ == version && routes_rollbacks_ == conn_.rollbacks()) return routes_;
  Routes r;
  {
    auto st =
        conn_.cached("SELECT id, MAX(version) FROM workflow_definition GROUP BY id ORDER BY id");
    while (st->step()) r.latest.emplace_back(st->text(0), st->int64(1));
  }
  for (const auto& [id, v] : r.latest)
    for (const Trigger& t : definition(id, v, "type").triggers) r.events.insert(t.event);
  routes_ = std::move(r);
  routes_version_ = version;
  routes_rollbacks_ = conn_.rollbacks();
  return routes_;
}

bool Workflow::listens(const std::string& type) {
  const std::set<std::string>& events = routes().events;
  if (events.empty()) return false;
  // A trigger names the event or a dotted ancestor: "billing" hears
  // "billing.payment_posted".
  std::string prefix = type;
  while (events.count(prefix) == 0) {
    const size_t dot = prefix.rfind('.');
    if (dot == std::string::npos) return false;
    prefix.resize(dot);
  }
  return true;
}

json::object Workflow::post_event(const json::object& p, const Clocks& clocks) {
  const std::string type = text_of(p, "type");
  const std::string key = text_of(p, "key");
  const std::string event_id = text_of(p, "event_id");
  const json::value data = present(p, "data") ? p.at("data") : json::value(json::object{});
  // Beside other writers (a billing run's workers on PostgreSQL) events
  // reach the workflows one writer at a time, so that an instance's events
  // are applied in order and none of what a delivery reads changes under it.
  conn_.serialize();
  if (!event_id.empty()) {
    auto st = conn_.cached("SELECT answer FROM workflow_domain_event WHERE event_id = ?1");
    st->bind(1, event_id);
    if (st->step()) {
      json::object out = parse_stored(st->text(0)).as_object();
      out["duplicate"] = true;
      return out;
    }
  }
  const std::vector<std::pair<std::string, int64_t>> latest = routes().latest;
  json::array started, delivered;
  int64_t buffered = 0;
  const json::object scope{{"event", json::object{{"name", type}, {"data", data}}},
                           {"key", key},
                           {"context", json::object{}},
                           {"now", clocks.now.to_string()},
                           {"today", clocks.today.to_string()}};
  const EvalEnv e = env();
  json::array failed;
  // Each reaction (a start, a delivery to one instance) runs in a savepoint
  // of its own: one that fails is undone alone and becomes an incident that
  // keeps the event, so a process can never refuse the fact a module or a
  // host reports (a payment stays posted when a definition cannot take it).
  auto react = [&](const Definition& d, const Trigger& t, int64_t instance, const char* stage,
                   auto&& body) {
    const size_t watched = watch_ != nullptr ? watch_->size() : 0;
    std::optional<std::string> error;
    {
      store::Transaction part(conn_);
      try {
        body();
        part.commit();
        return;
      } catch (const Error& err) {
        error = err.what();
      }
    }
    if (watch_ != nullptr) watch_->resize(watched);  // nothing of it was committed
    const json::object detail{{"type", type},
                              {"key", key},
                              {"data", data},
                              {"definition", d.id},
                              {"trigger", t.start ? std::string("start") : t.send_as},
                              {"stage", stage}};
    const int64_t incident = open_incident(
        instance, "event", json::object{{"event", detail}},
        "event " + type + " for " + key + " not taken by " + d.id + ": " + *error, clocks);
    json::object f{{"definition", d.id}, {"incident", incident}, {"error", *error}};
    f["instance"] = instance != 0 ? json::value(instance) : json::value(nullptr);
    failed.push_back(std::move(f));
  };
  for (const auto& [id, version] : latest) {
    const Definition& d = definition(id, version, "type");
    for (const Trigger& t : d.triggers) {
      const bool match = t.event == type || (type.size() > t.event.size() &&
                                             type.compare(0, t.event.size(), t.event) == 0 &&
                                             type[t.event.size()] == '.');
      if (!match) continue;
      bool when = true;
      if (t.when) react(d, t, 0, "when", [&] { when = t.when->evaluate_bool(scope, e); });
      if (!when) continue;
      if (t.start) {
        react(d, t, 0, "start", [&] {
          json::object params{{"definition", d.id}, {"key", key}};
          if (data.is_object()) params["context"] = data;
          json::object r = start(params, clocks);
          started.push_back({{"definition", d.id},
                             {"instance", r.at("instance")},
                             {"existing", r.at("existing")}});
        });
        continue;
      }
      std::vector<int64_t> ids;
      {
        auto st = conn_.cached(
            "SELECT id FROM workflow_instance WHERE definition = ?1 AND key = ?2 AND status = "
            "'active' ORDER BY id");
        st->bind(1, d.id).bind(2, key);
        while (st->step()) ids.push_back(st->int64(0));
      }
      bool accepted = false;
      for (int64_t iid : ids)
        react(d, t, iid, "deliver", [&] {
          Instance in = load(iid, "key");
          json::object r = step(in, Event{t.send_as, data}, clocks);
          accepted = accepted || r.at("accepted").as_bool();
          delivered.push_back(
              {{"definition", d.id}, {"instance", iid}, {"accepted", r.at("accepted")}});
        });
      if (!accepted && t.buffer_seconds > 0) {
        auto ins = conn_.cached(
            "INSERT INTO workflow_buffer (definition, key, event, data, expires_at) VALUES (?1, "
            "?2, "
            "?3, ?4, ?5)");
        ins->bind(1, d.id).bind(2, key).bind(3, t.send_as).bind(4, json::serialize(data));
        ins->bind(5, clocks.now.seconds() + t.buffer_seconds);
        ins->run();
        ++buffered;
      }
    }
  }
  json::object out{{"type", type},
                   {"key", key},
                   {"started", std::move(started)},
                   {"delivered", std::move(delivered)},
                   {"buffered", buffered},
                   {"failed", std::move(failed)},
                   {"duplicate", false}};
  if (!event_id.empty()) {
    auto st = conn_.cached(
        "INSERT INTO workflow_domain_event (event_id, type, key, answer, posted_at) VALUES (?1, "
        "?2, "
        "?3, ?4, ?5)");
    st->bind(1, event_id).bind(2, type).bind(3, key).bind(4, json::serialize(out));
    st->bind(5, clocks.now.to_string());
    st->run();
  }
  return out;
}

// One row per step: the step's records as a JSON array (a row written before
// steps were grouped holds one record as an object). Each record is known by
// its row id and its place `n` in the step.
void Workflow::append_history(int64_t instance, int64_t seq,
                              const std::vector<json::object>& records, const Clocks& clocks) {
  if (insert_history(instance, seq, records, clocks) == 0) return;
  auto up = conn_.cached("UPDATE workflow_instance SET history_tail = ?2 WHERE id = ?1");
  up->bind(1, instance).bind(2, conn_.last_insert_rowid());
  up->run();
}

// Appends the step's row to the instance's log and returns its id (0 when
// the step recorded nothing); the caller points the instance at it.
int64_t Workflow::insert_history(int64_t instance, int64_t seq,
                                 const std::vector<json::object>& records, const Clocks& clocks) {
  if (records.empty()) return 0;
  const std::string& at = now_text(clocks);
  std::string stored = "[";
  for (const auto& r : records) {
    if (stored.size() > 1) stored += ',';
    stored += json::serialize(r);
  }
  stored += ']';
  // The previous row is read from the instance as stored, never from a copy
  // loaded earlier, so the chain holds whatever appended in between.
  auto ins = conn_.cached(
      "INSERT INTO workflow_history (instance_id, seq, at, record, prev) VALUES (?1, ?2, ?3, ?4, "
      "(SELECT history_tail FROM workflow_instance WHERE id = ?1))");
  ins->bind(1, instance).bind(2, seq).bind(3, at).bind(4, stored);
  ins->run();
  const int64_t id = conn_.last_insert_rowid();
  if (watch_ != nullptr) {
    int64_t n = 0;
    for (const auto& r : records) {
      json::object live = r;
      live["id"] = id;
      live["n"] = n++;
      live["instance"] = instance;
      live["seq"] = seq;
      live["at"] = at;
      watch_->push_back(std::move(live));
    }
  }
  return id;
}

void Workflow::append_history(int64_t instance, int64_t seq, const json::object& record,
                              const Clocks& clocks) {
  append_history(instance, seq, std::vector<json::object>{record}, clocks);
}

json::object Workflow::export_definition(const json::object& p) {
  const std::string id = text_of(p, "definition");
  const int64_t version = int_or(p, "version", 0);
  const Definition& d = definition(id, version, "definition");
  const std::string format = text_or(p, "format", "svg");
  std::map<std::string, int64_t> counts;
  if (format == "svg" && (!p.contains("counts") || p.at("counts").as_bool())) {
    // Live instances of this version in each state: the monitoring view.
    auto st = conn_.cached(
        "SELECT s.value, COUNT(*) FROM workflow_instance i, json_each(i.state) s WHERE "
        "i.definition = ?1 AND i.version = ?2 GROUP BY s.value");
    st->bind(1, d.id).bind(2, d.version);
    while (st->step()) counts[st->text(0)] = st->int64(1);
  }
  std::string text;
  if (format == "mermaid")
    text = to_mermaid(d);
  else if (format == "dot")
    text = to_dot(d);
  else if (format == "svg")
    text = to_svg(d, counts);
  else
    fail_field(ErrorCode::invalid, "format", "enum", "expected svg, mermaid or dot");
  return {{"definition", d.id}, {"version", d.version}, {"format", format}, {"text", text}};
}

json::object Workflow::get(int64_t instance) {
  return describe(load(instance, "instance"));
}

json::object Workflow::history(const json::object& p) {
  const int64_t id = p.at("instance").as_int64();
  load(id, "instance");
  const int64_t after = int_or(p, "after", 0);
  const int64_t limit = int_or(p, "limit", 1000);
  json::array out;
  // Whole steps only: stop at the first step that reaches the limit. The log
  // is walked back from the instance's latest row to the first after `after`
  // (a host following the history reads only what is new).
  auto st = conn_.cached(
      "WITH RECURSIVE chain (id) AS (SELECT history_tail FROM workflow_instance WHERE id = ?1 "
      "AND history_tail > ?2 UNION ALL SELECT h.prev FROM workflow_history h JOIN chain c ON "
      "h.id = c.id WHERE h.prev > ?2) SELECT h.id, h.seq, h.at, h.record FROM chain c JOIN "
      "workflow_history h ON h.id = c.id ORDER BY h.id LIMIT ?3");
  st->bind(1, id).bind(2, after).bind(3, limit);
  int64_t last = after;
  while (static_cast<int64_t>(out.size()) < limit && st->step()) {
    const json::value stored = parse_stored(st->text(3));
    const json::array records = stored.is_array() ? stored.get_array() : json::array{stored};
    int64_t n = 0;
    for (const auto& r : records) {
      json::object rec = r.as_object();
      rec["id"] = st->int64(0);
      rec["n"] = n++;
      rec["seq"] = st->int64(1);
      rec["at"] = st->text(2);
      out.push_back(std::move(rec));
    }
    last = st->int64(0);
  }
  return {{"instance", id}, {"records", std::move(out)}, {"last", last}};
}

json::object Workflow::tick(const json::object& p, const Clocks& clocks) {
  const Timestamp now =
      present(p, "now") ? Timestamp::parse_field(p.at("now").as_string(), "now") : clocks.now;
  const int64_t limit = int_or(p, "limit", 10000);
  Clocks at = clocks;
  at.now = now;
  at.today = now.date_at(clocks.utc_offset_minutes);
  // timer, instance, state, event, due_at
  std::vector<std::tuple<int64_t, int64_t, std::string, std::string, int64_t>> due;
  {
    // Optionally only the timers of one definition's instances (the dunning
    // processes, for billing.dunning.run).
    auto st = conn_.cached(
        "SELECT t.id, t.instance_id, t.state, t.event, t.due_at FROM workflow_timer t WHERE "
        "t.due_at <= ?1 AND (CAST(?3 AS TEXT) IS NULL OR t.instance_id IN (SELECT id FROM "
        "workflow_instance WHERE definition = ?3 AND status = 'active')) ORDER BY t.due_at, t.id "
        "LIMIT ?2");
    st->bind(1, now.seconds()).bind(2, limit);
    if (const auto* d = p.if_contains("definition"); d != nullptr && d->is_string())
      st->bind(3, d->get_string());
    else
      st->bind_null(3);
    while (st->step())
      due.emplace_back(st->int64(0), st->int64(1), st->text(2), st->text(3), st->int64(4));
  }
  int64_t effects_before = 0;
  {
    auto st = conn_.cached("SELECT COALESCE(MAX(id), 0) FROM effect");
    st->step();
    effects_before = st->int64(0);
  }
  int64_t fired = 0;
  int64_t failed = 0;
  struct Quiet {
    bool& flag;
    ~Quiet() { flag = false; }
  } quiet{quiet_ = true};
  // Fires one timer; false when it is stale or its instance has finished.
  auto fire = [&](int64_t timer, int64_t instance, const std::string& state,
                  const std::string& event, int64_t due_at) {
    // A timer removed by an earlier firing in this tick (its state exited) is stale,
    // and its id may already belong to the timer armed when the state was entered
    // again (SQLite reuses the largest rowid): only the row as selected fires.
    auto del = conn_.cached(
        "DELETE FROM workflow_timer WHERE id = ?1 AND state = ?2 AND event = ?3 AND due_at = ?4");
    del->bind(1, timer).bind(2, state).bind(3, event).bind(4, due_at);
    del->run();
    if (conn_.changes() == 0) return false;
    Instance in = load(instance, "instance");
    if (in.status != "active") return false;
    step(in, Event{event, json::object{{"timer", event}}}, at);
    return true;
  };
  // All firings in one savepoint first: a savepoint per firing copies every
  // page a firing touches into the statement journal. Should any firing
  // fail, that is undone and the tick starts over with a savepoint per
  // firing, so the failing one is undone alone and becomes an incident.
  const bool together = all_or_nothing([&] {
    for (const auto& [timer, instance, state, event, due_at] : due)
      if (fire(timer, instance, state, event, due_at)) ++fired;
  });
  if (!together) fired = 0;
  for (size_t i = 0; !together && i < due.size(); ++i) {
    const auto& [timer, instance, state, event, due_at] = due[i];
    std::optional<std::string> error;
    {
      store::Transaction firing(conn_);
      try {
        if (fire(timer, instance, state, event, due_at)) ++fired;
        firing.commit();
        continue;
      } catch (const Error& e) {
        error = e.what();
      }
    }
    auto del = conn_.cached("DELETE FROM workflow_timer WHERE id = ?1");
    del->bind(1, timer);
    del->run();
    open_incident(instance, "timer", json::object{{"timer", event}, {"state", state}}, *error, at);
    ++failed;
  }
  auto count = conn_.cached("SELECT COUNT(*) FROM effect WHERE id > ?1");
  count->bind(1, effects_before);
  count->step();
  return {
      {"now", now.to_string()}, {"fired", fired}, {"failed", failed}, {"effects", count->int64(0)}};
}

json::object Workflow::fetch_effects(const json::object& p, const Clocks& clocks) {
  const int64_t limit = int_or(p, "limit", 100);
  const int64_t lease = int_or(p, "lease_seconds", 60);
  json::array out;
  std::vector<int64_t> ids;
  {
    auto st = conn_.cached(
        "SELECT id, instance_id, type, payload, coalesce(stored_key, 'wf:' || instance_id || ':' "
        "|| step_seq || ':' || step_n), attempts FROM effect WHERE status "
        "= 'pending' AND (lease_until IS NULL OR lease_until <= ?1) ORDER BY id LIMIT ?2");
    st->bind(1, clocks.now.seconds()).bind(2, limit);
    while (st->step()) {
      json::object e{{"id", st->int64(0)},
                     {"type", st->text(2)},
                     {"payload", parse_stored(st->text(3))},
                     {"idempotency_key", st->text(4)},
                     {"attempt", st->int64(5) + 1}};
      e["instance"] = st->is_null(1) ? json::value(nullptr) : json::value(st->int64(1));
      ids.push_back(st->int64(0));
      out.push_back(std::move(e));
    }
  }
  for (int64_t id : ids) {
    auto up =
        conn_.cached("UPDATE effect SET attempts = attempts + 1, lease_until = ?2 WHERE id = ?1");
    up->bind(1, id).bind(2, clocks.now.seconds() + lease);
    up->run();
  }
  return {{"effects", std::move(out)}};
}

json::object Workflow::ack_effect(const json::object& p, const Clocks& clocks) {
  const int64_t id = p.at("effect").as_int64();
  const std::string result = text_of(p, "result");
  auto st = conn_.cached("SELECT status, instance_id FROM effect WHERE id = ?1");
  st->bind(1, id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "effect", "unknown_effect", "no effect " + std::to_string(id));
  const std::string status = st->text(0);
  // 0: an effect of no instance (GCC's -Wmaybe-uninitialized misreads an optional here).
  const int64_t instance = st->is_null(1) ? 0 : st->int64(1);
  st->reset();
  if (status != "pending") {
    // A repeated acknowledgement of the same outcome is harmless.
    return {{"id", id}, {"status", status}, {"repeated", true}};
  }
  const std::string next = result == "failed" ? "failed" : "done";
  auto up = conn_.cached(
      "UPDATE effect SET status = ?2, acked_at = ?3, result = ?4, lease_until = NULL WHERE id = "
      "?1");
  up->bind(1, id).bind(2, next).bind(3, clocks.now.to_string());
  json::object detail{{"result", result}};
  if (const auto* e = p.if_contains("error")) detail["error"] = *e;
  up->bind(4, json::serialize(detail));
  up->run();
  if (next == "failed") {
    // A failed effect is an incident on its instance, for an operator to
    // retry or resolve.
    const std::string error = p.contains("error") && p.at("error").is_string()
                                  ? std::string(p.at("error").get_string())
                                  : std::string("the host reported the effect failed");
    open_incident(instance, "effect", json::object{{"effect", id}, {"detail", detail}}, error,
                  clocks);
  }
  return {{"id", id}, {"status", next}, {"repeated", false}};
}

}  // namespace opora::workflow

// Workflow benchmark (issue 5). Each figure is printed beside the limit it
// chases, measured in the same run:
//  1. the interpreter in memory (workflow::Machine::send over a Snapshot) on a
//     3-state toggle and on a service-control chart (compound and parallel
//     states, guards reading the context, an assign action, an eventless
//     transition), beside the same machines and event sequences run by
//     XState 5 under node (tests/bench/xstate/bench.mjs, installed with npm
//     into the build directory on first use); aim: at least 3x XState;
//  2. events persisted into live instances of the service chart: through the
//     C ABI, one workflow.send per call and so one transaction each
//     (synchronous=normal), and `batch` events per workflow.send_many call
//     (one transaction, a savepoint each); target: 50,000 events/s into
//     100,000 live instances;
//  3. workflow.tick through the C ABI firing one due timer in each of N
//     instances; target: 100,000 timers in at most 2 s.
//
//   opora_bench_workflow [toggle_events=1000000] [service_events=300000]
//                        [instances=100000] [abi_events=50000]
//                        [batched_events=200000] [timers=100000] [dir=/tmp]
//                        [batch=1000] [xstate=1]
// A quick run: opora_bench_workflow 100000 30000 10000 5000 20000 10000
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "opora/opora.h"
#include "store/sqlite.hpp"
#include "workflow/definition.hpp"
#include "workflow/machine.hpp"

#ifndef OPORA_XSTATE_SOURCE_DIR
#error "OPORA_XSTATE_SOURCE_DIR names tests/bench/xstate (set by tests/bench/CMakeLists.txt)"
#endif
#ifndef OPORA_XSTATE_RUN_DIR
#error "OPORA_XSTATE_RUN_DIR names the build directory's xstate-bench"
#endif

namespace {

namespace json = boost::json;
namespace wf = opora::workflow;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU seconds of this process (user + system): steadier than the wall clock
// on a shared machine, printed beside it.
double cpu_seconds() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

// The same charts as tests/bench/xstate/bench.mjs.
const char* kToggle = R"({"id": "bench_toggle", "initial": "off", "states": {
  "off": {"on": {"toggle": "on", "disable": "disabled"}},
  "on": {"on": {"toggle": "off", "disable": "disabled"}},
  "disabled": {"on": {"enable": "off"}}}})";

// A service under supervision: started, running with health and load tracked
// in parallel, restarted automatically after a crash while the restart budget
// lasts, stopped.
const char* kService = R"({"id": "bench_service", "initial": "stopped",
 "context": {"restarts": 0, "max_restarts": 1000000000, "errors": 0, "max_errors": 1000000000},
 "states": {
  "stopped": {"on": {"start": "active"}},
  "active": {"initial": "starting",
    "on": {"stop": "stopping",
           "crash": {"target": "failed",
                     "actions": [{"assign": {"restarts": "context.restarts + 1"}}]}},
    "states": {
      "starting": {"on": {"ready": "running"}},
      "running": {"type": "parallel", "states": {
        "health": {"initial": "healthy", "states": {
          "healthy": {"on": {"degrade": {"target": "degraded",
                                         "guard": "context.errors < context.max_errors"}}},
          "degraded": {"on": {"recover": "healthy"}}}},
        "load": {"initial": "idle", "states": {
          "idle": {"on": {"busy": "busy"}},
          "busy": {"on": {"idle": "idle"}}}}}}}},
  "stopping": {"on": {"stopped": "stopped"}},
  "failed": {"always": {"target": "active", "guard": "context.restarts < context.max_restarts"},
             "on": {"reset": "stopped"}}}})";

// A deadline: an hour after the start the instance is overdue and the host
// is told so (one effect).
const char* kDeadline = R"({"id": "bench_deadline", "initial": "waiting",
 "context": {"overdue": false},
 "states": {
  "waiting": {"on": {"done": "closed"}, "after": [{"delay": "PT1H", "target": "overdue"}]},
  "overdue": {"entry": [{"assign": {"overdue": "true"}},
                        {"emit": {"type": "sms", "text": "Просрочено: {{ key }}"}}],
              "on": {"done": "closed"}},
  "closed": {"type": "final"}}})";

const std::vector<std::string> kServiceCycle = {"start", "ready", "degrade", "busy", "recover",
                                                "idle",  "crash", "ready",   "stop", "stopped"};

const char* kStart = "2026-11-23T09:00:00Z";

// ---- 1. in memory -----------------------------------------------------------

struct Rate {
  double per_second = 0;
  std::string check;  // final states and context, to compare with XState's
};

std::string describe(const wf::Definition& d, const wf::Snapshot& s) {
  std::string out;
  for (int i : s.active) {
    const wf::State& st = d.state(i);
    if (i == 0 || (st.type != wf::State::Type::atomic && st.type != wf::State::Type::final))
      continue;
    out += (out.empty() ? "" : ",") + st.id;
  }
  return out + "|" + json::serialize(s.context);
}

Rate run_machine(const wf::Definition& d, const std::vector<std::string>& cycle, long n, int reps) {
  std::vector<wf::Event> events;
  for (const auto& name : cycle) events.push_back(wf::Event{name, nullptr});
  const wf::EvalEnv env{};
  wf::Clocks clocks;
  clocks.now = opora::Timestamp::parse_field(kStart, "now");
  clocks.today = clocks.now.date_at(0);
  Rate best;
  for (int r = 0; r < reps; ++r) {
    wf::Machine m(d, env, clocks, "bench:1");
    wf::Snapshot s;
    m.start(s, {});
    long accepted = 0;
    const size_t k = events.size();
    const auto t0 = Clock::now();
    for (long i = 0; i < n; ++i)
      if (m.send(s, events[static_cast<size_t>(i) % k]).accepted) ++accepted;
    const double secs = since(t0);
    if (accepted != n)
      die(d.id + ": " + std::to_string(n - accepted) + " events not accepted in memory");
    const double rate = static_cast<double>(n) / secs;
    if (rate > best.per_second) best = Rate{rate, describe(d, s)};
  }
  return best;
}

// ---- XState under node --------------------------------------------------------

struct XState {
  bool ok = false;
  std::string why;
  Rate toggle_transition, toggle_actor, service_transition, service_actor;
};

XState run_xstate(long toggle_events, long service_events, int reps) {
  namespace fs = std::filesystem;
  XState x;
  const fs::path src = OPORA_XSTATE_SOURCE_DIR;
  const fs::path run = OPORA_XSTATE_RUN_DIR;
  std::error_code ec;
  fs::create_directories(run, ec);
  for (const char* f : {"package.json", "bench.mjs"})
    fs::copy_file(src / f, run / f, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    x.why = "cannot copy " + src.string() + " to " + run.string() + ": " + ec.message();
    return x;
  }
  if (!fs::exists(run / "node_modules" / "xstate" / "package.json")) {
    std::printf("installing xstate into %s ...\n", run.string().c_str());
    std::fflush(stdout);
    const std::string cmd =
        "cd '" + run.string() + "' && npm install --no-audit --no-fund --silent >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      x.why = "npm install failed in " + run.string() + " (no network or no npm?)";
      return x;
    }
  }
  const std::string cmd = "cd '" + run.string() + "' && node bench.mjs " +
                          std::to_string(toggle_events) + " " + std::to_string(service_events) +
                          " " + std::to_string(reps);
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    x.why = "cannot run node";
    return x;
  }
  char line[1024];
  int got = 0;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    char machine[32], api[32], check[900];
    double rate = 0;
    if (std::sscanf(line, "%31s %31s %lf %899s", machine, api, &rate, check) != 4) continue;
    Rate* slot = nullptr;
    const std::string m = machine, a = api;
    if (m == "toggle") slot = a == "transition" ? &x.toggle_transition : &x.toggle_actor;
    if (m == "service") slot = a == "transition" ? &x.service_transition : &x.service_actor;
    if (slot == nullptr) continue;
    *slot = Rate{rate, check};
    ++got;
  }
  const int rc = pclose(p);
  x.ok = rc == 0 && got == 4;
  if (!x.ok) x.why = "node bench.mjs failed (exit " + std::to_string(rc) + ")";
  return x;
}

// ---- 2 and 3. persisted -----------------------------------------------------

std::string open_options(const char* synchronous = "normal") {
  return std::string(R"({"synchronous": ")") + synchronous + R"(", "clock": "manual", "now": ")" +
         kStart + "\"}";
}

opora::engine::Database open_engine(const std::string& path) {
  return opora::engine::Database(
      path, opora::engine::OpenOptions::parse(json::parse(open_options()).as_object()));
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// Starts `n` instances of `definition` with keys prefix:1..n through the
// engine, 10,000 per transaction (setup, not what the targets are about).
std::vector<int64_t> start_instances(opora::engine::Database& db, const char* definition,
                                     const std::string& prefix, long n, double& secs) {
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(n));
  const auto t0 = Clock::now();
  for (long i = 0; i < n;) {
    opora::store::Transaction tx(db.connection());
    for (long j = 0; j < 10000 && i < n; ++j, ++i) {
      const json::object out = db.call(
          "workflow.start", {{"definition", definition}, {"key", prefix + std::to_string(i + 1)}});
      ids.push_back(out.at("instance").as_int64());
    }
    tx.commit();
  }
  secs = since(t0);
  return ids;
}

// The k-th persisted event goes to a pseudo-random instance (a stride through
// all of them, so consecutive events touch distant rows) and is the next event
// of that instance's service cycle.
struct EventStream {
  const std::vector<int64_t>& ids;
  std::vector<unsigned char> position;
  uint64_t k = 0;

  explicit EventStream(const std::vector<int64_t>& instance_ids)
      : ids(instance_ids), position(instance_ids.size(), 0) {}

  std::pair<int64_t, const std::string*> next() {
    const uint64_t n = ids.size();
    const size_t i = static_cast<size_t>((k++ * 7919u) % n);  // 7919 is prime: a permutation
    const std::string* event = &kServiceCycle[position[i]];
    position[i] = static_cast<unsigned char>((position[i] + 1) % kServiceCycle.size());
    return {ids[i], event};
  }
};

struct Persisted {
  double start_secs = 0, timer_start_secs = 0;
  long abi_events = 0, abi_refused = 0;
  double abi_secs = 0;
  long batched_events = 0, batched_refused = 0;
  double batched_secs = 0, batched_cpu = 0;
  long timers = 0, fired = 0;
  double tick_secs = 0, tick_cpu = 0;
  long history_rows = 0;
  double file_mb = 0;
  // Average sizes of what a service step writes, to shape the floor's rows.
  double state_len = 0, context_len = 0, record_len = 0;
};

Persisted run_persisted(const std::string& dir, long instances, long abi_events,
                        long batched_events, long timers, long batch) {
  Persisted r;
  const std::string path = dir + "/opora_bench_workflow.db";
  remove_db(path);
  std::vector<int64_t> ids;
  {
    auto db = open_engine(path);
    for (const char* def : {kService, kDeadline})
      db.call("workflow.define", {{"definition", json::parse(def)}});
    ids = start_instances(db, "bench_service", "bench:service:", instances, r.start_secs);
    start_instances(db, "bench_deadline", "bench:deadline:", timers, r.timer_start_secs);
  }
  EventStream stream(ids);

  // One workflow.send per C ABI call: each its own transaction.
  {
    opora_db* db = nullptr;
    // Durable: each call's transaction is fsynced before it returns.
    if (opora_db_open(&db, path.c_str(), open_options("full").c_str()) != OPORA_OK)
      die(std::string("open: ") + opora_last_error_message());
    std::vector<std::string> params;
    params.reserve(static_cast<size_t>(abi_events));
    for (long i = 0; i < abi_events; ++i) {  // params text is prepared before the clock starts
      const auto [id, event] = stream.next();
      params.push_back("{\"instance\": " + std::to_string(id) + ", \"event\": \"" + *event + "\"}");
    }
    const auto t0 = Clock::now();
    for (const auto& p : params) {
      char* out = nullptr;
      if (opora_db_call(db, "workflow.send", p.c_str(), &out) != OPORA_OK)
        die(std::string("workflow.send: ") + opora_last_error_message());
      if (std::strstr(out, "\"accepted\":true") == nullptr) ++r.abi_refused;
      opora_free(out);
    }
    r.abi_secs = since(t0);
    r.abi_events = abi_events;
    opora_db_close(db);
  }

  // `batch` events per workflow.send_many call through the C ABI: one
  // transaction per call, the way a host batches.
  {
    opora_db* db = nullptr;
    if (opora_db_open(&db, path.c_str(), open_options().c_str()) != OPORA_OK)
      die(std::string("open: ") + opora_last_error_message());
    std::vector<std::string> calls;
    for (long i = 0; i < batched_events;) {
      std::string p = "{\"events\": [";
      for (long j = 0; j < batch && i < batched_events; ++j, ++i) {
        const auto [id, event] = stream.next();
        if (j > 0) p += ", ";
        p += "{\"instance\": " + std::to_string(id) + ", \"event\": \"" + *event + "\"}";
      }
      calls.push_back(p + "]}");
    }
    long accepted = 0;
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    for (const auto& p : calls) {
      char* out = nullptr;
      if (opora_db_call(db, "workflow.send_many", p.c_str(), &out) != OPORA_OK)
        die(std::string("workflow.send_many: ") + opora_last_error_message());
      const char* n = std::strstr(out, "\"accepted\":");
      // The totals follow the results array: the last "accepted" is the count.
      for (const char* next = n; next != nullptr; next = std::strstr(next + 1, "\"accepted\":"))
        n = next;
      if (n != nullptr) accepted += std::atol(n + std::strlen("\"accepted\":"));
      opora_free(out);
    }
    r.batched_secs = since(t0);
    r.batched_cpu = cpu_seconds() - c0;
    r.batched_events = batched_events;
    r.batched_refused = batched_events - accepted;
    opora_db_close(db);
  }

  // Every deadline instance's timer is due two hours later: one tick.
  {
    opora_db* db = nullptr;
    if (opora_db_open(&db, path.c_str(), open_options().c_str()) != OPORA_OK)
      die(std::string("open: ") + opora_last_error_message());
    const std::string params = R"({"now": "2026-11-23T11:00:00Z", "limit": 1000000})";
    char* out = nullptr;
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    if (opora_db_call(db, "workflow.tick", params.c_str(), &out) != OPORA_OK)
      die(std::string("workflow.tick: ") + opora_last_error_message());
    r.tick_secs = since(t0);
    r.tick_cpu = cpu_seconds() - c0;
    r.fired = json::parse(out).as_object().at("fired").as_int64();
    r.timers = timers;
    opora_free(out);
    opora_db_close(db);
  }
  {
    auto db = open_engine(path);
    auto st = db.connection().cached("SELECT count(*) FROM workflow_history");
    st->step();
    r.history_rows = st->int64(0);
    auto sizes = db.connection().cached(
        "SELECT avg(length(state)), avg(length(context)) FROM workflow_instance WHERE "
        "definition = 'bench_service'");
    sizes->step();
    r.state_len = static_cast<double>(sizes->int64(0));
    r.context_len = static_cast<double>(sizes->int64(1));
    auto rec = db.connection().cached(
        "SELECT avg(length(h.record)) FROM workflow_history h JOIN workflow_instance i ON i.id = "
        "h.instance_id WHERE i.definition = 'bench_service' AND h.seq > 1");
    rec->step();
    r.record_len = static_cast<double>(rec->int64(0));
  }
  std::error_code ec;
  r.file_mb = static_cast<double>(std::filesystem::file_size(path, ec)) / 1e6;
  remove_db(path);
  return r;
}

// ---- the floor ----------------------------------------------------------------
// The least work that durably records an event: the instance's new
// configuration written in place (states, context, version, time) and what the
// step emitted appended to a log (one row, no secondary index), with the row
// sizes opora wrote in the same run. For a timer: the timer row deleted, the
// same two writes and the effect. Raw statements through store::Connection
// (same pragmas as opora's connection, nothing else).

struct Floor {
  double batched_secs = 0, batched_cpu = 0, savepoint_secs = 0, durable_secs = 0, tick_secs = 0,
         tick_cpu = 0;
};

std::string json_text(size_t len) {
  std::string s = "{\"x\":\"";
  while (s.size() + 2 < len) s += 'x';
  return s + "\"}";
}

Floor run_floor(const std::string& dir, long instances, long durable_events, long batched_events,
                long timers, long batch, const Persisted& shape) {
  namespace store = opora::store;
  Floor f;
  const std::string path = dir + "/opora_bench_workflow_floor.db";
  remove_db(path);
  const std::string state = json_text(static_cast<size_t>(shape.state_len));
  const std::string context = json_text(static_cast<size_t>(shape.context_len));
  const std::string record = json_text(static_cast<size_t>(shape.record_len));
  const std::string at = "2026-11-23T09:00:00Z";
  store::ConnectionOptions normal;
  normal.synchronous = store::Synchronous::normal;
  {
    store::SqliteConnection c(path, normal);
    c.exec(
        "CREATE TABLE inst (id INTEGER PRIMARY KEY, definition TEXT NOT NULL, version INTEGER NOT "
        "NULL, key TEXT NOT NULL, status TEXT NOT NULL, state TEXT NOT NULL, context TEXT NOT "
        "NULL, seq INTEGER NOT NULL, updated_at TEXT NOT NULL);"
        "CREATE TABLE hist (id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL, seq INTEGER NOT "
        "NULL, at TEXT NOT NULL, record TEXT NOT NULL);"
        "CREATE TABLE timer (id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL, event TEXT NOT "
        "NULL, due_at INTEGER NOT NULL); CREATE INDEX timer_due ON timer (due_at, id);"
        "CREATE TABLE effect (id INTEGER PRIMARY KEY, instance_id INTEGER, type TEXT NOT NULL, "
        "payload TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL);"
        "CREATE INDEX effect_pending ON effect (id) WHERE status = 'pending';");
    store::Transaction tx(c);
    auto ins = c.cached(
        "INSERT INTO inst (definition, version, key, status, state, context, seq, updated_at) "
        "VALUES ('bench_service', 1, ?1, 'active', ?2, ?3, 1, ?4)");
    for (long i = 0; i < instances + timers; ++i) {
      ins->bind(1, "bench:service:" + std::to_string(i + 1)).bind(2, state).bind(3, context);
      ins->bind(4, at);
      ins->run();
      ins->reset();
    }
    // Each instance's start is in its log, as opora's are.
    auto h = c.cached("INSERT INTO hist (instance_id, seq, at, record) VALUES (?1, 1, ?2, ?3)");
    for (long i = 0; i < instances + timers; ++i) {
      h->bind(1, i + 1).bind(2, at).bind(3, record);
      h->run();
      h->reset();
    }
    auto t = c.cached("INSERT INTO timer (instance_id, event, due_at) VALUES (?1, 'after', 100)");
    for (long i = 0; i < timers; ++i) {
      t->bind(1, instances + i + 1);
      t->run();
      t->reset();
    }
    tx.commit();
  }
  std::vector<int64_t> ids(static_cast<size_t>(instances));
  for (long i = 0; i < instances; ++i) ids[static_cast<size_t>(i)] = i + 1;
  auto event = [&](store::Connection& c, int64_t id) {
    auto up = c.cached(
        "UPDATE inst SET state = ?2, context = ?3, seq = seq + 1, updated_at = ?4 WHERE id = ?1");
    up->bind(1, id).bind(2, state).bind(3, context).bind(4, at);
    up->run();
    auto h = c.cached("INSERT INTO hist (instance_id, seq, at, record) VALUES (?1, 1, ?2, ?3)");
    h->bind(1, id).bind(2, at).bind(3, record);
    h->run();
  };
  {
    store::ConnectionOptions full;
    store::SqliteConnection c(path, full);
    EventStream stream(ids);
    const auto t0 = Clock::now();
    for (long i = 0; i < durable_events; ++i) {
      store::Transaction tx(c);
      event(c, stream.next().first);
      tx.commit();
    }
    f.durable_secs = since(t0);
  }
  {
    store::SqliteConnection c(path, normal);
    EventStream stream(ids);
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    for (long i = 0; i < batched_events;) {
      store::Transaction tx(c);
      for (long j = 0; j < batch && i < batched_events; ++j, ++i) event(c, stream.next().first);
      tx.commit();
    }
    f.batched_secs = since(t0);
    f.batched_cpu = cpu_seconds() - c0;
  }
  {
    // The same batches with a savepoint around each event, as a host's batch
    // needs when one bad event must not undo the others.
    store::SqliteConnection c(path, normal);
    EventStream stream(ids);
    const auto t0 = Clock::now();
    for (long i = 0; i < batched_events;) {
      store::Transaction tx(c);
      for (long j = 0; j < batch && i < batched_events; ++j, ++i) {
        store::Transaction sp(c);
        event(c, stream.next().first);
        sp.commit();
      }
      tx.commit();
    }
    f.savepoint_secs = since(t0);
  }
  {
    store::SqliteConnection c(path, normal);
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    store::Transaction tx(c);
    std::vector<std::pair<int64_t, int64_t>> due;
    auto q = c.cached("SELECT id, instance_id FROM timer WHERE due_at <= 100 ORDER BY due_at, id");
    while (q->step()) due.emplace_back(q->int64(0), q->int64(1));
    for (const auto& [timer, instance] : due) {
      auto del = c.cached("DELETE FROM timer WHERE id = ?1");
      del->bind(1, timer);
      del->run();
      event(c, instance);
      auto e = c.cached(
          "INSERT INTO effect (instance_id, type, payload, status, created_at) VALUES (?1, 'sms', "
          "?2, 'pending', ?3)");
      e->bind(1, instance).bind(2, context).bind(3, at);
      e->run();
    }
    tx.commit();
    f.tick_secs = since(t0);
    f.tick_cpu = cpu_seconds() - c0;
  }
  remove_db(path);
  return f;
}

// ---- report -----------------------------------------------------------------

long arg(int argc, char** argv, int i, long fallback) {
  return argc > i ? std::atol(argv[i]) : fallback;
}

void row(const char* what, double ours, const char* limit_name, double limit) {
  std::printf("%-52s %12.0f /s   %-34s %12.0f /s   ratio %.2f\n", what, ours, limit_name, limit,
              limit > 0 ? ours / limit : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  const long toggle_events = arg(argc, argv, 1, 1000000);
  const long service_events = arg(argc, argv, 2, 300000);
  const long instances = arg(argc, argv, 3, 100000);
  const long abi_events = arg(argc, argv, 4, 50000);
  const long batched_events = arg(argc, argv, 5, 200000);
  const long timers = arg(argc, argv, 6, 100000);
  const std::string dir = argc > 7 ? argv[7] : "/tmp";
  const long batch = arg(argc, argv, 8, 1000);
  const bool with_xstate = arg(argc, argv, 9, 1) != 0;
  const int reps = 3;
  try {
    const wf::Definition toggle = wf::Definition::compile(json::parse(kToggle).as_object());
    const wf::Definition service = wf::Definition::compile(json::parse(kService).as_object());

    std::printf("== 1. in memory: Machine::send, best of %d (toggle %ld events, service %ld)\n",
                reps, toggle_events, service_events);
    const Rate ot = run_machine(toggle, {"toggle"}, toggle_events, reps);
    const Rate os = run_machine(service, kServiceCycle, service_events, reps);
    XState x;
    if (with_xstate) x = run_xstate(toggle_events, service_events, reps);
    if (!x.ok) {
      std::printf("XState not measured: %s\n", with_xstate ? x.why.c_str() : "switched off");
      row("opora toggle", ot.per_second, "(XState not run)", 0);
      row("opora service control", os.per_second, "(XState not run)", 0);
    } else {
      row("opora toggle", ot.per_second, "XState 5 transition()", x.toggle_transition.per_second);
      row("", ot.per_second, "XState 5 actor.send()", x.toggle_actor.per_second);
      row("opora service control", os.per_second, "XState 5 transition()",
          x.service_transition.per_second);
      row("", os.per_second, "XState 5 actor.send()", x.service_actor.per_second);
      std::printf(
          "aim: >= 3x the faster XState API: toggle %s (%.2fx), service %s (%.2fx)\n",
          ot.per_second >= 3 * std::max(x.toggle_transition.per_second, x.toggle_actor.per_second)
              ? "met"
              : "NOT met",
          ot.per_second / std::max(x.toggle_transition.per_second, x.toggle_actor.per_second),
          os.per_second >= 3 * std::max(x.service_transition.per_second, x.service_actor.per_second)
              ? "met"
              : "NOT met",
          os.per_second / std::max(x.service_transition.per_second, x.service_actor.per_second));
      std::printf("final state  opora toggle %s | xstate %s\n", ot.check.c_str(),
                  x.toggle_actor.check.c_str());
      std::printf("final state  opora service %s\n             xstate service %s\n",
                  os.check.c_str(), x.service_actor.check.c_str());
    }

    std::printf(
        "\n== 2, 3. persisted (%s; send durable: synchronous=full; the rest synchronous=normal): "
        "%ld service instances, %ld "
        "deadline instances\n",
        dir.c_str(), instances, timers);
    const Persisted p = run_persisted(dir, instances, abi_events, batched_events, timers, batch);
    std::printf(
        "setup: workflow.start %ld service instances in %.2f s (%.0f /s, 10,000 per tx), "
        "%ld deadline instances in %.2f s\n",
        instances, p.start_secs, static_cast<double>(instances) / p.start_secs, timers,
        p.timer_start_secs);
    const Floor fl = run_floor(dir, instances, abi_events, batched_events, timers, batch, p);
    const double durable_floor = static_cast<double>(abi_events) / fl.durable_secs;
    const double batched_floor = static_cast<double>(batched_events) / fl.batched_secs;
    std::printf("floor rows: state %.0f B, context %.0f B, step record %.0f B\n", p.state_len,
                p.context_len, p.record_len);
    row("workflow.send via C ABI, one durable tx per event",
        static_cast<double>(p.abi_events) / p.abi_secs, "floor, durable commits (aim 0.8)",
        durable_floor);
    std::printf("%-52s %12.1f us/event, %ld events, %ld not accepted\n", "",
                1e6 * p.abi_secs / static_cast<double>(p.abi_events), p.abi_events, p.abi_refused);
    char what[96];
    std::snprintf(what, sizeof what, "workflow.send_many via C ABI, %ld per call", batch);
    row(what, static_cast<double>(p.batched_events) / p.batched_secs, "target", 50000);
    row("", static_cast<double>(p.batched_events) / p.batched_secs, "floor, same batches (aim 0.5)",
        batched_floor);
    row("", static_cast<double>(p.batched_events) / p.batched_secs, "floor + a savepoint per event",
        static_cast<double>(batched_events) / fl.savepoint_secs);
    std::printf("%-52s %12.1f us/event, %ld events, %ld not accepted\n", "",
                1e6 * p.batched_secs / static_cast<double>(p.batched_events), p.batched_events,
                p.batched_refused);
    std::printf("%-52s %12.1f us CPU/event; the floor %.1f us CPU/event (ratio %.2f)\n", "",
                1e6 * p.batched_cpu / static_cast<double>(p.batched_events),
                1e6 * fl.batched_cpu / static_cast<double>(batched_events),
                fl.batched_cpu / p.batched_cpu);
    std::printf("%-52s %12.3f s    %-34s %12.3f s    %s (%ld of %ld fired, %.0f timers/s)\n",
                "workflow.tick via C ABI, one call", p.tick_secs, "target", 2.0,
                p.tick_secs <= 2.0 && p.fired == p.timers ? "met" : "NOT met", p.fired, p.timers,
                static_cast<double>(p.fired) / p.tick_secs);
    std::printf("%-52s %12.3f s    (the floor of the same firings, one transaction)\n", "",
                fl.tick_secs);
    std::printf("%-52s %12.3f s CPU; the floor %.3f s CPU (ratio %.2f)\n", "", p.tick_cpu,
                fl.tick_cpu, fl.tick_cpu / p.tick_cpu);
    std::printf("history rows at the end: %ld; file %.0f MB\n", p.history_rows, p.file_mb);
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("peak memory (ru_maxrss): %.0f MB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  } catch (const std::exception& e) {
    die(e.what());
  }
  return 0;
}

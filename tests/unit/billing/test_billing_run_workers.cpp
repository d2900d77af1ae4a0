// A run as a work list: chunks planned up front, claimed by workers
// (billing.run.work) with leases that run out by the handle's clock, fenced
// so that a worker whose lease was taken over commits nothing, cancelled by
// their states, numbered from blocks each chunk reserves. Two handles on one
// file stand for two worker processes; their manual clocks move the leases.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "billing/billing_fixture.hpp"
#include "store/store.hpp"

using namespace opora::test::bill;

namespace {

struct WorkerFile {
  std::string path;
  explicit WorkerFile(std::string p) : path(std::move(p)) { remove(); }
  ~WorkerFile() { remove(); }
  void remove() const {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::remove((path + suffix).c_str());
  }
};

void accounts_on_net(BillingDb& b, int n) {
  b.monthly("net", "600.00");
  for (int i = 1; i <= n; ++i) {
    const std::string number = std::to_string(100000 + i);
    b.account(number);
    b.connect(number, "net", "2026-01-01");
  }
}

json::object work(BillingDb& b, const char* worker, json::object extra = {}) {
  extra["period"] = "2026-11";
  extra["worker"] = worker;
  return b.call("billing.run.work", extra);
}

// Every accrual document's number, sorted.
std::vector<std::string> numbers(BillingDb& b) {
  std::vector<std::string> out;
  const json::object found = b.call("registry.find", R"({"kind": "accrual", "limit": 1000})");
  for (const auto& d : found.at("documents").as_array())
    out.emplace_back(d.at("number").as_string());
  std::sort(out.begin(), out.end());
  return out;
}

// A chunk's row as "state owner attempts".
std::string chunk_row(const std::string& path, int64_t first) {
  const auto db = opora::store::open(path, {});
  opora::store::Connection& conn = *db;
  auto st = conn.cached(
      "SELECT state, COALESCE(owner, '-'), attempts FROM billing_run_chunk WHERE first_account = "
      "?1");
  st->bind(1, first);
  REQUIRE(st->step());
  return st->text(0) + " " + st->text(1) + " " + std::to_string(st->int64(2));
}

void exec(const std::string& path, const std::string& sql) {
  const auto db = opora::store::open(path, {});
  opora::store::Connection& conn = *db;
  conn.exec(sql);
}

// Each account billed once: one line and one document each.
void billed_once(BillingDb& b, int n) {
  for (int i = 1; i <= n; ++i) {
    const json::array lines = b.accruals(std::to_string(100000 + i));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].at("amount") == "600.00");
  }
  CHECK(b.documents() == n);
}

}  // namespace

TEST_CASE("billing.run plans its chunks up front and lists them by state") {
  BillingDb b;
  accounts_on_net(b, 5);
  const json::object r = b.call("billing.run", R"({"period": "2026-11", "chunk_size": 2})");
  CHECK(r.at("status") == "done");
  CHECK(r.at("chunks") == json::parse(R"({"pending": 0, "leased": 0, "done": 3, "cancelled": 0})"));
  const json::array runs = b.call("billing.run.list", "{}").at("runs").as_array();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].at("chunks").at("done") == 3);
}

TEST_CASE("a worker joins a running run and bills only the chunks left") {
  BillingDb b;
  accounts_on_net(b, 4);
  b.db().set_progress([](std::string_view, int64_t, int64_t) { return false; });
  const json::object first = b.call("billing.run", R"({"period": "2026-11", "chunk_size": 1})");
  b.db().set_progress({});
  CHECK(first.at("status") == "running");
  CHECK(first.at("chunks").at("pending") == 3);
  const json::object w = work(b, "w2");
  CHECK(w.at("run") == first.at("run"));
  CHECK(w.at("resumed") == true);
  CHECK(w.at("worker") == "w2");
  CHECK(w.at("chunks_done") == 3);
  CHECK(w.at("chunks_lost") == 0);
  CHECK(w.at("new_lines") == 3);
  CHECK(w.at("complete") == true);
  CHECK(w.at("status") == "done");
  CHECK(w.at("lines") == 4);
  billed_once(b, 4);
  CHECK(numbers(b).size() == 4);
}

TEST_CASE("the first worker plans the run; max_chunks stops a worker early") {
  BillingDb b;
  accounts_on_net(b, 3);
  const json::object one = work(b, "w1", {{"chunk_size", 1}, {"max_chunks", 1}});
  CHECK(one.at("resumed") == false);
  CHECK(one.at("chunks_done") == 1);
  CHECK(one.at("complete") == false);
  CHECK(one.at("status") == "running");
  CHECK(one.at("accounts") == 1);
  // billing.run finishes what is left of the same run.
  const json::object rest = b.call("billing.run", R"({"period": "2026-11"})");
  CHECK(rest.at("run") == one.at("run"));
  CHECK(rest.at("new_lines") == 2);
  CHECK(rest.at("status") == "done");
  billed_once(b, 3);
}

TEST_CASE("a worker with nothing to bill leaves no run behind") {
  BillingDb b;
  accounts_on_net(b, 2);
  b.run("2026-11");
  const json::object w = work(b, "w1");
  CHECK(w.at("status") == "nothing_to_bill");
  CHECK(w.at("run").is_null());
  CHECK(w.at("new_lines") == 0);
  CHECK(b.call("billing.run.list", "{}").at("runs").as_array().size() == 1);
}

TEST_CASE("a worker whose lease ran out and was taken over commits nothing of its chunk") {
  const WorkerFile file("/tmp/opora-unit-billing-workers-fence.db");
  BillingDb a(BillingDb::kDefaultOptions, file.path);
  BillingDb b(BillingDb::kDefaultOptions, file.path);
  accounts_on_net(a, 3);
  int calls = 0;
  json::object taken_over;
  // A has claimed chunk 1 (a 60-second lease) and reserved its numbers; before
  // it bills, B comes eleven minutes later, finds the lease run out, takes the
  // chunk over and bills it.
  a.db().set_progress([&](std::string_view method, int64_t, int64_t) {
    CHECK(method == "billing.run.work");
    if (++calls == 1) {
      b.set_clock("2026-11-01T09:11:00Z");
      taken_over = work(b, "B", {{"lease_seconds", 60}, {"max_chunks", 1}});
    }
    return true;
  });
  const json::object r = work(a, "A", {{"chunk_size", 1}, {"lease_seconds", 60}});
  CHECK(taken_over.at("chunks_done") == 1);
  CHECK(taken_over.at("accounts") == 1);
  CHECK(r.at("chunks_lost") == 1);
  CHECK(r.at("chunks_done") == 2);
  CHECK(r.at("status") == "done");
  CHECK(r.at("lines") == 3);
  CHECK(chunk_row(file.path, 1) == "done B 2");
  CHECK(chunk_row(file.path, 2) == "done A 1");
  billed_once(a, 3);
  // B billed chunk 1 with the number A had reserved for it: none skipped.
  // (The accrual kind's pattern is НЧ-{yyyy}-{seq:08}.)
  CHECK(numbers(a) ==
        std::vector<std::string>{"НЧ-2026-00000001", "НЧ-2026-00000002", "НЧ-2026-00000003"});
  CHECK(
      a.call("registry.number.next", R"({"kind": "accrual", "date": "2026-11-01"})").at("number") ==
      "НЧ-2026-00000004");
}

TEST_CASE("a live lease is not taken: the other worker bills the next chunk") {
  const WorkerFile file("/tmp/opora-unit-billing-workers-live.db");
  BillingDb a(BillingDb::kDefaultOptions, file.path);
  BillingDb b(BillingDb::kDefaultOptions, file.path);
  accounts_on_net(a, 3);
  int calls = 0;
  json::object other;
  a.db().set_progress([&](std::string_view, int64_t, int64_t) {
    if (++calls == 1) {
      b.set_clock("2026-11-01T09:00:30Z");
      other = work(b, "B", {{"lease_seconds", 60}, {"max_chunks", 1}});
    }
    return true;
  });
  const json::object r = work(a, "A", {{"chunk_size", 1}, {"lease_seconds", 60}});
  CHECK(other.at("chunks_done") == 1);
  CHECK(r.at("chunks_lost") == 0);
  CHECK(r.at("chunks_done") == 2);
  CHECK(chunk_row(file.path, 1) == "done A 1");
  CHECK(chunk_row(file.path, 2) == "done B 1");
  CHECK(chunk_row(file.path, 3) == "done A 1");
  billed_once(a, 3);
}

TEST_CASE("a chunk held by a dead worker is taken over once its lease runs out") {
  const WorkerFile file("/tmp/opora-unit-billing-workers-dead.db");
  BillingDb b(BillingDb::kDefaultOptions, file.path);
  accounts_on_net(b, 3);
  work(b, "planner", {{"chunk_size", 1}, {"max_chunks", 1}});
  // A worker claimed chunk 2 and died: its lease lasts until 09:10.
  exec(file.path,
       "UPDATE billing_run_chunk SET state = 'leased', owner = 'dead', token = token + 1, "
       "attempts = 1, lease_until = '2026-11-01T09:10:00Z' WHERE first_account = 2");
  const json::object early = work(b, "w1");
  CHECK(early.at("chunks_done") == 1);  // chunk 3
  CHECK(early.at("complete") == false);
  CHECK(early.at("status") == "running");
  CHECK(early.at("chunks").at("leased") == 1);
  CHECK(b.accruals("100002").empty());
  b.set_clock("2026-11-01T09:10:00Z");
  const json::object late = work(b, "w1");
  CHECK(late.at("chunks_done") == 1);
  CHECK(late.at("complete") == true);
  CHECK(late.at("status") == "done");
  CHECK(chunk_row(file.path, 2) == "done w1 2");
  billed_once(b, 3);
}

TEST_CASE("a restarted worker takes back the chunk its name held at once") {
  const WorkerFile file("/tmp/opora-unit-billing-workers-restart.db");
  BillingDb b(BillingDb::kDefaultOptions, file.path);
  accounts_on_net(b, 2);
  work(b, "planner", {{"chunk_size", 1}, {"max_chunks", 1}});
  exec(file.path,
       "UPDATE billing_run_chunk SET state = 'leased', owner = 'w1', token = token + 1, "
       "attempts = 1, lease_until = '2026-11-01T10:00:00Z' WHERE first_account = 2");
  CHECK(work(b, "w2").at("chunks_done") == 0);
  const json::object r = work(b, "w1");
  CHECK(r.at("chunks_done") == 1);
  CHECK(r.at("status") == "done");
  billed_once(b, 2);
}

TEST_CASE("cancelling a running run stops its claims and reverses its done chunks") {
  BillingDb b;
  accounts_on_net(b, 3);
  const json::object first = work(b, "w1", {{"chunk_size", 1}, {"max_chunks", 1}});
  const json::object c = b.cancel(first.at("run").as_int64());
  CHECK(c.at("status") == "cancelled");
  CHECK(c.at("lines_reversed") == 1);
  CHECK(c.at("chunks") == json::parse(R"({"pending": 0, "leased": 0, "done": 1, "cancelled": 2})"));
  CHECK(b.balance_of("100001") == 0);
  CHECK(b.accruals("100002").empty());
  // The period is billed afresh by a new run.
  const json::object again = work(b, "w1");
  CHECK(again.at("run") != first.at("run"));
  CHECK(again.at("new_lines") == 3);
}

TEST_CASE("a worker given the run never starts another once it is done") {
  BillingDb b;
  accounts_on_net(b, 2);
  const int64_t run = b.run("2026-11").at("run").as_int64();
  const json::object late = b.call("billing.run.work", json::object{{"run", run}, {"worker", "w"}});
  CHECK(late.at("run") == run);
  CHECK(late.at("status") == "done");
  CHECK(late.at("chunks_done") == 0);
  CHECK(late.at("new_lines") == 0);
  CHECK(late.at("complete") == true);
  const opora::Error e = b.error("billing.run.work", R"({"run": 99, "worker": "w"})");
  CHECK(e.code() == opora::ErrorCode::not_found);
  CHECK(has_error(e, "run", "unknown_run"));
}

TEST_CASE("billing.run.work refuses a bad worker, lease, period or run") {
  BillingDb b;
  CHECK(b.error("billing.run.work", R"({"period": "2026-11"})").code() ==
        opora::ErrorCode::invalid);
  CHECK(has_error(b.error("billing.run.work", R"({"worker": "w"})"), "period", "required"));
  CHECK(has_error(b.error("billing.run.work", R"({"worker": "w", "run": 1, "period": "2026-11"})"),
                  "run", "conflict"));
  CHECK(b.error("billing.run.work", R"({"period": "2026-11", "worker": ""})").code() ==
        opora::ErrorCode::invalid);
  CHECK(b.error("billing.run.work", R"({"period": "2026-11", "worker": "w", "lease_seconds": 0})")
            .code() == opora::ErrorCode::invalid);
  CHECK(has_error(b.error("billing.run.work", R"({"period": "2026-13", "worker": "w"})"), "period",
                  "period"));
}

// The work list of a billing run: planned chunks, leases, fencing tokens
// (the storage behind run.cpp; see run_chunks.hpp).
#include "billing/run_chunks.hpp"

#include <boost/json.hpp>

#include "core/json_text.hpp"
#include "store/store.hpp"

namespace opora::billing::run_chunks {
namespace json = boost::json;

std::optional<Plan> find_running(store::Connection& conn, const std::string& period) {
  auto st = conn.cached(
      "SELECT id, chunk_size, documents FROM billing_run WHERE period = ?1 AND status = "
      "'running'");
  st->bind(1, period);
  if (!st->step()) return std::nullopt;
  return Plan{st->int64(0), st->int64(1), st->int64(2) != 0};
}

std::optional<std::pair<Plan, std::string>> find(store::Connection& conn, int64_t run) {
  auto st = conn.cached("SELECT chunk_size, documents, period FROM billing_run WHERE id = ?1");
  st->bind(1, run);
  if (!st->step()) return std::nullopt;
  return std::make_pair(Plan{run, st->int64(0), st->int64(1) != 0}, st->text(2));
}

Plan plan(store::Connection& conn, const std::string& period, int64_t chunk_size, bool documents,
          const std::string& now, const std::optional<std::string>& actor) {
  std::optional<Plan> p = find_running(conn, period);
  if (!p) {
    auto st = conn.cached(
        "INSERT INTO billing_run (period, status, started_at, actor, chunk_size, documents) "
        "VALUES (?1, 'running', ?2, ?3, ?4, ?5)");
    st->bind(1, period).bind(2, now).bind(4, chunk_size);
    st->bind(5, static_cast<int64_t>(documents ? 1 : 0));
    if (actor)
      st->bind(3, *actor);
    else
      st->bind_null(3);
    st->run();
    p = Plan{conn.last_insert_rowid(), chunk_size, documents};
  }
  int64_t planned = 0;
  int64_t last = 0;
  {
    auto st = conn.cached(
        "SELECT (SELECT COALESCE(MAX(last_account), 0) FROM billing_run_chunk WHERE run_id = ?1), "
        "(SELECT COALESCE(MAX(id), 0) FROM billing_account)");
    st->bind(1, p->run);
    st->step();
    planned = st->int64(0);
    last = st->int64(1);
  }
  auto ins = conn.cached(
      "INSERT INTO billing_run_chunk (run_id, first_account, last_account, state, token, "
      "attempts, accounts, lines) VALUES (?1, ?2, ?3, 'pending', 0, 0, 0, 0)");
  for (int64_t lo = planned + 1; lo <= last; lo += p->chunk_size) {
    ins->bind(1, p->run).bind(2, lo).bind(3, std::min(last, lo + p->chunk_size - 1));
    ins->run();
    ins->reset();
  }
  return *p;
}

std::vector<std::pair<int64_t, int64_t>> open_ranges(store::Connection& conn, int64_t run) {
  std::vector<std::pair<int64_t, int64_t>> out;
  auto st = conn.cached(
      "SELECT first_account, last_account FROM billing_run_chunk WHERE run_id = ?1 AND state IN "
      "('pending', 'leased') ORDER BY first_account");
  st->bind(1, run);
  while (st->step()) out.emplace_back(st->int64(0), st->int64(1));
  return out;
}

std::optional<Claimed> claim(store::Connection& conn, int64_t run, const std::string& worker,
                             const std::string& now, const std::string& lease_until,
                             bool reclaim_own) {
  // One statement picks and takes the chunk, so no other claim can take it
  // between the two (on PostgreSQL the suffix locks the picked row and makes
  // other claims skip it).
  const std::string sql =
      std::string(
          "UPDATE billing_run_chunk SET state = 'leased', owner = ?2, lease_until = ?4, "
          "token = token + 1, attempts = attempts + 1 WHERE run_id = ?1 AND first_account = ("
          "SELECT first_account FROM billing_run_chunk WHERE run_id = ?1 AND (state = 'pending' "
          "OR (state = 'leased' AND (lease_until <= ?3 OR (?5 = 1 AND owner = ?2)))) "
          "ORDER BY first_account LIMIT 1") +
      std::string(conn.skip_locked()) + ") RETURNING first_account, last_account, token, attempts";
  // Beside other workers' claims and chunks: the claim locks only the row it takes.
  store::Transaction tx(conn, store::Transaction::Mode::concurrent);
  std::optional<Claimed> out;
  {
    auto st = conn.cached(sql);
    st->bind(1, run).bind(2, worker).bind(3, now).bind(4, lease_until);
    st->bind(5, static_cast<int64_t>(reclaim_own ? 1 : 0));
    if (st->step()) out = Claimed{run, st->int64(0), st->int64(1), st->int64(2), st->int64(3)};
  }
  tx.commit();
  return out;
}

Held held(store::Connection& conn, const Claimed& c) {
  Held h;
  // The row stays locked until the transaction ends: beside other workers
  // (PostgreSQL) no claim can take the chunk while its holder bills it.
  auto st = conn.cached(
      "SELECT state = 'leased' AND token = ?3, numbers FROM billing_run_chunk WHERE run_id = ?1 "
      "AND first_account = ?2" +
      std::string(conn.for_update()));
  st->bind(1, c.run).bind(2, c.first).bind(3, c.token);
  if (!st->step()) return h;  // the run was removed or cancelled under it
  h.ours = st->int64(0) != 0;
  if (!st->is_null(1)) {
    const json::value stored = parse_stored(st->text(1));
    for (const auto& [scope, list] : stored.as_object()) {
      auto& numbers = h.numbers[std::string(scope)];
      for (const auto& n : list.as_array()) numbers.emplace_back(n.as_string());
    }
  }
  return h;
}

void save_numbers(store::Connection& conn, const Claimed& c, const Numbers& numbers) {
  json::object o;
  for (const auto& [scope, list] : numbers) o[scope] = json::array(list.begin(), list.end());
  auto st = conn.cached(
      "UPDATE billing_run_chunk SET numbers = ?3 WHERE run_id = ?1 AND first_account = ?2");
  st->bind(1, c.run).bind(2, c.first).bind(3, json::serialize(o));
  st->run();
}

bool finish(store::Connection& conn, const Claimed& c, int64_t accounts, int64_t lines,
            const std::string& now) {
  // The fencing check: the chunk is done only by the claim that holds it.
  auto st = conn.cached(
      "UPDATE billing_run_chunk SET state = 'done', accounts = ?4, lines = ?5, finished_at = ?6, "
      "lease_until = NULL WHERE run_id = ?1 AND first_account = ?2 AND token = ?3 AND state = "
      "'leased'");
  st->bind(1, c.run).bind(2, c.first).bind(3, c.token).bind(4, accounts).bind(5, lines);
  st->bind(6, now);
  st->run();
  return conn.changes() == 1;
}

void release(store::Connection& conn, const Claimed& c) {
  // Only the chunk's own row: beside the other workers' chunks.
  store::Transaction tx(conn, store::Transaction::Mode::concurrent);
  auto st = conn.cached(
      "UPDATE billing_run_chunk SET state = 'pending', lease_until = NULL WHERE run_id = ?1 AND "
      "first_account = ?2 AND token = ?3 AND state = 'leased'");
  st->bind(1, c.run).bind(2, c.first).bind(3, c.token);
  st->run();
  tx.commit();
}

namespace {

void remove_run(store::Connection& conn, int64_t run) {
  for (const char* sql : {"DELETE FROM billing_run_chunk_total WHERE run_id = ?1",
                          "DELETE FROM billing_run_chunk WHERE run_id = ?1",
                          "DELETE FROM billing_run WHERE id = ?1"}) {
    auto st = conn.cached(sql);
    st->bind(1, run);
    st->run();
  }
}

// Chunks still to bill or held, and lines posted, of a running run.
struct Standing {
  bool exists = false, running = false;
  int64_t open = 0, leased = 0, lines = 0;
};

Standing standing(store::Connection& conn, int64_t run) {
  Standing s;
  auto st = conn.cached(
      "SELECT status = 'running', (SELECT COUNT(*) FROM billing_run_chunk WHERE run_id = r.id AND "
      "state IN ('pending', 'leased')), (SELECT COUNT(*) FROM billing_run_chunk WHERE run_id = "
      "r.id AND state = 'leased'), (SELECT COALESCE(SUM(lines), 0) FROM billing_run_chunk WHERE "
      "run_id = r.id) FROM billing_run r WHERE id = ?1");
  st->bind(1, run);
  if (!st->step()) return s;
  s.exists = true;
  s.running = st->int64(0) != 0;
  s.open = st->int64(1);
  s.leased = st->int64(2);
  s.lines = st->int64(3);
  return s;
}

}  // namespace

Settled settle(store::Connection& conn, int64_t run, const std::string& now) {
  const Standing s = standing(conn, run);
  if (!s.exists) return Settled::removed;
  if (!s.running) return Settled::done;  // done, or cancelled
  if (s.open > 0) return Settled::running;
  if (s.lines == 0) {
    remove_run(conn, run);
    return Settled::removed;
  }
  auto st = conn.cached(
      "UPDATE billing_run SET status = 'done', finished_at = ?2 WHERE id = ?1 AND status = "
      "'running'");
  st->bind(1, run).bind(2, now);
  st->run();
  return Settled::done;
}

bool discard_if_empty(store::Connection& conn, int64_t run, const std::string& now) {
  store::Transaction tx(conn);
  const Standing s = standing(conn, run);
  bool removed = false;
  if (s.running && s.lines == 0 && s.leased == 0) {
    remove_run(conn, run);
    removed = true;
  } else if (s.running) {
    removed = settle(conn, run, now) == Settled::removed;
  }
  tx.commit();
  return removed;
}

void cancel_open(store::Connection& conn, int64_t run) {
  auto st = conn.cached(
      "UPDATE billing_run_chunk SET state = 'cancelled', lease_until = NULL WHERE run_id = ?1 "
      "AND state IN ('pending', 'leased')");
  st->bind(1, run);
  st->run();
}

std::pair<int64_t, int64_t> progress(store::Connection& conn, int64_t run) {
  auto st = conn.cached(
      "SELECT COALESCE(SUM(CASE WHEN state = 'done' THEN last_account - first_account + 1 END), "
      "0), COALESCE(MAX(last_account), 0) FROM billing_run_chunk WHERE run_id = ?1");
  st->bind(1, run);
  st->step();
  return {st->int64(0), st->int64(1)};
}

json::object states(store::Connection& conn, int64_t run) {
  json::object o{{"pending", 0}, {"leased", 0}, {"done", 0}, {"cancelled", 0}};
  auto st =
      conn.cached("SELECT state, COUNT(*) FROM billing_run_chunk WHERE run_id = ?1 GROUP BY state");
  st->bind(1, run);
  while (st->step()) o[st->text(0)] = st->int64(1);
  return o;
}

}  // namespace opora::billing::run_chunks

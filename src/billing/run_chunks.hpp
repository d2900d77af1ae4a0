// A billing run's work list: its chunks (ranges of account ids) planned when
// the run starts, claimed one at a time by any number of workers with a
// lease, and fenced by a token, so that a worker whose lease ran out and was
// taken over cannot commit the chunk. The run's progress, its end and its
// cancellation are read from the chunks' states. The SQL is written once for
// both engines; the only difference, the row lock a claim skips on
// PostgreSQL, is store::Connection::skip_locked(). Storage for run.cpp.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace opora::store {
class Connection;
}

namespace opora::billing::run_chunks {

// The run of a period that is still running, if any.
struct Plan {
  int64_t run = 0;
  int64_t chunk_size = 0;
  bool documents = true;
};
std::optional<Plan> find_running(store::Connection& conn, const std::string& period);
// Any run, with its period.
std::optional<std::pair<Plan, std::string>> find(store::Connection& conn, int64_t run);

// In the caller's transaction: the running run of `period` with chunks up to
// the last account opened (a new run, or the chunks of accounts opened since
// it was planned appended to it).
Plan plan(store::Connection& conn, const std::string& period, int64_t chunk_size, bool documents,
          const std::string& now, const std::optional<std::string>& actor);

// Ranges of accounts (first, last) the run still has to bill.
std::vector<std::pair<int64_t, int64_t>> open_ranges(store::Connection& conn, int64_t run);

struct Claimed {
  int64_t run = 0;
  int64_t first = 0, last = 0;  // account ids, inclusive
  int64_t token = 0;            // the claim's fencing token
  int64_t attempts = 0;
};

// One short write transaction of its own: takes the first chunk (by
// account) that is pending or whose lease ended by `now`, or, with
// `reclaim_own`, one leased to `worker` itself (a worker that restarted:
// whatever its name held died with it). Returns nothing when no chunk is
// free.
std::optional<Claimed> claim(store::Connection& conn, int64_t run, const std::string& worker,
                             const std::string& now, const std::string& lease_until,
                             bool reclaim_own);

// In the caller's transaction: whether the claim still holds (the chunk is
// leased with the claim's token), and the document numbers reserved for it
// (sequence scope -> numbers, in order).
using Numbers = std::map<std::string, std::vector<std::string>>;
struct Held {
  bool ours = false;
  Numbers numbers;
};
Held held(store::Connection& conn, const Claimed& c);
void save_numbers(store::Connection& conn, const Claimed& c, const Numbers& numbers);

// In the chunk's transaction: marks it done with its counts, only while the
// claim holds. False when the lease was lost: the caller rolls back.
bool finish(store::Connection& conn, const Claimed& c, int64_t accounts, int64_t lines,
            const std::string& now);

// Gives a chunk back after its worker failed on it (pending again), in a
// transaction of its own; nothing when the claim no longer holds.
void release(store::Connection& conn, const Claimed& c);

// How a run ends, once no chunk is left to bill (in the caller's
// transaction): done, or removed when it posted nothing (a period with
// nothing to bill leaves no run behind). `running` while chunks are left;
// `done` too for a run already done or cancelled, `removed` for one gone.
enum class Settled { running, done, removed };
Settled settle(store::Connection& conn, int64_t run, const std::string& now);

// Removes a run that posted nothing and that no worker holds a chunk of
// (a run whose only chunk failed leaves nothing behind); true if it did.
bool discard_if_empty(store::Connection& conn, int64_t run, const std::string& now);

// Cancels every chunk not done: no worker claims them any more, and a
// worker billing one of them fails its fencing check and rolls back.
void cancel_open(store::Connection& conn, int64_t run);

// Accounts covered by done chunks and the last account planned: progress.
std::pair<int64_t, int64_t> progress(store::Connection& conn, int64_t run);

// {pending, leased, done, cancelled}: the chunks of a run by state.
boost::json::object states(store::Connection& conn, int64_t run);

}  // namespace opora::billing::run_chunks

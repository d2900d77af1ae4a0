#include "store/store.hpp"

#include <utility>

#include "core/error.hpp"
#include "store/sqlite.hpp"
#ifdef OPORA_WITH_POSTGRESQL
#include "store/postgres.hpp"
#endif

namespace opora::store {
namespace {

OpenHook& open_hook() {
  static OpenHook hook;
  return hook;
}

}  // namespace

CachedStatement Connection::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, prepare(sql)).first;
  return CachedStatement(*it->second);
}

std::vector<int64_t> Connection::reserve_ids(std::string_view table, size_t n) {
  auto st = cached("SELECT coalesce(max(id), 0) FROM " + std::string(table));
  st->step();
  const int64_t last = st->int64(0);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = last + 1 + static_cast<int64_t>(i);
  return ids;
}

// ---------------------------------------------------------- Transaction --

Transaction::Transaction(Connection& conn, Mode mode) : conn_(conn), depth_(conn.tx_depth_) {
  if (depth_ == 0) {
    conn_.begin(mode);
    conn_.tx_mode_ = mode;
  } else
    conn_.savepoint(depth_);
  ++conn_.tx_depth_;
}

Transaction::~Transaction() {
  if (done_) return;
  --conn_.tx_depth_;
  ++conn_.rollbacks_;
  if (depth_ == 0)
    conn_.rollback_outermost();
  else
    conn_.rollback_to(depth_);
}

void Transaction::commit() {
  if (done_) throw Error(ErrorCode::internal, "transaction committed twice");
  if (depth_ == 0)
    conn_.commit_outermost();
  else
    conn_.release(depth_);
  done_ = true;
  --conn_.tx_depth_;
}

// ----------------------------------------------------------------- open --

bool is_postgresql_target(std::string_view target) noexcept {
  return target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0;
}

void set_open_hook(OpenHook hook) {
  open_hook() = std::move(hook);
}

std::unique_ptr<Connection> open(std::string target, ConnectionOptions options) {
  if (open_hook()) open_hook()(target, options);
  if (is_postgresql_target(target)) {
#ifdef OPORA_WITH_POSTGRESQL
    return std::make_unique<PgConnection>(target, options);
#else
    throw Error(ErrorCode::invalid,
                "this build of opora has no PostgreSQL engine (built without libpq); "
                "open a SQLite file instead");
#endif
  }
  if (!options.schema.empty()) {
    std::string msg =
        "schema applies to a PostgreSQL database; a SQLite file is one database by itself";
    throw Error(ErrorCode::invalid, msg, {FieldError{"schema", "postgresql_only", msg}});
  }
  return std::make_unique<SqliteConnection>(target, options);
}

}  // namespace opora::store

#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <limits>

#include "core/error.hpp"

namespace opora::store {
namespace {

ErrorCode map_code(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::busy;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return ErrorCode::corrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return ErrorCode::io;
    case SQLITE_CONSTRAINT:
      return ErrorCode::conflict;
    case SQLITE_NOMEM:
      return ErrorCode::no_memory;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return ErrorCode::invalid;
    default:
      return ErrorCode::generic;
  }
}

int to_int_size(std::string_view s) {
  if (s.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error(ErrorCode::invalid, "text too large for the database");
  return static_cast<int>(s.size());
}

}  // namespace

const char* sqlite_version() noexcept {
  return sqlite3_libversion();
}

void throw_sqlite(int rc, sqlite3* db, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(map_code(rc), std::move(msg));
}

// ------------------------------------------------------------ Statement --

Statement::Statement(Connection& conn, std::string_view sql) : conn_(conn) {
  const int rc = sqlite3_prepare_v3(conn_.raw(), sql.data(), to_int_size(sql),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(rc, conn_.raw(), "prepare");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) throw_sqlite(rc, conn_.raw(), "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text(stmt_, index, value.data(), to_int_size(value), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_sqlite(rc, conn_.raw(), "bind");
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view value) {
  const int rc = sqlite3_bind_text(stmt_, index, value.data(), to_int_size(value), SQLITE_STATIC);
  if (rc != SQLITE_OK) throw_sqlite(rc, conn_.raw(), "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_sqlite(rc, conn_.raw(), "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) throw_sqlite(rc, conn_.raw(), "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(rc, conn_.raw(), "step");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

// ----------------------------------------------------------- Connection --

Connection::Connection(const std::string& path, const ConnectionOptions& options) {
  // opora serialises calls per handle itself, so SQLite's own mutex is not needed.
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open database \"" + path + "\": ";
    msg += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(map_code(rc), std::move(msg));
  }
  try {
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    sqlite3_extended_result_codes(db_, 1);
    // Reading the schema first makes a non-database file fail here, clearly.
    exec("SELECT count(*) FROM sqlite_schema");
    if (!options.read_only) exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA foreign_keys=ON");
    exec("PRAGMA cache_size=-16384");  // 16 MiB: instances and their indexes stay in memory
    // Statement journals (a savepoint per applied exchange object, per
    // workflow event) in memory rather than in temporary files.
    exec("PRAGMA temp_store=MEMORY");
    exec(options.synchronous == Synchronous::full ? "PRAGMA synchronous=FULL"
                                                  : "PRAGMA synchronous=NORMAL");
  } catch (...) {
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  cache_.clear();  // finalize statements before closing
  if (db_ != nullptr) {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }
}

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(map_code(rc), "database: " + msg);
  }
}

CachedStatement Connection::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<Statement>(*this, sql)).first;
  return CachedStatement(*it->second);
}

int64_t Connection::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_);
}
int Connection::changes() const noexcept {
  return sqlite3_changes(db_);
}
bool Connection::read_only() const noexcept {
  return sqlite3_db_readonly(db_, "main") == 1;
}

bool Connection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

int64_t Connection::data_version() {
  auto st = cached("PRAGMA data_version");
  st->step();
  return st->int64(0);
}

// ---------------------------------------------------------- Transaction --

Transaction::Transaction(Connection& conn, Mode mode) : conn_(conn), depth_(conn.tx_depth_) {
  if (depth_ == 0)
    conn_.exec(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  else
    conn_.cached("SAVEPOINT opora_sp" + std::to_string(depth_))->run();
  ++conn_.tx_depth_;
}

Transaction::~Transaction() {
  if (done_) return;
  --conn_.tx_depth_;
  ++conn_.rollbacks_;
  // A failed rollback leaves nothing better to do in a destructor; SQLite
  // rolls back an abandoned transaction when the connection closes.
  if (depth_ == 0) {
    sqlite3_exec(conn_.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
  } else {
    const std::string sp = "opora_sp" + std::to_string(depth_);
    sqlite3_exec(conn_.raw(), ("ROLLBACK TO " + sp + "; RELEASE " + sp).c_str(), nullptr, nullptr,
                 nullptr);
  }
}

void Transaction::commit() {
  if (done_) throw Error(ErrorCode::internal, "transaction committed twice");
  if (depth_ == 0)
    conn_.exec("COMMIT");
  else
    conn_.cached("RELEASE opora_sp" + std::to_string(depth_))->run();
  done_ = true;
  --conn_.tx_depth_;
}

}  // namespace opora::store

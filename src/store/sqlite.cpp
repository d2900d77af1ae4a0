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

SqliteStatement::SqliteStatement(SqliteConnection& conn, std::string_view sql) : db_(conn.raw()) {
  const int rc = sqlite3_prepare_v3(db_, sql.data(), to_int_size(sql), SQLITE_PREPARE_PERSISTENT,
                                    &stmt_, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(rc, db_, "prepare");
}

SqliteStatement::~SqliteStatement() {
  sqlite3_finalize(stmt_);
}

Statement& SqliteStatement::bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) throw_sqlite(rc, db_, "bind");
  return *this;
}

Statement& SqliteStatement::bind(int index, std::string_view value) {
  const int rc =
      sqlite3_bind_text(stmt_, index, value.data(), to_int_size(value), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_sqlite(rc, db_, "bind");
  return *this;
}

Statement& SqliteStatement::bind_static(int index, std::string_view value) {
  const int rc = sqlite3_bind_text(stmt_, index, value.data(), to_int_size(value), SQLITE_STATIC);
  if (rc != SQLITE_OK) throw_sqlite(rc, db_, "bind");
  return *this;
}

Statement& SqliteStatement::bind_blob(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_sqlite(rc, db_, "bind");
  return *this;
}

Statement& SqliteStatement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) throw_sqlite(rc, db_, "bind");
  return *this;
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(rc, db_, "step");
}

void SqliteStatement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool SqliteStatement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t SqliteStatement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string SqliteStatement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::string SqliteStatement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

// ----------------------------------------------------------- Connection --

SqliteConnection::SqliteConnection(const std::string& path, const ConnectionOptions& options) {
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
    drop_statements();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteConnection::~SqliteConnection() {
  drop_statements();  // finalize statements before closing
  if (db_ != nullptr) {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close_v2(db_);
  }
}

void SqliteConnection::exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(map_code(rc), "database: " + msg);
  }
}

std::unique_ptr<Statement> SqliteConnection::prepare(std::string_view sql) {
  return std::make_unique<SqliteStatement>(*this, sql);
}

int64_t SqliteConnection::last_insert_rowid() {
  return sqlite3_last_insert_rowid(db_);
}
int SqliteConnection::changes() const noexcept {
  return sqlite3_changes(db_);
}
bool SqliteConnection::read_only() const noexcept {
  return sqlite3_db_readonly(db_, "main") == 1;
}

bool SqliteConnection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

int64_t SqliteConnection::data_version() {
  auto st = cached("PRAGMA data_version");
  st->step();
  return st->int64(0);
}

// ------------------------------------------------------ transactions --

void SqliteConnection::begin(TransactionMode mode) {
  exec(mode == TransactionMode::deferred ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE");
}

void SqliteConnection::commit_outermost() {
  exec("COMMIT");
}

void SqliteConnection::rollback_outermost() noexcept {
  // A failed rollback leaves nothing better to do; SQLite rolls back an
  // abandoned transaction when the connection closes.
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteConnection::savepoint(int depth) {
  cached("SAVEPOINT opora_sp" + std::to_string(depth))->run();
}

void SqliteConnection::release(int depth) {
  cached("RELEASE opora_sp" + std::to_string(depth))->run();
}

void SqliteConnection::rollback_to(int depth) noexcept {
  const std::string sp = "opora_sp" + std::to_string(depth);
  sqlite3_exec(db_, ("ROLLBACK TO " + sp + "; RELEASE " + sp).c_str(), nullptr, nullptr, nullptr);
}

// ------------------------------------------------------------ catalogue --

std::vector<std::string> SqliteConnection::tables() {
  // pragma_table_list tells an FTS5 table ("virtual") from the tables that
  // keep its index ("shadow"), which are the module's business of its own.
  auto st = cached(
      "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual') "
      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  std::vector<std::string> names;
  while (st->step()) names.push_back(st->text(0));
  return names;
}

std::vector<Column> SqliteConnection::columns(std::string_view table) {
  std::vector<Column> out;
  {
    auto kind = cached("SELECT type FROM pragma_table_list WHERE schema = 'main' AND name = ?1");
    kind->bind(1, table);
    if (kind->step() && kind->text(0) == "virtual")
      out.push_back(Column{"rowid", Column::Type::integer, 1});
  }
  auto st = cached("SELECT name, upper(type), pk FROM pragma_table_info(?1) ORDER BY cid");
  st->bind(1, table);
  while (st->step()) {
    // SQLite's affinity rules, by the declared type's name.
    const std::string type = st->text(1);
    const Column::Type t = type.find("INT") != std::string::npos    ? Column::Type::integer
                           : type.find("BLOB") != std::string::npos ? Column::Type::blob
                                                                    : Column::Type::text;
    out.push_back(Column{st->text(0), t, static_cast<int>(st->int64(2))});
  }
  return out;
}

}  // namespace opora::store

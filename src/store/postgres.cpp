#include "store/postgres.hpp"

#include <libpq-fe.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "store/sql_text.hpp"

namespace opora::store {
namespace pg_detail {

// Type oids (pg_type.dat); libpq's headers do not carry them.
constexpr Oid kBool = 16;
constexpr Oid kBytea = 17;
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;

ErrorCode map_sqlstate(const char* state) noexcept {
  if (state == nullptr || std::strlen(state) != 5) return ErrorCode::io;  // no server answer
  const std::string_view s(state);
  // Serialisation failure, deadlock, lock timeout, statement timeout.
  if (s == "40001" || s == "40P01" || s == "55P03" || s == "57014") return ErrorCode::busy;
  if (s == "42P06" || s == "42P07" || s == "42710") return ErrorCode::conflict;  // exists already
  if (s == "54000" || s == "22001" || s == "22003") return ErrorCode::invalid;
  if (s == "53200") return ErrorCode::no_memory;
  const std::string_view cls = s.substr(0, 2);
  if (cls == "23") return ErrorCode::conflict;
  if (cls == "08" || cls == "53" || cls == "57" || cls == "58") return ErrorCode::io;
  if (cls == "22") return ErrorCode::invalid;
  if (cls == "25") return ErrorCode::state;  // e.g. 25P02: the transaction is aborted
  return ErrorCode::generic;
}

int to_int(size_t n) {
  if (n > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error(ErrorCode::invalid, "value too large for the database");
  return static_cast<int>(n);
}

}  // namespace pg_detail

std::string pg_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int highest = 0;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (const size_t skip = end_of_quoted(sql, i); skip != i) {
      out.append(sql.substr(i, skip - i));  // quoted text, quoted names, comments as they are
      i = skip;
    } else if (c == '?') {
      size_t j = i + 1;
      int n = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9' && n < 100000)
        n = n * 10 + (sql[j++] - '0');
      if (j == i + 1) n = highest + 1;  // a bare ? is one more than the largest so far
      if (n > highest) highest = n;
      out += '$';
      out += std::to_string(n);
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// ----------------------------------------------------------- PgStatement --

PgStatement::PgStatement(PgConnection& conn, std::string_view sql)
    : conn_(conn), sql_(pg_placeholders(sql)) {}

PgStatement::~PgStatement() {
  PQclear(result_);
  // The server frees prepared statements with the session; a long-lived
  // connection that drops statements would DEALLOCATE here.
}

PgStatement::Param& PgStatement::slot(int index) {
  if (index < 1 || index > 65535)
    throw Error(ErrorCode::invalid, "bind: parameter index out of range");
  const auto i = static_cast<size_t>(index - 1);
  if (params_.size() <= i) params_.resize(i + 1);
  return params_[i];
}

Statement& PgStatement::bind(int index, int64_t value) {
  Param& p = slot(index);
  p.value = std::to_string(value);
  p.null = false;
  p.type = pg_detail::kInt8;
  p.format = 0;
  return *this;
}

Statement& PgStatement::bind(int index, std::string_view value) {
  if (value.find('\0') != std::string_view::npos)
    throw Error(ErrorCode::invalid, "text with a NUL character cannot be stored in PostgreSQL");
  Param& p = slot(index);
  p.value.assign(value.data(), value.size());
  p.null = false;
  p.type = pg_detail::kText;
  p.format = 0;
  return *this;
}

Statement& PgStatement::bind_blob(int index, std::string_view bytes) {
  Param& p = slot(index);
  p.value.assign(bytes.data(), bytes.size());
  p.null = false;
  p.type = pg_detail::kBytea;
  p.format = 1;
  return *this;
}

Statement& PgStatement::bind_null(int index) {
  slot(index).null = true;  // the slot keeps its type: the prepared types stay the same
  return *this;
}

void PgStatement::execute() {
  const int n = pg_detail::to_int(params_.size());
  types_.clear();
  values_.clear();
  lengths_.clear();
  formats_.clear();
  for (const Param& p : params_) {
    // A parameter never bound but as NULL goes untyped: the server infers
    // its type from where it stands (a column it is inserted into).
    types_.push_back(p.type);
    values_.push_back(p.null ? nullptr : p.value.data());
    lengths_.push_back(p.null ? 0 : pg_detail::to_int(p.value.size()));
    formats_.push_back(p.format);
  }
  // One server-side statement per signature of parameter types.
  auto it = names_.find(types_);
  if (it == names_.end()) {
    std::string name = conn_.next_statement_name();
    PGresult* r = PQprepare(conn_.raw(), name.c_str(), sql_.c_str(), n, types_.data());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) conn_.fail(r, "prepare");
    PQclear(r);
    it = names_.emplace(types_, std::move(name)).first;
  }
  result_ = PQexecPrepared(conn_.raw(), it->second.c_str(), n, values_.data(), lengths_.data(),
                           formats_.data(), 0);
  const ExecStatusType status = PQresultStatus(result_);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    PGresult* r = result_;
    result_ = nullptr;
    conn_.fail(r, "step");
  }
  conn_.set_changes(result_);
  rows_ = PQntuples(result_);
  row_ = -1;
}

bool PgStatement::step() {
  if (result_ == nullptr) execute();
  if (row_ < rows_) ++row_;
  return row_ < rows_;
}

void PgStatement::reset() noexcept {
  PQclear(result_);
  result_ = nullptr;
  row_ = -1;
  rows_ = 0;
  for (Param& p : params_) p.null = true;
}

void PgStatement::check_row(int column) const {
  if (result_ == nullptr || row_ < 0 || row_ >= rows_ || column < 0 || column >= PQnfields(result_))
    throw Error(ErrorCode::internal, "column read without a row");
}

bool PgStatement::is_null(int column) const {
  check_row(column);
  return PQgetisnull(result_, row_, column) == 1;
}

int64_t PgStatement::int64(int column) const {
  if (is_null(column)) return 0;  // as sqlite3_column_int64
  const char* v = PQgetvalue(result_, row_, column);
  if (PQftype(result_, column) == pg_detail::kBool) return v[0] == 't' ? 1 : 0;
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0')
    throw Error(ErrorCode::internal, std::string("column is not an integer: ") + v);
  return static_cast<int64_t>(n);
}

std::string PgStatement::text(int column) const {
  if (is_null(column)) return {};
  return std::string(PQgetvalue(result_, row_, column),
                     static_cast<size_t>(PQgetlength(result_, row_, column)));
}

std::string PgStatement::blob(int column) const {
  if (is_null(column)) return {};
  if (PQftype(result_, column) != pg_detail::kBytea) return text(column);
  size_t n = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row_, column)), &n);
  if (bytes == nullptr) throw Error(ErrorCode::no_memory, "blob: out of memory");
  std::string out(reinterpret_cast<const char*>(bytes), n);
  PQfreemem(bytes);
  return out;
}

// ---------------------------------------------------------- PgConnection --

namespace {

// Advisory lock classes (the first key; the second is the schema's hash):
// the writers' lock, and the ordered section concurrent writers take one at
// a time.
constexpr int64_t kWritersLock = 1330664001;
constexpr int64_t kSectionLock = 1330664002;

// A schema name opora creates and sets itself: plain lower-case identifiers
// only, so that it never needs quoting rules beyond the double quotes.
bool plain_identifier(const std::string& s) noexcept {
  if (s.empty() || s.size() > 63) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string trimmed(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

}  // namespace

PgConnection::PgConnection(const std::string& dsn, const ConnectionOptions& options)
    : options_(options), read_only_(options.read_only) {
  if (!options.schema.empty() && !plain_identifier(options.schema)) {
    const std::string msg = "schema \"" + options.schema +
                            "\": expected a lower-case name of letters, digits and _ "
                            "(at most 63, not starting with a digit)";
    throw Error(ErrorCode::invalid, msg, {FieldError{"schema", "schema_name", msg}});
  }
  conn_ = PQconnectdb(dsn.c_str());
  if (conn_ == nullptr) throw Error(ErrorCode::no_memory, "cannot connect: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg =
        trimmed(std::string("cannot connect to PostgreSQL: ") + PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error(ErrorCode::io, std::move(msg));
  }
  try {
    setup_session();
  } catch (...) {
    drop_statements();
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

void PgConnection::setup_session() {
  // Quiet notices, UTF-8 in and out, answers that do not depend on the
  // server's settings, and a writer that waits for another's lock as long
  // as SQLite's busy timeout would.
  exec(
      "SET client_min_messages = warning; SET client_encoding = 'UTF8'; "
      "SET TimeZone = 'UTC'; SET lock_timeout = " +
      std::to_string(options_.busy_timeout_ms));
  // NORMAL: a crash may lose the last commits, never corrupts (as SQLite's WAL NORMAL).
  if (options_.synchronous == Synchronous::normal) exec("SET synchronous_commit = off");
  if (!options_.schema.empty()) {
    const std::string quoted = "\"" + options_.schema + "\"";
    if (!options_.read_only) {
      try {
        exec("CREATE SCHEMA IF NOT EXISTS " + quoted);
      } catch (const Error& e) {
        // Two connections creating the same schema at once: one of them
        // sees the other's as a duplicate; it exists either way.
        if (e.code() != ErrorCode::conflict) throw;
      }
    }
    exec("SET search_path = " + quoted);
  }
  auto st = cached("SELECT current_schema(), hashtext(current_schema())");
  st->step();
  if (st->is_null(0))
    throw Error(ErrorCode::not_found,
                options_.schema.empty()
                    ? std::string("the server's search_path names no schema that exists")
                    : "schema \"" + options_.schema + "\" does not exist");
  schema_ = st->text(0);
  const int64_t schema_hash = st->int64(1);
  // An opora database per schema: its writers take one transaction-scoped
  // advisory lock, keyed by the application id and the schema; immediate
  // writers take it alone, concurrent ones together (and mark the
  // transaction so that the id triggers draw from the tables' sequences).
  schema_hash_ = schema_hash;
  lock_sql_ = "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWritersLock) + ", " +
              std::to_string(schema_hash) + ")";
  shared_lock_sql_ = "BEGIN; SELECT pg_advisory_xact_lock_shared(" + std::to_string(kWritersLock) +
                     ", " + std::to_string(schema_hash) +
                     "); SELECT set_config('opora.concurrent', 'on', true)";
  if (options_.read_only) exec("SET default_transaction_read_only = on");
}

void PgConnection::recover() {
  if (PQstatus(conn_) == CONNECTION_OK) return;
  // The server went away (restarted, the network dropped): connect again,
  // between calls only, and prepare statements anew on the new session.
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw Error(ErrorCode::io, trimmed(std::string("the PostgreSQL server is unreachable: ") +
                                       PQerrorMessage(conn_)));
  drop_statements();
  setup_session();
  seen_commits_ = -1;  // whatever happened meanwhile is news
}

PgConnection::~PgConnection() {
  drop_statements();
  if (conn_ != nullptr) PQfinish(conn_);  // the server rolls back an open transaction
}

void PgConnection::fail(pg_result* result, std::string_view context) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const ErrorCode code = pg_detail::map_sqlstate(state);
  // A serialisation failure or a deadlock: the whole transaction may run again.
  retryable_ =
      state != nullptr && (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0);
  std::string msg(context);
  msg += ": ";
  const char* text = result != nullptr ? PQresultErrorMessage(result) : "";
  msg += (text != nullptr && *text != '\0') ? text : PQerrorMessage(conn_);
  PQclear(result);
  throw Error(code, trimmed(std::move(msg)));
}

void PgConnection::set_changes(const pg_result* result) noexcept {
  const char* n = PQcmdTuples(const_cast<PGresult*>(result));
  changes_ = (n != nullptr && *n != '\0') ? static_cast<int>(std::strtol(n, nullptr, 10)) : 0;
}

void PgConnection::exec(std::string_view sql) {
  const std::string text(sql);
  PGresult* r = PQexec(conn_, text.c_str());
  const ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, "database");
  set_changes(r);
  PQclear(r);
}

void PgConnection::quiet(const char* sql) noexcept {
  PQclear(PQexec(conn_, sql));
}

std::unique_ptr<Statement> PgConnection::prepare(std::string_view sql) {
  return std::make_unique<PgStatement>(*this, sql);
}

int64_t PgConnection::last_insert_rowid() {
  auto st = cached("SELECT current_setting('opora.last_id', true)::bigint");
  st->step();
  return st->int64(0);
}

bool PgConnection::in_transaction() const noexcept {
  return PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

namespace {

// The schema's commit counter (0 before the compatibility functions made it,
// or before its first commit).
constexpr const char* kReadCommits =
    "SELECT coalesce(pg_sequence_last_value(to_regclass('opora_commits')), 0)";
// Moved by every writing transaction just before its COMMIT and just after
// it, in the same round trip. Before: whoever can see the commit sees the
// counter moved (a waiter may begin the moment the lock is released, before
// the second move). After: whoever read the counter before the commit was
// visible, and so filled its caches without it, sees the counter move again.
constexpr const char* kCountCommit = "SELECT coalesce(nextval(to_regclass('opora_commits')), 0)";

}  // namespace

int64_t PgConnection::exec_value(const std::string& sql, int tolerated_from) {
  if (PQsendQuery(conn_, sql.c_str()) == 0) fail(nullptr, "database");
  PGresult* last = nullptr;
  PGresult* failed = nullptr;
  int index = 0;
  bool tolerated = false;
  for (; PGresult* r = PQgetResult(conn_); ++index) {
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      if (tolerated_from >= 0 && index >= tolerated_from && failed == nullptr) {
        tolerated = true;
        PQclear(r);
      } else if (failed == nullptr) {
        failed = r;
      } else {
        PQclear(r);
      }
      continue;
    }
    PQclear(last);
    last = r;
  }
  if (failed != nullptr) {
    PQclear(last);
    fail(failed, "database");
  }
  if (tolerated) {
    PQclear(last);
    return -1;
  }
  int64_t value = 0;
  if (last != nullptr && PQntuples(last) > 0 && PQnfields(last) > 0 && !PQgetisnull(last, 0, 0))
    value = std::strtoll(PQgetvalue(last, 0, 0), nullptr, 10);
  PQclear(last);
  return value;
}

void PgConnection::observe_commits(int64_t counter, int own) {
  if (seen_commits_ < 0 || counter != seen_commits_ + own) ++version_;
  seen_commits_ = counter;
}

int64_t PgConnection::data_version() {
  if (!in_transaction()) observe_commits(exec_value(kReadCommits), 0);
  return version_;
}

// ------------------------------------------------------ transactions --

void PgConnection::begin(TransactionMode mode) {
  serialized_ = false;
  retryable_ = false;
  // A read-only handle cannot move the counter (nor write anything).
  writing_ = mode != TransactionMode::deferred && !read_only_;
  // The commit counter is read by the transaction's first statement, which
  // takes a repeatable-read snapshot: a commit it does not see has not moved
  // the counter yet.
  static const std::string read_commits = std::string("; ") + kReadCommits;
  try {
    switch (mode) {
      case TransactionMode::immediate:
        observe_commits(exec_value(lock_sql_ + read_commits), 0);
        break;
      case TransactionMode::deferred:
        observe_commits(exec_value("BEGIN ISOLATION LEVEL REPEATABLE READ" + read_commits), 0);
        break;
      case TransactionMode::concurrent:
        observe_commits(exec_value(shared_lock_sql_ + read_commits), 0);
        break;
    }
  } catch (...) {
    // The writers' lock timed out (OPORA_EBUSY): the transaction BEGIN
    // opened is over, so that the handle's next call starts afresh.
    if (in_transaction()) quiet("ROLLBACK");
    throw;
  }
}

void PgConnection::commit_outermost() {
  // Unlike SQLite, a failed statement aborts the whole transaction, and
  // COMMIT would then answer ROLLBACK without an error: refuse instead.
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR)
    throw Error(ErrorCode::state, "the transaction was aborted by an earlier error");
  if (!writing_) return exec("COMMIT");
  static const std::string commit =
      std::string(kCountCommit) + "; COMMIT; " + std::string(kCountCommit);
  // This connection's own commit moves the counter by two: not a change it
  // has not seen (unless another commit came in between). The move after
  // COMMIT cannot undo a commit that succeeded: if it fails (the server went
  // away just then), the caches are dropped instead.
  const int64_t counter = exec_value(commit, 2);
  if (counter < 0) {
    ++version_;
    seen_commits_ = -1;
    return;
  }
  observe_commits(counter, 2);
}

void PgConnection::rollback_outermost() noexcept {
  quiet("ROLLBACK");
}

void PgConnection::savepoint(int depth) {
  exec("SAVEPOINT opora_sp" + std::to_string(depth));
}

void PgConnection::release(int depth) {
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR)
    throw Error(ErrorCode::state, "the transaction was aborted by an earlier error");
  exec("RELEASE opora_sp" + std::to_string(depth));
}

void PgConnection::rollback_to(int depth) noexcept {
  // A lock taken in the part rolled back is released with it.
  serialized_ = false;
  const std::string sp = "opora_sp" + std::to_string(depth);
  quiet(("ROLLBACK TO " + sp + "; RELEASE " + sp).c_str());
}

std::vector<int64_t> PgConnection::reserve_ids(std::string_view table, size_t n) {
  if (!beside_others()) return Connection::reserve_ids(table, n);
  // Beside other writers the largest id says nothing of theirs not yet
  // committed: the table's sequence hands out ids no one else gets.
  auto st = cached("SELECT nextval(?1::regclass) FROM generate_series(1, ?2)");
  st->bind(1, "opora_seq_" + std::string(table)).bind(2, static_cast<int64_t>(n));
  std::vector<int64_t> ids;
  ids.reserve(n);
  while (st->step()) ids.push_back(st->int64(0));
  return ids;
}

void PgConnection::serialize() {
  if (serialized_ || !beside_others()) return;
  auto st = cached("SELECT pg_advisory_xact_lock(" + std::to_string(kSectionLock) + ", " +
                   std::to_string(schema_hash_) + ")");
  st->step();
  serialized_ = true;
}

// ------------------------------------------------------------ catalogue --

// From pg_catalog rather than information_schema: the standard views check
// privileges row by row over every schema of the database, which on a
// server holding hundreds of opora schemas takes seconds per table.
std::vector<std::string> PgConnection::tables() {
  auto st = cached(
      "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND "
      "relkind IN ('r', 'p') ORDER BY relname COLLATE \"C\"");
  std::vector<std::string> names;
  while (st->step()) names.push_back(st->text(0));
  return names;
}

std::vector<Column> PgConnection::columns(std::string_view table) {
  auto st = cached(
      // indkey counts from 0: its position made 1-based.
      "SELECT a.attname, t.typname, coalesce(array_position(i.indkey::int2[], a.attnum) - "
      "array_lower(i.indkey::int2[], 1) + 1, 0) "
      "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
      "JOIN pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary "
      "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ?1 "
      "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum");
  st->bind(1, table);
  std::vector<Column> out;
  while (st->step()) {
    const std::string type = st->text(1);
    const Column::Type t = type == "int8" || type == "int4" || type == "int2" || type == "bool"
                               ? Column::Type::integer
                           : type == "bytea" ? Column::Type::blob
                                             : Column::Type::text;
    out.push_back(Column{st->text(0), t, static_cast<int>(st->int64(2))});
  }
  return out;
}

}  // namespace opora::store

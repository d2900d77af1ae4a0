// The store: one interface over the two database engines opora speaks to,
// SQLite (store/sqlite.hpp, the default: a file or ":memory:") and
// PostgreSQL (store/postgres.hpp, through libpq). Modules write their SQL
// once, in the dialect both engines share (numbered parameters ?1 ?2 ...,
// ON CONFLICT, RETURNING, CTEs, integer keys), and see only this header; the
// engine is the single place that knows what it speaks to. Every value is
// bound, never spliced into text.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opora::store {

enum class Engine { sqlite, postgresql };

// A prepared statement. Bind parameters are 1-based, as in SQLite.
class Statement {
 public:
  virtual ~Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  virtual Statement& bind(int index, int64_t value) = 0;
  virtual Statement& bind(int index, std::string_view value) = 0;
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  virtual Statement& bind_null(int index) = 0;
  // Binds text without copying it: `value` must stay alive and unchanged
  // until the statement has stepped and been reset (hot insert loops).
  virtual Statement& bind_static(int index, std::string_view value) = 0;
  virtual Statement& bind_blob(int index, std::string_view bytes) = 0;

  // Advances to the next row: true while a row is available.
  virtual bool step() = 0;
  // Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }
  // Clears bindings and rewinds, ready for reuse.
  virtual void reset() noexcept = 0;

  virtual bool is_null(int column) const = 0;
  // 0 for NULL; a boolean column reads as 1 or 0 on either engine.
  virtual int64_t int64(int column) const = 0;
  virtual std::string text(int column) const = 0;
  std::optional<std::string> optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
  }
  virtual std::string blob(int column) const = 0;

 protected:
  Statement() = default;
};

// Borrowed statement from a Connection's cache; rewound when released.
class CachedStatement {
 public:
  explicit CachedStatement(Statement& s) noexcept : s_(&s) {}
  ~CachedStatement() { s_->reset(); }
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  Statement* operator->() const noexcept { return s_; }
  Statement& operator*() const noexcept { return *s_; }

 private:
  Statement* s_;
};

enum class Synchronous { full, normal };

struct ConnectionOptions {
  Synchronous synchronous = Synchronous::full;
  // How long a writer waits for another's lock before ErrorCode::busy
  // (SQLite's busy timeout; PostgreSQL's lock_timeout).
  int busy_timeout_ms = 5000;
  bool read_only = false;
  // PostgreSQL only: the schema that holds this opora database (created if
  // absent), so one server database can hold several. Empty: the server's
  // search_path decides (normally "public").
  std::string schema;
};

// How a transaction meets others (see Transaction).
enum class TransactionMode { immediate, deferred, concurrent };

// A column of a stored table as a copy or a checksum reads it (tables(),
// columns()): the value class both engines agree on, and its place in the
// primary key.
struct Column {
  enum class Type { integer, text, blob };
  std::string name;
  Type type = Type::text;
  int key = 0;  // 1-based position in the primary key; 0: not part of it
};

class Transaction;

// One connection to a database. Not thread-safe by itself: the owning
// Database serialises access.
class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Engine engine() const noexcept = 0;
  // Runs statements without parameters (DDL, migrations).
  virtual void exec(std::string_view sql) = 0;
  // Prepared once per connection and reused (the per-handle statement cache).
  CachedStatement cached(const std::string& sql);
  // The id the last INSERT on this connection gave its row.
  virtual int64_t last_insert_rowid() = 0;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int changes() const noexcept = 0;
  virtual bool in_transaction() const noexcept = 0;
  // Opened read-only: nothing can be written through this connection.
  virtual bool read_only() const noexcept = 0;

  // Changes whenever another connection may have committed changes this one
  // has not seen (not for this connection's own commits): the signal to drop
  // per-handle caches.
  virtual int64_t data_version() = 0;
  // Counts rollbacks on this connection. data_version does not change when
  // this connection's own writes are undone, so a cache filled inside a
  // transaction that then rolled back checks this too.
  int64_t rollbacks() const noexcept { return rollbacks_; }

  // `n` ids for rows of `table` (its INTEGER PRIMARY KEY "id") that the
  // caller inserts with these ids, known before the rows are written: the
  // next n after the largest, as either engine gives them to rows inserted
  // without one, under the transaction's writers' lock. In a concurrent
  // transaction on PostgreSQL: n ids from the table's sequence, unique
  // among all concurrent writers but not necessarily consecutive.
  virtual std::vector<int64_t> reserve_ids(std::string_view table, size_t n);

  // The mode of the transaction under way (the outermost guard's); nullopt
  // outside one.
  std::optional<TransactionMode> transaction_mode() const noexcept {
    return tx_depth_ > 0 ? std::optional<TransactionMode>(tx_mode_) : std::nullopt;
  }
  // Whether the transaction under way runs beside other writers (a
  // concurrent transaction on PostgreSQL): what it reads of other writers'
  // work may change under it, and caches filled from it are not to be kept.
  bool beside_others() const noexcept {
    return engine() == Engine::postgresql && transaction_mode() == TransactionMode::concurrent;
  }
  // In a concurrent transaction on PostgreSQL: waits until no other
  // concurrent transaction is in the schema's ordered section and stays in
  // it until this one ends, for work that must be done one writer at a time
  // and in commit order (an exchange change number, events applied to
  // workflow instances). One section for all such work, so that no two
  // writers can wait for each other. Nothing otherwise: the writers' lock
  // already orders it.
  virtual void serialize() {}

  // Between calls: reconnects a connection the server dropped (PostgreSQL);
  // throws ErrorCode::io if the server cannot be reached.
  virtual void recover() {}
  // Whether the last failure was one that running the whole transaction
  // again may cure (a serialisation failure or deadlock on PostgreSQL).
  virtual bool failure_retryable() const noexcept { return false; }

  // Foreign keys are checked when the transaction commits rather than at
  // each statement, until then (rows that refer forward, loaded in order).
  virtual void defer_foreign_keys() = 0;

  // Dialect: appended to a `SELECT ... LIMIT n` that claims rows for this
  // worker, so that other workers skip them instead of waiting
  // (" FOR UPDATE SKIP LOCKED" on PostgreSQL; SQLite has one writer at a
  // time and needs nothing).
  virtual std::string_view skip_locked() const noexcept = 0;
  // Dialect: appended to a SELECT of one row that the transaction goes on to
  // change, so that no other writer takes it meanwhile (" FOR UPDATE" on
  // PostgreSQL; nothing on SQLite).
  virtual std::string_view for_update() const noexcept = 0;

  // The tables that hold this database's rows, by name: on SQLite its own
  // tables and its FTS5 tables (not their shadow tables, not sqlite_*); on
  // PostgreSQL the base tables of the schema.
  virtual std::vector<std::string> tables() = 0;
  // The stored columns of `table` in declared order (not PostgreSQL's
  // generated ones). An FTS5 table lists its rowid first, as its key, as the
  // PostgreSQL form of the table declares it.
  virtual std::vector<Column> columns(std::string_view table) = 0;

 protected:
  Connection() = default;
  virtual std::unique_ptr<Statement> prepare(std::string_view sql) = 0;
  // Statements refer to the engine's connection: an engine drops them
  // before it closes.
  void drop_statements() noexcept { cache_.clear(); }

  // Transaction's hooks. depth 0 is the outermost transaction.
  virtual void begin(TransactionMode mode) = 0;
  virtual void commit_outermost() = 0;
  virtual void rollback_outermost() noexcept = 0;
  virtual void savepoint(int depth) = 0;
  virtual void release(int depth) = 0;
  virtual void rollback_to(int depth) noexcept = 0;

 private:
  friend class Transaction;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
  int tx_depth_ = 0;
  TransactionMode tx_mode_ = TransactionMode::immediate;
  int64_t rollbacks_ = 0;
};

// Scope guard for a transaction. The outermost guard begins a transaction,
// nested guards use savepoints. A guard that is destroyed without commit()
// rolls back its part only.
class Transaction {
 public:
  // immediate: a writer, serialised with every other immediate writer of the
  // database from its start (SQLite's BEGIN IMMEDIATE; on PostgreSQL a
  // transaction-scoped advisory lock per opora schema), so that what it
  // reads stays true until it commits.
  // deferred: a read snapshot that sees one consistent state throughout.
  // concurrent: a writer that runs beside others (PostgreSQL, READ
  // COMMITTED without the writers' lock): only for work that locks the rows
  // it needs itself (claimed chunks, leased effects); on SQLite the same as
  // immediate.
  using Mode = TransactionMode;
  explicit Transaction(Connection& conn, Mode mode = Mode::immediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& conn_;
  int depth_;
  bool done_ = false;
};

// Whether `target` names a PostgreSQL database ("postgresql://..." or
// "postgres://..." URIs) rather than a SQLite file.
bool is_postgresql_target(std::string_view target) noexcept;

// Opens `target`: a PostgreSQL URI, or else a SQLite file path (or
// ":memory:"). Options that do not apply to the engine are refused with
// ErrorCode::invalid.
std::unique_ptr<Connection> open(std::string target, ConnectionOptions options);

// Test seam: every open() passes its target and options through `hook`
// first (a test run sends ":memory:" to a fresh PostgreSQL schema). Not for
// hosts; an empty function removes it.
using OpenHook = std::function<void(std::string& target, ConnectionOptions& options)>;
void set_open_hook(OpenHook hook);

}  // namespace opora::store

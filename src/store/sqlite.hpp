// RAII over the SQLite C API. The only place (with each module's storage
// file) that speaks SQL; every value is bound, never spliced into text.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace opora::store {

// The SQLite library version in use, e.g. "3.40.1".
const char* sqlite_version() noexcept;

// Raises opora::Error with the code mapped from an SQLite result code.
[[noreturn]] void throw_sqlite(int rc, sqlite3* db, std::string_view context);

class Connection;

// A prepared statement. Bind parameters are 1-based, as in SQLite.
class Statement {
 public:
  Statement(Connection& conn, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind_null(int index);
  // Binds text without copying it: `value` must stay alive and unchanged
  // until the statement has stepped and been reset (hot insert loops).
  Statement& bind_static(int index, std::string_view value);
  Statement& bind_blob(int index, std::string_view bytes);

  // Advances to the next row: true while a row is available.
  bool step();
  // Runs a statement that returns no rows.
  void run();
  // Clears bindings and rewinds, ready for reuse.
  void reset() noexcept;

  bool is_null(int column) const;
  int64_t int64(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::string blob(int column) const;

 private:
  Connection& conn_;
  sqlite3_stmt* stmt_ = nullptr;
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
  int busy_timeout_ms = 5000;
  bool read_only = false;
};

// One SQLite connection in WAL mode with foreign keys on. Not thread-safe by
// itself: the owning Database serialises access.
class Connection {
 public:
  Connection(const std::string& path, const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* raw() const noexcept { return db_; }
  void exec(std::string_view sql);
  // Prepared once per connection and reused (the per-handle statement cache).
  CachedStatement cached(const std::string& sql);
  int64_t last_insert_rowid() const noexcept;
  int changes() const noexcept;
  bool in_transaction() const noexcept;
  // Opened read-only: nothing can be written through this connection.
  bool read_only() const noexcept;

  // Changes whenever another connection commits to the file (not for this
  // connection's own commits): the signal to drop per-handle caches.
  int64_t data_version();
  // Counts rollbacks on this connection. data_version does not change when
  // this connection's own writes are undone, so a cache filled inside a
  // transaction that then rolled back checks this too.
  int64_t rollbacks() const noexcept { return rollbacks_; }

 private:
  friend class Transaction;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> cache_;
  int tx_depth_ = 0;
  int64_t rollbacks_ = 0;
};

// Scope guard for a transaction. The outermost guard issues BEGIN IMMEDIATE
// (so a writer takes the lock up front instead of failing at commit), nested
// guards use savepoints. A guard that is destroyed without commit() rolls
// back its part only.
class Transaction {
 public:
  // immediate: takes the write lock at once (for writes). deferred: a read
  // snapshot that sees one consistent state of the file throughout.
  enum class Mode { immediate, deferred };
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

}  // namespace opora::store

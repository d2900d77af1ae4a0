// The SQLite engine of the store (store.hpp): RAII over the SQLite C API.
// Modules do not include this header; tests and tools that need SQLite
// itself (a file's pragmas, its raw handle) do.
#pragma once

#include <string>
#include <string_view>

#include "store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace opora::store {

// The SQLite library version in use, e.g. "3.40.1".
const char* sqlite_version() noexcept;

// Raises opora::Error with the code mapped from an SQLite result code.
[[noreturn]] void throw_sqlite(int rc, sqlite3* db, std::string_view context);

class SqliteConnection;

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(SqliteConnection& conn, std::string_view sql);
  ~SqliteStatement() override;

  using Statement::bind;
  Statement& bind(int index, int64_t value) override;
  Statement& bind(int index, std::string_view value) override;
  Statement& bind_null(int index) override;
  Statement& bind_static(int index, std::string_view value) override;
  Statement& bind_blob(int index, std::string_view bytes) override;
  bool step() override;
  void reset() noexcept override;
  bool is_null(int column) const override;
  int64_t int64(int column) const override;
  std::string text(int column) const override;
  std::string blob(int column) const override;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// One SQLite connection in WAL mode with foreign keys on.
class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, const ConnectionOptions& options);
  ~SqliteConnection() override;

  sqlite3* raw() const noexcept { return db_; }
  Engine engine() const noexcept override { return Engine::sqlite; }
  void exec(std::string_view sql) override;
  int64_t last_insert_rowid() override;
  int changes() const noexcept override;
  bool in_transaction() const noexcept override;
  bool read_only() const noexcept override;
  // PRAGMA data_version.
  int64_t data_version() override;
  std::string_view skip_locked() const noexcept override { return {}; }
  std::string_view for_update() const noexcept override { return {}; }
  void defer_foreign_keys() override { exec("PRAGMA defer_foreign_keys = ON"); }
  std::vector<std::string> tables() override;
  std::vector<Column> columns(std::string_view table) override;

 protected:
  std::unique_ptr<Statement> prepare(std::string_view sql) override;
  void begin(TransactionMode mode) override;
  void commit_outermost() override;
  void rollback_outermost() noexcept override;
  void savepoint(int depth) override;
  void release(int depth) override;
  void rollback_to(int depth) noexcept override;

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace opora::store

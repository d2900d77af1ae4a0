// The PostgreSQL engine of the store (store.hpp), over libpq; built with
// OPORA_WITH_POSTGRESQL.
//
// SQL is written as for SQLite, with numbered parameters ?1, ?2 ...; they are
// rewritten to $1, $2 ... once per statement. A statement is prepared at its
// first execution with the types of the values bound then (bigint, text,
// bytea), and prepared again under another name if a later execution binds
// other types. Results are read in text format.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

struct pg_conn;
struct pg_result;

namespace opora::store {

// `sql` with SQLite's ?N (and bare ?) parameters rewritten to PostgreSQL's $N;
// quoted text, quoted names and comments are left alone.
std::string pg_placeholders(std::string_view sql);

class PgConnection;

class PgStatement final : public Statement {
 public:
  PgStatement(PgConnection& conn, std::string_view sql);
  ~PgStatement() override;

  using Statement::bind;
  Statement& bind(int index, int64_t value) override;
  Statement& bind(int index, std::string_view value) override;
  Statement& bind_null(int index) override;
  Statement& bind_static(int index, std::string_view value) override { return bind(index, value); }
  Statement& bind_blob(int index, std::string_view bytes) override;

  // Executes at the first call, then walks the buffered rows.
  bool step() override;
  void reset() noexcept override;

  bool is_null(int column) const override;
  int64_t int64(int column) const override;
  std::string text(int column) const override;
  std::string blob(int column) const override;

 private:
  struct Param {
    std::string value;
    bool null = true;
    unsigned type = 0;  // Oid; kept across resets so the prepared types stay stable
    int format = 0;     // 0 text, 1 binary (bytea)
  };
  Param& slot(int index);
  void execute();
  void check_row(int column) const;

  PgConnection& conn_;
  std::string sql_;
  // Server-side names, by the parameter types they were prepared with.
  std::map<std::vector<unsigned>, std::string> names_;
  std::vector<Param> params_;
  // Arguments of the execution being sent (kept to reuse their memory).
  std::vector<unsigned> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  pg_result* result_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
};

// One libpq connection.
class PgConnection final : public Connection {
 public:
  // `dsn`: a libpq URI ("postgresql://user@/db?host=/run/postgresql").
  PgConnection(const std::string& dsn, const ConnectionOptions& options);
  ~PgConnection() override;

  pg_conn* raw() const noexcept { return conn_; }
  Engine engine() const noexcept override { return Engine::postgresql; }
  void exec(std::string_view sql) override;
  // The id the last INSERT on this connection gave its row, as the tables'
  // id trigger notes it (store/ddl.cpp).
  int64_t last_insert_rowid() override;
  int changes() const noexcept override { return changes_; }
  bool in_transaction() const noexcept override;
  bool read_only() const noexcept override { return read_only_; }
  // From the schema's commit counter (the sequence opora_commits, which
  // every writing transaction moves just after it commits): read with each
  // BEGIN, in the same round trip; a move this connection did not make
  // itself changes the version.
  int64_t data_version() override;
  std::string_view skip_locked() const noexcept override { return " FOR UPDATE SKIP LOCKED"; }
  std::string_view for_update() const noexcept override { return " FOR UPDATE"; }
  std::vector<int64_t> reserve_ids(std::string_view table, size_t n) override;
  void serialize() override;
  // Every foreign key is declared DEFERRABLE (postgresql_ddl).
  void defer_foreign_keys() override { exec("SET CONSTRAINTS ALL DEFERRED"); }
  std::vector<std::string> tables() override;
  std::vector<Column> columns(std::string_view table) override;

  void recover() override;
  bool failure_retryable() const noexcept override { return retryable_; }

  // The schema this connection works in (current_schema()).
  const std::string& schema() const noexcept { return schema_; }

  // Throws opora::Error mapped from the result's SQLSTATE (or the connection's
  // message when there is no result), then clears `result`.
  [[noreturn]] void fail(pg_result* result, std::string_view context) const;
  std::string next_statement_name() { return "opora_s" + std::to_string(++statements_); }
  void set_changes(const pg_result* result) noexcept;

 protected:
  std::unique_ptr<Statement> prepare(std::string_view sql) override;
  void begin(TransactionMode mode) override;
  void commit_outermost() override;
  void rollback_outermost() noexcept override;
  void savepoint(int depth) override;
  void release(int depth) override;
  void rollback_to(int depth) noexcept override;

 private:
  void quiet(const char* sql) noexcept;
  // Runs statements without parameters and answers the first column of the
  // last one's first row as an integer (0 when NULL). A failure of the
  // statement numbered `tolerated_from` (0-based) or later is not thrown:
  // the answer is then -1.
  int64_t exec_value(const std::string& sql, int tolerated_from = -1);
  // The commit counter as read now (after a BEGIN or a commit): the data
  // version moves when it moved by more than `own` commits of this
  // connection.
  void observe_commits(int64_t counter, int own);
  // Session settings, the schema and the writers' lock (at connect and
  // after a reconnect).
  void setup_session();

  pg_conn* conn_ = nullptr;
  ConnectionOptions options_;
  std::string schema_;
  // BEGIN and the writers' lock, one round trip: exclusive for an immediate
  // transaction, shared for a concurrent one.
  std::string lock_sql_;
  std::string shared_lock_sql_;
  int64_t schema_hash_ = 0;
  bool serialized_ = false;  // the transaction under way is in the ordered section
  bool read_only_ = false;
  int changes_ = 0;
  int64_t statements_ = 0;
  int64_t version_ = 0;
  int64_t seen_commits_ = -1;       // the commit counter as this connection last saw it
  bool writing_ = false;            // the transaction under way may write (not deferred)
  mutable bool retryable_ = false;  // the last failure was a serialisation failure
};

}  // namespace opora::store

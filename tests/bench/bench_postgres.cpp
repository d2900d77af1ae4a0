// PostgreSQL benchmark (issue 16). Each opora database lives in a fresh schema
// of the server the DSN names (dropped at the end); each figure is printed
// beside the least work that durably records the same fact, measured in the
// same run through raw libpq:
//  1. billing.pay, each payment its own call and so its own transaction
//     (synchronous full), beside BEGIN + INSERT of the same billing_payment
//     row (into opora's own table, with its indexes) + COMMIT per payment;
//  2. workflow.send_many into live instances, `batch` events per call, beside
//     the rows one event writes (the instance row updated in place, one
//     history row appended, in copies of opora's tables with their indexes)
//     in the same batches, one transaction each;
//  3. billing.run of N accounts (lines only by default) with 1, 2 and 4
//     workers: billing.run in this process, billing.run.work in forked
//     processes, each with its own handle; beside the same run on SQLite (a
//     file in `dir`) and beside COPY (PQputCopyData) of the very accrual rows
//     the run wrote into a plain table (no index) and into a copy of opora's
//     table with its indexes, in the same chunks, one transaction each.
// Accounts and subscriptions are written straight into the tables by COPY
// (setup is not measured; the rows are what billing.account.put and
// billing.subscription.connect would write).
//
//   opora_bench_postgres DSN [accounts=100000] [payments=2000] [instances=20000]
//                        [events=50000] [batch=1000] [chunk=5000] [documents=0] [dir=/tmp]
// DSN: postgresql://postgres@/postgres?host=DIR (scripts/pg-cluster start prints one;
// its cluster runs with fsync=off, which the bench reports: durable figures need fsync on).
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "engine/database.hpp"
#include "opora/opora.h"
#include "store/store.hpp"

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

const char* kNow = "2026-11-01T06:00:00Z";

std::string g_dsn;
pid_t g_main_pid = 0;
std::vector<std::string> g_schemas;  // made by this run, dropped at the end

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU seconds of this process and of its waited-for children.
double cpu_seconds() {
  double s = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage u{};
    getrusage(who, &u);
    s += static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }
  return s;
}

void drop_schemas();

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  if (getpid() == g_main_pid) {
    drop_schemas();
    std::exit(1);
  }
  _exit(1);
}

// ---- libpq ----------------------------------------------------------------------

void quiet(void*, const char*) {}  // NOTICEs of DROP ... CASCADE and the like

PGconn* pg_connect() {
  PGconn* c = PQconnectdb(g_dsn.c_str());
  if (PQstatus(c) != CONNECTION_OK) die(std::string("connect: ") + PQerrorMessage(c));
  PQsetNoticeProcessor(c, quiet, nullptr);
  return c;
}

void pg_check(PGconn* c, PGresult* r, const std::string& what) {
  const ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    const std::string msg = what + ": " + PQerrorMessage(c);
    PQclear(r);
    die(msg);
  }
}

void pg_exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  pg_check(c, r, sql);
  PQclear(r);
}

// The first column of the first row, as text.
std::string pg_value(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  pg_check(c, r, sql);
  std::string v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  return v;
}

// COPY ... FROM STDIN of rows already in COPY's text format.
void pg_copy(PGconn* c, const std::string& copy_sql, const std::string& rows) {
  PGresult* r = PQexec(c, copy_sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) die(copy_sql + ": " + PQerrorMessage(c));
  PQclear(r);
  const size_t piece = 1 << 20;
  for (size_t at = 0; at < rows.size(); at += piece) {
    const size_t len = std::min(piece, rows.size() - at);
    if (PQputCopyData(c, rows.data() + at, static_cast<int>(len)) != 1)
      die(std::string("PQputCopyData: ") + PQerrorMessage(c));
  }
  if (PQputCopyEnd(c, nullptr) != 1) die(std::string("PQputCopyEnd: ") + PQerrorMessage(c));
  while ((r = PQgetResult(c)) != nullptr) {
    pg_check(c, r, copy_sql);
    PQclear(r);
  }
}

// A fresh schema name, remembered so that it is dropped at the end.
std::string new_schema(const std::string& tag) {
  std::string s = "opora_bench_" + std::to_string(g_main_pid) + "_" + tag;
  PGconn* c = pg_connect();
  pg_exec(c, "DROP SCHEMA IF EXISTS " + s + " CASCADE");
  PQfinish(c);
  g_schemas.push_back(s);
  return s;
}

void drop_schema_now(const std::string& s) {
  PGconn* c = PQconnectdb(g_dsn.c_str());
  PQsetNoticeProcessor(c, quiet, nullptr);
  if (PQstatus(c) == CONNECTION_OK)
    PQclear(PQexec(c, ("DROP SCHEMA IF EXISTS " + s + " CASCADE").c_str()));
  PQfinish(c);
}

void drop_schema(const std::string& s) {
  drop_schema_now(s);
  g_schemas.erase(std::remove(g_schemas.begin(), g_schemas.end(), s), g_schemas.end());
}

void drop_schemas() {
  for (const auto& s : g_schemas) drop_schema_now(s);
  g_schemas.clear();
}

// The server's WAL counters (pg_stat_wal; a private server: ours alone).
// Backends report them when they end, so read after closing the handles.
struct Wal {
  double syncs = 0, records = 0, bytes = 0;
};

Wal wal_now() {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  PGconn* c = pg_connect();
  PGresult* r = PQexec(c, "SELECT wal_sync, wal_records, wal_bytes FROM pg_stat_wal");
  pg_check(c, r, "pg_stat_wal");
  Wal w{std::atof(PQgetvalue(r, 0, 0)), std::atof(PQgetvalue(r, 0, 1)),
        std::atof(PQgetvalue(r, 0, 2))};
  PQclear(r);
  PQfinish(c);
  return w;
}

Wal operator-(const Wal& a, const Wal& b) {
  return Wal{a.syncs - b.syncs, a.records - b.records, a.bytes - b.bytes};
}

// ---- opora through the C ABI ------------------------------------------------------

std::string options(const std::string& schema, const char* synchronous) {
  return std::string(R"({"schema":")") + schema + R"(","synchronous":")" + synchronous +
         R"(","clock":"manual","now":")" + kNow + "\"}";
}

opora_db* open_db(const std::string& target, const std::string& opts) {
  opora_db* db = nullptr;
  if (opora_db_open(&db, target.c_str(), opts.c_str()) != OPORA_OK)
    die(std::string("open ") + target + ": " + opora_last_error_message());
  return db;
}

std::string call(opora_db* db, const char* method, const std::string& params) {
  char* out = nullptr;
  if (opora_db_call(db, method, params.c_str(), &out) != OPORA_OK)
    die(std::string(method) + ": " + opora_last_error_message());
  std::string s = out;
  opora_free(out);
  return s;
}

std::string account_number(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "LS-%07d", i);
  return buf;
}

// Every 10th subscriber connected mid-month (a prorated line), the rest long before.
const char* start_date(int i) {
  return i % 10 == 0 ? "2026-11-15" : "2025-03-01";
}

std::string account_body(int i) {
  return R"({"holder":{"type":"person","name":"Абонент )" + std::to_string(i) +
         R"("},"phone":"+79990000000","status":"active","number":")" + account_number(i) +
         R"(","currency":"RUB","credit_limit":"0.00"})";
}

void define_tariff(opora_db* db) {
  call(db, "billing.tariff.define",
       R"({"code":"home100","name":"Домашний 100","fee":"499.00","tax":"ru_vat"})");
}

// N accounts with one subscription each in a fresh opora schema, by COPY.
void populate_pg(const std::string& schema, int n) {
  opora_db* db = open_db(g_dsn, options(schema, "normal"));
  define_tariff(db);
  opora_db_close(db);
  PGconn* c = pg_connect();
  pg_exec(c, "SET search_path TO " + schema + "; SET synchronous_commit = off; BEGIN");
  std::string acc, sub, tar;
  for (int i = 1; i <= n; ++i) {
    const std::string id = std::to_string(i);
    acc += id + "\t" + account_number(i) + "\tАбонент " + id +
           "\t+79990000000\tRUB\tactive\t0\t2026-10-01T00:00:00Z\t2026-10-01T00:00:00Z\t" +
           account_body(i) + "\n";
    sub += id + "\t" + id + "\tinternet\t" + start_date(i) + "\t2026-10-01T00:00:00Z\n";
    tar += id + "\t" + start_date(i) + "\thome100\n";
  }
  pg_copy(c,
          "COPY billing_account (id, number, holder_name, phone, currency, status, credit_limit, "
          "created_at, updated_at, body) FROM STDIN",
          acc);
  pg_copy(c,
          "COPY billing_subscription (id, account_id, service, start_date, created_at) FROM STDIN",
          sub);
  pg_copy(c, "COPY billing_subscription_tariff (subscription_id, from_date, tariff) FROM STDIN",
          tar);
  pg_exec(c, "COMMIT; ANALYZE billing_account, billing_subscription, billing_subscription_tariff");
  PQfinish(c);
}

void sqlite_exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) die(std::string("sql: ") + err);
}

void remove_file(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// The same accounts in a SQLite file (as bench_billing.cpp writes them).
void populate_sqlite(const std::string& path, int n) {
  remove_file(path);
  opora_db* db = open_db(path, std::string(R"({"clock":"manual","now":")") + kNow + "\"}");
  define_tariff(db);
  opora_db_close(db);
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  sqlite_exec(raw, "PRAGMA synchronous=OFF; BEGIN");
  sqlite3_stmt* acc = nullptr;
  sqlite3_stmt* sub = nullptr;
  sqlite3_stmt* tar = nullptr;
  sqlite3_prepare_v2(raw,
                     "INSERT INTO billing_account (id, number, holder_name, phone, currency, "
                     "status, credit_limit, created_at, updated_at, body) VALUES (?1, ?2, ?3, "
                     "'+79990000000', 'RUB', 'active', 0, '2026-10-01T00:00:00Z', "
                     "'2026-10-01T00:00:00Z', ?4)",
                     -1, &acc, nullptr);
  sqlite3_prepare_v2(raw,
                     "INSERT INTO billing_subscription (id, account_id, service, start_date, "
                     "created_at) VALUES (?1, ?1, 'internet', ?2, '2026-10-01T00:00:00Z')",
                     -1, &sub, nullptr);
  sqlite3_prepare_v2(raw,
                     "INSERT INTO billing_subscription_tariff (subscription_id, from_date, "
                     "tariff) VALUES (?1, ?2, 'home100')",
                     -1, &tar, nullptr);
  for (int i = 1; i <= n; ++i) {
    const std::string number = account_number(i);
    const std::string name = "Абонент " + std::to_string(i);
    const std::string body = account_body(i);
    sqlite3_bind_int(acc, 1, i);
    sqlite3_bind_text(acc, 2, number.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(acc, 3, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(acc, 4, body.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(acc);
    sqlite3_reset(acc);
    for (sqlite3_stmt* st : {sub, tar}) {
      sqlite3_bind_int(st, 1, i);
      sqlite3_bind_text(st, 2, start_date(i), -1, SQLITE_STATIC);
      sqlite3_step(st);
      sqlite3_reset(st);
    }
  }
  for (sqlite3_stmt* st : {acc, sub, tar}) sqlite3_finalize(st);
  sqlite_exec(raw, "COMMIT");
  sqlite3_close(raw);
}

// ---- 3. billing.run on several workers ----------------------------------------------

struct RunFigures {
  double wall = 0;     // from the start signal until every worker is done
  double first = 0;    // until billing.run returned in this process
  double cpu = 0;      // client CPU, every worker
  std::string chunks;  // chunks billed by each worker
};

std::string run_params(int chunk, bool documents) {
  return std::string(R"({"period":"2026-11","chunk_size":)") + std::to_string(chunk) +
         R"(,"documents":)" + (documents ? "true" : "false") + "}";
}

// One extra worker (a forked process): opens its own handle, says it is
// ready, waits for the start, finds the period's run once this process's
// billing.run has planned it, and works on it until no chunk is left.
[[noreturn]] void worker_process(const std::string& opts, int k, int ready, int go, int report) {
  opora_db* db = open_db(g_dsn, opts);
  char b = 'r';
  if (write(ready, &b, 1) != 1 || read(go, &b, 1) != 1) die("worker pipe");
  int64_t run = 0;
  const auto t0 = Clock::now();
  while (run == 0) {
    const json::value v = json::parse(call(db, "billing.run.list", R"({"period":"2026-11"})"));
    for (const auto& r : v.at("runs").as_array())
      if (r.at("run").is_int64()) run = r.at("run").as_int64();
    if (run == 0) {
      if (since(t0) > 60) die("no run appeared for worker " + std::to_string(k));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  const json::value res = json::parse(
      call(db, "billing.run.work",
           R"({"run":)" + std::to_string(run) + R"(,"worker":"w)" + std::to_string(k) + "\"}"));
  const std::string line = "w" + std::to_string(k) + " " +
                           std::to_string(res.at("chunks_done").as_int64()) + " chunks\n";
  if (write(report, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    die("worker report");
  opora_db_close(db);
  _exit(0);
}

RunFigures run_workers(const std::string& target, const std::string& opts, int workers, int chunk,
                       bool documents) {
  int ready[2], go[2], report[2];
  if (pipe(ready) != 0 || pipe(go) != 0 || pipe(report) != 0) die("pipe");
  std::fflush(nullptr);
  std::vector<pid_t> kids;
  for (int k = 2; k <= workers; ++k) {
    const pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      close(ready[0]);
      close(go[1]);
      close(report[0]);
      worker_process(opts, k, ready[1], go[0], report[1]);
    }
    kids.push_back(pid);
  }
  close(ready[1]);
  close(go[0]);
  close(report[1]);
  for (size_t i = 0; i < kids.size(); ++i) {
    char b = 0;
    if (read(ready[0], &b, 1) != 1) die("a worker did not start");
  }
  opora_db* db = open_db(target, opts);
  RunFigures f;
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  for (size_t i = 0; i < kids.size(); ++i)
    if (write(go[1], "g", 1) != 1) die("start pipe");
  const json::value res = json::parse(call(db, "billing.run", run_params(chunk, documents)));
  f.first = since(t0);
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("a worker failed");
  }
  f.wall = since(t0);
  f.cpu = cpu_seconds() - c0;
  // This process's share: the run's chunks done less the others'.
  std::string others;
  char buf[512];
  ssize_t got = 0;
  while ((got = read(report[0], buf, sizeof buf)) > 0) others.append(buf, static_cast<size_t>(got));
  close(ready[0]);
  close(go[1]);
  close(report[0]);
  const json::value after = json::parse(call(db, "billing.run.list", R"({"period":"2026-11"})"));
  opora_db_close(db);
  const auto& runs = after.at("runs").as_array();
  if (runs.size() != 1 || runs[0].at("status").as_string() != "done")
    die("the run is not done: " + json::serialize(after));
  int64_t others_done = 0;
  for (const char* p = others.c_str(); (p = std::strchr(p, ' ')) != nullptr; ++p)
    others_done += std::atoll(p + 1);
  const int64_t done = runs[0].at("chunks").at("done").as_int64();
  f.chunks = "w1 " + std::to_string(done - others_done) + " chunks";
  for (size_t at = 0, end = 0; (end = others.find('\n', at)) != std::string::npos; at = end + 1)
    f.chunks += ", " + others.substr(at, end - at);
  (void)res;
  return f;
}

int64_t lines_of(const std::string& schema) {
  PGconn* c = pg_connect();
  const int64_t n = std::atoll(
      pg_value(c, "SELECT count(*) FROM " + schema + ".billing_accrual WHERE period = '2026-11'")
          .c_str());
  PQfinish(c);
  return n;
}

// Claims beyond one per chunk: chunks billed again after a lost lease.
int64_t extra_claims(const std::string& schema) {
  PGconn* c = pg_connect();
  const int64_t n = std::atoll(
      pg_value(c, "SELECT sum(attempts) - count(*) FROM " + schema + ".billing_run_chunk").c_str());
  PQfinish(c);
  return n;
}

struct CopyFigures {
  double plain = 0, indexed = 0, insert = 0;
  size_t rows = 0;
};

// The accrual rows the run wrote, read back in COPY's text format, then
// written again by COPY into a plain table and into a copy of opora's table
// with its indexes: `chunk` rows per transaction, synchronous_commit on.
// Then the same rows by one prepared INSERT each (a round trip per row, as
// opora writes them), into another copy of opora's table.
CopyFigures copy_floor(const std::string& run_schema, int chunk) {
  const std::string raw = new_schema("copy");
  PGconn* c = pg_connect();
  pg_exec(c, "CREATE SCHEMA " + raw);
  pg_exec(c, "CREATE TABLE " + raw + ".plain (LIKE " + run_schema + ".billing_accrual)");
  for (const char* t : {"indexed", "inserted"})
    pg_exec(c, "CREATE TABLE " + raw + "." + t + " (LIKE " + run_schema +
                   ".billing_accrual INCLUDING ALL)");
  std::vector<std::string> batches(1);
  PGresult* r = PQexec(c, ("COPY (SELECT * FROM " + run_schema +
                           ".billing_accrual WHERE period = '2026-11' ORDER BY id) TO STDOUT")
                              .c_str());
  if (PQresultStatus(r) != PGRES_COPY_OUT) die(std::string("COPY TO: ") + PQerrorMessage(c));
  PQclear(r);
  CopyFigures f;
  char* row = nullptr;
  int len = 0;
  while ((len = PQgetCopyData(c, &row, 0)) > 0) {
    if (f.rows > 0 && f.rows % static_cast<size_t>(chunk) == 0) batches.emplace_back();
    batches.back().append(row, static_cast<size_t>(len));
    PQfreemem(row);
    ++f.rows;
  }
  while ((r = PQgetResult(c)) != nullptr) {
    pg_check(c, r, "COPY TO");
    PQclear(r);
  }
  pg_exec(c, "SET synchronous_commit = on");
  for (const char* table : {"plain", "indexed"}) {
    const std::string sql = "COPY " + raw + "." + table + " FROM STDIN";
    const auto t0 = Clock::now();
    for (const auto& b : batches) {
      pg_exec(c, "BEGIN");
      pg_copy(c, sql, b);
      pg_exec(c, "COMMIT");
    }
    (std::strcmp(table, "plain") == 0 ? f.plain : f.indexed) = since(t0);
  }
  // The rows' fields for binding: COPY's text format, \N for null (the
  // rows hold no other escapes).
  std::vector<std::vector<std::string>> fields;
  for (const auto& b : batches)
    for (size_t at = 0, end = 0; (end = b.find('\n', at)) != std::string::npos; at = end + 1) {
      fields.emplace_back();
      for (size_t f0 = at, tab = 0; f0 <= end; f0 = tab + 1) {
        tab = std::min(b.find('\t', f0), end);
        fields.back().push_back(b.substr(f0, tab - f0));
      }
    }
  const int columns = fields.empty() ? 0 : static_cast<int>(fields[0].size());
  std::string sql = "INSERT INTO " + raw + ".inserted VALUES (";
  for (int i = 1; i <= columns; ++i) sql += (i > 1 ? ", $" : "$") + std::to_string(i);
  r = PQprepare(c, "row", (sql + ")").c_str(), columns, nullptr);
  pg_check(c, r, "prepare");
  PQclear(r);
  std::vector<const char*> values(static_cast<size_t>(columns));
  const auto t0 = Clock::now();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i % static_cast<size_t>(chunk) == 0) pg_exec(c, "BEGIN");
    for (size_t k = 0; k < values.size(); ++k)
      values[k] = fields[i][k] == "\\N" ? nullptr : fields[i][k].c_str();
    r = PQexecPrepared(c, "row", columns, values.data(), nullptr, nullptr, 0);
    pg_check(c, r, "insert accrual");
    PQclear(r);
    if ((i + 1) % static_cast<size_t>(chunk) == 0 || i + 1 == fields.size()) pg_exec(c, "COMMIT");
  }
  f.insert = since(t0);
  PQfinish(c);
  drop_schema(raw);
  return f;
}

// ---- 1. billing.pay --------------------------------------------------------------

struct PayFigures {
  double opora = 0, opora_cpu = 0, raw = 0;
  Wal opora_wal, raw_wal;
};

PayFigures bench_pay(const std::string& schema, int n, int payments) {
  PayFigures f;
  opora_db* db = open_db(g_dsn, options(schema, "full"));
  std::vector<std::string> params;
  for (int i = 0; i < payments; ++i)
    params.push_back(R"({"channel":"kaspi","txn_id":")" + std::to_string(1000000 + i) +
                     R"(","account":")" + account_number(1 + (i * 7919) % n) +
                     R"(","amount":"499.00","txn_date":"2026-11-05T10:00:00"})");
  std::string answer;
  const Wal w0 = wal_now();
  double c0 = cpu_seconds();
  auto t0 = Clock::now();
  for (const auto& p : params) answer = call(db, "billing.pay", p);
  f.opora = since(t0);
  f.opora_cpu = cpu_seconds() - c0;
  opora_db_close(db);
  const Wal w1 = wal_now();
  f.opora_wal = w1 - w0;
  // The same row (the answer stored with it), one durable transaction each,
  // into opora's own table.
  PGconn* c = pg_connect();
  pg_exec(c, "SET search_path TO " + schema + "; SET synchronous_commit = on");
  PGresult* r = PQprepare(c, "pay",
                          "INSERT INTO billing_payment (channel, txn_id, account_id, amount, date, "
                          "txn_date, received_at, answer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                          8, nullptr);
  pg_check(c, r, "prepare");
  PQclear(r);
  std::vector<std::string> txn(static_cast<size_t>(payments)), account(txn.size());
  for (int i = 0; i < payments; ++i) {
    txn[static_cast<size_t>(i)] = std::to_string(2000000 + i);
    account[static_cast<size_t>(i)] = std::to_string(1 + (i * 7919) % n);
  }
  t0 = Clock::now();
  for (size_t i = 0; i < txn.size(); ++i) {
    const char* values[8] = {"raw",   txn[i].c_str(), account[i].c_str(),
                             "49900", "2026-11-05",   "2026-11-05T10:00:00",
                             kNow,    answer.c_str()};
    pg_exec(c, "BEGIN");
    r = PQexecPrepared(c, "pay", 8, values, nullptr, nullptr, 0);
    pg_check(c, r, "insert payment");
    PQclear(r);
    pg_exec(c, "COMMIT");
  }
  f.raw = since(t0);
  PQfinish(c);
  f.raw_wal = wal_now() - w1;
  return f;
}

// ---- 2. workflow.send_many ----------------------------------------------------------

// A service under supervision (the chart of bench_workflow.cpp).
const char* kService = R"({"id": "bench_service", "initial": "stopped",
 "context": {"restarts": 0, "max_restarts": 1000000000, "errors": 0, "max_errors": 1000000000},
 "states": {
  "stopped": {"on": {"start": "active"}},
  "active": {"initial": "starting",
    "on": {"stop": "stopping",
           "crash": {"target": "failed",
                     "actions": [{"assign": {"restarts": "context.restarts + 1"}}]}},
    "states": {
      "starting": {"on": {"ready": "running"}},
      "running": {"type": "parallel", "states": {
        "health": {"initial": "healthy", "states": {
          "healthy": {"on": {"degrade": {"target": "degraded",
                                         "guard": "context.errors < context.max_errors"}}},
          "degraded": {"on": {"recover": "healthy"}}}},
        "load": {"initial": "idle", "states": {
          "idle": {"on": {"busy": "busy"}},
          "busy": {"on": {"idle": "idle"}}}}}}}},
  "stopping": {"on": {"stopped": "stopped"}},
  "failed": {"always": {"target": "active", "guard": "context.restarts < context.max_restarts"},
             "on": {"reset": "stopped"}}}})";

const std::vector<std::string> kServiceCycle = {"start", "ready", "degrade", "busy", "recover",
                                                "idle",  "crash", "ready",   "stop", "stopped"};

struct WorkflowFigures {
  double opora = 0, opora_cpu = 0, floor = 0;
  long accepted = 0;
  Wal opora_wal, floor_wal;
};

WorkflowFigures bench_workflow(int instances, int events, int batch) {
  WorkflowFigures f;
  const std::string schema = new_schema("wf");
  std::vector<int64_t> ids;
  {
    json::object o{
        {"schema", schema}, {"synchronous", "normal"}, {"clock", "manual"}, {"now", kNow}};
    opora::engine::Database db(g_dsn, opora::engine::OpenOptions::parse(o));
    db.call("workflow.define", {{"definition", json::parse(kService)}});
    for (int i = 0; i < instances;) {
      opora::store::Transaction tx(db.connection());
      for (int j = 0; j < 10000 && i < instances; ++j, ++i)
        ids.push_back(db.call("workflow.start", {{"definition", "bench_service"},
                                                 {"key", "bench:" + std::to_string(i + 1)}})
                          .at("instance")
                          .as_int64());
      tx.commit();
    }
  }
  // The k-th event goes to a stride through the instances and is the next of
  // that instance's cycle.
  auto stream = [&](auto&& each) {
    std::vector<unsigned char> position(ids.size(), 0);
    for (uint64_t k = 0; k < static_cast<uint64_t>(events); ++k) {
      const size_t i = static_cast<size_t>((k * 7919u) % ids.size());
      each(ids[i], kServiceCycle[position[i]]);
      position[i] = static_cast<unsigned char>((position[i] + 1) % kServiceCycle.size());
    }
  };
  std::vector<std::string> calls;
  int in_batch = 0;
  stream([&](int64_t id, const std::string& event) {
    if (in_batch == 0) calls.emplace_back("{\"events\": [");
    calls.back() += (in_batch > 0 ? ", " : "") + std::string("{\"instance\": ") +
                    std::to_string(id) + ", \"event\": \"" + event + "\"}";
    if (++in_batch == batch) {
      calls.back() += "]}";
      in_batch = 0;
    }
  });
  if (in_batch > 0) calls.back() += "]}";
  {
    const Wal w0 = wal_now();
    opora_db* db = open_db(g_dsn, options(schema, "full"));
    const double c0 = cpu_seconds();
    const auto t0 = Clock::now();
    for (const auto& p : calls) {
      const json::value v = json::parse(call(db, "workflow.send_many", p));
      f.accepted += static_cast<long>(v.at("accepted").as_int64());
    }
    f.opora = since(t0);
    f.opora_cpu = cpu_seconds() - c0;
    opora_db_close(db);
    f.opora_wal = wal_now() - w0;
  }
  // The floor: copies of opora's instance and history tables with their
  // indexes and rows; per event the instance row updated in place and one
  // history row appended, with texts of the sizes opora wrote.
  const std::string raw = new_schema("wfraw");
  PGconn* c = pg_connect();
  pg_exec(c, "CREATE SCHEMA " + raw);
  for (const char* t : {"workflow_instance", "workflow_history"}) {
    pg_exec(c, "CREATE TABLE " + raw + "." + t + " (LIKE " + schema + "." + t + " INCLUDING ALL)");
    pg_exec(c, "INSERT INTO " + raw + "." + t + " SELECT * FROM " + schema + "." + t);
  }
  // The floor's ids come from an identity (opora's come from its trigger).
  pg_exec(c, "ALTER TABLE " + raw +
                 ".workflow_history ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY");
  pg_exec(c, "SELECT setval(pg_get_serial_sequence('" + raw +
                 ".workflow_history', 'id'), (SELECT max(id) FROM " + raw + ".workflow_history))");
  pg_exec(c, "ANALYZE " + raw + ".workflow_instance, " + raw + ".workflow_history");
  const std::string state =
      pg_value(c, "SELECT state FROM " + schema + ".workflow_instance ORDER BY seq DESC LIMIT 1");
  const std::string context =
      pg_value(c, "SELECT context FROM " + schema + ".workflow_instance ORDER BY seq DESC LIMIT 1");
  const std::string record =
      pg_value(c, "SELECT record FROM " + schema +
                      ".workflow_history WHERE seq > 1 ORDER BY id DESC LIMIT 1");
  PQfinish(c);
  const Wal w0 = wal_now();
  c = pg_connect();
  pg_exec(c, "SET search_path TO " + raw + "; SET synchronous_commit = on");
  PGresult* r = PQprepare(c, "up",
                          "UPDATE workflow_instance SET state = $2, context = $3, seq = seq + 1, "
                          "updated_at = $4, history_tail = $5 WHERE id = $1",
                          5, nullptr);
  pg_check(c, r, "prepare");
  PQclear(r);
  r = PQprepare(c, "hist",
                "INSERT INTO workflow_history (instance_id, seq, at, record, prev) VALUES ($1, $2, "
                "$3, $4, $5)",
                5, nullptr);
  pg_check(c, r, "prepare");
  PQclear(r);
  std::vector<std::string> id_text;
  stream([&](int64_t id, const std::string&) { id_text.push_back(std::to_string(id)); });
  const auto t0 = Clock::now();
  for (size_t k = 0; k < id_text.size(); ++k) {
    if (k % static_cast<size_t>(batch) == 0) pg_exec(c, "BEGIN");
    const char* up[5] = {id_text[k].c_str(), state.c_str(), context.c_str(), kNow, "1"};
    r = PQexecPrepared(c, "up", 5, up, nullptr, nullptr, 0);
    pg_check(c, r, "update");
    PQclear(r);
    const char* h[5] = {id_text[k].c_str(), "2", kNow, record.c_str(), "1"};
    r = PQexecPrepared(c, "hist", 5, h, nullptr, nullptr, 0);
    pg_check(c, r, "insert");
    PQclear(r);
    if ((k + 1) % static_cast<size_t>(batch) == 0 || k + 1 == id_text.size()) pg_exec(c, "COMMIT");
  }
  f.floor = since(t0);
  PQfinish(c);
  f.floor_wal = wal_now() - w0;
  drop_schema(raw);
  drop_schema(schema);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strncmp(argv[1], "postgres", 8) != 0) {
    std::fprintf(stderr,
                 "usage: opora_bench_postgres DSN [accounts=100000] [payments=2000] "
                 "[instances=20000] [events=50000] [batch=1000] [chunk=5000] [documents=0] "
                 "[dir=/tmp]\n");
    return 2;
  }
  g_dsn = argv[1];
  g_main_pid = getpid();
  const int n = argc > 2 ? std::atoi(argv[2]) : 100000;
  const int payments = argc > 3 ? std::atoi(argv[3]) : 2000;
  const int instances = argc > 4 ? std::atoi(argv[4]) : 20000;
  const int events = argc > 5 ? std::atoi(argv[5]) : 50000;
  const int batch = argc > 6 ? std::atoi(argv[6]) : 1000;
  const int chunk = argc > 7 ? std::atoi(argv[7]) : 5000;
  const bool documents = argc > 8 && std::atoi(argv[8]) != 0;
  const std::string dir = argc > 9 ? argv[9] : "/tmp";
  if (n < 1 || payments < 1 || instances < 1 || events < 1 || batch < 1 || chunk < 1)
    die("every count must be at least 1");
  const auto t_all = Clock::now();
  {
    PGconn* c = pg_connect();
    std::printf(
        "opora %s, SQLite %s, server %s, fsync=%s, synchronous_commit=%s, "
        "shared_buffers=%s; N = %d accounts\n",
        opora_version(), sqlite3_libversion(), pg_value(c, "SHOW server_version").c_str(),
        pg_value(c, "SHOW fsync").c_str(), pg_value(c, "SHOW synchronous_commit").c_str(),
        pg_value(c, "SHOW shared_buffers").c_str(), n);
    if (pg_value(c, "SHOW fsync") != "on")
      std::printf(
          "NOTE: fsync is off on this server: commits are not durable and their figures "
          "say nothing about the disk\n");
    PQfinish(c);
  }
  try {
    // 3. billing.run with 1, 2 and 4 workers; pay on the first schema.
    std::printf(
        "billing.run 2026-11, N = %d accounts (one subscription each), %s, chunks of %d "
        "accounts, synchronous full:\n",
        n, documents ? "lines and accrual documents" : "lines only (\"documents\": false)", chunk);
    RunFigures pg[3];
    CopyFigures copy;
    PayFigures pay;
    const int settings[3] = {1, 2, 4};
    for (int s = 0; s < 3; ++s) {
      const std::string schema = new_schema("run" + std::to_string(settings[s]));
      const auto ts = Clock::now();
      populate_pg(schema, n);
      const double setup = since(ts);
      pg[s] = run_workers(g_dsn, options(schema, "full"), settings[s], chunk, documents);
      const int64_t lines = lines_of(schema);
      if (lines != n)
        die("the run wrote " + std::to_string(lines) + " lines, not " + std::to_string(n));
      std::printf(
          "  PostgreSQL, %d worker%s: %7.2f s wall (billing.run returned at %.2f s), "
          "%.2f s client CPU; %s; %lld claims lost (setup %.1f s)\n",
          settings[s], settings[s] == 1 ? " " : "s", pg[s].wall, pg[s].first, pg[s].cpu,
          pg[s].chunks.c_str(), static_cast<long long>(extra_claims(schema)), setup);
      std::fflush(stdout);
      if (s == 0) {
        copy = copy_floor(schema, chunk);
        pay = bench_pay(schema, n, payments);
      }
      drop_schema(schema);
    }
    const std::string file = dir + "/opora_bench_postgres.db";
    populate_sqlite(file, n);
    const RunFigures lite =
        run_workers(file, R"({"synchronous":"full","clock":"manual","now":"2026-11-01T06:00:00Z"})",
                    1, chunk, documents);
    remove_file(file);
    std::printf("  SQLite, 1 worker       : %7.2f s wall, %.2f s CPU\n", lite.wall, lite.cpu);
    std::printf("  raw COPY of the same %zu accrual rows, %d per transaction:\n", copy.rows, chunk);
    std::printf(
        "    plain table (no index)          : %7.2f s  (ratio floor/opora at 1 worker %.2f)\n",
        copy.plain, copy.plain / pg[0].wall);
    std::printf("    copy of opora's table, indexes  : %7.2f s  (ratio %.2f)\n", copy.indexed,
                copy.indexed / pg[0].wall);
    std::printf("  raw INSERT of the same rows, one prepared statement (a round trip) per row:\n");
    std::printf("    copy of opora's table, indexes  : %7.2f s  (ratio %.2f)\n", copy.insert,
                copy.insert / pg[0].wall);
    std::printf(
        "  speed-up over 1 worker: 2 workers %.2fx, 4 workers %.2fx; PostgreSQL/SQLite at "
        "1 worker: %.2f\n",
        pg[0].wall / pg[1].wall, pg[0].wall / pg[2].wall, pg[0].wall / lite.wall);

    // 1. billing.pay
    std::printf("billing.pay, %d payments, each its own call and durable transaction:\n", payments);
    std::printf("  opora : %8.0f payments/s (%.3f ms each, %.3f ms client CPU)\n",
                payments / pay.opora, pay.opora * 1000 / payments, pay.opora_cpu * 1000 / payments);
    std::printf(
        "  raw   : %8.0f payments/s (BEGIN, INSERT of the same row, COMMIT; %.3f ms each)\n",
        payments / pay.raw, pay.raw * 1000 / payments);
    std::printf("  ratio opora/raw: %.2f\n", pay.raw / pay.opora);
    std::printf(
        "  WAL per payment: opora %.2f syncs, %.1f records, %.0f bytes; raw %.2f syncs, "
        "%.1f records, %.0f bytes\n",
        pay.opora_wal.syncs / payments, pay.opora_wal.records / payments,
        pay.opora_wal.bytes / payments, pay.raw_wal.syncs / payments,
        pay.raw_wal.records / payments, pay.raw_wal.bytes / payments);
    std::fflush(stdout);

    // 2. workflow.send_many
    const WorkflowFigures wf = bench_workflow(instances, events, batch);
    std::printf(
        "workflow.send_many, %d events into %d live instances, %d per call, synchronous "
        "full:\n",
        events, instances, batch);
    std::printf("  opora : %8.0f events/s (%.1f us each, %.1f us client CPU; %ld accepted)\n",
                events / wf.opora, wf.opora * 1e6 / events, wf.opora_cpu * 1e6 / events,
                wf.accepted);
    std::printf(
        "  raw   : %8.0f events/s (UPDATE of the instance row + INSERT of a history row, "
        "same batches)\n",
        events / wf.floor);
    std::printf("  ratio opora/raw: %.2f\n", wf.floor / wf.opora);
    std::printf("  WAL per event: opora %.1f records, %.0f bytes; raw %.1f records, %.0f bytes\n",
                wf.opora_wal.records / events, wf.opora_wal.bytes / events,
                wf.floor_wal.records / events, wf.floor_wal.bytes / events);
  } catch (const std::exception& e) {
    die(e.what());
  }
  drop_schemas();
  std::printf("total %.0f s\n", since(t_all));
  return 0;
}

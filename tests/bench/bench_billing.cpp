// Billing benchmark (issue 4). With N accounts (one subscription each):
//  - billing.run for one month, persisted, beside a raw SQLite insert of the
//    same accrual rows (same columns and indexes, same chunking) measured in
//    the same run; once with accrual documents in the registry, once without;
//  - billing.pay, each payment its own durable transaction, beside the raw
//    durable-commit rate of SQLite on the same file;
//  - billing.check latency percentiles;
//  - the floor of a run (issue 15): raw SQLite writing the least that makes
//    the month's accruals durable and queryable (one line per subscription
//    with only the fact's columns and one index by account, plus one progress
//    row per chunk), in the same transactions, measured in the same run;
//  - peak memory (getrusage ru_maxrss) after each phase.
//
//   opora_bench_billing [accounts=1000000] [dir=/tmp] [payments=1000] [checks=20000] [mode]
// mode: (none) everything; "lines": the run without documents beside the raw
// figures; "documents": the run with documents alone; "check": the run without documents, then
// billing.check (for 10M accounts, not in CI); "dunning": the shipped dunning process. With
// OPORA_BENCH_PERF_CTL=<fifo> set, the bench writes "enable"/"disable" to that perf control fifo
// around each measured opora call, so that `perf record --control fifo:<fifo> -D -1` profiles only
// them.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "opora/opora.h"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
double cpu_now() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

// Peak resident memory of the process so far, MiB.
double peak_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

void perf_ctl(const char* cmd) {
  const char* fifo = std::getenv("OPORA_BENCH_PERF_CTL");
  if (fifo == nullptr) return;
  if (FILE* f = std::fopen(fifo, "w")) {
    std::fprintf(f, "%s\n", cmd);
    std::fclose(f);
  }
}

void die(const char* what) {
  std::fprintf(stderr, "bench: %s: %s\n", what, opora_last_error_message());
  std::exit(1);
}

std::string call(opora_db* db, const char* method, const std::string& params) {
  char* out = nullptr;
  if (opora_db_call(db, method, params.c_str(), &out) != OPORA_OK) die(method);
  std::string s = out;
  opora_free(out);
  return s;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "bench: sql: %s\n", err);
    std::exit(1);
  }
}

std::string account_number(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "LS-%07d", i);
  return buf;
}

opora_db* open_db(const std::string& path, const char* options) {
  opora_db* db = nullptr;
  if (opora_db_open(&db, path.c_str(), options) != OPORA_OK) die("open");
  return db;
}

// N accounts with one subscription each, written straight into the tables
// (setup is not what is measured; the rows are what billing.account.put and
// billing.subscription.connect would write).
void populate(const std::string& path, int n) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  opora_db* db = open_db(path, R"({"clock":"manual","now":"2026-11-01T06:00:00Z"})");
  call(db, "billing.tariff.define",
       R"({"code":"home100","name":"Домашний 100","fee":"499.00","tax":"ru_vat"})");
  opora_db_close(db);
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  exec(raw, "PRAGMA synchronous=OFF; BEGIN");
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
    const std::string body = R"({"holder":{"type":"person","name":")" + name +
                             R"("},"phone":"+79990000000","status":"active","number":")" + number +
                             R"(","currency":"RUB","credit_limit":"0.00"})";
    // Every 10th subscriber connected mid-October, the rest long before.
    const char* start = i % 10 == 0 ? "2026-11-15" : "2025-03-01";
    sqlite3_bind_int(acc, 1, i);
    sqlite3_bind_text(acc, 2, number.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(acc, 3, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(acc, 4, body.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(acc);
    sqlite3_reset(acc);
    sqlite3_bind_int(sub, 1, i);
    sqlite3_bind_text(sub, 2, start, -1, SQLITE_STATIC);
    sqlite3_step(sub);
    sqlite3_reset(sub);
    sqlite3_bind_int(tar, 1, i);
    sqlite3_bind_text(tar, 2, start, -1, SQLITE_STATIC);
    sqlite3_step(tar);
    sqlite3_reset(tar);
  }
  sqlite3_finalize(acc);
  sqlite3_finalize(sub);
  sqlite3_finalize(tar);
  exec(raw, "COMMIT");
  sqlite3_close(raw);
}

struct RunFigures {
  double wall = 0;
  double cpu = 0;
};

// The "accounts" a run's answer counts.
size_t accounts_of(const std::string& res) {
  const auto at = res.find("\"accounts\":");
  return at == std::string::npos ? 0 : std::strtoul(res.c_str() + at + 11, nullptr, 10);
}

RunFigures measure_run(const std::string& path, bool documents, bool repeat = true) {
  // Durable as the floor: every chunk's commit is synced.
  opora_db* db =
      open_db(path, R"({"clock":"manual","now":"2026-11-01T06:00:00Z","synchronous":"full"})");
  const double c0 = cpu_now();
  const auto t0 = Clock::now();
  perf_ctl("enable");
  const std::string res = call(
      db, "billing.run",
      std::string(R"({"period":"2026-11","documents":)") + (documents ? "true" : "false") + "}");
  perf_ctl("disable");
  RunFigures f{since(t0), cpu_now() - c0};
  std::printf("  peak memory after the run: %.1f MiB (ru_maxrss), SQLite's high water %.1f MiB\n",
              peak_mib(), static_cast<double>(sqlite3_memory_highwater(1)) / 1048576.0);
  std::printf("  %.2f s wall, %.2f s CPU (%.2f us per account)\n", f.wall, f.cpu,
              f.wall * 1e6 / static_cast<double>(std::max<size_t>(1, accounts_of(res))));
  if (res.find("\"complete\":true") == std::string::npos) die("run incomplete");
  if (repeat) {
    const auto t1 = Clock::now();
    call(db, "billing.run", R"({"period":"2026-11"})");
    std::printf("  second run of the same period (posts nothing): %.2f s\n", since(t1));
  }
  opora_db_close(db);
  return f;
}

// The same accrual rows straight into SQLite: same columns, same unique and
// secondary indexes, same chunk size, one prepared statement.
RunFigures raw_accruals(const std::string& path, int n) {
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  exec(raw,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE billing_accrual (id INTEGER "
       "PRIMARY KEY, account_id INTEGER NOT NULL, subscription_id INTEGER, period TEXT NOT NULL, "
       "seq INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, date TEXT NOT NULL, due_date "
       "TEXT NOT NULL, date_from TEXT, date_to TEXT, days INTEGER, base INTEGER NOT NULL, discount "
       "INTEGER NOT NULL, amount INTEGER NOT NULL, vat INTEGER NOT NULL, tax_code TEXT NOT NULL, "
       "vat_rate TEXT NOT NULL, vat_mode TEXT NOT NULL, run_id INTEGER, doc_id INTEGER, charge_key "
       "TEXT, storno_of INTEGER, reversed_by INTEGER) STRICT; CREATE UNIQUE INDEX a1 ON "
       "billing_accrual (period, subscription_id, seq) WHERE subscription_id IS NOT NULL AND "
       "storno_of IS NULL; CREATE UNIQUE INDEX a2 ON billing_accrual (account_id, charge_key) "
       "WHERE charge_key IS NOT NULL; CREATE INDEX a3 ON billing_accrual (account_id, period);");
  sqlite3_stmt* st = nullptr;
  // Every column bound, as opora binds them, text without copies.
  sqlite3_prepare_v2(raw,
                     "INSERT INTO billing_accrual (account_id, subscription_id, period, seq, kind, "
                     "name, date, due_date, date_from, date_to, days, base, discount, amount, vat, "
                     "tax_code, vat_rate, vat_mode, run_id, doc_id, charge_key, storno_of) VALUES "
                     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                     "?18, ?19, ?20, ?21, ?22)",
                     -1, &st, nullptr);
  const double c0 = cpu_now();
  const auto t0 = Clock::now();
  for (int i = 1; i <= n; ++i) {
    if (i % 10000 == 1) exec(raw, "BEGIN");
    const bool mid = i % 10 == 0;
    const int64_t amount = mid ? 26613 : 49900;
    const char* from = mid ? "2026-11-15" : "2026-11-01";
    sqlite3_bind_int(st, 1, i);
    sqlite3_bind_int(st, 2, i);
    sqlite3_bind_text(st, 3, "2026-11", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, 0);
    sqlite3_bind_text(st, 5, "fee", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, "Домашний 100", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, mid ? "2026-11-25" : "2026-11-11", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, "2026-11-30", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 11, mid ? 16 : 30);
    sqlite3_bind_int64(st, 12, amount);
    sqlite3_bind_int64(st, 13, 0);
    sqlite3_bind_int64(st, 14, amount);
    sqlite3_bind_int64(st, 15, amount * 22 / 122);
    sqlite3_bind_text(st, 16, "ru_vat", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 17, "22", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 18, "included", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 19, 1);
    sqlite3_bind_null(st, 20);
    sqlite3_bind_null(st, 21);
    sqlite3_bind_null(st, 22);
    sqlite3_step(st);
    sqlite3_reset(st);
    if (i % 10000 == 0 || i == n) exec(raw, "COMMIT");
  }
  RunFigures f{since(t0), cpu_now() - c0};
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return f;
}

// The floor of a run: the least that makes the month's accruals durable and
// queryable. Per subscription one line with the fact alone (account,
// subscription, period, amount owed, its VAT and rate, when it is due, all
// integers) and one index to find an account's lines by period; per chunk
// of 10,000 accounts one progress row, in the chunk's transaction;
// synchronous=FULL, one prepared statement each, values computed in advance.
RunFigures floor_accruals(const std::string& path, int n) {
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  exec(raw,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE accrual (id INTEGER "
       "PRIMARY KEY, account_id INTEGER NOT NULL, subscription_id INTEGER NOT NULL, period INTEGER "
       "NOT NULL, amount INTEGER NOT NULL, vat INTEGER NOT NULL, vat_rate INTEGER NOT NULL, "
       "due INTEGER NOT NULL) STRICT; CREATE INDEX accrual_account ON accrual (account_id, "
       "period); CREATE TABLE run_chunk (run_id INTEGER NOT NULL, first_account INTEGER NOT NULL, "
       "last_account INTEGER NOT NULL, lines INTEGER NOT NULL, PRIMARY KEY (run_id, "
       "first_account)) STRICT, WITHOUT ROWID;");
  sqlite3_stmt* st = nullptr;
  sqlite3_stmt* chunk = nullptr;
  sqlite3_prepare_v2(raw,
                     "INSERT INTO accrual (account_id, subscription_id, period, amount, vat, "
                     "vat_rate, due) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     -1, &st, nullptr);
  sqlite3_prepare_v2(raw,
                     "INSERT INTO run_chunk (run_id, first_account, last_account, lines) VALUES "
                     "(1, ?1, ?2, ?3)",
                     -1, &chunk, nullptr);
  const double c0 = cpu_now();
  const auto t0 = Clock::now();
  for (int i = 1; i <= n; ++i) {
    if (i % 10000 == 1) exec(raw, "BEGIN");
    const bool mid = i % 10 == 0;
    const int64_t amount = mid ? 26613 : 49900;
    sqlite3_bind_int(st, 1, i);
    sqlite3_bind_int(st, 2, i);
    sqlite3_bind_int(st, 3, 202611);
    sqlite3_bind_int64(st, 4, amount);
    sqlite3_bind_int64(st, 5, amount * 22 / 122);
    sqlite3_bind_int(st, 6, 22);
    sqlite3_bind_int(st, 7, mid ? 20261125 : 20261111);
    sqlite3_step(st);
    sqlite3_reset(st);
    if (i % 10000 == 0 || i == n) {
      const int first = (i - 1) / 10000 * 10000 + 1;
      sqlite3_bind_int(chunk, 1, first);
      sqlite3_bind_int(chunk, 2, i);
      sqlite3_bind_int(chunk, 3, i - first + 1);
      sqlite3_step(chunk);
      sqlite3_reset(chunk);
      exec(raw, "COMMIT");
    }
  }
  RunFigures f{since(t0), cpu_now() - c0};
  sqlite3_finalize(st);
  sqlite3_finalize(chunk);
  sqlite3_close(raw);
  return f;
}

// The floor of an accrual document (issue 15): raw SQLite writing the rows
// opora keeps for one, in opora's own tables (made by opening the file with
// opora): the document row with its body and uid, its ref, its journal row
// and its index-queue row, one prepared statement each, the sequence counter
// once per chunk, in the same 10,000-document transactions, synchronous=FULL.
// Uids are random (version 4) as the id source makes them, or, with
// `ordered_uids`, time-ordered, to show what the uid index costs.
RunFigures document_floor(const std::string& path, int n, bool ordered_uids) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  opora_db_close(open_db(path, R"({"clock":"manual","now":"2026-11-01T06:00:00Z"})"));
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  // opora's page cache (store/sqlite.cpp), without its foreign-key checks.
  exec(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16384");
  sqlite3_stmt* doc = nullptr;
  sqlite3_stmt* ref = nullptr;
  sqlite3_stmt* jour = nullptr;
  sqlite3_stmt* queue = nullptr;
  sqlite3_stmt* seq = nullptr;
  sqlite3_prepare_v2(raw,
                     "INSERT INTO document (id, kind, number, number_scope, date, cp_tax_id, "
                     "currency, gross, status, is_final, valid_from, valid_to, supersedes, body, "
                     "chain_id, version, created_at, updated_at, uid) VALUES (?1, 'accrual', ?2, "
                     "'accrual', '2026-11-01', NULL, 'RUB', ?3, 'posted', 1, NULL, NULL, NULL, ?4, "
                     "NULL, 1, '2026-11-01T06:00:00Z', '2026-11-01T06:00:00Z', ?5)",
                     -1, &doc, nullptr);
  sqlite3_prepare_v2(raw,
                     "INSERT INTO document_ref (ref, kind, doc_id, live) VALUES (?1, 'accrual', "
                     "?2, 1)",
                     -1, &ref, nullptr);
  sqlite3_prepare_v2(raw,
                     "INSERT INTO document_journal (doc_id, at, actor, action, field, old, new, "
                     "reason, origin_node, origin_msg_no) VALUES (?1, '2026-11-01T06:00:00Z', "
                     "'billing', 'created', NULL, NULL, ?2, NULL, NULL, NULL)",
                     -1, &jour, nullptr);
  sqlite3_prepare_v2(raw, "INSERT INTO document_index_queue (doc_id) VALUES (?1)", -1, &queue,
                     nullptr);
  sqlite3_prepare_v2(raw,
                     "INSERT INTO registry_sequence (scope, last) VALUES ('accrual|2026', ?1) ON "
                     "CONFLICT (scope) DO UPDATE SET last = excluded.last",
                     -1, &seq, nullptr);
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {  // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
  };
  const double c0 = cpu_now();
  const auto t0 = Clock::now();
  char number[32];
  char uid[40];
  std::string body;
  for (int i = 1; i <= n; ++i) {
    if (i % 10000 == 1) exec(raw, "BEGIN");
    const bool mid = i % 10 == 0;
    const std::string account = account_number(i);
    std::snprintf(number, sizeof number, "НЧ-2026-%08d", i);
    const uint64_t hi = ordered_uids ? static_cast<uint64_t>(i) << 16 : next();
    const uint64_t lo = next();
    std::snprintf(uid, sizeof uid, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFF),
                  static_cast<unsigned>(0x8000 | (lo >> 50)),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    const char* amount = mid ? "266.13" : "499.00";
    body =
        R"({"kind":"accrual","date":"2026-11-01","organization":null,"counterparty":{"type":"person","name":"Абонент )" +
        std::to_string(i) + R"("},"refs":["billing:account:)" + account +
        R"("],"currency":"RUB","vat_mode":"included","items":[{"name":"Домашний 100","quantity":"1","price":")" +
        amount +
        R"(","discount":"0.00","vat_rate":"22","vat_mode":"included","net":"409.02","vat":"89.98","gross":")" +
        amount + R"("}],"totals":{"net":"409.02","vat":"89.98","gross":")" + amount +
        R"(","vat_by_rate":[{"rate":"22","net":"409.02","vat":"89.98"}]},"basis_id":null,"basis_text":null,"valid_from":null,"valid_to":null,"supersedes":null,"requires_countersign":false,"custom":{"account":")" +
        account +
        R"(","period":"2026-11","run":1,"lines":[{"from":"2026-11-01","to":"2026-11-30","subscription":)" +
        std::to_string(i) + R"(}]},"notes":null})";
    sqlite3_bind_int(doc, 1, i);
    sqlite3_bind_text(doc, 2, number, -1, SQLITE_STATIC);
    sqlite3_bind_int64(doc, 3, mid ? 26613 : 49900);
    sqlite3_bind_text(doc, 4, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    sqlite3_bind_text(doc, 5, uid, -1, SQLITE_STATIC);
    sqlite3_step(doc);
    sqlite3_reset(doc);
    const std::string r = "billing:account:" + account;
    sqlite3_bind_text(ref, 1, r.data(), static_cast<int>(r.size()), SQLITE_STATIC);
    sqlite3_bind_int(ref, 2, i);
    sqlite3_step(ref);
    sqlite3_reset(ref);
    sqlite3_bind_int(jour, 1, i);
    sqlite3_bind_text(jour, 2, number, -1, SQLITE_STATIC);
    sqlite3_step(jour);
    sqlite3_reset(jour);
    sqlite3_bind_int(queue, 1, i);
    sqlite3_step(queue);
    sqlite3_reset(queue);
    if (i % 10000 == 0 || i == n) {
      sqlite3_bind_int(seq, 1, i);
      sqlite3_step(seq);
      sqlite3_reset(seq);
      exec(raw, "COMMIT");
    }
  }
  RunFigures f{since(t0), cpu_now() - c0};
  for (sqlite3_stmt* st : {doc, ref, jour, queue, seq}) sqlite3_finalize(st);
  sqlite3_close(raw);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return f;
}

void bench_pay_and_check(const std::string& path, int n, int payments, int checks) {
  opora_db* db = open_db(path, R"({"synchronous":"full"})");
  // billing.pay: one durable transaction per payment.
  double c0 = cpu_now();
  auto t0 = Clock::now();
  for (int i = 0; i < payments; ++i) {
    const std::string p = R"({"channel":"kaspi","txn_id":")" + std::to_string(1000000 + i) +
                          R"(","account":")" + account_number(1 + (i * 7919) % n) +
                          R"(","amount":"499.00","txn_date":"2026-11-05T10:00:00"})";
    if (i == 0) perf_ctl("enable");
    call(db, "billing.pay", p);
  }
  perf_ctl("disable");
  const double pay_wall = since(t0);
  const double pay_cpu = cpu_now() - c0;
  // The same number of durable commits of one row each, raw, on the same file.
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  exec(raw,
       "PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS raw_commit (k TEXT PRIMARY KEY, v "
       "INTEGER)");
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(raw, "INSERT INTO raw_commit (k, v) VALUES (?1, ?2)", -1, &st, nullptr);
  c0 = cpu_now();
  t0 = Clock::now();
  for (int i = 0; i < payments; ++i) {
    exec(raw, "BEGIN IMMEDIATE");
    const std::string k = "kaspi:" + std::to_string(2000000 + i);
    sqlite3_bind_text(st, 1, k.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, 49900);
    sqlite3_step(st);
    sqlite3_reset(st);
    exec(raw, "COMMIT");
  }
  const double raw_wall = since(t0);
  const double raw_cpu = cpu_now() - c0;
  sqlite3_finalize(st);
  sqlite3_close(raw);
  std::printf("billing.pay, %d payments, one durable transaction each:\n", payments);
  std::printf("  opora : %8.0f payments/s wall (%.3f ms each, %.3f ms CPU)\n", payments / pay_wall,
              pay_wall * 1000 / payments, pay_cpu * 1000 / payments);
  std::printf("  raw   : %8.0f commits/s wall (%.3f ms each, %.3f ms CPU)\n", payments / raw_wall,
              raw_wall * 1000 / payments, raw_cpu * 1000 / payments);
  std::printf("  ratio opora/raw: %.2f (aim >= 0.8)\n", raw_wall / pay_wall);

  // billing.check: side-effect free; by account number.
  std::vector<double> lat;
  lat.reserve(static_cast<size_t>(checks));
  for (int i = 0; i < checks; ++i) {
    const std::string p =
        R"({"channel":"kaspi","account":")" + account_number(1 + (i * 104729) % n) + "\"}";
    const auto t = Clock::now();
    call(db, "billing.check", p);
    lat.push_back(since(t) * 1000);
  }
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) {
    return lat[static_cast<size_t>(q * static_cast<double>(lat.size() - 1))];
  };
  std::printf(
      "billing.check, %d calls, %d accounts: p50 %.3f ms, p99 %.3f ms, max %.3f ms (limit p99 <= "
      "0.2)\n",
      checks, n, pct(0.5), pct(0.99), lat.back());
  std::printf("peak memory: %.1f MiB (ru_maxrss)\n", peak_mib());
  opora_db_close(db);
}

// What the shipped `dunning` process costs on billing's hot paths: the same
// month's run and the same payments on two identical files, one with the
// process installed (every accrual that leaves a debt starts a process that
// sends its bill as an effect; every payment that clears the debt ends it, with
// a thank-you effect), one without (billing's events find no listener).
void bench_dunning(const std::string& dir, int n, int payments) {
  struct Side {
    double run_wall = 0, run_cpu = 0, pay_wall = 0, pay_cpu = 0;
    std::string effects;
  };
  auto side = [&](bool dunning) {
    const std::string path = dir + (dunning ? "/opora_bench_dunning.db" : "/opora_bench_plain.db");
    populate(path, n);
    opora_db* db =
        open_db(path, R"({"clock":"manual","now":"2026-11-01T06:00:00Z","synchronous":"full"})");
    if (dunning) call(db, "workflow.install", R"({"definition":"dunning"})");
    Side s;
    double c0 = cpu_now();
    auto t0 = Clock::now();
    const std::string run = call(db, "billing.run", R"({"period":"2026-11","documents":false})");
    s.run_wall = since(t0);
    s.run_cpu = cpu_now() - c0;
    if (run.find("\"complete\":true") == std::string::npos) die("run incomplete");
    call(db, "clock.set", R"({"now":"2026-11-05T10:00:00Z"})");
    c0 = cpu_now();
    t0 = Clock::now();
    for (int i = 0; i < payments; ++i) {
      // Distinct accounts, each paying its whole bill: every payment clears a debt.
      const std::string p = R"({"channel":"kaspi","txn_id":")" + std::to_string(1000000 + i) +
                            R"(","account":")" + account_number(1 + i) +
                            R"(","amount":"499.00","txn_date":"2026-11-05T10:00:00"})";
      call(db, "billing.pay", p);
    }
    s.pay_wall = since(t0);
    s.pay_cpu = cpu_now() - c0;
    s.effects = call(db, "effects.fetch", R"({"limit":1})");
    opora_db_close(db);
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    return s;
  };
  const Side plain = side(false);
  const Side with = side(true);
  if (with.effects.find("\"type\"") == std::string::npos) die("dunning sent nothing");
  std::printf("the shipped dunning process on billing's paths (%d accounts, %d payments):\n", n,
              payments);
  std::printf("  billing.run, no listener   : %6.2f s wall, %6.2f s CPU (%.1f us/account)\n",
              plain.run_wall, plain.run_cpu, plain.run_wall * 1e6 / n);
  std::printf("  billing.run, dunning       : %6.2f s wall, %6.2f s CPU (%.1f us/account)\n",
              with.run_wall, with.run_cpu, with.run_wall * 1e6 / n);
  std::printf("  billing.pay, no listener   : %8.0f payments/s (%.3f ms each, %.3f ms CPU)\n",
              payments / plain.pay_wall, plain.pay_wall * 1000 / payments,
              plain.pay_cpu * 1000 / payments);
  std::printf("  billing.pay, dunning       : %8.0f payments/s (%.3f ms each, %.3f ms CPU)\n",
              payments / with.pay_wall, with.pay_wall * 1000 / payments,
              with.pay_cpu * 1000 / payments);
  std::printf("  ratio (no listener / dunning): run %.2f, pay %.2f\n",
              plain.run_wall / with.run_wall, plain.pay_wall / with.pay_wall);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const int payments = argc > 3 ? std::atoi(argv[3]) : 1000;
  const int checks = argc > 4 ? std::atoi(argv[4]) : 20000;
  const std::string mode = argc > 5 ? argv[5] : "";
  const std::string with_docs = dir + "/opora_bench_billing.db";
  const std::string without_docs = dir + "/opora_bench_billing_nodocs.db";
  const std::string raw = dir + "/opora_bench_billing_raw.db";
  const std::string floor = dir + "/opora_bench_billing_floor.db";

  std::printf("opora %s, SQLite %s, %d accounts with one subscription each\n", opora_version(),
              sqlite3_libversion(), n);
  auto t = Clock::now();
  if (mode == "dunning") {
    bench_dunning(dir, n, payments);
    return 0;
  }
  if (mode == "documents") {
    populate(with_docs, n);
    std::printf("setup: %.1f s, peak memory %.1f MiB\n", since(t), peak_mib());
    std::printf("billing.run 2026-11 with one accrual document per account:\n");
    const RunFigures full = measure_run(with_docs, true);
    std::remove(with_docs.c_str());
    std::remove((with_docs + "-wal").c_str());
    const std::string docs_floor = dir + "/opora_bench_billing_docfloor.db";
    const RunFigures random_uids = document_floor(docs_floor, n, false);
    const RunFigures ordered_uids = document_floor(docs_floor, n, true);
    std::printf("the documents' floor (raw SQLite, the registry's rows of %d documents):\n", n);
    std::printf("  random uids (as opora's)  : %6.2f s wall, %6.2f s CPU (%.2f us CPU each)\n",
                random_uids.wall, random_uids.cpu, random_uids.cpu * 1e6 / n);
    std::printf("  time-ordered uids         : %6.2f s wall, %6.2f s CPU (%.2f us CPU each)\n",
                ordered_uids.wall, ordered_uids.cpu, ordered_uids.cpu * 1e6 / n);
    std::printf("  opora, lines + documents  : %6.2f s wall, %6.2f s CPU\n", full.wall, full.cpu);
    return 0;
  }
  populate(without_docs, n);
  std::printf("setup: %.1f s, peak memory %.1f MiB\n", since(t), peak_mib());
  std::printf("billing.run 2026-11 without registry documents:\n");
  const RunFigures bare = measure_run(without_docs, false, mode != "check");
  if (mode == "check") {  // billing.check on a large file (10M accounts: not in CI)
    bench_pay_and_check(without_docs, n, payments, checks);
    return 0;
  }
  const RunFigures rawf = raw_accruals(raw, n);
  const RunFigures floorf = floor_accruals(floor, n);
  std::remove(raw.c_str());
  std::remove((raw + "-wal").c_str());
  std::remove(floor.c_str());
  std::remove((floor + "-wal").c_str());
  auto print_lines = [&] {
    std::printf("billing.run for one month, persisted (%d accounts, %d lines):\n", n, n);
    std::printf("  opora, lines only      : %6.2f s wall, %6.2f s CPU (target <= 4 s at 1M)\n",
                bare.wall, bare.cpu);
    std::printf("  floor (raw, the fact)  : %6.2f s wall, %6.2f s CPU\n", floorf.wall, floorf.cpu);
    std::printf("  raw SQLite same rows   : %6.2f s wall, %6.2f s CPU\n", rawf.wall, rawf.cpu);
    std::printf("  ratio floor/opora: %.2f (aim >= 0.5); same rows/opora: %.2f\n",
                floorf.wall / bare.wall, rawf.wall / bare.wall);
  };
  if (mode == "lines") {
    print_lines();
    return 0;
  }
  populate(with_docs, n);
  std::printf("billing.run 2026-11 with one accrual document per account:\n");
  const RunFigures full = measure_run(with_docs, true);
  print_lines();
  std::printf("  opora, lines + registry: %6.2f s wall, %6.2f s CPU (target <= 10 s at 1M)\n",
              full.wall, full.cpu);
  std::printf("  ratio floor/opora (with documents): %.2f\n", floorf.wall / full.wall);
  bench_pay_and_check(with_docs, n, payments, checks);
  return 0;
}

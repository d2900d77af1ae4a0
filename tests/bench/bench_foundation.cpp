// Foundation benchmarks. Each figure is printed beside the limit it chases,
// measured in the same run:
//  1. store inserts through opora's statement cache and transaction guard
//     vs the same rows through the raw SQLite C API;
//  2. a method call through the C ABI (JSON in, schema check, JSON out)
//     vs the same computation called directly in C++;
//  3. requisites.validate through the C ABI vs the checker called directly.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/business_calendar.hpp"
#include "core/error.hpp"
#include "core/requisites.hpp"
#include "opora/opora.h"
#include "store/sqlite.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void report(const char* what, long n, double ours, double limit, const char* limit_name) {
  std::printf("%-44s %9.0f /s   %-28s %9.0f /s   ratio %.2f\n", what, static_cast<double>(n) / ours,
              limit_name, static_cast<double>(n) / limit, ours / limit);
}

volatile int64_t sink = 0;

void bench_inserts(long n) {
  const char* sql = "INSERT INTO t (id, name, amount) VALUES (?1, ?2, ?3)";
  // Raw SQLite: one transaction, one prepared statement.
  sqlite3* raw = nullptr;
  sqlite3_open(":memory:", &raw);
  sqlite3_exec(raw, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER)", nullptr,
               nullptr, nullptr);
  auto start = Clock::now();
  sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(raw, sql, -1, &st, nullptr);
  for (long i = 0; i < n; ++i) {
    const std::string name = "subscriber " + std::to_string(i);
    sqlite3_bind_int64(st, 1, i);
    sqlite3_bind_text(st, 2, name.c_str(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, i * 100);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
  const double raw_s = seconds_since(start);
  sqlite3_close(raw);

  // opora's store: cached statement, transaction guard, checked binds.
  opora::store::SqliteConnection conn(":memory:", {});
  conn.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER)");
  start = Clock::now();
  {
    opora::store::Transaction tx(conn);
    for (long i = 0; i < n; ++i) {
      const std::string name = "subscriber " + std::to_string(i);
      conn.cached(sql)->bind(1, int64_t{i}).bind(2, name).bind(3, int64_t{i} * 100).run();
    }
    tx.commit();
  }
  report("store: insert rows (1 transaction)", n, seconds_since(start), raw_s, "raw sqlite3");
}

void bench_calendar(long n) {
  const auto cal = opora::BusinessCalendar::builtin("ru");
  const opora::Date start_date(2025, 1, 1);
  auto start = Clock::now();
  for (long i = 0; i < n; ++i)
    sink += cal.add_working_days(start_date.add_days(i % 700), 5).days_since_epoch();
  const double direct = seconds_since(start);

  opora_db* db = nullptr;
  opora_db_open(&db, ":memory:", nullptr);
  start = Clock::now();
  for (long i = 0; i < n; ++i) {
    const std::string params = "{\"calendar\":\"ru\",\"date\":\"" +
                               start_date.add_days(i % 700).to_string() + "\",\"days\":5}";
    char* out = nullptr;
    if (opora_db_call(db, "calendar.add_working_days", params.c_str(), &out) != OPORA_OK) {
      std::fprintf(stderr, "call failed: %s\n", opora_last_error_message());
      std::exit(1);
    }
    sink += out[0];
    opora_free(out);
  }
  report("C ABI: calendar.add_working_days +5", n, seconds_since(start), direct, "direct C++ call");
  opora_db_close(db);
}

void bench_requisites(long n) {
  auto start = Clock::now();
  for (long i = 0; i < n; ++i) {
    opora::FieldErrors errors;
    sink += opora::requisites::check_inn("7707083893", "inn", errors);
    sink += opora::requisites::check_kpp("773601001", "kpp", errors);
  }
  const double direct = seconds_since(start);
  opora_db* db = nullptr;
  opora_db_open(&db, ":memory:", nullptr);
  start = Clock::now();
  for (long i = 0; i < n; ++i) {
    char* out = nullptr;
    opora_db_call(db, "requisites.validate", "{\"inn\":\"7707083893\",\"kpp\":\"773601001\"}",
                  &out);
    sink += out[0];
    opora_free(out);
  }
  report("C ABI: requisites.validate inn+kpp", n, seconds_since(start), direct, "direct C++ call");
  opora_db_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  const long scale = argc > 1 ? std::atol(argv[1]) : 1;
  std::printf("opora %s, SQLite %s\n", opora_version(), sqlite3_libversion());
  bench_inserts(200000 * scale);
  bench_calendar(100000 * scale);
  bench_requisites(100000 * scale);
  return 0;
}

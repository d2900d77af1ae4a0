#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/sqlite.hpp"
#include "test_support.hpp"

using opora::Error;
using opora::ErrorCode;
using opora::store::Connection;
using opora::store::ConnectionOptions;
using opora::store::Transaction;

using opora::test::code_of;
using opora::test::error_of;
using opora::test::field_error_of;

namespace {

struct TempFile {
  std::string path;
  explicit TempFile(const char* name) : path(std::string("/tmp/opora-unit-") + name) { clear(); }
  ~TempFile() { clear(); }
  void clear() const {
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
  }
};

int64_t count(Connection& c) {
  auto st = c.cached("SELECT count(*) FROM t");
  st->step();
  return st->int64(0);
}

}  // namespace

TEST_CASE("a transaction guard that is not committed rolls back") {
  Connection c(":memory:", {});
  c.exec("CREATE TABLE t (x INTEGER)");
  {
    Transaction tx(c);
    c.cached("INSERT INTO t VALUES (?1)")->bind(1, int64_t{1}).run();
  }
  CHECK(count(c) == 0);
  {
    Transaction tx(c);
    c.cached("INSERT INTO t VALUES (?1)")->bind(1, int64_t{1}).run();
    tx.commit();
  }
  CHECK(count(c) == 1);
  CHECK_FALSE(c.in_transaction());
}

TEST_CASE("a nested guard rolls back its savepoint only") {
  Connection c(":memory:", {});
  c.exec("CREATE TABLE t (x INTEGER)");
  Transaction outer(c);
  c.cached("INSERT INTO t VALUES (1)")->run();
  {
    Transaction inner(c);
    c.cached("INSERT INTO t VALUES (2)")->run();
    CHECK(count(c) == 2);
  }
  CHECK(count(c) == 1);
  {
    Transaction inner(c);
    c.cached("INSERT INTO t VALUES (3)")->run();
    inner.commit();
  }
  outer.commit();
  CHECK(count(c) == 2);
}

TEST_CASE("cached statements are prepared once and rewound for reuse") {
  Connection c(":memory:", {});
  c.exec("CREATE TABLE t (x INTEGER)");
  for (int64_t i = 0; i < 5; ++i) c.cached("INSERT INTO t VALUES (?1)")->bind(1, i).run();
  auto a = c.cached("SELECT sum(x) FROM t");
  REQUIRE(a->step());
  CHECK(a->int64(0) == 10);
}

TEST_CASE("text round-trips byte for byte, including Cyrillic and NUL-free UTF-8") {
  Connection c(":memory:", {});
  c.exec("CREATE TABLE s (v TEXT)");
  const std::string text = "Новогодние каникулы — ООО «Ромашка»";
  c.cached("INSERT INTO s VALUES (?1)")->bind(1, text).run();
  auto st = c.cached("SELECT v FROM s");
  REQUIRE(st->step());
  CHECK(st->text(0) == text);
}

TEST_CASE("SQL errors become opora errors with mapped codes") {
  Connection c(":memory:", {});
  c.exec("CREATE TABLE u (k TEXT PRIMARY KEY)");
  c.cached("INSERT INTO u VALUES ('a')")->run();
  CHECK(code_of([&] { c.cached("INSERT INTO u VALUES ('a')")->run(); }) == ErrorCode::conflict);
  CHECK(code_of([&] { c.exec("SELEKT 1"); }) == ErrorCode::generic);
}

TEST_CASE("a file that is not a database is reported as corrupt") {
  TempFile f("notadb.db");
  {
    std::ofstream out(f.path, std::ios::binary);
    for (int i = 0; i < 64; ++i) out << "this is not an SQLite database file at all. ";
  }
  CHECK(code_of([&] { Connection c(f.path, {}); }) == ErrorCode::corrupt);
}

TEST_CASE("a missing directory is an I/O error") {
  CHECK(code_of([] { Connection c("/nonexistent-opora-dir/x.db", {}); }) == ErrorCode::io);
}

TEST_CASE("a writer blocked beyond the busy timeout gets busy") {
  TempFile f("busy.db");
  ConnectionOptions quick;
  quick.busy_timeout_ms = 50;
  Connection a(f.path, quick);
  Connection b(f.path, quick);
  a.exec("CREATE TABLE t (x INTEGER)");
  Transaction hold(a);
  a.exec("INSERT INTO t VALUES (1)");
  CHECK(code_of([&] { Transaction tx(b); }) == ErrorCode::busy);
}

TEST_CASE("migrations bring a new database to the latest version once") {
  TempFile f("migrate.db");
  {
    Connection c(f.path, {});
    opora::store::migrate(c, false);
    CHECK(c.user_version() == opora::store::latest_schema_version());
    opora::store::migrate(c, false);  // idempotent
    CHECK(c.user_version() == opora::store::latest_schema_version());
  }
  Connection again(f.path, {});
  CHECK(again.user_version() == opora::store::latest_schema_version());
}

TEST_CASE("a database from a newer library is refused, not damaged") {
  TempFile f("newer.db");
  {
    Connection c(f.path, {});
    c.set_user_version(opora::store::latest_schema_version() + 1);
  }
  Connection c(f.path, {});
  CHECK(code_of([&] { opora::store::migrate(c, false); }) == ErrorCode::state);
  CHECK(c.user_version() == opora::store::latest_schema_version() + 1);
}

TEST_CASE("a read-only connection does not migrate") {
  TempFile f("ro.db");
  { Connection c(f.path, {}); }
  ConnectionOptions ro;
  ro.read_only = true;
  Connection c(f.path, ro);
  CHECK(code_of([&] { opora::store::migrate(c, true); }) == ErrorCode::state);
}

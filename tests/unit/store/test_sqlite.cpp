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
using Connection = opora::store::SqliteConnection;
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
  const opora::store::Statement* first = nullptr;
  for (int64_t i = 0; i < 5; ++i) {
    auto st = c.cached("INSERT INTO t VALUES (?1)");
    if (first == nullptr) first = &*st;
    CHECK(&*st == first);  // the same prepared statement every time
    st->bind(1, i).run();
  }
  auto a = c.cached("SELECT sum(x) FROM t");
  REQUIRE(a->step());
  CHECK(a->int64(0) == 10);
}

namespace {

int64_t pragma(Connection& c, const char* name) {
  auto st = c.cached(std::string("PRAGMA ") + name);
  st->step();
  return st->int64(0);
}

std::string pragma_text(Connection& c, const char* name) {
  auto st = c.cached(std::string("PRAGMA ") + name);
  st->step();
  return st->text(0);
}

}  // namespace

TEST_CASE("a file database opens in WAL with foreign keys and the chosen durability") {
  TempFile f("settings.db");
  {
    Connection c(f.path, {});
    CHECK(pragma_text(c, "journal_mode") == "wal");
    CHECK(pragma(c, "foreign_keys") == 1);
    CHECK(pragma(c, "synchronous") == 2);  // FULL
    CHECK(pragma(c, "busy_timeout") == 5000);
  }
  ConnectionOptions normal;
  normal.synchronous = opora::store::Synchronous::normal;
  normal.busy_timeout_ms = 250;
  Connection c(f.path, normal);
  CHECK(pragma(c, "synchronous") == 1);  // NORMAL
  CHECK(pragma(c, "busy_timeout") == 250);
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

namespace {

const opora::store::SchemaModule kNotes{
    "notes",
    {{1, "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)"},
     {2, "ALTER TABLE note ADD COLUMN author TEXT"}}};
const opora::store::SchemaModule kTags{"tags", {{1, "CREATE TABLE tag (name TEXT PRIMARY KEY)"}}};

}  // namespace

TEST_CASE("migrations bring each module of a new database to its latest version once") {
  TempFile f("migrate.db");
  {
    Connection c(f.path, {});
    opora::store::migrate(c, {&kNotes, &kTags}, false);
    CHECK(opora::store::schema_version(c, "notes") == 2);
    CHECK(opora::store::schema_version(c, "tags") == 1);
    opora::store::migrate(c, {&kNotes, &kTags}, false);  // idempotent
    c.exec("INSERT INTO note (text, author) VALUES ('a', 'b')");
    CHECK(pragma(c, "application_id") == opora::store::kApplicationId);
  }
  Connection again(f.path, {});
  CHECK(opora::store::schema_version(again, "notes") == 2);
}

TEST_CASE("a module added later is migrated beside the existing ones") {
  TempFile f("later.db");
  {
    Connection c(f.path, {});
    opora::store::migrate(c, {&kNotes}, false);
  }
  Connection c(f.path, {});
  opora::store::migrate(c, {&kNotes, &kTags}, false);
  CHECK(opora::store::schema_version(c, "tags") == 1);
}

TEST_CASE("a module newer than the library is refused, not damaged") {
  TempFile f("newer.db");
  {
    Connection c(f.path, {});
    opora::store::migrate(c, {&kNotes}, false);
    c.exec("UPDATE opora_schema SET version = 9 WHERE module = 'notes'");
  }
  Connection c(f.path, {});
  CHECK(code_of([&] { opora::store::migrate(c, {&kNotes}, false); }) == ErrorCode::state);
  CHECK(opora::store::schema_version(c, "notes") == 9);
}

TEST_CASE("another application's SQLite file is refused and left untouched") {
  TempFile f("foreign.db");
  {
    Connection c(f.path, {});
    c.exec("CREATE TABLE invoices (x INTEGER)");
  }
  Connection c(f.path, {});
  const auto e = error_of([&] { opora::store::migrate(c, {&kNotes}, false); });
  CHECK(e.code() == ErrorCode::corrupt);
  CHECK(std::string(e.what()).find("not an opora database") != std::string::npos);
  auto st = c.cached("SELECT count(*) FROM sqlite_schema WHERE name IN ('opora_schema', 'note')");
  st->step();
  CHECK(st->int64(0) == 0);
  CHECK(pragma(c, "application_id") == 0);
}

TEST_CASE("a read-only connection neither claims nor migrates") {
  TempFile f("ro.db");
  { Connection c(f.path, {}); }
  ConnectionOptions ro;
  ro.read_only = true;
  {
    Connection c(f.path, ro);
    CHECK(code_of([&] { opora::store::migrate(c, {&kNotes}, true); }) == ErrorCode::state);
  }
  {
    Connection c(f.path, {});
    opora::store::migrate(c, {&kNotes}, false);
  }
  Connection c(f.path, ro);
  opora::store::migrate(c, {&kNotes}, true);  // up to date: fine
  CHECK(code_of([&] { opora::store::migrate(c, {&kNotes, &kTags}, true); }) == ErrorCode::state);
}

namespace {

// A parent table that a child refers to, rebuilt by version 2 (a column
// dropped), and a version 2 that would leave a child pointing nowhere.
const opora::store::SchemaModule kParentV1{"parent", {{1, R"sql(
  CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, old TEXT);
  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));
)sql"}}};
const opora::store::SchemaModule kParentRebuilt{"parent",
                                                {kParentV1.migrations[0],
                                                 {2, R"sql(
  CREATE TABLE parent_v2 (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  INSERT INTO parent_v2 (id, name) SELECT id, name FROM parent;
  DROP TABLE parent;
  ALTER TABLE parent_v2 RENAME TO parent;
)sql",
                                                  true}}};
const opora::store::SchemaModule kParentLosesRows{"parent",
                                                  {kParentV1.migrations[0],
                                                   {2, R"sql(
  CREATE TABLE parent_v2 (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  INSERT INTO parent_v2 (id, name) SELECT id, name FROM parent WHERE id > 1;
  DROP TABLE parent;
  ALTER TABLE parent_v2 RENAME TO parent;
)sql",
                                                    true}}};

void seed_parent(const std::string& path) {
  Connection c(path, {});
  opora::store::migrate(c, {&kParentV1}, false);
  c.exec("INSERT INTO parent (id, name, old) VALUES (1, 'a', 'x'), (2, 'b', 'y')");
  c.exec("INSERT INTO child (parent_id) VALUES (1), (2)");
}

}  // namespace

TEST_CASE("a migration that rebuilds a referenced table keeps the references and foreign keys") {
  TempFile f("rebuild.db");
  seed_parent(f.path);
  Connection c(f.path, {});
  opora::store::migrate(c, {&kParentRebuilt}, false);
  CHECK(opora::store::schema_version(c, "parent") == 2);
  CHECK(pragma(c, "foreign_keys") == 1);  // on again after the step
  auto st = c.cached("SELECT count(*) FROM child JOIN parent ON parent.id = child.parent_id");
  st->step();
  CHECK(st->int64(0) == 2);
  st->reset();
  // The child's reference still names the table, now the rebuilt one.
  CHECK(code_of([&] { c.exec("INSERT INTO child (parent_id) VALUES (9)"); }) != ErrorCode::ok);
  CHECK(code_of([&] { c.exec("DELETE FROM parent WHERE id = 1"); }) != ErrorCode::ok);
}

TEST_CASE("a rebuilding migration that would leave a dangling reference is refused whole") {
  TempFile f("dangling.db");
  seed_parent(f.path);
  Connection c(f.path, {});
  const auto e = error_of([&] { opora::store::migrate(c, {&kParentLosesRows}, false); });
  CHECK(e.code() == ErrorCode::corrupt);
  CHECK(std::string(e.what()).find("child") != std::string::npos);
  CHECK(opora::store::schema_version(c, "parent") == 1);
  CHECK(pragma(c, "foreign_keys") == 1);
  auto st = c.cached("SELECT count(*) FROM parent WHERE old IS NOT NULL");
  st->step();
  CHECK(st->int64(0) == 2);  // untouched: the old table and its rows are back
}

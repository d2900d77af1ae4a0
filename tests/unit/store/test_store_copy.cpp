// What the store says of a database's tables (tables(), columns()), the
// per-table checksum, and a whole database copied into an empty one
// (store/copy.hpp). Engine-neutral: with OPORA_TEST_ENGINE=postgresql every
// database here is a PostgreSQL schema (listed in OPORA_PG_UNIT_TESTS); the
// last cases move a SQLite database onto OPORA_TEST_PG_DSN's server and back.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "edo/edo_fixture.hpp"
#include "engine/database.hpp"
#include "store/copy.hpp"
#include "store/migrations.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

using opora::ErrorCode;
using opora::store::Column;
using opora::test::error_of;
namespace store = opora::store;
namespace json = boost::json;

namespace {

std::unique_ptr<store::Connection> migrated(const std::string& target = ":memory:",
                                            const std::string& schema = "") {
  store::ConnectionOptions options;
  options.schema = schema;
  auto conn = store::open(target, options);
  store::migrate(*conn, opora::engine::schema_modules(), false);
  return conn;
}

bool has(const std::vector<std::string>& v, const std::string& name) {
  return std::find(v.begin(), v.end(), name) != v.end();
}

const Column* column(const std::vector<Column>& cols, const std::string& name) {
  for (const Column& c : cols)
    if (c.name == name) return &c;
  return nullptr;
}

int64_t scalar(store::Connection& c, const std::string& sql) {
  auto st = c.cached(sql);
  REQUIRE(st->step());
  return st->int64(0);
}

// Every table's sum, by name.
std::vector<store::TableSum> all_sums(store::Connection& c) {
  std::vector<store::TableSum> out;
  for (const std::string& t : c.tables())
    if (t != "opora_schema") out.push_back(store::table_sum(c, t));
  return out;
}

bool same(const std::vector<store::TableSum>& a, const std::vector<store::TableSum>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].table != b[i].table || a[i].rows != b[i].rows || a[i].sha256 != b[i].sha256)
      return false;
  return true;
}

// A registry and EDO story: two parties, two acts with their journal and
// index queue, a packet with its files.
class Populated : public opora::test::edo::EdoDb {
 public:
  Populated() {
    act("2026-11-20");
    const int64_t second = act("2026-11-21");
    packet(json::array{second});
  }
};

}  // namespace

TEST_CASE("store: tables lists every module's tables, the full-text table but not its shadows") {
  auto c = migrated();
  const auto tables = c->tables();
  CHECK(std::is_sorted(tables.begin(), tables.end()));
  for (const char* t : {"opora_schema", "document", "document_fts", "document_journal",
                        "billing_tax_rate", "exchange_node", "catalog_product"}) {
    CAPTURE(t);
    CHECK(has(tables, t));
  }
  for (const auto& t : tables) {
    CAPTURE(t);
    CHECK(t.rfind("sqlite_", 0) != 0);
    CHECK(t.rfind("document_fts_", 0) != 0);  // FTS5's _data, _idx, _content, ...
  }
}

TEST_CASE("store: columns give each column's class and key, an FTS table's rowid first") {
  auto c = migrated();
  const auto doc = c->columns("document");
  REQUIRE(!doc.empty());
  const Column* id = column(doc, "id");
  REQUIRE(id != nullptr);
  CHECK(id->type == Column::Type::integer);
  CHECK(id->key == 1);
  const Column* uid = column(doc, "uid");
  REQUIRE(uid != nullptr);
  CHECK(uid->type == Column::Type::text);
  CHECK(uid->key == 0);

  const auto fts = c->columns("document_fts");
  REQUIRE(fts.size() == 6);  // rowid and five indexed columns; no tsvector on PostgreSQL
  CHECK(fts[0].name == "rowid");
  CHECK(fts[0].type == Column::Type::integer);
  CHECK(fts[0].key == 1);
  CHECK(column(fts, "number") != nullptr);
  CHECK(column(fts, "tsv") == nullptr);

  bool blob = false;
  for (const auto& t : c->tables())
    for (const Column& col : c->columns(t)) blob = blob || col.type == Column::Type::blob;
  CHECK(blob);  // registry files' bytes
  CHECK(c->columns("no_such_table").empty());
}

TEST_CASE("store: a table's checksum follows its values, not the order rows were written in") {
  auto a = migrated();
  auto b = migrated();
  // calendar is keyed by text: its rows are summed in the order of their encodings.
  const char* const rows[] = {"('m2', 'b', 't')", "('m1', 'a', 't')", "('m3', 'c', 't')"};
  const std::string insert = "INSERT INTO calendar (id, document, loaded_at) VALUES ";
  // The same rows in two orders.
  for (int i = 0; i < 3; ++i) a->exec(insert + rows[i]);
  for (int i = 2; i >= 0; --i) b->exec(insert + rows[i]);
  const auto sa = store::table_sum(*a, "calendar");
  const auto sb = store::table_sum(*b, "calendar");
  CHECK(sa.rows == 3);
  CHECK(sa.sha256.size() == 64);
  CHECK(sa.sha256 == sb.sha256);

  b->exec("UPDATE calendar SET document = 'a ' WHERE id = 'm1'");
  CHECK(store::table_sum(*b, "calendar").sha256 != sa.sha256);
  // The sum of an empty table is the same everywhere, and not that of a full one.
  auto e = migrated();
  CHECK(store::table_sum(*e, "document").sha256 ==
        store::table_sum(*migrated(), "document").sha256);
  CHECK(store::table_sum(*e, "document").rows == 0);
}

TEST_CASE("store: a database is copied whole into an empty one, and refused over a full one") {
  Populated src;
  store::Connection& from = src.db().connection();
  auto to = store::open(":memory:", {});
  const auto sums = store::copy_database(from, *to, opora::engine::schema_modules());

  CHECK(same(sums, all_sums(from)));
  CHECK(same(sums, all_sums(*to)));
  auto rows_of = [&sums](const std::string& t) {
    for (const auto& s : sums)
      if (s.table == t) return s.rows;
    return int64_t{-1};
  };
  CHECK(rows_of("document") == 2);
  CHECK(rows_of("edo_party") == 2);
  CHECK(rows_of("billing_tax_rate") == scalar(from, "SELECT count(*) FROM billing_tax_rate"));
  CHECK(rows_of("opora_schema") == -1);  // migrations keep it on each side
  for (const store::SchemaModule* m : opora::engine::schema_modules())
    CHECK(store::schema_version(*to, m->name) == store::schema_version(from, m->name));

  // New rows continue after the copied ids.
  const int64_t top = scalar(*to, "SELECT max(id) FROM document_journal");
  to->exec(
      "INSERT INTO document_journal (doc_id, at, action) "
      "SELECT doc_id, at, action FROM document_journal WHERE id = 1");
  CHECK(scalar(*to, "SELECT max(id) FROM document_journal") == top + 1);

  // The target now holds data: a second copy is refused and changes nothing.
  const auto before = all_sums(*to);
  const auto e =
      error_of([&] { store::copy_database(from, *to, opora::engine::schema_modules()); });
  CHECK(e.code() == ErrorCode::state);
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "target");
  CHECK(e.field_errors()[0].rule == "not_empty");
  CHECK(std::string(e.what()).find("not empty") != std::string::npos);
  CHECK(same(before, all_sums(*to)));
}

TEST_CASE("store: a new database, with its built-in rows, counts as empty for a copy") {
  Populated src;
  auto to = migrated();  // migrated: the built-in tax rates are there
  REQUIRE(scalar(*to, "SELECT count(*) FROM billing_tax_rate") > 0);
  const auto sums =
      store::copy_database(src.db().connection(), *to, opora::engine::schema_modules());
  CHECK(same(sums, all_sums(*to)));

  // A built-in row changed by hand is data of the target's own.
  auto changed = migrated();
  changed->exec("DELETE FROM billing_tax_rate WHERE code = 'ru_vat_0'");
  CHECK(error_of([&] {
          store::copy_database(src.db().connection(), *changed, opora::engine::schema_modules());
        }).code() == ErrorCode::state);
}

#ifdef OPORA_WITH_POSTGRESQL

TEST_CASE("store: a SQLite database onto PostgreSQL and back to SQLite gives the same sums") {
  const char* dsn = std::getenv("OPORA_TEST_PG_DSN");
  if (dsn == nullptr || *dsn == '\0') {
    MESSAGE("OPORA_TEST_PG_DSN is not set: the copy onto PostgreSQL is skipped");
    return;
  }
  Populated src;
  // A schema of its own per run; the test hook leaves URIs alone.
  const std::string schema = "copy" + std::to_string(getpid()) + "_" +
                             std::to_string(scalar(src.db().connection(),
                                                   "SELECT count(*) FROM "
                                                   "document"));
  store::ConnectionOptions pg_options;
  pg_options.schema = schema;
  auto pg = store::open(dsn, pg_options);
  pg->exec("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE; CREATE SCHEMA \"" + schema + "\"");
  const auto there =
      store::copy_database(src.db().connection(), *pg, opora::engine::schema_modules());
  CHECK(same(there, all_sums(src.db().connection())));

  auto back = store::open(":memory:", {});
  const auto again = store::copy_database(*pg, *back, opora::engine::schema_modules());
  CHECK(same(again, there));
  CHECK(same(all_sums(*back), there));
  // The full-text rows travelled both ways: a search on the way back finds them.
  CHECK(scalar(*pg, "SELECT count(*) FROM document_fts") ==
        scalar(src.db().connection(), "SELECT count(*) FROM document_fts"));
  pg->exec("DROP SCHEMA \"" + schema + "\" CASCADE");
}

TEST_CASE("store: a copy to a server that does not answer is an I/O error that says so") {
  const auto e = error_of(
      [] { auto c = store::open("postgresql:///opora?host=/nonexistent-opora-socket-dir", {}); });
  CHECK(e.code() == ErrorCode::io);
  CHECK(std::string(e.what()).find("cannot connect to PostgreSQL") != std::string::npos);
}

#endif

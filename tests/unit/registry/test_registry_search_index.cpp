// The full-text index off the write path (issue 15): writes queue documents,
// registry.index.flush indexes them, and registry.search sees every document
// committed before it began — on this handle, another one, a read-only one —
// and a database from before the queue keeps what it had indexed.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "registry/registry_fixture.hpp"
#include "store/sqlite.hpp"

namespace json = boost::json;
using namespace opora::test::reg;

namespace {

// A database file removed before and after the test.
struct IndexFile {
  std::string path;
  explicit IndexFile(const char* name) : path(std::string("/tmp/opora-unit-index-") + name) {
    clear();
  }
  ~IndexFile() { clear(); }
  void clear() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
};

int64_t flush(RegistryDb& r) {
  return r.call("registry.index.flush", "{}").at("indexed").as_int64();
}

int64_t queued(const std::string& path) {
  opora::store::ConnectionOptions o;
  opora::store::SqliteConnection conn(path, o);
  auto st = conn.cached("SELECT count(*) FROM document_index_queue");
  st->step();
  return st->int64(0);
}

}  // namespace

TEST_CASE("registry.index.flush indexes what writes queued and says how many") {
  RegistryDb r;
  r.put(act());
  r.call("registry.put_many", json::object{{"documents", json::array{act(), contract()}}});
  CHECK(flush(r) == 3);
  CHECK(flush(r) == 0);
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")).size() == 3);
}

TEST_CASE("a search right after a write finds the document without a flush") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  CHECK(ids_of(r.search(R"({"query": "интеграции"})")) == std::vector<int64_t>{a});
  // The search indexed it: nothing is left for a flush.
  CHECK(flush(r) == 0);
}

TEST_CASE("a changed document is found by its new text only, flushed or not") {
  RegistryDb r;
  const int64_t a = id_of(r.put(act()));
  CHECK(flush(r) == 1);
  r.put(json::object{{"id", a}, {"notes", "передан курьером"}});
  r.put(json::object{{"id", a}, {"counterparty", obj(kSoleTrader)}});
  CHECK(ids_of(r.search(R"({"query": "курьером"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "петров"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")).empty());
  CHECK(flush(r) == 0);
}

TEST_CASE("a write that rolls back leaves nothing queued") {
  RegistryDb r;
  r.put(act());
  CHECK(flush(r) == 1);
  auto bad = act();
  bad["date"] = "not a date";
  r.error("registry.put_many", json::object{{"documents", json::array{act(), bad}}});
  CHECK(flush(r) == 0);
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")).size() == 1);
}

TEST_CASE("another handle's search finds what this handle wrote and indexes it") {
  IndexFile f("two-handles.db");
  RegistryDb writer(RegistryDb::kDefaultOptions, f.path);
  RegistryDb reader(RegistryDb::kDefaultOptions, f.path);
  const int64_t a = id_of(writer.put(act()));
  CHECK(queued(f.path) == 1);
  CHECK(ids_of(reader.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{a});
  CHECK(queued(f.path) == 0);
  CHECK(flush(writer) == 0);
}

TEST_CASE("a read-only handle finds queued documents without writing the index") {
  IndexFile f("read-only.db");
  RegistryDb writer(RegistryDb::kDefaultOptions, f.path);
  const int64_t a = id_of(writer.put(act()));
  CHECK(flush(writer) == 1);
  const int64_t b = id_of(writer.put(with(act(), "notes", R"("курьером")")));
  writer.put(json::object{{"id", a}, {"counterparty", obj(kSoleTrader)}});
  RegistryDb reader(R"({"clock": "manual", "now": "2026-11-23T09:00:00Z", "read_only": true})",
                    f.path);
  // a is indexed as a Ромашка act and queued again as Петров's: the old
  // text no longer finds it, the new one does; b is only queued.
  CHECK(ids_of(reader.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{b});
  CHECK(ids_of(reader.search(R"({"query": "петров"})")) == std::vector<int64_t>{a});
  CHECK(ids_of(reader.search(R"({"query": "интеграции"})")) == std::vector<int64_t>{b, a});
  CHECK(
      ids_of(reader.search(R"({"query": "интеграции", "sort": "relevance", "limit": 1})")).size() ==
      1);
  CHECK(ids_of(reader.search(R"({"query": "курьером", "kind": "act"})")) ==
        std::vector<int64_t>{b});
  CHECK(queued(f.path) == 2);
  CHECK(flush(writer) == 2);
  CHECK(ids_of(reader.search(R"({"query": "интеграции"})")) == std::vector<int64_t>{b, a});
}

TEST_CASE("a database indexed before the queue existed keeps its index and gains the queue") {
  IndexFile f("migrate.db");
  int64_t old_id = 0;
  {
    RegistryDb r(RegistryDb::kDefaultOptions, f.path);
    old_id = id_of(r.put(act()));
    CHECK(flush(r) == 1);
  }
  {
    // What registry schema 2 left: documents indexed as they were written
    // and no queue.
    opora::store::ConnectionOptions o;
    opora::store::SqliteConnection conn(f.path, o);
    conn.exec("DROP TABLE document_index_queue");
    conn.exec("UPDATE opora_schema SET version = 2 WHERE module = 'registry'");
  }
  RegistryDb r(RegistryDb::kDefaultOptions, f.path);
  CHECK(queued(f.path) == 0);
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{old_id});
  const int64_t b = id_of(r.put(act()));
  CHECK(ids_of(r.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{b, old_id});
  CHECK(r.history(old_id).at("entries").as_array().size() == 1);
}

TEST_CASE("a search while another connection holds the write lock finds queued documents") {
  IndexFile f("busy.db");
  RegistryDb writer(RegistryDb::kDefaultOptions, f.path);
  const int64_t a = id_of(writer.put(act()));
  RegistryDb searcher(
      R"({"clock": "manual", "now": "2026-11-23T09:00:00Z", "busy_timeout_ms": 50})", f.path);
  opora::store::ConnectionOptions o;
  opora::store::SqliteConnection other(f.path, o);
  opora::store::Transaction hold(other);
  other.exec("INSERT INTO registry_sequence (scope, last) VALUES ('held', 1)");
  // The catch-up cannot take the lock; the search still sees the document.
  CHECK(ids_of(searcher.search(R"({"query": "ромашка"})")) == std::vector<int64_t>{a});
  CHECK(queued(f.path) == 1);
}

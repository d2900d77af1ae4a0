// Every row of a database's tables as text, to hold two files byte for byte
// equal (the lean and the generic write paths, a run and a replay of it).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace opora::test {

// The rows of every ordinary table whose name is LIKE one of `patterns` (all
// of them when none is given; FTS5 tables and SQLite's own left out), table
// by table; a row is its columns' SQL literals (`quote()`, so a blob, a text
// and a number differ) joined by '|', rows sorted by their first column.
inline std::map<std::string, std::vector<std::string>> table_rows(
    store::Connection& conn, const std::vector<std::string>& patterns = {}) {
  const bool pg = conn.engine() == store::Engine::postgresql;
  std::vector<std::string> tables;
  {
    // On PostgreSQL the FTS5 table is a plain table with a computed tsvector: left out too.
    auto st = conn.cached(
        pg ? "SELECT relname::text FROM pg_class WHERE relnamespace = "
             "current_schema()::regnamespace AND relkind = 'r' AND relname <> 'document_fts' "
             "ORDER BY 1"
           : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
             "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name");
    while (st->step()) {
      const std::string name = st->text(0);
      bool wanted = patterns.empty();
      for (const auto& p : patterns) {
        auto like = conn.cached("SELECT ?1 LIKE ?2");
        like->bind(1, name).bind(2, p);
        wanted = wanted || (like->step() && like->int64(0) == 1);
      }
      if (wanted) tables.push_back(name);
    }
  }
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& table : tables) {
    std::string select = "SELECT ";
    {
      auto st = conn.cached(
          pg ? "SELECT column_name::text FROM information_schema.columns WHERE table_schema = "
               "current_schema() AND table_name = ?1 ORDER BY ordinal_position"
             : "SELECT name FROM pragma_table_info(?1) ORDER BY cid");
      st->bind(1, table);
      bool first = true;
      while (st->step()) {
        select += std::string(first ? "" : " || '|' || ") +
                  (pg ? "quote_nullable(\"" : "quote(\"") + st->text(0) + "\")";
        first = false;
      }
    }
    auto st = conn.cached(select + " FROM \"" + table + "\" ORDER BY 1");
    auto& rows = out[table];
    while (st->step()) rows.push_back(st->text(0));
  }
  return out;
}

}  // namespace opora::test

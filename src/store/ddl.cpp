// SQLite DDL as PostgreSQL DDL (store/migrations.hpp): the migrations are
// written once, in SQLite's words, and translated on PostgreSQL.
#include <iterator>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/migrations.hpp"
#include "store/sql_text.hpp"

namespace opora::store {
namespace {

// Replaces every match of `re` outside quoted text ('...' and "...") and
// comments (store/sql_text.hpp).
std::string replace_outside_quotes(const std::string& sql, const std::regex& re,
                                   const std::string& with) {
  std::string out;
  std::string run;  // unquoted text waiting to be translated
  size_t i = 0;
  while (i < sql.size()) {
    const size_t skip = end_of_quoted(sql, i);
    if (skip == i) {
      run += sql[i++];
      continue;
    }
    out += std::regex_replace(run, re, with);
    run.clear();
    out.append(sql, i, skip - i);
    i = skip;
  }
  return out + std::regex_replace(run, re, with);
}

// An FTS5 table (CREATE VIRTUAL TABLE t USING fts5 (a, b, tokenize = ...))
// as a plain table with the same rowid and columns, a tsvector of them in
// the "russian" configuration computed by the server, and its GIN index: the
// statements that write and delete FTS rows stay the same, the search itself
// is the engine's (registry/queries.cpp).
std::string fts5_table(const std::string& name, const std::string& columns) {
  std::string cols;
  std::string doc;
  size_t start = 0;
  while (start <= columns.size()) {
    size_t end = columns.find(',', start);
    if (end == std::string::npos) end = columns.size();
    std::string c = columns.substr(start, end - start);
    c.erase(0, c.find_first_not_of(" \n\t"));
    c.erase(c.find_last_not_of(" \n\t") + 1);
    start = end + 1;
    if (c.empty() || c.find('=') != std::string::npos) continue;  // tokenize = '...'
    cols += ", " + c + " TEXT";
    doc += std::string(doc.empty() ? "" : " || ' ' || ") + "coalesce(" + c + ", '')";
  }
  return "CREATE TABLE " + name + " (rowid BIGINT PRIMARY KEY" + cols +
         ", tsv tsvector GENERATED ALWAYS AS (to_tsvector('russian', " + doc +
         ")) STORED);\nCREATE INDEX " + name + "_tsv ON " + name + " USING gin (tsv)";
}

// An INTEGER PRIMARY KEY takes, when inserted without one, one more than the
// largest id, as SQLite gives it (its rowid alias), so ids are the same on
// both engines whatever was rolled back; beside other writers (a concurrent
// transaction) it takes the next value of the table's sequence instead. The
// trigger and the sequence come from opora_install_id() (store/migrations.cpp).
std::string id_trigger(const std::string& table, const std::string& column) {
  return "SELECT opora_install_id('" + table + "', '" + column + "');\n";
}

}  // namespace

std::string postgresql_ddl(std::string_view sqlite_sql) {
  std::string sql(sqlite_sql);
  // Tables with an INTEGER PRIMARY KEY (always their first column in opora's
  // migrations, comments allowed before it) get the id trigger.
  std::string triggers;
  {
    static const std::regex keyed(
        R"(CREATE\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?:--[^\n]*\n\s*)*([A-Za-z_][A-Za-z0-9_]*)\s+INTEGER\s+PRIMARY\s+KEY\b)",
        std::regex::icase);
    // A table created under a temporary name and renamed (a rebuild) gets
    // its trigger under the name it ends with.
    static const std::regex renamed(
        R"(ALTER\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s+RENAME\s+TO\s+([A-Za-z_][A-Za-z0-9_]*))",
        std::regex::icase);
    std::vector<std::pair<std::string, std::string>> renames;
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), renamed);
         it != std::sregex_iterator(); ++it)
      renames.emplace_back((*it)[1].str(), (*it)[2].str());
    size_t found = 0;
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), keyed);
         it != std::sregex_iterator(); ++it, ++found) {
      std::string table = (*it)[1].str();
      for (const auto& [from, to] : renames)
        if (from == table) table = to;
      triggers += id_trigger(table, (*it)[2].str());
    }
    static const std::regex any_key(R"(\bINTEGER\s+PRIMARY\s+KEY\b)", std::regex::icase);
    const auto all = static_cast<size_t>(std::distance(
        std::sregex_iterator(sql.begin(), sql.end(), any_key), std::sregex_iterator()));
    if (all != found)
      throw Error(ErrorCode::internal,
                  "a migration has an INTEGER PRIMARY KEY that is not its table's first column");
  }
  static const std::regex fts(
      R"(CREATE\s+VIRTUAL\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s+USING\s+fts5\s*\(([^;]*)\)\s*;)",
      std::regex::icase);
  for (std::smatch f; std::regex_search(sql, f, fts);)
    sql = f.prefix().str() + fts5_table(f.str(1), f.str(2)) + ";" + f.suffix().str();
  static const std::regex or_ignore(R"(INSERT\s+OR\s+IGNORE\s+INTO\b([^;]*);)", std::regex::icase);
  sql = std::regex_replace(sql, or_ignore, "INSERT INTO$1 ON CONFLICT DO NOTHING;");
  static const std::regex unsupported(R"(\b(VIRTUAL\s+TABLE|PRAGMA|AUTOINCREMENT)\b)",
                                      std::regex::icase);
  std::smatch m;
  if (std::regex_search(sql, m, unsupported))
    throw Error(ErrorCode::internal,
                "a migration uses " + m.str(1) + ", which has no PostgreSQL translation");
  static const std::regex options(
      R"(\)\s*(STRICT|WITHOUT\s+ROWID)(\s*,\s*(STRICT|WITHOUT\s+ROWID))?)", std::regex::icase);
  static const std::regex integer(R"(\bINTEGER\b)", std::regex::icase);
  static const std::regex blob(R"(\bBLOB\b)", std::regex::icase);
  // A column declared TEXT (after "(", "," or ADD COLUMN and its name)
  // compares byte by byte, as SQLite's BINARY collation does, whatever the
  // database's locale.
  static const std::regex text_column(R"(((?:\(|,|\bCOLUMN)\s*[A-Za-z_][A-Za-z0-9_]*\s+)TEXT\b)",
                                      std::regex::icase);
  sql = replace_outside_quotes(sql, options, ")");
  sql = replace_outside_quotes(sql, integer, "BIGINT");
  sql = replace_outside_quotes(sql, blob, "BYTEA");
  sql = replace_outside_quotes(sql, text_column, "$1TEXT COLLATE \"C\"");
  // Deferrable (checked at each statement unless a transaction defers them,
  // as SQLite's defer_foreign_keys does).
  static const std::regex references(R"((\bREFERENCES\s+[A-Za-z_][A-Za-z0-9_]*\s*\([^)]*\)))",
                                     std::regex::icase);
  sql = replace_outside_quotes(sql, references, "$1 DEFERRABLE");
  return sql + "\n" + triggers;
}

}  // namespace opora::store

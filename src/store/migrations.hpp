// Schema migrations, numbered per module and embedded in the library.
//
// Each module (calendar, registry, later billing, workflow, edo) owns its
// tables and lists its migrations; the store applies them in order and
// records each module's version in opora_schema. A SQLite file is recognised
// as an opora database by PRAGMA application_id, a PostgreSQL schema by its
// opora_schema table.
//
// The migrations are written in SQLite's DDL. On PostgreSQL the same
// numbered steps run translated (postgresql_ddl(): STRICT and WITHOUT ROWID
// dropped, INTEGER PRIMARY KEY an identity, INTEGER bigint, BLOB bytea, text
// compared byte by byte as in SQLite), or in a PostgreSQL text of their own
// where the two engines differ (full-text search, a table rebuild).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace opora::store {

class Connection;

struct Migration {
  int version;           // 1, 2, 3 ... per module; never renumbered or edited once released
  std::string_view sql;  // statements run inside one transaction
  // A step that rebuilds a table other tables refer to (create the new one,
  // copy, drop the old, rename) runs with foreign keys off, as SQLite's
  // procedure for such changes says, and is checked with foreign_key_check
  // before it commits.
  bool rebuilds_tables = false;
  // The step on PostgreSQL where translating `sql` does not do (a table
  // rebuild, an FTS5 table); empty: postgresql_ddl(sql).
  std::string_view postgresql = {};
};

struct SchemaModule {
  std::string_view name;              // "registry"
  std::vector<Migration> migrations;  // in order
};

// 'OPRA': marks a file as an opora database.
constexpr int32_t kApplicationId = 0x4f505241;

// Claims a new, empty file for opora, accepts an opora database, and refuses
// anything else with ErrorCode::corrupt (a foreign SQLite file is never
// modified). Then brings every module to its latest version, each step in
// its own transaction; a module newer than this library knows is refused
// with ErrorCode::state.
void migrate(Connection& conn, const std::vector<const SchemaModule*>& modules, bool read_only);

// SQLite DDL as PostgreSQL DDL (see above). Throws ErrorCode::internal for
// what it cannot translate (a virtual table, a PRAGMA).
std::string postgresql_ddl(std::string_view sqlite_sql);

// Version of `module` recorded in the database (0 if absent).
int schema_version(Connection& conn, std::string_view module);

// After rows were written with their ids (a table rebuild, a copy), each
// identity column's sequence continues after the largest id, as SQLite's
// INTEGER PRIMARY KEY does by itself (nothing to do there).
void sync_identities(Connection& conn);

}  // namespace opora::store

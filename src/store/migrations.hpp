// Schema migrations, numbered per module and embedded in the library.
//
// Each module (calendar, registry, later billing, workflow, edo) owns its
// tables and lists its migrations; the store applies them in order and
// records each module's version in opora_schema. A file is recognised as an
// opora database by PRAGMA application_id.
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

// Version of `module` recorded in the database (0 if absent).
int schema_version(Connection& conn, std::string_view module);

}  // namespace opora::store

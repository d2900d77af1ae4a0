// Moving a whole opora database from one connection to another, engine to
// engine (a SQLite file onto a PostgreSQL schema and back), and the per-table
// checksum that proves the two hold the same rows.
//
// The checksum reads what a table holds the same way on both engines, so that
// the same data gives the same sum whichever engine stores it: SHA-256 over
// the column names (in byte order, comma-separated, then "\n"), then each row,
// its values in the same column order, each value as
//   NULL     "N"
//   integer  "I" decimal digits ";"
//   text     "T" byte length ":" UTF-8 bytes
//   blob     "B" byte length ":" lower-case hex
// and "\n" after the row. Rows go in the order of their primary key when the
// key is integers (nearly every table: `id INTEGER PRIMARY KEY`), otherwise
// in the byte order of their encodings: the engines order text differently
// unless told, and an encoding does not depend on either.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/migrations.hpp"

namespace opora::store {

class Connection;

struct TableSum {
  std::string table;
  int64_t rows = 0;
  std::string sha256;  // 64 lower-case hex digits
};

// The rows of `table` and their checksum (see above).
TableSum table_sum(Connection& conn, const std::string& table);

// Copies the opora database on `from` (read in whatever transaction the
// caller holds, for one consistent state) into `to`:
// - `to` is claimed and migrated to `modules`' versions first; the versions of
//   the two must then be the same (a `from` opened by this library is);
// - `to` must be empty: no table may hold rows other than those a new
//   database starts with (the built-in tax rates); otherwise ErrorCode::state
//   with field "target", rule "not_empty". An attempt that failed half-way
//   leaves `to` empty, so it can be run again;
// - every table (opora_schema aside, which migrations keep) is copied with its
//   keys, in one transaction of `to` with foreign keys deferred; new ids
//   then continue after the copied ones (either engine's rule);
// - each table is read back from `to` before the commit, and a count or a
//   checksum that differs from what was read from `from` fails the copy
//   (ErrorCode::internal) and rolls it back.
// Returns each table's rows and checksum, by table name.
std::vector<TableSum> copy_database(Connection& from, Connection& to,
                                    const std::vector<const SchemaModule*>& modules);

}  // namespace opora::store

#include "store/migrations.hpp"

#include <string>

#include "core/error.hpp"
#include "store/sqlite.hpp"

namespace opora::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, R"sql(
        CREATE TABLE opora_meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        -- Calendars a host loaded with calendar.load; built-in ones live in the library.
        CREATE TABLE calendar (
          id        TEXT PRIMARY KEY,
          document  TEXT NOT NULL,
          loaded_at TEXT NOT NULL
        ) STRICT;
      )sql"},
  };
  return all;
}

int latest_schema_version() {
  return migrations().back().version;
}

void migrate(Connection& conn, bool read_only) {
  const int current = conn.user_version();
  const int latest = latest_schema_version();
  if (current > latest)
    throw Error(ErrorCode::state, "the database has schema version " + std::to_string(current) +
                                      ", newer than this library knows (" + std::to_string(latest) +
                                      "); upgrade opora");
  if (current == latest) return;
  if (read_only)
    throw Error(ErrorCode::state, "the database needs a schema upgrade from version " +
                                      std::to_string(current) + "; open it once without read_only");
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    Transaction tx(conn);
    // Another connection may have migrated while we waited for the write lock.
    if (conn.user_version() >= m.version) continue;
    conn.exec(m.sql);
    conn.set_user_version(m.version);
    tx.commit();
  }
}

}  // namespace opora::store

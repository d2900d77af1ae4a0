#include "store/migrations.hpp"

#include <string>

#include "core/error.hpp"
#include "store/sqlite.hpp"

namespace opora::store {
namespace {

int64_t scalar(Connection& conn, const char* sql) {
  auto st = conn.cached(sql);
  st->step();
  return st->int64(0);
}

// Recognises or claims the file; throws for a foreign one.
void claim(Connection& conn, bool read_only) {
  const int64_t id = scalar(conn, "PRAGMA application_id");
  if (id == kApplicationId) return;
  const int64_t objects = scalar(conn, "SELECT count(*) FROM sqlite_schema");
  if (id != 0 || objects != 0)
    throw Error(ErrorCode::corrupt,
                "not an opora database: the file belongs to another application (application_id " +
                    std::to_string(id) + ", " + std::to_string(objects) +
                    " schema objects); opora does not modify it");
  if (read_only)
    throw Error(ErrorCode::state, "the database is empty; open it once without read_only");
  Transaction tx(conn);
  // PRAGMA takes no bound parameters; the value is our constant.
  conn.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  conn.exec("CREATE TABLE opora_schema (module TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT");
  tx.commit();
}

}  // namespace

int schema_version(Connection& conn, std::string_view module) {
  auto st = conn.cached("SELECT version FROM opora_schema WHERE module = ?1");
  st->bind(1, module);
  return st->step() ? static_cast<int>(st->int64(0)) : 0;
}

void migrate(Connection& conn, const std::vector<const SchemaModule*>& modules, bool read_only) {
  claim(conn, read_only);
  for (const SchemaModule* m : modules) {
    const int latest = m->migrations.empty() ? 0 : m->migrations.back().version;
    const int current = schema_version(conn, m->name);
    if (current > latest)
      throw Error(ErrorCode::state, "the database's " + std::string(m->name) +
                                        " schema is version " + std::to_string(current) +
                                        ", newer than this library knows (" +
                                        std::to_string(latest) + "); upgrade opora");
    if (current == latest) continue;
    if (read_only)
      throw Error(ErrorCode::state, "the database's " + std::string(m->name) +
                                        " schema needs an upgrade; open it once without read_only");
    for (const auto& step : m->migrations) {
      if (step.version <= current) continue;
      // PRAGMA foreign_keys has no effect inside a transaction: set it first.
      struct ForeignKeysOff {
        Connection& conn;
        bool on;
        ~ForeignKeysOff() {
          if (on) return;
          try {
            conn.exec("PRAGMA foreign_keys=ON");
          } catch (...) {  // NOLINT(bugprone-empty-catch): the next open sets it again
          }
        }
      } keys{conn, !step.rebuilds_tables};
      if (step.rebuilds_tables) conn.exec("PRAGMA foreign_keys=OFF");
      Transaction tx(conn);
      // Another connection may have migrated while we waited for the lock.
      if (schema_version(conn, m->name) >= step.version) continue;
      conn.exec(step.sql);
      if (step.rebuilds_tables) {
        auto check = conn.cached("PRAGMA foreign_key_check");
        if (check->step())
          throw Error(ErrorCode::corrupt, "migration " + std::to_string(step.version) + " of " +
                                              std::string(m->name) + " left table " +
                                              check->text(0) + " referring to a missing row");
      }
      auto st = conn.cached(
          "INSERT INTO opora_schema (module, version) VALUES (?1, ?2) "
          "ON CONFLICT (module) DO UPDATE SET version = excluded.version");
      st->bind(1, m->name).bind(2, int64_t{step.version}).run();
      tx.commit();
    }
  }
}

}  // namespace opora::store

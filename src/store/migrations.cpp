#include "store/migrations.hpp"

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "store/store.hpp"

namespace opora::store {
namespace {

int64_t scalar(Connection& conn, const char* sql) {
  auto st = conn.cached(sql);
  st->step();
  return st->int64(0);
}

// Functions of SQLite the modules' SQL uses that PostgreSQL names otherwise,
// as SQL functions the planner inlines. Versioned as the module "postgresql".
constexpr int kPostgresqlCompatVersion = 2;
constexpr std::string_view kPostgresqlCompat = R"sql(
  CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT strpos($1, $2)';
  -- SQLite's JSON path ('$.items', '$.custom."key"', '$.a[0]') as a
  -- PostgreSQL path array ('{items}', '{custom,key}', '{a,0}').
  CREATE OR REPLACE FUNCTION opora_json_path(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(coalesce(m[1], m[2], m[3]) ORDER BY n), '{}')
      FROM regexp_matches($1, '\.(?:"([^"]*)"|([^.\[]+))|\[([0-9]+)\]', 'g')
        WITH ORDINALITY AS t (m, n) $$;
  CREATE OR REPLACE FUNCTION json_array_length(text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT jsonb_array_length($1::jsonb)';
  CREATE OR REPLACE FUNCTION json_array_length(text, text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT CASE jsonb_typeof(v) WHEN 'array' THEN jsonb_array_length(v) ELSE 0 END
      FROM (SELECT $1::jsonb #> opora_json_path($2) AS v) AS t $$;
  -- The elements of a JSON array as rows of one column "value" (text), as
  -- SQLite's json_each gives them for an array of strings.
  CREATE OR REPLACE FUNCTION json_each(text) RETURNS TABLE (value text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT jsonb_array_elements_text($1::jsonb)';
  -- Ids of a table keyed by an INTEGER PRIMARY KEY (store/ddl.cpp). A row
  -- inserted without one gets:
  -- * under the writers' lock (immediate), one more than the largest id, as
  --   SQLite gives it, so both engines give the same ids whatever was rolled
  --   back; a statement-level trigger then moves the table's sequence up to
  --   the largest id inserted (sequences are not transactional, so a rollback
  --   leaves it ahead, which costs nothing but a gap; a sequence never drawn
  --   from gives last_value itself next);
  -- * in a concurrent transaction (opora.concurrent, set by BEGIN), which
  --   never runs beside an immediate one, the sequence's next value, which no
  --   other writer gets: the largest id cannot see their uncommitted rows.
  -- The trigger also notes the id for last_insert_rowid().
  CREATE OR REPLACE FUNCTION opora_install_id(tbl text, col text) RETURNS void
    LANGUAGE plpgsql AS $install$
    DECLARE
      seq text := 'opora_seq_' || tbl;
    BEGIN
      EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', seq);
      EXECUTE format('SELECT setval(%L, greatest(coalesce(max(%I), 0), 1), max(%I) IS NOT NULL) '
                     'FROM %I', seq, col, col, tbl);
      EXECUTE format($f$CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $b$
        BEGIN
          IF NEW.%I IS NULL THEN
            IF current_setting('opora.concurrent', true) = 'on' THEN
              NEW.%I := nextval(%L);
            ELSE
              SELECT coalesce(max(%I), 0) + 1 INTO NEW.%I FROM %I;
            END IF;
          END IF;
          PERFORM set_config('opora.last_id', NEW.%I::text, false);
          RETURN NEW;
        END $b$$f$, 'opora_id_' || tbl, col, col, seq, col, col, tbl, col);
      EXECUTE format($f$CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $b$
        BEGIN
          IF current_setting('opora.concurrent', true) IS DISTINCT FROM 'on' THEN
            PERFORM setval(%L, m) FROM (SELECT max(%I) AS m FROM inserted) AS i
              WHERE m > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
                         FROM %I);
          END IF;
          RETURN NULL;
        END $b$$f$, 'opora_ids_seen_' || tbl, seq, col, seq);
      EXECUTE format('DROP TRIGGER IF EXISTS opora_id ON %I', tbl);
      EXECUTE format('DROP TRIGGER IF EXISTS opora_ids_seen ON %I', tbl);
      EXECUTE format('CREATE TRIGGER opora_id BEFORE INSERT ON %I FOR EACH ROW '
                     'EXECUTE FUNCTION %I()', tbl, 'opora_id_' || tbl);
      EXECUTE format('CREATE TRIGGER opora_ids_seen AFTER INSERT ON %I REFERENCING NEW TABLE AS '
                     'inserted FOR EACH STATEMENT EXECUTE FUNCTION %I()', tbl,
                     'opora_ids_seen_' || tbl);
    END $install$;
  -- The schema's commit counter: every writing transaction moves it just
  -- before and just after it commits, and a connection that sees it moved by
  -- another drops its caches (store/postgres.cpp, data_version()).
  CREATE SEQUENCE IF NOT EXISTS opora_commits;
  -- A schema made by version 1 (ids by the largest id alone): its tables get
  -- the sequence and the triggers above.
  SELECT opora_install_id(c.relname, a.attname)
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
    WHERE t.tgname = 'opora_id' AND c.relnamespace = current_schema()::regnamespace;
)sql";

Error empty_database() {
  const std::string msg = "the database is empty; open it once without read_only";
  return Error(ErrorCode::state, msg, {FieldError{"", "migration_needed", msg}});
}

// Recognises or claims a PostgreSQL schema; throws for a foreign one.
void claim_postgresql(Connection& conn, bool read_only) {
  auto count_tables = [&conn](const char* sql) {
    auto st = conn.cached(sql);
    st->step();
    return st->int64(0);
  };
  const char* const ours =
      "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND "
      "relname = 'opora_schema'";
  const char* const all =
      "SELECT count(*) FROM pg_depend WHERE refclassid = 'pg_namespace'::regclass AND refobjid "
      "= current_schema()::regnamespace AND classid = 'pg_class'::regclass";
  if (count_tables(ours) == 0) {
    const int64_t objects = count_tables(all);
    if (objects != 0)
      throw Error(ErrorCode::corrupt, "not an opora database: the schema holds " +
                                          std::to_string(objects) +
                                          " relations of another application; opora does not "
                                          "modify it (open with another \"schema\")");
    if (read_only) throw empty_database();
    Transaction tx(conn);
    // Another connection may have claimed it while this one waited for the lock.
    if (count_tables(ours) == 0)
      conn.exec("CREATE TABLE opora_schema (module TEXT PRIMARY KEY, version BIGINT NOT NULL)");
    tx.commit();
  }
  if (schema_version(conn, "postgresql") >= kPostgresqlCompatVersion) return;
  if (read_only)
    throw Error(ErrorCode::state, "the database needs an upgrade; open it once without read_only",
                {FieldError{"postgresql", "migration_needed",
                            "postgresql schema version " +
                                std::to_string(schema_version(conn, "postgresql")) +
                                ", this library's " + std::to_string(kPostgresqlCompatVersion)}});
  Transaction tx(conn);
  if (schema_version(conn, "postgresql") < kPostgresqlCompatVersion) {
    conn.exec(kPostgresqlCompat);
    auto st = conn.cached(
        "INSERT INTO opora_schema (module, version) VALUES ('postgresql', ?1) "
        "ON CONFLICT (module) DO UPDATE SET version = excluded.version");
    st->bind(1, int64_t{kPostgresqlCompatVersion}).run();
  }
  tx.commit();
}

// Recognises or claims the file; throws for a foreign one.
void claim(Connection& conn, bool read_only) {
  if (conn.engine() == Engine::postgresql) return claim_postgresql(conn, read_only);
  const int64_t id = scalar(conn, "PRAGMA application_id");
  if (id == kApplicationId) return;
  const int64_t objects = scalar(conn, "SELECT count(*) FROM sqlite_schema");
  if (id != 0 || objects != 0)
    throw Error(ErrorCode::corrupt,
                "not an opora database: the file belongs to another application (application_id " +
                    std::to_string(id) + ", " + std::to_string(objects) +
                    " schema objects); opora does not modify it");
  if (read_only) throw empty_database();
  Transaction tx(conn);
  // PRAGMA takes no bound parameters; the value is our constant.
  conn.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  conn.exec("CREATE TABLE opora_schema (module TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT");
  tx.commit();
}

void record_version(Connection& conn, std::string_view module, int version) {
  auto st = conn.cached(
      "INSERT INTO opora_schema (module, version) VALUES (?1, ?2) "
      "ON CONFLICT (module) DO UPDATE SET version = excluded.version");
  st->bind(1, module).bind(2, int64_t{version}).run();
}

// A step's PostgreSQL text, translated once per process (the translation's
// regular expressions cost more than the server's work on a new schema).
const std::string& postgresql_text(const Migration& step) {
  static std::mutex mutex;
  static std::map<const char*, std::string> texts;
  const std::lock_guard<std::mutex> lock(mutex);
  const char* key = step.postgresql.empty() ? step.sql.data() : step.postgresql.data();
  auto it = texts.find(key);
  if (it == texts.end())
    it = texts
             .emplace(key, step.postgresql.empty() ? postgresql_ddl(step.sql)
                                                   : std::string(step.postgresql))
             .first;
  return it->second;
}

}  // namespace

int schema_version(Connection& conn, std::string_view module) {
  auto st = conn.cached("SELECT version FROM opora_schema WHERE module = ?1");
  st->bind(1, module);
  return st->step() ? static_cast<int>(st->int64(0)) : 0;
}

void migrate(Connection& conn, const std::vector<const SchemaModule*>& modules, bool read_only) {
  claim(conn, read_only);
  // Every module is checked before anything is written: a newer one refuses
  // the database whole, and a read-only open names every module behind
  // (rule migration_needed: `opora migrate --check` reports them).
  std::vector<FieldError> behind;
  for (const SchemaModule* m : modules) {
    const int latest = m->migrations.empty() ? 0 : m->migrations.back().version;
    const int current = schema_version(conn, m->name);
    if (current > latest)
      throw Error(ErrorCode::state, "the database's " + std::string(m->name) +
                                        " schema is version " + std::to_string(current) +
                                        ", newer than this library knows (" +
                                        std::to_string(latest) + "); upgrade opora");
    if (current < latest)
      behind.push_back(FieldError{std::string(m->name), "migration_needed",
                                  std::string(m->name) + " schema version " +
                                      std::to_string(current) + ", this library's " +
                                      std::to_string(latest)});
  }
  if (read_only && !behind.empty()) {
    std::string msg = "the database's " + behind.front().field + " schema needs an upgrade";
    if (behind.size() > 1) msg += " (and " + std::to_string(behind.size() - 1) + " more)";
    throw Error(ErrorCode::state, msg + "; open it once without read_only", std::move(behind));
  }
  for (const SchemaModule* m : modules) {
    const int latest = m->migrations.empty() ? 0 : m->migrations.back().version;
    const int current = schema_version(conn, m->name);
    if (current == latest) continue;
    const bool pg = conn.engine() == Engine::postgresql;
    for (const auto& step : m->migrations) {
      if (step.version <= current) continue;
      if (pg) {
        // DDL is transactional on PostgreSQL: no foreign-key pragmas. A
        // rebuild of a table others refer to needs a text of its own (the
        // server refuses to drop it).
        const std::string& sql = postgresql_text(step);
        Transaction tx(conn);
        if (schema_version(conn, m->name) >= step.version) continue;
        conn.exec(sql);
        record_version(conn, m->name, step.version);
        tx.commit();
        continue;
      }
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
      record_version(conn, m->name, step.version);
      tx.commit();
    }
  }
}

}  // namespace opora::store

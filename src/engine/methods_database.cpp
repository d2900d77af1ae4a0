// database.*: the database as a whole, beside what its modules hold. A copy
// moves it to another engine (a SQLite file onto a PostgreSQL schema, and
// back) with every row, checked table by table.
#include <boost/json.hpp>
#include <string>

#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "store/copy.hpp"
#include "store/migrations.hpp"

namespace opora::engine {
namespace json = boost::json;

void register_database_methods(MethodTable& t) {
  t.add("database.copy_to",
        "Copies this whole database into an empty one (a SQLite file, or a PostgreSQL URI with "
        "its schema), rows with their ids in one transaction, each table read back and "
        "checked against this one's count and checksum.",
        R"~({"type": "object", "required": ["target"], "properties": {
          "target": {"type": "string", "minLength": 1, "description": "a SQLite file path or a postgresql:// URI, as opora_db_open takes; created and migrated if new, refused unless empty"},
          "target_schema": {"type": "string", "minLength": 1, "maxLength": 63, "description": "the PostgreSQL schema of the target (its open option \"schema\")"}
        }})~",
        R"~({"type": "object", "properties": {
          "tables": {"type": "array", "items": {"type": "object", "properties": {
            "table": {"type": "string"},
            "rows": {"type": "integer", "description": "rows copied"},
            "checksum": {"type": "string", "description": "SHA-256 (hex) of the table's rows, computed alike on both engines and equal on both sides (docs/postgresql.md)"}
          }}, "description": "every table copied, by name"},
          "rows": {"type": "integer", "description": "rows copied in all"},
          "schema": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "schema version of each module, the same on both sides"}
        }})~",
        false, [](Database& db, const Params& p) {
          store::ConnectionOptions options;
          options.schema = p.opt_str("target_schema").value_or("");
          const auto target = store::open(p.str("target"), options);
          const auto sums = store::copy_database(db.connection(), *target, schema_modules());
          json::array tables;
          int64_t rows = 0;
          for (const auto& s : sums) {
            tables.push_back(
                json::object{{"table", s.table}, {"rows", s.rows}, {"checksum", s.sha256}});
            rows += s.rows;
          }
          json::object versions;
          for (const store::SchemaModule* m : schema_modules())
            versions[std::string(m->name)] = store::schema_version(db.connection(), m->name);
          return json::object{
              {"tables", std::move(tables)}, {"rows", rows}, {"schema", std::move(versions)}};
        });
}

}  // namespace opora::engine

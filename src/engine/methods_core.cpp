// meta.* and clock.*: what the library is, which methods it has, what time
// it is for this handle.
#include <boost/json.hpp>

#include "engine/database.hpp"
#include "engine/event_catalog.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "opora/opora_version.h"
#include "store/migrations.hpp"
#include "store/sqlite.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

json::object schema_versions(Database& db) {
  json::object out;
  for (const store::SchemaModule* module : schema_modules())
    out[std::string(module->name)] = store::schema_version(db.connection(), module->name);
  return out;
}

json::object clock_result(const Clock& clock) {
  return {{"now", clock.now().to_string()},
          {"today", clock.today().to_string()},
          {"mode", clock.mode() == ClockMode::manual ? "manual" : "system"},
          {"utc_offset", format_utc_offset(clock.utc_offset_minutes())}};
}

const char* kClockResult = R"~({
  "type": "object",
  "properties": {
    "now": {"type": "string", "format": "date-time", "description": "current instant, UTC"},
    "today": {"type": "string", "format": "date", "description": "current date at utc_offset"},
    "mode": {"type": "string", "enum": ["system", "manual"]},
    "utc_offset": {"type": "string", "description": "offset used for today, e.g. +03:00"}
  }
})~";

}  // namespace

void register_meta_methods(MethodTable& t) {
  t.add("meta.version",
        "Library version, SQLite version and the schema version of each module in the database.",
        R"~({"type": "object", "properties": {}})~",
        R"~({"type": "object", "properties": {
          "version": {"type": "string", "description": "MAJOR.MINOR.PATCH"},
          "version_number": {"type": "integer", "description": "MAJOR*1000000 + MINOR*1000 + PATCH"},
          "sqlite_version": {"type": "string"},
          "schema": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "schema version of each module in this database"}
        }})~",
        false, [](Database& db, const Params&) {
          return json::object{{"version", OPORA_VERSION_STRING},
                              {"version_number", OPORA_VERSION_NUMBER},
                              {"sqlite_version", store::sqlite_version()},
                              {"schema", schema_versions(db)}};
        });

  t.add("meta.events",
        "Every domain event opora's modules publish (billing.payment_posted, "
        "edo.document_signed, ...) with its business key and the schema of its data: what "
        "workflow triggers and guards can rely on.",
        R"~({"type": "object", "properties": {}})~",
        R"~({"type": "object", "properties": {
          "events": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"},
            "module": {"type": "string"},
            "summary": {"type": "string"},
            "key": {"type": "string", "description": "the business key it is published under"},
            "data": {"type": "object", "additionalProperties": true, "description": "JSON Schema of its data"}
          }}}
        }})~",
        false, [](Database&, const Params&) {
          return json::object{{"events", event_catalog()}};
        });

  t.add("meta.methods", "Every method with its one-line summary and parameter and result schemas.",
        R"~({"type": "object", "properties": {}})~",
        R"~({"type": "object", "properties": {
          "methods": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"},
            "summary": {"type": "string"},
            "mutating": {"type": "boolean", "description": "runs as one write transaction"},
            "batch": {"type": "boolean", "description": "mutating, but commits in chunks and resumes after a crash"},
            "params": {"type": "object", "additionalProperties": true, "description": "JSON Schema of the parameters"},
            "result": {"type": "object", "additionalProperties": true, "description": "JSON Schema of the result"}
          }}}
        }})~",
        false, [](Database&, const Params&) {
          json::array list;
          for (const auto& m : method_table().all())
            list.push_back(json::object{{"name", m.name},
                                        {"summary", m.summary},
                                        {"mutating", m.mutating},
                                        {"batch", m.batch},
                                        {"params", m.params},
                                        {"result", m.result}});
          return json::object{{"methods", std::move(list)}};
        });
}

void register_clock_methods(MethodTable& t) {
  t.add("clock.get", "The handle's current time and business date.",
        R"~({"type": "object", "properties": {}})~", kClockResult, false,
        [](Database& db, const Params&) { return clock_result(db.clock()); });

  t.add("clock.set", "Moves a manual clock to an instant (tests and simulations).",
        R"~({"type": "object", "required": ["now"], "properties": {
          "now": {"type": "string", "format": "date-time",
                  "description": "YYYY-MM-DDTHH:MM:SSZ, an offset instead of Z, or YYYY-MM-DD (midnight UTC)"}
        }})~",
        kClockResult, false, [](Database& db, const Params& p) {
          db.clock().set(Timestamp::parse_field(p.str("now"), "now"), "now");
          return clock_result(db.clock());
        });
}

}  // namespace opora::engine

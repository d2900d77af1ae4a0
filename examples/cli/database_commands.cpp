// copy and migrate: the database as a whole. copy moves one into an empty
// other (a SQLite file onto a PostgreSQL schema, and back) through the
// library's database.copy_to; migrate brings a database to this library's
// schema, or with --check only says whether it needs to.
#include <opora/opora.h>

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "error_report.hpp"
#include "json_format.hpp"
#include "open_options.hpp"
#include "text_io.hpp"
#include "text_layout.hpp"

namespace opora_cli {
namespace {

namespace json = boost::json;

// The open options with one more (a later key wins).
std::string options_with(const Invocation& inv, const std::string& key, const std::string& value) {
  std::vector<OpenOption> options = inv.options;
  options.emplace_back(key, value);
  return open_options_json(options);
}

// Modules a read-only open named as behind (rule migration_needed), each
// with what it said; "" in the map: the database is empty. nullopt: the
// failure is of another kind.
std::optional<std::map<std::string, std::string>> modules_behind(const Failure& failure) {
  if (failure.code != OPORA_ESTATE) return std::nullopt;
  const std::optional<json::value> parsed = parse_json(failure.error_json);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const json::value* errors = parsed->get_object().if_contains("errors");
  if (errors == nullptr || !errors->is_array()) return std::nullopt;
  std::map<std::string, std::string> behind;
  for (const json::value& e : errors->get_array())
    if (e.is_object() && string_member(e.get_object(), "rule") == "migration_needed")
      behind.emplace(string_member(e.get_object(), "field"),
                     string_member(e.get_object(), "message"));
  if (behind.empty()) return std::nullopt;
  return behind;
}

// The "schema" object of meta.versions, or nullopt after reporting why not.
std::optional<json::object> schema_versions(Database& db, bool json_mode) {
  const std::optional<std::string> result = call_method(db, "meta.version", "{}", json_mode);
  if (!result) return std::nullopt;
  const std::optional<json::value> v = parse_json(*result);
  const json::value* schema = v && v->is_object() ? v->get_object().if_contains("schema") : nullptr;
  if (schema == nullptr || !schema->is_object()) return json::object{};
  return schema->get_object();
}

std::string version_table(const json::object& schema,
                          const std::map<std::string, std::string>& migrated) {
  std::vector<std::vector<std::string>> rows;
  const bool all = migrated.count("") != 0;
  for (const auto& kv : schema) {
    const std::string module(kv.key());
    const bool moved = all || migrated.count(module) != 0;
    rows.push_back({module, json::serialize(kv.value()), moved ? "migrated" : ""});
  }
  return render_table({"module", "version", ""}, rows, TableLayout{});
}

}  // namespace

int run_copy(const Invocation& inv) {
  Database db;
  if (!open_database(db, inv.copy_from, open_options_json(inv.options), inv.json))
    return kExitFailed;
  json::object params{{"target", inv.copy_to}};
  if (!inv.to_schema.empty()) params["target_schema"] = inv.to_schema;
  const std::optional<std::string> result =
      call_method(db, "database.copy_to", json::serialize(params), inv.json);
  if (!result) return kExitFailed;
  if (inv.json) {
    print_json(*result, true);
    return kExitOk;
  }
  const std::optional<json::value> v = parse_json(*result);
  const json::object* out = v && v->is_object() ? &v->get_object() : nullptr;
  const json::value* tables = out != nullptr ? out->if_contains("tables") : nullptr;
  if (tables == nullptr || !tables->is_array()) {
    print_json(*result, false);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const json::value& t : tables->get_array()) {
    if (!t.is_object()) continue;
    const json::value* n = t.get_object().if_contains("rows");
    rows.push_back({std::string(string_member(t.get_object(), "table")),
                    n != nullptr ? json::serialize(*n) : "",
                    std::string(string_member(t.get_object(), "checksum"))});
  }
  const json::value* total = out->if_contains("rows");
  std::string text = render_table({"table", "rows", "sha256"}, rows, TableLayout{});
  text += "copied " + (total != nullptr ? json::serialize(*total) : std::string("0")) +
          " rows in " + std::to_string(rows.size()) +
          " tables; each table read back with the same rows and checksum\n";
  write_text(stdout, text);
  return kExitOk;
}

int run_migrate(const Invocation& inv) {
  // A read-only open migrates nothing: it succeeds when the database is up
  // to date, and otherwise names the modules behind.
  Database probe;
  Failure failure;
  std::map<std::string, std::string> behind;
  if (probe.open(inv.db_path, options_with(inv, "read_only", "true"), failure) != OPORA_OK) {
    const std::optional<std::map<std::string, std::string>> modules = modules_behind(failure);
    if (!modules) {
      if (inv.check) {
        report_failure("cannot open database \"" + inv.db_path + "\"", failure, inv.json);
        return kExitFailed;
      }
      behind.emplace("", "");  // not there yet: a new database, created whole
    } else {
      behind = *modules;
    }
  }

  if (inv.check) {
    if (behind.empty()) {
      const std::optional<json::object> schema = schema_versions(probe, inv.json);
      if (!schema) return kExitFailed;
      if (inv.json) {
        print_json(json::serialize(json::object{{"migration_needed", false}, {"schema", *schema}}),
                   true);
      } else {
        write_text(stdout, version_table(*schema, {}) + "up to date\n");
      }
      return kExitOk;
    }
    json::array modules;
    std::string lines;
    for (const auto& [module, message] : behind) {
      if (!module.empty()) modules.emplace_back(module);
      lines += "  " + message + "\n";
    }
    if (inv.json) {
      print_json(
          json::serialize(json::object{
              {"migration_needed", true}, {"modules", modules}, {"message", failure.message}}),
          true);
    } else {
      write_text(stdout, "a migration is needed:\n" + lines);
    }
    return kExitFailed;
  }

  Database db;
  if (!open_database(db, inv.db_path, open_options_json(inv.options), inv.json)) return kExitFailed;
  const std::optional<json::object> schema = schema_versions(db, inv.json);
  if (!schema) return kExitFailed;
  if (inv.json) {
    json::array migrated;
    for (const auto& kv : *schema)
      if (behind.count("") != 0 || behind.count(std::string(kv.key())) != 0)
        migrated.emplace_back(kv.key());
    print_json(json::serialize(json::object{{"schema", *schema}, {"migrated", migrated}}), true);
  } else {
    write_text(stdout,
               version_table(*schema, behind) + (behind.empty() ? "up to date\n" : "migrated\n"));
  }
  return kExitOk;
}

}  // namespace opora_cli

#include "commands.hpp"

#include <boost/json.hpp>

#include <opora/opora.h>

#include <algorithm>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli_args.hpp"
#include "database.hpp"
#include "error_report.hpp"
#include "json_format.hpp"
#include "open_options.hpp"
#include "text_io.hpp"
#include "text_layout.hpp"
#include "usage.hpp"

namespace opora_cli {
namespace {

namespace json = boost::json;

}  // namespace

bool open_database(Database& db, const std::string& path, const std::string& options_json,
                   bool json_mode) {
  Failure failure;
  if (db.open(path, options_json, failure) == OPORA_OK) return true;
  report_failure("cannot open database \"" + path + "\"", failure, json_mode);
  return false;
}

// Whether `method` writes, from the catalogue of the same handle.
bool is_mutating(Database& db, const std::string& method) {
  std::string text;
  Failure ignored;
  if (db.call("meta.methods", "{}", text, ignored) != OPORA_OK) return false;
  try {
    const boost::json::value v = boost::json::parse(text);
    for (const auto& m : v.at("methods").as_array())
      if (m.at("name").as_string() == method) return m.at("mutating").as_bool();
  } catch (const std::exception&) {
    // A catalogue we cannot read only costs the note.
  }
  return false;
}

std::optional<std::string> call_method(Database& db, const std::string& method,
                                       const std::string& params, bool json_mode) {
  std::string result;
  Failure failure;
  if (db.call(method, params, result, failure) != OPORA_OK) {
    report_failure(method + " failed", failure, json_mode);
    return std::nullopt;
  }
  if (db.in_memory() && is_mutating(db, method))
    write_text(stderr,
               "opora: note: " + method +
                   " changed a temporary in-memory database, which is gone now; give --db FILE "
                   "(or set OPORA_DB) to keep changes\n");
  return result;
}

void print_json(const std::string& text, bool json_mode) {
  write_text(stdout, reformat_json(text, json_mode ? JsonStyle::kCompact : JsonStyle::kPretty));
  write_text(stdout, "\n");
}

int run_call(const Invocation& inv) {
  std::string params = "{}";
  if (inv.params_given) {
    if (inv.params == "-") {
      std::optional<std::string> input = read_stdin();
      if (!input) throw UsageError("cannot read the parameters from stdin");
      params = std::move(*input);
    } else {
      params = inv.params;
    }
  }
  if (params.find('\0') != std::string::npos) {
    throw UsageError("the parameters contain a NUL byte");
  }

  Database db;
  if (!open_database(db, inv.db_path, open_options_json(inv.options), inv.json)) {
    return kExitFailed;
  }
  const std::optional<std::string> result = call_method(db, inv.method, params, inv.json);
  if (!result) return kExitFailed;
  print_json(*result, inv.json);
  return kExitOk;
}

int run_methods(const Invocation& inv) {
  Database db;
  if (!open_database(db, kInMemory, {}, inv.json)) return kExitFailed;
  const std::optional<std::string> result = call_method(db, "meta.methods", "{}", inv.json);
  if (!result) return kExitFailed;
  if (inv.json) {
    print_json(*result, true);
    return kExitOk;
  }

  struct Row {
    std::string name, summary;
  };
  std::vector<Row> rows;
  const std::optional<json::value> parsed = parse_json(*result);
  const json::value* methods =
      parsed && parsed->is_object() ? parsed->get_object().if_contains("methods") : nullptr;
  if (methods != nullptr && methods->is_array()) {
    for (const json::value& entry : methods->get_array()) {
      if (!entry.is_object()) continue;
      rows.push_back({std::string(string_member(entry.get_object(), "name")),
                      std::string(string_member(entry.get_object(), "summary"))});
    }
  }
  std::size_t width = 0;
  for (const Row& row : rows) width = std::max(width, text_width(row.name));
  std::string table;
  for (const Row& row : rows) {
    table += row.name;
    if (!row.summary.empty()) {
      table.append(width - text_width(row.name) + 2, ' ');
      table += row.summary;
    }
    table += '\n';
  }
  write_text(stdout, table);
  return kExitOk;
}

int run_version(const Invocation& inv) {
  if (!inv.json) {
    std::string text = std::string("opora ") + opora_version();
    if (opora_version_number() != OPORA_VERSION_NUMBER) {
      text += " (this program was built against " OPORA_VERSION_STRING ")";
    }
    write_text(stdout, text + "\n");
    return kExitOk;
  }
  Database db;
  if (!open_database(db, kInMemory, {}, inv.json)) return kExitFailed;
  const std::optional<std::string> result = call_method(db, "meta.version", "{}", inv.json);
  if (!result) return kExitFailed;
  print_json(*result, true);
  return kExitOk;
}

int run_help() {
  write_text(stdout, usage_text());
  return kExitOk;
}

}  // namespace opora_cli

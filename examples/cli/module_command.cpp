#include "module_command.hpp"

#include <opora/opora.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "catalogue.hpp"
#include "commands.hpp"
#include "database.hpp"
#include "json_format.hpp"
#include "method_args.hpp"
#include "method_help.hpp"
#include "open_options.hpp"
#include "result_table.hpp"
#include "text_io.hpp"
#include "usage.hpp"

namespace opora_cli {
namespace {

namespace json = boost::json;

constexpr const char* kMemory = ":memory:";

// The method catalogue, from an in-memory database; nullopt (reported) on failure.
std::optional<Catalogue> load_catalogue(bool json_mode) {
  Database db;
  if (!open_database(db, kMemory, {}, json_mode)) return std::nullopt;
  const std::optional<std::string> result = call_method(db, "meta.methods", "{}", json_mode);
  if (!result) return std::nullopt;
  const std::optional<json::value> parsed = parse_json(*result);
  if (!parsed) return std::nullopt;
  return Catalogue::from_meta_methods(*parsed);
}

// The meta.methods entry of a method, rebuilt for --help --json.
json::object method_entry(const MethodInfo& method) {
  json::object entry;
  entry["name"] = method.name;
  entry["summary"] = method.summary;
  entry["mutating"] = method.mutating;
  entry["batch"] = method.batch;
  entry["params"] = method.params;
  entry["result"] = method.result;
  return entry;
}

int run_help_on(const Invocation& inv, const MethodCommand& cmd, const Catalogue& catalogue) {
  const std::string prefix = join_words(cmd.words, cmd.words.size(), '.');
  if (cmd.method == nullptr && catalogue.under(prefix).empty()) {
    const bool is_module = !cmd.words.empty() && !catalogue.under(cmd.words.front()).empty();
    if (!is_module) {  // not a module at all: the general usage, as "--help" anywhere gives
      write_text(stdout, usage_text());
      return kExitOk;
    }
    throw UsageError("unknown method '" + prefix + "'", help_hint({cmd.words.front()}));
  }
  if (inv.json) {
    json::object out;
    if (cmd.method != nullptr) {
      out = method_entry(*cmd.method);
    } else {
      json::array methods;
      for (const MethodInfo* method : catalogue.under(prefix)) {
        methods.push_back(method_entry(*method));
      }
      out["methods"] = std::move(methods);
    }
    write_text(stdout, format_json(out, JsonStyle::kCompact) + "\n");
    return kExitOk;
  }
  write_text(stdout,
             cmd.method != nullptr ? method_help(*cmd.method) : group_help(catalogue, cmd.words));
  return kExitOk;
}

// The base object of --params (JSON text or "-" for stdin), else {}.
json::object base_params(const MethodCommand& cmd) {
  if (!cmd.params_arg) return {};
  std::string text = *cmd.params_arg;
  if (text == "-") {
    std::optional<std::string> input = read_stdin();
    if (!input) throw UsageError("cannot read the parameters from stdin");
    text = std::move(*input);
  }
  std::optional<json::value> parsed = parse_json(text);
  if (!parsed || !parsed->is_object()) throw UsageError("--params: expected a JSON object");
  return std::move(parsed->get_object());
}

void print_result(const std::string& text, const MethodInfo& method, bool json_mode) {
  if (!json_mode) {
    if (const std::optional<json::value> parsed = parse_json(text)) {
      if (const std::optional<std::string> table = format_result_table(*parsed, method.result)) {
        write_text(stdout, *table);
        return;
      }
    }
  }
  print_json(text, json_mode);
}

// `opora workflow export ID --svg FILE` (or --mermaid / --dot FILE): the
// diagram goes to a file, as people want it, rather than as a JSON string.
struct DiagramFile {
  std::string format;
  std::string path;
};

std::optional<DiagramFile> take_diagram_file(Invocation& inv) {
  auto& a = inv.module_args;
  if (a.size() < 2 || a[0] != "workflow" || a[1] != "export") return std::nullopt;
  for (std::size_t i = 2; i + 1 < a.size(); ++i) {
    for (const char* format : {"svg", "mermaid", "dot"}) {
      if (a[i] != std::string("--") + format) continue;
      DiagramFile out{format, a[i + 1]};
      a.erase(a.begin() + static_cast<std::ptrdiff_t>(i),
              a.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      a.push_back("--format");
      a.push_back(format);
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace

int run_module(const Invocation& invocation) {
  Invocation inv = invocation;  // global options among the method's flags still apply
  const std::optional<DiagramFile> diagram = take_diagram_file(inv);
  // --json may follow the words; the catalogue's own failure is reported as asked.
  for (const std::string& arg : inv.module_args) {
    if (arg == "--") break;
    if (arg == "--json") inv.json = true;
  }
  const std::optional<Catalogue> catalogue = load_catalogue(inv.json);
  if (!catalogue) return kExitFailed;

  const MethodCommand cmd = parse_method_command(inv, *catalogue);
  if (inv.help) return run_help_on(inv, cmd, *catalogue);

  const std::string params = json::serialize(merge_params(base_params(cmd), cmd.flags));
  Database db;
  if (!open_database(db, inv.db_path, open_options_json(inv.options), inv.json)) {
    return kExitFailed;
  }
  const std::optional<std::string> result = call_method(db, cmd.method->name, params, inv.json);
  if (!result) return kExitFailed;
  if (diagram) {
    const std::optional<json::value> parsed = parse_json(*result);
    const json::value* text =
        parsed && parsed->is_object() ? parsed->get_object().if_contains("text") : nullptr;
    std::FILE* f =
        text != nullptr && text->is_string() ? std::fopen(diagram->path.c_str(), "wb") : nullptr;
    if (f == nullptr) {
      write_text(stderr, "opora: cannot write " + diagram->path + "\n");
      return kExitFailed;
    }
    const auto& s = text->get_string();
    const bool ok = std::fwrite(s.data(), 1, s.size(), f) == s.size();
    if (std::fclose(f) != 0 || !ok) {
      write_text(stderr, "opora: cannot write " + diagram->path + "\n");
      return kExitFailed;
    }
    write_text(stdout, "wrote " + diagram->path + " (" + diagram->format + ", " +
                           std::to_string(s.size()) + " bytes)\n");
    return kExitOk;
  }
  print_result(*result, *cmd.method, inv.json);
  return kExitOk;
}

}  // namespace opora_cli

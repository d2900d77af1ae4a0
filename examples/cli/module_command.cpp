#include "module_command.hpp"

#include <opora/opora.h>

#include <unistd.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "catalogue.hpp"
#include "cli_args.hpp"
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

}  // namespace

// The method catalogue, from an in-memory database; nullopt (reported) on failure.
std::optional<Catalogue> load_catalogue(bool json_mode) {
  Database db;
  if (!open_database(db, kInMemory, {}, json_mode)) return std::nullopt;
  const std::optional<std::string> result = call_method(db, "meta.methods", "{}", json_mode);
  if (!result) return std::nullopt;
  const std::optional<json::value> parsed = parse_json(*result);
  if (!parsed) return std::nullopt;
  return Catalogue::from_meta_methods(*parsed);
}

namespace {

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

// A parameter marked "x-cli-stdin" in its schema and not given on the
// command line is read from stdin when stdin is not a terminal:
// `opora exchange in --node tablet-7 < msg.json`.
void take_stdin_param(json::object& params, const MethodInfo& method) {
  const auto* props = method.params.if_contains("properties");
  if (props == nullptr || !props->is_object()) return;
  for (const auto& kv : props->get_object()) {
    const auto* schema = kv.value().if_object();
    const auto* flag = schema != nullptr ? schema->if_contains("x-cli-stdin") : nullptr;
    if (flag == nullptr || !flag->is_bool() || !flag->get_bool() || params.contains(kv.key()))
      continue;
    if (isatty(0) != 0) continue;
    std::optional<std::string> input = read_stdin();
    if (!input) throw UsageError("cannot read --" + std::string(kv.key()) + " from stdin");
    params[kv.key()] = *input;
    return;
  }
}

// A result member marked "x-cli-output" is what the command prints (without
// --json): the message of `opora exchange out --node tablet-7 > msg.json`,
// compact JSON as the library wrote it, or a string as it is.
bool print_output_member(const std::string& text, const MethodInfo& method) {
  const auto* props = method.result.if_contains("properties");
  if (props == nullptr || !props->is_object()) return false;
  for (const auto& kv : props->get_object()) {
    const auto* schema = kv.value().if_object();
    const auto* flag = schema != nullptr ? schema->if_contains("x-cli-output") : nullptr;
    if (flag == nullptr || !flag->is_bool() || !flag->get_bool()) continue;
    const std::optional<json::value> parsed = parse_json(text);
    const json::value* v =
        parsed && parsed->is_object() ? parsed->get_object().if_contains(kv.key()) : nullptr;
    if (v == nullptr) return false;
    write_text(stdout, v->is_string() ? std::string(v->get_string()) : json::serialize(*v) + "\n");
    return true;
  }
  return false;
}

void print_result(const std::string& text, const MethodInfo& method, bool json_mode) {
  if (!json_mode && print_output_member(text, method)) return;
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

// `opora edo packet build --ref REF --operator diadoc --out DIR` (or
// `edo packet render --packet N --out DIR`): the rendered files and the
// operator's request body go into DIR.
std::optional<std::string> take_out_dir(Invocation& inv) {
  auto& a = inv.module_args;
  if (a.size() < 3 || a[0] != "edo" || a[1] != "packet" || (a[2] != "build" && a[2] != "render"))
    return std::nullopt;
  for (std::size_t i = 3; i + 1 < a.size(); ++i) {
    if (a[i] != "--out") continue;
    std::string dir = a[i + 1];
    a.erase(a.begin() + static_cast<std::ptrdiff_t>(i),
            a.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    return dir;
  }
  return std::nullopt;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

bool write_file(const std::string& path, std::string_view bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

// Writes the files and request.json of a rendered packet into `dir`; a
// packet with problems lists them and fails.
int write_packet(const std::string& dir, const std::string& result, bool json_mode) {
  const std::optional<json::value> parsed = parse_json(result);
  if (!parsed || !parsed->is_object()) return kExitFailed;
  const json::object& out = parsed->get_object();
  if (const auto* valid = out.if_contains("valid"); valid != nullptr && *valid == false) {
    if (json_mode) {
      write_text(stdout, format_json(out, JsonStyle::kCompact) + "\n");
    } else {
      std::string text = "packet " + json::serialize(out.at("packet")) + " has problems:\n";
      for (const auto& pr : out.at("problems").as_array())
        text += "  " + std::string(pr.at("field").as_string()) + ": " +
                std::string(pr.at("message").as_string()) + " [" +
                std::string(pr.at("rule").as_string()) + "]\n";
      write_text(stderr, text);
    }
    return kExitFailed;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string listing;
  for (const auto& f : out.at("files").as_array()) {
    const std::string name(f.at("name").as_string());
    const auto bytes = base64_decode(f.at("content_base64").as_string());
    // A file name from the registry must not climb out of the directory.
    const std::string safe = std::filesystem::path(name).filename().string();
    if (!bytes || safe.empty() || !write_file(dir + "/" + safe, *bytes)) {
      write_text(stderr, "opora: cannot write " + dir + "/" + safe + "\n");
      return kExitFailed;
    }
    listing += "  " + safe + " (" + std::to_string(bytes->size()) + " bytes)\n";
  }
  const std::string request = format_json(out.at("request"), JsonStyle::kPretty) + "\n";
  if (!write_file(dir + "/request.json", request)) {
    write_text(stderr, "opora: cannot write " + dir + "/request.json\n");
    return kExitFailed;
  }
  if (json_mode) {
    write_text(stdout, format_json(json::object{{"packet", out.at("packet")},
                                                {"dir", dir},
                                                {"operation_id", out.at("operation_id")},
                                                {"files", out.at("files").as_array().size()}},
                                   JsonStyle::kCompact) +
                           "\n");
  } else {
    write_text(stdout, "packet " + json::serialize(out.at("packet")) + " rendered into " + dir +
                           ":\n" + listing + "  request.json (" +
                           std::string(out.at("request").at("operator").as_string()) +
                           ", operation " + std::string(out.at("operation_id").as_string()) +
                           ")\n");
  }
  return kExitOk;
}

}  // namespace

int run_module(const Invocation& invocation) {
  Invocation inv = invocation;  // global options among the method's flags still apply
  const std::optional<DiagramFile> diagram = take_diagram_file(inv);
  const std::optional<std::string> out_dir = take_out_dir(inv);
  // --json may follow the words; the catalogue's own failure is reported as asked.
  for (const std::string& arg : inv.module_args) {
    if (arg == "--") break;
    if (arg == "--json") inv.json = true;
  }
  const std::optional<Catalogue> catalogue = load_catalogue(inv.json);
  if (!catalogue) return kExitFailed;

  const MethodCommand cmd = parse_method_command(inv, *catalogue);
  if (inv.help) return run_help_on(inv, cmd, *catalogue);

  json::object merged = merge_params(base_params(cmd), cmd.flags);
  take_stdin_param(merged, *cmd.method);
  const std::string params = json::serialize(merged);
  Database db;
  if (!open_database(db, inv.db_path, open_options_json(inv.options), inv.json)) {
    return kExitFailed;
  }
  const std::optional<std::string> result = call_method(db, cmd.method->name, params, inv.json);
  if (!result) return kExitFailed;
  if (out_dir) return write_packet(*out_dir, *result, inv.json);
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

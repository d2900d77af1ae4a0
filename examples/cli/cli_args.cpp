#include "cli_args.hpp"

#include <cstddef>
#include <string_view>

namespace opora_cli {
namespace {

constexpr const char* kMemory = ":memory:";

// Splits "--name=value" into name and value; has_value tells whether '=' was there.
struct LongOption {
  std::string_view name;
  std::string_view value;
  bool has_value = false;
};

LongOption split_long_option(std::string_view arg) {
  LongOption opt;
  const std::size_t eq = arg.find('=');
  if (eq == std::string_view::npos) {
    opt.name = arg;
  } else {
    opt.name = arg.substr(0, eq);
    opt.value = arg.substr(eq + 1);
    opt.has_value = true;
  }
  return opt;
}

OpenOption parse_open_option(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw UsageError("bad --option '" + std::string(text) + "': expected KEY=VALUE");
  }
  return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Command parse_command(const std::string& name) {
  if (name == "call") return Command::kCall;
  if (name == "methods") return Command::kMethods;
  if (name == "version") return Command::kVersion;
  if (name == "help") return Command::kHelp;
  throw UsageError("unknown command '" + name + "'");
}

void bind_arguments(Invocation& inv, const std::vector<std::string>& args) {
  switch (inv.command) {
    case Command::kCall:
      if (args.empty()) throw UsageError("call: missing METHOD");
      if (args.size() > 2) throw UsageError("call: unexpected argument '" + args[2] + "'");
      inv.method = args[0];
      if (inv.method.empty()) throw UsageError("call: empty METHOD");
      if (args.size() == 2) {
        inv.params = args[1];
        inv.params_given = true;
      }
      break;
    case Command::kMethods:
    case Command::kVersion:
      if (!args.empty()) throw UsageError("unexpected argument '" + args[0] + "'");
      break;
    case Command::kHelp:
      break;  // "help anything" still shows the usage
  }
}

}  // namespace

Invocation parse_command_line(int argc, const char* const* argv, const char* env_db) {
  Invocation inv;
  inv.db_path = (env_db != nullptr && *env_db != '\0') ? env_db : kMemory;

  std::vector<std::string> positional;
  bool help = false;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i] != nullptr ? argv[i] : "";
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h") {
      help = true;
      continue;
    }
    const LongOption opt = split_long_option(arg);
    // Fetches the option's value: "--name=value" or "--name value".
    auto value = [&]() -> std::string {
      if (opt.has_value) return std::string(opt.value);
      if (i + 1 >= argc || argv[i + 1] == nullptr) {
        throw UsageError("option " + std::string(opt.name) + " needs a value");
      }
      return argv[++i];
    };
    if (opt.name == "--help" && !opt.has_value) {
      help = true;
    } else if (opt.name == "--json" && !opt.has_value) {
      inv.json = true;
    } else if (opt.name == "--db") {
      inv.db_path = value();
      if (inv.db_path.empty()) throw UsageError("--db needs a file name");
    } else if (opt.name == "--option") {
      inv.options.push_back(parse_open_option(value()));
    } else {
      throw UsageError("unknown option '" + std::string(arg) + "'");
    }
  }

  if (help) {
    inv.command = Command::kHelp;
    return inv;
  }
  if (positional.empty()) throw UsageError("missing COMMAND");
  inv.command = parse_command(positional.front());
  positional.erase(positional.begin());
  bind_arguments(inv, positional);
  return inv;
}

}  // namespace opora_cli

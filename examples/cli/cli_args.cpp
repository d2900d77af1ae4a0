#include "cli_args.hpp"

#include <string_view>

namespace opora_cli {
namespace {

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

bool is_option(std::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-';
}

bool is_builtin(std::string_view name) {
  return name == "call" || name == "methods" || name == "version" || name == "help" ||
         name == "copy" || name == "migrate";
}

Command parse_command(const std::string& name) {
  if (name == "call") return Command::kCall;
  if (name == "methods") return Command::kMethods;
  if (name == "version") return Command::kVersion;
  if (name == "help") return Command::kHelp;
  if (name == "copy") return Command::kCopy;
  if (name == "migrate") return Command::kMigrate;
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
    case Command::kCopy:
      if (!args.empty()) throw UsageError("copy: unexpected argument '" + args[0] + "'");
      if (inv.copy_from.empty()) throw UsageError("copy: missing --from DATABASE");
      if (inv.copy_to.empty()) throw UsageError("copy: missing --to DATABASE");
      break;
    case Command::kMigrate:
      if (!args.empty()) throw UsageError("migrate: unexpected argument '" + args[0] + "'");
      break;
    case Command::kHelp:
    case Command::kModule:
      break;  // "help anything" still shows the usage
  }
  const bool copy_options =
      !inv.copy_from.empty() || !inv.copy_to.empty() || !inv.to_schema.empty();
  if (copy_options && inv.command != Command::kCopy)
    throw UsageError("--from, --to and --to-schema belong to the copy command");
  if (inv.check && inv.command != Command::kMigrate)
    throw UsageError("--check belongs to the migrate command");
}

// Options with a value that follows as the next argument.
bool takes_value(std::string_view arg) {
  return arg == "--db" || arg == "--option" || arg == "--schema" || arg == "--from" ||
         arg == "--to" || arg == "--to-schema";
}

// The options of copy and migrate; false for any other argument.
bool take_command_option(const std::vector<std::string>& args, std::size_t& i, Invocation& inv) {
  const LongOption opt = split_long_option(args[i]);
  std::size_t next = i + 1;
  auto value = [&]() -> std::string {
    std::string v;
    if (opt.has_value)
      v = std::string(opt.value);
    else if (next < args.size())
      v = args[next++];
    else
      throw UsageError("option " + std::string(opt.name) + " needs a value");
    if (v.empty()) throw UsageError("option " + std::string(opt.name) + " needs a value");
    return v;
  };
  if (opt.name == "--from") {
    inv.copy_from = value();
  } else if (opt.name == "--to") {
    inv.copy_to = value();
  } else if (opt.name == "--to-schema") {
    inv.to_schema = value();
  } else if (opt.name == "--check" && !opt.has_value) {
    inv.check = true;
  } else {
    return false;
  }
  i = next;
  return true;
}

// Where the first word (the command) stands: past the options before it and
// their values, or just past a "--". args.size() when there is none.
std::size_t command_index(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") return i + 1;
    if (!is_option(arg)) return i;
    if (takes_value(arg)) ++i;  // the value that follows
  }
  return args.size();
}

// Options and words of args[begin, end) for the built-in commands: options
// anywhere before "--", the rest positional.
void parse_options(const std::vector<std::string>& args, std::size_t end, Invocation& inv,
                   std::vector<std::string>& positional, bool& options_done) {
  for (std::size_t i = 0; i < end;) {
    const std::string& arg = args[i];
    if (options_done || !is_option(arg)) {
      positional.push_back(arg);
      ++i;
    } else if (arg == "--") {
      options_done = true;
      ++i;
    } else if (!take_global_option(args, i, inv) && !take_command_option(args, i, inv)) {
      throw UsageError("unknown option '" + arg + "'");
    }
  }
}

}  // namespace

bool take_global_option(const std::vector<std::string>& args, std::size_t& i, Invocation& inv) {
  const std::string_view arg = args[i];
  if (!is_option(arg)) return false;
  if (arg == "-h") {
    inv.help = true;
    ++i;
    return true;
  }
  const LongOption opt = split_long_option(arg);
  std::size_t next = i + 1;
  // Fetches the option's value: "--name=value" or "--name value".
  auto value = [&]() -> std::string {
    if (opt.has_value) return std::string(opt.value);
    if (next >= args.size()) {
      throw UsageError("option " + std::string(opt.name) + " needs a value");
    }
    return args[next++];
  };
  if (opt.name == "--help" && !opt.has_value) {
    inv.help = true;
  } else if (opt.name == "--json" && !opt.has_value) {
    inv.json = true;
  } else if (opt.name == "--db") {
    inv.db_path = value();
    if (inv.db_path.empty()) throw UsageError("--db needs a file name");
  } else if (opt.name == "--schema") {
    const std::string schema = value();
    if (schema.empty()) throw UsageError("--schema needs a name");
    inv.options.emplace_back("schema", schema);
  } else if (opt.name == "--option") {
    inv.options.push_back(parse_open_option(value()));
  } else {
    return false;
  }
  i = next;
  return true;
}

Invocation parse_command_line(int argc, const char* const* argv, const char* env_db) {
  Invocation inv;
  inv.db_path = (env_db != nullptr && *env_db != '\0') ? env_db : kInMemory;

  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i] != nullptr ? argv[i] : "");

  std::vector<std::string> positional;
  bool options_done = false;
  const std::size_t first = command_index(args);
  if (first < args.size() && !is_builtin(args[first])) {
    // A module command: the options before MODULE here, the rest later, once
    // the method and its parameters are known.
    parse_options(args, first, inv, positional, options_done);
    inv.command = Command::kModule;
    if (!inv.copy_from.empty() || !inv.copy_to.empty() || !inv.to_schema.empty() || inv.check)
      throw UsageError("--from, --to, --to-schema and --check belong to copy and migrate");
    inv.module_args.assign(args.begin() + static_cast<std::ptrdiff_t>(first), args.end());
    inv.module_args_literal = options_done;
    return inv;
  }

  parse_options(args, args.size(), inv, positional, options_done);
  if (inv.help) {
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

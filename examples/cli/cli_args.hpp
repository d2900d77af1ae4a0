// The command line of the opora CLI, parsed into an Invocation.
#ifndef OPORA_CLI_CLI_ARGS_HPP
#define OPORA_CLI_CLI_ARGS_HPP

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace opora_cli {

// The database path that opens a private in-memory database.
inline constexpr const char* kInMemory = ":memory:";

enum class Command { kCall, kMethods, kVersion, kHelp, kModule, kCopy, kMigrate };

// One open option from --option KEY=VALUE, as typed.
using OpenOption = std::pair<std::string, std::string>;

struct Invocation {
  Command command = Command::kHelp;
  std::string db_path;              // --db, else $OPORA_DB, else ":memory:"
  bool json = false;                // --json: machine output
  bool help = false;                // --help or -h was given
  std::vector<OpenOption> options;  // --option KEY=VALUE, in order
  std::string method;               // call: METHOD
  std::string params;               // call: JSON text, or "-" for stdin
  bool params_given = false;        // call: whether JSON or "-" was given
  std::string copy_from;            // copy: --from, the database copied
  std::string copy_to;              // copy: --to, the empty database it goes to
  std::string to_schema;            // copy: --to-schema, the target's PostgreSQL schema
  bool check = false;               // migrate: --check, report only

  // MODULE VERB... [--NAME VALUE]...: the arguments from MODULE on, as typed.
  // They are parsed against the method's parameter schema (module_command).
  std::vector<std::string> module_args;
  bool module_args_literal = false;  // "--" came before MODULE: all are words
};

// A mistake on the command line: exit code 2 with a usage hint.
class UsageError : public std::runtime_error {
 public:
  // `hint` replaces the default "Try 'opora --help' for usage." line.
  explicit UsageError(const std::string& what, std::string hint = {})
      : std::runtime_error(what), hint_(std::move(hint)) {}
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

// Parses argv. Options (--db, --schema, --json, --option, --help) and the
// options of copy (--from, --to, --to-schema) and migrate (--check) may stand anywhere
// before a "--"; a lone "-" is an argument (stdin). `env_db` is the value of
// $OPORA_DB or nullptr. A first word that is not a command (call, methods,
// version, help) starts a module command, whose arguments are kept for
// module_command to parse. Throws UsageError.
Invocation parse_command_line(int argc, const char* const* argv, const char* env_db);

// If args[i] is a global option (--db, --schema, --json, --option, --help, -h), applies
// it to `inv`, moves i past it and its value, and returns true; otherwise
// returns false and leaves i. Throws UsageError for a missing or bad value.
bool take_global_option(const std::vector<std::string>& args, std::size_t& i, Invocation& inv);

}  // namespace opora_cli

#endif  // OPORA_CLI_CLI_ARGS_HPP

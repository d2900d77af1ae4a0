// The command line of the opora CLI, parsed into an Invocation.
#ifndef OPORA_CLI_CLI_ARGS_HPP
#define OPORA_CLI_CLI_ARGS_HPP

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace opora_cli {

enum class Command { kCall, kMethods, kVersion, kHelp };

// One open option from --option KEY=VALUE, as typed.
using OpenOption = std::pair<std::string, std::string>;

struct Invocation {
  Command command = Command::kHelp;
  std::string db_path;              // --db, else $OPORA_DB, else ":memory:"
  bool json = false;                // --json: machine output
  std::vector<OpenOption> options;  // --option KEY=VALUE, in order
  std::string method;               // call: METHOD
  std::string params;               // call: JSON text, or "-" for stdin
  bool params_given = false;        // call: whether JSON or "-" was given
};

// A mistake on the command line: exit code 2 with a usage hint.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses argv. Options (--db, --json, --option, --help) may stand anywhere
// before a "--"; a lone "-" is an argument (stdin). `env_db` is the value of
// $OPORA_DB or nullptr. Throws UsageError.
Invocation parse_command_line(int argc, const char* const* argv, const char* env_db);

}  // namespace opora_cli

#endif  // OPORA_CLI_CLI_ARGS_HPP

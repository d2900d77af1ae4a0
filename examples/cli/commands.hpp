// The commands of the opora CLI. Each returns the process exit code.
#ifndef OPORA_CLI_COMMANDS_HPP
#define OPORA_CLI_COMMANDS_HPP

#include <optional>
#include <string>

#include "cli_args.hpp"
#include "database.hpp"

namespace opora_cli {

enum ExitCode : int { kExitOk = 0, kExitFailed = 1, kExitUsage = 2 };

// Opens the database or reports why not (on stderr).
bool open_database(Database& db, const std::string& path, const std::string& options_json,
                   bool json_mode);

// Calls a method and reports a failure; nullopt when it failed.
std::optional<std::string> call_method(Database& db, const std::string& method,
                                       const std::string& params, bool json_mode);

// Prints result JSON text on stdout: compact with json_mode, else pretty.
void print_json(const std::string& text, bool json_mode);

// call METHOD [JSON | -]. Throws UsageError when stdin cannot be read.
int run_call(const Invocation& inv);

// methods: a table of names and summaries, or the meta.methods result.
int run_methods(const Invocation& inv);

// version: the library version, or the meta.version result.
int run_version(const Invocation& inv);

// copy --from SRC --to DST: database.copy_to with a table of counts and
// checksums (examples/cli/database_commands.cpp).
int run_copy(const Invocation& inv);

// migrate [--check]: opens --db (migrating it) and prints the schema
// versions; --check migrates nothing and exits 1 when a migration is needed.
int run_migrate(const Invocation& inv);

// help: the usage text on stdout.
int run_help();

}  // namespace opora_cli

#endif  // OPORA_CLI_COMMANDS_HPP

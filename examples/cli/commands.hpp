// The commands of the opora CLI. Each returns the process exit code.
#ifndef OPORA_CLI_COMMANDS_HPP
#define OPORA_CLI_COMMANDS_HPP

#include "cli_args.hpp"

namespace opora_cli {

enum ExitCode : int { kExitOk = 0, kExitFailed = 1, kExitUsage = 2 };

// call METHOD [JSON | -]. Throws UsageError when stdin cannot be read.
int run_call(const Invocation& inv);

// methods: a table of names and summaries, or the meta.methods result.
int run_methods(const Invocation& inv);

// version: the library version, or the meta.version result.
int run_version(const Invocation& inv);

// help: the usage text on stdout.
int run_help();

}  // namespace opora_cli

#endif  // OPORA_CLI_COMMANDS_HPP

// opora MODULE VERB... [--NAME VALUE]...: any method of the catalogue as a
// subcommand, its flags typed by the parameter schema.
#ifndef OPORA_CLI_MODULE_COMMAND_HPP
#define OPORA_CLI_MODULE_COMMAND_HPP

#include <optional>

#include "catalogue.hpp"
#include "cli_args.hpp"

namespace opora_cli {

// Resolves the method against meta.methods (of an in-memory database, so that
// a usage error or --help never touches the --db file), then calls it on the
// database and prints the result: a table when it is a list, else pretty JSON;
// with --json, compact JSON. Returns the exit code; throws UsageError.
int run_module(const Invocation& inv);

// The method catalogue (meta.methods of an in-memory database); nullopt, with
// the failure reported, when the library cannot give it.
std::optional<Catalogue> load_catalogue(bool json_mode);

// `opora __complete WORD...`: the candidates for the last word (possibly
// empty) after the others, one per line, for the bash completion script.
int run_complete(int argc, char** argv);

}  // namespace opora_cli

#endif  // OPORA_CLI_MODULE_COMMAND_HPP

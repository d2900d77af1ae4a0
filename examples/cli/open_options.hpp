// --option KEY=VALUE pairs turned into the options_json of opora_db_open().
#ifndef OPORA_CLI_OPEN_OPTIONS_HPP
#define OPORA_CLI_OPEN_OPTIONS_HPP

#include <string>
#include <vector>

#include "cli_args.hpp"

namespace opora_cli {

// Builds a JSON object from the options, in order (a repeated key keeps its
// last value). A value of decimal digits (with an optional '-') becomes a JSON
// integer, "true"/"false" a boolean, anything else a string. Returns "" when
// there are no options.
std::string open_options_json(const std::vector<OpenOption>& options);

}  // namespace opora_cli

#endif  // OPORA_CLI_OPEN_OPTIONS_HPP

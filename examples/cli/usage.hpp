// The help text of the opora CLI.
#ifndef OPORA_CLI_USAGE_HPP
#define OPORA_CLI_USAGE_HPP

#include <string_view>

namespace opora_cli {

// The full usage text (for help, --help, -h).
std::string_view usage_text();

// The line that follows a usage error on stderr.
std::string_view usage_hint();

}  // namespace opora_cli

#endif  // OPORA_CLI_USAGE_HPP

// Help on a module (its methods) and on a method (its parameters), built from
// the schemas of meta.methods.
#ifndef OPORA_CLI_METHOD_HELP_HPP
#define OPORA_CLI_METHOD_HELP_HPP

#include <string>
#include <vector>

#include "catalogue.hpp"

namespace opora_cli {

// "opora registry --help": the methods under the words (a module, or a group
// such as "registry number") with their summaries.
std::string group_help(const Catalogue& catalogue, const std::vector<std::string>& words);

// "opora registry find --help": the summary and a table of the parameters
// (name, type, required, description).
std::string method_help(const MethodInfo& method);

}  // namespace opora_cli

#endif  // OPORA_CLI_METHOD_HELP_HPP

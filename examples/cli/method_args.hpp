// The words and flags of a module command, read against the method catalogue:
//   MODULE VERB... [--NAME VALUE | --NAME=VALUE | --NAME | --no-NAME]... [--params JSON | -]
#ifndef OPORA_CLI_METHOD_ARGS_HPP
#define OPORA_CLI_METHOD_ARGS_HPP

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "cli_args.hpp"

namespace opora_cli {

struct MethodCommand {
  std::vector<std::string> words;         // the method-name words as typed, '-' as '_'
  const MethodInfo* method = nullptr;     // nullptr only with --help on a module or group
  boost::json::object flags;              // parameters from the flags, in order
  std::optional<std::string> params_arg;  // --params: JSON text, or "-" for stdin
};

// Parses inv.module_args. Global options among them (--db, --json, --option,
// --help) are applied to `inv`. Method words end at the first flag; the method
// is the longest run of them that names one. A flag names a top-level
// parameter: exactly ('-' counts as '_'), else as the only parameter starting
// with NAME_; the value is typed by the parameter's schema. With --help the
// flags are not read. Throws UsageError.
MethodCommand parse_method_command(Invocation& inv, const Catalogue& catalogue);

// The flags laid over a base object (--params), flags winning.
boost::json::object merge_params(boost::json::object base, const boost::json::object& flags);

// "opora registry find --help": how to get help on what the words name.
std::string help_hint(const std::vector<std::string>& words);

}  // namespace opora_cli

#endif  // OPORA_CLI_METHOD_ARGS_HPP

// Telling the user that an opora call failed.
#ifndef OPORA_CLI_ERROR_REPORT_HPP
#define OPORA_CLI_ERROR_REPORT_HPP

#include <string>

#include "database.hpp"

namespace opora_cli {

// Writes the failure to stderr. For people:
//   opora: <what>: invalid argument (OPORA_EINVAL, -2)
//     days: expected an integer [type]
// With json_mode, the library's error object on one line instead.
void report_failure(const std::string& what, const Failure& failure, bool json_mode);

// The text of a failure for people, as report_failure writes it (no "opora: ").
std::string describe_failure(const std::string& what, const Failure& failure);

}  // namespace opora_cli

#endif  // OPORA_CLI_ERROR_REPORT_HPP

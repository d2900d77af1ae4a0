#include "usage.hpp"

namespace opora_cli {

std::string_view usage_text() {
  return R"(Usage: opora [--db FILE] [--json] [--option KEY=VALUE]... COMMAND ...

Commands:
  call METHOD [JSON | -]   call a method with a JSON object of parameters,
                           given as an argument, or read from stdin with "-"
                           (default {}); prints the result JSON
  methods                  list the methods with a one-line summary
                           (with --json: the meta.methods result, schemas included)
  version                  print the library version
                           (with --json: the meta.version result)
  help                     show this text

Options:
  --db FILE                the database file, created if needed; default: the
                           OPORA_DB environment variable, else ":memory:" (a
                           throw-away database that lives for one command)
  --json                   output for programs: compact one-line JSON; errors
                           as the library's error object on one line of stderr
  --option KEY=VALUE       an open option, repeatable: synchronous=full|normal,
                           busy_timeout_ms=5000, clock=system|manual,
                           now=2026-01-01[T09:00:00Z], utc_offset=+03:00,
                           read_only=true. Digits become JSON integers,
                           true/false booleans, anything else text
  -h, --help               show this text

"methods" and "version" describe the library and use an in-memory database.

Exit status: 0 success, 1 an opora call failed (the message names the error
code and each field in error), 2 a usage error.

Examples:
  opora call calendar.add_working_days '{"calendar": "ru", "date": "2025-12-30", "days": 1}'
  echo '{"inn": "7707083893"}' | opora call requisites.validate -
  opora --db books.db --option clock=manual --option now=2026-01-01 call clock.get
)";
}

std::string_view usage_hint() {
  return "Try 'opora --help' for usage.\n";
}

}  // namespace opora_cli

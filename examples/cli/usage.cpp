#include "usage.hpp"

namespace opora_cli {

std::string_view usage_text() {
  return R"(Usage: opora [--db FILE] [--json] [--option KEY=VALUE]... COMMAND ...
       opora [--db FILE] [--json] [--option KEY=VALUE]... MODULE VERB... [--NAME VALUE]...
       opora copy --from DATABASE --to DATABASE [--schema S] [--to-schema S] [--json]
       opora migrate [--db DATABASE] [--schema S] [--check] [--json]

Commands:
  call METHOD [JSON | -]   call a method with a JSON object of parameters,
                           given as an argument, or read from stdin with "-"
                           (default {}); prints the result JSON
  methods                  list the methods with a one-line summary
                           (with --json: the meta.methods result, schemas included)
  version                  print the library version
                           (with --json: the meta.version result)
  copy --from DATABASE --to DATABASE
                           copy a whole database into an empty one, a SQLite
                           file onto PostgreSQL or back (database.copy_to):
                           every table with its rows and ids, read back and
                           checked; prints each table's rows and SHA-256.
                           --schema names the source's PostgreSQL schema,
                           --to-schema the target's
  migrate                  bring --db to this library's schema (creating it
                           when new) and print each module's version;
                           --check changes nothing and exits 1 when a
                           migration is needed
  help                     show this text

Module commands:
  MODULE VERB... [FLAGS]   call the method MODULE.VERB... of "opora methods";
                           the longest run of words naming a method is taken
                           ("registry number next" is registry.number.next)
  --NAME VALUE, --NAME=VALUE
                           a top-level parameter; '-' stands for '_'
                           (--valid-on is valid_on), and a start of a name
                           before '_' will do when only one parameter starts
                           so (--having for having_kind). Values are typed by
                           the parameter's schema: integers must be integers,
                           a boolean is --NAME alone, --NAME=false or
                           --no-NAME, objects and arrays are JSON, strings as
                           they are
  --params JSON | -        a base object of parameters (from stdin with "-")
                           that the flags override; the way to give a
                           parameter named like an option of opora itself
                           (db, schema, json, option, params, help), or a null
  MODULE --help            the module's methods with their summaries
  MODULE VERB... --help    the method's summary and parameters (with --json:
                           its meta.methods entry)
  A result holding one list prints as a table (its scalar columns, long cells
  cut with "…", then the other fields as "key: value"); any other result as
  pretty JSON. With --json: compact JSON, always.

Options:
  --db FILE                the database file, created if needed, or a
                           postgresql:// URI; default: the OPORA_DB
                           environment variable, else ":memory:" (a
                           throw-away database that lives for one command)
  --schema S               the PostgreSQL schema of the database (the open
                           option "schema"); one server database holds several
  --json                   output for programs: compact one-line JSON; errors
                           as the library's error object on one line of stderr
  --option KEY=VALUE       an open option, repeatable: synchronous=full|normal,
                           busy_timeout_ms=5000, clock=system|manual,
                           now=2026-01-01[T09:00:00Z], utc_offset=+03:00,
                           read_only=true. Digits become JSON integers,
                           true/false booleans, anything else text
  -h, --help               show this text (after MODULE: help on the module)

"methods", "version" and --help describe the library and use an in-memory
database.

Exit status: 0 success, 1 an opora call failed (the message names the error
code and each field in error), 2 a usage error.

Examples:
  opora call calendar.add_working_days '{"calendar": "ru", "date": "2025-12-30", "days": 1}'
  opora calendar add_working_days --calendar ru --date 2025-12-30 --days 1
  echo '{"inn": "7707083893"}' | opora call requisites.validate -
  opora requisites validate --inn 7707083893 --kpp 773601001
  opora calendar list
  opora --db books.db registry find --kind act --ref bitrix24:deal:42
  opora --db books.db registry missing --having contract --lacking act
  opora --db books.db --option clock=manual --option now=2026-01-01 call clock.get
  opora registry --help
  opora copy --from books.db --to postgresql:///opora --to-schema books
  opora migrate --db postgresql:///opora --schema books --check
)";
}

std::string_view usage_hint() {
  return "Try 'opora --help' for usage.\n";
}

}  // namespace opora_cli

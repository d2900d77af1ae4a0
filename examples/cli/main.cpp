// opora — the command-line host of the opora library.
//
//   opora [--db FILE] [--json] [--option KEY=VALUE]... COMMAND ...
//   opora [--db FILE] [--json] [--option KEY=VALUE]... MODULE VERB... [--NAME VALUE]...
//
// Every method of the library from the shell, through the C ABI only.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "cli_args.hpp"
#include "commands.hpp"
#include "module_command.hpp"
#include "text_io.hpp"
#include "usage.hpp"

namespace opora_cli {
namespace {

int run(int argc, char** argv) {
  try {
    if (argc > 1 && std::string(argv[1]) == "__complete") return run_complete(argc - 2, argv + 2);
    const Invocation inv = parse_command_line(argc, argv, std::getenv("OPORA_DB"));
    switch (inv.command) {
      case Command::kCall:
        return run_call(inv);
      case Command::kMethods:
        return run_methods(inv);
      case Command::kVersion:
        return run_version(inv);
      case Command::kHelp:
        return run_help();
      case Command::kModule:
        return run_module(inv);
      case Command::kCopy:
        return run_copy(inv);
      case Command::kMigrate:
        return run_migrate(inv);
    }
    return run_help();
  } catch (const UsageError& e) {
    write_text(stderr, std::string("opora: ") + e.what() + "\n");
    write_text(stderr, e.hint().empty() ? std::string(usage_hint()) : e.hint());
    return kExitUsage;
  }
}

}  // namespace
}  // namespace opora_cli

int main(int argc, char** argv) {
  int code = opora_cli::kExitFailed;
  try {
    code = opora_cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "opora: %s\n", e.what());
    return opora_cli::kExitFailed;
  } catch (...) {
    std::fprintf(stderr, "opora: unexpected error\n");
    return opora_cli::kExitFailed;
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    std::fprintf(stderr, "opora: cannot write the output\n");
    return opora_cli::kExitFailed;
  }
  return code;
}

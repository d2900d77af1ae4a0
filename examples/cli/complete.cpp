// Candidates for bash completion: commands, module and verb words, a
// method's flags; from the same catalogue the module subcommands use.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "commands.hpp"
#include "module_command.hpp"
#include "text_io.hpp"

namespace opora_cli {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string flag_of(std::string name) {
  for (char& c : name)
    if (c == '_') c = '-';
  return "--" + name;
}

}  // namespace

int run_complete(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  const std::string current = args.empty() ? std::string() : args.back();
  if (!args.empty()) args.pop_back();
  // The words before the current one, without global options and flags.
  std::vector<std::string> words;
  bool after_method_flag = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--db" || a == "--option" || a == "--params" || a == "--schema" || a == "--from" ||
        a == "--to" || a == "--to-schema") {
      ++i;  // its value
      continue;
    }
    if (starts_with(a, "--")) {
      after_method_flag = a.find('=') == std::string::npos && a != "--json" && a != "--help";
      continue;
    }
    if (after_method_flag) {  // the value of a method's flag
      after_method_flag = false;
      continue;
    }
    append_words(words, a);
  }
  const std::optional<Catalogue> catalogue = load_catalogue(false);
  if (!catalogue) return kExitFailed;
  std::set<std::string> out;
  const Resolution r = catalogue->resolve(words);
  if (starts_with(current, "-")) {
    for (const char* global : {"--db", "--schema", "--json", "--option", "--params", "--help"})
      out.insert(global);
    if (r.method != nullptr) {  // positional values may follow its words
      if (const auto* props = schema_properties(r.method->params))
        for (const auto& kv : *props)
          if (alias_target(kv.value()).empty()) out.insert(flag_of(std::string(kv.key())));
    }
  } else if (words.empty()) {
    for (const char* command : {"call", "methods", "version", "help", "copy", "migrate"})
      out.insert(command);
    for (const auto& m : catalogue->modules()) out.insert(m);
  } else if (r.method == nullptr || r.words_used < words.size() ||
             !catalogue->under(join_words(words, words.size(), '.')).empty()) {
    // The next segment of the methods below what is typed.
    const std::string prefix = join_words(words, words.size(), '.') + ".";
    for (const MethodInfo& m : catalogue->methods()) {
      if (!starts_with(m.name, prefix)) continue;
      std::string next = m.name.substr(prefix.size());
      next = next.substr(0, next.find('.'));
      out.insert(next);
    }
  }
  std::string text;
  for (const auto& c : out)
    if (starts_with(c, current)) text += c + "\n";
  write_text(stdout, text);
  return kExitOk;
}

}  // namespace opora_cli

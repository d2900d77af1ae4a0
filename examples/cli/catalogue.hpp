// The method catalogue (meta.methods) as the module subcommands see it: names,
// summaries and the JSON schemas of parameters and results.
#ifndef OPORA_CLI_CATALOGUE_HPP
#define OPORA_CLI_CATALOGUE_HPP

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace opora_cli {

struct MethodInfo {
  std::string name;     // "registry.number.next"
  std::string summary;  // one line
  bool mutating = false;
  bool batch = false;          // commits in chunks (billing.run)
  boost::json::object params;  // JSON Schema of the parameters ({} when absent)
  boost::json::object result;  // JSON Schema of the result ({} when absent)
};

// How the words of a command line name a method.
struct Resolution {
  const MethodInfo* method = nullptr;  // the longest run of leading words naming a method
  std::size_t words_used = 0;          // how many words that took
};

class Catalogue {
 public:
  // Builds the catalogue from the meta.methods result; entries without a name
  // are skipped.
  static Catalogue from_meta_methods(const boost::json::value& result);

  const std::vector<MethodInfo>& methods() const { return methods_; }
  const MethodInfo* find(std::string_view name) const;

  // The methods whose names start with "prefix." (a module or a group of one:
  // "registry", "registry.number"), in catalogue order.
  std::vector<const MethodInfo*> under(std::string_view prefix) const;

  // The module names (the first segment of the method names), in order.
  std::vector<std::string> modules() const;

  // The longest run of leading words that names a method ("registry number
  // next" -> registry.number.next); method == nullptr when none does.
  Resolution resolve(const std::vector<std::string>& words) const;

 private:
  std::vector<MethodInfo> methods_;
};

// "registry number next" -> "registry.number.next" (the first n words).
std::string join_words(const std::vector<std::string>& words, std::size_t n, char separator);

// Splits a command-line word into method-name segments: "registry.find" gives
// two, and '-' stands for '_' ("put-many" = "put_many").
void append_words(std::vector<std::string>& words, std::string_view arg);

// The properties of an object schema (nullptr when there are none).
const boost::json::object* schema_properties(const boost::json::object& schema);

// The parameter an old name stands for ("x-alias-of": the engine accepts it
// for one release); "" when `schema` is not an alias. Help, completion and
// the flags' prefixes show the current names only.
std::string_view alias_target(const boost::json::object& schema);
std::string_view alias_target(const boost::json::value& schema);

// The "type" of a schema: its one type besides "null" when it lists several
// (["string", "null"] -> "string"); "" when it has none or more than one.
std::string_view schema_type(const boost::json::object& schema);

// Whether `name` is listed in the schema's "required" array.
bool schema_requires(const boost::json::object& schema, std::string_view name);

}  // namespace opora_cli

#endif  // OPORA_CLI_CATALOGUE_HPP

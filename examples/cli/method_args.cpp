#include "method_args.hpp"

#include <algorithm>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <utility>

#include "json_format.hpp"
#include "text_layout.hpp"

namespace opora_cli {
namespace {

namespace json = boost::json;

constexpr std::size_t kShownValue = 40;  // code points of a bad value quoted in a message

bool is_option(std::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-';
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

std::string quoted(std::string_view value) {
  return "'" + truncate_text(single_line(value), kShownValue) + "'";
}

std::string dashes_to_underscores(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

const json::object* param_schema(const MethodInfo& method, std::string_view name) {
  const json::object* properties = schema_properties(method.params);
  if (properties == nullptr) return nullptr;
  const json::value* schema = properties->if_contains(name);
  return schema != nullptr && schema->is_object() ? &schema->get_object() : nullptr;
}

std::string param_list(const MethodInfo& method) {
  const json::object* properties = schema_properties(method.params);
  if (properties == nullptr || properties->empty()) return "it takes no parameters";
  std::string list = "parameters: ";
  for (const auto& property : *properties) {
    if (!alias_target(property.value()).empty()) continue;
    if (list.back() != ' ') list += ", ";
    list += property.key();
  }
  return list;
}

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// What a flag name (already with '_' for '-') stands for.
struct FlagMatch {
  std::string param;                    // empty: no single parameter
  bool negated = false;                 // --no-NAME of a boolean
  std::vector<std::string> candidates;  // more than one: ambiguous
};

std::vector<std::string> params_starting(const MethodInfo& method, const std::string& prefix) {
  std::vector<std::string> found;
  if (const json::object* properties = schema_properties(method.params)) {
    for (const auto& property : *properties) {
      if (starts_with(property.key(), prefix) && alias_target(property.value()).empty())
        found.emplace_back(property.key());
    }
  }
  return found;
}

std::vector<std::string> params_ending(const MethodInfo& method, const std::string& suffix) {
  std::vector<std::string> found;
  if (const json::object* properties = schema_properties(method.params)) {
    for (const auto& property : *properties) {
      const std::string_view key = property.key();
      if (alias_target(property.value()).empty() && key.size() > suffix.size() &&
          key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0)
        found.emplace_back(key);
    }
  }
  return found;
}

// Exactly, else the only parameter that starts with "key_", else the only
// one that ends with "_key" (--days for min_days).
FlagMatch match_name(const MethodInfo& method, const std::string& key) {
  FlagMatch match;
  if (const json::object* schema = param_schema(method, key)) {
    // An old name is read as the name it stands for.
    const std::string_view target = alias_target(*schema);
    match.param = target.empty() ? key : std::string(target);
    return match;
  }
  match.candidates = params_starting(method, key + '_');
  if (match.candidates.empty()) match.candidates = params_ending(method, '_' + key);
  if (match.candidates.size() == 1) match.param = match.candidates.front();
  return match;
}

// The one required parameter, which a bare argument may give
// ("opora billing run 2026-11"); empty when there is not exactly one.
std::string sole_required(const MethodInfo& method) {
  const json::value* required = method.params.if_contains("required");
  if (required == nullptr || !required->is_array() || required->get_array().size() != 1 ||
      !required->get_array()[0].is_string())
    return {};
  return std::string(required->get_array()[0].get_string());
}

FlagMatch match_flag(const MethodInfo& method, const std::string& key) {
  if (param_schema(method, key) == nullptr && starts_with(key, "no_") && key.size() > 3) {
    FlagMatch negated = match_name(method, key.substr(3));
    const json::object* schema =
        negated.param.empty() ? nullptr : param_schema(method, negated.param);
    if (schema != nullptr && schema_type(*schema) == "boolean") {
      negated.negated = true;
      return negated;
    }
  }
  return match_name(method, key);
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  return std::nullopt;
}

class Parser {
 public:
  Parser(Invocation& inv, const Catalogue& catalogue)
      : inv_(inv), catalogue_(catalogue), args_(inv.module_args) {}

  MethodCommand parse() {
    literal_ = inv_.module_args_literal;
    if (!literal_) {
      for (const std::string& arg : args_) {
        if (arg == "--") break;
        if (arg == "--help" || arg == "-h") inv_.help = true;
      }
    }
    read_words();
    if (inv_.help) {
      read_globals_only();
      const Resolution found = catalogue_.resolve(cmd_.words);
      if (found.words_used == cmd_.words.size()) cmd_.method = found.method;
      return std::move(cmd_);
    }
    resolve_method();
    read_flags();
    return std::move(cmd_);
  }

 private:
  // Words up to the first flag (every argument after a "--").
  void read_words() {
    while (pos_ < args_.size()) {
      const std::string& arg = args_[pos_];
      if (literal_ || !is_option(arg)) {
        append_words(cmd_.words, arg);
        sources_.resize(cmd_.words.size(), arg);
        ++pos_;
      } else if (arg == "--") {
        literal_ = true;
        ++pos_;
      } else if (!take_global_option(args_, pos_, inv_) && !take_params_option()) {
        break;
      }
    }
  }

  // With --help: only --json and the like still matter.
  void read_globals_only() {
    while (pos_ < args_.size()) {
      if (args_[pos_] == "--") break;
      if (!take_global_option(args_, pos_, inv_)) ++pos_;
    }
  }

  void resolve_method() {
    const std::vector<std::string>& words = cmd_.words;
    const Resolution found = catalogue_.resolve(words);
    if (found.method != nullptr) {
      cmd_.method = found.method;
      // One word left over may be the method's one required parameter
      // ("opora billing run 2026-11").
      const std::string sole = sole_required(*found.method);
      if (found.words_used + 1 == words.size() && !sole.empty() &&
          param_schema(*found.method, sole) != nullptr) {
        const json::object& schema = *param_schema(*found.method, sole);
        cmd_.flags[sole] = typed_value(sole, schema_type(schema), sources_[found.words_used]);
        return;
      }
      if (found.words_used < words.size()) {
        throw UsageError(
            found.method->name + ": unexpected argument " + quoted(sources_[found.words_used]),
            help_hint(method_words()));
      }
      return;
    }
    if (words.empty() || catalogue_.under(words.front()).empty()) {
      throw UsageError("unknown command '" + (sources_.empty() ? "" : sources_.front()) + "'");
    }
    std::size_t group = 1;  // the longest run of words that some method names start with
    while (group < words.size() && !catalogue_.under(join_words(words, group + 1, '.')).empty()) {
      ++group;
    }
    const std::string prefix = join_words(words, group, '.');
    const std::vector<std::string> group_words(words.begin(),
                                               words.begin() + static_cast<std::ptrdiff_t>(group));
    if (group == words.size()) {
      throw UsageError("missing METHOD after '" + join_words(words, group, ' ') + "'",
                       help_hint(group_words));
    }
    const std::string wanted = join_words(words, words.size(), '.');
    std::string message = "unknown method '" + wanted + "'";
    std::string near;
    for (const MethodInfo* method : catalogue_.under(prefix)) {
      if (edit_distance(method->name, wanted) <= 2) {
        near += near.empty() ? "; did you mean " : " or ";
        near += method->name;
      }
    }
    if (!near.empty()) near += "?";
    throw UsageError(message + near, help_hint(group_words));
  }

  std::vector<std::string> method_words() const {
    std::vector<std::string> words;
    append_words(words, cmd_.method != nullptr ? cmd_.method->name : "");
    return words;
  }

  [[noreturn]] void fail(const std::string& what, bool list_params = false) const {
    std::string message = cmd_.method->name + ": " + what;
    if (list_params) message += "\n  " + param_list(*cmd_.method);
    throw UsageError(message, help_hint(method_words()));
  }

  // --params JSON | --params=JSON | --params -
  bool take_params_option() {
    const std::string& arg = args_[pos_];
    std::string value;
    if (starts_with(arg, "--params=")) {
      value = arg.substr(9);
      ++pos_;
    } else if (arg == "--params") {
      if (pos_ + 1 >= args_.size()) throw UsageError("option --params needs a value");
      value = args_[pos_ + 1];
      pos_ += 2;
    } else {
      return false;
    }
    if (cmd_.params_arg) throw UsageError("--params given twice");
    cmd_.params_arg = std::move(value);
    return true;
  }

  void read_flags() {
    while (pos_ < args_.size()) {
      const std::string& arg = args_[pos_];
      if (!is_option(arg) && !literal_ && positional_allowed()) {
        const std::string name = sole_required(*cmd_.method);
        const json::object& schema = *param_schema(*cmd_.method, name);
        cmd_.flags[name] = typed_value(name, schema_type(schema), arg);
        ++pos_;
        continue;
      }
      if (literal_ || !is_option(arg)) {
        std::string message = "unexpected argument " + quoted(arg);
        if (!last_boolean_.empty() && parse_bool(arg)) {
          message += " (a boolean takes its value as " + last_boolean_ + "=" + arg + ")";
        }
        fail(message);
      }
      last_boolean_.clear();
      if (arg == "--") {
        literal_ = true;
        ++pos_;
      } else if (take_global_option(args_, pos_, inv_) || take_params_option()) {
        continue;
      } else if (starts_with(arg, "--")) {
        read_flag();
      } else {
        fail("unknown option " + quoted(arg), true);
      }
    }
  }

  // A bare value may stand for the method's one required parameter, once.
  bool positional_allowed() const {
    const std::string name = sole_required(*cmd_.method);
    return !name.empty() && !cmd_.flags.contains(name) &&
           param_schema(*cmd_.method, name) != nullptr;
  }

  void read_flag() {
    const std::string& arg = args_[pos_++];
    const std::size_t eq = arg.find('=');
    const std::string flag = arg.substr(0, eq);  // "--valid-on"
    const std::optional<std::string> inline_value =
        eq == std::string::npos ? std::nullopt : std::optional<std::string>(arg.substr(eq + 1));
    const std::string key = dashes_to_underscores(flag.substr(2));
    if (key.empty()) fail("unknown option " + quoted(arg), true);

    const FlagMatch match = match_flag(*cmd_.method, key);
    if (match.param.empty()) {
      if (match.candidates.size() > 1) {
        std::string list;
        for (const std::string& name : match.candidates) list += (list.empty() ? "" : ", ") + name;
        fail(flag + " is ambiguous: it could be " + list, true);
      }
      fail("unknown parameter " + flag, true);
    }
    const json::object& schema = *param_schema(*cmd_.method, match.param);
    const std::string_view type = schema_type(schema);

    json::value value;
    if (match.negated) {
      if (inline_value) fail(flag + " takes no value");
      value = false;
    } else if (type == "boolean") {
      if (inline_value) {
        const std::optional<bool> parsed = parse_bool(*inline_value);
        if (!parsed) fail(flag + ": expected true or false, got " + quoted(*inline_value));
        value = *parsed;
      } else {
        value = true;
        last_boolean_ = flag;
      }
    } else {
      std::string text;
      if (inline_value) {
        text = *inline_value;
      } else if (pos_ < args_.size()) {
        text = args_[pos_++];  // taken as it is, even "-5" or "--x"
      } else {
        fail("option " + flag + " needs a value");
      }
      value = typed_value(flag, type, text);
    }
    if (cmd_.flags.contains(match.param)) fail(match.param + " is given twice");
    cmd_.flags[match.param] = std::move(value);
  }

  json::value typed_value(const std::string& flag, std::string_view type, const std::string& text) {
    if (type == "string") return json::string(text);
    if (type == "integer") {
      std::int64_t number = 0;
      const char* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, number);
      if (text.empty() || ptr != end ||
          (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        fail(flag + ": expected an integer, got " + quoted(text));
      }
      if (ec == std::errc::result_out_of_range)
        fail(flag + ": integer out of range: " + quoted(text));
      return number;
    }
    std::optional<json::value> parsed = parse_json(text);
    if (type == "object" || type == "array" || type == "number") {
      const bool fits = parsed && ((type == "object" && parsed->is_object()) ||
                                   (type == "array" && parsed->is_array()) ||
                                   (type == "number" && parsed->is_number()));
      if (!fits) {
        const char* expected = type == "object"  ? "a JSON object"
                               : type == "array" ? "a JSON array"
                                                 : "a number";
        fail(flag + ": expected " + expected + ", got " + quoted(text));
      }
      return std::move(*parsed);
    }
    if (parsed) return std::move(*parsed);  // no type in the schema: JSON if it is JSON
    return json::string(text);
  }

  Invocation& inv_;
  const Catalogue& catalogue_;
  const std::vector<std::string> args_;
  MethodCommand cmd_;
  std::vector<std::string> sources_;  // the argument each word came from
  std::size_t pos_ = 0;
  bool literal_ = false;
  std::string last_boolean_;  // the flag just read, when it was a bare boolean
};

}  // namespace

MethodCommand parse_method_command(Invocation& inv, const Catalogue& catalogue) {
  return Parser(inv, catalogue).parse();
}

json::object merge_params(json::object base, const json::object& flags) {
  for (const auto& flag : flags) base[flag.key()] = flag.value();
  return base;
}

std::string help_hint(const std::vector<std::string>& words) {
  return "Try 'opora " + join_words(words, words.size(), ' ') + " --help'.\n";
}

}  // namespace opora_cli

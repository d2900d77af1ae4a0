#include "method_help.hpp"

#include <boost/json/value.hpp>
#include <string_view>

#include "json_format.hpp"
#include "text_layout.hpp"

namespace opora_cli {
namespace {

namespace json = boost::json;

constexpr std::size_t kHelpWidth = 100;

std::string words_of(std::string_view name) {
  std::string words(name);
  for (char& c : words) {
    if (c == '.') c = ' ';
  }
  return words;
}

// "string (date)", "integer 1..1000", "array of string", "object".
std::string type_text(const json::object& schema) {
  std::string text(schema_type(schema));
  if (text.empty()) text = "any";
  const std::string format(string_member(schema, "format"));
  if (!format.empty()) text += " (" + format + ")";
  if (text == "array") {
    if (const json::value* items = schema.if_contains("items"); items && items->is_object()) {
      const std::string_view item_type = schema_type(items->get_object());
      if (!item_type.empty()) text += " of " + std::string(item_type);
    }
  }
  const json::value* minimum = schema.if_contains("minimum");
  const json::value* maximum = schema.if_contains("maximum");
  if ((minimum != nullptr && minimum->is_number()) ||
      (maximum != nullptr && maximum->is_number())) {
    text += ' ';
    if (minimum != nullptr && minimum->is_number())
      text += format_json(*minimum, JsonStyle::kCompact);
    text += "..";
    if (maximum != nullptr && maximum->is_number())
      text += format_json(*maximum, JsonStyle::kCompact);
  }
  return text;
}

// The description, then the allowed values and an object's keys.
std::string description_text(const json::object& schema) {
  std::string text = single_line(string_member(schema, "description"));
  auto add = [&text](const std::string& part) { text += (text.empty() ? "" : "; ") + part; };
  if (const json::value* values = schema.if_contains("enum"); values && values->is_array()) {
    std::string list;
    for (const json::value& value : values->get_array()) {
      list += list.empty() ? "one of: " : ", ";
      list += value.is_string() ? std::string(value.get_string())
                                : format_json(value, JsonStyle::kCompact);
    }
    if (!list.empty()) add(list);
  }
  if (schema_type(schema) == "object") {
    if (const json::object* properties = schema_properties(schema)) {
      std::string keys;
      for (const auto& property : *properties) {
        keys += (keys.empty() ? "JSON with " : ", ") + std::string(property.key());
      }
      if (!keys.empty()) add(keys);
    }
  }
  return text;
}

// Lines of at most kHelpWidth code points: "label text..." with the text wrapped
// under itself.
std::string labelled(const std::string& label, const std::string& text) {
  const std::string indent(text_width(label) + 1, ' ');
  std::string out;
  std::string line = label;
  bool has_word = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    if (has_word && text_width(line) + 1 + text_width(word) > kHelpWidth) {
      out += line + '\n';
      line = indent + word;
    } else {
      line += ' ' + word;
    }
    has_word = true;
  }
  return out + line + '\n';
}

}  // namespace

std::string group_help(const Catalogue& catalogue, const std::vector<std::string>& words) {
  const std::string prefix = join_words(words, words.size(), '.');
  const std::string spaced = join_words(words, words.size(), ' ');
  std::vector<std::vector<std::string>> rows;
  for (const MethodInfo* method : catalogue.under(prefix)) {
    rows.push_back({words_of(std::string_view(method->name).substr(prefix.size() + 1)),
                    single_line(method->summary)});
  }
  std::string text = "Usage: opora [OPTIONS] " + spaced +
                     " METHOD... [--NAME VALUE]... [--params JSON | -] [--json]\n\nMethods of " +
                     spaced + ":\n";
  std::string table = render_table({}, rows, {kHelpWidth, true});
  for (std::size_t start = 0; start < table.size();) {  // indent every line by two
    const std::size_t end = table.find('\n', start);
    text += "  " + table.substr(start, end - start + 1);
    start = end + 1;
  }
  text += "\nTry 'opora " + spaced + " METHOD --help' for the parameters of a method.\n";
  return text;
}

std::string method_help(const MethodInfo& method) {
  const std::string spaced = words_of(method.name);
  std::string text = "Usage: opora [OPTIONS] " + spaced +
                     " [--NAME VALUE]... [--params JSON | -] [--json]\n\n" +
                     labelled(method.name + ":", single_line(method.summary));
  if (method.batch)
    text += "Changes the database in chunks; a stopped or crashed call resumes when repeated.\n";
  else if (method.mutating)
    text += "Changes the database, as one transaction.\n";

  std::vector<std::vector<std::string>> rows;
  if (const json::object* properties = schema_properties(method.params)) {
    for (const auto& property : *properties) {
      if (!alias_target(property.value()).empty()) continue;
      const json::object empty;
      const json::object& schema =
          property.value().is_object() ? property.value().get_object() : empty;
      rows.push_back({std::string(property.key()), type_text(schema),
                      schema_requires(method.params, property.key()) ? "yes" : "",
                      description_text(schema)});
    }
  }
  if (rows.empty()) {
    text += "\nParameters: none.\n";
  } else {
    text += "\nParameters:\n";
    std::string table =
        render_table({"name", "type", "required", "description"}, rows, {kHelpWidth, true});
    for (std::size_t start = 0; start < table.size();) {
      const std::size_t end = table.find('\n', start);
      text += "  " + table.substr(start, end - start + 1);
      start = end + 1;
    }
    text +=
        "\nEach parameter is a flag: --NAME VALUE or --NAME=VALUE, with '-' for '_' if you\n"
        "like (--date-from); the start of a NAME before '_' will do when no other\n"
        "parameter starts so (--having for having_kind). Integers must be integers;\n"
        "a boolean is --NAME alone, --NAME=false or --no-NAME; objects and arrays are\n"
        "JSON. --params JSON (or - for stdin) is a base object the flags override.\n";
  }

  if (const json::object* fields = schema_properties(method.result); fields && !fields->empty()) {
    std::string list;
    for (const auto& field : *fields) {
      list += (list.empty() ? "" : ", ") + std::string(field.key());
    }
    text += '\n' + labelled("Result fields:", list + ".");
  }
  return text;
}

}  // namespace opora_cli

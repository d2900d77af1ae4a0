#include "catalogue.hpp"
#include "json_format.hpp"

#include <algorithm>

namespace opora_cli {
namespace {

namespace json = boost::json;

json::object object_member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_object()) return {};
  return value->get_object();
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

Catalogue Catalogue::from_meta_methods(const json::value& result) {
  Catalogue catalogue;
  const json::value* methods =
      result.is_object() ? result.get_object().if_contains("methods") : nullptr;
  if (methods == nullptr || !methods->is_array()) return catalogue;
  for (const json::value& entry : methods->get_array()) {
    if (!entry.is_object()) continue;
    const json::object& object = entry.get_object();
    MethodInfo info;
    info.name = string_member(object, "name");
    if (info.name.empty()) continue;
    info.summary = string_member(object, "summary");
    const json::value* mutating = object.if_contains("mutating");
    info.mutating = mutating != nullptr && mutating->is_bool() && mutating->get_bool();
    const json::value* batch = object.if_contains("batch");
    info.batch = batch != nullptr && batch->is_bool() && batch->get_bool();
    info.params = object_member(object, "params");
    info.result = object_member(object, "result");
    catalogue.methods_.push_back(std::move(info));
  }
  return catalogue;
}

const MethodInfo* Catalogue::find(std::string_view name) const {
  for (const MethodInfo& method : methods_) {
    if (method.name == name) return &method;
  }
  return nullptr;
}

std::vector<const MethodInfo*> Catalogue::under(std::string_view prefix) const {
  const std::string dotted = std::string(prefix) + '.';
  std::vector<const MethodInfo*> found;
  for (const MethodInfo& method : methods_) {
    if (starts_with(method.name, dotted)) found.push_back(&method);
  }
  return found;
}

std::vector<std::string> Catalogue::modules() const {
  std::vector<std::string> names;
  for (const MethodInfo& method : methods_) {
    std::string module = method.name.substr(0, method.name.find('.'));
    if (std::find(names.begin(), names.end(), module) == names.end()) {
      names.push_back(std::move(module));
    }
  }
  return names;
}

Resolution Catalogue::resolve(const std::vector<std::string>& words) const {
  for (std::size_t n = words.size(); n > 0; --n) {
    if (const MethodInfo* method = find(join_words(words, n, '.'))) return {method, n};
  }
  return {};
}

std::string join_words(const std::vector<std::string>& words, std::size_t n, char separator) {
  std::string joined;
  for (std::size_t i = 0; i < n && i < words.size(); ++i) {
    if (i > 0) joined += separator;
    joined += words[i];
  }
  return joined;
}

void append_words(std::vector<std::string>& words, std::string_view arg) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = arg.find('.', start);
    std::string word(arg.substr(start, dot == std::string_view::npos ? arg.npos : dot - start));
    std::replace(word.begin(), word.end(), '-', '_');
    words.push_back(std::move(word));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
}

const json::object* schema_properties(const json::object& schema) {
  const json::value* properties = schema.if_contains("properties");
  return properties != nullptr && properties->is_object() ? &properties->get_object() : nullptr;
}

std::string_view alias_target(const json::object& schema) {
  const json::value* target = schema.if_contains("x-alias-of");
  return target != nullptr && target->is_string() ? std::string_view(target->get_string())
                                                  : std::string_view();
}

std::string_view alias_target(const json::value& schema) {
  return schema.is_object() ? alias_target(schema.get_object()) : std::string_view();
}

std::string_view schema_type(const json::object& schema) {
  const json::value* type = schema.if_contains("type");
  if (type != nullptr && type->is_string()) return type->get_string();
  // ["string", "null"]: a flag gives the value; null is for hosts that clear it.
  std::string_view only;
  if (type != nullptr && type->is_array()) {
    for (const json::value& t : type->get_array()) {
      if (!t.is_string() || t.get_string() == "null") continue;
      if (!only.empty()) return std::string_view();
      only = t.get_string();
    }
  }
  return only;
}

bool schema_requires(const json::object& schema, std::string_view name) {
  const json::value* required = schema.if_contains("required");
  if (required == nullptr || !required->is_array()) return false;
  for (const json::value& entry : required->get_array()) {
    if (entry.is_string() && entry.get_string() == name) return true;
  }
  return false;
}

}  // namespace opora_cli

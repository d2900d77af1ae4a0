#include "result_table.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "catalogue.hpp"
#include "json_format.hpp"
#include "text_layout.hpp"

namespace opora_cli {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxColumns = 8;
constexpr std::size_t kMaxLine = 120;

bool is_scalar(const json::value& value) {
  return !value.is_object() && !value.is_array();
}

bool is_scalar_array(const json::value& value) {
  if (!value.is_array()) return false;
  const json::array& array = value.get_array();
  return std::all_of(array.begin(), array.end(), is_scalar);
}

// The schema of one property of an object schema, or nullptr.
const json::object* property_schema(const json::object& schema, std::string_view key) {
  const json::object* properties = schema_properties(schema);
  if (properties == nullptr) return nullptr;
  const json::value* property = properties->if_contains(key);
  return property != nullptr && property->is_object() ? &property->get_object() : nullptr;
}

// The "items" schema of an array schema, or nullptr.
const json::object* items_schema(const json::object* schema) {
  if (schema == nullptr) return nullptr;
  const json::value* items = schema->if_contains("items");
  return items != nullptr && items->is_object() ? &items->get_object() : nullptr;
}

enum class ListKind { kNone, kObjects, kStrings };

// What kind of list a field is: by its items schema, else by its values.
ListKind list_kind(const json::value& value, const json::object* schema) {
  if (!value.is_array()) return ListKind::kNone;
  const json::array& array = value.get_array();
  std::string_view item_type;
  if (const json::object* items = items_schema(schema)) item_type = schema_type(*items);
  const bool all_objects =
      std::all_of(array.begin(), array.end(), [](const json::value& v) { return v.is_object(); });
  const bool all_strings =
      std::all_of(array.begin(), array.end(), [](const json::value& v) { return v.is_string(); });
  if (item_type == "object" || (item_type.empty() && !array.empty())) {
    if (all_objects) return ListKind::kObjects;
  }
  if (item_type == "string" || (item_type.empty() && !array.empty())) {
    if (all_strings) return ListKind::kStrings;
  }
  return ListKind::kNone;
}

// A scalar as a cell: strings without quotes, null as nothing.
std::string scalar_text(const json::value& value) {
  if (value.is_string()) return single_line(value.get_string());
  if (value.is_null()) return {};
  return format_json(value, JsonStyle::kCompact);
}

std::string cell_text(const json::value& value) {
  if (!value.is_array()) return scalar_text(value);
  std::string text;
  for (const json::value& item : value.get_array()) {
    if (!text.empty()) text += ", ";
    text += scalar_text(item);
  }
  return text;
}

bool is_empty_cell(const json::value* value) {
  return value == nullptr || value->is_null() ||
         (value->is_string() && value->get_string().empty()) ||
         (value->is_array() && value->get_array().empty());
}

// The columns of a list of objects: keys in schema order, then keys the schema
// does not name in the order they appear; only those holding scalars (or
// arrays of scalars) and not empty in every row; at most kMaxColumns.
std::vector<std::string> choose_columns(const json::array& rows, const json::object* item_schema) {
  std::vector<std::string> keys;
  auto add_key = [&keys](std::string_view key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.emplace_back(key);
  };
  if (item_schema != nullptr) {
    if (const json::object* properties = schema_properties(*item_schema)) {
      for (const auto& property : *properties) add_key(property.key());
    }
  }
  for (const json::value& row : rows) {
    for (const auto& member : row.get_object()) add_key(member.key());
  }

  std::vector<std::string> columns;
  for (const std::string& key : keys) {
    bool shown = true;
    bool filled = false;
    for (const json::value& row : rows) {
      const json::value* value = row.get_object().if_contains(key);
      if (value != nullptr && !is_scalar(*value) && !is_scalar_array(*value)) shown = false;
      if (!is_empty_cell(value)) filled = true;
    }
    if (shown && filled) columns.push_back(key);
    if (columns.size() == kMaxColumns) break;
  }
  return columns;
}

}  // namespace

std::optional<std::string> format_result_table(const json::value& result,
                                               const json::object& result_schema) {
  if (!result.is_object()) return std::nullopt;
  const json::object& object = result.get_object();

  // The list: the one array of objects, else the one array of strings.
  const json::key_value_pair* objects = nullptr;
  const json::key_value_pair* strings = nullptr;
  std::size_t object_lists = 0;
  std::size_t string_lists = 0;
  for (const auto& member : object) {
    switch (list_kind(member.value(), property_schema(result_schema, member.key()))) {
      case ListKind::kObjects:
        objects = &member;
        ++object_lists;
        break;
      case ListKind::kStrings:
        strings = &member;
        ++string_lists;
        break;
      case ListKind::kNone:
        break;
    }
  }
  const json::key_value_pair* list = nullptr;
  if (object_lists == 1) {
    list = objects;
  } else if (object_lists == 0 && string_lists == 1) {
    list = strings;
  } else {
    return std::nullopt;
  }
  for (const auto& member : object) {  // everything else must fit on a "key: value" line
    if (&member == list) continue;
    if (!is_scalar(member.value()) && !is_scalar_array(member.value())) return std::nullopt;
  }

  const json::array& items = list->value().get_array();
  std::string out;
  if (items.empty()) {
    out = "(no " + std::string(list->key()) + ")\n";
  } else if (list == strings) {
    std::vector<std::vector<std::string>> rows;
    for (const json::value& item : items) rows.push_back({scalar_text(item)});
    out = render_table({std::string(list->key())}, rows, {kMaxLine, false});
  } else {
    const json::object* item_schema = items_schema(property_schema(result_schema, list->key()));
    const std::vector<std::string> columns = choose_columns(items, item_schema);
    if (columns.empty()) return std::nullopt;
    std::vector<std::vector<std::string>> rows;
    for (const json::value& item : items) {
      std::vector<std::string> row;
      for (const std::string& key : columns) {
        const json::value* value = item.get_object().if_contains(key);
        row.push_back(value != nullptr ? cell_text(*value) : std::string());
      }
      rows.push_back(std::move(row));
    }
    out = render_table(columns, rows, {kMaxLine, false});
  }

  for (const auto& member : object) {
    if (&member == list) continue;
    out += member.key();
    out += ": ";
    out += member.value().is_string() ? single_line(member.value().get_string())
                                      : format_json(member.value(), JsonStyle::kCompact);
    out += '\n';
  }
  return out;
}

}  // namespace opora_cli

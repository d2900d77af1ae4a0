#include "error_report.hpp"

#include <opora/opora.h>

#include <boost/json/value.hpp>
#include <cstdio>
#include <optional>
#include <string_view>

#include "json_format.hpp"
#include "text_io.hpp"

namespace opora_cli {
namespace {

namespace json = boost::json;

// "  field: message [rule]" for one entry of "errors".
std::string field_error_line(const json::object& entry) {
  const std::string_view field = string_member(entry, "field");
  const std::string_view message = string_member(entry, "message");
  const std::string_view rule = string_member(entry, "rule");
  std::string line = "  ";
  if (!field.empty()) {
    line += field;
    line += ": ";
  }
  line += message.empty() ? std::string_view("invalid") : message;
  if (!rule.empty()) {
    line += " [";
    line += rule;
    line += ']';
  }
  line += '\n';
  return line;
}

}  // namespace

std::string describe_failure(const std::string& what, const Failure& failure) {
  const std::optional<json::value> parsed = parse_json(failure.error_json);
  const json::object* error = parsed && parsed->is_object() ? &parsed->get_object() : nullptr;

  std::string name = error != nullptr ? std::string(string_member(*error, "name")) : "";
  if (name.empty()) name = "code";
  std::string text = what + ": " + opora_strerror(failure.code) + " (" + name + ", " +
                     std::to_string(failure.code) + ")\n";

  std::string details;
  if (error != nullptr) {
    if (const json::value* errors = error->if_contains("errors"); errors && errors->is_array()) {
      for (const json::value& entry : errors->get_array()) {
        if (entry.is_object()) details += field_error_line(entry.get_object());
      }
    }
  }
  if (details.empty()) {
    std::string_view message = error != nullptr ? string_member(*error, "message") : "";
    if (message.empty()) message = failure.message;
    if (!message.empty()) {
      details = "  ";
      details += message;
      details += '\n';
    }
  }
  return text + details;
}

void report_failure(const std::string& what, const Failure& failure, bool json_mode) {
  if (json_mode) {
    std::string line = reformat_json(failure.error_json, JsonStyle::kCompact);
    if (line.empty() || !parse_json(line)) {  // not JSON: build the object ourselves
      json::object object;
      object["code"] = failure.code;
      object["name"] = "";
      object["message"] = failure.message;
      object["errors"] = json::array();
      line = format_json(object, JsonStyle::kCompact);
    }
    write_text(stderr, line + "\n");
    return;
  }
  write_text(stderr, "opora: " + describe_failure(what, failure));
}

}  // namespace opora_cli

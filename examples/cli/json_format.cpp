#include "json_format.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/storage_ptr.hpp>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace opora_cli {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxDepth = 1024;
constexpr std::size_t kShortArrayWidth = 72;

void append_double(std::string& out, double number) {
  if (!std::isfinite(number)) {  // JSON has no infinity; say it as Boost.JSON does
    out += number < 0 ? "-1e99999" : "1e99999";
    return;
  }
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, number);
  if (ec != std::errc()) {
    out += json::serialize(json::value(number));
    return;
  }
  const std::string_view text(buf, static_cast<std::size_t>(ptr - buf));
  out += text;
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";  // stays a float
}

class Printer {
 public:
  explicit Printer(JsonStyle style) : pretty_(style == JsonStyle::kPretty) {}

  std::string print(const json::value& value) {
    out_.clear();
    write(value, 0);
    return std::move(out_);
  }

 private:
  void newline(std::size_t depth) {
    if (!pretty_) return;
    out_ += '\n';
    out_.append(depth * 2, ' ');
  }

  // A short array of scalars stays on one line: [2024, 2025, 2026].
  bool write_short_array(const json::array& array) {
    for (const auto& item : array) {
      if (item.is_object() || item.is_array()) return false;
    }
    Printer inner(JsonStyle::kCompact);
    std::string line = "[";
    for (const auto& item : array) {
      if (line.size() > 1) line += ", ";
      line += inner.print(item);
      if (line.size() > kShortArrayWidth) return false;
    }
    out_ += line;
    out_ += ']';
    return true;
  }

  void write(const json::value& value, std::size_t depth) {
    switch (value.kind()) {
      case json::kind::object: {
        const json::object& object = value.get_object();
        if (object.empty()) {
          out_ += "{}";
          return;
        }
        out_ += '{';
        bool first = true;
        for (const auto& member : object) {
          if (!first) out_ += ',';
          first = false;
          newline(depth + 1);
          out_ += json::serialize(member.key());
          out_ += pretty_ ? ": " : ":";
          write(member.value(), depth + 1);
        }
        newline(depth);
        out_ += '}';
        return;
      }
      case json::kind::array: {
        const json::array& array = value.get_array();
        if (array.empty()) {
          out_ += "[]";
          return;
        }
        if (pretty_ && write_short_array(array)) return;
        out_ += '[';
        bool first = true;
        for (const auto& item : array) {
          if (!first) out_ += ',';
          first = false;
          newline(depth + 1);
          write(item, depth + 1);
        }
        newline(depth);
        out_ += ']';
        return;
      }
      case json::kind::string:
        out_ += json::serialize(value.get_string());
        return;
      case json::kind::int64:
        out_ += std::to_string(value.get_int64());
        return;
      case json::kind::uint64:
        out_ += std::to_string(value.get_uint64());
        return;
      case json::kind::double_:
        append_double(out_, value.get_double());
        return;
      case json::kind::bool_:
        out_ += value.get_bool() ? "true" : "false";
        return;
      case json::kind::null:
        out_ += "null";
        return;
    }
  }

  bool pretty_;
  std::string out_;
};

}  // namespace

std::optional<json::value> parse_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  std::error_code ec;
  json::value value = json::parse(text, ec, json::storage_ptr(), options);
  if (ec) return std::nullopt;
  return value;
}

std::string format_json(const json::value& value, JsonStyle style) {
  return Printer(style).print(value);
}

std::string reformat_json(std::string_view text, JsonStyle style) {
  const std::optional<json::value> value = parse_json(text);
  if (!value) return std::string(text);
  return format_json(*value, style);
}

std::string_view string_member(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return value->get_string();
}

}  // namespace opora_cli

// Reads the fields of one JSON object a method was given, adding a field
// error (path, rule, message) for each problem instead of stopping at the
// first, so a caller learns everything that is wrong with a request at once.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/cp1251.hpp"
#include "core/date.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"

namespace opora {

// Reads fields of one JSON object, adding a field error for each problem.
class FieldReader {
 public:
  FieldReader(const boost::json::object& o, std::string path, FieldErrors& errors)
      : o_(o), path_(std::move(path)), errors_(errors) {}

  std::string at(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  FieldErrors& errors() const { return errors_; }
  const boost::json::object& object() const { return o_; }

  const boost::json::value* get(std::string_view key) const { return present(o_, key); }

  std::optional<std::string> str(std::string_view key, bool required = false,
                                 size_t max_len = 1000) const {
    const auto* v = get(key);
    if (v == nullptr) {
      if (required) errors_.add(at(key), "required", "is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      errors_.add(at(key), "type", "expected a string");
      return std::nullopt;
    }
    std::string s(v->get_string());
    if (required && s.empty()) {
      errors_.add(at(key), "required", "must not be empty");
      return std::nullopt;
    }
    // Limits are the formats' own, which count characters: a bank name of 45
    // characters (GOST R 56042) is 80 bytes in Cyrillic UTF-8. JSON text is
    // well-formed UTF-8 by the time it gets here; anything else is counted
    // by bytes, never less strictly.
    const size_t length = utf8_length(s).value_or(s.size());
    if (length > max_len) {
      errors_.add(at(key), "length",
                  "must be at most " + std::to_string(max_len) + " characters, got " +
                      std::to_string(length));
      return std::nullopt;
    }
    return s;
  }

  std::optional<Date> date(std::string_view key, bool required = false) const {
    auto s = str(key, required, 10);
    if (!s) return std::nullopt;
    if (auto d = Date::parse(*s)) return d;
    errors_.add(at(key), "date", "expected an existing date \"YYYY-MM-DD\", got \"" + *s + "\"");
    return std::nullopt;
  }

  std::optional<int64_t> id(std::string_view key) const {
    const auto* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_int64() || v->get_int64() <= 0) {
      errors_.add(at(key), "type", "expected a document id (a positive integer)");
      return std::nullopt;
    }
    return v->get_int64();
  }

  std::optional<bool> boolean(std::string_view key) const {
    const auto* v = get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_bool()) {
      errors_.add(at(key), "type", "expected a boolean");
      return std::nullopt;
    }
    return v->get_bool();
  }

  std::optional<Money> money(std::string_view key, const Currency& c, bool required = false) const {
    auto s = str(key, required, 40);
    if (!s) return std::nullopt;
    try {
      return Money::parse_field(*s, c, at(key));
    } catch (const Error& e) {
      for (const auto& f : e.field_errors()) errors_.add(f.field, f.rule, f.message);
      return std::nullopt;
    }
  }

  template <typename F>
  void each_object(std::string_view key, F&& f) const {
    const auto* v = get(key);
    if (v == nullptr) return;
    if (!v->is_array()) {
      errors_.add(at(key), "type", "expected an array");
      return;
    }
    const auto& arr = v->get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      const std::string p = at(key) + "[" + std::to_string(i) + "]";
      if (!arr[i].is_object())
        errors_.add(p, "type", "expected an object");
      else
        f(FieldReader(arr[i].get_object(), p, errors_), i);
    }
  }

 private:
  const boost::json::object& o_;
  std::string path_;
  FieldErrors& errors_;
};

}  // namespace opora

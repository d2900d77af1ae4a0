#include "core/error.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

namespace opora {

namespace {

// The rules of a malformed value, as opora.h lists them under OPORA_EINVAL.
// ("currency" is not among them: the schema refuses an unknown currency code
// itself, and a module's "currency" is a business rule: a tariff in another
// currency than the account's.)
constexpr std::array<std::string_view, 17> kFormRules = {
    "required", "unknown_field", "alias_conflict", "type",   "enum",          "length",
    "range",    "date",          "date-time",      "money",  "money_scale",   "decimal",
    "quantity", "vat_rate",      "percent",        "period", "inexact_number"};

// "calendar.weekend[7]" -> "calendar.weekend[]": the same place in every
// entry of an array.
std::string shape_of(const std::string& field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    out += field[i];
    if (field[i] != '[') continue;
    size_t j = i + 1;
    while (j < field.size() && field[j] >= '0' && field[j] <= '9') ++j;
    if (j < field.size() && field[j] == ']' && j > i + 1) i = j - 1;
  }
  return out;
}

}  // namespace

bool is_form_rule(std::string_view rule) noexcept {
  return std::find(kFormRules.begin(), kFormRules.end(), rule) != kFormRules.end();
}

void fail_field(ErrorCode code, std::string field, std::string rule, std::string message) {
  std::string text = field + ": " + message;
  throw Error(code, std::move(text), {{std::move(field), std::move(rule), std::move(message)}});
}

void FieldErrors::throw_if_any(ErrorCode code) const {
  if (errors_.empty()) return;
  std::vector<FieldError> listed;
  size_t omitted = carried_omitted_;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> same_shape;
  for (const auto& e : errors_) {
    if (!seen.emplace(e.field, e.rule, e.message).second) continue;
    size_t& shape_count = same_shape[{shape_of(e.field), e.rule, e.message}];
    if (++shape_count > kSameShapeListed || listed.size() >= kMaxListed) {
      ++omitted;
      continue;
    }
    listed.push_back(e);
  }
  std::string text;
  for (const auto& e : listed) {
    if (!text.empty()) text += "; ";
    text += e.field + ": " + e.message;
  }
  if (omitted > 0)
    text += "; and " + std::to_string(omitted) + " more " +
            (omitted == 1 ? "problem" : "problems") + " not listed";
  throw Error(code, std::move(text), std::move(listed), omitted);
}

const char* error_code_text(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::ok:
      return "ok";
    case ErrorCode::generic:
      return "error";
    case ErrorCode::invalid:
      return "invalid argument";
    case ErrorCode::json:
      return "malformed JSON";
    case ErrorCode::not_found:
      return "not found";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::validation:
      return "validation failed";
    case ErrorCode::busy:
      return "database is busy";
    case ErrorCode::io:
      return "I/O error";
    case ErrorCode::corrupt:
      return "database is corrupt";
    case ErrorCode::internal:
      return "internal error";
    case ErrorCode::no_memory:
      return "out of memory";
    case ErrorCode::no_method:
      return "unknown method";
    case ErrorCode::state:
      return "not allowed in the current state";
    case ErrorCode::overflow:
      return "arithmetic overflow";
  }
  return "unknown error code";
}

}  // namespace opora

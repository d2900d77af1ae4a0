#include "core/error.hpp"

namespace opora {

void fail_field(ErrorCode code, std::string field, std::string rule, std::string message) {
  std::string text = field + ": " + message;
  throw Error(code, std::move(text), {{std::move(field), std::move(rule), std::move(message)}});
}

void FieldErrors::throw_if_any(ErrorCode code) const {
  if (errors_.empty()) return;
  std::string text;
  for (const auto& e : errors_) {
    if (!text.empty()) text += "; ";
    text += e.field + ": " + e.message;
  }
  throw Error(code, std::move(text), errors_);
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

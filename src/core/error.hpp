// Errors raised inside opora. Only the C boundary (src/capi) catches them.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace opora {

// Stable status codes. The numbers are part of the ABI and mirror OPORA_* in
// include/opora/opora.h; a code is never renumbered, new ones are appended.
enum class ErrorCode : int {
  ok = 0,
  generic = -1,     // OPORA_ERROR
  invalid = -2,     // OPORA_EINVAL: bad argument, missing or wrongly typed field
  json = -3,        // OPORA_EJSON: malformed JSON text
  not_found = -4,   // OPORA_ENOTFOUND
  conflict = -5,    // OPORA_ECONFLICT: already exists, idempotency clash
  validation = -6,  // OPORA_EVALIDATION: well-formed input that breaks a business rule
  busy = -7,        // OPORA_EBUSY: database locked by another connection
  io = -8,          // OPORA_EIO: file or database I/O
  corrupt = -9,     // OPORA_ECORRUPT: database file damaged or not a database
  internal = -10,   // OPORA_EINTERNAL: a bug in opora
  no_memory = -11,  // OPORA_ENOMEM
  no_method = -12,  // OPORA_ENOMETHOD: unknown method name
  state = -13,      // OPORA_ESTATE: not allowed in the current state
  overflow = -14,   // OPORA_EOVERFLOW: arithmetic result out of range
};

// One problem with one input field. `field` is a dotted path
// ("recipient.kpp", "items[2].price"); `rule` is a stable machine name
// ("required", "type", "inn_checksum"); `message` is for people.
struct FieldError {
  std::string field;
  std::string rule;
  std::string message;
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::vector<FieldError> fields = {})
      : std::runtime_error(std::move(message)), code_(code), fields_(std::move(fields)) {}

  ErrorCode code() const noexcept { return code_; }
  const std::vector<FieldError>& field_errors() const noexcept { return fields_; }

 private:
  ErrorCode code_;
  std::vector<FieldError> fields_;
};

// Raises `code` for a single field; the message names the field and the rule.
[[noreturn]] void fail_field(ErrorCode code, std::string field, std::string rule,
                             std::string message);

// Collects field errors so that every problem of a request is reported at once.
class FieldErrors {
 public:
  void add(std::string field, std::string rule, std::string message) {
    errors_.push_back({std::move(field), std::move(rule), std::move(message)});
  }
  bool empty() const noexcept { return errors_.empty(); }
  const std::vector<FieldError>& list() const noexcept { return errors_; }
  // Throws Error(code) listing every collected problem, if there are any.
  void throw_if_any(ErrorCode code) const;

 private:
  std::vector<FieldError> errors_;
};

// Static English text for a code; never null.
const char* error_code_text(ErrorCode code) noexcept;

}  // namespace opora

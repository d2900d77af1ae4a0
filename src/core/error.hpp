// Errors raised inside opora. Only the C boundary (src/capi) catches them.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace opora {

// Stable status codes. The numbers are part of the ABI and mirror OPORA_* in
// include/opora/opora.h; a code is never renumbered, new ones are appended.
enum class ErrorCode : int {
  ok = 0,
  generic = -1,     // OPORA_ERROR
  invalid = -2,     // OPORA_EINVAL: a malformed request (see is_form_rule)
  json = -3,        // OPORA_EJSON: malformed JSON text
  not_found = -4,   // OPORA_ENOTFOUND
  conflict = -5,    // OPORA_ECONFLICT: already exists, idempotency clash
  validation = -6,  // OPORA_EVALIDATION: a well-formed request that breaks a business rule
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

// True for the rules of a malformed value: a field missing, unknown, of the
// wrong type, or outside its format, enumeration, length or range. Every
// other rule is a business rule. A request with such a problem in what the
// caller sent is OPORA_EINVAL wherever it is found (engine/database.cpp);
// see OPORA_EINVAL in opora.h.
bool is_form_rule(std::string_view rule) noexcept;

class Error : public std::runtime_error {
 public:
  // `omitted`: problems found but not listed (FieldErrors::throw_if_any).
  // A NUL the caller sent (a "\u0000" in a quoted value) becomes U+FFFD, so
  // what() holds the whole message.
  Error(ErrorCode code, std::string message, std::vector<FieldError> fields = {},
        size_t omitted = 0)
      : std::runtime_error(without_nul(std::move(message))),
        code_(code),
        fields_(std::move(fields)),
        omitted_(omitted) {}

  ErrorCode code() const noexcept { return code_; }
  const std::vector<FieldError>& field_errors() const noexcept { return fields_; }
  size_t omitted() const noexcept { return omitted_; }

 private:
  static std::string without_nul(std::string text) {
    for (size_t i = text.find('\0'); i != std::string::npos; i = text.find('\0', i + 3))
      text.replace(i, 1, "\xEF\xBF\xBD");
    return text;
  }

  ErrorCode code_;
  std::vector<FieldError> fields_;
  size_t omitted_ = 0;
};

// Raises `code` for a single field; the message names the field and the rule.
[[noreturn]] void fail_field(ErrorCode code, std::string field, std::string rule,
                             std::string message);

// Collects field errors so that every problem of a request is reported at once.
class FieldErrors {
 public:
  // What a thrown error lists: each distinct problem once and a bounded list,
  // so a 10,000-entry array with the same mistake in every entry is answered
  // with a few lines, not a megabyte.
  static constexpr size_t kMaxListed = 100;       // problems listed at most
  static constexpr size_t kSameShapeListed = 10;  // the same problem at sibling entries

  void add(std::string field, std::string rule, std::string message) {
    errors_.push_back({std::move(field), std::move(rule), std::move(message)});
  }
  // Problems an error this one relists had already left out (Error::omitted),
  // so re-raising it under other paths keeps the count.
  void add_omitted(size_t n) noexcept { carried_omitted_ += n; }
  bool empty() const noexcept { return errors_.empty(); }
  // Every problem added, in order (modules compare its size to see whether a
  // part of the request added any).
  const std::vector<FieldError>& list() const noexcept { return errors_; }
  // Throws Error(code) listing the collected problems, if there are any:
  // the same field, rule and message once; the same rule and message at
  // sibling array entries ("weekend[7]", "weekend[8]", ...) for the first
  // kSameShapeListed entries; at most kMaxListed in all. The message says how
  // many more there were, so nothing is dropped silently.
  void throw_if_any(ErrorCode code) const;

 private:
  std::vector<FieldError> errors_;
  size_t carried_omitted_ = 0;
};

// Static English text for a code; never null.
const char* error_code_text(ErrorCode code) noexcept;

}  // namespace opora

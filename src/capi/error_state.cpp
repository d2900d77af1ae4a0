#include "capi/error_state.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>

#include "opora/opora.h"

namespace opora::capi {
namespace {

struct LastError {
  int code = 0;
  std::string message;
  std::string json;
};

LastError& last() noexcept {
  thread_local LastError state;
  return state;
}

// Built on first use per thread; std::string of a literal does not throw
// for short strings in practice, and a failure here would only leave "".
const std::string& ok_json() {
  static const std::string text = R"({"code":0,"name":"OPORA_OK","message":"","errors":[]})";
  return text;
}

// Bounds of what an error hands a host, in bytes: a message quoting a
// 100,000-character value the caller sent is cut, so no error is larger than
// a few kilobytes however large the request.
constexpr size_t kFieldBytes = 256;     // a field path
constexpr size_t kProblemBytes = 1024;  // one problem's message
constexpr size_t kMessageBytes = 8192;  // the whole message

// Error text may quote what the caller sent (a method name, a path, a value),
// which need not be UTF-8 and may hold NUL; hosts decode the error JSON
// strictly (PHP's json_decode gives null) and read the message as a C string,
// so invalid sequences and NUL become U+FFFD. Text longer than `max` bytes is
// cut at a character boundary and ends with "…".
std::string host_text(const std::string& s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max + 3));
  size_t i = 0;
  while (i < s.size()) {
    if (out.size() >= max) {
      out += "\xE2\x80\xA6";  // …
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc >> 6) == 0x2;
      cp = cp << 6 | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    ok = ok && !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) &&
         !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok && cp != 0) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

const char* status_name(int code) noexcept {
  switch (code) {
    case OPORA_OK:
      return "OPORA_OK";
    case OPORA_ERROR:
      return "OPORA_ERROR";
    case OPORA_EINVAL:
      return "OPORA_EINVAL";
    case OPORA_EJSON:
      return "OPORA_EJSON";
    case OPORA_ENOTFOUND:
      return "OPORA_ENOTFOUND";
    case OPORA_ECONFLICT:
      return "OPORA_ECONFLICT";
    case OPORA_EVALIDATION:
      return "OPORA_EVALIDATION";
    case OPORA_EBUSY:
      return "OPORA_EBUSY";
    case OPORA_EIO:
      return "OPORA_EIO";
    case OPORA_ECORRUPT:
      return "OPORA_ECORRUPT";
    case OPORA_EINTERNAL:
      return "OPORA_EINTERNAL";
    case OPORA_ENOMEM:
      return "OPORA_ENOMEM";
    case OPORA_ENOMETHOD:
      return "OPORA_ENOMETHOD";
    case OPORA_ESTATE:
      return "OPORA_ESTATE";
    case OPORA_EOVERFLOW:
      return "OPORA_EOVERFLOW";
    default:
      return "OPORA_UNKNOWN";
  }
}

void set_error(ErrorCode code, std::string message, const std::vector<FieldError>& fields) {
  auto& e = last();
  e.code = static_cast<int>(code);
  boost::json::array list;
  for (const auto& f : fields)
    list.push_back(boost::json::object{{"field", host_text(f.field, kFieldBytes)},
                                       {"rule", host_text(f.rule, kFieldBytes)},
                                       {"message", host_text(f.message, kProblemBytes)}});
  message = host_text(message, kMessageBytes);
  e.json = boost::json::serialize(boost::json::object{{"code", e.code},
                                                      {"name", status_name(e.code)},
                                                      {"message", message},
                                                      {"errors", std::move(list)}});
  e.message = std::move(message);
}

void clear_error() noexcept {
  auto& e = last();
  e.code = 0;
  e.message.clear();
  e.json.clear();
}

const char* last_message() noexcept {
  return last().message.c_str();
}

const char* last_json() noexcept {
  const auto& e = last();
  if (e.code == 0) {
    try {
      return ok_json().c_str();
    } catch (...) {
      return "{\"code\":0}";
    }
  }
  return e.json.c_str();
}

}  // namespace opora::capi

#include "capi/error_state.hpp"

#include <boost/json.hpp>

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
    list.push_back(
        boost::json::object{{"field", f.field}, {"rule", f.rule}, {"message", f.message}});
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

#include "opora_addin.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <utility>

#include "text.hpp"

namespace opora_onec {
namespace {

// A name as 1C script spells it: English (alias 0) and Russian (alias 1).
struct MemberName {
  std::u16string_view english;
  std::u16string_view russian;
};

enum Method : long { kOpen, kCall, kClose, kVersion, kMethodCount };
enum Property : long { kLastError, kLastErrorJson, kPropertyCount };

struct MethodSpec {
  long params;    // what GetNParams reports
  long required;  // the leading ones that have no default
  bool returns_value;
  const char* param_names[2];  // for messages
};

// Open(path[, options]) -> Boolean; Call(method[, params]) -> String;
// Close(); Version() -> String.
const MemberName kMethodNames[kMethodCount] = {
    {u"Open", u"Открыть"},
    {u"Call", u"Вызвать"},
    {u"Close", u"Закрыть"},
    {u"Version", u"Версия"},
};
const MethodSpec kMethods[kMethodCount] = {
    {2, 1, true, {"path", "options"}},
    {2, 1, true, {"method", "params"}},
    {0, 0, false, {nullptr, nullptr}},
    {0, 0, true, {nullptr, nullptr}},
};

const MemberName kProperties[kPropertyCount] = {
    {u"LastError", u"ПоследняяОшибка"},
    {u"LastErrorJSON", u"ПоследняяОшибкаJSON"},
};

constexpr char16_t kSource[] = u"opora";
constexpr const char* kNoError = R"({"code": 0, "name": "OPORA_OK", "message": "", "errors": []})";
// What the properties say after a failure that could not even be recorded: UTF-16
// literals, so reading them needs no allocation of ours.
static_assert(OPORA_ENOMEM == -11, "kOutOfMemoryJson spells the code");
constexpr const char16_t* kOutOfMemory = u"out of memory";
constexpr const char16_t* kOutOfMemoryJson =
    u"{\"code\": -11, \"name\": \"OPORA_ENOMEM\", \"message\": \"out of memory\", \"errors\": []}";

template <std::size_t N>
long find_member(const MemberName (&names)[N], const char16_t* name) {
  if (name == nullptr) return -1;
  const std::u16string_view wanted(name);
  for (std::size_t i = 0; i < N; ++i)
    if (same_name(wanted, names[i].english) || same_name(wanted, names[i].russian))
      return static_cast<long>(i);
  return -1;
}

struct OporaFree {
  void operator()(char* text) const { opora_free(text); }
};

bool valid_method(long method) {
  return method >= 0 && method < kMethodCount;
}

const char* status_name(int code) {
  switch (code) {
    case OPORA_EINVAL:
      return "OPORA_EINVAL";
    case OPORA_ENOMEM:
      return "OPORA_ENOMEM";
    case OPORA_ESTATE:
      return "OPORA_ESTATE";
    default:
      return "OPORA_EINTERNAL";
  }
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

OporaAddIn::OporaAddIn() : last_error_json_(kNoError) {}

OporaAddIn::~OporaAddIn() {
  opora_db_close(db_);
}

// ---------------------------------------------------------- IInitDoneBase --

bool OporaAddIn::Init(void* platform) {
  platform_ = static_cast<onec::IAddInDefBase*>(platform);
  return true;
}

bool OporaAddIn::setMemManager(void* memory) {
  memory_ = static_cast<onec::IMemoryManager*>(memory);
  return memory_ != nullptr;
}

long OporaAddIn::GetInfo() {
  return 2000;
}

void OporaAddIn::Done() {
  opora_db_close(db_);
  db_ = nullptr;
}

// -------------------------------------------------- ILanguageExtenderBase --

bool OporaAddIn::RegisterExtensionAs(char16_t** extension_name) {
  if (extension_name == nullptr) return false;
  *extension_name = platform_string(kClassName);
  return *extension_name != nullptr;
}

long OporaAddIn::GetNProps() {
  return kPropertyCount;
}

long OporaAddIn::FindProp(const char16_t* name) {
  return find_member(kProperties, name);
}

const char16_t* OporaAddIn::GetPropName(long number, long alias) {
  if (number < 0 || number >= kPropertyCount || alias < 0 || alias > 1) return nullptr;
  const MemberName& name = kProperties[number];
  return platform_string(alias == 0 ? name.english : name.russian);
}

// Reading a property never records an error of its own: LastError keeps
// describing the last call, whatever the reading costs.
bool OporaAddIn::GetPropVal(long number, onec::Variant* value) {
  try {
    if (value == nullptr || (number != kLastError && number != kLastErrorJson)) return false;
    if (out_of_memory_)
      return put_string(value, number == kLastError ? kOutOfMemory : kOutOfMemoryJson);
    return put_string(value, utf8_to_utf16(number == kLastError ? last_error_ : last_error_json_));
  } catch (...) {
    return false;
  }
}

// Both properties are read-only; the platform reports the attempt itself.
bool OporaAddIn::SetPropVal(long, onec::Variant*) {
  return false;
}

bool OporaAddIn::IsPropReadable(long number) {
  return number >= 0 && number < kPropertyCount;
}

bool OporaAddIn::IsPropWritable(long) {
  return false;
}

long OporaAddIn::GetNMethods() {
  return kMethodCount;
}

long OporaAddIn::FindMethod(const char16_t* name) {
  return find_member(kMethodNames, name);
}

const char16_t* OporaAddIn::GetMethodName(long number, long alias) {
  if (!valid_method(number) || alias < 0 || alias > 1) return nullptr;
  const MemberName& name = kMethodNames[number];
  return platform_string(alias == 0 ? name.english : name.russian);
}

long OporaAddIn::GetNParams(long method) {
  return valid_method(method) ? kMethods[method].params : 0;
}

// Optional parameters default to Undefined (EMPTY), which the methods read as
// "not given".
bool OporaAddIn::GetParamDefValue(long method, long param, onec::Variant* value) {
  if (!valid_method(method) || value == nullptr) return false;
  const MethodSpec& spec = kMethods[method];
  if (param < spec.required || param >= spec.params) return false;
  value->vt = onec::VTYPE_EMPTY;
  return true;
}

bool OporaAddIn::HasRetVal(long method) {
  return valid_method(method) && kMethods[method].returns_value;
}

bool OporaAddIn::CallAsProc(long method, onec::Variant* params, long count) {
  return invoke(method, params, count, nullptr);
}

bool OporaAddIn::CallAsFunc(long method, onec::Variant* result, onec::Variant* params, long count) {
  if (result == nullptr) return false;
  return invoke(method, params, count, result);
}

void OporaAddIn::SetLocale(const char16_t*) {}

void OporaAddIn::SetUserInterfaceLanguageCode(const char16_t*) {}

// ----------------------------------------------------------------- methods --

// No exception may cross into the platform: everything is caught here.
bool OporaAddIn::invoke(long method, onec::Variant* params, long count, onec::Variant* result) {
  // Names the method in messages for the length of the call.
  struct MethodScope {
    long& current;
    ~MethodScope() { current = -1; }
  } scope{current_method_};
  try {
    if (!valid_method(method)) return fail(OPORA_EINVAL, "no such method number");
    current_method_ = method;
    const MethodSpec& spec = kMethods[method];
    if (count != spec.params || (count > 0 && params == nullptr))
      return fail(OPORA_EINVAL, "expected " + std::to_string(spec.params) + " parameters, got " +
                                    std::to_string(count));
    // Without the platform's memory manager no result can be returned: refuse
    // before anything runs, rather than after a method has changed the database.
    if (memory_ == nullptr && (method == kCall || method == kVersion))
      return fail(OPORA_ESTATE,
                  "the platform gave no memory manager (setMemManager), so no result could be "
                  "returned; nothing was done");
    switch (method) {
      case kOpen:
        return open(params, result);
      case kCall:
        return call(params, result);
      case kClose:
        return close();
      default:
        return version(result);
    }
  } catch (const std::bad_alloc&) {
    return fail_quietly(OPORA_ENOMEM, "out of memory");
  } catch (const std::exception& e) {
    return fail_quietly(OPORA_EINTERNAL, e.what());
  } catch (...) {
    return fail_quietly(OPORA_EINTERNAL, "unknown exception");
  }
}

bool OporaAddIn::open(onec::Variant* params, onec::Variant* result) {
  if (db_ != nullptr) return fail(OPORA_ESTATE, "a database is already open; call Close first");
  std::string path;
  std::string options;
  if (!string_param(params, 0, path) || !string_param(params, 1, options)) return false;
  opora_db* db = nullptr;
  const int rc = opora_db_open(&db, path.c_str(), options.empty() ? nullptr : options.c_str());
  if (rc != OPORA_OK) return fail_from_opora(rc);
  db_ = db;
  succeed();
  if (result != nullptr) {
    result->vt = onec::VTYPE_BOOL;
    result->value.boolean = true;
  }
  return true;
}

bool OporaAddIn::call(onec::Variant* params, onec::Variant* result) {
  if (db_ == nullptr) return fail(OPORA_ESTATE, "no database is open; call Open first");
  std::string method;
  std::string json;
  if (!string_param(params, 0, method) || !string_param(params, 1, json)) return false;
  char* raw = nullptr;
  const int rc = opora_db_call(db_, method.c_str(), json.empty() ? nullptr : json.c_str(), &raw);
  const std::unique_ptr<char, OporaFree> owned(raw);
  if (rc != OPORA_OK) return fail_from_opora(rc);
  if (result != nullptr) {
    const std::u16string text = utf8_to_utf16(raw != nullptr ? raw : "{}");
    if (!put_string(result, text))
      // The method has run and committed: say so, or a script retrying would do it twice.
      return fail(OPORA_ENOMEM, method +
                                    " was executed and its changes are kept; only its result (" +
                                    std::to_string((text.size() + 1) * sizeof(char16_t)) +
                                    " bytes) could not be returned: the platform's memory "
                                    "manager refused it. Do not repeat the call.");
  }
  succeed();
  return true;
}

bool OporaAddIn::close() {
  opora_db_close(db_);
  db_ = nullptr;
  succeed();
  return true;
}

bool OporaAddIn::version(onec::Variant* result) {
  if (!return_string(result, opora_version())) return false;
  succeed();
  return true;
}

// ----------------------------------------------------------------- helpers --

bool OporaAddIn::string_param(const onec::Variant* params, long index, std::string& out) {
  const MethodSpec& spec = kMethods[current_method_];
  const std::string what =
      std::string("parameter ") + std::to_string(index + 1) + " (" + spec.param_names[index] + ")";
  const onec::Variant& param = params[index];
  if (param.vt == onec::VTYPE_EMPTY && index >= spec.required) {
    out.clear();
    return true;
  }
  if (param.vt != onec::VTYPE_PWSTR)
    return fail(OPORA_EINVAL,
                what + " must be a String (got tVariant type " + std::to_string(param.vt) + ")");
  const std::u16string_view text(param.value.wstr.pointer,
                                 param.value.wstr.pointer != nullptr ? param.value.wstr.length : 0);
  if (text.find(u'\0') != std::u16string_view::npos)
    return fail(OPORA_EINVAL, what + " contains a NUL character");
  std::size_t bad_at = 0;
  if (!utf16_to_utf8(text, out, bad_at))
    return fail(OPORA_EINVAL, what + " is not valid UTF-16: unpaired surrogate at position " +
                                  std::to_string(bad_at + 1));
  return true;
}

bool OporaAddIn::return_string(onec::Variant* result, std::string_view utf8) {
  if (result == nullptr) return true;
  const std::u16string text = utf8_to_utf16(utf8);
  if (!put_string(result, text))
    return fail(OPORA_ENOMEM, "the platform's memory manager refused " +
                                  std::to_string((text.size() + 1) * sizeof(char16_t)) +
                                  " bytes for the result");
  return true;
}

bool OporaAddIn::put_string(onec::Variant* result, std::u16string_view text) {
  char16_t* copy = platform_string(text);
  if (copy == nullptr) return false;
  result->vt = onec::VTYPE_PWSTR;
  result->value.wstr.pointer = copy;
  result->value.wstr.length = static_cast<std::uint32_t>(text.size());
  return true;
}

char16_t* OporaAddIn::platform_string(std::u16string_view text) {
  if (memory_ == nullptr || text.size() >= 0x7FFFFFFF) return nullptr;
  void* memory = nullptr;
  const auto bytes = static_cast<unsigned long>((text.size() + 1) * sizeof(char16_t));
  if (!memory_->AllocMemory(&memory, bytes) || memory == nullptr) return nullptr;
  auto* copy = static_cast<char16_t*>(memory);
  if (!text.empty()) std::memcpy(copy, text.data(), text.size() * sizeof(char16_t));
  copy[text.size()] = u'\0';
  return copy;
}

bool OporaAddIn::fail_from_opora(int code) {
  return report({code, opora_last_error_message(), opora_last_error_json()});
}

bool OporaAddIn::fail(int code, std::string message) {
  if (valid_method(current_method_)) {
    std::string prefix;
    std::size_t bad_at = 0;
    utf16_to_utf8(kMethodNames[current_method_].english, prefix, bad_at);
    message = prefix + ": " + message;
  }
  std::string json = std::string("{\"code\": ") + std::to_string(code) + ", \"name\": \"" +
                     status_name(code) + "\", \"message\": " + json_quote(message) +
                     ", \"errors\": []}";
  return report({code, std::move(message), std::move(json)});
}

bool OporaAddIn::report(Failure failure) {
  last_error_ = std::move(failure.message);
  last_error_json_ = std::move(failure.error_json);
  out_of_memory_ = false;
  if (platform_ != nullptr) {
    const std::u16string description = utf8_to_utf16(last_error_);
    platform_->AddError(onec::ADDIN_E_FAIL, kSource, description.c_str(), failure.code);
  }
  return false;
}

bool OporaAddIn::fail_quietly(int code, const char* message) noexcept {
  try {
    return fail(code, message);
  } catch (...) {
    out_of_memory_ = true;  // the properties read the preset texts
    if (platform_ != nullptr)
      platform_->AddError(onec::ADDIN_E_FAIL, kSource, u"out of memory", code);
    return false;
  }
}

void OporaAddIn::succeed() {
  last_error_.clear();
  last_error_json_ = kNoError;
  out_of_memory_ = false;
}

}  // namespace opora_onec

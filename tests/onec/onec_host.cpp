// A mock 1C:Enterprise platform for the opora add-in (examples/onec): it
// dlopen()s opora1c.so, resolves the Native API exports, gives the object a
// memory manager and an IAddInDefBase that records AddError, looks members up
// by English and Russian names in any letter case, and drives the object the
// way 1C script would. Every check that fails is printed; the exit status is
// non-zero if any did.
//
//   onec_host <path to opora1c.so> <path to opora1c.zip>
#include <dlfcn.h>
#include <opora/opora.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "host_text.hpp"
#include "native_api.hpp"

namespace {

using onec_test::to_utf16;
using onec_test::to_utf8;

int g_checks = 0;
int g_failures = 0;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    ++g_checks;                                                                     \
    if (!(cond)) {                                                                  \
      ++g_failures;                                                                 \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                               \
  } while (0)

bool contains(std::u16string_view haystack, std::u16string_view needle) {
  return haystack.find(needle) != std::u16string_view::npos;
}

// The platform's allocator: remembers every block it handed out, so the test
// can tell that results really come from it and that nothing leaks.
class MemoryManager final : public onec::IMemoryManager {
 public:
  bool AllocMemory(void** memory, unsigned long bytes) override {
    if (memory == nullptr) return false;
    *memory = std::malloc(bytes == 0 ? 1 : bytes);
    if (*memory == nullptr) return false;
    live_.insert(*memory);
    ++allocations_;
    return true;
  }
  void FreeMemory(void** memory) override {
    if (memory == nullptr || *memory == nullptr) return;
    CHECK(live_.erase(*memory) == 1);  // only blocks this manager made
    std::free(*memory);
    *memory = nullptr;
  }
  bool owns(const void* memory) const { return live_.count(const_cast<void*>(memory)) == 1; }
  std::size_t live() const { return live_.size(); }
  std::size_t allocations() const { return allocations_; }

 private:
  std::set<void*> live_;
  std::size_t allocations_ = 0;
};

struct ReportedError {
  unsigned short code;
  std::u16string source;
  std::u16string description;
  long scode;
};

// The platform side of the connection: AddError is recorded; the add-in has
// no business calling anything else, so other calls are counted as wrong.
class Platform final : public onec::IAddInDefBase {
 public:
  bool AddError(unsigned short code, const char16_t* source, const char16_t* description,
                long scode) override {
    errors.push_back({code, source != nullptr ? source : u"",
                      description != nullptr ? description : u"", scode});
    return true;
  }
  bool Read(char16_t*, onec::Variant*, long*, char16_t**) override { return unexpected(); }
  bool Write(char16_t*, onec::Variant*) override { return unexpected(); }
  bool RegisterProfileAs(char16_t*) override { return unexpected(); }
  bool SetEventBufferDepth(long) override { return unexpected(); }
  long GetEventBufferDepth() override { return unexpected() ? 1 : 0; }
  bool ExternalEvent(char16_t*, char16_t*, char16_t*) override { return unexpected(); }
  void CleanEventBuffer() override { unexpected(); }
  bool SetStatusLine(char16_t*) override { return unexpected(); }
  void ResetStatusLine() override { unexpected(); }

  std::vector<ReportedError> errors;
  int unexpected_calls = 0;

 private:
  bool unexpected() {
    ++unexpected_calls;
    return false;
  }
};

// A parameter as the platform passes it: the text stays owned by the caller.
struct Param {
  onec::Variant variant{};
  std::u16string text;
};

Param string_param(std::u16string text) {
  Param p;
  p.variant.vt = onec::VTYPE_PWSTR;
  p.text = std::move(text);
  return p;
}

Param int_param(std::int32_t value) {
  Param p;
  p.variant.vt = onec::VTYPE_I4;
  p.variant.value.i4 = value;
  return p;
}

// What a call gave back, copied out of platform memory (then freed).
struct Outcome {
  bool ok = false;
  onec::TypeVar vt = onec::VTYPE_EMPTY;
  bool boolean = false;
  std::u16string text;
};

class Host {
 public:
  Host(onec::IComponentBase* object, MemoryManager& memory) : object_(object), memory_(memory) {}

  // The method's number, after checking that every spelling finds it.
  long method(std::u16string_view english, std::u16string_view russian,
              std::u16string_view other_case_en, std::u16string_view other_case_ru) {
    const long n = object_->FindMethod(std::u16string(english).c_str());
    CHECK(n >= 0);
    CHECK(object_->FindMethod(std::u16string(russian).c_str()) == n);
    CHECK(object_->FindMethod(std::u16string(other_case_en).c_str()) == n);
    CHECK(object_->FindMethod(std::u16string(other_case_ru).c_str()) == n);
    CHECK(take_name(object_->GetMethodName(n, 0)) == english);
    CHECK(take_name(object_->GetMethodName(n, 1)) == russian);
    return n;
  }

  long property(std::u16string_view english, std::u16string_view russian,
                std::u16string_view other_case_en, std::u16string_view other_case_ru) {
    const long n = object_->FindProp(std::u16string(english).c_str());
    CHECK(n >= 0);
    CHECK(object_->FindProp(std::u16string(russian).c_str()) == n);
    CHECK(object_->FindProp(std::u16string(other_case_en).c_str()) == n);
    CHECK(object_->FindProp(std::u16string(other_case_ru).c_str()) == n);
    CHECK(take_name(object_->GetPropName(n, 0)) == english);
    CHECK(take_name(object_->GetPropName(n, 1)) == russian);
    CHECK(object_->IsPropReadable(n));
    CHECK(!object_->IsPropWritable(n));
    return n;
  }

  // A name the add-in allocated for the platform: checked, copied and freed.
  std::u16string take_name(const char16_t* name) {
    CHECK(name != nullptr);
    if (name == nullptr) return u"<null>";
    CHECK(memory_.owns(name));
    std::u16string copy(name);
    void* block = const_cast<char16_t*>(name);
    memory_.FreeMemory(&block);
    return copy;
  }

  // Calls like 1C script does: missing trailing parameters are filled from
  // GetParamDefValue, then CallAsFunc (or CallAsProc) runs.
  Outcome call(long method, std::vector<Param> params, bool as_function = true) {
    const long count = object_->GetNParams(method);
    for (auto i = static_cast<long>(params.size()); i < count; ++i) {
      Param p;
      CHECK(object_->GetParamDefValue(method, i, &p.variant));
      params.push_back(p);
    }
    std::vector<onec::Variant> variants;
    for (Param& p : params) {
      if (p.variant.vt == onec::VTYPE_PWSTR) {
        p.variant.value.wstr.pointer = p.text.data();
        p.variant.value.wstr.length = static_cast<std::uint32_t>(p.text.size());
      }
      variants.push_back(p.variant);
    }
    Outcome out;
    onec::Variant result{};
    const long n = static_cast<long>(variants.size());
    onec::Variant* data = variants.empty() ? nullptr : variants.data();
    out.ok = as_function ? object_->CallAsFunc(method, &result, data, n)
                         : object_->CallAsProc(method, data, n);
    // The platform's parameters are never taken over or changed.
    for (std::size_t i = 0; i < params.size(); ++i) {
      CHECK(variants[i].vt == params[i].variant.vt);
      if (params[i].variant.vt == onec::VTYPE_PWSTR)
        CHECK(variants[i].value.wstr.pointer == params[i].text.data());
    }
    out.vt = result.vt;
    if (result.vt == onec::VTYPE_BOOL) out.boolean = result.value.boolean;
    if (result.vt == onec::VTYPE_PWSTR) out.text = take_string(result);
    return out;
  }

  std::u16string get_property(long n) {
    onec::Variant value{};
    CHECK(object_->GetPropVal(n, &value));
    CHECK(value.vt == onec::VTYPE_PWSTR);
    return value.vt == onec::VTYPE_PWSTR ? take_string(value) : u"";
  }

 private:
  // A PWSTR result: allocated by our manager, NUL-terminated at its length.
  std::u16string take_string(onec::Variant& value) {
    char16_t* text = value.value.wstr.pointer;
    const std::uint32_t length = value.value.wstr.length;
    CHECK(text != nullptr);
    if (text == nullptr) return u"";
    CHECK(memory_.owns(text));
    CHECK(text[length] == u'\0');
    std::u16string copy(text, length);
    CHECK(copy.find(u'\0') == std::u16string::npos);
    void* block = text;
    memory_.FreeMemory(&block);
    return copy;
  }

  onec::IComponentBase* object_;
  MemoryManager& memory_;
};

boost::json::value parse(std::u16string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(to_utf8(text), ec);
  CHECK(!ec);
  if (ec) std::fprintf(stderr, "  not JSON: %s\n", to_utf8(text.substr(0, 200)).c_str());
  return value;
}

std::string field(const boost::json::value& value, const char* name) {
  if (!value.is_object()) return "";
  const boost::json::value* found = value.as_object().if_contains(name);
  return found != nullptr && found->is_string() ? std::string(found->as_string()) : "";
}

// Expects a failed call: false, no result, exactly one AddError naming
// `needle`, LastError saying the same, LastErrorJSON with `status`.
void expect_failure(Host& host, Platform& platform, const Outcome& outcome, long last_error,
                    long last_error_json, std::u16string_view needle, const char* status,
                    long scode) {
  CHECK(!outcome.ok);
  CHECK(outcome.vt == onec::VTYPE_EMPTY);
  CHECK(!platform.errors.empty());
  if (platform.errors.empty()) return;
  const ReportedError& reported = platform.errors.back();
  CHECK(reported.code == onec::ADDIN_E_FAIL);
  CHECK(reported.source == u"opora");
  CHECK(reported.scode == scode);
  CHECK(contains(reported.description, needle));
  if (!contains(reported.description, needle))
    std::fprintf(stderr, "  AddError: %s\n", to_utf8(reported.description).c_str());
  const std::u16string message = host.get_property(last_error);
  CHECK(!message.empty());
  CHECK(message == reported.description);
  const boost::json::value json = parse(host.get_property(last_error_json));
  CHECK(field(json, "name") == status);
  if (field(json, "name") != status)
    std::fprintf(stderr, "  LastErrorJSON name: %s\n", field(json, "name").c_str());
  CHECK(to_utf16(field(json, "message")) == message);
}

bool zip_holds(const char* path, const std::vector<std::string>& names) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.compare(0, 4, "PK\x03\x04") != 0) return false;
  for (const std::string& name : names)
    if (bytes.find(name) == std::string::npos) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <opora1c.so> <opora1c.zip>\n", argv[0]);
    return 2;
  }
  CHECK(zip_holds(argv[2], {"MANIFEST.XML", "opora1c.so"}));

  void* library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  const auto get_class_names =
      reinterpret_cast<onec::GetClassNamesFn>(dlsym(library, "GetClassNames"));
  const auto get_class_object =
      reinterpret_cast<onec::GetClassObjectFn>(dlsym(library, "GetClassObject"));
  const auto destroy_object =
      reinterpret_cast<onec::DestroyObjectFn>(dlsym(library, "DestroyObject"));
  const auto set_capabilities =
      reinterpret_cast<onec::SetPlatformCapabilitiesFn>(dlsym(library, "SetPlatformCapabilities"));
  const auto get_attach_type =
      reinterpret_cast<onec::GetAttachTypeFn>(dlsym(library, "GetAttachType"));
  CHECK(get_class_names && get_class_object && destroy_object && set_capabilities &&
        get_attach_type);
  if (!(get_class_names && get_class_object && destroy_object && set_capabilities &&
        get_attach_type))
    return 1;
  // opora itself is linked in but not exported.
  CHECK(dlsym(library, "opora_db_open") == nullptr);

  // ------------------------------------------------------------ exports --
  const std::u16string names = get_class_names();
  CHECK(names == u"Opora");
  const onec::AppCapabilities level = set_capabilities(onec::eAppCapabilities3);
  CHECK(level >= onec::eAppCapabilities1 && level <= onec::eAppCapabilities3);
  const onec::AttachType attach = get_attach_type();
  CHECK(attach >= onec::eCanAttachNotIsolated && attach <= onec::eCanAttachAny);

  onec::IComponentBase* object = nullptr;
  CHECK(get_class_object(u"NoSuchClass", &object) == 0);
  CHECK(get_class_object(u"Opora", &object) != 0);
  CHECK(object != nullptr);
  if (object == nullptr) return 1;

  MemoryManager memory;
  Platform platform;
  CHECK(object->Init(&platform));
  CHECK(object->setMemManager(&memory));
  CHECK(object->GetInfo() == 2000);
  object->SetLocale(u"ru_RU");
  object->SetUserInterfaceLanguageCode(u"ru");
  Host host(object, memory);
  char16_t* extension = nullptr;
  CHECK(object->RegisterExtensionAs(&extension));
  CHECK(host.take_name(extension) == u"Opora");

  // ----------------------------------------------------------- metadata --
  CHECK(object->GetNMethods() == 4);
  CHECK(object->GetNProps() == 2);
  const long open = host.method(u"Open", u"Открыть", u"OPEN", u"оТКРЫТЬ");
  const long call = host.method(u"Call", u"Вызвать", u"call", u"ВЫЗВАТЬ");
  const long close = host.method(u"Close", u"Закрыть", u"cLoSe", u"закрыть");
  const long version = host.method(u"Version", u"Версия", u"VERSION", u"версия");
  const long last_error =
      host.property(u"LastError", u"ПоследняяОшибка", u"lasterror", u"ПОСЛЕДНЯЯОШИБКА");
  const long last_error_json = host.property(u"LastErrorJSON", u"ПоследняяОшибкаJSON",
                                             u"LastErrorJson", u"последняяошибкаjson");
  CHECK(object->FindMethod(u"Opena") == -1);
  CHECK(object->FindMethod(u"Открыт") == -1);
  CHECK(object->FindProp(u"Error") == -1);
  CHECK(object->GetMethodName(4, 0) == nullptr);
  CHECK(object->GetMethodName(open, 2) == nullptr);
  CHECK(object->GetNParams(open) == 2 && object->GetNParams(call) == 2);
  CHECK(object->GetNParams(close) == 0 && object->GetNParams(version) == 0);
  CHECK(object->HasRetVal(open) && object->HasRetVal(call) && object->HasRetVal(version));
  CHECK(!object->HasRetVal(close));
  onec::Variant default_value{};
  CHECK(!object->GetParamDefValue(open, 0, &default_value));  // path is required
  CHECK(!object->GetParamDefValue(call, 0, &default_value));  // so is the method
  CHECK(object->GetParamDefValue(call, 1, &default_value) && default_value.vt == onec::VTYPE_EMPTY);
  onec::Variant new_value{};
  new_value.vt = onec::VTYPE_PWSTR;
  CHECK(!object->SetPropVal(last_error, &new_value));  // read-only
  CHECK(host.get_property(last_error).empty());

  const std::size_t names_live = memory.live();
  CHECK(names_live == 0);

  // ------------------------------------------------- before Open, Open --
  Outcome out = host.call(call, {string_param(u"meta.version")});
  expect_failure(host, platform, out, last_error, last_error_json, u"call Open first",
                 "OPORA_ESTATE", OPORA_ESTATE);

  out = host.call(open, {string_param(u":memory:"), string_param(u"{\"bogus\": 1}")});
  expect_failure(host, platform, out, last_error, last_error_json, u"bogus", "OPORA_EINVAL",
                 OPORA_EINVAL);

  const std::size_t errors_before_open = platform.errors.size();
  out = host.call(open, {string_param(u":memory:"),
                         string_param(u"{\"clock\":\"manual\",\"now\":\"2026-11-23T09:00:00Z\"}")});
  CHECK(out.ok && out.vt == onec::VTYPE_BOOL && out.boolean);
  CHECK(platform.errors.size() == errors_before_open);
  CHECK(host.get_property(last_error).empty());  // a success clears it
  CHECK(field(parse(host.get_property(last_error_json)), "name") == "OPORA_OK");

  out = host.call(open, {string_param(u":memory:")});
  expect_failure(host, platform, out, last_error, last_error_json, u"already open", "OPORA_ESTATE",
                 OPORA_ESTATE);

  // ------------------------------------------------------------ Version --
  out = host.call(version, {});
  CHECK(out.ok && out.vt == onec::VTYPE_PWSTR);
  CHECK(out.text == to_utf16(OPORA_VERSION_STRING));

  // --------------------------------------------------------------- Call --
  out = host.call(call, {string_param(u"meta.version")});  // params left out
  CHECK(out.ok && out.vt == onec::VTYPE_PWSTR);
  CHECK(field(parse(out.text), "version") == OPORA_VERSION_STRING);
  out = host.call(call, {string_param(u"mEtA.VeRsIoN"), string_param(u"{}")});
  CHECK(!out.ok);  // opora's method names, unlike 1C's, are exact

  out = host.call(call, {string_param(u"clock.get"), string_param(u"{}")});
  CHECK(out.ok && contains(out.text, u"2026-11-23T09:00:00Z"));

  // An unknown method: false, no result, AddError, LastError naming it.
  const std::size_t errors_before_bad = platform.errors.size();
  out = host.call(call, {string_param(u"no.such.method"), string_param(u"{}")});
  CHECK(platform.errors.size() == errors_before_bad + 1);
  expect_failure(host, platform, out, last_error, last_error_json, u"no.such.method",
                 "OPORA_ENOMETHOD", OPORA_ENOMETHOD);

  out = host.call(call, {string_param(u"meta.version"), string_param(u"{")});
  expect_failure(host, platform, out, last_error, last_error_json, u"", "OPORA_EJSON", OPORA_EJSON);

  out = host.call(call, {int_param(42), string_param(u"{}")});
  expect_failure(host, platform, out, last_error, last_error_json,
                 u"Call: parameter 1 (method) must be a String", "OPORA_EINVAL", OPORA_EINVAL);

  std::u16string lone_surrogate = u"{\"x\": \"?\"}";
  lone_surrogate[7] = static_cast<char16_t>(0xD800);
  out = host.call(call, {string_param(u"meta.version"), string_param(lone_surrogate)});
  expect_failure(host, platform, out, last_error, last_error_json,
                 u"parameter 2 (params) is not valid UTF-16", "OPORA_EINVAL", OPORA_EINVAL);

  out = host.call(call, {string_param(std::u16string(u"meta.version\0x", 14))});
  expect_failure(host, platform, out, last_error, last_error_json, u"NUL", "OPORA_EINVAL",
                 OPORA_EINVAL);

  // A large result: the whole method catalogue (tens of KB), Cyrillic inside.
  out = host.call(call, {string_param(u"meta.methods"), string_param(u"{}")});
  CHECK(out.ok && out.vt == onec::VTYPE_PWSTR);
  CHECK(out.text.size() > 20000);
  std::printf("meta.methods: %zu UTF-16 units\n", out.text.size());
  CHECK(contains(out.text, u"лицевой счёт"));
  {
    const boost::json::value catalogue = parse(out.text);
    std::set<std::string> methods;
    if (catalogue.is_object() && catalogue.as_object().contains("methods") &&
        catalogue.at("methods").is_array())
      for (const boost::json::value& m : catalogue.at("methods").as_array())
        methods.insert(field(m, "name"));
    CHECK(methods.size() > 50);
    CHECK(methods.count("billing.check") == 1);
    CHECK(methods.count("meta.methods") == 1);
  }

  // A Cyrillic round trip, with a character outside the BMP (a surrogate
  // pair in UTF-16, four bytes in UTF-8): stored, read back identical.
  const std::u16string holder = u"Иванов Иван Иванович";
  const std::u16string address = u"г. Алматы, ул. Абая, 1 — «кв. 5» 😀";
  out = host.call(call, {string_param(u"billing.account.put"),
                         string_param(u"{\"number\": \"LS-0001\", \"holder\": {\"type\": "
                                      u"\"person\", \"name\": \"" +
                                      holder + u"\"}, \"address\": \"" + address + u"\"}")});
  CHECK(out.ok);
  if (!out.ok) std::fprintf(stderr, "  %s\n", to_utf8(host.get_property(last_error)).c_str());
  out = host.call(
      call, {string_param(u"billing.account.get"), string_param(u"{\"account\": \"LS-0001\"}")});
  CHECK(out.ok);
  if (!out.ok) std::fprintf(stderr, "  %s\n", to_utf8(host.get_property(last_error)).c_str());
  CHECK(contains(out.text, u"\"" + address + u"\""));  // raw UTF-16, no converter involved
  {
    const boost::json::value account = parse(out.text);
    CHECK(to_utf16(field(account, "address")) == address);
    const boost::json::value* h =
        account.is_object() ? account.as_object().if_contains("holder") : nullptr;
    CHECK(h != nullptr && to_utf16(field(*h, "name")) == holder);
  }

  // The README's example.
  out = host.call(call, {string_param(u"billing.check"),
                         string_param(u"{\"channel\": \"1c\", \"account\": \"LS-0001\"}")});
  CHECK(out.ok);
  if (!out.ok) std::fprintf(stderr, "  %s\n", to_utf8(host.get_property(last_error)).c_str());
  {
    const boost::json::value check = parse(out.text);
    CHECK(field(check, "account") == "LS-0001");
    CHECK(contains(to_utf16(field(check, "holder")), u"Иван"));
    CHECK(!field(check, "amount_due").empty());
  }
  out = host.call(call, {string_param(u"billing.check"),
                         string_param(u"{\"channel\": \"1c\", \"account\": \"LS-9999\"}")});
  expect_failure(host, platform, out, last_error, last_error_json, u"LS-9999", "OPORA_ENOTFOUND",
                 OPORA_ENOTFOUND);

  // What 1C's ЗаписатьJSON writes for a Структура: a Дата as midnight
  // date-time, Число as a JSON number (with a fraction when it has one),
  // Неопределено as null. Accepted as written (examples/onec/README.md).
  out = host.call(
      call, {string_param(u"registry.put"),
             string_param(u"{\n\"kind\": \"order\",\n\"date\": \"2026-01-15T00:00:00\",\n"
                          u"\"notes\": null,\n\"items\": [\n{\n\"name\": \"Монтаж\",\n"
                          u"\"quantity\": 2,\n\"price\": 499.99,\n\"vat_rate\": 22\n}\n]\n}")});
  CHECK(out.ok);
  if (!out.ok) std::fprintf(stderr, "  %s\n", to_utf8(host.get_property(last_error)).c_str());
  {
    const boost::json::value doc = parse(out.text);
    CHECK(field(doc, "date") == "2026-01-15");
    const boost::json::value* totals =
        doc.is_object() ? doc.as_object().if_contains("totals") : nullptr;
    CHECK(totals != nullptr && field(*totals, "gross") == "999.98");
  }
  out = host.call(call, {string_param(u"registry.find"),
                         string_param(u"{\"kind\": null, \"limit\": null, \"cursor\": null}")});
  CHECK(out.ok && contains(out.text, u"\"number\""));
  // A misspelt key is refused with the name it meant, never ignored.
  out = host.call(
      call, {string_param(u"registry.put"),
             string_param(u"{\"kind\": \"order\", \"date\": \"2026-01-15\", \"items\": "
                          u"[{\"name\": \"x\", \"qty\": 1, \"price\": 1, \"vat_rate\": 22}]}")});
  expect_failure(host, platform, out, last_error, last_error_json,
                 u"items[0].qty: is not a known field; did you mean \"quantity\"?", "OPORA_EINVAL",
                 OPORA_EINVAL);
  // A Дата with a time of day is not a date.
  out =
      host.call(call, {string_param(u"registry.put"),
                       string_param(u"{\"kind\": \"letter\", \"date\": \"2026-01-15T10:00:00\"}")});
  expect_failure(host, platform, out, last_error, last_error_json, u"a date has no time of day",
                 "OPORA_EINVAL", OPORA_EINVAL);
  // A sum computed in floating point is not an exact amount.
  out = host.call(call, {string_param(u"billing.pay"),
                         string_param(u"{\"channel\": \"1c\", \"txn_id\": \"9\", \"account\": "
                                      u"\"LS-0001\", \"amount\": 0.30000000000000004}")});
  expect_failure(host, platform, out, last_error, last_error_json, u"0.30000000000000004",
                 "OPORA_EINVAL", OPORA_EINVAL);

  // Called as a procedure (the value dropped in 1C script): nothing allocated.
  const std::size_t allocations = memory.allocations();
  out = host.call(call, {string_param(u"meta.methods")}, false);
  CHECK(out.ok && out.vt == onec::VTYPE_EMPTY);
  CHECK(memory.allocations() == allocations);

  // -------------------------------------------------------------- Close --
  out = host.call(close, {}, false);
  CHECK(out.ok);
  out = host.call(call, {string_param(u"meta.version")});
  expect_failure(host, platform, out, last_error, last_error_json, u"call Open first",
                 "OPORA_ESTATE", OPORA_ESTATE);
  out = host.call(open, {string_param(u":memory:")});  // reopens after Close
  CHECK(out.ok && out.boolean);
  out = host.call(close, {});  // as a function too, with no value
  CHECK(out.ok && out.vt == onec::VTYPE_EMPTY);

  object->Done();
  CHECK(destroy_object(&object) == 0);
  CHECK(object == nullptr);

  CHECK(memory.live() == 0);  // every block handed to the platform was its to free
  CHECK(platform.unexpected_calls == 0);
  CHECK(dlclose(library) == 0);

  std::printf("%d checks, %d failed; %zu errors reported through AddError\n", g_checks, g_failures,
              platform.errors.size());
  return g_failures == 0 ? 0 : 1;
}

// The 1C add-in (examples/onec) on the edges, driven like onec_host.cpp's mock
// platform: a missing memory manager, out of memory inside the add-in, a
// platform allocator that refuses, lifecycle misuse, odd UTF-16, long strings,
// threads. Run by ctest as `onec_edges` with the add-in's path.
//
// The executable exports its malloc() (ENABLE_EXPORTS, -rdynamic), so the
// add-in's statically linked operator new allocates through it and a test can
// make it fail.
#include <dlfcn.h>
#include <opora/opora.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "host_text.hpp"
#include "native_api.hpp"

// ---------------------------------------------------------- failing malloc --
extern "C" void* __libc_malloc(std::size_t);
namespace {
std::atomic<bool> g_fail_malloc{false};
}
extern "C" void* malloc(std::size_t size) {
  if (g_fail_malloc.load(std::memory_order_relaxed)) return nullptr;
  return __libc_malloc(size);
}

namespace {

int g_checks = 0;
int g_failures = 0;

#define CHECK(cond, what)                                                                \
  do {                                                                                   \
    ++g_checks;                                                                          \
    if (!(cond)) {                                                                       \
      ++g_failures;                                                                      \
      std::fprintf(stderr, "FAIL %s:%d: %s\n  [%s]\n", __FILE__, __LINE__, what, #cond); \
    }                                                                                    \
  } while (0)

using onec_test::to_utf8;

bool contains(std::u16string_view h, std::u16string_view n) {
  return h.find(n) != std::u16string_view::npos;
}

class MemoryManager final : public onec::IMemoryManager {
 public:
  bool AllocMemory(void** memory, unsigned long bytes) override {
    if (memory == nullptr || refuse) return false;
    *memory = __libc_malloc(bytes == 0 ? 1 : bytes);
    if (*memory == nullptr) return false;
    live_.insert(*memory);
    return true;
  }
  void FreeMemory(void** memory) override {
    if (memory == nullptr || *memory == nullptr) return;
    CHECK(live_.erase(*memory) == 1, "the platform frees only blocks it allocated");
    std::free(*memory);
    *memory = nullptr;
  }
  std::size_t live() const { return live_.size(); }
  bool refuse = false;

 private:
  std::set<void*> live_;
};

struct Reported {
  unsigned short code;
  std::u16string description;
  long scode;
};

class Platform final : public onec::IAddInDefBase {
 public:
  bool AddError(unsigned short code, const char16_t*, const char16_t* description,
                long scode) override {
    g_fail_malloc = false;  // the platform's own allocations must work
    errors.push_back({code, description != nullptr ? description : u"", scode});
    return true;
  }
  bool Read(char16_t*, onec::Variant*, long*, char16_t**) override { return false; }
  bool Write(char16_t*, onec::Variant*) override { return false; }
  bool RegisterProfileAs(char16_t*) override { return false; }
  bool SetEventBufferDepth(long) override { return false; }
  long GetEventBufferDepth() override { return 0; }
  bool ExternalEvent(char16_t*, char16_t*, char16_t*) override { return false; }
  void CleanEventBuffer() override {}
  bool SetStatusLine(char16_t*) override { return false; }
  void ResetStatusLine() override {}
  std::vector<Reported> errors;
};

onec::GetClassObjectFn g_get_object;
onec::DestroyObjectFn g_destroy;

struct Outcome {
  bool ok = false;
  onec::TypeVar vt = onec::VTYPE_EMPTY;
  bool boolean = false;
  std::u16string text;
};

// One add-in object with its platform, like one New("AddIn.Opora.Opora").
struct Addin {
  MemoryManager memory;
  Platform platform;
  onec::IComponentBase* object = nullptr;
  long open = -1, call = -1, close = -1, version = -1, last_error = -1, last_error_json = -1;

  Addin() {
    CHECK(g_get_object(u"Opora", &object) != 0, "GetClassObject");
    object->setMemManager(&memory);
    object->Init(&platform);
    open = object->FindMethod(u"Open");
    call = object->FindMethod(u"Call");
    close = object->FindMethod(u"Close");
    version = object->FindMethod(u"Version");
    last_error = object->FindProp(u"LastError");
    last_error_json = object->FindProp(u"LastErrorJSON");
  }
  ~Addin() { destroy(); }
  void destroy() {
    if (object == nullptr) return;
    object->Done();
    g_destroy(&object);
  }

  // Parameters as the platform passes them: always GetNParams of them, the
  // missing trailing ones from GetParamDefValue.
  Outcome run(long method, std::vector<std::u16string> args, bool as_function = true) {
    const long n = object->GetNParams(method);
    std::vector<onec::Variant> v(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (k < args.size()) {
        v[k].vt = onec::VTYPE_PWSTR;
        v[k].value.wstr.pointer = args[k].data();
        v[k].value.wstr.length = static_cast<std::uint32_t>(args[k].size());
      } else {
        object->GetParamDefValue(method, i, &v[k]);
      }
    }
    onec::Variant result{};
    Outcome out;
    out.ok = as_function ? object->CallAsFunc(method, &result, n ? v.data() : nullptr, n)
                         : object->CallAsProc(method, n ? v.data() : nullptr, n);
    out.vt = result.vt;
    if (result.vt == onec::VTYPE_BOOL) out.boolean = result.value.boolean;
    if (result.vt == onec::VTYPE_PWSTR) out.text = take(result);
    return out;
  }
  std::u16string take(onec::Variant& value) {
    std::u16string copy(value.value.wstr.pointer, value.value.wstr.length);
    void* block = value.value.wstr.pointer;
    memory.FreeMemory(&block);
    return copy;
  }
  std::u16string prop(long n) {
    onec::Variant value{};
    if (!object->GetPropVal(n, &value) || value.vt != onec::VTYPE_PWSTR) return u"<unreadable>";
    return take(value);
  }
};

void test_lifecycle() {
  Addin a;
  // Call before Open, Open twice, Close twice.
  Outcome out = a.run(a.call, {u"meta.version"});
  CHECK(!out.ok && contains(a.prop(a.last_error_json), u"OPORA_ESTATE"),
        "Call before Open: ESTATE");
  CHECK(a.run(a.open, {u":memory:"}).ok, "Open");
  out = a.run(a.open, {u":memory:"});
  CHECK(!out.ok && contains(a.prop(a.last_error_json), u"OPORA_ESTATE"), "Open twice: ESTATE");
  CHECK(a.run(a.call, {u"meta.version"}).ok, "the first handle survives a second Open");
  CHECK(a.run(a.close, {}, false).ok && a.run(a.close, {}, false).ok, "Close twice is harmless");
  CHECK(a.prop(a.last_error).empty(), "Close clears LastError");
  // Empty strings: Open("") is a private temporary database; Call("") fails cleanly.
  CHECK(a.run(a.open, {u""}).ok, "Open(\"\"): private temporary database");
  out = a.run(a.call, {u""});
  CHECK(!out.ok && !a.platform.errors.empty() && a.platform.errors.back().scode != 0,
        "Call(\"\") fails through AddError");
  CHECK(a.run(a.call, {u"meta.version", u""}).ok, "params \"\" mean {}");
  // Odd UTF-16: each lone surrogate refused, a proper pair accepted.
  const std::u16string bad[] = {std::u16string(1, char16_t(0xD800)),
                                std::u16string(1, char16_t(0xDFFF)),
                                std::u16string{char16_t(0xDC00), char16_t(0xD800)},
                                std::u16string(u"{\"a\":\"x") + char16_t(0xDBFF)};
  for (const std::u16string& s : bad) {
    out = a.run(a.call, {u"meta.version", s});
    CHECK(!out.ok && contains(a.prop(a.last_error), u"not valid UTF-16"), "lone surrogate refused");
  }
  out = a.run(a.call, {std::u16string(u"meta.version\0", 13)});
  CHECK(!out.ok && contains(a.prop(a.last_error), u"NUL"), "trailing NUL refused");
  a.destroy();
  CHECK(a.memory.live() == 0, "every platform block freed");
}

// A very long string both ways: a 3.5M-unit parameter (a custom field "pad";
// opora caps notes at 100000 characters) and notes of 3000 repetitions of
// Cyrillic with a surrogate pair, read back identical.
void test_long_strings() {
  Addin a;
  CHECK(a.run(a.open, {u":memory:"}).ok, "Open");
  std::u16string notes;
  for (int i = 0; i < 3000; ++i) notes += u"Длинная заметка😀";
  const std::u16string pad(3500000, u'ж');
  Outcome out = a.run(a.call, {u"registry.put",
                               u"{\"kind\": \"letter\", \"date\": \"2026-11-20\", "
                               u"\"custom\": {\"pad\": \"" +
                                   pad + u"\"}, \"notes\": \"" + notes + u"\"}"});
  CHECK(out.ok, "registry.put with a 3.5M-unit parameter");
  if (!out.ok)
    std::fprintf(stderr, "  LastError=%s\n", to_utf8(a.prop(a.last_error)).substr(0, 300).c_str());
  out = a.run(a.call, {u"registry.get", u"{\"document\": 1}"});
  CHECK(out.ok && contains(out.text, u"\"" + notes + u"\""), "long text read back identical");
}

// Destroying the object with a database still open closes it (no Done, no Close).
void test_destroy_open() {
  char dir[] = "/tmp/review_hosts_onecXXXXXX";
  if (mkdtemp(dir) == nullptr) return;
  const std::string file = std::string(dir) + "/d.db";
  {
    Addin a;
    std::u16string path(file.begin(), file.end());
    CHECK(a.run(a.open, {path, u"{\"synchronous\": \"normal\"}"}).ok, "Open file");
    CHECK(a.run(a.call, {u"registry.put", u"{\"kind\": \"letter\", \"date\": \"2026-11-20\"}"}).ok,
          "put");
    CHECK(access((file + "-wal").c_str(), F_OK) == 0, "WAL while open");
    g_destroy(&a.object);  // the platform may destroy without Done
    CHECK(a.object == nullptr, "DestroyObject nulls the pointer");
  }
  CHECK(access((file + "-wal").c_str(), F_OK) != 0, "DestroyObject closed the database");
  std::remove(file.c_str());
  rmdir(dir);
}

// BUG 1: out of memory inside the add-in. The failure is reported with
// scode OPORA_ENOMEM, and LastErrorJSON must say so too, not "OPORA_OK".
void test_oom_last_error_json() {
  Addin a;
  CHECK(a.run(a.open, {u":memory:"}).ok, "Open");
  std::u16string method = u"meta.version";
  onec::Variant params[2]{};
  params[0].vt = onec::VTYPE_PWSTR;
  params[0].value.wstr.pointer = method.data();
  params[0].value.wstr.length = static_cast<std::uint32_t>(method.size());
  onec::Variant result{};
  const std::size_t before = a.platform.errors.size();
  g_fail_malloc = true;
  const bool ok = a.object->CallAsFunc(a.call, &result, params, 2);
  g_fail_malloc = false;
  CHECK(!ok, "Call fails when memory runs out");
  CHECK(a.platform.errors.size() == before + 1 && a.platform.errors.back().scode == OPORA_ENOMEM,
        "AddError with scode OPORA_ENOMEM");
  const std::u16string message = a.prop(a.last_error);
  const std::u16string json = a.prop(a.last_error_json);
  CHECK(!message.empty(), "LastError set");
  CHECK(contains(json, u"OPORA_ENOMEM") && contains(json, u"-11"),
        "LastErrorJSON after an out-of-memory failure names OPORA_ENOMEM (it says OPORA_OK)");
  if (!contains(json, u"OPORA_ENOMEM"))
    std::fprintf(stderr, "  LastError=%s LastErrorJSON=%s\n", to_utf8(message).c_str(),
                 to_utf8(json).c_str());
}

// BUG 2: with no memory manager the add-in cannot return any result, yet
// Call runs (and commits) the method first and then reports "the memory
// manager refused N bytes". It must refuse before touching the database.
void test_null_memory_manager() {
  Addin a;
  CHECK(a.run(a.open, {u":memory:"}, false).ok, "Open");
  CHECK(!a.object->setMemManager(nullptr), "setMemManager(NULL) answers false");
  const Outcome out =
      a.run(a.call, {u"billing.account.put",
                     u"{\"number\": \"LS-NULLMM\", \"holder\": {\"type\": \"person\", "
                     u"\"name\": \"Иванов\"}}"});
  CHECK(!out.ok, "Call as a function without a memory manager fails");
  CHECK(!a.platform.errors.empty() && !contains(a.platform.errors.back().description, u"refused"),
        "the message does not claim a (missing) memory manager refused bytes");
  a.object->setMemManager(&a.memory);
  const Outcome get = a.run(a.call, {u"billing.account.get", u"{\"account\": \"LS-NULLMM\"}"});
  CHECK(!get.ok, "the failed Call had no side effect (the account was created anyway)");
}

// BUG 3: reading a property must not change LastError (nor raise AddError).
void test_property_read_keeps_last_error() {
  Addin a;
  a.run(a.call, {u"meta.version"});  // fails: not open
  const std::u16string first = a.prop(a.last_error);
  CHECK(contains(first, u"Open first"), "LastError after Call before Open");
  const std::size_t errors = a.platform.errors.size();
  a.memory.refuse = true;
  onec::Variant v{};
  CHECK(!a.object->GetPropVal(a.last_error, &v), "unreadable while the allocator refuses");
  a.memory.refuse = false;
  CHECK(a.prop(a.last_error) == first, "a failed property read leaves LastError as it was");
  CHECK(a.platform.errors.size() == errors, "a property read raises no AddError of its own");
}

// Two objects on two threads (separate sessions): each sees its own errors.
void test_threads() {
  std::atomic<int> wrong{0};
  auto worker = [&wrong](const char16_t* name) {
    Addin a;
    if (!a.run(a.open, {u":memory:"}).ok) ++wrong;
    for (int i = 0; i < 300; ++i) {
      a.run(a.call, {name, u"{}"});
      if (!contains(a.prop(a.last_error), name)) ++wrong;
      if (!a.run(a.call, {u"meta.version"}).ok || !a.prop(a.last_error).empty()) ++wrong;
    }
  };
  std::thread t1(worker, u"no.such.one");
  std::thread t2(worker, u"no.such.two");
  t1.join();
  t2.join();
  CHECK(wrong == 0, "per-object errors do not cross between threads");
}

void test_metadata() {
  Addin a;
  onec::IComponentBase* o = a.object;
  CHECK(o->FindMethod(u"ВЕРСИЯ") == a.version && o->FindMethod(u"версия") == a.version,
        "Cyrillic case folding");
  CHECK(o->FindProp(u"последняяОШИБКАjson") == a.last_error_json, "mixed-script folding");
  CHECK(o->FindMethod(u"Версия ") == -1 && o->FindMethod(u"") == -1 && o->FindMethod(nullptr) == -1,
        "no fuzzy matches");
  CHECK(o->GetNParams(a.open) == 2 && o->GetNParams(a.call) == 2 && o->GetNParams(a.close) == 0 &&
            o->GetNParams(a.version) == 0 && o->GetNParams(99) == 0,
        "GetNParams");
  onec::Variant d{};
  CHECK(!o->GetParamDefValue(a.open, 0, &d) && o->GetParamDefValue(a.open, 1, &d) &&
            d.vt == onec::VTYPE_EMPTY && !o->GetParamDefValue(a.open, 2, &d) &&
            !o->GetParamDefValue(a.close, 0, &d),
        "GetParamDefValue: only the optional trailing ones");
  CHECK(!o->IsPropWritable(a.last_error) && !o->IsPropWritable(a.last_error_json) &&
            o->IsPropReadable(a.last_error_json) && !o->IsPropReadable(2),
        "properties read-only");
  CHECK(!o->CallAsFunc(99, nullptr, nullptr, 0) && !o->CallAsProc(99, nullptr, 0),
        "bad method number refused");
  CHECK(!o->CallAsProc(a.call, nullptr, 2), "NULL params with count 2 refused");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <opora1c.so>\n", argv[0]);
    return 2;
  }
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "dlopen: %s\n", dlerror());
    return 2;
  }
  g_get_object = reinterpret_cast<onec::GetClassObjectFn>(dlsym(lib, "GetClassObject"));
  g_destroy = reinterpret_cast<onec::DestroyObjectFn>(dlsym(lib, "DestroyObject"));
  const auto caps =
      reinterpret_cast<onec::SetPlatformCapabilitiesFn>(dlsym(lib, "SetPlatformCapabilities"));
  if (!g_get_object || !g_destroy || !caps || !dlsym(lib, "GetClassNames") ||
      !dlsym(lib, "GetAttachType")) {
    std::fprintf(stderr, "missing exports\n");
    return 2;
  }
  CHECK(caps(onec::eAppCapabilities1) >= onec::eAppCapabilities1, "SetPlatformCapabilities");
  onec::IComponentBase* none = nullptr;
  CHECK(g_get_object(u"opora", &none) == 0 && g_get_object(nullptr, &none) == 0,
        "GetClassObject: exact class name only");
  CHECK(g_destroy(nullptr) != 0 && g_destroy(&none) != 0, "DestroyObject(NULL) refused");

  test_metadata();
  test_lifecycle();
  test_long_strings();
  test_destroy_open();
  test_threads();
  test_oom_last_error_json();
  test_null_memory_manager();
  test_property_read_keeps_last_error();

  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}

// The 1C:Enterprise Native API add-in interface, declared by us from its
// public description (kb.1ci.com, "Creating add-ins with Native API
// technology"; the tVariant/1C type mapping page), not from 1C's SDK headers.
//
// The platform calls an add-in object through C++ vtables, so what must match
// is binary: the order of the base classes of IComponentBase, the order and
// signatures of the virtual functions in each, the layout of tVariant, and the
// C exports. The names of parameters and of tVariant's members are ours (the
// SDK's anonymous structs do not compile under -Wpedantic); the layout is
// pinned by static_asserts below for the platforms we build.
//
// Used by the add-in (examples/onec) and by the mock platform that tests it
// (tests/onec).
#ifndef OPORA_ONEC_NATIVE_API_HPP
#define OPORA_ONEC_NATIVE_API_HPP

#include <cstddef>
#include <cstdint>
#include <ctime>

// Every interface function uses the platform's calling convention: stdcall on
// 32-bit Windows, the only place where it differs from the default.
#if defined(_WIN32)
#define ONEC_API __stdcall
#define ONEC_EXPORT extern "C" __declspec(dllexport)
#else
#define ONEC_API
#define ONEC_EXPORT extern "C" __attribute__((visibility("default")))
#endif

namespace onec {

// Strings are UTF-16 (WCHAR_T in 1C's documentation): 2-byte wchar_t on
// Windows and a 16-bit unsigned type elsewhere; char16_t has that layout on
// both. wchar_t must not be used on Linux, where it is 4 bytes.

// tVariant type tags (TYPEVAR). The numbering is the documented one; an add-in
// meets only a few of them: the platform passes 1C strings as PWSTR, numbers
// as I4 or R8, booleans as BOOL, Undefined as EMPTY, dates as TM or DATE and
// BinaryData as BLOB.
using TypeVar = std::uint16_t;
enum VariantType : TypeVar {
  VTYPE_EMPTY = 0,
  VTYPE_NULL = 1,
  VTYPE_I2 = 2,
  VTYPE_I4 = 3,
  VTYPE_R4 = 4,
  VTYPE_R8 = 5,
  VTYPE_DATE = 6,
  VTYPE_TM = 7,
  VTYPE_PSTR = 8,
  VTYPE_INTERFACE = 9,
  VTYPE_ERROR = 10,
  VTYPE_BOOL = 11,
  VTYPE_VARIANT = 12,
  VTYPE_I1 = 13,
  VTYPE_UI1 = 14,
  VTYPE_UI2 = 15,
  VTYPE_UI4 = 16,
  VTYPE_I8 = 17,
  VTYPE_UI8 = 18,
  VTYPE_INT = 19,
  VTYPE_UINT = 20,
  VTYPE_HRESULT = 21,
  VTYPE_PWSTR = 22,
  VTYPE_BLOB = 23,
  VTYPE_CLSID = 24
};

// A 16-byte interface id, as the INTERFACE member of the value union holds.
struct InterfaceId {
  std::uint32_t data1;
  std::uint16_t data2;
  std::uint16_t data3;
  std::uint8_t data4[8];
};

// tVariant: a value union, an element count and the type tag. The union's size
// is set by its largest members (struct tm; the interface pointer plus id), so
// they are declared even though opora never uses them: the platform passes
// parameters as an array of tVariant and the stride must be right.
struct Variant {
  union Value {
    std::int8_t i1;
    std::int16_t i2;
    std::int32_t i4;  // I4, I2, ERROR, UI1 as the documentation maps them
    std::int64_t i8;
    std::uint8_t ui1;
    std::uint16_t ui2;
    std::uint32_t ui4;
    std::uint64_t ui8;
    float r4;
    double r8;
    double date;  // DATE: days since 1899-12-30
    bool boolean;
    std::tm tm;  // TM
    Variant* variant;
    struct {
      void* pointer;
      InterfaceId id;
    } iface;
    struct {
      char* pointer;  // PSTR (8-bit text) and BLOB (bytes)
      std::uint32_t length;
    } str;
    struct {
      char16_t* pointer;     // PWSTR
      std::uint32_t length;  // in UTF-16 code units, not counting a terminating NUL
    } wstr;
  } value;
  std::uint32_t elements;  // cbElements: for one-dimensional arrays
  TypeVar vt;
};

#if defined(__linux__) && defined(__x86_64__)
// 56-byte struct tm (glibc, LP64) + count + tag, padded to 8.
static_assert(sizeof(std::tm) == 56, "glibc x86_64 struct tm");
static_assert(sizeof(Variant) == 64, "tVariant is 64 bytes on Linux x86_64");
static_assert(offsetof(Variant, elements) == 56 && offsetof(Variant, vt) == 60,
              "tVariant field offsets on Linux x86_64");
#endif

// Message codes for IAddInDefBase::AddError (ADDIN_E_*): 1000-1009 choose the
// icon or message box; ADDIN_E_FAIL is "error".
enum MessageCode : unsigned short {
  ADDIN_E_NONE = 1000,
  ADDIN_E_ORDINARY = 1001,
  ADDIN_E_ATTENTION = 1002,
  ADDIN_E_IMPORTANT = 1003,
  ADDIN_E_VERY_IMPORTANT = 1004,
  ADDIN_E_INFO = 1005,
  ADDIN_E_FAIL = 1006,
  ADDIN_E_MSGBOX_ATTENTION = 1007,
  ADDIN_E_MSGBOX_INFO = 1008,
  ADDIN_E_MSGBOX_FAIL = 1009
};

// The platform's allocator. Everything the platform frees (returned names,
// string and blob results) must come from AllocMemory.
class IMemoryManager {
 public:
  virtual ~IMemoryManager() = default;
  virtual bool ONEC_API AllocMemory(void** memory, unsigned long bytes) = 0;
  virtual void ONEC_API FreeMemory(void** memory) = 0;
};

// The platform as an add-in sees it (passed to IInitDoneBase::Init).
class IAddInDefBase {
 public:
  virtual ~IAddInDefBase() = default;
  // Reports an error or message; a non-zero scode makes 1C script raise an
  // exception with `description`.
  virtual bool ONEC_API AddError(unsigned short code, const char16_t* source,
                                 const char16_t* description, long scode) = 0;
  virtual bool ONEC_API Read(char16_t* property, Variant* value, long* error_code,
                             char16_t** error_description) = 0;
  virtual bool ONEC_API Write(char16_t* property, Variant* value) = 0;
  virtual bool ONEC_API RegisterProfileAs(char16_t* profile) = 0;
  virtual bool ONEC_API SetEventBufferDepth(long depth) = 0;
  virtual long ONEC_API GetEventBufferDepth() = 0;
  virtual bool ONEC_API ExternalEvent(char16_t* source, char16_t* message, char16_t* data) = 0;
  virtual void ONEC_API CleanEventBuffer() = 0;
  virtual bool ONEC_API SetStatusLine(char16_t* status_line) = 0;
  virtual void ONEC_API ResetStatusLine() = 0;
};

// The four interfaces an add-in object implements, in the documented order.
class IInitDoneBase {
 public:
  virtual ~IInitDoneBase() = default;
  virtual bool ONEC_API Init(void* platform) = 0;         // an IAddInDefBase*
  virtual bool ONEC_API setMemManager(void* memory) = 0;  // an IMemoryManager*
  virtual long ONEC_API GetInfo() = 0;                    // 2000 = version 2.0
  virtual void ONEC_API Done() = 0;
};

// Properties and methods as 1C script sees them. Numbers are 0-based indices;
// alias 0 is the English name and 1 the local (Russian) one.
class ILanguageExtenderBase {
 public:
  virtual ~ILanguageExtenderBase() = default;
  virtual bool ONEC_API RegisterExtensionAs(char16_t** extension_name) = 0;
  virtual long ONEC_API GetNProps() = 0;
  virtual long ONEC_API FindProp(const char16_t* name) = 0;
  virtual const char16_t* ONEC_API GetPropName(long number, long alias) = 0;
  virtual bool ONEC_API GetPropVal(long number, Variant* value) = 0;
  virtual bool ONEC_API SetPropVal(long number, Variant* value) = 0;
  virtual bool ONEC_API IsPropReadable(long number) = 0;
  virtual bool ONEC_API IsPropWritable(long number) = 0;
  virtual long ONEC_API GetNMethods() = 0;
  virtual long ONEC_API FindMethod(const char16_t* name) = 0;
  virtual const char16_t* ONEC_API GetMethodName(long number, long alias) = 0;
  virtual long ONEC_API GetNParams(long method) = 0;
  virtual bool ONEC_API GetParamDefValue(long method, long param, Variant* value) = 0;
  virtual bool ONEC_API HasRetVal(long method) = 0;
  virtual bool ONEC_API CallAsProc(long method, Variant* params, long count) = 0;
  virtual bool ONEC_API CallAsFunc(long method, Variant* result, Variant* params, long count) = 0;
};

class LocaleBase {
 public:
  virtual ~LocaleBase() = default;
  virtual void ONEC_API SetLocale(const char16_t* locale) = 0;
};

// Present in newer SDKs. Declaring it costs nothing with older platforms,
// while a newer platform would call through a missing vtable without it.
class UserLanguageBase {
 public:
  virtual ~UserLanguageBase() = default;
  virtual void ONEC_API SetUserInterfaceLanguageCode(const char16_t* language) = 0;
};

class IComponentBase : public IInitDoneBase,
                       public ILanguageExtenderBase,
                       public LocaleBase,
                       public UserLanguageBase {
 public:
  ~IComponentBase() override = default;
};

// What SetPlatformCapabilities exchanges and GetAttachType answers.
enum AppCapabilities : int {
  eAppCapabilitiesInvalid = -1,
  eAppCapabilities1 = 1,
  eAppCapabilities2 = 2,
  eAppCapabilities3 = 3
};
enum AttachType : int { eCanAttachNotIsolated = 1, eCanAttachIsolated = 2, eCanAttachAny = 3 };

// The exports the platform looks up by name (extern "C", unmangled):
//   const WCHAR_T* GetClassNames()          "Name1|Name2"
//   long GetClassObject(const WCHAR_T* name, IComponentBase** out)   non-zero on success
//   long DestroyObject(IComponentBase** object)                      0 on success
//   AppCapabilities SetPlatformCapabilities(AppCapabilities)
//   AttachType GetAttachType()                                       optional
using GetClassNamesFn = const char16_t* (*)();
using GetClassObjectFn = long (*)(const char16_t* name, IComponentBase** object);
using DestroyObjectFn = long (*)(IComponentBase** object);
using SetPlatformCapabilitiesFn = AppCapabilities (*)(AppCapabilities capabilities);
using GetAttachTypeFn = AttachType (*)();

}  // namespace onec

#endif  // OPORA_ONEC_NATIVE_API_HPP

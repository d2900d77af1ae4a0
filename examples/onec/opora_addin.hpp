// The add-in object 1C script creates with New("AddIn.Opora.Opora"): one
// opora database handle behind the Native API, with methods Open/Открыть,
// Call/Вызвать, Close/Закрыть, Version/Версия and the read-only properties
// LastError/ПоследняяОшибка and LastErrorJSON/ПоследняяОшибкаJSON.
//
// A client of the C ABI only (opora.h). Every call converts UTF-16 to UTF-8 on
// the way in and back on the way out; strings handed to the platform come from
// its memory manager. A failure is reported through IAddInDefBase::AddError
// with the opora status code as scode (so 1C script raises an exception with
// the message), recorded in LastError/LastErrorJSON, and the interface
// function returns false with an empty result.
#ifndef OPORA_ONEC_OPORA_ADDIN_HPP
#define OPORA_ONEC_OPORA_ADDIN_HPP

#include <opora/opora.h>

#include <string>
#include <string_view>

#include "native_api.hpp"

namespace opora_onec {

class OporaAddIn final : public onec::IComponentBase {
 public:
  // The class name GetClassNames announces and GetClassObject accepts.
  static constexpr char16_t kClassName[] = u"Opora";

  OporaAddIn();
  ~OporaAddIn() override;
  OporaAddIn(const OporaAddIn&) = delete;
  OporaAddIn& operator=(const OporaAddIn&) = delete;

  // IInitDoneBase
  bool ONEC_API Init(void* platform) override;
  bool ONEC_API setMemManager(void* memory) override;
  long ONEC_API GetInfo() override;
  void ONEC_API Done() override;

  // ILanguageExtenderBase
  bool ONEC_API RegisterExtensionAs(char16_t** extension_name) override;
  long ONEC_API GetNProps() override;
  long ONEC_API FindProp(const char16_t* name) override;
  const char16_t* ONEC_API GetPropName(long number, long alias) override;
  bool ONEC_API GetPropVal(long number, onec::Variant* value) override;
  bool ONEC_API SetPropVal(long number, onec::Variant* value) override;
  bool ONEC_API IsPropReadable(long number) override;
  bool ONEC_API IsPropWritable(long number) override;
  long ONEC_API GetNMethods() override;
  long ONEC_API FindMethod(const char16_t* name) override;
  const char16_t* ONEC_API GetMethodName(long number, long alias) override;
  long ONEC_API GetNParams(long method) override;
  bool ONEC_API GetParamDefValue(long method, long param, onec::Variant* value) override;
  bool ONEC_API HasRetVal(long method) override;
  bool ONEC_API CallAsProc(long method, onec::Variant* params, long count) override;
  bool ONEC_API CallAsFunc(long method, onec::Variant* result, onec::Variant* params,
                           long count) override;

  // LocaleBase, UserLanguageBase: opora's messages are English whatever the
  // locale, so both are accepted and ignored.
  void ONEC_API SetLocale(const char16_t* locale) override;
  void ONEC_API SetUserInterfaceLanguageCode(const char16_t* language) override;

 private:
  // A failure to report: opora's status code, message and error JSON.
  struct Failure {
    int code;
    std::string message;
    std::string error_json;
  };

  // Runs method `method` (an index into the method table); `result` is null
  // when called as a procedure. Returns false after reporting a failure.
  bool invoke(long method, onec::Variant* params, long count, onec::Variant* result);
  bool open(onec::Variant* params, onec::Variant* result);
  bool call(onec::Variant* params, onec::Variant* result);
  bool close();
  bool version(onec::Variant* result);

  // Reads parameter `index` of the current method as UTF-8 text; an EMPTY
  // optional parameter gives "". Fails unless it is a string of valid UTF-16
  // without NUL characters.
  bool string_param(const onec::Variant* params, long index, std::string& out);
  // Puts `text` into `result` as a PWSTR allocated by the platform; a null
  // `result` (a procedure call) is fine.
  bool return_string(onec::Variant* result, std::string_view utf8);
  // The text as the result through the platform's allocator; false (and nothing
  // recorded) if it refuses.
  bool put_string(onec::Variant* result, std::u16string_view text);
  // A NUL-terminated copy of `text` in platform memory, or null.
  char16_t* platform_string(std::u16string_view text);

  // Records the error of the opora call that just failed on this thread.
  bool fail_from_opora(int code);
  // Records an error the add-in itself detected.
  bool fail(int code, std::string message);
  bool report(Failure failure);
  // fail() for exception handlers: never throws, falls back to a fixed text.
  bool fail_quietly(int code, const char* message) noexcept;
  // Clears LastError after a successful method, as opora clears its own.
  void succeed();

  onec::IAddInDefBase* platform_ = nullptr;
  onec::IMemoryManager* memory_ = nullptr;
  // Set when a failure could not be recorded for want of memory: the properties
  // then read "out of memory" and its ENOMEM JSON.
  bool out_of_memory_ = false;
  opora_db* db_ = nullptr;
  long current_method_ = -1;  // for messages: which method a parameter belongs to
  std::string last_error_;
  std::string last_error_json_;
};

}  // namespace opora_onec

#endif  // OPORA_ONEC_OPORA_ADDIN_HPP

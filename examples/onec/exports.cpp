// The C functions the platform looks up by name after loading the library.
// Only these are exported (opora1c.map hides everything else, opora's own
// symbols included).
#include <new>
#include <string_view>

#include "native_api.hpp"
#include "opora_addin.hpp"

ONEC_EXPORT const char16_t* GetClassNames() {
  // One class; several would be separated by '|'.
  return opora_onec::OporaAddIn::kClassName;
}

// Returns 1 (not the pointer cast to long, which is 32 bits on Win64) when
// `name` is our class and the object was made, else 0.
ONEC_EXPORT long GetClassObject(const char16_t* name, onec::IComponentBase** object) {
  if (name == nullptr || object == nullptr) return 0;
  if (std::u16string_view(name) != opora_onec::OporaAddIn::kClassName) return 0;
  *object = new (std::nothrow) opora_onec::OporaAddIn();
  return *object != nullptr ? 1 : 0;
}

// Deletes an object made by GetClassObject, with the allocator that made it.
ONEC_EXPORT long DestroyObject(onec::IComponentBase** object) {
  if (object == nullptr || *object == nullptr) return -1;
  delete *object;
  *object = nullptr;
  return 0;
}

// The add-in uses none of the features the levels unlock (message boxes,
// platform information), so any level the platform offers will do; it answers
// with the highest one it knows, as the documentation asks.
ONEC_EXPORT onec::AppCapabilities SetPlatformCapabilities(onec::AppCapabilities) {
  return onec::eAppCapabilities3;
}

// Works both in the platform's process and isolated in its own.
ONEC_EXPORT onec::AttachType GetAttachType() {
  return onec::eCanAttachAny;
}

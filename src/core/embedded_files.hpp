// Data files compiled into the library (see cmake/EmbedFiles.cmake).
#pragma once

#include <cstddef>

namespace opora::detail {

struct EmbeddedFile {
  const char* name;  // path relative to the data folder, e.g. "ru/2025.json"
  const char* data;  // NUL-terminated content
  std::size_t size;  // bytes, without the terminating NUL
};

// The shipped production calendars (data/calendars); ends with a null entry.
extern const EmbeddedFile kEmbeddedCalendars[];
// The shipped workflow definitions (data/workflows); ends with a null entry.
extern const EmbeddedFile kEmbeddedWorkflows[];

}  // namespace opora::detail

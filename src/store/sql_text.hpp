// Reading SQL text as SQL: where quoted text and comments end, for the
// store's rewriting of statements (postgres.cpp's parameters, ddl.cpp's
// translation), which must leave both alone.
#pragma once

#include <cstddef>
#include <string_view>

namespace opora::store {

// Where the quoted text ('...' or "...", a doubled quote staying inside) or
// the comment (-- to the end of the line, /* ... */) that starts at `i`
// ends; `i` itself when none starts there.
inline size_t end_of_quoted(std::string_view sql, size_t i) noexcept {
  if (i >= sql.size()) return i;
  const char c = sql[i];
  const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
  if (c == '\'' || c == '"') {
    size_t j = i + 1;
    while (j < sql.size()) {
      if (sql[j] == c) {
        if (j + 1 < sql.size() && sql[j + 1] == c) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
    return sql.size();
  }
  if (c == '-' && next == '-') {
    const size_t end = sql.find('\n', i);
    return end == std::string_view::npos ? sql.size() : end;
  }
  if (c == '/' && next == '*') {
    const size_t end = sql.find("*/", i + 2);
    return end == std::string_view::npos ? sql.size() : end + 2;
  }
  return i;
}

}  // namespace opora::store

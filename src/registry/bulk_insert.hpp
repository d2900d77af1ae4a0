// Rows written many to a statement: the registry's journal (every write) and
// the lean path's document, ref, index-queue and journal rows
// (Registry::create_many). Plain multi-row INSERTs with bound parameters,
// SQL that PostgreSQL speaks as well.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace opora::registry::bulk {

// Rows per statement: fewer statements to run, each well under SQLite's
// limit of bound parameters (14 per document row, 10 per journal row).
constexpr size_t kRowsPerInsert = 32;

// "INSERT ... VALUES (row 0), (row 1), ...": `row(sql, r)` appends row r's
// parenthesised values.
template <typename RowText>
std::string multi_row(const char* insert, size_t rows, const char* tail, RowText row) {
  std::string sql = insert;
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? " " : ", ";
    row(sql, r);
  }
  sql += tail;
  return sql;
}

inline std::string param(size_t n) {
  return "?" + std::to_string(n);
}

inline void bind_optional(store::Statement& st, int index, const std::optional<std::string>& v) {
  if (v)
    st.bind_static(index, *v);
  else
    st.bind_null(index);
}

// Runs `bind(statement, row in statement, item)` over `items`,
// kRowsPerInsert to a statement (`many`) and the rest one by one (`one`);
// `shared(statement)` binds what every row of a statement shares.
template <typename T, typename Shared, typename Bind>
void insert_all(store::Connection& conn, const std::string& many, const std::string& one,
                const std::vector<T>& items, Shared shared, Bind bind) {
  size_t i = 0;
  while (i < items.size()) {
    const size_t rows = items.size() - i >= kRowsPerInsert ? kRowsPerInsert : 1;
    auto st = conn.cached(rows == 1 ? one : many);
    shared(*st);
    for (size_t r = 0; r < rows; ++r, ++i) bind(*st, r, items[i]);
    st->run();
  }
}

inline void nothing_shared(store::Statement&) {}

}  // namespace opora::registry::bulk

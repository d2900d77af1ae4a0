// copy_database and table_sum (store/copy.hpp): a generic walk over the
// tables a connection lists, reading and writing values by the class of their
// column, so that it neither knows a module's tables nor an engine's types.
#include "store/copy.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "store/store.hpp"

namespace opora::store {
namespace {

constexpr std::string_view kSchemaTable = "opora_schema";

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

// One value read from a row, as the column's class says.
struct CopyValue {
  Column::Type type = Column::Type::text;
  bool null = true;
  int64_t integer = 0;
  std::string bytes;  // text or blob
};

CopyValue read_value(const Statement& st, int index, Column::Type type) {
  CopyValue v;
  v.type = type;
  v.null = st.is_null(index);
  if (v.null) return v;
  if (type == Column::Type::integer)
    v.integer = st.int64(index);
  else if (type == Column::Type::blob)
    v.bytes = st.blob(index);
  else
    v.bytes = st.text(index);
  return v;
}

void encode_value(const CopyValue& v, std::string& out) {
  static const char* const digits = "0123456789abcdef";
  if (v.null) {
    out += 'N';
    return;
  }
  switch (v.type) {
    case Column::Type::integer:
      out += 'I' + std::to_string(v.integer) + ';';
      return;
    case Column::Type::text:
      out += 'T' + std::to_string(v.bytes.size()) + ':';
      out += v.bytes;
      return;
    case Column::Type::blob:
      out += 'B' + std::to_string(v.bytes.size()) + ':';
      for (const char c : v.bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15];
      }
      return;
  }
}

void bind_value(Statement& st, int index, const CopyValue& v) {
  if (v.null)
    st.bind_null(index);
  else if (v.type == Column::Type::integer)
    st.bind(index, v.integer);
  else if (v.type == Column::Type::blob)
    st.bind_blob(index, v.bytes);
  else
    st.bind(index, std::string_view(v.bytes));
}

// How a table is read for a copy and a checksum.
struct TableShape {
  std::vector<Column> columns;  // as the connection declares them
  std::vector<size_t> by_name;  // indexes into columns, names in byte order
  bool ordered = false;         // read in the order of an integer key
  std::string select;
};

TableShape shape_of(Connection& conn, const std::string& table) {
  TableShape s;
  s.columns = conn.columns(table);
  if (s.columns.empty())
    throw Error(ErrorCode::internal, "table " + table + " has no columns to read");
  for (size_t i = 0; i < s.columns.size(); ++i) s.by_name.push_back(i);
  std::sort(s.by_name.begin(), s.by_name.end(),
            [&s](size_t a, size_t b) { return s.columns[a].name < s.columns[b].name; });
  std::vector<const Column*> key;
  for (const Column& c : s.columns)
    if (c.key > 0) key.push_back(&c);
  std::sort(key.begin(), key.end(),
            [](const Column* a, const Column* b) { return a->key < b->key; });
  s.ordered = !key.empty() && std::all_of(key.begin(), key.end(), [](const Column* c) {
    return c->type == Column::Type::integer;
  });
  s.select = "SELECT ";
  for (size_t i = 0; i < s.columns.size(); ++i)
    s.select += (i == 0 ? "" : ", ") + quoted(s.columns[i].name);
  s.select += " FROM " + quoted(table);
  if (s.ordered) {
    s.select += " ORDER BY ";
    for (size_t i = 0; i < key.size(); ++i) s.select += (i == 0 ? "" : ", ") + quoted(key[i]->name);
  }
  return s;
}

// Feeds rows into the checksum: at once when they come in key order, else
// kept and sorted by their encodings at the end.
class RowHasher {
 public:
  explicit RowHasher(const TableShape& shape) : shape_(shape) {
    std::string header;
    for (size_t i = 0; i < shape.by_name.size(); ++i)
      header += (i == 0 ? "" : ",") + shape.columns[shape.by_name[i]].name;
    sha_.update(header + "\n");
  }

  void add(const std::vector<CopyValue>& row) {
    std::string line;
    for (const size_t i : shape_.by_name) encode_value(row[i], line);
    line += '\n';
    ++rows_;
    if (shape_.ordered)
      sha_.update(line);
    else
      kept_.push_back(std::move(line));
  }

  TableSum finish(const std::string& table) {
    std::sort(kept_.begin(), kept_.end());
    for (const auto& line : kept_) sha_.update(line);
    static const char* const digits = "0123456789abcdef";
    std::string hex;
    for (const uint8_t b : sha_.finish()) {
      hex += digits[b >> 4];
      hex += digits[b & 15];
    }
    return TableSum{table, rows_, hex};
  }

 private:
  const TableShape& shape_;
  Sha256 sha_;
  std::vector<std::string> kept_;
  int64_t rows_ = 0;
};

TableSum sum_of(Connection& conn, const std::string& table, const TableShape& shape) {
  RowHasher hasher(shape);
  auto st = conn.cached(shape.select);
  std::vector<CopyValue> row(shape.columns.size());
  while (st->step()) {
    for (size_t i = 0; i < shape.columns.size(); ++i)
      row[i] = read_value(*st, static_cast<int>(i), shape.columns[i].type);
    hasher.add(row);
  }
  return hasher.finish(table);
}

int64_t count_rows(Connection& conn, const std::string& table) {
  auto st = conn.cached("SELECT count(*) FROM " + quoted(table));
  st->step();
  return st->int64(0);
}

std::vector<std::string> data_tables(Connection& conn) {
  std::vector<std::string> names = conn.tables();
  names.erase(std::remove(names.begin(), names.end(), kSchemaTable), names.end());
  return names;
}

// The tables both sides hold, or an error naming what only one side has: the
// same library version makes the same tables on either engine.
std::vector<std::string> common_tables(Connection& from, Connection& to) {
  const std::vector<std::string> a = data_tables(from);
  const std::vector<std::string> b = data_tables(to);
  if (a == b) return a;
  std::vector<std::string> only_a;
  std::vector<std::string> only_b;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& n : v) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? std::string("none") : s;
  };
  throw Error(ErrorCode::internal, "the two databases hold different tables: only in the source: " +
                                       list(only_a) + "; only in the target: " + list(only_b));
}

// The columns of `table` on both sides must be the same, with the same class
// of value, or the copy could not be read back to the same sum.
void check_same_columns(const std::string& table, const TableShape& a, const TableShape& b) {
  std::map<std::string, Column::Type> theirs;
  for (const Column& c : b.columns) theirs.emplace(c.name, c.type);
  bool same = a.columns.size() == b.columns.size();
  for (const Column& c : a.columns) {
    const auto it = theirs.find(c.name);
    if (it == theirs.end() || it->second != c.type) same = false;
  }
  if (!same)
    throw Error(ErrorCode::internal,
                "table " + table + " has other columns in the target than in the source");
}

// Writes the rows `from` holds into the same table of `to`, several rows to
// an INSERT; returns the source's count and sum.
TableSum copy_table(Connection& from, Connection& to, const std::string& table,
                    const TableShape& shape) {
  const size_t width = shape.columns.size();
  const size_t per_insert = std::max<size_t>(1, std::min<size_t>(64, 900 / width));
  auto insert_sql = [&](size_t rows) {
    std::string sql = "INSERT INTO " + quoted(table) + " (";
    for (size_t i = 0; i < width; ++i) sql += (i == 0 ? "" : ", ") + quoted(shape.columns[i].name);
    sql += ") VALUES ";
    size_t n = 0;
    for (size_t r = 0; r < rows; ++r) {
      sql += r == 0 ? "(" : ", (";
      for (size_t i = 0; i < width; ++i) sql += (i == 0 ? "?" : ", ?") + std::to_string(++n);
      sql += ")";
    }
    return sql;
  };
  const std::string many = insert_sql(per_insert);
  const std::string one = insert_sql(1);
  std::vector<std::vector<CopyValue>> batch;
  // Rows [first, first + rows) of the batch as one INSERT.
  auto write = [&](size_t first, size_t rows) {
    auto ins = to.cached(rows == per_insert ? many : one);
    int index = 0;
    for (size_t r = first; r < first + rows; ++r)
      for (const CopyValue& v : batch[r]) bind_value(*ins, ++index, v);
    ins->run();
  };

  RowHasher hasher(shape);
  auto st = from.cached(shape.select);
  while (st->step()) {
    std::vector<CopyValue> row(width);
    for (size_t i = 0; i < width; ++i)
      row[i] = read_value(*st, static_cast<int>(i), shape.columns[i].type);
    hasher.add(row);
    batch.push_back(std::move(row));
    if (batch.size() == per_insert) {
      write(0, per_insert);
      batch.clear();
    }
  }
  for (size_t r = 0; r < batch.size(); ++r) write(r, 1);
  return hasher.finish(table);
}

}  // namespace

TableSum table_sum(Connection& conn, const std::string& table) {
  const TableShape shape = shape_of(conn, table);
  return sum_of(conn, table, shape);
}

std::vector<TableSum> copy_database(Connection& from, Connection& to,
                                    const std::vector<const SchemaModule*>& modules) {
  migrate(to, modules, false);
  for (const SchemaModule* m : modules) {
    const int a = schema_version(from, m->name);
    const int b = schema_version(to, m->name);
    if (a != b)
      throw Error(ErrorCode::state, "the source's " + std::string(m->name) + " schema is version " +
                                        std::to_string(a) + ", the target's " + std::to_string(b) +
                                        "; open both with the same library");
  }
  const std::vector<std::string> tables = common_tables(from, to);

  // Rows a new database starts with may stand; anything else means the
  // target holds data of its own, which a copy must not mix into.
  std::unique_ptr<Connection> fresh;
  std::vector<std::string> seeded;
  for (const std::string& table : tables) {
    const int64_t rows = count_rows(to, table);
    if (rows == 0) continue;
    if (!fresh) {
      fresh = open(":memory:", ConnectionOptions{});
      migrate(*fresh, modules, false);
    }
    const std::vector<std::string> fresh_tables = data_tables(*fresh);
    const bool known = std::binary_search(fresh_tables.begin(), fresh_tables.end(), table);
    if (!known || table_sum(to, table).sha256 != table_sum(*fresh, table).sha256) {
      const std::string msg = "the target database is not empty: table " + table + " holds " +
                              std::to_string(rows) + (rows == 1 ? " row" : " rows") +
                              "; copy into a new file or an empty PostgreSQL schema";
      throw Error(ErrorCode::state, msg, {FieldError{"target", "not_empty", msg}});
    }
    seeded.push_back(table);
  }

  Transaction tx(to);
  to.defer_foreign_keys();
  for (const std::string& table : seeded) to.exec("DELETE FROM " + quoted(table));
  std::vector<TableSum> sums;
  for (const std::string& table : tables) {
    const TableShape shape = shape_of(from, table);
    check_same_columns(table, shape, shape_of(to, table));
    sums.push_back(copy_table(from, to, table, shape));
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    // Read back through the target's own description of the table.
    const TableSum back = table_sum(to, tables[i]);
    if (back.rows != sums[i].rows || back.sha256 != sums[i].sha256)
      throw Error(ErrorCode::internal,
                  "table " + tables[i] + " read back differently from the target: " +
                      std::to_string(back.rows) + " rows, checksum " + back.sha256 +
                      "; the source: " + std::to_string(sums[i].rows) + " rows, checksum " +
                      sums[i].sha256);
  }
  tx.commit();
  return sums;
}

}  // namespace opora::store

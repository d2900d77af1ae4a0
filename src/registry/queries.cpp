// Reading the registry: one document, its journal, filtered lists with a
// cursor, the seeds' named questions, and full-text search.
#include <boost/json.hpp>
#include <vector>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"
#include "registry/registry.hpp"
#include "registry/rows.hpp"
#include "registry/storage.hpp"
#include "store/store.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace {

// A bound value: an integer or a text.
struct Bind {
  Bind(int64_t v) : is_int(true), n(v) {}   // NOLINT: implicit by design
  Bind(std::string v) : s(std::move(v)) {}  // NOLINT
  bool is_int = false;
  int64_t n = 0;
  std::string s;
};

// A query assembled from fixed fragments; every value is a bound parameter.
struct Query {
  std::string sql;
  std::vector<Bind> binds;

  std::string param(Bind v) {
    binds.push_back(std::move(v));
    return "?" + std::to_string(binds.size());
  }
  void bind_all(store::Statement& st) const {
    for (size_t i = 0; i < binds.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      if (binds[i].is_int)
        st.bind(index, binds[i].n);
      else
        st.bind(index, binds[i].s);
    }
  }
};

std::string str(const json::object& o, const char* key) {
  return std::string(o.at(key).as_string());
}

struct SortKey {
  const char* name;
  const char* column;
  bool numeric;
};

// Every sortable key ends with the id, so the order is total and a cursor
// (the last row's key and id) resumes exactly after it even while rows are
// being added.
constexpr SortKey kSortKeys[] = {
    {"date", "d.date", false},
    {"number", "d.number", false},
    {"gross", "coalesce(d.gross, -9223372036854775807)", true},
    {"id", "d.id", true},
    {"updated_at", "d.updated_at", false},
};

const SortKey& sort_key(const std::string& name) {
  for (const auto& k : kSortKeys)
    if (name == k.name) return k;
  fail_field(ErrorCode::invalid, "sort", "enum", "unknown sort key " + name);
}

json::value key_value(const json::object& doc, const SortKey& key) {
  const std::string name = key.name;
  if (name == "gross") {
    const auto* t = doc.if_contains("totals");
    if (t == nullptr || t->is_null()) return INT64_MIN + 1;
    const auto cur = Currency::find(doc.at("currency").as_string());
    return Money::parse(t->at("gross").as_string(), *cur)->minor_units();
  }
  return doc.at(name);
}

}  // namespace

json::object Registry::get(int64_t id, bool include_deleted) {
  json::object doc = load(id, "document", include_deleted);
  doc["files"] = files_of(id);
  doc["links"] = links_of(id);
  return doc;
}

json::object Registry::history(int64_t id) {
  load(id, "document");
  auto st = conn_.cached(
      "SELECT at, actor, action, field, old, new, reason, origin_node, origin_msg_no FROM "
      "document_journal WHERE doc_id = ?1 ORDER BY id");
  st->bind(1, id);
  json::array entries;
  const auto text = [&](int c) {
    return st->is_null(c) ? json::value(nullptr) : json::value(st->text(c));
  };
  while (st->step())
    entries.push_back(json::object{
        {"at", st->text(0)},
        {"actor", text(1)},
        {"action", st->text(2)},
        {"field", text(3)},
        {"old", text(4)},
        {"new", text(5)},
        {"reason", text(6)},
        {"origin_node", text(7)},
        {"origin_msg_no", st->is_null(8) ? json::value(nullptr) : json::value(st->int64(8))}});
  return {{"id", id}, {"entries", std::move(entries)}};
}

json::object Registry::find(const json::object& p, const Context& ctx) {
  (void)ctx;
  Query q;
  q.sql = std::string("SELECT ") + kDocumentColumns + " FROM document d";
  if (const auto* ref = present(p, "ref"))
    q.sql += " JOIN document_ref r ON r.doc_id = d.id AND r.ref = " +
             q.param(std::string(ref->as_string()));
  q.sql += " WHERE 1 = 1";
  if (!(present(p, "include_deleted") && p.at("include_deleted").as_bool()))
    q.sql += " AND d.deleted = 0";
  if (const auto* v = present(p, "kind"))
    q.sql += " AND d.kind = " + q.param(std::string(v->as_string()));
  if (const auto* v = present(p, "status"))
    q.sql += " AND d.status = " + q.param(std::string(v->as_string()));
  if (const auto* v = present(p, "counterparty_inn"))
    q.sql += " AND d.cp_tax_id = " + q.param(std::string(v->as_string()));
  if (const auto* v = present(p, "from"))
    q.sql += " AND d.date >= " + q.param(std::string(v->as_string()));
  if (const auto* v = present(p, "to"))
    q.sql += " AND d.date <= " + q.param(std::string(v->as_string()));
  if (const auto* v = present(p, "is_final"))
    q.sql += v->as_bool() ? " AND d.is_final = 1" : " AND d.is_final = 0";
  if (const auto* v = present(p, "valid_on")) {
    const std::string on = q.param(std::string(v->as_string()));
    q.sql += " AND (d.valid_from IS NULL OR d.valid_from <= " + on +
             ") AND (d.valid_to IS NULL OR d.valid_to >= " + on + ")";
  }
  if (present(p, "min_amount") || present(p, "max_amount")) {
    const std::string code = present(p, "currency") ? str(p, "currency") : "RUB";
    const auto cur = Currency::find(code);
    if (!cur)
      fail_field(ErrorCode::invalid, "currency", "currency",
                 "unknown ISO 4217 code \"" + code + "\"");
    q.sql += " AND d.currency = " + q.param(code);
    if (const auto* v = present(p, "min_amount"))
      q.sql += " AND d.gross >= " +
               q.param(Money::parse_field(v->as_string(), *cur, "min_amount").minor_units());
    if (const auto* v = present(p, "max_amount"))
      q.sql += " AND d.gross <= " +
               q.param(Money::parse_field(v->as_string(), *cur, "max_amount").minor_units());
  }
  if (const auto* v = present(p, "custom")) {
    for (const auto& [key, value] : v->as_object()) {
      const std::string field = "custom." + std::string(key);
      if (key.empty() || key.find_first_of("\"\\") != std::string::npos)
        fail_field(ErrorCode::invalid, field, "custom_key",
                   "a custom field name must be non-empty and contain no \" or \\");
      const std::string path = q.param(std::string("$.custom.\"") + std::string(key) + "\"");
      if (conn_.engine() == store::Engine::postgresql) {
        // The same comparisons over jsonb: a string with a string, an integer
        // with a number, a boolean with true/1 or false/0 (json_extract gives
        // SQLite 1 and 0 for them), null with null or a missing member.
        const std::string at = "(d.body::jsonb #> opora_json_path(" + path + "))";
        if (value.is_string())
          q.sql += " AND " + at + " = to_jsonb(CAST(" + q.param(std::string(value.get_string())) +
                   " AS TEXT))";
        else if (value.is_int64())
          q.sql += " AND " + at + " = to_jsonb(CAST(" + q.param(value.get_int64()) + " AS BIGINT))";
        else if (value.is_bool())
          q.sql += " AND " + at +
                   (value.get_bool() ? " IN ('true'::jsonb, '1'::jsonb)"
                                     : " IN ('false'::jsonb, '0'::jsonb)");
        else if (value.is_null())
          q.sql += " AND (" + at + " IS NULL OR " + at + " = 'null'::jsonb)";
        else
          fail_field(ErrorCode::invalid, field, "type",
                     "compare a custom field with a string, integer, boolean or null");
        continue;
      }
      if (value.is_string())
        q.sql +=
            " AND json_extract(d.body, " + path + ") = " + q.param(std::string(value.get_string()));
      else if (value.is_int64())
        q.sql += " AND json_extract(d.body, " + path + ") = " + q.param(value.get_int64());
      else if (value.is_bool())
        q.sql += " AND json_extract(d.body, " + path +
                 ") = " + q.param(int64_t{value.get_bool() ? 1 : 0});
      else if (value.is_null())
        q.sql += " AND json_extract(d.body, " + path + ") IS NULL";
      else
        fail_field(ErrorCode::invalid, field, "type",
                   "compare a custom field with a string, integer, boolean or null");
    }
  }

  std::string sort = present(p, "sort") ? str(p, "sort") : "date";
  const bool desc = !sort.empty() && sort[0] == '-';
  if (desc) sort.erase(0, 1);
  const SortKey& key = sort_key(sort);
  if (const auto* c = present(p, "after")) {
    // A cursor is opaque to hosts but comes back from them: check every part.
    const auto decoded = base64_decode(c->as_string());
    json::value cur;
    boost::system::error_code ec;
    if (decoded) cur = json::parse(*decoded, ec);
    const json::object* o = !decoded || ec ? nullptr : cur.if_object();
    const json::value* s_v = o ? o->if_contains("s") : nullptr;
    const json::value* v_v = o ? o->if_contains("v") : nullptr;
    const json::value* id_v = o ? o->if_contains("id") : nullptr;
    const bool ok = s_v != nullptr &&
                    *s_v == json::value(std::string(desc ? "-" : "") + key.name) &&
                    id_v != nullptr && id_v->is_int64() && v_v != nullptr &&
                    (key.numeric ? v_v->is_int64() : v_v->is_string());
    if (!ok)
      fail_field(ErrorCode::invalid, "after", "cursor",
                 "not a cursor of this query: pass next_cursor back as after with the same sort");
    const Bind v = key.numeric ? Bind(v_v->get_int64()) : Bind(std::string(v_v->get_string()));
    const std::string a = q.param(v), b2 = q.param(v), idp = q.param(id_v->get_int64());
    const char* op = desc ? "<" : ">";
    q.sql += std::string(" AND (") + key.column + " " + op + " " + a + " OR (" + key.column +
             " = " + b2 + " AND d.id " + op + " " + idp + "))";
  }
  const char* dir = desc ? " DESC" : "";
  const int64_t limit = present(p, "limit") ? p.at("limit").as_int64() : 100;
  q.sql += std::string(" ORDER BY ") + key.column + dir + ", d.id" + dir + " LIMIT " +
           q.param(limit + 1);

  auto st = conn_.cached(q.sql);
  q.bind_all(*st);
  json::array docs;
  json::value next = nullptr;
  while (st->step()) {
    if (static_cast<int64_t>(docs.size()) == limit) {
      const auto& lastdoc = docs.back().as_object();
      json::object c{{"s", std::string(desc ? "-" : "") + key.name},
                     {"v", key_value(lastdoc, key)},
                     {"id", lastdoc.at("id")}};
      next = base64_encode(json::serialize(c));
      break;
    }
    docs.push_back(document_from_row(*st));
  }
  return {{"documents", std::move(docs)}, {"next_cursor", std::move(next)}};
}

namespace {

// The first string after every one that starts with `prefix`, in byte order
// (code point order, for UTF-8): its last character's code point plus one,
// so valid UTF-8 stays valid (PostgreSQL refuses anything else); none when
// nothing sorts after (or for an empty prefix). Bytes that are not UTF-8
// are counted up as bytes.
std::optional<std::string> prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    size_t start = prefix.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(prefix[start]) & 0xC0) == 0x80) --start;
    const auto lead = static_cast<unsigned char>(prefix[start]);
    const size_t length = prefix.size() - start;
    const size_t expected = lead < 0x80    ? 1
                            : lead >= 0xF0 ? 4
                            : lead >= 0xE0 ? 3
                            : lead >= 0xC0 ? 2
                                           : 0;
    if (expected != length) {  // not UTF-8: the last byte plus one
      if (static_cast<unsigned char>(prefix.back()) == 0xFF) {
        prefix.pop_back();
        continue;
      }
      prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
      return prefix;
    }
    uint32_t cp = length == 1 ? lead : lead & (0xFFu >> (length + 1));
    for (size_t i = start + 1; i < prefix.size(); ++i)
      cp = (cp << 6) | (static_cast<unsigned char>(prefix[i]) & 0x3Fu);
    prefix.resize(start);
    ++cp;
    if (cp == 0xD800) cp = 0xE000;  // past the surrogates
    if (cp > 0x10FFFF) continue;    // nothing after the last character: drop it
    if (cp < 0x80) {
      prefix += static_cast<char>(cp);
    } else if (cp < 0x800) {
      prefix += static_cast<char>(0xC0 | (cp >> 6));
      prefix += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      prefix += static_cast<char>(0xE0 | (cp >> 12));
      prefix += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      prefix += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      prefix += static_cast<char>(0xF0 | (cp >> 18));
      prefix += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      prefix += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      prefix += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return prefix;
  }
  return std::nullopt;
}

}  // namespace

json::object Registry::missing(const json::object& p) {
  const std::string having = str(p, "having_kind");
  const std::string lacking = str(p, "lacking_kind");
  kind(having, "having_kind");
  kind(lacking, "lacking_kind");
  // Both sides read document_ref alone: its (kind, ref) index lists the
  // refs having a document of one kind, its primary key answers whether a
  // ref has one of the other.
  Query q;
  q.sql = "SELECT DISTINCT r.ref FROM document_ref r WHERE r.kind = " + q.param(having) +
          " AND r.live = 1";
  if (const auto* v = present(p, "ref_prefix")) {
    std::string prefix(v->as_string());
    q.sql += " AND r.ref >= " + q.param(prefix);
    // The first string after every one that starts with prefix.
    if (const auto end = prefix_end(prefix)) q.sql += " AND r.ref < " + q.param(*end);
  }
  if (const auto* v = present(p, "after"))
    q.sql += " AND r.ref > " + q.param(std::string(v->as_string()));
  q.sql += " AND NOT EXISTS (SELECT 1 FROM document_ref r2 WHERE r2.ref = r.ref AND r2.kind = " +
           q.param(lacking) + " AND r2.live = 1)";
  const int64_t limit = present(p, "limit") ? p.at("limit").as_int64() : 1000;
  q.sql += " ORDER BY r.ref LIMIT " + q.param(limit + 1);
  auto st = conn_.cached(q.sql);
  q.bind_all(*st);
  json::array refs;
  json::value after = nullptr;
  while (st->step()) {
    if (static_cast<int64_t>(refs.size()) == limit) {
      after = refs.back();
      break;
    }
    refs.push_back(json::value(st->text(0)));
  }
  return {{"refs", std::move(refs)}, {"next_after", std::move(after)}};
}

json::object Registry::expiring(const json::object& p, const Context& ctx) {
  const std::string kind_id = present(p, "kind") ? str(p, "kind") : "contract";
  kind(kind_id, "kind");
  const Date on =
      present(p, "date") ? Date::parse_field(p.at("date").as_string(), "date") : ctx.today;
  const int64_t within = p.at("within_days").as_int64();
  if (on.days_until(Date(Date::max_year, 12, 31)) < within)
    fail_field(ErrorCode::invalid, "within_days", "range", "the window would end after 2999-12-31");
  const Date until = on.add_days(within);
  Query q;
  q.sql = std::string("SELECT ") + kDocumentColumns +
          " FROM document d WHERE d.kind = " + q.param(kind_id) +
          " AND d.valid_to >= " + q.param(on.to_string()) +
          " AND d.valid_to <= " + q.param(until.to_string()) +
          " AND d.deleted = 0 AND d.is_final = 1";
  // A cancelled or terminated contract still has its dates: hosts name the
  // status that counts as in force.
  if (const auto* v = present(p, "status"))
    q.sql += " AND d.status = " + q.param(std::string(v->as_string()));
  q.sql += " ORDER BY d.valid_to, d.id LIMIT " +
           q.param(present(p, "limit") ? p.at("limit").as_int64() : 1000);
  auto st = conn_.cached(q.sql);
  q.bind_all(*st);
  json::array docs;
  while (st->step()) {
    json::object d = document_from_row(*st);
    d["days_left"] = on.days_until(*Date::parse(d.at("valid_to").as_string()));
    docs.push_back(std::move(d));
  }
  return {{"on", on.to_string()}, {"until", until.to_string()}, {"documents", std::move(docs)}};
}

json::object Registry::search(const json::object& p) {
  // Each word of the query must occur; a trailing * makes it a prefix.
  // Words are quoted so FTS5 (tsquery) operators in user text are just text.
  const bool pg = conn_.engine() == store::Engine::postgresql;
  std::string match;
  {
    const std::string text = search_text(str(p, "query"));
    size_t i = 0;
    while (i < text.size()) {
      // Spaces and control characters separate words.
      const auto separator = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
      while (i < text.size() && separator(text[i])) ++i;
      size_t j = i;
      while (j < text.size() && !separator(text[j])) ++j;
      std::string word = text.substr(i, j - i);
      i = j;
      const bool prefix = !word.empty() && word.back() == '*';
      if (prefix) word.pop_back();
      std::string clean;
      for (char c : word)
        if (c != '"') clean += c;
      if (clean.empty()) continue;
      if (pg) {
        // A tsquery lexeme in quotes ('' and \\ escaped), all words required.
        std::string lexeme;
        for (char c : clean) {
          if (c == '\'' || c == '\\') lexeme += c;
          lexeme += c;
        }
        match += (match.empty() ? "'" : " & '") + lexeme + (prefix ? "':*" : "'");
      } else {
        match += (match.empty() ? "\"" : " \"") + clean + (prefix ? "\"*" : "\"");
      }
    }
  }
  if (match.empty())
    fail_field(ErrorCode::invalid, "query", "empty", "give at least one word to search for");
  Query q;
  const std::string m = q.param(match);
  std::string kind_filter;
  if (const auto* v = present(p, "kind"))
    kind_filter = " AND d.kind = " + q.param(std::string(v->as_string()));
  const bool relevance = present(p, "sort") && str(p, "sort") == "relevance";
  const std::string limit = q.param(present(p, "limit") ? p.at("limit").as_int64() : 20);
  if (pg) {
    // PostgreSQL: document_fts holds a tsvector of the same texts in the
    // "russian" configuration (words match by their stems); ts_headline
    // marks the snippet, ts_rank orders by relevance. Documents still queued
    // (a read-only handle cannot index them) are matched from their stored
    // text directly.
    const std::string tsq = "to_tsquery('russian', " + m + ")";
    const std::string snippet =
        "ts_headline('russian', concat_ws(' ', f.number, f.counterparty, f.basis, f.items, "
        "f.notes), " +
        tsq + ", 'StartSel=[, StopSel=], MaxWords=10, MinWords=3, MaxFragments=1')";
    q.sql = std::string("SELECT ") + kDocumentColumns + ", " + snippet + ", ts_rank(f.tsv, " + tsq +
            "), d.id FROM document_fts f JOIN document d ON d.id = f.rowid WHERE f.tsv @@ " + tsq +
            " AND d.deleted = 0" + kind_filter;
    if (index_pending()) {
      const std::string text = "d.number || ' ' || d.body";
      q.sql += " AND d.id NOT IN (SELECT doc_id FROM document_index_queue) UNION ALL SELECT " +
               std::string(kDocumentColumns) + ", ts_headline('russian', " + text + ", " + tsq +
               ", 'StartSel=[, StopSel=], MaxWords=10, MinWords=3, MaxFragments=1'), " +
               "ts_rank(to_tsvector('russian', " + text + "), " + tsq +
               "), d.id FROM document_index_queue iq JOIN document d ON d.id = iq.doc_id WHERE "
               "to_tsvector('russian', " +
               text + ") @@ " + tsq + " AND d.deleted = 0" + kind_filter;
    }
    const std::string rank = std::to_string(kDocumentColumnCount + 2);
    const std::string id = std::to_string(kDocumentColumnCount + 3);
    q.sql +=
        relevance ? " ORDER BY " + rank + " DESC, " + id + " DESC" : " ORDER BY " + id + " DESC";
    q.sql += " LIMIT " + limit;
  } else
    // The engine indexed the queue before this read began (catch_up_index);
    // what is still queued here — on a read-only handle, which cannot write
    // the index — is matched through a per-connection index of just those
    // documents, so a search never misses a committed document. (Relevance
    // there ranks by each index's own bm25: close to, not exactly, one index's.)
    if (index_pending()) {
      index_pending_documents();
      const auto part = [&](const char* table, const char* queued) {
        return std::string("SELECT ") + kDocumentColumns + ", snippet(" + table +
               ", -1, '[', ']', '…', 10), bm25(" + table + "), d.id FROM " + table +
               " JOIN document d ON d.id = " + table + ".rowid WHERE " + table + " MATCH " + m +
               " AND d.deleted = 0" + kind_filter + queued;
      };
      q.sql = "SELECT * FROM (" +
              part("document_fts", " AND d.id NOT IN (SELECT doc_id FROM document_index_queue)") +
              " UNION ALL " + part("document_fts_queued", "") + ")" +
              (relevance ? " ORDER BY 13, 14 DESC" : " ORDER BY 14 DESC") + " LIMIT " + limit;
    } else {
      q.sql = std::string("SELECT ") + kDocumentColumns +
              ", snippet(document_fts, -1, '[', ']', '…', 10) FROM document_fts JOIN document d ON "
              "d.id = document_fts.rowid WHERE document_fts MATCH " +
              m + " AND d.deleted = 0" + kind_filter;
      // Newest first reads matches in rowid order and stops at the limit, so a
      // common word costs no more than a rare one; relevance ranks every match.
      q.sql += relevance ? " ORDER BY bm25(document_fts), d.id DESC"
                         : " ORDER BY document_fts.rowid DESC";
      q.sql += " LIMIT " + limit;
    }
  auto st = conn_.cached(q.sql);
  q.bind_all(*st);
  json::array docs;
  while (st->step()) {
    json::object d = document_from_row(*st);
    d["snippet"] = st->text(kDocumentColumnCount);
    docs.push_back(std::move(d));
  }
  return {{"documents", std::move(docs)}};
}

}  // namespace opora::registry

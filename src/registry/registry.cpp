#include "registry/registry.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "registry/bulk_insert.hpp"
#include "registry/rows.hpp"
#include "store/store.hpp"

namespace opora::registry {
namespace json = boost::json;

json::object document_from_row(const store::Statement& st, int c) {
  json::object body = parse_stored(st.text(c)).as_object();
  json::object doc;
  doc.reserve(body.size() + 10);
  // The order of to_json(): id and the global uid first, then the document
  // as written.
  doc["id"] = st.int64(c + 1);
  doc["uid"] = st.text(c + 10);
  for (auto& kv : body) {
    const std::string_view key = kv.key();
    if (key == "supersedes") {
      doc["status"] = st.text(c + 3);
      doc["is_final"] = st.int64(c + 4) != 0;
    }
    doc[key] = std::move(kv.value());
    if (key == "kind") doc["number"] = st.text(c + 2);
    if (key == "supersedes")
      doc["superseded_by"] =
          st.is_null(c + 5) ? json::value(nullptr) : json::value(st.int64(c + 5));
  }
  doc["deleted"] = st.int64(c + 6) != 0;
  doc["version"] = st.int64(c + 7);
  doc["created_at"] = st.text(c + 8);
  doc["updated_at"] = st.text(c + 9);
  return doc;
}

void Registry::refresh_kinds() {
  const int64_t version = conn_.data_version();
  if (version == seen_data_version_ && conn_.rollbacks() == seen_rollbacks_) return;
  seen_data_version_ = version;
  seen_rollbacks_ = conn_.rollbacks();
  custom_kinds_.clear();
  auto st = conn_.cached("SELECT definition FROM registry_kind");
  while (st->step()) {
    Kind k = Kind::from_json(parse_stored(st->text(0)).as_object(), "");
    custom_kinds_.emplace(k.id, std::move(k));
  }
}

const Kind& Registry::kind(const std::string& id, const std::string& field) {
  for (const auto& k : builtin_kinds())
    if (k.id == id) return k;
  refresh_kinds();
  if (auto it = custom_kinds_.find(id); it != custom_kinds_.end()) return it->second;
  std::string known;
  for (const auto& k : builtin_kinds()) known += (known.empty() ? "" : ", ") + k.id;
  for (const auto& [k, v] : custom_kinds_) known += ", " + k;
  fail_field(
      ErrorCode::validation, field, "unknown_kind",
      "unknown kind \"" + id + "\" (known: " + known + "); define it with registry.kind.define");
}

json::object Registry::define_kind(const json::object& definition, const Context& ctx) {
  Kind k;
  try {
    k = Kind::from_json(definition, "kind");
  } catch (const Error& e) {
    throw Error(ErrorCode::validation, e.what(), e.field_errors());
  }
  for (const auto& b : builtin_kinds())
    if (b.id == k.id)
      fail_field(ErrorCode::conflict, "kind.id", "builtin_kind",
                 "\"" + k.id + "\" is a built-in kind and cannot be redefined; choose another id");
  // A redefinition must keep every status its documents are in.
  {
    auto st = conn_.cached("SELECT DISTINCT status FROM document WHERE kind = ?1");
    st->bind(1, k.id);
    FieldErrors errors;
    while (st->step())
      if (!k.has_status(st->text(0)))
        errors.add("kind.statuses", "status_in_use",
                   "documents of kind \"" + k.id + "\" are in status \"" + st->text(0) +
                       "\", which the new definition drops");
    // Changing how numbers are made would put new numbers in another
    // sequence than the ones already issued: refused once documents exist.
    refresh_kinds();
    if (auto it = custom_kinds_.find(k.id);
        it != custom_kinds_.end() &&
        (it->second.number_pattern != k.number_pattern ||
         it->second.number_per_organization != k.number_per_organization)) {
      auto n = conn_.cached("SELECT count(*) FROM document WHERE kind = ?1");
      n->bind(1, k.id);
      n->step();
      if (n->int64(0) > 0)
        errors.add("kind.number_pattern", "numbering_in_use",
                   std::to_string(n->int64(0)) + " documents of kind \"" + k.id +
                       "\" are numbered by the current pattern; numbering cannot change");
    }
    if (!k.has_items) {
      auto items = conn_.cached(
          "SELECT count(*) FROM document WHERE kind = ?1 AND json_array_length(body, '$.items') > "
          "0");
      items->bind(1, k.id);
      items->step();
      if (items->int64(0) > 0)
        errors.add("kind.has_items", "items_in_use",
                   std::to_string(items->int64(0)) + " documents of kind \"" + k.id +
                       "\" have line items; has_items must stay true");
    }
    errors.throw_if_any(ErrorCode::validation);
  }
  auto st = conn_.cached(
      "INSERT INTO registry_kind (kind, definition, defined_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (kind) DO UPDATE SET definition = excluded.definition, "
      "defined_at = excluded.defined_at");
  st->bind(1, k.id).bind(2, json::serialize(k.to_json())).bind(3, ctx.now.to_string()).run();
  refresh_kinds();
  custom_kinds_[k.id] = k;  // dropped again by refresh_kinds() if this write rolls back
  return k.to_json();
}

json::object Registry::list_kinds() {
  refresh_kinds();
  json::array out;
  for (const auto& k : builtin_kinds()) out.push_back(k.to_json());
  for (const auto& [id, k] : custom_kinds_) out.push_back(k.to_json());
  return {{"kinds", std::move(out)}};
}

Registry::JournalEntry Registry::journal_entry(int64_t doc_id, const Context& ctx, std::string at,
                                               const char* action, const char* field,
                                               std::optional<std::string> old_value,
                                               std::optional<std::string> new_value) {
  // What the exchange must hear of; files and links do not travel with a
  // document's body.
  const std::string_view a(action);
  if (a != "file_attached" && a != "link_added" && a != "link_removed") changed_.insert(doc_id);
  JournalEntry e;
  e.doc_id = doc_id;
  e.at = std::move(at);
  e.action = action;
  e.actor = ctx.actor;
  if (field != nullptr) e.field = field;
  e.old_value = std::move(old_value);
  e.new_value = std::move(new_value);
  e.reason = ctx.reason;
  e.origin_node = ctx.origin_node;
  e.origin_msg_no = ctx.origin_msg_no;
  return e;
}

void Registry::journal(int64_t doc_id, const Context& ctx, const char* action, const char* field,
                       const std::optional<std::string>& old_value,
                       const std::optional<std::string>& new_value) {
  write_journal(
      {journal_entry(doc_id, ctx, ctx.now.to_string(), action, field, old_value, new_value)});
}

namespace {

std::string journal_insert_sql(size_t rows) {
  return bulk::multi_row(
      "INSERT INTO document_journal (doc_id, at, actor, action, field, old, new, reason, "
      "origin_node, origin_msg_no) VALUES",
      rows, "", [](std::string& sql, size_t r) {
        sql += "(";
        for (size_t c = 1; c <= 10; ++c) sql += (c == 1 ? "" : ", ") + bulk::param(r * 10 + c);
        sql += ")";
      });
}

}  // namespace

void Registry::write_journal(const std::vector<JournalEntry>& entries) {
  static const std::string one = journal_insert_sql(1);
  static const std::string many = journal_insert_sql(bulk::kRowsPerInsert);
  bulk::insert_all(conn_, many, one, entries, bulk::nothing_shared,
                   [](store::Statement& st, size_t r, const JournalEntry& e) {
                     const int base = static_cast<int>(r * 10);
                     st.bind(base + 1, e.doc_id).bind_static(base + 2, e.at);
                     bulk::bind_optional(st, base + 3, e.actor);
                     st.bind_static(base + 4, e.action);
                     bulk::bind_optional(st, base + 5, e.field);
                     bulk::bind_optional(st, base + 6, e.old_value);
                     bulk::bind_optional(st, base + 7, e.new_value);
                     bulk::bind_optional(st, base + 8, e.reason);
                     bulk::bind_optional(st, base + 9, e.origin_node);
                     if (e.origin_msg_no)
                       st.bind(base + 10, *e.origin_msg_no);
                     else
                       st.bind_null(base + 10);
                   });
}

json::object Registry::load(int64_t id, const std::string& field, bool include_deleted) {
  static const std::string sql =
      std::string("SELECT ") + kDocumentColumns + " FROM document d WHERE d.id = ?1";
  auto st = conn_.cached(sql);
  st->bind(1, id);
  if (!st->step() || (!include_deleted && st->int64(6) != 0))
    fail_field(ErrorCode::not_found, field, "not_found",
               "no document with id " + std::to_string(id) +
                   (include_deleted ? "" : " (deleted documents need include_deleted)"));
  return document_from_row(*st);
}

}  // namespace opora::registry

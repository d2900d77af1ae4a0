// What the exchange needs of the registry: documents by their global uid,
// in the form that travels between files, and a report of every changed
// document in the transaction that changed it.
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/object_changes.hpp"
#include "registry/registry.hpp"
#include "registry/rows.hpp"
#include "store/sqlite.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace {

// Members of a stored document that are this file's own: local ids and
// references by local id, timestamps, the local version, files and links.
constexpr const char* kLocalMembers[] = {"id",       "version", "created_at",    "updated_at",
                                         "files",    "links",   "superseded_by", "supersedes",
                                         "basis_id", "deleted", "days_left",     "snippet"};

}  // namespace

std::optional<int64_t> Registry::find_uid(std::string_view uid) {
  auto st = conn_.cached("SELECT id FROM document WHERE uid = ?1");
  st->bind(1, std::string(uid));
  if (!st->step()) return std::nullopt;
  return st->int64(0);
}

json::object Registry::exchange_body(const json::object& document) {
  json::object body = document;
  for (const char* m : kLocalMembers) body.erase(m);
  return body;
}

void Registry::flush_changes() {
  if (changed_.empty()) return;
  std::set<int64_t> ids;
  ids.swap(changed_);
  if (listener_ == nullptr) return;
  auto kind_of = conn_.cached("SELECT kind, uid, deleted FROM document WHERE id = ?1");
  for (const int64_t id : ids) {
    kind_of->bind(1, id);
    if (!kind_of->step()) {  // written in a savepoint that rolled back
      kind_of->reset();
      continue;
    }
    const std::string kind = kind_of->text(0);
    const std::string uid = kind_of->text(1);
    const bool deleted = kind_of->int64(2) != 0;
    kind_of->reset();
    if (!listener_->wants("document", kind)) continue;
    if (deleted) {
      listener_->object_changed({"document", uid, nullptr});
      continue;
    }
    const json::object body = exchange_body(load(id, "document"));
    listener_->object_changed({"document", uid, &body});
  }
}

json::object Registry::put_exchanged(std::string_view uid, const json::object& body,
                                     const Context& ctx) {
  json::object patch;
  for (const auto& kv : body) {
    bool local = false;
    for (const char* m : kLocalMembers) local = local || kv.key() == m;
    if (!local) patch[kv.key()] = kv.value();
  }
  patch["uid"] = std::string(uid);
  if (const auto id = find_uid(uid)) {
    patch["id"] = *id;
    patch.erase("kind");
    if (load(*id, "uid").at("deleted").as_bool()) restore(*id, ctx);
    // Fields the sender does not hold are cleared, as a whole document
    // replaces the one before.
    for (const char* f : writable_fields())
      if (!patch.contains(f) && std::string_view(f) != "kind" &&
          std::string_view(f) != "supersedes" && std::string_view(f) != "basis_id" &&
          std::string_view(f) != "number")
        patch[f] = nullptr;
  }
  return put(patch, ctx);
}

std::vector<json::object> Registry::documents_after(const std::vector<std::string>& kinds,
                                                    std::string_view after, int64_t limit) {
  std::string sql = std::string("SELECT ") + kDocumentColumns +
                    " FROM document d WHERE d.uid > ?1 AND d.deleted = 0";
  if (!kinds.empty()) {
    // "+d.kind": the uid index serves the order; the kind index would sort
    // every document of the kind for each page.
    sql += " AND +d.kind IN (";
    for (size_t i = 0; i < kinds.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 3);
    sql += ")";
  }
  sql += " ORDER BY d.uid LIMIT ?2";
  auto st = conn_.cached(sql);
  st->bind(1, std::string(after)).bind(2, limit);
  for (size_t i = 0; i < kinds.size(); ++i) st->bind(static_cast<int>(i + 3), kinds[i]);
  std::vector<json::object> out;
  while (st->step()) out.push_back(exchange_body(document_from_row(*st)));
  return out;
}

}  // namespace opora::registry

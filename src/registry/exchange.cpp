// What the exchange needs of the registry: documents by their global uid,
// in the form that travels between files, and a report of every changed
// document in the transaction that changed it.
#include <boost/json.hpp>
#include <map>
#include <set>
#include <vector>

#include "core/error.hpp"
#include "core/object_changes.hpp"
#include "registry/registry.hpp"
#include "registry/rows.hpp"
#include "store/store.hpp"

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
  // Kind, uid and state of each changed document: a run of ids (a bulk
  // write's, say) read in one pass, scattered ids one by one.
  struct Changed {
    int64_t id;
    std::string kind, uid;
    bool deleted;
  };
  std::vector<Changed> changed;
  changed.reserve(ids.size());
  const int64_t first = *ids.begin();
  const int64_t last = *ids.rbegin();
  if (static_cast<uint64_t>(last - first) < 2 * static_cast<uint64_t>(ids.size())) {
    auto st =
        conn_.cached("SELECT id, kind, uid, deleted FROM document WHERE id BETWEEN ?1 AND ?2");
    st->bind(1, first).bind(2, last);
    while (st->step())
      if (ids.count(st->int64(0)) != 0)
        changed.push_back({st->int64(0), st->text(1), st->text(2), st->int64(3) != 0});
  } else {
    auto st = conn_.cached("SELECT id, kind, uid, deleted FROM document WHERE id = ?1");
    for (const int64_t id : ids) {
      st->bind(1, id);
      // No row: written in a savepoint that rolled back.
      if (st->step()) changed.push_back({id, st->text(1), st->text(2), st->int64(3) != 0});
      st->reset();
    }
  }
  std::map<std::string, bool> wanted;  // by kind, asked once per flush
  for (const Changed& c : changed) {
    auto w = wanted.find(c.kind);
    if (w == wanted.end()) w = wanted.emplace(c.kind, listener_->wants("document", c.kind)).first;
    if (!w->second) continue;
    if (c.deleted) {
      listener_->object_changed({"document", c.uid, nullptr});
      continue;
    }
    const json::object body = exchange_body(load(c.id, "document"));
    listener_->object_changed({"document", c.uid, &body});
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

// The full-text index kept off the write path: writes queue document ids
// (document_index_queue, in their own transaction); a flush indexes what is
// queued, and registry.search flushes before it reads, so a search sees
// every document committed before it began.
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "registry/registry.hpp"
#include "registry/storage.hpp"
#include "store/store.hpp"

namespace opora::registry {
namespace json = boost::json;

namespace search_detail {

std::string member_text(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// What FTS5 indexes of a stored document besides its number, read from its
// body: the counterparty's name and tax id, the basis text, the item names
// (with their codes) one per line, the notes.
struct IndexText {
  std::string counterparty, basis, items, notes;
};

IndexText index_text(std::string_view body) {
  const json::value parsed = parse_stored(body);
  const json::object& o = parsed.as_object();
  IndexText t;
  if (const auto* cp = o.if_contains("counterparty"); cp != nullptr && cp->is_object()) {
    const json::object& p = cp->get_object();
    std::string tax_id;
    for (const char* key : {"inn", "bin", "iin"})
      if (const auto* v = p.if_contains(key); v != nullptr && v->is_string())
        tax_id = std::string(v->get_string());
    t.counterparty = member_text(p, "name") + " " + tax_id;
  }
  t.basis = member_text(o, "basis_text");
  if (const auto* items = o.if_contains("items"); items != nullptr && items->is_array())
    for (const auto& item : items->get_array()) {
      if (!item.is_object()) continue;
      if (!t.items.empty()) t.items += "\n";
      t.items += member_text(item.get_object(), "name");
      const std::string code = member_text(item.get_object(), "code");
      if (!code.empty()) t.items += " " + code;
    }
  t.notes = member_text(o, "notes");
  return t;
}

}  // namespace search_detail

void Registry::index_pending_documents() {
  // In the connection's temp schema: written even on a read-only handle,
  // seen by no other connection, gone when the handle closes.
  conn_.exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS temp.document_fts_queued USING fts5 ("
      "number, counterparty, basis, items, notes, tokenize = 'unicode61 remove_diacritics 2')");
  conn_.cached("DELETE FROM temp.document_fts_queued")->run();
  auto queued = conn_.cached(
      "SELECT d.id, d.number, d.body FROM document_index_queue q JOIN document d ON d.id = "
      "q.doc_id");
  while (queued->step()) {
    const auto t = search_detail::index_text(queued->text(2));
    auto st = conn_.cached(
        "INSERT INTO temp.document_fts_queued (rowid, number, counterparty, basis, items, notes) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    st->bind(1, queued->int64(0)).bind(2, search_text(queued->text(1)));
    st->bind(3, search_text(t.counterparty)).bind(4, search_text(t.basis));
    st->bind(5, search_text(t.items)).bind(6, search_text(t.notes));
    st->run();
  }
}

int64_t Registry::flush_index() {
  int64_t indexed = 0;
  {
    auto queued = conn_.cached(
        "SELECT q.doc_id, d.number, d.body FROM document_index_queue q "
        "LEFT JOIN document d ON d.id = q.doc_id ORDER BY q.doc_id");
    while (queued->step()) {
      const int64_t id = queued->int64(0);
      // A document indexed before (changed since) has its old terms removed.
      conn_.cached("DELETE FROM document_fts WHERE rowid = ?1")->bind(1, id).run();
      // No document row: not expected (the queue row is written with it, and
      // documents are never removed), but nothing to index then.
      if (queued->is_null(1)) continue;
      const auto t = search_detail::index_text(queued->text(2));
      auto st = conn_.cached(
          "INSERT INTO document_fts (rowid, number, counterparty, basis, items, notes) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      st->bind(1, id).bind(2, search_text(queued->text(1))).bind(3, search_text(t.counterparty));
      st->bind(4, search_text(t.basis)).bind(5, search_text(t.items)).bind(6, search_text(t.notes));
      st->run();
      ++indexed;
    }
  }
  conn_.cached("DELETE FROM document_index_queue")->run();
  return indexed;
}

bool Registry::index_pending() {
  auto st = conn_.cached("SELECT 1 FROM document_index_queue LIMIT 1");
  return st->step();
}

void Registry::catch_up_index() {
  // A read-only handle cannot write the index; its searches read the
  // queued documents as they are (search()).
  if (conn_.read_only() || !index_pending()) return;
  try {
    store::Transaction tx(conn_, store::Transaction::Mode::immediate);
    flush_index();
    tx.commit();
  } catch (const Error& e) {
    // Another connection kept the write lock past the busy timeout: the
    // search reads the queued documents as a read-only handle does rather
    // than fail.
    if (e.code() != ErrorCode::busy) throw;
  }
}

}  // namespace opora::registry

#include "registry/storage.hpp"

#include <boost/json.hpp>

#include "store/sqlite.hpp"

namespace opora::registry {
namespace json = boost::json;

std::string body_text(const Document& d) {
  return json::serialize(to_json(d, false));
}

void index_document(store::Connection& conn, const Document& d, bool replace) {
  if (replace) {
    conn.cached("DELETE FROM document_ref WHERE doc_id = ?1")->bind(1, d.id).run();
    conn.cached("DELETE FROM document_fts WHERE rowid = ?1")->bind(1, d.id).run();
  }
  for (const auto& ref : d.refs)
    conn.cached("INSERT INTO document_ref (ref, kind, doc_id, live) VALUES (?1, ?2, ?3, ?4)")
        ->bind(1, ref)
        .bind(2, d.kind)
        .bind(3, d.id)
        .bind(4, int64_t{d.deleted ? 0 : 1})
        .run();
  auto st = conn.cached(
      "INSERT INTO document_fts (rowid, number, counterparty, basis, items, notes) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  st->bind(1, d.id).bind(2, d.number).bind(3, d.search_counterparty());
  st->bind(4, d.basis_text.value_or("")).bind(5, d.search_items()).bind(6, d.notes.value_or(""));
  st->run();
}

}  // namespace opora::registry

namespace opora::registry {

void set_refs_live(store::Connection& conn, int64_t doc_id, bool live) {
  conn.cached("UPDATE document_ref SET live = ?2 WHERE doc_id = ?1")
      ->bind(1, doc_id)
      .bind(2, int64_t{live ? 1 : 0})
      .run();
}

}  // namespace opora::registry

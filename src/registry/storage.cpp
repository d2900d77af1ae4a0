#include "registry/storage.hpp"

#include "store/store.hpp"

namespace opora::registry {

void write_refs(store::Connection& conn, const Document& d, bool replace) {
  if (replace) conn.cached("DELETE FROM document_ref WHERE doc_id = ?1")->bind(1, d.id).run();
  for (const auto& ref : d.refs)
    conn.cached("INSERT INTO document_ref (ref, kind, doc_id, live) VALUES (?1, ?2, ?3, ?4)")
        ->bind(1, ref)
        .bind(2, d.kind)
        .bind(3, d.id)
        .bind(4, int64_t{d.deleted ? 0 : 1})
        .run();
}

void queue_index(store::Connection& conn, int64_t doc_id) {
  conn.cached("INSERT INTO document_index_queue (doc_id) VALUES (?1) ON CONFLICT DO NOTHING")
      ->bind(1, doc_id)
      .run();
}

}  // namespace opora::registry

namespace opora::registry {

std::string search_text(std::string text) {
  // UTF-8: ё = D1 91 -> е = D0 B5; Ё = D0 81 -> Е = D0 95.
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const auto a = static_cast<unsigned char>(text[i]);
    const auto b = static_cast<unsigned char>(text[i + 1]);
    if (a == 0xD1 && b == 0x91) {
      text[i] = static_cast<char>(0xD0);
      text[i + 1] = static_cast<char>(0xB5);
    } else if (a == 0xD0 && b == 0x81) {
      text[i + 1] = static_cast<char>(0x95);
    }
  }
  return text;
}

void set_refs_live(store::Connection& conn, int64_t doc_id, bool live) {
  conn.cached("UPDATE document_ref SET live = ?2 WHERE doc_id = ?1")
      ->bind(1, doc_id)
      .bind(2, int64_t{live ? 1 : 0})
      .run();
}

}  // namespace opora::registry

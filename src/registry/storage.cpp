#include "registry/storage.hpp"

#include <boost/json.hpp>
#include <set>
#include <string_view>

#include "store/sqlite.hpp"

namespace opora::registry {
namespace json = boost::json;

std::string body_text(const Document& d) {
  static const std::set<std::string_view> columns = {"id",       "number",        "status",
                                                     "is_final", "superseded_by", "deleted",
                                                     "version",  "created_at",    "updated_at"};
  // Copy rather than erase: json::object::erase moves the last member into
  // the gap, and the stored order is the order hosts see.
  json::object body;
  for (auto& kv : to_json(d))
    if (columns.count(kv.key()) == 0) body.emplace(kv.key(), std::move(kv.value()));
  return json::serialize(body);
}

void index_document(store::Connection& conn, const Document& d, bool replace) {
  if (replace) {
    conn.cached("DELETE FROM document_ref WHERE doc_id = ?1")->bind(1, d.id).run();
    conn.cached("DELETE FROM document_fts WHERE rowid = ?1")->bind(1, d.id).run();
  }
  for (const auto& ref : d.refs)
    conn.cached("INSERT INTO document_ref (ref, doc_id) VALUES (?1, ?2)")
        ->bind(1, ref)
        .bind(2, d.id)
        .run();
  auto st = conn.cached(
      "INSERT INTO document_fts (rowid, number, counterparty, basis, items, notes) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  st->bind(1, d.id).bind(2, d.number).bind(3, d.search_counterparty());
  st->bind(4, d.basis_text.value_or("")).bind(5, d.search_items()).bind(6, d.notes.value_or(""));
  st->run();
}

}  // namespace opora::registry

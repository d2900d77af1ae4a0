// New documents' rows written many to a statement (Registry::create_many):
// the document, ref, index-queue and journal rows put writes for each, here
// one statement per 32 documents (bulk_insert.hpp, as the journal of every
// write); what the rows share is bound once.
#include <string>
#include <vector>

#include "registry/bulk_insert.hpp"
#include "registry/registry.hpp"
#include "registry/storage.hpp"
#include "store/store.hpp"

namespace opora::registry {

namespace bulk_detail {

using bulk::bind_optional;
using bulk::insert_all;
using bulk::kRowsPerInsert;
using bulk::multi_row;
using bulk::nothing_shared;
using bulk::param;

// Parameter 1 is the time of the write; a row's own parameters follow.
constexpr size_t kDocumentParams = 14;
std::string document_sql(size_t rows) {
  return multi_row(
      "INSERT INTO document (id, kind, number, number_scope, date, cp_tax_id, currency, gross, "
      "status, is_final, valid_from, valid_to, supersedes, body, chain_id, version, created_at, "
      "updated_at, uid) VALUES",
      rows, "", [](std::string& sql, size_t r) {
        const size_t b = 1 + r * kDocumentParams;
        sql += "(";
        for (size_t c = 1; c <= 12; ++c) sql += param(b + c) + ", ";
        sql += "NULL, " + param(b + 13) + ", NULL, 1, ?1, ?1, " + param(b + 14) + ")";
      });
}

void bind_document(store::Statement& st, size_t r, const NewDocumentRow& row) {
  const Document& d = *row.document;
  const int b = static_cast<int>(1 + r * kDocumentParams);
  st.bind(b + 1, d.id).bind_static(b + 2, d.kind).bind_static(b + 3, d.number);
  st.bind_static(b + 4, row.number_key).bind(b + 5, d.date.to_string());
  if (d.counterparty && !d.counterparty->tax_id.empty())
    st.bind_static(b + 6, d.counterparty->tax_id);
  else
    st.bind_null(b + 6);
  st.bind(b + 7, d.currency.code());
  if (d.totals)
    st.bind(b + 8, d.totals->gross.minor_units());
  else
    st.bind_null(b + 8);
  st.bind_static(b + 9, d.status).bind(b + 10, int64_t{d.is_final ? 1 : 0});
  if (d.valid_from)
    st.bind(b + 11, d.valid_from->to_string());
  else
    st.bind_null(b + 11);
  if (d.valid_to)
    st.bind(b + 12, d.valid_to->to_string());
  else
    st.bind_null(b + 12);
  st.bind_static(b + 13, row.body).bind_static(b + 14, row.uid);
}

std::string ref_sql(size_t rows) {
  return multi_row("INSERT INTO document_ref (ref, kind, doc_id, live) VALUES", rows, "",
                   [](std::string& sql, size_t r) {
                     sql += "(" + param(3 * r + 1) + ", " + param(3 * r + 2) + ", " +
                            param(3 * r + 3) + ", 1)";
                   });
}

std::string queue_sql(size_t rows) {
  return multi_row("INSERT INTO document_index_queue (doc_id) VALUES", rows,
                   " ON CONFLICT DO NOTHING",
                   [](std::string& sql, size_t r) { sql += "(" + param(r + 1) + ")"; });
}

// A document's creation as Registry::journal_entry records it: what every
// row of the write shares (time, actor, reason, origin) in parameters 1-5.
std::string journal_sql(size_t rows) {
  return multi_row(
      "INSERT INTO document_journal (doc_id, at, actor, action, field, old, new, reason, "
      "origin_node, origin_msg_no) VALUES",
      rows, "", [](std::string& sql, size_t r) {
        sql += "(" + param(6 + 2 * r) + ", ?1, ?2, 'created', NULL, NULL, " + param(7 + 2 * r) +
               ", ?3, ?4, ?5)";
      });
}

}  // namespace bulk_detail

void insert_new_documents(store::Connection& conn, const std::vector<NewDocumentRow>& rows,
                          const std::string& now, const Context& ctx) {
  using namespace bulk_detail;
  static const std::string documents_many = document_sql(kRowsPerInsert);
  static const std::string documents_one = document_sql(1);
  static const std::string refs_many = ref_sql(kRowsPerInsert);
  static const std::string refs_one = ref_sql(1);
  static const std::string queue_many = queue_sql(kRowsPerInsert);
  static const std::string queue_one = queue_sql(1);
  static const std::string journal_many = journal_sql(kRowsPerInsert);
  static const std::string journal_one = journal_sql(1);

  insert_all(
      conn, documents_many, documents_one, rows,
      [&now](store::Statement& st) { st.bind_static(1, now); }, bind_document);
  // Refs after every document: each names its document (a foreign key).
  struct Ref {
    const std::string* ref;
    const Document* document;
  };
  std::vector<Ref> refs;
  refs.reserve(rows.size());
  for (const auto& row : rows)
    for (const auto& ref : row.document->refs) refs.push_back({&ref, row.document});
  insert_all(conn, refs_many, refs_one, refs, nothing_shared,
             [](store::Statement& st, size_t r, const Ref& ref) {
               const int b = static_cast<int>(3 * r);
               st.bind_static(b + 1, *ref.ref).bind_static(b + 2, ref.document->kind);
               st.bind(b + 3, ref.document->id);
             });
  insert_all(conn, queue_many, queue_one, rows, nothing_shared,
             [](store::Statement& st, size_t r, const NewDocumentRow& row) {
               st.bind(static_cast<int>(r + 1), row.document->id);
             });
  insert_all(
      conn, journal_many, journal_one, rows,
      [&](store::Statement& st) {
        st.bind_static(1, now);
        bind_optional(st, 2, ctx.actor);
        bind_optional(st, 3, ctx.reason);
        bind_optional(st, 4, ctx.origin_node);
        if (ctx.origin_msg_no)
          st.bind(5, *ctx.origin_msg_no);
        else
          st.bind_null(5);
      },
      [](store::Statement& st, size_t r, const NewDocumentRow& row) {
        const int b = static_cast<int>(6 + 2 * r);
        st.bind(b, row.document->id).bind_static(b + 1, row.document->number);
      });
}

}  // namespace opora::registry

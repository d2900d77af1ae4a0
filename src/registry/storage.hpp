// Row-level writes shared by the writer and the importer.
#pragma once

#include <string>
#include <vector>

#include "registry/document.hpp"

namespace opora::store {
class Connection;
}

namespace opora::registry {

struct Context;

// The canonical JSON stored in document.body: the writable fields and the
// computed amounts, without what columns hold (id, number, status, ...).
std::string body_text(const Document& d);

// Writes the document's refs; `replace` drops the old ones first. Refs of a
// deleted document are kept but not live.
void write_refs(store::Connection& conn, const Document& d, bool replace);

// A new document's row as create_many writes it: the document (its id,
// number, amounts and status set), where its number is unique, its stored
// body and its uid.
struct NewDocumentRow {
  const Document* document = nullptr;
  std::string number_key;
  std::string body;
  std::string uid;
};

// Writes new documents (version 1, neither superseding nor superseded, created
// and updated at `now`), their refs, their index-queue rows and their
// "created" journal rows (actor, reason and origin from `ctx`), the rows put
// writes for each, many to a statement (bulk_rows.cpp).
void insert_new_documents(store::Connection& conn, const std::vector<NewDocumentRow>& rows,
                          const std::string& now, const Context& ctx);

// Queues the document for the full-text index (search_index.cpp), in the
// writer's transaction: what commits is indexed by the next flush.
void queue_index(store::Connection& conn, int64_t doc_id);

// Text as the search index holds it: ё is е (and Ё is Е), as Russian
// readers treat them; FTS5's unicode61 folds case but not this.
std::string search_text(std::string text);

// Marks the refs of a document live (restored) or not (deleted).
void set_refs_live(store::Connection& conn, int64_t doc_id, bool live);

}  // namespace opora::registry

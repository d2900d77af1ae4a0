// Row-level writes shared by the writer and the importer.
#pragma once

#include <string>

#include "registry/document.hpp"

namespace opora::store {
class Connection;
}

namespace opora::registry {

// The canonical JSON stored in document.body: the writable fields and the
// computed amounts, without what columns hold (id, number, status, ...).
std::string body_text(const Document& d);

// Writes the document's refs; `replace` drops the old ones first. Refs of a
// deleted document are kept but not live.
void write_refs(store::Connection& conn, const Document& d, bool replace);

// Queues the document for the full-text index (search_index.cpp), in the
// writer's transaction: what commits is indexed by the next flush.
void queue_index(store::Connection& conn, int64_t doc_id);

// Text as the search index holds it: ё is е (and Ё is Е), as Russian
// readers treat them; FTS5's unicode61 folds case but not this.
std::string search_text(std::string text);

// Marks the refs of a document live (restored) or not (deleted).
void set_refs_live(store::Connection& conn, int64_t doc_id, bool live);

}  // namespace opora::registry

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

// Writes the document's refs and its full-text entry; `replace` drops the
// old ones first.
void index_document(store::Connection& conn, const Document& d, bool replace);

}  // namespace opora::registry

// Reading document rows: one select list and one decoder shared by every query.
#pragma once

#include <boost/json/object.hpp>

namespace opora::store {
class Statement;
}

namespace opora::registry {

// Columns every document query selects, in this order, from alias "d".
inline constexpr const char* kDocumentColumns =
    "d.body, d.id, d.number, d.status, d.is_final, d.superseded_by, d.deleted, d.version, "
    "d.created_at, d.updated_at, d.uid";
inline constexpr int kDocumentColumnCount = 11;

// The document as hosts see it: the stored body with the columns opora
// maintains laid over it.
boost::json::object document_from_row(const store::Statement& st, int first_column = 0);

}  // namespace opora::registry

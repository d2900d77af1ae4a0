// Numbered schema migrations embedded in the library, tracked by
// PRAGMA user_version.
#pragma once

#include <string_view>
#include <vector>

namespace opora::store {

class Connection;

struct Migration {
  int version;           // 1, 2, 3 ... never renumbered, never edited once released
  std::string_view sql;  // statements run inside one transaction
};

// Every migration the library knows, in order.
const std::vector<Migration>& migrations();
int latest_schema_version();

// Brings the schema to latest_schema_version(), each step in its own
// transaction. Refuses (ErrorCode::state) a database written by a newer
// library, and does nothing on a read-only connection that is up to date.
void migrate(Connection& conn, bool read_only);

}  // namespace opora::store

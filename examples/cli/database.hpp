// An opora_db handle owned by the CLI, and the details of a failed call.
#ifndef OPORA_CLI_DATABASE_HPP
#define OPORA_CLI_DATABASE_HPP

#include <opora/opora.h>

#include <string>

namespace opora_cli {

// What the library said about a failed call, copied at once (the borrowed
// strings live only until the next opora call on the thread).
struct Failure {
  int code = OPORA_OK;
  std::string message;     // opora_last_error_message()
  std::string error_json;  // opora_last_error_json()
};

class Database {
 public:
  Database() = default;
  ~Database() { opora_db_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens `path` with options_json ("" for none). Returns OPORA_OK or a
  // negative code with `failure` filled in.
  int open(const std::string& path, const std::string& options_json, Failure& failure);
  // True when the open database lives in memory only (":memory:" or "").
  bool in_memory() const noexcept { return in_memory_; }

  // Calls `method` with JSON params text. On success `result` holds the
  // result JSON text; on failure `failure` is filled in.
  int call(const std::string& method, const std::string& params, std::string& result,
           Failure& failure);

 private:
  opora_db* db_ = nullptr;
  bool in_memory_ = false;
};

}  // namespace opora_cli

#endif  // OPORA_CLI_DATABASE_HPP

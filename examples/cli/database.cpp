#include "database.hpp"

#include <memory>

namespace opora_cli {
namespace {

Failure capture_failure(int code) {
  Failure failure;
  failure.code = code;
  const char* message = opora_last_error_message();
  const char* json = opora_last_error_json();
  failure.message = message != nullptr ? message : "";
  failure.error_json = json != nullptr ? json : "";
  return failure;
}

struct OporaFree {
  void operator()(char* ptr) const { opora_free(ptr); }
};

}  // namespace

int Database::open(const std::string& path, const std::string& options_json, Failure& failure) {
  opora_db_close(db_);
  db_ = nullptr;
  in_memory_ = path.empty() || path == ":memory:";
  const int rc =
      opora_db_open(&db_, path.c_str(), options_json.empty() ? nullptr : options_json.c_str());
  if (rc != OPORA_OK) {
    failure = capture_failure(rc);
    db_ = nullptr;
  }
  return rc;
}

int Database::call(const std::string& method, const std::string& params, std::string& result,
                   Failure& failure) {
  char* raw = nullptr;
  const int rc = opora_db_call(db_, method.c_str(), params.c_str(), &raw);
  const std::unique_ptr<char, OporaFree> owned(raw);
  if (rc != OPORA_OK) {
    failure = capture_failure(rc);
    return rc;
  }
  result = raw != nullptr ? raw : "{}";
  return rc;
}

}  // namespace opora_cli

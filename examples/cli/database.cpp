#include "database.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

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

// A progress bar on stderr for long work (billing.run): drawn in place on a
// terminal, or as plain lines when OPORA_PROGRESS=always (logs, tests);
// OPORA_PROGRESS=never turns it off.
int draw_progress(void*, const char* method, long long done, long long total) {
  const char* mode = std::getenv("OPORA_PROGRESS");
  const bool always = mode != nullptr && std::strcmp(mode, "always") == 0;
  const bool never = mode != nullptr && std::strcmp(mode, "never") == 0;
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (never || (!always && !tty)) return 0;
  const int width = 30;
  const long long pct = total > 0 ? done * 100 / total : 100;
  const long long filled = total > 0 ? done * width / total : width;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "%s%s [%s] %3lld%% %lld/%lld%s", tty ? "\r" : "", method, bar.c_str(), pct,
               done, total, (tty && done < total) ? "" : "\n");
  std::fflush(stderr);
  return 0;
}

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
    return rc;
  }
  opora_db_set_progress(db_, draw_progress, nullptr);
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

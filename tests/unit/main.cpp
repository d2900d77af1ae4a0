// The unit tests' main. With OPORA_TEST_ENGINE=postgresql (the ctest tests labelled
// pg, tests/CMakeLists.txt) every database a test opens goes to the PostgreSQL server
// of OPORA_TEST_PG_DSN instead, each in a schema of its own (PgTargets below); without
// a DSN those runs exit with kSkip, which ctest reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/sha256.hpp"
#include "store/store.hpp"

namespace {

// SKIP_RETURN_CODE of the pg tests in tests/CMakeLists.txt.
constexpr int kSkip = 77;

// Where a test's database goes on PostgreSQL; the rule of tests/python/conftest.py.
// ":memory:" gets a fresh schema t<pid>_<n> each time. A file path gets
// f<pid>_<first 16 hex digits of the SHA-256 of its absolute path>_<generation>, so
// reopening the path reaches the same database. The pid keeps an earlier run's schemas
// (tests reuse their temporary paths) out of reach on a long-lived server. The file
// itself is created empty as a stand-in; when it is missing at an open (never opened,
// or deleted since) the path starts a new generation: a fresh, empty database, as on
// SQLite.
class PgTargets {
 public:
  explicit PgTargets(std::string dsn) : dsn_(std::move(dsn)), pid_(std::to_string(getpid())) {}

  void map(std::string& target, opora::store::ConnectionOptions& options) {
    if (!options.schema.empty() || target.rfind("postgresql://", 0) == 0 ||
        target.rfind("postgres://", 0) == 0)
      return;
    const std::lock_guard<std::mutex> lock(mutex_);
    if (target == ":memory:") {
      options.schema = "t" + pid_ + "_" + std::to_string(++memory_);
    } else {
      std::error_code ec;
      const std::string path = std::filesystem::absolute(target, ec).lexically_normal().string();
      int& generation = generations_[path];
      if (!std::filesystem::exists(path, ec)) {
        ++generation;
        std::ofstream{path, std::ios::app};  // a missing directory: no stand-in, still mapped
      }
      options.schema = "f" + pid_ + "_" + opora::sha256_hex(path).substr(0, 16) + "_" +
                       std::to_string(generation);
    }
    target = dsn_;
  }

 private:
  std::string dsn_;
  std::string pid_;
  std::mutex mutex_;
  int memory_ = 0;
  std::map<std::string, int> generations_;
};

bool only_lists(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.rfind("--list", 0) == 0 || arg.rfind("-l", 0) == 0 || arg == "--help" || arg == "-h" ||
        arg == "--version" || arg == "-v" || arg == "--count" || arg == "-c")
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const char* engine = std::getenv("OPORA_TEST_ENGINE");
  const std::string_view engine_name = engine != nullptr ? engine : "sqlite";
  if (engine_name == "postgresql") {
    const char* dsn = std::getenv("OPORA_TEST_PG_DSN");
    if (dsn == nullptr || *dsn == '\0') {
      if (!only_lists(argc, argv)) {
        std::fputs(
            "OPORA_TEST_ENGINE=postgresql needs a server: "
            "OPORA_TEST_PG_DSN=\"$(scripts/pg-cluster start)\"; skipped\n",
            stderr);
        return kSkip;
      }
    } else {
      static PgTargets targets(dsn);
      opora::store::set_open_hook(
          [](std::string& target, opora::store::ConnectionOptions& options) {
            targets.map(target, options);
          });
    }
  } else if (engine_name != "sqlite") {
    std::fputs("OPORA_TEST_ENGINE is sqlite (the default) or postgresql\n", stderr);
    return 2;
  }
  doctest::Context context(argc, argv);
  return context.run();
}

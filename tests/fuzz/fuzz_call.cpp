// A libFuzzer target over opora_db_call, the one entry every host reaches.
//
// An input is a short session on a fresh in-memory database, one call a line:
//
//   registry.put {"kind": "order", "date": "2026-01-15", "items": [...]}
//   registry.get {"document": 1}
//
// so state built by one call (a document, an account, a workflow instance)
// is there for the next, and the fuzzer reaches deep into every module. A
// first line "#open {...}" gives the open options. Any crash, sanitizer
// report or leak is a failure, and so is OPORA_EINTERNAL: whatever the input,
// opora answers with a documented code.
//
// Files: the process works in a fresh temporary directory, and the one path a
// method may write (registry.export) or read (registry.import) is replaced by
// a plain file name there, so no input touches a file outside it.
//
// Built with clang and -fsanitize=fuzzer (OPORA_FUZZ, tests/fuzz/CMakeLists.txt),
// or with replay_main.cpp as a plain program that runs the checked-in corpus
// (the fuzz_corpus test).
#include <opora/opora.h>

#include <unistd.h>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;

constexpr size_t kMaxCalls = 24;
constexpr const char* kDefaultOptions =
    R"({"clock": "manual", "now": "2026-01-15T09:00:00Z", "utc_offset": "+03:00"})";

// A name inside the working directory: letters, digits, '_', '-', '.' only,
// never starting with a dot.
std::string plain_file_name(std::string_view text) {
  std::string name = "f_";
  for (char c : text.substr(0, 40))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
        c == '-' || c == '.')
      name += c;
  return name;
}

// registry.export and registry.import take a file path: keep it in the
// working directory. Other params go through as they came, malformed or not.
std::string confined(std::string_view method, const std::string& params) {
  if (method != "registry.export" && method != "registry.import") return params;
  boost::system::error_code ec;
  json::value v = json::parse(params, ec);
  if (ec || !v.is_object()) return params;
  if (auto* path = v.as_object().if_contains("path"); path != nullptr && path->is_string())
    *path = plain_file_name(path->get_string());
  return json::serialize(v);
}

void fail(const char* what, std::string_view method, const std::string& params) {
  std::fprintf(stderr, "opora fuzz: %s\n  method: %.*s\n  params: %s\n  error: %s\n", what,
               static_cast<int>(method.size()), method.data(), params.c_str(),
               opora_last_error_json());
  std::abort();
}

std::filesystem::path g_workdir;

void remove_workdir() {
  std::error_code ec;
  std::filesystem::remove_all(g_workdir, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string dir = (std::filesystem::temp_directory_path() / "opora-fuzz-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr || chdir(dir.c_str()) != 0) {
    std::perror("opora fuzz: a temporary working directory");
    std::abort();
  }
  g_workdir = dir;
  std::atexit(remove_workdir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string options = kDefaultOptions;
  if (input.substr(0, 6) == "#open ") {
    const size_t end = input.find('\n');
    options = std::string(input.substr(6, end == std::string_view::npos ? end : end - 6));
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
  }
  opora_db* db = nullptr;
  const int opened = opora_db_open(&db, ":memory:", options.c_str());
  if (opened == OPORA_EINTERNAL) fail("OPORA_EINTERNAL from opora_db_open", "open", options);
  if (opened != OPORA_OK) return 0;
  for (size_t calls = 0; !input.empty() && calls < kMaxCalls; ++calls) {
    const size_t end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    const size_t space = line.find(' ');
    // An embedded NUL ends the C strings early, as it would for any C host.
    const std::string method(line.substr(0, space));
    const std::string params = confined(
        method, space == std::string_view::npos ? "" : std::string(line.substr(space + 1)));
    char* result = nullptr;
    const int rc = opora_db_call(db, method.c_str(), params.c_str(), &result);
    if (rc == OPORA_EINTERNAL) fail("OPORA_EINTERNAL", method, params);
    if ((rc == OPORA_OK) != (result != nullptr)) fail("result and status disagree", method, params);
    if (result != nullptr) {
      // A result nests a little deeper than params may (a document inside a
      // list inside a result): read it with room to spare.
      json::parse_options deep;
      deep.max_depth = 1000;
      boost::system::error_code ec;
      json::parse(result, ec, {}, deep);
      if (ec) fail("a result that is not JSON", method, params);
    }
    opora_free(result);
  }
  opora_db_close(db);
  return 0;
}

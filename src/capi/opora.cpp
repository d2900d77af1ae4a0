// The exported C functions. Each one runs inside guarded(), which maps every
// exception to a status code and the thread-local last error.
#include "opora/opora.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "capi/error_state.hpp"
#include "core/json_text.hpp"
#include "engine/database.hpp"

struct opora_db {
  std::unique_ptr<opora::engine::Database> impl;
};

namespace opora::capi {

template <typename Body>
int guarded(Body&& body) noexcept {
  try {
    clear_error();
    body();
    return OPORA_OK;
  } catch (const Error& e) {
    try {
      set_error(e.code(), e.what(), e.field_errors());
    } catch (...) {
    }
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    try {
      set_error(ErrorCode::no_memory, "out of memory");
    } catch (...) {
    }
    return OPORA_ENOMEM;
  } catch (const std::exception& e) {
    try {
      set_error(ErrorCode::internal, std::string("internal error: ") + e.what());
    } catch (...) {
    }
    return OPORA_EINTERNAL;
  } catch (...) {
    try {
      set_error(ErrorCode::internal, "internal error: unknown exception");
    } catch (...) {
    }
    return OPORA_EINTERNAL;
  }
}

namespace {

void require(const void* p, const char* name) {
  if (p == nullptr)
    throw Error(ErrorCode::invalid, std::string(name) + " must not be NULL",
                {{name, "required", "must not be NULL"}});
}

// Infinity and NaN have no JSON text: stored, they could not be read back.
void refuse_non_finite(const boost::json::value& v, const char* what) {
  if (v.is_double() && !std::isfinite(v.get_double()))
    throw Error(ErrorCode::json, std::string(what) + " has a number out of range");
  if (v.is_array())
    for (const auto& e : v.get_array()) refuse_non_finite(e, what);
  if (v.is_object())
    for (const auto& kv : v.get_object()) refuse_non_finite(kv.value(), what);
}

// Parses a JSON object argument; NULL or "" mean {}.
// `storage` lets a call parse its params into an arena freed in one go.
boost::json::object parse_object(const char* text, const char* what,
                                 boost::json::storage_ptr storage = {}) {
  if (text == nullptr || *text == '\0') return boost::json::object(storage);
  boost::json::parse_options options;
  options.max_depth =
      kMaxParamsDepth;  // nested registry documents need room; no unbounded recursion
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, std::move(storage), options);
  if (ec) throw Error(ErrorCode::json, std::string(what) + " is not valid JSON: " + ec.message());
  if (!v.is_object()) throw Error(ErrorCode::json, std::string(what) + " must be a JSON object");
  refuse_non_finite(v, what);
  return std::move(v.as_object());
}

char* copy_out(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

}  // namespace
}  // namespace opora::capi

using opora::capi::guarded;

extern "C" {

const char* opora_version(void) {
  return OPORA_VERSION_STRING;
}

int opora_version_number(void) {
  return OPORA_VERSION_NUMBER;
}

const char* opora_strerror(int code) {
  if (code > 0 || code < OPORA_EOVERFLOW) return "unknown error code";
  return opora::error_code_text(static_cast<opora::ErrorCode>(code));
}

const char* opora_last_error_message(void) {
  return opora::capi::last_message();
}

const char* opora_last_error_json(void) {
  return opora::capi::last_json();
}

void opora_free(void* ptr) {
  std::free(ptr);
}

int opora_db_open(opora_db** out, const char* path, const char* options_json) {
  if (out != nullptr) *out = nullptr;
  return guarded([&] {
    opora::capi::require(out, "out");
    opora::capi::require(path, "path");
    const auto options =
        opora::engine::OpenOptions::parse(opora::capi::parse_object(options_json, "options_json"));
    auto db = std::make_unique<opora_db>();
    db->impl = std::make_unique<opora::engine::Database>(path, options);
    *out = db.release();
  });
}

void opora_db_close(opora_db* db) {
  // Destruction does not throw (SQLite close and rollback only report).
  delete db;
}

int opora_db_call(opora_db* db, const char* method, const char* params_json, char** result_out) {
  if (result_out != nullptr) *result_out = nullptr;
  return guarded([&] {
    opora::capi::require(db, "db");
    opora::capi::require(method, "method");
    opora::capi::require(result_out, "result_out");
    // Params live only for this call: an arena makes their many small
    // allocations one block, released at once.
    boost::json::monotonic_resource arena;
    auto params = opora::capi::parse_object(params_json, "params_json", &arena);
    const auto result = db->impl->call(method, std::move(params));
    *result_out = opora::capi::copy_out(boost::json::serialize(result));
  });
}

int opora_db_set_watch(opora_db* db, opora_watch_fn fn, void* user_data) {
  return guarded([&] {
    opora::capi::require(db, "db");
    if (fn == nullptr) {
      db->impl->set_watch(nullptr);
      return;
    }
    db->impl->set_watch([fn, user_data](const std::string& record) {
      // A host's exception cannot cross the C boundary, so none is expected.
      fn(user_data, record.c_str());
    });
  });
}

int opora_db_set_progress(opora_db* db, opora_progress_fn fn, void* user_data) {
  return guarded([&] {
    opora::capi::require(db, "db");
    if (fn == nullptr) {
      db->impl->set_progress(nullptr);
      return;
    }
    db->impl->set_progress([fn, user_data](std::string_view method, int64_t done, int64_t total) {
      const std::string name(method);
      return fn(user_data, name.c_str(), static_cast<long long>(done),
                static_cast<long long>(total)) == 0;
    });
  });
}

}  // extern "C"

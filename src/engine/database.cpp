#include "engine/database.hpp"

#include <boost/json.hpp>
#include <optional>

#include "core/error.hpp"
#include "engine/method_table.hpp"
#include "engine/normalize.hpp"
#include "engine/params.hpp"
#include "engine/result_check.hpp"
#include "engine/schema.hpp"
#include "store/migrations.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

const char* kOpenOptionsSchema = R"~({
  "type": "object",
  "properties": {
    "synchronous": {"type": "string", "enum": ["full", "normal"]},
    "busy_timeout_ms": {"type": "integer", "minimum": 0, "maximum": 600000},
    "schema": {"type": "string", "minLength": 1, "maxLength": 63},
    "clock": {"type": "string", "enum": ["system", "manual"]},
    "now": {"type": "string", "format": "date-time"},
    "utc_offset": {"type": "string"},
    "read_only": {"type": "boolean"},
    "max_file_bytes": {"type": "integer", "minimum": 1, "maximum": 1073741824},
    "id_seed": {"type": "integer", "minimum": 0}
  }
})~";

// The member of `params` at a field path as errors name it
// ("documents[2].items[0].price"): nullopt when there is none, nullptr for
// `params` itself (the empty path).
std::optional<const json::value*> member_at(const json::object& params, std::string_view path) {
  const json::value* v = nullptr;  // nullptr: params itself
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos || close == i + 1 || v == nullptr || !v->is_array())
        return std::nullopt;
      size_t index = 0;
      for (size_t k = i + 1; k < close; ++k) {
        if (path[k] < '0' || path[k] > '9' || index > 1000000000) return std::nullopt;
        index = index * 10 + static_cast<size_t>(path[k] - '0');
      }
      if (index >= v->get_array().size()) return std::nullopt;
      v = &v->get_array()[index];
      i = close + 1;
    } else {
      if (path[i] == '.') ++i;
      size_t end = i;
      while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
      const json::object* obj = v == nullptr ? &params : v->if_object();
      if (obj == nullptr) return std::nullopt;
      v = obj->if_contains(path.substr(i, end - i));
      if (v == nullptr) return std::nullopt;
      i = end;
    }
  }
  return v;
}

// Whether a problem a method found is about the request's own form: a form
// rule (is_form_rule) on a value the caller sent. A path may also be relative
// to the one document a method takes (a workflow definition's
// "states.draft.on"). Not "required": a member a method requires beyond its
// schema depends on other members or stored data (a kind numbered per
// organisation needs the organisation), which is a business rule. Nor a
// problem with stored data (a party's address a UPD needs).
bool about_request_form(const FieldError& f, const json::object& params) {
  if (!is_form_rule(f.rule) || f.rule == "required" || f.field.empty()) return false;
  if (member_at(params, f.field)) return true;
  for (const auto& kv : params)
    if (kv.value().is_object() && member_at(kv.value().get_object(), f.field)) return true;
  return false;
}

// One kind of mistake has one code: a malformed request is OPORA_EINVAL
// whether the schema check or the method's own parser finds the problem.
[[noreturn]] void rethrow_classified(const Error& e, const json::object& params) {
  if (e.code() == ErrorCode::validation)
    for (const auto& f : e.field_errors())
      if (about_request_form(f, params))
        throw Error(ErrorCode::invalid, e.what(), e.field_errors(), e.omitted());
  throw;
}

}  // namespace

OpenOptions OpenOptions::parse(json::object options) {
  static const json::object schema = parse_params_schema(kOpenOptionsSchema);
  FieldErrors errors;
  normalize_params(schema, options, errors);
  errors.throw_if_any(ErrorCode::invalid);
  validate(schema, options, "", errors);
  const Params p(options);
  std::optional<int> offset = 0;
  if (auto text = p.opt_str("utc_offset")) {
    offset = parse_utc_offset(*text);
    if (!offset)
      errors.add("utc_offset", "utc_offset", "expected \"+03:00\" style, got \"" + *text + "\"");
  }
  if (p.has("now") && p.opt_str("clock").value_or("system") != "manual")
    errors.add("now", "manual_clock_only", "a start time needs {\"clock\": \"manual\"}");
  errors.throw_if_any(ErrorCode::invalid);

  OpenOptions o;
  o.connection.synchronous = p.opt_str("synchronous").value_or("full") == "normal"
                                 ? store::Synchronous::normal
                                 : store::Synchronous::full;
  o.connection.busy_timeout_ms = static_cast<int>(p.opt_int64("busy_timeout_ms").value_or(5000));
  o.connection.read_only = p.boolean("read_only", false);
  o.connection.schema = p.opt_str("schema").value_or("");
  o.clock =
      p.opt_str("clock").value_or("system") == "manual" ? ClockMode::manual : ClockMode::system;
  if (auto now = p.opt_str("now")) o.manual_start = Timestamp::parse_field(*now, "now");
  o.utc_offset_minutes = offset.value_or(0);
  if (o.clock == ClockMode::manual)
    Clock(o.clock, o.manual_start, o.utc_offset_minutes).check(o.manual_start, "now");
  o.max_file_bytes = p.opt_int64("max_file_bytes").value_or(o.max_file_bytes);
  if (auto seed = p.opt_int64("id_seed")) o.id_seed = static_cast<uint64_t>(*seed);
  return o;
}

const std::vector<const store::SchemaModule*>& schema_modules() {
  static const std::vector<const store::SchemaModule*> modules = {
      &calendar::schema(), &registry::schema(), &catalog::schema(), &billing::schema(),
      &workflow::schema(), &edo::schema(),      &exchange::schema()};
  return modules;
}

Database::Database(const std::string& path, const OpenOptions& options)
    : conn_(store::open(path, options.connection)),
      clock_(options.clock, options.manual_start, options.utc_offset_minutes),
      ids_(options.id_seed),
      calendars_(*conn_),
      registry_(*conn_),
      catalog_(*conn_, registry_, [this] { return ids_.uuid(); }),
      workflow_(*conn_, calendars_),
      events_(workflow_, clock_),
      billing_(*conn_, registry_, events_),
      edo_(*conn_, registry_, events_, calendars_),
      catalog_store_(catalog_, registry_),
      exchange_(*conn_, registry_, events_),
      max_file_bytes_(options.max_file_bytes) {
  store::migrate(*conn_, schema_modules(), options.connection.read_only);
  registry_.set_uid_source([this] { return ids_.uuid(); });
  registry_.set_change_listener(&exchange_);
  // 256 bits of the id source's randomness as 64 hex digits.
  exchange_.set_secret_source([this] {
    std::string s;
    while (s.size() < 64)
      for (const char c : ids_.uuid())
        if (c != '-' && s.size() < 64) s += c;
    return s;
  });
  exchange_.load_identity();
  registry_.set_item_resolver(&catalog_);
  catalog_.set_listener(&exchange_);
  exchange_.set_catalog(&catalog_store_);
}

Database::~Database() = default;

json::object Database::call(std::string_view name, json::object params) {
  const Method* method = method_table().find(name);
  if (method == nullptr)
    throw Error(ErrorCode::no_method,
                "unknown method \"" + std::string(name) + "\"; meta.methods lists them all");
  // What hosts naturally write (null for unset, numbers for amounts, 1C's
  // midnight dates) becomes what the schema asks for; a problem there stops
  // the call before validation repeats it in other words.
  // Held as a value (moved, not copied): validate() reads a value, and
  // converting the object would copy every document of a registry.put_many.
  json::value held(std::move(params));
  json::object& checked = held.get_object();
  FieldErrors errors;
  normalize_params(method->params, checked, errors);
  errors.throw_if_any(ErrorCode::invalid);
  validate(method->params, held, "", errors);
  errors.throw_if_any(ErrorCode::invalid);

  try {
    return run(*method, checked);
  } catch (const Error& e) {
    rethrow_classified(e, checked);
  }
}

// Runs of a call that a serialisation failure rolled back (PostgreSQL).
constexpr int kCallAttempts = 3;

json::object Database::run(const Method& method, const json::object& params) {
  const Params p(params);
  const std::lock_guard<std::mutex> lock(mutex_);
  // Batch work (a billing run) commits in chunks of its own.
  // Documents changed by a call are reported to the exchange before it
  // commits; a failed call reports nothing.
  struct Discard {
    registry::Registry& r;
    ~Discard() { r.discard_changes(); }
  } discard{registry_};
  if (method.batch) {
    json::object result = method.handler(*this, p);
    registry_.flush_changes();
    enforce_result_contract(method, result);
    return result;
  }
  // A server connection lost since the last call is made again first.
  conn_->recover();
  // Before the call's own transaction: a read cannot take the write lock
  // later without risking SQLITE_BUSY on a snapshot another writer moved.
  if (method.prepare) method.prepare(*this);
  // Reads run in a deferred transaction too: a query of several statements
  // sees one state of the file even while other connections write.
  std::vector<json::object> records;
  struct Collect {
    workflow::Workflow& w;
    ~Collect() { w.collect_history(nullptr); }
  } collect{workflow_};
  json::object result;
  // A serialisation failure or deadlock (PostgreSQL) rolled the whole call
  // back: it runs again, a few times, before the caller hears OPORA_EBUSY.
  for (int attempt = 1;; ++attempt) {
    try {
      records.clear();
      registry_.discard_changes();
      if (watch_) workflow_.collect_history(&records);
      store::Transaction tx(*conn_, method.mutating ? store::Transaction::Mode::immediate
                                                    : store::Transaction::Mode::deferred);
      result = method.handler(*this, p);
      registry_.flush_changes();
      enforce_result_contract(method, result);
      tx.commit();
      break;
    } catch (const Error&) {
      if (attempt >= kCallAttempts || !conn_->failure_retryable()) throw;
    }
  }
  // Only what committed is shown; a failed call shows nothing.
  for (const auto& r : records) {
    try {
      watch_(json::serialize(r));
    } catch (...) {
      // The call has committed; a watcher's failure cannot undo it or fail it.
    }
  }
  return result;
}

void Database::set_progress(ProgressFn fn) {
  const std::lock_guard<std::mutex> lock(mutex_);
  progress_ = std::move(fn);
}

workflow::Clocks Database::workflow_clocks() const {
  workflow::Clocks c;
  c.now = clock_.now();
  c.today = clock_.today();
  c.utc_offset_minutes = clock_.utc_offset_minutes();
  return c;
}

void Database::set_watch(WatchFn fn) {
  const std::lock_guard<std::mutex> lock(mutex_);
  watch_ = std::move(fn);
}

billing::Progress Database::progress_for(std::string_view method) const {
  if (!progress_) return {};
  return [fn = progress_, name = std::string(method)](int64_t done, int64_t total) {
    return fn(name, done, total);
  };
}

}  // namespace opora::engine

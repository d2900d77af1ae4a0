#include "engine/database.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "engine/method_table.hpp"
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
    "clock": {"type": "string", "enum": ["system", "manual"]},
    "now": {"type": "string", "format": "date-time"},
    "utc_offset": {"type": "string"},
    "read_only": {"type": "boolean"},
    "max_file_bytes": {"type": "integer", "minimum": 1, "maximum": 1073741824},
    "id_seed": {"type": "integer", "minimum": 0}
  }
})~";

}  // namespace

OpenOptions OpenOptions::parse(const json::object& options) {
  static const json::object schema = parse_schema(kOpenOptionsSchema);
  FieldErrors errors;
  const auto& known = schema.at("properties").as_object();
  for (const auto& kv : options)
    if (!known.contains(kv.key()))
      errors.add(std::string(kv.key()), "unknown_option",
                 "is not an open option (known: synchronous, busy_timeout_ms, clock, now, "
                 "utc_offset, read_only, max_file_bytes, id_seed)");
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
      &calendar::schema(), &registry::schema(), &billing::schema(), &workflow::schema(),
      &edo::schema()};
  return modules;
}

Database::Database(const std::string& path, const OpenOptions& options)
    : conn_(std::make_unique<store::Connection>(path, options.connection)),
      clock_(options.clock, options.manual_start, options.utc_offset_minutes),
      ids_(options.id_seed),
      calendars_(*conn_),
      registry_(*conn_),
      workflow_(*conn_, calendars_),
      events_(workflow_, clock_),
      billing_(*conn_, registry_, events_),
      edo_(*conn_, registry_, events_, calendars_),
      max_file_bytes_(options.max_file_bytes) {
  store::migrate(*conn_, schema_modules(), options.connection.read_only);
}

Database::~Database() = default;

json::object Database::call(std::string_view name, const json::object& params) {
  const Method* method = method_table().find(name);
  if (method == nullptr)
    throw Error(ErrorCode::no_method,
                "unknown method \"" + std::string(name) + "\"; meta.methods lists them all");
  FieldErrors errors;
  validate(method->params, params, "", errors);
  errors.throw_if_any(ErrorCode::invalid);

  const Params p(params);
  const std::lock_guard<std::mutex> lock(mutex_);
  // Batch work (a billing run) commits in chunks of its own.
  if (method->batch) {
    json::object result = method->handler(*this, p);
    enforce_result_contract(*method, result);
    return result;
  }
  // Reads run in a deferred transaction too: a query of several statements
  // sees one state of the file even while other connections write.
  std::vector<json::object> records;
  struct Collect {
    workflow::Workflow& w;
    ~Collect() { w.collect_history(nullptr); }
  } collect{workflow_};
  if (watch_) workflow_.collect_history(&records);
  store::Transaction tx(*conn_, method->mutating ? store::Transaction::Mode::immediate
                                                 : store::Transaction::Mode::deferred);
  json::object result = method->handler(*this, p);
  enforce_result_contract(*method, result);
  tx.commit();
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

// The Database facade: one open file, its clock, its calendars and the
// method table. Every host call arrives here through the C ABI.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/billing.hpp"
#include "calendar/calendar_store.hpp"
#include "catalog/catalog.hpp"
#include "edo/edo.hpp"
#include "engine/catalog_store.hpp"
#include "engine/clock.hpp"
#include "engine/events.hpp"
#include "engine/id_source.hpp"
#include "exchange/exchange.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"
#include "workflow/workflow.hpp"

namespace opora::engine {

struct Method;

// Every module's tables, in migration order (meta.version lists their versions).
const std::vector<const store::SchemaModule*>& schema_modules();

struct OpenOptions {
  store::ConnectionOptions connection;
  ClockMode clock = ClockMode::system;
  Timestamp manual_start{0};
  int utc_offset_minutes = 0;
  int64_t max_file_bytes = 64 * 1024 * 1024;
  // Ids from a seeded sequence instead of the system's randomness (tests).
  std::optional<uint64_t> id_seed;

  // Parses the options object of opora_db_open() as a method's params are
  // read: unknown keys are refused (a typo, "synchronus", must not silently
  // weaken durability) and null means absent.
  static OpenOptions parse(boost::json::object options);
};

class Database {
 public:
  Database(const std::string& path, const OpenOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Normalises params by the method's schema (engine/normalize.hpp),
  // validates them, runs the method (inside one transaction when it mutates)
  // and returns its result. Serialised by the handle's mutex; throws
  // opora::Error: OPORA_EINVAL with every problem of a malformed request
  // before anything runs.
  boost::json::object call(std::string_view method, boost::json::object params);

  store::Connection& connection() noexcept { return *conn_; }
  Clock& clock() noexcept { return clock_; }
  // Random ids (UUIDs) for what opora names itself; the handle's mutex
  // serialises their use like everything else of a call.
  IdSource& ids() noexcept { return ids_; }
  calendar::CalendarStore& calendars() noexcept { return calendars_; }
  registry::Registry& registry() noexcept { return registry_; }
  billing::Billing& billing() noexcept { return billing_; }
  workflow::Workflow& workflow() noexcept { return workflow_; }
  edo::Edo& edo() noexcept { return edo_; }
  exchange::Exchange& exchange() noexcept { return exchange_; }
  // The product catalogue; it also prices order items for the registry.
  catalog::Catalog& catalog() noexcept { return catalog_; }
  // The one path of domain events: modules and events.post publish here.
  EventPublisher& events() noexcept { return events_; }
  // The clock's instant, business date and UTC offset, as workflows take them.
  workflow::Clocks workflow_clocks() const;

  // Progress of long work: return false to stop after the current chunk.
  using ProgressFn = std::function<bool(std::string_view method, int64_t done, int64_t total)>;
  // Takes the handle's mutex, so it never changes during a call.
  void set_progress(ProgressFn fn);
  // The progress callback bound to `method`, or an empty function; for
  // handlers, which run with the mutex held.
  billing::Progress progress_for(std::string_view method) const;

  // Live history: called with each workflow history record (JSON text) once
  // the call that wrote it has committed, in order, on the calling thread.
  using WatchFn = std::function<void(const std::string& record)>;
  void set_watch(WatchFn fn);
  int64_t max_file_bytes() const noexcept { return max_file_bytes_; }

 private:
  // Runs a validated call under the handle's mutex, in its transaction.
  boost::json::object run(const Method& method, const boost::json::object& params);

  std::mutex mutex_;
  std::unique_ptr<store::Connection> conn_;
  Clock clock_;
  IdSource ids_;
  calendar::CalendarStore calendars_;
  registry::Registry registry_;
  catalog::Catalog catalog_;  // after registry_: keeps its pictures there
  workflow::Workflow workflow_;
  EventRouter events_;  // after workflow_, before the modules that publish
  billing::Billing billing_;
  edo::Edo edo_;
  CatalogStore catalog_store_;   // the catalogue as the exchange sees it
  exchange::Exchange exchange_;  // hears registry_'s and catalog_'s changes
  ProgressFn progress_;
  WatchFn watch_;
  int64_t max_file_bytes_;
};

}  // namespace opora::engine

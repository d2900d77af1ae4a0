// The method table: every "module.verb" a host can call through
// opora_db_call(), with its one-line summary and parameter/result schemas.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace opora::engine {

class Database;
class Params;

using Handler = std::function<boost::json::object(Database&, const Params&)>;

struct Method {
  std::string name;            // "calendar.add_working_days"
  std::string summary;         // one line for meta.methods and docs/API.md
  boost::json::object params;  // schema (sealed: objects closed), applied before the handler runs
  boost::json::object result;  // schema of the result (documentation, Python conversion)
  bool mutating = false;       // runs inside one transaction
  bool batch = false;          // mutating, but commits in chunks of its own
  Handler handler;
  // Brings derived state up to date in a transaction of its own before the
  // handler's (registry.search indexes queued documents); may be empty.
  std::function<void(Database&)> prepare;
};

class MethodTable {
 public:
  // Schemas are given as JSON text and parsed here, once.
  void add(std::string name, std::string summary, const std::string& params_schema,
           const std::string& result_schema, bool mutating, Handler handler);
  // A long mutating method that manages its own transactions (chunks).
  void add_batch(std::string name, std::string summary, const std::string& params_schema,
                 const std::string& result_schema, Handler handler);
  // Gives an added method its prepare step.
  void set_prepare(std::string_view name, std::function<void(Database&)> prepare);
  const Method* find(std::string_view name) const noexcept;
  const std::vector<Method>& all() const noexcept { return methods_; }

 private:
  std::vector<Method> methods_;  // sorted by name
};

// The complete table, built once on first use (thread-safe).
const MethodTable& method_table();

// Each group registers its methods; method_table() calls them all.
void register_meta_methods(MethodTable& table);
void register_database_methods(MethodTable& table);
void register_clock_methods(MethodTable& table);
void register_requisites_methods(MethodTable& table);
void register_qr_methods(MethodTable& table);
void register_calendar_methods(MethodTable& table);
void register_registry_methods(MethodTable& table);
void register_billing_methods(MethodTable& table);
void register_workflow_methods(MethodTable& table);
void register_workflow_shipped_methods(MethodTable& table);
void register_edo_methods(MethodTable& table);
void register_exchange_methods(MethodTable& table);
void register_catalog_methods(MethodTable& table);

}  // namespace opora::engine

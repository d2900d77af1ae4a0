#include "engine/method_table.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "engine/schema.hpp"

namespace opora::engine {

void MethodTable::add(std::string name, std::string summary, const std::string& params_schema,
                      const std::string& result_schema, bool mutating, Handler handler) {
  Method m{std::move(name),
           std::move(summary),
           parse_params_schema(params_schema.c_str()),
           parse_schema(result_schema.c_str()),
           mutating,
           false,
           std::move(handler),
           {}};
  const auto pos =
      std::lower_bound(methods_.begin(), methods_.end(), m.name,
                       [](const Method& a, const std::string& n) { return a.name < n; });
  if (pos != methods_.end() && pos->name == m.name)
    throw Error(ErrorCode::internal, "method registered twice: " + m.name);
  methods_.insert(pos, std::move(m));
}

void MethodTable::add_batch(std::string name, std::string summary, const std::string& params_schema,
                            const std::string& result_schema, Handler handler) {
  const std::string key = name;
  add(std::move(name), std::move(summary), params_schema, result_schema, true, std::move(handler));
  const auto pos =
      std::lower_bound(methods_.begin(), methods_.end(), key,
                       [](const Method& a, const std::string& n) { return a.name < n; });
  pos->batch = true;
}

void MethodTable::set_prepare(std::string_view name, std::function<void(Database&)> prepare) {
  const auto pos = std::lower_bound(
      methods_.begin(), methods_.end(), name,
      [](const Method& a, std::string_view n) { return std::string_view(a.name) < n; });
  if (pos == methods_.end() || pos->name != name)
    throw Error(ErrorCode::internal, "set_prepare: no method " + std::string(name));
  pos->prepare = std::move(prepare);
}

const Method* MethodTable::find(std::string_view name) const noexcept {
  const auto pos = std::lower_bound(
      methods_.begin(), methods_.end(), name,
      [](const Method& a, std::string_view n) { return std::string_view(a.name) < n; });
  if (pos == methods_.end() || pos->name != name) return nullptr;
  return &*pos;
}

const MethodTable& method_table() {
  static const MethodTable table = [] {
    MethodTable t;
    register_meta_methods(t);
    register_database_methods(t);
    register_clock_methods(t);
    register_requisites_methods(t);
    register_qr_methods(t);
    register_calendar_methods(t);
    register_registry_methods(t);
    register_billing_methods(t);
    register_workflow_methods(t);
    register_workflow_shipped_methods(t);
    register_edo_methods(t);
    register_catalog_methods(t);
    register_exchange_methods(t);
    return t;
  }();
  return table;
}

}  // namespace opora::engine

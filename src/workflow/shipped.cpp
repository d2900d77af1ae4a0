#include "workflow/shipped.hpp"

#include <boost/json.hpp>
#include <map>

#include "core/embedded_files.hpp"
#include "core/error.hpp"

namespace opora::workflow {
namespace json = boost::json;

namespace {

// File name "service_control.json" -> id "service_control"; the file's own
// "id" must agree, so a renamed file cannot ship under two names.
const std::map<std::string, json::object>& shipped() {
  static const std::map<std::string, json::object> all = [] {
    std::map<std::string, json::object> out;
    for (const opora::detail::EmbeddedFile* f = opora::detail::kEmbeddedWorkflows;
         f->name != nullptr; ++f) {
      std::string name(f->name);
      const std::string suffix = ".json";
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        name.resize(name.size() - suffix.size());
      json::error_code ec;
      json::value v = json::parse(json::string_view(f->data, f->size), ec);
      if (ec || !v.is_object())
        throw Error(ErrorCode::internal, "shipped workflow " + std::string(f->name) +
                                             " is not a JSON object: " + ec.message());
      const json::value* id = v.as_object().if_contains("id");
      if (id == nullptr || !id->is_string() || id->get_string() != name)
        throw Error(ErrorCode::internal, "shipped workflow " + std::string(f->name) +
                                             " must have \"id\": \"" + name + "\"");
      out.emplace(name, std::move(v.as_object()));
    }
    return out;
  }();
  return all;
}

}  // namespace

std::vector<std::string> shipped_ids() {
  std::vector<std::string> ids;
  for (const auto& kv : shipped()) ids.push_back(kv.first);
  return ids;
}

const json::object& shipped_definition(const std::string& id) {
  const auto& all = shipped();
  const auto it = all.find(id);
  if (it == all.end()) {
    std::string known;
    for (const auto& kv : all) known += (known.empty() ? "" : ", ") + kv.first;
    fail_field(ErrorCode::not_found, "definition", "unknown_shipped",
               "no shipped workflow \"" + id + "\" (shipped: " + known + ")");
  }
  return it->second;
}

}  // namespace opora::workflow

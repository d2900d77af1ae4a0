// The catalogue as the exchange sees it (exchange::ObjectStore): its objects
// and the pictures they name, which live in the registry's content store.
// Wired here, in the engine, so neither module depends on the other.
#pragma once

#include <algorithm>
#include <boost/json.hpp>

#include "catalog/catalog.hpp"
#include "core/error.hpp"
#include "exchange/exchange.hpp"
#include "registry/registry.hpp"

namespace opora::engine {

class CatalogStore final : public exchange::ObjectStore {
 public:
  CatalogStore(catalog::Catalog& catalog, registry::Registry& registry)
      : catalog_(catalog), registry_(registry) {}

  std::optional<boost::json::object> object(std::string_view type, std::string_view uid) override {
    return catalog_.object(type, uid);
  }
  std::vector<boost::json::object> objects(std::string_view type, std::string_view after,
                                           int64_t limit) override {
    return catalog_.objects(type, after, limit);
  }
  void apply(std::string_view type, const boost::json::object& body) override {
    catalog_.apply(type, body);
  }
  void remove(std::string_view type, std::string_view uid) override { catalog_.remove(type, uid); }
  // A product's pictures and its variants'.
  std::vector<std::string> files_of(std::string_view type,
                                    const boost::json::object& body) override {
    std::vector<std::string> out;
    if (type != "product") return out;
    const auto add = [&out](const boost::json::value* pictures) {
      if (pictures == nullptr || !pictures->is_array()) return;
      for (const auto& p : pictures->get_array())
        if (const auto* sha = p.is_object() ? p.get_object().if_contains("sha256") : nullptr;
            sha != nullptr && sha->is_string() &&
            std::find(out.begin(), out.end(), sha->get_string()) == out.end())
          out.emplace_back(sha->get_string());
    };
    add(body.if_contains("pictures"));
    if (const auto* variants = body.if_contains("variants"); variants && variants->is_array())
      for (const auto& v : variants->get_array())
        if (v.is_object()) add(v.get_object().if_contains("pictures"));
    return out;
  }
  bool has_file(std::string_view sha256) override { return registry_.has_blob(sha256); }
  std::optional<boost::json::object> product_by_code(const std::string& code) override {
    try {
      boost::json::object p = catalog_.get_product(code);
      if (const auto* removed = p.if_contains("removed");
          removed && removed->is_bool() && removed->get_bool())
        return std::nullopt;
      p.erase("removed");
      return p;
    } catch (const Error&) {
      return std::nullopt;
    }
  }

 private:
  catalog::Catalog& catalog_;
  registry::Registry& registry_;
};

}  // namespace opora::engine

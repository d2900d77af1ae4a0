// The exchange: hub and spoke between opora files (the central file and its
// nodes: tablets, a CRM, a web shop, 1C) over numbered, signed messages the
// host carries. Changes are registered per node in the transaction that makes
// them (the latest registration per object, as 1C's exchange plans keep);
// a message is re-sent byte for byte until acknowledged; documents merge
// three-way by field ownership on the central file; what breaks a rule is
// parked with its reason, never dropped. docs/exchange.md tells the protocol.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/domain_events.hpp"
#include "core/object_changes.hpp"
#include "core/timestamp.hpp"

namespace opora::store {
class Connection;
struct SchemaModule;
}  // namespace opora::store

namespace opora::registry {
class Registry;
}

namespace opora::exchange {

const store::SchemaModule& schema();

// A module whose objects travel (the catalogue): what the exchange asks of it.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual std::optional<boost::json::object> object(std::string_view type,
                                                    std::string_view uid) = 0;
  virtual std::vector<boost::json::object> objects(std::string_view type, std::string_view after,
                                                   int64_t limit) = 0;
  virtual void apply(std::string_view type, const boost::json::object& body) = 0;
  virtual void remove(std::string_view type, std::string_view uid) = 0;
  // Content hashes (SHA-256) of the files an object refers to.
  virtual std::vector<std::string> files_of(std::string_view type,
                                            const boost::json::object& body) = 0;
  virtual bool has_file(std::string_view sha256) = 0;
  // A product's canonical JSON by its code (offers name products by code).
  virtual std::optional<boost::json::object> product_by_code(const std::string& code) = 0;
};

struct Context {
  Timestamp now{0};
  Date today{2000, 1, 1};
  std::optional<std::string> actor;
  std::string library;          // this build's version
  boost::json::object schemas;  // module -> schema version of this file
};

class Exchange final : public ObjectChangeListener {
 public:
  Exchange(store::Connection& conn, registry::Registry& registry, EventPublisher& events);
  ~Exchange() override;
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // Wiring by the engine.
  void set_catalog(ObjectStore* catalog) { catalog_ = catalog; }
  void set_secret_source(std::function<std::string()> source) { new_secret_ = std::move(source); }
  // Reads this file's identity once the tables exist (a node's number prefix).
  void load_identity();

  // ObjectChangeListener: registers a change for every node that should get it.
  bool wants(std::string_view type, std::string_view kind) override;
  void object_changed(const ObjectChange& change) override;

  // Methods (exchange.*).
  boost::json::object setup(const boost::json::object& params, const Context& ctx);
  boost::json::object put_node(const boost::json::object& params, const Context& ctx);
  boost::json::object revoke_node(const std::string& node, const Context& ctx);
  boost::json::object list_nodes();
  boost::json::object out(const boost::json::object& params, const Context& ctx);
  boost::json::object snapshot(const boost::json::object& params, const Context& ctx);
  boost::json::object in(const boost::json::object& params, const Context& ctx);
  boost::json::object status(const boost::json::object& params, const Context& ctx);
  boost::json::object conflicts(const boost::json::object& params);
  boost::json::object parked(const boost::json::object& params);
  boost::json::object resolve_parked(const boost::json::object& params, const Context& ctx);
  boost::json::object files_missing(const boost::json::object& params);
  // A web shop as a node: CommerceML 2 files out and orders in
  // (commerceml_node.cpp).
  boost::json::object commerceml_out(const boost::json::object& params, const Context& ctx);
  boost::json::object commerceml_ack(const boost::json::object& params, const Context& ctx);
  boost::json::object commerceml_in(const boost::json::object& params, const Context& ctx);
  boost::json::object put_ownership(const boost::json::object& params, const Context& ctx);
  boost::json::object ownership(const std::string& kind);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
  ObjectStore* catalog_ = nullptr;
  std::function<std::string()> new_secret_;
};

}  // namespace opora::exchange

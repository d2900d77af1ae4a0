// What the exchange's files share: this file's identity, the nodes, streams,
// registrations and the storage of messages.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "exchange/exchange.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"
#include "workflow/expr.hpp"

namespace opora::exchange {

namespace json = boost::json;

inline constexpr const char* kFormat = "opora.exchange";
inline constexpr int64_t kProtocol = 1;

// The streams a node may take (the seed's blocks): each object belongs to one.
//   catalog  products, price types, warehouses, prices (central file -> node)
//   stock    stock per warehouse (central file -> node)
//   orders   documents of kind order (both ways)
//   crm      other documents the deal produces: contracts, invoices, acts and
//            host-defined kinds (both ways)
// Accruals, payments and UPDs are the central file's billing and EDO, not
// exchanged.
const std::vector<std::string>& stream_names();
// The stream of an object, or "" when it is not exchanged.
std::string stream_of(std::string_view type, std::string_view kind);
bool stream_is_two_way(std::string_view stream);
// Object types of a stream in snapshot order.
const std::vector<std::string>& stream_types(std::string_view stream);

struct Identity {
  std::string node;
  std::string role;  // centre | node
  std::optional<std::string> prefix;
  bool centre() const { return role == "centre"; }
};

struct Node {
  std::string node;
  std::string kind;
  std::vector<std::string> streams;
  std::optional<std::string> scope_text;
  std::shared_ptr<const workflow::Expression> scope;
  json::object params;
  std::string secret;
  std::optional<std::string> previous_secret;
  std::string status;
  bool refuse_outdated = false;
  int64_t sent_no = 0, acked_no = 0, received_no = 0, ack_conveyed = 0;
  bool takes(std::string_view stream) const;
  json::object scope_input(const json::object* doc) const;
};

struct OwnershipRule {
  std::string field;  // "status", "items", "custom.paid", "custom.payment*", "*"
  std::string owner;  // centre | node
  std::shared_ptr<const workflow::Expression> when;
  std::optional<std::string> when_text;
};

class Exchange::Impl {
 public:
  Impl(store::Connection& c, registry::Registry& r, EventPublisher& e)
      : conn(c), registry(r), events(e) {}

  store::Connection& conn;
  registry::Registry& registry;
  EventPublisher& events;

  // This file's identity; Error(state) naming "node" when exchange.setup was
  // never called.
  const Identity& self();
  std::optional<Identity> identity;
  bool identity_loaded = false;

  // Nodes, cached while the file does not change under us.
  // Shared, so a node in use survives the cache's reload after a savepoint
  // rolls back.
  const std::map<std::string, std::shared_ptr<Node>>& nodes();
  std::shared_ptr<Node> node(const std::string& code, const std::string& field);
  // The node a call names (params "node"), refused when revoked.
  std::shared_ptr<Node> active_node(const json::object& params);
  void invalidate() { nodes_version = -1; }
  std::map<std::string, std::shared_ptr<Node>> nodes_cache;
  int64_t nodes_version = -1, nodes_rollbacks = -1;

  // Registration.
  std::optional<std::string> suppress;  // a node whose objects are being applied on a node
  int64_t next_seq();
  int64_t seq = -1;
  void register_change(const std::string& node, std::string_view type, std::string_view uid,
                       const std::string& stream, const char* op);
  bool in_scope(const Node& n, const json::object& doc);
  bool held(const std::string& node, std::string_view uid);
  // The node no longer holds any version of the document.
  void forget_base(const std::string& node, std::string_view uid);

  // Ownership rules by kind (built-in for order; exchange.ownership.put).
  std::vector<OwnershipRule> rules_for(const std::string& kind);
  const OwnershipRule* rule_for(const std::vector<OwnershipRule>& rules, const std::string& field,
                                const json::object& current);

  // Messages.
  std::string sign(const Node& n, json::object message);
  void store_out(Node& n, int64_t msg_no, const std::string& kind, int64_t objects,
                 const std::string& text, const Context& ctx);
  void set_numbers(Node& node, const char* column, int64_t value);
  // The other side has every message up to `ack`: its registrations go.
  void acknowledge(Node& node, int64_t ack, const Context& ctx);
  // Applies a message's objects, each in its own savepoint; a refused one is
  // parked. {applied, parked, conflicts}.
  json::object apply_objects(ObjectStore* catalog, Node& node, int64_t msg_no,
                             const json::array& objects, const Context& ctx);
};

inline void bind_optional(store::Statement& st, int index, const std::optional<std::string>& v) {
  if (v)
    st.bind(index, *v);
  else
    st.bind_null(index);
}

// Canonical text of a message without its signature: what the HMAC covers.
std::string signed_text(const json::object& message);
std::vector<OwnershipRule> parse_rules(const json::value& rules, const std::string& field);

}  // namespace opora::exchange

// The exchange's identity, nodes, streams, change registration and what an
// operator reads: status, conflicts, parked changes.
#include <algorithm>

#include "core/json_text.hpp"
#include "exchange/impl.hpp"

namespace opora::exchange {

namespace {

const std::vector<std::string> kRoots = {"doc", "node"};

std::shared_ptr<const workflow::Expression> parse_scope(const std::string& text,
                                                        const std::string& field) {
  return std::make_shared<const workflow::Expression>(
      workflow::Expression::parse_with_roots(text, field, kRoots));
}

std::vector<std::string> string_list(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

json::value stored_json(const std::string& text) {
  return parse_stored(text);
}

bool valid_code(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace

// --- streams -----------------------------------------------------------------

const std::vector<std::string>& stream_names() {
  static const std::vector<std::string> names = {"catalog", "stock", "orders", "crm"};
  return names;
}

std::string stream_of(std::string_view type, std::string_view kind) {
  if (type == "product" || type == "price_type" || type == "warehouse" || type == "price")
    return "catalog";
  if (type == "stock") return "stock";
  if (type != "document") return "";
  if (kind == "order") return "orders";
  if (kind == "accrual" || kind == "payment" || kind == "upd") return "";
  return "crm";
}

bool stream_is_two_way(std::string_view stream) {
  return stream == "orders" || stream == "crm";
}

const std::vector<std::string>& stream_types(std::string_view stream) {
  static const std::vector<std::string> catalog = {"price_type", "warehouse", "product", "price"};
  static const std::vector<std::string> stock = {"stock"};
  static const std::vector<std::string> documents = {"document"};
  static const std::vector<std::string> none;
  if (stream == "catalog") return catalog;
  if (stream == "stock") return stock;
  if (stream == "orders" || stream == "crm") return documents;
  return none;
}

bool Node::takes(std::string_view stream) const {
  return std::find(streams.begin(), streams.end(), stream) != streams.end();
}

json::object Node::scope_input(const json::object* doc) const {
  json::object in;
  in["doc"] = doc != nullptr ? json::value(*doc) : json::value(nullptr);
  in["node"] = json::object{{"node", node}, {"kind", kind}, {"attributes", params}};
  return in;
}

// --- identity and nodes --------------------------------------------------------

const Identity& Exchange::Impl::self() {
  if (!identity_loaded) {
    auto st = conn.cached("SELECT node, role, prefix FROM exchange_self WHERE one = 1");
    identity.reset();
    if (st->step())
      identity = Identity{st->text(0), st->text(1),
                          st->is_null(2) ? std::nullopt : std::optional<std::string>(st->text(2))};
    identity_loaded = true;
  }
  if (!identity)
    fail_field(ErrorCode::state, "node", "not_set_up",
               "this file has no place in an exchange yet; call exchange.setup with its node code "
               "and role (centre or node) first");
  return *identity;
}

const std::map<std::string, std::shared_ptr<Node>>& Exchange::Impl::nodes() {
  const int64_t version = conn.data_version();
  if (version == nodes_version && conn.rollbacks() == nodes_rollbacks) return nodes_cache;
  nodes_cache.clear();
  identity_loaded = false;
  seq = -1;
  auto st = conn.cached(
      "SELECT node, kind, streams, scope, params, secret, previous_secret, status, "
      "refuse_outdated, sent_no, acked_no, received_no, ack_conveyed FROM exchange_node");
  while (st->step()) {
    auto node_ptr = std::make_shared<Node>();
    Node& n = *node_ptr;
    n.node = st->text(0);
    n.kind = st->text(1);
    n.streams = string_list(stored_json(st->text(2)));
    if (!st->is_null(3)) {
      n.scope_text = st->text(3);
      n.scope = parse_scope(*n.scope_text, "scope");
    }
    n.params = stored_json(st->text(4)).as_object();
    n.secret = st->text(5);
    if (!st->is_null(6)) n.previous_secret = st->text(6);
    n.status = st->text(7);
    n.refuse_outdated = st->int64(8) != 0;
    n.sent_no = st->int64(9);
    n.acked_no = st->int64(10);
    n.received_no = st->int64(11);
    n.ack_conveyed = st->int64(12);
    nodes_cache.emplace(n.node, std::move(node_ptr));
  }
  nodes_version = version;
  nodes_rollbacks = conn.rollbacks();
  return nodes_cache;
}

std::shared_ptr<Node> Exchange::Impl::node(const std::string& code, const std::string& field) {
  nodes();
  auto it = nodes_cache.find(code);
  if (it == nodes_cache.end()) {
    std::string known;
    for (const auto& [k, v] : nodes_cache) known += (known.empty() ? "" : ", ") + k;
    fail_field(ErrorCode::not_found, field, "unknown_node",
               "no node \"" + code + "\" in this file's exchange" +
                   (known.empty() ? std::string(" (none defined: exchange.node.put adds one)")
                                  : " (known: " + known + ")"));
  }
  return it->second;
}

std::shared_ptr<Node> Exchange::Impl::active_node(const json::object& p) {
  auto n = node(std::string(p.at("node").as_string()), "node");
  if (n->status == "revoked")
    fail_field(ErrorCode::state, "node", "revoked",
               "node \"" + n->node + "\" is revoked: nothing is sent to it or taken from it");
  return n;
}

void Exchange::Impl::set_numbers(Node& node, const char* column, int64_t value) {
  conn.cached(std::string("UPDATE exchange_node SET ") + column + " = ?2 WHERE node = ?1")
      ->bind(1, node.node)
      .bind(2, value)
      .run();
  const std::string_view c(column);
  const auto set = [&](Node& n) {
    (c == "sent_no"       ? n.sent_no
     : c == "acked_no"    ? n.acked_no
     : c == "received_no" ? n.received_no
                          : n.ack_conveyed) = value;
  };
  set(node);
  if (auto it = nodes_cache.find(node.node); it != nodes_cache.end() && it->second.get() != &node)
    set(*it->second);
}

Exchange::Exchange(store::Connection& conn, registry::Registry& registry, EventPublisher& events)
    : impl_(std::make_unique<Impl>(conn, registry, events)) {}

Exchange::~Exchange() = default;

void Exchange::load_identity() {
  impl_->identity_loaded = false;
  auto st = impl_->conn.cached("SELECT node, role, prefix FROM exchange_self WHERE one = 1");
  if (st->step() && st->text(1) == "node")
    impl_->registry.set_number_prefix(st->is_null(2) ? st->text(0) : st->text(2));
  else
    impl_->registry.set_number_prefix(std::nullopt);
}

json::object Exchange::setup(const json::object& p, const Context&) {
  const std::string code(p.at("node").as_string());
  const std::string role(p.at("role").as_string());
  if (!valid_code(code))
    fail_field(ErrorCode::invalid, "node", "code",
               "a node code is 1..64 letters, digits, '-', '_' or '.'");
  std::optional<std::string> prefix;
  if (const auto* v = p.if_contains("prefix")) prefix = std::string(v->as_string());
  if (role == "centre" && prefix)
    fail_field(ErrorCode::validation, "prefix", "centre_numbers",
               "the central file issues final numbers; a prefix is for a node's provisional ones");
  {
    auto existing = impl_->conn.cached("SELECT node, role FROM exchange_self WHERE one = 1");
    if (existing->step() && (existing->text(0) != code || existing->text(1) != role)) {
      auto n = impl_->conn.cached("SELECT count(*) FROM exchange_node");
      n->step();
      if (n->int64(0) > 0)
        fail_field(ErrorCode::state, "node", "in_use",
                   "this file is \"" + existing->text(0) + "\" (" + existing->text(1) +
                       ") with nodes defined; its code and role cannot change");
    }
  }
  {
    auto st = impl_->conn.cached(
        "INSERT INTO exchange_self (one, node, role, prefix) VALUES (1, ?1, ?2, ?3) "
        "ON CONFLICT (one) DO UPDATE SET node = excluded.node, role = excluded.role, "
        "prefix = excluded.prefix");
    st->bind(1, code).bind(2, role);
    bind_optional(*st, 3, prefix);
    st->run();
  }
  impl_->identity_loaded = false;
  load_identity();
  json::object out{{"node", code}, {"role", role}};
  out["prefix"] = prefix ? json::value(*prefix) : json::value(nullptr);
  return out;
}

json::object Exchange::put_node(const json::object& p, const Context& ctx) {
  const Identity& self = impl_->self();
  const std::string code(p.at("node").as_string());
  FieldErrors errors;
  if (!valid_code(code))
    errors.add("node", "code", "a node code is 1..64 letters, digits, '-', '_' or '.'");
  if (code == self.node)
    errors.add("node", "self", "\"" + code + "\" is this file itself; name the other side");
  auto& nodes = impl_->nodes();
  const auto found = nodes.find(code);
  const Node* old = found == nodes.end() ? nullptr : found->second.get();
  if (!self.centre() && old == nullptr && !nodes.empty())
    errors.add("node", "one_centre",
               "a node exchanges with its central file only (\"" + nodes.begin()->first + "\")");
  std::vector<std::string> streams;
  if (const auto* v = p.if_contains("streams")) {
    for (size_t i = 0; i < v->as_array().size(); ++i) {
      std::string s(v->as_array()[i].as_string());
      const auto& names = stream_names();
      if (std::find(names.begin(), names.end(), s) == names.end())
        errors.add("streams[" + std::to_string(i) + "]", "enum",
                   "unknown stream \"" + s + "\"; expected catalog, stock, orders or crm");
      else if (std::find(streams.begin(), streams.end(), s) == streams.end())
        streams.push_back(std::move(s));
    }
  } else if (old != nullptr) {
    streams = old->streams;
  } else {
    streams = stream_names();
  }
  std::optional<std::string> scope = old != nullptr ? old->scope_text : std::nullopt;
  if (const auto* v = p.if_contains("scope")) {
    scope = std::string(v->as_string());
    try {
      parse_scope(*scope, "scope");
    } catch (const Error& e) {
      for (const auto& f : e.field_errors()) errors.add(f.field, f.rule, f.message);
    }
  }
  if (scope && !self.centre())
    errors.add("scope", "centre_only", "the central file decides what a node sees");
  std::string secret;
  bool new_secret = false;
  if (const auto* v = p.if_contains("secret")) {
    secret = std::string(v->as_string());
    if (secret.size() < 32)
      errors.add("secret", "secret_length",
                 "a node's secret is at least 32 characters (256 bits as hex); leave it out to "
                 "have one made");
    new_secret = old == nullptr || secret != old->secret;
  } else if (old != nullptr) {
    secret = old->secret;
  } else {
    new_secret = true;
  }
  errors.throw_if_any(ErrorCode::validation);
  if (old != nullptr && old->status == "revoked")
    fail_field(ErrorCode::state, "node", "revoked",
               "node \"" + code +
                   "\" was revoked; a revoked node does not come back — define it "
                   "under a new code");
  if (secret.empty()) secret = new_secret_();
  json::object params = old != nullptr ? old->params : json::object();
  if (const auto* v = p.if_contains("attributes")) params = v->as_object();
  const std::string kind = p.contains("kind") ? std::string(p.at("kind").as_string())
                           : old != nullptr   ? old->kind
                                              : std::string(self.centre() ? "tablet" : "centre");
  const bool refuse = p.contains("refuse_outdated") ? p.at("refuse_outdated").as_bool()
                      : old != nullptr              ? old->refuse_outdated
                                                    : false;
  json::array streams_json(streams.begin(), streams.end());
  auto st = impl_->conn.cached(
      "INSERT INTO exchange_node (node, kind, streams, scope, params, secret, previous_secret, "
      "status, refuse_outdated, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, "
      "'active', ?7, ?8, ?8) ON CONFLICT (node) DO UPDATE SET kind = excluded.kind, "
      "streams = excluded.streams, scope = excluded.scope, params = excluded.params, "
      "previous_secret = CASE WHEN exchange_node.secret = excluded.secret "
      "THEN exchange_node.previous_secret ELSE exchange_node.secret END, "
      "secret = excluded.secret, refuse_outdated = excluded.refuse_outdated, "
      "updated_at = excluded.updated_at");
  st->bind(1, code).bind(2, kind).bind(3, json::serialize(streams_json));
  bind_optional(*st, 4, scope);
  st->bind(5, json::serialize(params))
      .bind(6, secret)
      .bind(7, int64_t{refuse ? 1 : 0})
      .bind(8, ctx.now.to_string())
      .run();
  impl_->invalidate();
  json::object out{{"node", code},
                   {"kind", kind},
                   {"streams", std::move(streams_json)},
                   {"scope", scope ? json::value(*scope) : json::value(nullptr)},
                   {"attributes", params},
                   {"refuse_outdated", refuse},
                   {"status", "active"}};
  // The secret is shown once, when it is made or changed: give it to the
  // other side, which sets the same with exchange.node.put.
  out["secret"] = new_secret ? json::value(secret) : json::value(nullptr);
  return out;
}

json::object Exchange::revoke_node(const std::string& code, const Context& ctx) {
  const auto node_ptr = impl_->node(code, "node");
  const Node& n = *node_ptr;
  if (n.status == "revoked")
    fail_field(ErrorCode::state, "node", "revoked", "node \"" + code + "\" is already revoked");
  impl_->conn
      .cached("UPDATE exchange_node SET status = 'revoked', updated_at = ?2 WHERE node = ?1")
      ->bind(1, code)
      .bind(2, ctx.now.to_string())
      .run();
  auto del = impl_->conn.cached("DELETE FROM exchange_change WHERE node = ?1");
  del->bind(1, code).run();
  const int64_t dropped = impl_->conn.changes();
  impl_->invalidate();
  return {{"node", code}, {"status", "revoked"}, {"registrations_dropped", dropped}};
}

json::object Exchange::list_nodes() {
  json::array out;
  for (const auto& [code, node_ptr] : impl_->nodes()) {
    const Node& n = *node_ptr;
    out.push_back(
        json::object{{"node", code},
                     {"kind", n.kind},
                     {"streams", json::array(n.streams.begin(), n.streams.end())},
                     {"scope", n.scope_text ? json::value(*n.scope_text) : json::value(nullptr)},
                     {"attributes", n.params},
                     {"status", n.status},
                     {"refuse_outdated", n.refuse_outdated}});
  }
  return {{"nodes", std::move(out)}};
}

// --- registration -------------------------------------------------------------

int64_t Exchange::Impl::next_seq() {
  // Beside other writers (a billing run's workers on PostgreSQL) changes
  // are numbered one writer at a time, in the order they commit, so that a
  // node reading the changes after a number never misses one committed
  // later under a smaller number; the largest is read afresh each time.
  if (conn.beside_others()) {
    conn.serialize();
    seq = -1;
  }
  if (seq < 0) {
    auto st = conn.cached("SELECT coalesce(max(seq), 0) FROM exchange_change");
    st->step();
    seq = st->int64(0);
  }
  return ++seq;
}

bool Exchange::Impl::in_scope(const Node& n, const json::object& doc) {
  if (!n.scope) return true;
  try {
    return n.scope->evaluate_bool(n.scope_input(&doc), {});
  } catch (const Error&) {
    // A scope that cannot be evaluated on this document (a type error over
    // the host's data) does not take it.
    return false;
  }
}

void Exchange::Impl::forget_base(const std::string& code, std::string_view uid) {
  conn.cached("DELETE FROM exchange_base WHERE node = ?1 AND uid = ?2")
      ->bind(1, code)
      .bind(2, std::string(uid))
      .run();
}

bool Exchange::Impl::held(const std::string& code, std::string_view uid) {
  auto st = conn.cached("SELECT 1 FROM exchange_base WHERE node = ?1 AND uid = ?2 LIMIT 1");
  st->bind(1, code).bind(2, std::string(uid));
  return st->step();
}

void Exchange::Impl::register_change(const std::string& code, std::string_view type,
                                     std::string_view uid, const std::string& stream,
                                     const char* op) {
  conn.cached(
          "INSERT INTO exchange_change (node, type, uid, stream, op, seq, msg_no) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL) ON CONFLICT (node, type, uid) DO UPDATE SET "
          "stream = excluded.stream, op = excluded.op, seq = excluded.seq, msg_no = NULL")
      ->bind(1, code)
      .bind(2, std::string(type))
      .bind(3, std::string(uid))
      .bind(4, stream)
      .bind(5, op)
      .bind(6, next_seq())
      .run();
}

bool Exchange::wants(std::string_view type, std::string_view kind) {
  const std::string stream = stream_of(type, kind);
  if (stream.empty()) return false;
  // A node whose message is being applied here does not hear its own
  // changes back (on a node: the central file's).
  for (const auto& [code, n] : impl_->nodes())
    if (n->status == "active" && n->takes(stream) && !(impl_->suppress && *impl_->suppress == code))
      return true;
  return false;
}

void Exchange::object_changed(const ObjectChange& change) {
  std::string kind;
  if (change.body != nullptr)
    if (const auto* k = change.body->if_contains("kind"); k != nullptr && k->is_string())
      kind = std::string(k->get_string());
  const bool document = change.type == "document";
  // A copy: registering never reloads the nodes, but the map must not move
  // under the loop either way.
  const auto nodes = impl_->nodes();
  for (const auto& [code, node_ptr] : nodes) {
    const Node& n = *node_ptr;
    if (n.status != "active" || (impl_->suppress && *impl_->suppress == code)) continue;
    std::string stream = stream_of(change.type, kind);
    if (document && change.body == nullptr) {
      // A deleted document: its kind decides nothing any more; the node
      // hears of it if it holds it.
      if (!impl_->held(code, change.uid)) continue;
      impl_->register_change(code, change.type, change.uid, "orders", "remove");
      continue;
    }
    if (stream.empty() || !n.takes(stream)) continue;
    if (!document) {
      impl_->register_change(code, change.type, change.uid, stream,
                             change.body != nullptr ? "upsert" : "remove");
      continue;
    }
    if (impl_->in_scope(n, *change.body)) {
      impl_->register_change(code, change.type, change.uid, stream, "upsert");
    } else if (impl_->held(code, change.uid)) {
      // Out of the node's scope now (another manager's order): it goes.
      impl_->register_change(code, change.type, change.uid, stream, "remove");
    } else {
      impl_->conn
          .cached(
              "DELETE FROM exchange_change WHERE node = ?1 AND type = ?2 AND uid = ?3 AND "
              "msg_no IS NULL")
          ->bind(1, code)
          .bind(2, std::string(change.type))
          .bind(3, std::string(change.uid))
          .run();
    }
  }
}

// --- what an operator reads ---------------------------------------------------

json::object Exchange::status(const json::object& p, const Context& ctx) {
  const Identity& self = impl_->self();
  json::array out;
  const std::optional<std::string> only =
      p.contains("node") ? std::optional<std::string>(std::string(p.at("node").as_string()))
                         : std::nullopt;
  if (only) impl_->node(*only, "node");
  for (const auto& [code, node_ptr] : impl_->nodes()) {
    const Node& n = *node_ptr;
    if (only && *only != code) continue;
    json::object pending;
    for (const auto& s : stream_names()) pending[s] = 0;
    auto st = impl_->conn.cached(
        "SELECT stream, count(*) FROM exchange_change WHERE node = ?1 GROUP BY stream");
    st->bind(1, code);
    while (st->step()) pending[st->text(0)] = st->int64(1);
    auto counts = impl_->conn.cached(
        "SELECT (SELECT count(*) FROM exchange_parked WHERE node = ?1 AND resolved_at IS NULL), "
        "(SELECT count(*) FROM exchange_conflict WHERE node = ?1), "
        "(SELECT library FROM exchange_node WHERE node = ?1), "
        "(SELECT schemas FROM exchange_node WHERE node = ?1), "
        "(SELECT last_seen_at FROM exchange_node WHERE node = ?1)");
    counts->bind(1, code);
    counts->step();
    json::object snapshot;
    auto snap = impl_->conn.cached("SELECT stream, done FROM exchange_snapshot WHERE node = ?1");
    snap->bind(1, code);
    while (snap->step()) snapshot[snap->text(0)] = snap->int64(1) != 0 ? "complete" : "in_progress";
    bool outdated = false;
    if (!counts->is_null(3)) {
      const json::object theirs = stored_json(counts->text(3)).as_object();
      for (const auto& kv : ctx.schemas)
        if (const auto* v = theirs.if_contains(kv.key());
            v == nullptr || (v->is_int64() && v->get_int64() < kv.value().as_int64()))
          outdated = true;
    }
    out.push_back(json::object{
        {"node", code},
        {"kind", n.kind},
        {"status", n.status},
        {"streams", json::array(n.streams.begin(), n.streams.end())},
        {"sent_no", n.sent_no},
        {"acked_no", n.acked_no},
        {"received_no", n.received_no},
        {"unacknowledged", n.sent_no > n.acked_no},
        {"pending", std::move(pending)},
        {"snapshot", std::move(snapshot)},
        {"parked", counts->int64(0)},
        {"conflicts", counts->int64(1)},
        {"library", counts->is_null(2) ? json::value(nullptr) : json::value(counts->text(2))},
        {"last_seen_at", counts->is_null(4) ? json::value(nullptr) : json::value(counts->text(4))},
        {"outdated", outdated}});
  }
  return {{"self", json::object{{"node", self.node},
                                {"role", self.role},
                                {"prefix",
                                 self.prefix ? json::value(*self.prefix) : json::value(nullptr)}}},
          {"library", ctx.library},
          {"nodes", std::move(out)}};
}

json::object Exchange::conflicts(const json::object& p) {
  std::string sql =
      "SELECT id, node, msg_no, uid, kind, field, base, ours, theirs, resolution, at FROM "
      "exchange_conflict WHERE id > ?1";
  // Parameters numbered without gaps (PostgreSQL types every number up to
  // the highest).
  int slots = 2;
  const int node_slot = p.contains("node") ? ++slots : 0;
  const int uid_slot = p.contains("uid") ? ++slots : 0;
  if (node_slot != 0) sql += " AND node = ?" + std::to_string(node_slot);
  if (uid_slot != 0) sql += " AND uid = ?" + std::to_string(uid_slot);
  sql += " ORDER BY id LIMIT ?2";
  auto st = impl_->conn.cached(sql);
  st->bind(1, p.contains("after") ? p.at("after").as_int64() : 0)
      .bind(2, p.contains("limit") ? p.at("limit").as_int64() : 100);
  if (node_slot != 0) st->bind(node_slot, std::string(p.at("node").as_string()));
  if (uid_slot != 0) st->bind(uid_slot, std::string(p.at("uid").as_string()));
  json::array out;
  const auto value = [&](int c) { return st->is_null(c) ? std::string("null") : st->text(c); };
  while (st->step())
    out.push_back(json::object{{"conflict", st->int64(0)},
                               {"node", st->text(1)},
                               {"msg_no", st->int64(2)},
                               {"uid", st->text(3)},
                               {"kind", st->text(4)},
                               {"field", st->text(5)},
                               {"base", value(6)},
                               {"ours", value(7)},
                               {"theirs", value(8)},
                               {"resolution", st->text(9)},
                               {"at", st->text(10)}});
  return {{"conflicts", std::move(out)}};
}

json::object Exchange::parked(const json::object& p) {
  std::string sql =
      "SELECT id, node, msg_no, type, uid, rule, field, reason, object, at, resolved_at, "
      "resolution FROM exchange_parked WHERE id > ?1";
  if (!(p.contains("all") && p.at("all").as_bool())) sql += " AND resolved_at IS NULL";
  if (p.contains("node")) sql += " AND node = ?3";
  sql += " ORDER BY id LIMIT ?2";
  auto st = impl_->conn.cached(sql);
  st->bind(1, p.contains("after") ? p.at("after").as_int64() : 0)
      .bind(2, p.contains("limit") ? p.at("limit").as_int64() : 100);
  if (p.contains("node")) st->bind(3, std::string(p.at("node").as_string()));
  json::array out;
  while (st->step())
    out.push_back(json::object{
        {"parked", st->int64(0)},
        {"node", st->text(1)},
        {"msg_no", st->int64(2)},
        {"type", st->text(3)},
        {"uid", st->text(4)},
        {"rule", st->text(5)},
        {"field", st->is_null(6) ? json::value(nullptr) : json::value(st->text(6))},
        {"reason", st->text(7)},
        {"object", stored_json(st->text(8))},
        {"at", st->text(9)},
        {"resolved_at", st->is_null(10) ? json::value(nullptr) : json::value(st->text(10))},
        {"resolution", st->is_null(11) ? json::value(nullptr) : json::value(st->text(11))}});
  return {{"parked", std::move(out)}};
}

json::object Exchange::resolve_parked(const json::object& p, const Context& ctx) {
  const int64_t id = p.at("parked").as_int64();
  const std::string resolution(p.at("resolution").as_string());
  auto st = impl_->conn.cached(
      "UPDATE exchange_parked SET resolved_at = ?2, resolution = ?3 WHERE id = ?1 AND "
      "resolved_at IS NULL");
  st->bind(1, id).bind(2, ctx.now.to_string()).bind(3, resolution).run();
  if (impl_->conn.changes() == 0)
    fail_field(ErrorCode::not_found, "parked", "not_found",
               "no open parked change " + std::to_string(id));
  return {{"parked", id}, {"resolution", resolution}, {"resolved_at", ctx.now.to_string()}};
}

}  // namespace opora::exchange

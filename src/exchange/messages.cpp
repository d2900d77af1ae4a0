// Messages: exchange.out and exchange.snapshot build them, exchange.in takes
// them. One pair of numbers per direction, a piggy-backed acknowledgement, a
// signature over the canonical text, and every object applied in a savepoint
// of its own so a refused one is parked and the rest go on.
#include <algorithm>

#include "core/hmac.hpp"
#include "core/json_text.hpp"
#include "exchange/impl.hpp"

namespace opora::exchange {

namespace {

constexpr int64_t kDefaultMaxObjects = 1000;
constexpr int64_t kDefaultMaxBytes = 4 * 1024 * 1024;

json::object envelope(const Identity& self, const Node& n, int64_t msg_no, const char* kind,
                      const Context& ctx) {
  return {{"format", kFormat},      {"protocol", kProtocol},
          {"from", self.node},      {"to", n.node},
          {"msg_no", msg_no},       {"ack", n.received_no},
          {"kind", kind},           {"library", ctx.library},
          {"schemas", ctx.schemas}, {"created_at", ctx.now.to_string()}};
}

int64_t int_or(const json::object& p, const char* key, int64_t fallback) {
  const auto* v = p.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : fallback;
}

// A document field by path: a top-level member, or "custom.<member>".
const json::value* field_value(const json::object& doc, const std::string& path) {
  if (path.rfind("custom.", 0) == 0) {
    const auto* c = doc.if_contains("custom");
    if (c == nullptr || !c->is_object()) return nullptr;
    return c->get_object().if_contains(path.substr(7));
  }
  return doc.if_contains(path);
}

void set_field(json::object& doc, const std::string& path, const json::value* v) {
  if (path.rfind("custom.", 0) == 0) {
    json::value& c = doc["custom"];
    if (!c.is_object()) c = json::object();
    if (v != nullptr)
      c.get_object()[path.substr(7)] = *v;
    else
      c.get_object().erase(path.substr(7));
    return;
  }
  if (v != nullptr)
    doc[path] = *v;
  else
    doc.erase(path);
}

bool same(const json::value* a, const json::value* b) {
  if (a == nullptr || a->is_null()) return b == nullptr || b->is_null();
  return b != nullptr && *a == *b;
}

// The fields a three-way merge compares: top-level members and the host's
// own custom members one by one. The uid and kind never change; totals
// follow the items.
std::vector<std::string> merge_fields(std::initializer_list<const json::object*> docs) {
  std::vector<std::string> out;
  const auto add = [&](std::string f) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
  };
  for (const auto* d : docs) {
    if (d == nullptr) continue;
    for (const auto& kv : *d) {
      const std::string key(kv.key());
      if (key == "uid" || key == "kind" || key == "totals") continue;
      if (key == "custom" && kv.value().is_object()) {
        for (const auto& c : kv.value().get_object()) add("custom." + std::string(c.key()));
        continue;
      }
      add(key);
    }
  }
  return out;
}

json::value json_or_null(const json::value* v) {
  return v == nullptr ? json::value(nullptr) : *v;
}

std::string text_or_null(const json::value* v) {
  return v == nullptr ? std::string("null") : json::serialize(*v);
}

[[noreturn]] void refuse(ErrorCode code, const std::string& field, const std::string& rule,
                         const std::string& message) {
  fail_field(code, field, rule, message);
}

// The message as the host gave it: an object, or its text.
json::object read_message(const json::value& v) {
  if (v.is_object()) return v.get_object();
  boost::system::error_code ec;
  json::parse_options opt;
  opt.max_depth = 64;
  json::value parsed = json::parse(v.get_string(), ec, {}, opt);
  if (ec || !parsed.is_object())
    refuse(ErrorCode::invalid, "message", "message",
           "the message is not a whole JSON object (" +
               (ec ? ec.message() : std::string("not an object")) +
               "): it was cut short or is not an opora exchange message; ask for it again");
  return std::move(parsed.get_object());
}

}  // namespace

std::string signed_text(const json::object& message) {
  json::object unsigned_part = message;
  unsigned_part.erase("hmac");
  return json::serialize(unsigned_part);
}

std::string Exchange::Impl::sign(const Node& n, json::object message) {
  if (message.empty() || message.contains("hmac")) {
    message["hmac"] = hmac_sha256_hex(n.secret, signed_text(message));
    return json::serialize(message);
  }
  // The signed text with the signature appended as the last member: the
  // bytes serialising the message with "hmac" added would give, without
  // copying and serialising a message of many objects twice.
  std::string text = json::serialize(message);
  const std::string hmac = hmac_sha256_hex(n.secret, text);
  text.pop_back();  // the closing brace
  text += ",\"hmac\":\"";
  text += hmac;
  text += "\"}";
  return text;
}

void Exchange::Impl::store_out(Node& n, int64_t msg_no, const std::string& kind, int64_t objects,
                               const std::string& text, const Context& ctx) {
  conn.cached(
          "INSERT INTO exchange_message (node, direction, msg_no, kind, objects, bytes, text, "
          "created_at) VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6, ?7)")
      ->bind(1, n.node)
      .bind(2, msg_no)
      .bind(3, kind)
      .bind(4, objects)
      .bind(5, static_cast<int64_t>(text.size()))
      .bind(6, text)
      .bind(7, ctx.now.to_string())
      .run();
  set_numbers(n, "sent_no", msg_no);
  set_numbers(n, "ack_conveyed", n.received_no);
}

namespace {

// What `out` and `snapshot` share: the answer for an unacknowledged message
// (the same bytes again, or first an acknowledgement the other side lacks),
// and building one message from a list of objects.
struct Builder {
  Exchange::Impl& x;
  ObjectStore* catalog;
  const Identity& self;
  Node& n;
  const Context& ctx;

  std::optional<json::object> pending_answer() {
    if (n.sent_no <= n.acked_no) return std::nullopt;
    if (n.received_no > n.ack_conveyed) return ack_only();
    auto st = x.conn.cached(
        "SELECT text, objects, kind FROM exchange_message WHERE node = ?1 AND direction = 'out' "
        "AND msg_no = ?2");
    st->bind(1, n.node).bind(2, n.sent_no);
    if (!st->step() || st->is_null(0))
      throw Error(ErrorCode::internal,
                  "message " + std::to_string(n.sent_no) + " to " + n.node + " is not stored");
    const std::string text = st->text(0);
    return json::object{{"message", parse_stored(text)},
                        {"msg_no", n.sent_no},
                        {"kind", st->text(2)},
                        {"objects", st->int64(1)},
                        {"bytes", static_cast<int64_t>(text.size())},
                        {"resend", true},
                        {"complete", nullptr}};
  }

  // Nothing to send: the acknowledgement alone, unnumbered and not stored.
  json::object ack_only() {
    json::object m = envelope(self, n, 0, "ack", ctx);
    m["objects"] = json::array();
    m["files"] = json::array();
    const std::string text = x.sign(n, std::move(m));
    x.set_numbers(n, "ack_conveyed", n.received_no);
    return {{"message", json::parse(text)},
            {"msg_no", 0},
            {"kind", "ack"},
            {"objects", 0},
            {"bytes", static_cast<int64_t>(text.size())},
            {"resend", false},
            {"complete", nullptr}};
  }

  // One object as a message carries it, or nullopt if it vanished since it
  // was registered (and nothing is to be said of it).
  json::object entry(const std::string& type, const std::string& uid, std::string op,
                     std::vector<std::string>& files) {
    json::object e{{"type", type}, {"uid", uid}};
    if (type == "document") {
      const auto id = x.registry.find_uid(uid);
      json::object doc;
      if (id) doc = x.registry.load(*id, "uid");
      if (!id || doc.at("deleted").as_bool()) op = "remove";
      e["op"] = op;
      if (op == "upsert") {
        if (self.centre()) {
          e["version"] = doc.at("version").as_int64();
        } else {
          auto b =
              x.conn.cached("SELECT max(version) FROM exchange_base WHERE node = ?1 AND uid = ?2");
          b->bind(1, n.node).bind(2, uid);
          b->step();
          e["base_version"] = b->is_null(0) ? 0 : b->int64(0);
        }
        json::object body = x.registry.exchange_body(doc);
        if (self.centre())
          x.conn
              .cached(
                  "INSERT INTO exchange_base (node, uid, version, body) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (node, uid, version) DO UPDATE SET body = excluded.body")
              ->bind(1, n.node)
              .bind(2, uid)
              .bind(3, doc.at("version").as_int64())
              .bind(4, json::serialize(body))
              .run();
        e["body"] = std::move(body);
      } else if (self.centre()) {
        x.forget_base(n.node, uid);
      }
      return e;
    }
    std::optional<json::object> body;
    if (catalog != nullptr && op == "upsert") body = catalog->object(type, uid);
    e["op"] = body ? "upsert" : "remove";
    if (body) {
      for (auto& f : catalog->files_of(type, *body))
        if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(std::move(f));
      e["body"] = std::move(*body);
    }
    return e;
  }

  json::object finish(const char* kind, json::array objects, std::vector<std::string> files,
                      json::object extra) {
    const int64_t msg_no = n.sent_no + 1;
    json::object m = envelope(self, n, msg_no, kind, ctx);
    const auto count = static_cast<int64_t>(objects.size());
    m["objects"] = std::move(objects);
    m["files"] = json::array(files.begin(), files.end());
    for (auto& kv : extra) m[kv.key()] = kv.value();
    const std::string text = x.sign(n, std::move(m));
    x.store_out(n, msg_no, kind, count, text, ctx);
    return {{"message", json::parse(text)},
            {"msg_no", msg_no},
            {"kind", kind},
            {"objects", count},
            {"bytes", static_cast<int64_t>(text.size())},
            {"resend", false},
            {"complete", nullptr}};
  }
};

}  // namespace

json::object Exchange::out(const json::object& p, const Context& ctx) {
  const Identity& self = impl_->self();
  const auto node_ptr = impl_->active_node(p);
  Node& n = *node_ptr;
  Builder b{*impl_, catalog_, self, n, ctx};
  if (auto pending = b.pending_answer()) return *pending;

  const int64_t max_objects = int_or(p, "max_objects", kDefaultMaxObjects);
  const int64_t max_bytes = int_or(p, "max_bytes", kDefaultMaxBytes);
  std::vector<std::string> streams;
  if (const auto* v = p.if_contains("streams"))
    for (const auto& s : v->as_array()) streams.emplace_back(s.as_string());
  std::string sql =
      "SELECT type, uid, op, stream FROM exchange_change WHERE node = ?1 AND "
      "msg_no IS NULL";
  if (!streams.empty()) {
    sql += " AND stream IN (";
    for (size_t i = 0; i < streams.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 3);
    sql += ")";
  }
  sql += " ORDER BY seq LIMIT ?2";
  struct Row {
    std::string type, uid, op;
  };
  std::vector<Row> rows;
  {
    auto st = impl_->conn.cached(sql);
    st->bind(1, n.node).bind(2, max_objects);
    for (size_t i = 0; i < streams.size(); ++i) st->bind(static_cast<int>(i + 3), streams[i]);
    while (st->step()) rows.push_back({st->text(0), st->text(1), st->text(2)});
  }
  if (rows.empty()) return b.ack_only();

  const int64_t msg_no = n.sent_no + 1;
  json::array objects;
  std::vector<std::string> files;
  int64_t bytes = 0;
  auto stamp = impl_->conn.cached(
      "UPDATE exchange_change SET msg_no = ?4 WHERE node = ?1 AND type = ?2 AND uid = ?3");
  for (const auto& r : rows) {
    json::object e = b.entry(r.type, r.uid, r.op, files);
    const auto size = static_cast<int64_t>(json::serialize(e).size());
    if (!objects.empty() && bytes + size > max_bytes) break;
    bytes += size;
    objects.push_back(std::move(e));
    stamp->bind(1, n.node).bind(2, r.type).bind(3, r.uid).bind(4, msg_no).run();
    stamp->reset();
  }
  return b.finish("changes", std::move(objects), std::move(files), {});
}

json::object Exchange::snapshot(const json::object& p, const Context& ctx) {
  const Identity& self = impl_->self();
  const auto node_ptr = impl_->active_node(p);
  Node& n = *node_ptr;
  const std::string stream(p.at("stream").as_string());
  if (!n.takes(stream))
    refuse(ErrorCode::validation, "stream", "stream",
           "node \"" + n.node + "\" does not take the " + stream + " stream");
  if (!self.centre() && !stream_is_two_way(stream))
    refuse(ErrorCode::validation, "stream", "centre_only",
           "the " + stream + " stream flows from the central file to its nodes");
  Builder b{*impl_, catalog_, self, n, ctx};
  if (auto pending = b.pending_answer()) return *pending;

  if (p.contains("restart") && p.at("restart").as_bool())
    impl_->conn.cached("DELETE FROM exchange_snapshot WHERE node = ?1 AND stream = ?2")
        ->bind(1, n.node)
        .bind(2, stream)
        .run();
  std::string after;
  bool done = false;
  {
    auto st = impl_->conn.cached(
        "SELECT after, done FROM exchange_snapshot WHERE node = ?1 AND stream = ?2");
    st->bind(1, n.node).bind(2, stream);
    if (st->step()) {
      after = st->text(0);
      done = st->int64(1) != 0;
    }
  }
  const int64_t limit = int_or(p, "limit", kDefaultMaxObjects);
  json::array objects;
  std::vector<std::string> files;
  // The cursor is "<type>|<uid>": types in the stream's order, uids in order.
  const auto& types = stream_types(stream);
  size_t t = 0;
  std::string last_uid;
  if (!after.empty()) {
    const size_t bar = after.find('|');
    const std::string type = after.substr(0, bar);
    last_uid = after.substr(bar + 1);
    t = static_cast<size_t>(std::find(types.begin(), types.end(), type) - types.begin());
  }
  std::vector<std::string> kinds;
  if (stream == "orders") kinds = {"order"};
  while (!done && t < types.size() && static_cast<int64_t>(objects.size()) < limit) {
    const std::string& type = types[t];
    const int64_t want = limit - static_cast<int64_t>(objects.size());
    int64_t got = 0;
    if (type == "document") {
      for (auto& body : impl_->registry.documents_after(kinds, last_uid, want)) {
        ++got;
        last_uid = std::string(body.at("uid").as_string());
        const std::string kind(body.at("kind").as_string());
        if (stream_of("document", kind) != stream) continue;
        if (self.centre() && !impl_->in_scope(n, body)) continue;
        objects.push_back(b.entry("document", last_uid, "upsert", files));
      }
    } else if (catalog_ != nullptr) {
      for (auto& body : catalog_->objects(type, last_uid, want)) {
        ++got;
        last_uid = std::string(body.at("uid").as_string());
        for (auto& f : catalog_->files_of(type, body))
          if (std::find(files.begin(), files.end(), f) == files.end())
            files.push_back(std::move(f));
        objects.push_back(json::object{
            {"type", type}, {"uid", last_uid}, {"op", "upsert"}, {"body", std::move(body)}});
      }
    }
    if (got < want) {
      ++t;  // this type is exhausted
      last_uid.clear();
    }
  }
  done = done || t >= types.size();
  const std::string cursor = done ? std::string() : types[t] + "|" + last_uid;
  impl_->conn
      .cached(
          "INSERT INTO exchange_snapshot (node, stream, after, done) VALUES (?1, ?2, ?3, ?4) "
          "ON CONFLICT (node, stream) DO UPDATE SET after = excluded.after, done = excluded.done")
      ->bind(1, n.node)
      .bind(2, stream)
      .bind(3, cursor)
      .bind(4, int64_t{done ? 1 : 0})
      .run();
  json::object result =
      b.finish("snapshot", std::move(objects), std::move(files),
               json::object{{"snapshot", json::object{{"stream", stream}, {"complete", done}}}});
  result["complete"] = done;
  return result;
}

// --- taking a message ----------------------------------------------------------

namespace {

struct Parked {
  std::string type, uid, rule, field, reason;
  json::object object;
};

struct Applier {
  Exchange::Impl& x;
  ObjectStore* catalog;
  const Identity& self;
  Node& n;
  int64_t msg_no;
  const Context& ctx;
  json::array conflicts;

  registry::Context registry_context(bool authoritative) const {
    registry::Context c;
    c.now = ctx.now;
    c.today = ctx.today;
    c.actor = ctx.actor;
    c.origin_node = n.node;
    c.origin_msg_no = msg_no;
    c.authoritative = authoritative;
    return c;
  }

  [[noreturn]] static void park(const std::string& rule, const std::string& field,
                                const std::string& reason) {
    throw Error(ErrorCode::validation, reason, {{field, rule, reason}});
  }

  void apply(const json::object& e) {
    const std::string type(e.at("type").as_string());
    if (self.centre())
      apply_on_centre(type, e);
    else
      apply_on_node(type, e);
  }

  // From the central file: its word is final, but an edit made here and not
  // yet sent is kept (field by field) and goes to the centre on the new base.
  void apply_on_node(const std::string& type, const json::object& e) {
    const std::string uid(e.at("uid").as_string());
    const bool remove = e.at("op") == "remove";
    if (type != "document") {
      if (catalog == nullptr)
        park("unsupported", "type", "this build has no catalogue to take " + type + " objects");
      if (remove)
        catalog->remove(type, uid);
      else
        catalog->apply(type, e.at("body").as_object());
      return;
    }
    const auto id = x.registry.find_uid(uid);
    const registry::Context rc = registry_context(true);
    if (remove) {
      // An edit made here and not yet sent stays, with the document, until
      // it has gone up: the central file then parks it (or takes it) and
      // sends the removal again. Dropping it here would lose it unseen.
      {
        auto st = x.conn.cached(
            "SELECT 1 FROM exchange_change WHERE node = ?1 AND type = 'document' AND uid = ?2 "
            "AND msg_no IS NULL");
        st->bind(1, n.node).bind(2, uid);
        if (st->step()) return;
      }
      if (id && !x.registry.load(*id, "uid").at("deleted").as_bool()) x.registry.remove(*id, rc);
      x.forget_base(n.node, uid);
      x.conn
          .cached("DELETE FROM exchange_change WHERE node = ?1 AND type = 'document' AND uid = ?2")
          ->bind(1, n.node)
          .bind(2, uid)
          .run();
      return;
    }
    const json::object& theirs = e.at("body").as_object();
    const int64_t version = e.at("version").as_int64();
    bool unsent = false;
    {
      auto st = x.conn.cached(
          "SELECT 1 FROM exchange_change WHERE node = ?1 AND type = 'document' AND uid = ?2 AND "
          "msg_no IS NULL");
      st->bind(1, n.node).bind(2, uid);
      unsent = st->step();
    }
    json::object result = theirs;
    if (id && unsent) {
      json::object base;
      {
        auto st = x.conn.cached(
            "SELECT body FROM exchange_base WHERE node = ?1 AND uid = ?2 ORDER BY version DESC "
            "LIMIT 1");
        st->bind(1, n.node).bind(2, uid);
        if (st->step()) base = parse_stored(st->text(0)).as_object();
      }
      const json::object local = x.registry.exchange_body(x.registry.load(*id, "uid"));
      for (const auto& f : merge_fields({&base, &local, &theirs})) {
        const json::value* l = field_value(local, f);
        if (!same(l, field_value(base, f))) set_field(result, f, l);
      }
      if (result.contains("items")) result.erase("totals");
    }
    x.registry.put_exchanged(uid, result, rc);
    x.forget_base(n.node, uid);
    x.conn.cached("INSERT INTO exchange_base (node, uid, version, body) VALUES (?1, ?2, ?3, ?4)")
        ->bind(1, n.node)
        .bind(2, uid)
        .bind(3, version)
        .bind(4, json::serialize(theirs))
        .run();
    if (id && unsent)
      x.register_change(n.node, "document", uid,
                        stream_of("document", std::string(theirs.at("kind").as_string())),
                        "upsert");
  }

  // From a node: scope and stream first, then a three-way merge by field
  // ownership against the version the node edited.
  void apply_on_centre(const std::string& type, const json::object& e) {
    const std::string uid(e.at("uid").as_string());
    if (type != "document")
      park("not_owned", "type",
           "the central file keeps the catalogue and the stock; node \"" + n.node + "\" sent a " +
               type);
    if (e.at("op") == "remove")
      park("not_owned", "op",
           "only the central file deletes documents; a node cancels one by its status");
    const json::object& theirs = e.at("body").as_object();
    const auto* kind_v = theirs.if_contains("kind");
    if (kind_v == nullptr || !kind_v->is_string())
      park("required", "body.kind", "a document's kind is required");
    const std::string kind(kind_v->get_string());
    const std::string stream = stream_of("document", kind);
    if (stream.empty() || !n.takes(stream) || !stream_is_two_way(stream))
      park(
          "stream", "body.kind",
          "node \"" + n.node + "\" does not send " + kind + " documents (its streams: " +
              [&] {
                std::string s;
                for (const auto& st : n.streams) s += (s.empty() ? "" : ", ") + st;
                return s;
              }() +
              ")");
    if (!x.in_scope(n, theirs))
      park("scope", "body",
           "document " + uid + " is outside node \"" + n.node + "\"'s scope (" +
               n.scope_text.value_or("") + ")");
    const registry::Context rc = registry_context(false);
    const auto id = x.registry.find_uid(uid);
    if (!id) {
      // Created on the node: the central file gives the final number, and
      // the fields it owns start as a new document's (the kind's first
      // status, no payment); what the node put there is a conflict record.
      json::object create = theirs;
      create.erase("number");
      const std::string initial = x.registry.kind(kind, "body.kind").initial;
      json::object fresh = create;
      fresh["status"] = initial;
      const auto rules = x.rules_for(kind);
      std::vector<json::object> overruled;
      for (const auto& f : merge_fields({&create})) {
        const OwnershipRule* r = x.rule_for(rules, f, fresh);
        if (r != nullptr && r->owner == "node") continue;
        const json::value* t = field_value(create, f);
        const json::value initial_status(initial);
        const json::value* o = f == "status" ? &initial_status : nullptr;
        if (same(t, o)) continue;
        overruled.push_back(json::object{{"uid", uid},
                                         {"kind", kind},
                                         {"field", f},
                                         {"base", nullptr},
                                         {"ours", json_or_null(o)},
                                         {"theirs", json_or_null(t)},
                                         {"resolution", "centre_wins"}});
        set_field(create, f, o);
      }
      const json::object created = x.registry.put_exchanged(uid, create, rc);
      for (const auto& c : overruled) record_conflict(c);
      x.conn
          .cached(
              "INSERT INTO exchange_base (node, uid, version, body) VALUES (?1, ?2, 0, ?3) ON "
              "CONFLICT (node, uid, version) DO UPDATE SET body = excluded.body")
          ->bind(1, n.node)
          .bind(2, uid)
          .bind(3, json::serialize(theirs))
          .run();
      x.register_change(n.node, "document", uid, stream,
                        x.in_scope(n, x.registry.exchange_body(created)) ? "upsert" : "remove");
      return;
    }
    const json::object stored = x.registry.load(*id, "uid");
    if (stored.at("deleted").as_bool())
      park("deleted", "uid", "document " + uid + " was deleted on the central file");
    const int64_t version = stored.at("version").as_int64();
    const json::object current = x.registry.exchange_body(stored);
    // The central file's copy decides the scope: an order handed to another
    // agent takes no more edits from this one.
    if (!x.in_scope(n, current))
      park("scope", "body",
           "document " + uid + " is no longer in node \"" + n.node + "\"'s scope (" +
               n.scope_text.value_or("") + ")");
    const auto* bv = e.if_contains("base_version");
    const int64_t base_version = bv != nullptr && bv->is_int64() ? bv->get_int64() : 0;
    json::object base;
    {
      auto st = x.conn.cached(
          "SELECT body FROM exchange_base WHERE node = ?1 AND uid = ?2 AND version = ?3");
      st->bind(1, n.node).bind(2, uid).bind(3, base_version);
      if (st->step())
        base = parse_stored(st->text(0)).as_object();
      else if (base_version == version)
        base = current;
      else
        park("stale_base", "base_version",
             "node \"" + n.node + "\" edited version " + std::to_string(base_version) +
                 " of document " + uid + ", which the central file no longer holds (it is at " +
                 std::to_string(version) + "); the node must take the current version first");
    }
    const auto rules = x.rules_for(kind);
    json::object merged = current;
    json::array found;
    for (const auto& f : merge_fields({&base, &current, &theirs})) {
      const json::value* b = field_value(base, f);
      const json::value* o = field_value(current, f);
      const json::value* t = field_value(theirs, f);
      if (same(t, b) || same(t, o)) continue;
      const OwnershipRule* r = x.rule_for(rules, f, current);
      if (r != nullptr && r->owner == "node") {
        set_field(merged, f, t);
        continue;
      }
      found.push_back(json::object{{"uid", uid},
                                   {"kind", kind},
                                   {"field", f},
                                   {"base", json_or_null(b)},
                                   {"ours", json_or_null(o)},
                                   {"theirs", json_or_null(t)},
                                   {"resolution", "centre_wins"}});
    }
    // The outcome as stored (totals recomputed), or the current one unchanged.
    json::object outcome = current;
    if (merged != current) {
      if (merged.contains("items")) merged.erase("totals");
      outcome = x.registry.exchange_body(x.registry.put_exchanged(uid, merged, rc));
    }
    for (const auto& c : found) record_conflict(c.as_object());
    x.conn.cached("DELETE FROM exchange_base WHERE node = ?1 AND uid = ?2 AND version < ?3")
        ->bind(1, n.node)
        .bind(2, uid)
        .bind(3, base_version)
        .run();
    // The node's view differs from the outcome: it gets the outcome back.
    if (merged != theirs)
      x.register_change(n.node, "document", uid, stream,
                        x.in_scope(n, outcome) ? "upsert" : "remove");
  }

  void record_conflict(const json::object& c) {
    x.conn
        .cached(
            "INSERT INTO exchange_conflict (node, msg_no, uid, kind, field, base, ours, theirs, "
            "resolution, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
        ->bind(1, n.node)
        .bind(2, msg_no)
        .bind(3, std::string(c.at("uid").as_string()))
        .bind(4, std::string(c.at("kind").as_string()))
        .bind(5, std::string(c.at("field").as_string()))
        .bind(6, text_or_null(&c.at("base")))
        .bind(7, text_or_null(&c.at("ours")))
        .bind(8, text_or_null(&c.at("theirs")))
        .bind(9, std::string(c.at("resolution").as_string()))
        .bind(10, ctx.now.to_string())
        .run();
    const int64_t id = x.conn.last_insert_rowid();
    json::object data = c;
    data["node"] = n.node;
    data["msg_no"] = msg_no;
    data["conflict"] = id;
    json::object shown = data;
    for (const char* k : {"base", "ours", "theirs"}) shown[k] = json::serialize(data.at(k));
    shown["at"] = ctx.now.to_string();
    conflicts.push_back(std::move(shown));
    if (x.events.listens("exchange.conflict"))
      x.events.publish(DomainEvent{"exchange.conflict",
                                   "exchange:document:" + std::string(c.at("uid").as_string()),
                                   data, "exchange.conflict:" + std::to_string(id)});
  }
};

// The shape of one object entry; a problem parks the entry.
std::optional<Parked> check_entry(const json::value& v, size_t i) {
  const std::string at = "message.objects[" + std::to_string(i) + "]";
  Parked p;
  const auto* o = v.if_object();
  if (o == nullptr) return Parked{"", "", "type", at, "an object entry is a JSON object", {}};
  p.object = *o;
  const auto* type = o->if_contains("type");
  const auto* uid = o->if_contains("uid");
  const auto* op = o->if_contains("op");
  p.type = type != nullptr && type->is_string() ? std::string(type->get_string()) : "";
  p.uid = uid != nullptr && uid->is_string() ? std::string(uid->get_string()) : "";
  if (p.type.empty() || p.uid.empty() || op == nullptr || (*op != "upsert" && *op != "remove")) {
    p.rule = "shape";
    p.field = at;
    p.reason = "an object entry needs type, uid and op (upsert or remove)";
    return p;
  }
  if (*op == "upsert") {
    const auto* body = o->if_contains("body");
    if (body == nullptr || !body->is_object()) {
      p.rule = "shape";
      p.field = at + ".body";
      p.reason = "an upsert carries the object's body";
      return p;
    }
    if (p.type == "document" && !o->contains("version") && !o->contains("base_version")) {
      p.rule = "shape";
      p.field = at + ".version";
      p.reason = "a document travels with its version (from the central file) or base_version";
      return p;
    }
    if (p.type == "document" && o->contains("version") && !o->at("version").is_int64()) {
      p.rule = "shape";
      p.field = at + ".version";
      p.reason = "a version is an integer";
      return p;
    }
  }
  return std::nullopt;
}

bool transient(ErrorCode c) {
  return c == ErrorCode::internal || c == ErrorCode::busy || c == ErrorCode::io ||
         c == ErrorCode::corrupt || c == ErrorCode::no_memory;
}

}  // namespace

void Exchange::Impl::acknowledge(Node& n, int64_t ack, const Context& ctx) {
  if (ack <= n.acked_no) return;
  conn.cached("DELETE FROM exchange_change WHERE node = ?1 AND msg_no IS NOT NULL AND msg_no <= ?2")
      ->bind(1, n.node)
      .bind(2, ack)
      .run();
  conn.cached(
          "UPDATE exchange_message SET acked_at = ?3, text = NULL WHERE node = ?1 AND "
          "direction = 'out' AND msg_no <= ?2 AND acked_at IS NULL")
      ->bind(1, n.node)
      .bind(2, ack)
      .bind(3, ctx.now.to_string())
      .run();
  set_numbers(n, "acked_no", ack);
}

json::object Exchange::Impl::apply_objects(ObjectStore* catalog, Node& n, int64_t msg_no,
                                           const json::array& objects, const Context& ctx) {
  Applier a{*this, catalog, self(), n, msg_no, ctx, {}};
  int64_t applied = 0;
  json::array parked;
  if (!self().centre()) suppress = n.node;
  struct Unsuppress {
    Exchange::Impl& x;
    ~Unsuppress() { x.suppress.reset(); }
  } unsuppress{*this};
  for (size_t i = 0; i < objects.size(); ++i) {
    std::optional<Parked> refused = check_entry(objects[i], i);
    if (!refused) {
      try {
        store::Transaction savepoint(conn);
        a.apply(objects[i].get_object());
        registry.flush_changes();
        savepoint.commit();
        ++applied;
        continue;
      } catch (const Error& e) {
        if (transient(e.code())) throw;
        registry.discard_changes();
        Parked pk;
        pk.object = objects[i].get_object();
        pk.type = std::string(pk.object.at("type").as_string());
        pk.uid = std::string(pk.object.at("uid").as_string());
        const auto& fe = e.field_errors();
        pk.rule = fe.empty() ? "refused" : fe.front().rule;
        pk.field = fe.empty() ? "" : fe.front().field;
        pk.reason = e.what();
        refused = std::move(pk);
      }
    }
    conn.cached(
            "INSERT INTO exchange_parked (node, msg_no, type, uid, rule, field, reason, object, "
            "at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
        ->bind(1, n.node)
        .bind(2, msg_no)
        .bind(3, refused->type)
        .bind(4, refused->uid)
        .bind(5, refused->rule)
        .bind(6, refused->field)
        .bind(7, refused->reason)
        .bind(8, json::serialize(refused->object))
        .bind(9, ctx.now.to_string())
        .run();
    const int64_t parked_id = conn.last_insert_rowid();
    // The node holds its refused version: it gets the central file's back
    // (or a removal, when the document is not the node's to see).
    if (self().centre() && refused->type == "document" && !refused->uid.empty()) {
      const auto id = registry.find_uid(refused->uid);
      bool upsert = false;
      std::string stream = "orders";
      if (id) {
        const json::object stored = registry.load(*id, "uid");
        const std::string kind(stored.at("kind").as_string());
        stream = stream_of("document", kind);
        upsert = !stored.at("deleted").as_bool() && !stream.empty() &&
                 in_scope(n, registry.exchange_body(stored));
      }
      if (!stream.empty()) {
        register_change(n.node, "document", refused->uid, stream, upsert ? "upsert" : "remove");
        // The node holds it whatever this file sent: mark it held (version
        // -1 is never a base) so a later change here keeps the registration.
        conn.cached(
                "INSERT INTO exchange_base (node, uid, version, body) VALUES (?1, ?2, -1, '{}') "
                "ON CONFLICT DO NOTHING")
            ->bind(1, n.node)
            .bind(2, refused->uid)
            .run();
      }
    }
    parked.push_back(json::object{{"parked", parked_id},
                                  {"type", refused->type},
                                  {"uid", refused->uid},
                                  {"rule", refused->rule},
                                  {"field", refused->field},
                                  {"reason", refused->reason}});
  }
  return {
      {"applied", applied}, {"parked", std::move(parked)}, {"conflicts", std::move(a.conflicts)}};
}

json::object Exchange::in(const json::object& p, const Context& ctx) {
  const Identity& self = impl_->self();
  const auto node_ptr = impl_->active_node(p);
  Node& n = *node_ptr;
  json::object m = read_message(p.at("message"));

  // The envelope, field by field: a truncated or hand-made message is named.
  FieldErrors errors;
  const auto need = [&](const char* key, bool ok, const char* what) {
    if (!ok) errors.add(std::string("message.") + key, m.contains(key) ? "type" : "required", what);
  };
  need("format", m.contains("format") && m.at("format") == kFormat, "expected \"opora.exchange\"");
  need("protocol", m.contains("protocol") && m.at("protocol").is_int64(), "an integer");
  need("from", m.contains("from") && m.at("from").is_string(), "the sender's node code");
  need("to", m.contains("to") && m.at("to").is_string(), "the receiver's node code");
  need("msg_no",
       m.contains("msg_no") && m.at("msg_no").is_int64() && m.at("msg_no").get_int64() >= 0,
       "a message number (0 for an acknowledgement alone)");
  need("ack", m.contains("ack") && m.at("ack").is_int64() && m.at("ack").get_int64() >= 0,
       "the number of the last message the sender received");
  need("objects", m.contains("objects") && m.at("objects").is_array(), "an array");
  need("schemas", m.contains("schemas") && m.at("schemas").is_object(),
       "the sender's schema versions");
  need("hmac", m.contains("hmac") && m.at("hmac").is_string(), "the signature");
  errors.throw_if_any(ErrorCode::invalid);
  if (m.at("protocol").get_int64() != kProtocol)
    refuse(ErrorCode::validation, "message.protocol", "protocol",
           "protocol " + std::to_string(m.at("protocol").get_int64()) +
               " is not the one this library speaks (" + std::to_string(kProtocol) + ")");
  const std::string from(m.at("from").as_string());
  const std::string to(m.at("to").as_string());
  if (to != self.node)
    refuse(ErrorCode::validation, "message.to", "receiver",
           "the message is for \"" + to + "\", and this file is \"" + self.node + "\"");
  if (from != n.node)
    refuse(ErrorCode::validation, "message.from", "sender",
           "the message is from \"" + from + "\", not from node \"" + n.node + "\"");
  // The signature: the pair's secret over the canonical text (signed_text's,
  // without copying the message: m is ours and its hmac is not read again).
  const std::string given(m.at("hmac").get_string());
  m.erase("hmac");
  const std::string text = json::serialize(m);
  if (equal_in_constant_time(hmac_sha256_hex(n.secret, text), given)) {
    if (n.previous_secret) {
      impl_->conn.cached("UPDATE exchange_node SET previous_secret = NULL WHERE node = ?1")
          ->bind(1, n.node)
          .run();
      n.previous_secret.reset();
    }
  } else if (!n.previous_secret ||
             !equal_in_constant_time(hmac_sha256_hex(*n.previous_secret, text), given)) {
    refuse(ErrorCode::validation, "message.hmac", "signature",
           "the signature does not match node \"" + n.node +
               "\"'s secret: the message was altered in transit, signed for another node, or "
               "the two sides hold different secrets");
  }
  // Schema versions: a newer sender is refused (this side must update); an
  // older one is flagged, and refused if the node says so.
  bool outdated = false;
  for (const auto& kv : m.at("schemas").get_object()) {
    const auto* ours = ctx.schemas.if_contains(kv.key());
    if (!kv.value().is_int64()) continue;
    if (ours == nullptr || kv.value().get_int64() > ours->as_int64())
      refuse(ErrorCode::validation, "message.schemas." + std::string(kv.key()), "schema_newer",
             "node \"" + n.node + "\" writes " + std::string(kv.key()) + " schema " +
                 std::to_string(kv.value().get_int64()) + ", newer than this file's " +
                 (ours == nullptr ? std::string("(none)") : json::serialize(*ours)) +
                 "; update opora here (library " + ctx.library + ")");
  }
  for (const auto& kv : ctx.schemas) {
    const auto* theirs = m.at("schemas").get_object().if_contains(kv.key());
    if (theirs == nullptr || (theirs->is_int64() && theirs->get_int64() < kv.value().as_int64()))
      outdated = true;
  }
  if (outdated && n.refuse_outdated)
    refuse(ErrorCode::validation, "message.schemas", "schema_outdated",
           "node \"" + n.node + "\" runs an older opora (library " +
               (m.contains("library") ? json::serialize(m.at("library")) : "?") +
               ") than this file (" + ctx.library + "); update it before it exchanges again");
  impl_->conn
      .cached(
          "UPDATE exchange_node SET library = ?2, schemas = ?3, last_seen_at = ?4 WHERE node = ?1")
      ->bind(1, n.node)
      .bind(2, m.contains("library") && m.at("library").is_string()
                   ? std::string(m.at("library").get_string())
                   : std::string())
      .bind(3, json::serialize(m.at("schemas")))
      .bind(4, ctx.now.to_string())
      .run();

  // The acknowledgement: what the other side has is no longer ours to send.
  const int64_t ack = m.at("ack").get_int64();
  if (ack > n.sent_no)
    refuse(ErrorCode::validation, "message.ack", "ack_ahead",
           "the message acknowledges message " + std::to_string(ack) + ", but only " +
               std::to_string(n.sent_no) + " were sent to \"" + n.node +
               "\": it comes from another file or a restored copy");
  impl_->acknowledge(n, ack, ctx);

  const int64_t msg_no = m.at("msg_no").get_int64();
  json::object receipt{{"node", n.node},
                       {"msg_no", msg_no},
                       {"ack", ack},
                       {"status", "applied"},
                       {"applied", 0},
                       {"parked", json::array()},
                       {"conflicts", json::array()},
                       {"outdated", outdated},
                       {"expected", n.received_no + 1}};
  if (msg_no == 0) {
    receipt["status"] = "ack";
    return receipt;
  }
  if (msg_no <= n.received_no) {
    // A duplicate: the stored receipt, and the other side evidently lacks our
    // acknowledgement, so the next message repeats it.
    impl_->set_numbers(n, "ack_conveyed", 0);
    auto st = impl_->conn.cached(
        "SELECT receipt FROM exchange_message WHERE node = ?1 AND direction = 'in' AND msg_no = "
        "?2");
    st->bind(1, n.node).bind(2, msg_no);
    if (st->step() && !st->is_null(0)) {
      json::object stored = parse_stored(st->text(0)).as_object();
      stored["status"] = "duplicate";
      return stored;
    }
    receipt["status"] = "duplicate";
    return receipt;
  }
  if (msg_no > n.received_no + 1) {
    receipt["status"] = "gap";
    return receipt;
  }

  json::object applied =
      impl_->apply_objects(catalog_, n, msg_no, m.at("objects").get_array(), ctx);
  impl_->set_numbers(n, "received_no", msg_no);
  for (auto& kv : applied) receipt[kv.key()] = std::move(kv.value());
  receipt["expected"] = msg_no + 1;
  impl_->conn
      .cached(
          "INSERT INTO exchange_message (node, direction, msg_no, kind, objects, bytes, receipt, "
          "created_at) VALUES (?1, 'in', ?2, ?3, ?4, ?5, ?6, ?7)")
      ->bind(1, n.node)
      .bind(2, msg_no)
      .bind(3, m.contains("kind") && m.at("kind").is_string()
                   ? std::string(m.at("kind").get_string())
                   : std::string("changes"))
      .bind(4, static_cast<int64_t>(m.at("objects").get_array().size()))
      .bind(5, static_cast<int64_t>(text.size()))
      .bind(6, json::serialize(receipt))
      .bind(7, ctx.now.to_string())
      .run();
  return receipt;
}

json::object Exchange::files_missing(const json::object& p) {
  json::array missing;
  for (const auto& h : p.at("files").as_array()) {
    const std::string sha(h.as_string());
    if (catalog_ == nullptr || !catalog_->has_file(sha)) missing.push_back(json::value(sha));
  }
  return {{"missing", std::move(missing)}};
}

}  // namespace opora::exchange

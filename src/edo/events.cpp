// Operator events folded back: each applied once, with the polling cursor in
// the same transaction; the document's normalised status only moves forward,
// so repeats and reordering end in the same state; the registry status, the
// signed file and a domain event for workflows change with it.
#include <boost/json.hpp>
#include <deque>
#include <map>
#include <optional>

#include "core/domain_events.hpp"
#include "core/json_text.hpp"
#include "edo/edo.hpp"
#include "edo/internal.hpp"
#include "edo/operators.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::edo {
namespace json = boost::json;

namespace {

// Revocation is a facet of its own: a signed document with a revocation
// request is still signed until the revocation is accepted.
bool is_revocation(const std::string& status) {
  return status == "revocation_requested" || status == "revoked";
}

bool is_done(const std::string& status, const std::string& revocation, bool two_sided) {
  if (revocation == "revoked" || status == "refused") return true;
  if (two_sided) return status == "countersigned" || status == "countersigned_with_disagreement";
  return status_rank(status) >= status_rank("delivered");
}

const char* domain_event(const std::string& status) {
  if (status == "countersigned" || status == "countersigned_with_disagreement")
    return "edo.document_signed";
  if (status == "refused") return "edo.document_refused";
  if (status == "revoked") return "edo.document_revoked";
  if (status == "sent") return "edo.document_sent";
  return nullptr;
}

}  // namespace

// The registry status follows along the kind's allowed transitions (draft ->
// sent -> signed); when no path leads there, it stays and the answer says so.
std::string Edo::follow_registry(int64_t document, const std::string& target, const Context& ctx) {
  const json::object doc = registry_.get(document, true);
  const std::string current = text_of(doc, "status");
  // A document deleted from the registry keeps its status; the event still counts.
  if (target.empty() || current == target || doc.at("deleted") == true) return current;
  const registry::Kind& kind = registry_.kind(text_of(doc, "kind"), "kind");
  std::map<std::string, std::string> came_from{{current, ""}};
  std::deque<std::string> queue{current};
  while (!queue.empty() && came_from.count(target) == 0) {
    const std::string s = queue.front();
    queue.pop_front();
    const auto it = kind.transitions.find(s);
    if (it == kind.transitions.end()) continue;
    for (const auto& next : it->second)
      if (came_from.emplace(next, s).second) queue.push_back(next);
  }
  if (came_from.count(target) == 0) return current;
  std::vector<std::string> path;
  for (std::string s = target; s != current; s = came_from.at(s)) path.push_back(s);
  const registry::Context rctx = registry_context(ctx, "EDO status");
  for (auto s = path.rbegin(); s != path.rend(); ++s)
    registry_.set_status(document, *s, std::nullopt, rctx);
  return target;
}

json::object Edo::advance_document(int64_t packet, int64_t document, const std::string& status,
                                   const json::object& raw, const Context& ctx) {
  auto st = conn_.cached(
      "SELECT d.status, d.revocation, d.two_sided, d.raw, p.operator, p.recipient, "
      "COALESCE(r.participant_id, ''), COALESCE(d.operator_document_id, '') FROM edo_document d "
      "JOIN edo_packet p ON p.id = d.packet_id LEFT JOIN edo_party r ON r.code = p.recipient "
      "WHERE d.packet_id = ?1 AND d.document_id = ?2");
  st->bind(1, packet).bind(2, document);
  if (!st->step())
    throw Error(ErrorCode::internal, "document " + std::to_string(document) + " not in packet " +
                                         std::to_string(packet));
  const std::string previous = st->text(0);
  const std::string previous_revocation = st->text(1);
  const bool two_sided = st->int64(2) != 0;
  json::object merged = parse_stored(st->text(3)).as_object();
  const std::string op = st->text(4);
  const std::string recipient = st->text(5);
  const std::string recipient_id = st->text(6);
  const std::string operator_document_id = st->text(7);
  st->reset();
  // Each facet only moves forward.
  const bool revocation = is_revocation(status);
  const std::string signing = revocation ? std::string() : status;
  const bool signing_changed = !signing.empty() && status_rank(signing) > status_rank(previous);
  const bool revocation_changed =
      revocation &&
      (previous_revocation.empty() || status_rank(status) > status_rank(previous_revocation));
  const bool changed = signing_changed || revocation_changed;
  const std::string now_status = signing_changed ? signing : previous;
  const std::string now_revocation = revocation_changed ? status : previous_revocation;
  // Raw fields: an event that is not older than what the document shows
  // overrides; an older one (arriving late) only fills what is missing, so the
  // order of arrival does not matter.
  const bool older = (!signing.empty() && status_rank(signing) < status_rank(previous)) ||
                     (revocation && !previous_revocation.empty() &&
                      status_rank(status) < status_rank(previous_revocation));
  for (const auto& kv : raw)
    if (!older || !merged.contains(kv.key())) merged[kv.key()] = kv.value();
  const bool done = is_done(now_status, now_revocation, two_sided);
  auto up = conn_.cached(
      "UPDATE edo_document SET status = ?3, revocation = ?9, done = ?4, raw = ?5, status_at = CASE "
      "WHEN ?6 THEN ?7 ELSE status_at END, sent_at = CASE WHEN sent_at IS NULL AND ?8 THEN ?7 "
      "ELSE sent_at END WHERE packet_id = ?1 AND document_id = ?2");
  up->bind(1, packet).bind(2, document).bind(3, now_status).bind(4, int64_t{done ? 1 : 0});
  up->bind(5, json::serialize(merged)).bind(6, int64_t{changed ? 1 : 0});
  up->bind(7, ctx.now.to_string());
  up->bind(8, int64_t{status_rank(now_status) >= status_rank("sent") ? 1 : 0});
  up->bind(9, now_revocation);
  up->run();
  json::object out{{"document", document}, {"packet", packet},
                   {"status", now_status}, {"revocation", now_revocation},
                   {"previous", previous}, {"changed", changed},
                   {"done", done}};
  const json::object doc = registry_.get(document, true);
  const std::string moved_to = revocation_changed ? now_revocation : now_status;
  out["registry_status"] =
      changed ? follow_registry(document, registry_status(text_of(doc, "kind"), moved_to), ctx)
              : text_of(doc, "status");
  json::array posted;
  const char* type = changed ? domain_event(moved_to) : nullptr;
  if (type != nullptr) {
    for (const auto& ref : doc.at("refs").as_array()) {
      const std::string key(ref.as_string());
      json::object data{{"document", document},
                        {"kind", doc.at("kind")},
                        {"number", doc.at("number")},
                        {"date", doc.at("date")},
                        {"status", moved_to},
                        {"operator", op},
                        {"packet", packet},
                        {"recipient", recipient},
                        {"recipient_id", recipient_id},
                        {"operator_document_id", operator_document_id}};
      const json::object r = events_.publish(
          {type, key, std::move(data),
           std::string("edo:") + type + ":" + std::to_string(document) + ":" + key});
      posted.push_back({{"type", type},
                        {"key", key},
                        {"started", r.at("started")},
                        {"delivered", r.at("delivered")}});
    }
  }
  out["posted"] = std::move(posted);
  return out;
}

json::object Edo::apply_event(const json::object& p, const Context& ctx) {
  const std::string op = text_of(p, "operator");
  const std::string event_id = text_of(p, "event_id");
  // An event seen before returns its first answer, unless it matched no
  // document then: replayed once the document is known (the send was marked
  // after the operator's event came), it is applied now.
  std::optional<json::object> unmatched_before;
  {
    auto st = conn_.cached("SELECT answer FROM edo_event WHERE operator = ?1 AND event_id = ?2");
    st->bind(1, op).bind(2, event_id);
    if (st->step()) {
      json::object out = parse_stored(st->text(0)).as_object();
      out["duplicate"] = true;
      if (out.at("matched") == true) return out;
      unmatched_before = std::move(out);
    }
  }
  if (present(p, "status") && status_rank(text_of(p, "status")) < 0)
    fail_field(ErrorCode::invalid, "status", "enum",
               "\"" + text_of(p, "status") + "\" is not a status (edo.operator_types lists them)");
  // Which document: our custom id, our document id, or the operator's id.
  int64_t packet = 0, document = 0;
  bool two_sided = false;
  auto find = [&](const std::string& sql, auto bind) {
    auto st = conn_.cached(sql);
    bind(*st);
    if (st->step()) {
      packet = st->int64(0);
      document = st->int64(1);
      two_sided = st->int64(2) != 0;
    }
  };
  const std::string custom = text_of(p, "custom_document_id");
  if (custom.rfind("opora:", 0) == 0) {
    const auto colon = custom.find(':', 6);
    if (colon != std::string::npos) {
      try {
        const int64_t pk = std::stoll(custom.substr(6, colon - 6));
        const int64_t dk = std::stoll(custom.substr(colon + 1));
        find(
            "SELECT d.packet_id, d.document_id, d.two_sided FROM edo_document d JOIN edo_packet p "
            "ON p.id = d.packet_id WHERE d.packet_id = ?1 AND d.document_id = ?2 AND p.operator = "
            "?3",
            [&](store::Statement& s) { s.bind(1, pk).bind(2, dk).bind(3, op); });
      } catch (const std::exception&) {
        // Not ours after all: stays unmatched.
      }
    }
  }
  if (document == 0 && present(p, "document"))
    find(
        "SELECT d.packet_id, d.document_id, d.two_sided FROM edo_document d JOIN edo_packet p ON "
        "p.id = d.packet_id WHERE d.document_id = ?1 AND d.live = 1 AND p.operator = ?2",
        [&](store::Statement& s) { s.bind(1, p.at("document").as_int64()).bind(2, op); });
  if (document == 0 && present(p, "operator_document_id"))
    find(
        "SELECT d.packet_id, d.document_id, d.two_sided FROM edo_document d JOIN edo_packet p ON "
        "p.id = d.packet_id WHERE d.operator_document_id = ?1 AND p.operator = ?2 ORDER BY "
        "d.live DESC, d.packet_id DESC LIMIT 1",
        [&](store::Statement& s) { s.bind(1, text_of(p, "operator_document_id")).bind(2, op); });

  if (document == 0 && unmatched_before) return *unmatched_before;
  if (unmatched_before) {
    auto del = conn_.cached("DELETE FROM edo_event WHERE operator = ?1 AND event_id = ?2");
    del->bind(1, op).bind(2, event_id);
    del->run();
  }
  json::object out;
  const json::object raw =
      present(p, "raw") && p.at("raw").is_object() ? p.at("raw").get_object() : json::object{};
  if (document == 0) {
    out = {{"matched", false},
           {"operator", op},
           {"event_id", event_id},
           {"message", "no document of a packet sent through " + op +
                           " matches; the event is kept (edo.events.unmatched)"}};
  } else {
    if (present(p, "operator_document_id")) {
      auto up = conn_.cached(
          "UPDATE edo_document SET operator_document_id = ?3 WHERE packet_id = ?1 AND "
          "document_id = ?2");
      up->bind(1, packet).bind(2, document).bind(3, text_of(p, "operator_document_id"));
      up->run();
    }
    // The statuses this event says: the one given, or what the raw fields
    // say of each facet (signing, revocation).
    std::vector<std::string> statuses;
    if (present(p, "status")) {
      statuses.push_back(text_of(p, "status"));
    } else {
      for (const bool facet : {false, true}) {
        const std::string s = status_from_raw(op, raw, two_sided, facet);
        if (!s.empty()) statuses.push_back(s);
      }
    }
    if (statuses.empty()) statuses.emplace_back();  // only raw fields to keep
    out = advance_document(packet, document, statuses.front(), raw, ctx);
    for (size_t i = 1; i < statuses.size(); ++i) {
      json::object more = advance_document(packet, document, statuses[i], raw, ctx);
      for (const char* k : {"status", "revocation", "done", "registry_status"}) out[k] = more.at(k);
      out["changed"] = out.at("changed").as_bool() || more.at("changed").as_bool();
      for (auto& posted : more.at("posted").as_array()) out["posted"].as_array().push_back(posted);
    }
    out["matched"] = true;
    out["operator"] = op;
    out["event_id"] = event_id;
    if (const auto* f = p.if_contains("signed_file"); f != nullptr && f->is_object()) {
      const registry::Context rctx = registry_context(ctx);
      json::object attach{{"document", document},
                          {"name", f->at("name")},
                          {"role", "signed_copy"},
                          {"content_base64", f->at("content_base64")}};
      if (const auto* m = present(f->get_object(), "mime")) attach["mime"] = *m;
      try {
        out["signed_file"] = registry_.attach_file(attach, rctx).at("file_id");
      } catch (const Error& e) {
        std::vector<FieldError> fields;
        for (const auto& fe : e.field_errors())
          fields.push_back({"signed_file." + fe.field, fe.rule, fe.message});
        throw Error(e.code(), e.what(), std::move(fields));
      }
    }
  }
  out["duplicate"] = false;
  auto ins = conn_.cached(
      "INSERT INTO edo_event (operator, event_id, document_id, packet_id, body, answer, "
      "received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  ins->bind(1, op).bind(2, event_id);
  if (document != 0) {
    ins->bind(3, document).bind(4, packet);
  } else {
    ins->bind_null(3).bind_null(4);
  }
  json::object body = p;
  // Matched, the signed file's bytes are in the registry; unmatched, they stay
  // with the event for when its document is known.
  if (auto* f = body.if_contains("signed_file"); document != 0 && f != nullptr && f->is_object())
    f->as_object().erase("content_base64");
  ins->bind(5, json::serialize(body)).bind(6, json::serialize(out)).bind(7, ctx.now.to_string());
  ins->run();
  if (present(p, "cursor")) {
    auto cur = conn_.cached(
        "INSERT INTO edo_cursor (operator, cursor, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT "
        "(operator) DO UPDATE SET cursor = ?2, updated_at = ?3");
    cur->bind(1, op).bind(2, text_of(p, "cursor")).bind(3, ctx.now.to_string());
    cur->run();
  }
  return out;
}

json::object Edo::cursor(const std::string& op) {
  auto st = conn_.cached("SELECT cursor, updated_at FROM edo_cursor WHERE operator = ?1");
  st->bind(1, op);
  if (!st->step()) return {{"operator", op}, {"cursor", nullptr}, {"updated_at", nullptr}};
  return {{"operator", op}, {"cursor", st->text(0)}, {"updated_at", st->text(1)}};
}

json::object Edo::unmatched(const json::object& p) {
  auto st = conn_.cached(
      "SELECT operator, event_id, body, received_at FROM edo_event WHERE document_id IS NULL AND "
      "(?1 IS NULL OR operator = ?1) ORDER BY received_at, event_id LIMIT ?2");
  if (present(p, "operator"))
    st->bind(1, text_of(p, "operator"));
  else
    st->bind_null(1);
  st->bind(2, present(p, "limit") ? p.at("limit").as_int64() : int64_t{100});
  json::array out;
  while (st->step())
    out.push_back({{"operator", st->text(0)},
                   {"event_id", st->text(1)},
                   {"event", parse_stored(st->text(2))},
                   {"received_at", st->text(3)}});
  return {{"events", std::move(out)}};
}

}  // namespace opora::edo

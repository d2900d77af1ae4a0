// One call for the usual job: the documents of a deal (by ref) through one
// operator — find the ones that belong in the packet (kinds the operator
// carries or the ones asked, for the packet's parties, not sent or in a
// failed send), pick the parties by their INNs, create or reuse the packet,
// validate, and render when it passes.
#include <boost/json.hpp>
#include <set>

#include "edo/edo.hpp"
#include "edo/internal.hpp"
#include "edo/operators.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::edo {
namespace json = boost::json;

namespace {

const std::set<std::string> kClosedPacket = {"sending", "sent"};

}  // namespace

// The party of `role` whose INN (and KPP, when several share the INN) is
// the document side's.
std::string Edo::party_for(const json::object& side, const std::string& role,
                           const std::string& field) {
  const std::string inn = text_of(side, "inn");
  const std::string kpp = text_of(side, "kpp");
  auto st = conn_.cached(
      "SELECT code FROM edo_party WHERE role = ?1 AND inn = ?2 ORDER BY (kpp = ?3) DESC, code "
      "LIMIT 2");
  st->bind(1, role).bind(2, inn).bind(3, kpp);
  std::vector<std::string> codes;
  while (st->step()) codes.push_back(st->text(0));
  if (codes.empty())
    fail_field(ErrorCode::not_found, field, "unknown_party",
               "no EDO party (" + role + ") with INN " + inn + "; add it with edo.party.put");
  return codes.front();
}

json::object Edo::build_packet(const json::object& p, const Context& ctx) {
  const std::string ref = text_of(p, "ref");
  const std::string op = text_of(p, "operator");
  std::set<std::string> kinds;
  if (const auto* k = p.if_contains("kinds"); k != nullptr && k->is_array()) {
    FieldErrors errors;
    const auto& list = k->get_array();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string kind(list[i].as_string());
      if (kind_route(op, kind) == nullptr)
        errors.add("kinds[" + std::to_string(i) + "]", "unsupported_kind",
                   "a \"" + kind + "\" document does not travel through " + op +
                       " (edo.operator_types lists the kinds)");
      kinds.insert(kind);
    }
    errors.throw_if_any(ErrorCode::invalid);
  }
  const json::object found =
      registry_.find(json::object{{"ref", ref}, {"limit", 1000}}, registry_context(ctx));

  // The ref's documents that travel through the operator (and are of the
  // kinds asked), final and not cancelled; where each one is already.
  struct Candidate {
    json::object doc;
    int64_t packet = 0;  // the live packet holding it, 0 if none
  };
  std::vector<Candidate> candidates;
  json::array skipped;
  std::set<int64_t> live;  // live packets (not sent) of this operator holding candidates
  for (const auto& d : found.at("documents").as_array()) {
    const json::object& doc = d.as_object();
    const int64_t id = doc.at("id").as_int64();
    const std::string kind = text_of(doc, "kind");
    if (!kinds.empty() && kinds.count(kind) == 0) continue;
    if (kind_route(op, kind) == nullptr || text_of(doc, "status") == "cancelled" ||
        doc.at("is_final") != true)
      continue;
    Candidate c{doc, 0};
    auto st = conn_.cached(
        "SELECT p.id, p.status, p.operator, p.error FROM edo_document d JOIN edo_packet p ON p.id "
        "= d.packet_id WHERE d.document_id = ?1 AND d.live = 1");
    st->bind(1, id);
    if (st->step()) {
      const int64_t packet = st->int64(0);
      const std::string status = st->text(1);
      const std::string packet_op = st->text(2);
      const std::string error = st->is_null(3) ? std::string() : st->text(3);
      st->reset();
      if (kClosedPacket.count(status) != 0 || packet_op != op) {
        skipped.push_back({{"document", id},
                           {"packet", packet},
                           {"status", status},
                           {"reason", packet_op != op ? "other_operator" : "sent"}});
        continue;
      }
      // The operator refused this packet or its send broke off: sending the
      // documents again is a decision for the host (resend that packet, or
      // cancel it and build anew), never a silent reuse.
      if (status == "failed")
        fail_field(ErrorCode::conflict, "ref", "failed_packet",
                   "document " + std::to_string(id) + " of " + ref + " is in packet " +
                       std::to_string(packet) + ", whose send failed (" + error +
                       "); resend it (edo.packet.validate, edo.packet.render) or cancel it "
                       "(edo.packet.cancel) and build again");
      c.packet = packet;
      live.insert(packet);
    }
    candidates.push_back(std::move(c));
  }
  auto nothing_to_send = [&] {
    fail_field(
        ErrorCode::not_found, "ref", "no_documents",
        "no documents of " + ref + " to send through " + op +
            (skipped.empty() ? std::string() : " (see skipped: the others are sent or elsewhere)"));
  };
  if (candidates.empty()) nothing_to_send();
  if (live.size() > 1)
    fail_field(ErrorCode::conflict, "ref", "in_packet",
               "the documents of " + ref + " are in packets " + std::to_string(*live.begin()) +
                   " and " + std::to_string(*live.rbegin()) + "; cancel one");
  const int64_t reuse = live.empty() ? 0 : *live.begin();

  // The parties: the reused packet's, else the ones given, else found by the
  // first document's INNs. Documents for other parties do not belong here.
  std::string sender, recipient;
  if (reuse != 0) {
    const json::object packet = load_packet(reuse, "packet");
    sender = text_of(packet, "sender");
    recipient = text_of(packet, "recipient");
    for (const char* side : {"sender", "recipient"})
      if (present(p, side) && text_of(p, side) != text_of(packet, side))
        fail_field(ErrorCode::conflict, side, "in_packet",
                   "the documents of " + ref + " are in packet " + std::to_string(reuse) +
                       " with " + side + " \"" + text_of(packet, side) + "\"; cancel it first");
  } else {
    auto first_side = [&](const char* field) {
      for (const auto& c : candidates)
        if (c.doc.at(field).is_object()) return c.doc.at(field).as_object();
      return json::object{};
    };
    sender = present(p, "sender") ? text_of(p, "sender")
                                  : party_for(first_side("organization"), "our", "sender");
    recipient = present(p, "recipient")
                    ? text_of(p, "recipient")
                    : party_for(first_side("counterparty"), "counterparty", "recipient");
  }
  const json::object ours = party_row(sender, "sender");
  const json::object theirs = party_row(recipient, "recipient");
  // A side of a document matches a party by INN, and by KPP when it names one.
  auto matches = [](const json::value& side, const json::object& party) {
    if (!side.is_object()) return true;  // validation reports a missing side
    const std::string kpp = text_of(side.as_object(), "kpp");
    return text_of(side.as_object(), "inn") == text_of(party, "inn") &&
           (kpp.empty() || kpp == text_of(party, "kpp"));
  };
  json::array documents, fresh;
  std::set<int64_t> taken;
  for (const auto& c : candidates) {
    const int64_t id = c.doc.at("id").as_int64();
    const char* other = !matches(c.doc.at("counterparty"), theirs) ? "other_counterparty"
                        : !matches(c.doc.at("organization"), ours) ? "other_organization"
                                                                   : nullptr;
    if (other != nullptr) {
      json::object s{{"document", id}, {"reason", other}};
      if (c.packet != 0) s["packet"] = c.packet;
      skipped.push_back(std::move(s));
      continue;
    }
    documents.push_back(id);
    taken.insert(id);
    if (c.packet == 0) fresh.push_back(id);
  }
  if (documents.empty()) nothing_to_send();
  // A packet is reused only when it holds nothing this build would not take.
  if (reuse != 0) {
    const json::object packet = load_packet(reuse, "packet");
    for (const auto& d : packet.at("documents").as_array())
      if (taken.count(d.at("document").as_int64()) == 0)
        fail_field(ErrorCode::conflict, "ref", "in_packet",
                   "packet " + std::to_string(reuse) + " also holds document " +
                       std::to_string(d.at("document").as_int64()) +
                       ", which this build does not take (another ref, kind or party); render "
                       "that packet itself or cancel it");
  }
  int64_t packet = reuse;
  // The ref's documents that came since go into the packet being prepared.
  if (packet != 0 && !fresh.empty()) add_documents(packet, fresh, ctx);
  if (packet == 0) {
    json::object create{
        {"documents", documents}, {"sender", sender}, {"recipient", recipient}, {"operator", op}};
    if (present(p, "lock_mode")) create["lock_mode"] = p.at("lock_mode");
    if (present(p, "comment")) create["comment"] = p.at("comment");
    packet = create_packet(create, ctx).at("packet").as_int64();
  }
  // Validated every time: a document or party may have changed since the
  // packet was last prepared (a prepared packet that still passes stays so).
  json::object out = validate_packet({{"packet", packet}}, ctx);
  if (out.at("valid") == true) {
    out = render_packet({{"packet", packet}}, ctx);
    out["valid"] = true;
  }
  out["reused"] = reuse != 0;
  out["skipped"] = std::move(skipped);
  return out;
}

}  // namespace opora::edo

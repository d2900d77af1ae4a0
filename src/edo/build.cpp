// One call for the usual job: the documents of a deal (by ref) through one
// operator — find them, pick the parties by their INNs, create or reuse the
// packet, validate, and render when it passes.
#include <boost/json.hpp>
#include <set>

#include "edo/edo.hpp"
#include "edo/internal.hpp"
#include "edo/operators.hpp"
#include "registry/registry.hpp"
#include "store/sqlite.hpp"

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
  const json::object found =
      registry_.find(json::object{{"ref", ref}, {"limit", 1000}}, registry_context(ctx));
  std::set<std::string> kinds;
  if (const auto* k = p.if_contains("kinds"); k != nullptr && k->is_array())
    for (const auto& v : k->get_array()) kinds.insert(std::string(v.as_string()));

  json::array documents;
  json::array fresh;  // in no live packet yet
  json::array skipped;
  int64_t reuse = 0;
  json::object organization, counterparty;
  for (const auto& d : found.at("documents").as_array()) {
    const json::object& doc = d.as_object();
    const int64_t id = doc.at("id").as_int64();
    const std::string kind = text_of(doc, "kind");
    if (!kinds.empty() && kinds.count(kind) == 0) continue;
    if (kind_route(op, kind) == nullptr || text_of(doc, "status") == "cancelled" ||
        doc.at("is_final") != true)
      continue;
    auto st = conn_.cached(
        "SELECT p.id, p.status, p.operator FROM edo_document d JOIN edo_packet p ON p.id = "
        "d.packet_id WHERE d.document_id = ?1 AND d.live = 1");
    st->bind(1, id);
    if (st->step()) {
      const int64_t packet = st->int64(0);
      const std::string status = st->text(1);
      if (kClosedPacket.count(status) != 0 || st->text(2) != op) {
        skipped.push_back({{"document", id}, {"packet", packet}, {"status", status}});
        continue;
      }
      if (reuse != 0 && reuse != packet)
        fail_field(ErrorCode::conflict, "ref", "in_packet",
                   "the documents of " + ref + " are in packets " + std::to_string(reuse) +
                       " and " + std::to_string(packet) + "; cancel one");
      reuse = packet;
    } else {
      fresh.push_back(id);
    }
    if (organization.empty() && doc.at("organization").is_object())
      organization = doc.at("organization").as_object();
    if (counterparty.empty() && doc.at("counterparty").is_object())
      counterparty = doc.at("counterparty").as_object();
    documents.push_back(id);
  }
  if (documents.empty())
    fail_field(ErrorCode::not_found, "ref", "no_documents",
               "no documents of " + ref + " to send through " + op +
                   (skipped.empty() ? std::string() : " (the others are sent already)"));
  int64_t packet = reuse;
  // The ref's documents that came since go into the packet being prepared.
  if (packet != 0 && !fresh.empty()) add_documents(packet, fresh, ctx);
  if (packet == 0) {
    const std::string sender =
        present(p, "sender") ? text_of(p, "sender") : party_for(organization, "our", "sender");
    const std::string recipient = present(p, "recipient")
                                      ? text_of(p, "recipient")
                                      : party_for(counterparty, "counterparty", "recipient");
    json::object create{
        {"documents", documents}, {"sender", sender}, {"recipient", recipient}, {"operator", op}};
    if (present(p, "lock_mode")) create["lock_mode"] = p.at("lock_mode");
    if (present(p, "comment")) create["comment"] = p.at("comment");
    packet = create_packet(create, ctx).at("packet").as_int64();
  }
  const std::string status(load_packet(packet, "packet").at("status").as_string());
  json::object out;
  if (status == "prepared") {
    out = render_packet({{"packet", packet}}, ctx);
    out["valid"] = true;
  } else {
    const json::object v = validate_packet({{"packet", packet}}, ctx);
    if (v.at("valid") == true) {
      out = render_packet({{"packet", packet}}, ctx);
      out["valid"] = true;
    } else {
      out = v;
    }
  }
  out["reused"] = reuse != 0;
  out["skipped"] = std::move(skipped);
  return out;
}

}  // namespace opora::edo

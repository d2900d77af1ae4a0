// Packets: registry documents for one recipient through one operator,
// checked offline with every problem listed before anything is rendered.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <set>

#include "calendar/calendar_store.hpp"
#include "core/business_calendar.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"
#include "core/sha256.hpp"
#include "edo/edo.hpp"
#include "edo/internal.hpp"
#include "edo/operators.hpp"
#include "registry/registry.hpp"
#include "store/sqlite.hpp"

namespace opora::edo {
namespace json = boost::json;

std::string stable_guid(const std::string& seed) {
  std::string h = sha256_hex(seed).substr(0, 32);
  h[12] = '5';  // shaped like a name-based UUID
  const char variant[] = "89ab";
  h[16] = variant[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

registry::Context registry_context(const Context& ctx, const char* reason) {
  registry::Context r;
  r.now = ctx.now;
  r.today = ctx.today;
  r.actor = ctx.actor.empty() ? std::string("edo") : ctx.actor;
  if (reason != nullptr) r.reason = reason;
  return r;
}

std::string custom_document_id(int64_t packet, int64_t document) {
  return "opora:" + std::to_string(packet) + ":" + std::to_string(document);
}

namespace {

const std::set<std::string> kFunctions = {"СЧФ", "ДОП", "СЧФДОП"};

int64_t minor(const json::value& v, const Currency& c) {
  if (!v.is_string()) return 0;
  const auto m = Money::parse(v.get_string(), c);
  return m ? m->minor_units() : 0;
}

// Half-up division of a non-negative amount: the registry's VAT rounding.
int64_t div_half_up(int64_t num, int64_t den) {
  const bool neg = (num < 0) != (den < 0);
  const int64_t a = num < 0 ? -num : num;
  const int64_t b = den < 0 ? -den : den;
  const int64_t q = (a * 2 + b) / (b * 2);
  return neg ? -q : q;
}

// A problem already reported for the field (the renderer re-checks some).
bool already(const FieldErrors& errors, const std::string& field) {
  for (const auto& e : errors.list())
    if (e.field == field) return true;
  return false;
}

}  // namespace

json::object Edo::load_packet(int64_t id, const std::string& field) {
  auto st = conn_.cached(
      "SELECT id, sender, recipient, operator, lock_mode, status, problems, operation_id, "
      "rendered_at, message_id, error, comment, created_at, updated_at, sent_at FROM edo_packet "
      "WHERE id = ?1");
  st->bind(1, id);
  if (!st->step())
    fail_field(ErrorCode::not_found, field, "unknown_packet", "no packet " + std::to_string(id));
  auto opt_text = [&](int i) { return st->is_null(i) ? json::value() : json::value(st->text(i)); };
  json::object o{{"packet", st->int64(0)},
                 {"sender", st->text(1)},
                 {"recipient", st->text(2)},
                 {"operator", st->text(3)},
                 {"lock_mode", st->text(4)},
                 {"status", st->text(5)},
                 {"problems", parse_stored(st->text(6))},
                 {"comment", st->text(11)},
                 {"created_at", st->text(12)},
                 {"updated_at", st->text(13)}};
  o["operation_id"] = opt_text(7);
  o["rendered_at"] =
      st->is_null(8) ? json::value() : json::value(Timestamp(st->int64(8)).to_string());
  o["message_id"] = opt_text(9);
  o["error"] = opt_text(10);
  o["sent_at"] = opt_text(14);
  st->reset();
  json::array docs;
  auto d = conn_.cached(
      "SELECT position, document_id, form, function, two_sided, file_guid, file_name, status, "
      "done, raw, operator_document_id, status_at, sent_at FROM edo_document WHERE packet_id = ?1 "
      "ORDER BY position");
  d->bind(1, id);
  while (d->step()) {
    json::object doc{{"position", d->int64(0)},
                     {"document", d->int64(1)},
                     {"form", d->text(2)},
                     {"function", d->text(3)},
                     {"two_sided", d->int64(4) != 0},
                     {"file_guid", d->text(5)},
                     {"status", d->text(7)},
                     {"done", d->int64(8) != 0},
                     {"raw", parse_stored(d->text(9))},
                     {"custom_document_id", custom_document_id(id, d->int64(1))}};
    doc["file_name"] = d->is_null(6) ? json::value() : json::value(d->text(6));
    doc["operator_document_id"] = d->is_null(10) ? json::value() : json::value(d->text(10));
    doc["status_at"] = d->is_null(11) ? json::value() : json::value(d->text(11));
    doc["sent_at"] = d->is_null(12) ? json::value() : json::value(d->text(12));
    docs.push_back(std::move(doc));
  }
  o["documents"] = std::move(docs);
  return o;
}

json::object Edo::get_packet(int64_t id) {
  return load_packet(id, "packet");
}

void Edo::set_packet_status(int64_t id, const std::string& status, const Context& ctx) {
  auto up = conn_.cached("UPDATE edo_packet SET status = ?2, updated_at = ?3 WHERE id = ?1");
  up->bind(1, id).bind(2, status).bind(3, ctx.now.to_string());
  up->run();
}

namespace {

struct Entry {
  int64_t document;
  std::string form, function;
  bool two_sided;
};

// The documents as a packet holds them, each checked: known, listed once, a
// kind the operator carries, a form and function that kind can take. Then
// none may be in another live packet.
std::vector<Entry> collect_entries(registry::Registry& registry, store::Connection& conn,
                                   const std::string& op, const json::array& docs,
                                   FieldErrors& errors, FieldErrors& conflicts) {
  std::vector<Entry> entries;
  std::set<int64_t> seen;
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string at = "documents[" + std::to_string(i) + "]";
    const json::object item =
        docs[i].is_int64() ? json::object{{"document", docs[i]}} : docs[i].as_object();
    const int64_t id = item.at("document").as_int64();
    if (!seen.insert(id).second) {
      errors.add(at, "duplicate", "document " + std::to_string(id) + " is listed twice");
      continue;
    }
    json::object doc;
    try {
      doc = registry.get(id, false);
    } catch (const Error&) {
      errors.add(at, "unknown_document", "no registry document " + std::to_string(id));
      continue;
    }
    const std::string kind = text_of(doc, "kind");
    const auto* route = kind_route(op, kind);
    if (route == nullptr) {
      errors.add(at, "unsupported_kind",
                 "a \"" + kind + "\" document does not travel through " + op +
                     " (edo.operator_types lists the kinds)");
      continue;
    }
    Entry e{id, text_of(*route, "form"), "", false};
    const std::string form = text_of(item, "form");
    if (form == "attachment") e.form = "attachment";
    if (form == "upd" && e.form != "upd")
      errors.add(at + ".form", "form",
                 "a \"" + kind + "\" document travels as its file, not as a UPD");
    if (e.form == "upd") {
      e.function =
          present(item, "function") ? text_of(item, "function") : text_of(*route, "function");
      if (kFunctions.count(e.function) == 0)
        errors.add(at + ".function", "enum", "a UPD's function is СЧФ, ДОП or СЧФДОП");
      e.two_sided = e.function != "СЧФ";
    } else {
      e.two_sided = doc.at("requires_countersign").as_bool();
    }
    auto st = conn.cached(
        "SELECT packet_id FROM edo_document WHERE document_id = ?1 AND live = 1 LIMIT 1");
    st->bind(1, id);
    if (st->step())
      conflicts.add(at, "in_packet",
                    "document " + std::to_string(id) + " is in packet " +
                        std::to_string(st->int64(0)) +
                        "; a document is in one live packet at a time");
    entries.push_back(std::move(e));
  }
  return entries;
}

void insert_entries(store::Connection& conn, int64_t packet, const std::vector<Entry>& entries,
                    int64_t position) {
  for (const auto& e : entries) {
    auto d = conn.cached(
        "INSERT INTO edo_document (packet_id, position, document_id, live, form, function, "
        "two_sided, file_guid, status, revocation, done, raw) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, "
        "?7, 'none', '', 0, '{}')");
    d->bind(1, packet).bind(2, ++position).bind(3, e.document).bind(4, e.form).bind(5, e.function);
    d->bind(6, int64_t{e.two_sided ? 1 : 0});
    d->bind(7,
            stable_guid("opora-edo:" + std::to_string(packet) + ":" + std::to_string(e.document)));
    d->run();
  }
}

}  // namespace

json::object Edo::create_packet(const json::object& p, const Context& ctx) {
  const std::string op = text_of(p, "operator");
  const json::object sender = party_row(text_of(p, "sender"), "sender");
  const json::object recipient = party_row(text_of(p, "recipient"), "recipient");
  FieldErrors errors, conflicts;
  if (text_of(sender, "role") != "our")
    errors.add("sender", "role", "the sender must be one of our organisations (role \"our\")");
  if (text_of(recipient, "role") != "counterparty")
    errors.add("recipient", "role", "the recipient must be a counterparty");
  const std::vector<Entry> entries =
      collect_entries(registry_, conn_, op, p.at("documents").as_array(), errors, conflicts);
  errors.throw_if_any(ErrorCode::validation);
  conflicts.throw_if_any(ErrorCode::conflict);

  auto ins = conn_.cached(
      "INSERT INTO edo_packet (sender, recipient, operator, lock_mode, status, problems, comment, "
      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'draft', '[]', ?5, ?6, ?6)");
  ins->bind(1, text_of(p, "sender")).bind(2, text_of(p, "recipient")).bind(3, op);
  ins->bind(4, present(p, "lock_mode") ? text_of(p, "lock_mode") : std::string("none"));
  ins->bind(5, text_of(p, "comment")).bind(6, ctx.now.to_string());
  ins->run();
  const int64_t packet = conn_.last_insert_rowid();
  insert_entries(conn_, packet, entries, 0);
  return load_packet(packet, "packet");
}

// More documents for a packet not sent yet; it goes back to draft.
json::object Edo::add_documents(int64_t packet, const json::array& docs, const Context& ctx) {
  const json::object current = load_packet(packet, "packet");
  FieldErrors errors, conflicts;
  const std::vector<Entry> entries =
      collect_entries(registry_, conn_, text_of(current, "operator"), docs, errors, conflicts);
  errors.throw_if_any(ErrorCode::validation);
  conflicts.throw_if_any(ErrorCode::conflict);
  insert_entries(conn_, packet, entries,
                 static_cast<int64_t>(current.at("documents").as_array().size()));
  auto up = conn_.cached(
      "UPDATE edo_packet SET status = 'draft', fingerprint = NULL, updated_at = ?2 WHERE id = ?1");
  up->bind(1, packet).bind(2, ctx.now.to_string());
  up->run();
  return load_packet(packet, "packet");
}

// Every problem of a packet at once: the parties against the operator, each
// document's requisites, items, totals, VAT and dates, the operator's limits.
json::array Edo::problems(const json::object& packet, const Context& ctx) {
  FieldErrors errors;
  const std::string op(packet.at("operator").as_string());
  const auto* info = operator_info(op);
  const std::string prefix = text_of(*info, "prefix");
  const json::object sender = party_row(text_of(packet, "sender"), "sender");
  const json::object recipient = party_row(text_of(packet, "recipient"), "recipient");
  check_party(sender, "sender", errors);
  check_party(recipient, "recipient", errors);
  // Parties change after a packet is made.
  if (text_of(sender, "role") != "our")
    errors.add("sender", "role", "the sender must be one of our organisations (role \"our\")");
  if (text_of(recipient, "role") != "counterparty")
    errors.add("recipient", "role", "the recipient must be a counterparty");
  // Diadoc's PostMessage goes from one box to another.
  if (op == "diadoc")
    for (const auto* side : {"sender", "recipient"})
      if (text_of(std::string(side) == "sender" ? sender : recipient, "box_id").empty())
        errors.add(std::string(side) + ".box_id", "required",
                   "Diadoc sends from our box to theirs: the party's box_id");
  for (const auto* side : {"sender", "recipient"}) {
    const json::object& party = std::string(side) == "sender" ? sender : recipient;
    const std::string pid = text_of(party, "participant_id");
    const std::string at = std::string(side) + ".participant_id";
    if (pid.empty()) {
      errors.add(at, "required", "an EDO participant id is needed to send electronically");
    } else if (pid.size() >= 3 && operator_of(pid) != op &&
               !(std::string(side) == "recipient" && present(party, "roaming") &&
                 party.at("roaming") == true)) {
      errors.add(at, "operator_prefix",
                 "\"" + pid.substr(0, 3) + "\" is not the prefix of " + op + " (" + prefix +
                     "); for a counterparty reached through roaming set \"roaming\": true");
    }
  }
  if (text_of(recipient, "exchange") != "electronic")
    errors.add("recipient.exchange", "exchange",
               "the counterparty chose " + text_of(recipient, "exchange") +
                   " exchange; send these documents that way instead");
  const json::value* signer = sender.if_contains("signer");
  const auto& docs = packet.at("documents").as_array();
  bool any_upd = false;
  for (const auto& d : docs) any_upd = any_upd || d.at("form") == "upd";
  if (any_upd) {
    if (signer == nullptr || !signer->is_object()) {
      errors.add("sender.signer", "required",
                 "a UPD names its signer: last_name, first_name, position");
    } else {
      for (const char* f : {"last_name", "first_name", "position"})
        if (text_of(signer->get_object(), f).empty())
          errors.add(std::string("sender.signer.") + f, "required",
                     "the signer's " + std::string(f));
    }
  }
  const int64_t limit = info->at("max_documents").as_int64();
  if (static_cast<int64_t>(docs.size()) > limit)
    errors.add("documents", "operator_limit",
               std::to_string(docs.size()) + " documents; " + op + " takes at most " +
                   std::to_string(limit) + " in one message");

  for (size_t i = 0; i < docs.size(); ++i) {
    const json::object& entry = docs[i].as_object();
    const std::string at = "documents[" + std::to_string(i) + "]";
    json::object doc;
    try {
      doc = registry_.get(entry.at("document").as_int64(), false);
    } catch (const Error&) {
      errors.add(at, "unknown_document", "the registry document is gone");
      continue;
    }
    if (present(doc, "deleted") && doc.at("deleted") == true)
      errors.add(at, "deleted", "the document is deleted");
    if (text_of(doc, "status") == "cancelled")
      errors.add(at + ".status", "cancelled", "the document is cancelled in the registry");
    if (doc.at("is_final") != true)
      errors.add(at + ".is_final", "not_final",
                 "a newer version supersedes this document; send that one");
    if (text_of(doc, "number").empty())
      errors.add(at + ".number", "required", "number the document before sending it");
    const Date date = Date::parse_field(text_of(doc, "date"), at + ".date");
    if (ctx.today < date)
      errors.add(at + ".date", "future_date",
                 "dated " + date.to_string() + ", after today (" + ctx.today.to_string() + ")");
    // The parties of the document are the packet's.
    auto same_party = [&](const char* field, const json::object& party, const char* side) {
      const auto* v = doc.if_contains(field);
      if (v == nullptr || !v->is_object()) {
        if (entry.at("form") == "upd")
          errors.add(at + "." + field, "required", "a UPD needs the " + std::string(field));
        return;
      }
      const std::string inn = text_of(v->get_object(), "inn");
      const std::string kpp = text_of(v->get_object(), "kpp");
      if (inn != text_of(party, "inn"))
        errors.add(at + "." + field + ".inn", "party_mismatch",
                   "the document's " + std::string(field) + " has INN " + inn + ", the packet's " +
                       side + " " + text_of(party, "inn"));
      else if (!kpp.empty() && kpp != text_of(party, "kpp"))  // another branch
        errors.add(at + "." + field + ".kpp", "party_mismatch",
                   "the document's " + std::string(field) + " has KPP " + kpp + ", the packet's " +
                       side + " " + text_of(party, "kpp"));
    };
    same_party("organization", sender, "sender");
    same_party("counterparty", recipient, "recipient");

    if (entry.at("form") == "attachment") {
      bool has_file = false;
      for (const auto& f : doc.at("files").as_array())  // registry.get lists them
        has_file = has_file || (f.at("path").is_null() && f.at("sha256").is_string() &&
                                f.at("role") != "signed_copy");
      if (!has_file)
        errors.add(at + ".files", "file_required",
                   "a non-formalised document travels as its file; attach one "
                   "(registry.file.attach with its content)");
      continue;
    }
    // A UPD: items, VAT and totals.
    if (!upd_currency_known(text_of(doc, "currency")))
      errors.add(
          at + ".currency", "currency",
          "the UPD writer knows RUB, KZT, USD, EUR, BYN and CNY, not " + text_of(doc, "currency"));
    const auto currency = Currency::find(text_of(doc, "currency"));
    const Currency cur = currency ? *currency : *Currency::find("RUB");
    const auto& items = doc.at("items").as_array();
    if (items.empty()) errors.add(at + ".items", "required", "a UPD lists at least one item");
    int64_t net = 0, vat = 0, gross = 0;
    for (size_t k = 0; k < items.size(); ++k) {
      const auto& it = items[k].as_object();
      const std::string ip = at + ".items[" + std::to_string(k) + "]";
      const int64_t n = minor(it.at("net"), cur), v = minor(it.at("vat"), cur),
                    g = minor(it.at("gross"), cur);
      net += n;
      vat += v;
      gross += g;
      if (n + v != g) errors.add(ip + ".gross", "sum", "net + VAT is not the amount with VAT");
      const std::string rate = text_of(it, "vat_rate");
      if (rate == "none") {
        if (v != 0) errors.add(ip + ".vat", "vat_rate", "an item without VAT has VAT");
        continue;
      }
      int64_t r = -1;
      if (rate == "0" || rate == "5" || rate == "7" || rate == "10" || rate == "20" || rate == "22")
        r = std::stoll(rate);
      if (r < 0) {
        errors.add(ip + ".vat_rate", "vat_rate",
                   "\"" + rate + "\" is not a VAT rate a UPD knows (22, 20, 10, 7, 5, 0, none)");
        continue;
      }
      // The general rate is 20 % for supplies until 2025-12-31, 22 % from
      // 2026-01-01 (425-FZ); the supply date is the document's date.
      const bool after_2026 = !(date < Date{2026, 1, 1});
      if (r == 20 && after_2026)
        errors.add(ip + ".vat_rate", "vat_rate_date",
                   "20 % applies to supplies until 2025-12-31; this one is dated " +
                       date.to_string() + " (22 % from 2026-01-01)");
      if (r == 22 && !after_2026)
        errors.add(
            ip + ".vat_rate", "vat_rate_date",
            "22 % applies to supplies from 2026-01-01; this one is dated " + date.to_string());
      const int64_t expected = text_of(it, "vat_mode") == "on_top" ? div_half_up(n * r, 100)
                                                                   : div_half_up(g * r, 100 + r);
      if (std::llabs(expected - v) > 1)
        errors.add(ip + ".vat", "vat_amount",
                   "VAT " + text_of(it, "vat") + " is not " + rate + " % of the amount (" +
                       Money(expected, cur).to_string() + " expected)");
    }
    if (doc.at("totals").is_object()) {
      const auto& t = doc.at("totals").as_object();
      if (minor(t.at("net"), cur) != net || minor(t.at("vat"), cur) != vat ||
          minor(t.at("gross"), cur) != gross)
        errors.add(at + ".totals", "totals", "the totals are not the sum of the items");
    }
    // Whatever the format itself refuses (text windows-1251 cannot hold,
    // lengths, the signer's power of attorney...), found now, not at render.
    try {
      render_upd(upd_of(registry_, doc, entry, sender, recipient, ctx.now, ctx.utc_offset_minutes));
    } catch (const Error& e) {
      for (const auto& f : e.field_errors()) {
        // The renderer names its own fields; the parties are the packet's.
        std::string field = f.field;
        if (field == "sender_id")
          field = "sender.participant_id";
        else if (field == "receiver_id")
          field = "recipient.participant_id";
        else if (field.rfind("seller.", 0) == 0)
          field = "sender." + field.substr(7);
        else if (field.rfind("buyer.", 0) == 0)
          field = "recipient." + field.substr(6);
        else if (field.rfind("signer.", 0) == 0)
          field = "sender." + field;
        else
          field = at + "." + field;
        if (!already(errors, field)) errors.add(field, f.rule, f.message);
      }
      if (e.field_errors().empty()) errors.add(at, "format", e.what());
    }
  }
  json::array out;
  for (const auto& e : errors.list())
    out.push_back({{"field", e.field}, {"rule", e.rule}, {"message", e.message}});
  return out;
}

// What a validation covered: each document's version and the parties' last
// change. Rendering compares it instead of checking everything again.
std::string Edo::fingerprint(const json::object& packet) {
  std::string seed;
  for (const auto& d : packet.at("documents").as_array()) {
    const int64_t id = d.at("document").as_int64();
    auto st = conn_.cached("SELECT version, deleted FROM document WHERE id = ?1");
    st->bind(1, id);
    seed += std::to_string(id) + ":" +
            (st->step() ? std::to_string(st->int64(0)) + ":" + std::to_string(st->int64(1))
                        : std::string("gone")) +
            ";";
  }
  for (const char* side : {"sender", "recipient"}) {
    auto st = conn_.cached("SELECT updated_at FROM edo_party WHERE code = ?1");
    st->bind(1, text_of(packet, side));
    seed += std::string(side) + ":" + (st->step() ? st->text(0) : std::string("gone")) + ";";
  }
  return sha256_hex(seed);
}

json::object Edo::validate_packet(const json::object& p, const Context& ctx) {
  const int64_t id = p.at("packet").as_int64();
  const json::object packet = load_packet(id, "packet");
  const std::string status(packet.at("status").as_string());
  if (status != "draft" && status != "validated" && status != "failed" && status != "prepared")
    fail_field(ErrorCode::state, "packet", "status",
               "packet " + std::to_string(id) + " is " + status + "; it can no longer change");
  const json::array found = problems(packet, ctx);
  // A prepared packet that still passes stays prepared (its files stand).
  const std::string next =
      !found.empty() ? "draft" : (status == "prepared" ? "prepared" : "validated");
  auto up = conn_.cached(
      "UPDATE edo_packet SET status = ?2, problems = ?3, updated_at = ?4, fingerprint = ?5 WHERE "
      "id = ?1");
  up->bind(1, id).bind(2, next).bind(3, json::serialize(found)).bind(4, ctx.now.to_string());
  if (found.empty())
    up->bind(5, fingerprint(packet));
  else
    up->bind_null(5);
  up->run();
  return {{"packet", id}, {"status", next}, {"valid", found.empty()}, {"problems", found}};
}

json::object Edo::cancel_packet(const json::object& p, const Context& ctx) {
  const int64_t id = p.at("packet").as_int64();
  const json::object packet = load_packet(id, "packet");
  const std::string status(packet.at("status").as_string());
  if (status == "sending" || status == "sent" || status == "cancelled")
    fail_field(ErrorCode::state, "packet", "status",
               "packet " + std::to_string(id) + " is " + status + " and cannot be cancelled");
  set_packet_status(id, "cancelled", ctx);
  auto up = conn_.cached("UPDATE edo_document SET live = 0 WHERE packet_id = ?1");
  up->bind(1, id);
  up->run();
  return load_packet(id, "packet");
}

json::object Edo::packets(const json::object& p) {
  std::vector<int64_t> ids;
  {
    auto st = conn_.cached(
        "SELECT id FROM edo_packet WHERE (?1 IS NULL OR status = ?1) AND (?2 = 0 OR (status = "
        "'failed' OR problems <> '[]') AND status <> 'cancelled') AND (?3 IS NULL OR operator = "
        "?3) ORDER BY id LIMIT ?4");
    if (present(p, "status"))
      st->bind(1, text_of(p, "status"));
    else
      st->bind_null(1);
    st->bind(2, int64_t{present(p, "with_errors") && p.at("with_errors") == true ? 1 : 0});
    if (present(p, "operator"))
      st->bind(3, text_of(p, "operator"));
    else
      st->bind_null(3);
    st->bind(4, present(p, "limit") ? p.at("limit").as_int64() : int64_t{100});
    while (st->step()) ids.push_back(st->int64(0));
  }
  json::array out;
  for (int64_t id : ids) out.push_back(load_packet(id, "packet"));
  return {{"packets", std::move(out)}};
}

// Two-sided documents sent and still not countersigned after more than N
// working days (seed 004: chase the counterparty after 5).
json::object Edo::awaiting(const json::object& p, const Context& ctx) {
  const int64_t days = present(p, "working_days") ? p.at("working_days").as_int64() : 5;
  const std::string cal_id = present(p, "calendar") ? text_of(p, "calendar") : "ru";
  const auto cal = calendars_.get(cal_id, "calendar");
  struct Row {
    int64_t packet, document;
    std::string status, sent_at, op, recipient;
  };
  std::vector<Row> rows;
  {
    auto st = conn_.cached(
        "SELECT d.packet_id, d.document_id, d.status, d.sent_at, p.operator, p.recipient FROM "
        "edo_document d JOIN edo_packet p ON p.id = d.packet_id WHERE d.live = 1 AND "
        "d.two_sided = 1 AND d.done = 0 AND d.sent_at IS NOT NULL ORDER BY d.sent_at, "
        "d.document_id");
    while (st->step())
      rows.push_back(
          {st->int64(0), st->int64(1), st->text(2), st->text(3), st->text(4), st->text(5)});
  }
  json::array out;
  for (const auto& r : rows) {
    const Date sent = Timestamp::parse_field(r.sent_at, "sent_at").date_at(ctx.utc_offset_minutes);
    const Date due = cal->add_working_days(sent, days, YearPolicy(MissingYear::error, true));
    if (!(due < ctx.today)) continue;
    const json::object doc = registry_.get(r.document, true);
    out.push_back({{"document", r.document},
                   {"packet", r.packet},
                   {"kind", doc.at("kind")},
                   {"number", doc.at("number")},
                   {"status", r.status},
                   {"operator", r.op},
                   {"recipient", r.recipient},
                   {"sent_at", r.sent_at},
                   {"due", due.to_string()},
                   {"refs", doc.at("refs")}});
  }
  return {{"working_days", days}, {"today", ctx.today.to_string()}, {"documents", std::move(out)}};
}

json::object Edo::operator_types() {
  return operator_table();
}

}  // namespace opora::edo

// Packets: registry documents for one recipient through one operator,
// checked offline with every problem listed before anything is rendered.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <set>

#include "calendar/calendar_store.hpp"
#include "core/business_calendar.hpp"
#include "core/decimal.hpp"
#include "core/json_text.hpp"
#include "core/money.hpp"
#include "core/sha256.hpp"
#include "edo/edo.hpp"
#include "edo/internal.hpp"
#include "edo/operators.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::edo {
namespace json = boost::json;

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

// The rows of the tax-rate data whose rate is `rate` percent, and whether one
// of them is in force on `date` (valid_from <= date <= valid_to, an open end
// for none). Rates are compared as numbers: "22" and "22.00" are one rate.
struct RateRows {
  bool in_force = false;
  std::string periods;  // where the rate holds: "ru_vat 2019-01-01..2025-12-31"
};

RateRows rate_rows(const json::array& rates, const Decimal& rate, const Date& date) {
  RateRows out;
  for (const auto& row_value : rates) {
    const auto& row = row_value.as_object();
    const auto r = Decimal::parse(text_of(row, "rate"), 2);
    if (!r || !(*r == rate)) continue;
    const auto from = Date::parse(text_of(row, "valid_from"));
    const auto to = Date::parse(text_of(row, "valid_to"));
    if (from && !(date < *from) && (!to || !(*to < date))) out.in_force = true;
    if (!out.periods.empty()) out.periods += ", ";
    out.periods += text_of(row, "code") + " " + text_of(row, "valid_from") + ".." +
                   (to ? to->to_string() : std::string());
  }
  return out;
}

// Checks the prepayments a registry document says it offsets
// (custom.prepayments) as the UPD needs them; their problems under `at`.
void check_prepayments(const json::object& doc, const std::string& at, FieldErrors& errors) {
  const auto* c = doc.if_contains("custom");
  if (c == nullptr || !c->is_object()) return;
  const auto* list = c->get_object().if_contains("prepayments");
  if (list == nullptr) return;
  const std::string path = at + ".custom.prepayments";
  if (!list->is_array()) {
    errors.add(path, "type",
               "expected an array of {payment_number, payment_date, amount, invoice_number, "
               "invoice_date}");
    return;
  }
  const auto& items = list->get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string ip = path + "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) {
      errors.add(ip, "type", "expected an object");
      continue;
    }
    const auto& o = items[i].get_object();
    for (const auto& kv : o) {
      static const std::set<std::string> kKnown = {"payment_number", "payment_date", "amount",
                                                   "invoice_number", "invoice_date"};
      if (kKnown.count(std::string(kv.key())) == 0)
        errors.add(ip + "." + std::string(kv.key()), "unknown",
                   "is not a prepayment field (payment_number, payment_date, amount, "
                   "invoice_number, invoice_date)");
      else if (!kv.value().is_string())
        errors.add(ip + "." + std::string(kv.key()), "type", "expected a string");
    }
    for (const char* f : {"payment_date", "invoice_date"}) {
      const std::string v = text_of(o, f);
      if (!v.empty() && !Date::parse(v))
        errors.add(ip + "." + f, "date", "expected an existing date \"YYYY-MM-DD\"");
    }
    // Tax Code art. 169 p. 5 subp. 4 (425-FZ, from 2026): the advance
    // invoice's number and date are requisites of the shipment invoice.
    for (const char* f : {"invoice_number", "invoice_date"})
      if (text_of(o, f).empty())
        errors.add(ip + "." + f, "required",
                   "the advance invoice's number and date (Tax Code art. 169 p. 5 subp. 4)");
  }
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
                    int64_t position, const Context& ctx) {
  for (const auto& e : entries) {
    auto d = conn.cached(
        "INSERT INTO edo_document (packet_id, position, document_id, live, form, function, "
        "two_sided, file_guid, status, revocation, done, raw) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, "
        "?7, 'none', '', 0, '{}')");
    d->bind(1, packet).bind(2, ++position).bind(3, e.document).bind(4, e.form).bind(5, e.function);
    d->bind(6, int64_t{e.two_sided ? 1 : 0});
    // A random GUID: a name derived from database-local ids would name the
    // first UPD of every installation alike.
    if (!ctx.new_uuid) throw Error(ErrorCode::internal, "edo: no id source for a file GUID");
    d->bind(7, ctx.new_uuid());
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
  insert_entries(conn_, packet, entries, 0, ctx);
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
                 static_cast<int64_t>(current.at("documents").as_array().size()), ctx);
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

  json::array tax_rates;  // read once, when a UPD needs them
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
    // VAT has one home: the registry's line computation (compute_line, through
    // Money::mul_div) with the rate taken by the supply date from the
    // tax-rate data. The document's date is the supply date.
    if (tax_rates.empty() && !items.empty()) {
      if (!ctx.tax_rates) throw Error(ErrorCode::internal, "edo: no tax-rate data in the context");
      tax_rates = ctx.tax_rates();
    }
    int64_t net = 0, vat = 0, gross = 0;
    for (size_t k = 0; k < items.size(); ++k) {
      const auto& it = items[k].as_object();
      const std::string ip = at + ".items[" + std::to_string(k) + "]";
      net += minor(it.at("net"), cur);
      vat += minor(it.at("vat"), cur);
      gross += minor(it.at("gross"), cur);
      registry::Item line;
      line.vat_rate = text_of(it, "vat_rate");
      line.vat_mode = text_of(it, "vat_mode");
      Decimal rate;
      if (line.vat_rate != "none") {
        const auto r = Decimal::parse(line.vat_rate, 2);
        if (!r) {
          errors.add(ip + ".vat_rate", "vat_rate", "\"" + line.vat_rate + "\" is not a rate");
          continue;
        }
        rate = *r;
        const RateRows rows = rate_rows(tax_rates, rate, date);
        if (rows.periods.empty()) {
          errors.add(ip + ".vat_rate", "vat_rate",
                     line.vat_rate +
                         " % is no rate of the tax-rate data (billing.tax.list); "
                         "billing.tax.define adds one");
          continue;
        }
        if (!rows.in_force)
          errors.add(ip + ".vat_rate", "vat_rate_date",
                     line.vat_rate + " % is not in force on the supply date " + date.to_string() +
                         " (" + rows.periods + ")");
      }
      const auto quantity = Decimal::parse(text_of(it, "quantity"), 3);
      const auto price = Money::parse(text_of(it, "price"), cur);
      const auto discount = Money::parse(text_of(it, "discount"), cur);
      if (!quantity || !price || !discount) {
        errors.add(ip, "amounts", "the item's quantity, price or discount cannot be read");
        continue;
      }
      line.quantity = *quantity;
      line.price = *price;
      line.discount = *discount;
      try {
        registry::compute_line(line, rate, cur);
      } catch (const Error& e) {
        errors.add(ip + ".price", "overflow", e.what());
        continue;
      }
      if (line.vat.to_string() != text_of(it, "vat"))
        errors.add(ip + ".vat", "vat_amount",
                   "VAT " + text_of(it, "vat") + " is not " + line.vat_rate +
                       " % of the line as the registry computes it (" + line.vat.to_string() + ")");
      if (line.net.to_string() != text_of(it, "net") ||
          line.gross.to_string() != text_of(it, "gross"))
        errors.add(ip + ".gross", "sum",
                   "net " + text_of(it, "net") + " and gross " + text_of(it, "gross") +
                       " are not the line's (" + line.net.to_string() + ", " +
                       line.gross.to_string() + ")");
    }
    check_prepayments(doc, at, errors);
    if (doc.at("totals").is_object()) {
      const auto& t = doc.at("totals").as_object();
      if (minor(t.at("net"), cur) != net || minor(t.at("vat"), cur) != vat ||
          minor(t.at("gross"), cur) != gross)
        errors.add(at + ".totals", "totals", "the totals are not the sum of the items");
    }
    // Whatever the format itself refuses (text windows-1251 cannot hold,
    // lengths, the signer's power of attorney...), found now, not at render.
    try {
      check_upd(upd_of(registry_, doc, entry, sender, recipient, ctx.now, ctx.utc_offset_minutes));
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
        else if (field.rfind("prepayments", 0) == 0) {
          field = at + ".custom." + field;
          // A prepayment that is no object is reported once, as such.
          if (already(errors, field.substr(0, field.find(']') + 1))) continue;
        } else
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

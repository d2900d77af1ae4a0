// Billing's domain events: what the ledger and the accounts tell the rest of
// opora (the shipped dunning process, a host's own definitions), published in
// the transaction of the change through the one EventPublisher. Each carries
// the account's facts and the position after the change; each has an id
// derived from the rows it reports, so a replay never delivers it twice.
// docs/billing.md lists them with their data; meta.events gives the schemas.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

// The account's key: the same ref its accrual documents carry.
std::string event_key_of(const AccountRow& a) {
  return "billing:account:" + a.number;
}

// How people write the currency in a message: an SMS says "499.00 руб." or
// "4 500.00 ₸", not the ISO code.
const char* currency_sign(std::string_view code) {
  static const std::pair<const char*, const char*> signs[] = {
      {"RUB", "руб."}, {"KZT", "₸"},    {"BYN", "бел. руб."}, {"UZS", "сум"}, {"KGS", "сом"},
      {"USD", "$"},    {"EUR", "€"},    {"CNY", "¥"},         {"AMD", "֏"},   {"GEL", "₾"},
      {"AZN", "₼"},  {"TJS", "сом."}, {"UAH", "₴"}};
  for (const auto& [c, sign] : signs)
    if (code == c) return sign;
  return nullptr;
}

json::value text_or_null_value(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

}  // namespace

std::string Billing::Impl::calendar_of(const AccountRow& a) {
  refresh();
  const std::string fallback = a.currency.code() == "KZT" ? "kz" : "ru";
  if (a.organization.empty()) return fallback;
  if (auto it = calendars_.find(a.organization); it != calendars_.end()) return it->second;
  std::string id = fallback;
  auto st = conn.cached("SELECT body FROM billing_organization WHERE tax_id = ?1");
  st->bind(1, a.organization);
  if (st->step()) {
    const json::object body = parse_stored(st->text(0)).as_object();
    if (const auto* c = present(body, "calendar"); c != nullptr && c->is_string())
      id = std::string(c->get_string());
    else if (body.contains("bin") || body.contains("iin"))
      id = "kz";
    else if (body.contains("inn"))
      id = "ru";
  }
  calendars_[a.organization] = id;
  return id;
}

Position Billing::Impl::owed(int64_t account_id, const Date& today) {
  Position all = position(account_id, std::nullopt);
  const Position now = current(account_id, today);
  all.overdue = now.overdue;
  all.oldest_overdue_due = now.oldest_overdue_due;
  return all;
}

bool Billing::Impl::positions_wanted() {
  for (const char* type :
       {"billing.accrual_posted", "billing.accrual_reversed", "billing.payment_posted",
        "billing.payment_reversed", "billing.debt_cleared"})
    if (events.listens(type)) return true;
  return false;
}

namespace {

// What every billing event says of its account, read afresh: a run works
// with rows that carry only what accrual needs.
json::object event_facts(Billing::Impl& b, const AccountRow& row) {
  const AccountRow a = b.account_by_id(row.id);
  const json::object body = a.body();
  const json::object& holder = body.at("holder").as_object();
  std::string tax_key;
  for (const char* k : {"iin", "inn", "bin"})
    if (holder.contains(k)) tax_key = k;
  const char* sign = currency_sign(a.currency.code());
  json::object d{{"account", a.number},
                 {"holder", a.holder_name},
                 {"holder_tax_id", text_or_null_value(a.holder_tax_id)},
                 {"phone", text_or_null_value(a.phone)},
                 {"address", text_or_null_value(text_of(body, "address"))},
                 {"status", a.status},
                 {"organization", text_or_null_value(a.organization)},
                 {"calendar", b.calendar_of(a)},
                 {"currency", a.currency.code()},
                 {"currency_sign", sign != nullptr ? sign : a.currency.code()}};
  // What the payer types in the bank app to find the account (billing.check
  // takes the holder's IIN/INN or the account number), and its name as a
  // message says it: "по ИИН 900101300123", "по лицевому счёту LS-0001".
  if (tax_key.empty() || a.holder_tax_id.empty()) {
    d["pay_by"] = a.number;
    d["pay_by_name"] = "лицевому счёту";
  } else {
    d["pay_by"] = a.holder_tax_id;
    d["pay_by_name"] = tax_key == "iin" ? "ИИН" : tax_key == "inn" ? "ИНН" : "БИН";
  }
  return d;
}

void add_event_position(json::object& d, const AccountRow& a, const Position& pos) {
  d["debt"] = Money(pos.debt, a.currency).to_string();
  d["overdue"] = Money(pos.overdue, a.currency).to_string();
  d["balance"] = Money(pos.balance(), a.currency).to_string();
}

void publish_event(Billing::Impl& b, const char* type, const AccountRow& a, json::object data,
                   const std::string& event_id) {
  json::object d = event_facts(b, a);
  for (auto& kv : data) d[kv.key()] = std::move(kv.value());
  b.events.publish({type, event_key_of(a), std::move(d), event_id});
}

// A change that took the debt from something to nothing (a payment, a
// correction, a cancelled run): the end of any chase for it.
void maybe_cleared(Billing::Impl& b, const AccountRow& a, int64_t debt_before,
                   const Position& after, const Date& on, const char* cause,
                   const std::string& cause_id, const std::string& event_id) {
  if (debt_before <= 0 || after.debt != 0) return;
  json::object d{{"date", on.to_string()},
                 {"debt_before", Money(debt_before, a.currency).to_string()},
                 {"cause", cause},
                 {"cause_id", cause_id}};
  add_event_position(d, a, after);
  publish_event(b, "billing.debt_cleared", a, std::move(d), "billing:debt_cleared:" + event_id);
}

}  // namespace

void Billing::Impl::accruals_posted(const AccountRow& a, const std::vector<NewLine>& lines,
                                    const std::vector<int64_t>& ids,
                                    const std::map<int64_t, std::string>& doc_numbers,
                                    std::optional<int64_t> debt_before, const Context& ctx) {
  if (lines.empty() || !positions_wanted()) return;
  // One event per accrual document; without documents, one for the charges
  // and one for the reductions, as documents would have been cut.
  struct Group {
    std::optional<int64_t> doc;
    int64_t first_id = 0;
    int64_t amount = 0, vat = 0, lines = 0;
    Date date{2000, 1, 1}, due{2000, 1, 1};
    std::string period, kind;
    std::optional<int64_t> run;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < lines.size(); ++i) {
    const NewLine& l = lines[i];
    Group* g = nullptr;
    for (auto& x : groups)
      if (l.doc_id ? x.doc == l.doc_id : (!x.doc && (x.amount < 0) == (l.amount < 0))) g = &x;
    if (g == nullptr) {
      groups.push_back(Group{l.doc_id, ids[i], 0, 0, 0, l.date, l.due, l.period, l.kind, l.run_id});
      g = &groups.back();
    }
    g->amount += l.amount;
    g->vat += l.vat;
    ++g->lines;
    g->date = std::min(g->date, l.date);
    g->due = std::min(g->due, l.due);
    if (g->kind != l.kind) g->kind = "mixed";
  }
  Date latest = ctx.today;
  for (const auto& g : groups) latest = std::max(latest, g.date);
  const Position after = owed(a.id, ctx.today);
  for (const Group& g : groups) {
    json::object d{{"period", g.period},
                   {"date", g.date.to_string()},
                   {"due_date", g.due.to_string()},
                   {"amount", Money(g.amount, a.currency).to_string()},
                   {"vat", Money(g.vat, a.currency).to_string()},
                   {"lines", g.lines},
                   {"kind", g.kind}};
    d["run"] = g.run ? json::value(*g.run) : json::value(nullptr);
    d["document"] = g.doc ? json::value(*g.doc) : json::value(nullptr);
    const auto number = g.doc ? doc_numbers.find(*g.doc) : doc_numbers.end();
    d["number"] = number != doc_numbers.end() ? json::value(number->second) : json::value(nullptr);
    add_event_position(d, a, after);
    const std::string id =
        g.doc ? "doc:" + std::to_string(*g.doc) : "line:" + std::to_string(g.first_id);
    d["accrual"] = id;  // the same for this accrual wherever it is reported
    publish_event(*this, "billing.accrual_posted", a, std::move(d), "billing:accrual:" + id);
  }
  if (debt_before)
    maybe_cleared(*this, a, *debt_before, after, latest, "correction",
                  "line:" + std::to_string(groups.front().first_id),
                  "accrual:" + std::to_string(groups.front().first_id));
}

void Billing::Impl::payment_posted(const AccountRow& a, const json::object& answer,
                                   int64_t debt_before, const Context& ctx) {
  const Date date = *Date::parse(text_of(answer, "date"));
  const Position after = owed(a.id, ctx.today);
  const std::string receipt = text_of(answer, "receipt");
  json::object d{{"receipt", receipt},
                 {"channel", answer.at("channel")},
                 {"txn_id", answer.at("txn_id")},
                 {"amount", answer.at("amount")},
                 {"date", answer.at("date")},
                 {"txn_date", answer.at("txn_date")},
                 {"debt_before", Money(debt_before, a.currency).to_string()}};
  add_event_position(d, a, after);
  publish_event(*this, "billing.payment_posted", a, std::move(d), "billing:payment:" + receipt);
  maybe_cleared(*this, a, debt_before, after, date, "payment", receipt, "payment:" + receipt);
}

void Billing::Impl::payment_reversed(const AccountRow& a, const json::object& storno,
                                     const Context& ctx) {
  if (!events.listens("billing.payment_reversed")) return;
  const Position after = owed(a.id, ctx.today);
  json::object d{{"receipt", storno.at("receipt")},
                 {"storno", storno.at("storno")},
                 {"amount", storno.at("amount")},
                 {"date", storno.at("date")}};
  add_event_position(d, a, after);
  publish_event(*this, "billing.payment_reversed", a, std::move(d),
                "billing:payment_reversed:" + text_of(storno, "storno"));
}

void Billing::Impl::accruals_reversed(const AccountRow& a, int64_t run_id,
                                      const std::string& period, int64_t amount,
                                      int64_t debt_before, const Context& ctx) {
  if (!positions_wanted()) return;
  const Position after = owed(a.id, ctx.today);
  const std::string id = "run:" + std::to_string(run_id) + ":" + a.number;
  json::object d{{"run", run_id},
                 {"period", period},
                 {"date", ctx.today.to_string()},
                 {"amount", Money(amount, a.currency).to_string()}};
  add_event_position(d, a, after);
  publish_event(*this, "billing.accrual_reversed", a, std::move(d),
                "billing:accrual_reversed:" + id);
  maybe_cleared(*this, a, debt_before, after, ctx.today, "run_cancelled", std::to_string(run_id),
                "accrual_reversed:" + id);
}

void Billing::Impl::status_changed(const AccountRow& a, const std::string& previous,
                                   int64_t journal_id, const Context& ctx) {
  if (!events.listens("billing.account_status_changed")) return;
  publish_event(
      *this, "billing.account_status_changed", a,
      {{"previous", previous}, {"date", ctx.today.to_string()}, {"at", ctx.now.to_string()}},
      "billing:account_status:" + std::to_string(journal_id));
}

}  // namespace opora::billing

// Subscribers: accounts (лицевые счета), tariffs, subscriptions, freezes and
// discounts, what a run reads about whom it bills and at what price. (The
// product catalogue is another module; "catalogue" means that one.)
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "core/requisites.hpp"
#include "registry/document.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

template <typename E>
std::optional<E> pick(const FieldReader& r, std::string_view key,
                      std::initializer_list<std::pair<const char*, E>> options, E fallback) {
  auto s = r.str(key, false, 20);
  if (!s) return fallback;
  std::string names;
  for (const auto& [name, value] : options) {
    if (*s == name) return value;
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
  r.errors().add(r.at(key), "enum", "expected one of " + names + ", got \"" + *s + "\"");
  return std::nullopt;
}

std::optional<Date> opt_date(store::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return Date::parse(st.text(col));
}

void bind_opt_date(store::Statement& st, int i, const std::optional<Date>& d) {
  if (d)
    st.bind(i, d->to_string());
  else
    st.bind_null(i);
}

}  // namespace

Tariff parse_tariff(const FieldReader& r, const char* code_field) {
  Tariff t;
  FieldErrors& errors = r.errors();
  if (auto code = r.str(code_field, true, 64)) t.code = *code;
  if (auto name = r.str("name", true, 200)) t.name = *name;
  std::optional<Currency> currency = Currency::find(r.str("currency", false, 3).value_or("RUB"));
  if (!currency) errors.add(r.at("currency"), "currency", "unknown ISO 4217 currency");
  const Currency c = currency.value_or(*Currency::find("RUB"));
  if (auto fee = r.money("fee", c, true)) {
    if (fee->is_negative()) errors.add(r.at("fee"), "negative", "must not be negative");
    if (fee->minor_units() > kMaxAmountMinor)
      errors.add(r.at("fee"), "range", "must be at most 1000000000.00");
    t.fee = *fee;
  }
  t.fee_period =
      pick<FeePeriod>(r, "fee_period", {{"month", FeePeriod::month}, {"day", FeePeriod::day}},
                      FeePeriod::month)
          .value_or(FeePeriod::month);
  t.tax_code = r.str("tax", false, 64).value_or(c.code() == "KZT" ? "kz_vat" : "ru_vat");
  t.vat_mode =
      pick<VatMode>(r, "vat_mode", {{"included", VatMode::included}, {"on_top", VatMode::on_top}},
                    VatMode::included)
          .value_or(VatMode::included);
  t.timing =
      pick<Timing>(r, "billing", {{"advance", Timing::advance}, {"arrears", Timing::arrears}},
                   Timing::advance)
          .value_or(Timing::advance);
  t.proration =
      pick<Proration>(r, "proration", {{"actual", Proration::actual}, {"none", Proration::none}},
                      Proration::actual)
          .value_or(Proration::actual);
  if (auto f = r.money("freeze_fee", c)) {
    if (f->is_negative()) errors.add(r.at("freeze_fee"), "negative", "must not be negative");
    if (f->minor_units() > kMaxAmountMinor)
      errors.add(r.at("freeze_fee"), "range", "must be at most 1000000000.00");
    t.freeze_fee = *f;
  }
  if (const auto* v = r.get("payment_term_days")) {
    if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > 366)
      errors.add(r.at("payment_term_days"), "range", "expected 0..366 days");
    else
      t.payment_term_days = static_cast<int>(v->get_int64());
  }
  return t;
}

json::object tariff_json(const Tariff& t) {
  json::object o{{"code", t.code},
                 {"name", t.name},
                 {"currency", t.fee.currency().code()},
                 {"fee", t.fee.to_string()},
                 {"fee_period", to_string(t.fee_period)},
                 {"tax", t.tax_code},
                 {"vat_mode", to_string(t.vat_mode)},
                 {"billing", to_string(t.timing)},
                 {"proration", to_string(t.proration)},
                 {"payment_term_days", t.payment_term_days}};
  o["freeze_fee"] = t.freeze_fee ? json::value(t.freeze_fee->to_string()) : nullptr;
  return o;
}

json::object Billing::define_tariff(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  Tariff t = parse_tariff(FieldReader(p, "", errors), "tariff");
  errors.throw_if_any(ErrorCode::validation);
  if (!impl_->has_tax_code(t.tax_code))
    fail_field(ErrorCode::validation, "tax", "unknown_tax",
               "no tax code \"" + t.tax_code + "\"; billing.tax.list shows them");
  {
    // Subscriptions bill in their account's currency: a tariff in use keeps
    // its currency (define a new tariff and change the subscriptions to it).
    auto used = impl_->conn.cached(
        "SELECT t.body FROM billing_tariff t WHERE t.code = ?1 AND EXISTS (SELECT 1 FROM "
        "billing_subscription_tariff s WHERE s.tariff = t.code)");
    used->bind(1, t.code);
    if (used->step()) {
      const json::value old = parse_stored(used->text(0));
      if (old.as_object().at("currency").as_string() != t.fee.currency().code())
        fail_field(ErrorCode::validation, "currency", "immutable",
                   "tariff \"" + t.code + "\" is in use in " +
                       std::string(old.as_object().at("currency").as_string()) +
                       "; its currency cannot change");
    }
  }
  json::object body = tariff_json(t);
  auto st = impl_->conn.cached(
      "INSERT INTO billing_tariff (code, body, defined_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (code) DO UPDATE SET body = excluded.body, defined_at = excluded.defined_at");
  st->bind(1, t.code).bind(2, json::serialize(body)).bind(3, ctx.now.to_string());
  st->run();
  impl_->invalidate();
  impl_->journal(ctx, "tariff.define", "tariff:" + t.code, body);
  return body;
}

json::object Billing::list_tariffs() {
  json::array out;
  auto st = impl_->conn.cached("SELECT body FROM billing_tariff ORDER BY code");
  while (st->step()) out.push_back(parse_stored(st->text(0)));
  return {{"tariffs", std::move(out)}};
}

// --- accounts --------------------------------------------------------------

json::object Billing::put_account(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto number = r.str("account", true, 40);
  const std::optional<AccountRow> existing = number ? impl_->find_account(*number) : std::nullopt;
  json::object body = existing ? existing->body() : json::object{};

  if (const auto* h = r.get("holder")) {
    if (!h->is_object()) {
      errors.add("holder", "type", "expected an object {type, name, inn | iin | bin}");
    } else if (auto party =
                   registry::parse_party(FieldReader(h->get_object(), "holder", errors), false)) {
      if (party->name.empty()) errors.add("holder.name", "required", "is required");
      body["holder"] = registry::party_json(*party);
    }
  } else if (!existing) {
    errors.add("holder", "required", "is required: {type, name, inn | iin | bin}");
  }
  for (const char* key : {"phone", "address", "organization"})
    if (r.get(key) != nullptr) {
      if (auto v = r.str(key, false, 300)) body[key] = *v;
    } else if (p.contains(key)) {
      body.erase(key);  // null clears
    }
  std::string currency_code = existing ? std::string(existing->currency.code()) : "RUB";
  if (auto c = r.str("currency", false, 3)) {
    if (!Currency::find(*c))
      errors.add("currency", "currency", "unknown ISO 4217 currency \"" + *c + "\"");
    else if (existing && *c != currency_code)
      errors.add("currency", "immutable", "an account's currency cannot change");
    else
      currency_code = *c;
  }
  const Currency currency = *Currency::find(currency_code);
  if (auto s = pick<std::string>(
          r, "status",
          {{"active", "active"}, {"suspended", "suspended"}, {"disconnected", "disconnected"}},
          existing ? existing->status : "active"))
    body["status"] = *s;
  int64_t credit_limit = existing ? existing->credit_limit : 0;
  if (auto limit = r.money("credit_limit", currency)) {
    if (limit->is_negative())
      errors.add("credit_limit", "negative", "must not be negative");
    else if (limit->minor_units() > kMaxAmountMinor)
      errors.add("credit_limit", "range", "must be at most 1000000000.00");
    else
      credit_limit = limit->minor_units();
  }
  errors.throw_if_any(ErrorCode::validation);
  if (existing && existing->status != "disconnected" && body.at("status") == "disconnected") {
    // A disconnected account accrues nothing: its subscriptions must have
    // ended first (each with its last day billed), not be cut off unbilled
    // or left running under a disconnected account.
    auto live = impl_->conn.cached(
        "SELECT id, end_date FROM billing_subscription WHERE account_id = ?1 AND (end_date IS "
        "NULL OR end_date > ?2) ORDER BY id LIMIT 1");
    live->bind(1, existing->id).bind(2, ctx.today.to_string());
    if (live->step())
      fail_field(ErrorCode::state, "status", "live_subscriptions",
                 "subscription " + std::to_string(live->int64(0)) +
                     (live->is_null(1) ? std::string(" has no last day")
                                       : " is billed until " + live->text(1)) +
                     "; disconnect it (billing.subscription.disconnect) and set the account "
                     "disconnected once its last day has passed");
  }

  body["number"] = *number;
  body["currency"] = currency_code;
  body["credit_limit"] = Money(credit_limit, currency).to_string();
  const json::object& holder = body.at("holder").as_object();
  std::string tax_id;
  for (const char* k : {"inn", "iin", "bin"})
    if (const auto* v = holder.if_contains(k); v != nullptr && v->is_string())
      tax_id = std::string(v->get_string());
  auto text_or_null = [&](store::Statement& st, int i, const char* key) {
    if (const auto* v = body.if_contains(key); v != nullptr && v->is_string())
      st.bind(i, v->get_string());
    else
      st.bind_null(i);
  };
  auto st = impl_->conn.cached(
      "INSERT INTO billing_account (number, holder_name, holder_tax_id, phone, organization, "
      "currency, status, credit_limit, created_at, updated_at, body) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10) ON CONFLICT (number) DO UPDATE SET "
      "holder_name = excluded.holder_name, holder_tax_id = excluded.holder_tax_id, "
      "phone = excluded.phone, organization = excluded.organization, status = excluded.status, "
      "credit_limit = excluded.credit_limit, updated_at = excluded.updated_at, body = "
      "excluded.body");
  st->bind(1, *number).bind(2, holder.at("name").as_string());
  if (tax_id.empty())
    st->bind_null(3);
  else
    st->bind(3, tax_id);
  text_or_null(*st, 4, "phone");
  text_or_null(*st, 5, "organization");
  st->bind(6, currency_code).bind(7, body.at("status").as_string()).bind(8, credit_limit);
  st->bind(9, ctx.now.to_string()).bind(10, json::serialize(body));
  st->run();
  if (existing && existing->status != body.at("status").as_string()) {
    const int64_t entry = impl_->journal(ctx, "account.status", "account:" + *number,
                                         {{"old", existing->status}, {"new", body.at("status")}});
    impl_->status_changed(impl_->account(*number, "account"), existing->status, entry, ctx);
  }
  impl_->journal(ctx, existing ? "account.update" : "account.create", "account:" + *number, body);
  return get_account(*number, ctx);
}

json::object Billing::get_account(const std::string& number, const Context& ctx) {
  const AccountRow a = impl_->account(number, "account");
  json::object out = a.body();
  const Position pos = impl_->current(a.id, ctx.today);
  out["balance"] = Money(pos.balance(), a.currency).to_string();
  out["debt"] = Money(pos.debt, a.currency).to_string();
  out["overdue"] = Money(pos.overdue, a.currency).to_string();
  out["subscriptions"] = subscriptions(number).at("subscriptions");
  return out;
}

json::object Billing::list_accounts(const json::object& p) {
  const FieldErrors none;
  json::array out;
  const int64_t limit = int_or(p, "limit", 100);
  const int64_t after = int_or(p, "after", 0);
  auto st = impl_->conn.cached(
      "SELECT id, body FROM billing_account WHERE id > ?1 AND (?2 IS NULL OR status = ?2) "
      "ORDER BY id LIMIT ?3");
  st->bind(1, after);
  if (const auto* s = p.if_contains("status"); s != nullptr && s->is_string())
    st->bind(2, s->get_string());
  else
    st->bind_null(2);
  st->bind(3, limit);
  int64_t last = 0;
  while (st->step()) {
    last = st->int64(0);
    out.push_back(parse_stored(st->text(1)));
  }
  json::object res{{"accounts", std::move(out)}};
  res["next_after_id"] = res.at("accounts").as_array().size() == static_cast<size_t>(limit)
                             ? json::value(last)
                             : json::value(nullptr);
  return res;
}

// --- subscriptions -----------------------------------------------------------

namespace {

struct SubRow {
  int64_t id;
  int64_t account_id;
  std::string service;
  Date start;
  std::optional<Date> end;
};

SubRow load_sub(store::Connection& conn, int64_t id) {
  auto st = conn.cached(
      "SELECT id, account_id, service, start_date, end_date FROM billing_subscription WHERE id = "
      "?1");
  st->bind(1, id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "subscription", "unknown_subscription",
               "no subscription " + std::to_string(id));
  return {st->int64(0), st->int64(1), st->text(2), *Date::parse(st->text(3)), opt_date(*st, 4)};
}

// A required id field: its value, or a "required" error for it.
std::optional<int64_t> required_id(const FieldReader& r, const char* key) {
  const auto id = r.id(key);
  if (!id && r.get(key) == nullptr) r.errors().add(r.at(key), "required", "is required");
  return id;
}

// The date of a change: given, or today.
Date change_date(const FieldReader& r, const char* key, const Context& ctx) {
  return r.date(key).value_or(ctx.today);
}

}  // namespace

json::object Billing::connect(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto number = r.str("account", true, 40);
  const auto tariff_code = r.str("tariff", true, 64);
  const auto service = r.str("service", false, 64).value_or("internet");
  const auto start = r.date("date");
  errors.throw_if_any(ErrorCode::invalid);
  const AccountRow a = impl_->account(*number, "account");
  const Tariff& t = impl_->tariff(*tariff_code, "tariff");
  if (t.fee.currency() != a.currency)
    fail_field(ErrorCode::validation, "tariff", "currency",
               "tariff is in " + std::string(t.fee.currency().code()) + ", the account in " +
                   std::string(a.currency.code()));
  if (a.status == "disconnected")
    fail_field(ErrorCode::state, "account", "disconnected",
               "account " + a.number + " is disconnected; set it active first");
  const Date from = start.value_or(ctx.today);
  impl_->check_open(from, "date", "a connection");
  {
    auto st = impl_->conn.cached(
        "SELECT id FROM billing_subscription WHERE account_id = ?1 AND service = ?2 AND "
        "(end_date IS NULL OR end_date >= ?3)");
    st->bind(1, a.id).bind(2, service).bind(3, from.to_string());
    if (st->step())
      fail_field(ErrorCode::conflict, "service", "already_connected",
                 "account " + a.number + " already has service \"" + service + "\" (subscription " +
                     std::to_string(st->int64(0)) + "); change its tariff instead");
  }
  auto st = impl_->conn.cached(
      "INSERT INTO billing_subscription (account_id, service, start_date, created_at) "
      "VALUES (?1, ?2, ?3, ?4)");
  st->bind(1, a.id).bind(2, service).bind(3, from.to_string()).bind(4, ctx.now.to_string());
  st->run();
  const int64_t id = impl_->conn.last_insert_rowid();
  auto tt = impl_->conn.cached(
      "INSERT INTO billing_subscription_tariff (subscription_id, from_date, tariff) "
      "VALUES (?1, ?2, ?3)");
  tt->bind(1, id).bind(2, from.to_string()).bind(3, t.code);
  tt->run();
  impl_->journal(ctx, "subscription.connect", "account:" + a.number,
                 {{"subscription", id}, {"tariff", t.code}, {"from", from.to_string()}});
  return {{"subscription", id},
          {"account", a.number},
          {"service", service},
          {"tariff", t.code},
          {"from", from.to_string()}};
}

json::object Billing::disconnect(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto id = required_id(r, "subscription");
  errors.throw_if_any(ErrorCode::invalid);
  const SubRow s = load_sub(impl_->conn, *id);
  // The last day of service: the day before `date` would surprise people;
  // "disconnect on the 10th" means the 10th is the last day billed.
  const Date last = change_date(r, "date", ctx);
  if (last < s.start)
    fail_field(ErrorCode::validation, "date", "before_start",
               "the subscription starts on " + s.start.to_string());
  if (s.end && *s.end < last)
    fail_field(ErrorCode::state, "subscription", "ended",
               "the subscription already ended on " + s.end->to_string());
  // The days after the last one lose their service: none may be closed.
  if (last < Date(Date::max_year, 12, 31))
    impl_->check_open(last.add_days(1), "date", "a disconnection ending service");
  auto st = impl_->conn.cached("UPDATE billing_subscription SET end_date = ?2 WHERE id = ?1");
  st->bind(1, s.id).bind(2, last.to_string());
  st->run();
  impl_->journal(ctx, "subscription.disconnect", "subscription:" + std::to_string(s.id),
                 {{"last_day", last.to_string()}});
  return {{"subscription", s.id}, {"last_day", last.to_string()}};
}

json::object Billing::change_tariff(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto id = required_id(r, "subscription");
  const auto code = r.str("tariff", true, 64);
  const auto when = pick<std::string>(
      r, "when", {{"now", "now"}, {"next_period", "next_period"}, {"date", "date"}}, "now");
  errors.throw_if_any(ErrorCode::invalid);
  const SubRow s = load_sub(impl_->conn, *id);
  const AccountRow a = impl_->account_by_id(s.account_id);
  const Tariff& t = impl_->tariff(*code, "tariff");
  if (t.fee.currency() != a.currency)
    fail_field(ErrorCode::validation, "tariff", "currency", "tariff and account currencies differ");
  Date from = ctx.today;
  if (*when == "next_period")
    from = Period::of(ctx.today).last().add_days(1);
  else if (*when == "date" || r.get("date") != nullptr)
    from = change_date(r, "date", ctx);
  if (from < s.start)
    fail_field(ErrorCode::validation, "date", "before_start",
               "the subscription starts on " + s.start.to_string());
  if (s.end && *s.end < from)
    fail_field(ErrorCode::state, "subscription", "ended",
               "the subscription ends on " + s.end->to_string());
  impl_->check_open(from, "date", "a tariff change");
  auto st = impl_->conn.cached(
      "INSERT INTO billing_subscription_tariff (subscription_id, from_date, tariff) "
      "VALUES (?1, ?2, ?3) ON CONFLICT (subscription_id, from_date) DO UPDATE SET tariff = "
      "excluded.tariff");
  st->bind(1, s.id).bind(2, from.to_string()).bind(3, t.code);
  st->run();
  // A later change planned before this one no longer stands.
  auto del = impl_->conn.cached(
      "DELETE FROM billing_subscription_tariff WHERE subscription_id = ?1 AND from_date > ?2");
  del->bind(1, s.id).bind(2, from.to_string());
  del->run();
  impl_->journal(ctx, "subscription.tariff", "subscription:" + std::to_string(s.id),
                 {{"tariff", t.code}, {"from", from.to_string()}});
  return {{"subscription", s.id}, {"tariff", t.code}, {"from", from.to_string()}};
}

json::object Billing::freeze(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto id = required_id(r, "subscription");
  const auto from = r.date("from");
  const auto to = r.date("to");
  errors.throw_if_any(ErrorCode::invalid);
  const SubRow s = load_sub(impl_->conn, *id);
  const AccountRow a = impl_->account_by_id(s.account_id);
  std::optional<Money> fee;
  if (r.get("fee") != nullptr) {
    fee = r.money("fee", a.currency);
    errors.throw_if_any(ErrorCode::invalid);
    if (fee->is_negative())
      fail_field(ErrorCode::invalid, "fee", "negative", "must not be negative");
  }
  const Date start = from.value_or(ctx.today);
  if (to && *to < start)
    fail_field(ErrorCode::invalid, "to", "before_from", "must not be before from");
  impl_->check_open(start, "from", "a freeze");
  {
    auto st = impl_->conn.cached(
        "SELECT id FROM billing_freeze WHERE subscription_id = ?1 AND (to_date IS NULL OR "
        "to_date >= ?2) AND (?3 IS NULL OR from_date <= ?3)");
    st->bind(1, s.id).bind(2, start.to_string());
    bind_opt_date(*st, 3, to);
    if (st->step())
      fail_field(ErrorCode::conflict, "from", "overlaps",
                 "overlaps freeze " + std::to_string(st->int64(0)) + " of this subscription");
  }
  auto st = impl_->conn.cached(
      "INSERT INTO billing_freeze (subscription_id, from_date, to_date, fee) VALUES (?1, ?2, ?3, "
      "?4)");
  st->bind(1, s.id).bind(2, start.to_string());
  bind_opt_date(*st, 3, to);
  if (fee)
    st->bind(4, fee->minor_units());
  else
    st->bind_null(4);
  st->run();
  const int64_t freeze_id = impl_->conn.last_insert_rowid();
  json::object out{{"freeze", freeze_id}, {"subscription", s.id}, {"from", start.to_string()}};
  out["to"] = to ? json::value(to->to_string()) : nullptr;
  out["fee"] = fee ? json::value(fee->to_string()) : nullptr;
  impl_->journal(ctx, "subscription.freeze", "subscription:" + std::to_string(s.id), out);
  return out;
}

json::object Billing::unfreeze(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto id = required_id(r, "subscription");
  errors.throw_if_any(ErrorCode::invalid);
  const SubRow s = load_sub(impl_->conn, *id);
  // The freeze ends the day before service resumes.
  const Date resume = change_date(r, "date", ctx);
  auto st = impl_->conn.cached(
      "SELECT id, from_date FROM billing_freeze WHERE subscription_id = ?1 AND from_date < ?2 AND "
      "(to_date IS NULL OR to_date >= ?2)");
  st->bind(1, s.id).bind(2, resume.to_string());
  if (!st->step())
    fail_field(ErrorCode::state, "subscription", "not_frozen",
               "subscription " + std::to_string(s.id) + " is not frozen on " + resume.to_string());
  const int64_t freeze_id = st->int64(0);
  st->reset();
  impl_->check_open(resume, "date", "an unfreeze");
  auto up = impl_->conn.cached("UPDATE billing_freeze SET to_date = ?2 WHERE id = ?1");
  up->bind(1, freeze_id).bind(2, resume.add_days(-1).to_string());
  up->run();
  impl_->journal(ctx, "subscription.unfreeze", "subscription:" + std::to_string(s.id),
                 {{"freeze", freeze_id}, {"resumed", resume.to_string()}});
  return {{"freeze", freeze_id}, {"subscription", s.id}, {"to", resume.add_days(-1).to_string()}};
}

json::object Billing::add_discount(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto number = r.str("account", true, 40);
  const auto name = r.str("name", true, 200);
  const auto sub = r.id("subscription");
  const auto from = r.date("from", true);
  const auto to = r.date("to");
  const auto percent_text = r.str("percent", false, 12);
  const auto fixed_text = r.str("amount", false, 40);
  if (percent_text.has_value() == fixed_text.has_value())
    errors.add("percent", "one_of", "give either percent or amount");
  errors.throw_if_any(ErrorCode::invalid);
  const AccountRow a = impl_->account(*number, "account");
  std::optional<Decimal> percent;
  std::optional<Money> fixed;
  if (percent_text) {
    percent = Decimal::parse(*percent_text, 4);
    if (!percent || percent->is_negative() || Decimal(100) < *percent)
      fail_field(ErrorCode::invalid, "percent", "percent", "expected 0..100 with up to 4 decimals");
  } else {
    fixed = Money::parse_field(*fixed_text, a.currency, "amount");
    if (fixed->is_negative() || fixed->is_zero())
      fail_field(ErrorCode::invalid, "amount", "positive", "must be more than zero");
    if (fixed->minor_units() > kMaxAmountMinor)
      fail_field(ErrorCode::invalid, "amount", "range", "must be at most 1000000000.00");
  }
  if (to && *to < *from)
    fail_field(ErrorCode::invalid, "to", "before_from", "must not be before from");
  if (sub && load_sub(impl_->conn, *sub).account_id != a.id)
    fail_field(ErrorCode::validation, "subscription", "other_account",
               "the subscription belongs to another account");
  impl_->check_open(*from, "from", "a discount");
  auto st = impl_->conn.cached(
      "INSERT INTO billing_discount (account_id, subscription_id, name, percent, fixed, from_date, "
      "to_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  st->bind(1, a.id);
  if (sub)
    st->bind(2, *sub);
  else
    st->bind_null(2);
  st->bind(3, *name);
  if (percent)
    st->bind(4, percent->to_string());
  else
    st->bind_null(4);
  if (fixed)
    st->bind(5, fixed->minor_units());
  else
    st->bind_null(5);
  st->bind(6, from->to_string());
  bind_opt_date(*st, 7, to);
  st->run();
  json::object out{{"discount", impl_->conn.last_insert_rowid()},
                   {"account", a.number},
                   {"name", *name},
                   {"from", from->to_string()}};
  out["to"] = to ? json::value(to->to_string()) : nullptr;
  out["percent"] = percent ? json::value(percent->to_string()) : nullptr;
  out["amount"] = fixed ? json::value(fixed->to_string()) : nullptr;
  impl_->journal(ctx, "discount.add", "account:" + a.number, out);
  return out;
}

json::object Billing::subscriptions(const std::string& number) {
  const AccountRow a = impl_->account(number, "account");
  json::array out;
  auto st = impl_->conn.cached(
      "SELECT id, service, start_date, end_date FROM billing_subscription WHERE account_id = ?1 "
      "ORDER BY id");
  st->bind(1, a.id);
  while (st->step()) {
    json::object s{{"subscription", st->int64(0)}, {"service", st->text(1)}, {"from", st->text(2)}};
    s["to"] = st->is_null(3) ? json::value(nullptr) : json::value(st->text(3));
    json::array tariffs;
    auto tt = impl_->conn.cached(
        "SELECT from_date, tariff FROM billing_subscription_tariff WHERE subscription_id = ?1 "
        "ORDER BY from_date");
    tt->bind(1, st->int64(0));
    while (tt->step()) tariffs.push_back({{"from", tt->text(0)}, {"tariff", tt->text(1)}});
    s["tariffs"] = std::move(tariffs);
    json::array freezes;
    auto ff = impl_->conn.cached(
        "SELECT id, from_date, to_date, fee FROM billing_freeze WHERE subscription_id = ?1 ORDER "
        "BY from_date");
    ff->bind(1, st->int64(0));
    while (ff->step()) {
      json::object f{{"freeze", ff->int64(0)}, {"from", ff->text(1)}};
      f["to"] = ff->is_null(2) ? json::value(nullptr) : json::value(ff->text(2));
      f["fee"] = ff->is_null(3) ? json::value(nullptr)
                                : json::value(Money(ff->int64(3), a.currency).to_string());
      freezes.push_back(std::move(f));
    }
    s["freezes"] = std::move(freezes);
    out.push_back(std::move(s));
  }
  return {{"account", a.number}, {"subscriptions", std::move(out)}};
}

}  // namespace opora::billing

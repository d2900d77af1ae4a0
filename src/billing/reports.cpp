// Balances, the account ledger, debt ageing, the turnover statement and the
// debtors list: all read from the ledger, none stored beside it.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

Date date_param(const json::object& p, const char* key, const Date& fallback) {
  if (const auto* v = p.if_contains(key); v != nullptr && v->is_string())
    return Date::parse_field(v->get_string(), key);
  return fallback;
}

int64_t amount_param(const json::object& p, const char* key) {
  if (const auto* v = p.if_contains(key); v != nullptr && v->is_string()) {
    const auto m = Money::parse(v->get_string(), *Currency::find("RUB"));
    if (!m || m->is_negative())
      fail_field(ErrorCode::invalid, key, "money", "expected a non-negative amount like 100.00");
    return m->minor_units();
  }
  return 0;
}

// Sums of the ledger between two dates (inclusive), storno rows included, so
// that opening - accrued + paid = closing holds by construction and equals
// the balance computed on the closing date.
struct Turnover {
  int64_t opening = 0, accrued = 0, paid = 0;
  int64_t closing() const { return opening - accrued + paid; }
};

}  // namespace

json::object Billing::balance(const json::object& p, const Context& ctx) {
  const AccountRow a = impl_->account(std::string(p.at("account").as_string()), "account");
  const Date on = date_param(p, "date", ctx.today);
  const Position pos = impl_->position(a.id, on);
  json::array open;
  for (const auto& it : pos.items)
    open.push_back({{"accrual", it.accrual_id},
                    {"date", it.date.to_string()},
                    {"due_date", it.due.to_string()},
                    {"open", Money(it.open, a.currency).to_string()},
                    {"days_overdue", std::max<int64_t>(0, it.due.days_until(on))}});
  json::object out{
      {"account", a.number},
      {"date", on.to_string()},
      {"currency", a.currency.code()},
      {"accrued", Money(pos.accrued, a.currency).to_string()},
      {"paid", Money(pos.paid, a.currency).to_string()},
      {"balance", Money(pos.balance(), a.currency).to_string()},
      {"debt", Money(pos.debt, a.currency).to_string()},
      {"overdue", Money(pos.overdue, a.currency).to_string()},
      {"advance", Money(std::max<int64_t>(0, pos.balance() + pos.debt), a.currency).to_string()},
      {"credit_limit", Money(a.credit_limit, a.currency).to_string()},
      {"open_items", std::move(open)}};
  out["oldest_overdue_due"] = pos.oldest_overdue_due
                                  ? json::value(pos.oldest_overdue_due->to_string())
                                  : json::value(nullptr);
  return out;
}

json::object Billing::ledger(const json::object& p) {
  const AccountRow a = impl_->account(std::string(p.at("account").as_string()), "account");
  const Date from = date_param(p, "from", Date(Date::min_year, 1, 1));
  const Date to = date_param(p, "to", Date(Date::max_year, 12, 31));
  json::array rows;
  // An accrual line carries what a correction invoice needs: the service
  // period, the rate it was computed at and the price before discount.
  auto st = impl_->conn.cached(
      "SELECT 'accrual', id, date, kind, name, amount, vat, period, doc_id, storno_of, NULL, "
      "subscription_id, date_from, date_to, base, discount, tax_code, vat_rate, vat_mode, "
      "due_date, reversed_by FROM billing_accrual WHERE account_id = ?1 AND date BETWEEN ?2 AND "
      "?3 UNION ALL SELECT 'payment', id, date, CASE WHEN storno_of IS NULL THEN 'payment' ELSE "
      "'storno' END, channel || ' ' || txn_id, amount, 0, NULL, doc_id, storno_of, txn_date, "
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, reversed_by FROM billing_payment "
      "WHERE account_id = ?1 AND date BETWEEN ?2 AND ?3 ORDER BY 3, 1, 2");
  st->bind(1, a.id).bind(2, from.to_string()).bind(3, to.to_string());
  auto text_or_null = [&](int col) {
    return st->is_null(col) ? json::value(nullptr) : json::value(st->text(col));
  };
  auto id_or_null = [&](int col) {
    return st->is_null(col) ? json::value(nullptr) : json::value(st->int64(col));
  };
  while (st->step()) {
    json::object row{{"entry", st->text(0)},
                     {"id", st->int64(1)},
                     {"date", st->text(2)},
                     {"kind", st->text(3)},
                     {"text", st->text(4)},
                     {"amount", Money(st->int64(5), a.currency).to_string()},
                     {"vat", Money(st->int64(6), a.currency).to_string()}};
    row["period"] = text_or_null(7);
    row["document"] = id_or_null(8);
    row["reverses"] = id_or_null(9);
    row["reversed_by"] = id_or_null(20);
    if (st->text(0) == "accrual") {
      row["subscription"] = id_or_null(11);
      row["from"] = text_or_null(12);
      row["to"] = text_or_null(13);
      row["base"] = Money(st->int64(14), a.currency).to_string();
      row["discount"] = Money(st->int64(15), a.currency).to_string();
      row["tax"] = st->text(16);
      row["vat_rate"] = st->text(17);
      row["vat_mode"] = st->text(18);
      row["due_date"] = st->text(19);
    } else {
      row["txn_date"] = text_or_null(10);
    }
    rows.push_back(std::move(row));
  }
  return {{"account", a.number}, {"entries", std::move(rows)}};
}

json::object Billing::ageing(const json::object& p, const Context& ctx) {
  const Date on = date_param(p, "date", ctx.today);
  static const char* kBuckets[] = {"not_due", "0-30", "31-60", "61-90", "90+"};
  std::map<std::string, std::array<int64_t, 5>> totals;  // by currency
  std::map<std::string, int64_t> debtors;
  std::optional<int64_t> only;
  if (const auto* v = p.if_contains("account"); v != nullptr && v->is_string())
    only = impl_->account(std::string(v->get_string()), "account").id;
  auto add = [&](int64_t account_id, const Position& pos) {
    if (only && *only != account_id) return;
    if (pos.items.empty()) return;
    const AccountRow a = impl_->account_by_id(account_id);
    auto& t = totals[std::string(a.currency.code())];
    for (const auto& it : pos.items) {
      const int64_t days = it.due.days_until(on);
      const size_t bucket = days <= 0 ? 0 : days <= 30 ? 1 : days <= 60 ? 2 : days <= 90 ? 3 : 4;
      t[bucket] += it.open;
    }
    ++debtors[std::string(a.currency.code())];
  };
  if (only) {
    add(*only, impl_->position(*only, on));
  } else {
    for_each_position(*impl_, on, add);
  }
  json::array out;
  for (const auto& [code, t] : totals) {
    const Currency c = *Currency::find(code);
    json::object buckets;
    int64_t sum = 0;
    for (size_t i = 0; i < 5; ++i) {
      buckets[kBuckets[i]] = Money(t[i], c).to_string();
      sum += t[i];
    }
    out.push_back({{"currency", code},
                   {"accounts", debtors[code]},
                   {"buckets", std::move(buckets)},
                   {"total", Money(sum, c).to_string()}});
  }
  return {{"date", on.to_string()}, {"ageing", std::move(out)}};
}

json::object Billing::turnover(const json::object& p) {
  const Date from = Date::parse_field(p.at("from").as_string(), "from");
  const Date to = Date::parse_field(p.at("to").as_string(), "to");
  if (to < from) fail_field(ErrorCode::invalid, "to", "before_from", "must not be before from");
  std::optional<int64_t> only;
  if (const auto* v = p.if_contains("account"); v != nullptr && v->is_string())
    only = impl_->account(std::string(v->get_string()), "account").id;
  // Per account: sums before `from` (opening) and within the period.
  std::map<int64_t, Turnover> rows;
  auto sums = [&](const char* table, bool accrual) {
    // One account reads its own rows through the account index; the whole
    // ledger is one pass.
    auto st = impl_->conn.cached(
        std::string("SELECT account_id, COALESCE(SUM(amount) FILTER (WHERE date < ?1), 0), "
                    "COALESCE(SUM(amount) FILTER (WHERE date >= ?1), 0) FROM ") +
        table + " WHERE date <= ?2" + (only ? " AND account_id = ?3" : "") +
        " GROUP BY account_id");
    st->bind(1, from.to_string()).bind(2, to.to_string());
    if (only) st->bind(3, *only);
    while (st->step()) {
      Turnover& t = rows[st->int64(0)];
      if (accrual) {
        t.opening -= st->int64(1);
        t.accrued += st->int64(2);
      } else {
        t.opening += st->int64(1);
        t.paid += st->int64(2);
      }
    }
  };
  sums("billing_accrual", true);
  sums("billing_payment", false);
  const bool detail = !p.contains("accounts") || p.at("accounts").as_bool();
  json::array accounts;
  std::map<std::string, Turnover> total;
  for (const auto& [id, t] : rows) {
    const AccountRow a = impl_->account_by_id(id);
    Turnover& sum = total[std::string(a.currency.code())];
    sum.opening += t.opening;
    sum.accrued += t.accrued;
    sum.paid += t.paid;
    if (detail)
      accounts.push_back({{"account", a.number},
                          {"currency", a.currency.code()},
                          {"opening", Money(t.opening, a.currency).to_string()},
                          {"accrued", Money(t.accrued, a.currency).to_string()},
                          {"paid", Money(t.paid, a.currency).to_string()},
                          {"closing", Money(t.closing(), a.currency).to_string()}});
  }
  json::array totals;
  for (const auto& [code, t] : total) {
    const Currency c = *Currency::find(code);
    totals.push_back({{"currency", code},
                      {"opening", Money(t.opening, c).to_string()},
                      {"accrued", Money(t.accrued, c).to_string()},
                      {"paid", Money(t.paid, c).to_string()},
                      {"closing", Money(t.closing(), c).to_string()}});
  }
  return {{"from", from.to_string()},
          {"to", to.to_string()},
          {"accounts", std::move(accounts)},
          {"totals", std::move(totals)}};
}

json::object Billing::debtors(const json::object& p, const Context& ctx) {
  const Date on = date_param(p, "date", ctx.today);
  const int64_t min_days = int_or(p, "min_days", 1);
  const int64_t min_amount = amount_param(p, "min_amount");
  const int64_t limit = int_or(p, "limit", 1000);
  json::array out;
  int64_t count = 0;
  for_each_position(*impl_, on, [&](int64_t account_id, const Position& pos) {
    if (pos.overdue <= 0 || pos.overdue < min_amount || !pos.oldest_overdue_due) return;
    const int64_t days = pos.oldest_overdue_due->days_until(on);
    if (days < min_days) return;
    ++count;
    if (static_cast<int64_t>(out.size()) >= limit) return;
    const AccountRow a = impl_->account_by_id(account_id);
    out.push_back({{"account", a.number},
                   {"holder", a.holder_name},
                   {"phone", a.phone},
                   {"status", a.status},
                   {"currency", a.currency.code()},
                   {"debt", Money(pos.debt, a.currency).to_string()},
                   {"overdue", Money(pos.overdue, a.currency).to_string()},
                   {"days_overdue", days},
                   {"oldest_due", pos.oldest_overdue_due->to_string()}});
  });
  return {{"date", on.to_string()}, {"count", count}, {"debtors", std::move(out)}};
}

}  // namespace opora::billing

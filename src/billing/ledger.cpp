// The ledger arithmetic every report rests on. A balance on a date is the sum
// of payments minus the sum of accruals posted up to that date (storno rows
// included, so a reversal counts from its own date). Debts are then settled
// first in, first out: payments and credits cover the accruals in order of
// due date, and what they do not cover is open.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "store/store.hpp"

namespace opora::billing {

namespace {

// Accrual rows that count on `as_of`: not storno rows, and not rows whose
// storno is already posted by then (the pair cancels out).
constexpr const char* kLiveAccruals =
    "SELECT a.account_id, a.id, a.date, a.due_date, a.amount FROM billing_accrual a "
    "WHERE a.date <= ?2 AND a.storno_of IS NULL AND (a.reversed_by IS NULL OR "
    "(SELECT s.date FROM billing_accrual s WHERE s.id = a.reversed_by) > ?2) ";

constexpr const char* kLivePayments =
    "SELECT p.account_id, COALESCE(SUM(p.amount), 0) FROM billing_payment p "
    "WHERE p.date <= ?2 AND p.storno_of IS NULL AND (p.reversed_by IS NULL OR "
    "(SELECT s.date FROM billing_payment s WHERE s.id = p.reversed_by) > ?2) ";

// FIFO over one account's accrual rows (sorted by due date, id).
void settle(Position& pos, const Date& as_of) {
  int64_t pool = pos.paid;
  for (const auto& it : pos.items)
    if (it.open < 0) pool -= it.open;  // a credit line pays like money
  std::vector<OpenItem> open;
  for (auto it : pos.items) {
    if (it.open <= 0) continue;
    const int64_t cover = std::min(pool, it.open);
    pool -= cover;
    it.open -= cover;
    if (it.open == 0) continue;
    pos.debt += it.open;
    if (it.due < as_of) {
      pos.overdue += it.open;
      if (!pos.oldest_overdue_due || it.due < *pos.oldest_overdue_due)
        pos.oldest_overdue_due = it.due;
    }
    open.push_back(it);
  }
  pos.items = std::move(open);
}

}  // namespace

namespace {

Position position_of(store::Connection& conn, int64_t account_id, const Date& accruals_until,
                     const Date& payments_until) {
  const Date& d = accruals_until;
  Position pos;
  {
    auto st =
        conn.cached(std::string(kLiveAccruals) + "AND a.account_id = ?1 ORDER BY a.due_date, a.id");
    st->bind(1, account_id).bind(2, d.to_string());
    while (st->step()) {
      OpenItem it{st->int64(1), *Date::parse(st->text(2)), *Date::parse(st->text(3)), st->int64(4)};
      pos.accrued += it.open;
      pos.items.push_back(it);
    }
  }
  {
    auto st = conn.cached(std::string(kLivePayments) + "AND p.account_id = ?1");
    st->bind(1, account_id).bind(2, payments_until.to_string());
    if (st->step()) pos.paid = st->int64(1);
  }
  settle(pos, d);
  return pos;
}

}  // namespace

Position Billing::Impl::position(int64_t account_id, const std::optional<Date>& as_of) {
  const Date d = as_of.value_or(Date(Date::max_year, 12, 31));
  return position_of(conn, account_id, d, d);
}

Position Billing::Impl::current(int64_t account_id, const Date& today) {
  return position_of(conn, account_id, today, Date(Date::max_year, 12, 31));
}

void for_each_position(Billing::Impl& b, const Date& as_of,
                       const std::function<void(int64_t account_id, const Position&)>& f,
                       bool every_payment) {
  // Payments per account first (few rows per account), then one ordered
  // pass over the accruals.
  std::map<int64_t, int64_t> paid;
  {
    auto st = b.conn.cached(std::string(kLivePayments) + "AND ?1 IS NULL GROUP BY p.account_id");
    st->bind_null(1).bind(2, every_payment ? "2999-12-31" : as_of.to_string());
    while (st->step()) paid[st->int64(0)] = st->int64(1);
  }
  auto st = b.conn.cached(std::string(kLiveAccruals) +
                          "AND ?1 IS NULL ORDER BY a.account_id, a.due_date, a.id");
  st->bind_null(1).bind(2, as_of.to_string());
  Position pos;
  int64_t current = 0;
  auto flush = [&] {
    if (current == 0) return;
    if (auto it = paid.find(current); it != paid.end()) {
      pos.paid = it->second;
      paid.erase(it);
    }
    settle(pos, as_of);
    f(current, pos);
  };
  while (st->step()) {
    const int64_t account = st->int64(0);
    if (account != current) {
      flush();
      pos = Position{};
      current = account;
    }
    OpenItem it{st->int64(1), *Date::parse(st->text(2)), *Date::parse(st->text(3)), st->int64(4)};
    pos.accrued += it.open;
    pos.items.push_back(it);
  }
  flush();
  // Accounts that only ever paid: all advance, no debt.
  for (const auto& [account, amount] : paid) {
    Position only;
    only.paid = amount;
    f(account, only);
  }
}

}  // namespace opora::billing

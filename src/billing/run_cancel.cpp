// billing.run.cancel and billing.run.list: a run's figures (the sums of its
// done chunks, with its chunks by state), and its reversal by storno.
#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "billing/impl.hpp"
#include "billing/run_chunks.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

std::optional<Date> stored_date(store::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return Date::parse(st.text(col));
}

}  // namespace

json::object run_summary(store::Connection& conn, int64_t run_id) {
  // A run's figures are the sums of the chunks it finished.
  auto st = conn.cached(
      "SELECT id, period, status, (SELECT COALESCE(SUM(accounts), 0) FROM billing_run_chunk WHERE "
      "run_id = r.id), (SELECT COALESCE(SUM(lines), 0) FROM billing_run_chunk WHERE run_id = "
      "r.id), started_at, finished_at, cancelled_at FROM billing_run r WHERE id = ?1");
  st->bind(1, run_id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "run", "unknown_run", "no run " + std::to_string(run_id));
  json::object o{{"run", st->int64(0)},      {"period", st->text(1)}, {"status", st->text(2)},
                 {"accounts", st->int64(3)}, {"lines", st->int64(4)}, {"started_at", st->text(5)}};
  o["finished_at"] = st->is_null(6) ? json::value(nullptr) : json::value(st->text(6));
  o["cancelled_at"] = st->is_null(7) ? json::value(nullptr) : json::value(st->text(7));
  json::array totals;
  auto t = conn.cached(
      "SELECT currency, SUM(amount), SUM(vat) FROM billing_run_chunk_total WHERE run_id = ?1 GROUP "
      "BY currency ORDER BY currency");
  t->bind(1, run_id);
  while (t->step()) {
    const Currency c = *Currency::find(t->text(0));
    totals.push_back({{"currency", c.code()},
                      {"amount", Money(t->int64(1), c).to_string()},
                      {"vat", Money(t->int64(2), c).to_string()}});
  }
  o["totals"] = std::move(totals);
  o["chunks"] = run_chunks::states(conn, run_id);
  return o;
}

json::object Billing::cancel_run(const json::object& p, const Context& ctx) {
  const int64_t run_id = p.at("run").as_int64();
  store::Connection& conn = impl_->conn;
  json::object before = run_summary(conn, run_id);
  // A running run is cancelled too: its chunks not done are cancelled
  // (no worker claims them any more, and one billing a chunk now fails its
  // fencing check and rolls back), the lines of the done ones reversed.
  if (before.at("status").as_string() == "cancelled")
    fail_field(ErrorCode::state, "run", "not_done",
               "run " + std::to_string(run_id) + " is already cancelled");
  run_chunks::cancel_open(conn, run_id);
  {
    // Runs of a period are undone newest first: a later run's
    // recalculation reverses lines of this one by their amounts, and
    // cancelling this one under it would leave those reversals standing
    // against nothing.
    auto later = conn.cached(
        "SELECT id FROM billing_run WHERE period = ?1 AND id > ?2 AND status <> 'cancelled' "
        "ORDER BY id DESC LIMIT 1");
    later->bind(1, before.at("period").as_string()).bind(2, run_id);
    if (later->step())
      fail_field(ErrorCode::state, "run", "later_run",
                 "run " + std::to_string(later->int64(0)) + " of period " +
                     std::string(before.at("period").as_string()) +
                     " came after it; cancel that run first");
  }
  // Every live line of the run gets its storno, dated today; the accrual
  // documents become "reversed" in the registry.
  std::vector<Billing::Impl::NewLine> stornos;
  std::vector<int64_t> originals;
  std::vector<int64_t> docs;
  {
    auto st = conn.cached(
        "SELECT id, account_id, subscription_id, period, seq, name, base, discount, amount, vat, "
        "tax_code, vat_rate, vat_mode, doc_id, date_from, date_to, days, date FROM billing_accrual "
        "WHERE account_id BETWEEN (SELECT MIN(first_account) FROM billing_run_chunk WHERE run_id = "
        "?1) AND (SELECT MAX(last_account) FROM billing_run_chunk WHERE run_id = ?1) AND period = "
        "?2 AND subscription_id IS NOT NULL AND storno_of IS NULL AND run_id = ?1 AND reversed_by "
        "IS NULL");
    st->bind(1, run_id).bind(2, before.at("period").as_string());
    while (st->step()) {
      Billing::Impl::NewLine l;
      originals.push_back(st->int64(0));
      l.account_id = st->int64(1);
      if (!st->is_null(2)) l.subscription_id = st->int64(2);
      l.period = st->text(3);
      l.seq = st->int64(4);
      l.kind = "storno";
      l.name = "Сторно: " + st->text(5);
      // Never before the line it reverses, or a statement between the two
      // dates would count the storno alone.
      l.date = std::max(ctx.today, *Date::parse(st->text(17)));
      l.due = l.date;
      l.base = -st->int64(6);
      l.discount = -st->int64(7);
      l.amount = -st->int64(8);
      l.vat = -st->int64(9);
      l.tax_code = st->text(10);
      l.vat_rate = st->text(11);
      l.vat_mode = st->text(12);
      if (!st->is_null(13)) docs.push_back(st->int64(13));
      l.from = stored_date(*st, 14);
      l.to = stored_date(*st, 15);
      if (!st->is_null(16)) l.days = st->int64(16);
      l.run_id = run_id;
      l.storno_of = originals.back();
      stornos.push_back(std::move(l));
    }
  }
  for (const auto& l : stornos) impl_->check_open(l.date, "run", "a storno of the run");
  // The position of each account before its lines are reversed, for the
  // events that say what the cancellation did to it.
  std::map<int64_t, std::pair<int64_t, int64_t>> reversed;  // account -> amount, debt before
  if (impl_->positions_wanted())
    for (const auto& l : stornos)
      if (reversed.count(l.account_id) == 0)
        reversed[l.account_id] = {0, impl_->owed(l.account_id, ctx.today).debt};
  for (size_t i = 0; i < stornos.size(); ++i) {
    if (auto it = reversed.find(stornos[i].account_id); it != reversed.end())
      it->second.first += stornos[i].amount;
    const int64_t id = impl_->insert_line(stornos[i]);
    auto up = conn.cached("UPDATE billing_accrual SET reversed_by = ?2 WHERE id = ?1");
    up->bind(1, originals[i]).bind(2, id);
    up->run();
  }
  std::sort(docs.begin(), docs.end());
  docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
  const registry::Context rctx = registry_context(ctx);
  for (int64_t d : docs) impl_->registry.set_status(d, "reversed", std::nullopt, rctx);
  auto st =
      conn.cached("UPDATE billing_run SET status = 'cancelled', cancelled_at = ?2 WHERE id = ?1");
  st->bind(1, run_id).bind(2, ctx.now.to_string());
  st->run();
  impl_->journal(ctx, "run.cancel", "run:" + std::to_string(run_id),
                 {{"period", before.at("period")},
                  {"lines_reversed", static_cast<int64_t>(stornos.size())},
                  {"documents_reversed", static_cast<int64_t>(docs.size())}});
  for (const auto& [account, change] : reversed)
    impl_->accruals_reversed(impl_->account_by_id(account), run_id,
                             std::string(before.at("period").as_string()), change.first,
                             change.second, ctx);
  json::object out = run_summary(conn, run_id);
  out["lines_reversed"] = static_cast<int64_t>(stornos.size());
  return out;
}

json::object Billing::runs(const json::object& p) {
  json::array out;
  auto st = impl_->conn.cached(
      "SELECT id FROM billing_run WHERE (CAST(?1 AS TEXT) IS NULL OR period = ?1) ORDER BY id");
  if (const auto* v = p.if_contains("period"); v != nullptr && v->is_string())
    st->bind(1, Period::parse_field(std::string(v->get_string()), "period").to_string());
  else
    st->bind_null(1);
  std::vector<int64_t> ids;
  while (st->step()) ids.push_back(st->int64(0));
  st->reset();
  for (int64_t id : ids) out.push_back(run_summary(impl_->conn, id));
  return {{"runs", std::move(out)}};
}

}  // namespace opora::billing

// Closed periods: once an accountant has reported a month, nothing dated on
// or before its last day may enter the ledger or change what a run of it
// computes. billing.period.close moves the closed date forward,
// billing.period.reopen moves it back with a reason; both are kept as rows
// (the latest is in force) and journalled.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

std::optional<Date> Billing::Impl::closed_until() {
  auto st = conn.cached("SELECT until FROM billing_period_close ORDER BY id DESC LIMIT 1");
  if (!st->step() || st->is_null(0)) return std::nullopt;
  return Date::parse(st->text(0));
}

void Billing::Impl::check_open(const Date& date, const std::string& field,
                               const std::string& what) {
  const std::optional<Date> until = closed_until();
  if (until && date <= *until)
    fail_field(ErrorCode::validation, field, "period_closed",
               what + " dated " + date.to_string() + " falls in the period closed until " +
                   until->to_string() +
                   "; date it later, or reopen the period (billing.period.reopen)");
}

namespace {

void record_close(store::Connection& conn, const char* action, const std::optional<Date>& until,
                  const Context& ctx) {
  auto st = conn.cached(
      "INSERT INTO billing_period_close (action, until, at, actor, reason) VALUES (?1, ?2, ?3, "
      "?4, ?5)");
  st->bind(1, action);
  if (until)
    st->bind(2, until->to_string());
  else
    st->bind_null(2);
  st->bind(3, ctx.now.to_string());
  if (ctx.actor)
    st->bind(4, *ctx.actor);
  else
    st->bind_null(4);
  if (ctx.reason)
    st->bind(5, *ctx.reason);
  else
    st->bind_null(5);
  st->run();
}

json::value closed_date_json(const std::optional<Date>& d) {
  return d ? json::value(d->to_string()) : json::value(nullptr);
}

}  // namespace

json::object Billing::close_period(const json::object& p, const Context& ctx) {
  const Date until = Date::parse_field(p.at("until").as_string(), "until");
  const std::optional<Date> before = impl_->closed_until();
  if (before && until == *before)
    return {
        {"closed_until", until.to_string()}, {"previous", before->to_string()}, {"changed", false}};
  if (before && until < *before)
    fail_field(ErrorCode::state, "until", "already_closed",
               "the period is closed until " + before->to_string() +
                   "; billing.period.reopen moves the closed date back");
  // A day still running may yet see payments and changes: only days that
  // have passed are closed.
  if (!(until < ctx.today))
    fail_field(ErrorCode::validation, "until", "not_past",
               "only days before today (" + ctx.today.to_string() + ") can be closed");
  {
    // A run stopped half-way would post into the closed days when resumed.
    auto st = impl_->conn.cached(
        "SELECT id, period FROM billing_run WHERE status = 'running' AND period <= ?1 ORDER BY "
        "id LIMIT 1");
    st->bind(1, Period::of(until).to_string());
    if (st->step())
      fail_field(ErrorCode::state, "until", "run_running",
                 "run " + std::to_string(st->int64(0)) + " of " + st->text(1) +
                     " is not finished; finish it (billing.run) before closing");
  }
  record_close(impl_->conn, "close", until, ctx);
  impl_->journal(ctx, "period.close", "period",
                 {{"until", until.to_string()}, {"previous", closed_date_json(before)}});
  return {{"closed_until", until.to_string()},
          {"previous", closed_date_json(before)},
          {"changed", true}};
}

json::object Billing::reopen_period(const json::object& p, const Context& ctx) {
  const Date from = Date::parse_field(p.at("from").as_string(), "from");
  const std::optional<Date> before = impl_->closed_until();
  if (!before || *before < from)
    fail_field(ErrorCode::state, "from", "not_closed",
               before ? "only days until " + before->to_string() + " are closed"
                      : std::string("no period is closed"));
  // Reopening everything back to the first day ever leaves nothing closed.
  std::optional<Date> until;
  if (Date(Date::min_year, 1, 1) < from) until = from.add_days(-1);
  record_close(impl_->conn, "reopen", until, ctx);
  impl_->journal(ctx, "period.reopen", "period",
                 {{"from", from.to_string()},
                  {"until", closed_date_json(until)},
                  {"previous", before->to_string()}});
  return {{"closed_until", closed_date_json(until)},
          {"previous", before->to_string()},
          {"changed", true}};
}

json::object Billing::periods() {
  json::array history;
  auto st = impl_->conn.cached(
      "SELECT action, until, at, actor, reason FROM billing_period_close ORDER BY id");
  while (st->step()) {
    json::object row{{"action", st->text(0)}, {"at", st->text(2)}};
    row["until"] = st->is_null(1) ? json::value(nullptr) : json::value(st->text(1));
    row["actor"] = st->is_null(3) ? json::value(nullptr) : json::value(st->text(3));
    row["reason"] = st->is_null(4) ? json::value(nullptr) : json::value(st->text(4));
    history.push_back(std::move(row));
  }
  st->reset();
  return {{"closed_until", closed_date_json(impl_->closed_until())},
          {"history", std::move(history)}};
}

}  // namespace opora::billing

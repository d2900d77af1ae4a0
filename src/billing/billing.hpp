// Billing: personal accounts (лицевые счета), tariffs, subscriptions, the
// monthly accrual run, payments from banks and agents, balances, reports,
// payment QR codes and bank statement import. Dunning is a workflow (the
// shipped `dunning` definition) driven by the domain events billing publishes.
//
// Money lives in one ledger of accrual lines and payments, in minor units;
// balances, debts, ageing and dunning are derived from it, never stored
// beside it, so they cannot drift apart. Posted rows are never edited: a
// cancelled run or payment is reversed by a storno row of the opposite sign.
//
// Methods take and return JSON objects already checked against the method
// schemas by the engine, and throw opora::Error.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "billing/terms.hpp"
#include "core/date.hpp"
#include "core/timestamp.hpp"

namespace opora {
class EventPublisher;
}

namespace opora::store {
class Connection;
struct SchemaModule;
}  // namespace opora::store

namespace opora::registry {
class Registry;
struct Context;
}  // namespace opora::registry

namespace opora::billing {

const store::SchemaModule& schema();

// Progress of long work: return false to stop after the current chunk.
using Progress = std::function<bool(int64_t done, int64_t total)>;

struct Context {
  Timestamp now{0};
  Date today{2000, 1, 1};
  std::optional<std::string> actor;
  std::optional<std::string> reason;
};

class Billing {
 public:
  // Domain events (billing.accrual_posted, billing.payment_posted, ...) go to
  // `events` in the transaction of the change (docs/billing.md lists them).
  Billing(store::Connection& conn, registry::Registry& registry, EventPublisher& events);
  ~Billing();

  // tax rates (taxes.cpp)
  boost::json::object define_tax_rate(const boost::json::object& p, const Context& ctx);
  boost::json::object list_tax_rates();

  // organisations (organizations.cpp)
  boost::json::object put_organization(const boost::json::object& p, const Context& ctx);
  boost::json::object organizations();

  // accounts, tariffs and subscriptions (subscribers.cpp)
  boost::json::object put_account(const boost::json::object& p, const Context& ctx);
  boost::json::object get_account(const std::string& number, const Context& ctx);
  boost::json::object list_accounts(const boost::json::object& p);
  boost::json::object define_tariff(const boost::json::object& p, const Context& ctx);
  boost::json::object list_tariffs();
  boost::json::object connect(const boost::json::object& p, const Context& ctx);
  boost::json::object disconnect(const boost::json::object& p, const Context& ctx);
  boost::json::object change_tariff(const boost::json::object& p, const Context& ctx);
  boost::json::object freeze(const boost::json::object& p, const Context& ctx);
  boost::json::object unfreeze(const boost::json::object& p, const Context& ctx);
  boost::json::object add_discount(const boost::json::object& p, const Context& ctx);
  boost::json::object add_charge(const boost::json::object& p, const Context& ctx);
  boost::json::object subscriptions(const std::string& account);

  // the accrual run (run.cpp, run_chunks.cpp, run_cancel.cpp); manages its
  // own transactions
  boost::json::object run(const boost::json::object& p, const Context& ctx,
                          const Progress& progress);
  // One more worker on a period's run (billing.run.work): claims chunks
  // with a lease and bills them until none is left (or max_chunks).
  boost::json::object work_run(const boost::json::object& p, const Context& ctx,
                               const Progress& progress);
  boost::json::object cancel_run(const boost::json::object& p, const Context& ctx);
  boost::json::object runs(const boost::json::object& p);

  // closed periods (periods.cpp)
  boost::json::object close_period(const boost::json::object& p, const Context& ctx);
  boost::json::object reopen_period(const boost::json::object& p, const Context& ctx);
  boost::json::object periods();

  // payments (payments.cpp)
  boost::json::object check(const boost::json::object& p, const Context& ctx);
  boost::json::object pay(const boost::json::object& p, const Context& ctx);
  boost::json::object storno_payment(const boost::json::object& p, const Context& ctx);
  boost::json::object gateway(const boost::json::object& p, const Context& ctx);

  // balances and reports (reports.cpp)
  boost::json::object balance(const boost::json::object& p, const Context& ctx);
  boost::json::object ledger(const boost::json::object& p);
  boost::json::object ageing(const boost::json::object& p, const Context& ctx);
  boost::json::object turnover(const boost::json::object& p);
  boost::json::object debtors(const boost::json::object& p, const Context& ctx);

  // QR and bank statements (qr_methods.cpp, statement_import.cpp)
  boost::json::object qr(const boost::json::object& p, const Context& ctx);
  // An order document's payment: QR text and payment link (order_payment.cpp)
  boost::json::object order_payment(const boost::json::object& p, const Context& ctx);
  boost::json::object import_statement(const boost::json::object& p, const Context& ctx);
  boost::json::object unmatched(const boost::json::object& p);
  boost::json::object resolve_unmatched(const boost::json::object& p, const Context& ctx);

  // Parts shared by the files above (ledger.cpp, subscribers.cpp).
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace opora::billing

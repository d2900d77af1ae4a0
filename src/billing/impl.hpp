// Internals shared by the billing source files: the connection, caches of
// tariffs and tax rates, account lookup, the ledger arithmetic and the
// journal. Not part of any public interface.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "billing/billing.hpp"
#include "billing/terms.hpp"
#include "core/domain_events.hpp"
#include "core/field_reader.hpp"
#include "core/money.hpp"
#include "registry/registry.hpp"

namespace opora::billing {

struct AccountRow {
  int64_t id = 0;
  std::string number;
  std::string holder_name;
  std::string holder_tax_id;
  std::string phone;
  std::string status;  // active | suspended | disconnected
  std::string organization;
  Currency currency = *Currency::find("RUB");
  int64_t credit_limit = 0;
  std::string body_text;  // the stored JSON, parsed only when asked for
  boost::json::object body() const;
};

// One accrual still (partly) unpaid under first-in-first-out settlement.
struct OpenItem {
  int64_t accrual_id = 0;
  Date date{2000, 1, 1};
  Date due{2000, 1, 1};
  int64_t open = 0;  // minor units
};

// An account's position on a date, derived from the ledger alone: payments
// (and negative lines) settle the oldest accruals first, by due date.
struct Position {
  int64_t accrued = 0;                                // net of storno
  int64_t paid = 0;                                   // net of storno
  int64_t balance() const { return paid - accrued; }  // > 0 advance, < 0 debt
  int64_t debt = 0;                                   // sum of open items
  int64_t overdue = 0;                                // open items past their due date
  std::optional<Date> oldest_overdue_due;
  std::vector<OpenItem> items;
};

struct Billing::Impl : TaxResolver {
  Impl(store::Connection& c, registry::Registry& r, EventPublisher& e)
      : conn(c), registry(r), events(e) {}

  store::Connection& conn;
  registry::Registry& registry;
  EventPublisher& events;

  // tariffs and tax rates, reloaded when the file changed
  void refresh();
  // After this handle changed tariffs or tax rates.
  void invalidate() { seen_version_ = -1; }
  const Tariff& tariff(const std::string& code, const std::string& field);
  // Without checking the file for changes: for loops after one refresh().
  const Tariff& cached_tariff(const std::string& code) { return tariffs_.at(code); }
  TaxRate resolve(const std::string& code, const Date& supply_date) const override;
  bool has_tax_code(const std::string& code);

  // accounts: by number, or Error(not_found) naming `field`
  AccountRow account(const std::string& number, const std::string& field);
  std::optional<AccountRow> find_account(const std::string& number);
  AccountRow account_by_id(int64_t id);

  // closed periods (periods.cpp): the last closed day, if any, and the check
  // every posting and every dated change makes: Error(validation) naming
  // `field` (rule "period_closed") when `date` is on or before it.
  std::optional<Date> closed_until();
  void check_open(const Date& date, const std::string& field, const std::string& what);

  // our organisation's stored body, or Error(not_found) naming `field`
  boost::json::object organization(const std::string& tax_id, const std::string& field);

  // ledger (ledger.cpp)
  // The position on `as_of`: rows dated up to it (all rows without a date).
  Position position(int64_t account_id, const std::optional<Date>& as_of);
  // The position now: accruals posted up to `today` and every payment
  // received, even one an agent dated ahead of our today in its own time
  // zone, so a payer who has just paid is never asked for the money again.
  Position current(int64_t account_id, const Date& today);
  // Inserts one accrual line; returns its id.
  struct NewLine {
    int64_t account_id = 0;
    std::optional<int64_t> subscription_id;
    std::string period;
    int64_t seq = 0;
    std::string kind;
    std::string name;
    Date date{2000, 1, 1};
    Date due{2000, 1, 1};
    std::optional<Date> from, to;
    std::optional<int64_t> days;
    int64_t base = 0, discount = 0, amount = 0, vat = 0;
    std::string tax_code, vat_rate, vat_mode;
    std::optional<int64_t> run_id, doc_id, storno_of;
    std::optional<std::string> charge_key;
    // The document a run writes the line into: its accrual document, or
    // the correction document of an increase or of a decrease.
    enum class Role { accrual, increase, decrease } role = Role::accrual;
    std::vector<int64_t> corrects;  // documents of the lines a correction reverses
  };
  int64_t insert_line(const NewLine& l);
  // Inserts lines whose ids nobody needs, several rows per statement.
  void insert_lines(const std::vector<const NewLine*>& lines);

  // Returns the journal row's id.
  int64_t journal(const Context& ctx, const char* action, const std::string& object,
                  const boost::json::object& detail);

  // domain events (events.cpp), each published in the caller's transaction
  // with the account's facts (holder, phone, organisation, its calendar,
  // currency) and the position after the change.
  // The lines just posted for one account (ids as inserted), one event per
  // accrual document (or per sign, without documents); `debt_before`, when
  // known, lets a correction that clears the debt say so.
  void accruals_posted(const AccountRow& a, const std::vector<NewLine>& lines,
                       const std::vector<int64_t>& ids,
                       const std::map<int64_t, std::string>& doc_numbers,
                       std::optional<int64_t> debt_before, const Context& ctx);
  void payment_posted(const AccountRow& a, const boost::json::object& answer, int64_t debt_before,
                      const Context& ctx);
  void payment_reversed(const AccountRow& a, const boost::json::object& storno, const Context& ctx);
  void accruals_reversed(const AccountRow& a, int64_t run_id, const std::string& period,
                         int64_t amount, int64_t debt_before, const Context& ctx);
  void status_changed(const AccountRow& a, const std::string& previous, int64_t journal_id,
                      const Context& ctx);
  // Whether any billing event that carries a position is listened to: only
  // then is a position read before a change.
  bool positions_wanted();
  // The position events report: the debt is everything posted and not paid,
  // whatever its date (so an accrual dated ahead and the payment that covers
  // it open and close the same debt), the overdue part as of `today`.
  Position owed(int64_t account_id, const Date& today);
  // The business calendar of the account's organisation: its own
  // (billing.organization.put {calendar}), else by its country (kz for a BIN
  // or IIN, ru for an INN), else by the account's currency; cached.
  std::string calendar_of(const AccountRow& a);

  // payments (payments.cpp): the posting both billing.pay and statement
  // import use; returns the stored answer. A repeat of a stored payment is
  // answered as the first time; a new one dated in a closed period is
  // refused naming `date_field`.
  boost::json::object post_payment(const AccountRow& a, const std::string& channel,
                                   const std::string& txn_id, const Money& amount,
                                   const std::string& txn_date, const Date& date,
                                   const Context& ctx, bool* replayed,
                                   const char* date_field = "txn_date");

 private:
  int64_t seen_version_ = -1;
  int64_t seen_rollbacks_ = -1;
  std::map<std::string, Tariff> tariffs_;
  struct RateRow {
    Date from;
    std::optional<Date> to;
    std::optional<Decimal> percent;
  };
  std::map<std::string, std::vector<RateRow>> rates_;
  std::map<std::string, std::string> calendars_;  // organisation tax id -> calendar id
};

// Every account's position on `as_of`: accounts with accruals in id order,
// then those that only ever paid.
// With `every_payment`, payments count whatever their date, as in
// Impl::current() (dunning must not chase money already received).
void for_each_position(Billing::Impl& b, const Date& as_of,
                       const std::function<void(int64_t account_id, const Position&)>& f,
                       bool every_payment = false);

// The registry document of an account's accrual lines, for
// Registry::create_many (which computes its amounts and numbers it).
registry::Document accrual_draft(const AccountRow& a, const Date& date,
                                 const std::vector<Billing::Impl::NewLine>& lines,
                                 const std::string& period, std::optional<int64_t> run_id);
boost::json::object run_summary(store::Connection& conn, int64_t run_id);

// The context billing writes registry documents with (actor "billing"
// unless the caller named one).
registry::Context registry_context(const Context& ctx);

// Tariff <-> stored JSON, with every problem reported at once. The code is
// `code_field`: "tariff" in billing.tariff.define's params, "code" where stored.
Tariff parse_tariff(const FieldReader& r, const char* code_field);
boost::json::object tariff_json(const Tariff& t);

// "Иванов Иван Иванович" -> "Иван Иванович И.": what a payer may see of a
// holder's name before paying.
std::string mask_holder(const std::string& name);

// The payee block of a payment QR (name, bank details, INN, KPP) from our
// organisation's stored body; Error(validation) naming "organization", rule
// "no_bank", when it has no bank details (qr_statement.cpp).
struct QrPayment;
QrPayment qr_payee(const boost::json::object& org, const std::string& org_id);

}  // namespace opora::billing

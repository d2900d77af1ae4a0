// Shared by the billing tests: a database with a manual clock at
// 2026-11-01T09:00:00Z, helpers to define tariffs, open accounts, connect
// services, run periods, take payments and read balances, and money helpers
// that compare amounts exactly in minor units. Every call goes through
// Database::call, the path the C ABI takes.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/money.hpp"
#include "engine/database.hpp"
#include "test_support.hpp"

namespace opora::test::bill {

namespace json = boost::json;

inline json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

inline std::string text(const json::value& v) {
  return std::string(v.as_string());
}

// "1234.56" (or "-0.05") in minor units; amounts of RUB and KZT alike have
// two decimals.
inline int64_t minor(std::string_view amount) {
  const auto m = Money::parse(amount, *Currency::find("RUB"));
  REQUIRE_MESSAGE(m.has_value(), "not an amount: " << std::string(amount));
  return m->minor_units();
}
inline int64_t minor(const char* amount) {
  return minor(std::string_view(amount));
}
inline int64_t minor(const std::string& amount) {
  return minor(std::string_view(amount));
}
inline int64_t minor(const json::value& v) {
  return minor(std::string_view(v.as_string()));
}

// Minor units as "1234.56", for messages and for comparing with results.
inline std::string money_text(int64_t units) {
  return Money(units, *Currency::find("RUB")).to_string();
}

// What a C ABI host would see for `f`: ok, the opora::Error's code, or
// internal for any other exception (a bug for any input).
template <typename F>
ErrorCode outcome(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e.code();
  } catch (const std::exception& e) {
    MESSAGE("non-opora exception: " << std::string(e.what()));
    return ErrorCode::internal;
  }
  return ErrorCode::ok;
}

// Whether `e` lists a problem of `field` with `rule`.
inline bool has_error(const Error& e, std::string_view field, std::string_view rule) {
  for (const auto& f : e.field_errors())
    if (f.field == field && f.rule == rule) return true;
  return false;
}

// The error as "code message" plus "field: rule" lines, for CAPTURE.
inline std::string describe(const Error& e) {
  std::string s = std::string(error_code_text(e.code())) + " " + e.what();
  for (const auto& f : e.field_errors()) s += "\n  " + f.field + ": " + f.rule;
  return s;
}

// A person holding an account: the usual ISP subscriber.
inline const char* const kPerson = R"({"type": "person", "name": "Иванов Иван Иванович"})";

// A billing database in memory with the manual clock at 2026-11-01 09:00 UTC.
class BillingDb {
 public:
  static constexpr const char* kDefaultOptions =
      R"({"clock": "manual", "now": "2026-11-01T09:00:00Z"})";

  explicit BillingDb(std::string_view options = kDefaultOptions, std::string path = ":memory:")
      : db_(path, engine::OpenOptions::parse(obj(options))) {}

  engine::Database& db() { return db_; }

  json::object call(std::string_view method, const json::object& params) {
    return db_.call(method, params);
  }
  json::object call(std::string_view method, std::string_view params) {
    return db_.call(method, obj(params));
  }

  // The error a call must raise.
  Error error(std::string_view method, const json::object& params) {
    return error_of([&] { db_.call(method, params); });
  }
  Error error(std::string_view method, std::string_view params) {
    return error(method, obj(params));
  }

  // Moves the manual clock: "2026-11-15" means 09:00 UTC that day.
  void set_clock(std::string_view when) {
    std::string now(when);
    if (now.size() == 10) now += "T09:00:00Z";
    call("clock.set", json::object{{"now", json::string(now)}});
  }
  std::string today() { return text(call("clock.get", "{}").at("today")); }

  // billing.tariff.define with the JSON given; code and name are required.
  json::object tariff(std::string_view definition) {
    return call("billing.tariff.define", definition);
  }
  // A monthly RUB tariff with VAT included, billed in advance: the ISP default.
  json::object monthly(std::string_view code, std::string_view fee) {
    return call("billing.tariff.define", json::object{{"tariff", json::string(code)},
                                                      {"name", "Интернет " + std::string(fee)},
                                                      {"fee", json::string(fee)}});
  }

  // Opens an account held by a person; `currency` RUB or KZT.
  json::object account(std::string_view number, std::string_view currency = "RUB",
                       std::string_view holder = kPerson) {
    return call("billing.account.put", json::object{{"account", json::string(number)},
                                                    {"holder", json::parse(holder)},
                                                    {"currency", json::string(currency)}});
  }

  // Connects `tariff` from `date` (today when empty); returns the subscription id.
  int64_t connect(std::string_view account, std::string_view tariff, std::string_view date = "",
                  std::string_view service = "") {
    json::object p{{"account", json::string(account)}, {"tariff", json::string(tariff)}};
    if (!date.empty()) p["date"] = json::string(date);
    if (!service.empty()) p["service"] = json::string(service);
    return call("billing.subscription.connect", p).at("subscription").as_int64();
  }

  json::object run(std::string_view period, bool documents = true) {
    return call("billing.run",
                json::object{{"period", json::string(period)}, {"documents", documents}});
  }
  json::object cancel(int64_t run) {
    return call("billing.run.cancel", json::object{{"run", run}});
  }

  json::object pay(std::string_view account, std::string_view amount, std::string_view txn_id,
                   std::string_view channel = "kaspi", std::string_view txn_date = "") {
    json::object p{{"channel", json::string(channel)},
                   {"txn_id", json::string(txn_id)},
                   {"account", json::string(account)},
                   {"amount", json::string(amount)}};
    if (!txn_date.empty()) p["txn_date"] = json::string(txn_date);
    return call("billing.pay", p);
  }

  json::object charge(std::string_view account, std::string_view name, std::string_view amount,
                      std::string_view date = "", int payment_term_days = -1) {
    json::object p{{"account", json::string(account)},
                   {"name", json::string(name)},
                   {"amount", json::string(amount)}};
    if (!date.empty()) p["date"] = json::string(date);
    if (payment_term_days >= 0) p["payment_term_days"] = payment_term_days;
    return call("billing.charge", p);
  }

  // billing.balance on `date` (today when empty).
  json::object balance(std::string_view account, std::string_view date = "") {
    json::object p{{"account", json::string(account)}};
    if (!date.empty()) p["date"] = json::string(date);
    return call("billing.balance", p);
  }
  int64_t balance_of(std::string_view account, std::string_view date = "") {
    return minor(balance(account, date).at("balance"));
  }

  // The account's ledger entries (accruals and payments) in date order.
  json::array ledger(std::string_view account) {
    return call("billing.ledger", json::object{{"account", json::string(account)}})
        .at("entries")
        .as_array();
  }
  // Only the accrual rows of the ledger, or only those of one kind.
  json::array accruals(std::string_view account, std::string_view kind = "") {
    json::array out;
    for (const auto& e : ledger(account))
      if (e.at("entry") == "accrual" && (kind.empty() || e.at("kind").as_string() == kind))
        out.push_back(e);
    return out;
  }
  json::array payments(std::string_view account) {
    json::array out;
    for (const auto& e : ledger(account))
      if (e.at("entry") == "payment") out.push_back(e);
    return out;
  }
  // Sum of the amounts of `entries`, in minor units.
  static int64_t sum(const json::array& entries, std::string_view key = "amount") {
    int64_t s = 0;
    for (const auto& e : entries) s += minor(e.at(key));
    return s;
  }

  // The number of registry documents of a kind (accrual documents of runs).
  int64_t documents(std::string_view kind = "accrual") {
    const json::object found =
        call("registry.find", json::object{{"kind", json::string(kind)}, {"limit", 1000}});
    return static_cast<int64_t>(found.at("documents").as_array().size());
  }

 private:
  engine::Database db_;
};

// The accrual lines of a run result's account, as (name, amount) for messages.
inline std::string lines_text(const json::array& entries) {
  std::string s;
  for (const auto& e : entries)
    s += text(e.at("date")) + " " + text(e.at("kind")) + " " + text(e.at("text")) + " " +
         text(e.at("amount")) + " vat " + text(e.at("vat")) + "\n";
  return s;
}

// The one accrual line of a fresh account after a run, as {amount, vat}.
struct Line {
  int64_t amount;
  int64_t vat;
};

inline Line only_line(BillingDb& b, const char* account) {
  const json::array lines = b.accruals(account);
  INFO(lines_text(lines));
  REQUIRE(lines.size() == 1);
  return {minor(lines[0].at("amount")), minor(lines[0].at("vat"))};
}

// "2026-11-01" -> "2026-10-31".
inline std::string day_before(std::string_view date) {
  return Date::parse(date)->add_days(-1).to_string();
}

// Checks that billing.turnover for [from, to] reconciles: every row's opening
// equals billing.balance the day before `from`, its closing equals the
// balance on `to` and opening - accrued + paid = closing; the totals are the
// sums of the rows. Returns the number of rows.
inline size_t check_turnover_reconciles(BillingDb& b, std::string_view from, std::string_view to) {
  const json::object t = b.call(
      "billing.turnover", json::object{{"from", json::string(from)}, {"to", json::string(to)}});
  const std::string before = day_before(from);
  struct Sums {
    int64_t opening = 0, accrued = 0, paid = 0, closing = 0;
  };
  std::map<std::string, Sums> sums;
  const json::array& rows = t.at("accounts").as_array();
  for (const auto& row : rows) {
    const std::string account = text(row.at("account"));
    CAPTURE(account);
    CAPTURE(std::string(from));
    CAPTURE(std::string(to));
    const int64_t opening = minor(row.at("opening"));
    const int64_t accrued = minor(row.at("accrued"));
    const int64_t paid = minor(row.at("paid"));
    const int64_t closing = minor(row.at("closing"));
    CHECK(opening - accrued + paid == closing);
    CHECK(money_text(opening) == money_text(b.balance_of(account, before)));
    CHECK(money_text(closing) == money_text(b.balance_of(account, to)));
    Sums& s = sums[text(row.at("currency"))];
    s.opening += opening;
    s.accrued += accrued;
    s.paid += paid;
    s.closing += closing;
  }
  const json::array& totals = t.at("totals").as_array();
  CHECK(totals.size() == sums.size());
  for (const auto& total : totals) {
    const Sums& s = sums[text(total.at("currency"))];
    CHECK(minor(total.at("opening")) == s.opening);
    CHECK(minor(total.at("accrued")) == s.accrued);
    CHECK(minor(total.at("paid")) == s.paid);
    CHECK(minor(total.at("closing")) == s.closing);
  }
  return rows.size();
}

// Checks an account's position on `date`: the open items add up to the debt,
// the debt is what a negative balance says, and an advance only exists
// without debt.
inline void check_position(BillingDb& b, std::string_view account, std::string_view date) {
  const json::object bal = b.balance(account, date);
  CAPTURE(std::string(account));
  CAPTURE(std::string(date));
  int64_t open = 0;
  for (const auto& it : bal.at("open_items").as_array()) {
    CHECK(minor(it.at("open")) > 0);
    open += minor(it.at("open"));
  }
  const int64_t balance = minor(bal.at("balance"));
  const int64_t debt = minor(bal.at("debt"));
  CHECK(open == debt);
  CHECK(debt == (balance < 0 ? -balance : 0));
  CHECK(minor(bal.at("advance")) == (balance > 0 ? balance : 0));
  CHECK(minor(bal.at("overdue")) <= debt);
  CHECK(minor(bal.at("paid")) - minor(bal.at("accrued")) == balance);
}

}  // namespace opora::test::bill

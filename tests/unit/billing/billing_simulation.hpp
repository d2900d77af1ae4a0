// A deterministic pseudo-random life of a small ISP, driven through
// Database::call: connections, disconnections, tariff changes, freezes,
// discounts, one-time charges, runs and their cancellation, payments, their
// repeats and reversals, and a clock that moves forward, across the VAT change
// of 2026-01-01. Used by test_billing_property.cpp and, with every run
// cancellable and documents written, by test_billing_pending.cpp.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "billing/billing_fixture.hpp"
#include "billing/terms.hpp"
#include "core/date.hpp"

namespace opora::test::bill {

struct SimulationOptions {
  int operations = 3000;
  int accounts = 20;  // every fifth is in KZT
  uint32_t seed = 20261101;
  // false: only runs of periods that ended before today are cancelled, so
  // that no storno is dated before the line it reverses.
  bool cancel_any_run = false;
  // false: runs write no registry documents.
  bool documents = false;
  int checkpoints = 3;  // full reconciliation checks along the way
};

struct SimulationReport {
  std::map<std::string, int> done;     // by operation
  std::map<std::string, int> refused;  // by operation
  int internal_errors = 0;
  int refused_runs = 0;
  std::set<std::string> periods;  // every period run at least once
  std::string first_day, last_day;
};

class Simulation {
 public:
  explicit Simulation(BillingDb& b, SimulationOptions o = {}) : b_(b), o_(o), seed_(o.seed) {}

  SimulationReport run() {
    today_ = Date(2025, 10, 20);
    b_.set_clock(today_.to_string());
    report_.first_day = today_.to_string();
    define_catalogue();
    const int every = o_.checkpoints > 0 ? o_.operations / o_.checkpoints : o_.operations + 1;
    for (int i = 1; i <= o_.operations; ++i) {
      step();
      if (i % every == 0) check_everything();
    }
    report_.last_day = today_.to_string();
    check_everything();
    return report_;
  }

  // Every invariant the ledger promises, on ranges and dates across the
  // simulated time.
  void check_everything() {
    const Date start(2025, 10, 1);
    const Date end = today_.add_days(62);
    std::vector<std::pair<Date, Date>> ranges = {{start, end}, {start, start}, {today_, today_}};
    // A few calendar months, and a few odd ranges.
    for (Date m = start; m < end; m = m.add_months(3))
      ranges.emplace_back(m, billing::Period::of(m).last());
    for (int i = 0; i < 4; ++i) {
      const int64_t span = start.days_until(end);
      const Date from = start.add_days(below(static_cast<int>(span)));
      ranges.emplace_back(from, from.add_days(below(45)));
    }
    for (const auto& [from, to] : ranges) {
      const size_t rows = check_turnover_reconciles(b_, from.to_string(), to.to_string());
      // Accounts without a row have nothing posted up to `to`.
      const json::object t = b_.call(
          "billing.turnover", json::object{{"from", from.to_string()}, {"to", to.to_string()}});
      std::set<std::string> listed;
      for (const auto& row : t.at("accounts").as_array()) listed.insert(text(row.at("account")));
      CHECK(listed.size() == rows);
      for (const auto& a : accounts_)
        if (listed.count(a.number) == 0) CHECK(b_.balance_of(a.number, to.to_string()) == 0);
    }
    for (const auto& a : accounts_)
      for (const Date& d : {start, today_.add_days(-40), today_, end})
        check_position(b_, a.number, d.to_string());
  }

  // Runs every period once more (posting what changed since), then again:
  // the second pass must post nothing.
  void check_runs_are_idempotent() {
    for (int pass = 0; pass < 2; ++pass)
      for (const std::string& p : report_.periods) {
        const json::object r =
            b_.call("billing.run", json::object{{"period", p}, {"documents", o_.documents}});
        CAPTURE(p);
        CAPTURE(pass);
        if (pass == 1) CHECK(r.at("new_lines") == 0);
      }
  }

  // Every payment sent again: answered as the first time, nothing posted.
  void check_payments_replay() {
    for (const auto& p : payments_) {
      const json::object again = b_.call("billing.pay", p.params);
      CHECK(again.at("replayed") == true);
      CHECK(again.at("receipt") == p.receipt);
    }
  }

 private:
  struct Account {
    std::string number;
    std::string currency;
  };
  struct Payment {
    json::object params;
    json::value receipt;
  };

  uint32_t next() {
    seed_ = seed_ * 1664525U + 1013904223U;
    return seed_ >> 8;
  }
  int below(int n) { return n <= 0 ? 0 : static_cast<int>(next() % static_cast<uint32_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(below(static_cast<int>(v.size())))];
  }
  std::string around(int before, int after) {
    return today_.add_days(below(before + after + 1) - before).to_string();
  }
  std::string money(int lo, int hi) {
    const int64_t units = lo * 100 + below((hi - lo) * 100);
    return money_text(units);
  }

  void define_catalogue() {
    b_.tariff(R"({"code": "home", "name": "Домашний", "fee": "499.00"})");
    b_.tariff(R"({"code": "fast", "name": "Быстрый", "fee": "900.00", "vat_mode": "on_top"})");
    b_.tariff(R"({"code": "arr", "name": "Постоплата", "fee": "600.00", "billing": "arrears",
                  "payment_term_days": 15})");
    b_.tariff(R"({"code": "day", "name": "Посуточный", "fee": "15.50", "fee_period": "day"})");
    b_.tariff(R"({"code": "full", "name": "Полный месяц", "fee": "350.00", "proration": "none",
                  "freeze_fee": "50.00"})");
    b_.tariff(R"({"code": "free", "name": "Без НДС", "fee": "299.00", "tax": "none"})");
    b_.tariff(R"({"code": "kz", "name": "Интернет KZ", "fee": "5000.00", "currency": "KZT"})");
    b_.tariff(R"({"code": "kz_arr", "name": "Бизнес KZ", "fee": "7000.00", "currency": "KZT",
                  "billing": "arrears", "vat_mode": "on_top"})");
    for (int i = 0; i < o_.accounts; ++i) {
      Account a{std::to_string(100001 + i), i % 5 == 4 ? "KZT" : "RUB"};
      b_.account(a.number, a.currency);
      accounts_.push_back(a);
    }
  }

  std::string tariff_for(const Account& a) {
    static const std::vector<std::string> rub = {"home", "fast", "arr", "day", "full", "free"};
    static const std::vector<std::string> kzt = {"kz", "kz_arr"};
    return a.currency == "KZT" ? pick(kzt) : pick(rub);
  }

  int64_t some_subscription() {
    return subscriptions_.empty() ? 1 + below(5) : pick(subscriptions_);
  }

  // One operation; refusals are fine, internal errors are not.
  void step() {
    const int r = below(100);
    const Account& a = pick(accounts_);
    if (r < 8) {
      attempt("connect", [&] {
        json::object p{{"account", a.number}, {"tariff", tariff_for(a)}, {"date", around(5, 10)}};
        if (chance(30)) p["service"] = "tv";
        subscriptions_.push_back(
            b_.call("billing.subscription.connect", p).at("subscription").as_int64());
      });
    } else if (r < 12) {
      attempt("disconnect", [&] {
        b_.call("billing.subscription.disconnect",
                json::object{{"subscription", some_subscription()}, {"date", around(3, 20)}});
      });
    } else if (r < 17) {
      attempt("change_tariff", [&] {
        static const std::vector<std::string> when = {"now", "next_period", "date"};
        const int64_t sub = some_subscription();
        json::object p{{"subscription", sub}, {"tariff", tariff_for(a)}, {"when", pick(when)}};
        if (p.at("when") == "date") p["date"] = around(3, 15);
        b_.call("billing.subscription.change_tariff", p);
      });
    } else if (r < 20) {
      attempt("freeze", [&] {
        json::object p{{"subscription", some_subscription()}, {"from", around(0, 10)}};
        if (chance(60))
          p["to"] = Date::parse(p.at("from").as_string())->add_days(5 + below(35)).to_string();
        if (chance(40)) p["fee"] = money(10, 100);
        b_.call("billing.subscription.freeze", p);
      });
    } else if (r < 22) {
      attempt("unfreeze", [&] {
        b_.call("billing.subscription.unfreeze",
                json::object{{"subscription", some_subscription()}, {"date", around(0, 5)}});
      });
    } else if (r < 25) {
      attempt("discount", [&] {
        json::object p{{"account", a.number}, {"name", "Скидка"}, {"from", around(10, 10)}};
        if (chance(50))
          p["percent"] = pick(std::vector<std::string>{"5", "10", "12.5", "50", "100"});
        else
          p["amount"] = money(10, 200);
        if (chance(50))
          p["to"] = Date::parse(p.at("from").as_string())->add_days(below(60)).to_string();
        b_.call("billing.discount.add", p);
      });
    } else if (r < 31) {
      attempt("charge", [&] {
        json::object p{{"account", a.number},
                       {"name", "Оборудование"},
                       {"amount", money(100, 2000)},
                       {"date", around(3, 3)}};
        if (chance(30)) p["key"] = "k" + std::to_string(below(40));
        if (chance(20)) p["vat_mode"] = "on_top";
        b_.call("billing.charge", p);
      });
    } else if (r < 41) {
      attempt("run", [&] {
        const billing::Period p = billing::Period::of(today_.add_months(below(3) - 1));
        json::object params{{"period", p.to_string()}, {"documents", o_.documents}};
        if (chance(20)) params["chunk_size"] = 1 + below(5);
        try {
          const json::object res = b_.call("billing.run", params);
          report_.periods.insert(p.to_string());
          if (res.at("run").is_int64()) runs_.push_back(res.at("run").as_int64());
        } catch (const Error&) {
          ++report_.refused_runs;
          throw;
        }
      });
    } else if (r < 44) {
      attempt("cancel", [&] {
        if (runs_.empty()) return;
        const int64_t run = pick(runs_);
        if (!o_.cancel_any_run) {
          const json::object list = b_.call("billing.run.list", "{}");
          for (const auto& x : list.at("runs").as_array())
            if (x.at("run") == run &&
                !(billing::Period::parse_field(text(x.at("period")), "period").last() < today_))
              return;
        }
        b_.cancel(run);
      });
    } else if (r < 62) {
      attempt("pay", [&] {
        static const std::vector<std::string> channels = {"kaspi", "osmp", "bank"};
        json::object p{{"channel", pick(channels)},
                       {"txn_id", "t" + std::to_string(++txn_)},
                       {"account", a.number},
                       {"amount", a.currency == "KZT" ? money(1000, 15000) : money(50, 3000)}};
        if (chance(50)) p["txn_date"] = around(2, 0) + (chance(50) ? "T23:59:59" : "");
        const json::object res = b_.call("billing.pay", p);
        CHECK(res.at("replayed") == false);
        payments_.push_back({p, res.at("receipt")});
      });
    } else if (r < 68) {
      attempt("repeat_pay", [&] {
        if (payments_.empty()) return;
        const Payment& p = pick(payments_);
        if (chance(25)) {
          // The same txn_id with another amount must be refused.
          json::object other = p.params;
          other["amount"] = money_text(minor(other.at("amount")) + 1);
          CHECK(outcome([&] { b_.call("billing.pay", other); }) == ErrorCode::conflict);
          return;
        }
        const json::object again = b_.call("billing.pay", p.params);
        CHECK(again.at("replayed") == true);
        CHECK(again.at("receipt") == p.receipt);
      });
    } else if (r < 72) {
      attempt("storno", [&] {
        if (payments_.empty()) return;
        b_.call("billing.payment.storno", json::object{{"receipt", pick(payments_).receipt}});
      });
    } else if (r < 74) {
      attempt("dunning", [&] { b_.call("billing.dunning.run", "{}"); });
    } else if (r < 88) {
      today_ = today_.add_days(1 + below(2));
      b_.set_clock(today_.to_string());
      ++report_.done["clock"];
    } else {
      attempt("balance", [&] { check_position(b_, a.number, around(30, 30)); });
    }
  }

  template <typename F>
  void attempt(const char* op, F&& f) {
    const ErrorCode c = outcome(std::forward<F>(f));
    if (c == ErrorCode::ok)
      ++report_.done[op];
    else
      ++report_.refused[op];
    if (c == ErrorCode::internal) {
      ++report_.internal_errors;
      FAIL_CHECK("internal error in " << op);
    }
  }

  BillingDb& b_;
  SimulationOptions o_;
  uint32_t seed_;
  Date today_{2025, 10, 20};
  std::vector<Account> accounts_;
  std::vector<int64_t> subscriptions_;
  std::vector<int64_t> runs_;
  std::vector<Payment> payments_;
  int txn_ = 0;
  SimulationReport report_;
};

}  // namespace opora::test::bill

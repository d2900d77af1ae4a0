// Bad input to billing through Database::call: every refusal names a code,
// the field and the rule, and leaves the ledger, the runs, the documents and
// the dunning cases exactly as they were.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "billing/billing_fixture.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// Everything a call could have posted, as one text to compare.
std::string everything(BillingDb& b) {
  json::object all;
  all["turnover"] = b.call("billing.turnover", R"({"from": "1900-01-01", "to": "2999-12-31"})");
  all["runs"] = b.call("billing.run.list", "{}");
  all["accounts"] = b.call("billing.account.list", "{}");
  all["tariffs"] = b.call("billing.tariff.list", "{}");
  all["rates"] = b.call("billing.tax.list", "{}");
  all["cases"] = b.call("billing.dunning.cases", R"({"open_only": false})");
  all["subscriptions"] = b.call("billing.subscription.list", R"({"account": "100001"})");
  all["ledger"] = b.ledger("100001");
  all["documents"] = b.documents();
  return json::serialize(all);
}

// An account 100001 on a 600.00 tariff, billed for November, with a payment.
void populated(BillingDb& b) {
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.run("2026-11");
  b.pay("100001", "100.00", "p1");
}

struct Bad {
  const char* method;
  const char* params;
  ErrorCode code;
  const char* field;
  const char* rule;
};

void check_refused(BillingDb& b, const Bad& bad) {
  CAPTURE(bad.method);
  CAPTURE(bad.params);
  const std::string before = everything(b);
  const Error e = b.error(bad.method, bad.params);
  CAPTURE(describe(e));
  CHECK(e.code() == bad.code);
  CHECK(has_error(e, bad.field, bad.rule));
  CHECK(everything(b) == before);
}

}  // namespace

TEST_CASE("an unknown account is not found, naming the field account") {
  BillingDb b;
  populated(b);
  const Bad cases[] = {
      {"billing.pay", R"({"channel": "kaspi", "txn_id": "9", "account": "999", "amount": "1.00"})",
       ErrorCode::not_found, "account", "unknown_account"},
      {"billing.charge", R"({"account": "999", "name": "Роутер", "amount": "1500.00"})",
       ErrorCode::not_found, "account", "unknown_account"},
      {"billing.subscription.connect", R"({"account": "999", "tariff": "net"})",
       ErrorCode::not_found, "account", "unknown_account"},
      {"billing.discount.add",
       R"({"account": "999", "name": "x", "percent": "5", "from": "2026-11-01"})",
       ErrorCode::not_found, "account", "unknown_account"},
      {"billing.balance", R"({"account": "999"})", ErrorCode::not_found, "account",
       "unknown_account"},
      {"billing.ledger", R"({"account": "999"})", ErrorCode::not_found, "account",
       "unknown_account"},
      {"billing.check", R"({"channel": "kaspi", "account": "999"})", ErrorCode::not_found,
       "account", "unknown_account"},
      {"billing.account.get", R"({"account": "999"})", ErrorCode::not_found, "account",
       "unknown_account"},
      {"billing.subscription.list", R"({"account": "999"})", ErrorCode::not_found, "account",
       "unknown_account"},
      {"billing.ageing", R"({"account": "999"})", ErrorCode::not_found, "account",
       "unknown_account"},
      {"billing.turnover", R"({"account": "999", "from": "2026-11-01", "to": "2026-11-30"})",
       ErrorCode::not_found, "account", "unknown_account"},
  };
  for (const Bad& bad : cases) check_refused(b, bad);
}

TEST_CASE("a payment of zero or less is refused naming the amount") {
  BillingDb b;
  populated(b);
  for (const char* amount : {"-5.00", "0", "0.00", "-0.01"}) {
    const std::string params =
        std::string(R"({"channel": "kaspi", "txn_id": "9", "account": "100001", "amount": ")") +
        amount + "\"}";
    check_refused(b, {"billing.pay", params.c_str(), ErrorCode::invalid, "amount", "positive"});
  }
}

TEST_CASE("an amount with more than two decimals is refused with rule money_scale") {
  BillingDb b;
  populated(b);
  b.account("200001", "KZT");
  const Bad cases[] = {
      {"billing.pay",
       R"({"channel": "kaspi", "txn_id": "9", "account": "100001", "amount": "1.234"})",
       ErrorCode::invalid, "amount", "money_scale"},
      {"billing.pay",
       R"({"channel": "kaspi", "txn_id": "9", "account": "200001", "amount": "5000.001"})",
       ErrorCode::invalid, "amount", "money_scale"},
      {"billing.charge", R"({"account": "100001", "name": "Роутер", "amount": "1500.005"})",
       ErrorCode::invalid, "amount", "money_scale"},
      {"billing.tariff.define", R"({"tariff": "x", "name": "X", "fee": "499.999"})",
       ErrorCode::invalid, "fee", "money_scale"},
      {"billing.discount.add",
       R"({"account": "100001", "name": "x", "amount": "10.001", "from": "2026-11-01"})",
       ErrorCode::invalid, "amount", "money_scale"},
      {"billing.subscription.freeze", R"({"subscription": 1, "fee": "1.001"})", ErrorCode::invalid,
       "fee", "money_scale"},
      {"billing.account.put", R"({"account": "100001", "credit_limit": "0.001"})",
       ErrorCode::invalid, "credit_limit", "money_scale"},
      // As a JSON number: its decimal text has the same three places.
      {"billing.pay",
       R"({"channel": "kaspi", "txn_id": "9", "account": "100001", "amount": 1.234})",
       ErrorCode::invalid, "amount", "money_scale"},
  };
  for (const Bad& bad : cases) check_refused(b, bad);
}

TEST_CASE("an amount that is not a number is refused with rule money") {
  BillingDb b;
  populated(b);
  for (const char* amount : {"abc", "1e5", "1,50", "", " 1.00", "1."}) {
    CAPTURE(amount);
    const std::string params =
        std::string(R"({"channel": "kaspi", "txn_id": "9", "account": "100001", "amount": ")") +
        amount + "\"}";
    check_refused(b, {"billing.pay", params.c_str(), ErrorCode::invalid, "amount", "money"});
  }
}

TEST_CASE("a period that is not YYYY-MM is refused naming the field period") {
  BillingDb b;
  populated(b);
  for (const char* method : {"billing.run", "billing.run.list"})
    for (const char* period :
         {"2026-13", "2026-00", "2026/11", "11-2026", "2026-1", "2026", "2026-011", "2026-11-01"}) {
      const std::string params = std::string(R"({"period": ")") + period + "\"}";
      check_refused(b, {method, params.c_str(), ErrorCode::invalid, "period", "period"});
    }
  check_refused(b, {"billing.run", R"({})", ErrorCode::invalid, "period", "required"});
}

TEST_CASE("a txn_id reused with another amount is a conflict that leaves everything as it was") {
  BillingDb b;
  populated(b);
  check_refused(b,
                {"billing.pay",
                 R"({"channel": "kaspi", "txn_id": "p1", "account": "100001", "amount": "100.01"})",
                 ErrorCode::conflict, "txn_id", "txn_reused"});
  CHECK(b.payments("100001").size() == 1);
}

TEST_CASE("a bad txn_date or channel is refused naming its field") {
  BillingDb b;
  populated(b);
  for (const char* d :
       {"2026-11-31", "20261101120133", "2026-11-01 12:00:00", "2026-11-01T25:00:00"}) {
    const std::string params =
        std::string(
            R"({"channel": "kaspi", "txn_id": "9", "account": "100001", "amount": "1.00", "txn_date": ")") +
        d + "\"}";
    check_refused(b, {"billing.pay", params.c_str(), ErrorCode::invalid, "txn_date", "date-time"});
  }
  for (const char* c : {"Kaspi", "kaspi bank", "", "касса"}) {
    const std::string params = std::string(R"({"channel": ")") + c +
                               R"(", "txn_id": "9", "account": "100001", "amount": "1.00"})";
    CAPTURE(c);
    const std::string before = everything(b);
    const Error e = b.error("billing.pay", params);
    CHECK(e.code() == ErrorCode::invalid);
    CHECK((has_error(e, "channel", "channel") || has_error(e, "channel", "required")));
    CHECK(everything(b) == before);
  }
}

TEST_CASE("every problem of a payment request is reported at once") {
  BillingDb b;
  populated(b);
  const Error e = b.error("billing.pay", R"({"channel": "Kaspi", "txn_id": "9", "account": "999",
                                            "amount": "1.234", "txn_date": "yesterday"})");
  CAPTURE(describe(e));
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(e.field_errors().size() == 3);
  CHECK(has_error(e, "channel", "channel"));
  CHECK(has_error(e, "amount", "money_scale"));
  CHECK(has_error(e, "txn_date", "date-time"));
}

TEST_CASE("missing or mistyped parameters are refused by the method schema") {
  BillingDb b;
  populated(b);
  const Bad cases[] = {
      {"billing.pay", R"({"channel": "kaspi", "account": "100001", "amount": "1.00"})",
       ErrorCode::invalid, "txn_id", "required"},
      {"billing.pay", R"({"channel": "kaspi", "txn_id": 9, "account": "100001", "amount": "1.00"})",
       ErrorCode::invalid, "txn_id", "type"},
      {"billing.pay", R"({"channel": "kaspi", "txn_id": "9", "account": "100001", "amount": true})",
       ErrorCode::invalid, "amount", "type"},
      {"billing.pay",
       R"({"channel": "kaspi", "txn_id": "9", "account": "100001", "amount": 0.30000000000000004})",
       ErrorCode::invalid, "amount", "inexact_number"},
      {"billing.subscription.disconnect", R"({"subscription": 1, "dat": "2026-12-31"})",
       ErrorCode::invalid, "dat", "unknown_field"},
      {"billing.subscription.connect",
       R"({"account": "100001", "tariff": "net", "service": "tv", "date": "2026-02-30"})",
       ErrorCode::invalid, "date", "date"},
      {"billing.run.cancel", R"({"run": 0})", ErrorCode::invalid, "run", "range"},
      {"billing.balance", R"({"account": "100001", "date": "01.11.2026"})", ErrorCode::invalid,
       "date", "date"},
      {"billing.charge", R"({"account": "100001", "name": "Роутер"})", ErrorCode::invalid, "amount",
       "required"},
  };
  for (const Bad& bad : cases) check_refused(b, bad);
}

TEST_CASE("report parameters out of range are refused naming the field") {
  BillingDb b;
  populated(b);
  const Bad cases[] = {
      {"billing.debtors", R"({"min_amount": "-1.00"})", ErrorCode::invalid, "min_amount", "money"},
      {"billing.debtors", R"({"min_days": -1})", ErrorCode::invalid, "min_days", "range"},
      {"billing.turnover", R"({"from": "2026-11-30", "to": "2026-11-01"})", ErrorCode::invalid,
       "to", "before_from"},
      {"billing.turnover", R"({"from": "2026-11-31", "to": "2026-12-01"})", ErrorCode::invalid,
       "from", "date"},
      {"billing.ageing", R"({"date": "2026-13-01"})", ErrorCode::invalid, "date", "date"},
  };
  for (const Bad& bad : cases) check_refused(b, bad);
}

TEST_CASE("a one-time charge of zero or less, or with an unknown tax, posts nothing") {
  BillingDb b;
  populated(b);
  const Bad cases[] = {
      {"billing.charge", R"({"account": "100001", "name": "Роутер", "amount": "0.00"})",
       ErrorCode::invalid, "amount", "positive"},
      {"billing.charge", R"({"account": "100001", "name": "Роутер", "amount": "-1500.00"})",
       ErrorCode::invalid, "amount", "positive"},
      {"billing.charge",
       R"({"account": "100001", "name": "Роутер", "amount": "1500.00", "tax": "vat99"})",
       ErrorCode::validation, "tax", "unknown_tax"},
      {"billing.charge",
       R"({"account": "100001", "name": "Роутер", "amount": "1500.00", "date": "2018-01-01"})",
       ErrorCode::validation, "tax", "no_rate"},
      {"billing.charge",
       R"({"account": "100001", "name": "Роутер", "amount": "1500.00", "payment_term_days": 400})",
       ErrorCode::invalid, "payment_term_days", "range"},
  };
  for (const Bad& bad : cases) check_refused(b, bad);
}

TEST_CASE("an account needs a holder and keeps its currency") {
  BillingDb b;
  populated(b);
  const Bad cases[] = {
      {"billing.account.put", R"({"account": "100009"})", ErrorCode::validation, "holder",
       "required"},
      {"billing.account.put", R"({"account": "100009", "holder": {"type": "person"}})",
       ErrorCode::validation, "holder.name", "required"},
      {"billing.account.put", R"({"account": "100001", "currency": "KZT"})", ErrorCode::validation,
       "currency", "immutable"},
      {"billing.account.put",
       R"({"number": "100009", "holder": {"type": "person", "name": "Х"}, "currency": "XYZ"})",
       ErrorCode::invalid, "currency", "currency"},
      {"billing.account.put", R"({"account": "100001", "credit_limit": "-1.00"})",
       ErrorCode::validation, "credit_limit", "negative"},
  };
  for (const Bad& bad : cases) check_refused(b, bad);
}

TEST_CASE("no bad billing call ends in an internal error") {
  // A sweep of odd values into each field of the billing methods: each call
  // must either work or fail with an opora::Error other than internal.
  BillingDb b;
  populated(b);
  const std::vector<std::pair<const char*, std::vector<const char*>>> methods = {
      {"billing.pay", {"channel", "txn_id", "account", "amount", "txn_date"}},
      {"billing.check", {"channel", "account"}},
      {"billing.charge", {"account", "name", "amount", "date", "tax", "vat_mode", "key"}},
      {"billing.run", {"period"}},
      {"billing.balance", {"account", "date"}},
      {"billing.debtors", {"min_amount", "date"}},
      {"billing.turnover", {"from", "to", "account"}},
      {"billing.discount.add", {"account", "name", "percent", "amount", "from", "to"}},
      {"billing.subscription.freeze", {"from", "to", "fee"}},
      {"billing.tariff.define", {"tariff", "name", "fee", "currency", "tax", "freeze_fee"}},
      {"billing.tax.define", {"tax", "rate", "valid_from"}},
      {"billing.payment.storno", {"receipt"}},
  };
  const std::vector<const char*> odd = {
      "",           "-1",   "0",      "1e308",    "null",      "9999999999999999999.99",
      "2026-02-29", "none", "100001", "\xd0\xb9", "2999-12-31"};
  const json::object base{
      {"channel", "kaspi"},   {"txn_id", "odd"},    {"account", "100001"},
      {"amount", "1.00"},     {"name", "x"},        {"period", "2026-11"},
      {"from", "2026-11-01"}, {"to", "2026-11-30"}, {"code", "odd"},
      {"fee", "1.00"},        {"rate", "5"},        {"valid_from", "2027-01-01"},
      {"receipt", "1"},       {"subscription", 1},  {"percent", "5"}};
  int refused = 0;
  for (const auto& [method, fields] : methods)
    for (const char* field : fields)
      for (const char* value : odd) {
        json::object p = base;
        if (std::string(method) == "billing.discount.add")
          p.erase(field == std::string("percent") ? "amount" : "percent");
        p[field] = value;
        CAPTURE(method);
        CAPTURE(json::serialize(p));
        const ErrorCode c = outcome([&] { b.call(method, p); });
        CHECK(c != ErrorCode::internal);
        if (c != ErrorCode::ok) ++refused;
      }
  CHECK(refused > 0);
}

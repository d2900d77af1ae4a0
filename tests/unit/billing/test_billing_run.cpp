// billing.run and billing.run.cancel through Database::call: idempotent runs,
// recalculations after a change (the changed lines reversed, their new
// computation posted beside them), cancellation by storno, resumption after a
// stop, and chunks that commit whole or not at all.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "billing/billing_fixture.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// Three accounts on a 600.00 advance tariff since January.
void three_accounts(BillingDb& b) {
  b.monthly("net", "600.00");
  for (const char* n : {"100001", "100002", "100003"}) {
    b.account(n);
    b.connect(n, "net", "2026-01-01");
  }
}

int64_t runs_count(BillingDb& b, const char* period = nullptr) {
  json::object p;
  if (period != nullptr) p["period"] = period;
  return static_cast<int64_t>(b.call("billing.run.list", p).at("runs").as_array().size());
}

}  // namespace

TEST_CASE("a run posts one line per subscription and one accrual document per account") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.monthly("tv", "300.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.connect("100001", "tv", "2026-01-01", "tv");
  const json::object r = b.run("2026-11");
  CHECK(r.at("status") == "done");
  CHECK(r.at("accounts") == 1);
  CHECK(r.at("lines") == 2);
  CHECK(r.at("new_lines") == 2);
  CHECK(r.at("complete") == true);
  CHECK(r.at("resumed") == false);
  CHECK(r.at("started_at") == "2026-11-01T09:00:00Z");
  CHECK(r.at("totals").as_array()[0].at("amount") == "900.00");
  const json::array lines = b.accruals("100001");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("document") == lines[1].at("document"));
  const json::object doc =
      b.call("registry.get", json::object{{"document", lines[0].at("document").as_int64()}});
  CHECK(doc.at("kind") == "accrual");
  CHECK(doc.at("date") == "2026-11-01");
  CHECK(doc.at("items").as_array().size() == 2);
  CHECK(doc.at("custom").at("account") == "100001");
  CHECK(doc.at("custom").at("period") == "2026-11");
  CHECK(doc.at("custom").at("run") == r.at("run"));
  CHECK(doc.at("refs") == json::array{"billing:account:100001"});
}

TEST_CASE("a second run of a billed period changes nothing") {
  BillingDb b;
  three_accounts(b);
  b.run("2026-11");
  const int64_t docs = b.documents();
  const json::array before = b.ledger("100002");
  const json::object again = b.run("2026-11");
  CHECK(again.at("status") == "nothing_to_bill");
  CHECK(again.at("run").is_null());
  CHECK(again.at("new_lines") == 0);
  CHECK(again.at("complete") == true);
  CHECK(b.ledger("100002") == before);
  CHECK(b.documents() == docs);
  CHECK(runs_count(b, "2026-11") == 1);
  for (const char* n : {"100001", "100002", "100003"}) CHECK(b.balance_of(n) == -minor("600.00"));
}

TEST_CASE("a run without documents posts the lines alone") {
  BillingDb b;
  three_accounts(b);
  const json::object r = b.run("2026-11", false);
  CHECK(r.at("lines") == 3);
  CHECK(b.documents() == 0);
  CHECK(b.accruals("100001")[0].at("document").is_null());
}

TEST_CASE("a period without subscriptions has nothing to bill") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-12-01");
  const json::object r = b.run("2026-11");
  CHECK(r.at("status") == "nothing_to_bill");
  CHECK(r.at("new_lines") == 0);
  CHECK(runs_count(b) == 0);
}

TEST_CASE("run totals are reported per currency") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.tariff(R"({"code": "kz", "name": "KZ", "fee": "5000.00", "currency": "KZT"})");
  b.account("100001");
  b.account("200001", "KZT");
  b.connect("100001", "net", "2026-01-01");
  b.connect("200001", "kz", "2026-01-01");
  const json::array totals = b.run("2026-11").at("totals").as_array();
  REQUIRE(totals.size() == 2);
  CHECK(totals[0].at("currency") == "KZT");
  CHECK(totals[0].at("amount") == "5000.00");
  CHECK(totals[0].at("vat") == "689.66");  // T16
  CHECK(totals[1].at("currency") == "RUB");
  CHECK(totals[1].at("amount") == "600.00");
  CHECK(totals[1].at("vat") == "108.20");
}

// --- recalculations after a change ----------------------------------------------
// A recalculation reverses each changed line with a line of the opposite
// amounts (same service period and rate) and posts the new computation of
// the changed days beside it, both as kind "adjustment"; their sum is the
// difference. The second runs below write no documents; documents of
// recalculations are tested in test_billing_corrections.cpp.

namespace {

// "from..to amount vat rate" of each adjustment line, in ledger order.
std::string adjustments(BillingDb& b, const char* account) {
  std::string s;
  for (const auto& l : b.accruals(account, "adjustment"))
    s += text(l.at("from")) + ".." + text(l.at("to")) + " " + text(l.at("amount")) + " " +
         text(l.at("vat")) + " " + text(l.at("vat_rate")) + "\n";
  return s;
}

}  // namespace

TEST_CASE("after a disconnection mid-period a second run reverses the month and bills its days") {
  BillingDb b;
  three_accounts(b);
  b.run("2026-11");
  b.set_clock("2026-11-16");
  b.call("billing.subscription.disconnect", R"({"subscription": 2, "date": "2026-11-15"})");
  const json::object r = b.run("2026-11", false);
  CHECK(r.at("status") == "done");
  CHECK(r.at("new_lines") == 2);
  CHECK(r.at("accounts") == 1);
  // 300.00 x 22/122 = 54.10; 600.00 x 22/122 = 108.20.
  CHECK(adjustments(b, "100002") ==
        "2026-11-01..2026-11-30 -600.00 -108.20 22\n"
        "2026-11-01..2026-11-15 300.00 54.10 22\n");
  for (const auto& l : b.accruals("100002", "adjustment")) {
    CHECK(l.at("date") == "2026-11-16");
    CHECK(l.at("period") == "2026-11");
  }
  CHECK(b.balance_of("100002") == -minor("300.00"));
  // The others are untouched, and a third run posts nothing.
  CHECK(b.accruals("100001").size() == 1);
  CHECK(b.run("2026-11", false).at("new_lines") == 0);
  CHECK(b.accruals("100002").size() == 3);
}

TEST_CASE("after a discount is added a second run reverses the line and posts it discounted") {
  BillingDb b;
  three_accounts(b);
  b.run("2026-11");
  b.call("billing.discount.add",
         R"({"account": "100003", "name": "Лояльность", "percent": "10", "from": "2026-11-01"})");
  CHECK(b.run("2026-11", false).at("new_lines") == 2);
  CHECK(adjustments(b, "100003") ==
        "2026-11-01..2026-11-30 -600.00 -108.20 22\n"
        "2026-11-01..2026-11-30 540.00 97.38 22\n");
  CHECK(BillingDb::sum(b.accruals("100003", "adjustment")) == -minor("60.00"));
  CHECK(BillingDb::sum(b.accruals("100003")) == minor("540.00"));
}

TEST_CASE("after a tariff change a second run posts both tariffs' days in place of the month") {
  BillingDb b;
  three_accounts(b);
  b.monthly("fast", "900.00");
  b.run("2026-11");
  b.call("billing.subscription.change_tariff",
         R"({"subscription": 1, "tariff": "fast", "when": "date", "date": "2026-11-16"})");
  b.run("2026-11");
  CHECK(adjustments(b, "100001") ==
        "2026-11-01..2026-11-30 -600.00 -108.20 22\n"
        "2026-11-01..2026-11-15 300.00 54.10 22\n"
        "2026-11-16..2026-11-30 450.00 81.15 22\n");
  CHECK(BillingDb::sum(b.accruals("100001", "adjustment")) == minor("150.00"));
  CHECK(BillingDb::sum(b.accruals("100001")) == minor("750.00"));
}

TEST_CASE("freezing a whole billed month for free reverses the fee") {
  BillingDb b;
  three_accounts(b);
  b.run("2026-11");
  b.call("billing.subscription.freeze",
         R"({"subscription": 1, "from": "2026-11-01", "to": "2026-11-30"})");
  CHECK(b.run("2026-11", false).at("new_lines") == 1);
  CHECK(adjustments(b, "100001") == "2026-11-01..2026-11-30 -600.00 -108.20 22\n");
  CHECK(b.balance_of("100001") == 0);
}

TEST_CASE("a recalculation of a month still ahead is dated on its first day") {
  BillingDb b;
  three_accounts(b);
  b.run("2026-12");
  b.call("billing.discount.add",
         R"({"account": "100001", "name": "Акция", "amount": "100.00", "from": "2026-12-01"})");
  b.run("2026-12", false);
  const json::array adj = b.accruals("100001", "adjustment");
  REQUIRE(adj.size() == 2);
  for (const auto& l : adj) CHECK(l.at("date") == "2026-12-01");
  CHECK(BillingDb::sum(adj) == -minor("100.00"));
}

// --- cancellation ---------------------------------------------------------------

TEST_CASE("billing.run.cancel reverses every line with a storno and marks the documents") {
  BillingDb b;
  three_accounts(b);
  const int64_t run = b.run("2026-11").at("run").as_int64();
  const int64_t doc = b.accruals("100001")[0].at("document").as_int64();
  const json::object c = b.cancel(run);
  CHECK(c.at("status") == "cancelled");
  CHECK(c.at("lines_reversed") == 3);
  CHECK(c.at("cancelled_at") == "2026-11-01T09:00:00Z");
  for (const char* n : {"100001", "100002", "100003"}) {
    const json::array storno = b.accruals(n, "storno");
    REQUIRE(storno.size() == 1);
    CHECK(storno[0].at("amount") == "-600.00");
    CHECK(storno[0].at("vat") == "-108.20");
    CHECK(storno[0].at("date") == "2026-11-01");
    CHECK(storno[0].at("reverses") == b.accruals(n, "fee")[0].at("id"));
    CHECK(b.balance_of(n) == 0);
  }
  CHECK(b.call("registry.get", json::object{{"document", doc}}).at("status") == "reversed");
}

TEST_CASE("a cancelled period is billed afresh by the next run") {
  BillingDb b;
  three_accounts(b);
  b.cancel(b.run("2026-11").at("run").as_int64());
  const json::object again = b.run("2026-11");
  CHECK(again.at("status") == "done");
  CHECK(again.at("new_lines") == 3);
  CHECK(b.balance_of("100001") == -minor("600.00"));
  CHECK(b.run("2026-11").at("new_lines") == 0);
  CHECK(runs_count(b, "2026-11") == 2);
}

TEST_CASE("only a finished run can be cancelled, and only once") {
  BillingDb b;
  three_accounts(b);
  const int64_t run = b.run("2026-11").at("run").as_int64();
  b.cancel(run);
  Error e = b.error("billing.run.cancel", json::object{{"run", run}});
  CHECK(e.code() == ErrorCode::state);
  CHECK(has_error(e, "run", "not_done"));
  e = b.error("billing.run.cancel", R"({"run": 99})");
  CHECK(e.code() == ErrorCode::not_found);
  CHECK(has_error(e, "run", "unknown_run"));
  // Nothing was reversed twice.
  CHECK(b.accruals("100001", "storno").size() == 1);
}

// --- chunks, progress and resumption ----------------------------------------------

TEST_CASE("a run stopped by the progress callback resumes where it stopped") {
  BillingDb b;
  three_accounts(b);
  int calls = 0;
  b.db().set_progress([&](std::string_view method, int64_t done, int64_t total) {
    CHECK(method == "billing.run");
    CHECK(total == 3);
    CHECK(done <= total);
    ++calls;
    return false;  // stop after every chunk
  });
  const json::object first = b.call("billing.run", R"({"period": "2026-11", "chunk_size": 1})");
  CHECK(first.at("complete") == false);
  CHECK(first.at("status") == "running");
  CHECK(first.at("lines") == 1);
  CHECK(calls == 1);
  b.db().set_progress({});
  const json::object rest = b.call("billing.run", R"({"period": "2026-11", "chunk_size": 1})");
  CHECK(rest.at("resumed") == true);
  CHECK(rest.at("complete") == true);
  CHECK(rest.at("status") == "done");
  CHECK(rest.at("run") == first.at("run"));
  CHECK(rest.at("lines") == 3);
  CHECK(rest.at("new_lines") == 2);
  for (const char* n : {"100001", "100002", "100003"}) CHECK(b.accruals(n).size() == 1);
  CHECK(runs_count(b) == 1);
}

TEST_CASE("a run that fails inside a chunk leaves nothing of that chunk behind") {
  BillingDb b;
  b.call("billing.tax.define", R"({"tax": "later", "rate": "5", "valid_from": "2027-01-01"})");
  b.monthly("net", "600.00");
  b.tariff(R"({"code": "odd", "name": "Без ставки", "fee": "100.00", "tax": "later"})");
  b.account("100001");
  b.account("100002");
  b.account("100003");
  b.connect("100001", "net", "2026-01-01");
  b.connect("100002", "odd", "2026-01-01");  // no rate in 2026: its accrual throws
  b.connect("100003", "net", "2026-01-01");

  SUBCASE("one chunk: nothing at all is posted") {
    const Error e = b.error("billing.run", R"({"period": "2026-11"})");
    CHECK(e.code() == ErrorCode::validation);
    CHECK(has_error(e, "tax", "no_rate"));
    CHECK(b.accruals("100001").empty());
    CHECK(b.documents() == 0);
    CHECK(runs_count(b) == 0);
  }
  SUBCASE("chunks of one: the chunks before stay, the failing one is gone, the run resumes") {
    CHECK(b.error("billing.run", R"({"period": "2026-11", "chunk_size": 1})").code() ==
          ErrorCode::validation);
    CHECK(b.accruals("100001").size() == 1);
    CHECK(b.accruals("100002").empty());
    CHECK(b.accruals("100003").empty());
    CHECK(b.documents() == 1);
    const json::array runs = b.call("billing.run.list", "{}").at("runs").as_array();
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].at("status") == "running");
    CHECK(runs[0].at("lines") == 1);
    // The host fixes the tariff and runs again: the run resumes after 100001.
    b.tariff(R"({"code": "odd", "name": "Без ставки", "fee": "100.00", "tax": "ru_vat"})");
    const json::object r = b.call("billing.run", R"({"period": "2026-11", "chunk_size": 1})");
    CHECK(r.at("resumed") == true);
    CHECK(r.at("status") == "done");
    CHECK(r.at("lines") == 3);
    CHECK(r.at("new_lines") == 2);
    CHECK(b.accruals("100001").size() == 1);
    CHECK(b.accruals("100002").size() == 1);
    CHECK(b.documents() == 3);
  }
}

TEST_CASE("billing.run.list lists the runs, optionally of one period") {
  BillingDb b;
  three_accounts(b);
  b.run("2026-11");
  b.run("2026-12");
  CHECK(runs_count(b) == 2);
  const json::array dec =
      b.call("billing.run.list", R"({"period": "2026-12"})").at("runs").as_array();
  REQUIRE(dec.size() == 1);
  CHECK(dec[0].at("period") == "2026-12");
  CHECK(dec[0].at("status") == "done");
  CHECK(dec[0].at("accounts") == 3);
}

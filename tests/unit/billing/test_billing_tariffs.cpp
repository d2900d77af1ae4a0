// Tax rates, tariffs, one-time charges and discounts, each checked by what
// billing.run (or billing.charge) posts, through Database::call. Vectors T1..T17 are from
// /work/shared/research/billing.md §3.3, where each names its origin.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "billing/billing_fixture.hpp"

using opora::Error;
using opora::ErrorCode;
using namespace opora::test::bill;

namespace {

// The vat_rate of the first item of the accrual document of `entry`.
std::string document_rate(BillingDb& b, const json::value& entry) {
  const json::object doc =
      b.call("registry.get", json::object{{"document", entry.at("document").as_int64()}});
  return text(doc.at("items").as_array().at(0).at("vat_rate"));
}

}  // namespace

// --- VAT by the date of supply -------------------------------------------------

TEST_CASE("a run of December 2025 takes VAT at 20% and of January 2026 at 22% on one tariff") {
  // §4 [S:RU-VAT]: 425-FZ, the rate of the date of supply.
  BillingDb b;
  b.monthly("home", "1000.00");
  b.account("100001");
  b.connect("100001", "home", "2025-06-01");
  b.run("2025-12");
  b.run("2026-01");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("period") == "2025-12");
  CHECK(lines[0].at("amount") == "1000.00");
  CHECK(lines[0].at("vat") == "166.67");  // 1000 x 20/120
  CHECK(document_rate(b, lines[0]) == "20");
  CHECK(lines[1].at("period") == "2026-01");
  CHECK(lines[1].at("amount") == "1000.00");
  CHECK(lines[1].at("vat") == "180.33");  // T12: 1000 x 22/122
  CHECK(document_rate(b, lines[1]) == "22");
}

TEST_CASE("a KZT account is billed with kz_vat: 12% in December 2025, 16% in January 2026") {
  // T16 [C], §4 [S:KZ-VAT]: 5000 KZT gross, 5000 x 12/112 and 5000 x 16/116.
  BillingDb b;
  b.tariff(R"({"code": "kz_home", "name": "Интернет KZ", "fee": "5000.00", "currency": "KZT"})");
  CHECK(b.call("billing.tariff.list", "{}").at("tariffs").as_array()[0].at("tax") == "kz_vat");
  b.account("200001", "KZT");
  b.connect("200001", "kz_home", "2025-06-01");
  const json::object dec = b.run("2025-12");
  b.run("2026-01");
  const json::array lines = b.accruals("200001");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("vat") == "535.71");
  CHECK(lines[1].at("vat") == "689.66");
  REQUIRE(dec.at("totals").as_array().size() == 1);
  CHECK(dec.at("totals").as_array()[0].at("currency") == "KZT");
  CHECK(dec.at("totals").as_array()[0].at("amount") == "5000.00");
}

TEST_CASE("billing.tax.list shows the built-in RU and KZ rates with their dates") {
  BillingDb b;
  const json::array rates = b.call("billing.tax.list", "{}").at("rates").as_array();
  auto find = [&](const char* code, const char* from) -> json::object {
    for (const auto& r : rates)
      if (r.at("code") == code && r.at("valid_from") == from) return r.as_object();
    FAIL("no rate " << code << " from " << from);
    return {};
  };
  CHECK(find("ru_vat", "2019-01-01").at("rate") == "20");
  CHECK(find("ru_vat", "2019-01-01").at("valid_to") == "2025-12-31");
  CHECK(find("ru_vat", "2026-01-01").at("rate") == "22");
  CHECK(find("ru_vat", "2026-01-01").at("valid_to").is_null());
  CHECK(find("kz_vat", "2009-01-01").at("rate") == "12");
  CHECK(find("kz_vat", "2026-01-01").at("rate") == "16");
  CHECK(find("none", "1900-01-01").at("rate") == "none");
  CHECK(find("ru_vat_5", "2025-01-01").at("rate") == "5");  // USN, 176-FZ
  CHECK(find("ru_vat_7", "2025-01-01").at("rate") == "7");
}

TEST_CASE("the shipped USN rates of 5% and 7% give 23.76 and 32.64 on 499.00") {
  // T17 [C], §4 [S:RU-USN]: 5/105 and 7/107.
  BillingDb b;
  b.tariff(R"({"tariff": "u5", "name": "УСН 5", "fee": "499.00", "tax": "ru_vat_5"})");
  b.tariff(R"({"tariff": "u7", "name": "УСН 7", "fee": "499.00", "tax": "ru_vat_7"})");
  b.account("100001");
  b.account("100002");
  b.connect("100001", "u5", "2026-01-01");
  b.connect("100002", "u7", "2026-01-01");
  b.run("2026-11");
  CHECK(only_line(b, "100001").vat == minor("23.76"));
  CHECK(only_line(b, "100002").vat == minor("32.64"));
}

TEST_CASE("a new rate of a code applies from its date and closes the previous one") {
  BillingDb b;
  const json::object first =
      b.call("billing.tax.define", R"({"tax": "usn", "rate": "5", "valid_from": "2026-01-01"})");
  CHECK(first.at("rate") == "5");
  b.call("billing.tax.define", R"({"tax": "usn", "rate": "7", "valid_from": "2026-07-01"})");
  b.tariff(R"({"code": "u", "name": "УСН", "fee": "499.00", "tax": "usn"})");
  b.account("100001");
  b.connect("100001", "u", "2026-01-01");
  b.run("2026-06");
  b.run("2026-07");
  const json::array lines = b.accruals("100001");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("vat") == "23.76");
  CHECK(lines[1].at("vat") == "32.64");
  const json::object list = b.call("billing.tax.list", "{}");
  for (const auto& r : list.at("rates").as_array())
    if (r.at("code") == "usn" && r.at("valid_from") == "2026-01-01")
      CHECK(r.at("valid_to") == "2026-06-30");
}

TEST_CASE("a tax rate may not start on or before the code's latest rate") {
  BillingDb b;
  const Error e = b.error("billing.tax.define",
                          R"({"code": "ru_vat", "rate": "25", "valid_from": "2026-01-01"})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "valid_from", "not_after_last"));
  const Error bad =
      b.error("billing.tax.define", R"({"tax": "x", "rate": "101", "valid_from": "2026-01-01"})");
  CHECK(bad.code() == ErrorCode::invalid);
  CHECK(has_error(bad, "rate", "vat_rate"));
}

TEST_CASE("a tariff with a tax code that has no rate on the supply date stops the run") {
  BillingDb b;
  b.call("billing.tax.define", R"({"tax": "later", "rate": "5", "valid_from": "2027-01-01"})");
  b.tariff(R"({"code": "l", "name": "Later", "fee": "100.00", "tax": "later"})");
  b.account("100001");
  b.connect("100001", "l", "2026-01-01");
  const Error e = b.error("billing.run", R"({"period": "2026-11"})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "tax", "no_rate"));
  CHECK(b.accruals("100001").empty());
}

// --- tariffs: VAT mode, fee period, timing, proration ------------------------------

TEST_CASE("a tariff with VAT on top bills the net fee plus 22%") {
  // T11 [C]: 1000.00 net -> VAT 220.00, gross 1220.00.
  BillingDb b;
  b.tariff(R"({"code": "biz", "name": "Бизнес", "fee": "1000.00", "vat_mode": "on_top"})");
  b.account("100001");
  b.connect("100001", "biz", "2026-01-01");
  b.run("2026-11");
  const Line l = only_line(b, "100001");
  CHECK(l.amount == minor("1220.00"));
  CHECK(l.vat == minor("220.00"));
}

TEST_CASE("a tariff with VAT included bills the fee with 22/122 of it as VAT") {
  // T12 [C]
  BillingDb b;
  b.tariff(R"({"code": "home", "name": "Дом", "fee": "1000.00", "vat_mode": "included"})");
  b.account("100001");
  b.connect("100001", "home", "2026-01-01");
  b.run("2026-11");
  const Line l = only_line(b, "100001");
  CHECK(l.amount == minor("1000.00"));
  CHECK(l.vat == minor("180.33"));
}

TEST_CASE("a tariff without VAT bills the fee with no VAT") {
  BillingDb b;
  b.tariff(R"({"code": "free", "name": "Без НДС", "fee": "499.00", "tax": "none"})");
  b.account("100001");
  b.connect("100001", "free", "2026-01-01");
  b.run("2026-11");
  const Line l = only_line(b, "100001");
  CHECK(l.amount == minor("499.00"));
  CHECK(l.vat == 0);
}

TEST_CASE("a daily fee is billed for each active day of the month") {
  BillingDb b;
  b.tariff(R"({"code": "day", "name": "Посуточный", "fee": "20.00", "fee_period": "day"})");
  b.account("100001");
  b.account("100002");
  b.connect("100001", "day", "2026-01-01");
  b.connect("100002", "day", "2026-11-11");
  b.run("2026-11");
  CHECK(only_line(b, "100001").amount == minor("600.00"));  // 30 days
  CHECK(only_line(b, "100002").amount == minor("400.00"));  // Nov 11-30
}

TEST_CASE("an advance tariff accrues on the first day, an arrears tariff on the last") {
  BillingDb b;
  b.monthly("adv", "600.00");
  b.tariff(R"({"code": "arr", "name": "Постоплата", "fee": "600.00", "billing": "arrears",
               "payment_term_days": 15})");
  b.account("100001");
  b.account("100002");
  b.connect("100001", "adv", "2026-01-01");
  b.connect("100002", "arr", "2026-01-01");
  b.run("2026-11");
  CHECK(b.accruals("100001")[0].at("date") == "2026-11-01");
  CHECK(b.accruals("100002")[0].at("date") == "2026-11-30");
  // Due dates: accrual date + payment_term_days (10 by default).
  CHECK(b.balance("100001", "2026-11-01").at("open_items").as_array()[0].at("due_date") ==
        "2026-11-11");
  CHECK(b.balance("100002", "2026-11-30").at("open_items").as_array()[0].at("due_date") ==
        "2026-12-15");
  // Before its date an accrual does not count.
  CHECK(b.balance_of("100002", "2026-11-29") == 0);
  CHECK(b.balance_of("100002", "2026-11-30") == -minor("600.00"));
}

TEST_CASE("a tariff without proration bills the full fee for a partial month") {
  BillingDb b;
  b.tariff(R"({"code": "full", "name": "Полный месяц", "fee": "499.00", "proration": "none"})");
  b.account("100001");
  b.connect("100001", "full", "2026-11-30");
  b.run("2026-11");
  CHECK(only_line(b, "100001").amount == minor("499.00"));
}

TEST_CASE("a tariff definition comes back with its defaults and can be replaced") {
  BillingDb b;
  const json::object t = b.monthly("home", "499.00");
  CHECK(t.at("currency") == "RUB");
  CHECK(t.at("fee_period") == "month");
  CHECK(t.at("tax") == "ru_vat");
  CHECK(t.at("vat_mode") == "included");
  CHECK(t.at("billing") == "advance");
  CHECK(t.at("proration") == "actual");
  CHECK(t.at("payment_term_days") == 10);
  CHECK(t.at("freeze_fee").is_null());
  b.monthly("home", "599.00");
  const json::array all = b.call("billing.tariff.list", "{}").at("tariffs").as_array();
  REQUIRE(all.size() == 1);
  CHECK(all[0].at("fee") == "599.00");
  // A run after the change uses the new fee.
  b.account("100001");
  b.connect("100001", "home", "2026-01-01");
  b.run("2026-11");
  CHECK(only_line(b, "100001").amount == minor("599.00"));
}

TEST_CASE("a tariff or rate defined through one handle is used by the next call of any handle") {
  // The handle caches tariffs and rates; PRAGMA data_version alone does not
  // see the handle's own commits, so the cache must notice those too.
  const std::string path = "/tmp/opora-unit-billing-tariffs.db";
  const auto remove_files = [&path] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::remove((path + suffix).c_str());
  };
  remove_files();
  {
    BillingDb a(BillingDb::kDefaultOptions, path);
    BillingDb b(BillingDb::kDefaultOptions, path);
    a.account("100001");
    a.account("100002");
    b.monthly("net", "600.00");  // b has cached its tariffs
    a.connect("100001", "net", "2026-01-01");
    a.monthly("net", "700.00");  // replaced through a
    b.call("billing.tax.define", R"({"tax": "usn", "rate": "5", "valid_from": "2026-01-01"})");
    a.tariff(R"({"code": "u", "name": "УСН", "fee": "105.00", "tax": "usn"})");
    b.connect("100002", "u", "2026-01-01");
    b.run("2026-11");
    CHECK(only_line(a, "100001").amount == minor("700.00"));
    CHECK(only_line(a, "100002").vat == minor("5.00"));
  }
  remove_files();
}

TEST_CASE("a tariff with a bad fee, unknown tax or unknown enum value is refused") {
  BillingDb b;
  Error e = b.error("billing.tariff.define", R"({"tariff": "x", "name": "X", "fee": "-1.00"})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "fee", "negative"));
  e = b.error("billing.tariff.define", R"({"tariff": "x", "name": "X", "fee": "1.001"})");
  CHECK(has_error(e, "fee", "money_scale"));
  e = b.error("billing.tariff.define",
              R"({"code": "x", "name": "X", "fee": "1.00", "tax": "vat99"})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "tax", "unknown_tax"));
  e = b.error("billing.tariff.define",
              R"({"code": "x", "name": "X", "fee": "1.00", "vat_mode": "sometimes"})");
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(b.call("billing.tariff.list", "{}").at("tariffs").as_array().empty());
}

// --- one-time charges ----------------------------------------------------------------

TEST_CASE("a one-time charge posts one line with its document and VAT of its date") {
  BillingDb b;
  b.account("100001");
  const json::object c = b.charge("100001", "Роутер TP-Link", "1500.00", "2026-11-05");
  CHECK(c.at("replayed") == false);
  CHECK(c.at("amount") == "1500.00");
  CHECK(c.at("vat") == "270.49");  // 1500 x 22/122
  CHECK(c.at("vat_rate") == "22");
  CHECK(c.at("due_date") == "2026-11-15");
  const json::array lines = b.accruals("100001");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].at("kind") == "charge");
  CHECK(lines[0].at("date") == "2026-11-05");
  CHECK(lines[0].at("document") == c.at("document"));
  CHECK(b.documents() == 1);
  // A charge dated in 2025 takes the 2025 rate.
  CHECK(b.charge("100001", "Монтаж", "1200.00", "2025-12-20").at("vat") == "200.00");
}

TEST_CASE("a one-time charge to a KZT account takes kz_vat of its date") {
  // T16 [C]: 5000 x 16/116 in 2026, 5000 x 12/112 in 2025.
  BillingDb b;
  b.account("200001", "KZT");
  CHECK(b.charge("200001", "Роутер", "5000.00", "2026-03-01").at("vat") == "689.66");
  CHECK(b.charge("200001", "Монтаж", "5000.00", "2025-12-31").at("vat") == "535.71");
}

TEST_CASE("a one-time charge with VAT on top adds it") {
  BillingDb b;
  b.account("100001");
  const json::object c = b.call(
      "billing.charge",
      R"({"account": "100001", "name": "Монтаж", "amount": "1000.00", "vat_mode": "on_top"})");
  CHECK(c.at("amount") == "1220.00");
  CHECK(c.at("vat") == "220.00");
}

TEST_CASE("a repeated charge key returns the first charge and posts nothing") {
  BillingDb b;
  b.account("100001");
  const char* params =
      R"({"account": "100001", "name": "Роутер", "amount": "1500.00", "key": "crm:order:77"})";
  const json::object first = b.call("billing.charge", params);
  const json::object again = b.call("billing.charge", params);
  CHECK(again.at("replayed") == true);
  CHECK(again.at("accrual") == first.at("accrual"));
  CHECK(again.at("document") == first.at("document"));
  CHECK(again.at("number") == first.at("number"));
  CHECK(again.at("amount") == first.at("amount"));
  CHECK(b.accruals("100001").size() == 1);
  CHECK(b.documents() == 1);
}

TEST_CASE("a charge key reused for another name or amount is a conflict and posts nothing") {
  BillingDb b;
  b.account("100001");
  b.call("billing.charge",
         R"({"account": "100001", "name": "Роутер", "amount": "1500.00", "key": "k1"})");
  Error e = b.error("billing.charge",
                    R"({"account": "100001", "name": "Монтаж", "amount": "1500.00", "key": "k1"})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "key", "key_reused"));
  e = b.error("billing.charge",
              R"({"account": "100001", "name": "Роутер", "amount": "1700.00", "key": "k1"})");
  CHECK(e.code() == ErrorCode::conflict);
  CHECK(has_error(e, "key", "key_reused"));
  CHECK(b.accruals("100001").size() == 1);
  CHECK(b.documents() == 1);
}

// --- discounts ---------------------------------------------------------------------

TEST_CASE("a percent discount lowers the fee of every subscription of the account") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.monthly("tv", "300.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.connect("100001", "tv", "2026-01-01", "tv");
  b.call("billing.discount.add",
         R"({"account": "100001", "name": "Пенсионная", "percent": "10", "from": "2026-01-01"})");
  b.run("2026-11");
  CHECK(BillingDb::sum(b.accruals("100001")) == minor("810.00"));
}

TEST_CASE("a discount for one subscription leaves the others whole") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.monthly("tv", "300.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  const int64_t tv = b.connect("100001", "tv", "2026-01-01", "tv");
  b.call("billing.discount.add", json::object{{"account", "100001"},
                                              {"subscription", tv},
                                              {"name", "ТВ бесплатно"},
                                              {"percent", "100"},
                                              {"from", "2026-01-01"}});
  b.run("2026-11");
  CHECK(BillingDb::sum(b.accruals("100001")) == minor("600.00"));
}

TEST_CASE("a time-limited discount applies only to its days") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.call("billing.discount.add", R"({"account": "100001", "name": "Акция", "percent": "10",
                                     "from": "2026-10-01", "to": "2026-11-15"})");
  b.run("2026-11");
  b.run("2026-12");
  const json::array lines = b.accruals("100001");
  INFO(lines_text(lines));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].at("amount") == "270.00");  // Nov 1-15: 300.00 - 10%
  CHECK(lines[1].at("amount") == "300.00");  // Nov 16-30
  CHECK(lines[2].at("amount") == "600.00");  // December: the discount is over
}

TEST_CASE("a fixed monthly discount is prorated like the fee") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.connect("100001", "net", "2026-01-01");
  b.call("billing.discount.add",
         R"({"account": "100001", "name": "Скидка", "amount": "150.00", "from": "2026-11-16"})");
  b.run("2026-11");
  CHECK(BillingDb::sum(b.accruals("100001")) == minor("525.00"));
}

TEST_CASE("a discount for a subscription of another account is refused") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.account("100001");
  b.account("100002");
  b.connect("100001", "net", "2026-01-01");
  const Error e = b.error("billing.discount.add", R"({"account": "100002", "subscription": 1,
                                                    "name": "x", "percent": "5", "from": "2026-11-01"})");
  CHECK(e.code() == ErrorCode::validation);
  CHECK(has_error(e, "subscription", "other_account"));
}

TEST_CASE("a discount needs exactly one of percent and amount, within range") {
  BillingDb b;
  b.account("100001");
  Error e = b.error("billing.discount.add",
                    R"({"account": "100001", "name": "x", "from": "2026-11-01"})");
  CHECK(e.code() == ErrorCode::invalid);
  CHECK(has_error(e, "percent", "one_of"));
  e = b.error("billing.discount.add", R"({"account": "100001", "name": "x", "from": "2026-11-01",
                                          "percent": "10", "amount": "5.00"})");
  CHECK(has_error(e, "percent", "one_of"));
  e = b.error("billing.discount.add",
              R"({"account": "100001", "name": "x", "from": "2026-11-01", "percent": "100.5"})");
  CHECK(has_error(e, "percent", "percent"));
  e = b.error("billing.discount.add",
              R"({"account": "100001", "name": "x", "from": "2026-11-01", "amount": "0.00"})");
  CHECK(has_error(e, "amount", "positive"));
  e = b.error("billing.discount.add", R"({"account": "100001", "name": "x", "from": "2026-11-01",
                                          "to": "2026-10-01", "percent": "5"})");
  CHECK(has_error(e, "to", "before_from"));
}

// billing.run and billing.charge write their accrual documents through the
// registry's lean bulk path (Registry::create_many). What they store must be
// what registry.put_many stores for the same documents: each document a
// run wrote, put again as a host would write it into a fresh file with the
// same clock, gives the same rows in every registry table, byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "billing/billing_fixture.hpp"
#include "store/sqlite.hpp"
#include "table_rows.hpp"

using namespace opora::test::bill;

namespace {

const char* const kCompany =
    R"({"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001"})";
const char* const kSoleTrader =
    R"({"type": "sole_trader", "name": "ИП Петров Иван Сергеевич", "inn": "500100732259"})";
const char* const kKzHolder =
    R"({"type": "person", "name": "Сидорова \"Айгуль\"", "iin": "900101300017"})";

// Members of registry.get a host does not write (the registry keeps them).
constexpr const char* kKept[] = {"id",      "number",  "status",     "is_final",   "superseded_by",
                                 "deleted", "version", "created_at", "updated_at", "files",
                                 "links"};

// Every row of the registry's tables (document*, registry_*), as SQL
// literals, table by table.
std::map<std::string, std::vector<std::string>> registry_rows(BillingDb& b) {
  return opora::test::table_rows(b.db().connection(), {"document%", "registry%"});
}

// A month of an ISP with every kind of holder and line: persons, a company
// with its KPP, a sole trader, a Kazakh subscriber in tenge; a mid-month
// connection, a freeze with a fee, a fixed and a percent discount, two
// services on one account; then a tariff change recalculated (a decrease
// and an increase document, each naming what it corrects) and a one-time
// charge. Events are listened to (the dunning process), so the run reads
// back each document's number.
void a_month_of_billing(BillingDb& b) {
  b.call("workflow.install", R"({"definition": "dunning"})");
  b.monthly("net", "499.00");
  b.monthly("tv", "250.00");
  b.tariff(R"({"code": "free", "name": "Льготный", "fee": "300.00", "tax": "none"})");
  b.call("billing.tariff.define",
         R"({"tariff": "kz", "name": "Домашний", "fee": "4500.00", "currency": "KZT"})");
  for (int i = 1; i <= 40; ++i) {
    const std::string n = std::to_string(100000 + i);
    b.account(n, "RUB",
              i % 7 == 0 ? kCompany
              : i % 5 == 0
                  ? kSoleTrader
                  : R"({"type": "person", "name": "Абонент \\ №)" + std::to_string(i) + R"("})");
    const int64_t sub = b.connect(n, "net", i % 4 == 0 ? "2026-11-15" : "2026-01-01");
    if (i % 6 == 0) b.connect(n, "tv", "2026-02-01", "tv");
    if (i % 9 == 0)
      b.call("billing.subscription.freeze", json::object{{"subscription", sub},
                                                         {"from", "2026-11-11"},
                                                         {"to", "2026-11-20"},
                                                         {"fee", "100.00"}});
    if (i % 8 == 0)
      b.call("billing.discount.add", json::object{{"account", n},
                                                  {"subscription", sub},
                                                  {"name", "Скидка"},
                                                  {"amount", "50.00"},
                                                  {"from", "2026-01-01"}});
    if (i == 10)
      b.call("billing.subscription.change_tariff",
             json::object{{"subscription", sub}, {"tariff", "free"}, {"date", "2026-11-16"}});
  }
  b.account("200001", "KZT", kKzHolder);
  b.connect("200001", "kz", "2026-01-01");
  b.run("2026-11");
  b.set_clock("2026-11-20");
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", 3}, {"tariff", "free"}, {"date", "2026-11-21"}});
  b.run("2026-11");
  b.set_clock("2026-11-25");
  b.charge("100002", "Выезд мастера", "1500.00");
}

}  // namespace

TEST_CASE("billing's accrual documents are stored as registry.put_many stores them") {
  const char* const options = R"({"clock": "manual", "now": "2026-11-01T09:00:00Z"})";
  BillingDb billed(options);
  a_month_of_billing(billed);
  REQUIRE(billed.documents() > 40);

  // The same documents, in id order, put as a host writes them (uid given,
  // so the ids drawn for anything else do not matter), each batch at the
  // time its documents were written.
  BillingDb put(options);
  std::map<std::string, json::array> by_time;
  std::vector<std::string> times;
  const json::array found = billed.call("registry.find", R"({"kind": "accrual", "limit": 1000})")
                                .at("documents")
                                .as_array();
  std::vector<int64_t> ids;
  for (const auto& d : found) ids.push_back(d.at("id").as_int64());
  std::sort(ids.begin(), ids.end());
  bool corrections = false;
  for (const int64_t id : ids) {
    json::object doc = billed.call("registry.get", json::object{{"document", id}});
    const std::string at = text(doc.at("created_at"));
    if (by_time.count(at) == 0) times.push_back(at);
    corrections = corrections || doc.at("custom").as_object().contains("corrects");
    for (const char* k : kKept) doc.erase(k);
    by_time[at].push_back(std::move(doc));
  }
  CHECK(corrections);
  CHECK(times.size() == 3);  // the run, the recalculation, the charge
  for (const auto& at : times) {
    put.set_clock(at);
    put.call("registry.put_many", json::object{{"documents", by_time[at]}, {"actor", "billing"}});
  }

  const auto billed_rows = registry_rows(billed);
  const auto put_rows = registry_rows(put);
  REQUIRE(billed_rows.size() == put_rows.size());
  for (const auto& [table, rows] : billed_rows) {
    INFO("table " << table);
    CHECK(rows.size() == put_rows.at(table).size());
    CHECK(rows == put_rows.at(table));
  }
  CHECK(billed_rows.at("document").size() == ids.size());
}

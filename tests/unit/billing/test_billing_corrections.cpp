// Recalculations through billing.run, as a host builds a correction invoice
// (КСФ/УКД) from them: every correction line carries its service period and
// VAT rate, a changed line is reversed at its own rate and its new
// computation posted at its own, and each document's VAT per rate is exactly
// its lines'. Also the fixed discounts a recalculation meets: once a month,
// whatever the tariff changes.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>
#include <string>

#include "billing/billing_fixture.hpp"

using namespace opora::test::bill;

namespace {

// Per rate, the sum of the VAT of an account's lines of one kind (all kinds
// when empty), as "rate: vat" lines.
std::string vat_by_rate(const json::array& lines) {
  std::map<std::string, int64_t> by_rate;
  for (const auto& l : lines) by_rate[text(l.at("vat_rate"))] += minor(l.at("vat"));
  std::string s;
  for (const auto& [rate, vat] : by_rate) s += rate + ": " + money_text(vat) + "\n";
  return s;
}

// Every document the account's lines point to agrees with those lines: its
// gross and VAT are their amounts (negated for a decrease), its VAT per rate
// is theirs, and each item carries its line's service period. Returns the
// number of documents checked.
size_t check_documents_match_lines(BillingDb& b, const char* account) {
  std::map<int64_t, json::array> by_doc;
  for (const auto& l : b.accruals(account))
    if (l.at("document").is_int64() && l.at("kind") != "storno")
      by_doc[l.at("document").as_int64()].push_back(l);
  for (const auto& [id, lines] : by_doc) {
    const json::object doc = b.call("registry.get", json::object{{"document", id}});
    const json::object& custom = doc.at("custom").as_object();
    const bool decrease = custom.contains("correction") && custom.at("correction") == "decrease";
    const int64_t sign = decrease ? -1 : 1;
    CAPTURE(id);
    CAPTURE(lines_text(lines));
    std::map<std::string, int64_t> vat;
    int64_t gross = 0;
    for (const auto& l : lines) {
      vat[text(l.at("vat_rate"))] += sign * minor(l.at("vat"));
      gross += sign * minor(l.at("amount"));
    }
    const json::object& totals = doc.at("totals").as_object();
    CHECK(money_text(minor(totals.at("gross"))) == money_text(gross));
    std::map<std::string, int64_t> doc_vat;
    for (const auto& r : totals.at("vat_by_rate").as_array())
      doc_vat[text(r.at("rate"))] += minor(r.at("vat"));
    CHECK(doc_vat == vat);
    const json::array& service = custom.at("lines").as_array();
    REQUIRE(service.size() == lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      CHECK(service[i].at("from") == lines[i].at("from"));
      CHECK(service[i].at("to") == lines[i].at("to"));
    }
  }
  return by_doc.size();
}

}  // namespace

// Issue 13 (a). Was: Runner::post_difference posted one adjustment line with
// the differences of amount and VAT and gave it the rate of the period's last
// line; accrual_document then wrote it into the correction document as a
// price at that one rate, so the registry recomputed VAT from the amount. A
// subscriber at 499.00 (VAT 20% in 2025) moved on 16 December to a
// VAT-exempt tariff at the same price: the ledger's adjustment was amount
// 0.00, VAT -42.93, the document 0.00 / 0.00. Now the December line is
// reversed at 20% and its two new pieces posted at their own rates.
TEST_CASE(
    "a move to an exempt tariff is corrected at each rate, the document "
    "as the ledger") {
  BillingDb b(R"({"clock": "manual", "now": "2025-11-20T09:00:00Z"})");
  b.monthly("net", "499.00");
  b.tariff(R"({"code": "free", "name": "Льготный", "fee": "499.00", "tax": "none"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2025-01-01");
  b.run("2025-12");  // in advance: 499.00, VAT 83.17 at 20%
  b.set_clock("2025-12-20");
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "free"}, {"date", "2025-12-16"}});
  b.run("2025-12");
  const json::array adj = b.accruals("100001", "adjustment");
  INFO(lines_text(adj));
  REQUIRE(adj.size() == 3);
  // The month at 20% reversed; Dec 1-15 at 20% (241.45 = 499 x 15/31, VAT
  // 40.24) and Dec 16-31 without VAT (257.55) posted.
  CHECK(text(adj[0].at("from")) == "2025-12-01");
  CHECK(text(adj[0].at("to")) == "2025-12-31");
  CHECK(adj[0].at("amount") == "-499.00");
  CHECK(adj[0].at("vat") == "-83.17");
  CHECK(adj[0].at("vat_rate") == "20");
  CHECK(text(adj[1].at("to")) == "2025-12-15");
  CHECK(adj[1].at("amount") == "241.45");
  CHECK(adj[1].at("vat") == "40.24");
  CHECK(text(adj[2].at("from")) == "2025-12-16");
  CHECK(adj[2].at("amount") == "257.55");
  CHECK(adj[2].at("vat") == "0.00");
  CHECK(adj[2].at("vat_rate") == "none");
  CHECK(BillingDb::sum(adj) == 0);
  CHECK(BillingDb::sum(adj, "vat") == -minor("42.93"));
  CHECK(vat_by_rate(adj) == "20: -42.93\nnone: 0.00\n");
  CHECK(check_documents_match_lines(b, "100001") == 3);  // accrual, decrease, increase
}

// Issue 13 (c): the correction documents a host turns into a correction
// invoice. The decrease shows the lines as they were billed, the increase
// the lines as they are now; both name the documents they correct and
// carry each line's service period.
TEST_CASE(
    "correction documents name what they correct and carry each line's "
    "service period") {
  BillingDb b;
  b.monthly("net", "600.00");
  b.monthly("fast", "900.00");
  b.account("100001");
  const int64_t sub = b.connect("100001", "net", "2026-01-01");
  b.run("2026-11");
  const int64_t first = b.accruals("100001", "fee")[0].at("document").as_int64();
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "fast"}, {"date", "2026-11-16"}});
  b.run("2026-11");
  const json::array adj = b.accruals("100001", "adjustment");
  REQUIRE(adj.size() == 3);
  const json::object dec =
      b.call("registry.get", json::object{{"document", adj[0].at("document").as_int64()}});
  const json::object inc =
      b.call("registry.get", json::object{{"document", adj[1].at("document").as_int64()}});
  CHECK(adj[2].at("document") == adj[1].at("document"));
  CHECK(dec.at("custom").at("correction") == "decrease");
  CHECK(inc.at("custom").at("correction") == "increase");
  CHECK(dec.at("custom").at("corrects") == json::array{first});
  CHECK(inc.at("custom").at("corrects") == json::array{first});
  CHECK(dec.at("totals").at("gross") == "600.00");
  CHECK(inc.at("totals").at("gross") == "750.00");  // 300.00 + 450.00
  const json::array& lines = inc.at("custom").at("lines").as_array();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].at("from") == "2026-11-01");
  CHECK(lines[0].at("to") == "2026-11-15");
  CHECK(lines[1].at("from") == "2026-11-16");
  CHECK(lines[1].at("to") == "2026-11-30");
  CHECK(lines[1].at("subscription") == sub);
  CHECK(check_documents_match_lines(b, "100001") == 3);
  // Neither document of the pair is what is owed: a QR is refused for each,
  // saying which it is; by account it asks for the balance.
  const opora::Error dec_qr = b.error("billing.qr", json::object{{"document", dec.at("id")}});
  CHECK(std::string(dec_qr.what()).find("decrease correction credits") != std::string::npos);
  const opora::Error inc_qr = b.error("billing.qr", json::object{{"document", inc.at("id")}});
  CHECK(inc_qr.code() == opora::ErrorCode::validation);
  CHECK(std::string(inc_qr.what()).find("build the QR by account") != std::string::npos);
}

TEST_CASE("a recalculation with VAT on top keeps each line's net, VAT and rate") {
  BillingDb b(R"({"clock": "manual", "now": "2025-12-20T09:00:00Z"})");
  b.tariff(
      R"({"code": "biz", "name": "Бизнес", "fee": "1000.00", "vat_mode": "on_top",
    "billing": "arrears"})");
  b.tariff(
      R"({"code": "biz10", "name": "Бизнес 10", "fee": "1000.00", "vat_mode": "on_top",
    "tax": "ru_vat_10"})");
  b.account("100001");
  const int64_t sub = b.connect("100001", "biz", "2025-01-01");
  b.run("2025-12");  // in arrears, dated 2025-12-31: 1000.00 + 200.00
  b.call("billing.subscription.change_tariff",
         json::object{{"subscription", sub}, {"tariff", "biz10"}, {"date", "2025-12-11"}});
  b.run("2025-12");
  const json::array adj = b.accruals("100001", "adjustment");
  INFO(lines_text(adj));
  // 1000 x 10/31 = 322.58 + 64.52; 677.42 + 67.74 at 10%.
  CHECK(vat_by_rate(adj) == "10: 67.74\n20: -135.48\n");
  CHECK(money_text(BillingDb::sum(adj)) == "-67.74");
  for (const auto& l : adj) CHECK(l.at("date") == "2025-12-31");
  CHECK(check_documents_match_lines(b, "100001") == 3);
}

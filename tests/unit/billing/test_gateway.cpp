#include <doctest/doctest.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "billing/gateway.hpp"
#include "test_support.hpp"

using opora::billing::gateway_code_is_final;
using opora::billing::gateway_result_code;
using opora::billing::GatewayAnswer;
using opora::billing::GatewayCommand;
using opora::billing::GatewayOutcome;
using opora::billing::GatewayProtocol;
using opora::billing::GatewayRequest;
using opora::billing::GatewayResponse;
using opora::billing::parse_gateway_protocol;
using opora::billing::parse_gateway_query;
using opora::billing::parse_query_string;
using opora::billing::render_gateway_answer;

namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

constexpr GatewayProtocol kOsmp = GatewayProtocol::osmp;
constexpr GatewayProtocol kKaspi = GatewayProtocol::kaspi;

constexpr std::array<GatewayOutcome, 11> kAllOutcomes = {
    GatewayOutcome::ok,
    GatewayOutcome::bad_request,
    GatewayOutcome::bad_account_format,
    GatewayOutcome::account_not_found,
    GatewayOutcome::account_inactive,
    GatewayOutcome::sum_too_small,
    GatewayOutcome::sum_too_large,
    GatewayOutcome::already_paid,
    GatewayOutcome::conflict,
    GatewayOutcome::temporary,
    GatewayOutcome::internal_error,
};

Query query(const std::string& text) {
  auto parsed = parse_query_string(text);
  REQUIRE_MESSAGE(parsed.has_value(), text);
  return *parsed;
}

GatewayRequest request_of(const std::string& text, GatewayProtocol protocol = kOsmp) {
  auto parsed = parse_gateway_query(protocol, query(text));
  INFO(text);
  const std::string why = parsed.refusal ? parsed.refusal->comment : "no refusal either";
  REQUIRE_MESSAGE(parsed.request.has_value(), why);
  CHECK_FALSE(parsed.refusal.has_value());
  return *parsed.request;
}

GatewayAnswer refusal_of(const std::string& text, GatewayProtocol protocol = kOsmp) {
  auto parsed = parse_gateway_query(protocol, query(text));
  INFO(text);
  REQUIRE(parsed.refusal.has_value());
  CHECK_FALSE(parsed.request.has_value());
  return *parsed.refusal;
}

// The query must be refused as bad_request with a comment naming `param`.
void check_bad_request(const std::string& text, const std::string& param) {
  const GatewayAnswer refusal = refusal_of(text);
  INFO(text);
  CHECK(refusal.outcome == GatewayOutcome::bad_request);
  CHECK(refusal.comment.rfind(param + ":", 0) == 0);
}

GatewayAnswer answer(GatewayOutcome outcome, std::string txn_id) {
  return GatewayAnswer{outcome, std::move(txn_id), std::nullopt, std::nullopt,
                       "",      std::nullopt,      std::nullopt, std::nullopt};
}

// A well-formed pay; tests append to it.
std::string pay_query() {
  return "command=pay&txn_id=42&account=A-1001&sum=500.00&txn_date=20261123120133";
}

}  // namespace

TEST_CASE("parse_gateway_protocol accepts exactly osmp and kaspi") {
  CHECK(parse_gateway_protocol("osmp") == GatewayProtocol::osmp);
  CHECK(parse_gateway_protocol("kaspi") == GatewayProtocol::kaspi);
  CHECK_FALSE(parse_gateway_protocol("OSMP").has_value());
  CHECK_FALSE(parse_gateway_protocol("qiwi").has_value());
  CHECK_FALSE(parse_gateway_protocol("").has_value());
  CHECK_FALSE(parse_gateway_protocol("osmp ").has_value());
}

// Code tables: research billing.md §2.1 [S:OSMP-CODES] and §2.2 [S:KASPI-*].
TEST_CASE("OSMP gateway maps every outcome to its wire code") {
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::ok) == 0);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::already_paid) == 0);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::temporary) == 1);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::bad_account_format) == 4);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::account_not_found) == 5);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::conflict) == 7);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::account_inactive) == 79);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::sum_too_small) == 241);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::sum_too_large) == 242);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::bad_request) == 300);
  CHECK(gateway_result_code(kOsmp, GatewayOutcome::internal_error) == 300);
}

TEST_CASE("Kaspi gateway maps every outcome to its wire code") {
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::ok) == 0);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::already_paid) == 0);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::account_not_found) == 1);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::bad_account_format) == 1);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::account_inactive) == 2);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::temporary) == 4);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::conflict) == 5);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::sum_too_small) == 5);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::sum_too_large) == 5);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::bad_request) == 5);
  CHECK(gateway_result_code(kKaspi, GatewayOutcome::internal_error) == 5);
}

TEST_CASE("OSMP gateway codes 1 and 90 are non-final and the rest of the table is final") {
  for (int code : {0, 4, 5, 7, 8, 79, 241, 242, 243, 300})
    CHECK_MESSAGE(gateway_code_is_final(kOsmp, code), code);
  CHECK_FALSE(gateway_code_is_final(kOsmp, 1));
  CHECK_FALSE(gateway_code_is_final(kOsmp, 90));
  // Not ours, so never settled on: 2 and 3 are Kaspi codes, 10 and 215 come
  // from extended agent tables.
  for (int code : {-1, 2, 3, 10, 215, 301})
    CHECK_FALSE_MESSAGE(gateway_code_is_final(kOsmp, code), code);
}

TEST_CASE("Kaspi gateway code 4 is non-final and the rest of the table is final") {
  for (int code : {0, 1, 2, 3, 5}) CHECK_MESSAGE(gateway_code_is_final(kKaspi, code), code);
  CHECK_FALSE(gateway_code_is_final(kKaspi, 4));
  for (int code : {-1, 6, 79, 300}) CHECK_FALSE_MESSAGE(gateway_code_is_final(kKaspi, code), code);
}

TEST_CASE("gateway codes: only temporary is non-final, only ok or a replay is 0") {
  for (GatewayProtocol protocol : {kOsmp, kKaspi}) {
    for (GatewayOutcome outcome : kAllOutcomes) {
      const int code = gateway_result_code(protocol, outcome);
      INFO("protocol ", static_cast<int>(protocol), " outcome ", static_cast<int>(outcome));
      CHECK(gateway_code_is_final(protocol, code) == (outcome != GatewayOutcome::temporary));
      const bool success = outcome == GatewayOutcome::ok || outcome == GatewayOutcome::already_paid;
      CHECK((code == 0) == success);
    }
  }
}

TEST_CASE("gateway parse_query_string decodes percent escapes and plus signs") {
  const Query q = query("account=%D0%9B%D0%A1+12%2F3&sum=1%2C5&a%26b=x%3Dy&plus=%2B");
  REQUIRE(q.size() == 4);
  CHECK(q[0] == std::pair<std::string, std::string>("account", "\xD0\x9B\xD0\xA1 12/3"));
  CHECK(q[1] == std::pair<std::string, std::string>("sum", "1,5"));
  CHECK(q[2] == std::pair<std::string, std::string>("a&b", "x=y"));
  CHECK(q[3] == std::pair<std::string, std::string>("plus", "+"));
  CHECK(query("x=%4a%4A")[0].second == "JJ");
}

TEST_CASE("gateway parse_query_string keeps repeated keys in order and skips empty segments") {
  const Query q = query("b=2&&a=1&b=3&flag&e=&=v&");
  const Query expected = {{"b", "2"}, {"a", "1"}, {"b", "3"}, {"flag", ""}, {"e", ""}, {"", "v"}};
  CHECK(q == expected);
  CHECK(query("").empty());
  CHECK(query("&&").empty());
  // Only the first '=' splits.
  CHECK(query("k=a=b")[0].second == "a=b");
}

TEST_CASE("gateway parse_query_string refuses malformed escapes and invalid UTF-8") {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "a=1&b=%G0",
                          // lone continuation byte, truncated sequence
                          "a=%80", "a=%D0", "a=%E2%82",
                          // overlong '/', a surrogate, past U+10FFFF, raw 0xFF
                          "a=%C0%AF", "a=%ED%A0%80", "a=%F4%90%80%80", "a=\xFF", "%FF=1"})
    CHECK_FALSE_MESSAGE(parse_query_string(bad).has_value(), bad);
}

// txn_date=20050815120133 is the one in ABillS's Osmp.t [S:ABILLS-OSMP-T].
TEST_CASE("a gateway pay query becomes a request with a normalised sum and an ISO txn_date") {
  for (GatewayProtocol protocol : {kOsmp, kKaspi}) {
    const GatewayRequest r = request_of(
        "command=pay&txn_id=1234567&account=%20A-1001%09&sum=10.45&txn_date=20050815120133",
        protocol);
    CHECK(r.command == GatewayCommand::pay);
    CHECK(r.txn_id == "1234567");
    CHECK(r.account == "A-1001");
    CHECK(r.sum == std::optional<std::string>("10.45"));
    CHECK(r.txn_date == std::optional<std::string>("2005-08-15T12:01:33"));
  }
}

TEST_CASE(
    "a gateway check query needs neither sum nor txn_date; blank optional values are absent") {
  const GatewayRequest r = request_of("command=check&txn_id=7&account=79001234567");
  CHECK(r.command == GatewayCommand::check);
  CHECK(r.txn_id == "7");
  CHECK(r.account == "79001234567");
  CHECK_FALSE(r.sum.has_value());
  CHECK_FALSE(r.txn_date.has_value());

  const GatewayRequest blank = request_of("command=check&txn_id=7&account=1&sum=&txn_date=");
  CHECK_FALSE(blank.sum.has_value());
  CHECK_FALSE(blank.txn_date.has_value());

  // Agents send 0 or a nominal sum on check.
  CHECK(request_of("command=check&txn_id=7&account=1&sum=0").sum ==
        std::optional<std::string>("0.00"));
  CHECK(request_of("command=check&txn_id=7&account=1&sum=100").sum ==
        std::optional<std::string>("100.00"));
  // What is present is still checked.
  check_bad_request("command=check&txn_id=7&account=1&sum=abc", "sum");
  check_bad_request("command=check&txn_id=7&account=1&txn_date=2026", "txn_date");
}

TEST_CASE("gateway parsing ignores unknown parameters such as pay_type, trm_id and prv_id") {
  const GatewayRequest r =
      request_of(pay_query() + "&pay_type=1&trm_id=9&prv_id=55&data1=x&Command=zz");
  CHECK(r.command == GatewayCommand::pay);
  CHECK(r.txn_id == "42");
}

TEST_CASE("gateway sums are normalised to two decimals") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"500", "500.00"},
      {"500.5", "500.50"},
      {"500,5", "500.50"},
      {"500,05", "500.05"},
      {"0500.00", "500.00"},
      {"0.01", "0.01"},
      {"000.10", "0.10"},
      {"999999999999999.99", "999999999999999.99"},
      {"0000000000000000001", "1.00"},
  };
  for (const auto& c : cases) {
    const GatewayRequest r =
        request_of("command=pay&txn_id=1&account=1&txn_date=20261123120133&sum=" + c.first);
    CHECK_MESSAGE(r.sum == std::optional<std::string>(c.second), c.first);
  }
}

TEST_CASE("a gateway query with a bad sum is refused naming sum") {
  const std::string base = "command=pay&txn_id=1&account=1&txn_date=20261123120133";
  check_bad_request(base, "sum");  // required for pay
  check_bad_request(base + "&sum=", "sum");
  for (const char* bad : {"0", "0.00", "500.001", "500.000", "-5", "%2B5", "5e2", "1%20000", "500.",
                          ".50", "5..0", "5.0.0", "12a", "%20500", "1,000.00", "1000000000000000",
                          "123456789012345678901234567890123"})
    check_bad_request(base + "&sum=" + bad, "sum");
}

TEST_CASE("gateway txn_date must name a real calendar date and time") {
  const std::string base = "command=pay&txn_id=1&account=1&sum=1&txn_date=";
  CHECK(request_of(base + "20240229235959").txn_date ==
        std::optional<std::string>("2024-02-29T23:59:59"));
  CHECK(request_of(base + "20261231000000").txn_date ==
        std::optional<std::string>("2026-12-31T00:00:00"));
  check_bad_request("command=pay&txn_id=1&account=1&sum=1", "txn_date");  // required for pay
  for (const char* bad :
       {"20260230120000", "20250229120000", "20260431120000", "20261301120000", "20260001120000",
        "20260100120000", "20261123240000", "20261123126000", "20261123120060", "2026112312013",
        "202611231201330", "2026-11-23T12", "2026112312013x", "18991231235959", "30000101000000"})
    check_bad_request(base + bad, "txn_date");
}

TEST_CASE("a gateway query with a missing or unknown command is refused naming command") {
  check_bad_request("txn_id=1&account=1", "command");
  for (const char* bad : {"", "cancel", "verify", "CHECK", "Pay", "pay%20"})
    check_bad_request(std::string("txn_id=1&account=1&command=") + bad, "command");
}

TEST_CASE("a gateway query with a bad txn_id is refused naming txn_id") {
  check_bad_request("command=check&account=1", "txn_id");
  for (const char* bad : {"", "abc", "-1", "%2B1", "1.5", "1%201", "%201", "123456789012345678901"})
    check_bad_request(std::string("command=check&account=1&txn_id=") + bad, "txn_id");
  CHECK(request_of("command=check&account=1&txn_id=12345678901234567890").txn_id ==
        "12345678901234567890");
  // Kept as sent: the echo must be exactly the agent's id.
  CHECK(request_of("command=check&account=1&txn_id=0042").txn_id == "0042");
}

TEST_CASE("a gateway account that is malformed is bad_account_format, a missing one bad_request") {
  check_bad_request("command=check&txn_id=1", "account");
  const std::string long_account(65, '7');
  for (const std::string& bad :
       {std::string(""), std::string("%20%20"), long_account, std::string("12%0034"),
        std::string("12%0A34"), std::string("12%7F"), std::string("12%C2%85")}) {
    const GatewayAnswer refusal = refusal_of("command=check&txn_id=1&account=" + bad);
    INFO(bad);
    CHECK(refusal.outcome == GatewayOutcome::bad_account_format);
    CHECK(refusal.comment.rfind("account:", 0) == 0);
    CHECK(refusal.txn_id == "1");
  }
  CHECK(request_of("command=check&txn_id=1&account=" + std::string(64, '7')).account.size() == 64);
  // 64 Cyrillic letters are 128 bytes but 64 characters.
  std::string cyrillic;
  for (int i = 0; i < 64; ++i) cyrillic += "%D0%94";
  CHECK(request_of("command=check&txn_id=1&account=" + cyrillic).account.size() == 128);
  CHECK(request_of("command=check&txn_id=1&account=+%D0%94-12%2F3+").account == "\xD0\x94-12/3");
}

TEST_CASE("a gateway parameter given twice is refused naming it") {
  check_bad_request(pay_query() + "&command=check", "command");
  check_bad_request(pay_query() + "&txn_id=43", "txn_id");
  check_bad_request(pay_query() + "&txn_id=42", "txn_id");
  check_bad_request(pay_query() + "&account=A-1002", "account");
  check_bad_request(pay_query() + "&sum=1.00", "sum");
  check_bad_request(pay_query() + "&txn_date=20261123120134", "txn_date");
  // Extras may repeat.
  CHECK(request_of(pay_query() + "&data1=a&data1=b").txn_id == "42");
}

TEST_CASE("a gateway refusal echoes txn_id only when it is valid") {
  CHECK(refusal_of("command=cancel&txn_id=42&account=1").txn_id == "42");
  CHECK(refusal_of("command=pay&txn_id=42&account=1").txn_id == "42");
  CHECK(refusal_of("command=cancel&txn_id=4%3C2&account=1").txn_id.empty());
  CHECK(refusal_of("command=check&account=1").txn_id.empty());
  const GatewayAnswer refusal = refusal_of("command=pay&txn_id=42&account=1");
  CHECK_FALSE(refusal.prv_txn.has_value());
  CHECK_FALSE(refusal.sum.has_value());
}

TEST_CASE("every gateway answer is HTTP 200 text/xml, whatever the outcome") {
  for (GatewayProtocol protocol : {kOsmp, kKaspi}) {
    for (GatewayCommand command : {GatewayCommand::check, GatewayCommand::pay}) {
      for (GatewayOutcome outcome : kAllOutcomes) {
        const GatewayResponse r = render_gateway_answer(protocol, command, answer(outcome, "1"));
        CHECK(r.http_status == 200);
        CHECK(r.content_type == "text/xml; charset=utf-8");
        CHECK(r.body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>\n", 0) == 0);
        CHECK(r.body.find("<result>" + std::to_string(gateway_result_code(protocol, outcome)) +
                          "</result>") != std::string::npos);
      }
    }
  }
}

TEST_CASE("an OSMP gateway pay answer carries osmp_txn_id, prv_txn, sum, result and comment") {
  GatewayAnswer a = answer(GatewayOutcome::ok, "42");
  a.prv_txn = "1001";
  a.sum = "500.00";
  a.comment = "Payment accepted";
  a.holder = "I*** P***";  // check-only: not rendered on pay
  CHECK(render_gateway_answer(kOsmp, GatewayCommand::pay, a).body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<response>\n"
        "<osmp_txn_id>42</osmp_txn_id>\n"
        "<prv_txn>1001</prv_txn>\n"
        "<sum>500.00</sum>\n"
        "<result>0</result>\n"
        "<comment>Payment accepted</comment>\n"
        "</response>\n");
}

TEST_CASE(
    "an OSMP gateway check answer carries the amount due as sum, recipient_name and balance") {
  GatewayAnswer a = answer(GatewayOutcome::ok, "7");
  a.holder = "I*** P***";
  a.amount_due = "499.00";
  a.balance = "-499.00";
  a.prv_txn = "1001";  // pay-only: not rendered on check
  CHECK(render_gateway_answer(kOsmp, GatewayCommand::check, a).body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<response>\n"
        "<osmp_txn_id>7</osmp_txn_id>\n"
        "<sum>499.00</sum>\n"
        "<result>0</result>\n"
        "<comment>OK</comment>\n"
        "<recipient_name>I*** P***</recipient_name>\n"
        "<balance>-499.00</balance>\n"
        "</response>\n");
  CHECK(render_gateway_answer(kOsmp, GatewayCommand::check,
                              answer(GatewayOutcome::account_not_found, "7"))
            .body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<response>\n"
        "<osmp_txn_id>7</osmp_txn_id>\n"
        "<result>5</result>\n"
        "<comment>account not found</comment>\n"
        "</response>\n");
}

TEST_CASE("a Kaspi gateway pay answer carries txn_id, prv_txn_id, result, sum and comment") {
  GatewayAnswer a = answer(GatewayOutcome::ok, "42");
  a.prv_txn = "1001";
  a.sum = "500.00";
  CHECK(render_gateway_answer(kKaspi, GatewayCommand::pay, a).body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<response>\n"
        "<txn_id>42</txn_id>\n"
        "<prv_txn_id>1001</prv_txn_id>\n"
        "<result>0</result>\n"
        "<sum>500.00</sum>\n"
        "<comment>OK</comment>\n"
        "</response>\n");
}

TEST_CASE("a Kaspi gateway check answer shows the payer fio and debt fields") {
  GatewayAnswer a = answer(GatewayOutcome::ok, "7");
  a.holder = "I*** P***";
  a.amount_due = "499.00";
  a.balance = "-499.00";  // not shown to the payer next to the debt
  CHECK(render_gateway_answer(kKaspi, GatewayCommand::check, a).body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<response>\n"
        "<txn_id>7</txn_id>\n"
        "<result>0</result>\n"
        "<comment>OK</comment>\n"
        "<fields>\n"
        "<field1 name=\"fio\">I*** P***</field1>\n"
        "<field2 name=\"debt\">499.00</field2>\n"
        "</fields>\n"
        "</response>\n");
  // Fields are numbered by what is present.
  GatewayAnswer only_debt = answer(GatewayOutcome::ok, "7");
  only_debt.amount_due = "0.00";
  CHECK(render_gateway_answer(kKaspi, GatewayCommand::check, only_debt)
            .body.find("<fields>\n<field1 name=\"debt\">0.00</field1>\n</fields>\n") !=
        std::string::npos);
  CHECK(render_gateway_answer(kKaspi, GatewayCommand::check,
                              answer(GatewayOutcome::account_inactive, "7"))
            .body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<response>\n"
        "<txn_id>7</txn_id>\n"
        "<result>2</result>\n"
        "<comment>account is not active</comment>\n"
        "</response>\n");
}

TEST_CASE("every text a gateway renders is XML-escaped") {
  GatewayAnswer a = answer(GatewayOutcome::ok, "<1>");
  a.comment = "a&b <c> \"d\" 'e'";
  a.holder = "O'Brien & <Sons>";
  a.amount_due = "\"1\"";
  a.balance = "&";
  const std::string osmp = render_gateway_answer(kOsmp, GatewayCommand::check, a).body;
  CHECK(osmp.find("<osmp_txn_id>&lt;1&gt;</osmp_txn_id>") != std::string::npos);
  CHECK(osmp.find("<comment>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;</comment>") !=
        std::string::npos);
  CHECK(osmp.find("<recipient_name>O&apos;Brien &amp; &lt;Sons&gt;</recipient_name>") !=
        std::string::npos);
  CHECK(osmp.find("<sum>&quot;1&quot;</sum>") != std::string::npos);
  CHECK(osmp.find("<balance>&amp;</balance>") != std::string::npos);
  const std::string kaspi = render_gateway_answer(kKaspi, GatewayCommand::check, a).body;
  CHECK(kaspi.find("<field1 name=\"fio\">O&apos;Brien &amp; &lt;Sons&gt;</field1>") !=
        std::string::npos);

  GatewayAnswer p = answer(GatewayOutcome::ok, "1");
  p.prv_txn = "a<b";
  p.sum = "1&2";
  const std::string pay = render_gateway_answer(kKaspi, GatewayCommand::pay, p).body;
  CHECK(pay.find("<prv_txn_id>a&lt;b</prv_txn_id>") != std::string::npos);
  CHECK(pay.find("<sum>1&amp;2</sum>") != std::string::npos);
}

TEST_CASE("gateway rendering turns what XML cannot carry into U+FFFD and keeps valid UTF-8") {
  GatewayAnswer a = answer(GatewayOutcome::ok, "1");
  a.comment = std::string("\xD0\x9E\xD0\x9A tab\tnl\n nul") + '\0' + "\x01 bad\xFF end\xEF\xBF\xBE";
  const std::string body = render_gateway_answer(kOsmp, GatewayCommand::check, a).body;
  CHECK(body.find("<comment>\xD0\x9E\xD0\x9A tab\tnl\n nul\xEF\xBF\xBD\xEF\xBF\xBD "
                  "bad\xEF\xBF\xBD end\xEF\xBF\xBD</comment>") != std::string::npos);
}

// T22 (research billing.md §3.3, [S:ABILLS-OSMP-T]): `pay txn_id=42
// sum=500.00` twice; both answers carry result 0 and the same prv_txn. The
// single credit is the engine's part; the adapters must parse both queries
// alike and render the stored receipt identically.
TEST_CASE("T22: an OSMP gateway replay renders result 0 and the same prv_txn as the first pay") {
  const GatewayRequest first = request_of(pay_query());
  const GatewayRequest second = request_of(pay_query());
  CHECK(first.txn_id == "42");
  CHECK(second.txn_id == first.txn_id);
  CHECK(second.sum == std::optional<std::string>("500.00"));

  GatewayAnswer accepted = answer(GatewayOutcome::ok, first.txn_id);
  accepted.prv_txn = "1001";
  accepted.sum = first.sum;
  GatewayAnswer replay = accepted;
  replay.outcome = GatewayOutcome::already_paid;

  for (GatewayProtocol protocol : {kOsmp, kKaspi}) {
    const std::string a = render_gateway_answer(protocol, GatewayCommand::pay, accepted).body;
    const std::string b = render_gateway_answer(protocol, GatewayCommand::pay, replay).body;
    CHECK(a == b);
    CHECK(b.find("<result>0</result>") != std::string::npos);
    CHECK(b.find(protocol == kOsmp ? "<prv_txn>1001</prv_txn>" : "<prv_txn_id>1001</prv_txn_id>") !=
          std::string::npos);
  }
}

TEST_CASE("a gateway refusal renders the same for check and pay") {
  for (GatewayProtocol protocol : {kOsmp, kKaspi}) {
    const GatewayAnswer refusal = refusal_of("command=pay&txn_id=42&account=1", protocol);
    CHECK(render_gateway_answer(protocol, GatewayCommand::check, refusal).body ==
          render_gateway_answer(protocol, GatewayCommand::pay, refusal).body);
  }
  const GatewayAnswer refusal = refusal_of("command=pay&txn_id=42&account=1");
  CHECK(render_gateway_answer(kOsmp, GatewayCommand::pay, refusal).body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<response>\n"
        "<osmp_txn_id>42</osmp_txn_id>\n"
        "<result>300</result>\n"
        "<comment>sum: required for pay</comment>\n"
        "</response>\n");
}

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "billing/billing_fixture.hpp"
#include "billing/qr.hpp"
#include "core/date.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using opora::test::error_of;

namespace {

using opora::Date;
using opora::ErrorCode;
using opora::billing::build_payment_qr;
using opora::billing::QrEncoding;
using opora::billing::QrPayment;

using Problems = std::vector<std::pair<std::string, std::string>>;

// The mandatory block of QRCoder's RussiaPaymentOrderTests (source [S:QRCODER-T]
// in billing research §2.3).
QrPayment three_whales() {
  QrPayment p;
  p.name = "ООО «Три кита»";
  p.personal_acc = "40702810138250123017";
  p.bank_name = "ОАО \"БАНК\"";
  p.bic = "044525225";
  p.corresp_acc = "30101810965770000413";
  return p;
}

// (field, rule) of every problem build_payment_qr reports, in order.
Problems problems_of(const QrPayment& p, QrEncoding encoding = QrEncoding::utf8) {
  const opora::Error e = error_of([&] { build_payment_qr(p, encoding); });
  CHECK(e.code() == ErrorCode::validation);
  Problems out;
  for (const auto& f : e.field_errors()) out.emplace_back(f.field, f.rule);
  return out;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("payment QR reproduces the QRCoder mandatory-block vector without a trailing '|'") {
  // QRCoder expects the same text followed by '|'; opora ends at the last value.
  const auto qr = build_payment_qr(three_whales(), QrEncoding::utf8);
  CHECK(qr.text_utf8 ==
        "ST00012|Name=ООО «Три кита»|PersonalAcc=40702810138250123017|BankName=ОАО "
        "\"БАНК\"|BIC=044525225|CorrespAcc=30101810965770000413");
  CHECK(qr.bytes == qr.text_utf8);
  CHECK(qr.separator == '|');
}

TEST_CASE("payment QR in windows-1251 carries the exact code page bytes and digit 1") {
  const auto qr = build_payment_qr(three_whales(), QrEncoding::cp1251);
  // Expected bytes: Python 3 str.encode("cp1251") of the same text.
  CHECK(qr.bytes ==
        "ST00011|Name=\xCE\xCE\xCE \xAB\xD2\xF0\xE8 \xEA\xE8\xF2\xE0\xBB|PersonalAcc="
        "40702810138250123017|BankName=\xCE\xC0\xCE \"\xC1\xC0\xCD\xCA\"|BIC=044525225|"
        "CorrespAcc=30101810965770000413");
  CHECK(qr.text_utf8.rfind("ST00011|Name=ООО «Три кита»|", 0) == 0);
}

TEST_CASE("payment QR switches the separator when a value contains '|'") {
  // QRCoder's custom-separator vector (again without the trailing separator).
  QrPayment p = three_whales();
  p.bank_name = "ОАО | \"БАНК\"";
  p.corresp_acc = "30101810400000000225";
  const auto qr = build_payment_qr(p, QrEncoding::utf8);
  CHECK(qr.separator == '#');
  CHECK(qr.text_utf8 ==
        "ST00012#Name=ООО «Три кита»#PersonalAcc=40702810138250123017#BankName=ОАО | "
        "\"БАНК\"#BIC=044525225#CorrespAcc=30101810400000000225");

  // '#' taken too (here by an optional value): the next candidate, ';'.
  p.purpose = "Оплата по счёту #15";
  const auto next = build_payment_qr(p, QrEncoding::utf8);
  CHECK(next.separator == ';');
  CHECK(next.text_utf8.rfind("ST00012;Name=", 0) == 0);
  CHECK(next.text_utf8.find(";Purpose=Оплата по счёту #15") != std::string::npos);
}

TEST_CASE("payment QR refuses when every separator candidate occurs in some value") {
  QrPayment p = three_whales();
  p.name = "|#;:^_~{}!$%&()*+,/@";  // QRCoder's no-separator case
  CHECK(problems_of(p) == Problems{{"payment", "separator"}});
}

TEST_CASE("payment QR writes Sum in kopecks and optional values in a stable order") {
  QrPayment p = three_whales();
  p.sum_kopecks = 125050;  // 1 250.50 RUB
  p.purpose = "Оплата за интернет, март 2026";
  p.payee_inn = "7707083893";
  p.kpp = "773601001";
  p.pers_acc = "100234";
  p.quitt_id = "СЧ-2026-0042";
  p.quitt_date = Date(2026, 3, 5);
  p.last_name = "Иванов";
  p.first_name = "Иван";
  p.middle_name = "Иванович";
  p.payer_address = "г. Тверь, ул. Советская, д. 1, кв. 2";
  p.tech_code = "09";
  const auto qr = build_payment_qr(p, QrEncoding::utf8);
  CHECK(qr.text_utf8 ==
        "ST00012|Name=ООО «Три кита»|PersonalAcc=40702810138250123017|BankName=ОАО "
        "\"БАНК\"|BIC=044525225|CorrespAcc=30101810965770000413|Sum=125050|Purpose=Оплата за "
        "интернет, март 2026|PayeeINN=7707083893|KPP=773601001|PersAcc=100234|QuittId=СЧ-2026-"
        "0042|QuittDate=05.03.2026|LastName=Иванов|FirstName=Иван|MiddleName=Иванович|"
        "PayerAddress=г. Тверь, ул. Советская, д. 1, кв. 2|TechCode=09");
}

TEST_CASE("payment QR accepts 0 as the correspondent account of a bank without one") {
  QrPayment p = three_whales();
  p.corresp_acc = "0";
  const std::string text = build_payment_qr(p, QrEncoding::utf8).text_utf8;
  CHECK(text.substr(text.size() - 13) == "|CorrespAcc=0");
}

TEST_CASE("payment QR in windows-1251 names the field holding an unencodable character") {
  QrPayment p = three_whales();
  p.name = "ООО «Āзбука»";
  const auto e = error_of([&] { build_payment_qr(p, QrEncoding::cp1251); });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "payee.name");
  CHECK(e.field_errors()[0].rule == "cp1251");
  CHECK(e.field_errors()[0].message.find("character 6") != std::string::npos);

  p.name = "ООО Ромашка";
  p.last_name = "Smith 😀";
  CHECK(problems_of(p, QrEncoding::cp1251) == Problems{{"last_name", "cp1251"}});
  // UTF-8 holds both.
  CHECK_NOTHROW(build_payment_qr(p, QrEncoding::utf8));
}

TEST_CASE("payment QR reports every problem at once") {
  QrPayment p;
  p.personal_acc = "0702810138250123017";  // 19 characters
  p.bank_name = repeat("Б", 46);           // 46 characters (92 bytes)
  p.bic = "04452522X";
  p.corresp_acc = "30101810965770000Z13";
  p.sum_kopecks = 0;
  p.purpose = repeat("я", 211);
  p.payee_inn = "7707083890";  // wrong check digit
  p.kpp = "77360100";
  p.pers_acc = "";
  p.quitt_id = "12\n34";
  p.first_name = "\xD0";  // truncated UTF-8
  p.tech_code = "16";
  CHECK(problems_of(p) == Problems{{"payee.name", "required"},
                                   {"payee.personal_acc", "length"},
                                   {"payee.bank_name", "length"},
                                   {"payee.bic", "bik_format"},
                                   {"payee.corresp_acc", "pattern"},
                                   {"sum", "range"},
                                   {"purpose", "length"},
                                   {"payee.inn", "inn_checksum"},
                                   {"payee.kpp", "kpp_format"},
                                   {"pers_acc", "length"},
                                   {"quitt_id", "pattern"},
                                   {"first_name", "encoding"},
                                   {"tech_code", "pattern"}});
}

TEST_CASE("payment QR checks the account shape of GOST R 56042-2014") {
  QrPayment p = three_whales();
  p.personal_acc = "40702810X38250123017";  // letter allowed only as the 6th character
  CHECK(problems_of(p) == Problems{{"payee.personal_acc", "pattern"}});
  p.personal_acc = "07702810138250123017";  // must not start with 0
  CHECK(problems_of(p) == Problems{{"payee.personal_acc", "pattern"}});
  p.personal_acc = "40702T10138250123017";  // 6th character from ABCEHKMPTX
  CHECK_NOTHROW(build_payment_qr(p, QrEncoding::utf8));
  p.personal_acc = "0";  // only CorrespAcc may be "0"
  CHECK(problems_of(p) == Problems{{"payee.personal_acc", "length"}});
  // A Cyrillic currency letter (as CBR 515 writes it) is one of 20 characters,
  // but the readers' pattern takes the Latin one: a pattern error, and the
  // message does not claim a wrong length.
  p.personal_acc = "40702Т10138250123017";
  const opora::Error e = error_of([&] { build_payment_qr(p, QrEncoding::utf8); });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].rule == "pattern");
  CHECK(e.field_errors()[0].message.find("Latin") != std::string::npos);
}

TEST_CASE("payment QR limits the mandatory block to 300 bytes in the chosen encoding") {
  // Block = 94 bytes of keys, separators, accounts and BIC + name + bank name.
  QrPayment p = three_whales();
  p.bank_name = repeat("Б", 45);  // 90 bytes in UTF-8
  p.name = repeat("Я", 58);       // 116 bytes: 94 + 90 + 116 = 300
  CHECK_NOTHROW(build_payment_qr(p, QrEncoding::utf8));

  p.name += "!";  // 301
  const auto e = error_of([&] { build_payment_qr(p, QrEncoding::utf8); });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "payee");
  CHECK(e.field_errors()[0].rule == "mandatory_block_size");
  CHECK(e.field_errors()[0].message.find("301 bytes in UTF-8") != std::string::npos);

  // The same text is 184 bytes in windows-1251, one per character.
  CHECK_NOTHROW(build_payment_qr(p, QrEncoding::cp1251));
  // Optional values do not count towards the limit (QRCoder issue 392).
  p.name = repeat("Я", 58);
  p.purpose = repeat("я", 210);
  CHECK_NOTHROW(build_payment_qr(p, QrEncoding::utf8));
}

TEST_CASE("payment QR counts length limits in characters, not bytes") {
  QrPayment p = three_whales();
  p.name = repeat("Щ", 160);  // 320 bytes in UTF-8, but 160 characters
  CHECK_NOTHROW(build_payment_qr(p, QrEncoding::cp1251));
  p.name += "Щ";
  CHECK(problems_of(p, QrEncoding::cp1251) == Problems{{"payee.name", "length"}});
}

// Issue 13: billing.organization.put measured the bank name in bytes, so
// «СЕВЕРО-ЗАПАДНЫЙ БАНК ПАО СБЕРБАНК» (33 characters, 62 bytes in UTF-8) was
// refused against BankName's limit of 45 characters (GOST R 56042-2014) and no
// QR could name the bank. Sberbank's North-West branch: BIK 044030653,
// correspondent account 30101810500000000653 (public requisites); the
// settlement account is keyed for that BIK (CBR 515).
TEST_CASE("a QR's bank name is limited to 45 characters, not 45 bytes, from organisation to QR") {
  opora::test::bill::BillingDb b;
  auto org = opora::test::bill::obj(R"({"type": "company", "name": "ООО Связь",
    "inn": "7707083893", "kpp": "773601001", "bank": {"account": "40702810755000000001",
    "name": "СЕВЕРО-ЗАПАДНЫЙ БАНК ПАО СБЕРБАНК", "bic": "044030653",
    "corr_account": "30101810500000000653"}})");
  b.call("billing.organization.put", org);
  b.call("billing.account.put",
         opora::test::bill::obj(R"({"number": "100001", "organization": "7707083893",
           "holder": {"type": "person", "name": "Иванов Иван Иванович"}})"));
  for (const char* encoding : {"utf-8", "windows-1251"}) {
    CAPTURE(encoding);
    const auto qr = b.call(
        "billing.qr",
        boost::json::object{{"account", "100001"}, {"amount", "100.00"}, {"encoding", encoding}});
    CHECK(std::string(qr.at("text").as_string())
              .find("|BankName=СЕВЕРО-ЗАПАДНЫЙ БАНК ПАО СБЕРБАНК|") != std::string::npos);
  }
  // 45 Cyrillic characters pass; the 46th is refused by length, in characters.
  org["bank"].as_object()["name"] = repeat("Б", 45);
  b.call("billing.organization.put", org);
  org["bank"].as_object()["name"] = repeat("Б", 46);
  const opora::Error e = b.error("billing.organization.put", org);
  CHECK(e.code() == ErrorCode::invalid);
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "bank.name");
  CHECK(e.field_errors()[0].rule == "length");
  CHECK(e.field_errors()[0].message == "must be at most 45 characters, got 46");
}

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "billing/bank_statement.hpp"
#include "core/cp1251.hpp"
#include "core/date.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using opora::test::error_of;

namespace {

using opora::Date;
using opora::ErrorCode;
using opora::billing::BankStatement;
using opora::billing::is_incoming;
using opora::billing::parse_bank_statement;

using Lines = std::vector<std::string>;
using Problems = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kOurs = "40702810200000000001";

// A one-day statement of an ISP's account shaped like kilylabs'
// tests/resources/one_day_utf8.txt ([S:KILY-TEST], billing research §2.5),
// with its balance line 45329.91 + 40000.00 - 41184.00 = 44145.91: two
// payments in (15000.00 + 25000.00) and one out (41184.00). Line n of the
// file is element n-1.
Lines statement_lines() {
  return {
      "1CClientBankExchange",                                      // 1
      "ВерсияФормата=1.03",                                        // 2
      "Кодировка=Windows",                                         // 3
      "Отправитель=Бухгалтерия",                                   // 4
      "Получатель=1С:Предприятие",                                 // 5
      "ДатаСоздания=12.01.2026",                                   // 6
      "ВремяСоздания=10:03:13",                                    // 7
      "ДатаНачала=11.01.2026",                                     // 8
      "ДатаКонца=11.01.2026",                                      // 9
      "РасчСчет=40702810200000000001",                             // 10
      "СекцияРасчСчет",                                            // 11
      "ДатаНачала=11.01.2026",                                     // 12
      "ДатаКонца=11.01.2026",                                      // 13
      "РасчСчет=40702810200000000001",                             // 14
      "НачальныйОстаток=45329.91",                                 // 15
      "ВсегоПоступило=40000.00",                                   // 16
      "ВсегоСписано=41184.00",                                     // 17
      "КонечныйОстаток=44145.91",                                  // 18
      "КонецРасчСчет",                                             // 19
      "СекцияДокумент=Платежное поручение",                        // 20
      "Номер=15",                                                  // 21
      "Дата=10.01.2026",                                           // 22
      "Сумма=15000.00",                                            // 23
      "ПлательщикСчет=40702810900000012345",                       // 24
      "ПлательщикИНН=7707083893",                                  // 25
      "Плательщик=ООО «Ромашка»",                                  // 26
      "ПлательщикБИК=044525225",                                   // 27
      "ПолучательСчет=40702810200000000001",                       // 28
      "ДатаПоступило=11.01.2026",                                  // 29
      "ПолучательИНН=6663003127",                                  // 30
      "Получатель1=ООО «Связь-Сервис»",                            // 31
      "НазначениеПлатежа=Оплата по счёту № 42, лиц. счёт 100234",  // 32
      "КонецДокумента",                                            // 33
      "СекцияДокумент=Банковский ордер",                           // 34
      "Номер=697162",                                              // 35
      "Дата=11.01.2026",                                           // 36
      "Сумма=25000",                                               // 37
      "ПлательщикСчет=40817810100000000777",                       // 38
      "Плательщик1=Иванов Иван Иванович",                          // 39
      "ПолучательСчет=40702810200000000001",                       // 40
      "Получатель=ООО «Связь-Сервис»",                             // 41
      "НазначениеПлатежа1=Оплата услуг связи",                     // 42
      "НазначениеПлатежа2=лиц. счёт 100235",                       // 43
      "КонецДокумента",                                            // 44
      "СекцияДокумент=Платежное поручение",                        // 45
      "Номер=3",                                                   // 46
      "Дата=11.01.2026",                                           // 47
      "Сумма=41184.00",                                            // 48
      "ПлательщикСчет=40702810200000000001",                       // 49
      "ДатаСписано=11.01.2026",                                    // 50
      "Плательщик=ООО «Связь-Сервис»",                             // 51
      "ПлательщикИНН=6663003127",                                  // 52
      "ПолучательСчет=40702810300000000640",                       // 53
      "ПолучательИНН=7830002293",                                  // 54
      "Получатель=ПАО «Ростелеком»",                               // 55
      "НазначениеПлатежа=Аренда каналов — договор 77",             // 56
      "КонецДокумента",                                            // 57
      "КонецФайла",                                                // 58
  };
}

std::string join(const Lines& lines, const char* eol = "\r\n") {
  std::string out;
  for (const auto& l : lines) out += l + eol;
  return out;
}

// The file as a bank client writes it: windows-1251, CRLF.
std::string cp1251_file(const Lines& lines, const char* eol = "\r\n") {
  const auto bytes = opora::utf8_to_cp1251(join(lines, eol));
  REQUIRE(bytes.has_value());
  return *bytes;
}

// cp866 for the characters the DOS fixture uses, via windows-1251 (the test
// has no encoder of its own for cp866, and the library needs none).
std::string cp866_file(const Lines& lines) {
  std::string out = cp1251_file(lines);
  for (auto& c : out) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0xC0 && b <= 0xEF) {
      c = static_cast<char>(b - 0x40);  // А..п
    } else if (b >= 0xF0) {
      c = static_cast<char>(b - 0x10);  // р..я
    } else if (b == 0xA8 || b == 0xB8 || b == 0xB9) {
      c = static_cast<char>(b == 0xA8 ? 0xF0 : b == 0xB8 ? 0xF1 : 0xFC);  // Ё ё №
    } else {
      REQUIRE(b < 0x80);  // the DOS fixture keeps to letters both code pages hold
    }
  }
  return out;
}

Lines with(Lines lines, int line, std::string text) {
  lines[static_cast<size_t>(line - 1)] = std::move(text);
  return lines;
}

Lines without(Lines lines, int line) {
  lines.erase(lines.begin() + (line - 1));
  return lines;
}

Problems problems_of(const std::string& bytes, std::optional<std::string> expected = {}) {
  const opora::Error e = error_of([&] { parse_bank_statement(bytes, expected); });
  CHECK(e.code() == ErrorCode::invalid);
  Problems out;
  for (const auto& f : e.field_errors()) out.emplace_back(f.field, f.rule);
  return out;
}

// The single "file"/"encoding" error's message.
std::string encoding_error(const std::string& bytes, std::optional<std::string> expected = {}) {
  const opora::Error e = error_of([&] { parse_bank_statement(bytes, expected); });
  CHECK(e.code() == ErrorCode::invalid);
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "file");
  CHECK(e.field_errors()[0].rule == "encoding");
  return e.field_errors()[0].message;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("bank statement reads header, balance and documents of a windows-1251 file") {
  const BankStatement s = parse_bank_statement(cp1251_file(statement_lines()), std::nullopt);
  CHECK(s.version == "1.03");
  CHECK(s.encoding == "windows-1251");
  CHECK(s.sender == "Бухгалтерия");
  CHECK(s.receiver == "1С:Предприятие");
  CHECK(s.from == Date(2026, 1, 11));
  CHECK(s.to == Date(2026, 1, 11));
  CHECK(s.accounts == std::vector<std::string>{kOurs});

  REQUIRE(s.balances.size() == 1);
  const auto& b = s.balances[0];
  CHECK(b.account == kOurs);
  CHECK(b.from == Date(2026, 1, 11));
  CHECK(b.to == Date(2026, 1, 11));
  CHECK(b.opening == 4532991);
  CHECK(b.incoming == 4000000);
  CHECK(b.outgoing == 4118400);
  CHECK(b.closing == 4414591);

  REQUIRE(s.documents.size() == 3);
  const auto& in1 = s.documents[0];
  CHECK(in1.line == 20);
  CHECK(in1.type == "Платежное поручение");
  CHECK(in1.number == "15");
  CHECK(in1.date == Date(2026, 1, 10));
  CHECK(in1.amount_minor == 1500000);
  CHECK(in1.payer_account == "40702810900000012345");
  CHECK(in1.payer_inn == "7707083893");
  CHECK(in1.payer_name == "ООО «Ромашка»");
  CHECK(in1.payee_account == kOurs);
  CHECK(in1.payee_inn == "6663003127");
  CHECK(in1.payee_name == "ООО «Связь-Сервис»");  // from Получатель1
  CHECK(in1.purpose == "Оплата по счёту № 42, лиц. счёт 100234");
  CHECK(in1.received_date == Date(2026, 1, 11));
  CHECK_FALSE(in1.written_off_date.has_value());
  CHECK(in1.fields.at("ПлательщикБИК") == "044525225");
  CHECK(in1.fields.size() == 12);

  const auto& in2 = s.documents[1];
  CHECK(in2.line == 34);
  CHECK(in2.type == "Банковский ордер");
  CHECK(in2.amount_minor == 2500000);  // "25000": no decimals
  CHECK(in2.payer_name == "Иванов Иван Иванович");
  CHECK(in2.payer_inn.empty());
  CHECK(in2.purpose == "Оплата услуг связи лиц. счёт 100235");
  CHECK_FALSE(in2.received_date.has_value());

  const auto& out = s.documents[2];
  CHECK(out.line == 45);
  CHECK(out.amount_minor == 4118400);
  CHECK(out.written_off_date == Date(2026, 1, 11));
  CHECK(out.purpose == "Аренда каналов — договор 77");

  CHECK(is_incoming(in1, kOurs));
  CHECK(is_incoming(in2, kOurs));  // bank left out ДатаПоступило
  CHECK_FALSE(is_incoming(out, kOurs));
  CHECK_FALSE(is_incoming(in1, "40702810900000012345"));  // the payer's view
}

TEST_CASE("bank statement reads LF line ends like CRLF") {
  const auto crlf = parse_bank_statement(cp1251_file(statement_lines()), std::nullopt);
  const auto lf = parse_bank_statement(cp1251_file(statement_lines(), "\n"), "windows-1251");
  REQUIRE(lf.documents.size() == crlf.documents.size());
  CHECK(lf.documents[2].fields == crlf.documents[2].fields);
  CHECK(lf.balances[0].closing == crlf.balances[0].closing);
}

TEST_CASE("bank statement checks opening + incoming - outgoing = closing") {
  const auto bytes = cp1251_file(with(statement_lines(), 18, "КонечныйОстаток=44145.90"));
  CHECK(problems_of(bytes) == Problems{{"lines[18].КонечныйОстаток", "balance_invariant"}});
  // An overdraft is a negative balance, which is fine.
  auto lines = with(statement_lines(), 15, "НачальныйОстаток=-100.00");
  lines = with(lines, 18, "КонечныйОстаток=-1284.00");
  CHECK(parse_bank_statement(cp1251_file(lines), std::nullopt).balances[0].opening == -10000);
}

TEST_CASE("bank statement names a missing key on its section's first line") {
  CHECK(problems_of(cp1251_file(without(statement_lines(), 23))) ==
        Problems{{"lines[20].Сумма", "required"}});
  CHECK(problems_of(cp1251_file(with(statement_lines(), 40, "ПолучательСчет="))) ==
        Problems{{"lines[34].ПолучательСчет", "required"}});
  CHECK(problems_of(cp1251_file(without(statement_lines(), 9))) ==
        Problems{{"lines[1].ДатаКонца", "required"}});
  CHECK(problems_of(cp1251_file(without(statement_lines(), 3))) ==
        Problems{{"lines[1].Кодировка", "required"}});
  CHECK(problems_of(cp1251_file(without(statement_lines(), 10))) ==
        Problems{{"lines[1].РасчСчет", "required"}});
}

TEST_CASE("bank statement takes dates as dd.mm.yyyy only") {
  // "2.12.01" is the bad date 1C's own import complains about ([S:1C-ERR]).
  CHECK(problems_of(cp1251_file(with(statement_lines(), 22, "Дата=2.12.01"))) ==
        Problems{{"lines[22].Дата", "date"}});
  CHECK(problems_of(cp1251_file(with(statement_lines(), 29, "ДатаПоступило=31.02.2026"))) ==
        Problems{{"lines[29].ДатаПоступило", "date"}});
  CHECK(problems_of(cp1251_file(with(statement_lines(), 8, "ДатаНачала=2026-01-11"))) ==
        Problems{{"lines[8].ДатаНачала", "date"}});
  CHECK(problems_of(cp1251_file(with(statement_lines(), 9, "ДатаКонца=10.01.2026"))) ==
        Problems{{"lines[9].ДатаКонца", "date_range"}});
}

TEST_CASE("bank statement takes amounts with a dot and at most two decimals") {
  for (const char* bad : {"Сумма=15000,00", "Сумма=15 000.00", "Сумма=150.001", "Сумма=150.",
                          "Сумма=.50", "Сумма=-15000.00", "Сумма=123456789012345678901.00"}) {
    CAPTURE(bad);
    CHECK(problems_of(cp1251_file(with(statement_lines(), 23, bad))) ==
          Problems{{"lines[23].Сумма", "amount"}});
  }
  const auto s =
      parse_bank_statement(cp1251_file(with(statement_lines(), 23, "Сумма=0.5")), std::nullopt);
  CHECK(s.documents[0].amount_minor == 50);
}

TEST_CASE("bank statement reports a section cut off before its end marker") {
  // The last document loses its КонецДокумента: EOF-like, КонецФайла comes first.
  CHECK(problems_of(cp1251_file(without(statement_lines(), 57))) ==
        Problems{{"lines[45]", "unterminated_section"}});
  // A document runs into the next one.
  CHECK(problems_of(cp1251_file(without(statement_lines(), 33))) ==
        Problems{{"lines[20]", "unterminated_section"}});
  // The file ends inside a document.
  Lines cut = statement_lines();
  cut.resize(50);
  CHECK(problems_of(cp1251_file(cut)) ==
        Problems{{"lines[45]", "unterminated_section"}, {"file", "missing_end"}});
  CHECK(problems_of(cp1251_file(without(statement_lines(), 19))) ==
        Problems{{"lines[11]", "unterminated_section"}});
}

TEST_CASE("bank statement requires КонецФайла") {
  CHECK(problems_of(cp1251_file(without(statement_lines(), 58))) ==
        Problems{{"file", "missing_end"}});
}

TEST_CASE("bank statement refuses lines it does not understand") {
  auto lines = statement_lines();
  lines.insert(lines.begin() + 24, "Какой-то текст без равенства");  // becomes line 25
  CHECK(problems_of(cp1251_file(lines)) == Problems{{"lines[25]", "unknown_line"}});
  // An end marker outside its section.
  CHECK(problems_of(cp1251_file(with(statement_lines(), 11, "КонецРасчСчет"))) ==
        Problems{{"lines[11]", "unknown_line"}, {"lines[19]", "unknown_line"}});
  // Two files glued together: everything after КонецФайла.
  auto glued = statement_lines();
  glued.push_back("1CClientBankExchange");
  CHECK(problems_of(cp1251_file(glued)) == Problems{{"lines[59]", "unknown_line"}});
  // Blank lines are fine.
  auto blank = statement_lines();
  blank.insert(blank.begin() + 19, "");
  CHECK(parse_bank_statement(cp1251_file(blank), std::nullopt).documents[0].line == 21);
}

TEST_CASE("bank statement reports every problem of the file at once") {
  auto lines = statement_lines();
  lines = with(lines, 18, "КонечныйОстаток=1.00");
  lines = with(lines, 22, "Дата=32.01.2026");
  lines = with(lines, 37, "Сумма=25000,00");
  lines = without(lines, 49);  // ПлательщикСчет of the third document
  lines.pop_back();            // КонецФайла
  CHECK(problems_of(cp1251_file(lines)) ==
        Problems{{"lines[18].КонечныйОстаток", "balance_invariant"},
                 {"lines[22].Дата", "date"},
                 {"lines[37].Сумма", "amount"},
                 {"lines[45].ПлательщикСчет", "required"},
                 {"file", "missing_end"}});
}

TEST_CASE("bank statement reads a DOS (cp866) file") {
  const Lines dos = {"1CClientBankExchange",
                     "ВерсияФормата=1.02",
                     "Кодировка=DOS",
                     "ДатаНачала=01.02.2026",
                     "ДатаКонца=01.02.2026",
                     "РасчСчет=40702810200000000001",
                     "СекцияДокумент=Платежное поручение",
                     "Номер=7",
                     "Дата=01.02.2026",
                     "Сумма=1500.50",
                     "ПлательщикСчет=40817810100000000777",
                     "Плательщик=Семёнов Пётр",
                     "ПолучательСчет=40702810200000000001",
                     "ДатаПоступило=01.02.2026",
                     "НазначениеПлатежа=Оплата интернета, лицевой счёт №100236",
                     "КонецДокумента",
                     "КонецФайла"};
  const std::string bytes = cp866_file(dos);
  for (const auto& expected : {std::optional<std::string>{}, std::optional<std::string>{"cp866"}}) {
    const auto s = parse_bank_statement(bytes, expected);
    CHECK(s.encoding == "cp866");
    REQUIRE(s.documents.size() == 1);
    CHECK(s.documents[0].payer_name == "Семёнов Пётр");
    CHECK(s.documents[0].purpose == "Оплата интернета, лицевой счёт №100236");
    CHECK(s.documents[0].amount_minor == 150050);
    CHECK(is_incoming(s.documents[0], kOurs));
  }
  CHECK(mentions(encoding_error(bytes, "windows-1251"), "windows-1251"));
}

TEST_CASE("bank statement refuses a UTF-8 file declared as Windows unless told utf-8") {
  const std::string utf8 = join(statement_lines());
  const std::string message = encoding_error(utf8);
  CHECK(mentions(message, "UTF-8"));
  CHECK(mentions(message, "Кодировка=Windows"));
  CHECK(mentions(encoding_error(utf8, "windows-1251"), "UTF-8"));
  // Without its Кодировка line the bytes still give it away.
  CHECK(mentions(encoding_error(join(without(statement_lines(), 3))), "UTF-8"));

  const auto s = parse_bank_statement(utf8, "utf-8");
  CHECK(s.encoding == "utf-8");
  CHECK(s.documents.size() == 3);
  CHECK(s.documents[2].purpose == "Аренда каналов — договор 77");
}

TEST_CASE("bank statement skips a UTF-8 byte order mark only when UTF-8 is expected") {
  const std::string bom_file = "\xEF\xBB\xBF" + join(statement_lines());
  const auto s = parse_bank_statement(bom_file, "utf-8");
  CHECK(s.documents.size() == 3);
  CHECK(s.documents[0].line == 20);  // the mark is not a line
  CHECK(mentions(encoding_error(bom_file), "byte order mark"));
  CHECK(
      mentions(encoding_error("\xEF\xBB\xBF" + cp1251_file(statement_lines())), "byte order mark"));
}

TEST_CASE("bank statement refuses a declaration the bytes contradict") {
  // windows-1251 bytes saying DOS.
  CHECK(mentions(encoding_error(cp1251_file(with(statement_lines(), 3, "Кодировка=DOS"))),
                 "Кодировка=Windows"));
  CHECK(mentions(encoding_error(cp1251_file(with(statement_lines(), 3, "Кодировка=KOI8"))),
                 "Windows (windows-1251) or DOS (cp866)"));
  CHECK(mentions(encoding_error(cp1251_file(statement_lines()), "cp866"), "cp866"));
  CHECK(mentions(encoding_error(cp1251_file(statement_lines()), "utf-8"), "line 2"));
}

TEST_CASE("bank statement refuses bytes undefined in windows-1251") {
  std::string bytes = cp1251_file(statement_lines());
  const size_t at = bytes.find("\r\n", bytes.find(*opora::utf8_to_cp1251("Номер=15"))) - 1;
  bytes[at] = '\x98';  // line 21
  CHECK(mentions(encoding_error(bytes), "line 21"));
}

TEST_CASE("bank statement requires the 1CClientBankExchange first line") {
  CHECK(
      mentions(encoding_error(cp1251_file(without(statement_lines(), 1))), "1CClientBankExchange"));
  CHECK(mentions(encoding_error(""), "1CClientBankExchange"));
  // UTF-16 text never shows the ASCII marker.
  CHECK(mentions(encoding_error(std::string("\xFF\xFE\x31\x00\x43\x00", 6)), "encoding other"));
}

TEST_CASE("bank statement names an unknown expected encoding") {
  const auto e = error_of([] { parse_bank_statement("1CClientBankExchange\r\n", "koi8-r"); });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "expected_encoding");
  CHECK(e.field_errors()[0].rule == "encoding");
}

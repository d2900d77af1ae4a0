// Reading a bank statement in the 1CClientBankExchange text format: the file
// every Russian bank's client exports for 1C:Accounting, and the way payments
// by bank transfer reach the billing.
//
// The format (1C standard v1.02/1.03) is one "Key=Value" per line, CRLF or LF,
// in windows-1251 ("Кодировка=Windows") or cp866 ("Кодировка=DOS"): a header,
// then balance sections (СекцияРасчСчет … КонецРасчСчет), then documents
// (СекцияДокумент=<type> … КонецДокумента), then КонецФайла. Dates are
// dd.mm.yyyy, amounts use a dot and at most two decimals. Nothing in it
// identifies a transaction uniquely; callers dedupe on a composite key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"

namespace opora::billing {

// One СекцияДокумент. All text is UTF-8, whatever the file's encoding. A
// name the bank puts in Плательщик1/Получатель1 is read from there; a purpose
// split over НазначениеПлатежа1..6 is joined with spaces.
struct StatementDocument {
  int line;                                   // 1-based line of СекцияДокумент
  std::string type;                           // "Платежное поручение", …
  std::string number;                         // Номер (banks restart these: not unique)
  Date date;                                  // Дата
  int64_t amount_minor;                       // Сумма in kopecks
  std::string payer_account;                  // ПлательщикСчет
  std::string payer_inn;                      // ПлательщикИНН ("" when absent)
  std::string payer_name;                     // Плательщик or Плательщик1
  std::string payee_account;                  // ПолучательСчет
  std::string payee_inn;                      // ПолучательИНН ("" when absent)
  std::string payee_name;                     // Получатель or Получатель1
  std::string purpose;                        // НазначениеПлатежа
  std::optional<Date> received_date;          // ДатаПоступило: credited to the payee
  std::optional<Date> written_off_date;       // ДатаСписано: debited from the payer
  std::map<std::string, std::string> fields;  // every Key=Value of the section, verbatim
};

// One СекцияРасчСчет. Amounts in kopecks; a balance may be negative
// (overdraft). opening + incoming - outgoing == closing is checked. `to` is
// ДатаНачала when the bank omits ДатаКонца.
struct StatementBalance {
  std::string account;  // РасчСчет
  Date from, to;        // ДатаНачала, ДатаКонца
  int64_t opening, incoming, outgoing, closing;
};

struct BankStatement {
  std::string version;                // ВерсияФормата, e.g. "1.03"
  std::string encoding;               // as read: "windows-1251", "cp866" or "utf-8"
  std::string sender, receiver;       // Отправитель, Получатель, or ""
  Date from, to;                      // ДатаНачала, ДатаКонца of the header
  std::vector<std::string> accounts;  // header РасчСчет values, in order
  std::vector<StatementBalance> balances;
  std::vector<StatementDocument> documents;
};

// Parses the raw bytes of a 1CClientBankExchange file.
//
// `expected_encoding` is "windows-1251", "cp866" or "utf-8"; nullopt reads the
// file's own Кодировка, which is spelt in the encoding it names. A UTF-8 file
// (with or without a byte order mark) is refused unless "utf-8" is passed:
// such a file breaks the standard, and 1C itself would show it garbled. A
// declaration that contradicts the bytes or the expected encoding is refused.
// With "utf-8" the declaration is not checked: the caller has vouched for the
// bytes, and such exports still say Кодировка=Windows.
//
// Whole-file problems throw Error(invalid) with the single field "file", rule
// "encoding" (undecodable bytes, a contradicting declaration, or a first line
// that is not "1CClientBankExchange"). An unknown `expected_encoding` throws
// Error(invalid) for the field "expected_encoding", rule "encoding".
//
// Otherwise every problem of the file is collected and thrown at once as
// Error(invalid). Field paths name a line: "lines[57].Сумма" is the value on
// line 57; a missing key is reported on the first line of its section, e.g.
// "lines[40].Сумма" for the document starting on line 40, "lines[1].ДатаКонца"
// for the header; "lines[12]" is line 12 as a whole, "file" the whole file.
// Line numbers are 1-based, as editors show them. Rules: "required", "date"
// (not a real dd.mm.yyyy date), "date_range" (ДатаКонца before ДатаНачала),
// "amount", "balance_invariant", "unterminated_section" (a new section or the
// end of the file before КонецДокумента/КонецРасчСчет), "missing_end" (no
// КонецФайла), "unknown_line" (a line without '=' that is no section marker,
// an end marker outside its section, or text after КонецФайла). The keys of
// an unterminated section are not checked: it is incomplete by definition, and
// reporting what it lacks would bury the one real problem.
BankStatement parse_bank_statement(std::string_view raw_bytes,
                                   const std::optional<std::string>& expected_encoding);

// Whether `doc` credits `our_account`: its payee account is ours and the bank
// set ДатаПоступило, or, when the bank omits ДатаПоступило, the document is
// not a debit of that same account (ПлательщикСчет ours with ДатаСписано).
bool is_incoming(const StatementDocument& doc, const std::string& our_account);

}  // namespace opora::billing

// Payment QR text per GOST R 56042-2014 ("ST00012|Name=…|PersonalAcc=…"):
// what a subscriber's banking app scans from an invoice to pre-fill a
// transfer to the provider.
//
// The payload is built from a QrPayment in a fixed key order, checked as a
// whole (every problem is reported at once) and encoded in windows-1251 or
// UTF-8. Rendering the QR symbol itself is left to the host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/date.hpp"

namespace opora::billing {

// One payment request. The first five values form the GOST's mandatory block;
// every optional value that is set is emitted, unset ones are left out.
// Field names in errors are given beside each member. TechCode 09 is
// "internet and TV", the one an ISP uses.
struct QrPayment {
  std::string name;          // Name         "payee.name": 1-160 characters
  std::string personal_acc;  // PersonalAcc  "payee.personal_acc": 20 characters
  std::string bank_name;     // BankName     "payee.bank_name": 1-45 characters
  std::string bic;           // BIC          "payee.bic": 9 digits
  std::string corresp_acc;   // CorrespAcc   "payee.corresp_acc": 20 characters, or "0"

  std::optional<int64_t> sum_kopecks;        // Sum          "sum": 1..10^18-1
  std::optional<std::string> purpose;        // Purpose      "purpose": 1-210 characters
  std::optional<std::string> payee_inn;      // PayeeINN     "payee.inn": checked INN
  std::optional<std::string> kpp;            // KPP          "payee.kpp"
  std::optional<std::string> pers_acc;       // PersAcc      "pers_acc": subscriber account
  std::optional<std::string> quitt_id;       // QuittId      "quitt_id": invoice number
  std::optional<std::string> last_name;      // LastName     "last_name"
  std::optional<std::string> first_name;     // FirstName    "first_name"
  std::optional<std::string> middle_name;    // MiddleName   "middle_name"
  std::optional<std::string> payer_address;  // PayerAddress "payer_address"
  std::optional<std::string> tech_code;      // TechCode     "tech_code": "01".."15"
  std::optional<Date> quitt_date;            // QuittDate    written dd.MM.yyyy
};

// The GOST also defines KOI8-R (3); no Russian bank app needs it over these.
enum class QrEncoding { utf8, cp1251 };

struct QrResult {
  std::string text_utf8;  // the payload as text, always UTF-8 (for logs and display)
  std::string bytes;      // the payload exactly as it goes into the QR symbol
  char separator;         // '|' unless a value contains one
};

// Builds the payload "ST0001<1|2><sep>Name=…<sep>PersonalAcc=…<sep>BankName=…
// <sep>BIC=…<sep>CorrespAcc=…" followed by the optional values that are set,
// in this order: Sum, Purpose, PayeeINN, KPP, PersAcc, QuittId, QuittDate,
// LastName, FirstName, MiddleName, PayerAddress, TechCode. No separator
// follows the last value.
//
// Throws Error(validation) listing every problem at once. Rules: "required",
// "length" (counted in characters, not bytes), "pattern" (account shape, tech
// code, control characters), "range" (sum), "bik_format", "inn_format",
// "inn_checksum", "kpp_format" (as in core/requisites.hpp), "encoding" (not
// well-formed UTF-8), "cp1251" (a character windows-1251 cannot hold, when
// that encoding is asked for), "mandatory_block_size" (field "payee": the
// mandatory block exceeds 300 bytes in the chosen encoding) and "separator"
// (field "payment": every separator candidate occurs in some value).
QrResult build_payment_qr(const QrPayment& payment, QrEncoding encoding);

}  // namespace opora::billing

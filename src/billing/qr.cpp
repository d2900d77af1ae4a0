#include "billing/qr.hpp"

#include <cstddef>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cp1251.hpp"
#include "core/error.hpp"
#include "core/requisites.hpp"

namespace opora::billing {
namespace {

// GOST R 56042-2014 caps the mandatory block (everything after the 8-byte
// "ST0001<enc><sep>" prefix up to the end of CorrespAcc) at 300 bytes in the
// payload's encoding. With the character limits below a windows-1251 block
// is at most 299 bytes, so in practice only UTF-8 Cyrillic names can break it.
constexpr size_t kMandatoryBlockLimit = 300;

// When a value contains '|', the first of these that occurs in no value
// becomes the separator (GOST §5.2.1 as QRCoder implements it, per billing
// research §2.3; same candidates and order, so both libraries agree).
constexpr std::string_view kSeparators = "|#;:^_~{}!$%&()*+,/@";

constexpr int64_t kMaxSumKopecks = 999'999'999'999'999'999;  // Sum is ^\d{1,18}$
constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();

struct Entry {
  const char* key;
  std::string value;
};

class Validator {
 public:
  Validator(QrEncoding encoding, FieldErrors& errors) : encoding_(encoding), errors_(errors) {}

  // Free text: well-formed UTF-8 without control characters (QRCoder's
  // `^.{1,160}$` patterns refuse line breaks too, and a payment field has no
  // use for them), 1..max_chars characters, and representable in
  // windows-1251 when that is the payload's encoding.
  // Reports at most one problem per value, like core/requisites.
  void text(const std::string& value, const std::string& field, size_t max_chars, bool mandatory) {
    if (value.empty()) {
      if (mandatory) {
        errors_.add(field, "required", "is required");
      } else {
        errors_.add(field, "length", "must not be empty; leave it unset instead");
      }
      return;
    }
    const auto chars = utf8_length(value);
    if (!chars) {
      errors_.add(field, "encoding", "is not well-formed UTF-8");
      return;
    }
    for (char c : value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        errors_.add(field, "pattern", "must not contain control characters (line breaks, tabs)");
        return;
      }
    }
    if (*chars > max_chars) {
      errors_.add(field, "length",
                  "must have at most " + std::to_string(max_chars) + " characters, got " +
                      std::to_string(*chars));
      return;
    }
    size_t bad = 0;
    if (encoding_ == QrEncoding::cp1251 && !utf8_to_cp1251(value, &bad)) {
      const auto prefix = utf8_length(std::string_view(value).substr(0, bad)).value_or(0);
      errors_.add(field, "cp1251",
                  "character " + std::to_string(prefix + 1) +
                      " cannot be written in windows-1251; use the UTF-8 encoding or "
                      "replace it");
    }
  }

  // PersonalAcc and CorrespAcc: ^[1-9]\d{4}[0-9ABCEHKMPTX]\d{14}$ (the 6th
  // character may be a Latin letter in some special-purpose account numbers).
  void account(const std::string& value, const std::string& field, bool zero_allowed) {
    if (value.empty()) {
      errors_.add(field, "required", "is required");
      return;
    }
    if (zero_allowed && value == "0") return;
    const size_t length = utf8_length(value).value_or(value.size());
    if (length != 20) {
      errors_.add(field, "length", "must have 20 characters, got " + std::to_string(length));
      return;
    }
    // 20 characters in more than 20 bytes: a Cyrillic currency letter (CBR
    // 515 writes them so), which the pattern QR readers apply refuses.
    bool ok = value.size() == 20 && value[0] >= '1' && value[0] <= '9';
    for (size_t i = 1; i < value.size() && ok; ++i) {
      const char c = value[i];
      ok = (c >= '0' && c <= '9') ||
           (i == 5 && std::string_view("ABCEHKMPTX").find(c) != std::string_view::npos);
    }
    if (!ok) {
      errors_.add(field, "pattern",
                  "must be 20 digits not starting with 0 (the 6th may be one of the Latin "
                  "letters ABCEHKMPTX)");
    }
  }

  void bic(const std::string& value, const std::string& field) {
    if (value.empty()) {
      errors_.add(field, "required", "is required");
      return;
    }
    requisites::check_bik(value, field, errors_);
  }

  void sum(int64_t kopecks) {
    if (kopecks < 1 || kopecks > kMaxSumKopecks) {
      errors_.add("sum", "range",
                  "must be from 1 to 999999999999999999 kopecks, got " + std::to_string(kopecks));
    }
  }

  void tech_code(const std::string& value) {
    const bool digits = value.size() == 2 && value[0] >= '0' && value[0] <= '1' &&
                        value[1] >= '0' && value[1] <= '9';
    const int code = digits ? (value[0] - '0') * 10 + (value[1] - '0') : 0;
    if (code < 1 || code > 15) {
      errors_.add("tech_code", "pattern", "must be two digits from 01 to 15");
    }
  }

 private:
  QrEncoding encoding_;
  FieldErrors& errors_;
};

std::string ddmmyyyy(const Date& d) {
  std::string iso = d.to_string();  // YYYY-MM-DD
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4);
}

size_t encoded_size(std::string_view utf8, QrEncoding encoding) {
  // Called only on values already checked to be valid (and cp1251-clean when
  // that is the encoding), where windows-1251 spends one byte per character.
  return encoding == QrEncoding::cp1251 ? utf8_length(utf8).value_or(0) : utf8.size();
}

}  // namespace

QrResult build_payment_qr(const QrPayment& p, QrEncoding encoding) {
  FieldErrors errors;
  Validator check(encoding, errors);

  check.text(p.name, "payee.name", 160, true);
  check.account(p.personal_acc, "payee.personal_acc", false);
  check.text(p.bank_name, "payee.bank_name", 45, true);
  check.bic(p.bic, "payee.bic");
  check.account(p.corresp_acc, "payee.corresp_acc", true);
  const bool mandatory_ok = errors.empty();

  if (p.sum_kopecks) check.sum(*p.sum_kopecks);
  // QRCoder caps Purpose at 160; other sources give 210 (billing research
  // §2.3, unverified). 210 is the purpose field of a payment order, so any
  // purpose a bank accepts in an order also fits the QR.
  if (p.purpose) check.text(*p.purpose, "purpose", 210, false);
  if (p.payee_inn) requisites::check_inn(*p.payee_inn, "payee.inn", errors);
  if (p.kpp) requisites::check_kpp(*p.kpp, "payee.kpp", errors);
  if (p.pers_acc) check.text(*p.pers_acc, "pers_acc", kNoLimit, false);
  if (p.quitt_id) check.text(*p.quitt_id, "quitt_id", kNoLimit, false);
  if (p.last_name) check.text(*p.last_name, "last_name", kNoLimit, false);
  if (p.first_name) check.text(*p.first_name, "first_name", kNoLimit, false);
  if (p.middle_name) check.text(*p.middle_name, "middle_name", kNoLimit, false);
  if (p.payer_address) check.text(*p.payer_address, "payer_address", kNoLimit, false);
  if (p.tech_code) check.tech_code(*p.tech_code);

  std::vector<Entry> entries = {{"Name", p.name},
                                {"PersonalAcc", p.personal_acc},
                                {"BankName", p.bank_name},
                                {"BIC", p.bic},
                                {"CorrespAcc", p.corresp_acc}};
  if (mandatory_ok) {
    size_t block = entries.size() - 1;  // the separators between the five
    for (const auto& e : entries) {
      block += std::string_view(e.key).size() + 1 + encoded_size(e.value, encoding);
    }
    if (block > kMandatoryBlockLimit) {
      errors.add("payee", "mandatory_block_size",
                 "Name, PersonalAcc, BankName, BIC and CorrespAcc take " + std::to_string(block) +
                     " bytes in " + (encoding == QrEncoding::cp1251 ? "windows-1251" : "UTF-8") +
                     "; GOST R 56042-2014 allows at most 300 (shorten the names" +
                     (encoding == QrEncoding::utf8 ? " or use windows-1251)" : ")"));
    }
  }

  const auto optional = [&entries](const char* key, const std::optional<std::string>& v) {
    if (v) entries.push_back({key, *v});
  };
  if (p.sum_kopecks) entries.push_back({"Sum", std::to_string(*p.sum_kopecks)});
  optional("Purpose", p.purpose);
  optional("PayeeINN", p.payee_inn);
  optional("KPP", p.kpp);
  optional("PersAcc", p.pers_acc);
  optional("QuittId", p.quitt_id);
  if (p.quitt_date) entries.push_back({"QuittDate", ddmmyyyy(*p.quitt_date)});
  optional("LastName", p.last_name);
  optional("FirstName", p.first_name);
  optional("MiddleName", p.middle_name);
  optional("PayerAddress", p.payer_address);
  optional("TechCode", p.tech_code);

  char separator = '\0';
  for (char candidate : kSeparators) {
    bool used = false;
    for (const auto& e : entries) used = used || e.value.find(candidate) != std::string::npos;
    if (!used) {
      separator = candidate;
      break;
    }
  }
  if (separator == '\0') {
    errors.add("payment", "separator",
               "every separator character allowed by GOST R 56042-2014 (" +
                   std::string(kSeparators) + ") occurs in some value");
  }
  errors.throw_if_any(ErrorCode::validation);

  QrResult result;
  result.separator = separator;
  result.text_utf8 = std::string("ST0001") + (encoding == QrEncoding::cp1251 ? '1' : '2');
  // No separator after the last value. QRCoder appends one; most generators
  // in the wild end at the last value, and a reader that splits on the
  // separator gets an empty trailing field from QRCoder's form, nothing more.
  // Whether the GOST text demands either form is unverified (billing research
  // §2.3 marks it [V]); revisit if a bank app refuses this form.
  for (const auto& e : entries) {
    result.text_utf8 += separator;
    result.text_utf8 += e.key;
    result.text_utf8 += '=';
    result.text_utf8 += e.value;
  }
  if (encoding == QrEncoding::utf8) {
    result.bytes = result.text_utf8;
  } else {
    auto bytes = utf8_to_cp1251(result.text_utf8);
    // Every value was checked above, so this is a bug in opora.
    if (!bytes) throw Error(ErrorCode::internal, "payment QR text escaped the cp1251 check");
    result.bytes = std::move(*bytes);
  }
  return result;
}

}  // namespace opora::billing

#include "core/requisites.hpp"

#include <array>
#include <cstddef>
#include <optional>

#include "core/date.hpp"
#include "core/text.hpp"

namespace opora::requisites {
namespace {

using opora::detail::is_ascii_digit;

int digit_at(std::string_view s, size_t i) noexcept {
  return s[i] - '0';
}

bool all_digits(std::string_view s) noexcept {
  for (char c : s)
    if (!is_ascii_digit(c)) return false;
  return true;
}

// Non-digits are reported before the length: a Cyrillic look-alike letter takes
// two bytes, and "got 11 digits" for a 10-character string would mislead.
// `name` is a literal: nothing is built unless a problem is reported.
bool has_shape(std::string_view value, size_t length, const char* name, const std::string& field,
               const char* rule, FieldErrors& out) {
  if (!all_digits(value)) {
    out.add(field, rule, std::string(name) + " must consist of the digits 0-9 only");
    return false;
  }
  if (value.size() != length) {
    out.add(field, rule,
            std::string(name) + " must have " + std::to_string(length) + " digits, got " +
                std::to_string(value.size()));
    return false;
  }
  return true;
}

bool check_digit_is(std::string_view value, size_t pos, int expected, const char* name,
                    const std::string& field, const char* rule, FieldErrors& out) {
  const int actual = digit_at(value, pos);
  if (actual == expected) return true;
  out.add(field, rule,
          std::string(name) + " check digit (position " + std::to_string(pos + 1) + ") is " +
              std::to_string(actual) + ", expected " + std::to_string(expected));
  return false;
}

// Remainder of a long decimal number without building the number, so any
// length is safe from overflow.
int decimal_mod(std::string_view digits, int modulus) noexcept {
  int r = 0;
  for (char c : digits) r = (r * 10 + (c - '0')) % modulus;
  return r;
}

// Every INN check digit uses a suffix of the same weight row: INN-10 the last
// 9, the 11th digit of INN-12 the last 10, the 12th all 11.
constexpr std::array<int, 11> kInnWeights = {3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8};

int inn_check_digit(std::string_view value, size_t count) noexcept {
  const size_t offset = kInnWeights.size() - count;
  int sum = 0;
  for (size_t i = 0; i < count; ++i) sum += digit_at(value, i) * kInnWeights[offset + i];
  return sum % 11 % 10;
}

bool inn_prefix_ok(std::string_view value, const std::string& field, FieldErrors& out) {
  if (value[0] != '0' || value[1] != '0') return true;
  out.add(field, "inn_format", "INN cannot start with 00 (FNS XSD)");
  return false;
}

bool inn10_digits_ok(std::string_view value, const std::string& field, FieldErrors& out) {
  return inn_prefix_ok(value, field, out) &&
         check_digit_is(value, 9, inn_check_digit(value, 9), "INN", field, "inn_checksum", out);
}

bool inn12_digits_ok(std::string_view value, const std::string& field, FieldErrors& out) {
  // The 12th digit is computed over the 11th, so a wrong 11th is the one to report.
  return inn_prefix_ok(value, field, out) &&
         check_digit_is(value, 10, inn_check_digit(value, 10), "INN", field, "inn_checksum", out) &&
         check_digit_is(value, 11, inn_check_digit(value, 11), "INN", field, "inn_checksum", out);
}

bool is_latin_capital(char c) noexcept {
  return c >= 'A' && c <= 'Z';
}

// Kazakh IIN/BIN check digit, or -1 when both weightings give 10: such a
// prefix is never issued, so no final digit can make it valid.
int kz_check_digit(std::string_view value) noexcept {
  int sum = 0;
  for (size_t i = 0; i < 11; ++i) sum += digit_at(value, i) * static_cast<int>(i + 1);
  int r = sum % 11;
  if (r != 10) return r;
  sum = 0;
  for (size_t i = 0; i < 11; ++i) sum += digit_at(value, i) * static_cast<int>((i + 2) % 11 + 1);
  r = sum % 11;
  return r == 10 ? -1 : r;
}

bool kz_checksum_ok(std::string_view value, const char* name, const std::string& field,
                    const char* rule, FieldErrors& out) {
  const int expected = kz_check_digit(value);
  if (expected < 0) {
    out.add(field, rule,
            std::string(name) +
                " digits 1-11 admit no check digit (both weightings give 10), so this number "
                "cannot have been issued");
    return false;
  }
  return check_digit_is(value, 11, expected, name, field, rule, out);
}

std::string two_digits(int v) {
  return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

constexpr std::array<int, 3> kAccountWeights = {7, 1, 3};

// CBR 515 takes "0" + BIK digits 5-6 (the RKC number) for accounts kept at the
// Bank of Russia itself, and BIK digits 7-9 for accounts at a credit institution.
bool held_at_bank_of_russia(std::string_view bik, std::string_view account) noexcept {
  // A bank's correspondent account and a treasury's single account (ЕКС) are
  // both opened at the Bank of Russia, even when quoted with the bank's BIK.
  if (account.substr(0, 5) == "30101" || account.substr(0, 5) == "40102") return true;
  // Bank of Russia units are numbered 000 (RKC), 001 and 002 within a region;
  // credit institutions get 050..999, so the ranges cannot collide.
  const std::string_view unit = bik.substr(6, 3);
  return unit == "000" || unit == "001" || unit == "002";
}

// The clearing-currency letters CBR 515 allows in the 6th place of an
// account and the digit each stands for in the key: А 0, В 1, С 2, Е 3, Н 4,
// К 5, М 6, Р 7, Т 8, Х 9. The order writes them in Cyrillic; payment QR
// codes and many bank systems write the Latin letters of the same shape, so
// both are read.
int currency_letter_digit(std::string_view account, size_t at, size_t& width) noexcept {
  static constexpr std::array<std::string_view, 10> kCyrillic = {
      "\xD0\x90", "\xD0\x92", "\xD0\xA1", "\xD0\x95", "\xD0\x9D",
      "\xD0\x9A", "\xD0\x9C", "\xD0\xA0", "\xD0\xA2", "\xD0\xA5"};
  static constexpr std::string_view kLatin = "ABCEHKMPTX";
  width = 1;
  if (at < account.size()) {
    if (const size_t i = kLatin.find(account[at]); i != std::string_view::npos)
      return static_cast<int>(i);
  }
  width = 2;
  for (size_t i = 0; i < kCyrillic.size(); ++i)
    if (account.substr(at, 2) == kCyrillic[i]) return static_cast<int>(i);
  width = 0;
  return -1;
}

// The 20 digits an account number stands for: its own digits, with a
// currency letter in the 6th place read as its digit (CBR 515). Reports
// `account_format` when the value is not 20 such characters.
std::optional<std::array<char, 20>> account_digits(std::string_view account,
                                                   const std::string& field, FieldErrors& out) {
  std::array<char, 20> digits{};
  size_t pos = 0;
  size_t count = 0;
  bool ok = true;
  while (pos < account.size() && ok) {
    if (is_ascii_digit(account[pos])) {
      if (count < digits.size()) digits[count] = account[pos];
      ++pos;
    } else if (count == 5) {
      size_t width = 0;
      const int d = currency_letter_digit(account, pos, width);
      if (d < 0) {
        ok = false;
        break;
      }
      digits[count] = static_cast<char>('0' + d);
      pos += width;
    } else {
      ok = false;
      break;
    }
    ++count;
  }
  if (!ok) {
    out.add(field, "account_format",
            "account number must consist of digits; only the 6th may be a currency letter "
            "(А В С Е Н К М Р Т Х, CBR 515)");
    return std::nullopt;
  }
  if (count != 20) {
    out.add(field, "account_format",
            "account number must have 20 digits, got " + std::to_string(count));
    return std::nullopt;
  }
  return digits;
}

}  // namespace

bool check_inn(std::string_view value, const std::string& field, FieldErrors& out) {
  if (!all_digits(value)) {
    out.add(field, "inn_format", "INN must consist of the digits 0-9 only");
    return false;
  }
  if (value.size() == 10) return inn10_digits_ok(value, field, out);
  if (value.size() == 12) return inn12_digits_ok(value, field, out);
  out.add(field, "inn_format",
          "INN must have 10 digits (organisation) or 12 digits (individual), got " +
              std::to_string(value.size()));
  return false;
}

bool check_inn10(std::string_view value, const std::string& field, FieldErrors& out) {
  return has_shape(value, 10, "organisation INN", field, "inn_format", out) &&
         inn10_digits_ok(value, field, out);
}

bool check_inn12(std::string_view value, const std::string& field, FieldErrors& out) {
  return has_shape(value, 12, "individual INN", field, "inn_format", out) &&
         inn12_digits_ok(value, field, out);
}

bool check_kpp(std::string_view value, const std::string& field, FieldErrors& out) {
  for (char c : value) {
    if (!is_ascii_digit(c) && !is_latin_capital(c)) {
      out.add(field, "kpp_format", "KPP must consist of digits and Latin capital letters only");
      return false;
    }
  }
  if (value.size() != 9) {
    out.add(field, "kpp_format", "KPP must have 9 characters, got " + std::to_string(value.size()));
    return false;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (i != 4 && i != 5 && !is_ascii_digit(value[i])) {
      out.add(field, "kpp_format", "only the 5th and 6th characters of a KPP may be letters");
      return false;
    }
  }
  if (value[0] == '0' && value[1] == '0') {
    out.add(field, "kpp_format", "KPP cannot start with 00 (tax office code)");
    return false;
  }
  return true;
}

bool check_ogrn(std::string_view value, const std::string& field, FieldErrors& out) {
  if (!has_shape(value, 13, "OGRN", field, "ogrn_format", out)) return false;
  // The first digit is the kind of register record: 1 and 5 the record that
  // registered a legal entity (its OGRN), 3 a sole trader's (OGRNIP), the
  // others later records (ГРН), which identify no party.
  if (value[0] != '1' && value[0] != '5') {
    out.add(field, "ogrn_format",
            std::string("OGRN starts with 1 or 5, got ") + value[0] +
                (value[0] == '3' ? " (an OGRNIP starts with 3)" : ""));
    return false;
  }
  return check_digit_is(value, 12, decimal_mod(value.substr(0, 12), 11) % 10, "OGRN", field,
                        "ogrn_checksum", out);
}

bool check_ogrnip(std::string_view value, const std::string& field, FieldErrors& out) {
  if (!has_shape(value, 15, "OGRNIP", field, "ogrnip_format", out)) return false;
  // A sole trader's OGRNIP starts with 3; 4 begins a later record's ГРНИП,
  // which is no registration number for a document.
  if (value[0] != '3') {
    out.add(field, "ogrnip_format", std::string("OGRNIP starts with 3, got ") + value[0]);
    return false;
  }
  // Remainders 10, 11 and 12 all keep only their last digit; mapping just 10
  // to 0 (as python-stdnum does) rejects real numbers.
  return check_digit_is(value, 14, decimal_mod(value.substr(0, 14), 13) % 10, "OGRNIP", field,
                        "ogrnip_checksum", out);
}

bool check_bik(std::string_view value, const std::string& field, FieldErrors& out) {
  return has_shape(value, 9, "BIK", field, "bik_format", out);
}

bool check_bank_account(std::string_view bik, std::string_view account,
                        const std::string& bik_field, const std::string& account_field,
                        FieldErrors& out) {
  const bool bik_ok = check_bik(bik, bik_field, out);
  const auto digits = account_digits(account, account_field, out);
  if (!bik_ok || !digits) return false;
  const std::string_view number(digits->data(), digits->size());

  // Treasury accounts (2021 reform) postdate CBR 515; their 9th digit is not a
  // key computed this way, and checking it would reject every tax payment.
  if (number.substr(0, 2) == "03") return true;

  std::array<int, 23> d{};
  if (held_at_bank_of_russia(bik, number)) {
    d[0] = 0;
    d[1] = digit_at(bik, 4);
    d[2] = digit_at(bik, 5);
  } else {
    for (size_t i = 0; i < 3; ++i) d[i] = digit_at(bik, 6 + i);
  }
  for (size_t i = 0; i < 20; ++i) d[3 + i] = digit_at(number, i);

  constexpr size_t key_pos = 3 + 8;
  d[key_pos] = 0;
  int sum = 0;
  for (size_t i = 0; i < d.size(); ++i) sum += d[i] * kAccountWeights[i % 3];
  // The key's weight is 3, and 3 * (3 * s) == 9 * s == -s (mod 10), so this
  // key makes the full weighted sum a multiple of 10.
  const int expected = sum % 10 * 3 % 10;
  const int actual = digit_at(number, 8);
  if (actual == expected) return true;
  out.add(account_field, "account_key",
          "account control key (9th digit) is " + std::to_string(actual) + ", expected " +
              std::to_string(expected) + " for BIK " + std::string(bik));
  return false;
}

bool check_kz_iin(std::string_view value, const std::string& field, FieldErrors& out) {
  if (!has_shape(value, 12, "IIN", field, "iin_format", out)) return false;
  const int century_sex = digit_at(value, 6);
  if (century_sex < 1 || century_sex > 6) {
    out.add(field, "iin_format",
            "IIN 7th digit (century and sex) must be 1-6, got " + std::to_string(century_sex));
    return false;
  }
  const int year =
      1800 + 100 * ((century_sex - 1) / 2) + digit_at(value, 0) * 10 + digit_at(value, 1);
  const int month = digit_at(value, 2) * 10 + digit_at(value, 3);
  const int day = digit_at(value, 4) * 10 + digit_at(value, 5);
  // Date objects start in 1900, but days_in_month is plain calendar arithmetic
  // and serves the 1800s too (1800 was not a leap year).
  if (month < 1 || month > 12 || day < 1 || day > Date::days_in_month(year, month)) {
    out.add(field, "iin_date",
            "IIN birth date " + std::to_string(year) + "-" + two_digits(month) + "-" +
                two_digits(day) + " does not exist");
    return false;
  }
  return kz_checksum_ok(value, "IIN", field, "iin_checksum", out);
}

bool check_kz_bin(std::string_view value, const std::string& field, FieldErrors& out) {
  if (!has_shape(value, 12, "BIN", field, "bin_format", out)) return false;
  const int month = digit_at(value, 2) * 10 + digit_at(value, 3);
  if (month < 1 || month > 12) {
    out.add(field, "bin_format",
            "BIN registration month (digits 3-4) must be 01-12, got " + two_digits(month));
    return false;
  }
  const int type = digit_at(value, 4);
  if (type < 4 || type > 6) {
    out.add(field, "bin_format",
            "BIN 5th digit (organisation type) must be 4, 5 or 6, got " + std::to_string(type));
    return false;
  }
  const int attribute = digit_at(value, 5);
  if (attribute > 3) {
    out.add(field, "bin_format",
            "BIN 6th digit (head office, branch, representative office, farm) must be 0-3, got " +
                std::to_string(attribute));
    return false;
  }
  return kz_checksum_ok(value, "BIN", field, "bin_checksum", out);
}

}  // namespace opora::requisites

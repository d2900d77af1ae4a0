#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/requisites.hpp"
#include "engine/database.hpp"

// Vector sources are tagged as in /work/shared/research/edo.md (§2, §5a).
// "synthetic" vectors were computed for this file to isolate one rule, e.g. a
// correct check digit behind a forbidden prefix.

namespace req = opora::requisites;
using opora::FieldErrors;

namespace {

using Check = bool (*)(std::string_view, const std::string&, FieldErrors&);

// The rule a check reports for `value` ("" when valid). Also asserts the
// contract every check shares: result agrees with the collector, at most one
// error per value, the error carries the field name and a message.
std::string rule_of(Check check, std::string_view value) {
  FieldErrors errors;
  const bool ok = check(value, "doc.field", errors);
  CHECK(ok == errors.empty());
  if (ok) return "";
  REQUIRE(errors.list().size() == 1);
  CHECK(errors.list()[0].field == "doc.field");
  CHECK_FALSE(errors.list()[0].message.empty());
  return errors.list()[0].rule;
}

std::string message_of(Check check, std::string_view value) {
  FieldErrors errors;
  check(value, "doc.field", errors);
  return errors.empty() ? "" : errors.list()[0].message;
}

struct Reported {
  std::string field;
  std::string rule;
  friend bool operator==(const Reported& a, const Reported& b) {
    return a.field == b.field && a.rule == b.rule;
  }
};

std::vector<Reported> account_errors(std::string_view bik, std::string_view account) {
  FieldErrors errors;
  const bool ok = req::check_bank_account(bik, account, "bank.bik", "bank.account", errors);
  CHECK(ok == errors.empty());
  std::vector<Reported> out;
  for (const auto& e : errors.list()) out.push_back({e.field, e.rule});
  return out;
}

bool account_ok(std::string_view bik, std::string_view account) {
  return account_errors(bik, account).empty();
}

std::string with_digit(std::string s, size_t pos, int d) {
  s[pos] = static_cast<char>('0' + d);
  return s;
}

}  // namespace

TEST_CASE("published organisation INNs pass") {
  CHECK(rule_of(req::check_inn10, "7707083893") == "");  // Sberbank, ru-id-validators [INN-P]
  CHECK(rule_of(req::check_inn10, "7830002293") == "");  // Gazprom, recon-cli [INN-P]
  CHECK(rule_of(req::check_inn10, "1234567894") == "");  // python-stdnum doctest [STDNUM]
  CHECK(rule_of(req::check_inn10, "6663003127") == "");  // SKB Kontur, Diadoc UTD sample [DD-UTD]
  CHECK(rule_of(req::check_inn, "7707083893") == "");    // Sberbank [INN-P], via check_inn
}

TEST_CASE("an organisation INN with a wrong check digit fails inn_checksum") {
  CHECK(rule_of(req::check_inn10, "1234567895") == "inn_checksum");  // §2.1 invalid [STDNUM]
  CHECK(rule_of(req::check_inn10, "7707083890") == "inn_checksum");  // §2.1 invalid [INN-P]
  CHECK(rule_of(req::check_inn, "7707083890") == "inn_checksum");    // same, via check_inn
}

TEST_CASE("the INN checksum message names the actual and the expected digit") {
  // §2.1 invalid [INN-P]; the correct 10th digit of 770708389x is 3
  CHECK(message_of(req::check_inn, "7707083890") ==
        "INN check digit (position 10) is 0, expected 3");
}

TEST_CASE("published individual INNs pass") {
  CHECK(rule_of(req::check_inn12, "500100732259") == "");  // recon-cli "FNS test vector" [INN-P]
  CHECK(rule_of(req::check_inn12, "123456789047") == "");  // python-stdnum doctest [STDNUM]
  CHECK(rule_of(req::check_inn12, "366220664163") == "");  // stdnum-js spec [INN-P]
  CHECK(rule_of(req::check_inn, "500100732259") == "");    // [INN-P], via check_inn
}

TEST_CASE("an individual INN with a wrong 11th or 12th digit fails inn_checksum") {
  // §2.1 invalid [STDNUM]: the 11th digit is wrong (3, expected 4)
  CHECK(rule_of(req::check_inn12, "123456789037") == "inn_checksum");
  CHECK(message_of(req::check_inn12, "123456789037") ==
        "INN check digit (position 11) is 3, expected 4");
  // §2.1 invalid [INN-P]: the 11th digit is right, the 12th wrong (0, expected 9)
  CHECK(rule_of(req::check_inn12, "500100732250") == "inn_checksum");
  CHECK(message_of(req::check_inn12, "500100732250") ==
        "INN check digit (position 12) is 0, expected 9");
  CHECK(rule_of(req::check_inn, "500100732250") == "inn_checksum");
}

TEST_CASE("an INN starting with 00 fails inn_format even when its check digits fit") {
  CHECK(rule_of(req::check_inn10, "0012345678") == "inn_format");    // §5a, XSD prefix [DD-XSD970]
  CHECK(rule_of(req::check_inn10, "0012345673") == "inn_format");    // synthetic, checksum fits
  CHECK(rule_of(req::check_inn12, "001234567887") == "inn_format");  // synthetic, checksums fit
  CHECK(rule_of(req::check_inn, "0012345673") == "inn_format");
  CHECK(rule_of(req::check_inn, "001234567887") == "inn_format");
  // A single leading zero is allowed by the XSD pattern [0-9][1-9]...
  CHECK(rule_of(req::check_inn10, "0123456788") == "");  // synthetic, checksum fits
}

TEST_CASE("check_inn accepts only 10 or 12 digits") {
  CHECK(rule_of(req::check_inn, "770708389") == "inn_format");
  CHECK(rule_of(req::check_inn, "77070838931") == "inn_format");
  CHECK(rule_of(req::check_inn, "7707083893123") == "inn_format");
  CHECK(message_of(req::check_inn, "77070838931") ==
        "INN must have 10 digits (organisation) or 12 digits (individual), got 11");
}

TEST_CASE("check_inn10 and check_inn12 reject the other kind of INN") {
  CHECK(rule_of(req::check_inn10, "500100732259") == "inn_format");  // valid INN-12 [INN-P]
  CHECK(rule_of(req::check_inn12, "7707083893") == "inn_format");    // valid INN-10 [INN-P]
}

TEST_CASE("published KPPs pass, including letters in positions 5-6") {
  CHECK(rule_of(req::check_kpp, "773601001") == "");  // Sberbank, public requisites
  CHECK(rule_of(req::check_kpp, "667301001") == "");  // Diadoc UTD sample buyer [DD-UTD]
  CHECK(rule_of(req::check_kpp, "770101001") == "");  // Diadoc issue sample
  CHECK(rule_of(req::check_kpp, "7736AB001") == "");  // §5a, letters allowed by [DD-XSD970]
}

TEST_CASE("malformed KPPs fail kpp_format") {
  CHECK(rule_of(req::check_kpp, "007701001") == "kpp_format");   // §2.2, starts with 00
  CHECK(rule_of(req::check_kpp, "7701a1001") == "kpp_format");   // §2.2, lower case
  CHECK(rule_of(req::check_kpp, "77010100") == "kpp_format");    // §2.2, 8 characters
  CHECK(rule_of(req::check_kpp, "7701Ж1001") == "kpp_format");   // §2.2, Cyrillic letter
  CHECK(rule_of(req::check_kpp, "7701010010") == "kpp_format");  // synthetic, 10 characters
  CHECK(rule_of(req::check_kpp, "77A101001") == "kpp_format");   // synthetic, letter in tax office
  CHECK(rule_of(req::check_kpp, "773601A01") == "kpp_format");   // synthetic, letter in serial
}

TEST_CASE("published OGRNs pass") {
  // python-stdnum tests/test_ru_ogrn.doctest, its list of valid numbers [STDNUM]
  for (const char* n :
       {"1027739552642", "1137847171846", "1159102022738", "1022600000092", "1022500001930",
        "1022500001061", "1022500000566", "1022700000685", "1027100000311", "1022500000786",
        "1024100000121", "1022400007508", "1022400000160", "1022400010005", "1022300001811",
        "1020500003919", "1022300003703", "1022300000502", "1022200531484"}) {
    CAPTURE(n);
    CHECK(rule_of(req::check_ogrn, n) == "");
  }
  CHECK(rule_of(req::check_ogrn, "1022200525819") == "");  // python-stdnum doctest [STDNUM]
  CHECK(rule_of(req::check_ogrn, "1022500001325") == "");  // python-stdnum doctest [STDNUM]
  CHECK(rule_of(req::check_ogrn, "1027700132195") == "");  // Sberbank, public requisites
}

TEST_CASE("malformed or miscounted OGRNs fail with their own rule") {
  CHECK(rule_of(req::check_ogrn, "1022500001328") == "ogrn_checksum");  // §2.3 invalid [STDNUM]
  CHECK(message_of(req::check_ogrn, "1022500001328") ==
        "OGRN check digit (position 13) is 8, expected 5");
  CHECK(rule_of(req::check_ogrn, "0022500001325") == "ogrn_format");    // §2.3, leading 0 [STDNUM]
  CHECK(rule_of(req::check_ogrn, "0022500001326") == "ogrn_format");    // synthetic, checksum fits
  CHECK(rule_of(req::check_ogrn, "10277395526422") == "ogrn_format");   // §2.3, 14 digits
  CHECK(rule_of(req::check_ogrn, "304500116000157") == "ogrn_format");  // an OGRNIP [§2.4]
}

TEST_CASE("published OGRNIPs pass") {
  CHECK(rule_of(req::check_ogrnip, "385768585948949") == "");  // python-stdnum doctest [STDNUM]
  CHECK(rule_of(req::check_ogrnip, "304500116000157") == "");  // widely published sample, rem 7
}

TEST_CASE("an OGRNIP whose remainder mod 13 is 10, 11 or 12 keeps its last digit") {
  // Synthetic numbers (3 + year 04 + region 77 + serial): python-stdnum
  // [STDNUM] maps only remainder 10 to 0 and so rejects 11 and 12.
  CHECK(rule_of(req::check_ogrnip, "304500116000050") == "");  // remainder 10, digit 0
  CHECK(rule_of(req::check_ogrnip, "304770000100001") == "");  // remainder 11, digit 1
  CHECK(rule_of(req::check_ogrnip, "304770000100012") == "");  // remainder 12, digit 2
  for (int d = 0; d <= 9; ++d) {
    if (d == 2) continue;
    CAPTURE(d);
    CHECK(rule_of(req::check_ogrnip, with_digit("304770000100012", 14, d)) == "ogrnip_checksum");
  }
}

TEST_CASE("an OGRN starts with 1 or 5 and an OGRNIP with 3") {
  // Issue 13: 421319982803452 (the number in Diadoc's 970 sample and, until
  // now, in docs/requisites.md) passed as an OGRNIP. Its check digit fits,
  // but a number starting with 4 is a later register record (ГРНИП), not a
  // sole trader's OGRNIP.
  CHECK(rule_of(req::check_ogrnip, "421319982803452") == "ogrnip_format");
  CHECK(message_of(req::check_ogrnip, "421319982803452") == "OGRNIP starts with 3, got 4");
  // Synthetic: the right check digit behind each other first digit.
  for (char first : std::string("1245678")) {
    std::string n = "304500116000157";
    n[0] = first;
    n[14] = static_cast<char>('0' + std::stoll(n.substr(0, 14)) % 13 % 10);
    CAPTURE(n);
    CHECK(rule_of(req::check_ogrnip, n) == "ogrnip_format");
  }
  // An OGRN: 1 (python-stdnum [STDNUM]) or 5 (synthetic) and nothing else.
  CHECK(rule_of(req::check_ogrn, "1027739552642") == "");  // [STDNUM] test_ru_ogrn.doctest
  CHECK(rule_of(req::check_ogrn, "5027700000015") == "");  // synthetic, first digit 5
  for (char first : std::string("2346789")) {
    std::string n = "1027739552642";
    n[0] = first;
    n[12] = static_cast<char>('0' + std::stoll(n.substr(0, 12)) % 11 % 10);
    CAPTURE(n);
    CHECK(rule_of(req::check_ogrn, n) == "ogrn_format");
  }
  CHECK(message_of(req::check_ogrn, "3027739552641") ==
        "OGRN starts with 1 or 5, got 3 (an OGRNIP starts with 3)");
}

TEST_CASE("malformed or miscounted OGRNIPs fail with their own rule") {
  CHECK(rule_of(req::check_ogrnip, "304500116000158") == "ogrnip_checksum");  // §2.4 invalid
  CHECK(message_of(req::check_ogrnip, "304500116000158") ==
        "OGRNIP check digit (position 15) is 8, expected 7");
  CHECK(rule_of(req::check_ogrnip, "031234567890121") == "ogrnip_format");   // synthetic, leading 0
  CHECK(rule_of(req::check_ogrnip, "1027700132195") == "ogrnip_format");     // an OGRN [§2.3]
  CHECK(rule_of(req::check_ogrnip, "3045001160001570") == "ogrnip_format");  // 16 digits
}

TEST_CASE("BIKs must be exactly nine digits") {
  CHECK(rule_of(req::check_bik, "044525225") == "");  // Sberbank, public requisites
  CHECK(rule_of(req::check_bik, "045004641") == "");  // Diadoc UTD sample [DD-UTD]
  CHECK(rule_of(req::check_bik, "04452522") == "bik_format");
  CHECK(rule_of(req::check_bik, "0445252250") == "bik_format");
  CHECK(rule_of(req::check_bik, "04452522S") == "bik_format");
}

TEST_CASE("the CBR 515 worked examples pass") {
  CHECK(account_ok("049805000", "30101810800000000746"));  // CBR 515 worked example 1 [CBR515]
  CHECK(account_ok("049805746", "40602810700000000025"));  // CBR 515 worked example 3 [CBR515]
}

TEST_CASE("an account at an RKC is keyed with the RKC number, giving key 1 in the CBR example") {
  // CBR 515 worked example 2 [CBR515]: 40102810K00000010001 at RKC BIK
  // 040305000; K recomputed here as 1. Exactly one key digit may fit.
  for (int k = 0; k <= 9; ++k) {
    CAPTURE(k);
    CHECK(account_ok("040305000", with_digit("40102810000000010001", 8, k)) == (k == 1));
  }
}

TEST_CASE("any account at a Bank of Russia unit is keyed with the RKC number") {
  // Synthetic: a 40101 account at the RKC of the CBR example (key 8); keyed
  // with BIK digits 7-9 ("000") it would be 3 instead.
  CHECK(account_ok("040305000", "40101810800000010001"));
  CHECK_FALSE(account_ok("040305000", "40101810300000010001"));
  // Synthetic: BIK units 001 and 002 are Bank of Russia units as well.
  CHECK(account_ok("044525002", "40204810100000000001"));
  CHECK_FALSE(account_ok("044525002", "40204810800000000001"));
}

TEST_CASE("an account with a currency letter in the 6th place is keyed, not refused") {
  // CBR 515 (§2 and example 4): a clearing-currency letter in the 6th place
  // stands for a digit in the key (А 0, В 1, С 2, Е 3, Н 4, К 5, М 6, Р 7,
  // Т 8, Х 9). Example 4's bank is BIK 044541312 with an account 30114В84…;
  // the rest of the number below is ours, its key computed by that rule
  // (В = 1, so the digits are those of 30114184100000000001).
  CHECK(account_ok("044541312", "30114В84100000000001"));  // Cyrillic В
  CHECK(account_ok("044541312", "30114B84100000000001"));  // the Latin look-alike
  for (int k = 0; k <= 9; ++k) {
    if (k == 1) continue;
    CAPTURE(k);
    CHECK(account_errors("044541312", "30114В84" + std::to_string(k) + "00000000001") ==
          std::vector<Reported>{{"bank.account", "account_key"}});
  }
  // The letter counts as one character, and only the 6th place may hold one.
  CHECK(account_errors("044541312", "30114В8410000000001") ==
        std::vector<Reported>{{"bank.account", "account_format"}});
  CHECK(account_errors("044541312", "3011В484100000000001") ==
        std::vector<Reported>{{"bank.account", "account_format"}});
  CHECK(account_errors("044541312", "30114Д84100000000001") ==  // Д is no currency letter
        std::vector<Reported>{{"bank.account", "account_format"}});
}

TEST_CASE("published correspondent accounts pass") {
  CHECK(account_ok("044525225", "30101810400000000225"));  // Sberbank, public requisites
  CHECK(account_ok("045004641", "30101810500000000641"));  // Diadoc UTD sample [DD-UTD]
}

TEST_CASE("treasury single accounts and treasury accounts of the 2021 scheme pass") {
  // FNS single tax payment (ЕНП) requisites, public (nalog.gov.ru): the ЕКС
  // is kept at the Bank of Russia and keys like a correspondent account.
  CHECK(account_ok("017003983", "40102810445370000059"));
  // The treasury account itself has no CBR 515 key; only its shape is checked.
  CHECK(account_ok("017003983", "03100643000000018500"));
  CHECK(account_errors("017003983", "0310064300000001850") ==
        std::vector<Reported>{{"bank.account", "account_format"}});
}

TEST_CASE("an account with a flipped key fails account_key on the account field") {
  // §2.5 invalid: CBR 515 example 3 with the key changed [CBR515]
  CHECK(account_errors("049805746", "40602810800000000025") ==
        std::vector<Reported>{{"bank.account", "account_key"}});
  // §5a invalid: CBR 515 example 1 with the key changed [CBR515]
  CHECK(account_errors("049805000", "30101810900000000746") ==
        std::vector<Reported>{{"bank.account", "account_key"}});
  // The right account quoted with another bank's BIK fails too (not every BIK: the
  // key has one digit, so one BIK in ten collides, 044525225 among them).
  CHECK(account_errors("044525974", "40602810700000000025") ==
        std::vector<Reported>{{"bank.account", "account_key"}});
}

TEST_CASE("the account key message names the actual and expected key and the BIK") {
  FieldErrors errors;
  req::check_bank_account("049805746", "40602810800000000025", "bik", "account", errors);
  REQUIRE(errors.list().size() == 1);
  CHECK(errors.list()[0].message ==
        "account control key (9th digit) is 8, expected 7 for BIK 049805746");
}

TEST_CASE("a malformed BIK or account is reported on its own field and skips the key") {
  CHECK(account_errors("04980574", "40602810800000000025") ==
        std::vector<Reported>{{"bank.bik", "bik_format"}});
  CHECK(account_errors("049805746", "4060281070000000002") ==
        std::vector<Reported>{{"bank.account", "account_format"}});
  CHECK(account_errors("049805746", "4060281070000000002X") ==
        std::vector<Reported>{{"bank.account", "account_format"}});
  CHECK(account_errors("", "") ==
        std::vector<Reported>{{"bank.bik", "bik_format"}, {"bank.account", "account_format"}});
}

TEST_CASE("published Kazakh BINs pass") {
  CHECK(rule_of(req::check_kz_bin, "940140000385") == "");  // python-stdnum doctest [STDNUM]
  CHECK(rule_of(req::check_kz_bin, "990140004654") == "");  // python-stdnum doctest [STDNUM]
}

TEST_CASE("a Kazakh BIN with a wrong check digit fails bin_checksum") {
  CHECK(rule_of(req::check_kz_bin, "940140000386") == "bin_checksum");  // §2.6 invalid [KZ-3P]
  CHECK(message_of(req::check_kz_bin, "940140000386") ==
        "BIN check digit (position 12) is 6, expected 5");
}

TEST_CASE("a Kazakh BIN with an impossible month, type or attribute fails bin_format") {
  // All synthetic with fitting check digits, so only the structure is wrong.
  CHECK(rule_of(req::check_kz_bin, "940040000301") == "bin_format");  // month 00 (§2.6)
  CHECK(rule_of(req::check_kz_bin, "941340000305") == "bin_format");  // month 13 (§2.6)
  CHECK(rule_of(req::check_kz_bin, "940130000300") == "bin_format");  // type 3 (§2.6)
  CHECK(rule_of(req::check_kz_bin, "940170000309") == "bin_format");  // type 7 (§2.6)
  CHECK(rule_of(req::check_kz_bin, "940144000307") == "bin_format");  // attribute 4 (§2.6)
  CHECK(rule_of(req::check_kz_bin, "940163000300") == "");            // type 6, attribute 3 (farm)
  CHECK(rule_of(req::check_kz_bin, "940152000300") == "");            // type 5, attribute 2
  CHECK(rule_of(req::check_kz_bin, "94014000038") == "bin_format");   // 11 digits
}

TEST_CASE("Kazakh IINs checked in the first and in the second pass pass") {
  CHECK(rule_of(req::check_kz_iin, "900101300017") == "");  // §2.6 synthetic, first pass
  CHECK(rule_of(req::check_kz_iin, "900101300811") == "");  // §2.6 synthetic, second pass
  CHECK(rule_of(req::check_kz_iin, "950430400001") == "");  // synthetic, century digit 4
}

TEST_CASE("a Kazakh IIN whose first 11 digits admit no check digit fails iin_checksum") {
  // §2.6: both passes give 10 for 90010130080, so every final digit fails.
  for (int d = 0; d <= 9; ++d) {
    CAPTURE(d);
    CHECK(rule_of(req::check_kz_iin, with_digit("900101300800", 11, d)) == "iin_checksum");
  }
  CHECK(rule_of(req::check_kz_iin, "900101300018") == "iin_checksum");  // synthetic, wrong digit
}

TEST_CASE("a Kazakh IIN must carry a real birth date in its century") {
  // All synthetic with fitting check digits, so only the date is wrong.
  CHECK(rule_of(req::check_kz_iin, "901301300007") == "iin_date");  // month 13
  CHECK(rule_of(req::check_kz_iin, "900132300006") == "iin_date");  // day 32
  CHECK(rule_of(req::check_kz_iin, "900100300001") == "iin_date");  // day 00
  CHECK(rule_of(req::check_kz_iin, "000229300005") == "iin_date");  // 1900-02-29
  CHECK(message_of(req::check_kz_iin, "000229300005") ==
        "IIN birth date 1900-02-29 does not exist");
  CHECK(rule_of(req::check_kz_iin, "000229500008") == "");  // 2000-02-29 was a leap day
  CHECK(rule_of(req::check_kz_iin, "800229300002") == "");  // 1980-02-29
  // Century digits 1/2 are the 1800s, before opora::Date's range.
  CHECK(rule_of(req::check_kz_iin, "000229100002") == "iin_date");  // 1800-02-29
  CHECK(rule_of(req::check_kz_iin, "040229100002") == "");          // 1804-02-29
}

TEST_CASE("a Kazakh IIN with century digit 0 or 7-9 fails iin_format") {
  CHECK(rule_of(req::check_kz_iin, "900101000008") == "iin_format");  // synthetic, digit 0
  CHECK(rule_of(req::check_kz_iin, "900101700002") == "iin_format");  // synthetic, digit 7
  CHECK(rule_of(req::check_kz_iin, "900101900005") == "iin_format");  // synthetic, digit 9
  CHECK(rule_of(req::check_kz_iin, "90010130001") == "iin_format");   // 11 digits
}

TEST_CASE("garbage input fails the format rule of every check without crashing") {
  const std::string long_digits(1000, '7');
  const std::string long_letters(1000, 'x');
  const std::string with_nul(
      "7707083\0"
      "893",
      11);
  const std::vector<std::string> garbage = {
      "",           "abc",
      "7707О83893",  // Cyrillic О among the digits
      "ИНН",        " 7707083893", "7707083893 ", "77-07-083893", "\xff\xfe\x80",
      with_nul,     long_digits,   long_letters};
  const std::vector<std::pair<Check, const char*>> checks = {
      {req::check_inn, "inn_format"},   {req::check_inn10, "inn_format"},
      {req::check_inn12, "inn_format"}, {req::check_kpp, "kpp_format"},
      {req::check_ogrn, "ogrn_format"}, {req::check_ogrnip, "ogrnip_format"},
      {req::check_bik, "bik_format"},   {req::check_kz_iin, "iin_format"},
      {req::check_kz_bin, "bin_format"}};
  for (const auto& value : garbage) {
    // No structured binding: C++17 clang cannot capture one in CAPTURE's lambda.
    for (const auto& check : checks) {
      CAPTURE(value);
      CAPTURE(check.second);
      CHECK(rule_of(check.first, value) == check.second);
    }
    CHECK(account_errors(value, value) ==
          std::vector<Reported>{{"bank.bik", "bik_format"}, {"bank.account", "account_format"}});
  }
}

TEST_CASE("a Cyrillic look-alike letter in an INN is reported as a non-digit") {
  // "7707О83893" with a Cyrillic О: 11 bytes, so a length message would mislead.
  CHECK(message_of(req::check_inn, "7707О83893") == "INN must consist of the digits 0-9 only");
}

TEST_CASE("several bad values of one request are all reported with their field names") {
  FieldErrors errors;
  errors.add("earlier", "required", "kept from an earlier check");
  bool all_ok = true;
  all_ok &= req::check_inn("seller.inn", "seller.inn", errors);
  all_ok &= req::check_inn("7707083890", "buyer.inn", errors);
  all_ok &= req::check_kpp("773601001", "buyer.kpp", errors);  // valid: adds nothing
  all_ok &= req::check_ogrnip("304500116000158", "buyer.ogrnip", errors);
  all_ok &= req::check_bank_account("049805746", "40602810800000000025", "buyer.bik",
                                    "buyer.account", errors);
  all_ok &= req::check_kz_iin("000229300005", "kz.iin", errors);
  CHECK_FALSE(all_ok);

  std::vector<Reported> got;
  for (const auto& e : errors.list()) got.push_back({e.field, e.rule});
  CHECK(got == std::vector<Reported>{{"earlier", "required"},
                                     {"seller.inn", "inn_format"},
                                     {"buyer.inn", "inn_checksum"},
                                     {"buyer.ogrnip", "ogrnip_checksum"},
                                     {"buyer.account", "account_key"},
                                     {"kz.iin", "iin_date"}});
  CHECK_THROWS_AS(errors.throw_if_any(opora::ErrorCode::validation), opora::Error);
}

TEST_CASE("valid values add nothing to the collector") {
  FieldErrors errors;
  CHECK(req::check_inn("6663003127", "a", errors));          // [DD-UTD]
  CHECK(req::check_kpp("667301001", "b", errors));           // [DD-UTD]
  CHECK(req::check_ogrnip("385768585948949", "c", errors));  // [STDNUM]
  CHECK(
      req::check_bank_account("045004641", "30101810500000000641", "d", "e", errors));  // [DD-UTD]
  CHECK(req::check_kz_bin("990140004654", "f", errors));                                // [STDNUM]
  CHECK(errors.empty());
}

// The same rules through requisites.validate, the surface a host calls.
TEST_CASE("requisites.validate refuses an OGRNIP not starting with 3 and keys a currency account") {
  opora::engine::Database db(":memory:", opora::engine::OpenOptions{});
  const auto result =
      db.call("requisites.validate",
              boost::json::parse(R"({"ogrn": "1027739552642", "ogrnip": "421319982803452",
                             "bik": "044541312", "account": "30114В84100000000001"})")
                  .as_object());
  CHECK(result.at("valid") == false);
  const auto& errors = result.at("errors").as_array();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].at("field") == "ogrnip");
  CHECK(errors[0].at("rule") == "ogrnip_format");
  const auto swapped = db.call(
      "requisites.validate",
      boost::json::parse(R"({"ogrn": "304500116000157", "ogrnip": "1027739552642"})").as_object());
  CHECK(swapped.at("errors").as_array().size() == 2);
  CHECK(swapped.at("errors").at(0).at("rule") == "ogrn_format");
  CHECK(swapped.at("errors").at(1).at("rule") == "ogrnip_format");
}

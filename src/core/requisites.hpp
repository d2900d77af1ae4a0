// Checks of Russian and Kazakh company requisites: structure and check digits.
//
// Each check appends what is wrong with one value to `out` (field = the name
// passed in, rule = one of the stable names below) and returns whether the value
// is valid. A value reports at most one problem: a malformed value is not
// checksummed, because the check digit of a wrong-length string means nothing.
// Input is taken verbatim: no trimming, no separators, ASCII digits only.
//
// Rules: inn_format, inn_checksum, kpp_format, ogrn_format, ogrn_checksum,
// ogrnip_format, ogrnip_checksum, bik_format, account_format, account_key,
// iin_format, iin_date, iin_checksum, bin_format, bin_checksum.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace opora::requisites {

// INN of an organisation (10 digits) or of an individual / sole trader (12).
bool check_inn(std::string_view value, const std::string& field, FieldErrors& out);
bool check_inn10(std::string_view value, const std::string& field, FieldErrors& out);
bool check_inn12(std::string_view value, const std::string& field, FieldErrors& out);

// KPP: 9 characters, the 5th and 6th may be Latin capitals. No check digit.
bool check_kpp(std::string_view value, const std::string& field, FieldErrors& out);

// OGRN (13 digits, starting with 1 or 5) and OGRNIP (15 digits, starting
// with 3).
bool check_ogrn(std::string_view value, const std::string& field, FieldErrors& out);
bool check_ogrnip(std::string_view value, const std::string& field, FieldErrors& out);

// BIK: 9 digits. No check digit.
bool check_bik(std::string_view value, const std::string& field, FieldErrors& out);

// A 20-digit account held at the bank identified by `bik`, with its control key
// (CBR order 515 of 1997). The 6th place may hold a clearing-currency letter
// (А В С Е Н К М Р Т Х, or the Latin letters of that shape), which counts as
// one character and stands for a digit in the key. Both values are
// format-checked; the key is checked only when both are well formed. Treasury
// accounts (03…) carry no such key and are only format-checked.
bool check_bank_account(std::string_view bik, std::string_view account,
                        const std::string& bik_field, const std::string& account_field,
                        FieldErrors& out);

// Kazakhstan: IIN of a person (birth date + century/sex digit) and BIN of an
// organisation (registration month + type + attribute). Same check digit.
bool check_kz_iin(std::string_view value, const std::string& field, FieldErrors& out);
bool check_kz_bin(std::string_view value, const std::string& field, FieldErrors& out);

}  // namespace opora::requisites

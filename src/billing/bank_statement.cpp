#include "billing/bank_statement.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "core/cp1251.hpp"
#include "core/error.hpp"
#include "core/money.hpp"
#include "core/wide.hpp"

namespace opora::billing {
namespace {

enum class Encoding { cp1251, cp866, utf8 };

// Also the names callers pass as expected_encoding.
const char* encoding_name(Encoding e) {
  static const char* const names[] = {"windows-1251", "cp866", "utf-8"};
  return names[static_cast<int>(e)];
}

const char* declaration_for(Encoding e) {
  return e == Encoding::cp866 ? "Кодировка=DOS" : "Кодировка=Windows";
}

constexpr std::string_view kHeader = "1CClientBankExchange";
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// "Кодировка=" as each candidate encoding spells it. The key is Cyrillic, so
// finding it in raw bytes tells which encoding the file is really written in,
// before anything is decoded.
constexpr std::string_view kKeyCp1251 = "\xCA\xEE\xE4\xE8\xF0\xEE\xE2\xEA\xE0=";
constexpr std::string_view kKeyCp866 = "\x8A\xAE\xA4\xA8\xE0\xAE\xA2\xAA\xA0=";
constexpr std::string_view kKeyUtf8 = "Кодировка=";

struct RawLine {
  int number;  // 1-based
  std::string_view bytes;
};

[[noreturn]] void fail_encoding(const std::string& message) {
  fail_field(ErrorCode::invalid, "file", "encoding", message);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<RawLine> split_lines(std::string_view body) {
  std::vector<RawLine> lines;
  int number = 1;
  while (!body.empty()) {
    const size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({number++, line});
    if (end == std::string_view::npos) break;
    body.remove_prefix(end + 1);
  }
  return lines;
}

bool has_high_byte(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  return out;
}

struct Declaration {
  Encoding written_in;
  std::optional<Encoding> names;  // nullopt: neither Windows nor DOS
  std::string value;              // as written (ASCII for the two valid values)
};

std::optional<Declaration> find_declaration(const std::vector<RawLine>& lines) {
  const std::pair<std::string_view, Encoding> keys[] = {
      {kKeyCp1251, Encoding::cp1251}, {kKeyCp866, Encoding::cp866}, {kKeyUtf8, Encoding::utf8}};
  for (const auto& line : lines) {
    for (const auto& [key, written_in] : keys) {
      if (line.bytes.substr(0, key.size()) != key) continue;
      const std::string_view value = trim(line.bytes.substr(key.size()));
      const std::string lower = ascii_lower(value);
      std::optional<Encoding> names;
      if (lower == "windows") names = Encoding::cp1251;
      if (lower == "dos") names = Encoding::cp866;
      return Declaration{written_in, names, std::string(value)};
    }
  }
  return std::nullopt;
}

// Whether any line, read as windows-1251, starts with a key of the format:
// how a windows-1251 file without its Кодировка still shows itself.
bool has_cp1251_keys(const std::vector<RawLine>& lines) {
  static const std::string_view known[] = {
      "ВерсияФормата=", "ДатаНачала=", "ДатаКонца=", "РасчСчет=", "СекцияДокумент", "КонецФайла"};
  for (const auto& line : lines) {
    const auto text = cp1251_to_utf8(line.bytes);
    if (!text) continue;
    for (auto key : known) {
      if (std::string_view(*text).substr(0, key.size()) == key) return true;
    }
  }
  return false;
}

Encoding choose_encoding(const std::vector<RawLine>& lines, std::string_view body, bool bom,
                         std::optional<Encoding> expected) {
  if (expected == Encoding::utf8) return Encoding::utf8;  // the caller knows better
  const char* mark = bom ? " (it starts with a UTF-8 byte order mark)" : "";
  const auto declared = find_declaration(lines);
  if (!declared) {
    // No Кодировка at all (reported as "required" later): fall back to the
    // format's default unless the bytes are plainly UTF-8.
    if (bom || (has_high_byte(body) && is_valid_utf8(body) && !has_cp1251_keys(lines))) {
      fail_encoding(std::string("the file is UTF-8") + mark + " but " +
                    encoding_name(expected.value_or(Encoding::cp1251)) +
                    " was expected; pass expected_encoding \"utf-8\" to read it");
    }
    return expected.value_or(Encoding::cp1251);
  }
  if (declared->written_in == Encoding::utf8) {
    fail_encoding(std::string("the file is UTF-8") + mark +
                  " but declares Кодировка=" + declared->value + ", which means " +
                  encoding_name(declared->names.value_or(Encoding::cp1251)) +
                  "; re-export it from the bank client or pass expected_encoding \"utf-8\"");
  }
  if (!declared->names) {
    fail_encoding("Кодировка=" + declared->value + " is not a 1CClientBankExchange encoding; " +
                  "expected Windows (windows-1251) or DOS (cp866)");
  }
  if (*declared->names != declared->written_in) {
    fail_encoding(std::string("the file declares Кодировка=") + declared->value +
                  " but is written in " + encoding_name(declared->written_in) +
                  ", which is declared as " + declaration_for(declared->written_in));
  }
  if (expected && *expected != declared->written_in) {
    fail_encoding(std::string(encoding_name(*expected)) + " (" + declaration_for(*expected) +
                  ") was expected but the file is " + encoding_name(declared->written_in) +
                  " (Кодировка=" + declared->value + ")");
  }
  if (bom) {
    fail_encoding("the file starts with a UTF-8 byte order mark but is written in " +
                  std::string(encoding_name(declared->written_in)));
  }
  return declared->written_in;
}

std::string decode_line(const RawLine& line, Encoding encoding) {
  size_t bad = 0;
  switch (encoding) {
    case Encoding::cp866:
      return cp866_to_utf8(line.bytes);
    case Encoding::cp1251:
      if (auto text = cp1251_to_utf8(line.bytes, &bad)) return std::move(*text);
      fail_encoding("line " + std::to_string(line.number) + " is not windows-1251: byte 0x98 at " +
                    "column " + std::to_string(bad + 1) + " is undefined in that encoding");
    case Encoding::utf8:
      if (is_valid_utf8(line.bytes)) return std::string(line.bytes);
      fail_encoding("UTF-8 was expected but line " + std::to_string(line.number) +
                    " is not well-formed UTF-8");
  }
  return {};
}

std::string at(int line, std::string_view key = {}) {
  std::string path = "lines[" + std::to_string(line) + "]";
  if (!key.empty()) path += "." + std::string(key);
  return path;
}

struct Value {
  int line;
  std::string text;
};

// A section being read: the header (line 1), a СекцияРасчСчет or a
// СекцияДокумент. Keys keep their last value, with the line it came from.
struct Section {
  int line = 0;
  std::string type;
  std::map<std::string, Value> values;
  std::vector<Value> accounts;  // header only: РасчСчет repeats there
};

// Typed reads of one section's values, adding every problem to `errors`.
class Reader {
 public:
  Reader(const Section& s, FieldErrors& errors) : s_(s), errors_(errors) {}

  // The value, or nullopt when it is absent or empty ("required" if it must be there).
  std::optional<std::string> text(const std::string& key, bool required) const {
    const auto it = s_.values.find(key);
    if (it == s_.values.end() || it->second.text.empty()) {
      if (required) errors_.add(at(s_.line, key), "required", "is required in this section");
      return std::nullopt;
    }
    return it->second.text;
  }

  std::string text_or_empty(const std::string& key) const { return text(key, false).value_or(""); }

  std::optional<Date> date(const std::string& key, bool required) const {
    auto t = text(key, required);
    if (!t) return std::nullopt;
    t = std::string(trim(*t));  // dates and amounts are read without the padding
    // Date::parse checks the digits and the calendar once the parts are swapped.
    const bool shaped = t->size() == 10 && (*t)[2] == '.' && (*t)[5] == '.';
    const auto date =
        shaped ? Date::parse(t->substr(6, 4) + "-" + t->substr(3, 2) + "-" + t->substr(0, 2))
               : std::nullopt;
    if (!date) errors_.add(at(line_of(key), key), "date", "must be a date dd.mm.yyyy, got " + *t);
    return date;
  }

  // "1234.56", "1234.5" or "1234" to minor units; a leading '-' only when
  // `may_be_negative` (balances). Money's parser is exactly this grammar; the
  // scale of RUB (2) is that of every currency these files carry.
  std::optional<int64_t> amount(const std::string& key, bool may_be_negative) const {
    auto t = text(key, true);
    if (!t) return std::nullopt;
    t = std::string(trim(*t));
    static const Currency two_decimals = *Currency::find("RUB");
    const auto money = Money::parse(*t, two_decimals);
    if (!money || (money->is_negative() && !may_be_negative)) {
      errors_.add(at(line_of(key), key), "amount",
                  std::string("must be an amount like 1234.56 (dot, at most two decimals") +
                      (may_be_negative ? ", may start with -" : "") + "), got " + *t);
      return std::nullopt;
    }
    return money->minor_units();
  }

  int line_of(const std::string& key) const {
    const auto it = s_.values.find(key);
    return it == s_.values.end() ? s_.line : it->second.line;
  }

 private:
  const Section& s_;
  FieldErrors& errors_;
};

std::optional<StatementBalance> read_balance(const Section& s, FieldErrors& errors) {
  const Reader r(s, errors);
  auto account = r.text("РасчСчет", true);
  const auto from = r.date("ДатаНачала", true);
  const auto to = r.date("ДатаКонца", false);
  const auto opening = r.amount("НачальныйОстаток", true);
  const auto incoming = r.amount("ВсегоПоступило", true);
  const auto outgoing = r.amount("ВсегоСписано", true);
  const auto closing = r.amount("КонечныйОстаток", true);
  if (!account || !from || !opening || !incoming || !outgoing || !closing) return std::nullopt;
  // In 128 bits: amounts near the 64-bit limit must not wrap into a match.
  if (static_cast<detail::Wide>(*opening) + *incoming - *outgoing != *closing) {
    errors.add(at(r.line_of("КонечныйОстаток"), "КонечныйОстаток"), "balance_invariant",
               "НачальныйОстаток + ВсегоПоступило - ВсегоСписано must equal КонечныйОстаток");
    return std::nullopt;
  }
  return StatementBalance{std::move(*account), *from,   to.value_or(*from), *opening, *incoming,
                          *outgoing,           *closing};
}

std::optional<StatementDocument> read_document(const Section& s, FieldErrors& errors) {
  const Reader r(s, errors);
  if (s.type.empty()) errors.add(at(s.line, "СекцияДокумент"), "required", "needs a document type");
  auto number = r.text("Номер", true);
  const auto date = r.date("Дата", true);
  const auto amount = r.amount("Сумма", false);
  auto payer_account = r.text("ПлательщикСчет", true);
  auto payee_account = r.text("ПолучательСчет", true);
  const auto received = r.date("ДатаПоступило", false);
  const auto written_off = r.date("ДатаСписано", false);

  // Purpose is one line in most files; older ones split it over up to six.
  const auto whole_purpose = r.text("НазначениеПлатежа", false);
  std::string purpose = whole_purpose.value_or("");
  for (int i = 1; !whole_purpose && i <= 6; ++i) {
    const auto part = r.text("НазначениеПлатежа" + std::to_string(i), false);
    if (part && !purpose.empty()) purpose += ' ';
    if (part) purpose += *part;
  }
  const auto name = [&r](const std::string& key) {
    auto v = r.text(key, false);
    return v ? std::move(*v) : r.text_or_empty(key + "1");
  };
  if (!number || !date || !amount || !payer_account || !payee_account || s.type.empty()) {
    return std::nullopt;
  }
  std::map<std::string, std::string> fields;
  for (const auto& [key, value] : s.values) fields.emplace(key, value.text);
  return StatementDocument{s.line,
                           s.type,
                           std::move(*number),
                           *date,
                           *amount,
                           std::move(*payer_account),
                           r.text_or_empty("ПлательщикИНН"),
                           name("Плательщик"),
                           std::move(*payee_account),
                           r.text_or_empty("ПолучательИНН"),
                           name("Получатель"),
                           std::move(purpose),
                           received,
                           written_off,
                           std::move(fields)};
}

std::optional<Encoding> parse_expected(const std::optional<std::string>& expected) {
  if (!expected) return std::nullopt;
  for (Encoding e : {Encoding::cp1251, Encoding::cp866, Encoding::utf8}) {
    if (*expected == encoding_name(e)) return e;
  }
  fail_field(ErrorCode::invalid, "expected_encoding", "encoding",
             "must be \"windows-1251\", \"cp866\" or \"utf-8\", got \"" + *expected + "\"");
}

}  // namespace

BankStatement parse_bank_statement(std::string_view raw_bytes,
                                   const std::optional<std::string>& expected_encoding) {
  const auto expected = parse_expected(expected_encoding);
  const bool bom = raw_bytes.substr(0, kBom.size()) == kBom;
  const std::string_view body = bom ? raw_bytes.substr(kBom.size()) : raw_bytes;
  const auto raw_lines = split_lines(body);
  // The marker is ASCII in every supported encoding, so it is checked first:
  // anything else is not this format, or is in an encoding such as UTF-16.
  if (raw_lines.empty() || trim(raw_lines[0].bytes) != kHeader) {
    fail_encoding(
        "the first line must be 1CClientBankExchange: this is not a bank exchange "
        "file, or it is written in an encoding other than windows-1251, cp866 or UTF-8");
  }
  const Encoding encoding = choose_encoding(raw_lines, body, bom, expected);

  FieldErrors errors;
  enum class State { header, balance, document, ended };
  State state = State::header;
  Section header{1, {}, {}, {}};
  Section current;
  std::vector<StatementBalance> balances;
  std::vector<StatementDocument> documents;
  // `where` names what interrupted the open section, for the message.
  const auto close_unterminated = [&](const std::string& where) {
    if (state != State::balance && state != State::document) return;
    const char* end = state == State::balance ? "КонецРасчСчет" : "КонецДокумента";
    errors.add(at(current.line), "unterminated_section",
               std::string("the section has no ") + end + " before " + where);
    state = State::header;
  };
  const auto open = [&](State kind, int line, std::string type) {
    close_unterminated("line " + std::to_string(line));
    state = kind;
    current = Section{line, std::move(type), {}, {}};
  };

  for (size_t i = 1; i < raw_lines.size(); ++i) {
    const int n = raw_lines[i].number;
    const std::string text = decode_line(raw_lines[i], encoding);
    const std::string_view line = trim(text);
    if (line.empty()) continue;
    if (state == State::ended) {
      errors.add(at(n), "unknown_line", "text after КонецФайла (two files joined together?)");
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      if (line == "СекцияРасчСчет") {
        open(State::balance, n, {});
      } else if (line == "СекцияДокумент") {
        open(State::document, n, {});
      } else if (line == "КонецРасчСчет" && state == State::balance) {
        if (auto b = read_balance(current, errors)) balances.push_back(std::move(*b));
        state = State::header;
      } else if (line == "КонецДокумента" && state == State::document) {
        if (auto d = read_document(current, errors)) documents.push_back(std::move(*d));
        state = State::header;
      } else if (line == "КонецФайла") {
        close_unterminated("КонецФайла on line " + std::to_string(n));
        state = State::ended;
      } else {
        errors.add(at(n), "unknown_line",
                   "is neither Key=Value nor a section marker valid here: " + std::string(line));
      }
      continue;
    }
    const size_t split = text.find('=');
    const std::string key(trim(std::string_view(text).substr(0, split)));
    std::string value = text.substr(split + 1);  // verbatim: banks pad some values with spaces
    if (key.empty()) {
      errors.add(at(n), "unknown_line", "has no key before '='");
    } else if (key == "СекцияДокумент") {
      open(State::document, n, std::move(value));
    } else if (state == State::header && key == "РасчСчет") {
      header.accounts.push_back({n, std::move(value)});
    } else {
      Section& target = state == State::header ? header : current;
      target.values[key] = Value{n, std::move(value)};
    }
  }
  close_unterminated("the end of the file");
  if (state != State::ended) errors.add("file", "missing_end", "the file has no КонецФайла line");

  const Reader r(header, errors);
  auto version = r.text("ВерсияФормата", true);
  r.text("Кодировка", true);
  const auto from = r.date("ДатаНачала", true);
  const auto to = r.date("ДатаКонца", true);
  if (from && to && *to < *from) {
    errors.add(at(r.line_of("ДатаКонца"), "ДатаКонца"), "date_range",
               "must not be before ДатаНачала " + from->to_string());
  }
  std::vector<std::string> accounts;
  for (auto& a : header.accounts) {
    if (!a.text.empty()) accounts.push_back(std::move(a.text));
  }
  if (accounts.empty()) {
    errors.add(at(1, "РасчСчет"), "required", "the header must list at least one РасчСчет");
  }
  errors.throw_if_any(ErrorCode::invalid);

  return BankStatement{std::move(*version),
                       encoding_name(encoding),
                       r.text_or_empty("Отправитель"),
                       r.text_or_empty("Получатель"),
                       *from,
                       *to,
                       std::move(accounts),
                       std::move(balances),
                       std::move(documents)};
}

bool is_incoming(const StatementDocument& doc, const std::string& our_account) {
  if (doc.payee_account != our_account) return false;
  if (doc.received_date) return true;
  return !(doc.payer_account == our_account && doc.written_off_date);
}

}  // namespace opora::billing

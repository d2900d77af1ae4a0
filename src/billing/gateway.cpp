#include "billing/gateway.hpp"

#include <cstddef>
#include <cstdint>

#include "core/date.hpp"
#include "core/text.hpp"

namespace opora::billing {
namespace {

using detail::is_ascii_digit;
using detail::read_digits;
using Query = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kTxnIdMaxDigits = 20;
constexpr size_t kAccountMaxChars = 64;
// 15 integer digits plus 2 decimals stay far inside int64 minor units, so
// the engine can turn the text into Money without a range error.
constexpr size_t kSumMaxIntegerDigits = 15;
// Bounds the work on absurd input before any digit is looked at.
constexpr size_t kSumMaxLength = 32;

// ---------------------------------------------------------------- UTF-8

// Decodes the code point at `i` and advances past it. Returns false, with `i`
// untouched, for a truncated, overlong or surrogate sequence or one past
// U+10FFFF.
bool next_code_point(std::string_view s, size_t& i, uint32_t& cp) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  const size_t len = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
  if (len == 0 || len > s.size() - i) return false;
  uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) return false;
    v = v << 6 | (cc & 0x3Fu);
  }
  if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) ||
      (len == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF))
    return false;
  cp = v;
  i += len;
  return true;
}

bool is_valid_utf8(std::string_view s) noexcept {
  size_t i = 0;
  uint32_t cp = 0;
  while (i < s.size())
    if (!next_code_point(s, i, cp)) return false;
  return true;
}

// ---------------------------------------------------------------- query string

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      // Guessing what a broken escape meant could turn one account into
      // another, so it is refused instead of copied literally.
      if (s.size() - i < 3) return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  if (!is_valid_utf8(out)) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------- parameters

// One of the parameters the adapters read, as found in the query.
struct Param {
  const std::string* value = nullptr;  // first occurrence; null when absent
  bool repeated = false;
};

struct KnownParams {
  Param command, txn_id, account, sum, txn_date;
};

KnownParams collect_params(const Query& query) {
  KnownParams p;
  for (const auto& [key, value] : query) {
    Param* slot = key == "command"    ? &p.command
                  : key == "txn_id"   ? &p.txn_id
                  : key == "account"  ? &p.account
                  : key == "sum"      ? &p.sum
                  : key == "txn_date" ? &p.txn_date
                                      : nullptr;
    if (slot == nullptr) continue;  // pay_type, trm_id, prv_id, ...: agent-specific extras
    if (slot->value != nullptr) {
      slot->repeated = true;
    } else {
      slot->value = &value;
    }
  }
  return p;
}

// Some agents send every key on every command and leave the unused ones
// blank, so a blank optional parameter is read as absent.
bool is_blank(const Param& p) noexcept {
  return p.value == nullptr || p.value->empty();
}

bool is_valid_txn_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > kTxnIdMaxDigits) return false;
  for (char c : s)
    if (!is_ascii_digit(c)) return false;
  return true;
}

std::string_view trim_ascii_space(std::string_view s) noexcept {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Printable means valid UTF-8 with no C0, DEL or C1 control characters:
// those never occur in a contract number or phone, and would end up in
// registries, logs and 1C documents.
bool is_valid_account(std::string_view s) noexcept {
  if (s.empty()) return false;
  size_t i = 0;
  size_t chars = 0;
  uint32_t cp = 0;
  while (i < s.size()) {
    if (!next_code_point(s, i, cp)) return false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
    if (++chars > kAccountMaxChars) return false;
  }
  return true;
}

enum class SumShape { bad, zero, positive };

// Accepts digits with an optional '.' or ',' and 1 or 2 decimals ("500",
// "500.5", "500,50"); normalises to 2 decimals without leading zeros
// ("0500.5" -> "500.50"). Signs, spaces, exponents and a third decimal are
// refused: a third decimal is not a rounding question for an adapter.
SumShape normalise_sum(std::string_view s, std::string& out) {
  if (s.empty() || s.size() > kSumMaxLength) return SumShape::bad;
  size_t i = 0;
  while (i < s.size() && is_ascii_digit(s[i])) ++i;
  std::string_view whole = s.substr(0, i);
  std::string_view fraction;
  if (whole.empty()) return SumShape::bad;
  if (i < s.size()) {
    if (s[i] != '.' && s[i] != ',') return SumShape::bad;
    fraction = s.substr(i + 1);
    if (fraction.empty() || fraction.size() > 2) return SumShape::bad;
    for (char c : fraction)
      if (!is_ascii_digit(c)) return SumShape::bad;
  }
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  if (whole.size() > kSumMaxIntegerDigits) return SumShape::bad;
  out.assign(whole);
  out += '.';
  out += fraction;
  while (out.size() - whole.size() < 3) out += '0';
  for (char c : out)
    if (c != '0' && c != '.') return SumShape::positive;
  return SumShape::zero;
}

// "YYYYMMDDHHMMSS" -> "YYYY-MM-DDTHH:MM:SS" when it names a real date and
// time (no leap second: agents never send one and a 60 would be a typo).
std::optional<std::string> iso_from_wire_date(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() != 14 || !read_digits(s, 0, 4, year) || !read_digits(s, 4, 2, month) ||
      !read_digits(s, 6, 2, day) || !read_digits(s, 8, 2, hour) || !read_digits(s, 10, 2, minute) ||
      !read_digits(s, 12, 2, second))
    return std::nullopt;
  if (year < Date::min_year || year > Date::max_year || month < 1 || month > 12 || day < 1 ||
      day > Date::days_in_month(year, month) || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  std::string iso = Date(year, month, day).to_string();
  iso += 'T';
  iso.append(s.substr(8, 2));
  iso += ':';
  iso.append(s.substr(10, 2));
  iso += ':';
  iso.append(s.substr(12, 2));
  return iso;
}

// ---------------------------------------------------------------- rendering

// Escapes XML's five special characters and replaces what XML 1.0 cannot
// carry at all (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, invalid
// UTF-8) with U+FFFD: one stray byte in a holder's name must not make the
// agent's parser reject the whole answer.
void append_xml_text(std::string& out, std::string_view s) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    uint32_t cp = 0;
    if (!next_code_point(s, i, cp)) {
      out += kReplacement;
      ++i;
      continue;
    }
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF) {
          out += kReplacement;
        } else {
          out.append(s, start, i - start);
        }
    }
  }
}

void append_element(std::string& out, std::string_view name, std::string_view text) {
  out += '<';
  out += name;
  out += '>';
  append_xml_text(out, text);
  out += "</";
  out += name;
  out += ">\n";
}

// Optional elements are left out entirely rather than rendered empty.
void append_optional_element(std::string& out, std::string_view name,
                             const std::optional<std::string>& text) {
  if (text) append_element(out, name, *text);
}

// Used when the engine leaves the comment empty. ok and already_paid read the
// same so that a replay is byte-identical to the first answer.
const char* default_comment(GatewayOutcome outcome) noexcept {
  switch (outcome) {
    case GatewayOutcome::ok:
    case GatewayOutcome::already_paid:
      return "OK";
    case GatewayOutcome::bad_request:
      return "bad request";
    case GatewayOutcome::bad_account_format:
      return "wrong account format";
    case GatewayOutcome::account_not_found:
      return "account not found";
    case GatewayOutcome::account_inactive:
      return "account is not active";
    case GatewayOutcome::sum_too_small:
      return "sum too small";
    case GatewayOutcome::sum_too_large:
      return "sum too large";
    case GatewayOutcome::conflict:
      return "txn_id already used for another payment";
    case GatewayOutcome::temporary:
      return "temporary error, retry later";
    case GatewayOutcome::internal_error:
      return "provider error";
  }
  return "provider error";
}

std::string_view comment_of(const GatewayAnswer& answer) noexcept {
  if (!answer.comment.empty()) return answer.comment;
  return default_comment(answer.outcome);
}

constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

// OSMP: pay carries prv_txn and sum; check may carry the amount due in <sum>
// plus <recipient_name> and <balance>, the extras seen in the wild.
std::string render_osmp(GatewayCommand command, const GatewayAnswer& answer) {
  std::string out(kXmlDeclaration);
  out += "<response>\n";
  append_element(out, "osmp_txn_id", answer.txn_id);
  if (command == GatewayCommand::pay) {
    append_optional_element(out, "prv_txn", answer.prv_txn);
    append_optional_element(out, "sum", answer.sum);
  } else {
    append_optional_element(out, "sum", answer.amount_due);
  }
  append_element(out, "result",
                 std::to_string(gateway_result_code(GatewayProtocol::osmp, answer.outcome)));
  append_element(out, "comment", comment_of(answer));
  if (command == GatewayCommand::check) {
    append_optional_element(out, "recipient_name", answer.holder);
    append_optional_element(out, "balance", answer.balance);
  }
  out += "</response>\n";
  return out;
}

// Kaspi: pay carries prv_txn_id and sum; check carries <fields> that Kaspi
// shows to the payer. The balance is not among them: next to the debt its
// sign convention would only confuse the payer.
std::string render_kaspi(GatewayCommand command, const GatewayAnswer& answer) {
  std::string out(kXmlDeclaration);
  out += "<response>\n";
  append_element(out, "txn_id", answer.txn_id);
  if (command == GatewayCommand::pay) append_optional_element(out, "prv_txn_id", answer.prv_txn);
  append_element(out, "result",
                 std::to_string(gateway_result_code(GatewayProtocol::kaspi, answer.outcome)));
  if (command == GatewayCommand::pay) append_optional_element(out, "sum", answer.sum);
  append_element(out, "comment", comment_of(answer));
  if (command == GatewayCommand::check && (answer.holder || answer.amount_due)) {
    out += "<fields>\n";
    int n = 0;
    const auto field = [&](const char* name, const std::string& text) {
      const std::string tag = "field" + std::to_string(++n);
      out += '<' + tag + " name=\"" + name + "\">";
      append_xml_text(out, text);
      out += "</" + tag + ">\n";
    };
    if (answer.holder) field("fio", *answer.holder);
    if (answer.amount_due) field("debt", *answer.amount_due);
    out += "</fields>\n";
  }
  out += "</response>\n";
  return out;
}

}  // namespace

std::optional<GatewayProtocol> parse_gateway_protocol(std::string_view name) {
  if (name == "osmp") return GatewayProtocol::osmp;
  if (name == "kaspi") return GatewayProtocol::kaspi;
  return std::nullopt;
}

// Both protocols share the keys today; the protocol parameter leaves room for
// an agent whose keys differ (Sberbank EPS: ACTION, PAY_ID, PAY_DATE).
ParsedGatewayQuery parse_gateway_query(GatewayProtocol /*protocol*/, const Query& query) {
  const KnownParams p = collect_params(query);

  // Checked before anything else so that every refusal can echo it.
  const bool txn_id_ok =
      p.txn_id.value != nullptr && !p.txn_id.repeated && is_valid_txn_id(*p.txn_id.value);
  const auto refuse = [&](GatewayOutcome outcome, std::string comment) {
    ParsedGatewayQuery parsed;
    parsed.refusal = GatewayAnswer{outcome,
                                   txn_id_ok ? *p.txn_id.value : std::string(),
                                   std::nullopt,
                                   std::nullopt,
                                   std::move(comment),
                                   std::nullopt,
                                   std::nullopt,
                                   std::nullopt};
    return parsed;
  };
  const auto refuse_repeated = [&](const char* name) {
    return refuse(GatewayOutcome::bad_request, std::string(name) + ": given more than once");
  };

  GatewayRequest request{GatewayCommand::check, {}, {}, std::nullopt, std::nullopt};

  if (p.command.repeated) return refuse_repeated("command");
  if (p.command.value == nullptr) {
    return refuse(GatewayOutcome::bad_request, "command: required, expected check or pay");
  }
  if (*p.command.value == "check") {
    request.command = GatewayCommand::check;
  } else if (*p.command.value == "pay") {
    request.command = GatewayCommand::pay;
  } else {
    return refuse(GatewayOutcome::bad_request, "command: expected check or pay");
  }
  const bool is_pay = request.command == GatewayCommand::pay;

  if (p.txn_id.repeated) return refuse_repeated("txn_id");
  if (p.txn_id.value == nullptr) return refuse(GatewayOutcome::bad_request, "txn_id: required");
  if (!txn_id_ok) return refuse(GatewayOutcome::bad_request, "txn_id: expected 1 to 20 digits");
  request.txn_id = *p.txn_id.value;

  if (p.account.repeated) return refuse_repeated("account");
  if (p.account.value == nullptr) return refuse(GatewayOutcome::bad_request, "account: required");
  const std::string_view account = trim_ascii_space(*p.account.value);
  if (!is_valid_account(account)) {
    return refuse(GatewayOutcome::bad_account_format,
                  "account: expected 1 to 64 printable characters");
  }
  request.account = std::string(account);

  if (p.sum.repeated) return refuse_repeated("sum");
  if (is_blank(p.sum)) {
    if (is_pay) return refuse(GatewayOutcome::bad_request, "sum: required for pay");
  } else {
    std::string sum;
    const SumShape shape = normalise_sum(*p.sum.value, sum);
    if (shape == SumShape::bad) {
      return refuse(GatewayOutcome::bad_request,
                    "sum: expected an amount such as 500.00 (digits, '.' or ',', at most 2 "
                    "decimals)");
    }
    if (is_pay && shape == SumShape::zero)
      return refuse(GatewayOutcome::bad_request, "sum: must be greater than 0 for pay");
    request.sum = std::move(sum);
  }

  if (p.txn_date.repeated) return refuse_repeated("txn_date");
  if (is_blank(p.txn_date)) {
    if (is_pay) return refuse(GatewayOutcome::bad_request, "txn_date: required for pay");
  } else {
    request.txn_date = iso_from_wire_date(*p.txn_date.value);
    if (!request.txn_date) {
      return refuse(GatewayOutcome::bad_request,
                    "txn_date: expected YYYYMMDDHHMMSS naming a real date and time");
    }
  }

  ParsedGatewayQuery parsed;
  parsed.request = std::move(request);
  return parsed;
}

int gateway_result_code(GatewayProtocol protocol, GatewayOutcome outcome) {
  if (protocol == GatewayProtocol::osmp) {
    switch (outcome) {
      // A replay answers as the first pay did: result 0 and the same
      // prv_txn (ABillS's Osmp.t asserts it), never a "duplicate" error.
      case GatewayOutcome::ok:
      case GatewayOutcome::already_paid:
        return 0;
      case GatewayOutcome::bad_account_format:
        return 4;
      case GatewayOutcome::account_not_found:
        return 5;
      // txn_id reused for a different account or amount: 7 "payment
      // forbidden by provider" is final and not a success, so the agent
      // stops retrying and settles with the payer instead of reporting money
      // we never credited. 0 would lie, 1/90 would loop forever (the answer
      // never changes), and 300 would hide the reason.
      case GatewayOutcome::conflict:
        return 7;
      case GatewayOutcome::account_inactive:
        return 79;
      case GatewayOutcome::sum_too_small:
        return 241;
      case GatewayOutcome::sum_too_large:
        return 242;
      case GatewayOutcome::temporary:
        return 1;
      // 300 is final: once a pay is accepted the engine should prefer
      // `temporary` for anything that may still succeed.
      case GatewayOutcome::bad_request:
      case GatewayOutcome::internal_error:
        return 300;
    }
    return 300;
  }
  switch (outcome) {
    // Kaspi's 3 "already paid" is deliberately not used: a repeated txn_id
    // returns the stored answer (0 with the same prv_txn_id), as in OSMP.
    case GatewayOutcome::ok:
    case GatewayOutcome::already_paid:
      return 0;
    // Kaspi has no format code; to the payer a malformed account is one that
    // does not exist.
    case GatewayOutcome::bad_account_format:
    case GatewayOutcome::account_not_found:
      return 1;
    // 2 "cancelled" is what implementations use for a blocked or closed account.
    case GatewayOutcome::account_inactive:
      return 2;
    case GatewayOutcome::temporary:
      return 4;
    // Not 3 "already paid" for a txn_id reused with another account or
    // amount: Kaspi could read that as success for a payment we never
    // credited. 5 is final and not a success.
    case GatewayOutcome::conflict:
    // Kaspi has no sum-limit codes; the comment carries the reason.
    case GatewayOutcome::sum_too_small:
    case GatewayOutcome::sum_too_large:
    case GatewayOutcome::bad_request:
    case GatewayOutcome::internal_error:
      return 5;
  }
  return 5;
}

bool gateway_code_is_final(GatewayProtocol protocol, int code) {
  if (protocol == GatewayProtocol::osmp) {
    switch (code) {
      case 0:
      case 4:
      case 5:
      case 7:
      case 8:
      case 79:
      case 241:
      case 242:
      case 243:
      case 300:
        return true;
      default:  // 1 and 90, and codes outside the table
        return false;
    }
  }
  return code >= 0 && code <= 5 && code != 4;
}

GatewayResponse render_gateway_answer(GatewayProtocol protocol, GatewayCommand command,
                                      const GatewayAnswer& answer) {
  return GatewayResponse{200, "text/xml; charset=utf-8",
                         protocol == GatewayProtocol::osmp ? render_osmp(command, answer)
                                                           : render_kaspi(command, answer)};
}

std::optional<Query> parse_query_string(std::string_view text) {
  Query out;
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view segment = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (segment.empty()) continue;
    const size_t eq = segment.find('=');
    auto key = url_decode(segment.substr(0, eq));
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace opora::billing

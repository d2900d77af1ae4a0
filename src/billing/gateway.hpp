// Pure protocol adapters for the "check/pay" payment gateways that agents and
// banks call: OSMP/QIWI (the RU/KZ/KG de-facto standard) and Kaspi.kz.
//
// They only translate. parse_gateway_query() turns an HTTP query into a
// protocol-neutral GatewayRequest; the billing engine decides the outcome
// (account lookup, idempotency by (channel, txn_id), crediting); and
// render_gateway_answer() turns that outcome into the wire response. Nothing
// here touches a database or a clock, so the same input always gives the same
// bytes, which is what replaying a stored answer relies on.
//
// Sources: the billing research notes, §2.1 (OSMP: code tables agree across
// several independent implementations, replay asserted by ABillS's Osmp.t)
// and §2.2 (Kaspi: codes and element names from third-party implementations,
// still to be checked against Kaspi's merchant document).
//
// Thread safety: every function is pure and may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opora::billing {

enum class GatewayProtocol { osmp, kaspi };
// Exactly "osmp" or "kaspi" (the names used in channel configuration);
// nullopt for anything else.
std::optional<GatewayProtocol> parse_gateway_protocol(std::string_view);

enum class GatewayCommand { check, pay };

// A request both protocols share (the keys are the same; only the result
// codes differ).
struct GatewayRequest {
  GatewayCommand command;
  // The agent's transaction id and the idempotency key: 1 to 20 ASCII
  // digits, kept as sent (20 digits do not fit in int64, and leading zeros
  // are not stripped, so the echo is exactly what the agent sent).
  std::string txn_id;
  // As sent, with surrounding ASCII whitespace trimmed: 1 to 64 printable
  // characters (UTF-8, no control characters). What it names (contract,
  // personal account, phone) is the engine's business.
  std::string account;
  // Money text normalised to 2 decimals ("500.00"), at most 15 integer
  // digits, so it always fits int64 minor units. Required and > 0 for pay;
  // optional and >= 0 for check (agents send 0 or a nominal sum there).
  std::optional<std::string> sum;
  // ISO "2026-11-23T12:01:33" from the wire "20261123120133". The agent's
  // local time with no zone: store it as the agent's business date for
  // reconciliation, never as an instant. Required for pay.
  std::optional<std::string> txn_date;
};

// Outcomes of check/pay in protocol-neutral terms.
enum class GatewayOutcome {
  ok,
  bad_request,         // malformed query: missing or bad parameter
  bad_account_format,  // account present but cannot be an account
  account_not_found,
  account_inactive,  // closed or blocked: payments are not accepted
  sum_too_small,
  sum_too_large,
  already_paid,  // replay of a pay: answer as the first time, same prv_txn
  conflict,      // txn_id reused with another account or amount
  temporary,     // the agent should retry later; nothing was decided
  internal_error,
};

struct GatewayAnswer {
  GatewayOutcome outcome;
  std::string txn_id;                     // echoed (may be empty if the request had none)
  std::optional<std::string> prv_txn;     // our receipt id on pay
  std::optional<std::string> sum;         // "500.00" (pay)
  std::string comment;                    // human text; empty means a default per outcome
  std::optional<std::string> holder;      // masked holder name (check)
  std::optional<std::string> amount_due;  // "499.00" (check)
  std::optional<std::string> balance;     // "-499.00" (check)
};

// Either a request or an answer to send back at once: bad_request or
// bad_account_format, with the comment naming the parameter. A refusal
// carries no prv_txn, sum or check fields, so it renders the same whichever
// command is passed to render_gateway_answer().
struct ParsedGatewayQuery {
  std::optional<GatewayRequest> request;
  std::optional<GatewayAnswer> refusal;
};

// Reads command, txn_id, account, sum and txn_date from decoded query
// parameters (see parse_query_string()). Parameter names are matched exactly
// (lower case); parameters it does not know (pay_type, trm_id, prv_id, …) are
// ignored. A known parameter given twice is refused rather than one copy
// being picked silently. Problems are reported in a fixed order (command,
// txn_id, account, sum, txn_date) and the refusal echoes txn_id when it is
// valid. A missing account is bad_request (the agent's integration is
// broken); an empty or malformed one is bad_account_format (the payer typed
// it wrong, and the agent shows that code to them).
ParsedGatewayQuery parse_gateway_query(
    GatewayProtocol, const std::vector<std::pair<std::string, std::string>>& query);

// The HTTP response for an answer. http_status is always 200: agents read
// the protocol's result code, and many treat any other HTTP status as a
// transport failure and retry a pay that we may already have decided.
struct GatewayResponse {
  int http_status;
  std::string content_type;
  std::string body;
};

// Renders the protocol's XML. Every text is XML-escaped; characters XML 1.0
// cannot carry (control characters, invalid UTF-8) become U+FFFD, so the
// agent's parser never rejects the whole answer. `command` selects the
// elements that belong to it: pay renders prv_txn and sum, check renders the
// holder, amount due and (OSMP only) balance; the others are left out.
GatewayResponse render_gateway_answer(GatewayProtocol, GatewayCommand, const GatewayAnswer&);

// The wire result code for an outcome.
int gateway_result_code(GatewayProtocol, GatewayOutcome);

// Whether the agent treats `code` as final (it stops retrying and settles
// with the payer). OSMP: 1 and 90 are not final. Kaspi: 4 is not final.
// Codes outside the protocol's table are reported as not final: they are
// never ours, so nothing should be settled on their strength.
bool gateway_code_is_final(GatewayProtocol, int code);

// Splits an application/x-www-form-urlencoded query ("a=1&b=x+y%21") into
// (key, value) pairs in order, repeated keys kept. '+' is a space and %XX a
// byte in keys and values; empty segments ("a=1&&b=2") are skipped and a
// segment without '=' is a key with an empty value. Returns nullopt for a
// malformed % escape or when a decoded key or value is not valid UTF-8.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query_string(
    std::string_view);

}  // namespace opora::billing

// Payments: check (side-effect free), pay (idempotent by channel and txn_id,
// the first answer replayed to every repeat), storno, and the bank/agent
// protocols on top of them.
#include <boost/json.hpp>

#include "billing/gateway.hpp"
#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "core/timestamp.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

bool is_channel(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

// "2026-11-23T12:01:33" or "2026-11-23": the agent's local time, kept as
// stated; its date is the payment's business date.
std::optional<Date> txn_business_date(const std::string& s) {
  if (s.size() == 10) return Date::parse(s);
  if (s.size() == 19 && s[10] == 'T') {
    auto d = Date::parse(s.substr(0, 10));
    const auto two = [&](size_t i, int max) {
      return s[i] >= '0' && s[i] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9' &&
             (s[i] - '0') * 10 + (s[i + 1] - '0') <= max;
    };
    if (d && s[13] == ':' && s[16] == ':' && two(11, 23) && two(14, 59) && two(17, 59)) return d;
  }
  return std::nullopt;
}

enum class Lookup { found, not_found, ambiguous };

// An account by its number, or else by the holder's IIN/INN when exactly
// one account has it (seed 000: the payer types the IIN in the bank app).
Lookup lookup(Billing::Impl& b, const std::string& key, AccountRow& out) {
  if (auto a = b.find_account(key)) {
    out = *a;
    return Lookup::found;
  }
  auto st = b.conn.cached("SELECT number FROM billing_account WHERE holder_tax_id = ?1 LIMIT 2");
  st->bind(1, key);
  std::vector<std::string> numbers;
  while (st->step()) numbers.push_back(st->text(0));
  st->reset();
  if (numbers.empty()) return Lookup::not_found;
  if (numbers.size() > 1) return Lookup::ambiguous;
  out = *b.find_account(numbers[0]);
  return Lookup::found;
}

AccountRow lookup_or_throw(Billing::Impl& b, const std::string& key) {
  AccountRow a;
  switch (lookup(b, key, a)) {
    case Lookup::found:
      return a;
    case Lookup::ambiguous:
      fail_field(ErrorCode::conflict, "account", "ambiguous",
                 "several accounts belong to \"" + key + "\"; give the account number");
    case Lookup::not_found:
      break;
  }
  fail_field(ErrorCode::not_found, "account", "unknown_account",
             "no account with number or holder IIN/INN \"" + key + "\"");
}

json::object check_answer(Billing::Impl& b, const AccountRow& a, const Date& today) {
  // Everything posted counts, even dated ahead of our today: a payer who
  // just paid must not be asked for the same money again.
  const Position pos = b.current(a.id, today);
  const int64_t due = pos.balance() < 0 ? -pos.balance() : 0;
  return {{"account", a.number},
          {"status", a.status},
          {"holder", mask_holder(a.holder_name)},
          {"currency", a.currency.code()},
          {"amount_due", Money(due, a.currency).to_string()},
          {"overdue", Money(pos.overdue, a.currency).to_string()},
          {"balance", Money(pos.balance(), a.currency).to_string()}};
}

}  // namespace

json::object Billing::check(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto channel = r.str("channel", true, 40);
  const auto key = r.str("account", true, 64);
  if (channel && !is_channel(*channel))
    errors.add("channel", "channel", "expected lower-case letters, digits, _ - . (at most 40)");
  errors.throw_if_any(ErrorCode::invalid);
  return check_answer(*impl_, lookup_or_throw(*impl_, *key), ctx.today);
}

json::object Billing::Impl::post_payment(const AccountRow& a, const std::string& channel,
                                         const std::string& txn_id, const Money& amount,
                                         const std::string& txn_date, const Date& date,
                                         const Context& ctx, bool* replayed,
                                         const char* date_field) {
  *replayed = false;
  // The first answer to (channel, txn_id), replayed; a repeat must carry the
  // same account and amount.
  auto stored = [&]() -> std::optional<json::object> {
    auto st = conn.cached(
        "SELECT p.answer, p.amount, p.account_id, a.number FROM billing_payment p JOIN "
        "billing_account a ON a.id = p.account_id WHERE p.channel = ?1 AND p.txn_id = ?2 AND "
        "p.storno_of IS NULL");
    st->bind(1, channel).bind(2, txn_id);
    if (!st->step()) return std::nullopt;
    if (st->int64(2) != a.id || st->int64(1) != amount.minor_units())
      fail_field(ErrorCode::conflict, "txn_id", "txn_reused",
                 "txn_id " + txn_id + " of channel " + channel + " was already used for " +
                     Money(st->int64(1), a.currency).to_string() + " to account " + st->text(3) +
                     "; a repeat must carry the same account and amount");
    *replayed = true;
    return parse_stored(st->text(0)).as_object();
  };
  // A repeat is answered even when its day has been closed since; a new
  // payment must fall in an open period and be in range. Only a payment that
  // cannot be new looks for its first answer before it is written: the
  // others are written with INSERT ... ON CONFLICT DO NOTHING, and a repeat
  // is what finds the key taken.
  const std::optional<Date> until = closed_until();
  const bool in_range =
      !amount.is_negative() && !amount.is_zero() && amount.minor_units() <= kMaxAmountMinor;
  if ((until && date <= *until) || !in_range) {
    if (auto first = stored()) return *first;
    check_open(date, date_field, "a payment");
    fail_field(ErrorCode::invalid, "amount", "range",
               "a payment must be more than zero and at most 1000000000.00");
  }
  // The answer is stored with the row in one write. Its receipt is the row
  // id, reserved before the row is written (store::Connection::reserve_ids);
  // the payment moves the position by exactly its amount (FIFO: the debt
  // falls by it, down to zero).
  const int64_t id = conn.reserve_ids("billing_payment", 1).front();
  const Position before = current(a.id, std::max(ctx.today, date));
  // Checked: Money refuses to leave the 64-bit range instead of wrapping.
  const int64_t balance = (Money(before.balance(), a.currency) + amount).minor_units();
  const int64_t debt = std::max<int64_t>(0, before.debt - amount.minor_units());
  json::object answer{{"receipt", std::to_string(id)},
                      {"channel", channel},
                      {"txn_id", txn_id},
                      {"account", a.number},
                      {"amount", amount.to_string()},
                      {"currency", a.currency.code()},
                      {"txn_date", txn_date},
                      {"date", date.to_string()},
                      {"received_at", ctx.now.to_string()},
                      {"balance", Money(balance, a.currency).to_string()},
                      {"debt", Money(debt, a.currency).to_string()}};
  // What the payment's events will say it did to the debt.
  const bool publish = positions_wanted();
  const int64_t owed_before = publish ? owed(a.id, ctx.today).debt : 0;
  {
    // No RETURNING: SQLite buffers returned rows and opens a statement
    // journal for it, more work than the row itself; changes() tells.
    auto st = conn.cached(
        "INSERT INTO billing_payment (id, channel, txn_id, account_id, amount, date, txn_date, "
        "received_at, answer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (channel, "
        "txn_id) WHERE storno_of IS NULL DO NOTHING");
    const std::string text = json::serialize(answer);
    st->bind(1, id).bind(2, channel).bind(3, txn_id).bind(4, a.id).bind(5, amount.minor_units());
    st->bind(6, date.to_string()).bind(7, txn_date).bind(8, ctx.now.to_string()).bind(9, text);
    st->run();
  }
  if (conn.changes() == 0) {
    if (auto first = stored()) return *first;
    throw Error(ErrorCode::internal, "payment key taken but not found");
  }
  if (publish) payment_posted(a, answer, owed_before, ctx);
  return answer;
}

json::object Billing::pay(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto channel = r.str("channel", true, 40);
  const auto txn_id = r.str("txn_id", true, 64);
  const auto key = r.str("account", true, 64);
  const auto amount_text = r.str("amount", true, 40);
  const auto txn_date = r.str("txn_date", false, 19);
  if (channel && !is_channel(*channel))
    errors.add("channel", "channel", "expected lower-case letters, digits, _ - . (at most 40)");
  std::optional<Date> date = ctx.today;
  if (txn_date && !(date = txn_business_date(*txn_date)))
    errors.add("txn_date", "date-time",
               "expected YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD, got \"" + *txn_date + "\"");
  // The amount's shape is checked before the account is known, so a bad
  // request is reported whole.
  if (amount_text) {
    const auto m = Money::parse(*amount_text, *Currency::find("RUB"));
    if (!m) {
      const auto any = Decimal::parse(*amount_text);
      errors.add("amount", any ? "money_scale" : "money",
                 any ? "at most 2 decimal places" : "expected an amount like 500.00");
    } else if (m->is_negative() || m->is_zero()) {
      errors.add("amount", "positive", "must be more than zero");
    } else if (m->minor_units() > kMaxAmountMinor) {
      errors.add("amount", "range", "must be at most 1000000000.00");
    }
  }
  errors.throw_if_any(ErrorCode::invalid);
  const AccountRow a = lookup_or_throw(*impl_, *key);
  const Money amount = Money::parse_field(*amount_text, a.currency, "amount");
  bool replayed = false;
  json::object answer = impl_->post_payment(
      a, *channel, *txn_id, amount, txn_date.value_or(date->to_string()), *date, ctx, &replayed);
  answer["replayed"] = replayed;
  return answer;
}

json::object Billing::storno_payment(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto receipt = r.str("receipt", true, 20);
  errors.throw_if_any(ErrorCode::invalid);
  int64_t id = 0;
  for (char c : *receipt) {
    if (c < '0' || c > '9' || id > 100000000000000LL)
      fail_field(ErrorCode::invalid, "receipt", "receipt", "expected a receipt id (digits)");
    id = id * 10 + (c - '0');
  }
  auto st = impl_->conn.cached(
      "SELECT channel, txn_id, account_id, amount, reversed_by, storno_of, date FROM "
      "billing_payment WHERE id = ?1");
  st->bind(1, id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "receipt", "unknown_receipt", "no payment " + *receipt);
  const std::string channel = st->text(0);
  const std::string txn_id = st->text(1);
  const int64_t account_id = st->int64(2);
  const int64_t amount = st->int64(3);
  if (!st->is_null(4))
    fail_field(ErrorCode::state, "receipt", "already_reversed",
               "payment " + *receipt + " is already reversed");
  if (!st->is_null(5))
    fail_field(ErrorCode::state, "receipt", "is_storno", "a storno cannot be reversed");
  const Date paid_on = *Date::parse(st->text(6));
  st->reset();
  const Date date = std::max(ctx.today, paid_on);
  impl_->check_open(date, "receipt", "the storno of payment " + *receipt);
  auto ins = impl_->conn.cached(
      "INSERT INTO billing_payment (channel, txn_id, account_id, amount, date, txn_date, "
      "received_at, answer, storno_of) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, '{}', ?7)");
  ins->bind(1, channel).bind(2, "storno:" + txn_id).bind(3, account_id).bind(4, -amount);
  ins->bind(5, date.to_string()).bind(6, ctx.now.to_string()).bind(7, id);
  ins->run();
  const int64_t storno = impl_->conn.last_insert_rowid();
  auto up = impl_->conn.cached("UPDATE billing_payment SET reversed_by = ?2 WHERE id = ?1");
  up->bind(1, id).bind(2, storno);
  up->run();
  const AccountRow a = impl_->account_by_id(account_id);
  json::object out{
      {"receipt", *receipt},
      {"storno", std::to_string(storno)},
      {"account", a.number},
      {"amount", Money(-amount, a.currency).to_string()},
      {"date", date.to_string()},
      {"balance",
       Money(impl_->current(a.id, std::max(ctx.today, date)).balance(), a.currency).to_string()}};
  impl_->journal(ctx, "payment.storno", "payment:" + *receipt, out);
  impl_->payment_reversed(a, out, ctx);
  return out;
}

json::object Billing::gateway(const json::object& p, const Context& ctx) {
  const auto protocol = parse_gateway_protocol(p.at("protocol").as_string());
  if (!protocol) fail_field(ErrorCode::invalid, "protocol", "enum", "expected osmp or kaspi");
  std::vector<std::pair<std::string, std::string>> query;
  const json::value& q = p.at("query");
  if (q.is_string()) {
    auto parsed = parse_query_string(q.get_string());
    if (!parsed) fail_field(ErrorCode::invalid, "query", "query_string", "bad %-escape or UTF-8");
    query = std::move(*parsed);
  } else {
    for (const auto& kv : q.as_object()) {
      if (!kv.value().is_string())
        fail_field(ErrorCode::invalid, "query." + std::string(kv.key()), "type",
                   "expected a string, as in a URL");
      query.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
    }
  }
  const ParsedGatewayQuery parsed = parse_gateway_query(*protocol, query);
  const std::string channel = text_or(p, "channel", std::string(p.at("protocol").as_string()));
  if (!is_channel(channel))
    fail_field(ErrorCode::invalid, "channel", "channel",
               "expected lower-case letters, digits, _ - . (at most 40)");
  auto respond = [&](GatewayCommand command, const GatewayAnswer& answer) {
    const GatewayResponse resp = render_gateway_answer(*protocol, command, answer);
    return json::object{{"http_status", resp.http_status},
                        {"content_type", resp.content_type},
                        {"body", resp.body},
                        {"result", gateway_result_code(*protocol, answer.outcome)}};
  };
  if (!parsed.request) {
    const GatewayCommand cmd = GatewayCommand::check;
    return respond(cmd, *parsed.refusal);
  }
  const GatewayRequest& req = *parsed.request;
  GatewayAnswer answer;
  answer.txn_id = req.txn_id;
  AccountRow a;
  const Lookup found = lookup(*impl_, req.account, a);
  if (found != Lookup::found) {
    answer.outcome = GatewayOutcome::account_not_found;
    answer.comment = found == Lookup::ambiguous ? "several accounts match, give the account number"
                                                : "account not found";
    return respond(req.command, answer);
  }
  if (req.command == GatewayCommand::check) {
    const json::object c = check_answer(*impl_, a, ctx.today);
    // Every account takes payments, a disconnected one too: paying the debt
    // is how a subscriber gets reconnected (seed 000), so check says OK.
    answer.outcome = GatewayOutcome::ok;
    answer.comment = "OK";
    answer.holder = std::string(c.at("holder").as_string());
    answer.amount_due = std::string(c.at("amount_due").as_string());
    answer.balance = std::string(c.at("balance").as_string());
    answer.sum = answer.amount_due;
    return respond(req.command, answer);
  }
  const auto amount = Money::parse(*req.sum, a.currency);
  if (!amount || amount->is_zero() || amount->is_negative()) {
    answer.outcome = GatewayOutcome::sum_too_small;
    answer.comment = "sum must be more than zero";
    return respond(req.command, answer);
  }
  const std::string txn_date = req.txn_date.value_or(ctx.now.to_string().substr(0, 19));
  const Date date = txn_business_date(txn_date).value_or(ctx.today);
  bool replayed = false;
  try {
    // A savepoint: a refusal undoes whatever the payment wrote, and the call
    // goes on to answer it (PostgreSQL aborts a transaction whose statement
    // failed; only a savepoint's rollback lets it go on).
    store::Transaction savepoint(impl_->conn);
    const json::object stored =
        impl_->post_payment(a, channel, req.txn_id, *amount, txn_date, date, ctx, &replayed);
    savepoint.commit();
    answer.outcome = replayed ? GatewayOutcome::already_paid : GatewayOutcome::ok;
    answer.prv_txn = std::string(stored.at("receipt").as_string());
    answer.sum = std::string(stored.at("amount").as_string());
    answer.comment = "OK";  // a repeat answers exactly as the first time
  } catch (const Error& e) {
    // A txn_id reused, or a txn_date in a closed period: final refusals, so
    // the agent settles with the payer (who pays again, dated today).
    if (e.code() != ErrorCode::conflict && e.code() != ErrorCode::validation) throw;
    answer.outcome = GatewayOutcome::conflict;
    answer.comment = e.what();
  }
  return respond(req.command, answer);
}

}  // namespace opora::billing

// Payment QR codes (GOST R 56042-2014) for an account or an accrual
// document, and import of bank statements (1CClientBankExchange): incoming
// payments matched to accounts and posted like billing.pay, the rest kept
// for a person to resolve.
#include <boost/json.hpp>

#include "billing/bank_statement.hpp"
#include "billing/impl.hpp"
#include "billing/qr.hpp"
#include "core/base64.hpp"
#include "core/json_text.hpp"
#include "core/sha256.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

QrPayment qr_payee(const json::object& org, const std::string& org_id) {
  QrPayment q;
  const auto* bank = org.if_contains("bank");
  if (bank == nullptr || !bank->is_object())
    fail_field(
        ErrorCode::validation, "organization", "no_bank",
        "organisation " + org_id + " has no bank details; add them with billing.organization.put");
  const json::object& b = bank->get_object();
  q.name = text_of(org, "name");
  q.personal_acc = text_of(b, "account");
  q.bank_name = text_of(b, "name");
  q.bic = text_of(b, "bic");
  q.corresp_acc = text_of(b, "corr_account");
  if (q.corresp_acc.empty()) q.corresp_acc = "0";
  const std::string inn = text_of(org, "inn");
  if (!inn.empty()) q.payee_inn = inn;
  const std::string kpp = text_of(org, "kpp");
  if (!kpp.empty()) q.kpp = kpp;
  return q;
}

json::object Billing::qr(const json::object& p, const Context& ctx) {
  const bool by_account = p.contains("account");
  const bool by_document = p.contains("document");
  if (by_account == by_document)
    fail_field(ErrorCode::invalid, "account", "one_of", "give exactly one of account or document");
  std::string enc = text_or(p, "encoding", "utf-8");
  QrEncoding encoding = QrEncoding::utf8;
  if (enc == "windows-1251")
    encoding = QrEncoding::cp1251;
  else if (enc != "utf-8")
    fail_field(ErrorCode::invalid, "encoding", "enum", "expected utf-8 or windows-1251");

  AccountRow a;
  std::optional<int64_t> sum;
  QrPayment q;
  if (by_account) {
    a = impl_->account(std::string(p.at("account").as_string()), "account");
    const Position pos = impl_->current(a.id, ctx.today);
    if (pos.balance() < 0) sum = -pos.balance();
  } else {
    const json::object doc = impl_->registry.load(p.at("document").as_int64(), "document", false);
    if (doc.at("kind").as_string() != "accrual")
      fail_field(ErrorCode::validation, "document", "not_accrual",
                 "a payment QR is built for an accrual document");
    if (doc.at("status").as_string() == "reversed")
      fail_field(ErrorCode::validation, "document", "reversed",
                 "the accrual document was reversed; nothing is owed on it");
    const auto& custom = doc.at("custom").as_object();
    // A recalculation's documents come in pairs (the lines as billed taken
    // back, the lines as they are now): neither alone is what is owed.
    if (const auto* c = custom.if_contains("correction"); c != nullptr && c->is_string())
      fail_field(ErrorCode::validation, "document", "correction",
                 c->get_string() == "decrease"
                     ? "a decrease correction credits the account; nothing is owed on it"
                     : "an increase correction restates accruals already billed, against its "
                       "decrease; what is owed now is the account's balance: build the QR by "
                       "account");
    a = impl_->account(text_of(custom, "account"), "document");
    const auto& totals = doc.at("totals").as_object();
    sum = Money::parse(totals.at("gross").as_string(), a.currency)->minor_units();
    q.quitt_id = std::string(doc.at("number").as_string());
    q.quitt_date = Date::parse(doc.at("date").as_string());
  }
  if (const auto* amount = p.if_contains("amount"); amount != nullptr && amount->is_string()) {
    sum = Money::parse_field(amount->get_string(), a.currency, "amount").minor_units();
    if (*sum <= 0) fail_field(ErrorCode::invalid, "amount", "positive", "must be more than zero");
  }
  if (a.organization.empty())
    fail_field(ErrorCode::validation, "account", "no_organization",
               "account " + a.number + " has no organisation to be paid to; set its organization");
  const QrPayment payee = qr_payee(impl_->organization(a.organization, "account"), a.organization);
  q.name = payee.name;
  q.personal_acc = payee.personal_acc;
  q.bank_name = payee.bank_name;
  q.bic = payee.bic;
  q.corresp_acc = payee.corresp_acc;
  q.payee_inn = payee.payee_inn;
  q.kpp = payee.kpp;
  if (sum && *sum > 0) q.sum_kopecks = *sum;
  q.pers_acc = a.number;
  q.purpose = text_or(p, "purpose", "Оплата услуг по лицевому счёту ") + a.number;
  q.tech_code = text_or(p, "tech_code", "09");
  const QrResult r = build_payment_qr(q, encoding);
  json::object out{{"text", r.text_utf8},
                   {"payload_base64", base64_encode(r.bytes)},
                   {"encoding", enc},
                   {"bytes", static_cast<int64_t>(r.bytes.size())},
                   {"account", a.number}};
  out["amount"] = q.sum_kopecks ? json::value(Money(*q.sum_kopecks, a.currency).to_string())
                                : json::value(nullptr);
  return out;
}

namespace {

bool token_char(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         c == '-' || c == '_' || c == '/' || c == '.';
}

}  // namespace

json::object Billing::import_statement(const json::object& p, const Context& ctx) {
  const std::string raw = base64_decode_field(p.at("content_base64").as_string(), "content_base64");
  std::optional<std::string> encoding;
  if (const auto* e = p.if_contains("encoding"); e != nullptr && e->is_string())
    encoding = std::string(e->get_string());
  const BankStatement st = parse_bank_statement(raw, encoding);
  store::Connection& conn = impl_->conn;

  // Our accounts: every bank account of our organisations.
  std::vector<std::string> ours;
  {
    auto q = conn.cached("SELECT body FROM billing_organization");
    while (q->step()) {
      const json::value body = json::parse(q->text(0));
      if (const auto* b = body.as_object().if_contains("bank"); b != nullptr && b->is_object())
        ours.push_back(text_of(b->get_object(), "account"));
    }
  }
  if (ours.empty())
    fail_field(ErrorCode::validation, "content_base64", "no_organization",
               "no organisation with a bank account; add one with billing.organization.put");

  int64_t posted = 0, unmatched = 0, duplicates = 0, outgoing = 0, skipped = 0;
  json::array lines;
  const std::string channel = text_or(p, "channel", "bank");
  for (const StatementDocument& d : st.documents) {
    std::string our;
    for (const auto& acc : ours)
      if (is_incoming(d, acc)) our = acc;
    if (our.empty()) {
      ++outgoing;
      continue;
    }
    if (d.amount_minor <= 0) {  // a zero document moves no money
      ++skipped;
      continue;
    }
    // The format has no transaction id: a bank document is its account,
    // number, date, amount and payer.
    const std::string key = our + "|in|" + d.number + "|" + d.date.to_string() + "|" +
                            std::to_string(d.amount_minor) + "|" +
                            (d.payer_account.empty() ? d.payer_inn : d.payer_account);
    const std::string dedup = sha256_hex(key);
    {
      auto q = conn.cached("SELECT id FROM billing_statement_line WHERE dedup_key = ?1");
      q->bind(1, dedup);
      if (q->step()) {
        ++duplicates;
        continue;
      }
    }
    // Match: an account number in the purpose, else exactly one account of
    // the payer's INN.
    std::optional<AccountRow> match;
    bool ambiguous = false;
    std::string token;
    auto try_token = [&] {
      while (!token.empty() && (token.back() == '.' || token.back() == '/' || token.back() == '-'))
        token.pop_back();
      if (token.empty()) return;
      if (auto a = impl_->find_account(token)) {
        if (match && match->id != a->id) ambiguous = true;
        match = *a;
      }
      token.clear();
    };
    for (char c : d.purpose) {
      if (token_char(static_cast<unsigned char>(c)))
        token += c;
      else
        try_token();
    }
    try_token();
    if (!match && !d.payer_inn.empty()) {
      auto q = conn.cached("SELECT number FROM billing_account WHERE holder_tax_id = ?1 LIMIT 2");
      q->bind(1, d.payer_inn);
      std::vector<std::string> numbers;
      while (q->step()) numbers.push_back(q->text(0));
      q->reset();
      if (numbers.size() == 1) match = impl_->find_account(numbers[0]);
    }
    if (ambiguous) match.reset();
    // The statement is in roubles: an account kept in another currency is
    // left for a person to resolve rather than credited at a wrong rate.
    if (match && match->currency.code() != "RUB") match.reset();
    auto ins = conn.cached(
        "INSERT INTO billing_statement_line (dedup_key, number, date, amount, payer_name, "
        "payer_inn, payer_account, purpose, status, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
        "?7, ?8, 'unmatched', ?9)");
    ins->bind(1, dedup).bind(2, d.number).bind(3, d.date.to_string()).bind(4, d.amount_minor);
    ins->bind(5, d.payer_name).bind(6, d.payer_inn).bind(7, d.payer_account).bind(8, d.purpose);
    ins->bind(9, ctx.now.to_string());
    ins->run();
    const int64_t line_id = conn.last_insert_rowid();
    json::object line{{"line", line_id},
                      {"number", d.number},
                      {"date", d.date.to_string()},
                      {"amount", Money(d.amount_minor, *Currency::find("RUB")).to_string()},
                      {"payer", d.payer_name},
                      {"purpose", d.purpose}};
    if (!match) {
      ++unmatched;
      line["status"] = "unmatched";
      lines.push_back(std::move(line));
      continue;
    }
    bool replayed = false;
    const Date date = d.received_date.value_or(d.date);
    // The file is one parameter: the refusal names the document in it.
    impl_->check_open(date, "content_base64",
                      "the payment of statement document № " + d.number + " of " +
                          d.date.to_string() + " (" +
                          Money(d.amount_minor, match->currency).to_string() + ")");
    const json::object answer = impl_->post_payment(
        *match, channel, "statement:" + std::to_string(line_id),
        Money(d.amount_minor, match->currency), date.to_string(), date, ctx, &replayed);
    auto up = conn.cached(
        "UPDATE billing_statement_line SET status = 'posted', account_id = ?2, payment_id = ?3 "
        "WHERE id = ?1");
    up->bind(1, line_id)
        .bind(2, match->id)
        .bind(3, std::stoll(std::string(answer.at("receipt").as_string())));
    up->run();
    ++posted;
    line["status"] = "posted";
    line["account"] = match->number;
    line["receipt"] = answer.at("receipt");
    lines.push_back(std::move(line));
  }
  json::object out{{"documents", static_cast<int64_t>(st.documents.size())},
                   {"posted", posted},
                   {"unmatched", unmatched},
                   {"duplicates", duplicates},
                   {"outgoing", outgoing},
                   {"skipped", skipped},
                   {"lines", std::move(lines)}};
  impl_->journal(ctx, "statement.import", "statement",
                 {{"from", st.from.to_string()},
                  {"to", st.to.to_string()},
                  {"posted", posted},
                  {"unmatched", unmatched},
                  {"duplicates", duplicates}});
  return out;
}

json::object Billing::unmatched(const json::object&) {
  json::array out;
  auto q = impl_->conn.cached(
      "SELECT id, number, date, amount, payer_name, payer_inn, payer_account, purpose FROM "
      "billing_statement_line WHERE status = 'unmatched' ORDER BY id");
  while (q->step())
    out.push_back({{"line", q->int64(0)},
                   {"number", q->text(1)},
                   {"date", q->text(2)},
                   {"amount", Money(q->int64(3), *Currency::find("RUB")).to_string()},
                   {"payer", q->optional_text(4).value_or("")},
                   {"payer_inn", q->optional_text(5).value_or("")},
                   {"payer_account", q->optional_text(6).value_or("")},
                   {"purpose", q->optional_text(7).value_or("")}});
  return {{"lines", std::move(out)}};
}

json::object Billing::resolve_unmatched(const json::object& p, const Context& ctx) {
  const int64_t line_id = p.at("line").as_int64();
  store::Connection& conn = impl_->conn;
  auto q = conn.cached("SELECT status, amount, date FROM billing_statement_line WHERE id = ?1");
  q->bind(1, line_id);
  if (!q->step())
    fail_field(ErrorCode::not_found, "line", "unknown_line",
               "no statement line " + std::to_string(line_id));
  if (q->text(0) != "unmatched")
    fail_field(ErrorCode::state, "line", "not_unmatched",
               "statement line " + std::to_string(line_id) + " is " + q->text(0));
  const int64_t amount = q->int64(1);
  const Date date = *Date::parse(q->text(2));
  q->reset();
  const AccountRow a = impl_->account(std::string(p.at("account").as_string()), "account");
  const std::string channel = text_or(p, "channel", "bank");
  impl_->check_open(date, "line", "the payment of statement line " + std::to_string(line_id));
  bool replayed = false;
  json::object answer =
      impl_->post_payment(a, channel, "statement:" + std::to_string(line_id),
                          Money(amount, a.currency), date.to_string(), date, ctx, &replayed);
  auto up = conn.cached(
      "UPDATE billing_statement_line SET status = 'resolved', account_id = ?2, payment_id = ?3 "
      "WHERE id = ?1");
  up->bind(1, line_id)
      .bind(2, a.id)
      .bind(3, std::stoll(std::string(answer.at("receipt").as_string())));
  up->run();
  impl_->journal(ctx, "statement.resolve", "statement_line:" + std::to_string(line_id),
                 {{"account", a.number}, {"receipt", answer.at("receipt")}});
  answer["line"] = line_id;
  return answer;
}

}  // namespace opora::billing

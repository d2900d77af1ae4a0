// Payment for a customer's order (registry kind `order`): the GOST QR text
// for what is left to pay, and a link to the payment provider's page, for an
// agent to show on a tablet or send to a messenger.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "billing/payment_link.hpp"
#include "billing/qr.hpp"
#include "core/base64.hpp"
#include "core/json_text.hpp"
#include "registry/registry.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

// The tax id our organisation is stored under (billing.organization.put
// keys it by its INN, BIN or IIN).
std::string order_organization(const json::object& doc) {
  const auto* org = present(doc, "organization");
  if (org == nullptr || !org->is_object())
    fail_field(ErrorCode::validation, "document", "no_organization",
               "the order names no organisation of ours to be paid to");
  for (const char* key : {"inn", "bin", "iin"}) {
    std::string id = text_of(org->get_object(), key);
    if (!id.empty()) return id;
  }
  fail_field(ErrorCode::validation, "document", "no_organization",
             "the order's organisation has no INN, BIN or IIN");
}

// What the customer has paid, where the order says: custom.paid, a money
// string a host keeps as payments arrive (the registry has no ledger of its
// own for orders).
std::optional<Money> order_paid(const json::object& doc, const Currency& currency) {
  const auto* custom = present(doc, "custom");
  if (custom == nullptr || !custom->is_object()) return std::nullopt;
  const auto* paid = present(custom->get_object(), "paid");
  if (paid == nullptr) return std::nullopt;
  const auto m = paid->is_string() ? Money::parse(paid->get_string(), currency) : std::nullopt;
  if (!m || m->is_negative())
    fail_field(ErrorCode::validation, "document", "paid_format",
               "the order's custom.paid must be a non-negative amount such as \"1500.00\"");
  return m;
}

}  // namespace

json::object Billing::order_payment(const json::object& p, const Context&) {
  const int64_t id = p.at("document").as_int64();
  const json::object doc = impl_->registry.load(id, "document", false);
  if (doc.at("kind").as_string() != "order")
    fail_field(ErrorCode::validation, "document", "not_order",
               "document " + std::to_string(id) + " is a " +
                   std::string(doc.at("kind").as_string()) + ", not an order");
  if (doc.at("status").as_string() == "cancelled")
    fail_field(ErrorCode::validation, "document", "cancelled",
               "the order was cancelled; nothing is to be paid on it");
  const std::string enc = text_or(p, "encoding", "utf-8");
  if (enc != "utf-8" && enc != "windows-1251")
    fail_field(ErrorCode::invalid, "encoding", "enum", "expected utf-8 or windows-1251");

  const auto currency = Currency::find(text_or(doc, "currency", "RUB"));
  if (!currency || currency->code() != "RUB")
    fail_field(ErrorCode::validation, "document", "currency",
               "a GOST R 56042-2014 payment QR is in roubles; the order is in " +
                   text_or(doc, "currency", "?"));
  const auto* totals = present(doc, "totals");
  if (totals == nullptr || !totals->is_object())
    fail_field(ErrorCode::validation, "document", "no_totals", "the order has no line items");
  const Money gross = *Money::parse(totals->get_object().at("gross").as_string(), *currency);
  const std::optional<Money> paid = order_paid(doc, *currency);
  Money due = paid ? gross - *paid : gross;
  if (const auto* amount = present(p, "amount")) {
    due = Money::parse_field(amount->as_string(), *currency, "amount");
    if (due.minor_units() <= 0)
      fail_field(ErrorCode::invalid, "amount", "positive", "must be more than zero");
  } else if (due.minor_units() <= 0) {
    fail_field(ErrorCode::validation, "document", "paid",
               "the order is paid in full (" + gross.to_string() + " of " + gross.to_string() +
                   "); pass amount to ask for more");
  }

  const std::string org_id = order_organization(doc);
  const json::object org = impl_->organization(org_id, "document");
  const std::string number(doc.at("number").as_string());

  QrPayment q = qr_payee(org, org_id);
  q.sum_kopecks = due.minor_units();
  q.purpose = text_or(p, "purpose", "Оплата заказа " + number);
  q.quitt_id = number;
  q.quitt_date = Date::parse(doc.at("date").as_string());
  if (const auto* t = present(p, "tech_code")) q.tech_code = std::string(t->as_string());
  const QrResult r =
      build_payment_qr(q, enc == "windows-1251" ? QrEncoding::cp1251 : QrEncoding::utf8);

  // The call's template, else the organisation's; none: no link.
  json::value link = nullptr;
  std::string tmpl = text_or(p, "payment_link", "");
  std::string link_field = "payment_link";
  if (tmpl.empty()) {
    tmpl = text_of(org, "payment_link");
    link_field = "document";  // the organisation's template, reached through the order
  }
  if (!tmpl.empty()) {
    std::optional<std::string> uid;
    if (const auto* u = present(doc, "uid"); u != nullptr && u->is_string())
      uid = std::string(u->get_string());
    link = expand_payment_link(tmpl,
                               {{"number", number},
                                {"amount", due.to_string()},
                                {"document", std::to_string(id)},
                                {"uid", uid}},
                               link_field);
  }

  json::object out{{"document", id},
                   {"number", number},
                   {"organization", org_id},
                   {"gross", gross.to_string()},
                   {"paid", paid ? json::value(paid->to_string()) : json::value(nullptr)},
                   {"amount", due.to_string()},
                   {"purpose", *q.purpose},
                   {"link", std::move(link)},
                   {"text", r.text_utf8},
                   {"payload_base64", base64_encode(r.bytes)},
                   {"encoding", enc},
                   {"bytes", static_cast<int64_t>(r.bytes.size())}};
  return out;
}

}  // namespace opora::billing

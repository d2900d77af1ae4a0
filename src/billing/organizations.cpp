// Our organisations: who bills an account, and the bank details that payment
// QR codes and bank statement import need.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "billing/payment_link.hpp"
#include "core/json_text.hpp"
#include "core/requisites.hpp"
#include "registry/document.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

json::object Billing::put_organization(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  json::object body;
  std::string tax_id;
  if (auto party = registry::parse_party(r, true)) {
    body = registry::party_json(*party);
    tax_id = party->tax_id;
  }
  if (const auto* b = r.get("bank")) {
    if (!b->is_object()) {
      errors.add("bank", "type", "expected {account, name, bic, corr_account}");
    } else {
      const FieldReader br(b->get_object(), "bank", errors);
      const auto account = br.str("account", true, 20);
      const auto name = br.str("name", true, 45);
      const auto bic = br.str("bic", true, 9);
      const auto corr = br.str("corr_account", false, 20);
      if (bic && requisites::check_bik(*bic, "bank.bic", errors)) {
        if (account)
          requisites::check_bank_account(*bic, *account, "bank.bic", "bank.account", errors);
        if (corr)  // the key of a correspondent account is checked with the same BIK
          requisites::check_bank_account(*bic, *corr, "bank.bic", "bank.corr_account", errors);
      }
      json::object bank;
      if (account) bank["account"] = *account;
      if (name) bank["name"] = *name;
      if (bic) bank["bic"] = *bic;
      bank["corr_account"] = corr ? json::value(*corr) : json::value(nullptr);
      body["bank"] = std::move(bank);
    }
  }
  // The calendar its accounts' processes count working days on (the caller
  // checked that it exists); without one, the country's.
  if (auto c = r.str("calendar", false, 64)) body["calendar"] = *c;
  // Where its customers pay an order online (billing.order.payment).
  if (auto link = r.str("payment_link", false, 2000)) {
    check_payment_link(*link, "payment_link", errors);
    body["payment_link"] = *link;
  }
  errors.throw_if_any(ErrorCode::validation);
  auto st = impl_->conn.cached(
      "INSERT INTO billing_organization (tax_id, body) VALUES (?1, ?2) ON CONFLICT (tax_id) DO "
      "UPDATE SET body = excluded.body");
  st->bind(1, tax_id).bind(2, json::serialize(body));
  st->run();
  impl_->invalidate();  // the calendars of its accounts
  impl_->journal(ctx, "organization.put", "organization:" + tax_id, body);
  return body;
}

json::object Billing::Impl::organization(const std::string& tax_id, const std::string& field) {
  auto st = conn.cached("SELECT body FROM billing_organization WHERE tax_id = ?1");
  st->bind(1, tax_id);
  if (!st->step())
    fail_field(ErrorCode::not_found, field, "unknown_organization",
               "no organisation \"" + tax_id + "\"; add it with billing.organization.put");
  return parse_stored(st->text(0)).as_object();
}

json::object Billing::organizations() {
  json::array out;
  auto st = impl_->conn.cached("SELECT body FROM billing_organization ORDER BY tax_id");
  while (st->step()) out.push_back(parse_stored(st->text(0)));
  return {{"organizations", std::move(out)}};
}

}  // namespace opora::billing

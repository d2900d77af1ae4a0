// One-time charges (equipment, installation): posted at once as an accrual
// line with its own accrual document; a host key makes a repeat harmless.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

json::object Billing::add_charge(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto number = r.str("account", true, 40);
  const auto name = r.str("name", true, 300);
  const auto amount_text = r.str("amount", true, 40);
  const auto date = r.date("date");
  const auto key = r.str("key", false, 200);
  const auto tax = r.str("tax", false, 64);
  const auto mode = r.str("vat_mode", false, 10).value_or("included");
  if (mode != "included" && mode != "on_top")
    errors.add("vat_mode", "enum", "expected included or on_top");
  int64_t term = 10;
  if (const auto* v = r.get("payment_term_days")) {
    if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > 366)
      errors.add("payment_term_days", "range", "expected 0..366 days");
    else
      term = v->get_int64();
  }
  errors.throw_if_any(ErrorCode::invalid);
  const AccountRow a = impl_->account(*number, "account");
  const Money amount = Money::parse_field(*amount_text, a.currency, "amount");
  if (amount.is_negative() || amount.is_zero())
    fail_field(ErrorCode::invalid, "amount", "positive", "must be more than zero");
  if (amount.minor_units() > kMaxAmountMinor)
    fail_field(ErrorCode::invalid, "amount", "range", "must be at most 1000000000.00");
  const Date on = date.value_or(ctx.today);
  const std::string tax_code = tax.value_or(a.currency.code() == "KZT" ? "kz_vat" : "ru_vat");
  if (!impl_->has_tax_code(tax_code))
    fail_field(ErrorCode::validation, "tax", "unknown_tax", "no tax code \"" + tax_code + "\"");
  if (key) {
    // A repeat must be the same charge; it gets the first answer again.
    auto st = impl_->conn.cached(
        "SELECT id, base, name, doc_id, amount, vat, vat_rate, due_date FROM billing_accrual "
        "WHERE account_id = ?1 AND charge_key = ?2");
    st->bind(1, a.id).bind(2, *key);
    if (st->step()) {
      if (st->text(2) != *name || st->int64(1) != amount.minor_units())
        fail_field(ErrorCode::conflict, "key", "key_reused",
                   "key \"" + *key + "\" already charged \"" + st->text(2) + "\" for " +
                       Money(st->int64(1), a.currency).to_string() +
                       "; a repeat must carry the same name and amount");
      json::object out{{"accrual", st->int64(0)},
                       {"account", a.number},
                       {"document", nullptr},
                       {"number", nullptr},
                       {"amount", Money(st->int64(4), a.currency).to_string()},
                       {"vat", Money(st->int64(5), a.currency).to_string()},
                       {"vat_rate", st->text(6)},
                       {"due_date", st->text(7)},
                       {"replayed", true}};
      if (!st->is_null(3)) {
        out["document"] = st->int64(3);
        out["number"] = impl_->registry.get(st->int64(3), true).at("number");
      }
      return out;
    }
  }
  impl_->check_open(on, "date", "a charge");
  const TaxRate rate = impl_->resolve(tax_code, on);
  const VatMode vat_mode = mode == "on_top" ? VatMode::on_top : VatMode::included;
  const VatSplit v = split_vat(amount, rate, vat_mode);
  Billing::Impl::NewLine l;
  l.account_id = a.id;
  l.period = Period::of(on).to_string();
  l.kind = "charge";
  l.name = *name;
  l.date = on;
  l.due = due_date(on, term);
  l.from = on;
  l.to = on;
  l.base = amount.minor_units();
  l.amount = v.gross.minor_units();
  l.vat = v.vat.minor_units();
  l.tax_code = tax_code;
  l.vat_rate = rate.text();
  l.vat_mode = mode;
  l.charge_key = key;
  std::vector<registry::Document> doc{accrual_draft(a, on, {l}, l.period, std::nullopt)};
  impl_->registry.create_many(doc, registry_context(ctx));
  l.doc_id = doc.front().id;
  const int64_t id = impl_->insert_line(l);
  impl_->accruals_posted(a, {l}, {id}, {{*l.doc_id, doc.front().number}}, std::nullopt, ctx);
  return {{"accrual", id},
          {"account", a.number},
          {"document", *l.doc_id},
          {"number", doc.front().number},
          {"amount", v.gross.to_string()},
          {"vat", v.vat.to_string()},
          {"vat_rate", rate.text()},
          {"due_date", l.due.to_string()},
          {"replayed", false}};
}

}  // namespace opora::billing

// Tax rates as effective-dated data: a change of law is a new row starting
// on its date, which closes the row before it. Lines keep the rate they were
// computed with, so history never moves.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

json::object Billing::define_tax_rate(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto code = r.str("tax", true, 64);
  const auto rate_text = r.str("rate", true, 10);
  const auto from = r.date("valid_from", true);
  const auto title = r.str("title", false, 200);
  std::optional<Decimal> rate;
  if (rate_text && *rate_text != "none") {
    rate = Decimal::parse(*rate_text, 2);
    if (!rate || rate->is_negative() || Decimal(100) < *rate)
      errors.add("rate", "vat_rate", "expected a percent 0..100 with up to 2 places, or \"none\"");
  }
  errors.throw_if_any(ErrorCode::invalid);
  store::Connection& conn = impl_->conn;
  // A rate from a closed day would change what a run of it computes.
  impl_->check_open(*from, "valid_from", "a tax rate");
  {
    auto st = conn.cached("SELECT MAX(valid_from) FROM billing_tax_rate WHERE code = ?1");
    st->bind(1, *code);
    st->step();
    if (!st->is_null(0) && *from <= *Date::parse(st->text(0)))
      fail_field(ErrorCode::conflict, "valid_from", "not_after_last",
                 "tax code \"" + *code + "\" already has a rate from " + st->text(0) +
                     "; a new rate must start later (posted lines keep their rate)");
  }
  auto close =
      conn.cached("UPDATE billing_tax_rate SET valid_to = ?2 WHERE code = ?1 AND valid_to IS NULL");
  close->bind(1, *code).bind(2, from->add_days(-1).to_string());
  close->run();
  auto st = conn.cached(
      "INSERT INTO billing_tax_rate (code, valid_from, valid_to, rate, title) VALUES (?1, ?2, "
      "NULL, ?3, ?4)");
  st->bind(1, *code).bind(2, from->to_string());
  if (rate)
    st->bind(3, rate->to_string());
  else
    st->bind_null(3);
  st->bind(4, title.value_or(rate ? "VAT " + rate->to_string() + "%" : "Без НДС"));
  st->run();
  impl_->invalidate();
  json::object out{{"code", *code},
                   {"valid_from", from->to_string()},
                   {"rate", rate ? rate->to_string() : "none"}};
  impl_->journal(ctx, "tax.define", "tax:" + *code, out);
  return out;
}

json::object Billing::list_tax_rates() {
  json::array out;
  auto st = impl_->conn.cached(
      "SELECT code, valid_from, valid_to, rate, title FROM billing_tax_rate ORDER BY code, "
      "valid_from");
  while (st->step()) {
    json::object o{{"code", st->text(0)}, {"valid_from", st->text(1)}, {"title", st->text(4)}};
    o["valid_to"] = st->is_null(2) ? json::value(nullptr) : json::value(st->text(2));
    o["rate"] = st->is_null(3) ? json::value("none") : json::value(st->text(3));
    out.push_back(std::move(o));
  }
  return {{"rates", std::move(out)}};
}

}  // namespace opora::billing

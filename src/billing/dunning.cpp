// Dunning as data: a ladder of stages (days overdue, minimum debt, the effect
// the host carries out). A case is one episode of overdue debt on one
// account; each stage fires at most once per case (a late run carries out
// only the furthest stage due), and the case closes when nothing is overdue
// any more.
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "store/sqlite.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

struct Stage {
  std::string code;
  int64_t days;
  int64_t min_amount;
  json::object effect;
};

std::vector<Stage> load_stages(store::Connection& conn) {
  std::vector<Stage> out;
  auto st = conn.cached(
      "SELECT code, days, min_amount, effect FROM billing_dunning_stage ORDER BY position");
  while (st->step())
    out.push_back({st->text(0), st->int64(1), st->int64(2), parse_stored(st->text(3)).as_object()});
  return out;
}

json::object stage_json(const Stage& s) {
  return {{"code", s.code},
          {"days", s.days},
          {"min_amount", Money(s.min_amount, *Currency::find("RUB")).to_string()},
          {"effect", s.effect}};
}

}  // namespace

json::object Billing::define_dunning(const json::object& p, const Context& ctx) {
  FieldErrors errors;
  std::vector<Stage> stages;
  const FieldReader r(p, "", errors);
  r.each_object("stages", [&](const FieldReader& s, size_t) {
    Stage st;
    if (auto code = s.str("code", true, 64)) st.code = *code;
    const auto* days = s.get("days");
    if (days == nullptr || !days->is_int64() || days->get_int64() < 0 || days->get_int64() > 3650)
      errors.add(s.at("days"), "range", "expected days overdue, 0..3650");
    else
      st.days = days->get_int64();
    st.min_amount = 0;
    if (auto m = s.money("min_amount", *Currency::find("RUB"))) {
      if (m->is_negative())
        errors.add(s.at("min_amount"), "negative", "must not be negative");
      else
        st.min_amount = m->minor_units();
    }
    const auto* effect = s.get("effect");
    if (effect == nullptr || !effect->is_object() || !effect->get_object().contains("type") ||
        !effect->get_object().at("type").is_string())
      errors.add(s.at("effect"), "required",
                 "expected an object with a \"type\" (sms, email, task, disconnect, ...)");
    else
      st.effect = effect->get_object();
    for (const auto& other : stages)
      if (other.code == st.code) errors.add(s.at("code"), "duplicate", "stage codes must differ");
    stages.push_back(std::move(st));
  });
  if (!p.contains("stages")) errors.add("stages", "required", "is required");
  errors.throw_if_any(ErrorCode::validation);
  std::stable_sort(stages.begin(), stages.end(),
                   [](const Stage& a, const Stage& b) { return a.days < b.days; });
  impl_->conn.exec("DELETE FROM billing_dunning_stage");
  json::array out;
  for (size_t i = 0; i < stages.size(); ++i) {
    auto st = impl_->conn.cached(
        "INSERT INTO billing_dunning_stage (code, position, days, min_amount, effect) VALUES (?1, "
        "?2, ?3, ?4, ?5)");
    st->bind(1, stages[i].code).bind(2, static_cast<int64_t>(i)).bind(3, stages[i].days);
    st->bind(4, stages[i].min_amount).bind(5, json::serialize(stages[i].effect));
    st->run();
    out.push_back(stage_json(stages[i]));
  }
  json::object res{{"stages", std::move(out)}};
  impl_->journal(ctx, "dunning.define", "dunning", res);
  return res;
}

void Billing::Impl::close_case_if_settled(int64_t account_id, const Date& today) {
  auto st = conn.cached(
      "SELECT id FROM billing_dunning_case WHERE account_id = ?1 AND closed_on IS NULL");
  st->bind(1, account_id);
  if (!st->step()) return;
  const int64_t case_id = st->int64(0);
  st->reset();
  if (current(account_id, today).overdue > 0) return;
  auto up = conn.cached("UPDATE billing_dunning_case SET closed_on = ?2 WHERE id = ?1");
  up->bind(1, case_id).bind(2, today.to_string());
  up->run();
}

json::object Billing::dunning_run(const json::object& p, const Context& ctx) {
  Date on = ctx.today;
  if (const auto* v = p.if_contains("date"); v != nullptr && v->is_string())
    on = Date::parse_field(v->get_string(), "date");
  const std::vector<Stage> stages = load_stages(impl_->conn);
  store::Connection& conn = impl_->conn;
  json::array emitted;
  int64_t opened = 0;
  int64_t closed = 0;
  std::map<int64_t, int64_t> open_cases;  // account -> case
  {
    auto st =
        conn.cached("SELECT account_id, id FROM billing_dunning_case WHERE closed_on IS NULL");
    while (st->step()) open_cases[st->int64(0)] = st->int64(1);
  }
  std::vector<std::pair<int64_t, Position>> overdue;
  for_each_position(
      *impl_, on,
      [&](int64_t account_id, const Position& pos) {
        if (pos.overdue > 0) overdue.emplace_back(account_id, pos);
      },
      true);
  std::map<int64_t, bool> still_overdue;
  for (const auto& [account_id, pos] : overdue) {
    still_overdue[account_id] = true;
    int64_t case_id = 0;
    if (auto it = open_cases.find(account_id); it != open_cases.end()) {
      case_id = it->second;
    } else {
      auto st =
          conn.cached("INSERT INTO billing_dunning_case (account_id, opened_on) VALUES (?1, ?2)");
      st->bind(1, account_id).bind(2, on.to_string());
      st->run();
      case_id = conn.last_insert_rowid();
      ++opened;
    }
    const int64_t days = pos.oldest_overdue_due->days_until(on);
    const AccountRow a = impl_->account_by_id(account_id);
    // The stages due now and not yet recorded for this case. When a run
    // comes late and several are due at once, only the furthest is carried
    // out; the earlier ones are recorded as skipped, so a subscriber never
    // gets "reminder" and "final warning" in the same minute.
    std::vector<const Stage*> due;
    for (const Stage& s : stages) {
      if (days < s.days || pos.overdue < s.min_amount) continue;
      auto seen =
          conn.cached("SELECT 1 FROM billing_dunning_action WHERE case_id = ?1 AND stage = ?2");
      seen->bind(1, case_id).bind(2, s.code);
      if (!seen->step()) due.push_back(&s);
    }
    for (size_t i = 0; i < due.size(); ++i) {
      const Stage& s = *due[i];
      const bool skipped = i + 1 < due.size();
      json::object effect = s.effect;
      effect["stage"] = s.code;
      effect["case"] = case_id;
      effect["account"] = a.number;
      effect["holder"] = a.holder_name;
      effect["phone"] = a.phone;
      effect["currency"] = a.currency.code();
      effect["debt"] = Money(pos.debt, a.currency).to_string();
      effect["overdue"] = Money(pos.overdue, a.currency).to_string();
      effect["days_overdue"] = days;
      if (skipped) effect["skipped"] = true;
      auto st = conn.cached(
          "INSERT INTO billing_dunning_action (case_id, stage, emitted_on, days_overdue, debt, "
          "effect) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      st->bind(1, case_id).bind(2, s.code).bind(3, on.to_string()).bind(4, days);
      st->bind(5, pos.overdue).bind(6, json::serialize(effect));
      st->run();
      if (!skipped) emitted.push_back(std::move(effect));
    }
  }
  for (const auto& [account_id, case_id] : open_cases) {
    if (still_overdue.count(account_id) != 0) continue;
    auto st = conn.cached("UPDATE billing_dunning_case SET closed_on = ?2 WHERE id = ?1");
    st->bind(1, case_id).bind(2, on.to_string());
    st->run();
    ++closed;
  }
  return {{"date", on.to_string()},
          {"effects", std::move(emitted)},
          {"cases_opened", opened},
          {"cases_closed", closed}};
}

json::object Billing::dunning_cases(const json::object& p) {
  const bool open_only = !p.contains("open_only") || p.at("open_only").as_bool();
  std::optional<int64_t> only;
  if (const auto* v = p.if_contains("account"); v != nullptr && v->is_string())
    only = impl_->account(std::string(v->get_string()), "account").id;
  json::array out;
  auto st = impl_->conn.cached(
      "SELECT c.id, a.number, c.opened_on, c.closed_on FROM billing_dunning_case c JOIN "
      "billing_account a ON a.id = c.account_id WHERE (?1 = 0 OR c.closed_on IS NULL) AND "
      "(?2 IS NULL OR c.account_id = ?2) ORDER BY c.id");
  st->bind(1, static_cast<int64_t>(open_only ? 1 : 0));
  if (only)
    st->bind(2, *only);
  else
    st->bind_null(2);
  while (st->step()) {
    json::object c{{"case", st->int64(0)}, {"account", st->text(1)}, {"opened_on", st->text(2)}};
    c["closed_on"] = st->is_null(3) ? json::value(nullptr) : json::value(st->text(3));
    json::array actions;
    auto ac = impl_->conn.cached(
        "SELECT stage, emitted_on, days_overdue, effect FROM billing_dunning_action WHERE case_id "
        "= ?1 ORDER BY emitted_on, stage");
    ac->bind(1, st->int64(0));
    while (ac->step())
      actions.push_back({{"stage", ac->text(0)},
                         {"emitted_on", ac->text(1)},
                         {"days_overdue", ac->int64(2)},
                         {"effect", parse_stored(ac->text(3))}});
    c["actions"] = std::move(actions);
    out.push_back(std::move(c));
  }
  return {{"cases", std::move(out)}};
}

}  // namespace opora::billing

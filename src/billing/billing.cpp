#include "billing/billing.hpp"

#include <array>
#include <boost/json.hpp>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

Billing::Billing(store::Connection& conn, registry::Registry& registry, EventPublisher& events)
    : impl_(std::make_unique<Impl>(conn, registry, events)) {}

Billing::~Billing() = default;

void Billing::Impl::refresh() {
  // data_version moves on other connections' commits; this handle's own
  // changes call invalidate(), and a rollback moves rollbacks().
  const int64_t version = conn.data_version();
  if (version == seen_version_ && conn.rollbacks() == seen_rollbacks_) return;
  seen_version_ = version;
  seen_rollbacks_ = conn.rollbacks();
  tariffs_.clear();
  rates_.clear();
  calendars_.clear();
  {
    auto st = conn.cached("SELECT body FROM billing_tariff");
    while (st->step()) {
      FieldErrors errors;
      const json::value v = parse_stored(st->text(0));
      Tariff t = parse_tariff(FieldReader(v.as_object(), "", errors), "code");
      tariffs_.emplace(t.code, std::move(t));
    }
  }
  auto st = conn.cached(
      "SELECT code, valid_from, valid_to, rate FROM billing_tax_rate ORDER BY code, valid_from");
  while (st->step()) {
    RateRow row{*Date::parse(st->text(1)), std::nullopt, std::nullopt};
    if (!st->is_null(2)) row.to = Date::parse(st->text(2));
    if (!st->is_null(3)) row.percent = Decimal::parse(st->text(3));
    rates_[st->text(0)].push_back(row);
  }
}

const Tariff& Billing::Impl::tariff(const std::string& code, const std::string& field) {
  refresh();
  auto it = tariffs_.find(code);
  if (it == tariffs_.end())
    fail_field(ErrorCode::not_found, field, "unknown_tariff",
               "no tariff \"" + code + "\"; define it with billing.tariff.define");
  return it->second;
}

bool Billing::Impl::has_tax_code(const std::string& code) {
  refresh();
  return rates_.count(code) != 0;
}

TaxRate Billing::Impl::resolve(const std::string& code, const Date& supply_date) const {
  auto it = rates_.find(code);
  if (it != rates_.end()) {
    // Rows are few and sorted; the last one starting on or before the date wins.
    const RateRow* found = nullptr;
    for (const auto& row : it->second)
      if (row.from <= supply_date && (!row.to || supply_date <= *row.to)) found = &row;
    if (found != nullptr) return TaxRate{code, found->percent};
  }
  fail_field(ErrorCode::validation, "tax", "no_rate",
             "tax code \"" + code + "\" has no rate on " + supply_date.to_string() +
                 "; add one with billing.tax.define");
}

namespace {

AccountRow account_from(store::Statement& st) {
  AccountRow a;
  a.id = st.int64(0);
  a.number = st.text(1);
  a.holder_name = st.text(2);
  a.holder_tax_id = st.optional_text(3).value_or("");
  a.phone = st.optional_text(4).value_or("");
  a.status = st.text(5);
  a.organization = st.optional_text(6).value_or("");
  a.currency = *Currency::find(st.text(7));
  a.credit_limit = st.int64(8);
  a.body_text = st.text(9);
  return a;
}

constexpr const char* kAccountColumns =
    "SELECT id, number, holder_name, holder_tax_id, phone, status, organization, currency, "
    "credit_limit, body FROM billing_account ";

}  // namespace

json::object AccountRow::body() const {
  return parse_stored(body_text).as_object();
}

std::optional<AccountRow> Billing::Impl::find_account(const std::string& number) {
  auto st = conn.cached(std::string(kAccountColumns) + "WHERE number = ?1");
  st->bind(1, number);
  if (!st->step()) return std::nullopt;
  return account_from(*st);
}

AccountRow Billing::Impl::account(const std::string& number, const std::string& field) {
  if (auto a = find_account(number)) return *a;
  fail_field(ErrorCode::not_found, field, "unknown_account", "no account \"" + number + "\"");
}

AccountRow Billing::Impl::account_by_id(int64_t id) {
  auto st = conn.cached(std::string(kAccountColumns) + "WHERE id = ?1");
  st->bind(1, id);
  if (!st->step()) throw Error(ErrorCode::internal, "account row vanished");
  return account_from(*st);
}

int64_t Billing::Impl::journal(const Context& ctx, const char* action, const std::string& object,
                               const json::object& detail) {
  auto st = conn.cached(
      "INSERT INTO billing_journal (at, actor, action, object, detail, reason) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  st->bind(1, ctx.now.to_string());
  if (ctx.actor)
    st->bind(2, *ctx.actor);
  else
    st->bind_null(2);
  st->bind(3, action).bind(4, object).bind(5, json::serialize(detail));
  if (ctx.reason)
    st->bind(6, *ctx.reason);
  else
    st->bind_null(6);
  st->run();
  return conn.last_insert_rowid();
}

namespace {

constexpr int kLineParams = 22;
// Lines a multi-row insert writes at once: one statement, one step.
constexpr int kLinesPerInsert = 16;

// "INSERT ... VALUES (?1, ..., ?22), (?23, ...)" for `rows` lines.
std::string insert_lines_sql(int rows) {
  std::string sql =
      "INSERT INTO billing_accrual (account_id, subscription_id, period, seq, kind, name, date, "
      "due_date, date_from, date_to, days, base, discount, amount, vat, tax_code, vat_rate, "
      "vat_mode, run_id, doc_id, charge_key, storno_of) VALUES ";
  for (int r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (int c = 1; c <= kLineParams; ++c) {
      if (c > 1) sql += ", ";
      sql += "?" + std::to_string(r * kLineParams + c);
    }
    sql += ")";
  }
  return sql;
}

// The text of a line's dates, alive until its statement has run.
struct LineDates {
  std::string date, due, from, to;
};

// Binds one line at parameters base+1 .. base+22. Text is bound without
// copies: everything bound lives in `l` or in `d` until the statement runs
// (the hot path of billing.run).
void bind_line(store::Statement& st, int base, const Billing::Impl::NewLine& l, LineDates& d) {
  auto opt_int = [&](int i, const std::optional<int64_t>& v) {
    if (v)
      st.bind(base + i, *v);
    else
      st.bind_null(base + i);
  };
  d.date = l.date.to_string();
  d.due = l.due.to_string();
  st.bind(base + 1, l.account_id);
  opt_int(2, l.subscription_id);
  st.bind_static(base + 3, l.period).bind(base + 4, l.seq);
  st.bind_static(base + 5, l.kind).bind_static(base + 6, l.name);
  st.bind_static(base + 7, d.date).bind_static(base + 8, d.due);
  if (l.from) {
    d.from = l.from->to_string();
    st.bind_static(base + 9, d.from);
  } else {
    st.bind_null(base + 9);
  }
  if (l.to) {
    d.to = l.to->to_string();
    st.bind_static(base + 10, d.to);
  } else {
    st.bind_null(base + 10);
  }
  opt_int(11, l.days);
  st.bind(base + 12, l.base).bind(base + 13, l.discount);
  st.bind(base + 14, l.amount).bind(base + 15, l.vat);
  st.bind_static(base + 16, l.tax_code).bind_static(base + 17, l.vat_rate);
  st.bind_static(base + 18, l.vat_mode);
  opt_int(19, l.run_id);
  opt_int(20, l.doc_id);
  if (l.charge_key)
    st.bind_static(base + 21, *l.charge_key);
  else
    st.bind_null(base + 21);
  opt_int(22, l.storno_of);
}

}  // namespace

int64_t Billing::Impl::insert_line(const NewLine& l) {
  static const std::string sql = insert_lines_sql(1);
  auto st = conn.cached(sql);
  LineDates d;
  bind_line(*st, 0, l, d);
  st->run();
  return conn.last_insert_rowid();
}

void Billing::Impl::insert_lines(const std::vector<const NewLine*>& lines) {
  static const std::string sql = insert_lines_sql(kLinesPerInsert);
  size_t i = 0;
  if (lines.size() >= static_cast<size_t>(kLinesPerInsert)) {
    auto st = conn.cached(sql);
    std::array<LineDates, kLinesPerInsert> dates;
    for (; i + kLinesPerInsert <= lines.size(); i += kLinesPerInsert) {
      for (int r = 0; r < kLinesPerInsert; ++r)
        bind_line(*st, r * kLineParams, *lines[i + static_cast<size_t>(r)],
                  dates[static_cast<size_t>(r)]);
      st->run();
      st->reset();
    }
  }
  for (; i < lines.size(); ++i) insert_line(*lines[i]);
}

registry::Context registry_context(const Context& ctx) {
  registry::Context r;
  r.now = ctx.now;
  r.today = ctx.today;
  r.actor = ctx.actor.value_or("billing");
  r.reason = ctx.reason;
  return r;
}

std::string mask_holder(const std::string& name) {
  // Split on spaces into words; keep UTF-8 sequences whole.
  std::vector<std::string> words;
  std::string cur;
  for (char c : name) {
    if (c == ' ') {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(cur);
  auto initial = [](const std::string& w) {
    size_t n = 1;
    const auto lead = static_cast<unsigned char>(w[0]);
    if (lead >= 0xF0)
      n = 4;
    else if (lead >= 0xE0)
      n = 3;
    else if (lead >= 0xC0)
      n = 2;
    return w.substr(0, std::min(n, w.size())) + ".";
  };
  if (words.empty()) return "";
  if (words.size() == 1) return initial(words[0]);
  // Фамилия Имя [Отчество] -> Имя [Отчество] Ф.
  std::string out;
  for (size_t i = 1; i < words.size(); ++i) out += words[i] + " ";
  return out + initial(words[0]);
}

}  // namespace opora::billing

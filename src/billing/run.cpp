// billing.run: accrues every subscription of a period, in chunks of accounts,
// each chunk one transaction that also records the chunk as done (one row per
// chunk, with its counts and totals). A crash loses at most the chunk in
// flight; the next call resumes after the last chunk done. A second
// run of a finished period recomputes each subscription and posts only what
// changed: each changed line reversed and its new computation beside it,
// nothing when nothing changed.
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <map>
#include <tuple>
#include <unordered_map>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace opora::billing {
namespace json = boost::json;

namespace {

std::optional<Date> date_or_null(store::Statement& st, int col) {
  if (st.is_null(col)) return std::nullopt;
  return Date::parse(st.text(col));
}

// Everything a chunk of accounts needs, loaded with a few range queries.
struct SubscriptionTerms {
  int64_t id = 0;
  Span span;
  std::vector<std::pair<Date, std::string>> tariffs;  // from, code
  std::vector<FreezeSpan> freezes;
};

// A live line already posted for a subscription in the period.
struct PostedLine {
  std::optional<Date> from, to;  // absent on adjustments posted before lines had periods
  std::string tax_code, vat_rate, vat_mode, name;
  int64_t base = 0, discount = 0, amount = 0, vat = 0;
  std::optional<int64_t> doc_id;
};

// What is already posted for a subscription in the period.
struct Posted {
  int64_t max_seq = -1;
  std::optional<Date> latest;  // the latest date of its live lines
  std::vector<PostedLine> live;
};

struct AccountTerms {
  AccountRow row;
  std::vector<SubscriptionTerms> subs;
  std::vector<std::pair<std::optional<int64_t>, Discount>> discounts;  // (subscription, discount)
};

// Accounts of one id range, in id order, each with its subscriptions.
struct Chunk {
  std::vector<AccountTerms> accounts;
  std::unordered_map<int64_t, Posted> posted;  // by subscription; empty on a first run
};

}  // namespace

registry::Document accrual_draft(const AccountRow& a, const Date& date,
                                 const std::vector<Billing::Impl::NewLine>& lines,
                                 const std::string& period, std::optional<int64_t> run_id) {
  // A document shows amounts as people read them: the lines a recalculation
  // reverses go into a correction document of their own with positive
  // prices ("correction": "decrease"), their replacements into another
  // ("increase"); the ledger keeps the sign. Each item is its line's price
  // and discount at the line's rate and mode, so the registry computes
  // exactly the line's VAT and the document's VAT per rate is its lines'.
  using Role = Billing::Impl::NewLine::Role;
  const Role role = lines.empty() ? Role::accrual : lines.front().role;
  registry::Document d;
  d.kind = "accrual";
  d.date = date;
  {
    // The holder as the account stores it (checked when it was written).
    FieldErrors errors;
    const json::object body = a.body();
    const json::value* holder = body.if_contains("holder");
    if (holder != nullptr && holder->is_object())
      d.counterparty = registry::parse_party(
          FieldReader(holder->get_object(), "account " + a.number + ".holder", errors), false);
    else
      errors.add("account " + a.number + ".holder", "required", "the account has no holder");
    errors.throw_if_any(ErrorCode::validation);
  }
  d.refs.push_back("billing:account:" + a.number);
  d.currency = a.currency;
  json::array service;
  std::vector<int64_t> corrects;
  for (const auto& l : lines) {
    registry::Item it;
    it.name = l.name;
    it.quantity = Decimal(1);
    it.price = Money(l.base < 0 ? -l.base : l.base, a.currency);
    it.discount = Money(l.discount < 0 ? -l.discount : l.discount, a.currency);
    it.vat_rate = l.vat_rate;
    it.vat_mode = l.vat_mode;
    d.items.push_back(std::move(it));
    json::object period_of_line;
    period_of_line["from"] = l.from ? json::value(l.from->to_string()) : json::value(nullptr);
    period_of_line["to"] = l.to ? json::value(l.to->to_string()) : json::value(nullptr);
    period_of_line["subscription"] =
        l.subscription_id ? json::value(*l.subscription_id) : json::value(nullptr);
    service.push_back(std::move(period_of_line));
    corrects.insert(corrects.end(), l.corrects.begin(), l.corrects.end());
  }
  json::object custom{{"account", a.number}, {"period", period}};
  if (run_id) custom["run"] = *run_id;
  if (role != Role::accrual) {
    custom["correction"] = role == Role::decrease ? "decrease" : "increase";
    std::sort(corrects.begin(), corrects.end());
    corrects.erase(std::unique(corrects.begin(), corrects.end()), corrects.end());
    custom["corrects"] = json::array(corrects.begin(), corrects.end());
  }
  custom["lines"] = std::move(service);
  d.custom = std::move(custom);
  return d;
}

namespace {

class Runner {
 public:
  Runner(Billing::Impl& b, const Period& period, const Context& ctx)
      : b_(b), period_(period), ctx_(ctx) {}

  // Accounts lo..hi (by id) with a subscription in the period, their
  // subscriptions, tariff rows, freezes, discounts and what is posted. An
  // account's number and holder are read only `with_names` (documents,
  // events, messages), its stored body only `with_bodies` (documents).
  Chunk load(int64_t lo, int64_t hi, bool with_names, bool with_bodies) {
    Chunk c;
    const std::string first = period_.first().to_string();
    const std::string last = period_.last().to_string();
    b_.refresh();  // tariffs and rates, once per chunk
    auto st = b_.conn.cached(
        "SELECT s.account_id, CASE WHEN ?7 THEN a.number END, CASE WHEN ?7 THEN a.holder_name END, "
        "a.currency, CASE WHEN ?5 THEN a.body END, "
        "s.id, s.start_date, s.end_date, t.from_date, t.tariff FROM billing_subscription s "
        "JOIN billing_account a ON a.id = s.account_id "
        "JOIN billing_subscription_tariff t ON t.subscription_id = s.id "
        "WHERE s.account_id BETWEEN ?1 AND ?2 AND ((s.start_date <= ?3 AND (s.end_date IS NULL OR "
        "s.end_date >= ?4)) OR EXISTS (SELECT 1 FROM billing_accrual l WHERE l.account_id = "
        "s.account_id AND l.period = ?6 AND l.subscription_id = s.id AND l.storno_of IS NULL AND "
        "l.reversed_by IS NULL)) AND "
        "t.from_date <= ?3 ORDER BY s.account_id, s.id, t.from_date");
    st->bind(1, lo).bind(2, hi).bind(3, last).bind(4, first);
    st->bind(5, static_cast<int64_t>(with_bodies ? 1 : 0)).bind(6, period_.to_string());
    st->bind(7, static_cast<int64_t>(with_names || with_bodies ? 1 : 0));
    std::unordered_map<int64_t, SubscriptionTerms*> by_id;
    c.accounts.reserve(static_cast<size_t>(hi - lo + 1));
    while (st->step()) {
      const int64_t account = st->int64(0);
      if (c.accounts.empty() || c.accounts.back().row.id != account) {
        AccountTerms at;
        at.row.id = account;
        if (with_names || with_bodies) {
          at.row.number = st->text(1);
          at.row.holder_name = st->text(2);
        }
        at.row.currency = *Currency::find(st->text(3));
        if (with_bodies) at.row.body_text = st->text(4);
        c.accounts.push_back(std::move(at));
      }
      auto& subs = c.accounts.back().subs;
      const int64_t id = st->int64(5);
      if (subs.empty() || subs.back().id != id) {
        SubscriptionTerms s;
        s.id = id;
        s.span = Span{*Date::parse(st->text(6)), date_or_null(*st, 7)};
        subs.push_back(std::move(s));
      }
      subs.back().tariffs.emplace_back(*Date::parse(st->text(8)), st->text(9));
    }
    if (c.accounts.empty()) return c;
    for (auto& at : c.accounts)
      for (auto& sub : at.subs) by_id[sub.id] = &sub;
    {
      auto f = b_.conn.cached(
          "SELECT f.subscription_id, f.from_date, f.to_date, f.fee FROM billing_freeze f JOIN "
          "billing_subscription s ON s.id = f.subscription_id WHERE s.account_id BETWEEN ?1 AND "
          "?2 AND f.from_date <= ?3 AND (f.to_date IS NULL OR f.to_date >= ?4)");
      f->bind(1, lo).bind(2, hi).bind(3, last).bind(4, first);
      while (f->step())
        if (auto it = by_id.find(f->int64(0)); it != by_id.end()) {
          // The fee's currency is the account's; set when the account is known.
          FreezeSpan fs{Span{*Date::parse(f->text(1)), date_or_null(*f, 2)}, std::nullopt};
          if (!f->is_null(3)) fs.fee = Money(f->int64(3), *Currency::find("RUB"));
          it->second->freezes.push_back(fs);
        }
    }
    {
      auto d = b_.conn.cached(
          "SELECT id, account_id, subscription_id, name, percent, fixed, from_date, to_date FROM "
          "billing_discount WHERE account_id BETWEEN ?1 AND ?2 AND from_date <= ?3 AND (to_date IS "
          "NULL OR to_date >= ?4)");
      d->bind(1, lo).bind(2, hi).bind(3, last).bind(4, first);
      while (d->step()) {
        Discount dsc;
        dsc.id = d->int64(0);
        dsc.name = d->text(3);
        if (!d->is_null(4)) dsc.percent = Decimal::parse(d->text(4));
        if (!d->is_null(5)) dsc.fixed = Money(d->int64(5), *Currency::find("RUB"));
        dsc.span = Span{*Date::parse(d->text(6)), date_or_null(*d, 7)};
        std::optional<int64_t> sub;
        if (!d->is_null(2)) sub = d->int64(2);
        const int64_t account = d->int64(1);
        auto it = std::lower_bound(c.accounts.begin(), c.accounts.end(), account,
                                   [](const AccountTerms& a, int64_t id) { return a.row.id < id; });
        if (it != c.accounts.end() && it->row.id == account)
          it->discounts.emplace_back(sub, std::move(dsc));
      }
    }
    {
      // "+period": the account range must drive this query (the period
      // alone once made a run quadratic in the number of accounts).
      auto p = b_.conn.cached(
          "SELECT subscription_id, seq, reversed_by IS NULL, date, date_from, date_to, tax_code, "
          "vat_rate, vat_mode, base, discount, amount, vat, name, doc_id FROM billing_accrual "
          "WHERE account_id BETWEEN ?1 AND ?2 AND +period = ?3 AND subscription_id IS NOT NULL "
          "AND storno_of IS NULL ORDER BY subscription_id, seq");
      p->bind(1, lo).bind(2, hi).bind(3, period_.to_string());
      while (p->step()) {
        Posted& posted = c.posted[p->int64(0)];
        posted.max_seq = std::max(posted.max_seq, p->int64(1));
        if (p->int64(2) == 0) continue;  // reversed by a cancelled run
        const Date date = *Date::parse(p->text(3));
        if (!posted.latest || *posted.latest < date) posted.latest = date;
        PostedLine l;
        l.from = date_or_null(*p, 4);
        l.to = date_or_null(*p, 5);
        l.tax_code = p->text(6);
        l.vat_rate = p->text(7);
        l.vat_mode = p->text(8);
        l.base = p->int64(9);
        l.discount = p->int64(10);
        l.amount = p->int64(11);
        l.vat = p->int64(12);
        l.name = p->text(13);
        if (!p->is_null(14)) l.doc_id = p->int64(14);
        posted.live.push_back(std::move(l));
      }
    }
    return c;
  }

  // Lines still to post for one account (empty when it is billed already).
  std::vector<Billing::Impl::NewLine> account_lines(const AccountTerms& at, const Chunk& c,
                                                    int64_t run_id) {
    std::vector<Billing::Impl::NewLine> out;
    const AccountRow& a = at.row;
    struct Terms {
      std::vector<TariffSpan> spans;
      std::vector<FreezeSpan> freezes;
      std::vector<Discount> discounts;
    };
    std::vector<Terms> terms(at.subs.size());
    for (size_t k = 0; k < at.subs.size(); ++k) {
      const SubscriptionTerms& s = at.subs[k];
      Terms& t = terms[k];
      for (size_t i = 0; i < s.tariffs.size(); ++i) {
        Span sp{s.tariffs[i].first, s.span.to};
        // A tariff row ends where the next begins, or earlier if the
        // subscription itself ends first (a disconnection before a planned
        // change).
        if (i + 1 < s.tariffs.size()) {
          const Date before_next = s.tariffs[i + 1].first.add_days(-1);
          sp.to = s.span.to && *s.span.to < before_next ? *s.span.to : before_next;
        }
        if (sp.from < s.span.from) sp.from = s.span.from;
        if (sp.to && *sp.to < sp.from) continue;
        t.spans.push_back({sp, &b_.cached_tariff(s.tariffs[i].second)});
      }
      t.freezes = s.freezes;
      for (auto& f : t.freezes)
        if (f.fee) f.fee = Money(f.fee->minor_units(), a.currency);
      for (const auto& [sub, d] : at.discounts) {
        if (sub ? *sub != s.id : d.fixed.has_value()) continue;
        Discount copy = d;
        if (copy.fixed) copy.fixed = Money(copy.fixed->minor_units(), a.currency);
        t.discounts.push_back(std::move(copy));
      }
    }
    // An account-wide fixed discount is an amount off the account's month,
    // taken once: each day's share goes with the oldest subscription billed
    // that day. Percent discounts apply to every line.
    bool account_fixed = false;
    for (const auto& [sub, d] : at.discounts) account_fixed = account_fixed || (!sub && d.fixed);
    if (account_fixed) {
      const int n = period_.days();
      std::vector<int> owner(static_cast<size_t>(n) + 1, -1);
      for (size_t k = 0; k < at.subs.size(); ++k) {
        const std::vector<bool> billed = billed_days(period_, terms[k].spans, terms[k].freezes);
        for (int d = 1; d <= n; ++d)
          if (owner[static_cast<size_t>(d)] < 0 && billed[static_cast<size_t>(d)])
            owner[static_cast<size_t>(d)] = static_cast<int>(k);
      }
      for (const auto& [sub, d] : at.discounts) {
        if (sub || !d.fixed) continue;
        // The discount's days each subscription owns, as spans of days.
        for (int day = 1; day <= n;) {
          const int k = owner[static_cast<size_t>(day)];
          int end = day;
          while (end < n && owner[static_cast<size_t>(end) + 1] == k) ++end;
          if (k >= 0) {
            Discount part = d;
            part.fixed = Money(d.fixed->minor_units(), a.currency);
            const Date from(period_.year(), period_.month(), day);
            const Date to(period_.year(), period_.month(), end);
            part.span.from = std::max(d.span.from, from);
            part.span.to = d.span.to && *d.span.to < to ? *d.span.to : to;
            if (part.span.from <= *part.span.to)
              terms[static_cast<size_t>(k)].discounts.push_back(std::move(part));
          }
          day = end + 1;
        }
      }
    }
    for (size_t k = 0; k < at.subs.size(); ++k) {
      const SubscriptionTerms& s = at.subs[k];
      const std::vector<LineDraft> drafts =
          accrue_subscription(period_, terms[k].spans, terms[k].freezes, terms[k].discounts, b_);
      const auto posted = c.posted.find(s.id);
      post_difference(a, s.id, drafts, posted == c.posted.end() ? Posted{} : posted->second, run_id,
                      out);
    }
    return out;
  }

 private:
  // The lines of a recalculation are keyed by what identifies a line of a
  // correction invoice: its service period and its rate.
  struct LineKey {
    std::optional<Date> from, to;
    std::string tax_code, vat_rate, vat_mode;
    bool operator<(const LineKey& o) const {
      return std::tie(from, to, tax_code, vat_rate, vat_mode) <
             std::tie(o.from, o.to, o.tax_code, o.vat_rate, o.vat_mode);
    }
  };
  struct Net {
    int64_t base = 0, discount = 0, amount = 0, vat = 0;
    std::string name;           // of the latest line
    std::vector<int64_t> docs;  // the documents of its lines
    bool zero() const { return base == 0 && discount == 0 && amount == 0 && vat == 0; }
  };

  // Compares what the subscription should owe for the period with what is
  // posted and live. The first time, all lines are posted. After a change,
  // a recalculation: each live line (netted per service period and rate)
  // that differs from its new computation is reversed by a line of the
  // opposite amounts, and the new computation is posted beside it, so that
  // every line keeps its own VAT and service period and a correction
  // document never recomputes VAT from a difference. Nothing when they agree.
  void post_difference(const AccountRow& a, int64_t sub, const std::vector<LineDraft>& drafts,
                       const Posted& posted, int64_t run_id,
                       std::vector<Billing::Impl::NewLine>& out) {
    int64_t seq = posted.max_seq + 1;
    auto from_draft = [&](const LineDraft& d) {
      Billing::Impl::NewLine l;
      l.account_id = a.id;
      l.subscription_id = sub;
      l.period = period_.to_string();
      l.seq = seq++;
      l.kind = d.kind;
      l.name = d.name;
      l.from = d.from;
      l.to = d.to;
      l.days = d.days;
      l.base = d.base.minor_units();
      l.discount = d.discount.minor_units();
      l.amount = d.amount.minor_units();
      l.vat = d.vat.minor_units();
      l.tax_code = d.rate.code;
      l.vat_rate = d.rate.text();
      l.vat_mode = to_string(d.vat_mode);
      l.run_id = run_id;
      return l;
    };
    if (posted.live.empty()) {
      for (const auto& d : drafts) {
        Billing::Impl::NewLine l = from_draft(d);
        l.date = d.tariff->timing == Timing::advance ? d.from : period_.last();
        l.due = due_date(l.date, d.tariff->payment_term_days);
        out.push_back(std::move(l));
      }
      return;
    }
    std::map<LineKey, Net> net;
    for (const auto& p : posted.live) {
      Net& n = net[LineKey{p.from, p.to, p.tax_code, p.vat_rate, p.vat_mode}];
      n.base += p.base;
      n.discount += p.discount;
      n.amount += p.amount;
      n.vat += p.vat;
      if (p.amount >= 0 || n.name.empty()) n.name = p.name;
      if (p.doc_id) n.docs.push_back(*p.doc_id);
    }
    std::map<LineKey, const LineDraft*> wanted;
    for (const auto& d : drafts)
      wanted[LineKey{d.from, d.to, d.rate.code, d.rate.text(), to_string(d.vat_mode)}] = &d;
    auto same = [](const Net& n, const LineDraft& d) {
      return n.base == d.base.minor_units() && n.discount == d.discount.minor_units() &&
             n.amount == d.amount.minor_units() && n.vat == d.vat.minor_units();
    };
    std::vector<int64_t> corrects;
    std::vector<std::pair<const LineKey*, const Net*>> reversed;
    for (const auto& [key, n] : net) {
      if (n.zero()) continue;
      const auto w = wanted.find(key);
      if (w != wanted.end() && same(n, *w->second)) continue;
      reversed.emplace_back(&key, &n);
      corrects.insert(corrects.end(), n.docs.begin(), n.docs.end());
    }
    std::vector<const LineDraft*> added;
    for (const auto& [key, d] : wanted) {
      const auto n = net.find(key);
      if (n == net.end() || !same(n->second, *d)) added.push_back(d);
    }
    if (reversed.empty() && added.empty()) return;
    // Today, but never before the lines it corrects (an arrears fee is
    // dated the month's last day), nor before the period.
    Date date = std::max(ctx_.today, period_.first());
    if (posted.latest && date < *posted.latest) date = *posted.latest;
    for (const auto& [key, n] : reversed) {
      Billing::Impl::NewLine l;
      l.account_id = a.id;
      l.subscription_id = sub;
      l.period = period_.to_string();
      l.seq = seq++;
      l.kind = "adjustment";
      l.name = n->name;
      l.date = date;
      l.due = date;  // a credit: it settles like a payment
      l.from = key->from;
      l.to = key->to;
      if (key->from && key->to) l.days = key->from->days_until(*key->to) + 1;
      l.base = -n->base;
      l.discount = -n->discount;
      l.amount = -n->amount;
      l.vat = -n->vat;
      l.tax_code = key->tax_code;
      l.vat_rate = key->vat_rate;
      l.vat_mode = key->vat_mode;
      l.run_id = run_id;
      l.role = Billing::Impl::NewLine::Role::decrease;
      l.corrects = corrects;
      out.push_back(std::move(l));
    }
    for (const LineDraft* d : added) {
      Billing::Impl::NewLine l = from_draft(*d);
      l.kind = "adjustment";
      l.date = date;
      l.due = due_date(date, d->tariff->payment_term_days);
      l.role = Billing::Impl::NewLine::Role::increase;
      l.corrects = corrects;
      out.push_back(std::move(l));
    }
  }

  Billing::Impl& b_;
  Period period_;
  const Context& ctx_;
};

}  // namespace

json::object run_summary(store::Connection& conn, int64_t run_id) {
  // A run's figures are the sums of the chunks it finished.
  auto st = conn.cached(
      "SELECT id, period, status, (SELECT COALESCE(SUM(accounts), 0) FROM billing_run_chunk WHERE "
      "run_id = r.id), (SELECT COALESCE(SUM(lines), 0) FROM billing_run_chunk WHERE run_id = "
      "r.id), started_at, finished_at, cancelled_at FROM billing_run r WHERE id = ?1");
  st->bind(1, run_id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "run", "unknown_run", "no run " + std::to_string(run_id));
  json::object o{{"run", st->int64(0)},      {"period", st->text(1)}, {"status", st->text(2)},
                 {"accounts", st->int64(3)}, {"lines", st->int64(4)}, {"started_at", st->text(5)}};
  o["finished_at"] = st->is_null(6) ? json::value(nullptr) : json::value(st->text(6));
  o["cancelled_at"] = st->is_null(7) ? json::value(nullptr) : json::value(st->text(7));
  json::array totals;
  auto t = conn.cached(
      "SELECT currency, SUM(amount), SUM(vat) FROM billing_run_chunk_total WHERE run_id = ?1 GROUP "
      "BY currency ORDER BY currency");
  t->bind(1, run_id);
  while (t->step()) {
    const Currency c = *Currency::find(t->text(0));
    totals.push_back({{"currency", c.code()},
                      {"amount", Money(t->int64(1), c).to_string()},
                      {"vat", Money(t->int64(2), c).to_string()}});
  }
  o["totals"] = std::move(totals);
  return o;
}

json::object Billing::run(const json::object& p, const Context& ctx, const Progress& progress) {
  FieldErrors errors;
  const FieldReader r(p, "", errors);
  const auto period_text = r.str("period", true, 64);  // a month: Period checks the form
  errors.throw_if_any(ErrorCode::invalid);
  const Period period = Period::parse_field(*period_text, "period");
  int64_t chunk = 10000;
  if (const auto* v = r.get("chunk_size")) chunk = v->as_int64();
  const bool documents = !p.contains("documents") || p.at("documents").as_bool();

  store::Connection& conn = impl_->conn;
  std::optional<int64_t> run_id;
  int64_t cursor = 0;  // the last account id of the chunks done
  int64_t last_id = 0;
  {
    store::Transaction tx(conn, store::Transaction::Mode::deferred);
    auto st = conn.cached(
        "SELECT id, (SELECT COALESCE(MAX(last_account), 0) FROM billing_run_chunk WHERE run_id = "
        "r.id) FROM billing_run r WHERE period = ?1 AND status = 'running'");
    st->bind(1, period.to_string());
    if (st->step()) {
      run_id = st->int64(0);
      cursor = st->int64(1);
    }
    auto max = conn.cached("SELECT COALESCE(MAX(id), 0) FROM billing_account");
    max->step();
    last_id = max->int64(0);
    tx.commit();
  }
  // A run posts nothing into a closed period: when the month is (partly)
  // closed, every line the run would post is computed first and the run is
  // refused whole if one falls on a closed day. (A recalculation is dated
  // today, after the closed days, so a closed month can still be corrected.)
  if (const auto until = impl_->closed_until(); until && period.first() <= *until) {
    store::Transaction tx(conn, store::Transaction::Mode::deferred);
    for (int64_t lo = cursor; lo < last_id; lo += chunk) {
      Runner runner(*impl_, period, ctx);
      const Chunk c = runner.load(lo + 1, std::min(last_id, lo + chunk), true, false);
      for (const AccountTerms& at : c.accounts)
        for (const auto& l : runner.account_lines(at, c, 0))
          impl_->check_open(l.date, "period",
                            "a line of account " + at.row.number + " for " + period.to_string());
    }
    tx.commit();
  }
  // Chunks are ranges of account ids; progress counts through the same ids.
  const bool resumed = run_id.has_value();
  int64_t new_lines = 0;
  bool complete = false;
  while (true) {
    store::Transaction tx(conn);
    if (cursor >= last_id) {
      if (run_id) {
        auto st = conn.cached(
            "UPDATE billing_run SET status = 'done', finished_at = ?2 WHERE id = ?1 AND status = "
            "'running'");
        st->bind(1, *run_id).bind(2, ctx.now.to_string());
        st->run();
      }
      tx.commit();
      complete = true;
      break;
    }
    Runner runner(*impl_, period, ctx);
    const int64_t hi = std::min(last_id, cursor + chunk);
    const Chunk c = runner.load(cursor + 1, hi, impl_->positions_wanted(), documents);
    int64_t chunk_accounts = 0;
    int64_t chunk_lines = 0;
    // Documents are written a thousand at a time: a chunk's worth of them
    // (10,000 by default) would hold tens of megabytes at once.
    constexpr size_t kDocumentBatch = 1000;
    std::vector<registry::Document> docs;
    std::vector<int64_t> doc_ids;
    std::map<int64_t, std::string> doc_numbers;
    const bool publish = impl_->positions_wanted();
    const registry::Context rctx = registry_context(ctx);
    const auto write_documents = [&] {
      if (docs.empty()) return;
      impl_->registry.create_many(docs, rctx);
      for (auto& d : docs) {
        doc_ids.push_back(d.id);
        if (publish) doc_numbers[d.id] = std::move(d.number);
      }
      docs.clear();
    };
    std::vector<std::vector<Billing::Impl::NewLine>> per_account;
    std::vector<const AccountRow*> owners;
    std::vector<std::array<int, 3>> doc_slots;  // per account: its documents in `docs`, by role
    for (const AccountTerms& at : c.accounts) {
      auto lines = runner.account_lines(at, c, 0);
      if (lines.empty()) continue;
      if (!run_id) {
        auto st = conn.cached(
            "INSERT INTO billing_run (period, status, started_at, actor) VALUES (?1, 'running', "
            "?2, "
            "?3)");
        st->bind(1, period.to_string()).bind(2, ctx.now.to_string());
        if (ctx.actor)
          st->bind(3, *ctx.actor);
        else
          st->bind_null(3);
        st->run();
        run_id = conn.last_insert_rowid();
      }
      for (auto& l : lines) l.run_id = run_id;
      ++chunk_accounts;
      chunk_lines += static_cast<int64_t>(lines.size());
      if (documents) {
        // New lines in the accrual document; a recalculation's reversals
        // and replacements each in a correction document.
        using Role = Billing::Impl::NewLine::Role;
        std::array<std::vector<Billing::Impl::NewLine>, 3> groups;
        for (const auto& l : lines) groups[static_cast<size_t>(l.role)].push_back(l);
        std::array<int, 3> slots{-1, -1, -1};
        for (size_t g = 0; g < groups.size(); ++g) {
          if (groups[g].empty()) continue;
          Date date = groups[g].front().date;
          for (const auto& l : groups[g]) date = std::min(date, l.date);
          slots[g] = static_cast<int>(doc_ids.size() + docs.size());
          docs.push_back(accrual_draft(at.row, date, groups[g], period.to_string(), run_id));
        }
        if (docs.size() >= kDocumentBatch) write_documents();
        static_assert(static_cast<size_t>(Role::decrease) == 2, "three document roles");
        doc_slots.push_back(slots);
      }
      per_account.push_back(std::move(lines));
      owners.push_back(&at.row);
    }
    write_documents();
    std::map<std::string, std::pair<int64_t, int64_t>> sums;  // currency -> amount, vat
    // Without events nobody needs a line's id: the chunk's lines are written
    // several to a statement once every account's are known.
    std::vector<const Billing::Impl::NewLine*> batch;
    for (size_t i = 0; i < per_account.size(); ++i) {
      auto& sum = sums[std::string(owners[i]->currency.code())];
      // A correction (a negative line) may clear the debt: its event says so.
      std::optional<int64_t> debt_before;
      if (publish && std::any_of(per_account[i].begin(), per_account[i].end(),
                                 [](const auto& l) { return l.amount < 0; }))
        debt_before = impl_->owed(owners[i]->id, ctx.today).debt;
      std::vector<int64_t> ids;
      for (auto& l : per_account[i]) {
        if (documents) {
          const int slot = doc_slots[i][static_cast<size_t>(l.role)];
          l.doc_id = doc_ids[static_cast<size_t>(slot)];
        }
        if (publish)
          ids.push_back(impl_->insert_line(l));
        else
          batch.push_back(&l);
        sum.first += l.amount;
        sum.second += l.vat;
      }
      if (publish)
        impl_->accruals_posted(*owners[i], per_account[i], ids, doc_numbers, debt_before, ctx);
    }
    impl_->insert_lines(batch);
    if (run_id) {
      // The chunk is done: its row and its totals, in its own transaction.
      auto st = conn.cached(
          "INSERT INTO billing_run_chunk (run_id, first_account, last_account, accounts, lines, "
          "finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      st->bind(1, *run_id).bind(2, cursor + 1).bind(3, hi).bind(4, chunk_accounts);
      st->bind(5, chunk_lines).bind(6, ctx.now.to_string());
      st->run();
      for (const auto& [code, sum] : sums) {
        auto t = conn.cached(
            "INSERT INTO billing_run_chunk_total (run_id, first_account, currency, amount, vat) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        t->bind(1, *run_id).bind(2, cursor + 1).bind(3, code).bind(4, sum.first);
        t->bind(5, sum.second);
        t->run();
      }
    }
    // The chunk's documents reach the exchange in the chunk's transaction,
    // and the registry holds no list of a whole run's documents.
    impl_->registry.flush_changes();
    cursor = hi;
    tx.commit();
    new_lines += chunk_lines;
    if (progress && !progress(cursor, last_id)) break;
  }
  json::object out = run_id ? run_summary(conn, *run_id) : json::object{{"run", nullptr}};
  out["period"] = period.to_string();
  out["new_lines"] = new_lines;
  out["complete"] = complete;
  out["resumed"] = resumed;
  if (!run_id) out["status"] = "nothing_to_bill";
  return out;
}

json::object Billing::cancel_run(const json::object& p, const Context& ctx) {
  const int64_t run_id = p.at("run").as_int64();
  store::Connection& conn = impl_->conn;
  json::object before = run_summary(conn, run_id);
  if (before.at("status").as_string() != "done")
    fail_field(ErrorCode::state, "run", "not_done",
               "run " + std::to_string(run_id) + " is " +
                   std::string(before.at("status").as_string()) +
                   "; only a finished run can be cancelled");
  {
    // Runs of a period are undone newest first: a later run's
    // recalculation reverses lines of this one by their amounts, and
    // cancelling this one under it would leave those reversals standing
    // against nothing.
    auto later = conn.cached(
        "SELECT id FROM billing_run WHERE period = ?1 AND id > ?2 AND status <> 'cancelled' "
        "ORDER BY id DESC LIMIT 1");
    later->bind(1, before.at("period").as_string()).bind(2, run_id);
    if (later->step())
      fail_field(ErrorCode::state, "run", "later_run",
                 "run " + std::to_string(later->int64(0)) + " of period " +
                     std::string(before.at("period").as_string()) +
                     " came after it; cancel that run first");
  }
  // Every live line of the run gets its storno, dated today; the accrual
  // documents become "reversed" in the registry.
  std::vector<Billing::Impl::NewLine> stornos;
  std::vector<int64_t> originals;
  std::vector<int64_t> docs;
  {
    auto st = conn.cached(
        "SELECT id, account_id, subscription_id, period, seq, name, base, discount, amount, vat, "
        "tax_code, vat_rate, vat_mode, doc_id, date_from, date_to, days, date FROM billing_accrual "
        "WHERE account_id BETWEEN (SELECT MIN(first_account) FROM billing_run_chunk WHERE run_id = "
        "?1) AND (SELECT MAX(last_account) FROM billing_run_chunk WHERE run_id = ?1) AND period = "
        "?2 AND subscription_id IS NOT NULL AND storno_of IS NULL AND run_id = ?1 AND reversed_by "
        "IS NULL");
    st->bind(1, run_id).bind(2, before.at("period").as_string());
    while (st->step()) {
      Billing::Impl::NewLine l;
      originals.push_back(st->int64(0));
      l.account_id = st->int64(1);
      if (!st->is_null(2)) l.subscription_id = st->int64(2);
      l.period = st->text(3);
      l.seq = st->int64(4);
      l.kind = "storno";
      l.name = "Сторно: " + st->text(5);
      // Never before the line it reverses, or a statement between the two
      // dates would count the storno alone.
      l.date = std::max(ctx.today, *Date::parse(st->text(17)));
      l.due = l.date;
      l.base = -st->int64(6);
      l.discount = -st->int64(7);
      l.amount = -st->int64(8);
      l.vat = -st->int64(9);
      l.tax_code = st->text(10);
      l.vat_rate = st->text(11);
      l.vat_mode = st->text(12);
      if (!st->is_null(13)) docs.push_back(st->int64(13));
      l.from = date_or_null(*st, 14);
      l.to = date_or_null(*st, 15);
      if (!st->is_null(16)) l.days = st->int64(16);
      l.run_id = run_id;
      l.storno_of = originals.back();
      stornos.push_back(std::move(l));
    }
  }
  for (const auto& l : stornos) impl_->check_open(l.date, "run", "a storno of the run");
  // The position of each account before its lines are reversed, for the
  // events that say what the cancellation did to it.
  std::map<int64_t, std::pair<int64_t, int64_t>> reversed;  // account -> amount, debt before
  if (impl_->positions_wanted())
    for (const auto& l : stornos)
      if (reversed.count(l.account_id) == 0)
        reversed[l.account_id] = {0, impl_->owed(l.account_id, ctx.today).debt};
  for (size_t i = 0; i < stornos.size(); ++i) {
    if (auto it = reversed.find(stornos[i].account_id); it != reversed.end())
      it->second.first += stornos[i].amount;
    const int64_t id = impl_->insert_line(stornos[i]);
    auto up = conn.cached("UPDATE billing_accrual SET reversed_by = ?2 WHERE id = ?1");
    up->bind(1, originals[i]).bind(2, id);
    up->run();
  }
  std::sort(docs.begin(), docs.end());
  docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
  const registry::Context rctx = registry_context(ctx);
  for (int64_t d : docs) impl_->registry.set_status(d, "reversed", std::nullopt, rctx);
  auto st =
      conn.cached("UPDATE billing_run SET status = 'cancelled', cancelled_at = ?2 WHERE id = ?1");
  st->bind(1, run_id).bind(2, ctx.now.to_string());
  st->run();
  impl_->journal(ctx, "run.cancel", "run:" + std::to_string(run_id),
                 {{"period", before.at("period")},
                  {"lines_reversed", static_cast<int64_t>(stornos.size())},
                  {"documents_reversed", static_cast<int64_t>(docs.size())}});
  for (const auto& [account, change] : reversed)
    impl_->accruals_reversed(impl_->account_by_id(account), run_id,
                             std::string(before.at("period").as_string()), change.first,
                             change.second, ctx);
  json::object out = run_summary(conn, run_id);
  out["lines_reversed"] = static_cast<int64_t>(stornos.size());
  return out;
}

json::object Billing::runs(const json::object& p) {
  json::array out;
  auto st = impl_->conn.cached(
      "SELECT id FROM billing_run WHERE (?1 IS NULL OR period = ?1) ORDER BY id");
  if (const auto* v = p.if_contains("period"); v != nullptr && v->is_string())
    st->bind(1, Period::parse_field(std::string(v->get_string()), "period").to_string());
  else
    st->bind_null(1);
  std::vector<int64_t> ids;
  while (st->step()) ids.push_back(st->int64(0));
  st->reset();
  for (int64_t id : ids) out.push_back(run_summary(impl_->conn, id));
  return {{"runs", std::move(out)}};
}

}  // namespace opora::billing

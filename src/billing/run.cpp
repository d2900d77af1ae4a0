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
#include <functional>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>

#include "billing/impl.hpp"
#include "billing/run_chunks.hpp"
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
        "SELECT s.account_id, CASE WHEN ?7 <> 0 THEN a.number END, CASE WHEN ?7 <> 0 THEN "
        "a.holder_name END, a.currency, CASE WHEN ?5 <> 0 THEN a.body END, "
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
      // "period || ''": the account range must drive this query (the period
      // alone once made a run quadratic in the number of accounts); SQLite
      // uses no index for an expression (a unary + does the same there, but
      // PostgreSQL has no + for text).
      auto p = b_.conn.cached(
          "SELECT subscription_id, seq, reversed_by IS NULL, date, date_from, date_to, tax_code, "
          "vat_rate, vat_mode, base, discount, amount, vat, name, doc_id FROM billing_accrual "
          "WHERE account_id BETWEEN ?1 AND ?2 AND period || '' = ?3 AND "
          "subscription_id IS NOT NULL AND storno_of IS NULL ORDER BY subscription_id, seq");
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

namespace {

// How long a claim holds a chunk unless the caller says: far longer than a
// chunk takes, so that a lease runs out only when its worker died.
constexpr int64_t kRunLeaseSeconds = 600;

// The lines a chunk will post, computed before its transaction writes: the
// chunk's terms, each account's new lines (in account order), and how many
// documents each numbering sequence will give them.
struct PreparedChunk {
  Chunk c;
  std::vector<size_t> owners;  // index in c.accounts of each entry of per_account
  std::vector<std::vector<Billing::Impl::NewLine>> per_account;
  std::map<std::string, size_t> documents;           // sequence scope -> documents
  std::map<std::string, registry::Document> sample;  // a document of each scope
};

// Thrown inside a chunk's transaction when its data changed since its
// numbers were reserved and it needs more: the chunk is prepared again.
struct NumbersShort {};

// Bills claimed chunks of one run. Each chunk: its numbers reserved in a
// short transaction (when it writes documents), then billed in one
// transaction that ends with the fencing check, so a worker that lost its
// lease posts nothing.
class ChunkBiller {
 public:
  ChunkBiller(Billing::Impl& b, const Period& period, const Context& ctx, int64_t run,
              bool documents)
      : b_(b), period_(period), ctx_(ctx), run_(run), documents_(documents) {}

  enum class Outcome { done, lost, stopped };

  // Bills `c`. `ready`, when given, is called once the chunk's numbers are
  // reserved, just before its transaction; false gives the chunk back.
  // An error gives the chunk back and is thrown on.
  Outcome bill(const run_chunks::Claimed& c, const std::function<bool()>& ready) {
    try {
      for (int attempt = 0; attempt < 3; ++attempt) {
        const auto o = attempt_chunk(c, ready);
        if (o) return *o;
      }
    } catch (...) {
      b_.registry.discard_changes();
      run_chunks::release(b_.conn, c);
      throw;
    }
    run_chunks::release(b_.conn, c);
    throw Error(ErrorCode::busy, "the accounts of chunk " + std::to_string(c.first) + ".." +
                                     std::to_string(c.last) +
                                     " kept changing while it was billed; run again");
  }

  int64_t new_lines() const { return new_lines_; }
  // How the run stood after the last chunk this biller finished.
  run_chunks::Settled settled() const { return settled_; }

 private:
  std::optional<Outcome> attempt_chunk(const run_chunks::Claimed& c,
                                       const std::function<bool()>& ready) {
    store::Connection& conn = b_.conn;
    std::optional<PreparedChunk> prepared;
    int64_t version = 0;
    if (documents_) {
      // Numbers are reserved before the chunk's transaction, in one of their
      // own, so that workers never hold a sequence while billing (on a
      // server database the sequence's row would serialise them). The chunk
      // keeps them: whoever bills it after a lost attempt uses the same ones.
      version = conn.data_version();
      {
        store::Transaction tx(conn, store::Transaction::Mode::deferred);
        prepared = prepare(c);
        tx.commit();
      }
      if (!reserve(c, *prepared)) return Outcome::lost;
    }
    if (ready && !ready()) {
      run_chunks::release(conn, c);
      return Outcome::stopped;
    }
    // Beside other workers' chunks (on PostgreSQL): the chunk's accounts
    // are its own, its ids come from the tables' sequences, and what must
    // be ordered (exchange changes, events to workflows) takes its turn
    // (store::Connection::serialize). No immediate writer runs meanwhile.
    store::Transaction tx(conn, store::Transaction::Mode::concurrent);
    run_chunks::Held held = run_chunks::held(conn, c);
    if (!held.ours) return Outcome::lost;
    // Nothing changed since it was prepared (no other connection committed):
    // what was computed stands.
    if (!prepared || conn.data_version() != version) prepared = prepare(c);
    int64_t accounts = 0;
    int64_t lines = 0;
    try {
      write(*prepared, held.numbers, c.first, accounts, lines);
    } catch (const NumbersShort&) {
      b_.registry.discard_changes();
      return std::nullopt;  // rolled back; prepared and reserved again
    }
    if (!run_chunks::finish(conn, c, accounts, lines, ctx_.now.to_string())) {
      b_.registry.discard_changes();
      return Outcome::lost;
    }
    settled_ = run_chunks::settle(conn, run_, ctx_.now.to_string());
    // The chunk's documents reach the exchange in the chunk's transaction,
    // and the registry holds no list of a whole run's documents.
    b_.registry.flush_changes();
    tx.commit();
    new_lines_ += lines;
    return Outcome::done;
  }

  PreparedChunk prepare(const run_chunks::Claimed& c) {
    PreparedChunk p;
    Runner runner(b_, period_, ctx_);
    p.c = runner.load(c.first, c.last, b_.positions_wanted(), documents_);
    for (size_t i = 0; i < p.c.accounts.size(); ++i) {
      auto lines = runner.account_lines(p.c.accounts[i], p.c, run_);
      if (lines.empty()) continue;
      if (documents_) {
        std::array<std::optional<Date>, 3> dates;
        for (const auto& l : lines) {
          auto& d = dates[static_cast<size_t>(l.role)];
          if (!d || l.date < *d) d = l.date;
        }
        for (const auto& d : dates) {
          if (!d) continue;
          registry::Document doc;
          doc.kind = "accrual";
          doc.date = *d;
          const std::string scope = b_.registry.sequence_scope(doc);
          ++p.documents[scope];
          p.sample.emplace(scope, std::move(doc));
        }
      }
      p.owners.push_back(i);
      p.per_account.push_back(std::move(lines));
    }
    return p;
  }

  // Takes the numbers the chunk lacks, in a short transaction that first
  // checks the claim still holds. False when the lease was lost.
  bool reserve(const run_chunks::Claimed& c, const PreparedChunk& p) {
    store::Connection& conn = b_.conn;
    // Beside the other workers' chunks (PostgreSQL): an immediate writer
    // would wait for every chunk under way, and they for it. The registry
    // takes the numbers in the ordered section.
    store::Transaction tx(conn, store::Transaction::Mode::concurrent);
    run_chunks::Held held = run_chunks::held(conn, c);
    if (!held.ours) return false;
    bool taken = false;
    const registry::Context rctx = registry_context(ctx_);
    for (const auto& [scope, count] : p.documents) {
      auto& have = held.numbers[scope];
      if (have.size() >= count) continue;
      for (auto& n : b_.registry.take_numbers(p.sample.at(scope), count - have.size(), rctx))
        have.push_back(std::move(n));
      taken = true;
    }
    if (taken) run_chunks::save_numbers(conn, c, held.numbers);
    tx.commit();
    return true;
  }

  // Posts the prepared lines and their documents (numbered from `numbers`,
  // each sequence's in order) and the chunk's totals, in the caller's
  // transaction.
  void write(PreparedChunk& p, const run_chunks::Numbers& numbers, int64_t first,
             int64_t& chunk_accounts, int64_t& chunk_lines) {
    store::Connection& conn = b_.conn;
    if (const auto until = b_.closed_until(); until && period_.first() <= *until)
      for (size_t i = 0; i < p.per_account.size(); ++i)
        for (const auto& l : p.per_account[i])
          b_.check_open(l.date, "period",
                        "a line of account " + p.c.accounts[p.owners[i]].row.number + " for " +
                            period_.to_string());
    // Documents are written a thousand at a time: a chunk's worth of them
    // (10,000 by default) would hold tens of megabytes at once.
    constexpr size_t kDocumentBatch = 1000;
    std::vector<registry::Document> docs;
    std::vector<int64_t> doc_ids;
    std::map<int64_t, std::string> doc_numbers;
    std::map<std::string, size_t> used;  // numbers used per sequence
    const bool publish = b_.positions_wanted();
    const registry::Context rctx = registry_context(ctx_);
    const auto write_documents = [&] {
      if (docs.empty()) return;
      for (auto& d : docs) {
        const std::string scope = b_.registry.sequence_scope(d);
        const auto it = numbers.find(scope);
        size_t& next = used[scope];
        if (it == numbers.end() || next >= it->second.size()) throw NumbersShort{};
        d.number = it->second[next++];
      }
      b_.registry.create_many_numbered(docs, rctx);
      for (auto& d : docs) {
        doc_ids.push_back(d.id);
        if (publish) doc_numbers[d.id] = std::move(d.number);
      }
      docs.clear();
    };
    std::vector<std::array<int, 3>> doc_slots;  // per account: its documents, by role
    for (size_t i = 0; i < p.per_account.size(); ++i) {
      const AccountRow& a = p.c.accounts[p.owners[i]].row;
      const auto& lines = p.per_account[i];
      ++chunk_accounts;
      chunk_lines += static_cast<int64_t>(lines.size());
      if (!documents_) continue;
      // New lines in the accrual document; a recalculation's reversals and
      // replacements each in a correction document.
      using Role = Billing::Impl::NewLine::Role;
      std::array<std::vector<Billing::Impl::NewLine>, 3> groups;
      for (const auto& l : lines) groups[static_cast<size_t>(l.role)].push_back(l);
      std::array<int, 3> slots{-1, -1, -1};
      for (size_t g = 0; g < groups.size(); ++g) {
        if (groups[g].empty()) continue;
        Date date = groups[g].front().date;
        for (const auto& l : groups[g]) date = std::min(date, l.date);
        slots[g] = static_cast<int>(doc_ids.size() + docs.size());
        docs.push_back(accrual_draft(a, date, groups[g], period_.to_string(), run_));
      }
      if (docs.size() >= kDocumentBatch) write_documents();
      static_assert(static_cast<size_t>(Role::decrease) == 2, "three document roles");
      doc_slots.push_back(slots);
    }
    write_documents();
    std::map<std::string, std::pair<int64_t, int64_t>> sums;  // currency -> amount, vat
    // Without events nobody needs a line's id: the chunk's lines are written
    // several to a statement once every account's are known.
    std::vector<const Billing::Impl::NewLine*> batch;
    for (size_t i = 0; i < p.per_account.size(); ++i) {
      const AccountRow& a = p.c.accounts[p.owners[i]].row;
      auto& sum = sums[std::string(a.currency.code())];
      // A correction (a negative line) may clear the debt: its event says so.
      std::optional<int64_t> debt_before;
      if (publish && std::any_of(p.per_account[i].begin(), p.per_account[i].end(),
                                 [](const auto& l) { return l.amount < 0; }))
        debt_before = b_.owed(a.id, ctx_.today).debt;
      std::vector<int64_t> ids;
      for (auto& l : p.per_account[i]) {
        if (documents_) {
          const int slot = doc_slots[i][static_cast<size_t>(l.role)];
          l.doc_id = doc_ids[static_cast<size_t>(slot)];
        }
        if (publish)
          ids.push_back(b_.insert_line(l));
        else
          batch.push_back(&l);
        sum.first += l.amount;
        sum.second += l.vat;
      }
      if (publish) b_.accruals_posted(a, p.per_account[i], ids, doc_numbers, debt_before, ctx_);
    }
    b_.insert_lines(batch);
    for (const auto& [code, sum] : sums) {
      auto t = conn.cached(
          "INSERT INTO billing_run_chunk_total (run_id, first_account, currency, amount, vat) "
          "VALUES (?1, ?2, ?3, ?4, ?5)");
      t->bind(1, run_).bind(2, first);
      t->bind(3, code).bind(4, sum.first).bind(5, sum.second);
      t->run();
    }
  }

  Billing::Impl& b_;
  Period period_;
  const Context& ctx_;
  int64_t run_;
  bool documents_;
  int64_t new_lines_ = 0;
  run_chunks::Settled settled_ = run_chunks::Settled::running;
};

}  // namespace

namespace {

// The claim's clock: the handle's, never the wall clock directly (a manual
// clock moves leases as it moves everything else).
std::string plus_seconds(const Timestamp& t, int64_t seconds) {
  return Timestamp(t.seconds() + seconds).to_string();
}

// What a billing.run or billing.run.work call answers: the run's figures, or
// nothing_to_bill when the run posted nothing and is gone.
json::object run_answer(store::Connection& conn, const Period& period, int64_t run, bool removed) {
  json::object out = removed ? json::object{{"run", nullptr}} : run_summary(conn, run);
  out["period"] = period.to_string();
  if (removed) out["status"] = "nothing_to_bill";
  return out;
}

}  // namespace

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
  const std::string now = ctx.now.to_string();

  // A run posts nothing into a closed period: when the month is (partly)
  // closed, every line the run would post is computed first and the run is
  // refused whole if one falls on a closed day. (A recalculation is dated
  // today, after the closed days, so a closed month can still be corrected.)
  if (const auto until = impl_->closed_until(); until && period.first() <= *until) {
    store::Transaction tx(conn, store::Transaction::Mode::deferred);
    std::vector<std::pair<int64_t, int64_t>> ranges;
    int64_t planned = 0;
    if (const auto running = run_chunks::find_running(conn, period.to_string())) {
      ranges = run_chunks::open_ranges(conn, running->run);
      planned = run_chunks::progress(conn, running->run).second;
    }
    auto max = conn.cached("SELECT COALESCE(MAX(id), 0) FROM billing_account");
    max->step();
    const int64_t last_id = max->int64(0);
    max->reset();
    for (int64_t lo = planned + 1; lo <= last_id; lo += chunk)
      ranges.emplace_back(lo, std::min(last_id, lo + chunk - 1));
    for (const auto& [lo, hi] : ranges) {
      Runner runner(*impl_, period, ctx);
      const Chunk c = runner.load(lo, hi, true, false);
      for (const AccountTerms& at : c.accounts)
        for (const auto& l : runner.account_lines(at, c, 0))
          impl_->check_open(l.date, "period",
                            "a line of account " + at.row.number + " for " + period.to_string());
    }
    tx.commit();
  }
  // The run is planned (or resumed: its chunks not done yet, and chunks for
  // accounts opened since), then this call claims and bills its chunks one
  // after another, in account order, until none is left to claim.
  bool resumed = false;
  run_chunks::Plan plan;
  {
    store::Transaction tx(conn);
    resumed = run_chunks::find_running(conn, period.to_string()).has_value();
    plan = run_chunks::plan(conn, period.to_string(), chunk, documents, now, ctx.actor);
    tx.commit();
  }
  const int64_t total_planned = run_chunks::progress(conn, plan.run).second;
  // Under its own worker name: a call that resumes after a crash takes back
  // at once the chunk the crashed one held.
  const std::string worker = "billing.run";
  ChunkBiller biller(*impl_, period, ctx, plan.run, documents);
  bool removed = false;
  bool complete = false;
  bool first = true;
  while (true) {
    const auto claimed = run_chunks::claim(conn, plan.run, worker, now,
                                           plus_seconds(ctx.now, kRunLeaseSeconds), first);
    first = false;
    if (!claimed) {
      // Nothing left to claim: the run is over, or other workers hold the
      // rest (they finish it).
      store::Transaction tx(conn);
      const auto settled = run_chunks::settle(conn, plan.run, now);
      tx.commit();
      removed = settled == run_chunks::Settled::removed;
      complete = settled != run_chunks::Settled::running;
      break;
    }
    ChunkBiller::Outcome outcome = ChunkBiller::Outcome::done;
    try {
      outcome = biller.bill(*claimed, {});
    } catch (...) {
      // A run that posted nothing leaves nothing behind.
      run_chunks::discard_if_empty(conn, plan.run, now);
      throw;
    }
    if (outcome != ChunkBiller::Outcome::done) continue;
    const bool over = biller.settled() != run_chunks::Settled::running;
    // After each chunk, the last one too (a removed run has no chunks left
    // to count: everything planned was looked at).
    bool go_on = true;
    if (progress) {
      const auto [done, total] = run_chunks::progress(conn, plan.run);
      go_on = biller.settled() == run_chunks::Settled::removed
                  ? progress(total_planned, total_planned)
                  : progress(done, total);
    }
    if (over) {
      removed = biller.settled() == run_chunks::Settled::removed;
      complete = true;
      break;
    }
    if (!go_on) break;
  }
  json::object out = run_answer(conn, period, plan.run, removed);
  out["new_lines"] = biller.new_lines();
  out["complete"] = complete;
  out["resumed"] = resumed;
  return out;
}

json::object Billing::work_run(const json::object& p, const Context& ctx,
                               const Progress& progress) {
  const json::value* run_v = p.if_contains("run");
  const json::value* period_v = p.if_contains("period");
  if (run_v == nullptr && period_v == nullptr)
    fail_field(ErrorCode::invalid, "period", "required",
               "give period (join its running run, or plan one) or run (join that run)");
  if (run_v != nullptr && period_v != nullptr)
    fail_field(ErrorCode::invalid, "run", "conflict",
               "give period or run, not both: a run has its period");
  const std::string worker(p.at("worker").as_string());
  const int64_t lease =
      p.contains("lease_seconds") ? p.at("lease_seconds").as_int64() : kRunLeaseSeconds;
  // No limit: as many chunks as the run has.
  const int64_t max_chunks = p.contains("max_chunks") ? p.at("max_chunks").as_int64()
                                                      : std::numeric_limits<int64_t>::max();
  const int64_t chunk = p.contains("chunk_size") ? p.at("chunk_size").as_int64() : 10000;
  const bool documents = !p.contains("documents") || p.at("documents").as_bool();
  store::Connection& conn = impl_->conn;
  const std::string now = ctx.now.to_string();
  // Joins the given run, or the period's running run, or plans one (the
  // first worker to come). A worker given the run never starts another: one
  // that comes after the run is done has nothing to do.
  bool joined = true;
  run_chunks::Plan plan;
  std::optional<Period> period;
  if (run_v != nullptr) {
    store::Transaction tx(conn, store::Transaction::Mode::deferred);
    auto found = run_chunks::find(conn, run_v->as_int64());
    tx.commit();
    if (!found)
      fail_field(ErrorCode::not_found, "run", "unknown_run",
                 "no run " + std::to_string(run_v->as_int64()));
    plan = found->first;
    period = Period::parse_field(found->second, "run");
  } else {
    period = Period::parse_field(std::string(period_v->as_string()), "period");
    store::Transaction tx(conn);
    joined = run_chunks::find_running(conn, period->to_string()).has_value();
    plan = run_chunks::plan(conn, period->to_string(), chunk, documents, now, ctx.actor);
    tx.commit();
  }
  ChunkBiller biller(*impl_, *period, ctx, plan.run, plan.documents);
  int64_t done_chunks = 0;
  int64_t lost_chunks = 0;
  bool removed = false;
  bool complete = false;
  bool first = true;
  while (done_chunks < max_chunks) {
    const auto claimed =
        run_chunks::claim(conn, plan.run, worker, now, plus_seconds(ctx.now, lease), first);
    first = false;
    if (!claimed) break;
    // Progress is reported as a chunk is taken: the run's accounts done and
    // planned. False gives the chunk back and stops.
    const auto ready = [&] {
      if (!progress) return true;
      const auto [done, total] = run_chunks::progress(conn, plan.run);
      return progress(done, total);
    };
    const ChunkBiller::Outcome outcome = biller.bill(*claimed, ready);
    if (outcome == ChunkBiller::Outcome::stopped) break;
    if (outcome == ChunkBiller::Outcome::lost) {
      ++lost_chunks;
      continue;
    }
    ++done_chunks;
    if (biller.settled() != run_chunks::Settled::running) break;
  }
  {
    store::Transaction tx(conn);
    const auto settled = run_chunks::settle(conn, plan.run, now);
    tx.commit();
    removed = settled == run_chunks::Settled::removed;
    complete = settled != run_chunks::Settled::running;
  }
  json::object out = run_answer(conn, *period, plan.run, removed);
  out["worker"] = worker;
  out["chunks_done"] = done_chunks;
  out["chunks_lost"] = lost_chunks;
  out["new_lines"] = biller.new_lines();
  out["complete"] = complete;
  out["resumed"] = joined;
  return out;
}

}  // namespace opora::billing

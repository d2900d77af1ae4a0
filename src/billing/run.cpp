// billing.run: accrues every subscription of a period, in chunks of accounts,
// each chunk one transaction that also moves the run's cursor. A crash loses
// at most the chunk in flight; the next call resumes at the cursor. A second
// run of a finished period recomputes each subscription and posts only the
// difference from what is already billed, which is nothing when nothing
// changed.
#include <boost/json.hpp>
#include <map>
#include <unordered_map>

#include "billing/impl.hpp"
#include "core/json_text.hpp"
#include "registry/registry.hpp"
#include "store/sqlite.hpp"

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

// What is already posted for a subscription in the period.
struct Posted {
  int64_t amount = 0;
  int64_t vat = 0;
  int64_t live_lines = 0;
  int64_t max_seq = -1;
  std::optional<Date> latest;  // the latest date of its live lines
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

json::object accrual_document(const AccountRow& a, const Date& date,
                              const std::vector<Billing::Impl::NewLine>& lines,
                              const std::string& period, std::optional<int64_t> run_id) {
  // A document shows amounts as people read them: a reduction (a negative
  // recalculation) goes into a correction document of its own with positive
  // prices, marked "correction": "decrease"; the ledger keeps the sign.
  const bool decrease = !lines.empty() && lines.front().amount < 0;
  json::array items;
  for (const auto& l : lines) {
    const bool on_top = l.vat_mode == "on_top";
    json::object it{
        {"name", l.name}, {"quantity", "1"}, {"vat_rate", l.vat_rate}, {"vat_mode", l.vat_mode}};
    if (decrease || l.kind == "adjustment") {
      const int64_t price = on_top ? l.amount - l.vat : l.amount;
      it["price"] = Money(decrease ? -price : price, a.currency).to_string();
    } else {
      it["price"] = Money(l.base, a.currency).to_string();
      if (l.discount != 0) it["discount"] = Money(l.discount, a.currency).to_string();
    }
    items.push_back(std::move(it));
  }
  json::object doc{{"kind", "accrual"},
                   {"date", date.to_string()},
                   {"counterparty", a.body().at("holder")},
                   {"refs", json::array{json::value("billing:account:" + a.number)}},
                   {"currency", a.currency.code()},
                   {"items", std::move(items)}};
  json::object custom{{"account", a.number}, {"period", period}};
  if (run_id) custom["run"] = *run_id;
  if (decrease) custom["correction"] = "decrease";
  doc["custom"] = std::move(custom);
  return doc;
}

namespace {

class Runner {
 public:
  Runner(Billing::Impl& b, const Period& period, const Context& ctx)
      : b_(b), period_(period), ctx_(ctx) {}

  // Accounts lo..hi (by id) with a subscription in the period, their
  // subscriptions, tariff rows, freezes, discounts and what is posted.
  Chunk load(int64_t lo, int64_t hi, bool with_bodies) {
    Chunk c;
    const std::string first = period_.first().to_string();
    const std::string last = period_.last().to_string();
    b_.refresh();  // tariffs and rates, once per chunk
    auto st = b_.conn.cached(
        "SELECT s.account_id, a.number, a.holder_name, a.currency, CASE WHEN ?5 THEN a.body END, "
        "s.id, s.start_date, s.end_date, t.from_date, t.tariff FROM billing_subscription s "
        "JOIN billing_account a ON a.id = s.account_id "
        "JOIN billing_subscription_tariff t ON t.subscription_id = s.id "
        "WHERE s.account_id BETWEEN ?1 AND ?2 AND ((s.start_date <= ?3 AND (s.end_date IS NULL OR "
        "s.end_date >= ?4)) OR EXISTS (SELECT 1 FROM billing_accrual l WHERE l.period = ?6 AND "
        "l.subscription_id = s.id AND l.storno_of IS NULL AND l.reversed_by IS NULL)) AND "
        "t.from_date <= ?3 ORDER BY s.account_id, s.id, t.from_date");
    st->bind(1, lo).bind(2, hi).bind(3, last).bind(4, first);
    st->bind(5, static_cast<int64_t>(with_bodies ? 1 : 0)).bind(6, period_.to_string());
    std::unordered_map<int64_t, SubscriptionTerms*> by_id;
    c.accounts.reserve(static_cast<size_t>(hi - lo + 1));
    while (st->step()) {
      const int64_t account = st->int64(0);
      if (c.accounts.empty() || c.accounts.back().row.id != account) {
        AccountTerms at;
        at.row.id = account;
        at.row.number = st->text(1);
        at.row.holder_name = st->text(2);
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
      // "+period": the account range must drive this query. Seeking the
      // period in the unique index instead reads every line of the period
      // for each chunk, which made a run quadratic in the number of accounts.
      auto p = b_.conn.cached(
          "SELECT subscription_id, COALESCE(SUM(amount) FILTER (WHERE reversed_by IS NULL), 0), "
          "COALESCE(SUM(vat) FILTER (WHERE reversed_by IS NULL), 0), "
          "COUNT(*) FILTER (WHERE reversed_by IS NULL), MAX(seq), "
          "MAX(date) FILTER (WHERE reversed_by IS NULL) FROM billing_accrual "
          "WHERE account_id BETWEEN ?1 AND ?2 AND +period = ?3 AND subscription_id IS NOT NULL "
          "AND storno_of IS NULL GROUP BY subscription_id");
      p->bind(1, lo).bind(2, hi).bind(3, period_.to_string());
      while (p->step())
        c.posted[p->int64(0)] =
            Posted{p->int64(1), p->int64(2), p->int64(3), p->int64(4), date_or_null(*p, 5)};
    }
    return c;
  }

  // Lines still to post for one account (empty when it is billed already).
  std::vector<Billing::Impl::NewLine> account_lines(const AccountTerms& at, const Chunk& c,
                                                    int64_t run_id) {
    std::vector<Billing::Impl::NewLine> out;
    const AccountRow& a = at.row;
    // An account-wide fixed discount is an amount off the account's month,
    // taken once: it goes with the account's first subscription of the
    // period. Percent discounts apply to every line.
    bool fixed_taken = false;
    for (const SubscriptionTerms& s : at.subs) {
      std::vector<TariffSpan> spans;
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
        spans.push_back({sp, &b_.cached_tariff(s.tariffs[i].second)});
      }
      std::vector<FreezeSpan> freezes = s.freezes;
      for (auto& f : freezes)
        if (f.fee) f.fee = Money(f.fee->minor_units(), a.currency);
      std::vector<Discount> dsc;
      for (const auto& [sub, d] : at.discounts) {
        if (sub && *sub != s.id) continue;
        if (!sub && d.fixed && fixed_taken) continue;
        Discount copy = d;
        if (copy.fixed) copy.fixed = Money(copy.fixed->minor_units(), a.currency);
        dsc.push_back(std::move(copy));
      }
      if (s.span.from <= period_.last() && (!s.span.to || period_.first() <= *s.span.to))
        fixed_taken = true;
      const std::vector<LineDraft> drafts = accrue_subscription(period_, spans, freezes, dsc, b_);
      const auto posted = c.posted.find(s.id);
      post_difference(a, s.id, drafts, posted == c.posted.end() ? Posted{} : posted->second, run_id,
                      out);
    }
    return out;
  }

 private:
  // Compares what the subscription should owe for the period with what is
  // posted and live; posts all lines the first time, one adjustment after a
  // change, nothing when they agree.
  void post_difference(const AccountRow& a, int64_t sub, const std::vector<LineDraft>& drafts,
                       const Posted& posted, int64_t run_id,
                       std::vector<Billing::Impl::NewLine>& out) {
    const int64_t posted_amount = posted.amount;
    const int64_t posted_vat = posted.vat;
    const int64_t posted_lines = posted.live_lines;
    int64_t seq = posted.max_seq + 1;
    int64_t amount = 0;
    int64_t vat = 0;
    for (const auto& d : drafts) {
      amount += d.amount.minor_units();
      vat += d.vat.minor_units();
    }
    if (posted_lines == 0) {
      for (const auto& d : drafts) {
        Billing::Impl::NewLine l;
        l.account_id = a.id;
        l.subscription_id = sub;
        l.period = period_.to_string();
        l.seq = seq++;
        l.kind = d.kind;
        l.name = d.name;
        l.date = d.tariff->timing == Timing::advance ? d.from : period_.last();
        l.due = due_date(l.date, d.tariff->payment_term_days);
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
        out.push_back(std::move(l));
      }
      return;
    }
    if (amount == posted_amount && vat == posted_vat) return;
    // A recalculation: one line with the difference, at the rate of the
    // period's last line (all lines of a month share one supply year).
    Billing::Impl::NewLine l;
    l.account_id = a.id;
    l.subscription_id = sub;
    l.period = period_.to_string();
    l.seq = seq;
    l.kind = "adjustment";
    const LineDraft* model = drafts.empty() ? nullptr : &drafts.back();
    l.name = "Перерасчёт" + (model != nullptr ? ": " + model->name : std::string());
    // Today, but never before the lines it corrects (an arrears fee is
    // dated the month's last day), nor before the period.
    l.date = std::max(ctx_.today, period_.first());
    if (posted.latest && l.date < *posted.latest) l.date = *posted.latest;
    l.due = due_date(l.date, model != nullptr ? model->tariff->payment_term_days : 0);
    l.amount = amount - posted_amount;
    l.vat = vat - posted_vat;
    l.vat_mode = "included";  // amount is gross either way
    l.base = l.amount;
    if (model != nullptr) {
      l.tax_code = model->rate.code;
      l.vat_rate = model->rate.text();
    } else {
      auto last = b_.conn.cached(
          "SELECT tax_code, vat_rate FROM billing_accrual WHERE subscription_id = ?1 AND period = "
          "?2 ORDER BY seq DESC LIMIT 1");
      last->bind(1, sub).bind(2, period_.to_string());
      last->step();
      l.tax_code = last->text(0);
      l.vat_rate = last->text(1);
    }
    l.run_id = run_id;
    out.push_back(std::move(l));
  }

  Billing::Impl& b_;
  Period period_;
  const Context& ctx_;
};

}  // namespace

json::object run_summary(store::Connection& conn, int64_t run_id) {
  auto st = conn.cached(
      "SELECT id, period, status, accounts, lines, started_at, finished_at, cancelled_at FROM "
      "billing_run WHERE id = ?1");
  st->bind(1, run_id);
  if (!st->step())
    fail_field(ErrorCode::not_found, "run", "unknown_run", "no run " + std::to_string(run_id));
  json::object o{{"run", st->int64(0)},      {"period", st->text(1)}, {"status", st->text(2)},
                 {"accounts", st->int64(3)}, {"lines", st->int64(4)}, {"started_at", st->text(5)}};
  o["finished_at"] = st->is_null(6) ? json::value(nullptr) : json::value(st->text(6));
  o["cancelled_at"] = st->is_null(7) ? json::value(nullptr) : json::value(st->text(7));
  json::array totals;
  auto t = conn.cached(
      "SELECT currency, amount, vat FROM billing_run_total WHERE run_id = ?1 ORDER BY currency");
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
  const auto period_text = r.str("period", true, 7);
  errors.throw_if_any(ErrorCode::invalid);
  const Period period = Period::parse_field(*period_text, "period");
  int64_t chunk = 10000;
  if (const auto* v = r.get("chunk_size")) chunk = v->as_int64();
  const bool documents = !p.contains("documents") || p.at("documents").as_bool();

  store::Connection& conn = impl_->conn;
  std::optional<int64_t> run_id;
  int64_t cursor = 0;  // the last account id done
  int64_t last_id = 0;
  {
    store::Transaction tx(conn, store::Transaction::Mode::deferred);
    auto st =
        conn.cached("SELECT id, cursor FROM billing_run WHERE period = ?1 AND status = 'running'");
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
    const Chunk c = runner.load(cursor + 1, hi, documents);
    int64_t chunk_accounts = 0;
    int64_t chunk_lines = 0;
    json::array docs;
    std::vector<std::vector<Billing::Impl::NewLine>> per_account;
    std::vector<const AccountRow*> owners;
    std::vector<std::pair<int, int>> doc_slots;  // per account: its documents in `docs`
    for (const AccountTerms& at : c.accounts) {
      auto lines = runner.account_lines(at, c, 0);
      if (lines.empty()) continue;
      if (!run_id) {
        auto st = conn.cached(
            "INSERT INTO billing_run (period, status, cursor, accounts, lines, started_at, actor) "
            "VALUES (?1, 'running', 0, 0, 0, ?2, ?3)");
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
        // Charges in one document, reductions in a correction document.
        std::vector<Billing::Impl::NewLine> plus, minus;
        for (const auto& l : lines) (l.amount < 0 ? minus : plus).push_back(l);
        std::pair<int, int> slots{-1, -1};
        for (auto* group : {&plus, &minus}) {
          if (group->empty()) continue;
          Date date = group->front().date;
          for (const auto& l : *group) date = std::min(date, l.date);
          (group == &plus ? slots.first : slots.second) = static_cast<int>(docs.size());
          docs.push_back(accrual_document(at.row, date, *group, period.to_string(), run_id));
        }
        doc_slots.push_back(slots);
      }
      per_account.push_back(std::move(lines));
      owners.push_back(&at.row);
    }
    std::vector<int64_t> doc_ids;
    std::map<int64_t, std::string> doc_numbers;
    if (documents && !docs.empty()) {
      const json::object written = impl_->registry.put_many(docs, registry_context(ctx));
      for (const auto& d : written.at("documents").as_array()) {
        doc_ids.push_back(d.as_object().at("id").as_int64());
        doc_numbers[doc_ids.back()] = text_of(d.as_object(), "number");
      }
    }
    const bool publish = impl_->positions_wanted();
    std::map<std::string, std::pair<int64_t, int64_t>> sums;  // currency -> amount, vat
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
          const int slot = l.amount < 0 ? doc_slots[i].second : doc_slots[i].first;
          l.doc_id = doc_ids[static_cast<size_t>(slot)];
        }
        ids.push_back(impl_->insert_line(l));
        sum.first += l.amount;
        sum.second += l.vat;
      }
      if (publish)
        impl_->accruals_posted(*owners[i], per_account[i], ids, doc_numbers, debt_before, ctx);
    }
    for (const auto& [code, sum] : sums) {
      auto st = conn.cached(
          "INSERT INTO billing_run_total (run_id, currency, amount, vat) VALUES (?1, ?2, ?3, ?4) "
          "ON CONFLICT (run_id, currency) DO UPDATE SET amount = amount + excluded.amount, vat = "
          "vat + excluded.vat");
      st->bind(1, *run_id).bind(2, code).bind(3, sum.first).bind(4, sum.second);
      st->run();
    }
    cursor = hi;
    if (run_id) {
      auto st = conn.cached(
          "UPDATE billing_run SET cursor = ?2, accounts = accounts + ?3, lines = lines + ?4 WHERE "
          "id = ?1");
      st->bind(1, *run_id).bind(2, cursor).bind(3, chunk_accounts).bind(4, chunk_lines);
      st->run();
    }
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
  // Every live line of the run gets its storno, dated today; the accrual
  // documents become "reversed" in the registry.
  std::vector<Billing::Impl::NewLine> stornos;
  std::vector<int64_t> originals;
  std::vector<int64_t> docs;
  {
    auto st = conn.cached(
        "SELECT id, account_id, subscription_id, period, seq, name, base, discount, amount, vat, "
        "tax_code, vat_rate, vat_mode, doc_id, date_from, date_to, days, date FROM billing_accrual "
        "WHERE "
        "period = ?2 AND subscription_id IS NOT NULL AND storno_of IS NULL AND run_id = ?1 AND "
        "reversed_by IS NULL");
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
    st->bind(1, v->get_string());
  else
    st->bind_null(1);
  std::vector<int64_t> ids;
  while (st->step()) ids.push_back(st->int64(0));
  st->reset();
  for (int64_t id : ids) out.push_back(run_summary(impl_->conn, id));
  return {{"runs", std::move(out)}};
}

}  // namespace opora::billing

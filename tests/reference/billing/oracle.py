"""An independent calculation of docs/billing.md, in decimal arithmetic.

This module knows opora only through its documentation: it imports nothing of
opora and shares no code with it. It keeps its own model of the catalogue (tax
rates, tariffs, accounts, subscriptions, freezes, discounts) and of the ledger,
and computes what billing.run, billing.charge and billing.run.cancel must post,
line by line, by the rules of docs/billing.md:

* proration by the cumulative method, round(fee x e / n) - round(fee x (s-1) / n),
  half-up to the kopeck, once per line; a month cut at every change;
* tariffs without proration counting their own days of service in the month;
* percent discounts per line, fixed discounts per month (prorated like the fee,
  once a month per subscription; an account's fixed discount each day with the
  oldest subscription billed that day);
* VAT per line at the rate of the supply date (a line's last day), included or
  on top;
* dates and due dates of lines, in advance or in arrears;
* recalculations: each changed line reversed, its new computation posted;
* the documents a run writes: one accrual document per account, and one
  correction document for reversals and one for replacements.

Money is decimal.Decimal in major units (kopecks as hundredths), dates are
datetime.date. Nothing here uses binary floating point.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import decimal
from decimal import Decimal
from typing import Optional

# Enough digits that no quotient of two amounts of a ledger is ever rounded
# before the one rounding to the kopeck (a month has at most 31 days: every
# repeating expansion has a period under 31 digits).
_CTX = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LAST_DATE = datetime.date(2999, 12, 31)
ONE_DAY = datetime.timedelta(days=1)


def half_up(x: Decimal) -> Decimal:
    """Rounds to the kopeck, ties away from zero (the Russian rule)."""
    return x.quantize(CENT, rounding=decimal.ROUND_HALF_UP, context=_CTX)


def ratio(amount: Decimal, num: int | Decimal, den: int | Decimal) -> Decimal:
    """amount x num / den, exact to 80 digits, then rounded half-up once."""
    return half_up(_CTX.divide(_CTX.multiply(amount, Decimal(num)), Decimal(den)))


def prorate(fee: Decimal, first: int, last: int, n: int) -> Decimal:
    """The share of a period fee for days first..last of an n-day period."""
    assert 1 <= first <= last <= n
    return ratio(fee, last, n) - ratio(fee, first - 1, n)


def due_date(date: datetime.date, days: int) -> datetime.date:
    if (LAST_DATE - date).days <= days:
        return LAST_DATE
    return date + datetime.timedelta(days=days)


def month_days(period: tuple[int, int]) -> int:
    return calendar.monthrange(period[0], period[1])[1]


def period_first(period: tuple[int, int]) -> datetime.date:
    return datetime.date(period[0], period[1], 1)


def period_last(period: tuple[int, int]) -> datetime.date:
    return datetime.date(period[0], period[1], month_days(period))


def period_text(period: tuple[int, int]) -> str:
    return f"{period[0]:04d}-{period[1]:02d}"


def period_of(d: datetime.date) -> tuple[int, int]:
    return (d.year, d.month)


# --------------------------------------------------------------- tax rates --

# docs/billing.md, "Tax rates". Rows without a start in the table start
# before any date a scenario uses.
BUILTIN_RATES = [
    ("ru_vat", datetime.date(2019, 1, 1), datetime.date(2025, 12, 31), Decimal("20")),
    ("ru_vat", datetime.date(2026, 1, 1), None, Decimal("22")),
    ("ru_vat_10", datetime.date(2019, 1, 1), None, Decimal("10")),
    ("ru_vat_0", datetime.date(2019, 1, 1), None, Decimal("0")),
    ("none", datetime.date(1900, 1, 1), None, None),
    ("kz_vat", datetime.date(2009, 1, 1), datetime.date(2025, 12, 31), Decimal("12")),
    ("kz_vat", datetime.date(2026, 1, 1), None, Decimal("16")),
]


@dataclasses.dataclass
class RateRow:
    start: datetime.date
    end: Optional[datetime.date]
    percent: Optional[Decimal]  # None: без НДС


class TaxTable:
    def __init__(self) -> None:
        self.rows: dict[str, list[RateRow]] = {}
        for code, start, end, percent in BUILTIN_RATES:
            self.rows.setdefault(code, []).append(RateRow(start, end, percent))

    def define(self, code: str, percent: Optional[Decimal], valid_from: datetime.date) -> None:
        """billing.tax.define: a rate from a date ends the code's previous rate the day before."""
        rows = self.rows.setdefault(code, [])
        for row in rows:
            if row.end is None:
                row.end = valid_from - ONE_DAY
        rows.append(RateRow(valid_from, None, percent))

    def resolve(self, code: str, supply: datetime.date) -> Optional[Decimal]:
        for row in self.rows[code]:
            if row.start <= supply and (row.end is None or supply <= row.end):
                return row.percent
        raise LookupError(f"no rate of {code} on {supply}")


def split_vat(amount: Decimal, percent: Optional[Decimal], mode: str) -> tuple[Decimal, Decimal]:
    """(gross, vat) of a line: VAT computed once per line, half-up."""
    if percent is None or percent == 0:
        return amount, ZERO
    if mode == "on_top":
        vat = ratio(amount, percent, 100)
        return amount + vat, vat
    return amount, ratio(amount, percent, Decimal(100) + percent)


def rate_text(percent: Optional[Decimal]) -> str:
    """"22", "12.5", "0" or "none": a rate as a line carries it."""
    return "none" if percent is None else format(percent.normalize(), "f")


# ---------------------------------------------------------------- catalogue --


@dataclasses.dataclass
class Tariff:
    code: str
    name: str
    fee: Decimal
    currency: str = "RUB"
    fee_period: str = "month"  # month | day
    tax: str = "ru_vat"
    vat_mode: str = "included"  # included | on_top
    billing: str = "advance"  # advance | arrears
    proration: str = "actual"  # actual | none
    freeze_fee: Optional[Decimal] = None
    term: int = 10


@dataclasses.dataclass
class Freeze:
    start: datetime.date
    end: Optional[datetime.date]
    fee: Optional[Decimal]


@dataclasses.dataclass
class Subscription:
    id: int
    account: str
    service: str
    start: datetime.date
    end: Optional[datetime.date] = None
    tariffs: list[tuple[datetime.date, str]] = dataclasses.field(default_factory=list)
    freezes: list[Freeze] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Discount:
    id: int
    account: str
    subscription: Optional[int]
    percent: Optional[Decimal]
    fixed: Optional[Decimal]
    start: datetime.date
    end: Optional[datetime.date]

    def covers(self, d: datetime.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


@dataclasses.dataclass
class Account:
    number: str
    currency: str
    status: str = "active"
    subscriptions: list[int] = dataclasses.field(default_factory=list)


# ------------------------------------------------------------------- lines --


@dataclasses.dataclass
class Line:
    """One accrual line of the ledger, as the oracle expects it."""

    account: str
    subscription: Optional[int]
    period: str
    kind: str  # fee | freeze | adjustment | charge | storno
    name: str
    date: datetime.date
    due: datetime.date
    start: Optional[datetime.date]
    end: Optional[datetime.date]
    base: Decimal
    discount: Decimal
    amount: Decimal
    vat: Decimal
    tax: str
    rate: str
    mode: str
    run: Optional[int] = None
    group: Optional[tuple] = None  # which document of which call it belongs to
    reversed: bool = False
    storno: bool = False

    def key(self) -> tuple:
        """What identifies a line of a correction invoice: service period and rate."""
        return (self.start, self.end, self.tax, self.rate, self.mode)

    def values(self) -> tuple:
        return (self.base, self.discount, self.amount, self.vat)


@dataclasses.dataclass
class Draft:
    kind: str
    name: str
    tariff: Tariff
    start: datetime.date
    end: datetime.date
    base: Decimal
    discount: Decimal
    amount: Decimal
    vat: Decimal
    tax: str
    rate: str
    mode: str

    def key(self) -> tuple:
        return (self.start, self.end, self.tax, self.rate, self.mode)

    def values(self) -> tuple:
        return (self.base, self.discount, self.amount, self.vat)


# -------------------------------------------------------------- the model --


class Refused(Exception):
    """The documented rules refuse this operation."""


class Model:
    """The catalogue and the ledger as docs/billing.md describes them."""

    def __init__(self) -> None:
        self.taxes = TaxTable()
        self.tariffs: dict[str, Tariff] = {}
        self.accounts: dict[str, Account] = {}
        self.subs: dict[int, Subscription] = {}
        self.discounts: list[Discount] = []
        self.lines: list[Line] = []
        self.runs: list[dict] = []  # {"id", "period", "status"}
        self.today = datetime.date(2025, 1, 1)
        self.closed_until: Optional[datetime.date] = None
        self._calls = 0

    # -- catalogue -------------------------------------------------------------

    def define_tariff(self, t: Tariff) -> None:
        self.tariffs[t.code] = t

    def put_account(self, number: str, currency: str) -> None:
        self.accounts[number] = Account(number, currency)

    def set_status(self, number: str, status: str) -> None:
        """A disconnected account has no subscription with service after today."""
        if status == "disconnected":
            for sid in self.accounts[number].subscriptions:
                s = self.subs[sid]
                if s.end is None or s.end > self.today:
                    raise Refused("a subscription is still live")
        self.accounts[number].status = status

    def connect(self, sid: int, number: str, service: str, tariff: str,
                start: datetime.date) -> None:
        a = self.accounts[number]
        if a.status == "disconnected":
            raise Refused("account disconnected")
        self.check_open(start)
        for other in a.subscriptions:
            o = self.subs[other]
            if o.service == service and (o.end is None or o.end >= start):
                raise Refused("service already connected")
        self.subs[sid] = Subscription(sid, number, service, start, None, [(start, tariff)])
        a.subscriptions.append(sid)

    def disconnect(self, sid: int, last: datetime.date) -> None:
        s = self.subs[sid]
        if last < s.start:
            raise Refused("before start")
        if s.end is not None and s.end < last:
            raise Refused("already ended")
        self.check_open(last + ONE_DAY)
        s.end = last

    def change_tariff(self, sid: int, tariff: str, start: datetime.date) -> None:
        """From `start`; a change planned after it no longer stands."""
        s = self.subs[sid]
        if start < s.start:
            raise Refused("before start")
        if s.end is not None and s.end < start:
            raise Refused("ended")
        self.check_open(start)
        rows = [(f, c) for f, c in s.tariffs if f < start]
        rows.append((start, tariff))
        s.tariffs = rows

    def freeze(self, sid: int, start: datetime.date, end: Optional[datetime.date],
               fee: Optional[Decimal]) -> None:
        s = self.subs[sid]
        for f in s.freezes:
            if (f.end is None or f.end >= start) and (end is None or f.start <= end):
                raise Refused("overlaps a freeze")
        self.check_open(start)
        s.freezes.append(Freeze(start, end, fee))

    def unfreeze(self, sid: int, resume: datetime.date) -> None:
        s = self.subs[sid]
        for f in s.freezes:
            if f.start < resume and (f.end is None or f.end >= resume):
                self.check_open(resume)
                f.end = resume - ONE_DAY
                return
        raise Refused("not frozen")

    def add_discount(self, d: Discount) -> None:
        """A discount from a day of an open period (check_open)."""
        self.discounts.append(d)

    def check_open(self, d: datetime.date) -> None:
        """Nothing may change on or before the day a period is closed until."""
        if self.closed_until is not None and d <= self.closed_until:
            raise Refused(f"period closed until {self.closed_until}")

    # -- one subscription's month -------------------------------------------------

    def _tariff_spans(self, s: Subscription, period) -> list[tuple]:
        """(start, end or None, tariff code, index) of each tariff row, clipped to the service."""
        last = period_last(period)
        rows = [(f, c) for f, c in sorted(s.tariffs) if f <= last]
        spans = []
        for i, (start, code) in enumerate(rows):
            start = max(start, s.start)
            end = rows[i + 1][0] - ONE_DAY if i + 1 < len(rows) else None
            if s.end is not None and (end is None or s.end < end):
                end = s.end
            if end is not None and end < start:
                continue
            spans.append((start, end, code, i))
        return spans

    def _days(self, s: Subscription, period):
        """Per day of the month: (span index or None, freeze index or None)."""
        n = month_days(period)
        spans = self._tariff_spans(s, period)
        out = [None]
        for day in range(1, n + 1):
            d = datetime.date(period[0], period[1], day)
            span = None
            for k, (start, end, _code, _i) in enumerate(spans):
                if start <= d and (end is None or d <= end):
                    span = k
            freeze = None
            if span is not None:
                for k, f in enumerate(s.freezes):
                    if f.start <= d and (f.end is None or d <= f.end):
                        freeze = k
            out.append((span, freeze))
        return spans, out

    def _day_fee(self, s: Subscription, spans, state) -> Optional[Decimal]:
        span, freeze = state
        t = self.tariffs[spans[span][2]]
        if freeze is None:
            return t.fee
        f = s.freezes[freeze]
        return f.fee if f.fee is not None else t.freeze_fee

    def billed_days(self, s: Subscription, period) -> set[int]:
        spans, days = self._days(s, period)
        out = set()
        for day in range(1, len(days)):
            if days[day][0] is None:
                continue
            fee = self._day_fee(s, spans, days[day])
            if fee is not None and fee != 0:
                out.add(day)
        return out

    def accrue(self, s: Subscription, period, discounts: list[tuple]) -> list[Draft]:
        """The lines of one subscription's month. `discounts` are (id, Discount, set of days)."""
        n = month_days(period)
        spans, days = self._days(s, period)
        # Day numbers for tariffs without proration: their own days in the month
        # (by tariff code), and all days of service (a fixed discount's days).
        rank: dict[int, int] = {}
        count: dict[str, int] = {}
        service_rank: dict[int, int] = {}
        service = 0
        for day in range(1, n + 1):
            if days[day][0] is None:
                continue
            code = spans[days[day][0]][2]
            count[code] = count.get(code, 0) + 1
            rank[day] = count[code]
            service += 1
            service_rank[day] = service

        def state(day: int):
            span, freeze = days[day]
            if span is None:
                return None
            ds = tuple(i for i, (_id, _d, covered) in enumerate(discounts) if day in covered)
            return (span, freeze, ds)

        out: list[Draft] = []
        day = 1
        while day <= n:
            st = state(day)
            end = day
            while end < n and state(end + 1) == st:
                end += 1
            if st is not None:
                span, freeze, ds = st
                t = self.tariffs[spans[span][2]]
                frozen = freeze is not None
                fee = self._day_fee(s, spans, (span, freeze))
                if fee is not None and fee != 0:
                    if t.proration == "none":
                        a, b, of = rank[day], rank[end], count[t.code]
                        da, db, dof = service_rank[day], service_rank[end], service
                    else:
                        a, b, of = day, end, n
                        da, db, dof = day, end, n
                    if t.fee_period == "day" and not frozen:
                        base = fee * (end - day + 1)
                    else:
                        base = prorate(fee, a, b, of)
                    off = ZERO
                    for i in ds:
                        d = discounts[i][1]
                        if d.percent is not None:
                            off += half_up(_CTX.divide(_CTX.multiply(base, d.percent), 100))
                        if d.fixed is not None:
                            off += prorate(d.fixed, da, db, dof)
                    off = min(off, base)
                    start_d = datetime.date(period[0], period[1], day)
                    end_d = datetime.date(period[0], period[1], end)
                    percent = self.taxes.resolve(t.tax, end_d)
                    gross, vat = split_vat(base - off, percent, t.vat_mode)
                    out.append(Draft("freeze" if frozen else "fee", t.name, t, start_d, end_d,
                                     base, off, gross, vat, t.tax, rate_text(percent),
                                     t.vat_mode))
            day = end + 1
        return out

    def _active(self, s: Subscription, period) -> bool:
        return s.start <= period_last(period) and (s.end is None or period_first(period) <= s.end)

    def account_drafts(self, a: Account, period) -> dict[int, list[Draft]]:
        """Every subscription's lines of the month, with the account's discounts shared out."""
        n = month_days(period)
        first = period_first(period)

        def days_of(d: Discount) -> set[int]:
            return {day for day in range(1, n + 1)
                    if d.covers(first + datetime.timedelta(days=day - 1))}

        subs = [self.subs[sid] for sid in sorted(a.subscriptions)]
        # An account's fixed discount: each day with the oldest subscription billed that day.
        owner: dict[int, int] = {}
        for s in subs:
            if not self._active(s, period):
                continue
            for day in self.billed_days(s, period):
                owner.setdefault(day, s.id)
        out = {}
        for s in subs:
            ds = []
            for d in self.discounts:
                if d.account != a.number:
                    continue
                if d.subscription is not None:
                    if d.subscription == s.id:
                        ds.append((d.id, d, days_of(d)))
                elif d.percent is not None:
                    ds.append((d.id, d, days_of(d)))
                else:
                    mine = {day for day in days_of(d) if owner.get(day) == s.id}
                    # Each unbroken run of owned days is a piece of its own.
                    runs = []
                    for day in sorted(mine):
                        if runs and runs[-1][-1] == day - 1:
                            runs[-1].append(day)
                        else:
                            runs.append([day])
                    for r in runs:
                        ds.append((d.id, d, set(r)))
            out[s.id] = self.accrue(s, period, ds) if self._active(s, period) else []
        return out

    # -- billing.run ------------------------------------------------------------

    def live(self, sid: int, period: str) -> list[Line]:
        return [x for x in self.lines
                if x.subscription == sid and x.period == period and not x.storno
                and not x.reversed]

    def run(self, period, run_id_of_new: int) -> tuple[list[Line], bool]:
        """billing.run {period}: returns (lines posted, whether a run row was made)."""
        self._calls += 1
        call = self._calls
        ptext = period_text(period)
        posted: list[Line] = []
        for number in self.accounts:  # in creation (id) order
            a = self.accounts[number]
            drafts = self.account_drafts(a, period)
            for sid in sorted(a.subscriptions):
                live = self.live(sid, ptext)
                if not live and not drafts[sid]:
                    continue
                posted += self._post(a, sid, ptext, period, drafts[sid], live, call)
        for x in posted:
            if self.closed_until is not None and x.date <= self.closed_until:
                raise Refused(f"a line dated {x.date} in a closed period")
        for x in posted:
            x.run = run_id_of_new
        made = bool(posted)
        if made:
            self.runs.append({"id": run_id_of_new, "period": ptext, "status": "done"})
        self.lines += posted
        return posted, made

    def _post(self, a: Account, sid: int, ptext: str, period, drafts: list[Draft],
              live: list[Line], call: int) -> list[Line]:
        out = []
        if not live:
            for d in drafts:
                date = d.start if d.tariff.billing == "advance" else period_last(period)
                out.append(Line(a.number, sid, ptext, d.kind, d.name, date,
                                due_date(date, d.tariff.term), d.start, d.end, d.base,
                                d.discount, d.amount, d.vat, d.tax, d.rate, d.mode,
                                group=(call, a.number, "accrual")))
            return out
        # A recalculation: live lines netted per service period and rate; each
        # that differs from its new computation is reversed, and the new
        # computation posted.
        net: dict[tuple, list] = {}
        for x in live:
            v = net.setdefault(x.key(), [ZERO, ZERO, ZERO, ZERO])
            for i, val in enumerate(x.values()):
                v[i] += val
        wanted = {d.key(): d for d in drafts}
        date = max(self.today, period_first(period), max(x.date for x in live))
        for key in sorted(net, key=_sort_key):
            v = tuple(net[key])
            if all(val == 0 for val in v):
                continue
            if key in wanted and wanted[key].values() == v:
                continue
            start, end, tax, rate, mode = key
            out.append(Line(a.number, sid, ptext, "adjustment", "", date, date, start, end,
                            -v[0], -v[1], -v[2], -v[3], tax, rate, mode,
                            group=(call, a.number, "decrease")))
        for key in sorted(wanted, key=_sort_key):
            d = wanted[key]
            if key in net and tuple(net[key]) == d.values():
                continue
            out.append(Line(a.number, sid, ptext, "adjustment", d.name, date,
                            due_date(date, d.tariff.term), d.start, d.end, d.base, d.discount,
                            d.amount, d.vat, d.tax, d.rate, d.mode,
                            group=(call, a.number, "increase")))
        return out

    def cancel(self, run_id: int) -> list[Line]:
        """billing.run.cancel: a storno for each live line of a done run, newest run first."""
        run = next(r for r in self.runs if r["id"] == run_id)
        if run["status"] != "done":
            raise Refused("not done")
        if any(r["period"] == run["period"] and r["id"] > run_id and r["status"] != "cancelled"
               for r in self.runs):
            raise Refused("a later run of the period")
        out = []
        for x in self.lines:
            if x.run == run_id and not x.storno and not x.reversed and x.subscription is not None:
                date = max(self.today, x.date)
                if self.closed_until is not None and date <= self.closed_until:
                    raise Refused("storno in a closed period")
                out.append(Line(x.account, x.subscription, x.period, "storno", "", date, date,
                                x.start, x.end, -x.base, -x.discount, -x.amount, -x.vat, x.tax,
                                x.rate, x.mode, run=run_id, storno=True))
        for x in self.lines:
            if x.run == run_id and not x.storno and x.subscription is not None:
                x.reversed = True
        run["status"] = "cancelled"
        self.lines += out
        return out

    # -- billing.charge ---------------------------------------------------------

    def charge(self, number: str, name: str, amount: Decimal, date: datetime.date, tax: str,
               mode: str, term: int) -> Line:
        self.check_open(date)
        percent = self.taxes.resolve(tax, date)
        gross, vat = split_vat(amount, percent, mode)
        self._calls += 1
        x = Line(number, None, period_text(period_of(date)), "charge", name, date,
                 due_date(date, term), date, date, amount, ZERO, gross, vat, tax,
                 rate_text(percent), mode, group=(self._calls, number, "accrual"))
        self.lines.append(x)
        return x


def _sort_key(key: tuple) -> tuple:
    start, end, tax, rate, mode = key
    return (start or datetime.date.min, end or datetime.date.min, tax, rate, mode)

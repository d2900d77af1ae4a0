"""Random billing scenarios driven through opora's public methods and the oracle.

A scenario is the life of a small ISP over eight to ten months across the VAT
change of 2026-01-01: tariffs of every shape (monthly or daily fee, VAT
included or on top, in advance or in arrears, prorated or not, freeze fees,
payment terms, RU, KZ and custom tax codes, exempt and zero-rated),
accounts in RUB and KZT with several subscriptions, connections and
disconnections on any day, tariff changes now, from the next period or from
a date, freezes and unfreezes, percent and fixed discounts for an account or a
subscription, one-time charges, tariffs redefined after a run, runs of the
current, next and past months (so every change after a run yields a
recalculation), cancellations, status changes and period closes.

Each operation goes to opora (Python ``db.call``, as a host calls it) and to
the model of :mod:`oracle`; both must accept it or both refuse it. After each
run every account's ledger is compared line by line with the oracle (kind,
subscription, period, date, due date, service period, price, discount,
amount, VAT, tax code, rate, mode), and every document of the run with its
lines (amount and VAT per rate) and with the oracle's grouping of lines into
documents.

``check(seed)`` returns the list of disagreements of one scenario (empty when
opora and the oracle agree to the kopeck).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Callable, Optional

import opora

try:
    from . import oracle as O
except ImportError:  # run as a plain module from this directory
    import oracle as O  # type: ignore[no-redef]

D = datetime.date
ONE = datetime.timedelta(days=1)


def _money(v) -> Decimal:
    return Decimal(str(v))


def _rate_key(text: str) -> str:
    return "none" if text == "none" else format(Decimal(text).normalize(), "f")


def _date(v) -> Optional[D]:
    if v is None:
        return None
    if isinstance(v, D):
        return v
    return D.fromisoformat(str(v))


class Disagreement(Exception):
    pass


class Scenario:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.model = O.Model()
        start = D(2025, 9, 1) + datetime.timedelta(days=self.rng.randrange(0, 75))
        self.today = start
        self.model.today = start
        self.db = opora.open(":memory:", clock="manual", now=f"{start.isoformat()}T09:00:00Z")
        self.problems: list[str] = []
        self.log: list[str] = []
        self.sub_ids: list[int] = []
        self.account_numbers: list[str] = []
        self.periods_run: set[tuple[int, int]] = set()
        self.checked_docs: set[int] = set()
        self.closed_balances: dict[tuple[str, D], tuple] = {}
        self.txn = 0

    # -- plumbing ---------------------------------------------------------------

    def note(self, text: str) -> None:
        self.log.append(f"{self.today} {text}")

    def both(self, what: str, call: Callable[[], object], model: Callable[[], object]):
        """Runs an operation on opora and on the model; both must agree to accept or refuse."""
        self.note(what)
        got = None
        err: Optional[opora.Error] = None
        try:
            got = call()
        except opora.Error as e:
            err = e
        if isinstance(err, opora.InternalError):
            raise Disagreement(f"{what}: internal error {err}")
        refused: Optional[O.Refused] = None
        expected = None
        try:
            expected = model()
        except O.Refused as e:
            refused = e
        if err is not None and refused is None:
            raise Disagreement(f"{what}: opora refused ({err.name}: {err}), the oracle accepts")
        if err is None and refused is not None:
            raise Disagreement(f"{what}: opora accepted, the oracle refuses ({refused})")
        return got, expected, err

    def set_today(self, d: D) -> None:
        self.today = d
        self.model.today = d
        self.db.call("clock.set", now=f"{d.isoformat()}T09:00:00Z")

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent

    def amount(self, lo: int, hi: int) -> Decimal:
        """An amount in lo..hi major units, often with kopecks."""
        units = self.rng.randrange(lo * 100, hi * 100 + 1)
        if self.chance(40):
            units -= units % 100
        return Decimal(units).scaleb(-2)

    def near(self, back: int, ahead: int) -> D:
        return self.today + datetime.timedelta(days=self.rng.randint(-back, ahead))

    # -- the catalogue ----------------------------------------------------------

    def define_taxes(self) -> None:
        # A custom code as a USN payer defines it (5%, then 7% from April 2026).
        for rate, start in (("5", D(2025, 1, 1)), ("7", D(2026, 4, 1))):
            self.both(f"tax.define usn {rate} {start}",
                      lambda: self.db.call("billing.tax.define", tax="usn", rate=rate,
                                           valid_from=start.isoformat()),
                      lambda: self.model.taxes.define("usn", Decimal(rate), start))

    def define_tariff(self, code: str, currency: str) -> None:
        """A tariff of random shape (or a new shape for an existing code: runs after it
        recalculate what changed)."""
        t = O.Tariff(code=code, name=f"Тариф {code}", fee=Decimal(0), currency=currency)
        t.fee_period = "day" if self.chance(12) else "month"
        t.fee = self.amount(5, 60) if t.fee_period == "day" else self.amount(100, 1500)
        if currency == "KZT":
            t.fee *= 10
            t.tax = self.rng.choice(["kz_vat", "kz_vat", "kz_vat", "none"])
        else:
            t.tax = self.rng.choice(["ru_vat"] * 6 + ["none", "ru_vat_10", "ru_vat_0", "usn"])
        t.vat_mode = "on_top" if self.chance(25) else "included"
        t.billing = "arrears" if self.chance(30) else "advance"
        t.proration = "none" if self.chance(30) else "actual"
        if self.chance(40):
            t.freeze_fee = self.amount(0, 150) if self.chance(85) else Decimal("0.00")
        t.term = self.rng.choice([0, 5, 10, 10, 15, 30])
        params = {"code": t.code, "name": t.name, "fee": str(t.fee), "currency": currency,
                  "fee_period": t.fee_period, "tax": t.tax, "vat_mode": t.vat_mode,
                  "billing": t.billing, "proration": t.proration, "payment_term_days": t.term}
        if t.freeze_fee is not None:
            params["freeze_fee"] = str(t.freeze_fee)
        self.both(f"tariff.define {params}",
                  lambda: self.db.call("billing.tariff.define", params),
                  lambda: self.model.define_tariff(t))

    def new_account(self) -> None:
        number = f"LS-{len(self.account_numbers) + 1:04d}"
        currency = "KZT" if self.chance(20) else "RUB"
        holder = {"type": "person", "name": f"Абонент {number}"}
        self.both(f"account.put {number} {currency}",
                  lambda: self.db.call("billing.account.put", account=number, currency=currency,
                                       holder=holder),
                  lambda: self.model.put_account(number, currency))
        self.account_numbers.append(number)

    def tariffs_in(self, currency: str) -> list[str]:
        return sorted(c for c, t in self.model.tariffs.items() if t.currency == currency)

    # -- operations -------------------------------------------------------------

    def op_connect(self) -> None:
        if not self.account_numbers:
            return
        number = self.rng.choice(self.account_numbers)
        a = self.model.accounts[number]
        tariff = self.rng.choice(self.tariffs_in(a.currency))
        service = self.rng.choice(["internet", "internet", "tv", "phone"])
        start = self.near(20, 25)
        result, _, err = self.both(
            f"connect {number} {service} {tariff} {start}",
            lambda: self.db.call("billing.subscription.connect", account=number, tariff=tariff,
                                 service=service, date=start.isoformat()),
            lambda: self._connect_model(number, service, tariff, start))
        if err is None:
            sid = result["subscription"]
            # The model took the id opora gave.
            self.sub_ids.append(sid)

    def _connect_model(self, number, service, tariff, start):
        sid = max(self.model.subs, default=0) + 1
        self.model.connect(sid, number, service, tariff, start)

    def op_disconnect(self) -> None:
        if not self.sub_ids:
            return
        sid = self.rng.choice(self.sub_ids)
        last = self.near(25, 20)
        self.both(f"disconnect {sid} {last}",
                  lambda: self.db.call("billing.subscription.disconnect", subscription=sid,
                                       date=last.isoformat()),
                  lambda: self.model.disconnect(sid, last))

    def op_change_tariff(self) -> None:
        if not self.sub_ids:
            return
        sid = self.rng.choice(self.sub_ids)
        s = self.model.subs[sid]
        currency = self.model.accounts[s.account].currency
        tariff = self.rng.choice(self.tariffs_in(currency))
        how = self.rng.choice(["now", "next_period", "date", "date"])
        if how == "now":
            start = self.today
            params = {"subscription": sid, "tariff": tariff, "when": "now"}
        elif how == "next_period":
            start = O.period_last(O.period_of(self.today)) + ONE
            params = {"subscription": sid, "tariff": tariff, "when": "next_period"}
        else:
            start = self.near(25, 30)
            params = {"subscription": sid, "tariff": tariff, "when": "date",
                      "date": start.isoformat()}
        self.both(f"change_tariff {params}",
                  lambda: self.db.call("billing.subscription.change_tariff", params),
                  lambda: self.model.change_tariff(sid, tariff, start))

    def op_freeze(self) -> None:
        if not self.sub_ids:
            return
        sid = self.rng.choice(self.sub_ids)
        start = self.near(20, 20)
        end = start + datetime.timedelta(days=self.rng.randint(0, 45)) if self.chance(70) else None
        fee = None
        if self.chance(30):
            fee = self.amount(0, 100)
        params = {"subscription": sid, "from": start.isoformat()}
        if end is not None:
            params["to"] = end.isoformat()
        if fee is not None:
            params["fee"] = str(fee)
        self.both(f"freeze {params}",
                  lambda: self.db.call("billing.subscription.freeze", params),
                  lambda: self.model.freeze(sid, start, end, fee))

    def op_unfreeze(self) -> None:
        frozen = [sid for sid in self.sub_ids if self.model.subs[sid].freezes]
        if not frozen:
            return
        sid = self.rng.choice(frozen)
        resume = self.near(10, 20)
        self.both(f"unfreeze {sid} {resume}",
                  lambda: self.db.call("billing.subscription.unfreeze", subscription=sid,
                                       date=resume.isoformat()),
                  lambda: self.model.unfreeze(sid, resume))

    def op_discount(self) -> None:
        if not self.account_numbers:
            return
        number = self.rng.choice(self.account_numbers)
        a = self.model.accounts[number]
        sub = None
        if a.subscriptions and self.chance(40):
            sub = self.rng.choice(a.subscriptions)
        start = self.near(25, 25)
        end = start + datetime.timedelta(days=self.rng.randint(0, 70)) if self.chance(50) else None
        params = {"account": number, "name": "Скидка", "from": start.isoformat()}
        percent = fixed = None
        if self.chance(50):
            percent = self.rng.choice([Decimal("5"), Decimal("10"), Decimal("12.5"),
                                       Decimal("33.3333"), Decimal("50"), Decimal("100")])
            params["percent"] = str(percent)
        else:
            fixed = self.amount(1, 300)
            if a.currency == "KZT":
                fixed *= 10
            params["amount"] = str(fixed)
        if sub is not None:
            params["subscription"] = sub
        if end is not None:
            params["to"] = end.isoformat()
        result, _, err = self.both(
            f"discount {params}", lambda: self.db.call("billing.discount.add", params),
            lambda: self.model.check_open(start))
        if err is None:
            self.model.add_discount(O.Discount(result["discount"], number, sub, percent, fixed,
                                               start, end))

    def op_charge(self) -> None:
        if not self.account_numbers:
            return
        number = self.rng.choice(self.account_numbers)
        a = self.model.accounts[number]
        amount = self.amount(10, 3000)
        date = self.near(10, 5)
        tax = ("kz_vat" if a.currency == "KZT" else "ru_vat") if self.chance(70) else "none"
        mode = "on_top" if self.chance(20) else "included"
        term = self.rng.choice([0, 3, 10])
        params = {"account": number, "name": "Роутер", "amount": str(amount),
                  "date": date.isoformat(), "tax": tax, "vat_mode": mode,
                  "payment_term_days": term}
        self.both(f"charge {params}", lambda: self.db.call("billing.charge", params),
                  lambda: self.model.charge(number, "Роутер", amount, date, tax, mode, term))

    def op_redefine_tariff(self) -> None:
        codes = sorted(self.model.tariffs)
        code = self.rng.choice(codes)
        self.define_tariff(code, self.model.tariffs[code].currency)

    def op_status(self) -> None:
        if not self.account_numbers:
            return
        number = self.rng.choice(self.account_numbers)
        status = self.rng.choice(["active", "suspended", "disconnected"])
        self.both(f"status {number} {status}",
                  lambda: self.db.call("billing.account.put", account=number, status=status),
                  lambda: self.model.set_status(number, status))

    def op_pay(self) -> None:
        if not self.account_numbers:
            return
        number = self.rng.choice(self.account_numbers)
        self.txn += 1
        date = self.near(3, 0)
        txn = str(self.txn)
        self.both(f"pay {number} {date}",
                  lambda: self.db.call("billing.pay", channel="kaspi", txn_id=txn,
                                       account=number, amount="100.00",
                                       txn_date=date.isoformat()),
                  lambda: self.model.check_open(date))

    def op_close(self) -> None:
        # Close a month that has ended (so a payment today stays possible).
        first = O.period_first(O.period_of(self.today))
        until = first - ONE
        if self.chance(30):
            until = O.period_first(O.period_of(until)) - ONE
        if self.model.closed_until is not None and until <= self.model.closed_until:
            return

        def model():
            self.model.closed_until = until

        _, _, err = self.both(f"period.close {until}",
                              lambda: self.db.call("billing.period.close", until=until.isoformat()),
                              model)
        if err is None:
            # What a closed day shows must never change again.
            for number in self.account_numbers:
                self.closed_balances[(number, until)] = self.balance(number, until)

    def balance(self, number: str, on: D) -> tuple:
        b = self.db.call("billing.balance", account=number, date=on.isoformat())
        return (str(b["accrued"]), str(b["paid"]), str(b["debt"]))

    def check_closed_balances(self) -> None:
        for (number, until), before in sorted(self.closed_balances.items()):
            now = self.balance(number, until)
            if now != before:
                self.problem(f"balance of {number} on the closed day {until} moved from {before} "
                             f"to {now}")

    def op_run(self, period: tuple[int, int]) -> None:
        ptext = O.period_text(period)
        result, expected, err = self.both(
            f"run {ptext}", lambda: self.db.call("billing.run", period=ptext),
            lambda: self.model.run(period, None))
        if err is not None:
            return
        posted, made = expected
        if result.get("run") is not None and made:
            for x in posted:
                x.run = result["run"]
            self.model.runs[-1]["id"] = result["run"]
        self.periods_run.add(period)
        if result["new_lines"] != len(posted):
            self.problem(f"run {ptext}: opora posted {result['new_lines']} lines, the oracle "
                         f"{len(posted)}")
        if made != (result.get("status") != "nothing_to_bill"):
            self.problem(f"run {ptext}: status {result.get('status')}, oracle made={made}")
        # The accounts the oracle expects lines for; the count above catches
        # lines opora posts elsewhere, and the last comparison sees everything.
        self.compare_ledgers(sorted({x.account for x in posted}))

    def op_cancel(self) -> None:
        runs = [r for r in self.model.runs if r["status"] == "done"]
        if not runs:
            return
        # Mostly the newest run of its period, sometimes one under a later run.
        run = self.rng.choice(runs)
        rid = run["id"]
        _, stornos, err = self.both(f"cancel {rid}",
                                    lambda: self.db.call("billing.run.cancel", run=rid),
                                    lambda: self.model.cancel(rid))
        if err is None:
            self.compare_ledgers(sorted({x.account for x in stornos}))

    # -- comparison -------------------------------------------------------------

    def problem(self, text: str) -> None:
        self.problems.append(text)
        raise Disagreement(text)

    @staticmethod
    def _tuple_of_entry(e: dict) -> tuple:
        return (e["subscription"], e["period"], e["kind"], _date(e["date"]),
                _date(e["due_date"]), _date(e["from"]), _date(e["to"]), _money(e["base"]),
                _money(e["discount"]), _money(e["amount"]), _money(e["vat"]), e["tax"],
                _rate_key(e["vat_rate"]), e["vat_mode"])

    @staticmethod
    def _tuple_of_line(x: O.Line) -> tuple:
        return (x.subscription, x.period, x.kind, x.date, x.due, x.start, x.end, x.base,
                x.discount, x.amount, x.vat, x.tax, _rate_key(x.rate), x.mode)

    def compare_ledgers(self, accounts: Optional[list[str]] = None) -> None:
        for number in self.account_numbers if accounts is None else accounts:
            entries = [e for e in self.db.call("billing.ledger", account=number)["entries"]
                       if e["entry"] == "accrual"]
            got = sorted((self._tuple_of_entry(e) for e in entries), key=repr)
            want = sorted((self._tuple_of_line(x) for x in self.model.lines
                           if x.account == number), key=repr)
            if got != want:
                extra = [g for g in got if g not in want]
                missing = [w for w in want if w not in got]
                self.problem(f"ledger of {number} differs:\n  opora only:  {extra}\n"
                             f"  oracle only: {missing}")
            self.compare_documents(number, entries)

    def compare_documents(self, number: str, entries: list[dict]) -> None:
        by_doc: dict[int, list[dict]] = {}
        for e in entries:
            if e["document"] is not None and e["kind"] != "storno":
                by_doc.setdefault(e["document"], []).append(e)
        # The oracle's grouping of lines into documents, as sets of line tuples.
        groups: dict[tuple, list[tuple]] = {}
        for x in self.model.lines:
            if x.account == number and x.group is not None:
                groups.setdefault(x.group, []).append(self._tuple_of_line(x))
        want = sorted((sorted(g, key=repr) for g in groups.values()), key=repr)
        got = sorted((sorted((self._tuple_of_entry(e) for e in lines), key=repr)
                      for lines in by_doc.values()), key=repr)
        if want != got:
            self.problem(f"documents of {number}: opora groups {got}\n  the oracle {want}")
        for doc_id, lines in by_doc.items():
            if doc_id in self.checked_docs:
                continue
            self.checked_docs.add(doc_id)
            doc = self.db.call("registry.get", document=doc_id)
            correction = (doc.get("custom") or {}).get("correction")
            sign = Decimal(-1) if correction == "decrease" else Decimal(1)
            totals = doc["totals"]
            gross = sum((_money(e["amount"]) for e in lines), Decimal("0.00")) * sign
            vat = sum((_money(e["vat"]) for e in lines), Decimal("0.00")) * sign
            if _money(totals["gross"]) != gross or _money(totals["vat"]) != vat:
                self.problem(f"document {doc_id} of {number}: gross {totals['gross']} vat "
                             f"{totals['vat']}, its lines {gross} / {vat}")
            per_rate: dict[str, Decimal] = {}
            for e in lines:
                k = _rate_key(e["vat_rate"])
                per_rate[k] = per_rate.get(k, Decimal("0.00")) + _money(e["vat"]) * sign
            doc_rates = {_rate_key(r["rate"]): _money(r["vat"]) for r in totals["vat_by_rate"]}
            if doc_rates != per_rate:
                self.problem(f"document {doc_id} of {number}: VAT by rate {doc_rates}, its "
                             f"lines {per_rate}")
            # Each item carries its line's service period.
            service = (doc.get("custom") or {}).get("lines") or []
            periods = sorted((str(s.get("from")), str(s.get("to"))) for s in service)
            line_periods = sorted((str(e["from"]), str(e["to"])) for e in lines)
            if periods != line_periods:
                self.problem(f"document {doc_id}: service periods {periods}, lines "
                             f"{line_periods}")

    # -- the scenario -----------------------------------------------------------

    def play(self, steps: int = 70) -> list[str]:
        try:
            self.define_taxes()
            for i in range(self.rng.randint(4, 7)):
                self.define_tariff(f"r{i}", "RUB")
            for i in range(2):
                self.define_tariff(f"k{i}", "KZT")
            for _ in range(self.rng.randint(2, 5)):
                self.new_account()
            for _ in range(self.rng.randint(2, 6)):
                self.op_connect()
            weights = [
                (self.op_connect, 10), (self.op_disconnect, 6), (self.op_change_tariff, 8),
                (self.op_freeze, 5), (self.op_unfreeze, 3), (self.op_discount, 6),
                (self.op_charge, 3), (self.op_redefine_tariff, 2), (self.op_status, 2),
                (self.op_pay, 2), (self.new_account, 2), (self.op_cancel, 2), (self.op_close, 1),
            ]
            ops = [op for op, w in weights for _ in range(w)]
            for _ in range(steps):
                if self.chance(45):
                    self.set_today(self.today + datetime.timedelta(days=self.rng.randint(1, 9)))
                if self.chance(30):
                    p = O.period_of(self.today)
                    choice = self.rng.randrange(10)
                    if choice < 4:
                        period = p
                    elif choice < 7:
                        period = O.period_of(O.period_last(p) + ONE)
                    else:
                        period = O.period_of(O.period_first(p) - ONE)
                        if choice == 9:
                            period = O.period_of(O.period_first(period) - ONE)
                    self.op_run(period)
                else:
                    self.rng.choice(ops)()
            # Every period billed once more: each change since its last run is
            # recalculated.
            for period in sorted(self.periods_run):
                self.op_run(period)
            self.compare_ledgers()
            self.check_closed_balances()
        except Disagreement as e:
            if not self.problems or self.problems[-1] != str(e):
                self.problems.append(str(e))
        finally:
            self.db.close()
        return self.problems


def check(seed: int, steps: int = 70) -> list[str]:
    """Disagreements between opora and the oracle in scenario `seed` (empty: none)."""
    s = Scenario(seed)
    problems = s.play(steps)
    if problems:
        return [f"seed {seed}: {p}\n  last operations:\n    " + "\n    ".join(s.log[-25:])
                for p in problems]
    return []

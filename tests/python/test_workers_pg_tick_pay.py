"""Several OS processes on one PostgreSQL schema, each with its own handle, doing the same
work at the same moment: what opora promises still holds.

- Four processes tick 50,000 due workflow timers (OPORA_TEST_TIMERS sets another count).
  The timers are armed by 10,000 instances of one statechart, a parallel state of five
  regions, each region waiting on a one-hour timer, so that every instance has five timers
  that come due at the same instant and firings of one instance can meet in different
  processes. Each firing's transition counts itself in the instance's context. After the
  clock has passed the due time, four processes start together (a barrier on their stdin)
  and call `workflow.tick` in batches until a call fires nothing. Proved: no process
  failed (no OPORA_EBUSY: they wait up to 120 s for a lock and never retry), no firing
  failed, the processes' `fired` counts add up to the number of timers (a timer fired by
  two processes would count twice), nothing is left to fire, every instance stands in the
  five fired states after exactly five steps (its `seq`), and the history and context of
  instances across the whole range show each timer's event and transition exactly once
  and each count at 1 (a lost update of one step by another would leave a count at 0).

- Two payment gateways post the same 2,000 payments (1,000 transaction ids on each of two
  channels, over 200 accounts that owe their November fee) with `billing.pay`, started
  together, one in the list's order and one shuffled within small windows, so that both
  race for the same (channel, txn_id) again and again. Proved: no call failed (no
  conflict, no OPORA_EBUSY), each (channel, txn_id) got one answer with `"replayed": false`
  and one with `"replayed": true` that is otherwise the first answer (docs/billing.md: a
  repeat returns the stored first answer with the same receipt), the 2,000 receipts are
  distinct, every account's ledger holds exactly its ten payments, and its balance and the
  turnover's totals are, to the kopeck, the fee subtracted from what one posting of each
  payment gives (computed with Decimal).

- Four host processes drain the effects outbox (1,000 effects) with `effects.fetch` and
  `effects.ack`, while 50 effects are leased to the parent and never acknowledged. Proved:
  every effect went to exactly one process (the lease hides it from other fetches), on its
  first attempt, none of the parent's leased effects was offered to anyone while the lease
  held, and once the lease ran out the 50 come back with attempt 2 and the same
  idempotency keys.

The tests need a server: OPORA_TEST_PG_DSN (e.g. postgresql://postgres@/postgres?host=DIR);
without it they are skipped. Each test opens its own schema and drops it at the end. They
print how long each phase took; nothing is asserted about time.
"""

from __future__ import annotations

import collections
import json
import os
import random
import subprocess
import sys
import textwrap
import time
import uuid
from decimal import Decimal

import pytest

import opora

DSN = os.environ.get("OPORA_TEST_PG_DSN", "")
NOW = "2026-11-01T09:00:00Z"
LATER = "2026-11-01T11:00:00Z"  # two hours on: every one-hour timer is due
AFTER_LEASE = "2026-11-01T09:02:00Z"  # a 60-second lease taken at NOW has run out
BUSY_MS = 120000

TIMERS = int(os.environ.get("OPORA_TEST_TIMERS", "50000"))
REGIONS = 5  # timers per instance
TICKERS = 4
TICK_LIMIT = 200  # timers per workflow.tick call


@pytest.fixture
def schema():
    """A fresh schema name on the server, dropped (with everything in it) afterwards."""
    if not DSN:
        pytest.skip("needs a PostgreSQL server: set OPORA_TEST_PG_DSN")
    name = "w_" + uuid.uuid4().hex[:12]
    yield name
    subprocess.run(["psql", DSN, "-q", "-c", f"DROP SCHEMA IF EXISTS {name} CASCADE"],
                   capture_output=True, check=False)


def open_pg(schema, now=NOW, **options):
    return opora.open(DSN, schema=schema, clock="manual", now=now, busy_timeout_ms=BUSY_MS,
                      **options)


def spawn(source, *args):
    return subprocess.Popen([sys.executable, "-c", source, *map(str, args)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())


def run_together(processes, timeout=900):
    """Waits until every process has opened its handle, lets them go at once, and returns
    each one's JSON answer (the last line of its stdout); a process that failed fails the
    test with its stderr."""
    for p in processes:
        line = p.stdout.readline()
        if line != "ready\n":
            p.kill()
            raise AssertionError(f"worker did not start: {line!r} {p.stderr.read()}")
    for p in processes:
        p.stdin.write("go\n")
        p.stdin.flush()
    answers = []
    for p in processes:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, f"worker failed (exit {p.returncode}):\n{err}"
        answers.append(json.loads(out.splitlines()[-1]))
    return answers


class Phases:
    """Wall time of each phase, printed at the end (shown with pytest -s)."""

    def __init__(self, name):
        self.name, self.last, self.times = name, time.monotonic(), []

    def mark(self, phase):
        now = time.monotonic()
        self.times.append((phase, now - self.last))
        self.last = now

    def report(self):
        text = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in self.times)
        print(f"\n{self.name}: {text}")


# ------------------------------------------------------------------ timers --

TICKER = textwrap.dedent("""
    import json, sys
    import opora

    dsn, schema, now, limit = sys.argv[1:5]
    with opora.open(dsn, schema=schema, clock="manual", now=now, busy_timeout_ms=120000) as db:
        print("ready", flush=True)
        sys.stdin.readline()
        fired = failed = calls = 0
        while True:
            r = db.workflow.tick(limit=int(limit))
            calls += 1
            fired += r["fired"]
            failed += r["failed"]
            if r["fired"] == 0 and r["failed"] == 0:
                break
    print(json.dumps({"fired": fired, "failed": failed, "calls": calls}), flush=True)
""")


def timed_definition(regions):
    """`all` is parallel: region r<k> waits in w<k> for a one-hour timer that takes it to
    f<k>, adding 1 to context.hits.r<k> on the way."""
    return {
        "id": "timed",
        "context": {"hits": {f"r{k}": 0 for k in range(regions)}},
        "initial": "all",
        "states": {"all": {"type": "parallel", "states": {
            f"r{k}": {"initial": f"w{k}", "states": {
                f"w{k}": {"after": [{
                    "delay": "PT1H", "target": f"f{k}",
                    "actions": [{"assign": {f"hits.r{k}": f"context.hits.r{k} + 1"}}]}]},
                f"f{k}": {}}}
            for k in range(regions)}}},
    }


def test_four_processes_fire_every_due_timer_exactly_once(schema):
    phases = Phases(f"timers ({TIMERS})")
    instances = -(-TIMERS // REGIONS)
    timers = instances * REGIONS
    waiting = [f"w{k}" for k in range(REGIONS)]
    # workflow.instances lists the whole configuration, compound and parallel states too
    done_config = {"all"} | {f"r{k}" for k in range(REGIONS)} | {f"f{k}" for k in range(REGIONS)}

    with open_pg(schema, synchronous="normal") as db:
        db.workflow.define(definition=timed_definition(REGIONS))
        for i in range(instances):
            started = db.workflow.start(definition="timed", key=f"timer:{i}")
            assert started["existing"] is False and started["states"] == waiting
        assert len(started["timers"]) == REGIONS
    phases.mark(f"setup: {instances} starts")

    tickers = [spawn(TICKER, DSN, schema, LATER, TICK_LIMIT) for _ in range(TICKERS)]
    answers = run_together(tickers)
    phases.mark("4 processes ticking")
    print(f"\nfired per process: {[a['fired'] for a in answers]}, "
          f"calls: {[a['calls'] for a in answers]}")

    assert [a["failed"] for a in answers] == [0] * TICKERS
    assert sum(a["fired"] for a in answers) == timers

    with open_pg(schema, now=LATER) as db:
        # Nothing is left to fire, and nothing became an incident.
        assert db.workflow.tick()["fired"] == 0
        assert db.workflow.incidents()["incidents"] == []
        # Every instance took each region's timer transition, in exactly REGIONS steps.
        listed = db.workflow.instances(definition="timed", limit=100000)["instances"]
        assert len(listed) == instances
        wrong = [(r["key"], r["states"], r["seq"]) for r in listed
                 if set(r["states"]) != done_config or r["seq"] != 1 + REGIONS]
        assert wrong == []
        # The history and context of instances across the whole range (every 20th, and
        # the last): each timer armed once, its event and transition once, its count 1.
        ids = sorted(r["instance"] for r in listed)
        for instance in ids[::20] + ids[-1:]:
            got = db.workflow.get(instance=instance)
            assert got["context"]["hits"] == {f"r{k}": 1 for k in range(REGIONS)}, got
            assert sorted(got["states"]) == [f"f{k}" for k in range(REGIONS)]
            assert got["timers"] == []
            records = db.workflow.history(instance=instance, limit=100000)["records"]
            armed = collections.Counter(r["timer"] for r in records if r["kind"] == "timer_armed")
            events = collections.Counter(r["event"] for r in records if r["kind"] == "event")
            moves = collections.Counter((r["from"], r["to"]) for r in records
                                        if r["kind"] == "transition")
            timer_names = {f"after:w{k}:0": 1 for k in range(REGIONS)}
            assert armed == timer_names, records
            assert events == timer_names, records
            assert moves == {(f"w{k}", f"f{k}"): 1 for k in range(REGIONS)}, records
            assert sorted({r["seq"] for r in records if r["kind"] == "event"}) == \
                list(range(2, 2 + REGIONS))
    phases.mark("checks")
    phases.report()


# ---------------------------------------------------------------- payments --

GATEWAY = textwrap.dedent("""
    import json, sys
    import opora

    dsn, schema, now, path = sys.argv[1:5]
    with open(path, encoding="utf-8") as f:
        payments = json.load(f)
    answers = []
    with opora.open(dsn, schema=schema, clock="manual", now=now, busy_timeout_ms=120000) as db:
        print("ready", flush=True)
        sys.stdin.readline()
        for p in payments:
            answers.append(db.billing.pay(**p))
    print(json.dumps(answers, default=str), flush=True)
""")

ACCOUNTS = 200
PAYMENTS = 2000
CHANNELS = ("kaspi", "osmp")
TARIFFS = {"net": Decimal("499.00"), "net_plus": Decimal("750.50")}


def account_number(i):
    return f"LS-{i:04d}"


def payments_list():
    """2,000 payments: transaction ids T00000..T00999 on each channel (the same id on the
    other channel is another payment), ten per account, amounts 0.01..999.99."""
    rng = random.Random(16)
    payments = []
    for k in range(PAYMENTS):
        payments.append({
            "channel": CHANNELS[k % 2],
            "txn_id": f"T{k // 2:05d}",
            "account": account_number((k * 37) % ACCOUNTS),
            "amount": str(Decimal(rng.randint(1, 99999)).scaleb(-2)),
        })
    return payments


def shuffled_in_windows(items, window, seed):
    rng = random.Random(seed)
    out = []
    for s in range(0, len(items), window):
        part = items[s:s + window]
        rng.shuffle(part)
        out += part
    return out


def test_two_gateways_paying_the_same_transactions_post_each_once(schema, tmp_path):
    phases = Phases("payments")
    fee = {}
    with open_pg(schema, synchronous="normal") as db:
        for code, amount in TARIFFS.items():
            db.billing.tariff.define(tariff=code, name=code, fee=amount)
        for i in range(ACCOUNTS):
            number = account_number(i)
            tariff = "net" if i % 3 else "net_plus"
            db.billing.account.put(account=number,
                                   holder={"type": "person", "name": f"Петров Пётр {i}"})
            db.billing.subscription.connect(account=number, tariff=tariff, date="2026-10-01")
            fee[number] = TARIFFS[tariff]
        assert db.billing.run("2026-11")["status"] == "done"
        for number in (account_number(0), account_number(1)):
            assert db.billing.balance(account=number)["balance"] == -fee[number]
    phases.mark("setup")

    payments = payments_list()
    in_order, shuffled = tmp_path / "in_order.json", tmp_path / "shuffled.json"
    in_order.write_text(json.dumps(payments), encoding="utf-8")
    shuffled.write_text(json.dumps(shuffled_in_windows(payments, 16, seed=61)), encoding="utf-8")
    gateways = [spawn(GATEWAY, DSN, schema, NOW, path) for path in (in_order, shuffled)]
    answers = run_together(gateways)
    phases.mark("2 gateways paying")

    by_txn = collections.defaultdict(list)
    for answer in answers[0] + answers[1]:
        by_txn[(answer["channel"], answer["txn_id"])].append(answer)
    assert len(by_txn) == PAYMENTS
    firsts = {}
    for key, pair in by_txn.items():
        assert len(pair) == 2
        first = [a for a in pair if not a["replayed"]]
        again = [a for a in pair if a["replayed"]]
        assert len(first) == 1 and len(again) == 1, (key, pair)
        # The repeat is the first answer again, with "replayed": true.
        assert {**again[0], "replayed": False} == first[0], (key, pair)
        firsts[key] = first[0]
    for p in payments:
        answer = firsts[(p["channel"], p["txn_id"])]
        assert answer["account"] == p["account"]
        assert Decimal(answer["amount"]) == Decimal(p["amount"])
    assert len({a["receipt"] for a in firsts.values()}) == PAYMENTS
    print(f"\nposted by the in-order gateway: "
          f"{sum(not a['replayed'] for a in answers[0])}, by the shuffled one: "
          f"{sum(not a['replayed'] for a in answers[1])}")

    paid = collections.defaultdict(list)
    for p in payments:
        paid[p["account"]].append(Decimal(p["amount"]))
    with open_pg(schema) as db:
        for i in range(ACCOUNTS):
            number = account_number(i)
            entries = db.billing.ledger(account=number)["entries"]
            posted = sorted(e["amount"] for e in entries if e["entry"] == "payment")
            assert posted == sorted(paid[number]), number
            balance = db.billing.balance(account=number)
            assert balance["paid"] == sum(paid[number])
            assert balance["accrued"] == fee[number]
            assert balance["balance"] == sum(paid[number]) - fee[number]
        turnover = db.billing.turnover(from_="2026-11-01", to="2026-11-30")
        totals = {row["account"]: (row["accrued"], row["paid"]) for row in turnover["accounts"]}
        assert totals == {n: (fee[n], sum(paid[n])) for n in fee}
    phases.mark("checks")
    phases.report()


# ----------------------------------------------------------------- effects --

DRAINER = textwrap.dedent("""
    import json, sys
    import opora

    dsn, schema, now = sys.argv[1:4]
    got = []
    with opora.open(dsn, schema=schema, clock="manual", now=now, busy_timeout_ms=120000) as db:
        print("ready", flush=True)
        sys.stdin.readline()
        while True:
            batch = db.effects.fetch(limit=20, lease_seconds=3600)["effects"]
            if not batch:
                break
            for e in batch:
                acked = db.effects.ack(effect=e["id"], result="done")
                got.append({"id": e["id"], "key": e["idempotency_key"], "attempt": e["attempt"],
                            "to": e["payload"]["to"], "status": acked["status"],
                            "repeated": acked.get("repeated", False)})
    print(json.dumps(got), flush=True)
""")

EFFECTS = 1000
HELD = 50


def test_four_hosts_share_the_effects_outbox_under_leases(schema):
    phases = Phases("effects")
    with open_pg(schema, synchronous="normal") as db:
        db.workflow.define(definition={
            "id": "notify", "initial": "sent",
            "states": {"sent": {"entry": [{"emit": {
                "type": "sms", "to": "{{ key }}", "text": "Здравствуйте, {{ key }}"}}]}}})
        for i in range(EFFECTS):
            assert db.workflow.start(definition="notify", key=f"+7700{i:07d}")["effects"] == 1
    phases.mark(f"setup: {EFFECTS} effects")

    # The parent takes 50 effects on a 60-second lease and never acknowledges them.
    with open_pg(schema) as parent:
        held = parent.effects.fetch(limit=HELD, lease_seconds=60)["effects"]
        assert len(held) == HELD and {e["attempt"] for e in held} == {1}
        held_ids = {e["id"] for e in held}

        drainers = [spawn(DRAINER, DSN, schema, NOW) for _ in range(4)]
        answers = run_together(drainers)
        phases.mark("4 processes fetching and acknowledging")
        print(f"\neffects per process: {[len(a) for a in answers]}")

        taken = [e for answer in answers for e in answer]
        ids = collections.Counter(e["id"] for e in taken)
        assert len(taken) == EFFECTS - HELD
        assert set(ids.values()) == {1}  # each effect to one process, once
        assert not held_ids & set(ids)  # the parent's lease hid its effects
        assert {(e["attempt"], e["status"], e["repeated"]) for e in taken} == {(1, "done", False)}
        assert len({e["key"] for e in taken}) == len(taken)
        assert len({e["to"] for e in taken} | {e["payload"]["to"] for e in held}) == EFFECTS

        # Once the lease has run out, the 50 come back: second attempt, same keys.
        parent.clock.set(now=AFTER_LEASE)
        again = parent.effects.fetch(limit=1000, lease_seconds=60)["effects"]
        assert {e["id"] for e in again} == held_ids
        assert {e["attempt"] for e in again} == {2}
        assert {e["id"]: e["idempotency_key"] for e in again} == \
            {e["id"]: e["idempotency_key"] for e in held}
        for e in again:
            parent.effects.ack(effect=e["id"], result="done")
        assert parent.effects.fetch(limit=1000)["effects"] == []
    phases.mark("checks")
    phases.report()

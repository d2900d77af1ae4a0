"""Worker processes on one billing run on PostgreSQL (billing.run.work), killed at two
moments: one while it holds a claimed chunk it has not started billing, one while it
bills (its chunk transaction open, its rows and locks on the server). The others take
the chunks over once the leases run out, and every subscription is billed exactly once:
one accrual document per account, the run's lines and totals those of the tariffs, and
document numbers without a gap or a repeat.

The workers' chunk transactions run beside each other (store::Transaction concurrent:
a shared writers' lock, ids from the tables' sequences), so this is also the test that
concurrent inserters never collide. 200,000 accounts by default
(OPORA_TEST_WORKER_ACCOUNTS for another count); the accounts are two made through the
API and copied by SQL on the server, which is what billing.account.put and
billing.subscription.connect would write, minus the journal."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from decimal import Decimal

import pytest

import opora

DSN = os.environ.get("OPORA_TEST_PG_DSN", "")
pytestmark = pytest.mark.skipif(not DSN, reason="needs a PostgreSQL server (OPORA_TEST_PG_DSN)")

NOW = "2026-11-01T09:00:00Z"
LATER = "2026-11-01T09:02:00Z"  # the victim's 60 s lease has run out
LATEST = "2026-11-01T09:10:00Z"  # so have the leases of the worker killed while billing
PERIOD = "2026-11"
ACCOUNTS = int(os.environ.get("OPORA_TEST_WORKER_ACCOUNTS", "200000"))
CHUNK = max(50, ACCOUNTS // 100)
NET, TV = Decimal("500.00"), Decimal("299.90")

# A worker: joins the run (or plans the period's) and bills chunks until none is left.
# "hold" stops at its first claimed chunk and waits to be killed; "tell" says each
# claim (the progress callback runs when a chunk is claimed and its numbers reserved,
# just before the chunk's transaction); "wait" starts when told to.
WORKER = textwrap.dedent("""
    import json, sys, time
    import opora

    dsn, schema, now, period, name, mode, chunk, run = sys.argv[1:9]
    where = {"run": int(run)} if run else {"period": period, "chunk_size": int(chunk)}

    def progress(method, done, total):
        if mode == "hold":
            print("claimed", flush=True)
            time.sleep(600)
        if mode == "tell":
            print("claimed", flush=True)
        return True

    with opora.open(dsn, schema=schema, clock="manual", now=now, busy_timeout_ms=120000) as db:
        if mode != "hold":
            print("ready", flush=True)
            sys.stdin.readline()
        r = db.billing.run.work(**where, worker=name, lease_seconds=60, progress=progress)
    print(json.dumps({k: r[k] for k in ("chunks_done", "chunks_lost", "new_lines", "status",
                                        "complete")}), flush=True)
""")


def psql(sql: str, schema: str) -> str:
    out = subprocess.run(
        ["psql", DSN, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", f"SET search_path = {schema}",
         "-c", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture
def schema():
    name = "workers_" + uuid.uuid4().hex[:12]
    yield name
    psql(f"DROP SCHEMA IF EXISTS {name} CASCADE", "public")


def tv(account_id: int) -> bool:
    return account_id % 7 == 2


def build(schema: str) -> None:
    """Accounts 1 (net) and 2 (net and tv) through the API; accounts 3..ACCOUNTS copied
    from them on the server, every 7th (id % 7 == 2) with tv as account 2."""
    with opora.open(DSN, schema=schema, clock="manual", now=NOW) as db:
        db.billing.tariff.define(tariff="net", name="Интернет 100", fee=str(NET))
        db.billing.tariff.define(tariff="tv", name="Телевидение", fee=str(TV))
        for i in (1, 2):
            number = f"A-{i:06d}"
            db.billing.account.put(account=number,
                                   holder={"type": "person", "name": f"Иванов Иван {i}"})
            db.billing.subscription.connect(account=number, tariff="net", date="2026-10-01")
            if tv(i):
                db.billing.subscription.connect(account=number, tariff="tv", service="tv",
                                                date="2026-10-15")
    # Subscription ids of a copy: 3 * account id, plus 1 for its second.
    psql(f"""
        BEGIN;
        INSERT INTO billing_account
          SELECT r.* FROM generate_series(3, {ACCOUNTS}) g
          JOIN billing_account a ON a.id = CASE WHEN g % 7 = 2 THEN 2 ELSE 1 END,
          LATERAL jsonb_populate_record(NULL::billing_account, to_jsonb(a) || jsonb_build_object(
            'id', g, 'number', 'A-' || lpad(g::text, 6, '0'),
            'holder_name', 'Иванов Иван ' || g)) r;
        INSERT INTO billing_subscription
          SELECT r.* FROM generate_series(3, {ACCOUNTS}) g
          JOIN billing_subscription s ON s.account_id = CASE WHEN g % 7 = 2 THEN 2 ELSE 1 END
          JOIN (SELECT account_id, min(id) AS first FROM billing_subscription
                GROUP BY account_id) f ON f.account_id = s.account_id,
          LATERAL jsonb_populate_record(NULL::billing_subscription, to_jsonb(s) ||
            jsonb_build_object('id', 3 * g + s.id - f.first, 'account_id', g)) r;
        INSERT INTO billing_subscription_tariff
          SELECT 3 * g + t.subscription_id - f.first, t.from_date, t.tariff
          FROM generate_series(3, {ACCOUNTS}) g
          JOIN billing_subscription s ON s.account_id = CASE WHEN g % 7 = 2 THEN 2 ELSE 1 END
          JOIN billing_subscription_tariff t ON t.subscription_id = s.id
          JOIN (SELECT account_id, min(id) AS first FROM billing_subscription
                WHERE id < 9 GROUP BY account_id) f ON f.account_id = s.account_id;
        COMMIT;
        ANALYZE billing_account, billing_subscription, billing_subscription_tariff;
    """, schema)


def start(schema, now, name, mode, run=None):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, DSN, schema, now, PERIOD, name, mode, str(CHUNK),
         str(run or "")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ.copy())


def finish(p) -> dict:
    out, err = p.communicate(timeout=900)
    assert p.returncode == 0, err
    return json.loads(out.splitlines()[-1])


def test_workers_killed_holding_and_billing_bill_every_subscription_once(schema):
    clock = time.monotonic()

    def stage(name):
        nonlocal clock
        print(f"{name}: {time.monotonic() - clock:.1f} s", flush=True)
        clock = time.monotonic()

    build(schema)
    stage("setup")
    assert psql("SELECT count(*) FROM billing_account", schema) == str(ACCOUNTS)
    chunks = -(-ACCOUNTS // CHUNK)

    # The victim plans the run, claims the first chunk, reserves its numbers and stops.
    holder = start(schema, NOW, "holder", "hold")
    try:
        assert holder.stdout.readline() == "claimed\n", holder.stderr.read()
        with opora.open(DSN, schema=schema, clock="manual", now=NOW) as db:
            [planned] = db.billing.run.list(period=PERIOD)["runs"]
        assert planned["chunks"] == {"pending": chunks - 1, "leased": 1, "done": 0,
                                     "cancelled": 0}
        run = planned["run"]
        workers = [start(schema, LATER, f"w{k}", "tell" if k == 3 else "wait", run)
                   for k in (1, 2, 3)]
        for p in workers:
            assert p.stdout.readline() == "ready\n", p.stderr.read()
    finally:
        holder.kill()
    assert holder.wait(timeout=30) == -signal.SIGKILL
    for p in workers:
        p.stdin.write("go\n")
        p.stdin.flush()
    # w3 is killed a moment after its third claim: in its chunk's transaction, or just
    # after it (either way its chunk is not done by it, or is done once).
    billing = workers[2]
    try:
        for _ in range(3):
            assert billing.stdout.readline() == "claimed\n", billing.stderr.read()
        time.sleep(0.3)
    finally:
        billing.kill()
    assert billing.wait(timeout=30) == -signal.SIGKILL
    answers = [finish(p) for p in workers[:2]]
    # Whatever w3 held is taken over once its lease has run out.
    last = start(schema, LATEST, "w4", "wait", run)
    assert last.stdout.readline() == "ready\n", last.stderr.read()
    last.stdin.write("go\n")
    last.stdin.flush()
    answers.append(finish(last))
    stage("run")
    assert answers[-1]["complete"] is True and answers[-1]["status"] == "done", answers

    states = psql("SELECT state || ':' || count(*) FROM billing_run_chunk GROUP BY state",
                  schema).split()
    assert states == [f"done:{chunks}"]
    first = psql("SELECT attempts || ' ' || owner FROM billing_run_chunk "
                 "WHERE first_account = 1", schema).split()
    assert first[0] == "2" and first[1] in {"w1", "w2", "w3", "w4"}, first

    with_tv = sum(1 for i in range(1, ACCOUNTS + 1) if tv(i))
    stage("chunks checked")
    with opora.open(DSN, schema=schema, clock="manual", now=LATEST) as db:
        [done] = db.billing.run.list(period=PERIOD)["runs"]
        assert done["status"] == "done"
        assert done["accounts"] == ACCOUNTS
        assert done["lines"] == ACCOUNTS + with_tv
        # Every subscription billed once: the run's totals are the tariffs' sum.
        [total] = done["totals"]
        assert Decimal(total["amount"]) == NET * ACCOUNTS + TV * with_tv, total
        # A page of them as a host reads them: each account's document its tariffs' sum.
        page = db.registry.find(kind="accrual", sort="id", limit=1000)["documents"]
        assert len(page) == min(1000, ACCOUNTS)
        for d in page:
            expected = NET + (TV if tv(int(d["custom"]["account"][2:])) else 0)
            assert Decimal(d["totals"]["gross"]) == expected, d
    # All of them, on the server: one accrual document per account, and numbers
    # neither repeated nor skipped.
    rows = psql("SELECT count(*), count(DISTINCT custom_account), count(DISTINCT number) "
                "FROM (SELECT number, body::jsonb -> 'custom' ->> 'account' AS custom_account "
                "FROM document WHERE kind = 'accrual') d", schema)
    assert rows == f"{ACCOUNTS}|{ACCOUNTS}|{ACCOUNTS}", rows
    numbers = psql("SELECT number FROM document WHERE kind = 'accrual'", schema).split()
    stage("documents read")
    serials = sorted(int(re.search(r"(\d+)$", n).group(1)) for n in numbers)
    assert serials == list(range(serials[0], serials[0] + ACCOUNTS))
    # Ids given beside each other never collide: one accrual line per subscription.
    assert psql("SELECT count(*) FROM billing_accrual", schema) == str(ACCOUNTS + with_tv)
    assert psql("SELECT count(DISTINCT (account_id, subscription_id)) FROM billing_accrual",
                schema) == str(ACCOUNTS + with_tv)

"""Several worker processes on one billing run (billing.run.work), one of them killed
with SIGKILL while it holds a chunk: the others take the chunk over once its lease has
run out and finish the run, and every subscription is billed exactly once, with the
totals, lines and document numbers of a single process billing the same data.

The workers are real processes on one SQLite file (writers take the file's lock in
turn); on PostgreSQL the same claims skip each other's locked rows."""

from __future__ import annotations

import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal

import opora

NOW = "2026-11-01T09:00:00Z"
LATER = "2026-11-01T09:02:00Z"  # the survivors' clock: the victim's 60 s lease has run out
PERIOD = "2026-11"
ACCOUNTS = 3000
CHUNK = 50
TARIFFS = {"net": ("Интернет 100", Decimal("500.00")), "tv": ("Телевидение", Decimal("299.90"))}

# A worker: joins (or plans) the period's run and bills chunks until none is left.
# The victim stops in its progress callback, which is called once a chunk is claimed
# and its document numbers reserved, and waits there to be killed.
WORKER = textwrap.dedent("""
    import json, sys, time
    import opora

    path, now, period, name, victim, chunk, run = sys.argv[1:8]
    # The victim plans the run of the period; the others join that run.
    where = {"run": int(run)} if run else {"period": period, "chunk_size": int(chunk)}

    def progress(method, done, total):
        if victim == "1":
            print("claimed", flush=True)
            time.sleep(600)
        return True

    with opora.open(path, clock="manual", now=now, busy_timeout_ms=120000) as db:
        if victim != "1":
            print("ready", flush=True)
            sys.stdin.readline()  # the others start claiming together
        r = db.billing.run.work(**where, worker=name, lease_seconds=60, progress=progress)
    print(json.dumps({k: r[k] for k in ("chunks_done", "chunks_lost", "new_lines", "status")}),
          flush=True)
""")


def build(path) -> dict[str, Decimal]:
    """ACCOUNTS accounts on net, every 7th with tv too; returns each one's November fee."""
    due = {}
    with opora.open(path, clock="manual", now=NOW, synchronous="normal") as db:
        for code, (name, fee) in TARIFFS.items():
            db.billing.tariff.define(tariff=code, name=name, fee=fee)
        for i in range(ACCOUNTS):
            number = f"A-{i:05d}"
            db.billing.account.put(account=number,
                                   holder={"type": "person", "name": f"Иванов Иван {i}"})
            db.billing.subscription.connect(account=number, tariff="net", date="2026-10-01")
            due[number] = TARIFFS["net"][1]
            if i % 7 == 0:
                db.billing.subscription.connect(account=number, tariff="tv", service="tv",
                                                date="2026-10-15")
                due[number] += TARIFFS["tv"][1]
    return due


def copy(source, target):
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def documents(db) -> list[dict]:
    docs, cursor = [], None
    while True:
        page = db.registry.find(kind="accrual", sort="id", limit=1000,
                                **({"after": cursor} if cursor else {}))
        docs += page["documents"]
        cursor = page["next_cursor"]
        if not cursor:
            return docs


def state(path, due) -> dict:
    with opora.open(path, clock="manual", now=LATER) as db:
        [run] = db.billing.run.list(period=PERIOD)["runs"]
        docs = documents(db)
        lines = {}
        for number in due:
            entries = db.billing.ledger(account=number)["entries"]
            lines[number] = sorted((e["text"], e["amount"], e["vat"], e["period"])
                                   for e in entries if e["entry"] == "accrual")
        turnover = db.billing.turnover(from_="2026-11-01", to="2026-11-30")
    return {
        "run": {k: run[k] for k in ("status", "accounts", "lines", "totals", "chunks")},
        "documents": sorted((d["custom"]["account"], d["totals"]["gross"]) for d in docs),
        "numbers": sorted(d["number"] for d in docs),
        "lines": lines,
        "accrued": {row["account"]: Decimal(row["accrued"]) for row in turnover["accounts"]},
    }


def start(path, now, name, victim=False, run=None):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path), now, PERIOD, name, "1" if victim else "0",
         str(CHUNK), str(run or "")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=os.environ.copy())


def test_four_workers_one_killed_bill_every_subscription_once(tmp_path):
    template = tmp_path / "template.db"
    due = build(template)
    shared, reference = tmp_path / "shared.db", tmp_path / "reference.db"
    copy(template, shared)
    copy(template, reference)

    # The victim plans the run, claims the first chunk, reserves its numbers and
    # stops there; the three others join the run, and the victim is killed.
    victim = start(shared, NOW, "victim", victim=True)
    try:
        assert victim.stdout.readline() == "claimed\n", victim.stderr.read()
        with opora.open(shared, clock="manual", now=NOW, read_only=True) as db:
            [planned] = db.billing.run.list(period=PERIOD)["runs"]
        assert planned["chunks"] == {"pending": 59, "leased": 1, "done": 0, "cancelled": 0}
        survivors = [start(shared, LATER, f"w{k}", run=planned["run"]) for k in range(1, 4)]
        for p in survivors:
            assert p.stdout.readline() == "ready\n", p.stderr.read()
    finally:
        victim.kill()
    assert victim.wait(timeout=30) == -signal.SIGKILL
    for p in survivors:
        p.stdin.write("go\n")
        p.stdin.flush()
    answers = []
    for p in survivors:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        answers.append(json.loads(out))

    chunks = -(-ACCOUNTS // CHUNK)
    assert sum(a["chunks_done"] for a in answers) == chunks
    # A worker that found nothing left to claim while others still billed saw the run
    # running; the one that finished the last chunk saw it done.
    assert "done" in {a["status"] for a in answers}, answers
    # The victim's chunk was taken over: a second attempt, by a survivor.
    with sqlite3.connect(shared) as conn:
        attempts, owner, state_ = conn.execute(
            "SELECT attempts, owner, state FROM billing_run_chunk WHERE first_account = 1"
        ).fetchone()
    assert (attempts, state_) == (2, "done") and owner in {"w1", "w2", "w3"}

    with opora.open(reference, clock="manual", now=NOW) as db:
        whole = db.billing.run(PERIOD, chunk_size=CHUNK)
        assert whole["status"] == "done"

    after = state(shared, due)
    single = state(reference, due)
    # Every subscription billed exactly once...
    assert after["run"]["lines"] == ACCOUNTS + len(range(0, ACCOUNTS, 7))
    assert after["accrued"] == due
    per_account = collections.Counter(account for account, _ in after["documents"])
    assert set(per_account) == set(due) and set(per_account.values()) == {1}
    # ...with the totals, lines and documents of one process billing the same data,
    assert after["run"] == single["run"]
    assert after["lines"] == single["lines"]
    assert after["documents"] == single["documents"]
    # ...and the same document numbers: none repeated, none skipped.
    assert len(set(after["numbers"])) == len(after["numbers"]) == ACCOUNTS
    assert after["numbers"] == single["numbers"]

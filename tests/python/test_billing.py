"""billing.* end to end through the Python package: tariffs, accounts, the accrual run
with its progress callback, payments and their idempotency, and the two claims the
billing module makes about failure: a run killed mid-way (SIGKILL, a real child
process) resumes to exactly the totals of an uninterrupted run, and two processes
paying the same (channel, txn_id) at the same moment post it once."""

from __future__ import annotations

import collections
import gc
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import weakref
from decimal import Decimal

import pytest

import opora

NOW = "2026-11-01"  # manual clock: the run's dates and the payments' dates are fixed
PERIOD = "2026-11"
TARIFFS = {
    "net": ("Интернет 100", Decimal("500.00")),
    "tv": ("Телевидение", Decimal("299.90")),
}


def open_db(path, **options):
    options.setdefault("clock", "manual")
    options.setdefault("now", NOW)
    return opora.open(path, **options)


def define_tariffs(db):
    for code, (name, fee) in TARIFFS.items():
        db.billing.tariff.define(tariff=code, name=name, fee=fee)


def account_number(i: int) -> str:
    return f"A-{i:05d}"


def add_accounts(db, count: int) -> dict[str, Decimal]:
    """TARIFFS and `count` accounts on net from 2026-10-01, every 7th with tv too.
    Returns the fee each account owes for a full November."""
    define_tariffs(db)
    due = {}
    for i in range(count):
        number = account_number(i)
        db.billing.account.put(account=number,
                               holder={"type": "person", "name": f"Иванов Иван {i}"})
        db.billing.subscription.connect(account=number, tariff="net", date="2026-10-01")
        due[number] = TARIFFS["net"][1]
        if i % 7 == 0:
            db.billing.subscription.connect(account=number, tariff="tv", service="tv",
                                            date="2026-10-15")
            due[number] += TARIFFS["tv"][1]
    return due


def build(path, count: int) -> dict[str, Decimal]:
    with open_db(path, synchronous="normal") as db:
        return add_accounts(db, count)


def copy_db(source, target):
    """A byte-for-byte copy of a closed database (and its WAL, if one was left)."""
    for suffix in ("", "-wal"):
        if os.path.exists(f"{source}{suffix}"):
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


@pytest.fixture(scope="module")
def billing_template(tmp_path_factory):
    """A closed database with 250 accounts and their November fees, built once."""
    path = tmp_path_factory.mktemp("template") / "billing.db"
    return path, build(path, 250)


@pytest.fixture
def billing_db(billing_template, tmp_path):
    """A copy of the template (250 accounts, every 7th with two subscriptions), with
    their expected November fees as `billing_db.due` and its path as `billing_db.source`."""
    template, due = billing_template
    path = tmp_path / "billing.db"
    copy_db(template, path)
    with open_db(path) as db:
        db.due = due
        db.source = path
        yield db


# ------------------------------------------------------------- the basics --


# Once a bug: the tariff cache trusted PRAGMA data_version, which ignores the
# handle's own commits.
def test_a_tariff_is_usable_on_the_handle_that_defined_it(db_path):
    with open_db(db_path) as db:
        db.billing.tariff.define(tariff="net", name="Internet", fee="500.00")
        db.billing.account.put(account="A-1", holder={"type": "person", "name": "Иванов Иван"})
        assert db.billing.subscription.connect(account="A-1", tariff="net")["tariff"] == "net"


def test_tariff_account_and_check_carry_decimal_money(db_path):
    with open_db(db_path) as db:
        define_tariffs(db)
        tariffs = {t["code"]: t for t in db.billing.tariff.list()["tariffs"]}
        assert set(tariffs) == set(TARIFFS)
        account = db.billing.account.put(account="A-1",
                                         holder={"type": "person", "name": "Петров Пётр Петрович"})
        assert account["balance"] == Decimal("0.00") and isinstance(account["balance"], Decimal)
        sub = db.billing.subscription.connect(account="A-1", tariff="net", date="2026-10-01")
        assert sub["tariff"] == "net" and sub["account"] == "A-1"

        run = db.billing.run(PERIOD)  # the one required parameter, positionally
        assert run["complete"] is True and run["accounts"] == 1 and run["lines"] == 1
        assert run["totals"] == [{"currency": "RUB", "amount": Decimal("500.00"),
                                  "vat": Decimal("90.16")}]  # 22% included: 500 * 22 / 122

        check = db.billing.check(channel="osmp", account="A-1")
        assert check["amount_due"] == Decimal("500.00")
        assert isinstance(check["amount_due"], Decimal)
        assert check["balance"] == Decimal("-500.00")
        assert check["holder"] == "Пётр Петрович П."  # masked
        assert db.billing.account.get("A-1")["debt"] == Decimal("500.00")


def test_positional_value_only_for_a_single_required_parameter(billing_db):
    assert billing_db.billing.account.get("A-00001") == billing_db.billing.account.get(
        account="A-00001")
    with pytest.raises(TypeError, match="positional argument"):
        billing_db.billing.pay("A-00001")  # type: ignore[misc]
    with pytest.raises(TypeError, match="multiple values for argument 'period'"):
        billing_db.billing.run(PERIOD, period=PERIOD)  # type: ignore[misc]
    assert billing_db.billing.run.list(period="2026-01") == {"runs": []}
    # the dynamic facade still takes a mapping as the whole params
    assert opora.Module(billing_db, "billing.run.list")({"period": "2026-01"}) == {"runs": []}
    with pytest.raises(TypeError, match="'billing.pay' takes a mapping"):
        opora.Module(billing_db, "billing.pay")("A-00001")
    doc = billing_db.billing.run.__doc__
    assert "period (str; required)" in doc
    assert "progress=callback(method, done, total)" in doc
    sig = inspect.signature(billing_db.billing.run)
    assert sig.parameters["progress"].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["progress"].default is None
    assert "progress" not in inspect.signature(billing_db.billing.pay).parameters
    assert "progress" not in inspect.signature(billing_db.billing.run.list).parameters


# ----------------------------------------------------------------- progress --


def test_run_reports_progress_after_each_chunk(billing_db):
    calls = []
    result = billing_db.billing.run(PERIOD, chunk_size=100,
                                    progress=lambda *args: calls.append(args))
    assert calls == [("billing.run", 100, 250), ("billing.run", 200, 250),
                     ("billing.run", 250, 250)]
    assert result["complete"] is True and result["resumed"] is False
    assert result["status"] == "done"
    assert result["accounts"] == 250
    assert result["lines"] == result["new_lines"] == 250 + len(range(0, 250, 7))
    assert result["totals"][0]["amount"] == sum(billing_db.due.values())
    assert billing_db.progress is None  # progress= lasts for the call only


def test_stopped_after_the_first_chunk_and_resumed_gives_identical_totals(billing_db, tmp_path):
    reference_path = tmp_path / "reference.db"
    copy_db(billing_db.source, reference_path)  # nothing written since the build
    calls = []

    def stop(method, done, total):
        calls.append(done)
        return False

    first = billing_db.billing.run(PERIOD, chunk_size=100, progress=stop)
    assert calls == [100]
    assert first["complete"] is False and first["status"] == "running"
    assert first["accounts"] == 100

    rest = []
    second = billing_db.billing.run(PERIOD, chunk_size=100,
                                    progress=lambda m, done, total: rest.append(done))
    assert rest == [200, 250]  # done counts from where the run stopped
    assert second["complete"] is True and second["resumed"] is True
    assert second["run"] == first["run"]

    with open_db(reference_path) as reference:
        whole = reference.billing.run(PERIOD, chunk_size=100)
    for key in ("status", "accounts", "lines", "totals"):
        assert second[key] == whole[key], key
    assert second["totals"][0]["amount"] == sum(billing_db.due.values())
    # and running again posts nothing
    again = billing_db.billing.run(PERIOD)
    assert (again["status"], again["new_lines"]) == ("nothing_to_bill", 0)
    [run] = billing_db.billing.run.list(period=PERIOD)["runs"]
    assert Decimal(run["totals"][0]["amount"]) == whole["totals"][0]["amount"]


def test_an_exception_in_the_callback_stops_the_run_and_is_raised(billing_db):
    class Stop(Exception):
        pass

    def fail(method, done, total):
        raise Stop(done)

    with pytest.raises(Stop) as e:
        billing_db.billing.run(PERIOD, chunk_size=100, progress=fail)
    assert e.value.args == (100,)
    runs = billing_db.billing.run.list(period=PERIOD)["runs"]
    assert [(r["status"], r["accounts"]) for r in runs] == [("running", 100)]
    assert billing_db.progress is None
    assert billing_db.billing.run(PERIOD)["accounts"] == 250


def test_keyboard_interrupt_in_the_callback_stops_the_run(billing_db):
    def interrupt(method, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        billing_db.billing.run(PERIOD, chunk_size=50, progress=interrupt)
    assert billing_db.billing.run.list()["runs"][0]["accounts"] == 50


def test_only_false_stops(billing_db):
    answers = iter([None, 0, "", [], True, False])
    done = []

    def answer(method, n, total):
        done.append(n)
        return next(answers)

    result = billing_db.billing.run(PERIOD, chunk_size=40, progress=answer)
    assert done == [40, 80, 120, 160, 200, 240]
    assert result["complete"] is False and result["accounts"] == 240


def test_set_progress_lasts_until_removed(billing_db):
    seen = []

    def record(method, done, total):
        seen.append((method, done, total))

    billing_db.set_progress(record)
    assert billing_db.progress is record
    billing_db.billing.run(PERIOD, chunk_size=200)
    assert seen == [("billing.run", 200, 250), ("billing.run", 250, 250)]

    # a facade's progress= wins for its call, then the handle's callback is back
    other = []
    billing_db.billing.run("2026-12", chunk_size=200, progress=lambda *a: other.append(a))
    assert other == [("billing.run", 200, 250), ("billing.run", 250, 250)]
    assert len(seen) == 2
    assert billing_db.progress is record

    billing_db.set_progress(None)
    assert billing_db.progress is None
    with pytest.raises(TypeError, match="callable"):
        billing_db.set_progress(42)
    with pytest.raises(TypeError, match="callable"):
        billing_db.billing.run(PERIOD, progress="yes")


def test_the_callback_cannot_call_its_own_database(billing_db, tmp_path):
    with open_db(tmp_path / "other.db") as other:
        answers = []

        def peek(method, done, total):
            answers.append(other.billing.run.list()["runs"])  # another handle is fine
            billing_db.billing.run.list()  # this one would deadlock: refused

        with pytest.raises(opora.InvalidState, match="progress callback"):
            billing_db.billing.run(PERIOD, chunk_size=100, progress=peek)
        assert answers == [[]]

        def reset(method, done, total):
            billing_db.set_progress(None)

        with pytest.raises(opora.InvalidState, match="progress callback"):
            billing_db.billing.run(PERIOD, chunk_size=100, progress=reset)
        assert billing_db.billing.run.list()["runs"][0]["accounts"] == 200


def test_set_progress_from_another_thread_waits_for_the_running_call(billing_db):
    in_first_chunk, go_on = threading.Event(), threading.Event()
    seen = []

    def slow(method, done, total):
        seen.append(("slow", done))
        in_first_chunk.set()
        go_on.wait(30)

    billing_db.set_progress(slow)
    runner = threading.Thread(target=billing_db.billing.run, args=(PERIOD,),
                              kwargs={"chunk_size": 100})
    runner.start()
    assert in_first_chunk.wait(30)
    setter = threading.Thread(target=billing_db.set_progress,
                              args=(lambda *a: seen.append(("other", a[1])),))
    setter.start()
    setter.join(0.2)
    assert setter.is_alive()  # the library never swaps the callback under a call
    go_on.set()
    runner.join()
    setter.join()
    assert seen == [("slow", 100), ("slow", 200), ("slow", 250)]
    assert billing_db.progress is not slow


def test_the_callback_runs_in_the_calling_thread(billing_db):
    threads = []

    def work():
        billing_db.billing.run(PERIOD, chunk_size=100,
                               progress=lambda *a: threads.append(threading.get_ident()))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert threads == [worker.ident] * 3


def test_a_database_referenced_by_its_callback_is_collected(db_path):
    def make_cycle():
        db = open_db(db_path)
        db.set_progress(lambda method, done, total: db.path)  # db -> native -> callback -> db
        return weakref.ref(db)

    gc.disable()
    try:
        ref = make_cycle()
        assert ref() is not None  # only the garbage collector can free it
        gc.collect()
        assert ref() is None
    finally:
        gc.enable()
    with open_db(db_path) as again:  # and the handle was closed
        assert again.billing.run.list() == {"runs": []}


def test_a_collection_while_a_database_is_being_opened_does_not_crash():
    # Was: the collector visited a Database that pybind11 had allocated but
    # whose __init__ had not built the C++ object yet, read its raw memory as
    # the progress hook and crashed the interpreter (SIGSEGV), as soon as a
    # collection fell inside opora.open (seen opening many databases in one
    # pytest run). A threshold of 1 collects at every allocation.
    old = gc.get_threshold()
    gc.set_threshold(1, 1, 1)
    try:
        for _ in range(50):
            db = opora.open(":memory:")
            db.set_progress(lambda method, done, total: db)
            del db
            with opora.open(":memory:") as other:
                other.set_progress(lambda method, done, total: True)
    finally:
        gc.set_threshold(*old)
    gc.collect()


# ----------------------------------------------------------------- payments --


def test_pay_replay_and_conflict(billing_db):
    billing_db.billing.run(PERIOD)
    before = billing_db.billing.balance(account="A-00003")
    assert before["balance"] == Decimal("-500.00")  # money by the result schema

    paid = billing_db.billing.pay(channel="kaspi", txn_id="1001", account="A-00003",
                                  amount=Decimal("200.50"), txn_date="2026-11-01T10:00:00")
    assert paid["replayed"] is False
    assert paid["amount"] == Decimal("200.50") and isinstance(paid["amount"], Decimal)
    assert paid["balance"] == Decimal("-299.50") and paid["debt"] == Decimal("299.50")

    again = billing_db.billing.pay(channel="kaspi", txn_id="1001", account="A-00003",
                                   amount="200.5", txn_date="2026-11-01T10:00:00")
    assert again["replayed"] is True
    assert again["receipt"] == paid["receipt"]
    assert {k: v for k, v in again.items() if k != "replayed"} == {
        k: v for k, v in paid.items() if k != "replayed"}

    with pytest.raises(opora.Conflict) as e:
        billing_db.billing.pay(channel="kaspi", txn_id="1001", account="A-00003",
                               amount="200.51")
    assert e.value.field_errors[0]["field"] == "txn_id"
    with pytest.raises(opora.Conflict):
        billing_db.billing.pay(channel="kaspi", txn_id="1001", account="A-00004",
                               amount="200.50")
    # the same txn_id in another channel is another payment
    other = billing_db.billing.pay(channel="osmp", txn_id="1001", account="A-00003",
                                   amount="0.50")
    assert other["receipt"] != paid["receipt"] and other["replayed"] is False

    payments = [e for e in billing_db.billing.ledger(account="A-00003")["entries"]
                if e["entry"] == "payment"]
    assert sorted(Decimal(p["amount"]) for p in payments) == [Decimal("0.50"), Decimal("200.50")]
    assert billing_db.billing.check(channel="kaspi", account="A-00003")["amount_due"] == (
        Decimal("299.00"))


def test_pay_refuses_a_float(billing_db):
    with pytest.raises(TypeError, match="float"):
        billing_db.billing.pay(channel="cash", txn_id="1", account="A-00001", amount=100.0)


# -------------------------------------------------------------------- crash --

# The child runs the period in chunks of 100 and kills itself with SIGKILL from
# the progress callback after the fifth chunk has committed.
CRASH_CHILD = textwrap.dedent("""
    import os, signal, sys
    import opora

    def progress(method, done, total):
        print(done, total, flush=True)
        if done >= 500:
            os.kill(os.getpid(), signal.SIGKILL)

    with opora.open(sys.argv[1], clock="manual", now=sys.argv[2]) as db:
        db.billing.run(period=sys.argv[3], chunk_size=100, progress=progress)
    print("still alive", flush=True)
""")


def accrual_documents(db) -> list[dict]:
    """Every accrual document of the registry, page by page."""
    docs, cursor = [], None
    while True:
        page = db.registry.find(kind="accrual", sort="id", limit=1000,
                                **({"after": cursor} if cursor else {}))
        docs += page["documents"]
        cursor = page["next_cursor"]
        if not cursor:
            return docs


def accrual_lines(db, accounts) -> dict[str, list[tuple]]:
    """Each account's accrual lines as (text, amount, vat, period), sorted."""
    lines = {}
    for number in accounts:
        entries = db.billing.ledger(account=number)["entries"]
        lines[number] = sorted((e["text"], e["amount"], e["vat"], e["period"])
                               for e in entries if e["entry"] == "accrual")
    return lines


def billing_state(db, accounts) -> dict:
    """What the crash test compares between the two databases."""
    runs = db.billing.run.list(period=PERIOD)["runs"]
    turnover = db.billing.turnover(from_="2026-11-01", to="2026-11-30")
    docs = accrual_documents(db)
    return {
        "runs": [{k: r[k] for k in ("status", "accounts", "lines", "totals")} for r in runs],
        "turnover": turnover,
        "documents": sorted((d["custom"]["account"], d["totals"]["gross"]) for d in docs),
        "lines": accrual_lines(db, accounts),
    }


def test_a_run_killed_mid_way_resumes_to_the_totals_of_an_uninterrupted_one(tmp_path):
    template = tmp_path / "template.db"
    due = build(template, 3000)
    crashed, reference = tmp_path / "crashed.db", tmp_path / "reference.db"
    copy_db(template, crashed)
    copy_db(template, reference)

    child = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(crashed), NOW, PERIOD],
                           capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.split("\n") == [f"{n} 3000" for n in range(100, 501, 100)] + [""]

    with open_db(crashed) as db:
        # the five committed chunks survived the kill, nothing of a sixth
        [run] = db.billing.run.list(period=PERIOD)["runs"]
        assert (run["status"], run["accounts"]) == ("running", 500)
        assert len(accrual_documents(db)) == 500

        done = []
        resumed = db.billing.run(PERIOD, chunk_size=100,
                                 progress=lambda m, n, total: done.append(n))
        assert done == list(range(600, 3001, 100))
        assert resumed["resumed"] is True and resumed["complete"] is True
        after_crash = billing_state(db, due)

    with open_db(reference) as db:
        whole = db.billing.run(PERIOD, chunk_size=100)
        assert whole["resumed"] is False and whole["complete"] is True
        uninterrupted = billing_state(db, due)

    for key in ("accounts", "lines", "totals", "status"):
        assert resumed[key] == whole[key], key
    assert after_crash == uninterrupted

    # and neither billed any subscription twice
    assert resumed["totals"][0]["amount"] == sum(due.values())
    assert resumed["lines"] == 3000 + len(range(0, 3000, 7))
    per_account = {row["account"]: Decimal(row["accrued"])
                   for row in after_crash["turnover"]["accounts"]}
    assert per_account == due
    documents = collections.Counter(account for account, _ in after_crash["documents"])
    assert set(documents) == set(due) and set(documents.values()) == {1}
    for number, lines in after_crash["lines"].items():
        texts = [text for text, *_ in lines]
        assert len(texts) == len(set(texts)), number


# --------------------------------------------------------------------- race --

# Pays the txn_id read from each stdin line and answers with one JSON line.
RACE_CHILD = textwrap.dedent("""
    import json, sys
    import opora

    with opora.open(sys.argv[1], busy_timeout_ms=10000, clock="manual", now=sys.argv[2]) as db:
        print("ready", flush=True)
        for line in sys.stdin:
            try:
                r = db.billing.pay(channel="osmp", txn_id=line.strip(), account="A-00001",
                                   amount="10.00")
                answer = {"receipt": r["receipt"], "replayed": r["replayed"]}
            except opora.Error as e:
                answer = {"error": type(e).__name__, "message": str(e)}
            print(json.dumps(answer), flush=True)
""")


def test_two_processes_paying_the_same_txn_id_post_it_once(tmp_path):
    path = tmp_path / "race.db"
    build(path, 3)
    with open_db(path) as db:
        db.billing.run(PERIOD)
        opening = Decimal(db.billing.balance(account="A-00001")["balance"])

    payers = [subprocess.Popen([sys.executable, "-c", RACE_CHILD, str(path), NOW],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env=os.environ.copy()) for _ in range(2)]
    try:
        for p in payers:
            assert p.stdout.readline() == "ready\n"
        txn_ids = [str(900000 + i) for i in range(20)]
        for txn_id in txn_ids:
            # Both are blocked reading stdin: they wake up together and pay at once.
            for p in payers:
                p.stdin.write(txn_id + "\n")
                p.stdin.flush()
            answers = [json.loads(p.stdout.readline()) for p in payers]
            assert all("error" not in a for a in answers), answers
            assert answers[0]["receipt"] == answers[1]["receipt"], answers
            assert sorted(a["replayed"] for a in answers) == [False, True], answers
    finally:
        for p in payers:
            p.stdin.close()
        for p in payers:
            assert p.wait(timeout=30) == 0

    with open_db(path) as db:
        payments = [e for e in db.billing.ledger(account="A-00001")["entries"]
                    if e["entry"] == "payment"]
        assert sorted(e["text"] for e in payments) == sorted(f"osmp {t}" for t in txn_ids)
        balance = Decimal(db.billing.balance(account="A-00001")["balance"])
        assert balance == opening + 20 * Decimal("10.00")

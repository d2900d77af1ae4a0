"""One Database shared by threads, separate Databases in threads, and proof that
the GIL is released while the library works. No timing is asserted: every test
checks results, and the GIL test is built so that holding the GIL would make
the call fail with Busy."""

from __future__ import annotations

import datetime
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import opora
from conftest import acme_calendar

THREADS = 8
CALLS = 40


def expected_dates(db):
    """calendar.add_working_days ru from 2025-12-30 for 0..CALLS-1 days, computed serially."""
    return [
        db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=n)["date"]
        for n in range(CALLS)
    ]


def test_threads_sharing_one_handle_get_correct_results(db):
    expected = expected_dates(db)
    start = threading.Barrier(THREADS)

    def work(worker):
        start.wait()
        got = []
        for i in range(CALLS):
            n = (i + worker) % CALLS  # threads ask different questions at the same moment
            r = db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=n)
            got.append((n, r["date"]))
            assert db.call("requisites.validate", inn="7707083893")["valid"] is True
        return got

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    for got in results:
        assert len(got) == CALLS
        for n, date in got:
            assert date == expected[n]


def test_errors_stay_with_the_thread_that_caused_them(db):
    """Error details are thread-local in the C library; each thread must see its own."""
    start = threading.Barrier(THREADS)

    def work(worker):
        start.wait()
        for _ in range(CALLS):
            if worker % 2:
                try:
                    db.call("calendar.add_working_days", calendar="ru", date="2025-12-30")
                except opora.InvalidArgument as e:
                    assert e.field_errors[0]["field"] == "days"
                else:
                    raise AssertionError("missing days was accepted")
            else:
                try:
                    db.call(f"no.such_method_{worker}")
                except opora.UnknownMethod as e:
                    assert f"no.such_method_{worker}" in e.message
                else:
                    raise AssertionError("unknown method was accepted")
        return worker

    with ThreadPoolExecutor(THREADS) as pool:
        assert sorted(pool.map(work, range(THREADS))) == list(range(THREADS))


def test_threads_with_their_own_handles_on_one_file(db_path):
    opora.open(db_path, synchronous="normal").close()
    start = threading.Barrier(THREADS)

    def work(worker):
        with opora.open(db_path, synchronous="normal", busy_timeout_ms=60000) as own:
            start.wait()
            doc = acme_calendar()
            doc["id"] = f"team{worker}"
            loaded = own.call("calendar.load", calendar=doc)
            assert loaded == {"id": f"team{worker}", "years": [2026]}
            r = own.call(
                "calendar.add_working_days", calendar=f"team{worker}", date="2026-01-01", days=1
            )
            assert r["date"] == datetime.date(2026, 1, 5)  # 01-02 is a holiday, then a weekend
            return worker

    with ThreadPoolExecutor(THREADS) as pool:
        assert sorted(pool.map(work, range(THREADS))) == list(range(THREADS))
    with opora.open(db_path) as db:
        ids = {c["id"] for c in db.call("calendar.list")["calendars"]}
    assert {f"team{i}" for i in range(THREADS)} <= ids


def test_close_waits_for_calls_in_other_threads(db_path):
    db = opora.open(db_path)
    start = threading.Barrier(THREADS + 1)

    def work(_):
        start.wait()
        done = 0
        for _ in range(CALLS):
            try:
                db.call("calendar.list")
                done += 1
            except opora.InvalidState:
                break  # closed under us: refused cleanly, never a crash
        return done

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(work, i) for i in range(THREADS)]
        start.wait()
        db.close()
        for f in futures:
            assert 0 <= f.result() <= CALLS
    assert db.closed


@pytest.mark.sqlite_only("an SQLite lock taken with the sqlite3 module")
def test_the_gil_is_released_during_a_call(db_path):
    """A call blocks on a database lock that only this (main) Python thread can
    release. If the extension kept the GIL during the call, the main thread could
    not run until the library gave up, and the call would fail with Busy."""
    with opora.open(db_path, synchronous="normal") as setup:
        setup.call("calendar.list")
    db = opora.open(db_path, synchronous="normal", busy_timeout_ms=60000)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")  # the write lock, held by this thread
        entering = threading.Event()
        outcome = {}

        def writer():
            entering.set()
            try:
                outcome["result"] = db.call("calendar.load", calendar=acme_calendar())
            except BaseException as e:  # reported below, in the main thread
                outcome["error"] = e

        thread = threading.Thread(target=writer)
        thread.start()
        entering.wait()
        # Let the writer get into its call; it cannot finish while the lock is held.
        threading.Event().wait(0.2)
        assert thread.is_alive(), outcome
        # This line runs while the writer is inside opora_db_call: the GIL is free.
        blocker.execute("COMMIT")
        thread.join()
        assert "error" not in outcome, outcome.get("error")
        assert outcome["result"] == {"id": "acme", "years": [2026]}
    finally:
        blocker.close()
        db.close()

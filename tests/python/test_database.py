"""Opening, calling and closing a database through the public opora API."""

from __future__ import annotations

import datetime
import os
import pathlib
import subprocess
import sys

import pytest

import opora
from conftest import UTC, VALID_INN, acme_calendar


def test_version_of_package_library_and_database_agree(db):
    v = db.version()
    assert v["version"] == opora.__version__ == opora.library_version()
    major, minor, patch = (int(x) for x in opora.__version__.split("."))
    assert v["version_number"] == major * 1_000_000 + minor * 1000 + patch
    assert isinstance(v["schema"], dict) and v["schema"]
    assert all(isinstance(n, int) and n >= 1 for n in v["schema"].values())
    assert isinstance(v["sqlite_version"], str)


def test_methods_lists_the_catalogue_with_schemas(db):
    methods = db.methods()
    names = [m["name"] for m in methods]
    for expected in (
        "meta.version",
        "meta.methods",
        "clock.get",
        "clock.set",
        "requisites.validate",
        "calendar.list",
        "calendar.load",
        "calendar.add_working_days",
        "calendar.is_working_day",
        "calendar.working_days_between",
    ):
        assert expected in names
    for m in methods:
        assert isinstance(m["summary"], str) and m["summary"]
        assert isinstance(m["mutating"], bool)
        assert m["params"]["type"] == "object"
        assert m["result"]["type"] == "object"


def test_methods_returns_a_copy_of_the_cache(db):
    first = db.methods()
    first.clear()
    assert db.methods(), "mutating the returned list must not empty the cache"
    assert db.call("meta.methods")["methods"] == db.methods()


def test_add_working_days_skips_the_new_year_holidays(db):
    r = db.call("calendar.add_working_days", {"calendar": "ru", "date": "2025-12-30", "days": 1})
    assert r == {"date": datetime.date(2026, 1, 12)}


def test_params_as_keywords_and_date_objects(db):
    start = datetime.date(2025, 12, 30)
    r = db.call("calendar.add_working_days", calendar="ru", date=start, days=1)
    assert r["date"] == datetime.date(2026, 1, 12)
    back = db.call("calendar.add_working_days", calendar="ru", date=r["date"], days=-1)
    assert back["date"] == datetime.date(2025, 12, 30)


def test_params_mapping_and_keywords_merge(db):
    r = db.call("calendar.add_working_days", {"calendar": "ru"}, date="2025-12-30", days=1)
    assert r["date"] == datetime.date(2026, 1, 12)


def test_a_key_given_twice_is_a_type_error(db):
    with pytest.raises(TypeError, match="days"):
        db.call(
            "calendar.add_working_days", {"calendar": "ru", "days": 1}, date="2025-12-30", days=2
        )


def test_working_days_between_january_2026(db):
    params = {"calendar": "ru", "from": "2026-01-01", "to": "2026-01-31"}
    r = db.call("calendar.working_days_between", params)
    assert r == {"days": 15, "hours": 120}
    assert type(r["days"]) is int


def test_is_working_day_reports_a_transferred_day_off(db):
    r = db.call("calendar.is_working_day", calendar="ru", date="2026-01-09")
    assert r["date"] == datetime.date(2026, 1, 9)
    assert r["working"] is False
    assert r["kind"] == "day_off"
    assert r["hours"] == 0


def test_requisites_validate_valid_and_invalid_inn(db):
    assert db.call("requisites.validate", inn=VALID_INN) == {"valid": True, "errors": []}
    bad = db.call("requisites.validate", inn="7707083894")
    assert bad["valid"] is False
    assert bad["errors"][0]["field"] == "inn"
    assert bad["errors"][0]["rule"] == "inn_checksum"


def test_manual_clock_set_and_get_convert_dates(manual_db):
    now = manual_db.call("clock.get")
    assert now["mode"] == "manual"
    assert now["now"] == datetime.datetime(2026, 1, 1, tzinfo=UTC)
    assert now["now"].tzinfo is not None
    assert now["today"] == datetime.date(2026, 1, 1)

    moved = manual_db.call("clock.set", now=datetime.datetime(2026, 3, 15, 9, 30, 5, tzinfo=UTC))
    assert moved["now"] == datetime.datetime(2026, 3, 15, 9, 30, 5, tzinfo=UTC)
    assert manual_db.call("clock.get")["today"] == datetime.date(2026, 3, 15)


def test_clock_set_accepts_a_non_utc_aware_datetime(manual_db):
    msk = datetime.timezone(datetime.timedelta(hours=3))
    moved = manual_db.call("clock.set", now=datetime.datetime(2026, 5, 1, 2, 0, tzinfo=msk))
    assert moved["now"] == datetime.datetime(2026, 4, 30, 23, 0, tzinfo=UTC)
    assert moved["today"] == datetime.date(2026, 4, 30)


def test_open_options_now_as_a_date_object_and_utc_offset(db_path):
    start = datetime.date(2026, 6, 1)
    with opora.open(db_path, clock="manual", now=start, utc_offset="+03:00") as db:
        r = db.call("clock.get")
    assert r["now"] == datetime.datetime(2026, 6, 1, tzinfo=UTC)
    assert r["utc_offset"] == "+03:00"


def test_system_clock_is_the_default(db):
    r = db.call("clock.get")
    assert r["mode"] == "system"
    assert isinstance(r["now"], datetime.datetime)
    with pytest.raises(opora.InvalidState):
        db.call("clock.set", now="2026-01-01")


def test_open_accepts_str_pathlike_and_memory(tmp_path):
    with opora.open(str(tmp_path / "a.db")) as a:
        assert a.path == str(tmp_path / "a.db")
    with opora.open(pathlib.Path(tmp_path / "b.db"), synchronous="normal") as b:
        assert b.path == str(tmp_path / "b.db")
        assert b.call("meta.version")["schema"]["calendar"] >= 1
    with opora.open(":memory:") as m:
        assert m.call("calendar.list")["calendars"]
    assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists()


def test_database_class_opens_like_open(db_path):
    db = opora.Database(db_path)
    try:
        assert isinstance(db, opora.Database)
        assert db.call("meta.version")["version"] == opora.__version__
    finally:
        db.close()


def test_unknown_open_option_is_invalid_argument(db_path):
    with pytest.raises(opora.InvalidArgument) as e:
        opora.open(db_path, synchronus="normal")
    assert e.value.field_errors[0]["field"] == "synchronus"


def test_context_manager_closes(db_path):
    with opora.open(db_path) as db:
        assert not db.closed
        assert "open" in repr(db)
    assert db.closed
    assert "closed" in repr(db)
    with pytest.raises(opora.InvalidState, match="closed"):
        db.call("meta.version")


def test_context_manager_closes_on_exception(db_path):
    with pytest.raises(RuntimeError):
        with opora.open(db_path) as db:
            raise RuntimeError("boom")
    assert db.closed


def test_close_twice_is_fine_and_calls_after_close_raise(db_path):
    db = opora.open(db_path)
    db.close()
    db.close()
    with pytest.raises(opora.InvalidState) as e:
        db.call("calendar.list")
    assert e.value.code == -13
    with pytest.raises(opora.InvalidState):
        db.version()
    with pytest.raises(opora.InvalidState):
        db.methods()


def test_reopening_a_file_keeps_loaded_calendars(db_path):
    with opora.open(db_path) as db:
        assert db.call("calendar.load", calendar=acme_calendar()) == {"id": "acme", "years": [2026]}
    with opora.open(db_path) as db:
        calendars = {c["id"]: c for c in db.call("calendar.list")["calendars"]}
        assert calendars["acme"]["years"] == [2026]
        assert calendars["acme"]["name"] == "Acme"
        assert calendars["acme"]["builtin"] is False
        r = db.call("calendar.is_working_day", calendar="acme", date=datetime.date(2026, 1, 2))
        assert r["working"] is False and r["kind"] == "holiday"


@pytest.mark.sqlite_only("a read-only handle on a file")
def test_read_only_database_refuses_writes(db_path):
    opora.open(db_path).close()
    with opora.open(db_path, read_only=True) as db:
        assert db.call("calendar.list")["calendars"]
        with pytest.raises(opora.StorageError):
            db.call("calendar.load", calendar=acme_calendar())


@pytest.mark.sqlite_only("a file that is not an SQLite database")
def test_a_file_that_is_not_a_database_is_corrupt(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is certainly not an SQLite database file" * 100)
    with pytest.raises(opora.Corrupt):
        opora.open(junk)


@pytest.mark.sqlite_only("a file path in a missing directory")
def test_a_path_in_a_missing_directory_is_a_storage_error(tmp_path):
    with pytest.raises(opora.StorageError) as e:
        opora.open(tmp_path / "no" / "such" / "dir" / "x.db")
    assert e.value.code == -8 and e.value.name == "OPORA_EIO"


def run_module(path_dir, *args):
    env = dict(os.environ, PATH=str(path_dir))
    return subprocess.run(
        [sys.executable, "-m", "opora", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_python_m_opora_runs_the_cli_found_on_path(tmp_path):
    fake = tmp_path / "opora"
    fake.write_text('#!/bin/sh\necho "cli got: $*"\n')
    fake.chmod(0o755)
    r = run_module(tmp_path, "--db", "x.db", "call", "meta.version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "cli got: --db x.db call meta.version"


def test_python_m_opora_without_a_cli_exits_127(tmp_path):
    r = run_module(tmp_path, "--help")
    assert r.returncode == 127
    assert "not found" in r.stderr

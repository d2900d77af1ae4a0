"""Watching workflow history live from Python (opora_db_set_watch)."""
import datetime

import opora
import pytest

DEFINITION = {"id": "w", "initial": "a", "states": {
    "a": {"on": {"go": {"target": "b", "actions": [{"emit": {"type": "sms", "text": "to {{ key }}"}}]}}},
    "b": {"type": "final"}}}


def test_the_watch_sees_each_committed_record_in_order():
    records = []
    with opora.open(":memory:", clock="manual", now="2026-11-23T09:00:00Z") as db:
        db.set_watch(records.append)
        db.workflow.define(definition=DEFINITION)
        instance = db.workflow.start(definition="w", key="deal:1")["instance"]
        db.workflow.send(instance=instance, event="go")
        history = db.workflow.history(instance=instance)["records"]
    assert [r["kind"] for r in records] == [r["kind"] for r in history]
    assert [r["id"] for r in records] == [r["id"] for r in history]
    assert {r["instance"] for r in records} == {instance}
    effect = next(r for r in records if r["kind"] == "effect")
    assert effect["payload"]["text"] == "to deal:1"


def test_a_failed_call_shows_nothing_and_none_stops_watching():
    records = []
    with opora.open(":memory:") as db:
        db.set_watch(records.append)
        db.workflow.define(definition=DEFINITION)
        with pytest.raises(opora.Error):
            db.workflow.send(instance=12345, event="go")
        assert records == []
        db.set_watch(None)
        db.workflow.start(definition="w", key="k")
        assert records == []


def test_an_exception_in_the_watch_does_not_undo_the_step(monkeypatch):
    def boom(record):
        raise RuntimeError("watcher failed")

    seen = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: seen.append(u))
    with opora.open(":memory:") as db:
        db.set_watch(boom)
        db.workflow.define(definition=DEFINITION)
        started = db.workflow.start(definition="w", key="k")
        assert db.workflow.get(instance=started["instance"])["states"] == ["a"]
    assert seen, "the watcher's exception is reported as unraisable"


def test_watch_refuses_what_is_not_callable():
    with opora.open(":memory:") as db:
        with pytest.raises(TypeError):
            db.set_watch(42)


def test_watched_records_convert_as_workflow_history_does():
    records = []
    with opora.open(":memory:", clock="manual", now="2026-11-23T09:00:00Z") as db:
        db.set_watch(records.append)
        db.workflow.define(definition=DEFINITION)
        instance = db.workflow.start(definition="w", key="deal:1")["instance"]
        history = db.workflow.history(instance=instance)["records"]
    assert [{k: v for k, v in r.items() if k != "instance"} for r in records] == history
    assert all(r["at"] == datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.timezone.utc)
               for r in records)

"""workflow.* and effects.* end to end through the Python package, one test per rule of
docs/workflow.md: definitions refused with every mistake listed, immutable versions, one
live instance per business key, events with guards, assignments, emitted effects and
event_id deduplication, ignored events in the history, parallel joins, timers in calendar
time and in working days on the RU calendar, the effects outbox with leases and incidents,
and the claim that a process killed with SIGKILL between macrosteps loses nothing and fires
no timer twice."""

from __future__ import annotations

import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import opora

UTC = datetime.timezone.utc

# The definition of docs/workflow.md, as written there.
DOC_APPROVAL = {
    "id": "doc_approval", "title": "Согласование документа", "calendar": "ru",
    "context": {"iteration": 0},
    "initial": "draft",
    "states": {
        "draft": {"on": {"submit": "review"}},
        "review": {"entry": [{"assign": {"iteration": "context.iteration + 1"}}],
                   "on": {"approve": {
                              "target": "approved",
                              "actions": [{"emit": {
                                  "type": "sms",
                                  "text": "Согласовано с {{ context.iteration }}-й попытки"}}]},
                          "reject": {"target": "rework", "guard": "len(event.data.comment) > 0"}},
                   "after": [{"working_days": 2, "target": "escalated"}]},
        "rework": {"on": {"submit": "review"}},
        "escalated": {"on": {"approve": "approved"}},
        "approved": {"type": "final"},
    },
}


def at(text: str) -> datetime.datetime:
    """An aware UTC datetime from "2026-03-02T09:00:00"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def open_db(path, now="2026-03-02T09:00:00Z", **options):
    """A database on a manual clock (2026-03-02 is a Monday)."""
    return opora.open(path, clock="manual", now=now, **options)


@pytest.fixture
def wf(db_path):
    with open_db(db_path) as handle:
        yield handle


def define(db, definition):
    return db.workflow.define(definition=definition)


def start(db, definition, key, **kwargs):
    return db.workflow.start(definition=definition, key=key, **kwargs)


def history(db, instance):
    return db.workflow.history(instance=instance, limit=100000)["records"]


def kinds(records):
    return [r["kind"] for r in records]


def field_rules(error):
    return {fe["field"]: fe["rule"] for fe in error.field_errors}


def timer_only(delay="PT1H", **extra):
    """A one-timer machine: `wait` --after delay--> `fired` (final)."""
    return {"id": extra.pop("id", "timed"), **extra,
            "states": {"wait": {"after": [{"delay": delay, "target": "fired"}]},
                       "fired": {"type": "final"}}}


# -------------------------------------------------------------- definitions --


def test_the_documented_definition_is_stored_as_version_1(wf):
    stored = define(wf, DOC_APPROVAL)
    assert stored == {"id": "doc_approval", "version": 1, "created": True, "states": 5}
    assert wf.workflow.definitions()["definitions"] == [
        {"id": "doc_approval", "version": 1, "versions": 1}]


def test_a_definition_is_refused_with_every_mistake_listed_with_its_path(wf):
    broken = {
        "id": "broken", "colour": "red", "initial": "draft",
        "states": {
            "draft": {"colour": 1,
                      "on": {"submit": "nowhere",
                             "check": {"target": "review", "guard": "context.amount >"},
                             "poke": {"target": "review", "colour": 2}}},
            "review": {"entry": [{"assign": {"n": "1 +"}},
                                 {"emit": {"type": "sms", "text": "{{ context. }}"}},
                                 {"shout": "hello"}],
                       "after": [{"delay": "P1M", "target": "draft"},
                                 {"delay": "P1Y", "target": "draft"},
                                 {"delay": "PT1H", "working_days": 1, "target": "draft"}],
                       "on": {"done": "finished"}},
            "finished": {"type": "final", "on": {"reopen": "draft"}},
            "group": {"initial": "nope", "states": {"draft": {}}},
        },
    }
    # Unknown fields make the request malformed (OPORA_EINVAL, as an unknown
    # parameter anywhere does); every mistake is still listed.
    with pytest.raises(opora.InvalidArgument) as caught:
        define(wf, broken)
    error = caught.value
    assert error.code == -2 and error.name == "OPORA_EINVAL"
    assert field_rules(error) == {
        "colour": "unknown_field",                       # unknown definition field
        "states.draft.colour": "unknown_field",          # unknown state field
        "states.draft.on.poke.colour": "unknown_field",  # unknown transition field
        "states.draft.on.submit.target": "unknown_state",
        "states.draft.on.check.guard": "expression",
        "states.review.entry[0].assign.n": "expression",
        "states.review.entry[1].emit.text": "expression",
        "states.review.entry[2].shout": "unknown_field",  # unknown action
        "states.review.after[0].delay": "duration",     # months: length depends on the start
        "states.review.after[1].delay": "duration",     # years, likewise
        "states.review.after[2]": "timer",               # two kinds of timer at once
        "states.finished.on": "not_allowed",             # a final state has no way out
        "states.group.states.draft": "duplicate",        # state ids are unique
        "states.group.initial": "initial",
        # listed with the others: what the broken targets and initial leave unreachable
        "states.draft": "unreachable",
        "states.group": "unreachable",
    }
    messages = {fe["field"]: fe["message"] for fe in error.field_errors}
    assert messages["states.draft.on.check.guard"].startswith("column 17:")
    assert "column" in messages["states.review.entry[1].emit.text"]
    assert "nowhere" in messages["states.draft.on.submit.target"]
    assert wf.workflow.definitions()["definitions"] == []  # nothing stored
    # Without the unknown fields the same mistakes break the definition's rules.
    for state in broken["states"].values():
        state.pop("colour", None)
    broken.pop("colour")
    del broken["states"]["draft"]["on"]["poke"]["colour"]
    broken["states"]["review"]["entry"].pop()
    with pytest.raises(opora.ValidationError) as caught:
        define(wf, broken)
    assert "unknown_field" not in field_rules(caught.value).values()
    assert field_rules(caught.value)["states.draft.on.submit.target"] == "unknown_state"


def test_a_misspelt_definition_field_suggests_the_right_one(wf):
    with pytest.raises(opora.InvalidArgument) as caught:
        define(wf, {"id": "typo", "initial": "a",
                    "states": {"a": {"on": {"go": {"traget": "b"}, "end": "b"}},
                               "b": {"type": "final"}}})
    assert caught.value.field_errors == [{
        "field": "states.a.on.go.traget", "rule": "unknown_field",
        "message": 'is not a known field; did you mean "target"?'}]


def test_an_unreachable_state_is_refused(wf):
    with pytest.raises(opora.ValidationError) as caught:
        define(wf, {"id": "lonely", "states": {"a": {"on": {"go": "b"}}, "b": {}, "orphan": {}}})
    assert caught.value.field_errors == [
        {"field": "states.orphan", "rule": "unreachable",
         "message": 'no transition or initial state leads to "orphan"'}]


def test_an_unreachable_state_is_listed_alongside_other_mistakes(wf):
    with pytest.raises(opora.ValidationError) as caught:
        define(wf, {"id": "lonely", "states": {
            "a": {"on": {"go": {"target": "b", "guard": "1 +"}}}, "b": {}, "orphan": {}}})
    assert field_rules(caught.value) == {"states.a.on.go.guard": "expression",
                                         "states.orphan": "unreachable"}


def test_a_definition_without_id_or_states_is_refused(wf):
    with pytest.raises(opora.ValidationError) as caught:
        define(wf, {"title": "Без имени"})
    assert field_rules(caught.value) == {"id": "required", "states": "required"}


def test_versions_are_immutable_and_instances_stay_on_theirs(wf):
    v1 = {"id": "order", "states": {"new": {"on": {"pay": "paid"}}, "paid": {"type": "final"}}}
    v2 = {"id": "order", "states": {"new": {"on": {"pay": "check"}},
                                    "check": {"on": {"ok": "paid"}},
                                    "paid": {"type": "final"}}}
    assert define(wf, v1)["version"] == 1
    assert define(wf, v1) == {"id": "order", "version": 1, "created": False}  # identical: same
    old = start(wf, "order", "shop:order:1")
    assert old["version"] == 1
    assert define(wf, v2)["version"] == 2 and define(wf, v2)["created"] is False
    assert wf.workflow.definitions()["definitions"] == [{"id": "order", "version": 2,
                                                         "versions": 2}]
    new = start(wf, "order", "shop:order:2")
    assert new["version"] == 2
    # each instance follows the machine it started with
    assert wf.workflow.send(instance=old["instance"], event="pay")["states"] == ["paid"]
    assert wf.workflow.send(instance=new["instance"], event="pay")["states"] == ["check"]
    # an older version may still be started on purpose
    assert start(wf, "order", "shop:order:3", version=1)["version"] == 1
    # a given version number never changes its content
    with pytest.raises(opora.Conflict) as caught:
        define(wf, {**v2, "version": 1})
    assert field_rules(caught.value) == {"definition.version": "immutable"}
    assert define(wf, {**v1, "version": 1})["created"] is False


def test_starting_an_unknown_definition_names_the_field(wf):
    with pytest.raises(opora.NotFound) as caught:
        start(wf, "no_such_process", "k")
    assert field_rules(caught.value) == {"definition": "unknown_definition"}


# ---------------------------------------------------------------- instances --


def test_one_live_instance_per_business_key(wf):
    define(wf, DOC_APPROVAL)
    first = start(wf, "doc_approval", "bitrix24:deal:42")
    assert first["existing"] is False and first["states"] == ["draft"]
    wf.workflow.send(instance=first["instance"], event="submit")
    again = start(wf, "doc_approval", "bitrix24:deal:42", context={"iteration": 7})
    assert again["existing"] is True
    assert again["instance"] == first["instance"]
    assert again["states"] == ["review"] and again["context"] == {"iteration": 1}
    other = start(wf, "doc_approval", "bitrix24:deal:43")
    assert other["existing"] is False and other["instance"] != first["instance"]
    # once the instance is done, the key may start a new one
    wf.workflow.send(definition="doc_approval", key="bitrix24:deal:42", event="approve")
    assert wf.workflow.get(instance=first["instance"])["status"] == "done"
    fresh = start(wf, "doc_approval", "bitrix24:deal:42")
    assert fresh["existing"] is False and fresh["instance"] not in (first["instance"],
                                                                    other["instance"])


def test_multiple_instances_per_key_when_the_definition_says_so(wf):
    define(wf, {**timer_only(id="visit"), "multiple_instances": True})
    a = start(wf, "visit", "client:7")
    b = start(wf, "visit", "client:7")
    assert a["existing"] is False and b["existing"] is False
    assert a["instance"] != b["instance"]
    # a send by key alone cannot tell them apart
    with pytest.raises(opora.Conflict) as caught:
        wf.workflow.send(definition="visit", key="client:7", event="x")
    assert field_rules(caught.value) == {"key": "ambiguous"}


def test_a_send_by_key_needs_a_live_instance(wf):
    define(wf, DOC_APPROVAL)
    with pytest.raises(opora.NotFound) as caught:
        wf.workflow.send(definition="doc_approval", key="nobody", event="submit")
    assert field_rules(caught.value) == {"key": "no_instance"}
    with pytest.raises(opora.NotFound):
        wf.workflow.send(instance=999, event="submit")
    with pytest.raises(opora.NotFound):
        wf.workflow.get(instance=999)


def test_send_runs_guards_assignments_and_emits(wf):
    define(wf, DOC_APPROVAL)
    i = start(wf, "doc_approval", "doc:1")["instance"]
    review = wf.workflow.send(instance=i, event="submit")
    assert review["accepted"] is True
    assert review["states"] == ["review"] and review["context"] == {"iteration": 1}
    assert [t["state"] for t in review["timers"]] == ["review"]
    # the guard wants a comment: without one the event is not accepted
    refused = wf.workflow.send(instance=i, event="reject", data={"comment": ""})
    assert refused["accepted"] is False and refused["states"] == ["review"]
    rework = wf.workflow.send(instance=i, event="reject", data={"comment": "нет подписи"})
    assert rework["accepted"] is True and rework["states"] == ["rework"]
    assert rework["timers"] == []  # the review timer left with its state
    assert wf.workflow.send(instance=i, event="submit")["context"] == {"iteration": 2}
    done = wf.workflow.send(instance=i, event="approve")
    assert done["status"] == "done" and done["states"] == ["approved"]
    assert done["effects"] == 1 and done["timers"] == []
    [effect] = wf.effects.fetch()["effects"]
    assert effect["type"] == "sms" and effect["instance"] == i
    assert effect["payload"] == {"text": "Согласовано с 2-й попытки"}
    records = history(wf, i)
    assert {"kind": "assign", "path": "iteration", "value": 2, "state": "review"}.items() <= \
        [r for r in records if r["kind"] == "assign"][-1].items()
    assert [r["seq"] for r in records if r["kind"] == "effect"] == [done["seq"]]


def test_events_match_descendants_and_the_deepest_state_wins(wf):
    define(wf, {"id": "matching", "initial": "outer", "states": {
        "outer": {"on": {"deal": {"actions": [{"assign": {"by": "'outer ' + event.name"}}]},
                         "*": {"actions": [{"assign": {"any": "event.name"}}]}},
                  "states": {"inner": {"on": {"deal.paid": {
                      "actions": [{"assign": {"by": "'inner ' + event.name"}}]}}}}}}})
    i = start(wf, "matching", "m")["instance"]
    assert wf.workflow.send(instance=i, event="deal.won")["context"] == {"by": "outer deal.won"}
    assert wf.workflow.send(instance=i, event="deal.paid")["context"]["by"] == "inner deal.paid"
    assert wf.workflow.send(instance=i, event="deal.paid.late")["context"]["by"] == \
        "inner deal.paid.late"
    assert wf.workflow.send(instance=i, event="dealer")["context"]["any"] == "dealer"
    assert wf.workflow.get(instance=i)["states"] == ["inner"]


def test_raised_events_and_eventless_transitions_run_in_the_same_step(wf):
    define(wf, {"id": "raising", "context": {"n": 0}, "states": {
        "idle": {"on": {"go": {"target": "working", "actions": [{"raise": "check"}]}}},
        "working": {"on": {"check": {"target": "checked",
                                     "actions": [{"assign": {"n": "context.n + 1"}}]}}},
        "checked": {"always": [{"target": "big", "guard": "context.n > 0"}]},
        "big": {"type": "final"}}})
    i = start(wf, "raising", "r")["instance"]
    done = wf.workflow.send(instance=i, event="go")
    assert done["status"] == "done" and done["states"] == ["big"]
    assert done["context"] == {"n": 1} and done["seq"] == 2
    assert [r["kind"] for r in history(wf, i) if r["seq"] == 2].count("transition") == 3


def test_targetless_self_and_reentering_transitions(wf):
    define(wf, {"id": "reenter", "context": {"hits": 0, "entries": 0}, "states": {
        "open": {"entry": [{"assign": {"entries": "context.entries + 1"}}],
                 "after": [{"delay": "PT1H", "target": "late"}],
                 "on": {"note": {"actions": [{"assign": {"hits": "context.hits + 1"}}]},
                        "stay": "open",
                        "restart": {"target": "open", "reenter": True}}},
        "late": {"type": "final"}}})
    i = start(wf, "reenter", "r")["instance"]
    due = wf.workflow.get(instance=i)["timers"][0]["due"]
    assert due == at("2026-03-02T10:00:00")
    wf.clock.set(now="2026-03-02T09:30:00Z")
    noted = wf.workflow.send(instance=i, event="note")
    assert noted["context"] == {"hits": 1, "entries": 1} and noted["timers"][0]["due"] == due
    stayed = wf.workflow.send(instance=i, event="stay")
    assert stayed["accepted"] is True
    assert stayed["context"]["entries"] == 1 and stayed["timers"][0]["due"] == due
    restarted = wf.workflow.send(instance=i, event="restart")
    assert restarted["context"]["entries"] == 2
    assert [t["due"] for t in restarted["timers"]] == [at("2026-03-02T10:30:00")]
    # the timer armed before the re-entry is gone: nothing fires at 10:00
    assert wf.workflow.tick(now="2026-03-02T10:15:00Z")["fired"] == 0
    assert wf.workflow.tick(now="2026-03-02T10:30:00Z")["fired"] == 1
    assert wf.workflow.get(instance=i)["states"] == ["late"]


def test_expected_seq_refuses_a_send_on_a_moved_instance(wf):
    define(wf, DOC_APPROVAL)
    i = start(wf, "doc_approval", "doc:1")
    wf.workflow.send(instance=i["instance"], event="submit")
    with pytest.raises(opora.Conflict) as caught:
        wf.workflow.send(instance=i["instance"], event="approve", expected_seq=i["seq"])
    assert field_rules(caught.value) == {"expected_seq": "version"}
    assert wf.workflow.get(instance=i["instance"])["states"] == ["review"]
    ok = wf.workflow.send(instance=i["instance"], event="approve", expected_seq=i["seq"] + 1)
    assert ok["status"] == "done"


def test_a_redelivered_event_id_returns_the_first_answer(wf):
    define(wf, DOC_APPROVAL)
    i = start(wf, "doc_approval", "doc:1")["instance"]
    wf.workflow.send(instance=i, event="submit")
    first = wf.workflow.send(instance=i, event="approve", event_id="b24-evt-1001")
    assert first["duplicate"] is False and first["effects"] == 1
    again = wf.workflow.send(instance=i, event="approve", event_id="b24-evt-1001")
    assert again["duplicate"] is True
    assert {k: v for k, v in again.items() if k != "duplicate"} == \
        {k: v for k, v in first.items() if k != "duplicate"}
    # even a different event under the same id changes nothing
    wf.workflow.send(instance=i, event="reject", event_id="b24-evt-1001",
                     data={"comment": "x"})
    assert wf.workflow.get(instance=i)["seq"] == first["seq"]
    assert kinds(history(wf, i)).count("event") == 2  # submit, approve
    assert len(wf.effects.fetch()["effects"]) == 1


def test_an_event_nothing_accepts_is_recorded_not_refused(wf):
    define(wf, DOC_APPROVAL)
    i = start(wf, "doc_approval", "doc:1")
    ignored = wf.workflow.send(instance=i["instance"], event="approve", data={"by": "boss"})
    assert ignored["accepted"] is False and ignored["states"] == ["draft"]
    assert ignored["seq"] == i["seq"] + 1
    event, note = history(wf, i["instance"])[-2:]
    assert event["kind"] == "event" and event["event"] == "approve"
    assert event["data"] == {"by": "boss"}
    assert note["kind"] == "ignored" and note["event"] == "approve"
    assert note["seq"] == ignored["seq"]
    # a finished instance records what it is sent too
    wf.workflow.send(instance=i["instance"], event="submit")
    wf.workflow.send(instance=i["instance"], event="approve")
    late = wf.workflow.send(instance=i["instance"], event="submit")
    assert late["accepted"] is False and late["status"] == "done"
    assert history(wf, i["instance"])[-1]["kind"] == "ignored"


def test_an_eventless_loop_is_refused_and_changes_nothing(wf):
    define(wf, {"id": "spin", "states": {
        "wait": {"on": {"go": "a"}},
        "a": {"always": "b"}, "b": {"always": "a"}}})
    i = start(wf, "spin", "s")
    before = history(wf, i["instance"])
    with pytest.raises(opora.InvalidState, match="microsteps"):
        wf.workflow.send(instance=i["instance"], event="go", event_id="e1")
    after = wf.workflow.get(instance=i["instance"])
    assert after["seq"] == i["seq"] and after["states"] == ["wait"]
    assert history(wf, i["instance"]) == before
    # the refused event_id was not remembered either
    with pytest.raises(opora.InvalidState):
        wf.workflow.send(instance=i["instance"], event="go", event_id="e1")


def test_a_parallel_state_joins_when_every_region_is_final(wf):
    define(wf, {"id": "approval", "initial": "checks", "states": {
        "checks": {"type": "parallel",
                   "states": {
                       "legal": {"states": {"legal_wait": {"on": {"legal.ok": "legal_done"}},
                                            "legal_done": {"type": "final"}}},
                       "finance": {"states": {
                           "finance_wait": {"on": {"finance.ok": "finance_done"}},
                           "finance_done": {"type": "final"}}}},
                   "on": {"done.state.checks": {
                       "target": "approved",
                       "actions": [{"emit": {"type": "email", "subject": "Согласовано"}}]},
                       "cancel": "cancelled"}},
        "approved": {"type": "final"},
        "cancelled": {"type": "final"}}})
    i = start(wf, "approval", "doc:9")["instance"]
    assert sorted(wf.workflow.get(instance=i)["states"]) == ["finance_wait", "legal_wait"]
    half = wf.workflow.send(instance=i, event="legal.ok")
    assert sorted(half["states"]) == ["finance_wait", "legal_done"]
    assert half["status"] == "active" and half["effects"] == 0
    # the same event again changes nothing in the finished region
    assert wf.workflow.send(instance=i, event="legal.ok")["accepted"] is False
    done = wf.workflow.send(instance=i, event="finance.ok")
    assert done["states"] == ["approved"] and done["status"] == "done"
    assert done["effects"] == 1
    events = [r["event"] for r in history(wf, i) if r["kind"] == "transition"]
    assert events[-1] == "done.state.checks"


# ------------------------------------------------------------------- timers --


# The RU production calendar for 2026 (the government decree on moving days off): January
# 1-11 are days off, so one working day after 2025-12-30 is 2026-01-12.
def test_a_working_day_timer_fires_on_the_ru_calendar(db_path):
    with open_db(db_path, now="2025-12-30T09:00:00Z") as db:
        define(db, {"id": "escalation", "calendar": "ru", "states": {
            "wait": {"after": [{"working_days": 1, "target": "escalated"}]},
            "escalated": {"type": "final"}}})
        i = start(db, "escalation", "task:1")
        assert [t["due"] for t in i["timers"]] == [at("2026-01-12T09:00:00")]
        assert db.calendar.add_working_days(calendar="ru", date="2025-12-30",
                                            days=1)["date"] == datetime.date(2026, 1, 12)
        assert db.workflow.tick(now="2026-01-09T09:00:00Z")["fired"] == 0
        assert db.workflow.tick(now=at("2026-01-12T08:59:59"))["fired"] == 0
        fired = db.workflow.tick(now=at("2026-01-12T09:00:00"))
        assert fired == {"now": at("2026-01-12T09:00:00"), "fired": 1, "failed": 0, "effects": 0}
        assert db.workflow.get(instance=i["instance"])["states"] == ["escalated"]
        assert db.workflow.tick(now="2026-02-01T00:00:00Z")["fired"] == 0  # once


def test_a_working_day_timer_counts_from_the_local_day_and_keeps_the_time(db_path):
    # 2025-12-30T22:00Z is 01:00 on December 31 in Moscow: one working day later is
    # 2026-01-12, at 01:00 Moscow time again.
    with open_db(db_path, now="2025-12-30T22:00:00Z", utc_offset="+03:00") as db:
        define(db, {"id": "escalation", "states": {
            "wait": {"after": [{"working_days": 1, "target": "escalated", "calendar": "ru"}]},
            "escalated": {"type": "final"}}})
        timers = start(db, "escalation", "task:1")["timers"]
        assert [t["due"] for t in timers] == [at("2026-01-11T22:00:00")]


def test_a_working_day_timer_in_a_year_without_a_decree_uses_the_provisional_calendar(db_path):
    # 2027 is shipped as provisional (from the Labour Code, before the transfer decree):
    # a plain lookup refuses it, a timer uses it. 2027-03-03 is a Wednesday; two working
    # days later is Friday 2027-03-05.
    with open_db(db_path, now="2027-03-03T09:00:00Z") as db:
        assert 2027 in next(c for c in db.calendar.list()["calendars"]
                            if c["id"] == "ru")["provisional"]
        with pytest.raises(opora.NotFound, match="provisional"):
            db.calendar.is_working_day(calendar="ru", date="2027-03-04")
        define(db, {"id": "escalation", "states": {
            "wait": {"after": [{"working_days": 2, "target": "escalated"}]},
            "escalated": {"type": "final"}}})
        i = start(db, "escalation", "task:1")
        assert [t["due"] for t in i["timers"]] == [at("2027-03-05T09:00:00")]
        assert db.workflow.tick(now="2027-04-01T00:00:00Z")["fired"] == 1


def test_a_working_day_timer_agrees_with_calendar_add_working_days_on_a_provisional_year(db_path):
    with open_db(db_path, now="2027-03-03T09:00:00Z") as db:
        define(db, {"id": "escalation", "states": {
            "wait": {"after": [{"working_days": 2, "target": "escalated"}]},
            "escalated": {"type": "final"}}})
        [timer] = start(db, "escalation", "task:1")["timers"]
        expected = db.calendar.add_working_days(calendar="ru", date="2027-03-03", days=2,
                                                allow_provisional=True)["date"]
        assert timer["due"] == datetime.datetime.combine(expected, datetime.time(9), UTC)


def test_delay_and_at_timers(db_path):
    with open_db(db_path, utc_offset="+03:00") as db:
        define(db, {"id": "deadlines", "states": {
            "open": {"type": "parallel", "states": {
                "a": {"states": {"a_wait": {"after": [{"delay": "P1DT30M", "target": "a_done"}]},
                                 "a_done": {"type": "final"}}},
                "b": {"states": {"b_wait": {"after": [{"at": "context.deadline",
                                                       "target": "b_done"}]},
                                 "b_done": {"type": "final"}}},
                "c": {"states": {"c_wait": {"after": [{"at": "context.call_at",
                                                       "target": "c_done"}]},
                                 "c_done": {"type": "final"}}}}}}})
        i = start(db, "deadlines", "k", context={"deadline": "2026-03-10",
                                                 "call_at": "2026-03-05T12:00:00Z"})
        assert sorted(t["due"] for t in i["timers"]) == [
            at("2026-03-03T09:30:00"),   # P1DT30M in calendar time
            at("2026-03-05T12:00:00"),   # a date-time as given
            at("2026-03-09T21:00:00"),   # a date at local (+03:00) midnight
        ]


def test_tick_fires_due_timers_once_in_due_order_even_after_downtime(wf):
    define(wf, timer_only("PT3H", id="slow"))
    define(wf, timer_only("PT1H", id="fast"))
    define(wf, timer_only("PT2H", id="middle"))
    define(wf, timer_only("P2D", id="later"))
    ids = {name: start(wf, name, "k")["instance"] for name in ("slow", "fast", "middle", "later")}
    assert wf.workflow.tick(now="2026-03-02T09:59:59Z")["fired"] == 0
    # the host was down for a day: one tick catches up
    assert wf.workflow.tick(now="2026-03-03T09:00:00Z")["fired"] == 3
    assert wf.workflow.tick(now="2026-03-03T09:00:00Z")["fired"] == 0
    firing = {name: next(r["id"] for r in history(wf, i) if r["kind"] == "event")
              for name, i in ids.items() if name != "later"}
    assert sorted(firing, key=firing.get) == ["fast", "middle", "slow"]
    assert wf.workflow.get(instance=ids["later"])["status"] == "active"
    # the tick's own clock defaults to the handle's
    wf.clock.set(now="2026-03-04T09:00:00Z")
    assert wf.workflow.tick()["fired"] == 1


def test_a_timer_whose_state_was_left_never_fires(wf):
    define(wf, DOC_APPROVAL)
    i = start(wf, "doc_approval", "doc:1")["instance"]
    wf.workflow.send(instance=i, event="submit")
    wf.workflow.send(instance=i, event="reject", data={"comment": "исправить"})
    assert wf.workflow.tick(now="2027-01-01T00:00:00Z")["fired"] == 0
    assert wf.workflow.get(instance=i)["states"] == ["rework"]


def test_a_timer_whose_step_fails_does_not_stop_the_others(wf):
    define(wf, {"id": "spin", "states": {"wait": {"after": [{"delay": "PT1H", "target": "a"}]},
                                         "a": {"always": "b"}, "b": {"always": "a"}}})
    define(wf, timer_only("PT2H", id="plain"))
    start(wf, "spin", "bad")
    good = start(wf, "plain", "good")["instance"]
    try:
        wf.workflow.tick(now="2026-03-02T12:00:00Z")
    except opora.Error:
        pass
    assert wf.workflow.get(instance=good)["states"] == ["fired"]


# ------------------------------------------------------------------ effects --


def emitter(db, count=2):
    """`count` instances that each emit one sms on `go`; returns their ids."""
    define(db, {"id": "notify", "states": {
        "idle": {"on": {"go": {"target": "sent", "actions": [
            {"emit": {"type": "sms", "to": "{{ context.phone }}", "priority": 1,
                      "text": "Заявка {{ key }} принята"}}]}}},
        "sent": {"type": "final"}}})
    ids = []
    for n in range(count):
        i = start(db, "notify", f"request:{n}", context={"phone": f"+7900000000{n}"})["instance"]
        db.workflow.send(instance=i, event="go")
        ids.append(i)
    return ids


def test_effects_are_leased_offered_again_and_closed_by_ack(wf):
    ids = emitter(wf)
    fetched = wf.effects.fetch(limit=10, lease_seconds=60)["effects"]
    assert [e["instance"] for e in fetched] == ids
    first = fetched[0]
    assert first["type"] == "sms" and first["attempt"] == 1
    assert first["payload"] == {"to": "+79000000000", "priority": 1,
                                "text": "Заявка request:0 принята"}
    assert len({e["idempotency_key"] for e in fetched}) == 2
    # hidden from other fetches for the lease
    assert wf.effects.fetch()["effects"] == []
    wf.clock.set(now="2026-03-02T09:00:59Z")
    assert wf.effects.fetch()["effects"] == []
    wf.clock.set(now="2026-03-02T09:01:00Z")
    assert wf.effects.ack(effect=first["id"], result="done") == {
        "id": first["id"], "status": "done", "repeated": False}
    # not acknowledged: offered again, with the same idempotency key
    [again] = wf.effects.fetch(lease_seconds=30)["effects"]
    assert again["id"] == fetched[1]["id"]
    assert again["idempotency_key"] == fetched[1]["idempotency_key"]
    assert again["attempt"] == 2
    assert wf.effects.ack(effect=again["id"], result="done")["status"] == "done"
    wf.clock.set(now="2026-03-03T09:00:00Z")
    assert wf.effects.fetch()["effects"] == []
    assert wf.effects.ack(effect=first["id"], result="done")["repeated"] is True


def test_a_failed_effect_is_an_incident_in_its_instance_history(wf):
    [i] = emitter(wf, count=1)
    [effect] = wf.effects.fetch()["effects"]
    failed = wf.effects.ack(effect=effect["id"], result="failed", error="SMS gateway: 503")
    assert failed == {"id": effect["id"], "status": "failed", "repeated": False}
    incident = history(wf, i)[-1]
    assert incident["kind"] == "incident" and incident["effect"] == effect["id"]
    assert incident["detail"] == {"result": "failed", "error": "SMS gateway: 503"}
    assert wf.effects.fetch()["effects"] == []  # closed, not offered again
    assert wf.effects.ack(effect=effect["id"], result="done") == {
        "id": effect["id"], "status": "failed", "repeated": True}


def test_an_incident_is_retried_with_the_same_key_or_resolved_with_a_comment(wf):
    emitter(wf, count=2)
    first, second = wf.effects.fetch()["effects"]
    for e in (first, second):
        wf.effects.ack(effect=e["id"], result="failed", error="SMS gateway: 503")
    opened = wf.workflow.incidents()["incidents"]
    assert [(i["kind"], i["effect"], i["message"]) for i in opened] == [
        ("effect", first["id"], "SMS gateway: 503"), ("effect", second["id"], "SMS gateway: 503")]
    wf.workflow.incident.retry(incident=opened[0]["incident"], actor="operator")
    [again] = wf.effects.fetch()["effects"]
    assert again["idempotency_key"] == first["idempotency_key"]
    with pytest.raises(opora.ValidationError) as refused:
        wf.workflow.incident.resolve(incident=opened[1]["incident"], comment="  ")
    assert field_rules(refused.value) == {"comment": "required"}
    wf.workflow.incident.resolve(incident=opened[1]["incident"], comment="sent by hand")
    assert wf.workflow.incidents()["incidents"] == []
    with pytest.raises(opora.InvalidState):
        wf.workflow.incident.retry(incident=opened[1]["incident"])


def test_migrate_moves_an_instance_to_a_new_version_by_its_state_map(wf):
    v1 = {"id": "order", "version": 1, "states": {
        "new": {"on": {"pay": "paid"}}, "paid": {"on": {"ship": "shipped"}},
        "shipped": {"type": "final"}}}
    v2 = {"id": "order", "version": 2, "context": {"carrier": "cdek"}, "states": {
        "new": {"on": {"pay": "awaiting_shipment"}},
        "awaiting_shipment": {"on": {"ship": "shipped"}}, "shipped": {"type": "final"}}}
    define(wf, v1)
    i = start(wf, "order", "order:1")["instance"]
    wf.workflow.send(instance=i, event="pay")
    define(wf, v2)
    with pytest.raises(opora.ValidationError) as refused:
        wf.workflow.migrate(instance=i, to_version=2)
    assert field_rules(refused.value) == {"state_map.paid": "required"}
    assert wf.workflow.instances(definition="order", version=1)["instances"][0]["instance"] == i
    moved = wf.workflow.migrate(instance=i, to_version=2,
                                state_map={"paid": "awaiting_shipment"}, reason="renamed")
    assert (moved["version"], moved["states"]) == (2, ["awaiting_shipment"])
    assert moved["context"]["carrier"] == "cdek"
    assert "migrated" in kinds(history(wf, i))
    assert wf.workflow.send(instance=i, event="ship")["status"] == "done"


def test_send_many_answers_each_event_and_undoes_only_the_failing_one(wf):
    define(wf, timer_only(id="plain"))
    ids = [start(wf, "plain", f"k:{n}")["instance"] for n in range(3)]
    out = wf.workflow.send_many(events=[
        {"instance": ids[0], "event": "x", "event_id": "a"},
        {"instance": 10**6, "event": "x"},
        {"key": "k:2", "event": "x"},
    ])
    assert out["failed"] == 1 and out["accepted"] == 0
    assert [sorted(r) for r in out["results"]] == [
        ["accepted", "duplicate", "instance", "seq", "states"], ["error"],
        ["accepted", "duplicate", "instance", "seq", "states"]]
    assert out["results"][1]["error"]["errors"][0]["field"] == "instance"


def test_acknowledging_an_unknown_effect_is_refused(wf):
    with pytest.raises(opora.NotFound) as caught:
        wf.effects.ack(effect=12345, result="done")
    assert field_rules(caught.value) == {"effect": "unknown_effect"}
    with pytest.raises(opora.InvalidArgument):
        wf.effects.ack(effect=1, result="maybe")


# -------------------------------------------- SIGKILL between macrosteps --

INSTANCES = 200
CRASH_START = "2026-03-02T09:00:00Z"
BASE = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPTIONS = {"busy_timeout_ms": 10000, "clock": "manual", "now": CRASH_START,
           "synchronous": "normal"}

# A reminder per client: the timer at context.due moves it on and emits an SMS.
REMINDER = {
    "id": "reminder", "context": {"pokes": 0}, "initial": "waiting",
    "states": {
        "waiting": {"on": {"cancel": "cancelled",
                           "poke": {"actions": [{"assign": {"pokes": "context.pokes + 1"}}]}},
                    "after": [{"at": "context.due", "target": "reminded", "actions": [
                        {"emit": {"type": "sms", "to": "{{ key }}",
                                  "text": "Напоминание после {{ context.pokes }} звонков"}}]}]},
        "reminded": {"on": {"close": "closed",
                            "poke": {"actions": [{"assign": {"pokes": "context.pokes + 1"}}]}}},
        "cancelled": {"type": "final"},
        "closed": {"type": "final"},
    },
}
TIMER_EVENT = "after:waiting:0"


# The child opens the file, sets up (first round only: the definition, the
# instances, one falling due each minute from 09:01, and a tick that fires half the
# timers), then sends events and ticks a minute further in a random order, logging
# each call once it has returned, until a thread kills the process with SIGKILL at
# a random moment - usually in the middle of a call.
CRASH_CHILD = textwrap.dedent("""
    import datetime, json, os, random, signal, sys, threading
    import opora

    path, log_path, seed, round_no = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    options, definition, instances = json.loads(sys.stdin.read())
    rng = random.Random(seed)
    log = open(log_path, "a", buffering=1)
    base = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.timezone.utc)

    def note(**record):
        log.write(json.dumps(record) + "\\n")  # in the kernel once written: survives SIGKILL

    def due(n):
        return (base + datetime.timedelta(minutes=n + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    with opora.open(path, **options) as db:
        if round_no == 0:
            db.workflow.define(definition=definition)
            ids = [db.workflow.start(definition="reminder", key="client:%d" % n,
                                     context={"due": due(n)})["instance"]
                   for n in range(instances)]
            half = base + datetime.timedelta(minutes=instances // 2)
            fired = db.workflow.tick(now=half)["fired"]
            note(op="setup", ids=ids, fired=fired, minute=instances // 2)
        done = [json.loads(line) for line in open(log_path)]
        ids = done[0]["ids"]
        minute = max(entry["minute"] for entry in done if "minute" in entry)
        threading.Timer(rng.uniform(0.05, 0.5), os.kill, (os.getpid(), signal.SIGKILL)).start()
        for n in range(1000000):
            roll = rng.random()
            if roll < 0.05:
                minute += 1
                now = base + datetime.timedelta(minutes=minute)
                note(op="tick", minute=minute, fired=db.workflow.tick(now=now)["fired"])
                continue
            instance = rng.choice(ids)
            event = "poke" if roll < 0.85 else "cancel" if roll < 0.88 else "close"
            event_id = "r%d-%d" % (round_no, n)
            r = db.workflow.send(instance=instance, event=event, event_id=event_id)
            note(op="send", instance=instance, event=event, event_id=event_id, seq=r["seq"],
                 status=r["status"], states=r["states"], accepted=r["accepted"])
    sys.exit(3)  # never reached: the timer thread kills the process first
""")


def run_crash_child(path, log_path, seed, round_no):
    child = subprocess.run(
        [sys.executable, "-c", CRASH_CHILD, str(path), str(log_path), str(seed), str(round_no)],
        input=json.dumps([OPTIONS, REMINDER, INSTANCES]), capture_output=True, text=True,
        timeout=60, env=os.environ.copy())
    assert child.returncode == -signal.SIGKILL, child.stderr


def replay(records):
    """The active states an instance's history leads to: its enters minus its exits."""
    active = set()
    for r in records:
        if r["kind"] == "enter":
            active.add(r["state"])
        elif r["kind"] == "exit":
            active.discard(r["state"])
    return active


def check_integrity(db, log_path):
    """Every instance agrees with its history, every effect comes from a fired timer, no
    timer belongs to a state left behind, and every call the child saw return is kept.
    Returns {instance: its effect rows} and {instance: its history}."""
    log = [json.loads(line) for line in open(log_path, encoding="utf-8")]
    assert log[0]["op"] == "setup" and log[0]["fired"] == INSTANCES // 2
    ids = log[0]["ids"]
    effects = collections.defaultdict(list)
    for e in db.effects.fetch(limit=10000, lease_seconds=0)["effects"]:
        effects[e["instance"]].append(e)
    assert set(effects) <= set(ids)
    histories = {}
    for i in ids:
        got = db.workflow.get(instance=i)
        records = history(db, i)
        histories[i] = records
        # the state is the one the last recorded step left
        assert max(r["seq"] for r in records) == got["seq"], i
        assert replay(records) == set(got["states"]), (i, got, records)
        assert (got["status"] == "done") == (got["states"][0] in ("cancelled", "closed")), got
        # a timer only for the state the instance is in, and the waiting state has its own
        assert [t["state"] for t in got["timers"]] == (
            ["waiting"] if got["states"] == ["waiting"] else []), got
        # every effect row belongs to a fired timer, recorded in the same step
        fired_steps = {r["seq"] for r in records
                       if r["kind"] == "transition" and r["event"] == TIMER_EVENT}
        effect_steps = [r["seq"] for r in records if r["kind"] == "effect"]
        assert len(fired_steps) <= 1 and effect_steps == sorted(fired_steps), (i, records)
        assert [e["idempotency_key"] for e in effects[i]] == [
            "wf:%d:%d:0" % (i, seq) for seq in effect_steps], (i, effects[i])
        if got["states"] == ["reminded"] or got["states"] == ["closed"]:
            assert len(effect_steps) == 1, (i, records)
    # nothing the child saw return is lost
    for entry in log[1:]:
        if entry["op"] != "send":
            continue
        got = db.workflow.get(instance=entry["instance"])
        assert got["seq"] >= entry["seq"], (entry, got)
        if entry["status"] == "done":
            assert got["status"] == "done" and got["states"] == entry["states"], (entry, got)
        again = db.workflow.send(instance=entry["instance"], event=entry["event"],
                                 event_id=entry["event_id"])
        assert again["duplicate"] is True and again["seq"] == entry["seq"], (entry, again)
    return effects, histories


def test_a_process_killed_with_sigkill_between_macrosteps_loses_nothing(tmp_path):
    """SIGKILL at a random moment of a stream of sends and ticks, three times over: the
    reopened file is consistent, and a final tick far in the future fires every remaining
    timer, so that each instance not cancelled in time has exactly one reminder."""
    path, log_path = tmp_path / "crash.db", tmp_path / "calls.jsonl"
    seed = int.from_bytes(os.urandom(4), "little")
    print(f"random seed {seed}")  # shown with a failure, to replay it
    for round_no in range(3):
        run_crash_child(path, log_path, seed + round_no, round_no)
        with opora.open(path, **OPTIONS) as db:
            check_integrity(db, log_path)
    with opora.open(path, **OPTIONS) as db:
        db.workflow.tick(now=BASE + datetime.timedelta(days=30))
        assert db.workflow.tick(now=BASE + datetime.timedelta(days=60))["fired"] == 0
        effects, histories = check_integrity(db, log_path)
        for i, records in histories.items():
            got = db.workflow.get(instance=i)
            assert got["states"] != ["waiting"], got  # no timer lost
            cancelled_in_time = got["states"] == ["cancelled"]
            count = [r["kind"] for r in records].count("effect")
            assert count == (0 if cancelled_in_time else 1), (seed, i, records)  # none twice
            assert len(effects[i]) == count
        assert sum(len(e) for e in effects.values()) == sum(
            1 for records in histories.values() if "effect" in kinds(records))

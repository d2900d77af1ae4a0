"""A database made by the release opens with this library and answers as that release did.

tests/reference/release-db holds one database file made by a released opora
(make_fixture.py, run once with that release) and expected.json, that release's answers.
Each test copies the file (the committed one is never opened), opens the copy with the
library under test (its migrations run on open) on the manual clock where the release left
it, and then:

- the schema version of every module is at least the release's;
- every read of expected.json (registry, catalogue, billing, workflows, EDO, exchange,
  calendars) answers exactly as the release answered (deep equality of the raw JSON a C
  host gets), each compared in its own test with a diff naming the paths that differ;
- the writes of expected.json run on a fresh copy each and answer as they did on the
  release: repeats of what the release took once are recognised (events, payments, EDO
  events, exchange messages sent again byte for byte), the release's pending effects are
  fetched and acknowledged, its timers fire, its instances take new events and their
  history goes on after the old records, new documents are found with the old ones, old
  accounts take payments and the next month's run.

A later release that changes how things are stored must keep these answers: that is what
carrying a database forward without loss means. A field a later release ADDS to a result
goes into ADDED_FIELDS below (by method and path), never a changed one.
"""

from __future__ import annotations

import copy
import json
import pathlib
import shutil
import sqlite3
import sys
from typing import Any

import pytest

import opora

pytestmark = pytest.mark.sqlite_only("a released .db file upgraded in place")

HERE = pathlib.Path(__file__).resolve().parents[1] / "reference" / "release-db"
# The answers are read as the script that recorded the release's read them: the same function.
sys.path.insert(0, str(HERE))
from make_fixture import answer  # noqa: E402
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
FIXTURE = HERE / EXPECTED["fixture"]

# Fields later releases added to results, dropped from the answers before they are compared
# with the release's: {method: {"path", ...}}, a path as "records[].field" or "totals.field".
# Only for a field the release did not have: a field whose value changed is a regression.
ADDED_FIELDS: dict[str, set[str]] = {
    # A run's chunks by state (issue 16: runs shared by workers).
    "billing.run": {"chunks"},
    "billing.run.list": {"runs[].chunks"},
}


# ----------------------------------------------------------------- helpers --


def copy_fixture(tmp_path: pathlib.Path) -> pathlib.Path:
    target = tmp_path / EXPECTED["fixture"]
    shutil.copyfile(FIXTURE, target)
    return target


def open_copy(path: pathlib.Path, **extra: Any) -> opora.Database:
    """Opens a copy as the release's answers were read: the manual clock where it stopped."""
    return opora.open(path, **EXPECTED["open"], **extra)


def drop_added(method: str, value: Any) -> Any:
    for path in ADDED_FIELDS.get(method, ()):
        _drop(value, path.split("."))
    return value


def _drop(value: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if not isinstance(value, dict) or key not in value:
        return
    if not rest:
        del value[key]
    elif many:
        for item in value[key] or []:
            _drop(item, rest)
    else:
        _drop(value[key], rest)


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every place the two differ, as 'path: expected X, got Y'."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in expected:
            if key not in actual:
                out.append(f"{path}.{key}: missing (expected {short(expected[key])})")
            else:
                out += differences(expected[key], actual[key], f"{path}.{key}")
        out += [f"{path}.{key}: unexpected (got {short(actual[key])})"
                for key in actual if key not in expected]
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += differences(e, a, f"{path}[{i}]")
        if len(expected) != len(actual):
            out.append(f"{path}: {len(expected)} items expected, got {len(actual)}"
                       + (f"; missing from the end: {short(expected[len(actual):])}"
                          if len(expected) > len(actual)
                          else f"; extra at the end: {short(actual[len(expected):])}"))
        return out
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path or '.'}: expected {short(expected)}, got {short(actual)}"]
    return []


def short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def compared(read: dict, actual: dict) -> tuple[Any, Any]:
    """The release's answer and this library's, narrowed as the read's "compare" says
    (make_fixture.py documents each mode)."""
    expected = copy.deepcopy(read["result"])
    actual = drop_added(read["method"], copy.deepcopy(actual))
    how = read.get("compare", {})
    for path in how.get("ignore", ()):
        _drop(expected, path.split("."))
        _drop(actual, path.split("."))
    if "only" in how:
        key, where = how["rows"], how["only"]

        def keep(rows: list[dict]) -> list[dict]:
            return [r for r in rows if all(r.get(k) == v for k, v in where.items())]

        expected[key] = keep(expected[key])
        if isinstance(actual.get(key), list):
            actual[key] = keep(actual[key])
    if "library_rows" in how:
        key, identity = how["rows"], how["library_rows"]

        def ident(row: dict) -> tuple:
            return tuple(json.dumps(row.get(f), sort_keys=True) for f in identity)

        known = {ident(r) for r in expected[key]}
        if isinstance(actual.get(key), list):
            # Rows a later release seeds (a new built-in kind or tax rate) are its own;
            # the release's rows must all be there, in order, and unchanged.
            actual[key] = [r for r in actual[key] if ident(r) in known]
    return expected, actual


def assert_same(what: str, expected: Any, actual: Any) -> None:
    problems = differences(expected, actual)
    if problems:
        shown = "\n  ".join(problems[:40])
        more = f"\n  ... and {len(problems) - 40} more" if len(problems) > 40 else ""
        pytest.fail(f"{what} answers unlike the release ({len(problems)} differences):\n"
                    f"  {shown}{more}", pytrace=False)


def read_result(name: str) -> dict:
    [read] = [r for r in EXPECTED["reads"] if r["name"] == name]
    return read["result"]


# ------------------------------------------------------------------- reads --


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    """One upgraded copy shared by the read tests (reads change nothing)."""
    path = copy_fixture(tmp_path_factory.mktemp("release-db"))
    with open_copy(path) as db:
        yield db


def test_the_fixture_is_the_release_database_expected_json_describes(tmp_path):
    assert FIXTURE.stat().st_size < 2 * 1024 * 1024
    # Read on a copy: SQLite would leave -wal and -shm files beside the committed one.
    con = sqlite3.connect(copy_fixture(tmp_path))
    try:
        stored = dict(con.execute("SELECT module, version FROM opora_schema"))
    finally:
        con.close()
    assert stored == EXPECTED["schema"]
    assert EXPECTED["fixture"] == f"opora-{EXPECTED['library']['version']}.db"


def test_every_module_schema_is_at_least_the_releases(upgraded):
    meta = upgraded._call_native("meta.version", None)
    behind = {module: (version, meta["schema"].get(module))
              for module, version in EXPECTED["schema"].items()
              if meta["schema"].get(module, 0) < version}
    assert behind == {}, f"modules behind the release (release, now): {behind}"
    assert meta["version_number"] >= EXPECTED["library"]["version_number"]


def test_the_reads_change_nothing_and_name_existing_methods(upgraded):
    methods = {m["name"]: m for m in upgraded.methods()}
    used = {r["method"] for r in EXPECTED["reads"]}
    assert used <= set(methods), used - set(methods)
    assert [m for m in sorted(used) if methods[m]["mutating"]] == []


@pytest.mark.parametrize("read", EXPECTED["reads"], ids=[r["name"] for r in EXPECTED["reads"]])
def test_a_read_answers_as_the_release_did(upgraded, read):
    actual = answer(upgraded, read["method"], read["params"])
    expected, actual = compared(read, actual)
    assert_same(f"{read['method']} {json.dumps(read['params'], ensure_ascii=False)}",
                expected, actual)


# ------------------------------------------------------------------ writes --


def replay(db: opora.Database, steps: list[dict]) -> list[dict]:
    """Runs a scenario as make_fixture.py did: an `effects.ack` names its effect by its place
    in the scenario's first fetch. Each answer must be the release's."""
    answers: list[dict] = []
    fetched: list[dict] = []
    for i, s in enumerate(steps):
        params = copy.deepcopy(s["params"])
        if s["method"] == "effects.ack":
            params["effect"] = fetched[params["effect"]]["id"]
        got = answer(db, s["method"], params)
        if s["method"] == "effects.fetch" and not fetched:
            fetched = got.get("effects", [])
        assert_same(f"step {i} {s['method']} {short(params, 200)}", *compared(s, got))
        answers.append(got)
    return answers


def run_scenario(tmp_path: pathlib.Path, name: str) -> list[dict]:
    with open_copy(copy_fixture(tmp_path), id_seed=EXPECTED["write_id_seed"]) as db:
        return replay(db, EXPECTED["writes"][name])


def goes_on_after(old: list[dict], new: list[dict]) -> None:
    """A history read again after new steps: the old records unchanged, then new ones."""
    assert new[:len(old)] == old, "the release's history records changed"
    added = new[len(old):]
    assert added, "no new records"
    assert min(r["id"] for r in added) > max(r["id"] for r in old)


def test_what_the_release_took_once_is_recognised_when_it_comes_again(tmp_path):
    posted, sent, rejected, paid, charged, edo, out, cml = run_scenario(tmp_path, "replays")
    assert posted["duplicate"] is True
    assert sent["duplicate"] is True and rejected["duplicate"] is True
    assert paid["replayed"] is True and charged["replayed"] is True
    assert edo["duplicate"] is True
    # The message and the CommerceML file the release left unacknowledged go again, byte
    # for byte (their recorded answers are the release's first sending).
    assert out["resend"] is True and out["msg_no"] == read_result(
        "exchange.status tablet-7")["nodes"][0]["sent_no"]
    assert cml["resend"] is True


def test_the_releases_pending_effects_are_fetched_acknowledged_and_offered_again(tmp_path):
    first, done, failed, leased, _, again, incidents = run_scenario(tmp_path, "effects")
    assert first["effects"] and done["status"] == "done" and failed["status"] == "failed"
    assert leased["effects"] == []
    offered = {e["id"] for e in again["effects"]}
    assert first["effects"][0]["id"] not in offered  # acknowledged: never again
    # The effect the release's host had leased comes back once its lease ran out.
    returning = offered - {e["id"] for e in first["effects"]}
    assert returning and all(e["attempt"] >= 2 for e in again["effects"]
                             if e["id"] in returning)
    open_before = read_result("workflow.incidents open")["incidents"]
    assert incidents["incidents"][:len(open_before)] == open_before
    assert len(incidents["incidents"]) == len(open_before) + 1


def test_the_releases_timers_fire_on_tick_and_history_goes_on(tmp_path):
    answers = run_scenario(tmp_path, "timers")
    tick, work, work_history, _, later_tick, fresh, fresh_history = answers[:7]
    assert tick["fired"] >= 1 and later_tick["fired"] >= 1
    assert work["timers"] == [] and "overdue" in work["states"]
    goes_on_after(read_result(f"workflow.history {work['instance']}")["records"],
                  work_history["records"])
    assert fresh["states"] == ["escalated"]
    goes_on_after(read_result(f"workflow.history {fresh['instance']}")["records"],
                  fresh_history["records"])


def test_old_instances_take_new_events_and_a_buffered_event_is_delivered(tmp_path):
    (accepted, history, completed, approved, approved_history, won, paid_on_start,
     instances, _) = run_scenario(tmp_path, "events")
    assert accepted["accepted"] is True and "collecting" in accepted["states"]
    goes_on_after(read_result(f"workflow.history {accepted['instance']}")["records"],
                  history["records"])
    assert completed["status"] == "done" and approved["status"] == "done"
    goes_on_after(read_result(f"workflow.history {approved['instance']}")["records"],
                  approved_history["records"])
    # deal:6's payment waited in the release's buffer for the instance its deal started.
    assert won["started"] and paid_on_start["context"]["amount"] == "700.00"
    assert "settled" in paid_on_start["states"]
    assert [i["key"] for i in instances["instances"]] == ["crm:deal:6"]


def test_a_new_document_is_found_with_the_old_ones_and_old_ones_change_on(tmp_path):
    put, found, counters, changed, history, *_ = run_scenario(tmp_path, "registry")
    old_hits = read_result("registry.search ёлочные")["documents"]
    assert old_hits
    assert {d["id"] for d in found["documents"]} == {d["id"] for d in old_hits} | {put["id"]}
    assert len(counters["documents"]) == len(
        read_result("registry.search счётчик")["documents"]) + 1
    assert changed["version"] == 3
    old_entries = read_result(f"registry.history {changed['id']}")["entries"]
    assert history["entries"][:len(old_entries)] == old_entries
    assert len(history["entries"]) > len(old_entries)


def test_old_accounts_take_payments_and_the_next_months_run(tmp_path):
    paid, balance, _, _, _, run, runs, *_ = run_scenario(tmp_path, "billing")
    before = read_result("billing.balance LS-0001")["balance"]
    assert paid["replayed"] is False and paid["balance"] == balance["balance"]
    assert balance["balance"] != before
    assert run["status"] == "done" and run["period"] == "2026-03" and run["lines"] > 0
    old_runs = read_result("billing.run.list")["runs"]
    runs = drop_added("billing.run.list", copy.deepcopy(runs))
    assert runs["runs"][:len(old_runs)] == old_runs and len(runs["runs"]) == len(old_runs) + 1


def test_a_message_in_flight_across_the_upgrade_is_merged(tmp_path):
    taken, status, orders, conflicts = run_scenario(tmp_path, "exchange")
    assert taken["status"] == "applied" and taken["applied"] == 1 and not taken["parked"]
    [before] = read_result("exchange.status tablet-7")["nodes"]
    [after] = status["nodes"]
    assert after["received_no"] == before["received_no"] + 1
    # It carried the acknowledgement of the message the release left unacknowledged.
    assert before["unacknowledged"] is True and after["unacknowledged"] is False
    assert any(d["notes"] == "позвонить за час" for d in orders["documents"])
    assert conflicts == read_result("exchange.conflicts tablet-7")


def test_the_catalogue_changes_on_and_is_registered_for_the_exchange(tmp_path):
    *_, status = run_scenario(tmp_path, "catalogue")
    [before] = read_result("exchange.status tablet-7")["nodes"]
    [after] = status["nodes"]
    assert sum(after["pending"].values()) > sum(before["pending"].values())


def test_every_write_scenario_is_tested():
    tested = {"replays", "effects", "timers", "events", "registry", "billing", "exchange",
              "catalogue"}
    assert set(EXPECTED["writes"]) == tested

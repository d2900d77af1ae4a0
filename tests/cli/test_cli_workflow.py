"""The generic CLI subcommands drive workflows: `opora workflow define --definition JSON`,
`workflow start`, `workflow send`, `workflow tick --now`, `workflow get|history`,
`effects fetch` and `effects ack`, each call a separate process on one database file.
The binary comes from the OPORA_CLI environment variable."""

import json

from cli_support import run  # noqa: F401

# A manual clock: 2026-03-02 is a Monday.
CLOCK = ["--option", "clock=manual", "--option", "now=2026-03-02T09:00:00Z"]

CALLBACK = {
    "id": "callback", "title": "Перезвонить клиенту", "context": {"attempts": 0},
    "states": {
        "waiting": {"on": {"called": {"target": "done", "guard": "event.data.reached"},
                           "missed": {"actions": [
                               {"assign": {"attempts": "context.attempts + 1"}}]}},
                    "after": [{"working_days": 1, "target": "overdue", "actions": [
                        {"emit": {"type": "task", "title": "Просрочен звонок {{ key }}"}}]}]},
        "overdue": {"on": {"called": "done"}},
        "done": {"type": "final"},
    },
}


def ok(*args):
    proc = run(*args)
    assert proc.returncode == 0, proc.err
    assert proc.err == ""
    return proc


def ok_json(*args):
    return json.loads(ok("--json", *args).out)


def database(tmp_path):
    return ["--db", str(tmp_path / "workflow.db"), *CLOCK]


def test_a_workflow_runs_from_the_shell(tmp_path):
    db = database(tmp_path)
    stored = ok_json(*db, "workflow", "define", "--definition", json.dumps(CALLBACK))
    assert stored == {"id": "callback", "version": 1, "created": True, "states": 3}
    assert ok_json(*db, "workflow", "definitions") == {
        "definitions": [{"id": "callback", "version": 1, "versions": 1}]}

    started = ok_json(*db, "workflow", "start", "--definition", "callback",
                      "--key", "amocrm:lead:7")
    assert started["states"] == ["waiting"] and started["existing"] is False
    # one working day after Monday 09:00 is Tuesday 09:00
    assert started["timers"][0]["due"] == "2026-03-03T09:00:00Z"
    instance = started["instance"]
    again = ok_json(*db, "workflow", "start", "--definition", "callback", "--key", "amocrm:lead:7")
    assert again["existing"] is True and again["instance"] == instance

    missed = ok_json(*db, "workflow", "send", "--definition", "callback", "--key", "amocrm:lead:7",
                     "--event", "missed", "--event-id", "call-1")
    assert missed["accepted"] is True and missed["context"] == {"attempts": 1}
    repeat = ok_json(*db, "workflow", "send", "--definition", "callback", "--key",
                     "amocrm:lead:7", "--event", "missed", "--event-id", "call-1")
    assert repeat["duplicate"] is True and repeat["context"] == {"attempts": 1}
    refused = ok_json(*db, "workflow", "send", "--instance", str(instance), "--event", "called",
                      "--data", '{"reached": false}')
    assert refused["accepted"] is False and refused["states"] == ["waiting"]

    assert ok_json(*db, "workflow", "tick", "--now", "2026-03-03T08:59:59Z")["fired"] == 0
    assert ok_json(*db, "workflow", "tick", "--now", "2026-03-03T09:00:00Z") == {
        "now": "2026-03-03T09:00:00Z", "fired": 1, "failed": 0, "effects": 1}
    assert ok_json(*db, "workflow", "get", "--instance", str(instance))["states"] == ["overdue"]

    [effect] = ok_json(*db, "effects", "fetch", "--limit", "10")["effects"]
    assert effect["type"] == "task" and effect["instance"] == instance
    assert effect["payload"] == {"title": "Просрочен звонок amocrm:lead:7"}
    assert ok_json(*db, "effects", "fetch")["effects"] == []  # leased
    acked = ok_json(*db, "effects", "ack", "--effect", str(effect["id"]), "--result", "done")
    assert acked == {"id": effect["id"], "status": "done", "repeated": False}

    done = ok_json(*db, "workflow", "send", "--instance", str(instance), "--event", "called")
    assert done["status"] == "done" and done["states"] == ["done"]
    records = ok_json(*db, "workflow", "history", "--instance", str(instance))["records"]
    assert [r["kind"] for r in records].count("effect") == 1
    assert records[-1]["kind"] == "done"


def test_the_text_output_is_a_table(tmp_path):
    db = database(tmp_path)
    ok(*db, "workflow", "define", "--definition", json.dumps(CALLBACK))
    ok(*db, "workflow", "start", "--definition", "callback", "--key", "k")
    ok(*db, "workflow", "tick", "--now", "2026-03-10T00:00:00Z")
    lines = ok(*db, "effects", "fetch").out.splitlines()
    assert lines[0].split() == ["id", "type", "idempotency_key", "attempt", "instance"]
    assert lines[1].split()[:2] == ["1", "task"]
    history = ok(*db, "workflow", "history", "--instance", "1").out.splitlines()
    assert history[0].split()[0] == "kind"
    assert any(line.startswith("effect") for line in history[1:])


def test_a_broken_definition_fails_with_every_path(tmp_path):
    db = database(tmp_path)
    broken = {"id": "broken", "states": {
        "a": {"on": {"go": "nowhere", "check": {"target": "b", "guard": "context.n >"}}},
        "b": {"after": [{"delay": "P1M", "target": "a"}]}}}
    proc = run(*db, "workflow", "define", "--definition", json.dumps(broken))
    assert proc.returncode == 1 and proc.out == ""
    assert "OPORA_EVALIDATION" in proc.err
    for path in ("states.a.on.go.target", "states.a.on.check.guard", "states.b.after[0].delay"):
        assert path in proc.err, proc.err
    assert ok_json(*db, "workflow", "definitions") == {"definitions": []}


def test_a_send_without_a_live_instance_fails(tmp_path):
    db = database(tmp_path)
    ok(*db, "workflow", "define", "--definition", json.dumps(CALLBACK))
    proc = run(*db, "workflow", "send", "--definition", "callback", "--key", "nobody",
               "--event", "called")
    assert proc.returncode == 1 and proc.out == ""
    assert "OPORA_ENOTFOUND" in proc.err and "nobody" in proc.err


def test_workflow_export_writes_the_diagram_to_a_file(tmp_path):
    db = str(tmp_path / "wf.db")
    assert run("--db", db, "--json", "call", "workflow.install", '{"definition": "service_control"}').returncode == 0
    svg = tmp_path / "service_control.svg"
    proc = run("--db", db, "workflow", "export", "service_control", "--svg", str(svg))
    assert proc.returncode == 0, proc.err
    assert proc.out.startswith("wrote " + str(svg))
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<svg") and "data-state=\"reviewing\"" in text
    mermaid = tmp_path / "sc.mmd"
    assert run("--db", db, "workflow", "export", "service_control", "--mermaid", str(mermaid)).returncode == 0
    assert mermaid.read_text(encoding="utf-8").startswith("stateDiagram-v2")
    bad = run("--db", db, "workflow", "export", "service_control", "--svg", str(tmp_path / "no" / "x.svg"))
    assert bad.returncode != 0 and "cannot write" in bad.err

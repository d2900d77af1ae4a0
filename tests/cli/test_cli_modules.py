"""Tests of the module subcommands of the opora CLI: `opora MODULE VERB... --flag value`.

The subcommands are built from meta.methods at run time; these tests drive them
with methods that exist in the library (calendar.*, requisites.validate, clock.*,
meta.*, and registry.* where a parameter with '_' or a boolean is needed).
The binary comes from the OPORA_CLI environment variable.
"""

import json
import os
import re
import subprocess

import pytest

from cli_support import CLI, USAGE_HINT, cli, run  # noqa: F401

VALID_INN = "7707083893"


def ok(*args, **kwargs):
    proc = run(*args, **kwargs)
    assert proc.returncode == 0, proc.err
    assert proc.err == ""
    return proc.out


def ok_json(*args, **kwargs):
    out = ok("--json", *args, **kwargs)
    assert out.endswith("\n") and out.count("\n") == 1, out
    return json.loads(out)


def usage_error(*args, **kwargs):
    """Runs a command that must be a usage error: exit 2, nothing on stdout."""
    proc = run(*args, **kwargs)
    assert proc.returncode == 2, (proc.returncode, proc.out, proc.err)
    assert proc.out == ""
    assert proc.err.startswith("opora: "), proc.err
    return proc.err


def catalogue():
    return {m["name"]: m for m in ok_json("call", "meta.methods")["methods"]}


def require_methods(*names):
    """The methods these tests drive must exist; a missing one fails the test."""
    known = catalogue()
    missing = [n for n in names if n not in known]
    assert not missing, "methods missing from meta.methods: %s" % missing
    return known


def acme_calendar():
    holiday = {"date": "2026-03-02", "kind": "holiday", "note": "Субботник"}
    return {"id": "acme", "name": "Акме", "weekend": ["sat", "sun"],
            "years": [{"year": 2026, "source": "test", "days": [holiday]}]}


ADD_DAYS = ["calendar", "add_working_days", "--calendar", "ru", "--date", "2025-12-30"]


# ------------------------------------------------------------ typed flags --


def test_module_subcommand_equals_call():
    via_call = ok_json("call", "calendar.add_working_days",
                       '{"calendar": "ru", "date": "2025-12-30", "days": 1}')
    assert via_call == {"date": "2026-01-12"}
    assert ok_json(*ADD_DAYS, "--days", "1") == via_call
    # people get the same pretty JSON as `call` (one field, no list: not a table)
    assert ok(*ADD_DAYS, "--days", "1") == '{\n  "date": "2026-01-12"\n}\n'


@pytest.mark.parametrize("words", [
    ["calendar", "add_working_days"],
    ["calendar", "add-working-days"],
    ["calendar.add_working_days"],
])
def test_method_words_may_be_dashed_or_dotted(words):
    assert ok_json(*words, "--calendar", "ru", "--date", "2025-12-30", "--days", "1") == {
        "date": "2026-01-12"}


def test_flag_forms_and_negative_integers():
    # --flag=value, and a value that starts with '-' after an integer flag
    assert ok_json("calendar", "add_working_days", "--calendar=ru", "--date=2025-12-30",
                   "--days=-1") == {"date": "2025-12-29"}
    assert ok_json(*ADD_DAYS, "--days", "-1") == {"date": "2025-12-29"}
    # flags in any order; global options among them
    assert ok_json("calendar", "add_working_days", "--days", "5", "--date", "2025-12-26",
                   "--calendar", "ru") == {"date": "2026-01-14"}


def test_integer_flag_is_sent_as_a_json_integer():
    # a string "1" would fail in the library with [type]; the CLI sends 1
    proc = run("--json", *ADD_DAYS, "--days", "1")
    assert proc.returncode == 0, proc.err
    assert proc.out == '{"date":"2026-01-12"}\n'


@pytest.mark.parametrize("value", ["one", "1.5", "1e3", "", "0x10", "+-1",
                                   "99999999999999999999"])
def test_integer_flag_rejects_non_integers(value, tmp_path):
    db = tmp_path / "never.db"
    err = usage_error("--db", str(db), *ADD_DAYS, "--days", value)
    first = err.splitlines()[0]
    assert "--days" in first and "integer" in first, err
    assert err.rstrip("\n").splitlines()[-1] == "Try 'opora calendar add_working_days --help'."
    assert not db.exists(), "a usage error must not create the database"


def test_string_values_stay_strings():
    # "ru" and a date travel as text; an INN with leading digits is not a number
    result = ok_json("requisites", "validate", "--inn", VALID_INN, "--kpp", "773601001")
    assert result == {"valid": True, "errors": []}
    bad = ok_json("requisites", "validate", "--inn", "7707083894")
    assert bad["valid"] is False and bad["errors"][0]["field"] == "inn"


def test_library_failure_exits_1_with_field_errors():
    proc = run("calendar", "add_working_days", "--calendar", "ru", "--date", "2025-12-30")
    assert proc.returncode == 1
    assert proc.out == ""
    lines = proc.err.splitlines()
    assert lines[0] == ("opora: calendar.add_working_days failed: "
                        "invalid argument (OPORA_EINVAL, -2)")
    assert any(line.startswith("  days: ") and line.endswith("[required]") for line in lines)
    as_json = run("--json", "calendar", "add_working_days", "--calendar", "ru",
                  "--date", "2026-02-30", "--days", "1")
    assert as_json.returncode == 1
    assert json.loads(as_json.err)["errors"][0]["field"] == "date"


def test_global_options_work_among_method_flags(tmp_path):
    clock = ok_json("clock", "get", "--option", "clock=manual", "--option", "now=2026-01-01")
    assert clock["now"] == "2026-01-01T00:00:00Z" and clock["mode"] == "manual"
    moved = ok_json("--option", "clock=manual", "clock", "set", "--now", "2026-11-23T10:00:00Z")
    assert moved["now"] == "2026-11-23T10:00:00Z"

    db = str(tmp_path / "books.db")
    acme = acme_calendar()
    ok("calendar", "load", "--calendar", json.dumps(acme, ensure_ascii=False), "--db", db)
    listed = ok_json("calendar", "list", "--db", db)
    assert "acme" in [c["id"] for c in listed["calendars"]]
    assert "acme" in [c["id"] for c in ok_json("calendar", "list", env={"OPORA_DB": db})
                      ["calendars"]]
    assert "acme" not in [c["id"] for c in ok_json("calendar", "list")["calendars"]]


# ------------------------------------------------------- flag resolution --


def param_names(method):
    return list(catalogue()[method]["params"]["properties"])


def test_unknown_flag_is_a_usage_error_listing_the_params():
    params = param_names("calendar.add_working_days")
    assert "fallback" in params and not any(p.startswith("fall_") for p in params)
    # "fall" is only a prefix of "fallback", not a word before '_': not resolved
    err = usage_error(*ADD_DAYS, "--days", "1", "--fall", "weekends")
    assert "unknown parameter --fall" in err
    assert "\n  parameters: " + ", ".join(params) + "\n" in err
    assert "Try 'opora calendar add_working_days --help'." in err

    err = usage_error("requisites", "validate", "--inn-number", VALID_INN)
    assert "--inn-number" in err and "parameters: inn, kpp, ogrn" in err

    err = usage_error("calendar", "list", "--kind", "ru")
    assert "no parameters" in err


def test_full_name_resolves_where_a_prefix_would_not():
    assert ok_json(*ADD_DAYS, "--days", "1", "--fallback", "weekends") == {
        "date": "2026-01-12"}
    # the enum is checked by the library, not the CLI
    proc = run(*ADD_DAYS, "--days", "1", "--fallback", "sometimes")
    assert proc.returncode == 1 and "fallback" in proc.err


def test_prefix_before_underscore_resolves_when_unambiguous(tmp_path):
    require_methods("registry.missing", "registry.put")
    db = str(tmp_path / "deals.db")
    for kind, ref in (("order", "bitrix24:deal:42"), ("order", "bitrix24:deal:43"),
                      ("act", "bitrix24:deal:43")):
        ok("--db", db, "registry", "put", "--kind", kind, "--date", "2026-01-20",
           "--refs", json.dumps([ref]))
    # --having is having_kind, --lacking lacking_kind: no other param starts so
    short = ok_json("--db", db, "registry", "missing", "--having", "order", "--lacking", "act")
    full = ok_json("--db", db, "registry", "missing", "--having-kind", "order",
                   "--lacking_kind", "act")
    via_call = ok_json("--db", db, "call", "registry.missing",
                       '{"having_kind": "order", "lacking_kind": "act"}')
    assert short == full == via_call
    assert short["refs"] == ["bitrix24:deal:42"]
    # the same parameter twice, through the prefix and the full name
    err = usage_error("--db", db, "registry", "missing", "--having", "order",
                      "--having-kind", "act", "--lacking", "act")
    assert "having_kind is given twice" in err


def test_ambiguous_prefix_is_a_usage_error():
    known = require_methods("registry.missing")
    assert {"having_kind", "lacking_kind"} <= set(known["registry.missing"]["params"]["properties"])
    err = usage_error("registry", "missing", "--kind", "act")
    first = err.splitlines()[0]
    assert "--kind is ambiguous" in first and "having_kind" in first and "lacking_kind" in first
    assert "parameters: having_kind, lacking_kind" in err
    assert err.splitlines()[-1] == "Try 'opora registry missing --help'."


def test_an_old_parameter_name_is_read_as_the_new_one(tmp_path):
    # registry.find's amount_min is min_amount from this release on: the flag still works
    # and the old name is in neither the parameter list nor the help.
    require_methods("registry.find")
    db = str(tmp_path / "o.db")
    assert run("--db", db, "registry", "find", "--amount-min", "1").returncode == 0
    err = usage_error("--db", db, "registry", "find", "--amount", "1")
    assert "min_amount" in err and "amount_min" not in err
    help_text = run("registry", "find", "--help").out
    assert "min_amount" in help_text and "amount_min" not in help_text


def test_dash_stands_for_underscore_in_flag_names():
    require_methods("registry.find")
    a = ok_json("registry", "find", "--valid-on", "2026-01-01", "--sort", "-date")
    b = ok_json("registry", "find", "--valid_on", "2026-01-01", "--sort=-date")
    assert a == b == {"documents": [], "next_cursor": None}


# ------------------------------------------------------- boolean and JSON --


def test_boolean_flags(tmp_path):
    require_methods("registry.put", "registry.delete", "registry.get")
    db = str(tmp_path / "bool.db")
    created = ok_json("--db", db, "registry", "put", "--kind", "act", "--date", "2026-01-20")
    doc = str(created["id"])
    ok("--db", db, "registry", "delete", "--document", doc)

    def get(*flags):
        return run("--json", "--db", db, "registry", "get", "--document", doc, *flags)

    assert get().returncode == 1  # deleted documents need include_deleted
    for flags in (["--include-deleted"], ["--include_deleted=true"], ["--include-deleted=1"]):
        proc = get(*flags)
        assert proc.returncode == 0, (flags, proc.err)
        assert json.loads(proc.out)["deleted"] is True
    for flags in (["--include-deleted=false"], ["--no-include-deleted"],
                  ["--no-include_deleted"]):
        proc = get(*flags)
        assert proc.returncode == 1, flags
        assert json.loads(proc.err)["name"] == "OPORA_ENOTFOUND"

    err = usage_error("--db", db, "registry", "get", "--document", doc, "--include-deleted", "false")
    assert "unexpected argument 'false'" in err and "--include-deleted=false" in err
    err = usage_error("--db", db, "registry", "get", "--document", doc, "--include-deleted=maybe")
    assert "expected true or false" in err
    # --no- is only for booleans
    err = usage_error("--db", db, "registry", "get", "--no-id")
    assert "unknown parameter --no-id" in err


def test_object_flag_is_parsed_as_json(tmp_path):
    db = str(tmp_path / "cal.db")
    acme = acme_calendar()
    loaded = ok_json("--db", db, "calendar", "load", "--calendar",
                     json.dumps(acme, ensure_ascii=False))
    assert loaded == {"id": "acme", "years": [2026]}
    day = ok_json("--db", db, "calendar", "is_working_day", "--calendar", "acme",
                  "--date", "2026-03-02")
    assert day["working"] is False and day["note"] == "Субботник"

    for bad in ("{", "[1, 2]", "acme", '"acme"'):
        err = usage_error("--db", db, "calendar", "load", "--calendar", bad)
        assert "--calendar: expected a JSON object" in err, err


def test_array_flag_is_parsed_as_json(tmp_path):
    require_methods("registry.put")
    db = str(tmp_path / "arr.db")
    doc = ok_json("--db", db, "registry", "put", "--kind", "order", "--date", "2026-01-20",
                  "--refs", '["bitrix24:deal:7", "amo:lead:1"]')
    assert doc["refs"] == ["bitrix24:deal:7", "amo:lead:1"]
    err = usage_error("--db", db, "registry", "put", "--kind", "order", "--refs", "bitrix24:deal:7")
    assert "--refs: expected a JSON array" in err


# ------------------------------------------------------------- --params --


def test_params_base_object_with_flag_overrides():
    base = '{"calendar": "ru", "date": "2025-12-30", "days": 5}'
    assert ok_json("calendar", "add_working_days", "--params", base) == {"date": "2026-01-16"}
    # the flag wins, wherever it stands
    assert ok_json("calendar", "add_working_days", "--params", base, "--days", "1") == {
        "date": "2026-01-12"}
    assert ok_json("calendar", "add_working_days", "--days", "1", "--params=" + base) == {
        "date": "2026-01-12"}
    # from stdin
    assert ok_json("calendar", "add_working_days", "--params", "-", "--days", "1",
                   input_text=base) == {"date": "2026-01-12"}
    # keys the flags do not know pass through to the library, which refuses an
    # unknown one naming it (a typo must not change what a call does)
    proc = run("--json", "calendar", "add_working_days", "--days", "1", "--params",
               '{"calendar": "ru", "date": "2025-12-30", "dayz": 5}')
    assert proc.returncode == 1 and proc.out == ""
    error = json.loads(proc.err)
    assert error["name"] == "OPORA_EINVAL"
    assert error["errors"] == [{"field": "dayz", "rule": "unknown_field",
                                "message": 'is not a known field; did you mean "days"?'}]


@pytest.mark.parametrize("base", ["[1]", "{", "null", '"x"'])
def test_params_must_be_a_json_object(base):
    err = usage_error("calendar", "add_working_days", "--params", base)
    assert "--params: expected a JSON object" in err


def test_params_given_twice_or_without_value():
    assert "--params given twice" in usage_error("calendar", "list", "--params", "{}",
                                                 "--params", "{}")
    assert "option --params needs a value" in usage_error("calendar", "list", "--params")


# ------------------------------------------------------------------ help --


def test_module_help_lists_its_methods_with_summaries(tmp_path):
    known = catalogue()
    calendar = {n: m for n, m in known.items() if n.startswith("calendar.")}
    assert len(calendar) >= 4
    db = tmp_path / "untouched.db"
    for args in (["calendar", "--help"], ["calendar", "-h"], ["--help", "calendar"],
                 ["--db", str(db), "calendar", "--help"]):
        out = ok(*args)
        assert out.startswith("Usage: opora "), out
        for name, method in calendar.items():
            verb = name.split(".", 1)[1]
            row = next((line for line in out.splitlines() if line.split()[:1] == [verb]), None)
            assert row is not None, (verb, out)
            assert method["summary"].split()[0] in row
        assert "Try 'opora calendar METHOD --help'" in out
        assert "clock" not in out.split("Methods of calendar:")[1]
    assert not db.exists()


def test_group_help_shows_the_rest_of_the_name():
    require_methods("registry.number.next")
    out = ok("registry", "number", "--help")
    rows = out.split("Methods of registry number:\n")[1].splitlines()
    assert rows[0].split()[0] == "next"
    module = ok("registry", "--help")
    assert re.search(r"^  number next {2,}\S", module, re.M), module


def test_method_help_prints_summary_and_params_table():
    known = catalogue()
    method = known["calendar.add_working_days"]
    out = ok("calendar", "add_working_days", "--help")
    assert " ".join(method["summary"].split()) in " ".join(out.split())
    assert out.startswith("Usage: opora [OPTIONS] calendar add_working_days [--NAME VALUE]...")
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == [
        "name", "type", "required", "description"])
    rows = {}
    for line in lines[header + 1:]:
        if not line.strip():
            break
        if not line.startswith("    "):  # continuation lines are indented further
            rows[line.split()[0]] = line
    assert list(rows) == list(method["params"]["properties"])  # schema order
    days = method["params"]["properties"]["days"]
    assert re.search(r"^  days\s+integer %d\.\.%d\s+yes\s*$" % (days["minimum"], days["maximum"]),
                     rows["days"]), rows["days"]
    date_about = method["params"]["properties"]["date"]["description"]
    assert re.search(r"^  date\s+string \(date\)\s+yes\s+" + re.escape(date_about.split()[0]),
                     rows["date"]), rows["date"]
    assert " yes " not in rows["fallback"]
    values = method["params"]["properties"]["fallback"]["enum"]
    assert "one of: " + ", ".join(values) in " ".join(out.split())
    # the description column starts at the same place in every row
    col = lines[header].index("description")
    assert rows["date"].index(date_about.split()[0], 4) == col
    calendar_about = method["params"]["properties"]["calendar"]["description"]
    assert rows["calendar"].index(calendar_about.split()[0], 4) == col

    # with --json: the method's own entry of meta.methods
    entry = ok_json("calendar", "add_working_days", "--help")
    assert entry == method


def test_method_help_for_a_method_without_params():
    out = ok("clock", "get", "--help")
    assert "clock.get: " + catalogue()["clock.get"]["summary"] in out
    assert "Parameters: none." in out
    assert "Result fields: now, today, mode, utc_offset." in out


def test_help_text_describes_module_commands():
    out = ok("--help")
    assert out.startswith("Usage: opora [--db FILE] [--json] [--option KEY=VALUE]...")
    for word in ("MODULE VERB...", "--params JSON | -", "--no-NAME", "MODULE --help",
                 "opora calendar add_working_days --calendar ru"):
        assert word in out, word
    # an unknown module with --help still shows the general usage, as before
    assert ok("frobnicate", "--help") == out


# ------------------------------------------------------- usage mistakes --


@pytest.mark.parametrize("args, message, hint", [
    (["frobnicate"], "unknown command 'frobnicate'", USAGE_HINT),
    (["calendar"], "missing METHOD after 'calendar'", "Try 'opora calendar --help'."),
    (["calendar", "teleport"], "unknown method 'calendar.teleport'",
     "Try 'opora calendar --help'."),
    (["calendar", "lst"], "unknown method 'calendar.lst'; did you mean calendar.list?",
     "Try 'opora calendar --help'."),
    (["calendar", "list", "extra"], "calendar.list: unexpected argument 'extra'",
     "Try 'opora calendar list --help'."),
    (["calendar", "add_working_days", "--days"],
     "calendar.add_working_days: option --days needs a value",
     "Try 'opora calendar add_working_days --help'."),
    (["calendar", "add_working_days", "--days", "1", "--days", "2"],
     "calendar.add_working_days: days is given twice",
     "Try 'opora calendar add_working_days --help'."),
    (["calendar", "list", "-x"], "calendar.list: unknown option '-x'",
     "Try 'opora calendar list --help'."),
])
def test_usage_mistakes(args, message, hint):
    err = usage_error(*args)
    lines = err.rstrip("\n").splitlines()
    assert lines[0] == "opora: " + message
    assert lines[-1] == hint


def test_double_dash_makes_the_rest_words():
    assert ok_json("--", "calendar", "list") == ok_json("calendar", "list")
    err = usage_error("calendar", "list", "--", "--json")
    assert "unexpected argument '--json'" in err


# ---------------------------------------------------------------- output --


def code_point_columns(header):
    """Start of each column in the header line, in code points."""
    return [m.start() for m in re.finditer(r"\S+", header)]


def cell(value):
    """A JSON value as the table shows it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return json.dumps(value)


def test_calendar_list_is_a_table_aligned_by_code_points():
    result = ok_json("calendar", "list")
    out = ok("calendar", "list")
    lines = out.splitlines()
    header = lines[0].split()
    assert header[:3] == ["id", "name", "years"] and "builtin" in header
    starts = code_point_columns(lines[0])
    assert len(lines) == 1 + len(result["calendars"])
    for line, cal in zip(lines[1:], result["calendars"]):
        # each cell begins exactly at its header's column, counting code points
        for key, start in zip(header, starts):
            assert line[start:].startswith(cell(cal[key])), (key, line)
            assert start == 0 or line[start - 1] == " ", (key, line)
        assert line.endswith(cell(cal[header[-1]]))
    names = [c["name"] for c in result["calendars"]]
    assert any(re.search("[а-яА-ЯёЁ]", n) for n in names), "the test needs a Cyrillic name"
    # counting bytes would have made the name column twice as wide
    assert starts[2] - starts[1] == max(len(n) for n in names) + 2


def test_cyrillic_cells_are_cut_by_code_points(tmp_path):
    db = str(tmp_path / "long.db")
    long_name = "Производственный календарь " + "очень " * 30 + "длинный"
    acme = {"id": "acme", "name": long_name, "weekend": ["sat", "sun"],
            "years": [{"year": 2026, "source": "t", "days": []}]}
    ok("--db", db, "calendar", "load", "--calendar", json.dumps(acme, ensure_ascii=False))
    lines = ok("--db", db, "calendar", "list").splitlines()
    assert all(len(line) <= 120 for line in lines), [len(line) for line in lines]
    row = next(line for line in lines if line.startswith("acme "))
    starts = code_point_columns(lines[0])
    cell = row[starts[1]:starts[2]].rstrip()
    assert cell.endswith("…") and long_name.startswith(cell[:-1])
    assert row[starts[2]:].startswith("2026")


def test_meta_methods_table_fits_120_columns_and_skips_objects():
    known = catalogue()
    lines = ok("meta", "methods").splitlines()
    assert lines[0].split() == ["name", "summary", "mutating", "batch"]  # params/result are objects
    assert len(lines) == 1 + len(known)
    assert all(len(line) <= 120 for line in lines)
    assert any("…" in line for line in lines[1:])  # long summaries are cut
    starts = code_point_columns(lines[0])
    for line, name in zip(lines[1:], known):
        assert line.startswith(name + " ")
        assert line[starts[2]:starts[3]].rstrip() in ("true", "false")
        assert line[starts[3]:] == str(known[name]["batch"]).lower()
        summary = line[starts[1]:starts[2]].rstrip()
        full = known[name]["summary"]
        assert summary == full or (summary.endswith("…") and full.startswith(summary[:-1]))


def test_table_is_followed_by_the_other_scalars(tmp_path):
    require_methods("registry.find", "registry.put")
    db = str(tmp_path / "t.db")
    for day in ("2026-01-10", "2026-01-11", "2026-01-12"):
        ok("--db", db, "registry", "put", "--kind", "order", "--date", day,
           "--refs", '["bitrix24:deal:1"]')
    page = ok_json("--db", db, "registry", "find", "--kind", "order", "--limit", "2")
    assert page["next_cursor"]
    out = ok("--db", db, "registry", "find", "--kind", "order", "--limit", "2")
    lines = out.splitlines()
    header = lines[0].split()
    assert header[:4] == ["id", "kind", "number", "date"]
    assert "counterparty" not in header and "items" not in header and len(header) <= 8
    assert len(lines) == 1 + 2 + 1
    assert lines[-1] == "next_cursor: " + page["next_cursor"]
    empty = ok("--db", db, "registry", "find", "--kind", "act")
    assert empty == "(no documents)\nnext_cursor: null\n"


def test_a_result_without_a_list_stays_pretty_json():
    out = ok("calendar", "is_working_day", "--calendar", "ru", "--date", "2026-01-01")
    assert out.startswith("{\n  \"date\": \"2026-01-01\",\n")
    assert "Новогодние каникулы" in out and "\\u" not in out
    assert json.loads(out)["working"] is False
    assert ok("clock", "get").startswith("{\n  \"now\": ")


def test_one_list_and_scalars_is_a_table():
    # requisites.validate: one list (errors) and one scalar (valid)
    bad = ok("requisites", "validate", "--inn", "7707083894", "--kpp", "77360100")
    lines = bad.splitlines()
    assert lines[0].split() == ["field", "rule", "message"]
    assert [line.split()[0] for line in lines[1:-1]] == ["inn", "kpp"]
    assert lines[-1] == "valid: false"
    good = ok("requisites", "validate", "--inn", VALID_INN)
    assert good == "(no errors)\nvalid: true\n"


@pytest.mark.parametrize("args, method, params", [
    (["calendar", "list"], "calendar.list", {}),
    (["meta", "methods"], "meta.methods", {}),
    (["calendar", "is_working_day", "--calendar", "ru", "--date", "2026-01-01"],
     "calendar.is_working_day", {"calendar": "ru", "date": "2026-01-01"}),
    (["requisites", "validate", "--inn", "7707083894"], "requisites.validate",
     {"inn": "7707083894"}),
])
def test_json_flag_prints_the_compact_result(args, method, params):
    expected = run("--json", "call", method, json.dumps(params)).out
    assert expected.count("\n") == 1 and expected.startswith("{")
    for full in (["--json", *args], [*args, "--json"]):
        proc = run(*full)
        assert proc.returncode == 0, proc.err
        assert proc.out == expected

"""Tests of the opora command-line tool, run as a subprocess.

The binary comes from the OPORA_CLI environment variable (ctest sets it to the
built examples/cli/opora).
"""

import json
import os
import re
import subprocess

import pytest

from cli_support import CLI, USAGE_HINT, clean_env, cli, run  # noqa: F401

NEW_YEAR_NOTE = "Новогодние каникулы"


def ok_json(*args, **kwargs):
    proc = run("--json", *args, **kwargs)
    assert proc.returncode == 0, proc.err
    assert proc.err == ""
    assert proc.out.endswith("\n") and proc.out.count("\n") == 1
    return json.loads(proc.out)


def acme_calendar(note="Субботник"):
    return {
        "calendar": {
            "id": "acme",
            "name": "Акме: производственный календарь",
            "weekend": ["sat", "sun"],
            "years": [
                {
                    "year": 2026,
                    "source": "приказ № 1",
                    "days": [{"date": "2026-03-02", "kind": "holiday", "note": note}],
                }
            ],
        }
    }


# ---------------------------------------------------------------- version --


def test_version_plain_and_json():
    plain = run("version")
    assert plain.returncode == 0, plain.err
    match = re.fullmatch(r"opora (\d+\.\d+\.\d+)\n", plain.out)
    assert match, plain.out
    meta = ok_json("version")
    assert meta["version"] == match.group(1)
    assert isinstance(meta["version_number"], int)
    assert "sqlite_version" in meta and isinstance(meta["schema"], dict)


def test_version_does_not_touch_the_database(tmp_path):
    db = tmp_path / "untouched.db"
    assert run("--db", str(db), "version").returncode == 0
    assert run("--db", str(db), "--json", "version").returncode == 0
    assert not db.exists()


# ------------------------------------------------------------------- help --


@pytest.mark.parametrize("args", [["help"], ["--help"], ["-h"], ["call", "x", "--help"]])
def test_help(args):
    proc = run(*args)
    assert proc.returncode == 0
    assert proc.err == ""
    assert proc.out.startswith("Usage: opora [--db FILE] [--json] [--option KEY=VALUE]...")
    for word in ("call METHOD", "methods", "version", "OPORA_DB", ":memory:"):
        assert word in proc.out


# ---------------------------------------------------------------- methods --


def test_methods_table():
    proc = run("methods")
    assert proc.returncode == 0, proc.err
    lines = proc.out.splitlines()
    names = [line.split()[0] for line in lines]
    assert "calendar.add_working_days" in names
    assert "meta.methods" in names
    row = next(line for line in lines if line.startswith("calendar.add_working_days "))
    assert len(row.split(None, 1)) == 2, "a summary follows the name"
    # The summaries start in one column.
    columns = {len(line) - len(line.split(None, 1)[1]) for line in lines if " " in line}
    assert len(columns) == 1


def test_methods_json_is_the_meta_methods_result():
    result = ok_json("methods")
    names = [m["name"] for m in result["methods"]]
    assert "calendar.add_working_days" in names
    entry = result["methods"][names.index("calendar.add_working_days")]
    assert entry["params"]["type"] == "object"
    assert result == ok_json("call", "meta.methods")
    table = run("methods").out.splitlines()
    assert [line.split()[0] for line in table] == names


# ------------------------------------------------------------------- call --

ADD_DAYS = '{"calendar": "ru", "date": "2025-12-30", "days": 1}'


def test_call_inline_json_is_pretty_printed():
    proc = run("call", "calendar.add_working_days", ADD_DAYS)
    assert proc.returncode == 0, proc.err
    assert proc.err == ""
    assert proc.out == '{\n  "date": "2026-01-12"\n}\n'


def test_call_params_from_stdin():
    proc = run("call", "calendar.add_working_days", "-", input_text=ADD_DAYS)
    assert proc.returncode == 0, proc.err
    assert json.loads(proc.out) == {"date": "2026-01-12"}


def test_call_default_params_are_empty_object():
    proc = run("call", "meta.version")
    assert proc.returncode == 0, proc.err
    assert json.loads(proc.out)["version"] == ok_json("version")["version"]


def test_call_json_output_is_compact_one_line():
    proc = run("--json", "call", "calendar.working_days_between",
               '{"calendar": "ru", "from": "2026-01-01", "to": "2026-01-31"}')
    assert proc.returncode == 0, proc.err
    assert proc.out.count("\n") == 1 and proc.out.endswith("\n")
    assert " " not in proc.out
    assert json.loads(proc.out) == {"days": 15, "hours": 120}


def test_options_may_follow_the_command():
    proc = run("call", "calendar.add_working_days", ADD_DAYS, "--json")
    assert proc.returncode == 0, proc.err
    assert proc.out == '{"date":"2026-01-12"}\n'


def test_pretty_output_keeps_key_order_and_nesting():
    proc = run("call", "calendar.is_working_day", '{"calendar": "ru", "date": "2026-01-09"}')
    assert proc.returncode == 0, proc.err
    compact = run("--json", "call", "calendar.is_working_day",
                  '{"calendar": "ru", "date": "2026-01-09"}').out
    pretty_keys = list(json.loads(proc.out))
    assert pretty_keys == list(json.loads(compact))
    assert pretty_keys[0] == "date"
    lines = proc.out.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert all(line.startswith('  "') for line in lines[1:-1])

    listing = run("call", "calendar.list").out
    assert '\n  "calendars": [\n    {\n      "id": ' in listing
    assert '\n      "years": [2024, 2025, 2026, 2027],\n' in listing  # short arrays stay inline


def test_validation_result_is_not_a_failure():
    proc = run("--json", "call", "requisites.validate", '{"inn": "7707083894"}')
    assert proc.returncode == 0, proc.err
    result = json.loads(proc.out)
    assert result["valid"] is False
    assert result["errors"][0]["field"] == "inn"


# ---------------------------------------------------------------- database --


def test_file_database_persists_across_invocations(tmp_path):
    db = str(tmp_path / "books.db")
    loaded = run("--db", db, "--json", "call", "calendar.load", "-",
                 input_text=json.dumps(acme_calendar()))
    assert loaded.returncode == 0, loaded.err
    assert json.loads(loaded.out) == {"id": "acme", "years": [2026]}

    listed = ok_json("--db", db, "call", "calendar.list")
    ids = [c["id"] for c in listed["calendars"]]
    assert "acme" in ids and "ru" in ids

    # OPORA_DB names the same file when --db is absent.
    via_env = ok_json("call", "calendar.list", env={"OPORA_DB": db})
    assert via_env == listed

    # ":memory:" (the default) does not see it.
    fresh = ok_json("call", "calendar.list")
    assert "acme" not in [c["id"] for c in fresh["calendars"]]


def test_db_flag_overrides_environment(tmp_path):
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    assert run("--db", a, "call", "calendar.load", json.dumps(acme_calendar())).returncode == 0
    listed = ok_json("--db", b, "call", "calendar.list", env={"OPORA_DB": a})
    assert "acme" not in [c["id"] for c in listed["calendars"]]


def test_open_failure_exits_1(tmp_path):
    missing = str(tmp_path / "no" / "such" / "dir" / "x.db")
    proc = run("--db", missing, "call", "meta.version")
    assert proc.returncode == 1
    assert proc.out == ""
    assert proc.err.startswith('opora: cannot open database "%s": ' % missing)
    assert re.search(r"\(OPORA_E[A-Z]+, -\d+\)", proc.err)


def test_not_a_database_file(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    proc = run("--db", str(junk), "--json", "call", "calendar.list")
    assert proc.returncode == 1
    error = json.loads(proc.err)
    assert error["code"] < 0 and error["name"].startswith("OPORA_E")


# ------------------------------------------------------------------ options --


def test_manual_clock_via_options():
    clock = ok_json("--option", "clock=manual", "--option", "now=2026-01-01",
                    "call", "clock.get")
    assert clock["mode"] == "manual"
    assert clock["today"] == "2026-01-01"
    assert clock["now"] == "2026-01-01T00:00:00Z"


def test_options_convert_numbers_and_keep_text():
    clock = ok_json("--option", "clock=manual", "--option=now=2026-01-01T22:30:00Z",
                    "--option", "utc_offset=+03:00", "--option", "busy_timeout_ms=100",
                    "--option", "synchronous=normal", "call", "clock.get")
    assert clock["today"] == "2026-01-02"  # 22:30Z is past midnight at +03:00
    assert clock["utc_offset"] == "+03:00"


def test_manual_clock_can_be_set():
    clock = ok_json("--option", "clock=manual", "--option", "now=2026-01-01",
                    "call", "clock.set", '{"now": "2026-11-23T10:00:00Z"}')
    assert clock["now"] == "2026-11-23T10:00:00Z"


def test_clock_set_on_system_clock_fails():
    proc = run("call", "clock.set", '{"now": "2026-11-23"}')
    assert proc.returncode == 1
    assert "OPORA_ESTATE, -13)" in proc.err


def test_bad_option_value_is_refused_by_the_library():
    proc = run("--option", "clock=sundial", "call", "clock.get")
    assert proc.returncode == 1
    assert proc.err.startswith("opora: cannot open database \":memory:\": ")
    assert "OPORA_EINVAL" in proc.err

    unknown = run("--json", "--option", "colour=blue", "call", "clock.get")
    assert unknown.returncode == 1
    assert json.loads(unknown.err)["code"] == -2

    as_text = run("--option", "busy_timeout_ms=abc", "call", "clock.get")
    assert as_text.returncode == 1  # "abc" travels as a string: wrongly typed


# ------------------------------------------------------------------- errors --


def test_malformed_json_fails_with_ejson():
    proc = run("call", "calendar.add_working_days", '{"calendar": "ru",')
    assert proc.returncode == 1
    assert proc.out == ""
    assert "OPORA_EJSON" in proc.err
    assert proc.err.startswith("opora: calendar.add_working_days failed: ")

    not_object = run("call", "meta.version", "[1, 2]")
    assert not_object.returncode == 1 and "OPORA_EJSON, -3)" in not_object.err


def test_malformed_json_from_stdin():
    proc = run("--json", "call", "meta.version", "-", input_text="{nope")
    assert proc.returncode == 1
    assert json.loads(proc.err)["name"] == "OPORA_EJSON"


def test_unknown_method():
    proc = run("call", "calendar.teleport", "{}")
    assert proc.returncode == 1
    assert proc.out == ""
    assert "OPORA_ENOMETHOD" in proc.err
    assert "(OPORA_ENOMETHOD, -12)" in proc.err.splitlines()[0]


def test_missing_field_is_named():
    proc = run("call", "calendar.add_working_days", '{"calendar": "ru", "date": "2025-12-30"}')
    assert proc.returncode == 1
    lines = proc.err.splitlines()
    assert lines[0] == ("opora: calendar.add_working_days failed: "
                        "invalid argument (OPORA_EINVAL, -2)")
    assert any(line.startswith("  days: ") and line.endswith("[required]") for line in lines[1:])


def test_wrong_type_names_field_and_rule():
    proc = run("call", "calendar.add_working_days",
               '{"calendar": "ru", "date": "2025-12-30", "days": "one"}')
    assert proc.returncode == 1
    assert re.search(r"^  days: .+ \[type\]$", proc.err, re.M), proc.err


def test_json_error_output_is_the_error_object():
    proc = run("--json", "call", "calendar.add_working_days",
               '{"calendar": "ru", "date": "2025-12-30", "days": "one"}')
    assert proc.returncode == 1
    assert proc.out == ""
    assert proc.err.count("\n") == 1 and proc.err.endswith("\n")
    error = json.loads(proc.err)
    assert error["code"] == -2
    assert error["name"] == "OPORA_EINVAL"
    assert [e["field"] for e in error["errors"]] == ["days"]
    assert error["errors"][0]["rule"] == "type"


def test_not_found_year():
    proc = run("call", "calendar.is_working_day", '{"calendar": "ru", "date": "1990-05-01"}')
    assert proc.returncode == 1
    assert "(OPORA_ENOTFOUND, -4)" in proc.err
    assert re.search(r"^  date: .+ \[calendar_year\]$", proc.err, re.M), proc.err


# ------------------------------------------------------------ usage errors --


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "missing COMMAND"),
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["call"], "call: missing METHOD"),
        (["call", "meta.version", "{}", "extra"], "call: unexpected argument 'extra'"),
        (["methods", "extra"], "unexpected argument 'extra'"),
        (["--option", "clock", "call", "clock.get"], "bad --option 'clock': expected KEY=VALUE"),
        (["--option", "=manual", "call", "clock.get"], "bad --option '=manual': expected KEY=VALUE"),
        (["--option"], "option --option needs a value"),
        (["--db"], "option --db needs a value"),
        (["--db", "", "version"], "--db needs a file name"),
        (["--verbose", "version"], "unknown option '--verbose'"),
        (["-x", "version"], "unknown option '-x'"),
        (["--json=yes", "version"], "unknown option '--json=yes'"),
    ],
)
def test_usage_errors_exit_2(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.out == ""
    assert proc.err == "opora: %s\n%s\n" % (message, USAGE_HINT)


def test_unreadable_stdin_is_a_usage_error():
    fd = os.open("/", os.O_RDONLY)  # reading a directory fails with EISDIR
    try:
        proc = run("call", "meta.version", "-", stdin=fd)
    finally:
        os.close(fd)
    assert proc.returncode == 2
    assert "cannot read the parameters from stdin" in proc.err
    assert USAGE_HINT in proc.err


def test_closed_stdin_is_a_usage_error():
    proc = subprocess.run([cli(), "call", "meta.version", "-"], capture_output=True,
                          env=clean_env(), preexec_fn=lambda: os.close(0), timeout=60)
    assert proc.returncode == 2
    assert b"cannot read the parameters from stdin" in proc.stderr


def test_unwritable_stdout_exits_1():
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([cli(), "call", "calendar.list"], stdout=full,
                              stderr=subprocess.PIPE, env=clean_env(), timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == b"opora: cannot write the output\n"


def test_nul_byte_in_params_is_a_usage_error():
    proc = run("call", "meta.version", "-", input_text='{}\0{"x": 1}')
    assert proc.returncode == 2
    assert "NUL" in proc.err


def test_double_dash_ends_options():
    proc = run("call", "--", "--json")
    assert proc.returncode == 1
    assert "OPORA_ENOMETHOD" in proc.err


# ----------------------------------------------------------------- UTF-8 --


def test_cyrillic_note_printed_intact():
    params = '{"calendar": "ru", "date": "2026-01-01"}'
    proc = run("call", "calendar.is_working_day", params)
    assert proc.returncode == 0, proc.err
    assert NEW_YEAR_NOTE in proc.out  # raw UTF-8, not \u escapes
    assert "\\u" not in proc.out
    result = json.loads(proc.out)
    assert result["working"] is False
    assert re.search("[а-яА-ЯёЁ]", result["note"])

    compact = run("--json", "call", "calendar.is_working_day", params)
    assert NEW_YEAR_NOTE in compact.out
    assert json.loads(compact.out) == result


def test_cyrillic_round_trip_through_a_file(tmp_path):
    db = str(tmp_path / "ru.db")
    note = "Ёлка: «день здоровья» — сокращённый"
    loaded = run("--db", db, "call", "calendar.load", json.dumps(acme_calendar(note),
                                                                  ensure_ascii=False))
    assert loaded.returncode == 0, loaded.err
    day = run("--db", db, "call", "calendar.is_working_day", "-",
              input_text='{"calendar": "acme", "date": "2026-03-02"}')
    assert day.returncode == 0, day.err
    assert note in day.out
    assert json.loads(day.out)["note"] == note

    # \u escapes in the input come back as plain UTF-8.
    escaped = run("--db", db, "call", "calendar.load", json.dumps(acme_calendar("Праздник")))
    assert escaped.returncode == 0, escaped.err
    day = run("--db", db, "call", "calendar.is_working_day",
              '{"calendar": "acme", "date": "2026-03-02"}')
    assert '"note": "Праздник"' in day.out


def test_cyrillic_in_error_messages():
    proc = run("call", "calendar.is_working_day", '{"calendar": "ру", "date": "2026-01-01"}')
    assert proc.returncode == 1
    assert proc.err.startswith("opora: calendar.is_working_day failed: ")


# ----------------------------------------------------------- never crash --


@pytest.mark.parametrize(
    "stdin_text",
    [
        "",
        "   ",
        "null",
        "\"text\"",
        "{\"calendar\": ",
        "[" * 100000,
        "{\"a\":" * 50000 + "1" + "}" * 50000,
        "\udcff\udcfe{}",
        "{\"calendar\": \"ru\", \"date\": \"2026-02-30\", \"days\": 99999999999999999999}",
        "{\"calendar\": \"ru\", \"date\": \"2026-01-01\", \"days\": -1e400}",
    ],
    ids=["empty", "blank", "null", "string", "truncated", "deep-array", "deep-object",
         "bad-utf8", "huge-int", "huge-float"],
)
def test_hostile_params_never_crash(stdin_text):
    data = stdin_text.encode("utf-8", "surrogateescape")
    proc = subprocess.run([cli(), "call", "calendar.add_working_days", "-"], input=data,
                          capture_output=True, env=clean_env(), timeout=60)
    assert proc.returncode in (0, 1), proc.stderr[-500:]
    if proc.returncode == 1:
        assert proc.stderr.startswith(b"opora: calendar.add_working_days failed: ")


@pytest.mark.parametrize(
    "method", ["", ".", "calendar.", "a" * 10000, "мета.версия", "meta.methods\n"],
    ids=["empty", "dot", "no-verb", "long", "cyrillic", "newline"])
def test_odd_method_names_never_crash(method):
    proc = run("call", method) if method else run("call", "--", method)
    assert proc.returncode in (1, 2)

"""The registry from the shell, as the issue spells the commands."""
import json
import subprocess

from cli_support import clean_env, cli


def run(db, *args, check=True):
    return subprocess.run([cli(), "--db", str(db), *args], capture_output=True, text=True,
                          env=clean_env(), check=check)


def test_registry_find_and_missing_with_friendly_flags(tmp_path):
    db = tmp_path / "r.db"
    docs = [{"kind": "contract", "date": "2026-11-01", "refs": ["bitrix24:deal:42"]},
            {"kind": "contract", "date": "2026-11-02", "refs": ["bitrix24:deal:43"]},
            {"kind": "act", "date": "2026-11-20", "refs": ["bitrix24:deal:43"]},
            {"kind": "act", "date": "2026-11-21", "refs": ["bitrix24:deal:44"]}]
    run(db, "registry", "put_many", "--documents", json.dumps(docs))
    out = run(db, "registry", "find", "--kind", "act", "--ref", "bitrix24:deal:43", "--json").stdout
    found = json.loads(out)["documents"]
    assert [d["number"] for d in found] == ["АКТ-2026-000001"]
    table = run(db, "registry", "find", "--kind", "act", "--ref", "bitrix24:deal:43").stdout
    assert "АКТ-2026-000001" in table and "number" in table.splitlines()[0]
    out = run(db, "registry", "missing", "--having", "contract", "--lacking", "act", "--json").stdout
    assert json.loads(out)["refs"] == ["bitrix24:deal:42"]


def test_a_refused_document_names_the_field_on_stderr(tmp_path):
    r = run(tmp_path / "r.db", "registry", "put", "--kind", "act", "--date", "2026-13-01", check=False)
    assert r.returncode == 1
    assert "OPORA_EINVAL" in r.stderr and "date" in r.stderr


def test_a_write_without_a_database_file_says_it_was_not_kept():
    env = clean_env()
    w = subprocess.run([cli(), "registry", "put", "--kind", "letter", "--date", "2026-11-20"],
                       capture_output=True, text=True, env=env, check=True)
    assert "in-memory database" in w.stderr and "--db FILE" in w.stderr
    r = subprocess.run([cli(), "calendar", "list"], capture_output=True, text=True, env=env, check=True)
    assert r.stderr == ""

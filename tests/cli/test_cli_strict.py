"""`opora call` reads params as every host does: strictly, and forgivingly where
hosts write differently (opora_db_call in opora.h). The binary comes from OPORA_CLI."""

import json

from cli_support import run


def call(db, method, params):
    return run("--db", str(db), "--json", "call", method, json.dumps(params)
               if not isinstance(params, str) else params)


def test_an_unknown_parameter_is_refused_with_the_name_it_meant(tmp_path):
    proc = call(tmp_path / "s.db", "billing.subscription.disconnect",
                {"subscription": 1, "dat": "2026-12-31"})
    assert proc.returncode == 1 and proc.out == ""
    error = json.loads(proc.err)
    assert error["name"] == "OPORA_EINVAL"
    assert error["errors"] == [{"field": "dat", "rule": "unknown_field",
                                "message": 'is not a known field; did you mean "date"?'}]


def test_amounts_as_json_numbers_and_a_midnight_date_are_accepted(tmp_path):
    db = tmp_path / "s.db"
    proc = call(db, "registry.put", '{"kind": "order", "date": "2026-01-15T00:00:00", '
                '"items": [{"name": "x", "quantity": 3, "price": 499.99, "vat_rate": 22}]}')
    assert proc.returncode == 0, proc.err
    doc = json.loads(proc.out)
    assert doc["date"] == "2026-01-15" and doc["totals"]["gross"] == "1499.97"
    proc = call(db, "registry.put", '{"kind": "order", "date": "2026-01-15", '
                '"items": [{"name": "x", "quantity": 1, "price": 0.30000000000000004, '
                '"vat_rate": 22}]}')
    assert proc.returncode == 1
    error = json.loads(proc.err)["errors"][0]
    assert (error["field"], error["rule"]) == ("items[0].price", "inexact_number")
    proc = call(db, "registry.put", {"kind": "letter", "date": "2026-01-15T18:00:00"})
    assert proc.returncode == 1
    assert json.loads(proc.err)["errors"][0]["rule"] == "date"


def test_null_for_an_optional_parameter_is_absent(tmp_path):
    db = tmp_path / "s.db"
    assert call(db, "registry.put", {"kind": "letter", "date": "2026-01-15"}).returncode == 0
    with_nulls = call(db, "registry.find", {"kind": None, "limit": None, "sort": None})
    assert with_nulls.returncode == 0, with_nulls.err
    assert with_nulls.out == call(db, "registry.find", {}).out
    assert call(db, "billing.account.list", {"limit": None}).returncode == 0

"""Strict, forgiving-where-it-should params, checked systematically: every method
and every member its parameter schema in meta.methods describes, at any depth.

- An unknown member is refused with OPORA_EINVAL, rule unknown_field, at its path.
- null for an optional member is the same call as leaving it out.
- A date member takes 1C's midnight date-time as the date and refuses any other time.
- A money, quantity, rate or percent member takes a JSON integer as its text, and a
  JSON number with a fraction as its shortest round-trip text (through the C ABI with
  ctypes: the Python binding itself refuses floats before the call).
- Wrongly typed input is OPORA_EINVAL naming the member, never OPORA_EINTERNAL.

Each call runs on a fresh in-memory database with a manual clock, so a call and its
twin (the same call with null, or with the date-time) must have the same outcome.
"""

from __future__ import annotations

import copy
import ctypes
import json
import os
from typing import Any, Iterator

import pytest

import opora

OPTIONS = {"clock": "manual", "now": "2026-01-15T09:00:00Z"}
SAMPLE_TEXT = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:00:00Z",
    "money": "1.00",
    "decimal": "1",
    "quantity": "1",
    "vat_rate": "22",
    "percent": "10",
    "currency": "RUB",
}
DECIMAL_FORMATS = ("money", "decimal", "quantity", "vat_rate", "percent")

with opora.open(":memory:") as _db:
    CATALOGUE = _db.methods()
METHODS = {m["name"]: m for m in CATALOGUE}


def types_of(schema: dict) -> list[str]:
    t = schema.get("type")
    return t if isinstance(t, list) else [t] if t else []


def main_type(schema: dict) -> str | None:
    kinds = [t for t in types_of(schema) if t != "null"]
    return kinds[0] if kinds else None


def is_closed_object(schema: dict) -> bool:
    return ("object" in types_of(schema) and schema.get("additionalProperties") is False
            and not schema.get("x-validated-by-method"))


def sample(schema: dict, kind: str | None = None) -> Any:
    """The smallest value the schema accepts (required members only), of `kind` if given."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = kind or main_type(schema)
    if kind == "string":
        return SAMPLE_TEXT.get(schema.get("format", ""), "x")
    if kind == "integer":
        return max(schema.get("minimum", 1), min(1, schema.get("maximum", 1)))
    if kind == "boolean":
        return False
    if kind == "array":
        return [sample(schema["items"])] * schema.get("minItems", 0)
    if kind == "object":
        props = schema.get("properties", {})
        return {k: sample(props[k]) for k in schema.get("required", []) if k in props}
    return "x"


def member_paths(schema: dict, path: tuple = ()) -> Iterator[tuple[tuple, dict, dict]]:
    """(path, member schema, parent object schema) of every member, at any depth."""
    if schema.get("x-validated-by-method"):
        return
    for key, sub in schema.get("properties", {}).items():
        if "x-alias-of" in sub:
            continue
        yield path + (key,), sub, schema
        yield from nested(sub, path + (key,))


def nested(schema: dict, path: tuple) -> Iterator[tuple[tuple, dict, dict]]:
    kind = main_type(schema)
    if kind == "object":
        yield from member_paths(schema, path)
    elif kind == "array" and isinstance(schema.get("items"), dict):
        yield from nested(schema["items"], path + (0,))


def object_paths(schema: dict, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """Every closed object a method's params may hold, the params themselves first."""
    if is_closed_object(schema):
        yield path, schema
    for member, sub, _ in member_paths(schema, path):
        if is_closed_object(sub):
            yield member, sub
        elif main_type(sub) == "array" and is_closed_object(sub.get("items") or {}):
            yield member + (0,), sub["items"]


def schema_at(schema: dict, path: tuple) -> dict:
    for step in path:
        schema = schema["items"] if isinstance(step, int) else schema["properties"][step]
    return schema


def params_with(method: dict, path: tuple, value: Any) -> dict:
    """Minimal valid params of `method` with `value` at `path` (containers created)."""
    schema = method["params"]
    params = sample(schema)
    node, node_schema = params, schema
    for i, step in enumerate(path):
        last = i == len(path) - 1
        child_schema = (node_schema["items"] if isinstance(step, int)
                        else node_schema["properties"][step])
        if last:
            if isinstance(step, int):
                node.append(value) if not node else node.__setitem__(0, value)
            else:
                node[step] = value
            break
        if isinstance(step, int):
            if not node:
                node.append(sample(child_schema))
            if "object" in types_of(child_schema) and not isinstance(node[0], dict):
                node[0] = sample(child_schema, "object")
            node = node[0]
        else:
            if not isinstance(node.get(step), (dict, list)):
                node[step] = sample(child_schema) if main_type(child_schema) != "array" else []
            node = node[step]
        node_schema = child_schema
    return params


def dotted(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + step
    return out


def outcome(method: str, params: dict) -> tuple:
    with opora.open(":memory:", **OPTIONS) as db:
        try:
            return ("ok", json.dumps(db.call(method, params), default=str, sort_keys=True))
        except opora.Error as e:
            return (type(e).__name__, e.code, json.dumps(e.field_errors, sort_keys=True))


CASES_MEMBERS = [(m["name"], path, sub, parent) for m in CATALOGUE
                 for path, sub, parent in member_paths(m["params"])]


def test_the_catalogue_is_covered():
    assert len(CATALOGUE) > 100 and len(CASES_MEMBERS) > 500


@pytest.mark.parametrize("name", sorted(METHODS))
def test_an_unknown_member_of_every_object_is_refused_at_its_path(name):
    method = METHODS[name]
    checked = 0
    for path, obj_schema in object_paths(method["params"]):
        value = sample(obj_schema, "object")
        value["zzq_unknown"] = 1
        params = params_with(method, path, value) if path else value
        with opora.open(":memory:", **OPTIONS) as db:
            with pytest.raises(opora.InvalidArgument) as e:
                db.call(name, params)
        field = dotted(path + ("zzq_unknown",))
        assert {"field": field, "rule": "unknown_field"} in [
            {"field": f["field"], "rule": f["rule"]} for f in e.value.field_errors], (name, field)
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("name", sorted(METHODS))
def test_null_for_every_optional_member_is_the_same_call_as_leaving_it_out(name):
    method = METHODS[name]
    for path, sub, parent in member_paths(method["params"]):
        if path[-1] in parent.get("required", []) or "null" in types_of(sub):
            continue
        if any(isinstance(step, int) for step in path) or len(path) > 1:
            # nested: the parent object comes from the sample, with and without the null
            base = params_with(method, path[:-1], sample(schema_at(method["params"], path[:-1])))
            with_null = copy.deepcopy(base)
            params_with_inplace(with_null, path, None)
        else:
            base = sample(method["params"])
            with_null = dict(base, **{path[0]: None})
        got, expected = outcome(name, with_null), outcome(name, base)
        assert got[0] != "InternalError", (name, dotted(path), got)
        assert got == expected, (name, dotted(path))


def params_with_inplace(params: dict, path: tuple, value: Any) -> None:
    node = params
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


DATE_MEMBERS = [(n, p) for n, p, s, _ in CASES_MEMBERS if s.get("format") == "date"]


def test_dates_are_found_in_many_methods():
    assert len({n for n, _ in DATE_MEMBERS}) > 20


@pytest.mark.parametrize("name,path", DATE_MEMBERS, ids=[f"{n}:{dotted(p)}" for n, p in DATE_MEMBERS])
def test_a_midnight_date_time_is_the_date_and_another_time_is_refused(name, path):
    method = METHODS[name]
    plain = params_with(method, path, "2026-01-15")
    midnight = params_with(method, path, "2026-01-15T00:00:00")
    assert outcome(name, midnight) == outcome(name, plain)
    for wrong, rule in (("2026-01-15T10:30:00", "date"), ("2026-02-30", "date"),
                        ("15.01.2026", "date")):
        with opora.open(":memory:", **OPTIONS) as db:
            with pytest.raises(opora.InvalidArgument) as e:
                db.call(name, params_with(method, path, wrong))
        assert {"field": dotted(path), "rule": rule} in [
            {"field": f["field"], "rule": f["rule"]} for f in e.value.field_errors]


DECIMAL_MEMBERS = [(n, p, s["format"]) for n, p, s, _ in CASES_MEMBERS
                   if s.get("format") in DECIMAL_FORMATS]


@pytest.mark.parametrize("name,path,fmt", DECIMAL_MEMBERS,
                         ids=[f"{n}:{dotted(p)}" for n, p, _ in DECIMAL_MEMBERS])
def test_a_json_integer_is_the_text_of_an_amount_rate_or_quantity(name, path, fmt):
    method = METHODS[name]
    assert outcome(name, params_with(method, path, 15)) == \
        outcome(name, params_with(method, path, "15"))


# ---------------------------------------------------------------- the C ABI --

class CApi:
    """The C ABI through ctypes, as a plain C client calls it: raw JSON text both ways."""

    def __init__(self) -> None:
        # The build tree's extension has loaded libopora.so.0; a pip-installed one links
        # the library in and exports no C ABI, so its test run names the library to load.
        lib = ctypes.CDLL(os.environ.get("OPORA_LIBRARY", "libopora.so.0"))
        lib.opora_db_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
                                      ctypes.c_char_p]
        lib.opora_db_call.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.POINTER(ctypes.c_void_p)]
        lib.opora_db_close.argtypes = [ctypes.c_void_p]
        lib.opora_free.argtypes = [ctypes.c_void_p]
        lib.opora_last_error_json.restype = ctypes.c_char_p
        self.lib = lib
        self.db = ctypes.c_void_p()
        assert lib.opora_db_open(ctypes.byref(self.db), b":memory:",
                                 json.dumps(OPTIONS).encode()) == 0

    def call(self, method: str, params_text: str) -> tuple[int, dict]:
        out = ctypes.c_void_p()
        code = self.lib.opora_db_call(self.db, method.encode(), params_text.encode(),
                                      ctypes.byref(out))
        if code != 0:
            return code, json.loads(self.lib.opora_last_error_json())
        text = ctypes.string_at(out.value).decode()
        self.lib.opora_free(out)
        return code, json.loads(text)

    def close(self) -> None:
        self.lib.opora_db_close(self.db)


@pytest.fixture
def capi():
    c = CApi()
    yield c
    c.close()


ACCOUNT = ('{"number": "100001", "holder": {"type": "person", "name": "Иванов Иван"}}')


@pytest.mark.parametrize("name,path,fmt", DECIMAL_MEMBERS,
                         ids=[f"{n}:{dotted(p)}" for n, p, _ in DECIMAL_MEMBERS])
def test_a_json_number_with_a_fraction_is_its_shortest_text_or_refused_as_inexact(name, path,
                                                                                   fmt):
    method = METHODS[name]
    fraction = "0.5" if fmt != "money" else "499.99"
    with_number = json.dumps(params_with(method, path, "@@")).replace('"@@"', fraction)
    with_text = json.dumps(params_with(method, path, fraction))
    runs = []
    for text in (with_number, with_text):
        c = CApi()
        runs.append(c.call(name, text))
        c.close()
    assert runs[0] == runs[1], (name, dotted(path))
    c = CApi()
    code, error = c.call(name, json.dumps(params_with(method, path, "@@")).replace(
        '"@@"', "0.30000000000000004"))
    c.close()
    assert code == -2 and {"field": dotted(path), "rule": "inexact_number"} in [
        {"field": f["field"], "rule": f["rule"]} for f in error["errors"]]


def test_1c_and_php_amounts_through_the_c_abi(capi):
    assert capi.call("billing.tariff.define", '{"tariff": "net", "name": "Net", "fee": 500}')[0] == 0
    assert capi.call("billing.account.put", ACCOUNT)[0] == 0
    code, paid = capi.call("billing.pay", '{"channel": "kaspi", "txn_id": "1", '
                                          '"account": "100001", "amount": 499.99}')
    assert code == 0 and paid["amount"] == "499.99"
    code, error = capi.call("billing.pay", '{"channel": "kaspi", "txn_id": "2", '
                                           '"account": "100001", "amount": 0.30000000000000004}')
    assert code == -2
    assert error["errors"][0]["field"] == "amount"
    assert error["errors"][0]["rule"] == "inexact_number"
    assert "0.30000000000000004" in error["errors"][0]["message"]
    assert '"0.3"' in error["errors"][0]["message"]
    code, error = capi.call("billing.pay", '{"channel": "kaspi", "txn_id": "3", '
                                           '"account": "100001", "amount": 1.005}')
    assert code == -2 and error["errors"][0]["rule"] == "money_scale"


def test_a_misspelt_parameter_never_changes_what_a_call_does(capi):
    # The story of the issue: dat= instead of date= cut a subscriber off today.
    capi.call("billing.tariff.define", '{"tariff": "net", "name": "Net", "fee": "500.00"}')
    capi.call("billing.account.put", ACCOUNT)
    code, sub = capi.call("billing.subscription.connect",
                          '{"account": "100001", "tariff": "net", "date": "2026-01-01"}')
    assert code == 0
    code, error = capi.call("billing.subscription.disconnect",
                            json.dumps({"subscription": sub["subscription"],
                                        "dat": "2026-12-31"}))
    assert code == -2 and error["name"] == "OPORA_EINVAL"
    assert error["errors"] == [{"field": "dat", "rule": "unknown_field",
                                "message": 'is not a known field; did you mean "date"?'}]
    code, subs = capi.call("billing.subscription.list", '{"account": "100001"}')
    assert code == 0 and "disconnected" not in json.dumps(subs)
    # registry.find with a misspelt filter does not return every document.
    capi.call("registry.put", '{"kind": "letter", "date": "2026-01-10"}')
    code, error = capi.call("registry.find", '{"knd": "act"}')
    assert code == -2 and error["errors"][0]["message"] == \
        'is not a known field; did you mean "kind"?'


def test_wrongly_typed_members_are_invalid_never_internal():
    bad_values = [0, -1, 1.5, True, "x", [], [1], {}, {"a": 1}, None, 2**70]
    internal = []
    c = CApi()  # one database: whatever the calls change, none may fail inside
    for name, path, sub, _ in CASES_MEMBERS:
        method = METHODS[name]
        for bad in bad_values:
            code, error = c.call(name, json.dumps(params_with(method, path, bad)))
            if code == -10:
                internal.append((name, dotted(path), bad, error["message"]))
    c.close()
    assert internal == []


# ------------------------------------------------------------- db.call --

def test_through_db_call_the_important_rules_hold():
    with opora.open(":memory:", **OPTIONS) as db:
        # An unknown member, with the name it most likely meant; also a ValueError.
        with pytest.raises(ValueError) as e:
            db.call("registry.put", kind="order", date="2026-01-15",
                    items=[{"name": "x", "qty": 2, "price": 10, "vat_rate": 22}])
        assert isinstance(e.value, opora.InvalidArgument)
        assert {"field": "items[0].qty", "rule": "unknown_field",
                "message": 'is not a known field; did you mean "quantity"?'} in e.value.field_errors
        # Amounts, quantities and rates as integers; 1C's midnight date.
        doc = db.call("registry.put", kind="order", date="2026-01-15T00:00:00",
                      items=[{"name": "x", "quantity": 2, "price": 500, "vat_rate": 22}])
        assert str(doc["date"]) == "2026-01-15"
        assert str(doc["totals"]["gross"]) == "1000.00"
        # Any other time of day is refused for a date.
        with pytest.raises(opora.InvalidArgument) as e:
            db.call("registry.put", kind="letter", date="2026-01-15T12:00:00")
        assert e.value.field_errors[0]["rule"] == "date"
        # null for an optional member is absent, in every method.
        assert db.call("registry.find", kind=None, limit=None) == db.call("registry.find")
        assert db.call("workflow.tick", now=None, limit=None)["fired"] == 0
        # Floats stay refused by the binding: Decimal or str carry exact amounts.
        with pytest.raises(TypeError):
            db.call("billing.pay", channel="kaspi", txn_id="1", account="1", amount=0.5)


def test_a_registry_get_result_goes_back_as_it_came_and_read_only_members_are_checked():
    with opora.open(":memory:", **OPTIONS) as db:
        put = db.call("registry.put", kind="order", date="2026-01-15",
                      items=[{"name": "x", "quantity": "1", "price": "10.00", "vat_rate": "22"}])
        doc = db.call("registry.get", document=put["id"])
        doc["notes"] = "changed"
        assert db.call("registry.put", doc)["notes"] == "changed"  # version 1 was current
        with pytest.raises(opora.Conflict):  # a stale copy: version is now 2
            db.call("registry.put", doc)
        fresh = db.call("registry.get", document=put["id"])
        fresh["deleted"] = True
        with pytest.raises(opora.ValidationError) as e:
            db.call("registry.put", fresh)
        assert e.value.field_errors[0]["field"] == "deleted"
        assert e.value.field_errors[0]["rule"] == "read_only"
        fresh = db.call("registry.get", document=put["id"])
        fresh["totals"]["vat_by_rate"][0]["vat"] = "0.01"
        with pytest.raises(opora.ValidationError) as e:
            db.call("registry.put", fresh)
        assert e.value.field_errors[0]["field"] == "totals.vat_by_rate"
        copy_of = db.call("registry.get", document=put["id"])
        del copy_of["id"]
        # With its uid, the copy names the same document and changes it.
        assert db.call("registry.put", copy_of)["id"] == put["id"]
        del copy_of["uid"]
        with pytest.raises(opora.ValidationError) as e:
            db.call("registry.put", copy_of)
        assert {(f["field"], f["rule"]) for f in e.value.field_errors} >= {
            ("version", "read_only"), ("created_at", "read_only"), ("files", "read_only")}


def test_an_error_lists_each_distinct_problem_once_and_is_bounded():
    # calendar.load with a 10,000-entry weekend list answered a 1 MB message.
    with opora.open(":memory:", **OPTIONS) as db:
        for weekend in (["mon"] * 10000, ["xx"] * 10000, [1] * 10000):
            with pytest.raises(opora.InvalidArgument) as e:
                db.call("calendar.load", calendar={"id": "c", "weekend": weekend, "years": []})
            assert len(e.value.field_errors) == 10
            assert len(e.value.message) < 2000
            assert "more problems not listed" in e.value.message
        with pytest.raises(opora.InvalidArgument) as e:
            db.call("registry.put_many", documents=[{"kind": "letter", "date": "2026-13-01",
                                                     "dat": "x"}] * 5000)
        assert len(e.value.field_errors) == 20  # ten of each distinct problem
        assert len(json.dumps(e.value.field_errors)) < 5000

"""One thing, one name, in every method's parameters (meta.methods).

- A parameter that names one of our entities uses the name its get method takes
  (`document` as registry.get, `packet` as edo.packet.get, ...): no method may take a
  bare `id`, `code` or `number`, or an `*_id` of ours, for it.
- A page's continuation is `after` everywhere.
- An old name (x-alias-of) is the same call as the new one this release, and giving
  both is refused with OPORA_EINVAL, rule alias_conflict, at the old name.

Each call runs on a fresh in-memory database with a manual clock, so a call and its
twin must have the same outcome.
"""

from __future__ import annotations

import json

import pytest

import opora

OPTIONS = {"clock": "manual", "now": "2026-01-15T09:00:00Z"}

with opora.open(":memory:") as _db:
    CATALOGUE = _db.methods()
METHODS = {m["name"]: m for m in CATALOGUE}

# The entity each get method returns, by the one parameter it takes.
GETTERS = {
    "registry.get": "document",
    "registry.file.get": "file",
    "billing.account.get": "account",
    "edo.party.get": "party",
    "edo.packet.get": "packet",
    "workflow.get": "instance",
    "catalog.product.get": "product",
}

# Top-level parameters that are a record's own fields, as its get returns them
# (registry.put takes a document as registry.get gives it).
OWN_FIELDS = {
    "registry.put": {"id", "number", "basis_id"},
}

# Ids that are not ours: the bank's, the operator's, the host's.
FOREIGN_IDS = {"txn_id", "event_id", "message_id", "operator_document_id", "custom_document_id",
               "participant_id", "box_id"}

SAMPLE = {"date": "2026-01-15", "date-time": "2026-01-15T09:00:00Z", "money": "1.00",
          "decimal": "1", "quantity": "1", "vat_rate": "22", "percent": "10",
          "currency": "RUB"}


def current_params(method: dict) -> dict:
    props = method["params"].get("properties", {})
    return {k: v for k, v in props.items() if "x-alias-of" not in v}


def aliases(method: dict) -> dict:
    props = method["params"].get("properties", {})
    return {k: v["x-alias-of"] for k, v in props.items() if "x-alias-of" in v}


def sample(schema: dict):
    if "enum" in schema:
        return schema["enum"][0]
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds:
        return max(1, schema.get("minimum", 1))
    if "boolean" in kinds:
        return False
    if "object" in kinds:
        return {}
    if "array" in kinds:
        return []
    return SAMPLE.get(schema.get("format", ""), "x")


def outcome(method: str, params: dict) -> tuple:
    with opora.open(":memory:", **OPTIONS) as db:
        try:
            return ("ok", json.dumps(db.call(method, params), default=str, sort_keys=True))
        except opora.Error as e:
            return (type(e).__name__, e.code, json.dumps(e.field_errors, sort_keys=True))


ALIASES = [(m["name"], old, new) for m in CATALOGUE for old, new in aliases(m).items()]


def test_each_get_takes_its_entity_by_its_name():
    for getter, name in GETTERS.items():
        assert METHODS[getter]["params"].get("required") == [name], getter


@pytest.mark.parametrize("name", sorted(METHODS))
def test_no_method_names_one_of_our_entities_by_id_code_or_number(name):
    own = OWN_FIELDS.get(name, set())
    for key in current_params(METHODS[name]):
        if key in own or key in FOREIGN_IDS:
            continue
        assert key not in {"id", "code", "number"}, (
            f"{name}({key}): name the entity ({', '.join(sorted(set(GETTERS.values())))})")
        assert not key.endswith("_id"), f"{name}({key}): one of ours is named without _id"


@pytest.mark.parametrize("name", sorted(METHODS))
def test_a_page_continues_with_after(name):
    for key, schema in current_params(METHODS[name]).items():
        # (edo.event.apply's cursor is the operator's polling position, not a page of ours.)
        if "previous page" in schema.get("description", "") or key == "after_id":
            assert key == "after", f"{name}({key})"


def test_the_renamed_parameters_are_the_documented_ones():
    # docs/API.md's "Renamed parameters" lists these; a new alias is a conscious change.
    assert len(ALIASES) == 24


@pytest.mark.parametrize("name,old,new", ALIASES)
def test_an_old_name_is_the_same_call_as_the_new_one(name, old, new):
    method = METHODS[name]
    props = current_params(method)
    base = {k: sample(props[k]) for k in method["params"].get("required", []) if k != new}
    value = sample(props[new])
    by_new = outcome(name, {**base, new: value})
    by_old = outcome(name, {**base, old: value})
    assert by_old == by_new


@pytest.mark.parametrize("name,old,new", ALIASES)
def test_the_old_and_the_new_name_together_are_refused(name, old, new):
    method = METHODS[name]
    props = current_params(method)
    value = sample(props[new])
    with opora.open(":memory:", **OPTIONS) as db:
        with pytest.raises(opora.InvalidArgument) as caught:
            db.call(name, {old: value, new: value})
    assert {"field": old, "rule": "alias_conflict"} in [
        {"field": fe["field"], "rule": fe["rule"]} for fe in caught.value.field_errors]

"""A member a method always needs is in its schema's ``required``, so leaving it out is a
malformed request (OPORA_EINVAL, rule ``required``) in every method alike.

Found by calling every method with ``{}``: ``billing.tariff.define`` answered
OPORA_EVALIDATION for its missing code, name and fee while its schema required nothing,
and ``billing.organization.put`` refused a type nobody sent. A member needed only in some
cases (a new document's ``kind``, not an update's) is a business rule and may stay
OPORA_EVALIDATION; those are listed here with the case that makes them needed.
"""

from __future__ import annotations

import pytest

import opora

# method -> the top-level members it needs only in some cases, and when.
CONDITIONAL = {
    "registry.put": {"kind"},  # a new document; an update (with `id`) keeps its kind
}


def _methods():
    with opora.Database(":memory:") as db:
        return db.call("meta.methods")["methods"]


@pytest.mark.parametrize("method", _methods(), ids=lambda m: m["name"])
def test_leaving_out_an_always_needed_member_is_einval_required(method):
    declared = set(method["params"].get("required") or [])
    with opora.Database(":memory:") as db:
        try:
            db.call(method["name"], {})
        except opora.Error as e:
            top = [f for f in e.field_errors if f["rule"] == "required"
                   and "." not in f["field"] and "[" not in f["field"]]
            # OPORA_EINVAL is the code for a missing member (one of a group, too:
            # registry.import's path or jsonl); any other code must not say required.
            if e.code != -2:
                undeclared = {f["field"] for f in top} - CONDITIONAL.get(method["name"], set())
                assert not undeclared, (
                    f"{method['name']} needs {sorted(undeclared)} always but its schema does "
                    f"not require them: {e.message}")
        else:
            assert not declared, f"{method['name']} accepted {{}} but requires {declared}"

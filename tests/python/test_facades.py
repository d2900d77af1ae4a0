"""Module facades: db.calendar.add_working_days(...) for db.call("calendar.add_working_days", ...).

``db.calendar`` is the typed facade generated into opora.modules; ``opora.Module``
is the dynamic facade built from meta.methods at run time (what a module of a
newer library gets). These tests use methods that exist in the library
(calendar.*, requisites.validate, clock.*, meta.*; registry.* where a three-part
name is needed). test_modules.py checks the generated classes against the table.
"""

from __future__ import annotations

import datetime
import decimal
import inspect
import pydoc
import typing

import pytest

import opora
from conftest import VALID_INN, acme_calendar


def names(db):
    return [m["name"] for m in db.methods()]


def modules(db):
    return sorted({n.split(".")[0] for n in names(db)})


# ---------------------------------------------------------------- calling --


def test_calendar_method_returns_a_date(db):
    result = db.calendar.add_working_days(calendar="ru", date=datetime.date(2025, 12, 30), days=1)
    assert result == {"date": datetime.date(2026, 1, 12)}
    assert isinstance(result["date"], datetime.date)
    # same as Database.call, and as the dynamic facade with a mapping, keywords, or both
    dynamic = opora.Module(db, "calendar.add_working_days")
    assert dynamic({"calendar": "ru", "date": "2025-12-30"}, days=1) == (
        db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=1)
    ) == db.calendar.add_working_days(calendar="ru", date="2025-12-30", days=1)


def test_requisites_validate(db):
    assert db.requisites.validate(inn=VALID_INN) == {"valid": True, "errors": []}
    bad = db.requisites.validate(inn="7707083894")
    assert bad["valid"] is False and bad["errors"][0]["field"] == "inn"


def test_clock_results_are_converted(manual_db):
    instant = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.timezone.utc)
    now = manual_db.clock.set(now=instant)
    assert now["now"] == instant
    assert manual_db.clock.get()["today"] == datetime.date(2026, 3, 1)


def test_meta_methods_and_version(db):
    assert db.meta.methods()["methods"] == db.methods()
    assert db.meta.version()["version"] == opora.__version__


def test_mutating_method_through_a_facade(db):
    assert db.calendar.load(calendar=acme_calendar()) == {"id": "acme", "years": [2026]}
    day = db.calendar.is_working_day(calendar="acme", date=datetime.date(2026, 1, 2))
    assert day["working"] is False and day["note"] == "closed"


def test_errors_are_the_same_as_from_call(db):
    with pytest.raises(opora.InvalidArgument) as e:
        db.calendar.add_working_days(calendar="ru", date="2026-02-30", days=1)
    assert e.value.field_errors[0]["field"] == "date"
    with pytest.raises(TypeError, match="float"):
        db.calendar.add_working_days(calendar="ru", date="2026-01-01", days=1.5)
    with pytest.raises(TypeError, match="given both"):
        opora.Module(db, "calendar.add_working_days")(
            {"days": 1}, days=2, calendar="ru", date="2026-01-01")
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'days'"):
        db.calendar.add_working_days(calendar="ru", date="2026-01-01")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'dayz'"):
        db.calendar.add_working_days(calendar="ru", date="2026-01-01", days=1,
                                     dayz=2)  # type: ignore[call-arg]


def test_keyword_named_parameter_takes_a_trailing_underscore(db):
    between = db.calendar.working_days_between(
        calendar="ru", from_=datetime.date(2026, 1, 1), to=datetime.date(2026, 1, 31)
    )
    assert between == {"days": 15, "hours": 120}
    assert between == opora.Module(db, "calendar.working_days_between")(
        {"from": "2026-01-01"}, calendar="ru", to="2026-01-31"
    )
    assert between == opora.Module(db, "calendar.working_days_between")(
        calendar="ru", from_="2026-01-01", to="2026-01-31"
    )
    sig = inspect.signature(db.calendar.working_days_between)
    assert "from_" in sig.parameters and "from" not in sig.parameters


def test_three_part_names(db):
    assert "registry.number.next" in names(db)
    preview = db.registry.number.next(kind="act", date=datetime.date(2026, 5, 1))
    assert preview["kind"] == "act" and "2026" in preview["number"]
    assert db.registry is db.registry  # one facade per module and database
    assert isinstance(db.registry.number, opora.modules.RegistryNumber)
    dynamic = opora.Module(db, "registry")
    assert dynamic.number.next is dynamic.number.next  # the dynamic ones are cached too


def test_a_module_is_not_callable(db):
    with pytest.raises(TypeError, match="'Calendar' object is not callable"):
        db.calendar()  # type: ignore[operator]
    with pytest.raises(TypeError,
                       match=r"'calendar' is not a method; its methods: .*add_working_days"):
        opora.Module(db, "calendar")()


# ------------------------------------------------------------- resolution --


def test_unknown_module_lists_the_known_ones(db):
    with pytest.raises(AttributeError) as e:
        db.calender  # noqa: B018
    message = str(e.value)
    assert "'calender'" in message and "did you mean 'calendar'" in message
    for module in modules(db):
        assert module in message
    assert e.value.name == "calender" and e.value.obj is db
    assert not hasattr(db, "teleporter")


def test_unknown_method_names_near_matches(db):
    with pytest.raises(AttributeError, match=r"'calendar' has no method 'add_workin_days'"
                                             r" \(did you mean 'add_working_days'\?\)"):
        db.calendar.add_workin_days  # noqa: B018
    with pytest.raises(AttributeError) as e:
        db.calendar.zzz  # noqa: B018
    assert "list" in str(e.value) and "is_working_day" in str(e.value)  # what there is
    with pytest.raises(AttributeError, match="'calendar.list' has no attribute 'x'"):
        opora.Module(db, "calendar").list.x  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'x'"):
        db.calendar.list.x  # type: ignore[attr-defined]  # noqa: B018


def test_private_and_dunder_names_are_not_looked_up(db):
    with pytest.raises(AttributeError):
        db._nothing  # noqa: B018
    with pytest.raises(AttributeError):
        db.calendar.__wrapped__  # noqa: B018
    assert not hasattr(db.calendar.list, "_repr_html_")


def test_database_attributes_come_first(db):
    assert db.methods() == db.call("meta.methods")["methods"]  # a method, not a module
    assert isinstance(db.version(), dict)
    assert db.path.endswith("opora.db") and db.closed is False
    assert callable(db.call) and callable(db.close)


def test_facades_after_close(db_path):
    handle = opora.open(db_path)
    handle.close()
    with pytest.raises(opora.InvalidState):
        handle.calendar.list()  # the typed facade exists, the call is refused
    with pytest.raises(opora.InvalidState):
        handle.calendr  # noqa: B018  (an unknown name needs the catalogue, gone now)
    assert "close" in dir(handle)

    handle = opora.open(db_path)
    facade = handle.calendar.list
    handle.close()
    with pytest.raises(opora.InvalidState):
        facade()


# ---------------------------------------------------------- introspection --


def test_dir_lists_modules_and_methods(db):
    listing = dir(db)
    for module in modules(db):
        assert module in listing
    assert {"call", "close", "methods", "version", "path", "closed"} <= set(listing)
    calendar = [n for n in names(db) if n.startswith("calendar.")]
    assert {n.split(".")[1] for n in calendar} <= set(dir(db.calendar))
    assert "number" in dir(db.registry) and "next" in dir(db.registry.number)
    assert "import_" in dir(db.registry) and "import" not in dir(db.registry)
    assert "teleport" not in dir(db.calendar)


def test_help_shows_summary_and_params(db):
    entry = next(m for m in db.methods() if m["name"] == "calendar.add_working_days")
    doc = db.calendar.add_working_days.__doc__
    assert doc.startswith("calendar.add_working_days: " + entry["summary"])
    for param in entry["params"]["properties"]:
        assert f"    {param} (" in doc
    days = entry["params"]["properties"]["days"]
    assert f"days (int {days['minimum']}..{days['maximum']}; required)" in doc
    assert "one of " + ", ".join(entry["params"]["properties"]["fallback"]["enum"]) in doc
    assert "Returns a dict with date (datetime.date)." in doc

    text = pydoc.render_doc(db.calendar.add_working_days, renderer=pydoc.plaintext)
    assert entry["summary"] in text
    assert entry["params"]["properties"]["calendar"]["description"] in text

    module_text = pydoc.render_doc(db.calendar, renderer=pydoc.plaintext)
    for name in (n for n in names(db) if n.startswith("calendar.")):
        assert name.split(".")[1] in module_text
    assert entry["summary"] in module_text


def test_typed_signature_follows_the_schema(db):
    entry = next(m for m in db.methods() if m["name"] == "calendar.add_working_days")
    sig = inspect.signature(db.calendar.add_working_days, eval_str=True)
    params = sig.parameters
    assert list(params) == list(entry["params"]["properties"])
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert params["days"].annotation is int
    assert params["days"].default is inspect.Parameter.empty  # required
    assert params["fallback"].default is opora.facades.OMITTED
    assert params["date"].annotation == (datetime.date | str)
    assert sig.return_annotation == dict[str, typing.Any]
    # the one required parameter comes first and may be positional
    run = inspect.signature(db.billing.run, eval_str=True).parameters
    assert run["period"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    enum = entry["params"]["properties"]["fallback"]["enum"]
    assert params["fallback"].annotation == typing.Literal[tuple(enum)]


def test_dynamic_signature_is_built_from_the_schema(db):
    entry = next(m for m in db.methods() if m["name"] == "calendar.add_working_days")
    sig = inspect.signature(opora.Module(db, "calendar.add_working_days"))
    params = sig.parameters
    assert list(params) == ["params", *entry["params"]["properties"]]
    assert params["params"].kind is inspect.Parameter.POSITIONAL_ONLY
    assert params["days"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["days"].annotation is int
    assert params["days"].default is inspect.Parameter.empty  # required
    assert params["fallback"].default is not inspect.Parameter.empty
    assert params["date"].annotation == (datetime.date | str)
    money = inspect.signature(opora.Module(db, "registry.find")).parameters["min_amount"]
    assert money.annotation == (decimal.Decimal | str)


def test_repr(db):
    assert repr(db.calendar) == "<opora module calendar>"
    assert repr(opora.Module(db, "calendar.list")) == "<opora method calendar.list>"
    assert repr(opora.Module(db, "calendar")).startswith("<opora module calendar: add_working_days")


def test_module_classes_are_exported(db):
    assert isinstance(db.calendar, opora.modules.Calendar)
    assert isinstance(db.calendar, opora.Facade)
    assert isinstance(opora.Module(db, "calendar").list, opora.Module)
    assert {"Facade", "Module"} <= set(opora.__all__)


def test_a_method_unknown_to_the_package_is_reached_dynamically(db, monkeypatch):
    # as if the library had a method this package's opora.modules does not list
    monkeypatch.delattr(opora.modules.Calendar, "list")
    assert db.calendar.list()["calendars"] == db.call("calendar.list")["calendars"]
    assert isinstance(db.calendar.list, opora.Module)
    monkeypatch.delitem(opora.modules.MODULES, "requisites")
    with opora.open(db.path) as other:
        assert isinstance(other.requisites, opora.Module)
        assert other.requisites.validate(inn=VALID_INN)["valid"] is True

"""Python values to JSON and back: exact types only, dates and money by schema.

A calendar's ``name`` is stored and returned as given, so calendar.load followed
by calendar.list echoes how a parameter value travelled over the C ABI.
"""

from __future__ import annotations

import datetime
import decimal
import enum

import pytest

import opora
from conftest import UTC, acme_calendar

D = decimal.Decimal


def echo(db, value):
    """Sends `value` as a calendar name and returns the name the library stored."""
    doc = acme_calendar()
    doc["name"] = value
    db.call("calendar.load", calendar=doc)
    (acme,) = [c for c in db.call("calendar.list")["calendars"] if c["id"] == "acme"]
    return acme["name"]


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (D("1234.56"), "1234.56"),
        (D("1.50"), "1.50"),
        (D("-0.01"), "-0.01"),
        (D("1E+3"), "1000"),
        (D("1.2E-7"), "0.00000012"),
        (D("12345678901234567890.12"), "12345678901234567890.12"),
        (D(0), "0"),
    ],
)
def test_decimal_travels_as_a_plain_notation_string(db, value, wire):
    assert echo(db, value) == wire


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity"), D("sNaN")])
def test_non_finite_decimal_is_refused(db, value):
    with pytest.raises(ValueError, match=r"params\.calendar\.name"):
        echo(db, value)


def test_date_travels_as_iso_text(db):
    assert echo(db, datetime.date(2026, 1, 2)) == "2026-01-02"
    assert echo(db, datetime.date(1900, 3, 4)) == "1900-03-04"


def test_aware_datetime_travels_as_utc_text(db):
    msk = datetime.timezone(datetime.timedelta(hours=3))
    assert echo(db, datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
    assert echo(db, datetime.datetime(2026, 1, 1, 1, 0, 0, tzinfo=msk)) == "2025-12-31T22:00:00Z"
    # opora keeps time to the second
    late = datetime.datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)
    assert echo(db, late) == "2026-01-02T03:04:05Z"


def test_naive_datetime_is_refused(manual_db):
    with pytest.raises(ValueError, match=r"params\.now.*naive"):
        manual_db.call("clock.set", now=datetime.datetime(2026, 1, 1, 12, 0))


@pytest.mark.parametrize(
    "text",
    [
        "Производственный календарь",
        'quotes " and \\ backslashes',
        "control\n\t\r\b\f\x01\x1f chars",
        "emoji \U0001F600 and \u2028 separators",
    ],
)
def test_strings_round_trip_exactly(db, text):
    assert echo(db, text) == text


def test_lone_surrogate_is_refused(db):
    with pytest.raises(UnicodeEncodeError):
        echo(db, "bad \ud800")


def test_float_param_is_a_type_error_naming_the_key_and_the_fix(db):
    with pytest.raises(TypeError) as e:
        db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=1.5)
    msg = str(e.value)
    assert "params.days" in msg
    assert "Decimal" in msg and "str" in msg
    assert "money" in msg


def test_float_deep_inside_names_the_whole_path(db):
    doc = acme_calendar()
    doc["years"][0]["days"].append({"date": "2026-01-05", "kind": "shortened", "hours": 7.5})
    with pytest.raises(TypeError, match=r"params\.calendar\.years\[0\]\.days\[1\]\.hours"):
        db.call("calendar.load", calendar=doc)


def test_float_in_open_options_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match=r"options\.busy_timeout_ms"):
        opora.open(tmp_path / "x.db", busy_timeout_ms=1000.0)


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(b"bytes", "bytes"), ({1, 2}, "set"), (object(), "object"), (1 + 2j, "complex")],
)
def test_values_without_an_exact_json_form_are_type_errors(db, value, type_name):
    with pytest.raises(TypeError, match=rf"params\.inn: cannot convert {type_name}"):
        db.call("requisites.validate", inn=value)


def test_non_str_dict_keys_are_type_errors(db):
    with pytest.raises(TypeError, match="keys must be str"):
        db.call("calendar.load", calendar={"id": "acme", 2026: "x", "years": []})


def test_reference_cycles_are_refused(db):
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="deeper"):
        db.call("requisites.validate", inn="7707083893", extra=loop)


def test_tuples_are_arrays(db):
    doc = acme_calendar()
    doc["weekend"] = ("fri", "sat")
    doc["years"] = tuple(doc["years"])
    assert db.call("calendar.load", calendar=doc) == {"id": "acme", "years": [2026]}
    # Friday 2026-01-09 is a weekend day in this calendar
    r = db.call("calendar.is_working_day", calendar="acme", date="2026-01-09")
    assert r["kind"] == "weekend"


EVERY_JSON_TYPE = {
    "none": None,
    "flags": [True, False],
    "big": 2**70,
    "small": -(2**63),
    "money": D("1.1"),
    "day": datetime.date(2026, 1, 1),
    "nested": {"a": [{"b": ()}]},
}


def test_every_json_type_is_accepted_in_a_free_form_field(db):
    r = db.call("events.post", type="deal.changed", key="bitrix24:deal:1", data=EVERY_JSON_TYPE)
    assert r["duplicate"] is False


def test_every_json_type_in_an_unknown_field_is_refused_naming_it(db):
    with pytest.raises(opora.InvalidArgument) as e:
        db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=1,
                extra=EVERY_JSON_TYPE)
    assert e.value.field_errors == [{"field": "extra", "rule": "unknown_field",
                                     "message": e.value.field_errors[0]["message"]}]
    assert "calendar, fallback, allow_provisional, date, days" in e.value.message


def test_bool_is_not_taken_for_an_integer(db):
    with pytest.raises(opora.InvalidArgument) as e:
        db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=True)
    assert e.value.field_errors[0]["rule"] == "type"


def test_int_subclasses_travel_as_their_value(db):
    class Days(enum.IntEnum):
        ONE = 1

    r = db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=Days.ONE)
    assert r["date"] == datetime.date(2026, 1, 12)


def test_decimal_and_date_params_are_accepted_by_methods(db):
    r = db.call(
        "calendar.add_working_days",
        {"calendar": "ru", "date": datetime.date(2025, 12, 30), "days": 1},
    )
    assert r["date"] == datetime.date(2026, 1, 12)
    order = db.call("registry.put", kind="order", date=datetime.date(2025, 12, 30),
                    items=[{"name": "x", "quantity": D("1.5"), "price": D("0.10"),
                            "vat_rate": D("22")}])
    assert order["totals"]["gross"] == D("0.15")


def test_results_keep_plain_json_types(db):
    cals = db.call("calendar.list")["calendars"]
    ru = next(c for c in cals if c["id"] == "ru")
    assert type(ru["id"]) is str and type(ru["name"]) is str
    assert all(type(y) is int for y in ru["years"])
    assert ru["builtin"] is True
    v = db.call("meta.version")
    assert type(v["version"]) is str and type(v["version_number"]) is int


def test_result_dates_and_date_times_follow_the_schema(manual_db):
    r = manual_db.call("clock.get")
    assert type(r["now"]) is datetime.datetime and r["now"].utcoffset() == datetime.timedelta(0)
    assert type(r["today"]) is datetime.date
    assert type(r["utc_offset"]) is str  # a string without a format stays a string
    assert type(r["mode"]) is str


def test_text_that_looks_like_a_date_stays_text_without_a_format(db):
    assert echo(db, "2026-01-02") == "2026-01-02"


def test_meta_methods_result_is_plain(db):
    methods = db.call("meta.methods")["methods"]
    assert all(type(m["name"]) is str for m in methods)


def test_conversion_follows_maps_arrays_and_nested_objects_and_spares_verbatim_values():
    # The walk a result schema drives, on a schema of every shape at once: a map
    # (additionalProperties), arrays of objects in objects, a nullable date, and a
    # value handed back as given.
    convert = opora._compile({"type": "object", "properties": {
        "by_currency": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "on": {"type": ["string", "null"], "format": "date"},
                "amount": {"type": "string", "format": "money"}}}}}}},
        "at": {"type": "string", "format": "date-time"},
        "old": {"type": "string", "format": "money", "x-verbatim": True}}})
    assert convert is not None
    result = convert({"by_currency": {"RUB": {"rows": [{"on": "2026-01-31", "amount": "10.50"},
                                                      {"on": None, "amount": "-1"}]},
                                      "KZT": {"rows": []}},
                      "at": "2026-01-31T21:00:00+03:00", "old": "10.50"})
    assert result == {"by_currency": {"RUB": {"rows": [
        {"on": datetime.date(2026, 1, 31), "amount": D("10.50")},
        {"on": None, "amount": D("-1")}]}, "KZT": {"rows": []}},
        "at": datetime.datetime(2026, 1, 31, 18, tzinfo=UTC), "old": "10.50"}


def test_the_ledger_and_the_ageing_give_decimals_and_dates(manual_db):
    db = manual_db
    db.billing.tariff.define(tariff="t", name="T", fee="100.00")
    db.billing.account.put(account="A-1", holder={"type": "person", "name": "Иванов Иван"})
    db.billing.subscription.connect(account="A-1", tariff="t", date="2025-11-01")
    db.billing.run("2025-11")
    db.billing.pay(channel="cash", txn_id="1", account="A-1", amount="40.00",
                   txn_date="2025-11-20")
    entries = db.billing.ledger(account="A-1")["entries"]
    assert [(e["entry"], e["date"], e["amount"]) for e in entries] == [
        ("accrual", datetime.date(2025, 11, 1), D("100.00")),
        ("payment", datetime.date(2025, 11, 20), D("40.00"))]
    [rub] = db.billing.ageing(date="2026-01-01")["ageing"]
    assert rub["buckets"] == {"not_due": D("0.00"), "0-30": D("0.00"), "31-60": D("60.00"),
                              "61-90": D("0.00"), "90+": D("0.00")}
    assert rub["total"] == D("60.00")
    [run] = db.billing.run.list()["runs"]
    assert run["totals"][0]["amount"] == D("100.00")
    assert isinstance(run["finished_at"], datetime.datetime)

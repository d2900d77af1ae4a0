"""Failed calls raise one opora.Error subclass per status code, with field errors."""

from __future__ import annotations

import pickle

import pytest

import opora

EXPECTED_CODES = {
    opora.Error: (-1, "OPORA_ERROR"),
    opora.InvalidArgument: (-2, "OPORA_EINVAL"),
    opora.MalformedJSON: (-3, "OPORA_EJSON"),
    opora.NotFound: (-4, "OPORA_ENOTFOUND"),
    opora.Conflict: (-5, "OPORA_ECONFLICT"),
    opora.ValidationError: (-6, "OPORA_EVALIDATION"),
    opora.Busy: (-7, "OPORA_EBUSY"),
    opora.StorageError: (-8, "OPORA_EIO"),
    opora.Corrupt: (-9, "OPORA_ECORRUPT"),
    opora.InternalError: (-10, "OPORA_EINTERNAL"),
    opora.OutOfMemory: (-11, "OPORA_ENOMEM"),
    opora.UnknownMethod: (-12, "OPORA_ENOMETHOD"),
    opora.InvalidState: (-13, "OPORA_ESTATE"),
    opora.Overflow: (-14, "OPORA_EOVERFLOW"),
}


@pytest.mark.parametrize("cls", list(EXPECTED_CODES), ids=lambda c: c.__name__)
def test_each_class_carries_its_code_and_name(cls):
    code, name = EXPECTED_CODES[cls]
    assert issubclass(cls, opora.Error) and issubclass(cls, Exception)
    assert (cls.code, cls.name) == (code, name)
    assert cls.__doc__
    e = cls("something failed")
    assert (e.code, e.name, e.message, e.field_errors) == (code, name, "something failed", [])
    assert str(e) == "something failed"


def test_codes_are_distinct():
    codes = [code for code, _ in EXPECTED_CODES.values()]
    assert len(set(codes)) == len(codes)


def test_missing_field_is_invalid_argument_with_rule_required(db):
    with pytest.raises(opora.InvalidArgument) as e:
        db.call("calendar.add_working_days", calendar="ru", date="2025-12-30")
    err = e.value
    assert isinstance(err, opora.Error)
    assert err.code == -2 and err.name == "OPORA_EINVAL"
    assert err.field_errors[0]["field"] == "days"
    assert err.field_errors[0]["rule"] == "required"
    assert "days" in err.message and "days" in str(err)


def test_every_field_error_is_reported_at_once(db):
    with pytest.raises(opora.InvalidArgument) as e:
        db.call("calendar.add_working_days", calendar="ru", date="2025-13-30", days="x")
    rules = {fe["field"]: fe["rule"] for fe in e.value.field_errors}
    assert rules == {"date": "date", "days": "type"}
    for fe in e.value.field_errors:
        assert set(fe) == {"field", "rule", "message"}


def test_a_year_without_data_is_not_found(db):
    with pytest.raises(opora.NotFound) as e:
        db.call("calendar.add_working_days", calendar="ru", date="2035-03-02", days=1)
    assert e.value.field_errors[0]["field"] == "date"
    assert e.value.field_errors[0]["rule"] == "calendar_year"


def test_a_year_without_data_with_weekend_fallback_succeeds(db):
    r = db.call(
        "calendar.add_working_days", calendar="ru", date="2035-03-02", days=1, fallback="weekends"
    )
    assert r["date"].year == 2035


def test_unknown_calendar_is_not_found(db):
    with pytest.raises(opora.NotFound):
        db.call("calendar.is_working_day", calendar="nowhere", date="2026-01-01")


def test_unknown_method(db):
    with pytest.raises(opora.UnknownMethod) as e:
        db.call("calendar.no_such_thing")
    assert e.value.code == -12
    assert "calendar.no_such_thing" in e.value.message


def test_clock_set_on_a_system_clock_is_invalid_state(db):
    with pytest.raises(opora.InvalidState) as e:
        db.call("clock.set", now="2026-01-01")
    assert e.value.code == -13


def test_calendar_document_errors_name_the_nested_field(db):
    day = {"date": "2027-01-02", "kind": "holiday"}
    doc = {"id": "acme", "years": [{"year": 2026, "days": [day]}]}
    with pytest.raises(opora.InvalidArgument) as e:
        db.call("calendar.load", calendar=doc)
    assert e.value.field_errors[0]["field"] == "calendar.years[0].days[0].date"


def test_open_failure_raises_without_a_handle(tmp_path):
    with pytest.raises(opora.InvalidArgument) as e:
        opora.open(tmp_path / "x.db", clock="sundial")
    assert e.value.field_errors[0]["field"] == "clock"
    assert e.value.field_errors[0]["rule"] == "enum"


def test_errors_are_catchable_as_the_base_class(db):
    with pytest.raises(opora.Error):
        db.call("meta.nothing")


def test_a_failed_call_leaves_the_handle_usable(db):
    with pytest.raises(opora.InvalidArgument):
        db.call("calendar.add_working_days", calendar="ru")
    assert db.call("requisites.validate", inn="7707083893")["valid"] is True


def test_non_dict_params_and_non_str_method_are_type_errors(db):
    with pytest.raises(TypeError, match="params"):
        db.call("calendar.list", ["not", "a", "dict"])
    with pytest.raises(TypeError, match="method"):
        db.call(42)  # type: ignore[arg-type]


def test_error_with_explicit_fields_and_pickling():
    e = opora.ValidationError(
        "inn: bad checksum",
        field_errors=[{"field": "inn", "rule": "inn_checksum", "message": "bad checksum"}],
    )
    assert e.code == -6 and e.name == "OPORA_EVALIDATION"
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is opora.ValidationError
    assert (copy.code, copy.name, copy.message, copy.field_errors) == (
        e.code,
        e.name,
        e.message,
        e.field_errors,
    )


def test_base_error_accepts_an_unlisted_code():
    e = opora.Error("future failure", code=-99, name="OPORA_EFUTURE")
    assert (e.code, e.name) == (-99, "OPORA_EFUTURE")
    assert opora.Error.code == -1, "an instance's code must not leak into the class"


def test_float_is_a_type_error_not_an_opora_error(db):
    with pytest.raises(TypeError) as e:
        db.call("calendar.add_working_days", calendar="ru", date="2025-12-30", days=1.0)
    assert not isinstance(e.value, opora.Error)

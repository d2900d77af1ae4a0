"""The result contract, checked from Python on what the library really returned.

An implementation of its own (not the library's src/engine/result_check.cpp), so that a
Release build, where the library does not check itself, is held to the same rules:

* ``schema_problems(schema)``: a result schema a host can build on -- an object with
  properties; every node typed; objects list their properties or declare
  ``additionalProperties``; arrays give their item schema; a field named as money, a date
  or a point in time declares the format; no point in time is an integer.
* ``result_problems(schema, raw)``: the raw JSON result (before Python converts it) is
  what the schema says -- every field declared, types (null only where declared), formats
  (date-time is full ISO 8601 with a zone), no text that looks like a date, a time or a
  decimal without its format, no number that is a point in time.
* ``conversion_problems(schema, value)``: after ``db.call`` every field declared as money
  or decimal is a ``Decimal``, every date a ``datetime.date``, every date-time an aware
  ``datetime.datetime`` -- at any depth.
"""

from __future__ import annotations

import datetime
import decimal
import re
from typing import Any

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DATE_TIME_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
FRACTION = re.compile(r"^-?\d+\.\d+$")

TIME_NAMES = {"at", "now", "time", "timestamp", "ts", "due", "deadline", "until", "expires",
              "date"}
TIME_SUFFIXES = ("_at", "_time", "_timestamp", "_until", "_date", "_on")
DATE_NAMES = {"date", "valid_from", "valid_to"}
MONEY_NAMES = {"amount", "fee", "price", "debt", "balance", "paid", "accrued", "net", "vat",
               "gross", "overdue", "opening", "closing", "advance", "discount", "amount_due",
               "credit_limit", "open"}
MONEY_SUFFIXES = ("_amount", "_fee", "_price", "_debt", "_balance")
SIZE_NAMES = {"size", "bytes"}
# 2000-01-01 .. 2100-01-01 in seconds since 1970.
EPOCH_LOW, EPOCH_HIGH = 946684800, 4102444800

FORMAT_TYPES = {"date": datetime.date, "date-time": datetime.datetime,
                "money": decimal.Decimal, "decimal": decimal.Decimal}


def time_like(key: str) -> bool:
    return key in TIME_NAMES or key.endswith(TIME_SUFFIXES)


def types_of(schema: dict) -> list[str]:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []


def matches(types: list[str], value: Any) -> bool:
    if value is None:
        return "null" in types
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return "integer" in types or "number" in types
    if isinstance(value, float):
        return "number" in types
    if isinstance(value, str):
        return "string" in types
    if isinstance(value, list):
        return "array" in types
    if isinstance(value, dict):
        return "object" in types
    return False


# ------------------------------------------------------------------ schemas --


def schema_problems(schema: Any) -> list[str]:
    if not (isinstance(schema, dict) and "object" in types_of(schema)
            and isinstance(schema.get("properties"), dict) and schema["properties"]):
        return ["result: not an object schema with properties"]
    out: list[str] = []
    _schema_node(schema, "result", "", out)
    return out


def _schema_node(schema: Any, path: str, key: str, out: list[str]) -> None:
    if not isinstance(schema, dict) or not types_of(schema):
        out.append(f"{path}: no type")
        return
    if schema.get("x-verbatim") is True:
        return
    types, fmt = types_of(schema), schema.get("format")
    if key and time_like(key):
        if "integer" in types or "number" in types:
            out.append(f"{path}: a point in time declared as a number")
        elif "string" in types and fmt not in ("date", "date-time"):
            out.append(f"{path}: a point in time without format date-time")
    if key and (key in DATE_NAMES or key.endswith("_date")) and "string" in types \
            and fmt not in ("date", "date-time"):
        out.append(f"{path}: a date without format date")
    if key and (key in MONEY_NAMES or key.endswith(MONEY_SUFFIXES)) and "string" in types \
            and fmt not in ("money", "decimal"):
        out.append(f"{path}: an amount without format money")
    if "object" in types:
        props, more = schema.get("properties"), schema.get("additionalProperties")
        if not (isinstance(props, dict) and props) and not (more is True or isinstance(more, dict)):
            out.append(f"{path}: an object with neither properties nor additionalProperties")
        for name, sub in (props or {}).items():
            _schema_node(sub, f"{path}.{name}", name, out)
        if isinstance(more, dict):
            _schema_node(more, f"{path}.*", key, out)
    if "array" in types:
        if "items" not in schema:
            out.append(f"{path}: an array without an item schema")
        else:
            _schema_node(schema["items"], f"{path}[]", key, out)


# ------------------------------------------------------------------ results --


def result_problems(schema: dict, raw: Any) -> list[str]:
    out: list[str] = []
    _result_node(schema, raw, "", "", False, out)
    return out


def _result_node(schema: dict, value: Any, path: str, key: str, host: bool,
                 out: list[str]) -> None:
    where = path or "(result)"
    types = types_of(schema)
    if not matches(types, value):
        out.append(f"{where}: declared {types}, got {value!r:.80}")
        return
    if schema.get("x-verbatim") is True or value is None:
        return
    host = host or schema.get("x-host-data") is True
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} is not one of {schema['enum']}")
    fmt = schema.get("format")
    if isinstance(value, str):
        if host:
            return
        if fmt == "date" and not DATE.match(value):
            out.append(f"{where}: declared a date, got {value!r}")
        elif fmt == "date-time" and not DATE_TIME.match(value):
            out.append(f"{where}: declared an ISO 8601 date-time with a zone, got {value!r}")
        elif fmt in ("money", "decimal") and not DECIMAL.match(value):
            out.append(f"{where}: declared {fmt}, got {value!r}")
        elif fmt is None and DATE_TIME_SHAPE.match(value):
            out.append(f"{where}: {value!r} looks like a date-time; no format declared")
        elif fmt is None and DATE.match(value):
            out.append(f"{where}: {value!r} looks like a date; no format declared")
        elif fmt is None and FRACTION.match(value):
            out.append(f"{where}: {value!r} looks like a decimal; no format declared")
    elif isinstance(value, int) and not isinstance(value, bool):
        if time_like(key):
            out.append(f"{where}: a point in time as the number {value}")
        elif not host and key not in SIZE_NAMES and (
                EPOCH_LOW <= value < EPOCH_HIGH or EPOCH_LOW * 1000 <= value < EPOCH_HIGH * 1000):
            out.append(f"{where}: {value} looks like seconds since 1970")
    elif isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict):
            if value:
                out.append(f"{where}: items of an array without an item schema")
            return
        for i, item in enumerate(value):
            _result_node(items, item, f"{path}[{i}]", key, host, out)
    elif isinstance(value, dict):
        props = schema.get("properties") or {}
        more = schema.get("additionalProperties")
        for name, item in value.items():
            sub = f"{path}.{name}" if path else name
            if name in props:
                _result_node(props[name], item, sub, name, host, out)
            elif isinstance(more, dict):
                _result_node(more, item, sub, key, host, out)
            elif more is not True:
                out.append(f"{sub}: not declared in the result schema")


# -------------------------------------------------------------- conversions --


def conversion_problems(schema: dict, value: Any) -> list[str]:
    out: list[str] = []
    _converted_node(schema, value, "", False, out)
    return out


def _converted_node(schema: dict, value: Any, path: str, host: bool, out: list[str]) -> None:
    where = path or "(result)"
    if not isinstance(schema, dict) or schema.get("x-verbatim") is True or value is None:
        return
    host = host or schema.get("x-host-data") is True
    fmt = schema.get("format")
    wanted = FORMAT_TYPES.get(fmt) if isinstance(fmt, str) else None
    if wanted is not None:
        if isinstance(value, str) and host:
            return  # the host's own text that is not in the form: stays text
        if not isinstance(value, wanted):
            out.append(f"{where}: format {fmt} arrived as {type(value).__name__} {value!r:.60}")
        elif wanted is datetime.datetime and value.tzinfo is None:
            out.append(f"{where}: a date-time without a zone")
        elif wanted is datetime.date and isinstance(value, datetime.datetime):
            out.append(f"{where}: a date arrived as a datetime")
        return
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _converted_node(schema["items"], item, f"{path}[{i}]", host, out)
    elif isinstance(value, dict):
        props = schema.get("properties") or {}
        more = schema.get("additionalProperties")
        for name, item in value.items():
            sub = f"{path}.{name}" if path else name
            if name in props:
                _converted_node(props[name], item, sub, host, out)
            elif isinstance(more, dict):
                _converted_node(more, item, sub, host, out)


def formats_in(schema: Any, value: Any) -> set[str]:
    """The formats of the fields present (not null) in a converted result: what the
    scenario exercised."""
    found: set[str] = set()

    def walk(s: Any, v: Any) -> None:
        if not isinstance(s, dict) or v is None:
            return
        if isinstance(s.get("format"), str):
            found.add(s["format"])
        if isinstance(v, list) and isinstance(s.get("items"), dict):
            for item in v:
                walk(s["items"], item)
        elif isinstance(v, dict):
            props = s.get("properties") or {}
            more = s.get("additionalProperties")
            for name, item in v.items():
                walk(props.get(name, more if isinstance(more, dict) else None), item)

    walk(schema, value)
    return found

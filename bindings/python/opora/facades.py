"""Module facades: the method table as attributes of a :class:`~opora.Database`.

``db.registry.find(kind="act")`` is ``db.call("registry.find", kind="act")``: the
attribute path names the method, and calling it forwards to
:meth:`opora.Database.call`, so parameters and results are converted the same way.
The facades are built from ``meta.methods`` and grow with the method table; nothing
here knows a particular method. Two conveniences follow from the catalogue too:

* a method with exactly one required parameter takes its value as the positional
  argument: ``db.billing.run("2026-11")``, ``db.billing.account.get("A-1001")``
  (a mapping there is still the whole params);
* a batch method (``"batch": true``, one that commits in chunks) takes
  ``progress=callback``, the progress callback for that call only
  (see :meth:`opora.Database.set_progress`).
"""

from __future__ import annotations

import collections.abc
import datetime
import decimal
import difflib
import inspect
import keyword
import typing

if typing.TYPE_CHECKING:
    from typing import Any, Callable, Mapping

    from . import Database


def _dict(value: object) -> dict[str, Any]:
    """``value`` if it is a dict (a schema or a part of one), else an empty dict."""
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    """``value`` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _attribute_name(segment: str) -> str:
    """The Python attribute for a method-name segment: ``import`` becomes ``import_``."""
    return segment + "_" if keyword.iskeyword(segment) else segment


def _segment_name(attribute: str, segments: typing.Iterable[str]) -> str | None:
    """The segment an attribute names among ``segments`` (``import_`` for ``import``)."""
    names = set(segments)
    if attribute in names:
        return attribute
    if attribute.endswith("_") and keyword.iskeyword(attribute[:-1]) and attribute[:-1] in names:
        return attribute[:-1]
    return None


def _children(catalogue: list[dict[str, Any]], prefix: str) -> list[str]:
    """The next name segments under ``prefix`` ("" for the modules), in catalogue order."""
    found: list[str] = []
    start = prefix + "." if prefix else ""
    for entry in catalogue:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name.startswith(start) and len(name) > len(start):
            segment = name[len(start):].split(".", 1)[0]
            if segment and segment not in found:
                found.append(segment)
    return found


def _sole_required(entry: dict[str, Any]) -> str | None:
    """The name of the method's only required parameter, or None when it has none or
    several: that parameter may be given as the positional argument."""
    schema = _dict(entry.get("params"))
    required = _list(schema.get("required"))
    properties = _dict(schema.get("properties"))
    if len(required) == 1 and isinstance(required[0], str) and required[0] in properties:
        return required[0]
    return None


def _takes_progress(entry: dict[str, Any]) -> bool:
    """True for a batch method without a parameter of its own named ``progress``."""
    schema = _dict(entry.get("params"))
    properties = _dict(schema.get("properties"))
    return entry.get("batch") is True and "progress" not in properties


def _near_matches(wanted: str, choices: typing.Iterable[str]) -> str:
    """" (did you mean 'find'?)" for close names, else ""."""
    close = difflib.get_close_matches(wanted, list(choices), n=3, cutoff=0.8)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


# ----------------------------------------------------------- descriptions --

_PY_FORMATS: dict[str, Any] = {
    "date": datetime.date | str,
    "date-time": datetime.datetime | str,
    "money": decimal.Decimal | str,
    "decimal": decimal.Decimal | str,
    "quantity": decimal.Decimal | str,
    "percent": decimal.Decimal | str,
    "vat_rate": decimal.Decimal | str,
    "currency": str,
}
_PY_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "number": int,
    "object": dict,
    "array": list,
}
_RESULT_FORMATS = {
    "date": "datetime.date",
    "date-time": "datetime.datetime",
    "money": "Decimal",
    "decimal": "Decimal",
}


def _annotation(schema: object) -> Any:
    if not isinstance(schema, dict):
        return typing.Any
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _PY_FORMATS:
        return _PY_FORMATS[fmt]
    return _PY_TYPES.get(str(schema.get("type")), typing.Any)


def _type_text(schema: dict[str, Any], formats: dict[str, str] | None = None) -> str:
    """``str``, ``int 1..1000``, ``date``, ``list of str``, ``dict``."""
    fmt = schema.get("format")
    names = {"string": "str", "integer": "int", "boolean": "bool", "number": "number",
             "object": "dict", "array": "list"}
    kinds = schema.get("type")
    if isinstance(fmt, str) and fmt:
        text = (formats or {}).get(fmt, fmt)
        if isinstance(kinds, list) and "null" in kinds:
            text += " or null"
    elif isinstance(kinds, list) and kinds:
        text = " or ".join(names.get(str(k), str(k)) for k in kinds)
    else:
        text = names.get(str(kinds), "any")
    items = schema.get("items")
    if text == "list" and isinstance(items, dict) and "type" in items:
        text += " of " + _type_text(items, formats)
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int) or isinstance(high, int):
        text += f" {'' if low is None else low}..{'' if high is None else high}"
    return text


def _param_lines(schema: dict[str, Any]) -> list[str]:
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        return ["    (none)"]
    required = _list(schema.get("required"))
    lines = []
    for name, sub in properties.items():
        sub = sub if isinstance(sub, dict) else {}
        if "x-alias-of" in sub:  # an old name the engine still takes; its description says so
            lines.append(f"    {_attribute_name(name)}: {sub.get('description', 'deprecated')}")
            continue
        facts = [_type_text(sub)]
        if name in required:
            facts.append("required")
        values = sub.get("enum")
        if isinstance(values, list) and values:
            facts.append("one of " + ", ".join(str(v) for v in values))
        line = f"    {_attribute_name(name)} ({'; '.join(facts)})"
        description = sub.get("description")
        if isinstance(description, str) and description:
            line += ": " + description
        keys = sub.get("properties")
        if sub.get("type") == "object" and isinstance(keys, dict) and keys:
            line += (", " if description else ": ") + "keys " + ", ".join(keys)
        lines.append(line)
    return lines


def _result_text(schema: dict[str, Any]) -> str:
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        return "a dict."
    fields = [
        f"{name} ({_type_text(sub, _RESULT_FORMATS)})" if isinstance(sub, dict) else name
        for name, sub in properties.items()
    ]
    return "a dict with " + ", ".join(fields) + "."


def _method_doc(entry: dict[str, Any], typed: bool = False) -> str:
    """The docstring of a method facade: summary, parameters, result. ``typed`` for
    the classes in :mod:`opora.modules`, whose methods take keywords only (and the
    sole required parameter positionally)."""
    name = str(entry.get("name", ""))
    params = _dict(entry.get("params"))
    result = _dict(entry.get("result"))
    lines = [
        f"{name}: {entry.get('summary', '')}".rstrip(),
        "",
    ]
    if entry.get("batch"):
        lines += ["Changes the database in chunks, each chunk one transaction.", ""]
    elif entry.get("mutating"):
        lines += ["Changes the database, as one transaction.", ""]
    sole = _sole_required(entry)
    if typed:
        lines += ["Parameters (keywords; an omitted one is not sent):"]
    else:
        lines += ["Parameters (keywords, or a mapping as the one positional argument):"]
    lines += _param_lines(params)
    if sole is not None and not typed:
        attr = "db." + ".".join(_attribute_name(s) for s in name.split("."))
        lines += ["", f"{_attribute_name(sole)} may also come as the positional argument: "
                      f"{attr}({_attribute_name(sole)}, ...)."]
    if _takes_progress(entry):
        lines += [
            "",
            "A batch method: it commits in chunks and resumes where it stopped. "
            "progress=callback(method, done, total) is called after each chunk; returning "
            "False, or raising, stops the work after that chunk (the result then says "
            '"complete": False, and an exception is raised once the call returns). '
            "The callback is the handle's for the duration of the call: threads sharing "
            "one Database should run batch work on a handle of their own.",
        ]
    lines += [
        "",
        "Returns " + _result_text(result),
        "",
        f'Same as db.call("{name}", params, **kwargs): dates, date-times and money '
        "convert both ways; a failure raises a subclass of opora.Error.",
    ]
    if any(keyword.iskeyword(p) for p in params.get("properties", {}) or {}):
        lines.append("A parameter named like a Python keyword takes a trailing '_' (from_=...).")
    return "\n".join(lines)


def typed_method_doc(entry: dict[str, Any]) -> str:
    """The docstring of a method of the typed facades (scripts/gen-python-modules)."""
    return _method_doc(entry, typed=True)


def _group_doc(prefix: str, catalogue: list[dict[str, Any]]) -> str:
    """The docstring of a module facade: its methods with their summaries."""
    rows = []
    for entry in catalogue:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name.startswith(prefix + "."):
            rest = ".".join(_attribute_name(s) for s in name[len(prefix) + 1:].split("."))
            rows.append((rest, str(entry.get("summary", ""))))
    width = max((len(r[0]) for r in rows), default=0)
    lines = [f"opora module {prefix}: {len(rows)} method{'s' if len(rows) != 1 else ''}.", ""]
    lines += [f"    {rest.ljust(width)}  {summary}".rstrip() for rest, summary in rows]
    example = rows[0][0] if rows else "METHOD"
    lines += ["", f"Call one as db.{'.'.join(_attribute_name(s) for s in prefix.split('.'))}"
              f".{example}(...); help() on it lists its parameters."]
    return "\n".join(lines)


class _Omitted:
    """The default shown for optional parameters in a facade's signature."""

    def __repr__(self) -> str:
        return "..."


_OMITTED = _Omitted()
#: The default of an optional parameter of the typed facades: not sent at all
#: (None is sent as null, which the library treats as absent too, except where a
#: schema allows null to clear a value).
OMITTED: Any = _OMITTED

#: A progress callback: ``callback(method, done, total)``; returning False stops.
Progress = collections.abc.Callable[[str, int, int], object]


def _method_signature(entry: dict[str, Any]) -> inspect.Signature:
    """``(params=None, /, *, kind: str = ..., ...) -> dict[str, Any]`` from the schema."""
    P = inspect.Parameter
    schema = _dict(entry.get("params"))
    properties = _dict(schema.get("properties"))
    required = _list(schema.get("required"))
    first: Any = collections.abc.Mapping[str, object] | None
    sole = _sole_required(entry)
    if sole is not None:  # or the value of that one parameter
        first = collections.abc.Mapping[str, object] | _annotation(properties[sole]) | None
    parameters = [P("params", P.POSITIONAL_ONLY, default=None, annotation=first)]
    seen = {"params"}
    # An old name (x-alias-of) is typed as the name it stands for; a required parameter with
    # an old name may be given by either, so neither is required in the signature.
    renamed = {_dict(sub).get("x-alias-of") for sub in properties.values()}
    for name, sub in properties.items():
        py_name = _attribute_name(name)
        if not py_name.isidentifier() or py_name in seen:
            continue
        seen.add(py_name)
        target = _dict(sub).get("x-alias-of")
        parameters.append(P(py_name, P.KEYWORD_ONLY,
                            default=P.empty if name in required and name not in renamed
                            else _OMITTED,
                            annotation=_annotation(properties[target] if target else sub)))
    if _takes_progress(entry):
        parameters.append(P("progress", P.KEYWORD_ONLY, default=None,
                            annotation=typing.Union[
                                collections.abc.Callable[[str, int, int], object], None]))
    return inspect.Signature(parameters, return_annotation=dict[str, typing.Any])


# ------------------------------------------------------------------ Module --


class Module:
    """The dynamic facade: a module of the method table, a group in it, or one method,
    built from ``meta.methods`` at run time.

    A Database hands it out for a module a newer library has and this package's
    typed facades (:mod:`opora.modules`) do not list, and so does a typed facade
    for such a method; it can also be made directly. ``Module(db, "registry")`` is
    the module ``registry``, its ``number`` the group ``registry.number``, and that
    group's ``next`` the method ``registry.number.next``; calling a method forwards
    to :meth:`Database.call`, with a mapping of parameters, keywords, or both::

        opora.Module(db, "calendar").add_working_days(calendar="ru", date="2025-12-30", days=1)
        opora.Module(db, "registry.find")({"kind": "act"}, limit=10)

    Attributes resolve against ``meta.methods``; an unknown one raises
    :class:`AttributeError` naming the near matches. ``dir()`` lists the methods
    and groups below, and ``help()`` shows the summary and parameters. A method
    segment that is a Python keyword takes a trailing ``_`` (``db.registry.import_``),
    and so does such a parameter (``from_=``).

    A method with exactly one required parameter takes its value positionally
    (``db.billing.run("2026-11")``); a batch method takes ``progress=callback`` for
    the duration of the call (see :meth:`Database.set_progress`)::

        db.billing.run("2026-11", chunk_size=500, progress=lambda m, done, total: print(done))
    """

    def __init__(self, db: Database, path: str) -> None:
        """The facade of ``path`` ("registry", "registry.find") on ``db``; use the
        attributes of the Database rather than building one."""
        catalogue = db._load_catalogue()
        self._db = db
        self._path = path
        self._method: dict[str, Any] | None = next(
            (e for e in catalogue if isinstance(e, dict) and e.get("name") == path), None
        )
        self._children = _children(catalogue, path)
        if not self._children and self._method is None:
            raise ValueError(f"the method table has nothing named {path!r}")
        if self._method is not None:
            self.__doc__ = _method_doc(self._method)
            self.__signature__ = _method_signature(self._method)
        else:
            self.__doc__ = _group_doc(path, catalogue)

    def __getattr__(self, name: str) -> Module:
        """The method or group ``name`` below this one."""
        if name.startswith("_"):
            raise AttributeError(name)
        segment = _segment_name(name, self._children)
        if segment is None:
            if not self._children:
                message = f"opora method {self._path!r} has no attribute {name!r}"
            else:
                below = [_attribute_name(c) for c in self._children]
                message = (f"opora module {self._path!r} has no method {name!r}"
                           + (_near_matches(name, below) or "; it has " + ", ".join(below)))
            raise AttributeError(message, name=name, obj=self)
        return self._db._facade(self._path + "." + segment)

    def __call__(self, params: object = None, /, **kwargs: object) -> dict[str, Any]:
        """Calls the method: ``db.call(name, params, **kwargs)``. ``params`` is a mapping
        of parameters, or the value of the method's only required parameter; a batch
        method also takes ``progress=callback(method, done, total)``."""
        if self._method is None:
            raise TypeError(
                f"opora module {self._path!r} is not a method; its methods: "
                + ", ".join(_attribute_name(c) for c in self._children)
            )
        progress: Callable[[str, int, int], object] | None = None
        batch = _takes_progress(self._method)
        kwargs = {key: value for key, value in kwargs.items() if value is not _OMITTED}
        if batch and "progress" in kwargs:
            progress = typing.cast("Callable[[str, int, int], object] | None",
                                   kwargs.pop("progress"))
            if progress is not None and not callable(progress):
                raise TypeError(
                    f"progress must be callable or None, not {type(progress).__name__}")
        schema = self._method.get("params")
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if isinstance(properties, dict) and kwargs:
            for key in list(kwargs):
                real = key[:-1]
                if key.endswith("_") and keyword.iskeyword(real) and real in properties \
                        and key not in properties:
                    if real in kwargs:
                        raise TypeError(f"parameter {real!r} given twice (as {key!r})")
                    kwargs[real] = kwargs.pop(key)
        if params is not None and not isinstance(params, collections.abc.Mapping):
            sole = _sole_required(self._method)
            if sole is None:
                raise TypeError(
                    f"opora method {self._path!r} takes a mapping of parameters as its "
                    f"positional argument, not {type(params).__name__}; pass them as keywords")
            if sole in kwargs:
                raise TypeError(f"parameter {_attribute_name(sole)!r} given both positionally "
                                "and as a keyword")
            kwargs[sole] = params
            params = None
        if batch and progress is not None:
            return self._db._call_with_progress(self._path, params, kwargs, progress)
        return self._db.call(self._path, typing.cast("Mapping[str, object] | None", params),
                             **kwargs)

    def __dir__(self) -> list[str]:
        """The methods and groups below (for tab completion), then the usual names."""
        return sorted({_attribute_name(c) for c in self._children} | set(super().__dir__()))

    def __repr__(self) -> str:
        if self._method is not None:
            return f"<opora method {self._path}>"
        return f"<opora module {self._path}: {', '.join(self._children)}>"


# ------------------------------------------------------------------ Facade --


class Facade:
    """Base of the typed facades in :mod:`opora.modules`: one module or group of
    methods of the table, bound to a :class:`Database` (``db.registry`` is a
    :class:`opora.modules.Registry`).

    A name the class does not know (a method of a newer library) is looked up in
    the method table the way :class:`Module` does, so it still works, and a typo
    is answered with the near matches.
    """

    def __init__(self, db: Database, path: str) -> None:
        """The facade of ``path`` ("registry", "registry.number") on ``db``; use the
        attributes of the Database rather than building one."""
        self._db = db
        self._path = path

    def _call(self, method: str, params: dict[str, object],
              progress: Callable[[str, int, int], object] | None = None) -> dict[str, Any]:
        """Calls ``method`` with ``params`` less the omitted ones."""
        sent = {key: value for key, value in params.items() if value is not _OMITTED}
        if progress is None:
            return self._db.call(method, sent)
        if not callable(progress):
            raise TypeError(f"progress must be callable or None, not {type(progress).__name__}")
        return self._db._call_with_progress(method, None, sent, progress)

    if not typing.TYPE_CHECKING:  # type checkers should flag unknown names as errors

        def __getattr__(self, name: str) -> Module:
            """A method or group the library has and this class does not list."""
            if name.startswith("_"):
                raise AttributeError(name)
            try:
                dynamic = self._db._facade(self._path)
            except ValueError:  # the library has nothing under this path at all
                raise AttributeError(
                    f"opora module {self._path!r} has no method {name!r}: the library "
                    f"has no {self._path!r}", name=name, obj=self) from None
            return typing.cast(Module, getattr(dynamic, name))

    def __repr__(self) -> str:
        return f"<opora module {self._path}>"

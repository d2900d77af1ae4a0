"""opora: the embeddable back-office core (registry, billing, workflow, EDO) for Python.

A thin, Pythonic client of the opora C library. Every method of the library's
method table is reachable through :meth:`Database.call`; ``meta.methods`` (see
:meth:`Database.methods`) lists them with their parameter and result schemas::

    import datetime, opora

    with opora.open("office.db") as db:
        r = db.call("calendar.add_working_days", calendar="ru",
                    date=datetime.date(2025, 12, 30), days=1)
        r["date"]   # datetime.date(2026, 1, 12)

Each module of the method table is also an attribute of the database with a
typed facade (:mod:`opora.modules`, generated from ``meta.methods``): one Python
method per library method, its parameters as annotated keywords, its docstring
listing every parameter and the result::

        db.calendar.add_working_days(calendar="ru", date=datetime.date(2025, 12, 30), days=1)
        db.registry.number.next(kind="act")
        db.billing.run("2026-11")   # the one required parameter may be positional
        help(db.registry.find)      # the summary and every parameter

A module or method of a newer library than this package is still reachable the
same way, through the dynamic :class:`Module`.

Values cross the boundary exactly:

* parameters may be a ``dict`` or any other mapping, a ``list``, ``tuple`` or any
  other sequence (``str`` and ``bytes`` excepted), ``str``, ``int``, ``bool``,
  ``None``, :class:`decimal.Decimal` (sent as a plain-notation string),
  :class:`datetime.date` (``"YYYY-MM-DD"``) and aware :class:`datetime.datetime`
  (``"YYYY-MM-DDTHH:MM:SSZ"`` in UTC). A ``float`` raises :class:`TypeError`
  naming the field: floats are not exact for money.
* results follow the method's result schema, at any depth (nested objects,
  arrays of objects, maps): fields of format ``date`` become
  :class:`datetime.date`, ``date-time`` an aware :class:`datetime.datetime` in UTC,
  ``money`` and ``decimal`` :class:`decimal.Decimal`; everything else stays plain
  JSON (``str``, ``int``, ``bool``, ``None``, ``list``, ``dict``). Every method
  declares its result schema (``meta.methods``), so every money, date and
  date-time field of every result converts. The host's own data inside a result
  (a document's ``custom`` fields, a workflow's ``context``) stays as stored; an
  effect's ``payload`` converts the money and dates opora and the shipped
  definitions put there (``debt``, ``date``...) when they have that form.
* a failed call raises a subclass of :class:`Error` chosen by its status code.

A :class:`Database` may be shared by several threads; the GIL is released while
the library works.

Batch methods (``billing.run``) commit in chunks and report progress after each
one to a callback, which may stop the work; the next call resumes it::

    def progress(method: str, done: int, total: int) -> bool:
        print(f"{method}: {done}/{total}")
        return not stop_requested   # False stops after this chunk

    result = db.billing.run("2026-11", progress=progress)
    result["complete"]    # False when stopped; call again to go on
"""

from __future__ import annotations

import collections.abc
import copy
import datetime
import decimal
import os
import threading
import typing
import weakref

from . import _opora, errors, modules
from .errors import (
    Busy,
    Conflict,
    Corrupt,
    Error,
    InternalError,
    InvalidArgument,
    InvalidState,
    MalformedJSON,
    NotFound,
    OutOfMemory,
    Overflow,
    StorageError,
    UnknownMethod,
    ValidationError,
    _from_native,
)
from .facades import Facade, Module, _attribute_name, _children, _near_matches, _segment_name

if typing.TYPE_CHECKING:
    from types import TracebackType
    from typing import Any, Callable, Mapping

__version__: str = _opora.__version__
"""Version of the opora package (and of the library it was built with)."""

__all__ = [
    "__version__",
    "open",
    "library_version",
    "Database",
    "Facade",
    "Module",
    *errors.__all__,
]


def open(path: str | os.PathLike[str], **options: object) -> Database:  # noqa: A001
    """Opens (creating if needed) the opora database at ``path``.

    ``path`` is a file path or ``":memory:"``. Keyword options are passed to the
    library (``opora_db_open``):

    * ``synchronous``: ``"full"`` (default) or ``"normal"`` (WAL, faster; a power
      cut may lose the last commits but never corrupts),
    * ``busy_timeout_ms``: how long to wait for another connection's lock (default 5000),
    * ``clock``: ``"system"`` (default) or ``"manual"`` (time moves only by ``clock.set``),
    * ``now``: the start of a manual clock, a :class:`datetime.date`, an aware
      :class:`datetime.datetime`, or text ``"2026-01-01"`` / ``"2026-01-01T09:00:00Z"``,
    * ``utc_offset``: ``"+03:00"`` style offset for "today" (default ``"+00:00"``),
    * ``read_only``: ``True`` to open an existing database without writing.
    * ``id_seed``: ids opora makes up (a UPD file's GUID) from a sequence seeded with
      this integer instead of the system's randomness; for tests only.

    Unknown options raise :class:`InvalidArgument`. Use the result as a context
    manager, or call :meth:`Database.close`.
    """
    return Database(path, **options)


def library_version() -> str:
    """Returns the version of the libopora shared library actually loaded."""
    return _opora.library_version()


# ------------------------------------------------------ result conversion --

def _parse_date_time(text: str) -> datetime.datetime:
    value = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if value.tzinfo is None:
        raise ValueError(f"date-time without a zone: {text!r}")
    return value.astimezone(datetime.timezone.utc)


_FORMATS: dict[str, Callable[[str], Any]] = {
    "date": datetime.date.fromisoformat,
    "date-time": _parse_date_time,
    "money": decimal.Decimal,
    "decimal": decimal.Decimal,
}


def _string_converter(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse(value)
        except (ValueError, ArithmeticError):
            return value  # not in the promised format: hand back the text untouched

    return convert


def _compile(schema: object) -> Callable[[Any], Any] | None:
    """Builds a function converting a JSON value by ``schema``, or None when the
    schema holds nothing to convert (the common case: no walk at all).

    Follows ``properties`` (each declared field), ``additionalProperties`` given
    as a schema (every other key of a map), and ``items``, to any depth. A value
    marked ``x-verbatim`` is handed back as the library gave it."""
    if not isinstance(schema, dict) or schema.get("x-verbatim") is True:
        return None
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _string_converter(_FORMATS[fmt])

    fields: dict[str, Callable[[Any], Any]] = {}
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for key, sub in properties.items():
            conv = _compile(sub)
            if conv is not None:
                fields[key] = conv
    declared = frozenset(properties) if isinstance(properties, dict) else frozenset()
    others = _compile(schema.get("additionalProperties"))
    items = _compile(schema.get("items"))
    if not fields and others is None and items is None:
        return None

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            for key, conv in fields.items():
                if key in value:
                    value[key] = conv(value[key])
            if others is not None:
                for key in value:
                    if key not in declared:
                        value[key] = others(value[key])
        elif isinstance(value, list) and items is not None:
            value[:] = [items(v) for v in value]
        return value

    return convert


# ----------------------------------------------------------------- Database --


class Database:
    """An open opora database: one handle of the C library.

    Create it with :func:`opora.open`. It is a context manager that closes the
    handle on exit. One ``Database`` may be used from several threads at once
    (the library serialises calls on a handle and the GIL is released while it
    works); separate ``Database`` objects on the same file work in parallel.

    Each module of the method table is an attribute with a typed facade
    (:mod:`opora.modules`): ``db.registry.find(kind="act")`` is
    ``db.call("registry.find", kind="act")``.
    """

    billing: modules.Billing
    calendar: modules.Calendar
    catalog: modules.Catalog
    clock: modules.Clock
    database: modules.Database
    edo: modules.Edo
    effects: modules.Effects
    events: modules.Events
    exchange: modules.Exchange
    meta: modules.Meta
    qr: modules.Qr
    registry: modules.Registry
    requisites: modules.Requisites
    workflow: modules.Workflow

    def __init__(self, path: str | os.PathLike[str], **options: object) -> None:
        """Opens the database at ``path``; see :func:`opora.open` for the options."""
        text = os.fsdecode(os.fspath(path))
        options_json = _opora.encode_json(options, "options") if options else ""
        try:
            native = _opora.Database(text, options_json)
        except _opora.NativeError as e:
            raise _from_native(*e.args) from None
        self._native = native
        self._path = text
        self._lock = threading.Lock()
        self._catalogue: list[dict[str, Any]] | None = None
        self._converters: dict[str, Callable[[Any], Any] | None] = {}
        # Facades hold their Database; these caches hold the facades weakly, so a
        # Database dropped without close() is freed at once, not by the cycle collector.
        self._facades: weakref.WeakValueDictionary[str, Module] = weakref.WeakValueDictionary()
        self._modules: weakref.WeakValueDictionary[str, Facade] = weakref.WeakValueDictionary()
        # Held while a facade's progress= callback is in place (an RLock: the
        # callback may itself call set_progress, which then refuses cleanly).
        self._progress_lock = threading.RLock()

    @property
    def path(self) -> str:
        """The path the database was opened with."""
        return self._path

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run."""
        return self._native.closed

    def call(
        self, method: str, params: Mapping[str, object] | None = None, /, **kwargs: object
    ) -> dict[str, Any]:
        """Calls one library method and returns its result as a dict.

        Parameters come as a mapping, as keyword arguments, or both (a key given
        twice raises :class:`TypeError`)::

            db.call("requisites.validate", {"inn": "7707083893"})
            db.call("requisites.validate", inn="7707083893")

        Result fields are converted by the method's result schema (dates,
        date-times, money; see the module documentation). Raises a subclass of
        :class:`Error` when the library refuses the call, :class:`TypeError` for a
        parameter that has no exact JSON form (a ``float``, for example), and
        :class:`InvalidState` after :meth:`close`.
        """
        if not isinstance(method, str):
            raise TypeError(f"method must be str, not {type(method).__name__}")
        merged: dict[str, object] | None
        if params is None:
            merged = dict(kwargs) if kwargs else None
        elif isinstance(params, collections.abc.Mapping):
            merged = dict(params)
            for key, value in kwargs.items():
                if key in merged:
                    raise TypeError(f"parameter {key!r} given both in params and as a keyword")
                merged[key] = value
        else:
            raise TypeError(f"params must be a mapping or None, not {type(params).__name__}")
        result = self._call_native(method, merged)
        if method == "meta.methods":
            self._remember_catalogue(result)
            return result
        convert = self._converter(method)
        return convert(result) if convert is not None else result

    def set_progress(self, callback: Callable[[str, int, int], object] | None) -> None:
        """Sets the progress callback of this database, or removes it with ``None``.

        Batch methods (``"batch": true`` in :meth:`methods`, such as ``billing.run``)
        commit their work in chunks and call ``callback(method, done, total)`` after
        each one, in the thread that made the call: ``method`` is the method's name,
        ``done`` and ``total`` count its units (accounts, for ``billing.run``).

        * Returning ``False`` stops the work after that chunk: what is done stays
          committed, the call returns normally with ``"complete": False``, and the
          next call of the method resumes where it stopped. Any other return value
          (``None`` included) goes on.
        * An exception raised by the callback (``KeyboardInterrupt`` too) also stops
          the work after that chunk, and is raised from the call once it returns.

        The callback must not call this database (that raises :class:`InvalidState`);
        other databases are fine. It is the database's, not the thread's: a call
        from another thread on the same ``Database`` reports to it as well. If a call
        is running, this waits for it to finish. To report progress for one call
        only, pass ``progress=`` to a batch method's facade::

            db.billing.run("2026-11", progress=lambda method, done, total: print(done))
        """
        with self._progress_lock:
            self._set_native_progress(callback)

    def set_watch(self, callback: Callable[[dict[str, Any]], object] | None) -> None:
        """Watches workflow history live, or stops with ``None``.

        ``callback(record)`` receives each history record (the dicts
        ``workflow.history`` returns, with ``instance``, ``seq``, ``id`` and ``at``,
        converted the same way) once the call that wrote it has committed, in order,
        in the thread that made the call. A call that fails shows nothing. The call
        has already committed, so an exception in the callback cannot fail it: Python
        reports it as unraisable. The callback must not call this database.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
        watch = callback
        if callback is not None:
            # Built now: the callback runs while a call holds the handle.
            convert = _compile(self._record_schema())
            if convert is not None:
                def watch(record: dict[str, Any], _convert: Callable[[Any], Any] = convert,
                          _callback: Callable[[dict[str, Any]], object] = callback) -> object:
                    return _callback(_convert(record))
        try:
            self._native.set_watch(watch)
        except _opora.NativeError as e:
            raise _from_native(*e.args) from None

    @property
    def progress(self) -> Callable[[str, int, int], object] | None:
        """The progress callback set by :meth:`set_progress`, or None."""
        return typing.cast("Callable[[str, int, int], object] | None", self._native.progress)

    def methods(self) -> list[dict[str, Any]]:
        """Returns the method catalogue (``meta.methods``): one dict per method with
        ``name``, ``summary``, ``mutating``, and the ``params`` and ``result`` schemas.
        Fetched once per database and cached; the caller gets its own copy."""
        return copy.deepcopy(self._load_catalogue())

    def version(self) -> dict[str, Any]:
        """Returns ``meta.version``: the library ``version`` and ``version_number``, the
        ``sqlite_version`` and the ``schema`` version of each module in the database."""
        return self.call("meta.version")

    def close(self) -> None:
        """Closes the database, waiting for calls running in other threads to finish.
        Closing twice is allowed; any call after closing raises :class:`InvalidState`."""
        self._native.close()

    def __enter__(self) -> Database:
        """Returns the database itself."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Closes the database."""
        self.close()

    def __getattr__(self, name: str) -> Facade | Module:
        """Returns the facade of a module of the method table: ``db.registry``,
        ``db.calendar``, ... (see :mod:`opora.modules`); a module of a newer library
        than this package knows gets the dynamic :class:`Module`. The attributes
        above come first; an unknown name raises :class:`AttributeError` listing
        the modules."""
        if name.startswith("_"):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
            )
        typed = self._modules.get(name)
        if typed is not None:
            return typed
        cls = modules.MODULES.get(name)
        if cls is not None:
            return self._modules.setdefault(name, cls(self, name))
        known = _children(self._load_catalogue(), "")
        segment = _segment_name(name, known)
        if segment is None:
            raise AttributeError(
                f"opora.Database has no attribute or module {name!r}"
                + _near_matches(name, [*known, *(n for n in dir(type(self)) if n[0] != "_")])
                + "; modules: " + ", ".join(known),
                name=name,
                obj=self,
            )
        return self._facade(segment)

    def __dir__(self) -> list[str]:
        """The usual attributes and the module names (for tab completion)."""
        names = set(super().__dir__())
        try:
            names.update(_attribute_name(m) for m in _children(self._load_catalogue(), ""))
        except Error:
            pass  # closed before the catalogue was fetched
        return sorted(names)

    def __copy__(self) -> Database:
        """Refused: a copy would share the handle (closing one would close both)."""
        raise TypeError("an opora.Database cannot be copied; open another handle on the "
                        "same file with opora.open(db.path)")

    def __deepcopy__(self, memo: dict[int, object]) -> Database:
        """Refused, as :meth:`__copy__`."""
        return self.__copy__()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<opora.Database {self._path!r} {state}>"

    # -- internals --

    def _call_native(self, method: str, params: dict[str, object] | None) -> dict[str, Any]:
        try:
            return self._native.call(method, params)
        except _opora.NativeError as e:
            raise _from_native(*e.args) from None

    def _set_native_progress(self, callback: Callable[[str, int, int], object] | None) -> None:
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, not {type(callback).__name__}")
        try:
            self._native.set_progress(callback)
        except _opora.NativeError as e:
            raise _from_native(*e.args) from None

    def _call_with_progress(
        self,
        method: str,
        params: Mapping[str, object] | None,
        kwargs: dict[str, object],
        progress: Callable[[str, int, int], object],
    ) -> dict[str, Any]:
        """``call`` with ``progress`` as the callback for its duration; the previous
        callback is put back afterwards."""
        with self._progress_lock:
            previous = self._native.progress
            self._set_native_progress(progress)
            try:
                return self.call(method, params, **kwargs)
            finally:
                try:
                    self._native.set_progress(previous)
                except _opora.NativeError:
                    pass  # closed meanwhile: there is no callback to put back

    def _remember_catalogue(self, result: dict[str, Any]) -> None:
        methods = result.get("methods")
        if isinstance(methods, list):
            with self._lock:
                if self._catalogue is None:
                    self._catalogue = copy.deepcopy(methods)

    def _load_catalogue(self) -> list[dict[str, Any]]:
        """``meta.methods`` of this handle, fetched once (the facades build on it)."""
        catalogue = self._catalogue
        if catalogue is None:
            self._remember_catalogue(self._call_native("meta.methods", None))
            catalogue = self._catalogue
        return catalogue if catalogue is not None else []

    def _facade(self, path: str) -> Module:
        """The dynamic facade of ``path``, one per path while it is in use."""
        facade = self._facades.get(path)
        if facade is None:
            facade = self._facades.setdefault(path, Module(self, path))
        return facade

    def _record_schema(self) -> object:
        """The schema of one ``workflow.history`` record."""
        for entry in self._load_catalogue():
            if isinstance(entry, dict) and entry.get("name") == "workflow.history":
                records = entry.get("result", {}).get("properties", {}).get("records", {})
                return records.get("items") if isinstance(records, dict) else None
        return None

    def _converter(self, method: str) -> Callable[[Any], Any] | None:
        try:
            return self._converters[method]
        except KeyError:
            pass
        schema = None
        for entry in self._load_catalogue():
            if isinstance(entry, dict) and entry.get("name") == method:
                schema = entry.get("result")
                break
        convert = _compile(schema)
        self._converters[method] = convert
        return convert

"""Exceptions raised by opora: one class per status code of the C ABI.

Every failed call raises a subclass of :class:`Error` chosen by the negative
status code the library returned (``OPORA_EINVAL`` -> :class:`InvalidArgument`,
...). The exception carries the code, its symbolic name, the library's message
and every field error it reported, so a caller can show all problems of a
request at once::

    try:
        db.call("calendar.add_working_days", calendar="ru", date="2026-13-01", days=1)
    except opora.InvalidArgument as e:
        for fe in e.field_errors:
            print(fe["field"], fe["rule"], fe["message"])

Passing a ``float`` where a number is expected is refused before the call with
a plain :class:`TypeError`, not an :class:`Error`: floats are not exact enough
for money, so use :class:`decimal.Decimal` or ``str``.
"""

from __future__ import annotations

import json
import typing

if typing.TYPE_CHECKING:
    from typing import Iterable, Mapping

__all__ = [
    "Error",
    "InvalidArgument",
    "MalformedJSON",
    "NotFound",
    "Conflict",
    "ValidationError",
    "Busy",
    "StorageError",
    "Corrupt",
    "InternalError",
    "OutOfMemory",
    "UnknownMethod",
    "InvalidState",
    "Overflow",
]


class Error(Exception):
    """A failed opora call (the base class; also raised for OPORA_ERROR, -1).

    Attributes:
        code: the negative status code from opora.h, for example -6.
        name: its symbolic name, for example ``"OPORA_EVALIDATION"``.
        message: the library's message, naming the field and rule where there is one.
        field_errors: every field error reported, as dicts with the keys
            ``"field"`` (a dotted path such as ``"items[2].price"``), ``"rule"``
            (a stable machine name such as ``"required"`` or ``"inn_checksum"``)
            and ``"message"``; empty when the failure is not about a field.
    """

    code: int = -1
    name: str = "OPORA_ERROR"
    message: str
    field_errors: list[dict[str, str]]

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        name: str | None = None,
        field_errors: Iterable[Mapping[str, str]] | None = None,
    ) -> None:
        """Creates the exception; code and name default to the class's own."""
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if name is not None:
            self.name = name
        self.field_errors = [dict(fe) for fe in field_errors or ()]


class InvalidArgument(Error, ValueError):
    """OPORA_EINVAL (-2): a malformed request: a field missing, unknown (rule
    ``unknown_field``, with the name it most likely meant), of the wrong type, or
    outside its format, enumeration, length or range.

    Also a :class:`ValueError`, as Python raises for a value of the right type
    that is not acceptable, so ``except ValueError`` catches it too.
    """

    code = -2
    name = "OPORA_EINVAL"


class MalformedJSON(Error):
    """OPORA_EJSON (-3): the parameters were not a valid JSON object."""

    code = -3
    name = "OPORA_EJSON"


class NotFound(Error):
    """OPORA_ENOTFOUND (-4): the thing named does not exist (including a calendar year
    with no data)."""

    code = -4
    name = "OPORA_ENOTFOUND"


class Conflict(Error):
    """OPORA_ECONFLICT (-5): already exists, or conflicts with stored state."""

    code = -5
    name = "OPORA_ECONFLICT"


class ValidationError(Error):
    """OPORA_EVALIDATION (-6): a well-formed request that breaks a business rule (a
    checksum, fields that disagree with each other or with stored data); every
    problem is listed in ``field_errors``."""

    code = -6
    name = "OPORA_EVALIDATION"


class Busy(Error):
    """OPORA_EBUSY (-7): the database stayed locked by another connection beyond the
    busy timeout."""

    code = -7
    name = "OPORA_EBUSY"


class StorageError(Error):
    """OPORA_EIO (-8): file or database I/O failed."""

    code = -8
    name = "OPORA_EIO"


class Corrupt(Error):
    """OPORA_ECORRUPT (-9): the file is damaged or is not an opora database."""

    code = -9
    name = "OPORA_ECORRUPT"


class InternalError(Error):
    """OPORA_EINTERNAL (-10): a bug in opora; please report it."""

    code = -10
    name = "OPORA_EINTERNAL"


class OutOfMemory(Error):
    """OPORA_ENOMEM (-11): the library ran out of memory."""

    code = -11
    name = "OPORA_ENOMEM"


class UnknownMethod(Error):
    """OPORA_ENOMETHOD (-12): no method of that name; ``Database.methods()`` lists them."""

    code = -12
    name = "OPORA_ENOMETHOD"


class InvalidState(Error):
    """OPORA_ESTATE (-13): not allowed in the current state, for example ``clock.set``
    on a system clock, or any call on a closed database."""

    code = -13
    name = "OPORA_ESTATE"


class Overflow(Error):
    """OPORA_EOVERFLOW (-14): an amount or count is out of the representable range."""

    code = -14
    name = "OPORA_EOVERFLOW"


_CLASSES_BY_CODE: dict[int, type[Error]] = {
    cls.code: cls
    for cls in (
        Error,
        InvalidArgument,
        MalformedJSON,
        NotFound,
        Conflict,
        ValidationError,
        Busy,
        StorageError,
        Corrupt,
        InternalError,
        OutOfMemory,
        UnknownMethod,
        InvalidState,
        Overflow,
    )
}


def _from_native(code: int, message: str, error_json: str) -> Error:
    """Builds the exception for a failed C call from its code and error JSON."""
    try:
        info = json.loads(error_json)
    except ValueError:
        info = {}
    if not isinstance(info, dict):
        info = {}
    cls = _CLASSES_BY_CODE.get(code, Error)
    errors = info.get("errors")
    return cls(
        info.get("message") or message,
        code=code,
        name=info.get("name") or None,
        field_errors=errors if isinstance(errors, list) else None,
    )

"""Personal data out of log lines: the masking rule opora's hosts and examples follow.

opora itself writes no logs; the hosts around it do (the bank gateway, a CRM sync, the
demo). What they log about a request or an effect goes through these functions first:

* an **identifier** -- INN, IIN, BIN, a phone, an account number, a card or bank account,
  an e-mail -- keeps its last 4 characters and nothing else: ``"870412300123"`` becomes
  ``"***0123"``, ``"+7 701 123-45-67"`` ``"***4567"``, ``"ivanov@example.com"`` ``"***.com"``.
  Four characters let support match a line to a complaint ("the one ending 0123") and
  identify no one; a value of 4 characters or fewer is masked whole (``"***"``);
* a **name** (a person's name, an address, any free text a person typed) keeps nothing:
  ``"***"``;
* a **query string** keeps in clear only the parameters that carry no personal data
  (``command``, ``txn_id``, ``sum``, ``txn_date``, ``prv_id`` and whatever the caller adds);
  every other value is masked as an identifier if it holds a digit, else as a name;
* **free text** (an error message that may quote a value) keeps its words, but every run of
  6 or more digits -- with the spaces, dashes, brackets and ``+`` people write in phone
  numbers -- is masked as an identifier, and every e-mail address too. A name in free text
  cannot be told from other words: mask the values you know are personal with ``known``
  (the subscriber's name an SMS was rendered from), or do not log such text at all.

::

    >>> from opora import redact
    >>> redact.query("command=check&txn_id=7&account=870412300123&sum=0")
    'command=check&txn_id=7&account=***0123&sum=0'
    >>> redact.text('no account "870412300123"')
    'no account "***0123"'
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable

__all__ = ["identifier", "name", "query", "text", "known", "CLEAR_QUERY_KEYS"]

MASK = "***"

# Query parameters of the agent protocols (OSMP, Kaspi) that carry no personal data.
CLEAR_QUERY_KEYS = frozenset({"command", "txn_id", "sum", "txn_date", "prv_id"})

# A run of at least 6 digits, possibly with the separators people write in phone
# numbers (not the point: "1500.00" is an amount).
_DIGITS = re.compile(r"\+?\d(?:[\s\-()]*\d){5,}")
_EMAIL = re.compile(r"[^\s@<>\"'(),;]+@[^\s@<>\"'(),;]+")


def identifier(value: object) -> str:
    """An identifier with only its last 4 characters left: ``"***0123"``."""
    text = str(value)
    compact = re.sub(r"[\s\-()]", "", text)
    return MASK if len(compact) <= 4 else MASK + compact[-4:]


def name(value: object) -> str:  # noqa: ARG001 - nothing of a name is kept
    """A name, an address or any text a person typed: nothing of it is kept."""
    return MASK


def query(raw: str, clear: Iterable[str] = ()) -> str:
    """A URL query string (``a=1&b=2``, percent-escapes allowed) with every value masked
    except those of ``CLEAR_QUERY_KEYS`` and of ``clear``."""
    keep = CLEAR_QUERY_KEYS | frozenset(clear)
    parts = []
    for part in raw.split("&"):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            # A bare token: whatever it is, it is not one of the known keys' values.
            parts.append(_mask_value(urllib.parse.unquote_plus(key)))
            continue
        decoded_key = urllib.parse.unquote_plus(key)
        if decoded_key in keep:
            parts.append(part)
        else:
            parts.append(f"{key}={_mask_value(urllib.parse.unquote_plus(value))}")
    return "&".join(parts)


def text(value: object) -> str:
    """Free text with every e-mail address and every run of 6+ digits masked as an
    identifier; the words around them stay."""
    masked = _EMAIL.sub(lambda m: identifier(m.group(0)), str(value))
    return _DIGITS.sub(lambda m: identifier(m.group(0)), masked)


def known(value: object, personal: Iterable[object]) -> str:
    """Text with each of the ``personal`` values (names, phones, addresses the caller knows
    went into it) masked wherever it occurs: ``"***"``, or an identifier's last 4."""
    out = str(value)
    for item in sorted({str(p) for p in personal if p is not None and str(p).strip()},
                       key=len, reverse=True):
        masked = identifier(item) if any(c.isdigit() for c in item) else MASK
        out = out.replace(item, masked)
    return out


def _mask_value(value: str) -> str:
    if not value:
        return ""
    return identifier(value) if any(c.isdigit() for c in value) else name(value)

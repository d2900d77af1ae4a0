"""What the seed tests share: a database on a manual clock, and the host's side of the outbox.

Each test in this folder plays one seed (/work/shared/seeds in the project's notes) end to end
through the ``opora`` package only, as the docs tell a host to use it: the host posts its own
domain events (a CRM webhook, a 1C request) with ``events.post``, calls the modules' methods,
runs its daily job, and carries out what ``effects.fetch`` hands it, acknowledging each with
``effects.ack``. It never posts an event a module publishes.

ctest runs ``/usr/bin/python3 -m pytest tests/seeds`` with PYTHONPATH set to the build's
``python`` directory.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime

import pytest

try:
    import opora
except ImportError as e:  # pragma: no cover - a setup problem, not a test failure
    pytest.exit(f"cannot import opora ({e}); build it and set PYTHONPATH=<build>/python",
                returncode=4)


@dataclasses.dataclass
class Done:
    """One effect the host carried out."""
    type: str
    payload: dict
    key: str
    day: datetime.date


class Host:
    """The host's side of the outbox: fetches with a lease, carries each effect out once per
    idempotency key (an SMS gateway or a CRM call that was already made is not made again),
    acknowledges it. ``done`` is everything carried out, in order."""

    def __init__(self, db: opora.Database):
        self.db = db
        self.done: list[Done] = []
        self._keys: set[str] = set()

    def work(self, ack: bool = True) -> list[Done]:
        """Carries out everything waiting; returns what was new. With ack=False the host
        "crashes" after carrying the effects out, before acknowledging them."""
        new = []
        while batch := self.db.effects.fetch(limit=500, lease_seconds=60)["effects"]:
            for e in batch:
                if e["idempotency_key"] not in self._keys:
                    self._keys.add(e["idempotency_key"])
                    d = Done(e["type"], e["payload"], e["idempotency_key"],
                             self.db.clock.get()["today"])
                    self.done.append(d)
                    new.append(d)
                if ack:
                    self.db.effects.ack(effect=e["id"], result="done")
            if not ack:
                break
        return new

    def of(self, type_: str, **match) -> list[Done]:
        return [d for d in self.done
                if d.type == type_ and all(d.payload.get(k) == v for k, v in match.items())]


def open_db(path, now: str, offset: str) -> opora.Database:
    return opora.open(path, clock="manual", now=now, utc_offset=offset)


def at(db: opora.Database, when: str) -> None:
    db.clock.set(now=when)


def texts(done: list[Done]) -> list[str]:
    return [d.payload.get("text", "") for d in done]


def counts(done: list[Done]) -> dict[str, int]:
    return dict(collections.Counter(d.type for d in done))

"""Shared fixtures for the opora Python tests.

ctest runs ``/usr/bin/python3 -m pytest -q tests/python`` with PYTHONPATH set to
the build tree's ``python`` directory, where the package and its extension live.
"""

from __future__ import annotations

import datetime

import pytest

try:
    import opora
except ImportError as e:  # pragma: no cover - a setup problem, not a test failure
    pytest.exit(
        f"cannot import opora ({e}); build it and set PYTHONPATH=<build>/python", returncode=4
    )

# A published test INN (PJSC Sberbank), valid checksum.
VALID_INN = "7707083893"

UTC = datetime.timezone.utc


@pytest.fixture
def db_path(tmp_path):
    """Path of a fresh database file in pytest's temporary directory."""
    return tmp_path / "opora.db"


@pytest.fixture
def db(db_path):
    """A database with the system clock, closed after the test."""
    with opora.open(db_path) as handle:
        yield handle


@pytest.fixture
def manual_db(db_path):
    """A database with a manual clock standing at 2026-01-01T00:00:00Z."""
    with opora.open(db_path, clock="manual", now="2026-01-01") as handle:
        yield handle


def acme_calendar(year: int = 2026, name: str = "Acme") -> dict:
    """A small user calendar document for calendar.load."""
    return {
        "id": "acme",
        "name": name,
        "weekend": ["sat", "sun"],
        "years": [
            {
                "year": year,
                "source": "test",
                "days": [{"date": f"{year}-01-02", "kind": "holiday", "note": "closed"}],
            }
        ],
    }

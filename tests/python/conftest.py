"""Shared fixtures for the opora Python tests.

ctest runs ``/usr/bin/python3 -m pytest -q tests/python`` with PYTHONPATH set to
the build tree's ``python`` directory, where the package and its extension live.

With OPORA_TEST_ENGINE=postgresql (ctest's ``python_pg``) every database a test
opens goes to the PostgreSQL server of OPORA_TEST_PG_DSN instead, each in a schema
of its own (see ``_pg_target``); tests marked ``sqlite_only`` are skipped there.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import os
import threading

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

ON_POSTGRESQL = os.environ.get("OPORA_TEST_ENGINE", "sqlite") == "postgresql"
PG_DSN = os.environ.get("OPORA_TEST_PG_DSN", "")
# ctest's SKIP_RETURN_CODE for python_pg: PostgreSQL asked for but no server given.
PG_SKIP_RETURN_CODE = 77


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test is about SQLite files (copies, WAL, a release's .db, "
        "read-only file handles); skipped when the suite runs against PostgreSQL",
    )
    if os.environ.get("OPORA_TEST_ENGINE", "sqlite") not in ("sqlite", "postgresql"):
        pytest.exit("OPORA_TEST_ENGINE is sqlite (the default) or postgresql", returncode=4)
    if ON_POSTGRESQL and not PG_DSN:
        pytest.exit(
            "OPORA_TEST_ENGINE=postgresql needs a server: "
            'OPORA_TEST_PG_DSN="$(scripts/pg-cluster start)"',
            returncode=PG_SKIP_RETURN_CODE,
        )


def pytest_collection_modifyitems(config, items):
    if not ON_POSTGRESQL:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {why}"))


# The schema of a database a test opens on PostgreSQL. The rule is the unit tests' own
# (tests/unit/main.cpp): ":memory:" gets a fresh schema t<pid>_<n> each time; a file path
# gets f<pid>_<first 16 hex digits of the SHA-256 of its absolute path>_<generation>, so
# reopening the path reaches the same database. The pid keeps an earlier run's schemas
# (pytest reuses its temporary paths) out of reach on a long-lived server. The file
# itself is created empty as a stand-in; when it is missing at an open (never opened, or
# deleted since) the path starts a new generation: a fresh, empty database, as on SQLite.
_pg_lock = threading.Lock()
_pg_memory = itertools.count(1)
_pg_generations: dict[str, int] = {}


def _pg_target(path: str) -> tuple[str, str]:
    pid = os.getpid()
    if path == ":memory:":
        with _pg_lock:
            return PG_DSN, f"t{pid}_{next(_pg_memory)}"
    absolute = os.path.abspath(path)
    with _pg_lock:
        generation = _pg_generations.get(absolute, 0)
        if not os.path.exists(absolute):
            generation += 1
            try:
                open(absolute, "ab").close()
            except OSError:
                pass  # a missing directory: PostgreSQL opens it anyway; such tests are sqlite_only
        _pg_generations[absolute] = generation
    digest = hashlib.sha256(absolute.encode()).hexdigest()[:16]
    return PG_DSN, f"f{pid}_{digest}_{generation}"


if ON_POSTGRESQL and PG_DSN:
    _native_init = opora.Database.__init__

    def _init_on_postgresql(self, path, **options):
        text = os.fsdecode(os.fspath(path))
        if text.startswith(("postgresql://", "postgres://")) or "schema" in options:
            _native_init(self, path, **options)
            return
        target, options["schema"] = _pg_target(text)
        _native_init(self, target, **options)
        self._path = text  # Database.path still answers the path the test gave

    # The original stays reachable for a test that opens each engine itself
    # (test_engines_agree.py): opora.Database.__init__.__wrapped__.
    _init_on_postgresql.__wrapped__ = _native_init  # type: ignore[attr-defined]
    # opora.open() constructs a Database, so this serves both.
    opora.Database.__init__ = _init_on_postgresql


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

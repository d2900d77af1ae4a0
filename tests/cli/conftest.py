"""The CLI tests' pytest setup: the `pg` marker for tests that need the PostgreSQL server of
OPORA_TEST_PG_DSN. The `cli` ctest entry leaves them out (-m "not pg"); `cli_pg` (labels
cli and pg) runs them, and without a server exits with 77, which ctest reports as skipped."""
import os

import pytest

PG_SKIP_RETURN_CODE = 77


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "pg: needs the PostgreSQL server of OPORA_TEST_PG_DSN (ctest entry cli_pg)")
    if os.environ.get("OPORA_CLI_PG") == "1" and not os.environ.get("OPORA_TEST_PG_DSN"):
        pytest.exit('cli_pg needs a server: OPORA_TEST_PG_DSN="$(scripts/pg-cluster start)"',
                    returncode=PG_SKIP_RETURN_CODE)

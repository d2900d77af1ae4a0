"""Helpers shared by the CLI tests: the binary under test and how to run it."""
import os
import subprocess

import pytest

CLI = os.environ.get("OPORA_CLI", "")
USAGE_HINT = "Try 'opora --help' for usage."


def cli():
    """The binary under test."""
    if not CLI or not os.access(CLI, os.X_OK):
        pytest.fail("OPORA_CLI must name the built opora binary (got %r)" % CLI)
    return CLI


def clean_env(extra=None):
    """The environment without OPORA_DB (so the default is ":memory:")."""
    env = {k: v for k, v in os.environ.items() if k != "OPORA_DB"}
    env.update(extra or {})
    return env


def run(*args, stdin=None, env=None, input_text=None):
    """Runs the CLI; returns the CompletedProcess with text .out and .err."""
    proc = subprocess.run(
        [cli(), *args],
        input=input_text.encode("utf-8") if input_text is not None else None,
        stdin=stdin,
        capture_output=True,
        env=clean_env(env),
        timeout=60,
    )
    assert proc.returncode >= 0, "killed by signal %d" % -proc.returncode
    proc.out = proc.stdout.decode("utf-8")
    proc.err = proc.stderr.decode("utf-8")
    return proc

"""examples/python/sync_deals.py, run as a plugin developer would run it, twice: the first run
creates the act of the closed deal and starts service control for the paid one; the second
changes nothing (the act is found by the deal's ref, the webhook by its event id)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import opora

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


def run(db_path):
    return subprocess.run([sys.executable, str(EXAMPLE / "sync_deals.py"),
                           str(EXAMPLE / "deals.json"), str(db_path)],
                          check=True, capture_output=True, text=True, env=dict(os.environ)).stdout


def test_the_sync_is_idempotent_and_starts_the_process_once(tmp_path):
    db_path = tmp_path / "crm.db"
    first = run(db_path).splitlines()
    assert "bitrix24:deal:42 service_control started (instance 1)" in first
    assert any(line.startswith("bitrix24:deal:43 act АКТ-2026-") and "35000.00" in line
               for line in first)
    assert any(line.startswith("task for petrova:") for line in first)
    second = run(db_path).splitlines()
    assert "bitrix24:deal:42 stage change seen before: nothing to do" in second
    assert any(line.startswith("bitrix24:deal:43 act АКТ-2026-") and line.endswith("kept")
               for line in second)
    with opora.open(db_path) as db:
        assert len(db.registry.find(kind="act")["documents"]) == 1
        assert len(db.workflow.instances(definition="service_control")["instances"]) == 1

"""The demo's HTML report opens in a browser: scripts/demo-report writes it from a database
(three billed months with debt, two processes, an EDO packet), and headless Chromium (Debian's
chromium) loads it; the rendered DOM holds the ageing chart with its bars, each process
diagram as SVG with its live instances, the tables; a screenshot is not blank."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import xml.dom.minidom

import pytest

import opora

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def make_database(path):
    with opora.open(path, clock="manual", now="2025-12-01T06:00:00+03:00",
                    utc_offset="+03:00") as db:
        db.billing.tariff.define(code="home", name="Домашний", fee="600.00")
        for n in range(1, 7):
            number = f"LS-{n:04d}"
            db.billing.account.put(number=number,
                                   holder={"type": "person", "name": f"Абонент {n}"})
            db.billing.subscription.connect(account=number, tariff="home", date="2025-12-01")
        for period, now in (("2025-12", "2025-12-01T06:00:00+03:00"),
                            ("2026-01", "2026-01-01T06:00:00+03:00"),
                            ("2026-02", "2026-02-01T06:00:00+03:00")):
            db.clock.set(now=now)
            db.billing.run(period)
            # Half of the subscribers pay each month.
            for n in range(1, 4):
                db.billing.pay(channel="bank", txn_id=f"{period}-{n}", account=f"LS-{n:04d}",
                               amount="600.00", txn_date=now[:19])
        db.clock.set(now="2026-02-28T18:00:00+03:00")
        db.workflow.install(id="service_control")
        db.workflow.install(id="act_signing")
        db.events.post(type="deal.stage_changed", key="bitrix24:deal:1",
                       data={"stage": "PAID", "deal_id": 1, "manager": "ivanov",
                             "head": "petrova"})


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    make_database(tmp / "demo.db")
    out = tmp / "report"
    env = dict(os.environ)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "demo-report"), str(tmp / "demo.db"),
                    str(out)], check=True, env=env, capture_output=True, text=True)
    return out


def chromium(*args, timeout=90):
    if CHROMIUM is None:
        pytest.fail("chromium is not installed (scripts/deps installs Debian's chromium)")
    return subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", "--no-first-run", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_the_report_is_well_formed_html_with_its_sections(report):
    page = (report / "index.html").read_text(encoding="utf-8")
    for section in ("billing", "workflows", "edo", "registry"):
        assert f'<section id="{section}">' in page
    assert (report / "service_control.svg").exists() and (report / "act_signing.svg").exists()
    # The standalone diagrams are valid SVG documents.
    xml.dom.minidom.parse(str(report / "service_control.svg"))


def test_chromium_renders_the_charts_and_diagrams(report):
    done = chromium("--virtual-time-budget=5000", "--dump-dom", (report / "index.html").as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert '<svg id="ageing-chart"' in dom
    # Three month-ends, each with at least one band of debt.
    assert dom.count('class="bar"') >= 3
    assert dom.count("2025-12-31") >= 1 and dom.count("2026-02-28") >= 1
    # Each process is drawn inline, with its live instance count in the caption.
    assert 'id="wf-service_control"' in dom and 'id="wf-act_signing"' in dom
    assert "service_control v1: 1 live" in dom
    assert dom.count("<svg") >= 3


def test_chromium_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "report.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1200,1600",
                    "--virtual-time-budget=5000", (report / "index.html").as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # A blank white page compresses to a few kilobytes; charts and text do not.
    assert len(data) > 20000, len(data)

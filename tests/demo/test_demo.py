"""The main job, as the README runs it: scripts/demo plays the five seeds end to end on a
fresh database and writes its report; headless Chromium opens that report.

The demo runs on the binaries of the build under test (OPORA_BUILD_DIR, set by ctest),
so it does not build a second time; `scripts/demo` alone builds its own Release tree.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
from decimal import Decimal

import pytest

from test_report import (assert_bar_totals_match_the_cli, assert_chart_labels_inside,
                         assert_round_ticks, chromium, cli, expected_edo, expected_tasks,
                         grouped, measure)

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    build = os.environ.get("OPORA_BUILD_DIR")
    if not build:
        pytest.fail("OPORA_BUILD_DIR must name a build with opora_cli and _opora (ctest sets it)")
    out = tmp_path_factory.mktemp("demo-out")
    env = dict(os.environ, OPORA_BUILD_DIR=build, OPORA_DEMO_OUT=str(out))
    env.pop("PYTHONPATH", None)  # the demo sets it from OPORA_BUILD_DIR
    done = subprocess.run(["bash", str(ROOT / "scripts" / "demo")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return out, done.stdout


def test_the_demo_plays_every_seed(demo):
    out, log = demo
    # seed 000: 10,000 subscribers, three runs, bank payments, dunning, the gateway, outage
    assert "10,000 subscribers in all" in log
    assert len(re.findall(r"^  \d+ payments through the bank on", log, re.M)) == 3
    # dunning as the shipped process: bills, reminders, disconnection tasks out of the outbox
    assert re.search(r"^  2025-12-01: [\d,]+ sms$", log, re.M)
    assert re.search(r"^  2025-12-\d\d: [\d,]+ disconnect_task$", log, re.M)
    assert "LS-0008's January dunning: [\"paid\"], ended on 2026-01-20" in log
    assert "gateway at http://127.0.0.1:" in log
    # the retried pay is answered with the same receipt (prv_txn) both times
    receipts = re.findall(r"<prv_txn>(\d+)</prv_txn>", log)
    assert len(receipts) >= 2 and receipts[-1] == receipts[-2]
    assert "outage instance: done" in log
    # seed 001: service control through its approval loop
    assert "transitions:" in log and "history records" in log
    # seeds 003/004: the act through EDO, checked against the FNS schema, signed back
    assert re.search(r"ON_NSCHFDOPPR_\S+\.xml validates", log)
    assert "registry signed" in log
    assert "act-signing workflow:" in log and "(done)" in log
    # where the report is
    report = out / "report" / "index.html"
    assert f"Report: {report.resolve()}" in log
    assert (out / "opora.db").exists()


def test_chromium_renders_the_demo_report(demo):
    out, log = demo
    report = out / "report"
    done = chromium("--virtual-time-budget=5000", "--dump-dom", (report / "index.html").as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    # debt ageing at each of the three month-ends, as bars
    assert '<svg id="ageing-chart"' in dom
    for month_end in ("2025-12-31", "2026-01-31", "2026-02-28"):
        assert month_end in dom
    assert dom.count('class="bar"') >= 3
    # the debtors over 30 days at the end of February, as the CLI listed them in the demo
    debtors = re.search(r"^date: 2026-02-28\ncount: (\d+)$", log, re.M)
    assert debtors, "the demo lists the debtors over 30 days on 2026-02-28"
    assert (f"{debtors.group(1)} accounts with debt overdue 30 days or more on 2026-02-28"
            in dom)
    # every installed process drawn inline with its live instances
    for definition in ("service_control", "act_signing", "planned_outage_notice"):
        assert f'id="wf-{definition}"' in dom, definition
        assert (report / f"{definition}.svg").exists()
    # the EDO packet with a link to its rendered UPD, copied into the report
    links = re.findall(r'href="(edo-deal-77/ON_NSCHFDOPPR_[^"]+\.xml)"', dom)
    assert links and (report / links[0]).exists()
    assert '<section id="registry">' in dom


def test_the_demo_report_says_what_the_cli_says(demo):
    out, log = demo
    db = out / "opora.db"
    measured = measure(out / "report")
    # The chart: no label clipped (4 674 666.06 read as 674 666.06 before), round ticks in
    # roubles, each bar's total the CLI's ageing total on that date...
    assert_chart_labels_inside(measured)
    peak = assert_bar_totals_match_the_cli(
        measured, lambda date: cli(db, "billing", "ageing", "--date", date))
    assert_round_ticks(measured, peak)
    # ... and the February bar is the ageing the demo itself printed on 2026-02-28.
    printed = re.search(r"^count: \d+\n(\{.*\})$", log, re.M)
    assert printed, "the demo prints the ageing buckets after the debtors"
    february = [t["text"] for t in measured["texts"]
                if t["cls"] == "bar-total" and t["date"] == "2026-02-28"]
    assert february == [grouped(sum(Decimal(v) for v in json.loads(printed.group(1)).values()))]
    # The open tasks with their due dates (deal 43 waits for its documents to be collected).
    header, *tasks = measured["tasks"]
    assert tasks == expected_tasks(db)
    assert any(row[0] != "—" and row[4] == "bitrix24:deal:43" for row in tasks), tasks
    # EDO packets by counterparty and document number, as the CLI lists them.
    edo_rows, ids = expected_edo(db)
    assert [r[:6] for r in measured["edo"][1:]] == edo_rows
    assert any(r[0] == "ООО «Ромашка», ИНН 7707083893" and r[1].startswith("act № АКТ-")
               and r[4] == "countersigned" for r in edo_rows)
    assert not any(cell in ids for r in measured["edo"][1:] for cell in r)


def test_the_demo_log_holds_no_phone_or_subscriber_name(demo):
    out, log = demo
    gateway_log = (out / "gateway.log").read_text(encoding="utf-8")
    for text in (log, gateway_log):
        # Phones of the 10,000 subscribers (+7900..., +7901...) and the e-mails of the
        # seeds' contacts.
        assert not re.search(r"\+79\d{9}", text)
        assert "client@romashka.ru" not in text and "kuz@example.ru" not in text
        # The first 40 subscribers' names, the bank statement's payer, the sole trader.
        for name in ("Иван Сергеевич", "Анна Петровна", "Олег Игоревич", "Мария Ивановна",
                     "Пётр Алексеевич", "ИП Кузнецов"):
            assert name not in text, name
    assert "account=***0077" in gateway_log

"""The demo's HTML report opens in a browser and says what the CLI says: scripts/demo-report
writes it from a database (three billed months with millions in debt, open tasks with and
without deadlines, an EDO packet sent and signed), and headless Chromium (Debian's chromium)
loads it. A script injected into a copy of the page measures every label of the ageing chart
(getBBox against the SVG's viewBox: no label is clipped) and reads the tables back; the
numbers are compared with what the `opora` CLI prints for the same database."""

from __future__ import annotations

import base64
import datetime
import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import xml.dom.minidom
from decimal import Decimal

import pytest

import opora

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OFFSET = datetime.timezone(datetime.timedelta(hours=3))
FEE = "779111.01"  # six subscribers, half of them paying: millions of roubles in debt

OUR = {"code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
       "inn": "6663003127", "kpp": "666301001", "address": "г. Екатеринбург",
       "participant_id": "2BM-6663003127-666301001-202207281004154081709", "box_id": "our@diadoc",
       "signer": {"last_name": "Сидоров", "first_name": "Павел", "position": "Директор"}}
THEM = {"code": "bitrix24:company:7", "role": "counterparty", "type": "company",
        "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001", "address": "г. Москва",
        "participant_id": "2BM-7707083893-773601001-2019111512062712", "box_id": "them@diadoc"}


def make_database(path):
    with opora.open(path, clock="manual", now="2025-12-01T06:00:00+03:00",
                    utc_offset="+03:00") as db:
        db.billing.tariff.define(tariff="home", name="Домашний", fee=FEE)
        for n in range(1, 7):
            number = f"LS-{n:04d}"
            db.billing.account.put(account=number,
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
                               amount=FEE, txn_date=now[:19])
        db.clock.set(now="2026-02-25T10:00:00+03:00")
        db.workflow.install(definition="service_control")
        db.workflow.install(definition="act_signing")
        deal = {"stage": "PAID", "manager": "ivanov", "head": "petrova", "company": "ООО «Ромашка»"}
        for n in (1, 2, 3):
            db.events.post(type="deal.stage_changed", key=f"bitrix24:deal:{n}",
                           data={**deal, "deal_id": n})
        # Deals 2 and 1, a day apart, get to collecting their documents: a task due in two
        # working days each; deal 3 waits for an employee (a task without a deadline).
        for n, now in ((2, "2026-02-25T10:00:00+03:00"), (1, "2026-02-26T09:00:00+03:00")):
            db.clock.set(now=now)
            instance = db.workflow.instances(key=f"bitrix24:deal:{n}")["instances"][0]["instance"]
            for data in ({"employee": "sidorov"}, {"documents": "акт осмотра"}):
                [task] = db.workflow.tasks(instance=instance)["tasks"]
                db.workflow.task.complete(task=task["task"], outcome="done", data=data)
        # An act goes out through Diadoc and comes back signed.
        db.clock.set(now="2026-02-26T12:00:00+03:00")
        db.edo.party.put(**OUR)
        db.edo.party.put(**THEM)
        act = db.registry.put(
            kind="act", date="2026-02-26", refs=["bitrix24:deal:1"],
            organization={k: OUR[k] for k in ("type", "name", "inn", "kpp")},
            counterparty={k: THEM[k] for k in ("type", "name", "inn", "kpp")},
            items=[{"name": "Монтаж", "quantity": "1", "price": "120000.00", "vat_rate": "22"}])
        built = db.edo.packet.build(ref="bitrix24:deal:1", operator="diadoc")
        db.edo.packet.mark(packet=built["packet"], status="sent", message_id="m-1",
                           documents=[{"document": act["id"], "operator_document_id": "d-1"}])
        db.clock.set(now="2026-02-27T09:30:00+03:00")
        db.edo.event.apply(operator="diadoc", event_id="e-1", operator_document_id="d-1",
                           raw={"RecipientResponseStatus": "WithRecipientSignature"},
                           signed_file={"name": "act.sig",
                                        "content_base64": base64.b64encode(b"sig").decode()})
        db.clock.set(now="2026-02-28T18:00:00+03:00")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    make_database(tmp / "demo.db")
    out = tmp / "report"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "demo-report"), str(tmp / "demo.db"),
                    str(out), "--utc-offset", "+03:00"],
                   check=True, env=dict(os.environ), capture_output=True, text=True)
    return out


def chromium(*args, timeout=90):
    if CHROMIUM is None:
        pytest.fail("chromium is not installed (scripts/deps installs Debian's chromium)")
    return subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                           "--disable-dev-shm-usage", "--no-first-run", *args],
                          capture_output=True, text=True, timeout=timeout)


# Runs in the page once it is laid out: every text of the ageing chart with its class and
# bounding box (SVG user units, the viewBox's), and the text of each table's cells.
MEASURE = """<script>
const svg = document.getElementById("ageing-chart");
const vb = svg.viewBox.baseVal;
const texts = [...svg.querySelectorAll("text")].map(t => {
  const b = t.getBBox();
  return {cls: t.getAttribute("class"), date: t.getAttribute("data-date"), text: t.textContent,
          x: b.x, y: b.y, width: b.width, height: b.height};
});
const table = cls => {
  const t = document.querySelector("table." + cls);
  return t ? [...t.rows].map(r => [...r.cells].map(c => c.textContent)) : null;
};
const out = {viewBox: [vb.x, vb.y, vb.width, vb.height], texts,
             tasks: table("tasks"), edo: table("edo")};
const pre = document.createElement("pre");
pre.id = "measured";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


def measure(report_dir: pathlib.Path) -> dict:
    """What Chromium lays out for the report: chart labels with their boxes, table cells."""
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    probe = report_dir / "measure.html"
    probe.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = chromium("--virtual-time-budget=5000", "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    return json.loads(html.unescape(found.group(1)))


def cli(db, *args) -> dict:
    """The CLI's --json answer for the same database."""
    build = os.environ.get("OPORA_BUILD_DIR")
    if not build:
        pytest.fail("OPORA_BUILD_DIR must name a build with opora_cli (ctest sets it)")
    done = subprocess.run([str(pathlib.Path(build) / "examples" / "cli" / "opora"), "--db",
                           str(db), "--json", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def grouped(amount: str) -> str:
    """An amount as the report writes it: thin spaces between thousands."""
    return f"{Decimal(amount):,.2f}".replace(",", "\u202f")


def assert_chart_labels_inside(measured: dict) -> None:
    x0, y0, width, height = measured["viewBox"]
    assert measured["texts"]
    for t in measured["texts"]:
        assert t["width"] > 0 and t["height"] > 0, t
        assert t["x"] >= x0 and t["y"] >= y0, f"clipped at the left or top: {t}"
        assert t["x"] + t["width"] <= x0 + width, f"clipped at the right: {t}"
        assert t["y"] + t["height"] <= y0 + height, f"clipped at the bottom: {t}"


def assert_bar_totals_match_the_cli(measured: dict, ageing_of) -> Decimal:
    """Each bar's total is the CLI's ageing total on its date; returns the largest."""
    totals = [t for t in measured["texts"] if t["cls"] == "bar-total"]
    assert totals
    peak = Decimal(0)
    for t in totals:
        [rub] = [a for a in ageing_of(t["date"])["ageing"] if a["currency"] == "RUB"]
        assert t["text"] == grouped(rub["total"]), (t["date"], t["text"], rub["total"])
        assert Decimal(rub["total"]) == sum(Decimal(v) for v in rub["buckets"].values())
        peak = max(peak, Decimal(rub["total"]))
    return peak


def assert_round_ticks(measured: dict, peak: Decimal) -> None:
    ticks = [Decimal(t["text"].replace("\u202f", "")) for t in measured["texts"]
             if t["cls"] == "tick"]
    assert ticks[0] == 0 and 3 <= len(ticks) - 1 <= 6, ticks
    step = ticks[1]
    assert all(b - a == step for a, b in zip(ticks, ticks[1:])), ticks
    mantissa = step.scaleb(-step.adjusted()).normalize()
    assert mantissa in (1, 2, Decimal("2.5"), 5), step
    assert ticks[-1] >= peak > ticks[-2], (ticks, peak)
    [title] = [t["text"] for t in measured["texts"] if t["cls"] == "axis-title"]
    assert "RUB" in title


def local(instant: str) -> str:
    return (datetime.datetime.fromisoformat(instant.replace("Z", "+00:00"))
            .astimezone(OFFSET).strftime("%Y-%m-%d %H:%M"))


def expected_tasks(db) -> list[list[str]]:
    """The tasks table's rows as the CLI's workflow.tasks gives them: due at +03:00
    (soonest first, those without a deadline last), overdue, title, who, the business key."""
    rows = []
    for t in cli(db, "workflow", "tasks", "--limit", "1000")["tasks"]:
        key = cli(db, "workflow", "get", "--instance", str(t["instance"]))["key"]
        rows.append([local(t["due"]) if t["due"] else "—", "overdue" if t["overdue"] else "",
                     t["title"], t["assignee"] or t["group"], key])
    rows.sort(key=lambda row: (row[0] == "—", row[0]))
    return rows


def expected_edo(db) -> tuple[list[list[str]], set[str]]:
    """The EDO table's rows (without the file link) as the CLI gives the packets, and the
    internal ids that must not stand in for them."""
    rows, ids = [], set()
    for p in cli(db, "edo", "packets", "--limit", "1000")["packets"]:
        party = cli(db, "edo", "party", "get", "--party", p["recipient"])
        ids.add(str(p["packet"]))
        for d in p["documents"]:
            ids.add(str(d["document"]))
            doc = cli(db, "registry", "get", "--document", str(d["document"]), "--include-deleted")
            rows.append([f"{party['name']}, ИНН {party['inn']}",
                         f"{doc['kind']} № {doc['number']} of {doc['date']}", p["operator"],
                         p["status"], d["status"], local(d["sent_at"]) if d["sent_at"] else "—"])
    return rows, ids


def test_the_report_is_well_formed_html_with_its_sections(report):
    page = (report / "index.html").read_text(encoding="utf-8")
    for section in ("billing", "workflows", "edo", "registry"):
        assert f'<section id="{section}">' in page
    assert (report / "service_control.svg").exists() and (report / "act_signing.svg").exists()
    # The standalone diagrams are valid SVG documents.
    xml.dom.minidom.parse(str(report / "service_control.svg"))


def test_the_ageing_chart_shows_every_label_whole_with_round_ticks_and_the_cli_totals(report):
    measured = measure(report)
    db = report.parent / "demo.db"
    assert_chart_labels_inside(measured)
    peak = assert_bar_totals_match_the_cli(
        measured, lambda date: cli(db, "billing", "ageing", "--date", date))
    assert peak > 1_000_000  # the labels are wide enough to have been clipped before
    assert_round_ticks(measured, peak)
    assert [t["text"] for t in measured["texts"] if t["cls"] == "bar-date"] == [
        "2025-12-31", "2026-01-31", "2026-02-28"]


def test_the_tasks_table_lists_every_open_task_by_its_due_time_as_the_cli_does(report):
    measured = measure(report)
    db = report.parent / "demo.db"
    header, *rows = measured["tasks"]
    assert header[0].startswith("due") and "+03:00" in header[0]
    expected = expected_tasks(db)
    assert len(expected) == 3 and [r[0] for r in expected] == [
        "2026-02-27 10:00", "2026-03-02 09:00", "—"]  # two working days; Saturday skipped
    assert rows == expected


def test_edo_packets_show_the_counterparty_and_the_document_number_not_ids(report):
    measured = measure(report)
    db = report.parent / "demo.db"
    header, *rows = measured["edo"]
    assert header[:2] == ["counterparty", "document"]
    expected, ids = expected_edo(db)
    assert expected and [r[:6] for r in rows] == expected
    assert expected[0][0] == "ООО «Ромашка», ИНН 7707083893"
    assert expected[0][4:] == ["countersigned", "2026-02-26 12:00"]
    assert not any(cell in ids for r in rows for cell in r), rows


def test_chromium_renders_the_diagrams(report):
    done = chromium("--virtual-time-budget=5000", "--dump-dom", (report / "index.html").as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert '<svg id="ageing-chart"' in dom
    assert dom.count('class="bar"') >= 3
    # Each process is drawn inline, with its live instance count in the caption.
    assert 'id="wf-service_control"' in dom and 'id="wf-act_signing"' in dom
    assert "service_control v1: 3 live" in dom
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

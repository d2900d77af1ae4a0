"""examples/bank_gateway: the OSMP/Kaspi HTTP gateway, tested over loopback HTTP.

The server runs in a thread of this process on a free port over a temporary
database with accounts and an accrual; the requests are what agents send. ctest
runs this with PYTHONPATH set to the build tree's python directory.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

import opora

GATEWAY_PY = pathlib.Path(__file__).resolve().parents[2] / "examples" / "bank_gateway" / "gateway.py"


def load_gateway():
    spec = importlib.util.spec_from_file_location("bank_gateway", GATEWAY_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gateway = load_gateway()

DUE = Decimal("1500.00")


@pytest.fixture
def db_path(tmp_path):
    """A database with A-1001 (owes DUE for a connection charge), Л-7 (owes nothing)
    and the disconnected A-2002."""
    path = tmp_path / "billing.db"
    with opora.open(path) as db:
        db.billing.account.put(account="A-1001",
                               holder={"type": "person", "name": "Иванов Иван Иванович"})
        db.billing.charge(account="A-1001", name="Подключение", amount=DUE)
        db.billing.account.put(account="Л-7", holder={"type": "person", "name": "Львова Лада"})
        db.billing.account.put(account="A-2002", holder={"type": "person", "name": "Петров Пётр"},
                               status="disconnected")
    return path


class Gateway:
    """A running server and a small client for it."""

    def __init__(self, server):
        self.server = server
        host, port = server.server_address[:2]
        self.base = f"http://{host}:{port}"

    def request(self, protocol, method="GET", **params):
        """(status, content type, body text) of GET /protocol?params or a form POST."""
        query = urllib.parse.urlencode(params)
        if method == "GET":
            req = urllib.request.Request(f"{self.base}/{protocol}?{query}")
        else:
            req = urllib.request.Request(
                f"{self.base}/{protocol}", data=query.encode("ascii"), method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.headers["Content-Type"], response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers["Content-Type"], e.read().decode()

    def xml(self, protocol, method="GET", **params):
        """The answer's elements as a dict of text (Kaspi's <fields> by their name)."""
        status, content_type, body = self.request(protocol, method, **params)
        assert status == 200, body
        assert content_type.startswith("text/xml")
        root = ET.fromstring(body)
        assert root.tag == "response"
        answer = {child.tag: child.text for child in root if child.tag != "fields"}
        for field in root.iterfind("fields/*"):
            answer["field:" + field.get("name")] = field.text
        answer["result"] = int(answer["result"])
        return answer


def start(db_path, **options):
    server = gateway.make_server(db_path, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def gw(db_path):
    server, thread = start(db_path)
    try:
        yield Gateway(server)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def pay(**extra):
    params = {"command": "pay", "txn_id": "1001", "account": "A-1001", "sum": "500.00",
              "txn_date": "20261123120133"}
    params.update(extra)
    return params


def paid(db_path, account="A-1001") -> Decimal:
    with opora.open(db_path) as db:
        return Decimal(db.billing.balance(account=account)["paid"])


# --------------------------------------------------------------------- OSMP --


def test_osmp_check_returns_the_amount_due(gw):
    answer = gw.xml("osmp", command="check", txn_id="1", account="A-1001", sum="0")
    assert answer["result"] == 0
    assert answer["osmp_txn_id"] == "1"
    assert Decimal(answer["sum"]) == DUE
    assert answer["recipient_name"] == "Иван Иванович И."  # masked


def test_osmp_pay_then_replay_credit_once(gw, db_path):
    first = gw.xml("osmp", **pay())
    assert first["result"] == 0 and first["osmp_txn_id"] == "1001"
    assert first["prv_txn"] and first["sum"] == "500.00"

    again = gw.xml("osmp", **pay())
    assert again["result"] == 0
    assert again["prv_txn"] == first["prv_txn"]
    assert paid(db_path) == Decimal("500.00")
    assert Decimal(gw.xml("osmp", command="check", txn_id="2", account="A-1001")["sum"]) == (
        DUE - Decimal("500.00"))


@pytest.mark.parametrize("protocol", ["osmp", "kaspi"])
def test_a_replay_is_answered_byte_for_byte_as_the_first_time(gw, protocol):
    first = gw.request(protocol, **pay())
    assert gw.request(protocol, **pay()) == first


def test_osmp_post_form_is_the_same_as_get(gw, db_path):
    by_post = gw.xml("osmp", "POST", **pay(txn_id="77"))
    assert by_post["result"] == 0
    assert gw.xml("osmp", **pay(txn_id="77"))["prv_txn"] == by_post["prv_txn"]
    assert paid(db_path) == Decimal("500.00")


def test_osmp_same_txn_id_with_another_sum_is_a_conflict(gw, db_path):
    assert gw.xml("osmp", **pay())["result"] == 0
    refused = gw.xml("osmp", **pay(sum="501.00"))
    assert refused["result"] == 7
    assert "prv_txn" not in refused
    assert gw.xml("osmp", **pay(account="Л-7"))["result"] == 7
    assert paid(db_path) == Decimal("500.00")


def test_osmp_refusals(gw, db_path):
    unknown = gw.xml("osmp", **pay(account="NO-SUCH"))
    assert unknown["result"] == 5 and unknown["osmp_txn_id"] == "1001"
    assert gw.xml("osmp", command="check", txn_id="5", account="NO-SUCH")["result"] == 5
    for bad_sum in ("abc", "0", "-5", "1.001", ""):
        assert gw.xml("osmp", **pay(sum=bad_sum))["result"] == 300, bad_sum
    assert gw.xml("osmp", **pay(command="refund"))["result"] == 300
    assert gw.xml("osmp", **pay(txn_id="not-a-number"))["result"] == 300
    assert paid(db_path) == Decimal("0.00")


def test_a_disconnected_account_still_takes_payments(gw, db_path):
    """Paying the debt is how a disconnected subscriber gets reconnected:
    check answers 0 and the payment is booked."""
    assert gw.xml("osmp", command="check", txn_id="6", account="A-2002")["result"] == 0
    answer = gw.xml("osmp", **pay(account="A-2002"))
    assert (answer["result"], paid(db_path, "A-2002")) == (0, Decimal("500.00"))


def test_osmp_unescaped_utf8_account(gw):
    """Some agents send the account's UTF-8 bytes unescaped; the gateway passes
    them on percent-encoded and the library reads them as UTF-8."""
    host, port = gw.server.server_address[:2]
    raw = "/osmp?command=check&txn_id=9&account=Л-7&sum=0".encode()
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(b"GET " + raw + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        response = b""
        while chunk := s.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    root = ET.fromstring(body)
    assert root.findtext("result") == "0"
    assert root.findtext("recipient_name") == "Лада Л."


# -------------------------------------------------------------------- Kaspi --


def test_kaspi_check_pay_replay_and_refusals(gw, db_path):
    check = gw.xml("kaspi", command="check", txn_id="1", account="A-1001")
    assert check["result"] == 0 and check["txn_id"] == "1"
    assert Decimal(check["field:debt"]) == DUE
    assert check["field:fio"] == "Иван Иванович И."

    first = gw.xml("kaspi", **pay(txn_id="5001"))
    assert first["result"] == 0 and first["prv_txn_id"] and first["sum"] == "500.00"
    again = gw.xml("kaspi", **pay(txn_id="5001"))
    assert again["result"] == 0 and again["prv_txn_id"] == first["prv_txn_id"]

    assert gw.xml("kaspi", **pay(txn_id="5001", sum="1.00"))["result"] == 5  # conflict
    assert gw.xml("kaspi", command="check", txn_id="2", account="NO-SUCH")["result"] == 1
    assert gw.xml("kaspi", **pay(txn_id="5002", account="NO-SUCH"))["result"] == 1
    assert gw.xml("kaspi", **pay(txn_id="5003", sum="abc"))["result"] == 5
    assert paid(db_path) == Decimal("500.00")


def test_osmp_and_kaspi_are_separate_channels(gw, db_path):
    osmp = gw.xml("osmp", **pay(sum="10.00"))
    kaspi = gw.xml("kaspi", **pay(sum="10.00"))
    assert osmp["result"] == kaspi["result"] == 0
    assert osmp["prv_txn"] != kaspi["prv_txn_id"]
    assert paid(db_path) == Decimal("20.00")


# -------------------------------------------------------------- concurrency --


def test_concurrent_replays_credit_once(gw, db_path):
    threads = 8
    start = threading.Barrier(threads)

    def send(_):
        start.wait()
        return gw.xml("osmp", **pay(txn_id="424242", sum="250.00"))

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(send, range(threads)))
    assert {a["result"] for a in answers} == {0}
    assert len({a["prv_txn"] for a in answers}) == 1
    assert paid(db_path) == Decimal("250.00")


def test_concurrent_distinct_payments_all_credit(gw, db_path):
    threads = 8
    start = threading.Barrier(threads)

    def send(i):
        start.wait()
        return gw.xml("kaspi", **pay(txn_id=str(7000 + i), sum="1.00"))

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(send, range(threads)))
    assert {a["result"] for a in answers} == {0}
    assert len({a["prv_txn_id"] for a in answers}) == threads
    assert paid(db_path) == Decimal("8.00")


# --------------------------------------------------------------------- HTTP --


def test_other_paths_and_bodies(gw):
    status, _, body = gw.request("qiwi", command="check")
    assert status == 404 and "/osmp" in body
    host, port = gw.server.server_address[:2]
    req = urllib.request.Request(f"http://{host}:{port}/osmp", method="POST",
                                 data=b"x" * (gateway.MAX_BODY_BYTES + 1))
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 413


def test_a_locked_database_answers_503_and_the_retry_succeeds(db_path):
    server, thread = start(db_path, busy_timeout_ms=50)
    gw = Gateway(server)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        status, _, _ = gw.request("osmp", **pay())
        assert status == 503  # nothing decided: the agent retries
        blocker.execute("COMMIT")
        assert gw.xml("osmp", **pay())["result"] == 0
        assert paid(db_path) == Decimal("500.00")
    finally:
        blocker.close()
        server.shutdown()
        thread.join()
        server.server_close()


def test_allow_list(db_path):
    server, thread = start(db_path, allow=["10.0.0.0/8"])
    try:
        status, _, _ = Gateway(server).request("osmp", command="check", txn_id="1",
                                               account="A-1001")
        assert status == 403
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# ---------------------------------------------------------------------- CLI --


def test_command_line_as_in_the_readme(db_path):
    process = subprocess.Popen(
        [sys.executable, str(GATEWAY_PY), "--db", str(db_path), "--port", "0",
         "--host", "127.0.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), process.stderr.read()
        base = line.split()[-1]
        with urllib.request.urlopen(f"{base}/osmp?command=check&txn_id=1&account=A-1001",
                                    timeout=30) as response:
            assert ET.fromstring(response.read()).findtext("result") == "0"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_command_line_refuses_a_missing_database(tmp_path):
    result = subprocess.run(
        [sys.executable, str(GATEWAY_PY), "--db", str(tmp_path / "typo.db"), "--port", "0"],
        capture_output=True, text=True, env=os.environ.copy(), timeout=30)
    assert result.returncode == 2 and "no database" in result.stderr
    assert not (tmp_path / "typo.db").exists()

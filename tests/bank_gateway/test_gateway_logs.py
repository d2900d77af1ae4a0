"""examples/bank_gateway keeps personal data out of its log, at every level.

Kaspi agents look a payer up by IIN, some operators number accounts by the subscriber's
phone, and agents add fields of their own (the payer's name). The gateway is run as a
user runs it (``--verbose``: every line down to DEBUG) and in-process for the paths a
healthy run does not take (a locked database, an internal error); its log must hold none
of those values in any form -- clear, percent-escaped or spelt with separators -- while
still saying what happened (the request's command and txn_id, the result, the last four
characters of the account).
"""

from __future__ import annotations

import logging
import os
import pathlib
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest

import opora

GATEWAY_PY = pathlib.Path(__file__).resolve().parents[2] / "examples" / "bank_gateway" / "gateway.py"
sys.path.insert(0, str(GATEWAY_PY.parent))
import gateway  # noqa: E402

IIN = "870412300129"          # a valid IIN (checksum per the Kazakh rule)
OTHER_IIN = "900515400738"    # valid, of nobody in the database
PHONE_ACCOUNT = "77011234567"  # an operator numbering accounts by the subscriber's phone
HOLDER = "Жумабаева Айгерим Сериковна"
PAYER_FIO = "Ахметов Ерлан"   # an agent's own field

# Every form in which these may show up in a log line.
SECRETS = [
    IIN, OTHER_IIN, PHONE_ACCOUNT, "7011234567", "+7 701 123-45-67",
    *HOLDER.split(), *PAYER_FIO.split(),
    *(urllib.parse.quote(word) for word in (*HOLDER.split(), *PAYER_FIO.split())),
    *(urllib.parse.quote_plus(word) for word in (HOLDER, PAYER_FIO)),
]


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "billing.db"
    with opora.open(path) as db:
        db.billing.account.put(account="K-3003", currency="KZT",
                               holder={"type": "person", "name": HOLDER, "iin": IIN})
        db.billing.charge(account="K-3003", name="Подключение", amount="5000.00")
        db.billing.account.put(account=PHONE_ACCOUNT, phone="+7 701 123-45-67",
                               holder={"type": "person", "name": HOLDER})
        db.billing.charge(account=PHONE_ACCOUNT, name="Подключение", amount="1500.00")
    return path


def requests_of(base):
    """What agents send: checks and pays by IIN and by phone-account, GET and POST, an
    unknown IIN, the agent's own name field, and a malformed request line."""
    sent = []

    def get(protocol, **params):
        url = f"{base}/{protocol}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            sent.append((protocol, params, response.read().decode()))

    def post(protocol, **params):
        req = urllib.request.Request(f"{base}/{protocol}",
                                     data=urllib.parse.urlencode(params).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=30) as response:
            sent.append((protocol, params, response.read().decode()))

    get("kaspi", command="check", txn_id="501", account=IIN)
    get("kaspi", command="pay", txn_id="502", account=IIN, sum="5000.00",
        txn_date="20261123120133", fio=PAYER_FIO)
    post("kaspi", command="check", txn_id="503", account=OTHER_IIN)
    get("osmp", command="check", txn_id="601", account=PHONE_ACCOUNT, fio=PAYER_FIO)
    post("osmp", command="pay", txn_id="602", account=PHONE_ACCOUNT, sum="1500.00",
         txn_date="20261123120500")
    get("osmp", command="check", txn_id="603", account="+7 701 123-45-67")
    # A request http.server itself refuses: its error line quotes the request line.
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(f"GET /osmp?command=check&account={IIN} HTTP/1.1 junk\r\n\r\n".encode())
        s.recv(4096)
    return sent


def assert_no_personal_data(log: str) -> None:
    found = [secret for secret in SECRETS if secret in log]
    assert found == [], f"personal data in the log: {found}\n{log}"
    # No run of 10 or more digits (an IIN, a phone, an INN) survives anywhere, whatever
    # its separators; the agents' txn_date and the log's own time stamps aside.
    for line in log.splitlines():
        text = re.sub(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} ", "", line)
        text = re.sub(r"txn_date=\d{14}", "", text)
        assert not re.search(r"\d{10,}", re.sub(r"[\s\-()+]", "", text)), line


def test_the_gateway_run_with_verbose_logs_no_iin_phone_or_name(db_path):
    process = subprocess.Popen(
        [sys.executable, str(GATEWAY_PY), "--db", str(db_path), "--port", "0", "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), process.stderr.read()
        sent = requests_of(line.split()[-1])
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    log = process.stderr.read()
    # The answers did go through (the masked log is of real work).
    assert [("<result>0</result>" in body) for _, _, body in sent[:2]] == [True, True]
    assert_no_personal_data(log)
    # What an operator needs is still there: each request's txn_id and result at INFO,
    # the account's last four characters, the request lines at DEBUG.
    info = [l for l in log.splitlines() if " INFO " in l]
    for txn_id in ("501", "502", "503", "601", "602", "603"):
        assert any(f"txn_id={txn_id}" in l and "-> result" in l for l in info), (txn_id, log)
    assert any("account=***0129" in l for l in info)
    assert any("account=***4567" in l for l in info)
    assert any(" DEBUG " in l and '"GET /kaspi?command=check' in l for l in log.splitlines())
    assert any(" DEBUG " in l and "code 400" in l for l in log.splitlines())


def serve(db_path, **options):
    server = gateway.make_server(db_path, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return server, thread, "http://%s:%d" % server.server_address[:2]


def stop(server, thread):
    server.shutdown()
    thread.join()
    server.server_close()


def test_a_locked_database_and_an_internal_error_log_no_personal_data(db_path, caplog,
                                                                     monkeypatch):
    caplog.set_level(logging.DEBUG)
    server, thread, base = serve(db_path, busy_timeout_ms=50)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock: 503
        query = urllib.parse.urlencode({"command": "pay", "txn_id": "701", "account": IIN,
                                        "sum": "5000.00", "txn_date": "20261123120133",
                                        "fio": PAYER_FIO})
        with pytest.raises(urllib.error.HTTPError) as busy:
            urllib.request.urlopen(f"{base}/kaspi?{query}", timeout=30)
        assert busy.value.code == 503
        blocker.execute("COMMIT")

        # A failure the gateway does not expect, whose message quotes the payer.
        def broken(self, **params):
            raise RuntimeError(f"cannot book {params['query']} for {HOLDER}, IIN {IIN}")

        monkeypatch.setattr(opora.modules.Billing, "gateway", broken)
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"{base}/kaspi?{query.replace('701', '702')}", timeout=30)
        assert failed.value.code == 500
    finally:
        blocker.close()
        stop(server, thread)
    log = "\n".join(f"{r.levelname} {r.getMessage()}" for r in caplog.records)
    assert any(r.levelname == "WARNING" and "txn_id=701" in r.getMessage()
               for r in caplog.records), log
    assert any(r.levelname == "ERROR" and "txn_id=702" in r.getMessage()
               and "RuntimeError" in r.getMessage() for r in caplog.records), log
    assert_no_personal_data(log)

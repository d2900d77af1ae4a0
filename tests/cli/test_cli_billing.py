"""The CLI's billing jobs: `opora billing run 2026-11` with a progress bar,
`opora billing debtors --days 30`, payments and the check/pay gateway."""

import json

from cli_support import run  # noqa: F401

CLOCK = ["--option", "clock=manual", "--option", "now=2026-11-01T09:00:00Z"]


def ok(*args, env=None):
    proc = run(*args, env=env)
    assert proc.returncode == 0, proc.err
    return proc


def ok_json(*args):
    return json.loads(ok("--json", *args).out)


def operator(tmp_path, accounts=3):
    db = str(tmp_path / "billing.db")
    base = ["--db", db, *CLOCK]
    ok(*base, "billing", "tariff", "define", "--tariff", "home", "--name", "Домашний",
       "--fee", "499.00")
    for i in range(accounts):
        number = "LS-%04d" % (i + 1)
        ok(*base, "billing", "account", "put", "--account", number,
           "--holder", json.dumps({"type": "person", "name": "Абонент %d" % i}))
        ok(*base, "billing", "subscription", "connect", "--account", number,
           "--tariff", "home", "--date", "2026-09-01")
    return base


def test_billing_run_takes_the_period_as_a_bare_argument(tmp_path):
    base = operator(tmp_path)
    result = ok_json(*base, "billing", "run", "2026-10")
    assert result["period"] == "2026-10"
    assert result["status"] == "done"
    assert result["lines"] == 3
    assert result["totals"] == [{"currency": "RUB", "amount": "1497.00", "vat": "269.94"}]
    # the same period again posts nothing
    assert ok_json(*base, "billing", "run", "2026-10")["new_lines"] == 0


def test_billing_run_draws_a_progress_bar_on_stderr(tmp_path):
    base = operator(tmp_path, accounts=5)
    proc = ok(*base, "billing", "run", "2026-10", "--chunk-size", "2",
              env={"OPORA_PROGRESS": "always"})
    bars = [line for line in proc.err.splitlines() if line.startswith("billing.run [")]
    assert len(bars) == 3, proc.err  # accounts 1-2, 3-4, 5
    assert bars[-1].endswith("100% 5/5")
    assert "40% 2/5" in bars[0]
    quiet = ok(*base, "billing", "run", "2026-11", env={"OPORA_PROGRESS": "never"})
    assert quiet.err == ""


def test_a_period_given_twice_is_refused(tmp_path):
    base = operator(tmp_path, accounts=1)
    proc = run(*base, "billing", "run", "2026-10", "--period", "2026-11")
    assert proc.returncode != 0
    assert "period is given twice" in proc.err


def test_billing_debtors_days_flag_and_table(tmp_path):
    base = operator(tmp_path, accounts=2)
    ok(*base, "billing", "run", "2026-10")
    ok(*base, "billing", "pay", "--channel", "cash", "--txn-id", "1", "--account", "LS-0001",
       "--amount", "499.00")
    out = ok(*base, "billing", "debtors", "--days", "30", "--date", "2026-12-01").out
    assert "LS-0002" in out and "LS-0001" not in out
    assert out.splitlines()[0].split()[:2] == ["account", "holder"]
    data = ok_json(*base, "billing", "debtors", "--days", "60", "--date", "2026-12-01")
    assert data["count"] == 0  # 51 days overdue is not 60


def test_the_gateway_answers_osmp_from_the_shell(tmp_path):
    base = operator(tmp_path, accounts=1)
    ok(*base, "billing", "run", "2026-10")
    query = "command=pay&txn_id=77&account=LS-0001&sum=499.00&txn_date=20261101120000"
    first = ok_json(*base, "billing", "gateway", "--protocol", "osmp", "--query", query)
    again = ok_json(*base, "billing", "gateway", "--protocol", "osmp", "--query", query)
    assert first["result"] == 0 and "<prv_txn>" in first["body"]
    assert again["body"] == first["body"]
    balance = ok_json(*base, "billing", "balance", "--account", "LS-0001", "--date", "2026-11-30")
    assert balance["balance"] == "0.00"

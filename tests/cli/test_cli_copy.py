"""Moving a database: `opora copy --from SRC --to DST` (database.copy_to) and
`opora migrate [--check]`. A populated SQLite file (documents with files, billing with a
run and payments, a workflow with a timer and an effect, exchange nodes, a product with a
picture) goes to PostgreSQL and back to a new file, which then answers every read as the
original does, with the same rows and checksum in every table. The tests marked pg need
OPORA_TEST_PG_DSN (ctest entry cli_pg); the others run on SQLite alone."""
import base64
import copy as copy_module
import json
import os
import sqlite3
import uuid

import pytest

from cli_support import run

CLOCK = ["--option", "clock=manual", "--option", "now=2026-11-01T09:00:00Z"]
PG_DSN = os.environ.get("OPORA_TEST_PG_DSN", "")
ORG = {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"}
CPARTY = {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001"}
REMINDERS = {
    "id": "reminders", "title": "Напоминания", "context": {"debt": "0.00"}, "initial": "open",
    "states": {
        "open": {"on": {"remind": {"actions": [
                     {"assign": {"debt": "event.data.debt"}},
                     {"emit": {"type": "sms", "to": "+77011234567",
                               "text": "Долг {{ context.debt }}"}}]},
                        "paid": "closed"},
                 "after": [{"delay": "PT1H", "target": "late"}]},
        "late": {"on": {"paid": "closed"}},
        "closed": {"type": "final"},
    },
}


def db_args(target, schema=None):
    return ["--db", target] + (["--schema", schema] if schema else [])


def call(target, method, params=None, schema=None, ok=True):
    proc = run(*db_args(target, schema), *CLOCK, "--json", "call", method,
               json.dumps(params or {}, ensure_ascii=False))
    if ok:
        assert proc.returncode == 0, (method, proc.err)
        return json.loads(proc.out)
    return proc


def populate(db):
    """Every module holds rows: the story an operator's file would tell."""
    act = call(db, "registry.put", {
        "kind": "act", "date": "2026-10-20", "refs": ["bitrix24:deal:42"], "organization": ORG,
        "counterparty": CPARTY, "notes": "Внедрение интеграции",
        "items": [{"name": "Внедрение", "quantity": "1.5", "price": "80000.00",
                   "vat_rate": "22"}]})["id"]
    contract = call(db, "registry.put", {
        "kind": "contract", "date": "2026-10-05", "refs": ["bitrix24:deal:42"],
        "organization": ORG, "counterparty": CPARTY, "valid_from": "2026-10-05",
        "valid_to": "2026-12-31"})["id"]
    call(db, "registry.set_status", {"document": contract, "status": "signed",
                                     "actor": "Иванов", "reason": "подписан"})
    call(db, "registry.link", {"from": contract, "to": act, "type": "basis"})
    pdf = call(db, "registry.file.attach", {
        "document": act, "name": "act.pdf", "mime": "application/pdf",
        "content_base64": base64.b64encode(b"%PDF-1.4 \x00\xff act").decode()})["file_id"]
    call(db, "registry.file.attach", {"document": act, "name": "scan.tif", "role": "scan",
                                      "path": "/archive/scan.tif"})

    call(db, "billing.tariff.define", {"tariff": "home", "name": "Домашний", "fee": "499.00"})
    for number in ("LS-0001", "LS-0002"):
        call(db, "billing.account.put", {"account": number,
                                         "holder": {"type": "person", "name": "Абонент " + number}})
        call(db, "billing.subscription.connect", {"account": number, "tariff": "home",
                                                  "date": "2026-09-01"})
    call(db, "billing.run", {"period": "2026-10"})
    receipt = call(db, "billing.pay", {"channel": "kaspi", "txn_id": "42", "account": "LS-0001",
                                       "amount": "300.00"})["receipt"]
    call(db, "billing.pay", {"channel": "cash", "txn_id": "43", "account": "LS-0002",
                             "amount": "499.00"})
    call(db, "billing.payment.storno", {"receipt": receipt})

    call(db, "workflow.define", {"definition": REMINDERS})
    instance = call(db, "workflow.start", {"definition": "reminders", "key": "LS-0001"})["instance"]
    call(db, "workflow.send", {"instance": instance, "event": "remind",
                               "data": {"debt": "1234.50"}, "event_id": "r-1"})
    call(db, "workflow.start", {"definition": "reminders", "key": "LS-0002"})

    call(db, "exchange.setup", {"node": "centre", "role": "centre"})
    call(db, "exchange.node.put", {"node": "tablet-1", "kind": "tablet",
                                   "streams": ["catalog", "stock", "orders"]})
    call(db, "exchange.node.put", {"node": "shop", "kind": "shop",
                                   "streams": ["catalog", "stock", "orders"]})
    call(db, "catalog.product.put", {
        "product": "G-100", "name": "Гроб «Элит»", "vat_rate": "22",
        "pictures": [{"role": "thumb", "mime": "image/png",
                      "content_base64": base64.b64encode(b"\x89PNG").decode()}]})
    order = call(db, "registry.put", {
        "kind": "order", "date": "2026-10-30",
        "items": [{"name": "Венок", "quantity": "1", "price": "3000.00", "vat_rate": "none"}]})["id"]
    return {"act": act, "contract": contract, "order": order, "file": pdf, "instance": instance}


def answers(db, ids, schema=None):
    """What a host reads from the database, method by method."""
    reads = [
        ("registry.find", {"kind": "act"}),
        ("registry.find", {"kind": "order"}),
        ("registry.get", {"document": ids["act"]}),
        ("registry.get", {"document": ids["order"]}),
        ("registry.history", {"document": ids["contract"]}),
        ("registry.links", {"document": ids["act"]}),
        ("registry.files", {"document": ids["act"]}),
        ("registry.file.get", {"file": ids["file"]}),
        ("registry.search", {"query": "Внедрение"}),
        ("billing.account.list", {}),
        ("billing.balance", {"account": "LS-0001"}),
        ("billing.ledger", {"account": "LS-0002"}),
        ("billing.run.list", {}),
        ("billing.debtors", {"date": "2026-12-01"}),
        ("workflow.instances", {}),
        ("workflow.get", {"instance": ids["instance"]}),
        ("exchange.node.list", {}),
        ("catalog.product.get", {"product": "G-100"}),
        ("meta.version", {}),
    ]
    return {"%s %s" % (m, json.dumps(p)): call(db, m, p, schema=schema) for m, p in reads}


def copy(src, dst, *flags):
    proc = run("copy", "--from", src, "--to", dst, "--json", *flags)
    assert proc.returncode == 0, proc.err
    return json.loads(proc.out)


def table_rows(result):
    return {t["table"]: (t["rows"], t["checksum"]) for t in result["tables"]}


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("copy") / "books.db")
    ids = populate(db)
    return db, ids, answers(db, ids)


def test_a_file_is_copied_to_a_new_file_with_every_table_counted_and_summed(original, tmp_path):
    src, ids, before = original
    dst = str(tmp_path / "copy.db")
    result = copy(src, dst)
    tables = table_rows(result)
    assert result["rows"] == sum(rows for rows, _ in tables.values())
    for name in ("document", "document_file", "document_fts", "billing_payment",
                 "workflow_instance", "exchange_node"):
        assert tables[name][0] > 0, name
    assert "opora_schema" not in tables
    assert all(len(checksum) == 64 for _, checksum in tables.values())
    assert result["schema"] == call(src, "meta.version")["schema"]
    assert answers(dst, ids) == before
    # ids continue after the copied ones, as in the original
    doc = {"kind": "letter", "date": "2026-11-01"}
    assert call(dst, "registry.put", doc)["id"] == ids["order"] + 1


def test_copy_prints_a_table_of_rows_and_checksums(original, tmp_path):
    src, _, _ = original
    proc = run("copy", "--from", src, "--to", str(tmp_path / "t.db"))
    assert proc.returncode == 0, proc.err
    lines = proc.out.splitlines()
    assert lines[0].split() == ["table", "rows", "sha256"]
    document = [line.split() for line in lines if line.startswith("document ")]
    with sqlite3.connect(src) as c:
        count = c.execute("SELECT count(*) FROM document").fetchone()[0]
    assert len(document) == 1 and document[0][1] == str(count) and len(document[0][2]) == 64
    assert lines[-1].startswith("copied ") and "read back" in lines[-1]


def test_a_target_holding_data_is_refused_and_left_as_it_was(original, tmp_path):
    src, _, _ = original
    dst = str(tmp_path / "busy.db")
    call(dst, "registry.put", {"kind": "letter", "date": "2026-11-01"})
    before = call(dst, "registry.find", {"kind": "letter"})
    proc = run("copy", "--from", src, "--to", dst)
    assert proc.returncode == 1
    assert "OPORA_ESTATE" in proc.err and "not empty" in proc.err
    assert "target" in proc.err and "not_empty" in proc.err
    assert call(dst, "registry.find", {"kind": "letter"}) == before
    # a new database with nothing but its migrations is empty
    fresh = str(tmp_path / "fresh.db")
    call(fresh, "meta.version")
    copy(src, fresh)


def test_a_server_that_does_not_answer_is_an_io_error_with_the_reason(original):
    src, _, _ = original
    proc = run("copy", "--from", src, "--to",
               "postgresql:///opora?host=/nonexistent-opora-socket&connect_timeout=2")
    assert proc.returncode == 1
    assert "OPORA_EIO" in proc.err and "cannot connect to PostgreSQL" in proc.err
    proc = run("--json", "copy", "--from", src, "--to", "postgresql:///x?host=/nonexistent")
    assert json.loads(proc.err.splitlines()[-1])["name"] == "OPORA_EIO"


def test_copy_usage_errors_name_the_missing_option(tmp_path):
    proc = run("copy", "--from", str(tmp_path / "a.db"))
    assert proc.returncode == 2 and "missing --to" in proc.err
    proc = run("call", "meta.version", "--to", "x.db")
    assert proc.returncode == 2 and "copy" in proc.err
    proc = run("migrate", "--from", "x.db")
    assert proc.returncode == 2


def _set_back(db):
    """The registry as its migration 2 left it: before the index queue (issue 15)."""
    with sqlite3.connect(db) as c:
        c.execute("DROP TABLE document_index_queue")
        c.execute("UPDATE opora_schema SET version = 2 WHERE module = 'registry'")


def test_migrate_check_reports_a_module_behind_and_migrate_brings_it_up(tmp_path):
    db = str(tmp_path / "old.db")
    proc = run("migrate", "--db", db)
    assert proc.returncode == 0, proc.err
    assert "migrated" in proc.out and "registry" in proc.out
    check = run("migrate", "--check", "--db", db)
    assert check.returncode == 0 and check.out.rstrip().endswith("up to date")

    _set_back(db)
    check = run("migrate", "--check", "--db", db)
    assert check.returncode == 1
    assert "a migration is needed" in check.out and "registry schema version 2" in check.out
    data = json.loads(run("--json", "migrate", "--check", "--db", db).out)
    assert data["migration_needed"] is True and data["modules"] == ["registry"]
    with sqlite3.connect(db) as c:  # --check wrote nothing
        assert c.execute("SELECT version FROM opora_schema WHERE module = 'registry'").fetchone() == (2,)

    done = json.loads(run("--json", "migrate", "--db", db).out)
    assert done["migrated"] == ["registry"]
    assert done["schema"] == call(db, "meta.version")["schema"]
    assert run("migrate", "--check", "--db", db).returncode == 0


def test_migrate_check_on_an_empty_file_says_a_migration_is_needed(tmp_path):
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    check = run("migrate", "--check", "--db", str(db))
    assert check.returncode == 1 and "database is empty" in check.out
    assert db.read_bytes() == b""


# ------------------------------------------------------------------ PostgreSQL --


def without_snippets(reads):
    reads = copy_module.deepcopy(reads)
    for key, value in reads.items():
        if key.startswith("registry.search"):
            for doc in value["documents"]:
                doc.pop("snippet", None)
    return reads


def pg_schema():
    return "cp" + uuid.uuid4().hex[:12]


@pytest.mark.pg
def test_a_file_goes_to_postgresql_and_back_unchanged(original, tmp_path):
    src, ids, before = original
    schema = pg_schema()
    there = copy(src, PG_DSN, "--to-schema", schema)
    # the server's copy answers as the file did (a search's snippet is each engine's own:
    # FTS5's snippet() there, ts_headline here)
    assert without_snippets(answers(PG_DSN, ids, schema=schema)) == without_snippets(before)

    back = str(tmp_path / "back.db")
    again = copy(PG_DSN, back, "--schema", schema)
    assert table_rows(again) == table_rows(there)
    assert again["schema"] == there["schema"]
    assert answers(back, ids) == before
    # the direct file-to-file copy gives the same sums
    assert table_rows(copy(src, str(tmp_path / "direct.db"))) == table_rows(there)

    # on the server, new rows continue after the copied ids
    doc = {"kind": "letter", "date": "2026-11-01"}
    assert call(PG_DSN, "registry.put", doc, schema=schema)["id"] == ids["order"] + 1
    # and a second copy onto the same schema is refused
    proc = run("copy", "--from", src, "--to", PG_DSN, "--to-schema", schema)
    assert proc.returncode == 1 and "not empty" in proc.err


@pytest.mark.pg
def test_migrate_creates_a_server_schema_and_check_reports_it(tmp_path):
    schema = pg_schema()
    check = run("migrate", "--check", "--db", PG_DSN, "--schema", schema)
    assert check.returncode == 1, check.out + check.err
    done = json.loads(run("--json", "migrate", "--db", PG_DSN, "--schema", schema).out)
    assert set(done["migrated"]) == set(done["schema"])
    check = run("--json", "migrate", "--check", "--db", PG_DSN, "--schema", schema)
    assert check.returncode == 0, check.err
    assert json.loads(check.out) == {"migration_needed": False, "schema": done["schema"]}

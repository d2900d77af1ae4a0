"""The registry from Python: db.registry.* with Decimal money and date values."""
import datetime
import os
import signal
import subprocess
import sys
from decimal import Decimal

import pytest

import opora

ROMASHKA = {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001"}


@pytest.fixture
def db(tmp_path):
    with opora.open(tmp_path / "r.db", clock="manual", now="2026-11-23T09:00:00Z") as d:
        yield d


def test_put_and_find_return_decimal_money_and_dates(db):
    act = db.registry.put(
        kind="act", date=datetime.date(2026, 11, 20), counterparty=ROMASHKA,
        refs=["bitrix24:deal:42"],
        items=[{"name": "Монтаж", "quantity": Decimal("2"), "price": Decimal("1500.00"),
                "vat_rate": "22", "vat_mode": "on_top"}])
    assert act["number"] == "АКТ-2026-000001"
    assert act["date"] == datetime.date(2026, 11, 20)
    assert act["totals"]["gross"] == Decimal("3660.00")
    assert act["items"][0]["vat"] == Decimal("660.00")
    assert act["items"][0]["quantity"] == Decimal("2")
    assert isinstance(act["created_at"], datetime.datetime)
    found = db.registry.find(ref="bitrix24:deal:42")["documents"]
    assert [d["id"] for d in found] == [act["id"]]
    assert found[0]["totals"]["vat_by_rate"][0]["net"] == Decimal("3000.00")


def test_a_bad_document_raises_validation_error_listing_every_field(db):
    with pytest.raises(opora.ValidationError) as e:
        db.registry.put(kind="act", date="2026-11-20",
                        counterparty={"type": "company", "name": "X", "inn": "7707083890"},
                        items=[{"name": "x", "quantity": "1", "price": "1.00", "vat_rate": "22",
                                "gross": "2.00"}])
    fields = {(f["field"], f["rule"]) for f in e.value.field_errors}
    assert fields == {("counterparty.inn", "inn_checksum"), ("counterparty.kpp", "kpp_required"),
                      ("items[0].gross", "totals_mismatch")}
    assert db.registry.find()["documents"] == []


def test_a_malformed_document_raises_invalid_argument_listing_every_field(db):
    with pytest.raises(opora.InvalidArgument) as e:
        db.registry.put(kind="act", date="2026-11-20",
                        counterparty={"type": "company", "name": "X", "inn": "7707083890"},
                        items=[{"name": "x", "quantity": "0", "price": "1.00", "vat_rate": "22",
                                "qty": "1"}])
    assert isinstance(e.value, ValueError)
    fields = {(f["field"], f["rule"]) for f in e.value.field_errors}
    assert fields == {("items[0].quantity", "quantity"), ("items[0].qty", "unknown_field")}
    assert db.registry.find()["documents"] == []


def test_put_many_and_missing_name_deals_without_acts(db):
    docs = [{"kind": "contract", "date": "2026-11-01", "refs": [f"bitrix24:deal:{n}"]} for n in (1, 2, 3)]
    docs.append({"kind": "act", "date": "2026-11-20", "refs": ["bitrix24:deal:2"]})
    assert db.registry.put_many(documents=docs, actor="script")["count"] == 4
    missing = db.registry.missing(having_kind="contract", lacking_kind="act", ref_prefix="bitrix24:deal:")
    assert missing["refs"] == ["bitrix24:deal:1", "bitrix24:deal:3"]


def test_files_round_trip_bytes_through_base64(db):
    import base64
    doc = db.registry.put(kind="letter", date="2026-11-20")
    pdf = b"%PDF-1.4\n\x00\xff binary"
    f = db.registry.file.attach(document=doc["id"], name="письмо.pdf", mime="application/pdf",
                                content_base64=base64.b64encode(pdf).decode())
    got = db.registry.file.get(file=f["file_id"])
    assert base64.b64decode(got["content_base64"]) == pdf
    assert got["size"] == len(pdf)


# --- the search index off the write path (issue 15) ------------------------

WRITE_AND_DIE = """
import os, signal, sys
import opora
db = opora.open(sys.argv[1], clock="manual", now="2026-11-23T09:00:00Z")
db.registry.put_many(documents=[
    {"kind": "act", "date": "2026-11-20", "counterparty": %r, "notes": "курьером СДЭК %%d" %% i,
     "items": [{"name": "Монтаж", "quantity": "1", "price": "100.00", "vat_rate": "22"}]}
    for i in range(50)])
print("committed", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
""" % (ROMASHKA,)


@pytest.mark.sqlite_only("a second Python process opens the file")
def test_search_sees_documents_another_process_wrote_and_died_before_indexing(tmp_path):
    path = tmp_path / "r.db"
    opora.open(path).close()
    # A second handle, open before the other process writes.
    with opora.open(path, clock="manual", now="2026-11-23T09:00:00Z") as db:
        child = subprocess.run([sys.executable, "-c", WRITE_AND_DIE, str(path)],
                               capture_output=True, text=True, timeout=60, env=os.environ.copy())
        assert child.returncode == -signal.SIGKILL, child.stderr
        assert child.stdout == "committed\n"
        found = db.registry.search(query="сдэк", limit=100)["documents"]
        assert len(found) == 50
        assert db.registry.index.flush()["indexed"] == 0
    with opora.open(path, read_only=True) as ro:
        assert len(ro.registry.search(query="курьером", limit=100)["documents"]) == 50


def test_index_flush_returns_how_many_documents_it_indexed(db):
    db.registry.put_many(documents=[
        {"kind": "letter", "date": "2026-11-20", "notes": f"письмо {i}"} for i in range(3)])
    assert db.registry.index.flush() == {"indexed": 3}
    assert db.registry.index.flush() == {"indexed": 0}
    assert len(db.registry.search(query="письмо")["documents"]) == 3

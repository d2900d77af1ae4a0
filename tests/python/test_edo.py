"""EDO end to end through the Python package, as seed 004 runs it: the act of a deal goes out
through Diadoc, the act-signing workflow follows the packet (sent, then signed) and the
registry holds the rendered UPD and the signed copy; money arrives as Decimal."""

from __future__ import annotations

import base64

import pytest

import opora

OUR = {"code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
       "inn": "6663003127", "kpp": "666301001", "address": "г. Екатеринбург",
       "participant_id": "2BM-6663003127-666301001-202207281004154081709",
       "box_id": "our@diadoc",
       "signer": {"last_name": "Сидоров", "first_name": "Павел", "position": "Директор"}}
THEM = {"code": "bitrix24:company:7", "role": "counterparty", "type": "company",
        "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
        "address": "г. Москва", "participant_id": "2BM-7707083893-773601001-2019111512062712",
        "box_id": "them@diadoc"}
DEAL = "bitrix24:deal:42"


@pytest.fixture
def edo(db_path):
    with opora.open(db_path, clock="manual", now="2026-11-23T09:00:00+03:00",
                    utc_offset="+03:00") as db:
        db.edo.party.put(**OUR)
        db.edo.party.put(**THEM)
        yield db


def put_act(db, date="2026-11-20"):
    return db.registry.put(
        kind="act", date=date, refs=[DEAL],
        organization={"type": "company", "name": "ООО «Вектор»", "inn": "6663003127",
                      "kpp": "666301001"},
        counterparty={"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893",
                      "kpp": "773601001"},
        items=[{"name": "Внедрение интеграции", "unit": "усл. ед.", "quantity": "1",
                "price": "120000.00", "vat_rate": "22"}])["id"]


def test_a_deal_act_goes_out_and_comes_back_signed_with_the_workflow_following(edo):
    edo.workflow.install(definition="act_signing")
    started = edo.events.post(type="deal.stage_changed", key=DEAL,
                              data={"stage": "COMMISSION_APPROVED", "deal_id": 42})
    [instance] = [s["instance"] for s in started["started"]]
    edo.events.post(type="crm.form_filled", key=DEAL,
                    data={"method": "electronic", "edo_operator": "diadoc",
                          "edo_id": THEM["participant_id"]})
    act = put_act(edo)
    built = edo.edo.packet.build(ref=DEAL, operator="diadoc")
    assert built["valid"] is True and built["status"] == "prepared"
    packet = built["packet"]
    edo.edo.packet.mark(packet=packet, status="sent", message_id="m-1",
                        documents=[{"document": act, "operator_document_id": "d-1"}])
    assert edo.workflow.get(instance=instance)["states"] == ["awaiting_signature"]
    signed = edo.edo.event.apply(
        operator="diadoc", event_id="e-1", cursor="100", operator_document_id="d-1",
        raw={"RecipientResponseStatus": "WithRecipientSignature"},
        signed_file={"name": "act.sig", "content_base64": base64.b64encode(b"sig").decode()})
    assert (signed["status"], signed["registry_status"]) == ("countersigned", "signed")
    assert edo.workflow.get(instance=instance)["states"] == ["signed"]
    assert edo.registry.get(document=act)["status"] == "signed"
    roles = sorted(f["role"] for f in edo.registry.files(document=act)["files"])
    assert roles == ["original", "signed_copy"]
    assert edo.edo.cursor(operator="diadoc")["cursor"] == "100"
    assert edo.edo.event.apply(operator="diadoc", event_id="e-1")["duplicate"] is True


def test_validation_problems_come_back_as_data_and_rendering_is_refused(edo):
    put_act(edo, date="2026-12-31")
    built = edo.edo.packet.build(ref=DEAL, operator="diadoc")
    assert built["valid"] is False
    assert {(p["field"], p["rule"]) for p in built["problems"]} == {
        ("documents[0].date", "future_date")}
    with pytest.raises(opora.InvalidState):
        edo.edo.packet.render(packet=built["packet"])
    # The same ref again reuses the packet instead of refusing its documents.
    assert edo.edo.packet.build(ref=DEAL, operator="diadoc")["reused"] is True


def test_a_bad_party_raises_validation_error_naming_every_field(edo):
    with pytest.raises(opora.ValidationError) as e:
        edo.edo.party.put(party="x", role="counterparty", type="company", inn="7707083890",
                          participant_id="2BM" + "1" * 50)
    fields = {f["field"]: f["rule"] for f in e.value.field_errors}
    assert fields == {"inn": "inn_checksum", "kpp": "required", "name": "required",
                      "participant_id": "participant_id"}


def _first_upd_name(path, **options):
    with opora.open(path, clock="manual", now="2026-11-23T09:00:00+03:00",
                    utc_offset="+03:00", **options) as db:
        db.edo.party.put(**OUR)
        db.edo.party.put(**THEM)
        put_act(db)
        [f] = db.edo.packet.build(ref=DEAL, operator="diadoc")["files"]
        return f["name"]


def test_two_databases_name_their_first_upd_differently_unless_seeded(tmp_path):
    # Issue 13 (b): the GUID was derived from database-local ids, so every
    # installation named its first UPD alike; the 970 name ends in the
    # indicator groups (a).
    a = _first_upd_name(tmp_path / "a.db")
    b = _first_upd_name(tmp_path / "b.db")
    assert a != b
    assert a.endswith("_0_0_0_0_0_00.xml") and b.endswith("_0_0_0_0_0_00.xml")
    assert a[:-53] == b[:-53]  # the same parties and date, another GUID
    seeded = [_first_upd_name(tmp_path / f"s{i}.db", id_seed=2026) for i in range(2)]
    assert seeded[0] == seeded[1]
    with pytest.raises(opora.InvalidArgument):
        opora.open(tmp_path / "bad.db", id_seed=-1)

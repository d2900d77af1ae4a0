"""Seed 003: Bitrix24 and Kontur.Diadoc with a document registry. The deal's documents (an
invoice, an act, the contract) are kept in the registry with their requisites and links; the
«Сформировать пакет Диадок» button checks the packet before anything leaves (INN, KPP, the files
a non-formalised document needs), the rendered packet is signed and sent by the host, the
operator's status events come back by polling, and once a two-sided document is signed by both
sides its signed file is taken into the registry.

Played as the Bitrix24 module plays it, in docs/edo.md's order: registry.put, edo.packet.build,
the host's own signing and sending, edo.packet.mark, edo.event.apply with the polling cursor.
"""

from __future__ import annotations

import base64

from conftest import at, open_db

OUR = {"code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
       "inn": "6663003127", "kpp": "666301001", "ogrn": "1027700132195",
       "address": "620017, г. Екатеринбург, пр-т Космонавтов, д. 56",
       "participant_id": "2BM-6663003127-666301001-202207281004154081709",
       "box_id": "vector@diadoc.ru",
       "signer": {"last_name": "Сидоров", "first_name": "Павел", "middle_name": "Андреевич",
                  "position": "Генеральный директор"}}
ROMASHKA = {"code": "bitrix24:company:7", "role": "counterparty", "type": "company",
            "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
            "address": "117997, г. Москва, ул. Вавилова, д. 19",
            "participant_id": "2BM-7707083893-773601001-201911151206271234567",
            "box_id": "romashka@diadoc.ru"}
VECTOR_REQ = {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"}
ROMASHKA_REQ = {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893",
                "kpp": "773601001"}
DEAL = "bitrix24:deal:77"
ITEMS = [{"name": "Монтаж видеонаблюдения", "unit": "усл. ед.", "quantity": "1",
          "price": "84000.00", "vat_rate": "22"}]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_seed_003_a_deal_packet_goes_through_diadoc_and_comes_back_signed(tmp_path):
    with open_db(tmp_path / "diadoc.db", "2026-11-23T10:00:00+03:00", "+03:00") as db:
        db.edo.party.put(**OUR)
        db.edo.party.put(**ROMASHKA)
        contract = db.registry.put(kind="contract", date="2026-01-15", refs=[DEAL],
                                   organization=VECTOR_REQ, counterparty=ROMASHKA_REQ,
                                   valid_from="2026-01-15", valid_to="2026-12-31")["id"]
        invoice = db.registry.put(kind="invoice", date="2026-11-20", refs=[DEAL],
                                  organization=VECTOR_REQ, counterparty=ROMASHKA_REQ,
                                  items=ITEMS)["id"]
        act = db.registry.put(kind="act", date="2026-11-23", refs=[DEAL], basis_id=contract,
                              organization=VECTOR_REQ, counterparty=ROMASHKA_REQ,
                              items=ITEMS)["id"]

        # the button: checked before anything leaves; the files the CRM generated are missing
        first = db.edo.packet.build(ref=DEAL, operator="diadoc")
        assert first["valid"] is False
        missing = {(p["field"], p["rule"]) for p in first["problems"]}
        assert {rule for _, rule in missing} == {"file_required"}
        assert len(missing) == 2  # the contract and the invoice
        db.registry.file.attach(document=contract, name="Договор 15-01.pdf", mime="application/pdf",
                                content_base64=b64("%PDF договор"))
        db.registry.file.attach(document=invoice, name="Счёт 20-11.pdf", mime="application/pdf",
                                content_base64=b64("%PDF счёт"))
        built = db.edo.packet.build(ref=DEAL, operator="diadoc")
        assert built["valid"] is True and built["status"] == "prepared"
        assert built["packet"] == first["packet"]  # the same packet, checked again
        names = [f["name"] for f in built["files"]]
        assert any(n.startswith("ON_NSCHFDOPPR_") and n.endswith(".xml") for n in names)
        request = built["request"]
        attachments = request["body"]["DocumentAttachments"]
        assert len(attachments) == 3
        by_doc = {a["CustomDocumentId"]: a for a in attachments}

        # the host signs and sends; Diadoc answers with its ids
        packet = built["packet"]
        ids = {act: "dd-act", invoice: "dd-inv", contract: "dd-ctr"}
        db.edo.packet.mark(packet=packet, status="sent", message_id="dd-msg-77",
                           documents=[{"document": d, "operator_document_id": i}
                                      for d, i in ids.items()])
        assert all(f"opora:{packet}:{d}" in by_doc for d in ids)
        assert db.registry.get(document=act)["status"] == "sent"

        # polling: each event once, the cursor kept with it
        def event(n, doc, raw, signed=None):
            params = {"operator": "diadoc", "event_id": f"ev-{n}", "cursor": f"6374120000{n}",
                      "operator_document_id": ids[doc], "raw": raw}
            if signed:
                params["signed_file"] = {"name": signed, "content_base64": b64("CMS " + signed)}
            return db.edo.event.apply(**params)

        assert event(1, invoice, {"Delivered": True})["done"] is True  # one-sided: delivered
        event(2, act, {"Delivered": True, "RecipientResponseStatus": "WaitingForRecipientSignature"})
        signed = event(3, act, {"RecipientResponseStatus": "WithRecipientSignature"}, "act-77.sig")
        assert (signed["status"], signed["registry_status"], signed["done"]) == (
            "countersigned", "signed", True)
        assert db.edo.event.apply(operator="diadoc", event_id="ev-3")["duplicate"] is True
        assert db.edo.cursor(operator="diadoc")["cursor"] == "63741200003"
        # a week later the contract is still with the counterparty: more than 5 working days
        at(db, "2026-12-01T10:00:00+03:00")
        waiting = db.edo.awaiting()["documents"]
        assert [d["document"] for d in waiting] == [contract]
        event(4, contract, {"RecipientResponseStatus": "WithRecipientSignature"}, "ctr.sig")

        # the act signed and filed: its signed copy beside the UPD as sent
        assert db.registry.get(document=act)["status"] == "signed"
        roles = sorted(f["role"] for f in db.registry.files(document=act)["files"])
        assert roles == ["original", "signed_copy"]
        assert db.registry.get(document=contract)["status"] == "signed"
        assert "signed_copy" in {f["role"] for f in db.registry.files(document=contract)["files"]}
        assert db.edo.awaiting()["documents"] == []
        got = db.edo.packet.get(packet=packet)
        assert {d["document"]: d["status"] for d in got["documents"]} == {
            invoice: "delivered", act: "countersigned", contract: "countersigned"}

"""Seed 004: Bitrix24 and SBIS, acts of completed work. When the deal reaches «Одобрено
комиссией» the counterparty is e-mailed a link to a CRM form to choose paper or electronic
exchange (the manager is told after 3 days without an answer). An electronic act goes through
SBIS and its signature moves the deal to «Услуга оказана»; a paper act is signed by us, sent,
and if it is not back signed within 5 working days the manager is asked to state the act's
status («принят, но не подписан» or «отказ от подписания»).

Played as the CRM plugin plays it: the deal's stage, the form and a paper act's statuses are
the host's events (events.post); the electronic act follows docs/edo.md's order (registry.put,
edo.packet.build, the host's signing and sending, edo.packet.mark, edo.event.apply); the
manager answers tasks; the e-mails, notices and deal stages come out of effects.fetch.
"""

from __future__ import annotations

import base64

from conftest import Host, at, open_db

OUR = {"code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
       "inn": "6663003127", "kpp": "666301001", "address": "г. Екатеринбург",
       "participant_id": "2BE-6663003127-666301001-0001",
       "signer": {"last_name": "Сидоров", "first_name": "Павел", "position": "Директор"}}
ROMASHKA = {"code": "bitrix24:company:7", "role": "counterparty", "type": "company",
            "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
            "address": "г. Москва", "participant_id": "2BE-7707083893-773601001-0042"}
VECTOR_REQ = {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"}
ROMASHKA_REQ = {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893",
                "kpp": "773601001"}


def approved(db, deal, **data):
    return db.events.post(type="deal.stage_changed", key=f"bitrix24:deal:{deal}",
                          event_id=f"b24:{deal}:approved",
                          data={"stage": "COMMISSION_APPROVED", "deal_id": deal,
                                "manager": "orlova", **data})["started"][0]["instance"]


# What act_signing declares optional: a paper exchange has no EDO operator or id.
OPTIONAL = {("deal_fields", "edo_operator"), ("deal_fields", "edo_id")}


def no_empty_members(host):
    for d in host.done:
        for k, v in d.payload.items():
            assert v != "" or (d.type, k) in OPTIONAL, (d.type, k)


def test_seed_004_an_electronic_act_goes_through_sbis_and_the_deal_is_served(tmp_path):
    with open_db(tmp_path / "sbis.db", "2026-11-23T10:00:00+03:00", "+03:00") as db:
        host = Host(db)
        db.workflow.install(definition="act_signing")
        db.edo.party.put(**OUR)
        db.edo.party.put(**ROMASHKA)
        process = approved(db, 77, counterparty="ООО «Ромашка»",
                           counterparty_email="buh@romashka.ru",
                           form_url="https://crm.example.ru/form/77")
        [mail] = host.work()
        assert (mail.type, mail.payload["to"]) == ("email", "buh@romashka.ru")
        assert "https://crm.example.ru/form/77" in mail.payload["text"]
        # no answer for 3 days: the manager is told, once
        assert db.workflow.tick(now="2026-11-26T07:00:00Z")["fired"] == 1
        [nudge] = host.work()
        assert nudge.payload["to"] == "orlova" and "3 дня" in nudge.payload["text"]

        at(db, "2026-11-26T11:00:00+03:00")
        db.events.post(type="crm.form_filled", key="bitrix24:deal:77", event_id="form-77",
                       data={"method": "electronic", "edo_operator": "sbis",
                             "edo_id": ROMASHKA["participant_id"]})
        assert [d.type for d in host.work()] == ["deal_fields", "notify"]

        # the manager forms the act from the deal; the host sends it through SBIS
        act = db.registry.put(kind="act", date="2026-11-26", refs=["bitrix24:deal:77"],
                              organization=VECTOR_REQ, counterparty=ROMASHKA_REQ,
                              items=[{"name": "Продвижение продукции", "unit": "усл. ед.",
                                      "quantity": "1", "price": "50000.00",
                                      "vat_rate": "22"}])
        built = db.edo.packet.build(ref="bitrix24:deal:77", operator="sbis")
        assert built["valid"] is True, built["problems"]
        db.edo.packet.mark(packet=built["packet"], status="sent", message_id="sbis-doc-77",
                           documents=[{"document": act["id"], "operator_document_id": "sb-77"}])
        [sent] = host.work()
        assert sent.payload == {"deal": "77", "stage": "ACT_SENT",
                                "comment": f"Акт № {act['number']} направлен заявителю"}
        context = db.workflow.get(instance=process)["context"]
        assert context["act_id"] == act["id"] and context["act_number"] == act["number"]

        # SBIS reports delivery, then the counterparty's approval with its signature
        at(db, "2026-11-27T15:00:00+03:00")
        db.edo.event.apply(operator="sbis", event_id="sb-e1", operator_document_id="sb-77",
                           raw={"Событие": "Доставка"})
        assert host.work() == []
        db.edo.event.apply(operator="sbis", event_id="sb-e2", operator_document_id="sb-77",
                           raw={"Событие": "Утверждение"},
                           signed_file={"name": "act-77.p7s",
                                        "content_base64": base64.b64encode(b"CMS").decode()})
        [served] = host.work()
        assert served.payload == {"deal": "77", "stage": "SERVICE_RENDERED",
                                  "comment": "Акт получен и подписан"}
        assert db.workflow.get(instance=process)["status"] == "done"
        # the act signed and filed
        assert db.registry.get(document=act["id"])["status"] == "signed"
        assert "signed_copy" in {f["role"] for f in db.registry.files(document=act["id"])["files"]}
        no_empty_members(host)
        assert db.workflow.incidents()["incidents"] == []


def test_seed_004_a_paper_act_unsigned_for_5_working_days_asks_the_manager(tmp_path):
    with open_db(tmp_path / "sbis.db", "2025-12-22T10:00:00+03:00", "+03:00") as db:
        host = Host(db)
        db.workflow.install(definition="act_signing")
        process = approved(db, 100, counterparty="ИП Кузнецов", counterparty_email="kuz@example.ru",
                           form_url="https://crm.example.ru/form/100")
        db.events.post(type="crm.form_filled", key="bitrix24:deal:100", event_id="form-100",
                       data={"method": "paper", "counterparty_type": "ip"})
        host.work()
        # the manager uploads the act signed by us, then sends it (statuses of the act card)
        for status, when in (("SIGNED_BY_US", "2025-12-25T16:00:00+03:00"),
                             ("SENT", "2025-12-26T10:00:00+03:00")):
            at(db, when)
            db.events.post(type="act.status_changed", key="bitrix24:deal:100",
                           event_id=f"act-A9-{status}",
                           data={"status": status, "act_id": "A-9", "number": "17"})
        [sent] = host.work()
        assert sent.payload["stage"] == "ACT_SENT"
        # Friday 26 December + 5 working days, over the New Year holidays: 14 January
        assert db.workflow.tick(now="2026-01-14T06:59:59Z")["fired"] == 0
        assert db.workflow.tick(now="2026-01-14T07:00:00Z")["fired"] == 1
        [task] = db.workflow.tasks(assignee="orlova")["tasks"]
        assert task["title"] == "Указать статус акта № 17 по сделке 100"
        db.workflow.task.complete(task=task["task"], outcome="accepted_unsigned", actor="orlova")
        done = host.work()
        assert [(d.type, d.payload.get("status") or d.payload.get("stage")) for d in done] == [
            ("act_status", "ACCEPTED_UNSIGNED"), ("deal_stage", "SERVICE_RENDERED")]
        assert done[0].payload["act"] == "A-9"
        assert db.workflow.get(instance=process)["states"] == ["accepted_unsigned"]
        no_empty_members(host)
        assert db.workflow.incidents()["incidents"] == []

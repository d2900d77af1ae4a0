"""Every method's result is what meta.methods says it is, and Python converts it by that.

One broad scenario (the five seeds' calls: registry, billing with a statement and dunning,
workflows with tasks, timers, effects and incidents, EDO out and back) calls every method of
meta.methods. Each raw result is checked against its declared schema by
``result_contract`` (an implementation of its own, so a Release build is held to it too),
and each converted result must carry Decimal, datetime.date and datetime.datetime wherever
the schema declares money, dates and date-times. A method the scenario does not call fails
the test: a new method comes with its call here.
"""

from __future__ import annotations

import base64
import pathlib
import copy
import datetime
import decimal
from typing import Any

import pytest

import opora
import result_contract

OUR = {"code": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
       "inn": "6663003127", "kpp": "666301001", "address": "г. Екатеринбург",
       "participant_id": "2BM-6663003127-666301001-202207281004154081709", "box_id": "our@diadoc",
       "signer": {"last_name": "Сидоров", "first_name": "Павел", "position": "Директор"}}
THEM = {"code": "bitrix24:company:7", "role": "counterparty", "type": "company",
        "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001", "address": "г. Москва",
        "participant_id": "2BM-7707083893-773601001-2019111512062712", "box_id": "them@diadoc"}
ORG = {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"}
CPARTY = {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001"}

# A workflow with everything a result can carry: a task with a deadline, a timer, an
# effect whose payload has money and a date, an assignment.
REMINDERS = {
    "id": "reminders", "title": "Напоминания", "calendar": "ru",
    "context": {"debt": "0.00"},
    "initial": "open",
    "states": {
        "open": {
            "entry": [{"task": {"name": "call", "title": "Позвонить {{ key }}",
                                "assignee": "manager", "outcomes": ["done", "failed"],
                                "comment_required": ["failed"],
                                "deadline": {"working_days": 2}}}],
            "on": {"remind": {"actions": [
                       {"assign": {"debt": "event.data.debt"}},
                       {"emit": {"type": "sms", "to": "+77011234567",
                                 "debt": "{{ context.debt }}", "date": "{{ today }}",
                                 "text": "Долг {{ context.debt }}"}}]},
                   "task.call.done": "closed"},
            "after": [{"delay": "PT1H", "target": "late"}]},
        "late": {"on": {"task.call.done": "closed"}},
        "closed": {"type": "final"},
    },
}

STATEMENT = "\r\n".join([
    "1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Сбербанк",
    "Получатель=", "ДатаНачала=20.01.2026", "ДатаКонца=20.01.2026",
    "РасчСчет=40702810138250123017",
    "СекцияДокумент=Платежное поручение", "Номер=311", "Дата=20.01.2026", "Сумма=100.00",
    "ПлательщикСчет=40817810000000000008", "Плательщик=Иванов Иван Иванович",
    "ПлательщикИНН=", "ПолучательСчет=40702810138250123017", "ДатаПоступило=20.01.2026",
    "НазначениеПлатежа=Оплата по лицевому счёту LS-0001", "КонецДокумента",
    "СекцияДокумент=Платежное поручение", "Номер=312", "Дата=20.01.2026", "Сумма=55.50",
    "ПлательщикСчет=40817810000000000009", "Плательщик=Неизвестный плательщик",
    "ПлательщикИНН=", "ПолучательСчет=40702810138250123017", "ДатаПоступило=20.01.2026",
    "НазначениеПлатежа=Оплата услуг связи", "КонецДокумента", "КонецФайла", ""])


class Recorder:
    """Calls methods through db.call and keeps each raw result beside the converted one."""

    def __init__(self, db: opora.Database) -> None:
        self.db = db
        self.calls: list[tuple[str, Any, dict]] = []
        native = db._call_native

        def spy(method: str, params: Any) -> dict:
            result = native(method, params)
            if method == self.pending and self.raw is None:
                self.raw = copy.deepcopy(result)
            return result

        self.pending, self.raw = "", None
        db._call_native = spy  # type: ignore[method-assign]

    def __call__(self, method: str, params: dict | None = None, **kwargs: Any) -> dict:
        self.pending, self.raw = method, None
        converted = self.db.call(method, params, **kwargs)
        self.calls.append((method, self.raw, converted))
        return converted


def run_scenario(db: opora.Database, rec: Recorder, tmp_path, open_db=opora.open) -> None:
    """The scenario on ``db``; the other databases it needs (a copy, a tablet) are opened
    with ``open_db(path, **options)`` (test_engines_agree.py opens them on its engine)."""
    call = rec
    # meta, clock, calendars, requisites
    call("meta.version")
    call("meta.methods")
    call("meta.events")
    call("clock.get")
    call("clock.set", now="2026-01-12T09:00:00+03:00")
    call("calendar.load", calendar={"id": "acme", "name": "Acme", "weekend": ["sat", "sun"],
                                    "years": [{"year": 2026, "source": "test", "days": [
                                        {"date": "2026-01-02", "kind": "holiday",
                                         "note": "closed"}]}]})
    call("calendar.list")
    call("calendar.is_working_day", calendar="ru", date="2026-01-12")
    call("calendar.add_working_days", calendar="ru", date="2025-12-26", days=5)
    call("calendar.working_days_between", {"calendar": "ru", "from": "2026-01-01",
                                           "to": "2026-01-31"})
    call("requisites.validate", inn="7707083893", kpp="773601001")

    # the registry
    call("registry.kind.define", kind={"id": "memo", "title": "Служебная записка",
                                       "statuses": ["draft", "sent"],
                                       "transitions": {"draft": ["sent"]},
                                       "number_pattern": "СЗ-{yyyy}-{seq}"})
    call("registry.kinds")
    call("registry.number.next", kind="act")
    act = call("registry.put", kind="act", date="2026-01-10", refs=["bitrix24:deal:42"],
               organization=ORG, counterparty=CPARTY, custom={"manager": "Петров"},
               items=[{"name": "Внедрение", "quantity": "1.5", "price": "80000.00",
                       "vat_rate": "22"}])["id"]
    contract = call("registry.put", kind="contract", date="2026-01-05",
                    refs=["bitrix24:deal:42"], organization=ORG, counterparty=CPARTY,
                    valid_from="2026-01-05", valid_to="2026-02-10", notes="основной")["id"]
    call("registry.put_many", documents=[
        {"kind": "invoice", "date": "2026-01-09", "refs": ["bitrix24:deal:43"],
         "counterparty": CPARTY,
         "items": [{"name": "Лицензия", "quantity": "2", "price": "1500.50", "vat_rate": "none"}]},
        {"kind": "memo", "date": "2026-01-09"}])
    call("registry.get", document=act)
    call("registry.set_status", document=contract, status="signed", actor="Иванов", reason="подписан")
    call("registry.history", document=contract)
    call("registry.link", {"from": contract, "to": act, "type": "basis"})
    call("registry.links", document=act)
    call("registry.unlink", {"from": contract, "to": act, "type": "basis"})
    file_id = call("registry.file.attach", document=act, name="act.pdf", mime="application/pdf",
                   content_base64=base64.b64encode(b"%PDF-1.4 act").decode())["file_id"]
    call("registry.file.attach", document=act, name="scan.tif", role="scan", path="/archive/scan.tif")
    call("registry.file.get", file=file_id)
    call("registry.files", document=act)
    call("registry.find", kind="act", ref="bitrix24:deal:42")
    call("registry.missing", having_kind="invoice", lacking_kind="act")
    call("registry.expiring", within_days=60)
    call("registry.index.flush")
    call("registry.search", query="Внедрение")
    memo = call("registry.put", kind="memo", date="2026-01-11")["id"]
    call("registry.delete", document=memo)
    call("registry.restore", document=memo)
    exported = call("registry.export")["jsonl"]
    with open_db(tmp_path / "copy.db") as other:
        other_rec = Recorder(other)
        other_rec("registry.import", jsonl=exported)
        rec.calls += other_rec.calls

    # the catalogue (seed 002): products with variants and pictures, prices, stock, an order
    product = call("catalog.product.put", product="G-100", article="ГЭ-100", name="Гроб «Элит»",
                   group="Гробы/Элит", vat_rate="22", recommended=1,
                   pictures=[{"role": "thumb", "mime": "image/png",
                              "content_base64": base64.b64encode(b"png").decode()}],
                   variants=[{"variant": "oak", "name": "Дуб"}])
    call("catalog.product.get", product="G-100")
    call("catalog.product.list", group="Гробы", limit=1)
    call("catalog.picture.get", sha256=product["pictures"][0]["sha256"])
    call("catalog.price_type.put", price_type="retail", name="Розница")
    call("catalog.price_type.list")
    call("catalog.price.set", price_type="retail", rows=[
        {"product": "G-100", "from": "2026-01-01", "price": "50000.00"},
        {"product": "G-100", "variant": "oak", "from": "2026-01-01", "price": "70000.00"}])
    call("catalog.price.get", price_type="retail", product="G-100", variant="oak")
    call("catalog.warehouse.put", warehouse="main", name="Основной")
    call("catalog.warehouse.list")
    call("catalog.stock.set", warehouse="main", rows=[
        {"product": "G-100", "variant": "oak", "quantity": "2.5"}])
    call("catalog.stock.get", product="G-100")
    call("registry.put", kind="order", date="2026-01-10", price_type="retail",
         items=[{"product": "G-100", "variant": "oak", "quantity": "1"}])
    call("catalog.product.put", product="OLD", name="Снят с продажи")
    call("catalog.product.remove", product="OLD")

    # the exchange (seed 002): this file is the centre, a tablet file its node, a web shop
    call("exchange.setup", node="centre", role="centre")
    made = call("exchange.node.put", node="tablet-1", kind="tablet",
                streams=["catalog", "stock", "orders"],
                scope="doc.custom.manager == node.attributes.manager", attributes={"manager": "petrov"})
    call("exchange.node.put", node="shop", kind="shop", streams=["catalog", "stock", "orders"])
    call("exchange.node.list")
    call("exchange.ownership.put", kind="contract", rules=[{"field": "*", "owner": "centre"}])
    call("exchange.ownership.get", kind="order")
    ordered = call("registry.put", kind="order", date="2026-01-10", custom={"manager": "petrov"},
                   items=[{"name": "Венок", "quantity": "1", "price": "3000.00",
                           "vat_rate": "none"}])
    with open_db(tmp_path / "tablet.db", clock="manual", now="2026-01-10T09:00:00+03:00",
                 utc_offset="+03:00") as tablet:
        tablet.call("exchange.setup", node="tablet-1", role="node", prefix="T1")
        tablet.call("exchange.node.put", node="centre", secret=made["secret"],
                    streams=["catalog", "stock", "orders"])
        page = call("exchange.snapshot", node="tablet-1", stream="catalog")
        tablet.call("exchange.in", node="centre", message=page["message"])
        call("exchange.in", node="tablet-1",
             message=tablet.call("exchange.out", node="centre")["message"])
        sent = call("exchange.out", node="tablet-1")
        tablet.call("exchange.in", node="centre", message=sent["message"])
        local = [d for d in tablet.call("registry.find", kind="order")["documents"]
                 if d["uid"] == ordered["uid"]][0]
        call("registry.set_status", document=ordered["id"], status="confirmed")
        tablet.call("registry.put", id=local["id"], notes="позвонить", status="cancelled")
        tablet.call("registry.put", kind="order", date="2026-01-10",
                    custom={"manager": "ivanov"},
                    items=[{"name": "Лента", "quantity": "1", "price": "500.00",
                            "vat_rate": "none"}])
        call("exchange.in", node="tablet-1",
             message=tablet.call("exchange.out", node="centre")["message"])
    call("exchange.status")
    call("exchange.conflicts", node="tablet-1")
    parked = call("exchange.parked", node="tablet-1")["parked"]
    call("exchange.parked.resolve", parked=parked[0]["parked"], resolution="entered by hand")
    sha = product["pictures"][0]["sha256"]
    call("exchange.files.missing", files=[sha])
    files = call("exchange.files.get", files=[sha])["files"]
    call("exchange.files.put", files=files)
    cml = call("exchange.commerceml.out", node="shop", file="import")
    call("exchange.commerceml.ack", node="shop", msg_no=cml["msg_no"])
    site = (pathlib.Path(__file__).resolve().parents[1] / "reference" / "commerceml" /
            "samples" / "bitrix-sale-query-excerpt.xml").read_bytes()
    call("exchange.commerceml.in", node="shop", content_base64=base64.b64encode(site).decode())
    call("exchange.node.revoke", node="shop")

    # billing (seed 000): accounts, a run, payments, reports, dunning, QR, statements
    call("billing.tax.define", tax="vat_test", rate="12.5", valid_from="2026-01-01",
         title="Тестовая ставка")
    call("billing.tax.list")
    call("billing.organization.put", type="company", name="ООО «Вектор»", inn="6663003127",
         kpp="666301001", bank={"account": "40702810138250123017", "name": "ПАО Сбербанк",
                               "bic": "044525225", "corr_account": "30101810400000000225"})
    call("billing.organization.list")
    call("billing.tariff.define", tariff="home100", name="Домашний 100", fee="499.00",
         freeze_fee="99.00")
    call("billing.tariff.define", tariff="home200", name="Домашний 200", fee="799.00")
    call("billing.tariff.list")
    for number, name in (("LS-0001", "Иванов Иван Иванович"), ("LS-0002", "Петрова Анна")):
        call("billing.account.put", account=number, phone="+79001234567",
             holder={"type": "person", "name": name}, organization="6663003127")
    call("billing.account.list")
    sub = call("billing.subscription.connect", account="LS-0001", tariff="home100",
               date="2025-11-15")["subscription"]
    sub2 = call("billing.subscription.connect", account="LS-0002", tariff="home100",
                date="2025-11-01")["subscription"]
    call("billing.subscription.change_tariff", subscription=sub2, tariff="home200",
         when="date", date="2025-12-01")
    call("billing.subscription.freeze", {"subscription": sub2, "from": "2025-12-10",
                                         "to": "2025-12-20", "fee": "50.00"})
    call("billing.discount.add", {"account": "LS-0002", "name": "Лояльность", "percent": "10",
                                  "from": "2025-11-01"})
    call("billing.run", period="2025-11")
    run = call("billing.run", period="2025-12")
    call("billing.run", period="2026-01")
    call("billing.run.list")
    # A month before any subscription: one worker plans it and bills one chunk of
    # nothing, the second finishes it (nothing_to_bill: the run leaves no row).
    call("billing.run.work", period="2025-01", worker="w1", lease_seconds=60, chunk_size=1,
         max_chunks=1)
    call("billing.run.work", period="2025-01", worker="w2")
    call("billing.charge", account="LS-0001", name="Роутер", amount="2500.00",
         date="2026-01-05", key="router-1")
    call("billing.subscription.unfreeze", subscription=sub2, date="2025-12-15")
    call("billing.subscription.list", account="LS-0002")
    call("billing.subscription.disconnect", subscription=sub2, date="2026-03-31")
    call("billing.account.get", account="LS-0001")
    call("billing.check", channel="kaspi", account="LS-0001")
    paid = call("billing.pay", channel="kaspi", txn_id="42", account="LS-0001",
                amount="300.00", txn_date="2026-01-12T10:00:00")
    call("billing.payment.storno", receipt=paid["receipt"])
    call("billing.gateway", protocol="osmp",
         query="command=pay&txn_id=77&account=LS-0002&sum=100.00&txn_date=20260112100000")
    call("billing.balance", account="LS-0001")
    call("billing.ledger", account="LS-0001")
    call("billing.ageing", date="2026-03-01")
    call("billing.turnover", {"from": "2025-11-01", "to": "2026-01-31"})
    call("billing.debtors", date="2026-03-01")
    call("workflow.install", definition="dunning")
    call("billing.dunning.run", date="2026-02-20")
    call("billing.dunning.cases", open_only=False)
    call("billing.qr", account="LS-0001")
    call("billing.qr.image", account="LS-0001", format="svg", ecc="Q", margin=2)
    call("qr.image", text="https://pay.example.ru/order/1", scale=4)
    order = call("registry.put", kind="order", date="2026-01-12", organization=ORG,
                 counterparty=CPARTY, custom={"paid": "100.00"},
                 items=[{"name": "Венок", "quantity": "1", "price": "3500.00",
                         "vat_rate": "none"}])["id"]
    call("billing.order.payment", document=order, format="png", scale=2,
         payment_link="https://pay.example.ru/{document}?amount={amount}")
    call("billing.statement.import",
         content_base64=base64.b64encode(STATEMENT.encode("cp1251")).decode())
    [line] = call("billing.statement.unmatched")["lines"]
    call("billing.statement.resolve", line=line["line"], account="LS-0002")
    call("billing.run.cancel", run=run["run"])
    call("billing.period.close", until="2025-11-30", actor="accountant")
    call("billing.period.list")
    call("billing.period.reopen", {"from": "2025-11-01", "reason": "late act"})

    # workflows: shipped ones, our own with a task, a timer, effects and an incident
    call("workflow.shipped")
    call("workflow.install", definition="act_signing")
    call("workflow.define", definition=REMINDERS)
    call("workflow.definitions")
    first = call("workflow.start", definition="reminders", key="LS-0001",
                 context={"phone": "+77011234567"})["instance"]
    call("workflow.send", instance=first, event="remind", data={"debt": "1234.50"},
         event_id="r-1")
    call("workflow.send_many", events=[
        {"instance": first, "event": "remind", "data": {"debt": "99.90"}},
        {"instance": first, "event": "remind", "expected_seq": 1}])
    call("workflow.get", instance=first)
    call("workflow.export", definition="reminders", format="mermaid")
    [task] = call("workflow.tasks", instance=first)["tasks"]
    effects = call("effects.fetch", limit=10)["effects"]
    call("effects.ack", effect=effects[0]["id"], result="done")
    call("effects.ack", effect=effects[1]["id"], result="failed", error="SMS gateway: 503")
    incidents = call("workflow.incidents")["incidents"]
    call("workflow.incident.retry", incident=incidents[0]["incident"], actor="operator")
    call("workflow.task.complete", task=task["task"], outcome="done", actor="manager")
    second = call("workflow.start", definition="reminders", key="LS-0002")["instance"]
    call("workflow.tick", now="2026-01-12T12:00:00+03:00")
    call("workflow.define", definition={**REMINDERS, "title": "Напоминания v2"})
    call("workflow.migrate", instance=second, to_version=2, reason="новая версия")
    call("effects.ack", effect=call("effects.fetch")["effects"][0]["id"], result="failed")
    call("workflow.incident.resolve", incident=call("workflow.incidents")["incidents"][0][
        "incident"], comment="отправлено вручную")
    call("workflow.instances", status="done")
    call("workflow.history", instance=first)
    call("events.post", type="deal.stage_changed", key="bitrix24:deal:42",
         data={"stage": "COMMISSION_APPROVED", "deal_id": 42}, event_id="ev-1")

    # EDO (seeds 003, 004): out through Diadoc, signed back, an unknown event kept
    call("edo.operator_types")
    call("edo.party.put", **OUR)
    call("edo.party.put", **THEM)
    call("edo.party.get", party="our")
    call("edo.parties", role="counterparty")
    packet = call("edo.packet.create", documents=[act], sender="our",
                  recipient="bitrix24:company:7", operator="diadoc")["packet"]
    call("edo.packet.validate", packet=packet)
    call("edo.packet.render", packet=packet)
    call("edo.packet.mark", packet=packet, status="sent", message_id="m-1",
         documents=[{"document": act, "operator_document_id": "d-1"}])
    call("edo.packet.get", packet=packet)
    call("edo.packets", status="sent")
    call("clock.set", now="2026-01-26T09:00:00+03:00")
    call("edo.awaiting", working_days=5)
    call("edo.event.apply", operator="diadoc", event_id="e-1", cursor="100",
         operator_document_id="d-1", raw={"RecipientResponseStatus": "WithRecipientSignature"},
         signed_file={"name": "act.sig", "content_base64": base64.b64encode(b"sig").decode()})
    call("edo.event.apply", operator="diadoc", event_id="e-2", operator_document_id="nobody",
         raw={"Delivered": True})
    call("edo.cursor", operator="diadoc")
    call("edo.events.unmatched")
    later = call("registry.put", kind="act", date="2026-01-20", refs=["bitrix24:deal:44"],
                 organization=ORG, counterparty=CPARTY,
                 items=[{"name": "Сопровождение", "quantity": "1", "price": "30000.00",
                         "vat_rate": "22"}])["id"]
    built = call("edo.packet.build", ref="bitrix24:deal:44", operator="diadoc")
    assert built["valid"] is True and later
    call("edo.packet.cancel", packet=built["packet"])

    # the whole database, moved into a new file (docs/postgresql.md, "Moving a database")
    moved = call("database.copy_to", target=str(tmp_path / "moved.db"))
    assert moved["rows"] > 0


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("contract")
    with opora.open(tmp_path / "scenario.db", clock="manual", now="2026-01-10T09:00:00+03:00",
                    utc_offset="+03:00") as db:
        rec = Recorder(db)
        run_scenario(db, rec, tmp_path)
        yield {m["name"]: m for m in db.methods()}, rec.calls


def test_every_method_declares_a_result_schema_a_host_can_build_on(scenario):
    catalogue, _ = scenario
    assert len(catalogue) >= 100
    problems = {name: result_contract.schema_problems(m["result"])
                for name, m in catalogue.items()}
    assert {name: p for name, p in problems.items() if p} == {}


def test_the_scenario_calls_every_method_of_meta_methods(scenario):
    catalogue, calls = scenario
    assert set(catalogue) - {method for method, _, _ in calls} == set()


def test_every_raw_result_is_what_its_schema_declares(scenario):
    catalogue, calls = scenario
    problems = []
    for method, raw, _ in calls:
        problems += [f"{method}: {p}"
                     for p in result_contract.result_problems(catalogue[method]["result"], raw)]
    assert problems == []


def test_python_converts_every_declared_money_date_and_date_time_at_any_depth(scenario):
    catalogue, calls = scenario
    problems, seen = [], set()
    for method, _, converted in calls:
        if method == "meta.methods":
            continue  # schemas, handed back as JSON
        schema = catalogue[method]["result"]
        problems += [f"{method}: {p}"
                     for p in result_contract.conversion_problems(schema, converted)]
        seen |= result_contract.formats_in(schema, converted)
    assert problems == []
    assert {"money", "decimal", "date", "date-time"} <= seen


def converted(calls, method):
    return [c for m, _, c in calls if m == method]


def test_the_methods_the_issue_named_return_decimal_and_dates(scenario):
    _, calls = scenario
    [ledger] = converted(calls, "billing.ledger")
    assert ledger["entries"] and all(
        isinstance(e["amount"], decimal.Decimal) and isinstance(e["vat"], decimal.Decimal)
        and type(e["date"]) is datetime.date for e in ledger["entries"])
    [ageing] = converted(calls, "billing.ageing")
    [rub] = ageing["ageing"]
    assert type(ageing["date"]) is datetime.date
    assert isinstance(rub["total"], decimal.Decimal)
    assert rub["total"] == sum(rub["buckets"].values())
    assert all(isinstance(v, decimal.Decimal) for v in rub["buckets"].values())
    runs = converted(calls, "billing.run.list")[0]["runs"]
    assert len(runs) == 3
    for r in runs:
        assert isinstance(r["started_at"], datetime.datetime) and r["started_at"].tzinfo
        assert all(isinstance(t["amount"], decimal.Decimal) for t in r["totals"])
    fetched = [e for f in converted(calls, "effects.fetch") for e in f["effects"]]
    sms = [e for e in fetched if e["type"] == "sms"]
    assert sms and sms[0]["payload"]["debt"] == decimal.Decimal("1234.50")
    assert sms[0]["payload"]["date"] == datetime.date(2026, 1, 12)
    assert sms[0]["payload"]["to"] == "+77011234567"  # not a declared field: as emitted


def test_timestamps_are_iso_text_everywhere_edo_packet_mark_included(scenario):
    _, calls = scenario
    [(_, raw, marked)] = [c for c in calls if c[0] == "edo.packet.mark"]
    assert raw["rendered_at"] == "2026-01-12T06:00:00Z"
    assert raw["sent_at"] == "2026-01-12T06:00:00Z"
    assert marked["rendered_at"] == datetime.datetime(2026, 1, 12, 6, tzinfo=datetime.timezone.utc)
    numbers = []

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        elif isinstance(value, int) and not isinstance(value, bool) and \
                result_contract.EPOCH_LOW <= value < result_contract.EPOCH_HIGH:
            numbers.append(path)

    for method, raw, _ in calls:
        walk(raw, method)
    assert numbers == []

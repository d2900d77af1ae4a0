#!/usr/bin/python3
"""Makes the release database fixture: one small opora database file made by the release
this script runs with, and `expected.json`, that release's answers to the reads a host makes.

    PYTHONPATH=build/dev/python /usr/bin/python3 tests/reference/release-db/make_fixture.py

Run it ONCE, with the library of the release the fixture stands for, and commit what it
writes: `tests/python/test_release_upgrade.py` opens a copy of that file with the library
under test (the migrations run on open) and must get the same answers. Making the files again
with a later library would test nothing; the script refuses to overwrite them without
--force.

Everything is deterministic: a manual clock (+03:00), fixed uids where the API takes them,
`id_seed` for the ids opora makes up, fixed exchange secrets. The scenario touches every table
a host can read back: the registry (kinds, documents with items and VAT, refs, parties, links,
files, statuses, versions, a deleted and a restored document, numbers, uids, full-text search
with Cyrillic and ё), the catalogue, billing (organisations, tax rates, tariffs, accounts,
subscriptions, freezes, discounts, charges, runs with accrual documents, payments, a storno,
a bank statement, a closed period, dunning), workflows (the shipped dunning and act_signing,
a custom chart with compound and parallel states, assigns, timers, tasks, effects in every
state, incidents, buffered and posted domain events, a migrated instance), EDO and the
exchange (a tablet node with a conflict and a parked change, a web shop, an unacknowledged
message).
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import pathlib
import shutil
import sys
import tempfile
from typing import Any

import opora

HERE = pathlib.Path(__file__).resolve().parent
UTC_OFFSET = "+03:00"
START = "2026-01-12T09:00:00+03:00"   # a Monday
END = "2026-02-16T10:00:00+03:00"     # a Monday: where the fixture's clock stops
FIXTURE_SEED = 15                     # id_seed of the handle that makes the fixture
WRITE_SEED = 1515                     # id_seed of the handles that write to a copy later
TABLET_SECRET = "fixture-tablet-secret-0123456789abcdef"
SHOP_SECRET = "fixture-shop-secret-0123456789abcdef00"

ORG = {"type": "company", "name": "ООО «Вектор»", "inn": "6663003127", "kpp": "666301001"}
ROMASHKA = {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893",
            "kpp": "773601001"}
TRADER = {"type": "sole_trader", "name": "ИП Ёлкин Семён Петрович", "inn": "500100732259"}
PERSON = {"type": "person", "name": "Смирнова Ольга Петровна"}
KZ_ORG = {"type": "company", "name": "ТОО «Алма»", "bin": "940140000385"}

OUR_PARTY = {"party": "our", "role": "our", "type": "company", "name": "ООО «Вектор»",
             "inn": "6663003127", "kpp": "666301001", "address": "г. Екатеринбург",
             "participant_id": "2BM-6663003127-666301001-202207281004154081709",
             "box_id": "our@diadoc",
             "signer": {"last_name": "Сидоров", "first_name": "Павел",
                        "position": "Директор"},
             "bank": {"account": "40702810138250123017", "bik": "044525225",
                      "bank_name": "ПАО Сбербанк", "corr_account": "30101810400000000225"}}
THEIR_PARTY = {"party": "bitrix24:company:7", "role": "counterparty", "type": "company",
               "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
               "address": "г. Москва",
               "participant_id": "2BM-7707083893-773601001-2019111512062712",
               "box_id": "them@diadoc"}

# A chart with a bit of everything the interpreter stores: assigns, effects (one with a
# required member that may come out empty), a calendar timer and working-day timers, a
# parallel state of two compound regions, a task with a deadline and an approval, a
# domain-event trigger that starts it and one that is buffered.
ONBOARDING = {
    "id": "onboarding", "title": "Подключение клиента", "calendar": "ru",
    "context": {"attempts": 0, "amount": "0.00", "manager": "petrov", "phone": None},
    "triggers": [
        {"event": "crm.deal_won", "start": True},
        {"event": "crm.payment", "send_as": "paid", "buffer": "P2D"},
    ],
    "initial": "intake",
    "states": {
        "intake": {
            "entry": [{"assign": {"attempts": "context.attempts + 1"}},
                      {"emit": {"type": "sms", "to": "{{ context.phone }}",
                                "text": "Заявка {{ key }} принята, "
                                        "попытка {{ context.attempts }}"}}],
            "on": {"accept": "work",
                   "reject": {"target": "cancelled", "guard": "len(event.data.reason) > 0"}},
            "after": [{"delay": "PT4H", "target": "escalated"}],
        },
        "escalated": {
            "entry": [{"emit": {"type": "email", "to": "head@example.ru",
                                "text": "Заявка {{ key }} ждёт с {{ today }}"}}],
            "on": {"accept": "work"},
        },
        "work": {
            "type": "parallel",
            "states": {
                "docs": {
                    "initial": "collecting",
                    "states": {
                        "collecting": {
                            "entry": [{"task": {
                                "name": "collect", "title": "Собрать документы {{ key }}",
                                "assignee": "{{ context.manager }}", "group": "office",
                                "outcomes": ["done", "cannot"], "comment_required": ["cannot"],
                                "form": {"fields": [{"name": "pages", "type": "integer"}]},
                                "deadline": {"working_days": 2}}}],
                            "on": {"task.collect.done": "collected",
                                   "task.collect.cannot": {"target": "collecting",
                                                           "reenter": True}},
                        },
                        "collected": {"type": "final"},
                    },
                },
                "payment": {
                    "initial": "waiting",
                    "states": {
                        "waiting": {
                            "on": {"paid": {"target": "settled", "actions": [
                                {"assign": {"amount": "event.data.amount"}}]}},
                            "after": [{"working_days": 3, "target": "overdue"}],
                        },
                        "overdue": {
                            "entry": [{"emit": {"type": "sms", "to": "{{ context.phone }}",
                                                "text": "Оплатите счёт по заявке {{ key }}"}}],
                            "on": {"paid": {"target": "settled", "actions": [
                                {"assign": {"amount": "event.data.amount"}}]}},
                        },
                        "settled": {"type": "final"},
                    },
                },
            },
            "on": {"done.state.work": "approval"},
        },
        "approval": {
            "entry": [{"approval": {"name": "approve", "title": "Утвердить {{ key }}",
                                    "assignee": "head", "deadline": {"delay": "P1D"}}}],
            "on": {"task.approve.approve": {"target": "done", "actions": [
                       {"emit": {"type": "crm_stage", "deal": "{{ key }}", "stage": "WON",
                                 "amount": "{{ context.amount }}"}}]},
                   "task.approve.reject": "intake"},
        },
        "cancelled": {"type": "final"},
        "done": {"type": "final"},
    },
}
ONBOARDING_V2 = {**ONBOARDING, "title": "Подключение клиента (v2)"}

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

PDF = b"%PDF-1.4\n% contract of the fixture\n" + bytes(range(32))
SIG = b"signature of the act"
PICTURE = b"\x89PNG\r\n\x1a\n fixture picture"
PICTURE_OAK = b"\x89PNG\r\n\x1a\n oak"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def uid(n: int) -> str:
    """A fixed uuid for the n-th object the fixture names itself."""
    return f"00000000-0000-4000-8000-{n:012d}"


class Maker:
    """The fixture's handle and what the scenario learnt (ids, the clock)."""

    def __init__(self, path: pathlib.Path, scratch: pathlib.Path) -> None:
        self.path = path
        self.scratch = scratch
        self.db = opora.open(path, clock="manual", now=START, utc_offset=UTC_OFFSET,
                             id_seed=FIXTURE_SEED)
        self.ids: dict[str, Any] = {}

    def call(self, method: str, **params: Any) -> dict:
        """A call as a host makes it, answered as raw JSON (the C ABI's text, parsed)."""
        return self.db._call_native(method, params or None)

    def at(self, now: str) -> None:
        self.call("clock.set", now=now)

    # ---------------------------------------------------------------- scenario --

    def run(self) -> None:
        self.calendars()
        self.registry()
        self.catalogue()
        self.workflows_installed()
        self.billing()
        self.edo()
        self.exchange()
        self.onboarding()
        self.february()

    def calendars(self) -> None:
        self.call("calendar.load", calendar={
            "id": "acme", "name": "Акме", "weekend": ["sat", "sun"], "hours_per_day": 8,
            "years": [{"year": 2026, "source": "fixture", "days": [
                {"date": "2026-01-02", "kind": "holiday", "note": "закрыто"},
                {"date": "2026-01-03", "kind": "working_day", "hours": 7, "note": "перенос"},
                {"date": "2026-02-20", "kind": "shortened", "hours": 7}]}]})

    def registry(self) -> None:
        call, ids = self.call, self.ids
        call("registry.kind.define", kind={
            "id": "service_request", "title": "Заявка на обслуживание",
            "statuses": ["new", "in_progress", "done", "rejected"],
            "transitions": {"new": ["in_progress", "rejected"], "in_progress": ["done"]},
            "has_items": False, "number_pattern": "ЗАЯВКА-{yyyy}-{seq:04}"}, actor="admin")
        call("registry.kind.define", kind={
            "id": "power_of_attorney", "title": "Доверенность", "statuses": ["draft", "issued"],
            "transitions": {"draft": ["issued"]}, "number_pattern": "Д/{yy}{mm}-{seq:03}",
            "number_per_organization": True, "requires_countersign": True})
        contract = call("registry.put", kind="contract", date="2026-01-05", uid=uid(1),
                        refs=["bitrix24:deal:42", "1c:contract:00-000123"],
                        organization=ORG, counterparty=ROMASHKA,
                        valid_from="2026-01-05", valid_to="2026-03-31",
                        custom={"manager": "Петров", "region": 66},
                        notes="Основной договор на монтаж и обслуживание счётчиков",
                        actor="Петров", reason="новый договор")
        ids["contract"] = contract["id"]
        call("registry.set_status", document=contract["id"], status="signed", actor="Иванов",
             reason="подписан обеими сторонами")
        ids["contract_pdf"] = call("registry.file.attach", document=contract["id"],
                                   name="договор.pdf", mime="application/pdf",
                                   content_base64=b64(PDF), actor="Петров")["file_id"]
        ids["contract_scan"] = call("registry.file.attach", document=contract["id"],
                                    name="scan.tif", role="scan", path="/archive/2026/scan.tif",
                                    size=123456)["file_id"]
        invoice = call("registry.put", kind="invoice", date="2026-01-09", uid=uid(2),
                       refs=["bitrix24:deal:42"], organization=ORG, counterparty=ROMASHKA,
                       vat_mode="on_top", basis_id=contract["id"],
                       basis_text="Договор № 1 от 05.01.2026",
                       items=[{"name": "Монтаж ёлочной гирлянды", "code": "M-1", "unit": "усл",
                               "quantity": "1.5", "price": "8000.00", "vat_rate": "22",
                               "vat_mode": "included"},
                              {"name": "Счётчик воды", "quantity": "3", "price": "1250.50",
                               "discount": "100.00", "vat_rate": "10"},
                              {"name": "Доставка", "quantity": "1", "price": "500.00",
                               "vat_rate": "none"},
                              {"name": "Пломба", "quantity": "2.125", "price": "40.00",
                               "vat_rate": "0"}])
        ids["invoice"] = invoice["id"]
        call("registry.set_status", document=invoice["id"], status="issued")
        act = call("registry.put", kind="act", date="2026-01-12", uid=uid(3),
                   refs=["bitrix24:deal:42"], organization=ORG, counterparty=ROMASHKA,
                   basis_id=contract["id"],
                   items=[{"name": "Монтаж ёлочной гирлянды", "unit": "усл. ед.",
                           "quantity": "1", "price": "120000.00", "vat_rate": "22"}])
        ids["act"] = act["id"]
        call("registry.link", **{"from": act["id"], "to": contract["id"], "type": "basis"},
             actor="Петров")
        call("registry.link", **{"from": invoice["id"], "to": contract["id"],
                                 "type": "part_of_packet"})
        call("registry.link", **{"from": invoice["id"], "to": act["id"],
                                 "type": "attachment_of"})
        call("registry.unlink", **{"from": invoice["id"], "to": act["id"],
                                   "type": "attachment_of"}, reason="ошибка")
        letter = call("registry.put", kind="letter", date="2026-01-10", uid=uid(4),
                      refs=["bitrix24:company:7"], counterparty=TRADER,
                      notes="Ёлочные игрушки и ёлка к празднику; ЁЖИК, еловые ветки, "
                            "Счетчик электроэнергии")
        ids["letter"] = letter["id"]
        call("registry.delete", document=letter["id"], actor="Петров", reason="ошибся")
        call("registry.restore", document=letter["id"], actor="Петров", reason="нужно")
        # A request of the host's own kind, changed field by field, then superseded.
        request = call("registry.put", kind="service_request", date="2026-01-11", uid=uid(5),
                       refs=["bitrix24:deal:43"], counterparty=PERSON,
                       custom={"priority": "high", "floor": 3, "tags": ["вода", "срочно"]},
                       notes="Течёт счётчик на кухне")
        ids["request"] = request["id"]
        call("registry.put", id=request["id"], expected_version=request["version"],
             notes="Течёт счётчик на кухне; мастер приедет во вторник",
             custom={"priority": "normal", "floor": 3, "tags": ["вода"]},
             actor="диспетчер", reason="уточнили")
        call("registry.set_status", document=request["id"], status="in_progress")
        request2 = call("registry.put", kind="service_request", date="2026-01-12", uid=uid(6),
                        refs=["bitrix24:deal:43"], counterparty=PERSON,
                        supersedes=request["id"], notes="Замена счётчика (повторная заявка)")
        ids["request2"] = request2["id"]
        # A document deleted for good.
        draft = call("registry.put", kind="invoice", date="2026-01-11", uid=uid(7),
                     counterparty=ROMASHKA, notes="черновик ёлочных счетов",
                     items=[{"name": "Черновик", "quantity": "1", "price": "1.00",
                             "vat_rate": "22"}])
        ids["deleted"] = draft["id"]
        call("registry.delete", document=draft["id"], reason="дубль")
        poa = call("registry.put", kind="power_of_attorney", date="2026-01-12", uid=uid(8),
                   organization=ORG, counterparty={"type": "person", "name": "Сидоров Павел",
                                                   "inn": "500100732259"},
                   valid_from="2026-01-12", valid_to="2026-02-28")
        ids["poa"] = poa["id"]
        # A contract in KZT with a Kazakh party, and one by a number the host gave.
        ids["kz_contract"] = call(
            "registry.put", kind="contract", date="2025-12-20", uid=uid(9), number="KZ-17",
            currency="KZT", organization=KZ_ORG,
            counterparty={"type": "person", "name": "Ахметов Ержан", "iin": "900101300017"},
            valid_from="2026-01-01", valid_to="2026-12-31", totals={"gross": "150000.00"},
            requires_countersign=True)["id"]
        made = call("registry.put_many", documents=[
            {"kind": "act", "date": "2026-01-12", "uid": uid(10), "refs": ["bitrix24:deal:44"],
             "organization": ORG, "counterparty": ROMASHKA,
             "items": [{"name": "Сопровождение", "quantity": "1", "price": "30000.00",
                        "vat_rate": "22"}]},
            {"kind": "invoice", "date": "2026-01-12", "uid": uid(11),
             "refs": ["bitrix24:deal:45"], "organization": ORG, "counterparty": TRADER,
             "items": [{"name": "Ёлка искусственная", "quantity": "2", "price": "4999.99",
                        "vat_rate": "22"}], "is_final": False}], actor="импорт")
        ids["act44"], ids["invoice45"] = [d["id"] for d in made["documents"]]

    def catalogue(self) -> None:
        call, ids = self.call, self.ids
        call("catalog.price_type.put", price_type="retail", uid=uid(101), name="Розница")
        call("catalog.price_type.put", price_type="wholesale", uid=uid(102), name="Опт")
        call("catalog.warehouse.put", warehouse="main", uid=uid(103), name="Основной склад")
        call("catalog.warehouse.put", warehouse="ekb", uid=uid(104), name="Екатеринбург")
        call("catalog.product.put", product="G-100", uid=uid(105), article="ГЭ-100",
             name="Гроб «Элит»", group="Гробы/Элит", vat_rate="22", recommended=1,
             description="Массив; ёлочный орнамент",
             pictures=[{"role": "thumb", "mime": "image/png", "content_base64": b64(PICTURE)}],
             variants=[{"variant": "oak", "uid": uid(106), "name": "Дуб",
                        "pictures": [{"role": "full", "mime": "image/png",
                                      "content_base64": b64(PICTURE_OAK)}]},
                       {"variant": "pine", "uid": uid(107), "name": "Сосна"}])
        call("catalog.product.put", product="W-1", uid=uid(108), name="Венок «Ёлочка»",
             unit="796", group="Венки", vat_rate="none")
        call("catalog.product.put", product="R-5", uid=uid(109), name="Лента траурная",
             article="Л-5", unit="006", group="Венки/Ленты", vat_rate="10", recommended=2)
        call("catalog.product.put", product="OLD", uid=uid(110), name="Снят с продажи",
             vat_rate="22")
        call("catalog.price.set", price_type="retail", rows=[
            {"product": "G-100", "from": "2026-01-01", "price": "50000.00"},
            {"product": "G-100", "from": "2026-02-01", "price": "55000.50"},
            {"product": "G-100", "variant": "oak", "from": "2026-01-01", "price": "70000.00"},
            {"product": "W-1", "from": "2026-01-01", "price": "1500.00"},
            {"product": "R-5", "from": "2026-01-01", "price": "120.00"},
            {"product": "OLD", "from": "2026-01-01", "price": "1.00"}])
        call("catalog.price.set", price_type="wholesale", rows=[
            {"product": "W-1", "from": "2026-01-01", "price": "1100.00"}])
        call("catalog.stock.set", warehouse="main", rows=[
            {"product": "G-100", "variant": "oak", "quantity": "3"},
            {"product": "G-100", "variant": "pine", "quantity": "1.5"},
            {"product": "W-1", "quantity": "40"}])
        call("catalog.stock.set", warehouse="ekb", rows=[{"product": "W-1", "quantity": "2"}])
        call("catalog.product.remove", product="OLD")
        ids["order"] = call("registry.put", kind="order", date="2026-01-12", uid=uid(111),
                            price_type="retail", organization=ORG, counterparty=PERSON,
                            refs=["shop:order:1"], custom={"paid": "5000.00",
                                                           "manager": "ivanov"},
                            items=[{"product": "G-100", "variant": "oak", "quantity": "1"},
                                   {"product": "W-1", "quantity": "2"},
                                   {"product": "R-5", "quantity": "1", "price": "150.00"}]
                            )["id"]

    def workflows_installed(self) -> None:
        self.call("workflow.install", definition="dunning")
        self.call("workflow.install", definition="act_signing")
        self.call("workflow.define", definition=ONBOARDING)

    def billing(self) -> None:
        call, ids = self.call, self.ids
        call("billing.organization.put", **ORG, calendar="ru",
             payment_link="https://pay.example.ru/{document}?amount={amount}",
             bank={"account": "40702810138250123017", "name": "ПАО Сбербанк",
                   "bic": "044525225", "corr_account": "30101810400000000225"})
        call("billing.organization.put", type="company", name="ТОО «Алма»", bin="940140000385")
        call("billing.tax.define", tax="usn_vat", rate="5", valid_from="2025-12-01",
             title="НДС 5% (УСН)", actor="бухгалтер")
        call("billing.tax.define", tax="usn_vat", rate="7", valid_from="2026-02-01",
             title="НДС 7% (УСН)")
        call("billing.tariff.define", tariff="home100", name="Домашний 100", fee="499.00",
             freeze_fee="99.00")
        call("billing.tariff.define", tariff="home200", name="Домашний 200", fee="799.00",
             vat_mode="on_top", payment_term_days=15)
        call("billing.tariff.define", tariff="tv", name="Телевидение", fee="10.00",
             fee_period="day", tax="usn_vat", billing="arrears")
        call("billing.tariff.define", tariff="kz_home", name="Үй интернеті", fee="4500.00",
             currency="KZT", tax="kz_vat", proration="none")
        accounts = [
            ("LS-0001", {"type": "person", "name": "Иванов Иван Иванович"}, "+79001234567",
             "6663003127", None),
            ("LS-0002", {"type": "person", "name": "Петрова Анна Сергеевна",
                         "inn": "500100732259"}, None, "6663003127", None),
            ("LS-0003", {"type": "company", "name": "ООО «Ромашка»", "inn": "7707083893",
                         "kpp": "773601001"}, "+79007654321", "6663003127", None),
            ("KZ-0001", {"type": "person", "name": "Ахметов Ержан", "iin": "900101300017"},
             "+77011234567", "940140000385", "KZT"),
        ]
        for number, holder, phone, org, currency in accounts:
            params: dict[str, Any] = {"account": number, "holder": holder,
                                      "organization": org, "address": f"ул. Ёлочная, {number}"}
            if phone:
                params["phone"] = phone
            if currency:
                params["currency"] = currency
            call("billing.account.put", **params)
        call("billing.account.put", account="LS-0003", credit_limit="1000.00",
             reason="договор")
        subs = ids["subscriptions"] = {}
        subs["LS-0001"] = call("billing.subscription.connect", account="LS-0001",
                               tariff="home100", date="2025-11-15")["subscription"]
        subs["LS-0002"] = call("billing.subscription.connect", account="LS-0002",
                               tariff="home100", date="2025-12-01")["subscription"]
        subs["LS-0002tv"] = call("billing.subscription.connect", account="LS-0002",
                                 tariff="tv", service="tv", date="2025-12-10")["subscription"]
        subs["LS-0003"] = call("billing.subscription.connect", account="LS-0003",
                               tariff="home100", date="2025-12-01")["subscription"]
        subs["KZ-0001"] = call("billing.subscription.connect", account="KZ-0001",
                               tariff="kz_home", date="2025-12-05")["subscription"]
        call("billing.subscription.change_tariff", subscription=subs["LS-0003"],
             tariff="home200", when="date", date="2026-01-01")
        call("billing.subscription.freeze", **{"subscription": subs["LS-0002tv"],
                                               "from": "2025-12-20", "to": "2025-12-31",
                                               "fee": "50.00"})
        call("billing.discount.add", **{"account": "LS-0003", "name": "Лояльность",
                                        "percent": "10", "from": "2025-12-01"})
        call("billing.discount.add", **{"account": "LS-0001", "name": "Скидка на месяц",
                                        "subscription": subs["LS-0001"], "amount": "50.00",
                                        "from": "2026-01-01", "to": "2026-01-31"})
        ids["runs"] = {}
        ids["runs"]["2025-11"] = call("billing.run", period="2025-11", chunk_size=2)["run"]
        ids["runs"]["2025-12"] = call("billing.run", period="2025-12")["run"]
        ids["runs"]["2026-01"] = call("billing.run", period="2026-01", actor="billing-bot")["run"]
        ids["charge"] = call("billing.charge", account="LS-0001", name="Роутер",
                             amount="2500.00", date="2026-01-12", key="router-1")
        paid = call("billing.pay", channel="kaspi", txn_id="K-1", account="LS-0001",
                    amount="300.00", txn_date="2026-01-12T10:00:00")
        ids["receipt_k1"] = paid["receipt"]
        wrong = call("billing.pay", channel="cash", txn_id="C-1", account="LS-0003",
                     amount="10.00", txn_date="2026-01-12")
        call("billing.payment.storno", receipt=wrong["receipt"], actor="кассир",
             reason="ошибочный платёж")
        call("billing.gateway", protocol="osmp",
             query="command=pay&txn_id=77&account=LS-0003&sum=1000.00&txn_date=20260112110000")

        self.at("2026-01-20T12:00:00+03:00")
        call("billing.statement.import", content_base64=b64(STATEMENT.encode("cp1251")))
        call("billing.dunning.run", date="2026-01-20")
        call("billing.period.close", until="2025-11-30", actor="бухгалтер", reason="закрытие")
        call("billing.period.reopen", **{"from": "2025-11-01", "reason": "поздний акт"})
        call("billing.period.close", until="2025-12-31", actor="бухгалтер")
        call("billing.subscription.disconnect", subscription=subs["LS-0002tv"],
             date="2026-01-31")

    def edo(self) -> None:
        call, ids = self.call, self.ids
        self.at("2026-01-21T09:00:00+03:00")
        call("edo.party.put", **OUR_PARTY)
        call("edo.party.put", **THEIR_PARTY)
        call("edo.party.put", party="ip-elkin", role="counterparty", type="sole_trader",
             last_name="Ёлкин", first_name="Семён", middle_name="Петрович",
             inn="500100732259", ogrn="304500116000157", ogrn_date="2004-01-15",
             exchange="paper", email="elkin@example.ru")
        started = call("events.post", type="deal.stage_changed", key="bitrix24:deal:42",
                       data={"stage": "COMMISSION_APPROVED", "deal_id": 42},
                       event_id="crm-42-approved")
        ids["act_signing"] = started["started"][0]["instance"]
        call("events.post", type="crm.form_filled", key="bitrix24:deal:42",
             data={"method": "electronic", "edo_operator": "diadoc",
                   "edo_id": THEIR_PARTY["participant_id"]}, event_id="crm-42-form")
        built = call("edo.packet.build", ref="bitrix24:deal:42", operator="diadoc", kinds=["act"],
                     comment="акт по сделке 42")
        assert built["valid"], built
        ids["packet42"] = built["packet"]
        call("edo.packet.mark", packet=built["packet"], status="sent", message_id="m-42",
             documents=[{"document": ids["act"], "operator_document_id": "d-42"}])
        built44 = call("edo.packet.build", ref="bitrix24:deal:44", operator="diadoc")
        assert built44["valid"], built44
        ids["packet44"] = built44["packet"]
        call("edo.packet.mark", packet=built44["packet"], status="sent", message_id="m-44",
             documents=[{"document": ids["act44"], "operator_document_id": "d-44"}])
        self.at("2026-01-23T15:00:00+03:00")
        call("edo.event.apply", operator="diadoc", event_id="e-1", cursor="100",
             operator_document_id="d-42",
             raw={"RecipientResponseStatus": "WithRecipientSignature"},
             signed_file={"name": "act.sig", "content_base64": b64(SIG)})
        call("edo.event.apply", operator="diadoc", event_id="e-2", cursor="101",
             operator_document_id="nobody", raw={"Delivered": True})
        # A packet with a problem left to fix: an act dated in the future.
        future = call("registry.put", kind="act", date="2026-03-01", uid=uid(12),
                      refs=["bitrix24:deal:46"], organization=ORG, counterparty=ROMASHKA,
                      items=[{"name": "Будущие работы", "quantity": "1",
                              "price": "1000.00", "vat_rate": "22"}])
        ids["future_act"] = future["id"]
        bad = call("edo.packet.build", ref="bitrix24:deal:46", operator="diadoc")
        assert not bad["valid"], bad
        ids["packet46"] = bad["packet"]

    def exchange(self) -> None:
        call, ids = self.call, self.ids
        self.at("2026-01-26T09:00:00+03:00")
        call("exchange.setup", node="centre", role="centre")
        call("exchange.node.put", node="tablet-7", kind="tablet",
             streams=["catalog", "stock", "orders"], secret=TABLET_SECRET,
             scope="doc.custom.manager == node.attributes.manager",
             attributes={"manager": "petrov", "region": "Урал"})
        call("exchange.node.put", node="shop", kind="shop", streams=["catalog", "stock"],
             secret=SHOP_SECRET)
        call("exchange.ownership.put", kind="contract",
             rules=[{"field": "notes", "owner": "node"}, {"field": "*", "owner": "centre"}])
        call("exchange.ownership.put", kind="service_request",
             rules=[{"field": "status", "owner": "node", "while": "doc.status == 'new'"}])
        # Catalogue changes after the nodes exist are registered for them.
        call("catalog.product.put", product="R-5", description="Атласная, 5 м")
        call("catalog.price.set", price_type="retail", rows=[
            {"product": "W-1", "from": "2026-01-26", "price": "1550.00"}])
        call("catalog.stock.set", warehouse="main", rows=[{"product": "W-1", "quantity": "38"}])
        office = call("registry.put", kind="order", date="2026-01-26", uid=uid(201),
                      organization=ORG, counterparty=PERSON, custom={"manager": "petrov"},
                      items=[{"name": "Венок", "quantity": "1", "price": "3000.00",
                              "vat_rate": "none"}])
        ids["office_order"] = office["id"]
        tablet_path = self.scratch / "tablet.db"
        with opora.open(tablet_path, clock="manual", now="2026-01-26T09:00:00+03:00",
                        utc_offset=UTC_OFFSET, id_seed=FIXTURE_SEED + 1) as tablet:
            t = tablet._call_native
            t("exchange.setup", {"node": "tablet-7", "role": "node", "prefix": "T7"})
            t("exchange.node.put", {"node": "centre", "kind": "centre",
                                    "streams": ["catalog", "stock", "orders"],
                                    "secret": TABLET_SECRET})
            for stream in ("catalog", "stock"):
                page = call("exchange.snapshot", node="tablet-7", stream=stream)
                t("exchange.in", {"node": "centre", "message": page["message"]})
            sent = call("exchange.out", node="tablet-7")
            t("exchange.in", {"node": "centre", "message": sent["message"]})
            taken = t("registry.put", {
                "kind": "order", "date": "2026-01-26", "uid": uid(202),
                "counterparty": {"type": "person", "name": "Кузнецова Мария"},
                "custom": {"manager": "petrov"}, "price_type": "retail",
                "items": [{"product": "W-1", "quantity": "3"}]})
            call("exchange.in", node="tablet-7",
                 message=t("exchange.out", {"node": "centre"})["message"])
            # The office confirms its order; offline, the agent edits the items of it
            # (the centre owns them once confirmed: a conflict) and takes an order for
            # another manager (outside the node's scope: parked).
            t("exchange.in", {"node": "centre",
                              "message": call("exchange.out", node="tablet-7")["message"]})
            call("registry.set_status", document=office["id"], status="confirmed")
            [local] = [d for d in t("registry.find", {"kind": "order"})["documents"]
                       if d["uid"] == uid(201)]
            t("registry.put", {"id": local["id"], "items": [
                {"name": "Венок", "quantity": "2", "price": "3000.00", "vat_rate": "none"}]})
            t("registry.put", {
                "kind": "order", "date": "2026-01-26", "uid": uid(203),
                "counterparty": {"type": "person", "name": "Орлов Пётр"},
                "custom": {"manager": "ivanov"},
                "items": [{"name": "Лента", "quantity": "1", "price": "500.00",
                           "vat_rate": "none"}]})
            self.at("2026-01-26T12:00:00+03:00")
            call("exchange.in", node="tablet-7",
                 message=t("exchange.out", {"node": "centre"})["message"])
            # The centre's answer stays unacknowledged: the tablet takes it, but its
            # acknowledgement is in a message still in flight when the centre is upgraded,
            # with an edit of the order taken offline (merged against the base the centre
            # kept for it).
            call("registry.put", id=office["id"], notes="доставка к 10:00")
            ids["unacked"] = call("exchange.out", node="tablet-7")
            t("exchange.in", {"node": "centre", "message": ids["unacked"]["message"]})
            # The office takes an advance on the agent's order (a field the centre owns)
            # after the version the tablet holds: the merge needs the tablet's base.
            [theirs] = [d for d in call("registry.find", kind="order")["documents"]
                        if d["uid"] == taken["uid"]]
            call("registry.put", id=theirs["id"], custom={"manager": "petrov",
                                                          "paid": "1000.00"})
            [mine] = [d for d in t("registry.find", {"kind": "order"})["documents"]
                      if d["uid"] == taken["uid"]]
            t("registry.put", {"id": mine["id"], "notes": "позвонить за час",
                               "items": [{"product": "W-1", "quantity": "4"}]})
            ids["inflight"] = t("exchange.out", {"node": "centre"})["message"]
        # The web shop: the products file taken, the offers file not yet confirmed.
        first = call("exchange.commerceml.out", node="shop", file="import")
        call("exchange.commerceml.ack", node="shop", msg_no=first["msg_no"])
        ids["shop_offers"] = call("exchange.commerceml.out", node="shop", file="offers")
        ids["picture"] = call("catalog.product.get", product="G-100")["pictures"][0]["sha256"]

    def onboarding(self) -> None:
        call, ids = self.call, self.ids
        inst = ids["onboarding"] = {}
        self.at("2026-02-02T09:00:00+03:00")
        # deal:1 runs to its end: accepted, documents collected, paid, approved.
        inst["done"] = call("events.post", type="crm.deal_won", key="crm:deal:1",
                            data={"phone": "+79001110001", "manager": "sidorov"},
                            event_id="won-1")["started"][0]["instance"]
        call("workflow.send", instance=inst["done"], event="accept", event_id="accept-1")
        [collect] = call("workflow.tasks", instance=inst["done"])["tasks"]
        call("workflow.task.complete", task=collect["task"], outcome="cannot",
             comment="нет паспорта", actor="sidorov")
        [collect] = call("workflow.tasks", instance=inst["done"])["tasks"]
        call("workflow.task.complete", task=collect["task"], outcome="done",
             data={"pages": 12}, actor="sidorov")
        call("events.post", type="crm.payment", key="crm:deal:1",
             data={"amount": "15000.00"}, event_id="pay-1")
        [approve] = call("workflow.tasks", instance=inst["done"])["tasks"]
        call("workflow.task.complete", task=approve["task"], outcome="approve",
             comment="ок", actor="head")
        # deal:2 stays in work: the collect task open with its deadline, payment waiting.
        inst["work"] = call("workflow.start", definition="onboarding", key="crm:deal:2",
                            context={"phone": "+79001110002"})["instance"]
        call("workflow.send", instance=inst["work"], event="accept", event_id="accept-2")
        # deal:8 waits for the head's approval.
        inst["approval"] = call("workflow.start", definition="onboarding", key="crm:deal:8",
                                context={"phone": "+79001110008", "manager": "sidorov"}
                                )["instance"]
        call("workflow.send", instance=inst["approval"], event="accept")
        [collect] = call("workflow.tasks", instance=inst["approval"])["tasks"]
        call("workflow.task.complete", task=collect["task"], outcome="done", actor="sidorov")
        call("workflow.send", instance=inst["approval"], event="paid",
             data={"amount": "8800.00"}, event_id="pay-8")
        # deal:5 is turned down: an event nothing takes, a guard that fails, then a reason.
        inst["cancelled"] = call("workflow.start", definition="onboarding", key="crm:deal:5",
                                 context={"phone": "+79001110005"})["instance"]
        call("workflow.send", instance=inst["cancelled"], event="nonsense")
        call("workflow.send", instance=inst["cancelled"], event="reject",
             data={"reason": ""})
        call("workflow.send", instance=inst["cancelled"], event="reject",
             data={"reason": "дорого"}, event_id="reject-5")
        # deal:4 waits too long: its timer fires, then it moves to version 2.
        inst["escalated"] = call("workflow.start", definition="onboarding", key="crm:deal:4",
                                 context={"phone": "+79001110004"})["instance"]
        # deal:7 has no phone: its SMS becomes an incident (an empty required member).
        inst["no_phone"] = call("workflow.start", definition="onboarding",
                                key="crm:deal:7")["instance"]
        self.at("2026-02-02T14:00:00+03:00")
        call("workflow.tick")
        call("workflow.define", definition=ONBOARDING_V2)
        call("workflow.migrate", instance=inst["escalated"], to_version=2,
             context={"manager": "kozlov"}, actor="admin", reason="новая версия")

        # The outbox in every state: acknowledged done and failed (an incident, then
        # resolved or retried), fetched with a lease run out, fetched with a lease still
        # running, never fetched.
        self.at("2026-02-03T09:00:00+03:00")
        fetched = call("effects.fetch", limit=3, lease_seconds=60)["effects"]
        call("effects.ack", effect=fetched[0]["id"], result="done")
        call("effects.ack", effect=fetched[1]["id"], result="failed",
             error="SMS gateway: 503")
        call("effects.ack", effect=fetched[2]["id"], result="failed", error="bounced")
        ids["fetched_lease_expired"] = call("effects.fetch", limit=2,
                                            lease_seconds=300)["effects"]
        open_incidents = call("workflow.incidents")["incidents"]
        by_effect = {i["effect"]: i["incident"] for i in open_incidents}
        call("workflow.incident.resolve", incident=by_effect[fetched[1]["id"]],
             comment="отправили вручную", actor="operator")
        call("workflow.incident.retry", incident=by_effect[fetched[2]["id"]], actor="operator",
             comment="адрес исправлен")

    def february(self) -> None:
        call, ids = self.call, self.ids
        self.at("2026-02-03T10:00:00+03:00")
        # LS-0003 pays off its debt: its dunning process ends (paid); February's run
        # starts a new one, whose reminder is armed past the fixture's end.
        owed = call("billing.check", channel="kaspi", account="LS-0003")["amount_due"]
        call("billing.pay", channel="bank", txn_id="B-3", account="LS-0003", amount=owed,
             txn_date="2026-02-03")
        ids["runs"]["2026-02"] = call("billing.run", period="2026-02")["run"]
        call("billing.pay", channel="kaspi", txn_id="K-2", account="LS-0003",
             amount="500.00", txn_date="2026-02-03T11:00:00")
        call("billing.pay", channel="kaspi", txn_id="KZ-1", account="KZ-0001",
             amount="9000.00", txn_date="2026-02-03T11:30:00")
        self.at("2026-02-16T09:00:00+03:00")
        # deal:6: its payment comes before the deal is won; it waits in the buffer.
        call("events.post", type="crm.payment", key="crm:deal:6", data={"amount": "700.00"},
             event_id="pay-6")
        self.at("2026-02-16T09:30:00+03:00")
        call("billing.dunning.run", date="2026-02-16")
        # deal:3 comes in last: its 4-hour timer is armed when the clock stops.
        self.at(END)
        self.ids["onboarding"]["fresh"] = call(
            "workflow.start", definition="onboarding", key="crm:deal:3",
            context={"phone": "+79001110003"})["instance"]
        self.ids["fetched_leased"] = call("effects.fetch", limit=1,
                                          lease_seconds=7200)["effects"]

    def close(self) -> None:
        self.db.close()


# -------------------------------------------------------------------- reads --

# How the test compares a read (expected.json "compare"; absent: exact deep equality):
#   {"rows": KEY, "library_rows": [FIELD, ...]}  the list at KEY mixes the host's rows with
#       rows the library itself seeds (built-in kinds, built-in tax rates); a later release may
#       seed more. Every expected row must be there, in the same order, and a row the answer
#       adds must be new: its identity (the FIELDs) matches no expected row.
#   {"rows": KEY, "only": {FIELD: VALUE}}  compare only the rows of the list at KEY that have
#       FIELD == VALUE (calendar.list: the built-in calendars' years grow with every release;
#       the calendar this database loaded is what it stores).
#   {"ignore": [PATH, ...]}  fields that describe the library reading, not the database
#       (exchange.status: `library`, the version answering, and `nodes[].outdated`, whether a
#       node's schemas are older than the answering library's); a PATH is "field",
#       "field.sub" or "list[].field".
class Reads:
    """The reads of expected.json, made on a handle opened as the test opens its copy."""

    def __init__(self, db: opora.Database, ids: dict) -> None:
        self.db = db
        self.ids = ids
        self.reads: list[dict] = []
        self.names: set[str] = set()

    def call(self, method: str, **params: Any) -> dict:
        return self.db._call_native(method, params or None)

    def add(self, name: str, method: str, compare: dict | None = None, **params: Any) -> None:
        assert name not in self.names, name
        self.names.add(name)
        entry: dict[str, Any] = {"name": name, "method": method, "params": params}
        if compare:
            entry["compare"] = compare
        entry["result"] = answer(self.db, method, params)
        self.reads.append(entry)

    def collect(self) -> list[dict]:
        self.calendar()
        self.registry()
        self.catalogue()
        self.billing()
        self.workflow()
        self.edo()
        self.exchange()
        return self.reads

    def calendar(self) -> None:
        self.add("calendar.list", "calendar.list",
                 compare={"rows": "calendars", "only": {"user_data": True}})
        for date in ("2026-01-02", "2026-01-03", "2026-02-20"):
            self.add(f"calendar.is_working_day acme {date}", "calendar.is_working_day",
                     calendar="acme", date=date)
        self.add("calendar.add_working_days acme", "calendar.add_working_days",
                 calendar="acme", date="2025-12-31", days=3)
        self.add("calendar.working_days_between acme", "calendar.working_days_between",
                 calendar="acme", **{"from": "2026-01-01", "to": "2026-02-28"})

    def registry(self) -> None:
        add, call = self.add, self.call
        add("registry.kinds", "registry.kinds",
            compare={"rows": "kinds", "library_rows": ["id"]})
        docs = call("registry.find", include_deleted=True, sort="id", limit=1000)["documents"]
        assert docs and len(docs) < 1000
        files = []
        for d in docs:
            n = d["id"]
            add(f"registry.get {n}", "registry.get", document=n, include_deleted=True)
            add(f"registry.history {n}", "registry.history", document=n)
            add(f"registry.links {n}", "registry.links", document=n)
            add(f"registry.files {n}", "registry.files", document=n)
            files += [f["file_id"] for f in call("registry.files", document=n)["files"]]
        deleted = [d["id"] for d in docs if d["deleted"]]
        for n in deleted:
            add(f"registry.get {n} (deleted, not included)", "registry.get", document=n)
        for f in files:
            add(f"registry.file.get {f}", "registry.file.get", file=f)
        add("registry.find", "registry.find", limit=1000)
        for kind in sorted({d["kind"] for d in docs}):
            add(f"registry.find kind={kind}", "registry.find", kind=kind, limit=1000)
        add("registry.find ref", "registry.find", ref="bitrix24:deal:42", limit=1000)
        add("registry.find counterparty_inn", "registry.find", counterparty_inn="7707083893",
            sort="-gross", limit=1000)
        add("registry.find status", "registry.find", kind="contract", status="signed")
        add("registry.find custom", "registry.find", custom={"manager": "petrov"}, limit=1000)
        add("registry.find custom absent", "registry.find", kind="order",
            custom={"paid": None}, limit=1000)
        add("registry.find valid_on", "registry.find", kind="contract", valid_on="2026-02-01")
        add("registry.find is_final", "registry.find", is_final=False, limit=1000)
        add("registry.find include_deleted", "registry.find", kind="invoice",
            include_deleted=True, sort="-updated_at")
        add("registry.find amounts", "registry.find", min_amount="1000.00",
            max_amount="50000.00", sort="gross", limit=1000)
        add("registry.find KZT", "registry.find", currency="KZT", min_amount="1.00",
            limit=1000)
        add("registry.find dates", "registry.find", sort="-number", limit=1000,
            **{"from": "2026-01-10", "to": "2026-01-12"})
        for query in ("ёлочные", "елочные", "Ёлка", "ёлк*", "ЁЖИК", "счётчик", "счетчик",
                      "Ромашка", "монтаж", "течёт", "черновик", "Ёлкин", "доставка"):
            add(f"registry.search {query}", "registry.search", query=query, limit=1000)
        add("registry.search relevance", "registry.search", query="ёлочной гирлянды",
            sort="relevance")
        add("registry.search kind", "registry.search", query="ёлк*", kind="invoice")
        add("registry.missing", "registry.missing", having_kind="contract", lacking_kind="act")
        add("registry.missing invoices", "registry.missing", having_kind="invoice",
            lacking_kind="act", ref_prefix="bitrix24:deal:")
        add("registry.expiring", "registry.expiring", within_days=60)
        add("registry.expiring poa", "registry.expiring", kind="power_of_attorney",
            within_days=30, status="draft")
        for kind in sorted({d["kind"] for d in docs} | {"upd", "payment"}):
            add(f"registry.number.next {kind}", "registry.number.next", kind=kind)
        add("registry.number.next 2027", "registry.number.next", kind="act", date="2027-01-01")
        add("registry.number.next per organization", "registry.number.next",
            kind="power_of_attorney", organization_inn="6663003127")
        add("registry.export", "registry.export")

    def catalogue(self) -> None:
        add, call = self.add, self.call
        pictures = []
        for product in ("G-100", "W-1", "R-5", "OLD"):
            add(f"catalog.product.get {product}", "catalog.product.get", product=product)
            got = call("catalog.product.get", product=product)
            pictures += [p["sha256"] for p in got.get("pictures", [])]
            for v in got.get("variants", []):
                pictures += [p["sha256"] for p in v.get("pictures", [])]
        for sha in pictures:
            add(f"catalog.picture.get {sha[:12]}", "catalog.picture.get", sha256=sha)
        add("catalog.product.list", "catalog.product.list")
        add("catalog.product.list group", "catalog.product.list", group="Венки")
        add("catalog.product.list query ё", "catalog.product.list", query="ёлоч")
        add("catalog.product.list query article", "catalog.product.list", query="гэ-1")
        add("catalog.product.list page", "catalog.product.list", limit=1)
        add("catalog.price_type.list", "catalog.price_type.list")
        add("catalog.warehouse.list", "catalog.warehouse.list")
        for name, params in (
                ("G-100", {"product": "G-100"}),
                ("G-100 January", {"product": "G-100", "date": "2026-01-15"}),
                ("G-100 oak", {"product": "G-100", "variant": "oak"}),
                ("G-100 pine", {"product": "G-100", "variant": "pine"}),
                ("W-1", {"product": "W-1"}),
                ("W-1 before", {"product": "W-1", "date": "2025-12-31"}),
                ("W-1 2026-01-20", {"product": "W-1", "date": "2026-01-20"}),
                ("R-5", {"product": "R-5"})):
            add(f"catalog.price.get retail {name}", "catalog.price.get", price_type="retail",
                **params)
        add("catalog.price.get wholesale W-1", "catalog.price.get", price_type="wholesale",
            product="W-1")
        add("catalog.price.get removed", "catalog.price.get", price_type="retail",
            product="OLD")
        add("catalog.stock.get G-100", "catalog.stock.get", product="G-100")
        add("catalog.stock.get G-100 oak", "catalog.stock.get", product="G-100", variant="oak")
        add("catalog.stock.get W-1", "catalog.stock.get", product="W-1")
        add("catalog.stock.get W-1 ekb", "catalog.stock.get", product="W-1", warehouse="ekb")

    def billing(self) -> None:
        add, call, ids = self.add, self.call, self.ids
        add("billing.organization.list", "billing.organization.list")
        add("billing.tax.list", "billing.tax.list",
            compare={"rows": "rates", "library_rows": ["code", "valid_from"]})
        add("billing.tariff.list", "billing.tariff.list")
        add("billing.account.list", "billing.account.list")
        add("billing.account.list active", "billing.account.list", status="active", limit=2)
        accounts = [a["number"] for a in call("billing.account.list")["accounts"]]
        for a in accounts:
            add(f"billing.account.get {a}", "billing.account.get", account=a)
            add(f"billing.subscription.list {a}", "billing.subscription.list", account=a)
            add(f"billing.balance {a}", "billing.balance", account=a)
            add(f"billing.balance {a} 2026-01-15", "billing.balance", account=a,
                date="2026-01-15")
            add(f"billing.ledger {a}", "billing.ledger", account=a,
                **{"from": "2025-11-01", "to": "2026-02-28"})
            add(f"billing.check {a}", "billing.check", channel="kaspi", account=a)
            add(f"billing.ageing {a}", "billing.ageing", account=a)
            add(f"billing.qr {a}", "billing.qr", account=a, encoding="windows-1251")
        add("billing.ageing", "billing.ageing")
        add("billing.ageing 2026-01-31", "billing.ageing", date="2026-01-31")
        add("billing.debtors", "billing.debtors")
        add("billing.debtors 30 days", "billing.debtors", min_days=30, min_amount="1000.00")
        add("billing.turnover", "billing.turnover", **{"from": "2025-11-01", "to": "2026-02-28"})
        add("billing.turnover January LS-0001", "billing.turnover", account="LS-0001",
            **{"from": "2026-01-01", "to": "2026-01-31"})
        add("billing.turnover totals only", "billing.turnover", accounts=False,
            **{"from": "2026-02-01", "to": "2026-02-28"})
        add("billing.run.list", "billing.run.list")
        add("billing.run.list 2026-01", "billing.run.list", period="2026-01")
        add("billing.period.list", "billing.period.list")
        add("billing.statement.unmatched", "billing.statement.unmatched")
        add("billing.dunning.cases", "billing.dunning.cases", open_only=False)
        add("billing.dunning.cases open LS-0003", "billing.dunning.cases", account="LS-0003")
        add("billing.qr document", "billing.qr", document=ids["charge"]["document"])
        add("billing.order.payment", "billing.order.payment", document=ids["order"])

    def workflow(self) -> None:
        add, call = self.add, self.call
        add("workflow.definitions", "workflow.definitions")
        for d in call("workflow.definitions")["definitions"]:
            for v in range(1, d["versions"] + 1):
                add(f"workflow.export {d['id']} v{v}", "workflow.export", definition=d["id"],
                    version=v, format="mermaid")
        add("workflow.instances", "workflow.instances", limit=1000)
        add("workflow.instances done", "workflow.instances", status="done", limit=1000)
        add("workflow.instances onboarding v1", "workflow.instances", definition="onboarding",
            version=1)
        add("workflow.instances state", "workflow.instances", state="disconnecting")
        add("workflow.instances key", "workflow.instances", key="crm:deal:4")
        add("workflow.instances after", "workflow.instances", after=4, limit=3)
        instances = sorted(i["instance"] for s in ("active", "done")
                           for i in call("workflow.instances", status=s,
                                         limit=1000)["instances"])
        for n in instances:
            add(f"workflow.get {n}", "workflow.get", instance=n)
            add(f"workflow.history {n}", "workflow.history", instance=n, limit=100000)
            add(f"workflow.incidents instance {n}", "workflow.incidents", instance=n,
                limit=1000)
        # A page of history from the middle, as a host reading on with `after` does.
        records = call("workflow.history", instance=self.ids["onboarding"]["done"],
                       limit=100000)["records"]
        middle = records[len(records) // 2]["id"]
        add("workflow.history after", "workflow.history",
            instance=self.ids["onboarding"]["done"], after=middle, limit=5)
        add("workflow.tasks", "workflow.tasks", limit=1000)
        add("workflow.tasks assignee", "workflow.tasks", assignee="head")
        add("workflow.tasks group", "workflow.tasks", group="office")
        for s in ("open", "retried", "resolved"):
            add(f"workflow.incidents {s}", "workflow.incidents", status=s, limit=1000)

    def edo(self) -> None:
        add, call = self.add, self.call
        add("edo.parties", "edo.parties")
        add("edo.parties counterparty", "edo.parties", role="counterparty")
        add("edo.parties inn", "edo.parties", inn="7707083893")
        for p in call("edo.parties")["parties"]:
            add(f"edo.party.get {p['code']}", "edo.party.get", party=p["code"])
        add("edo.packets", "edo.packets")
        add("edo.packets sent", "edo.packets", status="sent", operator="diadoc")
        add("edo.packets with_errors", "edo.packets", with_errors=True)
        for p in call("edo.packets")["packets"]:
            add(f"edo.packet.get {p['packet']}", "edo.packet.get", packet=p["packet"])
        add("edo.cursor diadoc", "edo.cursor", operator="diadoc")
        add("edo.cursor sbis", "edo.cursor", operator="sbis")
        add("edo.events.unmatched", "edo.events.unmatched")
        add("edo.awaiting", "edo.awaiting", working_days=5)
        add("edo.awaiting 30", "edo.awaiting", working_days=30)

    def exchange(self) -> None:
        add, call, ids = self.add, self.call, self.ids
        # `library` is the version of the library answering; a node is `outdated` when its
        # schemas are older than that library's: both describe the reader, not the database.
        status = {"ignore": ["library", "nodes[].outdated"]}
        add("exchange.status", "exchange.status", compare=status)
        add("exchange.status tablet-7", "exchange.status", node="tablet-7", compare=status)
        add("exchange.node.list", "exchange.node.list")
        add("exchange.conflicts", "exchange.conflicts")
        add("exchange.conflicts tablet-7", "exchange.conflicts", node="tablet-7")
        add("exchange.parked", "exchange.parked")
        add("exchange.parked all", "exchange.parked", node="tablet-7", all=True)
        for kind in ("order", "contract", "service_request"):
            add(f"exchange.ownership.get {kind}", "exchange.ownership.get", kind=kind)
        pdf = call("registry.files", document=ids["contract"])["files"][0]["sha256"]
        unknown = "0" * 64
        add("exchange.files.missing", "exchange.files.missing",
            files=[ids["picture"], pdf, unknown])
        add("exchange.files.get", "exchange.files.get", files=[ids["picture"], pdf])


def answer(db: opora.Database, method: str, params: dict) -> dict:
    """The raw JSON answer of a call, or the error it raised: its code, name and the field
    and rule of each field error (their messages are prose a release may reword)."""
    try:
        return db._call_native(method, copy.deepcopy(params) or None)
    except opora.Error as e:
        return {"raised": {"code": e.code, "name": e.name,
                           "fields": [{"field": f["field"], "rule": f["rule"]}
                                      for f in e.field_errors]}}


# ------------------------------------------------------------------- writes --

def write_scenarios(db: opora.Database, ids: dict) -> dict[str, list[dict]]:
    """Writes the test makes on its upgraded copy, each scenario on a fresh copy, as steps
    {method, params}; the answers this release gives are recorded beside them."""
    call = db._call_native
    inst = ids["onboarding"]
    [approve] = call("workflow.tasks", {"instance": inst["approval"]})["tasks"]
    later = "2026-02-17T09:00:00+03:00"

    def step(method: str, compare: dict | None = None, **params: Any) -> dict:
        return {"method": method, "params": params, **({"compare": compare} if compare else {})}

    # exchange.status and a receipt say whether the node runs an older schema than the
    # library reading: true once a later release raises one (see Reads).
    status_compare = {"ignore": ["library", "nodes[].outdated"]}

    return {
        # What was taken once is answered as the first time (the dedup tables survived).
        "replays": [
            step("events.post", type="crm.deal_won", key="crm:deal:1",
                 data={"phone": "+79001110001", "manager": "sidorov"}, event_id="won-1"),
            step("workflow.send", instance=inst["done"], event="accept", event_id="accept-1"),
            step("workflow.send", instance=inst["cancelled"], event="reject",
                 data={"reason": "дорого"}, event_id="reject-5"),
            step("billing.pay", channel="kaspi", txn_id="K-1", account="LS-0001",
                 amount="300.00", txn_date="2026-01-12T10:00:00"),
            step("billing.charge", account="LS-0001", name="Роутер", amount="2500.00",
                 date="2026-01-12", key="router-1"),
            step("edo.event.apply", operator="diadoc", event_id="e-1"),
            step("exchange.out", node="tablet-7"),
            step("exchange.commerceml.out", node="shop", file="offers"),
        ],
        # The outbox: what was pending is fetched, acknowledged, and offered again once its
        # lease runs out; the effect the fixture leased comes back when its lease ends.
        "effects": [
            step("effects.fetch", limit=1000, lease_seconds=600),
            step("effects.ack", effect=0, result="done"),        # 0: the first fetched
            step("effects.ack", effect=1, result="failed", error="SMS gateway: 500"),
            step("effects.fetch", limit=1000, lease_seconds=600),
            step("clock.set", now="2026-02-16T13:00:00+03:00"),
            step("effects.fetch", limit=1000, lease_seconds=600),
            step("workflow.incidents", limit=1000),
        ],
        # Timers armed by the fixture fire: overdue ones at once, the later ones in time.
        "timers": [
            step("workflow.tick"),
            step("workflow.get", instance=inst["work"]),
            step("workflow.history", instance=inst["work"], limit=100000),
            step("workflow.tasks", limit=1000),
            step("workflow.tick", now=later),
            step("workflow.get", instance=inst["fresh"]),
            step("workflow.history", instance=inst["fresh"], limit=100000),
            step("billing.dunning.cases", account="LS-0003"),
            step("workflow.instances", limit=1000),
        ],
        # Old instances take new events; their history goes on after the old records.
        "events": [
            step("workflow.send", instance=inst["escalated"], event="accept",
                 event_id="accept-4"),
            step("workflow.history", instance=inst["escalated"], limit=100000),
            step("workflow.task.complete", task=approve["task"], outcome="approve",
                 comment="согласовано", actor="head"),
            step("workflow.get", instance=inst["approval"]),
            step("workflow.history", instance=inst["approval"], limit=100000),
            # The buffered payment of deal:6 reaches the instance its deal starts.
            step("events.post", type="crm.deal_won", key="crm:deal:6",
                 data={"phone": "+79001110006"}, event_id="won-6"),
            step("workflow.send", definition="onboarding", key="crm:deal:6", event="accept"),
            step("workflow.instances", key="crm:deal:6", status="active"),
            step("workflow.tasks", limit=1000),
        ],
        # A new document is found with the old ones; old ones change on.
        "registry": [
            step("registry.put", kind="letter", date="2026-02-16", uid=uid(301),
                 counterparty=ROMASHKA, refs=["bitrix24:deal:42"],
                 notes="Ёлочные шары и новый счётчик"),
            step("registry.search", query="ёлочные", limit=1000),
            step("registry.search", query="счётчик", limit=1000),
            step("registry.put", id=ids["contract"], expected_version=2,
                 notes="Договор продлён", valid_to="2026-06-30", actor="Петров",
                 reason="допсоглашение"),
            step("registry.history", document=ids["contract"]),
            step("registry.set_status", document=ids["invoice"], status="paid"),
            step("registry.find", ref="bitrix24:deal:42", limit=1000),
            step("registry.number.next", kind="letter"),
            step("registry.file.attach", document=ids["act"], name="акт.pdf",
                 mime="application/pdf", content_base64=b64(PDF)),
            step("registry.files", document=ids["act"]),
        ],
        # Money on old accounts, and the next month's run.
        "billing": [
            step("billing.pay", channel="kaspi", txn_id="K-3", account="LS-0001",
                 amount="1000.00", txn_date="2026-02-16T10:00:00"),
            step("billing.balance", account="LS-0001"),
            step("billing.pay", channel="kaspi", txn_id="KZ-2", account="KZ-0001",
                 amount="4500.00", txn_date="2026-02-16T10:05:00"),
            step("billing.dunning.cases", account="KZ-0001", open_only=False),
            step("clock.set", now="2026-03-02T09:00:00+03:00"),
            step("billing.run", period="2026-03"),
            step("billing.run.list"),
            step("billing.ledger", account="LS-0001",
                 **{"from": "2026-02-01", "to": "2026-03-31"}),
            step("billing.turnover", **{"from": "2026-02-01", "to": "2026-03-31"}),
            step("billing.dunning.cases", open_only=False),
        ],
        # The tablet's message in flight across the upgrade is merged against the base
        # the centre kept for it.
        "exchange": [
            step("exchange.in", node="tablet-7", message=ids["inflight"],
                 compare={"ignore": ["outdated"]}),
            step("exchange.status", node="tablet-7", compare=status_compare),
            step("registry.find", kind="order", limit=1000),
            step("exchange.conflicts", node="tablet-7"),
        ],
        # The catalogue changes on, and the exchange registers it for the nodes.
        "catalogue": [
            step("catalog.price.set", price_type="retail",
                 rows=[{"product": "G-100", "from": "2026-03-01", "price": "56000.00"}]),
            step("catalog.price.get", price_type="retail", product="G-100",
                 date="2026-03-01"),
            step("catalog.product.put", product="N-1", uid=uid(302), name="Новинка",
                 vat_rate="22"),
            step("catalog.product.list"),
            step("exchange.status", node="tablet-7", compare=status_compare),
        ],
    }


def replay(db: opora.Database, steps: list[dict]) -> list[dict]:
    """Runs a scenario's steps; `effects.ack` names its effect by its place in the first
    fetch's answer. Returns the answers."""
    answers: list[dict] = []
    fetched: list[dict] = []
    for s in steps:
        params = copy.deepcopy(s["params"])
        if s["method"] == "effects.ack":
            params["effect"] = fetched[params["effect"]]["id"]
        result = answer(db, s["method"], params)
        if s["method"] == "effects.fetch" and not fetched:
            fetched = result.get("effects", [])
        answers.append(result)
    return answers


# --------------------------------------------------------------------- main --

def layout(expected: dict) -> str:
    """expected.json with one read or write step a line: compact, yet a diff shows which."""
    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ["{"]
    for i, (key, value) in enumerate(expected.items()):
        comma = "," if i < len(expected) - 1 else ""
        if key == "reads":
            lines.append('"reads": [')
            lines += [one(r) + ("," if j < len(value) - 1 else "") for j, r in enumerate(value)]
            lines.append("]" + comma)
        elif key == "writes":
            lines.append('"writes": {')
            for j, (name, steps) in enumerate(value.items()):
                lines.append(f"{one(name)}: [")
                lines += [one(st) + ("," if k < len(steps) - 1 else "")
                          for k, st in enumerate(steps)]
                lines.append("]" + ("," if j < len(value) - 1 else ""))
            lines.append("}" + comma)
        else:
            lines.append(f"{one(key)}: {one(value)}{comma}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == expected
    return text


def open_copy(source: pathlib.Path, target: pathlib.Path, **extra: Any) -> opora.Database:
    """A copy of the fixture opened as the test opens it: the manual clock where the
    fixture's stopped."""
    shutil.copyfile(source, target)
    return opora.open(target, clock="manual", now=END, utc_offset=UTC_OFFSET, **extra)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=HERE)
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args()
    version = opora.library_version()
    db_name = f"opora-{version}.db"
    out_db, out_json = args.out / db_name, args.out / "expected.json"
    if not args.force and (out_db.exists() or out_json.exists()):
        print(f"{out_db} or {out_json} exists: the fixture is made once, by the release it "
              "stands for (--force to make it again)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        scratch = pathlib.Path(tmp)
        made = scratch / db_name
        maker = Maker(made, scratch)
        maker.run()
        ids = maker.ids
        maker.close()
        for suffix in ("-wal", "-shm"):
            assert not os.path.exists(f"{made}{suffix}"), "the fixture must be one closed file"

        with open_copy(made, scratch / "reads.db") as db:
            meta = db._call_native("meta.version", None)
            reads = Reads(db, ids).collect()
            scenarios = write_scenarios(db, ids)
        writes = {}
        for name, steps in scenarios.items():
            with open_copy(made, scratch / f"write-{name}.db", id_seed=WRITE_SEED) as db:
                answers = replay(db, steps)
            writes[name] = [{**s, "result": a} for s, a in zip(steps, answers)]
            for s, a in zip(steps, answers):
                assert "raised" not in a, (name, s, a)
        # The messages the fixture left unacknowledged go again byte for byte.
        resent = {s["method"]: s["result"] for s in writes["replays"]}
        assert resent["exchange.out"]["message"] == ids["unacked"]["message"]
        assert resent["exchange.commerceml.out"]["xml"] == ids["shop_offers"]["xml"]

        expected = {
            "about": "Answers of the release that made the fixture; see README.md. Made by "
                     "make_fixture.py: never edit by hand, never make again with a later "
                     "release.",
            "fixture": db_name,
            "library": {"version": meta["version"], "version_number": meta["version_number"]},
            "schema": meta["schema"],
            "open": {"clock": "manual", "now": END, "utc_offset": UTC_OFFSET},
            "write_id_seed": WRITE_SEED,
            "reads": reads,
            "writes": writes,
        }
        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, out_db)
        with open(out_json, "w", encoding="utf-8") as f:
            f.write(layout(expected))
    print(f"{out_db}: {out_db.stat().st_size} bytes; {out_json}: {len(reads)} reads, "
          f"{sum(len(w) for w in writes.values())} write steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Seed 000: a regional Kazakh ISP. A connection request from 1C runs through the departments
(equipment, payment of the connection, the installers) and ends with an SMS; the monthly
accruals start the SMS process that asks for payment, reminds, warns and, as a last step, opens
a disconnection task; subscribers pay in the bank's app by their IIN (Kaspi), which ends the
payment control at once.

Played only as a host plays it: 1C's request is the host's own event (events.post), billing is
called as the bank and 1C call it, the host's daily job runs billing.dunning.run, and every SMS
and task comes out of effects.fetch and is acknowledged. Working days are Kazakhstan's, money
is tenge.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from conftest import Host, at, open_db

KZ_OPERATOR = {"type": "company", "name": "ТОО «Алем-Телеком»", "bin": "940140000385"}
AIGUL = {"number": "LS-2001", "phone": "+77010000001", "address": "пр. Абая, 10",
         "holder": {"type": "person", "name": "Сидорова Айгуль", "iin": "900101300017"}}
PETROV = {"number": "LS-2002", "phone": "+77010000002", "address": "ул. Жибек Жолы, 5",
          "holder": {"type": "person", "name": "Петров Олег", "iin": "061211600012"}}


def kaspi(db, account_or_iin, txn_id, when):
    """The bank app: the payer types the IIN, sees what is due, pays it."""
    due = db.billing.check(channel="kaspi", account=account_or_iin)["amount_due"]
    answer = db.billing.gateway(protocol="kaspi", query=(
        f"command=pay&txn_id={txn_id}&account={account_or_iin}&sum={due:.2f}&txn_date={when}"))
    assert answer["result"] == 0, answer["body"]
    return due


def daily_job(db, host, first, last):
    day = datetime.date.fromisoformat(first)
    while day <= datetime.date.fromisoformat(last):
        at(db, f"{day}T08:00:00+05:00")
        db.billing.dunning.run(date=day)
        host.work()
        day += datetime.timedelta(days=1)


def test_seed_000_a_kazakh_isp_connects_bills_chases_and_disconnects(tmp_path):
    with open_db(tmp_path / "isp.db", "2026-03-02T09:00:00+05:00", "+05:00") as db:
        host = Host(db)
        db.workflow.install(definition="dunning")
        db.workflow.install(definition="subscriber_connect")
        db.billing.organization.put(**KZ_OPERATOR)
        db.billing.tariff.define(tariff="home", name="Домашний 100", fee="4500.00", currency="KZT")
        for s in (AIGUL, PETROV):
            db.billing.account.put(**s, organization=KZ_OPERATOR["bin"], currency="KZT")
        petrov_home = db.billing.subscription.connect(account="LS-2002", tariff="home",
                                                      date="2026-03-01")["subscription"]

        # --- a connection request from 1C: the departments, the payment, the installers
        db.events.post(type="subscriber.connect_requested", key="billing:account:LS-2001",
                       event_id="1c:ЗП-000101", data={
                           "request_id": "ЗП-000101", "account": "LS-2001",
                           "subscriber_name": "Сидорова Айгуль", "phone": AIGUL["phone"],
                           "address": AIGUL["address"], "tariff": "Домашний 100",
                           "connection_fee": "15000.00", "currency": "₸", "calendar": "kz"})
        [connect] = db.workflow.instances(definition="subscriber_connect")["instances"]
        db.billing.charge(account="LS-2001", name="Подключение", amount="15000.00",
                          key="ЗП-000101")
        new = host.work()
        assert [d.payload["text"] for d in new] == [
            "Сидорова Айгуль, для подключения оплатите 15000.00 ₸ по лицевому счёту LS-2001.",
            "Сидорова Айгуль, начислено 15000.00 ₸ за 2026-03. К оплате 15000.00 ₸ до "
            "2026-03-12: в приложении банка по ИИН 900101300017."]
        [check] = db.workflow.tasks(instance=connect["instance"])["tasks"]
        db.workflow.task.complete(task=check["task"], outcome="in_stock", actor="склад")
        at(db, "2026-03-03T11:00:00+05:00")
        assert kaspi(db, "900101300017", "7001", "20260303110000") == Decimal("15000.00")
        # the payment is heard by both processes: the connection goes on, the chase ends
        assert [d.payload["text"] for d in host.work()] == [
            "Сидорова Айгуль, оплата получена, задолженность по лицевому счёту LS-2001 "
            "погашена. Спасибо!"]
        [assign] = db.workflow.tasks(instance=connect["instance"])["tasks"]
        assert assign["name"] == "assign_team"
        db.workflow.task.complete(task=assign["task"], outcome="done", data={"team": "бригада-3"})
        [install] = db.workflow.tasks(instance=connect["instance"])["tasks"]
        assert install["assignee"] == "бригада-3"
        at(db, "2026-03-04T15:00:00+05:00")
        db.workflow.task.complete(task=install["task"], outcome="done", actor="бригада-3")
        db.billing.subscription.connect(account="LS-2001", tariff="home", date="2026-04-01")
        connected = host.work()
        assert [(d.type, d.payload) for d in connected] == [
            ("request_close", {"system": "1c", "request": "ЗП-000101", "result": "connected"}),
            ("sms", {"to": AIGUL["phone"], "text": "Сидорова Айгуль, вы подключены к сервису по "
                                                   "тарифу «Домашний 100». Спасибо, что выбрали нас!"})]
        assert db.workflow.get(instance=connect["instance"])["status"] == "done"

        # --- April's accruals: each subscriber is asked to pay, once
        at(db, "2026-04-01T06:00:00+05:00")
        db.billing.run(period="2026-04")
        bills = host.work()
        assert sorted(d.payload["to"] for d in bills) == [AIGUL["phone"], PETROV["phone"]]
        petrov_bill = "Петров Олег, начислено 4500.00 ₸ за 2026-04. К оплате 4500.00 ₸ до " \
                      "2026-04-11: в приложении банка по ИИН 061211600012."
        assert petrov_bill in [d.payload["text"] for d in bills]
        # Aigul pays in the app two days later: her payment control ends
        at(db, "2026-04-03T10:00:00+05:00")
        kaspi(db, "900101300017", "7002", "20260403100000")
        assert [d.payload["text"] for d in host.work()] == [
            "Сидорова Айгуль, оплата получена, задолженность по лицевому счёту LS-2001 "
            "погашена. Спасибо!"]

        # --- the host's daily job through April; Petrov never pays
        daily_job(db, host, "2026-04-02", "2026-04-12")
        # due Saturday 11 April: the reminder on Monday the 13th; the host crashes after
        # sending it and before acknowledging: it is offered again, with the same key
        at(db, "2026-04-13T08:00:00+05:00")
        db.billing.dunning.run(date="2026-04-13")
        [reminder] = host.work(ack=False)
        at(db, "2026-04-13T08:05:00+05:00")
        [again] = db.effects.fetch()["effects"]
        assert again["idempotency_key"] == reminder.key and again["attempt"] == 2
        assert host.work() == []  # the same key: carried out already, now acknowledged
        daily_job(db, host, "2026-04-14", "2026-04-30")

        to_petrov = [d for d in host.done if d.payload.get("to") == PETROV["phone"]]
        assert [(d.day.isoformat(), d.payload["text"]) for d in to_petrov] == [
            ("2026-04-01", petrov_bill),
            ("2026-04-13", "Петров Олег, срок оплаты 2026-04-11 прошёл: к оплате 4500.00 ₸ по "
                           "лицевому счёту LS-2002."),
            ("2026-04-20", "Петров Олег, задолженность 4500.00 ₸, без оплаты услуга будет "
                           "отключена 2026-04-23.")]
        [task] = host.of("disconnect_task")
        assert task.day == datetime.date(2026, 4, 23)
        # The process's record of what it sent converts as the outbox does.
        [case] = db.billing.dunning.cases(account="LS-2002")["cases"]
        [action] = [a for a in case["actions"] if a["type"] == "disconnect_task"]
        assert action["payload"]["debt"] == task.payload["debt"] == Decimal("4500.00")
        assert task.payload == {
            "account": "LS-2002", "address": PETROV["address"], "debt": Decimal("4500.00"),
            "title": "Отключить абонента Петров Олег (л/с LS-2002) за неуплату: долг 4500.00 ₸"}

        # --- the installers disconnect him on the 23rd; 1C ends his line and sets the status
        at(db, "2026-04-24T12:00:00+05:00")
        db.billing.subscription.disconnect(subscription=petrov_home, date="2026-04-23")
        db.billing.account.put(account="LS-2002", status="disconnected")
        [last] = host.work()
        assert last.payload == {
            "to": PETROV["phone"],
            "text": "Петров Олег, услуга приостановлена за неуплату. Задолженность 4500.00 ₸; "
                    "после оплаты подайте заявку на подключение."}

        # --- May: only the connected subscriber is billed by SMS
        at(db, "2026-05-01T06:00:00+05:00")
        db.billing.run(period="2026-05")
        may = host.work()
        assert [d.payload["to"] for d in may] == [AIGUL["phone"]]

        # every SMS went out once; nothing failed on the way
        keys = [d.key for d in host.done]
        assert len(keys) == len(set(keys))
        sent = [(d.day, d.payload.get("to"), d.payload.get("text")) for d in host.of("sms")]
        assert len(sent) == len(set(sent)) == 11
        assert db.workflow.incidents()["incidents"] == []
        assert db.effects.fetch()["effects"] == []

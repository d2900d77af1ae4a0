"""Seed 001: service control in Bitrix24. The manager moves a paid deal to «Оплачено»; the head
picks an employee, lists the documents to collect in 2 working days, the manager approves them
(a rejection with its comment sends the employee back), a report is prepared while the act goes
to the client, the client is e-mailed and the deal moves to «Сделка заключена». Moving the deal
back out of «Оплачено» stops the control; moving it in again starts it afresh.

Played as the CRM plugin plays it: the deal's stage changes are the host's events (events.post,
one event id per webhook delivery, so a retried webhook does nothing), the people answer their
tasks (workflow.task.complete), the host's scheduler ticks, and the deal stages, CRM tasks,
notifications and e-mail come out of effects.fetch and are acknowledged.
"""

from __future__ import annotations

import datetime

from conftest import Host, at, open_db

DEAL = {"stage": "PAID", "deal_id": 42, "deal_title": "Монтаж видеонаблюдения",
        "manager": "ivanov", "head": "petrova", "company": "ООО «Ромашка»", "contact": "Сергей",
        "comment": "Склад, въезд со двора", "customer_email": "client@romashka.ru"}


def task_of(db, instance, **match):
    [task] = [t for t in db.workflow.tasks(instance=instance)["tasks"]
              if all(t[k] == v for k, v in match.items())]
    return task


def test_seed_001_a_paid_deal_is_served_approved_and_won(tmp_path):
    with open_db(tmp_path / "b24.db", "2026-11-23T10:00:00+03:00", "+03:00") as db:
        host = Host(db)
        db.workflow.install(definition="service_control")
        posted = db.events.post(type="deal.stage_changed", key="bitrix24:deal:42", data=DEAL,
                                event_id="b24:ONCRMDEALUPDATE:1001")
        [started] = posted["started"]
        sc = started["instance"]
        # Bitrix24 retries the webhook: the same delivery changes nothing
        again = db.events.post(type="deal.stage_changed", key="bitrix24:deal:42", data=DEAL,
                               event_id="b24:ONCRMDEALUPDATE:1001")
        assert again["duplicate"] is True
        # the deal edited while paid (a new webhook): still one process
        edited = db.events.post(type="deal.stage_changed", key="bitrix24:deal:42",
                                data=DEAL, event_id="b24:ONCRMDEALUPDATE:1002")
        assert edited["started"][0]["existing"] is True

        choose = task_of(db, sc, assignee="petrova")
        db.workflow.task.complete(task=choose["task"], outcome="done",
                                  data={"employee": "sidorov"}, actor="petrova")
        [stage] = host.work()
        assert (stage.type, stage.payload["deal"], stage.payload["stage"]) == (
            "deal_stage", "42", "EXECUTING")

        at(db, "2026-11-27T09:00:00+03:00")  # Friday: two working days end on Tuesday
        listing = task_of(db, sc, assignee="petrova")
        db.workflow.task.complete(task=listing["task"], outcome="done",
                                  data={"documents": "договор, акт осмотра"}, actor="petrova")
        collect = task_of(db, sc, assignee="sidorov")
        assert collect["title"] == "Забрать документы у заказчика по сделке 42"
        assert db.workflow.tick(now="2026-12-01T05:59:59Z")["fired"] == 0
        assert db.workflow.tick(now="2026-12-01T06:00:00Z")["fired"] == 1
        [late] = host.work()
        assert late.payload == {"to": "ivanov",
                                "text": "Сотрудник sidorov не забрал документы по сделке 42 в срок"}
        at(db, "2026-12-01T12:00:00+03:00")
        db.workflow.task.complete(task=collect["task"], outcome="done", actor="sidorov")

        review = task_of(db, sc, assignee="ivanov")
        db.workflow.task.complete(task=review["task"], outcome="reject", actor="ivanov",
                                  comment="нет подписи заказчика на акте осмотра")
        fix = task_of(db, sc, assignee="sidorov")
        assert fix["title"].endswith("нет подписи заказчика на акте осмотра")
        db.workflow.task.complete(task=fix["task"], outcome="done", actor="sidorov")
        review = task_of(db, sc, assignee="ivanov")
        assert review["iteration"] == 2
        db.workflow.task.complete(task=review["task"], outcome="approve", actor="ivanov")
        [act_task] = host.work()
        assert act_task.type == "crm_task"
        assert act_task.payload["responsible"] == "ivanov"
        assert act_task.payload["deadline"] == datetime.date(2026, 12, 3)
        report = task_of(db, sc, assignee="petrova")
        db.workflow.task.complete(task=report["task"], outcome="done", actor="petrova")
        finished = host.work()
        assert [d.type for d in finished] == ["email", "deal_stage"]
        assert finished[0].payload["to"] == "client@romashka.ru"
        assert finished[1].payload["stage"] == "WON"
        assert db.workflow.get(instance=sc)["status"] == "done"

        # the stage the process set comes back as a webhook: it starts nothing
        won = db.events.post(type="deal.stage_changed", key="bitrix24:deal:42",
                             data={"stage": "WON"}, event_id="b24:ONCRMDEALUPDATE:1003")
        assert won["started"] == [] and won["delivered"] == []
        stages = [d.payload["stage"] for d in host.of("deal_stage", deal="42")]
        assert stages == ["EXECUTING", "WON"]  # each set once
        assert db.effects.fetch()["effects"] == []
        assert db.workflow.incidents()["incidents"] == []


def test_seed_001_a_deal_moved_back_stops_the_control_and_paid_again_restarts_it(tmp_path):
    with open_db(tmp_path / "b24.db", "2026-11-23T10:00:00+03:00", "+03:00") as db:
        host = Host(db)
        db.workflow.install(definition="service_control")
        paid = {"stage": "PAID", "deal_id": 7, "manager": "ivanov", "head": "petrova"}
        first = db.events.post(type="deal.stage_changed", key="bitrix24:deal:7", data=paid,
                               event_id="b24:7:1")["started"][0]["instance"]
        db.events.post(type="deal.stage_changed", key="bitrix24:deal:7",
                       data={"stage": "NEW", "deal_id": 7}, event_id="b24:7:2")
        assert db.workflow.get(instance=first)["states"] == ["cancelled"]
        assert db.workflow.tasks(instance=first)["tasks"] == []
        [notice] = host.work()
        assert notice.payload["text"] == (
            "Сделка 7 ушла из стадии «Оплачено» (NEW): контроль оказания услуги остановлен")
        second = db.events.post(type="deal.stage_changed", key="bitrix24:deal:7", data=paid,
                                event_id="b24:7:3")["started"][0]
        assert second["existing"] is False and second["instance"] != first

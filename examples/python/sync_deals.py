#!/usr/bin/env python3
"""Syncing a CRM with opora, as a Bitrix24 plugin developer would: deals in, acts and process
steps out.

Reads deals as the CRM's REST API returns them (crm.deal.list with the company's requisites;
here from a JSON file, so the example runs offline), and for each deal:

- keeps one act per closed deal in the registry (idempotent: the deal's ref finds the act
  written last time, so running the sync again changes nothing);
- tells the workflows that the deal's stage changed (`events.post` with the CRM's event id, so a
  repeated webhook starts nothing twice);
then carries out what the processes asked for (`effects.fetch`), printing the CRM calls it
would make, acknowledges them, and lists the tasks waiting for people. What it prints is a log:
customers' e-mails, phones and names in it are masked (`opora.redact`).

    PYTHONPATH=<build>/python python3 examples/python/sync_deals.py deals.json crm.db
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

import opora
from opora import redact

STAGE_DONE = "WON"
# Payload fields that name or reach a person: masked in what the sync prints.
PERSONAL_IDS = ("to", "phone", "email", "iin", "inn")
PERSONAL_TEXT = ("text", "name", "subscriber_name", "contact", "address")


def ref(deal: dict[str, Any]) -> str:
    return f"bitrix24:deal:{deal['ID']}"


def sync_act(db: opora.Database, deal: dict[str, Any], our: dict[str, Any]) -> str:
    """The deal's act, created once; returns what happened."""
    existing = db.registry.find(ref=ref(deal), kind="act")["documents"]
    if existing:
        return f"act {existing[0]['number']} kept"
    company = deal["COMPANY"]
    act = db.registry.put(
        kind="act", date=deal["CLOSEDATE"][:10], refs=[ref(deal)],
        organization=our,
        counterparty={"type": "company", "name": company["TITLE"], "inn": company["INN"],
                      "kpp": company["KPP"]},
        items=[{"name": p["PRODUCT_NAME"], "quantity": str(p["QUANTITY"]),
                "price": str(p["PRICE"]), "vat_rate": "22"} for p in deal["PRODUCTS"]],
        actor="sync")
    return f"act {act['number']} created, {act['totals']['gross']} with VAT"


def carry_out_effects(db: opora.Database) -> list[str]:
    """What the processes asked the CRM to do, as the REST calls a plugin would make."""
    done = []
    for effect in db.effects.fetch(limit=100, lease_seconds=60)["effects"]:
        payload = effect["payload"]
        if effect["type"] == "deal_stage":
            call = f"crm.deal.update {payload.get('deal')} STAGE_ID={payload.get('stage')}"
        elif effect["type"] in ("task", "crm_task"):
            call = f"tasks.task.add {payload.get('title')!r} -> {payload.get('responsible')}"
        else:
            shown = {k: redact.identifier(v) if k in PERSONAL_IDS and v
                     else redact.name(v) if k in PERSONAL_TEXT and v else v
                     for k, v in payload.items()}
            call = f"{effect['type']} {json.dumps(shown, ensure_ascii=False)}"
        done.append(call)
        # The idempotency key goes with the CRM call so a retry cannot do it twice.
        db.effects.ack(effect=effect["id"], result="done")
    return done


def main(deals_file: str, database: str) -> int:
    source = json.loads(pathlib.Path(deals_file).read_text(encoding="utf-8"))
    with opora.open(database) as db:
        db.workflow.install(definition="service_control")
        for deal in source["deals"]:
            if deal["STAGE_ID"] == STAGE_DONE:
                print(ref(deal), sync_act(db, deal, source["our_organization"]))
            posted = db.events.post(
                type="deal.stage_changed", key=ref(deal), event_id=f"b24-{deal['EVENT_ID']}",
                data={"stage": deal["STAGE_ID"], "deal_id": int(deal["ID"]),
                      "deal_title": deal["TITLE"], "manager": deal["ASSIGNED_BY"],
                      "head": deal["HEAD"], "company": deal["COMPANY"]["TITLE"]})
            if posted["duplicate"]:
                print(ref(deal), "stage change seen before: nothing to do")
                continue
            for started in posted["started"]:
                verb = "already running" if started["existing"] else "started"
                print(ref(deal), f"{started['definition']} {verb} (instance {started['instance']})")
        for call in carry_out_effects(db):
            print("CRM:", call)
        for task in db.workflow.tasks(limit=100)["tasks"]:
            # The task's name, not its title: a title may quote a customer's name.
            print(f"task for {task['assignee'] or task['group']}: {task['name']} "
                  f"(instance {task['instance']})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))

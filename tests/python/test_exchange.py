"""The exchange end to end through the Python package, in the order docs/exchange.md gives:
exchange.setup on each file, exchange.node.put on both sides with one secret, then rounds of
exchange.out on one side and exchange.in on the other. Seed 002: an agent's tablet takes orders
offline; the office moves statuses; each agent sees only their own orders.
"""

from __future__ import annotations

import json

import pytest

import opora

OPTIONS = {"clock": "manual", "now": "2026-03-02T09:00:00+03:00", "utc_offset": "+03:00"}
ORG = {"type": "company", "name": "ООО «ГРС»", "inn": "7707083893", "kpp": "773601001"}
SCOPE = "doc.custom.manager == node.attributes.manager"


def order(manager: str, *items: tuple[str, str, str], **extra) -> dict:
    doc = {"kind": "order", "date": "2026-03-02", "organization": ORG,
           "counterparty": {"type": "person", "name": "Иванова Анна"},
           "items": [{"name": n, "quantity": q, "price": p, "vat_rate": "none"}
                     for n, q, p in items],
           "custom": {"manager": manager}}
    doc.update(extra)
    return doc


class Pair:
    """A central file and one tablet, and the host that carries their messages."""

    def __init__(self, tmp_path, name="tablet-7", manager="petrov", streams=("orders",)):
        self.centre = opora.open(tmp_path / "centre.db", **OPTIONS)
        self.tablet = opora.open(tmp_path / f"{name}.db", **OPTIONS)
        self.name = name
        self.centre.call("exchange.setup", node="centre", role="centre")
        made = self.centre.call("exchange.node.put", node=name, kind="tablet",
                                streams=list(streams), scope=SCOPE, attributes={"manager": manager})
        self.secret = made["secret"]
        self.tablet.call("exchange.setup", node=name, role="node", prefix="T7")
        self.tablet.call("exchange.node.put", node="centre", kind="centre",
                         streams=list(streams), secret=self.secret)

    def down(self) -> dict:
        """centre -> tablet: the receipt."""
        m = self.centre.call("exchange.out", node=self.name)["message"]
        return self.tablet.call("exchange.in", node="centre", message=m)

    def up(self) -> dict:
        """tablet -> centre: the receipt."""
        m = self.tablet.call("exchange.out", node="centre")["message"]
        return self.centre.call("exchange.in", node=self.name, message=m)

    def sync(self, rounds: int = 4) -> None:
        for _ in range(rounds):
            self.down()
            self.up()

    def view(self, db) -> dict:
        """Every live order by uid, as the exchange carries it (without local ids)."""
        out = {}
        for d in db.call("registry.find", kind="order", limit=1000)["documents"]:
            d = json.loads(json.dumps(d, default=str))
            for k in ("id", "version", "created_at", "updated_at", "deleted", "superseded_by",
                      "supersedes", "basis_id"):
                d.pop(k, None)
            out[d["uid"]] = d
        return out

    def close(self) -> None:
        self.centre.close()
        self.tablet.close()


@pytest.fixture
def pair(tmp_path):
    p = Pair(tmp_path)
    yield p
    p.close()


def get_by_uid(db, uid):
    [d] = [d for d in db.call("registry.find", kind="order", limit=1000)["documents"]
           if d["uid"] == uid]
    return d


def test_each_agent_sees_only_their_own_orders_and_an_order_leaving_the_scope_is_removed(pair):
    mine = pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    other = pair.centre.call("registry.put", order("ivanov", ("Гроб", "1", "20000.00")))
    pair.sync()
    view = pair.view(pair.tablet)
    assert set(view) == {mine["uid"]}
    assert view[mine["uid"]]["number"] == mine["number"]
    assert view == {mine["uid"]: pair.view(pair.centre)[mine["uid"]]}
    # The office hands the order to another agent: it leaves this tablet.
    pair.centre.call("registry.put", id=mine["id"], custom={"manager": "ivanov"})
    pair.sync()
    assert pair.view(pair.tablet) == {}
    assert other["uid"] not in pair.view(pair.tablet)


def test_an_order_taken_offline_gets_its_final_number_from_the_centre(pair):
    taken = pair.tablet.call("registry.put", order("petrov", ("Венок", "2", "1500.00")))
    assert taken["number"].startswith("T7/")  # provisional, with the node's prefix
    pair.sync()
    on_centre = get_by_uid(pair.centre, taken["uid"])
    assert not on_centre["number"].startswith("T7/")
    assert on_centre["totals"]["gross"] == 3000
    assert get_by_uid(pair.tablet, taken["uid"])["number"] == on_centre["number"]
    assert pair.view(pair.tablet) == pair.view(pair.centre)
    # The centre's journal says where the order came from.
    history = pair.centre.call("registry.history", document=on_centre["id"])["entries"]
    assert history[0]["action"] == "created"
    assert history[0]["origin_node"] == "tablet-7" and history[0]["origin_msg_no"] >= 1


def test_the_office_owns_status_and_the_agent_owns_items_while_the_order_is_new(pair):
    doc = pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    pair.sync()
    local = get_by_uid(pair.tablet, doc["uid"])
    # Offline: the agent adds a line; the office meanwhile changes the price of the note.
    pair.tablet.call("registry.put", id=local["id"], items=[
        {"name": "Венок", "quantity": "1", "price": "3000.00", "vat_rate": "none"},
        {"name": "Лента", "quantity": "1", "price": "500.00", "vat_rate": "none"}])
    pair.centre.call("registry.put", id=doc["id"], notes="доставка к 10:00")
    pair.sync()
    merged = get_by_uid(pair.centre, doc["uid"])
    assert [i["name"] for i in merged["items"]] == ["Венок", "Лента"]
    assert merged["notes"] == "доставка к 10:00"
    assert merged["totals"]["gross"] == 3500  # recomputed, never merged as a number
    assert pair.view(pair.tablet) == pair.view(pair.centre)
    assert pair.centre.call("exchange.conflicts")["conflicts"] == []

    # The office confirms; the agent, still offline, sets a status and edits the items.
    pair.centre.call("registry.set_status", document=doc["id"], status="confirmed")
    local = get_by_uid(pair.tablet, doc["uid"])
    pair.tablet.call("registry.put", id=local["id"], items=[
        {"name": "Венок", "quantity": "3", "price": "3000.00", "vat_rate": "none"}])
    receipt = pair.up()
    fields = sorted(c["field"] for c in receipt["conflicts"])
    assert fields == ["items"]
    [c] = pair.centre.call("exchange.conflicts", node="tablet-7")["conflicts"]
    assert c["uid"] == doc["uid"] and c["resolution"] == "centre_wins"
    assert json.loads(c["theirs"])[0]["quantity"] == "3"
    pair.sync()
    final = get_by_uid(pair.centre, doc["uid"])
    assert final["status"] == "confirmed" and len(final["items"]) == 2
    assert pair.view(pair.tablet) == pair.view(pair.centre)


def test_a_change_that_breaks_a_rule_is_parked_with_its_reason_never_dropped(pair):
    # This kind's rules give the node the status: a transition the kind forbids is parked.
    pair.centre.call("exchange.ownership.put", kind="order",
                     rules=[{"field": "*", "owner": "node"}])
    doc = pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    pair.sync()
    local = get_by_uid(pair.tablet, doc["uid"])
    # On the tablet the centre's word is final, so the tablet may hold any status;
    # here it jumps new -> completed, which the order kind does not allow.
    pair.tablet.call("registry.put", id=local["id"], status="cancelled")
    pair.centre.call("registry.set_status", document=doc["id"], status="confirmed")
    pair.centre.call("registry.set_status", document=doc["id"], status="in_progress")
    pair.centre.call("registry.set_status", document=doc["id"], status="shipped")
    receipt = pair.up()
    # shipped -> cancelled is not a transition of the order kind
    assert [p["rule"] for p in receipt["parked"]] == ["transition"]
    [parked] = pair.centre.call("exchange.parked", node="tablet-7")["parked"]
    assert parked["uid"] == doc["uid"] and parked["object"]["body"]["status"] == "cancelled"
    assert "cancelled" in parked["reason"]
    assert get_by_uid(pair.centre, doc["uid"])["status"] == "shipped"
    pair.centre.call("exchange.parked.resolve", parked=parked["parked"],
                     resolution="agent called: order stands")
    assert pair.centre.call("exchange.parked", node="tablet-7")["parked"] == []
    assert len(pair.centre.call("exchange.parked", node="tablet-7", all=True)["parked"]) == 1


def test_an_order_outside_the_agents_scope_is_parked(pair):
    pair.tablet.call("registry.put", order("ivanov", ("Венок", "1", "3000.00")))
    receipt = pair.up()
    assert [p["rule"] for p in receipt["parked"]] == ["scope"]
    assert pair.centre.call("registry.find", kind="order")["documents"] == []


def test_an_unacknowledged_message_is_sent_again_byte_for_byte(pair):
    pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    first = pair.centre.call("exchange.out", node="tablet-7")
    again = pair.centre.call("exchange.out", node="tablet-7")  # the first was lost
    assert again["resend"] is True and first["resend"] is False
    assert json.dumps(again["message"]) == json.dumps(first["message"])
    r1 = pair.tablet.call("exchange.in", node="centre", message=again["message"])
    assert r1["status"] == "applied" and r1["applied"] == 1
    dup = pair.tablet.call("exchange.in", node="centre", message=json.dumps(first["message"]))
    assert dup["status"] == "duplicate" and dup["applied"] == 1
    assert len(pair.tablet.call("registry.find", kind="order")["documents"]) == 1
    pair.up()  # carries the acknowledgement
    nxt = pair.centre.call("exchange.out", node="tablet-7")
    assert nxt["kind"] == "ack" and nxt["msg_no"] == 0


def test_a_message_for_another_file_altered_truncated_or_from_a_newer_schema_is_refused(
        pair, tmp_path):
    pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    m = pair.centre.call("exchange.out", node="tablet-7")["message"]
    text = json.dumps(m, ensure_ascii=False)
    with pytest.raises(opora.InvalidArgument) as e:
        pair.tablet.call("exchange.in", node="centre", message=text[: len(text) // 2])
    assert e.value.field_errors[0]["rule"] == "message"
    altered = json.loads(text)
    altered["objects"][0]["body"]["items"][0]["price"] = "1.00"
    with pytest.raises(opora.ValidationError) as e:
        pair.tablet.call("exchange.in", node="centre", message=altered)
    assert e.value.field_errors[0]["rule"] == "signature"
    with pytest.raises(opora.NotFound) as e:
        pair.tablet.call("exchange.in", node="crm", message=m)
    assert e.value.field_errors[0]["rule"] == "unknown_node"
    # Another tablet with the same secret cannot take it: it is addressed to tablet-7.
    with opora.open(tmp_path / "tablet-8.db", **OPTIONS) as other:
        other.call("exchange.setup", node="tablet-8", role="node")
        other.call("exchange.node.put", node="centre", secret=pair.secret)
        with pytest.raises(opora.ValidationError) as e:
            other.call("exchange.in", node="centre", message=m)
        assert e.value.field_errors[0]["rule"] == "receiver"
    # A sender on a newer schema (signed properly) is refused: update this side first.
    newer = json.loads(text)
    newer["schemas"]["registry"] = 99
    newer = resigned(newer, pair.secret)
    with pytest.raises(opora.ValidationError) as e:
        pair.tablet.call("exchange.in", node="centre", message=newer)
    assert e.value.field_errors[0]["rule"] == "schema_newer"
    # Nothing was applied by any of them; the genuine message still is.
    assert pair.tablet.call("registry.find", kind="order")["documents"] == []
    assert pair.tablet.call("exchange.in", node="centre", message=m)["applied"] == 1


def test_the_signature_is_hmac_sha256_over_the_canonical_text(pair):
    import hashlib
    import hmac as hmac_lib
    m = pair.centre.call("exchange.out", node="tablet-7")["message"]
    body = dict(m)
    given = body.pop("hmac")
    canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    assert hmac_lib.new(pair.secret.encode(), canonical.encode(),
                        hashlib.sha256).hexdigest() == given


def test_a_gap_applies_nothing_and_an_ack_ahead_is_refused(pair):
    def resign(msg):
        return resigned(msg, pair.secret)

    pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    m = pair.centre.call("exchange.out", node="tablet-7")["message"]
    skipped = resign({**m, "msg_no": 5})
    r = pair.tablet.call("exchange.in", node="centre", message=skipped)
    assert r["status"] == "gap" and r["expected"] == 1 and r["applied"] == 0
    with pytest.raises(opora.ValidationError) as e:
        pair.tablet.call("exchange.in", node="centre", message=resign({**m, "ack": 3}))
    assert e.value.field_errors[0]["rule"] == "ack_ahead"


def test_a_revoked_node_is_refused_and_a_rotated_secret_takes_over(pair):
    pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    pair.sync()
    rotated = pair.centre.call("exchange.node.put", node="tablet-7", secret="n" * 40)
    assert rotated["secret"] == "n" * 40
    # The tablet still signs with the old secret until it is told: still accepted.
    pair.tablet.call("registry.put", order("petrov", ("Лента", "1", "500.00")))
    assert pair.up()["applied"] == 1
    pair.tablet.call("exchange.node.put", node="centre", secret="n" * 40)
    pair.sync()
    assert pair.view(pair.tablet) == pair.view(pair.centre)
    pair.centre.call("exchange.node.revoke", node="tablet-7")
    m = pair.tablet.call("exchange.out", node="centre")["message"]
    with pytest.raises(opora.InvalidState) as e:
        pair.centre.call("exchange.in", node="tablet-7", message=m)
    assert e.value.field_errors[0]["rule"] == "revoked"


def test_a_first_load_goes_in_pages_with_a_cursor_then_changes_follow(pair):
    docs = pair.centre.call("registry.put_many", documents=[
        order("petrov" if i % 2 else "ivanov", ("Венок", "1", f"{1000 + i}.00"))
        for i in range(25)])["documents"]
    pages = 0
    while True:
        page = pair.centre.call("exchange.snapshot", node="tablet-7", stream="orders", limit=4)
        pair.tablet.call("exchange.in", node="centre", message=page["message"])
        pair.up()
        pages += 1
        if page["complete"]:
            break
    assert pages >= 4
    assert len(pair.view(pair.tablet)) == 12
    assert pair.view(pair.tablet) == {u: d for u, d in pair.view(pair.centre).items()
                                      if d["custom"]["manager"] == "petrov"}
    assert docs


def test_status_reports_numbers_pending_changes_and_versions(pair):
    pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    s = pair.centre.call("exchange.status", node="tablet-7")
    assert s["self"] == {"node": "centre", "role": "centre", "prefix": None}
    [n] = s["nodes"]
    assert n["pending"]["orders"] == 1 and n["sent_no"] == 0 and n["outdated"] is False
    pair.sync()
    [n] = pair.centre.call("exchange.status")["nodes"]
    assert n["pending"]["orders"] == 0 and n["sent_no"] >= 1 and n["acked_no"] == n["sent_no"]
    assert n["library"] == opora.library_version()


def test_setup_and_node_definitions_refuse_bad_input(tmp_path):
    with opora.open(tmp_path / "x.db", **OPTIONS) as db:
        with pytest.raises(opora.InvalidState) as e:
            db.call("exchange.node.put", node="tablet-1")
        assert e.value.field_errors[0]["rule"] == "not_set_up"
        db.call("exchange.setup", node="centre", role="centre")
        with pytest.raises(opora.ValidationError) as e:
            db.call("exchange.node.put", node="tablet-1", secret="short",
                    scope="doc.custom.manager ==")
        rules = {f["rule"] for f in e.value.field_errors}
        assert rules == {"secret_length", "expression"}
        with pytest.raises(opora.InvalidArgument):
            db.call("exchange.node.put", node="tablet-1", streams=["everything"])
        with pytest.raises(opora.InvalidArgument) as e:
            db.call("exchange.out", node="tablet-1", max_objectz=5)
        assert e.value.field_errors[0]["rule"] == "unknown_field"
        with pytest.raises(opora.NotFound):
            db.call("exchange.out", node="tablet-1")


def test_the_catalogue_and_stock_reach_a_tablet_and_pictures_travel_only_when_missing(tmp_path):
    import base64
    p = Pair(tmp_path, streams=("catalog", "stock", "orders"))
    try:
        png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"picture" * 10).decode()
        p.centre.call("catalog.product.put", {
            "product": "G-100", "name": "Гроб «Элит»", "vat_rate": "none", "recommended": 1,
            "pictures": [{"role": "thumb", "mime": "image/png", "content_base64": png}],
            "variants": [{"variant": "oak", "name": "Дуб"}]})
        p.centre.call("catalog.warehouse.put", {"warehouse": "main", "name": "Основной"})
        p.centre.call("catalog.stock.set", {"warehouse": "main", "rows": [
            {"product": "G-100", "variant": "oak", "quantity": "3"}]})
        for stream in ("catalog", "stock"):
            while True:
                page = p.centre.call("exchange.snapshot", node="tablet-7", stream=stream)
                p.tablet.call("exchange.in", node="centre", message=page["message"])
                p.up()
                if page["complete"]:
                    break
        product = p.tablet.call("catalog.product.get", {"product": "G-100"})
        assert product["uid"] == p.centre.call("catalog.product.get", {"product": "G-100"})["uid"]
        sha = product["pictures"][0]["sha256"]
        missing = p.tablet.call("exchange.files.missing", files=[sha])["missing"]
        assert missing == [sha]
        files = p.centre.call("exchange.files.get", files=missing)["files"]
        p.tablet.call("exchange.files.put", files=files)
        assert p.tablet.call("exchange.files.missing", files=[sha])["missing"] == []
        assert p.tablet.call("catalog.picture.get", {"sha256": sha})["content_base64"] == png
        with pytest.raises(opora.ValidationError) as e:
            p.tablet.call("exchange.files.put", files=[{"sha256": "0" * 64,
                                                       "content_base64": png}])
        assert e.value.field_errors[0]["rule"] == "sha256"
        # Stock falls at the office: only the stock row travels, as a change.
        p.centre.call("catalog.stock.set", {"warehouse": "main", "rows": [
            {"product": "G-100", "variant": "oak", "quantity": "2"}]})
        m = p.centre.call("exchange.out", node="tablet-7", streams=["stock"])
        assert [o["type"] for o in m["message"]["objects"]] == ["stock"]
        p.tablet.call("exchange.in", node="centre", message=m["message"])
        stock = p.tablet.call("catalog.stock.get", {"product": "G-100", "variant": "oak"})
        assert stock["total"] == 2
        # A tablet does not edit the catalogue: its edit is parked on the centre.
        p.tablet.call("catalog.product.put", {"product": "G-100", "name": "Переименован"})
        receipt = p.up()
        assert [x["rule"] for x in receipt["parked"]] == ["not_owned"]
    finally:
        p.close()


def test_a_workflow_hears_of_a_conflict_with_the_data_meta_events_gives(pair):
    pair.centre.call("workflow.define", definition={
        "id": "tell_agent", "multiple_instances": True, "initial": "told",
        "triggers": [{"event": "exchange.conflict", "start": True}],
        "states": {"told": {}}})
    doc = pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    pair.sync()
    pair.centre.call("registry.set_status", document=doc["id"], status="confirmed")
    local = get_by_uid(pair.tablet, doc["uid"])
    pair.tablet.call("registry.put", id=local["id"], notes="позже")
    receipt = pair.up()
    assert [c["field"] for c in receipt["conflicts"]] == ["notes"]
    [inst] = pair.centre.call("workflow.instances", definition="tell_agent")["instances"]
    assert inst["key"] == "exchange:document:" + doc["uid"]
    data = pair.centre.call("workflow.get", instance=inst["instance"])["context"]
    [entry] = [e for e in pair.centre.call("meta.events")["events"]
               if e["type"] == "exchange.conflict"]
    assert set(data) <= set(entry["data"]["properties"])
    assert set(entry["data"]["required"]) <= set(data)
    assert data["theirs"] == "позже" and data["node"] == "tablet-7"


def resigned(msg: dict, secret: str) -> dict:
    """The message with its signature made again, as a sender with that secret would."""
    import hashlib
    import hmac as hmac_lib
    body = {k: v for k, v in msg.items() if k != "hmac"}
    canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    body["hmac"] = hmac_lib.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return body


def test_a_node_on_an_older_schema_is_told_so_and_refused_when_the_node_says(pair):
    pair.tablet.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    m = pair.tablet.call("exchange.out", node="centre")["message"]
    older = resigned({**m, "schemas": {**m["schemas"], "registry": 1}}, pair.secret)
    pair.centre.call("exchange.node.put", node="tablet-7", refuse_outdated=True)
    with pytest.raises(opora.ValidationError) as e:
        pair.centre.call("exchange.in", node="tablet-7", message=older)
    assert e.value.field_errors[0]["rule"] == "schema_outdated"
    pair.centre.call("exchange.node.put", node="tablet-7", refuse_outdated=False)
    receipt = pair.centre.call("exchange.in", node="tablet-7", message=older)
    assert receipt["outdated"] is True and receipt["applied"] == 1
    [n] = pair.centre.call("exchange.status", node="tablet-7")["nodes"]
    assert n["outdated"] is True


def test_messages_are_bounded_by_objects_and_bytes(pair):
    for i in range(5):
        pair.centre.call("registry.put", order("petrov", ("Венок", "1", f"{3000 + i}.00")))
    first = pair.centre.call("exchange.out", node="tablet-7", max_objects=2)
    assert first["objects"] == 2
    pair.tablet.call("exchange.in", node="centre", message=first["message"])
    pair.up()
    small = pair.centre.call("exchange.out", node="tablet-7", max_bytes=1024)
    assert small["objects"] == 1  # one order is more than a kilobyte: at least one goes
    pair.tablet.call("exchange.in", node="centre", message=small["message"])
    pair.sync()
    assert len(pair.view(pair.tablet)) == 5


def test_an_edit_of_a_version_the_centre_no_longer_holds_is_parked_as_stale(pair):
    doc = pair.centre.call("registry.put", order("petrov", ("Венок", "1", "3000.00")))
    pair.sync()
    local = get_by_uid(pair.tablet, doc["uid"])
    pair.tablet.call("registry.put", id=local["id"], notes="позвонить")
    m = pair.tablet.call("exchange.out", node="centre")["message"]
    stale = json.loads(json.dumps(m))
    stale["objects"][0]["base_version"] = 99
    receipt = pair.centre.call("exchange.in", node="tablet-7",
                               message=resigned(stale, pair.secret))
    assert [p["rule"] for p in receipt["parked"]] == ["stale_base"]
    assert get_by_uid(pair.centre, doc["uid"])["notes"] is None

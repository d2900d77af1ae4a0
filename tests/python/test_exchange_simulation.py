"""The exchange under a simulated hostile world: a property test (issue 14).

A central file, three agents' tablets (each sees its own manager's orders) and a CRM (sees every
order) edit orders offline at random. The host carries their messages over a lossy network as
JSON text: a message may be lost, delivered twice, held back and delivered (again) much later, or
cut short; some deliveries run in a child process killed with SIGKILL at a random moment. Then
the network heals, the exchange runs until it is quiet, and the invariants must hold:

1. every node's view of the orders in its scope equals the central file's;
2. every accepted edit is there exactly once (a tablet's order once on the centre by uid, no
   item line twice), and the centre's own edits (status, payment, manager) stand;
3. every edit the rules refuse (a centre-owned field, an order the centre moved on from "new",
   an order outside the node's scope) is parked or recorded as a conflict on the central file,
   never applied and never silently lost;
4. the centre's journal tells the story: an order made on a node has a "created" entry naming
   the node, and every applied node edit names the node and the message that carried it.

A failure names its seed and tells the story of the documents it names; SIM_SEEDS="4" (a
space-separated list) runs one seed. Uids come from a seeded sequence, so a run repeats itself
except for where exactly a killed child stopped.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from dataclasses import field as member

import pytest

import opora

SEEDS = [int(s) for s in os.environ.get("SIM_SEEDS", "1 4 8").split()]
STEPS = 170          # random actions per seed before the network heals
QUIET_ROUNDS = 40    # bound on rounds of a healed network until nothing is left to send

OPTIONS = {"clock": "manual", "now": "2026-03-02T09:00:00+03:00", "utc_offset": "+03:00"}
ORG = {"type": "company", "name": "ООО «ГРС»", "inn": "7707083893", "kpp": "773601001"}
SCOPE = "doc.custom.manager == node.attributes.manager"
TABLETS = {"tab-petrov": ("petrov", "TP"), "tab-ivanov": ("ivanov", "TI"),
           "tab-sidorov": ("sidorov", "TS")}
MANAGERS = ["petrov", "ivanov", "sidorov", "kozlov"]  # kozlov has no tablet
NEXT_STATUS = {"new": ["confirmed", "cancelled"], "confirmed": ["in_progress", "cancelled"],
               "in_progress": ["shipped", "cancelled"], "shipped": ["completed"]}
LOCAL = ("id", "version", "created_at", "updated_at", "deleted", "superseded_by", "supersedes",
         "basis_id")

# A child that takes one message into a file; the parent kills it at a random moment.
CHILD = textwrap.dedent("""
    import sys
    import opora
    path, node, message_file = sys.argv[1:4]
    options = {"clock": "manual", "now": "2026-03-02T09:00:00+03:00", "utc_offset": "+03:00"}
    with open(message_file, encoding="utf-8") as f:
        text = f.read()
    db = opora.open(path, **options)
    print("ready", flush=True)
    receipt = db.call("exchange.in", node=node, message=text)
    db.close()
    print(receipt["status"], flush=True)
""")


def field_value(body: dict, path: str):
    """A field of a document as the model compares it: items by their line names."""
    if path == "items":
        return tuple(i["name"] for i in body.get("items") or [])
    if path.startswith("custom."):
        return (body.get("custom") or {}).get(path[7:])
    return body.get(path)


def exchange_form(doc: dict) -> dict:
    d = json.loads(json.dumps(doc, default=str))
    for k in LOCAL:
        d.pop(k, None)
    return d


@dataclass
class Edit:
    """One edit a node made offline, and what the rules say of it."""
    node: str
    uid: str
    field: str
    value: object
    step: int
    must_reject: str | None = None   # why the rules refuse it; None: either outcome is right
    centre_manager: str | None = None  # the order's manager on the centre when it was made
    carried_in: set = member(default_factory=set)  # msg_no of the messages that carried it

    def __str__(self):
        return (f"step {self.step}: {self.node} set {self.field}={self.value!r} on {self.uid}"
                f" (must_reject={self.must_reject}, carried in {sorted(self.carried_in)})")


class Side:
    """One file of the exchange, with the handle the host holds on it."""

    def __init__(self, path, name: str, id_seed: int):
        self.path = path
        self.name = name
        # Made-up ids (uids) from a seeded sequence, a new one on every opening.
        self.id_seed = id_seed
        self.db = opora.open(path, **OPTIONS, id_seed=id_seed)

    def call(self, method, **params):
        return self.db.call(method, **params)

    def close(self):
        self.db.close()

    def reopen(self):
        self.id_seed += 1
        self.db = opora.open(self.path, **OPTIONS, id_seed=self.id_seed)

    def orders(self) -> dict:
        return {d["uid"]: d for d in self.call("registry.find", kind="order",
                                               limit=1000)["documents"]}

    def view(self) -> dict:
        return {u: exchange_form(d) for u, d in self.orders().items()}

    def numbers(self, node: str) -> dict:
        [n] = self.call("exchange.status", node=node)["nodes"]
        return n


class World:
    def __init__(self, tmp_path, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.tmp = tmp_path
        self.step = 0
        self.counter = 0
        self.centre = Side(tmp_path / "centre.db", "centre", seed * 10000)
        self.centre.call("exchange.setup", node="centre", role="centre")
        self.nodes: dict[str, Side] = {}
        self.manager: dict[str, str | None] = {}
        for name, (manager, prefix) in TABLETS.items():
            self._add_node(name, "tablet", prefix, scope=SCOPE, params={"manager": manager})
            self.manager[name] = manager
        self._add_node("crm", "crm", "CRM", scope=None, params={})
        self.manager["crm"] = None
        # The host's pieces: every link is one direction between the centre and a node.
        self.links = [(a, b) for n in self.nodes for a, b in (("centre", n), (n, "centre"))]
        self.sent: dict[tuple, str] = {}    # (link, msg_no) -> the text first given
        self.late: list[tuple] = []         # (link, text) kept for a late delivery
        # The model.
        self.edits: list[Edit] = []
        self.created_on: dict[str, str] = {}     # uid -> node that made it (accepted ones)
        self.refused_creations: dict[str, str] = {}  # uid -> node (out of its scope)
        self.centre_made: set[str] = set()
        self.centre_word: dict[str, dict] = {}   # uid -> status/paid/manager the centre set
        self.reassigned: dict[str, list] = {}    # uid -> [(step, manager)] the centre set
        self.kills = 0
        self.log: list[str] = []  # what happened, step by step, for a failure's story
        self.child = tmp_path / "take_message.py"
        self.child.write_text(CHILD, encoding="utf-8")

    def _add_node(self, name, kind, prefix, scope, params):
        put = {"node": name, "kind": kind, "streams": ["orders"], "attributes": params}
        if scope is not None:
            put["scope"] = scope
        secret = self.centre.call("exchange.node.put", **put)["secret"]
        side = Side(self.tmp / f"{name}.db", name, self.seed * 10000 + 1000 * (len(self.nodes) + 1))
        side.call("exchange.setup", node=name, role="node", prefix=prefix)
        side.call("exchange.node.put", node="centre", kind="centre", streams=["orders"],
                  secret=secret)
        self.nodes[name] = side

    def side(self, name) -> Side:
        return self.centre if name == "centre" else self.nodes[name]

    def trace(self, text: str):
        self.log.append(f"{self.step}: {text}")

    def story(self, message: str) -> str:
        """The log lines about the documents a failure names."""
        uids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                              message))
        lines = [x for x in self.log if any(u in x for u in uids)]
        return "\n".join(lines[-60:])

    def where(self) -> str:
        return f"seed {self.seed}, step {self.step}"

    def unique(self, what: str) -> str:
        self.counter += 1
        return f"{what}-{self.counter}"

    def order_body(self, manager: str) -> dict:
        return {"kind": "order", "date": "2026-03-02", "organization": ORG,
                "counterparty": {"type": "person", "name": "Иванова Анна"},
                "items": [{"name": self.unique("line"), "quantity": "1",
                           "price": f"{self.rng.randint(1, 90)}00.00", "vat_rate": "none"}],
                "custom": {"manager": manager}}

    # --- the central file's office work ------------------------------------------------

    def centre_create(self):
        manager = self.rng.choice(MANAGERS)
        doc = self.centre.call("registry.put", **self.order_body(manager))
        self.centre_made.add(doc["uid"])
        self.trace(f"centre creates {doc['uid']} for {manager}")
        self.centre_word[doc["uid"]] = {"status": "new", "paid": None, "manager": manager}

    def centre_pick(self):
        orders = list(self.centre.orders().values())
        return self.rng.choice(orders) if orders else None

    def centre_status(self):
        doc = self.centre_pick()
        if doc is None or doc["status"] not in NEXT_STATUS:
            return
        status = self.rng.choice(NEXT_STATUS[doc["status"]])
        self.centre.call("registry.set_status", document=doc["id"], status=status)
        self.trace(f"centre sets {doc['uid']} {status}")
        self.centre_word[doc["uid"]]["status"] = status

    def centre_paid(self):
        doc = self.centre_pick()
        if doc is None:
            return
        paid = f"{self.unique('paid')}"
        custom = dict(doc.get("custom") or {}, paid=paid)
        self.centre.call("registry.put", id=doc["id"], custom=custom)
        self.centre_word[doc["uid"]]["paid"] = paid
        self.trace(f"centre sets {doc['uid']} paid={paid}")

    def centre_reassign(self):
        doc = self.centre_pick()
        if doc is None:
            return
        manager = self.rng.choice(MANAGERS)
        custom = dict(doc.get("custom") or {}, manager=manager)
        self.centre.call("registry.put", id=doc["id"], custom=custom)
        self.centre_word[doc["uid"]]["manager"] = manager
        self.trace(f"centre hands {doc['uid']} to {manager}")
        self.reassigned.setdefault(doc["uid"], []).append((self.step, manager))

    # --- the nodes' offline work ----------------------------------------------------------

    def centre_doc(self, uid: str) -> dict | None:
        docs = self.centre.call("registry.find", kind="order", limit=1000)["documents"]
        return next((d for d in docs if d["uid"] == uid), None)

    def tablet_create(self, name: str):
        own = self.manager[name]
        foreign = self.rng.random() < 0.1
        manager = self.rng.choice([m for m in MANAGERS if m != own]) if foreign else own
        doc = self.nodes[name].call("registry.put", **self.order_body(manager))
        self.trace(f"{name} creates {doc['uid']} for {manager}")
        if foreign:
            self.refused_creations[doc["uid"]] = name
        else:
            self.created_on[doc["uid"]] = name
            self.centre_word[doc["uid"]] = {"status": "new", "paid": None, "manager": manager}

    def node_edit(self, name: str, fields: list[str]):
        side = self.nodes[name]
        mine = [d for d in side.orders().values() if d["uid"] not in self.refused_creations]
        if not mine:
            return
        doc = self.rng.choice(mine)
        what = self.rng.choice(fields)
        on_centre = self.centre_doc(doc["uid"])
        centre_status = on_centre["status"] if on_centre else None
        must_reject = None
        if centre_status not in (None, "new"):
            must_reject = f"the centre moved the order on to {centre_status}"
        if what == "custom.paid":
            must_reject = "custom.paid is the centre's field"
        if what == "items":
            items = [{k: i[k] for k in ("name", "quantity", "price", "vat_rate")}
                     for i in doc["items"]]
            items = json.loads(json.dumps(items, default=str))
            if len(items) > 1 and self.rng.random() < 0.3:
                items.pop(0)
            items.append({"name": self.unique("line"), "quantity": str(self.rng.randint(1, 5)),
                          "price": "100.00", "vat_rate": "none"})
            side.call("registry.put", id=doc["id"], items=items)
            value = tuple(i["name"] for i in items)
        elif what == "notes":
            value = self.unique(f"note by {name}")
            side.call("registry.put", id=doc["id"], notes=value)
        else:
            value = self.unique(what[7:])
            custom = dict(doc.get("custom") or {})
            custom[what[7:]] = value
            side.call("registry.put", id=doc["id"], custom=custom)
        self.trace(f"{name} sets {what}={value!r} on {doc['uid']} (centre: {centre_status})")
        self.edits.append(Edit(name, doc["uid"], what, value, self.step, must_reject,
                               on_centre["custom"]["manager"] if on_centre else None))

    # --- the host and its network ------------------------------------------------------------

    def ends(self, link):
        a, b = link
        sender, receiver = self.side(a), self.side(b)
        return sender, b, receiver, a  # sender.out(node=b), receiver.in(node=a)

    def take_out(self, link) -> tuple[dict, str]:
        sender, out_node, _, _ = self.ends(link)
        r = sender.call("exchange.out", node=out_node)
        text = json.dumps(r["message"], ensure_ascii=False)
        if r["msg_no"] > 0 and not r["resend"]:
            self.trace(f"{link} out: {self.summary(text)}")
        if r["msg_no"] > 0:
            key = (link, r["msg_no"])
            if key in self.sent:
                assert r["resend"], f"{self.where()}: {link} numbered {r['msg_no']} twice"
                assert text == self.sent[key], (
                    f"{self.where()}: {link} message {r['msg_no']} re-sent with other bytes")
            else:
                assert not r["resend"], f"{self.where()}: {link} resends an unknown message"
                self.sent[key] = text
                if link[1] == "centre":
                    self.note_carried(link[0], r["message"])
        return r, text

    def note_carried(self, node: str, message: dict):
        """Which of the node's edits this (new) message carries."""
        for obj in message["objects"]:
            if obj.get("op") != "upsert" or obj.get("type") != "document":
                continue
            for e in self.edits:
                if e.node == node and e.uid == obj["uid"] and \
                        field_value(obj["body"], e.field) == e.value:
                    e.carried_in.add(message["msg_no"])

    def deliver(self, link, text: str, may_kill: bool):
        _, _, receiver, in_node = self.ends(link)
        if may_kill and self.rng.random() < 0.06:
            self.deliver_and_kill(link, text)
            return
        receipt = receiver.call("exchange.in", node=in_node, message=text)
        assert receipt["status"] in ("applied", "duplicate", "gap", "ack"), self.where()
        self.trace(f"{link} in: {self.summary(text)} -> {receipt['status']}"
                   f" parked {[(p['uid'], p['rule']) for p in receipt['parked']]}"
                   f" conflicts {[(c['uid'], c['field']) for c in receipt['conflicts']]}")

    @staticmethod
    def summary(text: str) -> str:
        m = json.loads(text)
        return (f"msg {m['msg_no']} ack {m['ack']} "
                f"{[(o['op'], o['uid']) for o in m['objects']]}")

    def deliver_truncated(self, link, text: str):
        _, _, receiver, in_node = self.ends(link)
        before = receiver.numbers(in_node)
        view = receiver.view()
        cut = text[: self.rng.randrange(len(text))]
        with pytest.raises(opora.Error) as e:
            receiver.call("exchange.in", node=in_node, message=cut)
        assert isinstance(e.value, opora.InvalidArgument), f"{self.where()}: {e.value!r}"
        assert receiver.numbers(in_node) == before, f"{self.where()}: a cut message changed numbers"
        assert receiver.view() == view, f"{self.where()}: a cut message changed documents"

    def deliver_and_kill(self, link, text: str):
        """exchange.in in a child process killed with SIGKILL at a random moment."""
        _, _, receiver, in_node = self.ends(link)
        before = receiver.numbers(in_node)
        view = receiver.view()
        receiver.close()
        message_file = self.tmp / "message.json"
        message_file.write_text(text, encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        child = subprocess.Popen([sys.executable, str(self.child), str(receiver.path), in_node,
                                  str(message_file)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=env, text=True)
        ready = child.stdout.readline()
        time.sleep(self.rng.choice([0.0, self.rng.uniform(0, 0.003), self.rng.uniform(0, 0.03)]))
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate()
        self.kills += 1
        assert ready == "ready\n", f"{self.where()}: the child did not start: {err}"
        assert child.returncode in (0, -signal.SIGKILL), f"{self.where()}: child failed: {err}"
        receiver.reopen()
        after = receiver.numbers(in_node)
        self.trace(f"{link} in, killed: {self.summary(text)} -> received_no"
                   f" {before['received_no']} -> {after['received_no']}")
        if after["received_no"] == before["received_no"]:
            # Nothing of the message (or a message carrying nothing new).
            assert receiver.view() == view, (
                f"{self.where()}: a killed exchange.in left part of message applied")
        else:
            assert after["received_no"] == before["received_no"] + 1, self.where()
        if self.rng.random() < 0.5:  # the host tries again at once
            self.deliver(link, text, may_kill=False)

    def carry(self, link, lossy: bool) -> dict:
        r, text = self.take_out(link)
        if not lossy:
            self.deliver(link, text, may_kill=False)
            return r
        fate = self.rng.random()
        if self.rng.random() < 0.2:
            self.late.append((link, text))  # a copy turns up again later
        if fate < 0.15:
            pass  # lost
        elif fate < 0.25:
            self.deliver_truncated(link, text)
        elif fate < 0.38:
            self.late.append((link, text))  # held back
        elif fate < 0.48:
            self.deliver(link, text, may_kill=True)
            self.deliver(link, text, may_kill=True)
        else:
            self.deliver(link, text, may_kill=True)
        return r

    def deliver_late(self):
        if not self.late:
            return
        i = self.rng.randrange(len(self.late))
        link, text = self.late[i]
        if self.rng.random() < 0.6:
            self.late.pop(i)
        self.deliver(link, text, may_kill=True)

    # --- the run -------------------------------------------------------------------------------

    def act(self):
        r = self.rng.random()
        tablets = list(TABLETS)
        if r < 0.07:
            self.centre_create()
        elif r < 0.13:
            self.centre_status()
        elif r < 0.16:
            self.centre_paid()
        elif r < 0.21:
            self.centre_reassign()
        elif r < 0.26:
            self.tablet_create(self.rng.choice(tablets))
        elif r < 0.38:
            self.node_edit(self.rng.choice(tablets),
                           ["items", "items", "notes", "custom.color", "custom.paid"])
        elif r < 0.42:
            self.node_edit("crm", ["notes"])
        elif r < 0.48:
            self.deliver_late()
        else:
            self.carry(self.rng.choice(self.links), lossy=True)

    def run(self):
        for self.step in range(STEPS):
            self.act()
        self.step = "healed"
        while self.late:  # old messages still turn up after the network heals
            link, text = self.late.pop()
            self.deliver(link, text, may_kill=False)
        quiet = 0
        for _ in range(QUIET_ROUNDS):
            kinds = [self.carry(link, lossy=False)["kind"] for link in self.links]
            quiet = quiet + 1 if all(k == "ack" for k in kinds) else 0
            if quiet >= 2 and self.settled():
                return
        raise AssertionError(f"{self.where()}: the exchange did not go quiet in {QUIET_ROUNDS}"
                             " rounds of a healed network")

    def settled(self) -> bool:
        for name, side in self.nodes.items():
            for s, n in ((side, "centre"), (self.centre, name)):
                st = s.numbers(n)
                if st["sent_no"] != st["acked_no"] or any(st["pending"].values()):
                    return False
        return True

    # --- the invariants ---------------------------------------------------------------------------

    def in_scope(self, name: str, body: dict) -> bool:
        manager = self.manager[name]
        return manager is None or (body.get("custom") or {}).get("manager") == manager

    def check(self):
        where = f"seed {self.seed}"
        centre = self.centre.view()
        # 1. Each node holds exactly the centre's orders in its scope, field for field.
        for name, side in self.nodes.items():
            view = {u: d for u, d in side.view().items() if u not in self.refused_creations}
            expected = {u: d for u, d in centre.items() if self.in_scope(name, d)}
            assert sorted(view) == sorted(expected), (
                f"{where}: {name} holds other orders: extra {sorted(set(view) - set(expected))},"
                f" missing {sorted(set(expected) - set(view))}")
            for uid in view:
                assert view[uid] == expected[uid], f"{where}: {name} differs on {uid}"
        # Final numbers everywhere, each issued once.
        numbers = [d["number"] for d in centre.values()]
        assert len(set(numbers)) == len(numbers), f"{where}: a number issued twice"
        for d in centre.values():
            assert "/" not in d["number"], f"{where}: {d['uid']} kept a provisional number"

        # 2. Every order once: the centre's own and the tablets' accepted ones, no more.
        assert set(centre) == self.centre_made | set(self.created_on), (
            f"{where}: missing {sorted(self.centre_made | set(self.created_on) - set(centre))}"
            f", unexpected {sorted(set(centre) - self.centre_made - set(self.created_on))}")
        for uid, d in centre.items():
            names = [i["name"] for i in d["items"]]
            assert len(names) == len(set(names)), f"{where}: {uid} has a line twice: {names}"
        # The centre's word stands: statuses, payments and managers it set.
        for uid, word in self.centre_word.items():
            d = centre[uid]
            assert d["status"] == word["status"], f"{where}: {uid} status {d['status']} != {word}"
            assert (d.get("custom") or {}).get("paid") == word["paid"], f"{where}: {uid} paid"
            assert d["custom"]["manager"] == word["manager"], f"{where}: {uid} manager"

        conflicts = self.all_of("exchange.conflicts", "conflicts", "conflict")
        parked = self.all_of("exchange.parked", "parked", "parked")
        history = {uid: self.centre.call("registry.history", document=d["id"])["entries"]
                   for uid, d in self.centre.orders().items()}

        # 3. A refused creation is parked for its scope; every edit that travelled is applied
        # (named in the journal), a conflict, or parked; one the rules refuse is never applied.
        for uid, name in self.refused_creations.items():
            assert any(p["uid"] == uid and p["node"] == name and p["rule"] == "scope"
                       for p in parked), f"{where}: {name}'s order {uid} for another manager"
        for e in self.edits:
            if e.must_reject is None and e.centre_manager is not None and \
                    self.manager[e.node] not in (None, e.centre_manager) and \
                    all(m != self.manager[e.node] for step, m in self.reassigned.get(e.uid, [])
                        if step >= e.step):
                # The centre had handed the order to another agent before this edit, for good.
                e.must_reject = f"the order was {e.centre_manager}'s, outside {e.node}'s scope"
            if not e.carried_in:
                later = [x for x in self.edits if (x.node, x.uid, x.field) ==
                         (e.node, e.uid, e.field) and x.step > e.step]
                assert later, f"{where}: an edit never left its node and no later edit of" \
                              f" the field replaced it: {e}"
                continue
            applied = self.applied_entries(e, history.get(e.uid, []))
            conflict = [c for c in conflicts if c["node"] == e.node and c["uid"] == e.uid and
                        c["field"] == e.field and
                        self.same_value(e, json.loads(c["theirs"]))]
            held = [p for p in parked if p["node"] == e.node and p["uid"] == e.uid and
                    field_value(p["object"].get("body") or {}, e.field) == e.value]
            if e.must_reject:
                assert not applied, f"{where}: a refused edit was applied: {e} {applied}"
                assert conflict or held, f"{where}: a refused edit is neither conflict nor" \
                                         f" parked: {e}"
            else:
                assert applied or conflict or held, f"{where}: an edit vanished: {e}"
            # 4. ... and the journal names the message that carried it.
            for entry in applied:
                assert entry["origin_msg_no"] in e.carried_in, (
                    f"{where}: {e} applied from message {entry['origin_msg_no']}")

        # 4. Every order a node made has its "created" entry naming the node and a message.
        for uid, name in self.created_on.items():
            created = [h for h in history[uid] if h["action"] == "created"]
            assert len(created) == 1, f"{where}: {uid} created {len(created)} times"
            assert created[0]["origin_node"] == name, f"{where}: {uid} created {created[0]}"
            assert isinstance(created[0]["origin_msg_no"], int) and \
                created[0]["origin_msg_no"] >= 1, f"{where}: {uid} created {created[0]}"
        for uid, entries in history.items():
            for h in entries:
                if h["origin_node"] is not None:
                    assert isinstance(h["origin_msg_no"], int) and h["origin_msg_no"] >= 1, \
                        f"{where}: {uid} journal {h}"
                if uid in self.centre_made and h["action"] == "created":
                    assert h["origin_node"] is None, f"{where}: {uid} {h}"

    def all_of(self, method, key, cursor):
        out, after = [], 0
        while True:
            page = self.centre.call(method, after=after, limit=500)[key]
            out += page
            if len(page) < 500:
                return out
            after = page[-1][cursor]

    @staticmethod
    def same_value(e: Edit, value) -> bool:
        if e.field == "items":
            return tuple(i["name"] for i in value or []) == e.value
        return value == e.value

    def applied_entries(self, e: Edit, entries: list) -> list:
        """Journal entries of the centre that show the edit applied from its node."""
        top = e.field.split(".")[0]
        out = []
        for h in entries:
            if h["origin_node"] != e.node:
                continue
            if h["action"] == "created" and h["origin_msg_no"] in e.carried_in:
                # A creation takes the node's fields but those the centre owns (a refused one
                # is then a conflict record, checked by the caller).
                if not e.must_reject:
                    out.append(h)
            elif h["field"] == top and h["new"] is not None:
                # The journal keeps a string as it is and anything else as JSON text.
                new = h["new"] if top == "notes" else json.loads(h["new"])
                if top == "custom":
                    new = (new or {}).get(e.field[7:])
                if self.same_value(e, new):
                    out.append(h)
        return out

    def close(self):
        self.centre.close()
        for side in self.nodes.values():
            side.close()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_lossy_network_and_killed_processes_leave_every_file_consistent(tmp_path, seed):
    world = World(tmp_path, seed)
    try:
        try:
            world.run()
            world.check()
        except AssertionError as e:
            raise AssertionError(f"[seed {seed}; rerun with SIM_SEEDS={seed}] {e}\n"
                                 f"{world.story(str(e))}") from None
        # The run did what it claims to exercise.
        assert world.kills > 0 and world.edits and world.created_on
        assert any(e.must_reject and e.carried_in for e in world.edits)
    finally:
        world.close()

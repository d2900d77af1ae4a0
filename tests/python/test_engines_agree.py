"""Both storage engines answer the same story identically (issue 16, "Done when").

One scripted back-office month is played twice through the Python API: once on SQLite
files in pytest's temporary directory, once on PostgreSQL (``OPORA_TEST_PG_DSN``), each
opora database in a fresh schema of its own. Both runs start from the same manual clock and
the same ``id_seed``. Every call any of the story's databases answers (the main one, the
copy a registry export is imported into, the tablet the exchange talks to) is recorded with
its method, its params and its full raw answer (or the error's code, name, message and
field errors), and the two recordings must be equal item by item.

The story is test_result_contract.py's scenario (it calls every method of meta.methods; the
test asserts that again here) followed by ``more_story``: what a month adds to it (the same
payment twice, refused calls, time passing over timers, a second billing run, a UPD out and
back, lists whose order depends on the engine's collation).

Two lists keep what may differ, both short and explained:

- ``ENGINE_SPECIFIC``: what is meant to differ between the engines (full-text search is
  FTS5 on SQLite and a ``tsvector`` on PostgreSQL). These parts are left out of the
  comparison for every call of the method.
- ``KNOWN_PG_DIFFERENCES``: steps where the PostgreSQL engine is wrong today, each with a
  reason. A listed step that agrees fails the test (xfail strict): remove it from the list.

The test opens both engines itself and does not depend on ``OPORA_TEST_ENGINE``: under
``OPORA_TEST_ENGINE=postgresql`` conftest.py wraps ``opora.Database.__init__``; this test
uses the original (``__wrapped__``). It is skipped without ``OPORA_TEST_PG_DSN``. ctest runs
it as ``python_engines_agree`` (labels python, pg), not in ``python``.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import pathlib
import secrets
from typing import Any, Callable

import pytest

import opora
from test_result_contract import CPARTY, ORG, Recorder, run_scenario

PG_DSN = os.environ.get("OPORA_TEST_PG_DSN", "")

pytestmark = pytest.mark.skipif(
    not PG_DSN,
    reason="needs a PostgreSQL server: "
    'OPORA_TEST_PG_DSN="$(scripts/pg-cluster start)" (docs/testing.md)',
)

# The same for every database of both runs: the manual clock, the offset, the id seed.
START = {"clock": "manual", "now": "2026-01-10T09:00:00+03:00", "utc_offset": "+03:00",
         "id_seed": 20260110}

# The constructor without conftest.py's OPORA_TEST_ENGINE=postgresql redirection.
_NATIVE_INIT = getattr(opora.Database.__init__, "__wrapped__", opora.Database.__init__)


def _without_snippets(answer: dict) -> dict:
    for hit in answer.get("documents", []):
        hit.pop("snippet", None)
    return answer


# method -> (why, what to compare of its answer). Kept minimal: a difference not explained
# here is a bug of one engine, to be listed in KNOWN_PG_DIFFERENCES and fixed.
ENGINE_SPECIFIC: dict[str, tuple[str, Callable[[dict], Any]]] = {
    # The full-text index is FTS5 on SQLite and a tsvector in the 'russian' configuration on
    # PostgreSQL (src/registry/queries.cpp): FTS5's snippet() cuts the matching column,
    # ts_headline() the document's whole indexed text. The documents found and their order
    # are compared (the story searches word forms both engines match: PostgreSQL also
    # matches other forms of a word by its stem, which SQLite does not).
    "registry.search": ("snippets are each index's own", _without_snippets),
}

# "<database> <method> #<n>" (the n-th call of the method on that database, from 1) ->
# why PostgreSQL answers otherwise today. Strict: a listed step that agrees fails the test.
#
# None today: ids agree too (one more than the largest on both engines, whatever a rolled-back
# savepoint or an ON CONFLICT left unused; store/ddl.cpp).
KNOWN_PG_DIFFERENCES: dict[str, str] = {}


def _plain(value: Any) -> Any:
    """JSON-comparable form of params (they may hold converted results: Decimal, dates)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


class Engine:
    """Opens the story's databases on one engine and records every call they answer."""

    def __init__(self, name: str, tmp_path: pathlib.Path) -> None:
        self.name = name
        self.tmp_path = tmp_path
        self.tag = f"agree{os.getpid()}_{secrets.token_hex(3)}"  # fresh schemas every run
        self.log: list[dict[str, Any]] = []
        self.seen: dict[str, int] = {}  # "<database> <method>" -> calls so far
        self.stopped: BaseException | None = None  # what ended the story early

    def open(self, path: str | os.PathLike[str], **options: Any) -> opora.Database:
        label = pathlib.Path(path).stem  # scenario, copy, tablet: the same on both engines
        options = {**START, **options}
        db = opora.Database.__new__(opora.Database)
        if self.name == "postgresql":
            _NATIVE_INIT(db, PG_DSN, schema=f"{self.tag}_{label}", **options)
        else:
            _NATIVE_INIT(db, str(self.tmp_path / f"{label}.db"), **options)
        self._record(db, label)
        return db

    def _record(self, db: opora.Database, label: str) -> None:
        native = db._call_native

        def spy(method: str, params: Any) -> dict:
            name = f"{label} {method}"
            self.seen[name] = self.seen.get(name, 0) + 1
            # Each engine's temporary folder is its own: paths in params compare as "<tmp>".
            plain = json.loads(json.dumps(_plain(params), ensure_ascii=False)
                               .replace(str(self.tmp_path), "<tmp>"))
            step = {"step": f"{name} #{self.seen[name]}", "params": plain}
            self.log.append(step)
            try:
                result = native(method, params)
            except opora.Error as e:
                step["error"] = {"code": e.code, "name": e.name, "message": e.message,
                                 "field_errors": e.field_errors}
                raise
            step["answer"] = copy.deepcopy(result)
            return result

        db._call_native = spy  # type: ignore[method-assign]


def refused(call: Callable[..., dict], method: str, params: dict) -> None:
    """A call the story expects to fail; its error (or answer) is recorded and compared."""
    try:
        call(method, params)
    except opora.Error:
        pass


def more_story(db: opora.Database, call: Callable[..., dict], engine: Engine) -> None:
    """What a month adds to the contract scenario, in the order a host meets it."""
    # The gateway retries a payment: the same (channel, txn_id) is answered, not posted twice;
    # with another amount it is a conflict.
    pay = {"channel": "sber", "txn_id": "T-900", "account": "LS-0002", "amount": "700.00",
           "txn_date": "2026-01-26T10:00:00"}
    call("billing.pay", pay)
    call("billing.pay", pay)
    refused(call, "billing.pay", {**pay, "amount": "701.00"})
    call("billing.check", channel="sber", account="LS-0002")
    refused(call, "billing.check", {"channel": "sber", "account": "LS-9999"})
    call("billing.balance", account="LS-0002")

    # Refusals with field errors, on both engines the same.
    refused(call, "registry.put", {"kind": "act", "date": "2026-13-01"})
    refused(call, "registry.get", {"document": 999999})
    refused(call, "billing.account.put", {"account": "LS-0099",
                                          "holder": {"type": "alien", "name": "Кто-то"}})
    refused(call, "workflow.send", {"instance": 999999, "event": "remind"})
    refused(call, "registry.set_status", {"document": 1, "status": "no-such-status"})
    # All or none: a batch with one bad document writes nothing; the next document's id
    # and number are what they would have been without it.
    refused(call, "registry.put_many", {"documents": [
        {"kind": "memo", "date": "2026-01-26"}, {"kind": "memo", "date": "2026-13-01"}]})
    call("registry.put", kind="memo", date="2026-01-26", notes="после отказа")
    call("registry.find", kind="memo", limit=2)

    # Lists whose order is the engine's: names in Latin and Cyrillic, upper and lower case.
    for code, name in (("Z-1", "zeta"), ("A-1", "Альфа"), ("a-2", "alpha"),
                       ("Y-1", "Ёлка"), ("E-1", "ель"), ("B-1", "Beta")):
        call("catalog.product.put", product=code, name=name, group="Разное")
    call("catalog.product.list", group="Разное")
    call("catalog.product.list")
    # A subscriber's phone changes, new subscribers come.
    call("billing.account.put", account="LS-0002", phone="+79007654321",
         holder={"type": "person", "name": "Петрова Анна"}, organization="6663003127")
    for number, name in (("ls-0003", "андреев"), ("LS-0004", "Ёжиков"),
                         ("LS-0010", "Zorro")):
        call("billing.account.put", account=number, holder={"type": "person", "name": name},
             organization="6663003127")
    call("billing.account.list")
    call("billing.account.list", limit=2, after=1)

    # Full text: words as written, in lower case, a prefix, by relevance.
    call("registry.search", query="Сопровождение")
    call("registry.search", query="лицензия")
    call("registry.search", query="Ромашка")
    call("registry.search", query="Внедр*")
    call("registry.search", query="Ромашка", sort="relevance", limit=3)

    # A UPD out to the counterparty and back signed.
    upd = call("registry.put", kind="upd", date="2026-01-26", refs=["bitrix24:deal:45"],
               organization=ORG, counterparty=CPARTY,
               items=[{"name": "Кабель", "quantity": "12.5", "unit": "м", "price": "41.20",
                       "vat_rate": "22"},
                      {"name": "Монтаж", "quantity": "1", "price": "15000.00",
                       "vat_rate": "22"}])["id"]
    built = call("edo.packet.build", ref="bitrix24:deal:45", operator="diadoc")
    call("edo.packet.render", packet=built["packet"])
    call("edo.packet.mark", packet=built["packet"], status="sent", message_id="m-2",
         documents=[{"document": upd, "operator_document_id": "d-2"}])
    call("edo.event.apply", operator="diadoc", event_id="e-3", cursor="101",
         operator_document_id="d-2",
         raw={"RecipientResponseStatus": "WithRecipientSignature"},
         signed_file={"name": "upd.sig", "content_base64": base64.b64encode(b"s2").decode()})
    call("edo.packet.get", packet=built["packet"])
    call("registry.get", document=upd)
    call("registry.history", document=upd)
    call("registry.find", kind="upd")

    # A week passes: timers fire once, effects are handed out and acknowledged.
    started = call("workflow.start", definition="reminders", key="LS-0004")["instance"]
    call("clock.set", now="2026-02-02T09:00:00+03:00")
    call("workflow.tick")
    call("workflow.tick")
    for effect in call("effects.fetch", limit=50)["effects"]:
        call("effects.ack", effect=effect["id"], result="done")
    call("effects.fetch", limit=50)
    call("workflow.get", instance=started)
    call("workflow.history", instance=started)
    call("workflow.instances")
    call("workflow.tasks")
    call("events.post", type="deal.stage_changed", key="bitrix24:deal:42",
         data={"stage": "WON", "deal_id": 42}, event_id="ev-1")  # the same event again

    # February: the run, a payment by the gateway, the reports, dunning.
    call("billing.run", period="2026-02")
    call("billing.run.list")
    call("billing.gateway", protocol="osmp",
         query="command=pay&txn_id=78&account=LS-0001&sum=1000.00&txn_date=20260202100000")
    call("billing.gateway", protocol="osmp",
         query="command=pay&txn_id=78&account=LS-0001&sum=1000.00&txn_date=20260202100000")
    call("billing.ledger", account="LS-0001")
    call("billing.ledger", account="LS-0002")
    call("billing.turnover", {"from": "2025-11-01", "to": "2026-02-28"})
    call("billing.ageing", date="2026-03-15")
    call("billing.debtors", date="2026-03-15")
    call("billing.dunning.run", date="2026-03-15")
    call("billing.dunning.cases", open_only=False)
    call("registry.find", kind="act")
    call("registry.expiring", within_days=30)
    call("exchange.status")

    # The tablet again: a new order there, the centre takes it in. (Another id_seed: the
    # seeded sequence starts over at each open, and would make the first uid again.)
    with engine.open("tablet.db", id_seed=20260202) as tablet:
        tablet.call("registry.put", kind="order", date="2026-02-02",
                    custom={"manager": "petrov"},
                    items=[{"name": "Свечи", "quantity": "10", "price": "50.00",
                            "vat_rate": "none"}])
        call("exchange.in", node="tablet-1",
             message=tablet.call("exchange.out", node="centre")["message"])
        tablet.call("exchange.in", node="centre",
                    message=call("exchange.out", node="tablet-1")["message"])
        tablet.call("registry.find", kind="order")
        tablet.call("exchange.status")
    call("registry.find", kind="order")
    call("meta.version")


def play(engine: Engine) -> list[dict[str, Any]]:
    """The story on one engine; a story that stops early (a call failing on one engine
    only) keeps what it recorded, and the comparison shows where it went apart."""
    try:
        with engine.open("scenario.db") as db:
            rec = Recorder(db)
            run_scenario(db, rec, engine.tmp_path, open_db=engine.open)
            more_story(db, rec, engine)
    except (Exception, pytest.fail.Exception) as e:  # noqa: BLE001 - reported below
        engine.stopped = e
    return engine.log


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    sqlite = Engine("sqlite", tmp_path_factory.mktemp("agree_sqlite"))
    postgresql = Engine("postgresql", tmp_path_factory.mktemp("agree_postgresql"))
    play(sqlite)
    if sqlite.stopped is not None:  # the story itself is wrong: no comparison makes sense
        raise sqlite.stopped
    play(postgresql)
    return sqlite, postgresql


def _differences(a: Any, b: Any, path: str = "", out: list[str] | None = None) -> list[str]:
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                out.append(f"{path}.{key}: {'missing' if key not in a else a[key]!r} "
                           f"vs {'missing' if key not in b else b[key]!r}"[:300])
            else:
                _differences(a[key], b[key], f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _differences(x, y, f"{path}[{i}]", out)
    elif a != b or type(a) is not type(b):
        out.append(f"{path}: {a!r} vs {b!r}"[:300])
    return out


def _comparable(step: dict[str, Any]) -> dict[str, Any]:
    step = copy.deepcopy(step)
    method = step["step"].split(" ")[1]
    if method in ENGINE_SPECIFIC and "answer" in step:
        step["answer"] = ENGINE_SPECIFIC[method][1](step["answer"])
    return step


def test_each_run_used_the_engine_it_names(recordings):
    sqlite, postgresql = recordings
    for name in ("scenario", "copy", "tablet"):
        with open(sqlite.tmp_path / f"{name}.db", "rb") as f:
            assert f.read(16) == b"SQLite format 3\0"
    # All of it went to the server, but the file database.copy_to writes (a SQLite target by design).
    assert [p.name for p in postgresql.tmp_path.iterdir()] in ([], ["moved.db"])


def test_the_story_calls_every_method_of_meta_methods(recordings):
    sqlite = recordings[0].log
    [catalogue] = [s["answer"] for s in sqlite if s["step"] == "scenario meta.methods #1"]
    called = {s["step"].split(" ")[1] for s in sqlite}
    assert {m["name"] for m in catalogue["methods"]} - called == set()


def test_both_engines_answer_every_step_alike(recordings):
    sqlite, postgresql = recordings[0].log, recordings[1].log
    assert len(sqlite) > 250
    differing: dict[str, list[str]] = {}
    for a, b in zip(sqlite, postgresql):
        if a["step"] != b["step"]:  # the stories went apart: nothing after this compares
            differing[a["step"]] = [f"the PostgreSQL run called {b['step']} here"]
            break
        found = _differences(_comparable(a), _comparable(b))
        if found:
            differing[a["step"]] = found
    else:
        if len(sqlite) != len(postgresql):
            differing["<end>"] = [f"{len(sqlite)} steps on SQLite, {len(postgresql)} on "
                                  f"PostgreSQL (stopped by {recordings[1].stopped!r})"]
    unexpected = {k: v for k, v in differing.items() if k not in KNOWN_PG_DIFFERENCES}
    agreeing = sorted(set(KNOWN_PG_DIFFERENCES) - set(differing))
    assert unexpected == {}, "the engines answer differently:\n" + "\n".join(
        f"{k}:\n  " + "\n  ".join(v[:8]) for k, v in unexpected.items())
    assert agreeing == [], "these steps agree now; remove them from KNOWN_PG_DIFFERENCES"

"""Review of the typed facades (opora.modules, opora.facades, scripts/gen-python-modules):
what a demanding Python user or a type-checker user runs into. Each test asserts the
correct behaviour; a comment above a test names the bug it catches, if any."""

from __future__ import annotations

import collections
import copy
import datetime
import gc
import importlib.machinery
import importlib.util
import inspect
import pathlib
import pickle
import pydoc
import sys
import threading
import types
import typing
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest

import opora
from opora import facades, modules
from test_modules import attribute, run_mypy, typed_methods

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE_ROOT = pathlib.Path(opora.__file__).resolve().parent.parent  # build/dev/python
BUILD = PACKAGE_ROOT.parent

HOLDER = {"type": "person", "name": "Иванов Иван"}
COUNTERPARTY = {"type": "company", "name": "ПАО Сбербанк", "inn": "7707083893",
                "kpp": "773601001"}


def catalogue() -> list[dict]:
    with opora.open(":memory:") as db:
        return db.methods()


CATALOGUE = catalogue()


# ------------------------------------------------------------ type checking --


# Bug: __init__.pyi declares its own `class Facade` / `class Module` instead of
# re-exporting opora.facades', so to mypy db.registry (an opora.facades.Facade) is not
# an opora.Facade, and opora.facades.Module is not an opora.Module.
def test_mypy_sees_the_typed_facades_as_opora_facade(tmp_path):
    report = run_mypy(tmp_path, """
        import opora
        from opora import facades


        def typed(db: opora.Database) -> opora.Facade:
            return db.registry


        def group(db: opora.Database) -> opora.Facade:
            return db.billing.run


        def dynamic(db: opora.Database) -> opora.Module:
            return facades.Module(db, "registry")
    """)
    assert report == []


# Bug (regression of this change): the stub now imports opora.modules, which imports
# opora/facades.py, and facades.py does not pass --strict (23 errors: Optional dicts
# indexed, private Database methods the stub does not declare). A user whose mypy
# finds the package through MYPYPATH/PYTHONPATH gets them on a correct script; the
# project's own mypy tests hide it with --follow-imports=silent.
def test_mypy_strict_on_a_correct_script_without_silencing_the_package(tmp_path):
    report = run_mypy(tmp_path, """
        import opora


        def main(path: str) -> None:
            with opora.open(path) as db:
                db.registry.find(kind="act")
    """, silent=False)
    assert report == []


# A realistic strict script: Progress alias, OMITTED forwarding, nullable None, an
# object-or-string parameter, a list of int-or-dict, keyword-named segments and
# parameters, the sole required object parameter positional.
def test_mypy_accepts_realistic_use(tmp_path):
    report = run_mypy(tmp_path, """
        import datetime
        import decimal
        from typing import Any

        import opora
        from opora.facades import OMITTED, Progress
        from opora.modules import Registry


        def step(method: str, done: int, total: int) -> bool:
            return done < total


        def registry_of(db: opora.Database) -> Registry:
            return db.registry


        def main(db: opora.Database, limit: int | None, phone: str | None) -> dict[str, Any]:
            cb: Progress = step
            db.billing.run("2026-11", progress=cb)
            db.registry.find(limit=limit if limit is not None else OMITTED)
            db.billing.account.put("A-1", phone=phone, credit_limit=decimal.Decimal("10.00"))
            db.billing.gateway(protocol="osmp", query="command=check&account=1")
            db.billing.gateway(protocol="kaspi", query={"command": "check"})
            db.edo.packet.create(documents=[1, {"document": 2, "function": "СЧФ"}],
                                 sender="a", recipient="b", operator="diadoc")
            db.registry.import_(jsonl="")
            db.billing.statement.import_(content_base64="")
            db.billing.discount.add(account="A", name="n", from_=datetime.date(2026, 1, 1))
            db.calendar.load({"id": "x"})
            db.workflow.define({"id": "x"})
            return db.billing.run.list(period="2026-11")
    """)
    assert report == []


# Bug: registry.put's date, valid_from and valid_to have no "format": "date" in the
# library's schema (src/engine/methods_registry.cpp), so the typed facade annotates
# them `str`: mypy rejects datetime.date there although the call works (and every
# other date parameter takes one).
@pytest.mark.parametrize("param", ["date", "valid_from", "valid_to"])
def test_registry_put_dates_are_typed_as_dates(db, param):
    entry = next(m for m in CATALOGUE if m["name"] == "registry.put")
    assert entry["params"]["properties"][param].get("format") == "date"
    sig = inspect.signature(db.registry.put, eval_str=True)
    # None clears the field of an existing document (registry.put's schema says "null").
    assert sig.parameters[param].annotation == (datetime.date | str | None)


def test_registry_put_takes_dates_at_run_time(db):
    doc = db.registry.put(kind="act", date=datetime.date(2026, 1, 1), counterparty=COUNTERPARTY,
                          valid_from=datetime.date(2026, 1, 1),
                          valid_to=datetime.date(2026, 12, 31))
    got = db.registry.get(doc["id"])
    assert (got["date"], got["valid_to"]) == (datetime.date(2026, 1, 1),
                                              datetime.date(2026, 12, 31))


MAYBE = {  # a call mypy may accept; if it does, it must work at run time
    "mappingproxy": 'db.billing.account.put("A-1", holder=types.MappingProxyType(HOLDER))',
    "userdict": 'db.billing.account.put("A-2", holder=collections.UserDict(HOLDER))',
    "chainmap": 'db.billing.account.put("A-3", holder=collections.ChainMap(dict(HOLDER)))',
    "deque": "db.registry.put_many(documents=collections.deque())",
    "str_as_list": ('db.registry.put(kind="act", date="2026-01-01", counterparty=COUNTERPARTY,'
                    ' refs="bitrix24:deal:42")'),
    "deque_of_str": ('db.registry.put(kind="act", date="2026-01-01", counterparty=COUNTERPARTY,'
                     ' refs=collections.deque(["bitrix24:deal:42"]))'),
}


# Bug: objects are annotated Mapping[str, Any] and arrays Sequence[...], but the
# converter takes only dict, list and tuple: mypy accepts a MappingProxyType,
# UserDict, ChainMap or deque (and a plain str for Sequence[str]) and the call then
# fails with TypeError / ValidationError. Either accept any Mapping / non-str Sequence
# at run time, or annotate dict[str, Any] and list[...] | tuple[..., ...].
def test_what_mypy_accepts_works_at_run_time(tmp_path, db):
    lines = ["import collections", "import types", "from typing import Any", "import opora",
             "HOLDER: dict[str, Any] = {}", "COUNTERPARTY: dict[str, Any] = {}", ""]
    where = {}
    for name, call in MAYBE.items():
        lines += [f"def {name}(db: opora.Database) -> None:"]
        where[len(lines) + 1] = name
        lines += [f"    {call}", ""]
    report = run_mypy(tmp_path, "\n".join(lines))
    rejected = {where[int(line.split(":")[1])] for line in report
                if line.startswith("script.py:") and int(line.split(":")[1]) in where}
    assert all(line.startswith("script.py:") for line in report), report
    failures = {}
    for name, call in MAYBE.items():
        if name in rejected:
            continue
        try:
            eval(call, {"db": db, "types": types, "collections": collections,
                        "HOLDER": HOLDER, "COUNTERPARTY": COUNTERPARTY})
        except (TypeError, opora.Error) as e:
            failures[name] = f"{type(e).__name__}: {e}"
    assert failures == {}, "mypy accepts these, the run fails"


# Guard: the Database annotations (hand-written in __init__.py and __init__.pyi) list
# exactly the generated modules, each with its class.
def test_database_annotations_list_every_generated_module():
    hints = typing.get_type_hints(opora.Database)
    assert hints == dict(modules.MODULES)
    stub = (pathlib.Path(opora.__file__).with_name("__init__.pyi")).read_text(encoding="utf-8")
    for name, cls in modules.MODULES.items():
        assert f"    {name}: modules.{cls.__name__}\n" in stub


# ------------------------------------------------------------- the schemas --


def test_enum_literals_are_exactly_what_the_library_accepts():
    checked = 0
    for entry in CATALOGUE:
        for key, sub in (entry["params"].get("properties") or {}).items():
            if "enum" not in sub:
                continue
            with opora.open(":memory:") as db:
                target = typed_methods(db)[entry["name"]]
                target = target.__call__ if isinstance(target, facades.Facade) else target
                ann = inspect.signature(target, eval_str=True).parameters[attribute(key)].annotation
                if typing.get_origin(ann) is typing.Union:  # a nullable field: Literal[...] | None
                    assert "null" in sub["type"], (entry["name"], key)
                    (ann,) = [a for a in typing.get_args(ann) if a is not type(None)]
                assert typing.get_origin(ann) is typing.Literal
                assert list(typing.get_args(ann)) == sub["enum"], (entry["name"], key)
                with pytest.raises(opora.InvalidArgument) as e:
                    db.call(entry["name"], {key: "zz-not-a-value"})
                assert key in [f["field"] for f in e.value.field_errors]
                for value in sub["enum"]:  # each value passes that field's check
                    try:
                        db.call(entry["name"], {key: value})
                    except opora.Error as err:
                        assert key not in [f["field"] for f in err.field_errors], (
                            entry["name"], key, value)
                checked += 1
    assert checked > 30


def test_none_for_an_optional_non_nullable_parameter_is_treated_as_absent(db):
    # what facades.OMITTED's comment promises: None is sent as null, read as absent
    assert db.registry.find(limit=None, kind=None) == db.registry.find()
    assert db.billing.run.list(period=None) == db.billing.run.list()
    assert db.calendar.add_working_days(calendar="ru", date="2026-01-01", days=1,
                                        fallback=None) == \
        db.calendar.add_working_days(calendar="ru", date="2026-01-01", days=1)


def test_none_clears_every_nullable_field_and_omitted_keeps_it(db):
    db.billing.account.put("A-1", holder=HOLDER, phone="+79001234567", address="Москва")
    kept = db.billing.account.put("A-1", status="active")
    assert (kept["phone"], kept["address"]) == ("+79001234567", "Москва")
    cleared = db.billing.account.put("A-1", address=None)
    assert "address" not in cleared and cleared["phone"] == "+79001234567"
    nullable = [k for k, s in next(m for m in CATALOGUE if m["name"] == "billing.account.put")
                ["params"]["properties"].items() if "null" in (s.get("type") or [])]
    sig = inspect.signature(db.billing.account.put, eval_str=True).parameters
    for key in nullable:
        assert type(None) in typing.get_args(sig[key].annotation), key


# ------------------------------------------------------- the dynamic Module --


# Bug: the dynamic Module's signature shows facades.OMITTED as the default of an
# optional parameter, but Module.__call__ does not drop it (Facade._call does): passing
# it through (version-agnostic code reaching a newer method by Facade.__getattr__)
# raises TypeError "cannot convert _Omitted". Drop OMITTED values in Module.__call__.
def test_dynamic_module_does_not_send_omitted(db):
    find = opora.Module(db, "registry.find")
    assert inspect.signature(find).parameters["limit"].default is facades.OMITTED
    assert find(limit=facades.OMITTED, kind="act") == db.registry.find(kind="act")


# Bug: Facade.__getattr__ lets Module's ValueError ("the method table has nothing named
# ...") escape when the library lacks the facade's module (a package newer than the
# library, the case the fallback exists for), so hasattr()/getattr(x, n, default) raise
# instead of answering False. Facade.__getattr__ should raise AttributeError there.
def test_facade_of_a_module_the_library_lacks_answers_attribute_error(db, monkeypatch):
    teleport = type("Teleport", (facades.Facade,), {})
    monkeypatch.setitem(modules.MODULES, "teleport", teleport)
    facade = db.teleport
    assert isinstance(facade, teleport)
    assert hasattr(facade, "beam") is False
    assert getattr(facade, "beam", None) is None


# ------------------------------------------------ lifetime, copies, threads --


# Bug: the cached facade holds its Database and the Database holds the facade (a
# cycle), so a Database used through db.<module> and dropped without close() keeps its
# SQLite handle (and file lock) open until the cyclic GC runs; db.call alone is freed at
# once. Facades could hold a weak reference to the Database (or not be cached on it).
def test_a_database_used_through_a_facade_is_freed_when_dropped(db_path):
    def use(how):
        handle = opora.open(db_path)
        how(handle)
        return weakref.ref(handle)

    gc.disable()
    try:
        assert use(lambda h: h.call("calendar.list"))() is None
        assert use(lambda h: h.calendar.list())() is None
        assert use(lambda h: h.billing.run.list())() is None
    finally:
        gc.enable()
        gc.collect()


# Bug: copy.copy(db) "works" but yields a second Database sharing the native handle and
# the facade cache: the copy's db.registry is the original's facade (bound to the other
# object), and closing the copy closes the original. It should fail clearly, as
# deepcopy and pickle do (define __copy__/__reduce__ raising TypeError).
def test_copying_a_database_fails_clearly_or_gives_an_independent_one(db):
    try:
        other = copy.copy(db)
    except TypeError:
        return
    assert other.calendar is not db.calendar
    other.close()
    assert db.closed is False


def test_pickling_fails_clearly(db):
    for obj in (db, db.registry, db.billing.run, opora.Module(db, "registry")):
        with pytest.raises(TypeError, match="pickle"):
            pickle.dumps(obj)
    with pytest.raises(TypeError):
        copy.deepcopy(db.registry)
    # a shallow copy of a facade is just another view of the same database
    assert copy.copy(db.calendar).list() == db.calendar.list()


def test_threads_share_one_facade_per_database(db):
    start = threading.Barrier(8)

    def work(n):
        start.wait()
        facade = db.calendar
        got = facade.add_working_days(calendar="ru", date="2025-12-30", days=n)["date"]
        return facade, n, got

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    assert {id(r[0]) for r in results} == {id(db.calendar)}
    for _, n, got in results:
        assert got == db.call("calendar.add_working_days", calendar="ru",
                              date="2025-12-30", days=n)["date"]


def test_facades_of_two_databases_stay_apart(tmp_path):
    with opora.open(tmp_path / "a.db") as a, opora.open(tmp_path / "b.db") as b:
        assert a.billing is not b.billing and a.billing.run is not b.billing.run
        a.billing.account.put("A-1", holder=HOLDER)
        assert a.billing.account.get("A-1")["number"] == "A-1"
        with pytest.raises(opora.NotFound):
            b.billing.account.get("A-1")
        run_a, run_b = a.billing.run, b.billing.run  # groups bound to their database
        assert run_a("2026-01")["period"] == "2026-01"
        assert run_b.list() == {"runs": []}
        # the keyword-named segments: export from one, import_ into the other
        a.registry.put(kind="act", date=datetime.date(2026, 1, 1), counterparty=COUNTERPARTY)
        exported = a.registry.export()
        assert b.registry.import_(jsonl=exported["jsonl"])["counts"]
        assert b.registry.find()["documents"] == a.registry.find()["documents"]
        a.close()
        assert b.registry.find()["documents"]  # closing one leaves the other


def test_group_facades_after_close(db_path):
    handle = opora.open(db_path)
    run = handle.billing.run
    handle.close()
    with pytest.raises(opora.InvalidState):
        run("2026-01")
    with pytest.raises(opora.InvalidState):
        handle.billing.run.list()
    assert "cancel" in dir(run) and repr(run) == "<opora module billing.run>"


# ----------------------------------------------------------- introspection --


def test_help_and_signature_of_a_callable_group(db):
    text = pydoc.render_doc(db.billing.run, renderer=pydoc.plaintext)
    assert "The group billing.run also has:" in text and "cancel" in text
    sig = inspect.signature(db.billing.run)
    assert list(sig.parameters)[0] == "period"
    assert "progress" in sig.parameters
    assert list(inspect.signature(modules.Registry).parameters) == ["db", "path"]
    with pytest.raises(TypeError):
        db.billing.account.get("A-1", account="A-1")  # positional and keyword at once


# --------------------------------------------------------------- generator --


def load_generator():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        loader = importlib.machinery.SourceFileLoader(
            "gen_python_modules_review", str(ROOT / "scripts" / "gen-python-modules"))
        spec = importlib.util.spec_from_loader(loader.name, loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "scripts"))


GEN = load_generator()


def rendered(entries: list[dict]) -> types.ModuleType | None:
    """The generated module for ``entries``, or None when the generator refuses them
    (refusing is fine; generating code that drops a parameter or does not compile is not)."""
    try:
        source = GEN.render(entries)
    except (ValueError, SystemExit, KeyError):
        return None
    module = types.ModuleType("opora._review_generated")
    module.__package__ = "opora"
    exec(compile(source, "<generated>", "exec"), module.__dict__)  # noqa: S102
    return module


class Recorder:
    """Stands in for a Database: records what a typed facade sends."""

    def __init__(self):
        self.sent = []

    def call(self, method, params=None, /, **kwargs):
        self.sent.append((method, dict(params or {}, **kwargs)))
        return {}

    def _facade(self, path):
        raise AssertionError(f"fell back to the dynamic facade below {path!r}: "
                             "the generated class lacks the name")


def entry(name, properties, required=(), batch=False):
    e = {"name": name, "summary": "test", "mutating": False,
         "params": {"type": "object", "properties": properties},
         "result": {"type": "object"}}
    if required:
        e["params"]["required"] = list(required)
    if batch:
        e["batch"] = True
    return e


def test_generator_output_is_deterministic():
    methods = [dict(m) for m in CATALOGUE]
    assert GEN.render(methods) == GEN.render(methods)
    committed = (ROOT / "bindings" / "python" / "opora" / "modules.py").read_text(encoding="utf-8")
    assert GEN.render(methods) == committed


# Bug: method_source() starts `seen` with {"self", "progress"}, so a parameter named
# "progress" of a method that is not a batch method, or a parameter named "self", is
# silently left out of the typed method (and never sent); a required "self" as the sole
# positional parameter generates `def m(self, self: str)`, a SyntaxError. And a
# parameter name that is not an identifier ("content-type") is dropped silently too.
# Fix: add "progress" to `seen` only when _takes_progress(); rename the instance
# parameter (or the "self" keyword); refuse, or take **extra, for non-identifiers.
@pytest.mark.parametrize("properties, required", [
    ({"progress": {"type": "integer"}, "limit": {"type": "integer"}}, ()),
    ({"self": {"type": "string"}, "limit": {"type": "integer"}}, ()),
    ({"self": {"type": "string"}}, ("self",)),
    ({"content-type": {"type": "string"}, "limit": {"type": "integer"}}, ()),
], ids=["progress-not-batch", "self", "self-sole-required", "not-an-identifier"])
def test_generator_never_drops_a_parameter(properties, required):
    module = rendered([entry("x.m", properties, required)])
    if module is None:
        return  # refused: fine
    recorder = Recorder()
    method = module.X(recorder, "x").m
    sig = inspect.signature(method)
    sole = required[0] if len(required) == 1 else None
    args, kwargs, expected = [], {}, {}
    for key in properties:
        value = f"v-{key}" if properties[key]["type"] == "string" else 7
        expected[key] = value
        if key == sole:
            args.append(value)
            continue
        name = next((n for n in (key, key + "_") if n in sig.parameters and
                     sig.parameters[n].kind is not inspect.Parameter.POSITIONAL_ONLY), None)
        if name is None and not any(p.kind is inspect.Parameter.VAR_KEYWORD
                                    for p in sig.parameters.values()):
            pytest.fail(f"parameter {key!r} is not in the generated {sig}")
        kwargs[name or key] = value
    method(*args, **kwargs)
    assert recorder.sent == [("x.m", expected)]


# Bug: the generator's annotation() returns the format's annotation before looking at
# the type list, so {"type": ["string", "null"], "format": "date"} (a date that null
# clears) is annotated `datetime.date | str`, without None (and an enum with null loses
# its Literal). facades._type_text has the same order for the docstring.
def test_generator_keeps_none_for_a_nullable_formatted_parameter():
    module = rendered([entry("x.m", {"due": {"type": ["string", "null"], "format": "date"}})])
    assert module is not None
    ann = inspect.signature(module.X.m, eval_str=True).parameters["due"].annotation
    assert {datetime.date, str, type(None)} <= set(typing.get_args(ann))


# Bug: class_name() maps different paths to one name (a.b_c and a.b.c are both "ABC"),
# and the generator emits both classes silently; the second replaces the first and
# a.b_c's methods vanish from the typed facade. It should refuse or disambiguate.
def test_generator_class_names_do_not_collide():
    module = rendered([entry("a.b_c.x", {}), entry("a.b.c.y", {})])
    if module is None:
        return  # refused: fine
    recorder = Recorder()
    root = module.A(recorder, "a")
    root.b_c.x()
    root.b.c.y()
    assert recorder.sent == [("a.b_c.x", {}), ("a.b.c.y", {})]

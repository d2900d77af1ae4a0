"""opora/__init__.pyi matches the runtime API: same names, same signatures.

Both the stubs and the runtime modules spell annotations the same way (the
runtime uses ``from __future__ import annotations``, so its annotations are the
source text), and this test compares them as text.
"""

from __future__ import annotations

import __future__
import ast
import inspect
import pathlib
import types

import pytest

import opora

STUB = pathlib.Path(opora.__file__).with_name("__init__.pyi")
TREE = ast.parse(STUB.read_text(encoding="utf-8"))


def stub_functions(body):
    return {n.name: n for n in body if isinstance(n, ast.FunctionDef)}


def stub_classes():
    return {n.name: n for n in TREE.body if isinstance(n, ast.ClassDef)}


def stub_variables(body):
    return {
        n.target.id: n
        for n in body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }


def stub_reexports():
    """Names the stub re-exports (``from .facades import Facade as Facade``)."""
    return {a.asname: (n.module, a.name) for n in TREE.body if isinstance(n, ast.ImportFrom)
            for a in n.names if a.asname is not None and a.asname == a.name}


def stub_public_names():
    names = (set(stub_functions(TREE.body)) | set(stub_classes()) | set(stub_variables(TREE.body))
             | set(stub_reexports()))
    return {n for n in names if not n.startswith("_") or n == "__version__"}


def test_reexports_are_the_runtime_objects():
    import importlib
    for name, (module, original) in stub_reexports().items():
        source = importlib.import_module("opora." + module)
        assert getattr(opora, name) is getattr(source, original), name


def text(node):
    return None if node is None else ast.unparse(node)


def stub_signature(fn: ast.FunctionDef):
    """(name, kind, default text, annotation text) per parameter, and the return annotation."""
    a = fn.args
    params = []
    positional = a.posonlyargs + a.args
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        kind = "POSITIONAL_ONLY" if i < len(a.posonlyargs) else "POSITIONAL_OR_KEYWORD"
        params.append((arg.arg, kind, text(default), text(arg.annotation)))
    if a.vararg:
        params.append((a.vararg.arg, "VAR_POSITIONAL", None, text(a.vararg.annotation)))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        params.append((arg.arg, "KEYWORD_ONLY", text(default), text(arg.annotation)))
    if a.kwarg:
        params.append((a.kwarg.arg, "VAR_KEYWORD", None, text(a.kwarg.annotation)))
    return params, text(fn.returns)


def runtime_signature(fn):
    sig = inspect.signature(fn)
    params = []
    for p in sig.parameters.values():
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        annotation = None if p.annotation is inspect.Parameter.empty else p.annotation
        params.append((p.name, p.kind.name, default, annotation))
    ret = None if sig.return_annotation is inspect.Signature.empty else sig.return_annotation
    return params, ret


def test_stub_file_ships_with_py_typed():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


def test_every_stub_name_exists_at_runtime_and_vice_versa():
    # modules (opora.errors, os, ...) and the `annotations` future flag are not API
    runtime_public = {
        name
        for name, value in vars(opora).items()
        if not name.startswith("_")
        and not isinstance(value, (types.ModuleType, __future__._Feature))
    }
    assert set(opora.__all__) == stub_public_names()
    assert runtime_public - set(opora.__all__) == set(), "public runtime names missing from __all__"
    for name in opora.__all__:
        assert hasattr(opora, name), name


@pytest.mark.parametrize("name", sorted(stub_functions(TREE.body)))
def test_module_function_signatures_match(name):
    runtime = getattr(opora, name)
    assert inspect.isfunction(runtime)
    assert runtime_signature(runtime) == stub_signature(stub_functions(TREE.body)[name])
    assert runtime.__doc__, f"{name} needs a docstring"


def stub_members(cls_node: ast.ClassDef):
    """Names the stub declares on a class, including those of its stub bases."""
    members = {}
    classes = stub_classes()
    for base in cls_node.bases:
        if isinstance(base, ast.Name) and base.id in classes:
            members.update(stub_members(classes[base.id]))
    members.update(stub_functions(cls_node.body))
    members.update(stub_variables(cls_node.body))
    return members


def is_property(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)


@pytest.mark.parametrize("name", sorted(stub_classes()))
def test_class_matches_its_stub(name):
    node = stub_classes()[name]
    runtime = getattr(opora, name)
    assert inspect.isclass(runtime)
    assert runtime.__doc__, f"{name} needs a docstring"
    stub_bases = [ast.unparse(b) for b in node.bases] or ["object"]
    assert stub_bases == [b.__name__ for b in runtime.__bases__]

    for member in node.body:
        if isinstance(member, ast.FunctionDef):
            attr = inspect.getattr_static(runtime, member.name)
            if is_property(member):
                assert isinstance(attr, property), f"{name}.{member.name} should be a property"
                assert runtime_signature(attr.fget) == stub_signature(member)
                assert attr.__doc__, f"{name}.{member.name} needs a docstring"
            else:
                assert inspect.isfunction(attr), f"{name}.{member.name}"
                assert runtime_signature(attr) == stub_signature(member), f"{name}.{member.name}"
                assert attr.__doc__, f"{name}.{member.name} needs a docstring"
        elif isinstance(member, ast.AnnAssign):
            attr_name = member.target.id
            assert runtime.__annotations__.get(attr_name) == text(member.annotation), (
                f"{name}.{attr_name}"
            )

    # vice versa: everything public the runtime class defines is in the stub
    declared = stub_members(node)
    for attr_name in vars(runtime):
        if attr_name.startswith("_") and attr_name not in ("__init__", "__enter__", "__exit__"):
            continue
        assert attr_name in declared, f"{name}.{attr_name} is missing from __init__.pyi"


def test_error_instances_have_the_stub_attributes():
    stubbed = stub_variables(stub_classes()["Error"].body)
    e = opora.NotFound("x")
    for attr_name in stubbed:
        assert hasattr(e, attr_name), attr_name

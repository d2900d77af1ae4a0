"""The reference interpreter's datamodel: the part of opora's expression language the
generated charts use, written from its documentation (the grammar and value rules at the top
of src/workflow/expr.hpp), not from its code.

  or -> and -> not -> one comparison (== != < <= > >=) -> + - -> * -> unary - -> literal,
  path (context.x, event.name, event.data.x), ( )

Numbers are integers here (the charts never divide); `==` never fails and values of different
types are unequal; `<` and friends compare two numbers or two strings and fail on anything
else (null included); `+` adds numbers or joins two strings; false, null, 0 and "" are false.
A failure raises EvalError, which the interpreter turns into error.execution (§5.9).
"""

from __future__ import annotations

import re


class EvalError(Exception):
    pass


_TOKEN = re.compile(r"\s*(?:(\d+)|'([^']*)'|\"([^\"]*)\"|([A-Za-z_][A-Za-z_0-9]*)"
                    r"|(==|!=|<=|>=|[<>+\-*().]))")


def _tokens(text):
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise SyntaxError(f"{text!r} at {pos}")
        number, s1, s2, name, op = m.groups()
        if number is not None:
            out.append(("num", int(number)))
        elif s1 is not None or s2 is not None:
            out.append(("str", s1 if s1 is not None else s2))
        elif name is not None:
            out.append(("name", name))
        else:
            out.append(("op", op))
        pos = m.end()
    out.append(("end", None))
    return out


def _is_number(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _truthy(v):
    return not (v is None or v is False or v == "" or (_is_number(v) and v == 0))


def _equal(a, b):
    if _is_number(a) and _is_number(b):
        return a == b
    if _is_number(a) or _is_number(b) or isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _order(a, b, op):
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    if _is_number(a) and _is_number(b):
        return (a > b) - (a < b)
    raise EvalError(f"cannot compare {a!r} with {b!r} using {op!r}")


class Expression:
    def __init__(self, text):
        self.text = text
        self._t = _tokens(text)
        self._i = 0
        self.tree = self._or()
        if self._peek() != ("end", None):
            raise SyntaxError(text)
        del self._t, self._i

    # -- parsing ----------------------------------------------------------------------------

    def _peek(self):
        return self._t[self._i]

    def _take(self):
        tok = self._t[self._i]
        self._i += 1
        return tok

    def _is(self, kind, value):
        return self._peek() == (kind, value)

    def _or(self):
        node = self._and()
        while self._is("name", "or"):
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self):
        node = self._not()
        while self._is("name", "and"):
            self._take()
            node = ("and", node, self._not())
        return node

    def _not(self):
        if self._is("name", "not"):
            self._take()
            return ("not", self._not())
        return self._cmp()

    def _cmp(self):
        node = self._add()
        kind, value = self._peek()
        if kind == "op" and value in ("==", "!=", "<", "<=", ">", ">="):
            self._take()
            node = (value, node, self._add())
        return node

    def _add(self):
        node = self._mul()
        while self._peek() in (("op", "+"), ("op", "-")):
            node = (self._take()[1], node, self._mul())
        return node

    def _mul(self):
        node = self._unary()
        while self._is("op", "*"):
            self._take()
            node = ("*", node, self._unary())
        return node

    def _unary(self):
        if self._is("op", "-"):
            self._take()
            return ("neg", self._unary())
        return self._primary()

    def _primary(self):
        kind, value = self._take()
        if kind == "num":
            return ("lit", value)
        if kind == "str":
            return ("lit", value)
        if kind == "op" and value == "(":
            node = self._or()
            if self._take() != ("op", ")"):
                raise SyntaxError(self.text)
            return node
        if kind == "name":
            if value in ("true", "false", "null"):
                return ("lit", {"true": True, "false": False, "null": None}[value])
            steps = [value]
            while self._is("op", "."):
                self._take()
                steps.append(self._take()[1])
            return ("path", steps)
        raise SyntaxError(self.text)

    # -- evaluation -------------------------------------------------------------------------

    def evaluate(self, scope):
        return self._eval(self.tree, scope)

    def truth(self, scope):
        return _truthy(self.evaluate(scope))

    def _eval(self, n, scope):
        op = n[0]
        if op == "lit":
            return n[1]
        if op == "path":
            v = scope
            for step in n[1]:
                v = v.get(step) if isinstance(v, dict) else None
            return v
        if op == "not":
            return not _truthy(self._eval(n[1], scope))
        if op == "and":
            return _truthy(self._eval(n[1], scope)) and _truthy(self._eval(n[2], scope))
        if op == "or":
            return _truthy(self._eval(n[1], scope)) or _truthy(self._eval(n[2], scope))
        if op == "neg":
            v = self._eval(n[1], scope)
            if not _is_number(v):
                raise EvalError(f"cannot negate {v!r}")
            return -v
        a = self._eval(n[1], scope)
        b = self._eval(n[2], scope)
        if op == "==":
            return _equal(a, b)
        if op == "!=":
            return not _equal(a, b)
        if op in ("<", "<=", ">", ">="):
            c = _order(a, b, op)
            return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
        if op == "+" and isinstance(a, str) and isinstance(b, str):
            return a + b
        if not (_is_number(a) and _is_number(b)):
            raise EvalError(f"cannot {op} {a!r} and {b!r}")
        return {"+": a + b, "-": a - b, "*": a * b}[op]


class Template:
    """Text with {{ expression }} placeholders, rendered as opora renders them: strings as
    they are, null as nothing, numbers in decimal, true/false."""

    _PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")

    def __init__(self, text):
        self.parts = []
        pos = 0
        for m in self._PLACEHOLDER.finditer(text):
            self.parts.append(text[pos:m.start()])
            self.parts.append(Expression(m.group(1).strip()))
            pos = m.end()
        self.parts.append(text[pos:])

    def render(self, scope):
        out = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
                continue
            v = p.evaluate(scope)
            out.append("" if v is None else "true" if v is True else "false" if v is False
                       else str(v))
        return "".join(out)

"""Random statecharts in opora's JSON definition format, and event sequences to drive them.

Each chart mixes what SCXML's algorithm has rules for: nested compound states with explicit or
default initial children, parallel states (nested too), final states (top-level, in compound
states and regions, sometimes entered by default at start), event transitions with exact,
prefix, ".*", "." and "*" descriptors and lists of them, eventless transitions with guards over
counters (and some without), targetless transitions, transitions to the state itself, to
ancestors and descendants, with and without "reenter", done.state.<id> and error.execution
handlers, guards that fail to evaluate, entry, exit and transition actions that assign, raise
and emit, and `after` timers (fired by workflow.tick as the clock moves on). Every chart is a valid definition: all states reachable, no final state
directly in a parallel one.
"""

from __future__ import annotations

EVENTS = ["a", "a.b", "a.c", "a.b.c", "b", "b.x", "c", "zz"]
DESCRIPTORS = ["a", "a.b", "a.c", "a.b.c", "b", "b.x", "c", "a.*", "a.", "a.b.*", "b.", "*",
               "a b", "a.b c", "b.* c.", "error", "done", "done.state.*"]


class Chart:
    def __init__(self, rng, name, max_states=14):
        self.rng = rng
        self.name = name
        self.max_states = max_states
        self.states = {}  # id -> spec (the dict in the definition)
        self.parent = {}  # id -> parent id (None for top level)
        self.kind = {}
        self.order = []  # document order
        self.n = 0

    # -- the tree ----------------------------------------------------------------------------

    def new_id(self):
        self.n += 1
        return f"s{self.n}"

    def make(self, parent, depth, parent_kind):
        rng = self.rng
        id = self.new_id()
        room = len(self.order) < self.max_states - 3 and depth < 4
        kinds = ["atomic"] * 5 + ["final"] * (0 if parent_kind == "parallel" else 2)
        if room:
            kinds += ["compound"] * 4 + ["parallel"] * 3
        kind = rng.choice(kinds)
        spec = {}
        self.states[id] = spec
        self.parent[id] = parent
        self.kind[id] = kind
        self.order.append(id)
        if kind == "final":
            spec["type"] = "final"
        elif kind in ("compound", "parallel"):
            if kind == "parallel":
                spec["type"] = "parallel"
            children = {}
            for _ in range(rng.choice([2, 2, 3])):
                child = self.make(id, depth + 1, kind)
                children[child] = self.states[child]
            spec["states"] = children
            if kind == "compound" and rng.random() < 0.4:
                spec["initial"] = rng.choice(list(children))
        return id

    # -- content -----------------------------------------------------------------------------

    def guard(self, eventless):
        rng = self.rng
        n, m = rng.randint(0, 4), rng.randint(0, 4)
        choices = [f"context.x < {n}", f"context.y >= {n}", "context.x == context.y",
                   f"not (context.x > {n})", f"context.x < {n} and context.y < {m}",
                   f"context.x > {n} or context.y == {m}", f"context.x + context.y < {n + 2}",
                   f"event.name == '{rng.choice(EVENTS)}'", "context.last == 'a.b'",
                   f"event.data.v == {rng.randint(0, 2)}", f"event.data.v > {rng.randint(0, 1)}"]
        if rng.random() < 0.04:
            return "context.nope < 1"  # fails to evaluate: error.execution
        if eventless:  # mostly false until something happened, so that most charts settle
            choices = [f"context.x > {n + 1}", f"context.y >= {n + 1}",
                       f"event.name == '{rng.choice(EVENTS)}'", "context.last == 'a.b'",
                       f"context.x == {n + 1} and context.y < {m}"]
        return rng.choice(choices)

    def action(self, where):
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            var = rng.choice(["x", "x", "y"])
            other = "y" if var == "x" else "x"
            # growth stays linear, so that 1,000 microsteps cannot overflow
            expr = rng.choice([f"context.{var} + 1", f"context.{var} + 2",
                               f"context.{var} - 1", f"context.{other} + 1",
                               f"context.{var} * 2 - context.{var} + 1"])
            if rng.random() < 0.15:
                return {"assign": {"last": "event.name"}}
            if rng.random() < 0.15:
                return {"assign": {var: expr, other: f"context.{other} + 1"}}
            return {"assign": {var: expr}}
        if r < 0.62:
            return {"raise": rng.choice(EVENTS[:-1] + ["error.own"])}
        return {"emit": {"type": "log", "text": f"{where} {{{{ context.x }}}}/{{{{ event.name }}}}"
                                                f"/{{{{ event.data.v }}}}",
                         "n": rng.randint(0, 9)}}

    def actions(self, where, most=2):
        k = self.rng.choice([0, 0, 1, 1, 2][: most + 3] if most > 1 else [0, 1])
        return [self.action(where) for _ in range(k)]

    def target(self, source):
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return None
        if r < 0.27:
            return source
        if r < 0.6:  # near: within the source's parent (a region stays a region)
            parent = self.parent[source]
            near = [s for s in self.order if s != source and self.within(s, parent)]
            if near:
                return rng.choice(near)
        return rng.choice(self.order)

    def within(self, s, ancestor):
        while s is not None:
            s = self.parent[s]
            if s == ancestor:
                return True
        return False

    def transition(self, source, eventless):
        rng = self.rng
        t = {}
        target = self.target(source)
        if target is not None:
            t["target"] = target
        if eventless and rng.random() < 0.5:
            # a counter that ends its own loop: taken while it holds, a bounded number of times
            n = rng.randint(1, 4)
            t["guard"] = f"context.x < {n}"
            t["actions"] = [{"assign": {"x": "context.x + 1"}}]
            if rng.random() < 0.5:
                t["actions"].append(rng.choice([{"raise": rng.choice(EVENTS)}, {"emit": {
                    "type": "log", "text": f"{source} {{{{ context.x }}}}"}}]))
            return t
        if rng.random() < (0.95 if eventless else 0.45):
            t["guard"] = self.guard(eventless)
        if rng.random() < 0.3:
            t["reenter"] = True
        acts = self.actions(source)
        if acts:
            t["actions"] = acts
        if not eventless and rng.random() < 0.2 and set(t) == {"target"}:
            return target  # the short form
        return t

    def descriptor(self):
        rng = self.rng
        r = rng.random()
        containers = [s for s in self.order if self.kind[s] in ("compound", "parallel")]
        if r < 0.15 and containers:
            return "done.state." + rng.choice(containers)
        if r < 0.2:
            return "error.execution"
        return rng.choice(DESCRIPTORS)

    def fill(self):
        rng = self.rng
        for id in self.order:
            spec = self.states[id]
            entry = self.actions(id)
            if entry:
                spec["entry"] = entry
            if self.kind[id] == "final":
                continue
            exit_ = self.actions(id)
            if exit_:
                spec["exit"] = exit_
            on = {}
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                if rng.random() < 0.25:
                    spec.setdefault("always", []).append(self.transition(id, True))
                else:
                    on.setdefault(self.descriptor(), []).append(self.transition(id, False))
            if on:
                spec["on"] = {k: (v[0] if len(v) == 1 and rng.random() < 0.6 else v)
                              for k, v in on.items()}
            if rng.random() < 0.3:
                timers = []
                for _ in range(rng.choice([1, 1, 2])):
                    t = self.transition(id, False)
                    t = {"target": t} if isinstance(t, str) else t
                    timers.append({"delay": f"PT{rng.randint(1, 5)}M", **t})
                spec["after"] = timers

    # -- validity: every state reachable, as workflow.define checks ------------------------

    def reachable(self):
        seen, stack = set(), [None]
        initial = {}
        for id in [None] + self.order:
            kids = [c for c in self.order if self.parent[c] == id]
            if id is None or self.kind[id] == "compound":
                spec = self.top if id is None else self.states[id]
                initial[id] = spec.get("initial") or kids[0]
        while stack:
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            if s is None or self.kind[s] == "compound":
                stack.append(initial[s])
            if s is not None and self.kind[s] == "parallel":
                stack.extend(c for c in self.order if self.parent[c] == s)
            for t in self.transitions_of(s):
                a = t
                while a is not None:
                    stack.append(a)
                    a = self.parent[a]
        return seen

    def transitions_of(self, s):
        if s is None:
            return []
        spec = self.states[s]
        out = []
        for v in list((spec.get("on") or {}).values()) + [spec.get("always", []),
                                                           spec.get("after", [])]:
            for t in v if isinstance(v, list) else [v]:
                target = t if isinstance(t, str) else t.get("target")
                if target is not None:
                    out.append(target)
        return out

    def make_reachable(self):
        while True:
            seen = self.reachable()
            missing = [s for s in self.order if s not in seen]
            if not missing:
                return
            sources = [s for s in self.order if s in seen and self.kind[s] != "final"]
            if not sources:  # only final states are reachable: start in one that is not
                self.top["initial"] = next(s for s in self.order
                                           if self.parent[s] is None and self.kind[s] != "final")
                continue
            on = self.states[self.rng.choice(sources)].setdefault("on", {})
            key = self.rng.choice(EVENTS[:-1])
            new = {"target": missing[0]}
            existing = on.get(key)
            if existing is None:
                on[key] = new
            elif isinstance(existing, list):
                existing.append(new)
            else:
                on[key] = [existing, new]

    def top_level_of(self, s):
        while self.parent[s] is not None:
            s = self.parent[s]
        return s

    def build(self):
        rng = self.rng
        top = {}
        count = rng.choice([2, 3, 3, 4])
        while len(top) < count or all(self.kind[s] == "final" for s in top):
            id = self.make(None, 1, "compound")
            top[id] = self.states[id]
        self.top = {"id": self.name, "context": {"x": 0, "y": 0, "last": ""}, "states": top}
        if rng.random() < 0.3:
            self.top["initial"] = rng.choice(list(top))
        self.fill()
        self.make_reachable()
        return self.top

    def events(self):
        rng = self.rng
        names = EVENTS + ["done.state." + s for s in self.order if self.kind[s] != "atomic"][:2]
        timed = any("after" in spec for spec in self.states.values())
        out = []
        for _ in range(rng.randint(3, 8)):
            if timed and rng.random() < 0.35:
                out.append(("tick", rng.randint(1, 4)))  # minutes later, workflow.tick
            else:
                out.append(("event", rng.choice(names),
                            {"v": rng.randint(0, 2)} if rng.random() < 0.3 else None))
        return out


def chart(rng, name):
    """A random definition named `name` and what happens to it: ("event", name, data or None)
    for workflow.send, ("tick", minutes) for the clock moving on and workflow.tick."""
    c = Chart(rng, name)
    definition = c.build()
    return definition, c.events()

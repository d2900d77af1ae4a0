"""A literal transcription of SCXML 1.0's "Algorithm for SCXML Interpretation".

Source: W3C, "State Chart XML (SCXML): State Machine Notation for Control Abstraction",
Recommendation 1 September 2015, Appendix D (https://www.w3.org/TR/2015/REC-scxml-20150901/),
with the event descriptors of §3.12.1 and the error.execution rule of §5.9. The procedures keep
the spec's names and shapes, line for line, so that a reader can hold them side by side; it is
the oracle the random comparison in test_reference.py holds opora's interpreter to, and nothing
in it is taken from opora's C++ code.

It runs opora's JSON definitions (see to_scxml below) with a tiny datamodel: a context object,
opora's expression language for integers, strings and booleans (datamodel.py), and three kinds
of executable content: assign, raise and emit. An `after` timer is what SCXML writes as a
<send event="after:<state>:<n>" delay="..."> at the end of the state's <onentry> and a <cancel>
of it at the end of its <onexit>: the platform keeps such delayed external events in `pending`
(their delivery, by workflow.tick, is the test's). What the spec leaves to the platform, and the
few places where opora departs from SCXML on purpose, are adapted here as opora documents them
(docs/workflow.md, "SCXML 1.0"):

* a transition to its own state without "reenter" runs its actions and leaves nothing (SCXML
  would exit and re-enter the state): it is transcribed as a targetless transition;
* "reenter": true is type="external", otherwise type="internal";
* a macrostep may take at most MAX_MICROSTEPS microsteps and dequeue at most
  MAX_INTERNAL_EVENTS internal events: beyond, it raises Runaway (SCXML would run forever)
  and opora refuses the whole step;
* `_event` is named "(start)" before the first event;
* a finished instance keeps its final state: `final_configuration` is the configuration just
  before exitInterpreter() empties it.

Besides the configuration and the datamodel it keeps `trace`, the records opora's
workflow.history gives for the same run (event, ignored, transition, enter, exit, assign,
effect, raise, guard_error, timer_armed, done), so that the order of every action can be
compared.
"""

from __future__ import annotations

import re
import time

from datamodel import EvalError, Expression, Template

MAX_MICROSTEPS = 1000
MAX_INTERNAL_EVENTS = 1000


class Runaway(Exception):
    """A macrostep that does not settle: opora refuses it with OPORA_ESTATE."""


# --------------------------------------------------------------------------- the document --


class State:
    def __init__(self, id, kind, parent, order):
        self.id = id
        self.kind = kind  # "scxml", "atomic", "compound", "parallel", "final"
        self.parent = parent
        self.order = order  # document order
        self.children = []
        self.initial = None  # a Transition, for "scxml" and compound states
        self.transition = []
        self.onentry = []
        self.onexit = []
        self.timers = []  # (event, seconds): the platform's <send delay> ... <cancel>


class Transition:
    def __init__(self, source, event, cond, target, type, content, written_target):
        self.source = source
        self.event = event  # list of descriptors; None for an eventless transition
        self.cond = cond  # Expression or None
        self.target = target  # list of State
        self.type = type  # "internal" or "external"
        self.content = content
        self.written_target = written_target  # for the trace: opora records it as written


class Event:
    def __init__(self, name, data=None):
        self.name = name
        self.data = data


def to_scxml(definition):
    """opora's JSON definition as an SCXML document tree: the <scxml> element."""
    doc = State("(root)", "scxml", None, 0)
    by_id = {}
    pending = []  # (transition, target id)
    order = [0]

    def actions(items):
        out = []
        for a in items or []:
            ((kind, arg),) = a.items()
            if kind == "assign":
                out.append(("assign", [(path, Expression(text)) for path, text in arg.items()]))
            elif kind == "raise":
                out.append(("raise", arg))
            elif kind == "emit":
                payload = {k: (Template(v) if isinstance(v, str) else v)
                           for k, v in arg.items() if k != "type"}
                out.append(("emit", (arg["type"], payload)))
            else:
                raise NotImplementedError(kind)
        return out

    def transitions(state, events, spec):
        for t in spec if isinstance(spec, list) else [spec]:
            if isinstance(t, str):
                t = {"target": t}
            target = t.get("target")
            reenter = t.get("reenter", False)
            tr = Transition(state, events, Expression(t["guard"]) if "guard" in t else None,
                            [], "external" if reenter else "internal",
                            actions(t.get("actions")), target)
            if target is not None and not (target == state.id and not reenter):
                pending.append((tr, target))
            state.transition.append(tr)

    def add(id, spec, parent):
        order[0] += 1
        kind = spec.get("type") or ("compound" if "states" in spec else "atomic")
        s = State(id, kind, parent, order[0])
        by_id[id] = s
        parent.children.append(s)
        s.onentry = actions(spec.get("entry"))
        s.onexit = actions(spec.get("exit"))
        # opora's document order of a state's transitions: "on" (in order), "always", "after"
        for key, spec_t in (spec.get("on") or {}).items():
            transitions(s, key.split(), spec_t)
        if "always" in spec:
            transitions(s, None, spec["always"])
        for n, spec_t in enumerate(spec.get("after") or []):
            # a timer is a delayed external event only its own transition names exactly
            event = f"after:{id}:{n}"
            s.timers.append((event, duration(spec_t["delay"])))
            transitions(s, [event], spec_t)
        for child_id, child in (spec.get("states") or {}).items():
            add(child_id, child, s)
        if kind == "compound":
            s.initial = initial_transition(s, spec.get("initial"))

    def initial_transition(s, initial):
        target = by_id[initial] if initial else s.children[0]
        return Transition(s, None, None, [target], "internal", [], target.id)

    for id, spec in definition["states"].items():
        add(id, spec, doc)
    doc.initial = initial_transition(doc, definition.get("initial"))
    for tr, target in pending:
        tr.target = [by_id[target]]
    return doc


def duration(text):
    """An ISO 8601 duration of hours, minutes and seconds ("PT5M") in seconds."""
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", text)
    if not m or not any(m.groups()):
        raise NotImplementedError(text)
    h, mi, se = (int(g or 0) for g in m.groups())
    return h * 3600 + mi * 60 + se


def iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


# ------------------------------------------------------------------ data structures (D.1) --


class OrderedSet(list):
    def add(self, e):
        if e not in self:
            self.append(e)

    def delete(self, e):
        if e in self:
            self.remove(e)

    def union(self, s):
        for e in s:
            self.add(e)

    def isMember(self, e):
        return e in self

    def some(self, f):
        return any(f(e) for e in self)

    def every(self, f):
        return all(f(e) for e in self)

    def hasIntersection(self, s):
        return any(e in self for e in s)

    def isEmpty(self):
        return len(self) == 0

    def clear(self):
        del self[:]

    def toList(self):
        return list(self)


class Queue(list):
    def enqueue(self, e):
        self.append(e)

    def dequeue(self):
        return self.pop(0)

    def isEmpty(self):
        return len(self) == 0


def documentOrder(s):
    return s.order


def entryOrder(s):
    return s.order


def exitOrder(s):
    return -s.order


# ------------------------------------------------------------------------ the interpreter --


class Interpreter:
    """One session. interpret() starts it and runs the first macrostep; send() gives it one
    external event and runs that macrostep. Between them it waits where mainEventLoop()
    dequeues from the external queue (a Python generator stands for the blocking queue)."""

    def __init__(self, definition, context=None):
        self.doc = to_scxml(definition)
        self.datamodel = dict(definition.get("context") or {})
        self.datamodel.update(context or {})
        self.trace = []
        self.final_configuration = None
        self.accepted = None
        self.now = 0  # the platform's clock, in seconds
        self.pending = []  # delayed events not yet delivered: {due, seq, state, event}
        self.seq = 0

    # -- the platform's side --------------------------------------------------------------

    def record(self, kind, **detail):
        self.trace.append({"kind": kind, **detail})

    def start(self):
        self.interpret(self.doc)

    def send(self, name, data=None):
        self.trace = []
        self.accepted = False
        if not self.running:
            self.record("ignored", event=name)
            return
        self.budget()
        self.loop.send(Event(name, data))

    def arm(self, state, event, seconds):
        """<send event=... delay=...> at the end of the state's <onentry>."""
        self.seq += 1
        self.pending.append({"due": self.now + seconds, "seq": self.seq, "state": state.id,
                             "event": event})
        self.record("timer_armed", state=state.id, timer=event, due=iso(self.now + seconds))

    def cancel(self, state):
        """<cancel> of the state's delayed events at the end of its <onexit>."""
        self.pending = [p for p in self.pending if p["state"] != state.id]

    def budget(self):
        self.microsteps = 0
        self.internal_events = 0

    def scope(self):
        event = self._event
        return {"context": self.datamodel,
                "event": {"name": event.name,
                          "data": event.data if event.data is not None else {}}}

    # -- Appendix D -----------------------------------------------------------------------

    def interpret(self, doc):
        self.configuration = OrderedSet()
        self.internalQueue = Queue()
        self.historyValue = {}
        self._event = Event("(start)")
        self.running = True
        self.budget()
        self.enterStates([doc.initial])
        self.loop = self.mainEventLoop()
        next(self.loop)

    def mainEventLoop(self):
        while self.running:
            enabledTransitions = None
            macrostepDone = False
            # Here we handle eventless transitions and transitions
            # triggered by internal events until macrostep is complete
            while self.running and not macrostepDone:
                enabledTransitions = self.selectEventlessTransitions()
                if enabledTransitions.isEmpty():
                    if self.internalQueue.isEmpty():
                        macrostepDone = True
                    else:
                        self.internal_events += 1
                        if self.internal_events > MAX_INTERNAL_EVENTS:
                            raise Runaway("internal events")
                        internalEvent = self.internalQueue.dequeue()
                        self._event = internalEvent
                        enabledTransitions = self.selectTransitions(internalEvent)
                if not enabledTransitions.isEmpty():
                    self.microstep(enabledTransitions.toList())
            # either we're in a final state, and we break out of the loop
            if not self.running:
                break
            # or we've completed a macrostep, so we start a new macrostep by waiting for an
            # external event (no <invoke> here, so nothing to invoke)
            externalEvent = yield
            self._event = externalEvent
            self.record("event", event=externalEvent.name, data=externalEvent.data)
            enabledTransitions = self.selectTransitions(externalEvent)
            self.accepted = not enabledTransitions.isEmpty()
            if not enabledTransitions.isEmpty():
                self.microstep(enabledTransitions.toList())
            else:
                self.record("ignored", event=externalEvent.name)
        # End of outer while running loop.  If we get here, we have reached a top-level final
        # state or have been cancelled
        self.exitInterpreter()
        yield

    def exitInterpreter(self):
        self.final_configuration = self.leaves()
        statesToExit = sorted(self.configuration.toList(), key=exitOrder)
        for s in statesToExit:
            for content in s.onexit:
                self.executeContent(content, s)
            self.cancel(s)
            self.configuration.delete(s)

    def selectEventlessTransitions(self):
        enabledTransitions = OrderedSet()
        atomicStates = sorted(filter(isAtomicState, self.configuration.toList()),
                              key=documentOrder)
        for state in atomicStates:
            for s in [state] + getProperAncestors(state, None):
                found = False
                for t in s.transition:
                    if t.event is None and self.conditionMatch(t):
                        enabledTransitions.add(t)
                        found = True
                        break
                if found:
                    break  # break loop
        enabledTransitions = self.removeConflictingTransitions(enabledTransitions)
        return enabledTransitions

    def selectTransitions(self, event):
        enabledTransitions = OrderedSet()
        atomicStates = sorted(filter(isAtomicState, self.configuration.toList()),
                              key=documentOrder)
        for state in atomicStates:
            for s in [state] + getProperAncestors(state, None):
                found = False
                for t in s.transition:
                    if t.event is not None and nameMatch(t.event, event.name) and \
                            self.conditionMatch(t):
                        enabledTransitions.add(t)
                        found = True
                        break
                if found:
                    break  # break loop
        enabledTransitions = self.removeConflictingTransitions(enabledTransitions)
        return enabledTransitions

    def removeConflictingTransitions(self, enabledTransitions):
        filteredTransitions = OrderedSet()
        # toList sorts the transitions in the order of the states that selected them
        for t1 in enabledTransitions.toList():
            t1Preempted = False
            transitionsToRemove = OrderedSet()
            for t2 in filteredTransitions.toList():
                if self.computeExitSet([t1]).hasIntersection(self.computeExitSet([t2])):
                    if isDescendant(t1.source, t2.source):
                        transitionsToRemove.add(t2)
                    else:
                        t1Preempted = True
                        break
            if not t1Preempted:
                for t3 in transitionsToRemove.toList():
                    filteredTransitions.delete(t3)
                filteredTransitions.add(t1)
        return filteredTransitions

    def microstep(self, enabledTransitions):
        self.microsteps += 1
        if self.microsteps > MAX_MICROSTEPS:
            raise Runaway("microsteps")
        self.exitStates(enabledTransitions)
        self.executeTransitionContent(enabledTransitions)
        self.enterStates(enabledTransitions)

    def exitStates(self, enabledTransitions):
        statesToExit = self.computeExitSet(enabledTransitions)
        statesToExit = sorted(statesToExit.toList(), key=exitOrder)
        # (no history states in opora)
        for s in statesToExit:
            for content in s.onexit:
                self.executeContent(content, s)
            self.cancel(s)
            self.configuration.delete(s)
            self.record("exit", state=s.id)

    def computeExitSet(self, transitions):
        statesToExit = OrderedSet()
        for t in transitions:
            if t.target:
                domain = self.getTransitionDomain(t)
                for s in self.configuration:
                    if isDescendant(s, domain):
                        statesToExit.add(s)
        return statesToExit

    def executeTransitionContent(self, enabledTransitions):
        for t in enabledTransitions:
            self.record("transition", **{"from": t.source.id, "to": t.written_target,
                                         "event": self._event.name})
            for content in t.content:
                self.executeContent(content, t.source)

    def enterStates(self, enabledTransitions):
        statesToEnter = OrderedSet()
        statesForDefaultEntry = OrderedSet()
        # initialize the temporary table for default content in history states
        defaultHistoryContent = {}
        self.computeEntrySet(enabledTransitions, statesToEnter, statesForDefaultEntry,
                             defaultHistoryContent)
        for s in sorted(statesToEnter.toList(), key=entryOrder):
            self.configuration.add(s)
            self.record("enter", state=s.id)
            for content in s.onentry:
                self.executeContent(content, s)
            for event, seconds in s.timers:
                self.arm(s, event, seconds)
            # (an opora initial transition has no content, and there are no history states)
            if isFinalState(s):
                if isSCXMLElement(s.parent):
                    self.running = False
                    self.record("done", state=s.id)
                else:
                    parent = s.parent
                    grandparent = parent.parent
                    self.internalQueue.enqueue(Event("done.state." + parent.id))
                    if isParallelState(grandparent):
                        if all(self.isInFinalState(c) for c in getChildStates(grandparent)):
                            self.internalQueue.enqueue(Event("done.state." + grandparent.id))

    def computeEntrySet(self, transitions, statesToEnter, statesForDefaultEntry,
                        defaultHistoryContent):
        for t in transitions:
            for s in t.target:
                self.addDescendantStatesToEnter(s, statesToEnter, statesForDefaultEntry,
                                                defaultHistoryContent)
            ancestor = self.getTransitionDomain(t)
            for s in self.getEffectiveTargetStates(t):
                self.addAncestorStatesToEnter(s, ancestor, statesToEnter, statesForDefaultEntry,
                                              defaultHistoryContent)

    def addDescendantStatesToEnter(self, state, statesToEnter, statesForDefaultEntry,
                                   defaultHistoryContent):
        # (no history states)
        statesToEnter.add(state)
        if isCompoundState(state):
            statesForDefaultEntry.add(state)
            for s in state.initial.target:
                self.addDescendantStatesToEnter(s, statesToEnter, statesForDefaultEntry,
                                                defaultHistoryContent)
            for s in state.initial.target:
                self.addAncestorStatesToEnter(s, state, statesToEnter, statesForDefaultEntry,
                                              defaultHistoryContent)
        else:
            if isParallelState(state):
                for child in getChildStates(state):
                    if not statesToEnter.some(lambda s: isDescendant(s, child)):
                        self.addDescendantStatesToEnter(child, statesToEnter,
                                                        statesForDefaultEntry,
                                                        defaultHistoryContent)

    def addAncestorStatesToEnter(self, state, ancestor, statesToEnter, statesForDefaultEntry,
                                 defaultHistoryContent):
        for anc in getProperAncestors(state, ancestor):
            statesToEnter.add(anc)
            if isParallelState(anc):
                for child in getChildStates(anc):
                    if not statesToEnter.some(lambda s: isDescendant(s, child)):
                        self.addDescendantStatesToEnter(child, statesToEnter,
                                                        statesForDefaultEntry,
                                                        defaultHistoryContent)

    def isInFinalState(self, s):
        if isCompoundState(s):
            return any(isFinalState(c) and self.configuration.isMember(c)
                       for c in getChildStates(s))
        elif isParallelState(s):
            return all(self.isInFinalState(c) for c in getChildStates(s))
        else:
            return False

    def getTransitionDomain(self, t):
        tstates = self.getEffectiveTargetStates(t)
        if not tstates:
            return None
        # (the document's own initial transition has the <scxml> element as its domain:
        # findLCCA would look above the root; so <scxml> counts as compound here)
        elif t.type == "internal" and (isCompoundState(t.source) or isSCXMLElement(t.source)) \
                and all(isDescendant(s, t.source) for s in tstates):
            return t.source
        else:
            return findLCCA([t.source] + tstates)

    def getEffectiveTargetStates(self, transition):
        targets = OrderedSet()
        for s in transition.target:
            # (no history states)
            targets.add(s)
        return targets

    # -- the datamodel: conditions (§5.9) and executable content ---------------------------

    def conditionMatch(self, t):
        if t.cond is None:
            return True
        try:
            return t.cond.truth(self.scope())
        except EvalError:
            # §5.9: treated as false, and error.execution goes on the internal queue
            self.record("guard_error", state=t.source.id)
            self.internalQueue.enqueue(Event("error.execution"))
            return False

    def executeContent(self, content, where):
        kind, arg = content
        if kind == "assign":
            for path, expr in arg:
                value = expr.evaluate(self.scope())
                assign(self.datamodel, path, value)
                self.record("assign", state=where.id, path=path, value=value)
        elif kind == "raise":
            self.internalQueue.enqueue(Event(arg))
            self.record("raise", state=where.id, event=arg)
        elif kind == "emit":
            type, members = arg
            scope = self.scope()
            payload = {k: (v.render(scope) if isinstance(v, Template) else v)
                       for k, v in members.items()}
            self.record("effect", type=type, payload=payload, state=where.id)

    def leaves(self):
        return [s.id for s in sorted(self.configuration, key=documentOrder)
                if isAtomicState(s)]

    def configuration_ids(self):
        """The active atomic states in document order, as workflow.get lists them."""
        if self.final_configuration is not None:
            return self.final_configuration
        return self.leaves()


def assign(context, path, value):
    if path.startswith("context."):
        path = path[len("context."):]
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(context.get(part), dict):
            context[part] = {}
        context = context[part]
    context[parts[-1]] = value


# ------------------------------------------------------------- functions of D.2 and §3.12.1 --


def nameMatch(descriptors, name):
    """§3.12.1: a descriptor matches a name whose tokens it equals or prefixes; "foo",
    "foo." and "foo.*" are the same descriptor, and "*" matches any name."""
    for d in descriptors:
        if d == "*":
            return True
        if d.endswith(".*"):
            d = d[:-2]
        elif d.endswith("."):
            d = d[:-1]
        if d.split(".") == name.split(".")[:len(d.split("."))]:
            return True
    return False


def findLCCA(stateList):
    for anc in [a for a in getProperAncestors(stateList[0], None)
                if isCompoundState(a) or isSCXMLElement(a)]:
        if all(isDescendant(s, anc) for s in stateList[1:]):
            return anc


def getProperAncestors(state1, state2):
    out = []
    s = state1.parent
    while s is not None and s is not state2:
        out.append(s)
        s = s.parent
    return out


def isDescendant(state1, state2):
    s = state1.parent
    while s is not None:
        if s is state2:
            return True
        s = s.parent
    return False


def getChildStates(state):
    return list(state.children)


def isAtomicState(s):
    return s.kind in ("atomic", "final")


def isCompoundState(s):
    return s.kind == "compound"


def isParallelState(s):
    return s.kind == "parallel"


def isFinalState(s):
    return s.kind == "final"


def isSCXMLElement(s):
    return s.kind == "scxml"

// The statechart rules opora takes from SCXML 1.0 (W3C Recommendation,
// 1 September 2015: Appendix D "Algorithm for SCXML Interpretation", §3.12.1
// event descriptors, §5.9 conditions), one case per divergence found in issue
// 13 §3 and fixed, through Database::call. The random comparison with a
// transcription of Appendix D is tests/reference/scxml.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "workflow/workflow_fixture.hpp"

namespace {

using namespace opora::test::wf;
using opora::Error;
using opora::ErrorCode;
using opora::test::code_of;
using opora::test::error_of;

json::object start(Flow& f, const char* definition) {
  return f.call("workflow.start", json::object{{"definition", definition}, {"key", "k"}});
}

json::object send(Flow& f, const json::object& instance, const char* event) {
  return f.call("workflow.send",
                json::object{{"instance", instance.at("instance")}, {"event", event}});
}

std::string rules_of(const Error& e) {
  std::string all;
  for (const auto& fe : e.field_errors()) all += fe.field + " " + fe.rule + "\n";
  return all;
}

std::vector<std::string> kinds(Flow& f, const json::object& instance) {
  std::vector<std::string> out;
  const auto h = f.call("workflow.history", json::object{{"instance", instance.at("instance")}});
  for (const auto& r : h.at("records").as_array()) out.emplace_back(r.at("kind").as_string());
  return out;
}

}  // namespace

// Issue 13 §3 (a): the macrostep stopped as soon as a microstep left the set
// of active states unchanged, so a counting loop ran once and stopped at 1.
// SCXML selects eventless transitions again after every microstep.
TEST_CASE("a targetless eventless transition is taken again while its guard holds") {
  Flow f;
  f.define(R"({"id": "count", "context": {"a": 0}, "states": {
    "s": {"always": {"guard": "context.a < 3", "actions": [{"assign": {"a": "context.a + 1"}}]}}}})");
  const auto r = start(f, "count");
  CHECK(r.at("context").at("a") == 3);
  CHECK(f.states(r) == json::array{"s"});
}

TEST_CASE("an eventless transition to its own state without reenter is taken again too") {
  Flow f;
  f.define(R"({"id": "count_self", "context": {"a": 0, "entries": 0}, "states": {
    "idle": {"on": {"go": "s"}},
    "s": {"entry": [{"assign": {"entries": "context.entries + 1"}}],
          "always": {"target": "s", "guard": "context.a < 3",
                     "actions": [{"assign": {"a": "context.a + 1"}}]}}}})");
  const auto r = send(f, start(f, "count_self"), "go");
  CHECK(r.at("context").at("a") == 3);
  CHECK(r.at("context").at("entries") == 1);  // it stays: no exit, no entry
}

TEST_CASE("a targetless eventless transition whose guard always holds is an eventless loop") {
  Flow f;
  f.define(R"({"id": "forever", "context": {"a": 0}, "states": {
    "idle": {"on": {"go": "s"}},
    "s": {"always": {"actions": [{"assign": {"a": "context.a + 1"}}]}}}})");
  const auto i = start(f, "forever");
  const Error e = error_of([&] { send(f, i, "go"); });
  CHECK(e.code() == ErrorCode::state);
  CHECK(std::string(e.what()).find("more than 1000 microsteps") != std::string::npos);
  const auto after = f.get(i.at("instance").as_int64());
  CHECK(f.states(after) == json::array{"idle"});
  CHECK(after.at("context").at("a") == 0);
  CHECK(after.at("seq") == i.at("seq"));
}

// Issue 13 §3 (b): workflow.start entered the initial configuration without
// the done events of its final states, so a compound state that starts in its
// final child never completed.
TEST_CASE("a final state in the initial configuration raises done.state of its parent at start") {
  Flow f;
  f.define(R"({"id": "born_done", "states": {
    "c": {"states": {"f": {"type": "final"}}, "on": {"done.state.c": "next"}},
    "next": {}}})");
  const auto r = start(f, "born_done");
  CHECK(f.states(r) == json::array{"next"});
}

TEST_CASE("a parallel state whose regions all start final is done at start") {
  Flow f;
  f.define(R"({"id": "born_joined", "states": {
    "p": {"type": "parallel", "on": {"done.state.p": "joined"}, "states": {
      "r1": {"states": {"f1": {"type": "final"}}},
      "r2": {"states": {"f2": {"type": "final"}}}}},
    "joined": {"type": "final"}}})");
  const auto r = start(f, "born_joined");
  CHECK(r.at("status") == "done");
  CHECK(f.states(r) == json::array{"joined"});
}

TEST_CASE("a definition that starts in a top-level final state is done at start") {
  Flow f;
  f.define(R"({"id": "nothing_to_do", "states": {"end": {"type": "final"}}})");
  const auto r = start(f, "nothing_to_do");
  CHECK(r.at("status") == "done");
  CHECK(f.states(r) == json::array{"end"});
  const auto k = kinds(f, r);
  CHECK(std::find(k.begin(), k.end(), "done") != k.end());
}

// Issue 13 §3 (c): a final state directly inside a parallel state raised
// done.state.<parallel> as soon as it was entered, completing the parallel
// state at once. SCXML allows <final> only in <state> and <scxml>.
TEST_CASE("a final state directly inside a parallel state is refused") {
  Flow f;
  const Error e = error_of([&] {
    f.define(R"({"id": "bad_join", "states": {
      "p": {"type": "parallel", "states": {
        "work": {"states": {"doing": {"on": {"done": "did"}}, "did": {"type": "final"}}},
        "end": {"type": "final"}}}}})");
  });
  CHECK(e.code() == ErrorCode::validation);
  CHECK(rules_of(e) == "states.p.states.end.type final_in_parallel\n");
}

// Issue 13 §3 (d): "deal.*" and "deal." were accepted but compared as
// literal prefixes, so they never matched "deal.paid". §3.12.1: both are the
// descriptor "deal", which matches "deal" and every "deal.<...>".
TEST_CASE("deal.* and deal. match deal and its dotted descendants, as deal does") {
  Flow f;
  f.define(R"({"id": "descriptors", "context": {"star": 0, "dot": 0, "list": 0}, "states": {
    "s": {"states": {"inner": {"on": {
      "deal.*": {"guard": "event.name != 'deal'",
                 "actions": [{"assign": {"star": "context.star + 1"}}]}}}},
          "on": {"deal.": {"actions": [{"assign": {"dot": "context.dot + 1"}}]},
                 "bank.paid   crm.won": {"actions": [{"assign": {"list": "context.list + 1"}}]}}}}})");
  const auto i = start(f, "descriptors");
  auto r = send(f, i, "deal.paid");
  CHECK(r.at("accepted") == true);
  CHECK(r.at("context").at("star") == 1);  // the child's transition wins over the parent's
  CHECK(r.at("context").at("dot") == 0);
  r = send(f, i, "deal");  // the child's guard refuses it: the parent's "deal." takes it
  CHECK(r.at("context").at("star") == 1);
  CHECK(r.at("context").at("dot") == 1);
  CHECK(send(f, i, "deal.paid.late").at("context").at("star") == 2);
  CHECK(send(f, i, "dealer").at("accepted") == false);
  CHECK(send(f, i, "bank.paid.late").at("context").at("list") == 1);
  CHECK(send(f, i, "crm.won").at("context").at("list") == 2);
  CHECK(send(f, i, "bank").at("accepted") == false);
}

// SCXML's <parallel> has no initial attribute: every region is entered. An
// `initial` on a parallel (or atomic) state was accepted and ignored.
TEST_CASE("an initial child is refused on a state that is not compound") {
  Flow f;
  const Error e = error_of([&] {
    f.define(R"({"id": "no_initial", "states": {
      "p": {"type": "parallel", "initial": "r2", "states": {
        "r1": {"states": {"a": {"on": {"go": "x"}}}}, "r2": {"states": {"b": {}}}}},
      "x": {"initial": "p"}}})");
  });
  CHECK(rules_of(e) == "states.p.initial not_allowed\nstates.x.initial not_allowed\n");
}

TEST_CASE("an event descriptor that could never match is refused with its path") {
  Flow f;
  const Error e = error_of([&] {
    f.define(R"({"id": "dead", "states": {"s": {"on": {
      "de*": "s", "deal..paid": "s", "deal.*.paid": "s", ".deal": "s", "ok.* fine": "s"}}}})");
  });
  CHECK(rules_of(e) ==
        "states.s.on.de* event_descriptor\n"
        "states.s.on.deal..paid event_descriptor\n"
        "states.s.on.deal.*.paid event_descriptor\n"
        "states.s.on..deal event_descriptor\n");
}

// SCXML §5.9: a condition that cannot be evaluated is false and puts
// error.execution on the internal queue. opora recorded the failure but
// raised nothing, so no transition could handle it.
TEST_CASE("a guard that fails to evaluate is false and raises error.execution") {
  Flow f;
  f.define(R"({"id": "bad_guard", "states": {
    "s": {"on": {"go": {"target": "t", "guard": "context.missing > 1"},
                 "error.execution": "failed"}},
    "t": {}, "failed": {}}})");
  const auto r = send(f, start(f, "bad_guard"), "go");
  CHECK(r.at("accepted") == false);
  CHECK(f.states(r) == json::array{"failed"});
}

TEST_CASE("an eventless guard that keeps failing stops at the internal event budget") {
  Flow f;
  f.define(R"({"id": "failing", "states": {
    "idle": {"on": {"go": "s"}},
    "s": {"always": {"target": "idle", "guard": "context.missing > 1"}}}})");
  const auto i = start(f, "failing");
  const Error e = error_of([&] { send(f, i, "go"); });
  CHECK(e.code() == ErrorCode::state);
  CHECK(std::string(e.what()).find("more than 1000 internal events") != std::string::npos);
  CHECK(f.states(f.get(i.at("instance").as_int64())) == json::array{"idle"});
}

// SCXML's macrostep goes on after an external event that took no transition:
// eventless guards are evaluated again with that event as _event.
TEST_CASE("eventless transitions are evaluated after an event that nothing accepted") {
  Flow f;
  f.define(R"({"id": "watch", "states": {
    "s": {"always": {"target": "seen", "guard": "event.name == 'ping'"}},
    "seen": {}}})");
  const auto i = start(f, "watch");
  const auto r = send(f, i, "ping");
  CHECK(r.at("accepted") == false);
  CHECK(f.states(r) == json::array{"seen"});
  const auto k = kinds(f, r);
  CHECK(std::find(k.begin(), k.end(), "ignored") != k.end());
}

// A state entered and left within one step left its timer (and a task it
// opened) behind: persisting the step dropped the stored timers of the states
// it exited, then stored the ones armed in it, including the left state's.
// The timer fired later, where a catch-all transition took it. In SCXML terms
// it is a <send delay> from <onentry> that <onexit> cancels.
TEST_CASE("a timer or task of a state entered and left in the same step is gone") {
  Flow f;
  f.define(R"({"id": "passing", "states": {
    "a": {"on": {"go": "w"}},
    "w": {"entry": [{"task": {"name": "check", "title": "Check", "deadline": {"delay": "PT2H"}}}],
          "after": [{"delay": "PT1H", "target": "late"}], "always": "b"},
    "b": {"on": {"*": "caught"}},
    "late": {}, "caught": {}}})");
  const auto r = send(f, start(f, "passing"), "go");
  CHECK(f.states(r) == json::array{"b"});
  CHECK(r.at("timers").as_array().empty());
  CHECK(f.open_tasks(r.at("instance").as_int64()).empty());
  CHECK(f.tick("2026-11-23T20:00:00+03:00") == 0);
  CHECK(f.states(r.at("instance").as_int64()) == json::array{"b"});
}

// workflow.tick picked the due timers, then deleted each by id before firing
// it. When an earlier firing left and re-entered the state of a later one, the
// later timer was deleted and its re-armed successor took its id (SQLite reuses
// the largest rowid), so the successor fired at once, a minute early.
TEST_CASE("a timer re-armed by an earlier firing of the same tick waits for its own due time") {
  Flow f;
  f.define(R"({"id": "rearm", "states": {
    "p": {"type": "parallel", "states": {
      "r1": {"states": {"w1": {"after": [{"delay": "PT1M", "target": "p", "reenter": true}]}}},
      "r2": {"states": {"w2": {"after": [{"delay": "PT1M", "target": "late"}]}}}}},
    "late": {}}})");
  const int64_t id = start(f, "rearm").at("instance").as_int64();
  CHECK(f.call("workflow.tick", R"({"now": "2026-11-23T09:01:00+03:00"})").at("fired") == 1);
  const auto r = f.get(id);
  CHECK(f.states(r) == json::array{"w1", "w2"});
  const auto& timers = r.at("timers").as_array();
  REQUIRE(timers.size() == 2);
  CHECK(timers[0].at("due") == "2026-11-23T06:02:00Z");
  CHECK(timers[1].at("due") == "2026-11-23T06:02:00Z");
}

// The interpreter lends its context and event to expressions in place; what
// they read must be what an object holding them would give: the whole
// context or event, an index into an object (null), and the event of the
// moment (an internal event replaces the external one).
TEST_CASE("expressions read the context and the event whole, by path, and as they change") {
  Flow f;
  f.define(R"({"id": "roots", "context": {"a": 1, "list": [5]}, "states": {
    "s": {"on": {"go": {"target": "t", "actions": [
      {"assign": {"whole": "context", "ev": "event", "first": "context.list[0]",
                  "none": "context[0]", "x": "event.data.x", "k": "key"}},
      {"raise": "next"}]}}},
    "t": {"on": {"next": {"actions": [
      {"assign": {"second": "event.name", "second_data": "event.data"}}]}}}}})");
  const auto r = start(f, "roots");
  const auto out = f.call("workflow.send", json::object{{"instance", r.at("instance")},
                                                        {"event", "go"},
                                                        {"data", json::object{{"x", 7}}}});
  const auto& c = out.at("context").as_object();
  CHECK(c.at("whole") == json::parse(R"({"a": 1, "list": [5]})"));
  CHECK(c.at("ev") == json::parse(R"({"name": "go", "data": {"x": 7}})"));
  CHECK(c.at("first") == 5);
  CHECK(c.at("none").is_null());
  CHECK(c.at("x") == 7);
  CHECK(c.at("k") == "k");
  CHECK(c.at("second") == "next");
  CHECK(c.at("second_data") == json::object{});
}

// A task's life: its deadline goes when it closes, a transition's task
// belongs to the state the transition stays within, a task cancelled in the
// step that opened it is never stored, a finished process leaves none open.
#include <doctest/doctest.h>

#include <string>

#include "workflow/workflow_fixture.hpp"

using opora::test::wf::Flow;
namespace json = boost::json;

namespace {

int64_t start(Flow& f, const char* definition) {
  return f.call("workflow.start", json::object{{"definition", definition}, {"key", "k"}})
      .at("instance")
      .as_int64();
}

// A closed task refuses completion and says why.
std::string refusal(Flow& f, const json::value& task) {
  try {
    f.call("workflow.task.complete", json::object{{"task", task}, {"outcome", "done"}});
  } catch (const opora::Error& e) {
    CHECK(e.code() == opora::ErrorCode::state);
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("a task done before its deadline never fires task.<name>.overdue") {
  Flow f;
  f.define(R"({"id": "t", "initial": "work", "states": {
    "work": {"entry": [{"task": {"name": "call", "title": "Call", "assignee": "x", "deadline": {"delay": "PT1H"}}}],
             "on": {"task.call.done": {"actions": [{"assign": {"context.called": "true"}}]},
                    "task.call.overdue": {"actions": [{"emit": {"type": "notify", "text": "late"}}]}}}}})");
  const int64_t id = start(f, "t");
  f.complete(f.task(id), "done");
  CHECK(f.tick("2026-11-23T12:00:00+03:00") == 0);
  CHECK(f.effects().empty());
  CHECK(f.states(id) == json::array{"work"});
}

TEST_CASE("a task cancelled by name takes its deadline with it") {
  Flow f;
  f.define(R"({"id": "t", "initial": "work", "states": {
    "work": {"entry": [{"task": {"name": "call", "title": "Call", "assignee": "x", "deadline": {"delay": "PT1H"}}}],
             "on": {"drop": {"actions": [{"cancel_task": "call"}]},
                    "task.call.overdue": {"actions": [{"emit": {"type": "notify", "text": "late"}}]}}}}})");
  const int64_t id = start(f, "t");
  f.call("workflow.send", json::object{{"instance", id}, {"event", "drop"}});
  CHECK(f.open_tasks(id).empty());
  CHECK(f.tick("2026-11-23T12:00:00+03:00") == 0);
  CHECK(f.effects().empty());
}

TEST_CASE("a task cancelled in the step that opened it is never open and never overdue") {
  Flow f;
  f.define(R"({"id": "t", "initial": "work", "states": {
    "work": {"entry": [{"task": {"name": "call", "title": "Call", "assignee": "x", "deadline": {"delay": "PT1H"}}},
                       {"cancel_task": "call"}],
             "on": {"task.call.overdue": {"actions": [{"emit": {"type": "notify", "text": "late"}}]}}}}})");
  const int64_t id = start(f, "t");
  CHECK(f.open_tasks(id).empty());
  CHECK(f.tick("2026-11-23T12:00:00+03:00") == 0);
  CHECK(f.effects().empty());
}

TEST_CASE("a task a transition opens lives until the state the transition stays within is left") {
  Flow f;
  f.define(R"({"id": "t", "initial": "work", "states": {
    "work": {"initial": "a", "on": {"close": "closed"}, "states": {
      "a": {"on": {"go": {"target": "b", "actions": [{"task": {"name": "sign", "title": "Sign", "assignee": "x"}}]}}},
      "b": {}}},
    "closed": {}}})");
  const int64_t id = start(f, "t");
  f.call("workflow.send", json::object{{"instance", id}, {"event", "go"}});
  const json::object task = f.task(id);
  CHECK(task.at("state") == "work");
  f.call("workflow.send", json::object{{"instance", id}, {"event", "close"}});
  CHECK(f.open_tasks(id).empty());
  CHECK(refusal(f, task.at("task")).find("is cancelled") != std::string::npos);
}

TEST_CASE("a finished process leaves no task open") {
  Flow f;
  f.define(R"({"id": "t", "initial": "a", "states": {
    "a": {"on": {"go": {"target": "b", "actions": [{"task": {"name": "sign", "title": "Sign", "assignee": "x"}}]}}},
    "b": {"on": {"finish": "end"}},
    "end": {"type": "final"}}})");
  const int64_t id = start(f, "t");
  f.call("workflow.send", json::object{{"instance", id}, {"event", "go"}});
  const json::object task = f.task(id);  // the instance's own: a top-level transition opened it
  f.call("workflow.send", json::object{{"instance", id}, {"event", "finish"}});
  CHECK(f.status(id) == "done");
  CHECK(f.open_tasks(id).empty());
  CHECK(refusal(f, task.at("task")).find("is cancelled") != std::string::npos);
}

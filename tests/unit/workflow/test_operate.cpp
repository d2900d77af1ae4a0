// Operating running instances: versions never change them, workflow.migrate
// moves one explicitly, incidents are listed, retried and resolved.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "workflow/workflow_fixture.hpp"

namespace {

using namespace opora::test::wf;
using opora::ErrorCode;
using opora::test::code_of;
using opora::test::error_of;

// Version 1 and 2 of a document review: v2 renames "review" to "checking",
// changes its timer and adds a context field.
const char* const kReviewV1 = R"({
  "id": "review", "version": 1, "context": {"doc": ""}, "initial": "draft",
  "states": {
    "draft": {"on": {"submit": "review"}},
    "review": {"on": {"approve": "approved", "reject": "draft"},
               "after": [{"delay": "P3D", "target": "escalated"}]},
    "escalated": {"on": {"approve": "approved"}},
    "approved": {"type": "final"}
  }
})";

const char* const kReviewV2 = R"({
  "id": "review", "version": 2, "context": {"doc": "", "reviewer": "petrova"}, "initial": "draft",
  "states": {
    "draft": {"on": {"submit": "checking"}},
    "checking": {"on": {"approve": "approved", "reject": "draft"},
                 "after": [{"delay": "P1D", "target": "escalated"}]},
    "escalated": {"on": {"approve": "approved", "remind": {"actions": [{"emit": {"type": "sms", "to": "{{ context.reviewer }}"}}]}}},
    "approved": {"type": "final"}
  }
})";

int64_t start(Flow& f, const char* key, int64_t version = 0) {
  json::object p{{"definition", "review"}, {"key", key}};
  if (version > 0) p["version"] = version;
  return f.call("workflow.start", p).at("instance").as_int64();
}

json::object send(Flow& f, int64_t id, const char* event) {
  return f.call("workflow.send", json::object{{"instance", id}, {"event", event}});
}

json::array timers(Flow& f, int64_t id) {
  return f.get(id).at("timers").as_array();
}

}  // namespace

TEST_CASE("a new version never changes running instances; new starts take it") {
  Flow f;
  f.define(kReviewV1);
  const int64_t old = start(f, "doc:1");
  send(f, old, "submit");
  f.define(kReviewV2);
  CHECK(f.get(old).at("version") == 1);
  CHECK(f.states(old) == json::array{"review"});
  send(f, old, "approve");  // v1's transitions still apply
  CHECK(f.status(old) == "done");
  const int64_t fresh = start(f, "doc:2");
  CHECK(f.get(fresh).at("version") == 2);
  CHECK(send(f, fresh, "submit").at("states") == json::array{"checking"});
}

TEST_CASE("workflow.migrate moves an instance by its state map and journals it") {
  Flow f;
  f.define(kReviewV1);
  const int64_t id = start(f, "doc:1");
  send(f, id, "submit");
  f.define(kReviewV2);
  f.at("2026-11-24T09:00:00+03:00");
  const auto out = f.call("workflow.migrate", json::object{{"instance", id},
                                                           {"to_version", 2},
                                                           {"state_map", {{"review", "checking"}}},
                                                           {"actor", "admin"},
                                                           {"reason", "review renamed"}});
  CHECK(out.at("version") == 2);
  CHECK(out.at("states") == json::array{"checking"});
  CHECK(out.at("migrated") == json::object{{"from_version", 1}, {"to_version", 2}});
  // The new field comes with its default; what the instance had stays.
  CHECK(out.at("context").at("reviewer") == "petrova");
  CHECK(out.at("context").at("doc") == "");
  // v1's 3-day timer is gone; v2's 1-day timer is armed from the migration.
  const auto t = out.at("timers").as_array();
  REQUIRE(t.size() == 1);
  CHECK(t[0].at("state") == "checking");
  CHECK(t[0].at("due") == "2026-11-25T06:00:00Z");
  CHECK(f.has_record(id, "migrated"));
  const auto h = f.call("workflow.history", json::object{{"instance", id}});
  bool journalled = false;
  for (const auto& r : h.at("records").as_array())
    if (r.at("kind") == "migrated")
      journalled = r.at("from_version") == 1 && r.at("to_version") == 2 &&
                   r.at("actor") == "admin" && r.at("states_before") == json::array{"review"} &&
                   r.at("states_after") == json::array{"checking"};
  CHECK(journalled);
  // It now runs on v2: the timer fires into v2's escalation.
  CHECK(f.tick("2026-11-25T09:00:01+03:00") == 1);
  CHECK(f.states(id) == json::array{"escalated"});
  send(f, id, "remind");
  CHECK(f.types(f.effects()) == std::vector<std::string>{"sms"});
}

TEST_CASE("a state that stays keeps its timer's due time") {
  Flow f;
  const std::string v1 = kReviewV1;
  f.define(kReviewV1);
  const int64_t id = start(f, "doc:1");
  send(f, id, "submit");
  const auto due = timers(f, id).at(0).at("due");
  // v3: same states and timer, one more transition elsewhere.
  json::object v3 = json::parse(v1).as_object();
  v3["version"] = 3;
  v3["states"].as_object()["draft"].as_object()["on"].as_object()["cancel"] = "approved";
  f.call("workflow.define", json::object{{"definition", v3}});
  f.at("2026-11-24T12:00:00+03:00");
  const auto out = f.call("workflow.migrate", R"({"instance": 1, "to_version": 3})");
  CHECK(out.at("states") == json::array{"review"});
  REQUIRE(out.at("timers").as_array().size() == 1);
  CHECK(out.at("timers").as_array()[0].at("due") == due);
}

TEST_CASE("a migration that cannot place the instance is refused with every problem, unchanged") {
  Flow f;
  f.define(kReviewV1);
  const int64_t id = start(f, "doc:1");
  send(f, id, "submit");
  f.define(kReviewV2);
  const auto before = f.get(id);
  SUBCASE("a state the new version lacks must be mapped") {
    const auto e = error_of([&] {
      f.call("workflow.migrate", json::object{{"instance", id}, {"to_version", 2}});
    });
    CHECK(e.code() == ErrorCode::validation);
    REQUIRE(e.field_errors().size() == 1);
    CHECK(e.field_errors()[0].field == "state_map.review");
    CHECK(e.field_errors()[0].rule == "required");
  }
  SUBCASE("unknown states on either side are all reported") {
    const auto e = error_of([&] {
      f.call("workflow.migrate",
             json::object{{"instance", id},
                          {"to_version", 2},
                          {"state_map", {{"review", "nowhere"}, {"ghost", "draft"}}}});
    });
    CHECK(e.code() == ErrorCode::validation);
    CHECK(e.field_errors().size() == 2);
  }
  SUBCASE("the same version, an unknown version, a finished instance") {
    CHECK(code_of([&] {
            f.call("workflow.migrate", json::object{{"instance", id}, {"to_version", 1}});
          }) == ErrorCode::invalid);
    CHECK(code_of([&] {
            f.call("workflow.migrate", json::object{{"instance", id}, {"to_version", 7}});
          }) == ErrorCode::not_found);
    send(f, id, "approve");
    CHECK(code_of([&] {
            f.call("workflow.migrate", json::object{{"instance", id},
                                                    {"to_version", 2},
                                                    {"state_map", {{"approved", "approved"}}}});
          }) == ErrorCode::state);
    return;
  }
  CHECK(f.get(id) == before);
  CHECK_FALSE(f.has_record(id, "migrated"));
}

TEST_CASE("a migration into a parallel state must fill every region; tasks of left states end") {
  Flow f;
  f.define(R"({"id": "onboard", "version": 1, "initial": "paperwork", "states": {
    "paperwork": {"entry": [{"task": {"name": "sign", "title": "Подписать договор", "assignee": "ivanov"}}],
                  "on": {"task.sign.done": "done"}},
    "done": {"type": "final"}}})");
  f.define(R"({"id": "onboard", "version": 2, "initial": "work", "states": {
    "work": {"type": "parallel", "states": {
      "docs": {"initial": "signing", "states": {"signing": {"on": {"signed": "signed"}}, "signed": {"type": "final"}}},
      "line": {"initial": "installing", "states": {"installing": {"on": {"installed": "ready"}}, "ready": {"type": "final"}}}},
      "on": {"done.state.work": "done"}},
    "done": {"type": "final"}}})");
  const int64_t id =
      f.call("workflow.start", R"({"definition": "onboard", "key": "sub:7", "version": 1})")
          .at("instance")
          .as_int64();
  REQUIRE(f.open_tasks(id).size() == 1);
  const auto e = error_of([&] {
    f.call("workflow.migrate",
           json::object{
               {"instance", id}, {"to_version", 2}, {"state_map", {{"paperwork", "signing"}}}});
  });
  CHECK(e.code() == ErrorCode::validation);
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].rule == "configuration");
  CHECK(f.open_tasks(id).size() == 1);
  // A single state can only map to one state; the parallel state is out of
  // reach of this instance, so it goes straight to the new "done".
  const auto out = f.call(
      "workflow.migrate",
      json::object{{"instance", id}, {"to_version", 2}, {"state_map", {{"paperwork", "done"}}}});
  CHECK(out.at("states") == json::array{"done"});
  CHECK(f.open_tasks(id).empty());
}

TEST_CASE("a failed effect is an incident: retried it is offered again with the same key") {
  Flow f;
  f.define(kReviewV2);
  const int64_t id = start(f, "doc:1");
  send(f, id, "submit");
  f.tick("2026-11-25T09:00:00+03:00");
  send(f, id, "remind");
  const auto fetched = f.call("effects.fetch", R"({})").at("effects").as_array();
  REQUIRE(fetched.size() == 1);
  const auto effect = fetched[0].as_object();
  f.call("effects.ack",
         json::object{{"id", effect.at("id")}, {"result", "failed"}, {"error", "SMS: 503"}});
  auto open = f.call("workflow.incidents", R"({})").at("incidents").as_array();
  REQUIRE(open.size() == 1);
  const auto incident = open[0].as_object();
  CHECK(incident.at("kind") == "effect");
  CHECK(incident.at("instance") == id);
  CHECK(incident.at("effect") == effect.at("id"));
  CHECK(incident.at("message") == "SMS: 503");
  CHECK(f.call("effects.fetch", R"({})").at("effects").as_array().empty());

  f.call("workflow.incident.retry",
         json::object{{"incident", incident.at("incident")}, {"actor", "operator"}});
  CHECK(f.call("workflow.incidents", R"({})").at("incidents").as_array().empty());
  const auto again = f.call("effects.fetch", R"({})").at("effects").as_array();
  REQUIRE(again.size() == 1);
  CHECK(again[0].at("idempotency_key") == effect.at("idempotency_key"));
  CHECK(f.has_record(id, "incident_retried"));
  // A closed incident is not retried or resolved again.
  CHECK(code_of([&] {
          f.call("workflow.incident.retry", json::object{{"incident", incident.at("incident")}});
        }) == ErrorCode::state);
  const auto retried = f.call("workflow.incidents", R"({"status": "retried"})");
  CHECK(retried.at("incidents").as_array().size() == 1);
}

TEST_CASE("a failed timer is an incident: a retry that fails again leaves it open") {
  Flow f;
  f.define(
      R"({"id": "ratio", "version": 1, "context": {"total": 100, "parts": 0}, "initial": "wait",
    "states": {
      "wait": {"after": [{"delay": "PT1H", "target": "split",
                          "actions": [{"assign": {"share": "context.total / context.parts"}}]}]},
      "split": {"type": "final"}}})");
  const int64_t id =
      f.call("workflow.start", R"({"definition": "ratio", "key": "k"})").at("instance").as_int64();
  const auto tick = f.call("workflow.tick", json::object{{"now", "2026-11-23T11:00:00+03:00"}});
  CHECK(tick.at("failed") == 1);
  CHECK(f.states(id) == json::array{"wait"});
  const auto open = f.call("workflow.incidents", R"({})").at("incidents").as_array();
  REQUIRE(open.size() == 1);
  const auto incident = open[0].at("incident");
  CHECK(open[0].at("kind") == "timer");
  CHECK(open[0].at("state") == "wait");
  // Still broken: the retry fails and changes nothing.
  CHECK(code_of([&] {
          f.call("workflow.incident.retry", json::object{{"incident", incident}});
        }) != ErrorCode::ok);
  CHECK(f.call("workflow.incidents", R"({})").at("incidents").as_array().size() == 1);
  SUBCASE("fixed by a migration that sets the context, the retry goes through") {
    f.define(
        R"({"id": "ratio", "version": 2, "context": {"total": 100, "parts": 1}, "initial": "wait",
      "states": {
        "wait": {"after": [{"delay": "PT1H", "target": "split",
                            "actions": [{"assign": {"share": "context.total / context.parts"}}]}]},
        "split": {"type": "final"}}})");
    f.call("workflow.migrate", json::object{{"instance", id},
                                            {"to_version", 2},
                                            {"context", {{"parts", 4}}},
                                            {"reason", "parts was zero"}});
    const auto r = f.call("workflow.incident.retry", json::object{{"incident", incident}});
    CHECK(r.at("step").at("status") == "done");
    CHECK(f.get(id).at("context").at("share") == 25);
    CHECK(f.call("workflow.incidents", R"({})").at("incidents").as_array().empty());
  }
  SUBCASE("resolved with a comment, it is closed") {
    CHECK(code_of([&] {
            f.call("workflow.incident.resolve",
                   json::object{{"incident", incident}, {"comment", " "}});
          }) == ErrorCode::validation);
    f.call("workflow.incident.resolve",
           json::object{{"incident", incident}, {"comment", "closed by hand"}, {"actor", "op"}});
    const auto r = f.call("workflow.incidents", R"({"status": "resolved"})");
    REQUIRE(r.at("incidents").as_array().size() == 1);
    CHECK(r.at("incidents").as_array()[0].at("comment") == "closed by hand");
    CHECK(f.has_record(id, "incident_resolved"));
  }
}

TEST_CASE("a tick with one failing timer among good ones fires the others once") {
  Flow f;
  // The share is total / parts: an instance started with parts 0 fails.
  f.define(
      R"({"id": "ratio", "context": {"total": 100, "parts": 1}, "initial": "wait",
    "states": {
      "wait": {"after": [{"delay": "PT1H", "target": "split",
                          "actions": [{"assign": {"share": "context.total / context.parts"}},
                                      {"emit": {"type": "sms", "text": "{{ key }}"}}]}]},
      "split": {}}})");
  std::vector<int64_t> ids;
  for (const char* key : {"a", "b", "c"}) {
    json::object p{{"definition", "ratio"}, {"key", key}};
    if (std::string(key) == "b") p["context"] = {{"parts", 0}};
    ids.push_back(f.call("workflow.start", p).at("instance").as_int64());
  }
  const auto tick = f.call("workflow.tick", json::object{{"now", "2026-11-23T11:00:00+03:00"}});
  CHECK(tick.at("fired") == 2);
  CHECK(tick.at("failed") == 1);
  CHECK(tick.at("effects") == 2);  // the attempt that was undone left none behind
  CHECK(f.states(ids[0]) == json::array{"split"});
  CHECK(f.states(ids[1]) == json::array{"wait"});
  CHECK(f.states(ids[2]) == json::array{"split"});
  CHECK(f.get(ids[0]).at("context").at("share") == 100);
  CHECK(f.call("effects.fetch", R"({})").at("effects").as_array().size() == 2);
  const auto open = f.call("workflow.incidents", R"({})").at("incidents").as_array();
  REQUIRE(open.size() == 1);
  CHECK(open[0].at("instance") == ids[1]);
  // Each fired instance entered "split" once: the undone attempt left no history.
  for (int64_t id : {ids[0], ids[2]}) {
    int entered = 0;
    const json::object history = f.call("workflow.history", json::object{{"instance", id}});
    for (const auto& r : history.at("records").as_array())
      if (r.at("kind") == "enter" && r.at("state") == "split") ++entered;
    CHECK(entered == 1);
  }
  // Nothing is left due.
  CHECK(f.call("workflow.tick", json::object{{"now", "2026-11-23T12:00:00+03:00"}}).at("fired") ==
        0);
}

TEST_CASE("workflow.instances lists by definition, version and current state") {
  Flow f;
  f.define(kReviewV1);
  const int64_t a = start(f, "doc:1");
  const int64_t b = start(f, "doc:2");
  send(f, b, "submit");
  f.define(kReviewV2);
  const int64_t c = start(f, "doc:3");
  auto ids = [&](const char* params) {
    std::vector<int64_t> out;
    const auto listed = f.call("workflow.instances", params);
    for (const auto& i : listed.at("instances").as_array())
      out.push_back(i.at("instance").as_int64());
    return out;
  };
  CHECK(ids(R"({"definition": "review"})") == std::vector<int64_t>{a, b, c});
  CHECK(ids(R"({"definition": "review", "version": 1})") == std::vector<int64_t>{a, b});
  CHECK(ids(R"({"state": "review"})") == std::vector<int64_t>{b});
  CHECK(ids(R"({"after": 1, "limit": 1})") == std::vector<int64_t>{b});
  send(f, b, "approve");
  CHECK(ids(R"({"status": "done"})") == std::vector<int64_t>{b});
}

TEST_CASE("workflow.send_many applies each event alone: one that fails is undone and answered") {
  Flow f;
  f.define(kReviewV1);
  f.define(R"({"id": "spin", "initial": "a", "states": {
    "a": {"on": {"go": "b"}}, "b": {"always": "c"}, "c": {"always": "b"}}})");
  const int64_t a = start(f, "doc:1");
  const int64_t b = start(f, "doc:2");
  const int64_t spin =
      f.call("workflow.start", R"({"definition": "spin", "key": "k"})").at("instance").as_int64();
  const auto out = f.call(
      "workflow.send_many",
      json::object{{"events", json::array{
                                  {{"instance", a}, {"event", "submit"}, {"event_id", "e1"}},
                                  {{"instance", spin}, {"event", "go"}},  // an eventless loop
                                  {{"instance", 999}, {"event", "submit"}},
                                  {{"definition", "review"}, {"key", "doc:2"}, {"event", "submit"}},
                                  {{"instance", a}, {"event", "submit"}, {"event_id", "e1"}},
                                  {{"instance", b}, {"event", "nonsense"}},
                              }}});
  const auto& r = out.at("results").as_array();
  REQUIRE(r.size() == 6);
  CHECK(r[0].at("accepted") == true);
  CHECK(r[0].at("states") == json::array{"review"});
  CHECK(r[1].at("error").at("code") == static_cast<int>(ErrorCode::state));
  CHECK(r[2].at("error").at("code") == static_cast<int>(ErrorCode::not_found));
  CHECK(r[2].at("error").at("errors").as_array()[0].at("field") == "instance");
  CHECK(r[3].at("instance") == b);
  CHECK(r[4].at("duplicate") == true);
  CHECK(r[5].at("accepted") == false);
  CHECK(out.at("accepted") == 3);  // the duplicate repeats its first, accepted answer
  CHECK(out.at("duplicates") == 1);
  CHECK(out.at("failed") == 2);
  CHECK(f.states(a) == json::array{"review"});
  CHECK(f.states(b) == json::array{"review"});
  CHECK(f.states(spin) == json::array{"a"});
  CHECK(f.get(spin).at("seq") == 1);
}

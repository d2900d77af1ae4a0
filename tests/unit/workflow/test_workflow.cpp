// The workflow module through Database::call: definitions checked with every
// mistake listed, instances per business key, events and their dedup, the
// statechart's semantics (compound, parallel, final, eventless, raise),
// timers in calendar and working time, the effects outbox and the history.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "workflow/workflow_fixture.hpp"

namespace {

using namespace opora::test::wf;
using opora::Error;
using opora::ErrorCode;
using opora::test::error_of;

// Seed 001's document approval, simplified: review with an approve/reject
// loop, a counter of iterations, an SMS on approval.
const char* const kApproval = R"({
  "id": "doc_approval", "title": "Согласование документа",
  "context": {"iteration": 0, "phone": "+79000000001"},
  "initial": "draft",
  "states": {
    "draft": {"on": {"submit": "review"}},
    "review": {
      "entry": [{"assign": {"iteration": "context.iteration + 1"}}],
      "on": {
        "approve": {"target": "approved", "actions": [
          {"emit": {"type": "sms", "to": "{{ context.phone }}", "text": "Документ согласован с {{ context.iteration }}-й попытки"}}]},
        "reject": {"target": "rework", "guard": "len(event.data.comment) > 0"}
      },
      "after": [{"working_days": 2, "target": "escalated"}]
    },
    "rework": {"on": {"submit": "review"}},
    "escalated": {"entry": [{"emit": {"type": "task", "title": "Согласование просрочено"}}],
                  "on": {"approve": "approved"}},
    "approved": {"type": "final"}
  }
})";

}  // namespace

TEST_CASE("a definition with mistakes is refused with every mistake and its path") {
  Flow f;
  const Error e = error_of([&] {
    f.define(R"({"id": "broken", "initial": "a", "states": {
      "a": {"on": {"go": "nowhere", "bad": {"target": "b", "guard": "context.x >"}}},
      "b": {"after": [{"delay": "P1M", "target": "a"}]},
      "lonely": {}
    }})");
  });
  CHECK(e.code() == ErrorCode::validation);
  std::string all;
  for (const auto& fe : e.field_errors()) all += fe.field + " " + fe.rule + "\n";
  CAPTURE(all);
  CHECK(all.find("states.a.on.go.target unknown_state") != std::string::npos);
  CHECK(all.find("states.a.on.bad.guard") != std::string::npos);
  CHECK(all.find("states.b.after[0].delay duration") != std::string::npos);
  CHECK(e.field_errors().size() >= 3);
}

TEST_CASE("unreachable states are refused") {
  Flow f;
  const Error e = error_of([&] {
    f.define(
        R"({"id": "island", "initial": "a", "states": {"a": {"on": {"x": "b"}}, "b": {}, "c": {}}})");
  });
  REQUIRE(e.field_errors().size() == 1);
  CHECK(e.field_errors()[0].field == "states.c");
  CHECK(e.field_errors()[0].rule == "unreachable");
}

TEST_CASE("an identical definition is the same version and a changed one is the next") {
  Flow f;
  const auto v1 = f.call("workflow.define", json::object{{"definition", json::parse(kApproval)}});
  CHECK(v1.at("version") == 1);
  CHECK(v1.at("created") == true);
  const auto again =
      f.call("workflow.define", json::object{{"definition", json::parse(kApproval)}});
  CHECK(again.at("version") == 1);
  CHECK(again.at("created") == false);
  json::object changed = json::parse(kApproval).as_object();
  changed["title"] = "Согласование v2";
  CHECK(f.call("workflow.define", json::object{{"definition", changed}}).at("version") == 2);
}

TEST_CASE("one live instance per business key: a repeated start returns it") {
  Flow f;
  f.define(kApproval);
  const auto a =
      f.call("workflow.start", R"({"definition": "doc_approval", "key": "bitrix24:deal:42"})");
  const auto b =
      f.call("workflow.start", R"({"definition": "doc_approval", "key": "bitrix24:deal:42"})");
  CHECK(a.at("existing") == false);
  CHECK(b.at("existing") == true);
  CHECK(a.at("instance") == b.at("instance"));
  CHECK(f.states(a) == json::array{"draft"});
  const auto other =
      f.call("workflow.start", R"({"definition": "doc_approval", "key": "bitrix24:deal:43"})");
  CHECK(other.at("instance") != a.at("instance"));
}

TEST_CASE("the approval loop counts iterations, requires a comment to reject, emits on approval") {
  Flow f;
  f.define(kApproval);
  const int64_t id = f.call("workflow.start", R"({"definition": "doc_approval", "key": "doc:1"})")
                         .at("instance")
                         .as_int64();
  auto send = [&](const char* event, json::object data = {}) {
    return f.call("workflow.send",
                  json::object{{"instance", id}, {"event", event}, {"data", std::move(data)}});
  };
  CHECK(f.states(send("submit")) == json::array{"review"});
  // reject without a comment: the guard holds it, the event is recorded as ignored
  const auto refused = send("reject", {{"comment", ""}});
  CHECK(refused.at("accepted") == false);
  CHECK(f.states(refused) == json::array{"review"});
  CHECK(f.states(send("reject", {{"comment", "нет подписи"}})) == json::array{"rework"});
  const auto second = send("submit");
  CHECK(second.at("context").at("iteration") == 2);
  const auto done = send("approve");
  CHECK(done.at("status") == "done");
  CHECK(done.at("effects") == 1);
  const auto fetched = f.call("effects.fetch", R"({})");
  REQUIRE(fetched.at("effects").as_array().size() == 1);
  const auto& effect = fetched.at("effects").as_array()[0].as_object();
  CHECK(effect.at("type") == "sms");
  CHECK(effect.at("payload").at("text") == "Документ согласован с 2-й попытки");
  CHECK(effect.at("payload").at("to") == "+79000000001");
  CHECK(!effect.at("idempotency_key").as_string().empty());
  // a done instance ignores events, and says so
  CHECK(send("submit").at("accepted") == false);
}

TEST_CASE("an event id is accepted once: a repeat returns the first answer") {
  Flow f;
  f.define(kApproval);
  const int64_t id = f.call("workflow.start", R"({"definition": "doc_approval", "key": "doc:2"})")
                         .at("instance")
                         .as_int64();
  const auto first = f.call(
      "workflow.send", json::object{{"instance", id}, {"event", "submit"}, {"event_id", "crm-77"}});
  const auto again = f.call(
      "workflow.send", json::object{{"instance", id}, {"event", "submit"}, {"event_id", "crm-77"}});
  CHECK(first.at("duplicate") == false);
  CHECK(again.at("duplicate") == true);
  CHECK(again.at("seq") == first.at("seq"));
  CHECK(f.call("workflow.get", json::object{{"instance", id}}).at("seq") == first.at("seq"));
}

TEST_CASE("events reach an instance by definition and business key") {
  Flow f;
  f.define(kApproval);
  f.call("workflow.start", R"({"definition": "doc_approval", "key": "bitrix24:deal:9"})");
  const auto r =
      f.call("workflow.send",
             R"({"definition": "doc_approval", "key": "bitrix24:deal:9", "event": "submit"})");
  CHECK(f.states(r) == json::array{"review"});
  CHECK(opora::test::code_of([&] {
          f.call("workflow.send", R"({"key": "bitrix24:deal:404", "event": "submit"})");
        }) == ErrorCode::not_found);
}

TEST_CASE("a working-day timer is due on the Russian calendar and fires once") {
  Flow f;
  f.define(kApproval);
  // Friday 2025-12-26 + 2 working days = 2025-12-30 (the New Year holidays come after).
  f.call("clock.set", R"({"now": "2025-12-26T10:00:00+03:00"})");
  const int64_t id = f.call("workflow.start", R"({"definition": "doc_approval", "key": "doc:3"})")
                         .at("instance")
                         .as_int64();
  const auto in_review =
      f.call("workflow.send", json::object{{"instance", id}, {"event", "submit"}});
  REQUIRE(in_review.at("timers").as_array().size() == 1);
  CHECK(in_review.at("timers").as_array()[0].at("due") == "2025-12-30T07:00:00Z");
  CHECK(f.call("workflow.tick", R"({"now": "2025-12-30T06:59:59Z"})").at("fired") == 0);
  CHECK(f.call("workflow.tick", R"({"now": "2025-12-30T07:00:00Z"})").at("fired") == 1);
  CHECK(f.call("workflow.tick", R"({"now": "2026-01-20T00:00:00Z"})").at("fired") == 0);
  const auto after = f.call("workflow.get", json::object{{"instance", id}});
  CHECK(f.states(after) == json::array{"escalated"});
  CHECK(f.has_record(id, "timer_armed"));
}

TEST_CASE("leaving a state drops its timer, so it never fires") {
  Flow f;
  f.define(kApproval);
  const int64_t id = f.call("workflow.start", R"({"definition": "doc_approval", "key": "doc:4"})")
                         .at("instance")
                         .as_int64();
  f.call("workflow.send", json::object{{"instance", id}, {"event", "submit"}});
  const auto r = f.call("workflow.send", json::object{{"instance", id}, {"event", "approve"}});
  CHECK(r.at("timers").as_array().empty());
  CHECK(f.call("workflow.tick", R"({"now": "2027-01-01T00:00:00Z"})").at("fired") == 0);
}

TEST_CASE("parallel regions join when both reach their final states") {
  Flow f;
  f.define(R"({"id": "closing", "initial": "work", "states": {
    "work": {"type": "parallel", "states": {
      "report": {"initial": "writing", "states": {"writing": {"on": {"report_done": "report_ok"}}, "report_ok": {"type": "final"}}},
      "act": {"initial": "sending", "states": {"sending": {"on": {"act_signed": "act_ok"}}, "act_ok": {"type": "final"}}}
    }, "on": {"done.state.work": "closed", "cancel": "cancelled"}},
    "closed": {"type": "final"},
    "cancelled": {"type": "final"}
  }})");
  const int64_t id = f.call("workflow.start", R"({"definition": "closing", "key": "deal:1"})")
                         .at("instance")
                         .as_int64();
  auto send = [&](const char* e) {
    return f.call("workflow.send", json::object{{"instance", id}, {"event", e}});
  };
  const auto both = f.call("workflow.get", json::object{{"instance", id}});
  CHECK(f.states(both) == json::array{"writing", "sending"});
  CHECK(f.states(send("act_signed")) == json::array{"writing", "act_ok"});
  const auto done = send("report_done");
  CHECK(done.at("status") == "done");
  CHECK(f.states(done) == json::array{"closed"});
}

TEST_CASE("a parent's transition exits every region; a child's transition wins over its parent's") {
  Flow f;
  f.define(R"({"id": "nest", "initial": "outer", "states": {
    "outer": {"initial": "inner", "on": {"go": "other"}, "states": {
      "inner": {"on": {"go": "inner2"}}, "inner2": {}}},
    "other": {}
  }})");
  const int64_t id =
      f.call("workflow.start", R"({"definition": "nest", "key": "k"})").at("instance").as_int64();
  const auto r = f.call("workflow.send", json::object{{"instance", id}, {"event", "go"}});
  CHECK(f.states(r) == json::array{"inner2"});
  const auto r2 = f.call("workflow.send", json::object{{"instance", id}, {"event", "go"}});
  CHECK(f.states(r2) == json::array{"other"});
}

TEST_CASE("eventless transitions and raised events run within one step") {
  Flow f;
  f.define(R"({"id": "auto", "initial": "a", "context": {"n": 0}, "states": {
    "a": {"on": {"go": {"target": "b", "actions": [{"raise": "next"}]}}},
    "b": {"always": [{"target": "c", "guard": "context.n == 0", "actions": [{"assign": {"n": "context.n + 1"}}]}]},
    "c": {"on": {"next": "d"}},
    "d": {"type": "final"}
  }})");
  const int64_t id =
      f.call("workflow.start", R"({"definition": "auto", "key": "k"})").at("instance").as_int64();
  const auto r = f.call("workflow.send", json::object{{"instance", id}, {"event", "go"}});
  CHECK(r.at("status") == "done");
  CHECK(r.at("context").at("n") == 1);
}

TEST_CASE("an eventless loop stops at the step budget instead of hanging, and changes nothing") {
  Flow f;
  f.define(R"({"id": "spin", "initial": "a", "states": {
    "a": {"on": {"go": "b"}}, "b": {"always": "c"}, "c": {"always": "b"}}})");
  const int64_t id =
      f.call("workflow.start", R"({"definition": "spin", "key": "k"})").at("instance").as_int64();
  CHECK(opora::test::code_of([&] {
          f.call("workflow.send", json::object{{"instance", id}, {"event", "go"}});
        }) == ErrorCode::state);
  CHECK(f.states(f.call("workflow.get", json::object{{"instance", id}})) == json::array{"a"});
}

TEST_CASE("an effect is offered again until acknowledged, and a failure is an incident") {
  Flow f;
  f.define(kApproval);
  const int64_t id = f.call("workflow.start", R"({"definition": "doc_approval", "key": "doc:5"})")
                         .at("instance")
                         .as_int64();
  f.call("workflow.send", json::object{{"instance", id}, {"event", "submit"}});
  f.call("workflow.send", json::object{{"instance", id}, {"event", "approve"}});
  const auto first = f.call("effects.fetch", R"({"lease_seconds": 60})");
  REQUIRE(first.at("effects").as_array().size() == 1);
  const int64_t effect = first.at("effects").as_array()[0].at("id").as_int64();
  CHECK(f.call("effects.fetch", R"({})").at("effects").as_array().empty());  // leased
  f.call("clock.set", R"({"now": "2026-11-23T09:05:00+03:00"})");
  const auto again = f.call("effects.fetch", R"({})");
  REQUIRE(again.at("effects").as_array().size() == 1);
  CHECK(again.at("effects").as_array()[0].at("attempt") == 2);
  f.call("effects.ack",
         json::object{{"id", effect}, {"result", "failed"}, {"error", "SMS gateway down"}});
  CHECK(f.has_record(id, "incident"));
  CHECK(f.call("effects.ack", json::object{{"effect", effect}, {"result", "failed"}})
            .at("repeated") == true);
  f.call("clock.set", R"({"now": "2026-11-23T10:00:00+03:00"})");
  CHECK(f.call("effects.fetch", R"({})").at("effects").as_array().empty());
}

namespace {

// Seed 001: an approval task for the head of department with a 2-working-day
// deadline; reject needs a comment and loops back to rework; approval opens
// the signing task.
const char* const kApprovalTasks = R"({
  "id": "contract_approval", "context": {"manager": "ivanov", "head": "petrova"},
  "initial": "review",
  "states": {
    "review": {
      "entry": [{"approval": {"name": "approve_contract", "title": "Согласовать договор {{ key }}",
                              "assignee": "{{ context.head }}", "deadline": {"working_days": 2}}}],
      "on": {"task.approve_contract.approve": "signing",
             "task.approve_contract.reject": "rework",
             "task.approve_contract.overdue": {"actions": [{"emit": {"type": "notify", "to": "{{ context.head }}", "text": "Просрочено согласование"}}]}}
    },
    "rework": {
      "entry": [{"task": {"name": "fix_contract", "title": "Исправить: {{ context.tasks.approve_contract.comment }}",
                          "assignee": "{{ context.manager }}"}}],
      "on": {"task.fix_contract.done": "review"}
    },
    "signing": {"type": "final"}
  }
})";

}  // namespace

TEST_CASE("an approval task loops back to rework with its comment and counts iterations") {
  Flow f;
  f.define(kApprovalTasks);
  f.call("workflow.start", R"({"definition": "contract_approval", "key": "bitrix24:deal:42"})");
  auto open_task = [&](const char* assignee) {
    const auto t = f.call("workflow.tasks", json::object{{"assignee", assignee}});
    REQUIRE(t.at("tasks").as_array().size() == 1);
    return t.at("tasks").as_array()[0].as_object();
  };
  const auto approval = open_task("petrova");
  CHECK(approval.at("title") == "Согласовать договор bitrix24:deal:42");
  CHECK(approval.at("approval") == true);
  CHECK(approval.at("iteration") == 1);
  CHECK(approval.at("due") == "2026-11-25T06:00:00Z");  // two working days, same time
  // reject without a comment is refused; nothing changes
  const Error no_comment = error_of([&] {
    f.call("workflow.task.complete",
           json::object{{"task", approval.at("task")}, {"outcome", "reject"}});
  });
  CHECK(no_comment.code() == ErrorCode::validation);
  CHECK(no_comment.field_errors()[0].field == "comment");
  const Error wrong = error_of([&] {
    f.call("workflow.task.complete",
           json::object{{"task", approval.at("task")}, {"outcome", "maybe"}});
  });
  CHECK(wrong.field_errors()[0].field == "outcome");
  const auto rejected = f.call("workflow.task.complete", json::object{{"task", approval.at("task")},
                                                                      {"outcome", "reject"},
                                                                      {"comment", "нет реквизитов"},
                                                                      {"actor", "petrova"}});
  CHECK(f.states(rejected) == json::array{"rework"});
  // the same task cannot be completed twice
  CHECK(opora::test::code_of([&] {
          f.call("workflow.task.complete",
                 json::object{{"task", approval.at("task")}, {"outcome", "approve"}});
        }) == ErrorCode::state);
  const auto fix = open_task("ivanov");
  CHECK(fix.at("title") == "Исправить: нет реквизитов");
  f.call("workflow.task.complete", json::object{{"task", fix.at("task")}, {"outcome", "done"}});
  const auto second = open_task("petrova");
  CHECK(second.at("iteration") == 2);
  const auto approved = f.call("workflow.task.complete",
                               json::object{{"task", second.at("task")}, {"outcome", "approve"}});
  CHECK(approved.at("status") == "done");
  CHECK(f.call("workflow.tasks", R"({})").at("tasks").as_array().empty());
}

TEST_CASE("a task deadline fires once as task.<name>.overdue and overdue tasks come first") {
  Flow f;
  f.define(kApprovalTasks);
  const int64_t a =
      f.call("workflow.start", R"({"definition": "contract_approval", "key": "deal:1"})")
          .at("instance")
          .as_int64();
  f.call("clock.set", R"({"now": "2026-11-24T09:00:00+03:00"})");
  f.call("workflow.start", R"({"definition": "contract_approval", "key": "deal:2"})");
  CHECK(f.call("workflow.tick", R"({"now": "2026-11-25T06:00:00Z"})").at("fired") == 1);
  f.call("clock.set", R"({"now": "2026-11-25T09:30:00+03:00"})");
  const auto list = f.call("workflow.tasks", R"({"assignee": "petrova"})").at("tasks").as_array();
  REQUIRE(list.size() == 2);
  CHECK(list[0].at("instance") == a);
  CHECK(list[0].at("overdue") == true);
  CHECK(list[1].at("overdue") == false);
  const auto fx = f.call("effects.fetch", R"({})").at("effects").as_array();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("type") == "notify");
}

TEST_CASE("leaving a state cancels its open tasks") {
  Flow f;
  f.define(R"({"id": "t", "initial": "a", "states": {
    "a": {"entry": [{"task": {"name": "call", "title": "Позвонить", "assignee": "x"}}], "on": {"skip": "b"}},
    "b": {}}})");
  const int64_t id =
      f.call("workflow.start", R"({"definition": "t", "key": "k"})").at("instance").as_int64();
  const int64_t task = f.call("workflow.tasks", R"({"assignee": "x"})")
                           .at("tasks")
                           .as_array()[0]
                           .at("task")
                           .as_int64();
  f.call("workflow.send", json::object{{"instance", id}, {"event", "skip"}});
  CHECK(f.call("workflow.tasks", R"({"assignee": "x"})").at("tasks").as_array().empty());
  CHECK(opora::test::code_of([&] {
          f.call("workflow.task.complete", json::object{{"task", task}, {"outcome", "done"}});
        }) == ErrorCode::state);
}

namespace {

// Seed 001: the deal reaching stage PAID starts service control; seed 000:
// a payment posted by billing is routed to the process waiting for it, and a
// payment that arrives before the process waits is kept for an hour.
const char* const kServiceControl = R"({
  "id": "service_control", "context": {"stage": null},
  "triggers": [
    {"event": "deal.stage_changed", "when": "event.data.stage == 'PAID'", "start": true},
    {"event": "billing.payment_posted", "send_as": "paid", "buffer": "PT1H"}
  ],
  "initial": "preparing",
  "states": {
    "preparing": {"on": {"ready": "waiting_payment"}},
    "waiting_payment": {"on": {"paid": "installing"}},
    "installing": {"type": "final"}
  }
})";

}  // namespace

TEST_CASE("a domain event starts an instance when its trigger holds, once per key") {
  Flow f;
  f.define(kServiceControl);
  auto post = [&](const char* stage, const char* id) {
    return f.call("events.post", json::object{{"type", "deal.stage_changed"},
                                              {"key", "bitrix24:deal:42"},
                                              {"data", json::object{{"stage", stage}}},
                                              {"event_id", id}});
  };
  CHECK(post("NEW", "e1").at("started").as_array().empty());
  const auto paid = post("PAID", "e2");
  REQUIRE(paid.at("started").as_array().size() == 1);
  CHECK(paid.at("started").as_array()[0].at("existing") == false);
  const auto again = post("PAID", "e3");
  CHECK(again.at("started").as_array()[0].at("existing") == true);
  const auto dup = post("PAID", "e2");
  CHECK(dup.at("duplicate") == true);
  const int64_t id = paid.at("started").as_array()[0].at("instance").as_int64();
  CHECK(f.call("workflow.get", json::object{{"instance", id}}).at("context").at("stage") == "PAID");
}

TEST_CASE(
    "a routed event that comes early waits in the buffer and is delivered when the instance is "
    "ready") {
  Flow f;
  f.define(kServiceControl);
  const auto started =
      f.call("events.post",
             R"({"type": "deal.stage_changed", "key": "deal:7", "data": {"stage": "PAID"}})");
  const int64_t id = started.at("started").as_array()[0].at("instance").as_int64();
  // the payment arrives while the instance is still preparing
  const auto early = f.call(
      "events.post",
      R"({"type": "billing.payment_posted", "key": "deal:7", "data": {"amount": "499.00"}})");
  CHECK(early.at("buffered") == 1);
  CHECK(early.at("delivered").as_array()[0].at("accepted") == false);
  const auto ready = f.call("workflow.send", json::object{{"instance", id}, {"event", "ready"}});
  CHECK(ready.at("status") == "done");
  CHECK(f.states(ready) == json::array{"installing"});
}

TEST_CASE("a buffered event expires and is never delivered late") {
  Flow f;
  f.define(kServiceControl);
  const auto started =
      f.call("events.post",
             R"({"type": "deal.stage_changed", "key": "deal:8", "data": {"stage": "PAID"}})");
  const int64_t id = started.at("started").as_array()[0].at("instance").as_int64();
  f.call("events.post", R"({"type": "billing.payment_posted", "key": "deal:8"})");
  f.call("clock.set", R"({"now": "2026-11-23T10:30:00+03:00"})");  // 90 minutes later
  const auto ready = f.call("workflow.send", json::object{{"instance", id}, {"event", "ready"}});
  CHECK(f.states(ready) == json::array{"waiting_payment"});
}

TEST_CASE("a trigger must either start or route") {
  Flow f;
  const Error e = error_of([&] {
    f.define(
        R"({"id": "x", "triggers": [{"event": "a"}, {"event": "b", "start": true, "send_as": "b"}],
                 "initial": "s", "states": {"s": {}}})");
  });
  CHECK(e.field_errors().size() == 2);
  CHECK(e.field_errors()[0].field == "triggers[0]");
}

TEST_CASE("workflow.export draws a stored definition with its live instances per state") {
  Flow f;
  f.define(kApproval);
  f.call("workflow.start", R"({"definition": "doc_approval", "key": "doc:1"})");
  f.call("workflow.start", R"({"definition": "doc_approval", "key": "doc:2"})");
  const auto svg = f.call("workflow.export", R"({"definition": "doc_approval"})");
  const std::string text(svg.at("text").as_string());
  CHECK(text.rfind("<svg", 0) == 0);
  CHECK(text.find("data-state=\"draft\"") != std::string::npos);
  CHECK(text.find(">2<") != std::string::npos);  // two instances in draft
  const auto mermaid =
      f.call("workflow.export", R"({"definition": "doc_approval", "format": "mermaid"})");
  CHECK(std::string(mermaid.at("text").as_string()).find("stateDiagram-v2") != std::string::npos);
  CHECK(opora::test::code_of([&] { f.call("workflow.export", R"({"definition": "nope"})"); }) ==
        ErrorCode::not_found);
}

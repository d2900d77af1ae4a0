// What a definition author controls about the effects a process hands out and
// the calendar it counts on: every member of an emit written as a template is
// required unless the emit lists it in "optional", and an effect whose
// required member comes out empty becomes an incident instead of a message;
// a calendar written as a template is the instance's own.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "workflow/workflow_fixture.hpp"

namespace {

using namespace opora::test::wf;
using opora::Error;
using opora::ErrorCode;
using opora::test::error_of;

const char* const kNotice = R"({
  "id": "notice", "initial": "start",
  "context": {"phone": null, "name": null, "note": null},
  "states": {
    "start": {"entry": [{"emit": {"type": "sms", "to": "{{ context.phone }}",
                                  "text": "Здравствуйте, {{ context.name }}!",
                                  "note": "{{ context.note }}", "optional": ["note"],
                                  "channel": "", "priority": 1}}],
              "on": {"again": "start"}}}})";

json::array incidents(Flow& f) {
  return f.call("workflow.incidents", "{}").at("incidents").as_array();
}

}  // namespace

TEST_CASE("an effect with an empty required member is an incident, never a message") {
  Flow f;
  f.define(kNotice);
  const json::object started = f.call(
      "workflow.start", R"({"definition": "notice", "key": "k1", "context": {"name": "Анна"}})");
  CHECK(started.at("effects") == 0);
  CHECK(started.at("incidents") == 1);
  CHECK(f.effects().empty());
  const json::array open = incidents(f);
  REQUIRE(open.size() == 1);
  CHECK(open[0].at("kind") == "effect");
  CHECK(open[0].at("state") == "start");
  CHECK(open[0].at("message") == "effect sms not sent: to came out empty");
  // the process's history says what was missing
  const int64_t id = started.at("instance").as_int64();
  bool recorded = false;
  const json::object history = f.call("workflow.history", json::object{{"instance", id}});
  for (const auto& r : history.at("records").as_array())
    if (r.at("kind") == "effect") recorded = r.at("missing") == json::array{"to"};
  CHECK(recorded);
  // it cannot be offered to the host again as it is: resolve it
  const Error retry = error_of([&] {
    f.call("workflow.incident.retry", json::object{{"incident", open[0].at("incident")}});
  });
  CHECK(retry.code() == ErrorCode::state);
  REQUIRE(retry.field_errors().size() == 1);
  CHECK(retry.field_errors()[0].rule == "incomplete");
  f.call("workflow.incident.resolve",
         json::object{{"incident", open[0].at("incident")}, {"comment", "позвонили сами"}});
  CHECK(incidents(f).empty());
  CHECK(f.effects().empty());
}

TEST_CASE("optional members and constant members may be empty; the rest must not") {
  Flow f;
  f.define(kNotice);
  f.call(
      "workflow.start",
      R"({"definition": "notice", "key": "k1", "context": {"name": "Анна", "phone": "+79990000001"}})");
  auto fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("payload").at("to") == "+79990000001");
  CHECK(fx[0].at("payload").at("note") == "");
  CHECK(fx[0].at("payload").at("channel") == "");
  CHECK(fx[0].at("payload").at("priority") == 1);
  CHECK(!fx[0].at("payload").as_object().contains("optional"));
  CHECK(incidents(f).empty());
  // a template with text around an empty value is not empty: the author
  // decides what a message needs
  f.call("workflow.start",
         R"({"definition": "notice", "key": "k2", "context": {"phone": "+79990000002"}})");
  fx = f.effects();
  REQUIRE(fx.size() == 1);
  CHECK(fx[0].at("payload").at("text") == "Здравствуйте, !");
}

TEST_CASE("an emit's optional list names its own members") {
  Flow f;
  const Error e = error_of([&] {
    f.define(R"({"id": "bad", "initial": "a", "states": {"a": {"entry": [
      {"emit": {"type": "sms", "to": "{{ context.phone }}", "optional": ["phone", 7]}}]}}})");
  });
  CHECK(e.code() == ErrorCode::validation);
  REQUIRE(e.field_errors().size() == 2);
  CHECK(e.field_errors()[0].field == "states.a.entry[0].emit.optional[0]");
  CHECK(e.field_errors()[1].field == "states.a.entry[0].emit.optional[1]");
}

TEST_CASE("a calendar written as a template is each instance's own") {
  Flow f;  // Thursday 19 March 2026 (Nauryz in Kazakhstan: 21-25 March off)
  f.at("2026-03-19T10:00:00+03:00");
  f.define(R"({"id": "remind", "calendar": "{{ context.calendar }}", "initial": "wait",
    "context": {"calendar": "ru"},
    "states": {"wait": {"after": [{"working_days": 5, "target": "done"}]},
               "done": {"type": "final"}}})");
  const auto ru = f.call("workflow.start", R"({"definition": "remind", "key": "ru"})");
  const auto kz = f.call("workflow.start",
                         R"({"definition": "remind", "key": "kz", "context": {"calendar": "kz"}})");
  CHECK(ru.at("timers").as_array()[0].at("due") == "2026-03-26T07:00:00Z");
  CHECK(kz.at("timers").as_array()[0].at("due") == "2026-03-31T07:00:00Z");
  // a calendar nobody knows stops the step, with the id it got
  const Error e = error_of([&] {
    f.call("workflow.start",
           R"({"definition": "remind", "key": "mars", "context": {"calendar": "mars"}})");
  });
  CHECK(e.code() == ErrorCode::validation);
  CHECK(std::string(e.what()).find("no calendar \"mars\"") != std::string::npos);
}

// Shared by the workflow tests: a database with a manual clock at
// 2026-11-23 09:00 Moscow time and helpers to drive instances, tasks and
// events through Database::call, the path the C ABI takes.
#pragma once

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/database.hpp"
#include "test_support.hpp"

namespace opora::test::wf {

namespace json = boost::json;

inline json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

struct Flow {
  opora::engine::Database db{":memory:",
                             opora::engine::OpenOptions::parse(obj(
                                 R"({"clock": "manual", "now": "2026-11-23T09:00:00+03:00",
                                                 "utc_offset": "+03:00"})"))};
  json::object call(std::string_view method, std::string_view params) {
    return db.call(method, obj(params));
  }
  json::object call(std::string_view method, const json::object& params) {
    return db.call(method, params);
  }
  void install(const char* id) { call("workflow.install", json::object{{"definition", id}}); }
  void at(const char* now) { call("clock.set", json::object{{"now", now}}); }
  json::object post(const char* type, const char* key, json::object data) {
    return call("events.post",
                json::object{{"type", type}, {"key", key}, {"data", std::move(data)}});
  }
  int64_t started(const json::object& posted) {
    const auto& s = posted.at("started").as_array();
    REQUIRE(s.size() == 1);
    return s[0].at("instance").as_int64();
  }
  json::object get(int64_t instance) {
    return call("workflow.get", json::object{{"instance", instance}});
  }
  json::array states(int64_t instance) { return get(instance).at("states").as_array(); }
  std::string status(int64_t instance) {
    return std::string(get(instance).at("status").as_string());
  }
  // The one open task of an instance.
  json::object task(int64_t instance) {
    const auto t = call("workflow.tasks", json::object{{"instance", instance}});
    REQUIRE(t.at("tasks").as_array().size() == 1);
    return t.at("tasks").as_array()[0].as_object();
  }
  json::array open_tasks(int64_t instance) {
    return call("workflow.tasks", json::object{{"instance", instance}}).at("tasks").as_array();
  }
  json::object complete(const json::object& task, const char* outcome, const char* comment = "",
                        json::object data = {}) {
    return call("workflow.task.complete", json::object{{"task", task.at("task")},
                                                       {"outcome", outcome},
                                                       {"comment", comment},
                                                       {"data", std::move(data)},
                                                       {"actor", "tester"}});
  }
  int64_t tick(const char* now) {
    return call("workflow.tick", json::object{{"now", now}}).at("fired").as_int64();
  }
  // Everything in the outbox, acknowledged as done: [{type, payload}, ...].
  std::vector<json::object> effects() {
    std::vector<json::object> out;
    const auto f = call("effects.fetch", R"({"limit": 1000})");
    for (const auto& e : f.at("effects").as_array()) {
      out.push_back({{"type", e.at("type")}, {"payload", e.at("payload")}});
      call("effects.ack", json::object{{"effect", e.at("id")}, {"result", "done"}});
    }
    return out;
  }
  std::vector<std::string> types(const std::vector<json::object>& effects) {
    std::vector<std::string> out;
    for (const auto& e : effects) out.emplace_back(e.at("type").as_string());
    return out;
  }
  void define(std::string_view definition) {
    call("workflow.define", json::object{{"definition", json::parse(definition)}});
  }
  json::array states(const json::object& instance) { return instance.at("states").as_array(); }
  bool has_record(int64_t instance, const std::string& kind) {
    const auto h = call("workflow.history", json::object{{"instance", instance}});
    for (const auto& r : h.at("records").as_array())
      if (r.at("kind") == kind.c_str()) return true;
    return false;
  }
};

}  // namespace opora::test::wf

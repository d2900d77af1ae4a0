// workflow.shipped and workflow.install: the definitions that ship inside the
// library (data/workflows), listed and installed by id.
#include <boost/json.hpp>

#include "core/json_text.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "workflow/shipped.hpp"
#include "workflow/workflow.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

// States at every level of nesting, as workflow.define counts them.
int64_t count_states(const json::object& states) {
  int64_t n = 0;
  for (const auto& kv : states) {
    ++n;
    if (const auto* s = kv.value().if_object())
      if (const auto* children = s->if_contains("states"); children && children->is_object())
        n += count_states(children->get_object());
  }
  return n;
}

}  // namespace

void register_workflow_shipped_methods(MethodTable& t) {
  t.add(
      "workflow.shipped",
      "The workflow definitions shipped with the library (seeds 000, 001, 004), ready for "
      "workflow.install.",
      R"~({"type": "object", "properties": {}})~",
      R"~({"type": "object", "properties": {"definitions": {"type": "array", "items": {"type": "object", "properties": {
          "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
          "states": {"type": "integer", "description": "states at every level"}}}}}})~",
      false, [](Database&, const Params&) {
        json::array out;
        for (const auto& id : workflow::shipped_ids()) {
          const json::object& body = workflow::shipped_definition(id);
          int64_t states = 0;
          if (const auto* s = body.if_contains("states"); s && s->is_object())
            states = count_states(s->get_object());
          out.push_back({{"id", id},
                         {"title", text_of(body, "title")},
                         {"description", text_of(body, "description")},
                         {"states", states}});
        }
        return json::object{{"definitions", std::move(out)}};
      });
  t.add(
      "workflow.install",
      "Stores a shipped definition as workflow.define would; installing the same body again "
      "returns the same version.",
      R"~({"type": "object", "required": ["definition"], "properties": {
          "definition": {"type": "string", "minLength": 1, "description": "one of workflow.shipped"},
          "id": {"x-alias-of": "definition"}}})~",
      R"~({"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
          "created": {"type": "boolean"}, "states": {"type": "integer"}}})~",
      true, [](Database& db, const Params& p) {
        const json::object& body = workflow::shipped_definition(p.str("definition"));
        return db.workflow().define(json::object{{"definition", body}}, db.workflow_clocks());
      });
}

}  // namespace opora::engine

// workflow.* and effects.*: definitions, instances, events, timers, history
// and the outbox of effects the host carries out.
#include <boost/json.hpp>

#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "engine/schema.hpp"
#include "workflow/workflow.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

const char* kInstance = R"~({"type": "object", "properties": {
  "instance": {"type": "integer"}, "definition": {"type": "string"}, "version": {"type": "integer"},
  "key": {"type": "string"}, "status": {"type": "string", "description": "active or done"},
  "states": {"type": "array", "items": {"type": "string"}, "description": "the active leaf states"},
  "context": {"type": "object", "additionalProperties": true, "description": "the instance's data, as its definition keeps it"},
  "seq": {"type": "integer", "description": "the instance's version, one per step"},
  "timers": {"type": "array", "items": {"type": "object", "properties": {
    "state": {"type": "string"}, "timer": {"type": "string"}, "due": {"type": "string", "format": "date-time"}}}},
  "accepted": {"type": "boolean", "description": "workflow.send: the event took a transition"},
  "duplicate": {"type": "boolean", "description": "workflow.send: an event_id seen before; the first answer"},
  "existing": {"type": "boolean", "description": "workflow.start: the live instance of this key"},
  "effects": {"type": "integer", "description": "effects this step wrote to the outbox"},
  "incidents": {"type": "integer", "description": "effects of this step held back as incidents (an empty required member)"},
  "task": {"type": "object", "description": "workflow.task.complete: what was recorded", "properties": {
    "task": {"type": "integer"}, "name": {"type": "string"}, "outcome": {"type": "string"},
    "comment": {"type": "string"}, "actor": {"type": "string"}, "iteration": {"type": "integer"},
    "data": {"type": "object", "additionalProperties": true}}},
  "migrated": {"type": "object", "description": "workflow.migrate: the versions", "properties": {
    "from_version": {"type": "integer"}, "to_version": {"type": "integer"}}}}})~";

const char* kDefinitions =
    R"~({"type": "object", "properties": {"definitions": {"type": "array", "items": {
  "type": "object", "properties": {"id": {"type": "string"},
  "version": {"type": "integer", "description": "the latest"}, "versions": {"type": "integer"}}}}}})~";

// Any JSON value, handed back as it was given or computed.
const char* kAnyValue =
    R"~({"type": ["string", "integer", "number", "boolean", "object", "array", "null"], "x-verbatim": true})~";

// One history record: what a step did. "kind" says which; the other fields
// are those of its kind (a newer library may add kinds and fields).
const std::string kHistoryRecord =
    std::string(R"~({"type": "object", "additionalProperties": true, "properties": {
  "kind": {"type": "string", "description": "start, event, transition, exit, enter, done, assign, effect, raise, task_opened, task_cancelled, timer_armed, ignored, guard_error, migrated, incident, incident_retried, incident_resolved, ..."},
  "id": {"type": "integer", "description": "the step's row; pass as after to read on"},
  "n": {"type": "integer", "description": "the record's place within its step"},
  "seq": {"type": "integer", "description": "the instance's seq after the step"},
  "at": {"type": "string", "format": "date-time"},
  "state": {"type": ["string", "null"]}, "event": {"type": ["string", "null"]},
  "data": )~") +
    kAnyValue + R"~(, "value": )~" + kAnyValue + R"~(,
  "payload": {"type": "object", "additionalProperties": true},
  "from": {"type": "string", "description": "transition: the source state"},
  "to": {"type": ["string", "null"], "description": "transition: the target state; null: targetless"},
  "due": {"type": ["string", "null"], "format": "date-time"},
  "key": {"type": "string"}, "timer": {"type": "string"}, "task": {"type": "string"},
  "title": {"type": "string"}, "assignee": {"type": "string"}, "path": {"type": "string"},
  "type": {"type": "string"}, "guard": {"type": "string"}, "message": {"type": "string"},
  "reason": {"type": "string"}, "actor": {"type": "string"}, "comment": {"type": "string"},
  "incident": {"type": "integer"},
  "from_version": {"type": "integer"}, "to_version": {"type": "integer"},
  "state_map": {"type": "object", "additionalProperties": {"type": "string"}},
  "states_before": {"type": "array", "items": {"type": "string"}},
  "states_after": {"type": "array", "items": {"type": "string"}}}})~";

// An effect in the outbox. Its payload is what the definition (or the dunning
// stage) put there; fields opora itself fills, and the money and dates the
// shipped definitions emit, are declared so Python converts them.
const std::string kEffect = R"~({"type": "object", "properties": {
  "id": {"type": "integer"}, "type": {"type": "string"}, "payload": )~" +
                            kEffectPayload + R"~(,
  "idempotency_key": {"type": "string", "description": "the same on every delivery of this effect"},
  "attempt": {"type": "integer", "description": "1 on the first delivery"},
  "instance": {"type": ["integer", "null"], "description": "the workflow instance that emitted it"}}})~";

}  // namespace

void register_workflow_methods(MethodTable& t) {
  t.add(
      "workflow.define",
      "Stores a workflow definition (a statechart in JSON) as a new immutable version, after "
      "checking it with every mistake listed; an identical body is the same version.",
      R"~({"type": "object", "required": ["definition"], "properties": {
          "definition": {"type": "object", "x-validated-by-method": true, "description": "{id, version?, title, description, calendar, multiple_instances, context, initial, states, triggers}; see docs/workflow.md. workflow.define checks it whole: unknown fields at any depth are refused like any parameter (OPORA_EINVAL, rule unknown_field), broken rules (a target that does not exist) with OPORA_EVALIDATION"}}})~",
      R"~({"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
          "created": {"type": "boolean"}, "states": {"type": "integer"}}})~",
      true, [](Database& db, const Params& p) {
        return db.workflow().define(p.object(), db.workflow_clocks());
      });
  t.add("workflow.definitions", "Every definition with its latest version.",
        R"~({"type": "object", "properties": {}})~", kDefinitions, false,
        [](Database& db, const Params&) { return db.workflow().definitions(); });
  t.add("workflow.start",
        "Starts an instance of a definition for a business key (bitrix24:deal:42); a live "
        "instance of the key is returned instead unless the definition allows several.",
        R"~({"type": "object", "required": ["definition", "key"], "properties": {
          "definition": {"type": "string"}, "version": {"type": "integer", "minimum": 1, "description": "default: the latest"},
          "key": {"type": "string", "minLength": 1, "maxLength": 200},
          "context": {"type": "object", "additionalProperties": true, "description": "the instance's starting context over the definition's defaults"}}})~",
        kInstance, true, [](Database& db, const Params& p) {
          return db.workflow().start(p.object(), db.workflow_clocks());
        });
  t.add("workflow.send",
        "Sends an event to an instance (by id, or by definition and key) and runs it to "
        "completion; deduplicated by event_id; an event nobody accepts is recorded, not lost.",
        R"~({"type": "object", "required": ["event"], "properties": {
          "instance": {"type": "integer", "minimum": 1}, "definition": {"type": "string"},
          "key": {"type": "string"}, "event": {"type": "string", "minLength": 1, "maxLength": 128},
          "data": {"type": "object", "additionalProperties": true, "description": "the event's payload, any JSON object"},
          "event_id": {"type": "string", "maxLength": 200},
          "expected_seq": {"type": "integer", "description": "refuse with OPORA_ECONFLICT unless the instance is at this seq"}}})~",
        kInstance, true, [](Database& db, const Params& p) {
          return db.workflow().send(p.object(), db.workflow_clocks());
        });
  t.add("workflow.send_many",
        "Sends many events in one transaction, each like workflow.send in its own savepoint: "
        "one that fails is undone alone and answered with its error, the others apply. The way "
        "to feed a stream of events fast.",
        R"~({"type": "object", "required": ["events"], "properties": {
          "events": {"type": "array", "minItems": 1, "maxItems": 100000, "items": {"type": "object", "required": ["event"], "properties": {
            "instance": {"type": "integer", "minimum": 1}, "definition": {"type": "string"},
            "key": {"type": "string"}, "event": {"type": "string", "minLength": 1, "maxLength": 128},
            "data": {"type": "object", "additionalProperties": true}, "event_id": {"type": "string", "maxLength": 200},
            "expected_seq": {"type": "integer"}}}}}})~",
        R"~({"type": "object", "properties": {
          "results": {"type": "array", "description": "in the order of events: {instance, accepted, duplicate, states, seq} or {error: {code, message, errors}}",
            "items": {"type": "object", "properties": {
              "instance": {"type": "integer"}, "accepted": {"type": "boolean"}, "duplicate": {"type": "boolean"},
              "states": {"type": "array", "items": {"type": "string"}}, "seq": {"type": "integer"},
              "error": {"type": "object", "properties": {"code": {"type": "integer", "description": "an OPORA_E* code"},
                "message": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                  "field": {"type": "string"}, "rule": {"type": "string"}, "message": {"type": "string"}}}}}}}}},
          "accepted": {"type": "integer"}, "duplicates": {"type": "integer"}, "failed": {"type": "integer"}}})~",
        true, [](Database& db, const Params& p) {
          return db.workflow().send_many(p.object(), db.workflow_clocks());
        });
  t.add(
      "workflow.get", "An instance: its states, context, timers.",
      R"~({"type": "object", "required": ["instance"], "properties": {"instance": {"type": "integer", "minimum": 1}}})~",
      kInstance, false,
      [](Database& db, const Params& p) { return db.workflow().get(p.int64("instance")); });
  t.add("workflow.history", "An instance's history: every event, transition, action and timer.",
        R"~({"type": "object", "required": ["instance"], "properties": {
          "instance": {"type": "integer", "minimum": 1}, "after": {"type": "integer", "minimum": 0},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100000}}})~",
        R"~({"type": "object", "properties": {"instance": {"type": "integer"},
          "records": {"type": "array", "items": )~" +
            kHistoryRecord + R"~(},
          "last": {"type": "integer", "description": "pass as after for the next page"}}})~",
        false, [](Database& db, const Params& p) { return db.workflow().history(p.object()); });
  t.add(
      "workflow.tick",
      "Fires every timer due by `now` (default: the handle's clock), once, in due order.",
      R"~({"type": "object", "properties": {"now": {"type": "string", "format": "date-time"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 1000000},
          "definition": {"type": "string", "description": "only the timers of this definition's instances"}}})~",
      R"~({"type": "object", "properties": {"now": {"type": "string", "format": "date-time"}, "fired": {"type": "integer"},
          "failed": {"type": "integer", "description": "firings whose step failed: each an incident"},
          "effects": {"type": "integer", "description": "effects the firings put into the outbox (effects.fetch)"}}})~",
      true, [](Database& db, const Params& p) {
        return db.workflow().tick(p.object(), db.workflow_clocks());
      });
  t.add(
      "events.post",
      "Publishes a host's domain event (deal.stage_changed, crm.form_filled...) on the path "
      "modules publish theirs: definitions whose triggers match start an instance for its key "
      "or receive it; deduplicated by event_id; an event no instance is ready for may wait in a "
      "buffer; one no definition listens to does nothing.",
      R"~({"type": "object", "required": ["type", "key"], "properties": {
          "type": {"type": "string", "minLength": 1, "maxLength": 128}, "key": {"type": "string", "minLength": 1, "maxLength": 200},
          "data": {"type": "object", "additionalProperties": true, "description": "the event's payload, any JSON object"},
          "event_id": {"type": "string", "maxLength": 200}}})~",
      R"~({"type": "object", "properties": {"type": {"type": "string"}, "key": {"type": "string"}, "started": {
          "type": "array", "items": {"type": "object", "properties": {
            "definition": {"type": "string"}, "instance": {"type": "integer"},
            "existing": {"type": "boolean", "description": "the live instance of the key, not a new one"}}}},
          "delivered": {"type": "array", "items": {"type": "object", "properties": {
            "definition": {"type": "string"}, "instance": {"type": "integer"}, "accepted": {"type": "boolean"}}}},
          "buffered": {"type": "integer", "description": "waits in a buffer for an instance ready for it"},
          "duplicate": {"type": "boolean", "description": "an event_id seen before; the first answer"},
          "routed": {"type": "boolean", "description": "false: no definition listens to this type; nothing was stored"},
          "failed": {"type": "array", "description": "reactions that failed, each an incident keeping the event", "items": {"type": "object", "properties": {
            "definition": {"type": "string"}, "instance": {"type": ["integer", "null"]}, "incident": {"type": "integer"},
            "error": {"type": "string"}}}}}})~",
      true, [](Database& db, const Params& p) {
        DomainEvent e{p.str("type"), p.str("key"), json::object{},
                      p.opt_str("event_id").value_or("")};
        if (const auto* d = p.object().if_contains("data"); d != nullptr && d->is_object())
          e.data = d->get_object();
        return db.events().publish(e);
      });
  t.add(
      "workflow.export",
      "A definition as a diagram: SVG (with the number of live instances in each state), "
      "Mermaid or Graphviz DOT text.",
      R"~({"type": "object", "required": ["definition"], "properties": {
          "definition": {"type": "string"}, "version": {"type": "integer", "minimum": 1},
          "format": {"type": "string", "enum": ["svg", "mermaid", "dot"], "description": "default svg"},
          "counts": {"type": "boolean", "description": "svg: show live instances per state (default true)"}}})~",
      R"~({"type": "object", "properties": {"definition": {"type": "string"}, "version": {"type": "integer"},
          "format": {"type": "string"}, "text": {"type": "string"}}})~",
      false,
      [](Database& db, const Params& p) { return db.workflow().export_definition(p.object()); });
  t.add(
      "workflow.tasks",
      "Open human tasks, overdue first, for an assignee, a candidate group or an instance.",
      R"~({"type": "object", "properties": {"assignee": {"type": "string"}, "group": {"type": "string"},
          "instance": {"type": "integer", "minimum": 1}, "limit": {"type": "integer", "minimum": 1, "maximum": 10000}}})~",
      R"~({"type": "object", "properties": {"tasks": {"type": "array", "items": {"type": "object", "properties": {
          "task": {"type": "integer"}, "instance": {"type": "integer"}, "name": {"type": "string"},
          "title": {"type": "string"}, "assignee": {"type": "string"}, "group": {"type": "string"},
          "overdue": {"type": "boolean"},
          "due": {"type": ["string", "null"], "format": "date-time"},
          "outcomes": {"type": "array", "items": {"type": "string"}}, "approval": {"type": "boolean"},
          "iteration": {"type": "integer"}, "status": {"type": "string"},
          "state": {"type": "string"}, "description": {"type": "string"},
          "comment_required": {"type": "array", "items": {"type": "string"}, "description": "outcomes that need a comment"},
          "form": {"type": ["object", "array", "null"], "x-verbatim": true, "description": "the task's form, as its definition gives it"},
          "created_at": {"type": "string", "format": "date-time"},
          "outcome": {"type": ["string", "null"]}, "comment": {"type": ["string", "null"]},
          "actor": {"type": ["string", "null"]}}}}}})~",
      false, [](Database& db, const Params& p) {
        return db.workflow().tasks(p.object(), db.workflow_clocks());
      });
  t.add("workflow.task.complete",
        "Completes an open task with one of its outcomes (a comment where required) and sends "
        "task.<name>.<outcome> to its instance in the same transaction.",
        R"~({"type": "object", "required": ["task", "outcome"], "properties": {
          "task": {"type": "integer", "minimum": 1}, "outcome": {"type": "string"},
          "comment": {"type": "string"}, "data": {"type": "object", "additionalProperties": true, "description": "sent with the task's event"},
          "actor": {"type": "string"}}})~",
        kInstance, true, [](Database& db, const Params& p) {
          return db.workflow().complete_task(p.object(), db.workflow_clocks());
        });
  t.add(
      "effects.fetch",
      "Effects waiting for the host (SMS, e-mail, CRM task...), each with a stable "
      "idempotency key; hidden from other fetches for lease_seconds, then offered again until "
      "acknowledged.",
      R"~({"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 10000},
          "lease_seconds": {"type": "integer", "minimum": 0, "maximum": 86400}}})~",
      std::string(R"~({"type": "object", "properties": {"effects": {"type": "array", "items": )~") +
          kEffect + "}}}",
      true, [](Database& db, const Params& p) {
        return db.workflow().fetch_effects(p.object(), db.workflow_clocks());
      });
  t.add("effects.ack",
        "Acknowledges an effect: done, or failed (an incident on its instance's history).",
        R"~({"type": "object", "required": ["effect", "result"], "properties": {
          "effect": {"type": "integer", "minimum": 1, "description": "the effect's id (effects.fetch)"},
          "id": {"x-alias-of": "effect"}, "result": {"type": "string", "enum": ["done", "failed"]},
          "error": {"type": "string"}}})~",
        R"~({"type": "object", "properties": {"id": {"type": "integer"},
          "status": {"type": "string", "enum": ["done", "failed"]},
          "repeated": {"type": "boolean", "description": "acknowledged before: nothing changed"}}})~",
        true, [](Database& db, const Params& p) {
          return db.workflow().ack_effect(p.object(), db.workflow_clocks());
        });
  t.add(
      "workflow.instances",
      "Instances by definition, version, status (default active), key or current state, in id "
      "order; page with `after`.",
      R"~({"type": "object", "properties": {"definition": {"type": "string"},
          "version": {"type": "integer", "minimum": 1},
          "status": {"type": "string", "enum": ["active", "done"]}, "key": {"type": "string"},
          "state": {"type": "string", "description": "instances standing in this state"},
          "after": {"type": "integer", "minimum": 0}, "limit": {"type": "integer", "minimum": 1, "maximum": 100000}}})~",
      R"~({"type": "object", "properties": {"instances": {"type": "array", "items": {"type": "object", "properties": {
          "instance": {"type": "integer"}, "definition": {"type": "string"}, "version": {"type": "integer"},
          "key": {"type": "string"}, "status": {"type": "string"}, "states": {"type": "array", "items": {"type": "string"}},
          "seq": {"type": "integer"}, "started_at": {"type": "string", "format": "date-time"},
          "updated_at": {"type": "string", "format": "date-time"}}}}}})~",
      false, [](Database& db, const Params& p) { return db.workflow().instances(p.object()); });
  t.add("workflow.migrate",
        "Moves one live instance to another version of its definition, explicitly: each current "
        "state maps to a state of the new version (same id unless state_map says otherwise); no "
        "actions run; timers of states it stays in keep their due times, new states arm theirs "
        "from now, tasks of states it leaves are cancelled; journalled in its history.",
        R"~({"type": "object", "required": ["instance", "to_version"], "properties": {
          "instance": {"type": "integer", "minimum": 1}, "to_version": {"type": "integer", "minimum": 1},
          "state_map": {"type": "object", "additionalProperties": {"type": "string"}, "description": "{old state id: new state id}"},
          "context": {"type": "object", "additionalProperties": true, "description": "context fields to set while moving"},
          "actor": {"type": "string"}, "reason": {"type": "string"}}})~",
        kInstance, true, [](Database& db, const Params& p) {
          return db.workflow().migrate(p.object(), db.workflow_clocks());
        });
  t.add(
      "workflow.incidents",
      "Incidents: effects the host reported failed or that could not be made (an empty "
      "required member), timers whose step failed, domain events a definition could not take; "
      "open ones by default.",
      R"~({"type": "object", "properties": {
          "status": {"type": "string", "enum": ["open", "retried", "resolved"]},
          "instance": {"type": "integer", "minimum": 1}, "limit": {"type": "integer", "minimum": 1, "maximum": 10000}}})~",
      R"~({"type": "object", "properties": {"incidents": {"type": "array", "items": {"type": "object", "properties": {
          "incident": {"type": "integer"}, "instance": {"type": ["integer", "null"]}, "kind": {"type": "string", "enum": ["effect", "timer", "event"]},
          "effect": {"type": ["integer", "null"]}, "state": {"type": ["string", "null"]}, "timer": {"type": ["string", "null"]},
          "message": {"type": "string"}, "status": {"type": "string"},
          "created_at": {"type": "string", "format": "date-time"},
          "closed_at": {"type": ["string", "null"], "format": "date-time"},
          "actor": {"type": ["string", "null"]}, "comment": {"type": ["string", "null"]},
          "event": {"type": "object", "description": "kind event: {type, key, data, definition, trigger, stage}", "additionalProperties": true}}}}}})~",
      false, [](Database& db, const Params& p) { return db.workflow().incidents(p.object()); });
  t.add(
      "workflow.incident.retry",
      "Retries an open incident: a failed effect is offered to the host again (same "
      "idempotency key); a failed timer fires again now if its state is still active; an event "
      "is delivered again to the definition that could not take it. A retry that fails again "
      "changes nothing and the incident stays open.",
      R"~({"type": "object", "required": ["incident"], "properties": {
          "incident": {"type": "integer", "minimum": 1}, "actor": {"type": "string"}, "comment": {"type": "string"}}})~",
      std::string(
          R"~({"type": "object", "properties": {"incident": {"type": "integer"}, "status": {"type": "string"},
          "effect": {"type": ["integer", "null"], "description": "a failed effect offered again"},
          "step": )~") +
          kInstance + R"~(}})~",
      true, [](Database& db, const Params& p) {
        return db.workflow().retry_incident(p.object(), db.workflow_clocks());
      });
  t.add(
      "workflow.incident.resolve",
      "Closes an open incident without retrying it; a comment saying how is required.",
      R"~({"type": "object", "required": ["incident", "comment"], "properties": {
          "incident": {"type": "integer", "minimum": 1}, "actor": {"type": "string"},
          "comment": {"type": "string", "minLength": 1}}})~",
      R"~({"type": "object", "properties": {"incident": {"type": "integer"}, "status": {"type": "string"}}})~",
      true, [](Database& db, const Params& p) {
        return db.workflow().resolve_incident(p.object(), db.workflow_clocks());
      });
}

}  // namespace opora::engine

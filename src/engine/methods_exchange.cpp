// exchange.*: hub and spoke between opora files (src/exchange/), the
// messages the host carries, and what an operator reads of them.
#include <boost/json.hpp>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "opora/opora_version.h"
#include "store/migrations.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

exchange::Context exchange_context(Database& db, const Params& p) {
  exchange::Context ctx;
  ctx.now = db.clock().now();
  ctx.today = db.clock().today();
  ctx.actor = p.opt_str("actor");
  ctx.library = OPORA_VERSION_STRING;
  // What this build writes: each module's newest migration.
  for (const store::SchemaModule* module : schema_modules())
    ctx.schemas[std::string(module->name)] = module->migrations.back().version;
  return ctx;
}

std::string exchange_object(const std::string& properties, const char* required = "[]") {
  return std::string(R"~({"type": "object", "required": )~") + required + R"~(, "properties": {)~" +
         properties + "}}";
}

const std::string kNode =
    R"~("node": {"type": "string", "minLength": 1, "maxLength": 64, "description": "the other side's node code: tablet-7, crm, shop, centre"})~";

const std::string kStreams =
    R"~({"type": "array", "items": {"type": "string", "enum": ["catalog", "stock", "orders", "crm"]}})~";

// A message as it travels: the envelope and its objects (their bodies are
// the objects' canonical JSON: documents as registry.get gives them without
// local ids, catalogue objects as catalog.* gives them).
const std::string kMessage =
    R"~({"type": "object", "x-verbatim": true, "description": "the message to hand to the other side as it is (hosts pass it on untouched: its signature covers every member)", "properties": {
  "format": {"type": "string", "enum": ["opora.exchange"]}, "protocol": {"type": "integer"},
  "from": {"type": "string"}, "to": {"type": "string"},
  "msg_no": {"type": "integer", "description": "0: an acknowledgement alone"},
  "ack": {"type": "integer", "description": "the last message the sender received from the receiver"},
  "kind": {"type": "string", "enum": ["changes", "snapshot", "ack"]},
  "library": {"type": "string"}, "schemas": {"type": "object", "additionalProperties": {"type": "integer"}},
  "created_at": {"type": "string", "format": "date-time"},
  "objects": {"type": "array", "items": {"type": "object", "properties": {
    "type": {"type": "string", "enum": ["document", "product", "price_type", "warehouse", "price", "stock"]},
    "uid": {"type": "string"}, "op": {"type": "string", "enum": ["upsert", "remove"]},
    "version": {"type": "integer", "description": "the central file's version of a document"},
    "base_version": {"type": "integer", "description": "the central file's version a node's edit started from (0: created on the node)"},
    "body": {"type": "object", "additionalProperties": true, "x-verbatim": true}}}},
  "files": {"type": "array", "items": {"type": "string"}, "description": "SHA-256 of the files the objects refer to"},
  "snapshot": {"type": "object", "properties": {"stream": {"type": "string"}, "complete": {"type": "boolean"}}},
  "hmac": {"type": "string", "description": "HMAC-SHA256 of the message without this member, under the pair's secret"}}})~";

// What exchange.out prints on the command line: the message alone.
const std::string kOutMessage =
    kMessage.substr(0, kMessage.size() - 1) + R"~(, "x-cli-output": true})~";

const std::string kOutResult = R"~({"type": "object", "properties": {
  "message": )~" + kOutMessage +
                               R"~(,
  "msg_no": {"type": "integer"}, "kind": {"type": "string", "enum": ["changes", "snapshot", "ack"]},
  "objects": {"type": "integer"}, "bytes": {"type": "integer", "description": "the message's size as text"},
  "resend": {"type": "boolean", "description": "the unacknowledged message again, byte for byte"},
  "complete": {"type": ["boolean", "null"], "description": "snapshot: whether this was the stream's last page"}}})~";

const std::string kNodeResult = R"~({"type": "object", "properties": {
  "node": {"type": "string"}, "kind": {"type": "string"}, "streams": )~" +
                                kStreams + R"~(,
  "scope": {"type": ["string", "null"]}, "attributes": {"type": "object", "additionalProperties": true},
  "refuse_outdated": {"type": "boolean"}, "status": {"type": "string", "enum": ["active", "revoked"]},
  "secret": {"type": ["string", "null"], "description": "shown once when made or changed; give it to the other side"}}})~";

const std::string kRules = R"~({"type": "array", "items": {"type": "object", "properties": {
  "field": {"type": "string", "description": "status, items, custom.paid, custom.payment* or *"},
  "owner": {"type": "string", "enum": ["centre", "node"]},
  "while": {"type": "string", "description": "an expression over doc (the central file's document) when the rule holds"}}}})~";

const std::string kParkedItem = R"~({"type": "object", "properties": {
  "parked": {"type": "integer"}, "type": {"type": "string"}, "uid": {"type": "string"},
  "rule": {"type": "string"}, "field": {"type": ["string", "null"]}, "reason": {"type": "string"}}})~";

const std::string kConflictItem = R"~({"type": "object", "properties": {
  "conflict": {"type": "integer"}, "node": {"type": "string"}, "msg_no": {"type": "integer"},
  "uid": {"type": "string"}, "kind": {"type": "string"}, "field": {"type": "string"},
  "base": {"type": "string", "x-verbatim": true, "description": "JSON text of the value the node started from (null: absent)"},
  "ours": {"type": "string", "x-verbatim": true, "description": "JSON text of the central file's value, which stands"},
  "theirs": {"type": "string", "x-verbatim": true, "description": "JSON text of the node's value, kept here"},
  "resolution": {"type": "string", "enum": ["centre_wins"]},
  "at": {"type": "string", "format": "date-time"}}})~";

}  // namespace

void register_exchange_methods(MethodTable& t) {
  t.add(
      "exchange.setup",
      "Gives this file its place in an exchange: its node code and role (the central file, or "
      "a node with a prefix for its provisional numbers).",
      exchange_object(kNode + R"~(, "role": {"type": "string", "enum": ["centre", "node"]},
            "prefix": {"type": "string", "minLength": 1, "maxLength": 16, "description": "a node's provisional numbers start with it (default: its code)"})~",
                      R"~(["node", "role"])~"),
      R"~({"type": "object", "properties": {"node": {"type": "string"}, "role": {"type": "string", "enum": ["centre", "node"]},
            "prefix": {"type": ["string", "null"]}}})~",
      true, [](Database& db, const Params& p) {
        return db.exchange().setup(p.object(), exchange_context(db, p));
      });
  t.add(
      "exchange.node.put",
      "Defines or changes the other side of a pair: on the central file a node (its streams, "
      "scope and attributes), on a node the central file; a new or changed secret is shown once.",
      exchange_object(
          kNode +
              R"~(, "kind": {"type": "string", "enum": ["tablet", "crm", "shop", "onec", "centre", "other"]},
            "streams": )~" +
              kStreams + R"~(,
            "scope": {"type": "string", "maxLength": 4000, "description": "which documents the node sees: an expression over doc and node, e.g. doc.custom.manager == node.attributes.manager"},
            "attributes": {"type": "object", "additionalProperties": true, "description": "the node's own values the scope reads (node.attributes)"},
            "secret": {"type": "string", "maxLength": 256, "description": "the pair's shared secret (at least 32 characters); left out, one is made"},
            "refuse_outdated": {"type": "boolean", "description": "refuse messages from an older opora"})~",
          R"~(["node"])~"),
      kNodeResult, true, [](Database& db, const Params& p) {
        return db.exchange().put_node(p.object(), exchange_context(db, p));
      });
  t.add(
      "exchange.node.revoke",
      "Revokes a node: its messages are refused from now on and nothing more is registered "
      "for it.",
      exchange_object(kNode, R"~(["node"])~"),
      R"~({"type": "object", "properties": {"node": {"type": "string"}, "status": {"type": "string", "enum": ["revoked"]},
            "registrations_dropped": {"type": "integer"}}})~",
      true, [](Database& db, const Params& p) {
        return db.exchange().revoke_node(p.str("node"), exchange_context(db, p));
      });
  t.add("exchange.node.list", "The nodes this file exchanges with.", exchange_object(""),
        R"~({"type": "object", "properties": {"nodes": {"type": "array", "items": )~" +
            kNodeResult + "}}}",
        false, [](Database& db, const Params&) { return db.exchange().list_nodes(); });
  t.add("exchange.out",
        "The next message for a node: the unacknowledged one again byte for byte, else the "
        "registered changes up to the limits, else an acknowledgement alone.",
        exchange_object(kNode + R"~(, "streams": )~" + kStreams + R"~(,
            "max_objects": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "default 1000"},
            "max_bytes": {"type": "integer", "minimum": 1024, "maximum": 268435456, "description": "default 4 MiB (at least one object goes)"})~",
                        R"~(["node"])~"),
        kOutResult, true, [](Database& db, const Params& p) {
          return db.exchange().out(p.object(), exchange_context(db, p));
        });
  t.add(
      "exchange.snapshot",
      "The next page of a stream's first load for a node, with a cursor kept on this side; "
      "restart begins again.",
      exchange_object(
          kNode + R"~(, "stream": {"type": "string", "enum": ["catalog", "stock", "orders", "crm"]},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "objects per page, default 1000"},
            "restart": {"type": "boolean"})~",
          R"~(["node", "stream"])~"),
      kOutResult, true, [](Database& db, const Params& p) {
        return db.exchange().snapshot(p.object(), exchange_context(db, p));
      });
  t.add(
      "exchange.in",
      "Takes a node's message in one transaction: checks the sender, receiver, signature, "
      "schema and number, applies each object (merged by field ownership on the central "
      "file; a refused one is parked) and answers with the receipt.",
      exchange_object(
          kNode +
              R"~(, "message": {"type": ["object", "string"], "additionalProperties": true, "x-cli-stdin": true, "description": "the message as exchange.out gave it, as an object or its JSON text (the CLI reads it from stdin)"},
            "actor": {"type": "string"})~",
          R"~(["node", "message"])~"),
      R"~({"type": "object", "properties": {
          "node": {"type": "string"}, "msg_no": {"type": "integer"}, "ack": {"type": "integer"},
          "status": {"type": "string", "enum": ["applied", "duplicate", "gap", "ack"], "description": "duplicate: taken before (this is its receipt); gap: a message is missing, nothing applied"},
          "applied": {"type": "integer"}, "parked": {"type": "array", "items": )~" +
          kParkedItem + R"~(},
          "conflicts": {"type": "array", "items": )~" +
          kConflictItem + R"~(},
          "outdated": {"type": "boolean", "description": "the sender runs an older schema"},
          "expected": {"type": "integer", "description": "the message number this side takes next"}}})~",
      true, [](Database& db, const Params& p) {
        return db.exchange().in(p.object(), exchange_context(db, p));
      });
  t.add(
      "exchange.status",
      "This file's place in the exchange and, per node, the message numbers, what is "
      "pending per stream, snapshots, parked changes, conflicts and versions.",
      exchange_object(kNode),
      R"~({"type": "object", "properties": {
          "self": {"type": "object", "properties": {"node": {"type": "string"}, "role": {"type": "string"}, "prefix": {"type": ["string", "null"]}}},
          "library": {"type": "string"},
          "nodes": {"type": "array", "items": {"type": "object", "properties": {
            "node": {"type": "string"}, "kind": {"type": "string"}, "status": {"type": "string"},
            "streams": )~" +
          kStreams +
          R"~(, "sent_no": {"type": "integer"}, "acked_no": {"type": "integer"}, "received_no": {"type": "integer"},
            "unacknowledged": {"type": "boolean"},
            "pending": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "registered objects per stream"},
            "snapshot": {"type": "object", "additionalProperties": {"type": "string"}, "description": "per stream: in_progress or complete"},
            "parked": {"type": "integer"}, "conflicts": {"type": "integer"},
            "library": {"type": ["string", "null"]}, "last_seen_at": {"type": ["string", "null"], "format": "date-time"},
            "outdated": {"type": "boolean"}}}}}})~",
      false, [](Database& db, const Params& p) {
        return db.exchange().status(p.object(), exchange_context(db, p));
      });
  t.add("exchange.conflicts",
        "Edits a node made that the central file's ownership rules overruled, each kept with "
        "the base, the central file's and the node's values.",
        exchange_object(kNode +
                        R"~(, "uid": {"type": "string"}, "after": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10000})~"),
        R"~({"type": "object", "properties": {"conflicts": {"type": "array", "items": )~" +
            kConflictItem + "}}}",
        false, [](Database& db, const Params& p) { return db.exchange().conflicts(p.object()); });
  t.add(
      "exchange.parked",
      "Changes from other nodes a rule refused (scope, ownership, a status transition, a stale "
      "base, a bad shape), each kept whole with its reason.",
      exchange_object(kNode + R"~(, "all": {"type": "boolean", "description": "resolved ones too"},
            "after": {"type": "integer", "minimum": 0}, "limit": {"type": "integer", "minimum": 1, "maximum": 10000})~"),
      R"~({"type": "object", "properties": {"parked": {"type": "array", "items": {"type": "object", "properties": {
          "parked": {"type": "integer"}, "node": {"type": "string"}, "msg_no": {"type": "integer"},
          "type": {"type": "string"}, "uid": {"type": "string"}, "rule": {"type": "string"},
          "field": {"type": ["string", "null"]}, "reason": {"type": "string"},
          "object": {"type": "object", "additionalProperties": true, "x-verbatim": true, "description": "the object entry as it came"},
          "at": {"type": "string", "format": "date-time"},
          "resolved_at": {"type": ["string", "null"], "format": "date-time"},
          "resolution": {"type": ["string", "null"]}}}}}})~",
      false, [](Database& db, const Params& p) { return db.exchange().parked(p.object()); });
  t.add(
      "exchange.parked.resolve",
      "Marks a parked change as dealt with, saying how (it stays listed with all)",
      exchange_object(R"~("parked": {"type": "integer", "minimum": 1},
            "resolution": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "what was done: re-entered by hand, discarded with the agent's consent, ..."})~",
                      R"~(["parked", "resolution"])~"),
      R"~({"type": "object", "properties": {"parked": {"type": "integer"}, "resolution": {"type": "string"},
            "resolved_at": {"type": "string", "format": "date-time"}}})~",
      true, [](Database& db, const Params& p) {
        return db.exchange().resolve_parked(p.object(), exchange_context(db, p));
      });
  t.add(
      "exchange.files.missing",
      "Which of the files a message lists (by SHA-256) this file lacks, so only those travel.",
      exchange_object(
          R"~("files": {"type": "array", "maxItems": 100000, "items": {"type": "string", "minLength": 64, "maxLength": 64}})~",
          R"~(["files"])~"),
      R"~({"type": "object", "properties": {"missing": {"type": "array", "items": {"type": "string"}}}})~",
      false, [](Database& db, const Params& p) { return db.exchange().files_missing(p.object()); });
  t.add(
      "exchange.files.get",
      "The content of files this file holds, by SHA-256, for the host to carry to a node "
      "that lacks them (exchange.files.missing there).",
      exchange_object(
          R"~("files": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "string", "minLength": 64, "maxLength": 64}})~",
          R"~(["files"])~"),
      R"~({"type": "object", "properties": {"files": {"type": "array", "items": {"type": "object", "properties": {
            "sha256": {"type": "string"}, "size": {"type": "integer"},
            "content_base64": {"type": "string"}}}}}})~",
      false, [](Database& db, const Params& p) {
        json::array out;
        FieldErrors errors;
        const auto& files = p.at("files").as_array();
        for (size_t i = 0; i < files.size(); ++i) {
          const std::string sha(files[i].as_string());
          const auto bytes = db.registry().blob(sha);
          if (!bytes) {
            errors.add("files[" + std::to_string(i) + "]", "not_found",
                       "no file with SHA-256 " + sha + " here");
            continue;
          }
          out.push_back(json::object{{"sha256", sha},
                                     {"size", static_cast<int64_t>(bytes->size())},
                                     {"content_base64", base64_encode(*bytes)}});
        }
        errors.throw_if_any(ErrorCode::not_found);
        return json::object{{"files", std::move(out)}};
      });
  t.add(
      "exchange.files.put",
      "Stores files carried from another file (each once by its SHA-256); a given sha256 "
      "must be the content's.",
      exchange_object(
          R"~("files": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "object", "required": ["content_base64"], "properties": {
            "sha256": {"type": "string", "minLength": 64, "maxLength": 64},
            "size": {"type": "integer", "minimum": 0, "description": "checked against the content when given"},
            "content_base64": {"type": "string"}}}})~",
          R"~(["files"])~"),
      R"~({"type": "object", "properties": {"stored": {"type": "array", "items": {"type": "string"}, "description": "SHA-256 of each file, in order"}}})~",
      true, [](Database& db, const Params& p) {
        FieldErrors errors;
        std::vector<std::string> contents;
        const auto& files = p.at("files").as_array();
        for (size_t i = 0; i < files.size(); ++i) {
          const auto& f = files[i].as_object();
          const std::string at = "files[" + std::to_string(i) + "]";
          const auto bytes = base64_decode(f.at("content_base64").as_string());
          if (!bytes) {
            errors.add(at + ".content_base64", "base64", "not valid base64");
            continue;
          }
          if (static_cast<int64_t>(bytes->size()) > db.max_file_bytes())
            errors.add(at + ".content_base64", "max_file_bytes",
                       "larger than this file's max_file_bytes (" +
                           std::to_string(db.max_file_bytes()) + ")");
          if (const auto* sha = f.if_contains("sha256");
              sha != nullptr && sha->as_string() != sha256_hex(*bytes))
            errors.add(at + ".sha256", "sha256",
                       "the content's SHA-256 is " + sha256_hex(*bytes) +
                           ": the file was altered or cut short on the way");
          contents.push_back(*bytes);
        }
        errors.throw_if_any(ErrorCode::validation);
        json::array stored;
        for (const auto& c : contents) stored.push_back(json::value(db.registry().store_blob(c)));
        return json::object{{"stored", std::move(stored)}};
      });
  t.add("exchange.commerceml.out",
        "The next CommerceML 2 file for a web-shop node: import.xml (products), offers.xml "
        "(prices and stock) or orders, from what is registered for it; the file not yet "
        "confirmed goes again byte for byte.",
        exchange_object(
            kNode + R"~(, "file": {"type": "string", "enum": ["import", "offers", "orders"]},
            "catalogue": {"type": "string", "minLength": 1, "maxLength": 40, "description": "the Ид of the catalogue the site knows, default opora-catalogue"},
            "max_objects": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "default 5000"})~",
            R"~(["node", "file"])~"),
        R"~({"type": "object", "properties": {"node": {"type": "string"},
            "file": {"type": "string", "enum": ["import", "offers", "orders"]},
            "msg_no": {"type": "integer", "description": "confirm it with exchange.commerceml.ack once the site answers success"},
            "xml": {"type": "string", "x-cli-output": true, "description": "the file, UTF-8, CommerceML 2.08 (what the CLI prints)"},
            "objects": {"type": "integer"}, "resend": {"type": "boolean"}}})~",
        true, [](Database& db, const Params& p) {
          return db.exchange().commerceml_out(p.object(), exchange_context(db, p));
        });
  t.add(
      "exchange.commerceml.ack",
      "The site took the CommerceML file numbered msg_no (it answered success): what it "
      "carried is no longer pending.",
      exchange_object(kNode + R"~(, "msg_no": {"type": "integer", "minimum": 1})~",
                      R"~(["node", "msg_no"])~"),
      R"~({"type": "object", "properties": {"node": {"type": "string"}, "acked_no": {"type": "integer"}}})~",
      true, [](Database& db, const Params& p) {
        return db.exchange().commerceml_ack(p.object(), exchange_context(db, p));
      });
  t.add(
      "exchange.commerceml.in",
      "Takes a CommerceML 2 orders file from a web-shop node: each order merged like a node's "
      "edit (a re-sent file changes nothing); the receipt as exchange.in gives it.",
      exchange_object(
          kNode +
              R"~(, "content_base64": {"type": "string", "minLength": 1, "description": "the file's bytes (UTF-8 or windows-1251 as its prolog says)"},
            "actor": {"type": "string"})~",
          R"~(["node", "content_base64"])~"),
      R"~({"type": "object", "properties": {"node": {"type": "string"}, "msg_no": {"type": "integer"},
            "orders": {"type": "integer", "description": "orders the file held"},
            "applied": {"type": "integer"}, "parked": {"type": "array", "items": )~" +
          kParkedItem + R"~(}, "conflicts": {"type": "array", "items": )~" + kConflictItem +
          R"~(}}})~",
      true, [](Database& db, const Params& p) {
        return db.exchange().commerceml_in(p.object(), exchange_context(db, p));
      });
  t.add("exchange.ownership.put",
        "Who owns which field of a kind's documents when the central file and a node both edit "
        "them; first matching rule wins, no match: the central file.",
        exchange_object(R"~("kind": {"type": "string", "minLength": 1}, "rules": )~" + kRules,
                        R"~(["kind", "rules"])~"),
        R"~({"type": "object", "properties": {"kind": {"type": "string"}, "rules": )~" + kRules +
            R"~(, "builtin": {"type": "boolean"}}})~",
        true, [](Database& db, const Params& p) {
          return db.exchange().put_ownership(p.object(), exchange_context(db, p));
        });
  t.add(
      "exchange.ownership.get", "The ownership rules in force for a kind.",
      exchange_object(R"~("kind": {"type": "string", "minLength": 1})~", R"~(["kind"])~"),
      R"~({"type": "object", "properties": {"kind": {"type": "string"}, "rules": )~" + kRules +
          R"~(, "builtin": {"type": "boolean", "description": "the library's default, not defined in this file"}}})~",
      false, [](Database& db, const Params& p) { return db.exchange().ownership(p.str("kind")); });
}

}  // namespace opora::engine

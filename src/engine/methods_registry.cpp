// registry.*: the document registry's methods, their schemas, and the
// context (clock, actor, reason, file limit) each call runs with.
#include <boost/json.hpp>

#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "engine/schema.hpp"
#include "registry/registry.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

registry::Context registry_context(Database& db, const Params& p) {
  registry::Context ctx;
  ctx.now = db.clock().now();
  ctx.today = db.clock().today();
  ctx.actor = p.opt_str("actor");
  ctx.reason = p.opt_str("reason");
  ctx.max_file_bytes = db.max_file_bytes();
  return ctx;
}

// Shared schema fragments. The schema gives each document field its type and
// format, so a malformed document is refused with OPORA_EINVAL before the
// registry runs; the registry checks the business rules (checksums, totals,
// statuses) and reports every such problem at once with OPORA_EVALIDATION.

const std::string kRegistryParty = R"~({"type": ["object", "null"], "properties": {
  "type": {"type": "string", "enum": ["company", "sole_trader", "person"], "description": "default: what the tax id says; a counterparty without one must say"},
  "name": {"type": "string", "maxLength": 1000},
  "inn": {"type": "string", "description": "10 digits for a company, 12 for a sole trader or person"},
  "kpp": {"type": "string", "description": "a Russian company only"},
  "bin": {"type": "string", "description": "Kazakhstan: a company"},
  "iin": {"type": "string", "description": "Kazakhstan: a person or sole trader"}}})~";

// The money fields of a line or the totals; stated, they must agree with the
// amounts computed from the items.
const std::string kStatedAmounts = R"~(
    "net": {"type": "string", "format": "money", "description": "stated: must agree with the computed one"},
    "vat": {"type": "string", "format": "money", "description": "stated: must agree with the computed one"},
    "gross": {"type": "string", "format": "money", "description": "stated: must agree with the computed one"})~";

// A document's writable fields. On a change (registry.put with id) null
// clears a field; on creation null means absent.
const std::string kDocumentInput = R"~(
  "kind": {"type": ["string", "null"], "description": "invoice, act, contract, upd, order, accrual, payment, letter or a defined kind; required to create"},
  "number": {"type": ["string", "null"], "maxLength": 100, "description": "given number; omitted: the next number of the kind's pattern"},
  "date": {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD; required to create"},
  "organization": )~" + kRegistryParty +
                                   R"~(,
  "counterparty": )~" + kRegistryParty +
                                   R"~(,
  "refs": {"type": ["array", "null"], "items": {"type": "string"}, "description": "external refs system:type:id, e.g. bitrix24:deal:42"},
  "currency": {"type": ["string", "null"], "format": "currency", "description": "ISO 4217, default RUB"},
  "vat_mode": {"type": ["string", "null"], "enum": ["included", "on_top"], "description": "for items that do not say; default included"},
  "items": {"type": ["array", "null"], "items": {"type": "object", "required": ["quantity"],
    "x-required-unless": {"product": ["name", "price", "vat_rate"]}, "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "required unless the item names a product"},
    "product": {"type": "string", "minLength": 1, "maxLength": 100, "description": "an order's item: the catalogue product's code; name, unit and vat_rate come from it, and the price when the item gives none"},
    "variant": {"type": "string", "minLength": 1, "maxLength": 100, "description": "with product: the variant's code"},
    "code": {"type": "string", "maxLength": 100},
    "unit": {"type": "string", "maxLength": 50},
    "quantity": {"type": "string", "format": "quantity", "description": "a positive decimal, up to 3 places"},
    "price": {"type": "string", "format": "money", "description": "money per unit; required unless the item names a product"},
    "discount": {"type": "string", "format": "money", "description": "money off the line"},
    "vat_rate": {"type": "string", "format": "vat_rate", "description": "\"22\", \"10\", \"0\" ... or \"none\" (без НДС); required unless the item names a product"},
    "vat_mode": {"type": "string", "enum": ["included", "on_top"]},)~" +
                                   kStatedAmounts + R"~(}},
    "description": "line items (order, invoice, act, upd); amounts and totals are computed, VAT per line"},
  "totals": {"type": ["object", "null"], "properties": {)~" +
                                   kStatedAmounts + R"~(,
    "vat_by_rate": {"type": "array", "readOnly": true, "description": "computed; given back, it must be the computed one",
      "items": {"type": "object", "properties": {"rate": {"type": "string", "format": "vat_rate"},
        "net": {"type": "string", "format": "money"}, "vat": {"type": "string", "format": "money"}}}}},
    "description": "net, vat, gross; with items they must agree with the computed ones, without items gross is required"},
  "basis_id": {"type": ["integer", "null"], "minimum": 1, "description": "the document this one is based on"},
  "basis_text": {"type": ["string", "null"], "maxLength": 2000, "description": "basis as text (Основание)"},
  "valid_from": {"type": ["string", "null"], "format": "date"},
  "valid_to": {"type": ["string", "null"], "format": "date"},
  "status": {"type": ["string", "null"], "description": "one of the kind's statuses; a change must be an allowed transition"},
  "is_final": {"type": ["boolean", "null"], "description": "default true"},
  "supersedes": {"type": ["integer", "null"], "minimum": 1, "description": "on create: the document this version replaces (it stops being final)"},
  "requires_countersign": {"type": ["boolean", "null"]},
  "custom": {"type": ["object", "null"], "additionalProperties": true, "description": "any JSON object of the host's own fields"},
  "notes": {"type": ["string", "null"], "maxLength": 100000},
  "price_type": {"type": ["string", "null"], "maxLength": 100, "description": "an order: the catalogue price type its items without a price are priced by, on the document's date"})~";

const std::string kFile = R"~({"type": "object", "properties": {
  "file_id": {"type": "integer"}, "id": {"type": "integer", "description": "document id"},
  "name": {"type": "string"}, "mime": {"type": "string"},
  "role": {"type": "string", "enum": ["original", "signed_copy", "scan", "printed_form"]},
  "size": {"type": ["integer", "null"], "description": "null: a path reference of unknown size"},
  "sha256": {"type": ["string", "null"], "description": "null: a path reference"},
  "path": {"type": ["string", "null"], "description": "where the host keeps the file; null: stored content"},
  "attached_at": {"type": "string", "format": "date-time"}, "actor": {"type": ["string", "null"]},
  "content_base64": {"type": "string", "description": "registry.file.get only"}}})~";

const std::string kLink = R"~({"type": "object", "properties": {
  "from": {"type": "integer"}, "type": {"type": "string"}, "to": {"type": "integer"},
  "created_at": {"type": "string", "format": "date-time"}, "actor": {"type": ["string", "null"]},
  "direction": {"type": "string", "enum": ["out", "in"]}}})~";

// A party of a document as stored: one of inn, iin, bin; null when absent.
const std::string kPartyOrNull = R"~({"type": ["object", "null"], "properties": {
  "type": {"type": "string", "enum": ["company", "sole_trader", "person"]}, "name": {"type": "string"},
  "inn": {"type": "string"}, "kpp": {"type": "string"}, "bin": {"type": "string"}, "iin": {"type": "string"}}})~";

// A VAT rate as text: a percent ("22", "12.5") or "none" (без НДС).
const std::string kVatRate =
    R"~({"type": "string", "format": "rate", "description": "percent (\"22\", \"10\", \"0\") or \"none\""})~";

const std::string kKind = R"~({"type": "object", "properties": {
  "id": {"type": "string"}, "title": {"type": "string"},
  "statuses": {"type": "array", "items": {"type": "string"}}, "initial": {"type": "string"},
  "transitions": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "{from: [to, ...]}"},
  "has_items": {"type": "boolean"}, "requires_countersign": {"type": "boolean"},
  "number_pattern": {"type": "string"}, "number_per_organization": {"type": "boolean"},
  "builtin": {"type": "boolean"}}})~";

// Properties in the order people read a document (the CLI's table takes
// its columns in this order); the JSON result keeps the document's own order.
const std::string kDocument = R"~({"type": "object", "properties": {
  "id": {"type": "integer"}, "kind": {"type": "string"}, "number": {"type": "string"},
  "date": {"type": "string", "format": "date"},
  "status": {"type": "string"}, "is_final": {"type": "boolean"},
  "supersedes": {"type": ["integer", "null"]}, "superseded_by": {"type": ["integer", "null"]},
  "refs": {"type": "array", "items": {"type": "string"}},
  "organization": )~" + kPartyOrNull +
                              R"~(, "counterparty": )~" + kPartyOrNull + R"~(,
  "currency": {"type": "string"}, "vat_mode": {"type": "string"},
  "items": {"type": "array", "items": {"type": "object", "properties": {
    "name": {"type": "string"}, "product": {"type": "string", "description": "an order's catalogue product"},
    "variant": {"type": "string"}, "code": {"type": "string"}, "unit": {"type": "string"},
    "quantity": {"type": "string", "format": "decimal"}, "price": )~" +
                              kMoney + R"~(,
    "discount": )~" + kMoney + R"~(, "vat_rate": )~" +
                              kVatRate + R"~(, "vat_mode": {"type": "string"},
    "net": )~" + kMoney + R"~(, "vat": )~" +
                              kMoney + R"~(, "gross": )~" + kMoney + R"~(}}},
  "totals": {"type": ["object", "null"], "description": "null: a document without amounts", "properties": {"net": )~" +
                              kMoney + R"~(, "vat": )~" + kMoney + R"~(, "gross": )~" + kMoney +
                              R"~(,
    "vat_by_rate": {"type": "array", "items": {"type": "object", "properties": {
      "rate": )~" + kVatRate + R"~(, "net": )~" +
                              kMoney + R"~(, "vat": )~" + kMoney + R"~(}}}}},
  "basis_id": {"type": ["integer", "null"]}, "basis_text": {"type": ["string", "null"]},
  "valid_from": {"type": ["string", "null"], "format": "date"}, "valid_to": {"type": ["string", "null"], "format": "date"},
  "requires_countersign": {"type": "boolean"},
  "custom": {"type": "object", "additionalProperties": true, "description": "the host's own fields, as given"},
  "notes": {"type": ["string", "null"]},
  "price_type": {"type": "string", "description": "an order's catalogue price type"},
  "deleted": {"type": "boolean"}, "version": {"type": "integer"},
  "uid": {"type": "string", "format": "uuid", "description": "the global id: the same document has it in every file the exchange keeps in sync"},
  "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
  "days_left": {"type": "integer", "description": "registry.expiring only"},
  "snippet": {"type": "string", "description": "registry.search only: the matching text, [marked]"},
  "files": {"type": "array", "description": "registry.get only", "items": )~" +
                              kFile + R"~(},
  "links": {"type": "array", "description": "registry.get only", "items": )~" +
                              kLink + R"~(}}})~";

const std::string kDocuments =
    R"~({"type": "object", "properties": {"documents": {"type": "array", "items": )~" + kDocument +
    R"~(}, "next_cursor": {"type": ["string", "null"], "description": "pass back as after for the next page; null at the end"}}})~";

const std::string kId =
    R"~("id": {"type": "integer", "minimum": 1, "description": "document id"})~";

// The document a method works on (registry.put's own "id" is the document's
// field, as registry.get returns it).
const std::string kDocumentRef =
    R"~("document": {"type": "integer", "minimum": 1, "description": "document id"},
  "id": {"x-alias-of": "document"})~";

const std::string kLinkParams =
    R"~({"type": "object", "required": ["from", "to", "type"], "properties": {
  "from": {"type": "integer", "minimum": 1}, "to": {"type": "integer", "minimum": 1},
  "type": {"type": "string", "enum": ["basis", "part_of_packet", "corrects", "attachment_of"]},)~" +
    kWho + "}}";

std::string object_schema(const std::string& properties, const char* required = "") {
  return std::string(R"~({"type": "object", )~") +
         (*required != '\0' ? std::string(R"~("required": )~") + required + ", " : "") +
         R"~("properties": {)~" + properties + "}}";
}

// What registry.get returns beyond the writable fields. A result may be put
// back as it came; each of these must then be what opora holds.
const std::string kReadOnlyMembers = R"~(
  "version": {"type": "integer", "readOnly": true, "description": "given back: checked as expected_version is"},
  "deleted": {"type": "boolean", "readOnly": true},
  "superseded_by": {"type": "integer", "readOnly": true},
  "created_at": {"type": "string", "format": "date-time", "readOnly": true},
  "updated_at": {"type": "string", "format": "date-time", "readOnly": true},
  "files": {"type": "array", "readOnly": true, "items": {"type": "object", "additionalProperties": true}},
  "links": {"type": "array", "readOnly": true, "items": {"type": "object", "additionalProperties": true}})~";

// registry.put, and each document of registry.put_many. The read-only members
// let a registry.get result be put back as it came: each one given must be
// what opora holds (rule read_only), never silently ignored.
const std::string kPutParams = object_schema(
    kId +
    R"~(, "uid": {"type": ["string", "null"], "format": "uuid", "description": "the global id: on create, the document's own (default: a new one); a put naming an existing uid without id changes that document"},
    "expected_version": {"type": "integer", "description": "refuse with OPORA_ECONFLICT unless the document is at this version"},)~" +
    kDocumentInput + "," + kReadOnlyMembers + "," + kWho);

}  // namespace

void register_registry_methods(MethodTable& t) {
  t.add("registry.put",
        "Creates a document (no id) or changes one (id: fields given replace, null clears); "
        "numbers, computes totals, journals every change.",
        kPutParams, kDocument, true, [](Database& db, const Params& p) {
          return db.registry().put(p.object(), registry_context(db, p));
        });

  t.add(
      "registry.put_many",
      "Creates or changes many documents in one transaction: all or none, every problem listed.",
      object_schema(
          R"~("documents": {"type": "array", "description": "registry.put parameters, one object each; a document's own actor and reason override the call's", "items": )~" +
              kPutParams + "}," + kWho,
          R"~(["documents"])~"),
      R"~({"type": "object", "properties": {"count": {"type": "integer"},
          "documents": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "number": {"type": "string"}}}}}})~",
      true, [](Database& db, const Params& p) {
        return db.registry().put_many(p.at("documents").as_array(), registry_context(db, p));
      });

  t.add("registry.get", "One document with its files and links.",
        object_schema(kDocumentRef + R"~(, "include_deleted": {"type": "boolean"})~",
                      R"~(["document"])~"),
        kDocument, false, [](Database& db, const Params& p) {
          return db.registry().get(p.int64("document"), p.boolean("include_deleted", false));
        });

  t.add("registry.set_status",
        "Moves a document to another status if its kind allows the transition.",
        object_schema(kDocumentRef + R"~(, "status": {"type": "string", "minLength": 1},
          "expected_version": {"type": "integer"},)~" +
                          kWho,
                      R"~(["document", "status"])~"),
        kDocument, true, [](Database& db, const Params& p) {
          return db.registry().set_status(p.int64("document"), p.str("status"),
                                          p.opt_int64("expected_version"), registry_context(db, p));
        });

  t.add("registry.delete",
        "Marks a document deleted; it leaves queries unless they ask for deleted ones.",
        object_schema(kDocumentRef + "," + kWho, R"~(["document"])~"), kDocument, true,
        [](Database& db, const Params& p) {
          return db.registry().remove(p.int64("document"), registry_context(db, p));
        });

  t.add("registry.restore", "Brings a deleted document back.",
        object_schema(kDocumentRef + "," + kWho, R"~(["document"])~"), kDocument, true,
        [](Database& db, const Params& p) {
          return db.registry().restore(p.int64("document"), registry_context(db, p));
        });

  t.add(
      "registry.history", "The change journal of a document: who changed what, when and why.",
      object_schema(kDocumentRef, R"~(["document"])~"),
      R"~({"type": "object", "properties": {"id": {"type": "integer"}, "entries": {"type": "array", "items": {"type": "object", "properties": {
          "at": {"type": "string", "format": "date-time"},
          "action": {"type": "string", "enum": ["created", "changed", "status_changed", "superseded", "reinstated", "file_attached", "link_added", "link_removed", "deleted", "restored"]},
          "actor": {"type": ["string", "null"]}, "field": {"type": ["string", "null"]},
          "old": {"type": ["string", "null"], "x-verbatim": true, "description": "the field's value as text (JSON text for non-string values)"},
          "new": {"type": ["string", "null"], "x-verbatim": true, "description": "as old"},
          "reason": {"type": ["string", "null"]},
          "origin_node": {"type": ["string", "null"], "description": "the exchange node the change came from; null: made in this file"},
          "origin_msg_no": {"type": ["integer", "null"], "description": "the number of that node's message"}}}}}})~",
      false,
      [](Database& db, const Params& p) { return db.registry().history(p.int64("document")); });

  t.add(
      "registry.number.next",
      "Previews the number the next document of a kind would get (takes nothing).",
      object_schema(R"~("kind": {"type": "string", "minLength": 1},
          "date": {"type": "string", "format": "date", "description": "default: today"},
          "organization_inn": {"type": "string", "description": "for kinds numbered per organisation"})~",
                    R"~(["kind"])~"),
      R"~({"type": "object", "properties": {"kind": {"type": "string"}, "number": {"type": "string"}, "scope": {"type": "string"}}})~",
      false, [](Database& db, const Params& p) {
        const Date date = p.has("date") ? p.date("date") : db.clock().today();
        return db.registry().next_number(p.str("kind"), date, p.opt_str("organization_inn"));
      });

  t.add(
      "registry.kind.define",
      "Defines (or redefines) a host's own document kind: statuses, transitions, items, numbering.",
      object_schema(R"~("kind": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "statuses": {"type": "array", "items": {"type": "string"}},
            "initial": {"type": "string", "description": "default: the first status"},
            "transitions": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}, "description": "{from: [to, ...]}"},
            "has_items": {"type": "boolean"}, "requires_countersign": {"type": "boolean"},
            "number_pattern": {"type": "string", "description": "e.g. АКТ-{yyyy}-{seq:06}; {yyyy} {yy} {mm} {dd} {seq} {seq:N}"},
            "number_per_organization": {"type": "boolean"}}},)~" +
                        kWho,
                    R"~(["kind"])~"),
      kKind, true, [](Database& db, const Params& p) {
        return db.registry().define_kind(p.at("kind").as_object(), registry_context(db, p));
      });

  t.add(
      "registry.kinds", "Every document kind: built-in and defined.", object_schema(""),
      R"~({"type": "object", "properties": {"kinds": {"type": "array", "items": )~" + kKind + "}}}",
      false, [](Database& db, const Params&) { return db.registry().list_kinds(); });

  t.add(
      "registry.link", "Links two documents with a type (adding an existing link changes nothing).",
      kLinkParams,
      R"~({"type": "object", "properties": {"from": {"type": "integer"}, "to": {"type": "integer"}, "type": {"type": "string"}, "created": {"type": "boolean"}}})~",
      true, [](Database& db, const Params& p) {
        return db.registry().link(p.int64("from"), p.int64("to"), p.str("type"),
                                  registry_context(db, p));
      });

  t.add(
      "registry.unlink", "Removes a link between two documents.", kLinkParams,
      R"~({"type": "object", "properties": {"from": {"type": "integer"}, "to": {"type": "integer"}, "type": {"type": "string"}, "removed": {"type": "boolean"}}})~",
      true, [](Database& db, const Params& p) {
        return db.registry().unlink(p.int64("from"), p.int64("to"), p.str("type"),
                                    registry_context(db, p));
      });

  t.add(
      "registry.links", "Links from and to a document.",
      object_schema(kDocumentRef, R"~(["document"])~"),
      R"~({"type": "object", "properties": {"id": {"type": "integer"}, "links": {"type": "array", "items": )~" +
          kLink + "}}}",
      false,
      [](Database& db, const Params& p) { return db.registry().links(p.int64("document")); });

  t.add("registry.file.attach",
        "Attaches a file to a document: content (stored once per SHA-256) or a path reference.",
        object_schema(kDocumentRef + R"~(,
          "name": {"type": "string", "minLength": 1, "maxLength": 255},
          "mime": {"type": "string", "description": "default application/octet-stream"},
          "role": {"type": "string", "enum": ["original", "signed_copy", "scan", "printed_form"], "description": "default original"},
          "content_base64": {"type": "string", "description": "the bytes, base64; limited by the open option max_file_bytes"},
          "path": {"type": "string", "description": "instead of content: where the host keeps the file"},
          "size": {"type": "integer", "minimum": 0, "description": "with path: its size, if known"},)~" +
                          kWho,
                      R"~(["document", "name"])~"),
        kFile, true, [](Database& db, const Params& p) {
          return db.registry().attach_file(p.object(), registry_context(db, p));
        });

  t.add("registry.file.get", "A file's metadata and its bytes (content_base64).",
        object_schema(R"~("file": {"type": "integer", "minimum": 1, "description": "file id"},
          "file_id": {"x-alias-of": "file"})~",
                      R"~(["file"])~"),
        kFile, false,
        [](Database& db, const Params& p) { return db.registry().get_file(p.int64("file")); });

  t.add(
      "registry.files", "Files attached to a document (metadata only).",
      object_schema(kDocumentRef, R"~(["document"])~"),
      R"~({"type": "object", "properties": {"id": {"type": "integer"}, "files": {"type": "array", "items": )~" +
          kFile + "}}}",
      false,
      [](Database& db, const Params& p) { return db.registry().list_files(p.int64("document")); });

  t.add("registry.find",
        "Documents by kind, status, counterparty INN, ref, dates, amounts, validity, finality or a "
        "custom field; sorted, with a cursor.",
        object_schema(R"~(
          "kind": {"type": "string"}, "status": {"type": "string"},
          "counterparty_inn": {"type": "string", "description": "INN (or BIN/IIN): all documents of a company"},
          "ref": {"type": "string", "description": "external ref, e.g. bitrix24:deal:42"},
          "from": {"type": "string", "format": "date", "description": "document date on or after"},
          "to": {"type": "string", "format": "date", "description": "document date on or before"},
          "date_from": {"x-alias-of": "from"}, "date_to": {"x-alias-of": "to"},
          "min_amount": {"type": "string", "format": "money", "description": "gross, in currency"},
          "max_amount": {"type": "string", "format": "money"},
          "amount_min": {"x-alias-of": "min_amount"}, "amount_max": {"x-alias-of": "max_amount"},
          "currency": {"type": "string", "format": "currency", "description": "for amount filters, default RUB"},
          "valid_on": {"type": "string", "format": "date", "description": "valid_from <= date <= valid_to (active contracts)"},
          "is_final": {"type": "boolean"},
          "custom": {"type": "object", "additionalProperties": {"type": ["string", "integer", "boolean", "null"]}, "description": "{field: value}: equality on custom fields (null: the field is absent)"},
          "include_deleted": {"type": "boolean"},
          "sort": {"type": "string", "enum": ["date", "-date", "number", "-number", "gross", "-gross", "id", "-id", "updated_at", "-updated_at"], "description": "default date; - for descending"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "default 100"},
          "after": {"type": "string", "description": "next_cursor of the previous page"},
          "cursor": {"x-alias-of": "after"})~"),
        kDocuments, false, [](Database& db, const Params& p) {
          return db.registry().find(p.object(), registry_context(db, p));
        });

  t.add(
      "registry.missing",
      "Refs that have a document of one kind and none of another (\"deals without acts\").",
      object_schema(R"~(
          "having_kind": {"type": "string", "minLength": 1}, "lacking_kind": {"type": "string", "minLength": 1},
          "ref_prefix": {"type": "string", "description": "e.g. bitrix24:deal:"},
          "after": {"type": "string", "description": "next_after of the previous page"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "default 1000"})~",
                    R"~(["having_kind", "lacking_kind"])~"),
      R"~({"type": "object", "properties": {"refs": {"type": "array", "items": {"type": "string"}}, "next_after": {"type": ["string", "null"], "description": "pass as after for the next page; null at the end"}}})~",
      false, [](Database& db, const Params& p) { return db.registry().missing(p.object()); });

  t.add(
      "registry.expiring",
      "Final documents (contracts by default) whose validity ends within N days.",
      object_schema(R"~(
          "kind": {"type": "string", "description": "default contract"},
          "within_days": {"type": "integer", "minimum": 0, "maximum": 3660},
          "status": {"type": "string", "description": "only documents in this status, e.g. signed (dates alone include cancelled ones)"},
          "date": {"type": "string", "format": "date", "description": "default: today"},
          "on": {"x-alias-of": "date"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 100000})~",
                    R"~(["within_days"])~"),
      R"~({"type": "object", "properties": {"on": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"}, "documents": {"type": "array", "items": )~" +
          kDocument + "}}}",
      false, [](Database& db, const Params& p) {
        return db.registry().expiring(p.object(), registry_context(db, p));
      });

  t.add(
      "registry.search",
      "Full-text search over number, counterparty, basis, item names and notes; case-insensitive, "
      "Cyrillic included; word* for a prefix.",
      object_schema(R"~(
          "query": {"type": "string", "minLength": 1, "maxLength": 1000},
          "kind": {"type": "string"},
          "sort": {"type": "string", "enum": ["newest", "relevance"], "description": "default newest"},
          "order": {"x-alias-of": "sort"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "default 20"})~",
                    R"~(["query"])~"),
      kDocuments, false,
      [](Database& db, const Params& p) { return db.registry().search(p.object()); });
  // A search sees every document committed before it began: what writes
  // queued is indexed first, in a write transaction of its own.
  t.set_prepare("registry.search", [](Database& db) { db.registry().catch_up_index(); });

  t.add(
      "registry.index.flush",
      "Indexes for registry.search every document written since the last flush (writes queue "
      "them; registry.search flushes before it reads, so calling this is never needed for "
      "correctness: it moves the indexing cost to a moment the host chooses).",
      object_schema(""),
      R"~({"type": "object", "properties": {"indexed": {"type": "integer", "minimum": 0, "description": "documents indexed by this call"}}})~",
      true, [](Database& db, const Params&) {
        return json::object{{"indexed", db.registry().flush_index()}};
      });

  t.add(
      "registry.export", "The whole registry as JSON lines, to a file (path) or in the result.",
      object_schema(
          R"~("path": {"type": "string", "description": "write here instead of returning jsonl"},
          "include_journal": {"type": "boolean", "description": "default true"})~"),
      R"~({"type": "object", "properties": {"lines": {"type": "integer"}, "path": {"type": "string"}, "jsonl": {"type": "string"}}})~",
      false, [](Database& db, const Params& p) { return db.registry().export_lines(p.object()); });

  t.add(
      "registry.import", "Restores an export into an empty registry, ids and journal included.",
      object_schema(R"~("path": {"type": "string"}, "jsonl": {"type": "string"},)~" + kWho),
      R"~({"type": "object", "properties": {"lines": {"type": "integer"}, "counts": {"type": "object",
          "additionalProperties": {"type": "integer"}, "description": "lines restored by record type"}}})~",
      true, [](Database& db, const Params& p) {
        return db.registry().import_lines(p.object(), registry_context(db, p));
      });
}

}  // namespace opora::engine

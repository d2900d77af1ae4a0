// edo.*: parties, packets checked before anything leaves, the UPD XML and the
// operator's request body, operator events folded back into the registry.
#include <boost/json.hpp>

#include "edo/edo.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

edo::Context edo_context(Database& db, const Params& p) {
  edo::Context ctx;
  ctx.now = db.clock().now();
  ctx.today = db.clock().today();
  ctx.utc_offset_minutes = db.clock().utc_offset_minutes();
  ctx.actor = p.opt_str("actor").value_or("");
  ctx.new_uuid = [&db] { return db.ids().uuid(); };
  ctx.tax_rates = [&db] { return db.billing().list_tax_rates().at("rates").as_array(); };
  return ctx;
}

const char* kEdoParty =
    R"~({"type": "object", "required": ["party", "role", "type", "inn"], "properties": {
  "party": {"type": "string", "minLength": 1, "maxLength": 200, "description": "the host's id of the party: our, bitrix24:company:7"},
  "code": {"x-alias-of": "party"},
  "role": {"type": "string", "enum": ["our", "counterparty"]},
  "type": {"type": "string", "enum": ["company", "sole_trader"]},
  "name": {"type": "string", "maxLength": 1000, "description": "a company's name; a sole trader's defaults to ИП + full name"},
  "last_name": {"type": "string", "maxLength": 60}, "first_name": {"type": "string", "maxLength": 60},
  "middle_name": {"type": "string", "maxLength": 60},
  "inn": {"type": "string", "description": "10 digits for a company, 12 for a sole trader; checksum checked"},
  "kpp": {"type": "string", "description": "a company's KPP (required); a sole trader has none"},
  "ogrn": {"type": "string", "description": "ОГРН (13, starting with 1 or 5) or a sole trader's ОГРНИП (15, starting with 3), checksum checked"},
  "ogrn_date": {"type": "string", "format": "date", "description": "the date the ОГРНИП was assigned (ДатаОГРНИП); a sole trader's invoice gives it since 2026"},
  "address": {"type": "string", "maxLength": 2000},
  "participant_id": {"type": "string", "maxLength": 100, "description": "ИдУчастникаЭДО: operator prefix (2BM Diadoc, 2BE SBIS) + id, at most 46 characters"},
  "box_id": {"type": "string", "maxLength": 200, "description": "the operator's box id (Diadoc BoxId)"},
  "exchange": {"type": "string", "enum": ["electronic", "paper", "email"], "description": "how the counterparty chose to exchange documents (default electronic)"},
  "email": {"type": "string"},
  "roaming": {"type": "boolean", "description": "reached through another operator (its prefix may differ)"},
  "signer": {"type": "object", "description": "who signs for our organisation", "properties": {
    "last_name": {"type": "string"}, "first_name": {"type": "string"}, "middle_name": {"type": "string"},
    "position": {"type": "string"},
    "authority": {"type": "integer", "minimum": 1, "maximum": 6, "description": "СпосПодтПолном: default 1 (by the data of the electronic signature), 3 when a machine-readable power of attorney (МЧД) is given"},
    "poa_number": {"type": "string", "description": "МЧД number, 36 characters"},
    "poa_date": {"type": "string", "format": "date"}, "poa_system": {"type": "string", "description": "where the МЧД is kept (ИдСистХран)"},
    "poa_issuer_inn": {"type": "string", "description": "INN of the МЧД's issuer (Diadoc FullId.IssuerInn); default: our organisation's"},
    "inn": {"type": "string", "description": "the signer's own INN (12 digits; Diadoc FullId.RepresentativeInn)"},
    "poa_use_default": {"type": "boolean", "description": "Diadoc: send PowerOfAttorney.UseDefault (the employee's default МЧД) instead of FullId"}}},
  "bank": {"type": "object", "required": ["account", "bik"], "properties": {"account": {"type": "string"}, "bik": {"type": "string"},
    "bank_name": {"type": "string"}, "corr_account": {"type": "string"}}}}})~";

const char* kPacketId = R"~({"type": "object", "required": ["packet"], "properties": {
  "packet": {"type": "integer", "minimum": 1}, "actor": {"type": "string"}}})~";

// A problem found offline: the field's path and the rule it breaks.
const std::string kProblems = R"~({"type": "array", "items": {"type": "object", "properties": {
  "field": {"type": "string"}, "rule": {"type": "string"}, "message": {"type": "string"}}}})~";

const std::string kPacket = R"~({"type": "object", "properties": {
  "packet": {"type": "integer"}, "sender": {"type": "string"}, "recipient": {"type": "string"},
  "operator": {"type": "string"}, "lock_mode": {"type": "string"},
  "status": {"type": "string", "enum": ["draft", "validated", "prepared", "sending", "sent", "failed", "cancelled"]},
  "problems": )~" + kProblems +
                            R"~(,
  "operation_id": {"type": ["string", "null"]}, "message_id": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]},
  "comment": {"type": "string"},
  "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
  "rendered_at": {"type": ["string", "null"], "format": "date-time", "description": "the files' formation time, fixed at the first render"},
  "sent_at": {"type": ["string", "null"], "format": "date-time"},
  "documents": {"type": "array", "items": {"type": "object", "properties": {
    "position": {"type": "integer"}, "document": {"type": "integer"},
    "form": {"type": "string", "enum": ["upd", "attachment"]},
    "function": {"type": "string"}, "two_sided": {"type": "boolean"}, "status": {"type": "string"},
    "done": {"type": "boolean"}, "file_guid": {"type": "string"}, "file_name": {"type": ["string", "null"]},
    "raw": {"type": "object", "additionalProperties": true, "description": "the operator's fields, verbatim, the last value of each"},
    "custom_document_id": {"type": "string"}, "operator_document_id": {"type": ["string", "null"]},
    "status_at": {"type": ["string", "null"], "format": "date-time"},
    "sent_at": {"type": ["string", "null"], "format": "date-time"}}}}}})~";

const char* kEdoPartyResult = R"~({"type": "object", "properties": {
  "code": {"type": "string"}, "role": {"type": "string", "enum": ["our", "counterparty"]},
  "type": {"type": "string", "enum": ["company", "sole_trader"]}, "name": {"type": "string"},
  "last_name": {"type": "string"}, "first_name": {"type": "string"}, "middle_name": {"type": "string"},
  "inn": {"type": "string"}, "kpp": {"type": "string"}, "ogrn": {"type": "string"},
  "ogrn_date": {"type": "string", "format": "date"},
  "address": {"type": "string"}, "participant_id": {"type": "string"}, "box_id": {"type": "string"},
  "exchange": {"type": "string", "enum": ["electronic", "paper", "email"]}, "email": {"type": "string"},
  "roaming": {"type": "boolean"},
  "signer": {"type": "object", "properties": {
    "last_name": {"type": "string"}, "first_name": {"type": "string"}, "middle_name": {"type": "string"},
    "position": {"type": "string"}, "authority": {"type": "integer"}, "poa_number": {"type": "string"},
    "poa_date": {"type": "string", "format": "date"}, "poa_system": {"type": "string"},
    "poa_issuer_inn": {"type": "string"}, "inn": {"type": "string"}, "poa_use_default": {"type": "boolean"}}},
  "bank": {"type": "object", "properties": {"account": {"type": "string"}, "bik": {"type": "string"},
    "bank_name": {"type": "string"}, "corr_account": {"type": "string"}}},
  "operator": {"type": "string", "description": "diadoc or sbis by the participant id's prefix; empty: none"},
  "updated_at": {"type": "string", "format": "date-time"}}})~";

// What edo.packet.render hands the host: the files and the operator's request.
const std::string kFiles = R"~({"type": "array", "items": {"type": "object", "properties": {
  "document": {"type": "integer"}, "position": {"type": "integer"},
  "form": {"type": "string", "enum": ["upd", "attachment"]}, "name": {"type": "string"},
  "mime": {"type": "string"}, "encoding": {"type": ["string", "null"]},
  "sha256": {"type": "string"}, "size": {"type": "integer"}, "content_base64": {"type": "string"}}}})~";
const std::string kRequest = R"~({"type": "object", "properties": {
  "operator": {"type": "string"}, "method": {"type": "string"}, "path": {"type": "string"},
  "content_type": {"type": "string"},
  "body": {"type": "object", "additionalProperties": true, "description": "the operator's request body, to send as it is once signed"},
  "sign": {"type": "string", "description": "where the signatures go"}}})~";

const std::string kPacketList =
    R"~({"type": "object", "properties": {"packets": {"type": "array", "items": )~" + kPacket +
    "}}}";

}  // namespace

void register_edo_methods(MethodTable& t) {
  t.add("edo.party.put",
        "Stores our organisation or a counterparty for EDO (upsert by party): requisites checked "
        "(INN/OGRN checksums, KPP for a company and none for a sole trader, participant id "
        "shape, bank key), every problem listed.",
        kEdoParty, kEdoPartyResult, true, [](Database& db, const Params& p) {
          return db.edo().put_party(p.object(), edo_context(db, p));
        });
  t.add("edo.party.get", "One EDO party by its id.",
        R"~({"type": "object", "required": ["party"], "properties": {
          "party": {"type": "string", "description": "the host's id of the party (edo.party.put)"},
          "code": {"x-alias-of": "party"}}})~",
        kEdoPartyResult, false,
        [](Database& db, const Params& p) { return db.edo().get_party(p.str("party")); });
  t.add(
      "edo.parties", "EDO parties, by role or INN.",
      R"~({"type": "object", "properties": {"role": {"type": "string", "enum": ["our", "counterparty"]},
          "inn": {"type": "string"}}})~",
      std::string(R"~({"type": "object", "properties": {"parties": {"type": "array", "items": )~") +
          kEdoPartyResult + "}}}",
      false, [](Database& db, const Params& p) { return db.edo().parties(p.object()); });
  t.add(
      "edo.packet.create",
      "Builds a draft packet of registry documents from our organisation to a counterparty "
      "through an operator; a document is in at most one live packet.",
      R"~({"type": "object", "required": ["documents", "sender", "recipient", "operator"], "properties": {
          "documents": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": ["integer", "object"],
            "description": "a registry document id, or {document, function (СЧФ|ДОП|СЧФДОП), form: attachment}",
            "required": ["document"], "properties": {"document": {"type": "integer", "minimum": 1},
              "function": {"type": "string", "enum": ["СЧФ", "ДОП", "СЧФДОП"]},
              "form": {"type": "string", "enum": ["upd", "attachment"]}}}},
          "sender": {"type": "string", "description": "code of our organisation"},
          "recipient": {"type": "string", "description": "code of the counterparty"},
          "operator": {"type": "string", "enum": ["diadoc", "sbis"]},
          "lock_mode": {"type": "string", "enum": ["none", "send", "full"], "description": "Diadoc LockMode; default none"},
          "comment": {"type": "string", "maxLength": 5000}, "actor": {"type": "string"}}})~",
      kPacket, true, [](Database& db, const Params& p) {
        return db.edo().create_packet(p.object(), edo_context(db, p));
      });
  t.add(
      "edo.packet.validate",
      "Checks a packet offline with every problem at once (field path and rule): requisites, "
      "KPP rule, participant ids and operator prefix, the counterparty's exchange method, "
      "signer, numbers, dates not in the future, items summing to totals, VAT by rate and "
      "supply date, files of non-formalised documents, operator limits. No problems: validated.",
      kPacketId,
      R"~({"type": "object", "properties": {"packet": {"type": "integer"}, "status": {"type": "string"},
          "valid": {"type": "boolean"}, "problems": )~" +
          kProblems + "}}",
      true, [](Database& db, const Params& p) {
        return db.edo().validate_packet(p.object(), edo_context(db, p));
      });
  t.add(
      "edo.packet.render",
      "Renders a validated packet: the UPD seller title (FNS format 5.03, windows-1251, file "
      "name = ИдФайл) of each formalised document, the file of each other one, and the "
      "operator's request body (Diadoc PostMessage, SBIS СБИС.ЗаписатьДокумент) for the host "
      "to sign and send; the same packet renders the same bytes again.",
      kPacketId,
      R"~({"type": "object", "properties": {"packet": {"type": "integer"}, "status": {"type": "string"},
          "operation_id": {"type": "string", "description": "the send's idempotency key (Diadoc operationId)"},
          "files": )~" +
          kFiles + R"~(, "request": )~" + kRequest + "}}",
      true, [](Database& db, const Params& p) {
        return db.edo().render_packet(p.object(), edo_context(db, p));
      });
  t.add(
      "edo.packet.build",
      "The usual job in one call: the registry documents of a ref (bitrix24:deal:42) that "
      "travel through the operator, the parties found by the documents' INNs (or given), a "
      "packet created (or the live one reused), validated, and rendered when it passes; "
      "otherwise the problems. Documents already sent are skipped.",
      R"~({"type": "object", "required": ["ref", "operator"], "properties": {
          "ref": {"type": "string", "minLength": 1}, "operator": {"type": "string", "enum": ["diadoc", "sbis"]},
          "kinds": {"type": "array", "items": {"type": "string"}, "description": "only these kinds"},
          "sender": {"type": "string"}, "recipient": {"type": "string"},
          "lock_mode": {"type": "string", "enum": ["none", "send", "full"]},
          "comment": {"type": "string", "maxLength": 5000}, "actor": {"type": "string"}}})~",
      R"~({"type": "object", "properties": {"packet": {"type": "integer"}, "valid": {"type": "boolean"},
          "status": {"type": "string"}, "problems": )~" +
          kProblems + R"~(,
          "operation_id": {"type": "string", "description": "valid: the send's idempotency key"},
          "files": )~" +
          kFiles + R"~(, "request": )~" + kRequest + R"~(,
          "reused": {"type": "boolean", "description": "the ref's live packet, not a new one"},
          "skipped": {"type": "array", "description": "the ref's documents this build left out, each with why", "items": {"type": "object", "properties": {
            "document": {"type": "integer"}, "packet": {"type": "integer"}, "status": {"type": "string"},
            "reason": {"type": "string"}}}}}})~",
      true, [](Database& db, const Params& p) {
        return db.edo().build_packet(p.object(), edo_context(db, p));
      });
  t.add("edo.packet.mark",
        "What the host's send did: sending, sent (with the operator's message and document "
        "ids) or failed (with the error); sent moves each document to sent.",
        R"~({"type": "object", "required": ["packet", "status"], "properties": {
          "packet": {"type": "integer", "minimum": 1},
          "status": {"type": "string", "enum": ["sending", "sent", "failed"]},
          "message_id": {"type": "string"}, "error": {"type": "string"},
          "documents": {"type": "array", "items": {"type": "object", "required": ["document", "operator_document_id"],
            "properties": {"document": {"type": "integer"}, "operator_document_id": {"type": "string"}}}},
          "actor": {"type": "string"}}})~",
        kPacket, true, [](Database& db, const Params& p) {
          return db.edo().mark_packet(p.object(), edo_context(db, p));
        });
  t.add("edo.packet.cancel", "Cancels a packet not yet sent; its documents are free again.",
        kPacketId, kPacket, true, [](Database& db, const Params& p) {
          return db.edo().cancel_packet(p.object(), edo_context(db, p));
        });
  t.add("edo.packet.get", "A packet with its documents and their EDO statuses.", kPacketId, kPacket,
        false,
        [](Database& db, const Params& p) { return db.edo().get_packet(p.int64("packet")); });
  t.add("edo.packets",
        "Packets by status or operator; with_errors: failed or with problems to fix.",
        R"~({"type": "object", "properties": {
          "status": {"type": "string", "enum": ["draft", "validated", "prepared", "sending", "sent", "failed", "cancelled"]},
          "operator": {"type": "string", "enum": ["diadoc", "sbis"]}, "with_errors": {"type": "boolean"},
          "limit": {"type": "integer", "minimum": 1, "maximum": 10000}}})~",
        kPacketList, false,
        [](Database& db, const Params& p) { return db.edo().packets(p.object()); });
  t.add(
      "edo.awaiting",
      "Documents sent for the counterparty's signature and still unsigned after more than N "
      "working days (seed 004: 5).",
      R"~({"type": "object", "properties": {"working_days": {"type": "integer", "minimum": 0, "maximum": 365},
          "calendar": {"type": "string", "description": "default ru"}}})~",
      R"~({"type": "object", "properties": {"working_days": {"type": "integer"},
          "today": {"type": "string", "format": "date"},
          "documents": {"type": "array", "items": {"type": "object", "properties": {
            "document": {"type": "integer"}, "packet": {"type": "integer"}, "kind": {"type": "string"},
            "number": {"type": "string"}, "status": {"type": "string"}, "operator": {"type": "string"},
            "recipient": {"type": "string"}, "sent_at": {"type": "string", "format": "date-time"},
            "due": {"type": "string", "format": "date", "description": "the last working day to sign in"},
            "refs": {"type": "array", "items": {"type": "string"}}}}}}})~",
      false, [](Database& db, const Params& p) {
        return db.edo().awaiting(p.object(), edo_context(db, p));
      });
  t.add("edo.operator_types",
        "The data behind packets: normalised statuses in order, per operator its prefix, "
        "message limit, kind → (type, function, version), raw status fields; per kind the "
        "registry status of each EDO status.",
        R"~({"type": "object", "properties": {}})~",
        R"~({"type": "object", "properties": {
          "statuses": {"type": "array", "items": {"type": "string"}, "description": "normalised statuses, in order"},
          "operators": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "title": {"type": "string"}, "prefix": {"type": "string"}, "max_documents": {"type": "integer"},
            "kinds": {"type": "object", "additionalProperties": {"type": "object", "properties": {
              "form": {"type": "string", "enum": ["upd", "attachment"]}, "type": {"type": "string"},
              "function": {"type": "string"},
              "version": {"type": "string", "x-verbatim": true, "description": "the format's version as the operator names it (5.03)"},
              "metadata": {"type": "array", "items": {"type": "string"}, "description": "the metadata keys the type takes from the sender"}}}},
            "raw": {"type": "array", "items": {"type": "object", "properties": {
              "field": {"type": "string"}, "value": {"type": ["string", "boolean"]}, "status": {"type": "string"}}}}}}},
          "registry": {"type": "object", "description": "per kind: EDO status -> registry status",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}}})~",
        false, [](Database& db, const Params&) { return db.edo().operator_types(); });
  t.add(
      "edo.event.apply",
      "Folds an operator event into a document: once per event id (a repeat returns the "
      "first answer), the cursor saved with it; the normalised status (given, or read from "
      "the raw operator fields) only moves forward; registry status, signed file and a "
      "domain event (edo.document_signed, edo.document_refused) in the same transaction; an "
      "event for no known document is kept as unmatched.",
      R"~({"type": "object", "required": ["operator", "event_id"], "properties": {
          "operator": {"type": "string", "enum": ["diadoc", "sbis"]},
          "event_id": {"type": "string", "minLength": 1, "maxLength": 200},
          "cursor": {"type": "string", "description": "the polling position after this event (Diadoc IndexKey)"},
          "document": {"type": "integer", "description": "our registry document id"},
          "custom_document_id": {"type": "string", "description": "opora:<packet>:<document>, as rendered"},
          "operator_document_id": {"type": "string"},
          "status": {"type": "string", "description": "a normalised status (edo.operator_types); else read from raw"},
          "raw": {"type": "object", "additionalProperties": true, "description": "the operator's fields, kept verbatim"},
          "signed_file": {"type": "object", "required": ["name", "content_base64"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255}, "content_base64": {"type": "string"},
            "mime": {"type": "string"}}},
          "actor": {"type": "string"}}})~",
      R"~({"type": "object", "properties": {"matched": {"type": "boolean"}, "operator": {"type": "string"},
          "event_id": {"type": "string"}, "message": {"type": "string", "description": "unmatched: why"},
          "document": {"type": "integer"}, "packet": {"type": "integer"}, "status": {"type": "string"},
          "revocation": {"type": "string", "description": "revocation_requested, revoked, or empty"},
          "previous": {"type": "string"}, "changed": {"type": "boolean"},
          "done": {"type": "boolean"}, "registry_status": {"type": "string"},
          "posted": {"type": "array", "description": "domain events posted to the workflows", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "key": {"type": "string"},
            "started": {"type": "array", "items": {"type": "object", "properties": {
              "definition": {"type": "string"}, "instance": {"type": "integer"}, "existing": {"type": "boolean"}}}},
            "delivered": {"type": "array", "items": {"type": "object", "properties": {
              "definition": {"type": "string"}, "instance": {"type": "integer"}, "accepted": {"type": "boolean"}}}}}}},
          "signed_file": {"type": "integer", "description": "the registry file id of the signed copy"},
          "duplicate": {"type": "boolean"}}})~",
      true, [](Database& db, const Params& p) {
        return db.edo().apply_event(p.object(), edo_context(db, p));
      });
  t.add(
      "edo.cursor", "Where event polling stands for an operator.",
      R"~({"type": "object", "required": ["operator"], "properties": {"operator": {"type": "string", "enum": ["diadoc", "sbis"]}}})~",
      R"~({"type": "object", "properties": {"operator": {"type": "string"}, "cursor": {"type": ["string", "null"]},
          "updated_at": {"type": ["string", "null"], "format": "date-time"}}})~",
      false, [](Database& db, const Params& p) { return db.edo().cursor(p.str("operator")); });
  t.add(
      "edo.events.unmatched", "Operator events that matched no document, oldest first.",
      R"~({"type": "object", "properties": {"operator": {"type": "string", "enum": ["diadoc", "sbis"]},
          "limit": {"type": "integer", "minimum": 1, "maximum": 10000}}})~",
      R"~({"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object", "properties": {
          "operator": {"type": "string"}, "event_id": {"type": "string"},
          "event": {"type": "object", "additionalProperties": true, "description": "the event as it came (edo.event.apply's parameters)"},
          "received_at": {"type": "string", "format": "date-time"}}}}}})~",
      false, [](Database& db, const Params& p) { return db.edo().unmatched(p.object()); });
}

}  // namespace opora::engine

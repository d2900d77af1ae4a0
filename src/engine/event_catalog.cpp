#include "engine/event_catalog.hpp"

#include <boost/json.hpp>
#include <string>

#include "engine/schema.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

// What every billing event says of its account.
const std::string kAccountFacts = R"~(
  "account": {"type": "string", "description": "account number (лицевой счёт)"},
  "holder": {"type": "string", "description": "the holder's name"},
  "holder_tax_id": {"type": ["string", "null"], "description": "the holder's IIN/INN/BIN"},
  "phone": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]},
  "status": {"type": "string", "enum": ["active", "suspended", "disconnected"], "description": "the account's status now"},
  "organization": {"type": ["string", "null"], "description": "tax id of our organisation that bills it"},
  "calendar": {"type": "string", "description": "the organisation's business calendar (billing.organization.put calendar; kz for a BIN or IIN, ru for an INN)"},
  "currency": {"type": "string", "description": "the account's ISO 4217 currency"},
  "currency_sign": {"type": "string", "description": "how a message writes it: руб., ₸"},
  "pay_by": {"type": "string", "description": "what the payer types in the bank app: the holder's IIN/INN, else the account number"},
  "pay_by_name": {"type": "string", "description": "its name in a message: ИИН, ИНН, БИН or лицевому счёту"})~";
const std::string kPosition = R"~(,
  "debt": {"type": "string", "format": "money", "description": "after the change"},
  "overdue": {"type": "string", "format": "money", "description": "after the change"},
  "balance": {"type": "string", "format": "money", "description": "after the change: paid - accrued"})~";
const char* kAccountRequired =
    R"~("account", "holder", "status", "calendar", "currency", "currency_sign", "pay_by", "pay_by_name")~";
const char* kPositionRequired = R"~(, "debt", "overdue", "balance")~";

// What every EDO event says of its document.
const std::string kEdoDocument =
    R"~({"type": "object", "required": ["document", "kind", "status", "operator", "packet", "recipient"], "properties": {
  "document": {"type": "integer", "description": "the registry document"},
  "kind": {"type": "string", "description": "its registry kind: act, upd, contract, invoice, ..."},
  "number": {"type": ["string", "null"]}, "date": {"type": ["string", "null"], "format": "date"},
  "status": {"type": "string", "description": "the EDO status it moved to"},
  "operator": {"type": "string", "enum": ["diadoc", "sbis"]},
  "packet": {"type": "integer"},
  "recipient": {"type": "string", "description": "the counterparty's party code (edo.party.put)"},
  "recipient_id": {"type": "string", "description": "its EDO participant id, or empty"},
  "operator_document_id": {"type": "string", "description": "the operator's id of the document, or empty"}}})~";

json::object entry(const char* type, const char* module, const char* summary, const char* key,
                   const std::string& data) {
  return {{"type", type},
          {"module", module},
          {"summary", summary},
          {"key", key},
          {"data", parse_schema(data.c_str())}};
}

std::string billing_data(const std::string& own, const std::string& required, bool position) {
  return R"~({"type": "object", "required": [)~" + std::string(kAccountRequired) +
         (position ? kPositionRequired : "") + required + R"~(], "properties": {)~" +
         kAccountFacts + (position ? kPosition : std::string()) + own + "}}";
}

json::array build() {
  const char* account_key = "billing:account:{number}";
  const char* edo_key = "each ref of the document, e.g. bitrix24:deal:42";
  json::array out;
  out.push_back(
      entry("billing.accrual_posted", "billing",
            "An accrual document was posted for an account (a run's lines, a one-time charge, a "
            "recalculation); one event per document.",
            account_key,
            billing_data(
                R"~(,
        "accrual": {"type": "string", "description": "the same for this accrual wherever it is reported: doc:<document> or line:<first line>"},
        "period": {"type": "string", "description": "YYYY-MM"},
        "date": {"type": "string", "format": "date"}, "due_date": {"type": "string", "format": "date", "description": "the earliest due date of its lines"},
        "amount": {"type": "string", "format": "money", "description": "gross; negative for a reduction"},
        "vat": {"type": "string", "format": "money"}, "lines": {"type": "integer"},
        "kind": {"type": "string", "description": "fee, freeze, adjustment, charge, ... (mixed when its lines differ)"},
        "run": {"type": ["integer", "null"]}, "document": {"type": ["integer", "null"], "description": "the registry accrual document"},
        "number": {"type": ["string", "null"], "description": "its number"})~",
                R"~(, "accrual", "period", "date", "due_date", "amount", "vat", "lines", "kind")~",
                true)));
  out.push_back(entry(
      "billing.accrual_reversed", "billing",
      "A cancelled run reversed an account's lines (billing.run.cancel); one event per account.",
      account_key,
      billing_data(R"~(,
        "run": {"type": "integer"}, "period": {"type": "string"}, "date": {"type": "string", "format": "date"},
        "amount": {"type": "string", "format": "money", "description": "the storno lines' sum (negative)"})~",
                   R"~(, "run", "period", "date", "amount")~", true)));
  out.push_back(
      entry("billing.payment_posted", "billing",
            "A payment was posted (billing.pay, billing.gateway, a bank statement); a replayed "
            "payment posts nothing and publishes nothing.",
            account_key,
            billing_data(R"~(,
        "receipt": {"type": "string"}, "channel": {"type": "string"}, "txn_id": {"type": "string"},
        "amount": {"type": "string", "format": "money"}, "date": {"type": "string", "format": "date"},
        "txn_date": {"type": "string", "description": "as the agent stated it"},
        "debt_before": {"type": "string", "format": "money"})~",
                         R"~(, "receipt", "channel", "txn_id", "amount", "date", "debt_before")~",
                         true)));
  out.push_back(entry("billing.payment_reversed", "billing",
                      "A payment was reversed (billing.payment.storno).", account_key,
                      billing_data(R"~(,
        "receipt": {"type": "string"}, "storno": {"type": "string"},
        "amount": {"type": "string", "format": "money", "description": "negative"},
        "date": {"type": "string", "format": "date"})~",
                                   R"~(, "receipt", "storno", "amount", "date")~", true)));
  out.push_back(
      entry("billing.debt_cleared", "billing",
            "The account's debt went from something to nothing: published after the event of the "
            "change that did it (a payment, a correction, a cancelled run).",
            account_key,
            billing_data(R"~(,
        "date": {"type": "string", "format": "date"},
        "debt_before": {"type": "string", "format": "money"},
        "cause": {"type": "string", "enum": ["payment", "correction", "run_cancelled"]},
        "cause_id": {"type": "string", "description": "the receipt, the correction's first line or the run"})~",
                         R"~(, "date", "debt_before", "cause", "cause_id")~", true)));
  out.push_back(entry("billing.account_status_changed", "billing",
                      "An account's status changed (billing.account.put status): active, "
                      "suspended, disconnected; `status` is the new one.",
                      account_key,
                      billing_data(R"~(,
        "previous": {"type": "string", "enum": ["active", "suspended", "disconnected"]},
        "date": {"type": "string", "format": "date"}, "at": {"type": "string", "format": "date-time"})~",
                                   R"~(, "previous", "date", "at")~", false)));
  out.push_back(entry(
      "exchange.conflict", "exchange",
      "A node's edit of a field it does not own was overruled by the central file (exchange.in); "
      "the node's value is kept in exchange.conflicts. One event per field.",
      "exchange:document:{uid}",
      R"~({"type": "object", "required": ["conflict", "node", "msg_no", "uid", "kind", "field", "resolution"], "properties": {
        "conflict": {"type": "integer", "description": "its id in exchange.conflicts"},
        "node": {"type": "string"}, "msg_no": {"type": "integer"},
        "uid": {"type": "string", "description": "the document's global id"},
        "kind": {"type": "string"}, "field": {"type": "string", "description": "status, items, custom.paid, ..."},
        "base": {"description": "the value the node started from"},
        "ours": {"description": "the central file's value, which stands"},
        "theirs": {"description": "the node's value"},
        "resolution": {"type": "string", "enum": ["centre_wins"]}}})~"));
  out.push_back(entry("edo.document_refused", "edo",
                      "The counterparty refused to sign a document (edo.event.apply).", edo_key,
                      kEdoDocument));
  out.push_back(entry("edo.document_revoked", "edo",
                      "A document's revocation was accepted (edo.event.apply).", edo_key,
                      kEdoDocument));
  out.push_back(entry("edo.document_sent", "edo",
                      "A document went out: its packet was marked sent (edo.packet.mark), or "
                      "the operator reported it sent.",
                      edo_key, kEdoDocument));
  out.push_back(entry("edo.document_signed", "edo",
                      "The counterparty signed a document, with or without disagreement "
                      "(edo.event.apply); its signed copy is in the registry.",
                      edo_key, kEdoDocument));
  return out;
}

}  // namespace

const json::array& event_catalog() {
  static const json::array catalog = build();
  return catalog;
}

}  // namespace opora::engine

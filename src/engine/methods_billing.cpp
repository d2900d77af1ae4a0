// billing.*: accounts, tariffs, subscriptions, the accrual run, payments and
// their bank protocols, balances, reports, dunning, QR codes and statements.
#include <boost/json.hpp>

#include "billing/billing.hpp"
#include "core/base64.hpp"
#include "engine/database.hpp"
#include "engine/method_table.hpp"
#include "engine/params.hpp"
#include "engine/qr_image.hpp"
#include "engine/schema.hpp"
#include "workflow/workflow.hpp"

namespace opora::engine {
namespace json = boost::json;

namespace {

billing::Context billing_context(Database& db, const Params& p) {
  billing::Context ctx;
  ctx.now = db.clock().now();
  ctx.today = db.clock().today();
  ctx.actor = p.opt_str("actor");
  ctx.reason = p.opt_str("reason");
  return ctx;
}

const std::string kAccount =
    R"~("account": {"type": "string", "minLength": 1, "description": "account number (лицевой счёт)"})~";

std::string obj(const std::string& properties, const char* required = "[]") {
  return std::string(R"~({"type": "object", "required": )~") + required + R"~(, "properties": {)~" +
         properties + "}}";
}

const std::string kTariff =
    R"~({"type": "object", "required": ["tariff", "name", "fee"], "properties": {
  "tariff": {"type": "string", "description": "the tariff's code"},
  "code": {"x-alias-of": "tariff"}, "name": {"type": "string"},
  "fee": {"type": "string", "format": "money", "description": "per month, or per day with fee_period day"},
  "currency": {"type": "string", "format": "currency", "description": "ISO 4217, default RUB"},
  "fee_period": {"type": "string", "enum": ["month", "day"]},
  "tax": {"type": "string", "description": "tax code: ru_vat (20% to 2025, 22% from 2026), ru_vat_10, ru_vat_5 and ru_vat_7 (USN, from 2025), ru_vat_0, none, kz_vat (12%/16%), or one a host defined; default ru_vat, kz_vat for KZT"},
  "vat_mode": {"type": "string", "enum": ["included", "on_top"]},
  "billing": {"type": "string", "enum": ["advance", "arrears"], "description": "accrued on the first or the last day of the period"},
  "proration": {"type": "string", "enum": ["actual", "none"], "description": "actual: by days of the month; none: the full fee for any active day"},
  "freeze_fee": {"type": "string", "format": "money", "description": "monthly fee while frozen; absent: free"},
  "payment_term_days": {"type": "integer", "minimum": 0, "maximum": 366, "description": "due date = accrual date + this, default 10"}}})~";

const std::string kBillingParty = R"~({"type": "object", "properties": {
  "type": {"type": "string", "enum": ["company", "sole_trader", "person"]}, "name": {"type": "string"},
  "inn": {"type": "string"}, "iin": {"type": "string"}, "bin": {"type": "string"}, "kpp": {"type": "string"}}})~";

// A party as the results give it: one of inn, iin, bin by the holder's country and type.
const std::string kPartyResult = R"~({"type": "object", "properties": {
  "type": {"type": "string", "enum": ["company", "sole_trader", "person"]}, "name": {"type": "string"},
  "inn": {"type": "string"}, "iin": {"type": "string"}, "bin": {"type": "string"}, "kpp": {"type": "string"}}})~";

const std::string kSubscription = R"~({"type": "object", "properties": {
  "subscription": {"type": "integer"}, "service": {"type": "string"},
  "from": {"type": "string", "format": "date"},
  "to": {"type": ["string", "null"], "format": "date", "description": "the last day billed; null: open"},
  "tariffs": {"type": "array", "items": {"type": "object", "properties": {
    "from": {"type": "string", "format": "date"}, "tariff": {"type": "string"}}}},
  "freezes": {"type": "array", "items": {"type": "object", "properties": {
    "freeze": {"type": "integer"}, "from": {"type": "string", "format": "date"},
    "to": {"type": ["string", "null"], "format": "date"},
    "fee": {"type": ["string", "null"], "format": "money", "description": "monthly fee while frozen; null: free"}}}}}})~";

const std::string kAccountResult = R"~({"type": "object", "properties": {
  "number": {"type": "string"}, "holder": )~" +
                                   kPartyResult + R"~(, "phone": {"type": "string"},
  "address": {"type": "string"}, "organization": {"type": "string"}, "currency": {"type": "string"},
  "status": {"type": "string", "enum": ["active", "suspended", "disconnected"]},
  "credit_limit": {"type": "string", "format": "money"},
  "balance": {"type": "string", "format": "money", "description": "paid - accrued: negative is debt"},
  "debt": {"type": "string", "format": "money"}, "overdue": {"type": "string", "format": "money"},
  "subscriptions": {"type": "array", "items": )~" +
                                   kSubscription + "}}}";

const std::string kRun = R"~({"type": "object", "properties": {
  "run": {"type": ["integer", "null"], "description": "null: nothing to bill"}, "period": {"type": "string"},
  "status": {"type": "string", "description": "running, done, cancelled, or nothing_to_bill"},
  "accounts": {"type": "integer"}, "lines": {"type": "integer"},
  "new_lines": {"type": "integer", "description": "lines this call posted"},
  "complete": {"type": "boolean", "description": "false when stopped by the progress callback; call again to resume"},
  "resumed": {"type": "boolean"},
  "totals": {"type": "array", "items": {"type": "object", "properties": {
    "currency": {"type": "string"}, "amount": {"type": "string", "format": "money"}, "vat": {"type": "string", "format": "money"}}}},
  "started_at": {"type": "string", "format": "date-time"},
  "finished_at": {"type": ["string", "null"], "format": "date-time"},
  "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
  "lines_reversed": {"type": "integer", "description": "billing.run.cancel only"},
  "chunks": {"type": "object", "description": "the run's chunks (ranges of accounts) by state; absent with nothing_to_bill", "properties": {
    "pending": {"type": "integer"}, "leased": {"type": "integer", "description": "held by a worker"},
    "done": {"type": "integer"}, "cancelled": {"type": "integer"}}},
  "worker": {"type": "string", "description": "billing.run.work only"},
  "chunks_done": {"type": "integer", "description": "billing.run.work only: chunks this call billed"},
  "chunks_lost": {"type": "integer", "description": "billing.run.work only: chunks whose lease ran out and another worker took, rolled back"}}})~";

const std::string kPayAnswer = R"~({"type": "object", "properties": {
  "receipt": {"type": "string", "description": "our payment id (prv_txn); the same on every repeat"},
  "channel": {"type": "string"}, "txn_id": {"type": "string"}, "account": {"type": "string"},
  "amount": {"type": "string", "format": "money"}, "currency": {"type": "string"},
  "txn_date": {"type": "string", "x-verbatim": true, "description": "the agent's own local time (YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD), as it sent it"},
  "date": {"type": "string", "format": "date"},
  "received_at": {"type": "string", "format": "date-time"},
  "balance": {"type": "string", "format": "money", "description": "after this payment"},
  "debt": {"type": "string", "format": "money"},
  "replayed": {"type": "boolean", "description": "true: a repeat, answered as the first time, nothing posted"},
  "line": {"type": "integer", "description": "billing.statement.resolve only: the statement line"}}})~";

const std::string kTariffResult = R"~({"type": "object", "properties": {
  "code": {"type": "string"}, "name": {"type": "string"},
  "fee": {"type": "string", "format": "money", "description": "per month, or per day with fee_period day"},
  "currency": {"type": "string"}, "fee_period": {"type": "string", "enum": ["month", "day"]},
  "tax": {"type": "string"}, "vat_mode": {"type": "string", "enum": ["included", "on_top"]},
  "billing": {"type": "string", "enum": ["advance", "arrears"]},
  "proration": {"type": "string", "enum": ["actual", "none"]},
  "freeze_fee": {"type": ["string", "null"], "format": "money", "description": "monthly fee while frozen; null: free"},
  "payment_term_days": {"type": "integer"}}})~";

// A tax rate as text: a percent ("22", "12.5") or "none" (без НДС).
const std::string kRate =
    R"~({"type": "string", "format": "rate", "description": "percent (\"22\", \"12.5\") or \"none\""})~";

const std::string kTaxRate = R"~({"type": "object", "properties": {
  "code": {"type": "string"}, "valid_from": {"type": "string", "format": "date"},
  "valid_to": {"type": ["string", "null"], "format": "date", "description": "null: still in force"},
  "rate": )~" + kRate + R"~(, "title": {"type": "string"}}})~";

const std::string kOrganizationResult = R"~({"type": "object", "properties": {
  "type": {"type": "string", "enum": ["company", "sole_trader"]}, "name": {"type": "string"},
  "inn": {"type": "string"}, "kpp": {"type": "string"}, "bin": {"type": "string"}, "iin": {"type": "string"},
  "calendar": {"type": "string", "description": "the business calendar of its accounts' processes"},
  "payment_link": {"type": "string", "description": "template of an order's payment link"},
  "bank": {"type": "object", "properties": {"account": {"type": "string"}, "name": {"type": "string"},
    "bic": {"type": "string"}, "corr_account": {"type": ["string", "null"]}}}}})~";

const std::string kFreezeResult = R"~({"type": "object", "properties": {
  "freeze": {"type": "integer"}, "subscription": {"type": "integer"},
  "from": {"type": "string", "format": "date", "description": "billing.subscription.freeze only"},
  "to": {"type": ["string", "null"], "format": "date", "description": "the last frozen day; null: until unfrozen"},
  "fee": {"type": ["string", "null"], "format": "money", "description": "billing.subscription.freeze only"}}})~";

const std::string kLedger = R"~({"type": "object", "properties": {
  "account": {"type": "string"},
  "entries": {"type": "array", "items": {"type": "object", "properties": {
    "entry": {"type": "string", "enum": ["accrual", "payment"]}, "id": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "kind": {"type": "string", "description": "subscription, charge, storno, payment..."},
    "text": {"type": "string"}, "amount": {"type": "string", "format": "money"},
    "vat": {"type": "string", "format": "money"},
    "period": {"type": ["string", "null"], "description": "YYYY-MM of an accrual"},
    "document": {"type": ["integer", "null"], "description": "registry document id"},
    "reverses": {"type": ["integer", "null"], "description": "the entry a storno reverses"},
    "reversed_by": {"type": ["integer", "null"], "description": "the storno that reverses this entry"},
    "subscription": {"type": ["integer", "null"], "description": "accrual: the subscription billed"},
    "from": {"type": ["string", "null"], "format": "date", "description": "accrual: first day of service"},
    "to": {"type": ["string", "null"], "format": "date", "description": "accrual: last day of service"},
    "base": {"type": "string", "format": "money", "description": "accrual: the price before discount"},
    "discount": {"type": "string", "format": "money", "description": "accrual: the discount taken"},
    "tax": {"type": "string", "description": "accrual: the tax code"},
    "vat_rate": {"type": "string", "format": "rate", "description": "accrual: the rate the line was computed at"},
    "vat_mode": {"type": "string", "description": "accrual: included or on_top"},
    "due_date": {"type": "string", "format": "date", "description": "accrual: when it is due"},
    "txn_date": {"type": ["string", "null"], "x-verbatim": true, "description": "payment: the agent's own date and time"}}}}}})~";

const std::string kAgeing = R"~({"type": "object", "properties": {
  "date": {"type": "string", "format": "date"},
  "ageing": {"type": "array", "items": {"type": "object", "properties": {
    "currency": {"type": "string"}, "accounts": {"type": "integer", "description": "accounts with open debt"},
    "buckets": {"type": "object", "properties": {
      "not_due": {"type": "string", "format": "money"}, "0-30": {"type": "string", "format": "money"},
      "31-60": {"type": "string", "format": "money"}, "61-90": {"type": "string", "format": "money"},
      "90+": {"type": "string", "format": "money"}}},
    "total": {"type": "string", "format": "money"}}}}}})~";

const std::string kStatementLine = R"~({"type": "object", "properties": {
  "line": {"type": "integer"}, "number": {"type": "string"}, "date": {"type": "string", "format": "date"},
  "amount": {"type": "string", "format": "money"}, "payer": {"type": "string"},
  "payer_inn": {"type": "string"}, "payer_account": {"type": "string"}, "purpose": {"type": "string"},
  "status": {"type": "string", "enum": ["posted", "unmatched"], "description": "billing.statement.import only"},
  "account": {"type": "string"}, "receipt": {"type": "string"}}})~";

const std::string kBalance = R"~({"type": "object", "properties": {
  "account": {"type": "string"}, "date": {"type": "string", "format": "date"}, "currency": {"type": "string"},
  "accrued": {"type": "string", "format": "money"}, "paid": {"type": "string", "format": "money"},
  "balance": {"type": "string", "format": "money", "description": "paid - accrued: negative is debt"},
  "debt": {"type": "string", "format": "money"}, "overdue": {"type": "string", "format": "money"},
  "advance": {"type": "string", "format": "money"}, "credit_limit": {"type": "string", "format": "money"},
  "oldest_overdue_due": {"type": ["string", "null"], "format": "date"},
  "open_items": {"type": "array", "items": {"type": "object", "properties": {
    "accrual": {"type": "integer"}, "date": {"type": "string", "format": "date"},
    "due_date": {"type": "string", "format": "date"}, "open": {"type": "string", "format": "money"},
    "days_overdue": {"type": "integer"}}}}}})~";

const std::string kTurnoverRow = R"~({"type": "object", "properties": {
  "account": {"type": "string"}, "currency": {"type": "string"},
  "opening": {"type": "string", "format": "money"}, "accrued": {"type": "string", "format": "money"},
  "paid": {"type": "string", "format": "money"}, "closing": {"type": "string", "format": "money"}}})~";

const std::string kDebtors = R"~({"type": "object", "properties": {
  "date": {"type": "string", "format": "date"}, "count": {"type": "integer"},
  "debtors": {"type": "array", "items": {"type": "object", "properties": {
    "account": {"type": "string"}, "holder": {"type": "string"}, "phone": {"type": "string"},
    "status": {"type": "string"}, "currency": {"type": "string"},
    "debt": {"type": "string", "format": "money"}, "overdue": {"type": "string", "format": "money"},
    "days_overdue": {"type": "integer"}, "oldest_due": {"type": "string", "format": "date"}}}}}})~";

const std::string kTaxDefined =
    R"~({"type": "object", "properties": {"code": {"type": "string"}, "valid_from": {"type": "string", "format": "date"}, "rate": )~" +
    kRate + "}}";

const std::string kOrganizationList =
    R"~({"type": "object", "properties": {"organizations": {"type": "array", "items": )~" +
    kOrganizationResult + "}}}";

const std::string kTariffList =
    R"~({"type": "object", "properties": {"tariffs": {"type": "array", "items": )~" +
    kTariffResult + "}}}";

const std::string kAccountList =
    R"~({"type": "object", "properties": {"accounts": {"type": "array", "items": )~" +
    kAccountResult +
    R"~(}, "next_after_id": {"type": ["integer", "null"], "description": "pass as after for the next page; null at the end"}}})~";

const std::string kConnected =
    R"~({"type": "object", "properties": {
  "subscription": {"type": "integer"}, "account": {"type": "string"}, "service": {"type": "string"},
  "tariff": {"type": "string"}, "from": {"type": "string", "format": "date"}}})~";

const std::string kDisconnected =
    R"~({"type": "object", "properties": {
  "subscription": {"type": "integer"},
  "last_day": {"type": "string", "format": "date", "description": "the last day billed"}}})~";

const std::string kTariffChanged =
    R"~({"type": "object", "properties": {
  "subscription": {"type": "integer"}, "tariff": {"type": "string"},
  "from": {"type": "string", "format": "date"}}})~";

const std::string kSubscriptionList =
    R"~({"type": "object", "properties": {"account": {"type": "string"},
  "subscriptions": {"type": "array", "items": )~" +
    kSubscription + "}}}";

const std::string kDiscountAdded =
    R"~({"type": "object", "properties": {
  "discount": {"type": "integer"}, "account": {"type": "string"}, "name": {"type": "string"},
  "from": {"type": "string", "format": "date"}, "to": {"type": ["string", "null"], "format": "date"},
  "percent": {"type": ["string", "null"], "format": "decimal"},
  "amount": {"type": ["string", "null"], "format": "money", "description": "a fixed monthly discount"}}})~";

const std::string kCharged =
    R"~({"type": "object", "properties": {
  "accrual": {"type": "integer"}, "account": {"type": "string"},
  "document": {"type": ["integer", "null"], "description": "the accrual document"},
  "number": {"type": ["string", "null"], "description": "its number"},
  "amount": {"type": "string", "format": "money"}, "vat": {"type": "string", "format": "money"},
  "vat_rate": )~" +
    kRate + R"~(, "due_date": {"type": "string", "format": "date"},
  "replayed": {"type": "boolean", "description": "true: the key was charged before; its first answer"}}})~";

const std::string kRunList =
    R"~({"type": "object", "properties": {"runs": {"type": "array", "items": )~" + kRun + "}}}";

const std::string kStornoResult =
    R"~({"type": "object", "properties": {
  "receipt": {"type": "string"},
  "storno": {"type": "string", "description": "the receipt of the negative payment"},
  "account": {"type": "string"}, "amount": {"type": "string", "format": "money"},
  "date": {"type": "string", "format": "date"},
  "balance": {"type": "string", "format": "money", "description": "after the storno"}}})~";

const std::string kStatementImported =
    R"~({"type": "object", "properties": {
  "documents": {"type": "integer"}, "posted": {"type": "integer"}, "unmatched": {"type": "integer"},
  "duplicates": {"type": "integer"}, "outgoing": {"type": "integer"},
  "skipped": {"type": "integer", "description": "zero amounts"},
  "lines": {"type": "array", "items": )~" +
    kStatementLine + "}}}";

const std::string kStatementUnmatched =
    R"~({"type": "object", "properties": {
  "lines": {"type": "array", "items": )~" +
    kStatementLine + "}}}";

const std::string kQrParams =
    kAccount +
    R"~(, "document": {"type": "integer", "minimum": 1, "description": "accrual document id"},
            "amount": {"type": "string", "format": "money", "description": "overrides the amount due"},
            "purpose": {"type": "string"}, "tech_code": {"type": "string", "description": "GOST TechCode, default 09 (Internet and TV)"},
            "encoding": {"type": "string", "enum": ["utf-8", "windows-1251"]})~";

// Without the closing braces: billing.qr.image adds its image.
const std::string kQrResult =
    R"~({"type": "object", "properties": {"text": {"type": "string", "description": "the QR content as UTF-8 text"},
          "payload_base64": {"type": "string", "description": "the exact bytes to encode in the QR, in the chosen encoding"},
          "encoding": {"type": "string"}, "bytes": {"type": "integer"}, "account": {"type": "string"},
          "amount": {"type": "string", "format": "money"})~";

const std::string kTaxList =
    R"~({"type": "object", "properties": {"rates": {"type": "array", "items": )~" + kTaxRate +
    "}}}";

}  // namespace

void register_billing_methods(MethodTable& t) {
  // --- tax rates, organisations, tariffs, accounts ---------------------------
  t.add(
      "billing.tax.define",
      "Adds a tax rate from a date; the code's previous rate ends the day before.",
      obj(R"~("tax": {"type": "string", "description": "the tax code"}, "code": {"x-alias-of": "tax"},
            "rate": {"type": "string", "format": "vat_rate", "description": "percent (\"22\", \"12.5\") or \"none\""},
            "valid_from": )~" +
              kDate + R"~(, "title": {"type": "string"},)~" + kWho,
          R"~(["tax", "rate", "valid_from"])~"),
      kTaxDefined, true, [](Database& db, const Params& p) {
        return db.billing().define_tax_rate(p.object(), billing_context(db, p));
      });
  t.add("billing.tax.list", "Every tax rate with its dates, built-in ones included.", obj(""),
        kTaxList, false, [](Database& db, const Params&) { return db.billing().list_tax_rates(); });
  t.add(
      "billing.organization.put",
      "Adds or replaces one of our organisations with its bank details (for QR codes and "
      "statements) and its business calendar (for the processes of its accounts).",
      obj(R"~("type": {"type": "string", "enum": ["company", "sole_trader"]}, "name": {"type": "string"},
            "inn": {"type": "string"}, "kpp": {"type": "string"}, "bin": {"type": "string"}, "iin": {"type": "string"},
            "calendar": {"type": "string", "description": "business calendar id for its accounts' processes (dunning); default kz for a BIN or IIN, ru for an INN"},
            "payment_link": {"type": "string", "description": "template of an order's payment link (billing.order.payment): an http(s) URL with {number}, {amount}, {document}, {uid}"},
            "bank": {"type": "object", "properties": {"account": {"type": "string"}, "name": {"type": "string"},
              "bic": {"type": "string"}, "corr_account": {"type": "string"}}},)~" +
              kWho,
          R"~(["name"])~"),
      kOrganizationResult, true, [](Database& db, const Params& p) {
        if (p.has("calendar")) db.calendars().get(p.str("calendar"), "calendar");  // must exist
        return db.billing().put_organization(p.object(), billing_context(db, p));
      });
  t.add("billing.organization.list", "Our organisations.", obj(""), kOrganizationList, false,
        [](Database& db, const Params&) { return db.billing().organizations(); });
  t.add("billing.tariff.define",
        "Creates or replaces a tariff; runs after the change use it, posted lines keep theirs.",
        kTariff, kTariffResult, true, [](Database& db, const Params& p) {
          return db.billing().define_tariff(p.object(), billing_context(db, p));
        });
  t.add("billing.tariff.list", "Every tariff.", obj(""), kTariffList, false,
        [](Database& db, const Params&) { return db.billing().list_tariffs(); });
  t.add(
      "billing.account.put",
      "Creates an account (лицевой счёт) or changes the fields given; null clears "
      "phone/address/organization.",
      obj(kAccount + R"~(, "number": {"x-alias-of": "account"}, "holder": )~" + kBillingParty +
              R"~(, "phone": {"type": ["string", "null"]}, "address": {"type": ["string", "null"]},
            "organization": {"type": ["string", "null"], "description": "tax id of one of our organisations"},
            "currency": {"type": "string", "format": "currency"}, "status": {"type": "string", "enum": ["active", "suspended", "disconnected"]},
            "credit_limit": )~" +
              kMoney + "," + kWho,
          R"~(["account"])~"),
      kAccountResult, true, [](Database& db, const Params& p) {
        return db.billing().put_account(p.object(), billing_context(db, p));
      });
  t.add("billing.account.get", "An account with its balance, debt and subscriptions.",
        obj(kAccount, R"~(["account"])~"), kAccountResult, false,
        [](Database& db, const Params& p) {
          return db.billing().get_account(p.str("account"), billing_context(db, p));
        });
  t.add("billing.account.list", "Accounts in id order, a page at a time.",
        obj(R"~("status": {"type": "string", "enum": ["active", "suspended", "disconnected"]},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
            "after": {"type": "integer", "minimum": 0, "description": "next_after_id of the previous page"},
            "after_id": {"x-alias-of": "after"})~"),
        kAccountList, false,
        [](Database& db, const Params& p) { return db.billing().list_accounts(p.object()); });

  // --- subscriptions ---------------------------------------------------------
  const std::string sub = R"~("subscription": {"type": "integer", "minimum": 1})~";
  t.add(
      "billing.subscription.connect", "Connects a service on a tariff from a date (default today).",
      obj(kAccount +
              R"~(, "tariff": {"type": "string"}, "service": {"type": "string", "description": "default internet"},
            "date": )~" +
              kDate + "," + kWho,
          R"~(["account", "tariff"])~"),
      kConnected, true, [](Database& db, const Params& p) {
        return db.billing().connect(p.object(), billing_context(db, p));
      });
  t.add("billing.subscription.disconnect",
        "Ends a subscription: `date` is the last day billed (default today).",
        obj(sub + R"~(, "date": )~" + kDate + "," + kWho, R"~(["subscription"])~"), kDisconnected,
        true, [](Database& db, const Params& p) {
          return db.billing().disconnect(p.object(), billing_context(db, p));
        });
  t.add(
      "billing.subscription.change_tariff",
      "Changes the tariff now, from the next period, or from a date.",
      obj(sub +
              R"~(, "tariff": {"type": "string"}, "when": {"type": "string", "enum": ["now", "next_period", "date"]},
            "date": )~" +
              kDate + "," + kWho,
          R"~(["subscription", "tariff"])~"),
      kTariffChanged, true, [](Database& db, const Params& p) {
        return db.billing().change_tariff(p.object(), billing_context(db, p));
      });
  t.add("billing.subscription.freeze",
        "Freezes a subscription from a date (optionally to a date) with an optional reduced "
        "monthly fee.",
        obj(sub + R"~(, "from": )~" + kDate + R"~(, "to": )~" + kDate + R"~(, "fee": )~" + kMoney +
                "," + kWho,
            R"~(["subscription"])~"),
        kFreezeResult, true, [](Database& db, const Params& p) {
          return db.billing().freeze(p.object(), billing_context(db, p));
        });
  t.add("billing.subscription.unfreeze", "Resumes a frozen subscription on `date` (default today).",
        obj(sub + R"~(, "date": )~" + kDate + "," + kWho, R"~(["subscription"])~"), kFreezeResult,
        true, [](Database& db, const Params& p) {
          return db.billing().unfreeze(p.object(), billing_context(db, p));
        });
  t.add("billing.subscription.list", "An account's subscriptions with tariffs and freezes.",
        obj(kAccount, R"~(["account"])~"), kSubscriptionList, false,
        [](Database& db, const Params& p) { return db.billing().subscriptions(p.str("account")); });
  t.add("billing.discount.add",
        "A percent or fixed monthly discount for an account (or one subscription), from a date, "
        "optionally to a date.",
        obj(kAccount +
                R"~(, "subscription": {"type": "integer", "minimum": 1}, "name": {"type": "string"},
            "percent": {"type": "string", "format": "percent"}, "amount": )~" +
                kMoney + R"~(, "from": )~" + kDate + R"~(, "to": )~" + kDate + "," + kWho,
            R"~(["account", "name", "from"])~"),
        kDiscountAdded, true, [](Database& db, const Params& p) {
          return db.billing().add_discount(p.object(), billing_context(db, p));
        });
  t.add("billing.charge",
        "Posts a one-time charge (equipment, installation) with its accrual document; a repeated "
        "key returns the first.",
        obj(kAccount + R"~(, "name": {"type": "string"}, "amount": )~" + kMoney +
                R"~(, "date": )~" + kDate + R"~(, "tax": {"type": "string"},
            "vat_mode": {"type": "string", "enum": ["included", "on_top"]},
            "payment_term_days": {"type": "integer"},
            "key": {"type": "string", "description": "idempotency key of the host"},)~" +
                kWho,
            R"~(["account", "name", "amount"])~"),
        kCharged, true, [](Database& db, const Params& p) {
          return db.billing().add_charge(p.object(), billing_context(db, p));
        });

  // --- the run ---------------------------------------------------------------
  t.add_batch("billing.run",
              "Accrues every subscription of a month (lines and one accrual document per account); "
              "idempotent, resumable, progress reported.",
              obj(R"~("period": {"type": "string", "description": "YYYY-MM"},
          "chunk_size": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "accounts per transaction, default 10000"},
          "documents": {"type": "boolean", "description": "write accrual documents to the registry (default true)"},)~" +
                      kWho,
                  R"~(["period"])~"),
              kRun, [](Database& db, const Params& p) {
                return db.billing().run(p.object(), billing_context(db, p),
                                        db.progress_for("billing.run"));
              });
  t.add_batch(
      "billing.run.work",
      "One more worker on a month's run (planned by the first to come): claims chunks of "
      "accounts with a lease and bills each in its own transaction until none is left; a "
      "worker whose lease ran out and was taken over rolls its chunk back.",
      obj(R"~("period": {"type": "string", "description": "YYYY-MM: join its running run, or plan one (a new pass over the month once the last is done); give this or run"},
          "run": {"type": "integer", "minimum": 1, "description": "join this run only (never starts another); give this or period"},
          "worker": {"type": "string", "minLength": 1, "maxLength": 200, "description": "this worker's name, unique among the live workers; a restarted worker under the same name takes back its chunks at once"},
          "lease_seconds": {"type": "integer", "minimum": 1, "maximum": 86400, "description": "how long a claimed chunk stays this worker's by the handle's clock; default 600"},
          "max_chunks": {"type": "integer", "minimum": 1, "description": "stop after billing this many chunks"},
          "chunk_size": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "accounts per chunk when this call plans the run; default 10000"},
          "documents": {"type": "boolean", "description": "when this call plans the run: write accrual documents (default true)"},)~" +
              kWho,
          R"~(["worker"])~"),
      kRun, [](Database& db, const Params& p) {
        return db.billing().work_run(p.object(), billing_context(db, p),
                                     db.progress_for("billing.run.work"));
      });
  t.add("billing.run.cancel",
        "Reverses a run, finished or still running: its chunks not done are cancelled, a storno "
        "line for each of its lines, its documents marked reversed, journalled.",
        obj(R"~("run": {"type": "integer", "minimum": 1},)~" + kWho, R"~(["run"])~"), kRun, true,
        [](Database& db, const Params& p) {
          return db.billing().cancel_run(p.object(), billing_context(db, p));
        });
  t.add("billing.run.list", "Runs with their totals, optionally of one period.",
        obj(R"~("period": {"type": "string"})~"), kRunList, false,
        [](Database& db, const Params& p) { return db.billing().runs(p.object()); });

  // --- closed periods --------------------------------------------------------
  const std::string closed = R"~({"type": "object", "properties": {
    "closed_until": {"type": ["string", "null"], "format": "date", "description": "the last closed day; null: nothing is closed"},
    "previous": {"type": ["string", "null"], "format": "date", "description": "the last closed day before this call"},
    "changed": {"type": "boolean", "description": "false when the period was already closed until that day"}}})~";
  t.add("billing.period.close",
        "Closes every day up to `until` (a day before today): payments, charges, runs, stornos "
        "and subscription changes dated on or before it are refused from then on; journalled.",
        obj(R"~("until": )~" + kDate + "," + kWho, R"~(["until"])~"), closed, true,
        [](Database& db, const Params& p) {
          return db.billing().close_period(p.object(), billing_context(db, p));
        });
  t.add("billing.period.reopen",
        "Reopens the closed days from `from` on; the reason is required and journalled.",
        obj(R"~("from": )~" + kDate + "," + kWho, R"~(["from", "reason"])~"), closed, true,
        [](Database& db, const Params& p) {
          return db.billing().reopen_period(p.object(), billing_context(db, p));
        });
  t.add("billing.period.list", "The last closed day and every close and reopen, oldest first.",
        obj(""),
        R"~({"type": "object", "properties": {
          "closed_until": {"type": ["string", "null"], "format": "date"},
          "history": {"type": "array", "items": {"type": "object", "properties": {
            "action": {"type": "string", "description": "close or reopen"},
            "until": {"type": ["string", "null"], "format": "date", "description": "the last closed day after it"},
            "at": {"type": "string", "format": "date-time"}, "actor": {"type": ["string", "null"]},
            "reason": {"type": ["string", "null"]}}}}}})~",
        false, [](Database& db, const Params&) { return db.billing().periods(); });

  // --- payments --------------------------------------------------------------
  const std::string channel =
      R"~("channel": {"type": "string", "description": "payment channel: kaspi, osmp, bank, cash, ..."})~";
  t.add(
      "billing.check",
      "How much an account owes: status, masked holder name, amount due. Changes nothing.",
      obj(channel + "," + kAccount, R"~(["channel", "account"])~"),
      R"~({"type": "object", "properties": {"account": {"type": "string"}, "status": {"type": "string"},
          "holder": {"type": "string", "description": "masked: Иван Иванович И."}, "currency": {"type": "string"},
          "amount_due": {"type": "string", "format": "money"}, "overdue": {"type": "string", "format": "money"},
          "balance": {"type": "string", "format": "money"}}})~",
      false, [](Database& db, const Params& p) {
        return db.billing().check(p.object(), billing_context(db, p));
      });
  t.add(
      "billing.pay",
      "Posts a payment, idempotent by (channel, txn_id): a repeat returns the first answer; "
      "the same txn_id with another account or amount is a conflict.",
      obj(channel + "," + kAccount + R"~(, "txn_id": {"type": "string"}, "amount": )~" + kMoney +
              R"~(, "txn_date": {"type": "string", "description": "YYYY-MM-DDTHH:MM:SS (agent's local time) or YYYY-MM-DD"})~",
          R"~(["channel", "txn_id", "account", "amount"])~"),
      kPayAnswer, true, [](Database& db, const Params& p) {
        return db.billing().pay(p.object(), billing_context(db, p));
      });
  t.add("billing.payment.storno", "Reverses a payment with a negative payment row; journalled.",
        obj(R"~("receipt": {"type": "string"},)~" + kWho, R"~(["receipt"])~"), kStornoResult, true,
        [](Database& db, const Params& p) {
          return db.billing().storno_payment(p.object(), billing_context(db, p));
        });
  t.add(
      "billing.gateway",
      "Answers an OSMP/QIWI or Kaspi check/pay request (query parameters) with the protocol's "
      "XML and result codes.",
      obj(R"~("protocol": {"type": "string", "enum": ["osmp", "kaspi"]},
            "query": {"type": ["object", "string"], "additionalProperties": {"type": "string"}, "description": "the request's parameters, as an object of strings or a query string"},
            "channel": {"type": "string", "description": "channel the payments are booked under; default the protocol name"})~",
          R"~(["protocol", "query"])~"),
      R"~({"type": "object", "properties": {"http_status": {"type": "integer"}, "content_type": {"type": "string"},
          "body": {"type": "string"}, "result": {"type": "integer", "description": "the protocol's result code"}}})~",
      true, [](Database& db, const Params& p) {
        return db.billing().gateway(p.object(), billing_context(db, p));
      });

  // --- balances and reports --------------------------------------------------
  t.add("billing.balance",
        "An account's balance on a date with its open accruals (settled oldest first).",
        obj(kAccount + R"~(, "date": )~" + kDate, R"~(["account"])~"), kBalance, false,
        [](Database& db, const Params& p) {
          return db.billing().balance(p.object(), billing_context(db, p));
        });
  t.add("billing.ledger", "An account's accruals and payments between two dates.",
        obj(kAccount + R"~(, "from": )~" + kDate + R"~(, "to": )~" + kDate, R"~(["account"])~"),
        kLedger, false,
        [](Database& db, const Params& p) { return db.billing().ledger(p.object()); });
  t.add("billing.ageing",
        "Open debt by days overdue (not due, 0-30, 31-60, 61-90, 90+) on a date, per currency.",
        obj(kAccount + R"~(, "date": )~" + kDate), kAgeing, false,
        [](Database& db, const Params& p) {
          return db.billing().ageing(p.object(), billing_context(db, p));
        });
  t.add(
      "billing.turnover",
      "Turnover statement: opening, accrued, paid, closing per account and in total.",
      obj(kAccount + R"~(, "from": )~" + kDate + R"~(, "to": )~" + kDate +
              R"~(, "accounts": {"type": "boolean", "description": "include per-account rows (default true)"})~",
          R"~(["from", "to"])~"),
      R"~({"type": "object", "properties": {"from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"}, "accounts": {"type": "array", "items": )~" +
          kTurnoverRow + R"~(}, "totals": {"type": "array", "items": )~" + kTurnoverRow + "}}}",
      false, [](Database& db, const Params& p) { return db.billing().turnover(p.object()); });
  t.add("billing.debtors", "Accounts with overdue debt of at least min_days and min_amount.",
        obj(R"~("min_days": {"type": "integer", "minimum": 0}, "min_amount": )~" + kMoney +
            R"~(, "date": )~" + kDate +
            R"~(, "limit": {"type": "integer", "minimum": 1, "maximum": 100000})~"),
        kDebtors, false, [](Database& db, const Params& p) {
          return db.billing().debtors(p.object(), billing_context(db, p));
        });

  // --- dunning ---------------------------------------------------------------
  // Dunning is the shipped `dunning` workflow, started and ended by billing's
  // domain events (docs/billing.md); these two names of the retired ladder
  // stay as thin aliases over it.
  t.add("billing.dunning.run",
        "Advances the dunning processes (the `dunning` workflow) to the end of `date` (default: "
        "now): fires their due timers, as workflow.tick does for them; the effects go to the "
        "outbox (effects.fetch).",
        obj(R"~("date": )~" + kDate + "," + kWho),
        R"~({"type": "object", "properties": {"date": {"type": "string", "format": "date"},
          "now": {"type": "string", "format": "date-time"}, "fired": {"type": "integer"},
          "failed": {"type": "integer"},
          "effects": {"type": "integer", "description": "effects put into the outbox; fetch them with effects.fetch"}}})~",
        true, [](Database& db, const Params& p) {
          json::object tick{{"definition", "dunning"}};
          Date day = db.clock().today();
          if (p.has("date")) {
            day = p.date("date");
            // The last second of the day, at the handle's UTC offset.
            const int64_t next_midnight = (day.days_since_epoch() + 1) * 86400 -
                                          int64_t{db.clock().utc_offset_minutes()} * 60;
            tick["now"] = Timestamp(next_midnight - 1).to_string();
          }
          json::object out = db.workflow().tick(tick, db.workflow_clocks());
          out["date"] = day.to_string();
          return out;
        });
  t.add(
      "billing.dunning.cases",
      "The dunning processes (instances of the `dunning` workflow) of one account or of all, "
      "with the effects each emitted.",
      obj(kAccount +
          R"~(, "open_only": {"type": "boolean", "description": "default true: live processes only"})~"),
      R"~({"type": "object", "properties": {"cases": {"type": "array", "items": {"type": "object", "properties": {
          "case": {"type": "integer", "description": "the workflow instance"}, "account": {"type": "string"},
          "opened_on": {"type": "string", "format": "date"}, "closed_on": {"type": ["string", "null"], "format": "date"},
          "states": {"type": "array", "items": {"type": "string"}},
          "actions": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "state": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
            "payload": )~" +
          kEffectPayload + R"~(}}}}}}}})~",
      false, [](Database& db, const Params& p) {
        json::object query{{"definition", "dunning"}, {"limit", 100000}};
        if (p.has("account")) {
          db.billing().get_account(p.str("account"), billing_context(db, p));  // must exist
          query["key"] = "billing:account:" + p.str("account");
        }
        json::array instances;
        for (const char* status : {"active", "done"}) {
          if (std::string(status) == "done" && p.boolean("open_only", true)) break;
          query["status"] = status;
          json::object found = db.workflow().instances(query);
          for (auto& i : found.at("instances").as_array()) instances.push_back(std::move(i));
        }
        json::array cases;
        for (const auto& v : instances) {
          const json::object& i = v.as_object();
          const std::string key(i.at("key").as_string());
          const std::string prefix = "billing:account:";
          json::object c{
              {"case", i.at("instance")},
              {"account", key.rfind(prefix, 0) == 0 ? key.substr(prefix.size()) : key},
              {"opened_on", std::string(i.at("started_at").as_string()).substr(0, 10)},
              {"closed_on",
               i.at("status") == "done"
                   ? json::value(std::string(i.at("updated_at").as_string()).substr(0, 10))
                   : json::value(nullptr)},
              {"states", i.at("states")}};
          json::array actions;
          const json::object history =
              db.workflow().history({{"instance", i.at("instance")}, {"limit", 100000}});
          for (const auto& r : history.at("records").as_array())
            if (r.at("kind") == "effect")
              actions.push_back({{"type", r.at("type")},
                                 {"state", r.at("state")},
                                 {"at", r.at("at")},
                                 {"payload", r.at("payload")}});
          c["actions"] = std::move(actions);
          cases.push_back(std::move(c));
        }
        return json::object{{"cases", std::move(cases)}};
      });
  // --- QR codes and bank statements ------------------------------------------
  t.add("billing.qr",
        "Payment QR text (GOST R 56042-2014, ST0001…) for an account's amount due or an accrual "
        "document, in UTF-8 or windows-1251.",
        obj(kQrParams), kQrResult + "}}", false, [](Database& db, const Params& p) {
          return db.billing().qr(p.object(), billing_context(db, p));
        });
  t.add("billing.qr.image",
        "billing.qr with the QR drawn: the payment text and a PNG or SVG image of its exact bytes.",
        obj(kQrParams + ", " + kQrImageParams),
        kQrResult + R"~(, "image": )~" + kQrImageResult + "}}", false,
        [](Database& db, const Params& p) {
          json::object out = db.billing().qr(p.object(), billing_context(db, p));
          out["image"] = qr_image(
              base64_decode_field(out.at("payload_base64").as_string(), "payload_base64"), p,
              "purpose");  // of the payload, only the purpose's length is the caller's
          return out;
        });
  t.add("billing.order.payment",
        "Payment of a customer's order (registry kind order): GOST QR text for the gross amount "
        "less custom.paid, \"Оплата заказа <number>\", a payment link from a template, and the QR "
        "image when format is given.",
        obj(R"~("document": {"type": "integer", "minimum": 1, "description": "the order document"},
            "amount": {"type": "string", "format": "money", "description": "overrides gross less paid"},
            "purpose": {"type": "string", "description": "default Оплата заказа <number>"},
            "tech_code": {"type": "string", "description": "GOST TechCode; default none"},
            "encoding": {"type": "string", "enum": ["utf-8", "windows-1251"]},
            "payment_link": {"type": "string", "description": "link template, default the organisation's: http(s) URL with {number}, {amount}, {document}, {uid}"},
            "image_of": {"type": "string", "enum": ["qr", "link"], "description": "what the image (given with format) encodes: qr, the GOST text (default), or link, the payment link"},
            )~" +
                std::string(kQrImageParams),
            R"~(["document"])~"),
        R"~({"type": "object", "properties": {
          "document": {"type": "integer"}, "number": {"type": "string"},
          "organization": {"type": "string", "description": "tax id of our organisation paid"},
          "gross": {"type": "string", "format": "money"},
          "paid": {"type": ["string", "null"], "format": "money", "description": "the order's custom.paid; null: unknown"},
          "amount": {"type": "string", "format": "money", "description": "what the QR and link ask for"},
          "purpose": {"type": "string"},
          "link": {"type": ["string", "null"], "description": "the payment link; null without a template"},
          "text": {"type": "string", "description": "the QR content as UTF-8 text"},
          "payload_base64": {"type": "string", "description": "the exact bytes of the GOST QR"},
          "encoding": {"type": "string"}, "bytes": {"type": "integer"},
          "image": )~" +
            std::string(kQrImageResult) + "}}",
        false, [](Database& db, const Params& p) {
          json::object out = db.billing().order_payment(p.object(), billing_context(db, p));
          const std::string what = p.opt_str("image_of").value_or("qr");
          if (p.has("format")) {
            if (what == "link" && out.at("link").is_null())
              fail_field(ErrorCode::validation, "image_of", "no_link",
                         "the order has no payment link: pass payment_link or set the "
                         "organisation's with billing.organization.put");
            const std::string bytes =
                what == "link"
                    ? std::string(out.at("link").as_string())
                    : base64_decode_field(out.at("payload_base64").as_string(), "payload_base64");
            out["image"] = qr_image(bytes, p, what == "link" ? "payment_link" : "purpose");
          }
          return out;
        });
  t.add(
      "billing.statement.import",
      "Imports a 1CClientBankExchange statement: incoming payments matched by account number in "
      "the purpose or payer INN, deduplicated, posted; others kept as unmatched.",
      obj(R"~("content_base64": {"type": "string", "description": "the file's bytes (usually windows-1251)"},
            "encoding": {"type": "string", "enum": ["windows-1251", "utf-8", "cp866"], "description": "default: as the file declares (Кодировка)"},
            "channel": {"type": "string", "description": "default bank"},)~" +
              kWho,
          R"~(["content_base64"])~"),
      kStatementImported, true, [](Database& db, const Params& p) {
        return db.billing().import_statement(p.object(), billing_context(db, p));
      });
  t.add("billing.statement.unmatched", "Statement payments no account was found for.", obj(""),
        kStatementUnmatched, false,
        [](Database& db, const Params& p) { return db.billing().unmatched(p.object()); });
  t.add("billing.statement.resolve",
        "Posts an unmatched statement payment to the account a person chose.",
        obj(R"~("line": {"type": "integer", "minimum": 1}, )~" + kAccount + "," + kWho,
            R"~(["line", "account"])~"),
        kPayAnswer, true, [](Database& db, const Params& p) {
          return db.billing().resolve_unmatched(p.object(), billing_context(db, p));
        });
}

}  // namespace opora::engine
